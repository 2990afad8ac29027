//! Uploads as the use cases that attach them see them: which exist and are free, taking
//! them for a case or complaint (all or none), and the budget of their total size; and the
//! files a case holds, as its applicant and staff see them listed.
//!
//! An upload counts as there only while its bytes are in the database (`upload_blobs`):
//! a case never takes a file that no node can read.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use api_client::cases::{MaterialFiles, StoredFile};
use api_client::FieldError;
use sqlx::{Any, AnyPool, Executor};

use super::sql::placeholders;

/// An upload as a submission sees it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UploadRow {
    pub size: i64,
    /// The case or complaint that took it.
    pub case_number: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    #[sqlx(flatten)]
    upload: UploadRow,
}

/// The stored uploads among `ids`.
pub async fn find(pool: &AnyPool, ids: &[&str]) -> Result<HashMap<String, UploadRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT u.id, u.size, u.case_number FROM uploads u WHERE u.id IN ({})
         AND EXISTS (SELECT 1 FROM upload_blobs b WHERE b.sha256 = u.sha256)",
        placeholders(1, ids.len())
    );
    let mut q = sqlx::query_as::<_, Row>(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| (r.id, r.upload))
        .collect())
}

/// Marks the distinct uploads among `ids` as taken by `owner` (a case or complaint number),
/// if every one is still free; false (and nothing marked) otherwise. Run it inside the
/// transaction that stores the owner.
pub async fn take<'e, E: Executor<'e, Database = Any>>(
    e: E,
    owner: &str,
    ids: &[&str],
) -> Result<bool, sqlx::Error> {
    let ids: BTreeSet<&str> = ids.iter().copied().collect();
    if ids.is_empty() {
        return Ok(true);
    }
    let sql = format!(
        "UPDATE uploads SET case_number = $1 WHERE case_number IS NULL AND id IN ({})
         AND EXISTS (SELECT 1 FROM upload_blobs b WHERE b.sha256 = uploads.sha256)",
        placeholders(2, ids.len())
    );
    let mut q = sqlx::query(&sql).bind(owner.to_string());
    for id in &ids {
        q = q.bind(id.to_string());
    }
    Ok(q.execute(e).await?.rows_affected() == ids.len() as u64)
}

/// What the uploads are attached to, for messages: "application", "supplement", "complaint".
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub max_total: u64,
    pub of: &'static str,
}

/// The problems of the uploads of each field (`materials.<id>`, `attachments`): a field
/// whose uploads are not all there and free; the field at which the running total of the
/// distinct uploads first exceeds the budget.
pub fn problems<F: AsRef<str>, I: AsRef<str>>(
    fields: &[(F, Vec<I>)],
    rows: &HashMap<String, UploadRow>,
    budget: Budget,
) -> Vec<FieldError> {
    let mut out = Vec::new();
    for (field, ids) in fields {
        if ids
            .iter()
            .any(|u| rows.get(u.as_ref()).is_none_or(|r| r.case_number.is_some()))
        {
            out.push(FieldError::new(
                field.as_ref(),
                "unknown_upload",
                format!(
                    "a file is not there (expired, or used by another {}): upload it again",
                    budget.of
                ),
            ));
        }
    }
    let mut counted = BTreeSet::new();
    let mut total: u64 = 0;
    for (field, ids) in fields {
        for u in ids {
            if let Some(r) = rows.get(u.as_ref()) {
                if counted.insert(u.as_ref()) {
                    total = total.saturating_add(r.size.max(0) as u64);
                }
            }
        }
        if total > budget.max_total {
            out.push(FieldError::new(
                field.as_ref(),
                "too_large_total",
                format!(
                    "the files of one {} may total at most {} MB",
                    budget.of,
                    budget.max_total / (1024 * 1024)
                ),
            ));
            break;
        }
    }
    out
}

/// After `take` found an upload gone between the check and the write: the problems as they
/// are now, or, if the uploads look fine again, "upload again" on every field.
pub fn taken_meanwhile<F: AsRef<str>, I: AsRef<str>>(
    fields: &[(F, Vec<I>)],
    rows: &HashMap<String, UploadRow>,
    budget: Budget,
) -> Vec<FieldError> {
    let errors = problems(fields, rows, budget);
    if !errors.is_empty() {
        return errors;
    }
    fields
        .iter()
        .map(|(f, _)| FieldError::new(f.as_ref(), "unknown_upload", "upload this file again"))
        .collect()
}

