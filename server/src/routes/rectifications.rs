//! The staff API for the rectifications (整改) poor ratings of the department's cases opened
//! (`Authorization: Bearer owst_…`, see `cases::staff`): the list, and the answer.

use api_client::{RectificationAnswer, StaffRectification};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::extract::{CaseNumber, JsonBody, Number};
use crate::cases::staff::Staff;
use crate::error::ApiError;
use crate::ratings::rectification;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/rectifications", get(rectifications))
        .route("/staff/cases/{number}/rectification", post(answer))
}

/// The rectifications (整改) poor ratings of the department's cases opened: unanswered
/// first, each part by due date, with the due date's light while unanswered.
#[utoipa::path(
    get,
    path = "/staff/rectifications",
    tag = "staff",
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "The rectifications", body = Vec<StaffRectification>),
        (status = 401, description = "No staff token, or not a valid one", body = api_client::ErrorBody),
    )
)]
pub async fn rectifications(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<Vec<StaffRectification>>, ApiError> {
    let catalogue = state.catalogue().await?;
    let list = rectification::list(&state.pool, &catalogue, Some(&staff.department_code)).await?;
    Ok(Json(list.into_iter().map(|l| l.rectification).collect()))
}

/// Answer the rectification a poor rating of a case opened: an explanation (情况说明) and
/// the action taken (整改措施), each 1–2,000 characters; once. The applicant sees both on
/// the track page.
#[utoipa::path(
    post,
    path = "/staff/cases/{number}/rectification",
    tag = "staff",
    security(("staff_token" = [])),
    params(("number" = String, Path, description = "受理号, with or without separators, either case")),
    request_body = RectificationAnswer,
    responses(
        (status = 200, description = "Answered", body = StaffRectification),
        (status = 400, description = "A mistyped number, or a missing or too long `explanation` or `action_taken`", body = api_client::ErrorBody),
        (status = 401, description = "No staff token, or not a valid one", body = api_client::ErrorBody),
        (status = 403, description = "The case belongs to another department", body = api_client::ErrorBody),
        (status = 404, description = "No case has this number, or it has no rectification", body = api_client::ErrorBody),
        (status = 409, description = "Answered already", body = api_client::ErrorBody),
    )
)]
pub async fn answer(
    State(state): State<AppState>,
    staff: Staff,
    Number(number, _): CaseNumber,
    JsonBody(req): JsonBody<RectificationAnswer>,
) -> Result<Json<StaffRectification>, ApiError> {
    let catalogue = state.catalogue().await?;
    Ok(Json(
        rectification::answer(&state.pool, &catalogue, &number, &staff.actor(), &req).await?,
    ))
}
