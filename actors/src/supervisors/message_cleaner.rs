//! MessageCleaner: every `data_maintenance.messages.interval` enforces each topic's
//! message expiry and max size (`server-semantics.md` §8.1).
//!
//! A round asks the metadata actor for the topics with a rule, then works on every topic at
//! once and, within a topic, on every partition at once (each on its own shard):
//!
//! 1. expiry: a partition's oldest sealed segment whose last append is older than the
//!    expiry is deleted, again and again until the oldest one is not expired;
//! 2. size: while the topic (all its partitions) is at or above 90 % of its max size, the
//!    oldest deletable segment across its partitions (by first timestamp) is deleted.
//!
//! Each deletion is one message to the partition ([`OldestDeletable`], then
//! [`DeleteSegment`]), so a producer of that partition waits for at most one deletion, and
//! the files go on a blocking thread, so the shard's other partitions never wait. The
//! partition applies the consumer barrier; a consumer that keeps an expired segment (or
//! keeps a full topic from shrinking) is named in a warning every round.
//!
//! With `system.segment.archive_expired` a segment is first copied to the backup path
//! ([`Archiver`]), reading it through handles the partition gave out, so no producer waits
//! for the copy; only once the copy is complete is the segment deleted. A failed copy keeps
//! the segment, and the next round tries again.

use crate::archive::{Archiver, SegmentLabel};
use crate::error::IggyError;
use crate::metadata::retention::{GetRetentionPlan, PartitionRetention, TopicRetention};
use crate::metadata::state_log::now_micros;
use crate::metadata::MetadataActor;
use crate::partition::retention::{Candidate, DeleteSegment, OldestDeletable, SegmentSummary};
use actix::prelude::*;
use log::{debug, info, warn};
use std::sync::Arc;
use std::time::Duration;

pub struct MessageCleaner {
    metadata: Addr<MetadataActor>,
    interval: Duration,
    /// Set with `system.segment.archive_expired`: segments are archived before they go.
    archiver: Option<Arc<Archiver>>,
}

impl MessageCleaner {
    pub fn new(
        metadata: Addr<MetadataActor>,
        interval: Duration,
        archiver: Option<Arc<Archiver>>,
    ) -> Self {
        Self {
            metadata,
            interval,
            archiver,
        }
    }
}

impl Actor for MessageCleaner {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        info!(
            "message cleaner: enforcing message expiry and max topic size every {:?}{}",
            self.interval,
            match &self.archiver {
                Some(a) => format!(", archiving segments to {} first", a.root().display()),
                None => String::new(),
            }
        );
        super::run_rounds(ctx, self.interval, "message cleaner", |act: &mut Self| {
            let metadata = act.metadata.clone();
            let archiver = act.archiver.clone();
            async move {
                let Ok(topics) = metadata.send(GetRetentionPlan).await else {
                    return;
                };
                let now = now_micros();
                let rounds: Vec<_> = topics
                    .into_iter()
                    .map(|topic| actix::spawn(clean_topic(Arc::new(topic), archiver.clone(), now)))
                    .collect();
                let mut deleted = 0;
                for r in rounds {
                    deleted += r.await.unwrap_or(0);
                }
                if deleted > 0 {
                    debug!("message cleaner: {deleted} segment(s) deleted this round");
                }
            }
        });
    }
}

/// One round for one topic: expiry, then size. Answers how many segments went.
async fn clean_topic(
    topic: Arc<TopicRetention>,
    archiver: Option<Arc<Archiver>>,
    now: u64,
) -> usize {
    let mut deleted = 0;
    if let Some(expiry) = topic.message_expiry {
        let expiring: Vec<_> = (0..topic.partitions.len())
            .map(|i| actix::spawn(expire(topic.clone(), i, archiver.clone(), expiry, now)))
            .collect();
        for e in expiring {
            deleted += e.await.unwrap_or(0);
        }
    }
    if let Some(max_size) = topic.max_size {
        deleted += shrink(&topic, archiver.as_deref(), max_size).await;
    }
    deleted
}

/// Asks a partition for its oldest deletable segment; `None` when it cannot answer (it was
/// deleted since the plan was made, or its files cannot be opened).
async fn candidate(p: &PartitionRetention) -> Option<Candidate> {
    answered(p, p.addr.send(OldestDeletable).await)
}

fn answered(
    p: &PartitionRetention,
    answer: Result<Result<Candidate, IggyError>, MailboxError>,
) -> Option<Candidate> {
    match answer {
        Ok(Ok(c)) => Some(c),
        Ok(Err(e)) => {
            warn!("message cleaner: {}: {e}", p.key);
            None
        }
        Err(_) => None,
    }
}

