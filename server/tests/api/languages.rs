//! The catalogue in the reader's language, over the real `server` binary on SQLite and
//! PostgreSQL: Traditional Chinese asked by `?lang=` or `Accept-Language` (and said in
//! `Content-Language`), Simplified for English readers, a bad `lang` refused naming it, a
//! search typed in Traditional, and a catalogue's hand-written Traditional texts winning
//! over the conversion (and checked on import like everything else). Receipts, cases and
//! complaints in the reader's language too: names from the Traditional catalogue, staff's
//! texts converted as they are read, nothing stored changed.

use api_client::{
    CaseView, ComplaintCreated, ComplaintView, Department, FormDefinition, Language, Receipt,
    ServiceGuide, ServicePage, Topic,
};
use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_LANGUAGE, VARY};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::support::{bad_fields, test_service, two_department_catalogue, Backend, TestServer};

backend_tests!(
    traditional_is_asked_by_lang_or_accept_language,
    every_catalogue_answer_comes_in_traditional,
    english_and_other_readers_get_the_simplified_catalogue,
    a_bad_lang_is_400_naming_it,
    a_search_in_traditional_finds_the_simplified_service,
    hand_written_traditional_wins_over_the_conversion,
    a_wrong_hand_written_text_is_refused_on_import,
    receipts_and_cases_come_in_the_readers_language,
    staff_texts_of_a_case_read_in_traditional,
    a_complaint_reads_in_traditional_but_its_description_as_written,
    a_bad_lang_on_a_receipt_case_or_complaint_is_400_and_changes_nothing,
);

/// 居住证申领 of 区公安分局, which takes online applications (it has a form).
const PERMIT: &str = "440113-GA-GG-001";

/// An answer's status, `Content-Language`, whether it varies by `Accept-Language`, and body.
async fn ask(
    server: &TestServer,
    path: &str,
    accept_language: Option<&str>,
) -> (StatusCode, String, bool, Value) {
    let mut req = server.http.get(server.url(&format!("/api/v1{path}")));
    if let Some(al) = accept_language {
        req = req.header(ACCEPT_LANGUAGE, al);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let header = |name| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let content_language = header(CONTENT_LANGUAGE);
    let varies = resp
        .headers()
        .get_all(VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("accept-language"));
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text:.300}"));
    (status, content_language, varies, body)
}

/// The typed answer of a 200, with its `Content-Language`.
async fn read<T: DeserializeOwned>(
    server: &TestServer,
    path: &str,
    accept_language: Option<&str>,
) -> (T, String) {
    let (status, language, varies, body) = ask(server, path, accept_language).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    assert!(varies, "{path}: Vary names Accept-Language");
    (serde_json::from_value(body).unwrap(), language)
}

async fn traditional_is_asked_by_lang_or_accept_language(backend: Backend) {
    let server = or_skip!(TestServer::start_with_args(backend, &[], &[]));
    let path = format!("/services/{PERMIT}");
    for (query, accept_language) in [
        ("?lang=zh-Hant", None),
        ("?lang=ZH-HANT", Some("en")),
        ("", Some("zh-HK")),
        ("", Some("zh-TW")),
        ("", Some("zh-MO,en;q=0.5")),
        ("", Some("zh-Hant-CN")),
        ("", Some("en;q=0.3, zh-HK;q=0.8, zh-CN;q=0.5")),
    ] {
        let (guide, language): (ServiceGuide, _) =
            read(&server, &format!("{path}{query}"), accept_language).await;
        assert_eq!(language, "zh-Hant", "{query} {accept_language:?}");
        assert_eq!(guide.name, "居住證申領", "{query} {accept_language:?}");
        assert_eq!(guide.department.name, "區公安分局");
        assert_eq!(guide.code, PERMIT);
    }
    for (query, accept_language) in [
        ("", None),
        ("?lang=zh-Hans", Some("zh-HK")),
        ("", Some("zh-CN, zh-HK;q=0.9")),
        ("", Some("zh-HK;q=0, zh")),
    ] {
        let (guide, language): (ServiceGuide, _) =
            read(&server, &format!("{path}{query}"), accept_language).await;
        assert_eq!(language, "zh-Hans", "{query} {accept_language:?}");
        assert_eq!(guide.name, "居住证申领", "{query} {accept_language:?}");
    }
    // The typed client asks by `?lang=`.
    let hant = server.api.clone().language(Language::ZhHant);
    assert_eq!(hant.service(PERMIT).await.unwrap().name, "居住證申領");
    assert_eq!(server.api.service(PERMIT).await.unwrap().name, "居住证申领");
}

