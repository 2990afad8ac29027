//! The staff API for complaints (`Authorization: Bearer owst_…`, see `cases::staff`): the
//! department's complaints (the complaints office: every one, the unassigned ones its own),
//! and their handling (assign, reply, close). The rectifications are in `rectifications`.
//!
//! Nothing here logs the request: complaints hold names and mobiles.

use api_client::{ComplaintAction, StaffComplaint, StaffComplaintPage};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::extract::{ComplaintNumber, JsonBody, Number, Params};
use crate::cases::staff::Staff;
use crate::complaints::staff as complaints;
use crate::error::ApiError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/complaints", get(list))
        .route("/staff/complaints/{number}", get(complaint))
        .route("/staff/complaints/{number}/actions", post(act))
}

/// The complaints of the staff member's department (for the complaints office: every
/// complaint, those of no department among them), a page at a time: awaiting a reply first
/// (red, yellow, green, then by due date), then the others, newest first.
#[utoipa::path(
    get,
    path = "/staff/complaints",
    tag = "staff",
    security(("staff_token" = [])),
    params(
        ("status" = Option<String>, Query, description = "Only complaints in this status: received, assigned, replied or closed"),
        ("page" = Option<u32>, Query, description = "Page number from 1 (default 1)"),
        ("per_page" = Option<u32>, Query, description = "1–100, default 50"),
    ),
    responses(
        (status = 200, description = "One page of the complaints, and how many there are", body = StaffComplaintPage),
        (status = 400, description = "An unknown `status`, a bad `page` or `per_page`", body = api_client::ErrorBody),
        (status = 401, description = "No staff token, or not a valid one", body = api_client::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    params: Params,
) -> Result<Json<StaffComplaintPage>, ApiError> {
    let status = complaints::parse_status(params.get("status"))?;
    let paging = params.paging()?;
    let catalogue = state.catalogue().await?;
    let actor = staff.actor();
    let scope =
        complaints::Scope::of(&actor).ok_or_else(|| ApiError::Forbidden("staff only".into()))?;
    Ok(Json(
        complaints::list(&state.pool, &catalogue, scope, status, paging).await?,
    ))
}

/// A complaint in full: the description, the contact of a named complainant (to call
/// back), the attachments' upload ids, the replies and the handling's rating.
#[utoipa::path(
    get,
    path = "/staff/complaints/{number}",
    tag = "staff",
    security(("staff_token" = [])),
    params(("number" = String, Path, description = "The complaint number, with or without separators")),
    responses(
        (status = 200, description = "The complaint", body = StaffComplaint),
        (status = 400, description = "A mistyped number", body = api_client::ErrorBody),
        (status = 401, description = "No staff token, or not a valid one", body = api_client::ErrorBody),
        (status = 403, description = "The complaint belongs to another department, or to the complaints office", body = api_client::ErrorBody),
        (status = 404, description = "No complaint has this number", body = api_client::ErrorBody),
    )
)]
pub async fn complaint(
    State(state): State<AppState>,
    staff: Staff,
    Number(number, _): ComplaintNumber,
) -> Result<Json<StaffComplaint>, ApiError> {
    let catalogue = state.catalogue().await?;
    Ok(Json(
        complaints::show(&state.pool, &catalogue, &staff.actor(), &number).await?,
    ))
}

/// Handle a complaint: `assign` (`department`: to the staff member's own department or
/// another; a complaint of another department cannot be taken), `reply` (`text`, up to
/// 2,000 characters; after an assignment, again after a reply), `close` (after a reply).
/// Every action is recorded; the complainant reads the replies.
#[utoipa::path(
    post,
    path = "/staff/complaints/{number}/actions",
    tag = "staff",
    security(("staff_token" = [])),
    params(("number" = String, Path, description = "The complaint number, with or without separators")),
    request_body = ComplaintAction,
    responses(
        (status = 200, description = "Done: the complaint as it is now", body = StaffComplaint),
        (status = 400, description = "A mistyped number, or a missing or invalid field (`action`, `department`, `text`)", body = api_client::ErrorBody),
        (status = 401, description = "No staff token, or not a valid one", body = api_client::ErrorBody),
        (status = 403, description = "The complaint belongs to another department, or to the complaints office", body = api_client::ErrorBody),
        (status = 404, description = "No complaint has this number", body = api_client::ErrorBody),
        (status = 409, description = "The complaint's status does not allow this action", body = api_client::ErrorBody),
    )
)]
pub async fn act(
    State(state): State<AppState>,
    staff: Staff,
    Number(number, _): ComplaintNumber,
    JsonBody(req): JsonBody<ComplaintAction>,
) -> Result<Json<StaffComplaint>, ApiError> {
    let catalogue = state.catalogue().await?;
    Ok(Json(
        complaints::act(&state.pool, &catalogue, &staff.actor(), &number, &req).await?,
    ))
}
