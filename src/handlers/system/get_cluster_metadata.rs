//! GetClusterMetadata (12). Without clustering this node is the only one, the leader,
//! reported with the ports its listeners actually bound (0 for a transport not listening).
//! With `cluster.enabled` the configured cluster name and nodes are reported.

use crate::context::ServerContext;
use crate::protocol::responses::{self, ClusterNode};
use bytes::Bytes;
use iggy_actors::IggyError;

const LEADER: u8 = 0;
const FOLLOWER: u8 = 1;
const HEALTHY: u8 = 0;

pub fn handle(ctx: &ServerContext) -> Result<Bytes, IggyError> {
    let (name, nodes) = nodes(ctx);
    Ok(responses::cluster_metadata(&name, &nodes))
}

/// The cluster's name and nodes, for every transport.
pub fn nodes(ctx: &ServerContext) -> (String, Vec<ClusterNode>) {
    let port = |a: Option<std::net::SocketAddr>| a.map(|a| a.port()).unwrap_or(0);
    let b = &ctx.bound;
    let (tcp, quic, http, ws) = (port(b.tcp), port(b.quic), port(b.http), port(b.websocket));
    let cluster = &ctx.config.cluster;
    if !cluster.enabled {
        let ip = b
            .tcp
            .map(|a| a.ip().to_string())
            .unwrap_or_else(|| "127.0.0.1".into());
        let node = ClusterNode {
            name: "iggy-node".into(),
            ip,
            tcp_port: tcp,
            quic_port: quic,
            http_port: http,
            websocket_port: ws,
            role: LEADER,
            status: HEALTHY,
        };
        return ("single-node".to_string(), vec![node]);
    }
    let mut nodes = vec![ClusterNode {
        name: cluster.node.current.name.clone(),
        ip: cluster.node.current.ip.clone(),
        tcp_port: tcp,
        quic_port: quic,
        http_port: http,
        websocket_port: ws,
        role: if ctx.follower { FOLLOWER } else { LEADER },
        status: HEALTHY,
    }];
    for other in &cluster.node.others {
        nodes.push(ClusterNode {
            name: other.name.clone(),
            ip: other.ip.clone(),
            tcp_port: other.ports.tcp.unwrap_or(tcp),
            quic_port: other.ports.quic.unwrap_or(quic),
            http_port: other.ports.http.unwrap_or(http),
            websocket_port: other.ports.websocket.unwrap_or(ws),
            role: FOLLOWER,
            status: HEALTHY,
        });
    }
    (cluster.name.clone(), nodes)
}
