//! `/complaints`: where complaints start (the way to the form) and how one is followed
//! (complaint number and query code, checked before any request); and
//! `/complaints/{number}?c={code}`, the complaint itself.

use api_client::checks::normalise_query_code;
use api_client::ClientError;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::api::client;
use crate::components::code_input::CodeInput;
use crate::components::fetch::{FetchError, Fetched, PageLoading, Source};
use crate::components::heading::PageHeading;
use crate::i18n::{k, t};
use crate::kept::kept;
use crate::mode::use_mode;
use crate::pages::track::{check_number_as, NumberWords};
use crate::preload::key;

use super::view::ComplaintDetails;

const COMPLAINT_NUMBER: NumberWords = NumberWords {
    empty: k::COMPLAINTS_ERROR_NUMBER_EMPTY,
    format: k::COMPLAINTS_ERROR_NUMBER_FORMAT,
    check: k::COMPLAINTS_ERROR_NUMBER_CHECK,
};

/// `number`: a complaint number to start from (one opened without its code, or `?n=`).
#[component]
pub fn ComplaintsPage(#[prop(optional)] number: Option<String>) -> impl IntoView {
    crate::head::describe(t(k::DESCRIBE_COMPLAINTS));
    let mode = use_mode();
    let navigate = use_navigate();
    let typed = number.or_else(|| use_query_map().with_untracked(|q| q.get("n")));
    let number = kept("number", || typed.unwrap_or_default());
    let code = kept("code", String::new);
    let number_error = RwSignal::new(None::<String>);
    let code_error = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let n = check_number_as(&number.get_untracked(), &COMPLAINT_NUMBER);
        number_error.set(n.as_ref().err().map(|m| m.to_string()));
        let typed = code.get_untracked();
        let c = normalise_query_code(&typed);
        code_error.set(c.is_none().then(|| {
            if typed.trim().is_empty() {
                t(k::TRACK_ERROR_CODE_EMPTY)
            } else {
                t(k::TRACK_ERROR_CODE)
            }
            .to_string()
        }));
        if let (Ok(n), Some(c)) = (n, c) {
            let path = format!("/complaints/{}", n.compact());
            navigate(
                &crate::codes::href(mode, &path, n.compact(), &c),
                Default::default(),
            );
        }
    };
    view! {
        <PageHeading text=t(k::COMPLAINTS_TITLE)/>
        <p>{t(k::COMPLAINTS_INTRO)}</p>
        <p><a class="button button--start" href=mode.href("/complaints/new") data-testid="complaint-new">{t(k::HOME_COMPLAINTS_NEW)}</a></p>
        <h2>{t(k::COMPLAINTS_LOOKUP_TITLE)}</h2>
        // Without JavaScript the form is sent to the server, which goes on to the complaint.
        <form class="track-form" method="post" action=mode.href("/complaints") on:submit=on_submit novalidate data-testid="complaint-lookup">
            <CodeInput id="complaint-number" label=t(k::COMPLAINTS_NUMBER) hint=t(k::COMPLAINTS_NUMBER_HINT) value=number error=number_error.into()/>
            <CodeInput id="complaint-code" label=t(k::COMPLAINTS_CODE) hint=t(k::COMPLAINTS_CODE_HINT) value=code error=code_error.into() letters=true/>
            <button type="submit" class="button" data-testid="complaint-lookup-submit">{t(k::COMPLAINTS_SUBMIT)}</button>
        </form>
        <h2>{t(k::COMPLAINTS_RATE_TITLE)}</h2>
        <p>{t(k::COMPLAINTS_RATE_BODY)}" "<a class="link-target" href=mode.href("/track")>{t(k::NAV_TRACK)}</a></p>
    }
}

/// The same words for an unknown number and a wrong code: nothing is given away.
#[component]
fn NoMatch() -> impl IntoView {
    view! {
        <div class="notice notice--error" role="alert" data-testid="complaint-no-match">
            <h2 class="notice__title">{t(k::COMPLAINTS_NO_MATCH_TITLE)}</h2>
            <p>{t(k::COMPLAINTS_NO_MATCH)}</p>
        </div>
    }
}

#[component]
pub fn ComplaintPage() -> impl IntoView {
    let mode = use_mode();
    let params = use_params_map();
    let query = use_query_map();
    let number = Memo::new(move |_| params.with(|p| p.get("number").unwrap_or_default()));
    let code = Memo::new(move |_| {
        let number = number.get();
        query.with(|q| crate::codes::code_for(q.get("c"), &number).unwrap_or_default())
    });
    let complaint = Fetched::new(move || {
        let (n, c) = (number.get(), code.get());
        (key::complaint(&n), async move {
            client().complaint(&n, &c).await
        })
    });
    move || {
        match complaint.answer() {
        None => view! { <PageLoading/> }.into_any(),
        Some(Ok(c)) => view! { <PageHeading text=t(k::COMPLAINT_VIEW_TITLE)/><ComplaintDetails complaint=c code=code.get_untracked()/> }.into_any(),
        Some(Err(e)) if e.is_not_found() => view! {
            <PageHeading text=t(k::COMPLAINTS_LOOKUP_TITLE)/>
            <NoMatch/>
            <p><a href=mode.href("/complaints")>{t(k::TRACK_AGAIN)}</a></p>
        }.into_any(),
        // Opened without its code (or a malformed one): ask for it, with the number kept.
        Some(Err(ClientError::Api { status: 400, .. })) => view! { <ComplaintsPage number=number.get_untracked()/> }.into_any(),
        Some(Err(ClientError::Api { status: 429, .. })) => view! {
            <PageHeading text=t(k::COMPLAINTS_LOOKUP_TITLE)/>
            <div class="notice notice--error" role="alert" data-testid="complaint-throttled"><p>{t(k::TRACK_THROTTLED)}</p></div>
        }.into_any(),
        Some(Err(error)) => view! { <FetchError error on_retry=move |_| complaint.again() page=true/> }.into_any(),
    }
    }
}
