//! The rules a catalogue must satisfy beyond its JSON shape (see catalogue/README.md).

use std::collections::{BTreeMap, HashSet};

use api_client::{FieldType, FormField, FormSpec, HandlingType, ServiceGuide};

use super::{hant, Batch, Problem};

const MAX_TEXT: usize = 2000;

/// Department and topic codes already stored, which services may refer to.
#[derive(Debug, Default)]
pub struct Known {
    pub departments: HashSet<String>,
    pub topics: HashSet<String>,
}

fn is_code(s: &str, min: usize, max: usize, extra: &[char]) -> bool {
    let n = s.chars().count();
    (min..=max).contains(&n)
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
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
            for (field, message) in name_overrides(&d.zh_hant, 100) {
                report(&d.code, &field, &message);
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
            for (field, message) in name_overrides(&t.zh_hant, 50) {
                report(&t.code, &field, &message);
            }
            topics.insert(t.code.clone());
        }
        if let Some(groups) = &content.synonyms {
            for (i, g) in groups.iter().enumerate() {
                if g.len() < 2
                    || g.iter()
                        .any(|t| t.trim().is_empty() || t.chars().count() > 20)
                {
                    problems.push(Problem {
                        file: file.clone(),
                        item: None,
                        field: format!("synonyms[{i}]"),
                        message:
                            "a group needs at least two non-empty terms of at most 20 characters"
                                .into(),
                    });
                }
            }
        }
    }
    let mut seen = HashSet::new();
    for (file, s) in batch.services() {
        for (field, message) in service_problems(s, &departments, &topics) {
            problems.push(Problem {
                file: file.into(),
                item: Some(s.code.clone()),
                field,
                message,
            });
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
fn service_problems(
    s: &ServiceGuide,
    departments: &HashSet<String>,
    topics: &HashSet<String>,
) -> Vec<(String, String)> {
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
        bad(
            "department",
            &format!("unknown department `{}`", s.department.code),
        );
    }
    if s.audience.is_empty() {
        bad(
            "audience",
            "must name at least one of individual, organisation",
        );
    }
    for (i, t) in s.topics.iter().enumerate() {
        if !topics.contains(&t.code) {
            bad(
                &format!("topics[{i}]"),
                &format!("unknown topic `{}`", t.code),
            );
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
            bad(
                &format!("materials[{i}].id"),
                "must be 1–32 lowercase letters, digits or `_`",
            );
        }
        if !ids.insert(m.id.as_str()) {
            bad(
                &format!("materials[{i}].id"),
                "is used twice in this service",
            );
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
    if s.promised_limit.unit == s.statutory_limit.unit
        && s.promised_limit.value > s.statutory_limit.value
    {
        bad(
            "promised_limit.value",
            "must not exceed the statutory limit",
        );
    }
    let immediate = s.handling_type == HandlingType::Immediate;
    if immediate != (s.promised_limit.value == 0) {
        bad(
            "promised_limit.value",
            "must be 0 exactly when handling_type is immediate (即办件)",
        );
    }
    if s.fees.free && !s.fees.items.is_empty() {
        bad("fees.items", "must be empty when the service is free");
    }
    if !s.fees.free && s.fees.items.is_empty() {
        bad(
            "fees.items",
            "must list the fee items when the service is not free",
        );
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
        bad(
            "visits",
            "must be 0 exactly when online_depth is 4 (全程网办)",
        );
    }
    if let Some(field) = overlong_text(s) {
        bad(&field, &format!("must be at most {MAX_TEXT} characters"));
    }
    if let Some(form) = &s.form {
        if !s.accepts_online_applications() {
            bad("form", "only services with online_depth 3 or 4 take online applications, so only they may have a form");
        }
        out.extend(form_problems(form));
    }
    out.extend(text_overrides(s));
    out
}

/// Problems with a department's or topic's `zh_hant`: it may give only `name`, as long as
/// the name may be.
fn name_overrides(own: &BTreeMap<String, String>, max: usize) -> Vec<(String, String)> {
    own.iter()
        .filter_map(|(field, text)| {
            let at = format!("zh_hant.{field}");
            if field != hant::NAME {
                Some((at, "only `name` may be written in Traditional here".into()))
            } else if text.trim().is_empty() || text.chars().count() > max {
                Some((at, format!("must be 1–{max} characters")))
            } else {
                None
            }
        })
        .collect()
}

/// Problems with a service's `zh_hant`: each key must be the path of one of its texts
/// (`hant::texts_mut`), each text as long as the field it stands for may be.
fn text_overrides(s: &ServiceGuide) -> Vec<(String, String)> {
    if s.zh_hant.is_empty() {
        return Vec::new();
    }
    let paths = hant::text_paths(s);
    s.zh_hant
        .iter()
        .filter_map(|(path, text)| {
            let at = format!("zh_hant.{path}");
            let max = if path == "name" { 100 } else { MAX_TEXT };
            if !paths.contains(path) {
                Some((
                    at,
                    "names no text of this service (a path such as `name`, `conditions[0]` or `materials[1].notes`)".into(),
                ))
            } else if text.trim().is_empty() || text.chars().count() > max {
                Some((at, format!("must be 1–{max} characters")))
            } else {
                None
            }
        })
        .collect()
}

/// An id of a form section or field: 1–32 lowercase letters, digits or `_`.
fn is_form_id(s: &str) -> bool {
    (1..=32).contains(&s.len()) && s.chars().all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

/// Problems within a service's form, as (field, message), each naming its path from `form`.
fn form_problems(form: &FormSpec) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut bad = |field: String, message: &str| out.push((field, message.to_string()));
    if form.sections.is_empty() {
        bad(
            "form.sections".into(),
            "must not be empty (leave `form` out instead)",
        );
    }
    let mut section_ids = HashSet::new();
    let mut field_ids = HashSet::new();
    // The fields seen so far, which later fields may depend on.
    let mut earlier: Vec<&FormField> = Vec::new();
    for (i, section) in form.sections.iter().enumerate() {
        let at = format!("form.sections[{i}]");
        if !is_form_id(&section.id) {
            bad(
                format!("{at}.id"),
                "must be 1–32 lowercase letters, digits or `_`",
            );
        }
        if !section_ids.insert(section.id.as_str()) {
            bad(
                format!("{at}.id"),
                "is used by another section of this form",
            );
        }
        let title = section.title.trim().chars().count();
        if title == 0 || title > 100 {
            bad(format!("{at}.title"), "must be 1–100 characters");
        }
        if section.fields.is_empty() {
            bad(format!("{at}.fields"), "must not be empty");
        }
        for (j, f) in section.fields.iter().enumerate() {
            let at = format!("{at}.fields[{j}]");
            if !is_form_id(&f.id) {
                bad(
                    format!("{at}.id"),
                    "must be 1–32 lowercase letters, digits or `_`",
                );
            }
            if !field_ids.insert(f.id.as_str()) {
                bad(format!("{at}.id"), "is used by another field of this form");
            }
            let label = f.label.trim().chars().count();
            if label == 0 || label > 100 {
                bad(format!("{at}.label"), "must be 1–100 characters");
            }
            if f.help
                .as_deref()
                .is_some_and(|h| h.chars().count() > MAX_TEXT)
            {
                bad(
                    format!("{at}.help"),
                    &format!("must be at most {MAX_TEXT} characters"),
                );
            }
            let choice = matches!(f.kind, FieldType::Choice | FieldType::Multichoice);
            if choice {
                if f.options.len() < 2 {
                    bad(
                        format!("{at}.options"),
                        "a choice needs at least two options",
                    );
                }
                let mut values = HashSet::new();
                for (k, o) in f.options.iter().enumerate() {
                    if o.value.trim().is_empty() || o.value.chars().count() > 64 {
                        bad(
                            format!("{at}.options[{k}].value"),
                            "must be 1–64 characters",
                        );
                    } else if !values.insert(o.value.as_str()) {
                        bad(
                            format!("{at}.options[{k}].value"),
                            "is used by another option of this field",
                        );
                    }
                    let label = o.label.trim().chars().count();
                    if label == 0 || label > 100 {
                        bad(
                            format!("{at}.options[{k}].label"),
                            "must be 1–100 characters",
                        );
                    }
                }
            } else if !f.options.is_empty() {
                bad(
                    format!("{at}.options"),
                    "only choice and multichoice fields have options",
                );
            }
            // min/max: lengths for text, a range for number, a count of choices for multichoice.
            let counted = f.kind.is_text() || f.kind == FieldType::Multichoice;
            if counted || f.kind == FieldType::Number {
                for (name, limit) in [("min", f.min), ("max", f.max)] {
                    match limit {
                        Some(v) if !v.is_finite() => bad(format!("{at}.{name}"), "must be a finite number"),
                        Some(v) if counted && (v < 0.0 || v.fract() != 0.0) => {
                            bad(format!("{at}.{name}"), "must be a whole number, not negative (it counts characters or choices)")
                        }
                        _ => {}
                    }
                }
                if let (Some(min), Some(max)) = (f.min, f.max) {
                    if min > max {
                        bad(format!("{at}.min"), "must not exceed max");
                    }
                }
                if f.kind == FieldType::Multichoice
                    && f.max.is_some_and(|m| m > f.options.len() as f64)
                {
                    bad(format!("{at}.max"), "must not exceed the number of options");
                }
            } else {
                if f.min.is_some() {
                    bad(
                        format!("{at}.min"),
                        "only text, textarea, address, number and multichoice fields have limits",
                    );
                }
                if f.max.is_some() {
                    bad(
                        format!("{at}.max"),
                        "only text, textarea, address, number and multichoice fields have limits",
                    );
                }
            }
            if f.pattern.is_some() && !f.kind.is_text() {
                bad(
                    format!("{at}.pattern"),
                    "only text, textarea and address fields have a pattern",
                );
            }
            if let Some(cond) = &f.visible_if {
                match earlier.iter().find(|e| e.id == cond.field) {
                    None => bad(
                        format!("{at}.visible_if.field"),
                        "must name a field that comes earlier in the form",
                    ),
                    Some(on) => match on.kind {
                        FieldType::Boolean => {
                            if !cond.equals.is_boolean() {
                                bad(
                                    format!("{at}.visible_if.equals"),
                                    "must be true or false for a boolean field",
                                );
                            }
                        }
                        FieldType::Choice => {
                            if !cond
                                .equals
                                .as_str()
                                .is_some_and(|v| on.options.iter().any(|o| o.value == v))
                            {
                                bad(
                                    format!("{at}.visible_if.equals"),
                                    "must be one of the option values of that field",
                                );
                            }
                        }
                        _ => bad(
                            format!("{at}.visible_if.field"),
                            "only boolean and choice fields may be conditions",
                        ),
                    },
                }
            }
            earlier.push(f);
        }
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
            [
                ("materials.name", m.name.as_str()),
                ("materials.source", m.source.as_str()),
            ]
            .into_iter()
            .chain(m.notes.as_deref().map(|n| ("materials.notes", n)))
        }))
        .chain(
            s.steps
                .iter()
                .map(|st| ("steps.description", st.description.as_str())),
        )
        .chain(s.faqs.iter().flat_map(|f| {
            [
                ("faqs.question", f.question.as_str()),
                ("faqs.answer", f.answer.as_str()),
            ]
        }))
        .chain(s.legal_basis.iter().flat_map(|l| {
            [
                ("legal_basis.law", l.law.as_str()),
                ("legal_basis.article", l.article.as_str()),
            ]
        }))
        .chain([
            ("location", s.location.as_str()),
            ("hours", s.hours.as_str()),
            ("complaint_channel", s.complaint_channel.as_str()),
        ]);
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
        let departments: HashSet<_> = services
            .iter()
            .map(|(_, s)| s.department.code.as_str())
            .collect();
        assert!(
            departments.len() >= 12,
            "only {} departments with services",
            departments.len()
        );
    }

    #[test]
    fn the_demo_catalogue_has_forms_that_use_every_field_type() {
        use api_client::forms::Pattern;
        let batch = demo::batch().unwrap();
        let with_forms: Vec<&ServiceGuide> = batch
            .services()
            .map(|(_, s)| s)
            .filter(|s| s.form.is_some())
            .collect();
        assert!(
            with_forms.len() >= 12,
            "only {} services have forms",
            with_forms.len()
        );
        assert!(with_forms.iter().all(|s| s.online_depth >= 3));
        let fields: Vec<&FormField> = with_forms
            .iter()
            .flat_map(|s| &s.form.as_ref().unwrap().sections)
            .flat_map(|sec| &sec.fields)
            .collect();
        let all = [
            FieldType::Text,
            FieldType::Textarea,
            FieldType::Number,
            FieldType::Date,
            FieldType::Choice,
            FieldType::Multichoice,
            FieldType::Boolean,
            FieldType::ResidentId,
            FieldType::Uscc,
            FieldType::Mobile,
            FieldType::Email,
            FieldType::Address,
        ];
        for kind in all {
            let n = fields.iter().filter(|f| f.kind == kind).count();
            assert!(n >= 2, "{kind:?} appears {n} times");
        }
        for pattern in [Pattern::Digits, Pattern::Alphanumeric, Pattern::Chinese] {
            assert!(
                fields.iter().any(|f| f.pattern == Some(pattern)),
                "{pattern:?} unused"
            );
        }
        let conditional = fields.iter().filter(|f| f.visible_if.is_some()).count();
        assert!(conditional >= 3, "only {conditional} conditional fields");

        // The end-to-end tests rely on these.
        for code in ["440113-SCJG-XK-001", "440113-GA-GG-001"] {
            assert!(
                with_forms.iter().any(|s| s.code == code),
                "{code} has no form"
            );
        }
        let permit = with_forms
            .iter()
            .find(|s| s.code == "440113-GA-GG-001")
            .unwrap();
        assert!(permit.online_depth >= 3 && permit.visits >= 1);
        assert!(
            permit
                .materials
                .iter()
                .filter(|m| m.requirement == api_client::Requirement::Required)
                .count()
                >= 2
        );
        let form = permit.form.as_ref().unwrap();
        let first = &form.sections[0].fields;
        assert!(first
            .iter()
            .any(|f| f.kind == FieldType::Text && f.required && f.visible_if.is_none()));
        assert!(first
            .iter()
            .any(|f| f.kind == FieldType::Choice && f.required && f.visible_if.is_none()));
        let field = |id: &str| {
            form.sections
                .iter()
                .flat_map(|s| &s.fields)
                .find(|f| f.id == id)
                .unwrap()
        };
        assert!(field("entrusted").kind == FieldType::Boolean && field("entrusted").required);
        let agent = field("agent_name");
        assert!(agent.kind == FieldType::Text && agent.required);
        let cond = agent.visible_if.as_ref().unwrap();
        assert_eq!(
            (cond.field.as_str(), &cond.equals),
            ("entrusted", &serde_json::json!(true))
        );
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
            known
                .departments
                .extend(f.departments.iter().map(|d| d.code.clone()));
            known.topics.extend(f.topics.iter().map(|t| t.code.clone()));
        }
        service_problems(&s, &known.departments, &known.topics)
    }

    /// A change that breaks one rule.
    type Breakage = Box<dyn Fn(&mut ServiceGuide)>;

    #[test]
    fn each_rule_names_its_field() {
        let (_, base) = demo_service();
        let cases: Vec<(&str, Breakage)> = vec![
            ("code", Box::new(|s| s.code = "a b".into())),
            (
                "department",
                Box::new(|s| s.department.code = "nope".into()),
            ),
            (
                "topics[0]",
                Box::new(|s| {
                    s.topics = vec![api_client::TopicRef {
                        code: "nope".into(),
                        name: String::new(),
                    }]
                }),
            ),
            ("materials", Box::new(|s| s.materials.clear())),
            (
                "materials[0].copies",
                Box::new(|s| s.materials[0].copies = 0),
            ),
            (
                "statutory_limit.value",
                Box::new(|s| {
                    s.statutory_limit.value = 0;
                    s.promised_limit.value = 0;
                    s.handling_type = HandlingType::Immediate;
                }),
            ),
            (
                "promised_limit.value",
                Box::new(|s| {
                    s.promised_limit.value = s.statutory_limit.value + 1;
                    s.promised_limit.unit = s.statutory_limit.unit;
                    s.handling_type = HandlingType::Promised;
                }),
            ),
            (
                "visits",
                Box::new(|s| {
                    s.online_depth = 4;
                    s.visits = 2;
                }),
            ),
            ("online_depth", Box::new(|s| s.online_depth = 7)),
            (
                "fees.items",
                Box::new(|s| {
                    s.fees.free = false;
                    s.fees.items.clear();
                }),
            ),
            ("location", Box::new(|s| s.location = "  ".into())),
            (
                "zh_hant.materials[99].name",
                Box::new(|s| {
                    s.zh_hant.insert("materials[99].name".into(), "材料".into());
                }),
            ),
            (
                "zh_hant.code",
                Box::new(|s| {
                    s.zh_hant.insert("code".into(), "X".into());
                }),
            ),
            (
                "zh_hant.name",
                Box::new(|s| {
                    s.zh_hant.insert("name".into(), "名".repeat(101));
                }),
            ),
            (
                "zh_hant.conditions[0]",
                Box::new(|s| {
                    s.zh_hant.insert("conditions[0]".into(), " ".into());
                }),
            ),
        ];
        assert!(problems_of(base.clone()).is_empty());
        let mut written = base.clone();
        written
            .zh_hant
            .insert("materials[0].name".into(), "手寫的材料".into());
        written.zh_hant.insert("name".into(), "手寫的名稱".into());
        assert_eq!(problems_of(written), vec![]);
        for (field, breaks) in cases {
            let mut s = base.clone();
            breaks(&mut s);
            let problems = problems_of(s);
            assert!(
                problems.iter().any(|(f, _)| f == field),
                "{field}: {problems:?}"
            );
        }
    }

    fn demo_service_with_form() -> ServiceGuide {
        let batch = demo::batch().unwrap();
        let s = batch
            .services()
            .map(|(_, s)| s)
            .find(|s| s.code == "440113-GA-GG-001")
            .unwrap()
            .clone();
        s
    }

    fn opts(values: &[&str]) -> Vec<api_client::forms::ChoiceOption> {
        values
            .iter()
            .map(|v| api_client::forms::ChoiceOption {
                value: v.to_string(),
                label: v.to_uppercase(),
            })
            .collect()
    }

    /// A small form of known shape: [0][0] text, [0][1] choice (a, b), [0][2] boolean,
    /// [1][0] multichoice (x, y, z), [1][1] number, [1][2] date.
    fn small_form() -> FormSpec {
        use api_client::forms::FormSection;
        let field = |id: &str, kind: FieldType| FormField {
            id: id.into(),
            kind,
            label: id.into(),
            required: false,
            help: None,
            min: None,
            max: None,
            pattern: None,
            options: vec![],
            visible_if: None,
        };
        FormSpec {
            sections: vec![
                FormSection {
                    id: "one".into(),
                    title: "一".into(),
                    fields: vec![
                        field("name", FieldType::Text),
                        FormField {
                            options: opts(&["a", "b"]),
                            ..field("pick", FieldType::Choice)
                        },
                        field("agree", FieldType::Boolean),
                    ],
                },
                FormSection {
                    id: "two".into(),
                    title: "二".into(),
                    fields: vec![
                        FormField {
                            options: opts(&["x", "y", "z"]),
                            ..field("picks", FieldType::Multichoice)
                        },
                        field("count", FieldType::Number),
                        field("day", FieldType::Date),
                    ],
                },
            ],
        }
    }

    #[test]
    fn each_form_rule_names_its_field() {
        use api_client::forms::{Pattern, VisibleIf};
        use serde_json::json;
        let mut base = demo_service_with_form();
        assert!(
            problems_of(base.clone()).is_empty(),
            "{:?}",
            problems_of(base.clone())
        );
        base.form = Some(small_form());
        assert!(
            problems_of(base.clone()).is_empty(),
            "{:?}",
            problems_of(base.clone())
        );
        let when = |field: &str, equals: serde_json::Value| {
            Some(VisibleIf {
                field: field.into(),
                equals,
            })
        };
        type Break = Box<dyn Fn(&mut FormSpec)>;
        let cases: Vec<(&str, Break)> = vec![
            ("form.sections", Box::new(|f| f.sections.clear())),
            (
                "form.sections[1].id",
                Box::new(|f| f.sections[1].id = "one".into()),
            ),
            (
                "form.sections[0].id",
                Box::new(|f| f.sections[0].id = "第一".into()),
            ),
            (
                "form.sections[0].id",
                Box::new(|f| f.sections[0].id = "a".repeat(33)),
            ),
            (
                "form.sections[1].title",
                Box::new(|f| f.sections[1].title = " ".into()),
            ),
            (
                "form.sections[1].fields",
                Box::new(|f| f.sections[1].fields.clear()),
            ),
            (
                "form.sections[1].fields[2].id",
                Box::new(|f| f.sections[1].fields[2].id = "name".into()),
            ),
            (
                "form.sections[0].fields[1].id",
                Box::new(|f| f.sections[0].fields[1].id = "Pick".into()),
            ),
            (
                "form.sections[0].fields[1].id",
                Box::new(|f| f.sections[0].fields[1].id = String::new()),
            ),
            (
                "form.sections[0].fields[0].label",
                Box::new(|f| f.sections[0].fields[0].label = "".into()),
            ),
            (
                "form.sections[0].fields[0].label",
                Box::new(|f| f.sections[0].fields[0].label = "长".repeat(101)),
            ),
            (
                "form.sections[0].fields[0].help",
                Box::new(|f| f.sections[0].fields[0].help = Some("长".repeat(MAX_TEXT + 1))),
            ),
            (
                "form.sections[0].fields[1].options",
                Box::new(|f| f.sections[0].fields[1].options = opts(&["a"])),
            ),
            (
                "form.sections[1].fields[0].options",
                Box::new(|f| f.sections[1].fields[0].options.clear()),
            ),
            (
                "form.sections[0].fields[1].options[1].value",
                Box::new(|f| f.sections[0].fields[1].options = opts(&["a", "a"])),
            ),
            (
                "form.sections[1].fields[0].options[2].value",
                Box::new(|f| f.sections[1].fields[0].options[2].value = " ".into()),
            ),
            (
                "form.sections[0].fields[1].options[0].label",
                Box::new(|f| f.sections[0].fields[1].options[0].label = "".into()),
            ),
            (
                "form.sections[0].fields[0].options",
                Box::new(|f| f.sections[0].fields[0].options = opts(&["a", "b"])),
            ),
            (
                "form.sections[1].fields[1].options",
                Box::new(|f| f.sections[1].fields[1].options = opts(&["a", "b"])),
            ),
            (
                "form.sections[0].fields[0].min",
                Box::new(|f| {
                    f.sections[0].fields[0].min = Some(10.0);
                    f.sections[0].fields[0].max = Some(2.0);
                }),
            ),
            (
                "form.sections[1].fields[1].min",
                Box::new(|f| {
                    f.sections[1].fields[1].min = Some(5.0);
                    f.sections[1].fields[1].max = Some(-5.0);
                }),
            ),
            (
                "form.sections[0].fields[0].min",
                Box::new(|f| f.sections[0].fields[0].min = Some(-1.0)),
            ),
            (
                "form.sections[0].fields[0].max",
                Box::new(|f| f.sections[0].fields[0].max = Some(-1.0)),
            ),
            (
                "form.sections[0].fields[0].max",
                Box::new(|f| f.sections[0].fields[0].max = Some(2.5)),
            ),
            (
                "form.sections[1].fields[0].min",
                Box::new(|f| f.sections[1].fields[0].min = Some(-1.0)),
            ),
            (
                "form.sections[1].fields[0].max",
                Box::new(|f| f.sections[1].fields[0].max = Some(4.0)),
            ),
            (
                "form.sections[1].fields[2].min",
                Box::new(|f| f.sections[1].fields[2].min = Some(1.0)),
            ),
            (
                "form.sections[0].fields[2].max",
                Box::new(|f| f.sections[0].fields[2].max = Some(1.0)),
            ),
            (
                "form.sections[1].fields[1].pattern",
                Box::new(|f| f.sections[1].fields[1].pattern = Some(Pattern::Digits)),
            ),
            (
                "form.sections[0].fields[1].pattern",
                Box::new(|f| f.sections[0].fields[1].pattern = Some(Pattern::Chinese)),
            ),
            (
                "form.sections[0].fields[1].visible_if.field",
                Box::new(move |f| f.sections[0].fields[1].visible_if = when("agree", json!(true))),
            ),
            (
                "form.sections[0].fields[2].visible_if.field",
                Box::new(move |f| f.sections[0].fields[2].visible_if = when("agree", json!(true))),
            ),
            (
                "form.sections[1].fields[0].visible_if.field",
                Box::new(move |f| f.sections[1].fields[0].visible_if = when("nope", json!(true))),
            ),
            (
                "form.sections[1].fields[1].visible_if.field",
                Box::new(move |f| f.sections[1].fields[1].visible_if = when("name", json!("x"))),
            ),
            (
                "form.sections[1].fields[1].visible_if.field",
                Box::new(move |f| f.sections[1].fields[1].visible_if = when("picks", json!("x"))),
            ),
            (
                "form.sections[1].fields[0].visible_if.equals",
                Box::new(move |f| {
                    f.sections[1].fields[0].visible_if = when("agree", json!("true"))
                }),
            ),
            (
                "form.sections[1].fields[0].visible_if.equals",
                Box::new(move |f| f.sections[1].fields[0].visible_if = when("pick", json!("c"))),
            ),
            (
                "form.sections[1].fields[0].visible_if.equals",
                Box::new(move |f| f.sections[1].fields[0].visible_if = when("pick", json!(true))),
            ),
        ];
        for (field, breaks) in cases {
            let mut s = base.clone();
            breaks(s.form.as_mut().unwrap());
            let problems = problems_of(s);
            assert!(
                problems.iter().any(|(f, _)| f == field),
                "{field}: {problems:?}"
            );
        }
        // Conditions that fit are accepted, across sections too.
        let mut s = base.clone();
        let form = s.form.as_mut().unwrap();
        form.sections[1].fields[0].visible_if = when("agree", json!(false));
        form.sections[1].fields[1].visible_if = when("pick", json!("b"));
        form.sections[0].fields[0].pattern = Some(Pattern::Alphanumeric);
        form.sections[1].fields[0].min = Some(1.0);
        form.sections[1].fields[0].max = Some(3.0);
        form.sections[1].fields[1].min = Some(-10.5);
        assert!(problems_of(s).is_empty());
    }

    #[test]
    fn a_form_needs_online_applications() {
        let mut s = demo_service_with_form();
        s.online_depth = 2;
        assert!(problems_of(s.clone()).iter().any(|(f, _)| f == "form"));
        s.form = None;
        assert!(problems_of(s).is_empty());
    }

    #[test]
    fn a_duplicate_code_across_files_is_refused() {
        let (mut batch, _) = demo_service();
        // Two different files with services (the demo also has files without any).
        let with_services: Vec<usize> = (0..batch.files.len())
            .filter(|&i| !batch.files[i].1.services.is_empty())
            .collect();
        let copy = batch.files[with_services[0]].1.services[0].clone();
        batch.files[with_services[1]].1.services.push(copy);
        let problems = validate(&batch, &Known::default());
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("more than once")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_department_or_topic_gives_only_its_name_in_traditional() {
        let text = r#"{
            "departments": [{"code": "d1", "name": "局", "zh_hant": {"name": "局", "phone": "1"}}],
            "topics": [{"code": "t1", "name": "主题", "audience": "individual", "zh_hant": {"name": ""}}]
        }"#;
        let batch = Batch::from_texts(&[("f.json", text)]).unwrap();
        let problems: Vec<(Option<String>, String)> = validate(&batch, &Known::default())
            .into_iter()
            .map(|p| (p.item, p.field))
            .collect();
        assert_eq!(
            problems,
            vec![
                (Some("d1".into()), "zh_hant.phone".into()),
                (Some("t1".into()), "zh_hant.name".into()),
            ]
        );
    }
}
