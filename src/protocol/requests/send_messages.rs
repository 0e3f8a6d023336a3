//! SendMessages (101, binary-protocol.md §6.1–6.4): metadata, index table, message area.
//!
//! The message area is split off the frame's own buffer, never copied: the frames go to
//! the partition actor in the bytes the socket delivered them in. Everything is validated
//! here, in the spec's order, so the partition can walk the frames by their lengths.

use crate::protocol::identifier::read_identifier;
use bytes::BytesMut;
use iggy_actors::bytes_io::{u32_at, u64_at, ByteReader};
use iggy_actors::identifier::Identifier;
use iggy_actors::IggyError;

/// Size of a message frame's fixed header (§6.3).
pub const MESSAGE_HEADER_SIZE: usize = 64;
/// Size of one index entry of the request (§6.2).
const INDEX_ENTRY_SIZE: usize = 16;
/// Largest payload of one message.
pub const MAX_PAYLOAD_SIZE: u64 = 64_000_000;
/// Largest user-header block of one message.
pub const MAX_USER_HEADERS_SIZE: u64 = 100_000;

const PARTITIONING_BALANCED: u8 = 1;
const PARTITIONING_PARTITION_ID: u8 = 2;
const PARTITIONING_MESSAGES_KEY: u8 = 3;

/// How the partition is chosen (§3.4, §8.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Partitioning {
    Balanced,
    PartitionId(u32),
    MessagesKey(Vec<u8>),
}

/// A decoded, validated SendMessages request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendMessages {
    pub stream: Identifier,
    pub topic: Identifier,
    pub partitioning: Partitioning,
    pub count: u32,
    /// `count` message frames back to back, `reserved` fields zeroed.
    pub frames: BytesMut,
    /// End of each frame within `frames`, as validated.
    pub ends: Vec<u32>,
}

/// Decodes and validates a SendMessages payload; the message area becomes `frames`
/// without a copy.
pub fn decode(mut payload: BytesMut) -> Result<SendMessages, IggyError> {
    let metadata_end = metadata_end(&payload)?;
    let (stream, topic, partitioning, count) = read_metadata(&payload[4..metadata_end])?;
    if count == 0 {
        return Err(IggyError::InvalidMessagesCount);
    }
    let area_start = (count as usize)
        .checked_mul(INDEX_ENTRY_SIZE)
        .and_then(|len| metadata_end.checked_add(len))
        .filter(|end| *end <= payload.len())
        .ok_or(IggyError::InvalidCommand)?;
    let mut frames = payload.split_off(area_start);
    let ends = validate(&payload[metadata_end..], &mut frames, count)?;
    Ok(SendMessages {
        stream,
        topic,
        partitioning,
        count,
        frames,
        ends,
    })
}

/// End of the metadata: 4 + `metadata_length`, which must lie inside the payload.
fn metadata_end(payload: &[u8]) -> Result<usize, IggyError> {
    let length = ByteReader::new(payload)
        .u32()
        .map_err(|_| IggyError::InvalidCommand)?;
    (length as usize)
        .checked_add(4)
        .filter(|end| *end <= payload.len())
        .ok_or(IggyError::InvalidCommand)
}

type Metadata = (Identifier, Identifier, Partitioning, u32);

/// Stream and topic (any problem → `InvalidIdentifier`), partitioning (→ 3 or 4028) and
/// the message count read just after the partitioning.
fn read_metadata(metadata: &[u8]) -> Result<Metadata, IggyError> {
    let mut r = ByteReader::new(metadata);
    let stream = read_identifier(&mut r).map_err(|_| IggyError::InvalidIdentifier)?;
    let topic = read_identifier(&mut r).map_err(|_| IggyError::InvalidIdentifier)?;
    let partitioning = read_partitioning(&mut r)?;
    let count = r.u32().map_err(|_| IggyError::InvalidCommand)?;
    Ok((stream, topic, partitioning, count))
}

