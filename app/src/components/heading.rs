//! The page heading: sets the document title, and takes focus after a navigation so that
//! screen-reader and keyboard users start at the new page rather than the old link.

use std::cell::Cell;

use leptos::html::H1;
use leptos::prelude::*;

thread_local! {
    static HEADINGS_SHOWN: Cell<u32> = const { Cell::new(0) };
}

pub use crate::head::set_title;

#[component]
pub fn PageHeading(
    #[prop(into)] text: String,
    #[prop(optional, into)] caption: Option<String>,
) -> impl IntoView {
    set_title(&text);
    let node = NodeRef::<H1>::new();
    // The first heading of a visit is where the page starts anyway; focus only moves on
    // navigation within the app.
    let navigated = HEADINGS_SHOWN.with(|n| {
        n.set(n.get().saturating_add(1));
        n.get() > 1
    });
    Effect::new(move |_| {
        if navigated {
            if let Some(h) = node.get() {
                let _ = h.focus();
            }
        }
    });
    view! {
        {caption.map(|c| view! { <span class="caption">{c}</span> })}
        <h1 class="page-heading" tabindex="-1" node_ref=node>{text}</h1>
    }
}
