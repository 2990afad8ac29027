//! The gate's counts: failed attempts (a wrong code or mobile, or no such number) per client
//! address and per number over a sliding window. Once either count reaches its limit, every
//! further attempt from that address or at that number (even with the right code) is refused
//! with 429 and a `Retry-After` until the oldest counted failure leaves the window.
//!
//! - An attempt is *reserved* before it is checked: the check of both counts and the
//!   reservation happen under one lock, and an attempt in flight counts against the limit
//!   as a failure would. So N parallel guesses never get more than the limit's answers. A
//!   success (or an attempt that ends without an answer: a database error, a dropped
//!   connection) releases its reservation; a failure turns it into a counted failure.
//! - An attempt that finds the limit filled only by attempts in flight waits (at most
//!   `MAX_QUEUE_WAIT`) for one of them to end, then is decided again: parallel guesses are
//!   refused once the first ones have failed, while parallel right answers (a page that
//!   loads a case twice, eight ratings sent at once) all get through.
//! - Failures are counted whether or not the number exists, so a refusal never tells a
//!   known number from an unknown one. Refused (throttled) attempts are not counted.
//! - Addresses are counted by `super::addr_key`: an IPv4 address on its own, an IPv6
//!   address by its /64 (one subscriber's network).
//! - Bounded memory: each map holds at most `MAX_KEYS` keys (65,536), each with at most its
//!   limit of failure times, whatever the number of addresses or numbers tried. Keys whose
//!   failures have all left the window are swept out first; when the map is still full, the
//!   tenth of its keys whose latest failure is oldest is evicted (so an attacker must spread
//!   over tens of thousands of addresses to make the gate forget a number).
//! - The counts live in this process's memory and, when a shared store is installed
//!   (`super::shared`: PostgreSQL, or Redis), in that store too: before each decision the
//!   node adopts the store's latest failures of the address and the number, and every
//!   failure is written there, so wrong codes spread over several nodes meet one limit.
//!   Attempts in flight are counted per node (parallel guesses spread over n nodes get at
//!   most n times the limit's answers before the first failures are written).
//! - Limits come from the environment: `ONEWINDOW_LOOKUP_MAX_FAILS_PER_ADDR` (default 5),
//!   `ONEWINDOW_LOOKUP_MAX_FAILS_PER_NUMBER` (default 10) and `ONEWINDOW_LOOKUP_WINDOW_SECS`
//!   (default 600). A limit of 0 turns that count off.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::shared::{self, recent_or_warn, record_or_warn, Kind, Shared};

pub const ENV_MAX_PER_ADDR: &str = "ONEWINDOW_LOOKUP_MAX_FAILS_PER_ADDR";
pub const ENV_MAX_PER_NUMBER: &str = "ONEWINDOW_LOOKUP_MAX_FAILS_PER_NUMBER";
pub const ENV_WINDOW_SECS: &str = "ONEWINDOW_LOOKUP_WINDOW_SECS";

/// The most keys one map (addresses, numbers) holds.
pub const MAX_KEYS: usize = 65_536;

/// How long an attempt waits for attempts in flight that fill the limit, before it is
/// refused (for `IN_FLIGHT_WAIT`).
pub const MAX_QUEUE_WAIT: Duration = Duration::from_secs(5);

/// The `Retry-After` of an attempt that waited `MAX_QUEUE_WAIT` in vain.
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(1);

/// Why an attempt cannot be reserved now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Counted failures fill the limit: refused for this long.
    For(Duration),
    /// Attempts in flight fill it: decided again when one of them ends.
    Busy,
}

