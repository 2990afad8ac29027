//! The portal's pages, rendered on the server by the bundles' own components (`app::ssr`):
//! the first HTML is the page, in the reader's language (the language cookie, else
//! `Accept-Language`) and care mode (its cookie), readable without JavaScript; the bundle
//! then takes it over. The page's data comes from the API answered in-process (the same
//! router, its validation and its gate, with the reader's address), never over this
//! server's own port; it goes into the page for the bundle's first render.
//!
//! The shell is the bundle's `index.html` as Trunk wrote it (its hashed scripts and styles,
//! the inline loaders the CSP allows by hash), with the page's title, description,
//! canonical address and structured data written into its head and the page into its body.

use std::sync::Arc;

use api_client::bundles::Bundle;
use api_client::checks::{normalise_query_code, AcceptanceNumber};
use api_client::query::encode;
use api_client::{CaseLookupRequest, ErrorBody, ServiceGuide};
use app::i18n::Locale;
use app::pages::case_rating::RatingDraft;
use app::pages::track::{Lookup, TrackDraft};
use app::preload::{key, PageData};
use app::ssr::{Reader, Rendered};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::header::{
    ACCEPT_LANGUAGE, ALLOW, CACHE_CONTROL, CONTENT_LANGUAGE, CONTENT_TYPE, COOKIE, LOCATION,
    SET_COOKIE, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use quick_xml::escape::escape;
use tower::ServiceExt;

/// What the API answered: its JSON, or an error status with its body.
type ApiAnswer = Result<serde_json::Value, (u16, ErrorBody)>;

/// The largest API answer a page reads (a guide is a few kilobytes).
const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

/// A bundle's `index.html`, cut where a page goes.
struct Shell {
    /// `<head>`'s content less its title and description.
    head: String,
    /// The same for a plain page (`api_client::bundles::PLAIN_PAGES`): no loader of the
    /// bundle, the bundle's `plain.js` instead.
    plain_head: String,
    /// The file as built, for a page that could not be rendered: the bundle draws it.
    built: String,
}

impl Shell {
    fn of(bundle: Bundle, index_html: &str) -> Option<Shell> {
        let start = index_html.find("<head>")? + "<head>".len();
        let end = index_html.find("</head>")?;
        let mut head = index_html.get(start..end)?.to_string();
        for (open, close) in [("<title>", "</title>"), ("<meta name=\"description\"", ">")] {
            if let Some(at) = head.find(open) {
                if let Some(len) = head[at..].find(close) {
                    head.replace_range(at..at + len + close.len(), "");
                }
            }
        }
        // Trunk preloads the bundle's script and wasm at once. The page is readable without
        // them, and on a slow phone network they would take the bandwidth the stylesheets
        // need for the first paint (Lighthouse: LCP 2.4 s with them): the loader fetches
        // them when it runs, once the styles are in.
        for open in ["<link rel=\"modulepreload\"", "<link rel=\"preload\""] {
            while let Some(at) = head.find(open) {
                let Some(len) = head[at..].find('>') else {
                    break;
                };
                head.replace_range(at..at + len + 1, "");
            }
        }
        let mut plain_head = head.clone();
        while let Some(at) = plain_head.find("<script type=\"module\"") {
            let Some(len) = plain_head[at..].find("</script>") else {
                break;
            };
            plain_head.replace_range(at..at + len + "</script>".len(), "");
        }
        plain_head.push_str("<script src=\"");
        plain_head.push_str(bundle.public_url());
        plain_head.push_str("plain.js\" defer></script>");
        Some(Shell {
            head,
            plain_head,
            built: index_html.to_string(),
        })
    }
}

/// The pages of the portal's three bundles, and the API that answers for them.
#[derive(Clone)]
pub struct Pages {
    api: Router,
    public_url: Arc<str>,
    shells: Arc<[Option<Shell>; 3]>,
}

impl Pages {
    /// `index_html` gives a bundle's `index.html` as built, if it is.
    pub fn new(
        api: Router,
        public_url: &str,
        index_html: impl Fn(Bundle) -> Option<String>,
    ) -> Pages {
        let shell = |b: Bundle| index_html(b).as_deref().and_then(|html| Shell::of(b, html));
        Pages {
            api,
            public_url: public_url.trim_end_matches('/').into(),
            shells: Arc::new([
                shell(Bundle::Portal),
                shell(Bundle::Apply),
                shell(Bundle::Track),
            ]),
        }
    }

    fn shell(&self, bundle: Bundle) -> Option<&Shell> {
        let i = match bundle {
            Bundle::Apply => 1,
            Bundle::Track => 2,
            Bundle::Portal | Bundle::Kiosk => 0,
        };
        self.shells[i].as_ref()
    }

    /// The page at the request's address, from `bundle`; a form sent without JavaScript
    /// (a lookup, a case's withdrawal or rating) goes on to its page.
    pub async fn answer(&self, bundle: Bundle, req: Request) -> Response {
        let path = req.uri().path().to_string();
        if req.method() == Method::POST {
            if path == "/track" || path == "/complaints" {
                return self.lookup_form(&path, req).await;
            }
            if let Some((number, action)) = CaseAction::of(&path) {
                return self.case_form(number, action, req).await;
            }
        }
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return (StatusCode::METHOD_NOT_ALLOWED, [(ALLOW, "GET, HEAD")]).into_response();
        }
        let visit = Visit::of(&req);
        let query = req.uri().query().map(str::to_string);
        let head_only = req.method() == Method::HEAD;
        let mut res = self
            .render(bundle, &path, query.as_deref(), &visit, Vec::new())
            .await;
        if head_only {
            *res.body_mut() = Body::empty();
        }
        res
    }

    /// The page at `path?query` for the visitor, with what a form sent back (`forms`, keyed
    /// as `app::preload::key` says).
    async fn render(
        &self,
        bundle: Bundle,
        path: &str,
        query: Option<&str>,
        visit: &Visit,
        forms: Vec<(&str, ApiAnswer)>,
    ) -> Response {
        let Some(shell) = self.shell(bundle) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let pairs: Vec<(String, String)> = query
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let reader = visit.reader;
        let mut data = PageData::new(reader.locale.tag());
        let mut guide = None;
        for need in app::ssr::needs(path, &pairs) {
            let answer = self.ask(Method::GET, &need.uri, None, visit).await;
            if let Ok(value) = &answer {
                if need.key.starts_with("services/") && !path.ends_with("/notice") {
                    guide = serde_json::from_value::<ServiceGuide>(value.clone()).ok();
                }
            }
            data.answer(need.key, answer);
        }
        for (key, answer) in forms {
            data.answer(key.to_string(), answer);
        }
        let url = match query {
            Some(q) => format!("{path}?{q}"),
            None => path.to_string(),
        };
        let render = || {
            app::ssr::render(app::ssr::Request {
                url,
                bundle,
                reader,
                data,
            })
        };
        // A page that cannot be rendered (a defect) is still served: the bundle draws it.
        let Ok(rendered) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(render)) else {
            tracing::error!("rendering {path} failed: serving the bundle's page instead");
            let mut res = shell.built.clone().into_response();
            res.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            return res;
        };
        let status = if rendered.head.not_found {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::OK
        };
        let canonical = canonical(path, &pairs).map(|p| format!("{}{p}", self.public_url));
        let structured = guide
            .zip(canonical.as_deref())
            .map(|(g, url)| crate::site::government_service(&g, url));
        let delivery = if api_client::bundles::is_plain(path) {
            Delivery::Plain
        } else {
            Delivery::Bundle
        };
        let html = page(
            shell,
            delivery,
            &reader,
            &rendered,
            canonical.as_deref(),
            structured,
        );
        let mut res = (status, html).into_response();
        let headers = res.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        headers.insert(VARY, HeaderValue::from_static("accept-language, cookie"));
        if let Ok(v) = HeaderValue::from_str(reader.locale.tag()) {
            headers.insert(CONTENT_LANGUAGE, v);
        }
        // A case or a complaint is the reader's alone: no cache may keep it.
        if path.starts_with("/track/") || path.starts_with("/complaints/") {
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        res
    }

    /// A case page's form sent to the server (`POST /track/{number}/withdraw`, `…/rating`):
    /// the API is asked as the bundle would ask it; done, back to the case; refused, the
    /// case page again with the form as it was sent and the API's reasons.
    async fn case_form(&self, number: String, action: CaseAction, req: Request) -> Response {
        let visit = Visit::of(&req);
        // A rating's comment is 500 characters, up to 9 bytes each once form-encoded.
        let form = match Form::read(req, 16 * 1024).await {
            Ok(form) => form,
            Err(res) => return res,
        };
        let code = form.get("c").unwrap_or("").trim().to_string();
        let n = encode(&number);
        let case_page = format!("/track/{n}");
        let case_query = format!("c={}", encode(&code));
        let (answer, done, key, sent) = match action {
            CaseAction::Withdraw => {
                let uri = format!("/cases/{n}/withdraw?{case_query}");
                let answer = self
                    .ask(Method::POST, &uri, Some("{}".into()), &visit)
                    .await;
                (answer, case_query.clone(), key::WITHDRAW_FORM, None)
            }
            CaseAction::Rate => {
                let draft = RatingDraft::from_fields(&form.0);
                let request = draft.request(&code);
                let body = serde_json::to_string(&request).unwrap_or_default();
                let uri = format!("/cases/{n}/rating");
                let answer = self.ask(Method::POST, &uri, Some(body), &visit).await;
                let done = format!("{case_query}&rated=1");
                (answer, done, key::RATING_FORM, Some(draft))
            }
        };
        match answer {
            Ok(_) => see_other(&format!("{case_page}?{done}")),
            Err((status, body)) => {
                let form = match sent {
                    Some(mut draft) => {
                        draft.refusal = Some((status, body));
                        Ok(serde_json::to_value(draft).unwrap_or_default())
                    }
                    None => Err((status, body)),
                };
                let mut res = self
                    .render(
                        Bundle::Track,
                        &case_page,
                        Some(&case_query),
                        &visit,
                        vec![(key, form)],
                    )
                    .await;
                // The page says what went wrong; its status says so to the machine.
                if res.status() == StatusCode::OK {
                    *res.status_mut() =
                        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
                }
                res
            }
        }
    }

    /// What the API answers at `uri` for the reader, asked in-process with the reader's
    /// address (the gate counts them as it would count the bundle).
    async fn ask(
        &self,
        method: Method,
        uri: &str,
        json: Option<String>,
        visit: &Visit,
    ) -> ApiAnswer {
        let join = if uri.contains('?') { '&' } else { '?' };
        let uri = format!("{uri}{join}lang={}", visit.reader.locale.tag());
        let mut req = Request::builder().method(method).uri(&uri);
        for (name, value) in &visit.forwarded {
            req = req.header(name, value);
        }
        let body = match json {
            Some(json) => {
                req = req.header(CONTENT_TYPE, "application/json");
                Body::from(json)
            }
            None => Body::empty(),
        };
        let Ok(mut req) = req.body(body) else {
            return Err(server_error());
        };
        if let Some(peer) = visit.peer {
            req.extensions_mut().insert(peer);
        }
        let Ok(res) = self.api.clone().oneshot(req).await;
        let status = res.status().as_u16();
        let Ok(bytes) = axum::body::to_bytes(res.into_body(), MAX_ANSWER_BYTES).await else {
            return Err(server_error());
        };
        if (200..300).contains(&status) {
            serde_json::from_slice(&bytes).map_err(|_| server_error())
        } else {
            Err((
                status,
                serde_json::from_slice(&bytes).unwrap_or_else(|_| server_error().1),
            ))
        }
    }
}

