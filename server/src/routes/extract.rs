//! What handlers take from a request, rejecting with the one `ApiError` (never a bare 400:
//! every problem names its field): the query string (`Params`), the client's address
//! (`ClientAddr`), the number or code in the path (`CaseNumber`, `ComplaintNumber`,
//! `ServiceCode`), JSON bodies (`JsonBody`), the `Idempotency-Key` header, the staff
//! member of a bearer token (`Staff`), and the language of an answer (`Lang`, answered with
//! `InLanguage`).
//!
//! No text with a control character gets past them (`api_client::text`): every string of a
//! JSON body is checked before the body is read as its type (tab and line breaks only in
//! the type's text areas), and so is every query parameter and a path's service code.
//! The validators name the same fields, so the portal shows the same message.

use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};

use api_client::language::LANG_PARAM;
use api_client::text::{self, Lines, TextAreas};
use api_client::{FieldError, Language};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Request};
use axum::http::header::{ACCEPT_LANGUAGE, AUTHORIZATION, CONTENT_LANGUAGE, VARY};
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::cases::staff::{self, Staff};
use crate::error::ApiError;
use crate::gate;
use crate::kiosks::devices::{self, KIOSK_COOKIE};
use crate::numbering;
use crate::state::AppState;

/// The client's address, as the gate counts it (`gate::client_addr`): the TCP peer's, or the
/// forwarded one when the peer is a trusted proxy (`--trusted-proxy`). None when the server
/// runs without connection info.
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddr(peer.map(|peer| {
            gate::client_addr(peer, &parts.headers, &state.config.trusted_proxies)
        })))
    }
}

/// The `{number}` of the path as typed (none when it is not readable text), for handlers
/// that check it together with other parameters (`cases::access::read_parts`).
pub struct RawNumber(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for RawNumber {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(RawNumber(path_param(parts, state, "number").await))
    }
}

/// The path parameter `name` as typed (none when absent or not readable text); by name, so
/// that paths with several parameters (`…/{number}/files/{upload_id}`) read each one.
async fn path_param<S: Send + Sync>(parts: &mut Parts, state: &S, name: &str) -> Option<String> {
    Path::<Vec<(String, String)>>::from_request_parts(parts, state)
        .await
        .ok()
        .and_then(|Path(params)| params.into_iter().find(|(n, _)| n == name))
        .map(|(_, value)| value)
}

/// The `{upload_id}` of the path as typed (`uploads::files::upload_id` checks it).
pub struct RawUploadId(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for RawUploadId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(RawUploadId(path_param(parts, state, "upload_id").await))
    }
}

/// The `{code}` of the path (a service's 实施编码), or a 400 on `code` when it is not text.
pub struct ServiceCode(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ServiceCode {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(code)) => match text::problem("code", &code, Lines::Single) {
                None => Ok(ServiceCode(code)),
                Some(p) => Err(ApiError::BadRequest(vec![p])),
            },
            Err(_) => Err(ApiError::field(
                "code",
                "invalid",
                "the service code is not valid text",
            )),
        }
    }
}

/// What a number in the path is called in messages.
pub trait NumberKind {
    const WHAT: &'static str;
}

pub struct OfCase;
impl NumberKind for OfCase {
    const WHAT: &'static str = "the acceptance number";
}

pub struct OfComplaint;
impl NumberKind for OfComplaint {
    const WHAT: &'static str = "the complaint number";
}

/// The `{number}` of the path, checked and compact, or a 400 on `number`.
pub struct Number<K>(pub String, pub PhantomData<K>);
pub type CaseNumber = Number<OfCase>;
pub type ComplaintNumber = Number<OfComplaint>;

impl<S: Send + Sync, K: NumberKind> FromRequestParts<S> for Number<K> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let RawNumber(raw) = match RawNumber::from_request_parts(parts, state).await {
            Ok(raw) => raw,
            Err(never) => match never {},
        };
        numbering::parse_number(raw.as_deref(), K::WHAT)
            .map(|n| Number(n, PhantomData))
            .map_err(|e| ApiError::BadRequest(vec![e]))
    }
}

/// A JSON request body: what it is called in messages, which of its fields are text areas
/// (`TextAreas`), and how its problems are named (serde's path by default).
pub trait JsonRequest: DeserializeOwned + TextAreas {
    /// "the application", "the reply".
    const WHAT: &'static str;

    fn from_json(value: &serde_json::Value) -> Result<Self, ApiError> {
        named_deserialize(value)
    }
}

