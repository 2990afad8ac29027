//! Check your answers: every answer with a link to change it, the declaration, and the
//! submit. The submit is idempotent (the draft's key), so a lost answer is retried with
//! backoff without any risk of a second case.

use std::sync::Arc;

use api_client::application::{validate_application, visible_answers};
use api_client::forms::is_visible;
use api_client::{
    ApplicationCreated, Audience, ClientError, FieldError, FieldType, FormDefinition, IdType,
};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use serde_json::Value;

use crate::api::{client, with_retry};
use crate::i18n::{k, t};
use crate::mode::use_mode;

use super::draft::{Draft, Drafts};
use super::materials::size_text;
use super::messages::{anchor, applicant_label, message};
use super::steps::{step_of, Step};
use crate::components::error_summary::FormProblems;

/// The submit, with the draft's key and only the answers its form shows.
async fn submit(def: &FormDefinition, draft: &Draft) -> Result<ApplicationCreated, ClientError> {
    let mut req = draft
        .request(&def.service_code)
        .ok_or_else(|| ClientError::Decode("no applicant".into()))?;
    req.answers = visible_answers(def, &req.answers);
    let api = client();
    with_retry(|| api.submit(&req, &draft.key)).await
}

fn answer_text(field: &api_client::FormField, v: Option<&Value>) -> String {
    let label_of = |value: &str| {
        field
            .options
            .iter()
            .find(|o| o.value == value)
            .map(|o| o.label.clone())
            .unwrap_or_else(|| value.to_string())
    };
    match (field.kind, v) {
        (_, None) | (_, Some(Value::Null)) => String::new(),
        (FieldType::Boolean, Some(Value::Bool(b))) => {
            if *b { t(k::APPLY_YES) } else { t(k::APPLY_NO) }.into()
        }
        (FieldType::Choice, Some(Value::String(s))) => label_of(s),
        (FieldType::Multichoice, Some(Value::Array(items))) => items
            .iter()
            .filter_map(|i| i.as_str())
            .map(label_of)
            .collect::<Vec<_>>()
            .join(t(k::LIST_SEPARATOR)),
        (_, Some(Value::String(s))) => s.clone(),
        (_, Some(other)) => other.to_string(),
    }
}

#[component]
fn Row(
    label: String,
    value: String,
    href: String,
    #[prop(optional, into)] change_label: String,
) -> impl IntoView {
    let empty = value.trim().is_empty();
    view! {
        <div class="summary-list__row">
            <dt class="summary-list__key">{label}</dt>
            <dd class="summary-list__value">{if empty { t(k::APPLY_NOT_ANSWERED).to_string() } else { value }}</dd>
            <dd class="summary-list__actions">
                <a href=href>{t(k::APPLY_CHANGE)}<span class="visually-hidden">" "{change_label}</span></a>
            </dd>
        </div>
    }
}

