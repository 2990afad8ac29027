//! The OpenAPI document against the real `server` binary, on SQLite and PostgreSQL: every
//! answer of a scenario that calls every documented operation is validated (a JSON Schema
//! 2020-12 validator, `jsonschema`) against the schema the document gives for its status,
//! and every 2xx answer the document describes is met at least once; the bodies the server
//! took validate against the documented request schemas; the constraints the validators
//! hold requests to are in the document (from their constants), and a request that breaks
//! one of them, per the document, is refused with 400.

use std::collections::BTreeSet;
use std::sync::Mutex;

use crate::support::{bad_fields, new_key, test_service, Backend, TestServer};
use api_client::complaints::MAX_DESCRIPTION_CHARS;
use api_client::ratings::{FAULT_TAGS, MAX_LEVEL, MIN_LEVEL, PRAISE_TAGS};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

backend_tests!(
    worker_threads = 4;
    every_answer_matches_its_documented_schema,
    documented_constraints_are_there_and_enforced,
);

const SERVICE: &str = "TEST-OAS-001";
const DEPT: &str = "toa";

fn catalogue() -> Value {
    let mut service = test_service(SERVICE, "测试文档事项", DEPT, "toa_topic");
    service["form"] = json!({"sections": [{"id": "basic", "title": "基本信息", "fields": [
        {"id": "entrusted", "type": "boolean", "label": "是否委托", "required": true},
        {"id": "agent", "type": "text", "label": "代理人", "required": true, "max": 20,
         "visible_if": {"field": "entrusted", "equals": true}},
        {"id": "kind", "type": "choice", "label": "类别", "required": false,
         "options": [{"value": "a", "label": "甲"}, {"value": "b", "label": "乙"}]},
        {"id": "note", "type": "textarea", "label": "说明", "required": false,
         "visible_if": {"field": "kind", "equals": "b"}},
    ]}]});
    json!({
        "departments": [{"code": DEPT, "name": "测试文档局", "phone": "020-12345678"}],
        "topics": [{"code": "toa_topic", "name": "测试主题", "audience": "individual"}],
        "services": [service],
    })
}

/// The served document, and the (method, path, status) answers validated against it.
struct Doc {
    doc: Value,
    seen: Mutex<BTreeSet<(String, String, u16)>>,
}

/// A validator of `schema`, whose `$ref`s point into `doc`'s components.
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = schema.clone();
    let map = root.as_object_mut().expect("a schema object");
    map.insert("components".into(), doc["components"].clone());
    map.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("{schema}: {e}"))
}

