//! `iggy-server`: a persistent message-streaming server that is a drop-in replacement for
//! the Apache Iggy server, built on actix.
//!
//! # Layout
//!
//! * `args`, `config`, `logging`: the command line, the configuration (embedded defaults →
//!   file → environment, validated once) and the log outputs.
//! * `protocol`: the binary protocol as a pure module (framing, codes, decoding, encoding).
//! * `listen`: how every listener binds (SO_REUSEPORT, after probing for another server).
//! * `connection`: one connection actor per client, the same for every binary transport.
//! * `listeners`: every listener, bound then started; `tcp` (plain or TLS), `quic` and
//!   `websocket` (plain or TLS) are the transports.
//! * `http`: the REST API (actix-web) over the same handlers and engine messages.
//! * `tls`: the one rustls crypto provider, certificates from files or self-signed.
//! * `handlers`: one small file per command, one dispatch table, one authorization check.
//! * `telemetry`: OpenTelemetry export of logs and request traces (`[telemetry]`).
//! * `server`: the bootstrap steps and the shutdown sequence.
//! * the `actors` crate: the engine (shards, metadata actor and its log, supervisors).

mod args;
mod config;
mod connection;
mod context;
mod features;
mod handlers;
mod http;
mod listen;
mod listeners;
mod logging;
mod protocol;
mod quic;
mod server;
mod tcp;
mod telemetry;
mod tls;
mod websocket;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: args::Args = argh::from_env();
    if args.version {
        println!("iggy-server {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    tls::install_provider();
    let mut logging = match logging::Logging::start_console() {
        Ok(logging) => logging,
        Err(e) => {
            eprintln!("iggy-server: cannot start logging: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut telemetry = None;
    let code = match server::run(args, &mut logging, &mut telemetry) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e}");
            eprintln!("iggy-server: {e}");
            ExitCode::FAILURE
        }
    };
    if let Some(telemetry) = telemetry {
        telemetry.shutdown();
    }
    logging.shutdown();
    code
}
