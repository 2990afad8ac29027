//! Progress lookup (办件查询): `/track` asks for the acceptance number and the query code
//! (or the mobile number used when applying); `/track/{number}?c={code}` shows the case.
//! The receipt's QR code lands on the latter, mostly on phones, so it is light and plain.

use api_client::cases::MaterialFiles;
use api_client::checks::{
    normalise_mobile, normalise_query_code, AcceptanceNumber, AcceptanceNumberError,
};
use api_client::{CaseStatus, CaseView, ClientError, StoredFile, TimelineEvent};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::api::client;
use crate::components::code_input::CodeInput;
use crate::components::fetch::{FetchError, Fetched, PageLoading, Source};
use crate::components::heading::PageHeading;
use crate::components::light::DeadlineLight;
use crate::format::{date, date_time};
use crate::i18n::{k, t, tf, Key};
use crate::kept::kept;
use crate::mode::use_mode;
use crate::pages::case_rating::CaseRating;
use crate::pages::guide::SummaryRow;
use crate::pages::receipt::{provisional_note, status_label};
use crate::preload::key;

/// What the lookup form found wrong, by field.
#[derive(Clone, Debug, Default, PartialEq)]
struct Problems {
    number: Option<&'static str>,
    secret: Option<&'static str>,
}

/// The words for an empty, malformed and mistyped number.
pub struct NumberWords {
    pub empty: Key,
    pub format: Key,
    pub check: Key,
}

pub const ACCEPTANCE_NUMBER: NumberWords = NumberWords {
    empty: k::TRACK_ERROR_NUMBER_EMPTY,
    format: k::TRACK_ERROR_NUMBER_FORMAT,
    check: k::TRACK_ERROR_NUMBER_CHECK,
};

/// Checks a typed number (an acceptance or complaint number) before any request: a typo is
/// caught by its check character.
pub fn check_number_as(typed: &str, words: &NumberWords) -> Result<AcceptanceNumber, &'static str> {
    if typed.trim().is_empty() {
        return Err(t(words.empty));
    }
    AcceptanceNumber::parse(typed).map_err(|e| match e {
        AcceptanceNumberError::Format => t(words.format),
        AcceptanceNumberError::Check => t(words.check),
    })
}

fn check_number(typed: &str) -> Result<AcceptanceNumber, &'static str> {
    check_number_as(typed, &ACCEPTANCE_NUMBER)
}

/// What the lookup form holds, checked before any request: the problems by field, and
/// the number with the code or the mobile number when they are well formed.
struct Checked {
    problems: Problems,
    number: Option<AcceptanceNumber>,
    code: Option<String>,
    mobile: Option<String>,
}

fn check_form(number: &str, typed: &str, by_mobile: bool) -> Checked {
    let mut problems = Problems::default();
    let number = check_number(number)
        .map_err(|m| problems.number = Some(m))
        .ok();
    // One field, read as a mobile number or as a query code.
    let (secret, empty, wrong) = if by_mobile {
        let mobile = normalise_mobile(typed);
        (mobile, k::TRACK_ERROR_MOBILE_EMPTY, k::TRACK_ERROR_MOBILE)
    } else {
        let code = normalise_query_code(typed);
        (code, k::TRACK_ERROR_CODE_EMPTY, k::TRACK_ERROR_CODE)
    };
    if secret.is_none() {
        problems.secret = Some(t(if typed.trim().is_empty() {
            empty
        } else {
            wrong
        }));
    }
    let (code, mobile) = if by_mobile {
        (None, secret)
    } else {
        (secret, None)
    };
    Checked {
        problems,
        number,
        code,
        mobile,
    }
}

/// The lookup form sent to the server without the bundle (`POST /track`). A lookup by code
/// goes on to the case's page; one by mobile number, or one with problems, is given back
/// with the page it answers: the mobile number goes into that page (the answer to a POST,
/// never cached) and never into an address.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TrackDraft {
    pub number: String,
    pub by_mobile: bool,
    /// The code or mobile number, as typed.
    pub secret: String,
}

impl TrackDraft {
    /// The form's fields as sent (`track-number`, `by`, `track-secret`).
    pub fn from_fields(fields: &[(String, String)]) -> TrackDraft {
        let get = |name| crate::preload::field(fields, name).unwrap_or_default();
        TrackDraft {
            number: get("track-number").to_string(),
            by_mobile: get("by") == "mobile",
            secret: get("track-secret").to_string(),
        }
    }

