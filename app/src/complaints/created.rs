//! What the complainant keeps after filing: the complaint number (grouped), the query code
//! and the reply due date, with the way to follow it. Read back from the server, so it is
//! right on a reload or after a change of language.

use api_client::checks::AcceptanceNumber;
use api_client::ComplaintView;
use leptos::prelude::*;

use crate::api::client;
use crate::components::fetch::loaded;
use crate::components::heading::PageHeading;
use crate::i18n::{k, t};
use crate::mode::use_mode;
use crate::pages::guide::SummaryRow;

#[component]
pub fn ComplaintSent(number: String, code: String) -> impl IntoView {
    let complaint = LocalResource::new({
        let (number, code) = (number.clone(), code.clone());
        move || {
            let (number, code) = (number.clone(), code.clone());
            async move { client().complaint(&number, &code).await }
        }
    });
    loaded(
        complaint,
        move |c| view! { <Confirmation complaint=c code=code.clone()/> },
    )
}

#[component]
fn Confirmation(complaint: ComplaintView, code: String) -> impl IntoView {
    let mode = use_mode();
    let number = complaint.complaint_number.clone();
    let grouped = AcceptanceNumber::parse(&number)
        .map(|n| n.grouped())
        .unwrap_or_else(|_| number.clone());
    let follow = crate::codes::href(mode, &format!("/complaints/{number}"), &number, &code);
    view! {
        <div class="receipt" data-testid="complaint-created">
            <div class="panel panel--confirmation">
                <PageHeading text=t(k::COMPLAINT_CREATED_TITLE)/>
                <p class="panel__label">{t(k::COMPLAINT_CREATED_NUMBER)}</p>
                <p class="panel__number" data-testid="complaint-created-number">{grouped}</p>
            </div>
            <dl class="summary-list">
                <div class="summary-list__row">
                    <dt class="summary-list__key">{t(k::COMPLAINT_CREATED_CODE)}</dt>
                    <dd class="summary-list__value receipt__code" data-testid="complaint-created-code">{code.clone()}</dd>
                </div>
                <div class="summary-list__row">
                    <dt class="summary-list__key">{t(k::COMPLAINT_CREATED_DUE)}</dt>
                    <dd class="summary-list__value" data-testid="complaint-created-due">{complaint.reply_due.clone()}</dd>
                </div>
                <SummaryRow label=t(k::COMPLAINT_VIEW_CATEGORY) value=super::messages::category_label(complaint.category)/>
            </dl>
            <p class="receipt__keep">{t(k::COMPLAINT_CREATED_KEEP)}</p>
            <div class="button-group no-print">
                <a class="button" href=follow data-testid="complaint-follow">{t(k::COMPLAINT_CREATED_FOLLOW)}</a>
                <button type="button" class="button button--secondary" on:click=|_| { let _ = window().print(); }>{t(k::ACTION_PRINT)}</button>
                // At the kiosk, done is the end of the session, with its quick rating.
                <a class="button button--secondary" href=mode.href(if mode.is_kiosk() { "/finish" } else { "/" }) data-testid="complaint-done">
                    {if mode.is_kiosk() { t(k::RECEIPT_DONE) } else { t(k::NAV_HOME) }}
                </a>
            </div>
        </div>
    }
}
