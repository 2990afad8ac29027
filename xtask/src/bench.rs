//! `cargo xtask bench`: first-visit download sizes of the bundles, and search latency of the
//! release server over a 5,000-service catalogue.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::bundles::{self, BUNDLES};
use crate::util::{kb, run, step, Ctx};

/// First-visit budget of the portal, brotli-compressed (1 KB = 1024 bytes).
const PORTAL_BUDGET_KB: f64 = 200.0;
/// Search latency budget at the 99th percentile.
const SEARCH_P99_BUDGET_MS: f64 = 20.0;
const CATALOGUE_SIZE: usize = 5_000;

pub struct Options {
    /// Build the bundles / release server first.
    pub build: bool,
    pub sizes: bool,
    pub search: bool,
    /// Where the bundles are (default `<root>/dist`).
    pub dist_dir: Option<PathBuf>,
    pub requests: usize,
    /// Fail (exit non-zero) when a target is missed.
    pub strict: bool,
}

impl Options {
    pub const USAGE: &'static str = "cargo xtask bench [--sizes-only | --search-only] [--no-build] [--dist-dir DIR] [--requests N] [--strict]";

    pub fn parse(args: &[String]) -> Result<Options> {
        let mut o = Options {
            build: true,
            sizes: true,
            search: true,
            dist_dir: None,
            requests: 2_000,
            strict: false,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "--sizes-only" => o.search = false,
                "--search-only" => o.sizes = false,
                "--uploads-only" => (o.sizes, o.search) = (false, false),
                "--lookup-only" => {} // read by bench_lookup::only()
                "--no-build" => o.build = false,
                "--strict" => o.strict = true,
                "--dist-dir" => {
                    o.dist_dir = Some(it.next().context("--dist-dir needs a directory")?.into())
                }
                "--requests" => {
                    let n = it.next().context("--requests needs a number")?;
                    o.requests = n
                        .parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .with_context(|| format!("--requests {n}: not a positive number"))?;
                }
                other => bail!("unknown bench option {other:?}\nusage: {}", Self::USAGE),
            }
        }
        if !o.sizes && !o.search && !args.iter().any(|a| a == "--uploads-only") {
            bail!("--sizes-only and --search-only exclude each other");
        }
        Ok(o)
    }
}

pub fn bench(ctx: &Ctx, opts: &Options) -> Result<()> {
    if crate::bench_lookup::only() {
        return crate::bench_lookup::standalone(ctx, opts);
    }
    let mut over = Vec::new();
    if opts.sizes {
        if opts.build {
            crate::setup::ensure_build_tools(ctx)?;
            bundles::build(ctx)?;
        }
        if !sizes(ctx, opts)? {
            over.push("portal first-visit size");
        }
    }
    if opts.search && !search(ctx, opts)? {
        over.push("search p99 latency");
    }
    if opts.search {
        crate::bench_submit::run(ctx)?;
    } // submissions/s, SQLite and PostgreSQL
    crate::bench_uploads::hook(ctx, opts.sizes == opts.search, opts.build, &mut over)?;
    crate::bench_lookup::hook(ctx, opts.sizes && opts.search, opts.build, &mut over)?; // case lookups vs a static file
    if !over.is_empty() && opts.strict {
        bail!("over target: {}", over.join(", "));
    }
    Ok(())
}

/// The size tables; true when the portal is within budget.
fn sizes(ctx: &Ctx, opts: &Options) -> Result<bool> {
    let dist = opts
        .dist_dir
        .clone()
        .unwrap_or_else(|| ctx.root.join("dist"));
    let mut within = None;
    for bundle in &BUNDLES {
        let dir = dist.join(bundle.name);
        if !dir.join("index.html").is_file() {
            if opts.build || bundle.name == "portal" {
                bail!(
                    "{}/index.html not found: build the bundles first (cargo xtask build)",
                    dir.display()
                );
            }
            step!(
                "warning: {}/index.html not found: skipping the {} bundle",
                dir.display(),
                bundle.name
            );
            continue;
        }
        let report = bundles::first_visit(&dir, bundle.public_url)?;
        println!();
        bundles::print_report(
            &format!("{} first visit ({})", bundle.name, dir.display()),
            &report,
        );
        let total = report.total();
        if bundle.name == "portal" {
            let kib = total.brotli as f64 / 1024.0;
            let pass = kib <= PORTAL_BUDGET_KB;
            step!(
                "portal first visit: {kib:.1} KB brotli (target ≤ {PORTAL_BUDGET_KB:.0} KB): {}",
                if pass { "PASS" } else { "OVER" }
            );
            within = Some(pass);
        } else {
            step!("{} first visit: {} brotli", bundle.name, kb(total.brotli));
        }
    }
    within.context("the portal bundle was not measured")
}

