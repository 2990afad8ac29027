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
