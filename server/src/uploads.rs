//! Uploaded files: streamed to a temporary file (per node) while hashed, limited in size and
//! typed by their first bytes as they arrive, then stored once per content in the database
//! (`blobs`: every node reads them), and expired when no application has used them within
//! the time to live (one node at a time: `sweep`). What a case's files are called and who may
//! download them: `files`; `server files verify`: `verify`.
//!
//! Nothing here logs a client's file name, an upload id or a hash: only counts and sizes.

pub mod blobs;
pub mod files;
pub mod verify;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncWriteExt, BufWriter};

use crate::config::ACCEPTED_MEDIA_TYPES;
use crate::error::ApiError;
use crate::state::AppState;
use crate::{admission, gate};

/// Seconds an upload no application has used is kept (default one day).
pub const TTL_ENV: &str = "ONEWINDOW_UPLOAD_TTL_SECS";
/// Seconds between two expiry sweeps (default ten minutes).
pub const SWEEP_ENV: &str = "ONEWINDOW_UPLOAD_SWEEP_SECS";
const DEFAULT_TTL_SECS: u64 = 24 * 60 * 60;
const DEFAULT_SWEEP_SECS: u64 = 10 * 60;
/// A temporary file untouched for this long belongs to no upload in progress.
const STALE_TMP: Duration = Duration::from_secs(60 * 60);
/// Write buffer of one upload in progress.
const WRITE_BUFFER: usize = 256 * 1024;
/// Enough leading bytes to recognise every accepted type.
pub const MAGIC_LEN: usize = 8;

/// The `Retry-After` of an upload refused because all slots are taken.
const BUSY_RETRY: Duration = Duration::from_secs(5);

/// An upload allowed to start: it holds one of the slots while it is received and charges
/// the bytes it receives to its client address's quota.
pub struct Admitted {
    _slot: tokio::sync::OwnedSemaphorePermit,
    addr: Option<IpAddr>,
    state: AppState,
}

/// Whether an upload from `addr` (the client's address, `ClientAddr`) may start: 507 when
/// the data directory's disk is below its free-space floor, 429 when the address has used
/// up its quota, 503 when as many uploads as allowed are being received.
pub fn admit(state: &AppState, addr: Option<IpAddr>) -> Result<Admitted, ApiError> {
    let floor = state.uploads.settings.min_free_bytes;
    if floor > 0 {
        match admission::disk::available(&state.config.data_dir) {
            Ok(free) if free < floor => {
                tracing::warn!(
                    free_mb = free / (1024 * 1024),
                    floor_mb = floor / (1024 * 1024),
                    "uploads refused: the data directory's disk is below its free-space floor"
                );
                return Err(ApiError::InsufficientStorage(
                    "the server is short of storage space and accepts no files until some is freed; try again later".into(),
                ));
            }
            Ok(_) => {}
            // Not knowing is no reason to refuse: the write itself fails if the disk is full.
            Err(e) => tracing::warn!("cannot measure the free space of the data directory: {e}"),
        }
    }
    let addr = addr.map(gate::addr_key);
    if let Some(addr) = addr {
        state
            .uploads
            .quota
            .check(addr, Instant::now())
            .map_err(ApiError::UploadQuota)?;
    }
    let slot = state
        .uploads
        .try_slot()
        .ok_or(ApiError::UploadsBusy(BUSY_RETRY))?;
    Ok(Admitted {
        _slot: slot,
        addr,
        state: state.clone(),
    })
}

impl Admitted {
    /// Counts `bytes` just received against the quota: 429 once past it.
    pub fn charge(&self, bytes: u64) -> Result<(), ApiError> {
        match self.addr {
            Some(addr) => self
                .state
                .uploads
                .quota
                .charge(addr, bytes, Instant::now())
                .map_err(ApiError::UploadQuota),
            None => Ok(()),
        }
    }

    /// How long the client may go without sending a byte.
    pub fn chunk_timeout(&self) -> Duration {
        self.state.uploads.settings.chunk_timeout
    }
}

