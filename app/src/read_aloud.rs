//! Read-aloud: the page's heading and its key results (elements marked `data-read-aloud`,
//! whose attribute value, when given, is read instead of their text) spoken through the
//! browser's Web Speech API in the visitor's language. Browsers without it get no button.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{SpeechSynthesis, SpeechSynthesisUtterance, SpeechSynthesisVoice};

use crate::i18n::{k, locale, t, tf};

/// What is read: the heading first, then the marked results, in the page's order.
const READ: &str = "#main h1, #main [data-read-aloud]";

fn synthesis() -> Option<SpeechSynthesis> {
    let found = js_sys::Reflect::get(&window(), &JsValue::from_str("speechSynthesis")).ok()?;
    found.dyn_into::<SpeechSynthesis>().ok()
}

/// The page's texts to read, in order, each once.
fn page_texts() -> Vec<String> {
    let Ok(nodes) = document().query_selector_all(READ) else {
        return Vec::new();
    };
    let mut texts: Vec<String> = Vec::new();
    for i in 0..nodes.length() {
        let Some(el) = nodes
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        else {
            continue;
        };
        let text = el
            .get_attribute("data-read-aloud")
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| el.inner_text());
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() && !texts.contains(&text) {
            texts.push(text);
        }
    }
    texts
}

/// What `data-read-aloud` should say for a labelled value ("办理状态：审查中").
pub fn pair(label: &str, value: &str) -> String {
    tf(k::READ_ALOUD_PAIR, &[("label", label), ("value", value)])
}

/// A number said one character at a time, not as one large number, with a pause (the
/// language's list separator) between the groups it is printed in, so that a listener can
/// follow it on the printed receipt: `440113-261122-00017-8` is read as
/// `4 4 0 1 1 3、2 6 1 1 2 2、0 0 0 1 7、8`.
pub fn one_by_one(number: &str) -> String {
    number
        .split(|c: char| !c.is_alphanumeric())
        .filter(|group| !group.is_empty())
        .map(|group| {
            group
                .chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(t(k::LIST_SEPARATOR))
}

/// A voice of the visitor's language (`zh-CN` first for `zh-CN`, then any `zh`), when the
/// browser has one; otherwise the utterance's language picks the browser's default for it.
fn voice_for(synth: &SpeechSynthesis, lang: &str) -> Option<SpeechSynthesisVoice> {
    let voices: Vec<SpeechSynthesisVoice> = synth
        .get_voices()
        .iter()
        .filter_map(|v| v.dyn_into().ok())
        .collect();
    let norm = |l: &str| l.replace('_', "-").to_ascii_lowercase();
    let wanted = norm(lang);
    let primary = wanted.split('-').next().unwrap_or_default().to_string();
    voices
        .iter()
        .find(|v| norm(&v.lang()) == wanted)
        .or_else(|| {
            voices
                .iter()
                .find(|v| norm(&v.lang()).split('-').next() == Some(primary.as_str()))
        })
        .cloned()
}

/// Reads the page, or stops reading when it already is.
#[component]
pub fn ReadAloudButton() -> impl IntoView {
    let Some(synth) = synthesis() else {
        return ().into_any();
    };
    // Chromium loads its voices on the first ask; by the first press they are there.
    let _ = synth.get_voices();
    let speaking = RwSignal::new(false);
    // A new page stops the reading of the last one.
    let location = leptos_router::hooks::use_location();
    {
        let synth = synth.clone();
        Effect::new(move |_| {
            location.pathname.track();
            synth.cancel();
            speaking.set(false);
        });
    }
    let read = move |_| {
        if speaking.get_untracked() {
            synth.cancel();
            speaking.set(false);
            return;
        }
        let text = page_texts().join(t(k::READ_ALOUD_SEPARATOR));
        let Ok(utterance) = SpeechSynthesisUtterance::new_with_text(&text) else {
            return;
        };
        let lang = locale().lang();
        utterance.set_lang(lang);
        utterance.set_voice(voice_for(&synth, lang).as_ref());
        // Called once, at the end or on an error (a cancel is one), and freed then; the
        // button may be gone by then, so the signal is only tried.
        let done = wasm_bindgen::closure::Closure::once_into_js(move || {
            let _ = speaking.try_set(false);
        });
        utterance.set_onend(Some(done.unchecked_ref()));
        utterance.set_onerror(Some(done.unchecked_ref()));
        synth.cancel();
        synth.speak(&utterance);
        speaking.set(true);
    };
    view! {
        <button
            type="button"
            class="read-aloud-button"
            data-testid="read-aloud"
            on:click=read
        >
            <svg class="read-aloud-button__icon" viewBox="0 0 24 24" aria-hidden="true">
                <path d="M3 9v6h4l5 4V5L7 9H3z" fill="currentColor"/>
                <path d="M15.5 8.5a5 5 0 0 1 0 7M18 6a8.5 8.5 0 0 1 0 12" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>
            </svg>
            <span>{move || if speaking.get() { t(k::READ_ALOUD_STOP) } else { t(k::READ_ALOUD_START) }}</span>
        </button>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::one_by_one;

    #[test]
    fn a_number_is_read_character_by_character_group_by_group() {
        assert_eq!(
            one_by_one("440113-261122-00017-X"),
            "4 4 0 1 1 3、2 6 1 1 2 2、0 0 0 1 7、X"
        );
        assert_eq!(one_by_one("AB12"), "A B 1 2");
        assert_eq!(one_by_one(""), "");
    }
}
