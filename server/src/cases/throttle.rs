//! Throttling of case lookups (办件查询): acceptance numbers are guessable and query codes
//! are short, so failed lookups are counted per client address and per acceptance number
//! over a sliding window. Once either count reaches its limit, every further lookup from
//! that address or of that number (even with the right code) is refused with 429 and a
//! `Retry-After` until the oldest counted failure leaves the window.
//!
//! - Failures are counted whether or not the number exists, so a refusal never tells a
//!   known number from an unknown one.
//! - Successful lookups and refused (throttled) ones are not counted.
//! - The counts live in this process's memory: several instances behind a load balancer
//!   each count on their own (an attacker gets at most `instances ×` the attempts), and a
//!   restart forgets them. The address is the TCP peer's: behind a reverse proxy every
//!   client shares the proxy's address (forwarding headers are not trusted: they are set by
//!   the client).
//! - Limits come from the environment: `ONEWINDOW_LOOKUP_MAX_FAILS_PER_ADDR` (default 5),
//!   `ONEWINDOW_LOOKUP_MAX_FAILS_PER_NUMBER` (default 10) and `ONEWINDOW_LOOKUP_WINDOW_SECS`
//!   (default 600). A limit of 0 turns that count off.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::error::ApiError;

pub const ENV_MAX_PER_ADDR: &str = "ONEWINDOW_LOOKUP_MAX_FAILS_PER_ADDR";
pub const ENV_MAX_PER_NUMBER: &str = "ONEWINDOW_LOOKUP_MAX_FAILS_PER_NUMBER";
pub const ENV_WINDOW_SECS: &str = "ONEWINDOW_LOOKUP_WINDOW_SECS";

/// When a map holds more keys than this, expired entries are swept out on the next failure.
const SWEEP_ABOVE: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Failures per client address within the window (0: unlimited).
    pub per_addr: usize,
    /// Failures per acceptance number within the window (0: unlimited).
    pub per_number: usize,
    pub window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_addr: 5,
            per_number: 10,
            window: Duration::from_secs(600),
        }
    }
}

impl Limits {
    /// The defaults, overridden by the environment (a value that is not a number is ignored
    /// with a warning).
    pub fn from_env() -> Limits {
        let d = Limits::default();
        let read = |name: &str, default: u64| -> u64 {
            match std::env::var(name) {
                Ok(v) => v.trim().parse().unwrap_or_else(|_| {
                    tracing::warn!("{name} is not a whole number; using {default}");
                    default
                }),
                Err(_) => default,
            }
        };
        Limits {
            per_addr: read(ENV_MAX_PER_ADDR, d.per_addr as u64) as usize,
            per_number: read(ENV_MAX_PER_NUMBER, d.per_number as u64) as usize,
            window: Duration::from_secs(read(ENV_WINDOW_SECS, d.window.as_secs()).max(1)),
        }
    }
}

/// The most recent failures of each key (at most `limit` of them: enough to decide).
struct Failures<K> {
    map: HashMap<K, VecDeque<Instant>>,
}

impl<K: Hash + Eq + Clone> Failures<K> {
    fn new() -> Self {
        Failures {
            map: HashMap::new(),
        }
    }

    /// How long `key` stays refused, if it is.
    fn blocked(&self, key: &K, limit: usize, window: Duration, now: Instant) -> Option<Duration> {
        if limit == 0 {
            return None;
        }
        let times = self.map.get(key)?;
        if times.len() < limit {
            return None;
        }
        // The deque holds the last `limit` failures: refused until the oldest one expires.
        let oldest = *times.front()?;
        let until = oldest + window;
        (until > now).then(|| until - now)
    }

    fn record(&mut self, key: &K, limit: usize, window: Duration, now: Instant) {
        if limit == 0 {
            return;
        }
        if self.map.len() > SWEEP_ABOVE {
            self.map.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
        }
        let times = self.map.entry(key.clone()).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            times.pop_front();
        }
        times.push_back(now);
        while times.len() > limit {
            times.pop_front();
        }
    }
}

struct Counts {
    by_addr: Failures<IpAddr>,
    by_number: Failures<String>,
}

/// Failed lookups per client address and per acceptance number.
pub struct Throttle {
    limits: Limits,
    counts: Mutex<Counts>,
}

impl Throttle {
    pub fn new(limits: Limits) -> Throttle {
        Throttle {
            limits,
            counts: Mutex::new(Counts {
                by_addr: Failures::new(),
                by_number: Failures::new(),
            }),
        }
    }

