//! The command line: `serve`, `import-catalogue`, `staff-token`, `case`, `complaint` and
//! `rectification`, sharing the storage options.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::{
    catalogue, db, routes,
    state::{AppState, Config},
};

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
    Serve(ServeArgs),
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
        command: StaffTokenCommand,
    },
    /// Perform an action on a case (as an operator: any department), e.g.
    /// `server case 440113-260213-00001-7 accept`. Safe while the server runs.
    Case(CaseArgs),
    /// List, show and handle complaints (投诉) as an operator: any department. Safe while
    /// the server runs.
    Complaint {
        #[command(subcommand)]
        command: ComplaintCommand,
    },
    /// List and answer the rectifications (整改) poor ratings opened, as an operator.
    Rectification {
        #[command(subcommand)]
        command: RectificationCommand,
    },
}

#[derive(Subcommand)]
enum ComplaintCommand {
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

#[derive(Subcommand)]
enum RectificationCommand {
    /// Every rectification: unanswered first, by due date.
    List {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Answer the rectification of a case.
    Answer {
        #[command(flatten)]
        storage: StorageArgs,
        /// The case's acceptance number (受理号).
        number: String,
        /// What happened (情况说明).
        #[arg(long)]
        explanation: String,
        /// What was done about it (整改措施).
        #[arg(long = "action-taken")]
        action_taken: String,
    },
}

#[derive(Subcommand)]
enum StaffTokenCommand {
    /// Create a token for a staff member of a department; it is printed once, never stored.
    Create {
        #[command(flatten)]
        storage: StorageArgs,
        /// Who holds the token (shown on the timeline as who acted).
        name: String,
        /// The department's code (from the imported catalogue).
        #[arg(long)]
        department: String,
    },
    /// List the tokens: id, name, department, created, revoked.
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

#[derive(Args)]
struct CaseArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// The acceptance number (受理号), with or without separators.
    number: String,
    /// accept, not_accept, request_supplement, supplement_received, review, approve, deny,
    /// complete or withdraw.
    action: String,
    /// Why (not_accept, deny).
    #[arg(long)]
    reason: Option<String>,
    /// The review step's name (review), e.g. 初审.
    #[arg(long)]
    step: Option<String>,
    /// An opinion (review, approve).
    #[arg(long)]
    opinion: Option<String>,
    /// A missing or wrong item (request_supplement), `NAME:NOTE`; repeat for each item.
    #[arg(long = "item")]
    items: Vec<String>,
    /// How the result is delivered (complete): window, post or electronic.
    #[arg(long)]
    delivery: Option<String>,
    /// The department recorded on the event (default: the case's department).
    #[arg(long)]
    department: Option<String>,
}

/// Where the data lives; every subcommand takes the same options.
#[derive(Args, Clone, Debug)]
pub struct StorageArgs {
    /// Directory for the SQLite database (and later, uploads).
    #[arg(long, env = "ONEWINDOW_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// A postgres:// URL to use PostgreSQL instead of the SQLite file.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (printed at start).
    #[arg(long, env = "ONEWINDOW_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    #[command(flatten)]
    storage: StorageArgs,
    /// Directory holding the built bundles (`portal/` and `kiosk/`).
    #[arg(long, env = "ONEWINDOW_DIST_DIR", default_value = "dist")]
    dist_dir: PathBuf,
    /// Do not load the demo catalogue into an empty database.
    #[arg(long, env = "ONEWINDOW_NO_DEMO")]
    no_demo: bool,
    #[command(flatten)]
    service: ServiceArgs,
}

/// How this installation serves applicants.
#[derive(Args, Clone, Debug)]
pub struct ServiceArgs {
    /// The address citizens reach the portal at (receipts' QR codes point there).
    /// Defaults to http:// and the bind address.
    #[arg(long, env = "ONEWINDOW_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Largest accepted upload, in megabytes.
    #[arg(long, env = "ONEWINDOW_MAX_FILE_MB", default_value_t = 10)]
    pub max_file_mb: u64,
    /// Largest total of one application's uploads, in megabytes.
    #[arg(long, env = "ONEWINDOW_MAX_APPLICATION_MB", default_value_t = 50)]
    pub max_application_mb: u64,
    /// The 6-digit administrative region code that starts every acceptance number.
    #[arg(long, env = "ONEWINDOW_REGION_CODE", default_value = "440113")]
    pub region_code: String,
    /// Working days staff have to reply to a complaint, counted from the day after it is filed.
    #[arg(long, env = "ONEWINDOW_COMPLAINT_REPLY_DAYS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=250))]
    pub complaint_reply_days: u32,
    /// Working days staff have to answer a poor rating (整改), counted from the day after it.
    #[arg(long, env = "ONEWINDOW_RECTIFICATION_DAYS", default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=250))]
    pub rectification_days: u32,
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Serve(args) => serve(args).await,
            Command::ImportCatalogue { storage, files } => {
                let pool = db::connect(&storage).await?;
                let batch = catalogue::Batch::from_files(&files)?;
                let summary = catalogue::import(&pool, &batch).await?;
                println!("{summary}");
                Ok(())
            }
            Command::StaffToken { command } => staff_token(command).await,
            Command::Case(args) => case(args).await,
            Command::Complaint { command } => complaint(command).await,
            Command::Rectification { command } => rectification(command).await,
        }
    }
}

