//! Complaints (投诉): what a complainant sends, what they see when following it with the
//! complaint number and code, and what staff see and do. `validate_complaint` is the one
//! check, run by the bundles before sending and by the server on every request.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::checks::{mobile_valid, normalise_query_code, AcceptanceNumber, AcceptanceNumberError};
use crate::deadline::Deadline;
use crate::text::{self, Lines, TextAreas};
use crate::{FieldError, ServiceName};

/// The longest description (characters).
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// The longest `ref` of a staff or window subject, a contact name (characters).
pub const MAX_REF_CHARS: usize = 100;
/// The longest staff reply (characters).
pub const MAX_REPLY_CHARS: usize = 2000;
/// Attachments per complaint.
pub const MAX_ATTACHMENTS: usize = 10;
/// What staff may do to a complaint (`ComplaintAction.action`).
pub const COMPLAINT_ACTIONS: [&str; 3] = ["assign", "reply", "close"];

impl TextAreas for ComplaintRequest {
    const TEXT_AREAS: &'static [&'static str] = &["description"];
}

impl TextAreas for ComplaintAction {
    /// The reply.
    const TEXT_AREAS: &'static [&'static str] = &["text"];
}

/// What a complaint is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubjectType {
    /// A case (办件): `ref` is its acceptance number, `code` its query code.
    Case,
    /// A service item (事项): `ref` is its 实施编码.
    Service,
    /// A department or its window: `ref` is the department's code.
    Department,
    /// Staff conduct: `ref` says who or which window (e.g. "3号窗口 工号 1024").
    Staff,
    /// The portal or the kiosk itself: `ref` is `portal` or `kiosk`.
    Channel,
}

impl SubjectType {
    pub const ALL: [SubjectType; 5] = [
        SubjectType::Case,
        SubjectType::Service,
        SubjectType::Department,
        SubjectType::Staff,
        SubjectType::Channel,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectType::Case => "case",
            SubjectType::Service => "service",
            SubjectType::Department => "department",
            SubjectType::Staff => "staff",
            SubjectType::Channel => "channel",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The channels a complaint about the service itself can name.
pub const CHANNELS: [&str; 2] = ["portal", "kiosk"];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ComplaintSubject {
    #[serde(rename = "type")]
    pub kind: SubjectType,
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The case's query code (subject `case` only): without it the case is not linked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The kinds of complaint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComplaintCategory {
    /// 服务态度
    ServiceAttitude,
    /// 办理拖延、超期
    Delay,
    /// 违规收费
    UnlawfulFees,
    /// 材料要求不合理、循环证明
    UnreasonableMaterials,
    /// 推诿扯皮
    PassingTheBuck,
    /// 其他
    Other,
}

impl ComplaintCategory {
    pub const ALL: [ComplaintCategory; 6] = [
        ComplaintCategory::ServiceAttitude,
        ComplaintCategory::Delay,
        ComplaintCategory::UnlawfulFees,
        ComplaintCategory::UnreasonableMaterials,
        ComplaintCategory::PassingTheBuck,
        ComplaintCategory::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintCategory::ServiceAttitude => "service_attitude",
            ComplaintCategory::Delay => "delay",
            ComplaintCategory::UnlawfulFees => "unlawful_fees",
            ComplaintCategory::UnreasonableMaterials => "unreasonable_materials",
            ComplaintCategory::PassingTheBuck => "passing_the_buck",
            ComplaintCategory::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Who complains, when not anonymous. Staff may call back; no page ever shows the mobile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ComplaintContact {
    pub name: String,
    pub mobile: String,
}

/// `POST /complaints` (an optional `Idempotency-Key` header makes a retry safe).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ComplaintRequest {
    pub subject: ComplaintSubject,
    pub category: ComplaintCategory,
    /// 1–2,000 characters, shown as plain text everywhere.
    pub description: String,
    pub anonymous: bool,
    /// Required unless `anonymous`; must be absent when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ComplaintContact>,
    /// Upload ids from `POST /uploads`.
    #[serde(default)]
    pub attachments: Vec<String>,
}

/// 201 answer to `POST /complaints`: what the complainant keeps to follow the reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ComplaintCreated {
    /// 18 characters, no separators, the same form as an acceptance number (show it grouped).
    pub complaint_number: String,
    pub query_code: String,
    /// `YYYY-MM-DD`: the reply is due by this working day.
    pub reply_due: String,
}

/// 投诉状态: received → assigned → replied → closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    Received,
    Assigned,
    Replied,
    Closed,
}

impl ComplaintStatus {
    pub const ALL: [ComplaintStatus; 4] = [
        ComplaintStatus::Received,
        ComplaintStatus::Assigned,
        ComplaintStatus::Replied,
        ComplaintStatus::Closed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintStatus::Received => "received",
            ComplaintStatus::Assigned => "assigned",
            ComplaintStatus::Replied => "replied",
            ComplaintStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// One reply of the handling department.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ComplaintReply {
    /// RFC 3339 in China Standard Time.
    pub at: String,
    /// The department's name.
    pub department: String,
    pub text: String,
}

/// What the complaint is about, as its complainant sees it again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SubjectView {
    #[serde(rename = "type")]
    pub kind: SubjectType,
    /// The acceptance number, service code, department code, staff text or channel.
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// A readable name: the service's name (for a case, the case's service), the department's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The complainant's rating of how the complaint was handled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HandlingRating {
    /// 1–5 (5 = 非常满意).
    pub level: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub rated_at: String,
}

/// `POST /complaints/{number}/rating?c=`: how the complainant rates the handling (once,
/// after a reply).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HandlingRatingRequest {
    pub level: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// `GET /complaints/{number}?c={code}`: a complaint as its complainant follows it. No
/// mobile; a named complainant's name masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ComplaintView {
    pub complaint_number: String,
    pub status: ComplaintStatus,
    pub subject: SubjectView,
    pub category: ComplaintCategory,
    pub description: String,
    pub anonymous: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masked_name: Option<String>,
    pub attachment_count: u32,
    pub submitted_at: String,
    /// The department handling it, once assigned (its name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// `YYYY-MM-DD`: the reply is due by this working day.
    pub reply_due: String,
    /// The reply deadline's light, while a reply is awaited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
    pub replies: Vec<ComplaintReply>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<HandlingRating>,
    /// Whether the complainant may rate the handling now (replied or closed, not yet rated).
    pub can_rate: bool,
}

