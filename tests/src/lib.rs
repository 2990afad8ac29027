//! The end-to-end harness: the real server (serving the release bundles from `dist/`) on a
//! free port with a fresh database, and a headless Chromium driven through chromedriver.
//!
//! `cargo xtask test` sets ONEWINDOW_SERVER_BIN, ONEWINDOW_DIST_DIR, CHROMEDRIVER and
//! CHROME_BIN; the defaults suit a checkout where those were built in place.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use tokio::process::{Child, Command};

pub use fantoccini::Locator as By;

pub mod audit;

use api_client::{FieldType, FormDefinition, Requirement};
use serde_json::{json, Map, Value};

const WAIT: Duration = Duration::from_secs(20);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn env_or(name: &str, default: impl Into<PathBuf>) -> PathBuf {
    std::env::var_os(name)
        .map(PathBuf::from)
        .unwrap_or_else(|| default.into())
}

/// A running server and browser session; both stop when this is dropped.
pub struct Session {
    pub base: String,
    pub browser: Client,
    _server: launcher::Server,
    _driver: Child,
    _data: tempfile::TempDir,
}

async fn start_server(data: &std::path::Path, extra: &[&str]) -> Result<launcher::Server> {
    let bin = env_or("ONEWINDOW_SERVER_BIN", root().join("target/debug/server"));
    let dist = env_or("ONEWINDOW_DIST_DIR", root().join("dist"));
    if !dist.join("portal/index.html").exists() {
        bail!(
            "{} has no built bundles: run `cargo xtask build`",
            dist.display()
        );
    }
    let mut cmd = std::process::Command::new(&bin);
    cmd.args(["serve", "--bind", "127.0.0.1:0", "--dist-dir"])
        .arg(&dist)
        .arg("--data-dir")
        .arg(data)
        .args(extra)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn");
    // stderr stays the test's own, so the server's warnings show beside a failing test.
    let launch = launcher::Launch::new(cmd).timeout(WAIT);
    match tokio::task::spawn_blocking(move || launch.start()).await? {
        Ok(server) => Ok(server),
        Err(launcher::Error::Spawn(e)) => {
            Err(e).with_context(|| format!("cannot start {}", bin.display()))
        }
        Err(e @ launcher::Error::Exited { .. }) => {
            Err(anyhow::Error::new(e).context("the server exited before listening"))
        }
        Err(e @ launcher::Error::Timeout { .. }) => {
            Err(anyhow::Error::new(e).context("the server did not start in time"))
        }
    }
}

async fn start_driver() -> Result<(Child, u16)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let bin = env_or("CHROMEDRIVER", "chromedriver");
    let child = Command::new(&bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok((child, port));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("chromedriver did not start")
}

impl Session {
    /// A fresh server and a browser window of `width`×`height` CSS pixels.
    pub async fn start(width: u32, height: u32) -> Result<Session> {
        Session::start_with(width, height, &[]).await
    }

    /// Like `start`, with further `serve` arguments (e.g. `--kiosk-config FILE`).
    pub async fn start_with(width: u32, height: u32, serve_args: &[&str]) -> Result<Session> {
        Session::launch(width, height, serve_args, "zh-CN").await
    }

    /// A phone-sized window whose browser prefers the language `lang` (`navigator.languages`
    /// and `Accept-Language`); the others prefer zh-CN.
    pub async fn phone_in(lang: &str) -> Result<Session> {
        Session::launch(360, 740, &[], lang).await
    }