impl JsonRequest for api_client::ActionRequest {
    const WHAT: &'static str = "the action";
}
impl JsonRequest for api_client::ComplaintAction {
    const WHAT: &'static str = "the action";
}
impl JsonRequest for api_client::RectificationAnswer {
    const WHAT: &'static str = "the answer";
}
impl JsonRequest for api_client::ComplaintRequest {
    const WHAT: &'static str = "the complaint";
}
impl JsonRequest for api_client::HandlingRatingRequest {
    const WHAT: &'static str = "the rating";
}
// `ApplicationRequest` names its applicant's problems in detail: `routes::applications`.
impl JsonRequest for api_client::SupplementReply {
    const WHAT: &'static str = "the reply";
}
impl JsonRequest for api_client::RatingRequest {
    const WHAT: &'static str = "the rating";
}
impl JsonRequest for api_client::VisitRatingRequest {
    const WHAT: &'static str = "the rating";
}
impl JsonRequest for api_client::CaseLookupRequest {
    const WHAT: &'static str = "the lookup";
}

/// The body as a `T`, or a 400 naming what is wrong (`body`, `Content-Type`, the field).
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: JsonRequest> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let body = Bytes::from_request(req, state).await;
        let mut value = json_object(&headers, body, T::WHAT)?;
        let problems = text::json_problems(&mut value, T::TEXT_AREAS);
        if !problems.is_empty() {
            return Err(ApiError::BadRequest(problems));
        }
        T::from_json(&value).map(JsonBody)
    }
}

/// The registered kiosk a request comes from (its id), by its device cookie
/// (`kiosks::devices`), or a 401 with the reason's code.
pub struct Kiosk(pub String);

impl FromRequestParts<AppState> for Kiosk {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = cookie(&parts.headers, KIOSK_COOKIE);
        devices::check(&state.pool, token.as_deref())
            .await
            .map(Kiosk)
    }
}

/// The value of cookie `name` (the first, when it is sent twice).
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value_trimmed().to_string())
}

/// The language an answer's catalogue texts are for: `?lang=` (`zh-Hans`, `zh-Hant` or `en`;
/// anything else is a 400 naming `lang`), else the most preferred of ours in
/// `Accept-Language`, else Simplified Chinese. Answer with `InLanguage`.
pub struct Lang(Result<Language, FieldError>);

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let asked = form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .find(|(k, _)| k == LANG_PARAM)
            .map(|(_, v)| v.into_owned());
        Ok(Lang(match asked {
            Some(tag) => Language::parse(&tag).ok_or_else(|| {
                let ours: Vec<&str> = Language::ALL.iter().map(|l| l.tag()).collect();
                FieldError::new(
                    LANG_PARAM,
                    "invalid",
                    format!("lang must be one of {}", ours.join(", ")),
                )
            }),
            None => Ok(parts
                .headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Language::from_accept_language)
                .unwrap_or(Language::ZhHans)),
        }))
    }
}

impl Lang {
    /// The language, or the 400 naming `lang`.
    pub fn get(self) -> Result<Language, ApiError> {
        self.0.map_err(|e| ApiError::BadRequest(vec![e]))
    }

    /// The language, its problem (if any) put with the request's others.
    pub fn checked(self, errors: &mut Vec<FieldError>) -> Language {
        self.0.unwrap_or_else(|e| {
            errors.push(e);
            Language::ZhHans
        })
    }
}

/// A JSON answer whose catalogue texts are in a language: `Content-Language` names the
/// language they are in (`Language::catalogue`: Simplified for an English reader), and
/// `Vary: Accept-Language` says another reader may get another.
pub struct InLanguage<T>(pub Language, pub T);

impl<T: Serialize> IntoResponse for InLanguage<T> {
    fn into_response(self) -> Response {
        let mut res = Json(self.1).into_response();
        let headers = res.headers_mut();
        headers.insert(
            CONTENT_LANGUAGE,
            HeaderValue::from_static(self.0.catalogue().tag()),
        );
        headers.append(VARY, HeaderValue::from_static("accept-language"));
        res
    }
}

/// The decoded query string, in order. A parameter given twice keeps its first value. A
/// parameter holding a control character (a tab or line break included) is a 400 naming
/// it (`query` when the name itself holds one).
pub struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut problems = Vec::new();
        for (k, v) in &pairs {
            let p = if text::allowed(k, Lines::Single) {
                text::problem(k, v, Lines::Single)
            } else {
                text::problem("query", k, Lines::Single)
            };
            problems
                .extend(p.filter(|p| !problems.iter().any(|q: &FieldError| q.field == p.field)));
        }
        if !problems.is_empty() {
            return Err(ApiError::BadRequest(problems));
        }
        Ok(Params(pairs))
    }
}

