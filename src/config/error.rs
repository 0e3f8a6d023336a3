//! Errors of configuration loading and validation; each names the key at fault.

use std::path::PathBuf;

/// Why the configuration could not be loaded or was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// The file named by `IGGY_CONFIG_PATH` (or ./config.toml) could not be read.
    #[error("cannot read configuration file {}: {reason}", path.display())]
    FileRead { path: PathBuf, reason: String },
    /// The file is not valid TOML.
    #[error("cannot parse configuration file {}: {reason}", path.display())]
    FileParse { path: PathBuf, reason: String },
    /// A key in the file (or the defaults) has the wrong type or format.
    #[error("cannot load configuration: {key}: {reason}")]
    Load { key: String, reason: String },
    /// An `IGGY_*` environment variable has a value the key cannot take.
    #[error("cannot load configuration: environment variable {var} = {value:?}: {reason}")]
    Env {
        var: String,
        value: String,
        reason: String,
    },
    /// A value was loaded but breaks a validation rule.
    #[error("invalid configuration: {key} = {value}: {reason}")]
    Invalid {
        key: String,
        value: String,
        reason: String,
    },
}

impl ConfigError {
    /// A validation failure; `value` is shown quoted.
    pub fn invalid(key: &str, value: impl std::fmt::Display, reason: impl Into<String>) -> Self {
        ConfigError::Invalid {
            key: key.to_string(),
            value: format!("\"{value}\""),
            reason: reason.into(),
        }
    }
}
