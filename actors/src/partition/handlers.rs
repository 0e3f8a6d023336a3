//! The messages a partition actor handles.

use super::messages::{
    AppendMessages, Claim, ConsumerKey, ConsumerOffsetInfo, DeleteConsumerOffset, FlushUnsaved,
    GetConsumerOffset, GetConsumerOffsets, PollMessages, PolledMessages, StoreConsumerOffset,
    StoredOffsets,
};
use super::segment::Segment;
use super::segments;
use super::storage::sync_files;
use super::PartitionActor;
use crate::error::IggyError;
use crate::timed::{self, Timed, Worked};
use actix::prelude::*;
use log::{error, info, warn};
use std::path::PathBuf;

/// Any partition message, answered with its timing (a traced request's child span).
impl<M> Handler<Timed<M>> for PartitionActor
where
    M: Message + Send + 'static,
    M::Result: Send,
    PartitionActor: Handler<M>,
{
    type Result = ResponseFuture<Option<Worked<M::Result>>>;

    fn handle(&mut self, Timed(msg): Timed<M>, ctx: &mut Self::Context) -> Self::Result {
        let (started, answer) = timed::serve(self, msg, ctx);
        Box::pin(async move {
            let done = timed::finish(started, answer).await?;
            Some(Worked::new(done, 0..0))
        })
    }
}

impl Handler<AppendMessages> for PartitionActor {
    type Result = AtomicResponse<Self, Result<(), IggyError>>;

    fn handle(&mut self, msg: AppendMessages, _: &mut Self::Context) -> Self::Result {
        let appended = self.append(msg.batch, self.config.enforce_fsync);
        self.publish_stats();
        let handles = match appended {
            Ok(h) if !h.is_empty() => h,
            other => return AtomicResponse::new(Box::pin(fut::ready(other.map(|_| ())))),
        };
        // The fsync runs on a blocking thread: the shard's other partitions go on; this
        // partition answers (and takes its next message) once the data is on disk.
        AtomicResponse::new(Box::pin(fut::wrap_future(sync_files(handles))))
    }
}

impl Handler<FlushUnsaved> for PartitionActor {
    type Result = AtomicResponse<Self, Result<(), IggyError>>;

    fn handle(&mut self, msg: FlushUnsaved, _: &mut Self::Context) -> Self::Result {
        let persisted = self.persist(msg.fsync || self.config.enforce_fsync);
        self.publish_stats();
        match persisted {
            Ok(handles) => AtomicResponse::new(Box::pin(fut::wrap_future(sync_files(handles)))),
            Err(e) => AtomicResponse::new(Box::pin(fut::ready(Err(e)))),
        }
    }
}

impl PartitionActor {
    /// `NotResolvedConsumer` unless a group member's claim holds here (individual
    /// consumers carry no claim).
    fn check_claim(&self, consumer: ConsumerKey, claim: Option<Claim>) -> Result<(), IggyError> {
        match (consumer, claim) {
            (ConsumerKey::Group(group), Some(claim)) if !self.groups.admits(group, claim) => {
                Err(IggyError::NotResolvedConsumer)
            }
            _ => Ok(()),
        }
    }

    /// Stores a consumer's offset; a group's may complete a hand-over waiting for it.
    fn store_offset(&mut self, consumer: ConsumerKey, offset: u64) -> Result<(), IggyError> {
        self.offsets
            .store(consumer, offset)
            .map_err(|e| self.io("store a consumer offset", e))?;
        self.group_committed(consumer);
        Ok(())
    }
}

impl Handler<PollMessages> for PartitionActor {
    type Result = Result<PolledMessages, IggyError>;

