//! Identifier checks shared by the bundles (typed input is checked before any request) and
//! the server (which never trusts the client): resident ID numbers (GB 11643), unified
//! social credit codes (GB 32100), mainland mobile numbers, acceptance numbers and query codes.

use std::fmt;

/// ISO 7064 MOD 11-2 check character over a string of digits (GB 11643 and our acceptance
/// numbers use it).
pub fn mod11_2(digits: &str) -> Option<char> {
    let mut sum: u32 = 0;
    for c in digits.chars() {
        let d = c.to_digit(10)?;
        sum = (sum * 2 + d) % 11;
    }
    let check = (12 - (sum * 2) % 11) % 11;
    Some(if check == 10 {
        'X'
    } else {
        char::from_digit(check, 10).unwrap()
    })
}

/// An 18-character resident ID number (GB 11643): 17 digits, a valid birth date, and the
/// MOD 11-2 check character (digit or X).
pub fn resident_id_valid(id: &str) -> bool {
    let id = id.trim().to_ascii_uppercase();
    if id.len() != 18 || !id.is_ascii() {
        return false;
    }
    let (body, check) = id.split_at(17);
    if !body.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let year: u32 = body[6..10].parse().unwrap_or(0);
    let month: u32 = body[10..12].parse().unwrap_or(0);
    let day: u32 = body[12..14].parse().unwrap_or(0);
    if !(1850..=2100).contains(&year)
        || !days_in_month(year, month).is_some_and(|days| (1..=days).contains(&day))
    {
        return false;
    }
    mod11_2(body).map(|c| c.to_string()) == Some(check.to_string())
}

/// The days of `month` (1–12) in `year` of the Gregorian calendar; `None` for a month that
/// does not exist. The one calendar rule of the crate: birth dates and date answers use it.
pub(crate) fn days_in_month(year: u32, month: u32) -> Option<u32> {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => Some(29),
        2 => Some(28),
        4 | 6 | 9 | 11 => Some(30),
        1 | 3 | 5 | 7 | 8 | 10 | 12 => Some(31),
        _ => None,
    }
}

