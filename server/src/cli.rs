//! The command line: `serve`, `import-catalogue`, `staff-token` and `case`, sharing the
//! storage options.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::{catalogue, db, routes, state::{AppState, Config}};

#[derive(Parser)]
#[command(name = "server", version, about = "OneWindow (一窗通办) reference central API")]
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
        }
    }
}

async fn staff_token(command: StaffTokenCommand) -> anyhow::Result<()> {
    use crate::cases::staff;
    match command {
        StaffTokenCommand::Create { storage, name, department } => {
            let pool = db::connect(&storage).await?;
            let (id, token) = staff::create(&pool, &name, department.trim()).await?;
            eprintln!("created staff token {id} for {} ({}); it is shown only this once:", name.trim(), department.trim());
            println!("{token}");
            Ok(())
        }
        StaffTokenCommand::List { storage } => {
            let pool = db::connect(&storage).await?;
            let rows = staff::list(&pool).await?;
            println!("{:<12} {:<20} {:<12} {:<26} REVOKED", "ID", "NAME", "DEPARTMENT", "CREATED");
            for r in rows {
                let revoked = r.revoked_at.map(crate::applications::receipt::rfc3339_cst).unwrap_or_else(|| "-".into());
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
                staff::Revoked::NoSuchToken => anyhow::bail!("no staff token has the id `{}`", id.trim()),
            }
            Ok(())
        }
    }
}

async fn case(args: CaseArgs) -> anyhow::Result<()> {
    use crate::cases::lifecycle::{self, Action, Actor};
    use crate::error::ApiError;
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
            api_client::SupplementItem { material_id: None, name: name.trim().to_string(), note: note.trim().to_string() }
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
    let explain = |e: ApiError| -> anyhow::Error {
        match e {
            ApiError::BadRequest(fields) => anyhow::anyhow!(
                "{}",
                fields
                    .iter()
                    .map(|f| {
                        let flag = match f.field.split(['.', '[']).next().unwrap_or("") {
                            "items" => "--item".to_string(),
                            "action" => "ACTION".to_string(),
                            other => format!("--{other}"),
                        };
                        format!("{flag}: {}", f.message)
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            ApiError::Internal(e) => e,
            other => anyhow::anyhow!("{other}"),
        }
    };
    let action = Action::from_request(&req).map_err(explain)?;
    let pool = db::connect(&args.storage).await?;
    let actor = Actor::Cli { department: args.department.map(|d| d.trim().to_string()) };
    let status = lifecycle::apply(&pool, number.compact(), &actor, &action).await.map_err(explain)?;
    println!("{}", status.as_str());
    if let Some(d) = crate::cases::deadline::of_case(&pool, number.compact()).await? {
        eprintln!("due {} ({:?}{})", d.date, d.light, if d.paused { ", paused" } else { "" });
    }
    Ok(())
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
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(shutdown_signal()).await?;
    tracing::info!("shut down cleanly");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
