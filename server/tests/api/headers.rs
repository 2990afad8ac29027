//! The security headers on pages, assets and the API, over the real `server` binary on
//! SQLite (`sqlite::*`) and PostgreSQL (`postgres::*`): a Content-Security-Policy that allows
//! this origin, WebAssembly and the bundles' own inline scripts by hash (and nothing inline
//! else), no sniffing, no referrer, no powerful features; API answers are `no-store`.

use crate::support::{self, two_department_catalogue, Backend, TestServer};
use base64::Engine;
use reqwest::header::CACHE_CONTROL;
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

backend_tests!(every_answer_carries_the_security_headers);

fn catalogue() -> Value {
    two_department_catalogue(
        "thd_topic",
        [("thd", "测试标头局"), ("tho", "测试另一局")],
        [
            ("TEST-HDR-001", "测试标头事项"),
            ("TEST-HDR-002", "测试他局事项"),
        ],
    )
}

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

async fn every_answer_carries_the_security_headers(backend: Backend) {
    let server: TestServer = start_on!(backend, catalogue());
    let kiosk_hash = format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(support::KIOSK_SCRIPT))
    );
    let asset = format!("/{}", support::HASHED_ASSET.trim_start_matches("portal/"));
    for (path, status, cache) in [
        ("/", StatusCode::OK, "no-cache"),
        ("/kiosk/", StatusCode::OK, "no-cache"),
        (asset.as_str(), StatusCode::OK, "immutable"),
        ("/api/v1/config", StatusCode::OK, "no-store"),
        (
            "/api/v1/services/NO-SUCH-SERVICE",
            StatusCode::NOT_FOUND,
            "no-store",
        ),
        ("/api/v1/no-such-route", StatusCode::NOT_FOUND, "no-store"),
        ("/api/elsewhere", StatusCode::NOT_FOUND, "no-store"),
    ] {
        let resp = server.get(path).await;
        assert_eq!(resp.status(), status, "GET {path}");
        let csp = header(&resp, "content-security-policy");
        let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
        for wanted in [
            "default-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "style-src 'self'",
            "img-src 'self'",
            "connect-src 'self'",
        ] {
            assert!(
                directives.contains(&wanted),
                "GET {path}: no {wanted:?} in {csp:?}"
            );
        }
        let script = directives
            .iter()
            .find(|d| d.starts_with("script-src "))
            .unwrap_or_else(|| panic!("GET {path}: no script-src in {csp:?}"));
        let sources: Vec<&str> = script.split_whitespace().skip(1).collect();
        assert_eq!(
            sources,
            vec!["'self'", "'wasm-unsafe-eval'", kiosk_hash.as_str()],
            "GET {path}: {script}"
        );
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"),
            "{csp}"
        );
        assert_eq!(
            header(&resp, "x-content-type-options"),
            "nosniff",
            "GET {path}"
        );
        assert_eq!(
            header(&resp, "referrer-policy"),
            "no-referrer",
            "GET {path}"
        );
        let features = header(&resp, "permissions-policy");
        for denied in ["camera=()", "microphone=()", "geolocation=()", "payment=()"] {
            assert!(features.contains(denied), "GET {path}: {features:?}");
        }
        let cache_control = header(&resp, CACHE_CONTROL.as_str());
        assert!(
            cache_control.contains(cache),
            "GET {path}: cache-control {cache_control:?}"
        );
    }
}
