//! Case progress for applicants (办件查询): `GET /cases/{number}` with the query code (`?c=`)
//! or the applicant's mobile (`?mobile=`), and, with the code only, `POST
//! /cases/{number}/withdraw` and `POST /cases/{number}/supplement`.
//!
//! An unknown number, a wrong code and a wrong mobile get the same 404. Failures are counted
//! per client address and per number (`cases::throttle`); past the limit every lookup is
//! refused with 429 and `Retry-After`. Nothing here logs the request: codes and mobiles are
//! secrets, and errors name fields, never values.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use api_client::checks::{
    normalise_mobile, normalise_query_code, AcceptanceNumber, AcceptanceNumberError,
};
use api_client::{CaseView, ErrorBody, ErrorDetail, FieldError, SupplementReply};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::header::RETRY_AFTER;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::params::Params;
use crate::applications::numbering;
use crate::cases::lifecycle::{self, Action, Actor};
use crate::cases::lookup::{self, CaseRow, Credential};
use crate::cases::throttle::{retry_after_secs, Throttle};
use crate::error::ApiError;
use crate::state::AppState;

/// The one answer for an unknown number, a wrong code and a wrong mobile.
pub const NO_MATCH: &str = "no case matches this number and code";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{number}", get(case))
        .route("/cases/{number}/withdraw", post(withdraw))
        .route("/cases/{number}/supplement", post(supplement))
}

/// The TCP peer's address (none when the server runs without connection info).
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// An `ApiError`, or a refusal by the throttle (429 with `Retry-After`, in the one error shape).
pub enum Refusal {
    Api(ApiError),
    Throttled(Duration),
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        Refusal::Api(e)
    }
}

impl From<sqlx::Error> for Refusal {
    fn from(e: sqlx::Error) -> Self {
        Refusal::Api(e.into())
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Api(e) => e.into_response(),
            Refusal::Throttled(wait) => {
                let secs = retry_after_secs(wait);
                let body = ErrorBody {
                    error: ErrorDetail {
                        code: "too_many_requests".into(),
                        message: format!("too many failed lookups: try again in {secs} seconds"),
                        fields: vec![],
                    },
                };
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(RETRY_AFTER, secs.to_string())],
                    Json(body),
                )
                    .into_response()
            }
        }
    }
}

/// What the request offers as proof, normalised.
pub enum Proof {
    Code(String),
    Mobile(String),
}

impl Proof {
    pub fn credential(&self) -> Credential<'_> {
        match self {
            Proof::Code(c) => Credential::Code(c),
            Proof::Mobile(m) => Credential::Mobile(m),
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            Proof::Code(c) => Some(c),
            Proof::Mobile(_) => None,
        }
    }
}

/// The acceptance number and the proof, or a 400 naming every bad one (before any database
/// access). `mobile_allowed`: whether `?mobile=` may stand in for the code (lookups only).
fn read_request(
    number: Result<Path<String>, PathRejection>,
    params: &Params,
    mobile_allowed: bool,
) -> Result<(String, Proof), ApiError> {
    read_parts(
        number,
        params.get("c"),
        params.get("mobile"),
        mobile_allowed,
    )
}

