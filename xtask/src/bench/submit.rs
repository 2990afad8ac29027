//! `cargo xtask bench`, part 3: application submissions per second against the release
//! server, on SQLite (a temporary directory) and on PostgreSQL (a temporary database at
//! `DATABASE_URL_TEST`, default `postgres://postgres@127.0.0.1:5432/postgres`, created and
//! dropped here through sqlx; skipped with a message when PostgreSQL is not reachable).
//!
//! Each run imports one service without required materials or questions (plus the demo
//! holiday calendar), warms up, then sends `SUBMISSIONS` applications from `CLIENTS`
//! concurrent keep-alive clients, each with its own idempotency key, and checks that every
//! one got a distinct, valid acceptance number.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context, Result};
use sqlx::{Connection, Executor, PgConnection};

use super::fixture::{self, Service};
use super::server::{release_server, Scratch};
use super::stats::percentile;
use crate::util::{step, Ctx};

const SUBMISSIONS: usize = 1_000;
const CLIENTS: usize = 16;
const WARM_UP: usize = 32;
const SERVICE: Service = Service {
    code: "BENCH-SUBMIT-001",
    department: "基准测试局",
    topic: "基准测试",
    name: "基准测试申报事项",
    result: "基准测试结果",
    promised_days: 5,
};
const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Runs the submission benchmark on both backends and prints one summary line.
pub fn run(ctx: &Ctx) -> Result<()> {
    println!();
    step!("submission benchmark: {SUBMISSIONS} applications from {CLIENTS} concurrent clients");
    let server_bin = release_server(ctx, false)?;

    let sqlite = bench_backend(ctx, &server_bin, None)?;
    let postgres = {
        let admin = std::env::var("DATABASE_URL_TEST")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_PG_URL.into());
        match TempDatabase::create(&admin) {
            Ok(db) => {
                let rate = bench_backend(ctx, &server_bin, Some(&db.url));
                drop(db);
                Some(rate?)
            }
            Err(reason) => {
                step!("PostgreSQL skipped: {reason:#}");
                None
            }
        }
    };
    match postgres {
        Some(pg) => step!("submissions: SQLite {sqlite:.0}/s, PostgreSQL {pg:.0}/s"),
        None => step!("submissions: SQLite {sqlite:.0}/s, PostgreSQL skipped (not reachable)"),
    }
    Ok(())
}

/// Submissions per second on one backend (`database_url` None: SQLite in a temporary dir).
fn bench_backend(ctx: &Ctx, server_bin: &Path, database_url: Option<&str>) -> Result<f64> {
    let label = if database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let mut server = Scratch::create(
        &format!("submit-{}-{}", std::process::id(), label.to_lowercase()),
        None,
    )?;
    let dir = server.dir.clone();

    let database = database_env(database_url);
    let mut envs = database.clone();
    envs.push(("RUST_LOG", "warn"));
    let base = server.start(ctx, server_bin, &envs)?;
    step!("{label}: server listening on {base}");

    fixture::import(
        ctx,
        server_bin,
        &dir,
        &database,
        &SERVICE,
        "bench-submit.json",
    )?;

    let url = format!("{base}/api/v1/applications");
    let body = fixture::application(SERVICE.code)?;
    let run_id = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);

    // Warm up: connections, the catalogue snapshot, the installation secret.
    let warm = fixture::client()?;
    for i in 0..WARM_UP {
        fixture::submit(&warm, &url, &body, &format!("bench-warm-{run_id}-{i}"))?;
    }

    let started = Instant::now();
    let results = fixture::from_clients(CLIENTS, SUBMISSIONS, |client, i| {
        let t = Instant::now();
        let answer = fixture::submit(client, &url, &body, &format!("bench-{run_id}-{i}"))?;
        let number = answer["acceptance_number"]
            .as_str()
            .context("no acceptance_number in the answer")?;
        Ok((t.elapsed().as_secs_f64() * 1000.0, number.to_string()))
    })
    .map_err(|e| {
        anyhow!(
            "{label}: a submission failed: {e:#}\nserver log:\n{}",
            server.log_tail(40)
        )
    })?;
    let wall = started.elapsed();
    let numbers: HashSet<&str> = results.iter().map(|(_, n)| n.as_str()).collect();
    if numbers.len() != SUBMISSIONS {
        bail!(
            "{label}: {} distinct acceptance numbers for {SUBMISSIONS} submissions",
            numbers.len()
        );
    }
    if let Some(bad) = numbers.iter().find(|n| !acceptance_number_valid(n)) {
        bail!("{label}: `{bad}` is not a valid acceptance number");
    }
    let mut ms: Vec<f64> = results.iter().map(|(t, _)| *t).collect();
    ms.sort_by(f64::total_cmp);
    let rate = SUBMISSIONS as f64 / wall.as_secs_f64();
    step!(
        "{label}: {SUBMISSIONS} submissions in {:.2}s: {rate:.0}/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        wall.as_secs_f64(),
        percentile(&ms, 50.0),
        percentile(&ms, 99.0),
        ms.last().copied().unwrap_or(0.0)
    );
    drop(server);
    Ok(rate)
}

