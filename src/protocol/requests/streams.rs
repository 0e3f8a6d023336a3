//! Stream requests (binary-protocol.md §5.7): 200–205.

use super::{read_error, Command};
use crate::protocol::identifier::read_identifier;
use iggy_actors::bytes_io::ByteReader;
use iggy_actors::IggyError;

/// GetStream (200): Identifier.
pub fn get_stream(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let stream = read_identifier(r)?;
    Ok(Command::GetStream { stream })
}

/// CreateStream (202): name8.
pub fn create_stream(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let name = r.name8().map_err(read_error)?.to_string();
    Ok(Command::CreateStream { name })
}

/// DeleteStream (203): Identifier.
pub fn delete_stream(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let stream = read_identifier(r)?;
    Ok(Command::DeleteStream { stream })
}

/// UpdateStream (204): Identifier + name8.
pub fn update_stream(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let stream = read_identifier(r)?;
    let name = r.name8().map_err(read_error)?.to_string();
    Ok(Command::UpdateStream { stream, name })
}

/// PurgeStream (205): Identifier.
pub fn purge_stream(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let stream = read_identifier(r)?;
    Ok(Command::PurgeStream { stream })
}

#[cfg(test)]
mod tests {
    use crate::protocol::codes;
    use crate::protocol::requests::{decode, Command};
    use iggy_actors::identifier::Identifier;
    use iggy_actors::IggyError;
    use iggy_binary_protocol::requests::streams::{
        CreateStreamRequest, DeleteStreamRequest, GetStreamRequest, GetStreamsRequest,
        PurgeStreamRequest, UpdateStreamRequest,
    };
    use iggy_binary_protocol::{WireEncode, WireIdentifier, WireName};

    fn name(s: &str) -> WireName {
        WireName::new(s).unwrap()
    }

    #[test]
    fn sdk_encodings_decode() {
        let by_name = WireIdentifier::named("orders").unwrap();
        let get = GetStreamRequest {
            stream_id: by_name.clone(),
        };
        assert_eq!(
            decode(codes::GET_STREAM, &get.to_bytes()),
            Ok(Command::GetStream {
                stream: Identifier::Name("orders".into())
            })
        );
        assert_eq!(
            decode(codes::GET_STREAMS, &GetStreamsRequest.to_bytes()),
            Ok(Command::GetStreams)
        );
        let create = CreateStreamRequest {
            name: name("orders"),
        };
        assert_eq!(
            decode(codes::CREATE_STREAM, &create.to_bytes()),
            Ok(Command::CreateStream {
                name: "orders".into()
            })
        );
        let delete = DeleteStreamRequest {
            stream_id: WireIdentifier::numeric(3),
        };
        assert_eq!(
            decode(codes::DELETE_STREAM, &delete.to_bytes()),
            Ok(Command::DeleteStream {
                stream: Identifier::Numeric(3)
            })
        );
        let update = UpdateStreamRequest {
            stream_id: WireIdentifier::numeric(0),
            name: name("renamed"),
        };
        assert_eq!(
            decode(codes::UPDATE_STREAM, &update.to_bytes()),
            Ok(Command::UpdateStream {
                stream: Identifier::Numeric(0),
                name: "renamed".into()
            })
        );
        let purge = PurgeStreamRequest { stream_id: by_name };
        assert_eq!(
            decode(codes::PURGE_STREAM, &purge.to_bytes()),
            Ok(Command::PurgeStream {
                stream: Identifier::Name("orders".into())
            })
        );
    }

    #[test]
    fn hand_built_payloads() {
        // Spec §3.2: numeric identifier 1 = 01 04 01 00 00 00.
        assert_eq!(
            decode(codes::GET_STREAM, &[1, 4, 1, 0, 0, 0]),
            Ok(Command::GetStream {
                stream: Identifier::Numeric(1)
            })
        );
        // Trailing bytes are tolerated.
        assert_eq!(
            decode(codes::CREATE_STREAM, &[2, b'a', b'b', 0xAA]),
            Ok(Command::CreateStream { name: "ab".into() })
        );
        assert_eq!(
            decode(codes::UPDATE_STREAM, &[2, 1, b's', 1, b't']),
            Ok(Command::UpdateStream {
                stream: Identifier::Name("s".into()),
                name: "t".into()
            })
        );
    }

    #[test]
    fn malformed_payloads() {
        let cases: &[(u32, &[u8], IggyError)] = &[
            (codes::GET_STREAM, &[], IggyError::InvalidCommand),
            (
                codes::GET_STREAM,
                &[9, 4, 1, 0, 0, 0],
                IggyError::InvalidCommand,
            ),
            (
                codes::GET_STREAM,
                &[1, 3, 1, 0, 0],
                IggyError::InvalidFormat,
            ),
            (codes::DELETE_STREAM, &[2, 0], IggyError::InvalidFormat),
            (
                codes::PURGE_STREAM,
                &[1, 4, 1, 0],
                IggyError::InvalidCommand,
            ),
            (codes::CREATE_STREAM, &[], IggyError::InvalidCommand),
            (codes::CREATE_STREAM, &[0], IggyError::InvalidFormat),
            (
                codes::CREATE_STREAM,
                &[3, b'a', b'b'],
                IggyError::InvalidCommand,
            ),
            (
                codes::CREATE_STREAM,
                &[2, 0xc3, 0x28],
                IggyError::InvalidCommand,
            ),
            (
                codes::UPDATE_STREAM,
                &[1, 4, 1, 0, 0, 0],
                IggyError::InvalidCommand,
            ),
            (
                codes::UPDATE_STREAM,
                &[1, 4, 1, 0, 0, 0, 0],
                IggyError::InvalidFormat,
            ),
            (
                codes::UPDATE_STREAM,
                &[7, 1, b'x', 1, b'y'],
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