/// The 31 characters of GB 32100 (no I, O, S, V, Z), in value order.
const USCC_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// An 18-character unified social credit code (GB 32100) with its check character.
pub fn uscc_valid(code: &str) -> bool {
    let code = code.trim().to_ascii_uppercase();
    if code.chars().count() != 18 {
        return false;
    }
    let values: Option<Vec<u32>> = code
        .chars()
        .map(|c| USCC_CHARS.find(c).map(|v| v as u32))
        .collect();
    let Some(values) = values else { return false };
    let sum: u32 = values[..17]
        .iter()
        .zip(USCC_WEIGHTS)
        .map(|(v, w)| v * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    values[17] == check
}

/// A mainland mobile number: 11 digits starting 13–19 (an optional +86 / 86 prefix and
/// spaces or hyphens are tolerated).
pub fn mobile_valid(mobile: &str) -> bool {
    normalise_mobile(mobile).is_some()
}

/// The 11 digits of a mainland mobile number, or `None`.
pub fn normalise_mobile(mobile: &str) -> Option<String> {
    let digits: String = mobile.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = digits
        .strip_prefix("+86")
        .or_else(|| digits.strip_prefix("86").filter(|d| d.len() == 11))
        .unwrap_or(&digits);
    let ok = digits.len() == 11
        && digits.chars().all(|c| c.is_ascii_digit())
        && digits.starts_with('1')
        && matches!(digits.as_bytes()[1], b'3'..=b'9');
    ok.then(|| digits.to_string())
}

/// A plausible e-mail address: one `@`, a non-empty local part and a dotted domain.
pub fn email_valid(email: &str) -> bool {
    let email = email.trim();
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
        && email.len() <= 254
}

/// A name shown on receipts and progress pages: the first and last character kept, the
/// middle masked (张*三, 李*, 广州某某有限公司 → 广*******司).
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// The alphabet of query codes: no 0/O, 1/I/L, so a code read aloud or from paper is typed right.
pub const QUERY_CODE_ALPHABET: &str = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
pub const QUERY_CODE_LEN: usize = 6;

/// The query code as typed (spaces dropped, upper-cased), if it can be one.
pub fn normalise_query_code(code: &str) -> Option<String> {
    let c: String = code
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    (c.chars().count() == QUERY_CODE_LEN && c.chars().all(|ch| QUERY_CODE_ALPHABET.contains(ch)))
        .then_some(c)
}

/// The spaces `normalise_query_code` and `uscc_valid` drop around or inside a code, as a
/// regular-expression class body: Unicode White_Space without the control characters, which
/// no text may hold (`crate::text`).
const SPACES: &str = r" \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// The characters of `alphabet` in either case, as a regular-expression class body.
fn either_case(alphabet: &str) -> String {
    alphabet
        .chars()
        .flat_map(|c| [c, c.to_ascii_lowercase()])
        .fold(String::new(), |mut out, c| {
            if !out.contains(c) {
                out.push(c);
            }
            out
        })
}

/// What `normalise_query_code` accepts, as an ECMA-262 pattern (for the OpenAPI document).
pub fn query_code_pattern() -> String {
    let code = either_case(QUERY_CODE_ALPHABET);
    format!("^[{SPACES}]*(?:[{code}][{SPACES}]*){{{QUERY_CODE_LEN}}}$")
}

/// The separators `AcceptanceNumber::parse` drops.
const NUMBER_SEPARATORS: &str = r" \-\u3000";

/// The form `AcceptanceNumber::parse` accepts (the check character aside), as an ECMA-262
/// pattern: 17 digits and a digit or X, with any separators.
pub fn acceptance_number_pattern() -> String {
    let s = NUMBER_SEPARATORS;
    format!("^[{s}]*(?:[0-9][{s}]*){{17}}[0-9Xx][{s}]*$")
}

/// An acceptance or complaint number as the server writes it: 18 characters, no separators.
pub const COMPACT_NUMBER_PATTERN: &str = "^[0-9]{17}[0-9X]$";

/// What `mobile_valid` accepts, as an ECMA-262 pattern.
pub fn mobile_pattern() -> String {
    let s = r"[ \-]*";
    format!(r"^{s}(?:\+{s}8{s}6{s}|8{s}6{s})?1{s}[3-9](?:{s}[0-9]){{9}}{s}$")
}

/// The form `uscc_valid` accepts (the check character aside), as an ECMA-262 pattern.
pub fn uscc_pattern() -> String {
    let chars = either_case(USCC_CHARS);
    format!("^[{SPACES}]*[{chars}]{{18}}[{SPACES}]*$")
}

/// The lengths of an `Idempotency-Key`.
pub const IDEMPOTENCY_KEY_CHARS: std::ops::RangeInclusive<usize> = 8..=100;

/// An `Idempotency-Key`: 8–100 letters, digits, `_` and `-` (a UUID fits).
pub fn idempotency_key_valid(key: &str) -> bool {
    IDEMPOTENCY_KEY_CHARS.contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `idempotency_key_valid` as an ECMA-262 pattern.
pub fn idempotency_key_pattern() -> String {
    format!(
        "^[A-Za-z0-9_-]{{{},{}}}$",
        IDEMPOTENCY_KEY_CHARS.start(),
        IDEMPOTENCY_KEY_CHARS.end()
    )
}

/// An acceptance number (受理号): region code (6 digits) + date YYMMDD + sequence (5 digits)
/// + ISO 7064 MOD 11-2 check character. Shown grouped: `440113-261122-00017-8`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AcceptanceNumber(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcceptanceNumberError {
    /// Not 18 characters of digits and a final digit or X.
    Format,
    /// Well formed, but the check character does not match: a typo.
    Check,
}

impl AcceptanceNumber {
    /// Builds a number from its parts, computing the check character.
    pub fn new(region: &str, yymmdd: &str, sequence: u32) -> Option<Self> {
        let body = format!("{region}{yymmdd}{sequence:05}");
        if body.len() != 17 || region.len() != 6 || yymmdd.len() != 6 {
            return None;
        }
        let check = mod11_2(&body)?;
        Some(AcceptanceNumber(format!("{body}{check}")))
    }

    /// Accepts a number with or without spaces or hyphens, in either case.
    pub fn parse(s: &str) -> Result<Self, AcceptanceNumberError> {
        let compact: String = s
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}'))
            .collect::<String>()
            .to_ascii_uppercase();
        if compact.len() != 18 || !compact.is_ascii() {
            return Err(AcceptanceNumberError::Format);
        }
        let (body, check) = compact.split_at(17);
        if !body.chars().all(|c| c.is_ascii_digit())
            || !(check.chars().all(|c| c.is_ascii_digit() || c == 'X'))
        {
            return Err(AcceptanceNumberError::Format);
        }
        if mod11_2(body).map(String::from) != Some(check.to_string()) {
            return Err(AcceptanceNumberError::Check);
        }
        Ok(AcceptanceNumber(compact))
    }

    /// The 18 characters without separators (as in URLs and storage).
    pub fn compact(&self) -> &str {
        &self.0
    }

    /// Grouped for reading: `440113-261122-00017-8`.
    pub fn grouped(&self) -> String {
        let s = &self.0;
        format!("{}-{}-{}-{}", &s[..6], &s[6..12], &s[12..17], &s[17..])
    }
}

