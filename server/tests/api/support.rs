//! Test harness for the API integration tests: starts the real `server` binary as a child
//! process over a fresh database (SQLite in a temporary directory, or a freshly created
//! PostgreSQL database), and cleans everything up in `Drop` even when an assertion fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use api_client::ApiClient;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::{Connection, Executor};
use tempfile::TempDir;

/// Where PostgreSQL is tried when `DATABASE_URL_TEST` is not set.
pub const DEFAULT_PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Every check runs once per backend, as `sqlite::<name>` and `postgres::<name>`, on a
/// multi-threaded runtime with 2 worker threads, or N with a leading `worker_threads = N;`.
/// The checks are `async fn <name>(backend: Backend)` in the suite's module, which imports
/// `Backend`; `main.rs` declares `#[macro_use] mod support;` before the suites.
macro_rules! backend_tests {
    (worker_threads = $workers:tt; $($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = $workers)]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = $workers)]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await;
                }
            )*
        }
    };
    ($($name:ident),* $(,)?) => {
        backend_tests!(worker_threads = 2; $($name),*);
    };
}

/// The server a `TestServer::start…` future gives, or a return from the test when it gives
/// `None` (PostgreSQL asked for but not reachable; the skip has been printed).
macro_rules! or_skip {
    ($started:expr) => {
        match $started.await {
            Some(server) => server,
            None => return,
        }
    };
}

/// Starts a server without the demo catalogue and imports `catalogue` into it (with extra
/// `serve` arguments after `args:` and environment variables after `envs:`), or returns from
/// the test when PostgreSQL is not reachable: `start_on!(backend, test_catalogue())`.
macro_rules! start_on {
    (@or) => {
        &[]
    };
    (@or $given:expr) => {
        $given
    };
    ($backend:expr, $catalogue:expr $(, args: $args:expr)? $(, envs: $envs:expr)? $(,)?) => {
        or_skip!(TestServer::start_with_catalogue(
            $backend,
            start_on!(@or $($args)?),
            start_on!(@or $($envs)?),
            &$catalogue
        ))
    };
}

pub const PORTAL_INDEX: &str = "<!doctype html><html><head><title>portal</title></head><body>PORTAL-INDEX-MARKER</body></html>\n";
macro_rules! kiosk_script {
    () => {
        "import init from '/kiosk/kiosk-0123456789abcdef.js';\ninit();"
    };
}
pub const KIOSK_INDEX: &str = concat!(
    "<!doctype html><html><head><title>kiosk</title><script type=\"module\">",
    kiosk_script!(),
    "</script></head><body>KIOSK-INDEX-MARKER</body></html>\n"
);
/// The inline script of `KIOSK_INDEX`, as Trunk writes one (the Content-Security-Policy
/// names its hash).
pub const KIOSK_SCRIPT: &str = kiosk_script!();
pub const HASHED_ASSET: &str = "portal/app-0123456789abcdef.js";
pub const HASHED_ASSET_BODY: &str = "// hashed asset\nconsole.log('OneWindow portal test asset, long enough to be worth compressing');\n";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL URL to create test databases from.
pub fn pg_admin_url() -> String {
    std::env::var("DATABASE_URL_TEST")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_PG_ADMIN_URL.to_string())
}

/// `url` with its database name replaced by `db` (query parameters kept).
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let authority_and_path = &base[scheme_end..];
    let authority = match authority_and_path.find('/') {
        Some(i) => &authority_and_path[..i],
        None => authority_and_path,
    };
    let mut out = format!("{}{}/{}", &base[..scheme_end], authority, db);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Runs a future to completion on a private runtime in its own thread; usable from `Drop`
/// inside a test's runtime.
fn run_detached<F, T>(make: F) -> T
where
    F: FnOnce() -> std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>> + Send + 'static,
    T: Send + 'static,
{
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("cleanup runtime");
        rt.block_on(make())
    })
    .join()
    .expect("cleanup thread")
}

/// A PostgreSQL database created for one test server, dropped (with FORCE) on drop.
pub struct PgDatabase {
    admin_url: String,
    pub name: String,
    pub url: String,
}

static DB_COUNTER: AtomicUsize = AtomicUsize::new(0);

