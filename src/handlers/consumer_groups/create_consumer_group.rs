//! CreateConsumerGroup (602): answers the new group, with no members.

use crate::context::{ServerContext, Session};
use crate::protocol::responses::groups;
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::CreateConsumerGroup;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    stream: Identifier,
    topic: Identifier,
    name: String,
) -> Result<Bytes, IggyError> {
    let message = CreateConsumerGroup {
        user_id: session.user()?,
        stream,
        topic,
        name,
    };
    let group = ctx.metadata.send(message).await??;
    Ok(groups::group_details(&group))
}
