//! A rate limit on new things per client address: at most `limit` within a sliding `window`
//! (complaint filing: anonymous complaints take numbers from the day's series that cases
//! share, so one address must not be able to use the series up).
//!
//! - `take` checks and counts in one step under one lock, so parallel requests never get
//!   past the limit.
//! - Addresses are counted by `super::addr_key` (IPv6 per /64), by the caller.
//! - Bounded memory as the gate's failure counts (`super::throttle`): at most `MAX_KEYS`
//!   addresses, each with at most `limit` times; idle ones are swept out first, then the
//!   tenth whose latest use is oldest.
//! - In this process's memory, or, when a shared store is installed (`super::shared`), in
//!   that store, checked and counted there in one step: nodes behind one proxy share one
//!   limit.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::shared::{self, Kind};
pub use super::throttle::MAX_KEYS;

pub struct RateLimit {
    /// Uses per address within `window` (0: unlimited).
    limit: usize,
    window: Duration,
    cap: usize,
    uses: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl RateLimit {
    pub fn new(limit: usize, window: Duration) -> RateLimit {
        RateLimit::with_cap(limit, window, MAX_KEYS)
    }

    fn with_cap(limit: usize, window: Duration, cap: usize) -> RateLimit {
        RateLimit {
            limit,
            window: window.max(Duration::from_secs(1)),
            cap: cap.max(1),
            uses: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one use by `addr`, or how long it must wait: in the shared store when there
    /// is one (in this process's memory while it does not answer).
    pub async fn take(&self, addr: IpAddr) -> Result<(), Duration> {
        if let Some(shared) = shared::get().filter(|_| self.limit > 0) {
            match shared
                .take(Kind::Complaint, &addr.to_string(), self.limit, self.window)
                .await
            {
                Ok(taken) => return taken,
                Err(e) => tracing::warn!(
                    "the shared complaint count cannot be used; counting on this node alone: {e:#}"
                ),
            }
        }
        self.take_at(addr, Instant::now())
    }

    fn take_at(&self, addr: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.limit == 0 {
            return Ok(());
        }
        let window = self.window;
        let mut uses = self.uses.lock().expect("rate limit lock");
        if !uses.contains_key(&addr) && uses.len() >= self.cap {
            make_room(&mut uses, self.cap, window, now);
        }
        let times = uses.entry(addr).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            times.pop_front();
        }
        if times.len() >= self.limit {
            let oldest = times[times.len() - self.limit];
            let wait = (oldest + window).saturating_duration_since(now);
            return Err(wait.max(Duration::from_secs(1)));
        }
        times.push_back(now);
        while times.len() > self.limit {
            times.pop_front();
        }
        Ok(())
    }
}

/// Drops the addresses whose uses have all left the window; if that frees less than a tenth
/// of `cap`, those whose latest use is oldest.
fn make_room(
    uses: &mut HashMap<IpAddr, VecDeque<Instant>>,
    cap: usize,
    window: Duration,
    now: Instant,
) {
    uses.retain(|_, t| t.back().is_some_and(|t| now.duration_since(*t) < window));
    let target = cap - (cap / 10).max(1);
    if uses.len() <= target {
        return;
    }
    let mut ages: Vec<(Instant, IpAddr)> = uses
        .iter()
        .map(|(a, t)| (t.back().copied().unwrap_or(now), *a))
        .collect();
    ages.sort_unstable();
    for (_, addr) in ages.into_iter().take(uses.len() - target) {
        uses.remove(&addr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u32) -> IpAddr {
        IpAddr::from(std::net::Ipv4Addr::from(n))
    }

    #[test]
    fn refuses_past_the_limit_until_the_window_moves_on() {
        let r = RateLimit::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(r.take_at(ip(1), t0), Ok(()));
        }
        let wait = r.take_at(ip(1), t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        assert_eq!(
            r.take_at(ip(2), t0),
            Ok(()),
            "another address is not affected"
        );
        assert_eq!(r.take_at(ip(1), t0 + Duration::from_secs(60)), Ok(()));
    }

    #[test]
    fn zero_is_unlimited() {
        let r = RateLimit::new(0, Duration::from_secs(60));
        for _ in 0..100 {
            assert_eq!(r.take_at(ip(1), Instant::now()), Ok(()));
        }
    }

    #[test]
    fn memory_is_bounded() {
        let r = RateLimit::with_cap(2, Duration::from_secs(60), 100);
        let t0 = Instant::now();
        for n in 0..10_000 {
            r.take_at(ip(n), t0 + Duration::from_millis(u64::from(n)))
                .unwrap();
        }
        assert!(r.uses.lock().unwrap().len() <= 100);
    }
}