/// `read_request` with the code and mobile given, from a query string or a body.
pub fn read_parts(
    number: Result<Path<String>, PathRejection>,
    c: Option<&str>,
    mobile: Option<&str>,
    mobile_allowed: bool,
) -> Result<(String, Proof), ApiError> {
    let mut errors = Vec::new();
    let number = match number.as_ref().map(|Path(n)| AcceptanceNumber::parse(n)) {
        Ok(Ok(n)) => Some(n.compact().to_string()),
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
    fn given(v: Option<&str>) -> Option<&str> {
        v.map(str::trim).filter(|v| !v.is_empty())
    }
    let proof = match (given(c), given(mobile).filter(|_| mobile_allowed)) {
        (Some(c), _) => normalise_query_code(c).map(Proof::Code).or_else(|| {
            errors.push(FieldError::new(
                "c",
                "invalid",
                "a query code is 6 letters and digits",
            ));
            None
        }),
        (None, Some(m)) => normalise_mobile(m).map(Proof::Mobile).or_else(|| {
            errors.push(FieldError::new(
                "mobile",
                "invalid",
                "a mobile number is 11 digits starting with 13–19",
            ));
            None
        }),
        (None, None) => {
            let message = if mobile_allowed {
                "the query code (c) or the applicant's mobile (mobile) is required"
            } else {
                "the query code is required"
            };
            errors.push(FieldError::new("c", "required", message));
            None
        }
    };
    match (number, proof) {
        (Some(n), Some(p)) if errors.is_empty() => Ok((n, p)),
        _ => Err(ApiError::BadRequest(errors)),
    }
}

/// The case `number` if `proof` opens it; the throttle refuses first, and counts a failure.
pub async fn open(
    state: &AppState,
    addr: Option<IpAddr>,
    number: &str,
    proof: &Proof,
) -> Result<CaseRow, Refusal> {
    let throttle = Throttle::global();
    if let Some(wait) = throttle.check(addr, number) {
        return Err(Refusal::Throttled(wait));
    }
    let secret = numbering::secret(&state.pool).await?;
    match lookup::find(&state.pool, number).await? {
        Some(case) if case.opens(secret, proof.credential()) => Ok(case),
        _ => {
            throttle.failed(addr, number);
            Err(ApiError::NotFound(NO_MATCH.into()).into())
        }
    }
}

/// The case as it is now, for its applicant.
async fn current_view(
    state: &AppState,
    number: &str,
    code: Option<&str>,
) -> Result<Json<CaseView>, Refusal> {
    let case = lookup::find(&state.pool, number)
        .await?
        .ok_or_else(|| ApiError::NotFound(NO_MATCH.into()))?;
    Ok(Json(lookup::view(state, &case, code).await?))
}

/// A case's progress: status, timeline, current step, deadline and its light, a supplement
/// request, the result. Opened by the query code or the applicant's mobile; an unknown number
/// and a wrong code or mobile get the same 404. Shows the masked name and no other personal
/// data.
#[utoipa::path(
    get,
    path = "/cases/{number}",
    tag = "cases",
    params(
        ("number" = String, Path, description = "受理号, with or without separators, either case"),
        ("c" = Option<String>, Query, description = "The query code (6 characters); or give `mobile`"),
        ("mobile" = Option<String>, Query, description = "The applicant's mobile, when the code is not at hand (the tracking address then carries no code)"),
    ),
    responses(
        (status = 200, description = "The case as its applicant sees it", body = CaseView),
        (status = 400, description = "The number is mistyped (`number`), or the code or mobile is missing or malformed (`c`, `mobile`)", body = api_client::ErrorBody),
        (status = 404, description = "No case matches this number and code (or mobile)", body = api_client::ErrorBody),
        (status = 429, description = "Too many failed lookups from this address or of this number: see `Retry-After`", body = api_client::ErrorBody),
    )
)]
pub async fn case(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    number: Result<Path<String>, PathRejection>,
    params: Params,
) -> Result<Json<CaseView>, Refusal> {
    let (number, proof) = read_request(number, &params, true)?;
    let case = open(&state, addr, &number, &proof).await?;
    Ok(Json(lookup::view(&state, &case, proof.code()).await?))
}

/// Withdraw a case (撤回) before a decision. Needs the query code.
#[utoipa::path(
    post,
    path = "/cases/{number}/withdraw",
    tag = "cases",
    params(
        ("number" = String, Path, description = "受理号"),
        ("c" = String, Query, description = "The query code"),
    ),
    responses(
        (status = 200, description = "Withdrawn: the case as it is now", body = CaseView),
        (status = 400, description = "The number or code is malformed or missing", body = api_client::ErrorBody),
        (status = 404, description = "No case matches this number and code", body = api_client::ErrorBody),
        (status = 409, description = "The case is decided or closed", body = api_client::ErrorBody),
        (status = 429, description = "Too many failed lookups: see `Retry-After`", body = api_client::ErrorBody),
    )
)]
pub async fn withdraw(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    number: Result<Path<String>, PathRejection>,
    params: Params,
) -> Result<Json<CaseView>, Refusal> {
    let (number, proof) = read_request(number, &params, false)?;
    open(&state, addr, &number, &proof).await?;
    lifecycle::apply(&state.pool, &number, &Actor::Applicant, &Action::Withdraw).await?;
    current_view(&state, &number, proof.code()).await
}

