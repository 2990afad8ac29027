//! `cargo xtask test`'s layer check: the modules of `server`, `api-client` and `xtask` import
//! one another without a circle, and the server's import only downwards through its layers
//! (ARCHITECTURE.md). Imports are read with `syn` from the sources: `use` trees and paths
//! that start with `crate`, `super` or `self`; test code (`#[cfg(test)]`) does not count, nor
//! does a module wiring its own submodules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use syn::visit::Visit;

/// The server's layers, bottom first: a module may import from its own layer (without a
/// circle) and from the layers below it.
pub const SERVER_LAYERS: &[&[&str]] = &[
    &[
        "error",
        "config",
        "calendar",
        "db",
        "gate",
        "admission",
        "idempotency",
        "script",
    ],
    &["catalogue", "search", "numbering", "tracking"],
    &["state"],
    &[
        "applications",
        "cases",
        "complaints",
        "kiosks",
        "ratings",
        "progress",
        "site",
        "uploads",
    ],
    &["routes", "cli", ""],
];

/// A crate's modules (by path, `""` for the root) and the modules each one imports.
pub struct Graph {
    pub edges: BTreeMap<String, BTreeSet<String>>,
}

impl Graph {
    pub fn read(src: &Path) -> Result<Graph> {
        let mut files = BTreeMap::new();
        collect(src, src, &mut files)?;
        let modules: BTreeSet<String> = files.keys().cloned().collect();
        let mut edges = BTreeMap::new();
        for (module, file) in &files {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let ast = syn::parse_file(&text)
                .with_context(|| format!("cannot parse {}", file.display()))?;
            let mut paths = Paths::default();
            for item in &ast.items {
                if !is_test(item) {
                    paths.visit_item(item);
                }
            }
            let targets = paths
                .found
                .iter()
                .filter_map(|p| resolve(module, p, &modules))
                // A module wiring its own submodules does not count.
                .filter(|t| t != module && !is_below(t, module))
                .collect();
            edges.insert(module.clone(), targets);
        }
        Ok(Graph { edges })
    }

    /// The strongly connected components with more than one module (Tarjan).
    pub fn cycles(&self) -> Vec<Vec<String>> {
        struct T<'a> {
            g: &'a Graph,
            index: BTreeMap<&'a str, usize>,
            low: BTreeMap<&'a str, usize>,
            stack: Vec<&'a str>,
            on: BTreeSet<&'a str>,
            out: Vec<Vec<String>>,
        }
        fn strong<'a>(t: &mut T<'a>, v: &'a str) {
            let n = t.index.len();
            t.index.insert(v, n);
            t.low.insert(v, n);
            t.stack.push(v);
            t.on.insert(v);
            let g = t.g;
            for w in g.edges.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !t.index.contains_key(w) {
                    strong(t, w);
                    let lw = t.low[w];
                    let lv = t.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if t.on.contains(w) {
                    let iw = t.index[w];
                    let lv = t.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
            if t.low[v] == t.index[v] {
                let mut comp = Vec::new();
                while let Some(w) = t.stack.pop() {
                    t.on.remove(w);
                    comp.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if comp.len() > 1 {
                    comp.sort();
                    t.out.push(comp);
                }
            }
        }
        let mut t = T {
            g: self,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            on: BTreeSet::new(),
            out: Vec::new(),
        };
        for v in self.edges.keys() {
            if !t.index.contains_key(v.as_str()) {
                strong(&mut t, v);
            }
        }
        t.out.sort_by_key(|c| std::cmp::Reverse(c.len()));
        t.out
    }

    /// Imports that go up through `layers` (by top-level module), and modules in no layer.
    pub fn upward(&self, layers: &[&[&str]]) -> Vec<String> {
        let rank = |m: &str| {
            let top = m.split("::").next().unwrap_or("");
            layers.iter().position(|l| l.contains(&top))
        };
        let mut problems = Vec::new();
        for (from, targets) in &self.edges {
            let Some(rf) = rank(from) else {
                problems.push(format!("`{from}` is in no layer (add it to SERVER_LAYERS)"));
                continue;
            };
            for to in targets {
                match rank(to) {
                    Some(rt) if rt <= rf => {}
                    _ => problems.push(format!("`{from}` (layer {rf}) imports `{to}` from above")),
                }
            }
        }
        problems
    }
}

/// Checks the workspace at `root`; an error lists every problem.
pub fn check(root: &Path) -> Result<()> {
    let mut problems = Vec::new();
    for krate in ["server", "api-client", "xtask"] {
        let graph = Graph::read(&root.join(krate).join("src"))?;
        for cycle in graph.cycles() {
            problems.push(format!("{krate}: import circle: {}", cycle.join(" ↔ ")));
        }
        if krate == "server" {
            for p in graph.upward(SERVER_LAYERS) {
                problems.push(format!("server: {p}"));
            }
        }
    }
    if !problems.is_empty() {
        bail!("the layers are broken:\n  {}", problems.join("\n  "));
    }
    Ok(())
}

fn collect(src: &Path, dir: &Path, out: &mut BTreeMap<String, PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect(src, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(src)
                .expect("below src")
                .with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(parts.last().map(String::as_str), Some("mod"))
                || parts == ["main"]
                || parts == ["lib"]
            {
                parts.pop();
            }
            out.insert(parts.join("::"), path);
        }
    }
    Ok(())
}

