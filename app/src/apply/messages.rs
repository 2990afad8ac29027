//! What a problem with an answer says to the applicant, and where it points.

use api_client::text::CONTROL_CHARACTER;
use api_client::{FieldError, FieldType, FormDefinition};

use crate::i18n::{k, t, tf};

/// The label of an applicant field, as shown on the applicant page.
pub fn applicant_label(name: &str, organisation: bool) -> &'static str {
    match (name, organisation) {
        ("name", false) => t(k::APPLICANT_NAME),
        ("name", true) => t(k::APPLICANT_ORG_NAME),
        ("id_type", _) => t(k::APPLICANT_ID_TYPE),
        ("id_number", _) => t(k::APPLICANT_ID_NUMBER),
        ("mobile", false) => t(k::APPLICANT_MOBILE),
        ("mobile", true) => t(k::APPLICANT_CONTACT_MOBILE),
        ("uscc", _) => t(k::APPLICANT_USCC),
        ("legal_representative", _) => t(k::APPLICANT_LEGAL_REPRESENTATIVE),
        ("contact_name", _) => t(k::APPLICANT_CONTACT_NAME),
        _ => t(k::APPLICANT_TYPE),
    }
}

/// The element a problem links to (the input, or the first option of a group).
pub fn anchor(field: &str) -> String {
    if let Some(id) = field.strip_prefix("answers.") {
        format!("f-{id}")
    } else if let Some(id) = field.strip_prefix("materials.") {
        format!("m-{id}")
    } else if let Some(name) = field.strip_prefix("applicant.") {
        format!("a-{name}")
    } else {
        "declaration".into()
    }
}

fn num(v: Option<f64>) -> String {
    v.map(|n| {
        if n.fract() == 0.0 {
            format!("{n:.0}")
        } else {
            n.to_string()
        }
    })
    .unwrap_or_default()
}

/// A length in characters, grouped as counts are (`2,000`); unlike `num`'s values (a year
/// among them), a length is a count.
fn chars(v: Option<f64>) -> String {
    v.map(|n| crate::format::count(n as u64))
        .unwrap_or_default()
}

/// The sentence for a problem, naming the question as the applicant saw it.
pub fn message(def: &FormDefinition, organisation: bool, e: &FieldError) -> String {
    if let Some(id) = e.field.strip_prefix("materials.") {
        let name = def
            .materials
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.name.as_str())
            .unwrap_or(id);
        return match e.code.as_str() {
            "required" => tf(k::APPLY_ERROR_MATERIAL_REQUIRED, &[("label", name)]),
            "too_large_total" => tf(
                k::UPLOAD_ERROR_TOTAL,
                &[("max", &mb(def.limits.max_total_bytes))],
            ),
            _ => tf(k::APPLY_ERROR_MATERIAL_INVALID, &[("label", name)]),
        };
    }
    if let Some(name) = e.field.strip_prefix("applicant.") {
        let label = applicant_label(name, organisation);
        return match (name, e.code.as_str()) {
            ("type", "not_allowed") => t(k::APPLY_ERROR_NOT_ALLOWED).into(),
            ("type", _) | ("id_type", _) => tf(k::APPLY_ERROR_CHOOSE, &[("label", label)]),
            (_, "required") => tf(k::APPLY_ERROR_REQUIRED, &[("label", label)]),
            (_, "too_long") => tf(k::APPLY_ERROR_TOO_LONG_PLAIN, &[("label", label)]),
            (_, CONTROL_CHARACTER) => tf(k::APPLY_ERROR_CONTROL, &[("label", label)]),
            ("id_number", "checksum") => tf(k::APPLY_ERROR_RESIDENT_ID, &[("label", label)]),
            ("uscc", _) => tf(k::APPLY_ERROR_USCC, &[("label", label)]),
            ("mobile", _) => tf(k::APPLY_ERROR_MOBILE, &[("label", label)]),
            _ => tf(k::APPLY_ERROR_INVALID, &[("label", label)]),
        };
    }
    if e.field == "declaration" {
        return t(k::APPLY_ERROR_DECLARATION).into();
    }
    let id = e.field.strip_prefix("answers.").unwrap_or(&e.field);
    let Some(f) = def.field(id) else {
        return t(k::ERROR_SERVER).into();
    };
    let label = f.label.as_str();
    let choose = matches!(
        f.kind,
        FieldType::Choice | FieldType::Multichoice | FieldType::Boolean
    );
    match e.code.as_str() {
        "required" if choose => tf(k::APPLY_ERROR_CHOOSE, &[("label", label)]),
        "required" => tf(k::APPLY_ERROR_REQUIRED, &[("label", label)]),
        "too_short" => tf(
            k::APPLY_ERROR_TOO_SHORT,
            &[("label", label), ("n", &chars(f.min))],
        ),
        "too_long" => tf(
            k::APPLY_ERROR_TOO_LONG,
            &[
                ("label", label),
                (
                    "n",
                    &chars(f.max.or(Some(if f.kind == FieldType::Textarea {
                        2000.0
                    } else {
                        200.0
                    }))),
                ),
            ],
        ),
        "out_of_range" => tf(
            k::APPLY_ERROR_RANGE,
            &[("label", label), ("min", &num(f.min)), ("max", &num(f.max))],
        ),
        "too_many" => tf(
            k::APPLY_ERROR_TOO_MANY,
            &[("label", label), ("n", &num(f.max))],
        ),
        "too_few" => tf(
            k::APPLY_ERROR_TOO_FEW,
            &[("label", label), ("n", &num(f.min))],
        ),
        "not_an_option" => tf(k::APPLY_ERROR_CHOOSE, &[("label", label)]),
        CONTROL_CHARACTER => tf(k::APPLY_ERROR_CONTROL, &[("label", label)]),
        "pattern" => tf(k::APPLY_ERROR_PATTERN, &[("label", label)]),
        "checksum" if f.kind == FieldType::Uscc => tf(k::APPLY_ERROR_USCC, &[("label", label)]),
        "checksum" => tf(k::APPLY_ERROR_RESIDENT_ID, &[("label", label)]),
        _ => match f.kind {
            FieldType::Number => tf(k::APPLY_ERROR_NUMBER, &[("label", label)]),
            FieldType::Date => tf(k::APPLY_ERROR_DATE, &[("label", label)]),
            FieldType::Mobile => tf(k::APPLY_ERROR_MOBILE, &[("label", label)]),
            FieldType::Email => tf(k::APPLY_ERROR_EMAIL, &[("label", label)]),
            _ => tf(k::APPLY_ERROR_INVALID, &[("label", label)]),
        },
    }
}

/// Bytes as whole megabytes, for limits.
pub fn mb(bytes: u64) -> String {
    format!("{}", bytes / (1024 * 1024))
}
