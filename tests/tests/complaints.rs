//! Complaints and ratings end to end: complaints filed in the portal (named, with an
//! attachment, and anonymous) and at the kiosk; staff answer through the staff API; the
//! complainant follows the reply with number and code; a completed case is rated on the
//! track page and a poor rating's rectification answer shows there; the kiosk's visit rating
//! ends the session.

use std::time::Duration;

use anyhow::{Context, Result};
use api_client::checks::{AcceptanceNumber, QUERY_CODE_ALPHABET};
use e2e::{submit_case, wait_until, Session, SERVICE};
use serde_json::{json, Value};

/// What a script in a complaint must never do when a page shows it.
const SCRIPT: &str = "<script>window.__pwned = 1</script>";

/// Clicks the label of a radio or checkbox (what a finger or a mouse does).
async fn choose(s: &Session, id: &str) -> Result<()> {
    s.click(&format!("label[for='{id}']")).await?;
    Ok(())
}

/// Taps a rating level: the whole card is its (transparent) radio button.
async fn rate(s: &Session, id: &str) -> Result<()> {
    s.click(&format!("#{id}")).await?;
    Ok(())
}

async fn type_into(s: &Session, id: &str, text: &str) -> Result<()> {
    s.type_into(&format!("#{id}"), text).await
}

/// Sets a text field's value at once, as a paste does, and lets the page hear it.
async fn paste_into(s: &Session, id: &str, text: &str) -> Result<()> {
    s.browser
        .execute(
            "const [id, text] = arguments; const el = document.getElementById(id);
             el.value = text; el.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![json!(id), json!(text)],
        )
        .await?;
    Ok(())
}

/// Submits the complaint form and reads the confirmation: (compact number, code).
async fn submit_complaint(s: &Session) -> Result<(String, String)> {
    s.click("[data-testid=complaint-submit]").await?;
    let number = s.text_of("[data-testid=complaint-created-number]").await?;
    let code = s
        .text_of("[data-testid=complaint-created-code]")
        .await?
        .trim()
        .to_string();
    let parsed = AcceptanceNumber::parse(&number)
        .ok()
        .with_context(|| format!("the complaint number `{number}`"))?;
    assert_eq!(number.trim(), parsed.grouped(), "shown grouped");
    assert!(
        code.len() == 6 && code.chars().all(|c| QUERY_CODE_ALPHABET.contains(c)),
        "code `{code}`"
    );
    Ok((parsed.compact().to_string(), code))
}

async fn no_violations(s: &Session, page: &str) -> Result<()> {
    let problems = s.accessibility_violations().await?;
    assert!(problems.is_empty(), "{page}: {problems:#?}");
    Ok(())
}

async fn staff(s: &Session, token: &str, number: &str, body: Value) -> Result<Value> {
    let answer = s
        .post_json(
            &format!("/staff/complaints/{number}/actions"),
            body.clone(),
            Some(token),
        )
        .await?;
    assert_eq!(answer["status"], 200, "{body} → {answer}");
    Ok(answer["body"].clone())
}

