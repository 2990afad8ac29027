//! The rules a catalogue must satisfy beyond its JSON shape (see catalogue/README.md).

use std::collections::HashSet;

use api_client::{HandlingType, ServiceGuide};

use super::{Batch, Problem};

const MAX_TEXT: usize = 2000;

/// Department and topic codes already stored, which services may refer to.
#[derive(Debug, Default)]
pub struct Known {
    pub departments: HashSet<String>,
    pub topics: HashSet<String>,
}

fn is_code(s: &str, min: usize, max: usize, extra: &[char]) -> bool {
    let n = s.chars().count();
    (min..=max).contains(&n) && s.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
}

pub fn validate(batch: &Batch, stored: &Known) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut departments = stored.departments.clone();
    let mut topics = stored.topics.clone();
    for (file, content) in &batch.files {
        let mut report = |item: &str, field: &str, message: &str| {
            problems.push(Problem {
                file: file.clone(),
                item: Some(item.to_string()),
                field: field.into(),
                message: message.into(),
            })
        };
        for d in &content.departments {
            if !is_code(&d.code, 1, 32, &['_', '-']) {
                report(&d.code, "code", "must be 1–32 letters, digits, `_` or `-`");
            }
            if d.name.trim().is_empty() || d.name.chars().count() > 100 {
                report(&d.code, "name", "must be 1–100 characters");
            }
            departments.insert(d.code.clone());
        }
        for t in &content.topics {
            if !is_code(&t.code, 1, 32, &['_', '-']) {
                report(&t.code, "code", "must be 1–32 letters, digits, `_` or `-`");
            }
            if t.name.trim().is_empty() || t.name.chars().count() > 50 {
                report(&t.code, "name", "must be 1–50 characters");
            }
            topics.insert(t.code.clone());
        }
        if let Some(groups) = &content.synonyms {
            for (i, g) in groups.iter().enumerate() {
                if g.len() < 2 || g.iter().any(|t| t.trim().is_empty() || t.chars().count() > 20) {
                    problems.push(Problem {
                        file: file.clone(),
                        item: None,
                        field: format!("synonyms[{i}]"),
                        message: "a group needs at least two non-empty terms of at most 20 characters".into(),
                    });
                }
            }
        }
    }
    let mut seen = HashSet::new();
    for (file, s) in batch.services() {
        for (field, message) in service_problems(s, &departments, &topics) {
            problems.push(Problem { file: file.into(), item: Some(s.code.clone()), field, message });
        }
        if !seen.insert(s.code.as_str()) {
            problems.push(Problem {
                file: file.into(),
                item: Some(s.code.clone()),
                field: "code".into(),
                message: "appears more than once in this import".into(),
            });
        }
    }
    problems
}

/// Problems within one service, as (field, message).
fn service_problems(s: &ServiceGuide, departments: &HashSet<String>, topics: &HashSet<String>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut bad = |field: &str, message: &str| out.push((field.to_string(), message.to_string()));

    if !is_code(&s.code, 4, 64, &['-']) || s.code.starts_with('-') {
        bad("code", "must be 4–64 letters, digits or `-`");
    }
    let name_len = s.name.trim().chars().count();
    if name_len == 0 || name_len > 100 {
        bad("name", "must be 1–100 characters");
    }
    if !departments.contains(&s.department.code) {
        bad("department", &format!("unknown department `{}`", s.department.code));
    }
    if s.audience.is_empty() {
        bad("audience", "must name at least one of individual, organisation");
    }
    for (i, t) in s.topics.iter().enumerate() {
        if !topics.contains(&t.code) {
            bad(&format!("topics[{i}]"), &format!("unknown topic `{}`", t.code));
        }
    }
    for (field, empty) in [
        ("legal_basis", s.legal_basis.is_empty()),
        ("conditions", s.conditions.is_empty()),
        ("materials", s.materials.is_empty()),
        ("steps", s.steps.is_empty()),
    ] {
        if empty {
            bad(field, "must not be empty");
        }
    }
    let mut ids = HashSet::new();
    for (i, m) in s.materials.iter().enumerate() {
        if !is_code(&m.id, 1, 32, &['_']) || m.id.chars().any(|c| c.is_ascii_uppercase()) {
            bad(&format!("materials[{i}].id"), "must be 1–32 lowercase letters, digits or `_`");
        }
        if !ids.insert(m.id.as_str()) {
            bad(&format!("materials[{i}].id"), "is used twice in this service");
        }
        if !(1..=20).contains(&m.copies) {
            bad(&format!("materials[{i}].copies"), "must be 1–20");
        }
        if m.name.trim().is_empty() {
            bad(&format!("materials[{i}].name"), "must not be empty");
        }
    }
    for (i, st) in s.steps.iter().enumerate() {
        if st.name.trim().is_empty() {
            bad(&format!("steps[{i}].name"), "must not be empty");
        }
    }
    if s.statutory_limit.value == 0 {
        bad("statutory_limit.value", "must be at least 1");
    }
    if s.promised_limit.unit == s.statutory_limit.unit && s.promised_limit.value > s.statutory_limit.value {
        bad("promised_limit.value", "must not exceed the statutory limit");
    }
    let immediate = s.handling_type == HandlingType::Immediate;
    if immediate != (s.promised_limit.value == 0) {
        bad("promised_limit.value", "must be 0 exactly when handling_type is immediate (即办件)");
    }
    if s.fees.free && !s.fees.items.is_empty() {
        bad("fees.items", "must be empty when the service is free");
    }
    if !s.fees.free && s.fees.items.is_empty() {
        bad("fees.items", "must list the fee items when the service is not free");
    }
    for (field, value) in [
        ("location", &s.location),
        ("hours", &s.hours),
        ("consult_phone", &s.consult_phone),
        ("complaint_channel", &s.complaint_channel),
        ("result.name", &s.result.name),
    ] {
        if value.trim().is_empty() {
            bad(field, "must not be empty");
        }
    }
    if !(1..=4).contains(&s.online_depth) {
        bad("online_depth", "must be 1–4");
    }
    if s.visits > 5 {
        bad("visits", "must be 0–5");
    }
    if (s.online_depth == 4) != (s.visits == 0) {
        bad("visits", "must be 0 exactly when online_depth is 4 (全程网办)");
    }
    if let Some(field) = overlong_text(s) {
        bad(&field, &format!("must be at most {MAX_TEXT} characters"));
    }
    out
}

