//! `POST /cases/{number}/lookup`: a case's progress opened by its query code or by the
//! applicant's mobile, sent in the body so that neither ends up in an address (browser
//! history, proxy and server logs, `Referer`). The QR link's `GET /cases/{number}?c=` stays;
//! `GET /cases/{number}?mobile=` is refused (400 on `mobile`).

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::text::TextAreas;
use crate::{ApiClient, CaseView, ClientError};

impl TextAreas for CaseLookupRequest {
    const TEXT_AREAS: &'static [&'static str] = &[];
}

/// The proof of a lookup: the query code (`c`), or the applicant's mobile when the code is
/// not at hand (the view's tracking address then carries no code, and the case cannot be
/// rated). When both are given, the code is used.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CaseLookupRequest {
    /// The query code (6 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c: Option<String>,
    /// The applicant's mobile (11 digits; `+86`, spaces and hyphens are allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
}

impl CaseLookupRequest {
    pub fn code(code: &str) -> Self {
        CaseLookupRequest {
            c: Some(code.to_string()),
            mobile: None,
        }
    }

    pub fn mobile(mobile: &str) -> Self {
        CaseLookupRequest {
            c: None,
            mobile: Some(mobile.to_string()),
        }
    }
}

impl ApiClient {
    /// A case's progress by its number and `req` (the code or the mobile), sent in the body.
    /// An unknown number and a wrong code or mobile are the same 404; repeated failures 429.
    pub async fn look_up_case(
        &self,
        number: &str,
        req: &CaseLookupRequest,
    ) -> Result<CaseView, ClientError> {
        let path = format!("/cases/{}/lookup", crate::query::encode(number));
        self.post(&self.in_language(&path), req, &[]).await
    }
}
