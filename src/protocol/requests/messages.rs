//! Message requests (binary-protocol.md §5.5): PollMessages (100) and FlushUnsavedBuffer
//! (102). SendMessages (101) has its own file.

use super::primitives::{read_consumer, read_optional_partition, read_polling_strategy, Consumer};
use super::{read_error, Command};
use crate::protocol::identifier::read_identifier;
use iggy_actors::bytes_io::ByteReader;
use iggy_actors::identifier::Identifier;
use iggy_actors::partition::messages::PollingStrategy;
use iggy_actors::IggyError;

/// A decoded PollMessages request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollRequest {
    pub consumer: Consumer,
    pub stream: Identifier,
    pub topic: Identifier,
    /// `None`: partition 0 for an individual consumer.
    pub partition: Option<u32>,
    pub strategy: PollingStrategy,
    /// At most this many messages; 0 answers the header only.
    pub count: u32,
    /// Store the offset of the last returned message.
    pub auto_commit: bool,
}

/// PollMessages (100): consumer, stream, topic, optional partition, strategy, count u32,
/// auto_commit (any non-zero byte is true).
pub fn poll_messages(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let consumer = read_consumer(r)?;
    let stream = read_identifier(r)?;
    let topic = read_identifier(r)?;
    let partition = read_optional_partition(r)?;
    let strategy = read_polling_strategy(r)?;
    let count = r.u32().map_err(read_error)?;
    let auto_commit = r.bool().map_err(read_error)?;
    Ok(Command::PollMessages(PollRequest {
        consumer,
        stream,
        topic,
        partition,
        strategy,
        count,
        auto_commit,
    }))
}

/// FlushUnsavedBuffer (102): stream, topic, partition_id u32, fsync bool.
pub fn flush_unsaved_buffer(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let stream = read_identifier(r)?;
    let topic = read_identifier(r)?;
    let partition_id = r.u32().map_err(read_error)?;
    let fsync = r.bool().map_err(read_error)?;
    Ok(Command::FlushUnsavedBuffer {
        stream,
        topic,
        partition_id,
        fsync,
    })
}

#[cfg(test)]
mod tests {
    use crate::protocol::codes;
    use crate::protocol::requests::primitives::{consumer_key, Consumer};
    use crate::protocol::requests::{decode, Command, PollRequest};
    use iggy_actors::identifier::Identifier;
    use iggy_actors::partition::messages::PollingStrategy;
    use iggy_actors::IggyError;
    use iggy_binary_protocol::requests::messages::{
        FlushUnsavedBufferRequest, PollMessagesRequest,
    };
    use iggy_binary_protocol::{WireConsumer, WireEncode, WireIdentifier, WirePollingStrategy};

    fn poll(consumer: WireConsumer, partition_id: Option<u32>) -> PollMessagesRequest {
        PollMessagesRequest {
            consumer,
            stream_id: WireIdentifier::named("orders").unwrap(),
            topic_id: WireIdentifier::numeric(2),
            partition_id,
            strategy: WirePollingStrategy::offset(17),
            count: 100,
            auto_commit: true,
        }
    }

    #[test]
    fn poll_messages_from_the_sdk() {
        let request = poll(WireConsumer::consumer(WireIdentifier::numeric(9)), Some(0));
        assert_eq!(
            decode(codes::POLL_MESSAGES, &request.to_bytes()),
            Ok(Command::PollMessages(PollRequest {
                consumer: Consumer::Individual(9),
                stream: Identifier::Name("orders".into()),
                topic: Identifier::Numeric(2),
                partition: Some(0),
                strategy: PollingStrategy::Offset(17),
                count: 100,
                auto_commit: true,
            }))
        );
        let named = WireConsumer::consumer(WireIdentifier::named("reader").unwrap());
        let mut request = poll(named, None);
        request.strategy = WirePollingStrategy::next();
        request.auto_commit = false;
        let Ok(Command::PollMessages(PollRequest {
            consumer,
            partition,
            strategy,
            auto_commit,
            ..
        })) = decode(codes::POLL_MESSAGES, &request.to_bytes())
        else {
            panic!("expected a poll");
        };
        let key = consumer_key(&Identifier::Name("reader".into()));
        assert_eq!(consumer, Consumer::Individual(key));
        assert_eq!(key, xxhash_rust::xxh32::xxh32(b"reader", 0));
        assert_eq!(partition, None);
        assert_eq!(strategy, PollingStrategy::Next);
        assert!(!auto_commit);
        let group = WireConsumer::consumer_group(WireIdentifier::numeric(4));
        let Ok(Command::PollMessages(PollRequest { consumer, .. })) =
            decode(codes::POLL_MESSAGES, &poll(group, None).to_bytes())
        else {
            panic!("expected a poll");
        };
        assert_eq!(consumer, Consumer::Group(Identifier::Numeric(4)));
    }

    #[test]
    fn malformed_polls() {
        let request = poll(WireConsumer::consumer(WireIdentifier::numeric(9)), Some(0));
        let bytes = request.to_bytes();
        for end in 0..bytes.len() {
            assert_eq!(
                decode(codes::POLL_MESSAGES, &bytes[..end]),
                Err(IggyError::InvalidCommand),
                "cut at {end}"
            );
        }
        // Unknown strategy kind (consumer 7 + stream 8 + topic 6 + partition 5 = 26).
        let mut bad = bytes.to_vec();
        bad[26] = 6;
        assert_eq!(
            decode(codes::POLL_MESSAGES, &bad),
            Err(IggyError::InvalidCommand)
        );
        // Auto-commit: any non-zero byte is true.
        let mut any = bytes.to_vec();
        *any.last_mut().unwrap() = 7;
        assert!(matches!(
            decode(codes::POLL_MESSAGES, &any),
            Ok(Command::PollMessages(PollRequest {
                auto_commit: true,
                ..
            }))
        ));
    }

    #[test]
    fn flush_unsaved_buffer_from_the_sdk() {
        let request = FlushUnsavedBufferRequest {
            stream_id: WireIdentifier::numeric(1),
            topic_id: WireIdentifier::named("t").unwrap(),
            partition_id: 3,
            fsync: true,
        };
        let bytes = request.to_bytes();
        assert_eq!(
            decode(codes::FLUSH_UNSAVED_BUFFER, &bytes),
            Ok(Command::FlushUnsavedBuffer {
                stream: Identifier::Numeric(1),
                topic: Identifier::Name("t".into()),
                partition_id: 3,
                fsync: true,
            })
        );
        for end in 0..bytes.len() {
            assert_eq!(
                decode(codes::FLUSH_UNSAVED_BUFFER, &bytes[..end]),
                Err(IggyError::InvalidCommand)
            );
        }
    }
}
