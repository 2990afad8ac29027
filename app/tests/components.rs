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
    let host = mount(
        || view! { <Pagination page=1 per_page=20 total=45 href=|p| format!("/services?page={p}")/> },
    );
    assert!(host.query_selector("a[rel=prev]").unwrap().is_none());
    let next = host.query_selector("a[rel=next]").unwrap().unwrap();
    assert_eq!(next.get_attribute("href").unwrap(), "/services?page=2");
    assert!(host.text_content().unwrap().contains("第 1 页，共 3 页"));

    let single =
        mount(|| view! { <Pagination page=1 per_page=20 total=3 href=|p| p.to_string()/> });
    assert!(
        single.query_selector("nav").unwrap().is_none(),
        "one page needs no pagination"
    );
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
    assert!(
        text.contains("当场办结") && text.contains("不收费") && text.contains("测试局"),
        "{text}"
    );
}

#[wasm_bindgen_test]
fn the_error_panel_offers_a_retry_that_is_called() {
    let retries = RwSignal::new(0);
    let host = mount(move || {
        view! { <FetchError error=ClientError::Network("refused".into()) on_retry=move |_| retries.update(|n| *n += 1)/> }
    });
    assert!(host
        .text_content()
        .unwrap()
        .contains(t(k::ERROR_OFFLINE_TITLE)));
    let button: web_sys::HtmlElement = host
        .query_selector("button")
        .unwrap()
        .unwrap()
        .unchecked_into();
    button.click();
    assert_eq!(retries.get_untracked(), 1);
}

#[wasm_bindgen_test]
fn messages_fill_placeholders_in_each_language() {
    let i18n = I18n::new(Locale::ALL[0]);
    assert_eq!(tf(k::LIMIT_WORKING_DAYS, &[("n", "20")]), "20 个工作日");
    let hant = Locale::from_tag("zh-Hant").expect("Traditional Chinese ships");
    i18n.set(hant);
    assert_eq!(tf(k::LIMIT_WORKING_DAYS, &[("n", "20")]), "20 個工作天");
    assert_eq!(
        document()
            .document_element()
            .unwrap()
            .get_attribute("lang")
            .unwrap(),
        "zh-Hant"
    );
    let en = Locale::from_tag("en").expect("English ships");
    i18n.set(en);
    assert_eq!(tf(k::LIMIT_WORKING_DAYS, &[("n", "20")]), "20 working days");
    assert_eq!(
        document()
            .document_element()
            .unwrap()
            .get_attribute("lang")
            .unwrap(),
        "en"
    );
    i18n.set(Locale::ALL[0]);
    assert_eq!(
        document()
            .document_element()
            .unwrap()
            .get_attribute("lang")
            .unwrap(),
        "zh-CN"
    );
    for l in Locale::ALL {
        assert!(!l.native_name().is_empty());
    }
}

// ---- Complaints and ratings ----

use api_client::{ComplaintCategory, SubjectType};
use app::complaints::draft::{anchor, ComplaintDraft};
use app::components::rating::{GivenRating, LevelChoice};
use app::components::text_area::count_text;

fn fields_of(d: &ComplaintDraft) -> Vec<String> {
    d.problems(vec![]).into_iter().map(|e| e.field).collect()
}

#[wasm_bindgen_test]
fn an_empty_complaint_lists_every_choice_in_page_order() {
    let _i18n = I18n::new(Locale::ALL[0]);
    let d = ComplaintDraft::new("portal");
    assert_eq!(
        fields_of(&d),
        ["subject", "category", "description", "anonymous"]
    );
    assert!(
        d.request(vec![]).is_none(),
        "no request before every choice is made"
    );
    assert_eq!(anchor("subject", None), "c-subject-case");
    assert_eq!(
        anchor("subject.ref", Some(SubjectType::Service)),
        "c-service"
    );
}

#[wasm_bindgen_test]
fn a_case_link_prefills_the_subject_and_the_validator_checks_it() {
    let mut d = ComplaintDraft::new("portal");
    d.prefill(
        Some("440113-261122-00017-0".into()),
        Some("abcdef".into()),
        None,
        None,
    );
    assert_eq!(d.subject, Some(SubjectType::Case));
    d.category = Some(ComplaintCategory::Delay);
    d.description = "窗口让我来回跑了三次。".into();
    d.anonymous = Some(false);
    d.name = "张三".into();
    d.mobile = "123".into();
    let problems = fields_of(&d);
    // The prefilled number has a typo in its check character; the mobile is too short.
    assert_eq!(problems, ["subject.ref", "contact.mobile"]);
    d.case_number = api_client::checks::AcceptanceNumber::new("440113", "261122", 17)
        .unwrap()
        .grouped();
    d.mobile = "138 0013 8000".into();
    assert!(fields_of(&d).is_empty(), "{:?}", fields_of(&d));
    let req = d.request(vec![]).unwrap();
    assert_eq!(
        req.subject.reference.as_deref().map(str::len),
        Some(18),
        "sent without separators"
    );
    assert_eq!(req.subject.code.as_deref(), Some("ABCDEF"));
    assert_eq!(req.contact.unwrap().mobile, "13800138000");
}

