//! Complaints for the public (投诉): `POST /complaints` files one, `GET /complaints/{number}`
//! follows it with its query code, `POST /complaints/{number}/rating` rates its handling.
//!
//! A complaint about a case links to that case only when the complainant proves the case's
//! query code; an unknown number and a wrong code get the same 400, counted as failed case
//! lookups by the lookup throttle. An unknown complaint number and a wrong code get the same
//! 404, counted the same way. Nothing here logs the request: it holds names, mobiles and
//! codes.

use std::net::IpAddr;

use api_client::checks::{mask_name, normalise_mobile, normalise_query_code, AcceptanceNumber};
use api_client::complaints::validate_complaint;
use api_client::ratings::validate_rating;
use api_client::{
    ComplaintContact, ComplaintCreated, ComplaintRequest, ComplaintView, FieldError,
    HandlingRatingRequest, SubjectType,
};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::extract::{self, ClientAddr, Params, RawNumber};
use crate::calendar::{self, Calendar};
use crate::cases::access::{open, read_parts, Proof, NO_MATCH};
use crate::cases::throttle::Throttle;
use crate::complaints::store::{self, ComplaintRow, NewComplaint, Outcome};
use crate::complaints::view;
use crate::db::uploads::{self, Budget};
use crate::error::ApiError;
use crate::numbering;
use crate::state::{AppState, Snapshot};

/// The one answer for an unknown complaint number and a wrong code.
pub const NO_COMPLAINT: &str = "no complaint matches this number and code";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/complaints", post(create))
        .route("/complaints/{number}", get(complaint))
        .route("/complaints/{number}/rating", post(rate))
}

/// What the subject resolves to, for storing.
#[derive(Default)]
struct Subject {
    reference: Option<String>,
    case_number: Option<String>,
    service_code: Option<String>,
    department_code: Option<String>,
}

/// The subject checked against the catalogue and, for a case, its query code. `Ok(Err)` is
/// a problem to report with the others; `Err` refuses at once (the throttle).
async fn resolve_subject(
    state: &AppState,
    addr: Option<IpAddr>,
    catalogue: &Snapshot,
    req: &ComplaintRequest,
) -> Result<Result<Subject, FieldError>, ApiError> {
    let reference = req
        .subject
        .reference
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let unknown =
        |what: &str| FieldError::new("subject.ref", "unknown", format!("no {what} has this code"));
    Ok(match req.subject.kind {
        SubjectType::Case => {
            // Both were checked by `validate_complaint`.
            let number = reference
                .as_deref()
                .and_then(|r| AcceptanceNumber::parse(r).ok())
                .map(|n| n.compact().to_string());
            let code = req.subject.code.as_deref().and_then(normalise_query_code);
            let (Some(number), Some(code)) = (number, code) else {
                return Err(ApiError::field(
                    "subject.ref",
                    "invalid",
                    "give the acceptance number and query code of the case",
                ));
            };
            match open(state, addr, &number, &Proof::Code(code)).await {
                Ok(case) => Ok(Subject {
                    reference: Some(number),
                    case_number: Some(case.number.clone()),
                    service_code: Some(case.service_code.clone()),
                    department_code: Some(case.department_code.clone()),
                }),
                // The same answer whether the number is unknown or the code wrong.
                Err(ApiError::NotFound(_)) => {
                    Err(FieldError::new("subject.code", "no_match", NO_MATCH))
                }
                Err(other) => return Err(other),
            }
        }
        SubjectType::Service => match reference.as_deref().and_then(|r| catalogue.guide(r)) {
            Some(g) => Ok(Subject {
                reference: Some(g.code.clone()),
                service_code: Some(g.code.clone()),
                department_code: Some(g.department.code.clone()),
                ..Subject::default()
            }),
            None => Err(unknown("service")),
        },
        SubjectType::Department => match reference.as_deref().and_then(|r| catalogue.department(r))
        {
            Some(d) => Ok(Subject {
                reference: Some(d.code.clone()),
                department_code: Some(d.code.clone()),
                ..Subject::default()
            }),
            None => Err(unknown("department")),
        },
        SubjectType::Staff | SubjectType::Channel => Ok(Subject {
            reference,
            ..Subject::default()
        }),
    })
}

/// The 201 answer, the same every time it is asked for with its key.
fn created(secret: &str, key: &str, c: &ComplaintRow) -> (StatusCode, Json<ComplaintCreated>) {
    (
        StatusCode::CREATED,
        Json(ComplaintCreated {
            complaint_number: c.number.clone(),
            query_code: numbering::complaint_code(secret, key),
            reply_due: c.reply_due.clone(),
        }),
    )
}

