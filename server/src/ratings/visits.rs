//! The kiosk's rating of a visit (一次一评): a level and reason tags, nothing that says who.

use api_client::ratings::validate_rating;
use api_client::{VisitRated, VisitRatingRequest};
use sqlx::AnyPool;

use crate::calendar::{format_date, now_cst, rfc3339_cst};
use crate::db::sql;
use crate::error::ApiError;

/// The only channel that rates visits.
pub const KIOSK: &str = "kiosk";

/// Counts a visit rating: 400 naming a bad `level` or tag; answers when it was made.
pub async fn rate(pool: &AnyPool, req: &VisitRatingRequest) -> Result<VisitRated, ApiError> {
    let errors = validate_rating(req.level, &req.tags, None);
    if !errors.is_empty() {
        return Err(ApiError::BadRequest(errors));
    }
    let now = now_cst();
    sqlx::query("INSERT INTO visit_ratings (channel, level, tags, rated_at, rated_day) VALUES ($1, $2, $3, $4, $5)")
        .bind(KIOSK)
        .bind(i64::from(req.level))
        .bind(sql::json(&super::distinct_tags(&req.tags))?)
        .bind(now.unix_timestamp())
        .bind(format_date(now.date()))
        .execute(pool)
        .await?;
    Ok(VisitRated {
        rated_at: rfc3339_cst(now.unix_timestamp()),
    })
}
