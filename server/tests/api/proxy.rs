//! Two nodes on one PostgreSQL database behind a real nginx (Debian's; `cargo xtask test`
//! installs it, elsewhere the checks are skipped with a message when `nginx` is not on PATH):
//! the gate sees the client's address through the proxy and counts over both nodes, 200
//! concurrent submissions get 200 distinct numbers, an import through one node shows on the
//! other at once, losing a node mid-load loses no acknowledged submission, and a file
//! uploaded to one node is submitted through the other and downloaded through either.
//!
//! PostgreSQL only: a SQLite file belongs to one process.

use std::collections::HashSet;
use std::net::{IpAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{
    new_key, submit_to, test_service, two_department_catalogue, upload_to, Backend, TestServer,
};
use api_client::ApplicationCreated;
use reqwest::StatusCode;
use serde_json::{json, Value};

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_gate_counts_the_client_over_both_nodes() {
        super::the_gate_counts_the_client_over_both_nodes().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_submissions_get_distinct_numbers_and_imports_show_at_once() {
        super::concurrent_submissions_get_distinct_numbers_and_imports_show_at_once().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn losing_a_node_mid_load_loses_no_acknowledged_submission() {
        super::losing_a_node_mid_load_loses_no_acknowledged_submission().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_file_uploaded_to_one_node_is_submitted_and_downloaded_through_the_other() {
        super::a_file_uploaded_to_one_node_is_submitted_and_downloaded_through_the_other().await;
    }
}

const SERVICE: &str = "TEST-PROXY-001";

fn catalogue() -> Value {
    two_department_catalogue(
        "tpx_topic",
        [("tpx", "测试代理局"), ("tpo", "测试另一局")],
        [
            (SERVICE, "测试代理事项"),
            ("TEST-PROXY-002", "测试他局事项"),
        ],
    )
}

/// A running nginx in front of `upstreams`, in its own prefix directory; stopped on drop.
struct Nginx {
    child: Child,
    base: String,
    _prefix: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nginx_binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The configuration a hall IT team would write: round robin over the nodes, the client's
/// address (never what the client sent) in `X-Forwarded-For`, and a request a dead node
/// did not answer tried at the next one. Submissions carry an `Idempotency-Key`, so trying
/// one again cannot file it twice.
fn nginx_conf(prefix: &Path, port: u16, upstreams: &[&str]) -> String {
    let servers: String = upstreams
        .iter()
        .map(|u| format!("        server {u} max_fails=1 fail_timeout=10s;\n"))
        .collect();
    let p = prefix.display();
    format!(
        "worker_processes 1;
pid {p}/nginx.pid;
error_log {p}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {p}/body;
    proxy_temp_path {p}/proxy;
    fastcgi_temp_path {p}/fastcgi;
    uwsgi_temp_path {p}/uwsgi;
    scgi_temp_path {p}/scgi;
    client_max_body_size 64m;
    upstream onewindow {{
{servers}        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://onewindow;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_connect_timeout 2s;
            proxy_next_upstream error timeout http_502 non_idempotent;
        }}
    }}
}}
"
    )
}

