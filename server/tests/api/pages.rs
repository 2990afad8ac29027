//! The portal's pages as the server renders them (`routes/pages.rs`, `app::ssr`), over the
//! real binary: every page is the page itself in the first HTML (never the bare shell), in
//! the reader's language and care mode, with its own title, description and canonical
//! address (JSON-LD on guides, `noindex` on what is one reader's); unknown pages are 404;
//! the lookup forms work without JavaScript; and what a reader or an attacker puts in a URL
//! or a complaint never becomes markup or script.

use reqwest::header::{ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_LANGUAGE, COOKIE, LOCATION};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{new_key, two_department_catalogue, Backend, TestServer};

backend_tests!(
    every_portal_page_is_rendered_on_the_server,
    the_first_html_is_in_the_readers_language_and_care_mode,
    each_page_has_its_own_head,
    unknown_pages_are_404_pages,
    the_lookup_forms_work_without_javascript,
    nothing_typed_or_filed_becomes_markup,
    a_case_page_counts_once_at_the_gate_and_is_never_cached,
    preferences_are_set_without_javascript,
    a_case_page_is_plain_html_and_withdraws_by_form,
    a_case_is_rated_by_form_and_a_refusal_keeps_what_was_typed,
);

const SERVICE: &str = "TEST-PAGE-001";

async fn start(backend: Backend, envs: &[(&str, &str)]) -> Option<TestServer> {
    TestServer::start_with_catalogue(
        backend,
        &[],
        envs,
        &two_department_catalogue(
            "tp_topic",
            [("tpa", "测试页面局"), ("tpb", "测试另一局")],
            [(SERVICE, "测试页面事项"), ("TEST-PAGE-002", "测试他局事项")],
        ),
    )
    .await
}

