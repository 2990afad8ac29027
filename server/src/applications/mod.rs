//! Online applications (网上申报): the form a service asks, the submission that turns into a
//! case with an acceptance number and query code, and the receipt (受理回执).
//!
//! - `store`: cases in SQL that SQLite and PostgreSQL both accept.

pub mod store;

use api_client::{FormDefinition, FormMaterial, Requirement, ServiceGuide};

use crate::config::Config;

/// Everything the application flow of `guide` needs: its questions (none when the guide has
/// no `form`), its material checklist, and this installation's upload limits.
pub fn form_definition(guide: &ServiceGuide, config: &Config) -> FormDefinition {
    FormDefinition {
        service_code: guide.code.clone(),
        service_name: guide.name.clone(),
        audience: guide.audience.clone(),
        sections: guide
            .form
            .as_ref()
            .map(|f| f.sections.clone())
            .unwrap_or_default(),
        materials: guide
            .materials
            .iter()
            .map(|m| FormMaterial {
                id: m.id.clone(),
                name: m.name.clone(),
                required: m.requirement == Requirement::Required,
                requirement: m.requirement,
                form: m.form,
                notes: m.notes.clone(),
            })
            .collect(),
        limits: config.limits(),
    }
}
