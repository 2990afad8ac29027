//! The one API error type. Every handler returns `Result<_, ApiError>`, and every error
//! becomes the one JSON shape of `api_client::ErrorBody`.

use std::time::Duration;

use api_client::{ErrorBody, ErrorDetail, FieldError};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid request")]
    BadRequest(Vec<FieldError>),
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    /// No credentials, or credentials that are not (or no longer) valid.
    #[error("{0}")]
    Unauthorized(String),
    /// A 401 with a code of its own, for clients that tell the cases apart (a kiosk that is
    /// not registered, a visit that cannot be rated).
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    /// Valid credentials that do not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// The resource's state does not allow this (e.g. an action a case's status forbids).
    #[error("{0}")]
    Conflict(String),
    /// Too many failed attempts (wrong codes): refused for this long (429, `Retry-After`).
    #[error("too many failed attempts")]
    TooManyRequests(Duration),
    /// The request (or an upload's next bytes) did not arrive in time (408): the message
    /// says how long was allowed.
    #[error("{0}")]
    RequestTimeout(String),
    /// As many uploads as allowed are being received: try again after this long (503).
    #[error("too many uploads at once")]
    UploadsBusy(Duration),
    /// This client address has uploaded its quota: more after this long (429).
    #[error("upload quota used up")]
    UploadQuota(Duration),
    /// The data directory's disk is below its free-space floor (507).
    #[error("{0}")]
    InsufficientStorage(String),
    /// An `Idempotency-Key` sent again with another request (422 `idempotency_key_reused`):
    /// a key names one request, and nothing was created.
    #[error("this idempotency key was sent before with another request")]
    KeyReused,
    /// An `Idempotency-Key` whose answer is no longer kept (409 `idempotency_key_expired`):
    /// it was used more than a day ago, or before the server kept answers.
    #[error("the answer to this idempotency key is no longer kept")]
    KeyExpired,
    /// Too many new complaints from one address (429 `too_many_complaints`, `Retry-After`).
    #[error("too many complaints from this address")]
    TooManyFilings(Duration),
    /// The day's series of numbers is used up (503 `numbers_exhausted`).
    #[error("today's acceptance numbers are used up")]
    NumbersExhausted,
    /// A database error: retried where it is transient (`db::retry`), otherwise a 500.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        ApiError::BadRequest(vec![FieldError::new(field, code, message)])
    }
}

/// Each error's field and code, for tests to compare.
#[cfg(test)]
pub fn field_codes(errors: &[FieldError]) -> Vec<(&str, &str)> {
    errors
        .iter()
        .map(|e| (e.field.as_str(), e.code.as_str()))
        .collect()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, fields) = match self {
            ApiError::BadRequest(fields) => {
                let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
                let message = format!("invalid: {}", names.join(", "));
                (StatusCode::BAD_REQUEST, "bad_request", message, fields)
            }
            ApiError::NotFound(what) => (StatusCode::NOT_FOUND, "not_found", what, vec![]),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed".into(),
                vec![],
            ),
            ApiError::Unauthorized(what) => {
                (StatusCode::UNAUTHORIZED, "unauthorized", what, vec![])
            }
            ApiError::Refused { code, message } => {
                (StatusCode::UNAUTHORIZED, code, message, vec![])
            }
            ApiError::Forbidden(what) => (StatusCode::FORBIDDEN, "forbidden", what, vec![]),
            ApiError::Conflict(what) => (StatusCode::CONFLICT, "conflict", what, vec![]),
            ApiError::KeyReused => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was sent before with another request: send a new key for a new request, and the same request when retrying".into(),
                vec![],
            ),
            ApiError::KeyExpired => (
                StatusCode::CONFLICT,
                "idempotency_key_expired",
                "this Idempotency-Key was used more than a day ago and its answer is no longer kept: look the case up with its number and query code, or send a new key for a new request".into(),
                vec![],
            ),
            ApiError::NumbersExhausted => (
                StatusCode::SERVICE_UNAVAILABLE,
                "numbers_exhausted",
                "today's acceptance numbers are used up: please try again tomorrow, or apply at the service hall".into(),
                vec![],
            ),
            ApiError::TooManyRequests(wait) => {
                let secs = retry_after_secs(wait);
                return with_retry_after(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    format!("too many failed lookups: try again in {secs} seconds"),
                    secs,
                );
            }
            ApiError::TooManyFilings(wait) => {
                let secs = retry_after_secs(wait);
                return with_retry_after(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_complaints",
                    format!("too many complaints from this address: try again in {secs} seconds"),
                    secs,
                );
            }
            ApiError::RequestTimeout(what) => {
                let mut response =
                    error_response(StatusCode::REQUEST_TIMEOUT, "request_timeout", what, vec![]);
                // The rest of a late body is not read: the connection cannot carry another.
                response.headers_mut().insert(
                    axum::http::header::CONNECTION,
                    HeaderValue::from_static("close"),
                );
                return response;
            }
            ApiError::UploadsBusy(wait) => {
                let secs = retry_after_secs(wait);
                return with_retry_after(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "uploads_busy",
                    format!("the server is receiving as many files as it can: try again in {secs} seconds"),
                    secs,
                );
            }
            ApiError::UploadQuota(wait) => {
                let secs = retry_after_secs(wait);
                return with_retry_after(
                    StatusCode::TOO_MANY_REQUESTS,
                    "upload_quota_exceeded",
                    format!("this address has uploaded as much as it may for now: try again in {secs} seconds"),
                    secs,
                );
            }
            ApiError::InsufficientStorage(what) => (
                StatusCode::INSUFFICIENT_STORAGE,
                "insufficient_storage",
                what,
                vec![],
            ),
            ApiError::Database(e) => {
                // The cause goes to the log (it holds no request data), never to the client.
                tracing::error!("database error: {e}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal server error".into(),
                    vec![],
                )
            }
            ApiError::Internal(e) => {
                // The cause goes to the log (it holds no request data), never to the client.
                tracing::error!("internal error: {e:#}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal server error".into(),
                    vec![],
                )
            }
        };
        let mut response = error_response(status, code, message, fields);
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

fn error_response(
    status: StatusCode,
    code: &str,
    message: String,
    fields: Vec<FieldError>,
) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.into(),
            message,
            fields,
        },
    };
    (status, Json(body)).into_response()
}

/// An error the client may retry after `secs` seconds (`Retry-After`).
fn with_retry_after(status: StatusCode, code: &str, message: String, secs: u64) -> Response {
    let mut response = error_response(status, code, message, vec![]);
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(secs));
    response
}

/// Whole seconds for `Retry-After`, rounded up (at least 1).
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }
}
