//! The catalogue in Traditional Chinese: every text a reader sees of every guide, department
//! and topic, converted by `script::to_traditional`, except where the catalogue file writes
//! its own (`zh_hant`: a service's by field path, a department's or topic's `name`).
//! `state::Snapshot` builds it once per catalogue version, never per request.

use std::collections::{BTreeMap, HashMap};

use api_client::{Department, ServiceGuide, Topic};

use crate::script::to_traditional;

/// The only field of a department or topic that a `zh_hant` override may name.
pub const NAME: &str = "name";

/// The catalogue's texts in one script.
#[derive(Debug, Default)]
pub struct Texts {
    pub departments: Vec<Department>,
    pub topics: Vec<Topic>,
    pub guides: Vec<ServiceGuide>,
}

/// Hand-written Traditional names of departments and topics, by code.
#[derive(Debug, Default, Clone)]
pub struct NameOverrides {
    pub departments: HashMap<String, String>,
    pub topics: HashMap<String, String>,
}

/// Every text of `g` a reader sees, with its path in the guide (`materials[0].name`), in the
/// guide's order. Codes, ids, choice values, conditions of questions, addresses of forms and
/// search keywords are not among them: answers and links refer to those as they are. The
/// department's and topics' names come from their own lists.
pub fn texts_mut(g: &mut ServiceGuide) -> Vec<(String, &mut String)> {
    let mut out: Vec<(String, &mut String)> = vec![("name".into(), &mut g.name)];
    for (i, l) in g.legal_basis.iter_mut().enumerate() {
        out.push((format!("legal_basis[{i}].law"), &mut l.law));
        out.push((format!("legal_basis[{i}].article"), &mut l.article));
    }
    for (i, c) in g.conditions.iter_mut().enumerate() {
        out.push((format!("conditions[{i}]"), c));
    }
    for (i, m) in g.materials.iter_mut().enumerate() {
        out.push((format!("materials[{i}].name"), &mut m.name));
        out.push((format!("materials[{i}].source"), &mut m.source));
        if let Some(n) = &mut m.notes {
            out.push((format!("materials[{i}].notes"), n));
        }
    }
    for (i, s) in g.steps.iter_mut().enumerate() {
        out.push((format!("steps[{i}].name"), &mut s.name));
        out.push((format!("steps[{i}].description"), &mut s.description));
        if let Some(t) = &mut s.time_limit {
            out.push((format!("steps[{i}].time_limit"), t));
        }
    }
    for (i, f) in g.fees.items.iter_mut().enumerate() {
        out.push((format!("fees.items[{i}].name"), &mut f.name));
        out.push((format!("fees.items[{i}].standard"), &mut f.standard));
        out.push((format!("fees.items[{i}].basis"), &mut f.basis));
    }
    out.push(("location".into(), &mut g.location));
    out.push(("hours".into(), &mut g.hours));
    out.push(("consult_phone".into(), &mut g.consult_phone));
    out.push(("complaint_channel".into(), &mut g.complaint_channel));
    out.push(("result.name".into(), &mut g.result.name));
    if let Some(n) = &mut g.result.notes {
        out.push(("result.notes".into(), n));
    }
    for (i, f) in g.faqs.iter_mut().enumerate() {
        out.push((format!("faqs[{i}].question"), &mut f.question));
        out.push((format!("faqs[{i}].answer"), &mut f.answer));
    }
    if let Some(form) = &mut g.form {
        for (i, section) in form.sections.iter_mut().enumerate() {
            let at = format!("form.sections[{i}]");
            out.push((format!("{at}.title"), &mut section.title));
            for (j, field) in section.fields.iter_mut().enumerate() {
                let at = format!("{at}.fields[{j}]");
                out.push((format!("{at}.label"), &mut field.label));
                if let Some(h) = &mut field.help {
                    out.push((format!("{at}.help"), h));
                }
                for (k, option) in field.options.iter_mut().enumerate() {
                    out.push((format!("{at}.options[{k}].label"), &mut option.label));
                }
            }
        }
    }
    out
}

/// The paths `texts_mut` gives for `g`: what a service's `zh_hant` may name.
pub fn text_paths(g: &ServiceGuide) -> Vec<String> {
    let mut copy = g.clone();
    texts_mut(&mut copy).into_iter().map(|(p, _)| p).collect()
}

/// The catalogue in Traditional, from its Simplified texts and the hand-written names.
/// Each guide's own `zh_hant` texts take the place of the conversion.
pub fn traditional(simplified: &Texts, names: &NameOverrides) -> Texts {
    let name = |own: Option<&String>, written: &str| match own {
        Some(n) => n.clone(),
        None => to_traditional(written),
    };
    let departments: Vec<Department> = simplified
        .departments
        .iter()
        .map(|d| Department {
            name: name(names.departments.get(&d.code), &d.name),
            ..d.clone()
        })
        .collect();
    let topics: Vec<Topic> = simplified
        .topics
        .iter()
        .map(|t| Topic {
            name: name(names.topics.get(&t.code), &t.name),
            ..t.clone()
        })
        .collect();
    let department_names: HashMap<&str, &str> = departments
        .iter()
        .map(|d| (d.code.as_str(), d.name.as_str()))
        .collect();
    let topic_names: HashMap<&str, &str> = topics
        .iter()
        .map(|t| (t.code.as_str(), t.name.as_str()))
        .collect();
    let guides = simplified
        .guides
        .iter()
        .map(|g| {
            let mut t = guide(g);
            if let Some(n) = department_names.get(t.department.code.as_str()) {
                t.department.name = n.to_string();
            }
            for topic in &mut t.topics {
                if let Some(n) = topic_names.get(topic.code.as_str()) {
                    topic.name = n.to_string();
                }
            }
            t
        })
        .collect();
    Texts {
        departments,
        topics,
        guides,
    }
}