/// Who asks for a page: what the server knows of the reader, and their address as the
/// API's gate reads it.
struct Visit {
    reader: Reader,
    /// The proxy's headers naming the client's address, passed on to the API.
    forwarded: HeaderMap,
    peer: Option<ConnectInfo<std::net::SocketAddr>>,
}

impl Visit {
    fn of(req: &Request) -> Visit {
        let mut forwarded = HeaderMap::new();
        for name in ["x-forwarded-for", "x-real-ip", "forwarded"] {
            for value in req.headers().get_all(name) {
                forwarded.append(name, value.clone());
            }
        }
        Visit {
            reader: reader(req.headers()),
            forwarded,
            peer: req
                .extensions()
                .get::<ConnectInfo<std::net::SocketAddr>>()
                .copied(),
        }
    }
}

/// What a case page's form asks of the server.
#[derive(Clone, Copy, Debug, PartialEq)]
enum CaseAction {
    Withdraw,
    Rate,
}

impl CaseAction {
    /// The case's number and the action a path (`/track/{number}/withdraw`, `…/rating`) names.
    fn of(path: &str) -> Option<(String, CaseAction)> {
        let rest = path.strip_prefix("/track/")?;
        let (number, action) = rest.split_once('/')?;
        let action = match action {
            "withdraw" => CaseAction::Withdraw,
            "rating" => CaseAction::Rate,
            _ => return None,
        };
        (!number.is_empty()).then(|| (number.to_string(), action))
    }
}

