//! The WebSocket transport (`binary-protocol.md` §2.9), plain or TLS, on actix-web and
//! actix-ws. Accepted sockets go to the shards like TCP ones; on its shard a socket gets
//! the TLS handshake (when enabled), then actix-web's HTTP/1.1 service, which upgrades a
//! request on any path. The upgraded connection is a `Connection` actor on that shard.
//!
//! Binary messages are a byte stream: their data is appended to one buffer and request
//! frames are cut from it, so a frame split over messages, or several frames in one
//! message, both work. Text messages are ignored, pings answered, a close ends the
//! session. Every response leaves as one binary message; its bytes are gathered into one
//! buffer first (file ranges of a poll are read), since a message is what the library
//! sends: that is the one copy this transport adds to a poll.

use crate::config::WebSocketConfig;
use crate::connection::{Connection, Replier};
use crate::context::ServerContext;
use crate::listen;
use crate::protocol::frame::{self, Inbound, RequestDecoder, Response};
use crate::tls;
use actix_http::ws::{CloseCode, CloseReason, Item, Message, ProtocolError};
use actix_service::{map_config, IntoServiceFactory, Service, ServiceFactory};
use actix_web::{web, App, HttpRequest, HttpResponse};
use bytes::{BufMut, Bytes, BytesMut};
use iggy_actors::metadata::Transport;
use iggy_actors::partition::messages::Chunk;
use iggy_actors::shard::Shards;
use log::{debug, info, warn};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio_util::codec::Decoder;

/// How long a client may take to send its upgrade request.
const UPGRADE_DEADLINE: Duration = Duration::from_secs(10);
/// Requests read ahead of the one being served, per connection.
const QUEUED_REQUESTS: usize = 16;

/// Binds `websocket.address` the way every listener binds (`crate::listen`).
pub fn bind(config: &WebSocketConfig) -> Result<std::net::TcpListener, String> {
    let addr: SocketAddr = config
        .address
        .parse()
        .map_err(|e| format!("websocket.address {:?}: {e}", config.address))?;
    let tls = config.tls.enabled;
    listen::refuse_if_served("WebSocket", addr, |a| {
        listen::websocket_server_answers(a, tls)
    })?;
    listen::bind_stream("WebSocket", addr, |_| Ok(()))
}

/// `[websocket.tls]`: the acceptor when TLS is enabled (certificate files, or self-signed).
pub fn tls_acceptor(
    config: &WebSocketConfig,
    bound: SocketAddr,
) -> Result<Option<tokio_rustls::TlsAcceptor>, String> {
    tls::acceptor("websocket.tls", &config.tls, bound, &[b"http/1.1"])
}

/// Accepts until `stop` turns true; each connection goes to the next shard.
pub async fn serve(
    listener: std::net::TcpListener,
    ctx: Arc<ServerContext>,
    shards: Arc<Shards>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    stop: watch::Receiver<bool>,
) {
    let prepare = |_: &tokio::net::TcpStream, _: SocketAddr| {};
    let start = move |stream: tokio::net::TcpStream, peer: SocketAddr| {
        let (ctx, tls) = (ctx.clone(), tls.clone());
        actix_rt::spawn(async move {
            match tls {
                None => upgrade_and_serve(stream, peer, ctx).await,
                Some(acceptor) => {
                    if let Some(stream) = tls::handshake(&acceptor, stream, "WebSocket", peer).await
                    {
                        upgrade_and_serve(stream, peer, ctx).await;
                    }
                }
            }
        });
    };
    listen::accept("WebSocket", listener, shards, stop, prepare, start).await;
}

/// Runs actix-web's HTTP/1.1 service on the connection, on this shard, until the
/// connection ends; the upgrade handler starts the session.
async fn upgrade_and_serve<T>(io: T, peer: SocketAddr, ctx: Arc<ServerContext>)
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + 'static,
{
    let app = App::new()
        .app_data(web::Data::new(ctx))
        .default_service(web::to(upgrade));
    let factory = actix_http::HttpService::<T, _, _>::build()
        .client_request_timeout(UPGRADE_DEADLINE)
        .h1(map_config(app.into_factory(), |_| {
            actix_web::dev::AppConfig::default()
        }));
    let service = match factory.new_service(()).await {
        Ok(service) => service,
        Err(()) => return warn!("cannot start the WebSocket HTTP service for {peer}"),
    };
    if let Err(e) = service.call((io, Some(peer))).await {
        debug!("WebSocket connection from {peer} ended: {e:?}");
    }
}

