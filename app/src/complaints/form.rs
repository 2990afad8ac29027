//! The complaint form (`/complaints/new`, `/kiosk/complaints/new`): what it is about, the
//! kind of problem, what happened, optional files, named or anonymous. It is checked with
//! the one validator before sending, and every problem is listed at the top and beside its
//! field; nothing typed is lost (the form is kept in memory for the visit, never stored).
//! The submit carries an Idempotency-Key, so a retried submit files one complaint.

use std::cell::RefCell;

use api_client::complaints::MAX_DESCRIPTION_CHARS;
use api_client::{
    ClientError, ComplaintCategory, Department, FieldError, FormMaterial, MaterialForm,
    Requirement, ServiceQuery, ServiceSummary, SubjectType, UploadLimits,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::{client, with_retry};
use crate::apply::draft::Draft;
use crate::apply::fields::{InputKind, TextInput};
use crate::apply::materials::{MaterialUpload, Pending};
use crate::components::code_input::CodeInput;
use crate::components::error_summary::ErrorSummary;
use crate::components::fetch::{FetchError, PageLoading};
use crate::components::heading::PageHeading;
use crate::components::text_area::TextArea;
use crate::i18n::{k, t, tf};
use crate::mode::use_mode;

use super::created::ComplaintSent;
use super::draft::{anchor, ComplaintDraft, ATTACHMENTS};
use super::messages::{category_label, message, subject_option};

thread_local! {
    /// The complaint being written and its uploads (with the Idempotency-Key), kept for the
    /// visit so that a change of language or a look at another page loses nothing. Memory
    /// only: at the kiosk the end of the session (a full reload) wipes it.
    static KEPT: RefCell<Option<(ComplaintDraft, Draft)>> = const { RefCell::new(None) };
}

#[component]
pub fn ComplaintFormPage() -> impl IntoView {
    let query = use_query_map();
    // After a submit the page shows what was filed, read back from the server (so it is
    // right on a reload). The route stays the same, so this follows the query.
    let sent = Memo::new(move |_| {
        query.with(|q| {
            let number = q.get("sent")?;
            let code = crate::codes::code_for(q.get("c"), &number)?;
            Some((number, code))
        })
    });
    move || match sent.get() {
        Some((number, code)) => view! { <ComplaintSent number code/> }.into_any(),
        None => view! { <FormLoader/> }.into_any(),
    }
}

/// The form, once the upload limits and the departments are known.
#[component]
fn FormLoader() -> impl IntoView {
    let data = LocalResource::new(|| async {
        let config = client().config().await?;
        let departments = client().departments().await?;
        Ok::<_, ClientError>((config.limits, departments))
    });
    move || match data.get() {
        None => view! { <PageLoading/> }.into_any(),
        Some(Ok((limits, departments))) => view! { <ComplaintForm limits departments/> }.into_any(),
        Some(Err(error)) => {
            view! { <FetchError error on_retry=move |_| data.refetch() page=true/> }.into_any()
        }
    }
}

/// The form's fields as signals (the keypad writes into them), made from and back into a
/// plain `ComplaintDraft`.
#[derive(Clone, Copy)]
struct Fields {
    subject: RwSignal<Option<SubjectType>>,
    case_number: RwSignal<String>,
    case_code: RwSignal<String>,
    service_department: RwSignal<String>,
    service: RwSignal<String>,
    department: RwSignal<String>,
    staff: RwSignal<String>,
    channel: RwSignal<String>,
    category: RwSignal<Option<ComplaintCategory>>,
    description: RwSignal<String>,
    anonymous: RwSignal<Option<bool>>,
    name: RwSignal<String>,
    mobile: RwSignal<String>,
}

impl Fields {
    fn new(d: ComplaintDraft) -> Self {
        Fields {
            subject: RwSignal::new(d.subject),
            case_number: RwSignal::new(d.case_number),
            case_code: RwSignal::new(d.case_code),
            service_department: RwSignal::new(d.service_department),
            service: RwSignal::new(d.service),
            department: RwSignal::new(d.department),
            staff: RwSignal::new(d.staff),
            channel: RwSignal::new(d.channel),
            category: RwSignal::new(d.category),
            description: RwSignal::new(d.description),
            anonymous: RwSignal::new(d.anonymous),
            name: RwSignal::new(d.name),
            mobile: RwSignal::new(d.mobile),
        }
    }

    fn snapshot(&self) -> ComplaintDraft {
        ComplaintDraft {
            subject: self.subject.get(),
            case_number: self.case_number.get(),
            case_code: self.case_code.get(),
            service_department: self.service_department.get(),
            service: self.service.get(),
            department: self.department.get(),
            staff: self.staff.get(),
            channel: self.channel.get(),
            category: self.category.get(),
            description: self.description.get(),
            anonymous: self.anonymous.get(),
            name: self.name.get(),
            mobile: self.mobile.get(),
        }
    }
}

fn attachment_ids(files: &Draft) -> Vec<String> {
    files
        .materials
        .get(ATTACHMENTS)
        .map(|fs| fs.iter().map(|f| f.id.clone()).collect())
        .unwrap_or_default()
}

/// Every service of a department (the list may run over pages).
async fn services_of(department: String) -> Result<Vec<ServiceSummary>, ClientError> {
    let mut all = Vec::new();
    for page in 1.. {
        let q = ServiceQuery {
            department: Some(department.clone()),
            page: Some(page),
            per_page: Some(api_client::MAX_PER_PAGE),
            ..Default::default()
        };
        let got = client().services(&q).await?;
        let done = got.items.is_empty() || (all.len() + got.items.len()) as u64 >= got.total;
        all.extend(got.items);
        if done {
            break;
        }
    }
    Ok(all)
}

#[component]
fn ComplaintForm(limits: UploadLimits, departments: Vec<Department>) -> impl IntoView {
    let mode = use_mode();
    let navigate = use_navigate();
    let query = use_query_map();
    let channel = if mode.is_kiosk() { "kiosk" } else { "portal" };
    let (mut start, files_start) = KEPT
        .with(|k| k.borrow().clone())
        .unwrap_or_else(|| (ComplaintDraft::new(channel), Draft::start()));
    query.with_untracked(|q| {
        let case = q.get("case");
        let code = case
            .as_deref()
            .and_then(|n| crate::codes::code_for(q.get("c"), n));
        start.prefill(case, code, q.get("service"), q.get("department"))
    });
    let f = Fields::new(start);
    let files = RwSignal::new(files_start);
    let pending = Pending::new();
    Effect::new(move |_| {
        let kept = (f.snapshot(), files.get());
        KEPT.with(|k| *k.borrow_mut() = Some(kept));
    });
    // A service named by a link: find its department so the service list can show it.
    if !f.service.get_untracked().is_empty() && f.service_department.get_untracked().is_empty() {
        let code = f.service.get_untracked();
        leptos::task::spawn_local(async move {
            if let Ok(g) = client().service(&code).await {
                f.service_department.set(g.department.code);
            }
        });
    }

    let problems = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    let total_mb = crate::apply::messages::mb(limits.max_total_bytes);
    let error = {
        let total_mb = total_mb.clone();
        move |fields: &'static [&'static str]| {
            let total_mb = total_mb.clone();
            Signal::derive(move || {
                problems.with(|p| {
                    p.iter()
                        .find(|e| fields.contains(&e.field.as_str()))
                        .map(|e| message(e, f.subject.get(), &total_mb))
                })
            })
        }
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let draft = f.snapshot();
        let mut uploaded = files.get_untracked();
        let mut found = draft.problems(attachment_ids(&uploaded));
        if pending.busy() {
            found.insert(0, FieldError::new("uploads", "busy", ""));
        }
        failure.set(None);
        problems.set(found.clone());
        let Some(req) = draft
            .request(attachment_ids(&uploaded))
            .filter(|_| found.is_empty())
        else {
            return;
        };
        // Never without a secure random key: a guessable one could meet another complaint.
        if !uploaded.ensure_key() {
            failure.set(Some(t(k::ERROR_NO_RANDOMNESS).into()));
            return;
        }
        files.update_untracked(|d| d.key = uploaded.key.clone());
        sending.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let api = client();
            match with_retry(|| api.submit_complaint(&req, &uploaded.key)).await {
                Ok(created) => {
                    KEPT.with(|k| *k.borrow_mut() = None);
                    let number = &created.complaint_number;
                    let url = crate::codes::href(
                        mode,
                        &format!("/complaints/new?sent={number}"),
                        number,
                        &created.query_code,
                    );
                    navigate(
                        &url,
                        leptos_router::NavigateOptions {
                            replace: true,
                            ..Default::default()
                        },
                    );
                }
                Err(ClientError::Api { status: 400, body }) if !body.error.fields.is_empty() => {
                    sending.set(false);
                    let mut list = body.error.fields;
                    list.sort_by_key(|e| super::draft::field_order(&e.field));
                    problems.set(list);
                }
                Err(ClientError::Api { status: 429, body }) => {
                    sending.set(false);
                    failure.set(Some(
                        if body.error.code == "too_many_complaints" {
                            t(k::COMPLAINT_ERROR_TOO_MANY)
                        } else {
                            t(k::COMPLAINT_ERROR_THROTTLED)
                        }
                        .into(),
                    ));
                }
                Err(e) => {
                    sending.set(false);
                    failure.set(Some(crate::api::error_message(&e)));
                }
            }
        });
    };

    let summary = {
        let total_mb = total_mb.clone();
        move || {
            let list = problems.get();
            (!list.is_empty()).then(|| {
                let subject = f.subject.get_untracked();
                let links = list
                    .iter()
                    .map(|e| {
                        (
                            format!("#{}", anchor(&e.field, subject)),
                            message(e, subject, &total_mb),
                        )
                    })
                    .collect::<Vec<_>>();
                view! { <ErrorSummary problems=links/> }
            })
        }
    };

    let attachments = FormMaterial {
        id: ATTACHMENTS.into(),
        name: t(k::COMPLAINT_ATTACHMENTS).into(),
        required: false,
        requirement: Requirement::Optional,
        form: MaterialForm::Electronic,
        notes: Some(format!(
            "{} {}",
            t(k::COMPLAINT_ATTACHMENTS_HINT),
            tf(
                k::UPLOAD_LIMITS,
                &[
                    ("file", &crate::apply::messages::mb(limits.max_file_bytes)),
                    ("total", &total_mb)
                ]
            )
        )),
    };
    let attachments_error = error(&["attachments", "uploads"]);

    view! {
        <div class="complaint-form">
            <PageHeading text=t(k::COMPLAINT_TITLE)/>
            <p>{t(k::COMPLAINT_INTRO)}</p>
            <p><a class="link-target" href=mode.href("/complaints") data-testid="complaint-lookup-link">{t(k::COMPLAINT_LOOKUP_LINK)}</a></p>
            {summary}
            <form class="question-form" on:submit=on_submit novalidate data-testid="complaint-form">
                <SubjectQuestion f departments error=error(&["subject"]) ref_error=error(&["subject.ref"]) code_error=error(&["subject.code"])/>
                <CategoryQuestion category=f.category error=error(&["category"])/>
                <TextArea id="c-description" label=t(k::COMPLAINT_DESCRIPTION) hint=t(k::COMPLAINT_DESCRIPTION_HINT)
                    max=MAX_DESCRIPTION_CHARS value=f.description error=error(&["description"]) rows=8/>
                <MaterialUpload material=attachments draft=files pending limits=limits.clone() error=attachments_error/>
                <IdentityQuestion f error=error(&["anonymous", "contact"]) name_error=error(&["contact.name"]) mobile_error=error(&["contact.mobile"])/>
                {move || failure.get().map(|m| view! { <div class="notice notice--error" role="alert" data-testid="complaint-failure"><p>{m}</p></div> })}
                <button type="submit" class="button" data-testid="complaint-submit" disabled=move || sending.get()>
                    {move || if sending.get() { t(k::COMPLAINT_SUBMITTING) } else { t(k::COMPLAINT_SUBMIT) }}
                </button>
            </form>
        </div>
    }
}

