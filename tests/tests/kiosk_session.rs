//! The kiosk as an unattended hall device, in a portrait 1080×1920 Chromium against the real
//! server: sessions that end by themselves and leave nothing behind, a history that never
//! grows, codes that never enter the address, one keypad, a banner when the API is gone and
//! a screen that restarts itself after a crash.

use std::time::Duration;

use anyhow::{bail, Result};
use e2e::{submit_case, Session, SERVICE};

/// A kiosk whose visitor is warned after 10 s without a touch, and whose session ends 20 s
/// later (the shortest times its configuration allows).
async fn quick_kiosk(dir: &tempfile::TempDir) -> Result<Session> {
    let file = dir.path().join("kiosk.toml");
    std::fs::write(&file, "idle_seconds = 10\ncountdown_seconds = 20\n")?;
    let file = file.display().to_string();
    Session::start_with(1080, 1920, &["--kiosk-config", &file]).await
}

/// Waits up to `secs` for `css` to appear (the idle times are longer than `wait_for`'s).
async fn appears_within(s: &Session, css: &str, secs: u64) -> Result<()> {
    for _ in 0..secs * 4 {
        if s.exists(css).await? {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    bail!("{css} did not appear within {secs} s")
}

#[tokio::test]
async fn an_idle_session_is_warned_extended_and_then_wiped() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let s = quick_kiosk(&dir).await?;
    s.open("/kiosk/").await?;
    s.wait_for(".task-grid").await?;
    let at_boot = s.history_length().await?;

    // A half-filled application…
    s.go(&format!("/kiosk/services/{SERVICE}/apply")).await?;
    s.click("[data-testid=start]").await?;
    s.type_into("#a-name", "王小明").await?;
    // …and a lookup number typed on the keypad.
    s.go("/kiosk/track").await?;
    s.click("#track-number").await?;
    s.keypad_type("4401").await?;
    assert_eq!(s.value_of("#track-number").await?, "4401");

    // After the idle time the countdown covers the page and says what will happen.
    appears_within(&s, "[data-testid=countdown]", 15).await?;
    let warning = s.text_of("[data-testid=countdown]").await?;
    assert!(warning.contains("秒"), "{warning}");
    s.screenshot_artefact("kiosk-countdown.png").await?;
    // Any touch gives the page back, as it was (here: on the warning's own words).
    s.click("#countdown-title").await?;
    for _ in 0..20 {
        if !s.exists("[data-testid=countdown]").await? {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !s.exists("[data-testid=countdown]").await?,
        "a touch extends"
    );
    assert_eq!(s.value_of("#track-number").await?, "4401");

    // Left alone, the countdown comes back and the session ends at zero.
    appears_within(&s, "[data-testid=countdown]", 15).await?;
    for _ in 0..120 {
        let path = s.browser.current_url().await?.path().to_string();
        if path == "/kiosk/" && !s.exists("[data-testid=countdown]").await? {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    s.wait_for_path("/kiosk/").await?;
    s.wait_for(".task-grid").await?;
    let left = s
        .js("return [localStorage.length, sessionStorage.length, document.cookie]")
        .await?;
    assert_eq!(left, serde_json::json!([0, 0, ""]), "storage and cookies");
    assert_eq!(s.history_length().await?, at_boot, "history.length");

    // The next visitor finds neither the number nor the application.
    s.go("/kiosk/track").await?;
    assert_eq!(s.value_of("#track-number").await?, "");
    s.go(&format!("/kiosk/services/{SERVICE}/apply")).await?;
    s.wait_for("[data-testid=start]").await?;
    assert!(!s.exists("[data-testid=draft-found]").await?);
    s.click("[data-testid=start]").await?;
    assert_eq!(s.value_of("#a-name").await?, "");
    s.close().await
}

#[tokio::test]
async fn the_history_never_grows_and_back_walks_only_this_visit() -> Result<()> {
    let s = Session::kiosk().await?;
    s.open("/kiosk/").await?;
    s.wait_for(".task-grid").await?;
    let at_boot = s.history_length().await?;
    s.click(".task-grid a.tile[href='/kiosk/guides']").await?;
    s.wait_for_path("/kiosk/guides").await?;
    s.click(".tile-grid a.tile").await?;
    let service = s.wait_for("[data-testid=service-list] a.tile").await?;
    let topic = s.browser.current_url().await?;
    let topic = format!("{}?{}", topic.path(), topic.query().unwrap_or_default());
    service.click().await?;
    s.wait_for("[data-testid=guide]").await?;
    assert_eq!(s.history_length().await?, at_boot, "history.length");

    // Back: the topic, the guides, home, and no further.
    s.click("[data-testid=kiosk-back]").await?;
    s.wait_for_path(&topic).await?;
    s.click("[data-testid=kiosk-back]").await?;
    s.wait_for_path("/kiosk/guides").await?;
    s.click("[data-testid=kiosk-back]").await?;
    s.wait_for_path("/kiosk/").await?;
    s.click("[data-testid=kiosk-back]").await?;
    s.wait_for_path("/kiosk/").await?;
    assert_eq!(s.history_length().await?, at_boot, "history.length");
    s.close().await
}

/// A receipt's QR read by the hall's scanner opens the case; its code is held in memory and
/// never reaches the address or the history.
#[tokio::test]
async fn a_scanned_receipt_opens_the_case_with_no_code_in_the_address() -> Result<()> {
    let s = Session::kiosk().await?;
    let (number, code) = submit_case(&s).await?;
    s.open("/kiosk/").await?;
    s.wait_for(".task-grid").await?;
    let at_boot = s.history_length().await?;
    s.js("document.activeElement && document.activeElement.blur(); return null")
        .await?;
    let url = format!("{}/track/{number}?c={code}", s.base);
    s.browser
        .active_element()
        .await?
        .send_keys(&format!("{url}\u{E007}"))
        .await?;
    s.wait_for("[data-testid=case]").await?;
    let here = s.browser.current_url().await?;
    assert_eq!(here.path(), format!("/kiosk/track/{number}"));
    assert_eq!(here.query(), None, "no code in the address");
    assert_eq!(s.history_length().await?, at_boot, "history.length");
    // The case's own links carry no code either, and still work.
    let hrefs = s
        .js("return [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
        .await?;
    assert!(
        !hrefs.to_string().contains(&code),
        "a link holds the code: {hrefs}"
    );
    s.click("[data-testid=complain-link]").await?;
    s.wait_for("#c-case-code").await?;
    assert_eq!(s.value_of("#c-case-code").await?, code, "the form has it");
    assert!(s
        .browser
        .current_url()
        .await?
        .query()
        .unwrap_or_default()
        .find(&code)
        .is_none());
    s.close().await
}

/// One keypad, for whichever field has the focus: digits for numbers, the code alphabet
/// for codes; a field without keys hides it.
#[tokio::test]
async fn the_keypad_types_into_the_focused_field() -> Result<()> {
    let s = Session::kiosk().await?;
    let (number, code) = submit_case(&s).await?;
    s.open("/kiosk/track").await?;
    s.wait_for("#track-number").await?;
    assert!(!s.exists("[data-testid=keypad]").await?, "no field focused");
    s.click("#track-number").await?;
    let mode = s.wait_for("#track-number").await?.attr("inputmode").await?;
    assert_eq!(
        mode.as_deref(),
        Some("none"),
        "the system keyboard stays shut"
    );
    s.keypad_type(&number).await?;
    assert!(!s.exists(".keypad--letters").await?);
    s.click("#track-secret").await?;
    s.wait_for(".keypad--letters").await?;
    assert_eq!(s.all("[data-testid=keypad]").await?.len(), 1, "one keypad");
    s.keypad_type(&code).await?;
    s.screenshot_artefact("kiosk-keypad-letters.png").await?;
    assert_eq!(s.value_of("#track-number").await?, number);
    assert_eq!(s.value_of("#track-secret").await?, code);
    // Backspace and clear act on the focused field only.
    s.click("#track-number").await?;
    s.js("const f = document.getElementById('track-number'); f.setSelectionRange(f.value.length, f.value.length); return null").await?;
    s.click(".keypad__key--back").await?;
    assert_eq!(
        s.value_of("#track-number").await?,
        number[..number.len() - 1]
    );
    s.keypad_type(&number[number.len() - 1..]).await?;
    s.click("[data-testid=track-submit]").await?;
    s.wait_for("[data-testid=case]").await?;
    s.close().await
}

#[tokio::test]
async fn the_api_gone_mid_form_shows_a_banner_and_keeps_the_input() -> Result<()> {
    let mut s = Session::kiosk().await?;
    s.open("/kiosk/track").await?;
    s.click("label[for=by-mobile]").await?;
    s.click("#track-number").await?;
    let number = "440113261122000012";
    s.keypad_type(number).await?;
    s.click("#track-secret").await?;
    s.keypad_type("13800138000").await?;
    assert!(!s.exists("[data-testid=offline-banner]").await?);
    s.stop_server().await?;
    s.click("[data-testid=track-submit]").await?;
    s.wait_for("[data-testid=offline-banner]").await?;
    s.screenshot_artefact("kiosk-offline.png").await?;
    assert_eq!(s.value_of("#track-number").await?, number);
    assert_eq!(s.value_of("#track-secret").await?, "13800138000");
    // It keeps trying by itself, and on demand, without touching what was typed.
    s.click("[data-testid=offline-retry]").await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(s.exists("[data-testid=offline-banner]").await?);
    assert_eq!(s.value_of("#track-number").await?, number);
    s.close().await
}

#[tokio::test]
async fn after_a_crash_the_kiosk_says_so_and_starts_over_by_itself() -> Result<()> {
    let s = Session::kiosk().await?;
    s.open("/kiosk/").await?;
    s.wait_for(".task-grid").await?;
    let at_boot = s.history_length().await?;
    s.go("/kiosk/track").await?;
    s.wait_for("#track-number").await?;
    // What the browser reports for an exception nothing caught (one thrown from a script
    // WebDriver injects reaches the page without its error object).
    s.js("window.dispatchEvent(new ErrorEvent('error', {error: new Error('e2e'), message: 'e2e'})); return null")
        .await?;
    let screen = s.text_of("[data-testid=crash]").await?;
    assert!(screen.contains("重新启动"), "{screen}");
    s.screenshot_artefact("kiosk-crash.png").await?;
    // It restarts at the attract screen within a few seconds, in place.
    appears_within(&s, ".task-grid", 15).await?;
    s.wait_for_path("/kiosk/").await?;
    assert!(!s.exists("[data-testid=crash]").await?);
    assert_eq!(s.history_length().await?, at_boot, "history.length");
    s.close().await
}
