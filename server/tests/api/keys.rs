//! Keys, codes and numbers, as an attacker would try them, over the real `server` binary on
//! SQLite and PostgreSQL: an `Idempotency-Key` names one request (another body under it is
//! 422 and creates nothing; the same body gets the same number and code, also in parallel),
//! query codes are random and the database holds neither them nor the keys, a retry's answer
//! is forgotten after a day (409), complaint filing is limited per address (429), and a full
//! day's series is 503 rather than 500.

use crate::support::{
    assert_error_shape, new_key, test_service, today_cst, ymd, Backend, TestServer,
};
use api_client::checks::normalise_query_code;
use api_client::{ApplicationCreated, ComplaintCreated};
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;
use serde_json::{json, Value};

backend_tests!(
    worker_threads = 4;
    a_key_with_another_body_is_422_and_creates_nothing,
    the_same_key_and_body_get_the_same_number_and_code,
    parallel_requests_under_one_key_make_one_case,
    two_keys_get_unrelated_codes,
    the_database_holds_neither_codes_nor_keys,
    a_retry_after_a_day_is_409,
    a_complaint_key_with_another_body_is_422,
    complaint_filing_is_limited_per_address,
    a_full_series_is_503_for_cases_and_complaints,
    a_database_from_before_upgrades,
);

const SERVICE: &str = "TEST-KEYS-001";

fn catalogue() -> Value {
    json!({
        "departments": [{"code": "tky", "name": "测试钥匙局", "phone": "020-12345678"}],
        "topics": [{"code": "tky_topic", "name": "测试主题", "audience": "individual"}],
        "services": [test_service(SERVICE, "测试钥匙事项", "tky", "tky_topic")],
    })
}

fn application(name: &str) -> Value {
    json!({
        "service_code": SERVICE,
        "applicant": {"type": "individual", "name": name, "id_type": "resident_id", "id_number": "11010519491231002X", "mobile": "13800138000"},
        "answers": {},
        "materials": {}
    })
}

fn complaint(description: &str) -> Value {
    json!({
        "subject": {"type": "channel", "ref": "portal"},
        "category": "delay",
        "description": description,
        "anonymous": true
    })
}

/// POSTs `body` to `path` under `key`, from `forwarded_for` when given: status, `Retry-After`,
/// JSON answer.
async fn post(
    server: &TestServer,
    path: &str,
    key: &str,
    body: &Value,
    forwarded_for: Option<&str>,
) -> (StatusCode, Option<String>, Value) {
    let mut req = server
        .http
        .post(server.url(&format!("/api/v1{path}")))
        .header("Idempotency-Key", key)
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string());
    if let Some(addr) = forwarded_for {
        req = req.header("X-Forwarded-For", addr);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let retry = resp
        .headers()
        .get(RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_string());
    let text = resp.text().await.unwrap();
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text:.300}"));
    (status, retry, value)
}

async fn submit(server: &TestServer, key: &str, body: &Value) -> (StatusCode, Value) {
    let (status, _, value) = post(server, "/applications", key, body, None).await;
    (status, value)
}

async fn created(server: &TestServer, key: &str, body: &Value) -> ApplicationCreated {
    let (status, value) = submit(server, key, body).await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    serde_json::from_value(value).unwrap()
}

async fn filed(server: &TestServer, key: &str, body: &Value) -> ComplaintCreated {
    let (status, _, value) = post(server, "/complaints", key, body, None).await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    serde_json::from_value(value).unwrap()
}

fn seq(number: &str) -> u32 {
    number[12..17].parse().unwrap()
}

async fn count(server: &TestServer, table: &str) -> usize {
    server
        .query_texts(&format!("SELECT CAST(COUNT(*) AS TEXT) FROM {table}"))
        .await[0]
        .as_deref()
        .unwrap()
        .parse()
        .unwrap()
}

/// The case opens with its code (the lookup answers 200).
async fn opens(server: &TestServer, number: &str, code: &str) -> bool {
    let (status, _, _) = server
        .get_with(&format!("/cases/{number}?c={code}"), None)
        .await;
    status == StatusCode::OK
}

// ---------------------------------------------------------------------------------------

