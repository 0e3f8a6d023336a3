//! Test harness: starts the real `iggy-server` binary in a private temp directory, waits for
//! it to publish `runtime/current_config.toml`, and offers SDK and raw-socket helpers.
//!
//! Every test owns its server: its own working directory (so no repository `config.toml` or
//! `.env` is picked up), its own `system.path`, and port 0 for every listener.
#![allow(dead_code)]

pub mod browser;
pub mod cli;
pub mod http;
pub mod raw_tls;
pub mod segments;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use iggy::prelude::{
    Client, ClientWrapper, Identifier, IggyClient, IggyDuration, QuicClientConfig,
    QuicClientReconnectionConfig, TcpClient, TcpClientConfig, TcpClientReconnectionConfig,
    WebSocketClient, WebSocketClientConfig, WebSocketClientReconnectionConfig,
};
use iggy::quic::quic_client::QuicClient;
use tempfile::TempDir;

/// What the server logs once its start is done (listeners and partitions).
const READY_LINE: &str = "iggy-server is ready";
/// How long a server may take to finish its start (turns a hang into a failure).
pub const START_DEADLINE: Duration = Duration::from_secs(20);
/// How long a stopping or failing server may take to exit (turns a hang into a failure).
pub const EXIT_DEADLINE: Duration = Duration::from_secs(10);
/// Read timeout of raw sockets: a server that never answers fails the test instead of blocking.
pub const RAW_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Pause between two readiness polls.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Shard count handed to the server; the test machine and CI have 2 cores.
/// Override with `IGGY_TEST_CPU_ALLOCATION` (never forwarded to the server itself).
pub fn cpu_allocation() -> String {
    std::env::var("IGGY_TEST_CPU_ALLOCATION").unwrap_or_else(|_| "2".to_string())
}

/// The transport the SDK-based tests speak: `IGGY_TEST_TRANSPORT` = `tcp` (the default),
/// `tcp-tls`, `quic`, `ws` or `ws-tls`; with `IGGY_TEST_CERTS=files` the TLS transports use
/// the repository's certificate pair (`certs/`) instead of one generated at start. The test
/// servers enable what the transport needs; the clients of `sdk_client` speak it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestTransport {
    Tcp,
    TcpTls,
    Quic,
    WebSocket,
    WebSocketTls,
}

pub fn test_transport() -> TestTransport {
    match std::env::var("IGGY_TEST_TRANSPORT").as_deref() {
        Err(_) | Ok("") | Ok("tcp") => TestTransport::Tcp,
        Ok("tcp-tls") => TestTransport::TcpTls,
        Ok("quic") => TestTransport::Quic,
        Ok("ws") => TestTransport::WebSocket,
        Ok("ws-tls") => TestTransport::WebSocketTls,
        Ok(other) => panic!("IGGY_TEST_TRANSPORT={other}: use tcp, tcp-tls, quic, ws or ws-tls"),
    }
}

/// Whether the TLS transports use the repository's certificate files (`IGGY_TEST_CERTS=files`).
pub fn cert_files() -> bool {
    std::env::var("IGGY_TEST_CERTS").as_deref() == Ok("files")
}

/// The development certificate pair of the repository.
pub fn repo_cert(name: &str) -> String {
    format!("{}/certs/{name}", env!("CARGO_MANIFEST_DIR"))
}

