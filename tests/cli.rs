//! The real `iggy` CLI (iggy-cli 0.13.0) against the server. `scripts/test` installs the CLI.

mod common;

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::TestServer;

const CLI_DEADLINE: Duration = Duration::from_secs(30);

/// `iggy` from PATH, else from `$CARGO_HOME/bin` or `~/.cargo/bin`.
fn cli_binary() -> PathBuf {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("iggy"))
                .collect()
        })
        .unwrap_or_default();
    if let Some(cargo_home) = std::env::var_os("CARGO_HOME") {
        candidates.push(PathBuf::from(cargo_home).join("bin").join("iggy"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".cargo").join("bin").join("iggy"));
    }
    candidates
        .into_iter()
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "the `iggy` CLI binary was not found on PATH or in ~/.cargo/bin; \
                 run scripts/test, which installs it \
                 (cargo install iggy-cli --version 0.13.0 --locked)"
            )
        })
}

/// Run the CLI against `server` with root credentials; assert exit 0; return stdout+stderr.
fn run_cli(server: &TestServer, args: &[&str]) -> String {
    let (stdout, stderr) = run_cli_split(server, args);
    format!("{stdout}\n{stderr}")
}

/// Run the CLI against `server` with root credentials; assert exit 0; return (stdout, stderr).
fn run_cli_split(server: &TestServer, args: &[&str]) -> (String, String) {
    let home = server.dirs().root().join("cli-home");
    std::fs::create_dir_all(&home).expect("create CLI home");
    let address = server.tcp_addr().to_string();
    let mut child = Command::new(cli_binary())
        .args(["--tcp-server-address", &address, "-u", "iggy", "-p", "iggy"])
        .args(args)
        .env("HOME", &home)
        .env("NO_COLOR", "1")
        .current_dir(server.dirs().root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn iggy CLI");
    let mut stdout_pipe = child.stdout.take().expect("stdout");
    let mut stderr_pipe = child.stderr.take().expect("stderr");
    let stdout_reader = thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout_pipe.read_to_string(&mut text);
        text
    });
    let stderr_reader = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + CLI_DEADLINE;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait on CLI") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`iggy {}` did not finish within {CLI_DEADLINE:?}.\nserver:\n{}",
                args.join(" "),
                server.output()
            );
        }
        thread::sleep(Duration::from_millis(50));
    };
    let stdout = stdout_reader.join().expect("stdout reader");
    let stderr = stderr_reader.join().expect("stderr reader");
    assert!(
        status.success(),
        "`iggy {}` exited with {status}.\n{stdout}\n{stderr}\nserver:\n{}",
        args.join(" "),
        server.output()
    );
    (stdout, stderr)
}

#[test]
fn cli_ping() {
    let server = TestServer::start();
    let output = run_cli(&server, &["ping"]);
    assert!(
        output.contains("Ping sequence id"),
        "unexpected ping output:\n{output}"
    );
}

#[test]
fn cli_me_shows_a_tcp_client() {
    let server = TestServer::start();
    let output = run_cli(&server, &["me"]);
    assert!(output.contains("Client ID"), "no client id:\n{output}");
    assert!(output.contains("TCP"), "no TCP transport:\n{output}");
    assert!(output.contains("127.0.0.1:"), "no peer address:\n{output}");
}

#[test]
fn cli_stats_table_shows_the_pid() {
    let server = TestServer::start();
    let output = run_cli(&server, &["stats"]);
    let pid_row = output
        .lines()
        .find(|line| line.contains("Iggy Server PID"))
        .unwrap_or_else(|| panic!("no PID row:\n{output}"));
    assert!(
        pid_row.contains(&server.pid().to_string()),
        "PID row {pid_row:?} does not show {}",
        server.pid()
    );
}

#[test]
fn cli_stats_toml_shows_version_and_pid() {
    let server = TestServer::start();
    let (stdout, stderr) = run_cli_split(&server, &["-q", "stats", "--output", "toml"]);
    let stats: toml::Value = toml::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stats TOML does not parse: {e}\n{stdout}\n{stderr}"));
    assert_eq!(
        stats.get("iggy_server_version").and_then(|v| v.as_str()),
        Some("0.8.0"),
        "{stdout}"
    );
    assert_eq!(
        stats.get("process_id").and_then(|v| v.as_integer()),
        Some(i64::from(server.pid())),
        "{stdout}"
    );
}

#[test]
fn cli_client_list_shows_itself() {
    let server = TestServer::start();
    let output = run_cli(&server, &["client", "list"]);
    assert!(output.contains("TCP"), "no TCP client listed:\n{output}");
    assert!(
        output.contains("127.0.0.1:"),
        "no client address:\n{output}"
    );
}