impl fmt::Display for AcceptanceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_ids_follow_gb_11643() {
        // The standard's own example and other well-known valid numbers.
        assert!(resident_id_valid("11010519491231002X"));
        assert!(resident_id_valid("440524188001010014"));
        assert!(
            resident_id_valid("11010519491231002x"),
            "lower-case x is accepted"
        );
        assert!(
            !resident_id_valid("110105194912310021"),
            "wrong check character"
        );
        assert!(!resident_id_valid("11010519491331002X"), "month 13");
        assert!(!resident_id_valid("11010519490230002X"), "30 February");
        assert!(!resident_id_valid("1101051949123100"), "too short");
        assert!(
            !resident_id_valid("１１０１０５１９４９１２３１００２Ｘ"),
            "full-width"
        );
    }

    #[test]
    fn unified_social_credit_codes_follow_gb_32100() {
        assert!(uscc_valid("91350100M000100Y43"));
        assert!(uscc_valid("91110000600037341L"));
        assert!(!uscc_valid("91350100M000100Y44"), "wrong check character");
        assert!(
            !uscc_valid("91350100M000100YI3"),
            "I is not in the alphabet"
        );
        assert!(!uscc_valid("91350100M000100Y4"), "17 characters");
    }

    #[test]
    fn mobiles_and_emails() {
        assert!(mobile_valid("13800138000"));
        assert!(mobile_valid("+86 138-0013-8000"));
        assert_eq!(
            normalise_mobile("86 13800138000").as_deref(),
            Some("13800138000")
        );
        assert!(!mobile_valid("12800138000"), "12x is not a mobile prefix");
        assert!(!mobile_valid("1380013800"));
        assert!(email_valid("zhang.san@example.cn"));
        assert!(!email_valid("zhang san@example.cn"));
        assert!(!email_valid("zhang@example"));
    }

    #[test]
    fn acceptance_numbers_catch_typos() {
        let n = AcceptanceNumber::new("440113", "261122", 17).unwrap();
        assert_eq!(n.compact().len(), 18);
        assert_eq!(n.grouped()[..20], *"440113-261122-00017-");
        let typed = n.grouped().to_lowercase().replace('-', " ");
        assert_eq!(AcceptanceNumber::parse(&typed), Ok(n.clone()));
        // Every single-digit typo is caught by the check character.
        let s = n.compact().to_string();
        for i in 0..17 {
            let mut chars: Vec<char> = s.chars().collect();
            chars[i] = if chars[i] == '9' {
                '0'
            } else {
                char::from_digit(chars[i].to_digit(10).unwrap() + 1, 10).unwrap()
            };
            let typo: String = chars.into_iter().collect();
            assert_eq!(
                AcceptanceNumber::parse(&typo),
                Err(AcceptanceNumberError::Check),
                "{typo}"
            );
        }
        assert_eq!(
            AcceptanceNumber::parse("440113-2611"),
            Err(AcceptanceNumberError::Format)
        );
    }

    #[test]
    fn mod11_2_matches_the_standard_example() {
        assert_eq!(mod11_2("11010519491231002"), Some('X'));
        assert_eq!(mod11_2("44052418800101001"), Some('4'));
    }

    #[test]
    fn names_are_masked() {
        assert_eq!(mask_name("张三丰"), "张*丰");
        assert_eq!(mask_name("李四"), "李*");
        assert_eq!(mask_name("欧阳娜娜"), "欧**娜");
        assert_eq!(mask_name("王"), "*");
    }

    #[test]
    fn query_codes_use_the_unambiguous_alphabet() {
        assert_eq!(normalise_query_code(" abc 234 ").as_deref(), Some("ABC234"));
        assert_eq!(normalise_query_code("ABC10O"), None);
        assert_eq!(normalise_query_code("ABCDE"), None);
    }
}
