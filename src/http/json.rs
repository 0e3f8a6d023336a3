//! The JSON shapes the HTTP API answers with (`http-api.md` §4–§8), built from the
//! engine's read models. Byte sizes are strings with a unit, as the original writes them.

use crate::protocol::responses::{ClusterNode, Stats};
use iggy_actors::metadata::{
    ClientInfo, ConsumerGroupDetails, ConsumerGroupInfo, PartitionInfo, StreamDetails, StreamInfo,
    TokenInfo, TopicDetails, TopicInfo, Transport, UserInfo,
};
use iggy_actors::permissions::{
    GlobalPermissions, Permissions, StreamPermissions, TopicPermissions,
};
use iggy_actors::users::UserStatus;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// `bytes` as the original's byte-size strings: the largest unit, decimal (kB, MB, ...)
/// or binary (KiB, MiB, ...), in which the value is exact with at most three decimals:
/// `"0 B"`, `"4 KiB"`, `"1.5 MB"`, `"3136.5 KiB"`.
pub fn byte_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 12] = [
        (1 << 60, "EiB"),
        (1_000_000_000_000_000_000, "EB"),
        (1 << 50, "PiB"),
        (1_000_000_000_000_000, "PB"),
        (1 << 40, "TiB"),
        (1_000_000_000_000, "TB"),
        (1 << 30, "GiB"),
        (1_000_000_000, "GB"),
        (1 << 20, "MiB"),
        (1_000_000, "MB"),
        (1 << 10, "KiB"),
        (1_000, "KB"),
    ];
    let exact = |unit: u64| (u128::from(bytes) * 1000) % u128::from(unit) == 0;
    for (unit, name) in UNITS {
        if bytes >= unit && exact(unit) {
            let thousandths = u128::from(bytes) * 1000 / u128::from(unit);
            let (whole, frac) = (thousandths / 1000, thousandths % 1000);
            if frac == 0 {
                return format!("{whole} {name}");
            }
            let frac = format!("{frac:03}");
            return format!("{whole}.{} {name}", frac.trim_end_matches('0'));
        }
    }
    format!("{bytes} B")
}

#[derive(Serialize)]
pub struct Stream {
    id: u32,
    created_at: u64,
    name: String,
    size: String,
    messages_count: u64,
    topics_count: u32,
}

impl From<&StreamInfo> for Stream {
    fn from(s: &StreamInfo) -> Self {
        Stream {
            id: s.id,
            created_at: s.created_at,
            name: s.name.clone(),
            size: byte_size(s.size_bytes),
            messages_count: s.messages_count,
            topics_count: s.topics_count,
        }
    }
}

#[derive(Serialize)]
pub struct StreamWithTopics {
    #[serde(flatten)]
    stream: Stream,
    topics: Vec<Topic>,
}

impl From<&StreamDetails> for StreamWithTopics {
    fn from(s: &StreamDetails) -> Self {
        StreamWithTopics {
            stream: Stream::from(&s.info),
            topics: s.topics.iter().map(Topic::from).collect(),
        }
    }
}

/// A new stream: the details with no topics.
pub fn new_stream(s: &StreamInfo) -> StreamWithTopics {
    StreamWithTopics {
        stream: Stream::from(s),
        topics: Vec::new(),
    }
}

#[derive(Serialize)]
pub struct Topic {
    id: u32,
    created_at: u64,
    name: String,
    size: String,
    message_expiry: u64,
    compression_algorithm: &'static str,
    max_topic_size: u64,
    replication_factor: u8,
    messages_count: u64,
    partitions_count: u32,
}

impl From<&TopicInfo> for Topic {
    fn from(t: &TopicInfo) -> Self {
        Topic {
            id: t.id,
            created_at: t.created_at,
            name: t.name.clone(),
            size: byte_size(t.size_bytes),
            message_expiry: t.message_expiry,
            compression_algorithm: if t.compression_algorithm == 2 {
                "gzip"
            } else {
                "none"
            },
            max_topic_size: t.max_topic_size,
            replication_factor: t.replication_factor,
            messages_count: t.messages_count,
            partitions_count: t.partitions_count,
        }
    }
}

