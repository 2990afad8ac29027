//! What a complaint looks like to its complainant (`ComplaintView`: the masked name, never
//! the mobile) and to staff (`StaffComplaint` with the contact, `StaffComplaintSummary` on
//! lists), with the reply deadline's light while a reply is awaited. The complainant reads
//! it in their language: names from the catalogue's texts of that language, staff's replies
//! converted for a Traditional reader (`script::Reader`); their own description as written.

use std::cmp::Ordering;

use api_client::cases::ServiceName;
use api_client::{
    ComplaintView, Deadline, HandlingRating, Language, Light, StaffComplaint,
    StaffComplaintSummary, SubjectType, SubjectView,
};
use sqlx::AnyPool;

use super::handling::{awaiting_reply, may_rate};
use super::store::{self, ComplaintRow};
use crate::calendar::rfc3339_cst;
use crate::calendar::Today;
use crate::error::ApiError;
use crate::script::Reader;
use crate::state::{Localised, Snapshot};

fn service_name(catalogue: Localised<'_>, code: &str) -> String {
    catalogue
        .guide(code)
        .map(|g| g.name.clone())
        .unwrap_or_else(|| code.to_string())
}

fn department_name(catalogue: Localised<'_>, code: &str) -> String {
    catalogue
        .department(code)
        .map(|d| d.name.clone())
        .unwrap_or_else(|| code.to_string())
}

/// Staff read the catalogue as it is written.
fn as_written(catalogue: &Snapshot) -> Localised<'_> {
    catalogue.in_language(Language::ZhHans)
}

/// What the complaint is about, with a readable name where there is one.
pub fn subject(catalogue: Localised<'_>, c: &ComplaintRow) -> SubjectView {
    let name = match c.subject_type {
        SubjectType::Case | SubjectType::Service => c
            .service_code
            .as_deref()
            .map(|s| service_name(catalogue, s)),
        SubjectType::Department => c
            .subject_ref
            .as_deref()
            .map(|d| department_name(catalogue, d)),
        SubjectType::Staff | SubjectType::Channel => None,
    };
    SubjectView {
        kind: c.subject_type,
        reference: c.subject_ref.clone(),
        name,
    }
}

fn reply_deadline(today: &Today, c: &ComplaintRow) -> Option<Deadline> {
    if awaiting_reply(c.status) {
        today.deadline(&c.reply_due)
    } else {
        None
    }
}

fn rating(c: &ComplaintRow) -> Option<HandlingRating> {
    let level = u8::try_from(c.handling_level?).ok()?;
    Some(HandlingRating {
        level,
        comment: c.handling_comment.clone(),
        rated_at: rfc3339_cst(c.handling_rated_at.unwrap_or(c.submitted_at)),
    })
}

/// The complaint as its complainant follows it, in `language`.
pub async fn complainant(
    pool: &AnyPool,
    catalogue: &Snapshot,
    c: &ComplaintRow,
    language: Language,
) -> Result<ComplaintView, ApiError> {
    let today = Today::load(pool, catalogue.version).await?;
    let texts = catalogue.in_language(language);
    let reader = Reader::of(language);
    let rating = rating(c);
    let mut replies = store::replies(pool, &c.number).await?;
    for r in &mut replies {
        reader.name(&mut r.department, |d| {
            catalogue.department_named(d, language).map(Into::into)
        });
        reader.text(&mut r.text);
    }
    Ok(ComplaintView {
        complaint_number: c.number.clone(),
        status: c.status,
        subject: subject(texts, c),
        category: c.category,
        description: c.description.clone(),
        anonymous: c.anonymous,
        masked_name: c.masked_name.clone(),
        attachment_count: c.attachments.len() as u32,
        submitted_at: rfc3339_cst(c.submitted_at),
        department: c
            .department_code
            .as_deref()
            .map(|d| department_name(texts, d)),
        reply_due: c.reply_due.clone(),
        deadline: reply_deadline(&today, c),
        replies,
        can_rate: may_rate(c.status, rating.is_some()),
        rating,
    })
}

