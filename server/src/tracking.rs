//! The tracking address of a case (`{public URL}/track/{number}?c={code}`) and its QR code:
//! what a receipt (受理回执) prints and the progress page shows.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// `{public URL}/track/{number}?c={code}`: what the QR code holds and the portal routes.
pub fn tracking_url(public_url: &str, number: &str, code: &str) -> String {
    format!("{public_url}/track/{number}?c={code}")
}

/// The QR code of `text` as an SVG document (at least 200 × 200, with its quiet zone).
pub fn qr_svg(text: &str) -> anyhow::Result<String> {
    // Level M survives a crease or a smudge on thermal paper and keeps the code small.
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// Tracking addresses whose QR codes are kept (about 10 KB each): a progress page is looked
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

    #[test]
    fn tracking_urls() {
        assert_eq!(
            tracking_url("https://x.cn", "440113260213000011", "ABCDEF"),
            "https://x.cn/track/440113260213000011?c=ABCDEF"
        );
    }
}
