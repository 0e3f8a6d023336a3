//! Every validation rule rejects a bad value and names the key.

use std::time::Duration;

use super::*;

fn defaults() -> ServerConfig {
    ServerConfig::embedded_defaults().unwrap()
}

/// Asserts that the change makes validation fail with a message naming `key`.
fn rejects(key: &str, change: impl FnOnce(&mut ServerConfig)) {
    let mut config = defaults();
    change(&mut config);
    match config.validate(4) {
        Ok(w) => panic!("{key}: accepted (warnings {w:?})"),
        Err(err) => {
            let text = err.to_string();
            assert!(text.starts_with("invalid configuration: "), "{text}");
            assert!(text.contains(key), "expected {key} in: {text}");
        }
    }
}

fn secs(n: u64) -> IggyDuration {
    IggyDuration(Duration::from_secs(n))
}

#[test]
fn segment_message_matches_the_documented_form() {
    let mut config = defaults();
    config.system.segment.size = "3 GiB".parse().unwrap();
    let err = config.validate(4).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid configuration: system.segment.size = \"3 GiB\": must be at most 1 GiB and a multiple of 512 B (and not zero)"
    );
}

#[test]
fn storage_rules() {
    rejects("system.segment.size", |c| {
        c.system.segment.size = ByteSize(1000)
    });
    rejects("system.segment.size", |c| {
        c.system.segment.size = ByteSize(0)
    });
    rejects("system.memory_pool.size", |c| {
        c.system.memory_pool.size = ByteSize(256 << 20)
    });
    rejects("system.memory_pool.size", |c| {
        c.system.memory_pool.size = ByteSize((1 << 30) + 1000)
    });
    rejects("system.memory_pool.bucket_capacity", |c| {
        c.system.memory_pool.bucket_capacity = 64
    });
    rejects("system.memory_pool.bucket_capacity", |c| {
        c.system.memory_pool.bucket_capacity = 1000
    });
    rejects("system.partition.messages_required_to_save", |c| {
        c.system.partition.messages_required_to_save = 0
    });
    rejects("system.partition.size_of_messages_required_to_save", |c| {
        c.system.partition.size_of_messages_required_to_save = ByteSize(511)
    });
    rejects("system.topic.max_size", |c| {
        c.system.topic.max_size = MaxTopicSize::ServerDefault
    });
    rejects("system.topic.max_size", |c| {
        c.system.topic.max_size = MaxTopicSize::Custom(1 << 20)
    });
    rejects("system.topic.message_expiry", |c| {
        c.system.topic.message_expiry = IggyExpiry::ServerDefault
    });
    rejects("system.encryption.key", |c| {
        c.system.encryption.enabled = true;
        c.system.encryption.key = "c2hvcnQ=".into();
    });
    rejects("system.runtime.path", |c| {
        c.system.runtime.path = " ".into()
    });
    let mut disabled_pool = defaults();
    disabled_pool.system.memory_pool.enabled = false;
    disabled_pool.system.memory_pool.size = ByteSize(1);
    assert!(disabled_pool.validate(4).is_ok());
    let mut encrypted = defaults();
    encrypted.system.encryption.enabled = true;
    encrypted.system.encryption.key = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=".into();
    assert!(encrypted.validate(4).is_ok());
}

#[test]
fn logging_and_job_rules() {
    rejects("system.logging.level", |c| {
        c.system.logging.level = "".into()
    });
    rejects("system.logging.retention", |c| {
        c.system.logging.retention = IggyDuration(Duration::from_millis(500))
    });
    rejects("system.logging.rotation_check_interval", |c| {
        c.system.logging.rotation_check_interval = IggyDuration::ZERO
    });
    rejects("system.logging.max_file_size", |c| {
        c.system.logging.max_file_size = ByteSize(5 << 30)
    });
    rejects("data_maintenance.messages.interval", |c| {
        c.data_maintenance.messages.cleaner_enabled = true;
        c.data_maintenance.messages.interval = IggyDuration::ZERO;
    });
    rejects("message_saver.interval", |c| {
        c.message_saver.interval = IggyDuration::ZERO
    });
    rejects("heartbeat.interval", |c| {
        c.heartbeat.enabled = true;
        c.heartbeat.interval = IggyDuration::ZERO;
    });
    rejects("personal_access_token.max_tokens_per_user", |c| {
        c.personal_access_token.max_tokens_per_user = 0
    });
    rejects("personal_access_token.cleaner.interval", |c| {
        c.personal_access_token.cleaner.interval = IggyDuration::ZERO
    });
    rejects("consumer_group.rebalancing_check_interval", |c| {
        c.consumer_group.rebalancing_check_interval = IggyDuration::ZERO
    });
    rejects("telemetry.service_name", |c| {
        c.telemetry.enabled = true;
        c.telemetry.service_name = " ".into();
    });
    rejects("telemetry.traces.endpoint", |c| {
        c.telemetry.enabled = true;
        c.telemetry.traces.endpoint = String::new();
    });
    rejects("telemetry.logs.endpoint", |c| {
        c.telemetry.enabled = true;
        c.telemetry.logs.endpoint = "https://collector:4318/v1/logs".into();
    });
    rejects("telemetry.traces.endpoint", |c| {
        c.telemetry.enabled = true;
        c.telemetry.traces.endpoint = "collector:4317".into();
    });
    rejects("telemetry.logs.endpoint", |c| {
        c.telemetry.enabled = true;
        c.telemetry.logs.endpoint = "http://".into();
    });
    let mut telemetry = defaults();
    telemetry.telemetry.enabled = true;
    telemetry.telemetry.traces.endpoint = "http://127.0.0.1:4317".into();
    assert!(
        telemetry.validate(4).is_ok(),
        "the defaults and a bare host:port"
    );
    let mut unlimited_logs = defaults();
    unlimited_logs.system.logging.max_total_size = ByteSize(0);
    unlimited_logs.system.logging.max_file_size = ByteSize(5 << 30);
    unlimited_logs.system.logging.retention = secs(1);
    assert!(unlimited_logs.validate(4).is_ok());
}