/// How a page comes to life in the browser.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Delivery {
    /// The bundle takes it over, starting from the page's data.
    Bundle,
    /// It stays the server's HTML, with the small `plain.js` (`bundles::PLAIN_PAGES`).
    Plain,
}

/// 303 to a path on this site.
fn see_other(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(location) => (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// What the page shows when the API's answer could not be read: the bundle's words for a
/// server error.
fn server_error() -> (u16, ErrorBody) {
    let body = ErrorBody {
        error: api_client::ErrorDetail {
            code: "internal".into(),
            message: "the page's data could not be read".into(),
            fields: Vec::new(),
        },
    };
    (500, body)
}

/// The reader's language (the cookie of a choice made here, else `Accept-Language`) and
/// care mode.
fn reader(headers: &HeaderMap) -> Reader {
    let cookies = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("; ");
    let chosen = app::i18n::cookie_value(&cookies, app::i18n::COOKIE).and_then(Locale::from_tag);
    let accepted = || {
        let header = headers.get(ACCEPT_LANGUAGE)?.to_str().ok()?;
        Locale::from_tag(api_client::Language::from_accept_language(header)?.tag())
    };
    Reader {
        locale: chosen.or_else(accepted).unwrap_or(Locale::ALL[0]),
        care: app::care::is_on_in(&cookies),
    }
}

/// The address search engines should keep for a page; none for what is one reader's (what
/// robots.txt keeps crawlers from: a case, a complaint, the application flow, a notice).
fn canonical(path: &str, query: &[(String, String)]) -> Option<String> {
    use api_client::bundles::matches;
    let public = ["/", "/track", "/complaints"];
    if public.contains(&path) || matches("/services/:code", path) {
        return Some(path.to_string());
    }
    if path == "/services" {
        let mut kept = form_urlencoded::Serializer::new(String::new());
        for (name, value) in query {
            if ["q", "department", "audience", "topic", "page"].contains(&name.as_str())
                && !value.is_empty()
            {
                kept.append_pair(name, value);
            }
        }
        let qs = kept.finish();
        return Some(if qs.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{qs}")
        });
    }
    None
}

/// The whole page: the shell's head with the page's own, and the rendered body.
fn page(
    shell: &Shell,
    delivery: Delivery,
    reader: &Reader,
    rendered: &Rendered,
    canonical: Option<&str>,
    structured: Option<String>,
) -> String {
    let title = rendered.head.title.as_deref().unwrap_or("");
    let description = rendered.head.description.as_deref().unwrap_or("");
    let mut html = String::with_capacity(shell.head.len() + rendered.body.len() + 1024);
    html.push_str("<!doctype html>\n<html lang=\"");
    html.push_str(reader.locale.lang());
    html.push('"');
    if reader.care {
        html.push_str(" class=\"care\"");
    }
    html.push_str("><head>");
    html.push_str(match delivery {
        Delivery::Bundle => &shell.head,
        Delivery::Plain => &shell.plain_head,
    });
    html.push_str("<title>");
    html.push_str(&escape(title));
    html.push_str("</title><meta name=\"description\" content=\"");
    html.push_str(&escape(description));
    html.push_str("\">");
    match canonical {
        Some(url) => {
            html.push_str("<link rel=\"canonical\" href=\"");
            html.push_str(&escape(url));
            html.push_str("\">");
        }
        None => html.push_str("<meta name=\"robots\" content=\"noindex\">"),
    }
    if let Some(ld) = structured {
        html.push_str("<script type=\"application/ld+json\">");
        html.push_str(&ld);
        html.push_str("</script>");
    }
    // No bundle, no reader of the page's data.
    if delivery == Delivery::Bundle {
        html.push_str("<script type=\"application/json\" id=\"");
        html.push_str(app::preload::ELEMENT_ID);
        html.push_str("\">");
        html.push_str(&rendered.data);
        html.push_str("</script>");
    }
    html.push_str("</head><body>");
    html.push_str(&rendered.body);
    html.push_str("</body></html>");
    html
}

/// A form a page sends without JavaScript (`application/x-www-form-urlencoded`, small).
struct Form(Vec<(String, String)>);

impl Form {
    /// The request's form; a body over `limit` bytes is 413.
    async fn read(req: Request, limit: usize) -> Result<Form, Response> {
        match axum::body::to_bytes(req.into_body(), limit).await {
            Ok(bytes) => Ok(Form(form_urlencoded::parse(&bytes).into_owned().collect())),
            Err(_) => Err(StatusCode::PAYLOAD_TOO_LARGE.into_response()),
        }
    }

    /// The first value of the field `name`.
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// How long a preference is kept: a year, as the bundle keeps it.
const PREFERENCE_MAX_AGE: u32 = 365 * 24 * 60 * 60;

/// `POST /preferences`: a language or care mode chosen without JavaScript. The same cookies
/// the bundle writes, then back to the page (a path on this site only).
pub async fn preferences(req: Request) -> Response {
    let form = match Form::read(req, 4096).await {
        Ok(form) => form,
        Err(res) => return res,
    };
    let get = |name: &str| form.get(name);
    let mut cookies = Vec::new();
    if let Some(locale) = get("lang").and_then(Locale::from_tag) {
        cookies.push(format!(
            "{}={}; Path=/; Max-Age={PREFERENCE_MAX_AGE}; SameSite=Lax",
            app::i18n::COOKIE,
            locale.tag()
        ));
    }
    match get("care") {
        Some("1") => cookies.push(format!(
            "{}=1; Path=/; Max-Age={PREFERENCE_MAX_AGE}; SameSite=Lax",
            app::care::COOKIE
        )),
        Some("0") => cookies.push(format!(
            "{}=; Path=/; Max-Age=0; SameSite=Lax",
            app::care::COOKIE
        )),
        _ => {}
    }
    let back = app::preferences::safe_back(get("back").unwrap_or("/"));
    let mut res = StatusCode::SEE_OTHER.into_response();
    let headers = res.headers_mut();
    headers.insert(
        LOCATION,
        HeaderValue::from_str(back).unwrap_or(HeaderValue::from_static("/")),
    );
    for cookie in cookies {
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            headers.append(SET_COOKIE, v);
        }
    }
    res
}

impl Pages {
    /// A lookup form sent without JavaScript (`POST /track`, `POST /complaints`): on to the
    /// case's or complaint's page with its code, as the bundle would navigate. A case looked
    /// up by mobile number is shown on the lookup's page, as the bundle shows it: the number
    /// must not enter an address.
    async fn lookup_form(&self, path: &str, req: Request) -> Response {
        let visit = Visit::of(&req);
        let form = match Form::read(req, 4096).await {
            Ok(form) => form,
            Err(res) => return res,
        };
        if path == "/track" {
            return self.track_lookup(&form, &visit).await;
        }
        let get = |name: &str| form.get(name).unwrap_or("").trim().to_string();
        let number = get("complaint-number");
        let number = AcceptanceNumber::parse(&number)
            .map(|n| n.compact().to_string())
            .unwrap_or(number);
        let code = get("complaint-code");
        let code = normalise_query_code(&code).unwrap_or(code);
        see_other(&format!("{path}/{}?c={}", encode(&number), encode(&code)))
    }

    /// `POST /track`: by code, on to the case's page; by mobile number, the lookup's page
    /// with the case found (or why not); with problems, the lookup's page naming them. The
    /// form comes back as it was sent.
    async fn track_lookup(&self, form: &Form, visit: &Visit) -> Response {
        let draft = TrackDraft::from_fields(&form.0);
        let mut status = StatusCode::BAD_REQUEST;
        let mut forms = Vec::new();
        match draft.lookup() {
            Some(Lookup::Code { number, code }) => {
                return see_other(&format!("/track/{}?c={}", encode(&number), encode(&code)));
            }
            Some(Lookup::Mobile { number, mobile }) => {
                let body = serde_json::to_string(&CaseLookupRequest::mobile(&mobile)).ok();
                let uri = format!("/cases/{}/lookup", encode(&number));
                let answer = self.ask(Method::POST, &uri, body, visit).await;
                status = match &answer {
                    Ok(_) => StatusCode::OK,
                    Err((s, _)) => StatusCode::from_u16(*s).unwrap_or(StatusCode::BAD_REQUEST),
                };
                forms.push((key::TRACK_FOUND, answer));
            }
            None => {}
        }
        let draft = serde_json::to_value(&draft).map_err(|_| server_error());
        forms.push((key::TRACK_FORM, draft));
        let mut res = self
            .render(Bundle::Track, "/track", None, visit, forms)
            .await;
        if res.status() == StatusCode::OK {
            *res.status_mut() = status;
        }
        // The case, and the mobile number in the form: the reader's alone.
        res.headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shell_loses_its_own_title_and_description() {
        let shell = Shell::of(
            Bundle::Track,
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"description\" content=\"x\"><title>一窗通办</title><script>a()</script>\
             <link rel=\"modulepreload\" href=\"/p-1.js\" integrity=\"x\"><link rel=\"preload\" href=\"/p-1_bg.wasm\" as=\"fetch\"></head><body><noscript>x</noscript></body></html>",
        )
        .unwrap();
        assert_eq!(shell.head, "<meta charset=\"utf-8\"><script>a()</script>");
    }

    #[test]
    fn a_plain_page_has_no_loader_but_plain_js() {
        let shell = Shell::of(
            Bundle::Track,
            "<html><head><link rel=\"stylesheet\" href=\"/_track/base-1.css\"><script>care()</script>\
             <script type=\"module\">import init from '/_track/track-1.js';\nawait init();</script></head><body></body></html>",
        )
        .unwrap();
        assert!(shell.head.contains("track-1.js"));
        assert_eq!(
            shell.plain_head,
            "<link rel=\"stylesheet\" href=\"/_track/base-1.css\"><script>care()</script>\
             <script src=\"/_track/plain.js\" defer></script>"
        );
    }

    #[test]
    fn only_public_pages_have_a_canonical_address() {
        let q = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(canonical("/", &[]).as_deref(), Some("/"));
        assert_eq!(
            canonical(
                "/services",
                &q(&[("q", "护照"), ("utm", "x"), ("topic", "")])
            )
            .as_deref(),
            Some("/services?q=%E6%8A%A4%E7%85%A7")
        );
        assert_eq!(
            canonical("/services/A-1", &[]).as_deref(),
            Some("/services/A-1")
        );
        assert_eq!(
            canonical("/track/440113202401010001X", &q(&[("c", "ABCD")])),
            None
        );
        assert_eq!(canonical("/services/A-1/notice", &[]), None);
        assert_eq!(canonical("/track", &[]).as_deref(), Some("/track"));
        assert_eq!(canonical("/complaints/new", &[]), None);
    }
}
