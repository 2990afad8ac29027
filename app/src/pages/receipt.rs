//! The receipt (受理回执) `/receipt/{number}?c={code}`. It reloads from the API with the
//! number and the code, so it is right whenever it is revisited. It shows the masked name only.
//! A kiosk prints it on 80 mm roll paper (print.css), a slip of the parts marked `slip-part`.

use api_client::checks::AcceptanceNumber;
use api_client::{CaseStatus, Receipt};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::client;
use crate::components::fetch::loaded_page;
use crate::components::heading::PageHeading;
use crate::components::print_button::PrintButton;
use crate::format::{date, date_time};
use crate::i18n::{k, t, tf};
use crate::mode::use_mode;
use crate::pages::guide::SummaryRow;

pub fn status_label(s: CaseStatus) -> &'static str {
    match s {
        CaseStatus::Submitted => t(k::STATUS_SUBMITTED),
        CaseStatus::Accepted => t(k::STATUS_ACCEPTED),
        CaseStatus::NotAccepted => t(k::STATUS_NOT_ACCEPTED),
        CaseStatus::SupplementRequested => t(k::STATUS_SUPPLEMENT_REQUESTED),
        CaseStatus::UnderReview => t(k::STATUS_UNDER_REVIEW),
        CaseStatus::Approved => t(k::STATUS_APPROVED),
        CaseStatus::Denied => t(k::STATUS_DENIED),
        CaseStatus::Completed => t(k::STATUS_COMPLETED),
        CaseStatus::Withdrawn => t(k::STATUS_WITHDRAWN),
    }
}

/// The remark beside a promised `date` (`YYYY-MM-DD`) counted past the holiday calendar:
/// it may move once that year's holidays are announced.
pub fn provisional_note(provisional: bool, date: &str) -> Option<String> {
    provisional.then(|| {
        tf(
            k::RECEIPT_PROVISIONAL,
            &[("year", date.get(..4).unwrap_or(date))],
        )
    })
}

#[component]
pub fn ReceiptPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let receipt = LocalResource::new(move || {
        let number = params.with(|p| p.get("number").unwrap_or_default());
        let code = query.with(|q| crate::codes::code_for(q.get("c"), &number).unwrap_or_default());
        async move { client().receipt(&number, &code).await }
    });
    loaded_page(receipt, move |r| view! { <ReceiptView receipt=r/> })
}

#[component]
fn ReceiptView(receipt: Receipt) -> impl IntoView {
    let mode = use_mode();
    let r = receipt;
    let grouped = AcceptanceNumber::parse(&r.acceptance_number)
        .map(|n| n.grouped())
        .unwrap_or_else(|_| r.acceptance_number.clone());
    let number_aloud = crate::read_aloud::pair(
        t(k::RECEIPT_NUMBER),
        &crate::read_aloud::one_by_one(&grouped),
    );
    // `slip` and `slip-part`: what the kiosk's 80 mm printout holds (print.css), the number,
    // code, QR, service, dates and masked name, nothing else.
    view! {
        <div class="receipt slip" data-testid="receipt">
            <div class="panel panel--confirmation no-print-colour">
                <p class="slip-only slip-part slip__title">{t(k::SLIP_RECEIPT_TITLE)}</p>
                <PageHeading text=t(k::RECEIPT_TITLE)/>
                <p class="panel__label slip-part">{t(k::RECEIPT_NUMBER)}</p>
                <p class="panel__number slip-part" data-testid="acceptance-number" data-read-aloud=number_aloud>{grouped}</p>
            </div>
            <div class="receipt__body">
                <div class="receipt__qr">
                    <div class="receipt__qr-image slip-part" role="img" aria-label=t(k::RECEIPT_QR_LABEL) data-testid="receipt-qr" inner_html=r.qr_svg></div>
                    <p class="hint">{t(k::RECEIPT_QR_HINT)}</p>
                </div>
                <dl class="summary-list receipt__facts">
                    <SummaryRow label=t(k::RECEIPT_QUERY_CODE) value=r.query_code.clone() slip=true/>
                    <SummaryRow label=t(k::RECEIPT_SERVICE) value=r.service_name slip=true/>
                    <SummaryRow label=t(k::GUIDE_DEPARTMENT) value=r.department/>
                    <SummaryRow label=t(k::RECEIPT_APPLICANT) value=r.masked_name slip=true/>
                    <SummaryRow label=t(k::RECEIPT_SUBMITTED_AT) value=date_time(&r.submitted_at) slip=true/>
                    <SummaryRow label=t(k::RECEIPT_PROMISED_DATE) value=date(&r.promised_date) slip=true note=provisional_note(r.promised_date_provisional, &r.promised_date)/>
                    <SummaryRow label=t(k::RECEIPT_STATUS) value=status_label(r.status)/>
                </dl>
            </div>
            <p class="receipt__keep">{t(k::RECEIPT_KEEP)}</p>
            <h2>{t(k::RECEIPT_NEXT_TITLE)}</h2>
            <ol class="list list--number">
                <li>{t(k::RECEIPT_NEXT_1)}</li>
                <li>{t(k::RECEIPT_NEXT_2)}</li>
                <li>{t(k::RECEIPT_NEXT_3)}</li>
            </ol>
            <h2>{t(k::RECEIPT_CONTACT_TITLE)}</h2>
            <dl class="summary-list">
                <SummaryRow label=t(k::GUIDE_LOCATION) value=r.location/>
                <SummaryRow label=t(k::GUIDE_HOURS) value=r.hours/>
                <SummaryRow label=t(k::GUIDE_PHONE) value=r.consult_phone/>
            </dl>
            <div class="button-group no-print">
                <PrintButton label=t(k::RECEIPT_PRINT)/>
                <a class="button button--secondary" href=mode.href("/")>{if mode.is_kiosk() { t(k::RECEIPT_DONE) } else { t(k::NAV_HOME) }}</a>
            </div>
        </div>
    }
}
