//! Topic records (binary-protocol.md §5.1.2, §5.1.3, §5.8): TopicHeader, TopicDetails
//! (header + PartitionRecords) and the GetTopics list.

use bytes::{BufMut, Bytes, BytesMut};
use iggy_actors::bytes_io::ByteWriter;
use iggy_actors::metadata::{PartitionInfo, TopicDetails, TopicInfo};

/// Fixed part of a TopicHeader; the name follows.
pub const TOPIC_HEADER_FIXED: usize = 51;
/// Size of one PartitionRecord.
pub const PARTITION_RECORD: usize = 40;

pub(super) fn put_topic_header(out: &mut BytesMut, t: &TopicInfo) {
    out.put_u32_le(t.id);
    out.put_u64_le(t.created_at);
    out.put_u32_le(t.partitions_count);
    out.put_u64_le(t.message_expiry);
    out.put_u8(t.compression_algorithm);
    out.put_u64_le(t.max_topic_size);
    out.put_u8(t.replication_factor);
    out.put_u64_le(t.size_bytes);
    out.put_u64_le(t.messages_count);
    out.put_str8(&t.name);
}

fn put_partition(out: &mut BytesMut, p: &PartitionInfo) {
    out.put_u32_le(p.id);
    out.put_u64_le(p.created_at);
    out.put_u32_le(p.segments_count);
    out.put_u64_le(p.current_offset);
    out.put_u64_le(p.size_bytes);
    out.put_u64_le(p.messages_count);
}

/// GetTopic and CreateTopic: the header followed by one PartitionRecord per partition. The
/// SDK requires `partitions_count` to equal the number of records, so the count is taken
/// from the list.
pub fn topic_details(d: &TopicDetails) -> Bytes {
    let mut out = BytesMut::with_capacity(
        TOPIC_HEADER_FIXED + d.info.name.len() + PARTITION_RECORD * d.partitions.len(),
    );
    let header = TopicInfo {
        partitions_count: d.partitions.len() as u32,
        ..d.info.clone()
    };
    put_topic_header(&mut out, &header);
    for p in &d.partitions {
        put_partition(&mut out, p);
    }
    out.freeze()
}

/// GetTopics: TopicHeaders back to back; empty for no topics.
pub fn topics(list: &[TopicInfo]) -> Bytes {
    let mut out = BytesMut::with_capacity(list.len() * (TOPIC_HEADER_FIXED + 16));
    for t in list {
        put_topic_header(&mut out, t);
    }
    out.freeze()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use iggy_binary_protocol::responses::topics::{GetTopicResponse, GetTopicsResponse};
    use iggy_binary_protocol::WireDecode;

    pub(crate) fn sample_topic(id: u32, name: &str, partitions_count: u32) -> TopicInfo {
        TopicInfo {
            id,
            created_at: 1_710_000_000_000_456,
            name: name.into(),
            partitions_count,
            message_expiry: u64::MAX,
            compression_algorithm: 2,
            max_topic_size: 2_000_000_000,
            replication_factor: 1,
            size_bytes: 12_345,
            messages_count: 67,
        }
    }

    fn sample_partition(id: u32) -> PartitionInfo {
        PartitionInfo {
            id,
            created_at: 1_710_000_000_000_789 + u64::from(id),
            segments_count: 1,
            current_offset: 41 + u64::from(id),
            size_bytes: 900,
            messages_count: 42,
        }
    }

    #[test]
    fn topic_header_offsets() {
        let t = sample_topic(5, "events", 0);
        let mut out = BytesMut::new();
        put_topic_header(&mut out, &t);
        assert_eq!(out.len(), 51 + 6);
        assert_eq!(&out[0..4], &5u32.to_le_bytes());
        assert_eq!(&out[4..12], &t.created_at.to_le_bytes());
        assert_eq!(&out[12..16], &0u32.to_le_bytes());
        assert_eq!(&out[16..24], &u64::MAX.to_le_bytes());
        assert_eq!(out[24], 2);
        assert_eq!(&out[25..33], &2_000_000_000u64.to_le_bytes());
        assert_eq!(out[33], 1);
        assert_eq!(&out[34..42], &12_345u64.to_le_bytes());
        assert_eq!(&out[42..50], &67u64.to_le_bytes());
        assert_eq!(out[50], 6);
        assert_eq!(&out[51..], b"events");
    }

    #[test]
    fn partition_record_offsets() {
        let d = TopicDetails {
            info: sample_topic(0, "t", 1),
            partitions: vec![sample_partition(0)],
        };
        let b = topic_details(&d);
        assert_eq!(b.len(), 52 + 40);
        let p = &b[52..];
        assert_eq!(&p[0..4], &0u32.to_le_bytes());
        assert_eq!(&p[4..12], &1_710_000_000_000_789u64.to_le_bytes());
        assert_eq!(&p[12..16], &1u32.to_le_bytes());
        assert_eq!(&p[16..24], &41u64.to_le_bytes());
        assert_eq!(&p[24..32], &900u64.to_le_bytes());
        assert_eq!(&p[32..40], &42u64.to_le_bytes());
    }

    #[test]
    fn topic_details_round_trip_through_the_sdk() {
        let d = TopicDetails {
            info: sample_topic(2, "events", 3),
            partitions: (0..3).map(sample_partition).collect(),
        };
        let bytes = topic_details(&d);
        let (decoded, used) = GetTopicResponse::decode(&bytes).unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(decoded.topic.id, 2);
        assert_eq!(decoded.topic.name.as_str(), "events");
        assert_eq!(decoded.topic.compression_algorithm, 2);
        assert_eq!(decoded.topic.max_topic_size, 2_000_000_000);
        assert_eq!(decoded.topic.message_expiry, u64::MAX);
        let ids: Vec<_> = decoded.partitions.iter().map(|p| p.id).collect();
        assert_eq!(ids, [0, 1, 2]);
        assert_eq!(decoded.partitions[2].current_offset, 43);

        // Zero partitions, and a stale count corrected from the list.
        let empty = TopicDetails {
            info: sample_topic(0, "e", 4),
            partitions: vec![],
        };
        let (decoded, _) = GetTopicResponse::decode(&topic_details(&empty)).unwrap();
        assert_eq!(decoded.topic.partitions_count, 0);
    }

    #[test]
    fn topic_list_round_trips_through_the_sdk() {
        assert!(topics(&[]).is_empty());
        let list = [sample_topic(0, "a", 1), sample_topic(1, "b", 2)];
        let bytes = topics(&list);
        let (decoded, used) = GetTopicsResponse::decode(&bytes).unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(decoded.topics.len(), 2);
        assert_eq!(decoded.topics[1].partitions_count, 2);
        assert_eq!(decoded.topics[1].name.as_str(), "b");
    }
}
