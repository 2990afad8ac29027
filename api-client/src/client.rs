//! A typed client for the API. On wasm it uses the browser's fetch (gloo-net); natively it
//! uses reqwest (feature `native`). Both map responses the same way: 2xx → the type, any
//! other status → `ClientError::Api` carrying the API's error body.

use serde::de::DeserializeOwned;

use crate::{
    ApplicationCreated, ApplicationRequest, CaseView, ComplaintCreated, ComplaintRequest,
    ComplaintView, Department, ErrorBody, FormDefinition, HandlingRatingRequest, Language,
    PublicConfig, RatingRequest, RatingView, Receipt, SatisfactionStats, ServiceGuide, ServicePage,
    ServiceQuery, SupplementReply, Topic, VisitRated, VisitRatingRequest, VisitStarted, API_PREFIX,
};

#[derive(Clone, Debug, PartialEq)]
pub enum ClientError {
    /// The server could not be reached (offline, DNS, refused, aborted).
    Network(String),
    /// The server answered with an error status.
    Api { status: u16, body: ErrorBody },
    /// The server answered something that is not the expected JSON.
    Decode(String),
}

impl ClientError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Network(e) => write!(f, "network error: {e}"),
            ClientError::Api { status, body } => write!(f, "HTTP {status}: {}", body.error.message),
            ClientError::Decode(e) => write!(f, "unexpected response: {e}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// The API at `base` (an origin such as `http://127.0.0.1:8080`, or `""` for same-origin in a browser).
#[derive(Clone, Debug)]
pub struct ApiClient {
    base: String,
    /// Told after every request whether the server answered at all.
    on_reach: Option<fn(bool)>,
    /// The language catalogue texts, receipts, cases and complaints are asked for in
    /// (`?lang=`); without it the server goes by `Accept-Language`.
    language: Option<Language>,
}

impl ApiClient {
    pub fn new(base: impl Into<String>) -> Self {
        let base = base.into().trim_end_matches('/').to_string();
        ApiClient {
            base,
            on_reach: None,
            language: None,
        }
    }

    /// Asks for the catalogue's texts (services, departments, topics, forms), and receipts,
    /// cases and complaints as their readers see them, in `language`.
    pub fn language(mut self, language: Language) -> Self {
        self.language = Some(language);
        self
    }

    /// `path` with this client's `?lang=`, when it has one.
    pub(crate) fn in_language(&self, path: &str) -> String {
        match self.language {
            None => path.to_string(),
            Some(l) => {
                let joint = if path.contains('?') { '&' } else { '?' };
                format!("{path}{joint}{}={}", crate::language::LANG_PARAM, l.tag())
            }
        }
    }

    /// Calls `note(true)` after each request the server answered (whatever the status) and
    /// `note(false)` after each that did not reach it: how a page knows the API is down.
    pub fn on_reach(mut self, note: fn(bool)) -> Self {
        self.on_reach = Some(note);
        self
    }

    fn reached<T>(&self, sent: Result<T, ClientError>) -> Result<T, ClientError> {
        if let Some(note) = self.on_reach {
            note(!matches!(sent, Err(ClientError::Network(_))));
        }
        sent
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{API_PREFIX}{path}", self.base)
    }

    pub async fn services(&self, query: &ServiceQuery) -> Result<ServicePage, ClientError> {
        let qs = query.to_query_string();
        let path = if qs.is_empty() {
            "/services".to_string()
        } else {
            format!("/services?{qs}")
        };
        self.get(&self.in_language(&path)).await
    }

    pub async fn service(&self, code: &str) -> Result<ServiceGuide, ClientError> {
        let path = format!("/services/{}", crate::query::encode(code));
        self.get(&self.in_language(&path)).await
    }

    pub async fn departments(&self) -> Result<Vec<Department>, ClientError> {
        self.get(&self.in_language("/departments")).await
    }

    pub async fn topics(&self) -> Result<Vec<Topic>, ClientError> {
        self.get(&self.in_language("/topics")).await
    }

    pub async fn config(&self) -> Result<PublicConfig, ClientError> {
        self.get("/config").await
    }

    pub async fn form(&self, code: &str) -> Result<FormDefinition, ClientError> {
        let path = format!("/services/{}/form", crate::query::encode(code));
        self.get(&self.in_language(&path)).await
    }

    /// Submits an application. The same `idempotency_key` always yields the same case, so a
    /// retry after a lost answer is safe.
    pub async fn submit(
        &self,
        req: &ApplicationRequest,
        idempotency_key: &str,
    ) -> Result<ApplicationCreated, ClientError> {
        let body = serde_json::to_string(req).map_err(|e| ClientError::Decode(e.to_string()))?;
        let (status, text) = self.reached(
            transport::post_json(
                &self.url("/applications"),
                &body,
                &[("Idempotency-Key", idempotency_key)],
            )
            .await,
        )?;
        decode(status, &text)
    }

    /// The receipt of a submitted application, by its number and query code.
    pub async fn receipt(&self, number: &str, code: &str) -> Result<Receipt, ClientError> {
        self.get(&self.in_language(&one_of("/applications", number, "", ("c", code))))
            .await
    }

    /// A case's progress, by its number and query code. An unknown number and a wrong code
    /// are the same 404; repeated failures get 429.
    pub async fn case(&self, number: &str, code: &str) -> Result<CaseView, ClientError> {
        self.get(&self.in_language(&one_of("/cases", number, "", ("c", code))))
            .await
    }

    /// Withdraws a case before its decision; the case as it is afterwards.
    pub async fn withdraw(&self, number: &str, code: &str) -> Result<CaseView, ClientError> {
        let url = self.url(&self.in_language(&one_of("/cases", number, "/withdraw", ("c", code))));
        let (status, text) = self.reached(transport::post_json(&url, "{}", &[]).await)?;
        decode(status, &text)
    }

    /// Sends the files a supplement request asks for (upload ids per item); the case as it
    /// is afterwards.
    pub async fn reply_supplement(
        &self,
        number: &str,
        code: &str,
        reply: &SupplementReply,
    ) -> Result<CaseView, ClientError> {
        let body = serde_json::to_string(reply).map_err(|e| ClientError::Decode(e.to_string()))?;
        let url =
            self.url(&self.in_language(&one_of("/cases", number, "/supplement", ("c", code))));
        let (status, text) = self.reached(transport::post_json(&url, &body, &[]).await)?;
        decode(status, &text)
    }

    /// Files a complaint. The same `idempotency_key` always yields the same complaint.
    pub async fn submit_complaint(
        &self,
        req: &ComplaintRequest,
        idempotency_key: &str,
    ) -> Result<ComplaintCreated, ClientError> {
        self.post("/complaints", req, &[("Idempotency-Key", idempotency_key)])
            .await
    }

    /// A complaint as its complainant follows it, by its number and code (an unknown number
    /// and a wrong code are the same 404).
    pub async fn complaint(&self, number: &str, code: &str) -> Result<ComplaintView, ClientError> {
        self.get(&self.in_language(&one_of("/complaints", number, "", ("c", code))))
            .await
    }

    /// Rates how a complaint was handled (once, after a reply); the complaint afterwards.
    pub async fn rate_complaint(
        &self,
        number: &str,
        code: &str,
        req: &HandlingRatingRequest,
    ) -> Result<ComplaintView, ClientError> {
        let path = self.in_language(&one_of("/complaints", number, "/rating", ("c", code)));
        self.post(&path, req, &[]).await
    }

    /// Rates a completed case (once); 409 before completion and for a second rating.
    pub async fn rate_case(
        &self,
        number: &str,
        req: &RatingRequest,
    ) -> Result<RatingView, ClientError> {
        self.post(
            &format!("/cases/{}/rating", crate::query::encode(number)),
            req,
            &[],
        )
        .await
    }

    /// Starts a visitor's session at this kiosk (the browser sends its device cookie).
    pub async fn start_visit(&self) -> Result<VisitStarted, ClientError> {
        self.post("/kiosk/visits", &serde_json::json!({}), &[])
            .await
    }

    /// The kiosk's rating of a visit (一次一评), for the visit `start_visit` gave.
    pub async fn rate_visit(&self, req: &VisitRatingRequest) -> Result<VisitRated, ClientError> {
        self.post("/visit-ratings", req, &[]).await
    }

    /// This kiosk's configuration (`bundles::KIOSK_CONFIG_PATH`, beside the kiosk, not
    /// under `/api/v1`).
    pub async fn kiosk_config(&self) -> Result<crate::KioskConfig, ClientError> {
        let url = format!("{}{}", self.base, crate::bundles::KIOSK_CONFIG_PATH);
        let (status, text) = self.reached(transport::get(&url).await)?;
        decode(status, &text)
    }

    /// Satisfaction per department over `from`..=`to` (`YYYY-MM-DD`, either may be empty).
    pub async fn satisfaction(
        &self,
        department: &str,
        from: &str,
        to: &str,
    ) -> Result<SatisfactionStats, ClientError> {
        let e = crate::query::encode;
        self.get(&format!(
            "/stats/satisfaction?department={}&from={}&to={}",
            e(department),
            e(from),
            e(to)
        ))
        .await
    }

    /// POST a JSON body to an API path (relative to `/api/v1`) and decode the JSON answer.
    pub async fn post<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        headers: &[(&str, &str)],
    ) -> Result<T, ClientError> {
        let body = serde_json::to_string(body).map_err(|e| ClientError::Decode(e.to_string()))?;
        let (status, text) =
            self.reached(transport::post_json(&self.url(path), &body, headers).await)?;
        decode(status, &text)
    }

    /// GET an API path (relative to `/api/v1`) and decode the JSON answer.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let (status, text) = self.reached(transport::get(&self.url(path)).await)?;
        decode(status, &text)
    }
}

