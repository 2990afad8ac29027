//! Upload bytes in the database (`upload_blobs`, `upload_chunks`), so that every node on one
//! PostgreSQL database reads what any node received, and a SQLite installation's backup
//! carries its files. One blob per content (SHA-256), cut into `CHUNK`-byte chunks that are
//! written and read one at a time: memory stays bounded whatever the file's size.
//!
//! A blob no upload refers to is deleted by the sweep (`delete_unused`); a new upload of the
//! same content "touches" the blob's row in the transaction that records it, and the sweep
//! locks the row before counting references, so the two never cross (see `delete_unused`).

use std::path::Path;

use anyhow::Context;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use sqlx::{Any, AnyPool, Transaction};
use tokio::io::AsyncReadExt;

use crate::db::retry;
use crate::error::ApiError;

/// Bytes per chunk.
pub const CHUNK: usize = 256 * 1024;

/// How many chunks a file of `size` bytes takes.
pub fn chunks_of(size: u64) -> i64 {
    size.div_ceil(CHUNK as u64) as i64
}

/// Makes the blob `sha256` (`size` bytes, read from `file`) present, writing its chunks
/// unless they are stored already, and marks it in use as of `now`. Run it in the
/// transaction that records the upload referring to it.
pub async fn put(
    tx: &mut Transaction<'static, Any>,
    sha256: &str,
    size: u64,
    file: &Path,
    now: i64,
) -> Result<(), ApiError> {
    let chunks = chunks_of(size);
    // The update takes the row's lock: a sweep deciding to delete it waits, then sees it
    // touched (or deleted it first, and this inserts a new row).
    sqlx::query(
        "INSERT INTO upload_blobs (sha256, size, chunks, touched_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sha256) DO UPDATE SET touched_at = excluded.touched_at",
    )
    .bind(sha256)
    .bind(size as i64)
    .bind(chunks)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let (stored,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM upload_chunks WHERE sha256 = $1")
        .bind(sha256)
        .fetch_one(&mut **tx)
        .await?;
    if stored == chunks {
        return Ok(());
    }
    // Nothing (a new blob), or a damaged one: written afresh.
    sqlx::query("DELETE FROM upload_chunks WHERE sha256 = $1")
        .bind(sha256)
        .execute(&mut **tx)
        .await?;
    let mut reader = tokio::fs::File::open(file)
        .await
        .with_context(|| format!("cannot read {}", file.display()))?;
    let mut seq: i64 = 0;
    loop {
        let mut buf = Vec::with_capacity(CHUNK);
        while buf.len() < CHUNK {
            let n = (&mut reader)
                .take((CHUNK - buf.len()) as u64)
                .read_to_end(&mut buf)
                .await
                .with_context(|| format!("cannot read {}", file.display()))?;
            if n == 0 {
                break;
            }
        }
        if buf.is_empty() {
            break;
        }
        sqlx::query("INSERT INTO upload_chunks (sha256, seq, data) VALUES ($1, $2, $3)")
            .bind(sha256)
            .bind(seq)
            .bind(buf)
            .execute(&mut **tx)
            .await?;
        seq += 1;
    }
    if seq != chunks {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "a file changed while it was stored ({seq} chunks read, {chunks} expected)"
        )));
    }
    Ok(())
}

/// The bytes of blob `sha256` (of `chunks` chunks), read one chunk at a time as the stream
/// is polled. A chunk found missing ends the stream with an error (the client sees the
/// answer cut short, never wrong bytes).
pub fn stream(
    pool: AnyPool,
    sha256: String,
    chunks: i64,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    futures_util::stream::try_unfold(0_i64, move |seq| {
        let pool = pool.clone();
        let sha256 = sha256.clone();
        async move {
            if seq >= chunks {
                return Ok(None);
            }
            let row: Option<(Vec<u8>,)> =
                sqlx::query_as("SELECT data FROM upload_chunks WHERE sha256 = $1 AND seq = $2")
                    .bind(&sha256)
                    .bind(seq)
                    .fetch_optional(&pool)
                    .await
                    .map_err(std::io::Error::other)?;
            match row {
                Some((data,)) => Ok(Some((Bytes::from(data), seq + 1))),
                None => {
                    tracing::error!("a stored file has lost a chunk (see `server files verify`)");
                    Err(std::io::Error::other("a chunk of a stored file is missing"))
                }
            }
        }
    })
}

