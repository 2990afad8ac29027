//! Backing up and restoring a SQLite installation (`server backup`, `server restore`).
//!
//! - A backup is `VACUUM INTO` a new file beside the target, fsynced and renamed into place:
//!   one read transaction, so it is a consistent copy while nodes keep writing (WAL), and a
//!   half-written target never exists under its name. It is checked as a restore checks it.
//! - A restore copies the file into the data directory and checks the copy (a SQLite
//!   database passing `PRAGMA integrity_check`, carrying this build's migrations table with
//!   no migration this build does not know, and the same checksum for each it does), fsyncs
//!   it, drops the old database's `-wal`/`-shm` (they belong to the old file and would be
//!   replayed into the new one) and renames it over `onewindow.db`. Pending migrations run
//!   when a node next starts.
//! - Every process that opens the database holds a shared lock on `<data_dir>/onewindow.lock`
//!   (`hold_shared`, from `db::connect`); a restore takes it exclusively, so it refuses while
//!   any node or command uses the database, and nothing opens the database while it runs.
//!
//! PostgreSQL installations use its own tools (`pg_dump`, `pg_restore`): `POSTGRES_BACKUP`.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{bail, Context};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};

use super::SQLITE_MIGRATIONS;

/// The SQLite file in a data directory.
pub const DATABASE_FILE: &str = "onewindow.db";
/// The lock file beside it.
pub const LOCK_FILE: &str = "onewindow.lock";

/// What `server backup` says on PostgreSQL.
pub const POSTGRES_BACKUP: &str = "this installation keeps its data in PostgreSQL (DATABASE_URL): back it up with pg_dump, e.g. `pg_dump --format=custom --file=onewindow.dump \"$DATABASE_URL\"`, and restore that file with pg_restore";
/// What `server restore` says on PostgreSQL.
pub const POSTGRES_RESTORE: &str = "this installation keeps its data in PostgreSQL (DATABASE_URL): stop every node, then restore a pg_dump archive with pg_restore, e.g. `pg_restore --clean --if-exists --no-owner --dbname=\"$DATABASE_URL\" onewindow.dump` (a plain SQL dump with `psql \"$DATABASE_URL\" -f onewindow.sql`)";

/// The locks this process holds for its lifetime.
static HELD: Mutex<Vec<File>> = Mutex::new(Vec::new());

fn open_lock(data_dir: &Path) -> anyhow::Result<(File, PathBuf)> {
    let path = data_dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    Ok((file, path))
}

