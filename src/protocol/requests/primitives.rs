//! Primitives of the message and offset requests (binary-protocol.md §3.3, §3.5, §3.6):
//! consumer, polling strategy and the optional partition id.

use super::read_error;
use crate::protocol::identifier::read_identifier;
use iggy_actors::bytes_io::ByteReader;
use iggy_actors::identifier::Identifier;
use iggy_actors::partition::messages::PollingStrategy;
use iggy_actors::IggyError;

const CONSUMER_KIND_INDIVIDUAL: u8 = 1;
const CONSUMER_KIND_GROUP: u8 = 2;

/// Who polls or stores offsets, as the request names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consumer {
    /// An individual consumer: its numeric id, or the XXH32 (seed 0) of its name.
    Individual(u32),
    /// A consumer group, resolved against the addressed topic by the handler.
    Group(Identifier),
}

/// The key an individual consumer's offsets are stored under (§3.3).
pub fn consumer_key(id: &Identifier) -> u32 {
    match id {
        Identifier::Numeric(n) => *n,
        Identifier::Name(name) => xxhash_rust::xxh32::xxh32(name.as_bytes(), 0),
    }
}

/// Consumer: kind (1 individual, 2 group) + Identifier. Unknown kind → `InvalidCommand`.
pub fn read_consumer(r: &mut ByteReader<'_>) -> Result<Consumer, IggyError> {
    // The kind is checked before the identifier is read, as the SDK's decoder does.
    match r.u8().map_err(read_error)? {
        CONSUMER_KIND_INDIVIDUAL => Ok(Consumer::Individual(consumer_key(&read_identifier(r)?))),
        CONSUMER_KIND_GROUP => Ok(Consumer::Group(read_identifier(r)?)),
        _ => Err(IggyError::InvalidCommand),
    }
}

/// Optional partition id: always 5 bytes; only a flag of exactly 1 means "present".
pub fn read_optional_partition(r: &mut ByteReader<'_>) -> Result<Option<u32>, IggyError> {
    let flag = r.u8().map_err(read_error)?;
    let id = r.u32().map_err(read_error)?;
    Ok((flag == 1).then_some(id))
}

/// Polling strategy: kind (1..=5) + u64 value, 9 bytes. Unknown kind → `InvalidCommand`.
pub fn read_polling_strategy(r: &mut ByteReader<'_>) -> Result<PollingStrategy, IggyError> {
    let kind = r.u8().map_err(read_error)?;
    let value = r.u64().map_err(read_error)?;
    match kind {
        1 => Ok(PollingStrategy::Offset(value)),
        2 => Ok(PollingStrategy::Timestamp(value)),
        3 => Ok(PollingStrategy::First),
        4 => Ok(PollingStrategy::Last),
        5 => Ok(PollingStrategy::Next),
        _ => Err(IggyError::InvalidCommand),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumers() {
        let mut r = ByteReader::new(&[1, 1, 4, 7, 0, 0, 0]);
        assert_eq!(read_consumer(&mut r), Ok(Consumer::Individual(7)));
        let mut r = ByteReader::new(&[1, 2, 2, b'c', b'1']);
        assert_eq!(
            read_consumer(&mut r),
            Ok(Consumer::Individual(xxhash_rust::xxh32::xxh32(b"c1", 0)))
        );
        let mut r = ByteReader::new(&[2, 2, 1, b'g']);
        assert_eq!(
            read_consumer(&mut r),
            Ok(Consumer::Group(Identifier::Name("g".into())))
        );
        let mut r = ByteReader::new(&[3, 1, 4, 7, 0, 0, 0]);
        assert_eq!(read_consumer(&mut r), Err(IggyError::InvalidCommand));
        let mut r = ByteReader::new(&[1, 1, 4, 7]);
        assert_eq!(read_consumer(&mut r), Err(IggyError::InvalidCommand));
    }

    #[test]
    fn optional_partition_counts_only_1_as_present() {
        for (flag, expected) in [(1, Some(9)), (0, None), (2, None), (255, None)] {
            let bytes = [flag, 9, 0, 0, 0];
            let mut r = ByteReader::new(&bytes);
            assert_eq!(read_optional_partition(&mut r), Ok(expected));
        }
        let mut r = ByteReader::new(&[1, 9, 0, 0]);
        assert_eq!(
            read_optional_partition(&mut r),
            Err(IggyError::InvalidCommand)
        );
    }

    #[test]
    fn polling_strategies() {
        let strategy = |kind: u8, value: u64| {
            let mut bytes = vec![kind];
            bytes.extend_from_slice(&value.to_le_bytes());
            read_polling_strategy(&mut ByteReader::new(&bytes))
        };
        assert_eq!(strategy(1, 5), Ok(PollingStrategy::Offset(5)));
        assert_eq!(strategy(2, 6), Ok(PollingStrategy::Timestamp(6)));
        assert_eq!(strategy(3, 0), Ok(PollingStrategy::First));
        assert_eq!(strategy(4, 0), Ok(PollingStrategy::Last));
        assert_eq!(strategy(5, 9), Ok(PollingStrategy::Next));
        assert_eq!(strategy(0, 0), Err(IggyError::InvalidCommand));
        assert_eq!(strategy(6, 0), Err(IggyError::InvalidCommand));
        let mut r = ByteReader::new(&[1, 0, 0]);
        assert_eq!(
            read_polling_strategy(&mut r),
            Err(IggyError::InvalidCommand)
        );
    }
}
