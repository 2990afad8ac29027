//! `server serve`: the API and the bundles on one address, until SIGTERM or Ctrl-C.
//!
//! Connections are served by hyper's HTTP/1 connection builder rather than `axum::serve`,
//! for its header-read timeout: a client that opens a connection and sends its request head
//! slower than `--header-read-timeout-secs` (or not at all, or goes silent between keep-alive
//! requests) is dropped, so half-sent requests cannot hold the server's connections. Plain
//! HTTP/1 only: browsers speak HTTP/2 only over TLS, which a reverse proxy ends.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use clap::Args;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tower::Service;

use crate::config::{Config, ServiceArgs, StorageArgs};
use crate::state::AppState;
use crate::{calendar, catalogue, db, gate, routes};

#[derive(Args)]
pub struct ServeArgs {
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
    /// Seconds a client has to send a request's head (the request line and headers) once
    /// it has connected or finished its previous request; slower connections are closed.
    #[arg(long, env = "ONEWINDOW_HEADER_READ_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_read_timeout_secs: u64,
    /// A TOML file of what the kiosks show and how long they wait (hall name, device id,
    /// idle and countdown seconds, printer, languages, hotline), served at
    /// `/kiosk/config.json`; without it, the defaults. A bad file stops the server at start.
    #[arg(long, value_name = "FILE", env = "ONEWINDOW_KIOSK_CONFIG")]
    kiosk_config: Option<PathBuf>,
    /// A redis:// URL: the gate's counts (failed lookups, complaint filings) are shared
    /// there by every node. Without it, PostgreSQL installations share them in the database
    /// and SQLite ones count in this process.
    #[arg(long, value_name = "URL", env = "ONEWINDOW_REDIS_URL")]
    redis_url: Option<String>,
    #[command(flatten)]
    service: ServiceArgs,
}

/// How long connections in progress get to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    // Before anything else: a bad file is the operator's to fix, not the database's.
    let kiosk = match &args.kiosk_config {
        Some(path) => crate::config::load_kiosk_config(path)?,
        None => api_client::KioskConfig::default(),
    };
    let pool = db::connect(&args.storage).await?;
    if !args.no_demo {
        db::at_startup(&pool, async {
            if catalogue::is_empty(&pool).await? {
                let summary = catalogue::import(&pool, &catalogue::demo::batch()?).await?;
                tracing::info!("loaded the demo catalogue: {summary}");
            }
            Ok(())
        })
        .await?;
    }
    // Files an older version kept on this node's disk go into the database, where every
    // node reads them.
    let adopted = crate::uploads::blobs::adopt_from_disk(&pool, &args.storage.data_dir).await?;
    if adopted.moved > 0 {
        tracing::info!(
            moved = adopted.moved,
            "moved uploaded files from the disk into the database"
        );
    }
    if adopted.absent > 0 || adopted.damaged > 0 {
        tracing::warn!(
            absent = adopted.absent,
            damaged = adopted.damaged,
            "uploads whose bytes are neither in the database nor intact on this node's disk (another node may hold them; see `server files verify`)"
        );
    }
    match (&args.redis_url, db::backend_of_storage(&args.storage)) {
        (Some(url), _) => {
            gate::shared::install(gate::shared::redis(url).await?);
            tracing::info!("the gate's counts are shared in Redis");
        }
        (None, db::Backend::Postgres) => {
            gate::shared::install(gate::shared::Shared::Postgres(pool.clone()));
            tracing::info!("the gate's counts are shared in PostgreSQL");
        }
        (None, db::Backend::Sqlite) => {}
    }
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener.local_addr()?;
    let mut config = Config::new(&args.service, &args.storage, addr)?;
    config.kiosk = kiosk;
    let state = AppState::new(pool, config);
    crate::uploads::spawn_expiry(state.clone());
    spawn_calendar_watch(state.clone());
    let app = routes::router(state, &args.dist_dir);
    // Test harnesses read this line to learn the port.
    println!("listening on http://{addr}");
    tracing::info!(portal = %format!("http://{addr}/"), kiosk = %format!("http://{addr}/kiosk/"), api = %format!("http://{addr}/api/v1"), "OneWindow is up");
    let header_read_timeout = Duration::from_secs(args.header_read_timeout_secs);
    if run(listener, app, header_read_timeout).await {
        tracing::info!("shut down cleanly");
    } else {
        tracing::warn!(
            "shut down with connections still open after {} seconds",
            SHUTDOWN_GRACE.as_secs()
        );
    }
    Ok(())
}

/// How often the calendar's reach is checked (and warned of in the log).
const CALENDAR_CHECK: Duration = Duration::from_secs(6 * 60 * 60);

/// Warns in the log, at start and every `CALENDAR_CHECK`, while the holiday calendar runs
/// out within `calendar::COVERAGE_WARNING_DAYS` (an import clears it at the next check).
fn spawn_calendar_watch(state: AppState) {
    tokio::spawn(async move {
        loop {
            if let Ok(end) = calendar::covers_until(&state.pool).await {
                if let Some(warning) = calendar::coverage_warning(end, calendar::now_cst().date()) {
                    tracing::warn!("{warning}");
                }
            }
            tokio::time::sleep(CALENDAR_CHECK).await;
        }
    });
}

/// Accepts connections until a shutdown signal, then lets those in progress finish (at
/// most `SHUTDOWN_GRACE`); true when they all did.
async fn run(
    listener: tokio::net::TcpListener,
    app: Router,
    header_read_timeout: Duration,
) -> bool {
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let builder = builder.http1_only();
    let graceful = GracefulShutdown::new();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // wait a moment rather than spin.
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        // The router with `ConnectInfo` of this peer (read by `ClientAddr`).
        let service = match make_service.call(peer).await {
            Ok(service) => service,
            Err(never) => match never {},
        };
        let connection = builder
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that went away or timed out: nothing to report above debug.
            if let Err(e) = connection.await {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => true,
        _ = tokio::time::sleep(SHUTDOWN_GRACE) => false,
    }
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
