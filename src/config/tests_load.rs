//! Loading: embedded defaults, files, environment overrides, redacted output.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use super::load::load_in;
use super::*;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Loads with `pairs` as the environment and an empty working directory.
fn load_env(pairs: &[(&str, &str)]) -> Result<LoadedConfig, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    load_in(&env(pairs), dir.path())
}

fn load_file(text: &str, pairs: &[(&str, &str)]) -> Result<LoadedConfig, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("custom.toml");
    std::fs::write(&path, text).unwrap();
    let mut vars = env(pairs);
    vars.insert("IGGY_CONFIG_PATH".into(), path.display().to_string());
    load_in(&vars, Path::new("/"))
}

#[test]
fn embedded_defaults_load_and_validate() {
    let loaded = load_env(&[]).unwrap();
    assert_eq!(loaded.source, ConfigSource::Embedded);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert!(loaded.applied_overrides.is_empty());
    let c = &loaded.config;
    assert_eq!(c.tcp.address, "127.0.0.1:8090");
    assert_eq!(c.tcp.socket.recv_buffer_size, ByteSize(100_000));
    assert_eq!(c.tcp.socket.linger, IggyDuration::ZERO);
    assert_eq!(c.quic.max_concurrent_bidi_streams, 10_000);
    assert_eq!(
        c.http.jwt.access_token_expiry,
        IggyExpiry::ExpireDuration(IggyDuration(Duration::from_secs(3600)))
    );
    assert_eq!(c.http.jwt.encoding_secret, "");
    assert_eq!(c.http.cors.exposed_headers, vec![String::new()]);
    assert_eq!(
        c.system.logging.retention.as_duration(),
        Duration::from_secs(7 * 86_400)
    );
    assert_eq!(c.system.topic.max_size, MaxTopicSize::Unlimited);
    assert_eq!(c.system.topic.message_expiry, IggyExpiry::NeverExpire);
    assert_eq!(c.system.segment.cache_indexes, CacheIndexes::OpenSegment);
    assert_eq!(c.system.sharding.cpu_allocation, CpuAllocation::NumaAuto);
    assert_eq!(c.system.memory_pool.size, ByteSize(4 << 30));
    assert_eq!(c.cluster.node.current.name, "iggy-node-1");
    assert_eq!(c.cluster.node.others.len(), 1);
    assert_eq!(c.cluster.node.others[0].ports.websocket, Some(8093));
    assert!(c.validate(2).unwrap().is_empty());
    assert_eq!(ServerConfig::embedded_defaults().unwrap(), *c);
}

#[test]
fn config_toml_in_working_directory_is_used() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "[tcp]\naddress = \"0.0.0.0:9000\"\n",
    )
    .unwrap();
    let loaded = load_in(&HashMap::new(), dir.path()).unwrap();
    assert_eq!(
        loaded.source,
        ConfigSource::File(dir.path().join("config.toml"))
    );
    assert_eq!(loaded.config.tcp.address, "0.0.0.0:9000");
}

#[test]
fn partial_file_keeps_defaults_and_warns_about_unknown_keys() {
    let text = "[system.segment]\nsize = \"512 MiB\"\nbogus = 1\n[tcp.socket]\nnodelay = true\n[nonsense]\nx = 1\n";
    let loaded = load_file(text, &[]).unwrap();
    let c = &loaded.config;
    assert_eq!(c.system.segment.size, ByteSize(512 << 20));
    assert_eq!(c.system.segment.cache_indexes, CacheIndexes::OpenSegment);
    assert!(c.tcp.socket.nodelay);
    assert_eq!(c.tcp.socket.send_buffer_size, ByteSize(100_000));
    assert_eq!(c.http.address, "127.0.0.1:3000");
    assert_eq!(loaded.warnings.len(), 2, "{:?}", loaded.warnings);
    assert!(loaded
        .warnings
        .iter()
        .any(|w| w.contains("'system.segment.bogus'")));
    assert!(loaded.warnings.iter().any(|w| w.contains("'nonsense'")));
}

