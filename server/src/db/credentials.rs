//! Bearer credentials kept only as their SHA-256 (staff tokens, kiosk device tokens): the
//! random parts they are made of, their stored form, and revocation, which works the same
//! way for both.

use sha2::{Digest, Sha256};
use sqlx::AnyPool;

use crate::error::ApiError;

/// `bytes` random bytes from the system, in hex.
pub fn random_hex(bytes: usize) -> Result<String, ApiError> {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("no randomness available: {e}")))?;
    Ok(hex::encode(buf))
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The tables of revocable credentials, each with a public `id` and a `revoked_at`.
#[derive(Clone, Copy)]
pub enum Holders {
    StaffTokens,
    Kiosks,
}

impl Holders {
    fn table(self) -> &'static str {
        match self {
            Holders::StaffTokens => "staff_tokens",
            Holders::Kiosks => "kiosks",
        }
    }
}

pub enum Revoked {
    Now,
    Already,
    NoSuchId,
}

/// Revokes the credential with public id `id` in `holders`: it stops working at once.
pub async fn revoke(pool: &AnyPool, holders: Holders, id: &str) -> Result<Revoked, ApiError> {
    let table = holders.table();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let done = sqlx::query(&format!(
        "UPDATE {table} SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL"
    ))
    .bind(now)
    .bind(id.trim())
    .execute(pool)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(Revoked::Now);
    }
    let exists: Option<String> =
        sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE id = $1"))
            .bind(id.trim())
            .fetch_optional(pool)
            .await?;
    Ok(if exists.is_some() {
        Revoked::Already
    } else {
        Revoked::NoSuchId
    })
}
