//! Start-up validation (server-semantics §2 plus this server's own limits).

use base64::Engine;

use super::{CompressionAlgorithm, SystemConfig};
use super::{ConfigError, CpuAllocation, IggyDuration, IggyExpiry, MaxTopicSize, ServerConfig};

const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;
const MAX_SEGMENT_SIZE: u64 = GIB;
const SEGMENT_ALIGNMENT: u64 = 512;
const MIN_MEMORY_POOL: u64 = 512 * MIB;
const PAGE_SIZE: u64 = 4096;
const MIN_BUCKET_CAPACITY: u32 = 128;
const MIN_SAVE_SIZE: u64 = 512;
const ENCRYPTION_KEY_LEN: usize = 32;

type Rule = fn(&ServerConfig) -> Result<(), ConfigError>;

impl ServerConfig {
    /// Checks every rule; returns warnings, or the first broken rule.
    /// `available_cpus` is the number of CPUs this process may use.
    pub fn validate(&self, available_cpus: usize) -> Result<Vec<String>, ConfigError> {
        let rules: [Rule; 14] = [
            validate_memory_pool,
            validate_segment,
            validate_partition,
            validate_topic,
            validate_logging,
            validate_background_jobs,
            validate_personal_access_tokens,
            validate_telemetry,
            validate_encryption,
            super::validate_net::validate_addresses,
            super::validate_net::validate_http,
            super::validate_net::validate_cluster,
            validate_consumer_group,
            validate_paths,
        ];
        for rule in rules {
            rule(self)?;
        }
        validate_sharding(&self.system.sharding.cpu_allocation, available_cpus)?;
        let mut warnings = Vec::new();
        let algorithm = self.system.compression.default_algorithm;
        if algorithm != CompressionAlgorithm::None {
            warnings.push(format!(
                "system.compression.default_algorithm = \"{algorithm}\": server-side compression is not implemented, messages are stored as sent"
            ));
        }
        Ok(warnings)
    }
}

fn non_zero(key: &str, value: &IggyDuration, when: &str) -> Result<(), ConfigError> {
    if value.is_zero() {
        return Err(ConfigError::invalid(
            key,
            value,
            format!("cannot be zero {when}"),
        ));
    }
    Ok(())
}

fn validate_memory_pool(c: &ServerConfig) -> Result<(), ConfigError> {
    let pool = &c.system.memory_pool;
    if !pool.enabled {
        return Ok(());
    }
    let size = pool.size.as_bytes();
    if size < MIN_MEMORY_POOL || !size.is_multiple_of(PAGE_SIZE) {
        return Err(ConfigError::invalid(
            "system.memory_pool.size",
            pool.size,
            "must be at least 512 MiB and a multiple of 4096 B when the memory pool is enabled",
        ));
    }
    let buckets = pool.bucket_capacity;
    if buckets < MIN_BUCKET_CAPACITY || !buckets.is_power_of_two() {
        return Err(ConfigError::invalid(
            "system.memory_pool.bucket_capacity",
            buckets,
            "must be a power of two and at least 128",
        ));
    }
    Ok(())
}

fn validate_segment(c: &ServerConfig) -> Result<(), ConfigError> {
    let size = c.system.segment.size;
    let bytes = size.as_bytes();
    if bytes == 0 || bytes > MAX_SEGMENT_SIZE || !bytes.is_multiple_of(SEGMENT_ALIGNMENT) {
        return Err(ConfigError::invalid(
            "system.segment.size",
            size,
            "must be at most 1 GiB and a multiple of 512 B (and not zero)",
        ));
    }
    Ok(())
}

fn validate_partition(c: &ServerConfig) -> Result<(), ConfigError> {
    let p = &c.system.partition;
    if p.messages_required_to_save == 0 {
        return Err(ConfigError::invalid(
            "system.partition.messages_required_to_save",
            p.messages_required_to_save,
            "must be at least 1",
        ));
    }
    if p.size_of_messages_required_to_save.as_bytes() < MIN_SAVE_SIZE {
        return Err(ConfigError::invalid(
            "system.partition.size_of_messages_required_to_save",
            p.size_of_messages_required_to_save,
            "must be at least 512 B",
        ));
    }
    Ok(())
}