    fn handle(&mut self, msg: PollMessages, _: &mut Self::Context) -> Self::Result {
        self.check_claim(msg.consumer, msg.claim)?;
        let mut answer = PolledMessages {
            partition_id: self.key.partition_id,
            current_offset: self.last_offset().unwrap_or(0),
            ..Default::default()
        };
        if msg.count == 0 {
            return Ok(answer);
        }
        let stored = self.offsets.get(msg.consumer);
        let Some(start) = self.start_offset(msg.strategy, msg.count, stored)? else {
            return Ok(answer);
        };
        let (chunks, count, last_read) = self.read(start, msg.count)?;
        if count > 0 {
            if let ConsumerKey::Group(group) = msg.consumer {
                self.groups.polled(group, last_read);
            }
            if msg.auto_commit {
                self.store_offset(msg.consumer, last_read)?;
            }
        }
        answer.chunks = chunks;
        answer.count = count;
        Ok(answer)
    }
}

impl Handler<GetConsumerOffset> for PartitionActor {
    type Result = Result<Option<ConsumerOffsetInfo>, IggyError>;

    fn handle(&mut self, msg: GetConsumerOffset, _: &mut Self::Context) -> Self::Result {
        Ok(self
            .offsets
            .get(msg.consumer)
            .map(|stored_offset| ConsumerOffsetInfo {
                partition_id: self.key.partition_id,
                current_offset: self.last_offset().unwrap_or(0),
                stored_offset,
            }))
    }
}

impl Handler<GetConsumerOffsets> for PartitionActor {
    type Result = MessageResult<GetConsumerOffsets>;

    fn handle(&mut self, _: GetConsumerOffsets, _: &mut Self::Context) -> Self::Result {
        let mut offsets: Vec<(ConsumerKey, u64)> = self.offsets.entries().collect();
        offsets.sort_unstable();
        MessageResult(StoredOffsets {
            partition_id: self.key.partition_id,
            last_offset: self.last_offset(),
            offsets,
        })
    }
}

impl Handler<StoreConsumerOffset> for PartitionActor {
    type Result = Result<(), IggyError>;

    fn handle(&mut self, msg: StoreConsumerOffset, _: &mut Self::Context) -> Self::Result {
        self.check_claim(msg.consumer, msg.claim)?;
        match self.last_offset() {
            Some(last) if msg.offset <= last => self.store_offset(msg.consumer, msg.offset),
            _ => Err(IggyError::InvalidOffset),
        }
    }
}

impl Handler<DeleteConsumerOffset> for PartitionActor {
    type Result = Result<(), IggyError>;

    fn handle(&mut self, msg: DeleteConsumerOffset, _: &mut Self::Context) -> Self::Result {
        self.check_claim(msg.consumer, msg.claim)?;
        match self.offsets.delete(msg.consumer) {
            Ok(true) => Ok(()),
            Ok(false) => Err(IggyError::ConsumerOffsetNotFound),
            Err(e) => Err(self.io("delete a consumer offset", e)),
        }
    }
}

/// Deletes every segment, the unsaved buffer and the consumer offsets, and starts over
/// at offset 0 (PurgeTopic/PurgeStream).
#[derive(Message, Clone, Copy)]
#[rtype(result = "Result<(), IggyError>")]
pub struct PurgePartition;

impl Handler<PurgePartition> for PartitionActor {
    type Result = Result<(), IggyError>;

    fn handle(&mut self, _: PurgePartition, _: &mut Self::Context) -> Self::Result {
        let purged = self.purge();
        self.groups_purged();
        self.publish_stats();
        purged
    }
}

