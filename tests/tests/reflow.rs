//! Reflow (WCAG 1.4.10): every page of the portal fits 320 CSS pixels, and a 1,280-pixel
//! window at 200 % zoom, without scrolling sideways, in every language and in care mode.
//! A table may scroll inside its own box; the page never does.

use anyhow::Result;
use e2e::audit::{portal_pages, Fixture};
use e2e::{Session, SERVICE};

/// Where the portal keeps the language a visitor chose (`app/src/shell.rs`).
const LOCALE_KEY: &str = "onewindow.locale";

async fn reflows(width: u32, zoom: f64, care: bool) -> Result<()> {
    let s = Session::start(1280, 900).await?;
    let f = Fixture::make(&s).await?;
    s.set_care_cookie(care).await?;
    s.set_zoomed_viewport(width, 900, zoom).await?;
    let pages = portal_pages(&f);
    // Pages with every error shown carry the longest texts.
    let errors = [
        (
            format!("/services/{SERVICE}/apply/applicant"),
            "[data-testid=continue]",
        ),
        (
            format!("/services/{SERVICE}/apply/residence"),
            "[data-testid=continue]",
        ),
        (
            "/complaints/new".to_string(),
            "[data-testid=complaint-submit]",
        ),
    ];
    let mut wide = Vec::new();
    for lang in ["zh-Hans", "zh-Hant", "en"] {
        s.js(&format!(
            "localStorage.setItem('{LOCALE_KEY}', '{lang}'); return null"
        ))
        .await?;
        let label = format!(
            "{width} px at {zoom}× {lang}{}",
            if care { " care" } else { "" }
        );
        for p in &pages {
            s.open(&p.path).await?;
            s.wait_for(p.ready).await?;
            if let Some(why) = s.horizontal_overflow().await? {
                wide.push(format!("{label} {}: {why}", p.path));
            }
            if p.path == "/" {
                // Fitting must not split a language's name over two lines.
                let broken = s
                    .js("return [...document.querySelectorAll('.language-switch button')].filter(b => {
                           const r = document.createRange(); r.selectNodeContents(b);
                           return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1;
                         }).map(b => b.textContent)")
                    .await?;
                if broken != serde_json::json!([]) {
                    wide.push(format!("{label} /: language names broken: {broken}"));
                }
            }
        }
        for (path, press) in &errors {
            s.open(path).await?;
            s.click(press).await?;
            s.wait_for("[data-testid=error-summary]").await?;
            if let Some(why) = s.horizontal_overflow().await? {
                wide.push(format!("{label} {path} with errors: {why}"));
            }
        }
    }
    // The longest status (English, in care mode) wraps inside its tag: for a person to see.
    let (number, code) = &f.supplement;
    s.open(&format!("/track/{number}?c={code}")).await?;
    s.wait_for("[data-testid=supplement]").await?;
    let name = format!(
        "reflow-{width}-{zoom}x{}-case.png",
        if care { "-care" } else { "" }
    );
    s.screenshot_artefact(&name).await?;
    let inner = s.js("return [innerWidth, devicePixelRatio]").await?;
    assert_eq!(inner[0].as_u64(), Some(u64::from(width)), "{inner}");
    assert_eq!(inner[1].as_f64(), Some(zoom), "{inner}");
    s.close().await?;
    assert!(wide.is_empty(), "{wide:#?}");
    Ok(())
}

#[tokio::test]
async fn the_portal_reflows_at_320_px() -> Result<()> {
    reflows(320, 1.0, false).await
}

#[tokio::test]
async fn the_portal_reflows_at_320_px_in_care_mode() -> Result<()> {
    reflows(320, 1.0, true).await
}

#[tokio::test]
async fn the_portal_reflows_at_200_percent_zoom() -> Result<()> {
    reflows(640, 2.0, false).await
}

#[tokio::test]
async fn the_portal_reflows_at_200_percent_zoom_in_care_mode() -> Result<()> {
    reflows(640, 2.0, true).await
}