impl Refused {
    /// The worse of two refusals.
    fn max(self, other: Refused) -> Refused {
        match (self, other) {
            (Refused::For(a), Refused::For(b)) => Refused::For(a.max(b)),
            (Refused::For(a), Refused::Busy) | (Refused::Busy, Refused::For(a)) => Refused::For(a),
            (Refused::Busy, Refused::Busy) => Refused::Busy,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Failures per client address within the window (0: unlimited).
    pub per_addr: usize,
    /// Failures per number within the window (0: unlimited).
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

/// One key's recent failures (at most `limit` of them: enough to decide) and its attempts
/// in flight.
#[derive(Default)]
struct Entry {
    failures: VecDeque<Instant>,
    reserved: usize,
}

impl Entry {
    fn forget_expired(&mut self, window: Duration, now: Instant) {
        while self
            .failures
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            self.failures.pop_front();
        }
    }

    /// When the entry can be dropped without changing any decision.
    fn idle(&self, window: Duration, now: Instant) -> bool {
        self.reserved == 0
            && self
                .failures
                .back()
                .is_none_or(|t| now.duration_since(*t) >= window)
    }

    /// Takes the shared store's failures (their `ages` when it was `asked`) as this key's,
    /// keeping this node's own failures since then: the store may not have had them yet
    /// when it answered (one written meanwhile may so count twice: refused early, never late).
    fn adopt(&mut self, ages: Vec<Duration>, asked: Instant, now: Instant, limit: usize) {
        let mut all: Vec<Instant> = ages
            .into_iter()
            .filter_map(|age| now.checked_sub(age))
            .chain(self.failures.iter().copied().filter(|t| *t >= asked))
            .collect();
        all.sort_unstable();
        let skip = all.len().saturating_sub(limit);
        self.failures = all.into_iter().skip(skip).collect();
    }

    fn latest(&self) -> Option<Instant> {
        self.failures.back().copied()
    }
}

/// The entries of one kind of key, at most `cap` of them.
struct Failures<K> {
    map: HashMap<K, Entry>,
    cap: usize,
}

impl<K: Hash + Eq + Clone> Failures<K> {
    fn new(cap: usize) -> Self {
        Failures {
            map: HashMap::new(),
            cap: cap.max(1),
        }
    }

    /// Whether `key` is refused now: its failures in the window and its attempts in flight
    /// reach `limit`.
    fn blocked(
        &mut self,
        key: &K,
        limit: usize,
        window: Duration,
        now: Instant,
    ) -> Option<Refused> {
        if limit == 0 {
            return None;
        }
        let entry = self.map.get_mut(key)?;
        entry.forget_expired(window, now);
        if entry.failures.len() + entry.reserved < limit {
            return None;
        }
        if entry.failures.len() >= limit {
            // Refused until the oldest of the last `limit` failures leaves the window.
            let oldest = entry.failures[entry.failures.len() - limit];
            let wait = (oldest + window).saturating_duration_since(now);
            Some(Refused::For(wait.max(Duration::from_secs(1))))
        } else {
            Some(Refused::Busy)
        }
    }

    /// The entry of `key`, made room for when it is new and the map is full.
    fn entry(&mut self, key: &K, window: Duration, now: Instant) -> &mut Entry {
        if !self.map.contains_key(key) && self.map.len() >= self.cap {
            self.make_room(window, now);
        }
        self.map.entry(key.clone()).or_default()
    }

    /// Sweeps out idle entries; if that frees less than a tenth of the map, evicts the
    /// entries whose latest failure is oldest until a tenth is free (amortised: one pass per
    /// tenth of `cap` new keys).
    fn make_room(&mut self, window: Duration, now: Instant) {
        self.map.retain(|_, e| !e.idle(window, now));
        let target = self.cap - (self.cap / 10).max(1);
        if self.map.len() <= target {
            return;
        }
        let mut ages: Vec<(Option<Instant>, K)> = self
            .map
            .iter()
            .map(|(k, e)| (e.latest(), k.clone()))
            .collect();
        let excess = self.map.len() - target;
        // `None` (only attempts in flight) sorts first: those entries are the newest.
        ages.sort_unstable_by_key(|(latest, _)| latest.map_or(now, |t| t));
        for (_, key) in ages.into_iter().take(excess) {
            self.map.remove(&key);
        }
    }

    fn reserve(&mut self, key: &K, limit: usize, window: Duration, now: Instant) {
        if limit > 0 {
            self.entry(key, window, now).reserved += 1;
        }
    }

    /// Ends an attempt in flight: counted as a failure at `failed` when given.
    fn settle(&mut self, key: &K, limit: usize, failed: Option<Instant>, window: Duration) {
        if limit == 0 {
            return;
        }
        let Some(entry) = self.map.get_mut(key) else {
            return; // evicted meanwhile
        };
        entry.reserved = entry.reserved.saturating_sub(1);
        if let Some(now) = failed {
            entry.forget_expired(window, now);
            entry.failures.push_back(now);
            while entry.failures.len() > limit {
                entry.failures.pop_front();
            }
        }
    }
}

struct Counts {
    by_addr: Failures<IpAddr>,
    by_number: Failures<String>,
}

/// Failed attempts per client address (by `super::addr_key`) and per number.
pub struct Throttle {
    limits: Limits,
    counts: Mutex<Counts>,
    /// Told whenever an attempt in flight ends (for the attempts waiting on it).
    settled: tokio::sync::Notify,
    /// `MAX_QUEUE_WAIT` (shorter in tests).
    queue_wait: Duration,
}

/// An attempt in flight: `failed` counts it, dropping it (or `succeeded`) releases it.
#[must_use = "a reservation is released when dropped"]
pub struct Reservation<'a> {
    throttle: &'a Throttle,
    addr: Option<IpAddr>,
    number: String,
    settled: bool,
}

impl Reservation<'_> {
    /// The attempt failed (a wrong code or mobile, or no such number): it counts.
    pub fn failed(mut self) {
        self.settle(Some(Instant::now()));
    }

