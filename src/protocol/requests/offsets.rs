//! Consumer-offset requests (binary-protocol.md §5.6): 120, 121, 122.

use super::primitives::{read_consumer, read_optional_partition, Consumer};
use super::{read_error, Command};
use crate::protocol::identifier::read_identifier;
use iggy_actors::bytes_io::ByteReader;
use iggy_actors::identifier::Identifier;
use iggy_actors::IggyError;

/// Whose offset, where: the common prefix of all three requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetTarget {
    pub consumer: Consumer,
    pub stream: Identifier,
    pub topic: Identifier,
    /// `None`: partition 0 for an individual consumer.
    pub partition: Option<u32>,
}

fn read_target(r: &mut ByteReader<'_>) -> Result<OffsetTarget, IggyError> {
    Ok(OffsetTarget {
        consumer: read_consumer(r)?,
        stream: read_identifier(r)?,
        topic: read_identifier(r)?,
        partition: read_optional_partition(r)?,
    })
}

/// GetConsumerOffset (120): consumer, stream, topic, optional partition.
pub fn get_consumer_offset(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    Ok(Command::GetConsumerOffset(read_target(r)?))
}

/// StoreConsumerOffset (121): the same prefix + offset u64.
pub fn store_consumer_offset(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let target = read_target(r)?;
    let offset = r.u64().map_err(read_error)?;
    Ok(Command::StoreConsumerOffset { target, offset })
}

/// DeleteConsumerOffset (122): same layout as GetConsumerOffset.
pub fn delete_consumer_offset(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    Ok(Command::DeleteConsumerOffset(read_target(r)?))
}

#[cfg(test)]
mod tests {
    use crate::protocol::codes;
    use crate::protocol::requests::primitives::Consumer;
    use crate::protocol::requests::{decode, Command, OffsetTarget};
    use iggy_actors::identifier::Identifier;
    use iggy_actors::IggyError;
    use iggy_binary_protocol::requests::consumer_offsets::{
        DeleteConsumerOffsetRequest, GetConsumerOffsetRequest, StoreConsumerOffsetRequest,
    };
    use iggy_binary_protocol::{WireConsumer, WireEncode, WireIdentifier};

    fn consumer() -> WireConsumer {
        WireConsumer::consumer(WireIdentifier::named("c1").unwrap())
    }

    fn key() -> Consumer {
        Consumer::Individual(xxhash_rust::xxh32::xxh32(b"c1", 0))
    }

    #[test]
    fn sdk_encodings_decode() {
        let get = GetConsumerOffsetRequest {
            consumer: consumer(),
            stream_id: WireIdentifier::numeric(0),
            topic_id: WireIdentifier::named("t").unwrap(),
            partition_id: None,
        };
        assert_eq!(
            decode(codes::GET_CONSUMER_OFFSET, &get.to_bytes()),
            Ok(Command::GetConsumerOffset(OffsetTarget {
                consumer: key(),
                stream: Identifier::Numeric(0),
                topic: Identifier::Name("t".into()),
                partition: None,
            }))
        );
        let store = StoreConsumerOffsetRequest {
            consumer: WireConsumer::consumer_group(WireIdentifier::numeric(2)),
            stream_id: WireIdentifier::numeric(0),
            topic_id: WireIdentifier::numeric(1),
            partition_id: Some(3),
            offset: u64::MAX - 1,
        };
        assert_eq!(
            decode(codes::STORE_CONSUMER_OFFSET, &store.to_bytes()),
            Ok(Command::StoreConsumerOffset {
                target: OffsetTarget {
                    consumer: Consumer::Group(Identifier::Numeric(2)),
                    stream: Identifier::Numeric(0),
                    topic: Identifier::Numeric(1),
                    partition: Some(3),
                },
                offset: u64::MAX - 1,
            })
        );
        let delete = DeleteConsumerOffsetRequest {
            consumer: WireConsumer::consumer(WireIdentifier::numeric(5)),
            stream_id: WireIdentifier::numeric(0),
            topic_id: WireIdentifier::numeric(1),
            partition_id: Some(0),
        };
        assert_eq!(
            decode(codes::DELETE_CONSUMER_OFFSET, &delete.to_bytes()),
            Ok(Command::DeleteConsumerOffset(OffsetTarget {
                consumer: Consumer::Individual(5),
                stream: Identifier::Numeric(0),
                topic: Identifier::Numeric(1),
                partition: Some(0),
            }))
        );
    }

    #[test]
    fn truncated_and_malformed() {
        let store = StoreConsumerOffsetRequest {
            consumer: consumer(),
            stream_id: WireIdentifier::numeric(0),
            topic_id: WireIdentifier::numeric(1),
            partition_id: Some(3),
            offset: 9,
        };
        let bytes = store.to_bytes();
        for end in 0..bytes.len() {
            assert_eq!(
                decode(codes::STORE_CONSUMER_OFFSET, &bytes[..end]),
                Err(IggyError::InvalidCommand),
                "cut at {end}"
            );
        }
        let mut bad = bytes.to_vec();
        bad[0] = 3;
        assert_eq!(
            decode(codes::STORE_CONSUMER_OFFSET, &bad),
            Err(IggyError::InvalidCommand)
        );
        // A numeric consumer id with a length other than 4.
        let p = [
            1, 1, 2, 0, 0, 1, 4, 0, 0, 0, 0, 1, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        assert_eq!(
            decode(codes::GET_CONSUMER_OFFSET, &p),
            Err(IggyError::InvalidFormat)
        );
    }
}
