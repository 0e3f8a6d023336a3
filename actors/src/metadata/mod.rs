//! The metadata actor: the only writer of users, tokens, streams, topics, partitions and
//! consumer groups, and of the client registry. Every change is
//! appended to the metadata log before it is applied, and the whole state is rebuilt
//! from the log at start.

mod apply;
mod assignment;
mod catalog;
mod clients;
pub mod entries;
mod figures;
mod groups;
mod messages;
mod model;
pub mod retention;
mod revocations;
mod routes;
mod sessions;
pub mod state_log;
mod streams;
mod tokens;
mod topics;
mod upkeep;
mod user_entries;
mod user_messages;
mod users_admin;

pub use catalog::StorageLayout;
pub use clients::{ClientInfo, CloseSession, Transport};
pub use figures::{GetTopicFigures, TopicFigures};
pub use groups::ExpireHandOvers;
pub use messages::*;
pub use model::*;
pub use revocations::RevokeAccessToken;
pub use routes::{GetRoutingTable, SubscribeRoutes};
pub use sessions::*;
pub use tokens::{generate_token, hash_token};
pub use upkeep::{GetMetadataStats, MetadataStats, ShutdownMetadata};
pub use user_messages::*;

use crate::access::Action;
use crate::error::IggyError;
use crate::partition::{self, PartitionKey};
use crate::permissions::Permissions;
use crate::timed::{self, Timed, Worked};
use crate::users::{self, User, UserStatus, DEFAULT_ROOT_USERNAME, ROOT_USER_ID};
use actix::prelude::*;
use catalog::{Catalog, PartitionHandle};
use clients::Clients;
use entries::MetadataEntry;
use log::{error, info, warn};
use state_log::{LogEntry, StateLog, Truncation};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Root credentials taken from `IGGY_ROOT_USERNAME`/`IGGY_ROOT_PASSWORD` (and
/// `--with-default-root-credentials`); used only when the root user does not exist yet.
#[derive(Debug, Clone, Default)]
pub struct RootCredentials {
    pub username: Option<String>,
    pub password: Option<String>,
}

/// Server defaults applied when a topic is created with "server default" values.
#[derive(Debug, Clone, Copy)]
pub struct TopicDefaults {
    /// `system.topic.message_expiry` as a wire value (µs, `u64::MAX` = never).
    pub message_expiry: u64,
    /// `system.topic.max_size` as a wire value (bytes, `u64::MAX` = unlimited).
    pub max_topic_size: u64,
    /// `system.segment.size`: a custom max topic size below it is refused.
    pub segment_size: u64,
}

pub struct MetadataConfig {
    /// `{system.path}/state`
    pub state_dir: PathBuf,
    /// `system.state.enforce_fsync`
    pub enforce_fsync: bool,
    pub root: RootCredentials,
    pub layout: StorageLayout,
    pub topic_defaults: TopicDefaults,
    /// `system.recovery.recreate_missing_state`
    pub recreate_missing_state: bool,
    /// How partitions store messages.
    pub storage: std::sync::Arc<crate::partition::StorageConfig>,
    /// `personal_access_token.max_tokens_per_user`
    pub max_tokens_per_user: u32,
    /// `system.encryption`: the log's command payloads are sealed with this key.
    pub encryptor: Option<std::sync::Arc<crate::crypto::Encryptor>>,
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
    #[error("{0}")]
    Partitions(String),
}

pub struct MetadataActor {
    log: StateLog,
    users: BTreeMap<u32, User>,
    clients: Clients,
    catalog: Catalog,
    layout: StorageLayout,
    topic_defaults: TopicDefaults,
    recreate_missing_state: bool,
    storage: std::sync::Arc<crate::partition::StorageConfig>,
    /// The shards' event loops, where partition actors are started.
    shards: Vec<ArbiterHandle>,
    /// The last routing table published to the shards.
    routes: std::sync::Arc<crate::routing::RoutingTable>,
    /// Highest user id ever used + 1 (ids of deleted users are never reused).
    next_user_id: u32,
    /// Personal access tokens (hashes only).
    tokens: tokens::TokenStore,
    /// Revoked HTTP access tokens, published with the routing table.
    revoked: revocations::RevokedTokens,
    /// Event loops besides the shards that want every routing table (the HTTP workers).
    route_subscribers: Vec<ArbiterHandle>,
}

impl Actor for MetadataActor {
    type Context = Context<Self>;

    fn started(&mut self, _: &mut Self::Context) {
        info!(
            "metadata actor started: {} user(s), {} stream(s), log {}",
            self.users.len(),
            self.catalog.streams.len(),
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
        let opened = StateLog::open_with(&path, config.enforce_fsync, config.encryptor.clone())
            .map_err(io_err(&path))?;
        let mut actor = MetadataActor {
            log: opened.log,
            users: BTreeMap::new(),
            clients: Clients::default(),
            catalog: Catalog::default(),
            layout: config.layout,
            topic_defaults: config.topic_defaults,
            recreate_missing_state: config.recreate_missing_state,
            storage: config.storage,
            shards: Vec::new(),
            routes: Default::default(),
            next_user_id: 0,
            tokens: tokens::TokenStore::new(config.max_tokens_per_user),
            revoked: revocations::RevokedTokens::open(&config.state_dir, config.enforce_fsync),
            route_subscribers: Vec::new(),
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

    /// Starts the actor of every partition on its shard. A partition whose directory is
    /// missing is recreated empty with `recreate_missing_state`, else start-up fails
    /// naming the directory.
    pub async fn start_partitions(
        &mut self,
        shards: Vec<ArbiterHandle>,
    ) -> Result<usize, MetadataError> {
        self.shards = shards;
        let keys: Vec<PartitionKey> = self
            .catalog
            .partitions()
            .map(|(s, t, p)| PartitionKey {
                stream_id: s,
                topic_id: t,
                partition_id: p.id,
            })
            .collect();
        let count = keys.len();
        for key in keys {
            let dir = self
                .layout
                .partition_dir(key.stream_id, key.topic_id, key.partition_id);
            let missing = !dir.is_dir();
            if missing && !self.recreate_missing_state {
                return Err(MetadataError::Partitions(format!(
                    "{key}: directory {} is missing (set system.recovery.recreate_missing_state = true to recreate it empty)",
                    dir.display()
                )));
            }
            if missing {
                warn!(
                    "{key}: directory {} was missing: recreated empty",
                    dir.display()
                );
            }
            let handle = self.spawn_partition(key, missing).await?;
            self.attach(key, handle);
        }
        self.retain_group_offsets();
        self.publish_routes();
        Ok(count)
    }

    fn attach(&mut self, key: PartitionKey, handle: PartitionHandle) {
        if let Some(p) = self
            .catalog
            .topic_mut(key.stream_id, key.topic_id)
            .and_then(|t| t.partitions.get_mut(&key.partition_id))
        {
            p.handle = Some(handle);
        }
    }

    /// Starts one partition actor on its shard; `create` makes its directory.
    fn spawn_partition(
        &self,
        key: PartitionKey,
        create: bool,
    ) -> impl std::future::Future<Output = Result<PartitionHandle, MetadataError>> + 'static {
        let shard = key.shard(self.shards.len());
        let arbiter = self.shards.get(shard).cloned();
        let dir = self
            .layout
            .partition_dir(key.stream_id, key.topic_id, key.partition_id);
        let storage = self.storage.clone();
        async move {
            let arbiter = arbiter.ok_or_else(|| {
                MetadataError::Partitions("no shard to start partitions on".into())
            })?;
            let (addr, stats) = partition::spawn(&arbiter, key, dir, create, storage)
                .await
                .map_err(MetadataError::Partitions)?;
            Ok(PartitionHandle { addr, stats })
        }
    }

    fn replay(&mut self, entry: &LogEntry) {
        match MetadataEntry::decode(entry.command, &entry.payload, entry.timestamp) {
            Some(Ok(change)) => self.apply(change, entry.timestamp),
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

    /// Appends the change to the log, then applies it.
    fn commit(&mut self, acting_user: u32, change: MetadataEntry) -> Result<LogEntry, IggyError> {
        let publish = change.changes_routes();
        let entry = self.log_and_apply(acting_user, change)?;
        if publish {
            self.publish_routes();
        }
        Ok(entry)
    }

    /// `commit` without publishing the routing table, for a caller that changes more
    /// before it publishes.
    fn log_and_apply(
        &mut self,
        acting_user: u32,
        change: MetadataEntry,
    ) -> Result<LogEntry, IggyError> {
        let entry = self
            .log
            .append(acting_user, change.code(), &change.encode())
            .map_err(|e| {
                error!("cannot append to the metadata log: {e}");
                IggyError::IoError
            })?;
        self.apply(change, entry.timestamp);
        Ok(entry)
    }

    /// Ok when `user_id` is an active user whose permissions allow `action`: the check
    /// of the routing table, which is rebuilt after every change to users.
    fn authorize(&self, user_id: u32, action: Action) -> Result<(), IggyError> {
        self.routes.authorize(user_id, action)
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
        self.commit(ROOT_USER_ID, MetadataEntry::CreateUser(user))
            .map_err(|e| MetadataError::RootCredentials(format!("cannot persist root: {e}")))?;
        info!("created the root user '{username}'");
        Ok(generated)
    }

    fn find_user(&self, username: &str) -> Option<&User> {
        self.users.values().find(|u| u.username == username)
    }
}

/// Any metadata message, answered with its timing and the log indexes it appended.
///
/// The indexes are read when the command's answer is ready and before the actor serves
/// anything else: a wait future is queued *before* the command runs; actix polls wait
/// futures newest first and takes no message while one is pending, so this one runs right
/// after the command (a plain answer, or an `AtomicResponse`'s future), and the range holds
/// this command's entries only. A command answered with a `ResponseActFuture` (spawned, not
/// waited) would never be reached behind it: the metadata actor has none, and must not get
/// one without changing this.
impl<M> Handler<Timed<M>> for MetadataActor
where
    M: Message + Send + 'static,
    M::Result: Send,
    MetadataActor: Handler<M>,
{
    type Result = ResponseFuture<Option<Worked<M::Result>>>;

    fn handle(&mut self, Timed(msg): Timed<M>, ctx: &mut Self::Context) -> Self::Result {
        let before = self.log.next_index();
        let (answer_tx, answer) = tokio::sync::oneshot::channel();
        let (worked_tx, worked) = tokio::sync::oneshot::channel();
        let started = std::time::SystemTime::now();
        ctx.wait(
            timed::finish(started, answer)
                .into_actor(self)
                .map(move |done, act, _| {
                    let logged = before..act.log.next_index();
                    let _ = worked_tx.send(done.map(|done| Worked::new(done, logged)));
                }),
        );
        let response = <Self as Handler<M>>::handle(self, msg, ctx);
        actix::dev::MessageResponse::handle(response, ctx, Some(answer_tx));
        Box::pin(async move { worked.await.ok().flatten() })
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
            layout: StorageLayout {
                streams_dir: dir.join("streams"),
                topics: "topics".into(),
                partitions: "partitions".into(),
            },
            topic_defaults: TopicDefaults {
                message_expiry: u64::MAX,
                max_topic_size: u64::MAX,
                segment_size: 1 << 30,
            },
            recreate_missing_state: false,
            storage: Default::default(),
            max_tokens_per_user: 100,
            encryptor: None,
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

    #[actix_rt::test]
    async fn a_timed_command_reports_the_log_entries_it_appended() {
        let dir = tempfile::tempdir().unwrap();
        let (mut actor, _) =
            MetadataActor::open(config(dir.path(), RootCredentials::default())).unwrap();
        actor
            .start_partitions(vec![actix::Arbiter::current()])
            .await
            .unwrap();
        let addr = actor.start();
        let create = CreateStream {
            user_id: ROOT_USER_ID,
            name: "traced".into(),
        };
        let created = addr.send(Timed(create)).await.unwrap().expect("answered");
        assert_eq!(created.result.unwrap().name, "traced");
        assert_eq!(created.work.logged, 1..2, "the root user is entry 0");
        assert!(created.work.started <= created.work.finished);
        let listed = addr
            .send(Timed(GetStreams {
                user_id: ROOT_USER_ID,
            }))
            .await
            .unwrap()
            .expect("answered");
        assert_eq!(listed.result.unwrap().len(), 1);
        assert!(listed.work.logged.is_empty(), "a read logs nothing");
        let refused = CreateStream {
            user_id: ROOT_USER_ID,
            name: "traced".into(),
        };
        let refused = addr.send(Timed(refused)).await.unwrap().expect("answered");
        assert!(refused.result.is_err());
        assert!(
            refused.work.logged.is_empty(),
            "a refused command logs nothing"
        );
        // An atomic command (its partitions start on a shard before it is logged), and a
        // plain one sent right behind it: each gets its own entry.
        let topic = CreateTopic {
            user_id: ROOT_USER_ID,
            stream: crate::identifier::Identifier::Numeric(0),
            name: "t".into(),
            partitions_count: 2,
            settings: TopicSettings {
                compression_algorithm: 1,
                message_expiry: 0,
                max_topic_size: 0,
                replication_factor: 0,
            },
        };
        let second = CreateStream {
            user_id: ROOT_USER_ID,
            name: "second".into(),
        };
        let (topic, second) = tokio::join!(addr.send(Timed(topic)), addr.send(Timed(second)));
        let (topic, second) = (topic.unwrap().unwrap(), second.unwrap().unwrap());
        assert_eq!(topic.result.unwrap().info.partitions_count, 2);
        assert_eq!(topic.work.logged, 2..3);
        assert_eq!(second.work.logged, 3..4);
    }
}
