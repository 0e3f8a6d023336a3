//! One span per request, made where a request enters the server, following the
//! OpenTelemetry semantic conventions for messaging.
//!
//! The edge starts it ([`traced`], or [`RequestSpan`] directly) with what it knows at that
//! point: the command, the transport, the client and the user. While the request is served
//! the span is the current OpenTelemetry context (attached at every poll of the request's
//! future), so the shared command handlers add what they learn ([`record_destination`],
//! [`record_messages`]) and the actors' work becomes child spans ([`observed`]): the
//! partition's append or poll, the metadata actor's command with the log indexes it wrote.
//! The span ends with the request's outcome (the Iggy error code on failure).
//!
//! With telemetry off none of this runs: [`traced`] awaits the work as it is, the recording
//! functions return after one atomic load, and actors get their plain messages.

use super::tracer;
use actix::dev::ToEnvelope;
use actix::prelude::*;
use iggy_actors::metadata::Transport;
use iggy_actors::timed::{Timed, Work};
use iggy_actors::IggyError;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{Span as _, SpanKind, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::{Context, KeyValue};
use std::future::Future;

/// Semantic-convention attribute names (messaging, network, error) and the server's own.
pub mod attr {
    pub const MESSAGING_SYSTEM: &str = "messaging.system";
    pub const OPERATION_NAME: &str = "messaging.operation.name";
    pub const OPERATION_TYPE: &str = "messaging.operation.type";
    pub const DESTINATION_NAME: &str = "messaging.destination.name";
    pub const PARTITION_ID: &str = "messaging.destination.partition.id";
    pub const CLIENT_ID: &str = "messaging.client.id";
    pub const CONSUMER_GROUP: &str = "messaging.consumer.group.name";
    pub const BATCH_COUNT: &str = "messaging.batch.message_count";
    pub const NETWORK_TRANSPORT: &str = "network.transport";
    pub const ERROR_TYPE: &str = "error.type";
    pub const USER_ID: &str = "user.id";
    pub const COMMAND_CODE: &str = "iggy.command.code";
    pub const TRANSPORT: &str = "iggy.transport";
    pub const STREAM_ID: &str = "iggy.stream.id";
    pub const TOPIC_ID: &str = "iggy.topic.id";
    pub const BATCH_BYTES: &str = "iggy.batch.bytes";
    pub const ERROR_CODE: &str = "iggy.error.code";
    pub const LOG_INDEX: &str = "iggy.metadata.log_index";
    pub const LOG_ENTRIES: &str = "iggy.metadata.log_entries";
    pub const ACTOR: &str = "iggy.actor";
}

/// What the edge knows when a request arrives.
#[derive(Debug, Clone, Copy)]
pub struct Request {
    /// The binary protocol's command code (the HTTP edge uses the code of the command an
    /// endpoint serves).
    pub code: u32,
    pub transport: Transport,
    /// The binary transports' client (the HTTP API has none).
    pub client_id: Option<u32>,
    /// The logged-in user, if any.
    pub user_id: Option<u32>,
}

/// What a request's outcome tells its span.
pub trait Outcome {
    /// The Iggy error the request was answered with, if it failed.
    fn error(&self) -> Option<IggyError>;
    /// The session's user after the request, when the request changed it (login, logout).
    fn new_user(&self) -> Option<Option<u32>> {
        None
    }
}

impl<T> Outcome for Result<T, IggyError> {
    fn error(&self) -> Option<IggyError> {
        self.as_ref().err().copied()
    }
}

/// The span of one request, current while its work runs.
pub struct RequestSpan {
    cx: Context,
}

impl RequestSpan {
    /// Starts the span; `None` (and nothing made) when telemetry is off.
    pub fn start(request: &Request) -> Option<RequestSpan> {
        let tracer = tracer()?;
        let name = crate::protocol::codes::name(request.code).unwrap_or("unknown");
        let mut attributes = Vec::with_capacity(16);
        attributes.push(KeyValue::new(attr::MESSAGING_SYSTEM, "iggy"));
        attributes.push(KeyValue::new(attr::OPERATION_NAME, name));
        if let Some(kind) = operation_type(request.code) {
            attributes.push(KeyValue::new(attr::OPERATION_TYPE, kind));
        }
        attributes.push(KeyValue::new(attr::COMMAND_CODE, i64::from(request.code)));
        if let Some(client) = request.client_id {
            attributes.push(KeyValue::new(attr::CLIENT_ID, client.to_string()));
        }
        let (transport, network) = transport_names(request.transport);
        attributes.push(KeyValue::new(attr::TRANSPORT, transport));
        attributes.push(KeyValue::new(attr::NETWORK_TRANSPORT, network));
        if let Some(user) = request.user_id {
            attributes.push(KeyValue::new(attr::USER_ID, user.to_string()));
        }
        let span = tracer
            .span_builder(name)
            .with_kind(SpanKind::Server)
            .with_attributes(attributes)
            .start_with_context(tracer, &Context::new());
        Some(RequestSpan {
            cx: Context::new().with_span(span),
        })
    }

    /// The context to serve the request in (the span as parent).
    pub fn context(&self) -> &Context {
        &self.cx
    }

    /// Ends the span with the request's outcome.
    pub fn end(self, outcome: &impl Outcome) {
        let span = self.cx.span();
        if let Some(Some(user)) = outcome.new_user() {
            span.set_attribute(KeyValue::new(attr::USER_ID, user.to_string()));
        }
        if let Some(error) = outcome.error() {
            span.set_attribute(KeyValue::new(attr::ERROR_TYPE, format!("{error:?}")));
            span.set_attribute(KeyValue::new(attr::ERROR_CODE, i64::from(error.code())));
            span.set_status(Status::error(error.to_string()));
        }
        span.end();
    }
}

/// Serves `work` as one traced request: the span starts now, is current while `work` runs
/// and ends with its outcome. With telemetry off, `work` runs as it is.
pub async fn traced<F>(request: Request, work: F) -> F::Output
where
    F: Future,
    F::Output: Outcome,
{
    let Some(span) = RequestSpan::start(&request) else {
        return work.await;
    };
    let output = work.with_context(span.context().clone()).await;
    span.end(&output);
    output
}

/// "send" and "receive" for the data-plane commands (messaging conventions).
fn operation_type(code: u32) -> Option<&'static str> {
    use crate::protocol::codes::{POLL_MESSAGES, SEND_MESSAGES};
    match code {
        SEND_MESSAGES => Some("send"),
        POLL_MESSAGES => Some("receive"),
        _ => None,
    }
}

