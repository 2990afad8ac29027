//! The materials page: files for each material of the checklist, uploaded one by one with
//! a progress bar (XMLHttpRequest, because fetch reports no upload progress), removable
//! and replaceable. The browser checks type and size first so that a wrong file is named
//! at once; the server checks again by content.

use api_client::{FormDefinition, FormMaterial, Requirement, UploadLimits};
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::format;
use crate::i18n::{k, t, tf};

use super::draft::{Draft, UploadedFile};
use super::messages::mb;

#[derive(Clone, Debug, PartialEq)]
enum SlotState {
    /// Share of the bytes sent, 0–1.
    Sending(f64),
    Failed(String),
}

/// A file on its way, or one that did not make it.
#[derive(Clone, Debug, PartialEq)]
struct Slot {
    local: u32,
    material: String,
    name: String,
    size: u64,
    state: SlotState,
}

/// Files being sent or refused, which are not part of the draft (yet).
#[derive(Clone, Copy)]
pub struct Pending(RwSignal<Vec<Slot>>);

impl Pending {
    pub fn new() -> Self {
        Pending(RwSignal::new(Vec::new()))
    }

    /// Whether any file is still being sent.
    pub fn busy(&self) -> bool {
        self.0
            .with(|s| s.iter().any(|x| matches!(x.state, SlotState::Sending(_))))
    }
}

pub fn size_text(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

fn accepted_by_browser(file: &web_sys::File) -> bool {
    let name = file.name().to_lowercase();
    let by_type = matches!(
        file.type_().as_str(),
        "application/pdf" | "image/jpeg" | "image/png"
    );
    let by_name = [".pdf", ".jpg", ".jpeg", ".png"]
        .iter()
        .any(|ext| name.ends_with(ext));
    by_type || by_name
}

/// The message for a refusal by the server (`code` of its field error) or the network.
fn refusal(code: &str, limits: &UploadLimits) -> String {
    match code {
        "wrong_type" => t(k::UPLOAD_ERROR_TYPE).into(),
        "too_large" => tf(k::UPLOAD_ERROR_SIZE, &[("max", &mb(limits.max_file_bytes))]),
        "empty" => t(k::UPLOAD_ERROR_EMPTY).into(),
        _ => t(k::UPLOAD_ERROR_FAILED).into(),
    }
}

fn start_upload(
    file: web_sys::File,
    material: String,
    draft: RwSignal<Draft>,
    pending: Pending,
    limits: UploadLimits,
) {
    thread_local! { static NEXT: std::cell::Cell<u32> = const { std::cell::Cell::new(1) }; }
    let local = NEXT.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    let size = file.size() as u64;
    let name = file.name();
    let in_draft: u64 =
        draft.with_untracked(|d| d.materials.values().flatten().map(|f| f.size).sum());
    let sending: u64 = pending.0.with_untracked(|s| {
        s.iter()
            .filter(|x| matches!(x.state, SlotState::Sending(_)))
            .map(|x| x.size)
            .sum()
    });
    let refused = if size == 0 {
        Some(t(k::UPLOAD_ERROR_EMPTY).to_string())
    } else if !accepted_by_browser(&file) {
        Some(t(k::UPLOAD_ERROR_TYPE).to_string())
    } else if size > limits.max_file_bytes {
        Some(tf(
            k::UPLOAD_ERROR_SIZE,
            &[("max", &mb(limits.max_file_bytes))],
        ))
    } else if in_draft + sending + size > limits.max_total_bytes {
        Some(tf(
            k::UPLOAD_ERROR_TOTAL,
            &[("max", &mb(limits.max_total_bytes))],
        ))
    } else {
        None
    };
    let state = match &refused {
        Some(m) => SlotState::Failed(m.clone()),
        None => SlotState::Sending(0.0),
    };
    pending.0.update(|s| {
        s.push(Slot {
            local,
            material: material.clone(),
            name: name.clone(),
            size,
            state,
        })
    });
    if refused.is_some() {
        return;
    }

    let set_state = move |state: SlotState| {
        pending.0.update(|s| {
            if let Some(x) = s.iter_mut().find(|x| x.local == local) {
                x.state = state;
            }
        })
    };
    let fail = move |message: String| set_state(SlotState::Failed(message));
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
        return fail(t(k::UPLOAD_ERROR_FAILED).into());
    };
    let Ok(form) = web_sys::FormData::new() else {
        return fail(t(k::UPLOAD_ERROR_FAILED).into());
    };
    if xhr
        .open_with_async("POST", "/api/v1/uploads", true)
        .is_err()
        || form
            .append_with_blob_and_filename("file", &file, &name)
            .is_err()
    {
        return fail(t(k::UPLOAD_ERROR_FAILED).into());
    }
    // The progress handler lives as long as the request; it is small, so it is leaked
    // rather than tracked.
    let progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                set_state(SlotState::Sending(e.loaded() / e.total()));
            }
        });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    progress.forget();
    let done_xhr = xhr.clone();
    let on_load = Closure::once_into_js(move || {
        crate::connectivity::note(true);
        let status = done_xhr.status().unwrap_or(0);
        let body: serde_json::Value = done_xhr
            .response_text()
            .ok()
            .flatten()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        if status == 201 {
            if let Some(id) = body["id"].as_str() {
                pending.0.update(|s| s.retain(|x| x.local != local));
                draft.update(|d| {
                    d.materials.entry(material).or_default().push(UploadedFile {
                        id: id.to_string(),
                        name,
                        size,
                    })
                });
                return;
            }
        }
        let code = body["error"]["fields"][0]["code"]
            .as_str()
            .unwrap_or("failed")
            .to_string();
        fail(refusal(&code, &limits));
    });
    xhr.set_onload(Some(on_load.unchecked_ref()));
    let on_error = Closure::once_into_js(move || {
        crate::connectivity::note(false);
        fail(t(k::UPLOAD_ERROR_NETWORK).into())
    });
    xhr.set_onerror(Some(on_error.unchecked_ref()));
    if xhr.send_with_opt_form_data(Some(&form)).is_err() {
        fail(t(k::UPLOAD_ERROR_FAILED).into());
    }
}