/// The message line above a group's options.
fn error_line(id: &'static str, error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(|e| view! { <p class="field__error" id=format!("{id}-error")><span class="visually-hidden">{t(k::ERROR_PREFIX)}</span>{e}</p> })
    }
}

/// One radio of a group; `id` is the option's element id.
fn radio(
    name: &'static str,
    id: String,
    label: &'static str,
    checked: Signal<bool>,
    on: impl Fn() + 'static,
) -> impl IntoView {
    view! {
        <div class="choice">
            <input class="choice__input" type="radio" name=name id=id.clone() prop:checked=move || checked.get() on:change=move |_| on()/>
            <label class="choice__label" for=id>{label}</label>
        </div>
    }
}

#[component]
fn SubjectQuestion(
    f: Fields,
    departments: Vec<Department>,
    error: Signal<Option<String>>,
    ref_error: Signal<Option<String>>,
    code_error: Signal<Option<String>>,
) -> impl IntoView {
    let departments = StoredValue::new(departments);
    let services = LocalResource::new(move || {
        let d = f.service_department.get();
        async move {
            if d.is_empty() {
                Ok(Vec::new())
            } else {
                services_of(d).await
            }
        }
    });
    let department_options = move |selected: RwSignal<String>, only_with_services: bool| {
        departments.with_value(|ds| {
            ds.iter()
                .filter(|d| !only_with_services || d.service_count > 0)
                .map(|d| {
                    let code = d.code.clone();
                    view! { <option value=d.code.clone() selected=move || selected.get() == code>{d.name.clone()}</option> }
                })
                .collect_view()
        })
    };
    let details = move || {
        match f.subject.get() {
        None => ().into_any(),
        Some(SubjectType::Case) => view! {
            <CodeInput id="c-case-number" label=t(k::COMPLAINT_CASE_NUMBER) hint=t(k::COMPLAINT_CASE_NUMBER_HINT) value=f.case_number error=ref_error/>
            <CodeInput id="c-case-code" label=t(k::COMPLAINT_CASE_CODE) hint=t(k::COMPLAINT_CASE_CODE_HINT) value=f.case_code error=code_error letters=true/>
        }
        .into_any(),
        Some(SubjectType::Service) => view! {
            <div class="field">
                <label class="field__label" for="c-service-department">{t(k::COMPLAINT_SERVICE_DEPARTMENT)}</label>
                <select id="c-service-department" class="select input--20" on:change=move |ev| {
                    f.service_department.set(event_target_value(&ev));
                    f.service.set(String::new());
                }>
                    <option value="" selected=move || f.service_department.get().is_empty()>{t(k::COMPLAINT_CHOOSE)}</option>
                    {department_options(f.service_department, true)}
                </select>
            </div>
            <div class="field" class:field--error=move || ref_error.get().is_some()>
                <label class="field__label" for="c-service">{t(k::COMPLAINT_SERVICE)}</label>
                {error_line("c-service", ref_error)}
                <select id="c-service" class="select" aria-invalid=move || ref_error.get().is_some().then_some("true")
                    disabled=move || f.service_department.get().is_empty()
                    on:change=move |ev| f.service.set(event_target_value(&ev))>
                    <option value="" selected=move || f.service.get().is_empty()>{t(k::COMPLAINT_CHOOSE)}</option>
                    {move || services.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|s| {
                        let code = s.code.clone();
                        view! { <option value=s.code.clone() selected=move || f.service.get() == code>{s.name}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
        .into_any(),
        Some(SubjectType::Department) => view! {
            <div class="field" class:field--error=move || ref_error.get().is_some()>
                <label class="field__label" for="c-department">{t(k::COMPLAINT_DEPARTMENT)}</label>
                {error_line("c-department", ref_error)}
                <select id="c-department" class="select input--20" aria-invalid=move || ref_error.get().is_some().then_some("true")
                    on:change=move |ev| f.department.set(event_target_value(&ev))>
                    <option value="" selected=move || f.department.get().is_empty()>{t(k::COMPLAINT_CHOOSE)}</option>
                    {department_options(f.department, false)}
                </select>
            </div>
        }
        .into_any(),
        Some(SubjectType::Staff) => view! {
            <TextInput id="c-staff".to_string() label=t(k::COMPLAINT_STAFF).to_string() hint=t(k::COMPLAINT_STAFF_HINT).to_string() required=true
                kind=InputKind::TEXT initial=f.staff.get_untracked() max_chars=api_client::complaints::MAX_REF_CHARS error=ref_error
                on_change=move |v: String| f.staff.set(v)/>
        }
        .into_any(),
        Some(SubjectType::Channel) => view! {
            <div class="field" class:field--error=move || ref_error.get().is_some()>
                <fieldset class="fieldset">
                    <legend class="field__label">{t(k::COMPLAINT_CHANNEL)}</legend>
                    {error_line("c-channel", ref_error)}
                    <div class="choices">
                        {radio("c-channel", "c-channel-portal".into(), t(k::COMPLAINT_CHANNEL_PORTAL), Signal::derive(move || f.channel.get() == "portal"), move || f.channel.set("portal".into()))}
                        {radio("c-channel", "c-channel-kiosk".into(), t(k::COMPLAINT_CHANNEL_KIOSK), Signal::derive(move || f.channel.get() == "kiosk"), move || f.channel.set("kiosk".into()))}
                    </div>
                </fieldset>
            </div>
        }
        .into_any(),
    }
    };
    view! {
        <div class="field" class:field--error=move || error.get().is_some()>
            <fieldset class="fieldset">
                <legend class="field__label">{t(k::COMPLAINT_SUBJECT)}</legend>
                {error_line("c-subject", error)}
                <div class="choices">
                    {SubjectType::ALL.into_iter().map(|s| {
                        radio("c-subject", format!("c-subject-{}", s.as_str()), subject_option(s), Signal::derive(move || f.subject.get() == Some(s)), move || f.subject.set(Some(s)))
                    }).collect_view()}
                </div>
            </fieldset>
        </div>
        <div class="conditional conditional--nested" data-testid="complaint-subject-details">{details}</div>
    }
}

#[component]
fn CategoryQuestion(
    category: RwSignal<Option<ComplaintCategory>>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="field" class:field--error=move || error.get().is_some()>
            <fieldset class="fieldset">
                <legend class="field__label">{t(k::COMPLAINT_CATEGORY)}</legend>
                {error_line("c-category", error)}
                <div class="choices">
                    {ComplaintCategory::ALL.into_iter().map(|c| {
                        radio("c-category", format!("c-category-{}", c.as_str()), category_label(c), Signal::derive(move || category.get() == Some(c)), move || category.set(Some(c)))
                    }).collect_view()}
                </div>
            </fieldset>
        </div>
    }
}

#[component]
fn IdentityQuestion(
    f: Fields,
    error: Signal<Option<String>>,
    name_error: Signal<Option<String>>,
    mobile_error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="field" class:field--error=move || error.get().is_some()>
            <fieldset class="fieldset">
                <legend class="field__label">{t(k::COMPLAINT_IDENTITY)}</legend>
                <p class="field__hint">{t(k::COMPLAINT_ANONYMOUS_HINT)}</p>
                {error_line("c-identity", error)}
                <div class="choices">
                    {radio("c-identity", "c-identity-named".into(), t(k::COMPLAINT_NAMED), Signal::derive(move || f.anonymous.get() == Some(false)), move || f.anonymous.set(Some(false)))}
                    {radio("c-identity", "c-identity-anonymous".into(), t(k::COMPLAINT_ANONYMOUS), Signal::derive(move || f.anonymous.get() == Some(true)), move || f.anonymous.set(Some(true)))}
                </div>
            </fieldset>
        </div>
        <Show when=move || f.anonymous.get() == Some(false)>
            <div class="conditional conditional--nested">
                <TextInput id="c-contact-name".to_string() label=t(k::COMPLAINT_CONTACT_NAME).to_string() required=true
                    kind=InputKind { autocomplete: Some("name"), ..InputKind::TEXT } initial=f.name.get_untracked()
                    max_chars=api_client::complaints::MAX_REF_CHARS error=name_error on_change=move |v: String| f.name.set(v)/>
                <CodeInput id="c-contact-mobile" label=t(k::COMPLAINT_CONTACT_MOBILE) hint=t(k::COMPLAINT_CONTACT_MOBILE_HINT)
                    value=f.mobile error=mobile_error html_type="tel" inputmode="numeric" autocomplete="tel"/>
            </div>
        </Show>
    }
}
