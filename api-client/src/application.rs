//! Applications (网上申报): the request, the answer, the receipt, and the one validation
//! both sides run. The bundles check each question page with it before moving on; the
//! server checks the whole request with it again and never trusts the client.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::checks::{days_in_month, email_valid, mobile_valid, resident_id_valid, uscc_valid};
use crate::forms::{is_visible, FieldType, FormField};
use crate::text::{self, Lines, TextAreas};
use crate::{Audience, FieldError, FormDefinition};

/// 证件类型.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdType {
    /// 居民身份证 (GB 11643, check digit verified)
    ResidentId,
    /// 护照
    Passport,
    /// 港澳居民来往内地通行证
    HkMacaoPermit,
    /// 台湾居民来往大陆通行证
    TaiwanPermit,
}

impl IdType {
    pub const ALL: [IdType; 4] = [
        IdType::ResidentId,
        IdType::Passport,
        IdType::HkMacaoPermit,
        IdType::TaiwanPermit,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            IdType::ResidentId => "resident_id",
            IdType::Passport => "passport",
            IdType::HkMacaoPermit => "hk_macao_permit",
            IdType::TaiwanPermit => "taiwan_permit",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Who applies: a person, or an organisation through its contact person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Applicant {
    Individual {
        name: String,
        id_type: IdType,
        id_number: String,
        mobile: String,
    },
    Organisation {
        name: String,
        uscc: String,
        legal_representative: String,
        contact_name: String,
        mobile: String,
    },
}

impl Applicant {
    pub fn name(&self) -> &str {
        match self {
            Applicant::Individual { name, .. } | Applicant::Organisation { name, .. } => name,
        }
    }
    pub fn mobile(&self) -> &str {
        match self {
            Applicant::Individual { mobile, .. } | Applicant::Organisation { mobile, .. } => mobile,
        }
    }
    pub fn audience(&self) -> Audience {
        match self {
            Applicant::Individual { .. } => Audience::Individual,
            Applicant::Organisation { .. } => Audience::Organisation,
        }
    }
}

/// `POST /applications` (with an `Idempotency-Key` header).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApplicationRequest {
    pub service_code: String,
    pub applicant: Applicant,
    /// Field id → answer: a string, a number, a boolean, or a list of strings (multichoice).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub answers: Map<String, Value>,
    /// Material id → upload ids from `POST /uploads`.
    pub materials: BTreeMap<String, Vec<String>>,
}

/// Any answer may be a text area: which are is the form's to say (`FieldType::Textarea`),
/// and `validate_application` holds the others to a single line.
impl TextAreas for ApplicationRequest {
    const TEXT_AREAS: &'static [&'static str] = &["answers.*"];
}

/// 办件状态.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Submitted,
    Accepted,
    NotAccepted,
    SupplementRequested,
    UnderReview,
    Approved,
    Denied,
    Completed,
    Withdrawn,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Submitted => "submitted",
            CaseStatus::Accepted => "accepted",
            CaseStatus::NotAccepted => "not_accepted",
            CaseStatus::SupplementRequested => "supplement_requested",
            CaseStatus::UnderReview => "under_review",
            CaseStatus::Approved => "approved",
            CaseStatus::Denied => "denied",
            CaseStatus::Completed => "completed",
            CaseStatus::Withdrawn => "withdrawn",
        }
    }

    /// The status named by `as_str`.
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
}

/// A stored status, read back (the server's rows derive `FromRow` with it).
impl TryFrom<String> for CaseStatus {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        CaseStatus::parse(&s).ok_or_else(|| format!("unknown case status `{s}`"))
    }
}

/// 201 answer to `POST /applications`; the same for a retry with the same key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApplicationCreated {
    /// 18 characters, no separators (show it grouped).
    pub acceptance_number: String,
    pub query_code: String,
    pub status: CaseStatus,
    /// `YYYY-MM-DD`, counted in working days from the holiday calendar.
    pub promised_date: String,
    /// `{public URL}/track/{number}?c={code}`: what the receipt's QR code holds.
    pub tracking_url: String,
}

