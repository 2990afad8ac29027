//! `cargo xtask bench` (last, or alone with `--soak-only`): a kiosk left on all day.
//! `SESSIONS` scripted visitors one after another in ONE browser session (headless Chromium at
//! the kiosk's 1080×1920, through chromedriver) against the release server and the release
//! bundles, on a registered (enrolled) kiosk, as in a hall.
//!
//! - Each visitor taps into the guides, a topic and a service's guide, goes home and to the
//!   lookup page, types an acceptance number there, then ends the session: finish
//!   (`[data-testid=kiosk-finish]`) and skip the rating (`[data-testid=finish-skip]`), which
//!   starts the kiosk afresh. The next visitor starts from where that left the kiosk; only
//!   the first opens `/kiosk/`. Topics and services are taken in turn, so the visits differ.
//! - After every `SAMPLE_EVERY` sessions, on the fresh start screen: a garbage collection
//!   (DevTools `HeapProfiler.collectGarbage`, twice), then the JS heap in use
//!   (`performance.memory.usedJSHeapSize`, exact with `--enable-precise-memory-info`), the
//!   DOM's element count (`document.getElementsByTagName('*').length`), the app's wasm linear
//!   memory (which only ever grows, so a leak on the Rust side shows there and not in the JS
//!   heap; read from the bundle's exports, `window.wasmBindings`), and, to show a leak the
//!   page itself cannot see, DevTools' `Memory.getDOMCounters` (documents, nodes and listeners
//!   alive in the renderer, detached ones included).
//! - The trend is judged on the heap, the element count and the wasm memory by `is_flat`: the
//!   last sample is at most 10 % (`GROWTH`) above the median of the first three, or within a
//!   small absolute margin of it (`HEAP_MARGIN_BYTES`, `NODE_MARGIN`, `WASM_MARGIN_BYTES`);
//!   a fall is flat.
//! - Bounded: `SESSIONS` visits, each step waiting at most `WAIT`; only 127.0.0.1.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use super::server::{release_server, server_command, Scratch};
use crate::util::{step, Ctx};

const SESSIONS: usize = 200;
const SAMPLE_EVERY: usize = 20;
const WIDTH: u32 = 1080;
const HEIGHT: u32 = 1920;
/// The longest any one step may take (a page to appear, the kiosk to restart).
const WAIT: Duration = Duration::from_secs(20);
/// The growth of the last sample over the first three's median that still counts as flat…
const GROWTH: f64 = 0.10;
/// …or this much, whichever is more: a heap of a few MB moves by this with the timing of
/// the last tasks before a sample alone.
const HEAP_MARGIN_BYTES: f64 = 512.0 * 1024.0;
/// A toast or a late list item of the start screen.
const NODE_MARGIN: f64 = 50.0;
/// The allocator grows linear memory by a few 64 KiB pages at a time.
const WASM_MARGIN_BYTES: f64 = 1024.0 * 1024.0;

/// The kiosk's links this script follows (hrefs stay what they are when layouts change).
const GUIDES_LINK: &str = "a[href='/kiosk/guides']";
const HOME_LINK: &str = "a[href='/kiosk/']";
const TRACK_LINK: &str = "a[href='/kiosk/track']";

/// One measurement, after `sessions` visits.
#[derive(Debug, Clone)]
struct Sample {
    sessions: usize,
    heap_bytes: f64,
    elements: f64,
    wasm_bytes: f64,
    documents: u64,
    renderer_nodes: u64,
    listeners: u64,
    elapsed: Duration,
}

