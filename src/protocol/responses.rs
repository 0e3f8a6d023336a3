//! Encoding of response payloads (binary-protocol.md §5.1, §5.2); streams and topics in
//! their own files.

pub mod groups;
pub mod messages;
pub mod streams;
pub mod topics;
pub mod users;

use bytes::{BufMut, Bytes, BytesMut};
use iggy_actors::bytes_io::ByteWriter;
use iggy_actors::metadata::ClientInfo;

/// `u32` user id: the answer to both logins.
pub fn user_id(id: u32) -> Bytes {
    Bytes::copy_from_slice(&id.to_le_bytes())
}

/// Wire value for "no user".
const NO_USER: u32 = u32::MAX;

fn put_client_info(out: &mut BytesMut, c: &ClientInfo) {
    out.put_u32_le(c.client_id);
    out.put_u32_le(c.user_id.unwrap_or(NO_USER));
    out.put_u8(c.transport as u8);
    out.put_str32(&c.address);
    out.put_u32_le(c.consumer_groups.len() as u32);
}

/// ClientDetails: ClientInfo plus the joined consumer groups.
pub fn client_details(c: &ClientInfo) -> Bytes {
    let mut out = BytesMut::with_capacity(32 + c.address.len() + 12 * c.consumer_groups.len());
    put_client_info(&mut out, c);
    for (stream, topic, group) in &c.consumer_groups {
        out.put_u32_le(*stream);
        out.put_u32_le(*topic);
        out.put_u32_le(*group);
    }
    out.freeze()
}

/// ClientInfo records back to back.
pub fn clients(list: &[ClientInfo]) -> Bytes {
    let mut out = BytesMut::new();
    for c in list {
        put_client_info(&mut out, c);
    }
    out.freeze()
}

/// Everything GetStats reports (§5.2.2).
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub process_id: u32,
    pub cpu_usage: f32,
    pub total_cpu_usage: f32,
    pub memory_usage: u64,
    pub total_memory: u64,
    pub available_memory: u64,
    pub run_time: u64,
    pub start_time: u64,
    pub read_bytes: u64,
    pub written_bytes: u64,
    pub messages_size_bytes: u64,
    pub streams_count: u32,
    pub topics_count: u32,
    pub partitions_count: u32,
    pub segments_count: u32,
    pub messages_count: u64,
    pub clients_count: u32,
    pub consumer_groups_count: u32,
    pub hostname: String,
    pub os_name: String,
    pub os_version: String,
    pub kernel_version: String,
    pub server_version: String,
    pub server_semver: u32,
    pub threads_count: u32,
    pub free_disk_space: u64,
    pub total_disk_space: u64,
}

pub fn stats(s: &Stats) -> Bytes {
    let mut out = BytesMut::with_capacity(256);
    out.put_u32_le(s.process_id);
    out.put_f32_le(s.cpu_usage);
    out.put_f32_le(s.total_cpu_usage);
    for v in [
        s.memory_usage,
        s.total_memory,
        s.available_memory,
        s.run_time,
        s.start_time,
    ] {
        out.put_u64_le(v);
    }
    for v in [s.read_bytes, s.written_bytes, s.messages_size_bytes] {
        out.put_u64_le(v);
    }
    for v in [
        s.streams_count,
        s.topics_count,
        s.partitions_count,
        s.segments_count,
    ] {
        out.put_u32_le(v);
    }
    out.put_u64_le(s.messages_count);
    out.put_u32_le(s.clients_count);
    out.put_u32_le(s.consumer_groups_count);
    for text in [
        &s.hostname,
        &s.os_name,
        &s.os_version,
        &s.kernel_version,
        &s.server_version,
    ] {
        out.put_str32(text);
    }
    out.put_u32_le(s.server_semver);
    out.put_u32_le(0); // cache metrics: none
    out.put_u32_le(s.threads_count);
    out.put_u64_le(s.free_disk_space);
    out.put_u64_le(s.total_disk_space);
    out.freeze()
}

/// One node of the cluster metadata (§5.2.4).
#[derive(Debug, Clone)]
pub struct ClusterNode {
    pub name: String,
    pub ip: String,
    pub tcp_port: u16,
    pub quic_port: u16,
    pub http_port: u16,
    pub websocket_port: u16,
    /// 0 leader, 1 follower.
    pub role: u8,
    /// 0 healthy.
    pub status: u8,
}

pub fn cluster_metadata(name: &str, nodes: &[ClusterNode]) -> Bytes {
    let mut out = BytesMut::new();
    out.put_str32(name);
    out.put_u32_le(nodes.len() as u32);
    for n in nodes {
        out.put_str32(&n.name);
        out.put_str32(&n.ip);
        for port in [n.tcp_port, n.quic_port, n.http_port, n.websocket_port] {
            out.put_u16_le(port);
        }
        out.put_u8(n.role);
        out.put_u8(n.status);
    }
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;
    use iggy_actors::metadata::Transport;

    #[test]
    fn stats_fixed_part_is_108_bytes() {
        let bytes = stats(&Stats::default());
        // 108 fixed + 5 empty str32 + semver + cache count + threads + 2 disk fields.
        assert_eq!(bytes.len(), 108 + 5 * 4 + 4 + 4 + 4 + 16);
    }

    #[test]
    fn client_details_layout() {
        let c = ClientInfo {
            client_id: 9,
            user_id: None,
            transport: Transport::Tcp,
            address: "127.0.0.1:5".into(),
            consumer_groups: vec![(1, 2, 3)],
        };
        let b = client_details(&c);
        assert_eq!(&b[0..4], &9u32.to_le_bytes());
        assert_eq!(&b[4..8], &u32::MAX.to_le_bytes());
        assert_eq!(b[8], 1);
        assert_eq!(&b[9..13], &11u32.to_le_bytes());
        assert_eq!(b.len(), 13 + 11 + 4 + 12);
    }
}