    /// The process's throttle, with the limits of the environment.
    pub fn global() -> &'static Throttle {
        static GLOBAL: OnceLock<Throttle> = OnceLock::new();
        GLOBAL.get_or_init(|| Throttle::new(Limits::from_env()))
    }

    /// `Some(wait)` when a lookup of `number` from `addr` must be refused now.
    pub fn check(&self, addr: Option<IpAddr>, number: &str) -> Option<Duration> {
        self.check_at(addr, number, Instant::now())
    }

    /// Counts a failed lookup (wrong code or mobile, or no such case).
    pub fn failed(&self, addr: Option<IpAddr>, number: &str) {
        self.failed_at(addr, number, Instant::now())
    }

    /// The gate of a lookup by `number` from `addr`: refused first when the throttle says so
    /// (429 with the wait), then what `found` finds (it runs only then, and finds nothing
    /// when the proof does not match); finding nothing counts a failure and answers 404
    /// `no_match`.
    pub async fn open<T>(
        &self,
        addr: Option<IpAddr>,
        number: &str,
        no_match: &str,
        found: impl Future<Output = Result<Option<T>, ApiError>>,
    ) -> Result<T, ApiError> {
        if let Some(wait) = self.check(addr, number) {
            return Err(ApiError::TooManyRequests(wait));
        }
        match found.await? {
            Some(found) => Ok(found),
            None => {
                self.failed(addr, number);
                Err(ApiError::NotFound(no_match.into()))
            }
        }
    }

    fn check_at(&self, addr: Option<IpAddr>, number: &str, now: Instant) -> Option<Duration> {
        let l = self.limits;
        let counts = self.counts.lock().expect("throttle lock");
        let by_addr = addr.and_then(|a| counts.by_addr.blocked(&a, l.per_addr, l.window, now));
        let by_number = counts
            .by_number
            .blocked(&number.to_string(), l.per_number, l.window, now);
        match (by_addr, by_number) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    fn failed_at(&self, addr: Option<IpAddr>, number: &str, now: Instant) {
        let l = self.limits;
        let mut counts = self.counts.lock().expect("throttle lock");
        if let Some(a) = addr {
            counts.by_addr.record(&a, l.per_addr, l.window, now);
        }
        counts
            .by_number
            .record(&number.to_string(), l.per_number, l.window, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "440113260213000011";
    const B: &str = "440113260213000029";

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    fn throttle(per_addr: usize, per_number: usize) -> Throttle {
        Throttle::new(Limits {
            per_addr,
            per_number,
            window: Duration::from_secs(600),
        })
    }

    #[test]
    fn an_address_is_refused_after_its_limit_until_the_window_passes() {
        let t = throttle(3, 100);
        let t0 = Instant::now();
        for i in 0..3 {
            assert_eq!(
                t.check_at(ip("10.0.0.1"), A, t0),
                None,
                "before failure {i}"
            );
            t.failed_at(
                ip("10.0.0.1"),
                if i % 2 == 0 { A } else { B },
                t0 + Duration::from_secs(i),
            );
        }
        // Any number, from that address.
        let wait = t
            .check_at(ip("10.0.0.1"), B, t0 + Duration::from_secs(10))
            .expect("refused");
        assert_eq!(
            wait,
            Duration::from_secs(590),
            "until the first failure is 600 s old"
        );
        assert_eq!(
            t.check_at(ip("10.0.0.2"), B, t0 + Duration::from_secs(10)),
            None,
            "another address"
        );
        // Once the first failure leaves the window, two remain: allowed again.
        assert_eq!(
            t.check_at(ip("10.0.0.1"), A, t0 + Duration::from_secs(600)),
            None
        );
        // A new failure then refuses again, until the second is 600 s old.
        t.failed_at(ip("10.0.0.1"), A, t0 + Duration::from_secs(600));
        assert_eq!(
            t.check_at(ip("10.0.0.1"), A, t0 + Duration::from_secs(600)),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn a_number_is_refused_from_every_address() {
        let t = throttle(100, 2);
        let t0 = Instant::now();
        t.failed_at(ip("10.0.0.1"), A, t0);
        assert_eq!(t.check_at(ip("10.0.0.9"), A, t0), None);
        t.failed_at(ip("10.0.0.2"), A, t0);
        assert!(t.check_at(ip("10.0.0.9"), A, t0).is_some());
        assert!(t.check_at(None, A, t0).is_some());
        assert_eq!(t.check_at(ip("10.0.0.9"), B, t0), None, "another number");
    }

    #[test]
    fn zero_turns_a_count_off() {
        let t = throttle(0, 0);
        let t0 = Instant::now();
        for _ in 0..100 {
            t.failed_at(ip("10.0.0.1"), A, t0);
        }
        assert_eq!(t.check_at(ip("10.0.0.1"), A, t0), None);
    }

    #[test]
    fn old_entries_are_swept() {
        let t = throttle(1, 1);
        let t0 = Instant::now();
        for i in 0..(SWEEP_ABOVE + 10) {
            t.failed_at(None, &format!("{i:018}"), t0);
        }
        let later = t0 + Duration::from_secs(601);
        t.failed_at(None, A, later);
        assert!(t.counts.lock().unwrap().by_number.map.len() < 10);
    }
}