impl PgDatabase {
    /// Creates a fresh database, or `Err` with the reason PostgreSQL is not usable.
    pub async fn create() -> Result<PgDatabase, String> {
        let admin_url = pg_admin_url();
        let mut conn = match tokio::time::timeout(
            Duration::from_secs(10),
            sqlx::PgConnection::connect(&admin_url),
        )
        .await
        {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return Err(format!("cannot connect to {admin_url}: {e}")),
            Err(_) => return Err(format!("timed out connecting to {admin_url}")),
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "onewindow_t_{}_{}_{}",
            std::process::id(),
            DB_COUNTER.fetch_add(1, Ordering::SeqCst),
            nanos
        );
        conn.execute(format!("CREATE DATABASE \"{name}\"").as_str())
            .await
            .map_err(|e| format!("cannot create database {name} via {admin_url}: {e}"))?;
        let _ = conn.close().await;
        let url = with_database(&admin_url, &name);
        Ok(PgDatabase {
            admin_url,
            name,
            url,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let result = run_detached(move || {
            Box::pin(async move {
                let mut conn = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .map_err(|e| e.to_string())?;
                conn.execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str())
                    .await
                    .map_err(|e| e.to_string())?;
                let _ = conn.close().await;
                Ok::<(), String>(())
            })
        });
        if let Err(e) = result {
            eprintln!("warning: could not drop test database {}: {e}", self.name);
        }
    }
}

/// Options for starting a server.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub no_demo: bool,
}

/// A node being started beside another on the same database: its command and directories.
struct Node {
    launch: Option<launcher::Launch>,
    pending: Option<tokio::task::JoinHandle<Result<launcher::Server, launcher::Error>>>,
    data_dir: TempDir,
    dist_dir: TempDir,
}

impl Node {
    fn launch(db_url: &str, args: &[&str], envs: &[(&str, &str)]) -> Node {
        let data_dir = tempfile::Builder::new()
            .prefix("onewindow-data-")
            .tempdir()
            .unwrap();
        let dist_dir = tempfile::Builder::new()
            .prefix("onewindow-dist-")
            .tempdir()
            .unwrap();
        write_dist(dist_dir.path());
        let mut cmd = base_command(None);
        cmd.env("DATABASE_URL", db_url);
        let launch = serve_launch(cmd, envs, data_dir.path(), dist_dir.path(), args);
        Node {
            launch: Some(launch),
            pending: None,
            data_dir,
            dist_dir,
        }
    }

    /// Starts the process without waiting for it.
    fn spawn(mut self) -> Node {
        let launch = self.launch.take().expect("launched once");
        self.pending = Some(tokio::task::spawn_blocking(move || launch.start()));
        self
    }

    /// Waits until it listens.
    async fn started(self, backend: Backend) -> TestServer {
        let node = if self.pending.is_some() {
            self
        } else {
            self.spawn()
        };
        let child = node
            .pending
            .expect("spawned")
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("the second node did not start ({e}):\n{}", e.output()));
        let url = child.base().to_string();
        TestServer {
            backend,
            base: url.clone(),
            api: ApiClient::new(url),
            http: reqwest::Client::new(),
            child: Some(child),
            data_dir: node.data_dir,
            _dist_dir: node.dist_dir,
            scratch: tempfile::Builder::new()
                .prefix("onewindow-scratch-")
                .tempdir()
                .unwrap(),
            pg: None,
        }
    }
}

/// A running `server serve` over its own fresh database.
pub struct TestServer {
    pub backend: Backend,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub api: ApiClient,
    pub http: reqwest::Client,
    child: Option<launcher::Server>,
    data_dir: TempDir,
    /// Held for its lifetime: the bundles the server serves.
    _dist_dir: TempDir,
    /// Scratch space for catalogue files written by a test.
    pub scratch: TempDir,
    // Declared last: dropped after the child has been killed (in `Drop::drop`).
    pg: Option<PgDatabase>,
}

