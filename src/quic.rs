//! The QUIC transport (`binary-protocol.md` §2.8): one bidirectional stream per request.
//! As in the original, QUIC runs on shard 0: the endpoint (one UDP socket, `SO_REUSEADDR` +
//! `SO_REUSEPORT` like every listener), every connection's driver, handshake and
//! `Connection` actor share that shard's thread, so a datagram is never handed between
//! threads (with the endpoint elsewhere, switching threads cost a fifth of the CPU). A request is read to the end of its stream (the SDK finishes its side
//! after the frame), served like any other frame, and answered on the same stream, whose
//! sending side is then finished: the SDK reads every response to its end.

use crate::config::QuicConfig;
use crate::connection::{Connection, Replier};
use crate::context::ServerContext;
use crate::listen;
use crate::protocol::frame::{self, Inbound, RequestDecoder, Response, ResponseSink};
use crate::tls;
use bytes::{Bytes, BytesMut};
use iggy_actors::metadata::Transport;
use iggy_actors::partition::messages::FileRange;
use iggy_actors::shard::Shards;
use iggy_actors::IggyError;
use log::{debug, info, warn};
use socket2::{Protocol, SockRef, Type};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio_util::codec::Decoder;

/// How long a client may take to finish the QUIC handshake.
const HANDSHAKE_DEADLINE: Duration = Duration::from_secs(10);
/// Requests read ahead of the one being served, per connection.
const QUEUED_REQUESTS: usize = 16;
/// The largest request a stream may carry: a full SendMessages frame.
const MAX_REQUEST: usize = frame::HEADER_SIZE + frame::MAX_SEND_MESSAGES_PAYLOAD;

/// The QUIC listener, bound but not started: its socket and its server configuration.
pub struct Bound {
    socket: std::net::UdpSocket,
    server: quinn::ServerConfig,
}

impl Bound {
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.socket.local_addr()
    }
}

/// Binds `quic.address` and prepares the endpoint's configuration.
pub fn bind(config: &QuicConfig) -> Result<Bound, String> {
    let addr: SocketAddr = config
        .address
        .parse()
        .map_err(|e| format!("quic.address {:?}: {e}", config.address))?;
    listen::refuse_if_served("QUIC", addr, listen::quic_server_answers)?;
    let server = server_config(config, addr)?;
    let socket = listen::reusable_socket(addr, Type::DGRAM, Protocol::UDP)
        .map_err(|e| format!("cannot create the QUIC socket for {addr}: {e}"))?;
    if config.socket.override_defaults {
        let s = &config.socket;
        let sock = SockRef::from(&socket);
        sock.set_recv_buffer_size(s.recv_buffer_size.as_bytes() as usize)
            .and_then(|_| sock.set_send_buffer_size(s.send_buffer_size.as_bytes() as usize))
            .map_err(|e| format!("cannot apply [quic.socket] options: {e}"))?;
    }
    socket
        .bind(&addr.into())
        .map_err(|e| format!("cannot bind QUIC to {addr}: {e}"))?;
    socket
        .set_nonblocking(true)
        .map_err(|e| format!("cannot make the QUIC socket non-blocking: {e}"))?;
    let socket: std::net::UdpSocket = socket.into();
    if let Ok(bound) = socket.local_addr() {
        info!("QUIC listener bound to {bound} ({})", listen::HOW);
    }
    Ok(Bound { socket, server })
}

/// TLS 1.3 with the `[quic.certificate]` identity (a fresh self-signed ECDSA P-256 one
/// with `self_signed`), no ALPN required, and the `[quic]` transport parameters.
fn server_config(config: &QuicConfig, addr: SocketAddr) -> Result<quinn::ServerConfig, String> {
    let c = &config.certificate;
    let identity = if c.self_signed {
        tls::Identity::self_signed(&tls::names_for(addr))?
    } else {
        tls::Identity::from_files("quic.certificate", &c.cert_file, &c.key_file)?
    };
    let rustls = identity
        .tls13_config()
        .map_err(|e| format!("quic.certificate: {e}"))?;
    let crypto = quinn::crypto::rustls::QuicServerConfig::try_from(rustls)
        .map_err(|e| format!("quic.certificate: no TLS 1.3 cipher suite for QUIC: {e}"))?;
    let mut server = quinn::ServerConfig::with_crypto(Arc::new(crypto));
    server.transport_config(Arc::new(transport(config)?));
    Ok(server)
}

/// The `[quic]` transport parameters. A zero keep-alive or idle timeout leaves the
/// library's default (none). `datagram_send_buffer_size` and `socket.keepalive` are refused
/// unless default (`crate::features`): nothing here sends datagrams or keeps UDP alive.
fn transport(config: &QuicConfig) -> Result<quinn::TransportConfig, String> {
    let var = |key: &str, value: u64| {
        quinn::VarInt::from_u64(value).map_err(|_| format!("{key} = {value} is too large"))
    };
    let mut t = quinn::TransportConfig::default();
    t.max_concurrent_bidi_streams(var(
        "quic.max_concurrent_bidi_streams",
        config.max_concurrent_bidi_streams,
    )?);
    t.max_concurrent_uni_streams(0u32.into());
    let mtu = config.initial_mtu.as_bytes();
    t.initial_mtu(
        u16::try_from(mtu).map_err(|_| {
            format!("quic.initial_mtu = {mtu} bytes: at most 65535 (a UDP datagram)")
        })?,
    );
    t.send_window(config.send_window.as_bytes());
    t.receive_window(var(
        "quic.receive_window",
        config.receive_window.as_bytes(),
    )?);
    let keep_alive = config.keep_alive_interval.as_duration();
    t.keep_alive_interval((!keep_alive.is_zero()).then_some(keep_alive));
    let idle = config.max_idle_timeout.as_duration();
    if !idle.is_zero() {
        let idle = quinn::IdleTimeout::try_from(idle)
            .map_err(|_| format!("quic.max_idle_timeout = {idle:?} is too large"))?;
        t.max_idle_timeout(Some(idle));
    }
    Ok(t)
}

