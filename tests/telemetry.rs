//! OpenTelemetry export (`[telemetry]`) against a real OTLP receiver, gRPC and HTTP: the
//! server's spans (one per request, the actors' work as children, the messaging
//! conventions) and log records arrive under the configured service name over every binary
//! transport; a collector that is down, killed or stalled never stops the server, keeps its
//! memory bounded and its shutdown within the limit; and with telemetry off nothing is
//! exported and no export thread runs.

mod common;
mod telemetry_support;

use bytes::Bytes;
use common::{
    create_stream_and_topic, id, sdk_client_over, within, Endpoint, TestServer, TestTransport,
};
use iggy::prelude::{
    Client, Consumer, IggyClient, IggyMessage, MessageClient, Partitioning, PollingStrategy,
    StreamClient, UserClient,
};
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use telemetry_support::{attribute, body, int_attribute, Protocol, ReceivedSpan, Receiver};

/// A server exporting traces to `traces` and logs to `logs` as `service`.
fn traced_server(service: &str, traces: &Receiver, logs: &Receiver) -> common::TestServerBuilder {
    TestServer::builder()
        .env("IGGY_TELEMETRY_ENABLED", "true")
        .env("IGGY_TELEMETRY_SERVICE_NAME", service)
        .env(
            "IGGY_TELEMETRY_TRACES_TRANSPORT",
            traces.protocol.config_name(),
        )
        .env("IGGY_TELEMETRY_TRACES_ENDPOINT", &traces.endpoint("traces"))
        .env("IGGY_TELEMETRY_LOGS_TRANSPORT", logs.protocol.config_name())
        .env("IGGY_TELEMETRY_LOGS_ENDPOINT", &logs.endpoint("logs"))
}

/// TCP and WebSocket in TLS (certificates generated at start), QUIC as it is.
fn with_tls(builder: common::TestServerBuilder) -> common::TestServerBuilder {
    builder
        .env("IGGY_TCP_TLS_ENABLED", "true")
        .env("IGGY_TCP_TLS_CERT_FILE", "no-such-dir/cert.pem")
        .env("IGGY_WEBSOCKET_TLS_ENABLED", "true")
        .env("IGGY_WEBSOCKET_TLS_CERT_FILE", "no-such-dir/cert.pem")
}

async fn connected(transport: TestTransport, endpoint: Endpoint) -> IggyClient {
    let client = sdk_client_over(transport, endpoint);
    within(client.connect()).await.expect("SDK connect");
    within(client.login_user("iggy", "iggy"))
        .await
        .expect("root login");
    client
}

/// What one transport's client did: its stream and topic.
struct Exercised {
    /// `iggy.transport` of its spans.
    transport: &'static str,
    stream_id: u32,
    topic_id: u32,
}

/// Over `transport`: login, a stream and topic, three messages sent and polled back, and a
/// stream created twice (the second refused).
async fn exercise(transport: TestTransport, name: &'static str, endpoint: Endpoint) -> Exercised {
    let client = connected(transport, endpoint).await;
    let transport_name = match transport {
        TestTransport::Tcp | TestTransport::TcpTls => "tcp",
        TestTransport::Quic => "quic",
        TestTransport::WebSocket | TestTransport::WebSocketTls => "websocket",
    };
    exercise_client(&client, name, transport_name).await
}

/// The same over the HTTP API with the SDK's `HttpClient`.
async fn exercise_http(server: &TestServer, name: &'static str) -> Exercised {
    let client = common::http::sdk_http_client(server).await;
    exercise_client(&client, name, "http").await
}

async fn exercise_client(
    client: &IggyClient,
    name: &'static str,
    transport: &'static str,
) -> Exercised {
    let (stream_id, topic_id) = create_stream_and_topic(client, name, "t", 1).await;
    let (stream, topic) = (id(stream_id), id(topic_id));
    let mut messages: Vec<IggyMessage> = (0..3)
        .map(|i| {
            IggyMessage::builder()
                .payload(Bytes::from(format!("message {i} over {name}")))
                .build()
                .expect("message")
        })
        .collect();
    within(client.send_messages(&stream, &topic, &Partitioning::balanced(), &mut messages))
        .await
        .expect("send");
    let polled = within(client.poll_messages(
        &stream,
        &topic,
        Some(0),
        &Consumer::new(id(7)),
        &PollingStrategy::offset(0),
        10,
        false,
    ))
    .await
    .expect("poll");
    assert_eq!(polled.messages.len(), 3);
    let refused = within(client.create_stream(name)).await;
    assert!(refused.is_err(), "a second stream named {name}");
    Exercised {
        transport,
        stream_id,
        topic_id,
    }
}