/// The 408 of an upload whose client sent nothing for `waited`.
pub fn stalled(waited: Duration) -> ApiError {
    ApiError::RequestTimeout(format!(
        "the upload was abandoned: no data arrived for {} seconds",
        waited.as_secs()
    ))
}

/// The longest file name kept (characters); a longer one is cut.
pub const MAX_NAME_CHARS: usize = 255;

/// The name a client gave its file as it is kept: without any directory (either slash), cut
/// to `MAX_NAME_CHARS`; none when nothing is left. (Control characters are refused before.)
pub fn clean_name(raw: &str) -> Option<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw).trim();
    let cut: String = base.chars().take(MAX_NAME_CHARS).collect();
    let cut = cut.trim();
    (!cut.is_empty() && cut != "." && cut != "..").then(|| cut.to_string())
}

pub fn root(data_dir: &Path) -> PathBuf {
    data_dir.join("uploads")
}

pub fn tmp_dir(data_dir: &Path) -> PathBuf {
    root(data_dir).join("tmp")
}

/// Where an older installation kept the file with this (lowercase hex) SHA-256 on its disk
/// (moved into the database at start: `blobs::adopt_from_disk`).
pub fn stored_path(data_dir: &Path, sha256: &str) -> PathBuf {
    root(data_dir).join(&sha256[..2]).join(sha256)
}

/// The media type of a file, from its first bytes; `None` for anything not accepted.
pub fn detect(head: &[u8]) -> Option<&'static str> {
    const SIGNATURES: [(&[u8], &str); 3] = [
        (b"%PDF-", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xFF\xD8\xFF", "image/jpeg"),
    ];
    SIGNATURES
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|(_, t)| *t)
}

/// 128 bits from the operating system's CSPRNG, as 32 lowercase hex digits.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).expect("the operating system's random source failed");
    hex::encode(bytes)
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A positive number of seconds from the environment, or the default.
fn secs_from_env(var: &str, default: u64) -> u64 {
    match std::env::var(var) {
        Err(_) => default,
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => n,
            _ => {
                tracing::warn!("{var}={v:?} is not a positive number of seconds; using {default}");
                default
            }
        },
    }
}

/// Deletes a temporary file when dropped, unless it has been moved into the store: an
/// upload that fails, is rejected or is abandoned by its client leaves nothing behind.
struct TempGuard {
    path: Option<PathBuf>,
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A file being received: written to `uploads/tmp`, hashed and counted chunk by chunk, and
/// checked on the way (at most `max` bytes, an accepted type from its first bytes), so that
/// a file refused is refused as soon as it can be.
pub struct Incoming {
    guard: TempGuard,
    file: BufWriter<tokio::fs::File>,
    hasher: Sha256,
    size: u64,
    max: u64,
    head: Vec<u8>,
}

impl Incoming {
    /// A new file of at most `max` bytes.
    pub async fn create(data_dir: &Path, max: u64) -> Result<Incoming, ApiError> {
        let dir = tmp_dir(data_dir);
        tokio::fs::create_dir_all(&dir)
            .await
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join(format!("{}.part", new_id()));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Incoming {
            guard: TempGuard { path: Some(path) },
            file: BufWriter::with_capacity(WRITE_BUFFER, file),
            hasher: Sha256::new(),
            size: 0,
            max,
            head: Vec::with_capacity(MAGIC_LEN),
        })
    }

