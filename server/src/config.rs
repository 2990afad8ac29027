//! Configuration: the command-line options every subcommand shares (with their
//! environment variables), and the `Config` of a running installation built from them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use api_client::{KioskConfig, UploadLimits};
use clap::Args;
use ipnet::IpNet;

/// Where the data lives; every subcommand takes the same options.
#[derive(Args, Clone, Debug)]
pub struct StorageArgs {
    /// Directory for the SQLite database (and later, uploads).
    #[arg(long, env = "ONEWINDOW_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// A postgres:// URL to use PostgreSQL instead of the SQLite file.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
}

/// How this installation serves applicants.
#[derive(Args, Clone, Debug)]
pub struct ServiceArgs {
    /// The address citizens reach the portal at (receipts' QR codes point there).
    /// Defaults to http:// and the bind address.
    #[arg(long, env = "ONEWINDOW_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Largest accepted upload, in megabytes.
    #[arg(long, env = "ONEWINDOW_MAX_FILE_MB", default_value_t = 10)]
    pub max_file_mb: u64,
    /// Largest total of one application's uploads, in megabytes.
    #[arg(long, env = "ONEWINDOW_MAX_APPLICATION_MB", default_value_t = 50)]
    pub max_application_mb: u64,
    /// The 6-digit administrative region code that starts every acceptance number.
    #[arg(long, env = "ONEWINDOW_REGION_CODE", default_value = "440113")]
    pub region_code: String,
    /// Working days staff have to reply to a complaint, counted from the day after it is filed.
    #[arg(long, env = "ONEWINDOW_COMPLAINT_REPLY_DAYS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=250))]
    pub complaint_reply_days: u32,
    /// Working days staff have to answer a poor rating (整改), counted from the day after it.
    #[arg(long, env = "ONEWINDOW_RECTIFICATION_DAYS", default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=250))]
    pub rectification_days: u32,
    /// New complaints one client address may file within `--complaints-window-secs` (0: no
    /// limit). Complaints may be anonymous and take numbers from the day's series that cases
    /// share, so no address may use it up; retries with the same key are not counted.
    #[arg(long, env = "ONEWINDOW_COMPLAINTS_PER_ADDR", default_value_t = 10)]
    pub complaints_per_addr: u32,
    /// The window of `--complaints-per-addr`, in seconds.
    #[arg(long, env = "ONEWINDOW_COMPLAINTS_WINDOW_SECS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..))]
    pub complaints_window_secs: u64,
    /// A reverse proxy in front of the server (an address or a CIDR network, repeatable):
    /// only from these peers is the client's address read from `X-Forwarded-For` (or
    /// `Forwarded`), for the gate's counts. Without it, every client is its TCP peer.
    #[arg(long = "trusted-proxy", value_name = "CIDR", env = "ONEWINDOW_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxies: Vec<IpNet>,
    /// Seconds a JSON request (body included) may take before it is answered 408.
    #[arg(long, env = "ONEWINDOW_REQUEST_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout_secs: u64,
    /// Seconds an upload may go without sending a byte before it is abandoned (408).
    #[arg(long, env = "ONEWINDOW_UPLOAD_CHUNK_TIMEOUT_SECS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub upload_chunk_timeout_secs: u64,
    /// Uploads received at the same time; one more is answered 503 with `Retry-After`.
    #[arg(long, env = "ONEWINDOW_MAX_CONCURRENT_UPLOADS", default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_concurrent_uploads: u32,
    /// Megabytes one client address may upload within the quota window (0: no quota).
    #[arg(long, env = "ONEWINDOW_UPLOAD_QUOTA_MB", default_value_t = 500)]
    pub upload_quota_mb: u64,
    /// The rolling window of the upload quota, in seconds.
    #[arg(long, env = "ONEWINDOW_UPLOAD_QUOTA_WINDOW_SECS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..=30 * 24 * 3600))]
    pub upload_quota_window_secs: u64,
    /// Megabytes that must stay free on the data directory's disk: below it, uploads are
    /// refused with 507 (0: no floor).
    #[arg(long, env = "ONEWINDOW_MIN_FREE_DISK_MB", default_value_t = 1024)]
    pub min_free_disk_mb: u64,
}

/// A CIDR network (`10.0.0.0/8`, `2001:db8::/32`) or a single address (`127.0.0.1`).
fn parse_net(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
        .map(|net| net.trunc())
        .map_err(|_| format!("`{text}` is not an address or a CIDR network (10.0.0.0/8)"))
}

