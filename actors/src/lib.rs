//! The engine of the server: shards, the metadata actor with its log, users and
//! permissions, supervisors. It knows nothing about sockets or wire bytes; the edges
//! (`src/` of the root package) translate requests into the typed messages below.
//!
//! # Actor map
//!
//! | actor | thread | owns | accepts (from) |
//! |---|---|---|---|
//! | [`shard::Shards`] (one `Arbiter` each) | one OS thread per shard, pinned to its core | the connections and partition actors placed on it; a thread-local copy of the [`routing::RoutingTable`] | — |
//! | [`metadata::MetadataActor`] | its own arbiter | users, tokens, streams, topics, the partition list, consumer groups and their assignments, the client registry, the metadata log; builds and publishes the routing table | the stream/topic/partition/segment/consumer-group messages of `metadata::messages`, `HandOverDone`, `ExpireHandOvers`, `GetRetentionPlan` (MessageCleaner), the user and token messages of `metadata::user_messages`, `RegisterClient`, `UnregisterClient`, `FindLoginUser`, `SetClientUser`, `GetClient`, `GetClients`, `Heartbeat`, `RemoveStaleClients`, `GetRoutingTable`, `GetMetadataStats`, `ShutdownMetadata` (connection actors, command handlers, supervisors, shutdown) |
//! | [`partition::PartitionActor`] | the shard chosen by a stable hash of its ids | one partition's segments, unsaved buffer, consumer offsets, the member each consumer group is served to, deduplication cache | `AppendMessages`, `PollMessages`, `FlushUnsaved`, `Get/Store/DeleteConsumerOffset` (connections, MessageSaver); `PurgePartition`, `DeleteOldestSegments`, `RemovePartition`, `StopPartition`, `AssignGroupPartition`, `HandOverGroupPartition`, `ForceHandOver`, `RetainGroups` (metadata actor); `OldestDeletable`, `DeleteSegment` (MessageCleaner) |
//! | [`supervisors::heartbeat_verifier::HeartbeatVerifier`] | the metadata arbiter | nothing | its own `run_interval` tick; sends `RemoveStaleClients` to the metadata actor |
//! | [`supervisors::message_saver::MessageSaver`] | the metadata arbiter | nothing | its own `run_interval` tick; sends `FlushUnsaved` to every partition |
//! | [`supervisors::message_cleaner::MessageCleaner`] | the metadata arbiter | the [`archive::Archiver`] when segments are archived | its own `run_interval` tick; sends `GetRetentionPlan` to the metadata actor, then `OldestDeletable`/`DeleteSegment` to the partitions |
//! | [`supervisors::pat_cleaner::PatCleaner`] | the metadata arbiter | nothing | its own `run_interval` tick; sends `DeleteExpiredTokens` to the metadata actor |
//! | [`supervisors::rebalance_timer::RebalanceTimer`] | the metadata arbiter | nothing | its own `run_interval` tick; sends `ExpireHandOvers` to the metadata actor |
//! | [`supervisors::sysinfo_printer::SysinfoPrinter`] | the metadata arbiter | a `sysinfo` probe | its own `run_interval` tick; `GetSystemSnapshot` (GetStats handler) |
//!
//! Connection actors live in the root package (`src/tcp/connection.rs`): one per client,
//! on a shard, sending the messages above and receiving `metadata::CloseSession`.

pub mod access;
pub mod archive;
pub mod bytes_io;
pub mod crypto;
pub mod error;
pub mod identifier;
pub mod metadata;
pub mod partition;
pub mod permissions;
pub mod routing;
pub mod shard;
pub mod snapshot;
pub mod supervisors;
pub mod system_info;
pub mod timed;
pub mod users;

pub use error::IggyError;
