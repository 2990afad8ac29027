//! An application in progress: what the applicant has typed and uploaded so far.
//!
//! The portal keeps drafts in the browser's local storage, so a reload or a return visit
//! can continue; the kiosk keeps them in memory only (it must keep nothing of a visitor).

use std::collections::BTreeMap;

use api_client::{Applicant, ApplicationRequest, Audience, IdType};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A file that reached the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UploadedFile {
    pub id: String,
    pub name: String,
    pub size: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// The Idempotency-Key: made once per application, so every retry names the same case.
    pub key: String,
    pub applicant_type: Option<Audience>,
    /// Applicant texts by name: name, id_type, id_number, mobile, uscc, legal_representative,
    /// contact_name.
    pub applicant: BTreeMap<String, String>,
    pub answers: Map<String, Value>,
    pub materials: BTreeMap<String, Vec<UploadedFile>>,
    pub declared: bool,
}

impl Draft {
    /// An empty draft with a key of its own (`Draft::default()` has an empty key).
    pub fn start() -> Self {
        Draft {
            key: random_key(),
            ..Default::default()
        }
    }

    /// Whether anything has been entered yet.
    pub fn is_started(&self) -> bool {
        self.applicant.values().any(|v| !v.trim().is_empty())
            || !self.answers.is_empty()
            || self.materials.values().any(|f| !f.is_empty())
    }

    pub fn text(&self, name: &str) -> String {
        self.applicant.get(name).cloned().unwrap_or_default()
    }

    /// The applicant as the API takes it, once the kind of applicant is known.
    pub fn applicant(&self) -> Option<Applicant> {
        let t = |n: &str| self.text(n).trim().to_string();
        match self.applicant_type? {
            Audience::Individual => Some(Applicant::Individual {
                name: t("name"),
                id_type: IdType::parse(&t("id_type")).unwrap_or(IdType::ResidentId),
                id_number: t("id_number").to_uppercase(),
                mobile: t("mobile"),
            }),
            Audience::Organisation => Some(Applicant::Organisation {
                name: t("name"),
                uscc: t("uscc").to_uppercase(),
                legal_representative: t("legal_representative"),
                contact_name: t("contact_name"),
                mobile: t("mobile"),
            }),
        }
    }

    pub fn request(&self, service_code: &str) -> Option<ApplicationRequest> {
        Some(ApplicationRequest {
            service_code: service_code.to_string(),
            applicant: self.applicant()?,
            answers: self.answers.clone(),
            materials: self
                .materials
                .iter()
                .map(|(k, v)| (k.clone(), v.iter().map(|f| f.id.clone()).collect()))
                .collect(),
        })
    }
}

/// 128 random bits as hex, from the browser's CSPRNG.
fn random_key() -> String {
    let mut bytes = [0u8; 16];
    if let Ok(crypto) = window().crypto() {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn storage_key(service: &str) -> String {
    format!("onewindow.draft.{service}")
}

fn local_storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// The drafts of this visit, by service code, shared by every step of the flow.
#[derive(Clone, Copy)]
pub struct Drafts {
    drafts: RwSignal<BTreeMap<String, Draft>>,
    /// Whether drafts are written to local storage (the portal) or kept in memory (the kiosk).
    persist: bool,
}

impl Drafts {
    pub fn provide(persist: bool) {
        provide_context(Drafts {
            drafts: RwSignal::new(BTreeMap::new()),
            persist,
        });
    }

    pub fn use_() -> Drafts {
        expect_context::<Drafts>()
    }

    /// The draft for `service`: from memory, else (portal only) from local storage.
    pub fn load(&self, service: &str) -> Option<Draft> {
        if let Some(d) = self.drafts.with_untracked(|m| m.get(service).cloned()) {
            return Some(d);
        }
        if !self.persist {
            return None;
        }
        let text = local_storage()?.get_item(&storage_key(service)).ok()??;
        let draft: Draft = serde_json::from_str(&text).ok()?;
        self.drafts.update_untracked(|m| {
            m.insert(service.to_string(), draft.clone());
        });
        Some(draft)
    }

    /// Keeps the draft (and, in the portal, writes it through to local storage).
    pub fn save(&self, service: &str, draft: &Draft) {
        self.drafts.update_untracked(|m| {
            m.insert(service.to_string(), draft.clone());
        });
        if self.persist {
            if let (Some(s), Ok(text)) = (local_storage(), serde_json::to_string(draft)) {
                let _ = s.set_item(&storage_key(service), &text);
            }
        }
    }

    pub fn delete(&self, service: &str) {
        self.drafts.update_untracked(|m| {
            m.remove(service);
        });
        if let Some(s) = local_storage() {
            let _ = s.remove_item(&storage_key(service));
        }
    }
}
