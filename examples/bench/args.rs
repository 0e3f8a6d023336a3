//! Command line: the argh definition, value parsers (rates, sizes, transports) and the
//! validated configuration the rest of the benchmark works from.

use argh::FromArgs;
use std::path::PathBuf;

/// Benchmark an Iggy server with the official SDK: P producers send batches of
/// M messages to S streams of K partitions, C consumers poll them back, and the
/// throughput and per-request latency of each role are reported.
#[derive(FromArgs, Debug)]
#[argh(
    note = "Amount: --batches B (per producer, default 1000) or --total-bytes SIZE \
(payload over all producers, e.g. 10GB, rounded up to whole batches).
Fixed rate: with --rate R (total over all producers, e.g. 300MB/s, 1M msg/s, \
500k msg/s) every producer sends its batches on a fixed schedule so that the offered load \
is R, whatever the server does. Latency is measured from each batch's scheduled send time, \
not from when it was actually sent, so a stalled server shows up as latency of every batch \
that had to wait (no coordinated omission).
Producer j writes to stream <prefix>-(j mod S) (prefix bench unless --stream-prefix), \
partition (j div S) mod K (partition-id partitioning), or with --balanced lets the server \
pick the partition of every batch. Consumers (kind-1 consumers polling by offset from 0) share all \
non-empty partitions round-robin and read until they have everything the producers wrote; \
with --producers 0 they read what the bench-* streams hold. With --consumer-group, \
consumer i joins the group bench-group of stream <prefix>-(i mod S) and polls next with \
auto-commit without a partition id (the server picks the member's partitions in turn) \
until the group has read the whole stream.
When producers run, every payload starts with the batch's send time (its scheduled time \
with --rate), and consumers also report end-to-end latency: from that time to the \
receipt of each message (the e2e row). Streams are deleted and \
recreated at the start of a run with producers, and deleted at its end unless --keep-data.
MB are 10^6 bytes of payload; latency is per request (send or non-empty poll)."
)]
pub struct Args {
    /// server address host:port (the HTTP API's with --transport http) [default: 127.0.0.1:8090]
    #[argh(option, default = "String::from(\"127.0.0.1:8090\")")]
    pub address: String,

    /// transport: tcp, quic, ws (WebSocket) or http [default: tcp]
    #[argh(option, default = "Transport::Tcp", from_str_fn(parse_transport))]
    pub transport: Transport,

    /// TLS on tcp or ws, without validating the server's certificate (QUIC always is TLS)
    #[argh(switch)]
    pub tls: bool,

    /// username [default: iggy]
    #[argh(option, default = "String::from(\"iggy\")")]
    pub username: String,

    /// password [default: iggy]
    #[argh(option, default = "String::from(\"iggy\")")]
    pub password: String,

    /// set TCP_NODELAY on the client sockets
    #[argh(switch)]
    pub nodelay: bool,

    /// number of producers [default: 1]
    #[argh(option, default = "1")]
    pub producers: u32,

    /// number of consumers [default: 0]
    #[argh(option, default = "0")]
    pub consumers: u32,

    /// number of streams bench-0..bench-(S-1) [default: 1]
    #[argh(option, default = "1")]
    pub streams: u32,

    /// partitions of the topic "bench" in each stream [default: 1]
    #[argh(option, default = "1")]
    pub partitions: u32,

    /// payload bytes per message [default: 1000]
    #[argh(option, default = "1000")]
    pub message_size: u32,

    /// messages per send request and per poll request [default: 1000]
    #[argh(option, default = "1000")]
    pub messages_per_batch: u32,

    /// batches each producer sends [default: 1000]
    #[argh(option)]
    pub batches: Option<u64>,

    /// total payload over all producers instead of --batches, e.g. 10GB, 512MiB
    #[argh(option, from_str_fn(parse_size))]
    pub total_bytes: Option<u64>,

    /// fixed offered load over all producers, e.g. 300MB/s, 1M msg/s, 500k msg/s
    #[argh(option, from_str_fn(parse_rate))]
    pub rate: Option<Rate>,

    /// pid of the server: report its CPU time and RSS (Linux /proc)
    #[argh(option)]
    pub server_pid: Option<u32>,

    /// write the results as JSON to this file
    #[argh(option)]
    pub json: Option<PathBuf>,

    /// keep the streams at the end (default: delete the streams this run created)
    #[argh(switch)]
    pub keep_data: bool,

