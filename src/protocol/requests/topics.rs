//! Topic requests (binary-protocol.md §5.8): 300–305.

use super::{read_error, Command};
use crate::protocol::identifier::read_identifier;
use iggy_actors::bytes_io::ByteReader;
use iggy_actors::metadata::TopicSettings;
use iggy_actors::IggyError;

/// Compression algorithm codes (§3.8): 1 = none, 2 = gzip.
const COMPRESSION_NONE: u8 = 1;
const COMPRESSION_GZIP: u8 = 2;

/// GetTopic (300): stream and topic Identifiers.
pub fn get_topic(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let stream = read_identifier(r)?;
    let topic = read_identifier(r)?;
    Ok(Command::GetTopic { stream, topic })
}

/// GetTopics (301): stream Identifier.
pub fn get_topics(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let stream = read_identifier(r)?;
    Ok(Command::GetTopics { stream })
}

/// CreateTopic (302): stream, partitions_count u32, then the settings and name8.
pub fn create_topic(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let stream = read_identifier(r)?;
    let partitions_count = r.u32().map_err(read_error)?;
    let (settings, name) = read_settings_and_name(r)?;
    Ok(Command::CreateTopic {
        stream,
        name,
        partitions_count,
        settings,
    })
}

/// DeleteTopic (303): stream and topic Identifiers.
pub fn delete_topic(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let stream = read_identifier(r)?;
    let topic = read_identifier(r)?;
    Ok(Command::DeleteTopic { stream, topic })
}

/// UpdateTopic (304): stream and topic Identifiers, then the settings and name8.
pub fn update_topic(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let stream = read_identifier(r)?;
    let topic = read_identifier(r)?;
    let (settings, name) = read_settings_and_name(r)?;
    Ok(Command::UpdateTopic {
        stream,
        topic,
        name,
        settings,
    })
}

/// PurgeTopic (305): stream and topic Identifiers.
pub fn purge_topic(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let stream = read_identifier(r)?;
    let topic = read_identifier(r)?;
    Ok(Command::PurgeTopic { stream, topic })
}

/// compression u8, message_expiry u64, max_topic_size u64, replication_factor u8, name8:
/// the common tail of CreateTopic and UpdateTopic.
fn read_settings_and_name(r: &mut ByteReader<'_>) -> Result<(TopicSettings, String), IggyError> {
    let compression_algorithm = r.u8().map_err(read_error)?;
    if !matches!(compression_algorithm, COMPRESSION_NONE | COMPRESSION_GZIP) {
        return Err(IggyError::InvalidCommand);
    }
    let message_expiry = r.u64().map_err(read_error)?;
    let max_topic_size = r.u64().map_err(read_error)?;
    let replication_factor = r.u8().map_err(read_error)?;
    let name = r.name8().map_err(read_error)?.to_string();
    let settings = TopicSettings {
        compression_algorithm,
        message_expiry,
        max_topic_size,
        replication_factor,
    };
    Ok((settings, name))
}

#[cfg(test)]
mod tests {
    use crate::protocol::codes;
    use crate::protocol::requests::{decode, Command};
    use iggy_actors::identifier::Identifier;
    use iggy_actors::metadata::TopicSettings;
    use iggy_actors::IggyError;
    use iggy_binary_protocol::requests::topics::{
        CreateTopicRequest, DeleteTopicRequest, GetTopicRequest, GetTopicsRequest,
        PurgeTopicRequest, UpdateTopicRequest,
    };
    use iggy_binary_protocol::{WireEncode, WireIdentifier, WireName};

    fn num(id: u32) -> WireIdentifier {
        WireIdentifier::numeric(id)
    }

    fn named(s: &str) -> WireIdentifier {
        WireIdentifier::named(s).unwrap()
    }

    fn create_request(compression_algorithm: u8) -> CreateTopicRequest {
        CreateTopicRequest {
            stream_id: named("orders"),
            partitions_count: 3,
            compression_algorithm,
            message_expiry: 0,
            max_topic_size: u64::MAX,
            replication_factor: 0,
            name: WireName::new("events").unwrap(),
        }
    }

    #[test]
    fn sdk_encodings_decode() {
        let s = || Identifier::Name("orders".into());
        let t = || Identifier::Numeric(2);
        let get = GetTopicRequest {
            stream_id: named("orders"),
            topic_id: num(2),
        };
        assert_eq!(
            decode(codes::GET_TOPIC, &get.to_bytes()),
            Ok(Command::GetTopic {
                stream: s(),
                topic: t()
            })
        );
        let list = GetTopicsRequest {
            stream_id: named("orders"),
        };
        assert_eq!(
            decode(codes::GET_TOPICS, &list.to_bytes()),
            Ok(Command::GetTopics { stream: s() })
        );
        let delete = DeleteTopicRequest {
            stream_id: named("orders"),
            topic_id: num(2),
        };
        assert_eq!(
            decode(codes::DELETE_TOPIC, &delete.to_bytes()),
            Ok(Command::DeleteTopic {
                stream: s(),
                topic: t()
            })
        );
        let purge = PurgeTopicRequest {
            stream_id: named("orders"),
            topic_id: num(2),
        };
        assert_eq!(
            decode(codes::PURGE_TOPIC, &purge.to_bytes()),
            Ok(Command::PurgeTopic {
                stream: s(),
                topic: t()
            })
        );
    }

