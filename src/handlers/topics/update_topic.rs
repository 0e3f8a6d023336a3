//! UpdateTopic (304): new name and settings, stored as sent.

use crate::context::{ServerContext, Session};
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::{TopicSettings, UpdateTopic};
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    stream: Identifier,
    topic: Identifier,
    name: String,
    settings: TopicSettings,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let message = UpdateTopic {
        user_id,
        stream: stream.clone(),
        topic: topic.clone(),
        name: name.clone(),
        settings,
    };
    ctx.metadata.send(message).await??;
    log::debug!(
        "client {}: user {user_id} updated topic {topic} of stream {stream}: name '{name}', {settings:?}",
        session.client_id
    );
    Ok(Bytes::new())
}
