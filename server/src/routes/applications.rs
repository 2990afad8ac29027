//! `GET /services/{code}/form`, `POST /applications` and `GET /applications/{number}`.
//!
//! Nothing here logs the request: bodies hold names, document numbers and mobiles, and
//! codes are secrets. Errors name fields, never values.

use std::collections::{BTreeMap, BTreeSet};

use api_client::application::{upload_id_valid, validate_application, visible_answers, IdType};
use api_client::checks::{
    mask_name, normalise_query_code, AcceptanceNumber, AcceptanceNumberError,
};
use api_client::{ApplicationCreated, ApplicationRequest, FieldError, FormDefinition, Receipt};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use super::extract::{shape_problem, Params};
use crate::applications::form_definition;
use crate::applications::store::{self, NewCase, Outcome, StoredCase};
use crate::calendar::rfc3339_cst;
use crate::calendar::{self, Calendar};
use crate::db::sql;
use crate::db::uploads::{self, Budget};
use crate::error::ApiError;
use crate::numbering;
use crate::state::AppState;
use crate::tracking as print;

use super::extract::IDEMPOTENCY_KEY;

const NO_MATCH: &str = "no application matches this number and code";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/services/{code}/form", get(form))
        .route("/applications", post(create))
        .route("/applications/{number}", get(receipt))
}

// ---------------------------------------------------------------------------------------
// The form

/// The application form of a service: its questions, its material checklist and the upload
/// limits. Only services taken online (网办深度 Ⅲ and up) have one.
#[utoipa::path(
    get,
    path = "/services/{code}/form",
    tag = "applications",
    params(("code" = String, Path, description = "实施编码")),
    responses(
        (status = 200, description = "The form", body = FormDefinition),
        (status = 404, description = "No service has this code, or it cannot be applied for online", body = api_client::ErrorBody),
    )
)]
pub async fn form(
    State(state): State<AppState>,
    code: Result<Path<String>, PathRejection>,
) -> Result<Json<FormDefinition>, ApiError> {
    let Ok(Path(code)) = code else {
        return Err(ApiError::field(
            "code",
            "invalid",
            "the service code is not valid text",
        ));
    };
    let catalogue = state.catalogue().await?;
    let Some(&i) = catalogue.by_code.get(&code) else {
        return Err(ApiError::NotFound("no service has this code".into()));
    };
    let guide = &catalogue.guides[i];
    if !guide.accepts_online_applications() {
        return Err(ApiError::NotFound(
            "online application is not available for this service: apply at the service hall"
                .into(),
        ));
    }
    Ok(Json(form_definition(guide, &state.config)))
}

// ---------------------------------------------------------------------------------------
// Submitting

