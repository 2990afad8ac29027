//! `cargo xtask test`: every test stage, in order, stopping at the first failure.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::bundles;
use crate::layers;
use crate::setup::{self, Browser};
use crate::util::{print_test_totals, run, run_tests, secs, step, Ctx};

/// Capabilities for the wasm component tests. wasm-bindgen-test-runner reads this file
/// (`WASM_BINDGEN_TEST_WEBDRIVER_JSON`, default `webdriver.json` in the crate directory) and
/// appends its own `headless`, `disable-dev-shm-usage` and `no-sandbox` to the Chrome args.
pub const WEBDRIVER_JSON: &str = r#"{
  "goog:chromeOptions": {
    "args": [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync"
    ]
  }
}
"#;

/// Environment variables that would make wasm-bindgen-test-runner pick another driver or mode.
const CONFLICTING_RUNNER_ENV: [&str; 12] = [
    "NO_HEADLESS",
    "GECKODRIVER",
    "GECKODRIVER_REMOTE",
    "SAFARIDRIVER",
    "SAFARIDRIVER_REMOTE",
    "MSEDGEDRIVER",
    "MSEDGEDRIVER_REMOTE",
    "WASM_BINDGEN_USE_DENO",
    "WASM_BINDGEN_USE_NODE_EXPERIMENTAL",
    "WASM_BINDGEN_USE_DEDICATED_WORKER",
    "WASM_BINDGEN_USE_SHARED_WORKER",
    "WASM_BINDGEN_USE_SERVICE_WORKER",
];

struct Stages {
    done: Vec<(&'static str, Duration)>,
}

impl Stages {
    fn run(&mut self, name: &'static str, f: impl FnOnce() -> Result<()>) -> Result<()> {
        let n = self.done.len() + 1;
        println!();
        step!("==== stage {n}/{STAGE_COUNT}: {name} ====");
        let start = Instant::now();
        let result = f();
        let took = start.elapsed();
        match result {
            Ok(()) => {
                step!("stage {n} ({name}) passed in {}", secs(took));
                self.done.push((name, took));
                Ok(())
            }
            Err(e) => {
                self.summary();
                step!("stage {n} ({name}) FAILED after {}", secs(took));
                Err(e.context(format!("test stage {n} ({name}) failed")))
            }
        }
    }

