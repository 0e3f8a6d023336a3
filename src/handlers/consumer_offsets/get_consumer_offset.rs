//! GetConsumerOffset (120): an empty answer means "nothing to report": unknown stream,
//! topic, partition or group, or no offset stored yet.

use super::{consumer_partition, Use};
use crate::context::{ServerContext, Session};
use crate::protocol::requests::OffsetTarget;
use crate::protocol::responses::messages::consumer_offset;
use bytes::Bytes;
use iggy_actors::partition::messages::{ConsumerOffsetInfo, GetConsumerOffset};
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    request: OffsetTarget,
) -> Result<Bytes, IggyError> {
    let found = find(ctx, session, request).await?;
    Ok(found.map_or_else(Bytes::new, |(partition_id, info)| {
        consumer_offset(partition_id, info.current_offset, info.stored_offset)
    }))
}

/// The stored offset and the partition it is on, for every transport; `None` when there
/// is nothing to report (unknown stream, topic, partition or group, or nothing stored).
pub async fn find(
    ctx: &ServerContext,
    session: &Session,
    request: OffsetTarget,
) -> Result<Option<(u32, ConsumerOffsetInfo)>, IggyError> {
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
        ) => return Ok(None),
        Err(e) => return Err(e),
    };
    let stored = target.send(GetConsumerOffset { consumer }).await??;
    Ok(stored.map(|info| (target.partition_id, info)))
}
