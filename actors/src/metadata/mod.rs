//! The metadata actor: the only writer of users (and, in later work, streams, topics,
//! partitions, tokens and consumer groups) and of the client registry. Every change is
//! appended to the metadata log before it is applied, and the whole state is rebuilt
//! from the log at start.

mod clients;
pub mod entries;
pub mod state_log;

pub use clients::{ClientInfo, CloseSession, Transport};

use crate::error::IggyError;
use crate::permissions::Permissions;
use crate::users::{self, User, UserStatus, DEFAULT_ROOT_USERNAME, ROOT_USER_ID};
use actix::prelude::*;
use clients::Clients;
use entries::MetadataEntry;
use log::{error, info, warn};
use state_log::{LogEntry, StateLog, Truncation};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Root credentials taken from `IGGY_ROOT_USERNAME`/`IGGY_ROOT_PASSWORD` (and
/// `--with-default-root-credentials`); used only when the root user does not exist yet.
#[derive(Debug, Clone, Default)]
pub struct RootCredentials {
    pub username: Option<String>,
    pub password: Option<String>,
}

pub struct MetadataConfig {
    /// `{system.path}/state`
    pub state_dir: PathBuf,
    /// `system.state.enforce_fsync`
    pub enforce_fsync: bool,
    pub root: RootCredentials,
}

/// What happened while the metadata was opened, for the caller to report.
#[derive(Debug, Default)]
pub struct Bootstrap {
    pub entries_replayed: usize,
    pub truncation: Option<Truncation>,
    pub root_created: bool,
    /// Set when the root user was created with a random password: print it once.
    pub generated_root_password: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    #[error("cannot open the metadata log {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid root credentials: {0}")]
    RootCredentials(String),
}

pub struct MetadataActor {
    log: StateLog,
    users: BTreeMap<u32, User>,
    clients: Clients,
}

impl Actor for MetadataActor {
    type Context = Context<Self>;

    fn started(&mut self, _: &mut Self::Context) {
        info!(
            "metadata actor started: {} user(s), log {}",
            self.users.len(),
            self.log.path().display()
        );
    }
}

impl MetadataActor {
    /// Replays the metadata log and creates the root user if it is missing.
    pub fn open(config: MetadataConfig) -> Result<(Self, Bootstrap), MetadataError> {
        let io_err = |path: &PathBuf| {
            let path = path.clone();
            move |source| MetadataError::Io { path, source }
        };
        std::fs::create_dir_all(&config.state_dir).map_err(io_err(&config.state_dir))?;
        let path = config.state_dir.join("log");
        let opened = StateLog::open(&path, config.enforce_fsync).map_err(io_err(&path))?;
        let mut actor = MetadataActor {
            log: opened.log,
            users: BTreeMap::new(),
            clients: Clients::default(),
        };
        let mut bootstrap = Bootstrap {
            entries_replayed: opened.entries.len(),
            truncation: opened.truncation,
            ..Default::default()
        };
        for entry in &opened.entries {
            actor.replay(entry);
        }
        if !actor.users.contains_key(&ROOT_USER_ID) {
            bootstrap.generated_root_password = actor.create_root(&config.root)?;
            bootstrap.root_created = true;
            actor.log.sync().map_err(io_err(&path))?;
        }
        Ok((actor, bootstrap))
    }

    fn replay(&mut self, entry: &LogEntry) {
        match MetadataEntry::decode(entry.command, &entry.payload, entry.timestamp) {
            Some(Ok(change)) => self.apply(change),
            Some(Err(e)) => error!(
                "metadata log entry {} (command {}) cannot be decoded, skipped: {e}",
                entry.index, entry.command
            ),
            None => warn!(
                "metadata log entry {} has unknown command {}, skipped",
                entry.index, entry.command
            ),
        }
    }

    fn apply(&mut self, change: MetadataEntry) {
        match change {
            MetadataEntry::CreateUser(user) => {
                self.users.insert(user.id, user);
            }
        }
    }

    /// Appends the change to the log, then applies it.
    fn commit(&mut self, acting_user: u32, change: MetadataEntry) -> Result<LogEntry, IggyError> {
        let entry = self
            .log
            .append(acting_user, change.code(), &change.encode())
            .map_err(|e| {
                error!("cannot append to the metadata log: {e}");
                IggyError::IoError
            })?;
        self.apply(change);
        Ok(entry)
    }

    fn create_root(&mut self, root: &RootCredentials) -> Result<Option<String>, MetadataError> {
        let (username, password, generated) = match (&root.username, &root.password) {
            (Some(u), Some(p)) => (u.clone(), p.clone(), None),
            (None, None) => {
                let password = users::random_password();
                (
                    DEFAULT_ROOT_USERNAME.to_string(),
                    password.clone(),
                    Some(password),
                )
            }
            _ => {
                return Err(MetadataError::RootCredentials(
                    "IGGY_ROOT_USERNAME and IGGY_ROOT_PASSWORD must be set together".into(),
                ))
            }
        };
        users::validate_username(&username).map_err(|_| {
            MetadataError::RootCredentials(format!(
                "root username must be 3 to 50 bytes, got {}",
                username.len()
            ))
        })?;
        users::validate_password(&password).map_err(|_| {
            MetadataError::RootCredentials(format!(
                "root password must be 3 to 100 bytes, got {}",
                password.len()
            ))
        })?;
        let password_hash = users::hash_password(&password)
            .map_err(|_| MetadataError::RootCredentials("cannot hash the password".into()))?;
        let user = User {
            id: ROOT_USER_ID,
            username: username.clone(),
            password_hash,
            status: UserStatus::Active,
            permissions: Some(Permissions::root()),
            created_at: 0,
        };
        let entry = self
            .commit(ROOT_USER_ID, MetadataEntry::CreateUser(user))
            .map_err(|e| MetadataError::RootCredentials(format!("cannot persist root: {e}")))?;
        if let Some(root) = self.users.get_mut(&ROOT_USER_ID) {
            root.created_at = entry.timestamp;
        }
        info!("created the root user '{username}'");
        Ok(generated)
    }

    fn find_user(&self, username: &str) -> Option<&User> {
        self.users.values().find(|u| u.username == username)
    }
}

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
        self.clients.remove(msg.client_id);
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
        if self.clients.set_user(msg.client_id, msg.user_id) {
            Ok(())
        } else {
            Err(IggyError::ClientNotFound)
        }
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

/// A user's current status and permissions, for the authorization check of a command.
#[derive(Debug, Clone)]
pub struct UserAccess {
    pub status: UserStatus,
    pub permissions: Option<Permissions>,
}

#[derive(Message)]
#[rtype(result = "Option<UserAccess>")]
pub struct GetUserAccess {
    pub user_id: u32,
}

impl Handler<GetUserAccess> for MetadataActor {
    type Result = Option<UserAccess>;
    fn handle(&mut self, msg: GetUserAccess, _: &mut Self::Context) -> Self::Result {
        self.users.get(&msg.user_id).map(|u| UserAccess {
            status: u.status,
            permissions: u.permissions.clone(),
        })
    }
}

/// Counts for GetStats.
#[derive(Debug, Clone, Default)]
pub struct MetadataStats {
    pub streams_count: u32,
    pub topics_count: u32,
    pub partitions_count: u32,
    pub segments_count: u32,
    pub messages_count: u64,
    pub messages_size_bytes: u64,
    pub clients_count: u32,
    pub consumer_groups_count: u32,
}

#[derive(Message)]
#[rtype(result = "MetadataStats")]
pub struct GetMetadataStats;

impl Handler<GetMetadataStats> for MetadataActor {
    type Result = MessageResult<GetMetadataStats>;
    fn handle(&mut self, _: GetMetadataStats, _: &mut Self::Context) -> Self::Result {
        MessageResult(MetadataStats {
            clients_count: self.clients.len() as u32,
            ..Default::default()
        })
    }
}

/// Shutdown: close every session and fsync the log.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ShutdownMetadata;

impl Handler<ShutdownMetadata> for MetadataActor {
    type Result = ();
    fn handle(&mut self, _: ShutdownMetadata, _: &mut Self::Context) {
        self.clients.close_all("server shutting down");
        if let Err(e) = self.log.sync() {
            error!("cannot fsync the metadata log at shutdown: {e}");
        }
        info!("metadata log synced, sessions told to close");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &std::path::Path, root: RootCredentials) -> MetadataConfig {
        MetadataConfig {
            state_dir: dir.join("state"),
            enforce_fsync: false,
            root,
        }
    }

    #[test]
    fn root_is_created_once_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let creds = RootCredentials {
            username: Some("admin".into()),
            password: Some("pw123".into()),
        };
        let (actor, boot) = MetadataActor::open(config(dir.path(), creds)).unwrap();
        assert!(boot.root_created);
        assert!(boot.generated_root_password.is_none());
        let hash = actor.find_user("admin").unwrap().password_hash.clone();
        assert!(users::verify_password("pw123", &hash));
        drop(actor);
        let other = RootCredentials {
            username: Some("other".into()),
            password: Some("xyz12".into()),
        };
        let (actor, boot) = MetadataActor::open(config(dir.path(), other)).unwrap();
        assert!(!boot.root_created);
        assert_eq!(boot.entries_replayed, 1);
        assert!(actor.find_user("other").is_none());
        assert_eq!(actor.users[&ROOT_USER_ID].username, "admin");
        let raw = std::fs::read(dir.path().join("state/log")).unwrap();
        assert!(
            !raw.windows(5).any(|w| w == b"pw123"),
            "plain password on disk"
        );
    }

    #[test]
    fn random_root_password_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let (actor, boot) =
            MetadataActor::open(config(dir.path(), RootCredentials::default())).unwrap();
        let password = boot.generated_root_password.unwrap();
        let root = actor.find_user(DEFAULT_ROOT_USERNAME).unwrap();
        assert!(users::verify_password(&password, &root.password_hash));
    }

    #[test]
    fn half_given_credentials_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let creds = RootCredentials {
            username: Some("admin".into()),
            password: None,
        };
        assert!(matches!(
            MetadataActor::open(config(dir.path(), creds)),
            Err(MetadataError::RootCredentials(_))
        ));
        let creds = RootCredentials {
            username: Some("ad".into()),
            password: Some("pw123".into()),
        };
        assert!(MetadataActor::open(config(dir.path(), creds)).is_err());
    }
}
