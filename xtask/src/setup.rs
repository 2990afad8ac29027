//! Make sure the tools are there: check versions, install only what is missing.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::util::{probe, run, step, version_in, Ctx};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
pub const TRUNK_VERSION: &str = "0.21.14";
/// wasm-opt comes from the npm package `binaryen` (never the distribution's binaryen).
pub const BINARYEN_VERSION: &str = "132";
/// The accessibility rules engine (npm `axe-core`), pinned so results do not drift.
pub const AXE_VERSION: &str = "4.14.1";
/// Lighthouse for the page benchmark, pinned: 13 wants Node 22, 12 runs on Debian's Node.
pub const LIGHTHOUSE_VERSION: &str = "12.2.3";

/// The wasm target, Trunk, wasm-bindgen (as locked) and wasm-opt.
pub fn ensure_build_tools(ctx: &Ctx) -> Result<()> {
    step!("checking build tools");
    ensure_wasm_target(ctx)?;
    ensure_trunk(ctx)?;
    ensure_wasm_bindgen(ctx)?;
    ensure_wasm_opt(ctx)?;
    Ok(())
}

fn ensure_wasm_target(ctx: &Ctx) -> Result<()> {
    if ctx.which("rustup").is_none() {
        // No rustup: accept a toolchain that already ships the target's standard library.
        let libdir =
            probe(
                ctx.cmd("rustc")
                    .args(["--print", "target-libdir", "--target", WASM_TARGET]),
            );
        if libdir.is_some_and(|d| Path::new(d.trim()).is_dir()) {
            step!("rust target {WASM_TARGET}: present");
            return Ok(());
        }
        bail!("the Rust target {WASM_TARGET} is missing and rustup is not installed; install rustup (https://rustup.rs) or add the target to your toolchain");
    }
    let installed = probe(ctx.cmd("rustup").args(["target", "list", "--installed"]))
        .context("`rustup target list --installed` failed")?;
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        step!("rust target {WASM_TARGET}: installed");
        return Ok(());
    }
    step!("rust target {WASM_TARGET} is missing: adding it");
    run(ctx.cmd("rustup").args(["target", "add", WASM_TARGET]))
}

fn ensure_trunk(ctx: &Ctx) -> Result<()> {
    let found = probe(ctx.cmd("trunk").arg("--version")).and_then(|o| version_in(&o));
    match found.as_deref() {
        Some(TRUNK_VERSION) => {
            step!("trunk {TRUNK_VERSION}: ok");
            return Ok(());
        }
        Some(v) => {
            step!("trunk {v} found, {TRUNK_VERSION} needed: installing (this takes a few minutes)")
        }
        None => step!("trunk not found: installing {TRUNK_VERSION} (this takes a few minutes)"),
    }
    run(ctx
        .cargo()
        .args(["install", "--locked", "trunk", "--version", TRUNK_VERSION]))?;
    let now = probe(ctx.cmd("trunk").arg("--version")).and_then(|o| version_in(&o));
    if now.as_deref() != Some(TRUNK_VERSION) {
        bail!(
            "trunk {TRUNK_VERSION} was installed but `trunk --version` reports {}; is another trunk earlier on PATH?",
            now.as_deref().unwrap_or("nothing")
        );
    }
    Ok(())
}

/// The `wasm-bindgen` version in Cargo.lock: the CLI must match it exactly.
pub fn locked_wasm_bindgen(root: &Path) -> Result<String> {
    let lock_path = root.join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path).with_context(|| {
        format!(
            "cannot read {} (run `cargo generate-lockfile`)",
            lock_path.display()
        )
    })?;
    locked_version(&lock, "wasm-bindgen").context("Cargo.lock has no wasm-bindgen package")
}

fn locked_version(lock: &str, package: &str) -> Option<String> {
    let wanted = format!("name = \"{package}\"");
    let mut lines = lock.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line == wanted {
            let version = lines
                .next()?
                .strip_prefix("version = \"")?
                .strip_suffix('"')?;
            return Some(version.to_string());
        }
    }
    None
}

