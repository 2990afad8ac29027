//! What the accessibility, reflow and keyboard suites share: a database holding a case in
//! each state a visitor can meet (and a complaint), the pages to visit, and the browser
//! conditions a page is audited under (languages, care mode, a slow or absent API).

use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::json;

use crate::{submit_case, Session, SERVICE};

/// A number and the query code that opens it.
pub type Opened = (String, String);

/// One of each thing a page can show.
pub struct Fixture {
    /// Submitted, nothing done yet.
    pub submitted: Opened,
    /// Accepted, then asked for a supplement: the notice and the supplement page.
    pub supplement: Opened,
    /// Completed: the rating form.
    pub completed: Opened,
    pub complaint: Opened,
}

impl Fixture {
    pub async fn make(s: &Session) -> Result<Fixture> {
        let submitted = submit_case(s).await?;
        let supplement = submit_case(s).await?;
        s.server_cli(&["case", &supplement.0, "accept"])?;
        s.server_cli(&[
            "case",
            &supplement.0,
            "request_supplement",
            "--item",
            "本人近期相片:背景须为白色",
        ])?;
        let completed = submit_case(s).await?;
        s.complete_case(&completed.0)?;
        let complaint = file_complaint(s).await?;
        Ok(Fixture {
            submitted,
            supplement,
            completed,
            complaint,
        })
    }
}

/// Files an anonymous complaint about the portal through the API; its number and code.
pub async fn file_complaint(s: &Session) -> Result<Opened> {
    let body = json!({
        "subject": {"type": "channel", "ref": "portal"},
        "category": "other",
        "description": "网上申报页面的说明文字太小，看不清楚。",
        "anonymous": true,
    });
    let answer = s
        .browser
        .execute_async(
            "const [body, done] = arguments;
             fetch('/api/v1/complaints', {method: 'POST', body: JSON.stringify(body),
               headers: {'Content-Type': 'application/json',
                         'Idempotency-Key': 'e2e-' + Math.random().toString(36).slice(2)}})
               .then(r => r.json()).then(done).catch(e => done({error: String(e)}));",
            vec![body],
        )
        .await?;
    let number = answer["complaint_number"]
        .as_str()
        .with_context(|| format!("complaint: {answer}"))?;
    let code = answer["query_code"].as_str().context("complaint code")?;
    Ok((number.to_string(), code.to_string()))
}

/// A page to open and what shows once it has rendered.
pub struct Page {
    pub path: String,
    pub ready: &'static str,
}

fn page(path: impl Into<String>, ready: &'static str) -> Page {
    Page {
        path: path.into(),
        ready,
    }
}

/// The steps of `SERVICE`'s application, in order.
pub const APPLY_STEPS: [&str; 6] = [
    "applicant",
    "residence",
    "agent",
    "pickup",
    "materials",
    "check",
];

/// Every page of the portal (`prefix` ""), or the kiosk's copies of the shared ones
/// (`prefix` "/kiosk"), with something in it.
pub fn shared_pages(prefix: &str, f: &Fixture) -> Vec<Page> {
    let (n, c) = &f.submitted;
    let (sn, sc) = &f.supplement;
    let (dn, dc) = &f.completed;
    let (cn, cc) = &f.complaint;
    let mut pages = vec![
        page(
            format!("/services/{SERVICE}"),
            "[data-testid=materials-table]",
        ),
        page(
            format!("/services/{SERVICE}/notice"),
            "[data-testid=one-time-notice]",
        ),
        page("/services/440113-NO-SUCH-999", "[data-testid=not-found]"),
        page("/track", "[data-testid=track-submit]"),
        page(format!("/track/{n}?c={c}"), "[data-testid=timeline]"),
        page(format!("/track/{sn}?c={sc}"), "[data-testid=supplement]"),
        page(format!("/track/{dn}?c={dc}"), "[data-testid=rating-form]"),
        page(
            format!("/track/{sn}/supplement?c={sc}"),
            "[data-testid=supplement-send]",
        ),
        page(
            format!("/receipt/{n}?c={c}"),
            "[data-testid=receipt-qr] svg",
        ),
        page(format!("/services/{SERVICE}/apply"), "[data-testid=start]"),
        page("/complaints", "[data-testid=complaint-lookup]"),
        page("/complaints/new", "[data-testid=complaint-form]"),
        page(
            format!("/complaints/{cn}?c={cc}"),
            "[data-testid=complaint-status]",
        ),
    ];
    for step in APPLY_STEPS {
        pages.push(page(
            format!("/services/{SERVICE}/apply/{step}"),
            match step {
                "check" => "[data-testid=submit]",
                _ => "[data-testid=continue]",
            },
        ));
    }
    for p in &mut pages {
        p.path = format!("{prefix}{}", p.path);
    }
    pages
}

