//! The way to a case for its applicant: the acceptance number with the query code (or the
//! mobile used when applying), through the one gate (`crate::gate`) before anything is read.
//!
//! - `read_parts` checks the number and the proof before any database access and names every
//!   bad one (400).
//! - `open` passes the gate (429 with the wait), then reads the case; an unknown number, a
//!   wrong code and a wrong mobile get the same 404, and each counts as a failure.

use std::future::Future;
use std::net::IpAddr;

use api_client::checks::{normalise_mobile, normalise_query_code};
use api_client::FieldError;

use super::lookup::{self, CaseRow, Credential};
use crate::error::ApiError;
use crate::gate;
use crate::numbering;
use crate::state::AppState;

/// The one answer for an unknown number, a wrong code and a wrong mobile.
pub const NO_MATCH: &str = "no case matches this number and code";

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

/// The acceptance number (compact) and the proof, or a 400 naming every bad one (before any
/// database access). `number` is the path's text (none when it could not be read);
/// `mobile_allowed`: whether the mobile may stand in for the code (lookups only).
pub fn read_parts(
    number: Option<&str>,
    c: Option<&str>,
    mobile: Option<&str>,
    mobile_allowed: bool,
) -> Result<(String, Proof), ApiError> {
    let mut errors = Vec::new();
    let number = numbering::parse_number(number, "the acceptance number")
        .map_err(|e| errors.push(e))
        .ok();
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

/// The case `number` if `proof` opens it, through the gate (`gate::pass`: 429 first, a
/// miss counted).
pub async fn open(
    state: &AppState,
    addr: Option<IpAddr>,
    number: &str,
    proof: &Proof,
) -> Result<CaseRow, ApiError> {
    open_with(
        state,
        addr,
        number,
        proof,
        lookup::find(&state.pool, number),
        |c| c,
    )
    .await
}

/// As `open`, for a caller that reads more with the case in the same statement: `read`
/// gives that (none for an unknown number), `case` the case in it, which `proof` must open.
pub async fn open_with<T, F>(
    state: &AppState,
    addr: Option<IpAddr>,
    number: &str,
    proof: &Proof,
    read: F,
    case: impl Fn(&T) -> &CaseRow,
) -> Result<T, ApiError>
where
    F: Future<Output = Result<Option<T>, ApiError>>,
{
    let opened = gate::pass(addr, number, async {
        let secret = numbering::secret(&state.pool).await?;
        let found = read.await?;
        Ok(found.filter(|found| case(found).opens(secret, proof.credential())))
    })
    .await?;
    opened.ok_or_else(|| ApiError::NotFound(NO_MATCH.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_client::checks::AcceptanceNumber;

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
        read_parts(Some(n), get("c"), get("mobile"), mobile_allowed)
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
        let (n, p) = read(&number.grouped().to_lowercase(), "c=abcdef", true)
            .ok()
            .unwrap();
        assert_eq!(n, good);
        assert_eq!(p.code(), Some("ABCDEF"));
        let (_, p) = read(good, "mobile=%2B86%20138-0013-8000", true)
            .ok()
            .unwrap();
        assert!(matches!(p, Proof::Mobile(ref m) if m == "13800138000"));
        let f = |n: &str, q: &str, m: bool| fields(read(n, q, m).err().unwrap());
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
