//! Start-up behaviour of the binary: configuration layers, validation, flags, root user
//! bootstrap, restart, signals and what ends up on disk.

mod common;

use std::fs;
use std::net::TcpListener;

use common::{
    expect_start_failure, files_containing, free_port, free_ports, runtime_config, sdk_client,
    within, TestDirs, TestServer, TestServerBuilder,
};
use iggy::prelude::{IggyError, UserClient};

fn port_of(server: &TestServer) -> u16 {
    server.tcp_addr().port()
}

/// Log in over the SDK; returns the SDK's answer.
async fn try_login(
    addr: common::Endpoint,
    username: &str,
    password: &str,
) -> Result<u32, IggyError> {
    let client = sdk_client(addr).await;
    within(client.login_user(username, password))
        .await
        .map(|identity| identity.user_id)
}

// --- configuration layers ---------------------------------------------------------------------

#[test]
fn env_override_sets_the_tcp_address() {
    let port = free_port();
    let server = TestServer::builder()
        .env("IGGY_TCP_ADDRESS", &format!("127.0.0.1:{port}"))
        .start();
    assert_eq!(port_of(&server), port);
}

#[test]
fn dotenv_in_working_directory_is_read() {
    let port = free_port();
    let dirs = TestDirs::new();
    fs::write(
        dirs.work_dir().join(".env"),
        format!("IGGY_TCP_ADDRESS=127.0.0.1:{port}\n"),
    )
    .expect("write .env");
    let server = TestServer::builder()
        .dirs(&dirs)
        .without_env("IGGY_TCP_ADDRESS")
        .start();
    assert_eq!(port_of(&server), port, ".env IGGY_TCP_ADDRESS ignored");
}

#[test]
fn dotenv_can_supply_the_system_path() {
    let dirs = TestDirs::new();
    fs::write(
        dirs.work_dir().join(".env"),
        format!("IGGY_SYSTEM_PATH={}\n", dirs.system_path().display()),
    )
    .expect("write .env");
    // Readiness looks for runtime/current_config.toml under that path only.
    let server = TestServer::builder()
        .dirs(&dirs)
        .without_env("IGGY_SYSTEM_PATH")
        .start();
    assert!(dirs.system_path().is_dir());
    drop(server);
}

#[test]
fn real_environment_wins_over_dotenv() {
    let [dotenv_port, env_port] = free_ports(2)[..] else {
        unreachable!()
    };
    let dirs = TestDirs::new();
    fs::write(
        dirs.work_dir().join(".env"),
        format!("IGGY_TCP_ADDRESS=127.0.0.1:{dotenv_port}\n"),
    )
    .expect("write .env");
    let server = TestServer::builder()
        .dirs(&dirs)
        .env("IGGY_TCP_ADDRESS", &format!("127.0.0.1:{env_port}"))
        .start();
    assert_eq!(
        port_of(&server),
        env_port,
        "the .env value won over the real env"
    );
}

#[test]
fn partial_config_file_from_iggy_config_path() {
    let port = free_port();
    let dirs = TestDirs::new();
    let file = dirs.root().join("custom.toml");
    fs::write(&file, format!("[tcp]\naddress = \"127.0.0.1:{port}\"\n")).expect("write config");
    let server = TestServer::builder()
        .dirs(&dirs)
        .without_env("IGGY_TCP_ADDRESS")
        .env("IGGY_CONFIG_PATH", file.to_str().expect("utf-8 path"))
        .start();
    assert_eq!(port_of(&server), port, "IGGY_CONFIG_PATH file ignored");
    // Keys the file does not mention keep their defaults.
    let config = runtime_config(&server);
    assert!(
        config
            .get("system")
            .and_then(|s| s.get("segment"))
            .is_some(),
        "runtime config lacks [system.segment]"
    );
}

#[test]
fn config_toml_in_working_directory_is_read() {
    let port = free_port();
    let dirs = TestDirs::new();
    fs::write(
        dirs.work_dir().join("config.toml"),
        format!("[tcp]\naddress = \"127.0.0.1:{port}\"\n"),
    )
    .expect("write config.toml");
    let server = TestServer::builder()
        .dirs(&dirs)
        .without_env("IGGY_TCP_ADDRESS")
        .start();
    assert_eq!(
        port_of(&server),
        port,
        "config.toml in the working dir ignored"
    );
}

