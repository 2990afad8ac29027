//! Serving the portal at `/` (its application flow and complaint form from `dist/apply`,
//! its progress and complaint lookup from `dist/track`) and the kiosk at `/kiosk/`: files
//! from the bundle, any other
//! path falls back to the bundle's `index.html` (client-side routes), with cache headers
//! that let hashed assets live for a year while `index.html` is always revalidated.

use std::path::Path;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

use crate::state::AppState;

fn bundle(dir: &Path) -> ServeDir<ServeFile> {
    let index = ServeFile::new(dir.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index)
}

pub fn bundles(dist: &Path) -> Router<AppState> {
    for b in ["portal", "apply", "track", "kiosk"] {
        if !dist.join(b).join("index.html").exists() {
            tracing::warn!(
                "{} has no built bundle: run `cargo xtask build`",
                dist.join(b).display()
            );
        }
    }
    // The portal's application flow is a bundle of its own (it would double the portal's
    // first download): its pages get its index.html, its assets live under /_apply/.
    let apply_index = ServeFile::new(dist.join("apply").join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    // Progress lookup likewise: receipts' QR codes land there, on phones.
    let track_index = ServeFile::new(dist.join("track").join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .route_service("/services/{code}/apply", apply_index.clone())
        .route_service("/services/{code}/apply/{*step}", apply_index.clone())
        .route_service("/receipt/{number}", apply_index.clone())
        .route_service("/track/{number}/supplement", apply_index.clone())
        // Complaints too: the form uploads, and following one starts from its confirmation.
        .route_service("/complaints", apply_index.clone())
        .route_service("/complaints/new", apply_index.clone())
        .route_service("/complaints/{number}", apply_index)
        .nest_service(
            "/_apply",
            ServeDir::new(dist.join("apply"))
                .precompressed_br()
                .precompressed_gzip(),
        )
        .route_service("/track", track_index.clone())
        .route_service("/track/{number}", track_index)
        .nest_service(
            "/_track",
            ServeDir::new(dist.join("track"))
                .precompressed_br()
                .precompressed_gzip(),
        )
        .nest_service("/kiosk", bundle(&dist.join("kiosk")))
        .fallback_service(bundle(&dist.join("portal")))
        .layer(middleware::from_fn(cache_headers))
}

/// Trunk names hashed assets `name-<16+ hex digits>[_bg].ext`.
fn is_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    file.split(['-', '_', '.'])
        .any(|part| part.len() >= 16 && part.chars().all(|c| c.is_ascii_hexdigit()))
}

async fn cache_headers(req: Request, next: Next) -> Response {
    let hashed = is_hashed(req.uri().path());
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let policy = if html || !res.status().is_success() {
        "no-cache"
    } else if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static(policy));
    res
}

/// API answers change with every import and must not be stored by proxies.
pub async fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// Request spans carry the method and path only: query strings can hold personal data.
pub fn span_without_query(req: &axum::http::Request<Body>) -> tracing::Span {
    tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
}

#[cfg(test)]
mod tests {
    use super::is_hashed;

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_hashed("/portal-3f2a9c0d1b4e5f67_bg.wasm"));
        assert!(is_hashed("/kiosk/base-0123456789abcdef.css"));
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/favicon.svg"));
    }
}
