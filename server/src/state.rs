//! Shared state: the pool, and a snapshot of the catalogue with its search index.
//!
//! The database is the source of truth. The snapshot is rebuilt whenever the stored
//! catalogue version differs from the one it was built from, so an import made by another
//! process (the CLI, or another instance on PostgreSQL) shows up on the next request.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use api_client::{Department, ServiceGuide, Topic, UploadLimits};
use sqlx::AnyPool;

use crate::catalogue;
use crate::cli::{ServiceArgs, StorageArgs};
use crate::error::ApiError;
use crate::search::SearchIndex;

pub struct Snapshot {
    pub version: i64,
    pub departments: Vec<Department>,
    pub topics: Vec<Topic>,
    pub guides: Vec<ServiceGuide>,
    pub by_code: HashMap<String, usize>,
    pub index: SearchIndex,
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

    fn build(c: catalogue::Catalogue) -> Self {
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
        }
    }
}

/// Settings of this installation, from the command line or the environment.
#[derive(Clone, Debug)]
pub struct Config {
    /// Without a trailing slash.
    pub public_url: String,
    pub data_dir: PathBuf,
    pub max_file_bytes: u64,
    pub max_total_bytes: u64,
    pub region_code: String,
    /// Working days after the submission day by which a complaint is to be answered.
    pub complaint_reply_days: u32,
    /// Working days after a poor rating by which staff must answer it (整改).
    pub rectification_days: u32,
}

/// What uploads may be, by content.
pub const ACCEPTED_MEDIA_TYPES: [&str; 3] = ["application/pdf", "image/jpeg", "image/png"];

impl Config {
    pub fn new(
        service: &ServiceArgs,
        storage: &StorageArgs,
        bound: std::net::SocketAddr,
    ) -> anyhow::Result<Self> {
        let region = service.region_code.trim();
        if region.len() != 6 || !region.chars().all(|c| c.is_ascii_digit()) {
            anyhow::bail!("--region-code must be 6 digits, got `{region}`");
        }
        let public_url = service
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"));
        Ok(Config {
            public_url: public_url.trim_end_matches('/').to_string(),
            data_dir: storage.data_dir.clone(),
            max_file_bytes: service.max_file_mb * 1024 * 1024,
            max_total_bytes: service.max_application_mb * 1024 * 1024,
            region_code: region.to_string(),
            complaint_reply_days: service.complaint_reply_days,
            rectification_days: service.rectification_days,
        })
    }

    pub fn limits(&self) -> UploadLimits {
        UploadLimits {
            max_file_bytes: self.max_file_bytes,
            max_total_bytes: self.max_total_bytes,
            accepted: ACCEPTED_MEDIA_TYPES.iter().map(|s| s.to_string()).collect(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub pool: AnyPool,
    pub config: Arc<Config>,
    snapshot: Arc<RwLock<Option<Arc<Snapshot>>>>,
    reload: Arc<tokio::sync::Mutex<()>>,
}

impl AppState {
    pub fn new(pool: AnyPool, config: Config) -> Self {
        AppState {
            pool,
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
        let version = catalogue::version(&self.pool).await?;
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
        Ok(fresh)
    }
}
