//! Elderly mode (适老化): larger text, higher contrast, no motion, as the class `care` on
//! `<html>` that `public/styles/care.css` styles. On the kiosk it lives in memory only, so
//! the reload that ends a session hands the next visitor the ordinary screen.

use leptos::prelude::*;

use crate::i18n::{k, t};

/// The class on `<html>` that care.css keys on.
const CLASS: &str = "care";

/// Whether elderly mode is on, shared by every button that turns it on or off.
#[derive(Clone, Copy)]
pub struct Care(RwSignal<bool>);

impl Care {
    /// Provides the mode, off, and keeps `<html>`'s class in step with it. Provided at the
    /// root, above the body that a language change renders anew, so the mode survives it.
    pub fn provide() {
        let on = RwSignal::new(false);
        provide_context(Care(on));
        Effect::new(move |_| {
            let on = on.get();
            if let Some(root) = document().document_element() {
                let _ = root.class_list().toggle_with_force(CLASS, on);
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

/// The button that turns elderly mode on and off; `large` is the attract screen's own.
#[component]
pub fn CareButton(#[prop(optional)] large: bool, #[prop(into)] testid: String) -> impl IntoView {
    let Some(care) = Care::get() else {
        return ().into_any();
    };
    view! {
        <button
            type="button"
            class="care-button"
            class:care-button--large=large
            aria-pressed=move || if care.is_on() { "true" } else { "false" }
            data-testid=testid
            on:click=move |_| care.toggle()
        >
            <span class="care-button__icon" aria-hidden="true">{t(k::CARE_ICON)}</span>
            <span class="care-button__label">{t(k::CARE_BUTTON)}</span>
        </button>
    }
    .into_any()
}
