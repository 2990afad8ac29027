//! The portal with JavaScript off (a locked-down office PC, an old phone, a wasm download that
//! failed): the server's HTML alone finds a service, reads its guide and notice, follows a
//! case by number and code and reads a complaint; the pages that need the bundle say so.
//!
//! The case and the complaint are made through the API first, with script on; then DevTools
//! turns script off for the page (`Emulation.setScriptExecutionDisabled`), and every page
//! after that is the server's alone.

use anyhow::{ensure, Context, Result};
use e2e::audit::file_complaint;
use e2e::{submit_case, Session, SERVICE};
use serde_json::json;

async fn without_script(s: &Session) -> Result<()> {
    s.cdp(
        "Emulation.setScriptExecutionDisabled",
        json!({ "value": true }),
    )
    .await?;
    Ok(())
}

async fn address(s: &Session) -> Result<String> {
    Ok(s.browser.current_url().await?.to_string())
}

async fn head_of(s: &Session, css: &str, attr: &str) -> Result<String> {
    let el = s.browser.find(fantoccini::Locator::Css(css)).await?;
    el.attr(attr)
        .await?
        .with_context(|| format!("{css} has no {attr}"))
}

#[tokio::test]
async fn a_service_is_found_and_its_guide_and_notice_read_without_script() -> Result<()> {
    let s = Session::phone().await?;
    without_script(&s).await?;
    s.visit("/").await?;
    // The page is the server's: its content is there before (and without) any script.
    ensure!(
        s.exists("[data-testid=service-list] li").await?,
        "popular services are listed"
    );
    s.type_into("#search-q", "营业执照").await?;
    s.click("form[role=search] button[type=submit]").await?;
    s.wait_for("[data-testid=result-count]").await?;
    ensure!(
        address(&s).await?.contains("/services?q="),
        "the search form sends its query: {}",
        address(&s).await?
    );
    let count = s.text_of("[data-testid=result-count]").await?;
    ensure!(!count.starts_with("共 0"), "found something: {count}");
    ensure!(
        s.heading().await?.contains("营业执照"),
        "the results' heading names the query"
    );

    // Filters are a GET form too.
    s.visit("/services").await?;
    let select = s
        .browser
        .find(fantoccini::Locator::Css("#filter-department"))
        .await?;
    select.select_by_value("gaj").await?;
    s.click("form.filters button[type=submit]").await?;
    s.wait_for("[data-testid=result-count]").await?;
    ensure!(
        address(&s).await?.contains("department=gaj"),
        "the filter is in the address: {}",
        address(&s).await?
    );
    let names = s.all(".service-list li").await?;
    ensure!(!names.is_empty(), "the department's services are listed");

    // The guide, whole, with its own head.
    s.visit(&format!("/services/{SERVICE}")).await?;
    s.wait_for("[data-testid=guide]").await?;
    ensure!(s.exists("table").await?, "the materials table is there");
    let title = s.browser.title().await?;
    ensure!(
        title.starts_with("居住证申领"),
        "the guide's title: {title}"
    );
    let canonical = head_of(&s, "link[rel=canonical]", "href").await?;
    ensure!(
        canonical.ends_with(&format!("/services/{SERVICE}")),
        "{canonical}"
    );
    let description = head_of(&s, "meta[name=description]", "content").await?;
    ensure!(description.contains("居住证申领"), "{description}");
    let ld = s
        .browser
        .find(fantoccini::Locator::Css(
            "script[type='application/ld+json']",
        ))
        .await?
        .html(true)
        .await?;
    let ld: serde_json::Value = serde_json::from_str(&ld).context("JSON-LD")?;
    assert_eq!(ld["@type"], "GovernmentService");
    assert_eq!(ld["name"], "居住证申领");

    // The one-time notice, printable as it is.
    s.click("[data-testid=notice-link]").await?;
    s.wait_for_path(&format!("/services/{SERVICE}/notice"))
        .await?;
    ensure!(s.heading().await?.contains("居住证申领"));
    ensure!(
        s.exists("[data-testid=one-time-notice] .checklist li")
            .await?,
        "the notice lists the materials"
    );

    // The language and care mode are forms the server takes.
    s.click(".language-switch button[lang=zh-Hant]").await?;
    s.wait_for("html[lang=zh-Hant]").await?;
    ensure!(
        s.heading().await?.contains("居住證"),
        "the guide in Traditional"
    );
    s.click("[data-testid=care-toggle]").await?;
    s.wait_for("html.care").await?;
    ensure!(
        address(&s)
            .await?
            .ends_with(&format!("/services/{SERVICE}/notice")),
        "back on the page: {}",
        address(&s).await?
    );
    s.click(".language-switch button[lang=zh-CN]").await?;
    s.wait_for("html[lang=zh-CN]").await?;
    s.click("[data-testid=care-toggle]").await?;
    s.wait_for("html:not(.care)").await?;

    // Applying needs the bundle: the page says so, and where else to go.
    s.visit(&format!("/services/{SERVICE}/apply")).await?;
    let notice = s.text_of("[data-testid=script-required]").await?;
    ensure!(notice.contains("12345"), "{notice}");
    s.screenshot_artefact("no-script-apply-phone.png").await?;
    s.set_viewport(1080, 1920).await?;
    s.screenshot_artefact("no-script-apply-kiosk-size.png")
        .await?;
    s.visit(&format!("/services/{SERVICE}")).await?;
    s.wait_for("[data-testid=guide]").await?;
    s.screenshot_artefact("no-script-guide-wide.png").await?;
    s.close().await
}