    #[test]
    fn create_topic_from_the_sdk() {
        assert_eq!(
            decode(codes::CREATE_TOPIC, &create_request(2).to_bytes()),
            Ok(Command::CreateTopic {
                stream: Identifier::Name("orders".into()),
                name: "events".into(),
                partitions_count: 3,
                settings: TopicSettings {
                    compression_algorithm: 2,
                    message_expiry: 0,
                    max_topic_size: u64::MAX,
                    replication_factor: 0,
                },
            })
        );
    }

    #[test]
    fn create_topic_by_hand_with_offsets() {
        // Numeric stream 0, 1 partition, none, expiry 1_000_000 µs, size 0, rf 1, "t".
        let mut p = vec![1, 4, 0, 0, 0, 0];
        p.extend_from_slice(&1u32.to_le_bytes()); // +0
        p.push(1); // +4
        p.extend_from_slice(&1_000_000u64.to_le_bytes()); // +5
        p.extend_from_slice(&0u64.to_le_bytes()); // +13
        p.push(1); // +21
        p.extend_from_slice(&[1, b't']); // +22
        assert_eq!(p.len(), 6 + 22 + 2);
        assert_eq!(
            decode(codes::CREATE_TOPIC, &p),
            Ok(Command::CreateTopic {
                stream: Identifier::Numeric(0),
                name: "t".into(),
                partitions_count: 1,
                settings: TopicSettings {
                    compression_algorithm: 1,
                    message_expiry: 1_000_000,
                    max_topic_size: 0,
                    replication_factor: 1,
                },
            })
        );
        // Every truncation is InvalidCommand.
        for end in 0..p.len() {
            assert_eq!(
                decode(codes::CREATE_TOPIC, &p[..end]),
                Err(IggyError::InvalidCommand),
                "cut at {end}"
            );
        }
    }

    #[test]
    fn update_topic_from_the_sdk() {
        let update = UpdateTopicRequest {
            stream_id: num(1),
            topic_id: named("events"),
            compression_algorithm: 1,
            message_expiry: u64::MAX,
            max_topic_size: 0,
            replication_factor: 3,
            name: WireName::new("renamed").unwrap(),
        };
        assert_eq!(
            decode(codes::UPDATE_TOPIC, &update.to_bytes()),
            Ok(Command::UpdateTopic {
                stream: Identifier::Numeric(1),
                topic: Identifier::Name("events".into()),
                name: "renamed".into(),
                settings: TopicSettings {
                    compression_algorithm: 1,
                    message_expiry: u64::MAX,
                    max_topic_size: 0,
                    replication_factor: 3,
                },
            })
        );
        let mut bad = update.clone();
        bad.compression_algorithm = 0;
        assert_eq!(
            decode(codes::UPDATE_TOPIC, &bad.to_bytes()),
            Err(IggyError::InvalidCommand)
        );
    }

    #[test]
    fn malformed_payloads() {
        for compression in [0, 3, 255] {
            assert_eq!(
                decode(codes::CREATE_TOPIC, &create_request(compression).to_bytes()),
                Err(IggyError::InvalidCommand),
                "compression {compression}"
            );
        }
        // Empty topic name.
        let mut empty_name = create_request(1).to_bytes().to_vec();
        let last = empty_name.len() - 7; // name8 "events" is 7 bytes
        empty_name.truncate(last);
        empty_name.push(0);
        assert_eq!(
            decode(codes::CREATE_TOPIC, &empty_name),
            Err(IggyError::InvalidFormat)
        );
        let cases: &[(u32, &[u8], IggyError)] = &[
            (
                codes::GET_TOPIC,
                &[1, 4, 0, 0, 0, 0],
                IggyError::InvalidCommand,
            ),
            (
                codes::GET_TOPIC,
                &[1, 4, 0, 0, 0, 0, 5, 1, b'x'],
                IggyError::InvalidCommand,
            ),
            (
                codes::GET_TOPIC,
                &[1, 4, 0, 0, 0, 0, 1, 1, 0],
                IggyError::InvalidFormat,
            ),
            (codes::GET_TOPICS, &[2, 0], IggyError::InvalidFormat),
            (codes::GET_TOPICS, &[], IggyError::InvalidCommand),
            (
                codes::DELETE_TOPIC,
                &[2, 1, b's', 2, 0],
                IggyError::InvalidFormat,
            ),
            (
                codes::PURGE_TOPIC,
                &[2, 1, b's', 2, 2, b'x'],
                IggyError::InvalidCommand,
            ),
        ];
        for (code, payload, expected) in cases {
            assert_eq!(
                decode(*code, payload),
                Err(*expected),
                "code {code} payload {payload:?}"
            );
        }
    }
}
