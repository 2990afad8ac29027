//! The service search box. Checked before leaving the page; the text is never lost.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::i18n::{k, t, tf};
use crate::mode::use_mode;

#[component]
pub fn SearchForm(#[prop(into)] initial: String, #[prop(optional)] large: bool) -> impl IntoView {
    let mode = use_mode();
    let navigate = use_navigate();
    let text = RwSignal::new(crate::hydration::typed_before("search-q").unwrap_or(initial));
    let error = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = text.get_untracked();
        let trimmed = q.trim();
        if trimmed.is_empty() {
            error.set(Some(t(k::SEARCH_ERROR_EMPTY).into()));
        } else if trimmed.chars().count() > api_client::MAX_QUERY_CHARS {
            error.set(Some(tf(
                k::ERROR_FIELD_TOO_LONG,
                &[
                    ("field", t(k::SEARCH_LABEL)),
                    ("max", &api_client::MAX_QUERY_CHARS.to_string()),
                ],
            )));
        } else {
            error.set(None);
            let url = mode.href(&format!(
                "/services?q={}",
                api_client::query::encode(trimmed)
            ));
            navigate(&url, Default::default());
        }
    };
    view! {
        // Without JavaScript the browser sends it as the catalogue's own query.
        <form class="search" class:search--large=large role="search" method="get" action=crate::mode::use_mode().href("/services") on:submit=on_submit novalidate>
            <div class="field" class:field--error=move || error.get().is_some()>
                <label class="field__label" for="search-q">{t(k::SEARCH_LABEL)}</label>
                <p class="field__hint" id="search-q-hint">{t(k::SEARCH_HINT)}</p>
                {move || error.get().map(|e| view! {
                    <p class="field__error" id="search-q-error">
                        <span class="visually-hidden">{t(k::ERROR_PREFIX)}</span>{e}
                    </p>
                })}
                <div class="search__row">
                    <input
                        id="search-q"
                        class="input search__input"
                        type="search"
                        name="q"
                        maxlength=api_client::MAX_QUERY_CHARS
                        autocomplete="off"
                        enterkeyhint="search"
                        aria-describedby=move || if error.get().is_some() { "search-q-hint search-q-error" } else { "search-q-hint" }
                        aria-invalid=move || error.get().is_some().then_some("true")
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                    />
                    <button type="submit" class="button search__button">{t(k::SEARCH_BUTTON)}</button>
                </div>
            </div>
        </form>
    }
}
