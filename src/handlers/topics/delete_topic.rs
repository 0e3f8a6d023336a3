//! DeleteTopic (303): removes the topic with its partitions, messages and groups.

use crate::context::{ServerContext, Session};
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::DeleteTopic;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    stream: Identifier,
    topic: Identifier,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let message = DeleteTopic {
        user_id,
        stream: stream.clone(),
        topic: topic.clone(),
    };
    ctx.metadata.send(message).await??;
    log::debug!(
        "client {}: user {user_id} deleted topic {topic} of stream {stream}",
        session.client_id
    );
    Ok(Bytes::new())
}
