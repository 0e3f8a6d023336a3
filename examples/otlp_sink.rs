//! A minimal OTLP collector for benchmarks with `[telemetry]` on: it receives the server's
//! spans and log records over gRPC or HTTP/protobuf, decodes every export, counts them and
//! keeps nothing. It is the receiver of the telemetry tests (`tests/telemetry_support`).
//!
//! ```sh
//! target/release/examples/otlp_sink grpc 47817   # then point telemetry.*.endpoint there
//! ```
//! Prints the counts every 5 s; stop it with Ctrl-C.

#[path = "../tests/telemetry_support/mod.rs"]
mod otlp;

use otlp::{Protocol, Receiver};
use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let protocol = match args.next().as_deref() {
        Some("grpc") => Protocol::Grpc,
        Some("http") => Protocol::Http,
        _ => {
            eprintln!("usage: otlp_sink grpc|http PORT");
            std::process::exit(2);
        }
    };
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let receiver = Receiver::counting(protocol, port);
    println!(
        "otlp_sink: {} on {}: traces {}, logs {}",
        protocol.config_name(),
        receiver.addr,
        receiver.endpoint("traces"),
        receiver.endpoint("logs")
    );
    loop {
        std::thread::sleep(Duration::from_secs(5));
        let (spans, logs) = receiver.counts();
        println!("otlp_sink: {spans} spans, {logs} log records received");
    }
}