/// Send the items a supplement request (补正) asks for: for every item (keyed by its
/// material id, or its index as text), the ids of files sent to `POST /uploads`. Needs the
/// query code. The case stays `supplement_requested` until staff confirm receipt.
#[utoipa::path(
    post,
    path = "/cases/{number}/supplement",
    tag = "cases",
    params(
        ("number" = String, Path, description = "受理号"),
        ("c" = String, Query, description = "The query code"),
    ),
    request_body = SupplementReply,
    responses(
        (status = 200, description = "Sent: the case as it is now (`supplement.answered` true)", body = CaseView),
        (status = 400, description = "An item without files, or with files that are not there or used (`materials.<key>`), or a malformed body", body = api_client::ErrorBody),
        (status = 404, description = "No case matches this number and code", body = api_client::ErrorBody),
        (status = 409, description = "No supplement is outstanding (none asked, or answered already)", body = api_client::ErrorBody),
        (status = 429, description = "Too many failed lookups: see `Retry-After`", body = api_client::ErrorBody),
    )
)]
pub async fn supplement(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    number: Result<Path<String>, PathRejection>,
    params: Params,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<CaseView>, Refusal> {
    let (number, proof) = read_request(number, &params, false)?;
    open(&state, addr, &number, &proof).await?;
    let reply = parse_reply(&headers, body)?;
    lookup::reply_supplement(&state, &number, &reply).await?;
    current_view(&state, &number, proof.code()).await
}

/// The body as a `SupplementReply`, or a 400 naming what is wrong.
fn parse_reply(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<SupplementReply, ApiError> {
    let value = super::params::json_object(headers, body, "the reply")?;
    serde_path_to_error::deserialize::<_, SupplementReply>(&value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner().to_string();
        let (field, code) = match inner
            .strip_prefix("missing field `")
            .and_then(|m| m.split('`').next())
        {
            Some(name) => (name.to_string(), "required"),
            None if path == "." => ("body".to_string(), "invalid"),
            // `materials.id_card[0]` is reported on the item.
            None => (
                path.split('[').next().unwrap_or(&path).to_string(),
                "invalid",
            ),
        };
        let message = if code == "required" {
            format!("{field} is required")
        } else {
            format!("{field} has the wrong type or value")
        };
        ApiError::field(&field, code, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(n: &str, q: &str, mobile_allowed: bool) -> Result<(String, Proof), ApiError> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        read_parts(
            Ok(Path(n.to_string())),
            get("c"),
            get("mobile"),
            mobile_allowed,
        )
    }

    fn fields(e: ApiError) -> Vec<(String, String)> {
        match e {
            ApiError::BadRequest(f) => f.into_iter().map(|f| (f.field, f.code)).collect(),
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn numbers_and_proofs_are_checked_first() {
        let number = AcceptanceNumber::new("440113", "260213", 1).unwrap();
        let good = number.compact();
        let mut typo = good.to_string();
        typo.replace_range(16..17, if &good[16..17] == "5" { "6" } else { "5" });
        let ok = read;
        let (n, p) = ok(&number.grouped().to_lowercase(), "c=abcdef", true)
            .ok()
            .unwrap();
        assert_eq!(n, good);
        assert_eq!(p.code(), Some("ABCDEF"));
        let (_, p) = ok(good, "mobile=%2B86%20138-0013-8000", true).ok().unwrap();
        assert!(matches!(p, Proof::Mobile(ref m) if m == "13800138000"));
        let f = |n: &str, q: &str, m: bool| fields(ok(n, q, m).err().unwrap());
        assert_eq!(
            f(&typo, "c=ABCDEF", true),
            vec![("number".into(), "checksum".into())]
        );
        assert_eq!(
            f("12345", "", true),
            vec![
                ("number".into(), "invalid".into()),
                ("c".into(), "required".into())
            ]
        );
        assert_eq!(f(good, "c=ABC", true), vec![("c".into(), "invalid".into())]);
        assert_eq!(
            f(good, "mobile=123", true),
            vec![("mobile".into(), "invalid".into())]
        );
        // Actions take the code only.
        assert_eq!(
            f(good, "mobile=13800138000", false),
            vec![("c".into(), "required".into())]
        );
    }
}