fn ensure_wasm_bindgen(ctx: &Ctx) -> Result<()> {
    let wanted = locked_wasm_bindgen(&ctx.root)?;
    // Both binaries come from wasm-bindgen-cli; the test runner drives the wasm component tests.
    let check = || {
        ["wasm-bindgen", "wasm-bindgen-test-runner"].map(|bin| {
            (
                bin,
                probe(ctx.cmd(bin).arg("--version")).and_then(|o| version_in(&o)),
            )
        })
    };
    let found = check();
    if found
        .iter()
        .all(|(_, v)| v.as_deref() == Some(wanted.as_str()))
    {
        step!("wasm-bindgen {wanted} (as in Cargo.lock): ok");
        return Ok(());
    }
    for (bin, v) in &found {
        match v {
            Some(v) if *v == wanted => {}
            Some(v) => step!("{bin} {v} found, Cargo.lock has {wanted}"),
            None => step!("{bin} not found"),
        }
    }
    step!("installing wasm-bindgen-cli {wanted}");
    run(ctx
        .cargo()
        .args(["install", "wasm-bindgen-cli", "--version", &wanted]))?;
    for (bin, v) in check() {
        if v.as_deref() != Some(wanted.as_str()) {
            bail!(
                "wasm-bindgen-cli {wanted} was installed but `{bin} --version` reports {}; is another copy earlier on PATH?",
                v.as_deref().unwrap_or("nothing")
            );
        }
    }
    Ok(())
}

fn wasm_opt_version(path: &Path) -> Option<String> {
    probe(std::process::Command::new(path).arg("--version")).and_then(|o| version_in(&o))
}

fn ensure_wasm_opt(ctx: &Ctx) -> Result<()> {
    let tools = ctx.root.join(".tools");
    let wasm_opt = tools.join("node_modules/.bin/wasm-opt");
    match wasm_opt_version(&wasm_opt) {
        Some(v) if v == BINARYEN_VERSION => {
            step!("wasm-opt version {v} (.tools, npm binaryen@{BINARYEN_VERSION}): ok");
            return Ok(());
        }
        Some(v) => step!("wasm-opt version {v} in .tools, {BINARYEN_VERSION} needed: installing binaryen@{BINARYEN_VERSION} from npm"),
        None => step!("wasm-opt not found in .tools: installing binaryen@{BINARYEN_VERSION} from npm"),
    }
    npm_install(ctx, &format!("binaryen@{BINARYEN_VERSION}"))?;
    match wasm_opt_version(&wasm_opt) {
        Some(v) if v == BINARYEN_VERSION => {
            step!("wasm-opt version {v}: installed in .tools");
            Ok(())
        }
        other => bail!(
            "after installing binaryen@{BINARYEN_VERSION}, `{} --version` reports {}",
            wasm_opt.display(),
            other.as_deref().unwrap_or("nothing")
        ),
    }
}

/// Installs an npm package (`name@version`) into the project's git-ignored `.tools/`.
fn npm_install(ctx: &Ctx, spec: &str) -> Result<()> {
    if probe(ctx.cmd("npm").arg("--version")).is_none() {
        bail!(
            "npm is not installed; it is needed once to fetch {spec} into .tools. \
             Install Node.js with npm (e.g. `apt-get install nodejs npm`) and run this again"
        );
    }
    let tools = ctx.root.join(".tools");
    std::fs::create_dir_all(&tools)
        .with_context(|| format!("cannot create {}", tools.display()))?;
    run(ctx
        .cmd("npm")
        .args(["install", "--prefix"])
        .arg(&tools)
        .args(["--no-audit", "--no-fund", spec]))
}

/// The accessibility engine the end-to-end tests inject into the pages they visit.
fn ensure_axe(ctx: &Ctx) -> Result<PathBuf> {
    Ok(ensure_npm_package(ctx, "axe-core", AXE_VERSION)?.join("axe.min.js"))
}

/// Lighthouse's command line (`cli/index.js`, run with `node`), installed into `.tools`.
pub fn ensure_lighthouse(ctx: &Ctx) -> Result<PathBuf> {
    Ok(ensure_npm_package(ctx, "lighthouse", LIGHTHOUSE_VERSION)?.join("cli/index.js"))
}