impl TestTransport {
    /// What GetMe/GetClients report for a client of this transport.
    pub fn wire_name(self) -> &'static str {
        match self {
            TestTransport::Tcp | TestTransport::TcpTls => "TCP",
            TestTransport::Quic => "QUIC",
            TestTransport::WebSocket | TestTransport::WebSocketTls => "WebSocket",
        }
    }

    /// The server settings this transport needs.
    fn server_env(self) -> Vec<(&'static str, String)> {
        let tls = |prefix: &'static str| -> Vec<(&'static str, String)> {
            let (enabled, self_signed, cert, key) = match prefix {
                "tcp" => (
                    "IGGY_TCP_TLS_ENABLED",
                    "IGGY_TCP_TLS_SELF_SIGNED",
                    "IGGY_TCP_TLS_CERT_FILE",
                    "IGGY_TCP_TLS_KEY_FILE",
                ),
                _ => (
                    "IGGY_WEBSOCKET_TLS_ENABLED",
                    "IGGY_WEBSOCKET_TLS_SELF_SIGNED",
                    "IGGY_WEBSOCKET_TLS_CERT_FILE",
                    "IGGY_WEBSOCKET_TLS_KEY_FILE",
                ),
            };
            let mut env = vec![(enabled, "true".to_string())];
            if cert_files() {
                env.push((self_signed, "false".into()));
                env.push((cert, repo_cert("iggy_cert.pem")));
                env.push((key, repo_cert("iggy_key.pem")));
            } else {
                // self_signed (the default) with a certificate file that does not exist.
                env.push((cert, "no-such-dir/cert.pem".into()));
            }
            env
        };
        match self {
            TestTransport::Tcp | TestTransport::WebSocket => Vec::new(),
            TestTransport::TcpTls => tls("tcp"),
            TestTransport::WebSocketTls => tls("websocket"),
            TestTransport::Quic if cert_files() => vec![
                ("IGGY_QUIC_CERTIFICATE_SELF_SIGNED", "false".into()),
                (
                    "IGGY_QUIC_CERTIFICATE_CERT_FILE",
                    repo_cert("iggy_cert.pem"),
                ),
                ("IGGY_QUIC_CERTIFICATE_KEY_FILE", repo_cert("iggy_key.pem")),
            ],
            TestTransport::Quic => Vec::new(),
        }
    }
}

/// Where a running test server listens.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    pub tcp: SocketAddr,
    pub quic: Option<SocketAddr>,
    pub websocket: Option<SocketAddr>,
}

/// Directories of one (possibly restarted) server: `work/` is the working directory,
/// `data/` is `system.path`, `out/` holds the captured output of each run.
pub struct TestDirs {
    root: TempDir,
    runs: AtomicUsize,
}

impl TestDirs {
    pub fn new() -> Arc<Self> {
        let root = tempfile::Builder::new()
            .prefix("iggy-test-")
            .tempdir()
            .expect("create temp dir");
        fs::create_dir_all(root.path().join("work")).expect("create work dir");
        fs::create_dir_all(root.path().join("out")).expect("create out dir");
        Arc::new(Self {
            root,
            runs: AtomicUsize::new(0),
        })
    }

    pub fn root(&self) -> &Path {
        self.root.path()
    }

    pub fn work_dir(&self) -> PathBuf {
        self.root.path().join("work")
    }

    pub fn system_path(&self) -> PathBuf {
        self.root.path().join("data")
    }

    pub fn runtime_config_path(&self) -> PathBuf {
        self.system_path()
            .join("runtime")
            .join("current_config.toml")
    }

    fn next_run(&self) -> usize {
        self.runs.fetch_add(1, Ordering::SeqCst)
    }
}

pub struct TestServerBuilder {
    dirs: Option<Arc<TestDirs>>,
    envs: BTreeMap<String, String>,
    args: Vec<String>,
    default_root_credentials: bool,
    /// Whether `IGGY_SYSTEM_PATH` is set to [`TestDirs::system_path`] (the default).
    system_path_env: bool,
}

impl TestServerBuilder {
    /// Reuse the directories of an earlier server (restart tests).
    pub fn dirs(mut self, dirs: &Arc<TestDirs>) -> Self {
        self.dirs = Some(dirs.clone());
        self
    }

