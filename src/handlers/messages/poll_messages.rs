//! PollMessages (100): the answer is the 16-byte header and the stored frames, handed to
//! the writer as chunks, never copied and never empty. A consumer group's member is served
//! its own partitions only: in turn when it names none.

use crate::context::{ServerContext, Session};
use crate::handlers::consumer_offsets::{consumer_partition, Use};
use crate::protocol::requests::PollRequest;
use crate::protocol::responses::messages::polled;
use crate::telemetry;
use iggy_actors::partition::messages::{Chunk, PollMessages, PolledMessages};
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    request: PollRequest,
) -> Result<Vec<Chunk>, IggyError> {
    let answer = poll(ctx, session, request).await?;
    Ok(polled(
        answer.partition_id,
        answer.current_offset,
        answer.count,
        answer.chunks,
    ))
}

/// The poll itself, for every transport: the partition's answer with its id set.
pub async fn poll(
    ctx: &ServerContext,
    session: &Session,
    request: PollRequest,
) -> Result<PolledMessages, IggyError> {
    let found = consumer_partition(
        ctx,
        session,
        &request.consumer,
        &request.stream,
        &request.topic,
        request.partition,
        Use::Poll,
    )
    .await;
    let (target, consumer, claim) = match found {
        Ok(found) => found,
        Err(IggyError::NotResolvedConsumer) => return Ok(PolledMessages::default()),
        Err(e) => return Err(e),
    };
    let poll = PollMessages {
        consumer,
        claim,
        strategy: request.strategy,
        count: request.count,
        auto_commit: request.auto_commit,
    };
    let mut answer = match target.send(poll).await? {
        Ok(answer) => answer,
        Err(IggyError::NotResolvedConsumer) => return Ok(PolledMessages::default()),
        Err(e) => return Err(e),
    };
    telemetry::record_messages(answer.count, || answer.chunks.iter().map(Chunk::len).sum());
    log::trace!(
        "client {}: {} message(s) polled from stream {} topic {} partition {}",
        session.client_id,
        answer.count,
        target.stream_id,
        target.topic_id,
        target.partition_id
    );
    answer.partition_id = target.partition_id;
    Ok(answer)
}
