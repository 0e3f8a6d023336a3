//! Command codes of the binary protocol (binary-protocol.md §4).

pub const PING: u32 = 1;
pub const GET_STATS: u32 = 10;
pub const GET_SNAPSHOT: u32 = 11;
pub const GET_CLUSTER_METADATA: u32 = 12;
pub const GET_ME: u32 = 20;
pub const GET_CLIENT: u32 = 21;
pub const GET_CLIENTS: u32 = 22;
pub const GET_USER: u32 = 31;
pub const GET_USERS: u32 = 32;
pub const CREATE_USER: u32 = 33;
pub const DELETE_USER: u32 = 34;
pub const UPDATE_USER: u32 = 35;
pub const UPDATE_PERMISSIONS: u32 = 36;
pub const CHANGE_PASSWORD: u32 = 37;
pub const LOGIN_USER: u32 = 38;
pub const LOGOUT_USER: u32 = 39;
pub const GET_PERSONAL_ACCESS_TOKENS: u32 = 41;
pub const CREATE_PERSONAL_ACCESS_TOKEN: u32 = 42;
pub const DELETE_PERSONAL_ACCESS_TOKEN: u32 = 43;
pub const LOGIN_WITH_PERSONAL_ACCESS_TOKEN: u32 = 44;
pub const POLL_MESSAGES: u32 = 100;
pub const SEND_MESSAGES: u32 = 101;
pub const FLUSH_UNSAVED_BUFFER: u32 = 102;
pub const GET_CONSUMER_OFFSET: u32 = 120;
pub const STORE_CONSUMER_OFFSET: u32 = 121;
pub const DELETE_CONSUMER_OFFSET: u32 = 122;
pub const GET_STREAM: u32 = 200;
pub const GET_STREAMS: u32 = 201;
pub const CREATE_STREAM: u32 = 202;
pub const DELETE_STREAM: u32 = 203;
pub const UPDATE_STREAM: u32 = 204;
pub const PURGE_STREAM: u32 = 205;
pub const GET_TOPIC: u32 = 300;
pub const GET_TOPICS: u32 = 301;
pub const CREATE_TOPIC: u32 = 302;
pub const DELETE_TOPIC: u32 = 303;
pub const UPDATE_TOPIC: u32 = 304;
pub const PURGE_TOPIC: u32 = 305;
pub const CREATE_PARTITIONS: u32 = 402;
pub const DELETE_PARTITIONS: u32 = 403;
pub const DELETE_SEGMENTS: u32 = 503;
pub const GET_CONSUMER_GROUP: u32 = 600;
pub const GET_CONSUMER_GROUPS: u32 = 601;
pub const CREATE_CONSUMER_GROUP: u32 = 602;
pub const DELETE_CONSUMER_GROUP: u32 = 603;
pub const JOIN_CONSUMER_GROUP: u32 = 604;
pub const LEAVE_CONSUMER_GROUP: u32 = 605;

/// Every command code of the protocol with its wire name (used in logs only).
const COMMANDS: &[(u32, &str)] = &[
    (1, "ping"),
    (10, "stats"),
    (11, "snapshot"),
    (12, "cluster.metadata"),
    (20, "me"),
    (21, "client.get"),
    (22, "client.list"),
    (31, "user.get"),
    (32, "user.list"),
    (33, "user.create"),
    (34, "user.delete"),
    (35, "user.update"),
    (36, "user.permissions"),
    (37, "user.password"),
    (38, "user.login"),
    (39, "user.logout"),
    (41, "personal_access_token.list"),
    (42, "personal_access_token.create"),
    (43, "personal_access_token.delete"),
    (44, "personal_access_token.login"),
    (100, "message.poll"),
    (101, "message.send"),
    (102, "message.flush_unsaved_buffer"),
    (120, "consumer_offset.get"),
    (121, "consumer_offset.store"),
    (122, "consumer_offset.delete"),
    (200, "stream.get"),
    (201, "stream.list"),
    (202, "stream.create"),
    (203, "stream.delete"),
    (204, "stream.update"),
    (205, "stream.purge"),
    (300, "topic.get"),
    (301, "topic.list"),
    (302, "topic.create"),
    (303, "topic.delete"),
    (304, "topic.update"),
    (305, "topic.purge"),
    (402, "partition.create"),
    (403, "partition.delete"),
    (503, "segment.delete"),
    (600, "consumer_group.get"),
    (601, "consumer_group.list"),
    (602, "consumer_group.create"),
    (603, "consumer_group.delete"),
    (604, "consumer_group.join"),
    (605, "consumer_group.leave"),
];

/// The wire name of a command code, or `None` for a code the protocol does not have.
pub fn name(code: u32) -> Option<&'static str> {
    COMMANDS.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_protocol_has_47_commands() {
        assert_eq!(super::COMMANDS.len(), 47);
        assert_eq!(super::name(38), Some("user.login"));
        assert_eq!(super::name(9999), None);
    }
}