/// 17 digits and the ISO 7064 MOD 11-2 check character.
fn acceptance_number_valid(n: &str) -> bool {
    n.len() == 18
        && n.is_ascii()
        && fixture::check_character(&n[..17]).is_some_and(|c| n[17..].starts_with(c))
}

/// `DATABASE_URL` for the server when given (SQLite in its data directory otherwise).
fn database_env(database_url: Option<&str>) -> Vec<(&'static str, &str)> {
    database_url
        .map(|url| ("DATABASE_URL", url))
        .into_iter()
        .collect()
}

// ---------------------------------------------------------------------------------------
// A temporary PostgreSQL database

/// How long connecting to PostgreSQL may take before the benchmark skips it.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A database created for one run, dropped (with FORCE) on drop.
struct TempDatabase {
    admin: String,
    name: String,
    url: String,
}

impl TempDatabase {
    fn create(admin_url: &str) -> Result<TempDatabase> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("onewindow_bench_{}_{nanos}", std::process::id());
        let url = with_database(admin_url, &name)?;
        execute(admin_url, &format!("CREATE DATABASE \"{name}\""))?;
        step!("PostgreSQL: created the temporary database {name}");
        Ok(TempDatabase {
            admin: admin_url.to_string(),
            name,
            url,
        })
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        match execute(&self.admin, &sql) {
            Ok(()) => step!("PostgreSQL: dropped the temporary database {}", self.name),
            Err(e) => step!(
                "warning: could not drop the temporary database {}: {e:#}",
                self.name
            ),
        }
    }
}

/// Runs one statement on its own connection to `url`: xtask is blocking, so each call gets
/// a small runtime of its own.
fn execute(url: &str, sql: &str) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start a runtime for sqlx")?;
    runtime.block_on(async {
        let mut conn = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect(url))
            .await
            .map_err(|_| anyhow!("timed out connecting to {}", shown(url)))?
            .with_context(|| format!("cannot connect to {}", shown(url)))?;
        let done = conn.execute(sql).await.with_context(|| sql.to_string());
        let _ = conn.close().await;
        done.map(drop)
    })
}

/// `url` with its database replaced by `db` (user, password, host, port and query kept).
fn with_database(url: &str, db: &str) -> Result<String> {
    let mut u = reqwest::Url::parse(url).with_context(|| format!("`{url}` is not a URL"))?;
    if !matches!(u.scheme(), "postgres" | "postgresql") {
        bail!("`{url}` is not a postgres:// URL");
    }
    u.set_path(&format!("/{db}"));
    Ok(u.into())
}

/// For messages: the URL without its password.
fn shown(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_password(None);
            u.into()
        }
        Err(_) => "the PostgreSQL URL".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432", "x").unwrap(),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgresql://u:p@h/db?sslmode=disable", "x").unwrap(),
            "postgresql://u:p@h/x?sslmode=disable"
        );
        assert!(with_database("mysql://h/db", "x").is_err());
        assert!(!shown("postgresql://u:p@h/db").contains(":p@"));
    }

    #[test]
    fn check_characters() {
        assert!(acceptance_number_valid("11010519491231002X"));
        assert!(!acceptance_number_valid("110105194912310021"));
    }
}