/// The uploads a new case, supplement or complaint attaches, by field (`materials.<id>`,
/// `attachments`), and the budget they share.
pub struct Attaching<'a> {
    pub fields: Vec<(String, Vec<&'a str>)>,
    pub budget: Budget,
}

/// What `Attaching::check` found.
pub struct Checked {
    /// Every field's problem (`problems`).
    pub problems: Vec<FieldError>,
    /// Some upload is taken already: perhaps by this very submission, stored a moment ago by
    /// a parallel retry with the same idempotency key.
    pub some_taken: bool,
}

impl<'a> Attaching<'a> {
    /// Every upload once, whatever fields it is attached to.
    pub fn distinct(&self) -> Vec<&'a str> {
        let ids: BTreeSet<&'a str> = self
            .fields
            .iter()
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect();
        ids.into_iter().collect()
    }

    /// Whether the uploads are there, free and within the budget.
    pub async fn check(&self, pool: &AnyPool) -> Result<Checked, sqlx::Error> {
        let rows = find(pool, &self.distinct()).await?;
        Ok(Checked {
            problems: problems(&self.fields, &rows, self.budget),
            some_taken: rows.values().any(|r| r.case_number.is_some()),
        })
    }

    /// The 400 after `take` found an upload gone between the check and the write
    /// (`taken_meanwhile`).
    pub async fn refusal(&self, pool: &AnyPool) -> crate::error::ApiError {
        match find(pool, &self.distinct()).await {
            Ok(rows) => crate::error::ApiError::BadRequest(taken_meanwhile(
                &self.fields,
                &rows,
                self.budget,
            )),
            Err(e) => e.into(),
        }
    }
}

/// A file a case (or complaint) took.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FileRow {
    pub id: String,
    pub file_name: Option<String>,
    pub size: i64,
    pub media_type: String,
}

/// A case's files as one JSON array of `[id, file_name, size, media_type]`, for a statement
/// that reads them in the row of the case `c` (as `cases::lifecycle::events_json`).
pub fn files_json(postgres: bool) -> &'static str {
    if postgres {
        "(SELECT json_agg(json_build_array(id, file_name, size, media_type))::text \
         FROM uploads WHERE case_number = c.acceptance_number)"
    } else {
        "(SELECT json_group_array(json_array(id, file_name, size, media_type)) \
         FROM uploads WHERE case_number = c.acceptance_number)"
    }
}

/// The files of `files_json`, by id.
pub fn files_of_json(json: Option<&str>) -> Result<Vec<FileRow>, crate::error::ApiError> {
    type Stored = (String, Option<String>, i64, String);
    let mut rows: Vec<Stored> = super::sql::from_json(json, "files")?;
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(rows
        .into_iter()
        .map(|(id, file_name, size, media_type)| FileRow {
            id,
            file_name,
            size,
            media_type,
        })
        .collect())
}

/// The files `owner` (a case or complaint number) took.
pub async fn files_of(pool: &AnyPool, owner: &str) -> Result<Vec<FileRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, file_name, size, media_type FROM uploads WHERE case_number = $1 ORDER BY id",
    )
    .bind(owner)
    .fetch_all(pool)
    .await
}

/// The file `id` of `owner` with where its bytes are (its content's SHA-256 and number of
/// chunks); none when `owner` has no such file or its bytes are not stored.
pub async fn file_of(
    pool: &AnyPool,
    owner: &str,
    id: &str,
) -> Result<Option<(FileRow, String, i64)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Located {
        #[sqlx(flatten)]
        file: FileRow,
        sha256: String,
        chunks: i64,
    }
    let row: Option<Located> = sqlx::query_as(
        "SELECT u.id, u.file_name, u.size, u.media_type, u.sha256, b.chunks
         FROM uploads u JOIN upload_blobs b ON b.sha256 = u.sha256
         WHERE u.id = $1 AND u.case_number = $2",
    )
    .bind(id)
    .bind(owner)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.file, r.sha256, r.chunks)))
}

/// The extension of a detected type.
fn extension(media_type: &str) -> &'static str {
    match media_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        _ => "bin",
    }
}

/// The name `file` is shown and downloaded under: the client's, or one made of its material
/// and place among that material's files and its type (`id_card-2.pdf`).
pub fn shown_name(file: &FileRow, materials: &BTreeMap<String, Vec<String>>) -> String {
    if let Some(name) = file.file_name.as_deref().filter(|n| !n.is_empty()) {
        return name.to_string();
    }
    let ext = extension(&file.media_type);
    materials
        .iter()
        .find_map(|(material, ids)| {
            ids.iter()
                .position(|i| *i == file.id)
                .map(|at| format!("{material}-{}.{ext}", at + 1))
        })
        .unwrap_or_else(|| format!("file-{}.{ext}", &file.id[..file.id.len().min(8)]))
}