/// `GET /applications/{number}?c={code}`: the receipt (受理回执), as often as it is asked for.
/// It holds no personal data beyond the masked name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Receipt {
    pub acceptance_number: String,
    pub query_code: String,
    pub service_code: String,
    pub service_name: String,
    pub department: String,
    pub masked_name: String,
    /// RFC 3339 in China Standard Time.
    pub submitted_at: String,
    pub promised_date: String,
    /// The promised date is counted in working days past the last day the holiday calendar
    /// covers: it may move once the next year's holidays are announced (read at each request,
    /// so an import of that year clears it).
    #[serde(default)]
    pub promised_date_provisional: bool,
    pub status: CaseStatus,
    pub tracking_url: String,
    /// The QR code of `tracking_url`, as an SVG document.
    pub qr_svg: String,
    pub location: String,
    pub hours: String,
    pub consult_phone: String,
}

/// Default length limits when a text field sets none.
pub const DEFAULT_TEXT_MAX: usize = 200;
pub const DEFAULT_TEXTAREA_MAX: usize = 2000;
/// Files per material.
pub const MAX_FILES_PER_MATERIAL: usize = 20;
/// The longest applicant texts (characters, once trimmed): a person's name (the applicant,
/// a legal representative, a contact person), an organisation's name, a document number,
/// a mobile as typed.
pub const MAX_PERSON_NAME_CHARS: usize = 50;
pub const MAX_ORGANISATION_NAME_CHARS: usize = 100;
pub const MAX_ID_NUMBER_CHARS: usize = 30;
pub const MAX_MOBILE_CHARS: usize = 20;
/// A document number other than a resident ID: 5–20 ASCII letters and digits.
pub const OTHER_ID_CHARS: std::ops::RangeInclusive<usize> = 5..=20;

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// A `YYYY-MM-DD` date that exists.
pub fn date_valid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return false;
    };
    (1900..=2200).contains(&y) && days_in_month(y, m).is_some_and(|days| (1..=days).contains(&d))
}

/// Problems with one answer (already known to be non-empty), as (code, message).
fn answer_problem(f: &FormField, v: &Value) -> Option<(&'static str, String)> {
    let text = v.as_str().map(str::trim);
    if let Some(raw) = v.as_str() {
        let lines = if f.kind == FieldType::Textarea {
            Lines::Multi
        } else {
            Lines::Single
        };
        if !text::allowed(raw, lines) {
            return Some((text::CONTROL_CHARACTER, text::message(&f.id, lines)));
        }
    }
    let invalid = |what: &str| Some(("invalid", format!("{} must be {what}", f.id)));
    match f.kind {
        FieldType::Text | FieldType::Textarea | FieldType::Address => {
            let Some(t) = text else {
                return invalid("text");
            };
            let n = t.chars().count();
            let default_max = if f.kind == FieldType::Textarea {
                DEFAULT_TEXTAREA_MAX
            } else {
                DEFAULT_TEXT_MAX
            };
            let max = f.max.map(|m| m as usize).unwrap_or(default_max);
            if let Some(min) = f.min {
                if n < min as usize {
                    return Some((
                        "too_short",
                        format!("{} must be at least {min} characters", f.id),
                    ));
                }
            }
            if n > max {
                return Some((
                    "too_long",
                    format!("{} must be at most {max} characters", f.id),
                ));
            }
            if f.pattern.is_some_and(|p| !p.matches(t)) {
                return Some(("pattern", format!("{} is not in the expected form", f.id)));
            }
            None
        }
        FieldType::Number => {
            let n = v.as_f64().or_else(|| {
                text.and_then(|t| t.parse::<f64>().ok())
                    .filter(|x| x.is_finite())
            });
            let Some(n) = n else {
                return invalid("a number");
            };
            if f.min.is_some_and(|m| n < m) || f.max.is_some_and(|m| n > m) {
                return Some(("out_of_range", format!("{} is out of range", f.id)));
            }
            None
        }
        FieldType::Date => match text {
            Some(t) if date_valid(t) => None,
            _ => invalid("a date YYYY-MM-DD"),
        },
        FieldType::Choice => match text {
            Some(t) if f.options.iter().any(|o| o.value == t) => None,
            _ => Some((
                "not_an_option",
                format!("{} must be one of its options", f.id),
            )),
        },
        FieldType::Multichoice => {
            let Some(items) = v.as_array() else {
                return invalid("a list of options");
            };
            let mut seen = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(s) if f.options.iter().any(|o| o.value == s) && !seen.contains(&s) => {
                        seen.push(s)
                    }
                    _ => {
                        return Some((
                            "not_an_option",
                            format!("{} must list its options, each once", f.id),
                        ))
                    }
                }
            }
            if f.min.is_some_and(|m| (seen.len() as f64) < m) {
                return Some(("too_few", format!("{} needs more choices", f.id)));
            }
            if f.max.is_some_and(|m| (seen.len() as f64) > m) {
                return Some(("too_many", format!("{} has too many choices", f.id)));
            }
            None
        }
        FieldType::Boolean => v
            .as_bool()
            .map_or_else(|| invalid("true or false"), |_| None),
        FieldType::ResidentId => match text {
            Some(t) if resident_id_valid(t) => None,
            Some(_) => Some((
                "checksum",
                format!("{} is not a valid resident ID number", f.id),
            )),
            None => invalid("text"),
        },
        FieldType::Uscc => match text {
            Some(t) if uscc_valid(t) => None,
            Some(_) => Some((
                "checksum",
                format!("{} is not a valid unified social credit code", f.id),
            )),
            None => invalid("text"),
        },
        FieldType::Mobile => match text {
            Some(t) if mobile_valid(t) => None,
            _ => invalid("a mainland mobile number"),
        },
        FieldType::Email => match text {
            Some(t) if email_valid(t) => None,
            _ => invalid("an e-mail address"),
        },
    }
}

