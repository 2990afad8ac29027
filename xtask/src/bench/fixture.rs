//! What the submission and lookup benchmarks submit: a catalogue of one service that takes
//! applications without required materials, the application, many clients sending it, and
//! the check character of acceptance numbers.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use reqwest::blocking::Client;
use serde_json::{json, Value};

use super::server::import_catalogue;
use crate::util::Ctx;

/// The names that tell one benchmark's service from another's.
pub struct Service {
    pub code: &'static str,
    pub department: &'static str,
    pub topic: &'static str,
    pub name: &'static str,
    pub result: &'static str,
    pub promised_days: u32,
}

/// One department, one topic and one service taken fully online without required materials.
pub fn catalogue(s: &Service) -> Value {
    json!({
        "departments": [{"code": "bench", "name": s.department}],
        "topics": [{"code": "bench_topic", "name": s.topic, "audience": "individual"}],
        "services": [{
            "code": s.code,
            "name": s.name,
            "kind": "public_service",
            "department": "bench",
            "audience": ["individual"],
            "topics": ["bench_topic"],
            "legal_basis": [{"law": "《基准测试规则》", "article": "第一条"}],
            "conditions": ["无。"],
            "materials": [{"id": "photo", "name": "照片", "form": "electronic", "copies": 1, "requirement": "optional", "source": "申请人自备"}],
            "steps": [{"name": "受理", "description": "网上受理。"}],
            "statutory_limit": {"value": 20, "unit": "working_days"},
            "promised_limit": {"value": s.promised_days, "unit": "working_days"},
            "handling_type": "promised",
            "fees": {"free": true, "items": []},
            "location": "网上办理",
            "hours": "全天",
            "consult_phone": "12345",
            "complaint_channel": "12345",
            "online_depth": 4,
            "visits": 0,
            "supports": {"appointment": false, "payment": false, "delivery": false, "kiosk": false},
            "result": {"name": s.result}
        }]
    })
}

/// Writes `catalogue(service)` to `DIR/FILE` and imports it with the demo holiday calendar
/// (`import_catalogue` with `envs`).
pub fn import(
    ctx: &Ctx,
    bin: &Path,
    dir: &Path,
    envs: &[(&str, &str)],
    service: &Service,
    file: &str,
) -> Result<()> {
    let path = dir.join(file);
    std::fs::write(&path, serde_json::to_vec(&catalogue(service))?)?;
    let calendar = ctx.root.join("catalogue/demo/01-calendar-2026.json");
    import_catalogue(ctx, bin, dir, envs, &[&path, &calendar], "service")?;
    Ok(())
}

/// The body of an application for `service`, as JSON text.
pub fn application(service: &str) -> Result<String> {
    Ok(serde_json::to_string(&json!({
        "service_code": service,
        "applicant": {"type": "individual", "name": "张三丰", "id_type": "resident_id",
                      "id_number": "11010519491231002X", "mobile": "13800138000"},
        "answers": {},
        "materials": {}
    }))?)
}

/// A keep-alive client for one submitting thread.
pub fn client() -> Result<Client> {
    Ok(Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(1)
        .build()?)
}

/// POSTs one application with its idempotency key; the server's answer (201 only).
pub fn submit(client: &Client, url: &str, body: &str, key: &str) -> Result<Value> {
    let resp = client
        .post(url)
        .header("Idempotency-Key", key)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .with_context(|| format!("POST {url}"))?;
    let status = resp.status();
    let text = resp.text()?;
    if status.as_u16() != 201 {
        bail!("POST {url}: {status}: {text}");
    }
    Ok(serde_json::from_str(&text)?)
}

/// Runs `f(client, i)` for every `i` in `0..count` from `clients` threads, each with its own
/// `client()`; the results in the order they came. The first error stops every thread.
pub fn from_clients<T: Send>(
    clients: usize,
    count: usize,
    f: impl Fn(&Client, usize) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<T>> = Mutex::new(Vec::with_capacity(count));
    let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..clients {
            s.spawn(|| {
                let client = match client() {
                    Ok(c) => c,
                    Err(e) => {
                        failure.lock().unwrap().get_or_insert(e);
                        return;
                    }
                };
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count || failure.lock().unwrap().is_some() {
                        break;
                    }
                    match f(&client, i) {
                        Ok(r) => results.lock().unwrap().push(r),
                        Err(e) => {
                            failure.lock().unwrap().get_or_insert(e);
                            break;
                        }
                    }
                }
            });
        }
    });
    match failure.into_inner().unwrap() {
        Some(e) => Err(e),
        None => Ok(results.into_inner().unwrap()),
    }
}

/// The ISO 7064 MOD 11-2 check character of a string of digits (None if one is not).
pub fn check_character(digits: &str) -> Option<char> {
    let mut sum = 0u32;
    for c in digits.chars() {
        sum = (sum * 2 + c.to_digit(10)?) % 11;
    }
    Some(match (12 - (sum * 2) % 11) % 11 {
        10 => 'X',
        c => char::from_digit(c, 10).expect("below 10"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_characters() {
        // The resident ID of GB 11643's example uses the same MOD 11-2.
        assert_eq!(check_character("11010519491231002"), Some('X'));
        assert_eq!(check_character("1101051949123100"), Some('2'));
        assert_eq!(check_character("1a"), None);
    }
}
