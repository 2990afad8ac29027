//! The first question page: who is applying. A person gives name, document and mobile; an
//! organisation gives its name, unified social credit code, legal representative and
//! contact person. Check digits are checked here and again by the server.

use api_client::{Audience, IdType};
use leptos::prelude::*;

use crate::format;
use crate::i18n::{k, t};

use super::draft::Draft;
use super::fields::{InputKind, TextInput};
use super::messages::applicant_label;

pub fn id_type_label(t_: IdType) -> &'static str {
    match t_ {
        IdType::ResidentId => t(k::ID_TYPE_RESIDENT_ID),
        IdType::Passport => t(k::ID_TYPE_PASSPORT),
        IdType::HkMacaoPermit => t(k::ID_TYPE_HK_MACAO_PERMIT),
        IdType::TaiwanPermit => t(k::ID_TYPE_TAIWAN_PERMIT),
    }
}

#[component]
pub fn ApplicantStep(
    draft: RwSignal<Draft>,
    audience: Vec<Audience>,
    error: impl Fn(&str) -> Signal<Option<String>> + Clone + Send + Sync + 'static,
) -> impl IntoView {
    if audience.len() == 1 && draft.with_untracked(|d| d.applicant_type.is_none()) {
        draft.update(|d| d.applicant_type = Some(audience[0]));
    }
    let kind = Memo::new(move |_| draft.with(|d| d.applicant_type));
    let both = audience.len() > 1;
    let type_error = error("applicant.type");
    let input = {
        let error = error.clone();
        move |name: &'static str, organisation: bool, kind: InputKind| {
            let initial = draft.with_untracked(|d| d.text(name));
            let upper = matches!(name, "id_number" | "uscc");
            view! {
                <TextInput
                    id=format!("a-{name}")
                    label=applicant_label(name, organisation).to_string()
                    required=true
                    kind=kind
                    initial=initial
                    max_chars=if name == "uscc" { 18 } else { 50 }
                    error=error(&format!("applicant.{name}"))
                    on_change=move |v: String| draft.update(|d| {
                        d.applicant.insert(name.to_string(), if upper { v.to_uppercase() } else { v });
                    })
                />
            }
        }
    };
    let id_type_error = error("applicant.id_type");
    view! {
        {both.then(|| view! {
            <div class="field" class:field--error=move || type_error.get().is_some()>
                <fieldset class="fieldset">
                    <legend class="field__label">{t(k::APPLICANT_TYPE)}</legend>
                    {move || type_error.get().map(|e| view! { <p class="field__error">{e}</p> })}
                    <div class="choices choices--inline">
                        {audience.iter().enumerate().map(|(i, a)| {
                            let a = *a;
                            let oid = if i == 0 { "a-type".to_string() } else { format!("a-type-{i}") };
                            view! {
                                <div class="choice">
                                    <input class="choice__input" type="radio" name="a-type" id=oid.clone()
                                        prop:checked=move || kind.get() == Some(a)
                                        on:change=move |_| draft.update(|d| d.applicant_type = Some(a))/>
                                    <label class="choice__label" for=oid>{format::audience(a)}</label>
                                </div>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
            </div>
        })}
        {move || match kind.get() {
            None => ().into_any(),
            Some(Audience::Individual) => view! {
                {input("name", false, InputKind { autocomplete: Some("name"), ..InputKind::TEXT })}
                <div class="field" class:field--error=move || id_type_error.get().is_some()>
                    <label class="field__label" for="a-id_type">{t(k::APPLICANT_ID_TYPE)}</label>
                    <select id="a-id_type" class="select input--20"
                        on:change=move |ev| draft.update(|d| { d.applicant.insert("id_type".into(), event_target_value(&ev)); })>
                        {IdType::ALL.into_iter().map(|it| {
                            let selected = draft.with_untracked(|d| d.text("id_type")) == it.as_str();
                            view! { <option value=it.as_str() selected=selected>{id_type_label(it)}</option> }
                        }).collect_view()}
                    </select>
                </div>
                {input("id_number", false, InputKind::of(api_client::FieldType::ResidentId))}
                {input("mobile", false, InputKind::of(api_client::FieldType::Mobile))}
            }.into_any(),
            Some(Audience::Organisation) => view! {
                {input("name", true, InputKind { autocomplete: Some("organization"), ..InputKind::TEXT })}
                {input("uscc", true, InputKind::of(api_client::FieldType::Uscc))}
                {input("legal_representative", true, InputKind::TEXT)}
                {input("contact_name", true, InputKind { autocomplete: Some("name"), ..InputKind::TEXT })}
                {input("mobile", true, InputKind::of(api_client::FieldType::Mobile))}
            }.into_any(),
        }}
    }
}
