//! Loading: embedded defaults, then a file, then `IGGY_*` environment variables.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::env::{self, EnvOrigin};
use super::{ConfigError, ConfigSource, LoadedConfig, ServerConfig};

/// The built-in defaults: the repository's `config.toml`, compiled in.
pub(crate) const DEFAULT_CONFIG: &str = include_str!("../../config.toml");

/// Parses the embedded defaults into a TOML table.
pub(crate) fn default_table() -> Result<Table, ConfigError> {
    DEFAULT_CONFIG
        .parse::<Table>()
        .map_err(|e| ConfigError::FileParse {
            path: PathBuf::from("<embedded config.toml>"),
            reason: e.message().to_string(),
        })
}

/// Loads the configuration, looking for `config.toml` in `cwd` when
/// `IGGY_CONFIG_PATH` is not set.
pub(crate) fn load_in(
    env: &HashMap<String, String>,
    cwd: &Path,
) -> Result<LoadedConfig, ConfigError> {
    let defaults = default_table()?;
    let mut merged = defaults.clone();
    let mut warnings = Vec::new();
    let source = match locate_file(env, cwd)? {
        Some(path) => {
            let file = read_file(&path)?;
            let label = path.display().to_string();
            let cleaned = strip_unknown(&file, &defaults, "", &label, &mut warnings);
            deep_merge(&mut merged, cleaned);
            ConfigSource::File(path)
        }
        None => ConfigSource::Embedded,
    };
    let outcome = env::apply(&mut merged, &defaults, env);
    warnings.extend(outcome.warnings);
    let config = deserialize(merged, &outcome.origins)?;
    Ok(LoadedConfig {
        config,
        source,
        warnings,
        applied_overrides: outcome.applied,
    })
}

/// `IGGY_CONFIG_PATH` (must exist), else `./config.toml` if present, else none.
fn locate_file(env: &HashMap<String, String>, cwd: &Path) -> Result<Option<PathBuf>, ConfigError> {
    if let Some(named) = env.get("IGGY_CONFIG_PATH").filter(|p| !p.trim().is_empty()) {
        let path = cwd.join(named.trim());
        if !path.is_file() {
            return Err(ConfigError::FileRead {
                path,
                reason: "file named by IGGY_CONFIG_PATH does not exist".to_string(),
            });
        }
        return Ok(Some(path));
    }
    let local = cwd.join("config.toml");
    Ok(local.is_file().then_some(local))
}

fn read_file(path: &Path) -> Result<Table, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::FileRead {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    text.parse::<Table>().map_err(|e| ConfigError::FileParse {
        path: path.to_path_buf(),
        reason: e.to_string().trim().to_string(),
    })
}

fn join_key(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Copies `file` without the keys the defaults do not know, warning about each one.
/// Arrays of tables are checked element by element against the default's first element.
pub(crate) fn strip_unknown(
    file: &Table,
    schema: &Table,
    prefix: &str,
    label: &str,
    warnings: &mut Vec<String>,
) -> Table {
    let mut out = Table::new();
    for (key, value) in file {
        let full = join_key(prefix, key);
        let Some(known) = schema.get(key) else {
            warnings.push(format!(
                "unknown configuration key '{full}' in {label} is ignored"
            ));
            continue;
        };
        let cleaned = match (value, known) {
            (Value::Table(t), Value::Table(s)) => {
                Value::Table(strip_unknown(t, s, &full, label, warnings))
            }
            (Value::Array(items), Value::Array(schema_items)) => match schema_items.first() {
                Some(Value::Table(element)) => Value::Array(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| match item {
                            Value::Table(t) => Value::Table(strip_unknown(
                                t,
                                element,
                                &format!("{full}[{i}]"),
                                label,
                                warnings,
                            )),
                            other => other.clone(),
                        })
                        .collect(),
                ),
                _ => value.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), cleaned);
    }
    out
}

/// Merges `upper` onto `base` table by table; everything else (arrays included) is replaced.
pub(crate) fn deep_merge(base: &mut Table, upper: Table) {
    for (key, value) in upper {
        match (base.get_mut(&key), value) {
            (Some(Value::Table(existing)), Value::Table(incoming)) => {
                deep_merge(existing, incoming)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Builds the typed config; a failure names the key, or the variable that set it.
pub(crate) fn deserialize(
    merged: Table,
    origins: &[EnvOrigin],
) -> Result<ServerConfig, ConfigError> {
    serde_path_to_error::deserialize(Value::Table(merged)).map_err(|err| {
        let key = err.path().to_string();
        let reason = err.inner().message().to_string();
        let origin = origins
            .iter()
            .find(|o| o.path == key)
            .or_else(|| {
                origins
                    .iter()
                    .find(|o| o.path.starts_with(&key) && !key.is_empty())
            })
            .or_else(|| {
                // A gap in an array assembled from indexed variables: blame the array.
                let array = key.split_once('[')?.0;
                origins
                    .iter()
                    .find(|o| o.path.starts_with(&format!("{array}[")))
            });
        match origin {
            Some(o) => ConfigError::Env {
                var: o.var.clone(),
                value: o.value.clone(),
                reason: if o.secret {
                    format!("{key}: wrong type or format (details hidden, the value is secret)")
                } else {
                    format!("{key}: {reason}")
                },
            },
            None => ConfigError::Load { key, reason },
        }
    })
}
