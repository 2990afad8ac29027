//! `GET /services/{code}/form`, `POST /applications` and `GET /applications/{number}`.
//!
//! Nothing here logs the request: bodies hold names, document numbers and mobiles, and
//! codes are secrets. Errors name fields, never values.

use api_client::application::IdType;
use api_client::{ApplicationCreated, ApplicationRequest, FieldError, FormDefinition, Receipt};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use super::extract::{
    named_deserialize, shape_problem, ClientAddr, InLanguage, JsonBody, JsonRequest, Lang, Params,
    RawNumber, ServiceCode, IDEMPOTENCY_KEY,
};
use crate::applications::{self, receipt::receipt as receipt_of, submit::submit};
use crate::cases::access::read_parts;
use crate::error::ApiError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/services/{code}/form", get(form))
        .route("/applications", post(create))
        .route("/applications/{number}", get(receipt))
}

// ---------------------------------------------------------------------------------------
// The form

/// The application form of a service: its questions, its material checklist and the upload
/// limits. Only services taken online (网办深度 Ⅲ and up) have one.
#[utoipa::path(
    get,
    path = "/services/{code}/form",
    tag = "applications",
    params(
        ("code" = String, Path, description = "实施编码"),
        ("lang" = Option<String>, Query, description = "The language of the catalogue's texts: `zh-Hans`, `zh-Hant` (converted to Traditional Chinese) or `en` (no English catalogue: Simplified); ahead of `Accept-Language`"),
        ("Accept-Language" = Option<String>, Header, description = "Without `lang`: the most preferred of zh-Hant (zh-TW, zh-HK, zh-MO, zh-Hant…), zh-Hans (other Chinese) and en by q-value; Simplified when none"),
    ),
    responses(
        (status = 200, description = "The form", body = FormDefinition,
            headers(("Content-Language" = String, description = "`zh-Hans` or `zh-Hant`: the script of the catalogue's texts"))),
        (status = 400, description = "`lang` is not one of ours", body = api_client::ErrorBody),
        (status = 404, description = "No service has this code, or it cannot be applied for online", body = api_client::ErrorBody),
    )
)]
pub async fn form(
    State(state): State<AppState>,
    lang: Lang,
    ServiceCode(code): ServiceCode,
) -> Result<InLanguage<FormDefinition>, ApiError> {
    let language = lang.get()?;
    Ok(InLanguage(
        language,
        applications::form(&state, &code, language).await?,
    ))
}

// ---------------------------------------------------------------------------------------
// Submitting

/// Submit an application. A retry with the same `Idempotency-Key` and the same body answers
/// with the same case (the same number and query code) for a day and creates nothing; the
/// key with another body is refused.
#[utoipa::path(
    post,
    path = "/applications",
    tag = "applications",
    params(("Idempotency-Key" = String, Header, description = "8–100 letters, digits, `_` or `-`, new for each application (a UUID); send the same key when retrying")),
    request_body = ApplicationRequest,
    responses(
        (status = 201, description = "The case was created (or had been, with this key)", body = ApplicationCreated),
        (status = 400, description = "Every problem, each naming its field (`applicant.mobile`, `answers.<id>`, `materials.<id>`, `Idempotency-Key`…)", body = api_client::ErrorBody),
        (status = 409, description = "`idempotency_key_expired`: the key was used more than a day ago and its answer is no longer kept", body = api_client::ErrorBody),
        (status = 422, description = "`idempotency_key_reused`: the key was sent before with another body; nothing was created", body = api_client::ErrorBody),
        (status = 503, description = "`numbers_exhausted`: today's acceptance numbers are used up", body = api_client::ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<JsonBody<ApplicationRequest>, ApiError>,
) -> Result<(StatusCode, Json<ApplicationCreated>), ApiError> {
    // The key before the body: a client without one learns that first.
    let key = idempotency_key(&headers)?;
    let JsonBody(req) = body?;
    Ok((StatusCode::CREATED, Json(submit(&state, &key, &req).await?)))
}

fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    super::extract::idempotency_key(headers)?.ok_or_else(|| {
        ApiError::field(
            IDEMPOTENCY_KEY,
            "required",
            "send an Idempotency-Key header: a new random key (e.g. a UUID) per application, the same one when retrying",
        )
    })
}

/// Problems in the applicant are named in detail (serde reports an internally tagged enum as
/// a whole).
impl JsonRequest for ApplicationRequest {
    const WHAT: &'static str = "the application";