    /// Set (or replace a default) environment variable of the server.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.envs.insert(key.to_string(), value.to_string());
        self
    }

    /// Drop one of the harness defaults (e.g. `IGGY_TCP_ADDRESS` to let `.env` supply it).
    pub fn without_env(mut self, key: &str) -> Self {
        if key == "IGGY_SYSTEM_PATH" {
            self.system_path_env = false;
        }
        self.envs.remove(key);
        self
    }

    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_string());
        self
    }

    /// By default the harness passes `--with-default-root-credentials` (root = iggy/iggy).
    pub fn without_default_root_credentials(mut self) -> Self {
        self.default_root_credentials = false;
        self
    }

    /// Spawn the process without waiting for readiness.
    pub fn spawn(self) -> TestServer {
        let dirs = self.dirs.unwrap_or_else(TestDirs::new);
        // A previous run on the same system.path left its runtime config behind; readiness must
        // only ever see the file written by this run.
        let _ = fs::remove_file(dirs.runtime_config_path());
        let run = dirs.next_run();
        let stdout_path = dirs.root().join("out").join(format!("stdout-{run}.log"));
        let stderr_path = dirs.root().join("out").join(format!("stderr-{run}.log"));
        let stdout = File::create(&stdout_path).expect("create stdout log");
        let stderr = File::create(&stderr_path).expect("create stderr log");

        let mut command = Command::new(env!("CARGO_BIN_EXE_iggy-server"));
        command.current_dir(dirs.work_dir());
        for (key, _) in std::env::vars() {
            if key.starts_with("IGGY_") {
                command.env_remove(key);
            }
        }
        if self.system_path_env {
            command.env("IGGY_SYSTEM_PATH", dirs.system_path());
        }
        command.envs(&self.envs);
        if self.default_root_credentials {
            command.arg("--with-default-root-credentials");
        }
        command.args(&self.args);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::from(stdout))
            .stderr(Stdio::from(stderr));
        let child = command.spawn().expect("spawn iggy-server");
        TestServer {
            child: Some(child),
            dirs,
            stdout_path,
            stderr_path,
            tcp_addr: None,
            other_addrs: (None, None),
        }
    }

    /// Spawn the process and wait until it listens; panics with its output if it does not.
    pub fn start(self) -> TestServer {
        let mut server = self.spawn();
        server.wait_ready();
        server
    }
}

pub struct TestServer {
    child: Option<Child>,
    dirs: Arc<TestDirs>,
    stdout_path: PathBuf,
    stderr_path: PathBuf,
    tcp_addr: Option<SocketAddr>,
    /// QUIC and WebSocket addresses, when those listeners are enabled.
    other_addrs: (Option<SocketAddr>, Option<SocketAddr>),
}

impl TestServer {
    pub fn builder() -> TestServerBuilder {
        let dirs = None;
        let mut envs = BTreeMap::new();
        for key in [
            "IGGY_TCP_ADDRESS",
            "IGGY_HTTP_ADDRESS",
            "IGGY_QUIC_ADDRESS",
            "IGGY_WEBSOCKET_ADDRESS",
        ] {
            envs.insert(key.to_string(), "127.0.0.1:0".to_string());
        }
        envs.insert(
            "IGGY_SYSTEM_SHARDING_CPU_ALLOCATION".to_string(),
            cpu_allocation(),
        );
        for (key, value) in test_transport().server_env() {
            envs.insert(key.to_string(), value);
        }
        TestServerBuilder {
            dirs,
            envs,
            args: Vec::new(),
            default_root_credentials: true,
            system_path_env: true,
        }
    }

    /// A server with the harness defaults (root = iggy/iggy), ready to serve.
    pub fn start() -> TestServer {
        Self::builder().start()
    }

    pub fn dirs(&self) -> &Arc<TestDirs> {
        &self.dirs
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("server process").id()
    }

    pub fn tcp_addr(&self) -> SocketAddr {
        self.tcp_addr.expect("server not ready: no TCP address yet")
    }

    /// Every address the server listens on (for `sdk_client`).
    pub fn endpoint(&self) -> Endpoint {
        Endpoint {
            tcp: self.tcp_addr(),
            quic: self.other_addrs.0,
            websocket: self.other_addrs.1,
        }
    }

