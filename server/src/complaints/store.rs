//! Complaints and their events in SQL that SQLite and PostgreSQL both accept.
//!
//! Filing is one transaction whose first statement takes the day's next number from the
//! cases' counter (`case_sequences`), as a submission does: on SQLite it holds the write lock
//! from the start, and a complaint number never equals a case number. Handling is one
//! transaction per action that first touches the complaint's row (the write lock on SQLite,
//! the row lock on PostgreSQL), so two staff acting at once act one after the other.

use api_client::{
    ComplaintCategory, ComplaintContact, ComplaintReply, ComplaintStatus, SubjectType,
};
use sqlx::{Any, AnyPool, Executor};

use super::handling::{self, Handling};
use crate::calendar::now_cst;
use crate::calendar::rfc3339_cst;
use crate::cases::lifecycle::Actor;
use crate::db::retry::{self, Keyed};
use crate::db::sql::{self, lock_row, Lockable, Paging};
use crate::db::uploads;
use crate::error::ApiError;
use crate::idempotency::Kept;
use crate::numbering;
use crate::state::Snapshot;

/// A stored complaint.
#[derive(Clone, Debug)]
pub struct ComplaintRow {
    pub number: String,
    pub query_code_hash: String,
    pub subject_type: SubjectType,
    pub subject_ref: Option<String>,
    pub case_number: Option<String>,
    pub service_code: Option<String>,
    pub category: ComplaintCategory,
    pub description: String,
    pub anonymous: bool,
    pub contact: Option<ComplaintContact>,
    pub masked_name: Option<String>,
    pub attachments: Vec<String>,
    pub department_code: Option<String>,
    pub status: ComplaintStatus,
    pub submitted_at: i64,
    pub reply_due: String,
    pub handling_level: Option<i64>,
    pub handling_comment: Option<String>,
    pub handling_rated_at: Option<i64>,
    /// For a retry under the same key (`crate::idempotency`).
    pub request_fingerprint: Option<String>,
    pub sealed_code: Option<String>,
}

impl ComplaintRow {
    /// What the complaint keeps to answer a retry.
    pub fn kept(&self) -> Kept {
        Kept {
            fingerprint: self.request_fingerprint.clone(),
            sealed_code: self.sealed_code.clone(),
            stored_at: self.submitted_at,
        }
    }
}

const COLUMNS: &str = "complaint_number, query_code_hash, subject_type, subject_ref, case_number, service_code, category, \
     description, anonymous, contact, masked_name, attachments, department_code, status, submitted_at, reply_due, \
     handling_level, handling_comment, handling_rated_at, request_fingerprint, sealed_code";

/// A complaint's row as stored: enums by their names, documents as JSON text.
#[derive(sqlx::FromRow)]
struct Stored {
    complaint_number: String,
    query_code_hash: String,
    subject_type: String,
    subject_ref: Option<String>,
    case_number: Option<String>,
    service_code: Option<String>,
    category: String,
    description: String,
    anonymous: i64,
    contact: Option<String>,
    masked_name: Option<String>,
    attachments: String,
    department_code: Option<String>,
    status: String,
    submitted_at: i64,
    reply_due: String,
    handling_level: Option<i64>,
    handling_comment: Option<String>,
    handling_rated_at: Option<i64>,
    request_fingerprint: Option<String>,
    sealed_code: Option<String>,
}

impl TryFrom<Stored> for ComplaintRow {
    type Error = sqlx::Error;

