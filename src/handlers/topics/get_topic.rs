//! GetTopic (300): TopicDetails, or an empty payload when the stream or topic does not
//! exist.

use crate::context::{ServerContext, Session};
use crate::protocol::responses::topics;
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::GetTopic;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    stream: Identifier,
    topic: Identifier,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let message = GetTopic {
        user_id,
        stream,
        topic,
    };
    let details = ctx.metadata.send(message).await??;
    Ok(details
        .map(|d| topics::topic_details(&d))
        .unwrap_or_default())
}
