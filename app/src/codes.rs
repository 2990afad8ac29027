//! Query codes in the links between pages. The portal carries a code in the address
//! (`?c=`: the one secret the brief lets a URL hold, and what the receipt's QR opens). The
//! kiosk never does: the next stranger at the same screen must not find the last visitor's
//! code in the address bar or its history. There a code is held in memory for the visit,
//! under the number it opens, and the reload that ends the visit forgets it.

use std::cell::RefCell;
use std::collections::HashMap;

use api_client::checks::AcceptanceNumber;

use crate::mode::Mode;

thread_local! {
    static HELD: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

/// The compact form of a (case or complaint) number, so that a grouped one finds its code.
fn key(number: &str) -> String {
    AcceptanceNumber::parse(number)
        .map(|n| n.compact().to_string())
        .unwrap_or_else(|_| number.trim().to_string())
}

/// Keeps `code` for `number` for the rest of this page's life (the kiosk's visit).
pub fn hold(number: &str, code: &str) {
    HELD.with(|h| h.borrow_mut().insert(key(number), code.to_string()));
}

fn held(number: &str) -> Option<String> {
    HELD.with(|h| h.borrow().get(&key(number)).cloned())
}

/// The URL of the app path `path` (`/track/N`, `/complaints/new?case=N`) in this build, for
/// the case or complaint `number` opened with `code`.
pub fn href(mode: Mode, path: &str, number: &str, code: &str) -> String {
    if mode.is_kiosk() {
        hold(number, code);
        return mode.href(path);
    }
    let sep = if path.contains('?') { '&' } else { '?' };
    mode.href(&format!("{path}{sep}c={code}"))
}

/// The code that opened `number`: the address's `?c=` (`in_address`), else the one this
/// visit holds.
pub fn code_for(in_address: Option<String>, number: &str) -> Option<String> {
    in_address
        .filter(|c| !c.is_empty())
        .or_else(|| held(number))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn the_portal_puts_the_code_in_the_address_and_the_kiosk_never_does() {
        let n = AcceptanceNumber::new("440113", "261122", 17).unwrap();
        let path = format!("/track/{}", n.compact());
        assert_eq!(
            href(Mode::Portal, &path, n.compact(), "ABC234"),
            format!("{path}?c=ABC234")
        );
        assert_eq!(
            href(Mode::Portal, "/complaints/new?case=1", "1", "ABC234"),
            "/complaints/new?case=1&c=ABC234"
        );
        let kiosk = href(Mode::Kiosk, &path, n.compact(), "XYZ789");
        assert_eq!(kiosk, format!("/kiosk{path}"));
        // Held under the number whichever way it is written.
        assert_eq!(code_for(None, &n.grouped()).as_deref(), Some("XYZ789"));
        assert_eq!(
            code_for(Some("FROMQR".into()), n.compact()).as_deref(),
            Some("FROMQR")
        );
    }
}
