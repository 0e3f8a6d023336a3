//! Counting what the actors did, summing it up per role and printing it.

use hdrhistogram::Histogram;
use serde::Serialize;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// What one producer or consumer did: requests' latencies (ns), the payload moved and,
/// for a consumer, each message's end-to-end latency (ns, producer send to receipt).
pub struct Recorder {
    pub latencies: Histogram<u64>,
    pub end_to_end: Histogram<u64>,
    pub messages: u64,
    pub bytes: u64,
    pub start: Instant,
    pub end: Instant,
}

impl Recorder {
    pub fn new(start: Instant) -> Recorder {
        Recorder {
            // Auto-resizing, 3 significant digits.
            latencies: Histogram::new(3).expect("3 significant digits are valid"),
            end_to_end: Histogram::new(3).expect("3 significant digits are valid"),
            messages: 0,
            bytes: 0,
            start,
            end: start,
        }
    }

    pub fn record(&mut self, latency: Duration, messages: u64, bytes: u64) {
        let ns = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX).max(1);
        // An auto-resizing histogram takes any value.
        let _ = self.latencies.record(ns);
        self.messages += messages;
        self.bytes += bytes;
    }

    pub fn record_end_to_end(&mut self, ns: u64) {
        let _ = self.end_to_end.record(ns.max(1));
    }
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Latency {
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RoleReport {
    pub role: String,
    pub actors: usize,
    pub requests: u64,
    pub messages: u64,
    pub bytes: u64,
    pub elapsed_s: f64,
    pub mb_per_s: f64,
    pub messages_per_s: f64,
    pub latency: Latency,
    /// Producer send to consumer receipt, per message (consumers of a run with producers).
    pub end_to_end: Option<Latency>,
}

fn latency_of(h: &Histogram<u64>) -> Latency {
    if h.is_empty() {
        return Latency::default();
    }
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1e6;
    Latency {
        p50_ms: ms(0.5),
        p90_ms: ms(0.9),
        p99_ms: ms(0.99),
        p999_ms: ms(0.999),
        max_ms: h.max() as f64 / 1e6,
    }
}

/// Sums up recorders: elapsed runs from the first start to the last end.
pub fn summarize(role: &str, recorders: &[&Recorder]) -> RoleReport {
    let mut latencies: Histogram<u64> = Histogram::new(3).expect("valid");
    let mut end_to_end: Histogram<u64> = Histogram::new(3).expect("valid");
    let (mut messages, mut bytes) = (0, 0);
    let mut first: Option<Instant> = None;
    let mut last: Option<Instant> = None;
    for r in recorders {
        // Both are auto-resizing histograms of the same precision.
        let _ = latencies.add(&r.latencies);
        let _ = end_to_end.add(&r.end_to_end);
        messages += r.messages;
        bytes += r.bytes;
        first = Some(first.map_or(r.start, |f| f.min(r.start)));
        last = Some(last.map_or(r.end, |l| l.max(r.end)));
    }
    let elapsed_s = match (first, last) {
        (Some(f), Some(l)) => (l - f).as_secs_f64(),
        _ => 0.0,
    };
    let per_s = |x: u64| {
        if elapsed_s > 0.0 {
            x as f64 / elapsed_s
        } else {
            0.0
        }
    };
    RoleReport {
        role: role.to_string(),
        actors: recorders.len(),
        requests: latencies.len(),
        messages,
        bytes,
        elapsed_s,
        mb_per_s: per_s(bytes) / 1e6,
        messages_per_s: per_s(messages),
        latency: latency_of(&latencies),
        end_to_end: (!end_to_end.is_empty()).then(|| latency_of(&end_to_end)),
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ServerReport {
    pub pid: u32,
    pub cpu_s: f64,
    /// CPU seconds per 10^9 payload bytes written (null without producers).
    pub cpu_s_per_gb_written: Option<f64>,
    pub cpu_s_per_gb_read: Option<f64>,
    pub rss_start_bytes: u64,
    pub rss_end_bytes: u64,
}

impl ServerReport {
    pub fn new(pid: u32, cpu_s: f64, written: u64, read: u64, rss: (u64, u64)) -> ServerReport {
        let per_gb = |bytes: u64| (bytes > 0).then(|| cpu_s / (bytes as f64 / 1e9));
        ServerReport {
            pid,
            cpu_s,
            cpu_s_per_gb_written: per_gb(written),
            cpu_s_per_gb_read: per_gb(read),
            rss_start_bytes: rss.0,
            rss_end_bytes: rss.1,
        }
    }
}

pub fn table(roles: &[RoleReport], server: Option<&ServerReport>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10} {:>6} {:>11} {:>14} {:>9} {:>9} {:>11} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "role",
        "actors",
        "messages",
        "bytes",
        "elapsed s",
        "MB/s",
        "msg/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms"
    );
    for r in roles {
        let l = &r.latency;
        let _ = writeln!(
            out,
            "{:<10} {:>6} {:>11} {:>14} {:>9.3} {:>9.2} {:>11.0} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>8.3}",
            r.role,
            r.actors,
            r.messages,
            r.bytes,
            r.elapsed_s,
            r.mb_per_s,
            r.messages_per_s,
            l.p50_ms,
            l.p90_ms,
            l.p99_ms,
            l.p999_ms,
            l.max_ms
        );
        if let (Some(l), "consumers") = (&r.end_to_end, r.role.as_str()) {
            let _ = writeln!(
                out,
                "{:<10} {:>6} {:>11} {:>14} {:>9} {:>9} {:>11} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>8.3}",
                "  e2e", "", "", "", "", "", "", l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms, l.max_ms
            );
        }
    }
    if let Some(s) = server {
        let per_gb = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.3}"));
        let _ = writeln!(
            out,
            "server pid {}: {:.3} CPU-s, {} CPU-s/GB written, {} CPU-s/GB read, RSS {:.1} MB -> {:.1} MB",
            s.pid,
            s.cpu_s,
            per_gb(s.cpu_s_per_gb_written),
            per_gb(s.cpu_s_per_gb_read),
            s.rss_start_bytes as f64 / 1e6,
            s.rss_end_bytes as f64 / 1e6
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_two_producers() {
        let start = Instant::now();
        let mut a = Recorder::new(start);
        let mut b = Recorder::new(start + Duration::from_millis(500));
        for i in 1..=1000u64 {
            a.record(Duration::from_micros(i), 1000, 1_000_000);
        }
        b.record(Duration::from_millis(50), 1000, 1_000_000);
        a.end = start + Duration::from_secs(1);
        b.end = start + Duration::from_secs(2);
        let r = summarize("producers", &[&a, &b]);
        assert_eq!((r.actors, r.requests), (2, 1001));
        assert_eq!((r.messages, r.bytes), (1_001_000, 1_001_000_000));
        assert!((r.elapsed_s - 2.0).abs() < 1e-9);
        assert!((r.mb_per_s - 500.5).abs() < 1e-6);
        assert!((r.messages_per_s - 500_500.0).abs() < 1e-6);
        let l = r.latency;
        assert!((l.p50_ms - 0.5).abs() < 0.002, "{l:?}");
        assert!((l.p90_ms - 0.9).abs() < 0.002, "{l:?}");
        assert!((l.p99_ms - 0.99).abs() < 0.002, "{l:?}");
        assert!((l.max_ms - 50.0).abs() < 0.05, "{l:?}");
        assert!(l.p50_ms <= l.p90_ms && l.p90_ms <= l.p99_ms && l.p99_ms <= l.p999_ms);
        assert!(
            r.end_to_end.is_none(),
            "producers record no end-to-end latency"
        );
    }

    #[test]
    fn consumers_report_end_to_end_latency() {
        let start = Instant::now();
        let mut c = Recorder::new(start);
        c.record(Duration::from_micros(100), 2, 2000);
        c.record_end_to_end(3_000_000);
        c.record_end_to_end(5_000_000);
        c.end = start + Duration::from_secs(1);
        let r = summarize("consumers", &[&c]);
        let e2e = r.end_to_end.expect("end-to-end latency");
        assert!((e2e.max_ms - 5.0).abs() < 0.01, "{e2e:?}");
        assert!((e2e.p50_ms - 3.0).abs() < 0.01, "{e2e:?}");
        let t = table(&[r], None);
        assert!(t.contains("  e2e"), "{t}");
    }

    #[test]
    fn empty_role_and_server_line() {
        let r = summarize("consumers", &[]);
        assert_eq!((r.messages, r.elapsed_s, r.mb_per_s), (0, 0.0, 0.0));
        let s = ServerReport::new(7, 2.0, 4_000_000_000, 0, (10_000_000, 30_000_000));
        assert_eq!(s.cpu_s_per_gb_written, Some(0.5));
        assert_eq!(s.cpu_s_per_gb_read, None);
        let t = table(&[r], Some(&s));
        assert!(t.contains("consumers"), "{t}");
        assert!(t.contains("0.500 CPU-s/GB written, - CPU-s/GB read"), "{t}");
        assert!(t.contains("RSS 10.0 MB -> 30.0 MB"), "{t}");
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["cpu_s_per_gb_read"], serde_json::Value::Null);
    }
}
