//! An application in progress: what the applicant has typed and uploaded so far.
//!
//! The portal keeps drafts in the browser's local storage, so a reload or a return visit
//! can continue, for `MAX_AGE_MS` (7 days) after they were last saved: they hold personal
//! data, so an older one is never loaded and is removed when the app starts
//! (`Drafts::provide`); a submitted one is removed at once. The kiosk keeps them in memory
//! only (it must keep nothing of a visitor).

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

/// How long a saved draft is kept: 7 days, in milliseconds.
const MAX_AGE_MS: f64 = 7.0 * 24.0 * 60.0 * 60.0 * 1000.0;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// The Idempotency-Key: made once per application, so every retry names the same case.
    /// Empty when the browser had no secure randomness (`ensure_key` tries again).
    pub key: String,
    /// When the draft was last written to storage (milliseconds since 1970; 0 in memory
    /// only, and in drafts saved before drafts expired, which therefore count as expired).
    #[serde(default)]
    pub saved_at: f64,
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
            key: random_key().unwrap_or_default(),
            ..Default::default()
        }
    }

    /// Whether the draft has a key to submit with, making one now if it has none. Without
    /// secure randomness there is none: the caller must not submit (a guessable key would
    /// let someone else's request meet this one).
    pub fn ensure_key(&mut self) -> bool {
        if self.key.is_empty() {
            self.key = random_key().unwrap_or_default();
        }
        !self.key.is_empty()
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

/// 128 random bits as hex, from the browser's CSPRNG (`crypto.getRandomValues`); `None`
/// when the browser has none or it fails.
fn random_key() -> Option<String> {
    let mut bytes = [0u8; 16];
    window()
        .crypto()
        .ok()?
        .get_random_values_with_u8_array(&mut bytes)
        .ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

const STORAGE_PREFIX: &str = "onewindow.draft.";

/// Whether a draft saved at `saved_at` is past its age at `now` (both in milliseconds).
fn expired(saved_at: f64, now: f64) -> bool {
    !(saved_at > 0.0 && now - saved_at < MAX_AGE_MS)
}

/// Removes every stored draft that is expired or unreadable.
fn remove_expired(storage: &web_sys::Storage) {
    let now = js_sys::Date::now();
    let count = storage.length().unwrap_or(0);
    let keys: Vec<String> = (0..count)
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|k| k.starts_with(STORAGE_PREFIX))
        .collect();
    for key in keys {
        let keep = storage
            .get_item(&key)
            .ok()
            .flatten()
            .and_then(|text| serde_json::from_str::<Draft>(&text).ok())
            .is_some_and(|d| !expired(d.saved_at, now));
        if !keep {
            let _ = storage.remove_item(&key);
        }
    }
}

fn storage_key(service: &str) -> String {
    format!("{STORAGE_PREFIX}{service}")
}

/// The browser's local storage (none on the server).
fn local_storage() -> Option<web_sys::Storage> {
    if cfg!(feature = "ssr") {
        return None;
    }
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
    /// Provides the drafts; in the portal, first removes the stored drafts past their age.
    pub fn provide(persist: bool) {
        if let Some(s) = local_storage().filter(|_| persist) {
            remove_expired(&s);
        }
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
        let storage = local_storage()?;
        let text = storage.get_item(&storage_key(service)).ok()??;
        let draft = serde_json::from_str::<Draft>(&text)
            .ok()
            .filter(|d| !expired(d.saved_at, js_sys::Date::now()));
        let Some(draft) = draft else {
            let _ = storage.remove_item(&storage_key(service));
            return None;
        };
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
            let stamped = Draft {
                saved_at: js_sys::Date::now(),
                ..draft.clone()
            };
            if let (Some(s), Ok(text)) = (local_storage(), serde_json::to_string(&stamped)) {
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
