//! A visitor's session at a registered kiosk (一次一评: one rating per visit). The kiosk
//! starts one when a session begins and keeps its id in memory only; the rating
//! (`ratings::visits`) marks it rated in the same statement that checks it, so a visit is
//! rated once however many ratings race.

use api_client::VisitStarted;
use sqlx::AnyPool;

use crate::calendar::{now_cst, rfc3339_cst};
use crate::db::credentials::random_hex;
use crate::error::ApiError;

/// How long after its start a visit may be rated: longer than any session at a kiosk.
pub const VISIT_TTL_SECS: i64 = 4 * 60 * 60;

/// Starts a visit at kiosk `kiosk_id` (checked by `devices::check`). The kiosk's visits that
/// can no longer be rated are removed on the way, so the table holds only live ones.
pub async fn start(pool: &AnyPool, kiosk_id: &str) -> Result<VisitStarted, ApiError> {
    let now = now_cst().unix_timestamp();
    sqlx::query("DELETE FROM kiosk_visits WHERE kiosk_id = $1 AND started_at < $2")
        .bind(kiosk_id)
        .bind(now - VISIT_TTL_SECS)
        .execute(pool)
        .await?;
    let id = random_hex(16)?;
    sqlx::query("INSERT INTO kiosk_visits (id, kiosk_id, started_at) VALUES ($1, $2, $3)")
        .bind(&id)
        .bind(kiosk_id)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(VisitStarted {
        visit: id,
        expires_at: rfc3339_cst(now + VISIT_TTL_SECS),
    })
}
