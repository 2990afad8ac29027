//! A kiosk's configuration: what one hall's terminals show and how long they wait. The
//! server reads it from its `--kiosk-config` file (refusing a bad one at start) and serves
//! it at `bundles::KIOSK_CONFIG_PATH`; the kiosk reads it at boot. `validate_kiosk_config`
//! is the one check of the values serde cannot hold to.
//!
//! It never carries a device token: a terminal is enrolled once with an `HttpOnly` cookie
//! (`bundles::KIOSK_ENROL_PAGE`), which no page script can read.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::FieldError;

/// The languages the bundles have texts for (`app/locales/`); the app's tests hold its
/// locale files to this list.
pub const LANGUAGES: [&str; 3] = ["zh-Hans", "zh-Hant", "en"];

pub const DEFAULT_IDLE_SECONDS: u32 = 90;
pub const DEFAULT_COUNTDOWN_SECONDS: u32 = 30;
/// Below this a visitor who stepped aside cannot read the warning and touch the screen.
pub const MIN_COUNTDOWN_SECONDS: u32 = 20;
pub const MAX_COUNTDOWN_SECONDS: u32 = 600;
/// Shorter than this, a visitor reading a guide is interrupted.
pub const MIN_IDLE_SECONDS: u32 = 10;
pub const MAX_IDLE_SECONDS: u32 = 3600;
pub const MAX_HALL_NAME_CHARS: usize = 40;
pub const MAX_DEVICE_ID_CHARS: usize = 64;
/// A hotline: 3 to 20 characters of digits, with single spaces or hyphens between groups
/// (12345, 020-12345678, 400 123 4567).
pub const MIN_HOTLINE_DIGITS: usize = 3;
pub const MAX_HOTLINE_CHARS: usize = 20;

/// `GET /kiosk/config.json`, and the `--kiosk-config` file (TOML) it comes from. A field the
/// file leaves out takes its default; a field it does not know is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct KioskConfig {
    /// The hall's name, shown on the attract screen.
    pub hall_name: String,
    /// This terminal's name in the hall's inventory (letters, digits, `-`, `_`, `.`); may
    /// be empty.
    pub device_id: String,
    /// Seconds without a touch before the countdown starts.
    pub idle_seconds: u32,
    /// Seconds the countdown runs before the session ends (at least 20).
    pub countdown_seconds: u32,
    /// Whether a receipt printer is attached.
    pub printer: bool,
    /// Language tags offered, from `LANGUAGES`; the first is the one every session starts in.
    pub languages: Vec<String>,
    /// The hall's service hotline, shown on the attract screen.
    pub hotline: String,
}

impl Default for KioskConfig {
    fn default() -> Self {
        KioskConfig {
            hall_name: "行政服务中心".into(),
            device_id: String::new(),
            idle_seconds: DEFAULT_IDLE_SECONDS,
            countdown_seconds: DEFAULT_COUNTDOWN_SECONDS,
            printer: false,
            languages: LANGUAGES.iter().map(|l| l.to_string()).collect(),
            hotline: "12345".into(),
        }
    }
}

/// Every field of `c` that is out of bounds, each with its reason.
pub fn validate_kiosk_config(c: &KioskConfig) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut refuse = |field: &str, code: &str, message: String| {
        errors.push(FieldError::new(field, code, message))
    };
    let hall = c.hall_name.trim();
    if hall.is_empty() {
        refuse("hall_name", "required", "the hall's name is needed".into());
    } else if hall.chars().count() > MAX_HALL_NAME_CHARS || hall.chars().any(char::is_control) {
        refuse(
            "hall_name",
            "invalid",
            format!("at most {MAX_HALL_NAME_CHARS} characters, on one line"),
        );
    }
    if c.device_id.chars().count() > MAX_DEVICE_ID_CHARS
        || !c
            .device_id
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
    {
        refuse(
            "device_id",
            "invalid",
            format!("at most {MAX_DEVICE_ID_CHARS} letters, digits, `-`, `_` or `.`"),
        );
    }
    if !(MIN_IDLE_SECONDS..=MAX_IDLE_SECONDS).contains(&c.idle_seconds) {
        refuse(
            "idle_seconds",
            "out_of_range",
            format!("from {MIN_IDLE_SECONDS} to {MAX_IDLE_SECONDS} seconds"),
        );
    }
    if !(MIN_COUNTDOWN_SECONDS..=MAX_COUNTDOWN_SECONDS).contains(&c.countdown_seconds) {
        refuse(
            "countdown_seconds",
            "out_of_range",
            format!("from {MIN_COUNTDOWN_SECONDS} to {MAX_COUNTDOWN_SECONDS} seconds"),
        );
    }
    if c.languages.is_empty() {
        refuse(
            "languages",
            "required",
            format!("at least one of {}", LANGUAGES.join(", ")),
        );
    }
    for (i, tag) in c.languages.iter().enumerate() {
        let field = format!("languages[{i}]");
        if !LANGUAGES.contains(&tag.as_str()) {
            refuse(
                &field,
                "unknown",
                format!("`{tag}` is not one of {}", LANGUAGES.join(", ")),
            );
        } else if c.languages[..i].contains(tag) {
            refuse(&field, "invalid", format!("`{tag}` is listed twice"));
        }
    }
    if !is_hotline(&c.hotline) {
        refuse(
            "hotline",
            "invalid",
            format!(
                "digits in groups split by one space or `-`, {MIN_HOTLINE_DIGITS} to {MAX_HOTLINE_CHARS} characters (12345, 020-12345678)"
            ),
        );
    }
    errors
}

