//! Configuration keys that change nothing in this build. Their embedded default is
//! accepted; any other value is refused at start, naming the key and why it has no effect
//! (silently ignoring it would let an operator believe it works).

use crate::config::ServerConfig;

/// Keys that change nothing in this build: their embedded default is accepted, any other
/// value is refused (it would be silently ignored otherwise). Each entry: the key, whether
/// the configured value differs from the default, and why the key has no effect.
fn inert_keys(c: &ServerConfig, d: &ServerConfig) -> Vec<(&'static str, bool, &'static str)> {
    let (s, ds) = (&c.system, &d.system);
    vec![
        (
            "system.backup.path",
            s.backup.path != ds.backup.path && !s.segment.archive_expired,
            "it is where system.segment.archive_expired = true archives segments, and that is off",
        ),
        (
            "system.backup.compatibility.path",
            s.backup.compatibility.path != ds.backup.compatibility.path,
            "there is no compatibility conversion of old data",
        ),
        (
            "system.state.max_file_operation_retries",
            s.state.max_file_operation_retries != ds.state.max_file_operation_retries,
            "a failed metadata-log write is reported to the client, never retried",
        ),
        (
            "system.state.retry_delay",
            s.state.retry_delay != ds.state.retry_delay,
            "a failed metadata-log write is reported to the client, never retried",
        ),
        (
            "system.compression.allow_override",
            s.compression.allow_override != ds.compression.allow_override,
            "the server does not compress stored messages",
        ),
        (
            "system.compression.default_algorithm",
            s.compression.default_algorithm != ds.compression.default_algorithm,
            "the server does not compress stored messages",
        ),
        (
            "system.segment.archive_expired",
            s.segment.archive_expired && !c.data_maintenance.messages.cleaner_enabled,
            "segments are archived by the message cleaner, and data_maintenance.messages.cleaner_enabled is false",
        ),
        (
            "system.memory_pool.enabled",
            s.memory_pool.enabled != ds.memory_pool.enabled,
            "there is no memory pool: buffers come from the allocator and are reused by it",
        ),
        (
            "system.memory_pool.size",
            s.memory_pool.size != ds.memory_pool.size,
            "there is no memory pool: buffers come from the allocator and are reused by it",
        ),
        (
            "quic.datagram_send_buffer_size",
            c.quic.datagram_send_buffer_size != d.quic.datagram_send_buffer_size,
            "the binary protocol sends no QUIC datagrams, only streams",
        ),
        (
            "quic.socket.keepalive",
            c.quic.socket.keepalive != d.quic.socket.keepalive,
            "SO_KEEPALIVE means nothing on a UDP socket; QUIC keeps alive with quic.keep_alive_interval",
        ),
        (
            "websocket.read_buffer_size",
            !c.websocket.read_buffer_size.trim().is_empty(),
            "the WebSocket library (actix) sizes its read buffer itself",
        ),
        (
            "websocket.write_buffer_size",
            !c.websocket.write_buffer_size.trim().is_empty(),
            "the WebSocket library (actix) sizes its write buffer itself",
        ),
        (
            "websocket.max_write_buffer_size",
            !c.websocket.max_write_buffer_size.trim().is_empty(),
            "the WebSocket library (actix) bounds its write queue itself",
        ),
        (
            "websocket.accept_unmasked_frames",
            c.websocket.accept_unmasked_frames,
            "the WebSocket library (actix) rejects unmasked client frames, as RFC 6455 requires",
        ),
        (
            "system.memory_pool.bucket_capacity",
            s.memory_pool.bucket_capacity != ds.memory_pool.bucket_capacity,
            "there is no memory pool: buffers come from the allocator and are reused by it",
        ),
    ]
}

/// Refuses a configuration that enables a feature this build lacks, or sets a key that
/// would change nothing, naming the key.
pub fn refuse_unavailable(config: &ServerConfig) -> Result<(), String> {
    let defaults = ServerConfig::embedded_defaults().map_err(|e| e.to_string())?;
    for (key, changed, why) in inert_keys(config, &defaults) {
        if changed {
            return Err(format!(
                "invalid configuration: {key} is set to a value other than its default, but it has no effect in this build ({why}); remove it or use the default"
            ));
        }
    }
    Ok(())
}

/// Notes how `tcp.socket_migration` is served (every transport is built).
pub fn report_socket_migration(config: &ServerConfig) {
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
        let mut c = defaults;
        c.telemetry.enabled = true;
        assert!(refuse_unavailable(&c).is_ok(), "telemetry is built");
        c.tcp.tls.enabled = true;
        c.system.encryption.enabled = true;
        assert!(
            refuse_unavailable(&c).is_ok(),
            "TLS and encryption are built"
        );
        c.data_maintenance.messages.cleaner_enabled = true;
        assert!(refuse_unavailable(&c).is_ok(), "the cleaner is built");
        // Archiving needs the cleaner; the backup path needs archiving.
        c.system.segment.archive_expired = true;
        c.system.backup.path = "/srv/iggy-backup".into();
        assert!(refuse_unavailable(&c).is_ok());
        c.data_maintenance.messages.cleaner_enabled = false;
        assert!(refuse_unavailable(&c)
            .unwrap_err()
            .contains("system.segment.archive_expired"));
        c.system.segment.archive_expired = false;
        assert!(refuse_unavailable(&c)
            .unwrap_err()
            .contains("system.backup.path"));
    }
}
