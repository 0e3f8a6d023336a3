//! Batch export on one background thread. Spans and log records are pushed into bounded
//! queues by the threads that end or emit them (shards, the engine arbiter, the main
//! thread); the `telemetry` thread drains them in batches and hands each batch to the OTLP
//! exporter, one export at a time per signal, on its own Tokio runtime (the gRPC and HTTP
//! clients live there).
//!
//! A push never blocks and never allocates beyond the item: when the queue is full the item
//! is dropped and counted. Nobody waits on a queue: the thread wakes every
//! [`EXPORT_INTERVAL`], or once when a queue reaches a batch, so a producer's push is a
//! few atomic operations. Export failures and drops are reported as one warning per
//! [`REPORT_INTERVAL`] and signal; a collector that is down or slow costs the server only
//! this thread's time and the queues' bounded memory.

use opentelemetry::{Context, InstrumentationScope};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::logs::{LogBatch, LogExporter, LogProcessor, SdkLogRecord};
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};

/// Items exported together at most.
pub const MAX_BATCH: usize = 512;
/// Spans held while the collector is slow or down (about 1 KiB each).
pub const SPAN_QUEUE: usize = 8192;
/// Log records held while the collector is slow or down.
pub const LOG_QUEUE: usize = 4096;
/// A partial batch waits at most this long.
pub const EXPORT_INTERVAL: Duration = Duration::from_secs(1);
/// One export (with the exporter's retries) is given up after this long.
pub const EXPORT_TIMEOUT: Duration = Duration::from_secs(5);
/// At most one warning per signal in this interval.
pub const REPORT_INTERVAL: Duration = Duration::from_secs(5);
/// The final flush at shutdown takes at most this long.
pub const FLUSH_BUDGET: Duration = Duration::from_secs(2);

/// A bounded queue of one signal, shared by the processor (producers) and the export loop.
pub struct Queue<T> {
    tx: SyncSender<T>,
    /// Items pushed and not drained yet.
    pending: AtomicUsize,
    /// Wakes the export loop when a batch is ready.
    ready: Notify,
    /// Items refused because the queue was full (or the loop had stopped).
    dropped: AtomicU64,
    /// Set at shutdown: pushes are refused (and not counted) from then on.
    closed: AtomicBool,
}

impl<T> Queue<T> {
    pub fn new(capacity: usize) -> (Arc<Self>, Receiver<T>) {
        let (tx, rx) = mpsc::sync_channel(capacity);
        let queue = Queue {
            tx,
            pending: AtomicUsize::new(0),
            ready: Notify::new(),
            dropped: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        };
        (Arc::new(queue), rx)
    }

    /// Queues `item`, or drops and counts it when the queue is full. Never blocks.
    pub fn push(&self, item: T) {
        if self.closed.load(Ordering::Relaxed) {
            return;
        }
        match self.tx.try_send(item) {
            Ok(()) => {
                if self.pending.fetch_add(1, Ordering::Relaxed) + 1 == MAX_BATCH {
                    self.ready.notify_one();
                }
            }
            Err(_) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
    }

    /// Up to `MAX_BATCH` queued items.
    fn drain(&self, rx: &Receiver<T>) -> Vec<T> {
        let mut batch = Vec::new();
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        self.pending.fetch_sub(batch.len(), Ordering::Relaxed);
        batch
    }
}

/// The SDK's hook for ended spans: they go to the span queue.
pub struct SpanQueue(pub Arc<Queue<SpanData>>);

impl fmt::Debug for SpanQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SpanQueue")
    }
}

impl SpanProcessor for SpanQueue {
    fn on_start(&self, _: &mut Span, _: &Context) {}

    fn on_end(&self, span: SpanData) {
        self.0.push(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
        self.0.close();
        Ok(())
    }
}

/// The SDK's hook for emitted log records: they go to the log queue. There is one logger,
/// so the scope is the export loop's, not queued with every record.
pub struct LogQueue(pub Arc<Queue<SdkLogRecord>>);

impl fmt::Debug for LogQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LogQueue")
    }
}

