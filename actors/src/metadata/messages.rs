//! The control-plane messages of the metadata actor for streams, topics, partitions and
//! segments. Each carries the acting user: the actor resolves the identifiers, checks the
//! permission (`access::allows`), applies the change and logs it.

use super::model::{
    ConsumerGroupDetails, ConsumerGroupInfo, StreamDetails, StreamInfo, TopicDetails, TopicInfo,
    TopicSettings,
};
use crate::error::IggyError;
use crate::identifier::Identifier;
use actix::Message;

/// CreateStream (202): answers the new stream.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<StreamInfo, IggyError>")]
pub struct CreateStream {
    pub user_id: u32,
    pub name: String,
}

/// GetStream (200): `None` when the stream does not exist.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<Option<StreamDetails>, IggyError>")]
pub struct GetStream {
    pub user_id: u32,
    pub stream: Identifier,
}

/// GetStreams (201), ascending id.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<Vec<StreamInfo>, IggyError>")]
pub struct GetStreams {
    pub user_id: u32,
}

/// UpdateStream (204): renames.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct UpdateStream {
    pub user_id: u32,
    pub stream: Identifier,
    pub name: String,
}

/// DeleteStream (203): removes everything under it.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct DeleteStream {
    pub user_id: u32,
    pub stream: Identifier,
}

/// PurgeStream (205): purges every topic.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct PurgeStream {
    pub user_id: u32,
    pub stream: Identifier,
}

/// CreateTopic (302): answers the new topic with its partitions.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<TopicDetails, IggyError>")]
pub struct CreateTopic {
    pub user_id: u32,
    pub stream: Identifier,
    pub name: String,
    pub partitions_count: u32,
    pub settings: TopicSettings,
}

/// GetTopic (300): `None` when the stream or topic does not exist.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<Option<TopicDetails>, IggyError>")]
pub struct GetTopic {
    pub user_id: u32,
    pub stream: Identifier,
    pub topic: Identifier,
}

/// GetTopics (301): `None` when the stream does not exist.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<Option<Vec<TopicInfo>>, IggyError>")]
pub struct GetTopics {
    pub user_id: u32,
    pub stream: Identifier,
}

/// UpdateTopic (304): new name and settings, stored as sent.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct UpdateTopic {
    pub user_id: u32,
    pub stream: Identifier,
    pub topic: Identifier,
    pub name: String,
    pub settings: TopicSettings,
}

/// DeleteTopic (303).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct DeleteTopic {
    pub user_id: u32,
    pub stream: Identifier,
    pub topic: Identifier,
}

/// PurgeTopic (305): empties every partition, keeps the topic.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct PurgeTopic {
    pub user_id: u32,
    pub stream: Identifier,
    pub topic: Identifier,
}

/// CreatePartitions (402): appends `count` partitions.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct CreatePartitions {
    pub user_id: u32,
    pub stream: Identifier,
    pub topic: Identifier,
    pub count: u32,
}

/// DeletePartitions (403): removes the `count` highest partitions.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct DeletePartitions {
    pub user_id: u32,
    pub stream: Identifier,
    pub topic: Identifier,
    pub count: u32,
}

/// DeleteSegments (503): removes up to `count` oldest sealed segments of a partition.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct DeleteSegments {
    pub user_id: u32,
    pub stream: Identifier,
    pub topic: Identifier,
    pub partition_id: u32,
    pub count: u32,
}

/// GetConsumerGroup (600): `None` when the stream, topic or group does not exist.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<Option<ConsumerGroupDetails>, IggyError>")]
pub struct GetConsumerGroup {
    pub user_id: u32,
    pub stream: Identifier,
    pub topic: Identifier,
    pub group: Identifier,
}

/// GetConsumerGroups (601): `None` when the stream or topic does not exist.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<Option<Vec<ConsumerGroupInfo>>, IggyError>")]
pub struct GetConsumerGroups {
    pub user_id: u32,
    pub stream: Identifier,
    pub topic: Identifier,
}

/// CreateConsumerGroup (602): answers the new group (no members).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<ConsumerGroupDetails, IggyError>")]
pub struct CreateConsumerGroup {
    pub user_id: u32,
    pub stream: Identifier,
    pub topic: Identifier,
    pub name: String,
}

/// DeleteConsumerGroup (603): the group, its memberships and its offsets go.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct DeleteConsumerGroup {
    pub user_id: u32,
    pub stream: Identifier,
    pub topic: Identifier,
    pub group: Identifier,
}

/// JoinConsumerGroup (604) by the client `client_id`; joining twice changes nothing.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct JoinConsumerGroup {
    pub user_id: u32,
    pub client_id: u32,
    pub stream: Identifier,
    pub topic: Identifier,
    pub group: Identifier,
}

/// LeaveConsumerGroup (605) by the client `client_id`.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct LeaveConsumerGroup {
    pub user_id: u32,
    pub client_id: u32,
    pub stream: Identifier,
    pub topic: Identifier,
    pub group: Identifier,
}
