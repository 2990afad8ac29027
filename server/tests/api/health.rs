//! `/healthz` (the process is alive) and `/readyz` (the database answers and carries every
//! migration of this build), for a proxy's health checks.

use std::time::Duration;

use crate::support::{new_key, two_department_catalogue, Backend, Options, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

const SERVICE: &str = "TEST-STOP-001";

backend_tests!(
    ready_only_with_every_migration_applied,
    sigterm_finishes_what_is_in_flight_and_exits,
    healthz_says_how_far_the_holiday_calendar_reaches,
);

async fn ready_only_with_every_migration_applied(backend: Backend) {
    let server = or_skip!(TestServer::start_with(backend, Options { no_demo: true }));
    let (status, body) = server.get_json("/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ready");

    // A database a migration behind this build (as when an older node's database is
    // pointed at): not ready, said without a 500; still alive.
    server
        .execute_sql("DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)")
        .await;
    let (status, body) = server.get_json("/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["status"], "not ready");
    let (status, _) = server.get_json("/healthz").await;
    assert_eq!(status, StatusCode::OK);
}

mod postgres_only {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_nodes_starting_at_once_on_an_empty_database_both_come_up() {
        super::two_nodes_starting_at_once_on_an_empty_database_both_come_up().await;
    }
}

/// One imports the demo catalogue, the other waits and finds it: both answer, with the
/// same services.
async fn two_nodes_starting_at_once_on_an_empty_database_both_come_up() {
    let Some((a, b)) = TestServer::start_two_at_once(&[]).await else {
        return;
    };
    let (status, first) = a.get_json("/api/v1/services?per_page=100").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, second) = b.get_json("/api/v1/services?per_page=100").await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(first, second, "both nodes see one catalogue");
    assert!(first["total"].as_u64().unwrap_or(0) > 0, "{first}");
    assert_eq!(a.count("SELECT COUNT(*) FROM catalogue_meta").await, 1);
}

/// SIGTERM mid-load: the node stops taking connections, answers the requests it has, and
/// exits 0 well within its grace; every submission answered 201 is stored, and none is
/// stored that was not answered.
async fn sigterm_finishes_what_is_in_flight_and_exits(backend: Backend) {
    let catalogue = two_department_catalogue(
        "tsd_topic",
        [("tsd", "测试停机局"), ("tso", "测试另一局")],
        [(SERVICE, "测试停机事项"), ("TEST-STOP-002", "测试他局事项")],
    );
    let mut server = or_skip!(TestServer::start_with_catalogue(
        backend,
        &[],
        &[],
        &catalogue
    ));
    let body = json!({
        "service_code": SERVICE,
        "applicant": {"type": "individual", "name": "张三丰", "id_type": "resident_id", "id_number": "11010519491231002X", "mobile": "13800138000"},
        "answers": {},
        "materials": {}
    })
    .to_string();
    let tasks: Vec<_> = (0..60u64)
        .map(|i| {
            let http = server.http.clone();
            let url = server.url("/api/v1/applications");
            let body = body.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(i * 5)).await;
                let resp = http
                    .post(url)
                    .header("Idempotency-Key", new_key("stop"))
                    .header("Content-Type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .ok()?;
                if resp.status() != StatusCode::CREATED {
                    return None;
                }
                let created: Value = resp.json().await.ok()?;
                created["acceptance_number"].as_str().map(str::to_string)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(120)).await;
    let exited = server.terminate(Duration::from_secs(35)).await;
    let status = exited.expect("the node exits within its grace after SIGTERM");
    assert!(status.success(), "a clean exit after SIGTERM: {status:?}");
    let mut answered = Vec::new();
    for t in tasks {
        if let Some(number) = t.await.unwrap() {
            answered.push(number);
        }
    }
    assert!(
        !answered.is_empty(),
        "some submissions were answered before the stop"
    );
    let stored = server
        .query_texts("SELECT acceptance_number FROM cases")
        .await;
    let stored: Vec<String> = stored.into_iter().flatten().collect();
    for number in &answered {
        assert!(
            stored.contains(number),
            "{number} was answered 201 but is not stored"
        );
    }
    assert_eq!(
        stored.len(),
        answered.len(),
        "every stored case was answered: stored {stored:?}, answered {answered:?}"
    );
}

/// `/healthz` says the last day the holiday calendar covers and warns from 60 days before
/// it runs out; importing next year's arrangement clears the warning at once. (Relative to
/// today, so it holds whatever the date.)
async fn healthz_says_how_far_the_holiday_calendar_reaches(backend: Backend) {
    let server = or_skip!(TestServer::start_with(backend, Options { no_demo: true }));
    let (status, body) = server.get_json("/healthz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["calendar"]["covers_until"].is_null(), "{body}");
    assert!(
        body["calendar"]["warning"]
            .as_str()
            .unwrap_or("")
            .contains("no holiday calendar"),
        "{body}"
    );

    let today = crate::support::today_cst();
    let year = today.year();
    let calendar = |years: &[i32]| {
        let holidays: Vec<String> = years.iter().map(|y| format!("{y}-10-01")).collect();
        json!({"calendar": {"holidays": holidays, "workdays": []}}).to_string()
    };
    let file = server.write_scratch("calendar-this-year.json", &calendar(&[year]));
    let out = server.import(&[file]).await;
    assert!(out.success, "{out:?}");
    let (_, body) = server.get_json("/healthz").await;
    let end = time::Date::from_calendar_date(year, time::Month::December, 31).unwrap();
    assert_eq!(
        body["calendar"]["covers_until"],
        format!("{year}-12-31"),
        "{body}"
    );
    let near = (end - today).whole_days() <= 60;
    let warning = body["calendar"]["warning"].as_str();
    assert_eq!(warning.is_some(), near, "{body}");
    if let Some(w) = warning {
        assert!(
            w.contains(&format!("{year}-12-31")) && w.contains(&(year + 1).to_string()),
            "{w}"
        );
    }

    let file = server.write_scratch("calendar-next-year.json", &calendar(&[year, year + 1]));
    let out = server.import(&[file]).await;
    assert!(out.success, "{out:?}");
    let (_, body) = server.get_json("/healthz").await;
    assert_eq!(
        body["calendar"]["covers_until"],
        format!("{}-12-31", year + 1),
        "{body}"
    );
    assert!(
        body["calendar"]["warning"].is_null(),
        "next year's arrangement clears it: {body}"
    );
}
