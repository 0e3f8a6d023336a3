//! What every connection and handler shares: the addresses of the engine's actors, the
//! configuration and the addresses the listeners actually bound.

use crate::config::ServerConfig;
use crate::telemetry;
use actix::dev::ToEnvelope;
use actix::{Addr, Handler, MailboxError, Message};
use iggy_actors::metadata::MetadataActor;
use iggy_actors::supervisors::sysinfo_printer::SysinfoPrinter;
use iggy_actors::timed::Timed;
use iggy_actors::IggyError;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Listen addresses after binding (port 0 resolved to the real port).
#[derive(Debug, Clone, Default)]
pub struct BoundAddresses {
    pub tcp: Option<SocketAddr>,
    pub quic: Option<SocketAddr>,
    pub http: Option<SocketAddr>,
    pub websocket: Option<SocketAddr>,
}

impl BoundAddresses {
    /// "TCP on a, QUIC on b, ..." for the start-up log.
    pub fn describe(&self) -> String {
        let listed: Vec<String> = [
            ("TCP", self.tcp),
            ("QUIC", self.quic),
            ("HTTP", self.http),
            ("WebSocket", self.websocket),
        ]
        .into_iter()
        .filter_map(|(name, addr)| addr.map(|a| format!("{name} on {a}")))
        .collect();
        if listed.is_empty() {
            "no transport enabled".to_string()
        } else {
            listed.join(", ")
        }
    }
}

/// The metadata actor's address as the edges use it. `send` is `Addr::send`, except inside
/// a traced request, where the actor's work becomes a child span of the request and the
/// metadata-log indexes the command wrote are recorded on it (`telemetry::observed`).
/// Everything else is the address's own (`Deref`).
#[derive(Clone)]
pub struct Metadata(Addr<MetadataActor>);

impl Metadata {
    pub fn new(addr: Addr<MetadataActor>) -> Self {
        Metadata(addr)
    }

    pub async fn send<M>(&self, msg: M) -> Result<M::Result, MailboxError>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        MetadataActor: Handler<M> + Handler<Timed<M>>,
        <MetadataActor as actix::Actor>::Context:
            ToEnvelope<MetadataActor, M> + ToEnvelope<MetadataActor, Timed<M>>,
    {
        telemetry::observed(&self.0, msg, "metadata", Vec::new).await
    }
}

impl std::ops::Deref for Metadata {
    type Target = Addr<MetadataActor>;

    fn deref(&self) -> &Addr<MetadataActor> {
        &self.0
    }
}

pub struct ServerContext {
    pub config: Arc<ServerConfig>,
    pub metadata: Metadata,
    pub sysinfo: Addr<SysinfoPrinter>,
    pub bound: BoundAddresses,
    /// `--follower`: report this node as a follower in cluster metadata.
    pub follower: bool,
    /// Set when shutdown begins: logins are refused, listeners stop accepting.
    shutting_down: AtomicBool,
}

impl ServerContext {
    pub fn new(
        config: Arc<ServerConfig>,
        metadata: Addr<MetadataActor>,
        sysinfo: Addr<SysinfoPrinter>,
        bound: BoundAddresses,
        follower: bool,
    ) -> Self {
        Self {
            config,
            metadata: Metadata::new(metadata),
            sysinfo,
            bound,
            follower,
            shutting_down: AtomicBool::new(false),
        }
    }

    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }
}

/// One client's session, owned by its connection actor.
#[derive(Debug, Clone)]
pub struct Session {
    pub client_id: u32,
    /// The logged-in user, if any.
    pub user_id: Option<u32>,
    pub address: SocketAddr,
}

impl Session {
    /// The logged-in user; `Unauthenticated` (40) before login. The dispatcher already
    /// refuses such sessions for every command that needs a user.
    pub fn user(&self) -> Result<u32, IggyError> {
        self.user_id.ok_or(IggyError::Unauthenticated)
    }
}
