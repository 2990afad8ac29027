//! What the server loaded for the page it rendered (`crate::ssr`), handed to the browser's
//! first render: the bundle then takes over the page with the same content, and asks the
//! API for nothing the server already read. That matters beyond speed: a case or complaint
//! lookup counts at the gate, and must count once.
//!
//! The server writes the data into the page as `<script type="application/json"
//! id="page-data">` (inert: no script runs, nothing for the CSP to allow), keyed by the API
//! path the bundle would have asked (`key`). A key is taken once, by the first render that
//! asks for it; later renders (a language change, a retry, another page) fetch.

use std::cell::RefCell;
use std::collections::HashMap;

use api_client::{ClientError, ErrorBody};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The id of the element holding the page's data.
pub const ELEMENT_ID: &str = "page-data";

/// What the API would have answered: a value, or an error status with its body.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Ok(serde_json::Value),
    Err { status: u16, body: ErrorBody },
}

/// A rendered page's data: the language it was rendered in and the answers it used.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PageData {
    pub locale: String,
    pub answers: HashMap<String, Answer>,
}

impl PageData {
    pub fn new(locale: &str) -> PageData {
        PageData {
            locale: locale.to_string(),
            answers: HashMap::new(),
        }
    }

    /// Records what the API answers at `key`.
    pub fn answer<T: Serialize>(&mut self, key: String, answer: Result<T, (u16, ErrorBody)>) {
        let answer = match answer {
            Ok(value) => match serde_json::to_value(value) {
                Ok(v) => Answer::Ok(v),
                Err(_) => return,
            },
            Err((status, body)) => Answer::Err { status, body },
        };
        self.answers.insert(key, answer);
    }

    /// The data as the content of its `<script type="application/json">`.
    pub fn to_script_text(&self) -> String {
        script_json(self)
    }
}

/// `value` as JSON for the content of a `<script>` data block (`application/json`,
/// `application/ld+json`): `<`, `>` and `&` are escaped, so that no text in it (a
/// complaint's description, a guide's name) can close the element.
pub fn script_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The first value of the field `name` of a form the server was sent (name, value pairs
/// as decoded), which it gives back with the page (`key::RATING_FORM`, `key::TRACK_FORM`).
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

thread_local! {
    static DATA: RefCell<Option<PageData>> = const { RefCell::new(None) };
}

/// Holds `data` for the render about to run (the server, around one synchronous render;
/// the browser, at boot).
pub fn hold(data: PageData) {
    DATA.with(|d| *d.borrow_mut() = Some(data));
}

/// Forgets whatever was held: nothing of one request reaches the next render.
pub fn clear() {
    DATA.with(|d| *d.borrow_mut() = None);
}

/// The language the page was rendered in, if it came from the server.
pub fn locale() -> Option<String> {
    DATA.with(|d| d.borrow().as_ref().map(|d| d.locale.clone()))
}

/// The server's answer at `key`, once.
pub fn take<T: DeserializeOwned>(key: &str) -> Option<Result<T, ClientError>> {
    let answer = DATA.with(|d| d.borrow_mut().as_mut()?.answers.remove(key))?;
    Some(match answer {
        Answer::Ok(value) => {
            serde_json::from_value(value).map_err(|e| ClientError::Decode(e.to_string()))
        }
        Answer::Err { status, body } => Err(ClientError::Api { status, body }),
    })
}

/// Reads the page's data from the document at boot; whether the server rendered the page.
#[cfg(target_arch = "wasm32")]
pub fn read_from_document() -> bool {
    let text = leptos::prelude::document()
        .get_element_by_id(ELEMENT_ID)
        .and_then(|el| el.text_content());
    match text.and_then(|t| serde_json::from_str::<PageData>(&t).ok()) {
        Some(data) => {
            hold(data);
            true
        }
        None => false,
    }
}

/// The keys: the API's paths, as `api_client::ApiClient` asks them (less the language,
/// which is the page's).
pub mod key {
    use api_client::ServiceQuery;

    pub fn services(query: &ServiceQuery) -> String {
        format!("services?{}", query.to_query_string())
    }

    pub fn service(code: &str) -> String {
        format!("services/{code}")
    }

    pub fn departments() -> String {
        "departments".into()
    }

    pub fn topics() -> String {
        "topics".into()
    }

    pub fn case(number: &str) -> String {
        format!("cases/{number}")
    }

    pub fn complaint(number: &str) -> String {
        format!("complaints/{number}")
    }

    /// A rating form the server was sent and gave back: what was in it, and why the API
    /// refused it (`crate::pages::case_rating::RatingDraft`).
    pub const RATING_FORM: &str = "form/rating";

    /// A lookup by mobile number the server was sent (`crate::pages::track::TrackDraft`).
    pub const TRACK_FORM: &str = "form/track";

    /// What the API answered that lookup: the case, or why not.
    pub const TRACK_FOUND: &str = "form/track-found";

    /// Why the API refused a withdrawal the server was sent (an error answer).
    pub const WITHDRAW_FORM: &str = "form/withdraw";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_text_cannot_close_its_element() {
        let mut data = PageData::new("zh-Hans");
        data.answer::<&str>("x".into(), Ok("</script><script>alert(1)</script>&"));
        let text = data.to_script_text();
        assert!(!text.contains('<') && !text.contains('>'));
        hold(serde_json::from_str(&text).unwrap());
        let back: String = take("x").unwrap().unwrap();
        assert_eq!(back, "</script><script>alert(1)</script>&");
        assert!(take::<String>("x").is_none(), "an answer is taken once");
        clear();
    }
}
