//! Resolution on the data plane: stream, topic, permission and partition are looked up
//! in this shard's routing table, without a round trip. A shard may not have installed
//! the newest table yet (a stream created a moment ago on another connection), so a miss
//! asks the metadata actor for its current table once and tries again.

use crate::context::{ServerContext, Session};
use crate::telemetry;
use actix::dev::ToEnvelope;
use actix::{Actor, Addr, Handler, MailboxError, Message};
use iggy_actors::access::Action;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::GetRoutingTable;
use iggy_actors::partition::PartitionActor;
use iggy_actors::routing::{self, RoutingTable, TopicRoute};
use iggy_actors::timed::Timed;
use iggy_actors::IggyError;

/// Errors a newer table may not give.
fn may_be_stale(error: IggyError) -> bool {
    matches!(
        error,
        IggyError::StreamIdNotFound
            | IggyError::TopicIdNotFound
            | IggyError::PartitionNotFound
            | IggyError::Unauthenticated
            | IggyError::Unauthorized
            | IggyError::ConsumerGroupIdNotFound
            | IggyError::ConsumerGroupMemberNotFound
    )
}

/// Runs `f` against the local table; when it fails in a way a newer table could change,
/// fetches the metadata actor's table, installs it and runs `f` once more.
pub async fn with_table<T>(
    ctx: &ServerContext,
    f: impl Fn(&RoutingTable) -> Result<T, IggyError>,
) -> Result<T, IggyError> {
    let local = routing::local();
    match f(&local) {
        Err(e) if may_be_stale(e) => {
            let fresh = ctx.metadata.send(GetRoutingTable).await?;
            if fresh.version <= local.version {
                return Err(e);
            }
            routing::install(fresh.clone());
            f(&fresh)
        }
        other => other,
    }
}

/// A partition chosen for a command.
pub struct Target {
    pub stream_id: u32,
    pub topic_id: u32,
    pub partition_id: u32,
    pub addr: Addr<PartitionActor>,
}

impl Target {
    /// Sends `msg` to the partition actor and waits for its answer. Inside a traced
    /// request, the request records this destination and the actor's work is its child
    /// span.
    pub async fn send<M>(&self, msg: M) -> Result<M::Result, MailboxError>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        PartitionActor: Handler<M> + Handler<Timed<M>>,
        <PartitionActor as Actor>::Context:
            ToEnvelope<PartitionActor, M> + ToEnvelope<PartitionActor, Timed<M>>,
    {
        let (stream, topic, partition) = (self.stream_id, self.topic_id, self.partition_id);
        telemetry::record_destination(stream, topic, partition);
        let attributes = telemetry::partition_attributes(stream, topic, partition);
        telemetry::observed(&self.addr, msg, "partition", attributes).await
    }
}

/// Resolves the topic (1009, 2010), authorizes `action` for the session's user (40, 41),
/// then picks the partition with `choose` (3007 when it does not exist).
pub async fn partition(
    ctx: &ServerContext,
    session: &Session,
    stream: &Identifier,
    topic: &Identifier,
    action: fn(u32, u32) -> Action,
    choose: impl Fn(&TopicRoute) -> Result<u32, IggyError>,
) -> Result<Target, IggyError> {
    let (target, ()) = partition_with(ctx, session, stream, topic, action, |route| {
        choose(route).map(|p| (p, ()))
    })
    .await?;
    Ok(target)
}

/// `partition` whose `choose` also answers something it found on the way (a consumer
/// group's key and the member's claim).
pub async fn partition_with<X>(
    ctx: &ServerContext,
    session: &Session,
    stream: &Identifier,
    topic: &Identifier,
    action: fn(u32, u32) -> Action,
    choose: impl Fn(&TopicRoute) -> Result<(u32, X), IggyError>,
) -> Result<(Target, X), IggyError> {
    let user_id = session.user()?;
    with_table(ctx, |table| {
        let route = table.topic(stream, topic)?;
        table.authorize(user_id, action(route.stream_id, route.topic_id))?;
        let (partition_id, extra) = choose(route)?;
        let target = Target {
            stream_id: route.stream_id,
            topic_id: route.topic_id,
            partition_id,
            addr: route.partition(partition_id)?.clone(),
        };
        Ok((target, extra))
    })
    .await
}