    /// after its last batch, each producer flushes its partition with fsync
    /// (counted in its elapsed time)
    #[argh(switch)]
    pub fsync_flush: bool,

    /// producers use balanced partitioning: the server picks the partition of each batch
    #[argh(switch)]
    pub balanced: bool,

    /// consumers read as members of one consumer group per stream (bench-group)
    #[argh(switch)]
    pub consumer_group: bool,
    /// streams are named <prefix>-0..<prefix>-(S-1) [default: bench]: a second run on
    /// other streams of the same server (e.g. a load beside a cleaner's work)
    #[argh(option, default = "String::from(\"bench\")")]
    pub stream_prefix: String,

    /// message expiry of the topics a run creates, e.g. "10s" [default: none]: with the
    /// server's message cleaner on, the data is deleted once it expired
    #[argh(option, default = "String::from(\"none\")")]
    pub message_expiry: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Quic,
    #[serde(rename = "ws")]
    WebSocket,
    Http,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Quic => "quic",
            Transport::WebSocket => "ws",
            Transport::Http => "http",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub enum Rate {
    BytesPerSec(f64),
    MessagesPerSec(f64),
}

pub fn parse_transport(value: &str) -> Result<Transport, String> {
    match value.to_ascii_lowercase().as_str() {
        "tcp" => Ok(Transport::Tcp),
        "quic" => Ok(Transport::Quic),
        "ws" | "websocket" => Ok(Transport::WebSocket),
        "http" => Ok(Transport::Http),
        _ => Err(format!(
            "unknown transport '{value}' (tcp, quic, ws or http)"
        )),
    }
}

/// Splits "300MB/s" into (300.0, "mb/s"): whitespace removed, unit lower-cased.
fn split_number(value: &str) -> Result<(f64, String), String> {
    let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let end = compact
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(compact.len());
    let (number, unit) = compact.split_at(end);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("'{value}' does not start with a number"))?;
    if !number.is_finite() || number <= 0.0 {
        return Err(format!("'{value}' must be greater than zero"));
    }
    Ok((number, unit.to_ascii_lowercase()))
}

fn byte_multiplier(unit: &str) -> Option<f64> {
    Some(match unit {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "tb" | "t" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    })
}

/// A byte size: "10GB" (10^9), "512MiB" (2^20), "1000" (bytes).
pub fn parse_size(value: &str) -> Result<u64, String> {
    let (number, unit) = split_number(value)?;
    let multiplier = byte_multiplier(&unit)
        .ok_or_else(|| format!("unknown size unit in '{value}' (B, KB, MB, GB, KiB, MiB, GiB)"))?;
    let bytes = (number * multiplier).round();
    if bytes < 1.0 || bytes > u64::MAX as f64 {
        return Err(format!("size '{value}' is out of range"));
    }
    Ok(bytes as u64)
}

/// A rate: "300MB/s", "1.5GiB/s", "1M msg/s", "500k msg/s", "20000msg/s".
pub fn parse_rate(value: &str) -> Result<Rate, String> {
    let (number, unit) = split_number(value)?;
    let unit = unit
        .strip_suffix("/s")
        .or_else(|| unit.strip_suffix("/sec"))
        .ok_or_else(|| {
            format!("rate '{value}' needs a unit per second, e.g. 300MB/s or 1M msg/s")
        })?;
    for messages in ["messages", "msgs", "msg"] {
        if let Some(prefix) = unit.strip_suffix(messages) {
            let multiplier = match prefix {
                "" => 1.0,
                "k" => 1e3,
                "m" => 1e6,
                "g" => 1e9,
                _ => {
                    return Err(format!(
                        "unknown prefix '{prefix}' in rate '{value}' (k, M, G)"
                    ))
                }
            };
            return Ok(Rate::MessagesPerSec(number * multiplier));
        }
    }
    let multiplier = byte_multiplier(unit).ok_or_else(|| {
        format!("unknown unit in rate '{value}' (B/s, KB/s, MB/s, GB/s, MiB/s, msg/s, k msg/s, M msg/s)")
    })?;
    Ok(Rate::BytesPerSec(number * multiplier))
}

