//! Throughput and latency benchmark for an Iggy server, on the official SDK.
//!
//! ```sh
//! cargo build --release --example bench
//! target/release/examples/bench --producers 1 --batches 1000 --rate 300MB/s
//! target/release/examples/bench --help
//! ```
//!
//! See the "Benchmark" section of README.md.

mod args;
mod rate;
mod server_proc;
mod stats;
mod transport;
mod workers;

use argh::FromArgs;
use args::{Args, Config};
use iggy::prelude::*;
use stats::{Recorder, RoleReport, ServerReport};
use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;
use tokio::task::JoinSet;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let strs: Vec<&str> = argv.iter().map(String::as_str).collect();
    let args = match Args::from_args(&strs[..1], &strs[1..]) {
        Ok(args) => args,
        Err(exit) if exit.status.is_ok() => {
            // --help: a closed pipe (bench --help | head) is not an error.
            let _ = writeln!(std::io::stdout(), "{}", exit.output);
            return ExitCode::SUCCESS;
        }
        Err(exit) => {
            eprintln!("{}", exit.output);
            return ExitCode::from(2);
        }
    };
    let config = match Config::from_args(args) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("bench: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Producer,
    Consumer,
}

async fn run(config: Config) -> Result<(), String> {
    if let Some(pid) = config.server_pid {
        server_proc::sample(pid)?;
    }
    let admin = transport::connect(&config).await?;
    let created = config.producers > 0;
    let layout = if created {
        workers::create_streams(&admin, &config).await?
    } else {
        workers::existing_streams(&admin, &config).await?
    };
    let slots = workers::consumer_slots(&layout.expected, config.consumers);
    if config.producers == 0 && slots.iter().all(Vec::is_empty) {
        return Err("nothing to read: the bench-* streams are empty".into());
    }
    if config.consumer_group {
        workers::create_groups(&admin, &config).await?;
    }
    println!("{}", describe(&config, &layout.expected));

    let result = measure(&config, &layout, slots).await;
    if created && !config.keep_data {
        for s in 0..config.streams {
            let name = workers::stream_name(s);
            if let Err(e) = admin
                .delete_stream(&Identifier::named(&name).unwrap_or_default())
                .await
            {
                eprintln!("bench: cannot delete stream {name}: {e}");
            }
        }
    }
    let (roles, server) = result?;
    print!("{}", stats::table(&roles, server.as_ref()));
    if let Some(path) = &config.json {
        let json = serde_json::json!({
            "config": config,
            "roles": roles,
            "server": server,
        });
        let text = serde_json::to_string_pretty(&json).map_err(|e| format!("JSON: {e}"))?;
        std::fs::write(path, text + "\n")
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Connects every actor, then runs them all from one start instant.
async fn measure(
    config: &Config,
    layout: &workers::Layout,
    slots: Vec<Vec<workers::Slot>>,
) -> Result<(Vec<RoleReport>, Option<ServerReport>), String> {
    let mut producers = Vec::new();
    for j in 0..config.producers {
        let (s, p) = config.producer_target(j);
        let partition_id = layout.partition_ids[s as usize][p as usize];
        producers.push((transport::connect(config).await?, s, partition_id));
    }
    let mut consumers = Vec::new();
    let mut members = Vec::new();
    if config.consumer_group {
        let progress: Vec<_> = layout
            .expected
            .iter()
            .map(|partitions| {
                std::sync::Arc::new(workers::GroupProgress {
                    read: Default::default(),
                    total: partitions.iter().sum(),
                })
            })
            .collect();
        for i in 0..config.consumers {
            let stream = i % config.streams;
            let client = transport::connect(config).await?;
            members.push((client, stream, progress[stream as usize].clone()));
        }
    }
    let slots = if config.consumer_group {
        Vec::new()
    } else {
        slots
    };
    for (i, slots) in slots.into_iter().enumerate() {
        let named: Vec<(String, u32, u64)> = slots
            .into_iter()
            .map(|(s, p, n)| {
                let id = layout.partition_ids[s as usize][p as usize];
                (workers::stream_name(s), id, n)
            })
            .collect();
        consumers.push((transport::connect(config).await?, i as u32, named));
    }

    let before = config.server_pid.map(server_proc::sample).transpose()?;
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for (client, stream, partition_id) in producers {
        let config = config.clone();
        tasks.spawn(async move {
            let r = workers::produce(client, config, stream, partition_id, start).await;
            (Role::Producer, r)
        });
    }
    for (client, index, slots) in consumers {
        let config = config.clone();
        tasks.spawn(async move {
            let r = workers::consume(client, config, index, slots, start).await;
            (Role::Consumer, r)
        });
    }
    for (client, stream, progress) in members {
        let config = config.clone();
        tasks.spawn(async move {
            let r = workers::consume_group(client, config, stream, progress, start).await;
            (Role::Consumer, r)
        });
    }
    let mut done: Vec<(Role, Recorder)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((role, Ok(recorder))) => done.push((role, recorder)),
            Ok((_, Err(e))) => {
                tasks.abort_all();
                return Err(e);
            }
            Err(e) => {
                tasks.abort_all();
                return Err(format!("a benchmark task failed: {e}"));
            }
        }
    }
    let after = config.server_pid.map(server_proc::sample).transpose()?;

    let of = |role: Role| -> Vec<&Recorder> {
        done.iter()
            .filter(|(r, _)| *r == role)
            .map(|(_, rec)| rec)
            .collect()
    };
    let (written, read) = (of(Role::Producer), of(Role::Consumer));
    let mut roles = Vec::new();
    if config.producers > 0 {
        roles.push(stats::summarize("producers", &written));
    }
    if config.consumers > 0 {
        roles.push(stats::summarize("consumers", &read));
    }
    let all: Vec<&Recorder> = done.iter().map(|(_, r)| r).collect();
    roles.push(stats::summarize("total", &all));
    let server = match (config.server_pid, before, after) {
        (Some(pid), Some(before), Some(after)) => Some(ServerReport::new(
            pid,
            after.cpu_s - before.cpu_s,
            written.iter().map(|r| r.bytes).sum(),
            read.iter().map(|r| r.bytes).sum(),
            (before.rss_bytes, after.rss_bytes),
        )),
        _ => None,
    };
    Ok((roles, server))
}

