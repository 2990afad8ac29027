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

// ---- The attract screen, elderly mode, read-aloud and the kiosk's hygiene ----

/// The hall's settings for the tests below, with `extra` lines.
fn kiosk_config(extra: &str) -> anyhow::Result<(tempfile::TempDir, String)> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("kiosk.toml");
    std::fs::write(
        &file,
        format!("hall_name = \"天河区政务服务中心\"\nhotline = \"020-12345678\"\n{extra}"),
    )?;
    let file = file.display().to_string();
    Ok((dir, file))
}

/// The visitor finishes without a rating: the kiosk reloads (a marker left on the page is
/// gone) and shows its attract screen for the next visitor.
async fn finish_without_rating(s: &Session) -> anyhow::Result<()> {
    s.js("window.beforeTheEnd = true; return null").await?;
    s.click("[data-testid=kiosk-finish]").await?;
    s.click("[data-testid=finish-skip]").await?;
    for _ in 0..100 {
        if s.js("return window.beforeTheEnd === undefined && !!document.querySelector('[data-testid=attract]')").await? == serde_json::json!(true) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    s.wait_for_path("/kiosk/").await
}

/// A kiosk of `width`×`height` with the settings above, on its attract screen once the
/// settings have arrived.
async fn attract_screen(
    width: u32,
    height: u32,
    extra_config: &str,
) -> anyhow::Result<(Session, tempfile::TempDir)> {
    let (dir, file) = kiosk_config(extra_config)?;
    let s = Session::start_with(width, height, &["--kiosk-config", &file]).await?;
    s.open("/kiosk/").await?;
    exact_viewport(&s, width, height).await?;
    s.wait_for("[data-testid=attract] .task-grid").await?;
    wait_for_text(&s, "[data-testid=kiosk-hall]", "天河区政务服务中心").await?;
    Ok((s, dir))
}

/// Grows the window until the page itself is `width`×`height` (the window's size counts
/// the browser's own frame).
async fn exact_viewport(s: &Session, width: u32, height: u32) -> anyhow::Result<()> {
    for _ in 0..3 {
        let inner = s.js("return [innerWidth, innerHeight]").await?;
        let (w, h) = (
            inner[0].as_u64().unwrap_or(0) as u32,
            inner[1].as_u64().unwrap_or(0) as u32,
        );
        if (w, h) == (width, height) {
            return Ok(());
        }
        let (_, _, outer_w, outer_h) = s.browser.get_window_rect().await?;
        s.browser
            .set_window_size(
                (outer_w as i64 + width as i64 - w as i64) as u32,
                (outer_h as i64 + height as i64 - h as i64) as u32,
            )
            .await?;
    }
    let inner = s.js("return [innerWidth, innerHeight]").await?;
    anyhow::bail!("the page is {inner}, not {width}x{height}")
}

/// Every visible link and button narrower or lower than 60 px, with its size.
async fn small_targets(s: &Session) -> anyhow::Result<serde_json::Value> {
    s.js("return [...document.querySelectorAll('a, button, [role=button]')].filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.height < 60 || r.width < 60); }).map(e => `${e.textContent.trim()} ${Math.round(e.getBoundingClientRect().width)}x${Math.round(e.getBoundingClientRect().height)}`)")
        .await
}

/// The computed font size of the page's heading, in px.
async fn heading_px(s: &Session) -> anyhow::Result<f64> {
    let px = s
        .js("return parseFloat(getComputedStyle(document.querySelector('#main h1')).fontSize)")
        .await?;
    px.as_f64().context_missing("the heading's font size")
}

trait Missing<T> {
    fn context_missing(self, what: &str) -> anyhow::Result<T>;
}

impl<T> Missing<T> for Option<T> {
    fn context_missing(self, what: &str) -> anyhow::Result<T> {
        self.ok_or_else(|| anyhow::anyhow!("{what} is missing"))
    }
}

/// The attract screen, portrait and landscape: the hall, a clock that shows the time, the
/// date, four tasks, how to scan a receipt with a readable example QR code, elderly mode
/// and the hotline, laid out to fill the screen without scrolling, every target at least
/// 60 px, in elderly mode too.
#[tokio::test]
async fn the_attract_screen_fills_portrait_and_landscape_screens() -> anyhow::Result<()> {
    for (width, height) in [(1080u32, 1920u32), (1920, 1080)] {
        let size = format!("{width}x{height}");
        let (s, _config) = attract_screen(width, height, "").await?;
        let viewport = s.js("return [innerWidth, innerHeight]").await?;
        assert_eq!(viewport, serde_json::json!([width, height]), "{size}");

        let clock = s.text_of("[data-testid=kiosk-clock]").await?;
        let digits: Vec<&str> = clock.split(':').collect();
        assert!(
            digits.len() == 2
                && digits
                    .iter()
                    .all(|d| d.len() == 2 && d.chars().all(|c| c.is_ascii_digit())),
            "{size}: the clock shows {clock:?}"
        );
        let date = s.text_of("[data-testid=kiosk-date]").await?;
        let year = s.js("return String(new Date().getFullYear())").await?;
        assert!(
            date.contains(year.as_str().unwrap_or("?")),
            "{size}: the date shows {date:?}"
        );
        assert_eq!(
            s.all("[data-testid=attract] .task-grid a.tile")
                .await?
                .len(),
            4,
            "{size}"
        );
        let hotline = s.text_of("[data-testid=kiosk-hotline]").await?;
        assert!(hotline.contains("020-12345678"), "{size}: {hotline}");
        for control in ["[data-testid=attract-care]", "[data-testid=care-toggle]"] {
            let pressed = s.wait_for(control).await?.attr("aria-pressed").await?;
            assert_eq!(pressed.as_deref(), Some("false"), "{size}: {control}");
        }
        // The example receipt's QR code is a real one, of the form receipts carry.
        let hint = s.text_of("[data-testid=scan-hint]").await?;
        assert!(
            hint.contains("示例") && hint.contains("二维码"),
            "{size}: {hint}"
        );
        let qr = s.wait_for("[data-testid=scan-hint-qr] svg").await?;
        let img = image::load_from_memory(&qr.screenshot().await?)?.to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(img);
        let grids = prepared.detect_grids();
        let (_, content) = grids
            .first()
            .context_missing("a readable QR code in the scanner hint")?
            .decode()?;
        assert!(
            content.contains("/track/") && content.contains("?c="),
            "{size}: {content}"
        );

        // The screen is used whole: the content reaches the bottom bar and nothing scrolls.
        let fill = s
            .js("const m = document.querySelector('.kiosk-main'), a = document.querySelector('[data-testid=attract]').getBoundingClientRect(), n = document.querySelector('.kiosk-nav').getBoundingClientRect(); return {bottom: a.bottom, nav: n.top, scrolls: m.scrollHeight > m.clientHeight + 1, height: innerHeight}")
            .await?;
        let bottom = fill["bottom"].as_f64().unwrap_or(0.0);
        assert!(
            bottom >= fill["nav"].as_f64().unwrap_or(f64::MAX) - 64.0,
            "{size}: {fill}"
        );
        assert!(bottom >= 0.85 * height as f64, "{size}: {fill}");
        assert_eq!(fill["scrolls"], serde_json::json!(false), "{size}: {fill}");
        // Portrait stacks the tasks above the scanner hint; landscape puts them beside it.
        let place = s
            .js("const t = document.querySelector('.attract__tasks').getBoundingClientRect(), h = document.querySelector('[data-testid=scan-hint]').getBoundingClientRect(); return {beside: t.left >= h.right, above: t.bottom <= h.top}")
            .await?;
        let key = if width > height { "beside" } else { "above" };
        assert_eq!(place[key], serde_json::json!(true), "{size}: {place}");

        assert_eq!(
            small_targets(&s).await?,
            serde_json::json!([]),
            "{size}: targets under 60 px"
        );
        s.screenshot_artefact(&format!("kiosk-attract-{size}.png"))
            .await?;

        s.click("[data-testid=attract-care]").await?;
        assert_eq!(
            small_targets(&s).await?,
            serde_json::json!([]),
            "{size} in elderly mode: targets under 60 px"
        );
        s.screenshot_artefact(&format!("kiosk-attract-{size}-elderly.png"))
            .await?;
        s.close().await?;
    }
    Ok(())
}

/// Elderly mode: the bar's button turns it on (text half as large again), and the session's
/// end forgets it, so the next visitor finds the ordinary screen.
#[tokio::test]
async fn elderly_mode_enlarges_text_and_is_gone_for_the_next_visitor() -> anyhow::Result<()> {
    let (s, _config) = attract_screen(1080, 1920, "").await?;
    let normal = heading_px(&s).await?;
    let toggle = "[data-testid=care-toggle]";
    s.click(toggle).await?;
    let pressed = s.wait_for(toggle).await?.attr("aria-pressed").await?;
    assert_eq!(pressed.as_deref(), Some("true"));
    let attract = s
        .wait_for("[data-testid=attract-care]")
        .await?
        .attr("aria-pressed")
        .await?;
    assert_eq!(
        attract.as_deref(),
        Some("true"),
        "both buttons say the same"
    );
    let larger = heading_px(&s).await?;
    assert!(larger >= 1.5 * normal, "heading {normal}px → {larger}px");
    // Its contrast and everything else still pass WCAG 2.2 AA.
    let problems = s.accessibility_violations().await?;
    assert!(problems.is_empty(), "elderly mode: {problems:#?}");
    // Nothing of it is kept anywhere the next visitor could inherit it from.
    let storage = s
        .js("return localStorage.length + sessionStorage.length")
        .await?;
    assert_eq!(storage, serde_json::json!(0));

    // It stays on through the visit: another page, and a language change.
    s.click("[data-testid=attract] .task-grid a.tile").await?;
    s.wait_for_path("/kiosk/guides").await?;
    s.wait_for(".tile-grid a.tile").await?;
    assert!(heading_px(&s).await? >= 1.5 * normal);
    s.click(".language-switch button[lang=en]").await?;
    s.wait_for("html[lang=en]").await?;
    let pressed = s.wait_for(toggle).await?.attr("aria-pressed").await?;
    assert_eq!(
        pressed.as_deref(),
        Some("true"),
        "a language change keeps elderly mode"
    );

    // The visitor finishes without a rating; the kiosk reloads for the next one.
    finish_without_rating(&s).await?;
    s.wait_for("[data-testid=attract] .task-grid").await?;
    let pressed = s.wait_for(toggle).await?.attr("aria-pressed").await?;
    assert_eq!(
        pressed.as_deref(),
        Some("false"),
        "the next visitor starts without it"
    );
    let class = s.js("return document.documentElement.className").await?;
    assert!(
        !class.as_str().unwrap_or_default().contains("care"),
        "{class}"
    );
    let again = heading_px(&s).await?;
    assert!(
        (again - normal).abs() < 0.5,
        "heading {normal}px, then {again}px"
    );
    s.close().await
}

/// A hall that offers English only: the session starts in English and no switch offers
/// Chinese.
#[tokio::test]
async fn a_kiosk_offers_only_its_configured_languages() -> anyhow::Result<()> {
    let (dir, file) = kiosk_config("languages = [\"en\"]\n")?;
    let s = Session::start_with(1080, 1920, &["--kiosk-config", &file]).await?;
    s.open("/kiosk/").await?;
    s.wait_for("html[lang=en]").await?;
    wait_for_text(&s, "h1", "Welcome").await?;
    s.wait_for("[data-testid=attract] .task-grid").await?;
    assert!(
        !s.exists(".language-switch").await?,
        "one language needs no switch"
    );
    assert!(!s.exists("button[lang^=zh]").await?);
    let lead = s.text_of("[data-testid=scan-hint]").await?;
    assert!(lead.contains("Scan"), "{lead}");
    drop(dir);
    s.close().await
}

/// A hall whose first language is Traditional: a visitor who switched to English leaves,
/// and the next visitor finds the kiosk in Traditional again.
#[tokio::test]
async fn the_next_visitor_starts_in_the_halls_first_language() -> anyhow::Result<()> {
    let (dir, file) = kiosk_config("languages = [\"zh-Hant\", \"zh-Hans\", \"en\"]\n")?;
    let s = Session::start_with(1080, 1920, &["--kiosk-config", &file]).await?;
    s.open("/kiosk/").await?;
    s.wait_for("html[lang=zh-Hant]").await?;
    s.wait_for("[data-testid=attract] .task-grid").await?;
    let first = s.heading().await?;

    s.click("[data-testid=attract] .task-grid a.tile").await?;
    s.wait_for_path("/kiosk/guides").await?;
    s.click(".language-switch button[lang=en]").await?;
    s.wait_for("html[lang=en]").await?;
    finish_without_rating(&s).await?;
    s.wait_for("html[lang=zh-Hant]").await?;
    s.wait_for("[data-testid=attract] .task-grid").await?;
    assert_eq!(
        s.heading().await?,
        first,
        "the attract screen in Traditional"
    );
    let kept = s
        .js("return localStorage.length + sessionStorage.length")
        .await?;
    assert_eq!(kept, serde_json::json!(0), "no language remembered");
    drop(dir);
    s.close().await
}

/// No link leaves the kiosk, whatever put it on the page: another site, a phone number and
/// the portal's own pages are refused; the kiosk's own pages still open.
#[tokio::test]
async fn links_out_of_the_kiosk_are_refused() -> anyhow::Result<()> {
    let s = Session::kiosk().await?;
    s.open("/kiosk/").await?;
    s.wait_for("[data-testid=attract] .task-grid").await?;
    // A large link at the top of the page, to `href` in the window `target`.
    let inject = |href: &str, target: &str| {
        format!(
            "document.querySelector('#injected')?.remove(); const a = document.createElement('a'); a.id = 'injected'; a.className = 'tile'; a.textContent = 'out'; a.href = '{href}'; a.target = '{target}'; document.querySelector('#main').prepend(a); return null"
        )
    };
    for (href, target) in [
        ("https://example.com/", ""),
        ("tel:12345", ""),
        ("mailto:hall@example.com", ""),
        ("/services/440113-GA-GG-001", ""),
        ("/kiosk/guides", "_blank"),
    ] {
        s.js(&inject(href, target)).await?;
        s.click("#injected").await?;
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        let url = s.browser.current_url().await?;
        assert_eq!(url.path(), "/kiosk/", "{href} led to {url}");
        assert_eq!(
            s.browser.windows().await?.len(),
            1,
            "{href} opened a window"
        );
        assert!(s.exists("[data-testid=attract]").await?, "{href}");
    }
    // The kiosk's own pages open as before.
    s.js(&inject("/kiosk/guides", "")).await?;
    s.click("#injected").await?;
    s.wait_for_path("/kiosk/guides").await?;
    s.close().await
}

/// No context menu, text selection or pinch on the kiosk; what a visitor types stays
/// selectable.
#[tokio::test]
async fn the_kiosk_has_no_context_menu_selection_or_zoom() -> anyhow::Result<()> {
    let s = Session::kiosk().await?;
    s.open("/kiosk/track").await?;
    s.wait_for("input").await?;
    let prevented = s
        .js("const e = new MouseEvent('contextmenu', {bubbles: true, cancelable: true}); document.querySelector('h1').dispatchEvent(e); return e.defaultPrevented")
        .await?;
    assert_eq!(
        prevented,
        serde_json::json!(true),
        "the context menu opened"
    );
    let css = s
        .js("const b = getComputedStyle(document.body), i = getComputedStyle(document.querySelector('input')); return {select: b.userSelect, touch: b.touchAction, input: i.userSelect}")
        .await?;
    assert_eq!(css["select"], "none", "{css}");
    assert_eq!(css["touch"], "pan-x pan-y", "{css}");
    assert_eq!(css["input"], "text", "{css}");
    s.close().await
}

/// Read-aloud speaks the page's heading and its key results in the visitor's language.
#[tokio::test]
async fn read_aloud_speaks_the_heading_and_key_results() -> anyhow::Result<()> {
    let (s, _config) = attract_screen(1080, 1920, "").await?;
    // What the page hands the speech engine, recorded instead of played.
    s.js("window.spoken = []; speechSynthesis.speak = u => window.spoken.push({text: u.text, lang: u.lang}); return null")
        .await?;
    s.click("[data-testid=read-aloud]").await?;
    let spoken = s.js("return window.spoken").await?;
    let first = &spoken[0];
    let text = first["text"].as_str().unwrap_or_default();
    assert!(text.contains(&s.heading().await?), "{spoken}");
    assert!(text.contains("020-12345678"), "{spoken}");
    assert_eq!(first["lang"], "zh-CN", "{spoken}");

    s.click(".language-switch button[lang=en]").await?;
    s.wait_for("html[lang=en]").await?;
    wait_for_text(&s, "h1", "Welcome").await?;
    s.js("window.spoken = []; return null").await?;
    s.click("[data-testid=read-aloud]").await?;
    let spoken = s.js("return window.spoken").await?;
    assert_eq!(spoken[0]["lang"], "en", "{spoken}");
    assert!(
        spoken[0]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("Welcome"),
        "{spoken}"
    );

    // A case's page: its heading, its status and its promised date, in the order shown.
    let (number, code) = e2e::submit_case(&s).await?;
    // Accepted, so that the promised date's clock runs.
    s.server_cli(&["case", &number, "accept"])?;
    s.open(&format!("/kiosk/track/{number}?c={code}")).await?;
    let status = s.text_of("[data-testid=case-status]").await?;
    let light = s.text_of("[data-testid=light]").await?;
    let light = light.split_whitespace().collect::<Vec<_>>().join(" ");
    s.js("window.spoken = []; speechSynthesis.speak = u => window.spoken.push({text: u.text, lang: u.lang}); return null")
        .await?;
    s.click("[data-testid=read-aloud]").await?;
    let spoken = s.js("return window.spoken").await?;
    let text = spoken[0]["text"].as_str().unwrap_or_default().to_string();
    let heading = s.heading().await?;
    let at = |part: &str| text.find(part).unwrap_or(usize::MAX);
    assert!(
        at(&heading) < at(&status) && at(&status) < at(&light) && at(&light) < usize::MAX,
        "{text:?}: {heading}, {status}, {light}"
    );
    s.close().await
}
