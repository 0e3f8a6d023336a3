//! Fixed-rate sending: the schedule of a producer's batches and a precise wait.

use crate::args::Rate;
use std::time::{Duration, Instant};

/// Time between two batches of one producer when `producers` share the offered load `rate`.
pub fn batch_interval(rate: Rate, producers: u32, message_size: u32, per_batch: u32) -> Duration {
    let per_producer = match rate {
        Rate::BytesPerSec(bytes) => bytes / (message_size as f64 * per_batch as f64),
        Rate::MessagesPerSec(messages) => messages / per_batch as f64,
    } / producers as f64; // batches per second for one producer
    Duration::from_secs_f64(1.0 / per_producer)
}

/// Batch `k` is due at `start + k * interval`, whatever happened to the earlier ones: a
/// producer that falls behind sends the late batches back to back, and their latency,
/// measured from the due time, includes the time they spent waiting.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    start: Instant,
    interval_ns: f64,
}

impl Schedule {
    pub fn new(start: Instant, interval: Duration) -> Schedule {
        Schedule {
            start,
            interval_ns: interval.as_nanos() as f64,
        }
    }

    pub fn due(&self, k: u64) -> Instant {
        self.start + Duration::from_nanos((k as f64 * self.interval_ns).round() as u64)
    }
}

/// Waits until `deadline`: the tokio timer (1 ms ticks) for the bulk of the wait, then
/// yielding to other tasks until the deadline, so a batch leaves within microseconds of
/// its due time instead of up to a tick late.
pub async fn wait_until(deadline: Instant) {
    const SPIN: Duration = Duration::from_millis(2);
    loop {
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        let left = deadline - now;
        if left > SPIN {
            tokio::time::sleep(left - SPIN).await;
        } else {
            tokio::task::yield_now().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        // 300 MB/s of 1000 x 1000 B batches: 300 batches/s.
        let i = batch_interval(Rate::BytesPerSec(300e6), 1, 1000, 1000);
        assert!((i.as_secs_f64() - 1.0 / 300.0).abs() < 1e-9, "{i:?}");
        // 1M msg/s in batches of 1000: one batch per ms; two producers: 2 ms each.
        let i = batch_interval(Rate::MessagesPerSec(1e6), 1, 100, 1000);
        assert_eq!(i, Duration::from_millis(1));
        let i = batch_interval(Rate::MessagesPerSec(1e6), 2, 100, 1000);
        assert_eq!(i, Duration::from_millis(2));
    }

    #[test]
    fn schedule_does_not_drift() {
        let start = Instant::now();
        let s = Schedule::new(start, Duration::from_secs_f64(1.0 / 300.0));
        assert_eq!(s.due(0), start);
        let after = s.due(300) - start;
        assert!(after.abs_diff(Duration::from_secs(1)) < Duration::from_micros(1));
        assert!(s.due(1_000_000) - start > Duration::from_secs(3333));
    }

    /// Never early, and on schedule as a whole: how late a wait ends depends on the
    /// machine's load, which a test cannot assert (the bench reports it as latency).
    #[tokio::test]
    async fn wait_until_never_returns_early() {
        let start = Instant::now();
        let s = Schedule::new(start, Duration::from_micros(500));
        for k in 1..=200 {
            wait_until(s.due(k)).await;
            assert!(Instant::now() >= s.due(k), "batch {k} left early");
        }
        assert!(start.elapsed() >= Duration::from_millis(100));
        // A deadline in the past returns at once.
        wait_until(start).await;
    }
}
