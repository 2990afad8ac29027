//! Submitting an application (网上申报): checked against the service's form and the uploads,
//! stored as a new case with an acceptance number and a random query code. A retry with the
//! same idempotency key and the same request answers with the same case and code and creates
//! nothing; the key with another request is refused (`crate::idempotency`).

use std::collections::BTreeMap;

use api_client::application::{upload_id_valid, validate_application, visible_answers};
use api_client::checks::mask_name;
use api_client::{ApplicationCreated, ApplicationRequest, FormDefinition};

use super::form_definition;
use super::store::{self, NewCase, StoredCase};
use crate::calendar::{self, Calendar};
use crate::db::retry::Keyed;
use crate::db::sql;
use crate::db::uploads::{Attaching, Budget};
use crate::error::ApiError;
use crate::idempotency::{KeyedRequest, Scope};
use crate::numbering;
use crate::state::AppState;
use crate::tracking;

/// Submits `req` under the idempotency `key`: the new case, or the one submitted with this
/// key and request before. A 400 names every problem (`service_code`, `answers.<id>`,
/// `materials.<id>`…); 422 when the key came with another request, 409 when its answer is no
/// longer kept, 503 when the day's numbers are used up.
pub async fn submit(
    state: &AppState,
    key: &str,
    req: &ApplicationRequest,
) -> Result<ApplicationCreated, ApiError> {
    let pool = &state.pool;
    let secret = numbering::secret(pool).await?;
    let keyed = KeyedRequest::new(Scope::Case, key, req)?;
    let replay = |case: &StoredCase| {
        let code = keyed.replay(
            &case.number,
            &case.kept(),
            calendar::now_cst().unix_timestamp(),
        )?;
        Ok(created(state, &code, case))
    };
    if let Some(existing) = store::find_by_key(pool, keyed.key_hash()).await? {
        return replay(&existing);
    }

    let catalogue = state.catalogue().await?;
    let Some(guide) = catalogue.guide(&req.service_code) else {
        return Err(ApiError::field(
            "service_code",
            "unknown",
            "no service has this code",
        ));
    };
    if !guide.accepts_online_applications() {
        return Err(ApiError::field(
            "service_code",
            "not_online",
            "this service cannot be applied for online",
        ));
    }
    let def = form_definition(guide, &state.config);
    let mut errors = validate_application(&def, req);

    // The uploads: each must exist and be free, and all together within the limit.
    let attaching = Attaching {
        fields: upload_fields(&def, req),
        budget: Budget {
            max_total: state.config.max_total_bytes,
            of: "application",
        },
    };
    let checked = attaching.check(pool).await?;
    if checked.some_taken {
        if let Some(existing) = store::find_by_key(pool, keyed.key_hash()).await? {
            return replay(&existing);
        }
    }
    errors.extend(checked.problems);
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
    let code = numbering::random_code()?;
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
    let seal = |number: &str| keyed.seal(number, &code);
    let yymmdd = numbering::yymmdd(today);
    let uploads = attaching.distinct();
    let new = NewCase {
        key_hash: keyed.key_hash(),
        fingerprint: keyed.fingerprint(),
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
        uploads: &uploads,
        code_hash: &hash,
        seal: &seal,
    };
    match store::insert(pool, &new).await? {
        Keyed::Created(case) => Ok(created(state, &code, &case)),
        Keyed::Existing(case) => replay(&case),
        Keyed::UploadTaken => Err(attaching.refusal(pool).await),
    }
}

/// The answer for a case with its query code.
fn created(state: &AppState, code: &str, case: &StoredCase) -> ApplicationCreated {
    let tracking_url = tracking::tracking_url(&state.config.public_url, &case.number, code);
    ApplicationCreated {
        acceptance_number: case.number.clone(),
        query_code: code.to_string(),
        status: case.status,
        promised_date: case.promised_date.clone(),
        tracking_url,
    }
}

/// The uploads to check, by material (`materials.<id>`), of the materials the form knows
/// (ids that are not upload ids are reported by validation already).
fn upload_fields<'a>(
    def: &FormDefinition,
    req: &'a ApplicationRequest,
) -> Vec<(String, Vec<&'a str>)> {
    req.materials
        .iter()
        .filter(|(m, _)| def.materials.iter().any(|x| &x.id == *m))
        .map(|(m, ids)| {
            (
                format!("materials.{m}"),
                ids.iter()
                    .map(String::as_str)
                    .filter(|u| upload_id_valid(u))
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, ids)| !ids.is_empty())
        .collect()
}
