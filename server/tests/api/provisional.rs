//! Promised dates past the holiday calendar are provisional: a working-day count that ends
//! after the calendar's last day took every weekday for a working day. The receipt, the
//! applicant's case and what staff see say so; importing that year's arrangement clears it
//! (the flag is read at each request, the date itself stays as given). Relative to today, so
//! it holds whatever the date.

use crate::support::{today_cst, two_department_catalogue, ymd, Backend, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

const WORKING: &str = "TEST-PROV-001";
const NATURAL: &str = "TEST-PROV-002";

backend_tests!(a_date_past_the_calendar_is_provisional_until_its_year_is_imported,);

/// A calendar file listing one holiday in each of `years` (a year's arrangement is read as
/// covering the whole year).
fn calendar(years: &[i32]) -> String {
    let holidays: Vec<String> = years.iter().map(|y| format!("{y}-10-01")).collect();
    json!({"calendar": {"holidays": holidays, "workdays": []}}).to_string()
}

/// Every provisional flag of case `number` the API answers: receipt, the applicant's view,
/// the staff view (promised and due) and the supervision list (when it lists the case).
async fn flags(server: &TestServer, number: &str, code: &str, token: &str) -> Vec<(String, Value)> {
    let mut seen = Vec::new();
    let (status, receipt) = server
        .get_json(&format!("/api/v1/applications/{number}?c={code}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    seen.push((
        "receipt".to_string(),
        receipt["promised_date_provisional"].clone(),
    ));
    let (status, view) = server
        .get_json(&format!("/api/v1/cases/{number}?c={code}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    seen.push(("case".into(), view["promised_date_provisional"].clone()));
    let (status, staff, _) = server
        .get_with(&format!("/staff/cases/{number}"), Some(token))
        .await;
    if status == StatusCode::OK {
        seen.push((
            "staff promised".into(),
            staff["promised_date_provisional"].clone(),
        ));
        if !staff["deadline"].is_null() {
            seen.push(("staff due".into(), staff["due_date_provisional"].clone()));
        }
    }
    let (status, overdue, _) = server.get_with("/staff/overdue", Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{overdue}");
    for c in overdue["cases"].as_array().unwrap() {
        if c["acceptance_number"] == number {
            seen.push(("overdue".into(), c["due_date_provisional"].clone()));
        }
    }
    seen
}

async fn a_date_past_the_calendar_is_provisional_until_its_year_is_imported(backend: Backend) {
    let mut catalogue = two_department_catalogue(
        "prov",
        [("pa", "甲局"), ("pb", "乙局")],
        [(WORKING, "工作日事项"), (NATURAL, "自然日事项")],
    );
    catalogue["services"][1]["promised_limit"] = json!({"value": 5, "unit": "natural_days"});
    let server = or_skip!(TestServer::start_with_catalogue(
        backend,
        &[],
        &[],
        &catalogue
    ));
    let token = server.staff_token("王窗口", "pa").await;
    let other = server.staff_token("李窗口", "pb").await;

    // The calendar ends with last year: every date counted from today lies past it.
    let today = today_cst();
    let file = server.write_scratch("calendar-last-year.json", &calendar(&[today.year() - 1]));
    let out = server.import(&[file]).await;
    assert!(out.success, "{out:?}");

    let working = server.submit_application(WORKING).await;
    let natural = server.submit_application(NATURAL).await;
    let (w, n) = (&working.acceptance_number, &natural.acceptance_number);

    let before = flags(&server, w, &working.query_code, &token).await;
    assert_eq!(before.len(), 3, "receipt, case, staff: {before:?}");
    for (what, flag) in &before {
        assert_eq!(
            flag,
            &json!(true),
            "{what} of the working-day case: {before:?}"
        );
    }
    // A natural-day count does not depend on the calendar.
    for (what, flag) in flags(&server, n, &natural.query_code, &other).await {
        assert_eq!(flag, json!(false), "{what} of the natural-day case");
    }

    // Accepted: the due date (counted from today) is provisional too, in the staff view and,
    // once it is due today, on the supervision list.
    server.case_cli(w, &["accept"]).await;
    server
        .execute_sql(&format!(
            "UPDATE cases SET due_date = '{}' WHERE acceptance_number = '{w}'",
            ymd(today)
        ))
        .await;
    let accepted = flags(&server, w, &working.query_code, &token).await;
    let names: Vec<&str> = accepted.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["receipt", "case", "staff promised", "staff due", "overdue"],
        "{accepted:?}"
    );
    for (what, flag) in &accepted {
        assert_eq!(flag, &json!(true), "{what} once accepted: {accepted:?}");
    }

    // The arrangement of every year up to the promised date is imported: nothing is
    // provisional any more, and no date has moved.
    let (_, receipt_before) = server
        .get_json(&format!(
            "/api/v1/applications/{w}?c={}",
            working.query_code
        ))
        .await;
    let promised = receipt_before["promised_date"]
        .as_str()
        .unwrap()
        .to_string();
    let last_year: i32 = promised[..4].parse().unwrap();
    let years: Vec<i32> = (today.year() - 1..=last_year.max(today.year())).collect();
    let file = server.write_scratch("calendar-through.json", &calendar(&years));
    let out = server.import(&[file]).await;
    assert!(out.success, "{out:?}");
    let after = flags(&server, w, &working.query_code, &token).await;
    assert_eq!(after.len(), 5, "{after:?}");
    for (what, flag) in &after {
        assert_eq!(flag, &json!(false), "{what} after the import: {after:?}");
    }
    let (_, receipt_after) = server
        .get_json(&format!(
            "/api/v1/applications/{w}?c={}",
            working.query_code
        ))
        .await;
    assert_eq!(receipt_after["promised_date"], promised.as_str());
}
