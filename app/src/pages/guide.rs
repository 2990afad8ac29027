//! The service guide (办事指南) `/services/{code}`: every element of the service, in the
//! order an applicant needs them. The kiosk shows the same guide in its own layout.

use api_client::{ServiceGuide, Supports};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::client;
use crate::components::fetch::PageLoading;
use crate::components::fetch::{FetchError, Fetched, Source};
use crate::components::heading::PageHeading;
use crate::components::materials_table::MaterialsTable;
use crate::format;
use crate::i18n::{k, t};
use crate::mode::use_mode;
use crate::pages::not_found::NotFound;
use crate::preload::key;

/// The guide for the `code` in the URL, with the page's loading, not-found and error states.
pub fn guide_resource() -> Fetched<ServiceGuide> {
    let params = use_params_map();
    let code = Memo::new(move |_| params.with(|p| p.get("code").unwrap_or_default()));
    Fetched::new(move || {
        let code = code.get();
        (
            key::service(&code),
            async move { client().service(&code).await },
        )
    })
}

pub fn with_guide<V: IntoView + 'static>(
    render: impl Fn(ServiceGuide) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let guide = guide_resource();
    move || match guide.answer() {
        None => view! { <PageLoading/> }.into_any(),
        Some(Ok(g)) => render.clone()(g).into_any(),
        Some(Err(e)) if e.is_not_found() => view! { <NotFound service=true/> }.into_any(),
        Some(Err(error)) => {
            view! { <FetchError error on_retry=move |_| guide.again() page=true/> }.into_any()
        }
    }
}

#[component]
pub fn GuidePage() -> impl IntoView {
    with_guide(|g| view! { <GuideView guide=g/> })
}

#[component]
fn Fact(label: &'static str, #[prop(into)] value: String) -> impl IntoView {
    view! {
        <div class="facts__item">
            <dt>{label}</dt>
            <dd>{value}</dd>
        </div>
    }
}

fn supports_list(s: Supports) -> Vec<&'static str> {
    [
        (s.appointment, k::SUPPORTS_APPOINTMENT),
        (s.payment, k::SUPPORTS_PAYMENT),
        (s.delivery, k::SUPPORTS_DELIVERY),
        (s.kiosk, k::SUPPORTS_KIOSK),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, key)| t(key))
    .collect()
}

