//! The bundles' access to the central API (same origin), and how its errors read to a user.

use std::future::Future;

use api_client::{ApiClient, ClientError, FieldError};

use crate::i18n::{k, t, tf};

/// The API, asking for the catalogue's texts in the visitor's language. Pages fetch anew
/// when the language changes, since the body renders anew (`crate::shell`).
pub fn client() -> ApiClient {
    let client = ApiClient::new("").on_reach(crate::connectivity::note);
    match api_client::Language::parse(crate::i18n::locale().tag()) {
        Some(language) => client.language(language),
        None => client,
    }
}

/// Waits before sending again after a network failure: four tries in all.
const RETRY_DELAYS_MS: [u32; 3] = [1000, 2000, 4000];

/// Sends a request, and again after a network failure (1 s, 2 s, 4 s). Only for requests
/// that may be repeated: the submits carry an Idempotency-Key, so an answer lost on the way
/// back never makes a second case or complaint.
pub async fn with_retry<T, Fut>(send: impl Fn() -> Fut) -> Result<T, ClientError>
where
    Fut: Future<Output = Result<T, ClientError>>,
{
    for delay in RETRY_DELAYS_MS {
        match send().await {
            Err(ClientError::Network(_)) => gloo_timers::future::TimeoutFuture::new(delay).await,
            other => return other,
        }
    }
    send().await
}

/// A user-facing sentence for a failed request.
pub fn error_message(e: &ClientError) -> String {
    match e {
        ClientError::Network(_) => t(k::ERROR_OFFLINE).into(),
        ClientError::Api { status: 400, body } if !body.error.fields.is_empty() => body
            .error
            .fields
            .iter()
            .map(field_message)
            .collect::<Vec<_>>()
            .join(" "),
        ClientError::Api { status: 404, .. } => t(k::ERROR_NOT_FOUND).into(),
        ClientError::Api { status: 429, .. } => t(k::ERROR_BUSY).into(),
        ClientError::Api { body, .. } if body.error.code == "numbers_exhausted" => {
            t(k::ERROR_NUMBERS_EXHAUSTED).into()
        }
        ClientError::Api { body, .. } if body.error.code == "idempotency_key_reused" => {
            t(k::ERROR_KEY_REUSED).into()
        }
        ClientError::Api { body, .. } if body.error.code == "idempotency_key_expired" => {
            t(k::ERROR_KEY_EXPIRED).into()
        }
        ClientError::Api { .. } | ClientError::Decode(_) => t(k::ERROR_SERVER).into(),
    }
}

/// The label users know a request parameter by.
fn field_label(field: &str) -> &'static str {
    match field {
        "q" => t(k::SEARCH_LABEL),
        "department" => t(k::FILTER_DEPARTMENT),
        "audience" => t(k::FILTER_AUDIENCE),
        "topic" => t(k::FILTER_TOPIC),
        "page" | "per_page" => t(k::PAGINATION_PAGE_LABEL),
        "lang" => t(k::LANGUAGE_LABEL),
        _ => t(k::ERROR_FIELD_UNKNOWN),
    }
}

pub fn field_message(f: &FieldError) -> String {
    let label = field_label(&f.field);
    match f.code.as_str() {
        "too_long" => tf(
            k::ERROR_FIELD_TOO_LONG,
            &[
                ("field", label),
                ("max", &api_client::MAX_QUERY_CHARS.to_string()),
            ],
        ),
        "unknown" => tf(k::ERROR_FIELD_NO_SUCH, &[("field", label)]),
        api_client::text::CONTROL_CHARACTER => tf(k::ERROR_FIELD_CONTROL, &[("field", label)]),
        _ => tf(k::ERROR_FIELD_INVALID, &[("field", label)]),
    }
}
