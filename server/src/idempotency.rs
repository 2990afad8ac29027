//! `Idempotency-Key`s bound to their request, and the one answer a retry may get back.
//!
//! A key names one request: its row (a case, a complaint) stores the key's hash and the
//! request's fingerprint, the SHA-256 of the request's canonical JSON (object keys sorted)
//! and of what it is (`Scope`). The same key with the same request answers with the same
//! number and query code; with another request it is refused (422 `idempotency_key_reused`)
//! and nothing is created.
//!
//! The query code is random (`numbering::random_code`) and the database must never reveal
//! it, so a row keeps, for a retry after a lost answer, only the code sealed
//! (ChaCha20-Poly1305) under a key derived from the client's `Idempotency-Key`, which the
//! server does not keep (only its SHA-256). The sealed copy is cleared after `REPLAY_SECS`
//! (`forget_answers`, run by the upload sweep); a retry after that, or with a key stored
//! before answers were kept (`hash_legacy_keys`), gets 409 `idempotency_key_expired`.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::AnyPool;

use crate::error::ApiError;

/// How long a retry can get its answer back: a day.
pub const REPLAY_SECS: i64 = 24 * 60 * 60;

/// What a key is for; each has its own keys (one key may name an application and a
/// complaint) and its own table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Case,
    Complaint,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::Case => "POST /applications",
            Scope::Complaint => "POST /complaints",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Scope::Case => "cases",
            Scope::Complaint => "complaints",
        }
    }

    const ALL: [Scope; 2] = [Scope::Case, Scope::Complaint];
}

/// What a row keeps to answer a retry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Kept {
    /// `None` for rows stored before fingerprints (and complaints filed without a key).
    pub fingerprint: Option<String>,
    /// Hex of nonce and sealed code; `None` once forgotten.
    pub sealed_code: Option<String>,
    /// Unix seconds.
    pub stored_at: i64,
}

/// A request under its key.
pub struct KeyedRequest {
    scope: Scope,
    key_hash: String,
    fingerprint: String,
    seal_key: [u8; 32],
}

impl KeyedRequest {
    /// `key` (well-formed: `numbering::idempotency_key_valid`) naming `request`.
    pub fn new<T: Serialize>(
        scope: Scope,
        key: &str,
        request: &T,
    ) -> Result<KeyedRequest, ApiError> {
        let value = serde_json::to_value(request)
            .map_err(|e| anyhow::anyhow!("a request as JSON for its fingerprint: {e}"))?;
        let mut canonical = String::new();
        write_canonical(&value, &mut canonical);
        let mut h = Sha256::new();
        h.update(b"onewindow request v1\0");
        h.update(scope.name().as_bytes());
        h.update(b"\0");
        h.update(canonical.as_bytes());
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes())
            .expect("HMAC takes any key length");
        mac.update(b"onewindow seal v1\0");
        mac.update(scope.name().as_bytes());
        Ok(KeyedRequest {
            scope,
            key_hash: key_hash(scope, key),
            fingerprint: hex::encode(h.finalize()),
            seal_key: mac.finalize().into_bytes().into(),
        })
    }

    pub fn key_hash(&self) -> &str {
        &self.key_hash
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// `code` sealed for the row of `number`: only this key opens it, only for that row.
    pub fn seal(&self, number: &str, code: &str) -> Result<String, ApiError> {
        let mut nonce = [0u8; 12];
        getrandom::getrandom(&mut nonce)
            .map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
        let aad = self.aad(number);
        let sealed = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: code.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("sealing a query code failed"))?;
        Ok(hex::encode([nonce.as_slice(), &sealed].concat()))
    }

    /// The code to answer a retry with, for the row of `number` found under this key: 422
    /// for another request, 409 when the answer is no longer kept (at `now`, unix seconds).
    pub fn replay(&self, number: &str, kept: &Kept, now: i64) -> Result<String, ApiError> {
        match kept.fingerprint.as_deref() {
            Some(f) if f == self.fingerprint => {}
            Some(_) => return Err(ApiError::KeyReused),
            None => return Err(ApiError::KeyExpired),
        }
        let Some(sealed) = kept
            .sealed_code
            .as_deref()
            .filter(|_| now - kept.stored_at < REPLAY_SECS)
        else {
            return Err(ApiError::KeyExpired);
        };
        self.open(number, sealed)
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a sealed query code does not open")))
    }

    fn open(&self, number: &str, sealed: &str) -> Option<String> {
        let bytes = hex::decode(sealed).ok()?;
        let (nonce, sealed) = bytes.split_at_checked(12)?;
        let aad = self.aad(number);
        let code = self
            .cipher()
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: aad.as_bytes(),
                },
            )
            .ok()?;
        String::from_utf8(code).ok()
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(&self.seal_key))
    }

    fn aad(&self, number: &str) -> String {
        format!("{}:{number}", self.scope.table())
    }
}

/// What a row stores of its key.
pub fn key_hash(scope: Scope, key: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"onewindow idempotency-key v1\0");
    h.update(scope.name().as_bytes());
    h.update(b"\0");
    h.update(key.as_bytes());
    hex::encode(h.finalize())
}

/// A unique stand-in for the key hash of a request that came without a key.
pub fn unkeyed_hash() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    Ok(format!("none-{}", hex::encode(bytes)))
}

