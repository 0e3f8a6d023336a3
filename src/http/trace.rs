//! One telemetry span per HTTP request that serves an Iggy command, made here once for
//! every endpoint, as the connection actor does for the binary transports: the route
//! (method and pattern) names the command (`routes::command`), the handler runs inside the
//! span (so the shared handlers and `ctx.metadata.send` record and make child spans as
//! over TCP), and the span ends with the Iggy error the handler answered, or the HTTP
//! status of a failure that has none (a malformed body, a missing token). Paths that serve
//! no command (`/`, the probes, `/metrics`, token refresh, unknown paths) are not traced.
//! With telemetry off the request passes through untouched.

use super::auth::Caller;
use super::error::HttpError;
use crate::telemetry::{self, Outcome, Request, RequestSpan};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use iggy_actors::metadata::Transport;
use iggy_actors::IggyError;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{Status, TraceContextExt as _};
use opentelemetry::KeyValue;

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
        .and_then(|pattern| super::routes::command(req.method(), &pattern));
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