#[derive(Serialize)]
pub struct TopicWithPartitions {
    #[serde(flatten)]
    topic: Topic,
    partitions: Vec<Partition>,
}

impl From<&TopicDetails> for TopicWithPartitions {
    fn from(t: &TopicDetails) -> Self {
        TopicWithPartitions {
            topic: Topic::from(&t.info),
            partitions: t.partitions.iter().map(Partition::from).collect(),
        }
    }
}

#[derive(Serialize)]
pub struct Partition {
    id: u32,
    created_at: u64,
    segments_count: u32,
    current_offset: u64,
    size: String,
    messages_count: u64,
}

impl From<&PartitionInfo> for Partition {
    fn from(p: &PartitionInfo) -> Self {
        Partition {
            id: p.id,
            created_at: p.created_at,
            segments_count: p.segments_count,
            current_offset: p.current_offset,
            size: byte_size(p.size_bytes),
            messages_count: p.messages_count,
        }
    }
}

#[derive(Serialize)]
pub struct ConsumerGroup {
    id: u32,
    name: String,
    partitions_count: u32,
    members_count: u32,
}

impl From<&ConsumerGroupInfo> for ConsumerGroup {
    fn from(g: &ConsumerGroupInfo) -> Self {
        ConsumerGroup {
            id: g.id,
            name: g.name.clone(),
            partitions_count: g.partitions_count,
            members_count: g.members_count,
        }
    }
}

#[derive(Serialize)]
pub struct ConsumerGroupWithMembers {
    #[serde(flatten)]
    group: ConsumerGroup,
    members: Vec<Member>,
}

#[derive(Serialize)]
struct Member {
    id: u32,
    partitions_count: u32,
    partitions: Vec<u32>,
}

impl From<&ConsumerGroupDetails> for ConsumerGroupWithMembers {
    fn from(g: &ConsumerGroupDetails) -> Self {
        ConsumerGroupWithMembers {
            group: ConsumerGroup::from(&g.info),
            members: g
                .members
                .iter()
                .map(|m| Member {
                    id: m.id,
                    partitions_count: m.partitions.len() as u32,
                    partitions: m.partitions.clone(),
                })
                .collect(),
        }
    }
}

fn status_name(s: UserStatus) -> &'static str {
    match s {
        UserStatus::Active => "active",
        UserStatus::Inactive => "inactive",
    }
}

#[derive(Serialize)]
pub struct User {
    id: u32,
    created_at: u64,
    status: &'static str,
    username: String,
}

impl From<&UserInfo> for User {
    fn from(u: &UserInfo) -> Self {
        User {
            id: u.id,
            created_at: u.created_at,
            status: status_name(u.status),
            username: u.username.clone(),
        }
    }
}

#[derive(Serialize)]
pub struct UserWithPermissions {
    #[serde(flatten)]
    user: User,
    permissions: Option<PermissionsJson>,
}

impl From<&UserInfo> for UserWithPermissions {
    fn from(u: &UserInfo) -> Self {
        UserWithPermissions {
            user: User::from(u),
            permissions: u.permissions.as_ref().map(PermissionsJson::from),
        }
    }
}

/// Permissions as JSON (§8.3): every flag required where the object is present; `streams`
/// and `topics` may be absent or null (= none) and are written as null when empty; map
/// keys are ids written as strings (serde_json writes and reads integer keys so). The
/// field lists are the engine's, mirrored once through serde's remote derive.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct PermissionsJson(#[serde(with = "PermissionsDef")] pub Permissions);

#[derive(Serialize, Deserialize)]
#[serde(remote = "Permissions")]
struct PermissionsDef {
    #[serde(with = "GlobalDef")]
    global: GlobalPermissions,
    #[serde(default, with = "streams_or_null")]
    streams: BTreeMap<u32, StreamPermissions>,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "GlobalPermissions")]
struct GlobalDef {
    manage_servers: bool,
    read_servers: bool,
    manage_users: bool,
    read_users: bool,
    manage_streams: bool,
    read_streams: bool,
    manage_topics: bool,
    read_topics: bool,
    poll_messages: bool,
    send_messages: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "StreamPermissions")]
