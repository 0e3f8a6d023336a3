//! Authentication of HTTP requests (`http-api.md` §1.5, §2.3): every path but the public
//! ones needs `Authorization: Bearer <JWT>`; a missing, malformed, expired, foreign or
//! revoked token gets an empty 401 before any handler runs. The verified caller travels
//! to the handler in the request's extensions.

use super::HttpState;
use crate::context::Session;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use iggy_actors::routing;
use iggy_actors::IggyError;
use std::future::{ready, Ready};

/// Paths served without a token: the original's list, plus the health probes.
const PUBLIC: [&str; 8] = [
    "/",
    "/metrics",
    "/ping",
    "/users/login",
    "/users/refresh-token",
    "/personal-access-tokens/login",
    "/livez",
    "/readyz",
];

/// The verified caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: u32,
    pub jti: String,
    /// The token's `exp`, seconds since the epoch.
    pub expiry: u64,
    pub peer: std::net::SocketAddr,
}

impl Caller {
    /// The session the shared handlers act for. HTTP callers are not clients: client id
    /// 0 is never registered, so nothing is bound to it or listed.
    pub fn session(&self) -> Session {
        Session {
            client_id: 0,
            user_id: Some(self.user_id),
            address: self.peer,
        }
    }
}

impl FromRequest for Caller {
    type Error = super::error::HttpError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Caller>()
                .cloned()
                .ok_or(IggyError::Unauthenticated.into()),
        )
    }
}

/// The bearer token of a request, if it has one in the exact `Bearer ` form.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Verifies a token: signature, claims, and not revoked (the routing table's set).
pub fn verify(state: &HttpState, token: &str) -> Result<super::jwt::Verified, IggyError> {
    let verified = state.jwt.verify(token)?;
    if routing::local().revoked_tokens.contains_key(&verified.jti) {
        return Err(IggyError::Unauthenticated);
    }
    Ok(verified)
}

/// The middleware: public paths pass, others need a valid token.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if PUBLIC.contains(&req.path()) {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    }
    let caller = req.app_data::<web::Data<HttpState>>().and_then(|state| {
        let token = bearer(req.request())?;
        let verified = verify(state, token).ok()?;
        Some(Caller {
            user_id: verified.user_id,
            jti: verified.jti,
            expiry: verified.expiry,
            peer: req
                .peer_addr()
                .unwrap_or_else(|| std::net::SocketAddr::from(([0, 0, 0, 0], 0))),
        })
    });
    match caller {
        Some(caller) => {
            req.extensions_mut().insert(caller);
            next.call(req).await.map(|r| r.map_into_boxed_body())
        }
        None => Ok(req.into_response(HttpResponse::Unauthorized().finish())),
    }
}
