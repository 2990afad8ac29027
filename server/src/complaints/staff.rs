//! What staff (the staff API) and the operator (the command line) do with complaints: list
//! them, show one in full, handle one. The actor decides what they may see and do
//! (`handling`).

use api_client::{
    ComplaintAction, ComplaintStatus, StaffComplaint, StaffComplaintPage, StaffComplaintSummary,
};
use sqlx::AnyPool;

use super::handling::{self, Handling};
use super::{store, view};
use crate::calendar::Today;
use crate::cases::lifecycle::Actor;
use crate::db::sql::Paging;
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

/// Whose complaints a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Every complaint: the complaints office and the operator.
    Every,
    /// The complaints of this department (the complaints office has those of none).
    Department(&'a str),
}

impl<'a> Scope<'a> {
    /// The list `actor` sees: `None` for an applicant, who has none.
    pub fn of(actor: &'a Actor) -> Option<Scope<'a>> {
        match actor {
            Actor::Cli { .. } | Actor::ComplaintsOffice { .. } => Some(Scope::Every),
            Actor::Staff {
                department_code, ..
            } => Some(Scope::Department(department_code)),
            Actor::Applicant => None,
        }
    }
}

/// One page of the complaints of `scope`, with `status` when given, in `view::staff_order`,
/// and how many there are in all.
pub async fn list(
    pool: &AnyPool,
    catalogue: &Snapshot,
    scope: Scope<'_>,
    status: Option<ComplaintStatus>,
    paging: Paging,
) -> Result<StaffComplaintPage, ApiError> {
    let today = Today::load(pool, catalogue.version).await?;
    let department = match scope {
        Scope::Every => None,
        Scope::Department(d) => Some(d),
    };
    let (rows, total) = store::list(pool, department, status, paging).await?;
    let mut items: Vec<StaffComplaintSummary> = rows
        .iter()
        .map(|c| view::summary(catalogue, &today, c))
        .collect();
    // The page is in this order already (`store::list`); sorting again costs nothing.
    items.sort_by(view::staff_order);
    Ok(StaffComplaintPage {
        items,
        total,
        page: paging.page,
        per_page: paging.per_page,
    })
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
            handling::not_yours(c.department_code.as_deref()).into(),
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