    pub fn stdout(&self) -> String {
        fs::read_to_string(&self.stdout_path).unwrap_or_default()
    }

    pub fn stderr(&self) -> String {
        fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Everything the process printed so far, stdout then stderr.
    pub fn output(&self) -> String {
        format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout(),
            self.stderr()
        )
    }

    /// Poll for `runtime/current_config.toml` and the server's ready line, read the real TCP
    /// address from the file and confirm with a TCP connect. Panics with the captured output if the process exits or the deadline
    /// passes.
    pub fn wait_ready(&mut self) {
        let deadline = Instant::now() + START_DEADLINE;
        let path = self.dirs.runtime_config_path();
        loop {
            if let Some(status) = self.try_wait() {
                panic!(
                    "iggy-server exited before becoming ready ({status}).\n{}",
                    self.output()
                );
            }
            let problem = match read_tcp_address(&path) {
                // The listeners bind (and the runtime config is written) before the
                // partitions load; the start is done when the server says it is ready.
                Ok(_) if !self.stdout().contains(READY_LINE) => {
                    "the start is not done yet".to_string()
                }
                Ok(addr) => match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
                    Ok(_) => {
                        self.tcp_addr = Some(addr);
                        self.other_addrs = (
                            read_address(&path, "quic").ok(),
                            read_address(&path, "websocket").ok(),
                        );
                        return;
                    }
                    Err(error) => format!("connect to {addr}: {error}"),
                },
                Err(problem) => problem,
            };
            if Instant::now() > deadline {
                panic!(
                    "iggy-server not ready after {START_DEADLINE:?}: {problem}\n{}",
                    self.output()
                );
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    /// Wait (bounded) for the process to exit on its own; panics if it keeps running.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + EXIT_DEADLINE;
        loop {
            if let Some(status) = self.try_wait() {
                return status;
            }
            if Instant::now() > deadline {
                self.kill();
                panic!(
                    "iggy-server did not exit within {EXIT_DEADLINE:?}.\n{}",
                    self.output()
                );
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    pub fn signal(&self, signal: libc::c_int) {
        let pid = self.pid() as libc::pid_t;
        // SAFETY: plain kill(2) on our own child's pid; the child has not been reaped yet.
        let rc = unsafe { libc::kill(pid, signal) };
        assert_eq!(rc, 0, "kill({pid}, {signal}) failed");
    }

    /// SIGTERM, wait, assert exit status 0. Returns the captured output.
    pub fn stop(mut self) -> String {
        self.stop_with(libc::SIGTERM)
    }

    /// Send `signal`, wait, assert exit status 0. Returns the captured output.
    pub fn stop_with(&mut self, signal: libc::c_int) -> String {
        self.signal(signal);
        let status = self.wait_exit();
        let output = self.output();
        assert!(
            status.success(),
            "iggy-server exited with {status} after signal {signal}, expected 0.\n{output}"
        );
        self.child = None;
        output
    }

    /// SIGKILL and reap.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child
            .as_mut()
            .and_then(|child| child.try_wait().expect("try_wait on iggy-server"))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Read `[tcp] address` from the runtime config; an error text explains why not (yet).
fn read_tcp_address(path: &Path) -> Result<SocketAddr, String> {
    read_address(path, "tcp")
}

/// The bound address of `section` (an enabled listener) from the runtime config.
fn read_address(path: &Path, section: &str) -> Result<SocketAddr, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: toml::Value =
        toml::from_str(&text).map_err(|e| format!("parse runtime config: {e}"))?;
    let listener = value
        .get(section)
        .ok_or_else(|| format!("runtime config has no [{section}]"))?;
    if listener.get("enabled").and_then(|e| e.as_bool()) == Some(false) {
        return Err(format!("{section} is disabled"));
    }
    let address = listener
        .get("address")
        .and_then(|address| address.as_str())
        .ok_or_else(|| format!("runtime config has no [{section}] address"))?;
    let addr = SocketAddr::from_str(address)
        .map_err(|e| format!("runtime config {section}.address {address:?}: {e}"))?;
    if addr.port() == 0 {
        return Err("runtime config still shows port 0".to_string());
    }
    Ok(addr)
}

/// Parsed `runtime/current_config.toml` of a running server.
pub fn runtime_config(server: &TestServer) -> toml::Value {
    let text = fs::read_to_string(server.dirs().runtime_config_path()).expect("runtime config");
    toml::from_str(&text).expect("runtime config is TOML")
}

/// A port that was free a moment ago (bind port 0, read it, release it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind port 0")
        .local_addr()
        .expect("local addr")
        .port()
}

/// `n` distinct ports that were free a moment ago (all held at once while choosing).
pub fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind port 0"))
        .collect();
    listeners
        .iter()
        .map(|listener| listener.local_addr().expect("local addr").port())
        .collect()
}

/// Start the server with `envs` and expect it to refuse to start: returns (status, output).
pub fn expect_start_failure(builder: TestServerBuilder) -> (ExitStatus, String) {
    let mut server = builder.spawn();
    let status = server.wait_exit();
    let output = server.output();
    assert!(
        !status.success(),
        "iggy-server was expected to fail at start but exited with {status}.\n{output}"
    );
    assert!(
        !output.contains("panicked"),
        "iggy-server panicked instead of failing cleanly.\n{output}"
    );
    (status, output)
}

// ---------------------------------------------------------------------------------------------
// SDK helpers
// ---------------------------------------------------------------------------------------------

/// An `IggyClient` of the tests' transport (`IGGY_TEST_TRANSPORT`), connected (not logged
/// in). Reconnection stays enabled, as in the SDK's defaults, but with short pauses so a
/// 40-triggered reconnect does not slow tests down.
pub async fn sdk_client(endpoint: Endpoint) -> IggyClient {
    let client = sdk_client_over(test_transport(), endpoint);
    within(client.connect()).await.expect("SDK connect");
    client
}

/// An `IggyClient` of `transport`, not connected yet.
pub fn sdk_client_over(transport: TestTransport, endpoint: Endpoint) -> IggyClient {
    let pause = || IggyDuration::from_str("100ms").expect("duration");
    let ca_file = cert_files().then(|| repo_cert("iggy_ca_cert.pem"));
    let wrapper = match transport {
        TestTransport::Tcp | TestTransport::TcpTls => {
            let tls = transport == TestTransport::TcpTls;
            let config = TcpClientConfig {
                server_address: endpoint.tcp.to_string(),
                nodelay: true,
                tls_enabled: tls,
                tls_domain: "localhost".into(),
                // The generated certificate is trusted by nobody: not validated; the
                // repository's is validated against its development CA.
                tls_validate_certificate: ca_file.is_some(),
                tls_ca_file: ca_file,
                reconnection: TcpClientReconnectionConfig {
                    enabled: true,
                    max_retries: Some(3),
                    interval: pause(),
                    reestablish_after: pause(),
                },
                ..Default::default()
            };
            ClientWrapper::Tcp(TcpClient::create(Arc::new(config)).expect("create TCP client"))
        }
        TestTransport::Quic => {
            let address = endpoint.quic.expect("the server has no QUIC listener");
            let config = QuicClientConfig {
                server_address: address.to_string(),
                server_name: "localhost".into(),
                // The SDK reads at most 10 MB of a response by default (a client limit):
                // the tests poll up to a full 256 MiB SendMessages back.
                response_buffer_size: 300_000_000,
                // A killed server sends nothing: notice it in 2 s, not the default 10 s.
                keep_alive_interval: 500,
                max_idle_timeout: 2_000,
                reconnection: QuicClientReconnectionConfig {
                    enabled: true,
                    max_retries: Some(3),
                    interval: pause(),
                    reestablish_after: pause(),
                },
                ..Default::default()
            };
            ClientWrapper::Quic(QuicClient::create(Arc::new(config)).expect("create QUIC client"))
        }
        TestTransport::WebSocket | TestTransport::WebSocketTls => {
            let address = endpoint
                .websocket
                .expect("the server has no WebSocket listener");
            let tls = transport == TestTransport::WebSocketTls;
            let config = WebSocketClientConfig {
                server_address: address.to_string(),
                tls_enabled: tls,
                tls_domain: "localhost".into(),
                tls_validate_certificate: ca_file.is_some(),
                tls_ca_file: ca_file,
                reconnection: WebSocketClientReconnectionConfig {
                    enabled: true,
                    max_retries: Some(3),
                    interval: pause(),
                    reestablish_after: pause(),
                },
                ..Default::default()
            };
            let client =
                WebSocketClient::create(Arc::new(config)).expect("create WebSocket client");
            ClientWrapper::WebSocket(client)
        }
    };
    IggyClient::new(wrapper)
}

/// Await `future`, failing the test if it hangs.
pub async fn within<F: std::future::Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(15), future)
        .await
        .expect("SDK call did not complete within 15 s")
}

