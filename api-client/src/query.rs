//! Parameters of `GET /api/v1/services`, and their limits (checked again by the server).

use crate::Audience;

/// A longer search text is refused: nobody types a 100-character service name.
pub const MAX_QUERY_CHARS: usize = 100;
pub const MAX_PER_PAGE: u32 = 100;
pub const DEFAULT_PER_PAGE: u32 = 20;
/// The highest page number accepted; beyond the last page the answer is simply empty.
pub const MAX_PAGE: u32 = 100_000;
/// Staff lists (`?page=&per_page=`): at most this many a page, and this many by default.
pub const STAFF_MAX_PER_PAGE: u32 = 100;
pub const STAFF_DEFAULT_PER_PAGE: u32 = 50;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceQuery {
    pub q: Option<String>,
    pub department: Option<String>,
    pub audience: Option<Audience>,
    pub topic: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

impl ServiceQuery {
    /// The URL query string (without `?`), omitting unset parameters.
    pub fn to_query_string(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut push = |k: &str, v: &str| parts.push(format!("{k}={}", encode(v)));
        if let Some(q) = &self.q {
            push("q", q);
        }
        if let Some(d) = &self.department {
            push("department", d);
        }
        if let Some(a) = self.audience {
            push("audience", a.as_str());
        }
        if let Some(t) = &self.topic {
            push("topic", t);
        }
        if let Some(p) = self.page {
            push("page", &p.to_string());
        }
        if let Some(p) = self.per_page {
            push("per_page", &p.to_string());
        }
        parts.join("&")
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_chinese_and_omits_unset() {
        let q = ServiceQuery {
            q: Some("营业 执照".into()),
            page: Some(2),
            ..Default::default()
        };
        assert_eq!(
            q.to_query_string(),
            "q=%E8%90%A5%E4%B8%9A%20%E6%89%A7%E7%85%A7&page=2"
        );
        assert_eq!(ServiceQuery::default().to_query_string(), "");
    }
}
