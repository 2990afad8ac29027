//! Cases in SQL that SQLite and PostgreSQL both accept.
//!
//! A submission is one transaction whose first statement takes the day's next sequence
//! number (an upsert), so on SQLite it holds the write lock from its start and concurrent
//! submissions queue on `busy_timeout` instead of failing on a stale read snapshot. A
//! transaction that still meets a busy database (or a PostgreSQL serialisation failure) is
//! retried a few times. A race between two submissions with the same idempotency key ends
//! in the loser's unique violation: it rolls back and answers with the winner's case.

use std::collections::HashMap;
use std::time::Duration;

use api_client::CaseStatus;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Executor, Row};

use super::numbering;

/// A case as the receipt and the submit answer need it.
#[derive(Clone, Debug)]
pub struct StoredCase {
    pub number: String,
    pub service_code: String,
    pub status: CaseStatus,
    pub masked_name: String,
    pub query_code_hash: String,
    pub submitted_at: i64,
    pub promised_date: String,
}

const CASE_COLUMNS: &str =
    "acceptance_number, service_code, status, masked_name, query_code_hash, submitted_at, promised_date";

fn stored_case(row: &AnyRow) -> Result<StoredCase, sqlx::Error> {
    let status: String = row.try_get(2)?;
    let status = serde_json::from_value(serde_json::Value::String(status.clone()))
        .map_err(|_| sqlx::Error::Decode(format!("unknown case status `{status}`").into()))?;
    Ok(StoredCase {
        number: row.try_get(0)?,
        service_code: row.try_get(1)?,
        status,
        masked_name: row.try_get(3)?,
        query_code_hash: row.try_get(4)?,
        submitted_at: row.try_get(5)?,
        promised_date: row.try_get(6)?,
    })
}

/// The case submitted with this idempotency key.
pub async fn find_by_key<'e, E: Executor<'e, Database = Any>>(
    e: E,
    key: &str,
) -> Result<Option<StoredCase>, sqlx::Error> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE idempotency_key = $1");
    sqlx::query(&sql)
        .bind(key)
        .fetch_optional(e)
        .await?
        .as_ref()
        .map(stored_case)
        .transpose()
}

/// The case with this acceptance number (18 characters, no separators).
pub async fn find(pool: &AnyPool, number: &str) -> Result<Option<StoredCase>, sqlx::Error> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE acceptance_number = $1");
    sqlx::query(&sql)
        .bind(number)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(stored_case)
        .transpose()
}

/// An upload as a submission sees it.
#[derive(Clone, Debug)]
pub struct UploadRow {
    pub size: i64,
    pub case_number: Option<String>,
}

/// The stored uploads among `ids`.
pub async fn uploads(
    pool: &AnyPool,
    ids: &[&str],
) -> Result<HashMap<String, UploadRow>, sqlx::Error> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT id, size, case_number FROM uploads WHERE id IN ({})",
        placeholders(1, ids.len())
    );
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    for row in q.fetch_all(pool).await? {
        out.insert(
            row.try_get(0)?,
            UploadRow {
                size: row.try_get(1)?,
                case_number: row.try_get(2)?,
            },
        );
    }
    Ok(out)
}

/// `$from, $from+1, …` (n of them).
pub fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A case to insert; its number is given out inside the transaction.
pub struct NewCase<'a> {
    pub key: &'a str,
    /// `YYYY-MM-DD` (China Standard Time): the sequence's day.
    pub day: &'a str,
    pub yymmdd: &'a str,
    pub region_code: &'a str,
    pub service_code: &'a str,
    pub department_code: &'a str,
    /// JSON documents.
    pub applicant: &'a str,
    pub answers: &'a str,
    pub materials: &'a str,
    pub masked_name: &'a str,
    pub submitted_at: i64,
    pub promised_date: &'a str,
    /// Distinct upload ids, to be marked with the case's number.
    pub uploads: &'a [&'a str],
    /// Turns the new number into the stored hash of the query code.
    pub code_hash: &'a (dyn Fn(&str) -> String + Sync),
}

pub enum Outcome {
    Created(StoredCase),
    /// A case with this idempotency key was there already.
    Existing(StoredCase),
    /// An upload was taken by another case in the meantime; nothing was written.
    UploadTaken,
}

const ATTEMPTS: u32 = 8;

