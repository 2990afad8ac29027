//! Online application (网上申报): `/services/{code}/apply[/{step}]` in the portal and
//! `/kiosk/services/{code}/apply[/{step}]` at the kiosk, with the same components.
//!
//! One topic per page; Continue checks the page with the same validation the server runs
//! and lists what is wrong at the top; answers live in the draft and are never lost.

mod applicant;
mod check;
pub mod draft;
pub(crate) mod fields;
pub(crate) mod materials;
pub(crate) mod messages;
pub mod steps;
pub mod supplement;

use std::sync::Arc;

use api_client::application::{answer_problems, applicant_problems, material_problems};
use api_client::{Audience, FieldError, FormDefinition, Requirement};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::api::client;
use crate::components::fetch::{FetchError, PageLoading};
use crate::components::heading::PageHeading;
use crate::i18n::{k, t, tf};
use crate::mode::use_mode;
use crate::pages::not_found::NotFound;

use crate::components::error_summary::FormProblems;
use applicant::ApplicantStep;
use check::CheckStep;
use draft::{Draft, Drafts};
use fields::QuestionField;
use materials::{MaterialsStep, Pending};
use messages::{anchor, mb, message};
use steps::Step;

#[component]
pub fn ApplyPage() -> impl IntoView {
    let params = use_params_map();
    let code = Memo::new(move |_| params.with(|p| p.get("code").unwrap_or_default()));
    let form = LocalResource::new(move || {
        let c = code.get();
        async move { client().form(&c).await }
    });
    move || match form.get() {
        None => view! { <PageLoading/> }.into_any(),
        Some(Ok(def)) => view! { <Flow def=Arc::new(def)/> }.into_any(),
        Some(Err(e)) if e.is_not_found() => {
            view! { <NotOnline code=code.get_untracked()/> }.into_any()
        }
        Some(Err(error)) => {
            view! { <FetchError error on_retry=move |_| form.refetch() page=true/> }.into_any()
        }
    }
}

/// For a code that is unknown or whose service takes no online applications.
#[component]
fn NotOnline(code: String) -> impl IntoView {
    let mode = use_mode();
    view! {
        <div data-testid="not-online">
            <PageHeading text=t(k::APPLY_NOT_ONLINE_TITLE)/>
            <p>{t(k::APPLY_NOT_ONLINE_BODY)}</p>
            <p><a href=mode.href(&format!("/services/{code}"))>{t(k::ACTION_BACK_TO_GUIDE)}</a></p>
        </div>
    }
}

#[component]
fn Flow(def: Arc<FormDefinition>) -> impl IntoView {
    let mode = use_mode();
    let drafts = Drafts::use_();
    let code = def.service_code.clone();
    let draft = RwSignal::new(drafts.load(&code).unwrap_or_else(Draft::start));
    {
        let code = code.clone();
        // Every change is kept as it happens (in memory; in the portal, also on disk).
        Effect::new(move |_| draft.with(|d| drafts.save(&code, d)));
    }
    let pending = Pending::new();
    let params = use_params_map();
    let query = use_query_map();
    let base = mode.href(&format!("/services/{code}/apply"));
    let step_href: Arc<dyn Fn(Step) -> String + Send + Sync> = {
        let (def, base) = (def.clone(), base.clone());
        Arc::new(move |s: Step| format!("{base}/{}", s.slug(&def)))
    };
    move || {
        let slug = params.with(|p| p.get("step"));
        let returning = query.with(|q| q.get("return").as_deref() == Some("check"));
        let (def, step_href) = (def.clone(), step_href.clone());
        match slug {
            None => view! { <StartPage def=def.clone() draft step_href=step_href.clone()/> }.into_any(),
            Some(s) => match Step::parse(&def, &s) {
                Some(Step::Check) => view! {
                    <StepFrame def=def.clone() draft step=Step::Check step_href=step_href.clone()>
                        <CheckStep def=def.clone() draft step_href=step_href.clone()/>
                    </StepFrame>
                }.into_any(),
                Some(step) => view! { <QuestionPage def=def.clone() draft pending step returning step_href=step_href.clone()/> }.into_any(),
                None => view! { <NotFound/> }.into_any(),
            },
        }
    }
}