/// Deletes the blobs no upload refers to and untouched since `cutoff` (unix seconds); how
/// many were deleted.
///
/// Each is locked first (an update of its row), then its references are counted by a new
/// statement: an upload of the same content recorded meanwhile has either touched the row
/// (the lock waits for it, and the row no longer qualifies) or is counted.
pub async fn delete_unused(pool: &AnyPool, cutoff: i64) -> Result<usize, ApiError> {
    let candidates: Vec<(String,)> = sqlx::query_as(
        "SELECT sha256 FROM upload_blobs b WHERE b.touched_at < $1
         AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.sha256 = b.sha256)",
    )
    .bind(cutoff)
    .fetch_all(pool)
    .await?;
    let mut deleted = 0;
    for (sha256,) in candidates {
        let gone = retry::transaction(|| async {
            let mut tx = pool.begin().await?;
            let locked = sqlx::query(
                "UPDATE upload_blobs SET touched_at = touched_at WHERE sha256 = $1 AND touched_at < $2",
            )
            .bind(&sha256)
            .bind(cutoff)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if locked == 0 {
                return Ok(false);
            }
            let (refs,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM uploads WHERE sha256 = $1")
                .bind(&sha256)
                .fetch_one(&mut *tx)
                .await?;
            if refs > 0 {
                return Ok(false);
            }
            sqlx::query("DELETE FROM upload_chunks WHERE sha256 = $1")
                .bind(&sha256)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM upload_blobs WHERE sha256 = $1")
                .bind(&sha256)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(true)
        })
        .await?;
        if gone {
            deleted += 1;
        }
    }
    Ok(deleted)
}

/// The SHA-256 (lowercase hex) and size of a file, read in chunks.
pub async fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// Whether `s` is a SHA-256 in lowercase hex (the shape of every blob's name).
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// What moving an older installation's files into the database did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Adopted {
    /// Files moved into the database (and deleted from the disk).
    pub moved: usize,
    /// Contents uploads refer to that this node's disk does not hold (perhaps another
    /// node's, which moves them when it starts).
    pub absent: usize,
    /// Files whose bytes do not match their name: left where they are.
    pub damaged: usize,
}

/// Moves the files of the older layout (`<data_dir>/uploads/<2 hex>/<sha256>`, one node's
/// disk) that uploads refer to into the database, and deletes every such file whose blob the
/// database holds. Safe to run again, and on several nodes at once.
pub async fn adopt_from_disk(pool: &AnyPool, data_dir: &Path) -> anyhow::Result<Adopted> {
    let mut adopted = Adopted::default();
    let wanted: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT u.sha256 FROM uploads u
         WHERE NOT EXISTS (SELECT 1 FROM upload_blobs b WHERE b.sha256 = u.sha256)",
    )
    .fetch_all(pool)
    .await
    .context("cannot list the uploads without stored bytes")?;
    for (sha256,) in wanted {
        if !is_sha256(&sha256) {
            continue;
        }
        let path = super::stored_path(data_dir, &sha256);
        let (actual, size) = match hash_file(&path).await {
            Ok(found) => found,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                adopted.absent += 1;
                continue;
            }
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!("cannot read {}", path.display())))
            }
        };
        if actual != sha256 {
            adopted.damaged += 1;
            continue;
        }
        let now = super::now_secs();
        retry::transaction(|| async {
            let mut tx = pool.begin().await?;
            put(&mut tx, &sha256, size, &path, now).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
        .map_err(|e| anyhow::anyhow!("cannot store {} in the database: {e}", path.display()))?;
        adopted.moved += 1;
    }
    // Every file of the older layout whose bytes the database holds goes (including those
    // moved by an earlier start that stopped before deleting them).
    let root = super::root(data_dir);
    let Ok(mut dirs) = tokio::fs::read_dir(&root).await else {
        return Ok(adopted);
    };
    while let Some(dir) = dirs.next_entry().await? {
        let name = dir.file_name();
        let name = name.to_string_lossy();
        if name.len() != 2 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let mut files = tokio::fs::read_dir(dir.path()).await?;
        while let Some(file) = files.next_entry().await? {
            let sha256 = file.file_name().to_string_lossy().into_owned();
            if !is_sha256(&sha256) {
                continue;
            }
            let (held,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM upload_blobs WHERE sha256 = $1")
                    .bind(&sha256)
                    .fetch_one(pool)
                    .await?;
            if held > 0 {
                tokio::fs::remove_file(file.path())
                    .await
                    .with_context(|| format!("cannot delete {}", file.path().display()))?;
            }
        }
        // Gone once empty (this fails harmlessly otherwise).
        let _ = tokio::fs::remove_dir(dir.path()).await;
    }
    Ok(adopted)
}
