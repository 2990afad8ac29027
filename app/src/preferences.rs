//! The portal's two preferences, the language and care mode, as forms that work without
//! JavaScript: they post to `ACTION`, where the server sets the same cookies the bundle sets
//! (`crate::i18n::COOKIE`, `crate::care::COOKIE`) and sends the reader back to the page.

use leptos::prelude::*;

/// Where the preference forms post.
pub const ACTION: &str = "/preferences";

/// The page to come back to: this page's path and query, as the router has them.
pub fn here() -> String {
    let location = leptos_router::hooks::use_location();
    let path = location.pathname.get_untracked();
    let search = location.search.get_untracked();
    let query = search.trim_start_matches('?');
    if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    }
}

/// A page to come back to, as the form sent it: a path on this site, else the home page.
pub fn safe_back(back: &str) -> &str {
    let on_this_site = back.starts_with('/')
        && !back.starts_with("//")
        && !back.starts_with("/\\")
        && !back.chars().any(|c| c.is_control() || c == '\\');
    if on_this_site {
        back
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_path_here_is_a_way_back() {
        assert_eq!(safe_back("/services?q=x"), "/services?q=x");
        assert_eq!(safe_back("//evil.example/"), "/");
        assert_eq!(safe_back("/\\evil.example"), "/");
        assert_eq!(safe_back("https://evil.example/"), "/");
        assert_eq!(safe_back("/a\r\nSet-Cookie: x=y"), "/");
        assert_eq!(safe_back(""), "/");
    }
}