#[test]
fn network_and_http_rules() {
    rejects("tcp.address", |c| c.tcp.address = "localhost".into());
    rejects("quic.address", |c| c.quic.address = "1.2.3.4".into());
    rejects("http.address", |c| c.http.address = "x:y".into());
    rejects("websocket.address", |c| c.websocket.address = String::new());
    rejects("websocket.max_frame_size", |c| {
        c.websocket.max_frame_size = "lots".into()
    });
    rejects("websocket.max_message_size", |c| {
        c.websocket.max_message_size = "0".into()
    });
    rejects("tcp.address", |c| c.tcp.ipv6 = true);
    rejects("tcp.address", |c| c.tcp.address = "[::1]:8090".into());
    rejects("http.jwt.algorithm", |c| {
        c.http.jwt.algorithm = "none".into()
    });
    rejects("http.jwt.access_token_expiry", |c| {
        c.http.jwt.access_token_expiry = IggyExpiry::ServerDefault
    });
    rejects("http.jwt.encoding_secret", |c| {
        c.http.jwt.use_base64_secret = true;
        c.http.jwt.encoding_secret = "not base64!".into();
    });
    rejects("http.cors.allow_credentials", |c| {
        c.http.cors.allow_credentials = true
    });
    let mut v6 = defaults();
    v6.tcp.ipv6 = true;
    v6.tcp.address = "[::1]:8090".into();
    assert!(v6.validate(4).is_ok());
}

#[test]
fn sharding_rules() {
    rejects("system.sharding.cpu_allocation", |c| {
        c.system.sharding.cpu_allocation = CpuAllocation::Count(0)
    });
    rejects("system.sharding.cpu_allocation", |c| {
        c.system.sharding.cpu_allocation = CpuAllocation::Count(5)
    });
    rejects("system.sharding.cpu_allocation", |c| {
        c.system.sharding.cpu_allocation = CpuAllocation::Range(3, 3)
    });
    rejects("system.sharding.cpu_allocation", |c| {
        c.system.sharding.cpu_allocation = CpuAllocation::Range(2, 5)
    });
    let mut ok = defaults();
    ok.system.sharding.cpu_allocation = CpuAllocation::Range(2, 4);
    assert!(ok.validate(4).is_ok());
}

#[test]
fn cluster_rules() {
    let enabled = |c: &mut ServerConfig| c.cluster.enabled = true;
    rejects("cluster.name", |c| {
        enabled(c);
        c.cluster.name = " ".into();
    });
    rejects("cluster.node.current.name", |c| {
        enabled(c);
        c.cluster.node.current.name = String::new();
    });
    rejects("cluster.node.others[0].name", |c| {
        enabled(c);
        c.cluster.node.others[0].name = "iggy-node-1".into();
    });
    rejects("cluster.node.others[0].ip", |c| {
        enabled(c);
        c.cluster.node.others[0].ip = String::new();
    });
    rejects("cluster.node.others[0].ports.http", |c| {
        enabled(c);
        c.cluster.node.others[0].ports.http = Some(0);
    });
    rejects("cluster.node.others[0].ports.tcp", |c| {
        enabled(c);
        c.cluster.node.others[0].ports.tcp = Some(8090);
    });
    let mut ok = defaults();
    ok.cluster.enabled = true;
    assert!(ok.validate(4).is_ok());
    ok.cluster.node.others[0].name = String::new();
    ok.cluster.enabled = false;
    assert!(
        ok.validate(4).is_ok(),
        "cluster rules apply only when enabled"
    );
}

#[test]
fn compression_other_than_none_only_warns() {
    let mut config = defaults();
    config.system.compression.default_algorithm = CompressionAlgorithm::Gzip;
    let warnings = config.validate(4).unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].contains("system.compression.default_algorithm"),
        "{}",
        warnings[0]
    );
}
