//! A complaint being written, as plain data: what the form holds, the request it makes, and
//! its problems by the one validator (`api_client::complaints::validate_complaint`) plus
//! the choices the request cannot express unmade (subject, category, named or anonymous).

use api_client::checks::{normalise_mobile, normalise_query_code, AcceptanceNumber};
use api_client::complaints::validate_complaint;
use api_client::{
    ComplaintCategory, ComplaintContact, ComplaintRequest, ComplaintSubject, FieldError,
    SubjectType,
};

/// The material id the form's attachments are kept under in its upload draft.
pub const ATTACHMENTS: &str = "attachments";

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ComplaintDraft {
    pub subject: Option<SubjectType>,
    pub case_number: String,
    pub case_code: String,
    /// The department whose services the service list shows.
    pub service_department: String,
    pub service: String,
    pub department: String,
    pub staff: String,
    pub channel: String,
    pub category: Option<ComplaintCategory>,
    pub description: String,
    /// `Some(true)` anonymous, `Some(false)` named, `None` not chosen yet.
    pub anonymous: Option<bool>,
    pub name: String,
    pub mobile: String,
}

impl ComplaintDraft {
    /// A fresh form, about `channel` (`portal` or `kiosk`) when it is about the service itself.
    pub fn new(channel: &str) -> Self {
        ComplaintDraft {
            channel: channel.to_string(),
            ..Default::default()
        }
    }

    /// Fills in what a link says the complaint is about: `?case=NUMBER&c=CODE`,
    /// `?service=CODE` or `?department=CODE`.
    pub fn prefill(
        &mut self,
        case: Option<String>,
        code: Option<String>,
        service: Option<String>,
        department: Option<String>,
    ) {
        let given = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        if let Some(number) = given(case) {
            self.subject = Some(SubjectType::Case);
            self.case_number = number;
            self.case_code = given(code).unwrap_or_default();
        } else if let Some(service) = given(service) {
            self.subject = Some(SubjectType::Service);
            self.service = service;
        } else if let Some(department) = given(department) {
            self.subject = Some(SubjectType::Department);
            self.department = department;
        }
    }

    fn subject_of(&self, kind: SubjectType) -> ComplaintSubject {
        let trimmed = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let (reference, code) = match kind {
            SubjectType::Case => (
                AcceptanceNumber::parse(&self.case_number)
                    .map(|n| n.compact().to_string())
                    .ok()
                    .or_else(|| trimmed(&self.case_number)),
                normalise_query_code(&self.case_code).or_else(|| trimmed(&self.case_code)),
            ),
            SubjectType::Service => (trimmed(&self.service), None),
            SubjectType::Department => (trimmed(&self.department), None),
            SubjectType::Staff => (trimmed(&self.staff), None),
            SubjectType::Channel => (trimmed(&self.channel), None),
        };
        ComplaintSubject {
            kind,
            reference,
            code,
        }
    }

    fn contact(&self) -> Option<ComplaintContact> {
        (self.anonymous == Some(false)).then(|| ComplaintContact {
            name: self.name.trim().to_string(),
            mobile: normalise_mobile(&self.mobile)
                .unwrap_or_else(|| self.mobile.trim().to_string()),
        })
    }

    /// The request, once every choice is made.
    pub fn request(&self, attachments: Vec<String>) -> Option<ComplaintRequest> {
        Some(ComplaintRequest {
            subject: self.subject_of(self.subject?),
            category: self.category?,
            description: self.description.trim().to_string(),
            anonymous: self.anonymous?,
            contact: self.contact(),
            attachments,
        })
    }

    /// Every problem, in the order the fields appear on the page.
    pub fn problems(&self, attachments: Vec<String>) -> Vec<FieldError> {
        let mut out = Vec::new();
        if self.subject.is_none() {
            out.push(FieldError::new("subject", "required", ""));
        }
        if self.category.is_none() {
            out.push(FieldError::new("category", "required", ""));
        }
        if self.anonymous.is_none() {
            out.push(FieldError::new("anonymous", "required", ""));
        }
        // The validator needs a whole request: unmade choices are stood in for, and their
        // fields' problems are left to the lines above.
        let check = ComplaintRequest {
            subject: self.subject_of(self.subject.unwrap_or(SubjectType::Channel)),
            category: self.category.unwrap_or(ComplaintCategory::Other),
            description: self.description.clone(),
            anonymous: self.anonymous.unwrap_or(true),
            contact: self.contact(),
            attachments,
        };
        out.extend(validate_complaint(&check).into_iter().filter(|e| {
            (self.subject.is_some() || !e.field.starts_with("subject"))
                && (self.anonymous.is_some() || !e.field.starts_with("contact"))
        }));
        out.sort_by_key(|e| field_order(&e.field));
        out
    }
}

/// Where a field is on the page, top to bottom.
pub fn field_order(field: &str) -> usize {
    [
        "subject",
        "subject.ref",
        "subject.code",
        "category",
        "description",
        "attachments",
        "anonymous",
        "contact",
        "contact.name",
        "contact.mobile",
    ]
    .iter()
    .position(|f| *f == field)
    .unwrap_or(usize::MAX)
}

/// The element a problem links to: the input, or the first option of a group.
pub fn anchor(field: &str, subject: Option<SubjectType>) -> &'static str {
    match field {
        "subject.ref" => match subject {
            Some(SubjectType::Case) => "c-case-number",
            Some(SubjectType::Service) => "c-service",
            Some(SubjectType::Department) => "c-department",
            Some(SubjectType::Staff) => "c-staff",
            Some(SubjectType::Channel) => "c-channel-portal",
            None => "c-subject-case",
        },
        "subject.code" => "c-case-code",
        "category" => "c-category-service_attitude",
        "description" => "c-description",
        "attachments" | "uploads" => "m-attachments",
        "anonymous" | "contact" => "c-identity-named",
        "contact.name" => "c-contact-name",
        "contact.mobile" => "c-contact-mobile",
        _ => "c-subject-case",
    }
}