async fn staff_token(command: StaffTokenCommand) -> anyhow::Result<()> {
    use crate::cases::staff;
    match command {
        StaffTokenCommand::Create {
            storage,
            name,
            department,
        } => {
            let pool = db::connect(&storage).await?;
            let (id, token) = staff::create(&pool, &name, department.trim()).await?;
            eprintln!(
                "created staff token {id} for {} ({}); it is shown only this once:",
                name.trim(),
                department.trim()
            );
            println!("{token}");
            Ok(())
        }
        StaffTokenCommand::List { storage } => {
            let pool = db::connect(&storage).await?;
            let rows = staff::list(&pool).await?;
            println!(
                "{:<12} {:<20} {:<12} {:<26} REVOKED",
                "ID", "NAME", "DEPARTMENT", "CREATED"
            );
            for r in rows {
                let revoked = r
                    .revoked_at
                    .map(crate::applications::receipt::rfc3339_cst)
                    .unwrap_or_else(|| "-".into());
                println!(
                    "{:<12} {:<20} {:<12} {:<26} {revoked}",
                    r.id,
                    r.name,
                    r.department_code,
                    crate::applications::receipt::rfc3339_cst(r.created_at)
                );
            }
            Ok(())
        }
        StaffTokenCommand::Revoke { storage, id } => {
            let pool = db::connect(&storage).await?;
            match staff::revoke(&pool, &id).await? {
                staff::Revoked::Now => println!("revoked {}", id.trim()),
                staff::Revoked::Already => println!("{} was already revoked", id.trim()),
                staff::Revoked::NoSuchToken => {
                    anyhow::bail!("no staff token has the id `{}`", id.trim())
                }
            }
            Ok(())
        }
    }
}

async fn case(args: CaseArgs) -> anyhow::Result<()> {
    use crate::cases::lifecycle::{self, Action, Actor};
    let number = api_client::checks::AcceptanceNumber::parse(&args.number)
        .map_err(|e| anyhow::anyhow!("`{}` is not an acceptance number ({e:?})", args.number))?;
    let items = args
        .items
        .iter()
        .map(|i| {
            let (name, note) = match i.split_once(':').or_else(|| i.split_once('：')) {
                Some((n, note)) => (n, note),
                None => (i.as_str(), ""),
            };
            api_client::SupplementItem {
                material_id: None,
                name: name.trim().to_string(),
                note: note.trim().to_string(),
            }
        })
        .collect::<Vec<_>>();
    let req = api_client::ActionRequest {
        action: args.action.clone(),
        reason: args.reason,
        items: if items.is_empty() { None } else { Some(items) },
        step: args.step,
        opinion: args.opinion,
        delivery: args.delivery,
    };
    let action = Action::from_request(&req).map_err(explain)?;
    let pool = db::connect(&args.storage).await?;
    let actor = Actor::Cli {
        department: args.department.map(|d| d.trim().to_string()),
    };
    let status = lifecycle::apply(&pool, number.compact(), &actor, &action)
        .await
        .map_err(explain)?;
    println!("{}", status.as_str());
    if let Some(d) = crate::cases::deadline::of_case(&pool, number.compact()).await? {
        eprintln!(
            "due {} ({:?}{})",
            d.date,
            d.light,
            if d.paused { ", paused" } else { "" }
        );
    }
    Ok(())
}

