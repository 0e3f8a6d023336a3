//! DeleteConsumerOffset (122): 3021 when no offset is stored.

use super::{consumer_partition, Use};
use crate::context::{ServerContext, Session};
use crate::protocol::requests::OffsetTarget;
use bytes::Bytes;
use iggy_actors::partition::messages::DeleteConsumerOffset;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    request: OffsetTarget,
) -> Result<Bytes, IggyError> {
    let (target, consumer, claim) = consumer_partition(
        ctx,
        session,
        &request.consumer,
        &request.stream,
        &request.topic,
        request.partition,
        Use::Commit,
    )
    .await?;
    target
        .send(DeleteConsumerOffset { consumer, claim })
        .await??;
    log::debug!(
        "client {}: offset of {consumer:?} deleted on stream {} topic {} partition {}",
        session.client_id,
        target.stream_id,
        target.topic_id,
        target.partition_id
    );
    Ok(Bytes::new())
}
