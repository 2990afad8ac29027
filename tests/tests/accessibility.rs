//! WCAG 2.2 AA checks (axe-core) on every page of both builds, as a visitor sees them.

use e2e::Session;

async fn audit(s: &Session, pages: &[(&str, &str)]) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for (path, ready) in pages {
        s.open(path).await?;
        s.wait_for(ready).await?;
        for v in s.accessibility_violations().await? {
            problems.push(format!("{path}: {v}"));
        }
    }
    Ok(problems)
}

#[tokio::test]
async fn portal_pages_have_no_accessibility_violations() -> anyhow::Result<()> {
    let s = Session::phone().await?;
    let problems = audit(
        &s,
        &[
            ("/", ".service-card"),
            (
                "/services?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7",
                ".service-card",
            ),
            (
                "/services?audience=organisation&department=scjgj",
                ".filters",
            ),
            (
                "/services/440113-SCJG-XK-001",
                "[data-testid=materials-table]",
            ),
            (
                "/services/440113-SCJG-XK-001/notice",
                "[data-testid=one-time-notice]",
            ),
            ("/services/440113-NO-SUCH-999", "[data-testid=not-found]"),
            ("/track", "[data-testid=track-submit]"),
        ],
    )
    .await?;
    assert!(problems.is_empty(), "{problems:#?}");
    s.close().await
}

#[tokio::test]
async fn kiosk_pages_have_no_accessibility_violations() -> anyhow::Result<()> {
    let s = Session::kiosk().await?;
    let problems = audit(
        &s,
        &[
            ("/kiosk/", ".task-grid"),
            ("/kiosk/guides", ".tile-grid"),
            ("/kiosk/guides?by=department", ".tile-grid"),
            (
                "/kiosk/guides?topic=company_setup",
                "[data-testid=service-list]",
            ),
            (
                "/kiosk/services/440113-GA-QT-001",
                "[data-testid=materials-table]",
            ),
            ("/kiosk/track", "[data-testid=track-submit]"),
        ],
    )
    .await?;
    assert!(problems.is_empty(), "{problems:#?}");
    s.close().await
}