#[tokio::test]
async fn a_named_complaint_from_a_guide_is_answered_and_its_handling_rated() -> Result<()> {
    let s = Session::phone().await?;
    s.open(&format!("/services/{SERVICE}")).await?;
    s.wait_for("[data-testid=guide]").await?;
    s.click(&format!("a[href='/complaints/new?service={SERVICE}']"))
        .await?;
    s.wait_for("[data-testid=complaint-form]").await?;
    // The service the guide was about is chosen already.
    let chosen = s.wait_for("#c-service").await?;
    wait_until("the service preselected", async || {
        Ok(chosen.prop("value").await?.as_deref() == Some(SERVICE))
    })
    .await?;
    no_violations(&s, "the complaint form").await?;

    choose(&s, "c-category-delay").await?;
    type_into(
        &s,
        "c-description",
        &format!("{SCRIPT}窗口让我为同一份证明来回跑了三次。"),
    )
    .await?;
    let dir = tempfile::tempdir()?;
    let pdf = dir.path().join("票据.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n%%EOF\n")?;
    s.wait_for("input[type=file]")
        .await?
        .send_keys(&pdf.display().to_string())
        .await?;
    wait_until("the attachment uploaded", async || {
        Ok(s.all(".file-list__item--done").await?.len() == 1)
    })
    .await?;
    choose(&s, "c-identity-named").await?;
    type_into(&s, "c-contact-name", "李小四").await?;
    type_into(&s, "c-contact-mobile", "139 1234 5678").await?;
    let (number, code) = submit_complaint(&s).await?;
    no_violations(&s, "the complaint's confirmation").await?;

    // Before staff answer: received, with the reply deadline's light in words.
    s.click("[data-testid=complaint-follow]").await?;
    s.wait_for_path(&format!("/complaints/{number}?c={code}"))
        .await?;
    let status = s.wait_for("[data-testid=complaint-status]").await?;
    assert_eq!(
        status.attr("data-status").await?.as_deref(),
        Some("received")
    );
    assert!(s
        .text_of("[data-testid=complaint-light]")
        .await?
        .contains("绿灯"));

    // Staff of the service's department take it and reply through the staff API.
    let token = s.staff_token("投诉专员", "gaj")?;
    let seen = staff(
        &s,
        &token,
        &number,
        json!({"action": "assign", "department": "gaj"}),
    )
    .await?;
    assert_eq!(
        seen["contact"]["mobile"], "13912345678",
        "staff may call back: {seen}"
    );
    staff(&s, &token, &number, json!({"action": "reply", "text": format!("经核实，窗口已改为一次告知全部材料，并向您致歉。{SCRIPT}")})).await?;

    s.open(&format!("/complaints/{number}?c={code}")).await?;
    let status = s.wait_for("[data-testid=complaint-status]").await?;
    assert_eq!(
        status.attr("data-status").await?.as_deref(),
        Some("replied")
    );
    let reply = s.text_of("[data-testid=complaint-reply]").await?;
    assert!(
        reply.contains("一次告知全部材料") && reply.contains(SCRIPT),
        "the reply, as text: {reply}"
    );
    let description = s.text_of("[data-testid=complaint-description]").await?;
    assert!(
        description.contains(SCRIPT),
        "the script tag is shown as text: {description}"
    );
    assert_eq!(
        s.js("return window.__pwned === undefined").await?,
        json!(true),
        "and never run"
    );
    let page = s.text_of("main").await?;
    assert!(page.contains("李*四"), "the masked name: {page}");
    assert!(
        !page.contains("13912345678") && !page.contains("139 1234 5678"),
        "no mobile on the page"
    );
    assert!(!page.contains("李小四"));
    no_violations(&s, "the complaint with its reply").await?;

    // The complainant rates the handling, once.
    rate(&s, "handling-level-4").await?;
    type_into(&s, "handling-comment", "回复及时").await?;
    s.click("[data-testid=handling-rating-submit]").await?;
    let given = s.wait_for("[data-testid=handling-rating]").await?;
    assert_eq!(given.attr("data-level").await?.as_deref(), Some("4"));
    assert!(s
        .all("[data-testid=handling-rating-form]")
        .await?
        .is_empty());

    // Closed by staff; still readable with number and code.
    staff(&s, &token, &number, json!({"action": "close"})).await?;
    s.open(&format!("/complaints/{number}?c={code}")).await?;
    let status = s.wait_for("[data-testid=complaint-status]").await?;
    assert_eq!(status.attr("data-status").await?.as_deref(), Some("closed"));
    s.close().await
}

