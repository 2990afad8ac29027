//! Serving the bundles: the portal at `/`, its apply and track bundles for their pages
//! (assets under `/_apply/`, `/_track/`) and the kiosk at `/kiosk/`, as the one table in
//! `api_client::bundles` says. Files come from the bundle; a page gets its bundle's
//! `index.html` (client-side routes), and any other path the portal's. Files are held in
//! memory (`super::assets`). Cache headers let hashed assets live for a year while
//! `index.html` is always revalidated.

use std::path::Path;

use api_client::bundles::{axum_path, Bundle, KIOSK_PREFIX, PORTAL_PAGES};
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

use super::assets::Assets;
use super::pages::Pages;
use crate::state::AppState;

/// How a bundle answers a path its files do not hold.
#[derive(Clone, Copy)]
enum Missing {
    /// With its `index.html` (a client-side route).
    Index,
    /// 404 (an asset prefix).
    NotFound,
}

/// `rel` (below the bundle) from `assets`, or what `missing` says.
fn answer(assets: &Assets, rel: &str, missing: Missing, req: &Request) -> Response {
    let method = req.method();
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, [(ALLOW, "GET, HEAD")]).into_response();
    }
    let rel = rel.trim_start_matches('/');
    let found = match (rel.is_empty(), missing) {
        (false, _) => assets.answer(rel, method, req.headers()),
        (true, _) => None,
    };
    found
        .or_else(|| match missing {
            Missing::Index => assets.answer("index.html", method, req.headers()),
            Missing::NotFound => None,
        })
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// The bundles' files, and their pages as `pages` renders them.
pub fn bundles(dist: &Path, pages: Pages) -> Router<AppState> {
    router(dist, pages)
}

/// The static routes over any state, so the tests can run them without one.
fn router<S: Clone + Send + Sync + 'static>(dist: &Path, pages: Pages) -> Router<S> {
    let load = |b: Bundle| {
        let assets = Assets::load(&dist.join(b.name()));
        if !assets.contains("index.html") {
            tracing::warn!(
                "{} has no built bundle: run `cargo xtask build`",
                dist.join(b.name()).display()
            );
        }
        assets
    };
    let [portal, apply, track, kiosk] =
        [Bundle::Portal, Bundle::Apply, Bundle::Track, Bundle::Kiosk].map(load);
    let of = |b: Bundle| match b {
        Bundle::Portal => portal.clone(),
        Bundle::Apply => apply.clone(),
        Bundle::Track => track.clone(),
        Bundle::Kiosk => kiosk.clone(),
    };
    let mut router = Router::new();
    // The portal's pages that another bundle carries get that bundle's index.html; the
    // portal's own are its fallback below.
    for (page, b) in PORTAL_PAGES.iter().filter(|(_, b)| *b != Bundle::Portal) {
        let (pages, b) = (pages.clone(), *b);
        router = router.route(
            &axum_path(page),
            axum::routing::any(move |req: Request| async move { pages.answer(b, req).await }),
        );
    }
    // Those bundles' assets live under a prefix of their own, beside the portal's pages.
    for b in [Bundle::Apply, Bundle::Track] {
        let assets = of(b);
        let prefix = b.public_url();
        router = router.route(
            &format!("{prefix}{{*rest}}"),
            axum::routing::any(move |req: Request| async move {
                let rel = req
                    .uri()
                    .path()
                    .strip_prefix(prefix)
                    .unwrap_or("")
                    .to_string();
                answer(&assets, &rel, Missing::NotFound, &req)
            }),
        );
    }
    let kiosk_files = move |req: Request| {
        let kiosk = kiosk.clone();
        async move {
            let rel = req
                .uri()
                .path()
                .strip_prefix(KIOSK_PREFIX)
                .unwrap_or("")
                .to_string();
            answer(&kiosk, &rel, Missing::Index, &req)
        }
    };
    router
        .route(KIOSK_PREFIX, axum::routing::any(kiosk_files.clone()))
        .route(
            &format!("{KIOSK_PREFIX}/"),
            axum::routing::any(kiosk_files.clone()),
        )
        .route(
            &format!("{KIOSK_PREFIX}/{{*rest}}"),
            axum::routing::any(kiosk_files),
        )
        .fallback(move |req: Request| async move {
            let rel = req.uri().path().trim_start_matches('/');
            if !rel.is_empty() && portal.contains(rel) {
                return answer(&portal, rel, Missing::NotFound, &req);
            }
            // The portal's pages, and its page for an address that is none.
            pages.answer(Bundle::Portal, req).await
        })
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
    // A page may have said already that no cache keeps it (a case).
    if res.headers().contains_key(CACHE_CONTROL) {
        return res;
    }
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