/// The portal's pages: its own and the shared ones.
pub fn portal_pages(f: &Fixture) -> Vec<Page> {
    let mut pages = vec![
        page("/", ".service-card"),
        page("/services", ".service-card"),
        page(
            "/services?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7",
            ".service-card",
        ),
        page(
            "/services?audience=organisation&department=scjgj",
            ".filters",
        ),
    ];
    pages.extend(shared_pages("", f));
    pages
}

/// The kiosk's own pages and the shared ones below `/kiosk`.
pub fn kiosk_pages(f: &Fixture) -> Vec<Page> {
    let mut pages = vec![
        page("/kiosk/", ".task-grid"),
        page("/kiosk/guides", ".tile-grid"),
        page("/kiosk/guides?by=department", ".tile-grid"),
        page(
            "/kiosk/guides?topic=company_setup",
            "[data-testid=service-list]",
        ),
        page("/kiosk/finish", "[data-testid=finish-form]"),
    ];
    pages.extend(shared_pages("/kiosk", f));
    pages
}

impl Session {
    /// Opens each page and runs axe-core on it; every violation, named by `label` and page.
    pub async fn audit_pages(&self, label: &str, pages: &[Page]) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        for p in pages {
            self.open(&p.path).await?;
            self.wait_for(p.ready)
                .await
                .with_context(|| format!("{label} {}", p.path))?;
            problems.extend(self.audit_here(&format!("{label} {}", p.path)).await?);
        }
        Ok(problems)
    }

    /// axe-core's violations on the page as it stands, each prefixed by `label`.
    pub async fn audit_here(&self, label: &str) -> Result<Vec<String>> {
        Ok(self
            .accessibility_violations()
            .await?
            .into_iter()
            .map(|v| format!("{label}: {v}"))
            .collect())
    }

    /// Turns the portal's care mode on or off for the next page load, as its button does.
    pub async fn set_care_cookie(&self, on: bool) -> Result<()> {
        let value = if on { "1" } else { "0" };
        self.js(&format!(
            "document.cookie = 'onewindow_care={value}; path=/; max-age=31536000'; return null"
        ))
        .await?;
        Ok(())
    }

    /// Every API answer `latency_ms` late (0: as fast as it comes), so that pages show
    /// their loading state for a while.
    pub async fn api_latency(&self, latency_ms: u64) -> Result<()> {
        self.cdp("Network.enable", json!({})).await?;
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": false, "latency": latency_ms,
                    "downloadThroughput": -1, "uploadThroughput": -1 }),
        )
        .await?;
        Ok(())
    }

    /// Makes the API unreachable (`true`) for the page's requests, or reachable again.
    pub async fn block_api(&self, blocked: bool) -> Result<()> {
        self.cdp("Network.enable", json!({})).await?;
        let urls: Vec<&str> = if blocked { vec!["*/api/*"] } else { vec![] };
        self.cdp("Network.setBlockedURLs", json!({ "urls": urls }))
            .await?;
        Ok(())
    }

    /// The page laid out `width` CSS pixels wide at `zoom` device pixels each (a 1280-pixel
    /// window at 200 % zoom is 640 CSS pixels at 2).
    pub async fn set_zoomed_viewport(&self, width: u32, height: u32, zoom: f64) -> Result<()> {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": zoom, "mobile": false }),
        )
        .await?;
        Ok(())
    }

    /// When the page scrolls sideways: how far, and the elements that stick out furthest.
    pub async fn horizontal_overflow(&self) -> Result<Option<String>> {
        let found = self
            .js(r#"const root = document.documentElement;
                 if (root.scrollWidth <= root.clientWidth) return null;
                 const out = e => e.getBoundingClientRect().right > root.clientWidth + 0.5;
                 const name = e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim().split(/\s+/).join('.') : '')
                   + (e.parentElement ? ' in ' + e.parentElement.tagName.toLowerCase() + '.' + String(e.parentElement.className).trim().split(/\s+/).join('.') : '')
                   + ' ' + Math.round(e.getBoundingClientRect().right) + 'px';
                 const all = [...document.querySelectorAll('body *')].filter(out);
                 // Where it starts (a box whose parent fits) and what pushes (a box with nothing wider inside).
                 const outer = all.filter(e => !e.parentElement || !out(e.parentElement)).slice(0, 3).map(name);
                 const inner = all.filter(e => ![...e.children].some(out)).slice(0, 3).map(name);
                 return `scrollWidth ${root.scrollWidth} > clientWidth ${root.clientWidth}: ${outer.join(', ')}; innermost ${inner.join(', ')}`;"#)
            .await?;
        Ok(found.as_str().map(str::to_string))
    }

    /// Waits until the page's `<html lang>` is `lang`.
    pub async fn wait_for_lang(&self, lang: &str) -> Result<()> {
        for _ in 0..100 {
            if self.js("return document.documentElement.lang").await? == json!(lang) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("the page never turned {lang}")
    }
}
