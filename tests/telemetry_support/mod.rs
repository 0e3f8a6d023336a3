#![allow(dead_code)]
//! A real OTLP receiver for the telemetry tests: gRPC (tonic serving the collector's trace
//! and logs services of `opentelemetry-proto`) or HTTP/protobuf (hyper, `POST /v1/traces`
//! and `POST /v1/logs`). It decodes every export and keeps it. Each receiver runs on its own
//! thread and runtime, so `kill` closes its listener and every connection at once, like a
//! collector process that dies; `stall` makes it accept exports and never answer.

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Grpc,
    Http,
}

impl Protocol {
    /// The `telemetry.*.transport` value.
    pub fn config_name(self) -> &'static str {
        match self {
            Protocol::Grpc => "grpc",
            Protocol::Http => "http",
        }
    }
}

/// A span as received, with its resource's attributes.
#[derive(Debug, Clone)]
pub struct ReceivedSpan {
    pub resource: Vec<KeyValue>,
    pub span: Span,
}

/// A log record as received, with its resource's attributes and scope name.
#[derive(Debug, Clone)]
pub struct ReceivedLog {
    pub resource: Vec<KeyValue>,
    pub scope: String,
    pub record: LogRecord,
}

#[derive(Default)]
struct Store {
    spans: Mutex<Vec<ReceivedSpan>>,
    logs: Mutex<Vec<ReceivedLog>>,
    /// Export requests that reached the receiver (answered or not).
    requests: AtomicUsize,
    /// While set, exports are taken and never answered.
    stalled: AtomicBool,
    /// HTTP paths the exports were posted to.
    paths: Mutex<Vec<String>>,
    /// Count only, keep nothing (a long-running sink for benchmarks).
    count_only: bool,
    /// Spans and log records received.
    span_count: AtomicUsize,
    log_count: AtomicUsize,
}

impl Store {
    async fn take_traces(&self, request: ExportTraceServiceRequest) {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.stall_if_asked().await;
        let count: usize = request
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .map(|s| s.spans.len())
            .sum();
        self.span_count.fetch_add(count, Ordering::SeqCst);
        if self.count_only {
            return;
        }
        let mut spans = self.spans.lock().unwrap();
        for resource_spans in request.resource_spans {
            let resource = resource_spans
                .resource
                .map(|r| r.attributes)
                .unwrap_or_default();
            for scope in resource_spans.scope_spans {
                for span in scope.spans {
                    spans.push(ReceivedSpan {
                        resource: resource.clone(),
                        span,
                    });
                }
            }
        }
    }

    async fn take_logs(&self, request: ExportLogsServiceRequest) {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.stall_if_asked().await;
        let count: usize = request
            .resource_logs
            .iter()
            .flat_map(|r| &r.scope_logs)
            .map(|s| s.log_records.len())
            .sum();
        self.log_count.fetch_add(count, Ordering::SeqCst);
        if self.count_only {
            return;
        }
        let mut logs = self.logs.lock().unwrap();
        for resource_logs in request.resource_logs {
            let resource = resource_logs
                .resource
                .map(|r| r.attributes)
                .unwrap_or_default();
            for scope in resource_logs.scope_logs {
                let name = scope.scope.map(|s| s.name).unwrap_or_default();
                for record in scope.log_records {
                    logs.push(ReceivedLog {
                        resource: resource.clone(),
                        scope: name.clone(),
                        record,
                    });
                }
            }
        }
    }

    async fn stall_if_asked(&self) {
        if self.stalled.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    }
}

struct Grpc(Arc<Store>);

#[tonic::async_trait]
impl TraceService for Grpc {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        self.0.take_traces(request.into_inner()).await;
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl LogsService for Grpc {
    async fn export(
        &self,
        request: tonic::Request<ExportLogsServiceRequest>,
    ) -> Result<tonic::Response<ExportLogsServiceResponse>, tonic::Status> {
        self.0.take_logs(request.into_inner()).await;
        Ok(tonic::Response::new(ExportLogsServiceResponse::default()))
    }
}

async fn serve_http(store: Arc<Store>, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_string();
    store.paths.lock().unwrap().push(path.clone());
    let body = match request.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return status(StatusCode::BAD_REQUEST),
    };
    let answer = match path.as_str() {
        "/v1/traces" => match ExportTraceServiceRequest::decode(body) {
            Ok(decoded) => {
                store.take_traces(decoded).await;
                ExportTraceServiceResponse::default().encode_to_vec()
            }
            Err(_) => return status(StatusCode::BAD_REQUEST),
        },
        "/v1/logs" => match ExportLogsServiceRequest::decode(body) {
            Ok(decoded) => {
                store.take_logs(decoded).await;
                ExportLogsServiceResponse::default().encode_to_vec()
            }
            Err(_) => return status(StatusCode::BAD_REQUEST),
        },
        _ => return status(StatusCode::NOT_FOUND),
    };
    Response::builder()
        .header("content-type", "application/x-protobuf")
        .body(Full::new(Bytes::from(answer)))
        .unwrap()
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    Response::builder()
        .status(code)
        .body(Full::new(Bytes::new()))
        .unwrap()
}