    async fn launch(width: u32, height: u32, serve_args: &[&str], lang: &str) -> Result<Session> {
        let data = tempfile::tempdir()?;
        let server = start_server(data.path(), serve_args).await?;
        let base = server.base().to_string();
        let (driver, port) = start_driver().await?;
        let chrome = env_or("CHROME_BIN", "/usr/bin/chromium");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chrome,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", format!("--window-size={width},{height}"), format!("--lang={lang}"),
                ],
                // What headless Chromium reports as the user's languages.
                "prefs": { "intl.accept_languages": lang },
            }),
        );
        // Keeps the console (and the browser's own reports there) for `browser_log`.
        caps.insert(
            "goog:loggingPrefs".into(),
            serde_json::json!({ "browser": "ALL" }),
        );
        let browser = ClientBuilder::rustls()?
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .context("cannot open a browser session")?;
        Ok(Session {
            base,
            browser,
            _server: server,
            _driver: driver,
            _data: data,
        })
    }

    pub async fn phone() -> Result<Session> {
        Session::start(360, 740).await
    }

    pub async fn kiosk() -> Result<Session> {
        Session::start(1080, 1920).await
    }

    /// Opens `path` and waits until its bundle has taken the page over (`data-ready` on
    /// `<html>`): the server's page is there at once, but it answers clicks and keeps what
    /// is typed only from then on.
    pub async fn open(&self, path: &str) -> Result<()> {
        self.visit(path).await?;
        wait_until(&format!("the bundle running on {path}"), async || {
            Ok(self
                .js("return document.documentElement.hasAttribute('data-ready')")
                .await?
                .as_bool()
                .unwrap_or(false))
        })
        .await
    }

    /// Opens `path` and waits for nothing but the page (the tests without script).
    pub async fn visit(&self, path: &str) -> Result<()> {
        self.browser.goto(&format!("{}{path}", self.base)).await?;
        Ok(())
    }

    pub async fn wait_for(&self, css: &str) -> Result<Element> {
        self.browser
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("`{css}` did not appear"))
    }

    pub async fn all(&self, css: &str) -> Result<Vec<Element>> {
        Ok(self.browser.find_all(Locator::Css(css)).await?)
    }

    /// Whether anything matches `css` now (no waiting).
    pub async fn exists(&self, css: &str) -> Result<bool> {
        Ok(!self.all(css).await?.is_empty())
    }

    /// Whether the element `css`, once it is in the page, is shown (not hidden by an
    /// attribute, CSS or a closed `<details>`).
    pub async fn shown(&self, css: &str) -> Result<bool> {
        Ok(self.wait_for(css).await?.is_displayed().await?)
    }

    /// Clicks the element `css`, once it appears.
    pub async fn click(&self, css: &str) -> Result<()> {
        self.wait_for(css).await?.click().await?;
        Ok(())
    }

    /// The text of the element `css`, once it appears.
    pub async fn text_of(&self, css: &str) -> Result<String> {
        Ok(self.wait_for(css).await?.text().await?)
    }

    /// Types into the input `css`, replacing what it held.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let el = self.wait_for(css).await?;
        el.clear().await?;
        el.send_keys(text).await?;
        Ok(())
    }

    /// The text of the page's `h1`, once it has one.
    pub async fn heading(&self) -> Result<String> {
        self.text_of("h1").await
    }

    /// Waits until the browser's path (and query) is `expected`.
    pub async fn wait_for_path(&self, expected: &str) -> Result<()> {
        for _ in 0..200 {
            let url = self.browser.current_url().await?;
            let here = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_string(),
            };
            if here == expected {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!(
            "never reached {expected}: at {}",
            self.browser.current_url().await?
        )
    }

    /// Runs a script returning JSON.
    pub async fn js(&self, script: &str) -> Result<serde_json::Value> {
        Ok(self.browser.execute(script, vec![]).await?)
    }

    /// What reached the browser's console since the last call ("LEVEL message"): the page's
    /// own messages and the browser's reports, such as a Content-Security-Policy refusal.
    pub async fn browser_log(&self) -> Result<Vec<String>> {
        let entries = self.browser.issue_cmd(BrowserLog).await?;
        Ok(entries
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|e| {
                        format!(
                            "{} {}",
                            e["level"].as_str().unwrap_or("?"),
                            e["message"].as_str().unwrap_or("")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The server's data directory (for the `server` command line's `--data-dir`).
    pub fn data_dir(&self) -> &std::path::Path {
        self._data.path()
    }

    /// Runs the server's command line against this session's database.
    pub fn server_cli(&self, args: &[&str]) -> Result<String> {
        let bin = env_or("ONEWINDOW_SERVER_BIN", root().join("target/debug/server"));
        let out = std::process::Command::new(&bin)
            .args(args)
            .arg("--data-dir")
            .arg(self.data_dir())
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn")
            .output()?;
        if !out.status.success() {
            bail!(
                "server {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Goes to `path` inside the page, as a link the visitor taps would: the app's router
    /// takes it, with no page load (`open` is a load, and a new history entry).
    pub async fn go(&self, path: &str) -> Result<()> {
        self.browser
            .execute(
                "const a = document.createElement('a'); a.href = arguments[0];
                 document.querySelector('main').appendChild(a); a.click(); a.remove();",
                vec![json!(path)],
            )
            .await?;
        Ok(())
    }

    /// `history.length`: the kiosk's never grows.
    pub async fn history_length(&self) -> Result<u64> {
        self.js("return history.length")
            .await?
            .as_u64()
            .context("history.length")
    }

    /// Types `text` on the kiosk's on-screen keypad, one key press per character, into
    /// whichever field has the focus.
    pub async fn keypad_type(&self, text: &str) -> Result<()> {
        for ch in text.chars() {
            let key = format!("//*[@data-testid='keypad']//button[normalize-space()='{ch}']");
            self.browser
                .wait()
                .at_most(WAIT)
                .for_element(Locator::XPath(&key))
                .await
                .with_context(|| format!("no keypad key {ch}"))?
                .click()
                .await?;
        }
        Ok(())
    }

    /// The `value` of the input `css`.
    pub async fn value_of(&self, css: &str) -> Result<String> {
        Ok(self
            .wait_for(css)
            .await?
            .prop("value")
            .await?
            .unwrap_or_default())
    }

    /// Stops the server, as if the network or the API went away mid-visit.
    pub async fn stop_server(&mut self) -> Result<()> {
        self._server.kill()?;
        Ok(())
    }

    pub async fn close(self) -> Result<()> {
        self.browser.clone().close().await?;
        Ok(())
    }
}

/// Chromedriver's log of the browser's console (`goog:loggingPrefs` must ask for it).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(r#"{"type":"browser"}"#.to_string()),
        )
    }
}

/// A Chrome DevTools Protocol command through chromedriver's passthrough
/// (`goog/cdp/execute`), for what WebDriver cannot do: emulated media, device metrics, PDF.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Where tests keep what a person should look at (screenshots): `target/e2e-artefacts/`
/// of the workspace.
pub fn artefact_path(name: &str) -> Result<PathBuf> {
    let dir = root().join("target/e2e-artefacts");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir.join(name))
}

impl Session {
    /// Runs the DevTools command `cmd` with `params`; its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        self.browser
            .issue_cmd(Cdp {
                cmd: cmd.to_string(),
                params,
            })
            .await
            .with_context(|| format!("CDP {cmd}"))
    }

    /// Renders the page as it prints (CSS `print` media) until `screen` is called.
    pub async fn emulate_print(&self) -> Result<()> {
        self.cdp("Emulation.setEmulatedMedia", json!({ "media": "print" }))
            .await?;
        Ok(())
    }

    /// Renders the page for the screen again.
    pub async fn emulate_screen(&self) -> Result<()> {
        self.cdp("Emulation.setEmulatedMedia", json!({ "media": "" }))
            .await?;
        Ok(())
    }

    /// Lays the page out in a viewport of exactly `width`×`height` CSS pixels (at 1 device
    /// pixel each), whatever the window is: a paper width, for a print layout.
    pub async fn set_viewport(&self, width: u32, height: u32) -> Result<()> {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await?;
        Ok(())
    }

    /// The page printed to PDF as Chromium's print does, with the page size the CSS asks for.
    pub async fn print_to_pdf(&self) -> Result<Vec<u8>> {
        let out = self
            .cdp(
                "Page.printToPDF",
                json!({ "preferCSSPageSize": true, "printBackground": false }),
            )
            .await?;
        let data = out["data"]
            .as_str()
            .context("printToPDF answered no data")?;
        use base64::Engine as _;
        Ok(base64::engine::general_purpose::STANDARD.decode(data)?)
    }

    /// A PNG of the viewport, also written to `target/e2e-artefacts/NAME`.
    pub async fn screenshot_artefact(&self, name: &str) -> Result<(Vec<u8>, PathBuf)> {
        let png = self.browser.screenshot().await?;
        let path = artefact_path(name)?;
        std::fs::write(&path, &png).with_context(|| format!("cannot write {}", path.display()))?;
        Ok((png, path))
    }
}

// ---- Shared steps: a case submitted through the API, staff acting through the staff API ----

/// 居住证申领 (natural-day limit) has a form and required materials.
pub const SERVICE: &str = "440113-GA-GG-001";

/// Answers every required question that is asked, including those an earlier answer reveals.
pub fn answers_for(def: &FormDefinition) -> Map<String, Value> {
    let mut answers = Map::new();
    for _round in 0..3 {
        for f in def.sections.iter().flat_map(|s| &s.fields) {
            if !f.required
                || answers.contains_key(&f.id)
                || !api_client::forms::is_visible(f, &answers)
            {
                continue;
            }
            let min = f.min.unwrap_or(2.0).max(2.0) as usize;
            let v = match f.kind {
                FieldType::Text | FieldType::Textarea | FieldType::Address => match f.pattern {
                    Some(api_client::forms::Pattern::Digits) => json!("1".repeat(min)),
                    Some(api_client::forms::Pattern::Alphanumeric) => json!("A1".repeat(min)),
                    _ => json!("测试".repeat(min)),
                },
                FieldType::Number => json!(f.min.unwrap_or(1.0).max(1.0)),
                FieldType::Date => json!("2024-01-15"),
                FieldType::Choice => json!(f.options[0].value),
                FieldType::Multichoice => json!([f.options[0].value]),
                FieldType::Boolean => json!(false),
                FieldType::ResidentId => json!("440524188001010014"),
                FieldType::Uscc => json!("91350100M000100Y43"),
                FieldType::Mobile => json!("13912345678"),
                FieldType::Email => json!("a@example.cn"),
            };
            answers.insert(f.id.clone(), v);
        }
    }
    answers
}

/// The form of `SERVICE`, as the page's own API gives it.
pub async fn form_definition(s: &Session) -> Result<FormDefinition> {
    Ok(serde_json::from_value(
        s.browser
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 fetch(arguments[0]).then(r => r.json()).then(done);",
                vec![json!(format!("/api/v1/services/{SERVICE}/form"))],
            )
            .await?,
    )?)
}

