//! The languages of the interface, and how language tags choose one: the portal reads the
//! browser's (`navigator.languages`) on a first visit, the API a request's `?lang=` or
//! `Accept-Language`. Both go through `Language::of_tag`, so they agree.
//!
//! The catalogue's own texts exist in Simplified and, converted on the server, Traditional;
//! there is no English catalogue, so an English interface shows them in Simplified
//! (`Language::catalogue`).

/// A language of the interface: `app/locales/{tag}.toml`, and `kiosk::LANGUAGES`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Language {
    /// 简体中文, the reference.
    ZhHans,
    /// 繁體中文, for readers from Hong Kong and Macao.
    ZhHant,
    En,
}

/// The query parameter that names the language of an answer, ahead of `Accept-Language`.
pub const LANG_PARAM: &str = "lang";

impl Language {
    pub const ALL: [Language; 3] = [Language::ZhHans, Language::ZhHant, Language::En];

    pub fn tag(self) -> &'static str {
        match self {
            Language::ZhHans => "zh-Hans",
            Language::ZhHant => "zh-Hant",
            Language::En => "en",
        }
    }

    /// One of our own tags exactly (in any case), as `?lang=` takes them.
    pub fn parse(tag: &str) -> Option<Language> {
        Language::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(tag))
    }

    /// The language a BCP 47 tag asks for: Chinese in Traditional script (`zh-Hant…`, or
    /// of Taiwan, Hong Kong or Macao when the script is not given) → `ZhHant`; any other
    /// Chinese → `ZhHans`; any English → `En`; anything else `None`.
    pub fn of_tag(tag: &str) -> Option<Language> {
        let tag = tag.trim().replace('_', "-").to_ascii_lowercase();
        let mut parts = tag.split('-');
        match parts.next()? {
            "zh" => {
                let mut region_says_hant = false;
                for part in parts {
                    match part {
                        "hant" => return Some(Language::ZhHant),
                        "hans" => return Some(Language::ZhHans),
                        "tw" | "hk" | "mo" => region_says_hant = true,
                        _ => {}
                    }
                }
                Some(if region_says_hant {
                    Language::ZhHant
                } else {
                    Language::ZhHans
                })
            }
            "en" => Some(Language::En),
            _ => None,
        }
    }

    /// The first of `tags` (most preferred first, as `navigator.languages` lists them) that
    /// we have, else Simplified Chinese.
    pub fn first_of<'a>(tags: impl IntoIterator<Item = &'a str>) -> Language {
        tags.into_iter()
            .find_map(Language::of_tag)
            .unwrap_or(Language::ZhHans)
    }

    /// The language an `Accept-Language` header prefers among ours: the highest q-value
    /// (the earlier of equals), never one of `q=0`; `None` when it names none of them.
    /// A malformed entry is passed over, as browsers send nothing better to fall back on.
    pub fn from_accept_language(header: &str) -> Option<Language> {
        let mut best: Option<(Language, u16)> = None;
        for entry in header.split(',') {
            let mut parts = entry.split(';');
            let Some(language) = parts.next().and_then(Language::of_tag) else {
                continue;
            };
            let mut weight = Some(1000);
            for param in parts {
                if let Some((name, value)) = param.split_once('=') {
                    if name.trim().eq_ignore_ascii_case("q") {
                        weight = q_value(value.trim());
                    }
                }
            }
            match weight {
                Some(w) if w > 0 && best.is_none_or(|(_, b)| w > b) => best = Some((language, w)),
                _ => {}
            }
        }
        best.map(|(l, _)| l)
    }

    /// The language the catalogue's own texts are served in for this interface language.
    pub fn catalogue(self) -> Language {
        match self {
            Language::ZhHant => Language::ZhHant,
            Language::ZhHans | Language::En => Language::ZhHans,
        }
    }
}

/// A q-value (`0`, `0.5`, `1.000`) in thousandths; `None` when it is not one.
fn q_value(s: &str) -> Option<u16> {
    let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
    if fraction.len() > 3 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_choose_a_script() {
        for (tag, expected) in [
            ("zh-TW", Some(Language::ZhHant)),
            ("zh-HK", Some(Language::ZhHant)),
            ("zh-mo", Some(Language::ZhHant)),
            ("zh-Hant", Some(Language::ZhHant)),
            ("zh-Hant-CN", Some(Language::ZhHant)),
            ("zh_HK", Some(Language::ZhHant)),
            ("zh-Hans-HK", Some(Language::ZhHans)),
            ("zh", Some(Language::ZhHans)),
            ("zh-CN", Some(Language::ZhHans)),
            ("zh-SG", Some(Language::ZhHans)),
            ("en", Some(Language::En)),
            ("en-GB", Some(Language::En)),
            ("fr-FR", None),
            ("*", None),
            ("", None),
        ] {
            assert_eq!(Language::of_tag(tag), expected, "{tag}");
        }
    }

    #[test]
    fn a_browser_gets_its_first_language_we_have() {
        assert_eq!(Language::first_of(["fr", "zh-HK", "en"]), Language::ZhHant);
        assert_eq!(Language::first_of(["ja", "en-US"]), Language::En);
        assert_eq!(Language::first_of(["ja"]), Language::ZhHans);
        assert_eq!(Language::first_of([]), Language::ZhHans);
    }

    #[test]
    fn accept_language_is_read_by_q_value() {
        let of = Language::from_accept_language;
        assert_eq!(of("zh-HK"), Some(Language::ZhHant));
        assert_eq!(of("en-US,en;q=0.9"), Some(Language::En));
        assert_eq!(of("fr;q=1, en;q=0.4, zh-TW;q=0.8"), Some(Language::ZhHant));
        assert_eq!(of("zh-CN;q=0.5, zh-TW;q=0.5"), Some(Language::ZhHans));
        assert_eq!(of("zh-TW;q=0, en;q=0.1"), Some(Language::En));
        assert_eq!(of("zh-TW;q=2, en;q=0.1"), Some(Language::En));
        assert_eq!(of("de, *;q=0.1"), None);
        assert_eq!(of(""), None);
    }

    #[test]
    fn the_query_takes_our_tags_only() {
        assert_eq!(Language::parse("zh-hant"), Some(Language::ZhHant));
        assert_eq!(Language::parse("zh-TW"), None);
        assert_eq!(Language::En.catalogue(), Language::ZhHans);
        let tags: Vec<&str> = Language::ALL.iter().map(|l| l.tag()).collect();
        assert_eq!(tags, crate::kiosk::LANGUAGES);
    }
}
