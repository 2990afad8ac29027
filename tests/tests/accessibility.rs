//! WCAG 2.2 AA checks (axe-core) on every page of both builds, in every language, as a
//! visitor meets them: with content, after a mistake, while loading, with the API
//! unreachable, and in care mode (the kiosk's elderly mode). Each test is one language and
//! one build, so that they run side by side.

use anyhow::{Context, Result};
use e2e::audit::{kiosk_pages, portal_pages, Fixture, Page};
use e2e::{Session, SERVICE};

/// A language: what the browser (or the hall's configuration) asks for, and the
/// `<html lang>` the page then carries.
type Language = (&'static str, &'static str);
const SIMPLIFIED: Language = ("zh-CN", "zh-CN");
const TRADITIONAL: Language = ("zh-TW", "zh-Hant");
const ENGLISH: Language = ("en", "en");

fn none_of(problems: Vec<String>) -> Result<()> {
    assert!(problems.is_empty(), "{problems:#?}");
    Ok(())
}

// ---- The portal ----

async fn portal_pages_in((asks, lang): Language, care: bool) -> Result<()> {
    let s = Session::phone_in(asks).await?;
    let f = Fixture::make(&s).await?;
    s.set_care_cookie(care).await?;
    s.open("/").await?;
    s.wait_for(".service-card").await?;
    s.wait_for_lang(lang).await?;
    let on = s
        .js("return document.documentElement.classList.contains('care')")
        .await?;
    assert_eq!(on, care, "care mode");
    let label = format!("{lang}{}", if care { " care" } else { "" });
    let problems = s.audit_pages(&label, &portal_pages(&f)).await?;
    // The audit sees a fault when there is one: a field without a label, put into the page.
    s.js("const i = document.createElement('input'); document.querySelector('main').append(i); return null")
        .await?;
    let planted = s.audit_here("planted").await?;
    assert!(
        planted.iter().any(|v| v.contains("label")),
        "an unlabelled field went unseen: {planted:?}"
    );
    s.close().await?;
    none_of(problems)
}

#[tokio::test]
async fn portal_in_simplified_chinese() -> Result<()> {
    portal_pages_in(SIMPLIFIED, false).await
}

#[tokio::test]
async fn portal_in_traditional_chinese() -> Result<()> {
    portal_pages_in(TRADITIONAL, false).await
}

#[tokio::test]
async fn portal_in_english() -> Result<()> {
    portal_pages_in(ENGLISH, false).await
}

#[tokio::test]
async fn portal_in_care_mode_in_simplified_chinese() -> Result<()> {
    portal_pages_in(SIMPLIFIED, true).await
}

#[tokio::test]
async fn portal_in_care_mode_in_traditional_chinese() -> Result<()> {
    portal_pages_in(TRADITIONAL, true).await
}

#[tokio::test]
async fn portal_in_care_mode_in_english() -> Result<()> {
    portal_pages_in(ENGLISH, true).await
}

/// A page on which a control is pressed with nothing filled in, and what then shows.
struct Mistake {
    path: String,
    press: &'static str,
    shows: &'static str,
}

/// The forms of both builds, sent empty (or with a number nobody holds).
fn mistakes(prefix: &str, f: &Fixture) -> Vec<Mistake> {
    let (sn, sc) = &f.supplement;
    let (dn, dc) = &f.completed;
    let apply = |step: &str, press| Mistake {
        path: format!("{prefix}/services/{SERVICE}/apply/{step}"),
        press,
        shows: "[data-testid=error-summary]",
    };
    let mut list = vec![
        apply("applicant", "[data-testid=continue]"),
        apply("residence", "[data-testid=continue]"),
        apply("materials", "[data-testid=continue]"),
        apply("check", "[data-testid=submit]"),
        Mistake {
            path: format!("{prefix}/track"),
            press: "[data-testid=track-submit]",
            shows: "#track-number-error",
        },
        Mistake {
            path: format!("{prefix}/track/{sn}/supplement?c={sc}"),
            press: "[data-testid=supplement-send]",
            shows: "[data-testid=error-summary]",
        },
        Mistake {
            path: format!("{prefix}/track/{dn}?c={dc}"),
            press: "[data-testid=rating-submit]",
            shows: ".error-summary",
        },
        Mistake {
            path: format!("{prefix}/complaints"),
            press: "[data-testid=complaint-lookup-submit]",
            shows: "#complaint-number-error",
        },
        Mistake {
            path: format!("{prefix}/complaints/new"),
            press: "[data-testid=complaint-submit]",
            shows: "[data-testid=error-summary]",
        },
    ];
    // A lookup that fails counts against the address (`server::gate`): the kiosk's visits
    // in other languages would soon be refused, so the kiosk meets it in `kiosk_pages_in`.
    if prefix.is_empty() {
        let page = no_match(prefix);
        list.push(Mistake {
            path: page.path,
            press: "main",
            shows: page.ready,
        });
    }
    list
}

