//! A stored file as an answer (`uploads::files::Download`), for the staff and the applicant
//! routes alike: an attachment (never shown inline), of the type the server detected, not to
//! be sniffed, sandboxed, not cached. The name goes in `Content-Disposition` as an ASCII
//! fallback and in full as RFC 5987 UTF-8 (RFC 6266).

use axum::body::Body;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::uploads::files::Download;

/// What RFC 5987 lets stand unencoded in `filename*` (attr-char).
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment; filename="<ASCII>"; filename*=UTF-8''<percent-encoded>`: the fallback keeps
/// printable ASCII but quotes and backslashes, anything else becomes `_`.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
        utf8_percent_encode(name, ATTR_CHAR)
    )
}

/// The answer carrying `download`.
pub fn respond(download: Download) -> Response {
    let mut res = (StatusCode::OK, Body::from_stream(download.body)).into_response();
    let h = res.headers_mut();
    let media_type = HeaderValue::from_str(&download.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    h.insert(CONTENT_TYPE, media_type);
    h.insert(CONTENT_LENGTH, HeaderValue::from(download.size));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&download.name)) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn names_are_quoted_safely_and_given_in_full() {
        assert_eq!(
            content_disposition("身份证 正面.pdf"),
            "attachment; filename=\"___ __.pdf\"; filename*=UTF-8''%E8%BA%AB%E4%BB%BD%E8%AF%81%20%E6%AD%A3%E9%9D%A2.pdf"
        );
        assert_eq!(
            content_disposition("a\"b\\c;d.png"),
            "attachment; filename=\"a_b_c;d.png\"; filename*=UTF-8''a%22b%5Cc%3Bd.png"
        );
    }
}
