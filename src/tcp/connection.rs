//! One actor per TCP client. It reads frames and serves them strictly one at a time: the
//! handling and the write of the answer run as one `wait` future, so the next frame is
//! not read until the previous answer is on the socket (the SDK never pipelines; a client
//! that does is simply served in order, with TCP backpressure).

use crate::context::{ServerContext, Session};
use crate::handlers;
use crate::protocol::frame::{self, Inbound, RequestDecoder, Response};
use actix::prelude::*;
use iggy_actors::metadata::{CloseSession, RegisterClient, Transport, UnregisterClient};
use iggy_actors::IggyError;
use log::{debug, info, warn};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio_util::codec::FramedRead;

/// What one socket read may fill. Frames smaller than this arrive whole and are split off
/// the buffer without a copy; with tokio-util's 8 KiB default, every ~10 KB request
/// outgrew the buffer and its first 8 KiB were copied into a larger one.
const READ_BUFFER: usize = 64 * 1024;

pub struct Connection {
    ctx: Arc<ServerContext>,
    session: Session,
    /// The socket's write half; lent to the future that writes an answer, then returned.
    writer: Option<OwnedWriteHalf>,
    /// Removed by the heartbeat verifier: the next request gets `StaleClient`.
    stale: bool,
}

impl Connection {
    /// Starts the actor for an accepted socket; call it on the shard that will own it.
    pub fn start(stream: TcpStream, peer: SocketAddr, ctx: Arc<ServerContext>) {
        let (reader, writer) = stream.into_split();
        Connection::create(move |actx| {
            actx.add_stream(FramedRead::with_capacity(
                reader,
                RequestDecoder,
                READ_BUFFER,
            ));
            let session = Session {
                client_id: 0,
                user_id: None,
                address: peer,
            };
            Connection {
                ctx,
                session,
                writer: Some(writer),
                stale: false,
            }
        });
    }

    /// Serves one frame (or answers a rejected one) and writes the answer; the connection
    /// closes afterwards when `close` is set or the error requires it.
    fn serve(&mut self, inbound: Inbound, actx: &mut Context<Self>) {
        let Some(mut writer) = self.writer.take() else {
            actx.stop();
            return;
        };
        let ctx = self.ctx.clone();
        let session = self.session.clone();
        let stale = self.stale;
        let work = async move {
            let (reply_user, response, close) = match inbound {
                _ if stale => (None, Response::Error(IggyError::StaleClient), true),
                Inbound::Request { code, payload } => {
                    let reply = handlers::handle(&ctx, &session, code, payload).await;
                    let close =
                        matches!(reply.response, Response::Error(e) if e.closes_connection());
                    (reply.new_user, reply.response, close)
                }
                Inbound::Rejected { error, close, .. } => (None, Response::Error(error), close),
            };
            let written = frame::write_response(&mut writer, response).await;
            (writer, reply_user, written, close)
        };
        actx.wait(
            work.into_actor(self)
                .map(|(writer, new_user, written, close), act, actx| {
                    act.writer = Some(writer);
                    if let Some(user) = new_user {
                        act.session.user_id = user;
                    }
                    if let Err(e) = written {
                        debug!("client {}: write failed: {e}", act.session.client_id);
                        actx.stop();
                    } else if close {
                        actx.stop();
                    }
                }),
        );
    }
}

impl Actor for Connection {
    type Context = Context<Self>;

    fn started(&mut self, actx: &mut Self::Context) {
        let register = RegisterClient {
            address: self.session.address,
            transport: Transport::Tcp,
            session: actx.address().recipient(),
        };
        let metadata = self.ctx.metadata.clone();
        // Nothing is read from the socket until the client is registered.
        actx.wait(
            async move { metadata.send(register).await }
                .into_actor(self)
                .map(|result, act, actx| match result {
                    Ok(client_id) => {
                        act.session.client_id = client_id;
                        info!(
                            "client {client_id} connected over TCP from {}",
                            act.session.address
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
        if let Some(mut writer) = self.writer.take() {
            // Best effort: tell the peer we are done; dropping the half closes it anyway.
            actix_rt::spawn(async move {
                let _ = writer.shutdown().await;
            });
        }
        if client_id != 0 {
            self.ctx.metadata.do_send(UnregisterClient { client_id });
            info!("client {client_id} ({}) disconnected", self.session.address);
        }
    }
}

impl StreamHandler<Result<Inbound, std::io::Error>> for Connection {
    fn handle(&mut self, item: Result<Inbound, std::io::Error>, actx: &mut Self::Context) {
        match item {
            Ok(inbound) => {
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
                self.serve(inbound, actx);
            }
            Err(e) => {
                debug!("client {}: read error: {e}", self.session.client_id);
                actx.stop();
            }
        }
    }
}

impl Handler<CloseSession> for Connection {
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
