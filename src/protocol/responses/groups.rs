//! Consumer-group records (binary-protocol.md §5.1.7, §5.10): ConsumerGroupHeader,
//! ConsumerGroupDetails and the GetConsumerGroups list.

use bytes::{BufMut, Bytes, BytesMut};
use iggy_actors::bytes_io::ByteWriter;
use iggy_actors::metadata::{ConsumerGroupDetails, ConsumerGroupInfo};

/// Fixed part of a ConsumerGroupHeader; the name follows.
const GROUP_HEADER_FIXED: usize = 13;

fn put_group_header(out: &mut BytesMut, g: &ConsumerGroupInfo, members_count: u32) {
    out.put_u32_le(g.id);
    out.put_u32_le(g.partitions_count);
    out.put_u32_le(members_count);
    out.put_str8(&g.name);
}

/// ConsumerGroupDetails: the header followed by exactly `members_count` member records
/// (the SDK reads as many as the count says, so it is taken from the list). CreateConsumerGroup
/// answers this with no members.
pub fn group_details(d: &ConsumerGroupDetails) -> Bytes {
    let partitions: usize = d.members.iter().map(|m| m.partitions.len()).sum();
    let mut out = BytesMut::with_capacity(
        GROUP_HEADER_FIXED + d.info.name.len() + 8 * d.members.len() + 4 * partitions,
    );
    put_group_header(&mut out, &d.info, d.members.len() as u32);
    for member in &d.members {
        out.put_u32_le(member.id);
        out.put_u32_le(member.partitions.len() as u32);
        for p in &member.partitions {
            out.put_u32_le(*p);
        }
    }
    out.freeze()
}

/// GetConsumerGroups: ConsumerGroupHeaders back to back; empty for none.
pub fn groups(list: &[ConsumerGroupInfo]) -> Bytes {
    let mut out = BytesMut::with_capacity(list.len() * (GROUP_HEADER_FIXED + 16));
    for g in list {
        put_group_header(&mut out, g, g.members_count);
    }
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;
    use iggy_actors::metadata::ConsumerGroupMemberInfo;
    use iggy_binary_protocol::responses::consumer_groups::get_consumer_group::ConsumerGroupDetailsResponse;
    use iggy_binary_protocol::responses::consumer_groups::get_consumer_groups::GetConsumerGroupsResponse;
    use iggy_binary_protocol::WireDecode;

    fn info(members_count: u32) -> ConsumerGroupInfo {
        ConsumerGroupInfo {
            id: 3,
            name: "readers".into(),
            partitions_count: 4,
            members_count,
        }
    }

    #[test]
    fn the_sdk_reads_details_and_lists() {
        let details = ConsumerGroupDetails {
            info: info(2),
            members: vec![
                ConsumerGroupMemberInfo {
                    id: 0,
                    partitions: vec![0, 1, 2],
                },
                ConsumerGroupMemberInfo {
                    id: 1,
                    partitions: vec![3],
                },
            ],
        };
        let bytes = group_details(&details);
        let (decoded, used) = ConsumerGroupDetailsResponse::decode(&bytes).unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(decoded.group.id, 3);
        assert_eq!(decoded.group.partitions_count, 4);
        assert_eq!(decoded.members.len(), 2);
        assert_eq!(decoded.members[0].partitions, vec![0, 1, 2]);
        assert_eq!(decoded.members[1].partitions, vec![3]);

        let created = group_details(&ConsumerGroupDetails {
            info: info(0),
            members: vec![],
        });
        assert_eq!(created.len(), GROUP_HEADER_FIXED + "readers".len());

        let list = groups(&[info(0), info(5)]);
        let (decoded, used) = GetConsumerGroupsResponse::decode(&list).unwrap();
        assert_eq!(used, list.len());
        assert_eq!(decoded.groups.len(), 2);
        assert_eq!(decoded.groups[1].members_count, 5);
    }
}