async fn every_catalogue_answer_comes_in_traditional(backend: Backend) {
    let server = or_skip!(TestServer::start_with_args(backend, &[], &[]));
    let hans: ServiceGuide = read(&server, &format!("/services/{PERMIT}"), None).await.0;
    let (hant, _): (ServiceGuide, _) =
        read(&server, &format!("/services/{PERMIT}?lang=zh-Hant"), None).await;
    // Every text is converted; codes and ids stay what answers and applications refer to.
    assert_eq!(hant.materials.len(), hans.materials.len());
    for (t, s) in hant.materials.iter().zip(&hans.materials) {
        assert_eq!(t.id, s.id);
    }
    assert!(
        hant.conditions.iter().any(|c| c.contains("本區")),
        "{:?}",
        hant.conditions
    );
    assert!(
        hant.steps
            .iter()
            .any(|s| s.description.contains("製作居住證")),
        "{:?}",
        hant.steps
    );
    assert_eq!(
        hant.keywords, hans.keywords,
        "search words stay as the index has them"
    );
    assert!(hant.topics.iter().all(|t| !t.name.is_empty()));
    assert!(
        !hant.faqs.is_empty()
            && hant
                .faqs
                .iter()
                .zip(&hans.faqs)
                .all(|(t, s)| t.question != s.question),
        "{:?}",
        hant.faqs
    );

    let (page, language): (ServicePage, _) =
        read(&server, "/services?per_page=100", Some("zh-HK")).await;
    assert_eq!(language, "zh-Hant");
    let permit = page.items.iter().find(|s| s.code == PERMIT).unwrap();
    assert_eq!(permit.name, "居住證申領");
    assert_eq!(permit.department.name, "區公安分局");

    let (departments, language): (Vec<Department>, _) =
        read(&server, "/departments?lang=zh-Hant", None).await;
    assert_eq!(language, "zh-Hant");
    let names: Vec<&str> = departments.iter().map(|d| d.name.as_str()).collect();
    assert!(names.contains(&"區公安分局"), "{names:?}");
    assert!(names.contains(&"區人力資源和社會保障局"), "{names:?}");
    let (topics, _): (Vec<Topic>, _) = read(&server, "/topics", Some("zh-TW")).await;
    assert!(topics.iter().any(|t| t.name == "就業創業"), "{topics:?}");

    let (form, language): (FormDefinition, _) = read(
        &server,
        &format!("/services/{PERMIT}/form?lang=zh-Hant"),
        None,
    )
    .await;
    let (plain, _): (FormDefinition, _) =
        read(&server, &format!("/services/{PERMIT}/form"), None).await;
    assert_eq!(language, "zh-Hant");
    assert_eq!(form.service_name, "居住證申領");
    let fields = |f: &FormDefinition| -> Vec<(String, Vec<String>)> {
        f.sections
            .iter()
            .flat_map(|s| &s.fields)
            .map(|f| {
                (
                    f.id.clone(),
                    f.options.iter().map(|o| o.value.clone()).collect(),
                )
            })
            .collect()
    };
    assert_eq!(
        fields(&form),
        fields(&plain),
        "ids and choice values are the answers' keys"
    );
    let labels = |f: &FormDefinition| -> Vec<String> {
        f.sections
            .iter()
            .flat_map(|s| &s.fields)
            .map(|f| f.label.clone())
            .collect()
    };
    assert_ne!(labels(&form), labels(&plain));
}

async fn english_and_other_readers_get_the_simplified_catalogue(backend: Backend) {
    let server = or_skip!(TestServer::start_with_args(backend, &[], &[]));
    let path = format!("/services/{PERMIT}");
    for (query, accept_language) in [
        ("?lang=en", None),
        ("?lang=en", Some("zh-HK")),
        ("", Some("en-GB,en;q=0.9")),
        ("", Some("fr-FR, de;q=0.5")),
        ("", Some("*")),
        ("", Some(";;q=x,,")),
    ] {
        let (guide, language): (ServiceGuide, _) =
            read(&server, &format!("{path}{query}"), accept_language).await;
        assert_eq!(language, "zh-Hans", "{query} {accept_language:?}");
        assert_eq!(guide.name, "居住证申领");
    }
}

