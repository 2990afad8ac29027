//! The error summary at the top of a form, GOV.UK style.

use api_client::FieldError;
use leptos::prelude::*;

use crate::i18n::{k, t};

/// The error summary of a form's `problems`, while there are any; `link` gives each
/// problem's target and sentence.
#[component]
pub fn FormProblems<L>(problems: RwSignal<Vec<FieldError>>, link: L) -> impl IntoView
where
    L: Fn(&FieldError) -> (String, String) + Send + 'static,
{
    move || {
        let links = problems.with(|list| list.iter().map(&link).collect::<Vec<_>>());
        (!links.is_empty()).then(|| view! { <ErrorSummary problems=links/> })
    }
}

/// The error summary at the top of a page: every problem, each linking to its field (on
/// this page, or on the page that asks it). It takes focus when it appears, so the
/// applicant hears what is wrong first.
#[component]
pub fn ErrorSummary(problems: Vec<(String, String)>) -> impl IntoView {
    let node = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = node.get() {
            let _ = el.focus();
        }
    });
    view! {
        <div class="error-summary" role="alert" tabindex="-1" node_ref=node data-testid="error-summary">
            <h2 class="error-summary__title">{t(k::APPLY_ERROR_SUMMARY)}</h2>
            <ul class="error-summary__list">
                {problems.into_iter().map(|(href, message)| {
                    let target = href.strip_prefix('#').map(str::to_string);
                    view! {
                        <li><a href=href on:click=move |ev| {
                            if let Some(id) = &target {
                                ev.prevent_default();
                                focus_field(id);
                            }
                        }>{message}</a></li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

/// Moves focus to a field (and so scrolls to it), as an error link should.
pub fn focus_field(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}