/// Takes a shared lock on the data directory for the rest of this process: any number of
/// nodes and commands share it; a restore cannot take it from them, nor they from a restore.
pub fn hold_shared(data_dir: &Path) -> anyhow::Result<()> {
    let (file, path) = open_lock(data_dir)?;
    match file.try_lock_shared() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => bail!(
            "the database in {} is being restored (`server restore` holds {}): start again when it has finished",
            data_dir.display(),
            path.display()
        ),
        Err(TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
    HELD.lock().expect("held locks").push(file);
    Ok(())
}

/// What a checked database file holds.
#[derive(Debug)]
pub struct Checked {
    pub cases: i64,
    /// The newest migration it carries.
    pub migration: i64,
}

/// Checks that `file` is a sound OneWindow database this build can run on (see the module
/// header), opened read-only and immutable: checking it writes nothing beside it.
pub async fn check(file: &Path) -> anyhow::Result<Checked> {
    let named = file.display();
    let meta = std::fs::metadata(file).with_context(|| format!("cannot read {named}"))?;
    if !meta.is_file() {
        bail!("{named} is not a file");
    }
    let options = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .immutable(true)
        .disable_statement_logging();
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .with_context(|| format!("cannot open {named} as a SQLite database"))?;
    let result = check_open(&mut conn, file).await;
    let _ = conn.close().await;
    result
}

async fn check_open(conn: &mut SqliteConnection, file: &Path) -> anyhow::Result<Checked> {
    let named = file.display();
    let verdict: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await
        .with_context(|| format!("{named} is not a SQLite database"))?;
    if verdict != ["ok"] {
        bail!(
            "{named} is damaged (PRAGMA integrity_check: {})",
            verdict.join("; ")
        );
    }
    let applied: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_all(&mut *conn)
            .await
            .with_context(|| {
                format!("{named} is not a OneWindow database (it has no migrations table)")
            })?;
    if applied.is_empty() {
        bail!("{named} is not a OneWindow database (no migration is applied)");
    }
    for (version, checksum) in &applied {
        match SQLITE_MIGRATIONS.iter().find(|m| m.version == *version) {
            None => bail!(
                "{named} was written by a newer build (migration {version}, which this build does not have): restore it with that build or a later one"
            ),
            Some(m) if m.checksum.as_ref() != checksum.as_slice() => bail!(
                "{named} is not a OneWindow database (its migration {version} is not this build's)"
            ),
            Some(_) => {}
        }
    }
    let cases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
        .fetch_one(&mut *conn)
        .await
        .with_context(|| format!("{named} is not a OneWindow database (no cases table)"))?;
    Ok(Checked {
        cases,
        migration: applied.iter().map(|(v, _)| *v).max().unwrap_or_default(),
    })
}

/// Writes a consistent copy of the database in `data_dir` to `target`, replacing an existing
/// `target` only when `force`; the copy is checked before it takes the target's name.
pub async fn backup(data_dir: &Path, target: &Path, force: bool) -> anyhow::Result<Checked> {
    let source = data_dir.join(DATABASE_FILE);
    if !source.is_file() {
        bail!("there is no database at {}", source.display());
    }
    if target.exists() && !force {
        bail!(
            "{} exists: choose another file, or pass --force to replace it",
            target.display()
        );
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Beside the target, so that the rename is atomic; empty, as VACUUM INTO accepts.
    let partial = tempfile::Builder::new()
        .prefix(".onewindow-backup-")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let partial_name = partial
        .path()
        .to_str()
        .with_context(|| format!("{} is not a UTF-8 path", dir.display()))?
        .to_string();

    let options = SqliteConnectOptions::new()
        .filename(&source)
        .create_if_missing(false)
        .busy_timeout(std::time::Duration::from_secs(30))
        .disable_statement_logging();
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .with_context(|| format!("cannot open {}", source.display()))?;
    let copied = sqlx::query("VACUUM INTO $1")
        .bind(&partial_name)
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
    copied.with_context(|| format!("cannot copy {} to {}", source.display(), dir.display()))?;

    partial
        .as_file()
        .sync_all()
        .with_context(|| format!("cannot flush the copy in {}", dir.display()))?;
    let checked = check(partial.path())
        .await
        .context("the copy does not read back")?;
    let kept = if force {
        partial.persist(target).map_err(|e| e.error)
    } else {
        partial.persist_noclobber(target).map_err(|e| e.error)
    };
    kept.with_context(|| format!("cannot write {}", target.display()))?;
    sync_dir(&dir);
    Ok(checked)
}

/// Replaces the database in `data_dir` with `source` (checked first), while no process uses
/// it.
pub async fn restore(data_dir: &Path, source: &Path) -> anyhow::Result<Checked> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    let (lock, lock_path) = open_lock(data_dir)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => bail!(
            "a server (or another command) is using the database in {} (it holds {}): stop every node first",
            data_dir.display(),
            lock_path.display()
        ),
        Err(TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("cannot lock {}", lock_path.display()))
        }
    }

    let mut partial = tempfile::Builder::new()
        .prefix(".onewindow-restore-")
        .tempfile_in(data_dir)
        .with_context(|| format!("cannot write in {}", data_dir.display()))?;
    let mut from =
        File::open(source).with_context(|| format!("cannot read {}", source.display()))?;
    std::io::copy(&mut from, partial.as_file_mut()).with_context(|| {
        format!(
            "cannot copy {} into {}",
            source.display(),
            data_dir.display()
        )
    })?;
    partial
        .as_file()
        .sync_all()
        .with_context(|| format!("cannot flush the copy in {}", data_dir.display()))?;
    // The copy is what is checked (once: an integrity check reads every page), so what is
    // installed is what passed, whatever happens to FILE meanwhile; it names FILE.
    let checked = check(partial.path()).await.map_err(|e| {
        let said = format!("{e:#}").replace(
            &partial.path().display().to_string(),
            &source.display().to_string(),
        );
        anyhow::anyhow!(said)
    })?;

    let database = data_dir.join(DATABASE_FILE);
    // The new file is as readable as the one it replaces (a temporary file is the owner's
    // only).
    if let Ok(old) = std::fs::metadata(&database) {
        partial
            .as_file()
            .set_permissions(old.permissions())
            .with_context(|| format!("cannot set the permissions of {}", database.display()))?;
    }
    for suffix in ["-wal", "-shm"] {
        let stale = data_dir.join(format!("{DATABASE_FILE}{suffix}"));
        match std::fs::remove_file(&stale) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", stale.display())),
        }
    }
    partial
        .persist(&database)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot replace {}", database.display()))?;
    sync_dir(data_dir);
    drop(lock);
    Ok(checked)
}

/// Makes a rename in `dir` durable (best effort: not every file system allows it).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
