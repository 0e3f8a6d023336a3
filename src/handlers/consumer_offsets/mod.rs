pub mod delete_consumer_offset;
pub mod get_consumer_offset;
pub mod store_consumer_offset;

use crate::protocol::requests::primitives::Consumer;
use iggy_actors::partition::messages::ConsumerKey;
use iggy_actors::IggyError;

/// The partition an offset command addresses: the given one, or 0.
pub(crate) fn partition_of(requested: Option<u32>) -> u32 {
    requested.unwrap_or(0)
}

/// The key offsets are stored under. Consumer groups are not served yet, so every group
/// is unknown (5000), answered after the stream and topic resolved.
pub(crate) fn consumer_key(consumer: &Consumer) -> Result<ConsumerKey, IggyError> {
    match consumer {
        Consumer::Individual(key) => Ok(ConsumerKey::Consumer(*key)),
        Consumer::Group(_) => Err(IggyError::ConsumerGroupIdNotFound),
    }
}
