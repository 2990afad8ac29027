//! Registered kiosks: the enrolment page (`GET /kiosk/enrol`, served beside the kiosk
//! bundle, not by it), its form's target (`POST /api/v1/kiosk/enrol`), which turns a device
//! token into an `HttpOnly` cookie, and the start of a visitor's session
//! (`POST /api/v1/kiosk/visits`). The token never reaches the kiosk page's script or storage:
//! the browser sends the cookie with the kiosk's API requests (path `/api/v1`). Beside them,
//! `GET /kiosk/config.json`, the `--kiosk-config` file the kiosk reads at boot.

use std::path::Path;
use std::sync::Arc;

use api_client::bundles::Bundle;
use api_client::VisitStarted;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::post;
use axum::Extension;
use axum::{Json, Router};

use super::extract::Kiosk;
use crate::error::ApiError;
use crate::kiosks::devices::{self, KIOSK_COOKIE};
use crate::kiosks::visits;
use crate::state::AppState;

/// The page the enrolment ends on.
const KIOSK_HOME: &str = "/kiosk/";

/// How long the device cookie lasts (ten years): it goes when the kiosk is revoked.
const COOKIE_MAX_AGE_SECS: i64 = 10 * 365 * 24 * 60 * 60;

/// Under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kiosk/enrol", post(enrol))
        .route("/kiosk/visits", post(start_visit))
}

/// `GET /kiosk/config.json`: what the kiosks show and how long they wait, read at boot.
/// Never cached, so a changed file reaches the terminals with their next reload.
pub async fn config(State(state): State<AppState>) -> Response {
    let mut res = Json(state.config.kiosk.clone()).into_response();
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    res
}

/// `GET /kiosk/enrol`: the form the hall's IT team fills in once on a terminal.
pub async fn enrol_page(Extension(styles): Extension<EnrolStyles>) -> Response {
    page(StatusCode::OK, None, &styles)
}

/// Enrol this browser as a registered kiosk: the form of `GET /kiosk/enrol` posts the device
/// token `server kiosk create` printed (`token`, form-encoded). A valid token is set as an
/// `HttpOnly; SameSite=Strict` cookie for `/api/v1` and the browser is sent to the kiosk; any
/// other is refused with the form again and its message.
#[utoipa::path(
    post,
    path = "/kiosk/enrol",
    tag = "kiosk",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`token=owk_…`"),
    responses(
        (status = 303, description = "Enrolled: the device cookie is set (`Set-Cookie`), on to `/kiosk/`"),
        (status = 401, description = "Not a valid kiosk token: the form again, with the reason", body = String, content_type = "text/html"),
    )
)]
pub async fn enrol(
    State(state): State<AppState>,
    Extension(styles): Extension<EnrolStyles>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let token = form_urlencoded::parse(&body)
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    match devices::check(&state.pool, Some(&token)).await {
        Ok(_) => {
            let cookie = cookie::Cookie::build((KIOSK_COOKIE, token))
                .path("/api/v1")
                .http_only(true)
                .same_site(cookie::SameSite::Strict)
                .max_age(cookie::time::Duration::seconds(COOKIE_MAX_AGE_SECS))
                .secure(state.config.public_url.starts_with("https://"))
                .build()
                .to_string();
            let mut res = StatusCode::SEE_OTHER.into_response();
            let headers = res.headers_mut();
            headers.insert(LOCATION, HeaderValue::from_static(KIOSK_HOME));
            headers.insert(
                SET_COOKIE,
                HeaderValue::from_str(&cookie).map_err(|e| ApiError::Internal(e.into()))?,
            );
            Ok(res)
        }
        Err(ApiError::Refused { code, .. }) => {
            Ok(page(StatusCode::UNAUTHORIZED, Some(code), &styles))
        }
        Err(other) => Err(other),
    }
}

/// Start a visitor's session at this kiosk (一次一评: it may be rated once, within hours):
/// only a registered kiosk, by its device cookie. The kiosk keeps the id in memory only.
#[utoipa::path(
    post,
    path = "/kiosk/visits",
    tag = "kiosk",
    responses(
        (status = 201, description = "The visit", body = VisitStarted),
        (status = 401, description = "Not a registered kiosk: `kiosk_unregistered` (no device cookie), `kiosk_unknown`, `kiosk_revoked`", body = api_client::ErrorBody),
    )
)]
pub async fn start_visit(
    State(state): State<AppState>,
    Kiosk(kiosk): Kiosk,
) -> Result<(StatusCode, Json<VisitStarted>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(visits::start(&state.pool, &kiosk).await?),
    ))
}