/// File a complaint: about a case (its number and query code), a service, a department, a
/// member of staff or the portal or kiosk itself; named (name and mobile: staff may call
/// back, no page shows the mobile) or anonymous. The answer's number and code are all that
/// opens it again. A retry with the same `Idempotency-Key` answers with the same complaint.
#[utoipa::path(
    post,
    path = "/complaints",
    tag = "complaints",
    params(("Idempotency-Key" = Option<String>, Header, description = "8–100 letters, digits, `_` or `-`, new for each complaint (a UUID); the same when retrying. Without it every request files a new complaint")),
    request_body = ComplaintRequest,
    responses(
        (status = 201, description = "Filed (or filed before, with this key): the number, the query code and the reply's due date", body = ComplaintCreated),
        (status = 400, description = "Every problem, each naming its field: `subject.ref`, `subject.code` (`no_match`: no case matches this number and code), `category`, `description`, `contact`, `contact.name`, `contact.mobile`, `attachments`, `Idempotency-Key`", body = api_client::ErrorBody),
        (status = 429, description = "Too many failed case lookups from this address or of this case: see `Retry-After`", body = api_client::ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<ComplaintCreated>), ApiError> {
    let key = extract::idempotency_key(&headers)?;
    let req: ComplaintRequest = extract::json_body(&headers, body, "the complaint")?;
    let errors = validate_complaint(&req);
    if !errors.is_empty() {
        return Err(ApiError::BadRequest(errors));
    }
    let pool = &state.pool;
    let secret = numbering::secret(pool).await?;
    if let Some(key) = &key {
        if let Some(existing) = store::find_by_key(pool, key).await? {
            return Ok(created(secret, key, &existing));
        }
    }

    let catalogue = state.catalogue().await?;
    let mut errors = Vec::new();
    let subject = match resolve_subject(&state, addr, &catalogue, &req).await? {
        Ok(s) => Some(s),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let mut attachments: Vec<String> = Vec::new();
    for id in req.attachments.iter().map(|a| a.trim().to_string()) {
        if !attachments.contains(&id) {
            attachments.push(id);
        }
    }
    let ids: Vec<&str> = attachments.iter().map(String::as_str).collect();
    let fields = [("attachments", ids.clone())];
    let budget = Budget {
        max_total: state.config.max_total_bytes,
        of: "complaint",
    };
    let rows = uploads::find(pool, &ids).await?;
    if let (Some(key), true) = (&key, rows.values().any(|r| r.case_number.is_some())) {
        // Perhaps taken by this very complaint, filed a moment ago by a parallel retry.
        if let Some(existing) = store::find_by_key(pool, key).await? {
            return Ok(created(secret, key, &existing));
        }
    }
    errors.extend(uploads::problems(&fields, &rows, budget));
    let Some(subject) = subject.filter(|_| errors.is_empty()) else {
        return Err(ApiError::BadRequest(errors));
    };

    let key = match key {
        Some(k) => k,
        None => numbering::random_key()?,
    };
    let now = calendar::now_cst();
    let today = now.date();
    let reply_due = calendar::format_date(
        Calendar::load(pool, today)
            .await?
            .add_working_days(today, state.config.complaint_reply_days),
    );
    let code = numbering::complaint_code(secret, &key);
    let hash = |number: &str| numbering::code_hash(secret, number, &code);
    let contact = req
        .contact
        .as_ref()
        .filter(|_| !req.anonymous)
        .map(|c| ComplaintContact {
            name: c.name.trim().to_string(),
            mobile: normalise_mobile(&c.mobile).unwrap_or_else(|| c.mobile.trim().to_string()),
        });
    let masked_name = contact.as_ref().map(|c| mask_name(&c.name));
    let day = calendar::format_date(today);
    let yymmdd = numbering::yymmdd(today);
    let new = NewComplaint {
        key: &key,
        day: &day,
        yymmdd: &yymmdd,
        region_code: &state.config.region_code,
        subject_type: req.subject.kind,
        subject_ref: subject.reference.as_deref(),
        case_number: subject.case_number.as_deref(),
        service_code: subject.service_code.as_deref(),
        category: req.category,
        description: req.description.trim(),
        contact: contact.as_ref(),
        masked_name: masked_name.as_deref(),
        attachments: &attachments,
        department_code: subject.department_code.as_deref(),
        submitted_at: now.unix_timestamp(),
        reply_due: &reply_due,
        code_hash: &hash,
    };
    match store::insert(pool, &new).await? {
        Outcome::Created(c) | Outcome::Existing(c) => Ok(created(secret, &key, &c)),
        Outcome::UploadTaken => {
            let rows = uploads::find(pool, &ids).await?;
            Err(ApiError::BadRequest(uploads::taken_meanwhile(
                &fields, &rows, budget,
            )))
        }
    }
}

/// The complaint `number` if `proof` opens it; the throttle refuses first, and counts a
/// failure (complaint numbers never equal case numbers, so their counts stay apart).
async fn open_complaint(
    state: &AppState,
    addr: Option<IpAddr>,
    number: &str,
    proof: &Proof,
) -> Result<ComplaintRow, ApiError> {
    let throttle = Throttle::global();
    if let Some(wait) = throttle.check(addr, number) {
        return Err(ApiError::TooManyRequests(wait));
    }
    let secret = numbering::secret(&state.pool).await?;
    let code = proof.code().unwrap_or_default();
    match store::find(&state.pool, number).await? {
        Some(c)
            if numbering::same_digest(
                &c.query_code_hash,
                &numbering::code_hash(secret, number, code),
            ) =>
        {
            Ok(c)
        }
        _ => {
            throttle.failed(addr, number);
            Err(ApiError::NotFound(NO_COMPLAINT.into()))
        }
    }
}

/// A complaint as its complainant follows it: status, the replies, the reply's due date and
/// its light while a reply is awaited. Needs the query code; shows a named complainant's
/// masked name and never the mobile.
#[utoipa::path(
    get,
    path = "/complaints/{number}",
    tag = "complaints",
    params(
        ("number" = String, Path, description = "The complaint number, with or without separators, either case"),
        ("c" = String, Query, description = "The complaint's query code"),
    ),
    responses(
        (status = 200, description = "The complaint", body = ComplaintView),
        (status = 400, description = "The number is mistyped (`number`), or the code is missing or malformed (`c`)", body = api_client::ErrorBody),
        (status = 404, description = "No complaint matches this number and code", body = api_client::ErrorBody),
        (status = 429, description = "Too many failed lookups: see `Retry-After`", body = api_client::ErrorBody),
    )
)]
pub async fn complaint(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    RawNumber(number): RawNumber,
    params: Params,
) -> Result<Json<ComplaintView>, ApiError> {
    let (number, proof) = read_parts(number.as_deref(), params.get("c"), None, false)?;
    let c = open_complaint(&state, addr, &number, &proof).await?;
    let catalogue = state.catalogue().await?;
    Ok(Json(view::complainant(&state.pool, &catalogue, &c).await?))
}