/// An API error as a command-line message, naming the flag or argument of each field.
fn explain(e: crate::error::ApiError) -> anyhow::Error {
    use crate::error::ApiError;
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
        other => anyhow::anyhow!("{other}"),
    }
}

/// A complaint or acceptance number as typed, compact.
fn number_arg(number: &str) -> anyhow::Result<String> {
    api_client::checks::AcceptanceNumber::parse(number)
        .map(|n| n.compact().to_string())
        .map_err(|e| anyhow::anyhow!("`{number}` is not a valid number ({e:?})"))
}

async fn complaint(command: ComplaintCommand) -> anyhow::Result<()> {
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

async fn rectification(command: RectificationCommand) -> anyhow::Result<()> {
    use crate::cases::lifecycle::Actor;
    use crate::ratings::rectification;
    use crate::state::Snapshot;
    match command {
        RectificationCommand::List { storage } => {
            let pool = db::connect(&storage).await?;
            let catalogue = Snapshot::load(&pool).await.map_err(explain)?;
            let today = crate::cases::deadline::Today::load(&pool, catalogue.version).await?;
            println!(
                "{:<18} {:<12} {:<5} {:<10} {:<6} {:<8} SERVICE",
                "NUMBER", "DEPARTMENT", "LEVEL", "DUE", "LIGHT", "ANSWERED"
            );
            for item in rectification::items(&pool, None).await? {
                let Some(r) = rectification::staff_view(&catalogue, &today, &item) else {
                    continue;
                };
                let light = r
                    .rectification
                    .deadline
                    .as_ref()
                    .map(|d| format!("{:?}", d.light).to_lowercase())
                    .unwrap_or_else(|| "-".into());
                println!(
                    "{:<18} {:<12} {:<5} {:<10} {:<6} {:<8} {}",
                    r.acceptance_number,
                    item.department_code,
                    r.level,
                    r.rectification.due_date,
                    light,
                    if r.rectification.answered {
                        "yes"
                    } else {
                        "no"
                    },
                    r.service.name
                );
            }
            Ok(())
        }
        RectificationCommand::Answer {
            storage,
            number,
            explanation,
            action_taken,
        } => {
            let number = number_arg(&number)?;
            let answer = api_client::RectificationAnswer {
                explanation,
                action_taken,
            };
            let (explanation, action_taken) =
                rectification::check_answer(&answer).map_err(explain)?;
            let pool = db::connect(&storage).await?;
            rectification::answer(
                &pool,
                &number,
                &Actor::Cli { department: None },
                &explanation,
                &action_taken,
            )
            .await
            .map_err(explain)?;
            println!("answered");
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let pool = db::connect(&args.storage).await?;
    if !args.no_demo && catalogue::is_empty(&pool).await? {
        let summary = catalogue::import(&pool, &catalogue::demo::batch()?).await?;
        tracing::info!("loaded the demo catalogue: {summary}");
    }
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener.local_addr()?;
    let config = Config::new(&args.service, &args.storage, addr)?;
    let state = AppState::new(pool, config);
    crate::uploads::spawn_expiry(state.clone());
    let app = routes::router(state, &args.dist_dir);
    // Test harnesses read this line to learn the port.
    println!("listening on http://{addr}");
    tracing::info!(portal = %format!("http://{addr}/"), kiosk = %format!("http://{addr}/kiosk/"), api = %format!("http://{addr}/api/v1"), "OneWindow is up");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("shut down cleanly");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
