//! The edges of every page that loads data: a loading state, and an error panel with a
//! retry when the API is unreachable or fails.

use api_client::ClientError;
use leptos::prelude::*;

use crate::api::error_message;
use crate::i18n::{k, t};

/// A part of a page waiting for its data, under the page's own heading.
#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <p class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            {t(k::STATE_LOADING)}
        </p>
    }
}

/// A whole page waiting for its data. Its heading says so: a page is never without one
/// (someone moving by headings lands here), and its real heading takes the focus when the
/// data comes (`PageHeading`).
#[component]
pub fn PageLoading() -> impl IntoView {
    view! {
        <div role="status" aria-live="polite">
            <h1 class="page-heading loading">
                <span class="spinner" aria-hidden="true"></span>
                {t(k::STATE_LOADING)}
            </h1>
        </div>
    }
}

/// Shown in place of content whose request failed; `page` when it stands for the whole
/// page, whose heading it then is.
#[component]
pub fn FetchError(
    error: ClientError,
    #[prop(into)] on_retry: Callback<()>,
    #[prop(optional)] page: bool,
) -> impl IntoView {
    let offline = matches!(error, ClientError::Network(_));
    let title = if offline {
        t(k::ERROR_OFFLINE_TITLE)
    } else {
        t(k::ERROR_TITLE)
    };
    if page {
        crate::head::set_title(title);
    }
    view! {
        <div class="notice notice--error" role="alert" data-testid="fetch-error">
            {if page {
                view! { <h1 class="notice__title notice__title--page">{title}</h1> }.into_any()
            } else {
                view! { <h2 class="notice__title">{title}</h2> }.into_any()
            }}
            <p>{error_message(&error)}</p>
            <button type="button" class="button button--secondary" on:click=move |_| on_retry.run(())>
                {t(k::ACTION_RETRY)}
            </button>
        </div>
    }
}

/// Data a page loads from the API: what `loaded` renders.
pub trait Source<T>: Copy + Send + Sync + 'static {
    /// The answer, once there is one (tracked).
    fn answer(&self) -> Option<Result<T, ClientError>>;
    /// Asks again (the error panel's retry).
    fn again(&self);
}

impl<T: Clone + 'static> Source<T> for LocalResource<Result<T, ClientError>> {
    fn answer(&self) -> Option<Result<T, ClientError>> {
        self.get()
    }
    fn again(&self) {
        self.refetch()
    }
}

/// A request a page makes, starting from the server's answer when the server rendered the
/// page (`crate::preload`): the first render then draws the content the server drew (so the
/// bundle takes the page over without a flash of loading), and nothing is asked twice.
/// Otherwise, and whenever what `request` reads changes, it asks the API, showing what it
/// had until the answer comes.
pub struct Fetched<T: 'static> {
    value: RwSignal<Option<Result<T, ClientError>>, LocalStorage>,
    asked: RwSignal<u32>,
}

impl<T: 'static> Clone for Fetched<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for Fetched<T> {}

impl<T: Clone + serde::de::DeserializeOwned + 'static> Fetched<T> {
    /// `request` gives the request's key (`crate::preload::key`) and its future; it is
    /// tracked, so a change in what it reads asks again.
    pub fn new<Fut>(request: impl Fn() -> (String, Fut) + 'static) -> Self
    where
        Fut: std::future::Future<Output = Result<T, ClientError>> + 'static,
    {
        let (key, _) = untrack(&request);
        let served = crate::preload::take::<T>(&key);
        let from_server = served.is_some();
        let value = RwSignal::new_local(served);
        let asked = RwSignal::new(0u32);
        let latest = StoredValue::new(0u64);
        Effect::new(move |ran: Option<()>| {
            asked.track();
            let (_, answer) = request();
            if ran.is_none() && from_server {
                return;
            }
            // What was shown stays until the answer comes (as `LocalResource` does): a page
            // that asks again after an action does not flash its loading state.
            let n = latest.try_get_value().unwrap_or(0) + 1;
            latest.try_set_value(n);
            leptos::task::spawn_local(async move {
                let answer = answer.await;
                // Only the latest request's answer is drawn.
                if latest.try_get_value() == Some(n) {
                    value.try_set(Some(answer));
                }
            });
        });
        Fetched { value, asked }
    }
}

impl<T: Clone + 'static> Source<T> for Fetched<T> {
    fn answer(&self) -> Option<Result<T, ClientError>> {
        self.value.get()
    }
    fn again(&self) {
        self.asked.update(|n| *n += 1)
    }
}

/// Renders a resource in a page: loading, then `render(value)`, or the error panel with a
/// retry.
pub fn loaded<T, V>(
    resource: impl Source<T>,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + 'static,
    V: IntoView + 'static,
{
    load(resource, render, false)
}

/// Renders a resource that is the whole page (`render` gives its heading).
pub fn loaded_page<T, V>(
    resource: impl Source<T>,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + 'static,
    V: IntoView + 'static,
{
    load(resource, render, true)
}

fn load<T, V>(
    resource: impl Source<T>,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
    page: bool,
) -> impl IntoView
where
    T: Clone + 'static,
    V: IntoView + 'static,
{
    move || match resource.answer() {
        None if page => view! { <PageLoading/> }.into_any(),
        None => view! { <Loading/> }.into_any(),
        Some(Ok(value)) => render.clone()(value).into_any(),
        Some(Err(error)) => {
            view! { <FetchError error on_retry=move |_| resource.again() page/> }.into_any()
        }
    }
}