/// The complaint in full, for staff.
pub async fn staff(
    pool: &AnyPool,
    catalogue: &Snapshot,
    c: &ComplaintRow,
) -> Result<StaffComplaint, ApiError> {
    let today = Today::load(pool, catalogue.version).await?;
    let case = match (&c.case_number, &c.service_code) {
        (Some(_), Some(code)) => Some(ServiceName {
            code: code.clone(),
            name: service_name(as_written(catalogue), code),
        }),
        _ => None,
    };
    Ok(StaffComplaint {
        complaint_number: c.number.clone(),
        status: c.status,
        subject: subject(as_written(catalogue), c),
        case,
        category: c.category,
        description: c.description.clone(),
        anonymous: c.anonymous,
        contact: c.contact.clone(),
        attachments: c.attachments.clone(),
        department: c.department_code.clone(),
        submitted_at: rfc3339_cst(c.submitted_at),
        reply_due: c.reply_due.clone(),
        deadline: reply_deadline(&today, c),
        replies: store::replies(pool, &c.number).await?,
        rating: rating(c),
    })
}

/// One complaint on a staff list.
pub fn summary(catalogue: &Snapshot, today: &Today, c: &ComplaintRow) -> StaffComplaintSummary {
    StaffComplaintSummary {
        complaint_number: c.number.clone(),
        status: c.status,
        subject: subject(as_written(catalogue), c),
        category: c.category,
        department: c.department_code.clone(),
        submitted_at: rfc3339_cst(c.submitted_at),
        reply_due: c.reply_due.clone(),
        deadline: reply_deadline(today, c),
    }
}

/// The order of a staff list: complaints awaiting a reply first, red, yellow, green and by
/// due date; then the others, newest first. (`submitted_at` is RFC 3339 at one offset, so
/// its text sorts as its time.)
pub fn staff_order(a: &StaffComplaintSummary, b: &StaffComplaintSummary) -> Ordering {
    let rank = |s: &StaffComplaintSummary| match (
        awaiting_reply(s.status),
        s.deadline.as_ref().map(|d| d.light),
    ) {
        (true, Some(Light::Red)) => 0,
        (true, Some(Light::Yellow)) => 1,
        (true, _) => 2,
        (false, _) => 3,
    };
    rank(a).cmp(&rank(b)).then_with(|| {
        if awaiting_reply(a.status) {
            a.reply_due
                .cmp(&b.reply_due)
                .then_with(|| a.complaint_number.cmp(&b.complaint_number))
        } else {
            b.submitted_at
                .cmp(&a.submitted_at)
                .then_with(|| b.complaint_number.cmp(&a.complaint_number))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_client::{ComplaintCategory, ComplaintStatus};

    fn item(
        number: &str,
        status: ComplaintStatus,
        light: Option<Light>,
        due: &str,
        submitted: &str,
    ) -> StaffComplaintSummary {
        StaffComplaintSummary {
            complaint_number: number.into(),
            status,
            subject: SubjectView {
                kind: SubjectType::Channel,
                reference: Some("portal".into()),
                name: None,
            },
            category: ComplaintCategory::Other,
            department: None,
            submitted_at: format!("{submitted}T09:00:00+08:00"),
            reply_due: due.into(),
            deadline: light.map(|light| Deadline {
                date: due.into(),
                light,
                paused: false,
            }),
        }
    }

    #[test]
    fn awaited_replies_come_first_by_light_then_due_date() {
        use ComplaintStatus::*;
        let mut list = [
            item("closed-old", Closed, None, "2026-03-01", "2026-02-20"),
            item(
                "green-late",
                Received,
                Some(Light::Green),
                "2026-03-20",
                "2026-03-13",
            ),
            item("replied-new", Replied, None, "2026-03-10", "2026-03-03"),
            item(
                "red",
                Assigned,
                Some(Light::Red),
                "2026-03-02",
                "2026-02-23",
            ),
            item(
                "green-early",
                Assigned,
                Some(Light::Green),
                "2026-03-18",
                "2026-03-11",
            ),
            item(
                "yellow",
                Received,
                Some(Light::Yellow),
                "2026-03-16",
                "2026-03-09",
            ),
        ];
        list.sort_by(staff_order);
        let order: Vec<&str> = list.iter().map(|c| c.complaint_number.as_str()).collect();
        assert_eq!(
            order,
            [
                "red",
                "yellow",
                "green-early",
                "green-late",
                "replied-new",
                "closed-old"
            ]
        );
    }
}
