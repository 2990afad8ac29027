//! Kiosk browsing: `/kiosk/guides` lists topics or departments as large tiles;
//! `?topic=` or `?department=` lists that group's services, a page at a time.

use api_client::{Department, ServiceQuery, Topic};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::client;
use crate::components::fetch::loaded;
use crate::components::heading::PageHeading;
use crate::components::pagination::Pagination;
use crate::i18n::{k, t, tf};
use crate::mode::Mode;

/// Few per page: tiles are large and the visitor should not have to scroll.
const PER_PAGE: u32 = 6;

#[component]
pub fn KioskBrowse() -> impl IntoView {
    let params = use_query_map();
    move || {
        let (topic, department, by, page) = params.with(|p| {
            (
                p.get("topic"),
                p.get("department"),
                p.get("by"),
                p.get("page").and_then(|v| v.parse().ok()),
            )
        });
        match (topic, department) {
            (Some(topic), _) => view! { <KioskServices query=ServiceQuery { topic: Some(topic), page, per_page: Some(PER_PAGE), ..Default::default() }/> }.into_any(),
            (_, Some(dep)) => view! { <KioskServices query=ServiceQuery { department: Some(dep), page, per_page: Some(PER_PAGE), ..Default::default() }/> }.into_any(),
            _ => view! { <KioskGroups by_department=by.as_deref() == Some("department")/> }.into_any(),
        }
    }
}

#[component]
fn KioskGroups(by_department: bool) -> impl IntoView {
    let tab = |on: bool, href: &str, label: &'static str| {
        view! {
            <a class="segmented__option" class:segmented__option--on=on aria-current=on.then_some("page") href=Mode::Kiosk.href(href)>{label}</a>
        }
    };
    view! {
        <PageHeading text=t(k::TASK_GUIDES)/>
        <nav class="segmented" aria-label=t(k::KIOSK_BROWSE_BY)>
            {tab(!by_department, "/guides", t(k::KIOSK_BY_TOPIC))}
            {tab(by_department, "/guides?by=department", t(k::KIOSK_BY_DEPARTMENT))}
        </nav>
        {if by_department {
            let departments = LocalResource::new(|| async { client().departments().await });
            loaded(departments, |d: Vec<Department>| {
                view! { <GroupTiles param="department" groups=d.into_iter().map(|d| (d.code, d.name, d.service_count)).collect()/> }
            }).into_any()
        } else {
            let topics = LocalResource::new(|| async { client().topics().await });
            loaded(topics, |ts: Vec<Topic>| {
                view! { <GroupTiles param="topic" groups=ts.into_iter().map(|t| (t.code, t.name, t.service_count)).collect()/> }
            }).into_any()
        }}
    }
}

/// Topics or departments as tiles, each opening its services: `(code, name, count)`.
#[component]
fn GroupTiles(param: &'static str, groups: Vec<(String, String, u32)>) -> impl IntoView {
    view! {
        <ul class="tile-grid">
            {groups.into_iter().filter(|(_, _, n)| *n > 0).map(|(code, name, n)| view! {
                <li>
                    <a class="tile" href=Mode::Kiosk.href(&format!("/guides?{param}={code}"))>
                        <span class="tile__title">{name}</span>
                        <span class="tile__text">{tf(k::COUNT_SERVICES, &[("n", &crate::format::count(n as u64))])}</span>
                    </a>
                </li>
            }).collect_view()}
        </ul>
    }
}

#[component]
fn KioskServices(query: ServiceQuery) -> impl IntoView {
    let q = query.clone();
    let results = LocalResource::new(move || {
        let q = q.clone();
        async move { client().services(&q).await }
    });
    // The group's name, for the heading.
    let name = LocalResource::new({
        let query = query.clone();
        move || {
            let query = query.clone();
            async move {
                if let Some(topic) = &query.topic {
                    client()
                        .topics()
                        .await
                        .map(|ts| ts.into_iter().find(|x| &x.code == topic).map(|x| x.name))
                } else {
                    let dep = query.department.clone().unwrap_or_default();
                    client()
                        .departments()
                        .await
                        .map(|ds| ds.into_iter().find(|x| x.code == dep).map(|x| x.name))
                }
            }
        }
    });
    let base = query.clone();
    view! {
        {move || name.get().map(|n| view! { <PageHeading text=n.ok().flatten().unwrap_or_else(|| t(k::TASK_GUIDES).to_string())/> })}
        {loaded(results, move |page| {
            let base = base.clone();
            view! {
                <ul class="tile-grid tile-grid--list" data-testid="service-list">
                    {page.items.into_iter().map(|s| view! {
                        <li>
                            <a class="tile tile--service" href=Mode::Kiosk.href(&format!("/services/{}", s.code))>
                                <span class="tile__title">{s.name}</span>
                                <span class="tile__text">{s.department.name}</span>
                            </a>
                        </li>
                    }).collect_view()}
                </ul>
                <Pagination page=page.page per_page=page.per_page total=page.total href=move |p| {
                    let mut q = base.clone();
                    q.page = Some(p);
                    q.per_page = None;
                    Mode::Kiosk.href(&format!("/guides?{}", q.to_query_string()))
                }/>
            }
        })}
    }
}