fn step_title(def: &FormDefinition, step: Step) -> String {
    match step {
        Step::Applicant => t(k::APPLY_STEP_APPLICANT).into(),
        Step::Section(i) => def.sections[i].title.clone(),
        Step::Materials => t(k::APPLY_STEP_MATERIALS).into(),
        Step::Check => t(k::APPLY_STEP_CHECK).into(),
    }
}

/// Back link, caption and heading around a step.
#[component]
fn StepFrame(
    def: Arc<FormDefinition>,
    draft: RwSignal<Draft>,
    step: Step,
    step_href: Arc<dyn Fn(Step) -> String + Send + Sync>,
    children: Children,
) -> impl IntoView {
    let mode = use_mode();
    let back = match draft.with_untracked(|d| steps::previous(&def, &d.answers, step)) {
        Some(prev) => step_href(prev),
        None => mode.href(&format!("/services/{}/apply", def.service_code)),
    };
    view! {
        <div class="apply" data-step=step.slug(&def)>
            <p><a class="back-link" href=back data-testid="back-link">{t(k::ACTION_BACK)}</a></p>
            <PageHeading text=step_title(&def, step) caption=tf(k::APPLY_CAPTION, &[("name", &def.service_name)])/>
            {children()}
        </div>
    }
}

/// A question page: the applicant, a section of the form, or the materials.
#[component]
fn QuestionPage(
    def: Arc<FormDefinition>,
    draft: RwSignal<Draft>,
    pending: Pending,
    step: Step,
    returning: bool,
    step_href: Arc<dyn Fn(Step) -> String + Send + Sync>,
) -> impl IntoView {
    let navigate = use_navigate();
    let problems = RwSignal::new(Vec::<FieldError>::new());
    let organisation =
        move || draft.with_untracked(|d| d.applicant_type == Some(Audience::Organisation));
    let error = {
        let def = def.clone();
        move |path: &str| {
            let (path, def) = (path.to_string(), def.clone());
            Signal::derive(move || {
                problems.with(|list| {
                    list.iter()
                        .find(|e| e.field == path)
                        .map(|e| message(&def, organisation(), e))
                })
            })
        }
    };
    let on_continue = {
        let (def, step_href) = (def.clone(), step_href.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let d = draft.get_untracked();
            let found = match step {
                Step::Applicant => match d.applicant() {
                    None => vec![FieldError::new("applicant.type", "required", "")],
                    Some(a) => applicant_problems(&a, &def.audience),
                },
                Step::Section(i) => answer_problems(&def.sections[i].fields, &d.answers),
                Step::Materials if pending.busy() => vec![FieldError::new("uploads", "busy", "")],
                Step::Materials => {
                    let chosen = d
                        .materials
                        .iter()
                        .map(|(k, v)| (k.clone(), v.iter().map(|f| f.id.clone()).collect()))
                        .collect();
                    material_problems(&def, &chosen)
                }
                Step::Check => vec![],
            };
            if found.is_empty() {
                let next = if returning {
                    Step::Check
                } else {
                    steps::next(&def, &d.answers, step)
                };
                navigate(&step_href(next), Default::default());
            } else {
                problems.set(found);
            }
        }
    };
    let summary = {
        let def = def.clone();
        let link = move |e: &FieldError| {
            let text = if e.field == "uploads" {
                t(k::UPLOAD_WAIT).to_string()
            } else {
                message(&def, organisation(), e)
            };
            (format!("#{}", anchor(&e.field)), text)
        };
        view! { <FormProblems problems link/> }
    };
    let body = match step {
        Step::Applicant => view! { <ApplicantStep draft audience=def.audience.clone() error=error.clone()/> }.into_any(),
        Step::Section(i) => def.sections[i]
            .fields
            .iter()
            .map(|f| {
                let field = f.clone();
                let err = error(&format!("answers.{}", f.id));
                // A conditional question appears as soon as its condition is met.
                let shown = {
                    let field = field.clone();
                    Memo::new(move |_| draft.with(|d| api_client::forms::is_visible(&field, &d.answers)))
                };
                view! {
                    <Show when=move || shown.get()>
                        <div class="conditional" class:conditional--nested=field.visible_if.is_some()>
                            <QuestionField field=field.clone() draft error=err/>
                        </div>
                    </Show>
                }
            })
            .collect_view()
            .into_any(),
        Step::Materials => view! { <MaterialsStep def=(*def).clone() draft pending error=error.clone()/> }.into_any(),
        Step::Check => ().into_any(),
    };
    view! {
        <StepFrame def=def.clone() draft step step_href=step_href.clone()>
            {summary}
            <form class="question-form" on:submit=on_continue novalidate>
                {body}
                <button type="submit" class="button" data-testid="continue">{t(k::APPLY_CONTINUE)}</button>
            </form>
        </StepFrame>
    }
}

