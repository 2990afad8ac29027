//! The national five-level rating (好差评): the levels as a large radio group with their
//! words, the reason tags of the chosen level, a given rating, and the rectification (整改)
//! a poor rating opens. Used by the track page, the complaint page and the kiosk's
//! end-of-session rating; each page sends its own request.

use api_client::ratings::{tags_for, LEVELS, MAX_COMMENT_CHARS};
use api_client::{ClientError, FieldError, Rectification};
use leptos::prelude::*;

use crate::components::error_summary::FormProblems;
use crate::components::light::DeadlineLight;
use crate::i18n::{k, t, tf};

/// The words of a level, 5 = 非常满意 … 1 = 非常不满意.
pub fn level_word(level: u8) -> &'static str {
    match level {
        5 => t(k::RATING_LEVEL_5),
        4 => t(k::RATING_LEVEL_4),
        3 => t(k::RATING_LEVEL_3),
        2 => t(k::RATING_LEVEL_2),
        _ => t(k::RATING_LEVEL_1),
    }
}

pub fn tag_label(tag: &str) -> &'static str {
    match tag {
        "efficient" => t(k::RATING_TAG_EFFICIENT),
        "friendly" => t(k::RATING_TAG_FRIENDLY),
        "one_visit" => t(k::RATING_TAG_ONE_VISIT),
        "clear_guidance" => t(k::RATING_TAG_CLEAR_GUIDANCE),
        "convenient_online" => t(k::RATING_TAG_CONVENIENT_ONLINE),
        "slow" => t(k::RATING_TAG_SLOW),
        "unfriendly" => t(k::RATING_TAG_UNFRIENDLY),
        "too_many_materials" => t(k::RATING_TAG_TOO_MANY_MATERIALS),
        "repeated_visits" => t(k::RATING_TAG_REPEATED_VISITS),
        "unclear_guidance" => t(k::RATING_TAG_UNCLEAR_GUIDANCE),
        _ => t(k::RATING_TAG_UNREASONABLE_FEES),
    }
}

/// The sentence for a problem with a rating (`level`, `tags`, `comment`), naming the field.
pub fn rating_message(e: &FieldError) -> String {
    match e.field.as_str() {
        "level" => t(k::RATING_ERROR_LEVEL).into(),
        "tags" => t(k::RATING_ERROR_TAGS).into(),
        _ if e.code == api_client::text::CONTROL_CHARACTER => {
            tf(k::APPLY_ERROR_CONTROL, &[("label", t(k::RATING_COMMENT))])
        }
        _ => tf(
            k::APPLY_ERROR_TOO_LONG,
            &[
                ("label", t(k::RATING_COMMENT)),
                ("n", &MAX_COMMENT_CHARS.to_string()),
            ],
        ),
    }
}

/// The element a rating problem links to.
pub fn rating_anchor(prefix: &str, field: &str) -> String {
    match field {
        "level" => format!("{prefix}-level-5"),
        "tags" => format!("{prefix}-tags"),
        _ => format!("{prefix}-comment"),
    }
}

/// The problem with `field` of a rating form, shown beside it.
pub fn rating_problem(
    problems: RwSignal<Vec<FieldError>>,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        problems.with(|p| p.iter().find(|e| e.field == field).map(rating_message))
    })
}

/// A rating form's problems at its top, each linking to its field.
#[component]
pub fn RatingProblems(prefix: &'static str, problems: RwSignal<Vec<FieldError>>) -> impl IntoView {
    let link = move |e: &FieldError| {
        let href = format!("#{}", rating_anchor(prefix, &e.field));
        (href, rating_message(e))
    };
    view! { <FormProblems problems link/> }
}