impl LogProcessor for LogQueue {
    fn emit(&self, record: &mut SdkLogRecord, _: &InstrumentationScope) {
        self.0.push(record.clone());
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
        self.0.close();
        Ok(())
    }
}

/// An exporter of one signal, as the export loop drives it.
pub trait Sink: Send + 'static {
    type Item: Send + 'static;
    /// "spans" or "log records", for the reports.
    const WHAT: &'static str;
    fn export(&self, batch: Vec<Self::Item>) -> impl Future<Output = OTelSdkResult> + '_;
}

impl Sink for opentelemetry_otlp::SpanExporter {
    type Item = SpanData;
    const WHAT: &'static str = "spans";

    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + '_ {
        SpanExporter::export(self, batch)
    }
}

/// The log exporter with the scope of the server's one logger.
pub struct Logs {
    pub exporter: opentelemetry_otlp::LogExporter,
    pub scope: InstrumentationScope,
}

impl Sink for Logs {
    type Item = SdkLogRecord;
    const WHAT: &'static str = "log records";

    async fn export(&self, batch: Vec<SdkLogRecord>) -> OTelSdkResult {
        let pairs: Vec<(&SdkLogRecord, &InstrumentationScope)> =
            batch.iter().map(|record| (record, &self.scope)).collect();
        self.exporter.export(LogBatch::new(&pairs)).await
    }
}

/// One signal's export loop: its exporter, its queue and where it sends.
pub struct Pipeline<S: Sink> {
    pub sink: S,
    pub queue: Arc<Queue<S::Item>>,
    pub rx: Receiver<S::Item>,
    /// `telemetry.traces.endpoint` or `telemetry.logs.endpoint`, for the reports.
    pub endpoint: String,
}

impl<S: Sink> Pipeline<S> {
    /// Exports until `stop` is set, then flushes what is queued within [`FLUSH_BUDGET`].
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut report = Report::new(S::WHAT, &self.endpoint);
        let mut tick = tokio::time::interval(EXPORT_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        'serve: loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = self.queue.ready.notified() => {}
                _ = stop.changed() => break 'serve,
            }
            loop {
                let batch = self.queue.drain(&self.rx);
                let (count, full) = (batch.len(), batch.len() == MAX_BATCH);
                if count == 0 {
                    break;
                }
                let outcome = tokio::select! {
                    outcome = tokio::time::timeout(EXPORT_TIMEOUT, self.sink.export(batch)) => outcome,
                    _ = stop.changed() => break 'serve,
                };
                report.exported(count, flatten(outcome));
                if !full {
                    break;
                }
            }
            report.warn_if_due(self.queue.dropped());
        }
        self.queue.close();
        self.flush(&mut report).await;
    }

    /// The final flush: everything queued, in batches, until the budget is spent.
    async fn flush(&self, report: &mut Report) {
        let deadline = tokio::time::Instant::now() + FLUSH_BUDGET;
        loop {
            let batch = self.queue.drain(&self.rx);
            let count = batch.len();
            if count == 0 {
                break;
            }
            match tokio::time::timeout_at(deadline, self.sink.export(batch)).await {
                Ok(result) => report.exported(count, result),
                Err(_) => {
                    let left = count + self.queue.pending.load(Ordering::Relaxed);
                    log::warn!(
                        "telemetry: the final export of {} to {} did not finish within {FLUSH_BUDGET:?}: {left} not sent",
                        S::WHAT,
                        self.endpoint
                    );
                    return;
                }
            }
        }
        report.warn_at_end(self.queue.dropped());
    }
}

fn flatten(outcome: Result<OTelSdkResult, tokio::time::error::Elapsed>) -> OTelSdkResult {
    outcome.unwrap_or(Err(OTelSdkError::Timeout(EXPORT_TIMEOUT)))
}

/// What one signal's loop tells the operator: failures and drops, at most once per
/// [`REPORT_INTERVAL`], and that export works again after failures.
struct Report {
    what: &'static str,
    endpoint: String,
    /// Failed exports (batches) and their items since the last warning.
    failed_batches: u64,
    failed_items: u64,
    last_error: Option<String>,
    /// The drop count at the last warning.
    dropped_reported: u64,
    last_warning: Option<Instant>,
    /// A failure was reported and no export has succeeded since.
    failing: bool,
}

