//! Whether the central API answers. Every request made through `api::client()` reports
//! here; the first that cannot reach the server raises `components::offline_banner` and
//! starts probing the server with backoff until it answers again. Nothing on the page is
//! re-rendered meanwhile, so what the visitor typed stays where it is.

use std::cell::Cell;

use leptos::prelude::*;

/// Waits between probes: doubling from 1 s, at most 30 s.
const FIRST_PROBE_MS: u32 = 1_000;
const LONGEST_PROBE_MS: u32 = 30_000;

thread_local! {
    static DOWN: ArcRwSignal<bool> = ArcRwSignal::new(false);
    static PROBING: Cell<bool> = const { Cell::new(false) };
}

fn down() -> ArcRwSignal<bool> {
    DOWN.with(Clone::clone)
}

/// Whether the server is unreachable now (tracked).
pub fn is_down() -> bool {
    down().get()
}

/// What one request found: `reached` the server or not.
pub fn note(reached: bool) {
    let down = down();
    if down.get_untracked() == reached {
        down.set(!reached);
    }
    if !reached {
        probe_until_back();
    }
}

/// Asks the server again at once (the banner's button).
pub fn retry_now() {
    leptos::task::spawn_local(async {
        let _ = crate::api::client().config().await;
    });
}

fn probe_until_back() {
    if PROBING.with(|p| p.replace(true)) {
        return;
    }
    leptos::task::spawn_local(async {
        let mut wait = FIRST_PROBE_MS;
        while down().get_untracked() {
            gloo_timers::future::TimeoutFuture::new(wait).await;
            if !down().get_untracked() {
                break;
            }
            // Its answer (or its failure) is noted like any other request's.
            let _ = crate::api::client().config().await;
            wait = (wait * 2).min(LONGEST_PROBE_MS);
        }
        PROBING.with(|p| p.set(false));
    });
}
