//! How errors look over HTTP (`http-api.md` §1.4): an Iggy error becomes a status and the
//! JSON body `{id, code, reason, field}`; framework errors (malformed JSON, bad query or
//! path) are plain text, as the original answers them.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use iggy_actors::IggyError;
use serde::Serialize;

/// An error answered by an HTTP handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpError {
    Iggy(IggyError),
    /// The generic "not found" of read handlers whose lookup came back empty.
    NotFound,
}

impl From<IggyError> for HttpError {
    fn from(e: IggyError) -> Self {
        HttpError::Iggy(e)
    }
}

impl From<actix::MailboxError> for HttpError {
    fn from(e: actix::MailboxError) -> Self {
        HttpError::Iggy(e.into())
    }
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Iggy(e) => write!(f, "{e}"),
            HttpError::NotFound => write!(f, "Resource not found"),
        }
    }
}

#[derive(Serialize)]
struct ErrorBody {
    id: u32,
    code: String,
    reason: String,
    field: Option<&'static str>,
}

/// The snake_case name of an error variant: `StreamIdNotFound` → `stream_id_not_found`.
pub fn code_name(e: IggyError) -> String {
    let mut name = String::new();
    for (i, c) in format!("{e:?}").chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                name.push('_');
            }
            name.push(c.to_ascii_lowercase());
        } else {
            name.push(c);
        }
    }
    name
}

/// The status the original gives an Iggy error.
pub fn status_of(e: IggyError) -> StatusCode {
    use IggyError::*;
    match e {
        StreamIdNotFound
        | TopicIdNotFound
        | PartitionNotFound
        | ClientNotFound
        | ConsumerGroupIdNotFound
        | ConsumerGroupMemberNotFound
        | ConsumerOffsetNotFound
        | ResourceNotFound => StatusCode::NOT_FOUND,
        Unauthenticated | AccessTokenMissing | InvalidAccessToken => StatusCode::UNAUTHORIZED,
        Unauthorized => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// The input field an error names, for the errors the original names one for.
fn field_of(e: IggyError) -> Option<&'static str> {
    use IggyError::*;
    Some(match e {
        StreamIdNotFound => "stream_id",
        TopicIdNotFound => "topic_id",
        PartitionNotFound => "partition_id",
        ClientNotFound => "client_id",
        InvalidOffset => "offset",
        InvalidStreamName
        | StreamNameAlreadyExists
        | InvalidTopicName
        | TopicNameAlreadyExists
        | ConsumerGroupNameAlreadyExists
        | PersonalAccessTokenAlreadyExists => "name",
        UserAlreadyExists => "username",
        _ => return None,
    })
}

impl ResponseError for HttpError {
    fn status_code(&self) -> StatusCode {
        match self {
            HttpError::Iggy(e) => status_of(*e),
            HttpError::NotFound => StatusCode::NOT_FOUND,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let body = match *self {
            HttpError::Iggy(e) => ErrorBody {
                id: e.code(),
                code: code_name(e),
                reason: e.to_string(),
                field: field_of(e),
            },
            HttpError::NotFound => ErrorBody {
                id: 404,
                code: "not_found".into(),
                reason: "Resource not found".into(),
                field: None,
            },
        };
        HttpResponse::build(self.status_code()).json(body)
    }
}

/// A plain-text framework error (400, 413, 415, 422), as the original's framework gives.
#[derive(Debug)]
pub struct PlainError {
    pub status: StatusCode,
    pub text: String,
}

impl std::fmt::Display for PlainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl ResponseError for PlainError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status)
            .content_type("text/plain; charset=utf-8")
            .body(self.text.clone())
    }
}

/// Errors of the JSON body extractor: too large → 413 with the Iggy body (the request is
/// refused before it is read), wrong content type → 415, malformed JSON → 400, JSON of
/// the wrong shape → 422.
pub fn json_error(err: actix_web::error::JsonPayloadError) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    let plain = |status, text: String| PlainError { status, text }.into();
    match err {
        J::Overflow { .. } | J::OverflowKnownLength { .. } => too_large(),
        J::ContentType => plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Expected request with `Content-Type: application/json`".into(),
        ),
        J::Deserialize(e) if e.is_data() => plain(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Failed to deserialize the JSON body into the target type: {e}"),
        ),
        J::Deserialize(e) => plain(
            StatusCode::BAD_REQUEST,
            format!("Failed to parse the request body as JSON: {e}"),
        ),
        other => plain(
            StatusCode::BAD_REQUEST,
            format!("Invalid request body: {other}"),
        ),
    }
}

/// A body over `http.max_request_size`: 413 with the Iggy error body.
pub fn too_large() -> actix_web::Error {
    let body = ErrorBody {
        id: 413,
        code: "payload_too_large".into(),
        reason: "The request body is larger than http.max_request_size.".into(),
        field: None,
    };
    actix_web::error::InternalError::from_response(
        "payload too large",
        HttpResponse::PayloadTooLarge().json(body),
    )
    .into()
}

pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    PlainError {
        status: StatusCode::BAD_REQUEST,
        text: format!("Failed to deserialize query string: {err}"),
    }
    .into()
}

pub fn path_error(
    err: actix_web::error::PathError,
    req: &actix_web::HttpRequest,
) -> actix_web::Error {
    PlainError {
        status: StatusCode::BAD_REQUEST,
        text: format!("Invalid URL: {err} ({})", req.path()),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_statuses_and_fields_follow_the_original() {
        assert_eq!(
            code_name(IggyError::StreamIdNotFound),
            "stream_id_not_found"
        );
        assert_eq!(
            code_name(IggyError::InvalidCredentials),
            "invalid_credentials"
        );
        assert_eq!(
            status_of(IggyError::InvalidCredentials),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(status_of(IggyError::Unauthorized), StatusCode::FORBIDDEN);
        assert_eq!(
            status_of(IggyError::ResourceNotFound),
            StatusCode::NOT_FOUND
        );
        assert_eq!(field_of(IggyError::UserAlreadyExists), Some("username"));
        assert_eq!(field_of(IggyError::Error), None);
    }
}