    fn from_json(value: &Value) -> Result<Self, ApiError> {
        match serde_path_to_error::deserialize::<_, ApplicationRequest>(value) {
            Ok(req) => Ok(req),
            Err(e) => {
                let path = e.path().to_string();
                if path == "applicant" || path.starts_with("applicant.") {
                    return Err(ApiError::BadRequest(applicant_shape_problems(
                        &value["applicant"],
                    )));
                }
                named_deserialize(value)
            }
        }
    }
}

/// The applicant's shape in detail (serde reports an internally tagged enum as a whole).
fn applicant_shape_problems(applicant: &Value) -> Vec<FieldError> {
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Individual {
        name: String,
        id_type: IdType,
        id_number: String,
        mobile: String,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Organisation {
        name: String,
        uscc: String,
        legal_representative: String,
        contact_name: String,
        mobile: String,
    }
    fn check<T: serde::de::DeserializeOwned>(v: &Value) -> Vec<FieldError> {
        match serde_path_to_error::deserialize::<_, T>(v) {
            Ok(_) => vec![],
            Err(e) => vec![shape_problem(
                "applicant.",
                &e.path().to_string(),
                &e.inner().to_string(),
            )],
        }
    }
    let problems = match applicant.get("type").and_then(Value::as_str) {
        _ if !applicant.is_object() => {
            vec![FieldError::new(
                "applicant",
                if applicant.is_null() {
                    "required"
                } else {
                    "invalid"
                },
                "applicant must be an object",
            )]
        }
        None => vec![FieldError::new(
            "applicant.type",
            "required",
            "applicant.type is required: individual or organisation",
        )],
        Some("individual") => check::<Individual>(applicant),
        Some("organisation") => check::<Organisation>(applicant),
        Some(_) => vec![FieldError::new(
            "applicant.type",
            "invalid",
            "applicant.type must be individual or organisation",
        )],
    };
    if problems.is_empty() {
        vec![FieldError::new(
            "applicant",
            "invalid",
            "applicant has the wrong shape",
        )]
    } else {
        problems
    }
}

// ---------------------------------------------------------------------------------------
// The receipt

/// The receipt (受理回执) of a case, for its acceptance number and query code. An unknown
/// number and a wrong code get the same 404, and count as failed attempts at the number, as
/// for a case lookup; past the limits, 429.
#[utoipa::path(
    get,
    path = "/applications/{number}",
    tag = "applications",
    params(
        ("number" = String, Path, description = "受理号, with or without separators, either case"),
        ("c" = String, Query, description = "The query code (6 characters)"),
        ("lang" = Option<String>, Query, description = "The language of the receipt's texts: `zh-Hans`, `zh-Hant` (from the Traditional catalogue) or `en` (Simplified, as the catalogue); ahead of `Accept-Language`"),
        ("Accept-Language" = Option<String>, Header, description = "Without `lang`: the most preferred of zh-Hant (zh-TW, zh-HK, zh-MO, zh-Hant…), zh-Hans (other Chinese) and en by q-value; Simplified when none"),
    ),
    responses(
        (status = 200, description = "The receipt: no personal data beyond the masked name", body = Receipt,
            headers(("Content-Language" = String, description = "`zh-Hans` or `zh-Hant`: the script of the receipt's texts"))),
        (status = 400, description = "The number is mistyped (its check character does not match), the code is not a code, or `lang` is not one of ours", body = api_client::ErrorBody),
        (status = 404, description = "No application matches this number and code", body = api_client::ErrorBody),
        (status = 429, description = "Too many failed attempts from this address or at this number: see `Retry-After`", body = api_client::ErrorBody),
    )
)]
pub async fn receipt(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    RawNumber(number): RawNumber,
    params: Params,
    lang: Lang,
) -> Result<InLanguage<Receipt>, ApiError> {
    let (number, proof) = read_parts(number.as_deref(), params.get("c"), None, false)?;
    let code = proof.code().unwrap_or_default();
    let language = lang.get()?;
    Ok(InLanguage(
        language,
        receipt_of(&state, addr, &number, code, language).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_problems_name_the_field() {
        let f = shape_problem("", ".", "missing field `service_code`");
        assert_eq!(
            (f.field.as_str(), f.code.as_str()),
            ("service_code", "required")
        );
        let f = shape_problem("applicant.", ".", "missing field `mobile`");
        assert_eq!(f.field, "applicant.mobile");
        let f = shape_problem(
            "",
            "materials.photo[0]",
            "invalid type: integer `5`, expected a string",
        );
        assert_eq!(
            (f.field.as_str(), f.code.as_str()),
            ("materials.photo", "invalid")
        );
        assert!(
            !f.message.contains('5'),
            "messages name fields, not values: {}",
            f.message
        );
    }
}
