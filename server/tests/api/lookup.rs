//! Case progress for applicants over the real `server` binary, on SQLite (`sqlite::*`) and
//! PostgreSQL (`postgres::*`, skipped with a message when it is not reachable): lookup by
//! query code and by mobile, one 404 for every miss, throttling of failures per address and
//! per number, the timeline as staff act (through the `server case` command line), withdrawal
//! and the supplement reply.
//!
//! Each test imports its own small catalogue and submits its cases through
//! `POST /api/v1/applications`.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::support::{assert_error_shape, test_service, wrong_code, Backend, TestServer};
use api_client::checks::AcceptanceNumber;
use api_client::{
    ApplicationCreated, CaseLookupRequest, CaseStatus, CaseView, ClientError, Light, RatingRequest,
    SupplementReply,
};
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;
use serde_json::{json, Value};

backend_tests!(
    worker_threads = 4;
    a_case_is_found_by_code_and_by_mobile,
    every_miss_gets_the_same_404,
    a_mistyped_number_is_400_before_any_lookup,
    failures_from_one_address_are_throttled,
    failures_on_one_number_are_throttled,
    the_timeline_grows_with_each_event,
    an_applicant_may_withdraw_before_the_decision,
    the_applicant_answers_a_supplement_request,
    a_supplement_reply_needs_every_item_and_an_open_request,
    what_changes_shows_on_the_next_lookup_at_every_node,
);

const SERVICE: &str = "TEST-LOOKUP-001";
const SERVICE_NAME: &str = "测试查询事项";
const DEPARTMENT: &str = "测试查询局";
const NAME: &str = "张三丰";
const MASKED: &str = "张*丰";
const RESIDENT_ID: &str = "11010519491231002X";
const MOBILE: &str = "13800138000";
const NO_MATCH: &str = "no case matches this number and code";

fn test_catalogue() -> Value {
    let mut service = test_service(SERVICE, SERVICE_NAME, "tlk", "tlk_topic");
    service["materials"] = json!([
        {"id": "id_copy", "name": "身份证明", "form": "electronic", "copies": 1, "requirement": "optional", "source": "申请人自备"},
        {"id": "photo", "name": "近期证件照", "form": "electronic", "copies": 1, "requirement": "optional", "source": "申请人自备"}
    ]);
    service["steps"] = json!([{"name": "受理", "description": "网上受理。"}, {"name": "办结", "description": "办结。"}]);
    service["statutory_limit"] = json!({"value": 20, "unit": "working_days"});
    service["location"] = json!("测试区行政服务中心一楼 1 号窗口");
    service["hours"] = json!("周一至周五 9:00-17:00");
    json!({
        "departments": [{"code": "tlk", "name": DEPARTMENT, "phone": "020-12345678"}],
        "topics": [{"code": "tlk_topic", "name": "测试查询主题", "audience": "individual"}],
        "services": [service]
    })
}

/// Submits an application (by 张三丰, the applicant of `submit_application`) and expects 201.
async fn submit(server: &TestServer) -> ApplicationCreated {
    server.submit_application(SERVICE).await
}