/// The path of one numbered thing (`/cases/{number}`), then `rest`, with one query parameter;
/// number and value percent-encoded.
fn one_of(things: &str, number: &str, rest: &str, (key, value): (&str, &str)) -> String {
    let e = crate::query::encode;
    format!("{things}/{}{rest}?{key}={}", e(number), e(value))
}

fn decode<T: DeserializeOwned>(status: u16, text: &str) -> Result<T, ClientError> {
    if (200..300).contains(&status) {
        serde_json::from_str(text).map_err(|e| ClientError::Decode(e.to_string()))
    } else {
        match serde_json::from_str::<ErrorBody>(text) {
            Ok(body) => Err(ClientError::Api { status, body }),
            Err(_) => Err(ClientError::Decode(format!(
                "HTTP {status} without an error body"
            ))),
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod transport {
    use super::ClientError;

    pub async fn get(url: &str) -> Result<(u16, String), ClientError> {
        let resp = gloo_net::http::Request::get(url)
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        let text = resp
            .text()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        Ok((resp.status(), text))
    }

    pub async fn post_json(
        url: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> Result<(u16, String), ClientError> {
        let mut req = gloo_net::http::Request::post(url)
            .header("Accept", "application/json")
            .header("Content-Type", "application/json");
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let resp = req
            .body(body.to_string())
            .map_err(|e| ClientError::Network(e.to_string()))?
            .send()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        let text = resp
            .text()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        Ok((resp.status(), text))
    }
}

#[cfg(all(not(target_arch = "wasm32"), feature = "native"))]
mod transport {
    use super::ClientError;
    use std::sync::OnceLock;

    fn http() -> &'static reqwest::Client {
        static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
        CLIENT.get_or_init(reqwest::Client::new)
    }

    pub async fn get(url: &str) -> Result<(u16, String), ClientError> {
        let resp = http()
            .get(url)
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        let status = resp.status().as_u16();
        let text = resp
            .text()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        Ok((status, text))
    }

    pub async fn post_json(
        url: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> Result<(u16, String), ClientError> {
        let mut req = http()
            .post(url)
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .body(body.to_string());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        let status = resp.status().as_u16();
        let text = resp
            .text()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        Ok((status, text))
    }
}

#[cfg(all(not(target_arch = "wasm32"), not(feature = "native")))]
mod transport {
    use super::ClientError;

    /// Without a transport the types are still usable (the server needs only them).
    pub async fn get(_url: &str) -> Result<(u16, String), ClientError> {
        Err(ClientError::Network(
            "api-client built without the `native` feature".into(),
        ))
    }

    pub async fn post_json(
        _url: &str,
        _body: &str,
        _headers: &[(&str, &str)],
    ) -> Result<(u16, String), ClientError> {
        Err(ClientError::Network(
            "api-client built without the `native` feature".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_status_decodes_the_error_body() {
        let body = r#"{"error":{"code":"not_found","message":"no such service","fields":[]}}"#;
        let err = decode::<ServiceGuide>(404, body).unwrap_err();
        assert!(err.is_not_found());
        assert!(matches!(
            decode::<ServiceGuide>(502, "<html>"),
            Err(ClientError::Decode(_))
        ));
    }

    #[test]
    fn numbered_paths_encode_number_and_value() {
        assert_eq!(
            one_of("/cases", "440113 X", "/withdraw", ("c", "a&b")),
            "/cases/440113%20X/withdraw?c=a%26b"
        );
        assert_eq!(
            one_of("/cases", "1", "", ("mobile", "138")),
            "/cases/1?mobile=138"
        );
    }

    #[test]
    fn catalogue_paths_carry_the_language_when_one_is_set() {
        let plain = ApiClient::new("");
        assert_eq!(plain.in_language("/topics"), "/topics");
        let hant = ApiClient::new("").language(Language::ZhHant);
        assert_eq!(hant.in_language("/topics"), "/topics?lang=zh-Hant");
        assert_eq!(
            hant.in_language("/services?q=%E5%B1%85"),
            "/services?q=%E5%B1%85&lang=zh-Hant"
        );
    }
}
