//! Cases in SQL that SQLite and PostgreSQL both accept.
//!
//! A submission is one transaction whose first statement takes the day's next sequence
//! number (an upsert), so on SQLite it holds the write lock from its start and concurrent
//! submissions queue on `busy_timeout` instead of failing on a stale read snapshot. A
//! transaction that still meets a busy database (or a PostgreSQL serialisation failure) is
//! retried a few times (`db::retry`). A race between two submissions with the same
//! idempotency key ends in the loser's unique violation: it rolls back and is answered as a
//! retry of the winner's case (`crate::idempotency`: its code, or 422 for another request).

use api_client::CaseStatus;
use sqlx::{Any, AnyPool, Executor};

use crate::db::retry::{self, Keyed};
use crate::db::uploads;
use crate::error::ApiError;
use crate::idempotency::Kept;
use crate::numbering;

/// A case as the receipt and the submit answer need it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredCase {
    #[sqlx(rename = "acceptance_number")]
    pub number: String,
    pub service_code: String,
    #[sqlx(try_from = "String")]
    pub status: CaseStatus,
    pub masked_name: String,
    pub query_code_hash: String,
    pub submitted_at: i64,
    pub promised_date: String,
    /// For a retry under the same key (`crate::idempotency`).
    pub request_fingerprint: Option<String>,
    pub sealed_code: Option<String>,
}

impl StoredCase {
    /// What the case keeps to answer a retry.
    pub fn kept(&self) -> Kept {
        Kept {
            fingerprint: self.request_fingerprint.clone(),
            sealed_code: self.sealed_code.clone(),
            stored_at: self.submitted_at,
        }
    }
}

const CASE_COLUMNS: &str =
    "acceptance_number, service_code, status, masked_name, query_code_hash, submitted_at, \
     promised_date, request_fingerprint, sealed_code";

/// The case submitted with the idempotency key of this hash (`idempotency::key_hash`).
pub async fn find_by_key<'e, E: Executor<'e, Database = Any>>(
    e: E,
    key_hash: &str,
) -> Result<Option<StoredCase>, ApiError> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE idempotency_key_hash = $1");
    Ok(sqlx::query_as(&sql)
        .bind(key_hash)
        .fetch_optional(e)
        .await?)
}

/// The case with this acceptance number (18 characters, no separators).
pub async fn find(pool: &AnyPool, number: &str) -> Result<Option<StoredCase>, ApiError> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE acceptance_number = $1");
    Ok(sqlx::query_as(&sql)
        .bind(number)
        .fetch_optional(pool)
        .await?)
}

/// A case to insert; its number is given out inside the transaction.
pub struct NewCase<'a> {
    /// `idempotency::KeyedRequest::key_hash` and `fingerprint`.
    pub key_hash: &'a str,
    pub fingerprint: &'a str,
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
    /// Turns the new number into the query code sealed for a retry (`KeyedRequest::seal`).
    pub seal: &'a (dyn Fn(&str) -> Result<String, ApiError> + Sync),
}

/// Inserts the case in one transaction, retried while the database is busy; a race of two
/// submissions with the same key finds the winner's case (`retry::insert_keyed`).
pub async fn insert(pool: &AnyPool, new: &NewCase<'_>) -> Result<Keyed<StoredCase>, ApiError> {
    retry::insert_keyed(
        || try_insert(pool, new),
        || async { find_by_key(pool, new.key_hash).await },
    )
    .await
}

async fn try_insert(pool: &AnyPool, new: &NewCase<'_>) -> Result<Keyed<StoredCase>, ApiError> {
    let mut tx = pool.begin().await?;
    let number = numbering::next_number(&mut tx, new.day, new.region_code, new.yymmdd).await?;
    if let Some(existing) = find_by_key(&mut *tx, new.key_hash).await? {
        tx.rollback().await?;
        return Ok(Keyed::Existing(existing));
    }
    let hash = (new.code_hash)(&number);
    let sealed = (new.seal)(&number)?;
    sqlx::query(
        "INSERT INTO cases (acceptance_number, service_code, department_code, status, applicant, masked_name,
             answers, materials, query_code_hash, idempotency_key_hash, submitted_at, promised_date,
             request_fingerprint, sealed_code)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
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
    .bind(new.key_hash)
    .bind(new.submitted_at)
    .bind(new.promised_date)
    .bind(new.fingerprint)
    .bind(&sealed)
    .execute(&mut *tx)
    .await?;
    if !uploads::take(&mut *tx, &number, new.uploads).await? {
        tx.rollback().await?;
        return Ok(Keyed::UploadTaken);
    }
    tx.commit().await?;
    Ok(Keyed::Created(StoredCase {
        number,
        service_code: new.service_code.to_string(),
        status: CaseStatus::Submitted,
        masked_name: new.masked_name.to_string(),
        query_code_hash: hash,
        submitted_at: new.submitted_at,
        promised_date: new.promised_date.to_string(),
        request_fingerprint: Some(new.fingerprint.to_string()),
        sealed_code: Some(sealed),
    }))
}
