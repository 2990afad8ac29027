//! The staff API (`/staff/…`), for staff of a department holding a staff token
//! (`Authorization: Bearer owst_…`, see `cases::staff`): actions on their department's cases,
//! the full case, and the electronic supervision list (电子监察) of yellow and red cases.
//!
//! Nothing here logs the request: cases hold personal data.

use std::collections::HashMap;

use api_client::cases::{
    ActionDone, DepartmentCount, OverdueCase, OverdueList, ServiceName, StaffCase,
};
use api_client::{ActionRequest, Light};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use sqlx::Row;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::extract::{CaseNumber, JsonBody, Number};
use crate::calendar::rfc3339_cst;
use crate::calendar::{self, Calendar};
use crate::cases::deadline::{self, CaseClock};
use crate::cases::lifecycle::{self, Action};
use crate::cases::staff::Staff;
use crate::error::ApiError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/cases/{number}/actions", post(act))
        .route("/staff/cases/{number}", get(case))
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
    let action = Action::from_request(&req)?;
    if action == Action::Withdraw {
        return Err(ApiError::field(
            "action",
            "invalid",
            "only the applicant may withdraw a case",
        ));
    }
    let status = lifecycle::apply(&state.pool, &number, &staff.actor(), &action).await?;
    let deadline = deadline::of_case(&state.pool, &number).await?;
    Ok(Json(ActionDone { status, deadline }))
}

/// A stored JSON document as `T`.
fn from<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(v)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored JSON of a case: {e}")))
}

/// The service's name from the catalogue (its code when it has left the catalogue).
fn service_name(names: &HashMap<String, String>, code: &str) -> ServiceName {
    ServiceName {
        code: code.to_string(),
        name: names.get(code).cloned().unwrap_or_else(|| code.to_string()),
    }
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
    let pool = &state.pool;
    let row = sqlx::query(
        "SELECT service_code, department_code, status, current_step, applicant, answers, materials, submitted_at,
                accepted_at, promised_date, due_date, paused_at, supplement, result
         FROM cases WHERE acceptance_number = $1",
    )
    .bind(&number)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| ApiError::NotFound("no case has this acceptance number".into()))?;
    let department: String = row.try_get(1)?;
    if department != staff.department_code {
        return Err(ApiError::Forbidden(
            "this case belongs to another department".into(),
        ));
    }
    let json = |i: usize| -> Result<serde_json::Value, ApiError> {
        let text: String = row.try_get(i)?;
        serde_json::from_str(&text)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored JSON of a case: {e}")))
    };
    let optional_json = |i: usize| -> Result<Option<serde_json::Value>, ApiError> {
        let text: Option<String> = row.try_get(i)?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    };
    let service_code: String = row.try_get(0)?;
    let status: String = row.try_get(2)?;
    let due: Option<String> = row.try_get(10)?;
    let clock = CaseClock::from_columns(&status, due.as_deref(), row.try_get(11)?);
    let deadline = if clock.due_date.is_some() && deadline::clock_applies(clock.status) {
        let (calendar, today) = deadline::load_for(pool, &clock).await?;
        deadline::deadline(&calendar, &clock, today)
    } else {
        None
    };
    let catalogue = state.catalogue().await?;
    let names: HashMap<String, String> = catalogue
        .by_code
        .get(&service_code)
        .map(|&i| (service_code.clone(), catalogue.guides[i].name.clone()))
        .into_iter()
        .collect();
    let accepted_at: Option<i64> = row.try_get(8)?;
    Ok(Json(StaffCase {
        acceptance_number: number.clone(),
        service: service_name(&names, &service_code),
        department,
        status: clock.status,
        current_step: row.try_get(3)?,
        applicant: from(json(4)?)?,
        answers: json(5)?,
        materials: from(json(6)?)?,
        submitted_at: rfc3339_cst(row.try_get(7)?),
        accepted_at: accepted_at.map(rfc3339_cst),
        promised_date: row.try_get(9)?,
        deadline,
        supplement: optional_json(12)?.and_then(|v| serde_json::from_value(v).ok()),
        result: optional_json(13)?.and_then(|v| serde_json::from_value(v).ok()),
        timeline: lifecycle::timeline(pool, &number).await?,
    }))
}

