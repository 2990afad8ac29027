//! `GET /services` (search and browse) and `GET /services/{code}` (one guide).

use api_client::{
    Audience, FieldError, ServiceGuide, ServicePage, ServiceSummary, DEFAULT_PER_PAGE, MAX_PAGE,
    MAX_PER_PAGE, MAX_QUERY_CHARS,
};
use axum::extract::State;

use super::extract::{InLanguage, Lang, Params, ServiceCode};
use crate::error::ApiError;
use crate::search::{terms, Filter};
use crate::state::AppState;

/// Search and browse the catalogue.
#[utoipa::path(
    get,
    path = "/services",
    tag = "catalogue",
    params(
        ("q" = Option<String>, Query, description = "Search text (at most 100 characters), in Simplified or Traditional Chinese. Chinese substring and keyword matching with synonyms; every space-separated part must match. Only spaces or punctuation gives an empty result."),
        ("department" = Option<String>, Query, description = "Department code, from /departments"),
        ("audience" = Option<String>, Query, description = "`individual` or `organisation`"),
        ("topic" = Option<String>, Query, description = "Topic code, from /topics"),
        ("page" = Option<u32>, Query, description = "Page number from 1"),
        ("per_page" = Option<u32>, Query, description = "1–100, default 20"),
        ("lang" = Option<String>, Query, description = "The language of the catalogue's texts: `zh-Hans`, `zh-Hant` (converted to Traditional Chinese) or `en` (no English catalogue: Simplified); ahead of `Accept-Language`"),
        ("Accept-Language" = Option<String>, Header, description = "Without `lang`: the most preferred of zh-Hant (zh-TW, zh-HK, zh-MO, zh-Hant…), zh-Hans (other Chinese) and en by q-value; Simplified when none"),
    ),
    responses(
        (status = 200, description = "Matching services, best match first (most popular first without `q`)", body = ServicePage,
            headers(("Content-Language" = String, description = "`zh-Hans` or `zh-Hant`: the script of the catalogue's texts"))),
        (status = 400, description = "A parameter is invalid; `fields` names it", body = api_client::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    params: Params,
) -> Result<InLanguage<ServicePage>, ApiError> {
    let catalogue = state.catalogue().await?;
    let mut errors: Vec<FieldError> = Vec::new();
    let language = lang.checked(&mut errors);

    let q = params.get("q").unwrap_or("");
    if q.chars().count() > MAX_QUERY_CHARS {
        errors.push(FieldError::new(
            "q",
            "too_long",
            format!("q must be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let department = params.get("department").filter(|d| !d.is_empty());
    if let Some(d) = department {
        if !catalogue.departments.iter().any(|x| x.code == d) {
            errors.push(FieldError::new(
                "department",
                "unknown",
                "no department has this code",
            ));
        }
    }
    let topic = params.get("topic").filter(|t| !t.is_empty());
    if let Some(t) = topic {
        if !catalogue.topics.iter().any(|x| x.code == t) {
            errors.push(FieldError::new(
                "topic",
                "unknown",
                "no topic has this code",
            ));
        }
    }
    let audience = match params.get("audience").filter(|a| !a.is_empty()) {
        None => None,
        Some(a) => Audience::parse(a).or_else(|| {
            errors.push(FieldError::new(
                "audience",
                "invalid",
                "audience must be individual or organisation",
            ));
            None
        }),
    };
    let page = params.int("page", 1..=MAX_PAGE, &mut errors).unwrap_or(1);
    let per_page = params
        .int("per_page", 1..=MAX_PER_PAGE, &mut errors)
        .unwrap_or(DEFAULT_PER_PAGE);
    if !errors.is_empty() {
        return Err(ApiError::BadRequest(errors));
    }

    let filter = Filter {
        department,
        audience,
        topic,
    };
    let hits = if q.is_empty() {
        catalogue.index.search(&[], &filter)
    } else {
        match terms(q) {
            // Only spaces or punctuation: there is nothing to look for.
            t if t.is_empty() => Vec::new(),
            t => catalogue.index.search(&t, &filter),
        }
    };
    let start = ((page - 1) as usize).saturating_mul(per_page as usize);
    let texts = catalogue.in_language(language);
    let items = hits
        .iter()
        .skip(start)
        .take(per_page as usize)
        .map(|&i| ServiceSummary::from(&texts.guides[i]))
        .collect();
    Ok(InLanguage(
        language,
        ServicePage {
            items,
            total: hits.len() as u64,
            page,
            per_page,
        },
    ))
}

/// One full service guide.
#[utoipa::path(
    get,
    path = "/services/{code}",
    tag = "catalogue",
    params(("code" = String, Path, description = "实施编码"), 
        ("lang" = Option<String>, Query, description = "The language of the catalogue's texts: `zh-Hans`, `zh-Hant` (converted to Traditional Chinese) or `en` (no English catalogue: Simplified); ahead of `Accept-Language`"),
        ("Accept-Language" = Option<String>, Header, description = "Without `lang`: the most preferred of zh-Hant (zh-TW, zh-HK, zh-MO, zh-Hant…), zh-Hans (other Chinese) and en by q-value; Simplified when none"),
    ),
    responses(
        (status = 200, description = "The guide with every element", body = ServiceGuide,
            headers(("Content-Language" = String, description = "`zh-Hans` or `zh-Hant`: the script of the catalogue's texts"))),
        (status = 400, description = "`lang` is not one of ours", body = api_client::ErrorBody),
        (status = 404, description = "No service has this code", body = api_client::ErrorBody),
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    lang: Lang,
    ServiceCode(code): ServiceCode,
) -> Result<InLanguage<ServiceGuide>, ApiError> {
    let language = lang.get()?;
    let catalogue = state.catalogue().await?;
    match catalogue.in_language(language).guide(&code) {
        // The questions are served with the upload limits by `/services/{code}/form`.
        Some(guide) => Ok(InLanguage(
            language,
            ServiceGuide {
                form: None,
                ..guide.clone()
            },
        )),
        None => Err(ApiError::NotFound("no service has this code".into())),
    }
}
