//! Read models the metadata actor answers with; the codec encodes them as-is.

/// A stream as GetStreams/CreateStream report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    pub id: u32,
    pub created_at: u64,
    pub name: String,
    pub topics_count: u32,
    pub size_bytes: u64,
    pub messages_count: u64,
}

/// GetStream: the stream and its topics, ascending topic id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamDetails {
    pub info: StreamInfo,
    pub topics: Vec<TopicInfo>,
}

/// A topic as GetTopics reports it. `message_expiry` (µs) and `max_topic_size` (bytes) are
/// wire values: 0 = server default, `u64::MAX` = never / unlimited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInfo {
    pub id: u32,
    pub created_at: u64,
    pub name: String,
    pub partitions_count: u32,
    pub message_expiry: u64,
    /// 1 = none, 2 = gzip.
    pub compression_algorithm: u8,
    pub max_topic_size: u64,
    pub replication_factor: u8,
    pub size_bytes: u64,
    pub messages_count: u64,
}

/// GetTopic/CreateTopic: the topic and its partitions, ids 0, 1, 2, ...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicDetails {
    pub info: TopicInfo,
    pub partitions: Vec<PartitionInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionInfo {
    pub id: u32,
    pub created_at: u64,
    pub segments_count: u32,
    /// Offset of the last message, 0 when empty.
    pub current_offset: u64,
    pub size_bytes: u64,
    pub messages_count: u64,
}

/// What CreateTopic/UpdateTopic carry besides the ids and the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicSettings {
    /// 1 = none, 2 = gzip (validated by the codec).
    pub compression_algorithm: u8,
    /// µs; 0 = server default, `u64::MAX` = never.
    pub message_expiry: u64,
    /// bytes; 0 = server default, `u64::MAX` = unlimited.
    pub max_topic_size: u64,
    /// 0 = not set (stored as 1).
    pub replication_factor: u8,
}

/// A consumer group as GetConsumerGroups and CreateConsumerGroup report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerGroupInfo {
    pub id: u32,
    pub name: String,
    /// Partitions of the topic, all of which the group covers.
    pub partitions_count: u32,
    pub members_count: u32,
}

/// GetConsumerGroup: the group and its members, ascending member id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerGroupDetails {
    pub info: ConsumerGroupInfo,
    pub members: Vec<ConsumerGroupMemberInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerGroupMemberInfo {
    pub id: u32,
    /// Partitions the member owns, including those it is handing over.
    pub partitions: Vec<u32>,
}
