//! Connected clients (sessions of the binary transports). Owned by the metadata actor.

use actix::prelude::*;
use std::collections::HashMap;
use std::net::SocketAddr;

/// The transport a client came in on; the discriminant is the wire code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tcp = 1,
    Quic = 2,
    Http = 3,
    WebSocket = 4,
}

/// Asks a connection to close its session. A `stale` session (no heartbeat in time)
/// answers its next request with `StaleClient` and then closes; any other closes now.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct CloseSession {
    pub reason: &'static str,
    pub stale: bool,
}

/// What `GetClient`/`GetClients` report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    pub client_id: u32,
    pub user_id: Option<u32>,
    pub transport: Transport,
    pub address: String,
    /// (stream id, topic id, group id) of every consumer group joined.
    pub consumer_groups: Vec<(u32, u32, u32)>,
}

pub(crate) struct ClientRecord {
    pub info: ClientInfo,
    /// Where to send `CloseSession`.
    pub session: Recipient<CloseSession>,
    /// Connect time, then the time of the last Ping.
    pub last_heartbeat: std::time::Instant,
}

#[derive(Default)]
pub(crate) struct Clients {
    records: HashMap<u32, ClientRecord>,
}

impl Clients {
    /// Registers a client. Its id is the XXH32 hash of the peer address text (as the
    /// original server does); on a collision the next free non-zero id is taken.
    pub fn register(
        &mut self,
        address: SocketAddr,
        transport: Transport,
        session: Recipient<CloseSession>,
    ) -> u32 {
        let address = address.to_string();
        let mut id = xxhash_rust::xxh32::xxh32(address.as_bytes(), 0);
        while id == 0 || self.records.contains_key(&id) {
            id = id.wrapping_add(1);
        }
        let info = ClientInfo {
            client_id: id,
            user_id: None,
            transport,
            address,
            consumer_groups: Vec::new(),
        };
        let last_heartbeat = std::time::Instant::now();
        self.records.insert(
            id,
            ClientRecord {
                info,
                session,
                last_heartbeat,
            },
        );
        id
    }

    /// Records a Ping.
    pub fn heartbeat(&mut self, client_id: u32) {
        if let Some(record) = self.records.get_mut(&client_id) {
            record.last_heartbeat = std::time::Instant::now();
        }
    }

    /// Removes the clients whose last heartbeat is older than `max_idle`, telling their
    /// sessions they are stale. Answers the clients removed.
    pub fn remove_stale(&mut self, max_idle: std::time::Duration) -> Vec<ClientInfo> {
        let now = std::time::Instant::now();
        let stale: Vec<u32> = self
            .records
            .iter()
            .filter(|(_, r)| now.duration_since(r.last_heartbeat) > max_idle)
            .map(|(id, _)| *id)
            .collect();
        let mut removed = Vec::with_capacity(stale.len());
        for id in &stale {
            if let Some(record) = self.records.remove(id) {
                let reason = "no heartbeat in time";
                record.session.do_send(CloseSession {
                    reason,
                    stale: true,
                });
                removed.push(record.info);
            }
        }
        removed
    }

    pub fn remove(&mut self, client_id: u32) -> bool {
        self.records.remove(&client_id).is_some()
    }

    pub fn contains(&self, client_id: u32) -> bool {
        self.records.contains_key(&client_id)
    }

    /// The (stream, topic, group) of every group the client is a member of.
    pub fn groups_of(&self, client_id: u32) -> Vec<(u32, u32, u32)> {
        self.records
            .get(&client_id)
            .map(|r| r.info.consumer_groups.clone())
            .unwrap_or_default()
    }

    pub fn join_group(&mut self, client_id: u32, group: (u32, u32, u32)) {
        if let Some(record) = self.records.get_mut(&client_id) {
            if !record.info.consumer_groups.contains(&group) {
                record.info.consumer_groups.push(group);
            }
        }
    }

    pub fn leave_group(&mut self, client_id: u32, group: (u32, u32, u32)) {
        if let Some(record) = self.records.get_mut(&client_id) {
            record.info.consumer_groups.retain(|g| *g != group);
        }
    }

    /// Forgets, for every client, the groups matching `gone` (their stream, topic or group
    /// was deleted).
    pub fn leave_groups_where(&mut self, gone: impl Fn(u32, u32, u32) -> bool) {
        for record in self.records.values_mut() {
            record
                .info
                .consumer_groups
                .retain(|&(s, t, g)| !gone(s, t, g));
        }
    }

    pub fn set_user(&mut self, client_id: u32, user_id: Option<u32>) -> bool {
        match self.records.get_mut(&client_id) {
            Some(record) => {
                record.info.user_id = user_id;
                true
            }
            None => false,
        }
    }

    /// Unbinds every client logged in as `user_id` (the user was deleted); answers their ids.
    pub fn forget_user(&mut self, user_id: u32) -> Vec<u32> {
        let mut unbound = Vec::new();
        for (id, record) in &mut self.records {
            if record.info.user_id == Some(user_id) {
                record.info.user_id = None;
                unbound.push(*id);
            }
        }
        unbound
    }

    pub fn get(&self, client_id: u32) -> Option<ClientInfo> {
        self.records.get(&client_id).map(|r| r.info.clone())
    }

    pub fn all(&self) -> Vec<ClientInfo> {
        let mut all: Vec<_> = self.records.values().map(|r| r.info.clone()).collect();
        all.sort_by_key(|c| c.client_id);
        all
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Tells every session to close.
    pub fn close_all(&self, reason: &'static str) {
        for record in self.records.values() {
            record.session.do_send(CloseSession {
                reason,
                stale: false,
            });
        }
    }
}
