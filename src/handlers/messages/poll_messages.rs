//! PollMessages (100): the answer is the 16-byte header and the stored frames, handed to
//! the writer as chunks, never copied and never empty.

use crate::context::{ServerContext, Session};
use crate::handlers::consumer_offsets::consumer_partition;
use crate::protocol::requests::PollRequest;
use crate::protocol::responses::messages::polled;
use iggy_actors::partition::messages::{Chunk, PollMessages};
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    request: PollRequest,
) -> Result<Vec<Chunk>, IggyError> {
    let (target, consumer) = consumer_partition(
        ctx,
        session,
        &request.consumer,
        &request.stream,
        &request.topic,
        request.partition,
    )
    .await?;
    let poll = PollMessages {
        consumer,
        strategy: request.strategy,
        count: request.count,
        auto_commit: request.auto_commit,
    };
    let answer = target.addr.send(poll).await??;
    log::trace!(
        "client {}: {} message(s) polled from stream {} topic {} partition {}",
        session.client_id,
        answer.count,
        target.stream_id,
        target.topic_id,
        target.partition_id
    );
    Ok(polled(
        target.partition_id,
        answer.current_offset,
        answer.count,
        answer.chunks,
    ))
}
