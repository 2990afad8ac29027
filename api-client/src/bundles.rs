//! Which bundle serves which page: the one table, read by the bundles' routers (a bundle
//! that meets a page it does not carry loads it from the server), by the server's static
//! routing (which `index.html` answers a path, where each bundle's files are) and by xtask
//! (what it builds and measures).
//!
//! The portal is split so that its first visit stays small: the application flow and what
//! follows an upload are the apply bundle, progress lookup (where receipts' QR codes land,
//! on phones) is the track bundle. The kiosk carries every page itself, under `/kiosk`.
//!
//! A page is a path pattern of `/`-separated segments: a literal, `:name` (any one
//! segment) or, last, `*name` (the rest of the path, at least one character).

/// One build of the shared app.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Bundle {
    /// The portal's home, catalogue and guides; the server's answer for any other path.
    Portal,
    /// The application flow, its receipt, the answer to a supplement request, complaints.
    Apply,
    /// Progress lookup.
    Track,
    /// The hall kiosk: everything under `/kiosk`.
    Kiosk,
}

impl Bundle {
    pub const ALL: [Bundle; 4] = [Bundle::Portal, Bundle::Apply, Bundle::Track, Bundle::Kiosk];

    /// The build's name, which is also its directory under `dist/`.
    pub const fn name(self) -> &'static str {
        match self {
            Bundle::Portal => "portal",
            Bundle::Apply => "apply",
            Bundle::Track => "track",
            Bundle::Kiosk => "kiosk",
        }
    }

    /// Where the bundle's files are served (Trunk's `public_url`). The portal's are at the
    /// root and the kiosk's beside its pages; the others have a prefix of their own, so
    /// that their pages can sit among the portal's.
    pub const fn public_url(self) -> &'static str {
        match self {
            Bundle::Portal => "/",
            Bundle::Apply => "/_apply/",
            Bundle::Track => "/_track/",
            Bundle::Kiosk => "/kiosk/",
        }
    }
}

/// The kiosk's pages are the paths below this prefix; it answers every one of them but
/// `KIOSK_ENROL_PAGE` and `KIOSK_CONFIG_PATH`.
pub const KIOSK_PREFIX: &str = "/kiosk";

/// The kiosk's enrolment form: rendered by the server (no bundle, no script), so that the
/// device token goes straight into an `HttpOnly` cookie. A bundle that meets it loads it
/// from the server.
pub const KIOSK_ENROL_PAGE: &str = "/kiosk/enrol";

/// The kiosk's configuration (`crate::kiosk::KioskConfig`, JSON), served by the server from
/// its `--kiosk-config` file before the kiosk bundle's fallback would answer it.
pub const KIOSK_CONFIG_PATH: &str = "/kiosk/config.json";

/// Whether `path` (no query) is a page the server renders itself, not a bundle's.
pub fn is_server_page(path: &str) -> bool {
    path == KIOSK_ENROL_PAGE
}

/// The portal's pages and the bundle that carries each. A path that is none of them is the
/// portal's, which shows it as not found.
pub const PORTAL_PAGES: [(&str, Bundle); 13] = [
    ("/", Bundle::Portal),
    ("/services", Bundle::Portal),
    ("/services/:code", Bundle::Portal),
    ("/services/:code/notice", Bundle::Portal),
    ("/services/:code/apply", Bundle::Apply),
    // Deeper paths too: the flow's router decides what a step is.
    ("/services/:code/apply/*step", Bundle::Apply),
    ("/receipt/:number", Bundle::Apply),
    ("/track", Bundle::Track),
    ("/track/:number", Bundle::Track),
    // It uploads, so it stays out of the track bundle that phones open.
    ("/track/:number/supplement", Bundle::Apply),
    // The form uploads, and following a complaint starts from its confirmation.
    ("/complaints", Bundle::Apply),
    ("/complaints/new", Bundle::Apply),
    ("/complaints/:number", Bundle::Apply),
];

/// The portal's pages the server serves as plain HTML, with no bundle: a case's page, where
/// the receipt's QR code lands, on phones over mobile data. Everything on it works as a
/// form sent to the server (withdrawing, rating); a small script (`public/plain.js`) prints
/// and takes the query code out of the address bar. The bundles still carry these pages,
/// for a lookup made in the bundle and for the kiosk.
pub const PLAIN_PAGES: [&str; 1] = ["/track/:number"];

/// Whether the server serves `path` (no query) as plain HTML, with no bundle.
pub fn is_plain(path: &str) -> bool {
    PLAIN_PAGES.iter().any(|pattern| matches(pattern, path))
}

/// The bundle the server answers `path` (no query) with.
pub fn bundle_for(path: &str) -> Bundle {
    if is_under(path, KIOSK_PREFIX) {
        return Bundle::Kiosk;
    }
    PORTAL_PAGES
        .iter()
        .find(|(pattern, _)| matches(pattern, path))
        .map_or(Bundle::Portal, |&(_, bundle)| bundle)
}

