//! The portal in a phone-sized Chromium against the real server.

use e2e::Session;

#[tokio::test]
async fn search_for_business_licence_opens_its_guide_with_the_materials_table() -> anyhow::Result<()>
{
    let s = Session::phone().await?;
    s.open("/").await?;
    let input = s.wait_for("#search-q").await?;
    input.send_keys("营业执照").await?;
    s.click("button.search__button").await?;
    s.wait_for_path("/services?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7")
        .await?;

    let first = s
        .wait_for("[data-testid=service-list] .service-card__link")
        .await?;
    let name = first.text().await?;
    assert!(name.contains("营业执照"), "first result: {name}");
    first.click().await?;

    let table = s.wait_for("[data-testid=materials-table]").await?;
    let rows = table.find_all(e2e::By::Css("tbody tr")).await?;
    assert!(!rows.is_empty(), "the materials table has rows");
    assert_eq!(s.heading().await?, name);
    // After navigating, focus is on the new page's heading.
    let focused = s
        .js("return document.activeElement && document.activeElement.tagName")
        .await?;
    assert_eq!(focused, "H1");
    let title = s.js("return document.title").await?;
    assert!(
        title.as_str().unwrap_or("").contains(&name),
        "title {title}"
    );
    s.close().await
}

#[tokio::test]
async fn a_guide_opens_directly_by_url_with_every_section() -> anyhow::Result<()> {
    let s = Session::phone().await?;
    s.open("/services/440113-SCJG-XK-001").await?;
    s.wait_for("[data-testid=materials-table]").await?;
    assert_eq!(s.heading().await?, "企业设立登记（核发营业执照）");
    let sections: Vec<String> = {
        let mut out = Vec::new();
        for h in s.all(".guide__section > h2").await? {
            out.push(h.text().await?);
        }
        out
    };
    for expected in [
        "基本信息",
        "受理条件",
        "申请材料",
        "办理流程",
        "办理时限",
        "收费标准",
        "办理地点与时间",
        "办理结果",
        "设定依据",
    ] {
        assert!(
            sections.iter().any(|s| s == expected),
            "missing section {expected}: {sections:?}"
        );
    }
    assert_eq!(s.js("return document.documentElement.lang").await?, "zh-CN");
    // Usable at phone width: nothing forces the page sideways.
    let overflow = s
        .js("return document.documentElement.scrollWidth > window.innerWidth")
        .await?;
    assert_eq!(overflow, false, "the page scrolls sideways at phone width");

    s.click("[data-testid=notice-link]").await?;
    let notice = s.wait_for("[data-testid=one-time-notice]").await?;
    assert!(notice.text().await?.contains("一次性告知单"));
    assert!(!s.all(".checklist li").await?.is_empty());
    s.close().await
}

#[tokio::test]
async fn an_unknown_service_code_shows_the_not_found_page() -> anyhow::Result<()> {
    let s = Session::phone().await?;
    s.open("/services/440113-NO-SUCH-999").await?;
    s.wait_for("[data-testid=not-found]").await?;
    assert_eq!(s.heading().await?, "找不到该事项");
    s.open("/no/such/page").await?;
    s.wait_for("[data-testid=not-found]").await?;
    assert_eq!(s.heading().await?, "找不到该页面");
    s.close().await
}

#[tokio::test]
async fn an_empty_search_is_refused_beside_the_field_and_keeps_the_page() -> anyhow::Result<()> {
    let s = Session::phone().await?;
    s.open("/").await?;
    s.wait_for("#search-q").await?.send_keys("   ").await?;
    s.click("button.search__button").await?;
    let error = s.wait_for("#search-q-error").await?;
    assert!(error.text().await?.contains("请输入"));
    s.wait_for_path("/").await?;
    s.close().await
}

#[tokio::test]
async fn the_language_can_be_switched_and_is_remembered() -> anyhow::Result<()> {
    let s = Session::phone().await?;
    s.open("/services/440113-SCJG-XK-001").await?;
    s.wait_for("[data-testid=materials-table]").await?;
    s.click(".language-switch button[lang=en]").await?;
    s.wait_for("[data-testid=materials-table]").await?;
    assert_eq!(s.js("return document.documentElement.lang").await?, "en");
    let headings = s
        .js("return [...document.querySelectorAll('.guide__section > h2')].map(h => h.textContent)")
        .await?;
    assert!(headings.to_string().contains("Materials"), "{headings}");
    s.open("/").await?;
    s.wait_for("#search-q").await?;
    assert_eq!(s.js("return document.documentElement.lang").await?, "en");
    s.close().await
}