#[tokio::test]
async fn bad_input_is_named_and_an_anonymous_complaint_needs_its_code() -> Result<()> {
    let s = Session::phone().await?;
    s.open("/complaints/new").await?;
    s.wait_for("[data-testid=complaint-form]").await?;
    choose(&s, "c-subject-channel").await?;
    choose(&s, "c-channel-portal").await?;
    choose(&s, "c-category-passing_the_buck").await?;
    choose(&s, "c-identity-anonymous").await?;

    // Empty: the summary names the description, and every choice made stays.
    s.click("[data-testid=complaint-submit]").await?;
    let summary = s.text_of("[data-testid=error-summary]").await?;
    assert!(
        summary.contains("投诉内容") || summary.contains("描述"),
        "names the description: {summary}"
    );
    assert!(
        s.wait_for("#c-description-error")
            .await?
            .is_displayed()
            .await?
    );
    assert_eq!(
        s.wait_for("#c-category-passing_the_buck")
            .await?
            .prop("checked")
            .await?
            .as_deref(),
        Some("true")
    );
    no_violations(&s, "the complaint form with errors").await?;

    // 2,001 characters: too long, and the text stays as it was pasted.
    let long = "字".repeat(2001);
    paste_into(&s, "c-description", &long).await?;
    s.click("[data-testid=complaint-submit]").await?;
    let error = s.text_of("#c-description-error").await?;
    assert!(error.contains("2000") || error.contains("2,000"), "{error}");
    let kept = s
        .wait_for("#c-description")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert_eq!(kept.chars().count(), 2001, "nothing typed is lost");

    paste_into(&s, "c-description", &"字".repeat(2000)).await?;
    let (number, code) = submit_complaint(&s).await?;

    // Without the code, or with a wrong one, nothing is shown; an unknown number reads the same.
    s.open(&format!("/complaints/{number}")).await?;
    let asked = s.wait_for("#complaint-number").await?;
    assert_eq!(
        asked.prop("value").await?.as_deref(),
        Some(number.as_str()),
        "the number is kept, the code asked for"
    );
    assert!(
        s.all("[data-testid=complaint-description]")
            .await?
            .is_empty(),
        "no code, no complaint"
    );
    let wrong = match code.strip_prefix('A') {
        Some(rest) => format!("B{rest}"),
        None => format!("A{}", &code[1..]),
    };
    s.open(&format!("/complaints/{number}?c={wrong}")).await?;
    let a = s.text_of("[data-testid=complaint-no-match]").await?;
    let unknown = AcceptanceNumber::new("440113", "200101", 99999).context("a number")?;
    s.open(&format!("/complaints/{}?c={code}", unknown.compact()))
        .await?;
    let b = s.text_of("[data-testid=complaint-no-match]").await?;
    assert_eq!(a, b);

    // With both, through the lookup form.
    s.open("/complaints").await?;
    type_into(&s, "complaint-number", &number).await?;
    type_into(&s, "complaint-code", &code.to_lowercase()).await?;
    s.click("[data-testid=complaint-lookup-submit]").await?;
    let status = s.wait_for("[data-testid=complaint-status]").await?;
    assert_eq!(
        status.attr("data-status").await?.as_deref(),
        Some("received")
    );
    assert!(s
        .text_of("[data-testid=complaint-complainant]")
        .await?
        .contains("匿名"));
    no_violations(&s, "an anonymous complaint").await?;
    s.close().await
}

#[tokio::test]
async fn a_completed_case_is_rated_and_a_poor_rating_is_answered() -> Result<()> {
    let s = Session::phone().await?;
    let (number, code) = submit_case(&s).await?;
    s.open(&format!("/track/{number}?c={code}")).await?;
    s.wait_for("[data-testid=case]").await?;
    assert!(
        s.all("[data-testid=rating-form]").await?.is_empty(),
        "no rating before completion"
    );
    let early = s
        .post_json(
            &format!("/cases/{number}/rating"),
            json!({"c": code, "level": 5}),
            None,
        )
        .await?;
    assert_eq!(early["status"], 409, "{early}");

    s.complete_case(&number)?;
    s.open(&format!("/track/{number}?c={code}")).await?;
    s.wait_for("[data-testid=rating-form]").await?;
    no_violations(&s, "the rating form").await?;
    rate(&s, "rate-level-1").await?;
    rate(&s, "rate-tag-repeated_visits").await?;
    type_into(&s, "rate-comment", "材料要求前后不一致").await?;
    s.click("[data-testid=rating-submit]").await?;
    s.wait_for("[data-testid=rating-thanks]").await?;
    let given = s.wait_for("[data-testid=rating-given]").await?;
    assert_eq!(given.attr("data-level").await?.as_deref(), Some("1"));
    let pending = s.text_of("[data-testid=rectification-pending]").await?;
    assert!(pending.contains("非常不满意"), "{pending}");
    assert!(s
        .text_of("[data-testid=rectification-light]")
        .await?
        .contains("绿灯"));

    // One rating per case.
    let again = s
        .post_json(
            &format!("/cases/{number}/rating"),
            json!({"c": code, "level": 5}),
            None,
        )
        .await?;
    assert_eq!(again["status"], 409, "{again}");

    // Staff answer the rectification; the applicant reads the answer on the track page.
    let token = s.staff_token("整改专员", "gaj")?;
    let answer = s
        .post_json(
            &format!("/staff/cases/{number}/rectification"),
            json!({"explanation": "经核查，窗口未一次性告知补正材料。", "action_taken": "已修订一次性告知单并对窗口人员培训。"}),
            Some(&token),
        )
        .await?;
    assert_eq!(answer["status"], 200, "{answer}");
    s.open(&format!("/track/{number}?c={code}")).await?;
    let rect = s.wait_for("[data-testid=rectification]").await?;
    assert_eq!(rect.attr("data-answered").await?.as_deref(), Some("true"));
    assert!(s
        .text_of("[data-testid=rectification-explanation]")
        .await?
        .contains("未一次性告知"));
    assert!(s
        .text_of("[data-testid=rectification-action]")
        .await?
        .contains("修订一次性告知单"));
    assert!(s.all("[data-testid=rating-form]").await?.is_empty());
    no_violations(&s, "a rated case with its rectification").await?;

    // A complaint about this case, from its page: number and code come along.
    s.click("a[href^='/complaints/new?case=']").await?;
    s.wait_for("[data-testid=complaint-form]").await?;
    let typed = s
        .wait_for("#c-case-number")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert_eq!(
        AcceptanceNumber::parse(&typed)
            .ok()
            .map(|n| n.compact().to_string()),
        Some(number.clone())
    );
    choose(&s, "c-category-unreasonable_materials").await?;
    type_into(&s, "c-description", "补正材料要求了三次。").await?;
    choose(&s, "c-identity-anonymous").await?;
    let (complaint, complaint_code) = submit_complaint(&s).await?;
    s.open(&format!("/complaints/{complaint}?c={complaint_code}"))
        .await?;
    let subject = s.text_of("[data-testid=complaint-subject]").await?;
    assert!(
        subject.contains("居住证"),
        "the case's service is named: {subject}"
    );
    s.close().await
}