// ---------------------------------------------------------------------------------------
// Search latency

/// The query mix: (label, query string parameters).
const QUERIES: [(&str, &[(&str, &str)]); 10] = [
    ("营业执照", &[("q", "营业执照")]),
    ("身份证", &[("q", "身份证")]),
    ("结婚 登记", &[("q", "结婚 登记")]),
    ("社保", &[("q", "社保")]),
    ("施工许可", &[("q", "施工许可")]),
    ("办理营业执照", &[("q", "办理营业执照")]),
    ("食品经营", &[("q", "食品经营")]),
    ("不存在的事项", &[("q", "不存在的事项")]),
    ("户口 迁入", &[("q", "户口 迁入")]),
    (
        "department=scjgj&q=登记",
        &[("department", "scjgj"), ("q", "登记")],
    ),
];

/// Removes the temporary directory and stops the server, however the benchmark ends.
struct Scratch {
    dir: PathBuf,
    server: Option<BenchServer>,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            drop(server);
            step!("stopped the benchmark server");
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Run the search benchmark; true when p99 is within budget.
fn search(ctx: &Ctx, opts: &Options) -> Result<bool> {
    println!();
    step!("search latency benchmark");
    if opts.build {
        run(ctx.cargo().args(["build", "--release", "-p", "server"]))?;
    }
    let server_bin = release_server(ctx)?;

    let dir = std::env::temp_dir().join(format!("onewindow-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut scratch = Scratch {
        dir: dir.clone(),
        server: None,
    };

    let catalogue = generate_catalogue(&ctx.root.join("catalogue/demo"), CATALOGUE_SIZE)?;
    let file = dir.join("bench-catalogue.json");
    std::fs::write(&file, serde_json::to_vec(&catalogue)?)?;
    step!(
        "generated {CATALOGUE_SIZE} services from the demo catalogue into {}",
        file.display()
    );

    let (server, base) = start_server(ctx, &server_bin, &dir, &[])?;
    scratch.server = Some(server);
    step!("benchmark server listening on {base}");

    let start = Instant::now();
    let out = server_command(ctx, &server_bin, &[])
        .args(["import-catalogue", "--data-dir"])
        .arg(&dir)
        .arg(&file)
        .stdin(Stdio::null())
        .output()
        .context("cannot run the catalogue import")?;
    if !out.status.success() {
        bail!(
            "importing the benchmark catalogue failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    step!(
        "imported in {:.1}s: {}",
        start.elapsed().as_secs_f64(),
        String::from_utf8_lossy(&out.stdout).trim()
    );

    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(1)
        .build()?;
    let api = format!("{base}/api/v1/services");

    let total: Value = client
        .get(format!("{api}?per_page=1"))
        .send()?
        .error_for_status()?
        .json()?;
    if total["total"].as_u64() != Some(CATALOGUE_SIZE as u64) {
        bail!(
            "the server lists {} services after the import, expected {CATALOGUE_SIZE}",
            total["total"]
        );
    }

    let urls: Vec<reqwest::Url> = QUERIES
        .iter()
        .map(|(_, params)| {
            let mut params = params.to_vec();
            params.push(("per_page", "20"));
            reqwest::Url::parse_with_params(&api, &params).map_err(anyhow::Error::from)
        })
        .collect::<Result<_>>()?;

    // Warm up: the first request builds the search index; then a few rounds of each query.
    let mut hits = Vec::new();
    for url in &urls {
        let page: Value = client.get(url.clone()).send()?.error_for_status()?.json()?;
        hits.push(page["total"].as_u64().unwrap_or(0));
    }
    for _ in 0..20 {
        for url in &urls {
            timed_get(&client, url)?;
        }
    }

    step!(
        "timing {} sequential requests (keep-alive, per_page=20)",
        opts.requests
    );
    let mut per_query: Vec<Vec<f64>> = vec![Vec::new(); urls.len()];
    let started = Instant::now();
    for i in 0..opts.requests {
        let q = i % urls.len();
        per_query[q].push(timed_get(&client, &urls[q])?);
    }
    let wall = started.elapsed();

    let label_width = QUERIES
        .iter()
        .map(|(l, _)| display_width(l))
        .max()
        .unwrap_or(0);
    println!(
        "    {}  {:>6}  {:>6}  {:>8}  {:>8}",
        pad("query", label_width),
        "hits",
        "n",
        "p50 ms",
        "p99 ms"
    );
    for (q, (label, _)) in QUERIES.iter().enumerate() {
        let mut t = per_query[q].clone();
        t.sort_by(f64::total_cmp);
        println!(
            "    {}  {:>6}  {:>6}  {:>8.2}  {:>8.2}",
            pad(label, label_width),
            hits[q],
            t.len(),
            percentile(&t, 50.0),
            percentile(&t, 99.0)
        );
    }
    let mut all: Vec<f64> = per_query.concat();
    all.sort_by(f64::total_cmp);
    let p99 = percentile(&all, 99.0);
    step!(
        "search: {} requests in {:.2}s ({:.0} req/s): p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        all.len(),
        wall.as_secs_f64(),
        all.len() as f64 / wall.as_secs_f64(),
        percentile(&all, 50.0),
        percentile(&all, 90.0),
        p99,
        all.last().copied().unwrap_or(0.0)
    );
    let within = p99 <= SEARCH_P99_BUDGET_MS;
    step!(
        "search p99 {p99:.2} ms (target ≤ {SEARCH_P99_BUDGET_MS:.0} ms): {}",
        if within { "PASS" } else { "OVER" }
    );
    drop(scratch);
    Ok(within)
}

/// One request, reading the whole body; milliseconds.
fn timed_get(client: &reqwest::blocking::Client, url: &reqwest::Url) -> Result<f64> {
    let start = Instant::now();
    let res = client
        .get(url.clone())
        .send()
        .with_context(|| format!("GET {url}"))?;
    let status = res.status();
    let body = res.bytes()?;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    if !status.is_success() {
        bail!("GET {url}: {status}: {}", String::from_utf8_lossy(&body));
    }
    Ok(ms)
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Terminal columns: CJK characters take two.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(display_width(s))))
}

// ---------------------------------------------------------------------------------------
// The release server under test (shared by the search, submission and upload benchmarks)

/// Settings of the server that must not leak into a benchmark server from the developer's
/// shell: they would point it at real data or change its limits.
const SERVER_ENV: [&str; 14] = [
    "DATABASE_URL",
    "ONEWINDOW_DATA_DIR",
    "ONEWINDOW_BIND",
    "ONEWINDOW_DIST_DIR",
    "ONEWINDOW_NO_DEMO",
    "ONEWINDOW_MAX_FILE_MB",
    "ONEWINDOW_MAX_APPLICATION_MB",
    "ONEWINDOW_UPLOAD_TTL_SECS",
    "ONEWINDOW_UPLOAD_SWEEP_SECS",
    "ONEWINDOW_PUBLIC_URL",
    "ONEWINDOW_REGION_CODE",
    "ONEWINDOW_LOOKUP_MAX_FAILS_PER_ADDR",
    "ONEWINDOW_LOOKUP_MAX_FAILS_PER_NUMBER",
    "ONEWINDOW_LOOKUP_WINDOW_SECS",
];

/// `<root>/target/release/server`, or an error saying how to build it.
pub fn release_server(ctx: &Ctx) -> Result<PathBuf> {
    let server_bin = ctx.root.join("target/release/server");
    if !server_bin.is_file() {
        bail!(
            "{} not found: build it with `cargo build --release -p server`",
            server_bin.display()
        );
    }
    Ok(server_bin)
}

/// The server binary with an environment that cannot point it at real data, then `envs`.
pub fn server_command(ctx: &Ctx, bin: &Path, envs: &[(&str, &str)]) -> Command {
    let mut cmd = ctx.cmd(bin);
    for var in SERVER_ENV {
        cmd.env_remove(var);
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

/// A running benchmark server: killed (and waited for) when dropped.
pub struct BenchServer {
    child: Child,
    log_path: PathBuf,
}

impl BenchServer {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the server has written to stderr (`<dir>/server.log`) so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

impl Drop for BenchServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `server serve --bind 127.0.0.1:0 --data-dir DIR --dist-dir DIR --no-demo` (with
/// `envs` on top of `server_command`'s clean environment, stderr to `DIR/server.log`) and
/// waits for its `listening on …` line: the running server and its base URL. The server is
/// killed again when it fails to start.
pub fn start_server(
    ctx: &Ctx,
    bin: &Path,
    dir: &Path,
    envs: &[(&str, &str)],
) -> Result<(BenchServer, String)> {
    let log_path = dir.join("server.log");
    let log = std::fs::File::create(&log_path)?;
    let mut cmd = server_command(ctx, bin, envs);
    cmd.args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .arg("--dist-dir")
        .arg(dir)
        .arg("--no-demo")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log);
    step!("$ {}", crate::util::describe(&cmd));
    let mut child = cmd.spawn().context("cannot start the server")?;
    let stdout = child.stdout.take().expect("stdout is piped");
    // The guard first, so the child is killed however startup ends.
    let mut server = BenchServer { child, log_path };

    // Read stdout on a thread (and keep draining it so the server never blocks on it).
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.trim().strip_prefix("listening on ") {
                let _ = tx.send(addr.to_string());
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(addr) => return Ok((server, addr)),
            Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {
                if let Some(status) = server.child.try_wait()? {
                    bail!(
                        "the server exited ({status}) before listening; its log:\n{}",
                        server.log()
                    );
                }
            }
            Err(_) => bail!(
                "the server did not print `listening on …` within 30 s; its log:\n{}",
                server.log()
            ),
        }
    }
}

/// A catalogue of `count` services cloned from the demo services, with the demo departments,
/// topics and synonyms.
pub fn generate_catalogue(demo: &Path, count: usize) -> Result<Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(demo)
        .with_context(|| format!("cannot list {}", demo.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let read = |p: &Path| -> Result<Value> {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", p.display()))
    };
    let taxonomy = read(&demo.join("00-departments-topics.json"))?;
    let mut templates = Vec::new();
    for f in &files {
        if let Some(services) = read(f)?.get("services").and_then(Value::as_array) {
            templates.extend(services.iter().cloned());
        }
    }
    let departments: Vec<String> = taxonomy["departments"]
        .as_array()
        .context("00-departments-topics.json has no departments")?
        .iter()
        .filter_map(|d| d["code"].as_str().map(str::to_string))
        .collect();
    if templates.is_empty() || departments.is_empty() {
        bail!(
            "the demo catalogue in {} has no services or no departments",
            demo.display()
        );
    }

    const REGIONS: [&str; 12] = [
        "天河", "越秀", "海珠", "荔湾", "白云", "黄埔", "番禺", "花都", "南沙", "从化", "增城",
        "萝岗",
    ];
    const VARIANTS: [&str; 10] = [
        "",
        "（试点）",
        "（跨区通办）",
        "（延伸服务点）",
        "（告知承诺制）",
        "（全程网办）",
        "（变更）",
        "（补办）",
        "（注销）",
        "（延续）",
    ];
    let n = templates.len();
    let services: Vec<Value> = (0..count)
        .map(|i| {
            let mut s = templates[i % n].clone();
            let round = i / n;
            let region = REGIONS[round % REGIONS.len()];
            let variant = VARIANTS[(round / REGIONS.len()) % VARIANTS.len()];
            let name = s["name"].as_str().unwrap_or("事项");
            s["name"] = json!(format!("{region}{name}{variant}"));
            s["code"] = json!(format!("BENCH-{:05}", i + 1));
            s["department"] = json!(departments[i % departments.len()]);
            let popularity = s.get("popularity").and_then(Value::as_i64).unwrap_or(50);
            s["popularity"] = json!((popularity - (round % 40) as i64).max(0));
            s
        })
        .collect();
    Ok(json!({
        "departments": taxonomy["departments"],
        "topics": taxonomy["topics"],
        "synonyms": taxonomy.get("synonyms").cloned().unwrap_or_else(|| json!([])),
        "services": services,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&v, 100.0), 100.0);
        assert_eq!(percentile(&[3.0], 99.0), 3.0);
    }

    #[test]
    fn generated_catalogue_is_unique() {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalogue/demo");
        let c = generate_catalogue(&demo, CATALOGUE_SIZE).unwrap();
        let services = c["services"].as_array().unwrap();
        assert_eq!(services.len(), CATALOGUE_SIZE);
        let codes: std::collections::HashSet<_> = services
            .iter()
            .map(|s| s["code"].as_str().unwrap())
            .collect();
        let names: std::collections::HashSet<_> = services
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(codes.len(), CATALOGUE_SIZE);
        assert_eq!(names.len(), CATALOGUE_SIZE);
        assert!(names.iter().all(|n| n.chars().count() <= 100));
        assert!(!c["departments"].as_array().unwrap().is_empty());
    }
}
