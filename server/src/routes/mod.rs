//! The HTTP surface: `/api/v1` (JSON), `/healthz`, and the two bundles.

mod applications;
mod cases;
mod complaints;
mod extract;
mod kiosk;
mod ratings;
mod rectifications;
mod services;
mod staff;
mod staff_complaints;
mod static_files;
mod taxonomy;
mod uploads;

use std::path::Path;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum::{Json, Router};
use tower_http::compression::{CompressionLayer, CompressionLevel};
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
        staff::act, staff::case, staff::overdue,
        cases::case, cases::lookup, cases::withdraw, cases::supplement,
        complaints::create, complaints::complaint, complaints::rate,
        ratings::rate_case, ratings::rate_visit, ratings::satisfaction,
        kiosk::enrol, kiosk::start_visit,
        staff_complaints::list, staff_complaints::complaint, staff_complaints::act,
        rectifications::rectifications, rectifications::answer,
    ),
    components(schemas(api_client::ErrorBody, api_client::ServicePage, api_client::ServiceGuide, api_client::Department, api_client::Topic, api_client::PublicConfig, api_client::UploadCreated, api_client::FormDefinition, api_client::ApplicationRequest, api_client::ApplicationCreated, api_client::Receipt))
)]
pub struct ApiDoc;

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/services", get(services::list))
        .route("/services/{code}", get(services::get_one))
        .route("/departments", get(taxonomy::departments))
        .route("/topics", get(taxonomy::topics))
        .route("/config", get(config))
        .merge(uploads::routes())
        .merge(applications::routes())
        .merge(staff::routes())
        .merge(cases::routes())
        .merge(complaints::routes())
        .merge(ratings::routes())
        .merge(kiosk::routes())
        .merge(staff_complaints::routes())
        .merge(rectifications::routes())
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .fallback(api_not_found)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
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

async fn api_not_found() -> ApiError {
    ApiError::NotFound("no such API route".into())
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match sqlx::query("SELECT 1").execute(&state.pool).await {
        Ok(_) => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "database unavailable"})),
        ),
    }
}

pub fn router(state: AppState, dist: &Path) -> Router {
    Router::new()
        .nest(
            "/api/v1",
            api().layer(axum::middleware::map_response(static_files::no_store)),
        )
        // Anything else under /api is an API miss, never the portal page.
        .route("/api", any(api_not_found))
        .route("/api/", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        .route("/healthz", get(healthz))
        // Server-rendered, before the kiosk bundle's fallback would answer it.
        .route(
            api_client::bundles::KIOSK_ENROL_PAGE,
            get(kiosk::enrol_page),
        )
        .merge(static_files::bundles(dist))
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .layer(TraceLayer::new_for_http().make_span_with(static_files::span_without_query))
        .with_state(state)
}
