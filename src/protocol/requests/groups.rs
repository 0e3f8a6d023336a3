//! Consumer-group requests (binary-protocol.md §5.10): 600–605.

use super::{read_error, Command};
use crate::protocol::identifier::read_identifier;
use iggy_actors::bytes_io::ByteReader;
use iggy_actors::identifier::Identifier;
use iggy_actors::IggyError;

/// Which group: stream, topic and group identifiers (600, 603, 604, 605).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupTarget {
    pub stream: Identifier,
    pub topic: Identifier,
    pub group: Identifier,
}

fn read_target(r: &mut ByteReader<'_>) -> Result<GroupTarget, IggyError> {
    Ok(GroupTarget {
        stream: read_identifier(r)?,
        topic: read_identifier(r)?,
        group: read_identifier(r)?,
    })
}

/// GetConsumerGroup (600): three identifiers.
pub fn get(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    Ok(Command::GetConsumerGroup(read_target(r)?))
}

/// GetConsumerGroups (601): stream and topic identifiers.
pub fn list(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let stream = read_identifier(r)?;
    let topic = read_identifier(r)?;
    Ok(Command::GetConsumerGroups { stream, topic })
}

/// CreateConsumerGroup (602): stream and topic identifiers + name8.
pub fn create(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let stream = read_identifier(r)?;
    let topic = read_identifier(r)?;
    let name = r.name8().map_err(read_error)?.to_string();
    Ok(Command::CreateConsumerGroup {
        stream,
        topic,
        name,
    })
}

/// DeleteConsumerGroup (603): three identifiers.
pub fn delete(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    Ok(Command::DeleteConsumerGroup(read_target(r)?))
}

/// JoinConsumerGroup (604): three identifiers.
pub fn join(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    Ok(Command::JoinConsumerGroup(read_target(r)?))
}

/// LeaveConsumerGroup (605): three identifiers.
pub fn leave(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    Ok(Command::LeaveConsumerGroup(read_target(r)?))
}

#[cfg(test)]
mod tests {
    use super::GroupTarget;
    use crate::protocol::codes;
    use crate::protocol::requests::{decode, Command};
    use iggy_actors::identifier::Identifier;
    use iggy_actors::IggyError;
    use iggy_binary_protocol::requests::consumer_groups::{
        CreateConsumerGroupRequest, DeleteConsumerGroupRequest, GetConsumerGroupRequest,
        GetConsumerGroupsRequest, JoinConsumerGroupRequest, LeaveConsumerGroupRequest,
    };
    use iggy_binary_protocol::{WireEncode, WireIdentifier, WireName};

    fn target() -> GroupTarget {
        GroupTarget {
            stream: Identifier::Numeric(1),
            topic: Identifier::Name("orders".into()),
            group: Identifier::Name("readers".into()),
        }
    }

    fn ids() -> (WireIdentifier, WireIdentifier, WireIdentifier) {
        (
            WireIdentifier::numeric(1),
            WireIdentifier::named("orders").unwrap(),
            WireIdentifier::named("readers").unwrap(),
        )
    }

    #[test]
    fn sdk_encodings_decode() {
        let (stream_id, topic_id, group_id) = ids();
        let get = GetConsumerGroupRequest {
            stream_id: stream_id.clone(),
            topic_id: topic_id.clone(),
            group_id: group_id.clone(),
        };
        assert_eq!(
            decode(codes::GET_CONSUMER_GROUP, &get.to_bytes()),
            Ok(Command::GetConsumerGroup(target()))
        );
        let list = GetConsumerGroupsRequest {
            stream_id: stream_id.clone(),
            topic_id: topic_id.clone(),
        };
        assert_eq!(
            decode(codes::GET_CONSUMER_GROUPS, &list.to_bytes()),
            Ok(Command::GetConsumerGroups {
                stream: Identifier::Numeric(1),
                topic: Identifier::Name("orders".into()),
            })
        );
        let create = CreateConsumerGroupRequest {
            stream_id: stream_id.clone(),
            topic_id: topic_id.clone(),
            name: WireName::new("readers").unwrap(),
        };
        assert_eq!(
            decode(codes::CREATE_CONSUMER_GROUP, &create.to_bytes()),
            Ok(Command::CreateConsumerGroup {
                stream: Identifier::Numeric(1),
                topic: Identifier::Name("orders".into()),
                name: "readers".into(),
            })
        );
        let delete = DeleteConsumerGroupRequest {
            stream_id: stream_id.clone(),
            topic_id: topic_id.clone(),
            group_id: group_id.clone(),
        };
        assert_eq!(
            decode(codes::DELETE_CONSUMER_GROUP, &delete.to_bytes()),
            Ok(Command::DeleteConsumerGroup(target()))
        );
        let join = JoinConsumerGroupRequest {
            stream_id: stream_id.clone(),
            topic_id: topic_id.clone(),
            group_id: group_id.clone(),
        };
        assert_eq!(
            decode(codes::JOIN_CONSUMER_GROUP, &join.to_bytes()),
            Ok(Command::JoinConsumerGroup(target()))
        );
        let leave = LeaveConsumerGroupRequest {
            stream_id,
            topic_id,
            group_id,
        };
        let bytes = leave.to_bytes();
        assert_eq!(
            decode(codes::LEAVE_CONSUMER_GROUP, &bytes),
            Ok(Command::LeaveConsumerGroup(target()))
        );
        for cut in 0..bytes.len() {
            assert_eq!(
                decode(codes::LEAVE_CONSUMER_GROUP, &bytes[..cut]),
                Err(IggyError::InvalidCommand),
                "cut at {cut}"
            );
        }
        assert!(decode(
            codes::CREATE_CONSUMER_GROUP,
            &[1, 4, 1, 0, 0, 0, 1, 4, 2, 0, 0, 0, 0]
        )
        .is_err());
    }
}
