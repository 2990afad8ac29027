//! Starts the `server` binary and waits until it serves: the one launcher behind `cargo xtask
//! bench`, the server's API tests and the end-to-end tests.
//!
//! The server prints `listening on http://ADDR` on stdout once its socket is bound (with
//! `--bind 127.0.0.1:0` that is the only way to learn the port). [`Launch::start`] spawns the
//! caller's [`Command`] with stdout piped, waits for that line, and keeps reading stdout (and
//! stderr when captured) on background threads for as long as the child runs, so the child
//! never blocks on a full pipe. The [`Server`] it returns kills and reaps the child on drop.
//!
//! Standard library only: the callers are a blocking tool (xtask) and two async test suites
//! with different runtimes; the async ones call [`Launch::start`] on a blocking thread.

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The server's settings from the environment (see `server serve --help`). A test or
/// benchmark server is started without them (`clear_server_env`), so a developer's shell
/// cannot point it at real data or change its limits; a caller that wants one sets it
/// explicitly afterwards.
pub const SERVER_ENV: &[&str] = &[
    "DATABASE_URL",
    "ONEWINDOW_DATA_DIR",
    "ONEWINDOW_BIND",
    "ONEWINDOW_DIST_DIR",
    "ONEWINDOW_NO_DEMO",
    "ONEWINDOW_MAX_FILE_MB",
    "ONEWINDOW_MAX_APPLICATION_MB",
    "ONEWINDOW_UPLOAD_TTL_SECS",
    "ONEWINDOW_UPLOAD_SWEEP_SECS",
    "ONEWINDOW_PUBLIC_URL",
    "ONEWINDOW_REGION_CODE",
    "ONEWINDOW_LOOKUP_MAX_FAILS_PER_ADDR",
    "ONEWINDOW_LOOKUP_MAX_FAILS_PER_NUMBER",
    "ONEWINDOW_LOOKUP_WINDOW_SECS",
    "ONEWINDOW_TRUSTED_PROXIES",
    "ONEWINDOW_COMPLAINT_REPLY_DAYS",
    "ONEWINDOW_RECTIFICATION_DAYS",
    "ONEWINDOW_HEADER_READ_TIMEOUT_SECS",
    "ONEWINDOW_REQUEST_TIMEOUT_SECS",
    "ONEWINDOW_UPLOAD_CHUNK_TIMEOUT_SECS",
    "ONEWINDOW_MAX_CONCURRENT_UPLOADS",
    "ONEWINDOW_UPLOAD_QUOTA_MB",
    "ONEWINDOW_UPLOAD_QUOTA_WINDOW_SECS",
    "ONEWINDOW_MIN_FREE_DISK_MB",
    "ONEWINDOW_COMPLAINTS_PER_ADDR",
    "ONEWINDOW_COMPLAINTS_WINDOW_SECS",
    "ONEWINDOW_KIOSK_CONFIG",
    "ONEWINDOW_REDIS_URL",
];

/// Removes every variable of `SERVER_ENV` from `cmd`'s environment.
pub fn clear_server_env(cmd: &mut Command) -> &mut Command {
    for var in SERVER_ENV {
        cmd.env_remove(var);
    }
    cmd
}

/// What the server prints once it accepts connections; the base URL follows it.
const LISTENING: &str = "listening on ";

/// How often the child is checked for having exited while its line has not come.
const POLL: Duration = Duration::from_millis(100);

/// How long the reader threads get to collect the last output after a failed start (the
/// child has been killed by then, so the pipes close at once unless a grandchild holds them).
const FLUSH: Duration = Duration::from_secs(1);

/// How to start a server: the command (its arguments, environment and stdin as the caller
/// set them; stdout is always piped here), how long to wait, and whether to keep its output.
pub struct Launch {
    command: Command,
    timeout: Duration,
    capture: bool,
}

impl Launch {
    /// Waits up to 30 seconds; stderr as the command has it; output not kept.
    pub fn new(command: Command) -> Launch {
        Launch {
            command,
            timeout: Duration::from_secs(30),
            capture: false,
        }
    }

    /// How long to wait for the `listening on` line.
    pub fn timeout(mut self, timeout: Duration) -> Launch {
        self.timeout = timeout;
        self
    }