/// The upgrade, on any path; a request that is not a WebSocket upgrade gets 400.
async fn upgrade(
    req: HttpRequest,
    body: web::Payload,
    ctx: web::Data<Arc<ServerContext>>,
) -> Result<HttpResponse, actix_web::Error> {
    let (response, session, messages) = actix_ws::handle(&req, body)?;
    let Some(peer) = req.peer_addr() else {
        return Ok(HttpResponse::BadRequest().finish());
    };
    let (max_message, max_frame) = ctx.config.websocket.limits();
    let messages = messages.max_frame_size(max_frame);
    let (tx, mut rx) = mpsc::channel(QUEUED_REQUESTS);
    let requests = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let replier = WsReply(session.clone());
    Connection::start(
        ctx.get_ref().clone(),
        Transport::WebSocket,
        peer,
        Some(replier),
        requests,
    );
    actix_rt::spawn(read_frames(messages, session, tx, peer, max_message));
    Ok(response)
}

type Requests = mpsc::Sender<std::io::Result<(Inbound, Option<WsReply>)>>;

/// Turns the client's binary messages into request frames for the connection actor.
async fn read_frames(
    mut messages: actix_ws::MessageStream,
    mut session: actix_ws::Session,
    tx: Requests,
    peer: SocketAddr,
    max_message: usize,
) {
    let mut buf = BytesMut::new();
    let mut decoder = RequestDecoder;
    // A fragmented message in progress: its size so far, and whether it is binary.
    let mut fragmented: Option<(usize, bool)> = None;
    loop {
        let message = tokio::select! {
            message = messages.recv() => message,
            // The actor stopped: the server ended the session.
            _ = tx.closed() => break,
        };
        let data = match message {
            None => break,
            Some(Err(e)) => {
                info!("WebSocket client {peer}: {e}: closing");
                let code = match e {
                    ProtocolError::Overflow => CloseCode::Size,
                    _ => CloseCode::Protocol,
                };
                let _ = session.close(Some(CloseReason::from(code))).await;
                break;
            }
            Some(Ok(Message::Binary(data))) => Some(data),
            Some(Ok(Message::Text(_))) => {
                debug!("WebSocket client {peer}: text message ignored");
                None
            }
            Some(Ok(Message::Ping(payload))) => {
                let _ = session.pong(&payload).await;
                None
            }
            Some(Ok(Message::Pong(_) | Message::Nop)) => None,
            Some(Ok(Message::Close(reason))) => {
                debug!("WebSocket client {peer} closed the session: {reason:?}");
                let _ = session.close(reason).await;
                break;
            }
            Some(Ok(Message::Continuation(item))) => {
                let (data, binary, last) = match item {
                    Item::FirstText(data) => (data, false, false),
                    Item::FirstBinary(data) => (data, true, false),
                    Item::Continue(data) => (data, fragmented.is_some_and(|f| f.1), false),
                    Item::Last(data) => (data, fragmented.is_some_and(|f| f.1), true),
                };
                let size = fragmented.map_or(0, |f| f.0) + data.len();
                if size > max_message {
                    info!("WebSocket client {peer}: message over {max_message} bytes: closing");
                    let _ = session
                        .close(Some(CloseReason::from(CloseCode::Size)))
                        .await;
                    break;
                }
                fragmented = (!last).then_some((size, binary));
                binary.then_some(data)
            }
        };
        let Some(data) = data else { continue };
        buf.extend_from_slice(&data);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(inbound)) => {
                    if tx.send(Ok((inbound, None))).await.is_err() {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            }
        }
    }
}

/// Answers as one binary message.
pub struct WsReply(actix_ws::Session);

impl Replier for WsReply {
    async fn reply(mut self, response: Response) -> (Self, std::io::Result<()>) {
        let message = match encode(response) {
            Ok(message) => message,
            Err(e) => return (self, Err(e)),
        };
        let sent = self
            .0
            .binary(message)
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "session closed"));
        (self, sent)
    }

    async fn close(self) {
        let _ = self.0.close(None).await;
    }
}

/// `status | length | payload` in one buffer.
fn encode(response: Response) -> std::io::Result<Bytes> {
    let (status, length, chunks) = frame::status_and_chunks(response);
    let mut out = BytesMut::with_capacity(8 + length as usize);
    out.put_u32_le(status);
    out.put_u32_le(length);
    for chunk in chunks {
        match chunk {
            Chunk::Memory(bytes) => out.put_slice(&bytes),
            // Read straight into the message: the one copy of the stored bytes.
            Chunk::File(range) => range.read_into(&mut out)?,
        }
    }
    Ok(out.freeze())
}
