//! Printing at the kiosk: the print button only where a receipt printer is configured, and
//! the receipt's 80 mm slip as the printer gets it (print media emulated, 80 mm wide), kept
//! as a screenshot in `target/e2e-artefacts/kiosk-receipt-80mm.png` (and as Chromium prints
//! it, `kiosk-receipt-80mm.pdf`); the notice and the complaint slip beside it.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use api_client::checks::AcceptanceNumber;
use e2e::Session;
use serde_json::json;

/// 80 mm at CSS's 96 px to the inch.
const PAPER_PX: u32 = 302;
/// A tall viewport, shrunk to the slip's own height before the screenshot.
const TALL_PX: u32 = 1600;

/// A session whose kiosk configuration says `printer = true`.
async fn kiosk_with_printer() -> Result<(Session, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("kiosk.toml");
    std::fs::write(&file, "printer = true\n")?;
    let file = file.display().to_string();
    let s = Session::start_with(1080, 1920, &["--kiosk-config", &file]).await?;
    Ok((s, dir))
}

/// Waits until the kiosk has read its configuration (`/kiosk/config.json` answered), and a
/// moment more for the page to show what it says.
async fn config_read(s: &Session) -> Result<()> {
    for _ in 0..100 {
        let read = s
            .js("return performance.getEntriesByType('resource').some(e => e.name.endsWith('/kiosk/config.json') && e.responseEnd > 0)")
            .await?;
        if read == json!(true) {
            tokio::time::sleep(Duration::from_millis(300)).await;
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the kiosk never read /kiosk/config.json")
}

/// Whether `css` matches an element that is rendered (not `display: none`, itself or above).
async fn shown(s: &Session, css: &str) -> Result<bool> {
    let v = s
        .browser
        .execute(
            "return [...document.querySelectorAll(arguments[0])].some(e => e.checkVisibility())",
            vec![json!(css)],
        )
        .await?;
    Ok(v == json!(true))
}

/// The kiosk's receipt with a printer configured prints as an 80 mm slip: the number, the
/// code, the QR (which still scans to this case), the service, the dates and the masked name,
/// and nothing else: no kiosk bars, no buttons, no personal data beyond the masked name.
#[tokio::test]
async fn the_kiosk_receipt_prints_as_an_80mm_slip() -> Result<()> {
    let (s, _config) = kiosk_with_printer().await?;
    let (number, code) = e2e::submit_case(&s).await?;
    s.open(&format!("/kiosk/receipt/{number}?c={code}")).await?;
    s.wait_for("[data-testid=receipt-qr] svg").await?;
    s.wait_for("[data-testid=print]").await?;
    assert!(shown(&s, "[data-testid=print]").await?, "the print button");
    s.screenshot_artefact("kiosk-receipt-screen.png").await?;
    let service = s
        .js("return [...document.querySelectorAll('.receipt__facts .summary-list__row')].map(r => r.innerText)")
        .await?;

    s.emulate_print().await?;
    s.set_viewport(PAPER_PX, TALL_PX).await?;
    for hidden in [
        ".kiosk-bar",
        ".kiosk-nav",
        "[data-testid=kiosk-finish]",
        "[data-testid=print]",
        ".receipt button",
        ".receipt a",
        ".receipt h1",
    ] {
        assert!(!shown(&s, hidden).await?, "{hidden} is printed");
    }
    for printed in [
        ".slip__title",
        "[data-testid=acceptance-number]",
        "[data-testid=receipt-qr] svg",
    ] {
        assert!(shown(&s, printed).await?, "{printed} is not printed");
    }

    // What the printout says, line by line (innerText leaves out what is not rendered).
    let text = s
        .js("return document.body.innerText")
        .await?
        .as_str()
        .context("the page's text")?
        .to_string();
    let grouped = AcceptanceNumber::parse(&number)
        .map_err(|e| anyhow::anyhow!("{number}: {e:?}"))?
        .grouped();
    for expected in [grouped.as_str(), code.as_str(), "王*明", "居住证"] {
        assert!(
            text.contains(expected),
            "the slip lacks {expected:?}:\n{text}"
        );
    }
    for absent in [
        "王小明",
        "440524188001010014",
        "13800138000",
        "请保存本回执",
        "接下来",
        "联系我们",
        "当前状态",
        "完成",
        "打印",
    ] {
        assert!(!text.contains(absent), "the slip shows {absent:?}:\n{text}");
    }
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines.len() <= 14,
        "a slip of a title, the number and five rows: {lines:?} (on screen: {service})"
    );

    // The slip is as wide as the paper and no wider; then a screenshot of all of it.
    let size = s
        .js("return [document.documentElement.scrollWidth, document.querySelector('.slip').getBoundingClientRect().bottom]")
        .await?;
    let width = size[0].as_f64().context("width")?;
    assert!(
        width <= f64::from(PAPER_PX),
        "the slip overflows 80 mm: {width}px"
    );
    let height = size[1].as_f64().context("height")?.ceil() as u32;
    assert!(
        height > 300 && height < TALL_PX,
        "the slip's height: {height}px"
    );
    s.set_viewport(PAPER_PX, height).await?;
    let (png, path) = s.screenshot_artefact("kiosk-receipt-80mm.png").await?;
    let image = image::load_from_memory(&png)?.to_luma8();
    assert_eq!(
        image.width(),
        PAPER_PX,
        "the screenshot is the paper's width"
    );
    let mut grid = rqrr::PreparedImage::prepare(image);
    let scanned = grid
        .detect_grids()
        .first()
        .with_context(|| format!("no QR code on the slip ({})", path.display()))?
        .decode()?
        .1;
    assert!(
        scanned.contains(&format!("/track/{number}")),
        "the slip's QR opens {scanned}"
    );

    // Printed for real, the kiosk's page is 80 mm wide (the portal's stays A4: below).
    let pdf = s.print_to_pdf().await?;
    std::fs::write(e2e::artefact_path("kiosk-receipt-80mm.pdf")?, &pdf)?;
    let media_box = media_box(&pdf).context("the PDF's page size")?;
    assert!(
        (media_box.0 - 226.8).abs() < 1.5,
        "the printed page is {:.1} pt wide, not 80 mm: {media_box:?}",
        media_box.0
    );
    s.close().await
}

/// At a kiosk without a printer there is no print button, on the receipt or the one-time
/// notice; the guide still leads to the notice, inside the kiosk. The portal keeps its button
/// and prints on A4.
#[tokio::test]
async fn without_a_printer_the_kiosk_offers_no_print() -> Result<()> {
    let s = Session::kiosk().await?;
    let (number, code) = e2e::submit_case(&s).await?;
    s.open(&format!("/receipt/{number}?c={code}")).await?;
    s.wait_for("[data-testid=receipt]").await?;
    assert!(shown(&s, "[data-testid=print]").await?, "the portal prints");
    let a4 = media_box(&s.print_to_pdf().await?).context("the portal's page size")?;
    assert!(
        (a4.0 - 595.3).abs() < 1.5 && (a4.1 - 841.9).abs() < 1.5,
        "the portal prints on A4: {a4:?}"
    );

    s.open(&format!("/kiosk/receipt/{number}?c={code}")).await?;
    s.wait_for("[data-testid=receipt-qr] svg").await?;
    config_read(&s).await?;
    assert!(
        !s.exists("[data-testid=print]").await?,
        "a print button at a kiosk without a printer"
    );

    s.open(&format!("/kiosk/services/{}", e2e::SERVICE)).await?;
    let link = s.wait_for("[data-testid=notice-link]").await?;
    let href = link.attr("href").await?.unwrap_or_default();
    assert_eq!(href, format!("/kiosk/services/{}/notice", e2e::SERVICE));
    assert_eq!(link.text().await?, "一次性告知单");
    link.click().await?;
    s.wait_for("[data-testid=one-time-notice]").await?;
    s.wait_for_path(&href).await?;
    config_read(&s).await?;
    assert!(!s.exists("[data-testid=print]").await?, "on the notice");
    s.close().await
}

/// The first page's `/MediaBox [x0 y0 x1 y1]` of a PDF: (width, height) in points.
fn media_box(pdf: &[u8]) -> Option<(f64, f64)> {
    let text = String::from_utf8_lossy(pdf);
    let at = text.find("/MediaBox")?;
    let inside = text[at..].split_once('[')?.1.split_once(']')?.0;
    let n: Vec<f64> = inside
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    (n.len() == 4).then(|| (n[2] - n[0], n[3] - n[1]))
}

/// Prints the page as the kiosk's printer would (80 mm wide, print media) and keeps a
/// screenshot of the whole slip as `target/e2e-artefacts/NAME`; what the slip says.
async fn print_slip(s: &Session, name: &str) -> Result<String> {
    s.emulate_print().await?;
    s.set_viewport(PAPER_PX, TALL_PX).await?;
    for hidden in [
        ".kiosk-bar",
        ".kiosk-nav",
        "[data-testid=print]",
        ".slip a",
        ".slip button",
    ] {
        assert!(!shown(s, hidden).await?, "{name}: {hidden} is printed");
    }
    let bottom = s
        .js("return document.querySelector('.slip').getBoundingClientRect().bottom")
        .await?
        .as_f64()
        .context("the slip's height")?;
    s.set_viewport(PAPER_PX, (bottom.ceil() as u32).min(TALL_PX))
        .await?;
    s.screenshot_artefact(name).await?;
    Ok(s.js("return document.body.innerText")
        .await?
        .as_str()
        .unwrap_or_default()
        .to_string())
}

/// The one-time notice, from the kiosk's guide, prints as a slip of what to bring and where
/// to go: no introduction, no conditions, no kiosk bars or buttons.
#[tokio::test]
async fn the_kiosk_prints_the_one_time_notice_as_a_slip() -> Result<()> {
    let (s, _config) = kiosk_with_printer().await?;
    s.open(&format!("/kiosk/services/{}", e2e::SERVICE)).await?;
    s.wait_for("[data-testid=guide]").await?;
    let link = s.wait_for("[data-testid=notice-link]").await?;
    config_read(&s).await?;
    assert_eq!(link.text().await?, "打印一次性告知单");
    link.click().await?;
    s.wait_for("[data-testid=one-time-notice]").await?;
    s.wait_for("[data-testid=print]").await?;
    let materials = s.all(".checklist li").await?.len();
    assert!(materials > 0, "the notice lists materials");
    let text = print_slip(&s, "kiosk-notice-80mm.png").await?;
    for expected in ["居住证申领 一次性告知单", "申请材料", "告知日期"] {
        assert!(
            text.contains(expected),
            "the notice slip lacks {expected:?}:\n{text}"
        );
    }
    for absent in [
        "请按以下清单一次备齐材料",
        "受理条件",
        "返回办事指南",
        "打印",
    ] {
        assert!(
            !text.contains(absent),
            "the notice slip shows {absent:?}:\n{text}"
        );
    }
    assert_eq!(
        s.all(".checklist li").await?.len(),
        materials,
        "every material is on the slip"
    );
    s.close().await
}

/// A complaint filed at the kiosk prints as a slip: its number, code, subject, dates and
/// the masked name; never what was written, the full name or the mobile.
#[tokio::test]
async fn the_kiosk_prints_the_complaint_slip() -> Result<()> {
    let (s, _config) = kiosk_with_printer().await?;
    s.open(&format!("/kiosk/complaints/new?service={}", e2e::SERVICE))
        .await?;
    s.wait_for("[data-testid=complaint-form]").await?;
    let chosen = s.wait_for("#c-service").await?;
    for _ in 0..100 {
        if chosen.prop("value").await?.as_deref() == Some(e2e::SERVICE) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    s.click("label[for='c-category-delay']").await?;
    s.type_into("#c-description", "窗口让我来回跑了三次，材料一次没说清。")
        .await?;
    s.click("label[for='c-identity-named']").await?;
    s.type_into("#c-contact-name", "李小四").await?;
    s.type_into("#c-contact-mobile", "13912345678").await?;
    s.click("[data-testid=complaint-submit]").await?;
    let number = s.text_of("[data-testid=complaint-created-number]").await?;
    let code = s.text_of("[data-testid=complaint-created-code]").await?;
    s.wait_for("[data-testid=print]").await?;
    let text = print_slip(&s, "kiosk-complaint-80mm.png").await?;
    for expected in [
        number.trim(),
        code.trim(),
        "投诉回执",
        "居住证申领",
        "李*四",
        "答复期限",
    ] {
        assert!(
            text.contains(expected),
            "the complaint slip lacks {expected:?}:\n{text}"
        );
    }
    for absent in [
        "李小四",
        "13912345678",
        "来回跑",
        "投诉类别",
        "查看投诉进度",
        "完成",
    ] {
        assert!(
            !text.contains(absent),
            "the complaint slip shows {absent:?}:\n{text}"
        );
    }
    s.close().await
}