    /// The attempt opened the gate: it does not count.
    pub fn succeeded(mut self) {
        self.settle(None);
    }

    #[cfg(test)]
    fn failed_at(mut self, at: Instant) {
        self.settle(Some(at));
    }

    fn settle(&mut self, failed: Option<Instant>) {
        if !std::mem::replace(&mut self.settled, true) {
            self.throttle.settle(self.addr, &self.number, failed);
        }
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        self.settle(None);
    }
}

impl Throttle {
    pub fn new(limits: Limits) -> Throttle {
        Throttle::with_cap(limits, MAX_KEYS)
    }

    fn with_cap(limits: Limits, cap: usize) -> Throttle {
        Throttle {
            limits,
            counts: Mutex::new(Counts {
                by_addr: Failures::new(cap),
                by_number: Failures::new(cap),
            }),
            settled: tokio::sync::Notify::new(),
            queue_wait: MAX_QUEUE_WAIT,
        }
    }

    /// The process's throttle, with the limits of the environment.
    pub fn global() -> &'static Throttle {
        static GLOBAL: OnceLock<Throttle> = OnceLock::new();
        GLOBAL.get_or_init(|| Throttle::new(Limits::from_env()))
    }

    /// Reserves an attempt at `number` from `addr` (already a key: `super::addr_key`), or
    /// how long it is refused. While only attempts in flight fill a limit, waits for them
    /// (at most `MAX_QUEUE_WAIT`).
    pub async fn reserve(
        &self,
        addr: Option<IpAddr>,
        number: &str,
    ) -> Result<Reservation<'_>, Duration> {
        let deadline = tokio::time::Instant::now() + self.queue_wait;
        loop {
            if let Some(shared) = shared::get() {
                self.adopt(shared, addr, number).await;
            }
            // Listening before deciding, so that an attempt ending in between is not missed.
            let settled = self.settled.notified();
            tokio::pin!(settled);
            settled.as_mut().enable();
            match self.try_reserve(addr, number) {
                Ok(reservation) => return Ok(reservation),
                Err(Refused::For(wait)) => return Err(wait),
                Err(Refused::Busy) => {
                    if tokio::time::timeout_at(deadline, settled).await.is_err() {
                        return Err(IN_FLIGHT_WAIT);
                    }
                }
            }
        }
    }

    /// Takes the shared store's latest failures of `addr` and `number` as this node's own
    /// (they include this node's, once written), unless the store does not answer.
    async fn adopt(&self, shared: &Shared, addr: Option<IpAddr>, number: &str) {
        let l = self.limits;
        let asked = Instant::now();
        let by_addr = match addr {
            Some(a) if l.per_addr > 0 => {
                recent_or_warn(shared, Kind::Addr, &a.to_string(), l.per_addr, l.window).await
            }
            _ => None,
        };
        let by_number = if l.per_number > 0 {
            recent_or_warn(shared, Kind::Number, number, l.per_number, l.window).await
        } else {
            None
        };
        let now = Instant::now();
        let mut counts = self.counts.lock().expect("throttle lock");
        if let (Some(a), Some(ages)) = (addr, by_addr) {
            let entry = counts.by_addr.entry(&a, l.window, now);
            entry.adopt(ages, asked, now, l.per_addr);
        }
        if let Some(ages) = by_number {
            let entry = counts.by_number.entry(&number.to_string(), l.window, now);
            entry.adopt(ages, asked, now, l.per_number);
        }
    }

    /// Writes a failure of `addr` at `number` to the shared store, when there is one: before
    /// `Reservation::failed`, so that a failure this node counts is in the store already
    /// (what `Entry::adopt` relies on), and before the answer (the next attempt, at any
    /// node, sees it).
    pub async fn share_failure(&self, addr: Option<IpAddr>, number: &str) {
        let Some(shared) = shared::get() else {
            return;
        };
        let l = self.limits;
        if let (Some(a), true) = (addr, l.per_addr > 0) {
            record_or_warn(shared, Kind::Addr, &a.to_string(), l.window).await;
        }
        if l.per_number > 0 {
            record_or_warn(shared, Kind::Number, number, l.window).await;
        }
    }

    /// Reserves an attempt now, or why not. The check and the reservation are one step.
    pub fn try_reserve(
        &self,
        addr: Option<IpAddr>,
        number: &str,
    ) -> Result<Reservation<'_>, Refused> {
        self.reserve_at(addr, number, Instant::now())
    }

    fn reserve_at(
        &self,
        addr: Option<IpAddr>,
        number: &str,
        now: Instant,
    ) -> Result<Reservation<'_>, Refused> {
        let l = self.limits;
        let number = number.to_string();
        let mut counts = self.counts.lock().expect("throttle lock");
        let by_addr = addr.and_then(|a| counts.by_addr.blocked(&a, l.per_addr, l.window, now));
        let by_number = counts
            .by_number
            .blocked(&number, l.per_number, l.window, now);
        if let Some(refused) = by_addr.into_iter().chain(by_number).reduce(Refused::max) {
            return Err(refused);
        }
        if let Some(a) = addr {
            counts.by_addr.reserve(&a, l.per_addr, l.window, now);
        }
        counts
            .by_number
            .reserve(&number, l.per_number, l.window, now);
        Ok(Reservation {
            throttle: self,
            addr,
            number,
            settled: false,
        })
    }

    fn settle(&self, addr: Option<IpAddr>, number: &str, failed: Option<Instant>) {
        let l = self.limits;
        let mut counts = self.counts.lock().expect("throttle lock");
        if let Some(a) = addr {
            counts.by_addr.settle(&a, l.per_addr, failed, l.window);
        }
        counts
            .by_number
            .settle(&number.to_string(), l.per_number, failed, l.window);
        drop(counts);
        self.settled.notify_waiters();
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

    /// One failed attempt at `now`, which must be allowed.
    fn fail(t: &Throttle, addr: Option<IpAddr>, number: &str, now: Instant) {
        t.reserve_at(addr, number, now)
            .expect("allowed")
            .failed_at(now);
    }

    fn check(t: &Throttle, addr: Option<IpAddr>, number: &str, now: Instant) -> Option<Duration> {
        match t.reserve_at(addr, number, now) {
            Ok(_) => None,
            Err(Refused::For(wait)) => Some(wait),
            Err(Refused::Busy) => panic!("nothing is in flight"),
        }
    }

    #[test]
    fn an_address_is_refused_after_its_limit_until_the_window_passes() {
        let t = throttle(3, 100);
        let t0 = Instant::now();
        for i in 0..3 {
            assert_eq!(check(&t, ip("10.0.0.1"), A, t0), None, "before failure {i}");
            fail(
                &t,
                ip("10.0.0.1"),
                if i % 2 == 0 { A } else { B },
                t0 + Duration::from_secs(i),
            );
        }
        // Any number, from that address.
        let wait = check(&t, ip("10.0.0.1"), B, t0 + Duration::from_secs(10)).expect("refused");
        assert_eq!(
            wait,
            Duration::from_secs(590),
            "until the first failure is 600 s old"
        );
        assert_eq!(
            check(&t, ip("10.0.0.2"), B, t0 + Duration::from_secs(10)),
            None
        );
        // Once the first failure leaves the window, two remain: allowed again.
        assert_eq!(
            check(&t, ip("10.0.0.1"), A, t0 + Duration::from_secs(600)),
            None
        );
        // A new failure then refuses again, until the second is 600 s old.
        fail(&t, ip("10.0.0.1"), A, t0 + Duration::from_secs(600));
        assert_eq!(
            check(&t, ip("10.0.0.1"), A, t0 + Duration::from_secs(600)),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn a_number_is_refused_from_every_address() {
        let t = throttle(100, 2);
        let t0 = Instant::now();
        fail(&t, ip("10.0.0.1"), A, t0);
        assert_eq!(check(&t, ip("10.0.0.9"), A, t0), None);
        fail(&t, ip("10.0.0.2"), A, t0);
        assert!(check(&t, ip("10.0.0.9"), A, t0).is_some());
        assert!(check(&t, None, A, t0).is_some());
        assert_eq!(check(&t, ip("10.0.0.9"), B, t0), None, "another number");
    }

    #[test]
    fn zero_turns_a_count_off() {
        let t = throttle(0, 0);
        let t0 = Instant::now();
        for _ in 0..100 {
            fail(&t, ip("10.0.0.1"), A, t0);
        }
        assert_eq!(check(&t, ip("10.0.0.1"), A, t0), None);
        let counts = t.counts.lock().unwrap();
        assert!(counts.by_addr.map.is_empty() && counts.by_number.map.is_empty());
    }

    #[test]
    fn attempts_in_flight_hold_their_place_until_settled() {
        let t = throttle(100, 3);
        // Three in flight at once: a fourth is refused before any of them has an answer.
        let held: Vec<_> = (0..3)
            .map(|_| t.try_reserve(ip("10.0.0.1"), A).expect("allowed"))
            .collect();
        assert_eq!(t.try_reserve(ip("10.0.0.2"), A).err(), Some(Refused::Busy));
        let mut held = held.into_iter();
        // A success releases its place, a failure keeps it, a dropped attempt releases it.
        held.next().unwrap().succeeded();
        let again = t
            .try_reserve(ip("10.0.0.2"), A)
            .expect("a place was released");
        held.next().unwrap().failed();
        drop(held.next());
        again.failed();
        let r = t
            .try_reserve(ip("10.0.0.3"), A)
            .expect("two failures, nothing in flight");
        r.failed();
        match t.try_reserve(ip("10.0.0.4"), A).err() {
            Some(Refused::For(wait)) => assert!(wait > Duration::from_secs(590), "{wait:?}"),
            other => panic!("three failures: {other:?}"),
        }
    }

    /// 60 attempts at once, each taking 20 ms: how many were let through.
    async fn sixty_at_once(t: &'static Throttle, succeed: bool) -> usize {
        let tasks: Vec<_> = (0..60)
            .map(|_| {
                tokio::spawn(async move {
                    let Ok(r) = t.reserve(ip("10.0.0.1"), A).await else {
                        return 0;
                    };
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    if succeed {
                        r.succeeded()
                    } else {
                        r.failed()
                    }
                    1
                })
            })
            .collect();
        let mut answered = 0;
        for task in tasks {
            answered += task.await.unwrap();
        }
        answered
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn parallel_guesses_never_run_past_the_limit_but_right_answers_wait() {
        let t: &'static Throttle = Box::leak(Box::new(throttle(1000, 10)));
        assert_eq!(
            sixty_at_once(t, true).await,
            60,
            "every right answer gets through"
        );
        assert_eq!(
            sixty_at_once(t, false).await,
            10,
            "wrong guesses: the limit"
        );
        assert!(matches!(t.try_reserve(None, A), Err(Refused::For(_))));
    }

    #[tokio::test]
    async fn waiting_for_attempts_in_flight_has_an_end() {
        let mut t = throttle(1, 100);
        t.queue_wait = Duration::from_millis(50);
        let held = t.try_reserve(ip("10.0.0.1"), A).expect("allowed");
        assert_eq!(
            t.reserve(ip("10.0.0.1"), B).await.err(),
            Some(IN_FLIGHT_WAIT)
        );
        drop(held);
        assert!(t.reserve(ip("10.0.0.1"), B).await.is_ok());
    }

    #[test]
    fn the_maps_are_bounded_whatever_the_number_of_keys() {
        let t = Throttle::with_cap(
            Limits {
                per_addr: 3,
                per_number: 3,
                window: Duration::from_secs(600),
            },
            100,
        );
        let t0 = Instant::now();
        // 1,000 numbers fail once each, a millisecond apart: at most 100 are kept, the
        // latest ones.
        for i in 0..1000u64 {
            let now = t0 + Duration::from_millis(i);
            t.reserve_at(None, &format!("{i:018}"), now)
                .expect("new number")
                .failed_at(now);
        }
        let counts = t.counts.lock().unwrap();
        assert!(
            counts.by_number.map.len() <= 100,
            "{}",
            counts.by_number.map.len()
        );
        assert!(
            counts.by_number.map.contains_key(&format!("{:018}", 999)),
            "the newest stays"
        );
        assert!(
            !counts.by_number.map.contains_key(&format!("{:018}", 0)),
            "the oldest went"
        );
        drop(counts);
        // Expired entries are swept before anything current is evicted.
        let later = t0 + Duration::from_secs(601);
        let r = t.reserve_at(None, A, later).expect("allowed");
        drop(r);
        assert!(t.counts.lock().unwrap().by_number.map.len() <= 1);
    }
}
