//! `server files verify`: every stored content matches its SHA-256 and size (read back chunk
//! by chunk), every upload's content is stored, and every upload a case's materials or a
//! complaint's attachments name exists.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use sha2::{Digest, Sha256};
use sqlx::AnyPool;

use crate::error::ApiError;

/// What `verify` found.
#[derive(Debug, Default)]
pub struct Report {
    /// Stored contents read back.
    pub blobs: usize,
    /// Their bytes in all.
    pub bytes: u64,
    /// Uploads whose content is stored.
    pub uploads: usize,
    /// Upload ids named by cases and complaints.
    pub references: usize,
    /// Every problem, one line each.
    pub problems: Vec<String>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.problems {
            writeln!(f, "problem: {p}")?;
        }
        write!(
            f,
            "{} stored files ({} bytes) read back, {} uploads, {} references from cases and complaints: {}",
            self.blobs,
            self.bytes,
            self.uploads,
            self.references,
            match self.problems.len() {
                0 => "all good".to_string(),
                1 => "1 problem".to_string(),
                n => format!("{n} problems"),
            }
        )
    }
}

#[derive(sqlx::FromRow)]
struct Blob {
    sha256: String,
    size: i64,
    chunks: i64,
}

/// Rows read at a time from the cases and complaints.
const PAGE: i64 = 500;

/// Checks every stored file and every reference to one.
pub async fn verify(pool: &AnyPool) -> Result<Report, ApiError> {
    let mut report = Report::default();
    let blobs: Vec<Blob> =
        sqlx::query_as("SELECT sha256, size, chunks FROM upload_blobs ORDER BY sha256")
            .fetch_all(pool)
            .await?;
    for blob in &blobs {
        report.blobs += 1;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut missing = 0;
        for seq in 0..blob.chunks {
            let data: Option<(Vec<u8>,)> =
                sqlx::query_as("SELECT data FROM upload_chunks WHERE sha256 = $1 AND seq = $2")
                    .bind(&blob.sha256)
                    .bind(seq)
                    .fetch_optional(pool)
                    .await?;
            match data {
                Some((data,)) => {
                    hasher.update(&data);
                    size += data.len() as u64;
                }
                None => missing += 1,
            }
        }
        report.bytes += size;
        let (extra,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM upload_chunks WHERE sha256 = $1 AND seq >= $2")
                .bind(&blob.sha256)
                .bind(blob.chunks)
                .fetch_one(pool)
                .await?;
        let actual = hex::encode(hasher.finalize());
        if missing > 0 || extra > 0 {
            report.problems.push(format!(
                "stored file {}: {missing} of its {} chunks missing, {extra} chunks too many",
                blob.sha256, blob.chunks
            ));
        } else if actual != blob.sha256 || size != blob.size.max(0) as u64 {
            report.problems.push(format!(
                "stored file {}: its bytes do not match (SHA-256 {actual}, {size} bytes of {})",
                blob.sha256, blob.size
            ));
        }
    }

    let orphans: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM uploads u WHERE NOT EXISTS (SELECT 1 FROM upload_blobs b WHERE b.sha256 = u.sha256) ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    for (id,) in &orphans {
        report
            .problems
            .push(format!("upload {id}: its content is not stored"));
    }
    let ids: Vec<(String,)> = sqlx::query_as("SELECT id FROM uploads")
        .fetch_all(pool)
        .await?;
    let known: HashSet<String> = ids.into_iter().map(|(id,)| id).collect();
    report.uploads = known.len() - orphans.len();

    let check = |owner: &str, id: &str, report: &mut Report| {
        report.references += 1;
        if !known.contains(id) {
            report
                .problems
                .push(format!("{owner} names upload {id}, which does not exist"));
        }
    };
    let mut after = String::new();
    loop {
        let page: Vec<(String, String)> = sqlx::query_as(
            "SELECT acceptance_number, materials FROM cases WHERE acceptance_number > $1 ORDER BY acceptance_number LIMIT $2",
        )
        .bind(&after)
        .bind(PAGE)
        .fetch_all(pool)
        .await?;
        let Some((last, _)) = page.last() else { break };
        after = last.clone();
        for (number, materials) in &page {
            match serde_json::from_str::<BTreeMap<String, Vec<String>>>(materials) {
                Ok(materials) => {
                    for id in materials.values().flatten() {
                        check(&format!("case {number}"), id, &mut report);
                    }
                }
                Err(e) => report.problems.push(format!(
                    "case {number}: its materials are not readable: {e}"
                )),
            }
        }
    }
    let mut after = String::new();
    loop {
        let page: Vec<(String, String)> = sqlx::query_as(
            "SELECT complaint_number, attachments FROM complaints WHERE complaint_number > $1 ORDER BY complaint_number LIMIT $2",
        )
        .bind(&after)
        .bind(PAGE)
        .fetch_all(pool)
        .await?;
        let Some((last, _)) = page.last() else { break };
        after = last.clone();
        for (number, attachments) in &page {
            match serde_json::from_str::<Vec<String>>(attachments) {
                Ok(ids) => {
                    for id in &ids {
                        check(&format!("complaint {number}"), id, &mut report);
                    }
                }
                Err(e) => report.problems.push(format!(
                    "complaint {number}: its attachments are not readable: {e}"
                )),
            }
        }
    }
    Ok(report)
}