/// Waits (up to 10 s) until `check` holds; `what` names it in the error.
pub async fn wait_until(what: &str, mut check: impl AsyncFnMut() -> Result<bool>) -> Result<()> {
    for _ in 0..100 {
        if check().await? {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("{what} never happened")
}

/// Applies for `SERVICE` through the API from the page (uploads included); returns the
/// acceptance number and the query code.
pub async fn submit_case(s: &Session) -> Result<(String, String)> {
    s.open(&format!("/services/{SERVICE}")).await?;
    s.wait_for("[data-testid=guide]").await?;
    let def = form_definition(s).await?;
    let required: Vec<String> = def
        .materials
        .iter()
        .filter(|m| m.requirement == Requirement::Required)
        .map(|m| m.id.clone())
        .collect();
    let body = json!({
        "service_code": SERVICE,
        "applicant": {"type": "individual", "name": "王小明", "id_type": "resident_id", "id_number": "440524188001010014", "mobile": "13800138000"},
        "answers": answers_for(&def),
        "materials": {},
    });
    let created = s
        .browser
        .execute_async(
            "const [body, required, done] = arguments;
             (async () => {
               for (const id of required) {
                 const fd = new FormData();
                 fd.append('file', new Blob(['%PDF-1.4\\n%%EOF\\n'], {type: 'application/pdf'}), 'a.pdf');
                 const up = await (await fetch('/api/v1/uploads', {method: 'POST', body: fd})).json();
                 body.materials[id] = [up.id];
               }
               const r = await fetch('/api/v1/applications', {method: 'POST', body: JSON.stringify(body),
                 headers: {'Content-Type': 'application/json', 'Idempotency-Key': 'e2e-' + Math.random().toString(36).slice(2)}});
               done(await r.json());
             })().catch(e => done({error: String(e)}));",
            vec![body, json!(required)],
        )
        .await?;
    let number = created["acceptance_number"]
        .as_str()
        .with_context(|| format!("submit: {created}"))?
        .to_string();
    let code = created["query_code"]
        .as_str()
        .context("query code")?
        .to_string();
    Ok((number, code))
}

impl Session {
    /// A staff token for a department, made with `server staff-token create`.
    pub fn staff_token(&self, name: &str, department: &str) -> Result<String> {
        let out = self.server_cli(&["staff-token", "create", name, "--department", department])?;
        Ok(out
            .split_whitespace()
            .find(|w| w.starts_with("owst_"))
            .context("the printed token")?
            .to_string())
    }

    /// Registers a kiosk with `server kiosk create` and enrols this browser as it, as the
    /// hall's IT team does once per terminal: the token typed into `/kiosk/enrol`, which
    /// leaves it in an HttpOnly cookie and goes on to the kiosk.
    pub async fn enrol_kiosk(&self) -> Result<()> {
        let token = self.server_cli(&["kiosk", "create", "e2e 自助机"])?;
        let token = token.trim();
        // The one page below /kiosk that the server renders on its own: no bundle runs.
        self.visit("/kiosk/enrol").await?;
        self.type_into("[data-testid=enrol-token]", token).await?;
        self.click("[data-testid=enrol-submit]").await?;
        self.wait_for_path("/kiosk/").await?;
        let cookies = self.js("return document.cookie").await?;
        if cookies.as_str().is_some_and(|c| c.contains("owk_")) {
            bail!("the device token is readable by the page: {cookies}");
        }
        Ok(())
    }

    /// POSTs JSON to an API path from the page (as a staff client with `token`, when given);
    /// answers `{"status", "body"}`.
    pub async fn post_json(&self, path: &str, body: Value, token: Option<&str>) -> Result<Value> {
        Ok(self
            .browser
            .execute_async(
                "const [url, body, token, done] = arguments;
                 const headers = {'Content-Type': 'application/json'};
                 if (token) headers['Authorization'] = 'Bearer ' + token;
                 fetch(url, {method: 'POST', body: JSON.stringify(body), headers})
                   .then(async r => done({status: r.status, body: await r.json()}))
                   .catch(e => done({status: 0, body: String(e)}));",
                vec![json!(format!("/api/v1{path}")), body, json!(token)],
            )
            .await?)
    }

    /// Moves a submitted case to `completed` with the `server case` command line.
    pub fn complete_case(&self, number: &str) -> Result<()> {
        for args in [
            vec!["accept"],
            vec!["approve"],
            vec!["complete", "--delivery", "window"],
        ] {
            let mut cli = vec!["case", number];
            cli.extend(args);
            self.server_cli(&cli)?;
        }
        Ok(())
    }
}

impl Session {
    /// Runs axe-core (WCAG 2.2 A/AA rules and best practices) on the current page and
    /// returns its violations, one line each.
    pub async fn accessibility_violations(&self) -> Result<Vec<String>> {
        let axe_path = env_or(
            "AXE_CORE_JS",
            root().join(".tools/node_modules/axe-core/axe.min.js"),
        );
        let axe = std::fs::read_to_string(&axe_path).with_context(|| {
            format!(
                "cannot read {} (`cargo xtask test` installs axe-core)",
                axe_path.display()
            )
        })?;
        self.browser.execute(&axe, vec![]).await?;
        let found = self
            .browser
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] })
                      .then(r => done(r.violations.map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)))
                      .catch(e => done(['axe failed: ' + e]));"#,
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(found)?)
    }
}
