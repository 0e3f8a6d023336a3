//! One connection model for every binary transport (TCP, TCP+TLS, QUIC, WebSocket and
//! WebSocket+TLS). A `Connection` actor lives on a shard and owns one client session: it
//! registers the client, serves the frames that reach it strictly one at a time (the
//! handling and the write of the answer run as one `wait` future, so the next frame is not
//! taken until the previous answer is out), keeps the session's user, answers a stale
//! session with `StaleClient`, and unregisters the client when it stops.
//!
//! A transport adds only how frames arrive (a stream of [`Incoming`] items) and how one
//! answer leaves (a [`Replier`]): a byte stream writes `status | length | payload`; QUIC
//! writes it on the request's own stream and finishes that stream; WebSocket sends it as
//! one binary message. Nothing about commands is written twice.
//!
//! Every decoded request is served inside its telemetry span (`telemetry::traced`), here,
//! once for all these transports.

use crate::context::{ServerContext, Session};
use crate::handlers;
use crate::protocol::frame::{self, Inbound, Response, ResponseSink};
use crate::telemetry;
use actix::prelude::*;
use futures_util::Stream;
use iggy_actors::metadata::{CloseSession, RegisterClient, Transport, UnregisterClient};
use iggy_actors::IggyError;
use log::{debug, info, warn};
use std::net::SocketAddr;
use std::sync::Arc;

/// How one answer leaves a connection.
#[allow(async_fn_in_trait)]
pub trait Replier: Sized + Unpin + 'static {
    /// Writes `response`, giving the replier back for the next answer.
    async fn reply(self, response: Response) -> (Self, std::io::Result<()>);

    /// Best-effort goodbye when the session ends (flush, shutdown, close frame).
    async fn close(self) {}
}

/// Any byte stream that takes responses as `status | length | payload` (TCP, TLS).
pub struct ByteStream<W>(pub W);

impl<W: ResponseSink + Unpin + 'static> Replier for ByteStream<W> {
    async fn reply(mut self, response: Response) -> (Self, std::io::Result<()>) {
        let written = frame::write_response(&mut self.0, response).await;
        (self, written)
    }

    async fn close(mut self) {
        use tokio::io::AsyncWriteExt;
        let _ = self.0.shutdown().await;
    }
}

/// A frame read from a connection, with its own replier when the transport answers each
/// request on a channel of its own (a QUIC stream); `None`: on the connection's replier.
pub type Incoming<R> = (Inbound, Option<R>);

pub struct Connection<R: Replier> {
    ctx: Arc<ServerContext>,
    session: Session,
    transport: Transport,
    /// The connection's replier; lent to the future that writes an answer, then returned.
    replier: Option<R>,
    /// Removed by the heartbeat verifier: the next request gets `StaleClient`.
    stale: bool,
}

impl<R: Replier> Connection<R> {
    /// Starts the actor on the current shard: it registers its client, then serves what
    /// `incoming` yields; `replier` answers the frames that bring none of their own.
    pub fn start<S>(
        ctx: Arc<ServerContext>,
        transport: Transport,
        peer: SocketAddr,
        replier: Option<R>,
        incoming: S,
    ) -> Addr<Self>
    where
        S: Stream<Item = std::io::Result<Incoming<R>>> + 'static,
    {
        Connection::create(move |actx| {
            actx.add_stream(incoming);
            Connection {
                ctx,
                session: Session {
                    client_id: 0,
                    user_id: None,
                    address: peer,
                },
                transport,
                replier,
                stale: false,
            }
        })
    }

