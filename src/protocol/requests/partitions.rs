//! Partition and segment requests (binary-protocol.md §5.9): 402, 403, 503.

use super::{read_error, Command};
use crate::protocol::identifier::read_identifier;
use iggy_actors::bytes_io::ByteReader;
use iggy_actors::IggyError;

/// CreatePartitions (402): stream, topic, partitions_count u32.
pub fn create_partitions(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let stream = read_identifier(r)?;
    let topic = read_identifier(r)?;
    let count = r.u32().map_err(read_error)?;
    Ok(Command::CreatePartitions {
        stream,
        topic,
        count,
    })
}

/// DeletePartitions (403): same layout as CreatePartitions.
pub fn delete_partitions(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let stream = read_identifier(r)?;
    let topic = read_identifier(r)?;
    let count = r.u32().map_err(read_error)?;
    Ok(Command::DeletePartitions {
        stream,
        topic,
        count,
    })
}

/// DeleteSegments (503): stream, topic, partition_id u32, segments_count u32.
pub fn delete_segments(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let stream = read_identifier(r)?;
    let topic = read_identifier(r)?;
    let partition_id = r.u32().map_err(read_error)?;
    let count = r.u32().map_err(read_error)?;
    Ok(Command::DeleteSegments {
        stream,
        topic,
        partition_id,
        count,
    })
}

#[cfg(test)]
mod tests {
    use crate::protocol::codes;
    use crate::protocol::requests::{decode, Command};
    use iggy_actors::identifier::Identifier;
    use iggy_actors::IggyError;
    use iggy_binary_protocol::requests::partitions::{
        CreatePartitionsRequest, DeletePartitionsRequest,
    };
    use iggy_binary_protocol::requests::segments::DeleteSegmentsRequest;
    use iggy_binary_protocol::{WireEncode, WireIdentifier};

    fn s() -> Identifier {
        Identifier::Name("orders".into())
    }

    fn t() -> Identifier {
        Identifier::Numeric(1)
    }

    fn wire_s() -> WireIdentifier {
        WireIdentifier::named("orders").unwrap()
    }

    #[test]
    fn sdk_encodings_decode() {
        let create = CreatePartitionsRequest {
            stream_id: wire_s(),
            topic_id: WireIdentifier::numeric(1),
            partitions_count: 5,
        };
        assert_eq!(
            decode(codes::CREATE_PARTITIONS, &create.to_bytes()),
            Ok(Command::CreatePartitions {
                stream: s(),
                topic: t(),
                count: 5
            })
        );
        let delete = DeletePartitionsRequest {
            stream_id: wire_s(),
            topic_id: WireIdentifier::numeric(1),
            partitions_count: 2,
        };
        assert_eq!(
            decode(codes::DELETE_PARTITIONS, &delete.to_bytes()),
            Ok(Command::DeletePartitions {
                stream: s(),
                topic: t(),
                count: 2
            })
        );
        let segments = DeleteSegmentsRequest {
            stream_id: wire_s(),
            topic_id: WireIdentifier::numeric(1),
            partition_id: 0,
            segments_count: 7,
        };
        assert_eq!(
            decode(codes::DELETE_SEGMENTS, &segments.to_bytes()),
            Ok(Command::DeleteSegments {
                stream: s(),
                topic: t(),
                partition_id: 0,
                count: 7
            })
        );
    }

    #[test]
    fn hand_built_and_malformed_payloads() {
        let p = [1, 4, 0, 0, 0, 0, 1, 4, 1, 0, 0, 0, 9, 0, 0, 0, 2, 0, 0, 0];
        assert_eq!(
            decode(codes::DELETE_SEGMENTS, &p),
            Ok(Command::DeleteSegments {
                stream: Identifier::Numeric(0),
                topic: Identifier::Numeric(1),
                partition_id: 9,
                count: 2
            })
        );
        for end in 0..p.len() {
            assert_eq!(
                decode(codes::DELETE_SEGMENTS, &p[..end]),
                Err(IggyError::InvalidCommand),
                "cut at {end}"
            );
        }
        for end in 0..16 {
            for code in [codes::CREATE_PARTITIONS, codes::DELETE_PARTITIONS] {
                assert_eq!(decode(code, &p[..end]), Err(IggyError::InvalidCommand));
            }
        }
        let cases: &[(&[u8], IggyError)] = &[
            (
                &[4, 4, 0, 0, 0, 0, 1, 4, 1, 0, 0, 0, 1, 0, 0, 0],
                IggyError::InvalidCommand,
            ),
            (
                &[1, 4, 0, 0, 0, 0, 1, 2, 1, 0, 1, 0, 0, 0],
                IggyError::InvalidFormat,
            ),
            (
                &[2, 0, 1, 4, 1, 0, 0, 0, 1, 0, 0, 0],
                IggyError::InvalidFormat,
            ),
        ];
        for (payload, expected) in cases {
            assert_eq!(
                decode(codes::CREATE_PARTITIONS, payload),
                Err(*expected),
                "{payload:?}"
            );
        }
    }
}