pub struct Receiver {
    pub protocol: Protocol,
    pub addr: SocketAddr,
    store: Arc<Store>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    /// A receiver on a free port of 127.0.0.1.
    pub fn start(protocol: Protocol) -> Receiver {
        Self::start_on(protocol, 0)
    }

    /// A receiver on `port` of 127.0.0.1 (0: a free one).
    pub fn start_on(protocol: Protocol, port: u16) -> Receiver {
        Self::launch(protocol, port, false)
    }

    /// A receiver that decodes and counts, and keeps nothing.
    pub fn counting(protocol: Protocol, port: u16) -> Receiver {
        Self::launch(protocol, port, true)
    }

    fn launch(protocol: Protocol, port: u16, count_only: bool) -> Receiver {
        let store = Arc::new(Store {
            count_only,
            ..Store::default()
        });
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let served = store.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("receiver runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                    .await
                    .expect("bind the receiver");
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                match protocol {
                    Protocol::Grpc => {
                        let incoming = tonic::transport::server::TcpIncoming::from(listener);
                        let server = tonic::transport::Server::builder()
                            .add_service(TraceServiceServer::new(Grpc(served.clone())))
                            .add_service(LogsServiceServer::new(Grpc(served)))
                            .serve_with_incoming(incoming);
                        // Not a graceful shutdown: a stalled export must not hold it up.
                        tokio::select! {
                            _ = server => {}
                            _ = stop_rx => {}
                        }
                    }
                    Protocol::Http => {
                        tokio::select! {
                            _ = accept_http(listener, served) => {}
                            _ = stop_rx => {}
                        }
                    }
                }
            });
            // Dropping the runtime ends every connection task: the collector is gone.
            drop(runtime);
        });
        let addr = addr_rx.recv().expect("receiver address");
        Receiver {
            protocol,
            addr,
            store,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The endpoint of `signal` ("traces" or "logs") for the server's configuration.
    pub fn endpoint(&self, signal: &str) -> String {
        format!("http://{}/v1/{signal}", self.addr)
    }

    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.store.spans.lock().unwrap().clone()
    }

    pub fn logs(&self) -> Vec<ReceivedLog> {
        self.store.logs.lock().unwrap().clone()
    }

    /// Spans and log records received so far.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.store.span_count.load(Ordering::SeqCst),
            self.store.log_count.load(Ordering::SeqCst),
        )
    }

    /// Export requests received so far (answered or not).
    pub fn requests(&self) -> usize {
        self.store.requests.load(Ordering::SeqCst)
    }

    /// The HTTP paths exports were posted to.
    pub fn paths(&self) -> Vec<String> {
        self.store.paths.lock().unwrap().clone()
    }

    /// From now on, exports are taken and never answered.
    pub fn stall(&self) {
        self.store.stalled.store(true, Ordering::SeqCst);
    }

    /// Waits (at most 20 s) until `found` finds what it looks for in the spans received.
    pub fn wait_spans<T>(&self, mut found: impl FnMut(&[ReceivedSpan]) -> Option<T>) -> T {
        wait(|| found(&self.spans()), "spans")
    }

    /// Waits (at most 20 s) until `found` finds what it looks for in the log records.
    pub fn wait_logs<T>(&self, mut found: impl FnMut(&[ReceivedLog]) -> Option<T>) -> T {
        wait(|| found(&self.logs()), "log records")
    }

    /// Stops the receiver like a killed process: the listener and every connection close.
    pub fn kill(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.shut();
    }
}

async fn accept_http(listener: tokio::net::TcpListener, store: Arc<Store>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let store = store.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let store = store.clone();
                async move { Ok::<_, std::convert::Infallible>(serve_http(store, request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

fn wait<T>(mut found: impl FnMut() -> Option<T>, what: &str) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(value) = found() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "the receiver did not get the expected {what} within 20 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The value of attribute `key` of `attributes`, as text (strings, integers, booleans).
pub fn attribute(attributes: &[KeyValue], key: &str) -> Option<String> {
    let value = attributes.iter().find(|kv| kv.key == key)?.value.as_ref()?;
    match value.value.as_ref()? {
        Value::StringValue(s) => Some(s.clone()),
        Value::IntValue(i) => Some(i.to_string()),
        Value::BoolValue(b) => Some(b.to_string()),
        Value::DoubleValue(d) => Some(d.to_string()),
        _ => None,
    }
}

/// The integer attribute `key` of `attributes`.
pub fn int_attribute(attributes: &[KeyValue], key: &str) -> Option<i64> {
    let value = attributes.iter().find(|kv| kv.key == key)?.value.as_ref()?;
    match value.value.as_ref()? {
        Value::IntValue(i) => Some(*i),
        _ => None,
    }
}

/// The text of a log record's body.
pub fn body(record: &LogRecord) -> String {
    match record.body.as_ref().and_then(|b| b.value.as_ref()) {
        Some(Value::StringValue(s)) => s.clone(),
        _ => String::new(),
    }
}