fn read_partitioning(r: &mut ByteReader<'_>) -> Result<Partitioning, IggyError> {
    let truncated = |_| IggyError::InvalidCommand;
    let kind = r.u8().map_err(truncated)?;
    let length = r.u8().map_err(truncated)?;
    match (kind, length) {
        (PARTITIONING_BALANCED, 0) => Ok(Partitioning::Balanced),
        (PARTITIONING_PARTITION_ID, 4) => {
            Ok(Partitioning::PartitionId(r.u32().map_err(truncated)?))
        }
        (PARTITIONING_MESSAGES_KEY, 0) => Err(IggyError::InvalidKeyValueLength),
        (PARTITIONING_MESSAGES_KEY, n) => Ok(Partitioning::MessagesKey(
            r.bytes(n as usize).map_err(truncated)?.to_vec(),
        )),
        _ => Err(IggyError::InvalidCommand),
    }
}

/// Checks every index entry and frame (§6.4) and zeroes non-zero `reserved` fields.
/// Message i spans from entry i−1's position (0 for the first) to entry i's position;
/// the last message ends at the end of the area. Answers where each frame ends (the sizes
/// add up to the area, so every frame fills its span exactly).
fn validate(index: &[u8], area: &mut [u8], count: u32) -> Result<Vec<u32>, IggyError> {
    let entries = index.chunks_exact(INDEX_ENTRY_SIZE);
    if entries.len() != count as usize {
        return Err(IggyError::InvalidCommand);
    }
    let area_len = area.len();
    let mut start = 0usize;
    let mut total = 0u64;
    let mut ends = Vec::with_capacity(count as usize);
    for (i, entry) in entries.enumerate() {
        // Every entry is INDEX_ENTRY_SIZE bytes (chunks_exact), so the fields are there.
        let (offset, position, timestamp) = (
            u32_at(entry, 0).unwrap_or_default(),
            u32_at(entry, 4).unwrap_or_default(),
            u64_at(entry, 8).unwrap_or_default(),
        );
        if offset != 0 {
            return Err(IggyError::NonZeroOffset);
        }
        if timestamp != 0 {
            return Err(IggyError::NonZeroTimestamp);
        }
        let end = if i + 1 == count as usize {
            area_len
        } else {
            position as usize
        };
        let frame = area
            .get_mut(start..end)
            .ok_or(IggyError::InvalidMessagesSize)?;
        total += check_frame(frame)?;
        ends.push(u32::try_from(end).map_err(|_| IggyError::InvalidMessagesSize)?);
        start = end;
    }
    if total != area_len as u64 {
        return Err(IggyError::InvalidMessagesSize);
    }
    Ok(ends)
}

/// Checks one message span and answers the size of the frame it holds.
fn check_frame(span: &mut [u8]) -> Result<u64, IggyError> {
    let span_len = span.len();
    let header = span
        .get_mut(48..MESSAGE_HEADER_SIZE)
        .ok_or(IggyError::MissingIndex)?;
    // The header slice is 16 bytes (48..64), so the fields are there.
    let user_headers = u64::from(u32_at(header, 0).unwrap_or_default());
    let payload = u64::from(u32_at(header, 4).unwrap_or_default());
    let size = MESSAGE_HEADER_SIZE as u64 + payload + user_headers;
    if size > span_len as u64 {
        return Err(IggyError::MissingIndex);
    }
    if payload > MAX_PAYLOAD_SIZE {
        return Err(IggyError::TooBigMessagePayload);
    }
    if user_headers > MAX_USER_HEADERS_SIZE {
        return Err(IggyError::TooBigUserHeaders);
    }
    if u64_at(header, 8).unwrap_or_default() != 0 {
        // The SDK rejects a polled message whose reserved field is not zero.
        header[8..].fill(0);
    }
    Ok(size)
}

#[cfg(test)]
#[path = "send_messages_tests.rs"]
mod tests;