/// Starts the endpoint on shard 0 and accepts connections there until `stop` turns true.
/// Answers when the endpoint has stopped.
pub async fn serve(
    bound: Bound,
    ctx: Arc<ServerContext>,
    shards: Arc<Shards>,
    stop: watch::Receiver<bool>,
) {
    let Some(shard) = shards.get(0) else {
        return warn!("no shard to run QUIC on");
    };
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let spawned = shard.arbiter.spawn(async move {
        run(bound, ctx, stop).await;
        let _ = done_tx.send(());
    });
    if !spawned {
        return warn!("shard 0 is stopped: QUIC does not start");
    }
    let _ = done_rx.await;
}

async fn run(bound: Bound, ctx: Arc<ServerContext>, mut stop: watch::Receiver<bool>) {
    let endpoint = match quinn::Endpoint::new(
        quinn::EndpointConfig::default(),
        Some(bound.server),
        bound.socket,
        Arc::new(quinn::TokioRuntime),
    ) {
        Ok(endpoint) => endpoint,
        Err(e) => return warn!("cannot start the QUIC endpoint: {e}"),
    };
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            incoming = endpoint.accept() => match incoming {
                Some(incoming) => {
                    actix_rt::spawn(handshake(incoming, ctx.clone()));
                }
                None => break,
            },
        }
    }
    endpoint.close(0u32.into(), b"server shutting down");
    info!("QUIC listener stopped accepting");
}

/// The handshake, as a task of its own with a deadline, then the connection.
async fn handshake(incoming: quinn::Incoming, ctx: Arc<ServerContext>) {
    let peer = incoming.remote_address();
    let connecting = match incoming.accept() {
        Ok(connecting) => connecting,
        Err(e) => return debug!("QUIC connection from {peer} refused: {e}"),
    };
    match tokio::time::timeout(HANDSHAKE_DEADLINE, connecting).await {
        Ok(Ok(connection)) => start(connection, ctx),
        Ok(Err(e)) => info!("QUIC handshake with {peer} failed: {e}"),
        Err(_) => info!("QUIC handshake with {peer} did not finish within {HANDSHAKE_DEADLINE:?}"),
    }
}

/// Starts the connection actor and the task that reads one request from every stream the
/// client opens and queues it for the actor (which serves them in order).
fn start(connection: quinn::Connection, ctx: Arc<ServerContext>) {
    let peer = connection.remote_address();
    let (tx, mut rx) = mpsc::channel(QUEUED_REQUESTS);
    let requests = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    Connection::start(ctx, Transport::Quic, peer, None::<QuicReply>, requests);
    actix_rt::spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = connection.accept_bi() => accepted,
                // The actor stopped (the session was closed by the server).
                _ = tx.closed() => break,
            };
            let (send, mut recv) = match accepted {
                Ok(streams) => streams,
                Err(e) => {
                    debug!("QUIC connection from {peer} ended: {e}");
                    break;
                }
            };
            let inbound = read_request(&mut recv).await;
            if tx.send(Ok((inbound, Some(QuicReply(send))))).await.is_err() {
                break;
            }
        }
        // Either side ended the session: make sure the client sees it at once.
        connection.close(0u32.into(), b"session closed");
    });
}

/// Reads one request frame: the stream up to its end, which must hold exactly one frame.
/// Every stream is read whole (or stopped), so a bad request never bleeds into the next
/// one: it is answered with `InvalidCommand` and the connection goes on.
async fn read_request(recv: &mut quinn::RecvStream) -> Inbound {
    let rejected = |code| Inbound::Rejected {
        code,
        error: IggyError::InvalidCommand,
        close: false,
    };
    let bytes = match recv.read_to_end(MAX_REQUEST).await {
        Ok(bytes) => bytes,
        Err(e) => {
            debug!("QUIC request stream failed: {e}");
            let _ = recv.stop(0u32.into());
            return rejected(0);
        }
    };
    let mut buf = BytesMut::from(bytes::Bytes::from(bytes));
    match RequestDecoder.decode(&mut buf) {
        Ok(Some(Inbound::Rejected { code, .. })) => rejected(code),
        Ok(Some(inbound)) => {
            if !buf.is_empty() {
                debug!("{} byte(s) after a QUIC request frame ignored", buf.len());
            }
            inbound
        }
        // The stream ended in the middle of a frame.
        _ => rejected(0),
    }
}

/// Answers on the request's own stream, then finishes it.
pub struct QuicReply(quinn::SendStream);

/// Owned buffers go to the stream as they are (`write_all_chunks`): quinn's `AsyncWrite`
/// would copy every byte once more before encrypting it into packets.
impl ResponseSink for quinn::SendStream {
    async fn send_file(&mut self, range: &FileRange) -> std::io::Result<()> {
        let bytes = range.read()?;
        Ok(self.write_chunk(bytes).await?)
    }

    async fn write_parts(&mut self, parts: VecDeque<Bytes>) -> std::io::Result<()> {
        let mut parts: Vec<Bytes> = parts.into();
        Ok(self.write_all_chunks(&mut parts).await?)
    }
}

impl Replier for QuicReply {
    async fn reply(mut self, response: Response) -> (Self, std::io::Result<()>) {
        let mut written = frame::write_response(&mut self.0, response).await;
        if written.is_ok() {
            written = self
                .0
                .finish()
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::BrokenPipe, e));
        }
        (self, written)
    }
}
