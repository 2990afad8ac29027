//! What an applicant sees of their case and does to it (办件查询): the use cases behind
//! `GET /cases/{number}` and `POST /cases/{number}/lookup`, `POST /cases/{number}/withdraw`
//! and `POST /cases/{number}/supplement`. Each passes the gate first (`cases::access`: the number with
//! the query code, or the mobile for a look-up; the throttle) and answers with the case as
//! its applicant sees it (`view`), which joins the case with its rating: this module sits
//! above both `cases` and `ratings`, so that neither imports the other. What a view shows is
//! read in one statement and one row (`read`: the case, its events and files, its rating and
//! the catalogue's version), nothing of it kept between requests but the catalogue snapshot and the QR codes.
//!
//! The view carries the masked name and nothing else personal: no document number, no phone.
//!
//! A view is in its reader's language (`Language`): for Traditional Chinese the service's and
//! the department's names are the catalogue's Traditional texts, and the stored texts staff
//! wrote (steps, departments and opinions of the timeline, the current step, the supplement
//! request, the result) are converted as the answer is made (`script::Reader`): nothing
//! stored changes, and the lookup's one statement stays one. An English reader gets the
//! Simplified texts, as of the catalogue; the two steps named here rather than by staff
//! (`SUBMITTED_STEP`, `WAITING_STEP`) are told by the interface in its own words: the
//! submission is the timeline's only `submitted` event, and the waiting step the current
//! step of a case still `submitted`.

use std::net::IpAddr;
use std::sync::OnceLock;

use api_client::{CaseStatus, CaseView, Language, SupplementReply, TimelineEvent};
use sqlx::{AnyPool, FromRow, Row};

use crate::calendar::{self, rfc3339_cst};
use crate::cases::access::{open, open_with, read_parts, Proof, NO_MATCH};
use crate::cases::deadline;
use crate::cases::lifecycle::{self, Action, Actor};
use crate::cases::lookup::{self, CaseRow};
use crate::cases::names::service_name_in;
use crate::db::uploads::{self, by_material, FileRow};
use crate::error::ApiError;
use crate::ratings::case_ratings;
use crate::ratings::stored::{self, StoredRating};
use crate::script::Reader;
use crate::state::AppState;
use crate::tracking;
use crate::uploads::files::{self, Download};

/// The step of the submission itself, the first event of every timeline.
pub const SUBMITTED_STEP: &str = "提交申请";
/// The current step of a case that has no step recorded yet.
pub const WAITING_STEP: &str = "待受理";

/// The case `number` (the path's text) opened with the query code `c` or the applicant's
/// `mobile`: 400 for a bad number or proof, then the gate's 429 or 404. In `language`.
pub async fn look_up(
    state: &AppState,
    addr: Option<IpAddr>,
    number: Option<&str>,
    c: Option<&str>,
    mobile: Option<&str>,
    language: Language,
) -> Result<CaseView, ApiError> {
    let (number, proof) = read_parts(number, c, mobile, true)?;
    let read = open_with(
        state,
        addr,
        &number,
        &proof,
        read(&state.pool, &number),
        |r| &r.case,
    )
    .await?;
    view(state, read, proof.code(), language).await
}

/// The applicant withdraws case `number` with the query code `c` (the mobile does not
/// allow it): as `look_up`, then 409 once the case is decided or closed.
pub async fn withdraw(
    state: &AppState,
    addr: Option<IpAddr>,
    number: Option<&str>,
    c: Option<&str>,
    language: Language,
) -> Result<CaseView, ApiError> {
    let (number, proof) = opened_with_code(state, addr, number, c).await?;
    lifecycle::apply(&state.pool, &number, &Actor::Applicant, &Action::Withdraw).await?;
    current_view(state, &number, &proof, language).await
}

/// The applicant answers the outstanding supplement request of case `number` with the query
/// code `c`. `reply` is the body as read: its problems are answered only once the gate has
/// opened, so that a wrong code gets the same 404 whatever the body. Then as
/// `lookup::reply_supplement`.
pub async fn answer_supplement(
    state: &AppState,
    addr: Option<IpAddr>,
    number: Option<&str>,
    c: Option<&str>,
    reply: Result<SupplementReply, ApiError>,
    language: Language,
) -> Result<CaseView, ApiError> {
    let (number, proof) = opened_with_code(state, addr, number, c).await?;
    lookup::reply_supplement(state, &number, &reply?).await?;
    current_view(state, &number, &proof, language).await
}

/// The applicant's file `upload_id` of case `number`, opened with the query code `c`: as
/// `withdraw` (400s first, then the gate), then 404 for a file that is not this case's.
pub async fn file(
    state: &AppState,
    addr: Option<IpAddr>,
    number: Option<&str>,
    c: Option<&str>,
    upload_id: Option<&str>,
) -> Result<Download, ApiError> {
    let (number, proof) = read_parts(number, c, None, false)?;
    let id = files::upload_id(upload_id)?;
    open(state, addr, &number, &proof).await?;
    files::of_case(state, &number, id).await
}

/// The number and the code after the gate opened the case with them.
async fn opened_with_code(
    state: &AppState,
    addr: Option<IpAddr>,
    number: Option<&str>,
    c: Option<&str>,
) -> Result<(String, Proof), ApiError> {
    let (number, proof) = read_parts(number, c, None, false)?;
    open(state, addr, &number, &proof).await?;
    Ok((number, proof))
}

/// The case as it is now, after a change the applicant made.
async fn current_view(
    state: &AppState,
    number: &str,
    proof: &Proof,
    language: Language,
) -> Result<CaseView, ApiError> {
    let read = read(&state.pool, number)
        .await?
        .ok_or_else(|| ApiError::NotFound(NO_MATCH.into()))?;
    view(state, read, proof.code(), language).await
}

