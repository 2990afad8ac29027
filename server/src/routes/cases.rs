//! Case progress for applicants (办件查询): `GET /cases/{number}?c=` with the query code (the
//! QR link), `POST /cases/{number}/lookup` with the code or the applicant's mobile in the body
//! (a mobile never goes in an address: `?mobile=` is a 400), and, with the code only, `POST
//! /cases/{number}/withdraw`, `POST /cases/{number}/supplement` and `GET
//! /cases/{number}/files/{upload_id}` (the applicant's own files).
//!
//! An unknown number, a wrong code and a wrong mobile get the same 404. Failures are counted
//! per client address and per number (`crate::gate`); past the limit every attempt is
//! refused with 429 and `Retry-After`. Nothing here logs the request: codes and mobiles are
//! secrets, and errors name fields, never values.

use api_client::{CaseLookupRequest, CaseView, SupplementReply};
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use super::download;
use super::extract::{ClientAddr, InLanguage, JsonBody, Lang, Params, RawNumber, RawUploadId};
use crate::error::ApiError;
use crate::progress;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{number}", get(case))
        .route("/cases/{number}/lookup", post(lookup))
        .route("/cases/{number}/withdraw", post(withdraw))
        .route("/cases/{number}/supplement", post(supplement))
        .route("/cases/{number}/files/{upload_id}", get(file))
}

/// What `GET /cases/{number}?mobile=` answers: a mobile is personal data, never put in an
/// address.
pub const MOBILE_IN_ADDRESS: &str =
    "send the mobile in the body of POST /cases/{number}/lookup, never in the address";

/// A case's progress by the query code in the address (the QR link): status, timeline,
/// current step, deadline and its light, a supplement request, the result. An unknown number
/// and a wrong code get the same 404. Shows the masked name and no other personal data. A
/// lookup by mobile is `POST /cases/{number}/lookup`.
#[utoipa::path(
    get,
    path = "/cases/{number}",
    tag = "cases",
    params(
        ("number" = String, Path, description = "受理号, with or without separators, either case"),
        ("c" = String, Query, description = "The query code (6 characters). A mobile is never accepted here: `mobile` is a 400 (use `POST /cases/{number}/lookup`)"),
        ("lang" = Option<String>, Query, description = "The language of the answer's texts: `zh-Hans`, `zh-Hant` (names from the Traditional catalogue, staff's texts converted) or `en` (Simplified, as the catalogue); ahead of `Accept-Language`"),
        ("Accept-Language" = Option<String>, Header, description = "Without `lang`: the most preferred of zh-Hant (zh-TW, zh-HK, zh-MO, zh-Hant…), zh-Hans (other Chinese) and en by q-value; Simplified when none"),
    ),
    responses(
        (status = 200, description = "The case as its applicant sees it", body = CaseView,
            headers(("Content-Language" = String, description = "`zh-Hans` or `zh-Hant`: the script of the answer's texts"))),
        (status = 400, description = "The number is mistyped (`number`), the code is missing or malformed (`c`), a mobile was put in the address (`mobile`), or `lang` is not one of ours", body = api_client::ErrorBody),
        (status = 404, description = "No case matches this number and code", body = api_client::ErrorBody),
        (status = 429, description = "Too many failed attempts from this address or at this number: see `Retry-After`", body = api_client::ErrorBody),
    )
)]
pub async fn case(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    RawNumber(number): RawNumber,
    params: Params,
    lang: Lang,
) -> Result<InLanguage<CaseView>, ApiError> {
    if params.get("mobile").is_some() {
        return Err(ApiError::field("mobile", "not_allowed", MOBILE_IN_ADDRESS));
    }
    let language = lang.get()?;
    let view = progress::look_up(
        &state,
        addr,
        number.as_deref(),
        params.get("c"),
        None,
        language,
    )
    .await?;
    Ok(InLanguage(language, view))
}

/// A case's progress, opened by the query code or the applicant's mobile sent in the body
/// (never in the address). The same answers as `GET /cases/{number}`; opened by mobile, the
/// view's tracking address carries no code and the case cannot be rated.
#[utoipa::path(
    post,
    path = "/cases/{number}/lookup",
    tag = "cases",
    params(
        ("number" = String, Path, description = "受理号, with or without separators, either case"),
        ("lang" = Option<String>, Query, description = "The language of the answer's texts: `zh-Hans`, `zh-Hant` (names from the Traditional catalogue, staff's texts converted) or `en` (Simplified, as the catalogue); ahead of `Accept-Language`"),
        ("Accept-Language" = Option<String>, Header, description = "Without `lang`: the most preferred of zh-Hant (zh-TW, zh-HK, zh-MO, zh-Hant…), zh-Hans (other Chinese) and en by q-value; Simplified when none"),
    ),
    request_body = CaseLookupRequest,
    responses(
        (status = 200, description = "The case as its applicant sees it", body = CaseView,
            headers(("Content-Language" = String, description = "`zh-Hans` or `zh-Hant`: the script of the answer's texts"))),
        (status = 400, description = "The number is mistyped (`number`), the code or mobile is missing or malformed (`c`, `mobile`), the body is not a JSON object (`body`, `Content-Type`), or `lang` is not one of ours", body = api_client::ErrorBody),
        (status = 404, description = "No case matches this number and code (or mobile)", body = api_client::ErrorBody),
        (status = 429, description = "Too many failed attempts from this address or at this number: see `Retry-After`", body = api_client::ErrorBody),
    )
)]
pub async fn lookup(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    RawNumber(number): RawNumber,
    lang: Lang,
    JsonBody(req): JsonBody<CaseLookupRequest>,
) -> Result<InLanguage<CaseView>, ApiError> {
    let language = lang.get()?;
    let view = progress::look_up(
        &state,
        addr,
        number.as_deref(),
        req.c.as_deref(),
        req.mobile.as_deref(),
        language,
    )
    .await?;
    Ok(InLanguage(language, view))
}

