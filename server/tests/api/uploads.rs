//! `POST /api/v1/uploads` against the real `server` binary, once over SQLite (`sqlite::*`)
//! and once over PostgreSQL (`postgres::*`, skipped with a message when it is not reachable).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::{assert_error_shape, Backend, TestServer};
use reqwest::header::CONTENT_TYPE;
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

backend_tests!(
    pdf_png_and_jpeg_are_accepted_by_content,
    an_executable_renamed_pdf_is_wrong_type,
    an_empty_file_is_rejected,
    the_limit_is_exact,
    the_default_limit_is_10_mb,
    the_same_content_is_stored_once,
    unused_uploads_expire,
    garbage_is_400_never_500,
    logs_hold_no_file_names,
    an_abandoned_upload_leaves_nothing,
);

/// Starts a server, or returns from the test when the backend is PostgreSQL and it is not
/// reachable (the skip has been printed).
macro_rules! start {
    ($backend:expr) => {
        start!($backend, &[], &[])
    };
    ($backend:expr, $args:expr, $envs:expr) => {
        or_skip!(TestServer::start_with_args($backend, $args, $envs))
    };
}

const MB: usize = 1024 * 1024;
const BOUNDARY: &str = "----onewindow-test-7f3a9c";

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

fn png() -> Vec<u8> {
    let mut v =
        b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89"
            .to_vec();
    v.extend_from_slice(
        b"\0\0\0\x0aIDATx\x9cc\0\x01\0\0\x05\0\x01\x0d\x0a\x2d\xb4\0\0\0\0IEND\xaeB`\x82",
    );
    v
}

fn jpeg() -> Vec<u8> {
    let mut v = b"\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0".to_vec();
    v.extend(std::iter::repeat_n(0x42u8, 200));
    v.extend_from_slice(b"\xFF\xD9");
    v
}

/// A Windows executable: `MZ`, a DOS stub and a PE header.
fn exe(len: usize) -> Vec<u8> {
    let mut v = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0".to_vec();
    v.extend_from_slice(b"This program cannot be run in DOS mode.\r\r\n$\0\0\0PE\0\0L\x01\x03\0");
    v.resize(len.max(v.len()), 0);
    v
}

