//! Binds the TCP listener and accepts connections, placing each one on a shard in turn.

use super::connection::Connection;
use crate::config::TcpConfig;
use crate::context::ServerContext;
use crate::listen;
use iggy_actors::shard::Shards;
use log::{error, info, warn};
use socket2::{Protocol, SockRef, Type};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;

/// Binds `tcp.address` the way every listener binds (`crate::listen`): `SO_REUSEADDR` +
/// `SO_REUSEPORT`, after making sure no server answers a Ping there. `[tcp.socket]`
/// options apply when `override_defaults` is set.
pub fn bind(config: &TcpConfig) -> Result<std::net::TcpListener, String> {
    let addr: SocketAddr = config.address.parse().map_err(|e| {
        format!(
            "tcp.address {:?} is not a socket address: {e}",
            config.address
        )
    })?;
    listen::refuse_if_served("TCP", addr, listen::binary_server_answers)?;
    let socket = listen::reusable_socket(addr, Type::STREAM, Protocol::TCP)
        .map_err(|e| format!("cannot create the TCP socket for {addr}: {e}"))?;
    if config.socket.override_defaults {
        apply_socket_options(&SockRef::from(&socket), config)
            .map_err(|e| format!("cannot apply [tcp.socket] options: {e}"))?;
    }
    socket
        .bind(&addr.into())
        .map_err(|e| format!("cannot bind TCP to {addr}: {e}"))?;
    socket
        .listen(1024)
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    socket
        .set_nonblocking(true)
        .map_err(|e| format!("cannot make the TCP listener non-blocking: {e}"))?;
    let listener: std::net::TcpListener = socket.into();
    if let Ok(bound) = listener.local_addr() {
        info!("TCP listener bound to {bound} ({})", listen::HOW);
    }
    Ok(listener)
}

/// Sets the `[tcp.socket]` options on a socket (the listener, and each accepted socket).
fn apply_socket_options(socket: &SockRef<'_>, config: &TcpConfig) -> std::io::Result<()> {
    let s = &config.socket;
    socket.set_recv_buffer_size(s.recv_buffer_size.as_bytes() as usize)?;
    socket.set_send_buffer_size(s.send_buffer_size.as_bytes() as usize)?;
    socket.set_keepalive(s.keepalive)?;
    socket.set_nodelay(s.nodelay)?;
    let linger = s.linger.as_duration();
    socket.set_linger(Some(linger))?;
    Ok(())
}

/// Accepts until `stop` turns true.
pub async fn serve(
    listener: std::net::TcpListener,
    ctx: Arc<ServerContext>,
    shards: Arc<Shards>,
    mut stop: watch::Receiver<bool>,
) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            error!("cannot start accepting TCP connections: {e}");
            return;
        }
    };
    let override_defaults = ctx.config.tcp.socket.override_defaults;
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    if override_defaults {
                        if let Err(e) = apply_socket_options(&SockRef::from(&stream), &ctx.config.tcp) {
                            warn!("cannot apply [tcp.socket] options to {peer}: {e}");
                        }
                    }
                    place(stream, peer, &ctx, &shards);
                }
                Err(e) => {
                    warn!("TCP accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
        }
    }
    info!("TCP listener stopped accepting");
}

/// Hands the socket to the next shard, where its connection actor will live.
fn place(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    ctx: &Arc<ServerContext>,
    shards: &Shards,
) {
    let std_stream = match stream.into_std() {
        Ok(s) => s,
        Err(e) => {
            warn!("cannot move the connection from {peer} to a shard: {e}");
            return;
        }
    };
    let shard = shards.next_for_connection();
    let ctx = ctx.clone();
    let shard_id = shard.id;
    let spawned = shard.arbiter.spawn(async move {
        match tokio::net::TcpStream::from_std(std_stream) {
            Ok(stream) => Connection::start(stream, peer, ctx),
            Err(e) => warn!("shard {shard_id}: cannot adopt the connection from {peer}: {e}"),
        }
    });
    if !spawned {
        warn!("shard {shard_id} is stopped; connection from {peer} dropped");
    }
}
