//! OpenTelemetry (`[telemetry]`): the server's logs and a trace of every request, exported
//! over OTLP (gRPC or HTTP/protobuf) under `telemetry.service_name`.
//!
//! * `request`: one span per request, made at the edge a request enters by; the actors'
//!   work as child spans.
//! * `logs`: the logger's records as OpenTelemetry log records.
//! * `export`: bounded queues and the export loop on the `telemetry` thread.
//!
//! Off (the default), nothing here starts: no thread, no queue, no tracer; the request
//! path checks one `OnceLock` and goes on.

mod export;
mod logs;
pub mod request;

pub use request::{
    observed, partition_attributes, record_consumer_group, record_destination, record_messages,
    record_user, traced, Outcome, Request, RequestSpan,
};

use crate::config::{TelemetryConfig, TelemetryExportConfig, TelemetryTransport};
use crate::logging::Logging;
use export::{Logs, Pipeline, Queue, LOG_QUEUE, SPAN_QUEUE};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{Context, InstrumentationScope};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use std::sync::mpsc;
use std::sync::OnceLock;
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::watch;

/// The tracer of request spans, set once when telemetry starts.
static TRACER: OnceLock<SdkTracer> = OnceLock::new();

/// The request tracer; `None` when telemetry is off.
pub fn tracer() -> Option<&'static SdkTracer> {
    TRACER.get()
}

/// Running export: the providers and the `telemetry` thread. Call [`Telemetry::shutdown`]
/// once the server has stopped (it flushes, bounded in time).
pub struct Telemetry {
    traces: SdkTracerProvider,
    logs: SdkLoggerProvider,
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
    /// Set by the thread when its export loops have ended.
    done: mpsc::Receiver<()>,
}

impl Telemetry {
    /// Starts export per `[telemetry]` when it is enabled: the `telemetry` thread with both
    /// exporters, the tracer of request spans, and the logger's OTLP output.
    pub fn start(config: &TelemetryConfig, logging: &Logging) -> Result<Option<Self>, String> {
        if !config.enabled {
            return Ok(None);
        }
        let resource = Resource::builder()
            .with_service_name(config.service_name.clone())
            .build();
        let scope = InstrumentationScope::builder("iggy-server")
            .with_version(env!("CARGO_PKG_VERSION"))
            .build();
        let (spans, span_rx) = Queue::new(SPAN_QUEUE);
        let (records, log_rx) = Queue::new(LOG_QUEUE);
        let (stop, stop_rx) = watch::channel(false);
        let (done_tx, done) = mpsc::channel();
        let (built_tx, built_rx) = mpsc::channel();
        let exporters = ExporterSettings {
            traces: config.traces.clone(),
            logs: config.logs.clone(),
            resource: resource.clone(),
        };
        let loop_spans = spans.clone();
        let loop_records = records.clone();
        let loop_scope = scope.clone();
        let thread = std::thread::Builder::new()
            .name("telemetry".into())
            .spawn(move || {
                // Nothing this thread does (reports, the clients' own logs) is exported.
                let _suppressed = Context::enter_telemetry_suppressed_scope();
                lower_priority();
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = built_tx.send(Err(format!("cannot start its runtime: {e}")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let (span_exporter, log_exporter) = match exporters.build() {
                        Ok(built) => built,
                        Err(e) => {
                            let _ = built_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = built_tx.send(Ok(()));
                    let traces = Pipeline {
                        sink: span_exporter,
                        queue: loop_spans,
                        rx: span_rx,
                        endpoint: exporters.traces.endpoint.clone(),
                    };
                    let logs = Pipeline {
                        sink: Logs {
                            exporter: log_exporter,
                            scope: loop_scope,
                        },
                        queue: loop_records,
                        rx: log_rx,
                        endpoint: exporters.logs.endpoint.clone(),
                    };
                    tokio::join!(traces.run(stop_rx.clone()), logs.run(stop_rx));
                });
                let _ = done_tx.send(());
            })
            .map_err(|e| format!("telemetry: cannot start its thread: {e}"))?;
        built_rx
            .recv()
            .map_err(|_| "telemetry: the export thread ended at start".to_string())?
            .map_err(|e| format!("telemetry: {e}"))?;

        let traces = SdkTracerProvider::builder()
            .with_span_processor(export::SpanQueue(spans))
            .with_resource(resource.clone())
            .build();
        let logs = SdkLoggerProvider::builder()
            .with_log_processor(export::LogQueue(records))
            .with_resource(resource)
            .build();
        let _ = TRACER.set(traces.tracer_with_scope(scope.clone()));
        logging.also_write_to(Box::new(logs::OtlpLogWriter {
            logger: opentelemetry::logs::LoggerProvider::logger_with_scope(&logs, scope),
        }));
        log::info!(
            "telemetry: exporting traces over {} to {} and logs over {} to {} as service '{}'",
            config.traces.transport,
            config.traces.endpoint,
            config.logs.transport,
            config.logs.endpoint,
            config.service_name
        );
        Ok(Some(Telemetry {
            traces,
            logs,
            stop,
            thread: Some(thread),
            done,
        }))
    }

    /// Stops taking spans and records, lets the export thread flush what is queued (at most
    /// `export::FLUSH_BUDGET`), and waits for it no longer than that.
    pub fn shutdown(mut self) {
        let _ = self.traces.shutdown();
        let _ = self.logs.shutdown();
        let _ = self.stop.send(true);
        let waited = export::FLUSH_BUDGET + Duration::from_millis(500);
        match self.done.recv_timeout(waited) {
            Ok(()) => {
                if let Some(thread) = self.thread.take() {
                    let _ = thread.join();
                }
            }
            Err(_) => log::warn!(
                "telemetry: the export thread did not finish within {waited:?}; leaving it"
            ),
        }
    }
}

/// Export yields to the threads that serve requests: the `telemetry` thread runs under
/// `SCHED_IDLE`, so it takes a core only when nothing else wants it (between requests, in
/// practice every few milliseconds); it never takes a time slice from a shard. Under a long
/// overload the queues fill, and drop and count, as when the collector is slow.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: a plain syscall on the calling thread (pid 0) with a valid parameter;
        // failure only leaves the thread's policy as it was.
        if unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) } != 0 {
            log::debug!("telemetry: cannot lower the export thread's priority");
        }
    }
}

