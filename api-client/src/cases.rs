//! Case progress (办件查询) and staff actions: what the applicant sees of a case, and what
//! staff do to it.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::deadline::{Deadline, Light};
use crate::ratings::RatingView;
use crate::text::TextAreas;
/// Its home is `types`; re-exported here, where the server has always taken it from.
pub use crate::types::ServiceName;
use crate::CaseStatus;

/// One event of the timeline: every transition, with who and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TimelineEvent {
    /// RFC 3339 in China Standard Time.
    pub at: String,
    pub status: CaseStatus,
    /// The step's name, e.g. 受理, 补正告知, 审查.
    pub step: String,
    pub department: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opinion: Option<String>,
}

/// One missing or wrong item of a supplement request (补正).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SupplementItem {
    /// The material it concerns, when it is one of the service's materials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material_id: Option<String>,
    pub name: String,
    pub note: String,
}

/// The one notice listing every item at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Supplement {
    pub requested_at: String,
    pub items: Vec<SupplementItem>,
    /// True once the applicant has sent the items (staff then resume the case).
    pub answered: bool,
}

/// The decision and how the result reaches the applicant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CaseResult {
    pub approved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For a denial: the right to 行政复议 and litigation, with the time limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
    /// How the result is delivered (window, post, electronic), once completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<String>,
}

/// A file sent with a material (at submission or with a supplement), as listed to its
/// applicant and to staff; its bytes are at `…/files/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StoredFile {
    /// The upload id.
    pub id: String,
    /// The name the applicant's file had (no directory), or one made of the material and
    /// the type when it was not kept.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// The type the server detected from the content: `application/pdf`, `image/png` or
    /// `image/jpeg`.
    pub media_type: String,
}

/// Material id → its files, in the order of the case's `materials`.
pub type MaterialFiles = std::collections::BTreeMap<String, Vec<StoredFile>>;

/// `GET /cases/{number}?c={code}` (or `?mobile=`): a case as its applicant may see it. No
/// document number, no phone; the name is masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CaseView {
    pub acceptance_number: String,
    pub service: ServiceName,
    pub department: String,
    pub status: CaseStatus,
    pub masked_name: String,
    pub submitted_at: String,
    pub timeline: Vec<TimelineEvent>,
    pub current_step: String,
    /// Present once the case is accepted and until it is decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
    /// The due date once accepted (`deadline.date`), else the date promised at submission.
    pub promised_date: String,
    /// `promised_date` is counted in working days past the holiday calendar's last day, so
    /// it may move once that year's holidays are announced.
    #[serde(default)]
    pub promised_date_provisional: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplement: Option<Supplement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<CaseResult>,
    /// Whether the applicant may still withdraw (before a decision).
    pub can_withdraw: bool,
    /// The applicant's rating (好差评), once given, with any rectification and its answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<RatingView>,
    /// Whether the case may be rated now: completed, not yet rated, opened with the code.
    #[serde(default)]
    pub can_rate: bool,
    pub tracking_url: String,
    pub qr_svg: String,
    /// The files the applicant sent, by material (download: `GET
    /// /cases/{number}/files/{id}?c=`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::BTreeMap<String, Vec<StoredFile>>))]
    pub files: MaterialFiles,
}

/// What staff may do to a case (`ActionRequest.action`).
pub const CASE_ACTIONS: [&str; 8] = [
    "accept",
    "not_accept",
    "request_supplement",
    "supplement_received",
    "review",
    "approve",
    "deny",
    "complete",
];
/// How the result reaches the applicant (`ActionRequest.delivery`).
pub const DELIVERIES: [&str; 3] = ["window", "post", "electronic"];
/// The longest reason, opinion, step name, item name or note of an action (characters).
pub const MAX_ACTION_TEXT_CHARS: usize = 2000;
/// Most items in one supplement notice.
pub const MAX_SUPPLEMENT_ITEMS: usize = 100;
/// The longest note an applicant may send with a supplement (characters).
pub const MAX_NOTE_CHARS: usize = 2000;

impl TextAreas for ActionRequest {
    /// A step's name and an item's name are single lines.
    const TEXT_AREAS: &'static [&'static str] = &["reason", "opinion", "items[].note"];
}

impl TextAreas for SupplementReply {
    const TEXT_AREAS: &'static [&'static str] = &["note"];
}

/// `POST /staff/cases/{number}/actions`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ActionRequest {
    /// `accept`, `not_accept`, `request_supplement`, `supplement_received`, `review`,
    /// `approve`, `deny` or `complete`.
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<SupplementItem>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opinion: Option<String>,
    /// `window`, `post` or `electronic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<String>,
}

/// `POST /cases/{number}/supplement?c=`: the applicant's files for the requested items.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SupplementReply {
    /// Material id (or item index as text for items without one) → upload ids.
    pub materials: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

// ---- What staff see (the `/staff` routes) ----

/// The answer to a staff action: the case's new status and its deadline now (absent before
/// acceptance and once decided).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ActionDone {
    pub status: CaseStatus,
    pub deadline: Option<Deadline>,
}

/// One case on the supervision list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OverdueCase {
    pub acceptance_number: String,
    pub service: ServiceName,
    pub status: CaseStatus,
    /// `YYYY-MM-DD`
    pub due_date: String,
    pub light: Light,
    /// The clock is stopped for a supplement (the light is as on the day it stopped).
    pub paused: bool,
    /// `due_date` is counted in working days past the holiday calendar's last day.
    #[serde(default)]
    pub due_date_provisional: bool,
}

/// Yellow and red cases of one department.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DepartmentCount {
    /// The department's code.
    pub department: String,
    pub name: String,
    pub yellow: u32,
    pub red: u32,
}

/// `GET /staff/overdue`: the staff member's department's yellow and red cases (red first,
/// then by due date), and the counts of every department.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OverdueList {
    /// One page of the department's yellow and red cases.
    pub cases: Vec<OverdueCase>,
    /// How many yellow and red cases the department has in all.
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
    pub counts: Vec<DepartmentCount>,
}

/// A case as staff see it: everything the applicant submitted, and its history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StaffCase {
    pub acceptance_number: String,
    pub service: ServiceName,
    /// The department's code.
    pub department: String,
    pub status: CaseStatus,
    pub current_step: Option<String>,
    pub applicant: crate::Applicant,
    /// The answers to the form's questions, by question id.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub answers: serde_json::Value,
    /// Material id → upload ids.
    pub materials: std::collections::BTreeMap<String, Vec<String>>,
    /// Material id → its files with name, size and type (download: `GET
    /// /staff/cases/{number}/files/{id}`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::BTreeMap<String, Vec<StoredFile>>))]
    pub files: MaterialFiles,
    /// RFC 3339, China Standard Time.
    pub submitted_at: String,
    pub accepted_at: Option<String>,
    /// `YYYY-MM-DD`, as promised at submission.
    pub promised_date: String,
    /// `promised_date` is counted in working days past the holiday calendar's last day.
    #[serde(default)]
    pub promised_date_provisional: bool,
    pub deadline: Option<Deadline>,
    /// `deadline.date` is counted in working days past the holiday calendar's last day
    /// (false without a deadline).
    #[serde(default)]
    pub due_date_provisional: bool,
    pub supplement: Option<Supplement>,
    pub result: Option<CaseResult>,
    pub timeline: Vec<TimelineEvent>,
}