/// Submit an application. A retry with the same `Idempotency-Key` answers with the same case
/// (the same number and query code) and creates nothing.
#[utoipa::path(
    post,
    path = "/applications",
    tag = "applications",
    params(("Idempotency-Key" = String, Header, description = "8–100 letters, digits, `_` or `-`, new for each application (a UUID); send the same key when retrying")),
    request_body = ApplicationRequest,
    responses(
        (status = 201, description = "The case was created (or had been, with this key)", body = ApplicationCreated),
        (status = 400, description = "Every problem, each naming its field (`applicant.mobile`, `answers.<id>`, `materials.<id>`, `Idempotency-Key`…)", body = api_client::ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<ApplicationCreated>), ApiError> {
    let key = idempotency_key(&headers)?;
    let req = parse_request(&headers, body)?;
    let pool = &state.pool;
    let secret = numbering::secret(pool).await?;
    if let Some(existing) = store::find_by_key(pool, &key).await? {
        return Ok(created(&state, secret, &key, &existing));
    }

    let catalogue = state.catalogue().await?;
    let Some(&i) = catalogue.by_code.get(&req.service_code) else {
        return Err(ApiError::field(
            "service_code",
            "unknown",
            "no service has this code",
        ));
    };
    let guide = &catalogue.guides[i];
    if !guide.accepts_online_applications() {
        return Err(ApiError::field(
            "service_code",
            "not_online",
            "this service cannot be applied for online",
        ));
    }
    let def = form_definition(guide, &state.config);
    let mut errors = validate_application(&def, &req);

    // The uploads: each must exist and be free, and all together within the limit.
    let checked = upload_ids(&def, &req);
    let distinct: Vec<&str> = checked
        .iter()
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let rows = uploads::find(pool, &distinct).await?;
    if rows.values().any(|r| r.case_number.is_some()) {
        // Perhaps taken by this very application, submitted a moment ago by a parallel retry.
        if let Some(existing) = store::find_by_key(pool, &key).await? {
            return Ok(created(&state, secret, &key, &existing));
        }
    }
    let budget = Budget {
        max_total: state.config.max_total_bytes,
        of: "application",
    };
    let fields = by_field(&checked);
    errors.extend(uploads::problems(&fields, &rows, budget));
    if !errors.is_empty() {
        return Err(ApiError::BadRequest(errors));
    }

    let now = calendar::now_cst();
    let today = now.date();
    let day = calendar::format_date(today);
    let promised_date = calendar::format_date(
        Calendar::load(pool, today)
            .await?
            .due_date(today, guide.promised_limit),
    );
    let code = numbering::query_code(secret, &key);
    let applicant = sql::json(&req.applicant)?;
    let answers = sql::json(&visible_answers(&def, &req.answers))?;
    let materials = sql::json(
        &req.materials
            .iter()
            .filter(|(_, ids)| !ids.is_empty())
            .collect::<BTreeMap<_, _>>(),
    )?;
    let masked_name = mask_name(req.applicant.name());
    let hash = |number: &str| numbering::code_hash(secret, number, &code);
    let yymmdd = numbering::yymmdd(today);
    let new = NewCase {
        key: &key,
        day: &day,
        yymmdd: &yymmdd,
        region_code: &state.config.region_code,
        service_code: &guide.code,
        department_code: &guide.department.code,
        applicant: &applicant,
        answers: &answers,
        materials: &materials,
        masked_name: &masked_name,
        submitted_at: now.unix_timestamp(),
        promised_date: &promised_date,
        uploads: &distinct,
        code_hash: &hash,
    };
    match store::insert(pool, &new).await? {
        Outcome::Created(case) | Outcome::Existing(case) => {
            Ok(created(&state, secret, &key, &case))
        }
        Outcome::UploadTaken => {
            // Another application took an upload between the check and the insert.
            let rows = uploads::find(pool, &distinct).await?;
            Err(ApiError::BadRequest(uploads::taken_meanwhile(
                &fields, &rows, budget,
            )))
        }
    }
}

/// The 201 answer for a case, the same every time it is asked for with its key.
fn created(
    state: &AppState,
    secret: &str,
    key: &str,
    case: &StoredCase,
) -> (StatusCode, Json<ApplicationCreated>) {
    let code = numbering::query_code(secret, key);
    let tracking_url = print::tracking_url(&state.config.public_url, &case.number, &code);
    (
        StatusCode::CREATED,
        Json(ApplicationCreated {
            acceptance_number: case.number.clone(),
            query_code: code,
            status: case.status,
            promised_date: case.promised_date.clone(),
            tracking_url,
        }),
    )
}

fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    super::extract::idempotency_key(headers)?.ok_or_else(|| {
        ApiError::field(
            IDEMPOTENCY_KEY,
            "required",
            "send an Idempotency-Key header: a new random key (e.g. a UUID) per application, the same one when retrying",
        )
    })
}

