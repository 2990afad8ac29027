//! Kiosk hygiene that CSS cannot give: no context menu (a long press on a touchscreen opens
//! one too), no dragging of links and pictures, and no link that leaves the kiosk. A stranger
//! must not reach the portal, another site, a phone or mail application, or a browser
//! dialog from the hall's screen; the pages render such links as text in the kiosk, and this
//! refuses any that slips through. Installed once, when the kiosk boots (`mount_kiosk`).

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Event, HtmlAnchorElement, MouseEvent};

use api_client::bundles::KIOSK_PREFIX;

/// Whether a link to `origin` + `path`, opened in `target`, stays inside this kiosk
/// (`here` is the kiosk's own origin).
pub fn stays_inside(here: &str, origin: &str, path: &str, target: &str) -> bool {
    let in_kiosk = path == KIOSK_PREFIX
        || path
            .strip_prefix(KIOSK_PREFIX)
            .is_some_and(|rest| rest.starts_with('/'));
    origin == here && in_kiosk && (target.is_empty() || target == "_self")
}

fn refuse_outside_links(ev: MouseEvent) {
    let Some(link) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest("a[href]").ok().flatten())
    else {
        return;
    };
    let here = window_origin();
    let allowed = match link.dyn_ref::<HtmlAnchorElement>() {
        Some(a) => {
            !a.has_attribute("download")
                && stays_inside(&here, &a.origin(), &a.pathname(), &a.target())
        }
        // An SVG link, or anything else that navigates but is not an HTML anchor.
        None => false,
    };
    if !allowed {
        ev.prevent_default();
        // The router's own click handler must not see it either.
        ev.stop_propagation();
    }
}

fn window_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// Installs the guards for the life of the page.
pub fn install() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let prevent = |ev: Event| ev.prevent_default();
    for event in ["contextmenu", "dragstart"] {
        let handler = Closure::<dyn FnMut(Event)>::new(prevent);
        let _ = window.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
        handler.forget();
    }
    // Capture phase on the window: before any element's handler and the router's.
    let links = Closure::<dyn FnMut(MouseEvent)>::new(refuse_outside_links);
    let _ = window.add_event_listener_with_callback_and_bool(
        "click",
        links.as_ref().unchecked_ref(),
        true,
    );
    links.forget();
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::stays_inside;

    const HERE: &str = "http://127.0.0.1:8080";

    #[test]
    fn only_kiosk_pages_of_this_origin_in_this_window() {
        assert!(stays_inside(HERE, HERE, "/kiosk", ""));
        assert!(stays_inside(HERE, HERE, "/kiosk/", ""));
        assert!(stays_inside(HERE, HERE, "/kiosk/track/4401", "_self"));
        // The portal's pages, other sites, phone and mail links (whose origin is "null").
        assert!(!stays_inside(HERE, HERE, "/services/440113-GA-GG-001", ""));
        assert!(!stays_inside(HERE, HERE, "/kiosks", ""));
        assert!(!stays_inside(HERE, HERE, "/", ""));
        assert!(!stays_inside(HERE, "https://example.com", "/kiosk/", ""));
        assert!(!stays_inside(HERE, "null", "12345", ""));
        // A new window is a way out too.
        assert!(!stays_inside(HERE, HERE, "/kiosk/", "_blank"));
    }
}
