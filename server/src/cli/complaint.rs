//! `server complaint list|show|assign|reply|close`: complaints as an operator.

use clap::Subcommand;

use api_client::ComplaintAction;
use sqlx::AnyPool;

use super::{explain, number_arg};
use crate::cases::lifecycle::Actor;
use crate::complaints::handling::Handling;
use crate::complaints::staff as complaints;
use crate::config::StorageArgs;
use crate::db;
use crate::state::Snapshot;

#[derive(Subcommand)]
pub enum ComplaintCommand {
    /// Every complaint: awaiting a reply first (red, yellow, green), then newest first.
    List {
        #[command(flatten)]
        storage: StorageArgs,
        /// Only complaints in this status: received, assigned, replied or closed.
        #[arg(long)]
        status: Option<String>,
        #[command(flatten)]
        page: super::PageArgs,
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
    match command {
        ComplaintCommand::List {
            storage,
            status,
            page,
        } => {
            let status = complaints::parse_status(status.as_deref()).map_err(explain)?;
            let (pool, catalogue) = open(&storage).await?;
            let paging = page.paging();
            let list =
                complaints::list(&pool, &catalogue, complaints::Scope::Every, status, paging)
                    .await
                    .map_err(explain)?;
            let (shown, total) = (list.items.len(), list.total);
            println!(
                "{:<18} {:<9} {:<12} {:<10} {:<6} {:<22} SUBJECT",
                "NUMBER", "STATUS", "DEPARTMENT", "DUE", "LIGHT", "CATEGORY"
            );
            for c in list.items {
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
            super::page_footer(paging, shown, total);
            Ok(())
        }
        ComplaintCommand::Show { storage, number } => {
            let number = number_arg(&number)?;
            let (pool, catalogue) = open(&storage).await?;
            let c = complaints::show(&pool, &catalogue, &OPERATOR, &number)
                .await
                .map_err(explain)?;
            println!("{}", serde_json::to_string_pretty(&c)?);
            Ok(())
        }
        ComplaintCommand::Assign {
            storage,
            number,
            department,
        } => act(&storage, &number, "assign", Some(department), None).await,
        ComplaintCommand::Reply {
            storage,
            number,
            text,
        } => act(&storage, &number, "reply", None, Some(text)).await,
        ComplaintCommand::Close { storage, number } => {
            act(&storage, &number, "close", None, None).await
        }
    }
}

/// The operator acts on any department's complaints.
const OPERATOR: Actor = Actor::Cli { department: None };

async fn open(storage: &StorageArgs) -> anyhow::Result<(AnyPool, Snapshot)> {
    let pool = db::connect(storage).await?;
    let catalogue = Snapshot::load(&pool).await.map_err(explain)?;
    Ok((pool, catalogue))
}

/// Handles the complaint as the staff API does, and prints its new status.
async fn act(
    storage: &StorageArgs,
    number: &str,
    action: &str,
    department: Option<String>,
    text: Option<String>,
) -> anyhow::Result<()> {
    let req = ComplaintAction {
        action: action.to_string(),
        department,
        text,
    };
    // The request is checked before the number and the database, as the API checks its body
    // first.
    Handling::from_request(&req).map_err(explain)?;
    let number = number_arg(number)?;
    let (pool, catalogue) = open(storage).await?;
    let c = complaints::act(&pool, &catalogue, &OPERATOR, &number, &req)
        .await
        .map_err(explain)?;
    println!("{}", c.status.as_str());
    Ok(())
}
