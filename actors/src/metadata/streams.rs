//! Stream commands of the metadata actor.

use super::entries::MetadataEntry;
use super::messages::{
    CreateStream, DeleteStream, GetStream, GetStreams, PurgeStream, UpdateStream,
};
use super::model::{StreamDetails, StreamInfo};
use super::MetadataActor;
use crate::access::Action;
use crate::error::IggyError;
use crate::partition::{PartitionActor, PurgePartition, RemovePartition};
use actix::prelude::*;
use log::{error, info, warn};
use std::path::Path;

pub(super) fn valid_name(name: &str) -> bool {
    (1..=255).contains(&name.len())
}

/// A directory left over from a change that was never logged (a crash between creating it
/// and logging it, or a damaged log tail that was cut off) is moved aside, never reused.
pub(super) fn set_aside_leftover(dir: &Path) -> Result<(), IggyError> {
    if !dir.exists() {
        return Ok(());
    }
    let aside = dir.with_extension(format!("stale-{}", super::state_log::now_micros()));
    warn!(
        "{} exists but is not in the metadata log: moved to {}",
        dir.display(),
        aside.display()
    );
    std::fs::rename(dir, &aside).map_err(|e| {
        error!("cannot move {} aside: {e}", dir.display());
        IggyError::IoError
    })
}

pub(super) fn remove_dir(dir: &Path) {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => error!("cannot remove {}: {e}", dir.display()),
    }
}

/// Sends `msg` to every partition actor in turn; the first error wins, but every actor
/// is asked.
pub(super) async fn ask_all<M>(actors: Vec<Addr<PartitionActor>>, msg: M) -> Result<(), IggyError>
where
    M: Message<Result = Result<(), IggyError>> + Send + Clone + 'static,
    PartitionActor: Handler<M>,
{
    crate::partition::ask_each(&actors, msg)
        .await
        .into_iter()
        .collect()
}

impl MetadataActor {
    fn stream_partition_actors(&self, stream_id: u32) -> Vec<Addr<PartitionActor>> {
        self.catalog
            .partitions()
            .filter(|(s, _, _)| *s == stream_id)
            .filter_map(|(_, _, p)| p.handle.as_ref().map(|h| h.addr.clone()))
            .collect()
    }
}

impl Handler<CreateStream> for MetadataActor {
    type Result = Result<StreamInfo, IggyError>;

    fn handle(&mut self, msg: CreateStream, _: &mut Self::Context) -> Self::Result {
        if !valid_name(&msg.name) {
            return Err(IggyError::InvalidStreamName);
        }
        self.authorize(msg.user_id, Action::CreateStream)?;
        if self.catalog.stream_name_taken(&msg.name, None) {
            return Err(IggyError::StreamNameAlreadyExists);
        }
        let id = self.catalog.next_stream_id;
        let dir = self.layout.stream_dir(id);
        set_aside_leftover(&dir)?;
        std::fs::create_dir_all(&dir).map_err(|e| {
            error!("cannot create {}: {e}", dir.display());
            IggyError::IoError
        })?;
        let name = msg.name.clone();
        self.commit(msg.user_id, MetadataEntry::CreateStream { id, name })?;
        info!("user {} created stream {id} '{}'", msg.user_id, msg.name);
        self.catalog
            .streams
            .get(&id)
            .map(|s| s.info())
            .ok_or(IggyError::Error)
    }
}

impl Handler<GetStream> for MetadataActor {
    type Result = Result<Option<StreamDetails>, IggyError>;

    fn handle(&mut self, msg: GetStream, _: &mut Self::Context) -> Self::Result {
        let Ok(stream) = self.catalog.stream(&msg.stream) else {
            return Ok(None);
        };
        self.authorize(msg.user_id, Action::ReadStream(stream.id))?;
        Ok(Some(stream.details()))
    }
}

impl Handler<GetStreams> for MetadataActor {
    type Result = Result<Vec<StreamInfo>, IggyError>;