    /// What to look the case up by, when the form is well formed (else the page shows
    /// the problems, as the bundle does before any request).
    pub fn lookup(&self) -> Option<Lookup> {
        let checked = check_form(&self.number, &self.secret, self.by_mobile);
        let number = checked.number?.compact().to_string();
        match (checked.code, checked.mobile) {
            (Some(code), _) => Some(Lookup::Code { number, code }),
            (_, Some(mobile)) => Some(Lookup::Mobile { number, mobile }),
            _ => None,
        }
    }
}

/// A well-formed lookup: the compact number with the code or the 11-digit mobile number.
#[derive(Clone, Debug, PartialEq)]
pub enum Lookup {
    Code { number: String, code: String },
    Mobile { number: String, mobile: String },
}

#[component]
pub fn TrackLookup() -> impl IntoView {
    crate::head::describe(t(k::DESCRIBE_TRACK));
    let mode = use_mode();
    let navigate = use_navigate();
    // A lookup the server was sent, and what the API answered it.
    let sent = crate::preload::take::<TrackDraft>(key::TRACK_FORM).and_then(Result::ok);
    let answered = crate::preload::take::<CaseView>(key::TRACK_FOUND);
    let (sent_number, sent_secret, sent_by_mobile) = match &sent {
        Some(d) => (Some(d.number.clone()), d.secret.clone(), d.by_mobile),
        None => (None, String::new(), false),
    };
    // A scanned number arrives as `?n=` (see scanner.rs).
    let number = kept("number", || {
        sent_number.unwrap_or_else(|| {
            use_query_map()
                .with_untracked(|q| q.get("n"))
                .unwrap_or_default()
        })
    });
    let secret = kept("secret", || sent_secret);
    let by_mobile = kept("by_mobile", || sent_by_mobile);
    let problems = RwSignal::new(
        sent.map(|d| check_form(&d.number, &d.secret, d.by_mobile).problems)
            .unwrap_or_default(),
    );
    // A lookup by mobile number is shown here: the number must not go into the address.
    let found = RwSignal::new(answered);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = check_form(
            &number.get_untracked(),
            &secret.get_untracked(),
            by_mobile.get_untracked(),
        );
        problems.set(checked.problems);
        let Some(n) = checked.number else { return };
        if let Some(code) = checked.code {
            let path = format!("/track/{}", n.compact());
            navigate(
                &crate::codes::href(mode, &path, n.compact(), &code),
                Default::default(),
            );
        } else if let Some(mobile) = checked.mobile {
            found.set(None);
            leptos::task::spawn_local(async move {
                let req = api_client::CaseLookupRequest::mobile(&mobile);
                found.set(Some(client().look_up_case(n.compact(), &req).await));
            });
        }
    };
    let error = move |pick: fn(&Problems) -> Option<&'static str>| {
        Signal::derive(move || problems.with(|p| pick(p).map(str::to_string)))
    };
    view! {
        <PageHeading text=t(k::TRACK_TITLE)/>
        <p>{t(k::TRACK_INTRO)}</p>
        // Without JavaScript the form is sent to the server, which goes on to the case.
        <form class="track-form" class:track-form--mobile=move || by_mobile.get() method="post" action=mode.href("/track") on:submit=on_submit novalidate>
            <CodeInput id="track-number" label=t(k::TRACK_NUMBER) hint=t(k::TRACK_NUMBER_HINT) value=number error=error(|p| p.number)/>
            <div class="choices choices--inline">
                <div class="choice">
                    <input class="choice__input" type="radio" name="by" value="code" id="by-code" checked=!by_mobile.get_untracked() prop:checked=move || !by_mobile.get() on:change=move |_| by_mobile.set(false)/>
                    <label class="choice__label" for="by-code">{t(k::TRACK_BY_CODE)}</label>
                </div>
                <div class="choice">
                    <input class="choice__input" type="radio" name="by" value="mobile" id="by-mobile" checked=by_mobile.get_untracked() prop:checked=move || by_mobile.get() on:change=move |_| by_mobile.set(true)/>
                    <label class="choice__label" for="by-mobile">{t(k::TRACK_BY_MOBILE)}</label>
                </div>
            </div>
            // Drawn again when the way changes: the keypad and the phone's keyboard follow it.
            {move || {
                let mobile = by_mobile.get();
                view! { <CodeInput id="track-secret" label=by_way(k::TRACK_CODE, k::TRACK_MOBILE) hint=by_way(k::TRACK_CODE_HINT, k::TRACK_MOBILE_HINT) value=secret error=error(|p| p.secret) inputmode=if mobile { "numeric" } else { "text" } letters=!mobile/> }
            }}
            <button type="submit" class="button" data-testid="track-submit">{t(k::TRACK_SUBMIT)}</button>
        </form>
        {move || found.get().map(|r| match r {
            Ok(case) => view! { <CaseDetails case/> }.into_any(),
            Err(e) if e.is_not_found() => view! { <NoMatch/> }.into_any(),
            Err(error) => view! { <FetchError error on_retry=move |_| ()/> }.into_any(),
        })}
    }
}

