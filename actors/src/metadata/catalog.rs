//! Streams, topics and partitions as the metadata actor holds them: plain data, changed
//! only by `apply` of a metadata-log entry, read through the resolution helpers.

use super::assignment::Assignment;
use super::model::{
    ConsumerGroupDetails, ConsumerGroupInfo, ConsumerGroupMemberInfo, PartitionInfo, StreamDetails,
    StreamInfo, TopicDetails, TopicInfo, TopicSettings,
};
use crate::error::IggyError;
use crate::identifier::Identifier;
use crate::partition::stats::{PartitionStats, StatsSnapshot};
use crate::partition::PartitionActor;
use actix::Addr;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// A running partition actor and the figures it publishes.
#[derive(Clone)]
pub struct PartitionHandle {
    pub addr: Addr<PartitionActor>,
    pub stats: Arc<PartitionStats>,
}

pub struct PartitionState {
    pub id: u32,
    pub created_at: u64,
    /// `None` only between replay and the start of the partition actors.
    pub handle: Option<PartitionHandle>,
}

impl PartitionState {
    fn stats(&self) -> StatsSnapshot {
        self.handle
            .as_ref()
            .map(|h| h.stats.snapshot())
            .unwrap_or_default()
    }
}

pub struct TopicState {
    pub id: u32,
    pub name: String,
    pub created_at: u64,
    pub settings: TopicSettings,
    pub partitions: BTreeMap<u32, PartitionState>,
    pub groups: BTreeMap<u32, GroupState>,
    /// Group ids are never reused within a topic.
    pub next_group_id: u32,
}

/// A consumer group: its name and id are logged; its members live in memory only.
pub struct GroupState {
    pub id: u32,
    pub name: String,
    pub assignment: Assignment,
}

impl GroupState {
    pub fn info(&self, partitions_count: u32) -> ConsumerGroupInfo {
        ConsumerGroupInfo {
            id: self.id,
            name: self.name.clone(),
            partitions_count,
            members_count: self.assignment.members().len() as u32,
        }
    }

    pub fn details(&self, partitions_count: u32) -> ConsumerGroupDetails {
        let members = self
            .assignment
            .members()
            .iter()
            .map(|m| ConsumerGroupMemberInfo {
                id: m.id,
                partitions: m.partitions.clone(),
            })
            .collect();
        ConsumerGroupDetails {
            info: self.info(partitions_count),
            members,
        }
    }
}

pub struct StreamState {
    pub id: u32,
    pub name: String,
    pub created_at: u64,
    pub topics: BTreeMap<u32, TopicState>,
    /// Topic ids are never reused within a stream.
    pub next_topic_id: u32,
}

/// Where streams live on disk: `{streams_dir}/{stream}/{topics}/{topic}/{partitions}/{partition}`.
#[derive(Debug, Clone)]
pub struct StorageLayout {
    pub streams_dir: PathBuf,
    pub topics: String,
    pub partitions: String,
}

impl StorageLayout {
    pub fn stream_dir(&self, stream: u32) -> PathBuf {
        self.streams_dir.join(stream.to_string())
    }

    pub fn topic_dir(&self, stream: u32, topic: u32) -> PathBuf {
        self.stream_dir(stream)
            .join(&self.topics)
            .join(topic.to_string())
    }

    pub fn partition_dir(&self, stream: u32, topic: u32, partition: u32) -> PathBuf {
        self.topic_dir(stream, topic)
            .join(&self.partitions)
            .join(partition.to_string())
    }
}

#[derive(Default)]
pub struct Catalog {
    pub streams: BTreeMap<u32, StreamState>,
    /// Stream ids are never reused.
    pub next_stream_id: u32,
}

impl Catalog {
    pub fn stream_id(&self, id: &Identifier) -> Option<u32> {
        match id {
            Identifier::Numeric(n) => self.streams.contains_key(n).then_some(*n),
            Identifier::Name(name) => self
                .streams
                .values()
                .find(|s| &s.name == name)
                .map(|s| s.id),
        }
    }

