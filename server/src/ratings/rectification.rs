//! 整改: a poor rating (不满意, 非常不满意) obliges the case's department to answer with an
//! explanation and the action taken, within a number of working days; the applicant sees
//! the answer on the track page. One answer per rectification.

use api_client::ratings::MAX_ANSWER_CHARS;
use api_client::{FieldError, Rectification, RectificationAnswer, StaffRectification};
use sqlx::AnyPool;
use time::Date;

use super::stored::{self, StoredRating, COLUMNS};
use crate::calendar::{now_cst, rfc3339_cst, Calendar, Today};
use crate::cases::lifecycle::Actor;
use crate::cases::names::service_name;
use crate::db::sql::Paging;
use crate::error::ApiError;
use crate::state::Snapshot;

/// The day a rectification opened on `rated` is due: `days` working days on.
pub fn due(calendar: &Calendar, rated: Date, days: u32) -> Date {
    calendar.add_working_days(rated, days)
}

/// The rectification of a rating, if it opened one: the due date's light while unanswered.
pub fn view(r: &StoredRating, today: &Today) -> Option<Rectification> {
    let due = r.rectification_due.as_deref()?;
    let answered = r.answered_at.is_some();
    Some(Rectification {
        due_date: due.to_string(),
        deadline: if answered { None } else { today.deadline(due) },
        answered,
        explanation: r.explanation.clone(),
        action_taken: r.action_taken.clone(),
        answered_at: r.answered_at.map(rfc3339_cst),
    })
}

/// The answer's two texts, trimmed, or a 400 naming each that is empty or too long.
fn check_answer(a: &RectificationAnswer) -> Result<(String, String), ApiError> {
    let mut errors = Vec::new();
    let mut text = |field: &str, value: &str| {
        let v = value.trim();
        if let Some(p) = api_client::text::problem(field, value, api_client::text::Lines::Multi) {
            errors.push(p);
        } else if v.is_empty() {
            errors.push(FieldError::new(
                field,
                "required",
                format!("{field} is required"),
            ));
        } else if v.chars().count() > MAX_ANSWER_CHARS {
            errors.push(FieldError::new(
                field,
                "too_long",
                format!("{field} may have at most {MAX_ANSWER_CHARS} characters"),
            ));
        }
        v.to_string()
    };
    let explanation = text("explanation", &a.explanation);
    let action_taken = text("action_taken", &a.action_taken);
    if errors.is_empty() {
        Ok((explanation, action_taken))
    } else {
        Err(ApiError::BadRequest(errors))
    }
}

/// A rating with what a staff list shows of its case.
#[derive(sqlx::FromRow)]
struct Item {
    #[sqlx(flatten)]
    rating: StoredRating,
    service_code: String,
    department_code: String,
}

/// The ratings that opened a rectification with their case, `WHERE` `filter`.
fn items_sql(filter: &str) -> String {
    format!(
        "SELECT {COLUMNS}, c.service_code, c.department_code FROM case_ratings r
         JOIN cases c ON c.acceptance_number = r.case_number WHERE {filter}"
    )
}

/// One rectification as staff see it.
fn staff_view(catalogue: &Snapshot, today: &Today, item: &Item) -> Option<StaffRectification> {
    let r = &item.rating;
    Some(StaffRectification {
        acceptance_number: r.case_number.clone(),
        service: service_name(catalogue, &item.service_code),
        level: r.level,
        tags: r.tags.clone(),
        comment: r.comment.clone(),
        rated_at: rfc3339_cst(r.rated_at),
        rectification: view(r, today)?,
    })
}

/// A rectification in a list, with its case's department.
pub struct Listed {
    pub department_code: String,
    pub rectification: StaffRectification,
}

/// One page of the rectifications of `department` (every department for `None`):
/// unanswered first, each part by due date; and how many there are in all.
pub async fn list(
    pool: &AnyPool,
    catalogue: &Snapshot,
    department: Option<&str>,
    paging: Paging,
) -> Result<(Vec<Listed>, u64), ApiError> {
    const WHERE: &str = "r.rectification_due IS NOT NULL AND ($1 = '' OR c.department_code = $1)";
    let today = Today::load(pool, catalogue.version).await?;
    let sql = items_sql(&format!(
        "{WHERE} ORDER BY CASE WHEN r.rectification_answered_at IS NULL THEN 0 ELSE 1 END, r.rectification_due, r.case_number
         LIMIT $2 OFFSET $3"
    ));
    let department = department.unwrap_or("");
    let items: Vec<Item> = sqlx::query_as(&sql)
        .bind(department)
        .bind(paging.limit())
        .bind(paging.offset())
        .fetch_all(pool)
        .await?;
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM case_ratings r JOIN cases c ON c.acceptance_number = r.case_number WHERE {WHERE}"
    ))
    .bind(department)
    .fetch_one(pool)
    .await?;
    let page = items
        .iter()
        .filter_map(|i| {
            Some(Listed {
                department_code: i.department_code.clone(),
                rectification: staff_view(catalogue, &today, i)?,
            })
        })
        .collect();
    Ok((page, u64::try_from(total).unwrap_or(0)))
}

