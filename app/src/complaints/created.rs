//! What the complainant keeps after filing: the complaint number (grouped), the query code
//! and the reply due date, with the way to follow it. Read back from the server, so it is
//! right on a reload or after a change of language. A kiosk prints it as an 80 mm slip
//! (print.css) of the parts marked `slip-part`: number, code, subject, dates and the masked
//! name, nothing of what was written.

use api_client::checks::AcceptanceNumber;
use api_client::ComplaintView;
use leptos::prelude::*;

use crate::api::client;
use crate::components::fetch::loaded_page;
use crate::components::heading::PageHeading;
use crate::components::print_button::PrintButton;
use crate::format::{date, date_time};
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
    loaded_page(
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
    let subject = super::view::subject_text(&complaint);
    let complainant = if complaint.anonymous {
        t(k::COMPLAINT_VIEW_ANONYMOUS).to_string()
    } else {
        complaint.masked_name.clone().unwrap_or_default()
    };
    view! {
        <div class="receipt slip" data-testid="complaint-created">
            <div class="panel panel--confirmation">
                <p class="slip-only slip-part slip__title">{t(k::SLIP_COMPLAINT_TITLE)}</p>
                <PageHeading text=t(k::COMPLAINT_CREATED_TITLE)/>
                <p class="panel__label slip-part">{t(k::COMPLAINT_CREATED_NUMBER)}</p>
                <p class="panel__number slip-part" data-testid="complaint-created-number">{grouped}</p>
            </div>
            <dl class="summary-list">
                <div class="summary-list__row slip-part">
                    <dt class="summary-list__key">{t(k::COMPLAINT_CREATED_CODE)}</dt>
                    <dd class="summary-list__value receipt__code" data-testid="complaint-created-code">{code.clone()}</dd>
                </div>
                <SummaryRow label=t(k::COMPLAINT_VIEW_SUBJECT) value=subject slip=true/>
                <SummaryRow label=t(k::COMPLAINT_VIEW_CATEGORY) value=super::messages::category_label(complaint.category)/>
                <SummaryRow label=t(k::COMPLAINT_VIEW_COMPLAINANT) value=complainant slip=true/>
                <SummaryRow label=t(k::COMPLAINT_VIEW_SUBMITTED_AT) value=date_time(&complaint.submitted_at) slip=true/>
                <div class="summary-list__row slip-part">
                    <dt class="summary-list__key">{t(k::COMPLAINT_CREATED_DUE)}</dt>
                    <dd class="summary-list__value" data-testid="complaint-created-due">{date(&complaint.reply_due)}</dd>
                </div>
            </dl>
            <p class="receipt__keep">{t(k::COMPLAINT_CREATED_KEEP)}</p>
            <div class="button-group no-print">
                <a class="button" href=follow data-testid="complaint-follow">{t(k::COMPLAINT_CREATED_FOLLOW)}</a>
                <PrintButton label=t(k::ACTION_PRINT) secondary=true/>
                // At the kiosk, done is the end of the session, with its quick rating.
                <a class="button button--secondary" href=mode.href(if mode.is_kiosk() { "/finish" } else { "/" }) data-testid="complaint-done">
                    {if mode.is_kiosk() { t(k::RECEIPT_DONE) } else { t(k::NAV_HOME) }}
                </a>
            </div>
        </div>
    }
}