/// Shows why the server refused a rating: problems with the form's `fields` beside them,
/// 409 (rated already) as `twice`, anything else as what went wrong.
pub fn show_refusal(
    e: ClientError,
    fields: &[&str],
    twice: &'static str,
    problems: RwSignal<Vec<FieldError>>,
    failure: RwSignal<Option<String>>,
) {
    match e {
        ClientError::Api { status: 409, .. } => failure.set(Some(twice.into())),
        ClientError::Api { status: 400, body }
            if body
                .error
                .fields
                .iter()
                .any(|f| fields.contains(&f.field.as_str())) =>
        {
            problems.set(body.error.fields)
        }
        e => failure.set(Some(crate::api::error_message(&e))),
    }
}

/// The five levels, best first. Each option is a large card (at least 60 px high).
#[component]
pub fn LevelChoice(
    prefix: &'static str,
    #[prop(into)] legend: String,
    level: RwSignal<Option<u8>>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="field" class:field--error=move || error.get().is_some()>
            <fieldset class="fieldset" aria-describedby=move || error.get().map(|_| format!("{prefix}-level-error"))>
                <legend class="field__label rating__legend">{legend}</legend>
                {move || error.get().map(|e| view! {
                    <p class="field__error" id=format!("{prefix}-level-error")><span class="visually-hidden">{t(k::ERROR_PREFIX)}</span>{e}</p>
                })}
                <div class="rating-levels">
                    {LEVELS.into_iter().map(|l| {
                        let id = format!("{prefix}-level-{l}");
                        view! {
                            <div class=format!("rating-level rating-level--{l} rating-level--{}", tag_group(l))>
                                <input type="radio" class="rating-level__input" id=id.clone() name=format!("{prefix}-level") value=l.to_string()
                                    data-testid=id.clone()
                                    // The server's HTML has no properties: a level sent back is checked by attribute.
                                    checked=level.get_untracked() == Some(l)
                                    prop:checked=move || level.get() == Some(l)
                                    on:change=move |_| level.set(Some(l))/>
                                <label class="rating-level__label" for=id>
                                    <span class="rating-level__stars" aria-hidden="true">{"★".repeat(l as usize)}</span>
                                    <span class="rating-level__word">{level_word(l)}</span>
                                </label>
                            </div>
                        }
                    }).collect_view()}
                </div>
            </fieldset>
        </div>
    }
}

/// The reason tags of the chosen level (praise for 满意 and above, faults below); a change of
/// level keeps only the tags that still apply.
#[component]
pub fn TagChoice(
    prefix: &'static str,
    level: RwSignal<Option<u8>>,
    tags: RwSignal<Vec<String>>,
) -> impl IntoView {
    Effect::new(move |_| {
        if let Some(l) = level.get() {
            let offered = tags_for(l);
            if tags.with_untracked(|ts| ts.iter().any(|x| !offered.contains(&x.as_str()))) {
                tags.update(|ts| ts.retain(|x| offered.contains(&x.as_str())));
            }
        }
    });
    let tag = move |tag: &'static str| {
        let id = format!("{prefix}-tag-{tag}");
        view! {
            <div class="rating-tag">
                <input type="checkbox" class="rating-tag__input" id=id.clone() data-testid=id.clone()
                    name=format!("{prefix}-tags") value=tag
                    checked=tags.with_untracked(|ts| ts.iter().any(|x| x == tag))
                    prop:checked=move || tags.with(|ts| ts.iter().any(|x| x == tag))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        tags.update(|ts| {
                            ts.retain(|x| x != tag);
                            if on { ts.push(tag.to_string()); }
                        });
                    }/>
                <label class="rating-tag__label" for=id>{tag_label(tag)}</label>
            </div>
        }
    };
    let legend = move || {
        view! {
            <legend class="field__label">{t(k::RATING_TAGS)}<span class="field__optional">{t(k::APPLY_OPTIONAL)}</span></legend>
        }
    };
    move || {
        if cfg!(feature = "ssr") {
            // The server's HTML for a page with no bundle: both sets of tags, the chosen
            // level's shown by CSS (base.css, `:has`); the server drops the others if sent.
            return Some(
                view! {
                    <div class="field rating-tags-all">
                        <fieldset class="fieldset" id=format!("{prefix}-tags")>
                            {legend()}
                            {[5, 1].into_iter().map(|l| view! {
                                <div class=format!("rating-tags rating-tags--{}", tag_group(l))>
                                    {tags_for(l).iter().map(|&x| tag(x)).collect_view()}
                                </div>
                            }).collect_view()}
                        </fieldset>
                    </div>
                }
                .into_any(),
            );
        }
        level.get().map(|l| {
            view! {
                <div class="field">
                    <fieldset class="fieldset" id=format!("{prefix}-tags")>
                        {legend()}
                        <div class="rating-tags">
                            {tags_for(l).iter().map(|&x| tag(x)).collect_view()}
                        </div>
                    </fieldset>
                </div>
            }
            .into_any()
        })
    }
}

