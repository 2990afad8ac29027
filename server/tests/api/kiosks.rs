//! Registered kiosks over the real `server` binary, on SQLite and PostgreSQL: visit ratings
//! count only from an enrolled kiosk (its device cookie), once per visit it started; the
//! enrolment page sets that cookie; `server kiosk create|list|revoke`.

use crate::support::{
    assert_error_shape, bad_fields, two_department_catalogue, Backend, TestServer,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

backend_tests!(
    worker_threads = 4;
    ratings_without_a_registered_kiosk_are_refused,
    a_visit_is_rated_once_by_its_kiosk,
    a_revoked_kiosk_is_refused,
    enrolment_sets_an_http_only_cookie,
    enrolment_cookies_are_secure_behind_https,
    the_command_line_manages_kiosks,
);

fn test_catalogue() -> Value {
    two_department_catalogue(
        "tki_topic",
        [("tki", "测试终端局"), ("tko", "测试另一局")],
        [
            ("TEST-KIOSK-001", "测试终端事项"),
            ("TEST-KIOSK-002", "测试他局事项"),
        ],
    )
}

fn cookie(token: &str) -> String {
    format!("ow_kiosk={token}")
}

/// POST a JSON body to an API path with the device cookie of `token` when given.
async fn post_as(
    server: &TestServer,
    token: Option<&str>,
    path: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let mut req = server
        .http
        .post(server.url(&format!("/api/v1{path}")))
        .header("Content-Type", "application/json")
        .body(body.to_string());
    if let Some(t) = token {
        req = req.header("Cookie", cookie(t));
    }
    let (status, value, _) = server.send(req).await;
    (status, value)
}

/// Starts a visit at the kiosk of `token`, which must succeed: its id.
async fn visit(server: &TestServer, token: &str) -> String {
    let (status, v) = post_as(server, Some(token), "/kiosk/visits", &json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert!(v["expires_at"].as_str().unwrap().ends_with("+08:00"), "{v}");
    v["visit"].as_str().unwrap().to_string()
}

async fn rate(
    server: &TestServer,
    token: Option<&str>,
    visit: &str,
    level: u8,
) -> (StatusCode, Value) {
    post_as(
        server,
        token,
        "/visit-ratings",
        &json!({"visit": visit, "level": level, "tags": []}),
    )
    .await
}

/// How many visit ratings the satisfaction statistics count.
async fn counted(server: &TestServer) -> u64 {
    let (status, s, _) = server.get_with("/stats/satisfaction", None).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    s["visits"]["total"].as_u64().unwrap()
}

fn refused(status: StatusCode, value: &Value, code: &str) {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{value}");
    assert_error_shape(value, code);
}

// ---------------------------------------------------------------------------------------

async fn ratings_without_a_registered_kiosk_are_refused(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let before = counted(&server).await;
    // The attack that worked before kiosks registered: 30 anonymous ratings in a row.
    for i in 0..30 {
        let (status, value) = server
            .post_json(
                "/visit-ratings",
                None,
                &json!({"visit": format!("{i:032x}"), "level": 5, "tags": []}),
            )
            .await;
        refused(status, &value, "kiosk_unregistered");
    }
    // The old body without a visit, too: the device is checked first.
    let (status, value) = server
        .post_json("/visit-ratings", None, &json!({"level": 5}))
        .await;
    refused(status, &value, "kiosk_unregistered");
    // A made-up token, in the cookie or as a bearer token.
    let fake = format!("owk_{}", "0".repeat(64));
    let (status, value) = rate(&server, Some(&fake), &"a".repeat(32), 5).await;
    refused(status, &value, "kiosk_unknown");
    let (status, value) = rate(&server, Some("nonsense"), &"a".repeat(32), 5).await;
    refused(status, &value, "kiosk_unknown");
    let (status, value) = server
        .post_json(
            "/visit-ratings",
            Some(&fake),
            &json!({"visit": "a".repeat(32), "level": 5}),
        )
        .await;
    refused(status, &value, "kiosk_unregistered");
    // Nor can anyone start a visit.
    let (status, value) = post_as(&server, None, "/kiosk/visits", &json!({})).await;
    refused(status, &value, "kiosk_unregistered");
    let (status, value) = post_as(&server, Some(&fake), "/kiosk/visits", &json!({})).await;
    refused(status, &value, "kiosk_unknown");
    assert_eq!(counted(&server).await, before, "nothing was counted");
}

async fn a_visit_is_rated_once_by_its_kiosk(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let (_, hall) = server.kiosk("一楼大厅 1 号机").await;
    let (_, other) = server.kiosk("二楼 2 号机").await;
    let v = visit(&server, &hall).await;
    assert_eq!(v.len(), 32, "{v}");

    // Bad bodies from a registered kiosk: 400 naming the field, nothing marked.
    for (body, field) in [
        (json!({"visit": v, "level": 0}), "level"),
        (
            json!({"visit": v, "level": 3, "tags": ["nonsense"]}),
            "tags",
        ),
        (json!({"visit": "", "level": 3}), "visit"),
        (json!({"visit": "not hex!", "level": 3}), "visit"),
        (json!({"level": 3}), "visit"),
    ] {
        let (status, value) = post_as(&server, Some(&hall), "/visit-ratings", &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {value}");
        assert_eq!(bad_fields(&value)[0].0, field, "{body}: {value}");
    }
    // Another kiosk cannot rate this kiosk's visit.
    let (status, value) = rate(&server, Some(&other), &v, 1).await;
    refused(status, &value, "visit_unknown");
    // Nor a visit nobody started.
    let (status, value) = rate(&server, Some(&hall), &"b".repeat(32), 1).await;
    refused(status, &value, "visit_unknown");
    assert_eq!(counted(&server).await, 0);

    let (status, value) = rate(&server, Some(&hall), &v, 5).await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    assert!(value["rated_at"].as_str().unwrap().ends_with("+08:00"));
    let (status, s, _) = server.get_with("/stats/satisfaction", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s["visits"]["counts"], json!([0, 0, 0, 0, 1]), "{s}");
    // Once.
    let (status, value) = rate(&server, Some(&hall), &v, 1).await;
    refused(status, &value, "visit_rated");
    assert_eq!(counted(&server).await, 1);

    // Ten ratings of one visit at once: one counts.
    let v2 = visit(&server, &hall).await;
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (server_url, http, hall, v2) = (
            server.url("/api/v1/visit-ratings"),
            server.http.clone(),
            hall.clone(),
            v2.clone(),
        );
        tasks.push(tokio::spawn(async move {
            http.post(server_url)
                .header("Content-Type", "application/json")
                .header("Cookie", cookie(&hall))
                .body(json!({"visit": v2, "level": 4}).to_string())
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(counted(&server).await, 2);

    // A visit that has expired (started five hours ago) cannot be rated.
    let old = visit(&server, &other).await;
    server
        .execute_sql(&format!(
            "UPDATE kiosk_visits SET started_at = started_at - 18000 WHERE id = '{old}'"
        ))
        .await;
    let (status, value) = rate(&server, Some(&other), &old, 3).await;
    refused(status, &value, "visit_unknown");
    assert_eq!(counted(&server).await, 2);
}

async fn a_revoked_kiosk_is_refused(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let (id, token) = server.kiosk("一楼大厅 3 号机").await;
    let v = visit(&server, &token).await;
    let out = server.cli(&["kiosk", "revoke", &id]).await;
    assert!(out.success, "{out:?}");
    let (status, value) = rate(&server, Some(&token), &v, 5).await;
    refused(status, &value, "kiosk_revoked");
    let (status, value) = post_as(&server, Some(&token), "/kiosk/visits", &json!({})).await;
    refused(status, &value, "kiosk_revoked");
    assert_eq!(counted(&server).await, 0);
}

/// A client that does not follow redirects, to see the enrolment's answer itself.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn enrol(server: &TestServer, token: &str) -> reqwest::Response {
    no_redirects()
        .post(server.url("/api/v1/kiosk/enrol"))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
}

async fn enrolment_sets_an_http_only_cookie(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    // The page is the server's own, not the kiosk bundle's.
    let page = server.get("/kiosk/enrol").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(!html.contains("KIOSK-INDEX-MARKER"), "{html}");
    assert!(
        html.contains(r#"action="/api/v1/kiosk/enrol""#) && html.contains(r#"name="token""#),
        "{html}"
    );
    assert!(
        html.contains("登记自助终端") && html.contains("Enrol this kiosk"),
        "{html}"
    );
    assert!(!html.contains("<script"), "no script on the page: {html}");
    // Below it, the kiosk's pages are still the bundle's.
    let kiosk = server.get("/kiosk/enrol/more").await.text().await.unwrap();
    assert!(kiosk.contains("KIOSK-INDEX-MARKER"), "{kiosk}");

    // A bad token: the form again with its message, and no cookie.
    for (token, message) in [
        (format!("owk_{}", "0".repeat(64)), "设备令牌无效"),
        ("owst_x".to_string(), "设备令牌无效"),
        (String::new(), "请输入设备令牌"),
    ] {
        let res = enrol(&server, &token).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{token}");
        assert!(res.headers().get("set-cookie").is_none(), "{token}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains(message) && html.contains(r#"name="token""#),
            "{token}: {html}"
        );
    }
    let (id, token) = server.kiosk("一楼大厅 4 号机").await;

    // The right one: an HttpOnly, SameSite=Strict cookie for the API, and on to the kiosk.
    let res = enrol(&server, &token).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/kiosk/");
    let set = res.headers()["set-cookie"].to_str().unwrap().to_string();
    let parts: Vec<&str> = set.split(';').map(str::trim).collect();
    assert_eq!(parts[0], cookie(&token), "{set}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api/v1"] {
        assert!(parts.contains(&attribute), "{attribute} in {set}");
    }
    let max_age: u64 = parts
        .iter()
        .find_map(|p| p.strip_prefix("Max-Age="))
        .expect("a Max-Age")
        .parse()
        .unwrap();
    assert!(max_age >= 365 * 24 * 3600, "{set}");
    assert!(!parts.contains(&"Secure"), "not over http: {set}");
    // The cookie is what the kiosk's requests carry.
    let v = visit(&server, &token).await;
    let (status, value) = rate(&server, Some(&token), &v, 4).await;
    assert_eq!(status, StatusCode::CREATED, "{value}");

    // A revoked kiosk's token no longer enrols.
    assert!(server.cli(&["kiosk", "revoke", &id]).await.success);
    let res = enrol(&server, &token).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers().get("set-cookie").is_none());
    assert!(res.text().await.unwrap().contains("已被吊销"));
}

async fn enrolment_cookies_are_secure_behind_https(backend: Backend) {
    let server = start_on!(backend, test_catalogue(), args: &["--public-url", "https://zwfw.example.gov.cn"]);
    let (_, token) = server.kiosk("一楼大厅 5 号机").await;
    let res = enrol(&server, &token).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let set = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set.split(';').map(str::trim).any(|p| p == "Secure"),
        "{set}"
    );
}

async fn the_command_line_manages_kiosks(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let (a, token_a) = server.kiosk("一楼大厅 1 号机").await;
    let (b, token_b) = server.kiosk("二楼 2 号机").await;
    assert_ne!(a, b);
    assert_ne!(token_a, token_b);
    let list = server.cli(&["kiosk", "list"]).await;
    assert!(list.success, "{list:?}");
    for needle in [a.as_str(), b.as_str(), "一楼大厅 1 号机", "二楼 2 号机"] {
        assert!(list.stdout.contains(needle), "{needle} in {}", list.stdout);
    }
    assert!(
        !list.stdout.contains(&token_a[4..]),
        "tokens are never shown again"
    );
    let row = |out: &str, id: &str| out.lines().find(|l| l.starts_with(id)).unwrap().to_string();
    assert!(
        row(&list.stdout, &a).trim_end().ends_with('-'),
        "not revoked: {}",
        list.stdout
    );

    let out = server.cli(&["kiosk", "revoke", &a]).await;
    assert!(out.success && out.stdout.contains("revoked"), "{out:?}");
    let out = server.cli(&["kiosk", "revoke", &a]).await;
    assert!(
        out.success && out.stdout.contains("already revoked"),
        "{out:?}"
    );
    let out = server.cli(&["kiosk", "revoke", "nosuchid"]).await;
    assert!(
        !out.success && out.stderr.contains("no kiosk has the id"),
        "{out:?}"
    );
    let list = server.cli(&["kiosk", "list"]).await;
    assert_eq!(
        row(&list.stdout, &a).matches("+08:00").count(),
        2,
        "created and revoked: {}",
        list.stdout
    );
    assert!(
        row(&list.stdout, &b).trim_end().ends_with('-'),
        "{}",
        list.stdout
    );
    let out = server.cli(&["kiosk", "create", "  "]).await;
    assert!(!out.success && out.stderr.contains("name"), "{out:?}");
}