/// Archives the segment when configured, then deletes it; false when it did not go (the
/// copy failed, or the partition changed meanwhile).
async fn remove(
    topic: &TopicRetention,
    p: &PartitionRetention,
    archiver: Option<&Archiver>,
    segment: &SegmentSummary,
    why: &str,
) -> bool {
    let start_offset = segment.start_offset;
    if let Some(archiver) = archiver {
        let label = SegmentLabel {
            key: p.key,
            stream_name: topic.stream_name.clone(),
            topic_name: topic.topic_name.clone(),
        };
        match archiver.archive(&label, segment, why).await {
            Ok(dir) => info!(
                "message cleaner: {}: segment {start_offset} archived to {}/{dir}",
                p.key,
                archiver.root().display()
            ),
            Err(e) => {
                warn!(
                    "message cleaner: {}: segment {start_offset} kept: cannot archive it to {}: {e} (tried again next round)",
                    p.key,
                    archiver.root().display()
                );
                return false;
            }
        }
    }
    match p.addr.send(DeleteSegment { start_offset }).await {
        Ok(Ok(went)) => {
            if went {
                debug!(
                    "message cleaner: {}: segment {start_offset} ({} message(s), {} B) deleted: {why}",
                    p.key, segment.messages, segment.size_bytes
                );
            }
            went
        }
        Ok(Err(e)) => {
            warn!("message cleaner: {}: segment {start_offset}: {e}", p.key);
            false
        }
        Err(_) => false,
    }
}

/// Deletes the expired segments of the topic's partition `i`, oldest first. Answers how
/// many went.
async fn expire(
    topic: Arc<TopicRetention>,
    i: usize,
    archiver: Option<Arc<Archiver>>,
    expiry: u64,
    now: u64,
) -> usize {
    let p = &topic.partitions[i];
    let expired = |last_timestamp: u64| last_timestamp.saturating_add(expiry) <= now;
    let (mut deleted, mut below) = (0, 0);
    while let Some(c) = candidate(p).await {
        match c.segment {
            Some(s) if expired(s.last_timestamp) => {
                if !remove(&topic, p, archiver.as_deref(), &s, "expired").await {
                    break;
                }
                deleted += 1;
                below = s.last_offset + 1;
            }
            _ => {
                if let Some(held) = c.held_back.filter(|h| expired(h.segment_last_timestamp)) {
                    let late = Duration::from_micros(
                        now.saturating_sub(held.segment_last_timestamp.saturating_add(expiry)),
                    );
                    warn!(
                        "message cleaner: {}: an expired segment is kept ({:?} past its expiry): {held}",
                        p.key, late
                    );
                }
                break;
            }
        }
    }
    if deleted > 0 {
        info!(
            "message cleaner: {}: {deleted} expired segment(s) deleted, messages below offset {below} are gone",
            p.key
        );
    }
    deleted
}

/// While the topic is at or above 90 % of `max_size`, deletes the oldest deletable segment
/// across its partitions. Answers how many went.
async fn shrink(topic: &TopicRetention, archiver: Option<&Archiver>, max_size: u64) -> usize {
    let full = |size: u64| u128::from(size) * 10 >= u128::from(max_size) * 9;
    if !full(topic.size()) {
        return 0;
    }
    // Every partition is asked at once, then each answer is awaited.
    let asked: Vec<_> = topic
        .partitions
        .iter()
        .map(|p| p.addr.send(OldestDeletable))
        .collect();
    let mut candidates = Vec::with_capacity(asked.len());
    for (p, answer) in topic.partitions.iter().zip(asked) {
        candidates.push(answered(p, answer.await).unwrap_or_default());
    }
    let mut deleted = 0;
    while full(topic.size()) {
        let oldest = candidates
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.segment.as_ref().map(|s| (i, s.first_timestamp)))
            .min_by_key(|(_, first)| *first)
            .map(|(i, _)| i);
        let Some(i) = oldest else {
            for (p, c) in topic.partitions.iter().zip(&candidates) {
                if let Some(held) = &c.held_back {
                    warn!(
                        "message cleaner: {}: topic at or above 90 % of its max size, a segment is kept: {held}",
                        p.key
                    );
                }
            }
            break;
        };
        let p = &topic.partitions[i];
        let segment = candidates[i].segment.take();
        let went = match &segment {
            Some(s) => {
                let why = "the topic is at or above 90 % of its max size";
                remove(topic, p, archiver, s, why).await
            }
            None => false,
        };
        if went {
            deleted += 1;
            candidates[i] = candidate(p).await.unwrap_or_default();
        }
    }
    if deleted > 0 {
        info!(
            "message cleaner: stream {} topic {}: {deleted} segment(s) deleted, the topic was at or above 90 % of its max size ({} B now, max {max_size} B)",
            topic.stream_id,
            topic.topic_id,
            topic.size()
        );
    }
    deleted
}
