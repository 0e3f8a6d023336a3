//! Retention in a partition: which of its oldest segments may go, and deleting them.
//!
//! Two callers: `DeleteSegments` ([`DeleteOldestSegments`], from the metadata actor) and
//! the message cleaner ([`OldestDeletable`], then [`DeleteSegment`] once it decided, and
//! archived when configured). Both follow one rule, [`PartitionActor::deletable`]: only
//! sealed segments, oldest first, and never one holding a message past the lowest stored
//! consumer or consumer-group offset (the consumer barrier). `DeleteSegments` also keeps
//! the segment holding the newest message.
//!
//! The files are deleted on the deleter thread (`deleter.rs`, lowest priority): the shard's
//! other partitions go on, and this partition takes its next message (a producer's append)
//! once that one deletion is done.
//! The index goes before the log, so a `kill -9` in between leaves a log whose index is
//! rebuilt when it loads (the segment is deleted again by the next round), never an index
//! without its log.

use super::deleter;
use super::messages::ConsumerKey;
use super::segments::SegmentFiles;
use super::PartitionActor;
use crate::error::IggyError;
use actix::prelude::*;
use log::{debug, info, warn};
use std::fmt;
use std::fs::File;
use std::sync::Arc;

/// A consumer whose stored offset keeps the oldest segment from being deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holdback {
    pub consumer: ConsumerKey,
    /// Its stored offset, below the segment's last offset.
    pub stored_offset: u64,
    pub segment_start: u64,
    /// When the segment's last message was appended (µs).
    pub segment_last_timestamp: u64,
}

impl fmt::Display for Holdback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = match self.consumer {
            ConsumerKey::Consumer(id) => format!("consumer {id}"),
            ConsumerKey::Group(id) => format!("consumer group {id}"),
        };
        write!(
            f,
            "{who} (stored offset {}) has not read segment {} yet",
            self.stored_offset, self.segment_start
        )
    }
}

/// A sealed segment the cleaner may delete: its figures, and handles to read it for an
/// archive (they stay readable if the segment is deleted meanwhile).
#[derive(Debug, Clone)]
pub struct SegmentSummary {
    pub start_offset: u64,
    pub last_offset: u64,
    pub messages: u32,
    pub size_bytes: u64,
    pub first_timestamp: u64,
    pub last_timestamp: u64,
    pub log: Arc<File>,
    pub index: Arc<File>,
}

/// The cleaner's question: the partition's oldest segment that retention may delete
/// (never the active one), or who keeps it.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Result<Candidate, IggyError>")]
pub struct OldestDeletable;

#[derive(Debug, Clone, Default)]
pub struct Candidate {
    pub segment: Option<SegmentSummary>,
    /// Set when a consumer keeps the oldest sealed segment.
    pub held_back: Option<Holdback>,
}

/// Deletes the oldest segment if it still starts at `start_offset` and may still be
/// deleted. Answers whether it went.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Result<bool, IggyError>")]
pub struct DeleteSegment {
    pub start_offset: u64,
}

/// DeleteSegments: deletes up to `count` of the oldest sealed segments, never the one
/// holding the newest message and never one a consumer has not read. Answers how many
/// went.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Result<u32, IggyError>")]
pub struct DeleteOldestSegments {
    pub count: u32,
}

impl PartitionActor {
    /// How many of the oldest segments may be deleted, at most `limit`: sealed ones (the
    /// active segment never goes), none holding a message past the lowest stored offset,
    /// and with `keep_newest` not the one holding the newest message either. Also who
    /// keeps the next one, when a consumer does.
    pub(super) fn deletable(&self, limit: usize, keep_newest: bool) -> (usize, Option<Holdback>) {
        let mut end = self.segments.len().saturating_sub(1);
        if keep_newest && self.journal.count() == 0 {
            if let Some(newest) = self.segments.iter().rposition(|s| s.count > 0) {
                end = end.min(newest);
            }
        }
        let barrier = self.offsets.lowest();
        for (n, segment) in self.segments[..end.min(limit)].iter().enumerate() {
            let last = segment.next_offset().saturating_sub(1);
            if let Some((consumer, stored)) =
                barrier.filter(|(_, o)| segment.count > 0 && last > *o)
            {
                let held = Holdback {
                    consumer,
                    stored_offset: stored,
                    segment_start: segment.start_offset,
                    segment_last_timestamp: segment.last_timestamp,
                };
                return (n, Some(held));
            }
        }
        (end.min(limit), None)
    }

