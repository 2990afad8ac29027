//! The kiosk's QR/barcode scanner: a USB scanner types what it reads like a very fast
//! keyboard, ending with Enter. A burst like that on the home or lookup screen, holding a
//! tracking URL or an acceptance number, opens the case.

use std::cell::RefCell;
use std::rc::Rc;

use api_client::checks::{normalise_query_code, AcceptanceNumber};
use leptos::prelude::*;

/// Keys closer together than this are a scanner, not a person.
const BURST_GAP_MS: f64 = 60.0;

/// Where a scanned text leads: the case, or the lookup screen with the number filled in.
pub fn target_of(scanned: &str) -> Option<String> {
    let text = scanned.trim();
    if let Some(rest) = text.split("/track/").nth(1) {
        let (number, query) = rest.split_once('?').unwrap_or((rest, ""));
        let number = AcceptanceNumber::parse(number).ok()?;
        let code = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("c="))
            .and_then(normalise_query_code);
        return Some(match code {
            Some(c) => format!("/kiosk/track/{}?c={c}", number.compact()),
            None => format!("/kiosk/track?n={}", number.compact()),
        });
    }
    AcceptanceNumber::parse(text)
        .ok()
        .map(|n| format!("/kiosk/track?n={}", n.compact()))
}

/// Listens for scanner bursts for the whole kiosk session.
pub fn listen() {
    let buffer = Rc::new(RefCell::new((String::new(), 0.0f64)));
    let handle = window_event_listener(leptos::ev::keydown, move |ev: web_sys::KeyboardEvent| {
        let path = window().location().pathname().unwrap_or_default();
        let here = path == "/kiosk" || path == "/kiosk/" || path.starts_with("/kiosk/track");
        let now = ev.time_stamp();
        let mut b = buffer.borrow_mut();
        if now - b.1 > BURST_GAP_MS {
            b.0.clear();
        }
        b.1 = now;
        let key = ev.key();
        if key == "Enter" {
            let scanned = std::mem::take(&mut b.0);
            if here && scanned.chars().count() >= 18 {
                if let Some(to) = target_of(&scanned) {
                    ev.prevent_default();
                    let _ = window().location().assign(&to);
                }
            }
        } else if key.chars().count() == 1 {
            b.0.push_str(&key);
        }
    });
    // The listener lives as long as the kiosk page.
    std::mem::forget(handle);
}

#[cfg(test)]
mod tests {
    use super::target_of;

    #[test]
    fn a_tracking_url_or_a_number_leads_to_the_case() {
        let n = api_client::checks::AcceptanceNumber::new("440113", "261122", 17).unwrap();
        let url = format!("http://hall.example/track/{}?c=ABC234", n.compact());
        assert_eq!(
            target_of(&url),
            Some(format!("/kiosk/track/{}?c=ABC234", n.compact()))
        );
        assert_eq!(
            target_of(&n.grouped()),
            Some(format!("/kiosk/track?n={}", n.compact()))
        );
        assert_eq!(target_of("hello world, not a number"), None);
    }
}
