//! Client sessions and logins: the client registry and the user lookups a login and an
//! authorization check need.

use super::clients::{ClientInfo, CloseSession, Transport};
use super::MetadataActor;
use crate::error::IggyError;
use crate::users::UserStatus;
use actix::prelude::*;
use std::net::SocketAddr;

/// Registers a new connection; answers its client id.
#[derive(Message)]
#[rtype(result = "u32")]
pub struct RegisterClient {
    pub address: SocketAddr,
    pub transport: Transport,
    pub session: Recipient<CloseSession>,
}

impl Handler<RegisterClient> for MetadataActor {
    type Result = u32;
    fn handle(&mut self, msg: RegisterClient, _: &mut Self::Context) -> u32 {
        self.clients
            .register(msg.address, msg.transport, msg.session)
    }
}

/// Forgets a closed connection.
#[derive(Message)]
#[rtype(result = "()")]
pub struct UnregisterClient {
    pub client_id: u32,
}

impl Handler<UnregisterClient> for MetadataActor {
    type Result = ();
    fn handle(&mut self, msg: UnregisterClient, _: &mut Self::Context) {
        let groups = self.clients.groups_of(msg.client_id);
        self.clients.remove(msg.client_id);
        self.leave_all_groups(msg.client_id, groups);
    }
}

/// What a login needs to check a password off the actor's thread.
#[derive(Debug, Clone)]
pub struct LoginCandidate {
    pub user_id: u32,
    pub password_hash: String,
    pub status: UserStatus,
}

/// Looks a user up by name for a login; unknown names answer `InvalidCredentials`.
#[derive(Message)]
#[rtype(result = "Result<LoginCandidate, IggyError>")]
pub struct FindLoginUser {
    pub username: String,
}

impl Handler<FindLoginUser> for MetadataActor {
    type Result = Result<LoginCandidate, IggyError>;
    fn handle(&mut self, msg: FindLoginUser, _: &mut Self::Context) -> Self::Result {
        let user = self
            .find_user(&msg.username)
            .ok_or(IggyError::InvalidCredentials)?;
        Ok(LoginCandidate {
            user_id: user.id,
            password_hash: user.password_hash.clone(),
            status: user.status,
        })
    }
}

/// Binds a client to a user (login) or unbinds it (logout). Answers `ClientNotFound`
/// when the client is no longer registered.
#[derive(Message)]
#[rtype(result = "Result<(), IggyError>")]
pub struct SetClientUser {
    pub client_id: u32,
    pub user_id: Option<u32>,
}

impl Handler<SetClientUser> for MetadataActor {
    type Result = Result<(), IggyError>;
    fn handle(&mut self, msg: SetClientUser, _: &mut Self::Context) -> Self::Result {
        if !self.clients.set_user(msg.client_id, msg.user_id) {
            return Err(IggyError::ClientNotFound);
        }
        if msg.user_id.is_none() {
            // A logout leaves nothing behind: the session's memberships go with its user.
            let groups = self.clients.groups_of(msg.client_id);
            self.leave_all_groups(msg.client_id, groups);
        }
        Ok(())
    }
}

#[derive(Message)]
#[rtype(result = "Option<ClientInfo>")]
pub struct GetClient {
    pub client_id: u32,
}

impl Handler<GetClient> for MetadataActor {
    type Result = Option<ClientInfo>;
    fn handle(&mut self, msg: GetClient, _: &mut Self::Context) -> Self::Result {
        self.clients.get(msg.client_id)
    }
}

#[derive(Message)]
#[rtype(result = "Vec<ClientInfo>")]
pub struct GetClients;

impl Handler<GetClients> for MetadataActor {
    type Result = Vec<ClientInfo>;
    fn handle(&mut self, _: GetClients, _: &mut Self::Context) -> Self::Result {
        self.clients.all()
    }
}

/// A client's Ping: its heartbeat.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Heartbeat {
    pub client_id: u32,
}

impl Handler<Heartbeat> for MetadataActor {
    type Result = ();
    fn handle(&mut self, msg: Heartbeat, _: &mut Self::Context) {
        self.clients.heartbeat(msg.client_id);
    }
}

/// Removes the clients whose last heartbeat is older than `max_idle` (HeartbeatVerifier);
/// answers how many.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct RemoveStaleClients {
    pub max_idle: std::time::Duration,
}

impl Handler<RemoveStaleClients> for MetadataActor {
    type Result = usize;
    fn handle(&mut self, msg: RemoveStaleClients, _: &mut Self::Context) -> usize {
        let stale = self.clients.remove_stale(msg.max_idle);
        for client in &stale {
            self.leave_all_groups(client.client_id, client.consumer_groups.clone());
        }
        stale.len()
    }
}