/// The request body as an `ApplicationRequest`, or a 400 naming the field that is wrong.
fn parse_request(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<ApplicationRequest, ApiError> {
    let value = super::extract::json_object(headers, body, "the application")?;
    match serde_path_to_error::deserialize::<_, ApplicationRequest>(&value) {
        Ok(req) => Ok(req),
        Err(e) => {
            let path = e.path().to_string();
            let message = e.inner().to_string();
            if path == "applicant" || path.starts_with("applicant.") {
                return Err(ApiError::BadRequest(applicant_shape_problems(
                    &value["applicant"],
                )));
            }
            Err(ApiError::BadRequest(vec![shape_problem(
                "", &path, &message,
            )]))
        }
    }
}

/// The applicant's shape in detail (serde reports an internally tagged enum as a whole).
fn applicant_shape_problems(applicant: &Value) -> Vec<FieldError> {
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Individual {
        name: String,
        id_type: IdType,
        id_number: String,
        mobile: String,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Organisation {
        name: String,
        uscc: String,
        legal_representative: String,
        contact_name: String,
        mobile: String,
    }
    fn check<T: serde::de::DeserializeOwned>(v: &Value) -> Vec<FieldError> {
        match serde_path_to_error::deserialize::<_, T>(v) {
            Ok(_) => vec![],
            Err(e) => vec![shape_problem(
                "applicant.",
                &e.path().to_string(),
                &e.inner().to_string(),
            )],
        }
    }
    let problems = match applicant.get("type").and_then(Value::as_str) {
        _ if !applicant.is_object() => {
            vec![FieldError::new(
                "applicant",
                if applicant.is_null() {
                    "required"
                } else {
                    "invalid"
                },
                "applicant must be an object",
            )]
        }
        None => vec![FieldError::new(
            "applicant.type",
            "required",
            "applicant.type is required: individual or organisation",
        )],
        Some("individual") => check::<Individual>(applicant),
        Some("organisation") => check::<Organisation>(applicant),
        Some(_) => vec![FieldError::new(
            "applicant.type",
            "invalid",
            "applicant.type must be individual or organisation",
        )],
    };
    if problems.is_empty() {
        vec![FieldError::new(
            "applicant",
            "invalid",
            "applicant has the wrong shape",
        )]
    } else {
        problems
    }
}

/// The upload ids to check, per known material (ids that are not upload ids are reported by
/// validation already).
fn upload_ids<'a>(
    def: &FormDefinition,
    req: &'a ApplicationRequest,
) -> Vec<(&'a str, Vec<&'a str>)> {
    req.materials
        .iter()
        .filter(|(m, _)| def.materials.iter().any(|x| &x.id == *m))
        .map(|(m, ids)| {
            (
                m.as_str(),
                ids.iter()
                    .map(String::as_str)
                    .filter(|u| upload_id_valid(u))
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, ids)| !ids.is_empty())
        .collect()
}

/// The uploads of each material by field (`materials.<id>`), for `db::uploads`.
fn by_field<'a>(checked: &[(&'a str, Vec<&'a str>)]) -> Vec<(String, Vec<&'a str>)> {
    checked
        .iter()
        .map(|(m, ids)| (format!("materials.{m}"), ids.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// The receipt

/// The receipt (受理回执) of a case, for its acceptance number and query code. An unknown
/// number and a wrong code get the same 404.
#[utoipa::path(
    get,
    path = "/applications/{number}",
    tag = "applications",
    params(
        ("number" = String, Path, description = "受理号, with or without separators, either case"),
        ("c" = String, Query, description = "The query code (6 characters)"),
    ),
    responses(
        (status = 200, description = "The receipt: no personal data beyond the masked name", body = Receipt),
        (status = 400, description = "The number is mistyped (its check character does not match) or the code is not a code", body = api_client::ErrorBody),
        (status = 404, description = "No application matches this number and code", body = api_client::ErrorBody),
    )
)]
pub async fn receipt(
    State(state): State<AppState>,
    number: Result<Path<String>, PathRejection>,
    params: Params,
) -> Result<Json<Receipt>, ApiError> {
    let mut errors = Vec::new();
    let number = match number.as_ref().map(|Path(n)| AcceptanceNumber::parse(n)) {
        Ok(Ok(n)) => Some(n),
        Ok(Err(AcceptanceNumberError::Check)) => {
            errors.push(FieldError::new(
                "number",
                "checksum",
                "the acceptance number has a typo (its check character does not match)",
            ));
            None
        }
        _ => {
            errors.push(FieldError::new(
                "number",
                "invalid",
                "an acceptance number is 18 characters: 17 digits and a digit or X",
            ));
            None
        }
    };
    let code = match params.get("c").map(str::trim).filter(|c| !c.is_empty()) {
        None => {
            errors.push(FieldError::new(
                "c",
                "required",
                "the query code is required",
            ));
            None
        }
        Some(c) => normalise_query_code(c).or_else(|| {
            errors.push(FieldError::new(
                "c",
                "invalid",
                "a query code is 6 letters and digits",
            ));
            None
        }),
    };
    let (Some(number), Some(code), true) = (number, code, errors.is_empty()) else {
        return Err(ApiError::BadRequest(errors));
    };
    let secret = numbering::secret(&state.pool).await?;
    let number = number.compact();
    let expected = numbering::code_hash(secret, number, &code);
    let case = match store::find(&state.pool, number).await? {
        Some(case) if numbering::same_digest(&case.query_code_hash, &expected) => case,
        _ => return Err(ApiError::NotFound(NO_MATCH.into())),
    };

    let catalogue = state.catalogue().await?;
    let guide = catalogue
        .by_code
        .get(&case.service_code)
        .map(|&i| &catalogue.guides[i]);
    let tracking_url = print::tracking_url(&state.config.public_url, &case.number, &code);
    let qr_svg = print::qr_svg(&tracking_url)?;
    let text =
        |f: fn(&api_client::ServiceGuide) -> &str| guide.map(f).unwrap_or_default().to_string();
    Ok(Json(Receipt {
        acceptance_number: case.number.clone(),
        query_code: code,
        service_name: guide
            .map(|g| g.name.clone())
            .unwrap_or_else(|| case.service_code.clone()),
        service_code: case.service_code,
        department: text(|g| &g.department.name),
        masked_name: case.masked_name,
        submitted_at: rfc3339_cst(case.submitted_at),
        promised_date: case.promised_date,
        status: case.status,
        tracking_url,
        qr_svg,
        location: text(|g| &g.location),
        hours: text(|g| &g.hours),
        consult_phone: text(|g| &g.consult_phone),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_problems_name_the_field() {
        let f = shape_problem("", ".", "missing field `service_code`");
        assert_eq!(
            (f.field.as_str(), f.code.as_str()),
            ("service_code", "required")
        );
        let f = shape_problem("applicant.", ".", "missing field `mobile`");
        assert_eq!(f.field, "applicant.mobile");
        let f = shape_problem(
            "",
            "materials.photo[0]",
            "invalid type: integer `5`, expected a string",
        );
        assert_eq!(
            (f.field.as_str(), f.code.as_str()),
            ("materials.photo", "invalid")
        );
        assert!(
            !f.message.contains('5'),
            "messages name fields, not values: {}",
            f.message
        );
    }
}
