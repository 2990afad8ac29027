//! Reading catalogue files: JSON with `departments`, `topics`, `synonyms` and `services`.
//! Parse errors and unknown fields are reported with the file, the item code and the field.

use std::collections::BTreeMap;
use std::path::Path;

use api_client::{Audience, ServiceGuide};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct CatalogueFile {
    #[serde(default)]
    pub departments: Vec<DepartmentEntry>,
    #[serde(default)]
    pub topics: Vec<TopicEntry>,
    /// Groups of words that mean the same thing to a searcher (身份证 = 居民身份证).
    #[serde(default)]
    pub synonyms: Option<Vec<Vec<String>>>,
    #[serde(default)]
    pub services: Vec<ServiceGuide>,
    /// Public holidays and make-up working days (调休), which time limits are counted in.
    #[serde(default)]
    pub calendar: CalendarEntry,
}

/// `"calendar": {"holidays": ["2026-01-01", ...], "workdays": ["2026-01-04", ...]}`:
/// days off that would be working days, and weekend days that are working days.
#[derive(Debug, Default, Deserialize)]
pub struct CalendarEntry {
    #[serde(default)]
    pub holidays: Vec<String>,
    #[serde(default)]
    pub workdays: Vec<String>,
}

impl CalendarEntry {
    /// Every listed day with its kind (`holiday` or `workday`), for files that passed `parse`.
    pub fn days(&self) -> impl Iterator<Item = (&str, &'static str)> {
        self.holidays
            .iter()
            .map(|d| (d.as_str(), "holiday"))
            .chain(self.workdays.iter().map(|d| (d.as_str(), "workday")))
    }
}

/// A `YYYY-MM-DD` date of the calendar.
pub fn calendar_date(s: &str) -> Option<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// Problems with a file's calendar: dates that are not real dates, a day listed as both a
/// holiday and a working day, and make-up working days that are not on a weekend.
fn calendar_problems(file: &str, calendar: &CalendarEntry) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut report = |field: String, message: String| {
        problems.push(Problem {
            file: file.into(),
            item: None,
            field,
            message,
        })
    };
    for (list, days) in [
        ("holidays", &calendar.holidays),
        ("workdays", &calendar.workdays),
    ] {
        for (i, day) in days.iter().enumerate() {
            let field = format!("calendar.{list}[{i}]");
            match calendar_date(day) {
                None => report(field, format!("`{day}` is not a date written YYYY-MM-DD")),
                Some(d)
                    if list == "workdays"
                        && !matches!(
                            d.weekday(),
                            time::Weekday::Saturday | time::Weekday::Sunday
                        ) =>
                {
                    report(
                        field,
                        format!(
                            "`{day}` is a {}: a make-up working day (调休) is a Saturday or Sunday",
                            d.weekday()
                        ),
                    )
                }
                Some(_) => {}
            }
        }
    }
    for (i, day) in calendar.workdays.iter().enumerate() {
        if calendar.holidays.contains(day) {
            report(
                format!("calendar.workdays[{i}]"),
                format!("`{day}` is listed both as a holiday and as a working day"),
            );
        }
    }
    problems
}

#[derive(Debug, Deserialize)]
pub struct DepartmentEntry {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
    /// `{"name": "…"}`: the Traditional name, where the conversion reads wrong.
    #[serde(default)]
    pub zh_hant: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub struct TopicEntry {
    pub code: String,
    pub name: String,
    pub audience: Audience,
    /// `{"name": "…"}`: the Traditional name, where the conversion reads wrong.
    #[serde(default)]
    pub zh_hant: BTreeMap<String, String>,
}

/// The files of one import, parsed, each with the name it is reported by.
#[derive(Debug, Default)]
pub struct Batch {
    pub files: Vec<(String, CatalogueFile)>,
}

/// One thing wrong with a catalogue file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// The service code (or department/topic code) the problem is in, when there is one.
    pub item: Option<String>,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(item) = &self.item {
            write!(f, ": item {item}")?;
        }
        write!(f, ": field `{}`: {}", self.field, self.message)
    }
}

/// Every problem found; the import wrote nothing.
#[derive(Debug)]
pub struct Problems(pub Vec<Problem>);