async fn a_bad_lang_is_400_naming_it(backend: Backend) {
    let server = or_skip!(TestServer::start_with_args(backend, &[], &[]));
    let lang = || vec![("lang".to_string(), "invalid".to_string())];
    for path in [
        format!("/services/{PERMIT}?lang=fr"),
        format!("/services/{PERMIT}?lang=zh-TW"),
        format!("/services/{PERMIT}/form?lang="),
        "/departments?lang=zh_Hant".to_string(),
        "/topics?lang=%E7%B9%81".to_string(),
        "/services?lang=klingon".to_string(),
    ] {
        let (status, _, _, body) = ask(&server, &path, Some("zh-HK")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(bad_fields(&body), lang(), "{path}: {body}");
    }
    // Together with the search's own problems.
    let long = "字".repeat(api_client::MAX_QUERY_CHARS + 1);
    let (status, _, _, body) =
        ask(&server, &format!("/services?lang=xx&q={long}&page=0"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let mut fields: Vec<String> = bad_fields(&body).into_iter().map(|(f, _)| f).collect();
    fields.sort();
    assert_eq!(fields, ["lang", "page", "q"], "{body}");
}

async fn a_search_in_traditional_finds_the_simplified_service(backend: Backend) {
    let server = or_skip!(TestServer::start_with_args(backend, &[], &[]));
    for (query, language, name) in [
        ("居住證", "", "居住证申领"),
        ("居住證", "&lang=zh-Hant", "居住證申領"),
        ("居住证", "&lang=zh-Hant", "居住證申領"),
        ("辦理居住證", "", "居住证申领"),
    ] {
        let path = format!("/services?q={}{language}", api_client::query::encode(query));
        let (page, _): (ServicePage, _) = read(&server, &path, None).await;
        assert_eq!(
            page.items
                .first()
                .map(|s| (s.code.as_str(), s.name.as_str())),
            Some((PERMIT, name)),
            "{path}: {:?}",
            page.items.iter().map(|s| &s.name).collect::<Vec<_>>()
        );
    }
}

/// A catalogue whose first service, department and topic carry hand-written Traditional.
fn written_catalogue() -> Value {
    let mut catalogue = two_department_catalogue(
        "renzheng",
        [("rzj", "区认证局"), ("qtj", "区其他局")],
        [
            ("440113-RZ-GG-001", "资格证书发证"),
            ("440113-QT-GG-001", "其他证书发证"),
        ],
    );
    catalogue["departments"][0]["zh_hant"] = json!({"name": "區認證署"});
    catalogue["topics"][0]["zh_hant"] = json!({"name": "認證事務"});
    catalogue["services"][0]["zh_hant"] = json!({
        "name": "資格證書簽發",
        "materials[0].name": "近照",
    });
    catalogue
}

async fn hand_written_traditional_wins_over_the_conversion(backend: Backend) {
    let Some(server) =
        TestServer::start_with_catalogue(backend, &[], &[], &written_catalogue()).await
    else {
        return;
    };
    let (guide, _): (ServiceGuide, _) =
        read(&server, "/services/440113-RZ-GG-001?lang=zh-Hant", None).await;
    assert_eq!(guide.name, "資格證書簽發", "written by hand");
    assert_eq!(guide.materials[0].name, "近照", "written by hand");
    assert_eq!(guide.materials[0].source, "申請人自備", "converted");
    assert_eq!(guide.department.name, "區認證署");
    assert_eq!(guide.topics[0].name, "認證事務");
    let (other, _): (ServiceGuide, _) =
        read(&server, "/services/440113-QT-GG-001", Some("zh-HK")).await;
    assert_eq!(other.name, "其他證書發證", "converted");
    assert_eq!(other.department.name, "區其他局");
    let (departments, _): (Vec<Department>, _) = read(&server, "/departments", Some("zh-HK")).await;
    assert_eq!(departments[0].name, "區認證署");

    // Neither answer carries the hand-written texts as such.
    for path in [
        "/services/440113-RZ-GG-001",
        "/services/440113-RZ-GG-001?lang=zh-Hant",
    ] {
        let (_, _, _, body) = ask(&server, path, None).await;
        assert!(body.get("zh_hant").is_none(), "{path}: {body}");
    }
    let (simplified, _): (ServiceGuide, _) =
        read(&server, "/services/440113-RZ-GG-001", None).await;
    assert_eq!(simplified.name, "资格证书发证");
    assert_eq!(simplified.department.name, "区认证局");

    // A new import of the items without them goes back to the conversion.
    let plain = two_department_catalogue(
        "renzheng",
        [("rzj", "区认证局"), ("qtj", "区其他局")],
        [
            ("440113-RZ-GG-001", "资格证书发证"),
            ("440113-QT-GG-001", "其他证书发证"),
        ],
    );
    let file = server.write_scratch("plain.json", &plain.to_string());
    let out = server.import(&[file]).await;
    assert!(out.success, "{out:?}");
    let (guide, _): (ServiceGuide, _) =
        read(&server, "/services/440113-RZ-GG-001?lang=zh-Hant", None).await;
    assert_eq!(guide.name, "資格證書發證");
    assert_eq!(guide.department.name, "區認證局");
    assert_eq!(guide.topics[0].name, "測試主題");
}

async fn a_wrong_hand_written_text_is_refused_on_import(backend: Backend) {
    let Some(server) =
        TestServer::start_with_catalogue(backend, &[], &[], &written_catalogue()).await
    else {
        return;
    };
    let mut bad = test_service("440113-RZ-GG-002", "另一证书发证", "rzj", "renzheng");
    bad["zh_hant"] = json!({"materials[5].name": "無此材料", "name": " "});
    let file = server.write_scratch(
        "bad.json",
        &json!({
            "departments": [{"code": "xyj", "name": "区新局", "zh_hant": {"phone": "1"}}],
            "services": [bad],
        })
        .to_string(),
    );
    let out = server.import(&[file]).await;
    assert!(!out.success, "{out:?}");
    for named in [
        "item 440113-RZ-GG-002: field `zh_hant.materials[5].name`",
        "item 440113-RZ-GG-002: field `zh_hant.name`",
        "item xyj: field `zh_hant.phone`",
    ] {
        assert!(out.stderr.contains(named), "{named}: {}", out.stderr);
    }
    // Nothing of it was written.
    let (status, _, _, _) = ask(&server, "/services/440113-RZ-GG-002", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The service of `written_catalogue` whose Traditional names are written by hand, and the
/// one whose names are converted.
const WRITTEN: &str = "440113-RZ-GG-001";
const CONVERTED: &str = "440113-QT-GG-001";

/// A POST of `body` to `path`: status, `Content-Language`, body.
async fn post(server: &TestServer, path: &str, body: &Value) -> (StatusCode, String, Value) {
    let resp = server
        .http
        .post(server.url(&format!("/api/v1{path}")))
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("request");
    let status = resp.status();
    let language = resp
        .headers()
        .get(CONTENT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, language, resp.json().await.unwrap())
}

async fn receipts_and_cases_come_in_the_readers_language(backend: Backend) {
    let Some(server) =
        TestServer::start_with_catalogue(backend, &[], &[], &written_catalogue()).await
    else {
        return;
    };
    for (service, hans, hant, department_hans, department_hant) in [
        (
            WRITTEN,
            "资格证书发证",
            "資格證書簽發",
            "区认证局",
            "區認證署",
        ),
        (
            CONVERTED,
            "其他证书发证",
            "其他證書發證",
            "区其他局",
            "區其他局",
        ),
    ] {
        let case = server.submit_application(service).await;
        let receipt = format!(
            "/applications/{}?c={}",
            case.acceptance_number, case.query_code
        );
        let track = format!("/cases/{}?c={}", case.acceptance_number, case.query_code);
        for (query, accept_language) in [
            ("&lang=zh-Hant", None),
            ("&lang=zh-Hant", Some("en")),
            ("", Some("zh-TW")),
            ("", Some("zh-HK, zh-CN;q=0.5")),
        ] {
            let asked = format!("{query} {accept_language:?}");
            let (r, language): (Receipt, _) =
                read(&server, &format!("{receipt}{query}"), accept_language).await;
            assert_eq!(language, "zh-Hant", "{asked}");
            assert_eq!(
                (r.service_name.as_str(), r.department.as_str()),
                (hant, department_hant),
                "{asked}"
            );
            assert_eq!(r.service_code, service, "codes stay as they are");
            assert_eq!(r.location, "測試區行政服務中心二樓 5 號窗口", "{asked}");

            let (c, language): (CaseView, _) =
                read(&server, &format!("{track}{query}"), accept_language).await;
            assert_eq!(language, "zh-Hant", "{asked}");
            assert_eq!(
                (c.service.name.as_str(), c.department.as_str()),
                (hant, department_hant)
            );
            assert_eq!(c.service.code, service);
            assert_eq!(c.timeline[0].step, "提交申請");
            assert_eq!(c.timeline[0].department, department_hant);
            assert_eq!(c.current_step, "待受理");
        }
        for (query, accept_language) in [
            ("", None),
            ("&lang=zh-Hans", Some("zh-HK")),
            ("&lang=en", Some("zh-HK")),
            ("", Some("en-GB")),
        ] {
            let asked = format!("{query} {accept_language:?}");
            let (r, language): (Receipt, _) =
                read(&server, &format!("{receipt}{query}"), accept_language).await;
            assert_eq!(language, "zh-Hans", "{asked}");
            assert_eq!(
                (r.service_name.as_str(), r.department.as_str()),
                (hans, department_hans),
                "{asked}"
            );
            let (c, language): (CaseView, _) =
                read(&server, &format!("{track}{query}"), accept_language).await;
            assert_eq!(language, "zh-Hans", "{asked}");
            assert_eq!(
                (c.service.name.as_str(), c.department.as_str()),
                (hans, department_hans)
            );
            assert_eq!(c.timeline[0].step, "提交申请");
            assert_eq!(c.current_step, "待受理");
        }

        // A lookup by mobile, and the typed client, ask the same way.
        let (status, language, body) = post(
            &server,
            &format!("/cases/{}/lookup?lang=zh-Hant", case.acceptance_number),
            &json!({"mobile": "13800138000"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(language, "zh-Hant");
        assert_eq!(body["service"]["name"], hant);
        let hant_client = server.api.clone().language(Language::ZhHant);
        let r = hant_client
            .receipt(&case.acceptance_number, &case.query_code)
            .await
            .unwrap();
        assert_eq!(r.service_name, hant);
        let c = hant_client
            .case(&case.acceptance_number, &case.query_code)
            .await
            .unwrap();
        assert_eq!(c.service.name, hant);
        let c = hant_client
            .look_up_case(
                &case.acceptance_number,
                &api_client::CaseLookupRequest::mobile("13800138000"),
            )
            .await
            .unwrap();
        assert_eq!(c.service.name, hant);
        let c = server.track(&case).await;
        assert_eq!(c.service.name, hans);
    }
}

async fn staff_texts_of_a_case_read_in_traditional(backend: Backend) {
    let Some(server) =
        TestServer::start_with_catalogue(backend, &[], &[], &written_catalogue()).await
    else {
        return;
    };
    let case = server.submit_application(WRITTEN).await;
    let number = case.acceptance_number.as_str();
    server.case_cli(number, &["accept"]).await;
    server
        .case_cli(
            number,
            &["request_supplement", "--item", "身份证:需要正反两面"],
        )
        .await;
    let hant_client = server.api.clone().language(Language::ZhHant);
    let c = hant_client.case(number, &case.query_code).await.unwrap();
    let steps: Vec<(&str, &str)> = c
        .timeline
        .iter()
        .map(|e| (e.step.as_str(), e.department.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            ("提交申請", "區認證署"),
            ("受理", "區認證署"),
            ("補正告知", "區認證署"),
        ],
        "a department stored by its Simplified name reads as the catalogue writes it"
    );
    assert_eq!(c.current_step, "補正告知");
    let supplement = c.supplement.expect("a supplement request");
    assert_eq!(
        (
            supplement.items[0].name.as_str(),
            supplement.items[0].note.as_str()
        ),
        ("身份證", "需要正反兩面")
    );

    server.case_cli(number, &["supplement_received"]).await;
    server
        .case_cli(
            number,
            &[
                "review",
                "--step",
                "现场核查",
                "--opinion",
                "材料齐全，符合条件",
            ],
        )
        .await;
    server
        .case_cli(number, &["deny", "--reason", "经核查，申请人不符合条件"])
        .await;
    let c = hant_client.case(number, &case.query_code).await.unwrap();
    let review = c.timeline.iter().find(|e| e.step == "現場核查").unwrap();
    assert_eq!(review.opinion.as_deref(), Some("材料齊全，符合條件"));
    let result = c.result.expect("a decision");
    assert_eq!(result.reason.as_deref(), Some("經核查，申請人不符合條件"));
    assert!(
        result.remedy.as_deref().unwrap().contains("不服本決定"),
        "{:?}",
        result.remedy
    );

    // Nothing stored changed: the Simplified reader reads what staff wrote.
    let c = server.track(&case).await;
    assert!(c.timeline.iter().any(|e| e.step == "现场核查"));
    assert_eq!(
        c.result.unwrap().reason.as_deref(),
        Some("经核查，申请人不符合条件")
    );
    assert_eq!(c.timeline[1].department, "区认证局");
}

async fn a_complaint_reads_in_traditional_but_its_description_as_written(backend: Backend) {
    let Some(server) =
        TestServer::start_with_catalogue(backend, &[], &[], &written_catalogue()).await
    else {
        return;
    };
    let (status, created) = server
        .post_text(
            "/complaints",
            None,
            &json!({
                "subject": {"type": "service", "ref": WRITTEN},
                "category": "delay",
                "description": "办理时间过长",
                "anonymous": true
            })
            .to_string(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let created: ComplaintCreated = serde_json::from_value(created).unwrap();
    let staff = server.staff_token("李科员", "rzj").await;
    for action in [
        json!({"action": "assign", "department": "rzj"}),
        json!({"action": "reply", "text": "已电话联系申请人，并加快办理。"}),
    ] {
        let (status, body) = server
            .post_json(
                &format!("/staff/complaints/{}/actions", created.complaint_number),
                Some(&staff),
                &action,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let path = format!(
        "/complaints/{}?c={}",
        created.complaint_number, created.query_code
    );
    let (c, language): (ComplaintView, _) = read(&server, &path, Some("zh-HK")).await;
    assert_eq!(language, "zh-Hant");
    assert_eq!(c.subject.name.as_deref(), Some("資格證書簽發"));
    assert_eq!(c.department.as_deref(), Some("區認證署"));
    assert_eq!(c.replies[0].department, "區認證署");
    assert_eq!(c.replies[0].text, "已電話聯繫申請人，並加快辦理。");
    assert_eq!(c.description, "办理时间过长", "the complainant's own words");

    let (c, language): (ComplaintView, _) = read(&server, &path, None).await;
    assert_eq!(language, "zh-Hans");
    assert_eq!(c.subject.name.as_deref(), Some("资格证书发证"));
    assert_eq!(c.replies[0].text, "已电话联系申请人，并加快办理。");
    let hant = server.api.clone().language(Language::ZhHant);
    let c = hant
        .complaint(&created.complaint_number, &created.query_code)
        .await
        .unwrap();
    assert_eq!(c.department.as_deref(), Some("區認證署"));
}

async fn a_bad_lang_on_a_receipt_case_or_complaint_is_400_and_changes_nothing(backend: Backend) {
    let Some(server) =
        TestServer::start_with_catalogue(backend, &[], &[], &written_catalogue()).await
    else {
        return;
    };
    let case = server.submit_application(WRITTEN).await;
    let (number, code) = (&case.acceptance_number, &case.query_code);
    let lang = || vec![("lang".to_string(), "invalid".to_string())];
    for path in [
        format!("/applications/{number}?c={code}&lang=fr"),
        format!("/cases/{number}?c={code}&lang=zh-TW"),
        format!("/cases/{number}?c={code}&lang="),
        format!("/complaints/{number}?c={code}&lang=xx"),
    ] {
        let (status, _, _, body) = ask(&server, &path, Some("zh-HK")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(bad_fields(&body), lang(), "{path}: {body}");
    }
    for (path, body) in [
        (
            format!("/cases/{number}/lookup?lang=zh_Hant"),
            json!({"c": code}),
        ),
        (
            format!("/cases/{number}/withdraw?c={code}&lang=de"),
            json!({}),
        ),
    ] {
        let (status, _, body) = post(&server, &path, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(bad_fields(&body), lang(), "{path}: {body}");
    }
    assert!(
        server.track(&case).await.can_withdraw,
        "a withdrawal with a bad `lang` withdrew nothing"
    );
}
