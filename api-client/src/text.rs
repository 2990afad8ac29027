//! The one rule for characters in text: no control characters. Every text of every request
//! (body fields, query parameters, upload file names) is held to it, by the validators the
//! bundles run and by the server, which also walks every JSON body with `json_problems`
//! before reading it, so that no text it has not checked is ever stored.
//!
//! Refused: the C0 controls U+0000–U+001F, DEL U+007F and the C1 controls U+0080–U+009F
//! (Unicode category Cc: nobody types them, PostgreSQL cannot store U+0000, and a terminal
//! or a log viewer acts on ESC and CSI). A text area (a description, a reply, an opinion, a
//! comment, a textarea answer) also takes tab and line breaks: `\n`, and `\r\n`, which the
//! server stores as `\n`; a lone `\r` is refused. A single-line field takes none of them.

use serde_json::Value;

use crate::FieldError;

/// The error code of a text with a character the rule refuses.
pub const CONTROL_CHARACTER: &str = "control_character";

/// Whether a text may span lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    /// A single-line input: no control character at all.
    Single,
    /// A text area: tab, `\n` and `\r\n` allowed.
    Multi,
}

/// Whether `text` keeps the rule.
pub fn allowed(text: &str, lines: Lines) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_control() {
            continue;
        }
        let ok = lines == Lines::Multi
            && match c {
                '\t' | '\n' => true,
                '\r' => chars.peek() == Some(&'\n'),
                _ => false,
            };
        if !ok {
            return false;
        }
    }
    true
}

/// The problem of `text` at `field`, if it breaks the rule.
pub fn problem(field: &str, text: &str, lines: Lines) -> Option<FieldError> {
    (!allowed(text, lines))
        .then(|| FieldError::new(field, CONTROL_CHARACTER, message(field, lines)))
}

/// What a refusal says (naming the field, never quoting the text).
pub fn message(field: &str, lines: Lines) -> String {
    match lines {
        Lines::Single => {
            format!("{field} may not hold control characters, tabs or line breaks")
        }
        Lines::Multi => {
            format!("{field} may not hold control characters (tabs and line breaks are fine)")
        }
    }
}

/// `text` with every `\r\n` as `\n`.
pub fn normalise_newlines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// The fields of a request type that are text areas, as paths: `description`,
/// `items[].note` (any element), `answers.*` (any key, and anything below it). Every other
/// text of the request is single-line.
pub trait TextAreas {
    const TEXT_AREAS: &'static [&'static str];
}

/// The most problems `json_problems` reports: one request, not a flood.
pub const MAX_REPORTED: usize = 20;

/// One step of a path into a JSON value.
enum Step<'a> {
    Key(&'a str),
    Index,
}

