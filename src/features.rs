//! Configuration that asks for something this server does not do yet. Security- and
//! data-relevant features that are off by default are refused at start (silently ignoring
//! them would store plaintext, skip retention or leave clients unchecked); transports that
//! are on by default are reported with a warning and do not listen.

use crate::config::ServerConfig;
use log::warn;

/// Refuses a configuration that enables a feature this build lacks, naming the key.
pub fn refuse_unavailable(config: &ServerConfig) -> Result<(), String> {
    let unavailable = [
        (
            "system.encryption.enabled",
            config.system.encryption.enabled,
            "encryption at rest",
        ),
        (
            "tcp.tls.enabled",
            config.tcp.tls.enabled,
            "TLS on the TCP transport",
        ),
        (
            "telemetry.enabled",
            config.telemetry.enabled,
            "OpenTelemetry export",
        ),
        (
            "heartbeat.enabled",
            config.heartbeat.enabled,
            "heartbeat verification",
        ),
        (
            "data_maintenance.messages.cleaner_enabled",
            config.data_maintenance.messages.cleaner_enabled,
            "the expired-message cleaner (message_expiry and max_topic_size enforcement)",
        ),
    ];
    for (key, enabled, what) in unavailable {
        if enabled {
            return Err(format!(
                "invalid configuration: {key} = true: {what} is not available in this build yet; set it to false"
            ));
        }
    }
    Ok(())
}

/// Warns about enabled transports that this build does not serve yet.
pub fn warn_unavailable_transports(config: &ServerConfig) {
    for (name, enabled) in [
        ("http", config.http.enabled),
        ("quic", config.quic.enabled),
        ("websocket", config.websocket.enabled),
    ] {
        if enabled {
            warn!("{name}.enabled = true, but this build does not serve {name} yet: not listening");
        }
    }
    if config.tcp.socket_migration {
        log::info!(
            "tcp.socket_migration: connections stay on their shard and send each request to the \
             partition's shard as an actor message; sockets are not moved"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enabled_unavailable_features_are_refused_by_key() {
        let defaults = ServerConfig::embedded_defaults().unwrap();
        assert!(refuse_unavailable(&defaults).is_ok());
        let mut c = defaults.clone();
        c.system.encryption.enabled = true;
        assert!(refuse_unavailable(&c)
            .unwrap_err()
            .contains("system.encryption.enabled"));
        let mut c = defaults;
        c.data_maintenance.messages.cleaner_enabled = true;
        assert!(refuse_unavailable(&c)
            .unwrap_err()
            .contains("cleaner_enabled"));
    }
}
