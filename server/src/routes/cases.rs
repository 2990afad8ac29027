//! Case progress for applicants (办件查询): `GET /cases/{number}` with the query code (`?c=`)
//! or the applicant's mobile (`?mobile=`), and, with the code only, `POST
//! /cases/{number}/withdraw` and `POST /cases/{number}/supplement`.
//!
//! An unknown number, a wrong code and a wrong mobile get the same 404. Failures are counted
//! per client address and per number (`cases::throttle`); past the limit every lookup is
//! refused with 429 and `Retry-After`. Nothing here logs the request: codes and mobiles are
//! secrets, and errors name fields, never values.

use api_client::{CaseView, SupplementReply};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::extract::{ClientAddr, JsonBody, Params, RawNumber};
use crate::error::ApiError;
use crate::progress;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{number}", get(case))
        .route("/cases/{number}/withdraw", post(withdraw))
        .route("/cases/{number}/supplement", post(supplement))
}

/// A case's progress: status, timeline, current step, deadline and its light, a supplement
/// request, the result. Opened by the query code or the applicant's mobile; an unknown number
/// and a wrong code or mobile get the same 404. Shows the masked name and no other personal
/// data.
#[utoipa::path(
    get,
    path = "/cases/{number}",
    tag = "cases",
    params(
        ("number" = String, Path, description = "受理号, with or without separators, either case"),
        ("c" = Option<String>, Query, description = "The query code (6 characters); or give `mobile`"),
        ("mobile" = Option<String>, Query, description = "The applicant's mobile, when the code is not at hand (the tracking address then carries no code)"),
    ),
    responses(
        (status = 200, description = "The case as its applicant sees it", body = CaseView),
        (status = 400, description = "The number is mistyped (`number`), or the code or mobile is missing or malformed (`c`, `mobile`)", body = api_client::ErrorBody),
        (status = 404, description = "No case matches this number and code (or mobile)", body = api_client::ErrorBody),
        (status = 429, description = "Too many failed lookups from this address or of this number: see `Retry-After`", body = api_client::ErrorBody),
    )
)]
pub async fn case(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    RawNumber(number): RawNumber,
    params: Params,
) -> Result<Json<CaseView>, ApiError> {
    let view = progress::look_up(
        &state,
        addr,
        number.as_deref(),
        params.get("c"),
        params.get("mobile"),
    )
    .await?;
    Ok(Json(view))
}

/// Withdraw a case (撤回) before a decision. Needs the query code.
#[utoipa::path(
    post,
    path = "/cases/{number}/withdraw",
    tag = "cases",
    params(
        ("number" = String, Path, description = "受理号"),
        ("c" = String, Query, description = "The query code"),
    ),
    responses(
        (status = 200, description = "Withdrawn: the case as it is now", body = CaseView),
        (status = 400, description = "The number or code is malformed or missing", body = api_client::ErrorBody),
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
) -> Result<Json<CaseView>, ApiError> {
    let view = progress::withdraw(&state, addr, number.as_deref(), params.get("c")).await?;
    Ok(Json(view))
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
    ),
    request_body = SupplementReply,
    responses(
        (status = 200, description = "Sent: the case as it is now (`supplement.answered` true)", body = CaseView),
        (status = 400, description = "An item without files, or with files that are not there or used (`materials.<key>`), or a malformed body", body = api_client::ErrorBody),
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
    // Read only once the gate has opened (see `progress::answer_supplement`).
    reply: Result<JsonBody<SupplementReply>, ApiError>,
) -> Result<Json<CaseView>, ApiError> {
    let view = progress::answer_supplement(
        &state,
        addr,
        number.as_deref(),
        params.get("c"),
        reply.map(|JsonBody(r)| r),
    )
    .await?;
    Ok(Json(view))
}
