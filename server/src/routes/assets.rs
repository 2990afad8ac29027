//! A bundle's files held in memory: read once at start with their precompressed `.br` and
//! `.gz` siblings (written by `cargo xtask build`), answered without touching the disk.
//! The bundles are a few megabytes; reading them per request made `index.html` slower to
//! fetch than a case lookup.
//!
//! - The encoding is negotiated from `Accept-Encoding` (br, then gzip, else identity; a
//!   `q=0` refuses), with `Vary: Accept-Encoding` on every file that has variants.
//! - `ETag` is the identity bytes' SHA-256 (cut to 16 bytes), the same for every encoding
//!   but marked per encoding, so `If-None-Match` answers 304 without a body.
//! - A bundle rebuilt while the server runs is seen at the next start.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::header::{
    ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use sha2::{Digest, Sha256};

/// One file and its precompressed variants.
struct Asset {
    content_type: HeaderValue,
    etag: String,
    identity: Bytes,
    br: Option<Bytes>,
    gzip: Option<Bytes>,
}

/// A bundle directory's files by their path below it (`index.html`, `kiosk-….js`).
#[derive(Clone, Default)]
pub struct Assets {
    files: Arc<HashMap<String, Asset>>,
}

/// The most bytes read into memory from one bundle: a directory far larger than a bundle
/// is a wrong `--dist-dir`, not something to hold.
const MAX_BUNDLE_BYTES: u64 = 256 * 1024 * 1024;

impl Assets {
    /// Reads every file below `dir` (none when it does not exist).
    pub fn load(dir: &Path) -> Assets {
        let mut files = HashMap::new();
        let mut total = 0u64;
        let mut stack = vec![dir.to_path_buf()];
        while let Some(at) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&at) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() {
                    stack.push(path);
                    continue;
                }
                let name = path.to_string_lossy();
                if name.ends_with(".br") || name.ends_with(".gz") {
                    continue;
                }
                let Ok(identity) = std::fs::read(&path) else {
                    tracing::warn!("cannot read {}", path.display());
                    continue;
                };
                total += identity.len() as u64;
                if total > MAX_BUNDLE_BYTES {
                    tracing::warn!(
                        "{} holds more than {} MB: serving only what fits",
                        dir.display(),
                        MAX_BUNDLE_BYTES / (1024 * 1024)
                    );
                    return Assets {
                        files: Arc::new(files),
                    };
                }
                let sibling =
                    |ext: &str| std::fs::read(format!("{name}.{ext}")).ok().map(Bytes::from);
                let Ok(rel) = path.strip_prefix(dir) else {
                    continue;
                };
                let rel = rel.to_string_lossy().replace('\\', "/");
                let mime = mime_guess::from_path(&path).first_or_octet_stream();
                let content_type = HeaderValue::from_str(mime.as_ref())
                    .unwrap_or(HeaderValue::from_static("application/octet-stream"));
                let digest = Sha256::digest(&identity);
                files.insert(
                    rel,
                    Asset {
                        content_type,
                        etag: hex::encode(&digest[..16]),
                        br: sibling("br"),
                        gzip: sibling("gz"),
                        identity: Bytes::from(identity),
                    },
                );
            }
        }
        Assets {
            files: Arc::new(files),
        }
    }

    pub fn contains(&self, rel: &str) -> bool {
        self.files.contains_key(rel)
    }

    /// The answer to a GET or HEAD of `rel` (a path below the bundle, no leading `/`), or
    /// `None` when the bundle has no such file.
    pub fn answer(&self, rel: &str, method: &Method, headers: &HeaderMap) -> Option<Response> {
        let asset = self.files.get(rel)?;
        let accepts = headers
            .get(ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let (body, encoding) = match (&asset.br, &asset.gzip) {
            (Some(br), _) if accepts_coding(accepts, "br") => (br, Some("br")),
            (_, Some(gz)) if accepts_coding(accepts, "gzip") => (gz, Some("gzip")),
            _ => (&asset.identity, None),
        };
        let etag = format!("\"{}{}\"", asset.etag, encoding.map_or("", |e| &e[..1]));
        let mut res = Response::builder();
        let fresh = headers
            .get(IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
        res = res
            .header(CONTENT_TYPE, asset.content_type.clone())
            .header(ETAG, etag);
        if asset.br.is_some() || asset.gzip.is_some() {
            res = res.header(VARY, "accept-encoding");
        }
        if let Some(e) = encoding {
            res = res.header(CONTENT_ENCODING, e);
        }
        let res = if fresh {
            res.status(StatusCode::NOT_MODIFIED).body(Body::empty())
        } else {
            res = res.header(CONTENT_LENGTH, body.len());
            let body = if method == Method::HEAD {
                Body::empty()
            } else {
                Body::from(body.clone())
            };
            res.status(StatusCode::OK).body(body)
        };
        res.ok()
    }
}

/// Whether `accept` (an `Accept-Encoding` value) takes `coding` (not with `q=0`).
fn accepts_coding(accept: &str, coding: &str) -> bool {
    accept.split(',').any(|item| {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| {
            let p = p.trim();
            p.strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        name.eq_ignore_ascii_case(coding) && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_the_encoding() {
        assert!(accepts_coding("gzip, deflate, br, zstd", "br"));
        assert!(accepts_coding("gzip;q=0.8", "gzip"));
        assert!(!accepts_coding("gzip;q=0", "gzip"));
        assert!(!accepts_coding("identity", "br"));
        assert!(!accepts_coding("", "gzip"));
    }

    #[test]
    fn answers_from_memory_with_variants_and_etags() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("index.html"), "<p>x</p>").unwrap();
        std::fs::write(dir.path().join("index.html.br"), "BR").unwrap();
        std::fs::write(dir.path().join("sub/app.js"), "js").unwrap();
        let assets = Assets::load(dir.path());
        assert!(assets.contains("index.html") && assets.contains("sub/app.js"));
        assert!(!assets.contains("index.html.br"));
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip, br"));
        let res = assets.answer("index.html", &Method::GET, &headers).unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[CONTENT_ENCODING], "br");
        assert_eq!(res.headers()[CONTENT_TYPE], "text/html");
        let etag = res.headers()[ETAG].clone();
        headers.insert(IF_NONE_MATCH, etag);
        let res = assets.answer("index.html", &Method::GET, &headers).unwrap();
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
        let plain = assets
            .answer("sub/app.js", &Method::GET, &HeaderMap::new())
            .unwrap();
        assert!(plain.headers().get(CONTENT_ENCODING).is_none());
        assert_eq!(plain.headers()[CONTENT_LENGTH], "2");
        assert!(assets
            .answer("../etc/passwd", &Method::GET, &HeaderMap::new())
            .is_none());
    }
}
