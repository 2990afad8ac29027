//! A part of the portal that works only with JavaScript (applying, uploading, rating). The
//! server renders it as a plain notice saying so, pointing to the hall and the hotline, and
//! the guides that work without; once the bundle runs, the real thing replaces it. The
//! kiosk, which renders in the browser alone, shows the real thing at once.

use leptos::prelude::*;

use crate::i18n::{k, t};
use crate::mode::use_mode;

#[component]
pub fn NeedsScript(
    /// Whether it stands for the whole page (the notice is then the page's heading).
    #[prop(optional)]
    page: bool,
    children: ChildrenFn,
) -> impl IntoView {
    let running =
        RwSignal::new(use_mode().is_kiosk() || !cfg!(any(feature = "ssr", feature = "hydrate")));
    // Effects run only in the browser, after the bundle has taken the page over.
    Effect::new(move |_| running.set(true));
    move || {
        if running.get() {
            children().into_any()
        } else {
            view! { <ScriptRequired page/> }.into_any()
        }
    }
}

#[component]
fn ScriptRequired(page: bool) -> impl IntoView {
    if page {
        crate::head::set_title(t(k::SCRIPT_REQUIRED_TITLE));
    }
    view! {
        <div class="notice" data-testid="script-required">
            {if page {
                view! { <h1 class="notice__title notice__title--page">{t(k::SCRIPT_REQUIRED_TITLE)}</h1> }.into_any()
            } else {
                view! { <h2 class="notice__title">{t(k::SCRIPT_REQUIRED_TITLE)}</h2> }.into_any()
            }}
            <p>{t(k::SCRIPT_REQUIRED_BODY)}</p>
            <p><a href="/services">{t(k::SCRIPT_REQUIRED_GUIDES)}</a></p>
        </div>
    }
}
