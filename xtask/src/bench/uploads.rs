//! `cargo xtask bench` (after search, or alone with `--uploads-only`): 20 clients upload a
//! 10 MB file each at once to the release server, whose memory is sampled from /proc while
//! they do. Uploads are streamed to a temporary file and written to the database a chunk at
//! a time, so the peak must stay far below 20 × 10 MB.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use super::server::{release_server, Scratch};
use crate::util::{step, Ctx};

const CLIENTS: usize = 20;
/// Within the default 10 MB limit, with room to spare for nothing: 10 MiB − 1 KiB.
const FILE_BYTES: usize = 10 * 1024 * 1024 - 1024;
/// Peak resident memory budget of the server during the run.
const PEAK_RSS_BUDGET_MB: f64 = 150.0;
const SAMPLE_EVERY: Duration = Duration::from_millis(20);
const BOUNDARY: &str = "----onewindow-bench-boundary";

/// Runs the upload benchmark; true when the server's peak RSS is within budget.
pub fn bench(ctx: &Ctx, build: bool) -> Result<bool> {
    println!();
    step!("upload memory benchmark");
    let server_bin = release_server(ctx, build)?;
    let mut scratch = Scratch::create(
        &format!("uploads-{}", std::process::id()),
        Some("upload benchmark server"),
    )?;
    let dir = scratch.dir.clone();
    let base = scratch.start(ctx, &server_bin, &[])?;
    let pid = scratch.pid().expect("the server was started");
    step!("benchmark server (pid {pid}) listening on {base}");
    let idle = read_status(pid).map(|s| s.rss_kb).unwrap_or(0);

    // One distinct file per client, made before the clock starts.
    let bodies: Vec<Vec<u8>> = (0..CLIENTS).map(body_for).collect();
    let url = format!("{base}/api/v1/uploads");

    let running = Arc::new(AtomicBool::new(true));
    let sampler = {
        let running = running.clone();
        std::thread::spawn(move || {
            let mut peak_rss = 0u64;
            let mut samples = 0usize;
            while running.load(Ordering::Relaxed) {
                if let Some(s) = read_status(pid) {
                    peak_rss = peak_rss.max(s.rss_kb);
                    samples += 1;
                }
                std::thread::sleep(SAMPLE_EVERY);
            }
            (peak_rss, samples)
        })
    };

    step!("{CLIENTS} clients upload {} bytes each at once", FILE_BYTES);
    let start = Instant::now();
    let barrier = Arc::new(std::sync::Barrier::new(CLIENTS));
    let handles: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let url = url.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || -> Result<(Value, f64)> {
                let client = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(300))
                    .build()?;
                barrier.wait();
                let t = Instant::now();
                let res = client
                    .post(&url)
                    .header(
                        "content-type",
                        format!("multipart/form-data; boundary={BOUNDARY}"),
                    )
                    .body(body)
                    .send()
                    .context("POST /api/v1/uploads")?;
                let status = res.status();
                let text = res.text()?;
                if status.as_u16() != 201 {
                    bail!("POST /api/v1/uploads: {status}: {text}");
                }
                Ok((serde_json::from_str(&text)?, t.elapsed().as_secs_f64()))
            })
        })
        .collect();
    let results: Vec<Result<(Value, f64)>> = handles
        .into_iter()
        .map(|h| {
            h.join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("a client panicked")))
        })
        .collect();
    let wall = start.elapsed().as_secs_f64();
    // A few more samples after the last answer, then the kernel's own high-water mark.
    std::thread::sleep(SAMPLE_EVERY * 3);
    running.store(false, Ordering::Relaxed);
    let (sampled_peak, samples) = sampler.join().expect("sampler thread");
    let status = read_status(pid);

    let mut ids = std::collections::HashSet::new();
    let mut slowest: f64 = 0.0;
    for r in results {
        let (answer, secs) = r?;
        if answer["size"].as_u64() != Some(FILE_BYTES as u64)
            || answer["media_type"] != "application/pdf"
        {
            bail!("unexpected answer: {answer}");
        }
        ids.insert(answer["id"].as_str().unwrap_or_default().to_string());
        slowest = slowest.max(secs);
    }
    if ids.len() != CLIENTS {
        bail!("{} distinct upload ids for {CLIENTS} uploads", ids.len());
    }
    // The bytes are in the database: `server files verify` reads every one back.
    let verified = std::process::Command::new(&server_bin)
        .args(["files", "verify", "--data-dir"])
        .arg(&dir)
        .output()
        .context("run `server files verify`")?;
    let report = String::from_utf8_lossy(&verified.stdout);
    if !verified.status.success() || !report.contains(&format!("{CLIENTS} stored files")) {
        bail!("the stored files are not the {CLIENTS} uploaded: {report}");
    }

    let Some(status) = status else {
        step!("uploads: {CLIENTS} × 10 MB in {wall:.2} s; server memory not measured (no /proc/{pid}/status)");
        return Ok(true);
    };
    let peak_kb = status.hwm_kb.max(sampled_peak);
    let mb = |kb: u64| kb as f64 / 1024.0;
    step!(
        "{samples} samples every {} ms: idle RSS {:.1} MB, highest sampled RSS {:.1} MB, VmHWM {:.1} MB; slowest upload {slowest:.2} s; {:.0} MB/s in all",
        SAMPLE_EVERY.as_millis(),
        mb(idle),
        mb(sampled_peak),
        mb(status.hwm_kb),
        (CLIENTS * FILE_BYTES) as f64 / (1024.0 * 1024.0) / wall
    );
    let pass = mb(peak_kb) <= PEAK_RSS_BUDGET_MB;
    step!(
        "uploads: {CLIENTS} × 10 MB in {wall:.2} s; server peak RSS {:.1} MB (target ≤ {PEAK_RSS_BUDGET_MB:.0} MB): {}",
        mb(peak_kb),
        if pass { "PASS" } else { "OVER" }
    );
    drop(scratch);
    Ok(pass)
}

/// A multipart body holding one PDF-looking file of `FILE_BYTES`, distinct per client.
fn body_for(client: usize) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench-{client}.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    let head = format!("%PDF-1.7\n% client {client}\n");
    let start = body.len();
    body.extend_from_slice(head.as_bytes());
    // Cheap varied filler (xorshift), so files differ and nothing compresses away.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ (client as u64 + 1);
    while body.len() - start < FILE_BYTES {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let take = (FILE_BYTES - (body.len() - start)).min(8);
        body.extend_from_slice(&x.to_le_bytes()[..take]);
    }
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

struct Status {
    rss_kb: u64,
    hwm_kb: u64,
}

/// VmRSS and VmHWM of a process, from /proc (Linux).
fn read_status(pid: u32) -> Option<Status> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    Some(Status {
        rss_kb: field("VmRSS:")?,
        hwm_kb: field("VmHWM:")?,
    })
}
