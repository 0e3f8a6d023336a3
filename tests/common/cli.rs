//! Running the real `iggy` CLI (iggy-cli 0.13.0) against a test server. `scripts/test`
//! installs the CLI.

use super::TestServer;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const CLI_DEADLINE: Duration = Duration::from_secs(30);

/// `iggy` from PATH, else from `$CARGO_HOME/bin` or `~/.cargo/bin`.
pub fn cli_binary() -> PathBuf {
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

/// Runs the CLI against `server` with root credentials: (status, stdout, stderr). A CLI
/// that does not finish within the deadline fails the test.
pub fn run(server: &TestServer, args: &[&str]) -> (ExitStatus, String, String) {
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
    (status, stdout, stderr)
}
