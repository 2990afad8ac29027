//! The kiosk's on-screen keypad: one for the whole screen, typing into the focused field.
//! A field asks for it with `data-keypad` (`KEYPAD_DIGITS`: digits and X, for acceptance,
//! mobile and ID numbers; `KEYPAD_CODE`: the query-code alphabet) and `inputmode="none"`,
//! so the system keyboard never opens for it. The hall's touchscreens have no keyboard.

use api_client::checks::QUERY_CODE_ALPHABET;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use crate::i18n::{k, t};

pub const KEYPAD_DIGITS: &str = "digits";
pub const KEYPAD_CODE: &str = "code";

/// The `data-keypad` and `inputmode` of a field that takes `keypad` keys, at the kiosk;
/// elsewhere none and the field's own `inputmode`.
pub fn field_attrs(
    kiosk: bool,
    keypad: Option<&'static str>,
    inputmode: Option<&'static str>,
) -> (Option<&'static str>, Option<&'static str>) {
    match keypad.filter(|_| kiosk) {
        Some(keys) => (Some(keys), Some("none")),
        None => (None, inputmode),
    }
}

#[derive(Clone, Copy)]
enum Press {
    Char(char),
    Back,
    Clear,
}

/// The new value and caret of a field holding `value` with the selection `from..to` (in
/// characters) after `press`, kept within `max` characters.
fn apply(value: &str, from: usize, to: usize, press: Press, max: Option<usize>) -> (String, usize) {
    let chars: Vec<char> = value.chars().collect();
    let (from, to) = (
        from.min(chars.len()),
        to.min(chars.len()).max(from.min(chars.len())),
    );
    let (head, tail) = (&chars[..from], &chars[to..]);
    match press {
        Press::Clear => (String::new(), 0),
        Press::Back if from == to => {
            let cut = from.saturating_sub(1);
            (chars[..cut].iter().chain(tail).collect(), cut)
        }
        Press::Back => (head.iter().chain(tail).collect(), from),
        Press::Char(c) => {
            if max.is_some_and(|m| head.len() + tail.len() >= m) {
                return (value.to_string(), to);
            }
            let s: String = head.iter().chain([c].iter()).chain(tail).collect();
            (s, from + 1)
        }
    }
}

/// Types `press` into `field` as a keyboard would, so the page's `on:input` sees it.
fn press_into(field: &HtmlInputElement, press: Press) {
    let value = field.value();
    let len = value.chars().count();
    let from = field
        .selection_start()
        .ok()
        .flatten()
        .map_or(len, |s| s as usize);
    let to = field
        .selection_end()
        .ok()
        .flatten()
        .map_or(len, |s| s as usize);
    let max = usize::try_from(field.max_length()).ok();
    let (next, caret) = apply(&value, from, to, press, max);
    field.set_value(&next);
    let _ = field.set_selection_range(caret as u32, caret as u32);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    if let Ok(ev) = web_sys::Event::new_with_event_init_dict("input", &init) {
        let _ = field.dispatch_event(&ev);
    }
    let _ = field.focus();
}

/// The keypad, shown from the moment a field that asks for it takes the focus until another
/// field does or the page changes.
#[component]
pub fn Keypad() -> impl IntoView {
    let field = RwSignal::new_local(None::<HtmlInputElement>);
    let keys = RwSignal::new(None::<&'static str>);
    let focus = window_event_listener(leptos::ev::focusin, move |ev| {
        let Some(el) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        if el.closest(".keypad").ok().flatten().is_some() {
            return;
        }
        let wants = el
            .get_attribute("data-keypad")
            .and_then(|k| match k.as_str() {
                KEYPAD_DIGITS => Some(KEYPAD_DIGITS),
                KEYPAD_CODE => Some(KEYPAD_CODE),
                _ => None,
            });
        // A button or link taking the focus leaves the keypad where it is: taking it away
        // would move the page under the finger between press and release.
        let editable = el
            .matches("input, textarea, select, [contenteditable]")
            .unwrap_or(false);
        match (wants, el.dyn_into::<HtmlInputElement>()) {
            (Some(k), Ok(input)) => {
                field.set(Some(input));
                keys.set(Some(k));
            }
            _ if editable => keys.set(None),
            _ => {}
        }
    });
    on_cleanup(move || focus.remove());
    // A new page has new fields.
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        location.pathname.track();
        location.search.track();
        keys.set(None);
    });
    let press = move |p: Press| {
        field.with_untracked(|f| {
            if let Some(f) = f.as_ref().filter(|f| f.is_connected()) {
                press_into(f, p);
            }
        })
    };
    // Pressing a key must not take the focus from the field.
    let keep_focus = |ev: leptos::ev::MouseEvent| ev.prevent_default();
    move || {
        keys.get().map(|kind| {
            let letters = kind == KEYPAD_CODE;
            let chars: Vec<char> = if letters {
                QUERY_CODE_ALPHABET.chars().collect()
            } else {
                "123456789X0".chars().collect()
            };
            view! {
                <aside class="keypad" class:keypad--letters=letters aria-label=t(k::KEYPAD_LABEL) data-testid="keypad" on:mousedown=keep_focus>
                    {chars.into_iter().map(|c| view! {
                        <button type="button" class="keypad__key" tabindex="-1" on:click=move |_| press(Press::Char(c))>{c.to_string()}</button>
                    }).collect_view()}
                    <button type="button" class="keypad__key keypad__key--back" tabindex="-1" aria-label=t(k::KEYPAD_BACKSPACE)
                        on:click=move |_| press(Press::Back)>"⌫"</button>
                    <button type="button" class="keypad__key keypad__key--clear" tabindex="-1" on:click=move |_| press(Press::Clear)>{t(k::KEYPAD_CLEAR)}</button>
                </aside>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{apply, Press};

    #[test]
    fn keys_type_at_the_caret_and_respect_the_length() {
        assert_eq!(
            apply("4401", 4, 4, Press::Char('1'), None),
            ("44011".into(), 5)
        );
        assert_eq!(
            apply("4401", 2, 2, Press::Char('9'), None),
            ("44901".into(), 3)
        );
        assert_eq!(
            apply("4401", 1, 3, Press::Char('X'), None),
            ("4X1".into(), 2)
        );
        assert_eq!(apply("4401", 4, 4, Press::Back, None), ("440".into(), 3));
        assert_eq!(apply("4401", 0, 0, Press::Back, None), ("4401".into(), 0));
        assert_eq!(apply("4401", 0, 4, Press::Back, None), ("".into(), 0));
        assert_eq!(apply("4401", 2, 2, Press::Clear, None), ("".into(), 0));
        assert_eq!(
            apply("4401", 4, 4, Press::Char('1'), Some(4)),
            ("4401".into(), 4)
        );
        assert_eq!(apply("", 9, 9, Press::Char('1'), None), ("1".into(), 1));
    }
}