/// Records a missing, over-long or control-character applicant text; true when the text
/// is present and fits.
fn need(out: &mut Vec<FieldError>, field: &str, value: &str, max: usize) -> bool {
    let n = value.trim().chars().count();
    if let Some(p) = text::problem(&format!("applicant.{field}"), value, Lines::Single) {
        out.push(p);
        return false;
    }
    if n == 0 {
        out.push(FieldError::new(
            format!("applicant.{field}"),
            "required",
            format!("applicant.{field} is required"),
        ));
    } else if n > max {
        out.push(FieldError::new(
            format!("applicant.{field}"),
            "too_long",
            format!("applicant.{field} must be at most {max} characters"),
        ));
    }
    n > 0 && n <= max
}

/// Problems with the applicant part, each naming `applicant.<field>`.
pub fn applicant_problems(applicant: &Applicant, allowed: &[Audience]) -> Vec<FieldError> {
    let mut out = Vec::new();
    match applicant {
        Applicant::Individual {
            name,
            id_type,
            id_number,
            mobile,
        } => {
            need(&mut out, "name", name, MAX_PERSON_NAME_CHARS);
            if need(&mut out, "id_number", id_number, MAX_ID_NUMBER_CHARS) {
                let ok = match id_type {
                    IdType::ResidentId => resident_id_valid(id_number),
                    _ => {
                        let t = id_number.trim();
                        OTHER_ID_CHARS.contains(&t.len())
                            && t.chars().all(|c| c.is_ascii_alphanumeric())
                    }
                };
                if !ok {
                    let code = if *id_type == IdType::ResidentId {
                        "checksum"
                    } else {
                        "invalid"
                    };
                    out.push(FieldError::new(
                        "applicant.id_number",
                        code,
                        "applicant.id_number is not a valid document number",
                    ));
                }
            }
            if need(&mut out, "mobile", mobile, MAX_MOBILE_CHARS) && !mobile_valid(mobile) {
                out.push(FieldError::new(
                    "applicant.mobile",
                    "invalid",
                    "applicant.mobile must be a mainland mobile number",
                ));
            }
        }
        Applicant::Organisation {
            name,
            uscc,
            legal_representative,
            contact_name,
            mobile,
        } => {
            need(&mut out, "name", name, MAX_ORGANISATION_NAME_CHARS);
            if need(&mut out, "uscc", uscc, 18) && !uscc_valid(uscc) {
                out.push(FieldError::new(
                    "applicant.uscc",
                    "checksum",
                    "applicant.uscc is not a valid unified social credit code",
                ));
            }
            need(
                &mut out,
                "legal_representative",
                legal_representative,
                MAX_PERSON_NAME_CHARS,
            );
            need(
                &mut out,
                "contact_name",
                contact_name,
                MAX_PERSON_NAME_CHARS,
            );
            if need(&mut out, "mobile", mobile, MAX_MOBILE_CHARS) && !mobile_valid(mobile) {
                out.push(FieldError::new(
                    "applicant.mobile",
                    "invalid",
                    "applicant.mobile must be a mainland mobile number",
                ));
            }
        }
    }
    if !allowed.contains(&applicant.audience()) {
        out.push(FieldError::new(
            "applicant.type",
            "not_allowed",
            "this service is not for this kind of applicant",
        ));
    }
    out
}

