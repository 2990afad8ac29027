//! Acceptance numbers' daily sequence inputs, query codes and the installation secret.
//!
//! The query code is random (`random_code`: system randomness, uniform over the alphabet)
//! and never stored: a case or complaint keeps only `SHA-256(secret ":" number ":" code)`
//! to check a code against (rows from before random codes, whose codes were derived from
//! their keys, keep working: the hash is the same). How a retry gets its code back is
//! `crate::idempotency`.

use std::sync::OnceLock;

use api_client::checks::{AcceptanceNumber, QUERY_CODE_ALPHABET, QUERY_CODE_LEN};
use sha2::{Digest, Sha256};
use sqlx::{Any, AnyPool, Transaction};
use time::Date;

use crate::error::ApiError;

/// An acceptance number (or a complaint number: the same form) as typed, compact, or the
/// problem on `number`. `what` names it in messages ("the acceptance number").
pub fn parse_number(raw: Option<&str>, what: &str) -> Result<String, api_client::FieldError> {
    use api_client::checks::AcceptanceNumberError;
    use api_client::FieldError;
    match raw.map(AcceptanceNumber::parse) {
        Some(Ok(n)) => Ok(n.compact().to_string()),
        Some(Err(AcceptanceNumberError::Check)) => Err(FieldError::new(
            "number",
            "checksum",
            format!("{what} has a typo (its check character does not match)"),
        )),
        _ => Err(FieldError::new(
            "number",
            "invalid",
            format!("{what} is 18 characters: 17 digits and a digit or X"),
        )),
    }
}

/// Idempotency keys: 8–100 characters of letters, digits, `_` and `-` (a UUID fits).
pub use api_client::checks::idempotency_key_valid;

/// The next number of `day` (`YYYY-MM-DD`, whose `yymmdd` it carries) in `region`, taken
/// inside `tx` from the day counter that cases and complaints share, so that a complaint
/// number never equals an acceptance number. It is the transaction's first write: on SQLite
/// it takes the write lock (waiting on busy_timeout). When the day's five-digit series is
/// used up, 503 (`ApiError::NumbersExhausted`); the caller's transaction rolls back.
pub async fn next_number(
    tx: &mut Transaction<'static, Any>,
    day: &str,
    region: &str,
    yymmdd: &str,
) -> Result<String, ApiError> {
    let sequence: i64 = sqlx::query_scalar(
        "INSERT INTO case_sequences (day, last) VALUES ($1, 1)
         ON CONFLICT (day) DO UPDATE SET last = case_sequences.last + 1 RETURNING last",
    )
    .bind(day)
    .fetch_one(&mut **tx)
    .await?;
    u32::try_from(sequence)
        .ok()
        .and_then(|s| AcceptanceNumber::new(region, yymmdd, s))
        .map(|n| n.compact().to_string())
        .ok_or(ApiError::NumbersExhausted)
}

/// The date part of an acceptance number.
pub fn yymmdd(d: Date) -> String {
    format!(
        "{:02}{:02}{:02}",
        d.year().rem_euclid(100),
        u8::from(d.month()),
        d.day()
    )
}

/// A new query code: `QUERY_CODE_LEN` characters drawn uniformly from
/// `QUERY_CODE_ALPHABET` with the system's randomness (a byte is used only below the
/// largest multiple of the alphabet's size, so that no character is likelier).
pub fn random_code() -> Result<String, ApiError> {
    let alphabet = QUERY_CODE_ALPHABET.as_bytes();
    let accept_below = 256 - 256 % alphabet.len();
    let mut code = String::with_capacity(QUERY_CODE_LEN);
    let mut bytes = [0u8; 32];
    while code.len() < QUERY_CODE_LEN {
        getrandom::getrandom(&mut bytes)
            .map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
        for &b in bytes.iter().filter(|&&b| usize::from(b) < accept_below) {
            if code.len() == QUERY_CODE_LEN {
                break;
            }
            code.push(alphabet[usize::from(b) % alphabet.len()] as char);
        }
    }
    Ok(code)
}