/// The highest page a staff list accepts; beyond the last page the answer is empty.
pub const MAX_STAFF_PAGE: u32 = 100_000;

impl Params {
    /// A staff list's `page` (default 1) and `per_page` (1–`STAFF_MAX_PER_PAGE`, default
    /// `STAFF_DEFAULT_PER_PAGE`), or a 400 naming each bad one.
    pub fn paging(&self) -> Result<crate::db::sql::Paging, ApiError> {
        let mut errors = Vec::new();
        let page = self
            .int("page", 1..=MAX_STAFF_PAGE, &mut errors)
            .unwrap_or(1);
        let per_page = self
            .int("per_page", 1..=api_client::STAFF_MAX_PER_PAGE, &mut errors)
            .unwrap_or(api_client::STAFF_DEFAULT_PER_PAGE);
        if errors.is_empty() {
            Ok(crate::db::sql::Paging { page, per_page })
        } else {
            Err(ApiError::BadRequest(errors))
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// An optional integer parameter within `range`, recording a problem in `errors`.
    pub fn int(
        &self,
        name: &str,
        range: std::ops::RangeInclusive<u32>,
        errors: &mut Vec<FieldError>,
    ) -> Option<u32> {
        let raw = self.get(name)?;
        match raw.trim().parse::<i64>() {
            Ok(n) if n >= *range.start() as i64 && n <= *range.end() as i64 => Some(n as u32),
            Ok(_) => {
                errors.push(FieldError::new(
                    name,
                    "out_of_range",
                    format!(
                        "{name} must be between {} and {}",
                        range.start(),
                        range.end()
                    ),
                ));
                None
            }
            Err(_) => {
                errors.push(FieldError::new(
                    name,
                    "invalid",
                    format!("{name} must be a whole number"),
                ));
                None
            }
        }
    }
}

/// The request body as a JSON object, or a 400 naming what is wrong with it. `what` names
/// the body in messages ("the application", "the reply").
pub fn json_object(
    headers: &axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
    what: &str,
) -> Result<serde_json::Value, ApiError> {
    if let Some(ct) = headers.get(axum::http::header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
        let essence = ct.split(';').next().unwrap_or("").trim();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(ApiError::field(
                "Content-Type",
                "unsupported",
                format!("send {what} as JSON (Content-Type: application/json)"),
            ));
        }
    }
    let bytes = body.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::field(
                "body",
                "too_large",
                format!("{what} is too large (files go to POST /uploads)"),
            )
        } else {
            ApiError::field("body", "invalid", "the request body could not be read")
        }
    })?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::field(
            "body",
            "invalid_json",
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    if !value.is_object() {
        return Err(ApiError::field(
            "body",
            "invalid",
            "the body must be a JSON object",
        ));
    }
    Ok(value)
}

/// `value` as a `T`, or a 400 naming the field that is missing (`required`) or has the
/// wrong type (`invalid`): `items[0].name`, `subject.type`. Messages name fields, never
/// values (serde's own messages may quote them).
pub fn named_deserialize<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        ApiError::BadRequest(vec![shape_problem(
            "",
            &e.path().to_string(),
            &e.inner().to_string(),
        )])
    })
}

/// A field error for a serde problem at `path` (`.` for the root), under `prefix`
/// (`applicant.`). `materials.<id>[i]` is reported on the material, as validation does.
pub fn shape_problem(prefix: &str, path: &str, message: &str) -> FieldError {
    let mut field = if path == "." {
        String::new()
    } else {
        path.to_string()
    };
    if field.starts_with("materials.") {
        if let Some(i) = field.find('[') {
            field.truncate(i);
        }
    }
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next());
    let (field, code) = match missing {
        Some(name) if field.is_empty() => (name.to_string(), "required"),
        Some(name) => (format!("{field}.{name}"), "required"),
        None if field.is_empty() => ("body".to_string(), "invalid"),
        None => (field, "invalid"),
    };
    let field = format!("{prefix}{field}");
    let text = if code == "required" {
        format!("{field} is required")
    } else if field == "body" {
        "the body has the wrong shape".to_string()
    } else {
        format!("{field} has the wrong type or value")
    };
    FieldError::new(field, code, text)
}

/// The header that makes a submit safe to retry.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// The `Idempotency-Key` header, trimmed, if sent; a 400 when it is sent twice or is not
/// 8–100 letters, digits, `_` or `-`.
pub fn idempotency_key(headers: &axum::http::HeaderMap) -> Result<Option<String>, ApiError> {
    let bad = |message: &str| ApiError::field(IDEMPOTENCY_KEY, "invalid", message);
    let mut values = headers.get_all(IDEMPOTENCY_KEY).iter();
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(_), Some(_)) => Err(bad("send the Idempotency-Key header once")),
        (Some(value), None) => match value.to_str() {
            Ok(key) if numbering::idempotency_key_valid(key.trim()) => {
                Ok(Some(key.trim().to_string()))
            }
            _ => Err(bad(
                "the Idempotency-Key must be 8–100 letters, digits, `_` or `-`",
            )),
        },
    }
}