/// The kiosk bundle's own stylesheets (the `<link rel="stylesheet">` of its `index.html`),
/// so that the enrolment page looks like the kiosk it enrols and needs no inline style.
#[derive(Clone, Default)]
pub struct EnrolStyles(Arc<String>);

impl EnrolStyles {
    pub fn of_kiosk(dist: &Path) -> EnrolStyles {
        let index = dist.join(Bundle::Kiosk.name()).join("index.html");
        // No bundle, no styles: the page still works as plain HTML.
        let html = std::fs::read_to_string(index).unwrap_or_default();
        let doc = scraper::Html::parse_document(&html);
        let links =
            scraper::Selector::parse(r#"link[rel="stylesheet"][href]"#).expect("a valid selector");
        // Only this site's own paths, which need no escaping inside the attribute.
        let safe = |href: &&str| {
            href.starts_with('/')
                && href
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b))
        };
        let tags = doc
            .select(&links)
            .filter_map(|e| e.value().attr("href"))
            .filter(safe)
            .map(|href| format!("<link rel=\"stylesheet\" href=\"{href}\">\n"))
            .collect();
        EnrolStyles(Arc::new(tags))
    }
}

/// The enrolment form, with the reason a token was refused (by its code).
fn page(status: StatusCode, refused: Option<&str>, styles: &EnrolStyles) -> Response {
    let message = refused.map(|code| match code {
        "kiosk_revoked" => "此设备令牌已被吊销。This device token has been revoked.",
        "kiosk_unregistered" => "请输入设备令牌。Enter the device token.",
        _ => "设备令牌无效。This is not a valid kiosk device token.",
    });
    let notice = message
        .map(|m| {
            format!(
                r#"<p class="notice notice--error" role="alert" data-testid="enrol-error">{m}</p>"#
            )
        })
        .unwrap_or_default();
    let styles = styles.0.as_str();
    let html = format!(
        r#"<!doctype html>
<html lang="zh-Hans">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登记自助终端 · Enrol this kiosk</title>
{styles}</head>
<body class="kiosk">
<main class="kiosk-main">
<h1>登记自助终端 <span lang="en">Enrol this kiosk</span></h1>
<p class="lead">请输入 <code>server kiosk create</code> 给出的设备令牌。令牌只保存在本机浏览器的安全 Cookie 中。</p>
<p class="lead" lang="en">Enter the device token <code>server kiosk create</code> printed. It is kept only in this browser's secure cookie.</p>
{notice}
<form method="post" action="/api/v1/kiosk/enrol">
<div class="field">
<label class="field__label" for="token">设备令牌 <span lang="en">Device token</span></label>
<input class="input" id="token" name="token" type="password" autocomplete="off" required data-testid="enrol-token">
</div>
<button class="button" type="submit" data-testid="enrol-submit">登记<span lang="en">&nbsp;Enrol</span></button>
</form>
</main>
</body>
</html>
"#
    );
    let mut res = (status, Html(html)).into_response();
    res.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_enrolment_page_takes_the_kiosks_own_stylesheets() {
        let dist = tempfile::tempdir().unwrap();
        let kiosk = dist.path().join(Bundle::Kiosk.name());
        std::fs::create_dir_all(&kiosk).unwrap();
        std::fs::write(
            kiosk.join("index.html"),
            r#"<html><head><link rel="stylesheet" href="/kiosk/base-0123abcd.css" integrity="sha384-x">
               <link rel="preload" href="/kiosk/k.wasm">
               <link rel="stylesheet" href="https://cdn.example/evil.css">
               <link rel="stylesheet" href="/kiosk/a&quot;b.css"></head></html>"#,
        )
        .unwrap();
        let styles = EnrolStyles::of_kiosk(dist.path());
        assert_eq!(
            styles.0.as_str(),
            "<link rel=\"stylesheet\" href=\"/kiosk/base-0123abcd.css\">\n"
        );
        assert_eq!(
            EnrolStyles::of_kiosk(&dist.path().join("none")).0.as_str(),
            ""
        );
    }
}