/// What a case stores to check a query code against.
pub fn code_hash(secret: &str, number: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(secret.as_bytes());
    h.update(b":");
    h.update(number.as_bytes());
    h.update(b":");
    h.update(code.as_bytes());
    hex::encode(h.finalize())
}

/// Equality of two hex digests in time independent of where they differ.
pub fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

static SECRET: OnceLock<String> = OnceLock::new();

/// The installation secret (32 random bytes, hex) from `settings`, created by whichever
/// instance comes first: every instance inserts its own candidate if none is stored, then
/// reads back the one that won. Read once per process.
pub async fn secret(pool: &AnyPool) -> Result<&'static str, sqlx::Error> {
    if let Some(s) = SECRET.get() {
        return Ok(s);
    }
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| sqlx::Error::Protocol(format!("no system randomness: {e}")))?;
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('secret', $1) ON CONFLICT (key) DO NOTHING",
    )
    .bind(hex::encode(bytes))
    .execute(pool)
    .await?;
    let stored: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'secret'")
        .fetch_one(pool)
        .await?;
    Ok(SECRET.get_or_init(|| stored))
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_client::checks::normalise_query_code;
    use time::macros::date;

    #[test]
    fn keys() {
        assert!(idempotency_key_valid(
            "0b6a3c2e-5f1d-4a8e-9c7b-2d4f6a8b0c1e"
        ));
        assert!(idempotency_key_valid("abc_DEF-"));
        assert!(!idempotency_key_valid("short"));
        assert!(!idempotency_key_valid("has space in it"));
        assert!(!idempotency_key_valid("非ASCII字符的键值很长"));
        assert!(!idempotency_key_valid(&"a".repeat(101)));
    }

    #[test]
    fn random_codes_are_well_formed_and_not_repeated() {
        let codes: Vec<String> = (0..2_000).map(|_| random_code().unwrap()).collect();
        for c in &codes {
            assert_eq!(c.chars().count(), QUERY_CODE_LEN);
            assert_eq!(normalise_query_code(c).as_deref(), Some(c.as_str()), "{c}");
        }
        let distinct: std::collections::BTreeSet<&String> = codes.iter().collect();
        // 2,000 draws from 31^6 values: a repeat has odds of about 1 in 450.
        assert!(distinct.len() >= codes.len() - 1, "codes repeat");
    }

    #[test]
    fn random_codes_use_the_whole_alphabet_evenly() {
        let mut counts = std::collections::BTreeMap::new();
        for _ in 0..2_000 {
            for ch in random_code().unwrap().chars() {
                *counts.entry(ch).or_insert(0u32) += 1;
            }
        }
        assert_eq!(counts.len(), QUERY_CODE_ALPHABET.chars().count());
        // 12,000 characters over the alphabet: about 387 each; far from that is a bias.
        let expected = 12_000 / QUERY_CODE_ALPHABET.chars().count() as u32;
        for (ch, n) in counts {
            assert!(n > expected / 2 && n < expected * 3 / 2, "{ch}: {n}");
        }
    }

    #[test]
    fn hashes_bind_the_number_and_code() {
        let h = code_hash("s", "440113260213000011", "ABCDEF");
        assert_eq!(h.len(), 64);
        assert!(same_digest(
            &h,
            &code_hash("s", "440113260213000011", "ABCDEF")
        ));
        assert!(!same_digest(
            &h,
            &code_hash("s", "440113260213000011", "ABCDEG")
        ));
        assert!(!same_digest(
            &h,
            &code_hash("s", "440113260213000029", "ABCDEF")
        ));
        assert!(!same_digest(&h, "short"));
    }

    #[test]
    fn date_part() {
        assert_eq!(yymmdd(date!(2026 - 02 - 03)), "260203");
        assert_eq!(yymmdd(date!(2030 - 11 - 22)), "301122");
    }
}