#[tokio::test]
async fn the_kiosk_takes_a_complaint_and_rates_the_visit_at_the_end() -> Result<()> {
    let s = Session::kiosk().await?;
    // Only a registered kiosk's visit ratings count.
    s.enrol_kiosk().await?;
    s.open("/kiosk/").await?;
    s.click("a[href='/kiosk/complaints/new']").await?;
    s.wait_for("[data-testid=complaint-form]").await?;
    choose(&s, "c-subject-channel").await?;
    choose(&s, "c-channel-kiosk").await?;
    choose(&s, "c-category-other").await?;
    type_into(
        &s,
        "c-description",
        &format!("自助机打印回执时卡纸。{SCRIPT}"),
    )
    .await?;
    choose(&s, "c-identity-named").await?;
    type_into(&s, "c-contact-name", "赵六").await?;
    // The mobile by the on-screen keypad.
    s.click("#c-contact-mobile").await?;
    s.keypad_type("13700137000").await?;
    let (number, code) = submit_complaint(&s).await?;
    no_violations(&s, "the kiosk's complaint confirmation").await?;
    s.open(&format!("/kiosk/complaints/{number}?c={code}"))
        .await?;
    assert!(!s.text_of("main").await?.contains("13700137000"));
    assert!(s
        .text_of("[data-testid=complaint-description]")
        .await?
        .contains(SCRIPT));
    assert_eq!(
        s.js("return window.__pwned === undefined").await?,
        json!(true)
    );

    // The visitor is done: a quick rating of the visit, then the session is wiped.
    s.click("[data-testid=kiosk-finish]").await?;
    s.wait_for("[data-testid=finish-form]").await?;
    no_violations(&s, "the kiosk's visit rating").await?;
    rate(&s, "finish-level-5").await?;
    s.click("[data-testid=finish-submit]").await?;
    s.wait_for("[data-testid=finish-thanks]").await?;
    s.wait_for_path("/kiosk/").await?;
    s.wait_for(".task-grid").await?;
    assert_eq!(
        s.js("return window.localStorage.length + window.sessionStorage.length")
            .await?,
        json!(0)
    );
    // The kiosk's Back button never returns to the last visitor's pages.
    s.click("[data-testid=kiosk-back]").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    s.wait_for_path("/kiosk/").await?;

    let stats: Value = s
        .browser
        .execute_async(
            "const done = arguments[arguments.length - 1]; fetch('/api/v1/stats/satisfaction').then(r => r.json()).then(done);",
            vec![],
        )
        .await?;
    assert_eq!(stats["visits"]["total"], 1, "{stats}");
    assert_eq!(stats["visits"]["counts"][4], 1, "{stats}");
    s.close().await
}
