//! GetConsumerOffset (120): an empty answer means "nothing to report": unknown stream,
//! topic, partition or group, or no offset stored yet.

use super::{consumer_partition, Use};
use crate::context::{ServerContext, Session};
use crate::protocol::requests::OffsetTarget;
use crate::protocol::responses::messages::consumer_offset;
use bytes::Bytes;
use iggy_actors::partition::messages::GetConsumerOffset;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    request: OffsetTarget,
) -> Result<Bytes, IggyError> {
    let found = consumer_partition(
        ctx,
        session,
        &request.consumer,
        &request.stream,
        &request.topic,
        request.partition,
        Use::Read,
    )
    .await;
    let (target, consumer, _) = match found {
        Ok(found) => found,
        Err(
            IggyError::StreamIdNotFound
            | IggyError::TopicIdNotFound
            | IggyError::PartitionNotFound
            | IggyError::ConsumerGroupIdNotFound,
        ) => return Ok(Bytes::new()),
        Err(e) => return Err(e),
    };
    let stored = target.send(GetConsumerOffset { consumer }).await??;
    Ok(stored.map_or_else(Bytes::new, |info| {
        consumer_offset(target.partition_id, info.current_offset, info.stored_offset)
    }))
}
