//! How complaints read: subjects, categories, statuses, and the sentence for each problem,
//! naming the field as the complainant saw it.

use api_client::complaints::{MAX_ATTACHMENTS, MAX_DESCRIPTION_CHARS, MAX_REF_CHARS};
use api_client::text::CONTROL_CHARACTER;
use api_client::{ComplaintCategory, ComplaintStatus, FieldError, SubjectType};

use crate::i18n::{k, t, tf};

/// The options of the form's 投诉对象 question.
pub fn subject_option(s: SubjectType) -> &'static str {
    match s {
        SubjectType::Case => t(k::COMPLAINT_SUBJECT_CASE),
        SubjectType::Service => t(k::COMPLAINT_SUBJECT_SERVICE),
        SubjectType::Department => t(k::COMPLAINT_SUBJECT_DEPARTMENT),
        SubjectType::Staff => t(k::COMPLAINT_SUBJECT_STAFF),
        SubjectType::Channel => t(k::COMPLAINT_SUBJECT_CHANNEL),
    }
}

/// A subject's kind, short, as the complaint page names it.
pub fn subject_kind(s: SubjectType, reference: Option<&str>) -> &'static str {
    match s {
        SubjectType::Case => t(k::SUBJECT_KIND_CASE),
        SubjectType::Service => t(k::SUBJECT_KIND_SERVICE),
        SubjectType::Department => t(k::SUBJECT_KIND_DEPARTMENT),
        SubjectType::Staff => t(k::SUBJECT_KIND_STAFF),
        SubjectType::Channel => channel_label(reference.unwrap_or_default()),
    }
}

pub fn channel_label(channel: &str) -> &'static str {
    if channel == "kiosk" {
        t(k::SUBJECT_KIND_KIOSK)
    } else {
        t(k::SUBJECT_KIND_PORTAL)
    }
}

pub fn category_label(c: ComplaintCategory) -> &'static str {
    match c {
        ComplaintCategory::ServiceAttitude => t(k::COMPLAINT_CATEGORY_SERVICE_ATTITUDE),
        ComplaintCategory::Delay => t(k::COMPLAINT_CATEGORY_DELAY),
        ComplaintCategory::UnlawfulFees => t(k::COMPLAINT_CATEGORY_UNLAWFUL_FEES),
        ComplaintCategory::UnreasonableMaterials => t(k::COMPLAINT_CATEGORY_UNREASONABLE_MATERIALS),
        ComplaintCategory::PassingTheBuck => t(k::COMPLAINT_CATEGORY_PASSING_THE_BUCK),
        ComplaintCategory::Other => t(k::COMPLAINT_CATEGORY_OTHER),
    }
}

pub fn status_label(s: ComplaintStatus) -> &'static str {
    match s {
        ComplaintStatus::Received => t(k::COMPLAINT_STATUS_RECEIVED),
        ComplaintStatus::Assigned => t(k::COMPLAINT_STATUS_ASSIGNED),
        ComplaintStatus::Replied => t(k::COMPLAINT_STATUS_REPLIED),
        ComplaintStatus::Closed => t(k::COMPLAINT_STATUS_CLOSED),
    }
}

/// The sentence for a problem of the form (from the validator, or the server's answer).
pub fn message(e: &FieldError, subject: Option<SubjectType>, max_total_mb: &str) -> String {
    let code = e.code.as_str();
    let required = |label: &str| tf(k::APPLY_ERROR_REQUIRED, &[("label", label)]);
    let choose = |label: &str| tf(k::APPLY_ERROR_CHOOSE, &[("label", label)]);
    let too_long = |label: &str, n: usize| {
        tf(
            k::APPLY_ERROR_TOO_LONG,
            &[("label", label), ("n", &crate::format::count(n as u64))],
        )
    };
    if code == CONTROL_CHARACTER {
        let label = match e.field.as_str() {
            "description" => t(k::COMPLAINT_DESCRIPTION),
            "contact.name" => t(k::COMPLAINT_CONTACT_NAME),
            "contact.mobile" => t(k::COMPLAINT_CONTACT_MOBILE),
            "subject.code" => t(k::TRACK_CODE),
            _ => match subject {
                Some(SubjectType::Case) => t(k::TRACK_NUMBER),
                Some(SubjectType::Service) => t(k::COMPLAINT_SERVICE),
                Some(SubjectType::Department) => t(k::COMPLAINT_DEPARTMENT),
                Some(SubjectType::Staff) => t(k::COMPLAINT_STAFF),
                _ => t(k::COMPLAINT_CHANNEL),
            },
        };
        return tf(k::APPLY_ERROR_CONTROL, &[("label", label)]);
    }
    match e.field.as_str() {
        "subject" => t(k::COMPLAINT_ERROR_SUBJECT).into(),
        "category" => t(k::COMPLAINT_ERROR_CATEGORY).into(),
        "anonymous" | "contact" => t(k::COMPLAINT_ERROR_IDENTITY).into(),
        "subject.ref" => match subject {
            Some(SubjectType::Case) => match code {
                "required" => t(k::TRACK_ERROR_NUMBER_EMPTY).into(),
                "checksum" => t(k::TRACK_ERROR_NUMBER_CHECK).into(),
                "no_match" => t(k::COMPLAINT_ERROR_NO_MATCH).into(),
                _ => t(k::TRACK_ERROR_NUMBER_FORMAT).into(),
            },
            Some(kind @ (SubjectType::Service | SubjectType::Department)) => {
                let label = if kind == SubjectType::Service {
                    t(k::COMPLAINT_SERVICE)
                } else {
                    t(k::COMPLAINT_DEPARTMENT)
                };
                if code == "required" {
                    choose(label)
                } else {
                    tf(k::COMPLAINT_ERROR_UNKNOWN, &[("label", label)])
                }
            }
            Some(SubjectType::Staff) => match code {
                "too_long" => too_long(t(k::COMPLAINT_STAFF), MAX_REF_CHARS),
                _ => required(t(k::COMPLAINT_STAFF)),
            },
            _ => choose(t(k::COMPLAINT_CHANNEL)),
        },
        "subject.code" => match code {
            "required" => t(k::TRACK_ERROR_CODE_EMPTY).into(),
            "no_match" => t(k::COMPLAINT_ERROR_NO_MATCH).into(),
            _ => t(k::TRACK_ERROR_CODE).into(),
        },
        "description" => match code {
            "too_long" => too_long(t(k::COMPLAINT_DESCRIPTION), MAX_DESCRIPTION_CHARS),
            _ => required(t(k::COMPLAINT_DESCRIPTION)),
        },
        "contact.name" => match code {
            "too_long" => too_long(t(k::COMPLAINT_CONTACT_NAME), MAX_REF_CHARS),
            _ => required(t(k::COMPLAINT_CONTACT_NAME)),
        },
        "contact.mobile" => match code {
            "required" => required(t(k::COMPLAINT_CONTACT_MOBILE)),
            _ => tf(
                k::APPLY_ERROR_MOBILE,
                &[("label", t(k::COMPLAINT_CONTACT_MOBILE))],
            ),
        },
        "uploads" => t(k::UPLOAD_WAIT).into(),
        "attachments" => match code {
            "too_many" => tf(
                k::COMPLAINT_ERROR_ATTACHMENTS_TOO_MANY,
                &[("n", &MAX_ATTACHMENTS.to_string())],
            ),
            "too_large_total" => tf(k::UPLOAD_ERROR_TOTAL, &[("max", max_total_mb)]),
            _ => t(k::COMPLAINT_ERROR_ATTACHMENTS).into(),
        },
        _ => crate::api::field_message(e),
    }
}
