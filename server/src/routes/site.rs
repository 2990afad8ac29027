//! `GET /robots.txt` and `GET /sitemap.xml` (`crate::site`), before the bundles' fallback
//! would answer them with a page.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

use crate::error::ApiError;
use crate::state::AppState;

pub async fn robots(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        crate::site::robots(&state.config.public_url),
    )
}

pub async fn sitemap(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok((
        [(CONTENT_TYPE, "application/xml; charset=utf-8")],
        crate::site::sitemap(&state).await?,
    ))
}