/// Starts nginx in front of the nodes, or `None` (said) when there is no nginx.
async fn nginx(nodes: &[&TestServer]) -> Option<Nginx> {
    let Some(bin) = nginx_binary() else {
        eprintln!("skipped: nginx not installed (cargo xtask test installs it)");
        return None;
    };
    let prefix = tempfile::Builder::new()
        .prefix("onewindow-nginx-")
        .tempdir()
        .unwrap();
    let port = free_port();
    let upstreams: Vec<String> = nodes
        .iter()
        .map(|n| n.base.trim_start_matches("http://").to_string())
        .collect();
    let refs: Vec<&str> = upstreams.iter().map(String::as_str).collect();
    let conf = prefix.path().join("nginx.conf");
    std::fs::write(&conf, nginx_conf(prefix.path(), port, &refs)).unwrap();
    let child = Command::new(bin)
        .arg("-p")
        .arg(prefix.path())
        .arg("-e")
        .arg(prefix.path().join("error.log"))
        .arg("-c")
        .arg(&conf)
        .args(["-g", "daemon off;"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nginx");
    let mut proxy = Nginx {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _prefix: prefix,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = proxy.child.try_wait().unwrap() {
            let log =
                std::fs::read_to_string(proxy._prefix.path().join("error.log")).unwrap_or_default();
            panic!("nginx exited ({status}): {log}");
        }
        assert!(
            Instant::now() < deadline,
            "nginx did not listen within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Some(proxy)
}

/// Node A on a fresh PostgreSQL database with the test catalogue, and node B beside it, both
/// trusting the proxy on 127.0.0.1; `None` when PostgreSQL is not reachable.
async fn two_nodes(envs: &[(&str, &str)]) -> Option<(TestServer, TestServer)> {
    let args = ["--trusted-proxy", "127.0.0.1/32"];
    let a = TestServer::start_with_catalogue(Backend::Postgres, &args, envs, &catalogue()).await?;
    let b = a.start_beside(&args, envs).await;
    Some((a, b))
}

/// A client whose connections come from `local` (any 127.x.y.z reaches nginx).
fn client_from(local: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(local.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

fn application() -> Value {
    json!({
        "service_code": SERVICE,
        "applicant": {"type": "individual", "name": "张三丰", "id_type": "resident_id", "id_number": "11010519491231002X", "mobile": "13800138000"},
        "answers": {},
        "materials": {}
    })
}

/// Submits one application through `base`: the created case, or what came back instead.
async fn submit(http: &reqwest::Client, base: &str) -> Result<ApplicationCreated, String> {
    let resp = http
        .post(format!("{base}/api/v1/applications"))
        .header("Idempotency-Key", new_key("proxy"))
        .header("Content-Type", "application/json")
        .body(application().to_string())
        .send()
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    let status = resp.status();
    let text = resp.text().await.map_err(|e| format!("no body: {e}"))?;
    if status != StatusCode::CREATED {
        return Err(format!("{status}: {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))
}

async fn lookup(http: &reqwest::Client, base: &str, case: &ApplicationCreated) -> StatusCode {
    http.get(format!(
        "{base}/api/v1/cases/{}?c={}",
        case.acceptance_number, case.query_code
    ))
    .send()
    .await
    .expect("lookup through the proxy")
    .status()
}

// ---------------------------------------------------------------------------------------

async fn the_gate_counts_the_client_over_both_nodes() {
    let envs = [
        ("ONEWINDOW_LOOKUP_MAX_FAILS_PER_ADDR", "4"),
        ("ONEWINDOW_LOOKUP_MAX_FAILS_PER_NUMBER", "1000"),
        ("ONEWINDOW_LOOKUP_WINDOW_SECS", "600"),
    ];
    let Some((a, b)) = two_nodes(&envs).await else {
        return;
    };
    let Some(proxy) = nginx(&[&a, &b]).await else {
        return;
    };
    let case = submit(&reqwest::Client::new(), &proxy.base).await.unwrap();
    let guesser = client_from("127.0.0.2");
    let bystander = client_from("127.0.0.3");
    let wrong = if case.query_code == "ABCDEF" {
        "ABCDEG"
    } else {
        "ABCDEF"
    };
    let guess = |http: &reqwest::Client| {
        http.get(format!(
            "{}/api/v1/cases/{}?c={wrong}",
            proxy.base, case.acceptance_number
        ))
        .send()
    };
    // Round robin: the four misses go two to each node, and still make one count.
    for n in 0..4 {
        let status = guess(&guesser).await.unwrap().status();
        assert_eq!(status, StatusCode::NOT_FOUND, "miss {n}");
    }
    for n in 0..2 {
        let resp = guess(&guesser).await.unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "guess {} past the limit, at either node",
            4 + n
        );
        assert!(resp.headers().contains_key("retry-after"));
    }
    // Another client behind the same proxy has its own count: the gate sees the client's
    // address, not the proxy's.
    assert_eq!(
        guess(&bystander).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(lookup(&bystander, &proxy.base, &case).await, StatusCode::OK);
    // The guesser's own right code is refused too while it is locked out.
    assert_eq!(
        lookup(&guesser, &proxy.base, &case).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn concurrent_submissions_get_distinct_numbers_and_imports_show_at_once() {
    let Some((a, b)) = two_nodes(&[]).await else {
        return;
    };
    let Some(proxy) = nginx(&[&a, &b]).await else {
        return;
    };
    let http = reqwest::Client::new();
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let http = http.clone();
            let base = proxy.base.clone();
            tokio::spawn(async move { submit(&http, &base).await })
        })
        .collect();
    let mut numbers = HashSet::new();
    for t in tasks {
        let case = t.await.unwrap().expect("every submission is accepted");
        numbers.insert(case.acceptance_number);
    }
    assert_eq!(numbers.len(), 200, "200 submissions, 200 distinct numbers");

    // A service imported through node A is there at node B at once.
    let mut more = catalogue();
    more["services"].as_array_mut().unwrap().push(test_service(
        "TEST-PROXY-003",
        "测试新增事项",
        "tpx",
        "tpx_topic",
    ));
    let file = a.write_scratch("more.json", &more.to_string());
    let out = a.import(&[file]).await;
    assert!(out.success, "{out:?}");
    let (status, body) = b.get_json("/api/v1/services/TEST-PROXY-003").await;
    assert_eq!(status, StatusCode::OK, "node B sees the import: {body}");
}

async fn losing_a_node_mid_load_loses_no_acknowledged_submission() {
    let Some((mut a, b)) = two_nodes(&[]).await else {
        return;
    };
    let Some(proxy) = nginx(&[&a, &b]).await else {
        return;
    };
    let http = reqwest::Client::new();
    // A steady stream of submissions; node A dies a third of the way in.
    let tasks: Vec<_> = (0..150u64)
        .map(|i| {
            let http = http.clone();
            let base = proxy.base.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(i * 10)).await;
                submit(&http, &base).await
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    a.kill();
    let mut acknowledged = Vec::new();
    let mut refused = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(case) => acknowledged.push(case),
            Err(e) => refused.push(e),
        }
    }
    assert!(
        acknowledged.len() >= 100,
        "B goes on taking submissions: {} acknowledged, refused: {refused:?}",
        acknowledged.len()
    );
    // Every answered 201 is stored: each opens through the proxy (now node B alone).
    for case in &acknowledged {
        assert_eq!(
            lookup(&http, &proxy.base, case).await,
            StatusCode::OK,
            "{} was acknowledged but is not stored",
            case.acceptance_number
        );
    }
    let distinct: HashSet<_> = acknowledged.iter().map(|c| &c.acceptance_number).collect();
    assert_eq!(distinct.len(), acknowledged.len(), "no number given twice");
    // And B keeps answering.
    submit(&http, &proxy.base)
        .await
        .expect("a submission after A is gone");
}

async fn a_file_uploaded_to_one_node_is_submitted_and_downloaded_through_the_other() {
    let Some((a, b)) = two_nodes(&[]).await else {
        return;
    };
    let Some(proxy) = nginx(&[&a, &b]).await else {
        return;
    };
    let http = reqwest::Client::new();
    // More than one chunk, taken by node A alone.
    let content = crate::files::pdf("across nodes", 600_000);
    let id = upload_to(&http, &a.url("/api/v1/uploads"), "申请书.pdf", &content).await;
    // Submitted through node B, which never saw the bytes arrive.
    let case = submit_to(
        &http,
        &b.url("/api/v1/applications"),
        SERVICE,
        json!({"photo": [id]}),
    )
    .await;
    // (Tokens are made with the first node's command line: the same database.)
    let token = a.staff_token("代理甲", "tpx").await;
    let path = format!("/api/v1/staff/cases/{}/files/{id}", case.acceptance_number);
    let disposition =
        "attachment; filename=\"___.pdf\"; filename*=UTF-8''%E7%94%B3%E8%AF%B7%E4%B9%A6.pdf";
    // Staff through node B, then through the proxy (round robin: both nodes answer).
    let direct = http
        .get(b.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    crate::files::assert_download(direct, &content, "application/pdf", disposition).await;
    for _ in 0..4 {
        let proxied = http
            .get(format!("{}{path}", proxy.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        crate::files::assert_download(proxied, &content, "application/pdf", disposition).await;
    }
    // The applicant through the proxy, with the code.
    let mine = http
        .get(format!(
            "{}/api/v1/cases/{}/files/{id}?c={}",
            proxy.base, case.acceptance_number, case.query_code
        ))
        .send()
        .await
        .unwrap();
    crate::files::assert_download(mine, &content, "application/pdf", disposition).await;
}
