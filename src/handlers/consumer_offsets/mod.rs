pub mod delete_consumer_offset;
pub mod get_consumer_offset;
pub mod store_consumer_offset;

use crate::context::{ServerContext, Session};
use crate::handlers::routing::{self, Target};
use crate::protocol::requests::primitives::Consumer;
use iggy_actors::access::Action;
use iggy_actors::identifier::Identifier;
use iggy_actors::partition::messages::ConsumerKey;
use iggy_actors::IggyError;

/// The partition a consumer addresses (the given one, or 0) and the key its offset is
/// stored under, for polls and the offset commands: the topic resolves and the user may
/// poll it before the consumer's kind is checked.
pub(crate) async fn consumer_partition(
    ctx: &ServerContext,
    session: &Session,
    consumer: &Consumer,
    stream: &Identifier,
    topic: &Identifier,
    partition: Option<u32>,
) -> Result<(Target, ConsumerKey), IggyError> {
    let key = consumer_key(consumer);
    let target = routing::partition(ctx, session, stream, topic, Action::PollMessages, |_| {
        key.map(|_| partition.unwrap_or(0))
    })
    .await?;
    Ok((target, key?))
}

/// The key offsets are stored under. Consumer groups are not served yet, so every group
/// is unknown (5000), answered after the stream and topic resolved.
fn consumer_key(consumer: &Consumer) -> Result<ConsumerKey, IggyError> {
    match consumer {
        Consumer::Individual(key) => Ok(ConsumerKey::Consumer(*key)),
        Consumer::Group(_) => Err(IggyError::ConsumerGroupIdNotFound),
    }
}
