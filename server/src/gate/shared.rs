//! The gate's counts shared by every node of an installation: failed attempts per address
//! and per number (`super::throttle`) and complaint filings per address (`super::rate`).
//!
//! - With PostgreSQL (`DATABASE_URL`), events are rows of `gate_events`; with
//!   `--redis-url`, sorted sets in Redis (one per key, expiring with the window). SQLite
//!   installations are one process: nothing is installed and the counts stay in memory.
//! - Times are the store's clock (PostgreSQL's `clock_timestamp()`, Redis's `TIME`), so
//!   nodes whose clocks disagree still count the same window. A node reads ages, not
//!   instants, and places them on its own monotonic clock.
//! - A store that does not answer is not a reason to refuse every citizen: the node
//!   counts on its own meanwhile (its memory counts go on) and warns.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::Context;
use sqlx::AnyPool;

/// What is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A failed attempt from a client address (`super::addr_key`).
    Addr,
    /// A failed attempt at an acceptance number.
    Number,
    /// A complaint filed from a client address.
    Complaint,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Addr => "addr",
            Kind::Number => "number",
            Kind::Complaint => "complaint",
        }
    }
}

/// Where the counts of every node meet.
pub enum Shared {
    Postgres(AnyPool),
    Redis(redis::aio::ConnectionManager),
}

static SHARED: OnceLock<Shared> = OnceLock::new();

/// Every how many recordings a node purges the expired rows (PostgreSQL only: Redis
/// expires its keys itself).
const PURGE_EVERY: u64 = 256;

/// The shared store, once `install`ed (none on SQLite without Redis).
pub fn get() -> Option<&'static Shared> {
    SHARED.get()
}

/// Makes `shared` the store of this process's gate (once, at start).
pub fn install(shared: Shared) {
    if SHARED.set(shared).is_err() {
        tracing::warn!("the gate's shared store was installed twice; keeping the first");
    }
}

/// Connects to Redis at `url` (checked with a PING, so a wrong address stops the start).
pub async fn redis(url: &str) -> anyhow::Result<Shared> {
    let client = redis::Client::open(url).context("--redis-url is not a valid Redis URL")?;
    let mut conn = redis::aio::ConnectionManager::new(client)
        .await
        .context("cannot reach Redis at --redis-url")?;
    redis::cmd("PING")
        .query_async::<String>(&mut conn)
        .await
        .context("Redis at --redis-url does not answer PING")?;
    Ok(Shared::Redis(conn))
}

/// The store's clock in milliseconds, in SQL.
const PG_NOW_MS: &str = "(extract(epoch from clock_timestamp()) * 1000)::BIGINT";

