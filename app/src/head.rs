//! The document's head as a page sets it: its `<title>` (from the page heading) and, on the
//! server, its meta description. In the browser the title is written into the document; on
//! the server both are kept for the page's `<head>` (`crate::ssr`).

use std::cell::RefCell;

use crate::i18n::{k, t};

/// What a page rendered on the server says of itself.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Head {
    pub title: Option<String>,
    pub description: Option<String>,
    /// The page says that what was asked for does not exist (a 404).
    pub not_found: bool,
}

thread_local! {
    static HEAD: RefCell<Head> = RefCell::new(Head::default());
}

/// The document's title for a page headed `page`.
pub fn set_title(page: &str) {
    let title = format!("{page} - {}", t(k::SITE_NAME));
    #[cfg(feature = "ssr")]
    HEAD.with(|h| h.borrow_mut().title = Some(title));
    #[cfg(not(feature = "ssr"))]
    leptos::prelude::document().set_title(&title);
}

/// The page's description for search engines (server only: a crawler reads the first HTML).
pub fn describe(text: impl Into<String>) {
    let text = text.into();
    HEAD.with(|h| h.borrow_mut().description = Some(text));
}

/// The page says that what was asked for does not exist.
pub fn not_found() {
    HEAD.with(|h| h.borrow_mut().not_found = true);
}

/// What the last render set, leaving nothing for the next.
pub fn take() -> Head {
    HEAD.with(|h| std::mem::take(&mut *h.borrow_mut()))
}