/// The server's name of a transport and the network transport under it.
fn transport_names(transport: Transport) -> (&'static str, &'static str) {
    match transport {
        Transport::Tcp => ("tcp", "tcp"),
        Transport::Quic => ("quic", "quic"),
        Transport::Http => ("http", "tcp"),
        Transport::WebSocket => ("websocket", "tcp"),
    }
}

/// The traced request being served on this thread, if any.
fn current() -> Option<Context> {
    tracer()?;
    let cx = Context::current();
    cx.has_active_span().then_some(cx)
}

/// Adds attributes to the current request's span, if a request is traced.
fn record(attributes: impl FnOnce() -> Vec<KeyValue>) {
    if let Some(cx) = current() {
        let span = cx.span();
        for attribute in attributes() {
            span.set_attribute(attribute);
        }
    }
}

/// The stream, topic and partition a request resolved to.
pub fn record_destination(stream_id: u32, topic_id: u32, partition_id: u32) {
    record(|| destination(stream_id, topic_id, partition_id));
}

fn destination(stream_id: u32, topic_id: u32, partition_id: u32) -> Vec<KeyValue> {
    vec![
        KeyValue::new(attr::DESTINATION_NAME, format!("{stream_id}/{topic_id}")),
        KeyValue::new(attr::STREAM_ID, i64::from(stream_id)),
        KeyValue::new(attr::TOPIC_ID, i64::from(topic_id)),
        KeyValue::new(attr::PARTITION_ID, partition_id.to_string()),
    ]
}

/// How many messages and payload bytes a send or poll moved.
/// `bytes` is only asked for when the request is traced.
pub fn record_messages(count: u32, bytes: impl FnOnce() -> usize) {
    record(|| {
        vec![
            KeyValue::new(attr::BATCH_COUNT, i64::from(count)),
            KeyValue::new(attr::BATCH_BYTES, bytes() as i64),
        ]
    });
}

/// The user a login over HTTP authenticated (the binary edges learn it from the session).
pub fn record_user(user_id: u32) {
    record(|| vec![KeyValue::new(attr::USER_ID, user_id.to_string())]);
}

/// The consumer group a poll or offset command acts for.
pub fn record_consumer_group(group_id: u32) {
    record(|| vec![KeyValue::new(attr::CONSUMER_GROUP, group_id.to_string())]);
}

/// Sends `msg` to `addr` like `Addr::send`. Inside a traced request the actor is asked for
/// its timing instead (`Timed`), and its work becomes a child span named after the message
/// (`AppendMessages`, `CreateStream`) with `attributes` and `iggy.actor = actor`; the
/// metadata-log indexes it wrote go on the child and on the request.
pub async fn observed<A, M>(
    addr: &Addr<A>,
    msg: M,
    actor: &'static str,
    attributes: impl FnOnce() -> Vec<KeyValue>,
) -> Result<M::Result, MailboxError>
where
    A: Actor + Handler<M> + Handler<Timed<M>>,
    A::Context: ToEnvelope<A, M> + ToEnvelope<A, Timed<M>>,
    M: Message + Send + 'static,
    M::Result: Send,
{
    let (Some(cx), Some(tracer)) = (current(), tracer()) else {
        return addr.send(msg).await;
    };
    let worked = addr.send(Timed(msg)).await?.ok_or(MailboxError::Closed)?;
    let work = &worked.work;
    let mut attributes = attributes();
    attributes.push(KeyValue::new(attr::ACTOR, actor));
    let logged = log_attributes(work);
    attributes.extend(logged.iter().cloned());
    let mut child = tracer
        .span_builder(short_type_name::<M>())
        .with_kind(SpanKind::Internal)
        .with_start_time(work.started)
        .with_attributes(attributes)
        .start_with_context(tracer, &cx);
    child.end_with_timestamp(work.finished);
    let span = cx.span();
    for attribute in logged {
        span.set_attribute(attribute);
    }
    Ok(worked.result)
}

/// The last metadata-log index a command wrote and how many it wrote; none for a read.
fn log_attributes(work: &Work) -> Vec<KeyValue> {
    if work.logged.is_empty() {
        return Vec::new();
    }
    vec![
        KeyValue::new(attr::LOG_INDEX, (work.logged.end - 1) as i64),
        KeyValue::new(
            attr::LOG_ENTRIES,
            (work.logged.end - work.logged.start) as i64,
        ),
    ]
}

/// `CreateStream` of `iggy_actors::metadata::messages::CreateStream`.
fn short_type_name<M>() -> &'static str {
    let full = std::any::type_name::<M>();
    full.rsplit("::").next().unwrap_or(full)
}

/// The partition attributes of a child span.
pub fn partition_attributes(
    stream_id: u32,
    topic_id: u32,
    partition_id: u32,
) -> impl FnOnce() -> Vec<KeyValue> {
    move || destination(stream_id, topic_id, partition_id)
}
