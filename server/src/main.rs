//! `server`: the OneWindow reference central API. See ARCHITECTURE.md.

use clap::Parser;

mod applications;
mod cases;
mod catalogue;
mod cli;
mod complaints;
mod db;
mod error;
mod ratings;
mod routes;
mod search;
mod state;
mod uploads;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .init();
    match cli::Cli::parse().run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
