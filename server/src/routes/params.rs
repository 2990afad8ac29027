//! Query-string parsing that never fails with a bare 400: every bad parameter becomes a
//! `FieldError` naming it.

use api_client::FieldError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::ApiError;

/// The decoded query string, in order. A parameter given twice keeps its first value.
pub struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or("");
        let pairs = form_urlencoded::parse(raw.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        Ok(Params(pairs))
    }
}

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// An optional integer parameter within `range`, recording a problem in `errors`.
    pub fn int(&self, name: &str, range: std::ops::RangeInclusive<u32>, errors: &mut Vec<FieldError>) -> Option<u32> {
        let raw = self.get(name)?;
        match raw.trim().parse::<i64>() {
            Ok(n) if n >= *range.start() as i64 && n <= *range.end() as i64 => Some(n as u32),
            Ok(_) => {
                errors.push(FieldError::new(
                    name,
                    "out_of_range",
                    format!("{name} must be between {} and {}", range.start(), range.end()),
                ));
                None
            }
            Err(_) => {
                errors.push(FieldError::new(name, "invalid", format!("{name} must be a whole number")));
                None
            }
        }
    }
}

/// The request body as a JSON object, or a 400 naming what is wrong with it. `what` names
/// the body in messages ("the application", "the reply").
pub fn json_object(
    headers: &axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
    what: &str,
) -> Result<serde_json::Value, ApiError> {
    if let Some(ct) = headers.get(axum::http::header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
        let essence = ct.split(';').next().unwrap_or("").trim();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(ApiError::field("Content-Type", "unsupported", format!("send {what} as JSON (Content-Type: application/json)")));
        }
    }
    let bytes = body.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::field("body", "too_large", format!("{what} is too large (files go to POST /uploads)"))
        } else {
            ApiError::field("body", "invalid", "the request body could not be read")
        }
    })?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::field("body", "invalid_json", format!("the body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::field("body", "invalid", "the body must be a JSON object"));
    }
    Ok(value)
}
