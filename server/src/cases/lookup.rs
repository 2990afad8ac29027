//! A case as its applicant reaches it (办件查询), and what they may do to it: answer a
//! supplement request (补正) with files. (Withdrawal is a lifecycle action: `lifecycle`; the
//! view of a case with its rating is in the `progress` module.)
//!
//! A case is found by its acceptance number and proven by the query code (checked against
//! the stored hash) or the applicant's mobile (normalised on both sides, compared in
//! constant time). The view carries the masked name and nothing else personal: no document
//! number, no phone.

use std::collections::{BTreeMap, BTreeSet};

use api_client::application::{upload_id_valid, MAX_FILES_PER_MATERIAL};
use api_client::checks::normalise_mobile;
use api_client::{CaseResult, CaseStatus, FieldError, Supplement, SupplementReply};
use sqlx::{Any, Executor};

use super::deadline::CaseClock;
use super::lifecycle::{self, Action};
use crate::db::sql::{lock_row, Lockable};
use crate::db::uploads::{self, Budget};
use crate::error::ApiError;
use crate::numbering;
use crate::state::AppState;

/// The longest note an applicant may send with a supplement.
pub use api_client::cases::MAX_NOTE_CHARS;

/// A case as the applicant's view needs it (the applicant JSON only to check a mobile).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CaseRow {
    #[sqlx(rename = "acceptance_number")]
    pub number: String,
    pub service_code: String,
    pub department_code: String,
    #[sqlx(try_from = "String")]
    pub status: CaseStatus,
    applicant: String,
    pub masked_name: String,
    query_code_hash: String,
    pub submitted_at: i64,
    pub promised_date: String,
    pub due_date: Option<String>,
    pub paused_at: Option<i64>,
    pub current_step: Option<String>,
    pub supplement: Option<String>,
    pub result: Option<String>,
    pub materials: String,
}

/// The columns of `CaseRow`, of the table aliased `c` (a statement that reads more with the
/// case joins it: `progress::read`).
pub const COLUMNS: &str =
    "c.acceptance_number, c.service_code, c.department_code, c.status, c.applicant, \
     c.masked_name, c.query_code_hash, c.submitted_at, c.promised_date, c.due_date, c.paused_at, \
     c.current_step, c.supplement, c.result, c.materials";

/// The case with this acceptance number (18 characters, no separators).
pub async fn find<'e, E: Executor<'e, Database = Any>>(
    e: E,
    number: &str,
) -> Result<Option<CaseRow>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM cases c WHERE c.acceptance_number = $1");
    Ok(sqlx::query_as(&sql).bind(number).fetch_optional(e).await?)
}

