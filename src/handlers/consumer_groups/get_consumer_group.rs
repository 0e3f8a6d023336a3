//! GetConsumerGroup (600): ConsumerGroupDetails, or an empty payload when the stream,
//! topic or group does not exist.

use crate::context::{ServerContext, Session};
use crate::protocol::requests::GroupTarget;
use crate::protocol::responses::groups;
use bytes::Bytes;
use iggy_actors::metadata::GetConsumerGroup;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    target: GroupTarget,
) -> Result<Bytes, IggyError> {
    let message = GetConsumerGroup {
        user_id: session.user()?,
        stream: target.stream,
        topic: target.topic,
        group: target.group,
    };
    let details = ctx.metadata.send(message).await??;
    Ok(details
        .map(|d| groups::group_details(&d))
        .unwrap_or_default())
}