#[test]
fn env_wins_over_config_file() {
    let [file_port, env_port] = free_ports(2)[..] else {
        unreachable!()
    };
    let dirs = TestDirs::new();
    let file = dirs.root().join("custom.toml");
    fs::write(
        &file,
        format!("[tcp]\naddress = \"127.0.0.1:{file_port}\"\n"),
    )
    .expect("write config");
    let server = TestServer::builder()
        .dirs(&dirs)
        .env("IGGY_CONFIG_PATH", file.to_str().expect("utf-8 path"))
        .env("IGGY_TCP_ADDRESS", &format!("127.0.0.1:{env_port}"))
        .start();
    assert_eq!(port_of(&server), env_port);
}

// --- validation -------------------------------------------------------------------------------

/// Start with `vars` and expect a clean refusal whose output names `key_path` or the variable.
fn assert_rejected(vars: &[(&str, &str)], key_path: &str) {
    let mut builder: TestServerBuilder = TestServer::builder();
    for (key, value) in vars {
        builder = builder.env(key, value);
    }
    let (_, output) = expect_start_failure(builder);
    let variable = vars.last().expect("at least one variable").0;
    let diagnostics = without_override_echo(&output);
    assert!(
        diagnostics.contains(key_path) || diagnostics.contains(variable),
        "output does not name `{key_path}` or `{variable}` for {vars:?}.\n{output}"
    );
}

