//! How a case names its service: from the catalogue of the moment, which a service may have
//! left since the case was submitted.

use api_client::cases::ServiceName;
use api_client::Language;

use crate::state::{Localised, Snapshot};

/// A service as a case names it: its name from the catalogue, else its code (a service that
/// has left the catalogue).
pub fn service_name(catalogue: &Snapshot, code: &str) -> ServiceName {
    service_name_in(catalogue.in_language(Language::ZhHans), code)
}

/// As `service_name`, in the catalogue's texts of one language.
pub fn service_name_in(texts: Localised<'_>, code: &str) -> ServiceName {
    ServiceName {
        code: code.to_string(),
        name: texts
            .guide(code)
            .map(|g| g.name.clone())
            .unwrap_or_else(|| code.to_string()),
    }
}