/// One guide's texts in Traditional: its own `zh_hant` where it has them, else converted.
fn guide(g: &ServiceGuide) -> ServiceGuide {
    let mut t = g.clone();
    let own: BTreeMap<String, String> = std::mem::take(&mut t.zh_hant);
    for (path, text) in texts_mut(&mut t) {
        *text = match own.get(&path) {
            Some(written) => written.clone(),
            None => to_traditional(text),
        };
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::demo;

    fn demo_texts() -> Texts {
        let batch = demo::batch().unwrap();
        let mut texts = Texts::default();
        for (_, f) in &batch.files {
            texts
                .departments
                .extend(f.departments.iter().map(|d| Department {
                    code: d.code.clone(),
                    name: d.name.clone(),
                    phone: d.phone.clone(),
                    service_count: 0,
                }));
            texts.topics.extend(f.topics.iter().map(|t| Topic {
                code: t.code.clone(),
                name: t.name.clone(),
                audience: t.audience,
                service_count: 0,
            }));
        }
        texts.guides = batch.services().map(|(_, s)| s.clone()).collect();
        texts
    }

    #[test]
    fn every_text_is_converted_and_nothing_else() {
        let simplified = demo_texts();
        let hant = traditional(&simplified, &NameOverrides::default());
        let g = simplified
            .guides
            .iter()
            .position(|g| g.form.is_some())
            .unwrap();
        let (before, after) = (&simplified.guides[g], &hant.guides[g]);
        assert_eq!(after.code, before.code);
        assert_eq!(after.keywords, before.keywords);
        assert_eq!(
            after.materials.iter().map(|m| &m.id).collect::<Vec<_>>(),
            before.materials.iter().map(|m| &m.id).collect::<Vec<_>>()
        );
        let (form_before, form_after) =
            (before.form.as_ref().unwrap(), after.form.as_ref().unwrap());
        for (s, t) in form_before.sections.iter().zip(&form_after.sections) {
            for (f, h) in s.fields.iter().zip(&t.fields) {
                assert_eq!(f.id, h.id);
                assert_eq!(f.visible_if, h.visible_if);
                let values = |f: &api_client::FormField| -> Vec<String> {
                    f.options.iter().map(|o| o.value.clone()).collect()
                };
                assert_eq!(values(f), values(h));
            }
        }
        let mut a = before.clone();
        let mut b = after.clone();
        let converted: Vec<(String, String)> = texts_mut(&mut a)
            .into_iter()
            .zip(texts_mut(&mut b))
            .map(|((p, s), (_, t))| (p, to_traditional(s), t.clone()))
            .filter(|(_, expected, got)| expected != got)
            .map(|(p, _, got)| (p, got))
            .collect();
        assert_eq!(converted, vec![], "every text is its conversion");
        assert_ne!(after.name, before.name, "{}", before.name);
        assert_eq!(
            after.department.name,
            hant.departments
                .iter()
                .find(|d| d.code == before.department.code)
                .unwrap()
                .name
        );
    }

    #[test]
    fn hand_written_texts_take_the_place_of_the_conversion() {
        let mut simplified = demo_texts();
        let code = simplified.departments[0].code.clone();
        simplified.guides[0]
            .zh_hant
            .insert("name".into(), "手寫的名稱".into());
        simplified.guides[0]
            .zh_hant
            .insert("materials[0].name".into(), "手寫的材料".into());
        let names = NameOverrides {
            departments: HashMap::from([(code.clone(), "手寫的部門".to_string())]),
            topics: HashMap::new(),
        };
        let hant = traditional(&simplified, &names);
        assert_eq!(hant.guides[0].name, "手寫的名稱");
        assert_eq!(hant.guides[0].materials[0].name, "手寫的材料");
        assert!(hant.guides[0].zh_hant.is_empty(), "never in an answer");
        assert_eq!(hant.departments[0].name, "手寫的部門");
        for g in hant.guides.iter().filter(|g| g.department.code == code) {
            assert_eq!(g.department.name, "手寫的部門");
        }
    }

    #[test]
    fn the_paths_are_the_texts_of_the_guide() {
        let g = demo_texts().guides.remove(0);
        let paths = text_paths(&g);
        assert_eq!(paths[0], "name");
        assert!(paths.contains(&"materials[0].name".to_string()));
        assert!(paths.contains(&"steps[0].description".to_string()));
        assert!(!paths.iter().any(|p| p.ends_with(".id") || p == "code"));
    }
}
