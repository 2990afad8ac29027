//! Rating a completed case (好差评) on its track page: once, with the query code. After
//! that the page shows the rating given and, for a poor one, the rectification and staff's
//! answer to it.

use api_client::ratings::{validate_rating, MAX_COMMENT_CHARS};
use api_client::{FieldError, RatingRequest, RatingView};
use leptos::prelude::*;

use crate::api::client;
use crate::components::rating::{
    rating_problem, show_refusal, GivenRating, LevelChoice, RatingProblems, RectificationView,
    TagChoice,
};
use crate::components::text_area::TextArea;
use crate::i18n::{k, t};

const PREFIX: &str = "rate";

#[component]
pub fn CaseRating(
    number: String,
    code: Option<String>,
    rating: Option<RatingView>,
    can_rate: bool,
) -> impl IntoView {
    let given = RwSignal::new(rating);
    let just_given = RwSignal::new(false);
    let open = can_rate && code.is_some();
    (given.get_untracked().is_some() || open).then(move || {
        view! {
            <section class="rating" aria-labelledby="rating-heading" data-testid="case-rating">
                <h2 id="rating-heading">{t(k::RATING_TITLE)}</h2>
                {move || match given.get() {
                    Some(r) => view! {
                        {just_given.get().then(|| view! { <p class="notice" role="status" data-testid="rating-thanks">{t(k::RATING_THANKS)}</p> })}
                        <h3>{t(k::RATING_GIVEN)}</h3>
                        <GivenRating level=r.level tags=r.tags.clone() comment=r.comment.clone() rated_at=r.rated_at.clone()/>
                        {r.rectification.clone().map(|rect| view! { <RectificationView rectification=rect level=r.level/> })}
                    }.into_any(),
                    None => view! {
                        <RatingForm number=number.clone() code=code.clone().unwrap_or_default() on_rated=Callback::new(move |r| {
                            just_given.set(true);
                            given.set(Some(r));
                        })/>
                    }.into_any(),
                }}
            </section>
        }
    })
}

#[component]
fn RatingForm(number: String, code: String, on_rated: Callback<RatingView>) -> impl IntoView {
    let level = RwSignal::new(None::<u8>);
    let tags = RwSignal::new(Vec::<String>::new());
    let comment = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    let error = move |field| rating_problem(problems, field);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let text = comment.get_untracked().trim().to_string();
        let req = RatingRequest {
            c: code.clone(),
            level: level.get_untracked().unwrap_or(0),
            tags: tags.get_untracked(),
            comment: (!text.is_empty()).then_some(text),
        };
        let found = validate_rating(req.level, &req.tags, req.comment.as_deref());
        problems.set(found.clone());
        failure.set(None);
        if !found.is_empty() {
            return;
        }
        sending.set(true);
        let number = number.clone();
        leptos::task::spawn_local(async move {
            let answer = client().rate_case(&number, &req).await;
            sending.set(false);
            match answer {
                Ok(r) => on_rated.run(r),
                Err(e) => show_refusal(
                    e,
                    &["level", "tags", "comment"],
                    t(k::RATING_ERROR_TWICE),
                    problems,
                    failure,
                ),
            }
        });
    };
    view! {
        <RatingProblems prefix=PREFIX problems/>
        <form class="rating-form" on:submit=on_submit novalidate data-testid="rating-form">
            <LevelChoice prefix=PREFIX legend=t(k::RATING_LEGEND) level error=error("level")/>
            <TagChoice prefix=PREFIX level tags/>
            <TextArea id="rate-comment" label=t(k::RATING_COMMENT) optional=true max=MAX_COMMENT_CHARS value=comment error=error("comment") rows=3/>
            {move || failure.get().map(|m| view! { <div class="notice notice--error" role="alert" data-testid="rating-error"><p>{m}</p></div> })}
            <button type="submit" class="button" data-testid="rating-submit" disabled=move || sending.get()>
                {move || if sending.get() { t(k::RATING_SUBMITTING) } else { t(k::RATING_SUBMIT) }}
            </button>
        </form>
    }
}
