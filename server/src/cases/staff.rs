//! Staff tokens: how staff of a department authenticate to the staff API.
//!
//! A token is created on the command line (`server staff-token create NAME --department
//! CODE`) and printed once: `owst_` + 32 random bytes in hex. Only its SHA-256 is stored, with
//! a short public id for listing and revoking. Requests carry it as `Authorization: Bearer
//! <token>`; the `Staff` extractor answers 401 (the one error shape) when it is missing,
//! unknown or revoked.

use api_client::Department;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};

use super::lifecycle::Actor;
use crate::error::ApiError;
use crate::state::AppState;

/// Every staff token starts with this.
pub const TOKEN_PREFIX: &str = "owst_";

/// A staff member, authenticated by their token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staff {
    /// The token's public id.
    pub id: String,
    pub name: String,
    pub department_code: String,
}

impl Staff {
    pub fn actor(&self) -> Actor {
        Actor::Staff {
            name: self.name.clone(),
            department_code: self.department_code.clone(),
        }
    }
}

/// A stored token, as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub department_code: String,
    /// Unix seconds.
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

fn random_hex(bytes: usize) -> anyhow::Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    Ok(hex::encode(buf))
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The department with this code, if any.
pub async fn department(pool: &AnyPool, code: &str) -> Result<Option<Department>, sqlx::Error> {
    let row = sqlx::query("SELECT code, name, phone FROM departments WHERE code = $1")
        .bind(code)
        .fetch_optional(pool)
        .await?;
    row.map(|r| {
        Ok(Department {
            code: r.try_get(0)?,
            name: r.try_get(1)?,
            phone: r.try_get(2)?,
            service_count: 0,
        })
    })
    .transpose()
}

/// Creates a token for `name` of department `department_code` (which must exist); answers
/// with its public id and the token itself, which is never stored.
pub async fn create(
    pool: &AnyPool,
    name: &str,
    department_code: &str,
) -> anyhow::Result<(String, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        anyhow::bail!("the name must be 1–100 characters");
    }
    if department(pool, department_code).await?.is_none() {
        let known: Vec<String> =
            sqlx::query("SELECT code FROM departments ORDER BY sort_order, code")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<Result<_, _>>()?;
        anyhow::bail!(
            "no department has the code `{department_code}` (known: {})",
            if known.is_empty() {
                "none; import a catalogue first".to_string()
            } else {
                known.join(", ")
            }
        );
    }
    let token = format!("{TOKEN_PREFIX}{}", random_hex(32)?);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // A clash of two 5-byte ids is unlikely; try again if it happens.
    for _ in 0..5 {
        let id = random_hex(5)?;
        let inserted = sqlx::query(
            "INSERT INTO staff_tokens (id, name, department_code, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&id)
        .bind(name)
        .bind(department_code)
        .bind(token_hash(&token))
        .bind(now)
        .execute(pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok((id, token));
        }
    }
    anyhow::bail!("could not find a free token id")
}

/// Every token, oldest first.
pub async fn list(pool: &AnyPool) -> Result<Vec<TokenRow>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, name, department_code, created_at, revoked_at FROM staff_tokens ORDER BY created_at, id")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(TokenRow {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                department_code: r.try_get(2)?,
                created_at: r.try_get(3)?,
                revoked_at: r.try_get(4)?,
            })
        })
        .collect()
}

pub enum Revoked {
    Now,
    Already,
    NoSuchToken,
}

/// Revokes the token with public id `id`: it stops working at once.
pub async fn revoke(pool: &AnyPool, id: &str) -> Result<Revoked, sqlx::Error> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let done =
        sqlx::query("UPDATE staff_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id.trim())
            .execute(pool)
            .await?;
    if done.rows_affected() == 1 {
        return Ok(Revoked::Now);
    }
    let exists = sqlx::query("SELECT id FROM staff_tokens WHERE id = $1")
        .bind(id.trim())
        .fetch_optional(pool)
        .await?;
    Ok(if exists.is_some() {
        Revoked::Already
    } else {
        Revoked::NoSuchToken
    })
}

/// The staff member holding `token`, when it is a valid token that is not revoked.
pub async fn authenticate(pool: &AnyPool, token: &str) -> Result<Option<Staff>, sqlx::Error> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
        return Ok(None);
    }
    let row = sqlx::query("SELECT id, name, department_code FROM staff_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
        .bind(token_hash(token))
        .fetch_optional(pool)
        .await?;
    row.map(|r| {
        Ok(Staff {
            id: r.try_get(0)?,
            name: r.try_get(1)?,
            department_code: r.try_get(2)?,
        })
    })
    .transpose()
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let missing =
        || ApiError::Unauthorized("staff only: send Authorization: Bearer <staff token>".into());
    let mut values = parts.headers.get_all(AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(missing());
    };
    let value = value.to_str().map_err(|_| missing())?.trim();
    let (scheme, token) = value.split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(missing());
    }
    Ok(token.trim())
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        authenticate(&state.pool, token).await?.ok_or_else(|| {
            ApiError::Unauthorized("the staff token is not valid or has been revoked".into())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut req = axum::http::Request::builder().uri("/");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.body(()).unwrap().into_parts().0
    }

    #[test]
    fn bearer_tokens_are_read_from_the_header() {
        assert_eq!(
            bearer(&parts(&[("authorization", "Bearer owst_abc")])).unwrap(),
            "owst_abc"
        );
        assert_eq!(
            bearer(&parts(&[("authorization", "bearer  owst_abc ")])).unwrap(),
            "owst_abc"
        );
        assert!(bearer(&parts(&[])).is_err());
        assert!(bearer(&parts(&[("authorization", "Basic dXNlcjpwYXNz")])).is_err());
        assert!(bearer(&parts(&[("authorization", "owst_abc")])).is_err());
        assert!(bearer(&parts(&[
            ("authorization", "Bearer a"),
            ("authorization", "Bearer b")
        ]))
        .is_err());
    }

    #[test]
    fn tokens_are_stored_as_their_hash() {
        let h = token_hash("owst_00");
        assert_eq!(h.len(), 64);
        assert_ne!(h, token_hash("owst_01"));
        let t = format!("{TOKEN_PREFIX}{}", random_hex(32).unwrap());
        assert_eq!(t.len(), 5 + 64);
    }
}