/// The first text of the guide longer than the limit, by field name.
fn overlong_text(s: &ServiceGuide) -> Option<String> {
    let long = |t: &str| t.chars().count() > MAX_TEXT;
    let texts = s
        .conditions
        .iter()
        .map(|c| ("conditions", c.as_str()))
        .chain(s.materials.iter().flat_map(|m| {
            [("materials.name", m.name.as_str()), ("materials.source", m.source.as_str())]
                .into_iter()
                .chain(m.notes.as_deref().map(|n| ("materials.notes", n)))
        }))
        .chain(s.steps.iter().map(|st| ("steps.description", st.description.as_str())))
        .chain(s.faqs.iter().flat_map(|f| [("faqs.question", f.question.as_str()), ("faqs.answer", f.answer.as_str())]))
        .chain(s.legal_basis.iter().flat_map(|l| [("legal_basis.law", l.law.as_str()), ("legal_basis.article", l.article.as_str())]))
        .chain([("location", s.location.as_str()), ("hours", s.hours.as_str()), ("complaint_channel", s.complaint_channel.as_str())]);
    for (field, t) in texts {
        if long(t) {
            return Some(field.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::demo;

    #[test]
    fn the_demo_catalogue_is_valid_and_large_enough() {
        let batch = demo::batch().expect("demo files parse");
        let problems = validate(&batch, &Known::default());
        assert!(problems.is_empty(), "{problems:#?}");
        let services: Vec<_> = batch.services().collect();
        assert!(services.len() >= 40, "only {} services", services.len());
        let departments: HashSet<_> = services.iter().map(|(_, s)| s.department.code.as_str()).collect();
        assert!(departments.len() >= 12, "only {} departments with services", departments.len());
    }

    fn demo_service() -> (Batch, ServiceGuide) {
        let batch = demo::batch().unwrap();
        let s = batch.services().next().unwrap().1.clone();
        (batch, s)
    }

    fn problems_of(s: ServiceGuide) -> Vec<(String, String)> {
        let (batch, _) = demo_service();
        let mut known = Known::default();
        for (_, f) in &batch.files {
            known.departments.extend(f.departments.iter().map(|d| d.code.clone()));
            known.topics.extend(f.topics.iter().map(|t| t.code.clone()));
        }
        service_problems(&s, &known.departments, &known.topics)
    }

    #[test]
    fn each_rule_names_its_field() {
        let (_, base) = demo_service();
        let cases: Vec<(&str, Box<dyn Fn(&mut ServiceGuide)>)> = vec![
            ("code", Box::new(|s| s.code = "a b".into())),
            ("department", Box::new(|s| s.department.code = "nope".into())),
            ("topics[0]", Box::new(|s| s.topics = vec![api_client::TopicRef { code: "nope".into(), name: String::new() }])),
            ("materials", Box::new(|s| s.materials.clear())),
            ("materials[0].copies", Box::new(|s| s.materials[0].copies = 0)),
            ("statutory_limit.value", Box::new(|s| { s.statutory_limit.value = 0; s.promised_limit.value = 0; s.handling_type = HandlingType::Immediate; })),
            ("promised_limit.value", Box::new(|s| { s.promised_limit.value = s.statutory_limit.value + 1; s.promised_limit.unit = s.statutory_limit.unit; s.handling_type = HandlingType::Promised; })),
            ("visits", Box::new(|s| { s.online_depth = 4; s.visits = 2; })),
            ("online_depth", Box::new(|s| s.online_depth = 7)),
            ("fees.items", Box::new(|s| { s.fees.free = false; s.fees.items.clear(); })),
            ("location", Box::new(|s| s.location = "  ".into())),
        ];
        assert!(problems_of(base.clone()).is_empty());
        for (field, breaks) in cases {
            let mut s = base.clone();
            breaks(&mut s);
            let problems = problems_of(s);
            assert!(problems.iter().any(|(f, _)| f == field), "{field}: {problems:?}");
        }
    }

    #[test]
    fn a_duplicate_code_across_files_is_refused() {
        let (mut batch, _) = demo_service();
        let copy = batch.files[1].1.services[0].clone();
        batch.files[2].1.services.push(copy);
        let problems = validate(&batch, &Known::default());
        assert!(problems.iter().any(|p| p.message.contains("more than once")), "{problems:?}");
    }
}
