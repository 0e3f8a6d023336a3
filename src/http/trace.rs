//! One telemetry span per HTTP request that serves an Iggy command, made here once for
//! every endpoint, as the connection actor does for the binary transports: the route
//! (method and pattern) names the command, the handler runs inside the span (so the shared
//! handlers and `ctx.metadata.send` record and make child spans as over TCP), and the span
//! ends with the Iggy error the handler answered, or the HTTP status of a failure that has
//! none (a malformed body, a missing token). Paths that serve no command (`/`, the probes,
//! `/metrics`, token refresh, unknown paths) are not traced. With telemetry off the request
//! passes through untouched.

use super::auth::Caller;
use super::error::HttpError;
use crate::protocol::codes;
use crate::telemetry::{self, Outcome, Request, RequestSpan};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use iggy_actors::metadata::Transport;
use iggy_actors::IggyError;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{Status, TraceContextExt as _};
use opentelemetry::KeyValue;

const TOPIC: &str = "/streams/{stream_id}/topics/{topic_id}";

/// The command an endpoint serves (`routes.rs`), by method and route pattern.
fn command(method: &Method, pattern: &str) -> Option<u32> {
    let topic = pattern.strip_prefix(TOPIC);
    Some(match (method.as_str(), pattern, topic) {
        ("GET", "/ping", _) => codes::PING,
        ("GET", "/stats", _) => codes::GET_STATS,
        ("POST", "/snapshot", _) => codes::GET_SNAPSHOT,
        ("GET", "/cluster/metadata", _) => codes::GET_CLUSTER_METADATA,
        ("GET", "/clients", _) => codes::GET_CLIENTS,
        ("GET", "/clients/{client_id}", _) => codes::GET_CLIENT,
        ("POST", "/users/login", _) => codes::LOGIN_USER,
        ("DELETE", "/users/logout", _) => codes::LOGOUT_USER,
        ("GET", "/users", _) => codes::GET_USERS,
        ("POST", "/users", _) => codes::CREATE_USER,
        ("GET", "/users/{user_id}", _) => codes::GET_USER,
        ("PUT", "/users/{user_id}", _) => codes::UPDATE_USER,
        ("DELETE", "/users/{user_id}", _) => codes::DELETE_USER,
        ("PUT", "/users/{user_id}/permissions", _) => codes::UPDATE_PERMISSIONS,
        ("PUT", "/users/{user_id}/password", _) => codes::CHANGE_PASSWORD,
        ("POST", "/personal-access-tokens/login", _) => codes::LOGIN_WITH_PERSONAL_ACCESS_TOKEN,
        ("GET", "/personal-access-tokens", _) => codes::GET_PERSONAL_ACCESS_TOKENS,
        ("POST", "/personal-access-tokens", _) => codes::CREATE_PERSONAL_ACCESS_TOKEN,
        ("DELETE", "/personal-access-tokens/{name}", _) => codes::DELETE_PERSONAL_ACCESS_TOKEN,
        ("GET", "/streams", _) => codes::GET_STREAMS,
        ("POST", "/streams", _) => codes::CREATE_STREAM,
        ("GET", "/streams/{stream_id}", _) => codes::GET_STREAM,
        ("PUT", "/streams/{stream_id}", _) => codes::UPDATE_STREAM,
        ("DELETE", "/streams/{stream_id}", _) => codes::DELETE_STREAM,
        ("DELETE", "/streams/{stream_id}/purge", _) => codes::PURGE_STREAM,
        ("GET", "/streams/{stream_id}/topics", _) => codes::GET_TOPICS,
        ("POST", "/streams/{stream_id}/topics", _) => codes::CREATE_TOPIC,
        (method, _, Some(rest)) => topic_command(method, rest)?,
        _ => return None,
    })
}

