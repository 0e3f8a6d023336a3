//! DeleteConsumerGroup (603): the group, its memberships and its stored offsets go.

use crate::context::{ServerContext, Session};
use crate::protocol::requests::GroupTarget;
use bytes::Bytes;
use iggy_actors::metadata::DeleteConsumerGroup;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    target: GroupTarget,
) -> Result<Bytes, IggyError> {
    let message = DeleteConsumerGroup {
        user_id: session.user()?,
        stream: target.stream,
        topic: target.topic,
        group: target.group,
    };
    ctx.metadata.send(message).await??;
    Ok(Bytes::new())
}
