//! The staff API for the rectifications (整改) poor ratings of the department's cases opened
//! (`Authorization: Bearer owst_…`, see `cases::staff`): the list, and the answer.

use api_client::{RectificationAnswer, RectificationPage, StaffRectification};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::extract::{CaseNumber, JsonBody, Number, Params};
use crate::cases::staff::Staff;
use crate::error::ApiError;
use crate::ratings::rectification;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/rectifications", get(rectifications))
        .route("/staff/cases/{number}/rectification", post(answer))
}

/// The rectifications (整改) poor ratings of the department's cases opened, a page at a
/// time: unanswered first, each part by due date, with the due date's light while
/// unanswered.
#[utoipa::path(
    get,
    path = "/staff/rectifications",
    tag = "staff",
    security(("staff_token" = [])),
    params(
        ("page" = Option<u32>, Query, description = "Page number from 1 (default 1)"),
        ("per_page" = Option<u32>, Query, description = "1–100, default 50"),
    ),
    responses(
        (status = 200, description = "One page of the rectifications, and how many there are", body = RectificationPage),
        (status = 400, description = "A bad `page` or `per_page`", body = api_client::ErrorBody),
        (status = 401, description = "No staff token, or not a valid one", body = api_client::ErrorBody),
        (status = 403, description = "A complaints office token: it has no cases", body = api_client::ErrorBody),
    )
)]
pub async fn rectifications(
    State(state): State<AppState>,
    staff: Staff,
    params: Params,
) -> Result<Json<RectificationPage>, ApiError> {
    let paging = params.paging()?;
    let department = staff.department()?;
    let catalogue = state.catalogue().await?;
    let (list, total) =
        rectification::list(&state.pool, &catalogue, Some(department), paging).await?;
    Ok(Json(RectificationPage {
        items: list.into_iter().map(|l| l.rectification).collect(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
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