fn validate_topic(c: &ServerConfig) -> Result<(), ConfigError> {
    let topic = &c.system.topic;
    match topic.max_size {
        MaxTopicSize::ServerDefault => return Err(ConfigError::invalid(
            "system.topic.max_size",
            topic.max_size,
            "cannot be the server default (\"0\"/\"server_default\"); use \"unlimited\" or a size",
        )),
        MaxTopicSize::Custom(bytes) if bytes < c.system.segment.size.as_bytes() => {
            return Err(ConfigError::invalid(
                "system.topic.max_size",
                topic.max_size,
                format!(
                    "must be \"unlimited\" or at least system.segment.size ({})",
                    c.system.segment.size
                ),
            ))
        }
        _ => {}
    }
    if topic.message_expiry == IggyExpiry::ServerDefault {
        return Err(ConfigError::invalid(
            "system.topic.message_expiry",
            topic.message_expiry,
            "cannot be the server default; use \"none\" or a duration",
        ));
    }
    Ok(())
}

fn validate_logging(c: &ServerConfig) -> Result<(), ConfigError> {
    let log = &c.system.logging;
    if log.level.trim().is_empty() {
        return Err(ConfigError::invalid(
            "system.logging.level",
            &log.level,
            "cannot be empty (e.g. \"info\" or \"warn,server=debug\")",
        ));
    }
    let second = std::time::Duration::from_secs(1);
    for (key, value) in [
        ("system.logging.retention", log.retention),
        (
            "system.logging.rotation_check_interval",
            log.rotation_check_interval,
        ),
    ] {
        if value.as_duration() < second {
            return Err(ConfigError::invalid(key, value, "must be at least 1 s"));
        }
    }
    let total = log.max_total_size.as_bytes();
    if total != 0 && log.max_file_size.as_bytes() > total {
        return Err(ConfigError::invalid(
            "system.logging.max_file_size",
            log.max_file_size,
            format!(
                "cannot exceed system.logging.max_total_size ({})",
                log.max_total_size
            ),
        ));
    }
    Ok(())
}

fn validate_background_jobs(c: &ServerConfig) -> Result<(), ConfigError> {
    let cleaner = &c.data_maintenance.messages;
    if cleaner.cleaner_enabled {
        non_zero(
            "data_maintenance.messages.interval",
            &cleaner.interval,
            "when the cleaner is enabled",
        )?;
    }
    if c.message_saver.enabled {
        non_zero(
            "message_saver.interval",
            &c.message_saver.interval,
            "when the message saver is enabled",
        )?;
    }
    if c.heartbeat.enabled {
        non_zero(
            "heartbeat.interval",
            &c.heartbeat.interval,
            "when heartbeat is enabled",
        )?;
    }
    Ok(())
}

fn validate_consumer_group(c: &ServerConfig) -> Result<(), ConfigError> {
    non_zero(
        "consumer_group.rebalancing_check_interval",
        &c.consumer_group.rebalancing_check_interval,
        "(it is the period of the revocation checker)",
    )
}

fn validate_personal_access_tokens(c: &ServerConfig) -> Result<(), ConfigError> {
    let pat = &c.personal_access_token;
    if pat.max_tokens_per_user == 0 {
        return Err(ConfigError::invalid(
            "personal_access_token.max_tokens_per_user",
            pat.max_tokens_per_user,
            "cannot be 0",
        ));
    }
    if pat.cleaner.enabled {
        non_zero(
            "personal_access_token.cleaner.interval",
            &pat.cleaner.interval,
            "when the cleaner is enabled",
        )?;
    }
    Ok(())
}