    /// Takes the next chunk; a 400 on `file` once the file is larger than allowed or its first
    /// bytes are of no accepted type.
    pub async fn take(&mut self, chunk: &[u8]) -> Result<(), ApiError> {
        if self.size + chunk.len() as u64 > self.max {
            return Err(too_large(self.max));
        }
        if self.head.len() < MAGIC_LEN {
            let take = (MAGIC_LEN - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        self.file
            .write_all(chunk)
            .await
            .context("cannot write an upload's temporary file")?;
        if self.head.len() >= MAGIC_LEN && detect(&self.head).is_none() {
            return Err(wrong_type());
        }
        Ok(())
    }

    /// The media type of the file received in full; a 400 on `file` when it is empty or of no
    /// accepted type.
    pub fn finish(&self) -> Result<&'static str, ApiError> {
        if self.size == 0 {
            return Err(ApiError::field("file", "empty", "the file is empty"));
        }
        detect(&self.head).ok_or_else(wrong_type)
    }

    /// Stores the received file (once per content, in the database) and records it as a new
    /// upload named `name` (`clean_name`), in one transaction.
    pub async fn store(
        mut self,
        state: &AppState,
        media_type: &'static str,
        name: Option<String>,
    ) -> Result<api_client::UploadCreated, ApiError> {
        self.file
            .flush()
            .await
            .context("cannot write an upload's temporary file")?;
        let sha256 = hex::encode(self.hasher.finalize_reset());
        let size = self.size;
        let path = self
            .guard
            .path
            .clone()
            .expect("the temporary file is still there");
        let id = new_id();
        let pool = &state.pool;
        crate::db::retry::transaction(|| async {
            let now = now_secs();
            let mut tx = pool.begin().await?;
            blobs::put(&mut tx, &sha256, size, &path, now).await?;
            sqlx::query(
                "INSERT INTO uploads (id, sha256, size, media_type, created_at, case_number, file_name) VALUES ($1, $2, $3, $4, $5, NULL, $6)",
            )
            .bind(&id)
            .bind(&sha256)
            .bind(size as i64)
            .bind(media_type)
            .bind(now)
            .bind(name.as_deref())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
        .await?;
        // (Dropping `self` deletes the temporary file.)
        tracing::debug!(size, media_type, "stored an upload");
        Ok(api_client::UploadCreated {
            id,
            size,
            media_type: media_type.to_string(),
        })
    }
}

fn too_large(max: u64) -> ApiError {
    const MB: u64 = 1024 * 1024;
    let limit = if max.is_multiple_of(MB) {
        format!("{} MB", max / MB)
    } else {
        format!("{max} bytes")
    };
    ApiError::field(
        "file",
        "too_large",
        format!("the file is larger than the limit of {limit} ({max} bytes)"),
    )
}

fn wrong_type() -> ApiError {
    ApiError::field(
        "file",
        "wrong_type",
        format!(
            "the file is not one of the accepted types ({}), judged by its content",
            ACCEPTED_MEDIA_TYPES.join(", ")
        ),
    )
}

/// What one sweep removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub rows: usize,
    pub files: usize,
    pub temporary: usize,
}

/// Any constant no other lock of ours uses ('OWUS').
const SWEEP_LOCK: i64 = 0x4f57_5553;
/// One sweep at a time in this process (SQLite's one-box installation).
static SWEEPING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `sweep_now`, by one node at a time: on PostgreSQL the node that takes the sweep's advisory
/// lock (`pg_try_advisory_lock`, held by one connection for the sweep); on SQLite the one
/// process. `None` when another sweep holds it: this round is skipped. This node's temporary
/// files are cleaned either way.
pub async fn sweep(state: &AppState, ttl_secs: u64) -> anyhow::Result<Option<Swept>> {
    let temporary = clean_tmp(&state.config.data_dir, STALE_TMP).await?;
    let Ok(_in_process) = SWEEPING.try_lock() else {
        return Ok(None);
    };
    let mut conn = state.pool.acquire().await?;
    let postgres = conn.backend_name().eq_ignore_ascii_case("postgresql");
    if postgres {
        let (got,): (String,) = sqlx::query_as("SELECT CAST(pg_try_advisory_lock($1) AS TEXT)")
            .bind(SWEEP_LOCK)
            .fetch_one(&mut *conn)
            .await
            .context("cannot ask for the sweep's lock")?;
        if got != "true" {
            return Ok(None);
        }
    } else {
        drop(conn);
        return Ok(Some(Swept {
            temporary,
            ..sweep_now(state, ttl_secs).await?
        }));
    }
    let result = sweep_now(state, ttl_secs).await;
    // Unlocking keeps the pool's connection; if that fails, the connection is closed rather
    // than returned to the pool, which releases the lock too (never held past the sweep).
    let unlocked = sqlx::query("SELECT CAST(pg_advisory_unlock($1) AS TEXT)")
        .bind(SWEEP_LOCK)
        .execute(&mut *conn)
        .await;
    if let Err(e) = unlocked {
        drop(conn.detach());
        return Err(anyhow::Error::new(e).context("cannot release the sweep's lock"));
    }
    Ok(Some(Swept {
        temporary,
        ..result?
    }))
}

/// Deletes the uploads no application used within `ttl_secs`, and the stored contents no
/// upload refers to any more.
pub async fn sweep_now(state: &AppState, ttl_secs: u64) -> anyhow::Result<Swept> {
    let now = now_secs();
    let cutoff = now - ttl_secs as i64;
    let expired = sqlx::query("DELETE FROM uploads WHERE case_number IS NULL AND created_at < $1")
        .bind(cutoff)
        .execute(&state.pool)
        .await
        .context("cannot delete expired uploads")?;
    // Contents untouched since this sweep began: an upload recorded meanwhile keeps its own.
    let files = blobs::delete_unused(&state.pool, now)
        .await
        .map_err(|e| anyhow::anyhow!("cannot delete unused stored files: {e}"))?;
    Ok(Swept {
        rows: expired.rows_affected() as usize,
        files,
        temporary: 0,
    })
}

/// Deletes temporary files not written to for `older_than`; how many were deleted.
pub async fn clean_tmp(data_dir: &Path, older_than: Duration) -> anyhow::Result<usize> {
    let dir = tmp_dir(data_dir);
    let mut entries = match tokio::fs::read_dir(&dir).await {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!("cannot list {}", dir.display())))
        }
    };
    let now = SystemTime::now();
    let mut removed = 0;
    while let Some(entry) = entries.next_entry().await? {
        let Ok(meta) = entry.metadata().await else {
            continue;
        };
        let age = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .unwrap_or_default();
        if meta.is_file() && age >= older_than && tokio::fs::remove_file(entry.path()).await.is_ok()
        {
            removed += 1;
        }
    }
    Ok(removed)
}