    /// Keep what the child writes: stderr is piped and kept, and so is every stdout line
    /// but the `listening on` one, prefixed `[stdout] ` (the server's log goes to stdout).
    /// Read it with [`Server::output`], or in the [`Error`] of a failed start.
    pub fn capture_output(mut self) -> Launch {
        self.capture = true;
        self
    }

    /// Spawns the command and waits until it prints `listening on http://…`, it exits, or the
    /// timeout passes. On failure the child is killed before this returns.
    pub fn start(mut self) -> Result<Server, Error> {
        self.command.stdout(Stdio::piped());
        if self.capture {
            self.command.stderr(Stdio::piped());
        }
        let mut child = self.command.spawn().map_err(Error::Spawn)?;
        let output = self.capture.then(|| Arc::new(Mutex::new(String::new())));
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().filter(|_| self.capture);
        let (tx, rx) = mpsc::channel();
        let mut readers = vec![read_stdout(stdout, tx, output.clone())];
        if let (Some(stderr), Some(output)) = (stderr, &output) {
            readers.push(read_stderr(stderr, output.clone()));
        }
        // The guard first, so the child is killed however the wait below ends.
        let mut server = Server {
            child,
            base: String::new(),
            output,
        };

        let deadline = Instant::now() + self.timeout;
        let failure = loop {
            match rx.recv_timeout(POLL) {
                Ok(base) => {
                    server.base = base;
                    return Ok(server);
                }
                // stdout closed without the line: the child is exiting, or has.
                Err(RecvTimeoutError::Disconnected) => {
                    if let Some(status) = server.wait_until(deadline) {
                        break Failure::Exited(status);
                    }
                    break Failure::Timeout;
                }
                Err(RecvTimeoutError::Timeout) => {
                    if let Ok(Some(status)) = server.child.try_wait() {
                        // The line may still be in the pipe: take it if it is.
                        match rx.recv_timeout(FLUSH) {
                            Ok(base) => {
                                server.base = base;
                                return Ok(server);
                            }
                            Err(_) => break Failure::Exited(status),
                        }
                    }
                    if Instant::now() >= deadline {
                        break Failure::Timeout;
                    }
                }
            }
        };
        server.stop();
        let flush_until = Instant::now() + FLUSH;
        while readers.iter().any(|r| !r.is_finished()) && Instant::now() < flush_until {
            std::thread::sleep(Duration::from_millis(10));
        }
        let output = server.output();
        Err(match failure {
            Failure::Exited(status) => Error::Exited { status, output },
            Failure::Timeout => Error::Timeout {
                after: self.timeout,
                output,
            },
        })
    }
}

enum Failure {
    Exited(ExitStatus),
    Timeout,
}

/// Reads stdout to its end: sends the base URL of the first `listening on http://…` line,
/// keeps the other lines when capturing.
fn read_stdout(
    stdout: ChildStdout,
    tx: mpsc::Sender<String>,
    output: Option<Arc<Mutex<String>>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.is_some() {
                if let Some(base) = base_url(&line) {
                    let _ = tx.take().expect("checked above").send(base.to_string());
                    continue;
                }
            }
            if let Some(output) = &output {
                let mut output = output.lock().unwrap();
                output.push_str("[stdout] ");
                output.push_str(&line);
                output.push('\n');
            }
        }
    })
}

/// Appends stderr to `output` as it comes.
fn read_stderr(mut stderr: ChildStderr, output: Arc<Mutex<String>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match stderr.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => output
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
    })
}

/// `http://ADDR` of a `listening on http://ADDR` line, wherever the phrase stands in it.
fn base_url(line: &str) -> Option<&str> {
    let at = line.find("listening on http://")?;
    Some(line[at + LISTENING.len()..].trim())
}

/// A running server: killed and waited for when dropped.
pub struct Server {
    child: Child,
    base: String,
    output: Option<Arc<Mutex<String>>>,
}

impl Server {
    /// `http://ADDR`, as the server printed it.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the child has written so far, when capturing (else empty): stderr and the stdout
    /// lines other than `listening on`, as they came.
    pub fn output(&self) -> String {
        self.output
            .as_ref()
            .map(|o| o.lock().unwrap().clone())
            .unwrap_or_default()
    }