fn describe(config: &Config, expected: &[Vec<u64>]) -> String {
    let mut text = format!(
        "bench: {} over {}{}{}: {} stream(s) x {} partition(s)",
        config.address,
        config.transport.name(),
        if config.tls { "+tls" } else { "" },
        if config.nodelay { " (nodelay)" } else { "" },
        expected.len(),
        expected.first().map_or(0, Vec::len)
    );
    if config.producers > 0 {
        let total = config.producers as u64 * config.batches * config.batch_bytes();
        text += &format!(
            "; {} producer(s) x {} batch(es) x {} msg x {} B = {:.3} GB",
            config.producers,
            config.batches,
            config.messages_per_batch,
            config.message_size,
            total as f64 / 1e9
        );
        if let Some(rate) = config.rate {
            text += &match rate {
                args::Rate::BytesPerSec(b) => format!(" at {:.1} MB/s", b / 1e6),
                args::Rate::MessagesPerSec(m) => format!(" at {m:.0} msg/s"),
            };
        }
        if config.fsync_flush {
            text += ", fsync flush at the end";
        }
        if config.balanced {
            text += ", balanced partitioning";
        }
    }
    if config.consumers > 0 {
        let total: u64 = expected.iter().flatten().sum();
        text += &format!("; {} consumer(s) reading {total} msg", config.consumers);
        if config.consumer_group {
            text += &format!(" as members of {}", workers::GROUP);
        }
    }
    text
}