fn attr(span: &ReceivedSpan, key: &str) -> Option<String> {
    attribute(&span.span.attributes, key)
}

/// The request spans of `name` made for `transport`.
fn requests<'a>(spans: &'a [ReceivedSpan], name: &str, transport: &str) -> Vec<&'a ReceivedSpan> {
    spans
        .iter()
        .filter(|s| s.span.name == name && attr(s, "iggy.transport").as_deref() == Some(transport))
        .collect()
}

/// The one child span of `parent`, named `name`.
fn child<'a>(spans: &'a [ReceivedSpan], parent: &ReceivedSpan, name: &str) -> &'a ReceivedSpan {
    let children: Vec<_> = spans
        .iter()
        .filter(|s| {
            s.span.name == name
                && s.span.trace_id == parent.span.trace_id
                && s.span.parent_span_id == parent.span.span_id
        })
        .collect();
    assert_eq!(
        children.len(),
        1,
        "one {name} child of {}",
        parent.span.name
    );
    let found = children[0];
    assert_eq!(found.span.kind, SpanKind::Internal as i32);
    assert!(
        parent.span.start_time_unix_nano <= found.span.start_time_unix_nano
            && found.span.end_time_unix_nano <= parent.span.end_time_unix_nano,
        "the actor's work lies within the request"
    );
    found
}

/// Every span of `exercised`'s requests has arrived.
fn all_arrived(spans: &[ReceivedSpan], exercised: &[Exercised]) -> bool {
    exercised.iter().all(|e| {
        let t = e.transport;
        !requests(spans, "message.send", t).is_empty()
            && !requests(spans, "message.poll", t).is_empty()
            && requests(spans, "stream.create", t).len() == 2
            && spans
                .iter()
                .filter(|s| s.span.name == "CreateStream")
                .count()
                >= 2 * exercised.len()
    })
}

/// The spans of one transport's requests: messaging attributes, parent/child links, the
/// metadata-log index of the stream it created, the error code of the refused one.
fn check_spans(spans: &[ReceivedSpan], e: &Exercised, service: &str, log_indexes: &mut Vec<i64>) {
    let t = e.transport;
    let destination = format!("{}/{}", e.stream_id, e.topic_id);
    let send: Vec<_> = requests(spans, "message.send", t)
        .into_iter()
        .filter(|s| attr(s, "messaging.destination.name").as_deref() == Some(destination.as_str()))
        .collect();
    assert_eq!(send.len(), 1, "one send request over {t}");
    let send = send[0];
    assert_eq!(
        attribute(&send.resource, "service.name").as_deref(),
        Some(service)
    );
    assert_eq!(send.span.kind, SpanKind::Server as i32);
    for (key, value) in [
        ("messaging.system", "iggy"),
        ("messaging.operation.name", "message.send"),
        ("messaging.operation.type", "send"),
        ("messaging.destination.partition.id", "0"),
        ("messaging.batch.message_count", "3"),
        ("iggy.command.code", "101"),
        ("user.id", "0"),
    ] {
        assert_eq!(
            attr(send, key).as_deref(),
            Some(value),
            "{key} of send over {t}"
        );
    }
    assert_eq!(
        int_attribute(&send.span.attributes, "iggy.stream.id"),
        Some(e.stream_id as i64)
    );
    assert!(int_attribute(&send.span.attributes, "iggy.batch.bytes").unwrap() > 0);
    if t == "http" {
        assert_eq!(
            attr(send, "messaging.client.id"),
            None,
            "HTTP has no client id"
        );
        assert_eq!(
            int_attribute(&send.span.attributes, "http.response.status_code"),
            Some(201)
        );
    } else {
        assert!(attr(send, "messaging.client.id").is_some_and(|c| c.parse::<u32>().is_ok()));
    }
    assert!(attr(send, "network.transport").is_some());
    let append = child(spans, send, "AppendMessages");
    assert_eq!(attr(append, "iggy.actor").as_deref(), Some("partition"));
    assert_eq!(
        attr(append, "messaging.destination.name").as_deref(),
        Some(destination.as_str())
    );

    let poll: Vec<_> = requests(spans, "message.poll", t)
        .into_iter()
        .filter(|s| attr(s, "messaging.destination.name").as_deref() == Some(destination.as_str()))
        .collect();
    assert_eq!(poll.len(), 1, "one poll request over {t}");
    let poll = poll[0];
    assert_eq!(
        attr(poll, "messaging.operation.type").as_deref(),
        Some("receive")
    );
    assert_eq!(
        attr(poll, "messaging.batch.message_count").as_deref(),
        Some("3")
    );
    assert!(int_attribute(&poll.span.attributes, "iggy.batch.bytes").unwrap() > 0);
    child(spans, poll, "PollMessages");

    let creates = requests(spans, "stream.create", t);
    let created = creates
        .iter()
        .find(|s| {
            s.span
                .status
                .as_ref()
                .is_none_or(|st| st.code != StatusCode::Error as i32)
        })
        .expect("the stream created");
    let index = int_attribute(&created.span.attributes, "iggy.metadata.log_index")
        .expect("a control-plane command carries its log index");
    let metadata = child(spans, created, "CreateStream");
    assert_eq!(
        int_attribute(&metadata.span.attributes, "iggy.metadata.log_index"),
        Some(index)
    );
    assert_eq!(attr(metadata, "iggy.actor").as_deref(), Some("metadata"));
    log_indexes.push(index);
    let refused = creates
        .iter()
        .find(|s| {
            s.span
                .status
                .as_ref()
                .is_some_and(|st| st.code == StatusCode::Error as i32)
        })
        .expect("the stream refused");
    assert_eq!(
        int_attribute(&refused.span.attributes, "iggy.error.code"),
        Some(1012)
    );
    assert_eq!(
        attr(refused, "error.type").as_deref(),
        Some("StreamNameAlreadyExists")
    );
    assert_eq!(
        int_attribute(&refused.span.attributes, "iggy.metadata.log_index"),
        None,
        "a refused command wrote nothing"
    );
    let logins = requests(spans, "user.login", t);
    assert!(logins
        .iter()
        .all(|l| attr(l, "user.id").as_deref() == Some("0")));
    assert!(!logins.is_empty());
}

