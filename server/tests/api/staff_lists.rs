//! The staff API's lists over the real `server` binary, on SQLite and PostgreSQL: every
//! list pages (`?page=&per_page=`, bounded, with the total), the complaints office's token
//! has no cases, and staff actions at once never wait on each other's connections.

use crate::support::{
    bad_fields, pair, today_cst, two_department_catalogue, ymd, Backend, TestServer,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

backend_tests!(
    worker_threads = 4;
    every_staff_list_pages_within_bounds,
    the_complaints_office_has_no_cases,
    concurrent_staff_actions_all_succeed,
);

const SERVICE: &str = "TEST-LIST-001";
const DEPT: &str = "tls";

fn test_catalogue() -> Value {
    two_department_catalogue(
        "tls_topic",
        [(DEPT, "测试列表局"), ("tlo", "测试另一局")],
        [(SERVICE, "测试列表事项"), ("TEST-LIST-002", "测试他局事项")],
    )
}

const LISTS: [(&str, &str); 3] = [
    ("/staff/complaints", "items"),
    ("/staff/overdue", "cases"),
    ("/staff/rectifications", "items"),
];

/// Three of each list's items for `DEPT`: complaints about its department, red cases, poor
/// ratings that opened a rectification.
async fn three_of_each(server: &TestServer) {
    for i in 0..3 {
        let body = json!({
            "subject": {"type": "department", "ref": DEPT},
            "category": "delay",
            "description": format!("第{i}件投诉"),
            "anonymous": true
        });
        let (status, value) = server.post_json("/complaints", None, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{value}");

        let late = server.submit_application(SERVICE).await;
        server.case_cli(&late.acceptance_number, &["accept"]).await;
        let past = ymd(today_cst() - time::Duration::days(10));
        server
            .execute_sql(&format!(
                "UPDATE cases SET due_date = '{past}' WHERE acceptance_number = '{}'",
                late.acceptance_number
            ))
            .await;

        let poor = server.submit_application(SERVICE).await;
        server.complete_case(&poor.acceptance_number).await;
        let (status, value) = server
            .post_json(
                &format!("/cases/{}/rating", poor.acceptance_number),
                None,
                &json!({"c": poor.query_code, "level": 1, "tags": ["slow"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{value}");
    }
}

async fn every_staff_list_pages_within_bounds(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    three_of_each(&server).await;
    let staff = server.staff_token("李科员", DEPT).await;
    for (path, items) in LISTS {
        let get = |query: String| {
            let server = &server;
            let staff = &staff;
            async move {
                let (status, value, _) = server
                    .get_with(&format!("{path}{query}"), Some(staff))
                    .await;
                (status, value)
            }
        };
        let (status, all) = get(String::new()).await;
        assert_eq!(status, StatusCode::OK, "{path}: {all}");
        assert_eq!(
            (
                all["total"].as_u64(),
                all["page"].as_u64(),
                all["per_page"].as_u64()
            ),
            (Some(3), Some(1), Some(50)),
            "{path}: {all}"
        );
        let all = all[items].as_array().unwrap().clone();
        assert_eq!(all.len(), 3, "{path}");
        let (_, first) = get("?per_page=2".into()).await;
        assert_eq!(first[items].as_array().unwrap()[..], all[..2], "{path}");
        assert_eq!(
            (first["total"].as_u64(), first["per_page"].as_u64()),
            (Some(3), Some(2))
        );
        let (_, second) = get("?page=2&per_page=2".into()).await;
        assert_eq!(second[items].as_array().unwrap()[..], all[2..], "{path}");
        assert_eq!(
            (second["total"].as_u64(), second["page"].as_u64()),
            (Some(3), Some(2))
        );
        let (status, beyond) = get("?page=5&per_page=100".into()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            beyond[items].as_array().unwrap().is_empty() && beyond["total"] == 3,
            "{path}: {beyond}"
        );
        for (query, field, code) in [
            ("?page=0", "page", "out_of_range"),
            ("?page=-1", "page", "out_of_range"),
            ("?page=x", "page", "invalid"),
            ("?page=", "page", "invalid"),
            ("?page=100001", "page", "out_of_range"),
            ("?per_page=0", "per_page", "out_of_range"),
            ("?per_page=101", "per_page", "out_of_range"),
            ("?per_page=1.5", "per_page", "invalid"),
        ] {
            let (status, value) = get(query.into()).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}{query}: {value}");
            assert_eq!(bad_fields(&value), [pair(field, code)], "{path}{query}");
        }
        let (status, value) = get("?page=0&per_page=1000".into()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            bad_fields(&value),
            [
                pair("page", "out_of_range"),
                pair("per_page", "out_of_range")
            ],
            "{path}"
        );
    }
    // The command line pages the same way.
    let out = server.cli(&["complaint", "list", "--per-page", "2"]).await;
    assert!(out.success, "{out:?}");
    assert_eq!(out.stdout.lines().count(), 1 + 2, "{}", out.stdout);
    assert!(out.stderr.contains("3 in all"), "{}", out.stderr);
    let out = server
        .cli(&["rectification", "list", "--page", "2", "--per-page", "2"])
        .await;
    assert!(out.success, "{out:?}");
    assert_eq!(out.stdout.lines().count(), 1 + 1, "{}", out.stdout);
    let out = server
        .cli(&["complaint", "list", "--per-page", "101"])
        .await;
    assert!(!out.success && out.stderr.contains("per-page"), "{out:?}");
}

async fn the_complaints_office_has_no_cases(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let office = server.office_token("王主任").await;
    let case = server.submit_application(SERVICE).await;
    let number = &case.acceptance_number;
    for path in [
        "/staff/overdue".to_string(),
        "/staff/rectifications".to_string(),
        format!("/staff/cases/{number}"),
    ] {
        let (status, value, _) = server.get_with(&path, Some(&office)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {value}");
    }
    let (status, value) = server
        .post_json(
            &format!("/staff/cases/{number}/actions"),
            Some(&office),
            &json!({"action": "accept"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{value}");
    let list = server.cli(&["staff-token", "list"]).await;
    assert!(
        list.success && list.stdout.contains("(complaints office)"),
        "{list:?}"
    );
    let out = server
        .cli(&[
            "staff-token",
            "create",
            "x",
            "--complaints-office",
            "--department",
            DEPT,
        ])
        .await;
    assert!(
        !out.success,
        "a token is of a department or of the office: {out:?}"
    );
    let out = server.cli(&["staff-token", "create", "x"]).await;
    assert!(!out.success, "one of them is required: {out:?}");
}

/// 32 staff actions at once, on 32 cases: each transaction holds a connection, so none may
/// wait for a second one (the pool has fewer than 32).
async fn concurrent_staff_actions_all_succeed(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let staff = server.staff_token("李科员", DEPT).await;
    let mut numbers = Vec::new();
    for _ in 0..32 {
        numbers.push(server.submit_application(SERVICE).await.acceptance_number);
    }
    let mut tasks = Vec::new();
    for number in &numbers {
        let (url, http, staff) = (
            server.url(&format!("/api/v1/staff/cases/{number}/actions")),
            server.http.clone(),
            staff.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let res = http
                .post(url)
                .bearer_auth(staff)
                .header("Content-Type", "application/json")
                .body(json!({"action": "accept"}).to_string())
                .timeout(std::time::Duration::from_secs(60))
                .send()
                .await
                .unwrap();
            (res.status(), res.text().await.unwrap())
        }));
    }
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["status"], "accepted", "{v}");
    }
}