// ---------------------------------------------------------------------------------------------
// Raw protocol helpers
// ---------------------------------------------------------------------------------------------

pub const PING: u32 = 1;
pub const GET_STATS: u32 = 10;
pub const GET_CLUSTER_METADATA: u32 = 12;
pub const GET_ME: u32 = 20;
pub const GET_CLIENT: u32 = 21;
pub const GET_CLIENTS: u32 = 22;
pub const LOGIN_USER: u32 = 38;
pub const LOGOUT_USER: u32 = 39;

pub const STATUS_OK: u32 = 0;
pub const INVALID_COMMAND: u32 = 3;
pub const UNAUTHENTICATED: u32 = 40;
pub const INVALID_CREDENTIALS: u32 = 42;
pub const INVALID_USERNAME: u32 = 43;

/// A TCP connection speaking the binary protocol by hand (through TLS when the tests'
/// transport is `tcp-tls`). Reads time out after
/// [`RAW_READ_TIMEOUT`], so a server that never answers fails the test.
pub struct RawConn {
    stream: raw_tls::RawStream,
}

impl RawConn {
    pub fn connect(addr: SocketAddr) -> RawConn {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
        stream
            .set_read_timeout(Some(RAW_READ_TIMEOUT))
            .expect("set read timeout");
        stream
            .set_write_timeout(Some(RAW_READ_TIMEOUT))
            .expect("set write timeout");
        stream.set_nodelay(true).expect("nodelay");
        let stream = match test_transport() {
            TestTransport::TcpTls => raw_tls::wrap(stream),
            _ => raw_tls::RawStream::Plain(stream),
        };
        RawConn { stream }
    }

