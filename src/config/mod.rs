//! Server configuration: embedded defaults (`config.toml`) → file → `IGGY_*`
//! environment variables, then validation.
//!
//! Layout:
//! - `sections`: one struct per TOML section, field names = TOML keys;
//! - `size`, `duration`, `types`, `cpu`: value types with their text formats;
//! - `load`: file discovery, unknown-key warnings, deep merge, typed deserialization;
//! - `env`: environment overrides (found per section with `envy`);
//! - `validate`: start-up rules, each error naming the key;
//! - `sharding`: turning `cpu_allocation` into one CPU per shard.

mod cpu;
mod duration;
mod env;
mod error;
mod load;
mod sections;
pub mod sharding;
mod size;
mod types;
mod validate;
mod validate_net;

#[cfg(test)]
mod tests_load;
#[cfg(test)]
mod tests_types;
#[cfg(test)]
mod tests_validate;

use std::collections::HashMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use cpu::CpuAllocation;
pub use duration::{IggyDuration, IggyExpiry};
pub use error::ConfigError;
pub use sections::*;
pub use sharding::resolve_cores;
pub use size::{ByteSize, MaxTopicSize};
pub use types::{CacheIndexes, CompressionAlgorithm, TelemetryTransport};

/// The whole server configuration; each field is one top-level TOML section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerConfig {
    pub consumer_group: ConsumerGroupConfig,
    pub data_maintenance: DataMaintenanceConfig,
    pub http: HttpConfig,
    pub tcp: TcpConfig,
    pub quic: QuicConfig,
    pub message_saver: MessageSaverConfig,
    pub personal_access_token: PersonalAccessTokenConfig,
    pub heartbeat: HeartbeatConfig,
    pub telemetry: TelemetryConfig,
    pub system: SystemConfig,
    pub cluster: ClusterConfig,
    pub websocket: WebSocketConfig,
}

/// Where the file layer came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// No file: only the built-in defaults (and environment).
    Embedded,
    /// This file was merged onto the defaults.
    File(PathBuf),
}

/// The result of [`load`]: the config plus what the caller should log.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: ServerConfig,
    pub source: ConfigSource,
    /// Unknown keys in the file, unknown `IGGY_*` variables.
    pub warnings: Vec<String>,
    /// One "`<VAR>` value changed to: ... from environment variable" line per override.
    pub applied_overrides: Vec<String>,
}

/// Loads the configuration. `env` holds all environment variables (already merged
/// with a `.env` file by the caller). The file is `IGGY_CONFIG_PATH` (which must exist)
/// or `config.toml` in the working directory when present.
pub fn load(env: &HashMap<String, String>) -> Result<LoadedConfig, ConfigError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    load::load_in(env, &cwd)
}

/// What a secret value is shown as (logs, the redacted config).
pub(crate) const MASK: &str = "******";

impl ServerConfig {
    /// The built-in defaults alone.
    pub fn embedded_defaults() -> Result<ServerConfig, ConfigError> {
        load::deserialize(load::default_table()?, &[])
    }

    /// The whole configuration as TOML with secrets replaced by `******`.
    pub fn to_redacted_toml(&self) -> String {
        let mut copy = self.clone();
        for secret in [
            &mut copy.http.jwt.encoding_secret,
            &mut copy.http.jwt.decoding_secret,
            &mut copy.system.encryption.key,
        ] {
            if !secret.is_empty() {
                *secret = MASK.to_string();
            }
        }
        toml::to_string(&copy)
            .unwrap_or_else(|e| format!("# the configuration could not be printed: {e}\n"))
    }
}
