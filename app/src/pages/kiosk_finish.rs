//! The end of a kiosk session (一次一评): a quick rating of the visit (the one the session
//! started, `crate::visit`), or a skip; either way a full reload of the kiosk's start, which
//! wipes every field, upload and history entry, and the visit with them.

use api_client::ratings::validate_rating;
use api_client::VisitRatingRequest;
use leptos::prelude::*;

use crate::api::client;
use crate::components::heading::PageHeading;
use crate::components::rating::{rating_message, LevelChoice, TagChoice};
use crate::i18n::{k, t};
use crate::visit::Visit;

/// How long the thank-you stays before the session ends.
const THANKS_MS: u32 = 3000;

use crate::kiosk_session::end as end_session;

#[component]
pub fn KioskFinish() -> impl IntoView {
    let visit = expect_context::<Visit>();
    let level = RwSignal::new(None::<u8>);
    let tags = RwSignal::new(Vec::<String>::new());
    let error = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    let thanked = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let mut req = VisitRatingRequest {
            visit: String::new(),
            level: level.get_untracked().unwrap_or(0),
            tags: tags.get_untracked(),
        };
        if let Some(problem) = validate_rating(req.level, &req.tags, None).first() {
            error.set(Some(rating_message(problem)));
            return;
        }
        error.set(None);
        failure.set(None);
        sending.set(true);
        leptos::task::spawn_local(async move {
            let rated = match visit.id().await {
                Ok(id) => {
                    req.visit = id;
                    client().rate_visit(&req).await
                }
                Err(e) => Err(e),
            };
            match rated {
                Ok(_) => {
                    thanked.set(true);
                    gloo_timers::callback::Timeout::new(THANKS_MS, end_session).forget();
                }
                Err(e) => {
                    sending.set(false);
                    let message = if e.status() == Some(401) {
                        t(k::FINISH_UNREGISTERED).to_string()
                    } else {
                        crate::api::error_message(&e)
                    };
                    failure.set(Some(message));
                }
            }
        });
    };
    move || {
        if thanked.get() {
            view! {
                <div class="finish finish--thanks" role="status" data-testid="finish-thanks">
                    <PageHeading text=t(k::FINISH_THANKS_TITLE)/>
                    <p class="lead">{t(k::FINISH_THANKS)}</p>
                </div>
            }
            .into_any()
        } else {
            view! {
                <div class="finish">
                    <PageHeading text=t(k::FINISH_TITLE)/>
                    <p class="lead">{t(k::FINISH_LEAD)}</p>
                    <form on:submit=on_submit novalidate data-testid="finish-form">
                        <LevelChoice prefix="finish" legend=t(k::FINISH_LEGEND) level error=error.into()/>
                        <TagChoice prefix="finish" level tags/>
                        {move || failure.get().map(|m| view! { <div class="notice notice--error" role="alert"><p>{m}</p></div> })}
                        <div class="button-group">
                            <button type="submit" class="button button--start" data-testid="finish-submit" disabled=move || sending.get()>{t(k::FINISH_SUBMIT)}</button>
                            <button type="button" class="button button--secondary" data-testid="finish-skip" on:click=|_| end_session()>{t(k::FINISH_SKIP)}</button>
                        </div>
                    </form>
                </div>
            }
            .into_any()
        }
    }
}
