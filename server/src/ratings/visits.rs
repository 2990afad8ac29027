//! The kiosk's rating of a visit (一次一评): a level and reason tags, nothing that says who.
//! Only a registered kiosk rates (`kiosks::devices`), and only a visit it started
//! (`kiosks::visits`), once.

use api_client::ratings::validate_rating;
use api_client::{FieldError, VisitRated, VisitRatingRequest};
use sqlx::AnyPool;

use crate::calendar::{format_date, now_cst, rfc3339_cst};
use crate::db::{retry, sql};
use crate::error::ApiError;
use crate::kiosks::visits::VISIT_TTL_SECS;

/// The only channel that rates visits.
pub const KIOSK: &str = "kiosk";

/// Counts a visit rating from kiosk `kiosk_id` (checked by `kiosks::devices::check`): 400
/// naming a bad `visit`, `level` or tag; 401 `visit_unknown` (not a live visit of this kiosk)
/// or `visit_rated` (rated already). Answers when it was made.
pub async fn rate(
    pool: &AnyPool,
    kiosk_id: &str,
    req: &VisitRatingRequest,
) -> Result<VisitRated, ApiError> {
    let mut errors = Vec::new();
    let visit = req.visit.trim();
    if visit.is_empty() || visit.len() > 64 || !visit.chars().all(|c| c.is_ascii_hexdigit()) {
        errors.push(FieldError::new(
            "visit",
            "invalid",
            "visit must be the id POST /kiosk/visits gave",
        ));
    }
    errors.extend(validate_rating(req.level, &req.tags, None));
    if !errors.is_empty() {
        return Err(ApiError::BadRequest(errors));
    }
    let tags = sql::json(&super::distinct_tags(&req.tags))?;
    retry::transaction(|| async {
        let now = now_cst();
        let at = now.unix_timestamp();
        // Dropping the transaction on an error rolls it back.
        let mut tx = pool.begin().await?;
        // Checking and marking in one statement: of two ratings of a visit at once, one
        // finds it rated.
        let marked = sqlx::query(
            "UPDATE kiosk_visits SET rated_at = $1
             WHERE id = $2 AND kiosk_id = $3 AND rated_at IS NULL AND started_at >= $4",
        )
        .bind(at)
        .bind(visit)
        .bind(kiosk_id)
        .bind(at - VISIT_TTL_SECS)
        .execute(&mut *tx)
        .await?;
        if marked.rows_affected() != 1 {
            let rated: Option<Option<i64>> = sqlx::query_scalar(
                "SELECT rated_at FROM kiosk_visits WHERE id = $1 AND kiosk_id = $2 AND started_at >= $3",
            )
            .bind(visit)
            .bind(kiosk_id)
            .bind(at - VISIT_TTL_SECS)
            .fetch_optional(&mut *tx)
            .await?;
            return Err(match rated {
                Some(Some(_)) => ApiError::Refused {
                    code: "visit_rated",
                    message: "this visit has been rated already".into(),
                },
                _ => ApiError::Refused {
                    code: "visit_unknown",
                    message: "no visit of this kiosk has this id, or it has expired".into(),
                },
            });
        }
        sqlx::query(
            "INSERT INTO visit_ratings (channel, level, tags, rated_at, rated_day, kiosk_id)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(KIOSK)
        .bind(i64::from(req.level))
        .bind(&tags)
        .bind(at)
        .bind(format_date(now.date()))
        .bind(kiosk_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(VisitRated {
            rated_at: rfc3339_cst(at),
        })
    })
    .await
}
