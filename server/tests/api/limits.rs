//! Limits against slow and greedy clients, over the real `server` binary on SQLite
//! (`sqlite::*`) and PostgreSQL (`postgres::*`): half-sent request heads are dropped, a JSON
//! body that trickles in gets 408, an upload that stalls is abandoned without a trace,
//! uploads beyond the concurrent cap get 503, one address past its upload quota gets 429
//! while another still uploads, and below the free-disk floor uploads get 507.
//!
//! Each check starts its server with short limits (`--header-read-timeout-secs 2`, …) and
//! speaks raw HTTP/1.1 over TCP where a client must misbehave.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{assert_error_shape, new_key, two_department_catalogue, Backend, TestServer};
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

backend_tests!(
    worker_threads = 4;
    forty_half_sent_requests_are_closed_within_the_timeout,
    a_trickled_json_body_gets_408,
    a_stalled_upload_is_dropped_and_leaves_nothing,
    a_slow_but_steady_upload_is_not_cut_off,
    uploads_over_the_cap_get_503,
    the_upload_quota_counts_per_address,
    below_the_disk_floor_uploads_get_507,
);

const BOUNDARY: &str = "----onewindow-limits-5e1d";
const KB: usize = 1024;

fn catalogue() -> Value {
    two_department_catalogue(
        "tlm_topic",
        [("tlm", "测试限额局"), ("tlo", "测试另一局")],
        [
            ("TEST-LIM-001", "测试限额事项"),
            ("TEST-LIM-002", "测试他局事项"),
        ],
    )
}

fn host(server: &TestServer) -> String {
    server.base.trim_start_matches("http://").to_string()
}

/// A `multipart/form-data` body with one PDF of `len` bytes as `file`; (content type, body).
fn pdf_upload(len: usize) -> (String, Vec<u8>) {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(len, b'x');
    body.extend_from_slice(&pdf);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// The head of a raw `POST /api/v1/uploads` of `body_len` bytes.
fn upload_head(server: &TestServer, content_type: &str, body_len: usize) -> String {
    format!(
        "POST /api/v1/uploads HTTP/1.1\r\nHost: {}\r\nContent-Type: {content_type}\r\nContent-Length: {body_len}\r\n\r\n",
        host(server)
    )
}

/// Uploads a PDF of `len` bytes, from `forwarded` (an `X-Forwarded-For`) when given.
async fn upload(server: &TestServer, len: usize, forwarded: Option<&str>) -> reqwest::Response {
    let (ct, body) = pdf_upload(len);
    let mut req = server
        .http
        .post(server.url("/api/v1/uploads"))
        .header(CONTENT_TYPE, ct)
        .body(body);
    if let Some(addr) = forwarded {
        req = req.header("X-Forwarded-For", addr);
    }
    req.send()
        .await
        .unwrap_or_else(|e| panic!("POST /api/v1/uploads: {e}"))
}

async fn json(resp: reqwest::Response) -> (StatusCode, Option<String>, Value) {
    let status = resp.status();
    let retry = resp
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = resp.text().await.unwrap();
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{status} with a body that is not JSON ({e}): {text:.300}"));
    (status, retry, value)
}

/// Reads what the server sends until it closes the connection (or `limit` passes); the
/// status and the JSON body of the answer.
async fn read_answer(stream: &mut TcpStream, limit: Duration) -> (u16, Value) {
    let mut received = Vec::new();
    let _ = tokio::time::timeout(limit, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    received.extend_from_slice(&buf[..n]);
                    if complete(&received) {
                        break;
                    }
                }
            }
        }
    })
    .await;
    let text = String::from_utf8_lossy(&received).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer within {limit:?}: {text:?}"));
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    let value = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("{status} with a body that is not JSON ({e}): {body:?}"));
    (status, value)
}

/// An answer with a `Content-Length` received in full.
fn complete(received: &[u8]) -> bool {
    let text = String::from_utf8_lossy(received);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    head.lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .is_some_and(|len| body.len() >= len)
}

/// Files under `uploads/` (stored, temporary).
fn files_on_disk(data_dir: &Path) -> (Vec<String>, Vec<String>) {
    let mut stored = Vec::new();
    let mut tmp = Vec::new();
    let root = data_dir.join("uploads");
    let Ok(dirs) = std::fs::read_dir(&root) else {
        return (stored, tmp);
    };
    for dir in dirs.flatten() {
        let is_tmp = dir.file_name() == "tmp";
        for f in std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = f.file_name().to_string_lossy().into_owned();
            if is_tmp {
                tmp.push(name);
            } else {
                stored.push(name);
            }
        }
    }
    (stored, tmp)
}

