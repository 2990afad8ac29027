//! The catalogue in the reader's language, over the real `server` binary on SQLite and
//! PostgreSQL: Traditional Chinese asked by `?lang=` or `Accept-Language` (and said in
//! `Content-Language`), Simplified for English readers, a bad `lang` refused naming it, a
//! search typed in Traditional, and a catalogue's hand-written Traditional texts winning
//! over the conversion (and checked on import like everything else).

use api_client::{Department, FormDefinition, Language, ServiceGuide, ServicePage, Topic};
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
