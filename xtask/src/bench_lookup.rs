//! `cargo xtask bench` (last, or alone with `--lookup-only`): case lookups (`GET
//! /api/v1/cases/{number}?c=`) against the release server over a SQLite database of 100,000
//! cases, compared with a static file of the same size served by the same server.
//!
//! - `SAMPLE` cases are submitted through the API (their numbers and query codes are kept),
//!   then moved to `under_review` with two events each, so that a lookup reads the case, its
//!   timeline and the holiday calendar (the deadline light).
//! - The other cases are written straight into the database with the `sqlite3` command line
//!   (one transaction; they have events too but no usable code): xtask has no SQL driver, and
//!   100,000 submissions through the API would take minutes.
//! - `CLIENTS` concurrent keep-alive clients first look up each sample case once (the server
//!   draws its QR code; reported on its own line), then send `REQUESTS` lookups of the sample
//!   (QR codes now come from the server's cache, as for an applicant who comes back), and the
//!   same number of requests for a file in the portal's directory holding the very bytes of
//!   one lookup answer. Throttling is switched off (every lookup succeeds anyway).
//! - The clients run on the same machine as the server: on a small machine they take much of
//!   the CPU, which caps both rates alike and puts the latency of 100 requests in flight into
//!   every percentile (at 2,500 req/s, 100 in flight is 40 ms each by Little's law).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::bench::{release_server, server_command, start_server, BenchServer, Options};
use crate::util::{run, step, Ctx};

const TOTAL_CASES: usize = 100_000;
const SAMPLE: usize = 1_000;
const CLIENTS: usize = 100;
const REQUESTS: usize = 20_000;
const WARM_UP: usize = 2_000;
const SUBMIT_CLIENTS: usize = 16;
const SERVICE: &str = "BENCH-LOOKUP-001";
const DEPARTMENT: &str = "基准查询局";
/// Lookups must keep at least this share of the static file's throughput…
const RATIO_TARGET: f64 = 0.3;
/// …with this p99 latency.
const P99_BUDGET_MS: f64 = 20.0;
const STATIC_FILE: &str = "bench-lookup-static.json";

/// Whether `cargo xtask bench --lookup-only` was asked for.
pub fn only() -> bool {
    std::env::args().any(|a| a == "--lookup-only")
}

/// `--lookup-only`: this benchmark alone.
pub fn standalone(ctx: &Ctx, opts: &Options) -> Result<()> {
    if !bench(ctx, opts.build)? && opts.strict {
        bail!("over target: case lookup throughput or p99 latency");
    }
    Ok(())
}

/// Called by `bench::bench` after the other benchmarks: runs on a full run.
pub fn hook(ctx: &Ctx, wanted: bool, build: bool, over: &mut Vec<&'static str>) -> Result<()> {
    if wanted && !bench(ctx, build)? {
        over.push("case lookup throughput/p99");
    }
    Ok(())
}

