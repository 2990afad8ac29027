//! Online application end to end, in the portal (phone) and the kiosk: validation errors
//! first, a conditional question, two uploaded files, check answers and change one, submit,
//! the receipt and its QR code; and a draft that survives a reload (portal only).

use std::time::Duration;

use anyhow::{bail, Context, Result};
use api_client::{FieldType, FormDefinition, FormField, Requirement};
use e2e::{By, Session};

/// 居住证申领: a form with a yes/no question ("entrusted") that reveals a required one
/// ("agent_name"), and required materials.
const SERVICE: &str = "440113-GA-GG-001";
const NAME: &str = "张三丰";

async fn form(s: &Session) -> Result<FormDefinition> {
    let v = s
        .browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(r => r.json()).then(done).catch(e => done({error: String(e)}));",
            vec![serde_json::json!(format!("/api/v1/services/{SERVICE}/form"))],
        )
        .await?;
    serde_json::from_value(v).context("the form definition")
}

/// Sets a value the way a picker would (date inputs take no typed text reliably).
async fn set_value(s: &Session, id: &str, value: &str) -> Result<()> {
    s.browser
        .execute(
            "const el = document.getElementById(arguments[0]); el.value = arguments[1];
             el.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![serde_json::json!(id), serde_json::json!(value)],
        )
        .await?;
    Ok(())
}

fn sample_text(f: &FormField) -> String {
    let base = match f.pattern {
        Some(api_client::forms::Pattern::Digits) => "1234567890",
        Some(api_client::forms::Pattern::Alphanumeric) => "AB12345678",
        _ => "测试填写内容示例文字",
    };
    let min = f.min.unwrap_or(1.0) as usize;
    let max = f.max.map(|m| m as usize).unwrap_or(10).max(min);
    base.chars().cycle().take(min.max(4).min(max)).collect()
}