/// The second field's words for each way of looking up. Both are in the page and the style
/// sheet shows the checked way's, so that they change with the choice without script too.
fn by_way(code: Key, mobile: Key) -> impl IntoView {
    view! { <span class="by-code">{t(code)}</span><span class="by-mobile">{t(mobile)}</span> }
}

/// The same words for an unknown number and a wrong code: nothing is given away.
#[component]
fn NoMatch() -> impl IntoView {
    view! {
        <div class="notice notice--error" role="alert" data-testid="no-match">
            <h2 class="notice__title">{t(k::TRACK_NO_MATCH_TITLE)}</h2>
            <p>{t(k::TRACK_NO_MATCH)}</p>
        </div>
    }
}

#[component]
pub fn CasePage() -> impl IntoView {
    crate::head::describe(t(k::DESCRIBE_TRACK));
    let params = use_params_map();
    let query = use_query_map();
    // A case's address without its code (the code left the address bar, and the page was
    // reloaded): the page asks for the code instead of showing an error.
    let number = params.with_untracked(|p| p.get("number").unwrap_or_default());
    if query
        .with_untracked(|q| crate::codes::code_for(q.get("c"), &number))
        .is_none()
    {
        return view! { <CodeNeeded number/> }.into_any();
    }
    let case = Fetched::new(move || {
        let number = params.with(|p| p.get("number").unwrap_or_default());
        let code = query.with(|q| crate::codes::code_for(q.get("c"), &number).unwrap_or_default());
        (key::case(&number), async move {
            client().case(&number, &code).await
        })
    });
    // Once read, the code leaves the address bar (browser history, screenshots, a shoulder):
    // the router keeps it in memory for this page's links and actions.
    Effect::new(move || {
        if matches!(case.answer(), Some(Ok(_))) {
            drop_query_from_address();
        }
    });
    (move || {
        match case.answer() {
        None => view! { <PageLoading/> }.into_any(),
        Some(Ok(c)) => view! { <PageHeading text=t(k::TRACK_CASE_TITLE)/><CaseDetails case=c on_change=Callback::new(move |_| case.again())/> }.into_any(),
        Some(Err(e)) if e.is_not_found() => view! { <PageHeading text=t(k::TRACK_TITLE)/><NoMatch/><p><a href=use_mode().href("/track")>{t(k::TRACK_AGAIN)}</a></p> }.into_any(),
        Some(Err(ClientError::Api { status: 429, .. })) => view! {
            <PageHeading text=t(k::TRACK_TITLE)/>
            <div class="notice notice--error" role="alert" data-testid="throttled"><p>{t(k::TRACK_THROTTLED)}</p></div>
        }.into_any(),
        Some(Err(error)) => view! { <FetchError error on_retry=move |_| case.again() page=true/> }.into_any(),
    }
    })
    .into_any()
}

/// A case's page without its code: the lookup form, with the number filled in, asks for it.
#[component]
fn CodeNeeded(number: String) -> impl IntoView {
    let href = use_mode().href(&format!("/track?n={}", api_client::query::encode(&number)));
    view! {
        <PageHeading text=t(k::TRACK_CASE_TITLE)/>
        <div class="notice" data-testid="code-needed">
            <p>{t(k::TRACK_CODE_NEEDED)}</p>
            <p><a class="button" href=href>{t(k::TRACK_ENTER_CODE)}</a></p>
        </div>
    }
}

