//! Complaints (投诉) over the real `server` binary, on SQLite (`sqlite::*`) and PostgreSQL
//! (`postgres::*`, skipped with a message when it is not reachable): filing (named and
//! anonymous, about a case, a service, a department, staff or a channel), idempotent
//! retries, following a complaint with its code, privacy of the mobile, attachments, the
//! staff API (assign → reply → close) with its reply deadline, the handling's rating, and
//! `server complaint`.
//!
//! Each test imports its own small catalogue: two departments with one service each; no
//! holiday calendar, so working days are Monday to Friday.

use crate::support::{
    add_working_days, assert_error_shape, bad_fields, new_key, pair, today_cst,
    two_department_catalogue, wrong_code, ymd, Backend, TestServer,
};
use api_client::checks::{AcceptanceNumber, QUERY_CODE_ALPHABET};
use api_client::{ComplaintCreated, ComplaintView, StaffComplaint};
use reqwest::StatusCode;
use serde_json::{json, Value};

backend_tests!(
    worker_threads = 4;
    named_and_anonymous_complaints_are_filed_once_per_key,
    a_complaint_about_a_case_needs_its_code,
    subjects_must_exist,
    descriptions_are_checked_and_kept_as_text,
    malformed_requests_are_400_naming_the_field,
    a_complaint_is_read_only_with_its_code,
    the_mobile_is_shown_to_staff_only,
    staff_assign_reply_and_close,
    staff_see_their_department_the_office_the_unassigned_ones,
    the_handling_is_rated_once_after_a_reply,
    attachments_are_marked_used,
    failed_case_proofs_are_throttled,
    the_command_line_handles_complaints,
    the_reply_deadline_is_configurable,
    the_openapi_document_has_the_complaints_api,
    parallel_retries_file_one_complaint,
);

const SERVICE: &str = "TEST-CMPL-001";
const SERVICE_NAME: &str = "测试投诉事项";
const OTHER_SERVICE: &str = "TEST-CMPL-002";
const DEPT: &str = "tcm";
const DEPT_NAME: &str = "测试投诉局";
const OTHER_DEPT: &str = "tco";
const OTHER_DEPT_NAME: &str = "测试另一局";
const MOBILE: &str = "13912345678";
const NAME: &str = "李小龙";
const MASKED: &str = "李*龙";

fn test_catalogue() -> Value {
    two_department_catalogue(
        "tcm_topic",
        [(DEPT, DEPT_NAME), (OTHER_DEPT, OTHER_DEPT_NAME)],
        [(SERVICE, SERVICE_NAME), (OTHER_SERVICE, "测试他局事项")],
    )
}

fn named(subject: Value, description: &str) -> Value {
    json!({
        "subject": subject,
        "category": "service_attitude",
        "description": description,
        "anonymous": false,
        "contact": {"name": NAME, "mobile": MOBILE},
        "attachments": []
    })
}

fn anonymous(subject: Value, description: &str) -> Value {
    json!({"subject": subject, "category": "delay", "description": description, "anonymous": true})
}

fn channel() -> Value {
    json!({"type": "channel", "ref": "portal"})
}

/// POST /complaints with an idempotency key when given: status, answer.
async fn file_raw(server: &TestServer, body: &str, key: Option<&str>) -> (StatusCode, Value) {
    let mut req = server
        .http
        .post(server.url("/api/v1/complaints"))
        .header("Content-Type", "application/json")
        .body(body.to_string());
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let (status, value, _) = server.send(req).await;
    (status, value)
}

/// Files a complaint that must be accepted.
async fn file(server: &TestServer, body: &Value) -> ComplaintCreated {
    let (status, value) = file_raw(server, &body.to_string(), Some(&new_key("cmpl"))).await;
    assert_eq!(status, StatusCode::CREATED, "{body} → {value}");
    serde_json::from_value(value).unwrap()
}

/// GET /complaints/{number}?c=: status, value, raw text.
async fn follow(server: &TestServer, number: &str, code: &str) -> (StatusCode, Value, String) {
    server
        .get_with(&format!("/complaints/{number}?c={code}"), None)
        .await
}

async fn view(server: &TestServer, c: &ComplaintCreated) -> ComplaintView {
    server
        .api
        .complaint(&c.complaint_number, &c.query_code)
        .await
        .expect("GET the complaint")
}

async fn act(server: &TestServer, token: &str, number: &str, body: Value) -> (StatusCode, Value) {
    server
        .post_json(
            &format!("/staff/complaints/{number}/actions"),
            Some(token),
            &body,
        )
        .await
}

async fn ok(server: &TestServer, token: &str, number: &str, body: Value) -> StaffComplaint {
    let (status, value) = act(server, token, number, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body} → {value}");
    serde_json::from_value(value).unwrap()
}