/// Settings of this installation, from the command line or the environment.
#[derive(Clone, Debug)]
pub struct Config {
    /// Without a trailing slash.
    pub public_url: String,
    pub data_dir: PathBuf,
    pub max_file_bytes: u64,
    pub max_total_bytes: u64,
    pub region_code: String,
    /// Working days after the submission day by which a complaint is to be answered.
    pub complaint_reply_days: u32,
    /// Working days after a poor rating by which staff must answer it (整改).
    pub rectification_days: u32,
    /// The reverse proxies whose forwarded client addresses are believed.
    pub trusted_proxies: Vec<IpNet>,
    /// How long a JSON request may take, body included.
    pub request_timeout: Duration,
    pub upload: UploadAdmission,
    /// New complaints per client address (0: no limit) within this many seconds.
    pub complaints_per_addr: u32,
    pub complaints_window_secs: u64,
    /// What the kiosks show and how long they wait (`--kiosk-config`, or the defaults).
    pub kiosk: KioskConfig,
}

/// What limits uploads beyond their size: how long a client may stall, how many are
/// received at once, how much one address may send, and the disk space kept free.
#[derive(Clone, Debug)]
pub struct UploadAdmission {
    /// No body bytes for this long abandons an upload.
    pub chunk_timeout: Duration,
    pub max_concurrent: usize,
    /// Bytes per client address within `quota_window` (0: no quota).
    pub quota_bytes: u64,
    pub quota_window: Duration,
    /// Free bytes the data directory's disk keeps (0: no floor).
    pub min_free_bytes: u64,
}

const MB: u64 = 1024 * 1024;

/// What uploads may be, by content.
pub const ACCEPTED_MEDIA_TYPES: [&str; 3] = ["application/pdf", "image/jpeg", "image/png"];

impl Config {
    pub fn new(
        service: &ServiceArgs,
        storage: &StorageArgs,
        bound: std::net::SocketAddr,
    ) -> anyhow::Result<Self> {
        let region = service.region_code.trim();
        if region.len() != 6 || !region.chars().all(|c| c.is_ascii_digit()) {
            anyhow::bail!("--region-code must be 6 digits, got `{region}`");
        }
        let public_url = service
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"));
        Ok(Config {
            public_url: public_url.trim_end_matches('/').to_string(),
            data_dir: storage.data_dir.clone(),
            max_file_bytes: service.max_file_mb * MB,
            max_total_bytes: service.max_application_mb * MB,
            region_code: region.to_string(),
            complaint_reply_days: service.complaint_reply_days,
            rectification_days: service.rectification_days,
            trusted_proxies: service.trusted_proxies.clone(),
            request_timeout: Duration::from_secs(service.request_timeout_secs),
            upload: UploadAdmission {
                chunk_timeout: Duration::from_secs(service.upload_chunk_timeout_secs),
                max_concurrent: service.max_concurrent_uploads as usize,
                quota_bytes: service.upload_quota_mb.saturating_mul(MB),
                quota_window: Duration::from_secs(service.upload_quota_window_secs),
                min_free_bytes: service.min_free_disk_mb.saturating_mul(MB),
            },
            complaints_per_addr: service.complaints_per_addr,
            complaints_window_secs: service.complaints_window_secs,
            kiosk: KioskConfig::default(),
        })
    }

    pub fn limits(&self) -> UploadLimits {
        UploadLimits {
            max_file_bytes: self.max_file_bytes,
            max_total_bytes: self.max_total_bytes,
            accepted: ACCEPTED_MEDIA_TYPES.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// The kiosk configuration in the TOML file at `path`. A file that cannot be read, is not
/// TOML, has a field of the wrong type or one it does not know, or a value out of bounds is
/// refused with the file's name and the field, so a hall notices at start, not on a kiosk.
pub fn load_kiosk_config(path: &Path) -> anyhow::Result<KioskConfig> {
    let name = path.display();
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the kiosk configuration {name}"))?;
    let config: KioskConfig = serde_path_to_error::deserialize(toml::Deserializer::new(&text))
        .map_err(|e| {
            let field = e.path().to_string();
            // The TOML error says where (line, column and the line itself).
            let reason = e.inner().to_string();
            if field == "." {
                anyhow::anyhow!("kiosk configuration {name}: {reason}")
            } else {
                anyhow::anyhow!("kiosk configuration {name}: field `{field}`: {reason}")
            }
        })?;
    let errors = api_client::validate_kiosk_config(&config);
    if !errors.is_empty() {
        let reasons: Vec<String> = errors
            .iter()
            .map(|e| format!("field `{}`: {}", e.field, e.message))
            .collect();
        anyhow::bail!("kiosk configuration {name}: {}", reasons.join("; "));
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_are_networks_or_addresses() {
        assert_eq!(parse_net("10.0.0.0/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(
            parse_net(" 127.0.0.1 ").unwrap().to_string(),
            "127.0.0.1/32"
        );
        assert_eq!(
            parse_net("2001:db8::1/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert_eq!(parse_net("::1").unwrap().to_string(), "::1/128");
        assert!(parse_net("10.0.0.0/33").is_err());
        assert!(parse_net("proxy.local").is_err());
    }
}
