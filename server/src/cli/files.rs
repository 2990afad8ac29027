//! `server files verify`: whether every stored file is intact and every reference to one
//! holds (`uploads::verify`). Exits non-zero on any problem.

use clap::Subcommand;

use crate::config::StorageArgs;
use crate::db;
use crate::uploads::verify;

#[derive(Subcommand)]
pub enum FilesCommand {
    /// Read back every stored file and check its SHA-256 and size, that every upload's
    /// content is stored, and that every upload a case or complaint names exists. Prints
    /// each problem and a summary; the exit status is non-zero when there is a problem.
    Verify {
        #[command(flatten)]
        storage: StorageArgs,
    },
}

pub async fn run(command: FilesCommand) -> anyhow::Result<()> {
    match command {
        FilesCommand::Verify { storage } => {
            let pool = db::connect(&storage).await?;
            let report = verify::verify(&pool)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{report}");
            if report.ok() {
                Ok(())
            } else {
                anyhow::bail!("the stored files have {} problem(s)", report.problems.len())
            }
        }
    }
}