/// The validated configuration.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Config {
    pub address: String,
    pub transport: Transport,
    #[serde(skip)]
    pub username: String,
    #[serde(skip)]
    pub password: String,
    pub nodelay: bool,
    pub tls: bool,
    pub producers: u32,
    pub consumers: u32,
    pub streams: u32,
    pub partitions: u32,
    pub message_size: u32,
    pub messages_per_batch: u32,
    /// Batches per producer (0 without producers).
    pub batches: u64,
    pub rate: Option<Rate>,
    pub server_pid: Option<u32>,
    #[serde(skip)]
    pub json: Option<PathBuf>,
    pub keep_data: bool,
    pub fsync_flush: bool,
    pub balanced: bool,
    pub consumer_group: bool,
    pub stream_prefix: String,
    pub message_expiry: String,
}

impl Config {
    pub fn from_args(args: Args) -> Result<Config, String> {
        if args.tls && args.transport == Transport::Quic {
            return Err("--tls: QUIC is always TLS".into());
        }
        if args.tls && args.transport == Transport::Http {
            return Err("--tls: not with --transport http (plain HTTP only)".into());
        }
        if args.transport == Transport::Http && args.consumer_group {
            return Err(
                "--consumer-group needs group membership, which HTTP does not offer".into(),
            );
        }
        if args.producers == 0 && args.consumers == 0 {
            return Err("nothing to do: --producers and --consumers are both 0".into());
        }
        if args.streams == 0 {
            return Err("--streams must be at least 1".into());
        }
        if args.partitions == 0 {
            return Err("--partitions must be at least 1".into());
        }
        if args.message_size == 0 || args.message_size > iggy::prelude::MAX_PAYLOAD_SIZE {
            return Err(format!(
                "--message-size must be between 1 and {} bytes",
                iggy::prelude::MAX_PAYLOAD_SIZE
            ));
        }
        if args.messages_per_batch == 0 {
            return Err("--messages-per-batch must be at least 1".into());
        }
        if args.producers == 0 && (args.batches.is_some() || args.total_bytes.is_some()) {
            return Err("--batches/--total-bytes need at least one producer".into());
        }
        if args.producers == 0 && args.rate.is_some() {
            return Err("--rate needs at least one producer".into());
        }
        if args.producers == 0 && args.fsync_flush {
            return Err("--fsync-flush needs at least one producer".into());
        }
        if args.balanced && args.fsync_flush {
            return Err(
                "--fsync-flush flushes the producer's partition: not with --balanced".into(),
            );
        }
        if args.producers == 0 && args.balanced {
            return Err("--balanced needs at least one producer".into());
        }
        if args.consumers == 0 && args.consumer_group {
            return Err("--consumer-group needs at least one consumer".into());
        }
        if args.balanced && args.consumers > 0 && !args.consumer_group {
            return Err(
                "with --balanced no one knows which partition holds what: consumers need --consumer-group"
                    .into(),
            );
        }
        if args.stream_prefix.is_empty() {
            return Err("--stream-prefix cannot be empty".into());
        }
        args.message_expiry
            .parse::<iggy::prelude::IggyExpiry>()
            .map_err(|e| format!("--message-expiry {:?}: {e}", args.message_expiry))?;
        let batch_bytes = args.message_size as u64 * args.messages_per_batch as u64;
        let batches = match (args.batches, args.total_bytes) {
            (Some(_), Some(_)) => {
                return Err("give either --batches or --total-bytes, not both".into());
            }
            (Some(0), None) => return Err("--batches must be at least 1".into()),
            (Some(batches), None) => batches,
            (None, Some(total)) => total.div_ceil(batch_bytes * args.producers as u64),
            (None, None) if args.producers == 0 => 0,
            (None, None) => 1000,
        };
        Ok(Config {
            address: args.address,
            transport: args.transport,
            username: args.username,
            password: args.password,
            nodelay: args.nodelay,
            tls: args.tls,
            producers: args.producers,
            consumers: args.consumers,
            streams: args.streams,
            partitions: args.partitions,
            message_size: args.message_size,
            messages_per_batch: args.messages_per_batch,
            batches,
            rate: args.rate,
            server_pid: args.server_pid,
            json: args.json,
            keep_data: args.keep_data,
            fsync_flush: args.fsync_flush,
            balanced: args.balanced,
            consumer_group: args.consumer_group,
            stream_prefix: args.stream_prefix,
            message_expiry: args.message_expiry,
        })
    }

    pub fn batch_bytes(&self) -> u64 {
        self.message_size as u64 * self.messages_per_batch as u64
    }

