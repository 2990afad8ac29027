//! What staff (the staff API) and the operator (the command line) do with complaints: list
//! them, show one in full, handle one. The actor decides what they may see and do
//! (`handling`).

use api_client::{ComplaintAction, ComplaintStatus, StaffComplaint, StaffComplaintSummary};
use sqlx::AnyPool;

use super::handling::{self, Handling};
use super::{store, view};
use crate::calendar::Today;
use crate::cases::lifecycle::Actor;
use crate::error::ApiError;
use crate::state::Snapshot;

/// A list's `status` filter as given (none when empty), or a 400 on `status`.
pub fn parse_status(status: Option<&str>) -> Result<Option<ComplaintStatus>, ApiError> {
    match status.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => ComplaintStatus::parse(s).map(Some).ok_or_else(|| {
            ApiError::field(
                "status",
                "invalid",
                "status must be received, assigned, replied or closed",
            )
        }),
    }
}

/// The complaints of `department` and those of none yet (every complaint for `None`: the
/// operator's list), with `status` when given, in `view::staff_order`.
pub async fn list(
    pool: &AnyPool,
    catalogue: &Snapshot,
    department: Option<&str>,
    status: Option<ComplaintStatus>,
) -> Result<Vec<StaffComplaintSummary>, ApiError> {
    let today = Today::load(pool, catalogue.version).await?;
    let mut out: Vec<StaffComplaintSummary> = store::list(pool, department, status)
        .await?
        .iter()
        .map(|c| view::summary(catalogue, &today, c))
        .collect();
    out.sort_by(view::staff_order);
    Ok(out)
}

/// Complaint `number` in full, if `actor` may see it: 404, then 403.
pub async fn show(
    pool: &AnyPool,
    catalogue: &Snapshot,
    actor: &Actor,
    number: &str,
) -> Result<StaffComplaint, ApiError> {
    let c = store::find(pool, number)
        .await?
        .ok_or_else(|| ApiError::NotFound("no complaint has this number".into()))?;
    if !handling::may_see(actor, c.department_code.as_deref()) {
        return Err(ApiError::Forbidden(
            "this complaint belongs to another department".into(),
        ));
    }
    view::staff(pool, catalogue, &c).await
}

/// Performs the action `req` asks for on complaint `number` as `actor` (400, 404, 403, 409:
/// see `handling`); the complaint as it is now.
pub async fn act(
    pool: &AnyPool,
    catalogue: &Snapshot,
    actor: &Actor,
    number: &str,
    req: &ComplaintAction,
) -> Result<StaffComplaint, ApiError> {
    let action = Handling::from_request(req)?;
    store::act(pool, catalogue, number, actor, &action).await?;
    let c = store::find(pool, number)
        .await?
        .ok_or_else(|| ApiError::NotFound("no complaint has this number".into()))?;
    view::staff(pool, catalogue, &c).await
}
