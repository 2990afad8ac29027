//! Answering a supplement request (补正): `/track/{number}/supplement?c={code}` lists every
//! requested item with an upload for each, and sends them together.

use std::collections::BTreeMap;

use api_client::{
    CaseView, FormMaterial, MaterialForm, Requirement, SupplementReply, UploadLimits,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::client;
use crate::components::fetch::{FetchError, PageLoading};
use crate::components::heading::PageHeading;
use crate::i18n::{k, t, tf};
use crate::mode::use_mode;

use super::draft::Draft;
use super::materials::{MaterialUpload, Pending};

#[component]
pub fn SupplementPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let number = params.with_untracked(|p| p.get("number").unwrap_or_default());
    let code =
        query.with_untracked(|q| crate::codes::code_for(q.get("c"), &number).unwrap_or_default());
    let data = LocalResource::new({
        let (number, code) = (number.clone(), code.clone());
        move || {
            let (number, code) = (number.clone(), code.clone());
            async move {
                let case = client().case(&number, &code).await?;
                let config = client().config().await?;
                Ok::<_, api_client::ClientError>((case, config.limits))
            }
        }
    });
    move || match data.get() {
        None => view! { <PageLoading/> }.into_any(),
        Some(Ok((case, limits))) => {
            view! { <SupplementForm case limits code=code.clone()/> }.into_any()
        }
        Some(Err(error)) => {
            view! { <FetchError error on_retry=move |_| data.refetch() page=true/> }.into_any()
        }
    }
}

#[component]
fn SupplementForm(case: CaseView, limits: UploadLimits, code: String) -> impl IntoView {
    let mode = use_mode();
    let number = &case.acceptance_number;
    let back = crate::codes::href(mode, &format!("/track/{number}"), number, &code);
    let Some(supplement) = case.supplement.clone().filter(|s| !s.answered) else {
        return view! {
            <PageHeading text=t(k::SUPPLEMENT_TITLE)/>
            <p>{t(k::SUPPLEMENT_NONE)}</p>
            <p><a href=back>{t(k::TRACK_BACK_TO_CASE)}</a></p>
        }
        .into_any();
    };
    // Each item is a material of its own here: its id, or its position when it has none.
    let items: Vec<FormMaterial> = supplement
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| FormMaterial {
            id: item.material_id.clone().unwrap_or_else(|| i.to_string()),
            name: item.name.clone(),
            required: true,
            requirement: Requirement::Required,
            form: MaterialForm::Electronic,
            notes: (!item.note.is_empty()).then(|| item.note.clone()),
        })
        .collect();
    let draft = RwSignal::new(Draft::start());
    let pending = Pending::new();
    let missing = RwSignal::new(Vec::<String>::new());
    let failure = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    let number = case.acceptance_number.clone();
    let on_send = {
        let (items, back) = (items.clone(), back.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let chosen = draft.get_untracked().materials;
            let lacking: Vec<String> = items
                .iter()
                .filter(|m| chosen.get(&m.id).is_none_or(|f| f.is_empty()))
                .map(|m| m.name.clone())
                .collect();
            if pending.busy() || !lacking.is_empty() {
                missing.set(if pending.busy() {
                    vec![t(k::UPLOAD_WAIT).to_string()]
                } else {
                    lacking
                        .iter()
                        .map(|n| tf(k::APPLY_ERROR_MATERIAL_REQUIRED, &[("label", n)]))
                        .collect()
                });
                return;
            }
            missing.set(vec![]);
            let reply = SupplementReply {
                materials: chosen
                    .into_iter()
                    .map(|(k, v)| (k, v.into_iter().map(|f| f.id).collect()))
                    .collect::<BTreeMap<_, _>>(),
                note: None,
            };
            let (number, code, back) = (number.clone(), code.clone(), back.clone());
            sending.set(true);
            leptos::task::spawn_local(async move {
                match client().reply_supplement(&number, &code, &reply).await {
                    Ok(_) => {
                        let _ = window().location().assign(&back);
                    }
                    Err(e) => {
                        sending.set(false);
                        failure.set(Some(crate::api::error_message(&e)));
                    }
                }
            });
        }
    };
    view! {
        <p><a class="back-link" href=back.clone()>{t(k::TRACK_BACK_TO_CASE)}</a></p>
        <PageHeading text=t(k::SUPPLEMENT_TITLE)/>
        <p>{t(k::SUPPLEMENT_INTRO)}</p>
        {move || {
            let list = missing.get();
            (!list.is_empty()).then(|| view! {
                <div class="error-summary" role="alert" data-testid="error-summary">
                    <h2 class="error-summary__title">{t(k::APPLY_ERROR_SUMMARY)}</h2>
                    <ul class="error-summary__list">{list.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                </div>
            })
        }}
        <form on:submit=on_send novalidate>
            <p class="hint">{tf(k::UPLOAD_LIMITS, &[("file", &super::messages::mb(limits.max_file_bytes)), ("total", &super::messages::mb(limits.max_total_bytes))])}</p>
            {items.into_iter().map(|m| {
                view! { <MaterialUpload material=m draft pending limits=limits.clone() error=Signal::derive(|| None)/> }
            }).collect_view()}
            {move || failure.get().map(|m| view! { <div class="notice notice--error" role="alert"><p>{m}</p></div> })}
            <button type="submit" class="button" data-testid="supplement-send" disabled=move || sending.get()>{t(k::SUPPLEMENT_SEND)}</button>
        </form>
    }
    .into_any()
}
