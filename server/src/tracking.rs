//! The tracking address of a case (`{public URL}/track/{number}?c={code}`) and its QR code:
//! what a receipt (受理回执) prints and the progress page shows.

use qrcode::{Color, EcLevel, QrCode};
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// `{public URL}/track/{number}?c={code}`: what the QR code holds and the portal routes.
pub fn tracking_url(public_url: &str, number: &str, code: &str) -> String {
    format!("{public_url}/track/{number}?c={code}")
}

/// The quiet zone around a QR code, in modules (ISO/IEC 18004).
const QUIET_ZONE: usize = 4;
/// The least width and height of the drawn code, quiet zone included, in pixels.
const MIN_PIXELS: usize = 200;

/// The QR code of `text` as an SVG document (at least 200 × 200, with its quiet zone).
///
/// Drawn in module units (the `viewBox`) with one rectangle per horizontal run of dark
/// modules: about a third of the size of one square per module in pixels (`qrcode`'s own
/// renderer), the same picture. Every lookup answer and receipt carries it.
pub fn qr_svg(text: &str) -> anyhow::Result<String> {
    // Level M survives a crease or a smudge on thermal paper and keeps the code small.
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
    let width = code.width();
    let colors = code.to_colors();
    let across = width + 2 * QUIET_ZONE;
    // Whole pixels per module, as `qrcode`'s `min_dimensions`: crisp on screen and paper.
    let pixels = across * MIN_PIXELS.div_ceil(across);
    let mut svg = String::with_capacity(512 + colors.len() * 3);
    let _ = write!(
        svg,
        "<?xml version=\"1.0\" standalone=\"yes\"?><svg xmlns=\"http://www.w3.org/2000/svg\" \
         version=\"1.1\" width=\"{pixels}\" height=\"{pixels}\" viewBox=\"0 0 {across} {across}\" \
         shape-rendering=\"crispEdges\"><rect width=\"{across}\" height=\"{across}\" \
         fill=\"#ffffff\"/><path fill=\"#000000\" d=\""
    );
    for (y, row) in colors.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if row[x] == Color::Light {
                x += 1;
                continue;
            }
            let start = x;
            while x < width && row[x] == Color::Dark {
                x += 1;
            }
            let run = x - start;
            let _ = write!(
                svg,
                "M{} {}h{run}v1h-{run}z",
                start + QUIET_ZONE,
                y + QUIET_ZONE
            );
        }
    }
    svg.push_str("\"/></svg>");
    Ok(svg)
}

/// Tracking addresses whose QR codes are kept (about 4 KB each): a progress page is looked
/// at again and again, and drawing the code is most of a lookup's work.
const QR_CACHE_MAX: usize = 1024;

/// `qr_svg`, drawn once per address while it stays in the cache (emptied when full). Only
/// addresses of successful lookups should get here.
pub fn cached_qr_svg(url: &str) -> anyhow::Result<String> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<str>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(svg) = cache.lock().expect("QR cache").get(url) {
        return Ok(svg.to_string());
    }
    let svg = qr_svg(url)?;
    let mut map = cache.lock().expect("QR cache");
    if map.len() >= QR_CACHE_MAX {
        map.clear();
    }
    map.insert(url.to_string(), Arc::from(svg.as_str()));
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_is_an_svg_document() {
        let svg = qr_svg("https://example.gov.cn/track/440113260213000011?c=ABCDEF").unwrap();
        assert!(
            svg.starts_with("<?xml") || svg.starts_with("<svg"),
            "{svg:.80}"
        );
        assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("width=\"") && svg.contains("#000000"));
    }

    /// The dark modules the path of `svg` paints (`M x y h n v1 h-n z` runs), as a grid of
    /// `across` × `across`.
    fn painted(svg: &str, across: usize) -> Vec<Vec<bool>> {
        let d = svg
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let mut grid = vec![vec![false; across]; across];
        for run in d.split('M').filter(|r| !r.is_empty()) {
            let (xy, rest) = run.split_once('h').unwrap();
            let (x, y) = xy.split_once(' ').unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            let n: usize = rest.split_once('v').unwrap().0.parse().unwrap();
            assert_eq!(rest, format!("{n}v1h-{n}z"), "a run one module high");
            for cell in &mut grid[y][x..x + n] {
                assert!(!*cell, "painted twice at {x},{y}");
                *cell = true;
            }
        }
        grid
    }

    #[test]
    fn the_path_paints_exactly_the_dark_modules_inside_the_quiet_zone() {
        for text in [
            "https://example.gov.cn/track/440113260213000011?c=ABCDEF",
            "http://127.0.0.1:8080/track/440113261207000011",
        ] {
            let svg = qr_svg(text).unwrap();
            let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).unwrap();
            let (w, across) = (code.width(), code.width() + 2 * QUIET_ZONE);
            let grid = painted(&svg, across);
            for (y, row) in grid.iter().enumerate() {
                for (x, &dark) in row.iter().enumerate() {
                    let inside = (QUIET_ZONE..QUIET_ZONE + w).contains(&x)
                        && (QUIET_ZONE..QUIET_ZONE + w).contains(&y);
                    let want = inside && code[(x - QUIET_ZONE, y - QUIET_ZONE)] == Color::Dark;
                    assert_eq!(dark, want, "module {x},{y} of {text}");
                }
            }
            // Whole pixels per module, at least 200 × 200: as qrcode's own renderer drew it.
            let old = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build();
            let size = |s: &str| {
                s.split("width=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .to_string()
            };
            assert_eq!(size(&svg), size(&old));
            assert!(size(&svg).parse::<usize>().unwrap() >= 200);
            assert!(svg.contains(&format!("viewBox=\"0 0 {across} {across}\"")));
            assert!(
                svg.len() * 2 < old.len(),
                "{} bytes against {}",
                svg.len(),
                old.len()
            );
        }
    }

    #[test]
    fn tracking_urls() {
        assert_eq!(
            tracking_url("https://x.cn", "440113260213000011", "ABCDEF"),
            "https://x.cn/track/440113260213000011?c=ABCDEF"
        );
    }
}