    fn try_from(r: Stored) -> Result<Self, sqlx::Error> {
        fn named<T>(value: Option<T>, what: &str, text: &str) -> Result<T, sqlx::Error> {
            value.ok_or_else(|| {
                sqlx::Error::Decode(format!("unknown complaint {what} `{text}`").into())
            })
        }
        fn document<T: serde::de::DeserializeOwned>(
            text: &str,
            what: &str,
        ) -> Result<T, sqlx::Error> {
            serde_json::from_str(text).map_err(|e| {
                sqlx::Error::Decode(format!("the stored {what} of a complaint: {e}").into())
            })
        }
        Ok(ComplaintRow {
            subject_type: named(
                SubjectType::parse(&r.subject_type),
                "subject",
                &r.subject_type,
            )?,
            category: named(
                ComplaintCategory::parse(&r.category),
                "category",
                &r.category,
            )?,
            status: named(ComplaintStatus::parse(&r.status), "status", &r.status)?,
            contact: r
                .contact
                .as_deref()
                .map(|c| document(c, "contact"))
                .transpose()?,
            attachments: document(&r.attachments, "attachments")?,
            anonymous: r.anonymous != 0,
            number: r.complaint_number,
            query_code_hash: r.query_code_hash,
            subject_ref: r.subject_ref,
            case_number: r.case_number,
            service_code: r.service_code,
            description: r.description,
            masked_name: r.masked_name,
            department_code: r.department_code,
            submitted_at: r.submitted_at,
            reply_due: r.reply_due,
            handling_level: r.handling_level,
            handling_comment: r.handling_comment,
            handling_rated_at: r.handling_rated_at,
            request_fingerprint: r.request_fingerprint,
            sealed_code: r.sealed_code,
        })
    }
}

/// The complaints `sql` selects with `value`.
async fn select<'e, E: Executor<'e, Database = Any>>(
    e: E,
    sql: &str,
    value: &str,
) -> Result<Option<ComplaintRow>, ApiError> {
    let row: Option<Stored> = sqlx::query_as(sql).bind(value).fetch_optional(e).await?;
    Ok(row.map(ComplaintRow::try_from).transpose()?)
}

/// The complaint with this number (18 characters, no separators).
pub async fn find<'e, E: Executor<'e, Database = Any>>(
    e: E,
    number: &str,
) -> Result<Option<ComplaintRow>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM complaints WHERE complaint_number = $1");
    select(e, &sql, number).await
}

/// The complaint filed with the idempotency key of this hash (`idempotency::key_hash`).
pub async fn find_by_key<'e, E: Executor<'e, Database = Any>>(
    e: E,
    key_hash: &str,
) -> Result<Option<ComplaintRow>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM complaints WHERE idempotency_key_hash = $1");
    select(e, &sql, key_hash).await
}

/// One page of the complaints a staff list shows, of `department` (every complaint when it
/// is `None`), with `status` when given, and how many there are in all. In the order of
/// `view::staff_order`: awaiting a reply first, by reply due date (a complaint's light
/// follows its due date: it never pauses), then the others, newest first.
pub async fn list(
    pool: &AnyPool,
    department: Option<&str>,
    status: Option<ComplaintStatus>,
    paging: Paging,
) -> Result<(Vec<ComplaintRow>, u64), ApiError> {
    const WHERE: &str = "($1 = '' OR department_code = $1) AND ($2 = '' OR status = $2)";
    const AWAITING: &str = "status IN ('received', 'assigned')";
    let sql = format!(
        "SELECT {COLUMNS} FROM complaints WHERE {WHERE}
         ORDER BY CASE WHEN {AWAITING} THEN 0 ELSE 1 END,
             CASE WHEN {AWAITING} THEN reply_due END, CASE WHEN {AWAITING} THEN complaint_number END,
             submitted_at DESC, complaint_number DESC
         LIMIT $3 OFFSET $4"
    );
    let department = department.unwrap_or("");
    let status = status.map(|s| s.as_str()).unwrap_or("");
    let rows: Vec<Stored> = sqlx::query_as(&sql)
        .bind(department)
        .bind(status)
        .bind(paging.limit())
        .bind(paging.offset())
        .fetch_all(pool)
        .await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM complaints WHERE {WHERE}"))
        .bind(department)
        .bind(status)
        .fetch_one(pool)
        .await?;
    let rows: Result<Vec<_>, _> = rows.into_iter().map(ComplaintRow::try_from).collect();
    Ok((rows?, u64::try_from(total).unwrap_or(0)))
}

#[derive(sqlx::FromRow)]
struct Reply {
    at: i64,
    department: String,
    text: Option<String>,
}

