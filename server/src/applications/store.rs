//! Cases in SQL that SQLite and PostgreSQL both accept.
//!
//! A submission is one transaction whose first statement takes the day's next sequence
//! number (an upsert), so on SQLite it holds the write lock from its start and concurrent
//! submissions queue on `busy_timeout` instead of failing on a stale read snapshot. A
//! transaction that still meets a busy database (or a PostgreSQL serialisation failure) is
//! retried a few times (`db::retry`). A race between two submissions with the same
//! idempotency key ends in the loser's unique violation: it rolls back and answers with the
//! winner's case.

use api_client::CaseStatus;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Executor, Row};

use crate::db::retry::{self, is_unique_violation};
use crate::db::uploads;
use crate::error::ApiError;
use crate::numbering;

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
    let status = CaseStatus::try_from(status).map_err(|e| sqlx::Error::Decode(e.into()))?;
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

/// Inserts the case in one transaction, retried while the database is busy. A race of two
/// submissions with the same key ends in the loser's unique violation: it answers with the
/// winner's case.
pub async fn insert(pool: &AnyPool, new: &NewCase<'_>) -> Result<Outcome, ApiError> {
    let attempt = || async {
        match try_insert(pool, new).await {
            Err(e) if is_unique_violation(&e) => match find_by_key(pool, new.key).await? {
                Some(existing) => Ok(Outcome::Existing(existing)),
                // Not this key: another unique value met a race; worth another try.
                None => Err(ApiError::Database(e)),
            },
            other => Ok(other?),
        }
    };
    retry::retry_while(
        |e| retry::is_transient(e) || is_unique_violation(e),
        attempt,
    )
    .await
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
    if !uploads::take(&mut *tx, &number, new.uploads).await? {
        tx.rollback().await?;
        return Ok(Outcome::UploadTaken);
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
