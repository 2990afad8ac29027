//! The kiosk in a portrait 1080×1920 Chromium against the real server.

use e2e::Session;

#[tokio::test]
async fn tap_a_topic_then_a_service_and_see_its_guide() -> anyhow::Result<()> {
    let s = Session::kiosk().await?;
    s.open("/kiosk/").await?;
    s.wait_for(".task-grid").await?;
    // Every task is built: four links, none shown as unavailable.
    assert!(s.all(".tile--unavailable").await?.is_empty());
    assert_eq!(
        s.all(".task-grid a.tile").await?.len(),
        4,
        "guides, online application, lookup and complaints"
    );

    s.click(".task-grid a.tile").await?;
    s.wait_for_path("/kiosk/guides").await?;
    let topic = s.wait_for(".tile-grid a.tile").await?;
    let topic_name = topic
        .find(e2e::By::Css(".tile__title"))
        .await?
        .text()
        .await?;
    topic.click().await?;
    let service = s.wait_for("[data-testid=service-list] a.tile").await?;
    assert_eq!(s.heading().await?, topic_name);
    let service_name = service
        .find(e2e::By::Css(".tile__title"))
        .await?
        .text()
        .await?;
    service.click().await?;

    s.wait_for("[data-testid=guide]").await?;
    s.wait_for("[data-testid=materials-table]").await?;
    assert_eq!(s.heading().await?, service_name);
    assert!(s
        .browser
        .current_url()
        .await?
        .path()
        .starts_with("/kiosk/services/"));

    // Every control the visitor can touch is at least 60 px in both directions.
    let small = s
        .js("return [...document.querySelectorAll('a, button')].filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.height < 60 || r.width < 60) && !e.closest('.table, .details__text'); }).map(e => e.textContent.trim() + ' ' + Math.round(e.getBoundingClientRect().height))")
        .await?;
    assert_eq!(small, serde_json::json!([]), "targets under 60 px");
    s.close().await
}

#[tokio::test]
async fn browse_by_department() -> anyhow::Result<()> {
    let s = Session::kiosk().await?;
    s.open("/kiosk/guides?by=department").await?;
    let dept = s.wait_for(".tile-grid a.tile").await?;
    let name = dept
        .find(e2e::By::Css(".tile__title"))
        .await?
        .text()
        .await?;
    dept.click().await?;
    s.wait_for("[data-testid=service-list] a.tile").await?;
    assert_eq!(s.heading().await?, name);
    s.close().await
}

/// A kiosk started with a configuration file shows its hall's name and hotline at home, and
/// the session starts in the hall's first language.
#[tokio::test]
async fn the_home_screen_shows_the_configured_hall_and_hotline() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("kiosk.toml");
    std::fs::write(
        &file,
        "hall_name = \"天河区政务服务中心\"\nhotline = \"020-12345678\"\n",
    )?;
    let file = file.display().to_string();
    let s = e2e::Session::start_with(1080, 1920, &["--kiosk-config", &file]).await?;
    s.open("/kiosk/").await?;
    s.wait_for(".task-grid").await?;
    let hall = wait_for_text(&s, "[data-testid=kiosk-hall]", "天河区政务服务中心").await?;
    assert_eq!(hall, "天河区政务服务中心");
    let hotline = s.text_of("[data-testid=kiosk-hotline]").await?;
    assert!(hotline.contains("020-12345678"), "{hotline}");
    let title = s.text_of("[data-testid=kiosk-title]").await?;
    assert!(title.starts_with("天河区政务服务中心"), "{title}");
    s.close().await
}

/// The text of `css` once it contains `expected` (the configuration arrives after boot).
async fn wait_for_text(s: &Session, css: &str, expected: &str) -> anyhow::Result<String> {
    for _ in 0..100 {
        let text = s.text_of(css).await?;
        if text.contains(expected) {
            return Ok(text);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!(
        "{css} never showed {expected:?}: {:?}",
        s.text_of(css).await?
    )
}