    /// Write bytes as they are.
    pub fn write_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write to server");
        self.stream.flush().expect("flush");
    }

    /// Send one well-formed request frame (`length = 4 + payload`).
    pub fn write_frame(&mut self, code: u32, payload: &[u8]) {
        self.write_raw(&frame(code, payload));
    }

    /// Read one response: `(status, payload)`. Panics on timeout or close.
    pub fn read_response(&mut self) -> (u32, Vec<u8>) {
        match self.try_read_response() {
            Ok(Some(response)) => response,
            Ok(None) => panic!("server closed the connection instead of answering"),
            Err(error) => panic!("no response from server: {error}"),
        }
    }

    /// `Ok(None)` when the server closed the connection cleanly before a header arrived.
    pub fn try_read_response(&mut self) -> io::Result<Option<(u32, Vec<u8>)>> {
        let mut header = [0u8; 8];
        let mut filled = 0;
        while filled < header.len() {
            let n = self.stream.read(&mut header[filled..])?;
            if n == 0 {
                if filled == 0 {
                    return Ok(None);
                }
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("connection closed after {filled} header bytes"),
                ));
            }
            filled += n;
        }
        let status = u32::from_le_bytes(header[0..4].try_into().expect("4 bytes"));
        let length = u32::from_le_bytes(header[4..8].try_into().expect("4 bytes"));
        let mut payload = vec![0u8; length as usize];
        self.stream.read_exact(&mut payload)?;
        Ok(Some((status, payload)))
    }

    /// One request/response exchange.
    pub fn send_frame(&mut self, code: u32, payload: &[u8]) -> (u32, Vec<u8>) {
        self.write_frame(code, payload);
        self.read_response()
    }

    pub fn ping(&mut self) -> u32 {
        self.send_frame(PING, &[]).0
    }

    /// Log in with `username`/`password` (as the SDK does); returns the status.
    pub fn login(&mut self, username: &str, password: &str) -> u32 {
        self.send_frame(LOGIN_USER, &login_payload(username, password))
            .0
    }

    /// Assert the server closes this connection (EOF or reset) without sending anything more.
    pub fn expect_closed(&mut self) {
        let mut buf = [0u8; 64];
        match self.stream.read(&mut buf) {
            Ok(0) => {}
            Ok(n) => panic!(
                "expected the server to close, got {n} more bytes: {:?}",
                &buf[..n]
            ),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {}
            // A TLS peer that closed without close_notify.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {}
            Err(e) => panic!("expected the server to close the connection, got: {e}"),
        }
    }

    /// Close our sending side (the server sees EOF) and drop the socket.
    pub fn close(self) {
        let _ = self.stream.tcp().shutdown(Shutdown::Both);
    }
}

