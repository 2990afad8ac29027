//! A case's files: uploads taken by a submission and a supplement, listed to staff and to the
//! applicant and downloaded byte for byte with the safe headers; refused to everyone else
//! (other department, other case, no token, wrong code, malformed ids); `server files
//! verify`; the files an older version kept on its disk moved into the database; the sweep
//! of unused uploads skipped while another node holds its lock.

use reqwest::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    X_CONTENT_TYPE_OPTIONS,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::{
    assert_error_shape, bad_fields, pair, two_department_catalogue, wrong_code, Backend, TestServer,
};

backend_tests!(
    staff_and_applicant_download_the_files_byte_for_byte,
    downloads_are_refused_to_everyone_else,
    a_wrong_code_for_a_file_counts_as_a_failed_lookup,
    verify_reports_damaged_and_missing_files,
    files_an_older_version_kept_on_disk_move_into_the_database,
);

mod one_sweeper {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_node_skips_the_sweep_while_another_holds_its_lock() {
        super::a_node_skips_the_sweep_while_another_holds_its_lock().await;
    }
}

const DEPT: &str = "tfl";
const OTHER_DEPT: &str = "tfo";
const SERVICE: &str = "TEST-FILE-001";
const OTHER_SERVICE: &str = "TEST-FILE-002";

fn catalogue() -> Value {
    two_department_catalogue(
        "tfl_topic",
        [(DEPT, "测试文件局"), (OTHER_DEPT, "测试他局")],
        [(SERVICE, "测试文件事项"), (OTHER_SERVICE, "测试他局事项")],
    )
}

/// A PDF of `len` bytes whose content depends on `marker` (no two markers alike).
pub fn pdf(marker: &str, len: usize) -> Vec<u8> {
    let mut v = format!("%PDF-1.4\n% {marker}\n").into_bytes();
    let mut x = marker
        .bytes()
        .fold(7u32, |a, b| a.wrapping_mul(31).wrapping_add(b as u32));
    while v.len() < len {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        v.push((x >> 16) as u8);
    }
    v
}

fn png(marker: &str) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    v.extend_from_slice(marker.as_bytes());
    v
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// GET `path` under /api/v1 with a staff token when given.
async fn get(server: &TestServer, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut req = server.http.get(server.url(&format!("/api/v1{path}")));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("GET")
}

/// A 200 carrying `content` as an attachment named `ascii` / `encoded`, with the safe headers.
pub async fn assert_download(
    resp: reqwest::Response,
    content: &[u8],
    media_type: &str,
    disposition: &str,
) {
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers().clone();
    let header = |name| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    assert_eq!(header(CONTENT_TYPE).as_deref(), Some(media_type));
    assert_eq!(
        header(CONTENT_LENGTH).as_deref(),
        Some(content.len().to_string().as_str())
    );
    assert_eq!(header(CONTENT_DISPOSITION).as_deref(), Some(disposition));
    assert_eq!(header(X_CONTENT_TYPE_OPTIONS).as_deref(), Some("nosniff"));
    assert_eq!(header(CONTENT_SECURITY_POLICY).as_deref(), Some("sandbox"));
    assert_eq!(header(CACHE_CONTROL).as_deref(), Some("no-store"));
    let body = resp.bytes().await.expect("the file's bytes");
    assert!(
        body.as_ref() == content,
        "{} bytes downloaded, {} uploaded; the same: {}",
        body.len(),
        content.len(),
        sha256_hex(&body) == sha256_hex(content)
    );
}