#[component]
pub fn CheckStep(
    def: Arc<FormDefinition>,
    draft: RwSignal<Draft>,
    step_href: Arc<dyn Fn(Step) -> String + Send + Sync>,
) -> impl IntoView {
    let mode = use_mode();
    let navigate = use_navigate();
    let drafts = Drafts::use_();
    let d = draft.get_untracked();
    let organisation = d.applicant_type == Some(Audience::Organisation);
    let back_to = {
        let step_href = step_href.clone();
        move |step: Step| format!("{}?return=check", step_href(step))
    };
    let problems = RwSignal::new(Vec::<FieldError>::new());
    let sending = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);

    let applicant_rows: Vec<(&'static str, String)> = match d.applicant_type {
        Some(Audience::Individual) => {
            let id_type = IdType::parse(&d.text("id_type")).unwrap_or(IdType::ResidentId);
            vec![
                ("name", d.text("name")),
                (
                    "id_type",
                    super::applicant::id_type_label(id_type).to_string(),
                ),
                ("id_number", d.text("id_number")),
                ("mobile", d.text("mobile")),
            ]
        }
        Some(Audience::Organisation) => [
            "name",
            "uscc",
            "legal_representative",
            "contact_name",
            "mobile",
        ]
        .into_iter()
        .map(|n| (n, d.text(n)))
        .collect(),
        None => vec![],
    };

    let on_submit = {
        let def = def.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if sending.get_untracked() {
                return;
            }
            let mut current = draft.get_untracked();
            let mut found = match current.request(&def.service_code) {
                Some(req) => validate_application(&def, &req),
                None => vec![FieldError::new("applicant.type", "required", "")],
            };
            if !current.declared {
                found.push(FieldError::new("declaration", "required", ""));
            }
            problems.set(found.clone());
            if !found.is_empty() {
                return;
            }
            // Never without a secure random key: a guessable one could meet another request.
            if !current.ensure_key() {
                failure.set(Some(t(k::ERROR_NO_RANDOMNESS).into()));
                return;
            }
            if current.key != draft.with_untracked(|d| d.key.clone()) {
                draft.set(current.clone());
                drafts.save(&def.service_code, &current);
            }
            sending.set(true);
            failure.set(None);
            let def = def.clone();
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                match submit(&def, &current).await {
                    Ok(created) => {
                        drafts.delete(&def.service_code);
                        let number = &created.acceptance_number;
                        let url = crate::codes::href(
                            mode,
                            &format!("/receipt/{number}"),
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
                    Err(ClientError::Api { status: 400, body }) => {
                        sending.set(false);
                        problems.set(body.error.fields);
                    }
                    Err(e) => {
                        sending.set(false);
                        failure.set(Some(crate::api::error_message(&e)));
                    }
                }
            });
        }
    };

    let summary = {
        let def = def.clone();
        let link = move |e: &FieldError| {
            let href = match step_of(&def, &e.field) {
                Step::Check => format!("#{}", anchor(&e.field)),
                step => format!("{}?return=check", step_href(step)),
            };
            (href, message(&def, organisation, e))
        };
        view! { <FormProblems problems link/> }
    };

    view! {
        {summary}
        <h2>{t(k::APPLY_STEP_APPLICANT)}</h2>
        <dl class="summary-list summary-list--actions">
            {applicant_rows.into_iter().map(|(name, value)| {
                let label = applicant_label(name, organisation).to_string();
                view! { <Row label=label.clone() value href=back_to(Step::Applicant) change_label=label/> }
            }).collect_view()}
        </dl>
        {def.sections.iter().enumerate().filter(|(_, s)| s.fields.iter().any(|f| is_visible(f, &d.answers))).map(|(i, s)| {
            let rows = s.fields.iter().filter(|f| is_visible(f, &d.answers)).map(|f| {
                view! { <Row label=f.label.clone() value=answer_text(f, d.answers.get(&f.id)) href=back_to(Step::Section(i)) change_label=f.label.clone()/> }
            }).collect_view();
            view! { <h2>{s.title.clone()}</h2><dl class="summary-list summary-list--actions">{rows}</dl> }
        }).collect_view()}
        {(!def.materials.is_empty()).then(|| view! {
            <h2>{t(k::APPLY_STEP_MATERIALS)}</h2>
            <dl class="summary-list summary-list--actions">
                {def.materials.iter().map(|m| {
                    let files = d.materials.get(&m.id).map(|fs| fs.iter().map(|f| format!("{} ({})", f.name, size_text(f.size))).collect::<Vec<_>>().join(t(k::LIST_SEPARATOR))).unwrap_or_default();
                    view! { <Row label=m.name.clone() value=files href=back_to(Step::Materials) change_label=m.name.clone()/> }
                }).collect_view()}
            </dl>
        })}
        <form class="declaration" on:submit=on_submit novalidate>
            <h2>{t(k::APPLY_DECLARATION_TITLE)}</h2>
            <div class="field" class:field--error=move || problems.with(|p| p.iter().any(|e| e.field == "declaration"))>
                {move || problems.with(|p| p.iter().any(|e| e.field == "declaration")).then(|| view! {
                    <p class="field__error">{t(k::APPLY_ERROR_DECLARATION)}</p>
                })}
                <div class="choice">
                    <input class="choice__input" type="checkbox" id="declaration" prop:checked=d.declared
                        on:change=move |ev| draft.update(|x| x.declared = event_target_checked(&ev))/>
                    <label class="choice__label" for="declaration">{t(k::APPLY_DECLARATION)}</label>
                </div>
            </div>
            {move || failure.get().map(|m| view! { <div class="notice notice--error" role="alert"><p>{m}</p></div> })}
            <button type="submit" class="button" data-testid="submit" disabled=move || sending.get()>
                {move || if sending.get() { t(k::APPLY_SUBMITTING) } else { t(k::APPLY_SUBMIT) }}
            </button>
        </form>
    }
}