/// What the export thread builds the exporters from.
struct ExporterSettings {
    traces: TelemetryExportConfig,
    logs: TelemetryExportConfig,
    resource: Resource,
}

impl ExporterSettings {
    /// Both exporters; must run inside the export thread's runtime (the gRPC channel
    /// starts its connection task there).
    fn build(
        &self,
    ) -> Result<
        (
            opentelemetry_otlp::SpanExporter,
            opentelemetry_otlp::LogExporter,
        ),
        String,
    > {
        use opentelemetry_otlp::{LogExporter, SpanExporter};
        let traces = &self.traces;
        let mut spans = match traces.transport {
            TelemetryTransport::Grpc => SpanExporter::builder()
                .with_tonic()
                .with_endpoint(traces.endpoint.clone())
                .with_timeout(export::EXPORT_TIMEOUT)
                .build(),
            TelemetryTransport::Http => SpanExporter::builder()
                .with_http()
                .with_endpoint(traces.endpoint.clone())
                .with_timeout(export::EXPORT_TIMEOUT)
                .build(),
        }
        .map_err(|e| format!("telemetry.traces.endpoint {}: {e}", traces.endpoint))?;
        let logs = &self.logs;
        let mut records = match logs.transport {
            TelemetryTransport::Grpc => LogExporter::builder()
                .with_tonic()
                .with_endpoint(logs.endpoint.clone())
                .with_timeout(export::EXPORT_TIMEOUT)
                .build(),
            TelemetryTransport::Http => LogExporter::builder()
                .with_http()
                .with_endpoint(logs.endpoint.clone())
                .with_timeout(export::EXPORT_TIMEOUT)
                .build(),
        }
        .map_err(|e| format!("telemetry.logs.endpoint {}: {e}", logs.endpoint))?;
        opentelemetry_sdk::trace::SpanExporter::set_resource(&mut spans, &self.resource);
        opentelemetry_sdk::logs::LogExporter::set_resource(&mut records, &self.resource);
        Ok((spans, records))
    }
}