/// Replaces the address bar's entry with the same path without its query string (`?c=`),
/// without a navigation: the router's own location, and so the code, stay as they were.
fn drop_query_from_address() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    if location.search().map(|s| s.is_empty()).unwrap_or(true) {
        return;
    }
    let (Ok(path), Ok(history)) = (location.pathname(), window.history()) else {
        return;
    };
    let state = history.state().unwrap_or(wasm_bindgen::JsValue::NULL);
    let _ = history.replace_state_with_url(&state, "", Some(&path));
}

#[component]
fn CaseDetails(case: CaseView, #[prop(optional)] on_change: Option<Callback<()>>) -> impl IntoView {
    let mode = use_mode();
    let c = case;
    let grouped = AcceptanceNumber::parse(&c.acceptance_number)
        .map(|n| n.grouped())
        .unwrap_or_else(|_| c.acceptance_number.clone());
    let number = c.acceptance_number.clone();
    let code = use_query_map().with_untracked(|q| crate::codes::code_for(q.get("c"), &number));
    let supplement_href = code.as_ref().map(|code| {
        crate::codes::href(mode, &format!("/track/{number}/supplement"), &number, code)
    });
    // The complaint form checks the pair again; without the code it asks for it.
    let complain_path = format!("/complaints/new?case={number}");
    let complain_href = match &code {
        Some(code) => crate::codes::href(mode, &complain_path, &number, code),
        None => mode.href(&complain_path),
    };
    // Withdrawing asks first: the confirmation opens under the button (`<details>`, which
    // needs no script). "Yes" is a form: the bundle sends it to the API itself; a page with
    // no bundle posts it to the server (`POST /track/{number}/withdraw`), which shows the
    // page again with the API's refusal, if any.
    let refused = crate::preload::take::<serde_json::Value>(crate::preload::key::WITHDRAW_FORM)
        .and_then(Result::err)
        .map(|e| crate::api::error_message(&e));
    let confirming = RwSignal::new(refused.is_some());
    let withdraw_error = RwSignal::new(refused);
    let withdraw_action = format!("/track/{}/withdraw", api_client::query::encode(&number));
    let withdraw = {
        let (number, code) = (number.clone(), code.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (number, code) = (number.clone(), code.clone().unwrap_or_default());
            leptos::task::spawn_local(async move {
                match client().withdraw(&number, &code).await {
                    Ok(_) => {
                        confirming.set(false);
                        if let Some(cb) = on_change {
                            cb.run(());
                        }
                    }
                    Err(e) => withdraw_error.set(Some(crate::api::error_message(&e))),
                }
            });
        }
    };
    // In the server's HTML the buttons only a script can press are hidden; `plain.js`
    // shows them.
    let script_only = cfg!(feature = "ssr");
    view! {
        // `data-drop-query`: on a page with no bundle, `plain.js` takes the code out of the
        // address bar, as `CasePage` does.
        <div class="case" data-testid="case" data-drop-query="">
            // A withdrawal the server was sent and the API refused, for a case that can no
            // longer be withdrawn (decided meanwhile): said at the top, not in the gone form.
            {(!(c.can_withdraw && code.is_some())).then(|| withdraw_error.get_untracked().map(|m| view! {
                <div class="notice notice--error" role="alert" data-testid="withdraw-refused"><p>{m}</p></div>
            }))}
            <div class="case__header">
                <p class="case__service">{c.service.name.clone()}" · "{c.department.clone()}</p>
                <p class="case__number" data-testid="case-number">{grouped}</p>
                <p class="case__status">
                    <span class="tag tag--status" data-testid="case-status" data-status=c.status.as_str() data-read-aloud=crate::read_aloud::pair(t(k::RECEIPT_STATUS), status_label(c.status))>{status_label(c.status)}</span>
                </p>
            </div>
            {c.deadline.clone().map(|d| {
                let due = if d.paused { t(k::LIGHT_PAUSED).to_string() } else { tf(k::LIGHT_DUE, &[("date", &date(&d.date))]) };
                view! { <DeadlineLight deadline=d due/> }
            })}
            <dl class="summary-list">
                <SummaryRow label=t(k::RECEIPT_APPLICANT) value=c.masked_name.clone()/>
                <SummaryRow label=t(k::RECEIPT_SUBMITTED_AT) value=date_time(&c.submitted_at)/>
                <SummaryRow label=t(k::TRACK_CURRENT_STEP) value=current_step(&c)/>
                <SummaryRow label=t(k::RECEIPT_PROMISED_DATE) value=date(&c.promised_date) note=provisional_note(c.promised_date_provisional, &c.promised_date)/>
            </dl>
            <CaseFiles number=number.clone() code=code.clone() files=c.files.clone()/>
            {c.supplement.clone().filter(|s| !s.answered).map(|s| view! {
                <div class="notice notice--warning" data-testid="supplement">
                    <h2 class="notice__title">{t(k::SUPPLEMENT_TITLE)}</h2>
                    <p>{t(k::SUPPLEMENT_INTRO)}</p>
                    <ol class="list list--number">
                        {s.items.into_iter().map(|i| view! { <li><strong>{i.name}</strong>{(!i.note.is_empty()).then(|| format!("：{}", i.note))}</li> }).collect_view()}
                    </ol>
                    {supplement_href.clone().map(|href| view! { <a class="button" href=href data-testid="supplement-link">{t(k::SUPPLEMENT_UPLOAD)}</a> })}
                </div>
            })}
            {c.supplement.clone().filter(|s| s.answered).map(|_| view! { <p class="notice">{t(k::SUPPLEMENT_SENT)}</p> })}
            {c.result.clone().map(|r| view! {
                <div class="notice" class:notice--error=!r.approved data-testid="result">
                    <h2 class="notice__title">{if r.approved { t(k::RESULT_APPROVED) } else { t(k::RESULT_DENIED) }}</h2>
                    {r.reason.map(|x| view! { <p>{x}</p> })}
                    {r.remedy.map(|x| view! { <p>{x}</p> })}
                    {r.delivery.map(|x| view! { <p>{t(k::RESULT_DELIVERY)}" "{delivery_words(&x)}</p> })}
                </div>
            })}
            {
                let (number, code, rating, can_rate) = (number.clone(), code.clone(), c.rating.clone(), c.can_rate);
                // A form: the bundle sends it, or, without the bundle, the server.
                view! { <CaseRating number code rating can_rate/> }
            }
            <h2>{t(k::TRACK_TIMELINE)}</h2>
            <ol class="timeline" data-testid="timeline">
                {c.timeline.iter().rev().map(|e| view! {
                    <li class="timeline__item">
                        <p class="timeline__step">{step(e)}</p>
                        <p class="timeline__meta">{date_time(&e.at)}" · "{e.department.clone()}</p>
                        {e.opinion.clone().map(|o| view! { <p class="timeline__opinion">{o}</p> })}
                    </li>
                }).collect_view()}
            </ol>
            <div class="receipt__qr">
                <div class="receipt__qr-image" role="img" aria-label=t(k::RECEIPT_QR_LABEL) inner_html=c.qr_svg.clone()></div>
                <p class="hint">{t(k::RECEIPT_QR_HINT)}</p>
            </div>
            <div class="button-group no-print">
                <button type="button" class="button button--secondary" data-print="" hidden=script_only on:click=|_| { let _ = window().print(); }>{t(k::ACTION_PRINT)}</button>
                <a class="button button--secondary" href=complain_href data-testid="complain-link">{t(k::RATING_COMPLAIN)}</a>
            </div>
            {(c.can_withdraw && code.is_some()).then(|| view! {
                <details class="withdraw no-print" open=confirming.get_untracked() prop:open=move || confirming.get()
                    on:toggle=move |ev| confirming.set(event_target::<web_sys::Element>(&ev).has_attribute("open"))>
                    <summary class="button button--warning" data-testid="withdraw">{t(k::WITHDRAW_BUTTON)}</summary>
                    <div class="notice notice--error" role="group" aria-labelledby="withdraw-title" data-testid="withdraw-confirm">
                        <h2 class="notice__title" id="withdraw-title">{t(k::WITHDRAW_CONFIRM_TITLE)}</h2>
                        <p>{t(k::WITHDRAW_CONFIRM_BODY)}</p>
                        {move || withdraw_error.get().map(|m| view! { <p class="field__error" role="alert">{m}</p> })}
                        <form class="button-group" method="post" action=withdraw_action on:submit=withdraw>
                            <input type="hidden" name="c" value=code.clone().unwrap_or_default()/>
                            <button type="submit" class="button button--warning" data-testid="withdraw-yes">{t(k::WITHDRAW_YES)}</button>
                            <button type="button" class="button button--secondary" data-close-details="" hidden=script_only on:click=move |_| confirming.set(false)>{t(k::WITHDRAW_NO)}</button>
                        </form>
                    </div>
                </details>
            })}
        </div>
    }
}

