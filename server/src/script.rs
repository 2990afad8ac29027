//! Chinese scripts. The catalogue is written in Simplified; readers from Hong Kong and Macao
//! read it in Traditional with Hong Kong's standard character forms (OpenCC's `s2hk`, as the
//! interface's `zh-Hant.toml` writes them), and a search typed in Traditional is read in
//! Simplified (`hk2s`, which takes the Hong Kong forms and the common ones alike) to match
//! the catalogue. The dictionaries are OpenCC's (Apache-2.0), compiled into the binary by
//! `ferrous-opencc`; each converter is built once, on first use.

use std::sync::OnceLock;

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
