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

/// Renders a resource in a page: loading, then `render(value)`, or the error panel with a
/// retry.
pub fn loaded<T, V>(
    resource: LocalResource<Result<T, ClientError>>,
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
    resource: LocalResource<Result<T, ClientError>>,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + 'static,
    V: IntoView + 'static,
{
    load(resource, render, true)
}

fn load<T, V>(
    resource: LocalResource<Result<T, ClientError>>,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
    page: bool,
) -> impl IntoView
where
    T: Clone + 'static,
    V: IntoView + 'static,
{
    move || match resource.get() {
        None if page => view! { <PageLoading/> }.into_any(),
        None => view! { <Loading/> }.into_any(),
        Some(Ok(value)) => render.clone()(value).into_any(),
        Some(Err(error)) => {
            view! { <FetchError error on_retry=move |_| resource.refetch() page/> }.into_any()
        }
    }
}