impl std::fmt::Display for Problems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "the catalogue was not imported ({} problems):",
            self.0.len()
        )?;
        for p in &self.0 {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

impl Batch {
    pub fn from_files(paths: &[impl AsRef<Path>]) -> Result<Batch, Problems> {
        let mut batch = Batch::default();
        let mut problems = Vec::new();
        for path in paths {
            let path = path.as_ref();
            let name = path.display().to_string();
            match std::fs::read_to_string(path) {
                Ok(text) => match parse(&name, &text) {
                    Ok(file) => batch.files.push((name, file)),
                    Err(p) => problems.extend(p),
                },
                Err(e) => problems.push(Problem {
                    file: name,
                    item: None,
                    field: "-".into(),
                    message: format!("cannot read the file: {e}"),
                }),
            }
        }
        if problems.is_empty() {
            Ok(batch)
        } else {
            Err(Problems(problems))
        }
    }

    pub fn from_texts(texts: &[(&str, &str)]) -> Result<Batch, Problems> {
        let mut batch = Batch::default();
        let mut problems = Vec::new();
        for (name, text) in texts {
            match parse(name, text) {
                Ok(file) => batch.files.push((name.to_string(), file)),
                Err(p) => problems.extend(p),
            }
        }
        if problems.is_empty() {
            Ok(batch)
        } else {
            Err(Problems(problems))
        }
    }

    pub fn services(&self) -> impl Iterator<Item = (&str, &ServiceGuide)> {
        self.files
            .iter()
            .flat_map(|(f, c)| c.services.iter().map(move |s| (f.as_str(), s)))
    }
}

/// Parses one file strictly: a wrong type names its path, an unknown field is refused.
pub fn parse(file: &str, text: &str) -> Result<CatalogueFile, Vec<Problem>> {
    let raw: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        vec![Problem {
            file: file.into(),
            item: None,
            field: "-".into(),
            message: format!("not valid JSON: {e}"),
        }]
    })?;
    let mut unknown = Vec::new();
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(&raw, &mut track);
    let parsed: Result<CatalogueFile, _> =
        serde_ignored::deserialize(de, |path| unknown.push(path.to_string()));
    match parsed {
        Err(e) => {
            let path = track.path().to_string();
            Err(vec![problem_at(file, &raw, &path, e.to_string())])
        }
        Ok(_) if !unknown.is_empty() => Err(unknown
            .iter()
            .map(|path| problem_at(file, &raw, path, "unknown field (misspelt?)".into()))
            .collect()),
        Ok(parsed) => match calendar_problems(file, &parsed.calendar) {
            problems if !problems.is_empty() => Err(problems),
            _ => Ok(parsed),
        },
    }
}

/// Turns a path such as `services[3].materials[0].copies` or `services.3.materials.0.copies`
/// into the item's code and the field within it.
fn problem_at(file: &str, raw: &serde_json::Value, path: &str, message: String) -> Problem {
    let segments: Vec<String> = path
        .replace('[', ".")
        .replace(']', "")
        .split('.')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if let [list, index, rest @ ..] = segments.as_slice() {
        if let Ok(i) = index.parse::<usize>() {
            let code = raw
                .get(list)
                .and_then(|l| l.get(i))
                .and_then(|item| item.get("code"))
                .and_then(|c| c.as_str())
                .map(|c| c.to_string())
                .unwrap_or_else(|| format!("#{} of {list}", i + 1));
            let field = if rest.is_empty() {
                "-".to_string()
            } else {
                join_path(rest)
            };
            return Problem {
                file: file.into(),
                item: Some(code),
                field,
                message,
            };
        }
    }
    let field = if segments.is_empty() {
        "-".to_string()
    } else {
        join_path(&segments)
    };
    Problem {
        file: file.into(),
        item: None,
        field,
        message,
    }
}

fn join_path(segments: &[String]) -> String {
    let mut out = String::new();
    for s in segments {
        if s.parse::<usize>().is_ok() {
            out.push_str(&format!("[{s}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_type_names_the_item_and_field() {
        let text = r#"{"services": [{"code": "X-0001", "name": 5}]}"#;
        let p = parse("f.json", text).unwrap_err();
        assert_eq!(p[0].item.as_deref(), Some("X-0001"));
        assert_eq!(p[0].field, "name");
    }

    #[test]
    fn an_unknown_field_is_refused_with_its_path() {
        let text = r#"{"departments": [{"code": "d1", "name": "局", "colour": "red"}]}"#;
        let p = parse("f.json", text).unwrap_err();
        assert_eq!(p[0].item.as_deref(), Some("d1"));
        assert_eq!(p[0].field, "colour");
        assert!(p[0].to_string().contains("f.json"));
    }

    #[test]
    fn a_calendar_is_read_and_checked() {
        let ok = parse(
            "c.json",
            r#"{"calendar": {"holidays": ["2026-01-01"], "workdays": ["2026-01-04"]}}"#,
        )
        .unwrap();
        let days: Vec<_> = ok.calendar.days().collect();
        assert_eq!(
            days,
            vec![("2026-01-01", "holiday"), ("2026-01-04", "workday")]
        );

        let text = r#"{"calendar": {"holidays": ["2026-02-30", "2026-01-04", "2026-1-5"], "workdays": ["2026-01-04", "2026-01-05"]}}"#;
        let p = parse("c.json", text).unwrap_err();
        let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
        assert!(
            fields.contains(&"calendar.holidays[0]"),
            "30 February: {p:?}"
        );
        assert!(
            fields.contains(&"calendar.holidays[2]"),
            "no zero padding: {p:?}"
        );
        assert!(
            fields.contains(&"calendar.workdays[0]"),
            "in both lists: {p:?}"
        );
        assert!(
            fields.contains(&"calendar.workdays[1]"),
            "a Monday make-up day: {p:?}"
        );
        assert!(p.iter().all(|p| p.file == "c.json"));

        let p = parse("c.json", r#"{"calendar": {"holiday": []}}"#).unwrap_err();
        assert_eq!(p[0].field, "calendar.holiday");
    }

    #[test]
    fn invalid_json_is_reported_with_the_file() {
        let p = parse("bad.json", "{").unwrap_err();
        assert_eq!(p[0].file, "bad.json");
        assert!(p[0].message.contains("JSON"));
    }
}
