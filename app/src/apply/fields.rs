//! Question components, GOV.UK style: label, hint, the message beside the field when it is
//! wrong, "(optional)" instead of asterisks. Inputs start from the draft and write back to
//! it as the applicant types; they are never re-rendered under the cursor.

use api_client::{FieldType, FormField};
use leptos::prelude::*;
use serde_json::Value;

use crate::components::keypad::{field_attrs, KEYPAD_DIGITS};
use crate::i18n::{k, t};
use crate::mode::use_mode;

use super::draft::Draft;

/// The "(optional)" mark after a label.
fn optional_mark(required: bool) -> Option<impl IntoView> {
    (!required).then(|| view! { <span class="field__optional">{t(k::APPLY_OPTIONAL)}</span> })
}

fn error_line(id: String, error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! {
                <p class="field__error" id=format!("{id}-error")>
                    <span class="visually-hidden">{t(k::ERROR_PREFIX)}</span>{e}
                </p>
            }
        })
    }
}

/// How a single-line input is typed: `type`, `inputmode` and `autocomplete`.
#[derive(Clone, Copy)]
pub struct InputKind {
    pub html_type: &'static str,
    pub inputmode: Option<&'static str>,
    pub autocomplete: Option<&'static str>,
    pub width: &'static str,
    /// The kiosk keypad's keys for it (`components::keypad`), if it takes them.
    pub keypad: Option<&'static str>,
}

impl InputKind {
    pub const TEXT: InputKind = InputKind {
        html_type: "text",
        inputmode: None,
        autocomplete: None,
        width: "",
        keypad: None,
    };

    pub fn of(kind: FieldType) -> InputKind {
        match kind {
            FieldType::Number => InputKind {
                html_type: "text",
                inputmode: Some("decimal"),
                autocomplete: None,
                width: "input--10",
                keypad: None,
            },
            FieldType::Date => InputKind {
                html_type: "date",
                inputmode: None,
                autocomplete: None,
                width: "input--10",
                keypad: None,
            },
            FieldType::Mobile => InputKind {
                html_type: "tel",
                inputmode: Some("numeric"),
                autocomplete: Some("tel"),
                width: "input--20",
                keypad: Some(KEYPAD_DIGITS),
            },
            FieldType::Email => InputKind {
                html_type: "email",
                inputmode: Some("email"),
                autocomplete: Some("email"),
                width: "",
                keypad: None,
            },
            // A resident ID is digits with a final X; a credit code (USCC) has letters.
            FieldType::ResidentId => InputKind {
                html_type: "text",
                inputmode: None,
                autocomplete: Some("off"),
                width: "input--20",
                keypad: Some(KEYPAD_DIGITS),
            },
            FieldType::Uscc => InputKind {
                html_type: "text",
                inputmode: None,
                autocomplete: Some("off"),
                width: "input--20",
                keypad: None,
            },
            FieldType::Address => InputKind {
                html_type: "text",
                inputmode: None,
                autocomplete: Some("street-address"),
                width: "",
                keypad: None,
            },
            _ => InputKind::TEXT,
        }
    }
}

/// A labelled single-line input.
#[component]
pub fn TextInput(
    id: String,
    label: String,
    #[prop(optional)] hint: Option<String>,
    required: bool,
    kind: InputKind,
    initial: String,
    #[prop(optional)] max_chars: Option<usize>,
    error: Signal<Option<String>>,
    on_change: impl Fn(String) + 'static,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let (keypad, inputmode) = field_attrs(use_mode().is_kiosk(), kind.keypad, kind.inputmode);
    let described = {
        let (id, has_hint) = (id.clone(), hint.is_some());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(format!("{id}-hint"));
            }
            if error.get().is_some() {
                ids.push(format!("{id}-error"));
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field--error=move || error.get().is_some()>
            <label class="field__label" for=id.clone()>{label}{optional_mark(required)}</label>
            {hint.map(|h| view! { <p class="field__hint" id=hint_id>{h}</p> })}
            {error_line(id.clone(), error)}
            <input
                id=id.clone()
                name=id.clone()
                class=format!("input {}", kind.width)
                type=kind.html_type
                inputmode=inputmode
                data-keypad=keypad
                autocomplete=kind.autocomplete
                maxlength=max_chars
                spellcheck="false"
                aria-describedby=described
                aria-invalid=move || error.get().is_some().then_some("true")
                prop:value=initial
                on:input=move |ev| on_change(event_target_value(&ev))
            />
        </div>
    }
}

