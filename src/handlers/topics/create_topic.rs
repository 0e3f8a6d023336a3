//! CreateTopic (302): answers the new topic with its partitions.

use crate::context::{ServerContext, Session};
use crate::protocol::responses::topics;
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::{CreateTopic, TopicSettings};
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    stream: Identifier,
    name: String,
    partitions_count: u32,
    settings: TopicSettings,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let message = CreateTopic {
        user_id,
        stream: stream.clone(),
        name,
        partitions_count,
        settings,
    };
    let topic = ctx.metadata.send(message).await??;
    log::debug!(
        "client {}: user {user_id} created topic {} '{}' with {} partition(s) in stream {stream}",
        session.client_id,
        topic.info.id,
        topic.info.name,
        topic.partitions.len()
    );
    Ok(topics::topic_details(&topic))
}