#[component]
pub fn GuideView(guide: ServiceGuide) -> impl IntoView {
    let mode = use_mode();
    let g = guide;
    crate::head::describe(crate::i18n::tf(
        k::DESCRIBE_GUIDE,
        &[("name", &g.name), ("department", &g.department.name)],
    ));
    let notice_href = mode.href(&format!("/services/{}/notice", g.code));
    let apply_href = g
        .accepts_online_applications()
        .then(|| mode.href(&format!("/services/{}/apply", g.code)));
    let complain_href = mode.href(&format!("/complaints/new?service={}", g.code));
    let supports = supports_list(g.supports);
    // A kiosk without a printer shows the notice but cannot print it.
    let settings = crate::kiosk_config::KioskSettings::get();
    let notice_label = move || {
        if mode.is_kiosk() && !settings.with(|c| c.printer) {
            t(k::SLIP_NOTICE_LINK)
        } else {
            t(k::GUIDE_PRINT_NOTICE)
        }
    };
    let topics = g
        .topics
        .iter()
        .map(|t| t.name.clone())
        .collect::<Vec<_>>()
        .join(t(k::LIST_SEPARATOR));
    view! {
        <article class="guide" data-testid="guide">
            {(!mode.is_kiosk()).then(|| view! {
                <nav class="breadcrumbs" aria-label=t(k::BREADCRUMBS_LABEL)>
                    <ol>
                        <li><a href="/">{t(k::NAV_HOME)}</a></li>
                        <li><a href="/services">{t(k::NAV_GUIDES)}</a></li>
                    </ol>
                </nav>
            })}
            <PageHeading text=g.name.clone() caption=g.department.name.clone()/>
            <dl class="facts">
                <Fact label=t(k::FACT_PROMISED) value=format::limit(g.promised_limit)/>
                <Fact label=t(k::FACT_STATUTORY) value=format::limit(g.statutory_limit)/>
                <Fact label=t(k::FACT_VISITS) value=format::visits(g.visits)/>
                <Fact label=t(k::FACT_FEES) value=if g.fees.free { t(k::FEES_FREE) } else { t(k::FEES_CHARGED) }/>
            </dl>
            <p class="guide__actions">
                {apply_href.map(|href| view! { <a class="button button--start" href=href data-testid="apply-link">{t(k::GUIDE_APPLY)}</a> })}
                <a class="button button--secondary" href=notice_href data-testid="notice-link">{notice_label}</a>
                <a class="button button--secondary" href=complain_href data-testid="complain-link">{t(k::GUIDE_COMPLAIN)}</a>
            </p>

            <section class="guide__section" aria-labelledby="g-basic">
                <h2 id="g-basic">{t(k::GUIDE_BASIC)}</h2>
                <dl class="summary-list">
                    <SummaryRow label=t(k::GUIDE_CODE) value=g.code.clone()/>
                    <SummaryRow label=t(k::GUIDE_KIND) value=format::kind(g.kind)/>
                    <SummaryRow label=t(k::GUIDE_DEPARTMENT) value=g.department.name.clone()/>
                    <SummaryRow label=t(k::GUIDE_AUDIENCE) value=format::audiences(&g.audience)/>
                    {(!topics.is_empty()).then(|| view! { <SummaryRow label=t(k::GUIDE_TOPICS) value=topics/> })}
                    <SummaryRow label=t(k::GUIDE_HANDLING) value=format::handling(g.handling_type)/>
                    <SummaryRow label=t(k::GUIDE_DEPTH) value=format::online_depth(g.online_depth)/>
                    <SummaryRow label=t(k::GUIDE_SUPPORTS) value=if supports.is_empty() { t(k::SUPPORTS_NONE).to_string() } else { supports.join(t(k::LIST_SEPARATOR)) }/>
                </dl>
            </section>

            <section class="guide__section" aria-labelledby="g-conditions">
                <h2 id="g-conditions">{t(k::GUIDE_CONDITIONS)}</h2>
                <ol class="list list--number">{g.conditions.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ol>
            </section>

            <section class="guide__section" aria-labelledby="g-materials">
                <h2 id="g-materials">{t(k::GUIDE_MATERIALS)}</h2>
                <MaterialsTable materials=g.materials/>
            </section>

            <section class="guide__section" aria-labelledby="g-steps">
                <h2 id="g-steps">{t(k::GUIDE_STEPS)}</h2>
                <ol class="steps">
                    {g.steps.into_iter().map(|s| view! {
                        <li class="steps__item">
                            <h3 class="steps__name">{s.name}</h3>
                            <p>{s.description}</p>
                            {s.time_limit.map(|tl| view! { <p class="steps__time">{t(k::GUIDE_STEP_TIME)}" "{tl}</p> })}
                        </li>
                    }).collect_view()}
                </ol>
            </section>

            <section class="guide__section" aria-labelledby="g-limits">
                <h2 id="g-limits">{t(k::GUIDE_LIMITS)}</h2>
                <dl class="summary-list">
                    <SummaryRow label=t(k::FACT_STATUTORY) value=format::limit(g.statutory_limit)/>
                    <SummaryRow label=t(k::FACT_PROMISED) value=format::limit(g.promised_limit)/>
                    <SummaryRow label=t(k::GUIDE_HANDLING) value=format::handling(g.handling_type)/>
                </dl>
            </section>

            <section class="guide__section" aria-labelledby="g-fees">
                <h2 id="g-fees">{t(k::GUIDE_FEES)}</h2>
                {if g.fees.free {
                    view! { <p>{t(k::FEES_FREE_SENTENCE)}</p> }.into_any()
                } else {
                    view! {
                        <div class="table-scroll">
                            <table class="table">
                                <thead><tr>
                                    <th scope="col">{t(k::FEES_ITEM)}</th>
                                    <th scope="col">{t(k::FEES_STANDARD)}</th>
                                    <th scope="col">{t(k::FEES_BASIS)}</th>
                                </tr></thead>
                                <tbody>
                                    {g.fees.items.into_iter().map(|f| view! {
                                        <tr><th scope="row">{f.name}</th><td>{f.standard}</td><td>{f.basis}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }}
            </section>

            <section class="guide__section" aria-labelledby="g-where">
                <h2 id="g-where">{t(k::GUIDE_WHERE)}</h2>
                <dl class="summary-list">
                    <SummaryRow label=t(k::GUIDE_LOCATION) value=g.location/>
                    <SummaryRow label=t(k::GUIDE_HOURS) value=g.hours/>
                    <SummaryRow label=t(k::GUIDE_PHONE) value=g.consult_phone/>
                    <SummaryRow label=t(k::GUIDE_COMPLAINTS) value=g.complaint_channel/>
                </dl>
            </section>

            <section class="guide__section" aria-labelledby="g-result">
                <h2 id="g-result">{t(k::GUIDE_RESULT)}</h2>
                <p>{g.result.name}</p>
                {g.result.notes.map(|n| view! { <p class="hint">{n}</p> })}
            </section>

            <section class="guide__section" aria-labelledby="g-basis">
                <h2 id="g-basis">{t(k::GUIDE_LEGAL_BASIS)}</h2>
                <ul class="list list--bullet">
                    {g.legal_basis.into_iter().map(|l| view! { <li>{l.law}" "{l.article}</li> }).collect_view()}
                </ul>
            </section>

            {(!g.faqs.is_empty()).then(|| view! {
                <section class="guide__section" aria-labelledby="g-faqs">
                    <h2 id="g-faqs">{t(k::GUIDE_FAQS)}</h2>
                    {g.faqs.into_iter().map(|f| view! {
                        <details class="details">
                            <summary class="details__summary">{f.question}</summary>
                            <p class="details__text">{f.answer}</p>
                        </details>
                    }).collect_view()}
                </section>
            })}
        </article>
    }
}

/// One row of a summary list; `slip` puts it on the kiosk's printed slip (print.css).
#[component]
pub fn SummaryRow(
    label: &'static str,
    #[prop(into)] value: String,
    #[prop(optional)] slip: bool,
    /// A short remark under the value (a provisional date's), printed with it.
    #[prop(default = None)]
    note: Option<String>,
) -> impl IntoView {
    view! {
        <div class="summary-list__row" class:slip-part=slip>
            <dt class="summary-list__key">{label}</dt>
            <dd class="summary-list__value">
                {value}
                {note.map(|n| view! { <span class="summary-list__note" data-testid="summary-note">{n}</span> })}
            </dd>
        </div>
    }
}
