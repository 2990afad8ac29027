//! The command line: `serve` and `import-catalogue`, sharing the storage options.

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
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
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
