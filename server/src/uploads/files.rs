//! A case's files as downloads: staff of the case's department (`for_staff`), and the
//! applicant once the gate has opened the case with its code (`of_case`, called by
//! `progress`). A file of another case is the same 404 as no file at all.

use std::collections::BTreeMap;

use api_client::application::upload_id_valid;
use bytes::Bytes;
use futures_util::stream::BoxStream;

use super::blobs;
use crate::db::uploads::{file_of, shown_name};
use crate::error::ApiError;
use crate::state::AppState;

/// A file on its way out: what to call it, its detected type and size, and its bytes as
/// they are read.
pub struct Download {
    pub name: String,
    pub media_type: String,
    pub size: u64,
    pub body: BoxStream<'static, Result<Bytes, std::io::Error>>,
}

const NO_FILE: &str = "this case has no file with this id";

/// The `{upload_id}` of a path, or a 400 naming `upload_id`.
pub fn upload_id(raw: Option<&str>) -> Result<&str, ApiError> {
    match raw {
        Some(id) if upload_id_valid(id) => Ok(id),
        _ => Err(ApiError::field(
            "upload_id",
            "invalid",
            "an upload id is 32 lowercase hexadecimal digits",
        )),
    }
}

#[derive(sqlx::FromRow)]
struct CaseRow {
    department_code: String,
    materials: String,
}

async fn case_row(state: &AppState, number: &str) -> Result<CaseRow, ApiError> {
    sqlx::query_as("SELECT department_code, materials FROM cases WHERE acceptance_number = $1")
        .bind(number)
        .fetch_optional(&state.pool)
        .await?
        .ok_or_else(|| ApiError::NotFound("no case has this acceptance number".into()))
}

/// The file `id` of case `number` for staff of `department`: 404 for no such case, 403 for
/// a case of another department, 404 for a file that is not this case's.
pub async fn for_staff(
    state: &AppState,
    department: &str,
    number: &str,
    id: &str,
) -> Result<Download, ApiError> {
    let case = case_row(state, number).await?;
    if case.department_code != department {
        return Err(ApiError::Forbidden(
            "this case belongs to another department".into(),
        ));
    }
    download(state, number, &case.materials, id).await
}

/// The file `id` of case `number`, whose applicant the gate has let in.
pub async fn of_case(state: &AppState, number: &str, id: &str) -> Result<Download, ApiError> {
    let case = case_row(state, number).await?;
    download(state, number, &case.materials, id).await
}

async fn download(
    state: &AppState,
    number: &str,
    materials: &str,
    id: &str,
) -> Result<Download, ApiError> {
    let (file, sha256, chunks) = file_of(&state.pool, number, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(NO_FILE.into()))?;
    // Only for a name made up when the client's was not kept: unreadable is no reason to fail.
    let materials: BTreeMap<String, Vec<String>> =
        serde_json::from_str(materials).unwrap_or_default();
    Ok(Download {
        name: shown_name(&file, &materials),
        media_type: file.media_type,
        size: file.size.max(0) as u64,
        body: Box::pin(blobs::stream(state.pool.clone(), sha256, chunks)),
    })
}