/// API answers hold case data and change with every import: neither a proxy nor the
/// browser (a kiosk's, shared by strangers) may keep them, not even on disk.
pub async fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Request spans carry the method and path only: query strings can hold personal data.
pub fn span_without_query(req: &axum::http::Request<Body>) -> tracing::Span {
    tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_client::bundles::bundle_for;
    use axum::http::StatusCode;
    use tower::ServiceExt;

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_hashed("/portal-3f2a9c0d1b4e5f67_bg.wasm"));
        assert!(is_hashed("/kiosk/base-0123456789abcdef.css"));
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/favicon.svg"));
    }

    /// The server answers every page with the bundle the table names, as the bundles'
    /// routers expect, and serves each bundle's assets under its `public_url`.
    #[tokio::test]
    async fn answers_each_page_with_its_bundle() {
        let dist = tempfile::tempdir().unwrap();
        for b in Bundle::ALL {
            let dir = dist.path().join(b.name());
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                dir.join("index.html"),
                format!("<html><head><meta name=\"bundle\" content=\"{}\"><title>x</title></head><body></body></html>", b.name()),
            )
            .unwrap();
            std::fs::write(dir.join("asset.js"), b.name()).unwrap();
        }
        let pages = Pages::new(Router::new(), "http://example.test", |b| {
            std::fs::read_to_string(dist.path().join(b.name()).join("index.html")).ok()
        });
        let app = router::<()>(dist.path(), pages);
        let get = |path: &str| {
            let app = app.clone();
            let req = Request::get(path).body(Body::empty()).unwrap();
            async move {
                let res = app.oneshot(req).await.unwrap();
                let status = res.status();
                let body = axum::body::to_bytes(res.into_body(), 1 << 20)
                    .await
                    .unwrap();
                (status, String::from_utf8(body.to_vec()).unwrap())
            }
        };
        for path in [
            "/",
            "/services",
            "/services/440113-SCJG-XK-001",
            "/services/440113-SCJG-XK-001/notice",
            "/services/440113-SCJG-XK-001/apply",
            "/services/440113-SCJG-XK-001/apply/applicant",
            "/services/440113-SCJG-XK-001/apply/a/b",
            "/services/440113-SCJG-XK-001/apply/",
            "/receipt/440113202401010001X",
            "/track",
            "/track/",
            "/track/440113202401010001X",
            "/track/440113202401010001X/supplement",
            "/track/440113202401010001X/other",
            "/complaints",
            "/complaints/new",
            "/complaints/440113202401010002Y",
            "/kiosk",
            "/kiosk/",
            "/kiosk/guides",
            "/kiosk/track/440113202401010001X",
            "/kiosks",
            "/anything/else",
        ] {
            let (status, body) = get(path).await;
            // No API answers here (the `pages` API suite renders with one): a page that
            // asks for a guide or a case says it was not found; what is no page is 404.
            let not_a_page = [
                "/track/440113202401010001X/other",
                "/kiosks",
                "/anything/else",
            ];
            if not_a_page.contains(&path) {
                assert_eq!(status, StatusCode::NOT_FOUND, "GET {path}");
            } else {
                assert!(
                    [StatusCode::OK, StatusCode::NOT_FOUND].contains(&status),
                    "GET {path}: {status}"
                );
            }
            let marker = format!(
                "<meta name=\"bundle\" content=\"{}\">",
                bundle_for(path).name()
            );
            assert!(body.contains(&marker), "GET {path}: {body}");
            if api_client::bundles::is_plain(path) {
                assert!(
                    body.contains("plain.js") && !body.contains("id=\"page-data\""),
                    "GET {path} is rendered, with no bundle"
                );
            } else if bundle_for(path) != Bundle::Kiosk {
                assert!(body.contains("id=\"page-data\""), "GET {path} is rendered");
            }
        }
        for b in Bundle::ALL {
            let path = format!("{}asset.js", b.public_url());
            assert_eq!(
                get(&path).await,
                (StatusCode::OK, b.name().to_string()),
                "GET {path}"
            );
        }
    }
}
