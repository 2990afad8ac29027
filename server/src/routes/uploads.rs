//! `POST /uploads`: one file, streamed to disk, typed by its content (`uploads`). Here: the
//! multipart body, and how much of it is read after a refusal so the client gets the answer.
//! The file's name is never stored nor shown; one holding a control character is refused
//! (400 on `file`, `control_character`) rather than cleaned, as every text is.

use api_client::text::{self, Lines};
use api_client::UploadCreated;
use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};

use crate::error::ApiError;
use crate::state::AppState;
use crate::uploads::Incoming;

pub fn routes() -> Router<AppState> {
    // The size limit is enforced while streaming (the default 2 MB body limit is too small,
    // and a limit from the configuration cannot be set here).
    Router::new().route("/uploads", post(create).layer(DefaultBodyLimit::disable()))
}

/// The request body of `POST /uploads` (documentation only).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file: PDF, PNG or JPEG by content (the name and the declared type are ignored),
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
    ))]
pub async fn create(
    State(state): State<AppState>,
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
    let max = state.config.max_file_bytes;
    let mut budget = Budget {
        read: 0,
        limit: max.saturating_add(DRAIN_SLACK),
        complete: true,
    };

    let mut others = 0;
    let outcome = loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Err(ApiError::field("file", "required", "no part named `file`")),
            Err(_) => return Err(malformed()),
        };
        if field.name() == Some("file") {
            if field
                .file_name()
                .is_some_and(|name| !text::allowed(name, Lines::Single))
            {
                budget.drain(&mut field).await;
                break Err(ApiError::field(
                    "file",
                    text::CONTROL_CHARACTER,
                    "the file's name may not hold control characters: rename the file",
                ));
            }
            break receive(&state, &mut field, &mut budget).await;
        }
        others += 1;
        if others > MAX_OTHER_PARTS || !budget.drain(&mut field).await {
            return Err(ApiError::field("file", "required", "no part named `file`"));
        }
    };
    // Read what follows the file (within the budget), so the answer is not cut off.
    budget.drain_rest(&mut multipart).await;
    let (incoming, media_type) = outcome?;
    let created = incoming.store(&state, media_type).await?;
    Ok((StatusCode::CREATED, Json(created)))
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
async fn receive(
    state: &AppState,
    field: &mut Field<'_>,
    budget: &mut Budget,
) -> Result<(Incoming, &'static str), ApiError> {
    let mut incoming =
        Incoming::create(&state.config.data_dir, state.config.max_file_bytes).await?;
    budget.complete = false;
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => {
                budget.complete = true;
                break;
            }
            Err(_) => return Err(malformed()),
        };
        budget.read += chunk.len() as u64;
        if let Err(refused) = incoming.take(&chunk).await {
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
}

impl Budget {
    /// Reads and discards the rest of a part; false when the budget ran out or the body
    /// is broken.
    async fn drain(&mut self, field: &mut Field<'_>) -> bool {
        self.complete = false;
        while self.read <= self.limit {
            match field.chunk().await {
                Ok(Some(chunk)) => self.read += chunk.len() as u64,
                Ok(None) => {
                    self.complete = true;
                    return true;
                }
                Err(_) => return false,
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
            match multipart.next_field().await {
                Ok(Some(mut field)) => {
                    if !self.drain(&mut field).await {
                        return;
                    }
                }
                _ => return,
            }
        }
    }
}
