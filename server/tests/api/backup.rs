//! `server backup FILE` and `server restore FILE`: on SQLite a consistent copy taken while
//! the node serves, put back while it does not (and refused while it does, over an existing
//! FILE, and from a file that is not a OneWindow database of this build); on PostgreSQL both
//! say which PostgreSQL tool to use.

use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::{Connection, Executor};

use crate::support::{new_key, two_department_catalogue, Backend, ImportOutcome, TestServer};
use reqwest::StatusCode;
use serde_json::json;

const SERVICE: &str = "TEST-BACK-001";

mod sqlite_only {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_backup_taken_while_serving_restores_what_it_held() {
        super::a_backup_taken_while_serving_restores_what_it_held().await;
    }
}

mod postgres_only {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn backup_and_restore_name_the_postgresql_tools() {
        super::backup_and_restore_name_the_postgresql_tools().await;
    }
}

async fn start(backend: Backend) -> Option<TestServer> {
    let catalogue = two_department_catalogue(
        "back",
        [("ba", "甲局"), ("bb", "乙局")],
        [(SERVICE, "备份测试事项"), ("TEST-BACK-002", "另一事项")],
    );
    TestServer::start_with_catalogue(backend, &[], &[], &catalogue).await
}

/// Submits an application with one uploaded photo: (number, code).
async fn submit_with_upload(server: &TestServer, marker: &str) -> (String, String) {
    let upload = server.upload_pdf(marker).await;
    let body = json!({
        "service_code": SERVICE,
        "applicant": {"type": "individual", "name": "张三丰", "id_type": "resident_id", "id_number": "11010519491231002X", "mobile": "13800138000"},
        "answers": {},
        "materials": {"photo": [upload]}
    });
    let req = server
        .http
        .post(server.url("/api/v1/applications"))
        .header("Idempotency-Key", new_key("backup"))
        .header("Content-Type", "application/json")
        .body(body.to_string());
    let (status, value, _) = server.send(req).await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    (
        value["acceptance_number"].as_str().unwrap().to_string(),
        value["query_code"].as_str().unwrap().to_string(),
    )
}

async fn case_status(server: &TestServer, number: &str, code: &str) -> StatusCode {
    server
        .get(&format!("/api/v1/cases/{number}?c={code}"))
        .await
        .status()
}

/// The N of `(N cases` in what `backup` and `restore` print.
fn cases_in(printed: &str) -> i64 {
    printed
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(" cases"))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("no case count in {printed:?}"))
}

/// The command failed, saying something that contains every one of `words`.
fn refused(out: &ImportOutcome, words: &[&str]) {
    assert!(!out.success, "expected a refusal: {out:?}");
    assert!(
        !out.stderr.contains("panicked"),
        "a refusal, not a panic: {out:?}"
    );
    for w in words {
        assert!(out.stderr.contains(w), "the message names {w:?}: {out:?}");
    }
}