struct StreamDef {
    manage_stream: bool,
    read_stream: bool,
    manage_topics: bool,
    read_topics: bool,
    poll_messages: bool,
    send_messages: bool,
    #[serde(default, with = "topics_or_null")]
    topics: BTreeMap<u32, TopicPermissions>,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "TopicPermissions")]
struct TopicDef {
    manage_topic: bool,
    read_topic: bool,
    poll_messages: bool,
    send_messages: bool,
}

/// A map of remote-derived values, null when empty.
macro_rules! map_or_null {
    ($module:ident, $value:ty, $def:literal) => {
        mod $module {
            use super::*;

            #[derive(Serialize, Deserialize)]
            struct Wrap(#[serde(with = $def)] $value);

            pub fn serialize<S: serde::Serializer>(
                map: &BTreeMap<u32, $value>,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                if map.is_empty() {
                    return serializer.serialize_none();
                }
                let wrapped: BTreeMap<u32, Wrap> =
                    map.iter().map(|(k, v)| (*k, Wrap(v.clone()))).collect();
                wrapped.serialize(serializer)
            }

            pub fn deserialize<'de, D: serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<BTreeMap<u32, $value>, D::Error> {
                let wrapped: Option<BTreeMap<u32, Wrap>> = Option::deserialize(deserializer)?;
                Ok(wrapped
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, Wrap(v))| (k, v))
                    .collect())
            }
        }
    };
}

map_or_null!(streams_or_null, StreamPermissions, "StreamDef");
map_or_null!(topics_or_null, TopicPermissions, "TopicDef");

impl From<&Permissions> for PermissionsJson {
    fn from(p: &Permissions) -> Self {
        PermissionsJson(p.clone())
    }
}

impl From<PermissionsJson> for Permissions {
    fn from(p: PermissionsJson) -> Self {
        p.0
    }
}

#[derive(Serialize)]
pub struct Token {
    name: String,
    expiry_at: Option<u64>,
}

impl From<&TokenInfo> for Token {
    fn from(t: &TokenInfo) -> Self {
        Token {
            name: t.name.clone(),
            expiry_at: t.expiry_at,
        }
    }
}

#[derive(Serialize)]
pub struct RawToken {
    pub token: String,
}

#[derive(Serialize)]
pub struct IdentityInfo {
    pub user_id: u32,
    pub access_token: AccessToken,
}

#[derive(Serialize)]
pub struct AccessToken {
    pub token: String,
    /// Seconds since the epoch (the token's `exp`).
    pub expiry: u64,
}

fn transport_name(t: Transport) -> &'static str {
    match t {
        Transport::Tcp => "tcp",
        Transport::Quic => "quic",
        Transport::Http => "http",
        Transport::WebSocket => "ws",
    }
}

#[derive(Serialize)]
pub struct Client {
    client_id: u32,
    user_id: Option<u32>,
    address: String,
    transport: &'static str,
    consumer_groups_count: u32,
}

impl From<&ClientInfo> for Client {
    fn from(c: &ClientInfo) -> Self {
        Client {
            client_id: c.client_id,
            user_id: c.user_id,
            address: c.address.clone(),
            transport: transport_name(c.transport),
            consumer_groups_count: c.consumer_groups.len() as u32,
        }
    }
}

#[derive(Serialize)]
pub struct ClientWithGroups {
    #[serde(flatten)]
    client: Client,
    consumer_groups: Vec<GroupRef>,
}

#[derive(Serialize)]
struct GroupRef {
    stream_id: u32,
    topic_id: u32,
    group_id: u32,
}