impl PartitionActor {
    pub(super) fn purge(&mut self) -> Result<(), IggyError> {
        self.offsets
            .clear()
            .map_err(|e| self.io("delete consumer offsets", e))?;
        let sealed = self.segments.len() - 1;
        self.delete_oldest(sealed)?;
        // The active segment's files move aside until the fresh segment exists, so the
        // partition always has one, also when the fresh one cannot be made.
        let aside = move_aside(self.active()).map_err(|e| self.io("move a segment aside", e))?;
        let fresh = match Segment::open(&self.dir, 0, false, true) {
            Ok((fresh, _)) => fresh,
            Err(e) => {
                // Whatever the failed open made is removed: the moved files go back.
                let _ = segments::delete(&segments::files(&self.dir, 0));
                put_back(&aside);
                return Err(self.io("create a segment", e));
            }
        };
        self.segments = vec![fresh];
        self.journal.take();
        if let Some(dedup) = &mut self.dedup {
            dedup.forget_all();
        }
        self.next_offset = 0;
        for (_, moved) in &aside {
            if let Err(e) = std::fs::remove_file(moved) {
                warn!("{}: cannot delete {}: {e}", self.key, moved.display());
            }
        }
        info!("{}: purged", self.key);
        Ok(())
    }

    /// Deletes the `n` oldest segments, oldest first, each leaving the list once its files
    /// are gone: when a deletion fails, the partition still holds a contiguous run of
    /// segments whose files all exist.
    fn delete_oldest(&mut self, n: usize) -> Result<(), IggyError> {
        let (mut deleted, mut failure) = (0, None);
        for segment in &self.segments[..n] {
            if let Err(e) = segments::delete(&segment.files()) {
                failure = Some(e);
                break;
            }
            deleted += 1;
        }
        self.segments.drain(..deleted);
        match failure {
            Some(e) => Err(self.io("delete a segment", e)),
            None => Ok(()),
        }
    }
}

/// Renames a segment's files to `<name>.purged` (deleted when the partition next loads). Answers
/// the (original, moved) pairs; on failure nothing is left moved.
fn move_aside(segment: &Segment) -> std::io::Result<Vec<(PathBuf, PathBuf)>> {
    let mut moved = Vec::new();
    for path in [&segment.log_path, &segment.index_path] {
        let mut aside = path.clone().into_os_string();
        aside.push(segments::PURGED_SUFFIX);
        let aside = PathBuf::from(aside);
        if let Err(e) = std::fs::rename(path, &aside) {
            put_back(&moved);
            return Err(e);
        }
        moved.push((path.clone(), aside));
    }
    Ok(moved)
}

fn put_back(moved: &[(PathBuf, PathBuf)]) {
    for (original, aside) in moved {
        if let Err(e) = std::fs::rename(aside, original) {
            error!(
                "cannot rename {} back to {}: {e}",
                aside.display(),
                original.display()
            );
        }
    }
}

/// Deletes the partition's directory and stops the actor.
#[derive(Message, Clone, Copy)]
#[rtype(result = "Result<(), IggyError>")]
pub struct RemovePartition;

impl Handler<RemovePartition> for PartitionActor {
    type Result = Result<(), IggyError>;

    fn handle(&mut self, _: RemovePartition, ctx: &mut Self::Context) -> Self::Result {
        ctx.stop();
        self.journal.take();
        match std::fs::remove_dir_all(&self.dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                warn!(
                    "{}: directory {} was already gone",
                    self.key,
                    self.dir.display()
                )
            }
            Err(e) => return Err(self.io("remove the directory", e)),
        }
        info!("{}: removed", self.key);
        Ok(())
    }
}

/// Shutdown: writes the unsaved buffer, fsyncs, and stops the actor.
#[derive(Message)]
#[rtype(result = "()")]
pub struct StopPartition;

impl Handler<StopPartition> for PartitionActor {
    type Result = ();

    fn handle(&mut self, _: StopPartition, ctx: &mut Self::Context) {
        match self.persist(true) {
            Ok(handles) => {
                for (log, index) in handles {
                    if let Err(e) = log.sync_data().and_then(|_| index.sync_data()) {
                        error!("{}: fsync at shutdown failed: {e}", self.key);
                    }
                }
            }
            Err(e) => error!(
                "{}: unsaved messages could not be written at shutdown: {e}",
                self.key
            ),
        }
        ctx.stop();
    }
}
