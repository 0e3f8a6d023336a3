//! The 64-byte message header (binary protocol §6.3) and what the partition fills in.
//!
//! ```text
//! 0 checksum u64 | 8 id u128 | 24 offset u64 | 32 timestamp u64 | 40 origin timestamp u64
//! 48 user-headers length u32 | 52 payload length u32 | 56 reserved u64 | 64 payload | headers
//! ```

use crate::bytes_io::{u32_at, u64_at};

pub const HEADER_SIZE: usize = 64;
const ID: usize = 8;
const OFFSET: usize = 24;
const TIMESTAMP: usize = 32;
const HEADERS_LEN: usize = 48;
const PAYLOAD_LEN: usize = 52;

/// The byte range of each frame in a buffer of frames that end at `ends` (relative to the
/// buffer's start, increasing).
pub fn spans(ends: &[u32]) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let starts = std::iter::once(0).chain(ends.iter().map(|e| *e as usize));
    starts.zip(ends).map(|(start, end)| start..*end as usize)
}

/// The size of the frame whose header starts `header`, if the header is complete.
pub fn frame_len(header: &[u8]) -> Option<usize> {
    let headers = u32_at(header, HEADERS_LEN)? as usize;
    let payload = u32_at(header, PAYLOAD_LEN)? as usize;
    Some(HEADER_SIZE + payload + headers)
}

/// The payload and the user-headers block of a frame, when its lengths fit it.
pub fn body(frame: &[u8]) -> Option<(&[u8], &[u8])> {
    let payload = u32_at(frame, PAYLOAD_LEN)? as usize;
    let headers = u32_at(frame, HEADERS_LEN)? as usize;
    let rest = frame.get(HEADER_SIZE..)?;
    let (payload, rest) = rest.split_at_checked(payload)?;
    Some((payload, rest.get(..headers)?))
}

/// Writes the payload and user-headers lengths into a header.
pub fn set_lengths(header: &mut [u8], payload: u32, headers: u32) {
    if header.len() >= HEADER_SIZE {
        header[PAYLOAD_LEN..PAYLOAD_LEN + 4].copy_from_slice(&payload.to_le_bytes());
        header[HEADERS_LEN..HEADERS_LEN + 4].copy_from_slice(&headers.to_le_bytes());
    }
}

/// Writes the checksum of the frame as it is now.
pub fn set_checksum(frame: &mut [u8]) {
    if frame.len() >= HEADER_SIZE {
        let sum = compute_checksum(frame);
        frame[..8].copy_from_slice(&sum.to_le_bytes());
    }
}

pub fn offset(frame: &[u8]) -> Option<u64> {
    u64_at(frame, OFFSET)
}

pub fn timestamp(frame: &[u8]) -> Option<u64> {
    u64_at(frame, TIMESTAMP)
}

pub fn checksum(frame: &[u8]) -> Option<u64> {
    u64_at(frame, 0)
}

pub fn id(frame: &[u8]) -> Option<u128> {
    frame.get(ID..ID + 16).map(|s| {
        let mut a = [0u8; 16];
        a.copy_from_slice(s);
        u128::from_le_bytes(a)
    })
}

/// XXH3-64 (seed 0) of everything after the checksum field.
pub fn compute_checksum(frame: &[u8]) -> u64 {
    twox_hash::XxHash3_64::oneshot(frame.get(8..).unwrap_or_default())
}

/// True when the stored checksum matches the frame.
pub fn checksum_ok(frame: &[u8]) -> bool {
    checksum(frame) == Some(compute_checksum(frame))
}

/// Fills in a frame the partition accepted: offset, timestamp, a random id when the
/// producer sent 0, then the checksum. `frame` is exactly one validated frame.
pub fn stamp(frame: &mut [u8], offset: u64, timestamp: u64, rng: &mut impl rand::RngCore) {
    if frame.len() < HEADER_SIZE {
        return;
    }
    if id(frame) == Some(0) {
        frame[ID..ID + 16].copy_from_slice(&random_uuid_v4(rng).to_le_bytes());
    }
    frame[OFFSET..OFFSET + 8].copy_from_slice(&offset.to_le_bytes());
    frame[TIMESTAMP..TIMESTAMP + 8].copy_from_slice(&timestamp.to_le_bytes());
    set_checksum(frame);
}

/// A random UUID v4 as the little-endian u128 of its 16 bytes: byte 6 carries the
/// version (4), byte 8 the variant (0b10).
fn random_uuid_v4(rng: &mut impl rand::RngCore) -> u128 {
    let random = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
    let version = (random & !(0xf0 << 48)) | (0x40 << 48);
    (version & !(0xc0 << 64)) | (0x80 << 64)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn frame(payload: &[u8], id: u128) -> Vec<u8> {
        let mut f = vec![0u8; HEADER_SIZE];
        f[ID..ID + 16].copy_from_slice(&id.to_le_bytes());
        f[PAYLOAD_LEN..PAYLOAD_LEN + 4].copy_from_slice(&(payload.len() as u32).to_le_bytes());
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn spans_follow_the_ends() {
        assert_eq!(spans(&[3, 5, 9]).collect::<Vec<_>>(), [0..3, 3..5, 5..9]);
        assert_eq!(spans(&[]).count(), 0);
    }

    #[test]
    fn stamping_fills_the_header_and_a_valid_checksum() {
        let mut f = frame(b"hello", 0);
        assert_eq!(frame_len(&f), Some(69));
        let mut rng = rand::thread_rng();
        stamp(&mut f, 42, 1_000, &mut rng);
        assert_eq!(offset(&f), Some(42));
        assert_eq!(timestamp(&f), Some(1_000));
        assert_ne!(id(&f), Some(0));
        assert!(checksum_ok(&f));
        f[66] ^= 1;
        assert!(!checksum_ok(&f));
        let uuid = id(&f).unwrap().to_le_bytes();
        assert_eq!(
            (uuid[6] >> 4, uuid[8] >> 6),
            (4, 0b10),
            "version 4, RFC 4122 variant"
        );
        let mut kept = frame(b"x", 7);
        stamp(&mut kept, 0, 0, &mut rng);
        assert_eq!(id(&kept), Some(7));
    }

    #[test]
    fn checksum_is_xxh3_64_with_seed_0() {
        let f = frame(b"payload", 9);
        assert_eq!(compute_checksum(&f), xxhash_rust::xxh3::xxh3_64(&f[8..]));
    }

    #[test]
    fn short_input_is_none() {
        assert_eq!(frame_len(&[0u8; 10]), None);
        assert_eq!(offset(&[0u8; 10]), None);
    }
}
