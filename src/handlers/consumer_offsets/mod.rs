pub mod delete_consumer_offset;
pub mod get_consumer_offset;
pub mod get_consumer_offsets;
pub mod store_consumer_offset;

use crate::context::{ServerContext, Session};
use crate::handlers::routing::{self, Target};
use crate::protocol::requests::primitives::Consumer;
use iggy_actors::access::Action;
use iggy_actors::identifier::Identifier;
use iggy_actors::partition::messages::{Claim, ConsumerKey};
use iggy_actors::IggyError;

/// What a consumer command does with its partition, which decides how a consumer group's
/// partition is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// PollMessages: without a partition id, the member's next partition in turn.
    Poll,
    /// GetConsumerOffset: anyone may read a group's offset; partition 0 by default.
    Read,
    /// Store/DeleteConsumerOffset: without a partition id, the member's current one.
    Commit,
}

/// The partition a poll or offset command addresses, the key its offset is stored under,
/// and, for a consumer group, the member's claim the partition checks. Resolved on the
/// shard's routing table: the topic (1009, 2010), the poll permission (41), the group
/// (5000), the membership (5006), the partition (3007). A member with nothing to read or
/// commit gets `NotResolvedConsumer`.
pub(crate) async fn consumer_partition(
    ctx: &ServerContext,
    session: &Session,
    consumer: &Consumer,
    stream: &Identifier,
    topic: &Identifier,
    partition: Option<u32>,
    purpose: Use,
) -> Result<(Target, ConsumerKey, Option<Claim>), IggyError> {
    let client_id = session.client_id;
    let action = Action::PollMessages;
    let (target, (key, claim)) =
        routing::partition_with(ctx, session, stream, topic, action, |route| {
            let group = match consumer {
                Consumer::Individual(key) => {
                    let key = ConsumerKey::Consumer(*key);
                    return Ok((partition.unwrap_or(0), (key, None)));
                }
                Consumer::Group(group) => route.group(group)?,
            };
            let key = ConsumerKey::Group(group.id);
            if purpose == Use::Read {
                return Ok((partition.unwrap_or(0), (key, None)));
            }
            let member = group.member(client_id)?;
            let chosen = match (partition, purpose) {
                (Some(p), _) => Some(p),
                (None, Use::Poll) => member.next(),
                (None, _) => member.current(),
            };
            let partition_id = chosen.ok_or(IggyError::NotResolvedConsumer)?;
            let explicit = partition.is_some();
            Ok((
                partition_id,
                (
                    key,
                    Some(Claim {
                        client_id,
                        explicit,
                    }),
                ),
            ))
        })
        .await?;
    if let ConsumerKey::Group(group_id) = key {
        crate::telemetry::record_consumer_group(group_id);
    }
    Ok((target, key, claim))
}
