//! The release bundles: build them with Trunk, precompress them, and measure what a first
//! visit downloads.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::util::{kb, par_map, run, step, thousands, Ctx};

use api_client::bundles::Bundle as Served;

pub struct Bundle {
    pub name: &'static str,
    /// Trunk config, relative to the root.
    pub config: &'static str,
    /// The URL prefix the server mounts the bundle's files under.
    pub public_url: &'static str,
}

impl Bundle {
    /// A bundle of the one table (`api_client::bundles`), built with Trunk config `config`.
    const fn of(served: Served, config: &'static str) -> Bundle {
        Bundle {
            name: served.name(),
            config,
            public_url: served.public_url(),
        }
    }

    /// Output directory, relative to the root: where the server takes the bundle from.
    pub fn dist(&self) -> String {
        format!("dist/{}", self.name)
    }
}

pub const BUNDLES: [Bundle; 4] = [
    Bundle::of(Served::Portal, "Trunk.toml"),
    // The portal's application flow, loaded only when someone applies.
    Bundle::of(Served::Apply, "app/apply/Trunk.toml"),
    // Progress lookup, where receipts' QR codes land.
    Bundle::of(Served::Track, "app/track/Trunk.toml"),
    Bundle::of(Served::Kiosk, "kiosk/Trunk.toml"),
];

#[cfg(test)]
mod table_tests {
    use super::*;

    /// Every bundle of the table is built, and its Trunk config puts it where the server
    /// looks for it (`dist/<name>`) with the asset prefix the server serves it under.
    #[test]
    fn trunk_configs_follow_the_table() {
        let ctx = Ctx::new().unwrap();
        let names: Vec<_> = BUNDLES.iter().map(|b| b.name).collect();
        let table: Vec<_> = Served::ALL.iter().map(|b| b.name()).collect();
        assert_eq!(names, table);
        for bundle in &BUNDLES {
            let config = ctx.root.join(bundle.config);
            let text = std::fs::read_to_string(&config).unwrap();
            let setting = |key: &str| {
                text.lines()
                    .filter_map(|l| l.split_once('='))
                    .find(|(k, _)| k.trim() == key)
                    .map(|(_, v)| v.trim().trim_matches('"').to_string())
                    .unwrap_or_else(|| panic!("{} sets no {key}", bundle.config))
            };
            assert_eq!(
                setting("public_url"),
                bundle.public_url,
                "{}",
                bundle.config
            );
            // Trunk's `dist` is relative to its config; `..` is resolved lexically.
            let mut dist = PathBuf::new();
            for part in config.parent().unwrap().join(setting("dist")).components() {
                match part {
                    std::path::Component::ParentDir => {
                        dist.pop();
                    }
                    std::path::Component::CurDir => {}
                    other => dist.push(other),
                }
            }
            assert_eq!(dist, ctx.root.join(bundle.dist()), "{}", bundle.config);
        }
    }
}

/// What the server can serve precompressed (tower-http `precompressed_br` / `precompressed_gzip`).
const COMPRESSIBLE: [&str; 6] = ["js", "wasm", "css", "html", "svg", "json"];

/// Build both bundles (the tools must be checked first) and precompress them.
pub fn build(ctx: &Ctx) -> Result<()> {
    for bundle in &BUNDLES {
        let config = ctx.root.join(bundle.config);
        if !config.is_file() {
            bail!(
                "{} is missing: cannot build the {} bundle",
                bundle.config,
                bundle.name
            );
        }
        step!(
            "building the {} bundle (release) into {}",
            bundle.name,
            bundle.dist()
        );
        run(ctx
            .cmd("trunk")
            .args(["build", "--release", "--config", bundle.config]))
        .with_context(|| format!("building the {} bundle failed", bundle.name))?;
        let dist = ctx.root.join(bundle.dist());
        if !dist.join("index.html").is_file() {
            bail!(
                "trunk finished but {}/index.html does not exist; check `dist` in {}",
                bundle.dist(),
                bundle.config
            );
        }
        precompress(ctx, &dist)?;
    }
    Ok(())
}

pub fn brotli(data: &[u8]) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        size_hint: data.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(data.len() / 3 + 64);
    brotli::BrotliCompress(&mut &data[..], &mut out, &params)
        .expect("compressing into memory cannot fail");
    out
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 3 + 64),
        flate2::Compression::best(),
    );
    enc.write_all(data)
        .expect("compressing into memory cannot fail");
    enc.finish().expect("compressing into memory cannot fail")
}

fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in
            std::fs::read_dir(&d).with_context(|| format!("cannot list {}", d.display()))?
        {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn extension(path: &Path) -> &str {
    path.extension().and_then(|e| e.to_str()).unwrap_or("")
}

/// Write `<file>.br` and `<file>.gz` beside every compressible file, after removing stale ones.
pub fn precompress(ctx: &Ctx, dir: &Path) -> Result<()> {
    let files = files_under(dir)?;
    let mut stale = 0;
    for f in files.iter().filter(|f| matches!(extension(f), "br" | "gz")) {
        std::fs::remove_file(f).with_context(|| format!("cannot remove {}", f.display()))?;
        stale += 1;
    }
    let targets: Vec<&PathBuf> = files
        .iter()
        .filter(|f| COMPRESSIBLE.contains(&extension(f).to_ascii_lowercase().as_str()))
        .collect();
    step!(
        "precompressing {} files in {} (brotli q11, gzip -9){}",
        targets.len(),
        ctx.rel(dir),
        if stale > 0 {
            format!("; removed {stale} stale .br/.gz")
        } else {
            String::new()
        }
    );
    let results = par_map(&targets, |path| -> Result<(u64, u64, u64)> {
        let data =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let (br, gz) = (brotli(&data), gzip(&data));
        for (ext, bytes) in [("br", &br), ("gz", &gz)] {
            let mut out = path.as_os_str().to_owned();
            out.push(".");
            out.push(ext);
            std::fs::write(&out, bytes)
                .with_context(|| format!("cannot write {}", Path::new(&out).display()))?;
        }
        Ok((data.len() as u64, br.len() as u64, gz.len() as u64))
    });
    let (mut raw, mut br, mut gz) = (0, 0, 0);
    for r in results {
        let (r, b, g) = r?;
        raw += r;
        br += b;
        gz += g;
    }
    step!(
        "precompressed {}: {} raw → {} brotli, {} gzip",
        ctx.rel(dir),
        kb(raw),
        kb(br),
        kb(gz)
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// First-visit size report

pub struct Asset {
    pub name: String,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

pub struct SizeReport {
    pub assets: Vec<Asset>,
    /// Referenced by index.html but not in the bundle.
    pub missing: Vec<String>,
}

impl SizeReport {
    pub fn total(&self) -> Asset {
        Asset {
            name: "total".into(),
            raw: self.assets.iter().map(|a| a.raw).sum(),
            gzip: self.assets.iter().map(|a| a.gzip).sum(),
            brotli: self.assets.iter().map(|a| a.brotli).sum(),
        }
    }
}

/// Everything a first visit loads: index.html and the assets it references.
pub fn first_visit(dir: &Path, public_url: &str) -> Result<SizeReport> {
    let index = dir.join("index.html");
    let html = std::fs::read_to_string(&index)
        .with_context(|| format!("cannot read {}", index.display()))?;
    let mut files: Vec<(String, PathBuf)> = vec![("index.html".into(), index.clone())];
    let mut seen = BTreeSet::from([index]);
    let mut missing = Vec::new();
    for url in asset_urls(&html) {
        match resolve(dir, public_url, &url) {
            Resolved::External => {}
            Resolved::File(path) => {
                if seen.insert(path.clone()) {
                    let name = path
                        .strip_prefix(dir)
                        .unwrap_or(&path)
                        .to_string_lossy()
                        .into_owned();
                    files.push((name, path));
                }
            }
            Resolved::Missing => {
                if !missing.contains(&url) {
                    missing.push(url)
                }
            }
        }
    }
    let assets = par_map(&files, |(name, path)| -> Result<Asset> {
        let data =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(Asset {
            name: name.clone(),
            raw: data.len() as u64,
            gzip: compressed_len(path, "gz", &data, gzip),
            brotli: compressed_len(path, "br", &data, brotli),
        })
    })
    .into_iter()
    .collect::<Result<Vec<_>>>()?;
    Ok(SizeReport { assets, missing })
}

/// The size of `data` compressed, taken from the precompressed `<path>.<ext>` when that is
/// at least as new as the file (same settings, so the same size), else by compressing.
fn compressed_len(path: &Path, ext: &str, data: &[u8], compress: fn(&[u8]) -> Vec<u8>) -> u64 {
    let mut sibling = path.as_os_str().to_owned();
    sibling.push(".");
    sibling.push(ext);
    let modified = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    match (modified(Path::new(&sibling)), modified(path)) {
        (Some(compressed), Some(original)) if compressed >= original => Path::new(&sibling)
            .metadata()
            .map(|m| m.len())
            .unwrap_or_else(|_| compress(data).len() as u64),
        _ => compress(data).len() as u64,
    }
}

pub fn print_report(title: &str, report: &SizeReport) {
    let total = report.total();
    let width = report
        .assets
        .iter()
        .map(|a| a.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    step!("{title}");
    println!(
        "    {:<width$}  {:>12}  {:>12}  {:>12}",
        "file", "raw bytes", "gzip -9", "brotli 11"
    );
    let row = |a: &Asset| {
        println!(
            "    {:<width$}  {:>12}  {:>12}  {:>12}",
            a.name,
            thousands(a.raw),
            thousands(a.gzip),
            thousands(a.brotli)
        )
    };
    report.assets.iter().for_each(row);
    println!("    {}", "-".repeat(width + 42));
    row(&total);
    println!(
        "    {:<width$}  {:>12}  {:>12}  {:>12}",
        "",
        kb(total.raw),
        kb(total.gzip),
        kb(total.brotli)
    );
    for url in &report.missing {
        step!("warning: index.html references {url}, which is not in the bundle");
    }
}

/// The URLs in `href` of `<link>` and `src` of `<script>`, `<img>` and `<source>` elements,
/// and the module paths inside inline scripts (Trunk's loader: `import init … from '/x.js'`
/// and `init({ module_or_path: '/x_bg.wasm' })`), in document order. Parsed as a browser
/// does (html5ever), so comments, unquoted values and script text are read as it reads them.
pub fn asset_urls(html: &str) -> Vec<String> {
    let document = scraper::Html::parse_document(html);
    let elements = scraper::Selector::parse("link, script, img, source").expect("a valid selector");
    let mut urls = Vec::new();
    for element in document.select(&elements) {
        let tag = element.value();
        let attribute = if tag.name() == "link" { "href" } else { "src" };
        if let Some(url) = tag.attr(attribute).filter(|u| !u.is_empty()) {
            urls.push(url.to_string());
        }
        if tag.name() == "script" {
            urls.extend(quoted_paths(&element.text().collect::<String>()));
        }
    }
    urls
}

/// String literals in a script that look like asset paths.
fn quoted_paths(script: &str) -> Vec<String> {
    const EXTS: [&str; 5] = [".js", ".mjs", ".wasm", ".css", ".json"];
    let mut out = Vec::new();
    let mut rest = script;
    while let Some(open) = rest.find(['\'', '"', '`']) {
        let q = rest[open..].chars().next().unwrap();
        let after = &rest[open + 1..];
        let Some(close) = after.find(q) else { break };
        let lit = &after[..close];
        let path = lit.split(['?', '#']).next().unwrap_or("");
        if !lit.is_empty()
            && !lit.contains(char::is_whitespace)
            && EXTS.iter().any(|e| path.ends_with(e))
        {
            out.push(lit.to_string());
        }
        rest = &after[close + 1..];
    }
    out
}

#[derive(Debug, PartialEq)]
enum Resolved {
    External,
    File(PathBuf),
    Missing,
}

/// Map a URL from index.html to a file of the bundle in `dir`, mounted at `public_url`.
fn resolve(dir: &Path, public_url: &str, url: &str) -> Resolved {
    let url = url.split(['?', '#']).next().unwrap_or("");
    if url.is_empty()
        || url.starts_with("//")
        || url.contains("://")
        || url.starts_with("data:")
        || url.starts_with("blob:")
    {
        return Resolved::External;
    }
    let prefix = public_url.trim_matches('/');
    let rel = match url.strip_prefix('/') {
        // Absolute: under the bundle's prefix (`/kiosk/x.js`), or at the root (`/x.js`).
        Some(abs) => match abs.strip_prefix(prefix).and_then(|r| r.strip_prefix('/')) {
            Some(r) if !prefix.is_empty() => r,
            _ => abs,
        },
        None => url.trim_start_matches("./"),
    };
    let path = dir.join(rel);
    if path.is_file() {
        Resolved::File(path)
    } else {
        Resolved::Missing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUNK_HTML: &str = r#"<!DOCTYPE html><html><head>
<meta charset="utf-8"><title>一窗通办</title>
<!-- <link rel="stylesheet" href="/commented-out.css"> -->
<link rel="icon" type="image/svg+xml" href="/kiosk/favicon.svg">
<link rel=stylesheet href=/kiosk/styles-1a2b.css integrity="sha384-x">
<link rel="modulepreload" href="/kiosk/kiosk-abc.js" crossorigin="anonymous" integrity="sha384-y">
<link rel="preload" href="/kiosk/kiosk-abc_bg.wasm" crossorigin="anonymous" as="fetch" type="application/wasm">
<link rel="preconnect" href="https://example.org">
<script type="module">
import init, * as bindings from '/kiosk/kiosk-abc.js';
const wasm = await init({ module_or_path: '/kiosk/kiosk-abc_bg.wasm' });
window.wasmBindings = bindings;
dispatchEvent(new CustomEvent("TrunkApplicationStarted", {detail: {wasm}}));
</script></head><body><img src="logo.svg" alt="x"></body></html>"#;

    #[test]
    fn finds_assets() {
        assert_eq!(
            asset_urls(TRUNK_HTML),
            [
                "/kiosk/favicon.svg",
                "/kiosk/styles-1a2b.css",
                "/kiosk/kiosk-abc.js",
                "/kiosk/kiosk-abc_bg.wasm",
                "https://example.org",
                "/kiosk/kiosk-abc.js",
                "/kiosk/kiosk-abc_bg.wasm",
                "logo.svg",
            ]
        );
    }

    #[test]
    fn resolves_and_measures() {
        let dir = std::env::temp_dir().join(format!("xtask-bundles-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), TRUNK_HTML).unwrap();
        for f in [
            "favicon.svg",
            "styles-1a2b.css",
            "kiosk-abc.js",
            "kiosk-abc_bg.wasm",
        ] {
            std::fs::write(dir.join(f), f.repeat(100)).unwrap();
        }
        for (base, href, file) in [
            ("/kiosk/", "/kiosk/kiosk-abc.js?v=1", "kiosk-abc.js"),
            ("/kiosk/", "/kiosk-abc.js", "kiosk-abc.js"),
            ("/", "/kiosk-abc.js", "kiosk-abc.js"),
            ("/", "./favicon.svg", "favicon.svg"),
        ] {
            assert_eq!(
                resolve(&dir, base, href),
                Resolved::File(dir.join(file)),
                "{href} from {base}"
            );
        }
        assert_eq!(
            resolve(&dir, "/", "https://cdn.example/x.js"),
            Resolved::External
        );

        let report = first_visit(&dir, "/kiosk/").unwrap();
        let names: Vec<_> = report.assets.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "index.html",
                "favicon.svg",
                "styles-1a2b.css",
                "kiosk-abc.js",
                "kiosk-abc_bg.wasm"
            ]
        );
        assert_eq!(report.missing, ["logo.svg"]);
        let total = report.total();
        assert!(total.brotli < total.raw && total.gzip < total.raw);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn precompresses() {
        let ctx = Ctx::new().unwrap();
        let dir =
            std::env::temp_dir().join(format!("xtask-precompress-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        let js = "export const a = 1;\n".repeat(200);
        std::fs::write(dir.join("index.html"), "<html>一窗通办</html>".repeat(50)).unwrap();
        std::fs::write(dir.join("assets/app.js"), &js).unwrap();
        std::fs::write(dir.join("logo.png"), [0u8; 100]).unwrap();
        std::fs::write(dir.join("gone.js.br"), "stale").unwrap();
        std::fs::write(dir.join("gone.js.gz"), "stale").unwrap();
        precompress(&ctx, &dir).unwrap();
        let mut names: Vec<String> = files_under(&dir)
            .unwrap()
            .iter()
            .map(|p| p.strip_prefix(&dir).unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "assets/app.js",
                "assets/app.js.br",
                "assets/app.js.gz",
                "index.html",
                "index.html.br",
                "index.html.gz",
                "logo.png"
            ]
        );
        let mut back = Vec::new();
        brotli::BrotliDecompress(
            &mut &std::fs::read(dir.join("assets/app.js.br")).unwrap()[..],
            &mut back,
        )
        .unwrap();
        assert_eq!(back, js.as_bytes());
        // Sizes come from the fresh precompressed files.
        let br = std::fs::metadata(dir.join("assets/app.js.br"))
            .unwrap()
            .len();
        assert_eq!(
            compressed_len(&dir.join("assets/app.js"), "br", js.as_bytes(), brotli),
            br
        );
        // A second run replaces, never compresses the compressed files.
        precompress(&ctx, &dir).unwrap();
        assert_eq!(files_under(&dir).unwrap().len(), 7);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn compressors_round_trip() {
        let data = "一窗通办 OneWindow ".repeat(500).into_bytes();
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &brotli(&data)[..], &mut back).unwrap();
        assert_eq!(back, data);
        let mut back = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&gzip(&data)[..]),
            &mut back,
        )
        .unwrap();
        assert_eq!(back, data);
    }
}