/// The log records: the service name, level, target, fields, and the trace of the request
/// a record was written in.
fn check_logs(receiver: &Receiver, spans: &[ReceivedSpan], service: &str, transport: &str) {
    let connected = receiver.wait_logs(|logs| {
        logs.iter()
            .find(|l| body(&l.record).contains(&format!("connected over {transport}")))
            .cloned()
    });
    assert_eq!(
        attribute(&connected.resource, "service.name").as_deref(),
        Some(service)
    );
    assert_eq!(connected.record.severity_text, "INFO");
    assert_eq!(connected.record.severity_number, 9);
    assert_eq!(
        connected.scope, "iggy_server::connection",
        "the record's target"
    );
    assert!(int_attribute(&connected.record.attributes, "client_id").is_some());
    assert_eq!(
        attribute(&connected.record.attributes, "transport").as_deref(),
        Some(transport)
    );
    // The login's "logged in" record belongs to the login request's trace.
    let login_traces: Vec<_> = spans
        .iter()
        .filter(|s| s.span.name == "user.login")
        .map(|s| s.span.trace_id.clone())
        .collect();
    let logged_in = receiver.wait_logs(|logs| {
        logs.iter()
            .find(|l| body(&l.record).contains("logged in as user 0"))
            .cloned()
    });
    assert!(
        login_traces.contains(&logged_in.record.trace_id),
        "a record written during a request carries its trace"
    );
}