/// Runs the soak; true when every trend is flat.
pub fn bench(ctx: &Ctx, build: bool, dist_dir: Option<&Path>) -> Result<bool> {
    println!();
    step!(
        "kiosk soak: {SESSIONS} visitor sessions in one browser at {WIDTH}x{HEIGHT}, JS heap and DOM size every {SAMPLE_EVERY}"
    );
    let browser = crate::setup::ensure_browser_tools(ctx)?;
    let server_bin = release_server(ctx, build)?;
    let dist = dist_dir.map_or_else(|| ctx.root.join("dist"), Path::to_path_buf);
    if !dist.join("kiosk/index.html").is_file() {
        bail!(
            "{}/kiosk/index.html not found: build the bundles first (cargo xtask build)",
            dist.display()
        );
    }
    let mut scratch = Scratch::create(
        &format!("soak-{}", std::process::id()),
        Some("soak benchmark server"),
    )?;
    let envs = [("RUST_LOG", "warn")];
    let base = scratch.start_with_bundles(ctx, &server_bin, &envs, &dist)?;
    step!(
        "soak server listening on {base} (demo catalogue, bundles from {})",
        dist.display()
    );
    let token = kiosk_token(ctx, &server_bin, &scratch.dir, &envs)?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let driver = Driver::start(&browser.chromedriver)?;
    let result = runtime.block_on(async {
        let client = open_browser(driver.port, &browser.chrome).await?;
        let run = soak(&client, &base, &token).await;
        let _ = client.close().await;
        run
    });
    drop(driver);
    let samples = result.with_context(|| {
        format!(
            "the soak stopped; the server's last lines:\n{}",
            scratch.log_tail(20)
        )
    })?;
    drop(scratch);

    print_table(&samples);
    let heap: Vec<f64> = samples.iter().map(|s| s.heap_bytes).collect();
    let nodes: Vec<f64> = samples.iter().map(|s| s.elements).collect();
    let wasm: Vec<f64> = samples.iter().map(|s| s.wasm_bytes).collect();
    let heap_flat = is_flat(&heap, HEAP_MARGIN_BYTES);
    let nodes_flat = is_flat(&nodes, NODE_MARGIN);
    let wasm_flat = is_flat(&wasm, WASM_MARGIN_BYTES);
    step!(
        "JS heap {:.2} → {:.2} MiB (median of the first three {:.2}), DOM elements {} → {} (median {}); flat when the last is at most {:.0} % or {:.1} MiB / {NODE_MARGIN:.0} elements above that median: heap {}, DOM {}",
        mib(heap[0]),
        mib(heap[heap.len() - 1]),
        mib(median3(&heap)),
        nodes[0],
        nodes[nodes.len() - 1],
        median3(&nodes),
        GROWTH * 100.0,
        mib(HEAP_MARGIN_BYTES),
        if heap_flat { "FLAT" } else { "GROWING" },
        if nodes_flat { "FLAT" } else { "GROWING" },
    );
    step!(
        "wasm memory {:.2} → {:.2} MiB (median of the first three {:.2}; flat within {:.0} % or {:.1} MiB): {}",
        mib(wasm[0]),
        mib(wasm[wasm.len() - 1]),
        mib(median3(&wasm)),
        GROWTH * 100.0,
        mib(WASM_MARGIN_BYTES),
        if wasm_flat { "FLAT" } else { "GROWING" },
    );
    Ok(heap_flat && nodes_flat && wasm_flat)
}

/// Registers a kiosk with `server kiosk create` (its device token, printed once).
fn kiosk_token(ctx: &Ctx, bin: &Path, dir: &Path, envs: &[(&str, &str)]) -> Result<String> {
    let out = server_command(ctx, bin, envs)
        .args(["kiosk", "create", "soak 自助机", "--data-dir"])
        .arg(dir)
        .stdin(Stdio::null())
        .output()
        .context("cannot run `server kiosk create`")?;
    if !out.status.success() {
        bail!(
            "server kiosk create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find(|w| w.starts_with("owk_"))
        .map(str::to_string)
        .with_context(|| format!("no device token in `server kiosk create`'s output: {text}"))
}

/// chromedriver on a free port of 127.0.0.1, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(bin: &Path) -> Result<Driver> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let driver = Driver { child, port };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(driver);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("chromedriver did not start")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn open_browser(port: u16, chrome: &Path) -> Result<Client> {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chrome,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", format!("--window-size={WIDTH},{HEIGHT}"), "--lang=zh-CN",
                // Exact heap figures; without it they are rounded and updated only now and then.
                "--enable-precise-memory-info",
            ]
        }),
    );
    let http = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(http)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .context("cannot open a browser session")
}

