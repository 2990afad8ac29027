//! Project automation for OneWindow: `cargo xtask run | test | build | setup | bench`.
//!
//! Every step prints an `[xtask] …` line. Tools are checked on each run and installed only
//! when missing or at the wrong version.

mod bench;
mod bundles;
mod layers;
mod setup;
mod testing;
mod util;

use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::{CommandFactory, Parser, Subcommand};

use util::{run, step, Ctx};

/// Project automation for OneWindow.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Check the build tools, build the release bundles (portal, apply, track, kiosk) with
    /// Trunk into dist/, and precompress them
    Build,
    /// Build, then run the release server on http://127.0.0.1:8080
    Run {
        /// Passed to `server serve` (after `--`), e.g. `-- --database-url postgres://…`;
        /// --bind, --data-dir and --dist-dir default to 127.0.0.1:8080, data and dist
        #[arg(
            value_name = "SERVER ARGS",
            trailing_var_arg = true,
            allow_hyphen_values = true
        )]
        server_args: Vec<String>,
    },
    /// Every test stage: format and lints, unit and API tests, wasm component tests, release
    /// bundles, end-to-end tests in Chromium
    Test,
    /// Check (and install what is missing) every tool the other commands need, including the
    /// browser test tools
    Setup,
    /// First-visit download sizes, search latency, submissions per second, upload memory,
    /// case lookups and the kiosk soak
    Bench(bench::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        // Bare `cargo xtask`: the list of commands, and success.
        let _ = Cli::command().print_help();
        return ExitCode::SUCCESS;
    };
    match dispatch(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("[xtask] error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(command: Command) -> Result<()> {
    let ctx = Ctx::new()?;
    match command {
        Command::Build => {
            setup::ensure_build_tools(&ctx)?;
            bundles::build(&ctx)?;
            step!("bundles ready in dist/portal and dist/kiosk");
            Ok(())
        }
        Command::Run { server_args } => run_server(&ctx, &server_args),
        Command::Setup => {
            setup::ensure_build_tools(&ctx)?;
            setup::ensure_browser_tools(&ctx)?;
            setup::ensure_proxy_tools(&ctx)?;
            step!("all tools present");
            Ok(())
        }
        Command::Test => testing::test(&ctx),
        Command::Bench(args) => bench::run(&ctx, &args),
    }
}

/// Build everything, then serve in the foreground.
fn run_server(ctx: &Ctx, extra: &[String]) -> Result<()> {
    setup::ensure_build_tools(ctx)?;
    bundles::build(ctx)?;
    run(ctx.cargo().args(["build", "--release", "-p", "server"]))?;

    let given = |flag: &str| {
        extra
            .iter()
            .any(|a| a == flag || a.starts_with(&format!("{flag}=")))
    };
    let mut cmd = ctx.cmd(ctx.root.join("target/release/server"));
    cmd.arg("serve");
    // Defaults, unless the extra arguments set them (clap rejects an option given twice).
    for (flag, value) in [
        ("--bind", "127.0.0.1:8080"),
        ("--data-dir", "data"),
        ("--dist-dir", "dist"),
    ] {
        if !given(flag) {
            cmd.args([flag, value]);
        }
    }
    cmd.args(extra);

    let bind = bind_address(extra).unwrap_or_else(|| "127.0.0.1:8080".into());
    let host = bind.replace("0.0.0.0:", "127.0.0.1:");
    step!("starting the server (Ctrl-C to stop)");
    step!("  portal  http://{host}/");
    step!("  kiosk   http://{host}/kiosk/");
    step!("  API     http://{host}/api/v1");
    if bind.ends_with(":0") {
        step!("  (port 0: the server prints the port it picked)");
    }
    step!("$ {}", util::describe(&cmd));
    exec(cmd)
}

/// The value of `--bind` among the extra server arguments.
fn bind_address(extra: &[String]) -> Option<String> {
    let mut it = extra.iter();
    while let Some(a) = it.next() {
        if a == "--bind" {
            return it.next().cloned();
        }
        if let Some(v) = a.strip_prefix("--bind=") {
            return Some(v.to_string());
        }
    }
    None
}

/// Replace this process with the server, so Ctrl-C and signals reach it directly.
#[cfg(unix)]
fn exec(mut cmd: std::process::Command) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let err = cmd.exec();
    bail!("cannot start the server: {err}")
}

#[cfg(not(unix))]
fn exec(mut cmd: std::process::Command) -> Result<()> {
    let status = cmd.status()?;
    if !status.success() {
        bail!("the server exited with {status}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("xtask").chain(args.iter().copied()))
    }

    #[test]
    fn help_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn run_passes_server_arguments_through() {
        let args = |v: &[&str]| match parse(v).unwrap().command {
            Some(Command::Run { server_args }) => server_args,
            _ => panic!("not `run`"),
        };
        assert_eq!(args(&["run", "--", "--no-demo"]), ["--no-demo"]);
        assert_eq!(
            args(&["run", "--no-demo", "--bind", "0.0.0.0:9000"]),
            ["--no-demo", "--bind", "0.0.0.0:9000"]
        );
        assert!(args(&["run"]).is_empty());
        assert!(parse(&["test", "extra"]).is_err());
        assert!(parse(&["frobnicate"]).is_err());
        assert!(parse(&[]).unwrap().command.is_none());
    }

    #[test]
    fn finds_bind() {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            bind_address(&s(&["--no-demo", "--bind", "0.0.0.0:9000"])).as_deref(),
            Some("0.0.0.0:9000")
        );
        assert_eq!(
            bind_address(&s(&["--bind=127.0.0.1:1"])).as_deref(),
            Some("127.0.0.1:1")
        );
        assert_eq!(bind_address(&s(&["--no-demo"])), None);
    }
}
