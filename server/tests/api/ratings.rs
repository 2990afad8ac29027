//! The five-level rating (好差评) over the real `server` binary, on SQLite (`sqlite::*`) and
//! PostgreSQL (`postgres::*`, skipped with a message when it is not reachable): rating a
//! completed case once, the rectification (整改) a poor rating opens and staff's answer to it
//! on the track page, the kiosk's visit ratings, the satisfaction statistics, and
//! `server rectification`.
//!
//! Each test imports its own small catalogue: two departments with one service each; no
//! holiday calendar, so working days are Monday to Friday. Cases are completed with
//! `server case`.

use crate::support::{
    add_working_days, assert_error_shape, bad_fields, pair, today_cst, two_department_catalogue,
    ymd, Backend, TestServer,
};
use api_client::{
    ApplicationCreated, CaseView, Light, RatingView, RectificationPage, StaffRectification,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

backend_tests!(
    worker_threads = 4;
    a_completed_case_is_rated_once,
    ratings_are_checked_before_the_case,
    a_poor_rating_opens_a_rectification_staff_answer,
    rectifications_belong_to_the_case_department,
    visit_ratings_are_counted,
    satisfaction_per_department_and_period,
    the_command_line_answers_rectifications,
    the_rectification_deadline_is_configurable,
    parallel_ratings_of_one_case_count_once,
);

const SERVICE: &str = "TEST-RATE-001";
const SERVICE_NAME: &str = "测试评价事项";
const OTHER_SERVICE: &str = "TEST-RATE-002";
const DEPT: &str = "trt";
const DEPT_NAME: &str = "测试评价局";
const OTHER_DEPT: &str = "tro";
const OTHER_DEPT_NAME: &str = "测试另一局";

fn test_catalogue() -> Value {
    two_department_catalogue(
        "trt_topic",
        [(DEPT, DEPT_NAME), (OTHER_DEPT, OTHER_DEPT_NAME)],
        [(SERVICE, SERVICE_NAME), (OTHER_SERVICE, "测试他局事项")],
    )
}

/// A completed case of `service`.
async fn completed(server: &TestServer, service: &str) -> ApplicationCreated {
    let case = server.submit_application(service).await;
    server.complete_case(&case.acceptance_number).await;
    case
}

async fn rate(server: &TestServer, number: &str, body: Value) -> (StatusCode, Value) {
    server
        .post_json(&format!("/cases/{number}/rating"), None, &body)
        .await
}

async fn rated(
    server: &TestServer,
    case: &ApplicationCreated,
    level: u8,
    tags: &[&str],
    comment: Option<&str>,
) -> RatingView {
    let (status, value) = rate(
        server,
        &case.acceptance_number,
        json!({"c": case.query_code, "level": level, "tags": tags, "comment": comment}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    serde_json::from_value(value).unwrap()
}

async fn stats(server: &TestServer, query: &str) -> (StatusCode, Value) {
    let (status, value, _) = server
        .get_with(&format!("/stats/satisfaction?{query}"), None)
        .await;
    (status, value)
}

// ---------------------------------------------------------------------------------------

async fn a_completed_case_is_rated_once(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let case = server.submit_application(SERVICE).await;
    let n = case.acceptance_number.clone();
    let body = json!({"c": case.query_code, "level": 5, "tags": ["efficient", "friendly"], "comment": " 非常满意 "});

    let (status, value) = rate(&server, &n, body.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "an unfinished case: {value}");
    assert_error_shape(&value, "conflict");
    assert!(!server.track(&case).await.can_rate);
    let out = server.cli(&["case", &n, "accept"]).await;
    assert!(out.success);
    let (status, _) = rate(&server, &n, body.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "an accepted case");

    server.cli(&["case", &n, "approve"]).await;
    server
        .cli(&["case", &n, "complete", "--delivery", "post"])
        .await;
    let v = server.track(&case).await;
    assert!(
        v.can_rate && v.rating.is_none(),
        "completed, opened with the code"
    );
    let by_mobile: CaseView = serde_json::from_value(
        server
            .post_json(
                &format!("/cases/{n}/lookup"),
                None,
                &json!({"mobile": "13800138000"}),
            )
            .await
            .1,
    )
    .unwrap();
    assert!(!by_mobile.can_rate, "a lookup by mobile does not rate");

    let (status, value) = rate(&server, &n, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    let r: RatingView = serde_json::from_value(value).unwrap();
    assert_eq!(
        (r.level, r.tags.as_slice(), r.comment.as_deref()),
        (
            5,
            &["efficient".to_string(), "friendly".to_string()][..],
            Some("非常满意")
        )
    );
    assert!(r.rectification.is_none(), "a good rating opens none");
    assert!(r.rated_at.ends_with("+08:00"));

    let v = server.track(&case).await;
    assert_eq!(v.rating, Some(r.clone()));
    assert!(!v.can_rate);
    // A second rating, even a different one: 409 with a clear message; the first stays.
    let (status, value) = rate(&server, &n, json!({"c": case.query_code, "level": 1})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        value["error"]["message"]
            .as_str()
            .unwrap()
            .contains("rated already"),
        "{value}"
    );
    assert_eq!(server.track(&case).await.rating, Some(r));
}

async fn ratings_are_checked_before_the_case(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let case = completed(&server, SERVICE).await;
    let n = case.acceptance_number.as_str();
    let c = case.query_code.as_str();

    for (body, expected) in [
        (
            json!({"c": c, "level": 0}),
            vec![pair("level", "out_of_range")],
        ),
        (
            json!({"c": c, "level": 6}),
            vec![pair("level", "out_of_range")],
        ),
        (
            json!({"c": c, "level": 3, "tags": ["slow", "bribery"]}),
            vec![pair("tags", "unknown")],
        ),
        (
            json!({"c": c, "level": 3, "comment": "字".repeat(501)}),
            vec![pair("comment", "too_long")],
        ),
        (
            json!({"c": c, "level": 300}),
            vec![pair("level", "invalid")],
        ),
        (
            json!({"c": c, "level": "5"}),
            vec![pair("level", "invalid")],
        ),
        (
            json!({"c": c, "level": 5, "tags": "slow"}),
            vec![pair("tags", "invalid")],
        ),
        (json!({"c": c}), vec![pair("level", "required")]),
        (json!({"level": 5}), vec![pair("c", "required")]),
        (
            json!({"c": "", "level": 0}),
            vec![pair("c", "required"), pair("level", "out_of_range")],
        ),
        (json!({"c": "AB", "level": 5}), vec![pair("c", "invalid")]),
    ] {
        let (status, value) = rate(&server, n, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {value}");
        assert_eq!(bad_fields(&value), expected, "{body}");
    }
    let (status, value) = server
        .post_text(&format!("/cases/{n}/rating"), None, "{\"c\":")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_fields(&value), [pair("body", "invalid_json")]);
    let (status, value) = rate(&server, "12345", json!({"c": c, "level": 5})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_fields(&value), [pair("number", "invalid")]);

    // A wrong code is the lookup's 404, word for word.
    let wrong = if c == "ABCDEF" { "ABCDEG" } else { "ABCDEF" };
    let (status, value) = rate(&server, n, json!({"c": wrong, "level": 5})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, lookup, _) = server
        .get_with(&format!("/cases/{n}?c={wrong}"), None)
        .await;
    assert_eq!(value, lookup);
    // Nothing was rated by any of these.
    assert!(server.track(&case).await.can_rate);
}

async fn a_poor_rating_opens_a_rectification_staff_answer(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let staff = server.staff_token("李科员", DEPT).await;
    let case = completed(&server, SERVICE).await;
    let n = case.acceptance_number.as_str();
    let due = ymd(add_working_days(today_cst(), 15));

    let r = rated(
        &server,
        &case,
        1,
        &["slow", "repeated_visits"],
        Some("跑了三趟"),
    )
    .await;
    let rect = r
        .rectification
        .expect("a poor rating opens a rectification");
    assert_eq!(rect.due_date, due);
    assert_eq!(
        rect.deadline
            .as_ref()
            .map(|d| (d.date.as_str(), d.light, d.paused)),
        Some((due.as_str(), Light::Green, false))
    );
    assert!(!rect.answered && rect.explanation.is_none());
    let v = server.track(&case).await;
    assert_eq!(
        v.rating.as_ref().and_then(|r| r.rectification.clone()),
        Some(rect)
    );

    let (status, list, _) = server.get_with("/staff/rectifications", Some(&staff)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let page: RectificationPage = serde_json::from_value(list).unwrap();
    assert_eq!((page.total, page.page, page.per_page), (1, 1, 50));
    let list = page.items;
    assert_eq!(list.len(), 1);
    assert_eq!(
        (
            list[0].acceptance_number.as_str(),
            list[0].level,
            list[0].service.name.as_str()
        ),
        (n, 1, SERVICE_NAME)
    );
    assert_eq!(list[0].comment.as_deref(), Some("跑了三趟"));

    let path = format!("/staff/cases/{n}/rectification");
    let (status, _) = server
        .post_json(
            &path,
            None,
            &json!({"explanation": "x", "action_taken": "y"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for (body, expected) in [
        (
            json!({"explanation": " ", "action_taken": "已整改"}),
            vec![pair("explanation", "required")],
        ),
        (
            json!({"explanation": "属实", "action_taken": "字".repeat(2001)}),
            vec![pair("action_taken", "too_long")],
        ),
        (
            json!({"explanation": "属实"}),
            vec![pair("action_taken", "required")],
        ),
        (
            json!({"explanation": 1, "action_taken": "x"}),
            vec![pair("explanation", "invalid")],
        ),
    ] {
        let (status, value) = server.post_json(&path, Some(&staff), &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {value}");
        assert_eq!(bad_fields(&value), expected, "{body}");
    }

    let answer = json!({"explanation": "经核实，窗口人员未一次性告知所需材料。", "action_taken": "已对相关人员批评教育，并修订一次性告知单。"});
    let (status, value) = server.post_json(&path, Some(&staff), &answer).await;
    assert_eq!(status, StatusCode::OK, "{value}");
    let done: StaffRectification = serde_json::from_value(value).unwrap();
    assert!(done.rectification.answered && done.rectification.deadline.is_none());
    assert!(done
        .rectification
        .answered_at
        .as_deref()
        .unwrap()
        .ends_with("+08:00"));

    // The applicant sees the answer on the track page.
    let v = server.track(&case).await;
    let shown = v.rating.unwrap().rectification.unwrap();
    assert!(shown.answered);
    assert_eq!(
        shown.explanation.as_deref(),
        Some("经核实，窗口人员未一次性告知所需材料。")
    );
    assert_eq!(
        shown.action_taken.as_deref(),
        Some("已对相关人员批评教育，并修订一次性告知单。")
    );
    assert_eq!(shown.due_date, due);

    let (status, value) = server.post_json(&path, Some(&staff), &answer).await;
    assert_eq!(status, StatusCode::CONFLICT, "answered twice: {value}");
    assert_error_shape(&value, "conflict");
    assert_eq!(
        server
            .track(&case)
            .await
            .rating
            .unwrap()
            .rectification
            .unwrap()
            .explanation,
        shown.explanation
    );
}

async fn rectifications_belong_to_the_case_department(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let ours = server.staff_token("李科员", DEPT).await;
    let theirs = server.staff_token("外局科员", OTHER_DEPT).await;
    let poor = completed(&server, SERVICE).await;
    rated(&server, &poor, 2, &["unclear_guidance"], None).await;
    let good = completed(&server, SERVICE).await;
    rated(&server, &good, 3, &[], None).await;
    let unrated = completed(&server, SERVICE).await;
    let answer = json!({"explanation": "属实", "action_taken": "已整改"});

    let (_, list, _) = server
        .get_with("/staff/rectifications", Some(&theirs))
        .await;
    assert_eq!(list["items"], json!([]), "another department's");
    assert_eq!(list["total"], 0);
    let (status, value) = server
        .post_json(
            &format!("/staff/cases/{}/rectification", poor.acceptance_number),
            Some(&theirs),
            &answer,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{value}");
    assert_error_shape(&value, "forbidden");
    for case in [&good, &unrated] {
        let (status, value) = server
            .post_json(
                &format!("/staff/cases/{}/rectification", case.acceptance_number),
                Some(&ours),
                &answer,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "no rectification: {value}");
    }
    let unknown = api_client::checks::AcceptanceNumber::new("440113", "200101", 1).unwrap();
    let (status, _) = server
        .post_json(
            &format!("/staff/cases/{}/rectification", unknown.compact()),
            Some(&ours),
            &answer,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list, _) = server.get_with("/staff/rectifications", Some(&ours)).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "only the poor rating: {list}"
    );

    // Overdue ones are red; answered ones come after the unanswered.
    let late = completed(&server, SERVICE).await;
    rated(&server, &late, 1, &[], None).await;
    let past = ymd(today_cst() - time::Duration::days(2));
    server
        .execute_sql(&format!(
            "UPDATE case_ratings SET rectification_due = '{past}' WHERE case_number = '{}'",
            late.acceptance_number
        ))
        .await;
    let (status, _) = server
        .post_json(
            &format!("/staff/cases/{}/rectification", late.acceptance_number),
            Some(&ours),
            &answer,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let late2 = completed(&server, SERVICE).await;
    rated(&server, &late2, 2, &[], None).await;
    server
        .execute_sql(&format!(
            "UPDATE case_ratings SET rectification_due = '{past}' WHERE case_number = '{}'",
            late2.acceptance_number
        ))
        .await;
    let (_, list, _) = server.get_with("/staff/rectifications", Some(&ours)).await;
    let order: Vec<(&str, bool, Option<&str>)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["acceptance_number"].as_str().unwrap(),
                r["rectification"]["answered"].as_bool().unwrap(),
                r["rectification"]["deadline"]["light"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            (late2.acceptance_number.as_str(), false, Some("red")),
            (poor.acceptance_number.as_str(), false, Some("green")),
            (late.acceptance_number.as_str(), true, None)
        ]
    );
}

/// POST a JSON body to an API path as the registered kiosk of `token` (its device cookie).
async fn as_kiosk(
    server: &TestServer,
    token: &str,
    path: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let req = server
        .http
        .post(server.url(&format!("/api/v1{path}")))
        .header("Content-Type", "application/json")
        .header("Cookie", format!("ow_kiosk={token}"))
        .body(body.to_string());
    let (status, value, _) = server.send(req).await;
    (status, value)
}

async fn visit_ratings_are_counted(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let (_, kiosk) = server.kiosk("一楼大厅 1 号机").await;
    for (level, tags) in [
        (5, json!(["one_visit"])),
        (4, json!([])),
        (1, json!(["slow", "slow"])),
    ] {
        let (status, visit) = as_kiosk(&server, &kiosk, "/kiosk/visits", &json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{visit}");
        let (status, value) = as_kiosk(
            &server,
            &kiosk,
            "/visit-ratings",
            &json!({"visit": visit["visit"], "level": level, "tags": tags}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{value}");
        assert!(value["rated_at"].as_str().unwrap().ends_with("+08:00"));
    }
    let (_, visit) = as_kiosk(&server, &kiosk, "/kiosk/visits", &json!({})).await;
    let visit = visit["visit"].as_str().unwrap();
    for (body, field) in [
        (json!({"visit": visit, "level": 0}), "level"),
        (json!({"visit": visit, "level": 9, "tags": []}), "level"),
        (
            json!({"visit": visit, "level": 3, "tags": ["nonsense"]}),
            "tags",
        ),
        (json!({"visit": visit, "tags": []}), "level"),
        (json!({"visit": visit, "level": null}), "level"),
    ] {
        let (status, value) = as_kiosk(&server, &kiosk, "/visit-ratings", &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {value}");
        assert_eq!(bad_fields(&value)[0].0, field, "{body}");
    }
    let (status, s) = stats(&server, "").await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["visits"]["counts"], json!([1, 0, 0, 1, 1]));
    assert_eq!(s["visits"]["total"], 3);
    let rate = s["visits"]["satisfaction_rate"].as_f64().unwrap();
    assert!((rate - 2.0 / 3.0).abs() < 1e-9, "{rate}");
    assert_eq!(s["overall"]["total"], 0, "visits are not case ratings");
    assert!(
        s["overall"].get("satisfaction_rate").is_none(),
        "no rate without ratings: {s}"
    );
}

async fn satisfaction_per_department_and_period(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    for (service, level) in [
        (SERVICE, 5),
        (SERVICE, 4),
        (SERVICE, 1),
        (OTHER_SERVICE, 3),
        (OTHER_SERVICE, 2),
    ] {
        let case = completed(&server, service).await;
        rated(&server, &case, level, &[], None).await;
    }
    // One rating of last month.
    let old = completed(&server, SERVICE).await;
    rated(&server, &old, 2, &[], None).await;
    let long_ago = today_cst() - time::Duration::days(40);
    server
        .execute_sql(&format!(
            "UPDATE case_ratings SET rated_day = '{}' WHERE case_number = '{}'",
            ymd(long_ago),
            old.acceptance_number
        ))
        .await;

    let (status, s) = stats(&server, "department=&from=&to=").await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert!(s.get("from").is_none() && s.get("to").is_none(), "{s}");
    let depts = s["departments"].as_array().unwrap();
    assert_eq!(depts.len(), 2, "every catalogue department, in order: {s}");
    assert_eq!(
        (depts[0]["department"].as_str(), depts[0]["name"].as_str()),
        (Some(DEPT), Some(DEPT_NAME))
    );
    assert_eq!(depts[0]["counts"], json!([1, 1, 0, 1, 1]));
    assert_eq!(depts[0]["total"], 4);
    assert_eq!(depts[0]["satisfaction_rate"], 0.5);
    assert_eq!(
        (depts[1]["department"].as_str(), depts[1]["name"].as_str()),
        (Some(OTHER_DEPT), Some(OTHER_DEPT_NAME))
    );
    assert_eq!(depts[1]["counts"], json!([0, 1, 1, 0, 0]));
    assert_eq!(depts[1]["satisfaction_rate"], 0.5);
    assert_eq!(s["overall"]["counts"], json!([1, 2, 1, 1, 1]));
    assert_eq!(s["overall"]["total"], 6);
    assert_eq!(s["overall"]["satisfaction_rate"], 0.5);
    for secret in ["13800138000", "张三丰", "张*丰", "440113"] {
        assert!(!s.to_string().contains(secret), "aggregates only: {s}");
    }

    // The period: today only, the day 40 days ago only, and a period with nothing.
    let today = ymd(today_cst());
    let (_, s) = stats(&server, &format!("from={today}&to={today}")).await;
    assert_eq!(
        (s["from"].as_str(), s["to"].as_str()),
        (Some(today.as_str()), Some(today.as_str()))
    );
    assert_eq!(s["overall"]["total"], 5);
    let (_, s) = stats(&server, &format!("to={}", ymd(long_ago))).await;
    assert_eq!(s["overall"]["counts"], json!([0, 1, 0, 0, 0]));
    let tomorrow = ymd(today_cst() + time::Duration::days(1));
    let (_, s) = stats(&server, &format!("from={tomorrow}")).await;
    assert_eq!(s["overall"]["total"], 0);

    // One department.
    let (_, s) = stats(&server, &format!("department={OTHER_DEPT}&from={today}")).await;
    let depts = s["departments"].as_array().unwrap();
    assert_eq!(depts.len(), 1);
    assert_eq!(depts[0]["department"], OTHER_DEPT);
    assert_eq!(s["overall"]["total"], 2, "the asked department's only");

    for (query, expected) in [
        ("from=2026-02-30".to_string(), vec![pair("from", "invalid")]),
        ("to=yesterday".to_string(), vec![pair("to", "invalid")]),
        (
            format!("from={tomorrow}&to={today}"),
            vec![pair("to", "before_from")],
        ),
        (
            "department=nosuch".to_string(),
            vec![pair("department", "unknown")],
        ),
    ] {
        let (status, value) = stats(&server, &query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {value}");
        assert_eq!(bad_fields(&value), expected, "{query}");
    }
}

async fn the_command_line_answers_rectifications(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let case = completed(&server, OTHER_SERVICE).await;
    rated(&server, &case, 2, &["too_many_materials"], None).await;
    let n = case.acceptance_number.as_str();

    let out = server.cli(&["rectification", "list"]).await;
    assert!(out.success, "{out:?}");
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with(n))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(
        line.contains(OTHER_DEPT) && line.contains("green") && line.contains(" no "),
        "{line}"
    );

    let out = server
        .cli(&[
            "rectification",
            "answer",
            n,
            "--explanation",
            " ",
            "--action-taken",
            "x",
        ])
        .await;
    assert!(
        !out.success && out.stderr.contains("--explanation"),
        "{out:?}"
    );
    let out = server
        .cli(&[
            "rectification",
            "answer",
            n,
            "--explanation",
            "属实",
            "--action-taken",
            "已精简材料清单",
        ])
        .await;
    assert!(out.success, "{out:?}");
    let out = server
        .cli(&[
            "rectification",
            "answer",
            n,
            "--explanation",
            "属实",
            "--action-taken",
            "再次",
        ])
        .await;
    assert!(
        !out.success && out.stderr.contains("answered already"),
        "{out:?}"
    );
    let out = server.cli(&["rectification", "list"]).await;
    let line = out.stdout.lines().find(|l| l.starts_with(n)).unwrap();
    assert!(line.contains(" yes "), "{line}");
    let shown = server
        .track(&case)
        .await
        .rating
        .unwrap()
        .rectification
        .unwrap();
    assert_eq!(shown.action_taken.as_deref(), Some("已精简材料清单"));
}

async fn the_rectification_deadline_is_configurable(backend: Backend) {
    let server = start_on!(backend, test_catalogue(), args: &["--rectification-days", "3"]);
    let case = completed(&server, SERVICE).await;
    let r = rated(&server, &case, 2, &[], None).await;
    assert_eq!(
        r.rectification.unwrap().due_date,
        ymd(add_working_days(today_cst(), 3))
    );
    let out = server
        .cli(&[
            "serve",
            "--rectification-days",
            "0",
            "--bind",
            "127.0.0.1:0",
        ])
        .await;
    assert!(
        !out.success && out.stderr.contains("rectification-days"),
        "{out:?}"
    );
}

async fn parallel_ratings_of_one_case_count_once(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let case = completed(&server, SERVICE).await;
    let mut tasks = Vec::new();
    for level in [1u8, 2, 3, 4, 5, 1, 2, 3] {
        let req = server
            .http
            .post(server.url(&format!("/api/v1/cases/{}/rating", case.acceptance_number)))
            .header("Content-Type", "application/json")
            .body(json!({"c": case.query_code, "level": level}).to_string());
        tasks.push(tokio::spawn(
            async move { req.send().await.unwrap().status() },
        ));
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
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let (_, s) = stats(&server, "").await;
    assert_eq!(s["overall"]["total"], 1);
}
