//! `POST /uploads`: one file, streamed to disk, typed by its content (`uploads`). Here: the
//! multipart body, and how much of it is read after a refusal so the client gets the answer.
//! The file's name is kept without any directory and cut to 255 characters
//! (`uploads::clean_name`), never logged; one holding a control character is refused
//! (400 on `file`, `control_character`) rather than cleaned, as every text is.
//! Admission (`uploads::admit`: disk floor, quota, slots) comes before the first byte is
//! read; a client that sends nothing for the chunk timeout is dropped with 408.

use std::future::Future;
use std::time::Duration;

use api_client::text::{self, Lines};
use api_client::UploadCreated;
use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};

use super::extract::ClientAddr;
use crate::error::ApiError;
use crate::state::AppState;
use crate::uploads::{self, Admitted, Incoming};

pub fn routes() -> Router<AppState> {
    // The size limit is enforced while streaming (the default 2 MB body limit is too small,
    // and a limit from the configuration cannot be set here).
    Router::new().route("/uploads", post(create).layer(DefaultBodyLimit::disable()))
}

/// The request body of `POST /uploads` (documentation only).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file: PDF, PNG or JPEG by content (the declared type is ignored; the name is kept
    /// for downloads, without any directory, at most 255 characters),
    /// at most `limits.max_file_bytes` of `GET /config`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// After a rejection, how much more of the body is read (and discarded) so that the client
/// gets the answer rather than a reset connection; beyond it the connection is closed.
const DRAIN_SLACK: u64 = 1024 * 1024;
/// Parts other than `file` skipped at most.
const MAX_OTHER_PARTS: usize = 16;

/// Uploads one file (a material of an application). It is kept for a day unless an
/// application submitted in that time uses it.
#[utoipa::path(post, path = "/uploads", tag = "applications", operation_id = "upload",
    request_body(content = UploadForm, content_type = "multipart/form-data",
        description = "One part named `file`."),
    responses(
        (status = 201, description = "Stored; refer to it by `id` in an application", body = UploadCreated),
        (status = 400, description = "`file` is missing (`required`), not multipart (`invalid`), empty (`empty`), over the size limit (`too_large`), not a PDF, PNG or JPEG (`wrong_type`), or named with a control character (`control_character`)", body = api_client::ErrorBody),
        (status = 408, description = "No data arrived for the chunk timeout (`request_timeout`): nothing is stored", body = api_client::ErrorBody),
        (status = 429, description = "This client address has used up its upload quota (`upload_quota_exceeded`); see `Retry-After`", body = api_client::ErrorBody),
        (status = 503, description = "As many uploads as allowed are being received (`uploads_busy`); see `Retry-After`", body = api_client::ErrorBody),
        (status = 507, description = "The server is short of storage space (`insufficient_storage`)", body = api_client::ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<UploadCreated>), ApiError> {
    let not_multipart = || {
        ApiError::field(
            "file",
            "invalid",
            "the body must be multipart/form-data with a boundary",
        )
    };
    if !boundary_plausible(&headers) {
        return Err(not_multipart());
    }
    let mut multipart = multipart.map_err(|_| not_multipart())?;
    let timeout = state.uploads.settings.chunk_timeout;
    let admitted = match uploads::admit(&state, addr) {
        Ok(admitted) => admitted,
        Err(refused) => {
            Budget::new(0, timeout).drain_rest(&mut multipart).await;
            return Err(refused);
        }
    };
    let max = state.config.max_file_bytes;
    let mut budget = Budget::new(max, timeout);

    let mut others = 0;
    let outcome = loop {
        let mut field = match within(timeout, multipart.next_field()).await {
            Some(Ok(Some(field))) => field,
            Some(Ok(None)) => {
                return Err(ApiError::field("file", "required", "no part named `file`"))
            }
            Some(Err(_)) => return Err(malformed()),
            None => return Err(uploads::stalled(timeout)),
        };
        if field.name() == Some("file") {
            let name = field.file_name().map(str::to_string);
            if name
                .as_deref()
                .is_some_and(|name| !text::allowed(name, Lines::Single))
            {
                budget.drain(&mut field).await;
                break Err(ApiError::field(
                    "file",
                    text::CONTROL_CHARACTER,
                    "the file's name may not hold control characters: rename the file",
                ));
            }
            break receive(&state, &admitted, &mut field, &mut budget)
                .await
                .map(|(incoming, media_type)| (incoming, media_type, name));
        }
        others += 1;
        if others > MAX_OTHER_PARTS || !budget.drain(&mut field).await {
            return Err(ApiError::field("file", "required", "no part named `file`"));
        }
    };
    // Read what follows the file (within the budget), so the answer is not cut off.
    budget.drain_rest(&mut multipart).await;
    let (incoming, media_type, name) = outcome?;
    let name = name.as_deref().and_then(uploads::clean_name);
    let created = incoming.store(&state, media_type, name).await?;
    drop(admitted);
    Ok((StatusCode::CREATED, Json(created)))
}

/// `next`, or `None` when it takes longer than `limit` (a client that stopped sending).
async fn within<F: Future>(limit: Duration, next: F) -> Option<F::Output> {
    tokio::time::timeout(limit, next).await.ok()
}

/// False when the content type names a boundary that cannot be one (empty, or longer than
/// the 70 characters RFC 2046 allows); the multipart parser would read such a body as
/// having no parts at all.
fn boundary_plausible(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    content_type
        .split(';')
        .skip(1)
        .all(|param| match param.split_once('=') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("boundary") => {
                let value = value.trim().trim_matches('"');
                !value.is_empty() && value.len() <= 70
            }
            _ => true,
        })
}

