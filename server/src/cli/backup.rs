//! `server backup FILE` and `server restore FILE`: a SQLite installation's database copied
//! out while nodes serve, and put back while none does (`db::backup`). A PostgreSQL
//! installation is told to use `pg_dump` and `pg_restore`.

use std::path::PathBuf;

use clap::Args;

use crate::config::StorageArgs;
use crate::db::{self, backup};

#[derive(Args)]
pub struct BackupArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// The file to write (a SQLite database); it must not exist unless --force.
    file: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// A file written by `server backup`.
    file: PathBuf,
}

pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    if db::backend_of_storage(&args.storage) == db::Backend::Postgres {
        anyhow::bail!("{}", backup::POSTGRES_BACKUP);
    }
    let copied = backup::backup(&args.storage.data_dir, &args.file, args.force).await?;
    println!(
        "backed up {} to {} ({} cases, migration {})",
        args.storage.data_dir.join(backup::DATABASE_FILE).display(),
        args.file.display(),
        copied.cases,
        copied.migration
    );
    Ok(())
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    if db::backend_of_storage(&args.storage) == db::Backend::Postgres {
        anyhow::bail!("{}", backup::POSTGRES_RESTORE);
    }
    let restored = backup::restore(&args.storage.data_dir, &args.file).await?;
    println!(
        "restored {} from {} ({} cases, migration {}); a node applies any newer migration when it starts",
        args.storage.data_dir.join(backup::DATABASE_FILE).display(),
        args.file.display(),
        restored.cases,
        restored.migration
    );
    Ok(())
}
