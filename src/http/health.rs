//! Health probes (`/livez`, `/readyz`) and the request-size guard.

use super::error::too_large;
use super::HttpState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How long a shard may take to answer `/readyz`.
const SHARD_DEADLINE: Duration = Duration::from_secs(1);

/// The process serves HTTP.
pub async fn livez() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "alive" }))
}

fn not_ready(reason: String) -> HttpResponse {
    HttpResponse::ServiceUnavailable().json(json!({ "status": "not_ready", "reason": reason }))
}

/// Every request but `/livez` while the server starts (`super::serve_while_starting`).
pub async fn starting() -> HttpResponse {
    not_ready("starting".into())
}

/// Ready: the metadata was replayed and every listener bound (the start finished), the
/// server is not shutting down, and every shard's event loop answers within a second.
pub async fn readyz(state: web::Data<HttpState>) -> HttpResponse {
    if !state.ready.load(Ordering::SeqCst) {
        return not_ready("starting".into());
    }
    if state.ctx.is_shutting_down() {
        return not_ready("shutting down".into());
    }
    for (id, shard) in state.shards.iter().enumerate() {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let spawned = shard.spawn_fn(move || {
            let _ = tx.send(());
        });
        let answered =
            spawned && matches!(tokio::time::timeout(SHARD_DEADLINE, rx).await, Ok(Ok(())));
        if !answered {
            return not_ready(format!("shard {id} does not answer"));
        }
    }
    HttpResponse::Ok().json(json!({ "status": "ready", "shards": state.shards.len() }))
}

/// Refuses a request whose announced body exceeds `http.max_request_size` with 413 and
/// the Iggy error body, whatever the endpoint, before the body is read.
pub async fn limit_body(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limit = req
        .app_data::<web::Data<HttpState>>()
        .map(|s| s.ctx.config.http.max_request_size.as_bytes())
        .unwrap_or(u64::MAX);
    let announced = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit) {
        let response = too_large().error_response();
        return Ok(req.into_response(response));
    }
    next.call(req).await.map(|r| r.map_into_boxed_body())
}
