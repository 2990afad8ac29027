//! The applicant's rating of a completed case: one per case (the primary key of
//! `case_ratings` refuses a second even in a race), with a rectification due when poor.

use api_client::{CaseStatus, RatingView};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Executor, Row};

use super::rectification;
use crate::calendar::rfc3339_cst;
use crate::calendar::Today;
use crate::calendar::{format_date, now_cst, Calendar};
use crate::error::ApiError;

/// A stored rating with its rectification columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRating {
    pub case_number: String,
    pub level: u8,
    pub tags: Vec<String>,
    pub comment: Option<String>,
    pub rated_at: i64,
    /// Set for a poor rating.
    pub rectification_due: Option<String>,
    pub explanation: Option<String>,
    pub action_taken: Option<String>,
    pub answered_at: Option<i64>,
}

pub const COLUMNS: &str =
    "r.case_number, r.level, r.tags, r.comment, r.rated_at, r.rectification_due, \
     r.rectification_explanation, r.rectification_action, r.rectification_answered_at";

/// A row whose first columns are `COLUMNS`.
pub fn stored_rating(row: &AnyRow) -> Result<StoredRating, sqlx::Error> {
    let level: i64 = row.try_get(1)?;
    let tags: String = row.try_get(2)?;
    Ok(StoredRating {
        case_number: row.try_get(0)?,
        level: u8::try_from(level)
            .map_err(|_| sqlx::Error::Decode(format!("a rating level of {level}").into()))?,
        tags: serde_json::from_str(&tags)
            .map_err(|e| sqlx::Error::Decode(format!("the stored tags of a rating: {e}").into()))?,
        comment: row.try_get(3)?,
        rated_at: row.try_get(4)?,
        rectification_due: row.try_get(5)?,
        explanation: row.try_get(6)?,
        action_taken: row.try_get(7)?,
        answered_at: row.try_get(8)?,
    })
}

/// The rating of case `number`, if it has been rated.
pub async fn find<'e, E: Executor<'e, Database = Any>>(
    e: E,
    number: &str,
) -> Result<Option<StoredRating>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM case_ratings r WHERE r.case_number = $1");
    sqlx::query(&sql)
        .bind(number)
        .fetch_optional(e)
        .await?
        .as_ref()
        .map(stored_rating)
        .transpose()
}

/// Whether a case in `status` may be rated, already `rated` or not, by someone who opened it
/// with the query code (`with_code`; a lookup by mobile only shows the case).
pub fn can_rate(status: CaseStatus, rated: bool, with_code: bool) -> bool {
    status == CaseStatus::Completed && !rated && with_code
}

/// A rating as the applicant sees it.
pub fn view(r: &StoredRating, today: &Today) -> RatingView {
    RatingView {
        level: r.level,
        tags: r.tags.clone(),
        comment: r.comment.clone(),
        rated_at: rfc3339_cst(r.rated_at),
        rectification: rectification::view(r, today),
    }
}

/// Rates case `number`, which is in `status`: 409 unless it is completed, 409 when it has
/// been rated. A poor rating is due a rectification `rectification_days` working days on.
/// `tags` and `comment` have been checked (`api_client::ratings::validate_rating`).
pub async fn rate(
    pool: &AnyPool,
    number: &str,
    status: CaseStatus,
    level: u8,
    tags: &[String],
    comment: Option<&str>,
    rectification_days: u32,
) -> Result<StoredRating, ApiError> {
    if status != CaseStatus::Completed {
        return Err(ApiError::Conflict(format!(
            "only a completed case can be rated; this one is {}",
            status.as_str()
        )));
    }
    let now = now_cst();
    let today = now.date();
    let rectification_due = if api_client::ratings::is_poor(level) {
        Some(format_date(rectification::due(
            &Calendar::load(pool, today).await?,
            today,
            rectification_days,
        )))
    } else {
        None
    };
    let tags = super::distinct_tags(tags);
    let comment = super::comment(comment);
    let inserted = sqlx::query(
        "INSERT INTO case_ratings (case_number, level, tags, comment, rated_at, rated_day, rectification_due)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (case_number) DO NOTHING",
    )
    .bind(number)
    .bind(i64::from(level))
    .bind(serde_json::to_string(&tags).map_err(|e| ApiError::Internal(e.into()))?)
    .bind(comment.as_deref())
    .bind(now.unix_timestamp())
    .bind(format_date(today))
    .bind(rectification_due.as_deref())
    .execute(pool)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(ApiError::Conflict(
            "this case has been rated already: a case is rated once".into(),
        ));
    }
    Ok(StoredRating {
        case_number: number.to_string(),
        level,
        tags,
        comment,
        rated_at: now.unix_timestamp(),
        rectification_due,
        explanation: None,
        action_taken: None,
        answered_at: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_completed_unrated_cases_opened_with_the_code() {
        assert!(can_rate(CaseStatus::Completed, false, true));
        assert!(!can_rate(CaseStatus::Completed, true, true), "rated once");
        assert!(
            !can_rate(CaseStatus::Completed, false, false),
            "opened by mobile"
        );
        for s in [
            CaseStatus::Submitted,
            CaseStatus::Accepted,
            CaseStatus::Approved,
            CaseStatus::Denied,
            CaseStatus::Withdrawn,
        ] {
            assert!(!can_rate(s, false, true), "{s:?}");
        }
    }
}
