//! The one-time notice (一次性告知单): everything to bring and know, on one printable page:
//! A4 from the portal; at a kiosk, an 80 mm slip (print.css) of the parts marked
//! `slip-part`: the service, what to bring, the time limit and fees, where and when, the date.

use api_client::ServiceGuide;
use leptos::prelude::*;

use crate::components::heading::PageHeading;
use crate::components::print_button::PrintButton;
use crate::format;
use crate::i18n::{k, t, tf};
use crate::mode::use_mode;
use crate::pages::guide::{with_guide, SummaryRow};

#[component]
pub fn NoticePage() -> impl IntoView {
    with_guide(|g| {
        crate::head::describe(crate::i18n::tf(k::DESCRIBE_NOTICE, &[("name", &g.name)]));
        view! { <Notice guide=g/> }
    })
}

/// Today, as the visitor's language writes a day (the browser's own day: a notice is dated
/// where it is printed; on the server, the service centre's, in China Standard Time).
#[cfg(feature = "ssr")]
fn today() -> String {
    let cst = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let d = time::OffsetDateTime::now_utc().to_offset(cst);
    format::day_in(
        crate::i18n::locale(),
        d.year(),
        d.month() as u32,
        d.day() as u32,
    )
}

#[cfg(not(feature = "ssr"))]
fn today() -> String {
    let d = js_sys::Date::new_0();
    format::day_in(
        crate::i18n::locale(),
        d.get_full_year() as i32,
        d.get_month() + 1,
        d.get_date(),
    )
}

#[component]
fn Notice(guide: ServiceGuide) -> impl IntoView {
    let g = guide;
    let back = use_mode().href(&format!("/services/{}", g.code));
    view! {
        <div class="notice-page slip" data-testid="one-time-notice">
            <p class="no-print"><a class="back-link" href=back>{t(k::ACTION_BACK_TO_GUIDE)}</a></p>
            <div class="slip-part">
                <PageHeading text=tf(k::NOTICE_TITLE, &[("name", &g.name)])/>
            </div>
            <p>{tf(k::NOTICE_INTRO, &[("name", &g.name)])}</p>
            <h2 class="slip-part">{t(k::GUIDE_MATERIALS)}</h2>
            <ol class="checklist slip-part">
                {g.materials.into_iter().map(|m| view! {
                    <li>
                        <span class="checklist__box" aria-hidden="true"></span>
                        <span>
                            <strong>{m.name}</strong>
                            {tf(k::NOTICE_MATERIAL_DETAIL, &[
                                ("form", format::material_form(m.form)),
                                ("copies", &tf(k::NOTICE_COPIES, &[("n", &m.copies.to_string())])),
                                ("requirement", format::requirement(m.requirement)),
                            ])}
                            {m.notes.map(|n| view! { <span class="checklist__note">{n}</span> })}
                        </span>
                    </li>
                }).collect_view()}
            </ol>
            <h2>{t(k::GUIDE_CONDITIONS)}</h2>
            <ol class="list list--number">{g.conditions.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ol>
            <dl class="summary-list">
                <SummaryRow label=t(k::FACT_PROMISED) value=format::limit(g.promised_limit) slip=true/>
                <SummaryRow label=t(k::FACT_FEES) value=if g.fees.free { t(k::FEES_FREE).to_string() } else {
                    g.fees.items.iter().map(|f| format!("{}: {}", f.name, f.standard)).collect::<Vec<_>>().join("；")
                } slip=true/>
                <SummaryRow label=t(k::GUIDE_LOCATION) value=g.location slip=true/>
                <SummaryRow label=t(k::GUIDE_HOURS) value=g.hours slip=true/>
                <SummaryRow label=t(k::GUIDE_PHONE) value=g.consult_phone slip=true/>
                <SummaryRow label=t(k::GUIDE_COMPLAINTS) value=g.complaint_channel/>
            </dl>
            <p class="notice-page__footer slip-part">
                {tf(k::NOTICE_ISSUED_BY, &[("department", &g.department.name), ("date", &today())])}
            </p>
            <p class="no-print">
                <PrintButton label=t(k::ACTION_PRINT)/>
            </p>
        </div>
    }
}
