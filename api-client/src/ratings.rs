//! The five-level service rating (好差评): rating a completed case, the rectification (整改)
//! a poor rating opens, the kiosk's rating of a visit (一次一评), and the satisfaction
//! statistics. `validate_rating` is the one check, run by the bundles and by the server.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::deadline::Deadline;
use crate::text::{self, Lines, TextAreas};
use crate::{FieldError, ServiceName};

/// The longest comment, explanation or account of action taken (characters).
pub const MAX_COMMENT_CHARS: usize = 500;
pub const MAX_ANSWER_CHARS: usize = 2000;

/// The national five levels, 5 = 非常满意 … 1 = 非常不满意.
pub const LEVELS: [u8; 5] = [5, 4, 3, 2, 1];
pub const MIN_LEVEL: u8 = 1;
pub const MAX_LEVEL: u8 = 5;
/// The most tags a rating may carry (each tag there is).
pub const MAX_TAGS: usize = PRAISE_TAGS.len() + FAULT_TAGS.len();

impl TextAreas for RatingRequest {
    const TEXT_AREAS: &'static [&'static str] = &["comment"];
}
impl TextAreas for VisitRatingRequest {
    const TEXT_AREAS: &'static [&'static str] = &[];
}
impl TextAreas for RectificationAnswer {
    const TEXT_AREAS: &'static [&'static str] = &["explanation", "action_taken"];
}
impl TextAreas for crate::HandlingRatingRequest {
    const TEXT_AREAS: &'static [&'static str] = &["comment"];
}

/// Levels at or below this are poor (不满意, 非常不满意) and open a rectification item.
pub const POOR_AT_MOST: u8 = 2;

/// Whether `level` is a poor rating.
pub fn is_poor(level: u8) -> bool {
    (1..=POOR_AT_MOST).contains(&level)
}

/// Levels counted as satisfied in the satisfaction rate (基本满意 and above).
pub fn is_satisfied(level: u8) -> bool {
    (3..=5).contains(&level)
}

/// Reason tags a rating may carry: praise for good ratings, faults for the others.
pub const PRAISE_TAGS: [&str; 5] = [
    "efficient",
    "friendly",
    "one_visit",
    "clear_guidance",
    "convenient_online",
];
pub const FAULT_TAGS: [&str; 6] = [
    "slow",
    "unfriendly",
    "too_many_materials",
    "repeated_visits",
    "unclear_guidance",
    "unreasonable_fees",
];

/// The tags offered for `level`: praise for 满意 and 非常满意, faults for the rest.
pub fn tags_for(level: u8) -> &'static [&'static str] {
    if level >= 4 {
        &PRAISE_TAGS
    } else {
        &FAULT_TAGS
    }
}

/// `POST /cases/{number}/rating`: the applicant's rating of a completed case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RatingRequest {
    /// The case's query code.
    pub c: String,
    /// 1–5 (5 = 非常满意).
    pub level: u8,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// 整改: what a poor rating obliges staff to answer, and their answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Rectification {
    /// `YYYY-MM-DD`: staff must answer by this working day.
    pub due_date: String,
    /// The light of the due date while unanswered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
    pub answered: bool,
    /// 情况说明
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// 整改措施
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_taken: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<String>,
}

/// A case's rating, as the applicant sees it on the track page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RatingView {
    pub level: u8,
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// RFC 3339 in China Standard Time.
    pub rated_at: String,
    /// Present for a poor rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rectification: Option<Rectification>,
}

/// `POST /visit-ratings`: the kiosk's quick rating of a visit (一次一评) at the end of a session,
/// sent by a registered kiosk (its device cookie) for the visit it started.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VisitRatingRequest {
    /// The id `POST /kiosk/visits` gave when the session began; rated once.
    pub visit: String,
    pub level: u8,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// 201 answer to `POST /visit-ratings`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VisitRated {
    pub rated_at: String,
}

/// 201 answer to `POST /kiosk/visits`: a visitor's session began at a registered kiosk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VisitStarted {
    /// The visit's id (random), kept in the kiosk page's memory and sent with its rating.
    pub visit: String,
    /// RFC 3339 in China Standard Time: after this the visit can no longer be rated.
    pub expires_at: String,
}

/// `GET /staff/rectifications`: one page of the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RectificationPage {
    pub items: Vec<StaffRectification>,
    /// How many the whole list holds.
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// `POST /staff/cases/{number}/rectification`: staff's answer to a poor rating.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RectificationAnswer {
    pub explanation: String,
    pub action_taken: String,
}

