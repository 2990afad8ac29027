//! What a receipt (受理回执) shows beyond the stored case: the tracking address, its QR
//! code and the submission time in China Standard Time.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::calendar::CST;

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

/// Unix seconds as RFC 3339 in China Standard Time (`2026-02-13T09:30:00+08:00`).
pub fn rfc3339_cst(unix_seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(CST)
        .format(&Rfc3339)
        .expect("a time formats as RFC 3339")
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
    fn times_are_in_china_standard_time() {
        assert_eq!(rfc3339_cst(0), "1970-01-01T08:00:00+08:00");
        assert_eq!(rfc3339_cst(1_770_946_200), "2026-02-13T09:30:00+08:00");
    }

    #[test]
    fn tracking_urls() {
        assert_eq!(
            tracking_url("https://x.cn", "440113260213000011", "ABCDEF"),
            "https://x.cn/track/440113260213000011?c=ABCDEF"
        );
    }
}
