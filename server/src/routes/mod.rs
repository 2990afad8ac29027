//! The HTTP surface: `/api/v1` (JSON), `/healthz`, and the two bundles.

mod applications;
mod assets;
mod cases;
mod complaints;
mod download;
mod extract;
mod headers;
mod kiosk;
mod pages;
mod ratings;
mod rectifications;
mod services;
mod site;
mod staff;
mod staff_complaints;
mod static_files;
mod taxonomy;
mod uploads;

use std::path::Path;
use std::time::Duration;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use tower_http::compression::predicate::{NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel, DefaultPredicate};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

use crate::error::ApiError;
use crate::state::AppState;
use staff::StaffSecurity;

#[derive(OpenApi)]
#[openapi(
    info(title = "OneWindow central API", version = "1", description = "Service guides, submissions, case progress, complaints and ratings of an administrative service centre (行政服务中心). Every error has the shape of `ErrorBody`."),
    servers((url = "/api/v1")),
    modifiers(&StaffSecurity),
    paths(
        services::list, services::get_one, taxonomy::departments, taxonomy::topics, config,
        uploads::create,
        applications::form, applications::create, applications::receipt,
        staff::act, staff::case, staff::file, staff::overdue,
        cases::case, cases::lookup, cases::withdraw, cases::supplement, cases::file,
        complaints::create, complaints::complaint, complaints::rate,
        ratings::rate_case, ratings::rate_visit, ratings::satisfaction,
        kiosk::enrol, kiosk::start_visit,
        staff_complaints::list, staff_complaints::complaint, staff_complaints::act,
        rectifications::rectifications, rectifications::answer,
    ),
    components(schemas(api_client::ErrorBody, api_client::ServicePage, api_client::ServiceGuide, api_client::Department, api_client::Topic, api_client::PublicConfig, api_client::UploadCreated, api_client::FormDefinition, api_client::ApplicationRequest, api_client::ApplicationCreated, api_client::Receipt))
)]
pub struct ApiDoc;

/// The API; every JSON route must be answered within `request_timeout`, body included.
pub fn api(request_timeout: Duration) -> Router<AppState> {
    Router::new()
        .route("/services", get(services::list))
        .route("/services/{code}", get(services::get_one))
        .route("/departments", get(taxonomy::departments))
        .route("/topics", get(taxonomy::topics))
        .route("/config", get(config))
        .merge(applications::routes())
        .merge(staff::routes())
        .merge(cases::routes())
        .merge(complaints::routes())
        .merge(ratings::routes())
        .merge(kiosk::routes())
        .merge(staff_complaints::routes())
        .merge(rectifications::routes())
        .route("/openapi.json", get(|| async { Json(openapi_document()) }))
        .route_layer(middleware::from_fn(move |req: Request, next: Next| {
            within(request_timeout, req, next)
        }))
        // Uploads may take minutes: they are timed per chunk instead (routes/uploads.rs).
        .merge(uploads::routes())
        .fallback(api_not_found)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}

/// The OpenAPI document, with every constraint the validators hold requests to
/// (`api_client::openapi::constrain`, from their own constants).
pub fn openapi_document() -> &'static serde_json::Value {
    static DOCUMENT: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document is JSON");
        // The unit test below fails on a drift between the tables and the types; should one
        // slip through, the document is served with what could be written.
        if let Err(e) = api_client::openapi::constrain(&mut doc) {
            tracing::error!("the OpenAPI constraints do not fit the document: {e}");
        }
        doc
    })
}

/// This installation's public address and upload limits.
#[utoipa::path(get, path = "/config", tag = "installation",
    responses((status = 200, description = "Public configuration", body = api_client::PublicConfig)))]
async fn config(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Json<api_client::PublicConfig> {
    Json(api_client::PublicConfig {
        public_url: state.config.public_url.clone(),
        limits: state.config.limits(),
    })
}

/// The answer to `req`, or a 408 when it takes longer than `limit` (a body trickling in).
async fn within(limit: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => ApiError::RequestTimeout(format!(
            "the request was not complete within {} seconds",
            limit.as_secs()
        ))
        .into_response(),
    }
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound("no such API route".into())
}

/// Alive: the database answers. Also how far the holiday calendar reaches, with a warning
/// from `calendar::COVERAGE_WARNING_DAYS` before it runs out.
async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    // The catalogue's version doubles as the database's answer.
    let Ok(version) = crate::catalogue::version(&state.pool).await else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "database unavailable"})),
        );
    };
    let calendar = crate::calendar::covers_until_cached(&state.pool, version)
        .await
        .ok()
        .map(|end| {
            serde_json::json!({
                "covers_until": end.map(crate::calendar::format_date),
                "warning": crate::calendar::coverage_warning(end, crate::calendar::now_cst().date()),
            })
        });
    (
        StatusCode::OK,
        Json(serde_json::json!({"status": "ok", "calendar": calendar})),
    )
}

/// Whether this node should get traffic (for the proxy): the database answers and its
/// migrations are those of this build. `/healthz` only says the process is alive.
async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match crate::db::ready(&state.pool).await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({"status": "ready"}))),
        Err(why) => {
            tracing::warn!("not ready: {why}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "not ready"})),
            )
        }
    }
}

pub fn router(state: AppState, dist: &Path) -> Router {
    // One API: answering clients at /api/v1, and the portal's pages in-process.
    let v1 = api(state.config.request_timeout).with_state(state.clone());
    let pages = pages::Pages::new(v1.clone(), &state.config.public_url, |b| {
        std::fs::read_to_string(dist.join(b.name()).join("index.html")).ok()
    });
    let api = Router::new()
        .nest_service("/api/v1", v1)
        // Anything else under /api is an API miss, never the portal page.
        .route("/api", any(api_not_found))
        .route("/api/", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        .layer(middleware::map_response(static_files::no_store));
    Router::new()
        .merge(api)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/robots.txt", get(site::robots))
        .route("/sitemap.xml", get(site::sitemap))
        .route(
            app::preferences::ACTION,
            axum::routing::post(pages::preferences),
        )
        // Server-rendered, before the kiosk bundle's fallback would answer it.
        .route(
            api_client::bundles::KIOSK_ENROL_PAGE,
            get(kiosk::enrol_page),
        )
        .route(api_client::bundles::KIOSK_CONFIG_PATH, get(kiosk::config))
        .merge(static_files::bundles(dist, pages))
        .layer(axum::Extension(kiosk::EnrolStyles::of_kiosk(dist)))
        // Downloads of materials keep their length and bytes: a PDF is compressed inside
        // already (and images are left alone by the default predicate).
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Precise(4))
                .compress_when(
                    DefaultPredicate::new().and(NotForContentType::const_new("application/pdf")),
                ),
        )
        .layer(middleware::map_response(
            headers::SecurityHeaders::for_bundles(dist).layer(),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(static_files::span_without_query))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_documented_constraint_finds_its_schema_or_parameter() {
        let mut doc = serde_json::to_value(<super::ApiDoc as utoipa::OpenApi>::openapi()).unwrap();
        api_client::openapi::constrain(&mut doc).unwrap();
    }
}
