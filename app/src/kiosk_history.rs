//! The kiosk's history. Strangers use a hall terminal one after another, so the browser's
//! history must never hold an earlier visitor's page: every navigation inside the kiosk
//! replaces the current entry (`history.length` stays what it was at boot), and the kiosk's
//! own Back button walks `Trail`, this visit's pages in memory, which the reload that ends
//! a visit empties.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

/// The most pages Back can return through; older ones are forgotten.
const MAX_TRAIL: usize = 50;

/// Makes `history.pushState` replace the current entry instead, for the router and any
/// other caller alike.
pub fn replace_only() {
    let Ok(history) = window().history() else {
        return;
    };
    let replace = js_sys::Reflect::get(&history, &JsValue::from_str("replaceState"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(replace) = replace {
        let bound = replace.bind0(&history);
        let _ = js_sys::Reflect::set(&history, &JsValue::from_str("pushState"), &bound);
    }
}

/// This visit's pages, oldest first.
#[derive(Clone, Copy)]
pub struct Trail(StoredValue<Vec<String>>);

impl Trail {
    pub fn provide() {
        provide_context(Trail(StoredValue::new(Vec::new())));
    }

    pub fn get() -> Trail {
        expect_context::<Trail>()
    }

    /// Notes that the visitor is at `here`.
    pub fn arrive(self, here: String) {
        self.0.update_value(|v| arrive(v, here));
    }

    /// Where Back leads: the page before this one (which becomes the current one), or
    /// `None` at the first page of the visit.
    pub fn back(self) -> Option<String> {
        self.0.try_update_value(back).flatten()
    }
}

fn arrive(trail: &mut Vec<String>, here: String) {
    if trail.len() >= 2 && trail[trail.len() - 2] == here {
        trail.pop();
    } else if trail.last() != Some(&here) {
        trail.push(here);
        if trail.len() > MAX_TRAIL {
            trail.remove(0);
        }
    }
}

fn back(trail: &mut Vec<String>) -> Option<String> {
    if trail.len() < 2 {
        return None;
    }
    trail.pop();
    trail.last().cloned()
}

#[cfg(test)]
mod tests {
    use super::{arrive, back, MAX_TRAIL};

    #[test]
    fn back_walks_this_visits_pages_and_stops_at_the_first() {
        let mut t = Vec::new();
        for p in ["/kiosk/", "/kiosk/guides", "/kiosk/services/a"] {
            arrive(&mut t, p.to_string());
        }
        arrive(&mut t, "/kiosk/services/a".to_string());
        assert_eq!(back(&mut t).as_deref(), Some("/kiosk/guides"));
        arrive(&mut t, "/kiosk/guides".to_string());
        assert_eq!(back(&mut t).as_deref(), Some("/kiosk/"));
        assert_eq!(back(&mut t), None);
        for i in 0..(MAX_TRAIL * 2) {
            arrive(&mut t, format!("/kiosk/p{i}"));
        }
        assert_eq!(t.len(), MAX_TRAIL);
    }
}
