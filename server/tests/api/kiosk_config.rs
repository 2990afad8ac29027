//! The kiosk's configuration (`server serve --kiosk-config FILE`, served at
//! `/kiosk/config.json`), over the real `server` binary on SQLite and PostgreSQL: the
//! defaults without a file, a file's values (by option and by environment), never cached,
//! ahead of the kiosk bundle's fallback; a bad file stops the server at start, naming the
//! file and the field.

use api_client::KioskConfig;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE};
use reqwest::StatusCode;

use crate::support::{refused_start, Backend, TestServer};

backend_tests!(
    the_defaults_are_served_without_a_file,
    a_files_values_are_served,
    a_bad_file_stops_the_server_naming_the_field,
);

const HALL_FILE: &str = r#"
hall_name = "天河区政务服务中心"
device_id = "th-1f-03"
idle_seconds = 45
countdown_seconds = 20
printer = true
languages = ["zh-Hant", "en", "zh-Hans"]
hotline = "020-12345678"
"#;

fn config_file(dir: &tempfile::TempDir, contents: &str) -> String {
    let path = dir.path().join("kiosk.toml");
    std::fs::write(&path, contents).unwrap();
    path.display().to_string()
}

async fn served(server: &TestServer) -> KioskConfig {
    let resp = server.get("/kiosk/config.json").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let header = |name| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(header(CACHE_CONTROL), "no-store");
    assert!(
        header(CONTENT_TYPE).starts_with("application/json"),
        "{}",
        header(CONTENT_TYPE)
    );
    let text = resp.text().await.unwrap();
    assert!(
        !text.contains("KIOSK-INDEX-MARKER"),
        "the bundle answered: {text}"
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

async fn the_defaults_are_served_without_a_file(backend: Backend) {
    let server = or_skip!(TestServer::start_with_args(backend, &["--no-demo"], &[]));
    let config = served(&server).await;
    assert_eq!(config, KioskConfig::default());
    assert_eq!(config.idle_seconds, 90);
    assert_eq!(config.countdown_seconds, 30);
    assert!(!config.printer);
    assert_eq!(config.languages, ["zh-Hans", "zh-Hant", "en"]);
    // The typed client reads the same.
    assert_eq!(server.api.kiosk_config().await.unwrap(), config);
    // The kiosk's pages are still the bundle's.
    let page = server.get("/kiosk/config").await.text().await.unwrap();
    assert!(page.contains("KIOSK-INDEX-MARKER"), "{page}");
}

async fn a_files_values_are_served(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let path = config_file(&dir, HALL_FILE);
    let expected = KioskConfig {
        hall_name: "天河区政务服务中心".into(),
        device_id: "th-1f-03".into(),
        idle_seconds: 45,
        countdown_seconds: 20,
        printer: true,
        languages: vec!["zh-Hant".into(), "en".into(), "zh-Hans".into()],
        hotline: "020-12345678".into(),
    };
    let server = or_skip!(TestServer::start_with_args(
        backend,
        &["--no-demo", "--kiosk-config", &path],
        &[]
    ));
    assert_eq!(served(&server).await, expected);
    drop(server);

    // By environment, and a file that gives only some fields keeps the defaults of the rest.
    let partial = config_file(&dir, "hall_name = \"越秀区政务服务中心\"\n");
    let server = or_skip!(TestServer::start_with_args(
        backend,
        &["--no-demo"],
        &[("ONEWINDOW_KIOSK_CONFIG", &partial)]
    ));
    assert_eq!(
        served(&server).await,
        KioskConfig {
            hall_name: "越秀区政务服务中心".into(),
            ..KioskConfig::default()
        }
    );
}

async fn a_bad_file_stops_the_server_naming_the_field(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("hall = \"x\"\n", "`hall`"),
        ("countdown_seconds = 10\n", "`countdown_seconds`"),
        ("languages = []\n", "`languages`"),
        ("languages = [\"fr\"]\n", "`languages[0]`"),
        ("idle_seconds = \"ninety\"\n", "`idle_seconds`"),
        ("printer = 1\n", "`printer`"),
        ("hotline = \"call us\"\n", "`hotline`"),
        // Not TOML at all: the line is named instead.
        ("hall_name = \n", "line 1"),
    ];
    // What the output must say besides the file: the field, or the line of a syntax error.
    for (i, (contents, field)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("bad-{i}.toml"));
        std::fs::write(&path, contents).unwrap();
        let path = path.display().to_string();
        let Some(outcome) = refused_start(backend, &["--no-demo", "--kiosk-config", &path]).await
        else {
            return;
        };
        let (status, output) =
            outcome.unwrap_or_else(|out| panic!("{contents:?} was accepted:\n{out}"));
        assert!(!status.success(), "{contents:?}: {status}");
        assert!(
            output.contains(&path),
            "{contents:?} does not name the file:\n{output}"
        );
        assert!(
            output.contains(field),
            "{contents:?} does not name {field}:\n{output}"
        );
    }
    let missing = dir.path().join("missing.toml").display().to_string();
    let Some(outcome) = refused_start(backend, &["--no-demo", "--kiosk-config", &missing]).await
    else {
        return;
    };
    let (status, output) =
        outcome.unwrap_or_else(|out| panic!("a missing file was accepted:\n{out}"));
    assert!(!status.success() && output.contains(&missing), "{output}");
}
