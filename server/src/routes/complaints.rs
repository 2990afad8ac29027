//! Complaints for the public (投诉): `POST /complaints` files one, `GET /complaints/{number}`
//! follows it with its query code, `POST /complaints/{number}/rating` rates its handling
//! (`complaints::{file, access}`). Nothing here logs the request: it holds names, mobiles and
//! codes.

use api_client::{ComplaintCreated, ComplaintRequest, ComplaintView, HandlingRatingRequest};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::extract::{self, ClientAddr, InLanguage, JsonBody, Lang, Params, RawNumber};
use crate::cases::access::read_parts;
use crate::complaints::{access, file::file};
use crate::error::ApiError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/complaints", post(create))
        .route("/complaints/{number}", get(complaint))
        .route("/complaints/{number}/rating", post(rate))
}

/// The complaint number and its code from the path and the query string, or a 400 naming
/// each bad one (before any database access).
fn number_and_code(number: Option<&str>, params: &Params) -> Result<(String, String), ApiError> {
    let (number, proof) = read_parts(number, params.get("c"), None, false)?;
    let code = proof.code().unwrap_or_default().to_string();
    Ok((number, code))
}

/// File a complaint: about a case (its number and query code), a service, a department, a
/// member of staff or the portal or kiosk itself; named (name and mobile: staff may call
/// back, no page shows the mobile) or anonymous. The answer's number and code are all that
/// opens it again. A retry with the same `Idempotency-Key` and body answers with the same
/// complaint for a day; the key with another body is refused. New filings are limited per
/// client address (`--complaints-per-addr`).
#[utoipa::path(
    post,
    path = "/complaints",
    tag = "complaints",
    params(("Idempotency-Key" = Option<String>, Header, description = "8–100 letters, digits, `_` or `-`, new for each complaint (a UUID); the same when retrying. Without it every request files a new complaint")),
    request_body = ComplaintRequest,
    responses(
        (status = 201, description = "Filed (or filed before, with this key): the number, the query code and the reply's due date", body = ComplaintCreated),
        (status = 400, description = "Every problem, each naming its field: `subject.ref`, `subject.code` (`no_match`: no case matches this number and code), `category`, `description`, `contact`, `contact.name`, `contact.mobile`, `attachments`, `Idempotency-Key`", body = api_client::ErrorBody),
        (status = 409, description = "`idempotency_key_expired`: the key was used more than a day ago and its answer is no longer kept", body = api_client::ErrorBody),
        (status = 422, description = "`idempotency_key_reused`: the key was sent before with another body; nothing was created", body = api_client::ErrorBody),
        (status = 429, description = "Too many failed case lookups from this address or of this case, or (`too_many_complaints`) too many complaints from this address: see `Retry-After`", body = api_client::ErrorBody),
        (status = 503, description = "`numbers_exhausted`: today's numbers are used up", body = api_client::ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    body: Result<JsonBody<ComplaintRequest>, ApiError>,
) -> Result<(StatusCode, Json<ComplaintCreated>), ApiError> {
    // The key before the body, as for applications.
    let key = extract::idempotency_key(&headers)?;
    let JsonBody(req) = body?;
    let created = file(&state, addr, key.as_deref(), &req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// A complaint as its complainant follows it: status, the replies, the reply's due date and
/// its light while a reply is awaited. Needs the query code; shows a named complainant's
/// masked name and never the mobile.
#[utoipa::path(
    get,
    path = "/complaints/{number}",
    tag = "complaints",
    params(
        ("number" = String, Path, description = "The complaint number, with or without separators, either case"),
        ("c" = String, Query, description = "The complaint's query code"),
        ("lang" = Option<String>, Query, description = "The language of the answer's texts: `zh-Hans`, `zh-Hant` (names from the Traditional catalogue, staff's replies converted) or `en` (Simplified, as the catalogue); ahead of `Accept-Language`"),
        ("Accept-Language" = Option<String>, Header, description = "Without `lang`: the most preferred of zh-Hant (zh-TW, zh-HK, zh-MO, zh-Hant…), zh-Hans (other Chinese) and en by q-value; Simplified when none"),
    ),
    responses(
        (status = 200, description = "The complaint", body = ComplaintView,
            headers(("Content-Language" = String, description = "`zh-Hans` or `zh-Hant`: the script of the answer's texts"))),
        (status = 400, description = "The number is mistyped (`number`), the code is missing or malformed (`c`), or `lang` is not one of ours", body = api_client::ErrorBody),
        (status = 404, description = "No complaint matches this number and code", body = api_client::ErrorBody),
        (status = 429, description = "Too many failed lookups: see `Retry-After`", body = api_client::ErrorBody),
    )
)]
pub async fn complaint(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    RawNumber(number): RawNumber,
    params: Params,
    lang: Lang,
) -> Result<InLanguage<ComplaintView>, ApiError> {
    let (number, code) = number_and_code(number.as_deref(), &params)?;
    let language = lang.get()?;
    Ok(InLanguage(
        language,
        access::follow(&state, addr, &number, &code, language).await?,
    ))
}

/// Rate how a complaint was handled (1–5, 5 = 非常满意), once, after a reply. Needs the
/// query code.
#[utoipa::path(
    post,
    path = "/complaints/{number}/rating",
    tag = "complaints",
    params(
        ("number" = String, Path, description = "The complaint number"),
        ("c" = String, Query, description = "The complaint's query code"),
        ("lang" = Option<String>, Query, description = "The language of the answer's texts: `zh-Hans`, `zh-Hant` (names from the Traditional catalogue, staff's replies converted) or `en` (Simplified, as the catalogue); ahead of `Accept-Language`"),
        ("Accept-Language" = Option<String>, Header, description = "Without `lang`: the most preferred of zh-Hant (zh-TW, zh-HK, zh-MO, zh-Hant…), zh-Hans (other Chinese) and en by q-value; Simplified when none"),
    ),
    request_body = HandlingRatingRequest,
    responses(
        (status = 200, description = "Rated: the complaint as it is now", body = ComplaintView,
            headers(("Content-Language" = String, description = "`zh-Hans` or `zh-Hant`: the script of the answer's texts"))),
        (status = 400, description = "A malformed number, code or body (`number`, `c`, `level`, `comment`) or `lang` not one of ours", body = api_client::ErrorBody),
        (status = 404, description = "No complaint matches this number and code", body = api_client::ErrorBody),
        (status = 409, description = "Not replied to yet, or rated already", body = api_client::ErrorBody),
        (status = 429, description = "Too many failed lookups: see `Retry-After`", body = api_client::ErrorBody),
    )
)]
pub async fn rate(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    RawNumber(number): RawNumber,
    params: Params,
    lang: Lang,
    body: Result<JsonBody<HandlingRatingRequest>, ApiError>,
) -> Result<InLanguage<ComplaintView>, ApiError> {
    // The number and code before the body, and a bad `lang` before anything is stored.
    let (number, code) = number_and_code(number.as_deref(), &params)?;
    let language = lang.get()?;
    let JsonBody(req) = body?;
    Ok(InLanguage(
        language,
        access::rate(&state, addr, &number, &code, &req, language).await?,
    ))
}
