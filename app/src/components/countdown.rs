//! The warning before an idle kiosk session ends: after `idle_seconds` without a touch, an
//! overlay covers the page (a stranger walking up sees nothing of it), says what is about
//! to happen and counts down `countdown_seconds`. Any touch (on the overlay too, its
//! "carry on" button being only the obvious place) gives the visitor their page back; at zero, or on "finish now", the session ends
//! (`crate::kiosk_session::end`).

use leptos::prelude::*;

use crate::i18n::{k, t, tf};
use crate::kiosk_config::KioskSettings;
use crate::kiosk_session;

/// Seconds left before the session ends, or `None` while the visitor is still there.
fn seconds_left(idle: Option<f64>, idle_after: u32, countdown: u32) -> Option<u32> {
    let idle = idle?;
    let over = idle - f64::from(idle_after);
    if over < 0.0 {
        return None;
    }
    Some((f64::from(countdown) - over).ceil().max(0.0) as u32)
}

#[component]
pub fn IdleCountdown() -> impl IntoView {
    let settings = KioskSettings::get();
    let left = RwSignal::new(None::<u32>);
    let tick = gloo_timers::callback::Interval::new(250, move || {
        let (idle_after, countdown) =
            settings.with_untracked(|c| (c.idle_seconds, c.countdown_seconds));
        let now = seconds_left(kiosk_session::idle_seconds(), idle_after, countdown);
        if now == Some(0) {
            kiosk_session::end();
        }
        if left.get_untracked() != now {
            left.set(now);
        }
    });
    let tick = send_wrapper::SendWrapper::new(tick);
    on_cleanup(move || drop(tick));
    let stay = move |_| {
        kiosk_session::touch();
        left.set(None);
    };
    move || {
        left.get().map(|_| {
            view! {
                <div class="countdown" data-testid="countdown">
                    <div class="countdown__panel" role="alertdialog" aria-modal="true" aria-labelledby="countdown-title" aria-describedby="countdown-body">
                        <h2 class="countdown__title" id="countdown-title">{t(k::COUNTDOWN_TITLE)}</h2>
                        <p class="countdown__body" id="countdown-body">{t(k::COUNTDOWN_BODY)}</p>
                        <p class="countdown__seconds" data-testid="countdown-seconds" aria-hidden="true">
                            {move || left.get().map(|s| tf(k::COUNTDOWN_SECONDS, &[("seconds", &s.to_string())]))}
                        </p>
                        <div class="button-group">
                            <button type="button" class="button button--start" data-testid="countdown-stay" on:click=stay>{t(k::COUNTDOWN_STAY)}</button>
                            <button type="button" class="button button--secondary" data-testid="countdown-end" data-end-now="" on:click=|_| kiosk_session::end()>{t(k::COUNTDOWN_END)}</button>
                        </div>
                    </div>
                </div>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::seconds_left;

    #[test]
    fn the_countdown_starts_after_the_idle_time_and_ends_at_zero() {
        assert_eq!(seconds_left(None, 90, 30), None);
        assert_eq!(seconds_left(Some(89.9), 90, 30), None);
        assert_eq!(seconds_left(Some(90.0), 90, 30), Some(30));
        assert_eq!(seconds_left(Some(100.5), 90, 30), Some(20));
        assert_eq!(seconds_left(Some(120.0), 90, 30), Some(0));
        assert_eq!(seconds_left(Some(500.0), 90, 30), Some(0));
    }
}