/// Digit groups split by single spaces or hyphens, the whole at most `MAX_HOTLINE_CHARS`.
fn is_hotline(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    s.len() <= MAX_HOTLINE_CHARS
        && digits >= MIN_HOTLINE_DIGITS
        && s.split([' ', '-'])
            .all(|group| !group.is_empty() && group.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(c: &KioskConfig) -> Vec<String> {
        validate_kiosk_config(c)
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(fields(&KioskConfig::default()), Vec::<String>::new());
    }

    #[test]
    fn each_bound_names_its_field() {
        let base = KioskConfig::default();
        let cases: Vec<(KioskConfig, &str)> = vec![
            (
                KioskConfig {
                    countdown_seconds: 19,
                    ..base.clone()
                },
                "countdown_seconds",
            ),
            (
                KioskConfig {
                    countdown_seconds: 601,
                    ..base.clone()
                },
                "countdown_seconds",
            ),
            (
                KioskConfig {
                    idle_seconds: 9,
                    ..base.clone()
                },
                "idle_seconds",
            ),
            (
                KioskConfig {
                    hall_name: "  ".into(),
                    ..base.clone()
                },
                "hall_name",
            ),
            (
                KioskConfig {
                    hall_name: "一\n二".into(),
                    ..base.clone()
                },
                "hall_name",
            ),
            (
                KioskConfig {
                    hall_name: "厅".repeat(41),
                    ..base.clone()
                },
                "hall_name",
            ),
            (
                KioskConfig {
                    device_id: "hall 1".into(),
                    ..base.clone()
                },
                "device_id",
            ),
            (
                KioskConfig {
                    languages: vec![],
                    ..base.clone()
                },
                "languages",
            ),
            (
                KioskConfig {
                    languages: vec!["fr".into()],
                    ..base.clone()
                },
                "languages[0]",
            ),
            (
                KioskConfig {
                    languages: vec!["en".into(), "en".into()],
                    ..base.clone()
                },
                "languages[1]",
            ),
            (
                KioskConfig {
                    hotline: "12".into(),
                    ..base.clone()
                },
                "hotline",
            ),
            (
                KioskConfig {
                    hotline: "call 12345".into(),
                    ..base.clone()
                },
                "hotline",
            ),
            (
                KioskConfig {
                    hotline: "020--1234".into(),
                    ..base.clone()
                },
                "hotline",
            ),
            (
                KioskConfig {
                    hotline: "1".repeat(21),
                    ..base.clone()
                },
                "hotline",
            ),
        ];
        for (config, field) in cases {
            assert_eq!(fields(&config), vec![field.to_string()], "{config:?}");
        }
    }

    #[test]
    fn sensible_values_pass() {
        let c = KioskConfig {
            hall_name: "天河区政务服务中心".into(),
            device_id: "th-1f-03".into(),
            idle_seconds: 10,
            countdown_seconds: 20,
            printer: true,
            languages: vec!["en".into()],
            hotline: "020-12345678".into(),
        };
        assert_eq!(fields(&c), Vec::<String>::new());
        for hotline in ["12345", "400 123 4567", "020-8888-1234"] {
            let c = KioskConfig {
                hotline: hotline.into(),
                ..KioskConfig::default()
            };
            assert!(validate_kiosk_config(&c).is_empty(), "{hotline}");
        }
    }

    #[test]
    fn an_unknown_field_is_refused() {
        let err = serde_json::from_str::<KioskConfig>(r#"{"hall":"x"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `hall`"), "{err}");
        let partial: KioskConfig = serde_json::from_str(r#"{"printer":true}"#).unwrap();
        assert_eq!(
            partial,
            KioskConfig {
                printer: true,
                ..KioskConfig::default()
            }
        );
    }
}
