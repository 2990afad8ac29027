//! A labelled textarea with a live character count. It does not cut the text at the limit:
//! what was typed or pasted stays, and the count says how far over it is.

use leptos::prelude::*;

use crate::format::count;
use crate::i18n::{k, t, tf};

/// What the count says for `text` against `max` characters.
pub fn count_text(text: &str, max: usize) -> (bool, String) {
    let n = text.trim().chars().count();
    if n > max {
        (
            true,
            tf(k::CHAR_COUNT_OVER, &[("n", &count((n - max) as u64))]),
        )
    } else {
        (
            false,
            tf(k::CHAR_COUNT_LEFT, &[("n", &count((max - n) as u64))]),
        )
    }
}

#[component]
pub fn TextArea(
    id: &'static str,
    #[prop(into)] label: String,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] optional: bool,
    max: usize,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    #[prop(default = 5)] rows: u32,
) -> impl IntoView {
    let has_hint = hint.is_some();
    let described = move || {
        let mut ids = vec![format!("{id}-count")];
        if has_hint {
            ids.push(format!("{id}-hint"));
        }
        if error.get().is_some() {
            ids.push(format!("{id}-error"));
        }
        ids.join(" ")
    };
    // The count is announced once typing pauses, not on every key.
    let announced = RwSignal::new(String::new());
    let typed = StoredValue::new(0u32);
    Effect::new(move |first: Option<()>| {
        let text = value.get();
        if first.is_none() {
            return;
        }
        typed.update_value(|n| *n += 1);
        let at = typed.get_value();
        gloo_timers::callback::Timeout::new(1000, move || {
            if typed.try_get_value() == Some(at) {
                announced.set(count_text(&text, max).1);
            }
        })
        .forget();
    });
    view! {
        <div class="field" class:field--error=move || error.get().is_some()>
            <label class="field__label" for=id>
                {label}
                {optional.then(|| view! { <span class="field__optional">{t(k::APPLY_OPTIONAL)}</span> })}
            </label>
            {hint.map(|h| view! { <p class="field__hint" id=format!("{id}-hint")>{h}</p> })}
            {move || error.get().map(|e| view! {
                <p class="field__error" id=format!("{id}-error")><span class="visually-hidden">{t(k::ERROR_PREFIX)}</span>{e}</p>
            })}
            <textarea id=id name=id class="input textarea" rows=rows
                aria-describedby=described
                aria-invalid=move || error.get().is_some().then_some("true")
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            >
                // The server's HTML has no properties: a text sent back is the element's
                // content (only pages with no bundle render a text area on the server).
                {server_content(&value.get_untracked())}
            </textarea>
            <p class="char-count" class:char-count--over=move || count_text(&value.get(), max).0 id=format!("{id}-count") data-testid=format!("{id}-count") aria-hidden="true">
                {move || count_text(&value.get(), max).1}
            </p>
            <p class="visually-hidden" aria-live="polite">{move || announced.get()}</p>
        </div>
    }
}

/// What the server writes inside the element: the text, escaped, since Leptos leaves a
/// `<textarea>`'s children as they are (`</textarea>` typed would end it).
#[cfg(feature = "ssr")]
fn server_content(text: &str) -> Option<String> {
    Some(html_escape::encode_text(text).into_owned())
}

#[cfg(not(feature = "ssr"))]
fn server_content(_: &str) -> Option<String> {
    None
}
