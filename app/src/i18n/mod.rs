//! Every text the user sees goes through here. Messages live in `app/locales/*.toml`
//! (see build.rs); `t(k::KEY)` gives the text in the current language, `tf` fills in
//! `{name}` placeholders.
//!
//! `t` is deliberately not reactive: the app re-renders its whole body when the language
//! changes (see `crate::shell`), so components read text as plain strings.

use std::cell::Cell;

use leptos::prelude::*;

include!(concat!(env!("OUT_DIR"), "/i18n.rs"));

thread_local! {
    static CURRENT: Cell<Locale> = const { Cell::new(Locale::ALL[0]) };
}

pub fn locale() -> Locale {
    CURRENT.with(Cell::get)
}

/// The text of `key` in the current language.
pub fn t(key: Key) -> &'static str {
    lookup(locale(), key)
}

/// The text of `key` with each `{name}` replaced by its value.
pub fn tf(key: Key, args: &[(&str, &str)]) -> String {
    tf_in(locale(), key, args)
}

/// As `tf`, in `locale` rather than the current language.
pub fn tf_in(locale: Locale, key: Key, args: &[(&str, &str)]) -> String {
    let mut s = lookup(locale, key).to_string();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

impl Locale {
    pub fn from_tag(tag: &str) -> Option<Locale> {
        Locale::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(tag))
    }
}

/// The reactive language, provided at the root of the app.
#[derive(Clone, Copy)]
pub struct I18n {
    pub locale: RwSignal<Locale>,
}

impl I18n {
    pub fn new(initial: Locale) -> Self {
        CURRENT.with(|c| c.set(initial));
        set_document_lang(initial);
        I18n {
            locale: RwSignal::new(initial),
        }
    }

    pub fn set(&self, l: Locale) {
        CURRENT.with(|c| c.set(l));
        set_document_lang(l);
        self.locale.set(l);
    }
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// The cookie holding the language a portal visitor chose: the server renders in it too.
pub const COOKIE: &str = "onewindow_lang";
const COOKIE_MAX_AGE: u32 = 365 * 24 * 60 * 60;

/// The language a visitor chose here before (its tag), if any.
#[cfg(not(feature = "ssr"))]
pub fn chosen() -> Option<String> {
    use wasm_bindgen::JsCast;
    let cookies = document()
        .dyn_into::<web_sys::HtmlDocument>()
        .ok()?
        .cookie()
        .ok()?;
    cookie_value(&cookies, COOKIE).map(str::to_string)
}

/// The value of the cookie `name` among `cookies` (a `Cookie` header or `document.cookie`).
pub fn cookie_value<'a>(cookies: &'a str, name: &str) -> Option<&'a str> {
    cookies
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// Remembers a language the visitor picked (the portal only; the kiosk remembers nothing).
pub fn remember_choice(l: Locale) {
    use wasm_bindgen::JsCast;
    if let Ok(doc) = document().dyn_into::<web_sys::HtmlDocument>() {
        let _ = doc.set_cookie(&format!(
            "{COOKIE}={}; Path=/; Max-Age={COOKIE_MAX_AGE}; SameSite=Lax",
            l.tag()
        ));
    }
}

fn set_document_lang(l: Locale) {
    if cfg!(feature = "ssr") {
        return;
    }
    if let Some(el) = document().document_element() {
        let _ = el.set_attribute("lang", l.lang());
    }
}
