//! SQL pieces both engines accept: numbered placeholders, taking a row for writing, JSON
//! documents in TEXT columns.

use sqlx::{Any, Transaction};

use crate::error::ApiError;

/// `value` as a stored JSON document.
pub fn json<T: serde::Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::Internal(e.into()))
}

/// The rows an aggregate of a statement gave as a JSON array (`None`: PostgreSQL's
/// aggregate of no rows), read as `T`s; `what` names them in the error.
pub fn from_json<T: serde::de::DeserializeOwned>(
    json: Option<&str>,
    what: &str,
) -> Result<Vec<T>, ApiError> {
    match json {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(text).map_err(|e| {
            ApiError::Internal(anyhow::anyhow!("the {what} aggregated by a statement: {e}"))
        }),
    }
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
    fn pages_cut_the_list() {
        use super::Paging;
        let p = Paging {
            page: 2,
            per_page: 2,
        };
        assert_eq!((p.offset(), p.limit()), (2, 2));
        assert_eq!(p.slice(vec![1, 2, 3, 4, 5]), [3, 4]);
        let last = Paging {
            page: 3,
            per_page: 2,
        };
        assert_eq!(last.slice(vec![1, 2, 3, 4, 5]), [5]);
        assert!(Paging {
            page: 9,
            per_page: 2
        }
        .slice(vec![1, 2])
        .is_empty());
    }

    #[test]
    fn placeholders_count_from_the_first() {
        assert_eq!(super::placeholders(2, 3), "$2, $3, $4");
        assert_eq!(super::placeholders(1, 1), "$1");
    }
}

/// One page of a staff list (`?page=&per_page=`, checked by the routes): 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub page: u32,
    pub per_page: u32,
}

impl Paging {
    /// The rows to skip, for `OFFSET`.
    pub fn offset(&self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(self.per_page)
    }

    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }

    /// This page of `items` (the whole list, in order).
    pub fn slice<T>(&self, items: Vec<T>) -> Vec<T> {
        items
            .into_iter()
            .skip(usize::try_from(self.offset()).unwrap_or(usize::MAX))
            .take(self.per_page as usize)
            .collect()
    }
}