fn malformed() -> ApiError {
    ApiError::field(
        "file",
        "invalid",
        "the multipart body is malformed or incomplete",
    )
}

/// Streams the `file` part into a temporary file (`uploads::Incoming` checks its size and
/// type on the way); on a refusal the rest of the part is drained within the budget.
/// Its bytes are charged to the client's quota as they come, and a stall of the chunk
/// timeout abandons it (the temporary file goes with `incoming`).
async fn receive(
    state: &AppState,
    admitted: &Admitted,
    field: &mut Field<'_>,
    budget: &mut Budget,
) -> Result<(Incoming, &'static str), ApiError> {
    let mut incoming =
        Incoming::create(&state.config.data_dir, state.config.max_file_bytes).await?;
    budget.complete = false;
    let timeout = admitted.chunk_timeout();
    loop {
        let chunk = match within(timeout, field.chunk()).await {
            Some(Ok(Some(chunk))) => chunk,
            Some(Ok(None)) => {
                budget.complete = true;
                break;
            }
            Some(Err(_)) => return Err(malformed()),
            None => return Err(uploads::stalled(timeout)),
        };
        budget.read += chunk.len() as u64;
        let taken = match admitted.charge(chunk.len() as u64) {
            Ok(()) => incoming.take(&chunk).await,
            Err(over_quota) => Err(over_quota),
        };
        if let Err(refused) = taken {
            budget.drain(field).await;
            return Err(refused);
        }
    }
    let media_type = incoming.finish()?;
    Ok((incoming, media_type))
}

/// How much of the request body has been read, and how much may be.
struct Budget {
    read: u64,
    limit: u64,
    /// The part being read has been read to its end (skipping to the next part would
    /// otherwise read the rest of it, however long).
    complete: bool,
    /// Draining stops when the client sends nothing for this long.
    timeout: Duration,
}

impl Budget {
    /// For a file of at most `max` bytes, with `DRAIN_SLACK` after a refusal.
    fn new(max: u64, timeout: Duration) -> Budget {
        Budget {
            read: 0,
            limit: max.saturating_add(DRAIN_SLACK),
            complete: true,
            timeout,
        }
    }

    /// Reads and discards the rest of a part; false when the budget ran out or the body
    /// is broken.
    async fn drain(&mut self, field: &mut Field<'_>) -> bool {
        self.complete = false;
        while self.read <= self.limit {
            match within(self.timeout, field.chunk()).await {
                Some(Ok(Some(chunk))) => self.read += chunk.len() as u64,
                Some(Ok(None)) => {
                    self.complete = true;
                    return true;
                }
                Some(Err(_)) | None => return false,
            }
        }
        false
    }

    /// Reads and discards every remaining part.
    async fn drain_rest(&mut self, multipart: &mut Multipart) {
        for _ in 0..MAX_OTHER_PARTS {
            if !self.complete || self.read > self.limit {
                return;
            }
            match within(self.timeout, multipart.next_field()).await {
                Some(Ok(Some(mut field))) => {
                    if !self.drain(&mut field).await {
                        return;
                    }
                }
                _ => return,
            }
        }
    }
}
