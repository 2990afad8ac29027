//! Shared helpers: the workspace context, step printing and running commands.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{bail, Context, Result};

/// Print one progress line, prefixed so it stands out from the tools' own output.
macro_rules! step {
    ($($arg:tt)*) => {
        println!("[xtask] {}", format_args!($($arg)*))
    };
}
pub(crate) use step;

/// Where things are, and the `PATH` every tool runs with.
pub struct Ctx {
    /// The workspace root (the directory holding the workspace `Cargo.toml`).
    pub root: PathBuf,
    /// `<root>/.tools/node_modules/.bin` (wasm-opt from npm), then cargo's bin directory,
    /// then the inherited `PATH`.
    pub path: OsString,
}

impl Ctx {
    pub fn new() -> Result<Ctx> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .context("the xtask crate has no parent directory")?
            .to_path_buf();
        if !root.join("Cargo.toml").is_file() {
            bail!(
                "no Cargo.toml in {} — is xtask still inside the workspace?",
                root.display()
            );
        }
        let mut dirs = vec![root.join(".tools/node_modules/.bin"), cargo_bin_dir()];
        dirs.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let path = std::env::join_paths(dirs).context("a PATH entry contains ':'")?;
        Ok(Ctx { root, path })
    }

    /// A command run from the workspace root with our `PATH`.
    pub fn cmd(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.root).env("PATH", &self.path);
        cmd
    }

    /// The cargo that runs us (falls back to `cargo` on `PATH`).
    pub fn cargo(&self) -> Command {
        self.cmd(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
    }

    /// A path relative to the root, for messages.
    pub fn rel<'a>(&self, path: &'a Path) -> std::borrow::Cow<'a, str> {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .to_string_lossy()
    }

    /// Look a program up on our `PATH`.
    pub fn which(&self, name: &str) -> Option<PathBuf> {
        std::env::split_paths(&self.path)
            .map(|d| d.join(name))
            .find(|p| is_executable(p))
    }
}

/// `$CARGO_HOME/bin`, or `~/.cargo/bin`.
pub fn cargo_bin_dir() -> PathBuf {
    match std::env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home).join("bin"),
        None => home_dir().join(".cargo/bin"),
    }
}

fn home_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

pub fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// The command as a user would type it (cargo by name, programs under the working
/// directory by relative path).
pub fn describe(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program());
    let shown = if program.file_name().is_some_and(|n| n == "cargo") {
        OsStr::new("cargo")
    } else {
        cmd.get_current_dir()
            .and_then(|d| program.strip_prefix(d).ok())
            .map_or(program.as_os_str(), Path::as_os_str)
    };
    let mut parts = vec![quote(shown)];
    parts.extend(cmd.get_args().map(quote));
    parts.join(" ")
}

fn quote(s: &OsStr) -> String {
    let s = s.to_string_lossy();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || "-_./=:,@+%".contains(c))
    {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Run a command with inherited stdio, failing unless it exits successfully.
pub fn run(cmd: &mut Command) -> Result<()> {
    let line = describe(cmd);
    step!("$ {line}");
    let status = cmd
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .with_context(|| format!("cannot start `{line}`"))?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    Ok(())
}

/// Run a command quietly and return its stdout, or `None` when it cannot start or fails.
/// For version checks and other probes.
pub fn probe(cmd: &mut Command) -> Option<String> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The first token of the output's first non-empty line that starts with a digit:
/// `trunk 0.21.14` → `0.21.14`, `wasm-opt version 132 (version_132)` → `132`.
pub fn version_in(output: &str) -> Option<String> {
    let line = output.lines().find(|l| !l.trim().is_empty())?;
    line.split_whitespace()
        .find(|t| t.starts_with(|c: char| c.is_ascii_digit()))
        .map(|t| {
            t.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_string()
        })
}

/// Apply `f` to every item on all cores, keeping the order.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(4)
        .min(items.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().unwrap()[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every item was processed"))
        .collect()
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes as KB (1 KB = 1024 bytes) with one decimal.
pub fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 60.0 {
        format!("{}m{:02.0}s", (s / 60.0).floor(), s % 60.0)
    } else {
        format!("{s:.1}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(version_in("trunk 0.21.14\n").as_deref(), Some("0.21.14"));
        assert_eq!(
            version_in("wasm-bindgen 0.2.130").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(
            version_in("wasm-opt version 132 (version_132)").as_deref(),
            Some("132")
        );
        assert_eq!(
            version_in("\nChromeDriver 156.0.8078.79 (a21ce)").as_deref(),
            Some("156.0.8078.79")
        );
        assert_eq!(version_in("nothing here"), None);
    }

    #[test]
    fn numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(secs(Duration::from_millis(1500)), "1.5s");
        assert_eq!(secs(Duration::from_secs(125)), "2m05s");
    }

    #[test]
    fn par_map_keeps_order() {
        let v: Vec<u32> = (0..100).collect();
        assert_eq!(
            par_map(&v, |x| x * 2),
            (0..100).map(|x| x * 2).collect::<Vec<_>>()
        );
        assert!(par_map(&Vec::<u32>::new(), |x| *x).is_empty());
    }
}

/// Tests counted from the `test result:` lines of every test command run so far.
static PASSED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static FAILED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// `(passed, failed)` in one `test result: ok. 5 passed; 0 failed; …` line.
pub fn parse_test_result(line: &str) -> Option<(u64, u64)> {
    let rest = line.split("test result:").nth(1)?;
    let count = |word: &str| {
        rest.split([';', '.'])
            .filter_map(|part| part.trim().strip_suffix(word))
            .find_map(|n| n.trim().parse::<u64>().ok())
    };
    Some((count("passed")?, count("failed")?))
}

/// Like `run`, for a test command: its output is shown as it comes and its results counted.
pub fn run_tests(cmd: &mut Command) -> Result<()> {
    use std::io::BufRead;
    use std::sync::atomic::Ordering;
    let line = describe(cmd);
    step!("$ {line}");
    let mut child = cmd
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot start `{line}`"))?;
    for l in std::io::BufReader::new(child.stdout.take().expect("piped stdout")).lines() {
        let l = l?;
        println!("{l}");
        if let Some((passed, failed)) = parse_test_result(&l) {
            PASSED.fetch_add(passed, Ordering::Relaxed);
            FAILED.fetch_add(failed, Ordering::Relaxed);
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    Ok(())
}

/// The closing line CI reads: every test counted, across all stages.
pub fn print_test_totals() {
    use std::sync::atomic::Ordering;
    println!(
        "{} passed, {} failed",
        PASSED.load(Ordering::Relaxed),
        FAILED.load(Ordering::Relaxed)
    );
}

#[cfg(test)]
mod test_result_tests {
    use super::parse_test_result;

    #[test]
    fn reads_cargo_and_wasm_bindgen_result_lines() {
        assert_eq!(parse_test_result("test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.10s"), Some((12, 0)));
        assert_eq!(
            parse_test_result("test result: FAILED. 33 passed; 2 failed; 0 ignored"),
            Some((33, 2))
        );
        assert_eq!(
            parse_test_result(
                "test result: ok. 5 passed; 0 failed; 0 ignored; 0 filtered out; finished in 0.05s"
            ),
            Some((5, 0))
        );
        assert_eq!(parse_test_result("running 3 tests"), None);
    }
}