#[test]
fn file_arrays_replace_defaults() {
    let text = "[[cluster.node.others]]\nname = \"n3\"\nip = \"10.0.0.3\"\nports = { tcp = 9 }\n\n[[cluster.node.others]]\nname = \"n4\"\nip = \"10.0.0.4\"\nports = {}\n";
    let c = load_file(text, &[]).unwrap().config;
    assert_eq!(c.cluster.node.others.len(), 2);
    assert_eq!(c.cluster.node.others[0].name, "n3");
    assert_eq!(c.cluster.node.others[0].ports.tcp, Some(9));
    assert_eq!(c.cluster.node.others[0].ports.http, None);
    assert_eq!(c.cluster.node.others[1].ports, ClusterNodePorts::default());
}

#[test]
fn file_errors_name_the_key_or_file() {
    let err = load_file("[tcp.socket]\nlinger = 5\n", &[]).unwrap_err();
    assert!(err.to_string().contains("tcp.socket.linger"), "{err}");
    let err = load_file("[system.segment]\nsize = \"huge\"\n", &[]).unwrap_err();
    assert!(err.to_string().contains("system.segment.size"), "{err}");
    let err = load_file("[tcp\naddress=", &[]).unwrap_err();
    assert!(matches!(err, ConfigError::FileParse { .. }), "{err}");
    let err = load_in(
        &env(&[("IGGY_CONFIG_PATH", "/no/such/iggy.toml")]),
        Path::new("/"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("/no/such/iggy.toml"), "{err}");
}

#[test]
fn env_overrides_nested_keys_and_reports_them() {
    let loaded = load_env(&[
        ("IGGY_TCP_SOCKET_LINGER", "10s"),
        ("IGGY_SYSTEM_PARTITION_ENFORCE_FSYNC", "TRUE"),
        ("IGGY_SYSTEM_SEGMENT_SIZE", "1048576"),
        ("IGGY_SYSTEM_SHARDING_CPU_ALLOCATION", "Count:2"),
        ("IGGY_CLUSTER_NODE_CURRENT_NAME", "alpha"),
        ("IGGY_HTTP_JWT_ENCODING_SECRET", "abc-def"),
        ("IGGY_TCP_ADDRESS", ""),
        ("IGGY_ROOT_PASSWORD", "secret"),
    ])
    .unwrap();
    let c = &loaded.config;
    assert_eq!(c.tcp.socket.linger.as_duration(), Duration::from_secs(10));
    assert!(c.system.partition.enforce_fsync);
    assert_eq!(c.system.segment.size, ByteSize(1 << 20));
    assert_eq!(c.system.sharding.cpu_allocation, CpuAllocation::Count(2));
    assert_eq!(c.cluster.node.current.name, "alpha");
    assert_eq!(c.http.jwt.encoding_secret, "abc-def");
    assert_eq!(c.tcp.address, "127.0.0.1:8090", "empty values are ignored");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let applied = &loaded.applied_overrides;
    assert_eq!(applied.len(), 6, "{applied:?}");
    assert!(applied.contains(
        &"IGGY_TCP_SOCKET_LINGER value changed to: 10s from environment variable".to_string()
    ));
    assert!(applied.contains(
        &"IGGY_HTTP_JWT_ENCODING_SECRET value changed to: ****** from environment variable"
            .to_string()
    ));
    assert!(!applied.iter().any(|a| a.contains("abc-def")));
}

#[test]
fn env_overrides_arrays() {
    let c = load_env(&[
        (
            "IGGY_HTTP_CORS_ALLOWED_ORIGINS",
            "[http://a.example, \"http://b.example\"]",
        ),
        ("IGGY_HTTP_JWT_VALID_AUDIENCES", "[\"a,b\", c]"),
        ("IGGY_HTTP_CORS_ALLOWED_HEADERS", "[]"),
    ])
    .unwrap()
    .config;
    assert_eq!(
        c.http.cors.allowed_origins,
        vec!["http://a.example", "http://b.example"]
    );
    assert_eq!(c.http.jwt.valid_audiences, vec!["a,b", "c"]);
    assert!(c.http.cors.allowed_headers.is_empty());
}

#[test]
fn env_overrides_cluster_others() {
    let c = load_env(&[
        ("IGGY_CLUSTER_NODE_OTHERS_0_NAME", "beta"),
        ("IGGY_CLUSTER_NODE_OTHERS_0_IP", "10.1.2.3"),
        ("IGGY_CLUSTER_NODE_OTHERS_0_PORTS_TCP", "9100"),
        ("IGGY_CLUSTER_NODE_OTHERS_0_PORTS_WEBSOCKET", "9103"),
    ])
    .unwrap()
    .config;
    assert_eq!(c.cluster.node.others.len(), 1);
    let node = &c.cluster.node.others[0];
    assert_eq!((node.name.as_str(), node.ip.as_str()), ("beta", "10.1.2.3"));
    assert_eq!(
        node.ports,
        ClusterNodePorts {
            tcp: Some(9100),
            quic: None,
            http: None,
            websocket: Some(9103)
        }
    );
    let err = load_env(&[("IGGY_CLUSTER_NODE_OTHERS_1_NAME", "gamma")]).unwrap_err();
    assert!(
        err.to_string().contains("IGGY_CLUSTER_NODE_OTHERS_1_NAME"),
        "{err}"
    );
}

#[test]
fn env_errors_name_the_variable() {
    let err = load_env(&[("IGGY_MESSAGE_SAVER_INTERVAL", "30")]).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("IGGY_MESSAGE_SAVER_INTERVAL"), "{text}");
    assert!(text.contains("message_saver.interval"), "{text}");
    let err = load_env(&[("IGGY_SYSTEM_SHARDING_CPU_ALLOCATION", "1.5")]).unwrap_err();
    assert!(
        err.to_string()
            .contains("IGGY_SYSTEM_SHARDING_CPU_ALLOCATION"),
        "{err}"
    );
    let err = load_env(&[("IGGY_SYSTEM_ENCRYPTION_KEY", "12345")]).unwrap_err();
    assert!(
        err.to_string().contains("IGGY_SYSTEM_ENCRYPTION_KEY"),
        "{err}"
    );
    assert!(!err.to_string().contains("12345"), "secret shown: {err}");
}