/// Problems with the answers to the given fields, each naming `answers.<id>`.
pub fn answer_problems<'a>(
    fields: impl IntoIterator<Item = &'a FormField>,
    answers: &Map<String, Value>,
) -> Vec<FieldError> {
    let mut out = Vec::new();
    for f in fields {
        if !is_visible(f, answers) {
            continue;
        }
        let field = format!("answers.{}", f.id);
        match answers.get(&f.id) {
            None => {
                if f.required {
                    out.push(FieldError::new(
                        field,
                        "required",
                        format!("{} is required", f.id),
                    ));
                }
            }
            Some(v) if is_empty(v) => {
                if f.required {
                    out.push(FieldError::new(
                        field,
                        "required",
                        format!("{} is required", f.id),
                    ));
                }
            }
            Some(v) => {
                if let Some((code, message)) = answer_problem(f, v) {
                    out.push(FieldError::new(field, code, message));
                }
            }
        }
    }
    out
}

/// Problems with the material uploads, each naming `materials.<id>`.
pub fn material_problems(
    def: &FormDefinition,
    materials: &BTreeMap<String, Vec<String>>,
) -> Vec<FieldError> {
    let mut out = Vec::new();
    for m in &def.materials {
        let files = materials.get(&m.id).map(Vec::len).unwrap_or(0);
        if m.required && files == 0 {
            out.push(FieldError::new(
                format!("materials.{}", m.id),
                "required",
                format!("{} needs at least one file", m.id),
            ));
        }
        if files > MAX_FILES_PER_MATERIAL {
            out.push(FieldError::new(
                format!("materials.{}", m.id),
                "too_many",
                format!("at most {MAX_FILES_PER_MATERIAL} files per material"),
            ));
        }
    }
    for (id, uploads) in materials {
        if !def.materials.iter().any(|m| &m.id == id) {
            out.push(FieldError::new(
                format!("materials.{id}"),
                "unknown",
                "no such material in this service",
            ));
        } else if uploads.iter().any(|u| !upload_id_valid(u)) {
            out.push(FieldError::new(
                format!("materials.{id}"),
                "invalid",
                "not an upload id",
            ));
        }
    }
    out
}

/// Upload ids are 32 lowercase hex digits (128 random bits).
pub fn upload_id_valid(id: &str) -> bool {
    id.len() == 32 && id.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
}

/// Every problem with a whole application: the applicant, every visible answer, answers to
/// questions the form does not have, and the materials.
pub fn validate_application(def: &FormDefinition, req: &ApplicationRequest) -> Vec<FieldError> {
    let mut out = Vec::new();
    if req.service_code != def.service_code {
        out.push(FieldError::new(
            "service_code",
            "invalid",
            "the form is for another service",
        ));
    }
    out.extend(applicant_problems(&req.applicant, &def.audience));
    out.extend(answer_problems(
        def.sections.iter().flat_map(|s| &s.fields),
        &req.answers,
    ));
    for id in req.answers.keys() {
        if def.field(id).is_none() {
            out.push(FieldError::new(
                format!("answers.{id}"),
                "unknown",
                "the form has no such question",
            ));
        }
    }
    out.extend(material_problems(def, &req.materials));
    out
}