/// Inserts the case in one transaction, retried while the database is busy.
pub async fn insert(pool: &AnyPool, new: &NewCase<'_>) -> anyhow::Result<Outcome> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_insert(pool, new).await {
            Ok(outcome) => return Ok(outcome),
            Err(e) if is_unique_violation(&e) => {
                if let Some(existing) = find_by_key(pool, new.key).await? {
                    return Ok(Outcome::Existing(existing));
                }
                if attempt >= ATTEMPTS {
                    return Err(e.into());
                }
            }
            Err(e) if is_transient(&e) && attempt < ATTEMPTS => {}
            Err(e) => return Err(e.into()),
        }
        tracing::debug!(attempt, "submission transaction retried");
        // Back off a little more each time, with jitter so that retries do not collide again.
        let jitter = u64::from(std::process::id() ^ attempt ^ (new.submitted_at as u32)) % 20;
        tokio::time::sleep(Duration::from_millis(10 * (1 << attempt.min(6)) + jitter)).await;
    }
}

async fn try_insert(pool: &AnyPool, new: &NewCase<'_>) -> Result<Outcome, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let number = numbering::next_number(&mut tx, new.day, new.region_code, new.yymmdd).await?;
    if let Some(existing) = find_by_key(&mut *tx, new.key).await? {
        tx.rollback().await?;
        return Ok(Outcome::Existing(existing));
    }
    let hash = (new.code_hash)(&number);
    sqlx::query(
        "INSERT INTO cases (acceptance_number, service_code, department_code, status, applicant, masked_name,
             answers, materials, query_code_hash, idempotency_key, submitted_at, promised_date)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&number)
    .bind(new.service_code)
    .bind(new.department_code)
    .bind(CaseStatus::Submitted.as_str())
    .bind(new.applicant)
    .bind(new.masked_name)
    .bind(new.answers)
    .bind(new.materials)
    .bind(&hash)
    .bind(new.key)
    .bind(new.submitted_at)
    .bind(new.promised_date)
    .execute(&mut *tx)
    .await?;
    if !new.uploads.is_empty() {
        let sql = format!(
            "UPDATE uploads SET case_number = $1 WHERE case_number IS NULL AND id IN ({})",
            placeholders(2, new.uploads.len())
        );
        let mut q = sqlx::query(&sql).bind(&number);
        for id in new.uploads {
            q = q.bind(*id);
        }
        if q.execute(&mut *tx).await?.rows_affected() != new.uploads.len() as u64 {
            tx.rollback().await?;
            return Ok(Outcome::UploadTaken);
        }
    }
    tx.commit().await?;
    Ok(Outcome::Created(StoredCase {
        number,
        service_code: new.service_code.to_string(),
        status: CaseStatus::Submitted,
        masked_name: new.masked_name.to_string(),
        query_code_hash: hash,
        submitted_at: new.submitted_at,
        promised_date: new.promised_date.to_string(),
    }))
}

pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Runs `attempt` until it succeeds or fails with an error that is not transient (see
/// `is_transient`), at most `ATTEMPTS` times, backing off a little more each time. Each
/// attempt must be a whole transaction: a failed one has been rolled back (dropped).
pub async fn retry_transient<T, F, Fut>(mut attempt: F) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, sqlx::Error>>,
{
    let mut n = 0;
    loop {
        n += 1;
        match attempt().await {
            Err(e) if is_transient(&e) && n < ATTEMPTS => {
                tracing::debug!(attempt = n, "transaction retried");
                // Jitter, so that two retries that collided do not collide again.
                let jitter = u64::from(std::process::id() ^ n) % 20;
                tokio::time::sleep(Duration::from_millis(10 * (1 << n.min(6)) + jitter)).await;
            }
            other => return other,
        }
    }
}

/// SQLite busy or locked (codes 5 and 6 with their extended codes), PostgreSQL
/// serialisation failure or deadlock: worth trying again.
pub fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            let code = d.code().map(|c| c.into_owned()).unwrap_or_default();
            // SQLite's (extended) result codes are at most 4 digits; PostgreSQL's SQLSTATEs are 5 characters.
            let sqlite_busy =
                code.len() <= 4 && code.parse::<i64>().is_ok_and(|c| matches!(c & 0xff, 5 | 6));
            sqlite_busy
                || matches!(code.as_str(), "40001" | "40P01")
                || d.message().contains("database is locked")
                || d.message().contains("database table is locked")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_count_from_the_first() {
        assert_eq!(super::placeholders(2, 3), "$2, $3, $4");
        assert_eq!(super::placeholders(1, 1), "$1");
    }
}