impl Report {
    fn new(what: &'static str, endpoint: &str) -> Self {
        Report {
            what,
            endpoint: endpoint.to_string(),
            failed_batches: 0,
            failed_items: 0,
            last_error: None,
            dropped_reported: 0,
            last_warning: None,
            failing: false,
        }
    }

    fn exported(&mut self, count: usize, result: OTelSdkResult) {
        match result {
            Ok(()) => {
                if self.failing && self.failed_batches == 0 {
                    log::info!(
                        "telemetry: {} export to {} works again",
                        self.what,
                        self.endpoint
                    );
                    self.failing = false;
                }
            }
            Err(e) => {
                self.failed_batches += 1;
                self.failed_items += count as u64;
                self.last_error = Some(e.to_string());
            }
        }
    }

    fn warn_if_due(&mut self, dropped: u64) {
        let due = self
            .last_warning
            .is_none_or(|at| at.elapsed() >= REPORT_INTERVAL);
        if due {
            self.warn(dropped);
        }
    }

    fn warn_at_end(&mut self, dropped: u64) {
        self.warn(dropped);
    }

    fn warn(&mut self, dropped: u64) {
        let new_drops = dropped - self.dropped_reported;
        if self.failed_batches == 0 && new_drops == 0 {
            return;
        }
        let mut text = format!("telemetry: {} to {}:", self.what, self.endpoint);
        if self.failed_batches > 0 {
            text.push_str(&format!(
                " {} export(s) of {} {} failed ({})",
                self.failed_batches,
                self.failed_items,
                self.what,
                self.last_error.as_deref().unwrap_or("unknown error"),
            ));
            self.failing = true;
        }
        if new_drops > 0 {
            if self.failed_batches > 0 {
                text.push(';');
            }
            text.push_str(&format!(" {new_drops} dropped because the queue was full"));
        }
        log::warn!("{text}");
        self.failed_batches = 0;
        self.failed_items = 0;
        self.dropped_reported = dropped;
        self.last_warning = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_drops_and_counts_without_blocking() {
        let (queue, rx) = Queue::new(3);
        for i in 0..5 {
            queue.push(i);
        }
        assert_eq!(queue.dropped(), 2);
        assert_eq!(queue.drain(&rx), vec![0, 1, 2]);
        assert_eq!(queue.pending.load(Ordering::Relaxed), 0);
        queue.push(7);
        assert_eq!(queue.drain(&rx), vec![7]);
        queue.close();
        queue.push(8);
        assert!(queue.drain(&rx).is_empty(), "closed: refused");
    }

    #[test]
    fn a_drain_takes_one_batch_at_most() {
        let (queue, rx) = Queue::new(MAX_BATCH * 2);
        for i in 0..MAX_BATCH + 5 {
            queue.push(i);
        }
        assert_eq!(queue.drain(&rx).len(), MAX_BATCH);
        assert_eq!(queue.drain(&rx).len(), 5);
    }

    #[test]
    fn failures_and_drops_are_reported_once_per_interval() {
        let mut report = Report::new("spans", "http://collector:4317");
        report.exported(10, Err(OTelSdkError::InternalFailure("refused".into())));
        report.warn_if_due(4);
        assert!(report.failing);
        assert_eq!((report.failed_batches, report.dropped_reported), (0, 4));
        // Within the interval, a new failure waits for the next warning.
        report.exported(10, Err(OTelSdkError::InternalFailure("refused".into())));
        report.warn_if_due(9);
        assert_eq!((report.failed_batches, report.dropped_reported), (1, 4));
        // The warning at the end reports what is left.
        report.warn_at_end(9);
        assert_eq!((report.failed_batches, report.dropped_reported), (0, 9));
        // A success after failures ends the failing state.
        report.exported(1, Ok(()));
        assert!(!report.failing);
    }
}
