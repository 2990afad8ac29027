//! The staff API (`/staff/…`), for staff of a department holding a staff token
//! (`Authorization: Bearer owst_…`; `cases::staff` checks it, the `Staff` extractor is in
//! `extract`): actions on their department's cases, the full case, and the electronic
//! supervision list (电子监察) of yellow and red cases; a case's files as downloads.
//!
//! Nothing here logs the request: cases hold personal data.

use api_client::cases::{ActionDone, OverdueList, StaffCase};
use api_client::ActionRequest;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::download;
use super::extract::{CaseNumber, JsonBody, Number, Params, RawUploadId};
use crate::cases::staff::Staff;
use crate::cases::{lifecycle, staff_view};
use crate::error::ApiError;
use crate::state::AppState;
use crate::uploads::files;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/cases/{number}/actions", post(act))
        .route("/staff/cases/{number}", get(case))
        .route("/staff/cases/{number}/files/{upload_id}", get(file))
        .route("/staff/overdue", get(overdue))
}

/// Adds the `staff_token` security scheme (HTTP bearer) to the OpenAPI document.
pub struct StaffSecurity;

impl utoipa::Modify for StaffSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "staff_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("owst_ + 64 hex digits, from `server staff-token create`")
                    .build(),
            ),
        );
    }
}

/// Perform an action on a case of the staff member's department: `accept`, `not_accept`
/// (`reason`), `request_supplement` (`items`: every missing or wrong item at once; the clock
/// stops), `supplement_received` (the clock resumes and the due date moves on by the working
/// days it was stopped), `review` (`step`, `opinion`), `approve` (`opinion`), `deny`
/// (`reason`; the remedy is stated), `complete` (`delivery`: window, post or electronic).
/// Every action is recorded on the case's timeline.
#[utoipa::path(
    post,
    path = "/staff/cases/{number}/actions",
    tag = "staff",
    security(("staff_token" = [])),
    params(("number" = String, Path, description = "受理号, with or without separators, either case")),
    request_body = ActionRequest,
    responses(
        (status = 200, description = "Done: the new status and the deadline now", body = ActionDone),
        (status = 400, description = "A mistyped number, or a missing or invalid field (`action`, `reason`, `items`, `items[i].name`, `step`, `delivery`)", body = api_client::ErrorBody),
        (status = 401, description = "No staff token, or not a valid one", body = api_client::ErrorBody),
        (status = 403, description = "The case belongs to another department", body = api_client::ErrorBody),
        (status = 404, description = "No case has this number", body = api_client::ErrorBody),
        (status = 409, description = "The case's status does not allow this action", body = api_client::ErrorBody),
    )
)]
pub async fn act(
    State(state): State<AppState>,
    staff: Staff,
    Number(number, _): CaseNumber,
    JsonBody(req): JsonBody<ActionRequest>,
) -> Result<Json<ActionDone>, ApiError> {
    Ok(Json(
        lifecycle::act(&state.pool, &number, &staff.actor(), &req).await?,
    ))
}

/// A case of the staff member's department in full: the applicant's details and answers,
/// the materials' upload ids, the deadline, the supplement notice, the result and the
/// timeline.
#[utoipa::path(
    get,
    path = "/staff/cases/{number}",
    tag = "staff",
    security(("staff_token" = [])),
    params(("number" = String, Path, description = "受理号, with or without separators, either case")),
    responses(
        (status = 200, description = "The case", body = StaffCase),
        (status = 400, description = "A mistyped number", body = api_client::ErrorBody),
        (status = 401, description = "No staff token, or not a valid one", body = api_client::ErrorBody),
        (status = 403, description = "The case belongs to another department", body = api_client::ErrorBody),
        (status = 404, description = "No case has this number", body = api_client::ErrorBody),
    )
)]
pub async fn case(
    State(state): State<AppState>,
    staff: Staff,
    Number(number, _): CaseNumber,
) -> Result<Json<StaffCase>, ApiError> {
    let department = staff.department()?;
    let catalogue = state.catalogue().await?;
    Ok(Json(
        staff_view::case(&state.pool, &catalogue, department, &number).await?,
    ))
}

/// Download a file of a case of the staff member's department (a material, at submission
/// or with a supplement): its bytes as stored, as an attachment named as the applicant's file
/// was, of the type detected from its content.
#[utoipa::path(
    get,
    path = "/staff/cases/{number}/files/{upload_id}",
    tag = "staff",
    security(("staff_token" = [])),
    params(
        ("number" = String, Path, description = "受理号, with or without separators, either case"),
        ("upload_id" = String, Path, description = "The file's id (`files` of the case)"),
    ),
    responses(
        (status = 200, description = "The file (`Content-Disposition: attachment`, `X-Content-Type-Options: nosniff`, `Content-Security-Policy: sandbox`)",
            content(("application/pdf"), ("image/png"), ("image/jpeg"))),
        (status = 400, description = "A mistyped number (`number`) or upload id (`upload_id`)", body = api_client::ErrorBody),
        (status = 401, description = "No staff token, or not a valid one", body = api_client::ErrorBody),
        (status = 403, description = "The case belongs to another department", body = api_client::ErrorBody),
        (status = 404, description = "No case has this number, or the case has no file with this id", body = api_client::ErrorBody),
    )
)]
pub async fn file(
    State(state): State<AppState>,
    staff: Staff,
    Number(number, _): CaseNumber,
    RawUploadId(id): RawUploadId,
) -> Result<Response, ApiError> {
    let department = staff.department()?;
    let id = files::upload_id(id.as_deref())?;
    Ok(download::respond(
        files::for_staff(&state, department, &number, id).await?,
    ))
}

/// Electronic supervision (电子监察): the yellow (inside the last working day) and red
/// (overdue) cases of the staff member's department, red first, a page at a time, and the
/// yellow and red counts of every department.
#[utoipa::path(
    get,
    path = "/staff/overdue",
    tag = "staff",
    security(("staff_token" = [])),
    params(
        ("page" = Option<u32>, Query, description = "Page number from 1 (default 1)"),
        ("per_page" = Option<u32>, Query, description = "1–100, default 50"),
    ),
    responses(
        (status = 200, description = "One page of the yellow and red cases, how many there are, and counts per department", body = OverdueList),
        (status = 400, description = "A bad `page` or `per_page`", body = api_client::ErrorBody),
        (status = 401, description = "No staff token, or not a valid one", body = api_client::ErrorBody),
        (status = 403, description = "A complaints office token: it has no cases", body = api_client::ErrorBody),
    )
)]
pub async fn overdue(
    State(state): State<AppState>,
    staff: Staff,
    params: Params,
) -> Result<Json<OverdueList>, ApiError> {
    let paging = params.paging()?;
    let department = staff.department()?;
    let catalogue = state.catalogue().await?;
    Ok(Json(
        staff_view::overdue(&state.pool, &catalogue, department, paging).await?,
    ))
}
