//! StoreConsumerOffset (121): the partition checks the offset against its last one.

use super::{consumer_key, partition_of};
use crate::context::{ServerContext, Session};
use crate::handlers::routing;
use crate::protocol::requests::OffsetTarget;
use bytes::Bytes;
use iggy_actors::access::Action;
use iggy_actors::partition::messages::StoreConsumerOffset;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    request: OffsetTarget,
    offset: u64,
) -> Result<Bytes, IggyError> {
    let target = routing::partition(
        ctx,
        session,
        &request.stream,
        &request.topic,
        Action::PollMessages,
        |_| consumer_key(&request.consumer).map(|_| partition_of(request.partition)),
    )
    .await?;
    let consumer = consumer_key(&request.consumer)?;
    target
        .addr
        .send(StoreConsumerOffset { consumer, offset })
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