/// Everything the applicant's view of a case reads from the database.
pub struct CaseRead {
    pub case: CaseRow,
    /// Its events, oldest first (the submission is not one).
    events: Vec<TimelineEvent>,
    /// The uploads it took (its materials' and its supplements').
    files: Vec<FileRow>,
    rating: Option<StoredRating>,
    /// The catalogue version stored at the same moment.
    catalogue_version: i64,
}

/// The case `number` with its events, its files, its rating and the catalogue's version, in
/// one statement and one row: a lookup is the most frequent request after the static files,
/// and every statement is a round trip to the database (on SQLite, to its connection's
/// thread), every row one more message back. The events and the files come as JSON arrays
/// in the case's row (`lifecycle::events_json`, `uploads::files_json`). None for an unknown
/// number.
pub async fn read(pool: &AnyPool, number: &str) -> Result<Option<CaseRead>, ApiError> {
    static SQL: [OnceLock<String>; 2] = [OnceLock::new(), OnceLock::new()];
    let mut conn = pool.acquire().await?;
    let postgres = conn.backend_name().eq_ignore_ascii_case("postgresql");
    let sql = SQL[usize::from(postgres)].get_or_init(|| {
        format!(
            "SELECT {}, {}, {} AS events, {} AS files, \
                    (SELECT version FROM catalogue_meta WHERE id = 1) AS catalogue_version \
             FROM cases c \
             LEFT JOIN case_ratings r ON r.case_number = c.acceptance_number \
             WHERE c.acceptance_number = $1",
            lookup::COLUMNS,
            stored::COLUMNS,
            lifecycle::events_json(postgres),
            uploads::files_json(postgres),
        )
    });
    let Some(row) = sqlx::query(sql)
        .bind(number)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(CaseRead {
        case: CaseRow::from_row(&row)?,
        events: lifecycle::events_of_json(row.try_get("events")?)?,
        files: uploads::files_of_json(row.try_get("files")?)?,
        rating: stored::joined(&row)?,
        catalogue_version: row.try_get("catalogue_version")?,
    }))
}

/// The applicant's view of the case `read`. `code` is the query code it was opened with
/// (none when opened by mobile: the tracking address then carries no code, and the case
/// cannot be rated). In `language`.
pub async fn view(
    state: &AppState,
    read: CaseRead,
    code: Option<&str>,
    language: Language,
) -> Result<CaseView, ApiError> {
    let CaseRead {
        case,
        mut events,
        files,
        rating,
        catalogue_version,
    } = read;
    let catalogue = state.catalogue_at(catalogue_version).await?;
    let texts = catalogue.in_language(language);
    let reader = Reader::of(language);
    let department = match texts.guide(&case.service_code) {
        Some(g) => g.department.name.clone(),
        None => texts
            .department(&case.department_code)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| case.department_code.clone()),
    };

    for e in &mut events {
        reader.text(&mut e.step);
        reader.name(&mut e.department, |d| {
            catalogue.department_named(d, language).map(Into::into)
        });
        reader.opt(&mut e.opinion);
    }
    let mut submitted_step = SUBMITTED_STEP.to_string();
    reader.text(&mut submitted_step);
    let mut timeline = Vec::with_capacity(events.len() + 1);
    timeline.push(TimelineEvent {
        at: rfc3339_cst(case.submitted_at),
        status: CaseStatus::Submitted,
        step: submitted_step,
        department: department.clone(),
        opinion: None,
    });
    timeline.extend(events);

    let deadline = deadline::current(&state.pool, catalogue.version, &case.clock()).await?;

    let tracking_url = match code {
        Some(code) => tracking::tracking_url(&state.config.public_url, &case.number, code),
        None => format!("{}/track/{}", state.config.public_url, case.number),
    };
    let qr_svg = tracking::cached_qr_svg(&tracking_url)?;

    let mut rating = case_ratings::shown(&state.pool, catalogue.version, rating.as_ref()).await?;
    // The files' names are the applicant's own: listed only to the holder of the code.
    let files = match code {
        Some(_) => by_material(&case.materials()?, &files),
        None => Default::default(),
    };

    let promised_date = case
        .due_date
        .clone()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| case.promised_date.clone());
    let covers_until = calendar::covers_until_cached(&state.pool, catalogue.version).await?;
    let promised_date_provisional = calendar::provisional(
        covers_until,
        &promised_date,
        calendar::unit_of(catalogue.guide(&case.service_code)),
    );

    let mut current_step = case
        .current_step
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| WAITING_STEP.into());
    reader.text(&mut current_step);
    let mut supplement = case.supplement()?;
    for item in supplement.iter_mut().flat_map(|s| &mut s.items) {
        reader.text(&mut item.name);
        reader.text(&mut item.note);
    }
    let mut result = case.result()?;
    if let Some(r) = &mut result {
        reader.opt(&mut r.reason);
        reader.opt(&mut r.remedy);
    }
    if let Some(r) = rating.as_mut().and_then(|r| r.rectification.as_mut()) {
        reader.opt(&mut r.explanation);
        reader.opt(&mut r.action_taken);
    }

    Ok(CaseView {
        service: service_name_in(texts, &case.service_code),
        department,
        status: case.status,
        submitted_at: rfc3339_cst(case.submitted_at),
        timeline,
        current_step,
        deadline,
        promised_date,
        promised_date_provisional,
        supplement,
        result,
        can_withdraw: lookup::can_withdraw(case.status),
        can_rate: case_ratings::can_rate(case.status, rating.is_some(), code.is_some()),
        rating,
        tracking_url,
        qr_svg,
        files,
        acceptance_number: case.number,
        masked_name: case.masked_name,
    })
}