/// Cases whose deadline can be yellow or red today are due at most this many days ahead.
const HORIZON_DAYS: i64 = 62;

/// Electronic supervision (电子监察): the yellow (inside the last working day) and red
/// (overdue) cases of the staff member's department, red first, and the yellow and red
/// counts of every department.
#[utoipa::path(
    get,
    path = "/staff/overdue",
    tag = "staff",
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "Yellow and red cases, and counts per department", body = OverdueList),
        (status = 401, description = "No staff token, or not a valid one", body = api_client::ErrorBody),
    )
)]
pub async fn overdue(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<OverdueList>, ApiError> {
    let pool = &state.pool;
    let today = calendar::now_cst().date();
    let horizon = calendar::format_date(today + time::Duration::days(HORIZON_DAYS));
    let rows = sqlx::query(
        "SELECT acceptance_number, service_code, department_code, status, due_date, paused_at FROM cases
         WHERE status IN ('accepted', 'under_review', 'supplement_requested') AND due_date IS NOT NULL AND due_date <= $1
         ORDER BY due_date, acceptance_number",
    )
    .bind(&horizon)
    .fetch_all(pool)
    .await?;
    struct Running {
        number: String,
        service: String,
        department: String,
        clock: CaseClock,
    }
    let mut running = Vec::with_capacity(rows.len());
    for r in &rows {
        let status: String = r.try_get(3)?;
        let due: Option<String> = r.try_get(4)?;
        running.push(Running {
            number: r.try_get(0)?,
            service: r.try_get(1)?,
            department: r.try_get(2)?,
            clock: CaseClock::from_columns(&status, due.as_deref(), r.try_get(5)?),
        });
    }
    let from = running
        .iter()
        .map(|c| c.clock.calendar_from(today))
        .min()
        .unwrap_or(today);
    let cal = Calendar::load(pool, from).await?;

    let catalogue = state.catalogue().await?;
    let names: HashMap<String, String> = catalogue
        .guides
        .iter()
        .map(|g| (g.code.clone(), g.name.clone()))
        .collect();
    let mut counts: Vec<DepartmentCount> =
        sqlx::query("SELECT code, name FROM departments ORDER BY sort_order, code")
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok(DepartmentCount {
                    department: r.try_get(0)?,
                    name: r.try_get(1)?,
                    yellow: 0,
                    red: 0,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
    let mut cases = Vec::new();
    for c in running {
        let Some(d) = deadline::deadline(&cal, &c.clock, today) else {
            continue;
        };
        if d.light == Light::Green {
            continue;
        }
        let i = match counts.iter().position(|x| x.department == c.department) {
            Some(i) => i,
            None => {
                counts.push(DepartmentCount {
                    department: c.department.clone(),
                    name: c.department.clone(),
                    yellow: 0,
                    red: 0,
                });
                counts.len() - 1
            }
        };
        match d.light {
            Light::Red => counts[i].red += 1,
            _ => counts[i].yellow += 1,
        }
        if c.department == staff.department_code {
            cases.push(OverdueCase {
                acceptance_number: c.number,
                service: service_name(&names, &c.service),
                status: c.clock.status,
                due_date: d.date,
                light: d.light,
                paused: d.paused,
            });
        }
    }
    cases.sort_by(|a, b| {
        let red = |c: &OverdueCase| if c.light == Light::Red { 0 } else { 1 };
        red(a)
            .cmp(&red(b))
            .then_with(|| a.due_date.cmp(&b.due_date))
            .then_with(|| a.acceptance_number.cmp(&b.acceptance_number))
    });
    Ok(Json(OverdueList { cases, counts }))
}
