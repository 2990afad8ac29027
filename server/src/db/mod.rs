//! Storage: one sqlx `AnyPool` over SQLite (default, WAL) or PostgreSQL (`DATABASE_URL`).
//! Everything above this module is written once against `Any`; the SQL sticks to what
//! both engines accept (`$n` parameters, `ON CONFLICT`, TEXT and BIGINT columns).
//!
//! The toolkit every store uses: `retry` (whole transactions retried on a busy database),
//! `sql` (placeholders, taking a row for writing) and `uploads` (taking uploads, their
//! budget), and `backup` (`server backup` / `server restore` of a SQLite installation, and
//! the data directory's lock every process holds).

pub mod backup;
pub mod credentials;
pub mod retry;
pub mod sql;
pub mod uploads;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;

use crate::config::StorageArgs;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn backend_of(url: &str) -> Backend {
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// The backend the storage options name.
pub fn backend_of_storage(storage: &StorageArgs) -> Backend {
    storage
        .database_url
        .as_deref()
        .filter(|url| !url.is_empty())
        .map_or(Backend::Sqlite, backend_of)
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Runs `work` while holding the installation's start-up lock (PostgreSQL: a session
/// advisory lock on one connection; SQLite: nothing, one process), so that nodes starting
/// at the same moment on an empty database import the demo once: the first imports, the
/// others wait and then find it there.
pub async fn at_startup<T, F>(pool: &AnyPool, work: F) -> anyhow::Result<T>
where
    F: std::future::Future<Output = anyhow::Result<T>>,
{
    /// Any constant no other lock of ours uses ('OWST').
    const STARTUP_LOCK: i64 = 0x4f57_5354;
    let mut conn = pool.acquire().await?;
    let postgres = conn.backend_name().eq_ignore_ascii_case("postgresql");
    if !postgres {
        drop(conn);
        return work.await;
    }
    sqlx::query("SELECT pg_advisory_lock($1)::TEXT")
        .bind(STARTUP_LOCK)
        .execute(&mut *conn)
        .await
        .context("cannot take the start-up lock")?;
    let result = work.await;
    // Closing the connection would release it too; unlocking keeps the pool's connection.
    sqlx::query("SELECT pg_advisory_unlock($1)::TEXT")
        .bind(STARTUP_LOCK)
        .execute(&mut *conn)
        .await
        .context("cannot release the start-up lock")?;
    result
}

/// Whether the database answers and has every migration this build carries applied
/// (`/readyz`): `Err` with why not, in words an operator can act on.
pub async fn ready(pool: &AnyPool) -> Result<(), String> {
    let conn = pool
        .acquire()
        .await
        .map_err(|e| format!("the database does not answer: {e}"))?;
    let migrator = if conn.backend_name().eq_ignore_ascii_case("postgresql") {
        &POSTGRES_MIGRATIONS
    } else {
        &SQLITE_MIGRATIONS
    };
    drop(conn);
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_all(pool)
            .await
            .map_err(|e| format!("the migrations cannot be read: {e}"))?;
    let missing: Vec<String> = migrator
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .map(|m| m.version.to_string())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "migrations not applied: {} (restart a node of this version to apply them)",
            missing.join(", ")
        ))
    }
}

/// Opens the database named by the storage options and brings its schema up to date.
pub async fn connect(storage: &StorageArgs) -> anyhow::Result<AnyPool> {
    sqlx::any::install_default_drivers();
    let url = match &storage.database_url {
        Some(url) if !url.is_empty() => url.clone(),
        _ => {
            std::fs::create_dir_all(&storage.data_dir).with_context(|| {
                format!(
                    "cannot create the data directory {}",
                    storage.data_dir.display()
                )
            })?;
            // Held while this process lives: `server restore` refuses meanwhile.
            backup::hold_shared(&storage.data_dir)?;
            let file = storage.data_dir.join(backup::DATABASE_FILE);
            format!("sqlite://{}?mode=rwc", file.display())
        }
    };
    let backend = backend_of(&url);
    let options =
        AnyConnectOptions::from_str(&url).context("DATABASE_URL is not a valid database URL")?;
    let pool = AnyPoolOptions::new()
        .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
        // sqlx pings every connection it hands out. A SQLite connection is a file this
        // process holds open, and it cannot have gone away, but the ping is a round trip to the
        // connection's worker thread: a second one for every lookup, which costs more than
        // the query. A PostgreSQL connection can die with the server or a failover, so there
        // the ping stays.
        .test_before_acquire(backend != Backend::Sqlite)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // synchronous = FULL: a case whose number the applicant was given survives
                    // a power cut (NORMAL in WAL mode may lose the last commits). Measured with
                    // `cargo xtask bench --search-only` (1,000 submissions, 16 clients, on a
                    // shared 2-core machine): NORMAL 802–873/s, FULL 298–675/s (median 551),
                    // far above what a day's 99,999 numbers need.
                    conn.execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL;")
                        .await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open the {backend:?} database"))?;
    match backend {
        Backend::Sqlite => {
            // WAL lets readers (the API) proceed while an import writes.
            pool.execute("PRAGMA journal_mode = WAL;").await?;
            SQLITE_MIGRATIONS.run(&pool).await?
        }
        Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
    }
    crate::idempotency::hash_legacy_keys(&pool)
        .await
        .context("cannot hash the idempotency keys stored before migration 0006")?;
    Ok(pool)
}
