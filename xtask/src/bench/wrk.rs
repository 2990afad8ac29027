//! wrk, the load generator of the throughput benchmarks (`lookup`, `pages`): a warm-up run
//! that is not counted, then the measured run, and what its report says.

use std::path::Path;
use std::process::Stdio;

use anyhow::{bail, Context, Result};

use crate::util::{describe, step, Ctx};

pub const CONNECTIONS: usize = 100;
pub const THREADS: usize = 2;
pub const DURATION: &str = "10s";
pub const WARM_UP: &str = "2s";

/// What wrk reports of a run (times in milliseconds).
#[derive(Debug, PartialEq)]
pub struct Measured {
    pub rate: f64,
    pub requests: u64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    /// Non-2xx or 3xx answers.
    pub non_2xx: u64,
    /// `connect 0, read 0, write 0, timeout 0`, when wrk printed a `Socket errors:` line.
    pub socket_errors: Option<String>,
}

/// `wrk -t THREADS -c CONNECTIONS -d WARM_UP` (not counted), then the measured run over
/// `DURATION` with `--latency`; with `script`, the requests are the script's.
pub fn wrk(ctx: &Ctx, url: &str, script: Option<&Path>) -> Result<Measured> {
    let run_wrk = |duration: &str| -> Result<Measured> {
        let mut cmd = ctx.cmd("wrk");
        cmd.arg(format!("-t{THREADS}"))
            .arg(format!("-c{CONNECTIONS}"))
            .arg(format!("-d{duration}"))
            .arg("--latency");
        if let Some(script) = script {
            cmd.arg("-s").arg(script);
        }
        cmd.arg(url).stdin(Stdio::null());
        let line = describe(&cmd);
        step!("$ {line}");
        let out = cmd
            .output()
            .with_context(|| format!("cannot run `{line}`"))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            bail!(
                "`{line}` failed ({}):\n{stdout}{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let m = parse_wrk(&stdout)
            .with_context(|| format!("cannot read the output of `{line}`:\n{stdout}"))?;
        if m.non_2xx > 0 {
            bail!(
                "`{line}`: {} of {} answers were not 2xx or 3xx:\n{stdout}",
                m.non_2xx,
                m.requests
            );
        }
        if let Some(errors) = &m.socket_errors {
            step!("warning: wrk counted socket errors ({errors}); requests that timed out are not in its percentiles");
        }
        Ok(m)
    };
    run_wrk(WARM_UP).context("warm-up")?;
    run_wrk(DURATION)
}

/// Reads wrk's report: `Requests/sec:`, the `Latency` line of the thread stats (its maximum),
/// the 50/90/99% lines of `--latency`'s distribution, the request count, non-2xx answers and
/// socket errors.
fn parse_wrk(out: &str) -> Result<Measured> {
    let mut rate = None;
    let mut requests = None;
    let (mut p50, mut p90, mut p99, mut max) = (None, None, None, None);
    let mut non_2xx = 0;
    let mut socket_errors = None;
    for line in out.lines().map(str::trim) {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        match tokens.as_slice() {
            ["Requests/sec:", r, ..] => {
                rate = Some(
                    r.parse::<f64>()
                        .with_context(|| format!("Requests/sec {r:?}"))?,
                )
            }
            ["Latency", _avg, _stdev, m, ..] => max = Some(wrk_ms(m)?),
            ["50%", t] => p50 = Some(wrk_ms(t)?),
            ["90%", t] => p90 = Some(wrk_ms(t)?),
            ["99%", t] => p99 = Some(wrk_ms(t)?),
            [n, "requests", "in", ..] => {
                requests = Some(
                    n.parse::<u64>()
                        .with_context(|| format!("request count {n:?}"))?,
                )
            }
            ["Non-2xx", "or", "3xx", "responses:", n] => {
                non_2xx = n
                    .parse::<u64>()
                    .with_context(|| format!("non-2xx count {n:?}"))?
            }
            ["Socket", "errors:", ..] => socket_errors = Some(tokens[2..].join(" ")),
            _ => {}
        }
    }
    Ok(Measured {
        rate: rate.context("no `Requests/sec:` line")?,
        requests: requests.context("no `N requests in …` line")?,
        p50: p50.context("no 50% line (was --latency given?)")?,
        p90: p90.context("no 90% line")?,
        p99: p99.context("no 99% line")?,
        max: max.context("no Latency line")?,
        non_2xx,
        socket_errors,
    })
}

/// One of wrk's times (`812.00us`, `18.10ms`, `1.20s`, `2.00m`, `1.00h`) in milliseconds.
fn wrk_ms(t: &str) -> Result<f64> {
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .with_context(|| format!("no unit in the time {t:?}"))?;
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .with_context(|| format!("not a time: {t:?}"))?;
    let scale = match unit {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1_000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        _ => bail!("unknown unit in the time {t:?}"),
    };
    Ok(value * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_reports() {
        let out = "Running 10s test @ http://127.0.0.1:40123/
  2 threads and 100 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    10.82ms    3.70ms   1.02s    91.10%
    Req/Sec     4.65k   412.33     5.31k    70.50%
  Latency Distribution
     50%  812.00us
     75%   11.44ms
     90%   14.20ms
     99%   18.10ms
  92570 requests in 10.03s, 1.03GB read
Requests/sec:   9231.40
Transfer/sec:    105.21MB
";
        let m = parse_wrk(out).unwrap();
        assert_eq!(m.rate, 9231.40);
        assert_eq!(m.requests, 92_570);
        assert!((m.p50 - 0.812).abs() < 1e-9);
        assert_eq!((m.p90, m.p99), (14.2, 18.1));
        assert_eq!(m.max, 1020.0);
        assert_eq!((m.non_2xx, m.socket_errors.as_deref()), (0, None));

        let bad = out.replace(
            "Requests/sec:",
            "  Socket errors: connect 0, read 2, write 0, timeout 7\n  Non-2xx or 3xx responses: 15\nRequests/sec:",
        );
        let m = parse_wrk(&bad).unwrap();
        assert_eq!(m.non_2xx, 15);
        assert_eq!(
            m.socket_errors.as_deref(),
            Some("connect 0, read 2, write 0, timeout 7")
        );

        // Without --latency there is no distribution: an error, not a zero.
        assert!(parse_wrk(&out.replace("99%", "98%")).is_err());
        assert!(parse_wrk("").is_err());
    }

    #[test]
    fn wrk_times_in_milliseconds() {
        assert_eq!(wrk_ms("18.10ms").unwrap(), 18.1);
        assert!((wrk_ms("950.00us").unwrap() - 0.95).abs() < 1e-9);
        assert_eq!(wrk_ms("1.50s").unwrap(), 1500.0);
        assert_eq!(wrk_ms("2.00m").unwrap(), 120_000.0);
        assert!(wrk_ms("12").is_err());
        assert!(wrk_ms("3.0ns").is_err());
    }
}
