//! Online applications (网上申报): the form a service asks, the submission that turns into a
//! case with an acceptance number and query code, and the receipt (受理回执).
//!
//! - `form`: the form of a service (this module).
//! - `submit`: a submission checked and stored as a case, safe to retry with its key.
//! - `receipt`: the receipt, for the number and the query code.
//! - `store`: cases in SQL that SQLite and PostgreSQL both accept.

pub mod receipt;
pub mod store;
pub mod submit;

use api_client::{FormDefinition, FormMaterial, Language, Requirement, ServiceGuide};

use crate::config::Config;
use crate::error::ApiError;
use crate::state::AppState;

/// The application form of service `code`, its texts for a reader of `language`. Only
/// services taken online (网办深度 Ⅲ and up) have one; a 404 otherwise.
pub async fn form(
    state: &AppState,
    code: &str,
    language: Language,
) -> Result<FormDefinition, ApiError> {
    let catalogue = state.catalogue().await?;
    let Some(guide) = catalogue.in_language(language).guide(code) else {
        return Err(ApiError::NotFound("no service has this code".into()));
    };
    if !guide.accepts_online_applications() {
        return Err(ApiError::NotFound(
            "online application is not available for this service: apply at the service hall"
                .into(),
        ));
    }
    Ok(form_definition(guide, &state.config))
}

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
