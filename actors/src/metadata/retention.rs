//! What the message cleaner needs from the metadata actor: every topic with a retention
//! rule (message expiry, max size), its settings resolved, and its partitions' actors and
//! figures.

use super::catalog::TopicState;
use super::MetadataActor;
use crate::partition::stats::PartitionStats;
use crate::partition::{PartitionActor, PartitionKey};
use actix::prelude::*;
use std::sync::Arc;

/// Asks for the topics the cleaner has work for.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Vec<TopicRetention>")]
pub struct GetRetentionPlan;

/// One topic with a retention rule.
#[derive(Debug, Clone)]
pub struct TopicRetention {
    pub stream_id: u32,
    pub topic_id: u32,
    pub stream_name: String,
    pub topic_name: String,
    /// µs after its last append that a sealed segment expires; `None` = never.
    pub message_expiry: Option<u64>,
    /// Bytes; `None` = unlimited.
    pub max_size: Option<u64>,
    pub partitions: Vec<PartitionRetention>,
}

#[derive(Debug, Clone)]
pub struct PartitionRetention {
    pub key: PartitionKey,
    pub addr: Addr<PartitionActor>,
    pub stats: Arc<PartitionStats>,
}

impl TopicRetention {
    /// The topic's size now: every partition's, whichever shard owns it.
    pub fn size(&self) -> u64 {
        self.partitions
            .iter()
            .map(|p| p.stats.snapshot().size_bytes)
            .sum()
    }
}

/// A wire value: 0 = the server default, `u64::MAX` = never/unlimited. A topic updated
/// with 0 keeps the 0 (CreateTopic resolves it): it means the server default here too.
fn resolve(value: u64, default: u64) -> Option<u64> {
    match if value == 0 { default } else { value } {
        u64::MAX => None,
        v => Some(v),
    }
}

impl MetadataActor {
    fn topic_retention(&self, stream: (u32, &str), topic: &TopicState) -> Option<TopicRetention> {
        let d = self.topic_defaults;
        let message_expiry = resolve(topic.settings.message_expiry, d.message_expiry);
        let max_size = resolve(topic.settings.max_topic_size, d.max_topic_size);
        if message_expiry.is_none() && max_size.is_none() {
            return None;
        }
        let partitions = topic
            .partitions
            .values()
            .filter_map(|p| {
                let handle = p.handle.as_ref()?;
                Some(PartitionRetention {
                    key: PartitionKey {
                        stream_id: stream.0,
                        topic_id: topic.id,
                        partition_id: p.id,
                    },
                    addr: handle.addr.clone(),
                    stats: handle.stats.clone(),
                })
            })
            .collect();
        Some(TopicRetention {
            stream_id: stream.0,
            topic_id: topic.id,
            stream_name: stream.1.to_string(),
            topic_name: topic.name.clone(),
            message_expiry,
            max_size,
            partitions,
        })
    }
}

impl Handler<GetRetentionPlan> for MetadataActor {
    type Result = MessageResult<GetRetentionPlan>;

    fn handle(&mut self, _: GetRetentionPlan, _: &mut Self::Context) -> Self::Result {
        let plan = self
            .catalog
            .streams
            .values()
            .flat_map(|s| {
                s.topics
                    .values()
                    .filter_map(|t| self.topic_retention((s.id, &s.name), t))
            })
            .collect();
        MessageResult(plan)
    }
}
