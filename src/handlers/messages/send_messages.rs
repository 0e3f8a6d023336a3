//! SendMessages (101): the validated batch goes to the chosen partition in the frame's
//! own bytes. `send().await` waits for the partition's answer, so a busy partition slows
//! its producers down instead of queueing without bound.

use crate::context::{ServerContext, Session};
use crate::handlers::routing;
use crate::protocol::requests::send_messages::{Partitioning, SendMessages};
use crate::telemetry;
use bytes::Bytes;
use iggy_actors::access::Action;
use iggy_actors::partition::messages::{AppendMessages, MessageBatch};
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    request: SendMessages,
) -> Result<Bytes, IggyError> {
    let SendMessages {
        stream,
        topic,
        partitioning,
        count,
        frames,
        ends,
    } = request;
    let target = routing::partition(
        ctx,
        session,
        &stream,
        &topic,
        Action::SendMessages,
        |route| match &partitioning {
            Partitioning::Balanced => route.next_balanced(),
            Partitioning::PartitionId(id) => Ok(*id),
            Partitioning::MessagesKey(key) => route.by_key(key),
        },
    )
    .await?;
    let size = frames.len();
    telemetry::record_messages(count, || size);
    let batch = MessageBatch {
        count,
        frames,
        ends,
    };
    target.send(AppendMessages { batch }).await??;
    log::trace!(
        "client {}: {count} message(s), {size} bytes appended to stream {} topic {} partition {}",
        session.client_id,
        target.stream_id,
        target.topic_id,
        target.partition_id
    );
    Ok(Bytes::new())
}