/// The scheduling policy of the server's `telemetry` thread (field 41 of its `stat`).
fn telemetry_thread_policy(server: &TestServer) -> Option<u32> {
    let tasks = std::fs::read_dir(format!("/proc/{}/task", server.pid())).expect("tasks");
    tasks.flatten().find_map(|task| {
        let comm = std::fs::read_to_string(task.path().join("comm")).ok()?;
        if comm.trim() != "telemetry" {
            return None;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
        // Fields after the parenthesised name start at field 3.
        let rest = &stat[stat.rfind(')')? + 2..];
        rest.split(' ').nth(41 - 3)?.parse().ok()
    })
}

fn telemetry_thread_runs(server: &TestServer) -> bool {
    let tasks = std::fs::read_dir(format!("/proc/{}/task", server.pid())).expect("tasks");
    tasks.flatten().any(|task| {
        std::fs::read_to_string(task.path().join("comm")).is_ok_and(|c| c.trim() == "telemetry")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traces_over_grpc_and_logs_over_http_from_tcp_quic_websocket_and_http() {
    let traces = Receiver::start(Protocol::Grpc);
    let logs = Receiver::start(Protocol::Http);
    let service = "iggy-under-test-1";
    let server = traced_server(service, &traces, &logs).start();
    assert!(telemetry_thread_runs(&server), "the export thread runs");
    assert_eq!(
        telemetry_thread_policy(&server),
        Some(libc::SCHED_IDLE as u32),
        "export takes a core only when no shard wants it"
    );
    let endpoint = server.endpoint();
    let mut exercised = Vec::new();
    for (transport, name) in [
        (TestTransport::Tcp, "over-tcp"),
        (TestTransport::Quic, "over-quic"),
        (TestTransport::WebSocket, "over-ws"),
    ] {
        exercised.push(exercise(transport, name, endpoint).await);
    }
    exercised.push(exercise_http(&server, "over-http").await);
    let spans = traces.wait_spans(|spans| all_arrived(spans, &exercised).then(|| spans.to_vec()));
    let mut log_indexes = Vec::new();
    for e in &exercised {
        check_spans(&spans, e, service, &mut log_indexes);
    }
    assert!(
        log_indexes.windows(2).all(|w| w[0] < w[1]),
        "each stream's entry comes after the last one: {log_indexes:?}"
    );
    for transport in ["TCP", "QUIC", "WebSocket"] {
        check_logs(&logs, &spans, service, transport);
    }
    assert!(
        traces.logs().is_empty(),
        "no log record at the traces endpoint"
    );
    assert!(logs.spans().is_empty(), "no span at the logs endpoint");
    assert!(
        logs.paths().iter().all(|p| p == "/v1/logs"),
        "{:?}",
        logs.paths()
    );
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traces_over_http_and_logs_over_grpc_from_tcp_and_websocket_in_tls() {
    let traces = Receiver::start(Protocol::Http);
    let logs = Receiver::start(Protocol::Grpc);
    let service = "iggy-under-test-2";
    let server = with_tls(traced_server(service, &traces, &logs)).start();
    let endpoint = server.endpoint();
    let mut exercised = Vec::new();
    for (transport, name) in [
        (TestTransport::TcpTls, "over-tcp-tls"),
        (TestTransport::WebSocketTls, "over-ws-tls"),
    ] {
        exercised.push(exercise(transport, name, endpoint).await);
    }
    let spans = traces.wait_spans(|spans| all_arrived(spans, &exercised).then(|| spans.to_vec()));
    let mut log_indexes = Vec::new();
    for e in &exercised {
        check_spans(&spans, e, service, &mut log_indexes);
    }
    for transport in ["TCP", "WebSocket"] {
        check_logs(&logs, &spans, service, transport);
    }
    assert!(traces.logs().is_empty() && logs.spans().is_empty());
    assert!(traces.paths().iter().all(|p| p == "/v1/traces"));
    server.stop();
}

/// The server's resident memory, in KiB.
fn rss_kib(server: &TestServer) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// `count` SendMessages of one small message each, every one answered with success.
async fn send_many(client: &IggyClient, stream_id: u32, topic_id: u32, count: usize) {
    let (stream, topic) = (id(stream_id), id(topic_id));
    for i in 0..count {
        let mut messages = vec![IggyMessage::builder()
            .payload(Bytes::from(format!("{i}")))
            .build()
            .expect("message")];
        within(client.send_messages(&stream, &topic, &Partitioning::balanced(), &mut messages))
            .await
            .unwrap_or_else(|e| panic!("send {i}: {e}"));
    }
}

/// Waits (at most 20 s) until the server's output has a line with every one of `parts`.
fn wait_output(server: &TestServer, parts: &[&str]) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let output = server.stdout();
        if let Some(line) = output.lines().find(|l| parts.iter().all(|p| l.contains(p))) {
            return line.to_string();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no line with {parts:?} in:\n{output}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_down_at_start_costs_a_bounded_queue_and_one_warning_per_interval() {
    let nobody = format!("http://127.0.0.1:{}", common::free_port());
    let started = std::time::Instant::now();
    let server = TestServer::builder()
        .env("IGGY_TELEMETRY_ENABLED", "true")
        .env(
            "IGGY_TELEMETRY_TRACES_ENDPOINT",
            &format!("{nobody}/v1/traces"),
        )
        .env("IGGY_TELEMETRY_LOGS_TRANSPORT", "http")
        .env("IGGY_TELEMETRY_LOGS_ENDPOINT", &format!("{nobody}/v1/logs"))
        .start();
    let client = connected(TestTransport::Tcp, server.endpoint()).await;
    let (stream_id, topic_id) = create_stream_and_topic(&client, "s", "t", 1).await;
    let before = rss_kib(&server);
    // Two spans a request (the request and the partition's append): far more than the
    // span queue holds while nothing can be exported.
    send_many(&client, stream_id, topic_id, 20_000).await;
    // The queues hold about 10 MiB at most; without a bound, these spans take 30.
    let grown = rss_kib(&server).saturating_sub(before);
    assert!(
        grown < 20 * 1024,
        "memory grew by {grown} KiB while the collector was down"
    );
    let dropped = wait_output(
        &server,
        &["telemetry: spans to", "dropped because the queue was full"],
    );
    assert!(dropped.contains("WARN"), "{dropped}");
    wait_output(&server, &["telemetry: log records to", "failed"]);
    let output = server.stop();
    let elapsed = started.elapsed().as_secs();
    for what in ["spans", "log records"] {
        let warnings = output
            .lines()
            .filter(|l| l.contains(&format!("telemetry: {what} to")))
            .count() as u64;
        // One per 5 s, plus the one at the end.
        assert!(
            warnings >= 1 && warnings <= elapsed / 5 + 2,
            "{warnings} warnings about {what} in {elapsed} s:\n{output}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_killed_mid_run_is_reported_and_export_resumes_when_it_is_back() {
    let receiver = Receiver::start(Protocol::Grpc);
    let port = receiver.addr.port();
    let server = traced_server("iggy-killed-collector", &receiver, &receiver).start();
    let client = connected(TestTransport::Tcp, server.endpoint()).await;
    let (stream_id, topic_id) = create_stream_and_topic(&client, "s", "t", 1).await;
    send_many(&client, stream_id, topic_id, 10).await;
    receiver.wait_spans(|spans| {
        (spans
            .iter()
            .filter(|s| s.span.name == "message.send")
            .count()
            >= 10)
            .then_some(())
    });
    receiver.kill();
    send_many(&client, stream_id, topic_id, 2_000).await;
    wait_output(&server, &["telemetry: spans to", "failed"]);
    // The same collector comes back: export goes on where the queue is.
    let back = Receiver::start_on(Protocol::Grpc, port);
    send_many(&client, stream_id, topic_id, 10).await;
    back.wait_spans(|spans| {
        spans
            .iter()
            .any(|s| s.span.name == "message.send")
            .then_some(())
    });
    wait_output(&server, &["telemetry: spans", "works again"]);
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_collector_holds_no_request_and_shutdown_stays_within_its_limit() {
    let receiver = Receiver::start(Protocol::Http);
    receiver.stall();
    let mut server = traced_server("iggy-stalled-collector", &receiver, &receiver).start();
    let client = connected(TestTransport::Tcp, server.endpoint()).await;
    let (stream_id, topic_id) = create_stream_and_topic(&client, "s", "t", 1).await;
    send_many(&client, stream_id, topic_id, 2_000).await;
    // Exports reach the collector and never come back.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while receiver.requests() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no export reached the collector"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    drop(client);
    // A clean exit (status 0, before the 8 s watchdog) with the final flush given up.
    let output = server.stop_with(libc::SIGTERM);
    assert!(
        output.contains("did not finish within"),
        "the final flush is bounded:\n{output}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_telemetry_off_nothing_is_exported_and_no_export_thread_runs() {
    let receiver = Receiver::start(Protocol::Grpc);
    let server = traced_server("iggy-off", &receiver, &receiver)
        .env("IGGY_TELEMETRY_ENABLED", "false")
        .start();
    assert!(!telemetry_thread_runs(&server), "no export thread");
    exercise(TestTransport::Tcp, "quiet", server.endpoint()).await;
    assert!(!telemetry_thread_runs(&server));
    let output = server.stop();
    assert!(!output.contains("telemetry:"), "{output}");
    assert_eq!(receiver.requests(), 0, "nothing was exported");
}