/// Enrols the browser as the kiosk, then runs every session; the samples.
async fn soak(c: &Client, base: &str, token: &str) -> Result<Vec<Sample>> {
    c.goto(&format!("{base}/kiosk/enrol")).await?;
    wait(c, "[data-testid=enrol-token]")
        .await?
        .send_keys(token)
        .await?;
    wait(c, "[data-testid=enrol-submit]").await?.click().await?;
    wait(c, GUIDES_LINK)
        .await
        .context("the kiosk after enrolment")?;
    step!("enrolled the browser as a kiosk; the first visitor starts at /kiosk/");

    let started = Instant::now();
    let mut samples = Vec::new();
    let mut took = Vec::with_capacity(SESSIONS);
    for n in 1..=SESSIONS {
        let t = Instant::now();
        visit(c, n).await.with_context(|| format!("session {n}"))?;
        took.push(t.elapsed().as_secs_f64());
        if n % SAMPLE_EVERY == 0 {
            let s = sample(c, n, started.elapsed()).await?;
            step!(
                "after {n:>3} sessions: JS heap {:.2} MiB, {} DOM elements ({:.0} s)",
                mib(s.heap_bytes),
                s.elements,
                s.elapsed.as_secs_f64()
            );
            samples.push(s);
        }
    }
    took.sort_by(f64::total_cmp);
    step!(
        "a session took {:.2} s at the median, {:.2} s at most",
        super::stats::percentile(&took, 50.0),
        took[took.len() - 1]
    );
    Ok(samples)
}