fn open_picker(material: &str) {
    if let Some(input) = document()
        .get_element_by_id(&format!("m-{material}"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        input.click();
    }
}

#[component]
pub fn MaterialUpload(
    material: FormMaterial,
    draft: RwSignal<Draft>,
    pending: Pending,
    limits: UploadLimits,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let id = material.id.clone();
    let input_id = format!("m-{id}");
    let testid = format!("material-{id}");
    let tag = match material.requirement {
        Requirement::Required => "tag tag--required",
        Requirement::Optional => "tag tag--optional",
        Requirement::Deferrable => "tag tag--deferrable",
    };
    let on_files = {
        let (id, limits) = (id.clone(), limits.clone());
        move |ev: leptos::ev::Event| {
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            if let Some(files) = input.files() {
                for i in 0..files.length() {
                    if let Some(f) = files.get(i) {
                        start_upload(f, id.clone(), draft, pending, limits.clone());
                    }
                }
            }
            // Let the same file be chosen again after a removal.
            input.set_value("");
        }
    };
    let done = {
        let id = id.clone();
        move || draft.with(|d| d.materials.get(&id).cloned().unwrap_or_default())
    };
    let waiting = {
        let id = id.clone();
        move || {
            pending.0.with(|s| {
                s.iter()
                    .filter(|x| x.material == id)
                    .cloned()
                    .collect::<Vec<_>>()
            })
        }
    };
    view! {
        <div class="field material-upload" class:field--error=move || error.get().is_some() data-testid=testid>
            <h2 class="material-upload__name">
                {material.name.clone()}" "<span class=tag>{format::requirement(material.requirement)}</span>
            </h2>
            {material.notes.clone().map(|n| view! { <p class="field__hint">{n}</p> })}
            {move || error.get().map(|e| view! { <p class="field__error"><span class="visually-hidden">{t(k::ERROR_PREFIX)}</span>{e}</p> })}
            <ul class="file-list">
                {move || done().into_iter().map(|f| {
                    let (m1, m2, fid1, fid2) = (id.clone(), id.clone(), f.id.clone(), f.id.clone());
                    let remove = move |_| draft.update(|d| {
                        if let Some(list) = d.materials.get_mut(&m1) { list.retain(|x| x.id != fid1); }
                    });
                    let replace = move |_| {
                        draft.update(|d| { if let Some(list) = d.materials.get_mut(&m2) { list.retain(|x| x.id != fid2); } });
                        open_picker(&m2);
                    };
                    view! {
                        <li class="file-list__item file-list__item--done">
                            <span class="file-list__name">{f.name.clone()}</span>
                            <span class="file-list__meta">{size_text(f.size)}" · "{t(k::UPLOAD_DONE)}</span>
                            <span class="file-list__actions">
                                <button type="button" class="link-button" on:click=replace>{t(k::UPLOAD_REPLACE)}<span class="visually-hidden">" "{f.name.clone()}</span></button>
                                <button type="button" class="link-button" on:click=remove>{t(k::UPLOAD_REMOVE)}<span class="visually-hidden">" "{f.name}</span></button>
                            </span>
                        </li>
                    }
                }).collect_view()}
                {move || waiting().into_iter().map(|s| {
                    let local = s.local;
                    let dismiss = move |_| pending.0.update(|p| p.retain(|x| x.local != local));
                    match s.state {
                        SlotState::Sending(share) => view! {
                            <li class="file-list__item">
                                <span class="file-list__name">{s.name}</span>
                                <progress class="file-list__progress" max="100" value=(share * 100.0).round()
                                    aria-label=t(k::UPLOAD_SENDING)>{format!("{:.0}%", share * 100.0)}</progress>
                            </li>
                        }.into_any(),
                        SlotState::Failed(message) => view! {
                            <li class="file-list__item file-list__item--failed" role="alert">
                                <span class="file-list__name">{s.name}</span>
                                <span class="field__error">{message}</span>
                                <button type="button" class="link-button" on:click=dismiss>{t(k::UPLOAD_DISMISS)}</button>
                            </li>
                        }.into_any(),
                    }
                }).collect_view()}
            </ul>
            <input type="file" id=input_id.clone() class="file-input" multiple
                accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png" on:change=on_files/>
            <label class="button button--secondary file-picker" for=input_id>{t(k::UPLOAD_CHOOSE)}</label>
        </div>
    }
}

#[component]
pub fn MaterialsStep(
    def: FormDefinition,
    draft: RwSignal<Draft>,
    pending: Pending,
    error: impl Fn(&str) -> Signal<Option<String>> + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let limits = def.limits.clone();
    view! {
        <p class="hint">{tf(k::UPLOAD_LIMITS, &[("file", &mb(limits.max_file_bytes)), ("total", &mb(limits.max_total_bytes))])}</p>
        {def.materials.into_iter().map(|m| {
            let err = error(&format!("materials.{}", m.id));
            view! { <MaterialUpload material=m draft pending limits=limits.clone() error=err/> }
        }).collect_view()}
    }
}
