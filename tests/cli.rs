//! The real `iggy` CLI (iggy-cli 0.13.0) against the server. `scripts/test` installs the CLI.

mod common;

use common::TestServer;

/// Run the CLI against `server` with root credentials; assert exit 0; return stdout+stderr.
fn run_cli(server: &TestServer, args: &[&str]) -> String {
    let (stdout, stderr) = run_cli_split(server, args);
    format!("{stdout}\n{stderr}")
}

/// Run the CLI against `server` with root credentials; assert exit 0; return (stdout, stderr).
fn run_cli_split(server: &TestServer, args: &[&str]) -> (String, String) {
    let (status, stdout, stderr) = common::cli::run(server, args);
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

#[test]
fn cli_over_http_manages_streams_and_messages() {
    let server = TestServer::start();
    let url = common::http::base_url(&server);
    let http = |args: &[&str]| {
        let mut all = vec!["--transport", "http", "--http-api-url", url.as_str()];
        all.extend_from_slice(args);
        run_cli(&server, &all)
    };
    http(&["stream", "create", "over-http"]);
    http(&["topic", "create", "over-http", "t", "1", "none"]);
    http(&["message", "send", "over-http", "t", "hello-over-http"]);
    let polled = http(&["message", "poll", "--offset", "0", "over-http", "t", "0"]);
    assert!(polled.contains("hello-over-http"), "{polled}");
    let streams = http(&["stream", "list"]);
    assert!(streams.contains("over-http"), "{streams}");
}
