//! Acceptance numbers' daily sequence inputs, query codes and the installation secret.
//!
//! The query code is never stored. It is derived from the installation secret and the
//! request's idempotency key (HMAC-SHA256), so a retried submit answers with the same code;
//! the case keeps only `SHA-256(secret ":" number ":" code)` to check a code against.

use std::sync::OnceLock;

use api_client::checks::{AcceptanceNumber, QUERY_CODE_ALPHABET, QUERY_CODE_LEN};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use sqlx::{Any, AnyPool, Transaction};
use time::Date;

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
/// it takes the write lock (waiting on busy_timeout).
pub async fn next_number(
    tx: &mut Transaction<'static, Any>,
    day: &str,
    region: &str,
    yymmdd: &str,
) -> Result<String, sqlx::Error> {
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
        .ok_or_else(|| sqlx::Error::Protocol(format!("the sequence of {day} is exhausted")))
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

/// The query code of the case submitted with `key`: 6 characters of the unambiguous alphabet.
pub fn query_code(secret: &str, key: &str) -> String {
    derive_code(secret, b"query-code:", key)
}

/// The query code of the complaint filed with `key`. Its own domain, so that a client
/// reusing one key for an application and a complaint does not get the same code for both.
pub fn complaint_code(secret: &str, key: &str) -> String {
    derive_code(secret, b"complaint:", key)
}

/// A fresh idempotency key, for a request that came without one.
pub fn random_key() -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| sqlx::Error::Protocol(format!("no system randomness: {e}")))?;
    Ok(format!("random-{}", hex::encode(bytes)))
}

fn derive_code(secret: &str, domain: &[u8], key: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(domain);
    mac.update(key.as_bytes());
    let digest = mac.finalize().into_bytes();
    // 64 bits spread over 31^6 (about 2^29.7) values: the bias is below 2^-34.
    let mut n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    let alphabet = QUERY_CODE_ALPHABET.as_bytes();
    let base = alphabet.len() as u64;
    (0..QUERY_CODE_LEN)
        .map(|_| {
            let c = alphabet[(n % base) as usize] as char;
            n /= base;
            c
        })
        .collect()
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
    fn query_codes_are_stable_and_well_formed() {
        let a = query_code("secret-one", "key-0001");
        assert_eq!(
            a,
            query_code("secret-one", "key-0001"),
            "a retry gets the same code"
        );
        assert_ne!(a, query_code("secret-one", "key-0002"));
        assert_ne!(a, query_code("secret-two", "key-0001"));
        for i in 0..500 {
            let c = query_code("s", &format!("key-{i:05}"));
            assert_eq!(normalise_query_code(&c).as_deref(), Some(c.as_str()), "{c}");
        }
    }

    #[test]
    fn complaint_codes_have_their_own_domain() {
        let c = complaint_code("s", "key-0001");
        assert_eq!(c, complaint_code("s", "key-0001"));
        assert_ne!(
            c,
            query_code("s", "key-0001"),
            "one key used for a case and a complaint gives two codes"
        );
        assert_eq!(normalise_query_code(&c).as_deref(), Some(c.as_str()));
        let k = random_key().unwrap();
        assert!(idempotency_key_valid(&k), "{k}");
        assert_ne!(k, random_key().unwrap());
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
