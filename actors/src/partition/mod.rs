//! The partition actor: the only owner of one partition's directory: its segments, its
//! unsaved buffer, its consumer offsets and its deduplication cache. It lives on the
//! shard chosen by a stable hash of its ids and receives one message per batch.

mod dedup;
mod deleter;
mod encryption;
pub mod frame;
pub mod groups;
mod handlers;
pub mod index;
mod journal;
pub mod messages;
mod offsets;
pub mod retention;
pub mod segment;
pub mod segments;
pub mod stats;
mod storage;

pub use handlers::{PurgePartition, RemovePartition, StopPartition};
pub use retention::DeleteOldestSegments;

use crate::crypto::Encryptor;
use crate::error::IggyError;
use actix::prelude::*;
use dedup::Deduplicator;
use journal::Journal;
use log::{info, warn};
use offsets::ConsumerOffsets;
use segment::Segment;
use stats::PartitionStats;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

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

/// Which segment indexes stay in memory (`system.segment.cache_indexes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexCaching {
    All,
    OpenSegment,
    None,
}

/// How partitions store data; one copy shared by every partition.
#[derive(Debug, Clone)]
pub struct StorageConfig {
    /// `system.segment.size`: a segment is sealed once it reaches this size.
    pub segment_size: u64,
    /// `system.partition.messages_required_to_save`
    pub messages_required_to_save: u64,
    /// `system.partition.size_of_messages_required_to_save`
    pub size_required_to_save: u64,
    /// `system.partition.enforce_fsync`: fsync after every write.
    pub enforce_fsync: bool,
    pub cache_indexes: IndexCaching,
    /// `system.partition.validate_checksum`: verify every message when loading.
    pub validate_checksum: bool,
    /// `system.message_deduplication`: (max entries, expiry) when enabled.
    pub deduplication: Option<(usize, Duration)>,
    /// `system.encryption`: payloads and user headers are stored sealed with this key.
    pub encryptor: Option<Arc<Encryptor>>,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            segment_size: 1 << 30,
            messages_required_to_save: 1024,
            size_required_to_save: 1 << 20,
            enforce_fsync: false,
            cache_indexes: IndexCaching::OpenSegment,
            validate_checksum: false,
            deduplication: None,
            encryptor: None,
        }
    }
}

pub struct PartitionActor {
    key: PartitionKey,
    dir: PathBuf,
    config: Arc<StorageConfig>,
    /// Ascending by start offset; the last one is the active segment.
    segments: Vec<Segment>,
    journal: Journal,
    offsets: ConsumerOffsets,
    /// Which consumer-group member this partition serves, per group.
    groups: groups::GroupSlots,
    dedup: Option<Deduplicator>,
    /// The offset the next message gets.
    next_offset: u64,
    /// Timestamps never go backwards within a partition.
    last_timestamp: u64,
    /// Ids for messages sent with id 0 (a fast generator seeded from the OS).
    rng: rand::rngs::SmallRng,
    stats: Arc<PartitionStats>,
}

impl Actor for PartitionActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // A full mailbox makes producers wait (send().await), which is the backpressure.
        ctx.set_mailbox_capacity(64);
    }
}

impl PartitionActor {
    /// Opens the partition's directory and loads its segments, repairing a damaged tail.
    /// With `create`, the directory is made; without, a missing directory is an error.
    pub fn open(
        key: PartitionKey,
        dir: PathBuf,
        create: bool,
        config: Arc<StorageConfig>,
    ) -> std::io::Result<Self> {
        if create {
            std::fs::create_dir_all(&dir)?;
        } else if !dir.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("partition directory {} is missing", dir.display()),
            ));
        }
        for leftover in segments::remove_purged(&dir)? {
            info!("{key}: deleted {}, left by a purge", leftover.display());
        }
        for orphan in segments::remove_orphan_indexes(&dir)? {
            warn!("{key}: deleted {}: its log is gone", orphan.display());
        }
        let files = segments::list(&dir)?;
        let mut loaded = Vec::with_capacity(files.len().max(1));
        let last = files.len().saturating_sub(1);
        for (i, f) in files.iter().enumerate() {
            let keep_index = i == last || config.cache_indexes == IndexCaching::All;
            let (segment, repair) =
                Segment::open(&dir, f.start_offset, config.validate_checksum, keep_index)?;
            if let Some(reason) = repair.reason {
                warn!(
                    "{key}: segment {} damaged ({reason}): cut {} byte(s) to the last good message",
                    f.start_offset, repair.removed_bytes
                );
            }
            loaded.push(segment);
        }
        if loaded.is_empty() {
            loaded.push(Segment::open(&dir, 0, false, true)?.0);
        }
        let next_offset = loaded.last().map(|s| s.next_offset()).unwrap_or(0);
        let mut offsets = ConsumerOffsets::open(&dir)?;
        offsets.clamp(next_offset.checked_sub(1))?;
        let last_timestamp = loaded.iter().map(|s| s.last_timestamp).max().unwrap_or(0);
        let dedup = config
            .deduplication
            .map(|(max, ttl)| Deduplicator::new(max, ttl));
        let actor = PartitionActor {
            key,
            dir,
            config,
            segments: loaded,
            journal: Journal::default(),
            offsets,
            groups: Default::default(),
            dedup,
            next_offset,
            last_timestamp,
            rng: rand::SeedableRng::from_entropy(),
            stats: Arc::default(),
        };
        actor.publish_stats();
        if next_offset > 0 {
            info!(
                "{key}: loaded {} segment(s), next offset {next_offset}",
                actor.segments.len()
            );
        }
        Ok(actor)
    }

    pub fn stats(&self) -> Arc<PartitionStats> {
        self.stats.clone()
    }
}

/// Starts a partition actor on `arbiter` and waits until its directory is open.
pub async fn spawn(
    arbiter: &ArbiterHandle,
    key: PartitionKey,
    dir: PathBuf,
    create: bool,
    config: Arc<StorageConfig>,
) -> Result<(Addr<PartitionActor>, Arc<PartitionStats>), String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let started = arbiter.spawn(async move {
        let opened = PartitionActor::open(key, dir.clone(), create, config).map(|actor| {
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

/// Sends `msg` to every actor before awaiting any answer, so partitions on different
/// shards work at the same time; answers each reply in the order of `actors`.
pub async fn ask_each<M>(actors: &[Addr<PartitionActor>], msg: M) -> Vec<Result<(), IggyError>>
where
    M: Message<Result = Result<(), IggyError>> + Send + Clone + 'static,
    PartitionActor: Handler<M>,
{
    let requests: Vec<_> = actors.iter().map(|a| a.send(msg.clone())).collect();
    let mut answers = Vec::with_capacity(requests.len());
    for request in requests {
        answers.push(request.await.map_err(IggyError::from).and_then(|r| r));
    }
    answers
}

#[cfg(test)]
mod tests;