#[wasm_bindgen_test]
fn a_description_over_the_limit_is_kept_and_counted() {
    let _i18n = I18n::new(Locale::ALL[0]);
    let mut d = ComplaintDraft::new("kiosk");
    d.subject = Some(SubjectType::Channel);
    d.category = Some(ComplaintCategory::Other);
    d.anonymous = Some(true);
    d.description = "字".repeat(2001);
    assert_eq!(fields_of(&d), ["description"]);
    assert_eq!(
        count_text(&d.description, 2000),
        (true, "已超出 1 个字".to_string())
    );
    assert_eq!(
        count_text("abc", 2000),
        (false, "还可以输入 1,997 个字".to_string())
    );
    assert_eq!(
        d.request(vec![]).unwrap().subject.reference.as_deref(),
        Some("kiosk")
    );
}

#[wasm_bindgen_test]
fn the_levels_are_a_labelled_radio_group_best_first() {
    let level = RwSignal::new(None::<u8>);
    let host = mount(
        move || view! { <LevelChoice prefix="t" legend="满意吗" level error=Signal::derive(|| None)/> },
    );
    assert_eq!(
        host.query_selector("legend")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap(),
        "满意吗"
    );
    let radios = host.query_selector_all("input[type=radio]").unwrap();
    assert_eq!(radios.length(), 5);
    let first: web_sys::HtmlElement = radios.get(0).unwrap().unchecked_into();
    assert_eq!(first.id(), "t-level-5");
    let label = host
        .query_selector("label[for=t-level-1]")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert!(label.contains("非常不满意"), "{label}");
    first.click();
    assert_eq!(level.get_untracked(), Some(5));
}

#[wasm_bindgen_test]
fn a_given_comment_is_text_not_markup() {
    let host = mount(
        || view! { <GivenRating level=2 comment=Some("<script>alert(1)</script>".to_string()) rated_at="2026-11-22T10:05:00+08:00"/> },
    );
    assert!(host.query_selector("script").unwrap().is_none());
    let text = host.text_content().unwrap();
    assert!(
        text.contains("<script>alert(1)</script>")
            && text.contains("不满意")
            && text.contains("2026年11月22日 10:05"),
        "{text}"
    );
}

/// A stored draft of the portal (as `Drafts::save` writes it), saved `age_days` ago, or
/// without a save time (as drafts were written before they expired).
fn stored_draft(name: &str, age_days: Option<f64>) -> String {
    let mut d = serde_json::json!({
        "key": "0123456789abcdef0123456789abcdef",
        "applicant_type": "individual",
        "applicant": {"name": name},
        "answers": {},
        "materials": {},
        "declared": false
    });
    if let Some(age) = age_days {
        d["saved_at"] = serde_json::json!(js_sys::Date::now() - age * 86_400_000.0);
    }
    d.to_string()
}

#[wasm_bindgen_test]
fn portal_drafts_expire_after_seven_days() {
    use app::apply::draft::{Draft, Drafts};
    let storage = window().local_storage().unwrap().unwrap();
    let item = |service: &str| {
        storage
            .get_item(&format!("onewindow.draft.{service}"))
            .unwrap()
    };
    for (service, age) in [
        ("TEST-DRAFT-OLD", Some(7.5)),
        ("TEST-DRAFT-UNSTAMPED", None),
        ("TEST-DRAFT-RECENT", Some(6.0)),
    ] {
        storage
            .set_item(
                &format!("onewindow.draft.{service}"),
                &stored_draft("张三", age),
            )
            .unwrap();
    }
    Owner::new().with(|| {
        // Starting the app removes what is past its age, and keeps the rest.
        Drafts::provide(true);
        assert_eq!(item("TEST-DRAFT-OLD"), None);
        assert_eq!(item("TEST-DRAFT-UNSTAMPED"), None);
        let drafts = Drafts::use_();
        assert_eq!(drafts.load("TEST-DRAFT-OLD"), None);
        let recent = drafts
            .load("TEST-DRAFT-RECENT")
            .expect("a recent draft loads");
        assert_eq!(recent.text("name"), "张三");

        // A saved draft carries its save time; a new one has a secure random key.
        let mut d = Draft::start();
        assert_eq!(d.key.len(), 32);
        assert_ne!(d.key, "0".repeat(32));
        assert_ne!(d.key, Draft::start().key);
        assert!(d.ensure_key());
        d.applicant.insert("name".into(), "李四".into());
        drafts.save("TEST-DRAFT-NEW", &d);
        let stored: serde_json::Value =
            serde_json::from_str(&item("TEST-DRAFT-NEW").unwrap()).unwrap();
        let saved_at = stored["saved_at"].as_f64().unwrap();
        assert!(
            (js_sys::Date::now() - saved_at).abs() < 60_000.0,
            "{stored}"
        );

        // A draft that goes past its age while the app runs is not loaded either.
        storage
            .set_item(
                "onewindow.draft.TEST-DRAFT-AGED",
                &stored_draft("王五", Some(8.0)),
            )
            .unwrap();
        assert_eq!(drafts.load("TEST-DRAFT-AGED"), None);
        assert_eq!(item("TEST-DRAFT-AGED"), None, "removed when found expired");
        for service in ["TEST-DRAFT-RECENT", "TEST-DRAFT-NEW"] {
            drafts.delete(service);
            assert_eq!(item(service), None);
        }
    });
}
