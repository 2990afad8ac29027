//! `cargo xtask bench`: which benchmarks run, in which order, and whether a missed target
//! fails the command. Each benchmark is a submodule; what several of them share sits in leaf
//! modules below this one (`server`, `fixture`, `stats`), so no submodule imports from here.
//!
//! A full run: first-visit download sizes (`sizes`), search latency (`search`), submissions
//! per second on SQLite and PostgreSQL (`submit`), peak memory during uploads (`uploads`),
//! case lookups with wrk (`lookup`), a kiosk's JS heap and DOM over 200 visitor sessions in
//! one browser (`soak`).

mod fixture;
mod lookup;
mod pages;
mod search;
mod server;
mod sizes;
mod soak;
mod stats;
mod submit;
mod uploads;
mod wrk;

use std::path::PathBuf;

use anyhow::{bail, Result};

use crate::bundles;
use crate::util::Ctx;

/// The options of `cargo xtask bench`.
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("only").multiple(false)))]
pub struct Args {
    /// Only the first-visit download sizes
    #[arg(long, group = "only")]
    sizes_only: bool,
    /// Only search latency and submissions per second
    #[arg(long, group = "only")]
    search_only: bool,
    /// Only the upload memory benchmark
    #[arg(long, group = "only")]
    uploads_only: bool,
    /// Only the case lookup benchmark (wrk)
    #[arg(long, group = "only")]
    lookup_only: bool,
    /// Only the kiosk soak (200 visitor sessions in one browser: JS heap and DOM size)
    #[arg(long, group = "only")]
    soak_only: bool,
    /// Only the page benchmark: bytes, Lighthouse and rendering throughput of the portal's
    /// server-rendered pages.
    #[arg(long, group = "only")]
    pages_only: bool,
    /// Use the existing dist/ and target/release/server
    #[arg(long)]
    no_build: bool,
    /// Measure the bundles in DIR/portal, DIR/kiosk, … (default dist/)
    #[arg(long, value_name = "DIR")]
    dist_dir: Option<PathBuf>,
    /// Timed search requests
    #[arg(long, value_name = "N", default_value_t = 2_000, value_parser = positive)]
    requests: usize,
    /// Exit non-zero when a target is missed
    #[arg(long)]
    strict: bool,
}

fn positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{s}: not a positive number")),
    }
}

/// What a run of `cargo xtask bench` does, read from its options.
#[derive(Debug)]
pub struct Options {
    /// Build the bundles / release server first.
    pub build: bool,
    pub sizes: bool,
    /// Search latency and submissions per second.
    pub search: bool,
    pub uploads: bool,
    pub lookup: bool,
    pub soak: bool,
    pub pages: bool,
    /// Where the bundles are (default `<root>/dist`).
    pub dist_dir: Option<PathBuf>,
    pub requests: usize,
    /// Fail (exit non-zero) when a target is missed.
    pub strict: bool,
}

impl From<&Args> for Options {
    fn from(a: &Args) -> Options {
        let all = !(a.sizes_only
            || a.search_only
            || a.uploads_only
            || a.lookup_only
            || a.soak_only
            || a.pages_only);
        Options {
            build: !a.no_build,
            sizes: all || a.sizes_only,
            search: all || a.search_only,
            uploads: all || a.uploads_only,
            lookup: all || a.lookup_only,
            soak: all || a.soak_only,
            pages: all || a.pages_only,
            dist_dir: a.dist_dir.clone(),
            requests: a.requests,
            strict: a.strict,
        }
    }
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<()> {
    let opts = Options::from(args);
    let mut over = Vec::new();
    if opts.sizes {
        if opts.build {
            crate::setup::ensure_build_tools(ctx)?;
            bundles::build(ctx)?;
        }
        if !sizes::report(ctx, opts.dist_dir.as_deref(), opts.build)? {
            over.push("portal first-visit size");
        }
    }
    if opts.search {
        if !search::bench(ctx, opts.requests, opts.build)? {
            over.push("search p99 latency");
        }
        submit::run(ctx)?; // submissions/s, SQLite and PostgreSQL
    }
    if opts.uploads && !uploads::bench(ctx, opts.build)? {
        over.push("upload peak RSS");
    }
    // Case lookups against a static file.
    if opts.lookup && !lookup::bench(ctx, opts.build)? {
        over.push(if opts.sizes {
            "case lookup throughput/p99"
        } else {
            "case lookup throughput or p99 latency"
        });
    }
    // The kiosk in a browser, over the release bundles (built above in a full run).
    if opts.soak {
        if opts.build && !opts.sizes {
            crate::setup::ensure_build_tools(ctx)?;
            bundles::build(ctx)?;
        }
        if !soak::bench(ctx, opts.build, opts.dist_dir.as_deref())? {
            over.push("kiosk soak: JS heap, DOM or wasm memory growing");
        }
    }
    // The portal's pages over the release bundles (built above in a full run).
    if opts.pages {
        if opts.build && !opts.sizes && !opts.soak {
            crate::setup::ensure_build_tools(ctx)?;
            bundles::build(ctx)?;
        }
        if !pages::bench(ctx, opts.build, opts.dist_dir.as_deref())? {
            over.push("portal pages: bytes before paint, case page first visit or Lighthouse");
        }
    }
    if !over.is_empty() && opts.strict {
        bail!("over target: {}", over.join(", "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Bench {
        #[command(flatten)]
        args: Args,
    }

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        let bench = Bench::try_parse_from(std::iter::once("bench").chain(args.iter().copied()))?;
        Ok(Options::from(&bench.args))
    }

    #[test]
    fn uploads_only_runs_this_benchmark_alone() {
        let o = parse(&["--uploads-only", "--no-build"]).unwrap();
        assert!(!o.sizes && !o.search && !o.build);
        assert!(o.uploads && !o.lookup && !o.soak);
        assert!(parse(&["--sizes-only", "--search-only"]).is_err());
        let all = parse(&[]).unwrap();
        assert!(
            all.sizes && all.search,
            "a full run includes the upload benchmark"
        );
        assert!(all.uploads && all.lookup && all.soak && all.build && !all.strict);
        assert_eq!(all.requests, 2_000);
    }

    #[test]
    fn reads_every_option() {
        let o = parse(&[
            "--search-only",
            "--requests",
            "50",
            "--strict",
            "--dist-dir",
            "d",
        ])
        .unwrap();
        assert!(o.search && !o.sizes && !o.uploads && !o.lookup && o.strict);
        assert_eq!(
            (o.requests, o.dist_dir.as_deref()),
            (50, Some("d".as_ref()))
        );
        let o = parse(&["--lookup-only"]).unwrap();
        assert!(o.lookup && !o.sizes && !o.search && !o.uploads && !o.soak);
        let o = parse(&["--soak-only", "--strict"]).unwrap();
        assert!(o.soak && o.strict && !o.sizes && !o.search && !o.uploads && !o.lookup);
        assert!(parse(&["--soak-only", "--lookup-only"]).is_err());
        assert!(parse(&["--requests", "0"]).is_err());
        assert!(parse(&["--requests"]).is_err());
        assert!(parse(&["--fast"]).is_err());
    }
}