// ---------------------------------------------------------------------------------------

async fn named_and_anonymous_complaints_are_filed_once_per_key(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let case = server.submit_application(SERVICE).await;
    let key = new_key("retry");
    let body = named(channel(), "网站提交材料时页面报错。").to_string();

    let (status, first) = file_raw(&server, &body, Some(&key)).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let first: ComplaintCreated = serde_json::from_value(first).unwrap();
    let number =
        AcceptanceNumber::parse(&first.complaint_number).expect("an acceptance-number form");
    assert_eq!(
        number.compact(),
        first.complaint_number,
        "compact, 18 characters"
    );
    assert_eq!(&first.complaint_number[..6], "440113");
    assert_ne!(
        first.complaint_number, case.acceptance_number,
        "one day counter for cases and complaints"
    );
    assert_eq!(first.query_code.chars().count(), 6);
    assert!(
        first
            .query_code
            .chars()
            .all(|c| QUERY_CODE_ALPHABET.contains(c)),
        "{}",
        first.query_code
    );
    assert_eq!(first.reply_due, ymd(add_working_days(today_cst(), 5)));

    // A retry with the key is the same complaint; without a key each request is a new one.
    let (status, again) = file_raw(&server, &body, Some(&key)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        serde_json::from_value::<ComplaintCreated>(again).unwrap(),
        first
    );
    let (_, a) = file_raw(&server, &body, None).await;
    let (_, b) = file_raw(&server, &body, None).await;
    assert_ne!(a["complaint_number"], b["complaint_number"]);
    assert_ne!(a["complaint_number"], json!(first.complaint_number));

    let v = view(&server, &first).await;
    assert_eq!(v.status, api_client::ComplaintStatus::Received);
    assert!(!v.anonymous);
    assert_eq!(v.masked_name.as_deref(), Some(MASKED));
    assert_eq!(v.subject.reference.as_deref(), Some("portal"));
    assert_eq!(v.department, None, "a channel belongs to no department");
    assert_eq!(v.reply_due, first.reply_due);
    let d = v.deadline.expect("a light while a reply is awaited");
    assert_eq!(
        (d.date.as_str(), d.light, d.paused),
        (first.reply_due.as_str(), api_client::Light::Green, false)
    );
    assert!(v.replies.is_empty() && !v.can_rate && v.rating.is_none());
    assert!(v.submitted_at.ends_with("+08:00"));

    // Anonymous: no name, no contact.
    let anon = file(
        &server,
        &anonymous(
            json!({"type": "staff", "ref": "3号窗口 工号 1024"}),
            "态度恶劣。",
        ),
    )
    .await;
    assert_ne!(anon.complaint_number, first.complaint_number);
    let v = view(&server, &anon).await;
    assert!(v.anonymous && v.masked_name.is_none());
    assert_eq!(v.category, api_client::ComplaintCategory::Delay);
    assert_eq!(v.subject.reference.as_deref(), Some("3号窗口 工号 1024"));
}

async fn a_complaint_about_a_case_needs_its_code(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let case = server.submit_application(SERVICE).await;
    let about = |number: &str, code: &str| {
        named(
            json!({"type": "case", "ref": number, "code": code}),
            "办理超期未告知。",
        )
    };

    let c = file(
        &server,
        &about(&case.acceptance_number, &case.query_code.to_lowercase()),
    )
    .await;
    let v = view(&server, &c).await;
    assert_eq!(
        v.subject.reference.as_deref(),
        Some(case.acceptance_number.as_str())
    );
    assert_eq!(
        v.subject.name.as_deref(),
        Some(SERVICE_NAME),
        "the case's service"
    );
    assert_eq!(
        v.department.as_deref(),
        Some(DEPT_NAME),
        "the case's department handles it"
    );
    let staff = server.staff_token("李科员", DEPT).await;
    let (status, s, _) = server
        .get_with(
            &format!("/staff/complaints/{}", c.complaint_number),
            Some(&staff),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["case"], json!({"code": SERVICE, "name": SERVICE_NAME}));
    assert_eq!(s["department"], DEPT);

    // A wrong code and an unknown number: the same answer, nothing filed.
    let unknown = AcceptanceNumber::new("440113", &case.acceptance_number[6..12], 99_999).unwrap();
    let (status, wrong) = file_raw(
        &server,
        &about(&case.acceptance_number, &wrong_code(&case.query_code)).to_string(),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_fields(&wrong), [pair("subject.code", "no_match")]);
    let (status, none) = file_raw(
        &server,
        &about(unknown.compact(), &case.query_code).to_string(),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        wrong, none,
        "an unknown case and a wrong code look the same"
    );
    // Without a code there is no link: the request is refused before any lookup.
    let (status, value) = file_raw(
        &server,
        &named(json!({"type": "case", "ref": case.acceptance_number}), "x").to_string(),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_fields(&value), [pair("subject.code", "required")]);
    let (_, list, _) = server.get_with("/staff/complaints", Some(&staff)).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
}

