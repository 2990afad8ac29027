//! The portal's pages rendered on the server, by the same components the bundles run: the
//! first HTML is the page itself, readable without JavaScript, and the bundle then takes it
//! over (hydration). The server loads the page's data itself (calling its domain, never its
//! own HTTP port) into a `PageData`, which the render reads as the bundle's first render will
//! (`crate::preload`).
//!
//! A render is synchronous and runs on one thread: what it reads from thread-locals (the
//! language, the page's data, the head) is set before it and cleared after it.

use std::sync::Arc;

use api_client::bundles::Bundle;
use hydration_context::SsrSharedContext;
use leptos::prelude::*;
use leptos_router::location::RequestUrl;

use crate::head::Head;
use crate::i18n::Locale;
use crate::mode::Mode;
use crate::preload::PageData;

/// What the server knows of the reader before rendering.
#[derive(Clone, Copy, Debug)]
pub struct Reader {
    pub locale: Locale,
    /// Care mode (its cookie).
    pub care: bool,
}

/// A page to render: its URL (path and query), the bundle that carries it, the reader and
/// the data the server loaded for it.
pub struct Request {
    pub url: String,
    pub bundle: Bundle,
    pub reader: Reader,
    pub data: PageData,
}

/// A rendered page: the body's HTML, what the page set of its head, and its data as the
/// text of the `page-data` script.
pub struct Rendered {
    pub body: String,
    pub head: Head,
    pub data: String,
}

/// Renders one page.
pub fn render(req: Request) -> Rendered {
    let data = req.data.to_script_text();
    crate::preload::hold(req.data);
    // Whatever happens in the render, nothing of it is left for the next on this thread.
    let _forget = Forget;
    let body = match req.bundle {
        Bundle::Apply => crate::shell::apply,
        Bundle::Track => crate::shell::track,
        Bundle::Portal | Bundle::Kiosk => crate::shell::portal,
    };
    let owner = Owner::new_root(Some(Arc::new(SsrSharedContext::new())));
    let reader = req.reader;
    let url = req.url;
    let html = owner.with(move || {
        provide_context(RequestUrl::new(&url));
        provide_context(reader);
        view! { <crate::shell::App mode=Mode::Portal body/> }.to_html()
    });
    drop(owner);
    let mut head = crate::head::take();
    head.description
        .get_or_insert_with(|| crate::i18n::t(crate::i18n::k::DESCRIBE_SITE).to_string());
    Rendered {
        body: html,
        head,
        data,
    }
}

/// Clears the render's thread-locals when dropped, also by a panic.
struct Forget;

impl Drop for Forget {
    fn drop(&mut self) {
        crate::preload::clear();
        let _ = crate::head::take();
    }
}

/// The reader of the render under way, if this is one.
pub fn reader() -> Option<Reader> {
    use_context::<Reader>()
}

/// A request the page at hand makes when it renders: its key (`crate::preload::key`) and
/// the API's path and query (below `/api/v1`, without the language).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Need {
    pub key: String,
    pub uri: String,
}

/// What the page at `path` (with `query`) asks of the API when it renders, so that the
/// server can ask first. The pages that need JavaScript (applying, uploads, rating) ask for
/// nothing: their first render says they need it.
pub fn needs(path: &str, query: &[(String, String)]) -> Vec<Need> {
    use api_client::bundles::matches;
    use api_client::query::encode;

    use crate::preload::key;

    let get = |name: &str| {
        query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    // Decoded as the router decodes a parameter, so that the key is the page's.
    let segment = |i: usize| {
        leptos_router::location::Url::unescape(path.split('/').nth(i).unwrap_or_default())
    };
    let taxonomy = || {
        [
            Need {
                key: key::topics(),
                uri: "/topics".into(),
            },
            Need {
                key: key::departments(),
                uri: "/departments".into(),
            },
        ]
    };
    let services = |q: &api_client::ServiceQuery| {
        let qs = q.to_query_string();
        Need {
            key: key::services(q),
            uri: if qs.is_empty() {
                "/services".into()
            } else {
                format!("/services?{qs}")
            },
        }
    };
    if path == "/" {
        let mut needs = vec![services(&crate::pages::home::popular_query())];
        needs.extend(taxonomy());
        needs
    } else if path == "/services" {
        let mut needs = vec![services(&crate::pages::catalogue::query_from_url(get))];
        needs.extend(taxonomy());
        needs
    } else if matches("/services/:code", path) || matches("/services/:code/notice", path) {
        let code = segment(2);
        vec![Need {
            key: key::service(&code),
            uri: format!("/services/{}", encode(&code)),
        }]
    } else if matches("/track/:number", path) {
        // Without its code the page asks for it, and asks the API nothing.
        let number = segment(2);
        let code = get("c").filter(|c| !c.is_empty());
        code.map(|code| Need {
            key: key::case(&number),
            uri: format!("/cases/{}?c={}", encode(&number), encode(&code)),
        })
        .into_iter()
        .collect()
    } else if matches("/complaints/:number", path) && path != "/complaints/new" {
        let number = segment(2);
        let code = get("c").unwrap_or_default();
        vec![Need {
            key: key::complaint(&number),
            uri: format!("/complaints/{}?c={}", encode(&number), encode(&code)),
        }]
    } else {
        Vec::new()
    }
}
