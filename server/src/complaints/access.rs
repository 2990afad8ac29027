//! The complainant's way to a complaint: its number with its query code, through the one gate
//! (`crate::gate`) before anything is read. An unknown number and a wrong code get the same
//! 404, and each counts as a failure; complaint numbers never equal case numbers, so their
//! counts stay apart.

use std::net::IpAddr;

use api_client::ratings::validate_rating;
use api_client::{ComplaintView, HandlingRatingRequest, Language};

use super::store::{self, ComplaintRow};
use super::view;
use crate::error::ApiError;
use crate::gate;
use crate::numbering;
use crate::state::AppState;

/// The one answer for an unknown complaint number and a wrong code.
pub const NO_COMPLAINT: &str = "no complaint matches this number and code";

/// The complaint `number` if `code` is its query code, through the gate (`gate::pass`: 429
/// first, a miss counted).
pub async fn open(
    state: &AppState,
    addr: Option<IpAddr>,
    number: &str,
    code: &str,
) -> Result<ComplaintRow, ApiError> {
    let opened = gate::pass(addr, number, async {
        let secret = numbering::secret(&state.pool).await?;
        let expected = numbering::code_hash(secret, number, code);
        let complaint = store::find(&state.pool, number).await?;
        Ok(complaint.filter(|c| numbering::same_digest(&c.query_code_hash, &expected)))
    })
    .await?;
    opened.ok_or_else(|| ApiError::NotFound(NO_COMPLAINT.into()))
}

/// The complaint as its complainant follows it (`view::complainant`), in `language`.
pub async fn follow(
    state: &AppState,
    addr: Option<IpAddr>,
    number: &str,
    code: &str,
    language: Language,
) -> Result<ComplaintView, ApiError> {
    let c = open(state, addr, number, code).await?;
    complainant_view(state, &c, language).await
}

/// Rates the handling (1–5), once, after a reply: the request (400), the gate (429, 404),
/// then the complaint's state (409). The complaint as it is now, in `language`.
pub async fn rate(
    state: &AppState,
    addr: Option<IpAddr>,
    number: &str,
    code: &str,
    req: &HandlingRatingRequest,
    language: Language,
) -> Result<ComplaintView, ApiError> {
    let errors = validate_rating(req.level, &[], req.comment.as_deref());
    if !errors.is_empty() {
        return Err(ApiError::BadRequest(errors));
    }
    open(state, addr, number, code).await?;
    let comment = crate::ratings::comment(req.comment.as_deref());
    store::rate_handling(&state.pool, number, req.level, comment.as_deref()).await?;
    let c = store::find(&state.pool, number)
        .await?
        .ok_or_else(|| ApiError::NotFound(NO_COMPLAINT.into()))?;
    complainant_view(state, &c, language).await
}

async fn complainant_view(
    state: &AppState,
    c: &ComplaintRow,
    language: Language,
) -> Result<ComplaintView, ApiError> {
    let catalogue = state.catalogue().await?;
    view::complainant(&state.pool, &catalogue, c, language).await
}