    /// (stream index, partition index) producer `j` writes to.
    pub fn producer_target(&self, j: u32) -> (u32, u32) {
        (j % self.streams, (j / self.streams) % self.partitions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        let args = Args::from_args(&["bench"], args).map_err(|e| e.output)?;
        Config::from_args(args)
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("300MB/s"), Ok(Rate::BytesPerSec(300e6)));
        assert_eq!(parse_rate("1M msg/s"), Ok(Rate::MessagesPerSec(1e6)));
        assert_eq!(parse_rate("500k msg/s"), Ok(Rate::MessagesPerSec(500e3)));
        assert_eq!(parse_rate("2000 msgs/s"), Ok(Rate::MessagesPerSec(2000.0)));
        assert_eq!(parse_rate("1.5 GB/s"), Ok(Rate::BytesPerSec(1.5e9)));
        assert_eq!(parse_rate("1MiB/s"), Ok(Rate::BytesPerSec(1024.0 * 1024.0)));
        for bad in [
            "", "fast", "300MB", "300XB/s", "0MB/s", "-1MB/s", "5q msg/s",
        ] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10GB"), Ok(10_000_000_000));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("10 parsecs").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn transports() {
        assert_eq!(parse_transport("TCP"), Ok(Transport::Tcp));
        assert_eq!(parse_transport("quic"), Ok(Transport::Quic));
        assert_eq!(parse_transport("ws"), Ok(Transport::WebSocket));
        assert_eq!(parse_transport("http"), Ok(Transport::Http));
        assert!(parse_transport("carrier-pigeon").is_err());
    }

    #[test]
    fn defaults_and_amounts() {
        let c = parse(&[]).unwrap();
        assert_eq!((c.producers, c.consumers, c.batches), (1, 0, 1000));
        assert_eq!((c.streams, c.partitions), (1, 1));
        assert_eq!((c.message_size, c.messages_per_batch), (1000, 1000));
        assert_eq!(c.address, "127.0.0.1:8090");
        let c = parse(&["--producers", "2", "--total-bytes", "10GB"]).unwrap();
        assert_eq!(c.batches, 5000);
        let c = parse(&["--total-bytes", "1500001"]).unwrap();
        assert_eq!(c.batches, 2, "rounded up to whole batches");
        let c = parse(&["--producers", "0", "--consumers", "1"]).unwrap();
        assert_eq!(c.batches, 0);
        let c = parse(&["--rate", "1M msg/s", "--nodelay", "--keep-data"]).unwrap();
        assert_eq!(c.rate, Some(Rate::MessagesPerSec(1e6)));
        assert!(c.nodelay && c.keep_data);
        let c = parse(&[
            "--producers",
            "2",
            "--consumers",
            "2",
            "--balanced",
            "--consumer-group",
        ])
        .unwrap();
        assert!(c.balanced && c.consumer_group);
    }

    #[test]
    fn bad_arguments_are_errors() {
        for bad in [
            &["--producers", "0"][..],
            &["--streams", "0"],
            &["--partitions", "0"],
            &["--message-size", "0"],
            &["--message-size", "64000001"],
            &["--messages-per-batch", "0"],
            &["--batches", "0"],
            &["--batches", "1", "--total-bytes", "1GB"],
            &["--producers", "0", "--consumers", "1", "--rate", "1MB/s"],
            &["--producers", "x"],
            &["--rate", "lots"],
            &["--transport", "http", "--tls"],
            &[
                "--transport",
                "http",
                "--consumers",
                "1",
                "--consumer-group",
            ],
            &["--transport", "quic", "--tls"],
            &["--no-such-flag"],
            &["--producers", "0", "--consumers", "1", "--balanced"],
            &["--consumer-group"],
            &["--balanced", "--consumers", "1"],
            &["--balanced", "--fsync-flush"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn producer_targets_spread_over_streams_then_partitions() {
        let c = parse(&["--producers", "6", "--streams", "2", "--partitions", "3"]).unwrap();
        let targets: Vec<_> = (0..6).map(|j| c.producer_target(j)).collect();
        assert_eq!(targets, [(0, 0), (1, 0), (0, 1), (1, 1), (0, 2), (1, 2)]);
        let c = parse(&["--producers", "3", "--partitions", "2"]).unwrap();
        let targets: Vec<_> = (0..3).map(|j| c.producer_target(j)).collect();
        assert_eq!(targets, [(0, 0), (0, 1), (0, 0)], "j mod K with one stream");
    }
}
