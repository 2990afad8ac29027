//! A complaint as its complainant follows it: status, the reply deadline's light, what it is
//! about, what they wrote (always as text), the replies, and the rating of the handling once
//! there is a reply. No mobile, ever; a named complainant's name masked.

use api_client::checks::AcceptanceNumber;
use api_client::ratings::{validate_rating, MAX_COMMENT_CHARS};
use api_client::{ComplaintView, FieldError, HandlingRatingRequest, SubjectType};
use leptos::prelude::*;

use crate::api::client;
use crate::components::light::DeadlineLight;
use crate::components::rating::{
    rating_problem, show_refusal, GivenRating, LevelChoice, RatingProblems,
};
use crate::components::text_area::TextArea;
use crate::format::{date, date_time};
use crate::i18n::{k, t, tf};
use crate::pages::guide::SummaryRow;

use super::messages::{category_label, status_label, subject_kind};

/// What the complaint is about, in words: the kind and the name (or number, or text).
pub(super) fn subject_text(c: &ComplaintView) -> String {
    let s = &c.subject;
    let kind = subject_kind(s.kind, s.reference.as_deref());
    let what = match s.kind {
        SubjectType::Channel => None,
        SubjectType::Case => s.reference.as_deref().map(|r| {
            let n = AcceptanceNumber::parse(r)
                .map(|n| n.grouped())
                .unwrap_or_else(|_| r.to_string());
            match &s.name {
                Some(name) => format!("{n}（{name}）"),
                None => n,
            }
        }),
        _ => s.name.clone().or_else(|| s.reference.clone()),
    };
    match what {
        Some(w) => format!("{kind}：{w}"),
        None => kind.to_string(),
    }
}