impl From<&ClientInfo> for ClientWithGroups {
    fn from(c: &ClientInfo) -> Self {
        ClientWithGroups {
            client: Client::from(c),
            consumer_groups: c
                .consumer_groups
                .iter()
                .map(|&(stream_id, topic_id, group_id)| GroupRef {
                    stream_id,
                    topic_id,
                    group_id,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
pub struct StatsJson {
    process_id: u32,
    cpu_usage: f32,
    total_cpu_usage: f32,
    memory_usage: String,
    total_memory: String,
    available_memory: String,
    run_time: u64,
    start_time: u64,
    read_bytes: String,
    written_bytes: String,
    messages_size_bytes: String,
    streams_count: u32,
    topics_count: u32,
    partitions_count: u32,
    segments_count: u32,
    messages_count: u64,
    clients_count: u32,
    consumer_groups_count: u32,
    hostname: String,
    os_name: String,
    os_version: String,
    kernel_version: String,
    iggy_server_version: String,
    iggy_server_semver: u32,
    cache_metrics: HashMap<String, ()>,
    threads_count: u32,
    free_disk_space: String,
    total_disk_space: String,
}

impl From<Stats> for StatsJson {
    fn from(s: Stats) -> Self {
        StatsJson {
            process_id: s.process_id,
            cpu_usage: s.cpu_usage,
            total_cpu_usage: s.total_cpu_usage,
            memory_usage: byte_size(s.memory_usage),
            total_memory: byte_size(s.total_memory),
            available_memory: byte_size(s.available_memory),
            run_time: s.run_time,
            start_time: s.start_time,
            read_bytes: byte_size(s.read_bytes),
            written_bytes: byte_size(s.written_bytes),
            messages_size_bytes: byte_size(s.messages_size_bytes),
            streams_count: s.streams_count,
            topics_count: s.topics_count,
            partitions_count: s.partitions_count,
            segments_count: s.segments_count,
            messages_count: s.messages_count,
            clients_count: s.clients_count,
            consumer_groups_count: s.consumer_groups_count,
            hostname: s.hostname,
            os_name: s.os_name,
            os_version: s.os_version,
            kernel_version: s.kernel_version,
            iggy_server_version: s.server_version,
            iggy_server_semver: s.server_semver,
            cache_metrics: HashMap::new(),
            threads_count: s.threads_count,
            free_disk_space: byte_size(s.free_disk_space),
            total_disk_space: byte_size(s.total_disk_space),
        }
    }
}

#[derive(Serialize)]
pub struct ClusterMetadata {
    name: String,
    nodes: Vec<Node>,
}

#[derive(Serialize)]
struct Node {
    name: String,
    ip: String,
    endpoints: Endpoints,
    role: &'static str,
    status: &'static str,
}

#[derive(Serialize)]
struct Endpoints {
    tcp: u16,
    quic: u16,
    http: u16,
    websocket: u16,
}

impl ClusterMetadata {
    pub fn new(name: String, nodes: &[ClusterNode]) -> Self {
        let nodes = nodes
            .iter()
            .map(|n| Node {
                name: n.name.clone(),
                ip: n.ip.clone(),
                endpoints: Endpoints {
                    tcp: n.tcp_port,
                    quic: n.quic_port,
                    http: n.http_port,
                    websocket: n.websocket_port,
                },
                role: if n.role == 1 { "follower" } else { "leader" },
                status: "healthy",
            })
            .collect();
        ClusterMetadata { name, nodes }
    }
}

#[derive(Serialize)]
pub struct ConsumerOffset {
    pub partition_id: u32,
    pub current_offset: u64,
    pub stored_offset: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes_read_like_the_originals() {
        assert_eq!(byte_size(0), "0 B");
        assert_eq!(byte_size(999), "999 B");
        assert_eq!(byte_size(4096), "4 KiB");
        assert_eq!(byte_size(1_500_000), "1.5 MB");
        assert_eq!(byte_size(1234), "1.234 KB");
        assert_eq!(byte_size(3_211_776), "3136.5 KiB");
        assert_eq!(byte_size(1 << 30), "1 GiB");
        assert_eq!(byte_size(1_000_001), "1000.001 KB");
        assert_eq!(byte_size(1_000_000_001), "1000000.001 KB");
    }

    #[test]
    fn permissions_round_trip_through_json() {
        let mut p = Permissions::root();
        let mut s = StreamPermissions {
            read_stream: true,
            ..Default::default()
        };
        s.topics.insert(
            3,
            TopicPermissions {
                send_messages: true,
                ..Default::default()
            },
        );
        p.streams.insert(2, s);
        let json = serde_json::to_string(&PermissionsJson::from(&p)).unwrap();
        assert!(json.contains("\"2\":{"), "{json}");
        let back: PermissionsJson = serde_json::from_str(&json).unwrap();
        assert_eq!(Permissions::from(back), p);
    }
}