/// Waits until the page's `h1` reads `expected`: a language change renders the page anew
/// and fetches its guide again.
async fn wait_for_heading(s: &Session, expected: &str) -> anyhow::Result<()> {
    for _ in 0..100 {
        if s.heading().await.is_ok_and(|h| h == expected) {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("the heading never read {expected}: {:?}", s.heading().await)
}

#[tokio::test]
async fn a_browser_asking_for_traditional_chinese_gets_it_from_the_first_visit(
) -> anyhow::Result<()> {
    let s = Session::phone_in("zh-TW").await?;
    s.open("/").await?;
    s.wait_for(".service-card").await?;
    assert_eq!(
        s.js("return document.documentElement.lang").await?,
        "zh-Hant"
    );
    let body = s.js("return document.body.innerText").await?;
    let body = body.as_str().unwrap_or_default();
    assert!(
        body.contains("辦事指南") && !body.contains("办事指南"),
        "{body:.400}"
    );
    // The catalogue's own texts, converted by the server.
    let cards = s
        .js("return [...document.querySelectorAll('.service-card')].map(c => c.textContent).join('|')")
        .await?;
    assert!(cards.to_string().contains("居住證"), "{cards}");

    s.open("/services/440113-GA-GG-001").await?;
    s.wait_for("[data-testid=materials-table]").await?;
    assert_eq!(s.heading().await?, "居住證申領");
    assert_eq!(
        s.js("return document.documentElement.lang").await?,
        "zh-Hant"
    );
    let sections = s
        .js("return [...document.querySelectorAll('.guide__section > h2')].map(h => h.textContent)")
        .await?;
    assert!(sections.to_string().contains("申請材料"), "{sections}");

    // A choice made on the switch wins over the browser's languages from then on.
    s.click(".language-switch button[lang=zh-CN]").await?;
    wait_for_heading(&s, "居住证申领").await?;
    s.open("/services/440113-GA-GG-001").await?;
    s.wait_for("[data-testid=materials-table]").await?;
    assert_eq!(s.heading().await?, "居住证申领");
    assert_eq!(s.js("return document.documentElement.lang").await?, "zh-CN");
    s.close().await
}

#[tokio::test]
async fn an_english_browser_gets_english_around_the_simplified_catalogue() -> anyhow::Result<()> {
    let s = Session::phone_in("en-GB").await?;
    s.open("/services/440113-GA-GG-001").await?;
    s.wait_for("[data-testid=materials-table]").await?;
    assert_eq!(s.js("return document.documentElement.lang").await?, "en");
    assert_eq!(
        s.heading().await?,
        "居住证申领",
        "there is no English catalogue"
    );
    s.close().await
}

/// The receipt's promised date (`YYYY-MM-DD`), read from the API as the page does.
async fn promised_date(s: &Session, number: &str, code: &str) -> anyhow::Result<(u32, u32, u32)> {
    let answer = s
        .js(&format!(
            "return fetch('/api/v1/applications/{number}?c={code}').then(r => r.json())"
        ))
        .await?;
    let date = answer["promised_date"].as_str().unwrap_or_default();
    let parts: Vec<u32> = date.split('-').filter_map(|p| p.parse().ok()).collect();
    anyhow::ensure!(parts.len() == 3, "a promised date: {answer}");
    Ok((parts[0], parts[1], parts[2]))
}

/// A new case's receipt and case page as this session's visitor reads them (their texts once
/// loaded), with the promised date as Chinese and as English write it.
async fn receipt_and_case(s: &Session) -> anyhow::Result<(String, String, String, String)> {
    let (number, code) = e2e::submit_case(s).await?;
    let promised = promised_date(s, &number, &code).await?;
    s.open(&format!("/receipt/{number}?c={code}")).await?;
    let receipt = s.wait_for("[data-testid=receipt]").await?.text().await?;
    let lang = s.js("return document.documentElement.lang").await?;
    let lang = lang.as_str().unwrap_or("unknown");
    s.screenshot_artefact(&format!("receipt-{lang}-phone.png"))
        .await?;
    s.open(&format!("/track/{number}?c={code}")).await?;
    s.wait_for("[data-testid=timeline]").await?;
    let case = s.text_of("[data-testid=case]").await?;
    s.screenshot_artefact(&format!("case-{lang}-phone.png"))
        .await?;
    let (y, m, d) = promised;
    Ok((
        receipt,
        case,
        format!("{y}年{m}月{d}日"),
        format!("{d} {} {y}", MONTHS[m as usize - 1]),
    ))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A Traditional reader's receipt and case page name the service in Traditional and write
/// days as Chinese does; the step the interface names itself is in Traditional too.
#[tokio::test]
async fn a_traditional_readers_receipt_and_case_read_in_traditional() -> anyhow::Result<()> {
    let s = Session::phone_in("zh-TW").await?;
    let (receipt, case, chinese_day, _) = receipt_and_case(&s).await?;
    for (page, text) in [("receipt", &receipt), ("case", &case)] {
        assert!(
            text.contains("居住證申領") && !text.contains("居住证申领"),
            "{page}: {text}"
        );
        assert!(text.contains("區公安分局"), "{page}: {text}");
        assert!(
            text.contains(&chinese_day),
            "{page}: {chinese_day} in {text}"
        );
    }
    assert!(
        case.contains("提交申請") && case.contains("待受理"),
        "{case}"
    );
    s.close().await
}

/// An English reader's receipt and case page write days as English does (`20 December
/// 2026`), and the steps the interface names itself in English; the catalogue's names stay
/// Simplified, as there is no English catalogue.
#[tokio::test]
async fn an_english_readers_receipt_and_case_write_days_in_english() -> anyhow::Result<()> {
    let s = Session::phone_in("en-GB").await?;
    let (receipt, case, _, english_day) = receipt_and_case(&s).await?;
    for (page, text) in [("receipt", &receipt), ("case", &case)] {
        assert!(text.contains("居住证申领"), "{page}: {text}");
        assert!(
            text.contains(&english_day),
            "{page}: {english_day} in {text}"
        );
    }
    assert!(
        case.contains("Application submitted") && case.contains("Waiting to be accepted"),
        "{case}"
    );
    assert!(!case.contains("提交申请"), "{case}");
    s.close().await
}

#[tokio::test]
async fn when_the_api_is_unreachable_the_page_says_so_and_offers_a_retry() -> anyhow::Result<()> {
    let mut s = Session::phone().await?;
    s.open("/").await?;
    s.wait_for(".service-card").await?;
    s.stop_server().await?;
    // A client-side navigation: the bundle is loaded, only the API is gone.
    s.click(".service-card__link").await?;
    let panel = s.wait_for("[data-testid=fetch-error]").await?;
    let text = panel.text().await?;
    assert!(text.contains("无法连接服务器"), "{text}");
    let retry = panel.find(e2e::By::Css("button")).await?;
    assert_eq!(retry.text().await?, "重试");
    retry.click().await?;
    // Still unreachable: the panel stays, nothing is lost or blank.
    s.wait_for("[data-testid=fetch-error]").await?;
    s.close().await
}

/// The served Content-Security-Policy (no inline script but the bundles' own, by hash) lets
/// every bundle run: each renders its page, no `securitypolicyviolation` fires while the
/// portal navigates, and the browser's console holds no refusal.
#[tokio::test]
async fn the_content_security_policy_lets_every_bundle_run() -> anyhow::Result<()> {
    let s = Session::phone().await?;
    s.open("/").await?;
    let input = s.wait_for("#search-q").await?;
    let csp = s
        .js("return fetch('/').then(r => r.headers.get('content-security-policy'))")
        .await?;
    let csp = csp.as_str().unwrap_or("").to_string();
    assert!(
        csp.contains("default-src 'self'")
            && csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline"),
        "served policy: {csp:?}"
    );
    s.js("window.__violations = []; document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI)); return null")
        .await?;
    // Navigating inside the bundle renders more pages (a list, a guide with its tables).
    input.send_keys("营业执照").await?;
    s.click("button.search__button").await?;
    s.wait_for("[data-testid=service-list] .service-card__link")
        .await?
        .click()
        .await?;
    s.wait_for("[data-testid=materials-table]").await?;
    let violations = s.js("return window.__violations").await?;
    assert_eq!(violations, serde_json::json!([]), "while navigating");

    // The other bundles load under the same policy.
    for (path, rendered) in [
        ("/kiosk/", ".task-grid"),
        ("/services/440113-GA-GG-001/apply", "h1"),
        ("/track", "h1"),
        ("/complaints/new", "[data-testid=complaint-form]"),
    ] {
        s.open(path).await?;
        s.wait_for(rendered).await?;
    }
    s.js("console.warn('e2e-log-probe'); return null").await?;
    let log = s.browser_log().await?;
    assert!(
        log.iter().any(|l| l.contains("e2e-log-probe")),
        "the console is not read: {log:#?}"
    );
    let refused = |log: &[String]| -> Vec<String> {
        log.iter()
            .filter(|l| l.contains("Content Security Policy") || l.contains("Refused to"))
            .cloned()
            .collect()
    };
    assert!(refused(&log).is_empty(), "the browser refused: {log:#?}");

    // And the policy is enforced: a script injected into the page does not run.
    let ran = s
        .js("const el = document.createElement('script'); el.textContent = 'window.__injected = true'; document.body.append(el); return window.__injected === true")
        .await?;
    assert_eq!(
        ran,
        serde_json::json!(false),
        "an injected inline script ran"
    );
    let log = s.browser_log().await?;
    assert!(!refused(&log).is_empty(), "no refusal reported: {log:#?}");
    s.close().await
}

#[tokio::test]
async fn care_mode_enlarges_the_text_and_survives_a_reload() -> anyhow::Result<()> {
    let s = Session::phone().await?;
    s.open("/services/440113-SCJG-XK-001").await?;
    s.wait_for("[data-testid=materials-table]").await?;
    let size =
        "return parseFloat(getComputedStyle(document.querySelector('main p, main td')).fontSize)";
    let line = "const e = document.querySelector('main p, main td'); const c = getComputedStyle(e); return parseFloat(c.lineHeight) / parseFloat(c.fontSize)";
    let target =
        "return document.querySelector('[data-testid=care-toggle]').getBoundingClientRect().height";
    let before = s.js(size).await?.as_f64().unwrap_or(0.0);
    assert!(s
        .text_of("[data-testid=care-toggle]")
        .await?
        .contains("关怀模式"));
    assert_eq!(
        s.js("return document.querySelector('[data-testid=care-toggle]').getAttribute('aria-pressed')")
            .await?,
        "false"
    );

    s.click("[data-testid=care-toggle]").await?;
    s.wait_for("[data-testid=care-toggle][aria-pressed=true]")
        .await?;
    let after = s.js(size).await?.as_f64().unwrap_or(0.0);
    assert!(after >= before * 1.5 - 0.01, "text {before}px → {after}px");
    assert!(s.js(line).await?.as_f64().unwrap_or(0.0) >= 1.3);
    assert!(s.js(target).await?.as_f64().unwrap_or(0.0) >= 60.0);
    // Every control at least 60 px high, and the body text at least 7:1 on its background.
    let small = s
        .js("return [...document.querySelectorAll('main button, main .button, main select, main input:not([type=radio]):not([type=checkbox]):not([type=hidden]), header button')]
               .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 59.5)
               .map(e => e.outerHTML.slice(0, 80))")
        .await?;
    assert_eq!(small, serde_json::json!([]), "targets under 60 px");
    let contrast = s
        .js(r#"const lum = c => { const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(v => { v = v / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
               const bg = e => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor; if (!c.endsWith(', 0)') && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; };
               return Math.min(...[...document.querySelectorAll('main p, main td, main li')].filter(e => e.offsetParent !== null && e.textContent.trim())
                 .map(e => { const a = lum(getComputedStyle(e).color), b = lum(bg(e)); return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); }))"#)
        .await?
        .as_f64()
        .unwrap_or(0.0);
    assert!(contrast >= 7.0, "body text contrast {contrast:.2}:1");
    // Nothing moves.
    let moving = s
        .js("return document.getAnimations().filter(a => a.playState === 'running').length")
        .await?;
    assert_eq!(moving, serde_json::json!(0), "animations running");
    let (_, shot) = s.screenshot_artefact("portal-care-guide-phone.png").await?;
    eprintln!("care mode on a phone: {}", shot.display());

    // A reload (a new page load, as a returning visitor) starts in care mode before the app
    // runs, and the switch says so.
    s.open("/").await?;
    s.wait_for("[data-testid=care-toggle][aria-pressed=true]")
        .await?;
    assert_eq!(
        s.js("return document.documentElement.classList.contains('care')")
            .await?,
        true
    );
    let problems = s.accessibility_violations().await?;
    assert!(problems.is_empty(), "{problems:#?}");

    s.click("[data-testid=care-toggle]").await?;
    s.wait_for("[data-testid=care-toggle][aria-pressed=false]")
        .await?;
    s.open("/track").await?;
    s.wait_for("[data-testid=care-toggle][aria-pressed=false]")
        .await?;
    assert_eq!(
        s.js("return document.documentElement.classList.contains('care')")
            .await?,
        false
    );
    s.close().await
}
