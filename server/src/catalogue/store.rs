//! Catalogue reads and writes in SQL that SQLite and PostgreSQL both accept. The reads the
//! server makes on every request (`version`, `load`) answer with `ApiError`; the import,
//! run by the command line, with `anyhow` and every problem of the files.

use std::collections::HashMap;

use api_client::{Audience, Department, ServiceGuide, Topic};
use sqlx::{Any, AnyPool, Transaction};

use super::hant::{self, NameOverrides};
use super::validate::Known;
use super::{Batch, ImportSummary, Problem, Problems};
use crate::error::ApiError;

pub async fn is_empty(pool: &AnyPool) -> anyhow::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM services")
        .fetch_one(pool)
        .await?;
    Ok(n == 0)
}

/// The catalogue's version, bumped by every import.
pub async fn version(pool: &AnyPool) -> Result<i64, ApiError> {
    Ok(
        sqlx::query_scalar("SELECT version FROM catalogue_meta WHERE id = 1")
            .fetch_one(pool)
            .await?,
    )
}

pub(super) async fn known_codes(tx: &mut Transaction<'_, Any>) -> anyhow::Result<Known> {
    let codes = |table: &str| format!("SELECT code FROM {table}");
    let departments: Vec<String> = sqlx::query_scalar(&codes("departments"))
        .fetch_all(&mut **tx)
        .await?;
    let topics: Vec<String> = sqlx::query_scalar(&codes("topics"))
        .fetch_all(&mut **tx)
        .await?;
    Ok(Known {
        departments: departments.into_iter().collect(),
        topics: topics.into_iter().collect(),
    })
}