/// The files the applicant sent, by material, each a download (with the code, in the
/// portal only: the kiosk offers no downloads).
#[component]
fn CaseFiles(number: String, code: Option<String>, files: MaterialFiles) -> impl IntoView {
    let mode = use_mode();
    let code = code.filter(|_| !mode.is_kiosk());
    let listed: Vec<StoredFile> = files.into_values().flatten().collect();
    (!listed.is_empty()).then(|| {
        view! {
            <h2>{t(k::TRACK_FILES)}</h2>
            {code.is_some().then(|| view! { <p class="hint">{t(k::TRACK_FILES_HINT)}</p> })}
            <ul class="list" data-testid="case-files">
                {listed.into_iter().map(|f| {
                    let size = size_text(f.size);
                    let name = f.name.clone();
                    let link = code.as_ref().map(|code| {
                        format!("/api/v1/cases/{number}/files/{}?c={code}", f.id)
                    });
                    view! {
                        <li>
                            {match link {
                                Some(href) => view! { <a href=href download=name.clone() data-testid="case-file">{name.clone()}</a> }.into_any(),
                                None => view! { <span>{name.clone()}</span> }.into_any(),
                            }}
                            " · "{size}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    })
}

/// A file's size for people: KB below a megabyte, MB with one decimal above.
fn size_text(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024).max(1))
    }
}

/// The step of a timeline event. The submission is the only `submitted` event of a
/// timeline, and the server names it in Chinese (`progress::SUBMITTED_STEP`): the interface
/// says it in its own words. Staff's steps are their own texts, in the reader's script.
fn step(e: &TimelineEvent) -> String {
    if e.status == CaseStatus::Submitted {
        t(k::TRACK_STEP_SUBMITTED).into()
    } else {
        e.step.clone()
    }
}

/// The current step: a case still `submitted` waits to be accepted (the server's
/// `progress::WAITING_STEP`), said in the interface's words; otherwise the last step staff
/// recorded.
fn current_step(c: &CaseView) -> String {
    if c.status == CaseStatus::Submitted {
        t(k::TRACK_STEP_WAITING).into()
    } else {
        c.current_step.clone()
    }
}

/// How the result is delivered, in words (the API sends `window`, `post` or `electronic`).
fn delivery_words(code: &str) -> String {
    match code {
        "window" => t(k::RESULT_DELIVERY_WINDOW).into(),
        "post" => t(k::RESULT_DELIVERY_POST).into(),
        "electronic" => t(k::RESULT_DELIVERY_ELECTRONIC).into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(number: &str, by: &str, secret: &str) -> TrackDraft {
        TrackDraft::from_fields(&[
            ("track-number".into(), number.into()),
            ("by".into(), by.into()),
            ("track-secret".into(), secret.into()),
        ])
    }

    #[test]
    fn a_sent_lookup_is_read_as_the_bundle_reads_it() {
        let number = AcceptanceNumber::new("440113", "240101", 1).unwrap();
        let compact = number.compact().to_string();
        assert_eq!(
            draft(
                &format!(" {} ", number.grouped()),
                "mobile",
                "138 0013 8000"
            )
            .lookup(),
            Some(Lookup::Mobile {
                number: compact.clone(),
                mobile: "13800138000".into()
            })
        );
        assert_eq!(
            draft(&compact, "code", " abc def ").lookup(),
            Some(Lookup::Code {
                number: compact.clone(),
                code: "ABCDEF".into()
            })
        );
        // Problems: the page names them instead of asking anything.
        assert_eq!(draft(&compact, "mobile", "1380013").lookup(), None);
        assert_eq!(draft(&compact, "code", "ABCDE0").lookup(), None);
        assert_eq!(draft("", "code", "").lookup(), None);
        assert_eq!(draft("x\r\n", "mobile", "13800138000").lookup(), None);
    }
}