async fn a_key_with_another_body_is_422_and_creates_nothing(backend: Backend) {
    let server = start_on!(backend, catalogue());
    let k = new_key("reuse");
    let first = created(&server, &k, &application("张三丰")).await;

    // The key of someone else's application with my details: refused, not their code.
    let (status, value) = submit(&server, &k, &application("李四光")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{value}");
    assert_error_shape(&value, "idempotency_key_reused");
    let text = value.to_string();
    assert!(!text.contains(&first.acceptance_number), "{text}");
    assert!(!text.contains(&first.query_code), "{text}");
    assert!(
        value["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key"),
        "{value}"
    );
    assert_eq!(count(&server, "cases").await, 1, "nothing was created");

    // The same body with a field in another order and other spacing is the same request.
    let reordered = r#"{"materials":{},"answers":{},
        "applicant":{"mobile":"13800138000","id_number":"11010519491231002X","id_type":"resident_id","name":"张三丰","type":"individual"},
        "service_code":"TEST-KEYS-001"}"#;
    let resp = server
        .http
        .post(server.url("/api/v1/applications"))
        .header("Idempotency-Key", &k)
        .header(CONTENT_TYPE, "application/json")
        .body(reordered)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let again: ApplicationCreated = resp.json().await.unwrap();
    assert_eq!(again, first);

    // The next new key gets the next number: no number was spent on the refusal.
    let next = created(&server, &new_key("reuse"), &application("李四光")).await;
    assert_eq!(
        seq(&next.acceptance_number),
        seq(&first.acceptance_number) + 1
    );
}