/// The commands under `/streams/{stream_id}/topics/{topic_id}`.
fn topic_command(method: &str, rest: &str) -> Option<u32> {
    Some(match (method, rest) {
        ("GET", "") => codes::GET_TOPIC,
        ("PUT", "") => codes::UPDATE_TOPIC,
        ("DELETE", "") => codes::DELETE_TOPIC,
        ("DELETE", "/purge") => codes::PURGE_TOPIC,
        ("POST", "/partitions") => codes::CREATE_PARTITIONS,
        ("DELETE", "/partitions") => codes::DELETE_PARTITIONS,
        ("DELETE", "/partitions/{partition_id}") => codes::DELETE_SEGMENTS,
        ("GET", "/consumer-groups") => codes::GET_CONSUMER_GROUPS,
        ("POST", "/consumer-groups") => codes::CREATE_CONSUMER_GROUP,
        ("GET", "/consumer-groups/{group_id}") => codes::GET_CONSUMER_GROUP,
        ("DELETE", "/consumer-groups/{group_id}") => codes::DELETE_CONSUMER_GROUP,
        ("GET", "/consumer-offsets") => codes::GET_CONSUMER_OFFSET,
        ("PUT", "/consumer-offsets") => codes::STORE_CONSUMER_OFFSET,
        ("DELETE", "/consumer-offsets/{consumer_id}") => codes::DELETE_CONSUMER_OFFSET,
        ("GET", "/messages") => codes::POLL_MESSAGES,
        ("POST", "/messages") => codes::SEND_MESSAGES,
        ("GET", "/messages/flush/{partition_id}/{fsync}") => codes::FLUSH_UNSAVED_BUFFER,
        _ => return None,
    })
}

/// How an HTTP request ended, for its span.
struct Answered {
    error: Option<IggyError>,
    user_id: Option<u32>,
}

impl Outcome for Answered {
    fn error(&self) -> Option<IggyError> {
        self.error
    }

    fn new_user(&self) -> Option<Option<u32>> {
        self.user_id.map(Some)
    }
}

/// The middleware: serves the request inside its span when it is a traced command.
pub async fn trace(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let code = telemetry::tracer()
        .and_then(|_| req.match_pattern())
        .and_then(|pattern| command(req.method(), &pattern));
    let span = code.and_then(|code| {
        RequestSpan::start(&Request {
            code,
            transport: Transport::Http,
            client_id: None,
            user_id: None,
        })
    });
    let Some(span) = span else {
        return next.call(req).await;
    };
    let served = next.call(req).with_context(span.context().clone()).await;
    let status = match &served {
        Ok(response) => response.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    let cx = span.context();
    cx.span().set_attribute(KeyValue::new(
        "http.response.status_code",
        i64::from(status.as_u16()),
    ));
    let error = served.as_ref().ok().and_then(|response| {
        let error = response.response().error()?;
        match error.as_error::<HttpError>()? {
            HttpError::Iggy(e) => Some(*e),
            HttpError::NotFound => Some(IggyError::ResourceNotFound),
        }
    });
    if error.is_none() && (status.is_client_error() || status.is_server_error()) {
        // A failure without an Iggy error (malformed body, no token): its status.
        cx.span()
            .set_attribute(KeyValue::new("error.type", status.as_u16().to_string()));
        cx.span().set_status(Status::error(status.to_string()));
    }
    let user_id = served.as_ref().ok().and_then(|response| {
        response
            .request()
            .extensions()
            .get::<Caller>()
            .map(|c| c.user_id)
    });
    span.end(&Answered { error, user_id });
    served
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_route_names_its_command() {
        let get = Method::GET;
        assert_eq!(command(&get, "/stats"), Some(codes::GET_STATS));
        let topic = format!("{TOPIC}/messages");
        assert_eq!(command(&Method::POST, &topic), Some(codes::SEND_MESSAGES));
        assert_eq!(command(&get, &topic), Some(codes::POLL_MESSAGES));
        assert_eq!(command(&Method::DELETE, TOPIC), Some(codes::DELETE_TOPIC));
        let segments = format!("{TOPIC}/partitions/{{partition_id}}");
        assert_eq!(
            command(&Method::DELETE, &segments),
            Some(codes::DELETE_SEGMENTS)
        );
        assert_eq!(command(&get, "/livez"), None, "a probe is no command");
        assert_eq!(command(&Method::POST, "/users/refresh-token"), None);
        assert_eq!(command(&Method::PATCH, "/streams"), None);
    }
}