/// Stops the server and removes the temporary directory, however the benchmark ends.
struct Scratch {
    dir: PathBuf,
    server: Option<BenchServer>,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            drop(server);
            step!("stopped the lookup benchmark server");
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs the benchmark; true when both targets are met.
pub fn bench(ctx: &Ctx, build: bool) -> Result<bool> {
    println!();
    step!("case lookup benchmark: {TOTAL_CASES} cases, {CLIENTS} concurrent clients, {REQUESTS} requests each for lookups and a static file");
    if build {
        run(ctx.cargo().args(["build", "--release", "-p", "server"]))?;
    }
    let server_bin = release_server(ctx)?;
    let dir = std::env::temp_dir().join(format!("onewindow-bench-lookup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("portal")).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(dir.join("portal/index.html"), "<!doctype html><title>bench</title>\n")?;
    let mut scratch = Scratch { dir: dir.clone(), server: None };

    let envs = [
        ("RUST_LOG", "warn"),
        ("ONEWINDOW_LOOKUP_MAX_FAILS_PER_ADDR", "0"),
        ("ONEWINDOW_LOOKUP_MAX_FAILS_PER_NUMBER", "0"),
    ];
    let (server, base) = start_server(ctx, &server_bin, &dir, &envs)?;
    scratch.server = Some(server);
    step!("lookup benchmark server listening on {base}");

    let catalogue = dir.join("bench-lookup.json");
    std::fs::write(&catalogue, serde_json::to_vec(&bench_catalogue())?)?;
    let out = server_command(ctx, &server_bin, &[])
        .args(["import-catalogue", "--data-dir"])
        .arg(&dir)
        .arg(&catalogue)
        .arg(ctx.root.join("catalogue/demo/01-calendar-2026.json"))
        .stdin(Stdio::null())
        .output()
        .context("cannot run the catalogue import")?;
    if !out.status.success() {
        bail!("importing the benchmark service failed ({}):\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    }

    // The cases: a sample through the API, the rest (and everyone's events) with sqlite3.
    let sqlite3 = Command::new("sqlite3").arg("-version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    if !sqlite3 {
        bail!("the lookup benchmark writes its 100,000 cases with the sqlite3 command line: install it (apt-get install sqlite3)");
    }
    let started = Instant::now();
    let sample = submit_cases(&base, SAMPLE)?;
    step!("submitted {SAMPLE} cases through the API in {:.1}s", started.elapsed().as_secs_f64());
    let started = Instant::now();
    sqlite(&dir.join("onewindow.db"), &fill_sql(TOTAL_CASES - SAMPLE))?;
    step!(
        "wrote {} more cases with sqlite3 and moved every case to review with two events, in {:.1}s",
        TOTAL_CASES - SAMPLE,
        started.elapsed().as_secs_f64()
    );

    let lookups: Vec<String> = sample.iter().map(|(n, c)| format!("{base}/api/v1/cases/{n}?c={c}")).collect();
    let client = client()?;
    let first = client.get(&lookups[0]).send()?;
    if first.status().as_u16() != 200 {
        bail!("GET {}: {}: {}", lookups[0], first.status(), first.text().unwrap_or_default());
    }
    let body = first.bytes()?;
    let view: Value = serde_json::from_slice(&body)?;
    if view["status"] != "under_review" || view["timeline"].as_array().map(Vec::len) != Some(3) || view["deadline"].is_null() {
        bail!("the sample case does not look as prepared: {view}");
    }
    std::fs::write(dir.join("portal").join(STATIC_FILE), &body)?;
    let statics = vec![format!("{base}/{STATIC_FILE}")];
    step!("a lookup answers {} bytes (timeline of 3, deadline, QR code); the static file is a copy of one", body.len());

    // The first lookup of each case draws its QR code (later ones find it in the server's
    // cache): measured on its own, then the steady state.
    let cold = measure(&lookups[1..], lookups.len() - 1).context("first lookups")?;
    step!(
        "first lookup of each case (QR code drawn): {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms",
        cold.rate, cold.p50, cold.p99
    );
    let lookup = measure(&lookups, REQUESTS).context("lookups")?;
    let _ = measure(&statics, WARM_UP)?;
    let fixed = measure(&statics, REQUESTS).context("the static file")?;
    let ratio = lookup.rate / fixed.rate;
    let pass = ratio >= RATIO_TARGET && lookup.p99 <= P99_BUDGET_MS;
    step!(
        "lookup: p50 {:.2} ms, p90 {:.2} ms, max {:.1} ms; static file: p50 {:.2} ms, p90 {:.2} ms, max {:.1} ms",
        lookup.p50, lookup.p90, lookup.max, fixed.p50, fixed.p90, fixed.max
    );
    step!(
        "lookup: {:.0} req/s, p99 {:.1} ms; static file: {:.0} req/s, p99 {:.1} ms; ratio {ratio:.2} (target ≥ {RATIO_TARGET}, p99 ≤ {P99_BUDGET_MS:.0} ms): {}",
        lookup.rate,
        lookup.p99,
        fixed.rate,
        fixed.p99,
        if pass { "PASS" } else { "OVER" }
    );
    drop(scratch);
    Ok(pass)
}

struct Measured {
    rate: f64,
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
}

fn client() -> Result<reqwest::blocking::Client> {
    Ok(reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).pool_max_idle_per_host(1).build()?)
}

/// `total` GETs of `urls` (round robin) from `CLIENTS` concurrent keep-alive clients.
fn measure(urls: &[String], total: usize) -> Result<Measured> {
    let next = AtomicUsize::new(0);
    let times: Mutex<Vec<f64>> = Mutex::new(Vec::with_capacity(total));
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
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    // Spread over the sample (a stride prime to its size).
                    let url = &urls[(i * 7919) % urls.len()];
                    let t = Instant::now();
                    let ok = client.get(url).send().and_then(|r| {
                        let status = r.status();
                        r.bytes().map(|_| status)
                    });
                    match ok {
                        Ok(status) if status.is_success() => mine.push(t.elapsed().as_secs_f64() * 1000.0),
                        Ok(status) => {
                            failure.lock().unwrap().get_or_insert(anyhow::anyhow!("GET {url}: {status}"));
                            break;
                        }
                        Err(e) => {
                            failure.lock().unwrap().get_or_insert(anyhow::anyhow!("GET {url}: {e}"));
                            break;
                        }
                    }
                }
                times.lock().unwrap().extend(mine);
            });
        }
    });
    let wall = started.elapsed().as_secs_f64();
    if let Some(e) = failure.into_inner().unwrap() {
        return Err(e);
    }
    let mut t = times.into_inner().unwrap();
    t.sort_by(f64::total_cmp);
    Ok(Measured {
        rate: t.len() as f64 / wall,
        p50: percentile(&t, 50.0),
        p90: percentile(&t, 90.0),
        p99: percentile(&t, 99.0),
        max: t.last().copied().unwrap_or(0.0),
    })
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Submits `count` applications from `SUBMIT_CLIENTS` clients; (number, query code) of each.
fn submit_cases(base: &str, count: usize) -> Result<Vec<(String, String)>> {
    let url = format!("{base}/api/v1/applications");
    let body = serde_json::to_string(&json!({
        "service_code": SERVICE,
        "applicant": {"type": "individual", "name": "张三丰", "id_type": "resident_id",
                      "id_number": "11010519491231002X", "mobile": "13800138000"},
        "answers": {},
        "materials": {}
    }))?;
    let run_id = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let next = AtomicUsize::new(0);
    let cases: Mutex<Vec<(String, String)>> = Mutex::new(Vec::with_capacity(count));
    let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..SUBMIT_CLIENTS {
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
                    if i >= count || failure.lock().unwrap().is_some() {
                        break;
                    }
                    let sent = client
                        .post(&url)
                        .header("Idempotency-Key", format!("bench-lookup-{run_id}-{i}"))
                        .header("Content-Type", "application/json")
                        .body(body.clone())
                        .send()
                        .map_err(anyhow::Error::from)
                        .and_then(|r| {
                            let status = r.status();
                            let text = r.text()?;
                            if status.as_u16() != 201 {
                                bail!("POST {url}: {status}: {text}");
                            }
                            let v: Value = serde_json::from_str(&text)?;
                            let n = v["acceptance_number"].as_str().context("no acceptance_number")?;
                            let c = v["query_code"].as_str().context("no query_code")?;
                            Ok((n.to_string(), c.to_string()))
                        });
                    match sent {
                        Ok(case) => cases.lock().unwrap().push(case),
                        Err(e) => {
                            failure.lock().unwrap().get_or_insert(e);
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap() {
        return Err(e);
    }
    Ok(cases.into_inner().unwrap())
}

/// The SQL that writes `filler` more cases (numbers of 1 January 2025, no usable code), then
/// moves every case to `under_review` (accepted, due in two weeks, step 初审) with two events.
fn fill_sql(filler: usize) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let due = cst_date(now + 14 * 86_400);
    let applicant = r#"{"type":"individual","name":"张三丰","id_type":"resident_id","id_number":"11010519491231002X","mobile":"13800138000"}"#;
    let mut sql = String::with_capacity(filler * 400 + 4096);
    sql.push_str(".timeout 60000\nBEGIN IMMEDIATE;\n");
    for chunk_start in (0..filler).step_by(500) {
        sql.push_str(
            "INSERT INTO cases (acceptance_number, service_code, department_code, status, applicant, masked_name, \
             answers, materials, query_code_hash, idempotency_key, submitted_at, promised_date) VALUES\n",
        );
        let end = (chunk_start + 500).min(filler);
        for i in chunk_start..end {
            let number = acceptance_number("440113", "250101", i as u32 + 1);
            let submitted = 1_735_689_600 + i as i64; // 2025-01-01 08:00 CST onwards
            let sep = if i + 1 == end { ";" } else { "," };
            sql.push_str(&format!(
                "('{number}','{SERVICE}','bench','submitted','{applicant}','张*丰','{{}}','{{}}','{:064x}','filler-{i}',{submitted},'2025-01-08'){sep}\n",
                i
            ));
        }
    }
    sql.push_str(&format!(
        "UPDATE cases SET status = 'under_review', accepted_at = submitted_at + 60, due_date = '{due}', current_step = '初审';\n\
         INSERT INTO case_events (case_number, at, status, step, department, opinion, actor)\n\
           SELECT acceptance_number, submitted_at + 60, 'accepted', '受理', '{DEPARTMENT}', NULL, 'system' FROM cases ORDER BY acceptance_number;\n\
         INSERT INTO case_events (case_number, at, status, step, department, opinion, actor)\n\
           SELECT acceptance_number, submitted_at + 120, 'under_review', '初审', '{DEPARTMENT}', '材料齐全，进入审查', 'system' FROM cases ORDER BY acceptance_number;\n\
         COMMIT;\n\
         PRAGMA wal_checkpoint(TRUNCATE);\n\
         ANALYZE;\n"
    ));
    sql
}

/// Runs `sql` through the `sqlite3` command line on `db`.
fn sqlite(db: &Path, sql: &str) -> Result<()> {
    let mut child = Command::new("sqlite3")
        .arg("-bail")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run sqlite3")?;
    child.stdin.take().expect("stdin is piped").write_all(sql.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("sqlite3 failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// An acceptance number: region + YYMMDD + 5-digit sequence + ISO 7064 MOD 11-2 check.
fn acceptance_number(region: &str, yymmdd: &str, sequence: u32) -> String {
    let body = format!("{region}{yymmdd}{sequence:05}");
    let mut sum = 0u32;
    for c in body.chars() {
        sum = (sum * 2 + c.to_digit(10).unwrap_or(0)) % 11;
    }
    let c = (12 - (sum * 2) % 11) % 11;
    let check = if c == 10 { "X".to_string() } else { c.to_string() };
    format!("{body}{check}")
}

/// `YYYY-MM-DD` of a unix time in China Standard Time (UTC+8).
fn cst_date(unix: i64) -> String {
    let days = (unix + 8 * 3600).div_euclid(86_400);
    // Civil from days (H. Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// One department, one topic and one service taken fully online without required materials.
fn bench_catalogue() -> Value {
    json!({
        "departments": [{"code": "bench", "name": DEPARTMENT}],
        "topics": [{"code": "bench_topic", "name": "基准查询", "audience": "individual"}],
        "services": [{
            "code": SERVICE,
            "name": "基准查询申报事项",
            "kind": "public_service",
            "department": "bench",
            "audience": ["individual"],
            "topics": ["bench_topic"],
            "legal_basis": [{"law": "《基准测试规则》", "article": "第一条"}],
            "conditions": ["无。"],
            "materials": [{"id": "photo", "name": "照片", "form": "electronic", "copies": 1, "requirement": "optional", "source": "申请人自备"}],
            "steps": [{"name": "受理", "description": "网上受理。"}],
            "statutory_limit": {"value": 20, "unit": "working_days"},
            "promised_limit": {"value": 10, "unit": "working_days"},
            "handling_type": "promised",
            "fees": {"free": true, "items": []},
            "location": "网上办理",
            "hours": "全天",
            "consult_phone": "12345",
            "complaint_channel": "12345",
            "online_depth": 4,
            "visits": 0,
            "supports": {"appointment": false, "payment": false, "delivery": false, "kiosk": false},
            "result": {"name": "基准查询结果"}
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_their_check_character() {
        // The resident ID of GB 11643's example uses the same MOD 11-2.
        assert_eq!(acceptance_number("110105", "194912", 31002), "11010519491231002X");
        assert!(fill_sql(1001).matches("'filler-").count() == 1001);
    }

    #[test]
    fn dates_in_china_standard_time() {
        assert_eq!(cst_date(0), "1970-01-01");
        assert_eq!(cst_date(1_770_946_200), "2026-02-13"); // 09:30 CST
        assert_eq!(cst_date(1_770_998_400), "2026-02-14"); // midnight CST
        assert_eq!(cst_date(1_770_998_399), "2026-02-13");
        assert_eq!(cst_date(1_709_164_800), "2024-02-29");
    }
}
