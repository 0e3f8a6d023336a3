//! GetSnapshot (11): the archive of the requested types, built on a blocking thread
//! (it reads the data directory, the process table and the log files). Any logged-in
//! user may take one, as in the original.

use crate::context::ServerContext;
use bytes::Bytes;
use iggy_actors::snapshot::{self, SnapshotSources, SnapshotType};
use iggy_actors::IggyError;
use std::path::PathBuf;

pub async fn handle(
    ctx: &ServerContext,
    deflate: bool,
    types: Vec<SnapshotType>,
) -> Result<Bytes, IggyError> {
    let config = &ctx.config;
    let data_dir = PathBuf::from(&config.system.path);
    let log_dir = config
        .system
        .logging
        .file_enabled
        .then(|| data_dir.join(&config.system.logging.path));
    let sources = SnapshotSources {
        data_dir,
        log_dir,
        config_text: config.to_redacted_toml(),
    };
    tokio::task::spawn_blocking(move || snapshot::build(deflate, &types, &sources))
        .await
        .map_err(|_| IggyError::Error)?
        .map(Bytes::from)
}
