//! Staff tokens: how staff of a department authenticate to the staff API.
//!
//! A token is created on the command line (`server staff-token create NAME --department
//! CODE`) and printed once: `owst_` + 32 random bytes in hex. Only its SHA-256 is stored, with
//! a short public id for listing and revoking. Requests carry it as `Authorization: Bearer
//! <token>`; `check` answers 401 (the one error shape) when it is missing, unknown or
//! revoked (the routes' `Staff` extractor calls it).
//!
//! A token made with `--complaints-office` instead of `--department` belongs to the
//! complaints office (投诉受理办公室): it handles complaints (those of no department above
//! all, see `complaints::handling`) and no case; its stored department is empty.

use crate::db::credentials::{random_hex, token_hash};
use sqlx::AnyPool;

use super::lifecycle::Actor;
use crate::error::ApiError;

/// Every staff token starts with this.
pub const TOKEN_PREFIX: &str = "owst_";

/// A staff member, authenticated by their token.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Staff {
    /// The token's public id.
    pub id: String,
    pub name: String,
    /// Empty for the complaints office.
    pub department_code: String,
    #[sqlx(try_from = "i64")]
    pub complaints_office: Flag,
}

/// A 0/1 column as a bool (`Any` reads integers only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag(pub bool);

impl From<i64> for Flag {
    fn from(v: i64) -> Self {
        Flag(v != 0)
    }
}

impl Staff {
    pub fn actor(&self) -> Actor {
        if self.complaints_office.0 {
            return Actor::ComplaintsOffice {
                name: self.name.clone(),
            };
        }
        Actor::Staff {
            name: self.name.clone(),
            department_code: self.department_code.clone(),
        }
    }

    /// The department whose cases this staff member handles, or a 403 for the complaints
    /// office, which has none.
    pub fn department(&self) -> Result<&str, ApiError> {
        if self.complaints_office.0 {
            return Err(ApiError::Forbidden(
                "the complaints office handles complaints, not cases".into(),
            ));
        }
        Ok(&self.department_code)
    }
}

/// Whom a new token is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder<'a> {
    /// Staff of the department with this code.
    Department(&'a str),
    ComplaintsOffice,
}

/// A stored token, as listed.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    /// Empty for the complaints office.
    pub department_code: String,
    #[sqlx(try_from = "i64")]
    pub complaints_office: Flag,
    /// Unix seconds.
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// Creates a token for `name` of `holder` (a department must exist); answers with its
/// public id and the token itself, which is never stored. 400 on `name` or `department`
/// (naming the known codes).
pub async fn create(
    pool: &AnyPool,
    name: &str,
    holder: Holder<'_>,
) -> Result<(String, String), ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::field(
            "name",
            "invalid",
            "the name must be 1–100 characters",
        ));
    }
    let department_code = match holder {
        Holder::Department(code) => code,
        Holder::ComplaintsOffice => "",
    };
    let known: Vec<String> =
        sqlx::query_scalar("SELECT code FROM departments ORDER BY sort_order, code")
            .fetch_all(pool)
            .await?;
    if matches!(holder, Holder::Department(_)) && !known.iter().any(|k| k == department_code) {
        return Err(ApiError::field(
            "department",
            "unknown",
            format!(
                "no department has the code `{department_code}` (known: {})",
                if known.is_empty() {
                    "none; import a catalogue first".to_string()
                } else {
                    known.join(", ")
                }
            ),
        ));
    }
    let token = format!("{TOKEN_PREFIX}{}", random_hex(32)?);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // A clash of two 5-byte ids is unlikely; try again if it happens.
    for _ in 0..5 {
        let id = random_hex(5)?;
        let inserted = sqlx::query(
            "INSERT INTO staff_tokens (id, name, department_code, token_hash, created_at, complaints_office)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&id)
        .bind(name)
        .bind(department_code)
        .bind(token_hash(&token))
        .bind(now)
        .bind(i64::from(matches!(holder, Holder::ComplaintsOffice)))
        .execute(pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok((id, token));
        }
    }
    Err(ApiError::Internal(anyhow::anyhow!(
        "could not find a free token id"
    )))
}

/// Every token, oldest first.
pub async fn list(pool: &AnyPool) -> Result<Vec<TokenRow>, ApiError> {
    Ok(sqlx::query_as("SELECT id, name, department_code, complaints_office, created_at, revoked_at FROM staff_tokens ORDER BY created_at, id")
        .fetch_all(pool)
        .await?)
}

/// The staff member holding `token`, when it is a valid token that is not revoked.
async fn authenticate(pool: &AnyPool, token: &str) -> Result<Option<Staff>, ApiError> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
        return Ok(None);
    }
    Ok(sqlx::query_as("SELECT id, name, department_code, complaints_office FROM staff_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
        .bind(token_hash(token))
        .fetch_optional(pool)
        .await?)
}

/// The staff member holding `token`, the bearer token a request carries (none when it
/// carries no usable `Authorization: Bearer` header), or a 401.
pub async fn check(pool: &AnyPool, token: Option<&str>) -> Result<Staff, ApiError> {
    let token = token.ok_or_else(|| {
        ApiError::Unauthorized("staff only: send Authorization: Bearer <staff token>".into())
    })?;
    authenticate(pool, token).await?.ok_or_else(|| {
        ApiError::Unauthorized("the staff token is not valid or has been revoked".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stored_as_their_hash() {
        let h = token_hash("owst_00");
        assert_eq!(h.len(), 64);
        assert_ne!(h, token_hash("owst_01"));
        let t = format!("{TOKEN_PREFIX}{}", random_hex(32).unwrap());
        assert_eq!(t.len(), 5 + 64);
    }
}
