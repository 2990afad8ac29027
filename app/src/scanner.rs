//! The kiosk's QR/barcode scanner: a USB scanner types what it reads like a very fast
//! keyboard, ending with Enter. A burst like that on the attract, home or lookup screen,
//! holding a tracking URL or an acceptance number, opens the case. A scanned code is held
//! in memory (`crate::codes`), never put into the kiosk's address.

use std::cell::RefCell;
use std::rc::Rc;

use api_client::checks::{normalise_query_code, AcceptanceNumber};
use leptos::prelude::*;

/// Keys closer together than this are a scanner, not a person.
const BURST_GAP_MS: f64 = 60.0;

/// What a scan read: an acceptance number, with the query code when it was a receipt's QR.
#[derive(Debug, PartialEq)]
pub struct Scanned {
    pub number: String,
    pub code: Option<String>,
}

impl Scanned {
    /// The kiosk page the scan opens (holding its code for that page): the case, or the
    /// lookup screen with the number filled in.
    pub fn target(&self) -> String {
        match &self.code {
            Some(code) => {
                let path = format!("/track/{}", self.number);
                crate::codes::href(crate::Mode::Kiosk, &path, &self.number, code)
            }
            None => crate::Mode::Kiosk.href(&format!("/track?n={}", self.number)),
        }
    }
}

/// Reads a scan: a tracking URL (`…/track/{number}?c={code}`) or a bare number.
pub fn read(scanned: &str) -> Option<Scanned> {
    let text = scanned.trim();
    if let Some(rest) = text.split("/track/").nth(1) {
        let (number, query) = rest.split_once('?').unwrap_or((rest, ""));
        let number = AcceptanceNumber::parse(number).ok()?;
        let code = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("c="))
            .and_then(normalise_query_code);
        return Some(Scanned {
            number: number.compact().to_string(),
            code,
        });
    }
    AcceptanceNumber::parse(text).ok().map(|n| Scanned {
        number: n.compact().to_string(),
        code: None,
    })
}

/// Whether the kiosk listens for scans on `path`: its attract (home) and lookup screens.
fn listens_on(path: &str) -> bool {
    path == "/kiosk" || path == "/kiosk/" || path.starts_with("/kiosk/track")
}

/// Listens for scanner bursts while the calling component lives; `open` navigates.
pub fn listen(open: impl Fn(&str) + 'static) {
    let buffer = Rc::new(RefCell::new((String::new(), 0.0f64)));
    let handle = window_event_listener(leptos::ev::keydown, move |ev: web_sys::KeyboardEvent| {
        let now = ev.time_stamp();
        let mut b = buffer.borrow_mut();
        if now - b.1 > BURST_GAP_MS {
            b.0.clear();
        }
        b.1 = now;
        let key = ev.key();
        if key == "Enter" {
            let scanned = std::mem::take(&mut b.0);
            let path = window().location().pathname().unwrap_or_default();
            if listens_on(&path) && scanned.chars().count() >= 18 {
                if let Some(scan) = read(&scanned) {
                    ev.prevent_default();
                    drop(b);
                    open(&scan.target());
                }
            }
        } else if key.chars().count() == 1 {
            b.0.push_str(&key);
        }
    });
    on_cleanup(move || handle.remove());
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn a_tracking_url_or_a_number_leads_to_the_case_with_no_code_in_the_address() {
        let n = AcceptanceNumber::new("440113", "261122", 17).unwrap();
        let url = format!("http://hall.example/track/{}?c=ABC234", n.compact());
        let scan = read(&url).unwrap();
        assert_eq!(scan.code.as_deref(), Some("ABC234"));
        assert_eq!(scan.target(), format!("/kiosk/track/{}", n.compact()));
        assert_eq!(
            crate::codes::code_for(None, n.compact()).as_deref(),
            Some("ABC234")
        );
        assert_eq!(
            read(&n.grouped()).unwrap().target(),
            format!("/kiosk/track?n={}", n.compact())
        );
        assert_eq!(read("hello world, not a number"), None);
        assert!(listens_on("/kiosk/") && listens_on("/kiosk/track/1"));
        assert!(!listens_on("/kiosk/services/x/apply"));
    }
}
