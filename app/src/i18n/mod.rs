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

fn set_document_lang(l: Locale) {
    if let Some(el) = document().document_element() {
        let _ = el.set_attribute("lang", l.lang());
    }
}