/// The replies to a complaint, oldest first.
pub async fn replies<'e, E: Executor<'e, Database = Any>>(
    e: E,
    number: &str,
) -> Result<Vec<ComplaintReply>, ApiError> {
    let rows: Vec<Reply> = sqlx::query_as(
        "SELECT at, department, text FROM complaint_events WHERE complaint_number = $1 AND action = 'reply' ORDER BY id",
    )
    .bind(number)
    .fetch_all(e)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ComplaintReply {
            at: rfc3339_cst(r.at),
            department: r.department,
            text: r.text.unwrap_or_default(),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// Filing

/// A complaint to insert; its number is given out inside the transaction.
pub struct NewComplaint<'a> {
    /// `idempotency::KeyedRequest::key_hash` (or `idempotency::unkeyed_hash`) and
    /// `fingerprint` (none without a key).
    pub key_hash: &'a str,
    pub fingerprint: Option<&'a str>,
    /// `YYYY-MM-DD` (China Standard Time): the sequence's day.
    pub day: &'a str,
    pub yymmdd: &'a str,
    pub region_code: &'a str,
    pub subject_type: SubjectType,
    pub subject_ref: Option<&'a str>,
    pub case_number: Option<&'a str>,
    pub service_code: Option<&'a str>,
    pub category: ComplaintCategory,
    pub description: &'a str,
    pub contact: Option<&'a ComplaintContact>,
    pub masked_name: Option<&'a str>,
    /// Distinct upload ids, to be marked with the complaint's number.
    pub attachments: &'a [String],
    pub department_code: Option<&'a str>,
    pub submitted_at: i64,
    pub reply_due: &'a str,
    /// Turns the new number into the stored hash of the query code.
    pub code_hash: &'a (dyn Fn(&str) -> String + Sync),
    /// Turns the new number into the query code sealed for a retry (none without a key).
    pub seal: &'a (dyn Fn(&str) -> Result<Option<String>, ApiError> + Sync),
}

/// Files the complaint in one transaction, retried while the database is busy; a race of two
/// requests with the same key finds the winner's complaint (`retry::insert_keyed`).
pub async fn insert(
    pool: &AnyPool,
    new: &NewComplaint<'_>,
) -> Result<Keyed<ComplaintRow>, ApiError> {
    retry::insert_keyed(
        || try_insert(pool, new),
        || async { find_by_key(pool, new.key_hash).await },
    )
    .await
}

async fn try_insert(
    pool: &AnyPool,
    new: &NewComplaint<'_>,
) -> Result<Keyed<ComplaintRow>, ApiError> {
    let mut tx = pool.begin().await?;
    let number = numbering::next_number(&mut tx, new.day, new.region_code, new.yymmdd).await?;
    if let Some(existing) = find_by_key(&mut *tx, new.key_hash).await? {
        tx.rollback().await?;
        return Ok(Keyed::Existing(existing));
    }
    let contact = new.contact.map(sql::json).transpose()?;
    let attachments = sql::json(&new.attachments)?;
    let sealed = (new.seal)(&number)?;
    sqlx::query(
        "INSERT INTO complaints (complaint_number, idempotency_key_hash, query_code_hash, subject_type, subject_ref, case_number,
             service_code, category, description, anonymous, contact, masked_name, attachments, department_code, status,
             submitted_at, reply_due, request_fingerprint, sealed_code)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .bind(&number)
    .bind(new.key_hash)
    .bind((new.code_hash)(&number))
    .bind(new.subject_type.as_str())
    .bind(new.subject_ref)
    .bind(new.case_number)
    .bind(new.service_code)
    .bind(new.category.as_str())
    .bind(new.description)
    .bind(i64::from(new.contact.is_none()))
    .bind(contact)
    .bind(new.masked_name)
    .bind(attachments)
    .bind(new.department_code)
    .bind(ComplaintStatus::Received.as_str())
    .bind(new.submitted_at)
    .bind(new.reply_due)
    .bind(new.fingerprint)
    .bind(sealed)
    .execute(&mut *tx)
    .await?;
    let ids: Vec<&str> = new.attachments.iter().map(String::as_str).collect();
    if !uploads::take(&mut *tx, &number, &ids).await? {
        tx.rollback().await?;
        return Ok(Keyed::UploadTaken);
    }
    let row = find(&mut *tx, &number)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    tx.commit().await?;
    Ok(Keyed::Created(row))
}

// ---------------------------------------------------------------------------------------
// Handling

/// Performs `action` on complaint `number` as `actor`, recorded as an event; the new
/// status. 400 for an unknown department to assign to, 404, 403, 409 (see `handling`).
pub async fn act(
    pool: &AnyPool,
    catalogue: &Snapshot,
    number: &str,
    actor: &Actor,
    action: &Handling,
) -> Result<ComplaintStatus, ApiError> {
    if let Handling::Assign { department } = action {
        if catalogue.department(department).is_none() {
            return Err(ApiError::field(
                "department",
                "unknown",
                "no department has this code",
            ));
        }
    }
    retry::transaction(|| try_act(pool, catalogue, number, actor, action)).await
}

async fn try_act(
    pool: &AnyPool,
    catalogue: &Snapshot,
    number: &str,
    actor: &Actor,
    action: &Handling,
) -> Result<ComplaintStatus, ApiError> {
    let mut tx = pool.begin().await?;
    // Dropping the transaction on an error rolls it back.
    if !lock_row(&mut tx, Lockable::Complaint, number).await? {
        return Err(ApiError::NotFound("no complaint has this number".into()));
    }
    let complaint = find(&mut *tx, number)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let to = handling::check(
        actor,
        complaint.department_code.as_deref(),
        complaint.status,
        action,
    )?;
    let department_code = match (action, actor) {
        (Handling::Assign { department }, _) => Some(department.clone()),
        (
            _,
            Actor::Staff {
                department_code, ..
            },
        ) => Some(department_code.clone()),
        // The office answers in its own name, for no department.
        (_, Actor::ComplaintsOffice { .. }) => None,
        _ => complaint.department_code.clone(),
    };
    let department_name = match (&department_code, actor) {
        (None, Actor::ComplaintsOffice { .. }) => super::OFFICE_NAME.to_string(),
        (code, _) => code
            .as_deref()
            .map(|code| {
                catalogue
                    .department(code)
                    .map(|d| d.name.clone())
                    .unwrap_or_else(|| code.to_string())
            })
            .unwrap_or_default(),
    };
    let new_department = match action {
        Handling::Assign { department } => Some(department.as_str()),
        _ => complaint.department_code.as_deref(),
    };
    sqlx::query(
        "UPDATE complaints SET status = $1, department_code = $2 WHERE complaint_number = $3",
    )
    .bind(to.as_str())
    .bind(new_department)
    .bind(number)
    .execute(&mut *tx)
    .await?;
    let text = match action {
        Handling::Reply { text } => Some(text.as_str()),
        _ => None,
    };
    sqlx::query(
        "INSERT INTO complaint_events (complaint_number, at, action, status, department_code, department, text, actor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(number)
    .bind(now_cst().unix_timestamp())
    .bind(action.name())
    .bind(to.as_str())
    .bind(department_code)
    .bind(department_name)
    .bind(text)
    .bind(actor.label())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(to)
}

/// Records the complainant's rating of the handling: once, after a reply. 409 otherwise.
pub async fn rate_handling(
    pool: &AnyPool,
    number: &str,
    level: u8,
    comment: Option<&str>,
) -> Result<(), ApiError> {
    // One conditional statement: of two ratings at once, one finds the level set.
    let done = sqlx::query(
        "UPDATE complaints SET handling_level = $1, handling_comment = $2, handling_rated_at = $3
         WHERE complaint_number = $4 AND handling_level IS NULL AND status IN ('replied', 'closed')",
    )
    .bind(i64::from(level))
    .bind(comment)
    .bind(now_cst().unix_timestamp())
    .bind(number)
    .execute(pool)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    match find(pool, number).await? {
        None => Err(ApiError::NotFound("no complaint has this number".into())),
        Some(c) if c.handling_level.is_some() => Err(ApiError::Conflict(
            "the handling of this complaint has been rated already".into(),
        )),
        Some(c) => Err(ApiError::Conflict(format!(
            "the handling can be rated once the complaint has been replied to; it is {}",
            c.status.as_str()
        ))),
    }
}