/// Whether `path` is `prefix` or below it.
fn is_under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Whether `path` is a page of `pattern` (see the module's header).
pub fn matches(pattern: &str, path: &str) -> bool {
    let mut rest = path;
    for segment in pattern.split('/').skip(1) {
        let Some(after_slash) = rest.strip_prefix('/') else {
            return false;
        };
        if segment.starts_with('*') {
            return !after_slash.is_empty();
        }
        let (here, next) = after_slash
            .find('/')
            .map_or((after_slash, ""), |i| after_slash.split_at(i));
        let fits = if segment.starts_with(':') {
            !here.is_empty()
        } else {
            here == segment
        };
        if !fits {
            return false;
        }
        rest = next;
    }
    // The root pattern "/" has one empty literal segment and consumes the whole "/".
    rest.is_empty()
}

/// `pattern` in axum's path syntax (`{name}`, `{*name}`).
pub fn axum_path(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|segment| {
            if let Some(name) = segment.strip_prefix(':') {
                format!("{{{name}}}")
            } else if let Some(name) = segment.strip_prefix('*') {
                format!("{{*{name}}}")
            } else {
                segment.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_has_its_bundle() {
        for (path, bundle) in [
            ("/", Bundle::Portal),
            ("/services", Bundle::Portal),
            ("/services/440113-SCJG-XK-001", Bundle::Portal),
            ("/services/440113-SCJG-XK-001/notice", Bundle::Portal),
            ("/services/440113-SCJG-XK-001/materials", Bundle::Portal),
            ("/services/440113-SCJG-XK-001/apply", Bundle::Apply),
            (
                "/services/440113-SCJG-XK-001/apply/applicant",
                Bundle::Apply,
            ),
            ("/services/440113-SCJG-XK-001/apply/a/b", Bundle::Apply),
            ("/receipt/440113202401010001X", Bundle::Apply),
            ("/track", Bundle::Track),
            ("/track/440113202401010001X", Bundle::Track),
            ("/track/440113202401010001X/supplement", Bundle::Apply),
            ("/track/440113202401010001X/other", Bundle::Portal),
            ("/complaints", Bundle::Apply),
            ("/complaints/new", Bundle::Apply),
            ("/complaints/440113202401010002Y", Bundle::Apply),
            ("/kiosk", Bundle::Kiosk),
            ("/kiosk/", Bundle::Kiosk),
            ("/kiosk/track/440113202401010001X", Bundle::Kiosk),
            ("/kiosks", Bundle::Portal),
            ("/anything/else", Bundle::Portal),
        ] {
            assert_eq!(bundle_for(path), bundle, "{path}");
        }
    }

    #[test]
    fn only_a_case_page_is_plain() {
        assert!(is_plain("/track/440113202401010001X"));
        for path in [
            "/track",
            "/track/1/supplement",
            "/services/A",
            "/kiosk/track/1",
        ] {
            assert!(!is_plain(path), "{path}");
        }
    }

    #[test]
    fn patterns_match_as_the_server_routes() {
        // Literal and one-segment parameters match exactly; a trailing slash is another path.
        assert!(matches("/", "/"));
        assert!(!matches("/", ""));
        assert!(!matches("/", "/track"));
        assert!(matches("/track", "/track"));
        assert!(!matches("/track", "/track/"));
        assert!(!matches("/track", "/trackx"));
        assert!(matches("/track/:number", "/track/1"));
        assert!(!matches("/track/:number", "/track/"));
        assert!(!matches("/track/:number", "/track/1/"));
        // A rest parameter takes at least one character, slashes included.
        assert!(matches("/a/*rest", "/a/b"));
        assert!(matches("/a/*rest", "/a/b/c/"));
        assert!(!matches("/a/*rest", "/a/"));
        assert!(!matches("/a/*rest", "/a"));
    }

    #[test]
    fn the_enrolment_page_is_the_servers() {
        assert!(is_server_page(KIOSK_ENROL_PAGE));
        assert!(is_under(KIOSK_ENROL_PAGE, KIOSK_PREFIX));
        assert!(!is_server_page("/kiosk/enrol/more") && !is_server_page("/kiosk/"));
    }

    #[test]
    fn patterns_in_axum_syntax() {
        assert_eq!(axum_path("/"), "/");
        assert_eq!(axum_path("/complaints/new"), "/complaints/new");
        assert_eq!(
            axum_path("/services/:code/apply/*step"),
            "/services/{code}/apply/{*step}"
        );
    }

    #[test]
    fn bundles_are_named_and_mounted_apart() {
        for (i, a) in Bundle::ALL.iter().enumerate() {
            assert!(a.public_url().starts_with('/') && a.public_url().ends_with('/'));
            for b in &Bundle::ALL[i + 1..] {
                assert_ne!(a.name(), b.name());
                assert_ne!(a.public_url(), b.public_url());
            }
        }
        assert_eq!(Bundle::Kiosk.public_url(), format!("{KIOSK_PREFIX}/"));
    }
}
