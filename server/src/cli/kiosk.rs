//! `server kiosk create|list|revoke`: the registered kiosks, whose visit ratings count.

use clap::Subcommand;

use super::explain;
use crate::calendar::rfc3339_cst;
use crate::config::StorageArgs;
use crate::db;
use crate::db::credentials::{self, Holders};
use crate::kiosks::devices;

#[derive(Subcommand)]
pub enum KioskCommand {
    /// Register a kiosk; its device token is printed once, never stored. Enter it on the
    /// kiosk's terminal at /kiosk/enrol.
    Create {
        #[command(flatten)]
        storage: StorageArgs,
        /// What the kiosk is called (where it stands, e.g. 一楼大厅 1 号机).
        name: String,
    },
    /// List the kiosks: id, name, created, revoked.
    List {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Revoke a kiosk by its id (from `list`); its ratings stop counting at once.
    Revoke {
        #[command(flatten)]
        storage: StorageArgs,
        id: String,
    },
}

pub async fn run(command: KioskCommand) -> anyhow::Result<()> {
    match command {
        KioskCommand::Create { storage, name } => {
            let pool = db::connect(&storage).await?;
            let (id, token) = devices::create(&pool, &name).await.map_err(explain)?;
            eprintln!(
                "registered kiosk {id} ({}); its device token is shown only this once (enter it at /kiosk/enrol):",
                name.trim()
            );
            println!("{token}");
            Ok(())
        }
        KioskCommand::List { storage } => {
            let pool = db::connect(&storage).await?;
            let rows = devices::list(&pool).await.map_err(explain)?;
            println!("{:<12} {:<24} {:<26} REVOKED", "ID", "NAME", "CREATED");
            for r in rows {
                let revoked = r.revoked_at.map(rfc3339_cst).unwrap_or_else(|| "-".into());
                println!(
                    "{:<12} {:<24} {:<26} {revoked}",
                    r.id,
                    r.name,
                    rfc3339_cst(r.created_at)
                );
            }
            Ok(())
        }
        KioskCommand::Revoke { storage, id } => {
            let pool = db::connect(&storage).await?;
            let outcome = credentials::revoke(&pool, Holders::Kiosks, &id)
                .await
                .map_err(explain)?;
            super::report_revoked(outcome, &id, "kiosk")
        }
    }
}
