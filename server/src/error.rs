//! The one API error type. Every handler returns `Result<_, ApiError>`, and every error
//! becomes the one JSON shape of `api_client::ErrorBody`.

use api_client::{ErrorBody, ErrorDetail, FieldError};
use axum::http::StatusCode;
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
    /// Valid credentials that do not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// The resource's state does not allow this (e.g. an action a case's status forbids).
    #[error("{0}")]
    Conflict(String),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::Internal(e.into())
    }
}

impl ApiError {
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        ApiError::BadRequest(vec![FieldError::new(field, code, message)])
    }
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
            ApiError::Forbidden(what) => (StatusCode::FORBIDDEN, "forbidden", what, vec![]),
            ApiError::Conflict(what) => (StatusCode::CONFLICT, "conflict", what, vec![]),
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
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message,
                fields,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