/// Answers every question visible on the current page, as its type asks. Questions that
/// appear because of an answer are answered too.
async fn answer_page(s: &Session, def: &FormDefinition, skip: &[&str]) -> Result<()> {
    let step = s
        .wait_for(".apply")
        .await?
        .attr("data-step")
        .await?
        .unwrap_or_default();
    let Some(section) = def.sections.iter().find(|x| x.id == step) else {
        bail!("no section {step}")
    };
    let mut done: Vec<String> = Vec::new();
    for _round in 0..3 {
        for f in &section.fields {
            let id = format!("f-{}", f.id);
            if done.contains(&f.id)
                || skip.contains(&f.id.as_str())
                || !s.exists(&format!("#{id}")).await?
            {
                continue;
            }
            match f.kind {
                FieldType::Text | FieldType::Textarea | FieldType::Address => {
                    s.type_into(&format!("#{id}"), &sample_text(f)).await?
                }
                FieldType::Number => {
                    s.type_into(
                        &format!("#{id}"),
                        &format!("{}", f.min.unwrap_or(1.0).max(1.0) as i64),
                    )
                    .await?
                }
                FieldType::Date => set_value(s, &id, "2024-01-15").await?,
                FieldType::Choice | FieldType::Multichoice | FieldType::Boolean => {
                    s.click(&format!("label[for='{id}']")).await?
                }
                FieldType::ResidentId => {
                    s.type_into(&format!("#{id}"), "440524188001010014").await?
                }
                FieldType::Uscc => s.type_into(&format!("#{id}"), "91350100M000100Y43").await?,
                FieldType::Mobile => s.type_into(&format!("#{id}"), "13912345678").await?,
                FieldType::Email => {
                    s.type_into(&format!("#{id}"), "applicant@example.cn")
                        .await?
                }
            }
            done.push(f.id.clone());
        }
    }
    Ok(())
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

fn png() -> Vec<u8> {
    let mut bytes = Vec::new();
    let img = image::RgbImage::from_pixel(8, 8, image::Rgb([200, 30, 30]));
    image::DynamicImage::ImageRgb8(img)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

/// Reads the QR code in the receipt from a screenshot of it.
async fn decode_qr(s: &Session) -> Result<String> {
    let qr = s.wait_for("[data-testid=receipt-qr] svg").await?;
    let shot = qr.screenshot().await?;
    let img = image::load_from_memory(&shot)?.to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    let Some(grid) = grids.first() else {
        bail!("no QR code found in the receipt")
    };
    let (_, content) = grid.decode()?;
    Ok(content)
}

/// WCAG 2.2 AA (axe-core) on the page as it stands.
async fn audit(s: &Session, what: &str) -> Result<()> {
    let problems = s.accessibility_violations().await?;
    assert!(problems.is_empty(), "{what}: {problems:#?}");
    Ok(())
}

async fn continue_(s: &Session) -> Result<()> {
    s.click("[data-testid=continue]").await
}

async fn summary_text(s: &Session) -> Result<String> {
    s.text_of("[data-testid=error-summary]").await
}

/// The whole flow from the guide page to the receipt; `base` is `""` or `"/kiosk"`.
async fn apply(s: &Session, base: &str) -> Result<()> {
    s.open(&format!("{base}/services/{SERVICE}")).await?;
    let def = form(s).await?;
    s.click("[data-testid=apply-link]").await?;
    s.click("[data-testid=start]").await?;
    s.wait_for_path(&format!("{base}/services/{SERVICE}/apply/applicant"))
        .await?;

    // Nothing entered: every problem is summarised, focused, and linked to its field.
    continue_(s).await?;
    let text = summary_text(s).await?;
    assert!(
        text.contains("请填写“姓名”") && text.contains("请填写“手机号码”"),
        "{text}"
    );
    let focused = s.js("return document.activeElement.dataset.testid").await?;
    assert_eq!(focused, "error-summary");
    audit(s, "the applicant page with errors").await?;
    // A resident ID with a wrong check digit is caught before any request.
    s.type_into("#a-name", NAME).await?;
    s.type_into("#a-id_number", "440524188001010015").await?;
    s.type_into("#a-mobile", "13800138000").await?;
    continue_(s).await?;
    assert!(summary_text(s).await?.contains("校验码"));
    assert_eq!(
        s.wait_for("#a-name").await?.prop("value").await?.as_deref(),
        Some(NAME),
        "answers are kept"
    );
    s.type_into("#a-id_number", "440524188001010014").await?;
    continue_(s).await?;

    // The form's own pages; on the one with the yes/no question, its follow-up appears.
    let mut changed_label = None;
    for _ in 0..def.sections.len() {
        let step = s
            .wait_for(".apply")
            .await?
            .attr("data-step")
            .await?
            .unwrap_or_default();
        if step == "materials" {
            break;
        }
        if step == "agent" {
            assert!(
                !s.exists("#f-agent_name").await?,
                "the follow-up is hidden at first"
            );
            s.click("label[for='f-entrusted']").await?;
            s.wait_for("#f-agent_name").await?;
            answer_page(s, &def, &["agent_name"]).await?;
            continue_(s).await?;
            assert!(
                summary_text(s).await?.contains("请填写“"),
                "the revealed question is required"
            );
            s.type_into("#f-agent_name", "李四").await?;
        } else {
            answer_page(s, &def, &[]).await?;
            if changed_label.is_none() {
                let f = def
                    .sections
                    .iter()
                    .find(|x| x.id == step)
                    .unwrap()
                    .fields
                    .iter()
                    .find(|f| f.kind == FieldType::Text && f.pattern.is_none() && exists_sync(f));
                changed_label = f.map(|f| (f.id.clone(), f.label.clone()));
            }
        }
        continue_(s).await?;
        s.wait_for_path_change(&step).await?;
    }

    // Materials: continuing without files names each required one.
    s.wait_for_path(&format!("{base}/services/{SERVICE}/apply/materials"))
        .await?;
    continue_(s).await?;
    let text = summary_text(s).await?;
    let required: Vec<_> = def
        .materials
        .iter()
        .filter(|m| m.requirement == Requirement::Required)
        .collect();
    assert!(
        required.len() >= 2,
        "the service needs two required materials"
    );
    for m in &required {
        assert!(text.contains(&m.name), "{text} should name {}", m.name);
    }
    let dir = tempfile::tempdir()?;
    let files = [("scan.pdf", pdf()), ("photo.png", png())];
    for (i, m) in required.iter().enumerate() {
        let (name, bytes) = &files[i % 2];
        let path = dir.path().join(name);
        std::fs::write(&path, bytes)?;
        s.wait_for(&format!("#m-{}", m.id))
            .await?
            .send_keys(&path.display().to_string())
            .await?;
    }
    for _ in 0..100 {
        if s.all(".file-list__item--done").await?.len() >= required.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        s.all(".file-list__item--done").await?.len(),
        required.len(),
        "every file uploaded"
    );
    audit(s, "the materials page").await?;
    continue_(s).await?;

    // Check your answers, and change one.
    s.wait_for_path(&format!("{base}/services/{SERVICE}/apply/check"))
        .await?;
    let page = s.text_of("main").await?;
    assert!(
        page.contains(NAME) && page.contains("scan.pdf") && page.contains("photo.png"),
        "{page}"
    );
    audit(s, "check your answers").await?;
    let (field_id, label) = changed_label.context("a text question to change")?;
    let change = s
        .browser
        .find(By::XPath(&format!(
            "//div[@class='summary-list__row'][dt[normalize-space()='{label}']]//a"
        )))
        .await?;
    change.click().await?;
    s.type_into(&format!("#f-{field_id}"), "改过的回答").await?;
    continue_(s).await?;
    s.wait_for_path(&format!("{base}/services/{SERVICE}/apply/check"))
        .await?;
    assert!(s.text_of("main").await?.contains("改过的回答"));

    // The declaration is required; then submit.
    s.click("[data-testid=submit]").await?;
    assert!(summary_text(s).await?.contains("承诺"));
    s.click("label[for='declaration']").await?;
    s.click("[data-testid=submit]").await?;

    let receipt = s.wait_for("[data-testid=receipt]").await?;
    audit(s, "the receipt").await?;
    let number = s.text_of("[data-testid=acceptance-number]").await?;
    let parsed = api_client::checks::AcceptanceNumber::parse(&number)
        .map_err(|e| anyhow::anyhow!("{number}: {e:?}"))?;
    assert_eq!(number, parsed.grouped(), "shown grouped for reading");
    let text = receipt.text().await?;
    assert!(text.contains("张*丰"), "the masked name: {text}");
    assert!(
        !text.contains(NAME)
            && !text.contains("440524188001010014")
            && !text.contains("13800138000"),
        "no personal data: {text}"
    );
    let url = s.browser.current_url().await?;
    let decoded = decode_qr(s).await?;
    let code = if base.is_empty() {
        url.query_pairs()
            .find(|(k, _)| k == "c")
            .map(|(_, v)| v.to_string())
            .context("the code in the URL")?
    } else {
        // The kiosk keeps the code in memory only: the next visitor cannot find it in the
        // address; the receipt (and its QR, for the applicant's phone) shows it.
        assert_eq!(url.query(), None, "no code in the kiosk's address");
        decoded
            .rsplit_once("?c=")
            .map(|(_, c)| c.to_string())
            .context("the code in the QR")?
    };
    assert!(text.contains(&code));
    // A promised date counted past the holiday calendar carries its note (暂定), exactly
    // when the API says it is provisional (the demo calendar covers 2026 only).
    let answer = s
        .browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(r => r.json()).then(done).catch(e => done({error: String(e)}));",
            vec![serde_json::json!(format!(
                "/api/v1/applications/{}?c={code}",
                parsed.compact()
            ))],
        )
        .await?;
    let promised = answer["promised_date"]
        .as_str()
        .with_context(|| format!("the receipt's promised date: {answer}"))?;
    let notes = s.all("[data-testid=summary-note]").await?;
    if answer["promised_date_provisional"] == true {
        let note = notes
            .first()
            .context("the provisional note")?
            .text()
            .await?;
        assert!(
            note.contains("暂定") && note.contains(&promised[..4]),
            "{note}"
        );
    } else {
        assert!(
            notes.is_empty(),
            "no note beside a date the calendar covers"
        );
    }
    assert_eq!(
        decoded,
        format!("{}/track/{}?c={}", s.base, parsed.compact(), code)
    );

    // The portal's receipt is still right when revisited (the kiosk's reload ends the visit).
    if base.is_empty() {
        s.browser.refresh().await?;
        s.wait_for("[data-testid=receipt]").await?;
        assert_eq!(s.text_of("[data-testid=acceptance-number]").await?, number);
    }
    // The QR code lands on the progress page of this very case.
    s.browser.goto(&decoded).await?;
    s.wait_for("[data-testid=case]").await?;
    assert_eq!(s.text_of("[data-testid=case-number]").await?, number);
    Ok(())
}

/// Whether a question is asked unconditionally (so it is on its page from the start).
fn exists_sync(f: &FormField) -> bool {
    f.visible_if.is_none()
}

trait PathWait {
    async fn wait_for_path_change(&self, from_step: &str) -> Result<()>;
}

impl PathWait for Session {
    /// Waits until the page shows a step other than `from_step`.
    async fn wait_for_path_change(&self, from_step: &str) -> Result<()> {
        for _ in 0..100 {
            let step = self
                .wait_for(".apply")
                .await?
                .attr("data-step")
                .await?
                .unwrap_or_default();
            if step != from_step {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let errors = self.all("[data-testid=error-summary]").await?;
        let text = match errors.first() {
            Some(e) => e.text().await?,
            None => String::new(),
        };
        bail!("stuck on step {from_step}: {text}")
    }
}

#[tokio::test]
async fn portal_application_from_guide_to_receipt_with_qr() -> Result<()> {
    let s = Session::phone().await?;
    apply(&s, "").await?;
    s.close().await
}

#[tokio::test]
async fn kiosk_application_from_guide_to_receipt_with_qr() -> Result<()> {
    let s = Session::kiosk().await?;
    apply(&s, "/kiosk").await?;
    s.close().await
}

#[tokio::test]
async fn a_portal_draft_survives_a_reload_and_can_be_deleted() -> Result<()> {
    let s = Session::phone().await?;
    s.open(&format!("/services/{SERVICE}/apply")).await?;
    s.click("[data-testid=start]").await?;
    s.type_into("#a-name", NAME).await?;
    s.type_into("#a-id_number", "440524188001010014").await?;
    s.type_into("#a-mobile", "13800138000").await?;
    continue_(&s).await?;
    s.wait_for_path_change("applicant").await?;

    s.browser.refresh().await?;
    s.open(&format!("/services/{SERVICE}/apply")).await?;
    s.wait_for("[data-testid=draft-found]").await?;
    s.click("[data-testid=draft-continue]").await?;
    let page = s.text_of("main").await?;
    assert!(page.contains(NAME), "the answers came back: {page}");

    s.open(&format!("/services/{SERVICE}/apply")).await?;
    s.click("[data-testid=draft-delete]").await?;
    s.wait_for_path(&format!("/services/{SERVICE}/apply/applicant"))
        .await?;
    assert_eq!(
        s.wait_for("#a-name").await?.prop("value").await?.as_deref(),
        Some("")
    );
    let stored = s
        .js(&format!(
            "return localStorage.getItem('onewindow.draft.{SERVICE}')"
        ))
        .await?;
    assert!(
        !stored.to_string().contains(NAME),
        "the deleted draft is gone: {stored}"
    );
    s.close().await
}

#[tokio::test]
async fn the_kiosk_keeps_no_draft_across_a_reload() -> Result<()> {
    let s = Session::kiosk().await?;
    s.open(&format!("/kiosk/services/{SERVICE}/apply")).await?;
    s.click("[data-testid=start]").await?;
    s.type_into("#a-name", NAME).await?;
    s.browser.refresh().await?;
    s.open(&format!("/kiosk/services/{SERVICE}/apply")).await?;
    s.wait_for("[data-testid=start]").await?;
    assert!(!s.exists("[data-testid=draft-found]").await?);
    let stored = s
        .js("return JSON.stringify(Object.assign({}, localStorage))")
        .await?;
    assert!(
        !stored.to_string().contains(NAME),
        "kiosk storage: {stored}"
    );
    s.close().await
}

/// A catalogue of one department and one service promised in 5 working days, applied for
/// online with no required material.
fn one_service_catalogue() -> serde_json::Value {
    serde_json::json!({
        "departments": [{"code": "e2e", "name": "测试局"}],
        "topics": [{"code": "e2e_topic", "name": "测试主题", "audience": "individual"}],
        "services": [{
            "code": "E2E-PROV-001", "name": "暂定日期测试事项", "kind": "public_service",
            "department": "e2e", "audience": ["individual"], "topics": ["e2e_topic"],
            "legal_basis": [{"law": "《测试条例》", "article": "第一条"}],
            "conditions": ["申请人为本区居民。"],
            "materials": [{"id": "photo", "name": "近期证件照", "form": "electronic", "copies": 1, "requirement": "optional", "source": "申请人自备"}],
            "steps": [{"name": "受理", "description": "窗口受理申请。"}, {"name": "办结", "description": "办结。"}],
            "statutory_limit": {"value": 10, "unit": "working_days"},
            "promised_limit": {"value": 5, "unit": "working_days"},
            "handling_type": "promised",
            "fees": {"free": true, "items": []},
            "location": "测试区行政服务中心", "hours": "周一至周五 9:00-17:00",
            "consult_phone": "020-12345678", "complaint_channel": "12345政务服务便民热线",
            "online_depth": 4, "visits": 0,
            "supports": {"appointment": false, "payment": false, "delivery": true, "kiosk": true},
            "result": {"name": "测试结果文书"}
        }],
    })
}

/// With no holiday calendar for the promised date's year, the receipt and the case page say
/// the date is provisional (暂定, with its year); once that year's arrangement is imported
/// they no longer do. Holds on any date: the server starts with no calendar at all.
#[tokio::test]
async fn a_provisional_promised_date_is_noted_until_its_year_is_imported() -> Result<()> {
    let s = Session::start_with(360, 740, &["--no-demo"]).await?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("catalogue.json");
    std::fs::write(&file, one_service_catalogue().to_string())?;
    s.server_cli(&["import-catalogue", file.to_str().context("a UTF-8 path")?])?;

    s.open("/").await?;
    let created = s
        .browser
        .execute_async(
            "const [body, done] = arguments;
             fetch('/api/v1/applications', {method: 'POST', body: JSON.stringify(body),
               headers: {'Content-Type': 'application/json', 'Idempotency-Key': 'e2e-' + Math.random().toString(36).slice(2)}})
               .then(r => r.json()).then(done).catch(e => done({error: String(e)}));",
            vec![serde_json::json!({
                "service_code": "E2E-PROV-001",
                "applicant": {"type": "individual", "name": "王小明", "id_type": "resident_id", "id_number": "440524188001010014", "mobile": "13800138000"},
                "answers": {},
                "materials": {}
            })],
        )
        .await?;
    let number = created["acceptance_number"]
        .as_str()
        .with_context(|| format!("submit: {created}"))?
        .to_string();
    let code = created["query_code"].as_str().context("query code")?;
    let promised = created["promised_date"].as_str().context("promised date")?;
    let year = &promised[..4];

    let pages = [
        (
            format!("/receipt/{number}?c={code}"),
            "[data-testid=receipt]",
        ),
        (format!("/track/{number}?c={code}"), "[data-testid=case]"),
    ];
    for (page, ready) in &pages {
        s.open(page).await?;
        s.wait_for(ready).await?;
        let note = s.text_of("[data-testid=summary-note]").await?;
        assert!(
            note.contains("暂定") && note.contains(&format!("{year}年")),
            "{page}: {note}"
        );
    }

    let calendar = dir.path().join("calendar.json");
    std::fs::write(
        &calendar,
        serde_json::json!({"calendar": {"holidays": [format!("{year}-10-01")], "workdays": []}})
            .to_string(),
    )?;
    s.server_cli(&[
        "import-catalogue",
        calendar.to_str().context("a UTF-8 path")?,
    ])?;
    for (page, ready) in &pages {
        s.open(page).await?;
        s.wait_for(ready).await?;
        assert!(
            s.all("[data-testid=summary-note]").await?.is_empty(),
            "{page}: no note once {year} is imported"
        );
    }
    s.close().await
}
