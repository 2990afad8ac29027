//! The applicant's rating of a completed case (`rate_case`, the use case): one per case (the
//! primary key of `case_ratings` refuses a second even in a race), with a rectification due
//! when poor; and how a rating shows on the track page (`shown`, `can_rate`).

use std::net::IpAddr;

use api_client::ratings::validate_rating;
use api_client::{CaseStatus, RatingRequest, RatingView};
use sqlx::AnyPool;

use super::rectification;
use super::stored::StoredRating;
use crate::calendar::{format_date, now_cst, rfc3339_cst, Calendar, Today};
use crate::cases::access::{open, read_parts};
use crate::error::ApiError;
use crate::state::AppState;

/// Whether a case in `status` may be rated, already `rated` or not, by someone who opened it
/// with the query code (`with_code`; a lookup by mobile only shows the case).
pub fn can_rate(status: CaseStatus, rated: bool, with_code: bool) -> bool {
    status == CaseStatus::Completed && !rated && with_code
}

/// How `stored`, a case's rating read with the case (`stored::joined`), shows to its
/// applicant (the lights with the calendar of catalogue `version`).
pub async fn shown(
    pool: &AnyPool,
    version: i64,
    stored: Option<&StoredRating>,
) -> Result<Option<RatingView>, ApiError> {
    match stored {
        Some(r) => Ok(Some(view(r, &Today::load(pool, version).await?))),
        None => Ok(None),
    }
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

/// The applicant rates case `number` (the path's text) with `req`, checked in this order: the
/// request and the number and code together (400), the gate (`cases::access::open`: 429,
/// 404), the case's status (409), a rating already given (409).
pub async fn rate_case(
    state: &AppState,
    addr: Option<IpAddr>,
    number: Option<&str>,
    req: &RatingRequest,
) -> Result<RatingView, ApiError> {
    let read = read_parts(number, Some(&req.c), None, false);
    let mut errors = match &read {
        Err(ApiError::BadRequest(fields)) => fields.clone(),
        _ => Vec::new(),
    };
    errors.extend(validate_rating(
        req.level,
        &req.tags,
        req.comment.as_deref(),
    ));
    let (number, proof) = match read {
        Ok(parts) if errors.is_empty() => parts,
        _ => return Err(ApiError::BadRequest(errors)),
    };
    let case = open(state, addr, &number, &proof).await?;
    let stored = rate(
        &state.pool,
        &case.number,
        case.status,
        req.level,
        &req.tags,
        req.comment.as_deref(),
        state.config.rectification_days,
    )
    .await?;
    let catalogue = state.catalogue().await?;
    let today = Today::load(&state.pool, catalogue.version).await?;
    Ok(view(&stored, &today))
}

/// Rates case `number`, which is in `status`: 409 unless it is completed, 409 when it has
/// been rated. A poor rating is due a rectification `rectification_days` working days on.
/// `tags` and `comment` have been checked (`api_client::ratings::validate_rating`).
async fn rate(
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
    .bind(crate::db::sql::json(&tags)?)
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
