//! A case's rating as stored in `case_ratings`, with its rectification columns: read by the
//! applicant's rating (`case_ratings`) and by the rectification it may open
//! (`rectification`), so that neither has to import the other.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, FromRow, Row};

use crate::error::ApiError;

/// A stored rating with its rectification columns (read as a `RatingRow`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRating {
    pub case_number: String,
    pub level: u8,
    pub tags: Vec<String>,
    pub comment: Option<String>,
    pub rated_at: i64,
    /// Set for a poor rating.
    pub rectification_due: Option<String>,
    pub explanation: Option<String>,
    pub action_taken: Option<String>,
    pub answered_at: Option<i64>,
}

/// The columns of `StoredRating`, of the table aliased `r`.
pub const COLUMNS: &str =
    "r.case_number, r.level, r.tags, r.comment, r.rated_at, r.rectification_due, \
     r.rectification_explanation, r.rectification_action, r.rectification_answered_at";

/// The row as the database holds it: the level as an integer, the tags as JSON.
#[derive(FromRow)]
struct RatingRow {
    case_number: String,
    level: i64,
    tags: String,
    comment: Option<String>,
    rated_at: i64,
    rectification_due: Option<String>,
    rectification_explanation: Option<String>,
    rectification_action: Option<String>,
    rectification_answered_at: Option<i64>,
}

impl TryFrom<RatingRow> for StoredRating {
    type Error = String;

    fn try_from(r: RatingRow) -> Result<Self, Self::Error> {
        Ok(StoredRating {
            case_number: r.case_number,
            level: u8::try_from(r.level).map_err(|_| format!("a rating level of {}", r.level))?,
            tags: serde_json::from_str(&r.tags)
                .map_err(|e| format!("the stored tags of a rating: {e}"))?,
            comment: r.comment,
            rated_at: r.rated_at,
            rectification_due: r.rectification_due,
            explanation: r.rectification_explanation,
            action_taken: r.rectification_action,
            answered_at: r.rectification_answered_at,
        })
    }
}

impl<'r> FromRow<'r, AnyRow> for StoredRating {
    fn from_row(row: &'r AnyRow) -> Result<Self, sqlx::Error> {
        StoredRating::try_from(RatingRow::from_row(row)?).map_err(|e| sqlx::Error::Decode(e.into()))
    }
}

/// The rating of `row`, read with `COLUMNS` joined to its case: none when the case has not
/// been rated (the join found no rating).
pub fn joined(row: &AnyRow) -> Result<Option<StoredRating>, sqlx::Error> {
    match row.try_get::<Option<String>, _>("case_number")? {
        Some(_) => StoredRating::from_row(row).map(Some),
        None => Ok(None),
    }
}

/// The rating of case `number`, if it has been rated.
pub async fn find<'e, E: Executor<'e, Database = Any>>(
    e: E,
    number: &str,
) -> Result<Option<StoredRating>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM case_ratings r WHERE r.case_number = $1");
    Ok(sqlx::query_as(&sql).bind(number).fetch_optional(e).await?)
}