async fn a_backup_taken_while_serving_restores_what_it_held() {
    let mut server = or_skip!(start(Backend::Sqlite));
    let (first, first_code) = submit_with_upload(&server, "first").await;

    let file = server.scratch.path().join("onewindow-backup.db");
    let file_arg = file.to_str().unwrap();
    let out = server.cli(&["backup", file_arg]).await;
    assert!(out.success, "{out:?}");
    assert!(out.stdout.contains("1 cases"), "{out:?}");

    // An existing FILE is replaced only when asked.
    let out = server.cli(&["backup", file_arg]).await;
    refused(&out, &[file_arg, "--force"]);
    // Replaced, while another client keeps submitting: the copy is one consistent moment.
    let stop = Arc::new(AtomicBool::new(false));
    let submitted = Arc::new(AtomicUsize::new(0));
    let writer = tokio::spawn({
        let (http, url) = (server.http.clone(), server.url("/api/v1/applications"));
        let (stop, submitted) = (stop.clone(), submitted.clone());
        async move {
            while !stop.load(Ordering::SeqCst) {
                let body = json!({
                    "service_code": SERVICE,
                    "applicant": {"type": "individual", "name": "李四", "id_type": "resident_id", "id_number": "11010519491231002X", "mobile": "13800138000"},
                    "answers": {},
                    "materials": {}
                });
                let resp = http
                    .post(&url)
                    .header("Idempotency-Key", new_key("load"))
                    .header("Content-Type", "application/json")
                    .body(body.to_string())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), StatusCode::CREATED);
                submitted.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    while submitted.load(Ordering::SeqCst) < 3 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let out = server.cli(&["backup", file_arg, "--force"]).await;
    let during = submitted.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    assert!(out.success, "{out:?}");
    let backed_up = cases_in(&out.stdout);
    assert!(
        backed_up >= 4 && backed_up <= 1 + during as i64 + 1,
        "the first case and those submitted by then ({during}): {out:?}"
    );

    let (second, second_code) = submit_with_upload(&server, "second").await;

    // Not while the node serves from this data directory: nothing is replaced.
    let out = server.cli(&["restore", file_arg]).await;
    refused(&out, &["onewindow.lock", "stop"]);
    assert_eq!(
        case_status(&server, &second, &second_code).await,
        StatusCode::OK
    );

    let status = server.terminate(Duration::from_secs(30)).await;
    assert!(status.is_some_and(|s| s.success()), "{status:?}");

    // Files that are not a OneWindow database of this build, each named.
    let text = server.write_scratch("notes.txt", "not a database\n");
    let out = server.cli(&["restore", text.to_str().unwrap()]).await;
    refused(&out, &["notes.txt"]);
    let missing = server.scratch.path().join("missing.db");
    let out = server.cli(&["restore", missing.to_str().unwrap()]).await;
    refused(&out, &["missing.db"]);
    let newer = server.scratch.path().join("newer.db");
    std::fs::copy(&file, &newer).unwrap();
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", newer.display()))
        .await
        .unwrap();
    conn.execute(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (9999, 'from the future', TRUE, x'00', 0)",
    )
    .await
    .unwrap();
    conn.close().await.unwrap();
    let out = server.cli(&["restore", newer.to_str().unwrap()]).await;
    refused(&out, &["newer.db", "9999"]);
    let foreign = server.scratch.path().join("foreign.db");
    let mut conn =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", foreign.display()))
            .await
            .unwrap();
    conn.execute("CREATE TABLE notes (body TEXT)")
        .await
        .unwrap();
    conn.close().await.unwrap();
    let out = server.cli(&["restore", foreign.to_str().unwrap()]).await;
    refused(&out, &["foreign.db", "not a OneWindow database"]);

    // The backup is its owner's only; the restored database keeps the old one's mode.
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600);
    let database = server.data_dir().join("onewindow.db");
    std::fs::set_permissions(&database, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = server.cli(&["restore", file_arg]).await;
    assert!(out.success, "{out:?}");
    assert_eq!(cases_in(&out.stdout), backed_up, "{out:?}");
    assert_eq!(mode(&database), 0o640);
    for stale in ["onewindow.db-wal", "onewindow.db-shm"] {
        assert!(!server.data_dir().join(stale).exists(), "{stale} is left");
    }

    server.restart(&["--no-demo"], &[]).await;
    assert_eq!(server.count("SELECT COUNT(*) FROM cases").await, backed_up);
    assert_eq!(
        case_status(&server, &first, &first_code).await,
        StatusCode::OK
    );
    assert_eq!(
        case_status(&server, &second, &second_code).await,
        StatusCode::NOT_FOUND,
        "the case submitted after the backup is not in it"
    );
    assert_eq!(
        server
            .count(&format!(
                "SELECT COUNT(*) FROM uploads WHERE case_number = '{first}'"
            ))
            .await,
        1,
        "the first case's upload record came back with it"
    );
    // The restored node takes new cases (the day's series goes on from the backup's).
    let (third, third_code) = submit_with_upload(&server, "third").await;
    assert_ne!(third, first);
    assert_eq!(
        case_status(&server, &third, &third_code).await,
        StatusCode::OK
    );
}

async fn backup_and_restore_name_the_postgresql_tools() {
    let server = or_skip!(start(Backend::Postgres));
    let file = server.scratch.path().join("pg-backup.db");
    let out = server.cli(&["backup", file.to_str().unwrap()]).await;
    refused(&out, &["pg_dump"]);
    assert!(!file.exists(), "nothing is written");
    let out = server.cli(&["restore", file.to_str().unwrap()]).await;
    refused(&out, &["pg_restore", "psql"]);
}