/// `files` by material, in the order of `materials` (material id → upload ids); a file of no
/// material is left out, as is an id with no file.
pub fn by_material(materials: &BTreeMap<String, Vec<String>>, files: &[FileRow]) -> MaterialFiles {
    let by_id: HashMap<&str, &FileRow> = files.iter().map(|f| (f.id.as_str(), f)).collect();
    materials
        .iter()
        .filter_map(|(material, ids)| {
            let listed: Vec<StoredFile> = ids
                .iter()
                .filter_map(|id| by_id.get(id.as_str()))
                .map(|f| StoredFile {
                    id: f.id.clone(),
                    name: shown_name(f, materials),
                    size: f.size.max(0) as u64,
                    media_type: f.media_type.clone(),
                })
                .collect();
            (!listed.is_empty()).then(|| (material.clone(), listed))
        })
        .collect()
}

/// The files of case `number` by material (`materials`, the case's stored JSON).
pub async fn case_files(
    pool: &AnyPool,
    number: &str,
    materials: &BTreeMap<String, Vec<String>>,
) -> Result<MaterialFiles, sqlx::Error> {
    Ok(by_material(materials, &files_of(pool, number).await?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::field_codes as fields;

    fn rows(list: &[(&str, i64, Option<&str>)]) -> HashMap<String, UploadRow> {
        list.iter()
            .map(|(id, size, case)| {
                (
                    id.to_string(),
                    UploadRow {
                        size: *size,
                        case_number: case.map(str::to_string),
                    },
                )
            })
            .collect()
    }

    fn budget(max_total: u64) -> Budget {
        Budget {
            max_total,
            of: "application",
        }
    }

    #[test]
    fn files_are_listed_by_material_with_their_names() {
        let file = |id: &str, name: Option<&str>, media_type: &str| FileRow {
            id: id.into(),
            file_name: name.map(str::to_string),
            size: 3,
            media_type: media_type.into(),
        };
        let materials: BTreeMap<String, Vec<String>> = [
            ("id_card".to_string(), vec!["a".repeat(32), "b".repeat(32)]),
            ("photo".to_string(), vec!["c".repeat(32), "gone".into()]),
        ]
        .into();
        let files = [
            file(&"a".repeat(32), Some("身份证.pdf"), "application/pdf"),
            file(&"b".repeat(32), None, "image/png"),
            file(&"c".repeat(32), None, "image/jpeg"),
            file(&"d".repeat(32), None, "application/pdf"),
        ];
        let listed = by_material(&materials, &files);
        let names: Vec<(&str, Vec<&str>)> = listed
            .iter()
            .map(|(m, fs)| (m.as_str(), fs.iter().map(|f| f.name.as_str()).collect()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("id_card", vec!["身份证.pdf", "id_card-2.png"]),
                ("photo", vec!["photo-1.jpg"])
            ]
        );
        assert_eq!(shown_name(&files[3], &materials), "file-dddddddd.pdf");
    }

    #[test]
    fn uploads_must_exist_be_free_and_fit_together() {
        let stored = rows(&[
            ("a", 600, None),
            ("b", 600, None),
            ("c", 10, Some("440113261122000011")),
        ]);
        let ok = vec![
            ("materials.id_card", vec!["a"]),
            ("materials.photo", vec!["b"]),
        ];
        assert!(problems(&ok, &stored, budget(1200)).is_empty());
        // Over the total at the second material.
        assert_eq!(
            fields(&problems(&ok, &stored, budget(1000))),
            vec![("materials.photo", "too_large_total")]
        );
        // The same file twice counts once.
        let twice = vec![
            ("materials.id_card", vec!["a"]),
            ("materials.photo", vec!["a"]),
        ];
        assert!(problems(&twice, &stored, budget(700)).is_empty());
        // Unknown, or used by another case.
        let bad = vec![
            ("materials.id_card", vec!["a", "zzz"]),
            ("materials.photo", vec!["c"]),
        ];
        assert_eq!(
            fields(&problems(&bad, &stored, budget(10_000))),
            vec![
                ("materials.id_card", "unknown_upload"),
                ("materials.photo", "unknown_upload")
            ]
        );
        assert_eq!(
            fields(&taken_meanwhile(&ok, &stored, budget(10_000))),
            vec![
                ("materials.id_card", "unknown_upload"),
                ("materials.photo", "unknown_upload")
            ]
        );
    }
}