async fn subjects_must_exist(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    for subject in [
        json!({"type": "service", "ref": "NO-SUCH-SERVICE"}),
        json!({"type": "department", "ref": "nosuch"}),
    ] {
        let (status, value) =
            file_raw(&server, &anonymous(subject.clone(), "x").to_string(), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{subject}");
        assert_eq!(
            bad_fields(&value),
            [pair("subject.ref", "unknown")],
            "{subject}"
        );
    }
    let (status, value) = file_raw(
        &server,
        &anonymous(json!({"type": "channel", "ref": "app"}), "x").to_string(),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_fields(&value), [pair("subject.ref", "invalid")]);

    // A service's and a department's complaints go to that department.
    let service = file(
        &server,
        &anonymous(
            json!({"type": "service", "ref": OTHER_SERVICE}),
            "收费不合理。",
        ),
    )
    .await;
    let v = view(&server, &service).await;
    assert_eq!(
        (v.department.as_deref(), v.subject.name.as_deref()),
        (Some(OTHER_DEPT_NAME), Some("测试他局事项"))
    );
    let department = file(
        &server,
        &anonymous(json!({"type": "department", "ref": DEPT}), "推诿扯皮。"),
    )
    .await;
    let v = view(&server, &department).await;
    assert_eq!(
        (v.department.as_deref(), v.subject.name.as_deref()),
        (Some(DEPT_NAME), Some(DEPT_NAME))
    );
}

async fn descriptions_are_checked_and_kept_as_text(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    for (description, code) in [("", "required"), ("   ", "required")] {
        let (status, value) = file_raw(
            &server,
            &anonymous(channel(), description).to_string(),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(bad_fields(&value), [pair("description", code)]);
    }
    let (status, value) = file_raw(
        &server,
        &anonymous(channel(), &"字".repeat(2001)).to_string(),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_fields(&value), [pair("description", "too_long")]);
    let long = file(&server, &anonymous(channel(), &"字".repeat(2000))).await;
    assert_eq!(view(&server, &long).await.description.chars().count(), 2000);

    // Markup is text: stored and answered as given, as a JSON string.
    let script = "<script>alert('投诉')</script><img src=x onerror=alert(1)>";
    let c = file(&server, &anonymous(channel(), &format!("  {script}\n"))).await;
    let resp = server
        .http
        .get(server.url(&format!(
            "/api/v1/complaints/{}?c={}",
            c.complaint_number, c.query_code
        )))
        .send()
        .await
        .unwrap();
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let text = resp.text().await.unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["description"], script, "trimmed, otherwise verbatim");
    assert!(
        text.contains("<script>alert('投诉')</script>"),
        "{text:.300}"
    );
}

async fn malformed_requests_are_400_naming_the_field(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let good = anonymous(channel(), "x");
    let with = |key: &str, value: Value| {
        let mut b = good.clone();
        b[key] = value;
        b.to_string()
    };
    let without = |key: &str| {
        let mut b = good.clone();
        b.as_object_mut().unwrap().remove(key);
        b.to_string()
    };
    let cases = [
        ("{not json".to_string(), pair("body", "invalid_json")),
        ("[1, 2]".to_string(), pair("body", "invalid")),
        (
            with("category", json!("rudeness")),
            pair("category", "invalid"),
        ),
        (
            with("subject", json!({"type": "weather"})),
            pair("subject.type", "invalid"),
        ),
        (with("subject", json!("portal")), pair("subject", "invalid")),
        (
            with("anonymous", json!("yes")),
            pair("anonymous", "invalid"),
        ),
        (
            with("attachments", json!("abc")),
            pair("attachments", "invalid"),
        ),
        (
            with("attachments", json!(["not-an-upload"])),
            pair("attachments", "unknown_upload"),
        ),
        (
            with("contact", json!({"name": "王五", "mobile": "13800138000"})),
            pair("contact", "unexpected"),
        ),
        (
            with("description", json!(12)),
            pair("description", "invalid"),
        ),
        (without("description"), pair("description", "required")),
        (without("category"), pair("category", "required")),
        (without("subject"), pair("subject", "required")),
    ];
    for (body, expected) in cases {
        let (status, value) = file_raw(&server, &body, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {value}");
        assert_eq!(bad_fields(&value), [expected], "{body}");
    }
    let mut named_without_mobile = named(channel(), "x");
    named_without_mobile["contact"] = json!({"name": NAME, "mobile": "12345"});
    let (status, value) = file_raw(&server, &named_without_mobile.to_string(), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_fields(&value), [pair("contact.mobile", "invalid")]);
    assert!(
        !value.to_string().contains("12345"),
        "errors name fields, not values: {value}"
    );
    let (status, value) = file_raw(&server, &good.to_string(), Some("bad key")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_fields(&value), [pair("Idempotency-Key", "invalid")]);
    let resp = server
        .http
        .post(server.url("/api/v1/complaints"))
        .header("Content-Type", "text/plain")
        .body(good.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // Nothing was filed.
    let out = server.cli(&["complaint", "list"]).await;
    assert_eq!(out.stdout.lines().count(), 1, "only the heading: {out:?}");
}

async fn a_complaint_is_read_only_with_its_code(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let c = file(&server, &anonymous(channel(), "匿名投诉内容")).await;

    let (status, value, _) = server
        .get_with(&format!("/complaints/{}", c.complaint_number), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_fields(&value), [pair("c", "required")]);
    let (status, value, _) = follow(&server, &c.complaint_number, "AB").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_fields(&value), [pair("c", "invalid")]);

    let (status, wrong, text) =
        follow(&server, &c.complaint_number, &wrong_code(&c.query_code)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error_shape(&wrong, "not_found");
    assert!(!text.contains("匿名投诉内容"));
    let unknown = AcceptanceNumber::new("440113", &c.complaint_number[6..12], 99_999).unwrap();
    let (status, none, _) = follow(&server, unknown.compact(), &c.query_code).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        wrong, none,
        "an unknown number and a wrong code look the same"
    );

    let mut typo = c.complaint_number.clone();
    let last = typo.pop().unwrap();
    typo.push(if last == '0' { '1' } else { '0' });
    let (status, value, _) = follow(&server, &typo, &c.query_code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_fields(&value), [pair("number", "checksum")]);

    // Grouped and lower case: the same complaint.
    let n = &c.complaint_number;
    let grouped = format!(
        "{}-{}-{}-{}",
        &n[..6],
        &n[6..12],
        &n[12..17],
        n[17..].to_lowercase()
    );
    let (status, value, _) = follow(&server, &grouped, &c.query_code.to_lowercase()).await;
    assert_eq!(status, StatusCode::OK, "{value}");
    assert_eq!(value["description"], "匿名投诉内容");
}

async fn the_mobile_is_shown_to_staff_only(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let c = file(
        &server,
        &named(
            json!({"type": "service", "ref": SERVICE}),
            "窗口让我来回跑。",
        ),
    )
    .await;
    let (status, _, text) = follow(&server, &c.complaint_number, &c.query_code).await;
    assert_eq!(status, StatusCode::OK);
    for secret in [MOBILE, "139-1234", NAME, "mobile", "contact"] {
        assert!(
            !text.contains(secret),
            "the complainant's view shows `{secret}`: {text}"
        );
    }
    assert!(text.contains(MASKED), "{text}");

    let staff = server.staff_token("李科员", DEPT).await;
    let (status, value, _) = server
        .get_with(
            &format!("/staff/complaints/{}", c.complaint_number),
            Some(&staff),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(value["contact"], json!({"name": NAME, "mobile": MOBILE}));
    // Replying changes nothing about that.
    ok(
        &server,
        &staff,
        &c.complaint_number,
        json!({"action": "assign", "department": DEPT}),
    )
    .await;
    ok(
        &server,
        &staff,
        &c.complaint_number,
        json!({"action": "reply", "text": "已回电核实。"}),
    )
    .await;
    let (_, _, text) = follow(&server, &c.complaint_number, &c.query_code).await;
    assert!(
        !text.contains(MOBILE) && text.contains("已回电核实。"),
        "{text}"
    );
}

async fn staff_assign_reply_and_close(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let staff = server.staff_token("李科员", DEPT).await;
    let theirs = server.staff_token("外局科员", OTHER_DEPT).await;
    let c = file(
        &server,
        &named(
            json!({"type": "service", "ref": SERVICE}),
            "窗口让我来回跑了三次。",
        ),
    )
    .await;
    let n = c.complaint_number.as_str();

    // 401 without a token, 403 for another department.
    let (status, value) = server
        .post_json(
            &format!("/staff/complaints/{n}/actions"),
            None,
            &json!({"action": "close"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error_shape(&value, "unauthorized");
    let (status, _, _) = server.get_with("/staff/complaints", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, value) = act(
        &server,
        &theirs,
        n,
        json!({"action": "assign", "department": OTHER_DEPT}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{value}");
    assert_error_shape(&value, "forbidden");
    let (status, _, _) = server
        .get_with(&format!("/staff/complaints/{n}"), Some(&theirs))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Wrong order: 409.
    for body in [
        json!({"action": "reply", "text": "答复"}),
        json!({"action": "close"}),
    ] {
        let (status, value) = act(&server, &staff, n, body.clone()).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}: {value}");
        assert_error_shape(&value, "conflict");
    }
    // Missing and unknown fields: 400.
    for (body, expected) in [
        (json!({"action": "assign"}), pair("department", "required")),
        (
            json!({"action": "assign", "department": "nosuch"}),
            pair("department", "unknown"),
        ),
        (
            json!({"action": "reply", "text": " "}),
            pair("text", "required"),
        ),
        (
            json!({"action": "reply", "text": "字".repeat(2001)}),
            pair("text", "too_long"),
        ),
        (json!({"action": "escalate"}), pair("action", "invalid")),
        (json!({"text": "x"}), pair("action", "required")),
        (json!({"action": ["close"]}), pair("action", "invalid")),
    ] {
        let (status, value) = act(&server, &staff, n, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {value}");
        assert_eq!(bad_fields(&value), [expected], "{body}");
    }
    let (status, value) = server
        .post_text(&format!("/staff/complaints/{n}/actions"), Some(&staff), "{")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_fields(&value), [pair("body", "invalid_json")]);
    let unknown = AcceptanceNumber::new("440113", &n[6..12], 99_999).unwrap();
    let (status, _) = act(
        &server,
        &staff,
        unknown.compact(),
        json!({"action": "close"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let done = ok(
        &server,
        &staff,
        n,
        json!({"action": "assign", "department": DEPT}),
    )
    .await;
    assert_eq!(done.status, api_client::ComplaintStatus::Assigned);
    assert_eq!(
        done.deadline.as_ref().map(|d| d.light),
        Some(api_client::Light::Green),
        "awaiting a reply"
    );
    let done = ok(
        &server,
        &staff,
        n,
        json!({"action": "reply", "text": "经核实，已对窗口人员批评教育。"}),
    )
    .await;
    assert_eq!(done.status, api_client::ComplaintStatus::Replied);
    assert!(done.deadline.is_none(), "no light once replied");
    assert_eq!(done.replies.len(), 1);
    let done = ok(
        &server,
        &staff,
        n,
        json!({"action": "reply", "text": "补充：已安排专人跟进。"}),
    )
    .await;
    assert_eq!(done.replies.len(), 2);
    let done = ok(&server, &staff, n, json!({"action": "close"})).await;
    assert_eq!(done.status, api_client::ComplaintStatus::Closed);
    for body in [
        json!({"action": "close"}),
        json!({"action": "reply", "text": "x"}),
        json!({"action": "assign", "department": DEPT}),
    ] {
        let (status, _) = act(&server, &staff, n, body.clone()).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body} on a closed complaint");
    }

    // The complainant reads the replies with the department's name.
    let v = view(&server, &c).await;
    assert_eq!(v.status, api_client::ComplaintStatus::Closed);
    assert_eq!(v.department.as_deref(), Some(DEPT_NAME));
    let replies: Vec<(&str, &str)> = v
        .replies
        .iter()
        .map(|r| (r.department.as_str(), r.text.as_str()))
        .collect();
    assert_eq!(
        replies,
        [
            (DEPT_NAME, "经核实，已对窗口人员批评教育。"),
            (DEPT_NAME, "补充：已安排专人跟进。")
        ]
    );
    assert!(v.replies.iter().all(|r| r.at.ends_with("+08:00")));
    assert!(v.deadline.is_none() && v.can_rate);
}

async fn staff_see_their_department_the_office_the_unassigned_ones(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let ours = server.staff_token("李科员", DEPT).await;
    let theirs = server.staff_token("外局科员", OTHER_DEPT).await;
    let office = server.office_token("王主任").await;
    let mine = file(
        &server,
        &anonymous(json!({"type": "service", "ref": SERVICE}), "a"),
    )
    .await;
    let other = file(
        &server,
        &anonymous(json!({"type": "service", "ref": OTHER_SERVICE}), "b"),
    )
    .await;
    let loose = file(&server, &anonymous(channel(), "c")).await;
    let late = file(
        &server,
        &anonymous(json!({"type": "department", "ref": DEPT}), "d"),
    )
    .await;
    let past = ymd(today_cst() - time::Duration::days(3));
    server
        .execute_sql(&format!(
            "UPDATE complaints SET reply_due = '{past}' WHERE complaint_number = '{}'",
            late.complaint_number
        ))
        .await;
    let replied = file(
        &server,
        &anonymous(json!({"type": "department", "ref": DEPT}), "e"),
    )
    .await;
    ok(
        &server,
        &ours,
        &replied.complaint_number,
        json!({"action": "assign", "department": DEPT}),
    )
    .await;
    ok(
        &server,
        &ours,
        &replied.complaint_number,
        json!({"action": "reply", "text": "已处理"}),
    )
    .await;

    let numbers = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["complaint_number"].as_str().unwrap().to_string())
            .collect()
    };
    let (status, list, _) = server.get_with("/staff/complaints", Some(&ours)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    // Red first, then the green ones by due date (then number), then the replied one; the
    // complaint about a channel (no department) is the office's, not ours.
    let expected = [
        late.complaint_number.clone(),
        mine.complaint_number.clone(),
        replied.complaint_number.clone(),
    ];
    assert_eq!(numbers(&list), expected, "{list}");
    assert_eq!(
        (
            list["total"].as_u64(),
            list["page"].as_u64(),
            list["per_page"].as_u64()
        ),
        (Some(3), Some(1), Some(50))
    );
    let items = &list["items"];
    assert_eq!(
        items[0]["deadline"],
        json!({"date": past, "light": "red", "paused": false})
    );
    assert_eq!(items[0]["department"], DEPT);
    assert!(items[2].get("deadline").is_none(), "{}", items[2]);
    let (_, list, _) = server.get_with("/staff/complaints", Some(&theirs)).await;
    assert_eq!(
        numbers(&list),
        std::slice::from_ref(&other.complaint_number)
    );
    // The office sees every complaint, the unassigned one among them, in the same order.
    let (status, list, _) = server.get_with("/staff/complaints", Some(&office)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let mut green = vec![
        mine.complaint_number.clone(),
        other.complaint_number.clone(),
        loose.complaint_number.clone(),
    ];
    green.sort();
    let all: Vec<String> = [
        vec![late.complaint_number.clone()],
        green,
        vec![replied.complaint_number.clone()],
    ]
    .concat();
    assert_eq!(numbers(&list), all, "{list}");
    // Pages cut the same order, and say how many there are in all.
    let (_, page2, _) = server
        .get_with("/staff/complaints?page=2&per_page=2", Some(&office))
        .await;
    assert_eq!(numbers(&page2), all[2..4].to_vec(), "{page2}");
    assert_eq!(page2["total"], 5);
    let (_, page3, _) = server
        .get_with("/staff/complaints?page=3&per_page=2", Some(&office))
        .await;
    assert_eq!(numbers(&page3), all[4..].to_vec());
    let (_, beyond, _) = server
        .get_with("/staff/complaints?page=9&per_page=2", Some(&office))
        .await;
    assert!(numbers(&beyond).is_empty() && beyond["total"] == 5);
    // A department's staff cannot see or take the unassigned one.
    let (status, value, _) = server
        .get_with(
            &format!("/staff/complaints/{}", loose.complaint_number),
            Some(&ours),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{value}");
    let (status, _) = act(
        &server,
        &ours,
        &loose.complaint_number,
        json!({"action": "assign", "department": DEPT}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, list, _) = server
        .get_with("/staff/complaints?status=replied", Some(&ours))
        .await;
    assert_eq!(
        numbers(&list),
        std::slice::from_ref(&replied.complaint_number)
    );
    let (status, value, _) = server
        .get_with("/staff/complaints?status=lost", Some(&ours))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_fields(&value), [pair("status", "invalid")]);

    // The office passes the unassigned complaint on: it joins their list, never ours.
    let (status, value, _) = server
        .get_with(
            &format!("/staff/complaints/{}", loose.complaint_number),
            Some(&office),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{value}");
    ok(
        &server,
        &office,
        &loose.complaint_number,
        json!({"action": "assign", "department": OTHER_DEPT}),
    )
    .await;
    let (_, list, _) = server.get_with("/staff/complaints", Some(&ours)).await;
    assert!(!numbers(&list).contains(&loose.complaint_number));
    let (_, list, _) = server.get_with("/staff/complaints", Some(&theirs)).await;
    assert!(numbers(&list).contains(&loose.complaint_number));
    let (status, _) = act(
        &server,
        &ours,
        &loose.complaint_number,
        json!({"action": "reply", "text": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let done = ok(
        &server,
        &theirs,
        &loose.complaint_number,
        json!({"action": "reply", "text": "已转办"}),
    )
    .await;
    assert_eq!(done.department.as_deref(), Some(OTHER_DEPT));
    assert_eq!(
        view(&server, &loose).await.replies[0].department,
        OTHER_DEPT_NAME
    );
}

async fn the_handling_is_rated_once_after_a_reply(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let staff = server.staff_token("李科员", DEPT).await;
    let c = file(
        &server,
        &anonymous(json!({"type": "department", "ref": DEPT}), "投诉"),
    )
    .await;
    let path = format!(
        "/complaints/{}/rating?c={}",
        c.complaint_number, c.query_code
    );

    let (status, value) = server.post_json(&path, None, &json!({"level": 4})).await;
    assert_eq!(status, StatusCode::CONFLICT, "before a reply: {value}");
    ok(
        &server,
        &staff,
        &c.complaint_number,
        json!({"action": "assign", "department": DEPT}),
    )
    .await;
    ok(
        &server,
        &staff,
        &c.complaint_number,
        json!({"action": "reply", "text": "已处理"}),
    )
    .await;
    assert!(view(&server, &c).await.can_rate);

    for (body, field) in [
        (json!({"level": 0}), "level"),
        (json!({"level": 6}), "level"),
        (json!({}), "level"),
        (json!({"level": "good"}), "level"),
    ] {
        let (status, value) = server.post_json(&path, None, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {value}");
        assert_eq!(bad_fields(&value)[0].0, field, "{body}");
    }
    let (status, value) = server
        .post_json(
            &format!(
                "/complaints/{}/rating?c={}",
                c.complaint_number,
                wrong_code(&c.query_code)
            ),
            None,
            &json!({"level": 4}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{value}");

    let (status, value) = server
        .post_json(&path, None, &json!({"level": 4, "comment": " 处理及时 "}))
        .await;
    assert_eq!(status, StatusCode::OK, "{value}");
    let v: ComplaintView = serde_json::from_value(value).unwrap();
    let r = v.rating.expect("rated");
    assert_eq!((r.level, r.comment.as_deref()), (4, Some("处理及时")));
    assert!(!v.can_rate);
    let (status, value) = server.post_json(&path, None, &json!({"level": 1})).await;
    assert_eq!(status, StatusCode::CONFLICT, "rated twice: {value}");
    assert_error_shape(&value, "conflict");
    // Staff see the rating; closing keeps it.
    let done = ok(
        &server,
        &staff,
        &c.complaint_number,
        json!({"action": "close"}),
    )
    .await;
    assert_eq!(done.rating.map(|r| r.level), Some(4));
}

async fn attachments_are_marked_used(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let upload = server.upload_pdf("complaint-evidence").await;
    let mut body = anonymous(channel(), "见附件截图");
    body["attachments"] = json!([upload, upload]);
    let c = file(&server, &body).await;
    let rows = server.upload_rows().await;
    let row = rows.iter().find(|r| r.0 == upload).expect("the upload row");
    assert_eq!(
        row.4.as_deref(),
        Some(c.complaint_number.as_str()),
        "marked with the complaint's number"
    );
    assert_eq!(
        view(&server, &c).await.attachment_count,
        1,
        "one file, named twice"
    );
    // About a channel: the complaints office's.
    let staff = server.office_token("王主任").await;
    let (_, s, _) = server
        .get_with(
            &format!("/staff/complaints/{}", c.complaint_number),
            Some(&staff),
        )
        .await;
    assert_eq!(s["attachments"], json!([upload]));

    // Used already, or never uploaded: 400 on `attachments`.
    let (status, value) = file_raw(&server, &body.to_string(), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_fields(&value), [pair("attachments", "unknown_upload")]);
    body["attachments"] = json!(["0123456789abcdef0123456789abcdef"]);
    let (status, value) = file_raw(&server, &body.to_string(), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_fields(&value), [pair("attachments", "unknown_upload")]);
}

async fn failed_case_proofs_are_throttled(backend: Backend) {
    let server = start_on!(
        backend,
        test_catalogue(),
        envs: &[("ONEWINDOW_LOOKUP_MAX_FAILS_PER_ADDR", "2")]
    );
    let case = server.submit_application(SERVICE).await;
    let body = named(json!({"type": "case", "ref": case.acceptance_number, "code": wrong_code(&case.query_code)}), "x").to_string();
    for _ in 0..2 {
        let (status, value) = file_raw(&server, &body, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{value}");
    }
    let resp = server
        .http
        .post(server.url("/api/v1/complaints"))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().contains_key("retry-after"));
    // The failures count as case lookups: the case's lookup is refused too.
    let (status, _, _) = server
        .get_with(
            &format!("/cases/{}?c={}", case.acceptance_number, case.query_code),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

async fn the_command_line_handles_complaints(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let c = file(&server, &named(channel(), "自助机无法打印。")).await;
    let n = c.complaint_number.as_str();

    let out = server.cli(&["complaint", "list"]).await;
    assert!(out.success, "{out:?}");
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with(n))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(
        line.contains("received") && line.contains("green") && line.contains("channel portal"),
        "{line}"
    );
    let out = server.cli(&["complaint", "show", n]).await;
    assert!(out.success, "{out:?}");
    let shown: StaffComplaint = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        shown.contact.map(|c| c.mobile),
        Some(MOBILE.to_string()),
        "the operator may call back"
    );

    let out = server.cli(&["complaint", "close", n]).await;
    assert!(
        !out.success && out.stderr.contains("close") && out.stderr.contains("received"),
        "{out:?}"
    );
    let out = server
        .cli(&["complaint", "assign", n, "--department", "nosuch"])
        .await;
    assert!(
        !out.success && out.stderr.contains("--department"),
        "{out:?}"
    );
    let out = server
        .cli(&["complaint", "assign", n, "--department", OTHER_DEPT])
        .await;
    assert!(out.success, "{out:?}");
    assert_eq!(out.stdout.trim(), "assigned");
    let out = server.cli(&["complaint", "reply", n, "--text", "  "]).await;
    assert!(!out.success && out.stderr.contains("--text"), "{out:?}");
    let out = server
        .cli(&["complaint", "reply", n, "--text", "已修复打印机。"])
        .await;
    assert!(out.success, "{out:?}");
    assert_eq!(out.stdout.trim(), "replied");
    let grouped = format!("{}-{}-{}-{}", &n[..6], &n[6..12], &n[12..17], &n[17..]);
    let out = server.cli(&["complaint", "close", &grouped]).await;
    assert!(out.success, "{out:?}");
    assert_eq!(out.stdout.trim(), "closed");

    let v = view(&server, &c).await;
    assert_eq!(v.status, api_client::ComplaintStatus::Closed);
    assert_eq!(
        v.replies[0].department, OTHER_DEPT_NAME,
        "in the name of the complaint's department"
    );
    let out = server
        .cli(&["complaint", "list", "--status", "closed"])
        .await;
    assert!(out.stdout.lines().any(|l| l.starts_with(n)), "{out:?}");
    let out = server
        .cli(&["complaint", "list", "--status", "received"])
        .await;
    assert!(!out.stdout.lines().any(|l| l.starts_with(n)), "{out:?}");
    let out = server.cli(&["complaint", "list", "--status", "lost"]).await;
    assert!(!out.success && out.stderr.contains("--status"), "{out:?}");
    let out = server
        .cli(&["complaint", "show", "440113200101000010"])
        .await;
    assert!(!out.success, "{out:?}");
}

async fn the_reply_deadline_is_configurable(backend: Backend) {
    let server = start_on!(backend, test_catalogue(), args: &["--complaint-reply-days", "2"]);
    let c = file(&server, &anonymous(channel(), "x")).await;
    assert_eq!(c.reply_due, ymd(add_working_days(today_cst(), 2)));
    let server =
        start_on!(backend, test_catalogue(), envs: &[("ONEWINDOW_COMPLAINT_REPLY_DAYS", "10")]);
    let c = file(&server, &anonymous(channel(), "x")).await;
    assert_eq!(c.reply_due, ymd(add_working_days(today_cst(), 10)));
}

async fn the_openapi_document_has_the_complaints_api(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let (status, doc) = server.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for p in [
        "/complaints",
        "/complaints/{number}",
        "/complaints/{number}/rating",
        "/staff/complaints",
        "/staff/complaints/{number}",
        "/staff/complaints/{number}/actions",
        "/staff/rectifications",
        "/staff/cases/{number}/rectification",
        "/cases/{number}/rating",
        "/visit-ratings",
        "/kiosk/visits",
        "/kiosk/enrol",
        "/stats/satisfaction",
    ] {
        assert!(doc["paths"].get(p).is_some(), "no path {p}");
    }
    for s in [
        "ComplaintRequest",
        "ComplaintCreated",
        "ComplaintView",
        "ComplaintAction",
        "StaffComplaint",
        "StaffComplaintSummary",
        "StaffComplaintPage",
        "RectificationPage",
        "VisitStarted",
        "HandlingRatingRequest",
        "RatingRequest",
        "RatingView",
        "RectificationAnswer",
        "StaffRectification",
        "VisitRatingRequest",
        "SatisfactionStats",
    ] {
        assert!(
            doc["components"]["schemas"].get(s).is_some(),
            "no schema {s}"
        );
    }
}

async fn parallel_retries_file_one_complaint(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let key = new_key("parallel");
    let body = anonymous(channel(), "同一投诉，网络重试。").to_string();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let req = server
            .http
            .post(server.url("/api/v1/complaints"))
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", &key)
            .body(body.clone());
        tasks.push(tokio::spawn(async move {
            let resp = req.send().await.unwrap();
            (resp.status(), resp.json::<Value>().await.unwrap())
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        let (status, value) = t.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{value}");
        answers.push(value);
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    let out = server.cli(&["complaint", "list"]).await;
    assert_eq!(
        out.stdout.lines().count(),
        2,
        "one complaint: {}",
        out.stdout
    );
}