/// A case nobody holds, or a wrong code: the same answer.
fn no_match(prefix: &str) -> Page {
    let nobodys = api_client::checks::AcceptanceNumber::new("440113", "200101", 99999)
        .expect("a well-formed number");
    Page {
        path: format!("{prefix}/track/{}?c=ABCDEF", nobodys.compact()),
        ready: "[data-testid=no-match]",
    }
}

async fn audit_mistakes(s: &Session, label: &str, list: &[Mistake]) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for m in list {
        s.open(&m.path).await?;
        if m.press != "main" {
            s.click(m.press).await?;
        }
        s.wait_for(m.shows).await?;
        problems.extend(
            s.audit_here(&format!("{label} {} with errors", m.path))
                .await?,
        );
    }
    Ok(problems)
}

/// From a page of one bundle to another page of the same bundle (no page load): what shows
/// while the API is slow, or gone.
fn moves(prefix: &str, f: &Fixture) -> Vec<(Page, String)> {
    let (n, c) = &f.submitted;
    let (cn, cc) = &f.complaint;
    let from = |path: &str, ready| Page {
        path: format!("{prefix}{path}"),
        ready,
    };
    let mut list = vec![
        (
            from("/track", "[data-testid=track-submit]"),
            format!("{prefix}/track/{n}?c={c}"),
        ),
        (
            from("/complaints", "[data-testid=complaint-lookup]"),
            format!("{prefix}/receipt/{n}?c={c}"),
        ),
        (
            from("/complaints", "[data-testid=complaint-lookup]"),
            format!("{prefix}/complaints/{cn}?c={cc}"),
        ),
        (
            from("/complaints", "[data-testid=complaint-lookup]"),
            format!("{prefix}/services/{SERVICE}/apply"),
        ),
    ];
    if prefix.is_empty() {
        list.push((from("/", ".service-card"), format!("/services/{SERVICE}")));
        list.push((
            from("/services", ".service-card"),
            format!("/services/{SERVICE}/notice"),
        ));
    } else {
        list.push((
            from("/guides", ".tile-grid"),
            format!("/kiosk/services/{SERVICE}"),
        ));
    }
    list
}

/// A screenshot of the state a page from the track lookup shows, for a person to look at
/// (`target/e2e-artefacts/`).
async fn shoot(s: &Session, label: &str, from: &Page, state: &str) -> Result<()> {
    if from.path.ends_with("/track") {
        let build = if label.starts_with("kiosk") {
            ""
        } else {
            "portal-"
        };
        let name = format!("{build}{}-{state}.png", label.replace(' ', "-"));
        let (_, path) = s.screenshot_artefact(&name).await?;
        eprintln!("{label} {state}: {}", path.display());
    }
    Ok(())
}

/// Each move with every API answer 10 s late, audited while the page says it is loading.
async fn audit_loading(s: &Session, label: &str, list: &[(Page, String)]) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for (from, to) in list {
        s.open(&from.path).await?;
        s.wait_for(from.ready).await?;
        s.api_latency(10_000).await?;
        s.go(to).await?;
        s.wait_for(".loading").await?;
        problems.extend(s.audit_here(&format!("{label} {to} loading")).await?);
        shoot(s, label, from, "loading").await?;
        s.api_latency(0).await?;
    }
    Ok(problems)
}

/// Each move with the API unreachable, audited once the page says so.
async fn audit_unreachable(
    s: &Session,
    label: &str,
    list: &[(Page, String)],
) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for (from, to) in list {
        s.open(&from.path).await?;
        s.wait_for(from.ready).await?;
        s.block_api(true).await?;
        s.go(to).await?;
        s.wait_for("[data-testid=fetch-error]").await?;
        problems.extend(s.audit_here(&format!("{label} {to} unreachable")).await?);
        shoot(s, label, from, "unreachable").await?;
        s.block_api(false).await?;
    }
    Ok(problems)
}

async fn portal_states_in((asks, lang): Language) -> Result<()> {
    let s = Session::phone_in(asks).await?;
    let f = Fixture::make(&s).await?;
    s.open("/").await?;
    s.wait_for_lang(lang).await?;
    let mut problems = audit_mistakes(&s, lang, &mistakes("", &f)).await?;
    // An empty search is refused beside its field.
    s.open("/").await?;
    s.wait_for("#search-q").await?.send_keys("   ").await?;
    s.click("button.search__button").await?;
    s.wait_for("#search-q-error").await?;
    problems.extend(s.audit_here(&format!("{lang} / empty search")).await?);
    problems.extend(audit_loading(&s, lang, &moves("", &f)).await?);
    problems.extend(audit_unreachable(&s, lang, &moves("", &f)).await?);
    s.close().await?;
    none_of(problems)
}

#[tokio::test]
async fn portal_states_in_simplified_chinese() -> Result<()> {
    portal_states_in(SIMPLIFIED).await
}

#[tokio::test]
async fn portal_states_in_traditional_chinese() -> Result<()> {
    portal_states_in(TRADITIONAL).await
}

