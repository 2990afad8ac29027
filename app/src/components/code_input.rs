//! A single-line input for numbers and codes (acceptance and complaint numbers, query
//! codes, mobile numbers). At the kiosk the screen's one keypad types into it
//! (`components::keypad`), and the system keyboard stays closed.

use leptos::prelude::*;

use crate::components::keypad::{field_attrs, KEYPAD_CODE, KEYPAD_DIGITS};
use crate::i18n::{k, t};
use crate::mode::use_mode;

#[component]
pub fn CodeInput(
    id: &'static str,
    label: impl IntoView + 'static,
    hint: impl IntoView + 'static,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    #[prop(default = "text")] html_type: &'static str,
    #[prop(default = "text")] inputmode: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    /// The keypad offers the query-code alphabet rather than digits.
    #[prop(optional)]
    letters: bool,
) -> impl IntoView {
    if let Some(typed) = crate::hydration::typed_before(id) {
        value.set(typed);
    }
    let keys = if letters { KEYPAD_CODE } else { KEYPAD_DIGITS };
    let (keypad, inputmode) = field_attrs(use_mode().is_kiosk(), Some(keys), Some(inputmode));
    view! {
        <div class="field" class:field--error=move || error.get().is_some()>
            <label class="field__label" for=id>{label}</label>
            <p class="field__hint" id=format!("{id}-hint")>{hint}</p>
            {move || error.get().map(|e| view! { <p class="field__error" id=format!("{id}-error")><span class="visually-hidden">{t(k::ERROR_PREFIX)}</span>{e}</p> })}
            <input id=id name=id class="input input--20 track__input" type=html_type inputmode=inputmode data-keypad=keypad autocomplete=autocomplete spellcheck="false"
                autocapitalize="characters"
                aria-describedby=move || if error.get().is_some() { format!("{id}-hint {id}-error") } else { format!("{id}-hint") }
                aria-invalid=move || error.get().is_some().then_some("true")
                // The server's HTML has no properties: a value sent back is the attribute.
                value=value.get_untracked()
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
        </div>
    }
}