/// The npm package `name` at exactly `version` in `.tools/node_modules` (installed when it
/// is not): its directory.
fn ensure_npm_package(ctx: &Ctx, name: &str, version: &str) -> Result<PathBuf> {
    let dir = ctx.root.join(".tools/node_modules").join(name);
    let installed = || {
        std::fs::read_to_string(dir.join("package.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|v| v["version"].as_str().map(str::to_string))
    };
    if installed().as_deref() == Some(version) {
        step!("{name} {version} (.tools, npm): ok");
    } else {
        step!("{name} {version} not in .tools: installing from npm");
        npm_install(ctx, &format!("{name}@{version}"))?;
        if installed().as_deref() != Some(version) {
            bail!(
                "after installing {name}@{version}, .tools has {:?}",
                installed()
            );
        }
    }
    Ok(dir)
}

/// What the browser tests drive.
pub struct Browser {
    pub chrome: PathBuf,
    pub chromedriver: PathBuf,
    /// axe-core's `axe.min.js`, for the accessibility checks.
    pub axe: PathBuf,
}

const CHROME: &str = "/usr/bin/chromium";
const FONTS_PACKAGE: &str = "fonts-noto-cjk";

/// Chromium, chromedriver and the CJK fonts (the pages are Chinese: without the fonts
/// screenshots and layout measurements are meaningless).
pub fn ensure_browser_tools(ctx: &Ctx) -> Result<Browser> {
    step!("checking browser tools");
    apt_install(
        ctx,
        || missing_browser_packages(ctx),
        Some(&["chromium", "chromium-driver", FONTS_PACKAGE]),
        &format!("the tests need {CHROME}, chromedriver on PATH and the {FONTS_PACKAGE} fonts"),
        "install Chromium, chromedriver and Noto CJK fonts",
    )?;
    let chromedriver = chromedriver_path(ctx).context("chromedriver disappeared")?;
    // Chromium's wrapper script chatters on stderr; the version is on stdout.
    let chrome_version = probe(ctx.cmd(CHROME).arg("--version")).and_then(|o| version_in(&o));
    let driver_version =
        probe(ctx.cmd(&chromedriver).arg("--version")).and_then(|o| version_in(&o));
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "unknown version".into());
    step!("chromium {} ({CHROME}): ok", show(&chrome_version));
    step!(
        "chromedriver {} ({}): ok",
        show(&driver_version),
        chromedriver.display()
    );
    step!("{FONTS_PACKAGE}: ok");
    let major = |v: &Option<String>| {
        v.as_deref()
            .and_then(|v| v.split('.').next().map(str::to_string))
    };
    if let (Some(c), Some(d)) = (major(&chrome_version), major(&driver_version)) {
        if c != d {
            step!("warning: chromium {c} and chromedriver {d} are different major versions; sessions may fail to start");
        }
    }
    let axe = ensure_axe(ctx)?;
    Ok(Browser {
        chrome: CHROME.into(),
        chromedriver,
        axe,
    })
}

fn chromedriver_path(ctx: &Ctx) -> Option<PathBuf> {
    ctx.which("chromedriver").or_else(|| {
        let p = PathBuf::from("/usr/bin/chromedriver");
        crate::util::is_executable(&p).then_some(p)
    })
}

/// Debian package names of whatever is missing.
fn missing_browser_packages(ctx: &Ctx) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if !crate::util::is_executable(Path::new(CHROME)) {
        missing.push("chromium");
    }
    if chromedriver_path(ctx).is_none() {
        missing.push("chromium-driver");
    }
    if !fonts_installed(ctx) {
        missing.push(FONTS_PACKAGE);
    }
    missing
}

fn fonts_installed(ctx: &Ctx) -> bool {
    if ctx.which("dpkg").is_some() {
        return probe(ctx.cmd("dpkg").args(["-s", FONTS_PACKAGE])).is_some_and(|o| {
            o.lines()
                .any(|l| l.starts_with("Status:") && l.contains("install ok installed"))
        });
    }
    // Not a Debian system: ask fontconfig for any Chinese font.
    probe(ctx.cmd("fc-list").args([":lang=zh", "family"])).is_some_and(|o| !o.trim().is_empty())
}