/// Rate how a complaint was handled (1–5, 5 = 非常满意), once, after a reply. Needs the
/// query code.
#[utoipa::path(
    post,
    path = "/complaints/{number}/rating",
    tag = "complaints",
    params(
        ("number" = String, Path, description = "The complaint number"),
        ("c" = String, Query, description = "The complaint's query code"),
    ),
    request_body = HandlingRatingRequest,
    responses(
        (status = 200, description = "Rated: the complaint as it is now", body = ComplaintView),
        (status = 400, description = "A malformed number, code or body (`number`, `c`, `level`, `comment`)", body = api_client::ErrorBody),
        (status = 404, description = "No complaint matches this number and code", body = api_client::ErrorBody),
        (status = 409, description = "Not replied to yet, or rated already", body = api_client::ErrorBody),
        (status = 429, description = "Too many failed lookups: see `Retry-After`", body = api_client::ErrorBody),
    )
)]
pub async fn rate(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    RawNumber(number): RawNumber,
    params: Params,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ComplaintView>, ApiError> {
    let (number, proof) = read_parts(number.as_deref(), params.get("c"), None, false)?;
    let req: HandlingRatingRequest = extract::json_body(&headers, body, "the rating")?;
    let errors = validate_rating(req.level, &[], req.comment.as_deref());
    if !errors.is_empty() {
        return Err(ApiError::BadRequest(errors));
    }
    open_complaint(&state, addr, &number, &proof).await?;
    let comment = crate::ratings::comment(req.comment.as_deref());
    store::rate_handling(&state.pool, &number, req.level, comment.as_deref()).await?;
    let c = store::find(&state.pool, &number)
        .await?
        .ok_or_else(|| ApiError::NotFound(NO_COMPLAINT.into()))?;
    let catalogue = state.catalogue().await?;
    Ok(Json(view::complainant(&state.pool, &catalogue, &c).await?))
}