    /// Serves one frame (or answers a rejected one) and writes the answer; the connection
    /// closes afterwards when the frame or the error requires it.
    fn serve(&mut self, inbound: Inbound, own: Option<R>, actx: &mut Context<Self>) {
        let per_request = own.is_some();
        let Some(replier) = own.or_else(|| self.replier.take()) else {
            actx.stop();
            return;
        };
        let ctx = self.ctx.clone();
        let session = self.session.clone();
        let stale = self.stale;
        let transport = self.transport;
        let work = async move {
            let (new_user, response, close) = match inbound {
                _ if stale => (None, Response::Error(IggyError::StaleClient), true),
                Inbound::Request { code, payload } => {
                    let request = telemetry::Request {
                        code,
                        transport,
                        client_id: Some(session.client_id),
                        user_id: session.user_id,
                    };
                    let served = handlers::handle(&ctx, &session, code, payload);
                    let reply = telemetry::traced(request, served).await;
                    let close =
                        matches!(reply.response, Response::Error(e) if e.closes_connection());
                    (reply.new_user, reply.response, close)
                }
                Inbound::Rejected { error, close, .. } => (None, Response::Error(error), close),
            };
            let (replier, written) = replier.reply(response).await;
            (replier, new_user, written, close)
        };
        actx.wait(work.into_actor(self).map(
            move |(replier, new_user, written, close), act, actx| {
                if !per_request {
                    act.replier = Some(replier);
                }
                if let Some(user) = new_user {
                    act.session.user_id = user;
                }
                if let Err(e) = written {
                    debug!("client {}: write failed: {e}", act.session.client_id);
                    actx.stop();
                } else if close {
                    actx.stop();
                }
            },
        ));
    }
}

fn transport_name(transport: Transport) -> &'static str {
    match transport {
        Transport::Tcp => "TCP",
        Transport::Quic => "QUIC",
        Transport::Http => "HTTP",
        Transport::WebSocket => "WebSocket",
    }
}

impl<R: Replier> Actor for Connection<R> {
    type Context = Context<Self>;

    fn started(&mut self, actx: &mut Self::Context) {
        let register = RegisterClient {
            address: self.session.address,
            transport: self.transport,
            session: actx.address().recipient(),
        };
        let metadata = self.ctx.metadata.clone();
        // Nothing is served until the client is registered.
        actx.wait(
            async move { metadata.send(register).await }
                .into_actor(self)
                .map(|result, act, actx| match result {
                    Ok(client_id) => {
                        act.session.client_id = client_id;
                        let transport = transport_name(act.transport);
                        let peer = act.session.address;
                        info!(
                            client_id = client_id, transport = transport, peer:% = peer;
                            "client {client_id} connected over {transport} from {peer}"
                        );
                    }
                    Err(_) => {
                        warn!("cannot register a client: the metadata actor is gone");
                        actx.stop();
                    }
                }),
        );
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        let client_id = self.session.client_id;
        if let Some(replier) = self.replier.take() {
            // Dropping the replier closes the transport anyway; this says goodbye first.
            actix_rt::spawn(replier.close());
        }
        if client_id != 0 {
            self.ctx.metadata.do_send(UnregisterClient { client_id });
            let transport = transport_name(self.transport);
            let peer = self.session.address;
            info!(
                client_id = client_id, transport = transport, peer:% = peer;
                "client {client_id} ({peer} over {transport}) disconnected"
            );
        }
    }
}

impl<R: Replier> StreamHandler<std::io::Result<Incoming<R>>> for Connection<R> {
    fn handle(&mut self, item: std::io::Result<Incoming<R>>, actx: &mut Self::Context) {
        match item {
            Ok((inbound, own)) => {
                if let Inbound::Rejected { code, error, close } = &inbound {
                    warn!(
                        "client {} ({}): frame with code {code} rejected ({error}){}",
                        self.session.client_id,
                        self.session.address,
                        if *close {
                            ", closing the connection"
                        } else {
                            ""
                        }
                    );
                }
                self.serve(inbound, own, actx);
            }
            Err(e) => {
                debug!("client {}: read error: {e}", self.session.client_id);
                actx.stop();
            }
        }
    }

    fn finished(&mut self, actx: &mut Self::Context) {
        actx.stop();
    }
}

impl<R: Replier> Handler<CloseSession> for Connection<R> {
    type Result = ();

    fn handle(&mut self, msg: CloseSession, actx: &mut Self::Context) {
        info!(
            "client {}: closing session: {}",
            self.session.client_id, msg.reason
        );
        if msg.stale {
            // Answered with StaleClient at the next request, then closed.
            self.stale = true;
        } else {
            actx.stop();
        }
    }
}