#[component]
pub fn ComplaintDetails(complaint: ComplaintView, code: String) -> impl IntoView {
    let current = RwSignal::new(complaint);
    move || {
        let c = current.get();
        let grouped = AcceptanceNumber::parse(&c.complaint_number)
            .map(|n| n.grouped())
            .unwrap_or_else(|_| c.complaint_number.clone());
        let complainant = if c.anonymous {
            t(k::COMPLAINT_VIEW_ANONYMOUS).to_string()
        } else {
            c.masked_name.clone().unwrap_or_default()
        };
        let awaiting = c.replies.is_empty();
        view! {
            <div class="case complaint" data-testid="complaint">
                <div class="case__header">
                    <p class="case__service">{t(k::COMPLAINTS_NUMBER)}</p>
                    <p class="case__number" data-testid="complaint-number">{grouped}</p>
                    <p class="case__status">
                        <span class="tag tag--status" data-testid="complaint-status" data-status=c.status.as_str()>{status_label(c.status)}</span>
                    </p>
                </div>
                {c.deadline.clone().map(|d| {
                    let due = tf(k::COMPLAINT_VIEW_DUE, &[("date", &date(&d.date))]);
                    view! { <DeadlineLight deadline=d due testid="complaint-light"/> }
                })}
                <dl class="summary-list">
                    <div class="summary-list__row">
                        <dt class="summary-list__key">{t(k::COMPLAINT_VIEW_SUBJECT)}</dt>
                        <dd class="summary-list__value" data-testid="complaint-subject">{subject_text(&c)}</dd>
                    </div>
                    <div class="summary-list__row">
                        <dt class="summary-list__key">{t(k::COMPLAINT_VIEW_CATEGORY)}</dt>
                        <dd class="summary-list__value" data-testid="complaint-category" data-category=c.category.as_str()>{category_label(c.category)}</dd>
                    </div>
                    <div class="summary-list__row">
                        <dt class="summary-list__key">{t(k::COMPLAINT_VIEW_COMPLAINANT)}</dt>
                        <dd class="summary-list__value" data-testid="complaint-complainant">{complainant}</dd>
                    </div>
                    <SummaryRow label=t(k::COMPLAINT_VIEW_SUBMITTED_AT) value=date_time(&c.submitted_at)/>
                    <SummaryRow label=t(k::COMPLAINT_VIEW_DEPARTMENT) value=c.department.clone().unwrap_or_else(|| t(k::COMPLAINT_VIEW_NOT_ASSIGNED).into())/>
                    <SummaryRow label=t(k::COMPLAINT_VIEW_REPLY_DUE) value=date(&c.reply_due)/>
                    {(c.attachment_count > 0).then(|| view! {
                        <SummaryRow label=t(k::COMPLAINT_VIEW_ATTACHMENTS) value=tf(k::COMPLAINT_VIEW_ATTACHMENT_COUNT, &[("n", &c.attachment_count.to_string())])/>
                    })}
                </dl>
                <h2>{t(k::COMPLAINT_VIEW_DESCRIPTION)}</h2>
                // Plain text: whatever was typed, markup included, is shown as typed.
                <p class="plain-text complaint__description" data-testid="complaint-description">{c.description.clone()}</p>
                <h2>{t(k::COMPLAINT_VIEW_REPLIES)}</h2>
                {if awaiting {
                    view! { <p data-testid="complaint-no-reply">{tf(k::COMPLAINT_VIEW_NO_REPLY, &[("date", &date(&c.reply_due))])}</p> }.into_any()
                } else {
                    view! {
                        <ol class="timeline" data-testid="complaint-replies">
                            {c.replies.iter().rev().map(|r| view! {
                                <li class="timeline__item" data-testid="complaint-reply">
                                    <p class="timeline__step">{r.department.clone()}</p>
                                    <p class="timeline__meta">{date_time(&r.at)}</p>
                                    <p class="timeline__opinion plain-text">{r.text.clone()}</p>
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }}
                {c.rating.clone().map(|r| view! {
                    <section class="rating" aria-labelledby="handling-rating-heading">
                        <h2 id="handling-rating-heading">{t(k::COMPLAINT_VIEW_RATE_TITLE)}</h2>
                        <GivenRating level=r.level comment=r.comment rated_at=r.rated_at testid="handling-rating"/>
                    </section>
                })}
                {c.can_rate.then(|| view! { <HandlingRatingForm number=c.complaint_number.clone() code=code.clone() on_rated=Callback::new(move |v| current.set(v))/> })}
            </div>
        }
    }
}

const PREFIX: &str = "handling";

/// Rating how the complaint was handled (once, after a reply).
#[component]
fn HandlingRatingForm(
    number: String,
    code: String,
    on_rated: Callback<ComplaintView>,
) -> impl IntoView {
    let level = RwSignal::new(None::<u8>);
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
        let req = HandlingRatingRequest {
            level: level.get_untracked().unwrap_or(0),
            comment: (!text.is_empty()).then_some(text),
        };
        let found = validate_rating(req.level, &[], req.comment.as_deref());
        problems.set(found.clone());
        failure.set(None);
        if !found.is_empty() {
            return;
        }
        sending.set(true);
        let (number, code) = (number.clone(), code.clone());
        leptos::task::spawn_local(async move {
            let answer = client().rate_complaint(&number, &code, &req).await;
            sending.set(false);
            match answer {
                Ok(v) => on_rated.run(v),
                Err(e) => show_refusal(
                    e,
                    &["level", "comment"],
                    t(k::COMPLAINT_VIEW_ERROR_RATED),
                    problems,
                    failure,
                ),
            }
        });
    };
    view! {
        <section class="rating" aria-labelledby="handling-rate-heading" data-testid="handling-rating-section">
            <h2 id="handling-rate-heading">{t(k::COMPLAINT_VIEW_RATE_TITLE)}</h2>
            <RatingProblems prefix=PREFIX problems/>
            <form class="rating-form" on:submit=on_submit novalidate data-testid="handling-rating-form">
                <LevelChoice prefix=PREFIX legend=t(k::COMPLAINT_VIEW_RATE_LEGEND) level error=error("level")/>
                <TextArea id="handling-comment" label=t(k::RATING_COMMENT) optional=true max=MAX_COMMENT_CHARS value=comment error=error("comment") rows=3/>
                {move || failure.get().map(|m| view! { <div class="notice notice--error" role="alert" data-testid="handling-rating-error"><p>{m}</p></div> })}
                <button type="submit" class="button" data-testid="handling-rating-submit" disabled=move || sending.get()>
                    {move || if sending.get() { t(k::RATING_SUBMITTING) } else { t(k::RATING_SUBMIT) }}
                </button>
            </form>
        </section>
    }
}
