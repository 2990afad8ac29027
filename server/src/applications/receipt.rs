//! The receipt (受理回执) of a case, for its acceptance number and query code: what the
//! applicant prints or keeps, with the tracking address as a QR code. An unknown number and a
//! wrong code get the same 404.

use api_client::{Receipt, ServiceGuide};

use super::store;
use crate::calendar::rfc3339_cst;
use crate::error::ApiError;
use crate::numbering;
use crate::state::AppState;
use crate::tracking;

/// The one answer for an unknown number and a wrong code.
pub const NO_MATCH: &str = "no application matches this number and code";

/// The receipt of case `number` (compact) if `code` (normalised) is its query code.
pub async fn receipt(state: &AppState, number: &str, code: &str) -> Result<Receipt, ApiError> {
    let secret = numbering::secret(&state.pool).await?;
    let expected = numbering::code_hash(secret, number, code);
    let case = match store::find(&state.pool, number).await? {
        Some(case) if numbering::same_digest(&case.query_code_hash, &expected) => case,
        _ => return Err(ApiError::NotFound(NO_MATCH.into())),
    };

    let catalogue = state.catalogue().await?;
    let guide = catalogue.guide(&case.service_code);
    let tracking_url = tracking::tracking_url(&state.config.public_url, &case.number, code);
    let qr_svg = tracking::qr_svg(&tracking_url)?;
    let text = |f: fn(&ServiceGuide) -> &str| guide.map(f).unwrap_or_default().to_string();
    Ok(Receipt {
        acceptance_number: case.number.clone(),
        query_code: code.to_string(),
        service_name: guide
            .map(|g| g.name.clone())
            .unwrap_or_else(|| case.service_code.clone()),
        service_code: case.service_code,
        department: text(|g| &g.department.name),
        masked_name: case.masked_name,
        submitted_at: rfc3339_cst(case.submitted_at),
        promised_date: case.promised_date,
        status: case.status,
        tracking_url,
        qr_svg,
        location: text(|g| &g.location),
        hours: text(|g| &g.hours),
        consult_phone: text(|g| &g.consult_phone),
    })
}
