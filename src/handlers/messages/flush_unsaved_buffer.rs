//! FlushUnsavedBuffer (102): writes a partition's unsaved messages to disk, with fsync
//! when asked.

use crate::context::{ServerContext, Session};
use crate::handlers::routing;
use bytes::Bytes;
use iggy_actors::access::Action;
use iggy_actors::identifier::Identifier;
use iggy_actors::partition::messages::FlushUnsaved;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    stream: Identifier,
    topic: Identifier,
    partition_id: u32,
    fsync: bool,
) -> Result<Bytes, IggyError> {
    let target = routing::partition(ctx, session, &stream, &topic, Action::SendMessages, |_| {
        Ok(partition_id)
    })
    .await?;
    target.send(FlushUnsaved { fsync }).await??;
    log::debug!(
        "client {}: flushed stream {} topic {} partition {partition_id} (fsync: {fsync})",
        session.client_id,
        target.stream_id,
        target.topic_id
    );
    Ok(Bytes::new())
}