    fn summary(&self) {
        for (i, (name, took)) in self.done.iter().enumerate() {
            step!("  stage {} {:<40} {:>8}", i + 1, name, secs(*took));
        }
    }
}

const STAGE_COUNT: usize = 5;

pub fn test(ctx: &Ctx) -> Result<()> {
    let total = Instant::now();
    setup::ensure_build_tools(ctx)?;
    let browser = setup::ensure_browser_tools(ctx)?;
    setup::ensure_proxy_tools(ctx)?;
    let mut stages = Stages { done: Vec::new() };

    stages.run("format and lints", || format_and_lints(ctx))?;
    stages.run("unit and server API tests", || {
        run_tests(ctx.cargo().args([
            "test",
            "--workspace",
            "--exclude",
            "app",
            "--exclude",
            "kiosk",
            "--exclude",
            "e2e",
        ]))?;
        // The app's pure functions (formats, codes) are plain unit tests: the wasm stage's
        // runner takes only `wasm_bindgen_test`s.
        run_tests(ctx.cargo().args(["test", "-p", "app", "--lib"]))
    })?;
    stages.run("wasm component tests (headless Chromium)", || {
        wasm_component_tests(ctx, &browser)
    })?;
    stages.run("release bundles and debug server", || {
        bundles::build(ctx)?;
        run(ctx.cargo().args(["build", "-p", "server"]))
    })?;
    stages.run("end-to-end tests (Chromium)", || {
        let mut cmd = ctx.cargo();
        cmd.args(["test", "-p", "e2e"])
            .env("ONEWINDOW_SERVER_BIN", ctx.root.join("target/debug/server"))
            .env("ONEWINDOW_DIST_DIR", ctx.root.join("dist"))
            .env("CHROMEDRIVER", &browser.chromedriver)
            .env("CHROME_BIN", &browser.chrome)
            .env("AXE_CORE_JS", &browser.axe);
        show_env(
            &cmd,
            &[
                "ONEWINDOW_SERVER_BIN",
                "ONEWINDOW_DIST_DIR",
                "CHROMEDRIVER",
                "CHROME_BIN",
                "AXE_CORE_JS",
            ],
        );
        run_tests(&mut cmd)
    })?;

    println!();
    step!("all test stages passed in {}", secs(total.elapsed()));
    stages.summary();
    print_test_totals();
    Ok(())
}

/// `cargo fmt --check` against rustfmt.toml, then clippy with warnings as errors over every
/// crate and target, so that neither formatting nor lints drift again.
fn format_and_lints(ctx: &Ctx) -> Result<()> {
    layers::check(&ctx.root)?;
    step!("layers: no import circle in server, api-client or xtask; server imports only downwards");
    run(ctx.cargo().args(["fmt", "--all", "--check"]))?;
    run(ctx.cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

/// `cargo test -p app --target wasm32-unknown-unknown`: cargo runs each test binary through
/// the `wasm-bindgen-test-runner` configured in .cargo/config.toml, which starts chromedriver
/// (`CHROMEDRIVER`) and opens a session with the capabilities in app/webdriver.json.
fn wasm_component_tests(ctx: &Ctx, browser: &Browser) -> Result<()> {
    let webdriver_json = ctx.root.join("app/webdriver.json");
    ensure_webdriver_json(&webdriver_json)?;
    let mut cmd = ctx.cargo();
    cmd.args([
        "test",
        "-p",
        "app",
        "--features",
        "csr",
        "--target",
        setup::WASM_TARGET,
    ])
    // Which driver binary to start (the runner otherwise searches PATH).
    .env("CHROMEDRIVER", &browser.chromedriver)
    // Run in a browser even for test binaries without `run_in_browser`.
    .env("WASM_BINDGEN_USE_BROWSER", "1")
    // Absolute, so it is found whatever directory cargo runs the runner from.
    .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver_json);
    for var in CONFLICTING_RUNNER_ENV {
        cmd.env_remove(var);
    }
    // The runner gives chromedriver 5 s to bind its port and each test 20 s: too tight on a
    // loaded CI machine. Keep whatever the user set.
    default_env(&mut cmd, "WASM_BINDGEN_TEST_DRIVER_TIMEOUT", "30");
    default_env(&mut cmd, "WASM_BINDGEN_TEST_TIMEOUT", "60");
    show_env(
        &cmd,
        &[
            "CHROMEDRIVER",
            "WASM_BINDGEN_USE_BROWSER",
            "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
            "WASM_BINDGEN_TEST_DRIVER_TIMEOUT",
            "WASM_BINDGEN_TEST_TIMEOUT",
        ],
    );
    run_tests(&mut cmd)
}

fn ensure_webdriver_json(path: &Path) -> Result<()> {
    if path.is_file() {
        let text = std::fs::read_to_string(path)?;
        serde_json::from_str::<serde_json::Value>(&text)
            .with_context(|| format!("{} is not valid JSON", path.display()))?;
    } else {
        step!("writing {}", path.display());
        std::fs::write(path, WEBDRIVER_JSON)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn default_env(cmd: &mut Command, name: &str, value: &str) {
    if std::env::var_os(name).is_none() {
        cmd.env(name, value);
    }
}

fn show_env(cmd: &Command, names: &[&str]) {
    for name in names {
        let value = cmd
            .get_envs()
            .find(|(k, _)| *k == *name)
            .and_then(|(_, v)| v.map(|v| v.to_owned()))
            .or_else(|| std::env::var_os(name));
        if let Some(v) = value {
            step!("  {name}={}", v.to_string_lossy());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn webdriver_json_is_valid() {
        let v: serde_json::Value = serde_json::from_str(super::WEBDRIVER_JSON).unwrap();
        assert_eq!(v["goog:chromeOptions"]["args"][0], "--headless=new");
    }
}