/// The answers to keep: those of visible questions only.
pub fn visible_answers(def: &FormDefinition, answers: &Map<String, Value>) -> Map<String, Value> {
    answers
        .iter()
        .filter(|(id, v)| !is_empty(v) && def.field(id).is_some_and(|f| is_visible(f, answers)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::{ChoiceOption, FormSection, UploadLimits, VisibleIf};
    use crate::{FormMaterial, MaterialForm, Requirement};
    use serde_json::json;

    fn field(id: &str, kind: FieldType, required: bool) -> FormField {
        FormField {
            id: id.into(),
            kind,
            label: id.into(),
            required,
            help: None,
            min: None,
            max: None,
            pattern: None,
            options: vec![],
            visible_if: None,
        }
    }

    fn definition() -> FormDefinition {
        let options = vec![
            ChoiceOption {
                value: "a".into(),
                label: "A".into(),
            },
            ChoiceOption {
                value: "b".into(),
                label: "B".into(),
            },
        ];
        let mut fields = vec![
            field("text", FieldType::Text, true),
            field("long", FieldType::Textarea, false),
            field("count", FieldType::Number, true),
            field("day", FieldType::Date, true),
            FormField {
                options: options.clone(),
                ..field("pick", FieldType::Choice, true)
            },
            FormField {
                options,
                max: Some(1.0),
                ..field("picks", FieldType::Multichoice, false)
            },
            field("agree", FieldType::Boolean, true),
            field("person", FieldType::ResidentId, false),
            field("company", FieldType::Uscc, false),
            field("phone", FieldType::Mobile, false),
            field("mail", FieldType::Email, false),
            field("where", FieldType::Address, false),
        ];
        fields[2].min = Some(1.0);
        fields[2].max = Some(10.0);
        fields.push(FormField {
            visible_if: Some(VisibleIf {
                field: "agree".into(),
                equals: json!(true),
            }),
            ..field("why", FieldType::Text, true)
        });
        FormDefinition {
            service_code: "S-0001".into(),
            service_name: "测试".into(),
            audience: vec![Audience::Individual],
            sections: vec![FormSection {
                id: "one".into(),
                title: "一".into(),
                fields,
            }],
            materials: vec![
                FormMaterial {
                    id: "id_card".into(),
                    name: "身份证".into(),
                    required: true,
                    requirement: Requirement::Required,
                    form: MaterialForm::Original,
                    notes: None,
                },
                FormMaterial {
                    id: "later".into(),
                    name: "容缺".into(),
                    required: false,
                    requirement: Requirement::Deferrable,
                    form: MaterialForm::Copy,
                    notes: None,
                },
            ],
            limits: UploadLimits {
                max_file_bytes: 1,
                max_total_bytes: 1,
                accepted: vec![],
            },
        }
    }

    fn request(answers: Value) -> ApplicationRequest {
        ApplicationRequest {
            service_code: "S-0001".into(),
            applicant: Applicant::Individual {
                name: "张三".into(),
                id_type: IdType::ResidentId,
                id_number: "11010519491231002X".into(),
                mobile: "13800138000".into(),
            },
            answers: answers.as_object().unwrap().clone(),
            materials: BTreeMap::from([(
                "id_card".to_string(),
                vec!["0123456789abcdef0123456789abcdef".to_string()],
            )]),
        }
    }

    fn problems(answers: Value) -> Vec<(String, String)> {
        validate_application(&definition(), &request(answers))
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn a_complete_application_passes_and_hidden_fields_are_not_asked() {
        let ok =
            json!({"text": "x", "count": 3, "day": "2026-02-29x", "pick": "a", "agree": false});
        assert_eq!(
            problems(ok),
            vec![("answers.day".to_string(), "invalid".to_string())]
        );
        let ok = json!({"text": "x", "count": "3", "day": "2026-02-28", "pick": "a", "agree": false, "why": ""});
        assert_eq!(problems(ok), vec![]);
        let shown =
            json!({"text": "x", "count": 3, "day": "2026-02-28", "pick": "a", "agree": true});
        assert_eq!(
            problems(shown),
            vec![("answers.why".to_string(), "required".to_string())]
        );
    }

    #[test]
    fn every_type_names_its_field_when_wrong() {
        let bad = json!({
            "text": "", "long": "x".repeat(2001), "count": 11, "day": "2026-13-01", "pick": "c", "picks": ["a", "b"],
            "agree": "yes", "person": "110105194912310021", "company": "91350100M000100Y44", "phone": "12800138000",
            "mail": "nope", "where": 5, "extra": 1
        });
        let found = problems(bad);
        for (field, code) in [
            ("text", "required"),
            ("long", "too_long"),
            ("count", "out_of_range"),
            ("day", "invalid"),
            ("pick", "not_an_option"),
            ("picks", "too_many"),
            ("agree", "invalid"),
            ("person", "checksum"),
            ("company", "checksum"),
            ("phone", "invalid"),
            ("mail", "invalid"),
            ("where", "invalid"),
            ("extra", "unknown"),
        ] {
            assert!(
                found.contains(&(format!("answers.{field}"), code.to_string())),
                "{field} {code}: {found:?}"
            );
        }
    }

    #[test]
    fn applicant_and_materials_are_checked() {
        let def = definition();
        let mut req = request(
            json!({"text": "x", "count": 3, "day": "2026-02-28", "pick": "a", "agree": false}),
        );
        req.applicant = Applicant::Organisation {
            name: "".into(),
            uscc: "123".into(),
            legal_representative: "王五".into(),
            contact_name: "李四".into(),
            mobile: "1".into(),
        };
        req.materials.clear();
        req.materials.insert("nope".into(), vec!["x".into()]);
        let found: Vec<_> = validate_application(&def, &req)
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        for (field, code) in [
            ("applicant.name", "required"),
            ("applicant.uscc", "checksum"),
            ("applicant.mobile", "invalid"),
            ("applicant.type", "not_allowed"),
            ("materials.id_card", "required"),
            ("materials.nope", "unknown"),
        ] {
            assert!(
                found.contains(&(field.to_string(), code.to_string())),
                "{field} {code}: {found:?}"
            );
        }
    }

    #[test]
    fn control_characters_name_their_field_and_text_areas_take_line_breaks() {
        let base =
            json!({"text": "x", "count": 3, "day": "2026-02-28", "pick": "a", "agree": false});
        let with = |id: &str, v: &str| {
            let mut a = base.clone();
            a[id] = json!(v);
            problems(a)
        };
        let control = |f: &str| vec![(format!("answers.{f}"), "control_character".to_string())];
        assert_eq!(with("text", "a\u{0}b"), control("text"));
        assert_eq!(with("text", "one\ntwo"), control("text"));
        assert_eq!(with("where", "路\t1号"), control("where"));
        assert_eq!(with("mail", "a\u{7}@example.cn"), control("mail"));
        assert_eq!(with("long", "\u{1b}[2J"), control("long"));
        assert_eq!(with("long", "第一行\r\n第二行\t完"), vec![]);
        let mut req = request(base.clone());
        req.applicant = Applicant::Individual {
            name: "张\u{0}三".into(),
            id_type: IdType::Passport,
            id_number: "E1234567\n".into(),
            mobile: "13800138000".into(),
        };
        let found: Vec<_> = validate_application(&definition(), &req)
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    "applicant.name".to_string(),
                    "control_character".to_string()
                ),
                (
                    "applicant.id_number".to_string(),
                    "control_character".to_string()
                ),
            ]
        );
    }

    #[test]
    fn only_visible_answers_are_kept() {
        let def = definition();
        let answers = json!({"agree": false, "why": "hidden", "text": "x", "long": ""});
        let kept = visible_answers(&def, answers.as_object().unwrap());
        assert_eq!(kept.keys().collect::<Vec<_>>(), vec!["agree", "text"]);
    }
}