/// The latest events within the window: their ages, oldest first (at most `limit`).
const REDIS_RECENT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local xs = redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', '(' .. (now - tonumber(ARGV[1])), 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local ages = {}
for i = #xs, 2, -2 do ages[#ages + 1] = now - tonumber(xs[i]) end
return ages
";

/// Records one event now and forgets those older than the window.
const REDIS_RECORD: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
";

/// The ages of a key's latest events within the window, newest first (`$1` kind, `$2` key,
/// `$3` window in ms, `$4` how many).
fn pg_recent_sql() -> String {
    format!(
        "WITH now AS (SELECT {PG_NOW_MS} AS ms) \
         SELECT now.ms - e.at_ms FROM gate_events e, now \
         WHERE e.kind = $1 AND e.key = $2 AND e.at_ms > now.ms - $3 \
         ORDER BY e.at_ms DESC LIMIT $4"
    )
}

/// A Redis sorted-set member of its own: members must differ, or two events in one
/// millisecond would be one.
fn member() -> anyhow::Result<String> {
    let mut bytes = [0u8; 12];
    getrandom::getrandom(&mut bytes).context("no randomness")?;
    Ok(hex::encode(bytes))
}

fn redis_key(kind: Kind, key: &str) -> String {
    format!("onewindow:gate:{}:{key}", kind.as_str())
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Shared {
    /// How long ago `key`'s latest `limit` events within `window` happened, oldest first.
    pub async fn recent(
        &self,
        kind: Kind,
        key: &str,
        limit: usize,
        window: Duration,
    ) -> anyhow::Result<Vec<Duration>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut ages: Vec<i64> = match self {
            Shared::Postgres(pool) => {
                let mut ages: Vec<i64> = sqlx::query_scalar(&pg_recent_sql())
                    .bind(kind.as_str())
                    .bind(key)
                    .bind(millis(window))
                    .bind(limit)
                    .fetch_all(pool)
                    .await?;
                ages.reverse();
                ages
            }
            Shared::Redis(conn) => {
                let mut conn = conn.clone();
                redis::Script::new(REDIS_RECENT)
                    .key(redis_key(kind, key))
                    .arg(millis(window))
                    .arg(limit)
                    .invoke_async(&mut conn)
                    .await?
            }
        };
        // Written by a clock a moment ahead of this read: as good as now.
        ages.iter_mut().for_each(|a| *a = (*a).max(0));
        Ok(ages
            .into_iter()
            .map(|a| Duration::from_millis(a as u64))
            .collect())
    }

    /// Records one event of `key` now; events older than `window` may be forgotten.
    pub async fn record(&self, kind: Kind, key: &str, window: Duration) -> anyhow::Result<()> {
        match self {
            Shared::Postgres(pool) => {
                sqlx::query(&format!(
                    "INSERT INTO gate_events (kind, key, at_ms) VALUES ($1, $2, {PG_NOW_MS})"
                ))
                .bind(kind.as_str())
                .bind(key)
                .execute(pool)
                .await?;
                static RECORDED: AtomicU64 = AtomicU64::new(0);
                if RECORDED
                    .fetch_add(1, Ordering::Relaxed)
                    .is_multiple_of(PURGE_EVERY)
                {
                    sqlx::query(&format!(
                        "DELETE FROM gate_events WHERE kind = $1 AND at_ms < {PG_NOW_MS} - $2"
                    ))
                    .bind(kind.as_str())
                    .bind(millis(window))
                    .execute(pool)
                    .await?;
                }
            }
            Shared::Redis(conn) => {
                let mut conn = conn.clone();
                let _: i64 = redis::Script::new(REDIS_RECORD)
                    .key(redis_key(kind, key))
                    .arg(millis(window))
                    .arg(member()?)
                    .invoke_async(&mut conn)
                    .await?;
            }
        }
        Ok(())
    }
}

impl Shared {
    /// Counts one event of `key` unless `limit` of them fall within `window` already: then
    /// how long until the oldest of those leaves it. Check and count are one step for all
    /// nodes (PostgreSQL: under an advisory lock on the key; Redis: one script).
    pub async fn take(
        &self,
        kind: Kind,
        key: &str,
        limit: usize,
        window: Duration,
    ) -> anyhow::Result<Result<(), Duration>> {
        let wait = |ages: &[i64]| -> Result<(), Duration> {
            match ages.get(limit.saturating_sub(1)) {
                Some(age) if ages.len() >= limit => {
                    let left = (millis(window) - age).max(1000);
                    Err(Duration::from_millis(left as u64))
                }
                _ => Ok(()),
            }
        };
        match self {
            Shared::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))::TEXT")
                    .bind(format!("gate:{}:{key}", kind.as_str()))
                    .execute(&mut *tx)
                    .await?;
                // Newest first: the limit-th is the one that must leave the window.
                let ages: Vec<i64> = sqlx::query_scalar(&pg_recent_sql())
                    .bind(kind.as_str())
                    .bind(key)
                    .bind(millis(window))
                    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                    .fetch_all(&mut *tx)
                    .await?;
                if let Err(left) = wait(&ages) {
                    return Ok(Err(left));
                }
                sqlx::query(&format!(
                    "INSERT INTO gate_events (kind, key, at_ms) VALUES ($1, $2, {PG_NOW_MS})"
                ))
                .bind(kind.as_str())
                .bind(key)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Ok(()))
            }
            Shared::Redis(conn) => {
                let mut conn = conn.clone();
                let left: i64 = redis::Script::new(REDIS_TAKE)
                    .key(redis_key(kind, key))
                    .arg(millis(window))
                    .arg(i64::try_from(limit).unwrap_or(i64::MAX))
                    .arg(member()?)
                    .invoke_async(&mut conn)
                    .await?;
                Ok(if left > 0 {
                    Err(Duration::from_millis(left.max(1000) as u64))
                } else {
                    Ok(())
                })
            }
        }
    }
}

/// Counts one event unless the limit is reached: 0, or the milliseconds to wait.
const REDIS_TAKE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local xs = redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', '(' .. (now - window), 'WITHSCORES', 'LIMIT', 0, limit)
if #xs / 2 >= limit then
  return window - (now - tonumber(xs[limit * 2]))
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 0
";

/// `recent`, or nothing (with a warning) when the store does not answer.
pub async fn recent_or_warn(
    shared: &Shared,
    kind: Kind,
    key: &str,
    limit: usize,
    window: Duration,
) -> Option<Vec<Duration>> {
    match shared.recent(kind, key, limit, window).await {
        Ok(ages) => Some(ages),
        Err(e) => {
            tracing::warn!(
                kind = kind.as_str(),
                "the gate's shared counts cannot be read; counting on this node alone: {e:#}"
            );
            None
        }
    }
}

/// `record`, warning when the store does not take it.
pub async fn record_or_warn(shared: &Shared, kind: Kind, key: &str, window: Duration) {
    if let Err(e) = shared.record(kind, key, window).await {
        tracing::warn!(
            kind = kind.as_str(),
            "the gate's shared counts cannot be written; counting on this node alone: {e:#}"
        );
    }
}
