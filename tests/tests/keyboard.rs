//! The portal with a keyboard alone: from a guide to the receipt, every key sent to the
//! element that has the focus (as a keyboard does), the focus always visible.

use anyhow::{bail, Context, Result};
use api_client::{FieldType, FormDefinition, Requirement};
use e2e::{form_definition, wait_until, Session, SERVICE};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde_json::{json, Value};

// WebDriver's codes for the keys that are not characters.
const TAB: char = '\u{E004}';
const ENTER: char = '\u{E007}';
const SPACE: char = '\u{E00D}';
const DOWN: char = '\u{E015}';
const RIGHT: char = '\u{E014}';

/// Presses and releases `key` on the keyboard: it goes to whatever has the focus. (Sent to
/// an element instead, a key would be a file name to a file input.)
async fn press(s: &Session, key: char) -> Result<()> {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    s.browser.perform_actions(keys).await?;
    Ok(())
}

/// Types `text` into the element that has the focus.
async fn type_text(s: &Session, text: &str) -> Result<()> {
    s.browser.active_element().await?.send_keys(text).await?;
    Ok(())
}

/// The focused element: tag, id, test id and type, for messages and matching.
async fn focused(s: &Session) -> Result<Value> {
    s.js("const e = document.activeElement;
          return {tag: e.tagName.toLowerCase(), id: e.id, testid: e.dataset.testid || '',
                  type: e.type || '', class: e.className || ''};")
        .await
}

/// Whether the focused element shows it: an outline or a shadow on it (for a file input,
/// which is transparent, on the button-like label after it).
async fn focus_is_visible(s: &Session) -> Result<bool> {
    let seen = s
        .js("let e = document.activeElement;
             if (e.type === 'file') e = e.nextElementSibling;
             const st = getComputedStyle(e);
             const outline = st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) > 0;
             return outline || st.boxShadow !== 'none';")
        .await?;
    Ok(seen == json!(true))
}

/// Presses Tab until the element `id` (or test id) has the focus; at most 60 presses.
async fn tab_to(s: &Session, target: &str) -> Result<()> {
    let mut path = Vec::new();
    for _ in 0..60 {
        let f = focused(s).await?;
        if f["id"] == target || f["testid"] == target {
            assert!(
                focus_is_visible(s).await?,
                "the focus on {target} cannot be seen"
            );
            return Ok(());
        }
        path.push(format!("{}#{}[{}]", f["tag"], f["id"], f["testid"]));
        press(s, TAB).await?;
    }
    bail!("Tab never reached {target}: {}", path.join(" → "))
}

/// The step the page is on, once its form is there.
async fn step(s: &Session) -> Result<String> {
    Ok(s.wait_for(".apply")
        .await?
        .attr("data-step")
        .await?
        .unwrap_or_default())
}

/// Tabs to Continue and presses Enter; waits for the next step.
async fn continue_from(s: &Session, here: &str) -> Result<()> {
    tab_to(s, "continue").await?;
    press(s, ENTER).await?;
    wait_until(&format!("leaving {here}"), async || {
        Ok(s.exists(".apply").await? && step(s).await? != here)
    })
    .await?;
    Ok(())
}

/// Chooses option `index` of the radio group whose first option is `id`: Tab lands on the
/// group's first option, Space checks it, each arrow checks the next instead.
async fn choose(s: &Session, id: &str, index: usize) -> Result<()> {
    tab_to(s, id).await?;
    if index == 0 {
        press(s, SPACE).await?;
    }
    for _ in 0..index {
        press(s, DOWN).await?;
    }
    Ok(())
}

/// Answers the visible questions of the current section, Tab by Tab, in page order.
async fn answer_section(s: &Session, def: &FormDefinition) -> Result<()> {
    let here = step(s).await?;
    let section = def
        .sections
        .iter()
        .find(|x| x.id == here)
        .with_context(|| format!("no section {here}"))?;
    for f in &section.fields {
        let id = format!("f-{}", f.id);
        if !s.exists(&format!("#{id}")).await? {
            continue;
        }
        match f.kind {
            // No one to entrust: the second option, "no".
            FieldType::Boolean => choose(s, &id, 1).await?,
            FieldType::Choice => choose(s, &id, 0).await?,
            FieldType::Multichoice => {
                tab_to(s, &id).await?;
                press(s, SPACE).await?;
            }
            FieldType::Date => {
                tab_to(s, &id).await?;
                // The date's fields, in the order the browser's locale lays them out; a
                // month or a day moves on when full, a year (up to six digits) on →.
                let order = s
                    .js("return new Intl.DateTimeFormat().formatToParts(new Date(2024, 0, 15))
                           .filter(p => ['year', 'month', 'day'].includes(p.type)).map(p => p.type)")
                    .await?;
                for part in order.as_array().context("the date's fields")? {
                    match part.as_str() {
                        Some("year") => {
                            type_text(s, "2024").await?;
                            press(s, RIGHT).await?
                        }
                        Some("month") => type_text(s, "01").await?,
                        _ => type_text(s, "15").await?,
                    }
                }
                let value = s.value_of(&format!("#{id}")).await?;
                assert_eq!(value, "2024-01-15", "the date typed");
            }
            _ => {
                tab_to(s, &id).await?;
                let text = match f.kind {
                    FieldType::Mobile => "13912345678",
                    FieldType::ResidentId => "440524188001010014",
                    FieldType::Number => "1",
                    _ => "广州市天河区体育西路一号",
                };
                type_text(s, text).await?;
            }
        }
        // An answer may reveal a question (`visible_if`): it is asked right after.
    }
    Ok(())
}

#[tokio::test]
async fn an_application_can_be_made_with_the_keyboard_alone() -> Result<()> {
    let s = Session::phone().await?;
    s.open(&format!("/services/{SERVICE}")).await?;
    s.wait_for("[data-testid=guide]").await?;
    let def = form_definition(&s).await?;

    // The skip link comes first and takes the focus past the header.
    press(&s, TAB).await?;
    let first = focused(&s).await?;
    assert_eq!(first["class"], "skip-link", "{first}");
    tab_to(&s, "apply-link").await?;
    press(&s, ENTER).await?;
    s.wait_for_path(&format!("/services/{SERVICE}/apply"))
        .await?;
    s.wait_for("[data-testid=start]").await?;
    tab_to(&s, "start").await?;
    press(&s, ENTER).await?;
    s.wait_for_path(&format!("/services/{SERVICE}/apply/applicant"))
        .await?;
    s.wait_for("#a-name").await?;

    // Who applies. The page's heading has the focus after the move, so Tab goes on from there.
    if s.exists("#a-type").await? && !s.exists("#a-type:checked, #a-type-1:checked").await? {
        choose(&s, "a-type", 0).await?;
    }
    tab_to(&s, "a-name").await?;
    type_text(&s, "王小明").await?;
    tab_to(&s, "a-id_number").await?;
    type_text(&s, "440524188001010014").await?;
    tab_to(&s, "a-mobile").await?;
    type_text(&s, "13800138000").await?;
    continue_from(&s, "applicant").await?;

    // The form's own sections, then the materials.
    while step(&s).await? != "materials" {
        let here = step(&s).await?;
        answer_section(&s, &def).await?;
        continue_from(&s, &here).await?;
    }
    let dir = tempfile::tempdir()?;
    let pdf = dir.path().join("材料.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n%%EOF\n")?;
    let required: Vec<&str> = def
        .materials
        .iter()
        .filter(|m| m.requirement == Requirement::Required)
        .map(|m| m.id.as_str())
        .collect();
    for (i, id) in required.iter().enumerate() {
        // A file input takes its file as WebDriver gives one: the path, typed into it.
        tab_to(&s, &format!("m-{id}")).await?;
        s.wait_for(&format!("#m-{id}"))
            .await?
            .send_keys(&pdf.display().to_string())
            .await?;
        wait_until("the upload", async || {
            Ok(s.all(".file-list__item--done").await?.len() > i)
        })
        .await?;
    }
    continue_from(&s, "materials").await?;

    // Check your answers: declare, then submit.
    assert_eq!(step(&s).await?, "check");
    tab_to(&s, "declaration").await?;
    press(&s, SPACE).await?;
    tab_to(&s, "submit").await?;
    press(&s, ENTER).await?;
    let number = s.text_of("[data-testid=acceptance-number]").await?;
    assert!(
        api_client::checks::AcceptanceNumber::parse(&number).is_ok(),
        "the receipt's number: {number}"
    );
    // The receipt's own controls are reachable too.
    tab_to(&s, "print").await?;
    s.close().await
}
