//! What staff see of their department's cases: a case in full (`case`: the applicant's
//! details and answers, the materials and their files, the deadline, the timeline) and the electronic
//! supervision list (电子监察, `overdue`) of yellow and red cases with the counts of every
//! department.

use api_client::cases::{DepartmentCount, OverdueCase, OverdueList, StaffCase};
use api_client::Light;
use serde::de::DeserializeOwned;
use sqlx::AnyPool;

use super::deadline::{self, CaseClock};
use super::lifecycle;
use super::names::service_name;
use crate::calendar::{self, rfc3339_cst, Calendar};
use crate::db::sql::Paging;
use crate::db::uploads::case_files;
use crate::error::ApiError;
use crate::state::Snapshot;

/// The columns of a case staff see.
#[derive(sqlx::FromRow)]
struct CaseRow {
    service_code: String,
    department_code: String,
    status: String,
    current_step: Option<String>,
    applicant: String,
    answers: String,
    materials: String,
    submitted_at: i64,
    accepted_at: Option<i64>,
    promised_date: String,
    due_date: Option<String>,
    paused_at: Option<i64>,
    supplement: Option<String>,
    result: Option<String>,
}

/// A stored JSON document of a case as `T`.
fn stored<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored JSON of a case: {e}")))
}

/// An optional stored document as `T`, none when it is absent or not readable as one.
fn optional<T: DeserializeOwned>(text: Option<&str>) -> Option<T> {
    text.and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
        .and_then(|v| serde_json::from_value(v).ok())
}

/// The case `number` in full for staff of `department`: 404 for no such case, 403 for a
/// case of another department.
pub async fn case(
    pool: &AnyPool,
    catalogue: &Snapshot,
    department: &str,
    number: &str,
) -> Result<StaffCase, ApiError> {
    let row: CaseRow = sqlx::query_as(
        "SELECT service_code, department_code, status, current_step, applicant, answers, materials, submitted_at,
                accepted_at, promised_date, due_date, paused_at, supplement, result
         FROM cases WHERE acceptance_number = $1",
    )
    .bind(number)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| ApiError::NotFound("no case has this acceptance number".into()))?;
    if row.department_code != department {
        return Err(ApiError::Forbidden(
            "this case belongs to another department".into(),
        ));
    }
    let clock = CaseClock::from_columns(&row.status, row.due_date.as_deref(), row.paused_at);
    let materials = stored(&row.materials)?;
    let files = case_files(pool, number, &materials).await?;
    let deadline = deadline::current(pool, catalogue.version, &clock).await?;
    let covers_until = calendar::covers_until_cached(pool, catalogue.version).await?;
    let unit = calendar::unit_of(catalogue.guide(&row.service_code));
    let provisional = |date: &str| calendar::provisional(covers_until, date, unit);
    Ok(StaffCase {
        promised_date_provisional: provisional(&row.promised_date),
        due_date_provisional: deadline.as_ref().is_some_and(|d| provisional(&d.date)),
        acceptance_number: number.to_string(),
        service: service_name(catalogue, &row.service_code),
        department: row.department_code,
        status: clock.status,
        current_step: row.current_step,
        applicant: stored(&row.applicant)?,
        answers: stored(&row.answers)?,
        materials,
        files,
        submitted_at: rfc3339_cst(row.submitted_at),
        accepted_at: row.accepted_at.map(rfc3339_cst),
        promised_date: row.promised_date,
        deadline,
        supplement: optional(row.supplement.as_deref()),
        result: optional(row.result.as_deref()),
        timeline: lifecycle::timeline(pool, number).await?,
    })
}

/// Cases whose deadline can be yellow or red today are due at most this many days ahead.
const HORIZON_DAYS: i64 = 62;

/// A case whose clock runs (or is paused).
#[derive(sqlx::FromRow)]
struct RunningRow {
    acceptance_number: String,
    service_code: String,
    department_code: String,
    status: String,
    due_date: Option<String>,
    paused_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct DepartmentRow {
    code: String,
    name: String,
}

/// The supervision list for staff of `department`: its yellow (inside the last working day)
/// and red (overdue) cases, red first (one page of them, and how many in all), and the
/// yellow and red counts of every department. Every running case near its due date is
/// weighed for the counts, so the page is cut from the sorted list.
pub async fn overdue(
    pool: &AnyPool,
    catalogue: &Snapshot,
    department: &str,
    paging: Paging,
) -> Result<OverdueList, ApiError> {
    let today = calendar::now_cst().date();
    let horizon = calendar::format_date(today + time::Duration::days(HORIZON_DAYS));
    let rows: Vec<RunningRow> = sqlx::query_as(
        "SELECT acceptance_number, service_code, department_code, status, due_date, paused_at FROM cases
         WHERE status IN ('accepted', 'under_review', 'supplement_requested') AND due_date IS NOT NULL AND due_date <= $1
         ORDER BY due_date, acceptance_number",
    )
    .bind(&horizon)
    .fetch_all(pool)
    .await?;
    let running: Vec<(RunningRow, CaseClock)> = rows
        .into_iter()
        .map(|r| {
            let clock = CaseClock::from_columns(&r.status, r.due_date.as_deref(), r.paused_at);
            (r, clock)
        })
        .collect();
    let from = running
        .iter()
        .map(|(_, clock)| clock.calendar_from(today))
        .min()
        .unwrap_or(today);
    let cal = Calendar::load(pool, from).await?;
    let covers_until = calendar::covers_until_cached(pool, catalogue.version).await?;

    let departments: Vec<DepartmentRow> =
        sqlx::query_as("SELECT code, name FROM departments ORDER BY sort_order, code")
            .fetch_all(pool)
            .await?;
    let count = |department: String, name: String| DepartmentCount {
        department,
        name,
        yellow: 0,
        red: 0,
    };
    let mut counts: Vec<DepartmentCount> = departments
        .into_iter()
        .map(|d| count(d.code, d.name))
        .collect();
    let mut cases = Vec::new();
    for (c, clock) in running {
        let Some(d) = deadline::deadline(&cal, &clock, today) else {
            continue;
        };
        if d.light == Light::Green {
            continue;
        }
        let i = match counts
            .iter()
            .position(|x| x.department == c.department_code)
        {
            Some(i) => i,
            None => {
                counts.push(count(c.department_code.clone(), c.department_code.clone()));
                counts.len() - 1
            }
        };
        match d.light {
            Light::Red => counts[i].red += 1,
            _ => counts[i].yellow += 1,
        }
        if c.department_code == department {
            let unit = calendar::unit_of(catalogue.guide(&c.service_code));
            cases.push(OverdueCase {
                due_date_provisional: calendar::provisional(covers_until, &d.date, unit),
                acceptance_number: c.acceptance_number,
                service: service_name(catalogue, &c.service_code),
                status: clock.status,
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
    let total = cases.len() as u64;
    Ok(OverdueList {
        cases: paging.slice(cases),
        total,
        page: paging.page,
        per_page: paging.per_page,
        counts,
    })
}
