//! A language change mid-form: the page stays where it was, its texts change, and nothing
//! typed is lost (the body renders anew in the new language).

use anyhow::Result;
use e2e::{Session, SERVICE};

/// The values of the inputs `ids`, in order.
async fn values(s: &Session, ids: &[&str]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for id in ids {
        out.push(s.value_of(&format!("#{id}")).await?);
    }
    Ok(out)
}

async fn path(s: &Session) -> Result<String> {
    let url = s.browser.current_url().await?;
    Ok(match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    })
}

/// Switches to `lang` with the header's switch, as a visitor does, and waits for the page
/// to be drawn again in it (`ready` there once more).
async fn switch_to(s: &Session, lang: &str, ready: &str) -> Result<()> {
    s.click(&format!(".language-switch button[lang={lang}]"))
        .await?;
    s.wait_for_lang(lang).await?;
    s.wait_for(ready).await?;
    Ok(())
}

#[tokio::test]
async fn switching_language_on_an_apply_step_keeps_the_page_and_the_answers() -> Result<()> {
    let s = Session::phone().await?;
    s.open(&format!("/services/{SERVICE}/apply/applicant"))
        .await?;
    s.type_into("#a-name", "王小明").await?;
    s.type_into("#a-mobile", "13800138000").await?;
    let before = path(&s).await?;
    let heading = s.heading().await?;
    let button = s.text_of("[data-testid=continue]").await?;
    switch_to(&s, "en", "#a-name").await?;
    assert_eq!(path(&s).await?, before, "the same page");
    let now = s.text_of("[data-testid=continue]").await?;
    assert!(
        now != button && now.is_ascii(),
        "the button reads {now:?}, was {button:?}"
    );
    assert_ne!(s.heading().await?, heading);
    assert_eq!(
        values(&s, &["a-name", "a-mobile"]).await?,
        ["王小明", "13800138000"]
    );

    // A section of the service's own form: a typed text and a choice made.
    s.open(&format!("/services/{SERVICE}/apply/residence"))
        .await?;
    s.type_into("#f-household_place", "湖南省衡阳市祁东县")
        .await?;
    s.click("label[for='f-apply_type-1']").await?;
    let label = s.text_of("label[for='f-apply_type-1']").await?;
    switch_to(&s, "zh-Hant", "#f-household_place").await?;
    assert_eq!(
        path(&s).await?,
        format!("/services/{SERVICE}/apply/residence")
    );
    assert_eq!(
        values(&s, &["f-household_place"]).await?,
        ["湖南省衡阳市祁东县"]
    );
    assert_eq!(
        s.wait_for("#f-apply_type-1")
            .await?
            .prop("checked")
            .await?
            .as_deref(),
        Some("true"),
        "the choice made"
    );
    let hant = s.text_of("label[for='f-apply_type-1']").await?;
    assert_ne!(hant, label, "the catalogue's own texts change too");
    s.close().await
}

#[tokio::test]
async fn switching_language_on_the_track_lookup_keeps_the_typed_number() -> Result<()> {
    let s = Session::phone().await?;
    s.open("/track").await?;
    s.type_into("#track-number", "440113-261122-00017-X")
        .await?;
    s.type_into("#track-secret", "ABCDEF").await?;
    let heading = s.heading().await?;
    switch_to(&s, "en", "#track-number").await?;
    assert_eq!(path(&s).await?, "/track");
    let now = s.heading().await?;
    assert!(now != heading && now.is_ascii(), "{now:?}");
    assert_eq!(
        values(&s, &["track-number", "track-secret"]).await?,
        ["440113-261122-00017-X", "ABCDEF"]
    );
    // The lookup by mobile number, chosen before the change, stays chosen.
    s.click("label[for=by-mobile]").await?;
    s.type_into("#track-secret", "13800138000").await?;
    switch_to(&s, "zh-CN", "#track-number").await?;
    assert_eq!(
        s.wait_for("#by-mobile")
            .await?
            .prop("checked")
            .await?
            .as_deref(),
        Some("true")
    );
    assert_eq!(s.text_of("label[for=track-secret]").await?, "手机号码");
    assert_eq!(
        values(&s, &["track-number", "track-secret"]).await?,
        ["440113-261122-00017-X", "13800138000"]
    );

    // The complaint lookup likewise.
    s.open("/complaints").await?;
    s.type_into("#complaint-number", "440113-261122-00017-X")
        .await?;
    switch_to(&s, "zh-Hant", "#complaint-number").await?;
    assert_eq!(path(&s).await?, "/complaints");
    assert_eq!(
        values(&s, &["complaint-number"]).await?,
        ["440113-261122-00017-X"]
    );
    s.close().await
}
