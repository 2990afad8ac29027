//! Shared state: the pool, and a snapshot of the catalogue with its search index.
//!
//! The database is the source of truth. The snapshot is rebuilt whenever the stored
//! catalogue version differs from the one it was built from, so an import made by another
//! process (the CLI, or another instance on PostgreSQL) shows up on the next request. The
//! version is read on every request: on its own (`catalogue`), or in the statement that reads
//! what the request shows with it (`catalogue_at`: a case lookup reads it with the case). Its
//! Traditional Chinese texts are converted once per snapshot, when first asked for.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock, RwLock};

use api_client::{Department, Language, ServiceGuide, Topic};
use sqlx::AnyPool;

use crate::admission::Admission;
use crate::catalogue;
use crate::catalogue::hant::{self, NameOverrides, Texts};
use crate::config::Config;
use crate::error::ApiError;
use crate::gate::rate::RateLimit;
use crate::search::SearchIndex;

pub struct Snapshot {
    pub version: i64,
    pub departments: Vec<Department>,
    pub topics: Vec<Topic>,
    pub guides: Vec<ServiceGuide>,
    pub by_code: HashMap<String, usize>,
    pub index: SearchIndex,
    /// The hand-written Traditional texts: of departments and topics, and of each guide
    /// (by its position), which answers never carry.
    names_zh_hant: NameOverrides,
    guides_zh_hant: Vec<BTreeMap<String, String>>,
    /// The same catalogue in Traditional, guide for guide in the same order.
    zh_hant: OnceLock<Texts>,
}

/// The catalogue's texts in one language: slices in the snapshot's order, so the search
/// index's and `by_code`'s positions hold for them too.
#[derive(Clone, Copy)]
pub struct Localised<'a> {
    pub departments: &'a [Department],
    pub topics: &'a [Topic],
    pub guides: &'a [ServiceGuide],
    by_code: &'a HashMap<String, usize>,
}

impl<'a> Localised<'a> {
    /// The service with this code.
    pub fn guide(&self, code: &str) -> Option<&'a ServiceGuide> {
        self.by_code.get(code).map(|&i| &self.guides[i])
    }

    /// The department with this code.
    pub fn department(&self, code: &str) -> Option<&'a Department> {
        self.departments.iter().find(|d| d.code == code)
    }
}

impl Snapshot {
    /// The stored catalogue, for tools that run without an `AppState` (the command line).
    pub async fn load(pool: &AnyPool) -> Result<Snapshot, ApiError> {
        Ok(Snapshot::build(catalogue::load(pool).await?))
    }

    /// The department with this code.
    pub fn department(&self, code: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.code == code)
    }

    /// The service with this code.
    pub fn guide(&self, code: &str) -> Option<&ServiceGuide> {
        self.by_code.get(code).map(|&i| &self.guides[i])
    }

    /// The department named `name` as the catalogue writes it (and as events and replies
    /// store it), by its name in `language`: its hand-written Traditional name, say.
    pub fn department_named(&self, name: &str, language: Language) -> Option<&str> {
        let i = self.departments.iter().position(|d| d.name == name)?;
        Some(&self.in_language(language).departments[i].name)
    }

    /// The catalogue's texts for a reader of `language` (`Language::catalogue`: Simplified
    /// for an English reader, since there is no English catalogue).
    pub fn in_language(&self, language: Language) -> Localised<'_> {
        let (departments, topics, guides) = match language.catalogue() {
            Language::ZhHant => {
                let t = self.zh_hant.get_or_init(|| self.to_traditional());
                (&t.departments, &t.topics, &t.guides)
            }
            Language::ZhHans | Language::En => (&self.departments, &self.topics, &self.guides),
        };
        Localised {
            departments,
            topics,
            guides,
            by_code: &self.by_code,
        }
    }

    fn to_traditional(&self) -> Texts {
        let simplified = Texts {
            departments: self.departments.clone(),
            topics: self.topics.clone(),
            guides: self
                .guides
                .iter()
                .zip(&self.guides_zh_hant)
                .map(|(g, written)| ServiceGuide {
                    zh_hant: written.clone(),
                    ..g.clone()
                })
                .collect(),
        };
        hant::traditional(&simplified, &self.names_zh_hant)
    }

    fn build(mut c: catalogue::Catalogue) -> Self {
        let guides_zh_hant = c
            .guides
            .iter_mut()
            .map(|g| std::mem::take(&mut g.zh_hant))
            .collect();
        let index = SearchIndex::new(&c.guides, &c.synonyms);
        let by_code = c
            .guides
            .iter()
            .enumerate()
            .map(|(i, g)| (g.code.clone(), i))
            .collect();
        Snapshot {
            version: c.version,
            departments: c.departments,
            topics: c.topics,
            guides: c.guides,
            by_code,
            index,
            names_zh_hant: c.names_zh_hant,
            guides_zh_hant,
            zh_hant: OnceLock::new(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub pool: AnyPool,
    pub config: Arc<Config>,
    /// Who may upload now (slots, quota, disk floor).
    pub uploads: Arc<Admission>,
    /// New complaints per client address (`complaints::file`).
    pub complaint_filings: Arc<RateLimit>,
    snapshot: Arc<RwLock<Option<Arc<Snapshot>>>>,
    reload: Arc<tokio::sync::Mutex<()>>,
}

impl AppState {
    pub fn new(pool: AnyPool, config: Config) -> Self {
        AppState {
            pool,
            uploads: Arc::new(Admission::new(&config.upload)),
            complaint_filings: Arc::new(RateLimit::new(
                config.complaints_per_addr as usize,
                std::time::Duration::from_secs(config.complaints_window_secs),
            )),
            config: Arc::new(config),
            snapshot: Arc::default(),
            reload: Arc::default(),
        }
    }

    fn current(&self) -> Option<Arc<Snapshot>> {
        self.snapshot.read().expect("snapshot lock").clone()
    }

    /// The catalogue as currently stored.
    pub async fn catalogue(&self) -> Result<Arc<Snapshot>, ApiError> {
        self.catalogue_at(catalogue::version(&self.pool).await?)
            .await
    }

    /// The catalogue of stored `version`, which the caller has just read from the database
    /// (in the statement that reads what it shows with it: `progress::read`), or a newer one.
    pub async fn catalogue_at(&self, version: i64) -> Result<Arc<Snapshot>, ApiError> {
        if let Some(s) = self.current().filter(|s| s.version == version) {
            return Ok(s);
        }
        // One request rebuilds; the others wait for it rather than all loading at once.
        let _guard = self.reload.lock().await;
        if let Some(s) = self.current().filter(|s| s.version >= version) {
            return Ok(s);
        }
        let fresh = Arc::new(Snapshot::build(catalogue::load(&self.pool).await?));
        *self.snapshot.write().expect("snapshot lock") = Some(fresh.clone());
        // The Traditional texts are converted now, beside the requests, so that the first
        // reader of Traditional after a start or an import does not wait for the whole
        // catalogue (`cargo xtask bench --search-only` times that first search).
        let warm = fresh.clone();
        tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let guides = warm.in_language(Language::ZhHant).guides.len();
            tracing::info!(
                "catalogue version {} in Traditional: {guides} services converted in {} ms",
                warm.version,
                started.elapsed().as_millis()
            );
        });
        Ok(fresh)
    }
}