#[test]
fn unknown_iggy_variables_warn_with_suggestions() {
    let loaded = load_env(&[
        ("IGGY_TCP_ADRESS", "0.0.0.0:1"),
        ("IGGY_CONFIG_PATH_X", "1"),
        ("IGGY_CONNECTORS_SINK_FOO", "1"),
        ("IGGY_TEST_VERBOSE", "1"),
        ("IGGY_DISPLAY_CONFIG", "false"),
        ("OTHER_VAR", "1"),
    ])
    .unwrap();
    assert_eq!(loaded.warnings.len(), 2, "{:?}", loaded.warnings);
    assert!(loaded.warnings[0].contains("IGGY_CONFIG_PATH_X"));
    let warning = &loaded.warnings[1];
    assert!(warning.contains("IGGY_TCP_ADRESS"), "{warning}");
    assert!(warning.contains("IGGY_TCP_ADDRESS"), "{warning}");
    assert_eq!(loaded.config.tcp.address, "127.0.0.1:8090");
}

#[test]
fn redacted_toml_round_trips_and_hides_secrets() {
    let mut config = load_env(&[]).unwrap().config;
    config.http.jwt.encoding_secret = "enc-secret".into();
    config.http.jwt.decoding_secret = "dec-secret".into();
    config.system.encryption.key = "a2V5".into();
    config.system.sharding.cpu_allocation = CpuAllocation::Count(3);
    config.system.topic.max_size = MaxTopicSize::Custom(10 << 30);
    config.system.logging.retention = IggyDuration(Duration::from_millis(90_061_500));
    config.tcp.socket.recv_buffer_size = ByteSize(123_457);
    config.cluster.node.others[0].ports.quic = None;
    let text = config.to_redacted_toml();
    for secret in ["enc-secret", "dec-secret", "a2V5"] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    assert!(text.contains("encoding_secret = \"******\""), "{text}");
    let reloaded = load_file(&text, &[]).unwrap();
    assert!(reloaded.warnings.is_empty(), "{:?}", reloaded.warnings);
    let mut expected = config.clone();
    expected.http.jwt.encoding_secret = "******".into();
    expected.http.jwt.decoding_secret = "******".into();
    expected.system.encryption.key = "******".into();
    assert_eq!(reloaded.config, expected);
    let defaults = load_env(&[]).unwrap().config;
    assert!(defaults
        .to_redacted_toml()
        .contains("encoding_secret = \"\""));
}