// ---- What staff see and do (`/staff/complaints`) ----

/// `POST /staff/complaints/{number}/actions`: `assign` (`department`), `reply` (`text`),
/// `close`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ComplaintAction {
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// `GET /staff/complaints`: one page of the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StaffComplaintPage {
    pub items: Vec<StaffComplaintSummary>,
    /// How many the whole list holds.
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// One complaint on a staff list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StaffComplaintSummary {
    pub complaint_number: String,
    pub status: ComplaintStatus,
    pub subject: SubjectView,
    pub category: ComplaintCategory,
    /// The department's code, once known (from the subject, or assigned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    pub submitted_at: String,
    pub reply_due: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
}

/// A complaint in full, for staff: the contact of a named complaint included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StaffComplaint {
    pub complaint_number: String,
    pub status: ComplaintStatus,
    pub subject: SubjectView,
    /// The linked case, when the complainant proved its code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<ServiceName>,
    pub category: ComplaintCategory,
    pub description: String,
    pub anonymous: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ComplaintContact>,
    /// Upload ids.
    pub attachments: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    pub submitted_at: String,
    pub reply_due: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
    pub replies: Vec<ComplaintReply>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<HandlingRating>,
}

// ---- The one check ----

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A text that must be given (`ask` says what to write) and may have at most `max`
/// characters (`too_long` says so) and no control characters (`lines` says which).
fn text_problem(
    field: &str,
    text: &str,
    lines: Lines,
    max: usize,
    ask: &str,
    too_long: String,
) -> Option<FieldError> {
    if let Some(p) = text::problem(field, text, lines) {
        return Some(p);
    }
    let text = text.trim();
    if text.is_empty() {
        Some(FieldError::new(field, "required", ask))
    } else if text.chars().count() > max {
        Some(FieldError::new(field, "too_long", too_long))
    } else {
        None
    }
}