fn write_dist(dir: &Path) {
    for (rel, body) in [
        ("portal/index.html", PORTAL_INDEX),
        ("apply/index.html", PORTAL_INDEX),
        ("track/index.html", PORTAL_INDEX),
        ("kiosk/index.html", KIOSK_INDEX),
        (HASHED_ASSET, HASHED_ASSET_BODY),
    ] {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
}

/// `cmd` (the server binary, from `base_command`) as `serve` on a free port over `data_dir`
/// and `dist_dir`, with extra environment and arguments; its output captured.
fn serve_launch(
    mut cmd: Command,
    envs: &[(&str, &str)],
    data_dir: &Path,
    dist_dir: &Path,
    args: &[&str],
) -> launcher::Launch {
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.arg("serve")
        .arg("--bind")
        .arg("127.0.0.1:0")
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--dist-dir")
        .arg(dist_dir)
        .args(args)
        .stdin(Stdio::null());
    launcher::Launch::new(cmd)
        .timeout(Duration::from_secs(60))
        .capture_output()
}

/// The server binary with a clean environment, pointed at `pg` when given.
fn base_command(pg: Option<&PgDatabase>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    launcher::clear_server_env(&mut cmd);
    // Keep the child's log short; warnings and errors still show in failure reports.
    cmd.env("RUST_LOG", "warn");
    if let Some(pg) = pg {
        cmd.env("DATABASE_URL", &pg.url);
    }
    cmd
}

/// Runs `server serve` with `args` where it is expected to refuse to start: its exit status
/// and output (`Err` with the output when it started after all, and was stopped). `None`
/// when PostgreSQL is asked for but not reachable.
pub async fn refused_start(
    backend: Backend,
    args: &[&str],
) -> Option<Result<(std::process::ExitStatus, String), String>> {
    let pg = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => match PgDatabase::create().await {
            Ok(db) => Some(db),
            Err(reason) => {
                eprintln!("skipped: PostgreSQL not reachable ({reason})");
                return None;
            }
        },
    };
    let data_dir = tempfile::Builder::new()
        .prefix("onewindow-data-")
        .tempdir()
        .unwrap();
    let mut cmd = base_command(pg.as_ref());
    cmd.arg("serve")
        .arg("--bind")
        .arg("127.0.0.1:0")
        .arg("--data-dir")
        .arg(data_dir.path())
        .args(args)
        .stdin(Stdio::null());
    let launch = launcher::Launch::new(cmd)
        .timeout(Duration::from_secs(60))
        .capture_output();
    let started = tokio::task::spawn_blocking(move || launch.start())
        .await
        .unwrap();
    Some(match started {
        Ok(child) => {
            let output = child.output();
            drop(child);
            Err(output)
        }
        Err(e) => match e.status() {
            Some(status) => Ok((status, e.output().to_string())),
            None => Err(format!("{e}: {}", e.output())),
        },
    })
}

impl TestServer {
    /// Starts a server with `options`. `None` means PostgreSQL was asked for but is not
    /// reachable: the caller skips (a line saying so has been printed; see `or_skip!`).
    pub async fn start_with(backend: Backend, options: Options) -> Option<TestServer> {
        let args: &[&str] = if options.no_demo { &["--no-demo"] } else { &[] };
        Self::start_with_args(backend, args, &[]).await
    }