fn answer_text(draft: RwSignal<Draft>, id: &str) -> String {
    draft.with_untracked(|d| match d.answers.get(id) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    })
}

fn set_answer(draft: RwSignal<Draft>, id: &str, value: Value) {
    draft.update(|d| {
        d.answers.insert(id.to_string(), value);
    });
}

/// One question of a service's form, as its type asks to be answered.
#[component]
pub fn QuestionField(
    field: FormField,
    draft: RwSignal<Draft>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("f-{}", field.id);
    let fid = field.id.clone();
    match field.kind {
        FieldType::Textarea => {
            let initial = answer_text(draft, &fid);
            let max = field.max.map(|m| m as usize);
            view! {
                <div class="field" class:field--error=move || error.get().is_some()>
                    <label class="field__label" for=id.clone()>{field.label}{optional_mark(field.required)}</label>
                    {field.help.map(|h| view! { <p class="field__hint">{h}</p> })}
                    {error_line(id.clone(), error)}
                    <textarea id=id.clone() class="input textarea" rows="5" maxlength=max
                        aria-invalid=move || error.get().is_some().then_some("true")
                        prop:value=initial
                        on:input=move |ev| set_answer(draft, &fid, Value::String(event_target_value(&ev)))
                    ></textarea>
                </div>
            }
            .into_any()
        }
        FieldType::Choice | FieldType::Boolean | FieldType::Multichoice => {
            let multi = field.kind == FieldType::Multichoice;
            let options: Vec<(Value, String)> = if field.kind == FieldType::Boolean {
                vec![
                    (Value::Bool(true), t(k::APPLY_YES).into()),
                    (Value::Bool(false), t(k::APPLY_NO).into()),
                ]
            } else {
                field
                    .options
                    .iter()
                    .map(|o| (Value::String(o.value.clone()), o.label.clone()))
                    .collect()
            };
            let inline = field.kind == FieldType::Boolean;
            view! {
                <div class="field" class:field--error=move || error.get().is_some()>
                    <fieldset class="fieldset">
                        <legend class="field__label">{field.label}{optional_mark(field.required)}</legend>
                        {field.help.map(|h| view! { <p class="field__hint">{h}</p> })}
                        {error_line(id.clone(), error)}
                        <div class="choices" class:choices--inline=inline>
                            {options.into_iter().enumerate().map(|(i, (value, label))| {
                                // The first option carries the field's id, so error links land on it.
                                let oid = if i == 0 { id.clone() } else { format!("{id}-{i}") };
                                let fid = fid.clone();
                                let checked = {
                                    let value = value.clone();
                                    let fid = fid.clone();
                                    draft.with_untracked(|d| match d.answers.get(&fid) {
                                        Some(Value::Array(items)) => items.contains(&value),
                                        Some(v) => *v == value,
                                        None => false,
                                    })
                                };
                                let on_change = move |ev: leptos::ev::Event| {
                                    let on = event_target_checked(&ev);
                                    if multi {
                                        draft.update(|d| {
                                            let mut items = match d.answers.get(&fid) { Some(Value::Array(a)) => a.clone(), _ => Vec::new() };
                                            items.retain(|x| *x != value);
                                            if on { items.push(value.clone()); }
                                            d.answers.insert(fid.clone(), Value::Array(items));
                                        });
                                    } else if on {
                                        set_answer(draft, &fid, value.clone());
                                    }
                                };
                                view! {
                                    <div class="choice">
                                        <input class="choice__input" id=oid.clone() name=id.clone()
                                            type=if multi { "checkbox" } else { "radio" }
                                            prop:checked=checked on:change=on_change/>
                                        <label class="choice__label" for=oid>{label}</label>
                                    </div>
                                }
                            }).collect_view()}
                        </div>
                    </fieldset>
                </div>
            }
            .into_any()
        }
        kind => {
            let upper = matches!(kind, FieldType::ResidentId | FieldType::Uscc);
            view! {
                <TextInput
                    id=id
                    label=field.label
                    hint=field.help.unwrap_or_default()
                    required=field.required
                    kind=InputKind::of(kind)
                    initial=answer_text(draft, &fid)
                    max_chars=field.max.filter(|_| kind.is_text()).map(|m| m as usize).unwrap_or(2000)
                    error=error
                    on_change=move |v: String| set_answer(draft, &fid, Value::String(if upper { v.to_uppercase() } else { v }))
                />
            }
            .into_any()
        }
    }
}