/// The output minus the info lines that echo every applied environment override: those name
/// the variable whatever happens, so they prove nothing about the error message.
fn without_override_echo(output: &str) -> String {
    output
        .lines()
        .filter(|line| !line.contains("value changed to"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn segment_size_above_one_gib_is_rejected() {
    assert_rejected(
        &[("IGGY_SYSTEM_SEGMENT_SIZE", "3 GiB")],
        "system.segment.size",
    );
}

#[test]
fn segment_size_not_multiple_of_512_is_rejected() {
    assert_rejected(
        &[("IGGY_SYSTEM_SEGMENT_SIZE", "1000 B")],
        "system.segment.size",
    );
}

#[test]
fn small_memory_pool_is_rejected() {
    assert_rejected(
        &[("IGGY_SYSTEM_MEMORY_POOL_SIZE", "256 MiB")],
        "system.memory_pool.size",
    );
}

#[test]
fn small_bucket_capacity_is_rejected() {
    assert_rejected(
        &[("IGGY_SYSTEM_MEMORY_POOL_BUCKET_CAPACITY", "100")],
        "system.memory_pool.bucket_capacity",
    );
}

#[test]
fn zero_messages_required_to_save_is_rejected() {
    assert_rejected(
        &[("IGGY_SYSTEM_PARTITION_MESSAGES_REQUIRED_TO_SAVE", "0")],
        "system.partition.messages_required_to_save",
    );
}

#[test]
fn short_encryption_key_is_rejected() {
    assert_rejected(
        &[
            ("IGGY_SYSTEM_ENCRYPTION_ENABLED", "true"),
            ("IGGY_SYSTEM_ENCRYPTION_KEY", "short"),
        ],
        "system.encryption.key",
    );
}

#[test]
fn keys_without_effect_are_refused_unless_default() {
    for (var, value, key) in [
        (
            "IGGY_QUIC_DATAGRAM_SEND_BUFFER_SIZE",
            "200 KB",
            "quic.datagram_send_buffer_size",
        ),
        (
            "IGGY_QUIC_SOCKET_KEEPALIVE",
            "true",
            "quic.socket.keepalive",
        ),
        (
            "IGGY_WEBSOCKET_READ_BUFFER_SIZE",
            "64 KiB",
            "websocket.read_buffer_size",
        ),
        (
            "IGGY_WEBSOCKET_MAX_WRITE_BUFFER_SIZE",
            "1 MiB",
            "websocket.max_write_buffer_size",
        ),
        (
            "IGGY_WEBSOCKET_ACCEPT_UNMASKED_FRAMES",
            "true",
            "websocket.accept_unmasked_frames",
        ),
        (
            "IGGY_SYSTEM_SEGMENT_ARCHIVE_EXPIRED",
            "true",
            "system.segment.archive_expired",
        ),
        (
            "IGGY_SYSTEM_MEMORY_POOL_SIZE",
            "1 GiB",
            "system.memory_pool.size",
        ),
        (
            "IGGY_SYSTEM_COMPRESSION_DEFAULT_ALGORITHM",
            "gzip",
            "system.compression.default_algorithm",
        ),
        (
            "IGGY_SYSTEM_STATE_RETRY_DELAY",
            "5s",
            "system.state.retry_delay",
        ),
        ("IGGY_SYSTEM_BACKUP_PATH", "elsewhere", "system.backup.path"),
    ] {
        assert_rejected(&[(var, value)], key);
    }
}

#[test]
fn unparsable_tcp_address_is_rejected() {
    assert_rejected(&[("IGGY_TCP_ADDRESS", "not-an-address")], "tcp.address");
}

#[test]
fn too_many_shards_are_rejected() {
    assert_rejected(
        &[("IGGY_SYSTEM_SHARDING_CPU_ALLOCATION", "999")],
        "system.sharding.cpu_allocation",
    );
}

#[test]
fn bare_number_duration_is_rejected() {
    assert_rejected(
        &[("IGGY_MESSAGE_SAVER_INTERVAL", "30")],
        "message_saver.interval",
    );
}

#[test]
fn address_in_use_is_a_startup_failure() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr");
    let (_, output) =
        expect_start_failure(TestServer::builder().env("IGGY_TCP_ADDRESS", &addr.to_string()));
    let diagnostics = without_override_echo(&output);
    assert!(
        diagnostics.contains(&addr.to_string()) || diagnostics.to_lowercase().contains("in use"),
        "no message about the busy address {addr}.\n{output}"
    );
    drop(taken);
}

// --- flags ------------------------------------------------------------------------------------

#[test]
fn config_provider_file_is_accepted() {
    let server = TestServer::builder()
        .arg("--config-provider")
        .arg("file")
        .start();
    server.stop();
}

#[test]
fn follower_flag_is_accepted() {
    let server = TestServer::builder().arg("--follower").start();
    server.stop();
}

#[test]
fn other_config_provider_is_rejected() {
    let (_, output) =
        expect_start_failure(TestServer::builder().arg("--config-provider").arg("other"));
    assert!(
        output.contains("config-provider") || output.contains("config_provider"),
        "message does not name the flag.\n{output}"
    );
}

#[test]
fn version_and_help_flags() {
    let binary = env!("CARGO_BIN_EXE_iggy-server");
    let version = std::process::Command::new(binary)
        .arg("--version")
        .output()
        .expect("run --version");
    assert!(version.status.success(), "--version: {version:?}");
    let text = String::from_utf8_lossy(&version.stdout);
    assert!(text.contains("0.8.0"), "--version output: {text:?}");

    let help = std::process::Command::new(binary)
        .arg("--help")
        .output()
        .expect("run --help");
    assert!(help.status.success(), "--help: {help:?}");
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--config-provider",
        "--fresh",
        "--with-default-root-credentials",
        "--follower",
    ] {
        assert!(text.contains(flag), "--help does not list {flag}: {text}");
    }
}

// --- root user, restart, --fresh --------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_root_password_is_printed_and_works() {
    let server = TestServer::builder()
        .without_default_root_credentials()
        .start();
    let stdout = server.stdout();
    let password = stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("Generated root user password: "))
        .map(|password| password.trim().to_string())
        .unwrap_or_else(|| panic!("no generated password line on stdout.\n{}", server.output()));
    assert!(
        (20..=39).contains(&password.len()) && password.chars().all(|c| c.is_ascii_alphanumeric()),
        "generated password {password:?} is not 20..=39 alphanumerics"
    );
    assert_eq!(
        try_login(server.endpoint(), "iggy", &password).await,
        Ok(0),
        "generated password"
    );
    assert_eq!(
        try_login(server.endpoint(), "iggy", "iggy").await,
        Err(IggyError::InvalidCredentials),
        "iggy/iggy must not work with a generated password"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_user_survives_restart() {
    let dirs = TestDirs::new();
    let first = TestServer::builder()
        .dirs(&dirs)
        .without_default_root_credentials()
        .env("IGGY_ROOT_USERNAME", "admin")
        .env("IGGY_ROOT_PASSWORD", "secret1")
        .start();
    assert_eq!(try_login(first.endpoint(), "admin", "secret1").await, Ok(0));
    first.stop();

    // The variables only matter on the very first start.
    let second = TestServer::builder()
        .dirs(&dirs)
        .without_default_root_credentials()
        .env("IGGY_ROOT_USERNAME", "other")
        .env("IGGY_ROOT_PASSWORD", "other123")
        .start();
    assert_eq!(
        try_login(second.endpoint(), "admin", "secret1").await,
        Ok(0),
        "root user lost on restart"
    );
    assert_eq!(
        try_login(second.endpoint(), "other", "other123").await,
        Err(IggyError::InvalidCredentials)
    );
    second.stop();

    let third = TestServer::builder()
        .dirs(&dirs)
        .without_default_root_credentials()
        .start();
    assert!(
        !third.stdout().contains("Generated root user password"),
        "a new root password was generated although root exists.\n{}",
        third.output()
    );
    assert_eq!(try_login(third.endpoint(), "admin", "secret1").await, Ok(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_user_survives_sigkill() {
    let dirs = TestDirs::new();
    let mut first = TestServer::builder()
        .dirs(&dirs)
        .without_default_root_credentials()
        .env("IGGY_ROOT_USERNAME", "admin")
        .env("IGGY_ROOT_PASSWORD", "secret1")
        .start();
    assert_eq!(try_login(first.endpoint(), "admin", "secret1").await, Ok(0));
    first.kill();

    let second = TestServer::builder()
        .dirs(&dirs)
        .without_default_root_credentials()
        .start();
    assert_eq!(
        try_login(second.endpoint(), "admin", "secret1").await,
        Ok(0),
        "root user lost after SIGKILL.\n{}",
        second.output()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_wipes_the_system_path() {
    let dirs = TestDirs::new();
    let first = TestServer::builder()
        .dirs(&dirs)
        .without_default_root_credentials()
        .env("IGGY_ROOT_USERNAME", "admin")
        .env("IGGY_ROOT_PASSWORD", "secret1")
        .start();
    first.stop();
    let marker = dirs.system_path().join("marker.txt");
    fs::write(&marker, b"left by the test").expect("write marker");

    let second = TestServer::builder().dirs(&dirs).arg("--fresh").start();
    assert!(!marker.exists(), "--fresh left {} behind", marker.display());
    assert_eq!(
        try_login(second.endpoint(), "iggy", "iggy").await,
        Ok(0),
        "root not recreated with default credentials after --fresh"
    );
    assert_eq!(
        try_login(second.endpoint(), "admin", "secret1").await,
        Err(IggyError::InvalidCredentials),
        "old root survived --fresh"
    );
}

// --- signals and runtime files ----------------------------------------------------------------

#[test]
fn sigterm_exits_zero() {
    let server = TestServer::start();
    server.stop();
}

#[test]
fn sigint_exits_zero() {
    let mut server = TestServer::start();
    server.stop_with(libc::SIGINT);
}

#[test]
fn runtime_config_has_real_port_and_no_secrets() {
    const ENCRYPTION_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    const JWT_SECRET: &str = "jwt-Secret-Never-On-Disk-7f3a";
    let server = TestServer::builder()
        .env("IGGY_SYSTEM_ENCRYPTION_KEY", ENCRYPTION_KEY)
        .env("IGGY_HTTP_JWT_ENCODING_SECRET", JWT_SECRET)
        .start();

    let config = runtime_config(&server);
    for section in ["system", "tcp", "http", "quic", "websocket"] {
        assert!(
            config.get(section).is_some(),
            "runtime config lacks [{section}]"
        );
    }
    let address = config["tcp"]["address"].as_str().expect("tcp.address");
    assert_eq!(address, format!("127.0.0.1:{}", port_of(&server)));
    assert_ne!(port_of(&server), 0);

    let dirs = server.dirs().clone();
    let output = server.stop();
    for secret in [ENCRYPTION_KEY, JWT_SECRET] {
        let found = files_containing(&dirs.system_path(), secret.as_bytes());
        assert!(found.is_empty(), "secret {secret:?} written to {found:?}");
        assert!(
            !output.contains(secret),
            "secret {secret:?} printed by the server.\n{output}"
        );
    }
}
