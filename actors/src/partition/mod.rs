//! The partition actor: the only owner of one partition's directory, its segments and its
//! figures. It lives on the shard chosen by a stable hash of its ids.

pub mod messages;
pub mod segments;
pub mod stats;

use crate::error::IggyError;
use actix::prelude::*;
use log::{error, info, warn};
use segments::SegmentFiles;
use stats::{PartitionStats, StatsSnapshot};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// The three ids of a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartitionKey {
    pub stream_id: u32,
    pub topic_id: u32,
    pub partition_id: u32,
}

impl fmt::Display for PartitionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stream {} topic {} partition {}",
            self.stream_id, self.topic_id, self.partition_id
        )
    }
}

impl PartitionKey {
    /// The shard of this partition: a stable hash of its ids (the same on every start
    /// with the same shard count; nothing on disk depends on it).
    pub fn shard(&self, shards: usize) -> usize {
        let packed = (u64::from(self.stream_id) << 42)
            ^ (u64::from(self.topic_id) << 21)
            ^ u64::from(self.partition_id);
        (splitmix64(packed) % shards.max(1) as u64) as usize
    }
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

pub struct PartitionActor {
    key: PartitionKey,
    dir: PathBuf,
    /// Ascending by start offset; the last one is the active segment.
    segments: Vec<SegmentFiles>,
    stats: Arc<PartitionStats>,
}

impl Actor for PartitionActor {
    type Context = Context<Self>;
}

impl PartitionActor {
    /// Opens the partition's directory. With `create`, the directory and an empty first
    /// segment are made; without, a missing directory is an error.
    pub fn open(key: PartitionKey, dir: PathBuf, create: bool) -> std::io::Result<Self> {
        if create {
            std::fs::create_dir_all(&dir)?;
        } else if !dir.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("partition directory {} is missing", dir.display()),
            ));
        }
        let mut segments = segments::list(&dir)?;
        if segments.is_empty() {
            segments.push(segments::create(&dir, 0)?);
        }
        let actor = PartitionActor {
            key,
            dir,
            segments,
            stats: Arc::default(),
        };
        actor.publish_stats();
        Ok(actor)
    }

    pub fn stats(&self) -> Arc<PartitionStats> {
        self.stats.clone()
    }

    fn publish_stats(&self) {
        let current = self.stats.snapshot();
        self.stats.set(StatsSnapshot {
            segments_count: self.segments.len() as u32,
            size_bytes: self.segments.iter().map(|s| s.size_bytes).sum(),
            ..current
        });
    }

    fn io_error(&self, what: &str, e: std::io::Error) -> IggyError {
        error!("{}: cannot {what} in {}: {e}", self.key, self.dir.display());
        IggyError::IoError
    }
}

/// Starts a partition actor on `arbiter` and waits until its directory is open.
pub async fn spawn(
    arbiter: &ArbiterHandle,
    key: PartitionKey,
    dir: PathBuf,
    create: bool,
) -> Result<(Addr<PartitionActor>, Arc<PartitionStats>), String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let started = arbiter.spawn(async move {
        let opened = PartitionActor::open(key, dir.clone(), create).map(|actor| {
            let stats = actor.stats();
            (actor.start(), stats)
        });
        let _ = tx.send(opened.map_err(|e| format!("{key}: {}: {e}", dir.display())));
    });
    if !started {
        return Err(format!("{key}: its shard is stopped"));
    }
    rx.await
        .map_err(|_| format!("{key}: the shard dropped the start request"))?
}

/// Deletes every segment and starts over at offset 0 (PurgeTopic/PurgeStream).
#[derive(Message, Clone, Copy)]
#[rtype(result = "Result<(), IggyError>")]
pub struct PurgePartition;

impl Handler<PurgePartition> for PartitionActor {
    type Result = Result<(), IggyError>;

    fn handle(&mut self, _: PurgePartition, _: &mut Self::Context) -> Self::Result {
        for segment in &self.segments {
            segments::delete(segment).map_err(|e| self.io_error("delete a segment", e))?;
        }
        self.segments.clear();
        let fresh =
            segments::create(&self.dir, 0).map_err(|e| self.io_error("create a segment", e))?;
        self.segments.push(fresh);
        self.stats.set(StatsSnapshot {
            segments_count: 1,
            ..Default::default()
        });
        info!("{}: purged", self.key);
        Ok(())
    }
}

/// Deletes up to `count` of the oldest sealed segments (never the active one). Answers
/// how many were deleted.
#[derive(Message)]
#[rtype(result = "Result<u32, IggyError>")]
pub struct DeleteOldestSegments {
    pub count: u32,
}

impl Handler<DeleteOldestSegments> for PartitionActor {
    type Result = Result<u32, IggyError>;

    fn handle(&mut self, msg: DeleteOldestSegments, _: &mut Self::Context) -> Self::Result {
        let sealed = self.segments.len().saturating_sub(1);
        let n = sealed.min(msg.count as usize);
        for segment in self.segments.drain(..n).collect::<Vec<_>>() {
            segments::delete(&segment).map_err(|e| self.io_error("delete a segment", e))?;
        }
        self.publish_stats();
        info!("{}: deleted {n} segment(s) ({} asked)", self.key, msg.count);
        Ok(n as u32)
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
        match std::fs::remove_dir_all(&self.dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                warn!(
                    "{}: directory {} was already gone",
                    self.key,
                    self.dir.display()
                )
            }
            Err(e) => return Err(self.io_error("remove the directory", e)),
        }
        info!("{}: removed", self.key);
        Ok(())
    }
}

/// Stops the actor at shutdown, leaving its files.
#[derive(Message)]
#[rtype(result = "()")]
pub struct StopPartition;

impl Handler<StopPartition> for PartitionActor {
    type Result = ();

    fn handle(&mut self, _: StopPartition, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_stable_and_spread() {
        let key = |p| PartitionKey {
            stream_id: 1,
            topic_id: 2,
            partition_id: p,
        };
        assert_eq!(key(5).shard(4), key(5).shard(4));
        let used: std::collections::HashSet<usize> = (0..64).map(|p| key(p).shard(4)).collect();
        assert_eq!(used.len(), 4);
        assert_eq!(key(3).shard(1), 0);
    }

    #[test]
    fn open_creates_or_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let key = PartitionKey {
            stream_id: 0,
            topic_id: 0,
            partition_id: 0,
        };
        let path = dir.path().join("p0");
        assert!(PartitionActor::open(key, path.clone(), false).is_err());
        let actor = PartitionActor::open(key, path.clone(), true).unwrap();
        assert_eq!(actor.stats().snapshot().segments_count, 1);
        assert!(path.join("00000000000000000000.log").exists());
        assert!(PartitionActor::open(key, path, false).is_ok());
    }
}
