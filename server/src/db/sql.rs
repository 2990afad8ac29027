//! SQL pieces both engines accept: numbered placeholders, taking a row for writing, JSON
//! documents in TEXT columns.

use sqlx::{Any, Transaction};

use crate::error::ApiError;

/// `value` as a stored JSON document.
pub fn json<T: serde::Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::Internal(e.into()))
}

/// `$from, $from+1, …` (n of them).
pub fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rows a use case takes for writing before it reads them.
#[derive(Clone, Copy, Debug)]
pub enum Lockable {
    Case,
    Complaint,
}

/// Takes the row `key` for writing until the transaction ends (on SQLite: the write lock,
/// from the transaction's first statement; on PostgreSQL: the row's lock), so that what is
/// read next cannot change underneath. False when there is no such row.
pub async fn lock_row(
    tx: &mut Transaction<'static, Any>,
    what: Lockable,
    key: &str,
) -> Result<bool, sqlx::Error> {
    let sql = match what {
        Lockable::Case => "UPDATE cases SET status = status WHERE acceptance_number = $1",
        Lockable::Complaint => "UPDATE complaints SET status = status WHERE complaint_number = $1",
    };
    let touched = sqlx::query(sql).bind(key).execute(&mut **tx).await?;
    Ok(touched.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_count_from_the_first() {
        assert_eq!(super::placeholders(2, 3), "$2, $3, $4");
        assert_eq!(super::placeholders(1, 1), "$1");
    }
}
