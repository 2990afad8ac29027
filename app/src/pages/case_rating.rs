//! Rating a completed case (好差评) on its track page: once, with the query code. After
//! that the page shows the rating given and, for a poor one, the rectification and staff's
//! answer to it.

use api_client::ratings::{tags_for, validate_rating, LEVELS, MAX_COMMENT_CHARS};
use api_client::{ClientError, ErrorBody, FieldError, RatingRequest, RatingView};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::api::client;
use crate::components::rating::{
    rating_problem, show_refusal, GivenRating, LevelChoice, RatingProblems, RectificationView,
    TagChoice,
};
use crate::components::text_area::TextArea;
use crate::i18n::{k, t};

const PREFIX: &str = "rate";

/// A rating form as it was filled in: what the bundle sends, and what the server reads
/// from the form a page with no bundle posts (`POST /track/{number}/rating`). A refused one
/// comes back to the page with the API's reasons, so that nothing typed is lost.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RatingDraft {
    pub level: Option<u8>,
    pub tags: Vec<String>,
    /// As typed.
    pub comment: String,
    /// The API's status and reasons, when it refused the rating.
    pub refusal: Option<(u16, ErrorBody)>,
}

impl RatingDraft {
    /// The form's fields (`rate-level`, `rate-tags`, `rate-comment`) as sent. Tags that
    /// are not the chosen level's are dropped, as the form drops them when the level
    /// changes (a page with no bundle has them all, and shows the level's by CSS).
    pub fn from_fields(fields: &[(String, String)]) -> RatingDraft {
        let field = |suffix: &str| format!("{PREFIX}-{suffix}");
        let get = |name: String| crate::preload::field(fields, &name);
        let level = get(field("level"))
            .and_then(|v| v.trim().parse::<u8>().ok())
            .filter(|l| LEVELS.contains(l));
        let offered = level.map(tags_for).unwrap_or_default();
        let tags_field = field("tags");
        let mut tags = Vec::new();
        for (name, value) in fields {
            if *name == tags_field && offered.contains(&value.as_str()) && !tags.contains(value) {
                tags.push(value.clone());
            }
        }
        RatingDraft {
            level,
            tags,
            comment: get(field("comment")).unwrap_or_default().to_string(),
            refusal: None,
        }
    }

    /// The API's request for the case with `code`.
    pub fn request(&self, code: &str) -> RatingRequest {
        let text = self.comment.trim();
        RatingRequest {
            c: code.to_string(),
            level: self.level.unwrap_or(0),
            tags: self.tags.clone(),
            comment: (!text.is_empty()).then(|| text.to_string()),
        }
    }
}

#[component]
pub fn CaseRating(
    number: String,
    code: Option<String>,
    rating: Option<RatingView>,
    can_rate: bool,
) -> impl IntoView {
    // A rating sent without the bundle comes back to the page with `rated`.
    let rated_here = use_query_map().with_untracked(|q| q.get("rated").is_some());
    let just_given = RwSignal::new(rated_here && rating.is_some());
    let given = RwSignal::new(rating);
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
    let sent = crate::preload::take::<RatingDraft>(crate::preload::key::RATING_FORM)
        .and_then(Result::ok)
        .unwrap_or_default();
    let level = RwSignal::new(sent.level);
    let tags = RwSignal::new(sent.tags);
    let comment = RwSignal::new(sent.comment);
    let problems = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    const FIELDS: [&str; 3] = ["level", "tags", "comment"];
    if let Some((status, body)) = sent.refusal {
        let refusal = ClientError::Api { status, body };
        show_refusal(
            refusal,
            &FIELDS,
            t(k::RATING_ERROR_TWICE),
            problems,
            failure,
        );
    }
    // Without the bundle the form goes to the server, which sends it on to the API.
    let action = format!("/track/{}/rating", api_client::query::encode(&number));
    let error = move |field| rating_problem(problems, field);
    let code_field = code.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let req = RatingDraft {
            level: level.get_untracked(),
            tags: tags.get_untracked(),
            comment: comment.get_untracked(),
            refusal: None,
        }
        .request(&code);
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
                Err(e) => show_refusal(e, &FIELDS, t(k::RATING_ERROR_TWICE), problems, failure),
            }
        });
    };
    view! {
        <RatingProblems prefix=PREFIX problems/>
        <form class="rating-form" method="post" action=action on:submit=on_submit novalidate data-testid="rating-form">
            <input type="hidden" name="c" value=code_field/>
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_sent_rating_keeps_its_levels_tags_and_the_comment_as_typed() {
        let sent = RatingDraft::from_fields(&fields(&[
            ("rate-level", "1"),
            ("rate-tags", "slow"),
            ("rate-tags", "efficient"),
            ("rate-tags", "slow"),
            ("rate-comment", "  太慢 "),
        ]));
        assert_eq!(sent.level, Some(1));
        assert_eq!(sent.tags, ["slow"], "praise dropped, once each");
        assert_eq!(sent.comment, "  太慢 ");
        let req = sent.request("ABCDEF");
        assert_eq!(req.comment.as_deref(), Some("太慢"));
        assert_eq!((req.c.as_str(), req.level), ("ABCDEF", 1));
    }

    #[test]
    fn a_level_that_is_none_is_no_level() {
        for level in ["0", "6", "x", "", "255", "-1"] {
            let sent =
                RatingDraft::from_fields(&fields(&[("rate-level", level), ("rate-tags", "slow")]));
            assert_eq!(sent.level, None, "{level}");
            assert!(sent.tags.is_empty(), "{level}");
            assert_eq!(sent.request("A").level, 0, "the API names the field");
        }
    }
}
