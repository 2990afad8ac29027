//! The state machine of a case (办件流转) and the one place that moves a case along it.
//!
//! ```text
//! submitted ─accept→ accepted ─request_supplement→ supplement_requested ─supplement_received→ under_review
//!     │                 │  ▲                                                                     │
//!     └─not_accept→ not_accepted   └────────────── review / request_supplement ───────────────────┘
//! accepted | under_review ─approve→ approved ─complete→ completed
//! accepted | under_review ─deny→ denied ─complete→ completed
//! submitted | accepted | supplement_requested | under_review ─withdraw→ withdrawn
//! ```
//!
//! `next_status` is the pure table; `apply` performs an action in one transaction: it reads
//! the case, checks who acts, computes the next status, updates the clock (accept starts it,
//! a supplement request stops it, receiving the supplement moves the due date on), the
//! supplement notice and the result, and records the event shown on the timeline.

use api_client::cases::ActionDone;
use api_client::text::{self, Lines};
use api_client::{
    ActionRequest, CaseResult, CaseStatus, FieldError, HandlingType, ServiceGuide, Supplement,
    SupplementItem, TimeLimit, TimelineEvent,
};
use sqlx::{Any, AnyPool, Transaction};

use super::deadline;
use crate::calendar::rfc3339_cst;
use crate::calendar::{day_of, format_date, now_cst, parse_date, Calendar};
use crate::db::retry;
use crate::db::sql::{self, lock_row, Lockable};
use crate::error::ApiError;

/// The right to reconsideration and litigation, stated with every denial.
pub const REMEDY: &str = "如不服本决定，可自收到决定书之日起六十日内依法申请行政复议，或者六个月内依法向人民法院提起行政诉讼。";

/// How the result reaches the applicant.
pub use api_client::cases::DELIVERIES;

/// Longest reason, opinion, step name or note (characters).
pub const MAX_TEXT_CHARS: usize = api_client::cases::MAX_ACTION_TEXT_CHARS;
/// Most items in one supplement notice.
pub const MAX_ITEMS: usize = api_client::cases::MAX_SUPPLEMENT_ITEMS;

/// What can be done to a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Accept,
    NotAccept {
        reason: String,
    },
    RequestSupplement {
        items: Vec<SupplementItem>,
    },
    SupplementReceived,
    Review {
        step: String,
        opinion: Option<String>,
    },
    Approve {
        opinion: Option<String>,
    },
    Deny {
        reason: String,
    },
    Complete {
        delivery: String,
    },
    Withdraw,
}

