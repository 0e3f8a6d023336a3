//! Every listener of the server: bound first (so port 0 resolves and the real addresses
//! go into `runtime/current_config.toml`), then started once the server context exists.

use crate::config::ServerConfig;
use crate::context::{BoundAddresses, ServerContext};
use crate::{quic, tcp, websocket};
use iggy_actors::shard::Shards;
use log::info;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// A bound TCP listener and its TLS acceptor when TLS is enabled.
type TcpBound = (std::net::TcpListener, Option<TlsAcceptor>);

#[derive(Default)]
pub struct Listeners {
    tcp: Option<TcpBound>,
    quic: Option<quic::Bound>,
    websocket: Option<TcpBound>,
}

fn tls_state(tls: &Option<TlsAcceptor>) -> &'static str {
    if tls.is_some() {
        "TLS"
    } else {
        "plain, no TLS"
    }
}

impl Listeners {
    /// Binds every enabled listener; answers them with the addresses they got.
    pub fn bind(config: &ServerConfig) -> Result<(Self, BoundAddresses), String> {
        let mut listeners = Listeners::default();
        let mut bound = BoundAddresses::default();
        let local = |l: &std::net::TcpListener, what: &str| -> Result<SocketAddr, String> {
            l.local_addr().map_err(|e| format!("{what} listener: {e}"))
        };
        if config.tcp.enabled {
            let listener = tcp::listener::bind(&config.tcp)?;
            let addr = local(&listener, "TCP")?;
            let tls = tcp::listener::tls_acceptor(&config.tcp, addr)?;
            info!("TCP listener on {addr}: {}", tls_state(&tls));
            bound.tcp = Some(addr);
            listeners.tcp = Some((listener, tls));
        } else {
            info!("TCP transport disabled (tcp.enabled = false)");
        }
        if config.quic.enabled {
            let quic = quic::bind(&config.quic)?;
            let addr = quic.local_addr().map_err(|e| format!("QUIC socket: {e}"))?;
            info!("QUIC listener on {addr}: TLS 1.3, on shard 0");
            bound.quic = Some(addr);
            listeners.quic = Some(quic);
        } else {
            info!("QUIC transport disabled (quic.enabled = false)");
        }
        if config.websocket.enabled {
            let listener = websocket::bind(&config.websocket)?;
            let addr = local(&listener, "WebSocket")?;
            let tls = websocket::tls_acceptor(&config.websocket, addr)?;
            info!("WebSocket listener on {addr}: {}", tls_state(&tls));
            bound.websocket = Some(addr);
            listeners.websocket = Some((listener, tls));
        } else {
            info!("WebSocket transport disabled (websocket.enabled = false)");
        }
        Ok((listeners, bound))
    }

    /// Starts accepting on every listener until `stop` turns true.
    pub fn start(
        self,
        ctx: &Arc<ServerContext>,
        shards: &Arc<Shards>,
        stop: &watch::Receiver<bool>,
    ) -> Vec<JoinHandle<()>> {
        let mut tasks = Vec::new();
        if let Some((listener, tls)) = self.tcp {
            let (ctx, shards, stop) = (ctx.clone(), shards.clone(), stop.clone());
            tasks.push(actix_rt::spawn(tcp::listener::serve(
                listener, ctx, shards, tls, stop,
            )));
        }
        if let Some(quic) = self.quic {
            let (ctx, shards, stop) = (ctx.clone(), shards.clone(), stop.clone());
            tasks.push(actix_rt::spawn(quic::serve(quic, ctx, shards, stop)));
        }
        if let Some((listener, tls)) = self.websocket {
            let (ctx, shards, stop) = (ctx.clone(), shards.clone(), stop.clone());
            tasks.push(actix_rt::spawn(websocket::serve(
                listener, ctx, shards, tls, stop,
            )));
        }
        tasks
    }
}
