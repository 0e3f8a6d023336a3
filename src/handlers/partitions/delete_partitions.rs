//! DeletePartitions (403): removes the partitions with the highest ids.

use crate::context::{ServerContext, Session};
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::DeletePartitions;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    stream: Identifier,
    topic: Identifier,
    count: u32,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let message = DeletePartitions {
        user_id,
        stream: stream.clone(),
        topic: topic.clone(),
        count,
    };
    ctx.metadata.send(message).await??;
    log::debug!(
        "client {}: user {user_id} deleted {count} partition(s) from topic {topic} of stream {stream}",
        session.client_id
    );
    Ok(Bytes::new())
}
