//! `GET /departments` and `GET /topics`: what the catalogue is browsed by.

use api_client::{Department, Topic};
use axum::extract::State;
use axum::Json;

use crate::error::ApiError;
use crate::state::AppState;

/// Departments (实施主体) in display order, with how many services each offers.
#[utoipa::path(get, path = "/departments", tag = "catalogue",
    responses((status = 200, description = "All departments", body = Vec<Department>)))]
pub async fn departments(State(state): State<AppState>) -> Result<Json<Vec<Department>>, ApiError> {
    Ok(Json(state.catalogue().await?.departments.clone()))
}

/// Life-event topics (主题) in display order, with how many services each has.
#[utoipa::path(get, path = "/topics", tag = "catalogue",
    responses((status = 200, description = "All topics", body = Vec<Topic>)))]
pub async fn topics(State(state): State<AppState>) -> Result<Json<Vec<Topic>>, ApiError> {
    Ok(Json(state.catalogue().await?.topics.clone()))
}