    /// Like `start`, with extra `serve` arguments (e.g. `--max-file-mb 1`) and environment
    /// variables for the child.
    pub async fn start_with_args(
        backend: Backend,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> Option<TestServer> {
        Self::start_over(backend, args, envs, |_| async {}).await
    }

    /// Like `start_with_args`, over a database that `prepare` (given its URL) has written
    /// before the server starts on it: an installation being upgraded.
    pub async fn start_over<F, Fut>(
        backend: Backend,
        args: &[&str],
        envs: &[(&str, &str)],
        prepare: F,
    ) -> Option<TestServer>
    where
        F: FnOnce(String) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let pg = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => match PgDatabase::create().await {
                Ok(db) => Some(db),
                Err(reason) => {
                    eprintln!("skipped: PostgreSQL not reachable ({reason})");
                    return None;
                }
            },
        };
        let data_dir = tempfile::Builder::new()
            .prefix("onewindow-data-")
            .tempdir()
            .unwrap();
        let dist_dir = tempfile::Builder::new()
            .prefix("onewindow-dist-")
            .tempdir()
            .unwrap();
        let scratch = tempfile::Builder::new()
            .prefix("onewindow-scratch-")
            .tempdir()
            .unwrap();
        write_dist(dist_dir.path());
        prepare(match &pg {
            Some(pg) => pg.url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                data_dir.path().join("onewindow.db").display()
            ),
        })
        .await;

        // Keeps stderr and stray stdout lines (shown when startup fails, read by tests), and
        // drains stdout past the `listening on` line so the child never blocks on a full pipe.
        let launch = serve_launch(
            base_command(pg.as_ref()),
            envs,
            data_dir.path(),
            dist_dir.path(),
            args,
        );
        let started = tokio::task::spawn_blocking(move || launch.start())
            .await
            .unwrap();
        let child = match started {
            Ok(child) => child,
            Err(launcher::Error::Spawn(e)) => panic!("spawn the server binary: {e}"),
            Err(e) => panic!(
                "the {backend:?} server did not print its address ({e}); exit status {:?}; output:\n{}",
                e.status(),
                e.output()
            ),
        };
        let url = child.base().to_string();
        let server = TestServer {
            backend,
            base: url.clone(),
            api: ApiClient::new(url),
            http: reqwest::Client::new(),
            child: Some(child),
            data_dir,
            _dist_dir: dist_dir,
            scratch,
            pg,
        };
        // Make sure the backend asked for is the one in use: over PostgreSQL the SQLite file
        // must not exist.
        let sqlite_file = server.data_dir.path().join("onewindow.db");
        match backend {
            Backend::Sqlite => assert!(
                sqlite_file.exists(),
                "the SQLite server did not create {}",
                sqlite_file.display()
            ),
            Backend::Postgres => assert!(
                !sqlite_file.exists(),
                "the PostgreSQL server created a SQLite file"
            ),
        }
        Some(server)
    }

    /// A second node of this installation: another `server serve` on the same database
    /// (PostgreSQL only; a SQLite file belongs to one process), with its own data directory
    /// and extra `serve` arguments and environment.
    pub async fn start_beside(&self, args: &[&str], envs: &[(&str, &str)]) -> TestServer {
        let pg = self.pg.as_ref().expect("a second node needs PostgreSQL");
        let node = Node::launch(&pg.url, args, envs);
        node.started(self.backend).await
    }

    /// Two nodes started at the same moment on one fresh PostgreSQL database, with `args`
    /// (`None` when PostgreSQL is not reachable).
    pub async fn start_two_at_once(args: &[&str]) -> Option<(TestServer, TestServer)> {
        let second = std::sync::Arc::new(std::sync::Mutex::new(None));
        let slot = second.clone();
        let owned: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let first = Self::start_over(Backend::Postgres, args, &[], move |url| {
            let args: Vec<&str> = owned.iter().map(String::as_str).collect();
            let node = Node::launch(&url, &args, &[]);
            *slot.lock().unwrap() = Some(node.spawn());
            async {}
        })
        .await?;
        let pending = second
            .lock()
            .unwrap()
            .take()
            .expect("the second node was launched");
        Some((first, pending.started(Backend::Postgres).await))
    }

    /// Sends this node SIGTERM (what systemd and container runtimes send to stop it) and
    /// waits at most `within` for it to exit: its exit status, or `None` if still running.
    pub async fn terminate(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let child = self.child.as_mut().expect("a running node");
        let status = Command::new("kill")
            .args(["-TERM", &child.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        let deadline = std::time::Instant::now() + within;
        loop {
            if let Some(exited) = child.try_wait().expect("wait for the node") {
                return Some(exited);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops this node and starts it again on the same database and data directory with
    /// `args` and `envs` (the import of the catalogue stays): an upgrade in place.
    pub async fn restart(&mut self, args: &[&str], envs: &[(&str, &str)]) {
        if let Some(mut child) = self.child.take() {
            // (Waits for it to exit.)
            let _ = child.kill();
        }
        let launch = serve_launch(
            base_command(self.pg.as_ref()),
            envs,
            self.data_dir.path(),
            self._dist_dir.path(),
            args,
        );
        let child = tokio::task::spawn_blocking(move || launch.start())
            .await
            .unwrap()
            .unwrap_or_else(|e| {
                panic!("the restarted server did not start ({e}):\n{}", e.output())
            });
        self.base = child.base().to_string();
        self.api = ApiClient::new(self.base.clone());
        self.child = Some(child);
    }

    /// Kills this node at once (SIGKILL: no shutdown), as a machine lost mid-load.
    pub fn kill(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
        }
    }

    /// What the child wrote to stderr (and stray stdout lines) so far.
    pub fn log(&self) -> String {
        self.child
            .as_ref()
            .map(launcher::Server::output)
            .unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// GET a path (with query) on the server, no special headers.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// GET a path and parse the body as JSON, whatever the status.
    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let resp = self.get(path).await;
        let status = resp.status();
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = resp.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!("GET {path}: {status} with a body that is not JSON ({e}; content-type {ctype:?}): {text:.500}")
        });
        (status, value)
    }

    /// Runs `server import-catalogue FILES...` against this server's database.
    pub async fn import(&self, files: &[PathBuf]) -> ImportOutcome {
        let mut cmd = base_command(self.pg.as_ref());
        cmd.arg("import-catalogue")
            .arg("--data-dir")
            .arg(self.data_dir.path());
        for f in files {
            cmd.arg(f);
        }
        cmd.stdin(Stdio::null());
        let output: Output = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .unwrap()
            .expect("run import-catalogue");
        ImportOutcome {
            success: output.status.success(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Writes a file into this server's scratch directory and returns its path.
    pub fn write_scratch(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.scratch.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// The URL of this server's PostgreSQL database (none over SQLite).
    pub fn pg_url(&self) -> Option<&str> {
        self.pg.as_ref().map(|pg| pg.url.as_str())
    }

    /// This server's data directory.
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Every row of `uploads` as (id, sha256, size, media_type, case_number), read straight
    /// from this server's database.
    pub async fn upload_rows(&self) -> Vec<(String, String, i64, String, Option<String>)> {
        const SQL: &str =
            "SELECT id, sha256, size, media_type, case_number FROM uploads ORDER BY id";
        match &self.pg {
            Some(pg) => {
                let mut conn = sqlx::PgConnection::connect(&pg.url)
                    .await
                    .expect("connect to the test database");
                let rows = sqlx::query_as(SQL)
                    .fetch_all(&mut conn)
                    .await
                    .expect("read uploads");
                let _ = conn.close().await;
                rows
            }
            None => {
                let url = format!(
                    "sqlite://{}",
                    self.data_dir.path().join("onewindow.db").display()
                );
                let mut conn = sqlx::SqliteConnection::connect(&url)
                    .await
                    .expect("open the test database");
                let rows = sqlx::query_as(SQL)
                    .fetch_all(&mut conn)
                    .await
                    .expect("read uploads");
                let _ = conn.close().await;
                rows
            }
        }
    }

    /// The bytes stored in the database for the content `sha256` (its chunks in order), or
    /// none when no chunk is stored.
    pub async fn stored_bytes(&self, sha256: &str) -> Option<Vec<u8>> {
        let sql = format!("SELECT data FROM upload_chunks WHERE sha256 = '{sha256}' ORDER BY seq");
        let chunks: Vec<Vec<u8>> = match &self.pg {
            Some(pg) => {
                let mut conn = sqlx::PgConnection::connect(&pg.url)
                    .await
                    .expect("connect to the test database");
                let rows = sqlx::query_scalar(&sql)
                    .fetch_all(&mut conn)
                    .await
                    .expect("read chunks");
                let _ = conn.close().await;
                rows
            }
            None => {
                let url = format!(
                    "sqlite://{}",
                    self.data_dir.path().join("onewindow.db").display()
                );
                let mut conn = sqlx::SqliteConnection::connect(&url)
                    .await
                    .expect("open the test database");
                let rows = sqlx::query_scalar(&sql)
                    .fetch_all(&mut conn)
                    .await
                    .expect("read chunks");
                let _ = conn.close().await;
                rows
            }
        };
        (!chunks.is_empty()).then(|| chunks.concat())
    }

    /// The number `sql` (a `SELECT COUNT(*) …`) reads straight from this server's database.
    pub async fn count(&self, sql: &str) -> i64 {
        match &self.pg {
            Some(pg) => {
                let mut conn = sqlx::PgConnection::connect(&pg.url)
                    .await
                    .expect("connect to the test database");
                let n = sqlx::query_scalar(sql)
                    .fetch_one(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                let _ = conn.close().await;
                n
            }
            None => {
                let url = format!(
                    "sqlite://{}",
                    self.data_dir.path().join("onewindow.db").display()
                );
                let mut conn = sqlx::SqliteConnection::connect(&url)
                    .await
                    .expect("open the test database");
                let n = sqlx::query_scalar(sql)
                    .fetch_one(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                let _ = conn.close().await;
                n
            }
        }
    }

    /// The first column of every row `sql` selects, as text (NULL as `None`), read straight
    /// from this server's database.
    pub async fn query_texts(&self, sql: &str) -> Vec<Option<String>> {
        match &self.pg {
            Some(pg) => {
                let mut conn = sqlx::PgConnection::connect(&pg.url)
                    .await
                    .expect("connect to the test database");
                let rows = sqlx::query_scalar(sql)
                    .fetch_all(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                let _ = conn.close().await;
                rows
            }
            None => {
                let url = format!(
                    "sqlite://{}",
                    self.data_dir.path().join("onewindow.db").display()
                );
                let mut conn = sqlx::SqliteConnection::connect(&url)
                    .await
                    .expect("open the test database");
                let rows = sqlx::query_scalar(sql)
                    .fetch_all(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                let _ = conn.close().await;
                rows
            }
        }
    }

    /// Runs one statement against this server's database (to set up what the API cannot).
    pub async fn execute_sql(&self, sql: &str) {
        match &self.pg {
            Some(pg) => {
                let mut conn = sqlx::PgConnection::connect(&pg.url)
                    .await
                    .expect("connect to the test database");
                conn.execute(sql)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                let _ = conn.close().await;
            }
            None => {
                let url = format!(
                    "sqlite://{}",
                    self.data_dir.path().join("onewindow.db").display()
                );
                let mut conn = sqlx::SqliteConnection::connect(&url)
                    .await
                    .expect("open the test database");
                conn.execute(sql)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                let _ = conn.close().await;
            }
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // The log is read below (when panicking), so the child stops here without being
        // dropped yet.
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
        }
        // `pg` (and the temporary directories) drop after this: the database goes once
        // the server no longer holds connections to it.
        if std::thread::panicking() {
            let log = self.log();
            if !log.trim().is_empty() {
                eprintln!(
                    "--- {:?} server output ---\n{log}--- end of server output ---",
                    self.backend
                );
            }
        }
    }
}

#[derive(Debug)]
pub struct ImportOutcome {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Checks the one error shape `{"error":{"code","message","fields":[{"field","code","message"}]}}`
/// and returns the named fields.
pub fn assert_error_shape(body: &Value, code: &str) -> Vec<String> {
    let error = body
        .get("error")
        .unwrap_or_else(|| panic!("no `error` object in {body}"));
    assert!(error.is_object(), "`error` is not an object: {body}");
    assert_eq!(
        error.get("code").and_then(Value::as_str),
        Some(code),
        "error code in {body}"
    );
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no message in {body}"));
    assert!(!message.trim().is_empty(), "empty message in {body}");
    let fields = error
        .get("fields")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no `fields` list in {body}"));
    fields
        .iter()
        .map(|f| {
            for key in ["field", "code", "message"] {
                let v = f
                    .get(key)
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("field error without `{key}`: {body}"));
                assert!(!v.is_empty(), "empty `{key}` in a field error: {body}");
            }
            f["field"].as_str().unwrap().to_string()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The command line against a running test server

impl TestServer {
    /// Runs `server ARGS… --data-dir <this server's data dir>` against this server's
    /// database (PostgreSQL through `DATABASE_URL`), e.g. `["staff-token", "list"]`.
    pub async fn cli(&self, args: &[&str]) -> ImportOutcome {
        let mut cmd = base_command(self.pg.as_ref());
        cmd.args(args).arg("--data-dir").arg(self.data_dir.path());
        cmd.stdin(Stdio::null());
        let output: Output = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .unwrap()
            .expect("run the server binary");
        ImportOutcome {
            success: output.status.success(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Setup shared by the suites

static KEYS: AtomicUsize = AtomicUsize::new(0);

/// A new idempotency key.
pub fn new_key(prefix: &str) -> String {
    let n = KEYS.fetch_add(1, Ordering::SeqCst);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{n}-{nanos}", std::process::id())
}

/// Today in China Standard Time.
pub fn today_cst() -> time::Date {
    time::OffsetDateTime::now_utc()
        .to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap())
        .date()
}

pub fn ymd(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Monday to Friday (the suites import no holiday calendar).
pub fn is_working_day(d: time::Date) -> bool {
    !matches!(d.weekday(), time::Weekday::Saturday | time::Weekday::Sunday)
}

/// `n` working days after `d` (see `is_working_day`); for 0, `d` or the next working day.
pub fn add_working_days(mut d: time::Date, n: u32) -> time::Date {
    if n == 0 {
        while !is_working_day(d) {
            d = d.next_day().unwrap();
        }
        return d;
    }
    let mut left = n;
    while left > 0 {
        d = d.next_day().unwrap();
        if is_working_day(d) {
            left -= 1;
        }
    }
    d
}

impl TestServer {
    /// Sends `req` and parses the answer as JSON (panics when it is not JSON): status, value, text.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value, String) {
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text:.300}"));
        (status, value, text)
    }

    /// POST a JSON text to an API path, with a staff token when given.
    pub async fn post_text(
        &self,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .post(self.url(&format!("/api/v1{path}")))
            .header("Content-Type", "application/json")
            .body(body.to_string());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let (status, value, _) = self.send(req).await;
        (status, value)
    }

    pub async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> (StatusCode, Value) {
        self.post_text(path, token, &body.to_string()).await
    }

    /// GET an API path with a staff token when given.
    pub async fn get_with(&self, path: &str, token: Option<&str>) -> (StatusCode, Value, String) {
        let mut req = self.http.get(self.url(&format!("/api/v1{path}")));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    /// Submits an application for `service` (a named individual with mobile 13800138000).
    pub async fn submit_application(&self, service: &str) -> api_client::ApplicationCreated {
        let body = serde_json::json!({
            "service_code": service,
            "applicant": {"type": "individual", "name": "张三丰", "id_type": "resident_id", "id_number": "11010519491231002X", "mobile": "13800138000"},
            "answers": {},
            "materials": {}
        });
        let req = self
            .http
            .post(self.url("/api/v1/applications"))
            .header("Idempotency-Key", new_key("app"))
            .header("Content-Type", "application/json")
            .body(body.to_string());
        let (status, value, _) = self.send(req).await;
        assert_eq!(status, StatusCode::CREATED, "{value}");
        serde_json::from_value(value).unwrap()
    }

    /// `server case NUMBER ARGS…`, which must succeed.
    pub async fn case_cli(&self, number: &str, args: &[&str]) {
        let mut all = vec!["case", number];
        all.extend_from_slice(args);
        let out = self.cli(&all).await;
        assert!(out.success, "server case {number} {args:?} failed: {out:?}");
    }

    /// Takes case `number` through accept, approve and complete with `server case`.
    pub async fn complete_case(&self, number: &str) {
        for args in [
            &["accept"][..],
            &["approve"],
            &["complete", "--delivery", "window"],
        ] {
            self.case_cli(number, args).await;
        }
    }

    /// The applicant's view of `case` (by its query code), which must be there.
    pub async fn track(&self, case: &api_client::ApplicationCreated) -> api_client::CaseView {
        self.api
            .case(&case.acceptance_number, &case.query_code)
            .await
            .expect("GET the case")
    }

    /// A staff token for `department`, created with the command line: `owst_` and 64 more.
    pub async fn staff_token(&self, name: &str, department: &str) -> String {
        let out = self
            .cli(&["staff-token", "create", name, "--department", department])
            .await;
        assert!(out.success, "staff-token create: {out:?}");
        let token = out.stdout.trim().to_string();
        assert!(
            token.starts_with("owst_") && token.len() == 5 + 64,
            "{token:?}"
        );
        token
    }

    /// A complaints office token, created with the command line.
    pub async fn office_token(&self, name: &str) -> String {
        let out = self
            .cli(&["staff-token", "create", name, "--complaints-office"])
            .await;
        assert!(
            out.success,
            "staff-token create --complaints-office: {out:?}"
        );
        let token = out.stdout.trim().to_string();
        assert!(token.starts_with("owst_"), "{token:?}");
        token
    }

    /// A registered kiosk, created with the command line: its id (from `kiosk list`) and
    /// its device token (`owk_` and 64 more).
    pub async fn kiosk(&self, name: &str) -> (String, String) {
        let out = self.cli(&["kiosk", "create", name]).await;
        assert!(out.success, "kiosk create: {out:?}");
        let token = out.stdout.trim().to_string();
        assert!(
            token.starts_with("owk_") && token.len() == 4 + 64,
            "{token:?}"
        );
        let id = out
            .stderr
            .split_whitespace()
            .nth(2)
            .expect("the kiosk's id in `registered kiosk ID (…)`")
            .to_string();
        (id, token)
    }

    /// A small PDF through POST /uploads; its id.
    pub async fn upload_pdf(&self, marker: &str) -> String {
        let boundary = "----onewindow-test-boundary";
        let pdf = format!("%PDF-1.4\n% {marker}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
        let mut body = Vec::new();
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"proof.pdf\"\r\nContent-Type: application/pdf\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(pdf.as_bytes());
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = self
            .http
            .post(self.url("/api/v1/uploads"))
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        let (status, value, _) = self.send(req).await;
        assert_eq!(status, StatusCode::CREATED, "POST /uploads: {value}");
        value["id"].as_str().expect("an upload id").to_string()
    }
}

impl TestServer {
    /// `content` through POST /uploads as a file named `name`; its id.
    pub async fn upload_named(&self, name: &str, content: &[u8]) -> String {
        upload_to(&self.http, &self.url("/api/v1/uploads"), name, content).await
    }

    /// Submits an application for `service` with `materials` (material id → upload ids).
    pub async fn submit_with_materials(
        &self,
        service: &str,
        materials: Value,
    ) -> api_client::ApplicationCreated {
        submit_to(
            &self.http,
            &self.url("/api/v1/applications"),
            service,
            materials,
        )
        .await
    }
}

/// `content` through POST `url` (an uploads address of some node) as a file named `name`.
pub async fn upload_to(http: &reqwest::Client, url: &str, name: &str, content: &[u8]) -> String {
    let boundary = "----onewindow-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let resp = http
        .post(url)
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("POST /uploads");
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "POST /uploads: {text}");
    let value: Value = serde_json::from_str(&text).unwrap();
    value["id"].as_str().expect("an upload id").to_string()
}

/// Submits an application for `service` with `materials` to `url` (an applications address).
pub async fn submit_to(
    http: &reqwest::Client,
    url: &str,
    service: &str,
    materials: Value,
) -> api_client::ApplicationCreated {
    let body = serde_json::json!({
        "service_code": service,
        "applicant": {"type": "individual", "name": "张三丰", "id_type": "resident_id", "id_number": "11010519491231002X", "mobile": "13800138000"},
        "answers": {},
        "materials": materials
    });
    let resp = http
        .post(url)
        .header("Idempotency-Key", new_key("app"))
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("POST /applications");
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// A (field, code) pair, as `bad_fields` lists them.
pub fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_string(), code.to_string())
}

/// A query code that is not `code`.
pub fn wrong_code(code: &str) -> String {
    if code == "ABCDEF" {
        "ABCDEG".into()
    } else {
        "ABCDEF".into()
    }
}

/// The (field, code) pairs of a 400.
pub fn bad_fields(value: &Value) -> Vec<(String, String)> {
    assert_error_shape(value, "bad_request");
    value["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_string(),
                f["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A test catalogue of two departments (the first with a phone), one topic, and one
/// service of each: `(code, name)` pairs, the first service of the first department.
pub fn two_department_catalogue(
    topic: &str,
    departments: [(&str, &str); 2],
    services: [(&str, &str); 2],
) -> Value {
    serde_json::json!({
        "departments": [
            {"code": departments[0].0, "name": departments[0].1, "phone": "020-12345678"},
            {"code": departments[1].0, "name": departments[1].1}
        ],
        "topics": [{"code": topic, "name": "测试主题", "audience": "individual"}],
        "services": [
            test_service(services[0].0, services[0].1, departments[0].0, topic),
            test_service(services[1].0, services[1].1, departments[1].0, topic),
        ],
    })
}

impl TestServer {
    /// Starts a server without the demo catalogue (with extra `serve` arguments and
    /// environment) and imports `catalogue`; `None` as for `start_with`.
    pub async fn start_with_catalogue(
        backend: Backend,
        args: &[&str],
        envs: &[(&str, &str)],
        catalogue: &Value,
    ) -> Option<TestServer> {
        let mut all = vec!["--no-demo"];
        all.extend_from_slice(args);
        let server = Self::start_with_args(backend, &all, envs).await?;
        let file = server.write_scratch("catalogue.json", &catalogue.to_string());
        let out = server.import(&[file]).await;
        assert!(out.success, "importing the test catalogue failed: {out:?}");
        Some(server)
    }
}

/// A catalogue service of `department`, promised in 5 working days.
pub fn test_service(code: &str, name: &str, department: &str, topic: &str) -> Value {
    serde_json::json!({
        "code": code,
        "name": name,
        "kind": "public_service",
        "department": department,
        "audience": ["individual"],
        "topics": [topic],
        "legal_basis": [{"law": "《测试条例》", "article": "第一条"}],
        "conditions": ["申请人为本区居民。"],
        "materials": [
            {"id": "photo", "name": "近期证件照", "form": "electronic", "copies": 1, "requirement": "optional", "source": "申请人自备"}
        ],
        "steps": [{"name": "受理", "description": "窗口受理申请。"}, {"name": "办结", "description": "办结。"}],
        "statutory_limit": {"value": 10, "unit": "working_days"},
        "promised_limit": {"value": 5, "unit": "working_days"},
        "handling_type": "promised",
        "fees": {"free": true, "items": []},
        "location": "测试区行政服务中心二楼 5 号窗口",
        "hours": "周一至周五 9:00-12:00, 13:30-17:00",
        "consult_phone": "020-12345678",
        "complaint_channel": "12345政务服务便民热线",
        "online_depth": 4,
        "visits": 0,
        "supports": {"appointment": false, "payment": false, "delivery": true, "kiosk": true},
        "result": {"name": "测试结果文书"}
    })
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgresql://h:5432", "x"),
            "postgresql://h:5432/x"
        );
    }
}