/// The token of the request's one `Authorization: Bearer <token>` header, if it has one.
fn bearer(parts: &Parts) -> Option<&str> {
    let mut values = parts.headers.get_all(AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return None;
    };
    let (scheme, token) = value.to_str().ok()?.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// The staff member the bearer token names, or a 401 (`cases::staff::check`).
impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        staff::check(&state.pool, bearer(parts)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut req = axum::http::Request::builder().uri("/");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.body(()).unwrap().into_parts().0
    }

    #[test]
    fn bearer_tokens_are_read_from_the_header() {
        assert_eq!(
            bearer(&parts(&[("authorization", "Bearer owst_abc")])),
            Some("owst_abc")
        );
        assert_eq!(
            bearer(&parts(&[("authorization", "bearer  owst_abc ")])),
            Some("owst_abc")
        );
        assert!(bearer(&parts(&[])).is_none());
        assert!(bearer(&parts(&[("authorization", "Basic dXNlcjpwYXNz")])).is_none());
        assert!(bearer(&parts(&[("authorization", "owst_abc")])).is_none());
        assert!(bearer(&parts(&[
            ("authorization", "Bearer a"),
            ("authorization", "Bearer b")
        ]))
        .is_none());
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        name: String,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        action: String,
        #[serde(default)]
        items: Vec<Item>,
        #[serde(default)]
        level: u8,
    }

    fn read(text: &str) -> Result<Body, (String, String, String)> {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            axum::http::header::CONTENT_TYPE,
            "application/json".parse().unwrap(),
        );
        json_object(
            &headers,
            Ok(axum::body::Bytes::from(text.to_string())),
            "the body",
        )
        .and_then(|v| named_deserialize::<Body>(&v))
        .map_err(|e| match e {
            ApiError::BadRequest(f) => {
                (f[0].field.clone(), f[0].code.clone(), f[0].message.clone())
            }
            other => panic!("{other:?}"),
        })
    }

    #[test]
    fn body_problems_name_the_field_not_the_value() {
        assert!(read(r#"{"action": "accept"}"#).is_ok());
        assert_eq!(read(r#"{"items": []}"#).unwrap_err().0, "action");
        let (field, code, _) = read(r#"{"action": "x", "items": [{"note": 1}]}"#).unwrap_err();
        assert_eq!(
            (field.as_str(), code.as_str()),
            ("items[0].name", "required")
        );
        let (field, code, message) = read(r#"{"action": "x", "level": 300}"#).unwrap_err();
        assert_eq!((field.as_str(), code.as_str()), ("level", "invalid"));
        assert!(!message.contains("300"), "{message}");
        let (field, code, _) =
            read(r#"{"action": "13800138000x", "items": "13800138000"}"#).unwrap_err();
        assert_eq!((field.as_str(), code.as_str()), ("items", "invalid"));
        assert_eq!(read("[1]").unwrap_err().0, "body");
        assert_eq!(read("{oops").unwrap_err().1, "invalid_json");
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut h = axum::http::HeaderMap::new();
        assert_eq!(cookie(&h, "ow_kiosk"), None);
        h.append("cookie", "a=1; ow_kiosk=owk_ab ; b=2".parse().unwrap());
        h.append("cookie", "ow_kiosk=second".parse().unwrap());
        assert_eq!(cookie(&h, "ow_kiosk").as_deref(), Some("owk_ab"));
        assert_eq!(cookie(&h, "b").as_deref(), Some("2"));
        assert_eq!(cookie(&h, "kiosk"), None);
    }

    #[test]
    fn idempotency_keys_are_optional_but_well_formed() {
        let mut h = axum::http::HeaderMap::new();
        assert_eq!(idempotency_key(&h).unwrap(), None);
        h.insert(IDEMPOTENCY_KEY, " key-0001 ".parse().unwrap());
        assert_eq!(idempotency_key(&h).unwrap().as_deref(), Some("key-0001"));
        h.append(IDEMPOTENCY_KEY, "key-0002".parse().unwrap());
        assert!(idempotency_key(&h).is_err());
        let mut h = axum::http::HeaderMap::new();
        h.insert(IDEMPOTENCY_KEY, "short".parse().unwrap());
        assert!(idempotency_key(&h).is_err());
    }
}
