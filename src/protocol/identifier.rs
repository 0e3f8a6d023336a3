//! The Identifier primitive (binary-protocol.md §3.2): kind (1 numeric, 2 string), length,
//! value. Decoded in the SDK's order: the announced value is read first, so a truncated
//! identifier is `InvalidCommand` whatever its kind.

use iggy_actors::bytes_io::ByteReader;
use iggy_actors::identifier::Identifier;
use iggy_actors::IggyError;

const KIND_NUMERIC: u8 = 1;
const KIND_STRING: u8 = 2;
const NUMERIC_LENGTH: usize = 4;

/// Reads one identifier. Unknown kind, truncation or invalid UTF-8 → `InvalidCommand`;
/// a numeric length other than 4 or an empty string → `InvalidFormat`.
pub fn read_identifier(r: &mut ByteReader<'_>) -> Result<Identifier, IggyError> {
    let kind = r.u8().map_err(|_| IggyError::InvalidCommand)?;
    let length = r.u8().map_err(|_| IggyError::InvalidCommand)? as usize;
    let value = r.bytes(length).map_err(|_| IggyError::InvalidCommand)?;
    match kind {
        KIND_NUMERIC => {
            let raw: [u8; NUMERIC_LENGTH] =
                value.try_into().map_err(|_| IggyError::InvalidFormat)?;
            Ok(Identifier::Numeric(u32::from_le_bytes(raw)))
        }
        KIND_STRING => {
            if value.is_empty() {
                return Err(IggyError::InvalidFormat);
            }
            let name = std::str::from_utf8(value).map_err(|_| IggyError::InvalidCommand)?;
            Ok(Identifier::Name(name.to_string()))
        }
        _ => Err(IggyError::InvalidCommand),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use bytes::BytesMut;
    use iggy_binary_protocol::{WireEncode, WireIdentifier};

    /// The SDK's own encoding of an identifier.
    pub(crate) fn sdk_id(id: &Identifier) -> BytesMut {
        let wire = match id {
            Identifier::Numeric(n) => WireIdentifier::numeric(*n),
            Identifier::Name(s) => WireIdentifier::named(s.clone()).unwrap(),
        };
        let mut buf = BytesMut::new();
        wire.encode(&mut buf);
        buf
    }

    fn read(bytes: &[u8]) -> Result<(Identifier, usize), IggyError> {
        let mut r = ByteReader::new(bytes);
        let id = read_identifier(&mut r)?;
        Ok((id, r.position()))
    }

    #[test]
    fn numeric_and_string_identifiers() {
        assert_eq!(read(&[1, 4, 7, 0, 0, 0]), Ok((Identifier::Numeric(7), 6)));
        assert_eq!(read(&[1, 4, 0, 0, 0, 0]), Ok((Identifier::Numeric(0), 6)));
        assert_eq!(
            read(&[2, 3, b'a', b'b', b'c', 99]),
            Ok((Identifier::Name("abc".into()), 5))
        );
        for id in [
            Identifier::Numeric(u32::MAX),
            Identifier::Name("orders".into()),
        ] {
            let bytes = sdk_id(&id);
            assert_eq!(read(&bytes), Ok((id, bytes.len())));
        }
    }

    #[test]
    fn malformed_identifiers() {
        // Unknown kind.
        assert_eq!(read(&[3, 4, 1, 0, 0, 0]), Err(IggyError::InvalidCommand));
        assert_eq!(read(&[0, 4, 1, 0, 0, 0]), Err(IggyError::InvalidCommand));
        // Numeric with a length other than 4.
        assert_eq!(read(&[1, 2, 1, 0]), Err(IggyError::InvalidFormat));
        assert_eq!(read(&[1, 0]), Err(IggyError::InvalidFormat));
        assert_eq!(
            read(&[1, 8, 1, 0, 0, 0, 0, 0, 0, 0]),
            Err(IggyError::InvalidFormat)
        );
        // Empty string.
        assert_eq!(read(&[2, 0]), Err(IggyError::InvalidFormat));
        // Invalid UTF-8.
        assert_eq!(read(&[2, 2, 0xff, 0xfe]), Err(IggyError::InvalidCommand));
        // Truncated anywhere.
        for bytes in [&[][..], &[1], &[1, 4], &[1, 4, 1, 0, 0], &[2, 3, b'a']] {
            assert_eq!(read(bytes), Err(IggyError::InvalidCommand), "{bytes:?}");
        }
    }
}