async fn the_same_key_and_body_get_the_same_number_and_code(backend: Backend) {
    let server = start_on!(backend, catalogue());
    let k = new_key("same");
    let body = application("张三丰");
    let first = created(&server, &k, &body).await;
    // The answer was lost: the retry gets it whole again, and its code opens the case.
    let retry = created(&server, &k, &body).await;
    assert_eq!(retry, first);
    assert!(opens(&server, &retry.acceptance_number, &retry.query_code).await);
    assert!(retry
        .tracking_url
        .ends_with(&format!("?c={}", first.query_code)));
    assert_eq!(count(&server, "cases").await, 1);

    // The same key names an application and a complaint independently.
    let c = filed(&server, &k, &complaint("页面打不开。")).await;
    assert_ne!(c.complaint_number, first.acceptance_number);
    assert_eq!(filed(&server, &k, &complaint("页面打不开。")).await, c);
    let (status, _, _) = server
        .get_with(
            &format!("/complaints/{}?c={}", c.complaint_number, c.query_code),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn parallel_requests_under_one_key_make_one_case(backend: Backend) {
    let server = start_on!(backend, catalogue());
    let spawn_all = |key: String, bodies: Vec<Value>| {
        bodies
            .into_iter()
            .map(|body| {
                let (http, url, key) = (
                    server.http.clone(),
                    server.url("/api/v1/applications"),
                    key.clone(),
                );
                tokio::spawn(async move {
                    let resp = http
                        .post(url)
                        .header("Idempotency-Key", key)
                        .header(CONTENT_TYPE, "application/json")
                        .body(body.to_string())
                        .send()
                        .await
                        .unwrap();
                    (body, resp.status(), resp.json::<Value>().await.unwrap())
                })
            })
            .collect::<Vec<_>>()
    };

    // 8 at once, one key, one body: one case, 8 equal answers.
    let mut answers = Vec::new();
    for t in spawn_all(new_key("par"), vec![application("张三丰"); 8]) {
        let (_, status, value) = t.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{value}");
        answers.push(value);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    assert_eq!(count(&server, "cases").await, 1);
    let code = answers[0]["query_code"].as_str().unwrap();
    assert!(
        opens(
            &server,
            answers[0]["acceptance_number"].as_str().unwrap(),
            code
        )
        .await
    );

    // 8 at once, one key, two bodies: one body wins, every request with the other gets 422.
    let mut bodies = Vec::new();
    for _ in 0..4 {
        bodies.push(application("李四光"));
        bodies.push(application("王五常"));
    }
    let mut winners = Vec::new();
    let mut refused = Vec::new();
    for t in spawn_all(new_key("par"), bodies) {
        let (body, status, value) = t.await.unwrap();
        match status {
            StatusCode::CREATED => winners.push((body, value)),
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_error_shape(&value, "idempotency_key_reused");
                refused.push(body);
            }
            other => panic!("{other}: {value}"),
        }
    }
    assert!(!winners.is_empty());
    let winning = &winners[0].0;
    assert!(winners
        .iter()
        .all(|(b, v)| b == winning && *v == winners[0].1));
    assert!(refused.iter().all(|b| b != winning));
    assert_eq!(winners.len() + refused.len(), 8);
    assert_eq!(
        winners.len(),
        4,
        "every request with the winning body gets the case"
    );
    assert_eq!(count(&server, "cases").await, 2);
}

async fn two_keys_get_unrelated_codes(backend: Backend) {
    let server = start_on!(backend, catalogue());
    let body = application("张三丰");
    let mut codes = Vec::new();
    let mut cases = Vec::new();
    for _ in 0..6 {
        let case = created(&server, &new_key("two"), &body).await;
        assert_eq!(
            normalise_query_code(&case.query_code).as_deref(),
            Some(case.query_code.as_str())
        );
        codes.push(case.query_code.clone());
        cases.push(case);
    }
    let distinct: std::collections::BTreeSet<_> = codes.iter().collect();
    assert_eq!(distinct.len(), codes.len(), "{codes:?}");
    // Each code opens its own case and no other.
    assert!(opens(&server, &cases[0].acceptance_number, &cases[0].query_code).await);
    assert!(!opens(&server, &cases[0].acceptance_number, &cases[1].query_code).await);

    // Keys that differ in one character give codes that share nothing systematic: over
    // several pairs, the codes do not agree position by position more than chance allows.
    let mut same_positions = 0;
    for i in 0..4 {
        let k = format!("{}-{i}", new_key("near"));
        let a = created(&server, &format!("{k}a"), &body).await.query_code;
        let b = created(&server, &format!("{k}b"), &body).await.query_code;
        same_positions += a.chars().zip(b.chars()).filter(|(x, y)| x == y).count();
    }
    assert!(
        same_positions <= 6,
        "{same_positions} of 24 positions agree"
    );
}

/// Everything stored of `table`'s rows, as text: on SQLite the database files' bytes
/// (free pages and the WAL included), on PostgreSQL every row as JSON.
async fn stored_text(server: &TestServer, table: &str) -> String {
    match server.backend {
        Backend::Sqlite => {
            let mut all = Vec::new();
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let path = server.data_dir().join(format!("onewindow.db{suffix}"));
                if let Ok(bytes) = std::fs::read(&path) {
                    all.extend(bytes);
                }
            }
            String::from_utf8_lossy(&all).into_owned()
        }
        Backend::Postgres => server
            .query_texts(&format!("SELECT row_to_json(t)::text FROM {table} t"))
            .await
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

async fn the_database_holds_neither_codes_nor_keys(backend: Backend) {
    let server = start_on!(backend, catalogue());
    let case_key = new_key("secret-case");
    let complaint_key = new_key("secret-complaint");
    let case = created(&server, &case_key, &application("张三丰")).await;
    let c = filed(&server, &complaint_key, &complaint("页面打不开。")).await;
    // A retry still gets its code back from what is stored.
    assert_eq!(
        created(&server, &case_key, &application("张三丰")).await,
        case
    );

    for (table, key, code, marker) in [
        ("cases", &case_key, &case.query_code, "张*丰"),
        ("complaints", &complaint_key, &c.query_code, "页面打不开"),
    ] {
        let stored = stored_text(&server, table).await;
        assert!(stored.contains(marker), "the {table} rows were read");
        assert!(!stored.contains(key.as_str()), "{table}: the key in plain");
        assert!(
            !stored.contains(code.as_str()),
            "{table}: the code in plain"
        );
        let hashes = server
            .query_texts(&format!("SELECT idempotency_key_hash FROM {table}"))
            .await;
        assert_eq!(hashes.len(), 1);
        let hash = hashes[0].as_deref().unwrap();
        assert!(
            hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{hash}"
        );
    }
}

async fn a_retry_after_a_day_is_409(backend: Backend) {
    let server = start_on!(
        backend,
        catalogue(),
        envs: &[("ONEWINDOW_UPLOAD_SWEEP_SECS", "1")]
    );
    let k = new_key("old");
    let body = application("张三丰");
    let case = created(&server, &k, &body).await;
    let ck = new_key("old");
    let c = filed(&server, &ck, &complaint("页面打不开。")).await;
    // A day and an hour later.
    server
        .execute_sql("UPDATE cases SET submitted_at = submitted_at - 90000")
        .await;
    server
        .execute_sql("UPDATE complaints SET submitted_at = submitted_at - 90000")
        .await;

    // The sweep forgets the sealed codes.
    let mut waited = 0;
    loop {
        let kept = server
            .query_texts(
                "SELECT sealed_code FROM cases UNION ALL SELECT sealed_code FROM complaints",
            )
            .await;
        if kept.iter().all(Option::is_none) {
            break;
        }
        waited += 1;
        assert!(waited < 100, "the sealed codes were not forgotten");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for (path, key, body) in [
        ("/applications", &k, &body),
        ("/complaints", &ck, &complaint("页面打不开。")),
    ] {
        let (status, _, value) = post(&server, path, key, body, None).await;
        assert_eq!(status, StatusCode::CONFLICT, "{path}: {value}");
        assert_error_shape(&value, "idempotency_key_expired");
    }
    // Another body under the old key is still refused as another request.
    let (status, value) = submit(&server, &k, &application("李四光")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{value}");
    // The codes still open what they were given for, and nothing new was made.
    assert!(opens(&server, &case.acceptance_number, &case.query_code).await);
    let (status, _, _) = server
        .get_with(
            &format!("/complaints/{}?c={}", c.complaint_number, c.query_code),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(count(&server, "cases").await, 1);
    assert_eq!(count(&server, "complaints").await, 1);
}

async fn a_complaint_key_with_another_body_is_422(backend: Backend) {
    let server = start_on!(backend, catalogue());
    let k = new_key("creuse");
    let first = filed(&server, &k, &complaint("页面打不开。")).await;
    let (status, _, value) = post(&server, "/complaints", &k, &complaint("另一件事。"), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{value}");
    assert_error_shape(&value, "idempotency_key_reused");
    assert!(!value.to_string().contains(&first.query_code));
    assert_eq!(count(&server, "complaints").await, 1, "nothing was created");
    assert_eq!(filed(&server, &k, &complaint("页面打不开。")).await, first);
    let next = filed(&server, &new_key("creuse"), &complaint("另一件事。")).await;
    assert_eq!(
        seq(&next.complaint_number),
        seq(&first.complaint_number) + 1
    );
}

async fn complaint_filing_is_limited_per_address(backend: Backend) {
    let server = start_on!(
        backend,
        catalogue(),
        args: &["--trusted-proxy", "127.0.0.1", "--complaints-per-addr", "3"]
    );
    let from = |addr: &'static str, key: String, n: usize| {
        let server = &server;
        async move {
            post(
                server,
                "/complaints",
                &key,
                &complaint(&format!("第 {n} 件事。")),
                Some(addr),
            )
            .await
        }
    };
    let first_key = new_key("rate");
    let (status, _, first) = from("203.0.113.5", first_key.clone(), 0).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    for n in 1..3 {
        let (status, _, value) = from("203.0.113.5", new_key("rate"), n).await;
        assert_eq!(status, StatusCode::CREATED, "{n}: {value}");
    }
    // The fourth new one from this address: 429, whatever its key.
    for _ in 0..3 {
        let (status, retry, value) = from("203.0.113.5", new_key("rate"), 9).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{value}");
        assert_error_shape(&value, "too_many_complaints");
        let secs: u64 = retry.expect("Retry-After").parse().unwrap();
        assert!((1..=3600).contains(&secs), "{secs}");
    }
    // A retry of a filed one is not a new filing: it still gets its answer.
    let (status, _, again) = from("203.0.113.5", first_key, 0).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again, first);
    // Another address still files.
    let (status, _, value) = from("203.0.113.6", new_key("rate"), 0).await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    assert_eq!(count(&server, "complaints").await, 4);
}

async fn a_full_series_is_503_for_cases_and_complaints(backend: Backend) {
    let server = start_on!(backend, catalogue());
    let before = created(&server, &new_key("full"), &application("张三丰")).await;
    let day = ymd(today_cst());
    server
        .execute_sql(&format!(
            "INSERT INTO case_sequences (day, last) VALUES ('{day}', 99999)
             ON CONFLICT (day) DO UPDATE SET last = 99999"
        ))
        .await;
    let (status, value) = submit(&server, &new_key("full"), &application("李四光")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{value}");
    assert_error_shape(&value, "numbers_exhausted");
    let (status, _, value) = post(
        &server,
        "/complaints",
        &new_key("full"),
        &complaint("页面打不开。"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{value}");
    assert_error_shape(&value, "numbers_exhausted");
    assert_eq!(count(&server, "cases").await, 1);
    assert_eq!(count(&server, "complaints").await, 0);
    // What was given out before still works.
    assert!(opens(&server, &before.acceptance_number, &before.query_code).await);
}

/// What a case stored before migration 0006 checks its code against.
fn legacy_code_hash(secret: &str, number: &str, code: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(format!("{secret}:{number}:{code}")))
}

async fn a_database_from_before_upgrades(backend: Backend) {
    const SECRET: &str = "5e0c8a4b7d2f1e3c9a6b8d0f2e4c6a8b5e0c8a4b7d2f1e3c9a6b8d0f2e4c6a8b";
    const CASE_KEY: &str = "legacy-case-key-0001";
    const COMPLAINT_KEY: &str = "legacy-complaint-key-0001";
    const CODE: &str = "ABCDEF";
    let yymmdd = ymd(today_cst()).replace('-', "")[2..].to_string();
    let number = |n: u32| {
        api_client::checks::AcceptanceNumber::new("440113", &yymmdd, n)
            .unwrap()
            .compact()
            .to_string()
    };
    let (case_number, complaint_number) = (number(1), number(2));
    let backend_dir = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let (cn, kn) = (case_number.clone(), complaint_number.clone());
    let server = or_skip!(TestServer::start_over(
        backend,
        &["--no-demo"],
        &[],
        |url| async move {
            // The schema as it was before 0006, with a case and a complaint in it.
            let old = tempfile::tempdir().unwrap();
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(backend_dir);
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_str().unwrap().to_string();
                if name.as_str() < "0006" {
                    std::fs::copy(&path, old.path().join(name)).unwrap();
                }
            }
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&url).await.unwrap();
            sqlx::migrate::Migrator::new(old.path())
                .await
                .unwrap()
                .run(&pool)
                .await
                .unwrap();
            let at = time::OffsetDateTime::now_utc().unix_timestamp();
            for sql in [
                format!("INSERT INTO settings (key, value) VALUES ('secret', '{SECRET}')"),
                format!(
                    "INSERT INTO case_sequences (day, last) VALUES ('{}', 2)",
                    ymd(today_cst())
                ),
                format!(
                    "INSERT INTO cases (acceptance_number, service_code, department_code, status, applicant, masked_name,
                         answers, materials, query_code_hash, idempotency_key, submitted_at, promised_date)
                     VALUES ('{cn}', '{SERVICE}', 'tky', 'submitted',
                         '{{\"type\":\"individual\",\"name\":\"张三丰\",\"id_type\":\"resident_id\",\"id_number\":\"11010519491231002X\",\"mobile\":\"13800138000\"}}',
                         '张*丰', '{{}}', '{{}}', '{}', '{CASE_KEY}', {at}, '{}')",
                    legacy_code_hash(SECRET, &cn, CODE),
                    ymd(today_cst())
                ),
                format!(
                    "INSERT INTO complaints (complaint_number, idempotency_key, query_code_hash, subject_type, subject_ref,
                         category, description, anonymous, attachments, status, submitted_at, reply_due)
                     VALUES ('{kn}', '{COMPLAINT_KEY}', '{}', 'channel', 'portal', 'delay', '页面打不开。', 1, '[]',
                         'received', {at}, '{}')",
                    legacy_code_hash(SECRET, &kn, CODE),
                    ymd(today_cst())
                ),
            ] {
                sqlx::query(&sql).execute(&pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            pool.close().await;
        }
    ));
    let file = server.write_scratch("catalogue.json", &catalogue().to_string());
    assert!(server.import(&[file]).await.success);

    // The old codes still open what they opened.
    assert!(opens(&server, &case_number, CODE).await);
    let (status, _, value) = server
        .get_with(&format!("/complaints/{complaint_number}?c={CODE}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{value}");
    // The keys are no longer stored in plain; a retry with one finds its row (no second case)
    // and is told its answer is not kept.
    for table in ["cases", "complaints"] {
        let hashes = server
            .query_texts(&format!("SELECT idempotency_key_hash FROM {table}"))
            .await;
        let hash = hashes[0].as_deref().unwrap();
        assert!(
            hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{table}: {hash}"
        );
    }
    let (status, value) = submit(&server, CASE_KEY, &application("张三丰")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{value}");
    assert_error_shape(&value, "idempotency_key_expired");
    let (status, _, value) = post(
        &server,
        "/complaints",
        COMPLAINT_KEY,
        &complaint("页面打不开。"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{value}");
    assert_eq!(count(&server, "cases").await, 1);
    // New numbers follow on.
    let next = created(&server, &new_key("after"), &application("张三丰")).await;
    assert_eq!(seq(&next.acceptance_number), 3);
}
