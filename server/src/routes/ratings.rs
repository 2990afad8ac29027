//! The five-level rating for the public (好差评): `POST /cases/{number}/rating` (the
//! applicant, with the query code), `POST /visit-ratings` (a registered kiosk, anonymous) and
//! `GET /stats/satisfaction` (aggregates for a supervisor's dashboard).
//!
//! Rating a case is checked in this order: the request (400), the number and code (the same
//! 404 as a lookup, throttled the same way), the case's status (409), a rating already given
//! (409).

use api_client::{RatingRequest, RatingView, SatisfactionStats, VisitRated, VisitRatingRequest};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::extract::{ClientAddr, JsonBody, Kiosk, Params, RawNumber};
use crate::error::ApiError;
use crate::ratings::{case_ratings, stats, visits};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{number}/rating", post(rate_case))
        .route("/visit-ratings", post(rate_visit))
        .route("/stats/satisfaction", get(satisfaction))
}

/// Rate a completed case on the national five levels (5 = 非常满意 … 1 = 非常不满意), with
/// reason tags and a comment; once per case. A rating of 2 or less opens a rectification
/// (整改) that staff must answer by its due date; the track page shows the answer.
#[utoipa::path(
    post,
    path = "/cases/{number}/rating",
    tag = "ratings",
    params(("number" = String, Path, description = "受理号, with or without separators, either case")),
    request_body = RatingRequest,
    responses(
        (status = 201, description = "Rated (with the rectification a poor rating opens)", body = RatingView),
        (status = 400, description = "A malformed number, code or body (`number`, `c`, `level`, `tags`, `comment`)", body = api_client::ErrorBody),
        (status = 404, description = "No case matches this number and code", body = api_client::ErrorBody),
        (status = 409, description = "The case is not completed, or has been rated already", body = api_client::ErrorBody),
        (status = 429, description = "Too many failed lookups: see `Retry-After`", body = api_client::ErrorBody),
    )
)]
pub async fn rate_case(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    RawNumber(number): RawNumber,
    JsonBody(req): JsonBody<RatingRequest>,
) -> Result<(StatusCode, Json<RatingView>), ApiError> {
    let view = case_ratings::rate_case(&state, addr, number.as_deref(), &req).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The kiosk's quick rating of a visit (一次一评), at the end of a session: a level and
/// reason tags, nothing that identifies anyone. Only from a registered kiosk (its device
/// cookie, see `POST /kiosk/enrol`), for a visit it started (`POST /kiosk/visits`), once.
#[utoipa::path(
    post,
    path = "/visit-ratings",
    tag = "ratings",
    request_body = VisitRatingRequest,
    responses(
        (status = 201, description = "Counted", body = VisitRated),
        (status = 400, description = "A malformed body (`visit`, `level`, `tags`)", body = api_client::ErrorBody),
        (status = 401, description = "Not a registered kiosk (`kiosk_unregistered`, `kiosk_unknown`, `kiosk_revoked`), or a visit it cannot rate: `visit_unknown` (not its visit, or expired), `visit_rated`", body = api_client::ErrorBody),
    )
)]
pub async fn rate_visit(
    State(state): State<AppState>,
    Kiosk(kiosk): Kiosk,
    JsonBody(req): JsonBody<VisitRatingRequest>,
) -> Result<(StatusCode, Json<VisitRated>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(visits::rate(&state.pool, &kiosk, &req).await?),
    ))
}

/// Satisfaction per department (counts per level, and the share rated 基本满意 or better)
/// over a period of China Standard Time days, both ends included; and the kiosk's visit
/// ratings of the period. Aggregates only.
#[utoipa::path(
    get,
    path = "/stats/satisfaction",
    tag = "ratings",
    params(
        ("department" = Option<String>, Query, description = "Only this department (its code); empty or absent: every department"),
        ("from" = Option<String>, Query, description = "First day, YYYY-MM-DD; empty or absent: from the start"),
        ("to" = Option<String>, Query, description = "Last day, YYYY-MM-DD; empty or absent: until today"),
    ),
    responses(
        (status = 200, description = "The statistics", body = SatisfactionStats),
        (status = 400, description = "A date that is not YYYY-MM-DD (`from`, `to`), `to` before `from`, an unknown `department`", body = api_client::ErrorBody),
    )
)]
pub async fn satisfaction(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<SatisfactionStats>, ApiError> {
    let catalogue = state.catalogue().await?;
    Ok(Json(
        stats::satisfaction(
            &state.pool,
            &catalogue,
            params.get("department"),
            params.get("from"),
            params.get("to"),
        )
        .await?,
    ))
}