pub(super) async fn write(
    tx: &mut Transaction<'_, Any>,
    batch: &Batch,
) -> anyhow::Result<ImportSummary> {
    let mut summary = ImportSummary::default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    for (_, file) in &batch.files {
        for (i, d) in file.departments.iter().enumerate() {
            sqlx::query(
                "INSERT INTO departments (code, name, phone, sort_order, name_zh_hant) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, phone = excluded.phone, sort_order = excluded.sort_order,
                     name_zh_hant = excluded.name_zh_hant",
            )
            .bind(&d.code)
            .bind(&d.name)
            .bind(&d.phone)
            .bind(i as i64)
            .bind(d.zh_hant.get(hant::NAME).map(String::as_str))
            .execute(&mut **tx)
            .await?;
            summary.departments += 1;
        }
        for (i, t) in file.topics.iter().enumerate() {
            sqlx::query(
                "INSERT INTO topics (code, name, audience, sort_order, name_zh_hant) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, audience = excluded.audience, sort_order = excluded.sort_order,
                     name_zh_hant = excluded.name_zh_hant",
            )
            .bind(&t.code)
            .bind(&t.name)
            .bind(t.audience.as_str())
            .bind(i as i64)
            .bind(t.zh_hant.get(hant::NAME).map(String::as_str))
            .execute(&mut **tx)
            .await?;
            summary.topics += 1;
        }
        if let Some(groups) = &file.synonyms {
            sqlx::query("DELETE FROM synonym_groups")
                .execute(&mut **tx)
                .await?;
            for (i, g) in groups.iter().enumerate() {
                sqlx::query("INSERT INTO synonym_groups (id, terms) VALUES ($1, $2)")
                    .bind(i as i64)
                    .bind(serde_json::to_string(g)?)
                    .execute(&mut **tx)
                    .await?;
            }
            summary.synonym_groups = Some(groups.len());
        }
    }
    for (_, s) in batch.services() {
        sqlx::query(
            "INSERT INTO services (code, name, department_code, guide, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, department_code = excluded.department_code,
                 guide = excluded.guide, updated_at = excluded.updated_at",
        )
        .bind(&s.code)
        .bind(&s.name)
        .bind(&s.department.code)
        .bind(serde_json::to_string(s)?)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        sqlx::query("DELETE FROM service_topics WHERE service_code = $1")
            .bind(&s.code)
            .execute(&mut **tx)
            .await?;
        for t in &s.topics {
            sqlx::query("INSERT INTO service_topics (service_code, topic_code) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(&s.code)
                .bind(&t.code)
                .execute(&mut **tx)
                .await?;
        }
        summary.services += 1;
    }
    write_calendar(tx, batch).await?;
    sqlx::query("UPDATE catalogue_meta SET version = version + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    Ok(summary)
}

/// Upserts the holidays and make-up working days of every file's `calendar`. Two files of
/// one import that disagree about a day are refused (each file alone was checked by `parse`).
async fn write_calendar(tx: &mut Transaction<'_, Any>, batch: &Batch) -> anyhow::Result<()> {
    let mut seen: HashMap<&str, (&str, &str)> = HashMap::new();
    let mut problems = Vec::new();
    for (file, content) in &batch.files {
        for (day, kind) in content.calendar.days() {
            match seen.insert(day, (file.as_str(), kind)) {
                Some((other, k)) if k != kind => problems.push(Problem {
                    file: file.clone(),
                    item: None,
                    field: "calendar".into(),
                    message: format!("`{day}` is a {kind} here but a {k} in {other}"),
                }),
                _ => {}
            }
        }
    }
    if !problems.is_empty() {
        return Err(Problems(problems).into());
    }
    for (day, kind) in seen.iter().map(|(d, (_, k))| (*d, *k)) {
        sqlx::query("INSERT INTO calendar_days (day, kind) VALUES ($1, $2) ON CONFLICT (day) DO UPDATE SET kind = excluded.kind")
            .bind(day)
            .bind(kind)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The whole catalogue as stored, with department and topic names filled into each guide.
#[derive(Debug, Default)]
pub struct Catalogue {
    pub version: i64,
    pub departments: Vec<Department>,
    pub topics: Vec<Topic>,
    pub synonyms: Vec<Vec<String>>,
    pub guides: Vec<ServiceGuide>,
    /// The departments' and topics' own Traditional names.
    pub names_zh_hant: NameOverrides,
}

#[derive(sqlx::FromRow)]
struct DepartmentRow {
    code: String,
    name: String,
    phone: Option<String>,
    service_count: i64,
    name_zh_hant: Option<String>,
}

#[derive(sqlx::FromRow)]
struct TopicRow {
    code: String,
    name: String,
    audience: String,
    service_count: i64,
    name_zh_hant: Option<String>,
}

/// A JSON document stored in a TEXT column.
fn document<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(text).map_err(|e| sqlx::Error::Decode(e.into()))
}

/// The whole catalogue, read in one transaction so that its parts agree.
pub async fn load(pool: &AnyPool) -> Result<Catalogue, ApiError> {
    let mut tx = pool.begin().await?;
    let version: i64 = sqlx::query_scalar("SELECT version FROM catalogue_meta WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?;
    let departments: Vec<DepartmentRow> = sqlx::query_as(
        "SELECT d.code, d.name, d.phone, d.name_zh_hant,
             (SELECT COUNT(*) FROM services s WHERE s.department_code = d.code) AS service_count
         FROM departments d ORDER BY d.sort_order, d.code",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut names_zh_hant = NameOverrides::default();
    let departments: Vec<Department> = departments
        .into_iter()
        .inspect(|d| {
            if let Some(n) = &d.name_zh_hant {
                names_zh_hant.departments.insert(d.code.clone(), n.clone());
            }
        })
        .map(|d| Department {
            code: d.code,
            name: d.name,
            phone: d.phone,
            service_count: d.service_count as u32,
        })
        .collect();
    let topics: Vec<TopicRow> = sqlx::query_as(
        "SELECT t.code, t.name, t.audience, t.name_zh_hant,
             (SELECT COUNT(*) FROM service_topics st WHERE st.topic_code = t.code) AS service_count
         FROM topics t ORDER BY t.sort_order, t.code",
    )
    .fetch_all(&mut *tx)
    .await?;
    let topics: Vec<Topic> = topics
        .into_iter()
        .inspect(|t| {
            if let Some(n) = &t.name_zh_hant {
                names_zh_hant.topics.insert(t.code.clone(), n.clone());
            }
        })
        .map(|t| Topic {
            code: t.code,
            name: t.name,
            audience: Audience::parse(&t.audience).unwrap_or(Audience::Individual),
            service_count: t.service_count as u32,
        })
        .collect();
    let synonyms = sqlx::query_scalar::<_, String>("SELECT terms FROM synonym_groups ORDER BY id")
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|terms| document(terms))
        .collect::<Result<Vec<Vec<String>>, _>>()?;
    let department_names: HashMap<&str, &str> = departments
        .iter()
        .map(|d| (d.code.as_str(), d.name.as_str()))
        .collect();
    let topic_names: HashMap<&str, &str> = topics
        .iter()
        .map(|t| (t.code.as_str(), t.name.as_str()))
        .collect();
    let mut guides = Vec::new();
    for guide in sqlx::query_scalar::<_, String>("SELECT guide FROM services ORDER BY code")
        .fetch_all(&mut *tx)
        .await?
    {
        let mut g: ServiceGuide = document(&guide)?;
        g.department.name = department_names
            .get(g.department.code.as_str())
            .copied()
            .unwrap_or_default()
            .to_string();
        for t in &mut g.topics {
            t.name = topic_names
                .get(t.code.as_str())
                .copied()
                .unwrap_or_default()
                .to_string();
        }
        guides.push(g);
    }
    tx.commit().await?;
    Ok(Catalogue {
        version,
        departments,
        topics,
        synonyms,
        guides,
        names_zh_hant,
    })
}