#[tokio::test]
async fn portal_states_in_english() -> Result<()> {
    portal_states_in(ENGLISH).await
}

// ---- The kiosk ----

/// A kiosk whose hall offers every language, `first` first: each visit starts in it.
async fn kiosk_in(first: &str) -> Result<(Session, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("kiosk.toml");
    let mut languages = vec![first];
    languages.extend(
        ["zh-Hans", "zh-Hant", "en"]
            .into_iter()
            .filter(|l| *l != first),
    );
    std::fs::write(
        &file,
        format!(
            "hall_name = \"天河区政务服务中心\"\nhotline = \"020-12345678\"\nlanguages = {languages:?}\n"
        ),
    )?;
    let file = file.display().to_string();
    let s = Session::start_with(1080, 1920, &["--kiosk-config", &file]).await?;
    Ok((s, dir))
}

async fn kiosk_pages_in(first: &str, lang: &str) -> Result<()> {
    let (s, _dir) = kiosk_in(first).await?;
    let f = Fixture::make(&s).await?;
    let mut problems = Vec::new();
    let mut pages = kiosk_pages(&f);
    pages.push(no_match("/kiosk"));
    for elderly in [false, true] {
        let label = format!("kiosk {lang}{}", if elderly { " elderly" } else { "" });
        for p in &pages {
            s.open(&p.path).await?;
            s.wait_for_lang(lang).await?;
            s.wait_for(p.ready).await?;
            if elderly {
                s.click("[data-testid=care-toggle]").await?;
                s.wait_for("html.care").await?;
            }
            problems.extend(s.audit_here(&format!("{label} {}", p.path)).await?);
        }
    }
    s.close().await?;
    none_of(problems)
}

#[tokio::test]
async fn kiosk_in_simplified_chinese() -> Result<()> {
    kiosk_pages_in("zh-Hans", "zh-CN").await
}

#[tokio::test]
async fn kiosk_in_traditional_chinese() -> Result<()> {
    kiosk_pages_in("zh-Hant", "zh-Hant").await
}

#[tokio::test]
async fn kiosk_in_english() -> Result<()> {
    kiosk_pages_in("en", "en").await
}

/// The kiosk's mistakes, slow and absent API, in each language (a kiosk visit starts in its
/// hall's first language; the switch changes it for the visit).
#[tokio::test]
async fn kiosk_states_in_every_language() -> Result<()> {
    let (s, _dir) = kiosk_in("zh-Hans").await?;
    let f = Fixture::make(&s).await?;
    let mut problems = Vec::new();
    for lang in ["zh-CN", "zh-Hant", "en"] {
        let label = format!("kiosk {lang}");
        problems.extend(audit_mistakes_in(&s, &label, lang, mistakes("/kiosk", &f)).await?);
        problems.extend(audit_moves_in(&s, &label, lang, &moves("/kiosk", &f)).await?);
    }
    s.close().await?;
    none_of(problems)
}

/// Switches the kiosk's visit to `lang` with its switch (each page load starts a visit in
/// the hall's first language), once the hall's settings have come: their arrival sets the
/// first language.
async fn switch_kiosk_to(s: &Session, lang: &str) -> Result<()> {
    for _ in 0..100 {
        if s.text_of("[data-testid=kiosk-title]")
            .await?
            .contains("天河区")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let current = s.js("return document.documentElement.lang").await?;
    if current != lang {
        s.click(&format!(".language-switch button[lang={lang}]"))
            .await?;
        s.wait_for_lang(lang).await?;
    }
    Ok(())
}

async fn audit_mistakes_in(
    s: &Session,
    label: &str,
    lang: &str,
    list: Vec<Mistake>,
) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for m in list {
        s.open(&m.path).await?;
        switch_kiosk_to(s, lang).await?;
        if m.press != "main" {
            s.click(m.press)
                .await
                .with_context(|| format!("{label} {}", m.path))?;
        }
        s.wait_for(m.shows)
            .await
            .with_context(|| format!("{label} {}", m.path))?;
        problems.extend(
            s.audit_here(&format!("{label} {} with errors", m.path))
                .await?,
        );
    }
    Ok(problems)
}

async fn audit_moves_in(
    s: &Session,
    label: &str,
    lang: &str,
    list: &[(Page, String)],
) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for (from, to) in list {
        for slow in [true, false] {
            s.open(&from.path).await?;
            s.wait_for(from.ready).await?;
            switch_kiosk_to(s, lang).await?;
            s.wait_for(from.ready).await?;
            if slow {
                s.api_latency(10_000).await?;
            } else {
                s.block_api(true).await?;
            }
            s.go(to).await?;
            let (shows, state) = if slow {
                (".loading", "loading")
            } else {
                ("[data-testid=fetch-error]", "unreachable")
            };
            s.wait_for(shows).await?;
            problems.extend(s.audit_here(&format!("{label} {to} {state}")).await?);
            shoot(s, label, from, state).await?;
            s.api_latency(0).await?;
            s.block_api(false).await?;
        }
    }
    Ok(problems)
}
