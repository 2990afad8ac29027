//! The case lifecycle over the real `server` binary, on SQLite and PostgreSQL: staff tokens
//! (created, listed and revoked with the CLI), staff actions and their transitions, events,
//! the deadline clock and its pause, electronic supervision, and `server case`.
//!
//! Each test imports its own small catalogue: two departments, a 承诺件 of five working days
//! and a 即办件 in the first, a 承诺件 in the second. No holiday calendar is imported, so
//! working days are Monday to Friday.

use crate::support::{
    add_working_days, assert_error_shape, bad_fields, is_working_day, pair, test_service,
    today_cst, two_department_catalogue, ymd, Backend, TestServer,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use time::UtcOffset;

backend_tests!(
    worker_threads = 4;
    the_full_path_from_acceptance_to_completion,
    a_pause_moves_the_due_date_on,
    a_case_may_be_not_accepted_with_a_reason,
    a_denial_states_the_remedy,
    illegal_transitions_are_409,
    staff_need_a_valid_token,
    staff_act_only_on_their_department,
    missing_or_invalid_fields_are_400,
    the_command_line_acts_on_cases,
    staff_tokens_need_a_known_department,
    supervision_lists_yellow_and_red_cases,
    concurrent_actions_on_one_case_happen_once,
    the_openapi_document_has_the_staff_api,
);

const PROMISED: &str = "TEST-LIFE-001";
const IMMEDIATE: &str = "TEST-LIFE-002";
const OTHER: &str = "TEST-LIFE-003";
const DEPT: &str = "tlc";
const DEPT_NAME: &str = "测试审批局";
const OTHER_DEPT: &str = "tlo";
const OTHER_DEPT_NAME: &str = "测试另一局";
const REMEDY_MARK: &str = "行政复议";

/// `service` with other limits (working days; the statutory one twice the promise, at least
/// two) and handling type.
fn with_limits(mut service: Value, promised: u32, handling: &str) -> Value {
    service["statutory_limit"] = json!({"value": promised.max(1) * 2, "unit": "working_days"});
    service["promised_limit"] = json!({"value": promised, "unit": "working_days"});
    service["handling_type"] = json!(handling);
    service
}

fn test_catalogue() -> Value {
    let mut catalogue = two_department_catalogue(
        "tlc_topic",
        [(DEPT, DEPT_NAME), (OTHER_DEPT, OTHER_DEPT_NAME)],
        [(PROMISED, "测试承诺事项"), (OTHER, "测试他局事项")],
    );
    let services = catalogue["services"].as_array_mut().unwrap();
    services[1] = with_limits(services[1].take(), 3, "promised");
    let immediate = test_service(IMMEDIATE, "测试即办事项", DEPT, "tlc_topic");
    services.insert(1, with_limits(immediate, 0, "immediate"));
    catalogue
}

/// Submits an application for `service` through the public API; its acceptance number.
async fn submit(server: &TestServer, service: &str) -> String {
    server.submit_application(service).await.acceptance_number
}

/// POST an action with `token` (none when `None`).
async fn act_raw(
    server: &TestServer,
    token: Option<&str>,
    number: &str,
    body: &str,
) -> (StatusCode, Value) {
    let path = format!("/staff/cases/{number}/actions");
    server.post_text(&path, token, body).await
}

async fn act(server: &TestServer, token: &str, number: &str, body: Value) -> (StatusCode, Value) {
    act_raw(server, Some(token), number, &body.to_string()).await
}

/// Performs an action that must succeed; the answer.
async fn ok(server: &TestServer, token: &str, number: &str, body: Value) -> Value {
    let (status, value) = act(server, token, number, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body} → {value}");
    value
}

/// GET an API path (below `/api/v1`) with `token` when given: the status and the answer.
async fn staff_get(server: &TestServer, token: Option<&str>, path: &str) -> (StatusCode, Value) {
    let (status, value, _) = server.get_with(path, token).await;
    (status, value)
}

/// The staff view of a case, which must be there.
async fn case(server: &TestServer, token: &str, number: &str) -> Value {
    let (status, value) = staff_get(server, Some(token), &format!("/staff/cases/{number}")).await;
    assert_eq!(status, StatusCode::OK, "{value}");
    value
}

fn steps(case: &Value) -> Vec<String> {
    case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["step"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------

async fn the_full_path_from_acceptance_to_completion(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let staff = server.staff_token("李科员", DEPT).await;
    let number = submit(&server, PROMISED).await;

    let c = case(&server, &staff, &number).await;
    assert_eq!(c["status"], "submitted");
    assert!(
        c["deadline"].is_null(),
        "no deadline before acceptance: {c}"
    );
    assert_eq!(
        c["applicant"]["name"], "张三丰",
        "staff see the applicant: {c}"
    );
    assert_eq!(
        c["service"],
        json!({"code": PROMISED, "name": "测试承诺事项"})
    );
    assert_eq!(c["timeline"], json!([]));

    // Accept: the clock starts, five working days from today.
    let due = ymd(add_working_days(today_cst(), 5));
    let done = ok(&server, &staff, &number, json!({"action": "accept"})).await;
    assert_eq!(done["status"], "accepted");
    assert_eq!(
        done["deadline"],
        json!({"date": due, "light": "green", "paused": false})
    );

    // A supplement notice listing every item at once: the clock stops.
    let items = json!([
        {"material_id": "photo", "name": "近期证件照", "note": "照片模糊，请重新上传"},
        {"name": "户口簿", "note": "缺少户主页"}
    ]);
    let done = ok(
        &server,
        &staff,
        &number,
        json!({"action": "request_supplement", "items": items}),
    )
    .await;
    assert_eq!(done["status"], "supplement_requested");
    assert_eq!(done["deadline"]["paused"], true);
    assert_eq!(done["deadline"]["date"], due);
    let c = case(&server, &staff, &number).await;
    assert_eq!(c["supplement"]["items"], items);
    assert_eq!(c["supplement"]["answered"], false);
    assert!(c["supplement"]["requested_at"]
        .as_str()
        .unwrap()
        .ends_with("+08:00"));

    // Received the same day: nothing stopped, the due date stays.
    let done = ok(
        &server,
        &staff,
        &number,
        json!({"action": "supplement_received"}),
    )
    .await;
    assert_eq!(done["status"], "under_review");
    assert_eq!(
        done["deadline"],
        json!({"date": due, "light": "green", "paused": false})
    );

    let done = ok(
        &server,
        &staff,
        &number,
        json!({"action": "review", "step": "初审", "opinion": "材料齐全，符合条件"}),
    )
    .await;
    assert_eq!(done["status"], "under_review");
    let done = ok(
        &server,
        &staff,
        &number,
        json!({"action": "review", "step": "复审"}),
    )
    .await;
    assert_eq!(done["status"], "under_review");
    let done = ok(
        &server,
        &staff,
        &number,
        json!({"action": "approve", "opinion": "准予许可"}),
    )
    .await;
    assert_eq!(done["status"], "approved");
    assert!(
        done["deadline"].is_null(),
        "no deadline once decided: {done}"
    );
    let done = ok(
        &server,
        &staff,
        &number,
        json!({"action": "complete", "delivery": "post"}),
    )
    .await;
    assert_eq!(done["status"], "completed");

    let c = case(&server, &staff, &number).await;
    assert_eq!(c["status"], "completed");
    assert_eq!(c["current_step"], "办结");
    assert!(c["accepted_at"].as_str().unwrap().ends_with("+08:00"));
    assert_eq!(c["result"], json!({"approved": true, "delivery": "post"}));
    assert_eq!(c["supplement"]["answered"], true);
    assert_eq!(
        steps(&c),
        [
            "受理",
            "补正告知",
            "补正材料已收到",
            "初审",
            "复审",
            "准予",
            "办结"
        ]
    );
    let statuses: Vec<&str> = c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "accepted",
            "supplement_requested",
            "under_review",
            "under_review",
            "under_review",
            "approved",
            "completed"
        ]
    );
    let t = c["timeline"].as_array().unwrap();
    assert!(
        t.iter()
            .all(|e| e["department"] == DEPT_NAME && e["at"].as_str().unwrap().ends_with("+08:00")),
        "{c}"
    );
    assert_eq!(
        t[1]["opinion"],
        "近期证件照：照片模糊，请重新上传；户口簿：缺少户主页"
    );
    assert_eq!(t[3]["opinion"], "材料齐全，符合条件");
    assert!(t[4].get("opinion").is_none_or(Value::is_null), "{}", t[4]);
    assert_eq!(t[5]["opinion"], "准予许可");
    assert_eq!(t[6]["opinion"], "邮寄送达");
}

async fn a_pause_moves_the_due_date_on(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let staff = server.staff_token("李科员", DEPT).await;
    let number = submit(&server, PROMISED).await;
    let today = today_cst();
    let due = add_working_days(today, 5);
    ok(&server, &staff, &number, json!({"action": "accept"})).await;
    ok(
        &server,
        &staff,
        &number,
        json!({"action": "request_supplement", "items": [{"name": "户口簿", "note": ""}]}),
    )
    .await;

    // Pretend the notice went out ten days ago (noon, China Standard Time).
    let ten_days_ago = today - time::Duration::days(10);
    let noon = ten_days_ago
        .with_hms(12, 0, 0)
        .unwrap()
        .assume_offset(UtcOffset::from_hms(8, 0, 0).unwrap())
        .unix_timestamp();
    server
        .execute_sql(&format!(
            "UPDATE cases SET paused_at = {noon} WHERE acceptance_number = '{number}'"
        ))
        .await;
    let c = case(&server, &staff, &number).await;
    assert_eq!(c["deadline"]["paused"], true);

    // Stopped on every working day from then until yesterday.
    let mut stopped = 0;
    let mut d = ten_days_ago;
    while d < today {
        if is_working_day(d) {
            stopped += 1;
        }
        d = d.next_day().unwrap();
    }
    let done = ok(
        &server,
        &staff,
        &number,
        json!({"action": "supplement_received"}),
    )
    .await;
    assert_eq!(
        done["deadline"]["date"],
        ymd(add_working_days(due, stopped)),
        "{done}"
    );
    assert_eq!(done["deadline"]["paused"], false);
}

async fn a_case_may_be_not_accepted_with_a_reason(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let staff = server.staff_token("李科员", DEPT).await;
    let number = submit(&server, PROMISED).await;

    let (status, value) = act(&server, &staff, &number, json!({"action": "not_accept"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad_fields(&value),
        [("reason".to_string(), "required".to_string())]
    );

    let done = ok(
        &server,
        &staff,
        &number,
        json!({"action": "not_accept", "reason": "不属于本机关职权范围"}),
    )
    .await;
    assert_eq!(done["status"], "not_accepted");
    assert!(done["deadline"].is_null());
    let c = case(&server, &staff, &number).await;
    assert_eq!(steps(&c), ["不予受理"]);
    assert_eq!(c["timeline"][0]["opinion"], "不属于本机关职权范围");
    assert_eq!(c["timeline"][0]["status"], "not_accepted");

    // Closed: nothing more happens to it.
    for action in [json!({"action": "accept"}), json!({"action": "approve"})] {
        let (status, value) = act(&server, &staff, &number, action).await;
        assert_eq!(status, StatusCode::CONFLICT, "{value}");
        assert_error_shape(&value, "conflict");
    }
}

async fn a_denial_states_the_remedy(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let staff = server.staff_token("李科员", DEPT).await;
    let number = submit(&server, PROMISED).await;
    ok(&server, &staff, &number, json!({"action": "accept"})).await;
    let done = ok(
        &server,
        &staff,
        &number,
        json!({"action": "deny", "reason": "不符合法定条件"}),
    )
    .await;
    assert_eq!(done["status"], "denied");
    assert!(done["deadline"].is_null());
    let c = case(&server, &staff, &number).await;
    assert_eq!(c["result"]["approved"], false);
    assert_eq!(c["result"]["reason"], "不符合法定条件");
    let remedy = c["result"]["remedy"].as_str().unwrap();
    assert!(
        remedy.contains(REMEDY_MARK) && remedy.contains("六十日") && remedy.contains("行政诉讼"),
        "{remedy}"
    );

    let done = ok(
        &server,
        &staff,
        &number,
        json!({"action": "complete", "delivery": "electronic"}),
    )
    .await;
    assert_eq!(done["status"], "completed");
    let c = case(&server, &staff, &number).await;
    assert_eq!(c["result"]["delivery"], "electronic");
    assert_eq!(
        c["result"]["remedy"], remedy,
        "the remedy stays with the completed result"
    );
    assert_eq!(steps(&c), ["受理", "不予", "办结"]);
    assert_eq!(c["timeline"][1]["opinion"], "不符合法定条件");
}

async fn illegal_transitions_are_409(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let staff = server.staff_token("李科员", DEPT).await;
    let number = submit(&server, PROMISED).await;

    let conflict = |value: &Value, needles: &[&str]| {
        assert_error_shape(value, "conflict");
        let message = value["error"]["message"].as_str().unwrap();
        for n in needles {
            assert!(message.contains(n), "{n} not in {message}");
        }
    };
    // Approving a case that was never accepted.
    let (status, value) = act(&server, &staff, &number, json!({"action": "approve"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    conflict(&value, &["approve", "submitted"]);
    // No supplement was requested.
    let (status, value) = act(
        &server,
        &staff,
        &number,
        json!({"action": "supplement_received"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    conflict(&value, &["supplement_received", "submitted"]);

    ok(&server, &staff, &number, json!({"action": "accept"})).await;
    let (status, value) = act(&server, &staff, &number, json!({"action": "accept"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "accepting twice");
    conflict(&value, &["accept", "accepted"]);
    let (status, _) = act(
        &server,
        &staff,
        &number,
        json!({"action": "complete", "delivery": "window"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "completing before a decision");

    ok(&server, &staff, &number, json!({"action": "approve"})).await;
    let (status, _) = act(
        &server,
        &staff,
        &number,
        json!({"action": "deny", "reason": "改变主意"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "a decision is final");
    ok(
        &server,
        &staff,
        &number,
        json!({"action": "complete", "delivery": "window"}),
    )
    .await;
    let (status, value) = act(
        &server,
        &staff,
        &number,
        json!({"action": "complete", "delivery": "window"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "completing twice");
    conflict(&value, &["complete", "completed"]);

    // Nothing of the refused actions was recorded.
    let c = case(&server, &staff, &number).await;
    assert_eq!(steps(&c), ["受理", "准予", "办结"]);

    // Staff do not withdraw; and an unknown case is 404.
    let other = submit(&server, PROMISED).await;
    let (status, value) = act(&server, &staff, &other, json!({"action": "withdraw"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{value}");
    assert_eq!(
        bad_fields(&value),
        [("action".to_string(), "invalid".to_string())]
    );
    let unknown = api_client::checks::AcceptanceNumber::new("440113", "200101", 1).unwrap();
    let (status, value) = act(
        &server,
        &staff,
        unknown.compact(),
        json!({"action": "accept"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{value}");
    assert_error_shape(&value, "not_found");
}

async fn staff_need_a_valid_token(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let number = submit(&server, PROMISED).await;
    let body = json!({"action": "accept"}).to_string();

    let unauthorized = |status: StatusCode, value: &Value| {
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{value}");
        assert_error_shape(value, "unauthorized");
    };
    let (status, value) = act_raw(&server, None, &number, &body).await;
    unauthorized(status, &value);
    let (status, value) = act_raw(
        &server,
        Some("owst_0000000000000000000000000000000000000000000000000000000000000000"),
        &number,
        &body,
    )
    .await;
    unauthorized(status, &value);
    let (status, value) = act_raw(&server, Some("not-a-token"), &number, &body).await;
    unauthorized(status, &value);
    let resp = server
        .http
        .get(server.url("/api/v1/staff/overdue"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    let (status, value) =
        staff_get(&server, Some("owst_x"), &format!("/staff/cases/{number}")).await;
    unauthorized(status, &value);
    // Basic credentials are not a staff token.
    let resp = server
        .http
        .get(server.url("/api/v1/staff/overdue"))
        .basic_auth("staff", Some("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    // A valid token works until it is revoked.
    let staff = server.staff_token("王科员", DEPT).await;
    let (status, _) = staff_get(&server, Some(&staff), "/staff/overdue").await;
    assert_eq!(status, StatusCode::OK);
    let list = server.cli(&["staff-token", "list"]).await;
    assert!(list.success, "{list:?}");
    assert!(
        !list.stdout.contains(&staff[5..]),
        "the token is never shown again"
    );
    let line = list
        .stdout
        .lines()
        .find(|l| l.contains("王科员"))
        .unwrap_or_else(|| panic!("{}", list.stdout));
    assert!(
        line.contains(DEPT) && line.trim_end().ends_with('-'),
        "{line}"
    );
    let id = line.split_whitespace().next().unwrap().to_string();

    let out = server.cli(&["staff-token", "revoke", &id]).await;
    assert!(out.success, "{out:?}");
    let (status, value) = act_raw(&server, Some(&staff), &number, &body).await;
    unauthorized(status, &value);
    let list = server.cli(&["staff-token", "list"]).await;
    let line = list.stdout.lines().find(|l| l.contains("王科员")).unwrap();
    assert!(
        line.trim_end().ends_with("+08:00"),
        "revoked shows when: {line}"
    );
    let out = server.cli(&["staff-token", "revoke", "nosuchid"]).await;
    assert!(!out.success && out.stderr.contains("nosuchid"), "{out:?}");

    // Nothing happened to the case.
    let other = server.staff_token("赵科员", DEPT).await;
    assert_eq!(case(&server, &other, &number).await["status"], "submitted");
}

async fn staff_act_only_on_their_department(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let ours = server.staff_token("李科员", DEPT).await;
    let theirs = server.staff_token("外局科员", OTHER_DEPT).await;
    let number = submit(&server, PROMISED).await;

    let (status, value) = act(&server, &theirs, &number, json!({"action": "accept"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{value}");
    assert_error_shape(&value, "forbidden");
    let (status, value) =
        staff_get(&server, Some(&theirs), &format!("/staff/cases/{number}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{value}");
    assert_error_shape(&value, "forbidden");
    assert_eq!(case(&server, &ours, &number).await["status"], "submitted");

    // Their own department's case works for them, not for us.
    let other = submit(&server, OTHER).await;
    let done = ok(&server, &theirs, &other, json!({"action": "accept"})).await;
    assert_eq!(
        done["deadline"]["date"],
        ymd(add_working_days(today_cst(), 3))
    );
    let (status, _) = act(&server, &ours, &other, json!({"action": "approve"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let c = case(&server, &theirs, &other).await;
    assert_eq!(c["timeline"][0]["department"], OTHER_DEPT_NAME);
}

async fn missing_or_invalid_fields_are_400(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let staff = server.staff_token("李科员", DEPT).await;
    let number = submit(&server, PROMISED).await;

    let cases = [
        (
            json!({"action": "not_accept"}),
            vec![pair("reason", "required")],
        ),
        (
            json!({"action": "not_accept", "reason": "   "}),
            vec![pair("reason", "required")],
        ),
        (json!({"action": "deny"}), vec![pair("reason", "required")]),
        (
            json!({"action": "request_supplement"}),
            vec![pair("items", "required")],
        ),
        (
            json!({"action": "request_supplement", "items": []}),
            vec![pair("items", "required")],
        ),
        (
            json!({"action": "request_supplement", "items": [{"name": "户口簿", "note": ""}, {"name": "", "note": "x"}]}),
            vec![pair("items[1].name", "required")],
        ),
        (
            json!({"action": "request_supplement", "items": [{"note": "x"}]}),
            vec![pair("items[0].name", "required")],
        ),
        (json!({"action": "review"}), vec![pair("step", "required")]),
        (
            json!({"action": "complete"}),
            vec![pair("delivery", "required")],
        ),
        (
            json!({"action": "complete", "delivery": "carrier_pigeon"}),
            vec![pair("delivery", "invalid")],
        ),
        (json!({"action": "launch"}), vec![pair("action", "invalid")]),
        (json!({"reason": "x"}), vec![pair("action", "required")]),
        (json!({"action": 5}), vec![pair("action", "invalid")]),
    ];
    for (body, expected) in cases {
        let (status, value) = act(&server, &staff, &number, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {value}");
        assert_eq!(bad_fields(&value), expected, "{body}");
    }
    let (status, value) = act_raw(&server, Some(&staff), &number, "{not json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_fields(&value), [pair("body", "invalid_json")]);

    // A mistyped number: the check character does not match.
    let mut typo = number.clone();
    let last = typo.pop().unwrap();
    typo.push(if last == '0' { '1' } else { '0' });
    let (status, value) = act(&server, &staff, &typo, json!({"action": "accept"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{value}");
    assert_eq!(bad_fields(&value), [pair("number", "checksum")]);
    let (status, value) = act(&server, &staff, "12345", json!({"action": "accept"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_fields(&value), [pair("number", "invalid")]);

    // Nothing happened; a grouped lower-case number works.
    let c = case(&server, &staff, &number).await;
    assert_eq!(c["status"], "submitted");
    let grouped = format!(
        "{}-{}-{}-{}",
        &number[..6],
        &number[6..12],
        &number[12..17],
        number[17..].to_lowercase()
    );
    ok(&server, &staff, &grouped, json!({"action": "accept"})).await;
}

async fn the_command_line_acts_on_cases(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let staff = server.staff_token("李科员", DEPT).await;
    let number = submit(&server, PROMISED).await;

    let out = server.cli(&["case", &number, "accept"]).await;
    assert!(out.success, "{out:?}");
    assert_eq!(out.stdout.trim(), "accepted");

    let out = server.cli(&["case", &number, "review"]).await;
    assert!(!out.success && out.stderr.contains("--step"), "{out:?}");
    let out = server
        .cli(&[
            "case",
            &number,
            "request_supplement",
            "--item",
            "户口簿:缺少户主页",
            "--item",
            "照片",
        ])
        .await;
    assert!(out.success, "{out:?}");
    assert_eq!(out.stdout.trim(), "supplement_requested");
    let out = server.cli(&["case", &number, "approve"]).await;
    assert!(
        !out.success
            && out.stderr.contains("approve")
            && out.stderr.contains("supplement_requested"),
        "{out:?}"
    );
    let out = server
        .cli(&[
            "case",
            &number,
            "supplement_received",
            "--department",
            OTHER_DEPT,
        ])
        .await;
    assert!(out.success, "{out:?}");
    let out = server
        .cli(&[
            "case",
            &number,
            "review",
            "--step",
            "现场核查",
            "--department",
            "nosuch",
        ])
        .await;
    assert!(!out.success && out.stderr.contains("department"), "{out:?}");
    let grouped = format!(
        "{}-{}-{}-{}",
        &number[..6],
        &number[6..12],
        &number[12..17],
        &number[17..]
    );
    let out = server
        .cli(&[
            "case",
            &grouped,
            "review",
            "--step",
            "现场核查",
            "--opinion",
            "属实",
        ])
        .await;
    assert!(out.success, "{out:?}");
    assert_eq!(out.stdout.trim(), "under_review");

    let c = case(&server, &staff, &number).await;
    assert_eq!(c["status"], "under_review");
    assert_eq!(
        steps(&c),
        ["受理", "补正告知", "补正材料已收到", "现场核查"]
    );
    assert_eq!(c["timeline"][1]["opinion"], "户口簿：缺少户主页；照片");
    assert_eq!(
        c["supplement"]["items"],
        json!([{"name": "户口簿", "note": "缺少户主页"}, {"name": "照片", "note": ""}])
    );
    assert_eq!(c["timeline"][2]["department"], OTHER_DEPT_NAME);
    assert_eq!(c["timeline"][3]["department"], DEPT_NAME);

    // An operator may withdraw for an applicant at the window; a mistyped number is refused.
    let out = server.cli(&["case", &number, "withdraw"]).await;
    assert!(out.success, "{out:?}");
    assert_eq!(out.stdout.trim(), "withdrawn");
    let out = server.cli(&["case", "440113200101000010", "accept"]).await;
    assert!(!out.success, "{out:?}");
}

async fn staff_tokens_need_a_known_department(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let out = server
        .cli(&["staff-token", "create", "某人", "--department", "nosuch"])
        .await;
    assert!(!out.success, "{out:?}");
    assert!(
        out.stderr.contains("nosuch") && out.stderr.contains(DEPT),
        "names the code and the known ones: {out:?}"
    );
    assert!(out.stdout.trim().is_empty(), "{out:?}");
    let out = server.cli(&["staff-token", "list"]).await;
    assert!(out.success && !out.stdout.contains("某人"), "{out:?}");
    // Two tokens of one name are two tokens.
    let a = server.staff_token("李科员", DEPT).await;
    let b = server.staff_token("李科员", DEPT).await;
    assert_ne!(a, b);
}

async fn supervision_lists_yellow_and_red_cases(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let ours = server.staff_token("李科员", DEPT).await;
    let theirs = server.staff_token("外局科员", OTHER_DEPT).await;

    // A 即办件 is due the day it is accepted (the next working day at a weekend): yellow.
    let immediate = submit(&server, IMMEDIATE).await;
    let done = ok(&server, &ours, &immediate, json!({"action": "accept"})).await;
    assert_eq!(
        done["deadline"],
        json!({"date": ymd(add_working_days(today_cst(), 0)), "light": "yellow", "paused": false})
    );
    // A case whose due date has passed: red.
    let late = submit(&server, PROMISED).await;
    ok(&server, &ours, &late, json!({"action": "accept"})).await;
    let past = ymd(today_cst() - time::Duration::days(3));
    server
        .execute_sql(&format!(
            "UPDATE cases SET due_date = '{past}' WHERE acceptance_number = '{late}'"
        ))
        .await;
    // On track: green, not listed. Not accepted yet: no deadline.
    let fine = submit(&server, PROMISED).await;
    ok(&server, &ours, &fine, json!({"action": "accept"})).await;
    submit(&server, PROMISED).await;
    // Another department's overdue case counts for it, and is listed only to its staff.
    let elsewhere = submit(&server, OTHER).await;
    ok(&server, &theirs, &elsewhere, json!({"action": "accept"})).await;
    server
        .execute_sql(&format!(
            "UPDATE cases SET due_date = '{past}' WHERE acceptance_number = '{elsewhere}'"
        ))
        .await;
    // A decided case has no deadline, however late.
    let decided = submit(&server, PROMISED).await;
    ok(&server, &ours, &decided, json!({"action": "accept"})).await;
    ok(&server, &ours, &decided, json!({"action": "approve"})).await;
    server
        .execute_sql(&format!(
            "UPDATE cases SET due_date = '{past}' WHERE acceptance_number = '{decided}'"
        ))
        .await;

    let (status, list) = staff_get(&server, Some(&ours), "/staff/overdue").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let listed: Vec<(&str, &str)> = list["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["acceptance_number"].as_str().unwrap(),
                c["light"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [(late.as_str(), "red"), (immediate.as_str(), "yellow")],
        "{list}"
    );
    let red = &list["cases"][0];
    assert_eq!(red["due_date"], past);
    assert_eq!(red["status"], "accepted");
    assert_eq!(
        red["service"],
        json!({"code": PROMISED, "name": "测试承诺事项"})
    );
    assert_eq!(red["paused"], false);
    assert_eq!(
        list["counts"],
        json!([
            {"department": DEPT, "name": DEPT_NAME, "yellow": 1, "red": 1},
            {"department": OTHER_DEPT, "name": OTHER_DEPT_NAME, "yellow": 0, "red": 1}
        ])
    );

    let (_, list) = staff_get(&server, Some(&theirs), "/staff/overdue").await;
    let listed: Vec<&str> = list["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["acceptance_number"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [elsewhere.as_str()]);

    // A red case paused for a supplement shows as paused, frozen at its pause day.
    ok(
        &server,
        &ours,
        &late,
        json!({"action": "request_supplement", "items": [{"name": "户口簿", "note": ""}]}),
    )
    .await;
    let (_, list) = staff_get(&server, Some(&ours), "/staff/overdue").await;
    let red = list["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["acceptance_number"] == late.as_str())
        .unwrap();
    assert_eq!(
        (
            red["light"].as_str(),
            red["paused"].as_bool(),
            red["status"].as_str()
        ),
        (Some("red"), Some(true), Some("supplement_requested"))
    );
}

async fn concurrent_actions_on_one_case_happen_once(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let staff = server.staff_token("李科员", DEPT).await;
    let number = submit(&server, PROMISED).await;
    // Eight accepts and eight refusals at once: exactly one of them happens.
    let mut tasks = Vec::new();
    for i in 0..16 {
        let body = if i % 2 == 0 {
            json!({"action": "accept"})
        } else {
            json!({"action": "not_accept", "reason": "重复"})
        };
        let req = server
            .http
            .post(server.url(&format!("/api/v1/staff/cases/{number}/actions")))
            .bearer_auth(&staff)
            .header("Content-Type", "application/json")
            .body(body.to_string());
        tasks.push(tokio::spawn(
            async move { req.send().await.unwrap().status() },
        ));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let c = case(&server, &staff, &number).await;
    assert_eq!(c["timeline"].as_array().unwrap().len(), 1, "{c}");
}

async fn the_openapi_document_has_the_staff_api(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let (status, doc) = server.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for p in [
        "/staff/cases/{number}/actions",
        "/staff/cases/{number}",
        "/staff/overdue",
    ] {
        assert!(doc["paths"].get(p).is_some(), "no path {p}");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["staff_token"]["scheme"], "bearer",
        "{}",
        doc["components"]["securitySchemes"]
    );
    for s in ["ActionRequest", "ActionDone", "OverdueList", "StaffCase"] {
        assert!(
            doc["components"]["schemas"].get(s).is_some(),
            "no schema {s}"
        );
    }
}