/// Before the first question: what is needed, or the choice to continue a saved draft.
#[component]
fn StartPage(
    def: Arc<FormDefinition>,
    draft: RwSignal<Draft>,
    step_href: Arc<dyn Fn(Step) -> String + Send + Sync>,
) -> impl IntoView {
    let mode = use_mode();
    let navigate = use_navigate();
    let drafts = Drafts::use_();
    let started = draft.with_untracked(Draft::is_started);
    let first = step_href(Step::Applicant);
    let resume = step_href(Step::Check);
    let code = def.service_code.clone();
    let restart = {
        let first = first.clone();
        move |_| {
            drafts.delete(&code);
            draft.set(Draft::start());
            navigate(&first, Default::default());
        }
    };
    let required: Vec<String> = def
        .materials
        .iter()
        .filter(|m| m.requirement == Requirement::Required)
        .map(|m| m.name.clone())
        .collect();
    view! {
        <div class="apply-start">
            <p><a class="back-link" href=mode.href(&format!("/services/{}", def.service_code))>{t(k::ACTION_BACK_TO_GUIDE)}</a></p>
            <PageHeading text=tf(k::APPLY_TITLE, &[("name", &def.service_name)])/>
            {if started {
                view! {
                    <div class="notice" data-testid="draft-found">
                        <h2 class="notice__title">{t(k::APPLY_DRAFT_TITLE)}</h2>
                        <p>{t(k::APPLY_DRAFT_BODY)}</p>
                        <div class="button-group">
                            <a class="button" href=resume data-testid="draft-continue">{t(k::APPLY_DRAFT_CONTINUE)}</a>
                            <button type="button" class="button button--secondary" on:click=restart data-testid="draft-delete">{t(k::APPLY_DRAFT_DELETE)}</button>
                        </div>
                    </div>
                }.into_any()
            } else {
                view! {
                    <p>{t(k::APPLY_START_INTRO)}</p>
                    {(!required.is_empty()).then(|| view! {
                        <h2>{t(k::APPLY_START_PREPARE)}</h2>
                        <ul class="list list--bullet">{required.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
                    })}
                    <p class="hint">{tf(k::UPLOAD_LIMITS, &[("file", &mb(def.limits.max_file_bytes)), ("total", &mb(def.limits.max_total_bytes))])}</p>
                    {(!mode.is_kiosk()).then(|| view! { <p class="hint">{t(k::APPLY_START_SAVED)}</p> })}
                    <a class="button button--start" href=first data-testid="start">{t(k::APPLY_START)}</a>
                }.into_any()
            }}
        </div>
    }
}
