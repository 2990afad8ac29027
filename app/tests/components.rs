//! Component tests: real components mounted into a real DOM in headless Chromium
//! (`cargo test -p app --target wasm32-unknown-unknown`, run by `cargo xtask test`).

#![cfg(target_arch = "wasm32")]

use api_client::{ClientError, Material, MaterialForm, Requirement, ServiceSummary};
use app::components::fetch::FetchError;
use app::components::materials_table::MaterialsTable;
use app::components::pagination::Pagination;
use app::components::service_list::ServiceList;
use app::i18n::{k, t, tf, I18n, Locale};
use app::Mode;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts `view` into a fresh element and returns that element.
fn mount<V: IntoView + 'static>(view: impl FnOnce() -> V + 'static) -> web_sys::HtmlElement {
    let doc = document();
    let host: web_sys::HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&host).unwrap();
    let handle = leptos::mount::mount_to(host.clone(), move || {
        provide_context(Mode::Portal);
        provide_context(I18n::new(Locale::ALL[0]));
        view()
    });
    handle.forget();
    host
}

fn material(id: &str, requirement: Requirement) -> Material {
    Material {
        id: id.into(),
        name: format!("材料{id}"),
        form: MaterialForm::OriginalAndCopy,
        copies: 2,
        requirement,
        source: "申请人自备".into(),
        blank_form: None,
        sample: None,
        notes: Some("需加盖公章".into()),
    }
}

#[wasm_bindgen_test]
fn the_materials_table_has_a_row_per_material_with_its_requirement() {
    let host = mount(|| {
        view! { <MaterialsTable materials=vec![material("a", Requirement::Required), material("b", Requirement::Deferrable)]/> }
    });
    let rows = host.query_selector_all("tbody tr").unwrap();
    assert_eq!(rows.length(), 2);
    let text = host.text_content().unwrap();
    assert!(text.contains("材料a") && text.contains("需加盖公章"));
    assert!(text.contains("原件及复印件"));
    let deferrable = host.query_selector(".tag--deferrable").unwrap().unwrap();
    assert_eq!(deferrable.text_content().unwrap(), "容缺");
}

#[wasm_bindgen_test]
fn pagination_links_only_where_there_is_a_page() {
    let host = mount(|| view! { <Pagination page=1 per_page=20 total=45 href=|p| format!("/services?page={p}")/> });
    assert!(host.query_selector("a[rel=prev]").unwrap().is_none());
    let next = host.query_selector("a[rel=next]").unwrap().unwrap();
    assert_eq!(next.get_attribute("href").unwrap(), "/services?page=2");
    assert!(host.text_content().unwrap().contains("第 1 页，共 3 页"));

    let single = mount(|| view! { <Pagination page=1 per_page=20 total=3 href=|p| p.to_string()/> });
    assert!(single.query_selector("nav").unwrap().is_none(), "one page needs no pagination");
}

#[wasm_bindgen_test]
fn a_service_card_links_to_its_guide() {
    let summary: ServiceSummary = serde_json::from_value(serde_json::json!({
        "code": "X-0001", "name": "测试事项", "kind": "public_service",
        "department": {"code": "d", "name": "测试局"}, "audience": ["individual"],
        "handling_type": "immediate", "promised_limit": {"value": 0, "unit": "working_days"},
        "online_depth": 4, "visits": 0, "free": true
    }))
    .unwrap();
    let host = mount(move || view! { <ServiceList items=vec![summary]/> });
    let link = host.query_selector(".service-card__link").unwrap().unwrap();
    assert_eq!(link.get_attribute("href").unwrap(), "/services/X-0001");
    let text = host.text_content().unwrap();
    assert!(text.contains("当场办结") && text.contains("不收费") && text.contains("测试局"), "{text}");
}

#[wasm_bindgen_test]
fn the_error_panel_offers_a_retry_that_is_called() {
    let retries = RwSignal::new(0);
    let host = mount(move || {
        view! { <FetchError error=ClientError::Network("refused".into()) on_retry=move |_| retries.update(|n| *n += 1)/> }
    });
    assert!(host.text_content().unwrap().contains(t(k::ERROR_OFFLINE_TITLE)));
    let button: web_sys::HtmlElement = host.query_selector("button").unwrap().unwrap().unchecked_into();
    button.click();
    assert_eq!(retries.get_untracked(), 1);
}

#[wasm_bindgen_test]
fn messages_fill_placeholders_and_fall_back_by_language() {
    let i18n = I18n::new(Locale::ALL[0]);
    assert_eq!(tf(k::LIMIT_WORKING_DAYS, &[("n", "20")]), "20 个工作日");
    let en = Locale::from_tag("en").expect("English ships");
    i18n.set(en);
    assert_eq!(tf(k::LIMIT_WORKING_DAYS, &[("n", "20")]), "20 working days");
    assert_eq!(document().document_element().unwrap().get_attribute("lang").unwrap(), "en");
    i18n.set(Locale::ALL[0]);
    assert_eq!(document().document_element().unwrap().get_attribute("lang").unwrap(), "zh-CN");
    for l in Locale::ALL {
        assert!(!l.native_name().is_empty());
    }
}
