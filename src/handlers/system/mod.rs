pub mod get_client;
pub mod get_clients;
pub mod get_cluster_metadata;
pub mod get_me;
pub mod get_snapshot;
pub mod get_stats;
