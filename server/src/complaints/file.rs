//! Filing a complaint (投诉): about a case (its number and query code), a service, a
//! department, a member of staff or the portal or kiosk itself; named or anonymous. A retry
//! with the same idempotency key and request answers with the same complaint and code; the key
//! with another request is refused (`crate::idempotency`).
//!
//! A complaint takes its number from the day's series that cases share, and may be
//! anonymous: new filings are limited per client address (`--complaints-per-addr` within
//! `--complaints-window-secs`, 429 past it) so that no one can use the series up; retries
//! are not counted.
//!
//! A complaint about a case links to that case only when the complainant proves the case's
//! query code (`cases::access::open`): an unknown number and a wrong code get the same 400,
//! counted as failed case lookups by the one gate (`crate::gate`).

use std::net::IpAddr;

use api_client::checks::{mask_name, normalise_mobile, normalise_query_code, AcceptanceNumber};
use api_client::complaints::validate_complaint;
use api_client::{ComplaintContact, ComplaintCreated, ComplaintRequest, FieldError, SubjectType};

use super::store::{self, ComplaintRow, NewComplaint};
use crate::calendar::{self, Calendar};
use crate::cases::access::{self, Proof, NO_MATCH};
use crate::db::retry::Keyed;
use crate::db::uploads::{Attaching, Budget};
use crate::error::ApiError;
use crate::gate;
use crate::idempotency::{self, KeyedRequest, Scope};
use crate::numbering;
use crate::state::{AppState, Snapshot};

/// Files `req` from `addr`, under `key` when the client sent one (without it every request
/// files a new complaint). A 400 names every problem; a 429 when the case's code has been
/// guessed at too often or the address has filed too many; 422 when the key came with another
/// request, 409 when its answer is no longer kept, 503 when the day's numbers are used up.
pub async fn file(
    state: &AppState,
    addr: Option<IpAddr>,
    key: Option<&str>,
    req: &ComplaintRequest,
) -> Result<ComplaintCreated, ApiError> {
    let errors = validate_complaint(req);
    if !errors.is_empty() {
        return Err(ApiError::BadRequest(errors));
    }
    let pool = &state.pool;
    let secret = numbering::secret(pool).await?;
    let keyed = key
        .map(|k| KeyedRequest::new(Scope::Complaint, k, req))
        .transpose()?;
    let replay = |c: &ComplaintRow| match &keyed {
        Some(k) => {
            let code = k.replay(&c.number, &c.kept(), calendar::now_cst().unix_timestamp())?;
            Ok(created(&code, c))
        }
        // Without a key each request has a hash of its own: no other can meet it.
        None => Err(ApiError::Internal(anyhow::anyhow!(
            "a complaint without a key met another"
        ))),
    };
    if let Some(k) = &keyed {
        if let Some(existing) = store::find_by_key(pool, k.key_hash()).await? {
            return replay(&existing);
        }
    }

    let catalogue = state.catalogue().await?;
    let mut errors = Vec::new();
    let subject = resolve_subject(state, addr, &catalogue, req, &mut errors).await?;
    let mut attachments: Vec<String> = Vec::new();
    for id in req.attachments.iter().map(|a| a.trim().to_string()) {
        if !attachments.contains(&id) {
            attachments.push(id);
        }
    }
    let attaching = Attaching {
        fields: vec![(
            "attachments".to_string(),
            attachments.iter().map(String::as_str).collect(),
        )],
        budget: Budget {
            max_total: state.config.max_total_bytes,
            of: "complaint",
        },
    };
    let checked = attaching.check(pool).await?;
    if let (Some(k), true) = (&keyed, checked.some_taken) {
        if let Some(existing) = store::find_by_key(pool, k.key_hash()).await? {
            return replay(&existing);
        }
    }
    errors.extend(checked.problems);
    let Some(subject) = subject.filter(|_| errors.is_empty()) else {
        return Err(ApiError::BadRequest(errors));
    };
    // Counted only once the complaint would be filed: a mistyped one costs nothing.
    if let Some(addr) = addr {
        state
            .complaint_filings
            .take(gate::addr_key(addr))
            .await
            .map_err(ApiError::TooManyFilings)?;
    }

    let key_hash = match &keyed {
        Some(k) => k.key_hash().to_string(),
        None => idempotency::unkeyed_hash()?,
    };
    let now = calendar::now_cst();
    let today = now.date();
    let reply_due = calendar::format_date(
        Calendar::load(pool, today)
            .await?
            .add_working_days(today, state.config.complaint_reply_days),
    );
    let code = numbering::random_code()?;
    let hash = |number: &str| numbering::code_hash(secret, number, &code);
    let seal = |number: &str| keyed.as_ref().map(|k| k.seal(number, &code)).transpose();
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
        key_hash: &key_hash,
        fingerprint: keyed.as_ref().map(KeyedRequest::fingerprint),
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
        seal: &seal,
    };
    match store::insert(pool, &new).await? {
        Keyed::Created(c) => Ok(created(&code, &c)),
        Keyed::Existing(c) => replay(&c),
        Keyed::UploadTaken => Err(attaching.refusal(pool).await),
    }
}

/// The answer for a complaint with its query code.
fn created(code: &str, c: &ComplaintRow) -> ComplaintCreated {
    ComplaintCreated {
        complaint_number: c.number.clone(),
        query_code: code.to_string(),
        reply_due: c.reply_due.clone(),
    }
}

/// What the subject resolves to, for storing.
#[derive(Default)]
struct Subject {
    reference: Option<String>,
    case_number: Option<String>,
    service_code: Option<String>,
    department_code: Option<String>,
}

/// The subject checked against the catalogue and, for a case, its query code; `None` with
/// the problem in `errors` (reported with the others). An error refuses at once (the
/// throttle's 429).
async fn resolve_subject(
    state: &AppState,
    addr: Option<IpAddr>,
    catalogue: &Snapshot,
    req: &ComplaintRequest,
    errors: &mut Vec<FieldError>,
) -> Result<Option<Subject>, ApiError> {
    let reference = req
        .subject
        .reference
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let unknown =
        |what: &str| FieldError::new("subject.ref", "unknown", format!("no {what} has this code"));
    let resolved = match req.subject.kind {
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
            match access::open(state, addr, &number, &Proof::Code(code)).await {
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
    };
    Ok(resolved.map_err(|e| errors.push(e)).ok())
}
