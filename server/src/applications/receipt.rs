//! The receipt (受理回执) of a case, for its acceptance number and query code: what the
//! applicant prints or keeps, with the tracking address as a QR code. Through the one gate
//! (`crate::gate`): an unknown number and a wrong code get the same 404 and count as a failed
//! attempt at the case's number; past the limits, 429. In its reader's language: the
//! catalogue's Traditional texts for a Traditional reader (`Snapshot::in_language`).

use std::net::IpAddr;

use api_client::{Language, Receipt, ServiceGuide};

use super::store;
use crate::calendar::{self, rfc3339_cst};
use crate::error::ApiError;
use crate::gate;
use crate::numbering;
use crate::state::AppState;
use crate::tracking;

/// The one answer for an unknown number and a wrong code.
pub const NO_MATCH: &str = "no application matches this number and code";

/// The receipt of case `number` (compact) for a client at `addr` if `code` (normalised) is its
/// query code, through the gate (`gate::pass`), in `language`.
pub async fn receipt(
    state: &AppState,
    addr: Option<IpAddr>,
    number: &str,
    code: &str,
    language: Language,
) -> Result<Receipt, ApiError> {
    let opened = gate::pass(addr, number, async {
        let secret = numbering::secret(&state.pool).await?;
        let expected = numbering::code_hash(secret, number, code);
        let case = store::find(&state.pool, number).await?;
        Ok(case.filter(|c| numbering::same_digest(&c.query_code_hash, &expected)))
    })
    .await?;
    let case = opened.ok_or_else(|| ApiError::NotFound(NO_MATCH.into()))?;

    let catalogue = state.catalogue().await?;
    let guide = catalogue.in_language(language).guide(&case.service_code);
    let tracking_url = tracking::tracking_url(&state.config.public_url, &case.number, code);
    let qr_svg = tracking::qr_svg(&tracking_url)?;
    let text = |f: fn(&ServiceGuide) -> &str| guide.map(f).unwrap_or_default().to_string();
    let covers_until = calendar::covers_until_cached(&state.pool, catalogue.version).await?;
    let promised_date_provisional =
        calendar::provisional(covers_until, &case.promised_date, calendar::unit_of(guide));
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
        promised_date_provisional,
        status: case.status,
        tracking_url,
        qr_svg,
        location: text(|g| &g.location),
        hours: text(|g| &g.hours),
        consult_phone: text(|g| &g.consult_phone),
    })
}
