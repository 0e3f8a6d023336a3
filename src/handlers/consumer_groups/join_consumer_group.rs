//! JoinConsumerGroup (604): the session's client becomes a member (joining twice changes
//! nothing); the group rebalances cooperatively.

use crate::context::{ServerContext, Session};
use crate::protocol::requests::GroupTarget;
use bytes::Bytes;
use iggy_actors::metadata::JoinConsumerGroup;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    target: GroupTarget,
) -> Result<Bytes, IggyError> {
    let message = JoinConsumerGroup {
        user_id: session.user()?,
        client_id: session.client_id,
        stream: target.stream,
        topic: target.topic,
        group: target.group,
    };
    ctx.metadata.send(message).await??;
    Ok(Bytes::new())
}