/// A reqwest client whose connections come from `local` (any 127.x.y.z reaches the server).
fn client_from(local: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(local.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// GET with `client`: status, `Retry-After`, raw body.
async fn get_raw(client: &reqwest::Client, url: &str) -> (StatusCode, Option<String>, String) {
    let resp = client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = resp.status();
    let retry = resp
        .headers()
        .get(RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_string());
    (status, retry, resp.text().await.unwrap())
}

/// POST /cases/{number}/lookup with `client` and the JSON `body`: status, `Retry-After`, raw
/// body. (A mobile goes in the body, never in the address.)
async fn post_lookup_raw(
    client: &reqwest::Client,
    server: &TestServer,
    number: &str,
    body: &Value,
) -> (StatusCode, Option<String>, String) {
    let resp = client
        .post(server.url(&format!("/api/v1/cases/{number}/lookup")))
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("POST /cases/{number}/lookup");
    let status = resp.status();
    let retry = resp
        .headers()
        .get(RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_string());
    (status, retry, resp.text().await.unwrap())
}

fn lookup_url(server: &TestServer, number: &str, query: &str) -> String {
    server.url(&format!("/api/v1/cases/{number}?{query}"))
}

/// GET /cases/{number}?{query}: the status and the JSON answer.
async fn lookup(server: &TestServer, number: &str, query: &str) -> (StatusCode, Value) {
    server
        .get_json(&format!("/api/v1/cases/{number}?{query}"))
        .await
}

/// A valid acceptance number nobody was given (sequence 99999 of the same day).
fn unknown_number(like: &str) -> String {
    AcceptanceNumber::new(&like[..6], &like[6..12], 99_999)
        .unwrap()
        .compact()
        .to_string()
}

fn api_error(e: ClientError) -> (u16, String, Vec<String>) {
    match e {
        ClientError::Api { status, body } => (
            status,
            body.error.code,
            body.error.fields.into_iter().map(|f| f.field).collect(),
        ),
        other => panic!("expected an API error, got {other}"),
    }
}

/// The JSON text of a view holds no personal data beyond the masked name.
fn assert_private(text: &str) {
    for secret in [
        RESIDENT_ID,
        MOBILE,
        NAME,
        "138-0013",
        "id_number",
        "\"mobile\"",
        "id_type",
        "applicant",
    ] {
        assert!(
            !text.contains(secret),
            "the view shows `{secret}`: {text:.400}"
        );
    }
    assert!(
        text.contains(MASKED),
        "the masked name is shown: {text:.400}"
    );
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn reply(pairs: &[(&str, &[&str])], note: Option<&str>) -> SupplementReply {
    SupplementReply {
        materials: pairs
            .iter()
            .map(|(k, ids)| (k.to_string(), ids.iter().map(|s| s.to_string()).collect()))
            .collect(),
        note: note.map(str::to_string),
    }
}

// ---------------------------------------------------------------------------------------

async fn a_case_is_found_by_code_and_by_mobile(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let case = submit(&server).await;
    let number = &case.acceptance_number;

    // By the code: the same case, whichever way the number and code are typed.
    let v = server.track(&case).await;
    assert_eq!(&v.acceptance_number, number);
    assert_eq!(
        (v.service.code.as_str(), v.service.name.as_str()),
        (SERVICE, SERVICE_NAME)
    );
    assert_eq!(v.department, DEPARTMENT);
    assert_eq!(v.status, CaseStatus::Submitted);
    assert_eq!(v.masked_name, MASKED);
    assert!(v.submitted_at.ends_with("+08:00"), "{}", v.submitted_at);
    assert_eq!(v.timeline.len(), 1, "{:?}", v.timeline);
    let first = &v.timeline[0];
    assert_eq!(
        (first.status, first.step.as_str(), first.department.as_str()),
        (CaseStatus::Submitted, "提交申请", DEPARTMENT)
    );
    assert_eq!(first.at, v.submitted_at);
    assert_eq!(v.current_step, "待受理");
    assert_eq!(v.deadline, None, "no clock before acceptance");
    assert_eq!(v.promised_date, case.promised_date);
    assert_eq!((v.supplement.clone(), v.result.clone()), (None, None));
    assert!(v.can_withdraw);
    assert_eq!(v.tracking_url, case.tracking_url);
    assert_eq!(
        v.tracking_url,
        format!("{}/track/{number}?c={}", server.base, case.query_code)
    );
    assert!(v.qr_svg.contains("<svg") && v.qr_svg.trim_end().ends_with("</svg>"));
    let grouped = AcceptanceNumber::parse(number)
        .unwrap()
        .grouped()
        .to_lowercase();
    let again = server
        .api
        .case(&grouped, &format!(" {} ", case.query_code.to_lowercase()))
        .await
        .expect("grouped, lower case");
    assert_eq!(again, v);

    // By the mobile, in any usual spelling: the same case; the tracking address has no code.
    let m = server
        .api
        .look_up_case(number, &CaseLookupRequest::mobile("+86 138-0013-8000"))
        .await
        .expect("by mobile");
    assert_eq!(m.tracking_url, format!("{}/track/{number}", server.base));
    assert!(
        !m.qr_svg.is_empty() && m.qr_svg != v.qr_svg,
        "the QR code encodes the address without the code"
    );
    assert_eq!(
        CaseView {
            tracking_url: v.tracking_url.clone(),
            qr_svg: v.qr_svg.clone(),
            ..m
        },
        v
    );

    // No personal data beyond the masked name, either way.
    let by_body = server
        .http
        .post(server.url(&format!("/api/v1/cases/{number}/lookup")))
        .header(CONTENT_TYPE, "application/json")
        .body(json!({ "mobile": MOBILE }).to_string());
    for req in [
        server.http.get(lookup_url(
            &server,
            number,
            &format!("c={}", case.query_code),
        )),
        by_body,
    ] {
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
        assert_private(&resp.text().await.unwrap());
    }

    // Missing and malformed proofs name the parameter.
    let (status, body) = lookup(&server, number, "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(assert_error_shape(&body, "bad_request"), vec!["c"]);
    let (status, body) = lookup(&server, number, "c=ABC").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(assert_error_shape(&body, "bad_request"), vec!["c"]);
    let (status, body) = server
        .post_json(
            &format!("/cases/{number}/lookup"),
            None,
            &json!({"mobile": "12345"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(assert_error_shape(&body, "bad_request"), vec!["mobile"]);
    // A mobile in the address is refused, even the right one.
    let (status, body) = lookup(&server, number, &format!("mobile={MOBILE}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(assert_error_shape(&body, "bad_request"), vec!["mobile"]);

    // The routes are in the OpenAPI document.
    let (_, doc) = server.get_json("/api/v1/openapi.json").await;
    for path in [
        "/cases/{number}",
        "/cases/{number}/lookup",
        "/cases/{number}/withdraw",
        "/cases/{number}/supplement",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is not documented");
    }
    assert!(
        doc["components"]["schemas"].get("CaseView").is_some(),
        "CaseView schema"
    );
}

async fn every_miss_gets_the_same_404(backend: Backend) {
    // Five misses from one address would reach the default limit before the last check.
    let server = start_on!(backend, test_catalogue(), envs: &[("ONEWINDOW_LOOKUP_MAX_FAILS_PER_ADDR", "20")]);
    let case = submit(&server).await;
    let number = &case.acceptance_number;
    let http = reqwest::Client::new();

    let by_code = get_raw(
        &http,
        &lookup_url(
            &server,
            number,
            &format!("c={}", wrong_code(&case.query_code)),
        ),
    )
    .await;
    let wrong_mobile =
        post_lookup_raw(&http, &server, number, &json!({"mobile": "13900139000"})).await;
    let unknown = get_raw(
        &http,
        &lookup_url(
            &server,
            &unknown_number(number),
            &format!("c={}", case.query_code),
        ),
    )
    .await;
    assert_eq!(by_code.0, StatusCode::NOT_FOUND, "{}", by_code.2);
    let body: Value = serde_json::from_str(&by_code.2).unwrap();
    assert_error_shape(&body, "not_found");
    assert_eq!(body["error"]["message"], NO_MATCH);
    for (what, other) in [
        ("a wrong mobile", &wrong_mobile),
        ("an unknown number", &unknown),
    ] {
        assert_eq!(other.0, by_code.0, "{what}");
        assert_eq!(
            other.2.as_bytes(),
            by_code.2.as_bytes(),
            "{what} gets the very same body"
        );
    }
    // A withdrawal or a supplement reply with a wrong code: the same again.
    for path in ["withdraw", "supplement"] {
        let resp = http
            .post(server.url(&format!(
                "/api/v1/cases/{number}/{path}?c={}",
                wrong_code(&case.query_code)
            )))
            .header(CONTENT_TYPE, "application/json")
            .body("{\"materials\":{}}")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            resp.text().await.unwrap().as_bytes(),
            by_code.2.as_bytes(),
            "{path}"
        );
    }
    // And the case is untouched.
    assert_eq!(server.track(&case).await.status, CaseStatus::Submitted);
}

async fn a_mistyped_number_is_400_before_any_lookup(backend: Backend) {
    // A low limit: were typos counted, the last lookup would be refused.
    let server =
        start_on!(backend, test_catalogue(), envs: &[("ONEWINDOW_LOOKUP_MAX_FAILS_PER_ADDR", "2")]);
    let case = submit(&server).await;
    let number = &case.acceptance_number;
    let last = number.chars().last().unwrap();
    let typo = format!("{}{}", &number[..17], if last == '0' { '1' } else { '0' });
    for _ in 0..4 {
        let (status, body) = lookup(&server, &typo, &format!("c={}", case.query_code)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(assert_error_shape(&body, "bad_request"), vec!["number"]);
        assert_eq!(body["error"]["fields"][0]["code"], "checksum");
    }
    let (status, body) = lookup(&server, "12345", "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        assert_error_shape(&body, "bad_request"),
        vec!["number", "c"]
    );
    assert_eq!(body["error"]["fields"][0]["code"], "invalid");
    // Swapped digits are caught by the check character too.
    let swapped: String = {
        let mut c: Vec<char> = number.chars().collect();
        let i = (12..16).find(|&i| c[i] != c[i + 1]).unwrap_or(12);
        c.swap(i, i + 1);
        c.into_iter().collect()
    };
    if &swapped != number {
        let (status, body) = lookup(&server, &swapped, &format!("c={}", case.query_code)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
    server.track(&case).await;
}

async fn failures_from_one_address_are_throttled(backend: Backend) {
    let envs = [
        ("ONEWINDOW_LOOKUP_MAX_FAILS_PER_ADDR", "3"),
        ("ONEWINDOW_LOOKUP_MAX_FAILS_PER_NUMBER", "100"),
        ("ONEWINDOW_LOOKUP_WINDOW_SECS", "4"),
    ];
    let server = start_on!(backend, test_catalogue(), envs: &envs);
    let a = submit(&server).await;
    let b = submit(&server).await;
    let here = client_from("127.0.0.1");
    let elsewhere = client_from("127.0.0.2");

    // Successful lookups do not count.
    for _ in 0..5 {
        let (status, _, body) = get_raw(
            &here,
            &lookup_url(
                &server,
                &a.acceptance_number,
                &format!("c={}", a.query_code),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // Three failures, on different numbers (one unknown), by code and by mobile.
    let started = Instant::now();
    for (number, proof) in [
        (
            a.acceptance_number.clone(),
            json!({"c": wrong_code(&a.query_code)}),
        ),
        (
            b.acceptance_number.clone(),
            json!({"mobile": "13900139000"}),
        ),
        (
            unknown_number(&a.acceptance_number),
            json!({"c": a.query_code}),
        ),
    ] {
        let (status, _, body) = post_lookup_raw(&here, &server, &number, &proof).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
    // Now even a right code from that address is refused, with Retry-After.
    let (status, retry, body) = get_raw(
        &here,
        &lookup_url(
            &server,
            &b.acceptance_number,
            &format!("c={}", b.query_code),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let secs: u64 = retry
        .expect("a Retry-After header")
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=4).contains(&secs), "Retry-After {secs}");
    let value: Value = serde_json::from_str(&body).unwrap();
    assert_error_shape(&value, "too_many_requests");
    // So are the actions, and lookups by mobile.
    let resp = here
        .post(server.url(&format!(
            "/api/v1/cases/{}/withdraw?c={}",
            b.acceptance_number, b.query_code
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let (status, _, _) = post_lookup_raw(
        &here,
        &server,
        &b.acceptance_number,
        &json!({ "mobile": MOBILE }),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Another address is not affected.
    let (status, _, body) = get_raw(
        &elsewhere,
        &lookup_url(
            &server,
            &b.acceptance_number,
            &format!("c={}", b.query_code),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Once the window has passed, the address may look up again.
    let wait =
        Duration::from_secs(4).saturating_sub(started.elapsed()) + Duration::from_millis(600);
    tokio::time::sleep(wait).await;
    let (status, _, body) = get_raw(
        &here,
        &lookup_url(
            &server,
            &b.acceptance_number,
            &format!("c={}", b.query_code),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn failures_on_one_number_are_throttled(backend: Backend) {
    let envs = [
        ("ONEWINDOW_LOOKUP_MAX_FAILS_PER_ADDR", "100"),
        ("ONEWINDOW_LOOKUP_MAX_FAILS_PER_NUMBER", "3"),
    ];
    let server = start_on!(backend, test_catalogue(), envs: &envs);
    let a = submit(&server).await;
    let b = submit(&server).await;
    let clients = [
        client_from("127.0.0.1"),
        client_from("127.0.0.2"),
        client_from("127.0.0.3"),
    ];
    let right = |c: &ApplicationCreated| {
        lookup_url(
            &server,
            &c.acceptance_number,
            &format!("c={}", c.query_code),
        )
    };

    // Three failures on A, each from another address.
    for client in &clients {
        let (status, _, _) = get_raw(
            client,
            &lookup_url(
                &server,
                &a.acceptance_number,
                &format!("c={}", wrong_code(&a.query_code)),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    // A is refused to everyone, even with the right code; B is not.
    let fresh = client_from("127.0.0.4");
    let (status, retry, body) = get_raw(&fresh, &right(&a)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let secs: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!(
        (1..=600).contains(&secs),
        "Retry-After {secs} within the default window"
    );
    assert_error_shape(&serde_json::from_str(&body).unwrap(), "too_many_requests");
    let (status, _, body) = get_raw(&clients[0], &right(&b)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // An unknown number is refused just the same after as many failures: a refusal does not
    // tell a real number from an invented one.
    let unknown = unknown_number(&a.acceptance_number);
    for _ in 0..3 {
        let (status, _, _) = get_raw(&clients[1], &lookup_url(&server, &unknown, "c=ABCDEF")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, _, _) = get_raw(&clients[2], &lookup_url(&server, &unknown, "c=ABCDEF")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

async fn the_timeline_grows_with_each_event(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let case = submit(&server).await;
    let number = case.acceptance_number.as_str();

    server.case_cli(number, &["accept"]).await;
    let v = server.track(&case).await;
    assert_eq!(v.status, CaseStatus::Accepted);
    assert_eq!(v.timeline.len(), 2, "{:?}", v.timeline);
    let accepted = &v.timeline[1];
    assert_eq!(
        (
            accepted.status,
            accepted.step.as_str(),
            accepted.department.as_str()
        ),
        (CaseStatus::Accepted, "受理", DEPARTMENT)
    );
    assert!(accepted.at.ends_with("+08:00"));
    assert_eq!(v.current_step, "受理");
    let deadline = v.deadline.clone().expect("the clock runs once accepted");
    assert!(!deadline.paused);
    assert_eq!(deadline.light, Light::Green, "5 working days ahead");
    assert_eq!(
        v.promised_date, deadline.date,
        "the promised date is the due date now"
    );

    server
        .case_cli(
            number,
            &["review", "--step", "初审", "--opinion", "材料齐全"],
        )
        .await;
    let v = server.track(&case).await;
    assert_eq!(v.status, CaseStatus::UnderReview);
    assert_eq!(v.timeline.len(), 3);
    assert_eq!(
        (
            v.timeline[2].step.as_str(),
            v.timeline[2].opinion.as_deref()
        ),
        ("初审", Some("材料齐全"))
    );
    assert_eq!(v.current_step, "初审");

    server
        .case_cli(number, &["deny", "--reason", "不符合受理条件"])
        .await;
    let v = server.track(&case).await;
    assert_eq!(v.status, CaseStatus::Denied);
    assert_eq!(v.timeline.len(), 4);
    let steps: Vec<&str> = v.timeline.iter().map(|e| e.step.as_str()).collect();
    assert_eq!(steps, vec!["提交申请", "受理", "初审", "不予"]);
    let result = v.result.clone().expect("a result after the decision");
    assert!(
        !result.approved
            && result.reason.as_deref() == Some("不符合受理条件")
            && result.remedy.is_some(),
        "{result:?}"
    );
    assert_eq!(v.deadline, None, "no clock once decided");
    assert!(!v.can_withdraw);
    // The same by mobile, and still nothing personal.
    let m = server
        .api
        .look_up_case(number, &CaseLookupRequest::mobile(MOBILE))
        .await
        .unwrap();
    assert_eq!(m.timeline, v.timeline);
    let (_, raw) = lookup(&server, number, &format!("c={}", case.query_code)).await;
    assert_private(&raw.to_string());
}

async fn an_applicant_may_withdraw_before_the_decision(backend: Backend) {
    let server = start_on!(backend, test_catalogue());

    // Straight after submitting.
    let first = submit(&server).await;
    let v = server
        .api
        .withdraw(&first.acceptance_number, &first.query_code)
        .await
        .expect("withdraw");
    assert_eq!(v.status, CaseStatus::Withdrawn);
    assert!(!v.can_withdraw);
    let last = v.timeline.last().unwrap();
    assert_eq!(
        (last.status, last.step.as_str(), last.department.as_str()),
        (CaseStatus::Withdrawn, "撤回", DEPARTMENT)
    );
    assert_eq!(server.track(&first).await, v, "the lookup shows it");
    // Not twice.
    let (status, code, _) = api_error(
        server
            .api
            .withdraw(&first.acceptance_number, &first.query_code)
            .await
            .unwrap_err(),
    );
    assert_eq!((status, code.as_str()), (409, "conflict"));

    // While accepted: yes. After the decision: 409, and nothing changes.
    let second = submit(&server).await;
    server
        .case_cli(&second.acceptance_number, &["accept"])
        .await;
    let third = submit(&server).await;
    server.case_cli(&third.acceptance_number, &["accept"]).await;
    server
        .case_cli(&third.acceptance_number, &["approve"])
        .await;
    let v = server
        .api
        .withdraw(&second.acceptance_number, &second.query_code)
        .await
        .expect("withdraw an accepted case");
    assert_eq!(v.status, CaseStatus::Withdrawn);
    assert_eq!(v.deadline, None);
    let (status, code, _) = api_error(
        server
            .api
            .withdraw(&third.acceptance_number, &third.query_code)
            .await
            .unwrap_err(),
    );
    assert_eq!((status, code.as_str()), (409, "conflict"));
    let v = server.track(&third).await;
    assert_eq!(v.status, CaseStatus::Approved);
    assert_eq!(v.timeline.len(), 3);

    // The mobile does not let anyone withdraw: the code is required.
    let fourth = submit(&server).await;
    let resp = server
        .http
        .post(server.url(&format!(
            "/api/v1/cases/{}/withdraw?mobile={MOBILE}",
            fourth.acceptance_number
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(assert_error_shape(&body, "bad_request"), vec!["c"]);
    assert_eq!(server.track(&fourth).await.status, CaseStatus::Submitted);
}

async fn the_applicant_answers_a_supplement_request(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let case = submit(&server).await;
    let number = case.acceptance_number.as_str();
    server.case_cli(number, &["accept"]).await;
    server
        .case_cli(
            number,
            &[
                "request_supplement",
                "--item",
                "身份证明:复印件不清晰",
                "--item",
                "情况说明:请补充说明",
            ],
        )
        .await;

    let v = server.track(&case).await;
    assert_eq!(v.status, CaseStatus::SupplementRequested);
    let s = v.supplement.clone().expect("the supplement notice");
    assert_eq!(s.items.len(), 2);
    assert_eq!(
        (s.items[0].name.as_str(), s.items[0].note.as_str()),
        ("身份证明", "复印件不清晰")
    );
    assert!(!s.answered);
    assert!(
        v.deadline.as_ref().is_some_and(|d| d.paused),
        "the clock is stopped: {:?}",
        v.deadline
    );
    assert_eq!(v.timeline.len(), 3);
    assert!(v.can_withdraw);

    // Items without a material id are keyed by their index.
    let u0 = server.upload_pdf("supplement-0").await;
    let u1 = server.upload_pdf("supplement-1").await;
    let extra = server.upload_pdf("supplement-extra").await;
    let v = server
        .api
        .reply_supplement(
            number,
            &case.query_code,
            &reply(
                &[("0", &[&u0, &extra]), ("1", &[&u1])],
                Some("已补交清晰扫描件"),
            ),
        )
        .await
        .expect("the reply");
    let s = v.supplement.clone().unwrap();
    assert!(s.answered, "{s:?}");
    assert_eq!(s.items.len(), 2);
    assert_eq!(
        v.status,
        CaseStatus::SupplementRequested,
        "staff confirm receipt"
    );
    assert_eq!(v.timeline.len(), 4);
    let sent = v.timeline.last().unwrap();
    assert_eq!(
        (
            sent.status,
            sent.opinion.as_deref(),
            sent.department.as_str()
        ),
        (
            CaseStatus::SupplementRequested,
            Some("已补交清晰扫描件"),
            DEPARTMENT
        )
    );
    assert_eq!(server.track(&case).await, v);
    // The uploads now belong to the case.
    let rows = server.upload_rows().await;
    for id in [&u0, &u1, &extra] {
        let row = rows.iter().find(|r| &r.0 == id).expect("the upload row");
        assert_eq!(
            row.4.as_deref(),
            Some(number),
            "{id} is marked with the case"
        );
    }
    // Answered once only.
    let again = server
        .api
        .reply_supplement(
            number,
            &case.query_code,
            &reply(&[("0", &[&u0]), ("1", &[&u1])], None),
        )
        .await;
    let (status, code, _) = api_error(again.unwrap_err());
    assert_eq!((status, code.as_str()), (409, "conflict"));

    // Staff confirm receipt: the clock runs again.
    server.case_cli(number, &["supplement_received"]).await;
    let v = server.track(&case).await;
    assert_eq!(v.status, CaseStatus::UnderReview);
    assert!(v.deadline.as_ref().is_some_and(|d| !d.paused));
    assert_eq!(v.timeline.len(), 5);
    assert_private(&serde_json::to_string(&v).unwrap());
}

async fn a_supplement_reply_needs_every_item_and_an_open_request(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let case = submit(&server).await;
    let number = case.acceptance_number.as_str();
    let u0 = server.upload_pdf("needs-0").await;
    let u1 = server.upload_pdf("needs-1").await;

    // Nothing requested: 409.
    let (status, code, _) = api_error(
        server
            .api
            .reply_supplement(number, &case.query_code, &reply(&[("0", &[&u0])], None))
            .await
            .unwrap_err(),
    );
    assert_eq!((status, code.as_str()), (409, "conflict"));
    server.case_cli(number, &["accept"]).await;
    let (status, _, _) = api_error(
        server
            .api
            .reply_supplement(number, &case.query_code, &reply(&[("0", &[&u0])], None))
            .await
            .unwrap_err(),
    );
    assert_eq!(status, 409);

    server
        .case_cli(
            number,
            &[
                "request_supplement",
                "--item",
                "身份证明:不清晰",
                "--item",
                "照片:缺",
            ],
        )
        .await;
    // An item without files.
    let (status, code, fields) = api_error(
        server
            .api
            .reply_supplement(number, &case.query_code, &reply(&[("0", &[&u0])], None))
            .await
            .unwrap_err(),
    );
    assert_eq!((status, code.as_str()), (400, "bad_request"));
    assert_eq!(fields, vec!["materials.1"]);
    let (_, _, fields) = api_error(
        server
            .api
            .reply_supplement(
                number,
                &case.query_code,
                &reply(&[("0", &[&u0]), ("1", &[])], None),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(fields, vec!["materials.1"]);
    // Files that are not there, and an item that was not asked for.
    let missing = "0123456789abcdef0123456789abcdef";
    let (_, _, fields) = api_error(
        server
            .api
            .reply_supplement(
                number,
                &case.query_code,
                &reply(&[("0", &[&u0]), ("1", &[missing]), ("photo", &[&u1])], None),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(sorted(fields), vec!["materials.1", "materials.photo"]);
    // A file another case uses.
    let other = submit(&server).await;
    let used = server.upload_pdf("used").await;
    server.case_cli(&other.acceptance_number, &["accept"]).await;
    server
        .case_cli(
            &other.acceptance_number,
            &["request_supplement", "--item", "材料:缺"],
        )
        .await;
    server
        .api
        .reply_supplement(
            &other.acceptance_number,
            &other.query_code,
            &reply(&[("0", &[&used])], None),
        )
        .await
        .expect("other reply");
    let (_, code, fields) = api_error(
        server
            .api
            .reply_supplement(
                number,
                &case.query_code,
                &reply(&[("0", &[&u0]), ("1", &[&used])], None),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (code.as_str(), fields),
        ("bad_request", vec!["materials.1".to_string()])
    );
    // A malformed body names the field; a body that is no JSON says so.
    let url = server.url(&format!(
        "/api/v1/cases/{number}/supplement?c={}",
        case.query_code
    ));
    let resp = server
        .http
        .post(&url)
        .header(CONTENT_TYPE, "application/json")
        .body(r#"{"materials":{"0":"x"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        assert_error_shape(&resp.json().await.unwrap(), "bad_request"),
        vec!["materials.0"]
    );
    let resp = server
        .http
        .post(&url)
        .header(CONTENT_TYPE, "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        assert_error_shape(&resp.json().await.unwrap(), "bad_request"),
        vec!["body"]
    );

    // Nothing was taken by the failed replies: the right one goes through.
    let v = server.track(&case).await;
    assert!(!v.supplement.unwrap().answered);
    assert_eq!(v.timeline.len(), 3);
    let v = server
        .api
        .reply_supplement(
            number,
            &case.query_code,
            &reply(&[("0", &[&u0]), ("1", &[&u1])], None),
        )
        .await
        .expect("the reply");
    assert!(v.supplement.unwrap().answered);
    assert_eq!(v.timeline.last().unwrap().opinion, None);
}

/// A lookup reads the case, its events, its rating and the catalogue's version in one
/// statement (`progress::read`) and keeps none of it: a staff action, a rating and a
/// catalogue import (by the command line, outside the server) show on the very next lookup,
/// also at a second node on the same PostgreSQL database, whose snapshot and QR codes are
/// warm from an earlier lookup of the same case.
async fn what_changes_shows_on_the_next_lookup_at_every_node(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let beside = match backend {
        Backend::Postgres => Some(server.start_beside(&[], &[]).await),
        Backend::Sqlite => None,
    };
    let nodes: Vec<&TestServer> = std::iter::once(&server).chain(beside.as_ref()).collect();
    let case = submit(&server).await;
    let number = case.acceptance_number.as_str();
    for node in &nodes {
        let v = node.track(&case).await;
        assert_eq!(
            (v.status, v.timeline.len(), v.service.name.as_str()),
            (CaseStatus::Submitted, 1, SERVICE_NAME)
        );
    }

    server.case_cli(number, &["accept"]).await;
    for node in &nodes {
        let v = node.track(&case).await;
        assert_eq!((v.status, v.timeline.len()), (CaseStatus::Accepted, 2));
        assert!(v.deadline.is_some(), "the clock runs once accepted");
    }

    let mut renamed = test_catalogue();
    renamed["services"][0]["name"] = json!("测试查询事项（新名称）");
    renamed["departments"][0]["name"] = json!("测试查询新局");
    let file = server.write_scratch("renamed.json", &renamed.to_string());
    let out = server.import(&[file]).await;
    assert!(out.success, "import failed: {out:?}");
    for node in &nodes {
        let v = node.track(&case).await;
        assert_eq!(v.service.name, "测试查询事项（新名称）", "at {}", node.base);
        assert_eq!(v.department, "测试查询新局");
        assert_eq!(v.timeline[0].department, "测试查询新局");
    }

    server.case_cli(number, &["approve"]).await;
    server
        .case_cli(number, &["complete", "--delivery", "window"])
        .await;
    for node in &nodes {
        let v = node.track(&case).await;
        assert_eq!((v.status, v.timeline.len()), (CaseStatus::Completed, 4));
        assert_eq!((v.deadline, v.can_rate, v.rating), (None, true, None));
    }
    let rating = server
        .api
        .rate_case(
            number,
            &RatingRequest {
                c: case.query_code.clone(),
                level: 5,
                tags: vec!["efficient".into()],
                comment: None,
            },
        )
        .await
        .expect("rate the completed case");
    for node in &nodes {
        let v = node.track(&case).await;
        assert_eq!(v.rating.as_ref(), Some(&rating), "at {}", node.base);
        assert!(!v.can_rate);
        assert_eq!(v.timeline.len(), 4, "a rating is no event");
    }
}
