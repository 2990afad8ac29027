//! The kiosk's on-screen keypad: digits and X for acceptance, mobile and ID numbers, or the
//! query-code alphabet. The hall's touchscreens have no keyboard.

use api_client::checks::QUERY_CODE_ALPHABET;
use leptos::prelude::*;

use crate::i18n::{k, t};

#[component]
pub fn Keypad(target: RwSignal<String>, #[prop(optional)] letters: bool) -> impl IntoView {
    let keys: Vec<String> = if letters {
        QUERY_CODE_ALPHABET.chars().map(String::from).collect()
    } else {
        ["1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    view! {
        <div class="keypad" class:keypad--letters=letters role="group" aria-label=t(k::KEYPAD_LABEL)>
            {keys.into_iter().map(|key| {
                let ch = key.clone();
                view! {
                    <button type="button" class="keypad__key" on:click=move |_| target.update(|s| s.push_str(&ch))>{key}</button>
                }
            }).collect_view()}
            <button type="button" class="keypad__key keypad__key--back" aria-label=t(k::KEYPAD_BACKSPACE)
                on:click=move |_| target.update(|s| { s.pop(); })>"⌫"</button>
            <button type="button" class="keypad__key keypad__key--clear" on:click=move |_| target.set(String::new())>{t(k::KEYPAD_CLEAR)}</button>
        </div>
    }
}
