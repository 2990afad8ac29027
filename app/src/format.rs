//! How catalogue values read in the interface.

use api_client::{
    Audience, DayUnit, HandlingType, MaterialForm, Requirement, ServiceKind, TimeLimit,
};

use crate::i18n::{k, t, tf};

pub fn kind(v: ServiceKind) -> &'static str {
    match v {
        ServiceKind::AdministrativeLicence => t(k::KIND_ADMINISTRATIVE_LICENCE),
        ServiceKind::OtherPower => t(k::KIND_OTHER_POWER),
        ServiceKind::PublicService => t(k::KIND_PUBLIC_SERVICE),
    }
}

pub fn audience(v: Audience) -> &'static str {
    match v {
        Audience::Individual => t(k::AUDIENCE_INDIVIDUAL),
        Audience::Organisation => t(k::AUDIENCE_ORGANISATION),
    }
}

pub fn audiences(v: &[Audience]) -> String {
    v.iter()
        .map(|a| audience(*a))
        .collect::<Vec<_>>()
        .join(t(k::LIST_SEPARATOR))
}

pub fn handling(v: HandlingType) -> &'static str {
    match v {
        HandlingType::Immediate => t(k::HANDLING_IMMEDIATE),
        HandlingType::Promised => t(k::HANDLING_PROMISED),
    }
}

/// `20 个工作日`, or `当场办结` for a promised limit of 0.
pub fn limit(l: TimeLimit) -> String {
    if l.value == 0 {
        return t(k::LIMIT_SAME_DAY).into();
    }
    let key = match l.unit {
        DayUnit::WorkingDays => k::LIMIT_WORKING_DAYS,
        DayUnit::NaturalDays => k::LIMIT_NATURAL_DAYS,
    };
    tf(key, &[("n", &l.value.to_string())])
}

pub fn material_form(v: MaterialForm) -> &'static str {
    match v {
        MaterialForm::Original => t(k::MATERIAL_FORM_ORIGINAL),
        MaterialForm::Copy => t(k::MATERIAL_FORM_COPY),
        MaterialForm::OriginalAndCopy => t(k::MATERIAL_FORM_ORIGINAL_AND_COPY),
        MaterialForm::Electronic => t(k::MATERIAL_FORM_ELECTRONIC),
    }
}

pub fn requirement(v: Requirement) -> &'static str {
    match v {
        Requirement::Required => t(k::MATERIAL_REQUIRED),
        Requirement::Optional => t(k::MATERIAL_OPTIONAL),
        Requirement::Deferrable => t(k::MATERIAL_DEFERRABLE),
    }
}

/// 网办深度 as `Ⅳ级 · 全程网办`.
pub fn online_depth(d: u8) -> String {
    let (numeral, key) = match d {
        1 => ("Ⅰ", k::DEPTH_1),
        2 => ("Ⅱ", k::DEPTH_2),
        3 => ("Ⅲ", k::DEPTH_3),
        _ => ("Ⅳ", k::DEPTH_4),
    };
    tf(k::DEPTH_FORMAT, &[("level", numeral), ("name", t(key))])
}

pub fn visits(n: u8) -> String {
    if n == 0 {
        t(k::VISITS_NONE).into()
    } else {
        tf(k::VISITS_N, &[("n", &n.to_string())])
    }
}

/// `2026-11-22T10:05:00+08:00` as `2026-11-22 10:05`.
pub fn minutes(rfc3339: &str) -> String {
    rfc3339
        .get(..16)
        .map(|s| s.replace('T', " "))
        .unwrap_or_else(|| rfc3339.to_string())
}
