//! `server serve`: the API and the bundles on one address, until SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::config::{Config, ServiceArgs, StorageArgs};
use crate::state::AppState;
use crate::{catalogue, db, routes};

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
    #[command(flatten)]
    service: ServiceArgs,
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
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
