//! `server complaint list|show|assign|reply|close`: complaints as an operator.

use clap::Subcommand;

use super::{explain, number_arg};
use crate::config::StorageArgs;
use crate::db;

#[derive(Subcommand)]
pub enum ComplaintCommand {
    /// Every complaint: awaiting a reply first (red, yellow, green), then newest first.
    List {
        #[command(flatten)]
        storage: StorageArgs,
        /// Only complaints in this status: received, assigned, replied or closed.
        #[arg(long)]
        status: Option<String>,
    },
    /// One complaint in full (JSON), the complainant's contact included.
    Show {
        #[command(flatten)]
        storage: StorageArgs,
        /// The complaint number, with or without separators.
        number: String,
    },
    /// Assign a complaint to a department.
    Assign {
        #[command(flatten)]
        storage: StorageArgs,
        number: String,
        /// The department's code.
        #[arg(long)]
        department: String,
    },
    /// Reply to an assigned complaint (in the name of its department).
    Reply {
        #[command(flatten)]
        storage: StorageArgs,
        number: String,
        /// The reply, up to 2,000 characters.
        #[arg(long)]
        text: String,
    },
    /// Close a replied complaint.
    Close {
        #[command(flatten)]
        storage: StorageArgs,
        number: String,
    },
}

pub async fn run(command: ComplaintCommand) -> anyhow::Result<()> {
    use crate::cases::lifecycle::Actor;
    use crate::complaints::handling::Handling;
    use crate::complaints::{store, view};
    use crate::state::Snapshot;
    let act = |storage: StorageArgs, number: String, action: Handling| async move {
        let number = number_arg(&number)?;
        let pool = db::connect(&storage).await?;
        let catalogue = Snapshot::load(&pool).await.map_err(explain)?;
        let status = store::act(
            &pool,
            &catalogue,
            &number,
            &Actor::Cli { department: None },
            &action,
        )
        .await
        .map_err(explain)?;
        println!("{}", status.as_str());
        anyhow::Ok(())
    };
    match command {
        ComplaintCommand::List { storage, status } => {
            let status = match status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => None,
                Some(s) => Some(api_client::ComplaintStatus::parse(s).ok_or_else(|| {
                    anyhow::anyhow!("--status must be received, assigned, replied or closed")
                })?),
            };
            let pool = db::connect(&storage).await?;
            let catalogue = Snapshot::load(&pool).await.map_err(explain)?;
            let list = view::list(&pool, &catalogue, None, status)
                .await
                .map_err(explain)?;
            println!(
                "{:<18} {:<9} {:<12} {:<10} {:<6} {:<22} SUBJECT",
                "NUMBER", "STATUS", "DEPARTMENT", "DUE", "LIGHT", "CATEGORY"
            );
            for c in list {
                let light = c
                    .deadline
                    .as_ref()
                    .map(|d| format!("{:?}", d.light).to_lowercase())
                    .unwrap_or_else(|| "-".into());
                let subject = match (&c.subject.name, &c.subject.reference) {
                    (Some(name), _) => format!("{} {name}", c.subject.kind.as_str()),
                    (None, Some(r)) => format!("{} {r}", c.subject.kind.as_str()),
                    (None, None) => c.subject.kind.as_str().to_string(),
                };
                println!(
                    "{:<18} {:<9} {:<12} {:<10} {:<6} {:<22} {subject}",
                    c.complaint_number,
                    c.status.as_str(),
                    c.department.as_deref().unwrap_or("-"),
                    c.reply_due,
                    light,
                    c.category.as_str()
                );
            }
            Ok(())
        }
        ComplaintCommand::Show { storage, number } => {
            let number = number_arg(&number)?;
            let pool = db::connect(&storage).await?;
            let catalogue = Snapshot::load(&pool).await.map_err(explain)?;
            let c = store::find(&pool, &number)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no complaint has the number {number}"))?;
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &view::staff(&pool, &catalogue, &c).await.map_err(explain)?
                )?
            );
            Ok(())
        }
        ComplaintCommand::Assign {
            storage,
            number,
            department,
        } => {
            act(
                storage,
                number,
                Handling::from_request(&action_request("assign", Some(department), None))
                    .map_err(explain)?,
            )
            .await
        }
        ComplaintCommand::Reply {
            storage,
            number,
            text,
        } => {
            act(
                storage,
                number,
                Handling::from_request(&action_request("reply", None, Some(text)))
                    .map_err(explain)?,
            )
            .await
        }
        ComplaintCommand::Close { storage, number } => act(storage, number, Handling::Close).await,
    }
}

fn action_request(
    action: &str,
    department: Option<String>,
    text: Option<String>,
) -> api_client::ComplaintAction {
    api_client::ComplaintAction {
        action: action.to_string(),
        department,
        text,
    }
}