/// Polls `check` for up to `limit`.
async fn wait_for(limit: Duration, check: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    check()
}

/// Opens an upload of `len` bytes and sends only `sent` of its body; the connection is
/// held open.
async fn stalled_upload(server: &TestServer, len: usize, sent: usize) -> TcpStream {
    let (ct, body) = pdf_upload(len);
    let mut stream = TcpStream::connect(host(server)).await.unwrap();
    stream
        .write_all(upload_head(server, &ct, body.len()).as_bytes())
        .await
        .unwrap();
    stream.write_all(&body[..sent]).await.unwrap();
    stream.flush().await.unwrap();
    stream
}

async fn forty_half_sent_requests_are_closed_within_the_timeout(backend: Backend) {
    let server = start_on!(backend, catalogue(), args: &["--header-read-timeout-secs", "2"]);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40 {
        let addr = host(&server);
        tasks.spawn(async move {
            let mut stream = TcpStream::connect(&addr).await.unwrap();
            // A request line and one header, and never the blank line that ends the head.
            let head = format!("GET /api/v1/config HTTP/1.1\r\nHost: {addr}\r\nX-Slow-{i}: ");
            stream.write_all(head.as_bytes()).await.unwrap();
            let mut buf = [0u8; 1024];
            // Closed (end of stream or reset) within the timeout and a margin.
            let closed = tokio::time::timeout(Duration::from_secs(8), async {
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                }
            })
            .await;
            closed.is_ok()
        });
    }
    let mut closed = 0;
    while let Some(done) = tasks.join_next().await {
        if done.unwrap() {
            closed += 1;
        }
    }
    let took = started.elapsed();
    assert_eq!(closed, 40, "{closed} of 40 half-sent connections closed");
    assert!(
        took >= Duration::from_millis(1500),
        "closed after {took:?}, before the 2 s timeout"
    );
    // A client that sends its request in time is served.
    let (status, _) = server.get_json("/api/v1/config").await;
    assert_eq!(status, StatusCode::OK);
}

async fn a_trickled_json_body_gets_408(backend: Backend) {
    let server = start_on!(backend, catalogue(), args: &["--request-timeout-secs", "2"]);
    let mut stream = TcpStream::connect(host(&server)).await.unwrap();
    let head = format!(
        "POST /api/v1/complaints HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nIdempotency-Key: {}\r\nContent-Length: 4000\r\n\r\n{{\"description\": \"",
        host(&server),
        new_key("limits")
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    // One byte every 200 ms: the body would take over ten minutes.
    let trickle = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if writer.write_all(b"x").await.is_err() {
                return;
            }
        }
    });
    let started = Instant::now();
    let mut stream_back = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    stream_back.extend_from_slice(&buf[..n]);
                    if complete(&stream_back) {
                        break;
                    }
                }
            }
        }
    })
    .await;
    let took = started.elapsed();
    trickle.abort();
    let text = String::from_utf8_lossy(&stream_back).into_owned();
    assert!(text.starts_with("HTTP/1.1 408"), "after {took:?}: {text:?}");
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(6),
        "answered after {took:?} with a 2 s limit"
    );
    let body: Value = serde_json::from_str(text.split_once("\r\n\r\n").unwrap().1).unwrap();
    assert_eq!(
        assert_error_shape(&body, "request_timeout"),
        Vec::<String>::new()
    );
    // A request sent at once is answered.
    let (status, _) = server.get_json("/api/v1/services").await;
    assert_eq!(status, StatusCode::OK);
}

async fn a_stalled_upload_is_dropped_and_leaves_nothing(backend: Backend) {
    let server = start_on!(backend, catalogue(), args: &["--upload-chunk-timeout-secs", "2"]);
    let mut stream = stalled_upload(&server, 600 * KB, 100 * KB).await;
    let receiving = wait_for(Duration::from_secs(5), || {
        !files_on_disk(server.data_dir()).1.is_empty()
    })
    .await;
    assert!(receiving, "no temporary file while receiving");
    let started = Instant::now();
    let (status, body) = read_answer(&mut stream, Duration::from_secs(10)).await;
    let took = started.elapsed();
    assert_eq!(status, 408, "{body}");
    assert_eq!(
        assert_error_shape(&body, "request_timeout"),
        Vec::<String>::new()
    );
    assert!(took < Duration::from_secs(6), "dropped after {took:?}");
    let cleaned = wait_for(Duration::from_secs(5), || {
        let (stored, tmp) = files_on_disk(server.data_dir());
        stored.is_empty() && tmp.is_empty()
    })
    .await;
    assert!(
        cleaned,
        "files left: {:?}",
        files_on_disk(server.data_dir())
    );
    assert!(server.upload_rows().await.is_empty());
}