/// A PDF-looking file of exactly `len` bytes.
fn pdf_of(len: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n".to_vec();
    v.resize(len, b'x');
    v
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A `multipart/form-data` body with one part; (content type, body).
fn multipart(name: &str, file_name: &str, content_type: &str, content: &[u8]) -> (String, Vec<u8>) {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// POSTs a raw body to `/api/v1/uploads`; the status and the JSON answer.
async fn post_raw(
    server: &TestServer,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut req = server.http.post(server.url("/api/v1/uploads")).body(body);
    if let Some(ct) = content_type {
        req = req.header(CONTENT_TYPE, ct);
    }
    let resp = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST /api/v1/uploads: {e}"));
    let status = resp.status();
    let text = resp.text().await.unwrap();
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{status} with a body that is not JSON ({e}): {text:.500}"));
    (status, value)
}

async fn upload(
    server: &TestServer,
    file_name: &str,
    content_type: &str,
    content: &[u8],
) -> (StatusCode, Value) {
    let (ct, body) = multipart("file", file_name, content_type, content);
    post_raw(server, Some(&ct), body).await
}

/// Uploads and expects 201 with the documented answer; the id.
async fn upload_ok(
    server: &TestServer,
    file_name: &str,
    content_type: &str,
    content: &[u8],
    media_type: &str,
) -> String {
    let (status, body) = upload(server, file_name, content_type, content).await;
    assert_eq!(status, StatusCode::CREATED, "{file_name}: {body}");
    let created: api_client::UploadCreated =
        serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert!(
        api_client::application::upload_id_valid(&created.id),
        "id {:?}",
        created.id
    );
    assert_eq!(created.size, content.len() as u64, "{body}");
    assert_eq!(
        created.media_type, media_type,
        "{file_name} sent as {content_type}: {body}"
    );
    created.id
}

/// Expects a 400 naming `file` with `code`; the field error's message.
fn assert_file_error(status: StatusCode, body: &Value, code: &str) -> String {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        assert_error_shape(body, "bad_request"),
        vec!["file".to_string()],
        "{body}"
    );
    assert_eq!(body["error"]["fields"][0]["code"], code, "{body}");
    body["error"]["fields"][0]["message"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Every file under `<data_dir>/uploads`, temporary ones apart; (path, is temporary).
fn files_on_disk(data_dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let root = data_dir.join("uploads");
    let mut all = Vec::new();
    walk(&root, &mut all);
    all.sort();
    let tmp = root.join("tmp");
    all.into_iter().partition(|p| !p.starts_with(&tmp))
}

/// Nothing half-written is left behind (rejections run their clean-up before answering).
fn assert_no_temporary_files(server: &TestServer) {
    let (_, tmp) = files_on_disk(server.data_dir());
    assert!(tmp.is_empty(), "temporary files left: {tmp:?}");
}

// ---------------------------------------------------------------------------------------

async fn pdf_png_and_jpeg_are_accepted_by_content(backend: Backend) {
    let server = start!(backend);
    // The name and declared type are wrong on purpose: the content decides.
    let cases = [
        (pdf(), "scan.png", "image/png", "application/pdf"),
        (png(), "photo.pdf", "application/pdf", "image/png"),
        (jpeg(), "id-card.txt", "text/plain", "image/jpeg"),
        (
            pdf_of(300_000),
            "big.pdf",
            "application/octet-stream",
            "application/pdf",
        ),
    ];
    let mut ids = Vec::new();
    for (content, name, ctype, expected) in &cases {
        let id = upload_ok(&server, name, ctype, content, expected).await;
        ids.push((id, content, *expected));
    }

    let rows = server.upload_rows().await;
    assert_eq!(rows.len(), cases.len(), "{rows:?}");
    for (id, content, media_type) in &ids {
        let row = rows
            .iter()
            .find(|r| &r.0 == id)
            .unwrap_or_else(|| panic!("no row for {id}: {rows:?}"));
        assert_eq!(row.1, sha256_hex(content), "sha256 of {id}");
        assert_eq!(row.2, content.len() as i64);
        assert_eq!(row.3, *media_type);
        assert_eq!(row.4, None, "case_number of a fresh upload");
        assert_eq!(
            server.stored_bytes(&row.1).await.as_deref(),
            Some(content.as_slice()),
            "the bytes stored for {id}"
        );
    }
    // The bytes are in the database, once per content; nothing is kept on the disk.
    assert_eq!(
        server.count("SELECT COUNT(*) FROM upload_blobs").await,
        cases.len() as i64
    );
    let (stored, _) = files_on_disk(server.data_dir());
    assert!(stored.is_empty(), "{stored:?}");
    assert_no_temporary_files(&server);
}

async fn an_executable_renamed_pdf_is_wrong_type(backend: Backend) {
    let server = start!(backend);
    for (content, what) in [
        (exe(4096), "a Windows executable"),
        (exe(3 * MB), "a 3 MB Windows executable"),
        (
            b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0".to_vec(),
            "an ELF executable",
        ),
        (b"<html><script>alert(1)</script></html>".to_vec(), "HTML"),
        (b"%PD".to_vec(), "a cut-off PDF signature"),
        (
            b" %PDF-1.4 leading space".to_vec(),
            "a PDF signature not at the start",
        ),
    ] {
        let (status, body) = upload(&server, "申请表.pdf", "application/pdf", &content).await;
        let message = assert_file_error(status, &body, "wrong_type");
        assert!(
            message.contains("application/pdf"),
            "{what}: the message names the accepted types: {message}"
        );
    }
    assert!(
        server.upload_rows().await.is_empty(),
        "a rejected file was recorded"
    );
    assert_eq!(
        server.count("SELECT COUNT(*) FROM upload_blobs").await,
        0,
        "a rejected file was stored"
    );
    assert_no_temporary_files(&server);
}

async fn an_empty_file_is_rejected(backend: Backend) {
    let server = start!(backend);
    let (status, body) = upload(&server, "empty.pdf", "application/pdf", b"").await;
    assert_file_error(status, &body, "empty");
    assert!(server.upload_rows().await.is_empty());
    assert_no_temporary_files(&server);
}

async fn the_limit_is_exact(backend: Backend) {
    let server = start!(backend, &["--max-file-mb", "1"], &[]);
    let (_, config) = server.get_json("/api/v1/config").await;
    assert_eq!(config["limits"]["max_file_bytes"], 1_048_576, "{config}");

    upload_ok(
        &server,
        "a.pdf",
        "application/pdf",
        &pdf_of(1_048_576),
        "application/pdf",
    )
    .await;

    let (status, body) = upload(&server, "b.pdf", "application/pdf", &pdf_of(1_048_577)).await;
    let message = assert_file_error(status, &body, "too_large");
    assert!(
        message.contains("1 MB"),
        "the message names the limit: {message}"
    );

    // Far over the limit: the server stops storing at the limit and still answers.
    let (status, body) = upload(&server, "c.pdf", "application/pdf", &pdf_of(3 * MB)).await;
    assert_file_error(status, &body, "too_large");

    assert_eq!(server.upload_rows().await.len(), 1);
    assert_eq!(server.count("SELECT COUNT(*) FROM upload_blobs").await, 1);
    assert_no_temporary_files(&server);
}

async fn the_default_limit_is_10_mb(backend: Backend) {
    let server = start!(backend);
    let (status, body) = upload(&server, "big.pdf", "application/pdf", &pdf_of(10 * MB + 1)).await;
    let message = assert_file_error(status, &body, "too_large");
    assert!(
        message.contains("10 MB"),
        "the message names the limit: {message}"
    );
    // Just within the limit (the default axum body limit of 2 MB does not apply).
    upload_ok(
        &server,
        "ok.pdf",
        "application/pdf",
        &pdf_of(10 * MB),
        "application/pdf",
    )
    .await;
    assert_eq!(server.upload_rows().await.len(), 1);
    assert_no_temporary_files(&server);
}

async fn the_same_content_is_stored_once(backend: Backend) {
    let server = start!(backend);
    let content = pdf_of(50_000);
    let a = upload_ok(
        &server,
        "first.pdf",
        "application/pdf",
        &content,
        "application/pdf",
    )
    .await;
    let b = upload_ok(
        &server,
        "second.pdf",
        "application/pdf",
        &content,
        "application/pdf",
    )
    .await;
    assert_ne!(a, b, "each upload has its own id");
    let rows = server.upload_rows().await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r.1 == sha256_hex(&content)));
    assert_eq!(
        server.query_texts("SELECT sha256 FROM upload_blobs").await,
        vec![Some(sha256_hex(&content))]
    );
    assert_eq!(
        server.count("SELECT COUNT(*) FROM upload_chunks").await,
        1,
        "50,000 bytes are one chunk"
    );
    assert_no_temporary_files(&server);
}

async fn unused_uploads_expire(backend: Backend) {
    let server = start!(
        backend,
        &[],
        &[
            ("ONEWINDOW_UPLOAD_TTL_SECS", "1"),
            ("ONEWINDOW_UPLOAD_SWEEP_SECS", "1")
        ]
    );
    let kept_content = pdf_of(20_000);
    let gone_content = png();

    // Used by an application: kept, and so is the file a same-content unused upload shares.
    let used = upload_ok(
        &server,
        "a.pdf",
        "application/pdf",
        &kept_content,
        "application/pdf",
    )
    .await;
    server
        .execute_sql(&format!(
            "UPDATE uploads SET case_number = 'TEST-CASE-1' WHERE id = '{used}'"
        ))
        .await;
    let twin = upload_ok(
        &server,
        "b.pdf",
        "application/pdf",
        &kept_content,
        "application/pdf",
    )
    .await;
    // Unused, content of its own: row and file go.
    let gone = upload_ok(&server, "c.png", "image/png", &gone_content, "image/png").await;
    let gone_sha = sha256_hex(&gone_content);
    let kept_sha = sha256_hex(&kept_content);
    let blob_count =
        |sha: &str| format!("SELECT COUNT(*) FROM upload_blobs WHERE sha256 = '{sha}'");
    assert_eq!(server.count(&blob_count(&gone_sha)).await, 1);
    assert_eq!(server.count(&blob_count(&kept_sha)).await, 1);

    // An abandoned temporary file goes; a fresh one (an upload in progress) stays.
    let tmp = server.data_dir().join("uploads/tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let stale = tmp.join("0123456789abcdef0123456789abcdef.part");
    let fresh = tmp.join("fedcba9876543210fedcba9876543210.part");
    std::fs::write(&stale, b"half an upload").unwrap();
    std::fs::write(&fresh, b"an upload in progress").unwrap();
    let two_hours_ago = std::time::SystemTime::now() - Duration::from_secs(2 * 60 * 60);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();

    tokio::time::sleep(Duration::from_secs(3)).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let rows = server.upload_rows().await;
        let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        let gone_blob = server.count(&blob_count(&gone_sha)).await;
        let done = !ids.contains(&gone.as_str())
            && !ids.contains(&twin.as_str())
            && gone_blob == 0
            && !stale.exists();
        if done {
            assert_eq!(ids, vec![used.as_str()], "only the used upload is left");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not expired after 18 s: rows {rows:?}, stored file there: {gone_blob}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        server.stored_bytes(&kept_sha).await.as_deref(),
        Some(kept_content.as_slice()),
        "the file of a used upload was deleted"
    );
    assert_eq!(
        server
            .count(&format!(
                "SELECT COUNT(*) FROM upload_chunks WHERE sha256 = '{gone_sha}'"
            ))
            .await,
        0,
        "the chunks of an expired file are left"
    );
    assert!(fresh.is_file(), "a temporary file in use was deleted");
}

async fn garbage_is_400_never_500(backend: Backend) {
    let server = start!(backend);
    let (ct, good) = multipart("file", "a.pdf", "application/pdf", &pdf());
    let truncated = good[..good.len() - 20].to_vec();
    let other_boundary = String::from_utf8(good.clone())
        .unwrap()
        .replace(BOUNDARY, "some-other-boundary")
        .into_bytes();
    let (_, other_part) = multipart("document", "a.pdf", "application/pdf", &pdf());
    let no_parts = format!("--{BOUNDARY}--\r\n").into_bytes();

    let cases: Vec<(Option<&str>, Vec<u8>, &str, &str)> = vec![
        (None, pdf(), "invalid", "no content type"),
        (
            Some("application/json"),
            br#"{"file":"JVBERi0="}"#.to_vec(),
            "invalid",
            "JSON",
        ),
        (Some("application/pdf"), pdf(), "invalid", "a bare PDF"),
        (Some("text/plain"), b"hello".to_vec(), "invalid", "text"),
        (
            Some("multipart/form-data"),
            good.clone(),
            "invalid",
            "no boundary",
        ),
        (
            Some("multipart/form-data; boundary="),
            good.clone(),
            "invalid",
            "an empty boundary",
        ),
        (
            Some(ct.as_str()),
            other_boundary,
            "invalid",
            "a different boundary in the body",
        ),
        (
            Some("multipart/form-data; boundary=some-other-boundary"),
            good.clone(),
            "invalid",
            "a different boundary in the header",
        ),
        (Some(ct.as_str()), truncated, "invalid", "a truncated body"),
        (Some(ct.as_str()), Vec::new(), "invalid", "an empty body"),
        (
            Some(ct.as_str()),
            b"\0\xFF\xFE garbage \r\n\r\n--".to_vec(),
            "invalid",
            "binary garbage",
        ),
        (
            Some(ct.as_str()),
            other_part,
            "required",
            "no part named file",
        ),
        (Some(ct.as_str()), no_parts, "required", "no parts at all"),
    ];
    for (ctype, body, code, what) in cases {
        let (status, answer) = post_raw(&server, ctype, body).await;
        assert!(
            status != StatusCode::INTERNAL_SERVER_ERROR,
            "{what}: {answer}"
        );
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {answer}");
        assert_eq!(
            assert_error_shape(&answer, "bad_request"),
            vec!["file".to_string()],
            "{what}: {answer}"
        );
        assert_eq!(
            answer["error"]["fields"][0]["code"], code,
            "{what}: {answer}"
        );
    }

    // Other methods have the error shape.
    let (status, body) = server.get_json("/api/v1/uploads").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert_error_shape(&body, "method_not_allowed");

    // A part before `file` is skipped; the server still works afterwards.
    let mut body =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n")
            .into_bytes();
    body.extend_from_slice(&good);
    let (status, answer) = post_raw(&server, Some(&ct), body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["media_type"], "application/pdf");
    assert_eq!(server.upload_rows().await.len(), 1);
    assert_no_temporary_files(&server);
}

async fn logs_hold_no_file_names(backend: Backend) {
    let server = start!(backend, &[], &[("RUST_LOG", "debug")]);
    let name = "张三-身份证-110101199003077777";
    let id = upload_ok(
        &server,
        &format!("{name}.pdf"),
        "application/pdf",
        &pdf(),
        "application/pdf",
    )
    .await;
    let (status, body) = upload(
        &server,
        &format!("{name}.exe"),
        "application/pdf",
        &exe(1000),
    )
    .await;
    assert_file_error(status, &body, "wrong_type");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = server.log();
    assert!(
        log.contains("/api/v1/uploads"),
        "debug logging is on (request lines): {log:.2000}"
    );
    for secret in [name, "110101199003077777", id.as_str(), &sha256_hex(&pdf())] {
        assert!(!log.contains(secret), "the log holds {secret:?}:\n{log}");
    }
}

async fn an_abandoned_upload_leaves_nothing(backend: Backend) {
    use tokio::io::AsyncWriteExt;
    let server = start!(backend);
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (ct, body) = multipart("file", "a.pdf", "application/pdf", &pdf_of(4 * MB));
    let head = format!(
        "POST /api/v1/uploads HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..MB]).await.unwrap();
    stream.flush().await.unwrap();
    // The server is receiving: a temporary file exists.
    let tmp_seen = wait_for(|| !files_on_disk(server.data_dir()).1.is_empty()).await;
    assert!(tmp_seen, "no temporary file while receiving");
    drop(stream); // the client goes away mid-upload

    let cleaned = wait_for(|| files_on_disk(server.data_dir()).1.is_empty()).await;
    assert!(
        cleaned,
        "temporary files left after the client went away: {:?}",
        files_on_disk(server.data_dir()).1
    );
    assert!(server.upload_rows().await.is_empty());
    assert!(files_on_disk(server.data_dir()).0.is_empty());
    // And the server still answers.
    upload_ok(
        &server,
        "a.pdf",
        "application/pdf",
        &pdf(),
        "application/pdf",
    )
    .await;
}

/// Polls `check` for up to 10 s.
async fn wait_for(check: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    check()
}
