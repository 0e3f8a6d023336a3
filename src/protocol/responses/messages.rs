//! Message and offset responses: the PollMessages answer (binary-protocol.md §6.6) and
//! the consumer offset (§5.6.1).

use bytes::{BufMut, Bytes, BytesMut};
use iggy_actors::partition::messages::Chunk;

/// Size of the header of a poll answer.
pub const POLL_HEADER_SIZE: usize = 16;

/// The 16-byte header of a poll answer: partition id, current offset, message count.
/// It is sent even when no message follows (the SDK slices it unchecked).
pub fn poll_header(partition_id: u32, current_offset: u64, count: u32) -> Bytes {
    let mut out = BytesMut::with_capacity(POLL_HEADER_SIZE);
    out.put_u32_le(partition_id);
    out.put_u64_le(current_offset);
    out.put_u32_le(count);
    out.freeze()
}

/// The whole poll answer as chunks: the header, then the stored frames back to back,
/// uncopied (ranges of segment files stay ranges, sent from the page cache).
pub fn polled(
    partition_id: u32,
    current_offset: u64,
    count: u32,
    frames: Vec<Chunk>,
) -> Vec<Chunk> {
    let mut chunks = Vec::with_capacity(frames.len() + 1);
    chunks.push(Chunk::Memory(poll_header(
        partition_id,
        current_offset,
        count,
    )));
    chunks.extend(frames.into_iter().filter(|c| !c.is_empty()));
    chunks
}

/// GetConsumerOffset: partition id, current offset, stored offset (20 bytes).
pub fn consumer_offset(partition_id: u32, current_offset: u64, stored_offset: u64) -> Bytes {
    let mut out = BytesMut::with_capacity(20);
    out.put_u32_le(partition_id);
    out.put_u64_le(current_offset);
    out.put_u64_le(stored_offset);
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;
    use iggy::prelude::PolledMessages;
    use iggy_binary_protocol::responses::consumer_offsets::ConsumerOffsetResponse;
    use iggy_binary_protocol::WireDecode;

    /// A stored frame as the partition keeps it: header fields filled in.
    fn frame(offset: u64, payload: &[u8], headers: &[u8]) -> Vec<u8> {
        let mut f = BytesMut::new();
        f.put_u64_le(0xC0FFEE); // checksum
        f.put_u128_le(u128::from(offset) + 1000); // id
        f.put_u64_le(offset);
        f.put_u64_le(1_700_000_000_000_000); // timestamp
        f.put_u64_le(1_699_999_999_999_999); // origin timestamp
        f.put_u32_le(headers.len() as u32);
        f.put_u32_le(payload.len() as u32);
        f.put_u64_le(0); // reserved
        f.put_slice(payload);
        f.put_slice(headers);
        f.to_vec()
    }

    fn concat(chunks: &[Chunk]) -> Bytes {
        Bytes::from(
            chunks
                .iter()
                .flat_map(|c| c.to_bytes().unwrap().to_vec())
                .collect::<Vec<u8>>(),
        )
    }

    #[test]
    fn header_layout() {
        let h = poll_header(3, 0x0102_0304_0506_0708, 9);
        assert_eq!(h.len(), POLL_HEADER_SIZE);
        assert_eq!(&h[0..4], &3u32.to_le_bytes());
        assert_eq!(&h[4..12], &0x0102_0304_0506_0708u64.to_le_bytes());
        assert_eq!(&h[12..16], &9u32.to_le_bytes());
    }

    #[test]
    fn the_sdk_decodes_an_empty_answer() {
        let chunks = polled(2, 0, 0, vec![]);
        assert_eq!(chunks.len(), 1);
        let polled = PolledMessages::from_bytes(concat(&chunks)).unwrap();
        assert_eq!(polled.partition_id, 2);
        assert_eq!(polled.current_offset, 0);
        assert_eq!(polled.count, 0);
        assert!(polled.messages.is_empty());
    }

    #[test]
    fn the_sdk_decodes_frames_across_chunks() {
        let a = frame(5, b"alpha", b"");
        let b = frame(6, b"beta", &[1, 2, 3]);
        let c = frame(7, b"gamma", b"");
        // Two chunks, one of them holding two frames, plus an empty one.
        let mut ab = a.clone();
        ab.extend_from_slice(&b);
        let chunks = polled(
            1,
            7,
            3,
            vec![
                Chunk::Memory(Bytes::from(ab)),
                Chunk::Memory(Bytes::new()),
                Chunk::Memory(Bytes::from(c)),
            ],
        );
        assert_eq!(chunks.len(), 3);
        let polled = PolledMessages::from_bytes(concat(&chunks)).unwrap();
        assert_eq!(
            (polled.partition_id, polled.current_offset, polled.count),
            (1, 7, 3)
        );
        let offsets: Vec<u64> = polled.messages.iter().map(|m| m.header.offset).collect();
        assert_eq!(offsets, vec![5, 6, 7]);
        assert_eq!(&polled.messages[1].payload[..], b"beta");
        assert_eq!(
            polled.messages[1].user_headers.as_deref(),
            Some(&[1u8, 2, 3][..])
        );
        assert_eq!(polled.messages[0].header.id, 1005);
        assert_eq!(polled.messages[2].header.checksum, 0xC0FFEE);
    }

    #[test]
    fn consumer_offset_layout() {
        let bytes = consumer_offset(4, 100, 42);
        let (decoded, used) = ConsumerOffsetResponse::decode(&bytes).unwrap();
        assert_eq!(used, 20);
        assert_eq!(bytes.len(), 20);
        assert_eq!(
            (
                decoded.partition_id,
                decoded.current_offset,
                decoded.stored_offset
            ),
            (4, 100, 42)
        );
    }
}