/// `actor` answers the rectification of case `number` (the use case of the staff API and
/// the command line): 400 naming each text that is empty or too long, 404 for no such case,
/// 403 for a case of another department, 404 when it has no rectification, 409 when it has
/// been answered. Answers with the rectification as it is now.
pub async fn answer(
    pool: &AnyPool,
    catalogue: &Snapshot,
    number: &str,
    actor: &Actor,
    answer: &RectificationAnswer,
) -> Result<StaffRectification, ApiError> {
    let (explanation, action_taken) = check_answer(answer)?;
    record(pool, number, actor, &explanation, &action_taken).await?;
    let today = Today::load(pool, catalogue.version).await?;
    let no_rectification = || ApiError::NotFound("this case has no rectification".into());
    let item: Item = sqlx::query_as(&items_sql("r.case_number = $1"))
        .bind(number)
        .fetch_optional(pool)
        .await?
        .ok_or_else(no_rectification)?;
    staff_view(catalogue, &today, &item).ok_or_else(no_rectification)
}

/// Stores the answer: one conditional statement, so that of two answers at once one finds
/// the rectification answered.
async fn record(
    pool: &AnyPool,
    number: &str,
    actor: &Actor,
    explanation: &str,
    action_taken: &str,
) -> Result<(), ApiError> {
    let department: Option<String> =
        sqlx::query_scalar("SELECT department_code FROM cases WHERE acceptance_number = $1")
            .bind(number)
            .fetch_optional(pool)
            .await?;
    let Some(department) = department else {
        return Err(ApiError::NotFound(
            "no case has this acceptance number".into(),
        ));
    };
    match actor {
        Actor::Staff {
            department_code, ..
        } if *department_code != department => {
            return Err(ApiError::Forbidden(
                "this case belongs to another department".into(),
            ));
        }
        Actor::Applicant | Actor::ComplaintsOffice { .. } => {
            return Err(ApiError::Forbidden(
                "staff of the case's department answer rectifications".into(),
            ))
        }
        _ => {}
    }
    let done = sqlx::query(
        "UPDATE case_ratings SET rectification_explanation = $1, rectification_action = $2, rectification_answered_at = $3,
             rectification_answered_by = $4
         WHERE case_number = $5 AND rectification_due IS NOT NULL AND rectification_answered_at IS NULL",
    )
    .bind(explanation)
    .bind(action_taken)
    .bind(now_cst().unix_timestamp())
    .bind(actor.label())
    .bind(number)
    .execute(pool)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    match stored::find(pool, number).await? {
        Some(r) if r.rectification_due.is_some() => Err(ApiError::Conflict(
            "this rectification has been answered already".into(),
        )),
        _ => Err(ApiError::NotFound(
            "this case has no rectification: only a poor rating opens one".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_client::Light;
    use std::sync::Arc;
    use time::macros::date;

    fn rating(due: Option<&str>, answered_at: Option<i64>) -> StoredRating {
        StoredRating {
            case_number: "440113260310000011".into(),
            level: 1,
            tags: vec!["slow".into()],
            comment: None,
            rated_at: 1_773_100_000,
            rectification_due: due.map(str::to_string),
            explanation: answered_at.map(|_| "已核实".to_string()),
            action_taken: answered_at.map(|_| "已培训窗口人员".to_string()),
            answered_at,
        }
    }

    fn today(d: Date) -> Today {
        Today {
            date: d,
            calendar: Arc::new(Calendar::default()),
        }
    }

    #[test]
    fn due_in_working_days_with_a_light_until_answered() {
        let c = Calendar::default();
        // Rated Tuesday 10 March 2026; 15 working days: Tuesday 31 March.
        assert_eq!(due(&c, date!(2026 - 03 - 10), 15), date!(2026 - 03 - 31));
        assert_eq!(
            view(&rating(None, None), &today(date!(2026 - 03 - 10))),
            None,
            "a good rating opens none"
        );
        let open = view(
            &rating(Some("2026-03-31"), None),
            &today(date!(2026 - 03 - 10)),
        )
        .unwrap();
        assert_eq!(
            (open.answered, open.deadline.as_ref().map(|d| d.light)),
            (false, Some(Light::Green))
        );
        let late = view(
            &rating(Some("2026-03-31"), None),
            &today(date!(2026 - 04 - 01)),
        )
        .unwrap();
        assert_eq!(late.deadline.map(|d| d.light), Some(Light::Red));
        let answered = view(
            &rating(Some("2026-03-31"), Some(1_773_200_000)),
            &today(date!(2026 - 04 - 01)),
        )
        .unwrap();
        assert!(answered.answered && answered.deadline.is_none());
        assert_eq!(answered.action_taken.as_deref(), Some("已培训窗口人员"));
        assert!(answered.answered_at.unwrap().ends_with("+08:00"));
    }

    #[test]
    fn answers_need_both_texts() {
        let a = |e: &str, t: &str| {
            check_answer(&RectificationAnswer {
                explanation: e.into(),
                action_taken: t.into(),
            })
        };
        assert_eq!(
            a(" 属实 ", "已整改").unwrap(),
            ("属实".to_string(), "已整改".to_string())
        );
        let fields = |r: Result<(String, String), ApiError>| match r {
            Err(ApiError::BadRequest(f)) => {
                f.into_iter().map(|f| (f.field, f.code)).collect::<Vec<_>>()
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(
            fields(a("", " ")),
            [
                ("explanation".into(), "required".into()),
                ("action_taken".into(), "required".into())
            ]
        );
        assert_eq!(
            fields(a(&"字".repeat(MAX_ANSWER_CHARS + 1), "x")),
            [("explanation".into(), "too_long".into())]
        );
        assert!(a(&"字".repeat(MAX_ANSWER_CHARS), "x").is_ok());
    }
}