impl Action {
    /// The action's name on the wire (`ActionRequest.action`).
    pub fn name(&self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::NotAccept { .. } => "not_accept",
            Action::RequestSupplement { .. } => "request_supplement",
            Action::SupplementReceived => "supplement_received",
            Action::Review { .. } => "review",
            Action::Approve { .. } => "approve",
            Action::Deny { .. } => "deny",
            Action::Complete { .. } => "complete",
            Action::Withdraw => "withdraw",
        }
    }

    /// The step's name on the timeline.
    pub fn step(&self) -> String {
        match self {
            Action::Accept => "受理".into(),
            Action::NotAccept { .. } => "不予受理".into(),
            Action::RequestSupplement { .. } => "补正告知".into(),
            Action::SupplementReceived => "补正材料已收到".into(),
            Action::Review { step, .. } => step.clone(),
            Action::Approve { .. } => "准予".into(),
            Action::Deny { .. } => "不予".into(),
            Action::Complete { .. } => "办结".into(),
            Action::Withdraw => "撤回".into(),
        }
    }

    /// The opinion recorded with the event: the reason, the opinion, the items asked for or
    /// how the result is delivered.
    pub fn opinion(&self) -> Option<String> {
        match self {
            Action::Accept | Action::SupplementReceived | Action::Withdraw => None,
            Action::NotAccept { reason } | Action::Deny { reason } => Some(reason.clone()),
            Action::Review { opinion, .. } | Action::Approve { opinion } => opinion.clone(),
            Action::RequestSupplement { items } => Some(
                items
                    .iter()
                    .map(|i| {
                        if i.note.is_empty() {
                            i.name.clone()
                        } else {
                            format!("{}：{}", i.name, i.note)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("；"),
            ),
            Action::Complete { delivery } => Some(
                match delivery.as_str() {
                    "window" => "窗口领取",
                    "post" => "邮寄送达",
                    "electronic" => "电子送达",
                    other => other,
                }
                .to_string(),
            ),
        }
    }

    /// Reads a request, or a 400 naming every missing or invalid field.
    pub fn from_request(req: &ActionRequest) -> Result<Action, ApiError> {
        let mut errors = Vec::new();
        let text = |errors: &mut Vec<FieldError>,
                    field: &str,
                    value: &Option<String>,
                    required: bool|
         -> Option<String> {
            // A step's and an item's name are single lines (`ActionRequest`'s text areas).
            let lines = if field == "step" || field.ends_with(".name") {
                Lines::Single
            } else {
                Lines::Multi
            };
            if let Some(p) = value
                .as_deref()
                .and_then(|v| text::problem(field, v, lines))
            {
                errors.push(p);
                return None;
            }
            let v = value.as_deref().map(str::trim).filter(|v| !v.is_empty());
            match v {
                None if required => {
                    errors.push(FieldError::new(
                        field,
                        "required",
                        format!("{field} is required for this action"),
                    ));
                    None
                }
                Some(v) if v.chars().count() > MAX_TEXT_CHARS => {
                    errors.push(FieldError::new(
                        field,
                        "too_long",
                        format!("{field} may have at most {MAX_TEXT_CHARS} characters"),
                    ));
                    None
                }
                v => v.map(str::to_string),
            }
        };
        let action = match req.action.trim() {
            "accept" => Some(Action::Accept),
            "not_accept" => text(&mut errors, "reason", &req.reason, true)
                .map(|reason| Action::NotAccept { reason }),
            "request_supplement" => {
                let items = req.items.as_deref().unwrap_or_default();
                if items.is_empty() {
                    errors.push(FieldError::new(
                        "items",
                        "required",
                        "list every missing or wrong item (at least one)",
                    ));
                } else if items.len() > MAX_ITEMS {
                    errors.push(FieldError::new(
                        "items",
                        "too_many",
                        format!("at most {MAX_ITEMS} items"),
                    ));
                }
                let mut clean = Vec::new();
                for (i, item) in items.iter().enumerate().take(MAX_ITEMS) {
                    let name = text(
                        &mut errors,
                        &format!("items[{i}].name"),
                        &Some(item.name.clone()),
                        true,
                    );
                    let note = text(
                        &mut errors,
                        &format!("items[{i}].note"),
                        &Some(item.note.clone()),
                        false,
                    );
                    let material_id = item
                        .material_id
                        .as_deref()
                        .map(str::trim)
                        .filter(|m| !m.is_empty())
                        .map(str::to_string);
                    if let Some(name) = name {
                        clean.push(SupplementItem {
                            material_id,
                            name,
                            note: note.unwrap_or_default(),
                        });
                    }
                }
                Some(Action::RequestSupplement { items: clean })
            }
            "supplement_received" => Some(Action::SupplementReceived),
            "review" => {
                let step = text(&mut errors, "step", &req.step, true);
                let opinion = text(&mut errors, "opinion", &req.opinion, false);
                step.map(|step| Action::Review { step, opinion })
            }
            "approve" => Some(Action::Approve {
                opinion: text(&mut errors, "opinion", &req.opinion, false),
            }),
            "deny" => {
                text(&mut errors, "reason", &req.reason, true).map(|reason| Action::Deny { reason })
            }
            "complete" => match req.delivery.as_deref().map(str::trim) {
                Some(d) if DELIVERIES.contains(&d) => Some(Action::Complete {
                    delivery: d.to_string(),
                }),
                Some(d) if !d.is_empty() => {
                    errors.push(FieldError::new(
                        "delivery",
                        "invalid",
                        "delivery must be window, post or electronic",
                    ));
                    None
                }
                _ => {
                    errors.push(FieldError::new(
                        "delivery",
                        "required",
                        "delivery is required: window, post or electronic",
                    ));
                    None
                }
            },
            "withdraw" => Some(Action::Withdraw),
            "" => {
                errors.push(FieldError::new("action", "required", "action is required"));
                None
            }
            _ => {
                errors.push(FieldError::new(
                    "action",
                    "invalid",
                    "action must be accept, not_accept, request_supplement, supplement_received, review, approve, deny or complete",
                ));
                None
            }
        };
        match action {
            Some(a) if errors.is_empty() => Ok(a),
            _ => Err(ApiError::BadRequest(errors)),
        }
    }
}

/// The status a case moves to, or why it cannot.
pub fn next_status(from: CaseStatus, action: &Action) -> Result<CaseStatus, ApiError> {
    use CaseStatus::*;
    let to = match (from, action) {
        (Submitted, Action::Accept) => Some(Accepted),
        (Submitted, Action::NotAccept { .. }) => Some(NotAccepted),
        (Accepted | UnderReview, Action::RequestSupplement { .. }) => Some(SupplementRequested),
        (SupplementRequested, Action::SupplementReceived) => Some(UnderReview),
        (Accepted | UnderReview, Action::Review { .. }) => Some(UnderReview),
        (Accepted | UnderReview, Action::Approve { .. }) => Some(Approved),
        (Accepted | UnderReview, Action::Deny { .. }) => Some(Denied),
        (Approved | Denied, Action::Complete { .. }) => Some(Completed),
        (Submitted | Accepted | SupplementRequested | UnderReview, Action::Withdraw) => {
            Some(Withdrawn)
        }
        _ => None,
    };
    to.ok_or_else(|| {
        ApiError::Conflict(format!(
            "cannot {} a case that is {}",
            action.name(),
            from.as_str()
        ))
    })
}

/// Who acts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A staff member (by their token): only on their department's cases, never a withdrawal.
    Staff {
        name: String,
        department_code: String,
    },
    /// Staff of the complaints office (投诉受理办公室, a token made with
    /// `--complaints-office`): complaints only, never a case.
    ComplaintsOffice { name: String },
    /// The applicant (who proved the query code or mobile): only a withdrawal.
    Applicant,
    /// An operator on the command line: anything, on any department's case. The event names
    /// `department` (a department code) when given, else the case's department.
    Cli { department: Option<String> },
}

impl Actor {
    /// The event's `actor` column.
    pub fn label(&self) -> String {
        match self {
            Actor::Staff { name, .. } | Actor::ComplaintsOffice { name } => name.clone(),
            Actor::Applicant => "applicant".into(),
            Actor::Cli { .. } => "system".into(),
        }
    }
}

/// The columns of a case the lifecycle reads.
#[derive(sqlx::FromRow)]
struct CaseRow {
    #[sqlx(try_from = "String")]
    status: CaseStatus,
    service_code: String,
    department_code: String,
    promised_date: String,
    due_date: Option<String>,
    paused_at: Option<i64>,
    supplement: Option<String>,
    result: Option<String>,
}

/// `actor` asks for the action `req` on the case `number` (the use case of the staff API and
/// the command line): 400 naming every bad field (and a withdrawal by staff), then as
/// `apply`. Answers with the new status and the deadline now.
pub async fn act(
    pool: &AnyPool,
    number: &str,
    actor: &Actor,
    req: &ActionRequest,
) -> Result<ActionDone, ApiError> {
    let action = Action::from_request(req)?;
    if matches!(actor, Actor::Staff { .. }) && action == Action::Withdraw {
        return Err(ApiError::field(
            "action",
            "invalid",
            "only the applicant may withdraw a case",
        ));
    }
    let status = apply(pool, number, actor, &action).await?;
    let deadline = deadline::of_case(pool, number).await?;
    Ok(ActionDone { status, deadline })
}

/// Performs `action` on the case `number` (18 characters, no separators) in one transaction
/// and answers with its new status. 404 when there is no such case, 403 when `actor` may not
/// act on it, 409 when its status does not allow the action.
pub async fn apply(
    pool: &AnyPool,
    number: &str,
    actor: &Actor,
    action: &Action,
) -> Result<CaseStatus, ApiError> {
    retry::transaction(|| async {
        // Dropping the transaction on an error rolls it back.
        let mut tx = pool.begin().await?;
        let status = apply_in(&mut tx, number, actor, action).await?;
        tx.commit().await?;
        Ok(status)
    })
    .await
}

/// Takes the case's row for writing (on SQLite: the write lock, from the transaction's first
/// statement) and reads it; `None` when there is no such case.
async fn lock_case(
    tx: &mut Transaction<'static, Any>,
    number: &str,
) -> Result<Option<CaseRow>, sqlx::Error> {
    if !lock_row(tx, Lockable::Case, number).await? {
        return Ok(None);
    }
    let case = sqlx::query_as(
        "SELECT status, service_code, department_code, promised_date, due_date, paused_at, supplement, result
         FROM cases WHERE acceptance_number = $1",
    )
    .bind(number)
    .fetch_one(&mut **tx)
    .await?;
    Ok(Some(case))
}

async fn department_name(
    tx: &mut Transaction<'static, Any>,
    code: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM departments WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut **tx)
        .await
}

