//! A kiosk session: one visitor, from the first touch after the kiosk's start to its end.
//! A visitor who walks away is warned after `idle_seconds` without a touch
//! (`components::countdown`), and `countdown_seconds` later the session ends; the finish
//! page ends it too. Ending is a full reload of the attract screen after clearing what
//! the page can reach, so no answer, upload, code, storage entry, cookie, elderly mode or
//! language choice of this visitor reaches the next. (The enrolment cookie is `HttpOnly`
//! and the device's, not the visitor's: no page script can see it.)

use std::cell::Cell;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::mode::Mode;

thread_local! {
    /// When the visitor last touched the screen (ms since the epoch); `None` until the first
    /// touch: an untouched attract screen has nothing to wipe.
    static LAST_TOUCH: Cell<Option<f64>> = const { Cell::new(None) };
    static ENDING: Cell<bool> = const { Cell::new(false) };
}

/// The countdown's "end now" button: the one touch that does not extend the session.
pub const END_NOW_SELECTOR: &str = "[data-end-now]";

/// Counts every touch, key and scan as the visitor being there, for the kiosk's life.
pub fn watch() {
    let touched = |ev: web_sys::Event| {
        let ends = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest(END_NOW_SELECTOR).ok().flatten())
            .is_some();
        if !ends {
            touch();
        }
    };
    for name in ["pointerdown", "keydown", "wheel", "input"] {
        let handle = window_event_listener_untyped(name, touched);
        // The kiosk's page lives as long as the session; the reload ends both.
        std::mem::forget(handle);
    }
}

/// The visitor is here now.
pub fn touch() {
    LAST_TOUCH.with(|t| t.set(Some(js_sys::Date::now())));
}

/// Seconds since the last touch, or `None` before the first.
pub fn idle_seconds() -> Option<f64> {
    LAST_TOUCH
        .with(Cell::get)
        .map(|t| (js_sys::Date::now() - t) / 1000.0)
}

/// Ends the session: clears the page's storage and cookies, then loads the attract screen
/// in place of the current history entry.
pub fn end() {
    if ENDING.with(|e| e.replace(true)) {
        return;
    }
    let w = window();
    for storage in [w.local_storage(), w.session_storage()] {
        if let Ok(Some(s)) = storage {
            let _ = s.clear();
        }
    }
    if let Ok(doc) = document().dyn_into::<web_sys::HtmlDocument>() {
        let cookies = doc.cookie().unwrap_or_default();
        for name in cookies.split(';').filter_map(|c| c.split('=').next()) {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            for path in ["/", Mode::Kiosk.base(), "/api/v1"] {
                let _ = doc.set_cookie(&format!(
                    "{name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path={path}"
                ));
            }
        }
    }
    let _ = w.location().replace(&Mode::Kiosk.href("/"));
}
