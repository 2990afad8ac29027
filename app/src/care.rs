//! Elderly mode (适老化) at the kiosk and care mode (关怀模式) on the portal: larger text,
//! wider line spacing, higher contrast, larger targets and no motion, as the class `care` on
//! `<html>` that `public/styles/care.css` styles for both.
//!
//! The portal remembers the choice in a cookie rather than in storage, so that the server
//! can know it too (and the bundles' inline script applies it before the first paint). The
//! kiosk keeps it in memory only, so the reload that ends a session hands the next visitor
//! the ordinary screen.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::{k, t};

/// The class on `<html>` that care.css keys on.
const CLASS: &str = "care";
/// The portal's cookie; its value is `1` while care mode is on. The inline script of the
/// portal's `index.html` files reads the same name.
pub const COOKIE: &str = "onewindow_care";
/// A year: the choice outlives the browser session, as a preference should.
const COOKIE_MAX_AGE: u32 = 365 * 24 * 60 * 60;

/// Whether care mode is on, shared by every button that turns it on or off.
#[derive(Clone, Copy)]
pub struct Care(RwSignal<bool>);

impl Care {
    /// Provides the mode and keeps `<html>`'s class in step with it. Provided at the root,
    /// above the body that a language change renders anew, so the mode survives it. With
    /// `remember` (the portal) it starts from, and writes, the cookie; otherwise it starts off.
    pub fn provide(remember: bool) {
        let on = RwSignal::new(remember && remembered());
        provide_context(Care(on));
        Effect::new(move |_| {
            let on = on.get();
            if let Some(root) = document().document_element() {
                let _ = root.class_list().toggle_with_force(CLASS, on);
            }
            if remember {
                remember_choice(on);
            }
        });
    }

    pub fn get() -> Option<Care> {
        use_context::<Care>()
    }

    pub fn is_on(self) -> bool {
        self.0.get()
    }

    pub fn toggle(self) {
        self.0.update(|on| *on = !*on);
    }
}

fn html_document() -> Option<web_sys::HtmlDocument> {
    document().dyn_into::<web_sys::HtmlDocument>().ok()
}

/// Whether the cookie says care mode is on.
fn remembered() -> bool {
    #[cfg(feature = "ssr")]
    return crate::ssr::reader().is_some_and(|r| r.care);
    #[cfg(not(feature = "ssr"))]
    html_document()
        .and_then(|d| d.cookie().ok())
        .is_some_and(|cookies| is_on_in(&cookies))
}

/// Whether a `document.cookie` string holds the care cookie with the value `1`.
/// Whether care mode is on in `cookies` (a `Cookie` header or `document.cookie`).
pub fn is_on_in(cookies: &str) -> bool {
    crate::i18n::cookie_value(cookies, COOKIE) == Some("1")
}

fn remember_choice(on: bool) {
    let Some(doc) = html_document() else {
        return;
    };
    let cookie = if on {
        format!("{COOKIE}=1; Path=/; Max-Age={COOKIE_MAX_AGE}; SameSite=Lax")
    } else {
        format!("{COOKIE}=; Path=/; Max-Age=0; SameSite=Lax")
    };
    let _ = doc.set_cookie(&cookie);
}

/// The button that turns care mode on and off: `large` is the attract screen's own;
/// `label` is the portal's name for the mode or the kiosk's.
#[component]
pub fn CareButton(
    #[prop(optional)] large: bool,
    #[prop(into)] testid: String,
    #[prop(optional)] portal: bool,
) -> impl IntoView {
    let Some(care) = Care::get() else {
        return ().into_any();
    };
    let label = if portal {
        t(k::CARE_PORTAL_BUTTON)
    } else {
        t(k::CARE_BUTTON)
    };
    let button = move || {
        view! {
            <button
                type="submit"
                class="care-button"
                class:care-button--large=large
                class:care-button--portal=portal
                aria-pressed=move || if care.is_on() { "true" } else { "false" }
                data-testid=testid.clone()
            >
                <span class="care-button__icon" aria-hidden="true">{t(k::CARE_ICON)}</span>
                <span class="care-button__label">{label}</span>
            </button>
        }
    };
    // On the portal a form the server takes without JavaScript (`crate::preferences`); the
    // bundle toggles in place, and the kiosk only ever in memory.
    let back = crate::preferences::here();
    view! {
        <form class="inline-form" method="post" action=crate::preferences::ACTION
            on:submit=move |ev| { ev.prevent_default(); care.toggle() }>
            <input type="hidden" name="care" value=move || if care.is_on() { "0" } else { "1" }/>
            <input type="hidden" name="back" value=back/>
            {button()}
        </form>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_cookie_among_others() {
        assert!(is_on_in("onewindow_care=1"));
        assert!(is_on_in("a=b; onewindow_care=1; c=d"));
        assert!(!is_on_in("onewindow_care=0"));
        assert!(!is_on_in("onewindow_care="));
        assert!(!is_on_in("xonewindow_care=1"));
        assert!(!is_on_in(""));
    }
}
