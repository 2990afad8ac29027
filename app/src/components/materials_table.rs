//! The material list (申请材料) as a table: what to bring, in which form, how many copies.

use api_client::{Material, Requirement};
use leptos::prelude::*;

use crate::format;
use crate::i18n::{k, t, tf};
use crate::mode::use_mode;

/// A link to a blank form or a sample; on a kiosk, which opens nothing outside itself, the
/// address as text, to be opened later on a phone or at home.
fn download(kiosk: bool, label: &'static str, url: String) -> AnyView {
    if kiosk {
        view! { <span class="materials-table__link">{tf(k::KIOSK_LINKS_AS_TEXT, &[("label", label), ("url", &url)])}</span> }
            .into_any()
    } else {
        view! { <a class="materials-table__link" href=url>{label}</a> }.into_any()
    }
}

#[component]
pub fn MaterialsTable(materials: Vec<Material>) -> impl IntoView {
    let kiosk = use_mode().is_kiosk();
    view! {
        <div class="table-scroll" role="region" aria-label=t(k::MATERIAL_TABLE_LABEL) tabindex="0">
            <table class="table materials-table" data-testid="materials-table">
                <thead>
                    <tr>
                        <th scope="col">{t(k::MATERIAL_NO)}</th>
                        <th scope="col">{t(k::MATERIAL_NAME)}</th>
                        <th scope="col">{t(k::MATERIAL_FORM)}</th>
                        <th scope="col">{t(k::MATERIAL_COPIES)}</th>
                        <th scope="col">{t(k::MATERIAL_REQUIREMENT)}</th>
                        <th scope="col">{t(k::MATERIAL_SOURCE)}</th>
                    </tr>
                </thead>
                <tbody>
                    {materials
                        .into_iter()
                        .enumerate()
                        .map(|(i, m)| {
                            let tag = match m.requirement {
                                Requirement::Required => "tag tag--required",
                                Requirement::Optional => "tag tag--optional",
                                Requirement::Deferrable => "tag tag--deferrable",
                            };
                            view! {
                                <tr>
                                    <td class="materials-table__no">{i + 1}</td>
                                    <th scope="row">
                                        {m.name}
                                        {m.notes.map(|n| view! { <span class="materials-table__note">{n}</span> })}
                                        {m.blank_form.map(|u| download(kiosk, t(k::MATERIAL_BLANK_FORM), u))}
                                        {m.sample.map(|u| download(kiosk, t(k::MATERIAL_SAMPLE), u))}
                                    </th>
                                    <td data-label=t(k::MATERIAL_FORM)>{format::material_form(m.form)}</td>
                                    <td data-label=t(k::MATERIAL_COPIES)>{m.copies}</td>
                                    <td data-label=t(k::MATERIAL_REQUIREMENT)><span class=tag>{format::requirement(m.requirement)}</span></td>
                                    <td data-label=t(k::MATERIAL_SOURCE)>{m.source}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <p class="hint">{t(k::MATERIAL_DEFERRABLE_HINT)}</p>
    }
}
