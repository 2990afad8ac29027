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
            ApiError::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed".into(), vec![])
            }
            ApiError::Internal(e) => {
                // The cause goes to the log (it holds no request data), never to the client.
                tracing::error!("internal error: {e:#}");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal server error".into(), vec![])
            }
        };
        let body = ErrorBody { error: ErrorDetail { code: code.into(), message, fields } };
        (status, Json(body)).into_response()
    }
}
