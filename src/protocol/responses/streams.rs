//! Stream records (binary-protocol.md §5.1.1, §5.7): StreamHeader, StreamDetails and the
//! GetStreams list.

use super::topics::put_topic_header;
use bytes::{BufMut, Bytes, BytesMut};
use iggy_actors::bytes_io::ByteWriter;
use iggy_actors::metadata::{StreamDetails, StreamInfo};

/// Fixed part of a StreamHeader; the name follows.
pub const STREAM_HEADER_FIXED: usize = 33;

fn put_stream_header(out: &mut BytesMut, s: &StreamInfo) {
    out.put_u32_le(s.id);
    out.put_u64_le(s.created_at);
    out.put_u32_le(s.topics_count);
    out.put_u64_le(s.size_bytes);
    out.put_u64_le(s.messages_count);
    out.put_str8(&s.name);
}

/// One StreamHeader: the answer to CreateStream (the SDK reads it as details with no topics).
pub fn stream_header(s: &StreamInfo) -> Bytes {
    let mut out = BytesMut::with_capacity(STREAM_HEADER_FIXED + s.name.len());
    put_stream_header(&mut out, s);
    out.freeze()
}

/// GetStream: the header followed by one TopicHeader per topic. The SDK requires
/// `topics_count` to equal the number of TopicHeaders, so the count is taken from the list.
pub fn stream_details(d: &StreamDetails) -> Bytes {
    let mut out = BytesMut::with_capacity(STREAM_HEADER_FIXED + 64 * (d.topics.len() + 1));
    let header = StreamInfo {
        topics_count: d.topics.len() as u32,
        ..d.info.clone()
    };
    put_stream_header(&mut out, &header);
    for topic in &d.topics {
        put_topic_header(&mut out, topic);
    }
    out.freeze()
}

/// GetStreams: StreamHeaders back to back; empty for no streams.
pub fn streams(list: &[StreamInfo]) -> Bytes {
    let mut out = BytesMut::with_capacity(list.len() * (STREAM_HEADER_FIXED + 16));
    for s in list {
        put_stream_header(&mut out, s);
    }
    out.freeze()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::protocol::responses::topics::tests::sample_topic;
    use iggy_binary_protocol::responses::streams::{GetStreamResponse, GetStreamsResponse};
    use iggy_binary_protocol::WireDecode;

    pub(crate) fn sample_stream(id: u32, name: &str, topics_count: u32) -> StreamInfo {
        StreamInfo {
            id,
            created_at: 1_710_000_000_000_123,
            name: name.into(),
            topics_count,
            size_bytes: 4096 + u64::from(id),
            messages_count: 77,
        }
    }

    #[test]
    fn stream_header_offsets() {
        let s = sample_stream(3, "orders", 0);
        let b = stream_header(&s);
        assert_eq!(b.len(), 33 + 6);
        assert_eq!(&b[0..4], &3u32.to_le_bytes());
        assert_eq!(&b[4..12], &s.created_at.to_le_bytes());
        assert_eq!(&b[12..16], &0u32.to_le_bytes());
        assert_eq!(&b[16..24], &4099u64.to_le_bytes());
        assert_eq!(&b[24..32], &77u64.to_le_bytes());
        assert_eq!(b[32], 6);
        assert_eq!(&b[33..], b"orders");
    }

    #[test]
    fn create_stream_answer_is_what_the_sdk_decodes() {
        let s = sample_stream(0, "orders", 0);
        let (decoded, used) = GetStreamResponse::decode(&stream_header(&s)).unwrap();
        assert_eq!(used, 39);
        assert_eq!(decoded.stream.id, 0);
        assert_eq!(decoded.stream.created_at, s.created_at);
        assert_eq!(decoded.stream.name.as_str(), "orders");
        assert!(decoded.topics.is_empty());
    }

    #[test]
    fn stream_details_round_trip_through_the_sdk() {
        let d = StreamDetails {
            info: sample_stream(1, "s", 2),
            topics: vec![sample_topic(0, "a", 1), sample_topic(1, "bb", 3)],
        };
        let bytes = stream_details(&d);
        assert_eq!(bytes.len(), 34 + 52 + 53);
        let (decoded, used) = GetStreamResponse::decode(&bytes).unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(decoded.stream.topics_count, 2);
        let names: Vec<_> = decoded.topics.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["a", "bb"]);
        assert_eq!(decoded.topics[1].partitions_count, 3);
        assert_eq!(decoded.topics[1].message_expiry, u64::MAX);

        // A stale count in the read model is corrected rather than breaking the SDK.
        let stale = StreamDetails {
            info: sample_stream(1, "s", 5),
            ..d
        };
        assert!(GetStreamResponse::decode(&stream_details(&stale)).is_ok());
    }

    #[test]
    fn stream_list_round_trips_through_the_sdk() {
        assert!(streams(&[]).is_empty());
        let list = [sample_stream(0, "first", 1), sample_stream(7, "second", 0)];
        let bytes = streams(&list);
        let (decoded, used) = GetStreamsResponse::decode(&bytes).unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(decoded.streams.len(), 2);
        assert_eq!(decoded.streams[1].id, 7);
        assert_eq!(decoded.streams[1].name.as_str(), "second");
        assert_eq!(decoded.streams[0].topics_count, 1);
        assert_eq!(decoded.streams[0].size_bytes, 4096);
    }
}
