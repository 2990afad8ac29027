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
            ApiError::TooManyRequests(wait) => {
                let secs = retry_after_secs(wait);
                let message = format!("too many failed lookups: try again in {secs} seconds");
                let mut response = error_response(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    message,
                    vec![],
                );
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(secs));
                return response;
            }
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
