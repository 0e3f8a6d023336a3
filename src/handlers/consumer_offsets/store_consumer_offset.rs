//! StoreConsumerOffset (121): the partition checks the offset against its last one.

use super::{consumer_partition, Use};
use crate::context::{ServerContext, Session};
use crate::protocol::requests::OffsetTarget;
use bytes::Bytes;
use iggy_actors::partition::messages::StoreConsumerOffset;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    request: OffsetTarget,
    offset: u64,
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
        .send(StoreConsumerOffset {
            consumer,
            offset,
            claim,
        })
        .await??;
    log::trace!(
        "client {}: offset {offset} stored for {consumer:?} on stream {} topic {} partition {}",
        session.client_id,
        target.stream_id,
        target.topic_id,
        target.partition_id
    );
    Ok(Bytes::new())
}
