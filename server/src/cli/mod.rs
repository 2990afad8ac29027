//! The command line: `serve`, `import-catalogue`, `staff-token`, `kiosk`, `case`, `complaint`,
//! `files`, `rectification`, `backup` and `restore`, sharing the storage options (`config`). One module per subcommand; each
//! parses its arguments and calls the domain's use case, as the HTTP routes do.

mod backup;
mod case;
mod complaint;
mod files;
mod kiosk;
mod rectification;
mod serve;
mod staff_token;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::StorageArgs;
use crate::error::ApiError;
use crate::{catalogue, db};

#[derive(Parser)]
#[command(
    name = "server",
    version,
    about = "OneWindow (一窗通办) reference central API"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the portal and kiosk bundles.
    Serve(serve::ServeArgs),
    /// Load catalogue files (departments, topics, synonyms, services) in one transaction.
    ImportCatalogue {
        #[command(flatten)]
        storage: StorageArgs,
        /// Catalogue JSON files; see catalogue/README.md for the format.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Create, list and revoke the tokens staff use for the staff API.
    StaffToken {
        #[command(subcommand)]
        command: staff_token::StaffTokenCommand,
    },
    /// Register, list and revoke the kiosks whose visit ratings count.
    Kiosk {
        #[command(subcommand)]
        command: kiosk::KioskCommand,
    },
    /// Perform an action on a case (as an operator: any department), e.g.
    /// `server case 440113-260213-00001-3 accept`. Safe while the server runs.
    Case(case::CaseArgs),
    /// List, show and handle complaints (投诉) as an operator: any department. Safe while
    /// the server runs.
    Complaint {
        #[command(subcommand)]
        command: complaint::ComplaintCommand,
    },
    /// Check the stored files (`server files verify`).
    Files {
        #[command(subcommand)]
        command: files::FilesCommand,
    },
    /// List and answer the rectifications (整改) poor ratings opened, as an operator.
    Rectification {
        #[command(subcommand)]
        command: rectification::RectificationCommand,
    },
    /// Copy the SQLite database to FILE, consistently, while nodes serve (PostgreSQL: use
    /// pg_dump).
    Backup(backup::BackupArgs),
    /// Replace the SQLite database with FILE (from `backup`) while no node runs (PostgreSQL:
    /// use pg_restore).
    Restore(backup::RestoreArgs),
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Serve(args) => serve::serve(args).await,
            Command::ImportCatalogue { storage, files } => {
                let pool = db::connect(&storage).await?;
                let batch = catalogue::Batch::from_files(&files)?;
                let summary = catalogue::import(&pool, &batch).await?;
                println!("{summary}");
                Ok(())
            }
            Command::StaffToken { command } => staff_token::run(command).await,
            Command::Files { command } => files::run(command).await,
            Command::Kiosk { command } => kiosk::run(command).await,
            Command::Case(args) => case::run(args).await,
            Command::Complaint { command } => complaint::run(command).await,
            Command::Rectification { command } => rectification::run(command).await,
            Command::Backup(args) => backup::backup(args).await,
            Command::Restore(args) => backup::restore(args).await,
        }
    }
}

/// An API error as a command-line message, naming the flag or argument of each field.
fn explain(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::BadRequest(fields) => anyhow::anyhow!(
            "{}",
            fields
                .iter()
                .map(|f| {
                    let flag = match f.field.split(['.', '[']).next().unwrap_or("") {
                        "items" => "--item".to_string(),
                        "action" => "ACTION".to_string(),
                        other => format!("--{}", other.replace('_', "-")),
                    };
                    format!("{flag}: {}", f.message)
                })
                .collect::<Vec<_>>()
                .join("; ")
        ),
        ApiError::Internal(e) => e,
        ApiError::Database(e) => e.into(),
        other => anyhow::anyhow!("{other}"),
    }
}

/// Which page of a list to print (the staff API's paging, the same bounds).
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct PageArgs {
    /// The page to print, from 1.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    page: u32,
    /// How many a page, at most 100.
    #[arg(long, default_value_t = api_client::STAFF_MAX_PER_PAGE, value_parser = clap::value_parser!(u32).range(1..=api_client::STAFF_MAX_PER_PAGE as i64))]
    per_page: u32,
}

impl PageArgs {
    fn paging(self) -> db::sql::Paging {
        db::sql::Paging {
            page: self.page,
            per_page: self.per_page,
        }
    }
}

/// After a page of a list: which page it was, on stderr, so that the table stays clean.
fn page_footer(paging: db::sql::Paging, shown: usize, total: u64) {
    eprintln!(
        "page {} ({shown} shown, {total} in all; --page and --per-page for more)",
        paging.page
    );
}

/// A complaint or acceptance number as typed, compact.
fn number_arg(number: &str) -> anyhow::Result<String> {
    api_client::checks::AcceptanceNumber::parse(number)
        .map(|n| n.compact().to_string())
        .map_err(|e| anyhow::anyhow!("`{number}` is not a valid number ({e:?})"))
}

/// What `… revoke ID` prints for the outcome of revoking the credential `id` (`what` names
/// it in the error: "kiosk", "staff token").
fn report_revoked(
    outcome: crate::db::credentials::Revoked,
    id: &str,
    what: &str,
) -> anyhow::Result<()> {
    use crate::db::credentials::Revoked;
    let id = id.trim();
    match outcome {
        Revoked::Now => println!("revoked {id}"),
        Revoked::Already => println!("{id} was already revoked"),
        Revoked::NoSuchId => anyhow::bail!("no {what} has the id `{id}`"),
    }
    Ok(())
}