/// The problems of `instance` against `schema`, as `path: message`.
fn problems(doc: &Value, schema: &Value, instance: &Value) -> Vec<String> {
    validator(doc, schema)
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

impl Doc {
    async fn fetch(server: &TestServer) -> Doc {
        let (status, doc) = server.get_json("/api/v1/openapi.json").await;
        assert_eq!(status, StatusCode::OK);
        Doc {
            doc,
            seen: Mutex::new(BTreeSet::new()),
        }
    }

    fn operation(&self, method: &Method, template: &str) -> &Value {
        let op = &self.doc["paths"][template][method.as_str().to_lowercase()];
        assert!(op.is_object(), "{method} {template} is not documented");
        op
    }

    /// The documented parameter `name` in `place` of an operation.
    fn parameter(&self, method: &Method, template: &str, place: &str, name: &str) -> &Value {
        self.operation(method, template)["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["in"] == place && p["name"] == name))
            .unwrap_or_else(|| panic!("{method} {template} documents no {place} parameter {name}"))
    }

    fn request_schema(&self, method: &Method, template: &str) -> &Value {
        &self.operation(method, template)["requestBody"]["content"]["application/json"]["schema"]
    }

    /// Validates an answer against the schema documented for its status (which must be).
    fn answer(&self, method: &Method, template: &str, status: StatusCode, body: &Value) {
        let response = &self.operation(method, template)["responses"][status.as_str()];
        assert!(
            response.is_object(),
            "{method} {template} answered {status}, which the document does not list: {body}"
        );
        let schema = &response["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {template} {status}: no JSON schema"
        );
        let found = problems(&self.doc, schema, body);
        assert!(
            found.is_empty(),
            "{method} {template} {status} does not match its schema: {found:#?}\n{body:.2000}"
        );
        self.seen.lock().unwrap().insert((
            method.as_str().to_lowercase(),
            template.to_string(),
            status.as_u16(),
        ));
    }

    /// Sends a request (`path` is `template` filled in, with any query), validates the
    /// answer, and, when the server took the body, the body against the request schema.
    async fn call(
        &self,
        server: &TestServer,
        method: Method,
        template: &str,
        path: &str,
        body: Option<&Value>,
        token: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut req = server
            .http
            .request(method.clone(), server.url(&format!("/api/v1{path}")));
        if let Some(body) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        let op = self.operation(&method, template);
        let keyed = op["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key"));
        if keyed {
            req = req.header("Idempotency-Key", new_key("oas"));
        }
        // A kiosk's device token travels as its cookie, a staff token as a bearer.
        match token {
            Some(t) if t.starts_with("owk_") => req = req.header("Cookie", format!("ow_kiosk={t}")),
            Some(t) => req = req.bearer_auth(t),
            None => {}
        }
        let (status, value, _) = server.send(req).await;
        self.answer(&method, template, status, &value);
        if let (Some(body), true) = (body, status.is_success()) {
            let found = problems(&self.doc, self.request_schema(&method, template), body);
            assert!(
                found.is_empty(),
                "{method} {template}: the server took a body the document refuses: {found:#?}\n{body}"
            );
        }
        (status, value)
    }

    /// Sends a GET whose 200 is a file (`path` is `template` filled in): the answer's status
    /// and type must be documented; the error answers are JSON as ever.
    async fn file(&self, server: &TestServer, template: &str, path: &str, token: Option<&str>) {
        let mut req = server.http.get(server.url(&format!("/api/v1{path}")));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        assert_eq!(status, StatusCode::OK, "GET {path}");
        let media_type = resp.headers()["content-type"].to_str().unwrap().to_string();
        let response = &self.operation(&Method::GET, template)["responses"]["200"];
        assert!(
            response["content"][&media_type].is_object(),
            "GET {template} answered {media_type}, which the document does not list"
        );
        self.seen
            .lock()
            .unwrap()
            .insert(("get".into(), template.to_string(), 200));
    }

    /// Every 2xx answer the document describes, as (method, path, status), not yet met.
    fn unmet(&self) -> Vec<(String, String, u16)> {
        let seen = self.seen.lock().unwrap();
        let mut out = Vec::new();
        for (path, item) in self.doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for status in op["responses"].as_object().unwrap().keys() {
                    let Ok(code) = status.parse::<u16>() else {
                        continue;
                    };
                    let key = (method.clone(), path.clone(), code);
                    if (200..300).contains(&code) && !seen.contains(&key) {
                        out.push(key);
                    }
                }
            }
        }
        out
    }
}

fn application(answers: Value, materials: Value) -> Value {
    json!({
        "service_code": SERVICE,
        "applicant": {"type": "individual", "name": "张三丰", "id_type": "resident_id", "id_number": "11010519491231002X", "mobile": "13800138000"},
        "answers": answers,
        "materials": materials
    })
}