    /// Resolves a stream or fails with `StreamIdNotFound`.
    pub fn stream(&self, id: &Identifier) -> Result<&StreamState, IggyError> {
        self.stream_id(id)
            .and_then(|s| self.streams.get(&s))
            .ok_or(IggyError::StreamIdNotFound)
    }

    /// Resolves a topic or fails with `StreamIdNotFound`/`TopicIdNotFound`.
    pub fn topic(&self, stream: &Identifier, topic: &Identifier) -> Result<&TopicState, IggyError> {
        let s = self.stream(stream)?;
        let found = match topic {
            Identifier::Numeric(n) => s.topics.get(n),
            Identifier::Name(name) => s.topics.values().find(|t| &t.name == name),
        };
        found.ok_or(IggyError::TopicIdNotFound)
    }

    pub fn topic_by_ids(&self, stream: u32, topic: u32) -> Option<&TopicState> {
        self.streams.get(&stream)?.topics.get(&topic)
    }

    pub fn topic_mut(&mut self, stream: u32, topic: u32) -> Option<&mut TopicState> {
        self.streams.get_mut(&stream)?.topics.get_mut(&topic)
    }

    pub fn stream_name_taken(&self, name: &str, except: Option<u32>) -> bool {
        self.streams
            .values()
            .any(|s| s.name == name && Some(s.id) != except)
    }

    /// Every partition with its keys.
    pub fn partitions(&self) -> impl Iterator<Item = (u32, u32, &PartitionState)> {
        self.streams.values().flat_map(|s| {
            s.topics
                .values()
                .flat_map(move |t| t.partitions.values().map(move |p| (s.id, t.id, p)))
        })
    }
}

impl TopicState {
    /// Resolves a consumer group of this topic by id or name.
    pub fn group(&self, id: &Identifier) -> Result<&GroupState, IggyError> {
        let found = match id {
            Identifier::Numeric(n) => self.groups.get(n),
            Identifier::Name(name) => self.groups.values().find(|g| &g.name == name),
        };
        found.ok_or(IggyError::ConsumerGroupIdNotFound)
    }

    pub fn partitions_count(&self) -> u32 {
        self.partitions.len() as u32
    }

    pub fn name_taken_in(stream: &StreamState, name: &str, except: Option<u32>) -> bool {
        stream
            .topics
            .values()
            .any(|t| t.name == name && Some(t.id) != except)
    }

    pub fn info(&self) -> TopicInfo {
        let (size_bytes, messages_count) = self
            .partitions
            .values()
            .map(|p| p.stats())
            .fold((0, 0), |(s, m), p| (s + p.size_bytes, m + p.messages_count));
        TopicInfo {
            id: self.id,
            created_at: self.created_at,
            name: self.name.clone(),
            partitions_count: self.partitions.len() as u32,
            message_expiry: self.settings.message_expiry,
            compression_algorithm: self.settings.compression_algorithm,
            max_topic_size: self.settings.max_topic_size,
            replication_factor: self.settings.replication_factor,
            size_bytes,
            messages_count,
        }
    }

    pub fn details(&self) -> TopicDetails {
        let partitions = self
            .partitions
            .values()
            .map(|p| {
                let s = p.stats();
                PartitionInfo {
                    id: p.id,
                    created_at: p.created_at,
                    segments_count: s.segments_count,
                    current_offset: s.current_offset,
                    size_bytes: s.size_bytes,
                    messages_count: s.messages_count,
                }
            })
            .collect();
        TopicDetails {
            info: self.info(),
            partitions,
        }
    }
}

impl StreamState {
    pub fn info(&self) -> StreamInfo {
        let topics: Vec<TopicInfo> = self.topics.values().map(TopicState::info).collect();
        StreamInfo {
            id: self.id,
            created_at: self.created_at,
            name: self.name.clone(),
            topics_count: topics.len() as u32,
            size_bytes: topics.iter().map(|t| t.size_bytes).sum(),
            messages_count: topics.iter().map(|t| t.messages_count).sum(),
        }
    }

    pub fn details(&self) -> StreamDetails {
        StreamDetails {
            info: self.info(),
            topics: self.topics.values().map(TopicState::info).collect(),
        }
    }
}
