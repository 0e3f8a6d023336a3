//! The TCP transport (plain or TLS): binds the listener and accepts connections, placing
//! each one on a shard in turn, where its `Connection` actor serves it.

use crate::config::TcpConfig;
use crate::connection::{ByteStream, Connection};
use crate::context::ServerContext;
use crate::listen;
use crate::protocol::frame::{RequestDecoder, ResponseSink};
use crate::tls;
use futures_util::StreamExt;
use iggy_actors::metadata::Transport;
use iggy_actors::shard::Shards;
use log::warn;
use socket2::SockRef;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;
use tokio_util::codec::FramedRead;

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
    let tls = config.tls.enabled;
    listen::refuse_if_served("TCP", addr, |a| listen::binary_server_answers(a, tls))?;
    listen::bind_stream("TCP", addr, |socket| {
        match config.socket.override_defaults {
            true => apply_socket_options(&SockRef::from(socket), config),
            false => Ok(()),
        }
    })
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

/// What one frame read may fill. Frames smaller than this arrive whole and are split off
/// the buffer without a copy; with tokio-util's 8 KiB default, every ~10 KB request
/// outgrew the buffer and its first 8 KiB were copied into a larger one.
const READ_BUFFER: usize = 64 * 1024;

/// `[tcp.tls]`: the acceptor when TLS is enabled (certificate files, or self-signed).
pub fn tls_acceptor(
    config: &TcpConfig,
    bound: SocketAddr,
) -> Result<Option<tokio_rustls::TlsAcceptor>, String> {
    tls::acceptor("tcp.tls", &config.tls, bound, &[])
}

/// Accepts until `stop` turns true; each connection goes to the next shard.
pub async fn serve(
    listener: std::net::TcpListener,
    ctx: Arc<ServerContext>,
    shards: Arc<Shards>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    stop: watch::Receiver<bool>,
) {
    let config = ctx.config.tcp.clone();
    let prepare = move |stream: &tokio::net::TcpStream, peer: SocketAddr| {
        if config.socket.override_defaults {
            if let Err(e) = apply_socket_options(&SockRef::from(stream), &config) {
                warn!("cannot apply [tcp.socket] options to {peer}: {e}");
            }
        }
    };
    let start = move |stream: tokio::net::TcpStream, peer: SocketAddr| {
        start_connection(stream, peer, ctx.clone(), tls.clone())
    };
    listen::accept("TCP", listener, shards, stop, prepare, start).await;
}

/// On the connection's shard: the TLS handshake (when enabled, as a task of its own with
/// a deadline, so a stalled client holds up nobody), then the connection actor.
fn start_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    ctx: Arc<ServerContext>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let Some(acceptor) = tls else {
        let (reader, writer) = stream.into_split();
        let frames = FramedRead::with_capacity(reader, RequestDecoder, READ_BUFFER)
            .map(|item| item.map(|inbound| (inbound, None)));
        Connection::start(ctx, Transport::Tcp, peer, Some(ByteStream(writer)), frames);
        return;
    };
    actix_rt::spawn(async move {
        let Some(stream) = tls::handshake(&acceptor, stream, "TCP", peer).await else {
            return;
        };
        let (reader, writer) = tokio::io::split(stream);
        let frames = FramedRead::with_capacity(reader, RequestDecoder, READ_BUFFER)
            .map(|item| item.map(|inbound| (inbound, None)));
        Connection::start(ctx, Transport::Tcp, peer, Some(ByteStream(writer)), frames);
    });
}

/// Answers on a TLS stream: file ranges are read, then encrypted on the way out.
impl ResponseSink for tokio::io::WriteHalf<tokio_rustls::server::TlsStream<tokio::net::TcpStream>> {}