/// Nothing when `missing()` names no Debian package; else, running as root, installs them
/// with apt-get (`install` when given, else what is missing) and checks again. Not root, or
/// without apt-get: an error naming the packages, `needs` saying what needs them and `manual`
/// what to install by hand.
fn apt_install(
    ctx: &Ctx,
    missing: impl Fn() -> Vec<&'static str>,
    install: Option<&[&str]>,
    needs: &str,
    manual: &str,
) -> Result<()> {
    let absent = missing();
    if absent.is_empty() {
        return Ok(());
    }
    let list = absent.join(" ");
    if !is_root(ctx) {
        bail!(
            "missing packages: {list}. Install them with:\n    sudo apt-get install -y {list}\n\
             (Debian/Ubuntu package names; {needs})"
        );
    }
    if ctx.which("apt-get").is_none() {
        bail!("missing packages: {list}, and apt-get is not available to install them; {manual}");
    }
    step!("missing {list}: installing with apt-get");
    run(ctx.cmd("apt-get").arg("update"))?;
    run(ctx
        .cmd("apt-get")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["install", "-y"])
        .args(install.unwrap_or(&absent)))?;
    let absent = missing();
    if !absent.is_empty() {
        bail!("still missing after apt-get install: {}", absent.join(" "));
    }
    Ok(())
}

/// Debian's nginx, the reverse proxy the server API suite puts in front of two nodes
/// (`server/tests/api/proxy.rs`): installed with apt-get when missing and running as root.
pub fn ensure_proxy_tools(ctx: &Ctx) -> Result<()> {
    step!("checking the reverse proxy (nginx)");
    let present = || {
        ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .iter()
            .any(|p| Path::new(p).exists())
    };
    apt_install(
        ctx,
        || if present() { Vec::new() } else { vec!["nginx"] },
        None,
        "the server API suite runs two nodes behind nginx",
        "install nginx",
    )?;
    // The package starts its own nginx on port 80; the tests start theirs, and need nothing
    // of it.
    if ctx.which("systemctl").is_some() {
        let _ = ctx.cmd("systemctl").args(["stop", "nginx"]).output();
    }
    step!("nginx: ok");
    Ok(())
}

/// What the benchmarks run beside the server, as (program, Debian package): `wrk` makes the
/// load of the case lookup benchmark, `sqlite3` writes its 100,000 cases.
const BENCH_TOOLS: [(&str, &str); 2] = [("wrk", "wrk"), ("sqlite3", "sqlite3")];

/// `wrk` and `sqlite3` for the case lookup benchmark: installed with apt-get when missing and
/// running as root, else an error naming the packages to install.
pub fn ensure_bench_tools(ctx: &Ctx) -> Result<()> {
    step!("checking benchmark tools");
    let missing = || -> Vec<&'static str> {
        BENCH_TOOLS
            .iter()
            .filter(|(bin, _)| ctx.which(bin).is_none())
            .map(|&(_, pkg)| pkg)
            .collect()
    };
    apt_install(
        ctx,
        missing,
        None,
        "the lookup benchmark loads the server with wrk and writes its cases with sqlite3",
        "install wrk and the sqlite3 command line",
    )?;
    // `wrk -v` prints its version and usage, and exits 1.
    let wrk = ctx.cmd("wrk").arg("-v").output().ok().and_then(|o| {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        text.lines().next().map(|l| l.trim().to_string())
    });
    step!("{}: ok", wrk.unwrap_or_else(|| "wrk".into()));
    let sqlite = probe(ctx.cmd("sqlite3").arg("-version"))
        .and_then(|o| o.split_whitespace().next().map(str::to_string));
    step!(
        "sqlite3 {}: ok",
        sqlite.unwrap_or_else(|| "(unknown version)".into())
    );
    Ok(())
}

fn is_root(ctx: &Ctx) -> bool {
    probe(ctx.cmd("id").arg("-u")).is_some_and(|o| o.trim() == "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_locked_version() {
        let lock = r#"
[[package]]
name = "wasm-bindgen-backend"
version = "0.2.99"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version(lock, "trunk"), None);
    }
}