/// The promised limit and handling type of a service, from its stored guide.
async fn service_limit(
    tx: &mut Transaction<'static, Any>,
    code: &str,
) -> Result<Option<(TimeLimit, HandlingType)>, sqlx::Error> {
    let Some(text) = sqlx::query_scalar::<_, String>("SELECT guide FROM services WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(None);
    };
    Ok(serde_json::from_str::<ServiceGuide>(&text)
        .ok()
        .map(|g| (g.promised_limit, g.handling_type)))
}

/// The action inside its transaction: every read goes through `tx` (never the pool, see
/// `Calendar::load`).
async fn apply_in(
    tx: &mut Transaction<'static, Any>,
    number: &str,
    actor: &Actor,
    action: &Action,
) -> Result<CaseStatus, ApiError> {
    let Some(case) = lock_case(tx, number).await? else {
        return Err(ApiError::NotFound(
            "no case has this acceptance number".into(),
        ));
    };
    match actor {
        Actor::Staff {
            department_code, ..
        } if *department_code != case.department_code => {
            return Err(ApiError::Forbidden(
                "this case belongs to another department".into(),
            ));
        }
        Actor::ComplaintsOffice { .. } => {
            return Err(ApiError::Forbidden(
                "the complaints office handles complaints, not cases".into(),
            ));
        }
        Actor::Staff { .. } if *action == Action::Withdraw => {
            return Err(ApiError::Forbidden(
                "only the applicant may withdraw a case".into(),
            ));
        }
        Actor::Applicant if *action != Action::Withdraw => {
            return Err(ApiError::Forbidden(
                "applicants may only withdraw a case".into(),
            ));
        }
        _ => {}
    }
    let to = next_status(case.status, action)?;

    let now = now_cst();
    let at = now.unix_timestamp();
    let today = now.date();
    let mut accepted_at: Option<i64> = None;
    let mut due_date = case.due_date.clone();
    let mut paused_at = case.paused_at;
    let mut supplement = case.supplement.clone();
    let mut result = case.result.clone();
    match action {
        Action::Accept => {
            accepted_at = Some(at);
            let due = match service_limit(tx, &case.service_code).await? {
                Some((limit, handling)) => {
                    let calendar = Calendar::load(&mut **tx, today).await?;
                    format_date(deadline::due_from(&calendar, today, limit, handling))
                }
                // The service has left the catalogue: keep the date promised at submission.
                None => case.promised_date.clone(),
            };
            due_date = Some(due);
        }
        Action::RequestSupplement { items } => {
            paused_at = Some(at);
            supplement = Some(sql::json(&Supplement {
                requested_at: rfc3339_cst(at),
                items: items.clone(),
                answered: false,
            })?);
        }
        Action::SupplementReceived => {
            if let (Some(due), Some(p)) = (due_date.as_deref().and_then(parse_date), paused_at) {
                let paused_day = day_of(p);
                let calendar = Calendar::load(&mut **tx, paused_day.min(today)).await?;
                due_date = Some(format_date(deadline::resume_due(
                    &calendar, due, paused_day, today,
                )));
            }
            paused_at = None;
            if let Some(mut s) = supplement
                .as_deref()
                .and_then(|s| serde_json::from_str::<Supplement>(s).ok())
            {
                s.answered = true;
                supplement = Some(sql::json(&s)?);
            }
        }
        Action::Approve { .. } => {
            result = Some(sql::json(&CaseResult {
                approved: true,
                reason: None,
                remedy: None,
                delivery: None,
            })?);
        }
        Action::Deny { reason } => {
            result = Some(sql::json(&CaseResult {
                approved: false,
                reason: Some(reason.clone()),
                remedy: Some(REMEDY.into()),
                delivery: None,
            })?);
        }
        Action::Complete { delivery } => {
            let mut r = result
                .as_deref()
                .and_then(|r| serde_json::from_str::<CaseResult>(r).ok())
                .unwrap_or(CaseResult {
                    approved: case.status == CaseStatus::Approved,
                    reason: None,
                    remedy: None,
                    delivery: None,
                });
            r.delivery = Some(delivery.clone());
            result = Some(sql::json(&r)?);
        }
        Action::Withdraw => paused_at = None,
        Action::NotAccept { .. } | Action::Review { .. } => {}
    }
    let step = action.step();
    let updated = sqlx::query(
        "UPDATE cases SET status = $1, current_step = $2, accepted_at = COALESCE($3, accepted_at), due_date = $4,
             paused_at = $5, supplement = $6, result = $7
         WHERE acceptance_number = $8 AND status = $9",
    )
    .bind(to.as_str())
    .bind(&step)
    .bind(accepted_at)
    .bind(due_date)
    .bind(paused_at)
    .bind(supplement)
    .bind(result)
    .bind(number)
    .bind(case.status.as_str())
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(ApiError::Conflict(format!(
            "the case changed meanwhile; it was {}",
            case.status.as_str()
        )));
    }

    let department_code = match actor {
        Actor::Cli {
            department: Some(code),
        } => code.clone(),
        Actor::Staff {
            department_code, ..
        } => department_code.clone(),
        _ => case.department_code.clone(),
    };
    let department = match department_name(tx, &department_code).await? {
        Some(name) => name,
        None if matches!(
            actor,
            Actor::Cli {
                department: Some(_)
            }
        ) =>
        {
            return Err(ApiError::field(
                "department",
                "unknown",
                "no department has this code",
            ));
        }
        None => department_code,
    };
    insert_event(
        tx,
        number,
        at,
        to,
        &step,
        &department,
        action.opinion().as_deref(),
        &actor.label(),
    )
    .await?;
    Ok(to)
}