/// The (id, name, size, media type) of each file of `material` in a case view.
fn listed(view: &Value, material: &str) -> Vec<(String, String, u64, String)> {
    view["files"][material]
        .as_array()
        .unwrap_or_else(|| panic!("no files of {material}: {}", view["files"]))
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["name"].as_str().unwrap().to_string(),
                f["size"].as_u64().unwrap(),
                f["media_type"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn staff_and_applicant_download_the_files_byte_for_byte(backend: Backend) {
    let server = start_on!(backend, catalogue());
    // Three chunks and a bit: read back in order.
    let scan = pdf("scan", 700_001);
    let photo = png("photo");
    let a = server
        .upload_named("C:\\Users\\张三\\身份证 正面.pdf", &scan)
        .await;
    let b = server.upload_named("/tmp/photo.png", &photo).await;
    let case = server
        .submit_with_materials(SERVICE, json!({"photo": [a, b]}))
        .await;
    let number = &case.acceptance_number;
    let code = &case.query_code;
    let token = server.staff_token("文件甲", DEPT).await;

    // Staff see each material's files: name (no directory), size, detected type.
    let (status, view, _) = server
        .get_with(&format!("/staff/cases/{number}"), Some(&token))
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(
        listed(&view, "photo"),
        vec![
            (
                a.clone(),
                "身份证 正面.pdf".to_string(),
                scan.len() as u64,
                "application/pdf".to_string()
            ),
            (
                b.clone(),
                "photo.png".to_string(),
                photo.len() as u64,
                "image/png".to_string()
            ),
        ]
    );
    let scan_disposition = "attachment; filename=\"___ __.pdf\"; filename*=UTF-8''%E8%BA%AB%E4%BB%BD%E8%AF%81%20%E6%AD%A3%E9%9D%A2.pdf";
    assert_download(
        get(
            &server,
            &format!("/staff/cases/{number}/files/{a}"),
            Some(&token),
        )
        .await,
        &scan,
        "application/pdf",
        scan_disposition,
    )
    .await;
    // A browser offers compression; the file still arrives as stored, with its length.
    let offered = server
        .http
        .get(server.url(&format!("/api/v1/staff/cases/{number}/files/{a}")))
        .bearer_auth(&token)
        .header(reqwest::header::ACCEPT_ENCODING, "gzip, br")
        .send()
        .await
        .expect("GET");
    assert!(offered.headers().get("content-encoding").is_none());
    assert_download(offered, &scan, "application/pdf", scan_disposition).await;

    // The applicant, with the code, sees the same list and downloads their own file.
    let (status, mine, _) = server
        .get_with(&format!("/cases/{number}?c={code}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["files"], view["files"]);
    assert_download(
        get(
            &server,
            &format!("/cases/{number}/files/{b}?c={code}"),
            None,
        )
        .await,
        &photo,
        "image/png",
        "attachment; filename=\"photo.png\"; filename*=UTF-8''photo.png",
    )
    .await;

    // An upload stored without a name (before names were kept) gets one from its material.
    server
        .execute_sql(&format!(
            "UPDATE uploads SET file_name = NULL WHERE id = '{b}'"
        ))
        .await;
    let (_, view, _) = server
        .get_with(&format!("/staff/cases/{number}"), Some(&token))
        .await;
    assert_eq!(listed(&view, "photo")[1].1, "photo-2.png");
    assert_download(
        get(
            &server,
            &format!("/staff/cases/{number}/files/{b}"),
            Some(&token),
        )
        .await,
        &photo,
        "image/png",
        "attachment; filename=\"photo-2.png\"; filename*=UTF-8''photo-2.png",
    )
    .await;

    // A file sent with a supplement is listed with its material and downloaded the same way.
    let (status, done) = server
        .post_json(
            &format!("/staff/cases/{number}/actions"),
            Some(&token),
            &json!({"action": "accept"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let (status, done) = server
        .post_json(
            &format!("/staff/cases/{number}/actions"),
            Some(&token),
            &json!({"action": "request_supplement", "items": [{"material_id": "photo", "name": "近期证件照", "note": "请补交清晰照片"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let again = pdf("again", 1000);
    let c = server.upload_named("补交.pdf", &again).await;
    let (status, answered) = server
        .post_json(
            &format!("/cases/{number}/supplement?c={code}"),
            None,
            &json!({"materials": {"photo": [c]}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    let (_, view, _) = server
        .get_with(&format!("/staff/cases/{number}"), Some(&token))
        .await;
    let files = listed(&view, "photo");
    assert_eq!(files.len(), 3, "{files:?}");
    assert_eq!(files[2].0, c);
    assert_eq!(files[2].1, "补交.pdf");
    assert_download(
        get(
            &server,
            &format!("/staff/cases/{number}/files/{c}"),
            Some(&token),
        )
        .await,
        &again,
        "application/pdf",
        "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E8%A1%A5%E4%BA%A4.pdf",
    )
    .await;

    // Nothing of the file's name reaches the log.
    let log = server.log();
    for secret in ["身份证", "补交", "photo.png"] {
        assert!(!log.contains(secret), "the log holds {secret:?}:\n{log}");
    }
}

/// The status and error of a refused GET (the one error shape).
async fn refused(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.unwrap();
    let value: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"));
    (status, value)
}

async fn downloads_are_refused_to_everyone_else(backend: Backend) {
    let server = start_on!(backend, catalogue());
    let mine = server.upload_named("mine.pdf", &pdf("mine", 500)).await;
    let theirs = server.upload_named("theirs.pdf", &pdf("theirs", 500)).await;
    let elsewhere = server
        .upload_named("elsewhere.pdf", &pdf("elsewhere", 500))
        .await;
    let free = server.upload_named("free.pdf", &pdf("free", 500)).await;
    let case = server
        .submit_with_materials(SERVICE, json!({"photo": [mine]}))
        .await;
    let other_case = server
        .submit_with_materials(SERVICE, json!({"photo": [theirs]}))
        .await;
    let other_dept_case = server
        .submit_with_materials(OTHER_SERVICE, json!({"photo": [elsewhere]}))
        .await;
    let n = &case.acceptance_number;
    let token = server.staff_token("文件甲", DEPT).await;

    let staff = |number: &str, id: &str| format!("/staff/cases/{number}/files/{id}");
    // Another case's file, a file no case took, an unknown id: the same 404.
    let unknown = "0".repeat(32);
    for id in [&theirs, &free, &unknown] {
        let (status, body) = refused(get(&server, &staff(n, id), Some(&token)).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_error_shape(&body, "not_found");
    }
    // A case of another department: 403, whatever the file.
    let (status, body) = refused(
        get(
            &server,
            &staff(&other_dept_case.acceptance_number, &elsewhere),
            Some(&token),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_error_shape(&body, "forbidden");
    // Malformed ids and numbers: 400 naming the parameter.
    for (number, id, field) in [
        (n.as_str(), "xyz", "upload_id"),
        (n.as_str(), &mine.to_uppercase() as &str, "upload_id"),
        (n.as_str(), "..%2F..%2Fetc%2Fpasswd", "upload_id"),
        ("not-a-number", mine.as_str(), "number"),
    ] {
        let (status, body) = refused(get(&server, &staff(number, id), Some(&token)).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{number} {id}: {body}");
        assert_eq!(
            bad_fields(&body).first().map(|(f, _)| f.clone()),
            Some(field.to_string()),
            "{body}"
        );
    }
    // No token, or not one: 401.
    for token in [None, Some("owst_".to_string() + &"0".repeat(64))] {
        let (status, body) = refused(get(&server, &staff(n, &mine), token.as_deref()).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    // Staff of the right department still get it.
    assert_eq!(
        get(&server, &staff(n, &mine), Some(&token)).await.status(),
        StatusCode::OK
    );

    // The applicant: only their own case's files, only with their code.
    let code = &case.query_code;
    let applicant = |id: &str, query: &str| format!("/cases/{n}/files/{id}{query}");
    for (path, expected) in [
        (
            applicant(&theirs, &format!("?c={code}")),
            StatusCode::NOT_FOUND,
        ),
        (
            applicant(&free, &format!("?c={code}")),
            StatusCode::NOT_FOUND,
        ),
        (
            applicant(&mine, &format!("?c={}", wrong_code(code))),
            StatusCode::NOT_FOUND,
        ),
        (
            format!(
                "/cases/{}/files/{theirs}?c={code}",
                other_case.acceptance_number
            ),
            StatusCode::NOT_FOUND,
        ),
        (applicant(&mine, ""), StatusCode::BAD_REQUEST),
        (
            applicant("xyz", &format!("?c={code}")),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, body) = refused(get(&server, &path, None).await).await;
        assert_eq!(status, expected, "{path}: {body}");
    }
    // A staff token opens no applicant's download.
    let (status, _) = refused(get(&server, &applicant(&mine, ""), Some(&token)).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        get(&server, &applicant(&mine, &format!("?c={code}")), None)
            .await
            .status(),
        StatusCode::OK
    );
    // Opened by mobile, the case lists no file names (the download needs the code anyway).
    let (status, by_mobile) = server
        .post_json(
            &format!("/cases/{n}/lookup"),
            None,
            &json!({"mobile": "13800138000"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{by_mobile}");
    assert_eq!(by_mobile["files"], json!({}));
}

async fn a_wrong_code_for_a_file_counts_as_a_failed_lookup(backend: Backend) {
    let server = start_on!(
        backend,
        catalogue(),
        envs: &[("ONEWINDOW_LOOKUP_MAX_FAILS_PER_NUMBER", "2")]
    );
    let id = server.upload_named("a.pdf", &pdf("counted", 500)).await;
    let case = server
        .submit_with_materials(SERVICE, json!({"photo": [id]}))
        .await;
    let n = &case.acceptance_number;
    let wrong = format!("/cases/{n}/files/{id}?c={}", wrong_code(&case.query_code));
    for _ in 0..2 {
        let (status, body) = refused(get(&server, &wrong, None).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
    // Past the limit the right code is refused too.
    let right = format!("/cases/{n}/files/{id}?c={}", case.query_code);
    let resp = get(&server, &right, None).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().get("retry-after").is_some());
}

async fn verify_reports_damaged_and_missing_files(backend: Backend) {
    let server = start_on!(backend, catalogue());
    let kept = pdf("kept", 300_000);
    let damaged = pdf("damaged", 600_000);
    let lost = pdf("lost", 1000);
    let a = server.upload_named("kept.pdf", &kept).await;
    let b = server.upload_named("damaged.pdf", &damaged).await;
    let c = server.upload_named("lost.pdf", &lost).await;
    let d = server.upload_named("gone.pdf", &pdf("gone", 1000)).await;
    let case = server
        .submit_with_materials(SERVICE, json!({"photo": [a, b, c, d]}))
        .await;

    let out = server.cli(&["files", "verify"]).await;
    assert!(out.success, "{out:?}");
    assert!(
        out.stdout.contains("4 stored files") && out.stdout.contains("all good"),
        "{out:?}"
    );

    // One chunk of one file overwritten, another file's bytes lost, an upload row gone.
    let bytes = match backend {
        Backend::Sqlite => "X'255044462d'",
        Backend::Postgres => "'\\x255044462d'::bytea",
    };
    let damaged_sha = sha256_hex(&damaged);
    let lost_sha = sha256_hex(&lost);
    server
        .execute_sql(&format!(
            "UPDATE upload_chunks SET data = {bytes} WHERE sha256 = '{damaged_sha}' AND seq = 1"
        ))
        .await;
    server
        .execute_sql(&format!(
            "DELETE FROM upload_chunks WHERE sha256 = '{lost_sha}'"
        ))
        .await;
    server
        .execute_sql(&format!(
            "DELETE FROM upload_blobs WHERE sha256 = '{lost_sha}'"
        ))
        .await;
    server
        .execute_sql(&format!("DELETE FROM uploads WHERE id = '{d}'"))
        .await;

    let out = server.cli(&["files", "verify"]).await;
    assert!(!out.success, "verify passed damaged files: {out:?}");
    let problems: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("problem: "))
        .collect();
    assert_eq!(problems.len(), 3, "{out:?}");
    assert!(problems[0].contains(&damaged_sha) && problems[0].contains("do not match"));
    assert!(problems[1].contains(&c) && problems[1].contains("not stored"));
    assert!(
        problems[2].contains(&case.acceptance_number)
            && problems[2].contains(&d)
            && problems[2].contains("does not exist")
    );
    assert!(out.stdout.contains("3 problems"), "{out:?}");

    // A download of the damaged file is not served as if whole: the intact one is.
    let token = server.staff_token("文件甲", DEPT).await;
    let n = &case.acceptance_number;
    let resp = get(
        &server,
        &format!("/staff/cases/{n}/files/{a}"),
        Some(&token),
    )
    .await;
    assert_eq!(resp.bytes().await.unwrap().as_ref(), kept.as_slice());
    // The lost one is not there for anyone.
    let (status, _) = refused(
        get(
            &server,
            &format!("/staff/cases/{n}/files/{c}"),
            Some(&token),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn files_an_older_version_kept_on_disk_move_into_the_database(backend: Backend) {
    let mut server = start_on!(backend, catalogue());
    let old = pdf("old", 400_000);
    let missing = pdf("missing", 2000);
    let a = server.upload_named("old.pdf", &old).await;
    let b = server.upload_named("missing.pdf", &missing).await;
    // As an older version left it: the bytes on this node's disk, none in the database (and
    // one content on no disk at all).
    let sha = sha256_hex(&old);
    let dir = server.data_dir().join("uploads").join(&sha[..2]);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(&sha), &old).unwrap();
    server.execute_sql("DELETE FROM upload_chunks").await;
    server.execute_sql("DELETE FROM upload_blobs").await;

    // A case never takes a file no node can read.
    let body = json!({
        "service_code": SERVICE,
        "applicant": {"type": "individual", "name": "张三丰", "id_type": "resident_id", "id_number": "11010519491231002X", "mobile": "13800138000"},
        "answers": {},
        "materials": {"photo": [a]}
    });
    let (status, value, _) = server
        .send(
            server
                .http
                .post(server.url("/api/v1/applications"))
                .header("Idempotency-Key", crate::support::new_key("old"))
                .header("Content-Type", "application/json")
                .body(body.to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{value}");
    assert_eq!(
        bad_fields(&value),
        vec![pair("materials.photo", "unknown_upload")]
    );

    // Started again (twice: it is idempotent), the node moves the file into the database.
    server.restart(&["--no-demo"], &[]).await;
    server.restart(&["--no-demo"], &[]).await;
    assert!(!dir.join(&sha).exists(), "the moved file is still on disk");
    assert_eq!(
        server.stored_bytes(&sha).await.as_deref(),
        Some(old.as_slice())
    );
    assert_eq!(server.stored_bytes(&sha256_hex(&missing)).await, None);
    let case = server
        .submit_with_materials(SERVICE, json!({"photo": [a]}))
        .await;
    let token = server.staff_token("文件甲", DEPT).await;
    assert_download(
        get(
            &server,
            &format!("/staff/cases/{}/files/{a}", case.acceptance_number),
            Some(&token),
        )
        .await,
        &old,
        "application/pdf",
        "attachment; filename=\"old.pdf\"; filename*=UTF-8''old.pdf",
    )
    .await;
    // The upload whose bytes no node had is reported, never served.
    let out = server.cli(&["files", "verify"]).await;
    assert!(!out.success);
    assert!(
        out.stdout
            .contains(&format!("upload {b}: its content is not stored")),
        "{out:?}"
    );
}

/// The sweep's advisory lock (`uploads::SWEEP_LOCK`, 'OWUS').
const SWEEP_LOCK: i64 = 0x4f57_5553;

async fn a_node_skips_the_sweep_while_another_holds_its_lock() {
    use sqlx::Connection;
    let server = start_on!(
        Backend::Postgres,
        catalogue(),
        envs: &[
            ("ONEWINDOW_UPLOAD_TTL_SECS", "1"),
            ("ONEWINDOW_UPLOAD_SWEEP_SECS", "1")
        ]
    );
    // Another node's sweep, as far as this one can tell: a session holding the lock.
    let mut other = sqlx::PgConnection::connect(server.pg_url().unwrap())
        .await
        .unwrap();
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(SWEEP_LOCK)
        .execute(&mut other)
        .await
        .unwrap();
    let id = server.upload_named("unused.pdf", &pdf("unused", 500)).await;
    let rows = format!("SELECT COUNT(*) FROM uploads WHERE id = '{id}'");
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    assert_eq!(
        server.count(&rows).await,
        1,
        "swept while another node held the lock"
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM upload_blobs").await, 1);
    // Released: the next round sweeps the expired upload and its bytes.
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(SWEEP_LOCK)
        .execute(&mut other)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while server.count(&rows).await > 0
        || server.count("SELECT COUNT(*) FROM upload_blobs").await > 0
    {
        assert!(
            std::time::Instant::now() < deadline,
            "not swept 15 s after the lock was released"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let _ = other.close().await;
}
