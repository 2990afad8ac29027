//! `server`: the OneWindow reference central API. See ARCHITECTURE.md.

use clap::Parser;

// Layer 0, shared basics.
mod admission;
mod calendar;
mod config;
mod db;
mod error;
mod gate;
mod idempotency;
mod script;
// Layer 1: the catalogue, search, numbers and tracking addresses.
mod catalogue;
mod numbering;
mod search;
mod tracking;
// Layer 2.
mod state;
// Layer 3: the domain, one module per area.
mod applications;
mod cases;
mod complaints;
mod kiosks;
mod ratings;
mod uploads;
// The applicant's case with its rating, above both `cases` and `ratings`.
mod progress;
mod site;
// Layer 4: the HTTP routes and the command line.
mod cli;
mod routes;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Logs go to stderr: stdout is what commands print (a staff token, JSON) and the
    // `listening on` line launchers read.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
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