#[allow(clippy::too_many_arguments)]
async fn insert_event(
    tx: &mut Transaction<'static, Any>,
    number: &str,
    at: i64,
    status: CaseStatus,
    step: &str,
    department: &str,
    opinion: Option<&str>,
    actor: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO case_events (case_number, at, status, step, department, opinion, actor) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(number)
    .bind(at)
    .bind(status.as_str())
    .bind(step)
    .bind(department)
    .bind(opinion)
    .bind(actor)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The step recorded when the applicant sends the requested items.
pub const SUPPLEMENT_SENT_STEP: &str = "补正材料已提交";

/// For the applicant's supplement reply, inside the caller's transaction: marks the
/// outstanding supplement as answered and records an event (actor `applicant`, the note as
/// its opinion). The case stays `supplement_requested` (its clock stopped) until staff
/// record `supplement_received`. 404 when there is no such case, 409 when no supplement is
/// outstanding.
pub async fn mark_supplement_answered(
    tx: &mut Transaction<'static, Any>,
    number: &str,
    note: Option<&str>,
) -> Result<(), ApiError> {
    let Some(case) = lock_case(tx, number).await? else {
        return Err(ApiError::NotFound(
            "no case has this acceptance number".into(),
        ));
    };
    if case.status != CaseStatus::SupplementRequested {
        return Err(ApiError::Conflict(format!(
            "no supplement is outstanding: the case is {}",
            case.status.as_str()
        )));
    }
    let mut s = case
        .supplement
        .as_deref()
        .and_then(|s| serde_json::from_str::<Supplement>(s).ok())
        .ok_or_else(|| ApiError::Conflict("no supplement is outstanding".into()))?;
    s.answered = true;
    sqlx::query("UPDATE cases SET supplement = $1, current_step = $2 WHERE acceptance_number = $3")
        .bind(sql::json(&s)?)
        .bind(SUPPLEMENT_SENT_STEP)
        .bind(number)
        .execute(&mut **tx)
        .await?;
    let department = department_name(tx, &case.department_code)
        .await?
        .unwrap_or(case.department_code);
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let at = now_cst().unix_timestamp();
    insert_event(
        tx,
        number,
        at,
        CaseStatus::SupplementRequested,
        SUPPLEMENT_SENT_STEP,
        &department,
        note,
        "applicant",
    )
    .await?;
    Ok(())
}

/// A stored event of a case.
#[derive(sqlx::FromRow)]
struct EventRow {
    at: i64,
    status: String,
    step: String,
    department: String,
    opinion: Option<String>,
}

impl EventRow {
    fn into_event(self) -> TimelineEvent {
        TimelineEvent {
            at: rfc3339_cst(self.at),
            // An event's status is shown as recorded; one no longer known reads as submitted.
            status: CaseStatus::parse(&self.status).unwrap_or(CaseStatus::Submitted),
            step: self.step,
            department: self.department,
            opinion: self.opinion,
        }
    }
}

/// Every event of a case, oldest first, as the timeline shows them.
pub async fn timeline<'e, E: sqlx::Executor<'e, Database = Any>>(
    e: E,
    number: &str,
) -> Result<Vec<TimelineEvent>, ApiError> {
    let rows: Vec<EventRow> = sqlx::query_as("SELECT at, status, step, department, opinion FROM case_events WHERE case_number = $1 ORDER BY id")
        .bind(number)
        .fetch_all(e)
        .await?;
    Ok(rows.into_iter().map(EventRow::into_event).collect())
}

/// A case's events as one JSON array of `[id, at, status, step, department, opinion]`, for
/// a statement that reads them in the row of the case `c` (`progress::read`): one row per
/// lookup whatever the timeline's length, and no temporary table to sort in (SQLite builds
/// one for a join with a union in it, which cost more than the rest of the lookup). The
/// array's order is not promised: `events_of_json` sorts by id.
pub fn events_json(postgres: bool) -> &'static str {
    if postgres {
        "(SELECT json_agg(json_build_array(id, at, status, step, department, opinion))::text \
         FROM case_events WHERE case_number = c.acceptance_number)"
    } else {
        "(SELECT json_group_array(json_array(id, at, status, step, department, opinion)) \
         FROM case_events WHERE case_number = c.acceptance_number)"
    }
}

