//! The question pages of an application, in order: who applies, each section of the
//! service's form that has a visible question, the materials, then check your answers.

use api_client::forms::is_visible;
use api_client::FormDefinition;
use serde_json::{Map, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Applicant,
    Section(usize),
    Materials,
    Check,
}

impl Step {
    /// The URL segment of the step.
    pub fn slug(self, def: &FormDefinition) -> String {
        match self {
            Step::Applicant => "applicant".into(),
            Step::Section(i) => def.sections[i].id.clone(),
            Step::Materials => "materials".into(),
            Step::Check => "check".into(),
        }
    }

    pub fn parse(def: &FormDefinition, slug: &str) -> Option<Step> {
        match slug {
            "applicant" => Some(Step::Applicant),
            "materials" if !def.materials.is_empty() => Some(Step::Materials),
            "check" => Some(Step::Check),
            s => def
                .sections
                .iter()
                .position(|sec| sec.id == s)
                .map(Step::Section),
        }
    }
}

/// The steps the applicant goes through given the answers so far.
pub fn sequence(def: &FormDefinition, answers: &Map<String, Value>) -> Vec<Step> {
    let mut steps = vec![Step::Applicant];
    for (i, s) in def.sections.iter().enumerate() {
        if s.fields.iter().any(|f| is_visible(f, answers)) {
            steps.push(Step::Section(i));
        }
    }
    if !def.materials.is_empty() {
        steps.push(Step::Materials);
    }
    steps.push(Step::Check);
    steps
}

pub fn next(def: &FormDefinition, answers: &Map<String, Value>, step: Step) -> Step {
    let steps = sequence(def, answers);
    let at = steps.iter().position(|s| *s == step).unwrap_or(0);
    steps.get(at + 1).copied().unwrap_or(Step::Check)
}

pub fn previous(def: &FormDefinition, answers: &Map<String, Value>, step: Step) -> Option<Step> {
    let steps = sequence(def, answers);
    let at = steps.iter().position(|s| *s == step)?;
    at.checked_sub(1).map(|i| steps[i])
}

/// The step a field path (`applicant.name`, `answers.x`, `materials.y`) is asked on.
pub fn step_of(def: &FormDefinition, field: &str) -> Step {
    if field.starts_with("applicant.") {
        return Step::Applicant;
    }
    if field.starts_with("materials.") || field == "uploads" {
        return Step::Materials;
    }
    if field == "declaration" {
        return Step::Check;
    }
    let id = field.strip_prefix("answers.").unwrap_or(field);
    def.sections
        .iter()
        .position(|s| s.fields.iter().any(|f| f.id == id))
        .map(Step::Section)
        .unwrap_or(Step::Check)
}