/// Which set of reason tags a level offers (`tags_for`): praise or faults.
fn tag_group(level: u8) -> &'static str {
    if tags_for(level) == tags_for(LEVELS[0]) {
        "praise"
    } else {
        "fault"
    }
}

/// A rating once given: its level in words, its reasons and comment.
#[component]
pub fn GivenRating(
    level: u8,
    #[prop(optional)] tags: Vec<String>,
    comment: Option<String>,
    #[prop(into)] rated_at: String,
    #[prop(default = "rating-given")] testid: &'static str,
) -> impl IntoView {
    view! {
        <div class="rating-given" data-testid=testid data-level=level.to_string()>
            <p class="rating-given__level">
                <span class="rating-level__stars" aria-hidden="true">{"★".repeat(level as usize)}</span>" "
                <strong>{level_word(level)}</strong>
            </p>
            {(!tags.is_empty()).then(|| view! {
                <ul class="rating-given__tags">{tags.iter().map(|tg| view! { <li class="tag">{tag_label(tg)}</li> }).collect_view()}</ul>
            })}
            {comment.map(|c| view! { <p class="rating-given__comment plain-text">{c}</p> })}
            <p class="hint">{t(k::RATING_RATED_AT)}" "{crate::format::date_time(&rated_at)}</p>
        </div>
    }
}

/// 整改: while unanswered, the due date and its light; once answered, staff's explanation
/// and the action taken.
#[component]
pub fn RectificationView(rectification: Rectification, level: u8) -> impl IntoView {
    let r = rectification;
    view! {
        <div class="notice notice--warning rectification" data-testid="rectification" data-answered=r.answered.to_string()>
            <h3 class="notice__title">{t(k::RECTIFICATION_TITLE)}</h3>
            {if r.answered {
                view! {
                    <dl class="summary-list">
                        <div class="summary-list__row">
                            <dt class="summary-list__key">{t(k::RECTIFICATION_EXPLANATION)}</dt>
                            <dd class="summary-list__value plain-text" data-testid="rectification-explanation">{r.explanation.clone().unwrap_or_default()}</dd>
                        </div>
                        <div class="summary-list__row">
                            <dt class="summary-list__key">{t(k::RECTIFICATION_ACTION)}</dt>
                            <dd class="summary-list__value plain-text" data-testid="rectification-action">{r.action_taken.clone().unwrap_or_default()}</dd>
                        </div>
                        {r.answered_at.clone().map(|at| view! {
                            <div class="summary-list__row">
                                <dt class="summary-list__key">{t(k::RECTIFICATION_ANSWERED_AT)}</dt>
                                <dd class="summary-list__value">{crate::format::date_time(&at)}</dd>
                            </div>
                        })}
                    </dl>
                }.into_any()
            } else {
                view! {
                    <p data-testid="rectification-pending">{tf(k::RECTIFICATION_PENDING, &[("level", level_word(level)), ("date", &crate::format::date(&r.due_date))])}</p>
                    {r.deadline.clone().map(|d| {
                        let due = tf(k::RECTIFICATION_DUE, &[("date", &crate::format::date(&d.date))]);
                        view! { <DeadlineLight deadline=d due testid="rectification-light"/> }
                    })}
                }.into_any()
            }}
        </div>
    }
}
