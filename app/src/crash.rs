//! When the kiosk breaks: a panic, or an error nothing caught. A hall terminal has no one
//! to press reload, so it shows a friendly screen and starts over by itself a few seconds
//! later. After a panic the wasm module cannot be trusted to run again, so the screen is
//! written with plain DOM calls and the restart is the browser's own `location.replace`,
//! handed to `setTimeout` without any of our code in between.

use wasm_bindgen::{JsCast, JsValue};

use crate::i18n::{k, t};
use crate::mode::Mode;

/// How long the friendly screen stays before the kiosk starts over.
pub const RESTART_MS: i32 = 5_000;

/// Marks the window once the screen is up, so a second error does not write it again.
const SHOWN: &str = "__onewindowCrashed";

/// Shows the screen (and restarts the kiosk) on a panic or an uncaught error.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show();
    }));
    let on_error = |ev: web_sys::Event| {
        // Only a thrown error: a benign report such as ResizeObserver's carries none.
        let thrown = ev
            .dyn_ref::<web_sys::ErrorEvent>()
            .map(|e| !e.error().is_null() && !e.error().is_undefined())
            .unwrap_or(false);
        if thrown || ev.type_() == "unhandledrejection" {
            show();
        }
    };
    for name in ["error", "unhandledrejection"] {
        std::mem::forget(leptos::prelude::window_event_listener_untyped(
            name, on_error,
        ));
    }
}

fn show() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let shown = JsValue::from_str(SHOWN);
    if js_sys::Reflect::get(&window, &shown).is_ok_and(|v| v.is_truthy()) {
        return;
    }
    let _ = js_sys::Reflect::set(&window, &shown, &JsValue::TRUE);
    if let Some(body) = window.document().and_then(|d| d.body()) {
        let doc = body.owner_document();
        body.set_inner_html("");
        if let Some(doc) = doc {
            let screen = doc.create_element("div").ok();
            if let Some(screen) = screen {
                screen.set_class_name("crash");
                let _ = screen.set_attribute("role", "alert");
                let _ = screen.set_attribute("data-testid", "crash");
                for (tag, text) in [("h1", t(k::CRASH_TITLE)), ("p", t(k::CRASH_BODY))] {
                    if let Ok(el) = doc.create_element(tag) {
                        el.set_text_content(Some(text));
                        let _ = screen.append_child(&el);
                    }
                }
                let _ = body.append_child(&screen);
            }
        }
    }
    let location = window.location();
    let replace = js_sys::Reflect::get(&location, &JsValue::from_str("replace"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(replace) = replace {
        let restart: js_sys::Function = replace
            .bind1(&location, &JsValue::from_str(&Mode::Kiosk.href("/")))
            .unchecked_into();
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&restart, RESTART_MS);
    }
}
