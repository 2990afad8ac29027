//! The page for an address or a service code that does not exist.

use leptos::prelude::*;

use crate::components::heading::PageHeading;
use crate::i18n::{k, t};
use crate::mode::use_mode;

#[component]
pub fn NotFound(#[prop(optional)] service: bool) -> impl IntoView {
    crate::head::not_found();
    let mode = use_mode();
    let catalogue = if mode.is_kiosk() {
        mode.href("/guides")
    } else {
        "/services".to_string()
    };
    view! {
        <div class="not-found" data-testid="not-found">
            <PageHeading text=if service { t(k::NOT_FOUND_SERVICE_TITLE) } else { t(k::NOT_FOUND_TITLE) }/>
            <p>{t(k::NOT_FOUND_BODY)}</p>
            <ul class="list list--bullet">
                <li><a href=catalogue>{t(k::NOT_FOUND_TO_CATALOGUE)}</a></li>
                <li><a href=mode.href("/")>{t(k::NOT_FOUND_TO_HOME)}</a></li>
            </ul>
        </div>
    }
}
