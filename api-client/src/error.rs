//! The one error shape of the API:
//! `{"error": {"code": "...", "message": "...", "fields": [{"field", "code", "message"}]}}`.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorDetail {
    /// Machine-readable: `bad_request`, `not_found`, `method_not_allowed`, `too_many_requests`,
    /// `too_many_complaints` (429), `idempotency_key_reused` (422), `idempotency_key_expired`
    /// (409), `request_timeout` (408), `uploads_busy` (503), `upload_quota_exceeded` (429),
    /// `insufficient_storage` (507), `numbers_exhausted` (503), `internal`.
    pub code: String,
    /// A human-readable summary (English); clients translate by `code`.
    pub message: String,
    #[serde(default)]
    pub fields: Vec<FieldError>,
}

/// One invalid field or parameter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FieldError {
    /// The parameter or JSON field, e.g. `per_page`.
    pub field: String,
    /// Machine-readable reason: `invalid`, `out_of_range`, `too_long`, `unknown`, `required`.
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}
