//! LeaveConsumerGroup (605): the session's client stops being a member (5006 when it is
//! not one); the others share its partitions.

use crate::context::{ServerContext, Session};
use crate::protocol::requests::GroupTarget;
use bytes::Bytes;
use iggy_actors::metadata::LeaveConsumerGroup;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    target: GroupTarget,
) -> Result<Bytes, IggyError> {
    let message = LeaveConsumerGroup {
        user_id: session.user()?,
        client_id: session.client_id,
        stream: target.stream,
        topic: target.topic,
        group: target.group,
    };
    ctx.metadata.send(message).await??;
    Ok(Bytes::new())
}
