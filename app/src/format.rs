//! How catalogue values, days and moments read in the interface.

use api_client::{
    Audience, DayUnit, HandlingType, MaterialForm, Requirement, ServiceKind, TimeLimit,
};

use crate::i18n::{k, locale, lookup, t, tf, tf_in, Locale};

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

/// A count as `locale` writes it: over 999, its digits grouped in threes (`1,997`).
pub fn count_in(locale: Locale, n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(lookup(locale, k::NUMBER_GROUP));
        }
        out.push(c);
    }
    out
}

/// `count_in` the current language.
pub fn count(n: impl Into<u64>) -> String {
    count_in(locale(), n.into())
}

/// A day as `locale` writes it: `2026年12月7日`, `7 December 2026`.
pub fn day_in(locale: Locale, y: i32, m: u32, d: u32) -> String {
    const MONTHS: [crate::i18n::Key; 12] = [
        k::DATE_MONTH_1,
        k::DATE_MONTH_2,
        k::DATE_MONTH_3,
        k::DATE_MONTH_4,
        k::DATE_MONTH_5,
        k::DATE_MONTH_6,
        k::DATE_MONTH_7,
        k::DATE_MONTH_8,
        k::DATE_MONTH_9,
        k::DATE_MONTH_10,
        k::DATE_MONTH_11,
        k::DATE_MONTH_12,
    ];
    let month = MONTHS
        .get((m as usize).wrapping_sub(1))
        .map_or("", |&key| lookup(locale, key));
    tf_in(
        locale,
        k::DATE_DAY,
        &[
            ("y", &y.to_string()),
            ("m", &m.to_string()),
            ("d", &d.to_string()),
            ("month", month),
        ],
    )
}

/// Year, month and day of a text starting `YYYY-MM-DD`, when they make a day.
fn ymd(s: &str) -> Option<(i32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |r: std::ops::Range<usize>| {
        s.get(r)
            .filter(|p| p.bytes().all(|c| c.is_ascii_digit()))?
            .parse::<u32>()
            .ok()
    };
    let (y, m, d) = (number(0..4)?, number(5..7)?, number(8..10)?);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y as i32, m, d))
}

/// A day the API gives as `YYYY-MM-DD` (a promised date, a due date) in `locale`; any other
/// text as it is.
pub fn date_in(locale: Locale, iso: &str) -> String {
    match ymd(iso).filter(|_| iso.len() == 10) {
        Some((y, m, d)) => day_in(locale, y, m, d),
        None => iso.to_string(),
    }
}

/// `date_in` the current language.
pub fn date(iso: &str) -> String {
    date_in(locale(), iso)
}

/// A moment the API gives in RFC 3339 (China Standard Time, as every time it gives), to the
/// minute, in `locale`: `2026年12月7日 10:30`, `7 December 2026, 10:30`; any other text as
/// it is. The clock stays 24-hour in every language, as the centre's opening hours are.
pub fn date_time_in(locale: Locale, rfc3339: &str) -> String {
    let time = rfc3339
        .get(11..16)
        .filter(|t| rfc3339.as_bytes()[10] == b'T' && t.as_bytes()[2] == b':');
    match (ymd(rfc3339), time) {
        (Some((y, m, d)), Some(time)) => tf_in(
            locale,
            k::DATE_DAY_TIME,
            &[("date", &day_in(locale, y, m, d)), ("time", time)],
        ),
        _ => rfc3339.to_string(),
    }
}

/// `date_time_in` the current language.
pub fn date_time(rfc3339: &str) -> String {
    date_time_in(locale(), rfc3339)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hans() -> Locale {
        Locale::ALL[0]
    }
    fn hant() -> Locale {
        Locale::from_tag("zh-Hant").unwrap()
    }
    fn en() -> Locale {
        Locale::from_tag("en").unwrap()
    }

    #[test]
    fn counts_over_999_are_grouped() {
        for (n, grouped) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (1997, "1,997"),
            (123456, "123,456"),
            (1234567, "1,234,567"),
        ] {
            assert_eq!(count_in(en(), n), grouped);
            assert_eq!(count_in(hans(), n), grouped);
        }
    }

    #[test]
    fn days_read_as_each_language_writes_them() {
        assert_eq!(date_in(hans(), "2026-12-20"), "2026年12月20日");
        assert_eq!(date_in(hant(), "2026-12-20"), "2026年12月20日");
        assert_eq!(date_in(en(), "2026-12-20"), "20 December 2026");
        assert_eq!(date_in(hans(), "2027-01-04"), "2027年1月4日");
        assert_eq!(date_in(en(), "2027-01-04"), "4 January 2027");
    }

    #[test]
    fn moments_read_to_the_minute() {
        let at = "2026-12-07T10:30:59+08:00";
        assert_eq!(date_time_in(hans(), at), "2026年12月7日 10:30");
        assert_eq!(date_time_in(hant(), at), "2026年12月7日 10:30");
        assert_eq!(date_time_in(en(), at), "7 December 2026, 10:30");
        assert_eq!(
            date_time_in(en(), "2026-05-01T08:05:00Z"),
            "1 May 2026, 08:05"
        );
    }

    #[test]
    fn anything_else_is_shown_as_it_came() {
        for odd in [
            "",
            "2026-12",
            "2026-13-01",
            "2026-12-00",
            "2026/12/07",
            "20x6-12-07",
            "2026-12-07 extra",
            "明天",
        ] {
            assert_eq!(date_in(en(), odd), odd);
        }
        for odd in ["2026-12-07", "2026-12-07 10:30", "2026-12-07T10", "日期"] {
            assert_eq!(date_time_in(en(), odd), odd);
        }
    }
}