    fn handle(&mut self, msg: GetStreams, _: &mut Self::Context) -> Self::Result {
        self.authorize(msg.user_id, Action::ListStreams)?;
        Ok(self.catalog.streams.values().map(|s| s.info()).collect())
    }
}

impl Handler<UpdateStream> for MetadataActor {
    type Result = Result<(), IggyError>;

    fn handle(&mut self, msg: UpdateStream, _: &mut Self::Context) -> Self::Result {
        if !valid_name(&msg.name) {
            return Err(IggyError::InvalidStreamName);
        }
        let id = self.catalog.stream(&msg.stream)?.id;
        self.authorize(msg.user_id, Action::ManageStream(id))?;
        if self.catalog.stream_name_taken(&msg.name, Some(id)) {
            return Err(IggyError::StreamNameAlreadyExists);
        }
        let name = msg.name.clone();
        self.commit(msg.user_id, MetadataEntry::UpdateStream { id, name })?;
        info!("user {} renamed stream {id} to '{}'", msg.user_id, msg.name);
        Ok(())
    }
}

impl Handler<DeleteStream> for MetadataActor {
    type Result = AtomicResponse<Self, Result<(), IggyError>>;

    fn handle(&mut self, msg: DeleteStream, _: &mut Self::Context) -> Self::Result {
        run_partition_work((|| {
            let id = self.catalog.stream(&msg.stream)?.id;
            self.authorize(msg.user_id, Action::ManageStream(id))?;
            let actors = self.stream_partition_actors(id);
            self.commit(msg.user_id, MetadataEntry::DeleteStream { id })?;
            let (dir, user) = (self.layout.stream_dir(id), msg.user_id);
            Ok(PartitionWork::new(actors, RemovePartition, move || {
                remove_dir(&dir);
                info!("user {user} deleted stream {id}");
            }))
        })())
    }
}

impl Handler<PurgeStream> for MetadataActor {
    type Result = AtomicResponse<Self, Result<(), IggyError>>;

    fn handle(&mut self, msg: PurgeStream, _: &mut Self::Context) -> Self::Result {
        run_partition_work((|| {
            let id = self.catalog.stream(&msg.stream)?.id;
            self.authorize(msg.user_id, Action::ManageStream(id))?;
            let user = msg.user_id;
            Ok(PartitionWork::new(
                self.stream_partition_actors(id),
                PurgePartition,
                move || info!("user {user} purged stream {id}"),
            ))
        })())
    }
}

/// The partition side of a control-plane command that was checked (and logged, for a
/// deletion): every partition actor is asked for `msg`, then `finish` runs (remove a
/// directory, log the outcome); the answer is the first error, if any.
pub(super) struct PartitionWork<M> {
    actors: Vec<Addr<PartitionActor>>,
    msg: M,
    finish: Box<dyn FnOnce()>,
}

impl<M> PartitionWork<M> {
    pub(super) fn new(
        actors: Vec<Addr<PartitionActor>>,
        msg: M,
        finish: impl FnOnce() + 'static,
    ) -> Self {
        PartitionWork {
            actors,
            msg,
            finish: Box::new(finish),
        }
    }
}

/// Runs prepared partition work as one atomic step of the metadata actor (no other
/// command interleaves).
pub(super) fn run_partition_work<M>(
    prepared: Result<PartitionWork<M>, IggyError>,
) -> AtomicResponse<MetadataActor, Result<(), IggyError>>
where
    M: Message<Result = Result<(), IggyError>> + Send + Clone + 'static,
    PartitionActor: Handler<M>,
{
    let work: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), IggyError>>>> =
        match prepared {
            Ok(w) => Box::pin(async move {
                let outcome = ask_all(w.actors, w.msg).await;
                (w.finish)();
                outcome
            }),
            Err(e) => Box::pin(std::future::ready(Err(e))),
        };
    AtomicResponse::new(Box::pin(fut::wrap_future(work)))
}