/// What proves the applicant's right to see a case.
#[derive(Clone, Copy, Debug)]
pub enum Credential<'a> {
    /// A normalised query code.
    Code(&'a str),
    /// A normalised mobile number (11 digits).
    Mobile(&'a str),
}

impl CaseRow {
    /// Whether `credential` opens this case.
    pub fn opens(&self, secret: &str, credential: Credential<'_>) -> bool {
        match credential {
            Credential::Code(code) => numbering::same_digest(
                &self.query_code_hash,
                &numbering::code_hash(secret, &self.number, code),
            ),
            Credential::Mobile(mobile) => match self.mobile() {
                Some(stored) => numbering::same_digest(&stored, mobile),
                None => false,
            },
        }
    }

    /// The applicant's mobile, normalised.
    fn mobile(&self) -> Option<String> {
        let applicant: serde_json::Value = serde_json::from_str(&self.applicant).ok()?;
        normalise_mobile(applicant.get("mobile")?.as_str()?)
    }

    pub fn clock(&self) -> CaseClock {
        CaseClock::from_columns(
            self.status.as_str(),
            self.due_date.as_deref(),
            self.paused_at,
        )
    }

    pub fn supplement(&self) -> Result<Option<Supplement>, ApiError> {
        parse_json(self.supplement.as_deref(), "supplement")
    }

    pub fn result(&self) -> Result<Option<CaseResult>, ApiError> {
        parse_json(self.result.as_deref(), "result")
    }

    /// Material id → upload ids.
    pub fn materials(&self) -> Result<BTreeMap<String, Vec<String>>, ApiError> {
        Ok(parse_json(Some(&self.materials), "materials")?.unwrap_or_default())
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(
    text: Option<&str>,
    what: &str,
) -> Result<Option<T>, ApiError> {
    match text
        .map(str::trim)
        .filter(|t| !t.is_empty() && *t != "null")
    {
        None => Ok(None),
        Some(t) => serde_json::from_str(t).map(Some).map_err(|e| {
            ApiError::Internal(anyhow::anyhow!(
                "the stored {what} of a case is not valid: {e}"
            ))
        }),
    }
}

/// Whether the applicant may still withdraw a case in `status`: what the state machine says.
pub fn can_withdraw(status: CaseStatus) -> bool {
    lifecycle::next_status(status, &Action::Withdraw).is_ok()
}

// ---------------------------------------------------------------------------------------
// The supplement reply

/// The key of the `i`-th requested item in a reply: its material id, else its index.
pub fn item_key(i: usize, material_id: Option<&str>) -> String {
    material_id
        .map(str::to_string)
        .unwrap_or_else(|| i.to_string())
}

/// The problems of `reply` against the requested `supplement` that need no database: every
/// item answered with at least one upload id, no unknown keys, well-formed ids, the note's
/// length. Returns the distinct upload ids per key (in the items' order).
pub fn check_reply(
    supplement: &Supplement,
    reply: &SupplementReply,
) -> (Vec<(String, Vec<String>)>, Vec<FieldError>) {
    let mut errors = Vec::new();
    let keys: Vec<String> = supplement
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| item_key(i, item.material_id.as_deref()))
        .collect();
    let mut wanted = Vec::new();
    let mut seen_keys = BTreeSet::new();
    for key in &keys {
        if !seen_keys.insert(key.clone()) {
            continue; // two items about the same material: one list of files answers both
        }
        let field = format!("materials.{key}");
        let ids: Vec<&String> = reply
            .materials
            .get(key)
            .map(|ids| ids.iter().collect())
            .unwrap_or_default();
        let mut distinct: Vec<String> = Vec::new();
        for id in ids.iter().map(|s| s.trim()) {
            if !distinct.iter().any(|d| d == id) && !id.is_empty() {
                distinct.push(id.to_string());
            }
        }
        if distinct.is_empty() {
            errors.push(FieldError::new(
                field,
                "required",
                "upload at least one file for this item",
            ));
            continue;
        }
        if distinct.len() > MAX_FILES_PER_MATERIAL {
            errors.push(FieldError::new(
                field,
                "too_many",
                format!("at most {MAX_FILES_PER_MATERIAL} files per item"),
            ));
            continue;
        }
        if distinct.iter().any(|id| !upload_id_valid(id)) {
            errors.push(FieldError::new(
                field,
                "unknown_upload",
                "an upload of this item is not an upload id: upload it again",
            ));
            continue;
        }
        wanted.push((key.clone(), distinct));
    }
    for key in reply.materials.keys() {
        if !seen_keys.contains(key) {
            errors.push(FieldError::new(
                format!("materials.{key}"),
                "unknown",
                "the supplement request does not ask for this item",
            ));
        }
    }
    if let Some(note) = &reply.note {
        if let Some(p) = api_client::text::problem("note", note, api_client::text::Lines::Multi) {
            errors.push(p);
        } else if note.chars().count() > MAX_NOTE_CHARS {
            errors.push(FieldError::new(
                "note",
                "too_long",
                format!("the note may have at most {MAX_NOTE_CHARS} characters"),
            ));
        }
    }
    (wanted, errors)
}

/// The uploads of `wanted` by field (`materials.<key>`), for `db::uploads`.
fn by_field(wanted: &[(String, Vec<String>)]) -> Vec<(String, Vec<&str>)> {
    wanted
        .iter()
        .map(|(key, ids)| {
            (
                format!("materials.{key}"),
                ids.iter().map(String::as_str).collect(),
            )
        })
        .collect()
}

/// The distinct upload ids of `wanted`.
fn upload_ids(wanted: &[(String, Vec<String>)]) -> Vec<&str> {
    let ids: BTreeSet<&str> = wanted
        .iter()
        .flat_map(|(_, ids)| ids.iter().map(String::as_str))
        .collect();
    ids.into_iter().collect()
}

/// `materials` (material id → upload ids, JSON) with `wanted` added.
pub fn merge_materials(stored: &str, wanted: &[(String, Vec<String>)]) -> Result<String, ApiError> {
    let mut map: BTreeMap<String, Vec<String>> = if stored.trim().is_empty() {
        BTreeMap::new()
    } else {
        serde_json::from_str(stored).map_err(|e| {
            ApiError::Internal(anyhow::anyhow!(
                "the stored materials of a case are not valid: {e}"
            ))
        })?
    };
    for (key, ids) in wanted {
        let list = map.entry(key.clone()).or_default();
        for id in ids {
            if !list.contains(id) {
                list.push(id.clone());
            }
        }
    }
    serde_json::to_string(&map).map_err(|e| ApiError::Internal(e.into()))
}

/// The supplement request the applicant may still answer, or 409.
pub fn outstanding(case: &CaseRow) -> Result<Supplement, ApiError> {
    if case.status != CaseStatus::SupplementRequested {
        return Err(ApiError::Conflict(format!(
            "no supplement is outstanding: the case is {}",
            case.status.as_str()
        )));
    }
    match case.supplement()? {
        Some(s) if !s.answered => Ok(s),
        Some(_) => Err(ApiError::Conflict(
            "the requested items have been sent already".into(),
        )),
        None => Err(ApiError::Conflict("no supplement is outstanding".into())),
    }
}

/// The applicant's answer to the outstanding supplement request of case `number`: every
/// requested item with at least one fresh upload. In one transaction the uploads are marked
/// with the case's number, added to its materials, and the request is marked answered (an
/// event on the timeline). 409 when nothing is outstanding, 400 naming `materials.<key>` for
/// an item without (usable) files.
pub async fn reply_supplement(
    state: &AppState,
    number: &str,
    reply: &SupplementReply,
) -> Result<(), ApiError> {
    let pool = &state.pool;
    let no_case = || ApiError::NotFound("no case has this acceptance number".into());
    // Checked first without a lock, so that mistakes are answered without writing.
    let case = find(pool, number).await?.ok_or_else(no_case)?;
    let supplement = outstanding(&case)?;
    let budget = Budget {
        max_total: state.config.max_total_bytes,
        of: "supplement",
    };
    let (wanted, mut errors) = check_reply(&supplement, reply);
    let fields = by_field(&wanted);
    let ids = upload_ids(&wanted);
    errors.extend(uploads::problems(
        &fields,
        &uploads::find(pool, &ids).await?,
        budget,
    ));
    if !errors.is_empty() {
        return Err(ApiError::BadRequest(errors));
    }

    let mut tx = pool.begin().await?;
    lock_row(&mut tx, Lockable::Case, number).await?;
    let case = find(&mut *tx, number).await?.ok_or_else(no_case)?;
    if outstanding(&case)? != supplement {
        return Err(ApiError::Conflict(
            "the supplement request changed meanwhile: reload the case".into(),
        ));
    }
    if !uploads::take(&mut *tx, number, &ids).await? {
        tx.rollback().await?;
        let rows = uploads::find(pool, &ids).await?;
        return Err(ApiError::BadRequest(uploads::taken_meanwhile(
            &fields, &rows, budget,
        )));
    }
    sqlx::query("UPDATE cases SET materials = $1 WHERE acceptance_number = $2")
        .bind(merge_materials(&case.materials, &wanted)?)
        .bind(number)
        .execute(&mut *tx)
        .await?;
    lifecycle::mark_supplement_answered(&mut tx, number, reply.note.as_deref()).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::field_codes as fields;
    use api_client::SupplementItem;

    fn supplement(items: &[(Option<&str>, &str)]) -> Supplement {
        Supplement {
            requested_at: "2026-03-10T09:00:00+08:00".into(),
            items: items
                .iter()
                .map(|(m, n)| SupplementItem {
                    material_id: m.map(str::to_string),
                    name: n.to_string(),
                    note: "请补交".into(),
                })
                .collect(),
            answered: false,
        }
    }

    fn reply(pairs: &[(&str, &[&str])]) -> SupplementReply {
        SupplementReply {
            materials: pairs
                .iter()
                .map(|(k, ids)| (k.to_string(), ids.iter().map(|s| s.to_string()).collect()))
                .collect(),
            note: None,
        }
    }

    const U1: &str = "0123456789abcdef0123456789abcdef";
    const U2: &str = "fedcba9876543210fedcba9876543210";

    #[test]
    fn every_item_needs_an_upload() {
        let s = supplement(&[(Some("id_copy"), "身份证明"), (None, "情况说明")]);
        let (wanted, errors) = check_reply(&s, &reply(&[("id_copy", &[U1, U1]), ("1", &[U2])]));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            wanted,
            vec![
                ("id_copy".to_string(), vec![U1.to_string()]),
                ("1".to_string(), vec![U2.to_string()])
            ]
        );

        let (_, errors) = check_reply(&s, &reply(&[("id_copy", &[U1])]));
        assert_eq!(fields(&errors), vec![("materials.1", "required")]);
        let (_, errors) = check_reply(
            &s,
            &reply(&[("id_copy", &[]), ("1", &["nope"]), ("extra", &[U2])]),
        );
        assert_eq!(
            fields(&errors),
            vec![
                ("materials.id_copy", "required"),
                ("materials.1", "unknown_upload"),
                ("materials.extra", "unknown")
            ]
        );
        let mut long = reply(&[("id_copy", &[U1]), ("1", &[U2])]);
        long.note = Some("字".repeat(MAX_NOTE_CHARS + 1));
        assert_eq!(
            fields(&check_reply(&s, &long).1),
            vec![("note", "too_long")]
        );
    }

    #[test]
    fn materials_merge_without_duplicates() {
        let wanted = vec![
            ("a".to_string(), vec![U1.to_string(), U2.to_string()]),
            ("1".to_string(), vec![U2.to_string()]),
        ];
        let merged = merge_materials(&format!(r#"{{"a":["{U1}"],"z":["x"]}}"#), &wanted).unwrap();
        let v: BTreeMap<String, Vec<String>> = serde_json::from_str(&merged).unwrap();
        assert_eq!(v["a"], vec![U1.to_string(), U2.to_string()]);
        assert_eq!(v["1"], vec![U2.to_string()]);
        assert_eq!(v["z"], vec!["x".to_string()]);
        assert_eq!(merge_materials("", &[]).unwrap(), "{}");
    }

    #[test]
    fn withdrawal_before_a_decision_only() {
        for s in [
            CaseStatus::Submitted,
            CaseStatus::Accepted,
            CaseStatus::SupplementRequested,
            CaseStatus::UnderReview,
        ] {
            assert!(can_withdraw(s), "{s:?}");
        }
        for s in [
            CaseStatus::NotAccepted,
            CaseStatus::Approved,
            CaseStatus::Denied,
            CaseStatus::Completed,
            CaseStatus::Withdrawn,
        ] {
            assert!(!can_withdraw(s), "{s:?}");
        }
    }
}
