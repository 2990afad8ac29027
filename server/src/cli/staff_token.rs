//! `server staff-token create|list|revoke`: the tokens staff use for the staff API.

use clap::Subcommand;

use super::explain;
use crate::calendar::rfc3339_cst;
use crate::config::StorageArgs;
use crate::db;
use crate::db::credentials::{self, Holders};
use crate::error::ApiError;

#[derive(Subcommand)]
pub enum StaffTokenCommand {
    /// Create a token for a staff member of a department, or of the complaints office; it is
    /// printed once, never stored.
    Create {
        #[command(flatten)]
        storage: StorageArgs,
        /// Who holds the token (shown on the timeline as who acted).
        name: String,
        /// The department's code (from the imported catalogue).
        #[arg(long, required_unless_present = "complaints_office")]
        department: Option<String>,
        /// A token of the complaints office (投诉受理办公室), instead of a department: it
        /// handles the complaints no department has (and sees every complaint), no case.
        #[arg(long, conflicts_with = "department")]
        complaints_office: bool,
    },
    /// List the tokens: id, name, department (or the complaints office), created, revoked.
    List {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Revoke a token by its id (from `list`); it stops working at once.
    Revoke {
        #[command(flatten)]
        storage: StorageArgs,
        id: String,
    },
}

/// How `list` shows a complaints office token's department.
const OFFICE: &str = "(complaints office)";

pub async fn run(command: StaffTokenCommand) -> anyhow::Result<()> {
    use crate::cases::staff;
    match command {
        StaffTokenCommand::Create {
            storage,
            name,
            department,
            complaints_office,
        } => {
            let pool = db::connect(&storage).await?;
            let holder = match (&department, complaints_office) {
                (Some(d), false) => staff::Holder::Department(d.trim()),
                _ => staff::Holder::ComplaintsOffice,
            };
            let (id, token) = staff::create(&pool, &name, holder).await.map_err(message)?;
            eprintln!(
                "created staff token {id} for {} ({}); it is shown only this once:",
                name.trim(),
                match holder {
                    staff::Holder::Department(d) => d,
                    staff::Holder::ComplaintsOffice => OFFICE,
                }
            );
            println!("{token}");
            Ok(())
        }
        StaffTokenCommand::List { storage } => {
            let pool = db::connect(&storage).await?;
            let rows = staff::list(&pool).await.map_err(message)?;
            println!(
                "{:<12} {:<20} {:<12} {:<26} REVOKED",
                "ID", "NAME", "DEPARTMENT", "CREATED"
            );
            for r in rows {
                let revoked = r.revoked_at.map(rfc3339_cst).unwrap_or_else(|| "-".into());
                println!(
                    "{:<12} {:<20} {:<12} {:<26} {revoked}",
                    r.id,
                    r.name,
                    if r.complaints_office.0 {
                        OFFICE
                    } else {
                        &r.department_code
                    },
                    rfc3339_cst(r.created_at)
                );
            }
            Ok(())
        }
        StaffTokenCommand::Revoke { storage, id } => {
            let pool = db::connect(&storage).await?;
            let outcome = credentials::revoke(&pool, Holders::StaffTokens, &id)
                .await
                .map_err(message)?;
            super::report_revoked(outcome, &id, "staff token")
        }
    }
}

/// An error as a command-line message: the message of each bad argument (they name the
/// argument, which is positional here), otherwise as `explain` says it.
fn message(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::BadRequest(fields) => anyhow::anyhow!(
            "{}",
            fields
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => explain(other),
    }
}