    fn summary(&self, i: usize) -> Result<SegmentSummary, IggyError> {
        let s = &self.segments[i];
        let (log, index) = s
            .read_handles()
            .map_err(|e| self.io("open a segment for reading", e))?;
        Ok(SegmentSummary {
            start_offset: s.start_offset,
            last_offset: s.next_offset().saturating_sub(1),
            messages: s.count,
            size_bytes: s.size,
            first_timestamp: s.first_timestamp,
            last_timestamp: s.last_timestamp,
            log,
            index,
        })
    }

    /// Deletes the files of the `n` oldest segments on the deleter thread, oldest first,
    /// then drops the deleted ones from the list (the actor takes no other message
    /// meanwhile). When a deletion fails, the partition still holds a contiguous run of
    /// segments whose files all exist. Answers how many went.
    fn delete_front(&mut self, n: usize) -> ResponseActFuture<Self, Result<usize, IggyError>> {
        let files: Vec<SegmentFiles> = self.segments[..n].iter().map(|s| s.files()).collect();
        Box::pin(fut::wrap_future(deleter::delete(files)).map(
            |(deleted, failure), act: &mut Self, _| {
                act.segments.drain(..deleted);
                act.publish_stats();
                match failure {
                    Some(e) => Err(act.io("delete a segment", e)),
                    None => Ok(deleted),
                }
            },
        ))
    }
}

impl Handler<DeleteOldestSegments> for PartitionActor {
    type Result = AtomicResponse<Self, Result<u32, IggyError>>;

    fn handle(&mut self, msg: DeleteOldestSegments, _: &mut Self::Context) -> Self::Result {
        let (n, held_back) = self.deletable(msg.count as usize, true);
        if let Some(held) = held_back {
            warn!("{}: segment kept: {held}", self.key);
        }
        let key = self.key;
        AtomicResponse::new(Box::pin(self.delete_front(n).map(move |deleted, _, _| {
            let deleted = deleted?;
            info!("{key}: deleted {deleted} segment(s) ({} asked)", msg.count);
            Ok(deleted as u32)
        })))
    }
}

impl Handler<OldestDeletable> for PartitionActor {
    type Result = Result<Candidate, IggyError>;

    fn handle(&mut self, _: OldestDeletable, _: &mut Self::Context) -> Self::Result {
        let (n, held_back) = self.deletable(1, false);
        let segment = if n == 1 { Some(self.summary(0)?) } else { None };
        Ok(Candidate { segment, held_back })
    }
}

impl Handler<DeleteSegment> for PartitionActor {
    type Result = AtomicResponse<Self, Result<bool, IggyError>>;

    fn handle(&mut self, msg: DeleteSegment, _: &mut Self::Context) -> Self::Result {
        let still = self.deletable(1, false).0 == 1
            && self.segments.first().map(|s| s.start_offset) == Some(msg.start_offset);
        if !still {
            return AtomicResponse::new(Box::pin(fut::ready(Ok(false))));
        }
        let (key, start) = (self.key, msg.start_offset);
        AtomicResponse::new(Box::pin(self.delete_front(1).map(move |deleted, _, _| {
            let went = deleted? == 1;
            if went {
                debug!("{key}: segment {start} deleted by the message cleaner");
            }
            Ok(went)
        })))
    }
}
