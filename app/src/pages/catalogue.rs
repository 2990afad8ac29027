//! Portal catalogue and search results: `/services?q=&department=&audience=&topic=&page=`.

use api_client::{Audience, Department, ServiceQuery, Topic};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::client;
use crate::components::fetch::{loaded, Fetched, Source};
use crate::components::heading::PageHeading;
use crate::components::pagination::Pagination;
use crate::components::search_form::SearchForm;
use crate::components::service_list::ServiceList;
use crate::format;
use crate::i18n::{k, t, tf};
use crate::preload::key;

/// The catalogue query as it stands in the URL.
pub fn query_from_url(get: impl Fn(&str) -> Option<String>) -> ServiceQuery {
    let text = |name: &str| get(name).filter(|v| !v.is_empty());
    ServiceQuery {
        q: text("q"),
        department: text("department"),
        audience: text("audience").and_then(|a| Audience::parse(&a)),
        topic: text("topic"),
        page: text("page").and_then(|p| p.parse().ok()),
        per_page: None,
    }
}

fn url_of(q: &ServiceQuery) -> String {
    let qs = q.to_query_string();
    if qs.is_empty() {
        "/services".into()
    } else {
        format!("/services?{qs}")
    }
}

#[component]
pub fn CataloguePage() -> impl IntoView {
    crate::head::describe(t(k::DESCRIBE_CATALOGUE));
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(|p| query_from_url(|n| p.get(n))));
    let results = Fetched::new(move || {
        let q = query.get();
        (
            key::services(&q),
            async move { client().services(&q).await },
        )
    });
    let topics = Fetched::new(|| (key::topics(), async { client().topics().await }));
    let departments = Fetched::new(|| (key::departments(), async { client().departments().await }));

    move || {
        let q = query.get();
        let heading = match &q.q {
            Some(text) => tf(k::CATALOGUE_RESULTS_FOR, &[("q", text)]),
            None => t(k::CATALOGUE_TITLE).to_string(),
        };
        let current = q.clone();
        view! {
            <PageHeading text=heading/>
            <SearchForm initial=q.q.clone().unwrap_or_default()/>
            <div class="catalogue">
                <aside class="catalogue__filters">
                    {move || match (topics.answer(), departments.answer()) {
                        (Some(Ok(t)), Some(Ok(d))) => view! { <Filters current=current.clone() topics=t departments=d/> }.into_any(),
                        _ => ().into_any(),
                    }}
                </aside>
                <section class="catalogue__results" aria-live="polite">
                    {loaded(results, move |page| {
                        let base = q.clone();
                        let count = tf(k::CATALOGUE_COUNT, &[("n", &crate::format::count(page.total))]);
                        if page.items.is_empty() {
                            view! {
                                <p class="result-count" data-testid="result-count">{count}</p>
                                <div class="notice">
                                    <h2 class="notice__title">{t(k::CATALOGUE_EMPTY_TITLE)}</h2>
                                    <p>{t(k::CATALOGUE_EMPTY_HINT)}</p>
                                </div>
                            }.into_any()
                        } else {
                            view! {
                                <p class="result-count" data-testid="result-count">{count}</p>
                                <ServiceList items=page.items/>
                                <Pagination page=page.page per_page=page.per_page total=page.total href=move |p| {
                                    url_of(&ServiceQuery { page: Some(p), ..base.clone() })
                                }/>
                            }.into_any()
                        }
                    })}
                </section>
            </div>
        }
    }
}

/// Filters as a form of plain selects: applied with a button, not on change, so keyboard
/// and screen-reader users are not moved away mid-choice.
#[component]
fn Filters(
    current: ServiceQuery,
    topics: Vec<Topic>,
    departments: Vec<Department>,
) -> impl IntoView {
    let navigate = use_navigate();
    let audience = RwSignal::new(
        current
            .audience
            .map(|a| a.as_str().to_string())
            .unwrap_or_default(),
    );
    let department = RwSignal::new(current.department.clone().unwrap_or_default());
    let topic = RwSignal::new(current.topic.clone().unwrap_or_default());
    let has_filters =
        current.audience.is_some() || current.department.is_some() || current.topic.is_some();
    let q = current.q.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let some = |s: String| (!s.is_empty()).then_some(s);
        let next = ServiceQuery {
            q: q.clone(),
            audience: Audience::parse(&audience.get_untracked()),
            department: some(department.get_untracked()),
            topic: some(topic.get_untracked()),
            ..Default::default()
        };
        navigate(&url_of(&next), Default::default());
    };
    let clear = url_of(&ServiceQuery {
        q: current.q.clone(),
        ..Default::default()
    });
    view! {
        // Without JavaScript the browser sends the same query the bundle would navigate to.
        <form class="filters" method="get" action="/services" on:submit=on_submit>
            {current.q.clone().map(|q| view! { <input type="hidden" name="q" value=q/> })}
            <h2 class="filters__title">{t(k::FILTER_TITLE)}</h2>
            <div class="field">
                <label class="field__label" for="filter-audience">{t(k::FILTER_AUDIENCE)}</label>
                <select id="filter-audience" name="audience" class="select" prop:value=move || audience.get() on:change=move |ev| audience.set(event_target_value(&ev))>
                    <option value="">{t(k::FILTER_ANY)}</option>
                    {Audience::ALL.into_iter().map(|a| view! {
                        <option value=a.as_str() selected=current.audience == Some(a)>{format::audience(a)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label class="field__label" for="filter-department">{t(k::FILTER_DEPARTMENT)}</label>
                <select id="filter-department" name="department" class="select" prop:value=move || department.get() on:change=move |ev| department.set(event_target_value(&ev))>
                    <option value="">{t(k::FILTER_ANY)}</option>
                    {departments.into_iter().filter(|d| d.service_count > 0).map(|d| {
                        let selected = current.department.as_deref() == Some(d.code.as_str());
                        view! { <option value=d.code selected=selected>{d.name}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label class="field__label" for="filter-topic">{t(k::FILTER_TOPIC)}</label>
                <select id="filter-topic" name="topic" class="select" prop:value=move || topic.get() on:change=move |ev| topic.set(event_target_value(&ev))>
                    <option value="">{t(k::FILTER_ANY)}</option>
                    {topics.into_iter().map(|tp| {
                        let selected = current.topic.as_deref() == Some(tp.code.as_str());
                        view! { <option value=tp.code selected=selected>{tp.name}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="button button--secondary">{t(k::FILTER_APPLY)}</button>
            {has_filters.then(|| view! { <a class="filters__clear" href=clear>{t(k::FILTER_CLEAR)}</a> })}
        </form>
    }
}
