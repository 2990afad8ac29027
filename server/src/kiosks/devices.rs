//! Kiosk device tokens: `owk_` + 32 random bytes in hex, printed once by `server kiosk
//! create NAME`; only the SHA-256 is stored, with a short public id for listing and
//! revoking. A kiosk sends it as the cookie `KIOSK_COOKIE` (set by the enrolment page, path
//! `/api/v1`, `HttpOnly`, `SameSite=Strict`); `check` answers 401 with a code of its own when
//! it is missing, unknown or revoked.

use sqlx::AnyPool;

use crate::db::credentials::{random_hex, token_hash};
use crate::error::ApiError;

/// Every kiosk device token starts with this.
pub const TOKEN_PREFIX: &str = "owk_";

/// The cookie that carries a kiosk's device token.
pub const KIOSK_COOKIE: &str = "ow_kiosk";

/// A registered kiosk, as listed.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct KioskRow {
    pub id: String,
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// Registers the kiosk `name`; answers with its public id and its device token, which is
/// never stored. 400 on `name`.
pub async fn create(pool: &AnyPool, name: &str) -> Result<(String, String), ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::field(
            "name",
            "invalid",
            "the kiosk's name must be 1–100 characters, without control characters",
        ));
    }
    let token = format!("{TOKEN_PREFIX}{}", random_hex(32)?);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // A clash of two 5-byte ids is unlikely; try again if it happens.
    for _ in 0..5 {
        let id = random_hex(5)?;
        let inserted = sqlx::query(
            "INSERT INTO kiosks (id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&id)
        .bind(name)
        .bind(token_hash(&token))
        .bind(now)
        .execute(pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok((id, token));
        }
    }
    Err(ApiError::Internal(anyhow::anyhow!(
        "could not find a free kiosk id"
    )))
}

/// Every kiosk, oldest first.
pub async fn list(pool: &AnyPool) -> Result<Vec<KioskRow>, ApiError> {
    Ok(sqlx::query_as(
        "SELECT id, name, created_at, revoked_at FROM kiosks ORDER BY created_at, id",
    )
    .fetch_all(pool)
    .await?)
}

#[derive(sqlx::FromRow)]
struct Found {
    id: String,
    revoked_at: Option<i64>,
}

/// The id of the registered kiosk holding `token` (the device cookie's value, none when the
/// request has none), or a 401: `kiosk_unregistered` (no token), `kiosk_unknown` (not a
/// kiosk's token) or `kiosk_revoked`.
pub async fn check(pool: &AnyPool, token: Option<&str>) -> Result<String, ApiError> {
    let refused = |code, message: &str| ApiError::Refused {
        code,
        message: message.into(),
    };
    let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
        return Err(refused(
            "kiosk_unregistered",
            "only a registered kiosk may do this: enrol it at /kiosk/enrol with its device token",
        ));
    };
    let unknown = || {
        refused(
            "kiosk_unknown",
            "this is not a registered kiosk's device token",
        )
    };
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
        return Err(unknown());
    }
    let found: Option<Found> =
        sqlx::query_as("SELECT id, revoked_at FROM kiosks WHERE token_hash = $1")
            .bind(token_hash(token))
            .fetch_optional(pool)
            .await?;
    match found {
        None => Err(unknown()),
        Some(Found {
            revoked_at: Some(_),
            ..
        }) => Err(refused(
            "kiosk_revoked",
            "this kiosk's device token has been revoked",
        )),
        Some(Found { id, .. }) => Ok(id),
    }
}