/// Withdraw a case (撤回) before a decision. Needs the query code.
#[utoipa::path(
    post,
    path = "/cases/{number}/withdraw",
    tag = "cases",
    params(
        ("number" = String, Path, description = "受理号"),
        ("c" = String, Query, description = "The query code"),
        ("lang" = Option<String>, Query, description = "The language of the answer's texts: `zh-Hans`, `zh-Hant` (names from the Traditional catalogue, staff's texts converted) or `en` (Simplified, as the catalogue); ahead of `Accept-Language`"),
        ("Accept-Language" = Option<String>, Header, description = "Without `lang`: the most preferred of zh-Hant (zh-TW, zh-HK, zh-MO, zh-Hant…), zh-Hans (other Chinese) and en by q-value; Simplified when none"),
    ),
    responses(
        (status = 200, description = "Withdrawn: the case as it is now", body = CaseView,
            headers(("Content-Language" = String, description = "`zh-Hans` or `zh-Hant`: the script of the answer's texts"))),
        (status = 400, description = "The number or code is malformed or missing, or `lang` is not one of ours", body = api_client::ErrorBody),
        (status = 404, description = "No case matches this number and code", body = api_client::ErrorBody),
        (status = 409, description = "The case is decided or closed", body = api_client::ErrorBody),
        (status = 429, description = "Too many failed lookups: see `Retry-After`", body = api_client::ErrorBody),
    )
)]
pub async fn withdraw(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    RawNumber(number): RawNumber,
    params: Params,
    lang: Lang,
) -> Result<InLanguage<CaseView>, ApiError> {
    // Before anything changes: a bad `lang` withdraws nothing.
    let language = lang.get()?;
    let view =
        progress::withdraw(&state, addr, number.as_deref(), params.get("c"), language).await?;
    Ok(InLanguage(language, view))
}

/// Send the items a supplement request (补正) asks for: for every item (keyed by its
/// material id, or its index as text), the ids of files sent to `POST /uploads`. Needs the
/// query code. The case stays `supplement_requested` until staff confirm receipt.
#[utoipa::path(
    post,
    path = "/cases/{number}/supplement",
    tag = "cases",
    params(
        ("number" = String, Path, description = "受理号"),
        ("c" = String, Query, description = "The query code"),
        ("lang" = Option<String>, Query, description = "The language of the answer's texts: `zh-Hans`, `zh-Hant` (names from the Traditional catalogue, staff's texts converted) or `en` (Simplified, as the catalogue); ahead of `Accept-Language`"),
        ("Accept-Language" = Option<String>, Header, description = "Without `lang`: the most preferred of zh-Hant (zh-TW, zh-HK, zh-MO, zh-Hant…), zh-Hans (other Chinese) and en by q-value; Simplified when none"),
    ),
    request_body = SupplementReply,
    responses(
        (status = 200, description = "Sent: the case as it is now (`supplement.answered` true)", body = CaseView,
            headers(("Content-Language" = String, description = "`zh-Hans` or `zh-Hant`: the script of the answer's texts"))),
        (status = 400, description = "An item without files, or with files that are not there or used (`materials.<key>`), a malformed body, or `lang` is not one of ours", body = api_client::ErrorBody),
        (status = 404, description = "No case matches this number and code", body = api_client::ErrorBody),
        (status = 409, description = "No supplement is outstanding (none asked, or answered already)", body = api_client::ErrorBody),
        (status = 429, description = "Too many failed lookups: see `Retry-After`", body = api_client::ErrorBody),
    )
)]
pub async fn supplement(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    RawNumber(number): RawNumber,
    params: Params,
    lang: Lang,
    // Read only once the gate has opened (see `progress::answer_supplement`).
    reply: Result<JsonBody<SupplementReply>, ApiError>,
) -> Result<InLanguage<CaseView>, ApiError> {
    // Before anything changes: a bad `lang` sends nothing.
    let language = lang.get()?;
    let view = progress::answer_supplement(
        &state,
        addr,
        number.as_deref(),
        params.get("c"),
        reply.map(|JsonBody(r)| r),
        language,
    )
    .await?;
    Ok(InLanguage(language, view))
}

/// Download a file the applicant sent with the case (listed in the case's `files`), proven
/// by the query code as the case itself is: an unknown number and a wrong code get the same
/// 404, and count as failures.
#[utoipa::path(
    get,
    path = "/cases/{number}/files/{upload_id}",
    tag = "cases",
    params(
        ("number" = String, Path, description = "受理号, with or without separators, either case"),
        ("upload_id" = String, Path, description = "The file's id (`files` of the case)"),
        ("c" = String, Query, description = "The query code"),
    ),
    responses(
        (status = 200, description = "The file (`Content-Disposition: attachment`, `X-Content-Type-Options: nosniff`, `Content-Security-Policy: sandbox`)",
            content(("application/pdf"), ("image/png"), ("image/jpeg"))),
        (status = 400, description = "The number (`number`), the code (`c`) or the upload id (`upload_id`) is malformed or missing", body = api_client::ErrorBody),
        (status = 404, description = "No case matches this number and code, or the case has no file with this id", body = api_client::ErrorBody),
        (status = 429, description = "Too many failed lookups: see `Retry-After`", body = api_client::ErrorBody),
    )
)]
pub async fn file(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    RawNumber(number): RawNumber,
    RawUploadId(id): RawUploadId,
    params: Params,
) -> Result<Response, ApiError> {
    let file = progress::file(
        &state,
        addr,
        number.as_deref(),
        params.get("c"),
        id.as_deref(),
    )
    .await?;
    Ok(download::respond(file))
}