/// One visitor, from the start screen back to a fresh one.
async fn visit(c: &Client, n: usize) -> Result<()> {
    wait(c, GUIDES_LINK).await?.click().await?;
    pick(c, ".tile-grid a.tile", n).await?.click().await?;
    pick(c, "[data-testid=service-list] a.tile", n)
        .await?
        .click()
        .await?;
    wait(c, "[data-testid=guide]").await?;
    wait(c, HOME_LINK).await?.click().await?;
    wait(c, TRACK_LINK).await?.click().await?;
    let number = format!("44011326010{:07}", n % 10_000_000);
    wait(c, "#track-number").await?.send_keys(&number).await?;
    wait(c, "[data-testid=kiosk-finish]").await?.click().await?;
    let skip = wait(c, "[data-testid=finish-skip]").await?;
    // A mark the restart wipes: the next visitor has a fresh page, not this one.
    c.execute("window.__soakVisit = arguments[0];", vec![json!(n)])
        .await?;
    skip.click().await?;
    let deadline = Instant::now() + WAIT;
    loop {
        let fresh = c
            .execute(
                "return window.__soakVisit === undefined && document.querySelector(arguments[0]) !== null",
                vec![json!(GUIDES_LINK)],
            )
            .await
            // The page may be between documents.
            .unwrap_or(Value::Bool(false));
        if fresh == json!(true) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the kiosk did not start afresh after skip");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The `n`-th (in turn) of the elements `css` matches, once there is one.
async fn pick(c: &Client, css: &str, n: usize) -> Result<fantoccini::elements::Element> {
    wait(c, css).await?;
    let mut all = c.find_all(Locator::Css(css)).await?;
    let i = n % all.len();
    Ok(all.swap_remove(i))
}

async fn wait(c: &Client, css: &str) -> Result<fantoccini::elements::Element> {
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .with_context(|| format!("`{css}` did not appear"))
}

async fn sample(c: &Client, sessions: usize, elapsed: Duration) -> Result<Sample> {
    for _ in 0..2 {
        cdp(c, "HeapProfiler.collectGarbage", json!({})).await?;
    }
    let page = c
        .execute(
            "return [performance.memory.usedJSHeapSize, document.getElementsByTagName('*').length]",
            vec![],
        )
        .await?;
    // `default()`, the bundle's init, answers the running instance's exports.
    let wasm = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             Promise.resolve(window.wasmBindings && window.wasmBindings.default())
               .then(w => done(w && w.memory ? w.memory.buffer.byteLength : null), () => done(null));",
            vec![],
        )
        .await?;
    let counters = cdp(c, "Memory.getDOMCounters", json!({})).await?;
    let number = |v: &Value, what: &str| v.as_f64().with_context(|| format!("{what}: {v}"));
    Ok(Sample {
        sessions,
        heap_bytes: number(&page[0], "usedJSHeapSize")?,
        elements: number(&page[1], "element count")?,
        wasm_bytes: number(&wasm, "the wasm memory (window.wasmBindings)")?,
        documents: counters["documents"].as_u64().unwrap_or_default(),
        renderer_nodes: counters["nodes"].as_u64().unwrap_or_default(),
        listeners: counters["jsEventListeners"].as_u64().unwrap_or_default(),
        elapsed,
    })
}

fn print_table(samples: &[Sample]) {
    println!();
    step!("kiosk soak, on the start screen after each garbage collection:");
    step!(
        "  {:>8}  {:>12}  {:>12}  {:>9}  {:>9}  {:>14}  {:>9}  {:>7}",
        "sessions",
        "JS heap MiB",
        "DOM elements",
        "wasm MiB",
        "documents",
        "renderer nodes",
        "listeners",
        "time s"
    );
    for s in samples {
        step!(
            "  {:>8}  {:>12.3}  {:>12}  {:>9.2}  {:>9}  {:>14}  {:>9}  {:>7.0}",
            s.sessions,
            mib(s.heap_bytes),
            s.elements,
            mib(s.wasm_bytes),
            s.documents,
            s.renderer_nodes,
            s.listeners,
            s.elapsed.as_secs_f64()
        );
    }
}

/// A DevTools command through chromedriver (`goog/cdp/execute`); its result.
async fn cdp(c: &Client, cmd: &str, params: Value) -> Result<Value> {
    c.issue_cmd(Cdp {
        cmd: cmd.to_string(),
        params,
    })
    .await
    .with_context(|| format!("DevTools {cmd}"))
}

#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

fn mib(bytes: f64) -> f64 {
    bytes / (1024.0 * 1024.0)
}

/// The median of the first three samples (of fewer, when there are fewer).
fn median3(values: &[f64]) -> f64 {
    let mut first: Vec<f64> = values.iter().take(3).copied().collect();
    first.sort_by(f64::total_cmp);
    first.get(first.len() / 2).copied().unwrap_or(0.0)
}

/// The rule: flat when the last sample is at most `GROWTH` above the median of the first
/// three samples, or at most `margin` above it (whichever allows more). A fall is flat. The
/// median, not the first sample, so that one early outlier (a late collection) cannot make
/// a steady kiosk look as if it grew.
fn is_flat(values: &[f64], margin: f64) -> bool {
    let Some(&last) = values.last() else {
        return true;
    };
    let start = median3(values);
    last <= start + (start * GROWTH).max(margin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_series_is_flat_and_a_climbing_one_is_not() {
        let mb = 1024.0 * 1024.0;
        let steady = [3.0 * mb, 3.2 * mb, 2.9 * mb, 3.1 * mb, 3.25 * mb];
        assert!(is_flat(&steady, HEAP_MARGIN_BYTES));
        let climbing: Vec<f64> = (0..10).map(|i| (3.0 + 0.2 * f64::from(i)) * mb).collect();
        assert!(!is_flat(&climbing, HEAP_MARGIN_BYTES));
        // One early outlier does not set the bar.
        assert!(is_flat(
            &[9.0 * mb, 3.0 * mb, 3.0 * mb, 3.2 * mb],
            HEAP_MARGIN_BYTES
        ));
        // Small counts: the absolute margin.
        assert!(is_flat(&[120.0, 121.0, 119.0, 160.0], NODE_MARGIN));
        assert!(!is_flat(&[120.0, 121.0, 119.0, 200.0], NODE_MARGIN));
        assert!(
            is_flat(&[500.0, 400.0, 450.0, 100.0], NODE_MARGIN),
            "a fall"
        );
    }
}
