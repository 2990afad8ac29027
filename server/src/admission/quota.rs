//! The upload quota: bytes received per client address (by `gate::addr_key`, so IPv6 per
//! /64) over a rolling window. Bytes are charged as they arrive, whether or not the upload
//! is stored in the end, so a client cannot send without limit by breaking off each file.
//!
//! - Bytes are kept in spans of a thirty-second of the window (a span starts with its
//!   first bytes and leaves the window whole), so an address holds at most 33 spans, and a
//!   span's bytes are forgotten up to 1/32 of the window early.
//! - Bounded memory: at most `MAX_KEYS` addresses. When a new one comes and the map is
//!   full, addresses with nothing in the window are swept out; if that frees less than a
//!   tenth, the tenth whose latest bytes are oldest are forgotten.
//! - The counts live in this process's memory (as the gate's do): a restart forgets them.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most addresses the quota tracks.
pub const MAX_KEYS: usize = 65_536;
/// A window is split into this many spans.
const SPANS: u32 = 32;

#[derive(Default)]
struct Usage {
    /// (start, bytes), oldest first.
    spans: VecDeque<(Instant, u64)>,
    total: u64,
}

impl Usage {
    fn forget_expired(&mut self, window: Duration, now: Instant) {
        while let Some(&(start, bytes)) = self.spans.front() {
            if now.duration_since(start) < window {
                break;
            }
            self.total -= bytes;
            self.spans.pop_front();
        }
    }

    /// How long until the total is below `limit` again.
    fn wait_below(&self, limit: u64, window: Duration, now: Instant) -> Duration {
        let mut total = self.total;
        for &(start, bytes) in &self.spans {
            total -= bytes;
            if total < limit {
                return (start + window).saturating_duration_since(now);
            }
        }
        Duration::ZERO
    }

    fn latest(&self) -> Option<Instant> {
        self.spans.back().map(|(t, _)| *t)
    }
}

/// Bytes per client address within the window; a limit of 0 turns the quota off.
pub struct Quota {
    limit: u64,
    window: Duration,
    cap: usize,
    usage: Mutex<HashMap<IpAddr, Usage>>,
}

impl Quota {
    pub fn new(limit: u64, window: Duration) -> Quota {
        Quota::with_cap(limit, window, MAX_KEYS)
    }

    fn with_cap(limit: u64, window: Duration, cap: usize) -> Quota {
        Quota {
            limit,
            window: window.max(Duration::from_secs(1)),
            cap: cap.max(1),
            usage: Mutex::default(),
        }
    }

    /// Whether `addr` may start an upload now: refused for the returned time when its
    /// quota is used up.
    pub fn check(&self, addr: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.limit == 0 {
            return Ok(());
        }
        let mut map = self.usage.lock().expect("upload quota");
        let Some(usage) = map.get_mut(&addr) else {
            return Ok(());
        };
        usage.forget_expired(self.window, now);
        if usage.total < self.limit {
            return Ok(());
        }
        Err(refusal(usage.wait_below(self.limit, self.window, now)))
    }

    /// Counts `bytes` just received from `addr`; refused (the bytes counted all the same)
    /// once the address has sent more than its quota within the window.
    pub fn charge(&self, addr: IpAddr, bytes: u64, now: Instant) -> Result<(), Duration> {
        if self.limit == 0 || bytes == 0 {
            return Ok(());
        }
        let mut map = self.usage.lock().expect("upload quota");
        if !map.contains_key(&addr) && map.len() >= self.cap {
            self.make_room(&mut map, now);
        }
        let usage = map.entry(addr).or_default();
        usage.forget_expired(self.window, now);
        let span = self.window / SPANS;
        match usage.spans.back_mut() {
            Some((start, sum)) if now.duration_since(*start) < span => *sum += bytes,
            _ => usage.spans.push_back((now, bytes)),
        }
        usage.total += bytes;
        if usage.total <= self.limit {
            return Ok(());
        }
        Err(refusal(usage.wait_below(self.limit + 1, self.window, now)))
    }

    fn make_room(&self, map: &mut HashMap<IpAddr, Usage>, now: Instant) {
        map.retain(|_, u| {
            u.forget_expired(self.window, now);
            u.total > 0
        });
        let target = self.cap - (self.cap / 10).max(1);
        if map.len() <= target {
            return;
        }
        let mut ages: Vec<(Instant, IpAddr)> = map
            .iter()
            .map(|(a, u)| (u.latest().unwrap_or(now), *a))
            .collect();
        ages.sort_unstable_by_key(|(t, _)| *t);
        let excess = map.len() - target;
        for (_, addr) in ages.into_iter().take(excess) {
            map.remove(&addr);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.usage.lock().unwrap().len()
    }
}

/// At least a second, so that `Retry-After` never says 0.
fn refusal(wait: Duration) -> Duration {
    wait.max(Duration::from_secs(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(n: u32) -> IpAddr {
        IpAddr::from(n.to_be_bytes())
    }

    #[test]
    fn refuses_past_the_quota_until_bytes_leave_the_window() {
        let window = Duration::from_secs(320);
        let q = Quota::new(1000, window);
        let t0 = Instant::now();
        assert_eq!(q.check(addr(1), t0), Ok(()));
        assert_eq!(q.charge(addr(1), 600, t0), Ok(()));
        let t1 = t0 + Duration::from_secs(100);
        assert_eq!(q.charge(addr(1), 400, t1), Ok(()));
        // Exactly the quota: no new upload starts.
        let wait = q.check(addr(1), t1).unwrap_err();
        assert_eq!(wait, Duration::from_secs(220));
        // Another address is not affected.
        assert_eq!(q.check(addr(2), t1), Ok(()));
        assert_eq!(q.charge(addr(2), 1000, t1), Ok(()));
        assert!(q.charge(addr(2), 1, t1).is_err());
        // Once the first span has left the window, there is room again.
        assert_eq!(q.check(addr(1), t0 + window), Ok(()));
    }

    #[test]
    fn zero_turns_it_off() {
        let q = Quota::new(0, Duration::from_secs(60));
        let now = Instant::now();
        assert_eq!(q.charge(addr(1), u64::MAX / 2, now), Ok(()));
        assert_eq!(q.check(addr(1), now), Ok(()));
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn spans_bound_each_address_and_the_map_is_bounded() {
        let window = Duration::from_secs(3200);
        let q = Quota::with_cap(u64::MAX, window, 100);
        let t0 = Instant::now();
        for s in 0..10_000u64 {
            let _ = q.charge(addr(1), 1, t0 + Duration::from_secs(s));
        }
        let spans = q.usage.lock().unwrap()[&addr(1)].spans.len();
        assert!(spans <= SPANS as usize + 1, "{spans} spans");
        for n in 0..1000 {
            let _ = q.charge(addr(n + 10), 1, t0 + Duration::from_secs(10_000));
        }
        assert!(q.len() <= 100, "{} addresses", q.len());
    }
}