/// One rectification item on the staff list (`GET /staff/rectifications`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StaffRectification {
    pub acceptance_number: String,
    pub service: ServiceName,
    pub level: u8,
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub rated_at: String,
    pub rectification: Rectification,
}

/// Counts per level: `counts[0]` is level 1 (非常不满意) … `counts[4]` level 5 (非常满意).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LevelCounts {
    pub counts: [u32; 5],
    pub total: u32,
    /// Share of ratings at 基本满意 or above, 0–1; absent without ratings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction_rate: Option<f64>,
}

impl LevelCounts {
    pub fn add(&mut self, level: u8) {
        if (1..=5).contains(&level) {
            self.counts[usize::from(level - 1)] += 1;
            self.total += 1;
            let satisfied: u32 = (3..=5).map(|l| self.counts[l - 1]).sum();
            self.satisfaction_rate = Some(f64::from(satisfied) / f64::from(self.total));
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DepartmentSatisfaction {
    /// The department's code.
    pub department: String,
    pub name: String,
    #[serde(flatten)]
    pub levels: LevelCounts,
}

/// `GET /stats/satisfaction?department=&from=&to=`: ratings of cases per department, and of
/// kiosk visits, rated within the period (China Standard Time days, both ends included).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SatisfactionStats {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    pub departments: Vec<DepartmentSatisfaction>,
    /// Every case rating of the period (of the department, when one is asked for).
    pub overall: LevelCounts,
    /// The kiosk's visit ratings of the period (not tied to a department).
    pub visits: LevelCounts,
}

/// Problems of a level, tags and comment, each naming its field (`level`, `tags`,
/// `comment`).
pub fn validate_rating(level: u8, tags: &[String], comment: Option<&str>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !(MIN_LEVEL..=MAX_LEVEL).contains(&level) {
        errors.push(FieldError::new(
            "level",
            "out_of_range",
            format!("level must be between {MIN_LEVEL} and {MAX_LEVEL}"),
        ));
    }
    let known = |t: &str| PRAISE_TAGS.contains(&t) || FAULT_TAGS.contains(&t);
    if tags.len() > MAX_TAGS {
        errors.push(FieldError::new("tags", "too_many", "too many tags"));
    } else if let Some(p) = tags
        .iter()
        .find_map(|t| text::problem("tags", t, Lines::Single))
    {
        errors.push(p);
    } else if let Some(bad) = tags.iter().find(|t| !known(t)) {
        errors.push(FieldError::new(
            "tags",
            "unknown",
            format!("unknown tag `{}`", bad.chars().take(40).collect::<String>()),
        ));
    }
    if let Some(p) = comment.and_then(|c| text::problem("comment", c, Lines::Multi)) {
        errors.push(p);
    } else if comment.is_some_and(|c| c.trim().chars().count() > MAX_COMMENT_CHARS) {
        errors.push(FieldError::new(
            "comment",
            "too_long",
            format!("the comment may have at most {MAX_COMMENT_CHARS} characters"),
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_checked() {
        assert!(validate_rating(5, &["efficient".into()], Some("很好")).is_empty());
        let f = |l, t: &[&str], c: Option<&str>| {
            validate_rating(l, &t.iter().map(|s| s.to_string()).collect::<Vec<_>>(), c)
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(f(0, &[], None), vec!["level"]);
        assert_eq!(f(6, &["nope"], None), vec!["level", "tags"]);
        assert_eq!(
            f(3, &[], Some(&"字".repeat(MAX_COMMENT_CHARS + 1))),
            vec!["comment"]
        );
        assert!(is_poor(1) && is_poor(2) && !is_poor(3));
        assert_eq!(f(5, &["efficient\u{0}"], None), vec!["tags"]);
        assert_eq!(f(5, &[], Some("好\u{1b}")), vec!["comment"]);
        assert!(f(5, &[], Some("好\r\n很好\t")).is_empty());
    }

    #[test]
    fn counts_and_rates() {
        let mut c = LevelCounts::default();
        for l in [5, 5, 3, 2, 1] {
            c.add(l);
        }
        assert_eq!(c.counts, [1, 1, 1, 0, 2]);
        assert_eq!(c.total, 5);
        assert_eq!(c.satisfaction_rate, Some(0.6));
    }
}