/// The events of `events_json`, oldest first (none when the case has none: PostgreSQL's
/// aggregate of no rows is NULL).
pub fn events_of_json(json: Option<&str>) -> Result<Vec<TimelineEvent>, ApiError> {
    type Stored = (i64, i64, String, String, String, Option<String>);
    let mut rows: Vec<Stored> = sql::from_json(json, "events")?;
    rows.sort_unstable_by_key(|r| r.0);
    Ok(rows
        .into_iter()
        .map(|(_, at, status, step, department, opinion)| {
            EventRow {
                at,
                status,
                step,
                department,
                opinion,
            }
            .into_event()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseStatus::*;

    const ALL: [CaseStatus; 9] = [
        Submitted,
        Accepted,
        NotAccepted,
        SupplementRequested,
        UnderReview,
        Approved,
        Denied,
        Completed,
        Withdrawn,
    ];

    fn actions() -> Vec<Action> {
        vec![
            Action::Accept,
            Action::NotAccept { reason: "r".into() },
            Action::RequestSupplement {
                items: vec![SupplementItem {
                    material_id: None,
                    name: "n".into(),
                    note: String::new(),
                }],
            },
            Action::SupplementReceived,
            Action::Review {
                step: "初审".into(),
                opinion: None,
            },
            Action::Approve { opinion: None },
            Action::Deny { reason: "r".into() },
            Action::Complete {
                delivery: "window".into(),
            },
            Action::Withdraw,
        ]
    }

    /// The whole table: (status, action) → the status after, or `None` when forbidden.
    fn expected(from: CaseStatus, action: &str) -> Option<CaseStatus> {
        match (from, action) {
            (Submitted, "accept") => Some(Accepted),
            (Submitted, "not_accept") => Some(NotAccepted),
            (Submitted, "withdraw") => Some(Withdrawn),
            (Accepted | UnderReview, "request_supplement") => Some(SupplementRequested),
            (Accepted | UnderReview, "review") => Some(UnderReview),
            (Accepted | UnderReview, "approve") => Some(Approved),
            (Accepted | UnderReview, "deny") => Some(Denied),
            (Accepted | UnderReview, "withdraw") => Some(Withdrawn),
            (SupplementRequested, "supplement_received") => Some(UnderReview),
            (SupplementRequested, "withdraw") => Some(Withdrawn),
            (Approved | Denied, "complete") => Some(Completed),
            _ => None,
        }
    }

    #[test]
    fn every_status_and_action() {
        let mut allowed = 0;
        for from in ALL {
            for action in actions() {
                let got = next_status(from, &action);
                match expected(from, action.name()) {
                    Some(to) => {
                        assert_eq!(
                            got.ok(),
                            Some(to),
                            "{} from {}",
                            action.name(),
                            from.as_str()
                        );
                        allowed += 1;
                    }
                    None => {
                        let Err(ApiError::Conflict(message)) = got else {
                            panic!("{} from {} must be refused", action.name(), from.as_str())
                        };
                        assert!(
                            message.contains(action.name()) && message.contains(from.as_str()),
                            "{message}"
                        );
                    }
                }
            }
        }
        assert_eq!(allowed, 17);
        // Closed cases accept nothing.
        for from in [NotAccepted, Completed, Withdrawn] {
            assert!(
                actions().iter().all(|a| next_status(from, a).is_err()),
                "{}",
                from.as_str()
            );
        }
    }

    fn req(action: &str) -> ActionRequest {
        ActionRequest {
            action: action.into(),
            ..Default::default()
        }
    }

    fn bad_fields(r: ActionRequest) -> Vec<(String, String)> {
        match Action::from_request(&r) {
            Err(ApiError::BadRequest(fields)) => {
                fields.into_iter().map(|f| (f.field, f.code)).collect()
            }
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    fn pair(f: &str, c: &str) -> (String, String) {
        (f.to_string(), c.to_string())
    }

    #[test]
    fn requests_name_missing_and_invalid_fields() {
        assert_eq!(
            bad_fields(req("not_accept")),
            vec![pair("reason", "required")]
        );
        assert_eq!(
            bad_fields(ActionRequest {
                reason: Some("  ".into()),
                ..req("deny")
            }),
            vec![pair("reason", "required")]
        );
        assert_eq!(
            bad_fields(req("request_supplement")),
            vec![pair("items", "required")]
        );
        assert_eq!(
            bad_fields(ActionRequest {
                items: Some(vec![]),
                ..req("request_supplement")
            }),
            vec![pair("items", "required")]
        );
        let items = vec![
            SupplementItem {
                material_id: None,
                name: "身份证".into(),
                note: "不清晰".into(),
            },
            SupplementItem {
                material_id: None,
                name: " ".into(),
                note: String::new(),
            },
        ];
        assert_eq!(
            bad_fields(ActionRequest {
                items: Some(items),
                ..req("request_supplement")
            }),
            vec![pair("items[1].name", "required")]
        );
        assert_eq!(bad_fields(req("review")), vec![pair("step", "required")]);
        assert_eq!(
            bad_fields(req("complete")),
            vec![pair("delivery", "required")]
        );
        assert_eq!(
            bad_fields(ActionRequest {
                delivery: Some("pigeon".into()),
                ..req("complete")
            }),
            vec![pair("delivery", "invalid")]
        );
        assert_eq!(bad_fields(req("launch")), vec![pair("action", "invalid")]);
        assert_eq!(bad_fields(req("")), vec![pair("action", "required")]);
        let long = "长".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(
            bad_fields(ActionRequest {
                reason: Some(long),
                ..req("deny")
            }),
            vec![pair("reason", "too_long")]
        );
    }

    #[test]
    fn requests_become_actions() {
        assert_eq!(
            Action::from_request(&req("accept")).unwrap(),
            Action::Accept
        );
        assert_eq!(
            Action::from_request(&req(" approve ")).unwrap(),
            Action::Approve { opinion: None }
        );
        let r = ActionRequest {
            step: Some(" 初审 ".into()),
            opinion: Some("材料齐全".into()),
            ..req("review")
        };
        assert_eq!(
            Action::from_request(&r).unwrap(),
            Action::Review {
                step: "初审".into(),
                opinion: Some("材料齐全".into())
            }
        );
        let r = ActionRequest {
            delivery: Some("post".into()),
            ..req("complete")
        };
        let a = Action::from_request(&r).unwrap();
        assert_eq!(
            a,
            Action::Complete {
                delivery: "post".into()
            }
        );
        assert_eq!(a.opinion().as_deref(), Some("邮寄送达"));
        let items = vec![
            SupplementItem {
                material_id: Some("id_card".into()),
                name: "身份证".into(),
                note: "不清晰".into(),
            },
            SupplementItem {
                material_id: None,
                name: "照片".into(),
                note: String::new(),
            },
        ];
        let a = Action::from_request(&ActionRequest {
            items: Some(items.clone()),
            ..req("request_supplement")
        })
        .unwrap();
        assert_eq!(a.opinion().as_deref(), Some("身份证：不清晰；照片"));
        assert_eq!(a, Action::RequestSupplement { items });
        assert_eq!(Action::Deny { reason: "x".into() }.step(), "不予");
        assert_eq!(
            Action::Review {
                step: "复审".into(),
                opinion: None
            }
            .step(),
            "复审"
        );
    }
}