    /// Whether the child has exited, without waiting.
    pub fn try_wait(&mut self) -> std::io::Result<Option<ExitStatus>> {
        self.child.try_wait()
    }

    /// Kills the child and waits for it (as dropping does, but reporting errors).
    pub fn kill(&mut self) -> std::io::Result<()> {
        if self.child.try_wait()?.is_none() {
            self.child.kill()?;
        }
        self.child.wait().map(drop)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The exit status, polling until `deadline`.
    fn wait_until(&mut self, deadline: Instant) -> Option<ExitStatus> {
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Why a server did not start. `output` is what it wrote (when capturing, else empty).
#[derive(Debug)]
pub enum Error {
    /// The command could not be spawned.
    Spawn(std::io::Error),
    /// The child exited before printing `listening on …`.
    Exited { status: ExitStatus, output: String },
    /// No `listening on …` line within the timeout (the child was killed).
    Timeout { after: Duration, output: String },
}

impl Error {
    /// What the child wrote before it failed (empty unless capturing).
    pub fn output(&self) -> &str {
        match self {
            Error::Spawn(_) => "",
            Error::Exited { output, .. } | Error::Timeout { output, .. } => output,
        }
    }

    /// The exit status, when the child exited by itself.
    pub fn status(&self) -> Option<ExitStatus> {
        match self {
            Error::Exited { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spawn(e) => write!(f, "cannot start the server: {e}"),
            Error::Exited { status, .. } => {
                write!(f, "the server exited ({status}) before listening")
            }
            Error::Timeout { after, .. } => write!(
                f,
                "the server did not print `listening on …` within {} s",
                after.as_secs_f64()
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Spawn(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]).stdin(Stdio::null());
        cmd
    }

    #[test]
    fn reads_the_address_and_keeps_the_rest() {
        let server = Launch::new(sh(
            "echo starting; echo oops >&2; echo 'listening on http://127.0.0.1:4321'; \
             echo after; exec sleep 30",
        ))
        .capture_output()
        .start()
        .unwrap();
        assert_eq!(server.base(), "http://127.0.0.1:4321");
        let deadline = Instant::now() + Duration::from_secs(5);
        // stdout and stderr are read by two threads: wait for the last line of each.
        let both = |out: String| out.contains("after") && out.contains("oops");
        while !both(server.output()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let out = server.output();
        assert!(out.contains("[stdout] starting\n"), "{out}");
        assert!(out.contains("oops\n"), "{out}");
        assert!(out.contains("[stdout] after\n"), "{out}");
        assert!(!out.contains("listening"), "{out}");
    }

    #[test]
    fn the_line_may_stand_after_a_prefix() {
        assert_eq!(
            base_url("2026-01-01 INFO listening on http://[::1]:80 "),
            Some("http://[::1]:80")
        );
        assert_eq!(base_url("listening on unix:/tmp/x"), None);
    }

    #[test]
    fn an_early_exit_is_reported_with_its_output() {
        let err = Launch::new(sh("echo 'bad flag' >&2; exit 3"))
            .capture_output()
            .start()
            .err()
            .unwrap();
        assert_eq!(err.status().and_then(|s| s.code()), Some(3));
        assert_eq!(err.output(), "bad flag\n");
        assert!(err.to_string().contains("exited"), "{err}");
    }

    #[test]
    fn a_silent_server_times_out_and_is_killed() {
        let started = Instant::now();
        let err = Launch::new(sh("exec sleep 30"))
            .timeout(Duration::from_millis(300))
            .start()
            .err()
            .unwrap();
        assert!(matches!(err, Error::Timeout { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_missing_binary_cannot_spawn() {
        let err = Launch::new(Command::new("/nonexistent/server"))
            .start()
            .err()
            .unwrap();
        assert!(matches!(err, Error::Spawn(_)), "{err}");
    }

    #[test]
    fn kill_stops_the_child() {
        let mut server = Launch::new(sh("echo 'listening on http://x:1'; exec sleep 30"))
            .start()
            .unwrap();
        server.kill().unwrap();
        assert!(server.try_wait().unwrap().is_some());
    }
}
