//! `cargo xtask bench`, part 3: application submissions per second against the release
//! server, on SQLite (a temporary directory) and on PostgreSQL (a temporary database at
//! `DATABASE_URL_TEST`, default `postgres://postgres@127.0.0.1:5432/postgres`, created and
//! dropped here; skipped with a message when PostgreSQL is not reachable).
//!
//! Each run imports one service without required materials or questions (plus the demo
//! holiday calendar), warms up, then sends `SUBMISSIONS` applications from `CLIENTS`
//! concurrent keep-alive clients, each with its own idempotency key, and checks that every
//! one got a distinct, valid acceptance number.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::bench::{release_server, server_command, start_server, BenchServer};
use crate::util::{step, Ctx};

const SUBMISSIONS: usize = 1_000;
const CLIENTS: usize = 16;
const WARM_UP: usize = 32;
const SERVICE: &str = "BENCH-SUBMIT-001";
const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Runs the submission benchmark on both backends and prints one summary line.
pub fn run(ctx: &Ctx) -> Result<()> {
    println!();
    step!("submission benchmark: {SUBMISSIONS} applications from {CLIENTS} concurrent clients");
    let server_bin = release_server(ctx)?;

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
    let dir = std::env::temp_dir().join(format!(
        "onewindow-bench-submit-{}-{}",
        std::process::id(),
        label.to_lowercase()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut server = Server {
        dir: dir.clone(),
        server: None,
    };

    let catalogue = dir.join("bench-submit.json");
    std::fs::write(&catalogue, serde_json::to_vec(&bench_catalogue())?)?;
    let base = server.start(ctx, server_bin, database_url)?;
    step!("{label}: server listening on {base}");

    let mut import = server_command(ctx, server_bin, &database_env(database_url));
    import
        .args(["import-catalogue", "--data-dir"])
        .arg(&dir)
        .arg(&catalogue)
        .arg(ctx.root.join("catalogue/demo/01-calendar-2026.json"))
        .stdin(Stdio::null());
    let out = import.output().context("cannot run the catalogue import")?;
    if !out.status.success() {
        bail!(
            "importing the benchmark service failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let url = format!("{base}/api/v1/applications");
    let body = serde_json::to_string(&json!({
        "service_code": SERVICE,
        "applicant": {"type": "individual", "name": "张三丰", "id_type": "resident_id",
                      "id_number": "11010519491231002X", "mobile": "13800138000"},
        "answers": {},
        "materials": {}
    }))?;
    let run_id = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);

    // Warm up: connections, the catalogue snapshot, the installation secret.
    let warm = client()?;
    for i in 0..WARM_UP {
        submit(&warm, &url, &body, &format!("bench-warm-{run_id}-{i}"))?;
    }

    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(f64, String)>> = Mutex::new(Vec::with_capacity(SUBMISSIONS));
    let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..CLIENTS {
            s.spawn(|| {
                let client = match client() {
                    Ok(c) => c,
                    Err(e) => {
                        failure.lock().unwrap().get_or_insert(e);
                        return;
                    }
                };
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= SUBMISSIONS || failure.lock().unwrap().is_some() {
                        break;
                    }
                    let t = Instant::now();
                    match submit(&client, &url, &body, &format!("bench-{run_id}-{i}")) {
                        Ok(number) => results
                            .lock()
                            .unwrap()
                            .push((t.elapsed().as_secs_f64() * 1000.0, number)),
                        Err(e) => {
                            failure.lock().unwrap().get_or_insert(e);
                            break;
                        }
                    }
                }
            });
        }
    });
    let wall = started.elapsed();
    if let Some(e) = failure.into_inner().unwrap() {
        bail!(
            "{label}: a submission failed: {e:#}\nserver log:\n{}",
            server.log()
        );
    }
    let results = results.into_inner().unwrap();
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

fn client() -> Result<reqwest::blocking::Client> {
    Ok(reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(1)
        .build()?)
}

/// One submission; its acceptance number.
fn submit(client: &reqwest::blocking::Client, url: &str, body: &str, key: &str) -> Result<String> {
    let resp = client
        .post(url)
        .header("Idempotency-Key", key)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .with_context(|| format!("POST {url}"))?;
    let status = resp.status();
    let text = resp.text()?;
    if status.as_u16() != 201 {
        bail!("POST {url}: {status}: {text}");
    }
    let v: Value = serde_json::from_str(&text)?;
    v["acceptance_number"]
        .as_str()
        .map(str::to_string)
        .context("no acceptance_number in the answer")
}

/// 17 digits and the ISO 7064 MOD 11-2 check character.
fn acceptance_number_valid(n: &str) -> bool {
    if n.len() != 18 || !n.is_ascii() {
        return false;
    }
    let (body, check) = n.split_at(17);
    let mut sum = 0u32;
    for c in body.chars() {
        let Some(d) = c.to_digit(10) else {
            return false;
        };
        sum = (sum * 2 + d) % 11;
    }
    let c = (12 - (sum * 2) % 11) % 11;
    check
        == if c == 10 {
            "X".to_string()
        } else {
            c.to_string()
        }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// One department, one topic and one service taken fully online without required materials.
fn bench_catalogue() -> Value {
    json!({
        "departments": [{"code": "bench", "name": "基准测试局"}],
        "topics": [{"code": "bench_topic", "name": "基准测试", "audience": "individual"}],
        "services": [{
            "code": SERVICE,
            "name": "基准测试申报事项",
            "kind": "public_service",
            "department": "bench",
            "audience": ["individual"],
            "topics": ["bench_topic"],
            "legal_basis": [{"law": "《基准测试规则》", "article": "第一条"}],
            "conditions": ["无。"],
            "materials": [{"id": "photo", "name": "照片", "form": "electronic", "copies": 1, "requirement": "optional", "source": "申请人自备"}],
            "steps": [{"name": "受理", "description": "网上受理。"}],
            "statutory_limit": {"value": 20, "unit": "working_days"},
            "promised_limit": {"value": 5, "unit": "working_days"},
            "handling_type": "promised",
            "fees": {"free": true, "items": []},
            "location": "网上办理",
            "hours": "全天",
            "consult_phone": "12345",
            "complaint_channel": "12345",
            "online_depth": 4,
            "visits": 0,
            "supports": {"appointment": false, "payment": false, "delivery": false, "kiosk": false},
            "result": {"name": "基准测试结果"}
        }]
    })
}

// ---------------------------------------------------------------------------------------
// The server under test

/// The benchmark server and its directory, stopped and removed however the run ends.
struct Server {
    dir: PathBuf,
    server: Option<BenchServer>,
}

impl Server {
    fn log(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    fn start(&mut self, ctx: &Ctx, bin: &Path, database_url: Option<&str>) -> Result<String> {
        let mut envs = database_env(database_url);
        envs.push(("RUST_LOG", "warn"));
        let (server, base) = start_server(ctx, bin, &self.dir, &envs)?;
        self.server = Some(server);
        Ok(base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.server.take());
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `DATABASE_URL` for the server when given (SQLite in its data directory otherwise).
fn database_env(database_url: Option<&str>) -> Vec<(&'static str, &str)> {
    database_url
        .map(|url| ("DATABASE_URL", url))
        .into_iter()
        .collect()
}

// ---------------------------------------------------------------------------------------
// A temporary PostgreSQL database, through just enough of the wire protocol (simple
// queries; trust or password authentication) to create and drop it.

struct TempDatabase {
    admin: PgUrl,
    name: String,
    url: String,
}

impl TempDatabase {
    fn create(admin_url: &str) -> Result<TempDatabase> {
        let admin = PgUrl::parse(admin_url)?;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("onewindow_bench_{}_{nanos}", std::process::id());
        let mut conn = PgConn::connect(&admin)
            .with_context(|| format!("cannot connect to {}", admin.shown()))?;
        conn.simple(&format!("CREATE DATABASE \"{name}\""))?;
        conn.close();
        let url = admin.with_database(&name);
        step!("PostgreSQL: created the temporary database {name}");
        Ok(TempDatabase { admin, name, url })
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let dropped = PgConn::connect(&self.admin).and_then(|mut c| {
            let r = c.simple(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
            c.close();
            r
        });
        match dropped {
            Ok(()) => step!("PostgreSQL: dropped the temporary database {}", self.name),
            Err(e) => step!(
                "warning: could not drop the temporary database {}: {e:#}",
                self.name
            ),
        }
    }
}

#[derive(Clone, Debug)]
struct PgUrl {
    user: String,
    password: Option<String>,
    host: String,
    port: u16,
    database: String,
    /// `?…` as given, kept for the server's URL.
    query: String,
}

impl PgUrl {
    fn parse(url: &str) -> Result<PgUrl> {
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .with_context(|| format!("`{url}` is not a postgres:// URL"))?;
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, format!("?{q}")),
            None => (rest, String::new()),
        };
        let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hostport) = authority.rsplit_once('@').unwrap_or(("", authority));
        let (user, password) = match userinfo.split_once(':') {
            Some((u, p)) => (u.to_string(), Some(p.to_string())),
            None => (userinfo.to_string(), None),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (
                h.to_string(),
                p.parse().with_context(|| format!("bad port in `{url}`"))?,
            ),
            None => (hostport.to_string(), 5432),
        };
        Ok(PgUrl {
            user: if user.is_empty() {
                "postgres".into()
            } else {
                user
            },
            password,
            host: if host.is_empty() {
                "127.0.0.1".into()
            } else {
                host
            },
            port,
            database: if database.is_empty() {
                "postgres".into()
            } else {
                database.to_string()
            },
            query,
        })
    }

    fn with_database(&self, db: &str) -> String {
        let auth = match &self.password {
            Some(p) => format!("{}:{p}", self.user),
            None => self.user.clone(),
        };
        format!(
            "postgres://{auth}@{}:{}/{db}{}",
            self.host, self.port, self.query
        )
    }

    /// For messages: without the password.
    fn shown(&self) -> String {
        format!(
            "postgres://{}@{}:{}/{}",
            self.user, self.host, self.port, self.database
        )
    }
}

struct PgConn {
    stream: TcpStream,
}

impl PgConn {
    fn connect(url: &PgUrl) -> Result<PgConn> {
        let addr = std::net::ToSocketAddrs::to_socket_addrs(&(url.host.as_str(), url.port))?
            .next()
            .with_context(|| format!("cannot resolve {}", url.host))?;
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut conn = PgConn { stream };
        let mut startup = Vec::new();
        startup.extend_from_slice(&196_608u32.to_be_bytes()); // protocol 3.0
        for (k, v) in [
            ("user", url.user.as_str()),
            ("database", url.database.as_str()),
        ] {
            startup.extend_from_slice(k.as_bytes());
            startup.push(0);
            startup.extend_from_slice(v.as_bytes());
            startup.push(0);
        }
        startup.push(0);
        let mut msg = ((startup.len() + 4) as u32).to_be_bytes().to_vec();
        msg.extend_from_slice(&startup);
        conn.stream.write_all(&msg)?;
        loop {
            let (tag, body) = conn.read()?;
            match tag {
                b'R' => match u32::from_be_bytes(body[..4].try_into()?) {
                    0 => {}
                    3 => {
                        let password = url.password.clone().context("the server asks for a password and the URL has none")?;
                        let mut p = password.into_bytes();
                        p.push(0);
                        conn.send(b'p', &p)?;
                    }
                    other => bail!("authentication method {other} is not supported here (use trust or password authentication for the benchmark)"),
                },
                b'E' => bail!("{}", error_message(&body)),
                b'Z' => return Ok(conn),
                _ => {} // ParameterStatus, BackendKeyData, notices
            }
        }
    }

    fn send(&mut self, tag: u8, body: &[u8]) -> Result<()> {
        let mut msg = vec![tag];
        msg.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
        msg.extend_from_slice(body);
        self.stream.write_all(&msg)?;
        Ok(())
    }

    fn read(&mut self) -> Result<(u8, Vec<u8>)> {
        let mut head = [0u8; 5];
        self.stream.read_exact(&mut head)?;
        let len = u32::from_be_bytes(head[1..5].try_into()?) as usize;
        let mut body = vec![0u8; len.saturating_sub(4)];
        self.stream.read_exact(&mut body)?;
        Ok((head[0], body))
    }

    /// One statement by the simple query protocol; an error answer becomes `Err`.
    fn simple(&mut self, sql: &str) -> Result<()> {
        let mut q = sql.as_bytes().to_vec();
        q.push(0);
        self.send(b'Q', &q)?;
        let mut error = None;
        loop {
            let (tag, body) = self.read()?;
            match tag {
                b'E' => error = Some(error_message(&body)),
                b'Z' => break,
                _ => {}
            }
        }
        match error {
            Some(e) => bail!("{sql}: {e}"),
            None => Ok(()),
        }
    }

    fn close(mut self) {
        let _ = self.send(b'X', &[]);
    }
}

/// The `M` (message) field of an ErrorResponse.
fn error_message(body: &[u8]) -> String {
    body.split(|b| *b == 0)
        .find_map(|f| f.strip_prefix(b"M"))
        .map(|m| String::from_utf8_lossy(m).into_owned())
        .unwrap_or_else(|| "PostgreSQL reported an error".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = PgUrl::parse("postgres://postgres@127.0.0.1:5432").unwrap();
        assert_eq!(
            (
                u.user.as_str(),
                u.host.as_str(),
                u.port,
                u.database.as_str()
            ),
            ("postgres", "127.0.0.1", 5432, "postgres")
        );
        assert_eq!(u.with_database("x"), "postgres://postgres@127.0.0.1:5432/x");
        let u = PgUrl::parse("postgresql://u:p@h/db?sslmode=disable").unwrap();
        assert_eq!(u.password.as_deref(), Some("p"));
        assert_eq!(
            u.with_database("x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert!(!u.shown().contains(":p@"));
    }

    #[test]
    fn check_characters() {
        assert!(acceptance_number_valid("11010519491231002X"));
        assert!(!acceptance_number_valid("110105194912310021"));
    }
}