/// GET `path` with extra headers: status, headers and the page.
async fn page(
    server: &TestServer,
    path: &str,
    headers: &[(reqwest::header::HeaderName, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let mut req = server.http.get(server.url(path));
    for (name, value) in headers {
        req = req.header(name, *value);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.text().await.unwrap())
}

/// The page's data as the server wrote it for the bundle.
fn page_data(html: &str) -> Value {
    let start = html
        .find("<script type=\"application/json\" id=\"page-data\">")
        .expect("the page carries its data")
        + "<script type=\"application/json\" id=\"page-data\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

/// POSTs a form as a browser without JavaScript does, not following the redirect.
async fn submit<V: serde::Serialize + ?Sized>(
    server: &TestServer,
    path: &str,
    form: &V,
) -> reqwest::Response {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    http.post(server.url(path)).form(form).send().await.unwrap()
}

/// POSTs a form body of `field=` and `len` bytes: the status. A client of its own, since
/// the server closes a connection whose body it refused.
async fn post_oversized(server: &TestServer, path: &str, field: &str, len: usize) -> StatusCode {
    reqwest::Client::new()
        .post(server.url(path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("{field}=") + &"x".repeat(len))
        .send()
        .await
        .unwrap()
        .status()
}

fn location(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
}

/// POSTs a form (`submit`): status, `Location` and the cookies set.
async fn post_form<V: serde::Serialize + ?Sized>(
    server: &TestServer,
    path: &str,
    form: &V,
) -> (StatusCode, Option<String>, Vec<String>) {
    let res = submit(server, path, form).await;
    let cookies = res
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    (res.status(), location(&res), cookies)
}

/// Whether `html` is a page the server rendered: with its data for the bundle, or a plain
/// page with its small script instead.
fn rendered(html: &str) -> bool {
    (html.contains("id=\"page-data\"") || is_plain(html)) && !html.contains("PORTAL-INDEX-MARKER")
}

/// Whether `html` is a plain page: the server's HTML with `plain.js`, and no bundle.
fn is_plain(html: &str) -> bool {
    html.contains("<script src=\"/_track/plain.js\" defer></script>")
        && !html.contains("id=\"page-data\"")
        && !html.contains("type=\"module\"")
}

async fn file_complaint(server: &TestServer, description: &str) -> (String, String) {
    let body = json!({
        "subject": {"type": "channel", "ref": "portal"},
        "category": "delay",
        "description": description,
        "anonymous": true,
    });
    let req = server
        .http
        .post(server.url("/api/v1/complaints"))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", new_key("page"))
        .body(body.to_string());
    let (status, value, _) = server.send(req).await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    (
        value["complaint_number"].as_str().unwrap().to_string(),
        value["query_code"].as_str().unwrap().to_string(),
    )
}

async fn every_portal_page_is_rendered_on_the_server(backend: Backend) {
    let Some(server) = start(backend, &[]).await else {
        return;
    };
    let case = server.submit_application(SERVICE).await;
    let (complaint, complaint_code) = file_complaint(&server, "窗口排队太久。").await;
    let number = &case.acceptance_number;
    let code = &case.query_code;
    for (path, shows) in [
        ("/".to_string(), "测试页面事项"),
        ("/services".to_string(), "测试他局事项"),
        ("/services?q=%E9%A1%B5%E9%9D%A2".to_string(), "测试页面事项"),
        ("/services?department=tpb".to_string(), "测试他局事项"),
        (format!("/services/{SERVICE}"), "近期证件照"),
        (format!("/services/{SERVICE}/notice"), "近期证件照"),
        ("/track".to_string(), "track-submit"),
        (
            format!("/track/{number}?c={code}"),
            "data-status=\"submitted\"",
        ),
        // A case's address without its code asks for it.
        (format!("/track/{number}"), "data-testid=\"code-needed\""),
        (format!("/track/{number}?c="), "data-testid=\"code-needed\""),
        ("/complaints".to_string(), "complaint-lookup"),
        (
            format!("/complaints/{complaint}?c={complaint_code}"),
            "窗口排队太久。",
        ),
        // The pages that need the bundle say so, pointing to the hall and the hotline.
        (format!("/services/{SERVICE}/apply"), "script-required"),
        (format!("/receipt/{number}?c={code}"), "script-required"),
        (
            format!("/track/{number}/supplement?c={code}"),
            "script-required",
        ),
        ("/complaints/new".to_string(), "script-required"),
    ] {
        let (status, _, html) = page(&server, &path, &[]).await;
        assert_eq!(status, StatusCode::OK, "GET {path}");
        assert!(rendered(&html), "GET {path} is rendered: {html}");
        assert!(html.contains(shows), "GET {path} shows {shows}: {html}");
    }
    // The data a page was rendered with goes with it, for the bundle's first render.
    let (_, _, html) = page(&server, &format!("/services/{SERVICE}"), &[]).await;
    let data = page_data(&html);
    assert_eq!(data["locale"], "zh-Hans");
    assert_eq!(
        data["answers"][format!("services/{SERVICE}")]["ok"]["code"],
        SERVICE
    );
    // HEAD is the same page without its body.
    let res = server
        .http
        .head(server.url("/services"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().is_empty());
    // The shell as built is still a file of its own.
    let (_, _, raw) = page(&server, "/index.html", &[]).await;
    assert!(raw.contains("PORTAL-INDEX-MARKER"));
}

async fn the_first_html_is_in_the_readers_language_and_care_mode(backend: Backend) {
    let Some(server) = start(backend, &[]).await else {
        return;
    };
    let path = format!("/services/{SERVICE}");
    let (_, headers, html) = page(&server, &path, &[]).await;
    assert!(html.contains("<html lang=\"zh-CN\">"), "{html}");
    assert!(html.contains("办事指南"));
    assert_eq!(headers[CONTENT_LANGUAGE], "zh-Hans");

    // The browser's languages, when nothing was chosen here.
    let (_, headers, html) = page(&server, &path, &[(ACCEPT_LANGUAGE, "zh-TW,zh;q=0.8")]).await;
    assert!(html.contains("<html lang=\"zh-Hant\">"));
    assert!(
        html.contains("測試頁面事項"),
        "the catalogue in Traditional"
    );
    assert!(html.contains("辦事指南"));
    assert_eq!(headers[CONTENT_LANGUAGE], "zh-Hant");
    let (_, _, html) = page(&server, &path, &[(ACCEPT_LANGUAGE, "en-GB,en;q=0.9")]).await;
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Service guides"), "the interface in English");
    assert!(html.contains("测试页面事项"), "the catalogue as written");

    // A choice made here wins over the browser's; care mode comes from its cookie.
    let (_, headers, html) = page(
        &server,
        &path,
        &[
            (ACCEPT_LANGUAGE, "en"),
            (COOKIE, "onewindow_lang=zh-Hant; onewindow_care=1"),
        ],
    )
    .await;
    assert!(
        html.contains("<html lang=\"zh-Hant\" class=\"care\">"),
        "{html}"
    );
    assert!(
        html.contains("aria-pressed=\"true\""),
        "the care button is pressed"
    );
    assert_eq!(headers[CONTENT_LANGUAGE], "zh-Hant");
    assert_eq!(page_data(&html)["locale"], "zh-Hant");
    // A cookie naming no language of ours is no choice.
    let (_, _, html) = page(&server, &path, &[(COOKIE, "onewindow_lang=<x>")]).await;
    assert!(html.contains("<html lang=\"zh-CN\">"));
}

fn between<'a>(html: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = html.find(open)? + open.len();
    let end = start + html[start..].find(close)?;
    Some(&html[start..end])
}

async fn each_page_has_its_own_head(backend: Backend) {
    let Some(server) = start(backend, &[]).await else {
        return;
    };
    let mut titles = std::collections::HashSet::new();
    let mut descriptions = std::collections::HashSet::new();
    for path in [
        "/".to_string(),
        "/services".to_string(),
        format!("/services/{SERVICE}"),
        format!("/services/{SERVICE}/notice"),
        "/track".to_string(),
        "/complaints".to_string(),
    ] {
        let (_, _, html) = page(&server, &path, &[]).await;
        let title = between(&html, "<title>", "</title>").unwrap().to_string();
        let description = between(&html, "<meta name=\"description\" content=\"", "\"")
            .unwrap()
            .to_string();
        assert!(!title.is_empty() && !description.is_empty(), "GET {path}");
        assert_eq!(html.matches("<title>").count(), 1, "GET {path}: one title");
        assert_eq!(
            html.matches("name=\"description\"").count(),
            1,
            "GET {path}"
        );
        titles.insert(title);
        descriptions.insert(description);
    }
    assert_eq!(titles.len(), 6, "every page its own title: {titles:?}");
    assert_eq!(descriptions.len(), 6, "and description: {descriptions:?}");

    let (_, _, html) = page(&server, &format!("/services/{SERVICE}"), &[]).await;
    assert!(html.contains("<title>测试页面事项 - 一窗通办</title>"));
    let canonical = between(&html, "<link rel=\"canonical\" href=\"", "\"").unwrap();
    assert!(
        canonical.ends_with(&format!("/services/{SERVICE}")),
        "{canonical}"
    );
    assert!(canonical.starts_with("http"), "absolute: {canonical}");
    let ld: Value = serde_json::from_str(
        between(&html, "<script type=\"application/ld+json\">", "</script>").unwrap(),
    )
    .unwrap();
    assert_eq!(ld["@type"], "GovernmentService");
    assert_eq!(ld["name"], "测试页面事项");
    assert_eq!(ld["provider"]["name"], "测试页面局");
    assert_eq!(ld["url"], canonical);

    // A search's canonical address keeps its query, less what is noise.
    let (_, _, html) = page(
        &server,
        "/services?q=%E9%A1%B5%E9%9D%A2&utm_source=x&topic=",
        &[],
    )
    .await;
    let canonical = between(&html, "<link rel=\"canonical\" href=\"", "\"").unwrap();
    assert!(
        canonical.ends_with("/services?q=%E9%A1%B5%E9%9D%A2"),
        "{canonical}"
    );
    // The lookups' forms are public pages; what is one reader's is no search engine's.
    for path in ["/track", "/complaints"] {
        let (_, _, html) = page(&server, path, &[]).await;
        let canonical = between(&html, "<link rel=\"canonical\" href=\"", "\"").unwrap();
        assert!(canonical.ends_with(path), "GET {path}: {canonical}");
        assert!(!html.contains("noindex"), "GET {path}");
    }
    for path in [
        "/complaints/new",
        "/services/TEST-PAGE-001/notice",
        "/services/TEST-PAGE-001/apply",
    ] {
        let (_, _, html) = page(&server, path, &[]).await;
        assert!(
            html.contains("<meta name=\"robots\" content=\"noindex\">"),
            "GET {path}"
        );
        assert!(!html.contains("rel=\"canonical\""), "GET {path}");
    }
}

async fn unknown_pages_are_404_pages(backend: Backend) {
    let Some(server) = start(backend, &[]).await else {
        return;
    };
    for path in [
        "/services/NO-SUCH-CODE",
        "/services/NO-SUCH-CODE/notice",
        "/no/such/page",
        "/track/440113202401010001X/other",
        "/services/%E0%A4%A",
    ] {
        let (status, headers, html) = page(&server, path, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "GET {path}");
        assert!(rendered(&html), "GET {path}: {html}");
        assert!(html.contains("data-testid=\"not-found\""), "GET {path}");
        let cache = headers[CACHE_CONTROL].to_str().unwrap();
        assert!(cache.contains("no-cache") || cache == "no-store", "{cache}");
    }
    // A page is read, never written.
    let res = server
        .http
        .delete(server.url("/services"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    let res = server
        .http
        .post(server.url("/services"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
}

async fn the_lookup_forms_work_without_javascript(backend: Backend) {
    let Some(server) = start(backend, &[]).await else {
        return;
    };
    let case = server.submit_application(SERVICE).await;
    let send = |path: &'static str, form: Vec<(&'static str, String)>| {
        let server = &server;
        async move {
            let (status, location, _) = post_form(server, path, &form).await;
            (status, location)
        }
    };
    // Typed as people type: separators, lower case, spaces around.
    let typed = format!(" {} ", case.acceptance_number.to_lowercase());
    let (status, location) = send(
        "/track",
        vec![
            ("track-number", typed),
            ("by", "code".into()),
            ("track-secret", case.query_code.to_lowercase()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert_eq!(
        location,
        format!("/track/{}?c={}", case.acceptance_number, case.query_code)
    );
    let (status, _, html) = page(&server, &location, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-status=\"submitted\""));

    // By mobile number: the case on the lookup's page, the number in no address and no
    // cache.
    let by_mobile = |mobile: &'static str| {
        vec![
            ("track-number", case.acceptance_number.clone()),
            ("by", "mobile".to_string()),
            ("track-secret", mobile.to_string()),
        ]
    };
    let (status, location, html) = send_form(&server, "/track", &by_mobile("138 0013 8000")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(location, None);
    assert!(html.contains("data-status=\"submitted\""), "{html}");
    assert!(html.contains("张*丰"), "the masked name");
    assert!(
        input(&html, "by-mobile").contains(" checked"),
        "the form as sent"
    );
    // The bundle takes the answer over instead of asking again.
    assert!(page_data(&html)["answers"]["form/track-found"]["ok"].is_object());
    let res = reqwest::Client::new()
        .post(server.url("/track"))
        .form(&by_mobile("13800138000"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[CACHE_CONTROL], "no-store");
    // Another mobile number finds nothing, in the same words as a wrong code.
    let (status, _, html) = send_form(&server, "/track", &by_mobile("13900139000")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("data-testid=\"no-match\""), "{html}");
    // Problems are named beside their fields before anything is asked, and what was typed
    // stays in the form.
    let (status, _, html) = send_form(&server, "/track", &by_mobile("1380013")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("请输入 11 位手机号码"), "{html}");
    assert!(input(&html, "track-secret").contains("value=\"1380013\""));
    // The way chosen is the way shown, even to a browser that cannot tell it by `:has`.
    assert!(
        html.contains("class=\"track-form track-form--mobile\""),
        "{html}"
    );
    assert!(input(&html, "track-number").contains(&case.acceptance_number));

    // Abuse: nothing sent, a number that is none, an oversized body, a header injection.
    let (status, _, html) = send_form(&server, "/track", &Vec::<(&str, &str)>::new()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("请输入受理号") && html.contains("请输入查询码"),
        "{html}"
    );
    let (status, location, html) = send_form(
        &server,
        "/track",
        &[
            ("track-number", "x\r\nSet-Cookie: a=b"),
            ("track-secret", "<b>"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(location, None);
    assert!(!html.contains("<b>"));
    assert!(
        input(&html, "track-secret").contains("value=\"&lt;b&gt;\""),
        "{html}"
    );
    assert_eq!(
        post_oversized(&server, "/track", "track-number", 100_000).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    let (complaint, code) = file_complaint(&server, "窗口排队太久。").await;
    let (status, location) = send(
        "/complaints",
        vec![
            ("complaint-number", complaint.clone()),
            ("complaint-code", code.clone()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.unwrap(),
        format!("/complaints/{complaint}?c={code}")
    );

    // A complaint's number that is none: its page says so, never a header.
    let (status, location) = send(
        "/complaints",
        vec![("complaint-number", "x\r\nSet-Cookie: a=b".into())],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert!(!location.contains('\n'), "{location}");
    let (status, _, _) = page(&server, &location, &[]).await;
    assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR);
}

async fn nothing_typed_or_filed_becomes_markup(backend: Backend) {
    let Some(server) = start(backend, &[]).await else {
        return;
    };
    let attack = "</script><script>alert(1)</script><img src=x onerror=alert(2)>";
    let (complaint, code) = file_complaint(&server, attack).await;
    let (status, _, html) = page(&server, &format!("/complaints/{complaint}?c={code}"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(
        html.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "shown as text"
    );
    // The page's data holds it as written, for the bundle to show as text too.
    let data = page_data(&html);
    let key = format!("complaints/{complaint}");
    assert_eq!(data["answers"][key]["ok"]["description"], attack);

    let (status, _, html) = page(
        &server,
        "/services?q=%3C%2Fscript%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%3E",
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("<script>alert(1)"), "{html}");
    let canonical = between(&html, "<link rel=\"canonical\" href=\"", "\">").unwrap();
    assert!(
        !canonical.contains('"') && !canonical.contains('<'),
        "{canonical}"
    );
    // A query the API refuses is the page's message, never a 500.
    let long = "长".repeat(500);
    let (status, _, html) = page(&server, &format!("/services?q={long}&page=abc"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("fetch-error"), "the refusal is shown: {html}");
}

async fn a_case_page_counts_once_at_the_gate_and_is_never_cached(backend: Backend) {
    let envs = [
        ("ONEWINDOW_LOOKUP_MAX_FAILS_PER_ADDR", "3"),
        ("ONEWINDOW_LOOKUP_MAX_FAILS_PER_NUMBER", "100"),
        ("ONEWINDOW_LOOKUP_WINDOW_SECS", "600"),
    ];
    let Some(server) = start(backend, &envs).await else {
        return;
    };
    let case = server.submit_application(SERVICE).await;
    let path = format!("/track/{}?c={}", case.acceptance_number, case.query_code);
    let (status, headers, _) = page(&server, &path, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    // Three wrong codes through the page, as three through the API: the fourth is refused,
    // and the page says so.
    let wrong = format!("/track/{}?c=A2B3C4", case.acceptance_number);
    for _ in 0..3 {
        let (_, _, html) = page(&server, &wrong, &[]).await;
        assert!(html.contains("data-testid=\"no-match\""), "{html}");
    }
    let (_, _, html) = page(&server, &wrong, &[]).await;
    assert!(html.contains("data-testid=\"throttled\""), "{html}");
    let (status, _) = server
        .get_json(&format!(
            "/api/v1/cases/{}?c={}",
            case.acceptance_number, case.query_code
        ))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the same gate");
}

async fn preferences_are_set_without_javascript(backend: Backend) {
    let Some(server) = start(backend, &[]).await else {
        return;
    };
    let send = |form: Vec<(&'static str, &'static str)>| {
        let server = &server;
        async move { post_form(server, "/preferences", &form).await }
    };
    let (status, location, cookies) =
        send(vec![("lang", "zh-Hant"), ("back", "/services?q=%E9%A1%B5")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/services?q=%E9%A1%B5"));
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert!(
        cookies[0].starts_with("onewindow_lang=zh-Hant;") && cookies[0].contains("SameSite=Lax")
    );
    // The page it goes back to is then in that language.
    let (_, _, html) = page(&server, "/services", &[(COOKIE, "onewindow_lang=zh-Hant")]).await;
    assert!(html.contains("<html lang=\"zh-Hant\">"));

    let (_, _, cookies) = send(vec![("care", "1"), ("back", "/")]).await;
    assert!(cookies[0].starts_with("onewindow_care=1;"), "{cookies:?}");
    let (_, _, cookies) = send(vec![("care", "0"), ("back", "/")]).await;
    assert!(cookies[0].starts_with("onewindow_care=;") && cookies[0].contains("Max-Age=0"));

    // Abuse: another site, a header in the way back, a language of no one, a flood.
    for back in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/x\r\nSet-Cookie: a=b",
    ] {
        let (status, location, _) = send(vec![("back", back)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{back}");
        assert_eq!(location.as_deref(), Some("/"), "{back}");
    }
    let (_, _, cookies) = send(vec![("lang", "<script>"), ("care", "2")]).await;
    assert!(cookies.is_empty(), "{cookies:?}");
    assert_eq!(
        post_oversized(&server, "/preferences", "back", 10_000).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let res = server
        .http
        .get(server.url("/preferences"))
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

/// POSTs a form (`submit`) and reads the page that answers it: status, `Location`, the
/// page.
async fn send_form<V: serde::Serialize + ?Sized>(
    server: &TestServer,
    path: &str,
    form: &V,
) -> (StatusCode, Option<String>, String) {
    let res = submit(server, path, form).await;
    let (status, location) = (res.status(), location(&res));
    (status, location, res.text().await.unwrap())
}

/// The `<input>` element with the id `id`.
fn input<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html.find(&format!("id=\"{id}\"")).expect(id);
    let start = html[..at].rfind("<input").unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

async fn a_case_page_is_plain_html_and_withdraws_by_form(backend: Backend) {
    let Some(server) = start(backend, &[]).await else {
        return;
    };
    let case = server.submit_application(SERVICE).await;
    let (number, code) = (case.acceptance_number.as_str(), case.query_code.as_str());
    let (status, headers, html) = page(&server, &format!("/track/{number}?c={code}"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    assert!(is_plain(&html), "no bundle on a case's page: {html}");
    assert!(html.contains(&format!("action=\"/track/{number}/withdraw\"")));
    assert!(html.contains(&format!("name=\"c\" value=\"{code}\"")));
    // What only a script can press is hidden until `plain.js` shows it.
    assert!(html.contains("data-print=\"\" hidden"), "{html}");
    // The lookup form beside it keeps its bundle.
    let (_, _, lookup) = page(&server, "/track", &[]).await;
    assert!(lookup.contains("id=\"page-data\""));

    let withdraw = format!("/track/{number}/withdraw");
    // A wrong or missing code withdraws nothing and gives nothing away.
    let (status, _, html) = send_form(&server, &withdraw, &[("c", "A2B3C4")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("data-testid=\"no-match\""), "{html}");
    let (status, _, html) = send_form(&server, &withdraw, &Vec::<(&str, &str)>::new()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(rendered(&html), "the page, not a bare error: {html}");
    let (_, value) = server
        .get_json(&format!("/api/v1/cases/{number}?c={code}"))
        .await;
    assert_eq!(value["status"], "submitted");
    // Abuse: a number that is none, a flood, the address read as a page.
    let (status, _, _) = send_form(&server, "/track/%3Cscript%3E/withdraw", &[("c", code)]).await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(
        post_oversized(&server, &withdraw, "c", 20_000).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let (status, _, _) = page(&server, &withdraw, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The right code withdraws, and the case page says so.
    let (status, location, _) = send_form(&server, &withdraw, &[("c", code)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, Some(format!("/track/{number}?c={code}")));
    let (_, _, html) = page(&server, &format!("/track/{number}?c={code}"), &[]).await;
    assert!(html.contains("data-status=\"withdrawn\""), "{html}");
    assert!(!html.contains("data-testid=\"withdraw\""));
    // Twice: the page says why not.
    let (status, _, html) = send_form(&server, &withdraw, &[("c", code)]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("data-testid=\"withdraw-refused\""), "{html}");
}

async fn a_case_is_rated_by_form_and_a_refusal_keeps_what_was_typed(backend: Backend) {
    let Some(server) = start(backend, &[]).await else {
        return;
    };
    let case = server.submit_application(SERVICE).await;
    let (number, code) = (case.acceptance_number.as_str(), case.query_code.as_str());
    server.complete_case(number).await;
    let (_, _, html) = page(&server, &format!("/track/{number}?c={code}"), &[]).await;
    assert!(is_plain(&html));
    assert!(html.contains(&format!("action=\"/track/{number}/rating\"")));
    // Every reason tag is in the page; CSS shows the chosen level's.
    for tag in ["rate-tag-efficient", "rate-tag-repeated_visits"] {
        assert!(html.contains(&format!("id=\"{tag}\"")), "{tag}");
    }
    let rate = format!("/track/{number}/rating");

    // No level: the page again, the problem named, the comment as typed.
    let typed = "排队<b>太久</b></textarea><script>alert(1)</script>";
    let (status, _, html) =
        send_form(&server, &rate, &[("c", code), ("rate-comment", typed)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{html}");
    assert!(html.contains("请选择满意程度"), "{html}");
    assert!(
        html.contains("排队&lt;b&gt;太久&lt;/b&gt;&lt;/textarea&gt;&lt;script&gt;alert(1)"),
        "kept, as text: {html}"
    );
    assert!(!html.contains("<b>太久") && !html.contains("<script>alert"));
    // A level that is none is no level.
    for level in ["9", "abc", ""] {
        let (status, _, html) =
            send_form(&server, &rate, &[("c", code), ("rate-level", level)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{level}");
        assert!(html.contains("请选择满意程度"), "{level}");
    }
    // Too long: the field is named, and all of it comes back.
    let long = "长".repeat(501);
    let (status, _, html) = send_form(
        &server,
        &rate,
        &[
            ("c", code),
            ("rate-level", "2"),
            ("rate-tags", "slow"),
            ("rate-comment", long.as_str()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("不能超过 500 个字"), "{html}");
    assert!(html.contains(&long));
    assert!(
        input(&html, "rate-level-2").contains(" checked"),
        "the level kept"
    );
    assert!(
        input(&html, "rate-tag-slow").contains(" checked"),
        "the tag kept"
    );
    assert!(!input(&html, "rate-level-5").contains(" checked"));
    // A wrong code rates nothing.
    let (status, _, _) = send_form(&server, &rate, &[("c", "A2B3C4"), ("rate-level", "5")]).await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(
        post_oversized(&server, &rate, "rate-comment", 40_000).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    // Rated: a praise tag sent with a poor level is dropped, as the form drops it.
    let (status, location, _) = send_form(
        &server,
        &rate,
        &[
            ("c", code),
            ("rate-level", "1"),
            ("rate-tags", "repeated_visits"),
            ("rate-tags", "efficient"),
            ("rate-comment", "  材料要求前后不一致 "),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, Some(format!("/track/{number}?c={code}&rated=1")));
    let (_, value) = server
        .get_json(&format!("/api/v1/cases/{number}?c={code}"))
        .await;
    assert_eq!(value["rating"]["level"], 1, "{value}");
    assert_eq!(value["rating"]["tags"], json!(["repeated_visits"]));
    assert_eq!(value["rating"]["comment"], "材料要求前后不一致");
    let (_, _, html) = page(&server, &location.unwrap(), &[]).await;
    assert!(html.contains("data-testid=\"rating-thanks\""), "{html}");
    assert!(html.contains("data-testid=\"rectification\""));
    // Once only.
    let (status, _, _) = send_form(&server, &rate, &[("c", code), ("rate-level", "5")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
}
