//! `GET /departments` and `GET /topics`: what the catalogue is browsed by.

use api_client::{Department, Topic};
use axum::extract::State;

use super::extract::{InLanguage, Lang};
use crate::error::ApiError;
use crate::state::AppState;

/// Departments (实施主体) in display order, with how many services each offers.
#[utoipa::path(get, path = "/departments", tag = "catalogue",
    params(
        ("lang" = Option<String>, Query, description = "The language of the catalogue's texts: `zh-Hans`, `zh-Hant` (converted to Traditional Chinese) or `en` (no English catalogue: Simplified); ahead of `Accept-Language`"),
        ("Accept-Language" = Option<String>, Header, description = "Without `lang`: the most preferred of zh-Hant (zh-TW, zh-HK, zh-MO, zh-Hant…), zh-Hans (other Chinese) and en by q-value; Simplified when none"),
    ),
    responses(
        (status = 200, description = "All departments", body = Vec<Department>,
            headers(("Content-Language" = String, description = "`zh-Hans` or `zh-Hant`: the script of the catalogue's texts"))),
        (status = 400, description = "`lang` is not one of ours", body = api_client::ErrorBody),
    ))]
pub async fn departments(
    State(state): State<AppState>,
    lang: Lang,
) -> Result<InLanguage<Vec<Department>>, ApiError> {
    let language = lang.get()?;
    let catalogue = state.catalogue().await?;
    let texts = catalogue.in_language(language);
    Ok(InLanguage(language, texts.departments.to_vec()))
}

/// Life-event topics (主题) in display order, with how many services each has.
#[utoipa::path(get, path = "/topics", tag = "catalogue",
    params(
        ("lang" = Option<String>, Query, description = "The language of the catalogue's texts: `zh-Hans`, `zh-Hant` (converted to Traditional Chinese) or `en` (no English catalogue: Simplified); ahead of `Accept-Language`"),
        ("Accept-Language" = Option<String>, Header, description = "Without `lang`: the most preferred of zh-Hant (zh-TW, zh-HK, zh-MO, zh-Hant…), zh-Hans (other Chinese) and en by q-value; Simplified when none"),
    ),
    responses(
        (status = 200, description = "All topics", body = Vec<Topic>,
            headers(("Content-Language" = String, description = "`zh-Hans` or `zh-Hant`: the script of the catalogue's texts"))),
        (status = 400, description = "`lang` is not one of ours", body = api_client::ErrorBody),
    ))]
pub async fn topics(
    State(state): State<AppState>,
    lang: Lang,
) -> Result<InLanguage<Vec<Topic>>, ApiError> {
    let language = lang.get()?;
    let catalogue = state.catalogue().await?;
    let texts = catalogue.in_language(language);
    Ok(InLanguage(language, texts.topics.to_vec()))
}
