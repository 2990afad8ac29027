//! The banner shown while the central API cannot be reached (`crate::connectivity`): it
//! says that what was typed is kept, that the page keeps trying, and offers to try now.

use leptos::prelude::*;

use crate::connectivity;
use crate::i18n::{k, t};

#[component]
pub fn OfflineBanner() -> impl IntoView {
    move || {
        connectivity::is_down().then(|| {
            view! {
                <div class="offline-banner" role="alert" data-testid="offline-banner">
                    <p class="offline-banner__text">
                        <strong>{t(k::OFFLINE_TITLE)}</strong>" "{t(k::OFFLINE_BODY)}
                    </p>
                    <button type="button" class="button button--secondary offline-banner__retry" data-testid="offline-retry"
                        on:click=|_| connectivity::retry_now()>{t(k::OFFLINE_RETRY)}</button>
                </div>
            }
        })
    }
}
