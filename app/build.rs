//! Generates the i18n tables from `locales/*.toml`.
//!
//! `zh-Hans.toml` is the reference: every key it defines becomes a constant in `k`
//! (`[guide] title = "…"` → `k::GUIDE_TITLE`), so a misspelt key is a compile error. Any other
//! file is a further language: drop `xx.toml` into `locales/` and it is offered in the
//! language switcher. Every language must define every key of the reference and no other: a
//! text missing in one language would show the visitor another's, so it does not compile.
//! The reference comes first, then the other Chinese scripts, then the rest by tag.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

const REFERENCE: &str = "zh-Hans";

fn flatten(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(t) => flatten(&key, t, out),
            other => panic!("{key}: expected text, found {other}"),
        }
    }
}

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("locales");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut locales: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("app/locales exists") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        println!("cargo:rerun-if-changed={}", path.display());
        let tag = path.file_stem().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let table: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut flat = BTreeMap::new();
        flatten("", &table, &mut flat);
        for meta in ["meta.name", "meta.lang"] {
            assert!(
                flat.contains_key(meta),
                "{}: `{meta}` is required",
                path.display()
            );
        }
        locales.push((tag, flat));
    }
    let primary = |tag: &str| tag.split('-').next().unwrap_or_default().to_string();
    locales.sort_by_key(|(tag, _)| {
        (
            tag != REFERENCE,
            primary(tag) != primary(REFERENCE),
            tag.clone(),
        )
    });
    assert_eq!(
        locales[0].0, REFERENCE,
        "locales/{REFERENCE}.toml is required"
    );
    let reference = locales[0].1.clone();
    for (tag, flat) in &locales[1..] {
        for key in flat.keys() {
            assert!(
                reference.contains_key(key),
                "locales/{tag}.toml: `{key}` is not in {REFERENCE}.toml"
            );
        }
        let missing: Vec<&String> = reference
            .keys()
            .filter(|k| !flat.contains_key(*k))
            .collect();
        assert!(
            missing.is_empty(),
            "locales/{tag}.toml lacks {} key(s) of {REFERENCE}.toml: {missing:?}",
            missing.len()
        );
    }
    let keys: Vec<&String> = reference
        .keys()
        .filter(|k| !k.starts_with("meta."))
        .collect();

    let variant = |tag: &str| -> String {
        tag.split('-')
            .map(|p| p[..1].to_uppercase() + &p[1..])
            .collect()
    };
    let mut out = String::new();
    writeln!(
        out,
        "/// The languages of the interface; the first is the reference and the default."
    )
    .unwrap();
    writeln!(
        out,
        "#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub enum Locale {{"
    )
    .unwrap();
    for (tag, _) in &locales {
        writeln!(out, "    {},", variant(tag)).unwrap();
    }
    writeln!(out, "}}\n\nimpl Locale {{").unwrap();
    writeln!(
        out,
        "    pub const ALL: [Locale; {}] = [{}];",
        locales.len(),
        locales
            .iter()
            .map(|(t, _)| format!("Locale::{}", variant(t)))
            .collect::<Vec<_>>()
            .join(", ")
    )
    .unwrap();
    for (f, meta) in [
        ("tag", None),
        ("lang", Some("meta.lang")),
        ("native_name", Some("meta.name")),
    ] {
        writeln!(
            out,
            "    pub fn {f}(self) -> &'static str {{\n        match self {{"
        )
        .unwrap();
        for (tag, flat) in &locales {
            let v = meta.map(|m| flat[m].clone()).unwrap_or_else(|| tag.clone());
            writeln!(out, "            Locale::{} => {:?},", variant(tag), v).unwrap();
        }
        writeln!(out, "        }}\n    }}").unwrap();
    }
    writeln!(
        out,
        "    fn table(self) -> &'static [&'static str] {{\n        match self {{"
    )
    .unwrap();
    for (i, (tag, _)) in locales.iter().enumerate() {
        writeln!(out, "            Locale::{} => &TABLE_{i},", variant(tag)).unwrap();
    }
    writeln!(out, "        }}\n    }}\n}}\n").unwrap();
    writeln!(out, "/// A message key; see the constants in `k`.\n#[derive(Clone, Copy, Debug, PartialEq, Eq)]\npub struct Key(u16);\n").unwrap();
    writeln!(out, "/// Every message key, named after its path in the locale files.\npub mod k {{\n    use super::Key;").unwrap();
    for (i, key) in keys.iter().enumerate() {
        writeln!(
            out,
            "    pub const {}: Key = Key({i});",
            key.replace(['.', '-'], "_").to_uppercase()
        )
        .unwrap();
    }
    writeln!(out, "}}\n").unwrap();
    for (i, (_, flat)) in locales.iter().enumerate() {
        writeln!(out, "static TABLE_{i}: [&str; {}] = [", keys.len()).unwrap();
        for key in &keys {
            writeln!(out, "    {:?},", flat[*key]).unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    writeln!(out, "\n/// The text of `key` in `locale`.\npub fn lookup(locale: Locale, key: Key) -> &'static str {{").unwrap();
    writeln!(out, "    locale.table()[key.0 as usize]\n}}").unwrap();
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("i18n.rs");
    std::fs::write(dest, out).unwrap();
}
