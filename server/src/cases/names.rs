//! How a case names its service: from the catalogue of the moment, which a service may have
//! left since the case was submitted.

use api_client::cases::ServiceName;

use crate::state::Snapshot;

/// A service as a case names it: its name from the catalogue, else its code (a service that
/// has left the catalogue).
pub fn service_name(catalogue: &Snapshot, code: &str) -> ServiceName {
    ServiceName {
        code: code.to_string(),
        name: catalogue
            .guide(code)
            .map(|g| g.name.clone())
            .unwrap_or_else(|| code.to_string()),
    }
}
