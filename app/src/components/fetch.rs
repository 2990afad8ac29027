//! The edges of every page that loads data: a loading state, and an error panel with a
//! retry when the API is unreachable or fails.

use api_client::ClientError;
use leptos::prelude::*;

use crate::api::error_message;
use crate::i18n::{k, t};

#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <p class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            {t(k::STATE_LOADING)}
        </p>
    }
}

/// Shown in place of a page's content when its request failed.
#[component]
pub fn FetchError(error: ClientError, #[prop(into)] on_retry: Callback<()>) -> impl IntoView {
    let offline = matches!(error, ClientError::Network(_));
    view! {
        <div class="notice notice--error" role="alert" data-testid="fetch-error">
            <h2 class="notice__title">
                {if offline { t(k::ERROR_OFFLINE_TITLE) } else { t(k::ERROR_TITLE) }}
            </h2>
            <p>{error_message(&error)}</p>
            <button type="button" class="button button--secondary" on:click=move |_| on_retry.run(())>
                {t(k::ACTION_RETRY)}
            </button>
        </div>
    }
}

/// Renders a resource: loading, then `render(value)`, or the error panel with a retry.
pub fn loaded<T, V>(
    resource: LocalResource<Result<T, ClientError>>,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + 'static,
    V: IntoView + 'static,
{
    move || match resource.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Ok(value)) => render.clone()(value).into_any(),
        Some(Err(error)) => {
            view! { <FetchError error on_retry=move |_| resource.refetch()/> }.into_any()
        }
    }
}
