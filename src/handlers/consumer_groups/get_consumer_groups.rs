//! GetConsumerGroups (601): ConsumerGroupHeaders; empty when there are none or the
//! stream or topic does not exist.

use crate::context::{ServerContext, Session};
use crate::protocol::responses::groups;
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::GetConsumerGroups;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    stream: Identifier,
    topic: Identifier,
) -> Result<Bytes, IggyError> {
    let message = GetConsumerGroups {
        user_id: session.user()?,
        stream,
        topic,
    };
    let list = ctx.metadata.send(message).await??;
    Ok(list.map(|l| groups::groups(&l)).unwrap_or_default())
}
