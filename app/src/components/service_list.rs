//! A list of services as cards: name, department and the key facts.

use api_client::ServiceSummary;
use leptos::prelude::*;

use crate::format;
use crate::i18n::{k, t};
use crate::mode::use_mode;

#[component]
pub fn ServiceList(items: Vec<ServiceSummary>) -> impl IntoView {
    let mode = use_mode();
    view! {
        <ul class="service-list" data-testid="service-list">
            {items
                .into_iter()
                .map(|s| {
                    let href = mode.href(&format!("/services/{}", s.code));
                    view! {
                        <li class="service-card">
                            <a class="service-card__link" href=href>{s.name}</a>
                            <p class="service-card__dept">{s.department.name}</p>
                            <ul class="service-card__facts">
                                <li><span class="tag">{format::kind(s.kind)}</span></li>
                                <li>{t(k::FACT_PROMISED)}" "{format::limit(s.promised_limit)}</li>
                                <li>{t(k::FACT_VISITS)}" "{format::visits(s.visits)}</li>
                                <li>{if s.free { t(k::FEES_FREE) } else { t(k::FEES_CHARGED) }}</li>
                            </ul>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
