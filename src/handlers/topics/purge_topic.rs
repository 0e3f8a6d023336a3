//! PurgeTopic (305): empties every partition of the topic, keeps the topic.

use crate::context::{ServerContext, Session};
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::PurgeTopic;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    stream: Identifier,
    topic: Identifier,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let message = PurgeTopic {
        user_id,
        stream: stream.clone(),
        topic: topic.clone(),
    };
    ctx.metadata.send(message).await??;
    log::debug!(
        "client {}: user {user_id} purged topic {topic} of stream {stream}",
        session.client_id
    );
    Ok(Bytes::new())
}