async fn a_slow_but_steady_upload_is_not_cut_off(backend: Backend) {
    // The request timeout is for JSON: an upload that keeps sending may take longer.
    let server = start_on!(
        backend,
        catalogue(),
        args: &["--request-timeout-secs", "1", "--upload-chunk-timeout-secs", "3"]
    );
    let (ct, body) = pdf_upload(100 * KB);
    let mut stream = TcpStream::connect(host(&server)).await.unwrap();
    stream
        .write_all(upload_head(&server, &ct, body.len()).as_bytes())
        .await
        .unwrap();
    let started = Instant::now();
    for piece in body.chunks(body.len() / 5 + 1) {
        stream.write_all(piece).await.unwrap();
        stream.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
    let (status, value) = read_answer(&mut stream, Duration::from_secs(10)).await;
    assert!(started.elapsed() > Duration::from_secs(2));
    assert_eq!(status, 201, "{value}");
    assert_eq!(server.upload_rows().await.len(), 1);
}

async fn uploads_over_the_cap_get_503(backend: Backend) {
    let server = start_on!(
        backend,
        catalogue(),
        args: &["--max-concurrent-uploads", "2", "--upload-chunk-timeout-secs", "30"]
    );
    let first = stalled_upload(&server, 600 * KB, 50 * KB).await;
    let second = stalled_upload(&server, 600 * KB, 50 * KB).await;
    let both = wait_for(Duration::from_secs(5), || {
        files_on_disk(server.data_dir()).1.len() == 2
    })
    .await;
    assert!(both, "the two uploads are not being received");

    let (status, retry, body) = json(upload(&server, 10 * KB, None).await).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_error_shape(&body, "uploads_busy");
    let retry: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!(retry >= 1, "Retry-After {retry}");
    assert!(server.upload_rows().await.is_empty());

    // Once the two clients go away, their slots are free again.
    drop(first);
    drop(second);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let resp = upload(&server, 10 * KB, None).await;
        if resp.status() == StatusCode::CREATED {
            break;
        }
        assert!(Instant::now() < deadline, "still {}", resp.status());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn the_upload_quota_counts_per_address(backend: Backend) {
    let server = start_on!(
        backend,
        catalogue(),
        args: &["--upload-quota-mb", "1", "--trusted-proxy", "127.0.0.1"]
    );
    let greedy = Some("203.0.113.7");
    for i in 0..3 {
        let (status, _, body) = json(upload(&server, 300 * KB, greedy).await).await;
        assert_eq!(status, StatusCode::CREATED, "upload {i}: {body}");
    }
    // The fourth would pass 1 MB: refused while it arrives, and nothing is kept of it.
    let (status, retry, body) = json(upload(&server, 300 * KB, greedy).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_error_shape(&body, "upload_quota_exceeded");
    let retry: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!(retry > 60, "Retry-After {retry} with a one-hour window");
    assert_eq!(server.upload_rows().await.len(), 3);
    // Used up: even a small file is refused before it is read.
    let (status, retry, body) = json(upload(&server, KB, greedy).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(retry.is_some());
    // Another client behind the same proxy still uploads.
    let (status, _, body) = json(upload(&server, 300 * KB, Some("203.0.113.8")).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(server.upload_rows().await.len(), 4);
    let tmp_left = wait_for(Duration::from_secs(5), || {
        files_on_disk(server.data_dir()).1.is_empty()
    })
    .await;
    assert!(
        tmp_left,
        "temporary files left: {:?}",
        files_on_disk(server.data_dir()).1
    );
}

async fn below_the_disk_floor_uploads_get_507(backend: Backend) {
    // 100 TB must stay free: more than this machine has.
    let server = start_on!(backend, catalogue(), args: &["--min-free-disk-mb", "100000000"]);
    let (status, _, body) = json(upload(&server, 10 * KB, None).await).await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    assert_error_shape(&body, "insufficient_storage");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("storage space"), "{message}");
    assert!(server.upload_rows().await.is_empty());
    assert!(files_on_disk(server.data_dir()).1.is_empty());
    // The rest of the API is not affected.
    let (status, _) = server.get_json("/api/v1/services").await;
    assert_eq!(status, StatusCode::OK);
}
