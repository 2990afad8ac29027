//! Project automation for OneWindow: `cargo xtask run | test | build | bench`.
//!
//! Every step prints an `[xtask] …` line. Tools are checked on each run and installed only
//! when missing or at the wrong version.

mod bench;
mod bench_lookup;
mod bench_submit;
mod bench_uploads;
mod bundles;
mod setup;
mod testing;
mod util;

use std::process::ExitCode;

use anyhow::{bail, Result};

use util::{run, step, Ctx};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  build                      check the build tools, build the portal and kiosk release
                             bundles with Trunk into dist/, and precompress them
  run [-- SERVER ARGS...]    build, then run the release server on http://127.0.0.1:8080
  test                       every test stage: unit and API tests, wasm component tests,
                             release bundles, end-to-end tests in Chromium
  setup                      check (and install what is missing) every tool the
                             other commands need, including the browser test tools
  bench [OPTIONS]            first-visit download sizes and search latency
        --sizes-only | --search-only   run one half
        --no-build                     use the existing dist/ and target/release/server
        --dist-dir DIR                 measure bundles in DIR/portal and DIR/kiosk
        --requests N                   timed search requests (default 2000)
        --strict                       exit non-zero when a target is missed";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match dispatch(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("[xtask] error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(args: &[String]) -> Result<()> {
    let Some((command, rest)) = args.split_first() else {
        println!("{USAGE}");
        return Ok(());
    };
    let ctx = Ctx::new()?;
    match command.as_str() {
        "build" => {
            no_args(command, rest)?;
            setup::ensure_build_tools(&ctx)?;
            bundles::build(&ctx)?;
            step!("bundles ready in dist/portal and dist/kiosk");
            Ok(())
        }
        "run" => run_server(&ctx, rest),
        "setup" => {
            no_args(command, rest)?;
            setup::ensure_build_tools(&ctx)?;
            setup::ensure_browser_tools(&ctx)?;
            step!("all tools present");
            Ok(())
        }
        "test" => {
            no_args(command, rest)?;
            testing::test(&ctx)
        }
        "bench" => bench::bench(&ctx, &bench::Options::parse(rest)?),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command {other:?}\n\n{USAGE}"),
    }
}

fn no_args(command: &str, rest: &[String]) -> Result<()> {
    if !rest.is_empty() {
        bail!(
            "`cargo xtask {command}` takes no arguments (got {})",
            rest.join(" ")
        );
    }
    Ok(())
}

/// Build everything, then serve in the foreground.
fn run_server(ctx: &Ctx, rest: &[String]) -> Result<()> {
    // `cargo xtask run -- --no-demo` hands us `-- --no-demo`.
    let extra = match rest.first() {
        Some(first) if first == "--" => &rest[1..],
        _ => rest,
    };
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