/// Encode a request frame.
pub fn frame(code: u32, payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(8 + payload.len());
    bytes.extend_from_slice(&(4 + payload.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&code.to_le_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

/// LoginUser payload exactly as SDK 0.10.0 encodes it (name8, str8, version, empty context).
pub fn login_payload(username: &str, password: &str) -> Vec<u8> {
    let mut payload = Vec::new();
    payload.push(username.len() as u8);
    payload.extend_from_slice(username.as_bytes());
    payload.push(password.len() as u8);
    payload.extend_from_slice(password.as_bytes());
    let version = b"0.10.0";
    payload.extend_from_slice(&(version.len() as u32).to_le_bytes());
    payload.extend_from_slice(version);
    payload.extend_from_slice(&0u32.to_le_bytes());
    payload
}

/// A ping on a brand-new connection answers status 0.
pub fn assert_healthy(addr: SocketAddr) {
    let mut conn = RawConn::connect(addr);
    assert_eq!(
        conn.ping(),
        STATUS_OK,
        "ping on a new connection failed: server unhealthy"
    );
}

/// Every file under `dir` (recursively) whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(bytes) = fs::read(&path) {
                if bytes.windows(needle.len()).any(|window| window == needle) {
                    found.push(path);
                }
            }
        }
    }
    found
}

// ---------------------------------------------------------------------------------------------
// Streams/topics helpers
// ---------------------------------------------------------------------------------------------

/// An SDK client connected to `server` and logged in as root (iggy/iggy).
/// Awaits an SDK call that must fail (within the test timeout) and checks its Iggy error
/// code; `what` names the call in the failure message.
pub async fn expect_code<T: std::fmt::Debug>(
    call: impl std::future::Future<Output = Result<T, iggy::prelude::IggyError>>,
    code: u32,
    what: &str,
) {
    match within(call).await {
        Ok(value) => panic!("{what}: expected error {code}, got {value:?}"),
        Err(error) => assert_eq!(error.as_code(), code, "{what}: {error}"),
    }
}

/// A numeric stream/topic/consumer identifier.
pub fn id(value: u32) -> Identifier {
    Identifier::numeric(value).expect("numeric identifier")
}

