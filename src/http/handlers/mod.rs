//! The HTTP handlers, one small function per endpoint, grouped like the routes. Each
//! resolves and authorizes through the same engine messages and shared handler functions
//! as the binary transport, then writes JSON.

pub mod groups;
pub mod lag;
pub mod messages;
pub mod streams;
pub mod system;
pub mod users;

use super::error::HttpError;
use actix_web::HttpResponse;

pub type Answer = Result<HttpResponse, HttpError>;

/// 204 for updates and deletions.
pub fn no_content() -> Answer {
    Ok(HttpResponse::NoContent().finish())
}
