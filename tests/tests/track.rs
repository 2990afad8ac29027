//! Progress lookup end to end: a case moves through its lifecycle by staff action (the
//! `server case` command line) and the applicant follows it on the track page; supplement
//! upload; the QR link (the kiosk's scanner and keypad: kiosk_session.rs); no-match answers and throttling.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use e2e::{submit_case as submit, Session};
use serde_json::json;

async fn status(s: &Session) -> Result<String> {
    Ok(s.wait_for("[data-testid=case-status]")
        .await?
        .attr("data-status")
        .await?
        .unwrap_or_default())
}

async fn reload_case(s: &Session, number: &str, code: &str) -> Result<()> {
    s.open(&format!("/track/{number}?c={code}")).await?;
    s.wait_for("[data-testid=case]").await?;
    Ok(())
}

async fn timeline_len(s: &Session) -> Result<usize> {
    Ok(s.all("[data-testid=timeline] li").await?.len())
}

#[tokio::test]
async fn a_case_moves_through_its_lifecycle_on_the_track_page() -> Result<()> {
    let s = Session::phone().await?;
    let (number, code) = submit(&s).await?;
    reload_case(&s, &number, &code).await?;
    assert_eq!(status(&s).await?, "submitted");
    // The QR link's code leaves the address bar once the case is shown.
    let mut address = String::new();
    for _ in 0..50 {
        address = s
            .js("return location.href")
            .await?
            .as_str()
            .unwrap_or("")
            .to_string();
        if !address.contains("c=") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        address.ends_with(&format!("/track/{number}")) && !address.contains(&code),
        "the address still holds the code: {address}"
    );
    // Reloaded without it, the page asks for the code, the number filled in for it.
    s.browser.refresh().await?;
    s.click("[data-testid=code-needed] a").await?;
    assert_eq!(s.value_of("#track-number").await?, number);
    s.open(&format!("/track/{number}?c={code}")).await?;
    s.wait_for("[data-testid=case]").await?;
    assert!(
        s.all("[data-testid=light]").await?.is_empty(),
        "no clock before acceptance"
    );
    let page = s.text_of("main").await?;
    assert!(
        page.contains("王*明")
            && !page.contains("13800138000")
            && !page.contains("440524188001010014"),
        "{page}"
    );

    // Staff of the department accept it through the staff API.
    let token = s.staff_token("窗口一号", "gaj")?;
    let answer = s
        .post_json(
            &format!("/staff/cases/{number}/actions"),
            json!({"action": "accept"}),
            Some(&token),
        )
        .await?;
    assert_eq!(answer["status"], 200, "{answer}");
    let due = answer["body"]["deadline"]["date"]
        .as_str()
        .context("the deadline")?
        .to_string();
    // As Chinese writes a day: 2026年12月7日, not 2026-12-07.
    let due: Vec<u32> = due.split('-').filter_map(|p| p.parse().ok()).collect();
    let due = format!("{}年{}月{}日", due[0], due[1], due[2]);
    reload_case(&s, &number, &code).await?;
    assert_eq!(status(&s).await?, "accepted");
    let light = s.wait_for("[data-testid=light]").await?;
    assert_eq!(light.attr("data-light").await?.as_deref(), Some("green"));
    let words = light.text().await?;
    assert!(
        words.contains("绿灯") && words.contains(&due),
        "the light is in words, with the promised date: {words}"
    );
    let steps = timeline_len(&s).await?;

    s.server_cli(&[
        "case",
        &number,
        "request_supplement",
        "--item",
        "本人近期相片:背景须为白色",
        "--item",
        "居住证明:须加盖公章",
    ])?;
    reload_case(&s, &number, &code).await?;
    assert_eq!(status(&s).await?, "supplement_requested");
    let notice = s.text_of("[data-testid=supplement]").await?;
    assert!(
        notice.contains("本人近期相片") && notice.contains("居住证明"),
        "every item at once: {notice}"
    );
    let problems = s.accessibility_violations().await?;
    assert!(problems.is_empty(), "the case page: {problems:#?}");
    assert!(s.text_of("[data-testid=light]").await?.contains("暂停"));
    assert!(timeline_len(&s).await? > steps);

    // The applicant uploads the items from the track page.
    s.click("[data-testid=supplement-link]").await?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("fix.pdf");
    std::fs::write(&path, b"%PDF-1.4\n%%EOF\n")?;
    s.wait_for("input[type=file]").await?;
    let inputs = s.all("input[type=file]").await?;
    assert_eq!(inputs.len(), 2);
    for input in inputs {
        input.send_keys(&path.display().to_string()).await?;
    }
    for _ in 0..100 {
        if s.all(".file-list__item--done").await?.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    s.click("[data-testid=supplement-send]").await?;
    s.wait_for("[data-testid=case]").await?;
    assert!(s.text_of("main").await?.contains("补正材料已提交"));

    for (args, expected) in [
        (vec!["supplement_received"], "under_review"),
        (
            vec!["review", "--step", "实地核查", "--opinion", "住所情况属实"],
            "under_review",
        ),
        (vec!["approve", "--opinion", "符合条件"], "approved"),
        (vec!["complete", "--delivery", "window"], "completed"),
    ] {
        let before = timeline_len(&s).await?;
        let mut cli = vec!["case", number.as_str()];
        cli.extend(args.iter().copied());
        s.server_cli(&cli)?;
        reload_case(&s, &number, &code).await?;
        assert_eq!(status(&s).await?, expected, "after {args:?}");
        assert!(
            timeline_len(&s).await? > before,
            "{args:?} is on the timeline"
        );
    }
    assert!(s
        .text_of("[data-testid=timeline]")
        .await?
        .contains("实地核查"));
    assert!(s.text_of("[data-testid=result]").await?.contains("准予"));
    assert!(
        s.all("[data-testid=withdraw]").await?.is_empty(),
        "no withdrawal after a decision"
    );
    let problems = s.accessibility_violations().await?;
    assert!(problems.is_empty(), "the completed case: {problems:#?}");
    s.close().await
}

#[tokio::test]
async fn lookup_form_catches_typos_and_answers_no_match_alike() -> Result<()> {
    let s = Session::phone().await?;
    let (number, code) = submit(&s).await?;
    s.open("/track").await?;
    // A typo in the check character is caught before any request.
    let mut typo: Vec<char> = number.chars().collect();
    typo[5] = if typo[5] == '9' {
        '0'
    } else {
        char::from_digit(typo[5].to_digit(10).unwrap() + 1, 10).unwrap()
    };
    s.wait_for("#track-number")
        .await?
        .send_keys(&typo.iter().collect::<String>())
        .await?;
    s.wait_for("#track-secret").await?.send_keys(&code).await?;
    s.click("[data-testid=track-submit]").await?;
    assert!(s.text_of("#track-number-error").await?.contains("校验码"));

    // A wrong code and an unknown number read the same.
    let wrong = match code.strip_prefix('A') {
        Some(rest) => "B".to_string() + rest,
        None => "A".to_string() + &code[1..],
    };
    s.open(&format!("/track/{number}?c={wrong}")).await?;
    let a = s.text_of("[data-testid=no-match]").await?;
    let unknown = api_client::checks::AcceptanceNumber::new("440113", "200101", 99999).unwrap();
    s.open(&format!("/track/{}?c={code}", unknown.compact()))
        .await?;
    let b = s.text_of("[data-testid=no-match]").await?;
    assert_eq!(a, b);

    // Lookup by mobile shows the case without putting the number in the address.
    s.open("/track").await?;
    s.wait_for("#track-number")
        .await?
        .send_keys(&number)
        .await?;
    assert_eq!(s.text_of("label[for=track-secret]").await?, "查询码");
    s.click("label[for=by-mobile]").await?;
    assert_eq!(s.text_of("label[for=track-secret]").await?, "手机号码");
    s.wait_for("#track-secret")
        .await?
        .send_keys("138 0013 8000")
        .await?;
    s.click("[data-testid=track-submit]").await?;
    s.wait_for("[data-testid=case]").await?;
    assert!(!s
        .browser
        .current_url()
        .await?
        .as_str()
        .contains("13800138000"));

    // The applicant withdraws, after confirming.
    s.open(&format!("/track/{number}?c={code}")).await?;
    s.click("[data-testid=withdraw]").await?;
    s.wait_for("[data-testid=withdraw-confirm]").await?;
    s.screenshot_artefact("case-withdraw-phone.png").await?;
    // "No" closes the confirmation; the button asks again.
    s.click("[data-close-details]").await?;
    ensure!(!s.shown("[data-testid=withdraw-yes]").await?);
    s.set_viewport(1080, 1920).await?;
    s.click("[data-testid=withdraw]").await?;
    s.screenshot_artefact("case-withdraw-kiosk-size.png")
        .await?;
    s.click("[data-testid=withdraw-yes]").await?;
    for _ in 0..50 {
        if status(&s).await? == "withdrawn" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status(&s).await?, "withdrawn");
    assert!(s.all("[data-testid=withdraw]").await?.is_empty());

    // Repeated failures are throttled.
    let mut throttled = false;
    for _ in 0..12 {
        s.open(&format!("/track/{number}?c={wrong}")).await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        if !s.all("[data-testid=throttled]").await?.is_empty() {
            throttled = true;
            break;
        }
    }
    assert!(throttled, "repeated wrong codes are throttled");
    s.close().await
}
