//! The release server under test, shared by every benchmark that runs one: where the binary
//! is, an environment that cannot point it at real data, starting it in a scratch directory
//! (through the workspace's one launcher) and importing a catalogue into it.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::util::{describe, run, step, Ctx};

/// How long a benchmark server gets to print its `listening on …` line.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// `<root>/target/release/server` (built first when `build`), or an error saying how to
/// build it.
pub fn release_server(ctx: &Ctx, build: bool) -> Result<PathBuf> {
    if build {
        run(ctx.cargo().args(["build", "--release", "-p", "server"]))?;
    }
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
    launcher::clear_server_env(&mut cmd);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

/// `server import-catalogue --data-dir DIR FILES…` (with `envs`); its stdout. `what` names
/// the files in the error.
pub fn import_catalogue(
    ctx: &Ctx,
    bin: &Path,
    dir: &Path,
    envs: &[(&str, &str)],
    files: &[&Path],
    what: &str,
) -> Result<String> {
    let out = server_command(ctx, bin, envs)
        .args(["import-catalogue", "--data-dir"])
        .arg(dir)
        .args(files)
        .stdin(Stdio::null())
        .output()
        .context("cannot run the catalogue import")?;
    if !out.status.success() {
        bail!(
            "importing the benchmark {what} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A benchmark's temporary directory and the server running in it: the server is stopped
/// and the directory removed however the benchmark ends.
pub struct Scratch {
    pub dir: PathBuf,
    server: Option<launcher::Server>,
    /// Printed once the server is stopped (`stopped the …`), when given.
    stopped: Option<&'static str>,
}

impl Scratch {
    /// An empty `<temp>/onewindow-bench-<name>` (what a previous run left there is removed).
    pub fn create(name: &str, stopped: Option<&'static str>) -> Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("onewindow-bench-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Scratch {
            dir,
            server: None,
            stopped,
        })
    }

    /// Starts `server serve --bind 127.0.0.1:0 --data-dir DIR --dist-dir DIR --no-demo` (with
    /// `envs` on top of `server_command`'s clean environment, stderr to `DIR/server.log`) and
    /// waits for its `listening on …` line: the base URL.
    pub fn start(&mut self, ctx: &Ctx, bin: &Path, envs: &[(&str, &str)]) -> Result<String> {
        let dir = self.dir.clone();
        self.launch(
            ctx,
            bin,
            envs,
            &[
                OsStr::new("--dist-dir"),
                dir.as_os_str(),
                OsStr::new("--no-demo"),
            ],
        )
    }

    /// Like `start`, serving the bundles in `dist` and the demo catalogue: the server a
    /// browser benchmark visits.
    pub fn start_with_bundles(
        &mut self,
        ctx: &Ctx,
        bin: &Path,
        envs: &[(&str, &str)],
        dist: &Path,
    ) -> Result<String> {
        self.launch(
            ctx,
            bin,
            envs,
            &[OsStr::new("--dist-dir"), dist.as_os_str()],
        )
    }

    fn launch(
        &mut self,
        ctx: &Ctx,
        bin: &Path,
        envs: &[(&str, &str)],
        args: &[&OsStr],
    ) -> Result<String> {
        let log = std::fs::File::create(self.log_path())?;
        let mut cmd = server_command(ctx, bin, envs);
        cmd.args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(&self.dir)
            .args(args)
            .stdin(Stdio::null())
            .stderr(log);
        step!("$ {}", describe(&cmd));
        let server = match launcher::Launch::new(cmd).timeout(START_TIMEOUT).start() {
            Ok(server) => server,
            Err(launcher::Error::Spawn(e)) => {
                return Err(e).context("cannot start the server");
            }
            Err(e) => bail!("{e}; its log:\n{}", self.log()),
        };
        let base = server.base().to_string();
        self.server = Some(server);
        Ok(base)
    }

    /// The running server's process id.
    pub fn pid(&self) -> Option<u32> {
        self.server.as_ref().map(launcher::Server::pid)
    }

    /// What the server has written to stderr (`DIR/server.log`) so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// The last `lines` lines of `log`.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = self.log();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("server.log")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            drop(server);
            if let Some(what) = self.stopped {
                step!("stopped the {what}");
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
