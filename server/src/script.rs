//! Chinese scripts. The catalogue is written in Simplified; readers from Hong Kong and Macao
//! read it in Traditional with Hong Kong's standard character forms (OpenCC's `s2hk`, as the
//! interface's `zh-Hant.toml` writes them), and a search typed in Traditional is read in
//! Simplified (`hk2s`, which takes the Hong Kong forms and the common ones alike) to match
//! the catalogue. The dictionaries are OpenCC's (Apache-2.0), compiled into the binary by
//! `ferrous-opencc`; each converter is built once, on first use.

use std::sync::OnceLock;

use api_client::Language;
use ferrous_opencc::config::BuiltinConfig;
use ferrous_opencc::OpenCC;

fn converter(cell: &'static OnceLock<OpenCC>, config: BuiltinConfig) -> &'static OpenCC {
    cell.get_or_init(|| {
        // The dictionaries are part of the binary: failing to read them is a broken build,
        // which the unit tests below catch.
        OpenCC::from_config(config).expect("OpenCC's built-in dictionaries load")
    })
}

/// `s` in Traditional Chinese as written in Hong Kong, with corner brackets for quotation
/// marks (「」『』) as Traditional text sets them.
pub fn to_traditional(s: &str) -> String {
    static S2HK: OnceLock<OpenCC> = OnceLock::new();
    converter(&S2HK, BuiltinConfig::S2hk)
        .convert(s)
        .chars()
        .map(|c| match c {
            '“' => '「',
            '”' => '」',
            '‘' => '『',
            '’' => '』',
            c => c,
        })
        .collect()
}

/// Texts written in Simplified (a case's steps and opinions, staff's replies) as a reader of
/// `language` reads them: converted at each answer for a Traditional reader, since nothing
/// stored changes with the reader; left as they are, and nothing spent, for the others.
pub struct Reader(bool);

impl Reader {
    pub fn of(language: Language) -> Reader {
        Reader(language.catalogue() == Language::ZhHant)
    }

    pub fn text(&self, s: &mut String) {
        if self.0 {
            *s = to_traditional(s);
        }
    }

    pub fn opt(&self, s: &mut Option<String>) {
        if let Some(s) = s {
            self.text(s);
        }
    }

    /// A name stored in Simplified that the catalogue may write its own way in Traditional
    /// (`written`, asked only for a Traditional reader); converted when it does not.
    pub fn name(&self, s: &mut String, written: impl FnOnce(&str) -> Option<String>) {
        if self.0 {
            *s = written(s).unwrap_or_else(|| to_traditional(s));
        }
    }
}

/// `s` in Simplified Chinese; text already in Simplified comes back as it was.
pub fn to_simplified(s: &str) -> String {
    static HK2S: OnceLock<OpenCC> = OnceLock::new();
    converter(&HK2S, BuiltinConfig::Hk2s).convert(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simplified_reads_in_hong_kong_traditional() {
        assert_eq!(to_traditional("居住证办理"), "居住證辦理");
        assert_eq!(
            to_traditional("“港澳居民来往内地通行证”说明"),
            "「港澳居民來往內地通行證」説明"
        );
        assert_eq!(to_traditional("440113-GA-001 (020)"), "440113-GA-001 (020)");
    }

    #[test]
    fn only_a_traditional_reader_gets_the_text_converted() {
        for (language, expected) in [
            (Language::ZhHant, "補正告知"),
            (Language::ZhHans, "补正告知"),
            (Language::En, "补正告知"),
        ] {
            let mut s = "补正告知".to_string();
            Reader::of(language).text(&mut s);
            assert_eq!(s, expected, "{language:?}");
        }
        let mut none = None;
        Reader::of(Language::ZhHant).opt(&mut none);
        assert_eq!(none, None);

        let written = |s: &str| (s == "区认证局").then(|| "區認證署".to_string());
        for (language, name, expected) in [
            (Language::ZhHant, "区认证局", "區認證署"),
            (Language::ZhHant, "区其他局", "區其他局"),
            (Language::En, "区认证局", "区认证局"),
        ] {
            let mut s = name.to_string();
            Reader::of(language).name(&mut s, written);
            assert_eq!(s, expected, "{language:?} {name}");
        }
    }

    #[test]
    fn either_script_reads_in_simplified() {
        for (typed, simplified) in [
            ("居住證", "居住证"),
            ("營業執照", "营业执照"),
            ("説明", "说明"),
            ("說明", "说明"),
        ] {
            assert_eq!(to_simplified(typed), simplified, "{typed}");
        }
        for already in ["居住证", "营业执照", "结婚登记", "身份证", "社保", "ID 123"]
        {
            assert_eq!(to_simplified(already), already);
        }
    }
}