/// Every problem of a complaint that needs no database, each naming its field:
/// `subject.ref`, `subject.code`, `description`, `contact`, `contact.name`,
/// `contact.mobile`, `attachments`. (Whether the case, service or department exists, and
/// whether the uploads are there, the server checks.)
pub fn validate_complaint(req: &ComplaintRequest) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let single = |field: &str, value: &Option<String>| {
        value
            .as_deref()
            .and_then(|v| text::problem(field, v, Lines::Single))
    };
    let ref_problem = single("subject.ref", &req.subject.reference);
    let code_problem = single("subject.code", &req.subject.code);
    // A reference or code with a control character is reported as that, and nothing else.
    let reference = given(&req.subject.reference);
    errors.extend(ref_problem.clone());
    errors.extend(code_problem.clone());
    match req.subject.kind {
        _ if ref_problem.is_some() && code_problem.is_some() => {}
        SubjectType::Case => {
            match reference
                .filter(|_| ref_problem.is_none())
                .map(AcceptanceNumber::parse)
            {
                None if ref_problem.is_some() => {}
                None => errors.push(FieldError::new(
                    "subject.ref",
                    "required",
                    "give the acceptance number of the case",
                )),
                Some(Err(AcceptanceNumberError::Check)) => errors.push(FieldError::new(
                    "subject.ref",
                    "checksum",
                    "the acceptance number has a typo (its check character does not match)",
                )),
                Some(Err(AcceptanceNumberError::Format)) => errors.push(FieldError::new(
                    "subject.ref",
                    "invalid",
                    "an acceptance number is 18 characters: 17 digits and a digit or X",
                )),
                Some(Ok(_)) => {}
            }
            match given(&req.subject.code) {
                _ if code_problem.is_some() => {}
                None => errors.push(FieldError::new(
                    "subject.code",
                    "required",
                    "give the case's query code",
                )),
                Some(c) if normalise_query_code(c).is_none() => errors.push(FieldError::new(
                    "subject.code",
                    "invalid",
                    "a query code is 6 letters and digits",
                )),
                Some(_) => {}
            }
        }
        _ if ref_problem.is_some() => {}
        SubjectType::Service | SubjectType::Department => {
            if reference.is_none() {
                let what = if req.subject.kind == SubjectType::Service {
                    "service"
                } else {
                    "department"
                };
                errors.push(FieldError::new(
                    "subject.ref",
                    "required",
                    format!("choose the {what}"),
                ));
            } else if reference.is_some_and(|r| r.chars().count() > MAX_REF_CHARS) {
                errors.push(FieldError::new("subject.ref", "unknown", "no such code"));
            }
        }
        SubjectType::Staff => errors.extend(text_problem(
            "subject.ref",
            reference.unwrap_or_default(),
            Lines::Single,
            MAX_REF_CHARS,
            "say who, or which window",
            format!("at most {MAX_REF_CHARS} characters"),
        )),
        SubjectType::Channel => {
            if !reference.is_some_and(|r| CHANNELS.contains(&r)) {
                let code = if reference.is_none() {
                    "required"
                } else {
                    "invalid"
                };
                errors.push(FieldError::new(
                    "subject.ref",
                    code,
                    "choose the portal or the kiosk",
                ));
            }
        }
    }
    if req.subject.kind != SubjectType::Case
        && code_problem.is_none()
        && given(&req.subject.code).is_some()
    {
        errors.push(FieldError::new(
            "subject.code",
            "unexpected",
            "a query code belongs to a complaint about a case",
        ));
    }
    errors.extend(text_problem(
        "description",
        &req.description,
        Lines::Multi,
        MAX_DESCRIPTION_CHARS,
        "describe what happened",
        format!("the description may have at most {MAX_DESCRIPTION_CHARS} characters"),
    ));
    match (&req.contact, req.anonymous) {
        (Some(_), true) => errors.push(FieldError::new(
            "contact",
            "unexpected",
            "an anonymous complaint carries no name or mobile",
        )),
        (None, false) => errors.push(FieldError::new(
            "contact",
            "required",
            "give your name and mobile, or complain anonymously",
        )),
        (Some(c), false) => {
            errors.extend(text_problem(
                "contact.name",
                &c.name,
                Lines::Single,
                MAX_REF_CHARS,
                "give your name",
                format!("at most {MAX_REF_CHARS} characters"),
            ));
            if let Some(p) = text::problem("contact.mobile", &c.mobile, Lines::Single) {
                errors.push(p);
            } else if c.mobile.trim().is_empty() {
                errors.push(FieldError::new(
                    "contact.mobile",
                    "required",
                    "give your mobile number",
                ));
            } else if !mobile_valid(&c.mobile) {
                errors.push(FieldError::new(
                    "contact.mobile",
                    "invalid",
                    "a mobile number is 11 digits starting with 13–19",
                ));
            }
        }
        (None, true) => {}
    }
    if req.attachments.len() > MAX_ATTACHMENTS {
        errors.push(FieldError::new(
            "attachments",
            "too_many",
            format!("at most {MAX_ATTACHMENTS} files"),
        ));
    } else if req
        .attachments
        .iter()
        .any(|id| !crate::application::upload_id_valid(id.trim()))
    {
        errors.push(FieldError::new(
            "attachments",
            "unknown_upload",
            "an attachment is not an upload id: upload it again",
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(kind: SubjectType, reference: Option<&str>, code: Option<&str>) -> ComplaintRequest {
        ComplaintRequest {
            subject: ComplaintSubject {
                kind,
                reference: reference.map(str::to_string),
                code: code.map(str::to_string),
            },
            category: ComplaintCategory::Delay,
            description: "窗口人员让我来回跑了三次。".into(),
            anonymous: true,
            contact: None,
            attachments: vec![],
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect()
    }

    #[test]
    fn subjects_need_their_reference() {
        let number = AcceptanceNumber::new("440113", "261122", 17).unwrap();
        assert!(validate_complaint(&req(
            SubjectType::Case,
            Some(&number.grouped()),
            Some("abcdef")
        ))
        .is_empty());
        assert_eq!(
            fields(&validate_complaint(&req(SubjectType::Case, None, None))),
            vec![("subject.ref", "required"), ("subject.code", "required")]
        );
        let mut typo = number.compact().to_string();
        typo.replace_range(16..17, if &typo[16..17] == "5" { "6" } else { "5" });
        assert_eq!(
            fields(&validate_complaint(&req(
                SubjectType::Case,
                Some(&typo),
                Some("ABCDEF")
            ))),
            vec![("subject.ref", "checksum")]
        );
        assert!(
            validate_complaint(&req(SubjectType::Service, Some("440113-GA-GG-001"), None))
                .is_empty()
        );
        assert_eq!(
            fields(&validate_complaint(&req(
                SubjectType::Department,
                Some(" "),
                None
            ))),
            vec![("subject.ref", "required")]
        );
        assert_eq!(
            fields(&validate_complaint(&req(
                SubjectType::Staff,
                Some(&"窗".repeat(101)),
                None
            ))),
            vec![("subject.ref", "too_long")]
        );
        assert!(validate_complaint(&req(SubjectType::Channel, Some("kiosk"), None)).is_empty());
        assert_eq!(
            fields(&validate_complaint(&req(
                SubjectType::Channel,
                Some("app"),
                None
            ))),
            vec![("subject.ref", "invalid")]
        );
        assert_eq!(
            fields(&validate_complaint(&req(
                SubjectType::Service,
                Some("x"),
                Some("ABCDEF")
            ))),
            vec![("subject.code", "unexpected")]
        );
    }

    #[test]
    fn control_characters_name_their_field() {
        let number = AcceptanceNumber::new("440113", "261122", 17).unwrap();
        let mut r = req(
            SubjectType::Case,
            Some(&number.grouped()),
            Some("ABC\u{0}DEF"),
        );
        assert_eq!(
            fields(&validate_complaint(&r)),
            vec![("subject.code", "control_character")]
        );
        r.subject.reference = Some(format!("{}\u{1b}", number.compact()));
        r.subject.code = Some("ABCDEF".into());
        assert_eq!(
            fields(&validate_complaint(&r)),
            vec![("subject.ref", "control_character")]
        );
        let mut r = req(SubjectType::Staff, Some("3号窗口\u{7}"), None);
        r.description = "第一行\r\n第二行\t完".into();
        assert_eq!(
            fields(&validate_complaint(&r)),
            vec![("subject.ref", "control_character")]
        );
        r.subject.reference = Some("3号窗口".into());
        r.description = "bad\u{0}".into();
        r.anonymous = false;
        r.contact = Some(ComplaintContact {
            name: "张\n三".into(),
            mobile: "138\u{1b}00138000".into(),
        });
        assert_eq!(
            fields(&validate_complaint(&r)),
            vec![
                ("description", "control_character"),
                ("contact.name", "control_character"),
                ("contact.mobile", "control_character")
            ]
        );
    }

    #[test]
    fn descriptions_and_contacts() {
        let mut r = req(SubjectType::Channel, Some("portal"), None);
        r.description = "  ".into();
        assert_eq!(
            fields(&validate_complaint(&r)),
            vec![("description", "required")]
        );
        r.description = "字".repeat(MAX_DESCRIPTION_CHARS);
        assert!(validate_complaint(&r).is_empty());
        r.description = "字".repeat(MAX_DESCRIPTION_CHARS + 1);
        assert_eq!(
            fields(&validate_complaint(&r)),
            vec![("description", "too_long")]
        );
        r.description = "<script>alert(1)</script>".into();
        r.anonymous = false;
        assert_eq!(
            fields(&validate_complaint(&r)),
            vec![("contact", "required")]
        );
        r.contact = Some(ComplaintContact {
            name: "".into(),
            mobile: "123".into(),
        });
        assert_eq!(
            fields(&validate_complaint(&r)),
            vec![("contact.name", "required"), ("contact.mobile", "invalid")]
        );
        r.contact = Some(ComplaintContact {
            name: "张三".into(),
            mobile: "13800138000".into(),
        });
        assert!(validate_complaint(&r).is_empty());
        r.anonymous = true;
        assert_eq!(
            fields(&validate_complaint(&r)),
            vec![("contact", "unexpected")]
        );
        r.contact = None;
        r.attachments = vec!["nope".into()];
        assert_eq!(
            fields(&validate_complaint(&r)),
            vec![("attachments", "unknown_upload")]
        );
    }
}
