//! Send, poll and flush over HTTP: the same resolution, permission and partition choice
//! as the binary handlers (`handlers::messages`), with JSON in and out.

use super::Answer;
use crate::handlers::messages::{flush_unsaved_buffer, poll_messages, send_messages};
use crate::http::auth::Caller;
use crate::http::error::{json_error, HttpError, PlainError};
use crate::http::messages::{polled_json, send_request, BodyError};
use crate::http::requests::{self, consumer, identifier};
use crate::http::HttpState;
use crate::protocol::requests::primitives::Consumer;
use crate::protocol::requests::PollRequest;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use iggy_actors::partition::messages::PollingStrategy;
use iggy_actors::IggyError;

type TopicPath = web::Path<(String, String)>;

pub async fn send(
    state: web::Data<HttpState>,
    caller: Caller,
    req: HttpRequest,
    path: TopicPath,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    let json = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(json_error(actix_web::error::JsonPayloadError::ContentType));
    }
    let stream = identifier(&path.0).map_err(HttpError::from)?;
    let topic = identifier(&path.1).map_err(HttpError::from)?;
    let request = match send_request(&body, stream, topic) {
        Ok(request) => request,
        Err(BodyError::Iggy(e)) => return Err(HttpError::from(e).into()),
        Err(BodyError::Shape(text)) => {
            let status = if text.starts_with("Failed to parse") {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return Err(PlainError { status, text }.into());
        }
    };
    send_messages::handle(&state.ctx, &caller.session(), request)
        .await
        .map_err(HttpError::from)?;
    Ok(HttpResponse::Created().finish())
}

fn strategy(kind: Option<&str>, value: u64) -> Result<PollingStrategy, IggyError> {
    Ok(match kind.unwrap_or("offset") {
        "offset" | "o" => PollingStrategy::Offset(value),
        "timestamp" | "t" => PollingStrategy::Timestamp(value),
        "first" | "f" => PollingStrategy::First,
        "last" | "l" => PollingStrategy::Last,
        "next" | "n" => PollingStrategy::Next,
        _ => return Err(IggyError::InvalidCommand),
    })
}

pub async fn poll(
    state: web::Data<HttpState>,
    caller: Caller,
    path: TopicPath,
    query: web::Query<requests::PollQuery>,
) -> Answer {
    let request = PollRequest {
        consumer: Consumer::Individual(consumer(&query.consumer_id)?),
        stream: identifier(&path.0)?,
        topic: identifier(&path.1)?,
        partition: Some(query.partition_id.unwrap_or(0)),
        strategy: strategy(query.kind.as_deref(), query.value)?,
        count: query.count,
        auto_commit: query.auto_commit,
    };
    let answer = poll_messages::poll(&state.ctx, &caller.session(), request).await?;
    let body = polled_json(&answer)?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

/// `…/flush/{partition_id}/{fsync}`: the last segment is `true`/`false` as the original
/// routes it, or `fsync=true`/`fsync=false` as the SDK 0.10 sends it.
pub async fn flush(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<(String, String, u32, String)>,
) -> Answer {
    let (stream, topic, partition_id, fsync) = path.into_inner();
    let fsync = match fsync.strip_prefix("fsync=").unwrap_or(&fsync) {
        "true" => true,
        "false" => false,
        _ => return Err(IggyError::InvalidCommand.into()),
    };
    flush_unsaved_buffer::handle(
        &state.ctx,
        &caller.session(),
        identifier(&stream)?,
        identifier(&topic)?,
        partition_id,
        fsync,
    )
    .await?;
    Ok(HttpResponse::Ok().finish())
}
