//! The five-level rating (好差评).
//!
//! - `stored`: a case's rating as stored, with its rectification columns.
//! - `case_ratings`: the applicant's one rating of a completed case, and how it shows on
//!   the track page (`CaseView.rating`).
//! - `rectification`: the item a poor rating opens (整改), due in working days, and staff's
//!   answer to it.
//! - `visits`: a registered kiosk's quick, anonymous rating of a visit (一次一评), once.
//! - `stats`: satisfaction per department over a period.

pub mod case_ratings;
pub mod rectification;
pub mod stats;
pub mod stored;
pub mod visits;

/// `tags` without repeats, in their order (a tag counts once however often it is sent).
pub fn distinct_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags.iter().map(|t| t.trim()) {
        if !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    out
}

/// A comment as stored: trimmed, none when empty.
pub fn comment(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_comments_are_tidied() {
        let tags: Vec<String> = ["slow", " slow", "unfriendly", "slow"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(distinct_tags(&tags), ["slow", "unfriendly"]);
        assert_eq!(comment(Some("  ")), None);
        assert_eq!(comment(Some(" 很好 ")).as_deref(), Some("很好"));
        assert_eq!(comment(None), None);
    }
}
