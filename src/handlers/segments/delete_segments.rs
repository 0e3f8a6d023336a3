//! DeleteSegments (503): removes up to `count` of the oldest sealed segments of a partition.

use crate::context::{ServerContext, Session};
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::DeleteSegments;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    stream: Identifier,
    topic: Identifier,
    partition_id: u32,
    count: u32,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let message = DeleteSegments {
        user_id,
        stream: stream.clone(),
        topic: topic.clone(),
        partition_id,
        count,
    };
    ctx.metadata.send(message).await??;
    log::debug!(
        "client {}: user {user_id} deleted up to {count} segment(s) of partition {partition_id}, topic {topic}, stream {stream}",
        session.client_id
    );
    Ok(Bytes::new())
}
