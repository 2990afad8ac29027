//! Retrying whole transactions that met a busy database: SQLite's write lock (busy or
//! locked) or a PostgreSQL serialisation failure or deadlock. Every write path goes through
//! `transaction`, so the backoff and the limit are the same everywhere.

use std::future::Future;
use std::time::Duration;

use crate::error::ApiError;

/// How many times a transaction is tried before its error is returned.
pub const ATTEMPTS: u32 = 8;

/// Runs `attempt` until it succeeds or fails with an error that is not transient (see
/// `is_transient`), at most `ATTEMPTS` times, backing off a little more each time. Each
/// attempt must be a whole transaction: a failed one has been rolled back (dropped).
pub async fn transaction<T, F, Fut>(attempt: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    retry_while(is_transient, attempt).await
}

/// `transaction`, retrying while the database error satisfies `worth_retrying`.
pub async fn retry_while<T, F, Fut>(
    worth_retrying: fn(&sqlx::Error) -> bool,
    mut attempt: F,
) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let mut n = 0;
    loop {
        n += 1;
        match attempt().await {
            Err(ApiError::Database(e)) if worth_retrying(&e) && n < ATTEMPTS => {
                tracing::debug!(attempt = n, "transaction retried");
                tokio::time::sleep(backoff(n)).await;
            }
            other => return other,
        }
    }
}

/// How storing a new row under an idempotency key ended (`insert_keyed`).
pub enum Keyed<T> {
    Created(T),
    /// A row with this key was there already: a retry, or a parallel one that won the race.
    Existing(T),
    /// An upload was taken by another case or complaint meanwhile; nothing was written.
    UploadTaken,
}

/// `attempt` (one transaction storing a new row under an idempotency key), retried while the
/// database is busy. Of two requests with the same key at once, the loser meets a unique
/// violation: it answers with the winner's row (`by_key`). A unique violation of another
/// value is a race worth another try.
pub async fn insert_keyed<T, A, AFut, K, KFut>(attempt: A, by_key: K) -> Result<Keyed<T>, ApiError>
where
    A: Fn() -> AFut,
    AFut: Future<Output = Result<Keyed<T>, ApiError>>,
    K: Fn() -> KFut,
    KFut: Future<Output = Result<Option<T>, ApiError>>,
{
    let attempt = || async {
        match attempt().await {
            Err(ApiError::Database(e)) if is_unique_violation(&e) => match by_key().await? {
                Some(row) => Ok(Keyed::Existing(row)),
                None => Err(ApiError::Database(e)),
            },
            other => other,
        }
    };
    retry_while(|e| is_transient(e) || is_unique_violation(e), attempt).await
}

/// A little longer each time, with jitter, so that two retries that collided do not collide
/// again.
fn backoff(attempt: u32) -> Duration {
    let mut noise = [0u8; 1];
    let jitter = match getrandom::getrandom(&mut noise) {
        Ok(()) => u64::from(noise[0] % 20),
        Err(_) => u64::from(std::process::id() ^ attempt) % 20,
    };
    Duration::from_millis(10 * (1 << attempt.min(6)) + jitter)
}

pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// SQLite busy or locked (codes 5 and 6 with their extended codes), PostgreSQL
/// serialisation failure or deadlock: worth trying again.
pub fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            let code = d.code().map(|c| c.into_owned()).unwrap_or_default();
            // SQLite's (extended) result codes are at most 4 digits; PostgreSQL's SQLSTATEs
            // are 5 characters.
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
    use super::*;

    #[tokio::test]
    async fn other_errors_are_not_retried() {
        let mut calls = 0;
        let r: Result<(), ApiError> = transaction(|| {
            calls += 1;
            async { Err(ApiError::Conflict("no".into())) }
        })
        .await;
        assert!(matches!(r, Err(ApiError::Conflict(_))));
        assert_eq!(calls, 1);
    }

    #[test]
    fn backoff_grows() {
        assert!(backoff(1) < Duration::from_millis(40));
        assert!(backoff(6) >= Duration::from_millis(640));
    }
}
