//! The security headers of every answer, pages and API alike: a Content-Security-Policy
//! that allows the bundles exactly what they use, and no sniffing, no referrer, no powerful
//! browser features.
//!
//! The bundles run as WebAssembly started by one inline module script per `index.html`
//! (Trunk writes it): the policy allows scripts from this origin, the compiling of
//! WebAssembly (`'wasm-unsafe-eval'`, not `'unsafe-eval'`), and those inline scripts by the
//! SHA-256 of their text, read at start from the very files served (so a rebuilt bundle
//! needs a restart, never an edit here). Styles, images and fetches come from this origin
//! only (the QR codes are inline SVG elements, not `data:` images, and no page sets a
//! `style` attribute); nothing may frame the pages, embed plugins, move the base URL or send
//! a form elsewhere.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use api_client::bundles::Bundle;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

const PERMISSIONS_POLICY: HeaderName = HeaderName::from_static("permissions-policy");

/// Browser features no page uses, refused to the pages and anything they might embed.
const DENIED_FEATURES: &str = "accelerometer=(), autoplay=(), camera=(), display-capture=(), \
    fullscreen=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), \
    payment=(), publickey-credentials-get=(), screen-wake-lock=(), usb=(), \
    xr-spatial-tracking=()";

/// The headers added to every answer.
#[derive(Clone)]
pub struct SecurityHeaders {
    csp: HeaderValue,
}

impl SecurityHeaders {
    /// With the hashes of the inline scripts of every bundle's `index.html` under `dist`.
    pub fn for_bundles(dist: &Path) -> SecurityHeaders {
        let mut hashes = BTreeSet::new();
        for b in Bundle::ALL {
            let index = dist.join(b.name()).join("index.html");
            // A missing bundle is reported by the static routes; it serves no script.
            if let Ok(html) = std::fs::read_to_string(&index) {
                hashes.extend(inline_scripts(&html).iter().map(|s| script_hash(s)));
            }
        }
        SecurityHeaders::with_hashes(&hashes)
    }

    fn with_hashes(hashes: &BTreeSet<String>) -> SecurityHeaders {
        let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
        for h in hashes {
            script_src.push_str(&format!(" '{h}'"));
        }
        let policy = format!(
            "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self'; \
             connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'"
        );
        SecurityHeaders {
            csp: HeaderValue::from_str(&policy).expect("the policy is ASCII"),
        }
    }

    /// A response middleware adding the headers (`axum::middleware::map_response`).
    pub fn layer(
        self,
    ) -> impl Fn(Response) -> std::future::Ready<Response> + Clone + Send + Sync + 'static {
        let this = Arc::new(self);
        move |mut res: Response| {
            let h = res.headers_mut();
            // A download sets its own, stricter policy (`sandbox`).
            if !h.contains_key(CONTENT_SECURITY_POLICY) {
                h.insert(CONTENT_SECURITY_POLICY, this.csp.clone());
            }
            h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
            h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            h.insert(
                PERMISSIONS_POLICY,
                HeaderValue::from_static(DENIED_FEATURES),
            );
            std::future::ready(res)
        }
    }
}

/// `'sha256-…'` of a script's text, as CSP compares it.
fn script_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The text of every inline `<script>` (one without `src`), as the browser hashes it: the
/// element's text after HTML parsing.
fn inline_scripts(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let inline = scraper::Selector::parse("script:not([src])").expect("a valid selector");
    doc.select(&inline).map(|e| e.text().collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inline_scripts_only() {
        let html = "<head><script src=\"/a.js\"></script>\n<SCRIPT type=\"module\">import init from '/p.js';\ninit();</SCRIPT>\
                    <script>x()</script></head>";
        assert_eq!(
            inline_scripts(html),
            vec!["import init from '/p.js';\ninit();", "x()"]
        );
        // The hash CSP documents for `alert('Hello, world.');`.
        assert_eq!(
            script_hash("alert('Hello, world.');"),
            "sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng="
        );
    }

    #[test]
    fn the_policy_allows_wasm_and_the_hashed_scripts() {
        let hashes = BTreeSet::from(["sha256-abc=".to_string()]);
        let csp = SecurityHeaders::with_hashes(&hashes).csp;
        let csp = csp.to_str().unwrap();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-abc=';"),
            "{csp}"
        );
        assert!(csp.starts_with("default-src 'self';"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }
}