#[tokio::test]
async fn a_case_and_a_complaint_are_followed_without_script() -> Result<()> {
    let s = Session::phone().await?;
    let (number, code) = submit_case(&s).await?;
    let (complaint, complaint_code) = file_complaint(&s).await?;
    without_script(&s).await?;

    // The lookup form goes to the case's page by number and code.
    s.visit("/track").await?;
    s.type_into("#track-number", &number).await?;
    s.type_into("#track-secret", &code).await?;
    s.click("[data-testid=track-submit]").await?;
    s.wait_for("[data-testid=case]").await?;
    // The bundle would take the code out of the address at once; script is off, so it stays.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let at = address(&s).await?;
    ensure!(
        at.contains(&format!("/track/{number}?c=")),
        "on the case's page: {at}"
    );
    assert_eq!(
        s.wait_for("[data-testid=case-status]")
            .await?
            .attr("data-status")
            .await?
            .as_deref(),
        Some("submitted")
    );
    ensure!(!s.all("[data-testid=timeline] li").await?.is_empty());
    s.screenshot_artefact("no-script-case-phone.png").await?;
    let robots = head_of(&s, "meta[name=robots]", "content").await?;
    assert_eq!(robots, "noindex", "a case is no search engine's");

    // A wrong code finds nothing, saying no more than that.
    s.visit(&format!("/track/{number}?c=A2B3C4")).await?;
    s.wait_for("[data-testid=no-match]").await?;

    // By mobile number: the case on the lookup's page, the number in no address.
    s.visit("/track").await?;
    s.type_into("#track-number", &number).await?;
    assert_eq!(s.text_of("label[for=track-secret]").await?, "查询码");
    s.click("label[for=by-mobile]").await?;
    // The field's words follow the choice, with no script to change them.
    assert_eq!(s.text_of("label[for=track-secret]").await?, "手机号码");
    ensure!(s.text_of("#track-secret-hint").await?.contains("11 位"));
    s.screenshot_artefact("no-script-lookup-by-mobile-phone.png")
        .await?;
    s.type_into("#track-secret", "13800138000").await?;
    s.click("[data-testid=track-submit]").await?;
    s.wait_for("[data-testid=case]").await?;
    let at = address(&s).await?;
    ensure!(
        at.ends_with("/track") && !at.contains("13800138000"),
        "{at}"
    );
    ensure!(s.text_of("[data-testid=case]").await?.contains("王*明"));

    // The complaint, by its lookup form.
    s.visit("/complaints").await?;
    s.type_into("#complaint-number", &complaint).await?;
    s.type_into("#complaint-code", &complaint_code).await?;
    s.click("[data-testid=complaint-lookup-submit]").await?;
    s.wait_for("[data-testid=complaint]").await?;
    let text = s.text_of("main").await?;
    ensure!(text.contains("看不清楚"), "the complaint reads: {text}");
    s.screenshot_artefact("no-script-complaint-phone.png")
        .await?;
    s.close().await
}

#[tokio::test]
async fn a_case_is_withdrawn_and_another_rated_without_script() -> Result<()> {
    let s = Session::phone().await?;
    let (number, code) = submit_case(&s).await?;
    let (done, done_code) = submit_case(&s).await?;
    s.complete_case(&done)?;
    without_script(&s).await?;

    // Withdrawing asks first (a <details>), then the form goes to the server.
    s.visit(&format!("/track/{number}?c={code}")).await?;
    s.wait_for("[data-testid=case]").await?;
    ensure!(
        !s.shown("[data-print]").await?,
        "no print button that nothing would press"
    );
    ensure!(!s.shown("[data-testid=withdraw-yes]").await?);
    s.click("[data-testid=withdraw]").await?;
    s.click("[data-testid=withdraw-yes]").await?;
    s.wait_for("[data-status=withdrawn]").await?;
    ensure!(!s.exists("[data-testid=withdraw]").await?);

    // A rating: a problem is named beside its field, and nothing typed is lost.
    s.visit(&format!("/track/{done}?c={done_code}")).await?;
    s.type_into("#rate-comment", "材料要求前后不一致").await?;
    s.click("[data-testid=rating-submit]").await?;
    let summary = s.text_of("[data-testid=error-summary]").await?;
    ensure!(summary.contains("请选择满意程度"), "{summary}");
    let kept = s.wait_for("#rate-comment").await?.prop("value").await?;
    assert_eq!(kept.as_deref(), Some("材料要求前后不一致"));
    // The chosen level's reasons show once it is chosen (CSS alone).
    ensure!(!s.shown("label[for=rate-tag-slow]").await?);
    s.click("#rate-level-2").await?;
    ensure!(s.shown("label[for=rate-tag-slow]").await?);
    ensure!(!s.shown("label[for=rate-tag-efficient]").await?);
    s.click("#rate-tag-slow").await?;
    s.screenshot_artefact("no-script-rating-phone.png").await?;
    s.click("[data-testid=rating-submit]").await?;
    s.wait_for("[data-testid=rating-thanks]").await?;
    let given = s.wait_for("[data-testid=rating-given]").await?;
    assert_eq!(given.attr("data-level").await?.as_deref(), Some("2"));
    ensure!(s
        .text_of("[data-testid=rating-given]")
        .await?
        .contains("材料要求前后不一致"));
    s.close().await
}
