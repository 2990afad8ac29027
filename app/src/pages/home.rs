//! Portal home: search, popular services, life-event topics and departments.

use api_client::{Audience, Department, ServiceQuery, Topic};
use leptos::prelude::*;

use crate::api::client;
use crate::components::fetch::{loaded, Fetched};
use crate::components::heading::PageHeading;
use crate::components::search_form::SearchForm;
use crate::components::service_list::ServiceList;
use crate::i18n::{k, t, tf};
use crate::preload::key;

const POPULAR: u32 = 6;

/// The home page's most asked services (the server renders the page with the same).
pub fn popular_query() -> ServiceQuery {
    ServiceQuery {
        per_page: Some(POPULAR),
        ..Default::default()
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let popular = Fetched::new(|| {
        let query = popular_query();
        (key::services(&query), async move {
            client().services(&query).await
        })
    });
    let topics = Fetched::new(|| (key::topics(), async { client().topics().await }));
    let departments = Fetched::new(|| (key::departments(), async { client().departments().await }));
    view! {
        <div class="hero">
            <PageHeading text=t(k::HOME_TITLE)/>
            <p class="lead">{t(k::HOME_LEAD)}</p>
            <SearchForm initial="" large=true/>
        </div>
        <section class="section" aria-labelledby="popular-heading">
            <h2 id="popular-heading">{t(k::HOME_POPULAR)}</h2>
            {loaded(popular, |page| view! { <ServiceList items=page.items/> })}
            <p><a href="/services">{t(k::HOME_ALL_SERVICES)}</a></p>
        </section>
        <section class="section home-complaints" aria-labelledby="complaints-heading" data-testid="home-complaints">
            <h2 id="complaints-heading">{t(k::HOME_COMPLAINTS_TITLE)}</h2>
            <p>{t(k::HOME_COMPLAINTS_LEAD)}</p>
            <ul class="chip-list">
                <li><a class="chip" href="/complaints/new">{t(k::HOME_COMPLAINTS_NEW)}</a></li>
                <li><a class="chip" href="/complaints">{t(k::HOME_COMPLAINTS_LOOKUP)}</a></li>
                <li><a class="chip" href="/track">{t(k::COMPLAINTS_RATE_TITLE)}</a></li>
            </ul>
        </section>
        <section class="section" aria-labelledby="topics-heading">
            <h2 id="topics-heading">{t(k::HOME_TOPICS)}</h2>
            {loaded(topics, |topics| view! {
                <TopicGroup title=t(k::AUDIENCE_INDIVIDUAL_SERVICES) topics=topics.clone() audience=Audience::Individual/>
                <TopicGroup title=t(k::AUDIENCE_ORGANISATION_SERVICES) topics=topics audience=Audience::Organisation/>
            })}
        </section>
        <section class="section" aria-labelledby="departments-heading">
            <h2 id="departments-heading">{t(k::HOME_DEPARTMENTS)}</h2>
            {loaded(departments, |d| view! { <DepartmentList departments=d/> })}
        </section>
    }
}

#[component]
fn TopicGroup(title: &'static str, topics: Vec<Topic>, audience: Audience) -> impl IntoView {
    view! {
        <h3>{title}</h3>
        <ul class="chip-list">
            {topics
                .into_iter()
                .filter(|t| t.audience == audience)
                .map(|tp| view! {
                    <li><a class="chip" href=format!("/services?topic={}", tp.code)>{tp.name}</a></li>
                })
                .collect_view()}
        </ul>
    }
}

#[component]
fn DepartmentList(departments: Vec<Department>) -> impl IntoView {
    view! {
        <ul class="department-list">
            {departments
                .into_iter()
                .filter(|d| d.service_count > 0)
                .map(|d| {
                    let count = tf(k::COUNT_SERVICES, &[("n", &crate::format::count(d.service_count as u64))]);
                    view! {
                        <li>
                            <a href=format!("/services?department={}", d.code)>{d.name}</a>
                            <span class="count">{count}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
