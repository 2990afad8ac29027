//! Search over the catalogue, made for Chinese: there are no word boundaries, so a query is
//! split only at spaces and punctuation, and each part matches as a substring (with its
//! synonyms), falling back to character-bigram overlap for phrasings such as 办理营业执照.
//! Every part must match somewhere; the score rewards where it matched, name first.

use std::collections::HashMap;

use api_client::{Audience, ServiceGuide};

use crate::script::to_simplified;

/// Filters that narrow the catalogue before any text matching.
#[derive(Debug, Default, Clone)]
pub struct Filter<'a> {
    pub department: Option<&'a str>,
    pub audience: Option<Audience>,
    pub topic: Option<&'a str>,
}

/// One guide's searchable text, normalised once when the index is built.
struct Doc {
    name: String,
    keywords: Vec<String>,
    department: String,
    materials: String,
    department_code: String,
    audience: Vec<Audience>,
    topics: Vec<String>,
    popularity: u32,
}

pub struct SearchIndex {
    docs: Vec<Doc>,
    /// term → the other terms of its synonym groups
    synonyms: HashMap<String, Vec<String>>,
}

/// Lower-cases and folds full-width ASCII (ＡＢＣ１２３) to half-width.
pub fn normalise(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Words a searcher wraps around the thing they want (我要办理…, …需要什么材料).
const PREFIXES: &[&str] = &[
    "我要办理",
    "我想办理",
    "怎么办理",
    "如何办理",
    "我要",
    "我想",
    "怎么",
    "如何",
    "办理",
    "申请",
    "申办",
];
const SUFFIXES: &[&str] = &[
    "需要什么材料",
    "要什么材料",
    "怎么办理",
    "如何办理",
    "怎么办",
    "的流程",
    "流程",
    "办理",
    "申请",
    "材料",
];

fn strip_affixes(term: &str) -> String {
    let mut t = term;
    for p in PREFIXES {
        if let Some(rest) = t.strip_prefix(p) {
            if rest.chars().count() >= 2 {
                t = rest;
                break;
            }
        }
    }
    for s in SUFFIXES {
        if let Some(rest) = t.strip_suffix(s) {
            if rest.chars().count() >= 2 {
                t = rest;
                break;
            }
        }
    }
    t.to_string()
}

/// Splits a query into terms at whitespace and punctuation. A query of only spaces and
/// punctuation has no terms. A query typed in Traditional is read in Simplified, the
/// catalogue's script (居住證 finds 居住证).
pub fn terms(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in normalise(&to_simplified(query)).split(|c: char| !c.is_alphanumeric()) {
        if raw.is_empty() {
            continue;
        }
        let t = strip_affixes(raw);
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

fn bigrams(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    chars.windows(2).map(|w| w.iter().collect()).collect()
}

impl SearchIndex {
    pub fn new(guides: &[ServiceGuide], synonym_groups: &[Vec<String>]) -> Self {
        let docs = guides
            .iter()
            .map(|g| Doc {
                name: normalise(&g.name),
                keywords: g.keywords.iter().map(|k| normalise(k)).collect(),
                department: normalise(&g.department.name),
                materials: g
                    .materials
                    .iter()
                    .map(|m| normalise(&m.name))
                    .collect::<Vec<_>>()
                    .join("\n"),
                department_code: g.department.code.clone(),
                audience: g.audience.clone(),
                topics: g.topics.iter().map(|t| t.code.clone()).collect(),
                popularity: g.popularity,
            })
            .collect();
        let mut synonyms: HashMap<String, Vec<String>> = HashMap::new();
        for group in synonym_groups {
            let group: Vec<String> = group.iter().map(|t| normalise(t)).collect();
            for t in &group {
                let others = synonyms.entry(t.clone()).or_default();
                for o in &group {
                    if o != t && !others.contains(o) {
                        others.push(o.clone());
                    }
                }
            }
        }
        SearchIndex { docs, synonyms }
    }

    /// A term and what it may also be written as: its synonyms, and the term with a
    /// synonym swapped inside it (补办身份证 → 补办居民身份证). The first is the term itself.
    fn variants(&self, term: &str) -> Vec<String> {
        let mut out = vec![term.to_string()];
        if let Some(others) = self.synonyms.get(term) {
            out.extend(others.iter().cloned());
        }
        for (word, others) in &self.synonyms {
            if word.chars().count() >= 2 && term != word && term.contains(word.as_str()) {
                for o in others {
                    let v = term.replacen(word.as_str(), o, 1);
                    if !out.contains(&v) {
                        out.push(v);
                    }
                }
            }
        }
        out
    }

    fn matches_filter(doc: &Doc, f: &Filter) -> bool {
        f.department.is_none_or(|d| doc.department_code == d)
            && f.audience.is_none_or(|a| doc.audience.contains(&a))
            && f.topic.is_none_or(|t| doc.topics.iter().any(|x| x == t))
    }

    /// How well one form of a term matches a document; 0 is no match.
    fn score_variant(doc: &Doc, v: &str) -> f64 {
        if doc.name == v {
            return 100.0;
        }
        if doc.name.contains(v) {
            // A term that is most of the name beats one that is a small part of it.
            let share = v.chars().count() as f64 / doc.name.chars().count().max(1) as f64;
            let start = if doc.name.starts_with(v) { 10.0 } else { 0.0 };
            return 60.0 + 20.0 * share + start;
        }
        if doc.keywords.iter().any(|k| k == v) {
            return 50.0;
        }
        if doc.keywords.iter().any(|k| k.contains(v)) {
            return 40.0;
        }
        if doc.department.contains(v) {
            return 20.0;
        }
        if doc.materials.contains(v) {
            return 15.0;
        }
        0.0
    }

    /// Share of the term's bigrams found in the name or keywords, for terms typed as a
    /// phrase (办理营业执照手续); 0 when too little overlaps to be a match.
    fn score_bigrams(doc: &Doc, term: &str) -> f64 {
        let grams = bigrams(term);
        if grams.len() < 2 {
            return 0.0;
        }
        let found = grams
            .iter()
            .filter(|g| {
                doc.name.contains(g.as_str()) || doc.keywords.iter().any(|k| k.contains(g.as_str()))
            })
            .count();
        let share = found as f64 / grams.len() as f64;
        if found >= 2 && share >= 0.5 {
            30.0 * share
        } else {
            0.0
        }
    }

    /// Indexes of matching documents, best first. Without terms (no query), every document
    /// passing the filter matches, most popular first.
    pub fn search(&self, query_terms: &[String], filter: &Filter) -> Vec<usize> {
        let expanded: Vec<Vec<String>> = query_terms.iter().map(|t| self.variants(t)).collect();
        let mut hits: Vec<(usize, f64)> = Vec::new();
        'docs: for (i, doc) in self.docs.iter().enumerate() {
            if !Self::matches_filter(doc, filter) {
                continue;
            }
            let mut total = 0.0;
            for (term, variants) in query_terms.iter().zip(&expanded) {
                let mut best = 0.0f64;
                for (k, v) in variants.iter().enumerate() {
                    // The word as typed counts a little more than its synonyms.
                    let weight = if k == 0 { 1.0 } else { 0.95 };
                    best = best.max(Self::score_variant(doc, v) * weight);
                }
                if best == 0.0 {
                    best = Self::score_bigrams(doc, term);
                }
                if best == 0.0 {
                    continue 'docs;
                }
                total += best;
            }
            hits.push((i, total));
        }
        hits.sort_by(|(a, sa), (b, sb)| {
            sb.total_cmp(sa)
                .then(self.docs[*b].popularity.cmp(&self.docs[*a].popularity))
                .then(a.cmp(b))
        });
        hits.into_iter().map(|(i, _)| i).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;

    fn demo_index() -> (Vec<ServiceGuide>, SearchIndex) {
        let batch = catalogue::demo::batch().unwrap();
        let mut names: HashMap<String, String> = HashMap::new();
        let mut synonyms = Vec::new();
        for (_, f) in &batch.files {
            names.extend(
                f.departments
                    .iter()
                    .map(|d| (d.code.clone(), d.name.clone())),
            );
            if let Some(s) = &f.synonyms {
                synonyms.extend(s.iter().cloned());
            }
        }
        let guides: Vec<ServiceGuide> = batch
            .services()
            .map(|(_, s)| {
                let mut s = s.clone();
                s.department.name = names[&s.department.code].clone();
                s
            })
            .collect();
        let index = SearchIndex::new(&guides, &synonyms);
        (guides, index)
    }

    fn names(guides: &[ServiceGuide], hits: &[usize]) -> Vec<String> {
        hits.iter().map(|&i| guides[i].name.clone()).collect()
    }

    #[test]
    fn terms_split_at_spaces_and_punctuation_only() {
        assert_eq!(terms("营业执照"), vec!["营业执照"]);
        assert_eq!(terms(" 结婚　登记，"), vec!["结婚", "登记"]);
        assert_eq!(terms("  ，。!?  "), Vec::<String>::new());
        assert_eq!(terms("ＩＤ"), vec!["id"]);
        assert_eq!(terms("我要办理营业执照"), vec!["营业执照"]);
    }

    #[test]
    fn business_licence_items_come_first_for_its_name() {
        let (guides, index) = demo_index();
        let hits = index.search(&terms("营业执照"), &Filter::default());
        let found = names(&guides, &hits);
        let named: Vec<_> = found
            .iter()
            .take_while(|n| n.contains("营业执照"))
            .collect();
        assert!(named.len() >= 3, "business-licence items first: {found:?}");
        assert!(
            found
                .iter()
                .skip(named.len())
                .all(|n| !n.contains("营业执照")),
            "{found:?}"
        );
    }

    #[test]
    fn a_synonym_finds_what_the_official_word_names() {
        let (guides, index) = demo_index();
        let by_synonym = index.search(&terms("身份证"), &Filter::default());
        assert!(names(&guides, &by_synonym)
            .iter()
            .any(|n| n.contains("居民身份证")));
        let found = names(&guides, &index.search(&terms("结婚"), &Filter::default()));
        assert!(
            found.first().is_some_and(|n| n.contains("结婚登记")),
            "{found:?}"
        );
    }

    #[test]
    fn every_term_must_match_and_filters_narrow() {
        let (guides, index) = demo_index();
        assert!(index
            .search(&terms("营业执照 不存在的词语"), &Filter::default())
            .is_empty());
        let org = Filter {
            audience: Some(Audience::Organisation),
            ..Default::default()
        };
        let hits = index.search(&[], &org);
        assert!(!hits.is_empty());
        assert!(hits
            .iter()
            .all(|&i| guides[i].audience.contains(&Audience::Organisation)));
        let all = index.search(&[], &Filter::default());
        assert_eq!(all.len(), guides.len());
        assert!(all
            .windows(2)
            .all(|w| guides[w[0]].popularity >= guides[w[1]].popularity));
    }

    #[test]
    fn a_query_in_traditional_finds_the_simplified_guide() {
        let (guides, index) = demo_index();
        assert_eq!(terms("居住證 營業執照"), vec!["居住证", "营业执照"]);
        let found = names(
            &guides,
            &index.search(&terms("辦理居住證"), &Filter::default()),
        );
        assert!(
            found.first().is_some_and(|n| n.contains("居住证")),
            "{found:?}"
        );
    }

    #[test]
    fn a_phrase_matches_by_bigrams() {
        let (guides, index) = demo_index();
        let found = names(
            &guides,
            &index.search(&terms("个体户营业执照设立"), &Filter::default()),
        );
        assert!(
            found.first().is_some_and(|n| n.contains("个体工商户")),
            "{found:?}"
        );
    }
}
