//! The kiosk's rating of a visit (一次一评): a level and reason tags, nothing that says who.

use sqlx::AnyPool;

use crate::calendar::{format_date, now_cst};
use crate::error::ApiError;

/// The only channel that rates visits.
pub const KIOSK: &str = "kiosk";

/// Stores a visit rating (level and tags checked by `validate_rating`); when it was made.
pub async fn rate(pool: &AnyPool, level: u8, tags: &[String]) -> Result<i64, ApiError> {
    let now = now_cst();
    let tags = serde_json::to_string(&super::distinct_tags(tags))
        .map_err(|e| ApiError::Internal(e.into()))?;
    sqlx::query("INSERT INTO visit_ratings (channel, level, tags, rated_at, rated_day) VALUES ($1, $2, $3, $4, $5)")
        .bind(KIOSK)
        .bind(i64::from(level))
        .bind(tags)
        .bind(now.unix_timestamp())
        .bind(format_date(now.date()))
        .execute(pool)
        .await?;
    Ok(now.unix_timestamp())
}