/// JSON with object keys sorted and no spaces: the same request, however it was written
/// (and whatever the order of a map's keys in memory), is the same text.
fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Clears the sealed codes older than `REPLAY_SECS` at `now` (unix seconds); how many.
pub async fn forget_answers(pool: &AnyPool, now: i64) -> Result<u64, sqlx::Error> {
    let mut forgotten = 0;
    for scope in Scope::ALL {
        let sql = format!(
            "UPDATE {} SET sealed_code = NULL WHERE sealed_code IS NOT NULL AND submitted_at <= $1",
            scope.table()
        );
        forgotten += sqlx::query(&sql)
            .bind(now - REPLAY_SECS)
            .execute(pool)
            .await?
            .rows_affected();
    }
    Ok(forgotten)
}

/// Replaces the keys that rows stored in plain before migration 0006 (which marked them
/// `legacy:`) by their hashes, so that the database no longer holds them and a retry with
/// one still finds its row (and gets 409: its answer was not kept). Safe to run at every
/// start and from several instances at once.
pub async fn hash_legacy_keys(pool: &AnyPool) -> Result<u64, sqlx::Error> {
    let mut hashed = 0;
    for scope in Scope::ALL {
        let table = scope.table();
        let legacy: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT idempotency_key_hash FROM {table} WHERE idempotency_key_hash LIKE 'legacy:%'"
        ))
        .fetch_all(pool)
        .await?;
        for marked in legacy {
            let key = marked.trim_start_matches("legacy:");
            hashed += sqlx::query(&format!(
                "UPDATE {table} SET idempotency_key_hash = $1 WHERE idempotency_key_hash = $2"
            ))
            .bind(key_hash(scope, key))
            .bind(&marked)
            .execute(pool)
            .await?
            .rows_affected();
        }
    }
    Ok(hashed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kept(k: &KeyedRequest, number: &str, code: &str) -> Kept {
        Kept {
            fingerprint: Some(k.fingerprint().to_string()),
            sealed_code: Some(k.seal(number, code).unwrap()),
            stored_at: 1_000,
        }
    }

    #[test]
    fn the_same_request_is_the_same_fingerprint_whatever_its_key_order() {
        let a = KeyedRequest::new(
            Scope::Case,
            "key-0001",
            &json!({"a": 1, "b": {"y": 2, "x": [1, "二"]}}),
        );
        let b = KeyedRequest::new(
            Scope::Case,
            "key-0001",
            &json!({"b": {"x": [1, "二"], "y": 2}, "a": 1}),
        );
        assert_eq!(a.unwrap().fingerprint(), b.unwrap().fingerprint());
        let c = KeyedRequest::new(Scope::Case, "key-0001", &json!({"a": 2})).unwrap();
        let d = KeyedRequest::new(Scope::Complaint, "key-0001", &json!({"a": 2})).unwrap();
        assert_ne!(
            c.fingerprint(),
            d.fingerprint(),
            "what the request is counts"
        );
        assert_ne!(c.key_hash(), d.key_hash());
        assert_eq!(c.key_hash().len(), 64);
        assert!(!c.key_hash().contains("key-0001"));
    }

    #[test]
    fn a_retry_opens_its_code_and_only_its_own() {
        let k = KeyedRequest::new(Scope::Case, "key-0001", &json!({"a": 1})).unwrap();
        let stored = kept(&k, "440113260213000011", "ABCDEF");
        assert!(!stored.sealed_code.as_deref().unwrap().contains("ABCDEF"));
        assert_eq!(
            k.replay("440113260213000011", &stored, 1_001).unwrap(),
            "ABCDEF"
        );
        // Another request under the key.
        let other = KeyedRequest::new(Scope::Case, "key-0001", &json!({"a": 2})).unwrap();
        assert!(matches!(
            other.replay("440113260213000011", &stored, 1_001),
            Err(ApiError::KeyReused)
        ));
        // Another key cannot open it, nor can the sealed code be moved to another row.
        let thief = KeyedRequest::new(Scope::Case, "key-0002", &json!({"a": 1})).unwrap();
        assert!(thief
            .open("440113260213000011", stored.sealed_code.as_deref().unwrap())
            .is_none());
        assert!(k.replay("440113260213000029", &stored, 1_001).is_err());
    }

    #[test]
    fn answers_expire() {
        let k = KeyedRequest::new(Scope::Complaint, "key-0001", &json!({})).unwrap();
        let stored = kept(&k, "440113260213000011", "ABCDEF");
        assert!(matches!(
            k.replay("440113260213000011", &stored, 1_000 + REPLAY_SECS),
            Err(ApiError::KeyExpired)
        ));
        let forgotten = Kept {
            sealed_code: None,
            ..stored.clone()
        };
        assert!(matches!(
            k.replay("440113260213000011", &forgotten, 1_001),
            Err(ApiError::KeyExpired)
        ));
        let legacy = Kept::default();
        assert!(matches!(
            k.replay("440113260213000011", &legacy, 1_001),
            Err(ApiError::KeyExpired)
        ));
    }

    #[test]
    fn unkeyed_hashes_are_unique() {
        assert_ne!(unkeyed_hash().unwrap(), unkeyed_hash().unwrap());
    }
}