fn validate_telemetry(c: &ServerConfig) -> Result<(), ConfigError> {
    let t = &c.telemetry;
    if !t.enabled {
        return Ok(());
    }
    for (key, value) in [
        ("telemetry.service_name", &t.service_name),
        ("telemetry.logs.endpoint", &t.logs.endpoint),
        ("telemetry.traces.endpoint", &t.traces.endpoint),
    ] {
        if value.trim().is_empty() {
            return Err(ConfigError::invalid(
                key,
                value,
                "cannot be empty when telemetry is enabled",
            ));
        }
    }
    for (key, endpoint) in [
        ("telemetry.logs.endpoint", &t.logs.endpoint),
        ("telemetry.traces.endpoint", &t.traces.endpoint),
    ] {
        validate_collector_endpoint(key, endpoint)?;
    }
    Ok(())
}

/// A collector endpoint: `http://host:port[/path]`. TLS to the collector (https) is not
/// built: the exporter carries no TLS stack of its own.
fn validate_collector_endpoint(key: &str, endpoint: &str) -> Result<(), ConfigError> {
    let uri: http::Uri = endpoint.parse().map_err(|e| {
        ConfigError::invalid(
            key,
            endpoint,
            format!("not a URL ({e}); expected http://host:port/path"),
        )
    })?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err(ConfigError::invalid(
                key,
                endpoint,
                "https is not available in this build (no TLS to the collector); use http:// \
                 (for example a collector or agent on the same host)",
            ))
        }
        _ => {
            return Err(ConfigError::invalid(
                key,
                endpoint,
                "expected an http:// URL, for example http://localhost:4317",
            ))
        }
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(ConfigError::invalid(key, endpoint, "the URL has no host"));
    }
    Ok(())
}

fn validate_encryption(c: &ServerConfig) -> Result<(), ConfigError> {
    let enc = &c.system.encryption;
    if !enc.enabled {
        return Ok(());
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(enc.key.trim());
    match decoded {
        Ok(bytes) if bytes.len() == ENCRYPTION_KEY_LEN => Ok(()),
        _ => Err(ConfigError::invalid(
            "system.encryption.key",
            "******",
            "must be standard base64 of exactly 32 bytes when encryption is enabled",
        )),
    }
}

fn validate_paths(c: &ServerConfig) -> Result<(), ConfigError> {
    let s: &SystemConfig = &c.system;
    for (key, value) in [
        ("system.path", &s.path),
        ("system.runtime.path", &s.runtime.path),
        ("system.stream.path", &s.stream.path),
        ("system.topic.path", &s.topic.path),
        ("system.partition.path", &s.partition.path),
    ] {
        if value.trim().is_empty() {
            return Err(ConfigError::invalid(key, value, "cannot be empty"));
        }
    }
    Ok(())
}

/// Sharding rules that need no hardware information beyond the CPU count.
pub(crate) fn validate_sharding(
    alloc: &CpuAllocation,
    available: usize,
) -> Result<(), ConfigError> {
    const KEY: &str = "system.sharding.cpu_allocation";
    match *alloc {
        CpuAllocation::Count(0) => Err(ConfigError::invalid(KEY, alloc, "Invalid sharding configuration: the shard count must be at least 1")),
        CpuAllocation::Count(n) if n > available => Err(ConfigError::invalid(
            KEY,
            alloc,
            format!("Invalid sharding configuration: {n} shards requested but only {available} CPUs are available"),
        )),
        CpuAllocation::Range(a, b) if a >= b => Err(ConfigError::invalid(
            KEY,
            alloc,
            "Invalid sharding configuration: the range start must be lower than its (exclusive) end",
        )),
        CpuAllocation::Range(_, b) if b > available => Err(ConfigError::invalid(
            KEY,
            alloc,
            format!("Invalid sharding configuration: the range end must be at most {available} (the number of available CPUs)"),
        )),
        _ => Ok(()),
    }
}