fn is_below(module: &str, parent: &str) -> bool {
    parent.is_empty() || module.starts_with(&format!("{parent}::"))
}

fn is_test(item: &syn::Item) -> bool {
    let attrs = match item {
        syn::Item::Mod(m) => &m.attrs,
        syn::Item::Fn(f) => &f.attrs,
        syn::Item::Use(u) => &u.attrs,
        syn::Item::Impl(i) => &i.attrs,
        _ => return false,
    };
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

/// Paths that start with `crate`, `super` or `self`, as segment lists.
#[derive(Default)]
struct Paths {
    found: Vec<Vec<String>>,
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let mut prefix = Vec::new();
        use_tree(&u.tree, &mut prefix, &mut self.found);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if matches!(
            segs.first().map(String::as_str),
            Some("crate" | "super" | "self")
        ) {
            self.found.push(segs);
        }
        syn::visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // Paths inside macro calls (`view!`, `format!`) are only tokens: `crate :: a :: b`.
        let tokens: Vec<String> = m
            .tokens
            .clone()
            .into_iter()
            .map(|t| t.to_string())
            .collect();
        for (i, t) in tokens.iter().enumerate() {
            if t != "crate" && t != "super" {
                continue;
            }
            let mut segs = vec![t.clone()];
            let mut j = i + 1;
            while tokens.get(j).is_some_and(|c| c == ":")
                && tokens.get(j + 1).is_some_and(|c| c == ":")
            {
                match tokens.get(j + 2) {
                    Some(next) => segs.push(next.clone()),
                    None => break,
                }
                j += 3;
            }
            self.found.push(segs);
        }
    }
}

fn use_tree(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_tree(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut full = prefix.clone();
            if n.ident != "self" {
                full.push(n.ident.to_string());
            }
            out.push(full);
        }
        syn::UseTree::Rename(r) => {
            let mut full = prefix.clone();
            if r.ident != "self" {
                full.push(r.ident.to_string());
            }
            out.push(full);
        }
        syn::UseTree::Glob(_) => out.push(prefix.clone()),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_tree(t, prefix, out);
            }
        }
    }
}

/// The module a path names (the longest prefix that is a module), from `module`.
fn resolve(module: &str, path: &[String], modules: &BTreeSet<String>) -> Option<String> {
    let mut base: Vec<&str> = if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").collect()
    };
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        Some("self") => rest = &rest[1..],
        _ => return None,
    }
    for k in (0..=rest.len()).rev() {
        let mut name: Vec<&str> = base.clone();
        name.extend(rest[..k].iter().map(String::as_str));
        let name = name.join("::");
        if modules.contains(&name) {
            return Some(name);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> Graph {
        Graph {
            edges: edges
                .iter()
                .map(|(m, ts)| (m.to_string(), ts.iter().map(|t| t.to_string()).collect()))
                .collect(),
        }
    }

    #[test]
    fn finds_circles_and_upward_imports() {
        let g = graph(&[
            ("state", &["config"]),
            ("config", &["state"]),
            ("cases", &["routes"]),
            ("routes", &["cases"]),
        ]);
        assert_eq!(g.cycles().len(), 2);
        let up = g.upward(SERVER_LAYERS);
        assert!(
            up.iter()
                .any(|p| p.contains("`config` (layer 0) imports `state`")),
            "{up:?}"
        );
        assert!(
            up.iter()
                .any(|p| p.contains("`cases` (layer 3) imports `routes`")),
            "{up:?}"
        );
        assert!(graph(&[("cases", &["db"]), ("db", &[])])
            .cycles()
            .is_empty());
    }

    #[test]
    fn resolves_relative_paths() {
        let modules: BTreeSet<String> = ["", "cases", "cases::lookup", "db", "db::sql"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let p = |s: &str| s.split("::").map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            resolve(
                "cases::lookup",
                &p("super::super::db::sql::placeholders"),
                &modules
            ),
            Some("db::sql".into())
        );
        assert_eq!(
            resolve("cases::lookup", &p("crate::cases::Proof"), &modules),
            Some("cases".into())
        );
        assert_eq!(resolve("cases", &p("std::io"), &modules), None);
    }
}