/// Starts the expiry task: a sweep at start-up (which also clears abandoned temporary
/// files), then one every `ONEWINDOW_UPLOAD_SWEEP_SECS` seconds.
pub fn spawn_expiry(state: AppState) {
    let ttl = secs_from_env(TTL_ENV, DEFAULT_TTL_SECS);
    let every = Duration::from_secs(secs_from_env(SWEEP_ENV, DEFAULT_SWEEP_SECS));
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match sweep(&state, ttl).await {
                Ok(None) => tracing::debug!("another node is sweeping the uploads"),
                Ok(Some(s)) if s == Swept::default() => {}
                Ok(Some(s)) => tracing::info!(
                    expired = s.rows,
                    files_deleted = s.files,
                    temporary_deleted = s.temporary,
                    "expired unused uploads"
                ),
                Err(e) => tracing::warn!("upload expiry failed: {e:#}"),
            }
            // The same tick forgets the query codes kept sealed for retries past their day.
            let now = crate::calendar::now_cst().unix_timestamp();
            match crate::idempotency::forget_answers(&state.pool, now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(forgotten = n, "forgot sealed query codes after a day"),
                Err(e) => tracing::warn!("forgetting sealed query codes failed: {e}"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_magic_number() {
        assert_eq!(detect(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n\0\0"), Some("image/png"));
        assert_eq!(detect(b"\xFF\xD8\xFF\xE0"), Some("image/jpeg"));
        assert_eq!(detect(b"MZ\x90\0"), None);
        assert_eq!(detect(b"\x7fELF"), None);
        assert_eq!(detect(b"%PDF"), None);
        assert_eq!(detect(b"\x89PNG"), None);
        assert_eq!(detect(b""), None);
        assert_eq!(detect(b" %PDF-1.7"), None);
    }

    #[test]
    fn ids_are_32_lowercase_hex_and_differ() {
        let a = new_id();
        assert!(api_client::application::upload_id_valid(&a), "{a}");
        assert_ne!(a, new_id());
    }

    #[test]
    fn stored_by_hash_under_two_digits() {
        let sha = "ab".repeat(32);
        assert_eq!(
            stored_path(Path::new("/d"), &sha),
            Path::new("/d/uploads/ab").join(&sha)
        );
    }
}