async fn every_answer_matches_its_documented_schema(backend: Backend) {
    let server = start_on!(backend, catalogue());
    let doc = Doc::fetch(&server).await;
    let token = server.staff_token("oas", DEPT).await;
    let staff = Some(token.as_str());
    use Method as M;

    // The catalogue.
    for (template, path) in [
        ("/services", "/services".to_string()),
        ("/services", "/services?q=测试&per_page=5".into()),
        ("/services/{code}", format!("/services/{SERVICE}")),
        ("/services/{code}", "/services/NO-SUCH".into()),
        ("/departments", "/departments".into()),
        ("/topics", "/topics".into()),
        ("/config", "/config".into()),
        ("/services/{code}/form", format!("/services/{SERVICE}/form")),
    ] {
        doc.call(&server, M::GET, template, &path, None, None).await;
    }
    let (_, bad) = doc
        .call(
            &server,
            M::GET,
            "/services",
            "/services?per_page=0",
            None,
            None,
        )
        .await;
    assert!(!bad_fields(&bad).is_empty());

    // An upload, and applications.
    let boundary = "----oas-boundary";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").into_bytes();
    body.extend_from_slice(
        b"%PDF-1.4\n% oas\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    );
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = server
        .http
        .post(server.url("/api/v1/uploads"))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    let (status, uploaded, _) = server.send(req).await;
    doc.answer(&M::POST, "/uploads", status, &uploaded);
    let photo = uploaded["id"].as_str().unwrap().to_string();

    let app = |answers: Value, materials: Value| application(answers, materials);
    let mut cases = Vec::new();
    for (answers, materials) in [
        (
            json!({"entrusted": true, "agent": "李四", "kind": "b", "note": "第一行\n第二行"}),
            json!({"photo": [photo]}),
        ),
        (json!({"entrusted": false}), json!({})),
        (json!({"entrusted": false, "kind": "a"}), json!({})),
        (json!({"entrusted": false}), json!({})),
    ] {
        let (status, created) = doc
            .call(
                &server,
                M::POST,
                "/applications",
                "/applications",
                Some(&app(answers, materials)),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        cases.push(created);
    }
    let (status, _) = doc
        .call(
            &server,
            M::POST,
            "/applications",
            "/applications",
            Some(&app(json!({}), json!({}))),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let n = |i: usize| cases[i]["acceptance_number"].as_str().unwrap().to_string();
    let c = |i: usize| cases[i]["query_code"].as_str().unwrap().to_string();

    // The file, to staff and to its applicant.
    doc.file(
        &server,
        "/staff/cases/{number}/files/{upload_id}",
        &format!("/staff/cases/{}/files/{photo}", n(0)),
        Some(&token),
    )
    .await;
    doc.file(
        &server,
        "/cases/{number}/files/{upload_id}",
        &format!("/cases/{}/files/{photo}?c={}", n(0), c(0)),
        None,
    )
    .await;
    let (status, _) = doc
        .call(
            &server,
            M::GET,
            "/staff/cases/{number}/files/{upload_id}",
            &format!("/staff/cases/{}/files/{}", n(1), "0".repeat(32)),
            None,
            Some(&token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The applicant's views.
    doc.call(
        &server,
        M::GET,
        "/applications/{number}",
        &format!("/applications/{}?c={}", n(0), c(0)),
        None,
        None,
    )
    .await;
    doc.call(
        &server,
        M::GET,
        "/cases/{number}",
        &format!("/cases/{}?c={}", n(0), c(0)),
        None,
        None,
    )
    .await;
    doc.call(
        &server,
        M::GET,
        "/cases/{number}",
        &format!("/cases/{}?c={}", n(0), crate::support::wrong_code(&c(0))),
        None,
        None,
    )
    .await;
    doc.call(
        &server,
        M::POST,
        "/cases/{number}/lookup",
        &format!("/cases/{}/lookup", n(0)),
        Some(&json!({"mobile": "138 0013 8000"})),
        None,
    )
    .await;

    // Staff: actions, the case, supervision; a supplement asked for and sent.
    let act = |i: usize| format!("/staff/cases/{}/actions", n(i));
    let t_act = "/staff/cases/{number}/actions";
    for body in [
        json!({"action": "accept"}),
        json!({"action": "request_supplement", "items": [{"material_id": "photo", "name": "近期证件照", "note": "请上传清晰照片"}, {"name": "情况说明", "note": ""}]}),
    ] {
        let (status, v) = doc
            .call(&server, M::POST, t_act, &act(0), Some(&body), staff)
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    doc.call(
        &server,
        M::GET,
        "/staff/cases/{number}",
        &format!("/staff/cases/{}", n(0)),
        None,
        staff,
    )
    .await;
    doc.call(
        &server,
        M::GET,
        "/cases/{number}",
        &format!("/cases/{}?c={}", n(0), c(0)),
        None,
        None,
    )
    .await;
    let second = server.upload_pdf("oas-2").await;
    let (status, v) = doc
        .call(
            &server,
            M::POST,
            "/cases/{number}/supplement",
            &format!("/cases/{}/supplement?c={}", n(0), c(0)),
            Some(&json!({"materials": {"photo": [server.upload_pdf("oas-3").await], "1": [second]}, "note": "已补交"})),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    for body in [
        json!({"action": "supplement_received"}),
        json!({"action": "review", "step": "初审", "opinion": "材料齐全"}),
        json!({"action": "approve", "opinion": "准予"}),
        json!({"action": "complete", "delivery": "window"}),
    ] {
        let (status, v) = doc
            .call(&server, M::POST, t_act, &act(0), Some(&body), staff)
            .await;
        assert_eq!(status, StatusCode::OK, "{body} → {v}");
    }
    let (status, v) = doc
        .call(
            &server,
            M::POST,
            t_act,
            &act(0),
            Some(&json!({"action": "accept"})),
            staff,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    doc.call(
        &server,
        M::GET,
        "/staff/overdue",
        "/staff/overdue",
        None,
        staff,
    )
    .await;
    let (status, v) = doc
        .call(
            &server,
            M::POST,
            "/cases/{number}/withdraw",
            &format!("/cases/{}/withdraw?c={}", n(1), c(1)),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");

    // Ratings: a poor one opens a rectification, staff answer it.
    let (status, v) = doc
        .call(&server, M::POST, "/cases/{number}/rating", &format!("/cases/{}/rating", n(0)), Some(&json!({"c": c(0), "level": 1, "tags": ["slow", "repeated_visits"], "comment": "跑了三次"})), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    doc.call(
        &server,
        M::GET,
        "/cases/{number}",
        &format!("/cases/{}?c={}", n(0), c(0)),
        None,
        None,
    )
    .await;
    doc.call(
        &server,
        M::GET,
        "/staff/rectifications",
        "/staff/rectifications",
        None,
        staff,
    )
    .await;
    let (status, v) = doc
        .call(
            &server,
            M::POST,
            "/staff/cases/{number}/rectification",
            &format!("/staff/cases/{}/rectification", n(0)),
            Some(&json!({"explanation": "情况属实", "action_taken": "已培训"})),
            staff,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    doc.call(
        &server,
        M::GET,
        "/cases/{number}",
        &format!("/cases/{}?c={}", n(0), c(0)),
        None,
        None,
    )
    .await;
    server.complete_case(&n(2)).await;
    let (status, v) = doc
        .call(
            &server,
            M::POST,
            "/cases/{number}/rating",
            &format!("/cases/{}/rating", n(2)),
            Some(&json!({"c": c(2), "level": 5, "tags": ["efficient"]})),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (_, kiosk) = server.kiosk("oas-kiosk").await;
    let (status, v) = doc
        .call(
            &server,
            M::POST,
            "/kiosk/visits",
            "/kiosk/visits",
            None,
            Some(&kiosk),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let visit = v["visit"].as_str().unwrap().to_string();
    let (status, v) = doc
        .call(
            &server,
            M::POST,
            "/visit-ratings",
            "/visit-ratings",
            Some(&json!({"visit": visit, "level": 4, "tags": ["friendly"]})),
            Some(&kiosk),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    doc.call(
        &server,
        M::GET,
        "/stats/satisfaction",
        "/stats/satisfaction",
        None,
        None,
    )
    .await;
    doc.call(
        &server,
        M::GET,
        "/stats/satisfaction",
        &format!("/stats/satisfaction?department={DEPT}&from=2020-01-01"),
        None,
        None,
    )
    .await;

    // Complaints: about a case (proven by its code), named; followed, handled, rated.
    let complaint = json!({
        "subject": {"type": "case", "ref": n(3), "code": c(3)},
        "category": "delay",
        "description": "超过承诺时限仍未办结。",
        "anonymous": false,
        "contact": {"name": "张三丰", "mobile": "13800138000"},
        "attachments": [server.upload_pdf("oas-4").await]
    });
    let (status, filed) = doc
        .call(
            &server,
            M::POST,
            "/complaints",
            "/complaints",
            Some(&complaint),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let anonymous = json!({"subject": {"type": "channel", "ref": "kiosk"}, "category": "other", "description": "自助机无法打印。", "anonymous": true});
    let (status, v) = doc
        .call(
            &server,
            M::POST,
            "/complaints",
            "/complaints",
            Some(&anonymous),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let cn = filed["complaint_number"].as_str().unwrap().to_string();
    let cc = filed["query_code"].as_str().unwrap().to_string();
    doc.call(
        &server,
        M::GET,
        "/complaints/{number}",
        &format!("/complaints/{cn}?c={cc}"),
        None,
        None,
    )
    .await;
    doc.call(
        &server,
        M::GET,
        "/staff/complaints",
        "/staff/complaints",
        None,
        staff,
    )
    .await;
    doc.call(
        &server,
        M::GET,
        "/staff/complaints",
        "/staff/complaints?status=received",
        None,
        staff,
    )
    .await;
    doc.call(
        &server,
        M::GET,
        "/staff/complaints/{number}",
        &format!("/staff/complaints/{cn}"),
        None,
        staff,
    )
    .await;
    let t_handle = "/staff/complaints/{number}/actions";
    for body in [
        json!({"action": "assign", "department": DEPT}),
        json!({"action": "reply", "text": "已督促办结，向您致歉。"}),
    ] {
        let (status, v) = doc
            .call(
                &server,
                M::POST,
                t_handle,
                &format!("/staff/complaints/{cn}/actions"),
                Some(&body),
                staff,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    let (status, v) = doc
        .call(
            &server,
            M::POST,
            "/complaints/{number}/rating",
            &format!("/complaints/{cn}/rating?c={cc}"),
            Some(&json!({"level": 5, "comment": "满意"})),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    doc.call(
        &server,
        M::GET,
        "/complaints/{number}",
        &format!("/complaints/{cn}?c={cc}"),
        None,
        None,
    )
    .await;
    doc.call(
        &server,
        M::GET,
        "/staff/complaints/{number}",
        &format!("/staff/complaints/{cn}"),
        None,
        staff,
    )
    .await;
    // Unauthorised and unknown answers are documented too.
    doc.call(
        &server,
        M::GET,
        "/staff/overdue",
        "/staff/overdue",
        None,
        None,
    )
    .await;

    let unmet = doc.unmet();
    assert!(
        unmet.is_empty(),
        "documented answers never validated: {unmet:?}"
    );
}

/// A request the document says is wrong: its body (`Body`) or one parameter (`Param`).
enum Broken {
    Body(Value),
    Param(&'static str, &'static str, String),
}

async fn documented_constraints_are_there_and_enforced(backend: Backend) {
    let server = start_on!(backend, catalogue());
    let doc = Doc::fetch(&server).await;
    let d = &doc.doc;
    let schema = |name: &str| &d["components"]["schemas"][name];

    // The constraints, from the validators' constants.
    let level = &schema("RatingRequest")["properties"]["level"];
    assert_eq!(level["minimum"], json!(MIN_LEVEL), "{level}");
    assert_eq!(level["maximum"], json!(MAX_LEVEL), "{level}");
    let all_tags: Vec<&str> = PRAISE_TAGS
        .iter()
        .chain(FAULT_TAGS.iter())
        .copied()
        .collect();
    assert_eq!(
        schema("RatingRequest")["properties"]["tags"]["items"]["enum"],
        json!(all_tags)
    );
    assert_eq!(
        schema("VisitRatingRequest")["properties"]["tags"]["items"]["enum"],
        json!(all_tags)
    );
    assert_eq!(
        schema("ComplaintRequest")["properties"]["description"]["maxLength"],
        json!(MAX_DESCRIPTION_CHARS)
    );
    let equals = &schema("VisibleIf")["properties"]["equals"];
    assert_eq!(equals["type"], json!(["string", "boolean"]), "{equals}");
    for (method, template) in [
        (Method::GET, "/cases/{number}"),
        (Method::GET, "/applications/{number}"),
        (Method::GET, "/complaints/{number}"),
        (Method::POST, "/staff/cases/{number}/actions"),
    ] {
        let p = doc.parameter(&method, template, "path", "number");
        assert!(p["schema"]["pattern"].is_string(), "{template}: {p}");
    }
    let c = doc.parameter(&Method::GET, "/cases/{number}", "query", "c");
    assert!(c["schema"]["pattern"].is_string(), "{c}");
    let key = doc.parameter(&Method::POST, "/applications", "header", "Idempotency-Key");
    assert_eq!(key["schema"]["minLength"], json!(8), "{key}");
    assert_eq!(key["schema"]["maxLength"], json!(100), "{key}");
    assert!(key["schema"]["pattern"].is_string(), "{key}");
    assert!(schema("ActionRequest")["properties"]["action"]["enum"].is_array());
    assert!(schema("FieldType")["enum"].is_array() || schema("FieldType")["oneOf"].is_array());

    // A case to aim at, staff and a kiosk.
    let token = server.staff_token("oas", DEPT).await;
    let staff = Some(token.as_str());
    let (_, kiosk) = server.kiosk("oas-kiosk").await;
    let (status, case) = doc
        .call(
            &server,
            Method::POST,
            "/applications",
            "/applications",
            Some(&application(json!({"entrusted": false}), json!({}))),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let n = case["acceptance_number"].as_str().unwrap().to_string();
    let code = case["query_code"].as_str().unwrap().to_string();
    let long = |n: usize| "字".repeat(n);
    let rating = |v: Value| {
        let mut body = json!({"c": code, "level": 5});
        body.as_object_mut()
            .unwrap()
            .extend(v.as_object().unwrap().clone());
        body
    };
    let complaint = |v: Value| {
        let mut body = json!({"subject": {"type": "channel", "ref": "portal"}, "category": "other", "description": "说明", "anonymous": true});
        body.as_object_mut()
            .unwrap()
            .extend(v.as_object().unwrap().clone());
        body
    };
    use Broken::{Body, Param};
    let cases: Vec<(Method, &str, String, Broken, bool)> = vec![
        (
            Method::POST,
            "/cases/{number}/rating",
            format!("/cases/{n}/rating"),
            Body(rating(json!({"level": 0}))),
            false,
        ),
        (
            Method::POST,
            "/cases/{number}/rating",
            format!("/cases/{n}/rating"),
            Body(rating(json!({"level": 6}))),
            false,
        ),
        (
            Method::POST,
            "/cases/{number}/rating",
            format!("/cases/{n}/rating"),
            Body(rating(json!({"tags": ["nope"]}))),
            false,
        ),
        (
            Method::POST,
            "/cases/{number}/rating",
            format!("/cases/{n}/rating"),
            Body(rating(json!({"comment": long(501)}))),
            false,
        ),
        (
            Method::POST,
            "/cases/{number}/rating",
            format!("/cases/{n}/rating"),
            Body(rating(json!({"c": "ABC"}))),
            false,
        ),
        (
            Method::POST,
            "/cases/{number}/rating",
            format!("/cases/{n}/rating"),
            Body(rating(json!({"comment": "坏\u{1b}"}))),
            false,
        ),
        (
            Method::POST,
            "/visit-ratings",
            "/visit-ratings".into(),
            Body(json!({"level": 9})),
            false,
        ),
        (
            Method::POST,
            "/complaints",
            "/complaints".into(),
            Body(complaint(
                json!({"description": long(MAX_DESCRIPTION_CHARS + 1)}),
            )),
            false,
        ),
        (
            Method::POST,
            "/complaints",
            "/complaints".into(),
            Body(complaint(json!({"description": "坏\u{0}"}))),
            false,
        ),
        (
            Method::POST,
            "/complaints",
            "/complaints".into(),
            Body(complaint(json!({"attachments": ["xyz"]}))),
            false,
        ),
        (
            Method::POST,
            "/complaints",
            "/complaints".into(),
            Body(complaint(
                json!({"anonymous": false, "contact": {"name": "张三", "mobile": "123"}}),
            )),
            false,
        ),
        (
            Method::POST,
            "/complaints",
            "/complaints".into(),
            Body(complaint(
                json!({"subject": {"type": "channel", "ref": long(101)}}),
            )),
            false,
        ),
        (
            Method::POST,
            "/applications",
            "/applications".into(),
            Body(application(
                json!({"entrusted": false}),
                json!({"photo": ["xyz"]}),
            )),
            false,
        ),
        (
            Method::POST,
            "/cases/{number}/lookup",
            format!("/cases/{n}/lookup"),
            Body(json!({"c": "ABC"})),
            false,
        ),
        (
            Method::POST,
            "/cases/{number}/lookup",
            format!("/cases/{n}/lookup"),
            Body(json!({"mobile": "12345"})),
            false,
        ),
        (
            Method::POST,
            "/staff/cases/{number}/actions",
            format!("/staff/cases/{n}/actions"),
            Body(json!({"action": "fly"})),
            true,
        ),
        (
            Method::POST,
            "/staff/cases/{number}/actions",
            format!("/staff/cases/{n}/actions"),
            Body(json!({"action": "complete", "delivery": "drone"})),
            true,
        ),
        (
            Method::POST,
            "/staff/cases/{number}/actions",
            format!("/staff/cases/{n}/actions"),
            Body(json!({"action": "deny", "reason": long(2001)})),
            true,
        ),
        (
            Method::POST,
            "/staff/cases/{number}/rectification",
            format!("/staff/cases/{n}/rectification"),
            Body(json!({"explanation": "", "action_taken": "x"})),
            true,
        ),
        (
            Method::GET,
            "/cases/{number}",
            format!("/cases/12345?c={code}"),
            Param("path", "number", "12345".into()),
            false,
        ),
        (
            Method::GET,
            "/cases/{number}",
            format!("/cases/{n}?c=ABC"),
            Param("query", "c", "ABC".into()),
            false,
        ),
        (
            Method::GET,
            "/services",
            format!("/services?q={}", long(101)),
            Param("query", "q", long(101)),
            false,
        ),
        (
            Method::GET,
            "/services",
            "/services?per_page=0".into(),
            Param("query", "per_page", "0".into()),
            false,
        ),
        (
            Method::GET,
            "/services",
            "/services?per_page=101".into(),
            Param("query", "per_page", "101".into()),
            false,
        ),
        (
            Method::GET,
            "/services",
            "/services?page=0".into(),
            Param("query", "page", "0".into()),
            false,
        ),
        (
            Method::GET,
            "/services",
            "/services?audience=aliens".into(),
            Param("query", "audience", "aliens".into()),
            false,
        ),
        (
            Method::GET,
            "/staff/complaints",
            "/staff/complaints?status=lost".into(),
            Param("query", "status", "lost".into()),
            true,
        ),
        (
            Method::GET,
            "/stats/satisfaction",
            "/stats/satisfaction?from=yesterday".into(),
            Param("query", "from", "yesterday".into()),
            false,
        ),
    ];
    for (method, template, path, broken, with_staff) in cases {
        let body = match &broken {
            Body(body) => {
                let found = problems(d, doc.request_schema(&method, template), body);
                assert!(!found.is_empty(), "{template}: the document allows {body}");
                Some(body)
            }
            Param(place, name, value) => {
                let p = doc.parameter(&method, template, place, name);
                let value = match p["schema"]["type"].as_str() {
                    Some("integer") => json!(value.parse::<i64>().unwrap()),
                    _ => json!(value),
                };
                let found = problems(d, &p["schema"], &value);
                assert!(
                    !found.is_empty(),
                    "{template}: the document allows {name}={value}"
                );
                None
            }
        };
        // Visit ratings come from a registered kiosk, or are 401 before any check.
        let token = if template == "/visit-ratings" {
            Some(kiosk.as_str())
        } else if with_staff {
            staff
        } else {
            None
        };
        let (status, value) = doc
            .call(&server, method.clone(), template, &path, body, token)
            .await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{method} {path} {body:?}: {value}"
        );
    }
    // What the server takes, the patterns take: numbers grouped or not, in either case;
    // codes with spaces, in either case; mobiles with +86, spaces and hyphens.
    let number = doc.parameter(&Method::GET, "/cases/{number}", "path", "number");
    let grouped = api_client::checks::AcceptanceNumber::parse(&n)
        .unwrap()
        .grouped();
    for ok in [
        n.clone(),
        grouped.clone(),
        grouped.replace('-', " ").to_lowercase(),
    ] {
        assert!(
            problems(d, &number["schema"], &json!(ok)).is_empty(),
            "{ok}"
        );
        let path = format!("/cases/{}?c={code}", ok.replace(' ', "%20"));
        let (status, value, _) = server.get_with(&path, None).await;
        assert_eq!(status, StatusCode::OK, "{ok}: {value}");
    }
    let spaced = format!("{} {}", &code[..3], &code[3..]).to_lowercase();
    assert!(
        problems(d, &c["schema"], &json!(spaced)).is_empty(),
        "{spaced}"
    );
    let mobile = &schema("CaseLookupRequest")["properties"]["mobile"];
    for ok in ["13800138000", "+86 138-0013-8000", "8613800138000"] {
        assert!(problems(d, mobile, &json!(ok)).is_empty(), "{ok}");
    }
    // The Idempotency-Key header, sent by hand.
    let key_schema = &key["schema"];
    assert!(!problems(d, key_schema, &json!("short")).is_empty());
    let req = server
        .http
        .post(server.url("/api/v1/applications"))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", "short")
        .body(application(json!({"entrusted": false}), json!({})).to_string());
    let (status, value, _) = server.send(req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{value}");
    assert_eq!(bad_fields(&value)[0].0, "Idempotency-Key");
}