/// A named stream/topic/consumer identifier.
pub fn name(value: &str) -> Identifier {
    Identifier::named(value).expect("named identifier")
}

pub async fn root_client(server: &TestServer) -> IggyClient {
    use iggy::prelude::UserClient;
    let client = sdk_client(server.endpoint()).await;
    within(client.login_user("iggy", "iggy"))
        .await
        .expect("root login");
    client
}

/// Sends one message per payload, in one batch, to partition `partition` of stream 0,
/// topic 0; answers the server's refusal, for tests where a send may fail.
pub async fn try_send_payloads<P: Into<bytes::Bytes>>(
    client: &IggyClient,
    partition: u32,
    payloads: impl IntoIterator<Item = P>,
) -> Result<(), iggy::prelude::IggyError> {
    use iggy::prelude::{IggyMessage, MessageClient, Partitioning};
    let mut messages: Vec<IggyMessage> = payloads
        .into_iter()
        .map(|p| {
            IggyMessage::builder()
                .payload(p.into())
                .build()
                .expect("message")
        })
        .collect();
    within(client.send_messages(
        &id(0),
        &id(0),
        &Partitioning::partition_id(partition),
        &mut messages,
    ))
    .await
}

/// [`try_send_payloads`] that must succeed.
pub async fn send_payloads<P: Into<bytes::Bytes>>(
    client: &IggyClient,
    partition: u32,
    payloads: impl IntoIterator<Item = P>,
) {
    try_send_payloads(client, partition, payloads)
        .await
        .expect("send");
}

/// Creates stream `stream` with a topic `topic` of `partitions` partitions (server default
/// expiry and size, no compression); answers their ids.
pub async fn create_stream_and_topic(
    client: &IggyClient,
    stream: &str,
    topic: &str,
    partitions: u32,
) -> (u32, u32) {
    use iggy::prelude::{
        CompressionAlgorithm, IggyExpiry, MaxTopicSize, StreamClient, TopicClient,
    };
    let created = within(client.create_stream(stream))
        .await
        .unwrap_or_else(|e| panic!("create stream {stream}: {e}"));
    let topic = within(client.create_topic(
        &id(created.id),
        topic,
        partitions,
        CompressionAlgorithm::None,
        None,
        IggyExpiry::ServerDefault,
        MaxTopicSize::ServerDefault,
    ))
    .await
    .unwrap_or_else(|e| panic!("create topic {topic} in {stream}: {e}"));
    (created.id, topic.id)
}

/// `{system.path}/streams/{stream}` of a server's directories.
pub fn stream_dir(dirs: &TestDirs, stream_id: u32) -> PathBuf {
    dirs.system_path()
        .join("streams")
        .join(stream_id.to_string())
}

/// `{system.path}/streams/{stream}/topics/{topic}`.
pub fn topic_dir(dirs: &TestDirs, stream_id: u32, topic_id: u32) -> PathBuf {
    stream_dir(dirs, stream_id)
        .join("topics")
        .join(topic_id.to_string())
}

/// `{system.path}/streams/{stream}/topics/{topic}/partitions/{partition}`.
pub fn partition_dir(dirs: &TestDirs, stream_id: u32, topic_id: u32, partition_id: u32) -> PathBuf {
    topic_dir(dirs, stream_id, topic_id)
        .join("partitions")
        .join(partition_id.to_string())
}

/// Name of the first segment's files (start offset 0, 20 digits).
pub const FIRST_SEGMENT: &str = "00000000000000000000";

/// Assert the partition directory holds the first segment's `.log` and `.index`.
pub fn assert_first_segment_files(
    dirs: &TestDirs,
    stream_id: u32,
    topic_id: u32,
    partition_id: u32,
) {
    let dir = partition_dir(dirs, stream_id, topic_id, partition_id);
    for ext in ["log", "index"] {
        let file = dir.join(format!("{FIRST_SEGMENT}.{ext}"));
        assert!(file.is_file(), "missing segment file {}", file.display());
    }
}
