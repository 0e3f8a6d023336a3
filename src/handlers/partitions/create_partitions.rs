//! CreatePartitions (402): appends partitions with the next ids.

use crate::context::{ServerContext, Session};
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::CreatePartitions;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    stream: Identifier,
    topic: Identifier,
    count: u32,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let message = CreatePartitions {
        user_id,
        stream: stream.clone(),
        topic: topic.clone(),
        count,
    };
    ctx.metadata.send(message).await??;
    log::debug!(
        "client {}: user {user_id} created {count} partition(s) in topic {topic} of stream {stream}",
        session.client_id
    );
    Ok(Bytes::new())
}