/// Whether the concrete `path` is one of `patterns` (see `TextAreas`).
fn is_text_area(patterns: &[&str], path: &[(Step<'_>, usize)]) -> bool {
    patterns.iter().any(|pattern| {
        let parts: Vec<&str> = pattern.split('.').collect();
        let mut steps = path.iter().map(|(step, _)| step);
        for (n, part) in parts.iter().enumerate() {
            if *part == "*" && n + 1 == parts.len() {
                // A final `*`: any key, and anything below it.
                return matches!(steps.next(), Some(Step::Key(_)));
            }
            let (name, indices) = match part.find("[]") {
                Some(i) => (&part[..i], part[i..].len() / 2),
                None => (*part, 0),
            };
            match steps.next() {
                Some(Step::Key(k)) if name == "*" || *k == name => {}
                _ => return false,
            }
            for _ in 0..indices {
                if !matches!(steps.next(), Some(Step::Index)) {
                    return false;
                }
            }
        }
        steps.next().is_none()
    })
}

/// The field name of `path` as the validators and serde name it: `items[0].name`,
/// `answers.why`; `body` for the root.
fn field_name(path: &[(Step<'_>, usize)]) -> String {
    let mut out = String::new();
    for (step, i) in path {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() {
        "body".into()
    } else {
        out
    }
}

/// Every string of `value` (object keys included) that breaks the rule, each naming its
/// field (a bad key is reported on the object that holds it), at most `MAX_REPORTED`; and
/// `\r\n` made `\n` in the text areas named by `text_areas`.
pub fn json_problems(value: &mut Value, text_areas: &[&str]) -> Vec<FieldError> {
    let mut out = Vec::new();
    walk(value, text_areas, &mut Vec::new(), &mut out);
    out
}

fn walk<'a>(
    value: &'a mut Value,
    text_areas: &[&str],
    path: &mut Vec<(Step<'a>, usize)>,
    out: &mut Vec<FieldError>,
) {
    if out.len() >= MAX_REPORTED {
        return;
    }
    match value {
        Value::String(s) => {
            let lines = if is_text_area(text_areas, path) {
                Lines::Multi
            } else {
                Lines::Single
            };
            if let Some(p) = problem(&field_name(path), s, lines) {
                out.push(p);
            } else if lines == Lines::Multi && s.contains('\r') {
                *s = normalise_newlines(s);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push((Step::Index, i));
                walk(item, text_areas, path, out);
                path.pop();
            }
        }
        Value::Object(map) => {
            if map.keys().any(|k| !allowed(k, Lines::Single)) {
                let field = field_name(path);
                out.push(FieldError::new(
                    field.clone(),
                    CONTROL_CHARACTER,
                    format!("the keys of {field} may not hold control characters"),
                ));
                return;
            }
            for (k, v) in map.iter_mut() {
                path.push((Step::Key(k.as_str()), 0));
                walk(v, text_areas, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn control_characters_are_refused_except_line_breaks_in_text_areas() {
        for bad in [
            "a\u{0}b",
            "\u{1b}[2J",
            "bell\u{7}",
            "del\u{7f}",
            "csi\u{9b}",
        ] {
            assert!(!allowed(bad, Lines::Single), "{bad:?}");
            assert!(!allowed(bad, Lines::Multi), "{bad:?}");
        }
        for breaks in ["a\tb", "one\ntwo", "one\r\ntwo"] {
            assert!(!allowed(breaks, Lines::Single), "{breaks:?}");
            assert!(allowed(breaks, Lines::Multi), "{breaks:?}");
        }
        assert!(!allowed("lone\rcarriage return", Lines::Multi));
        assert!(allowed("张三 · 窗口\u{3000}３号", Lines::Single));
        let p = problem("description", "x\u{0}", Lines::Multi).unwrap();
        assert_eq!(
            (p.field.as_str(), p.code.as_str()),
            ("description", CONTROL_CHARACTER)
        );
    }

    fn fields(value: Value, areas: &[&str]) -> (Vec<String>, Value) {
        let mut value = value;
        let found = json_problems(&mut value, areas)
            .into_iter()
            .map(|e| e.field)
            .collect();
        (found, value)
    }

    #[test]
    fn json_bodies_are_walked_and_name_the_path() {
        let areas = ["description", "items[].note", "answers.*"];
        let (found, _) = fields(
            json!({
                "description": "ok\r\nfine\tnow",
                "subject": {"ref": "a\nb"},
                "items": [{"name": "x", "note": "a\nb"}, {"name": "\u{7}", "note": "\u{0}"}],
                "answers": {"long": "l1\nl2", "list": ["a\u{1b}"]},
                "materials": {"bad\u{0}key": []},
                "level": 3
            }),
            &areas,
        );
        assert_eq!(
            found,
            vec![
                "subject.ref",
                "items[1].name",
                "items[1].note",
                "answers.list[0]",
                "materials"
            ]
        );
        let (found, value) = fields(json!({"description": "a\r\nb", "other": "c"}), &areas);
        assert!(found.is_empty());
        assert_eq!(value["description"], "a\nb");
        assert_eq!(fields(json!({"x": "\u{0}"}), &[]).0, vec!["x"]);
        let many: Vec<Value> = (0..100).map(|_| json!("\u{0}")).collect();
        assert_eq!(fields(json!({ "many": many }), &[]).0.len(), MAX_REPORTED);
    }
}
