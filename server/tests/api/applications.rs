//! Online applications over the real `server` binary, on SQLite and PostgreSQL: the form,
//! the submit (validation, uploads, idempotency, concurrency), the receipt, and promised
//! dates from an imported holiday calendar.
//!
//! Each test imports its own small catalogue (`test_catalogue`): a service whose form uses
//! all twelve field types and a condition, plus services for the other cases.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use crate::support::{
    assert_error_shape, bad_fields, new_key, test_service, today_cst, ymd, Backend, TestServer,
};
use api_client::checks::AcceptanceNumber;
use api_client::{ApplicationCreated, FormDefinition, Receipt, Requirement};
use reqwest::header::CONTENT_TYPE;
use reqwest::StatusCode;
use serde_json::{json, Value};
use time::{Date, Weekday};

backend_tests!(
    worker_threads = 4;
    the_form_has_questions_materials_and_limits,
    only_online_services_have_a_form,
    every_field_type_rejects_a_wrong_answer,
    a_condition_decides_whether_a_question_is_asked,
    applicant_identifiers_are_checked,
    materials_need_real_unused_uploads,
    a_valid_application_gets_a_number_code_and_receipt,
    a_retry_with_the_same_key_returns_the_same_case,
    concurrent_submissions_get_distinct_valid_numbers,
    the_receipt_needs_the_right_code_and_shows_no_personal_data,
    the_idempotency_key_is_required,
    malformed_bodies_are_400_naming_the_field,
    promised_dates_follow_the_imported_calendar,
    an_invalid_calendar_is_not_imported,
);

/// All twelve field types and a condition.
const FORM: &str = "TEST-APPLY-001";
/// Depth Ⅳ, individuals and organisations, one required material, 即办件, no questions.
const REQUIRED_MATERIAL: &str = "TEST-APPLY-002";
/// Depth Ⅱ: not taken online.
const OFFLINE: &str = "TEST-APPLY-003";
/// Depth Ⅳ, optional materials only, 10 natural days.
const NATURAL: &str = "TEST-APPLY-004";
/// Depth Ⅳ, optional materials only, 1 working day.
const ONE_WORKING_DAY: &str = "TEST-APPLY-005";

const NAME: &str = "张三丰";
const RESIDENT_ID: &str = "11010519491231002X";
const MOBILE: &str = "13800138000";
const USCC: &str = "91350100M000100Y43";

/// A service of the department `tsq`, with an optional and a deferrable material.
fn service(
    code: &str,
    name: &str,
    depth: u8,
    promised: Value,
    statutory: Value,
    handling: &str,
) -> Value {
    let mut service = test_service(code, name, "tsq", "tsq_topic");
    service["materials"] = json!([
        {"id": "photo", "name": "近期证件照", "form": "electronic", "copies": 1, "requirement": "optional", "source": "申请人自备"},
        {"id": "later", "name": "补充说明", "form": "copy", "copies": 1, "requirement": "deferrable", "source": "申请人自备", "notes": "可在受理后补交"}
    ]);
    service["statutory_limit"] = statutory;
    service["promised_limit"] = promised;
    service["handling_type"] = json!(handling);
    service["online_depth"] = json!(depth);
    service["visits"] = json!(if depth == 4 { 0 } else { 1 });
    service
}

fn field(id: &str, kind: &str, required: bool) -> Value {
    json!({"id": id, "type": kind, "label": format!("问题 {id}"), "required": required})
}

fn test_catalogue() -> Value {
    let working = |n: u32| json!({"value": n, "unit": "working_days"});
    let natural = |n: u32| json!({"value": n, "unit": "natural_days"});

    let mut with_form = service(
        FORM,
        "测试申报事项（十二种问题）",
        3,
        working(5),
        working(20),
        "promised",
    );
    let mut full_name = field("full_name", "text", true);
    full_name["min"] = json!(2);
    full_name["max"] = json!(10);
    full_name["pattern"] = json!("chinese");
    let mut story = field("story", "textarea", false);
    story["max"] = json!(20);
    let mut size = field("household_size", "number", true);
    size["min"] = json!(1);
    size["max"] = json!(10);
    let mut reason = field("reason", "choice", true);
    reason["options"] =
        json!([{"value": "work", "label": "工作"}, {"value": "family", "label": "投靠亲属"}]);
    let mut needs = field("needs", "multichoice", false);
    needs["options"] = json!([{"value": "a", "label": "甲"}, {"value": "b", "label": "乙"}, {"value": "c", "label": "丙"}]);
    needs["max"] = json!(2);
    let mut agent = field("agent_name", "text", true);
    agent["visible_if"] = json!({"field": "entrusted", "equals": true});
    with_form["form"] = json!({"sections": [
        {"id": "basic", "title": "基本信息", "fields": [
            full_name, story, size, field("moved_in", "date", true), reason, needs,
        ]},
        {"id": "more", "title": "其他信息", "fields": [
            field("entrusted", "boolean", true), agent, field("holder_id", "resident_id", false),
            field("employer_uscc", "uscc", false), field("contact_mobile", "mobile", false),
            field("contact_email", "email", false), field("address", "address", true),
        ]},
    ]});

    let mut required = service(
        REQUIRED_MATERIAL,
        "测试即办事项（必要材料）",
        4,
        working(0),
        working(1),
        "immediate",
    );
    required["audience"] = json!(["individual", "organisation"]);
    required["materials"] = json!([
        {"id": "id_copy", "name": "身份证明", "form": "electronic", "copies": 1, "requirement": "required", "source": "申请人自备"},
        {"id": "extra", "name": "其他材料", "form": "electronic", "copies": 1, "requirement": "optional", "source": "申请人自备"}
    ]);

    json!({
        "departments": [{"code": "tsq", "name": "测试申报局", "phone": "020-12345678"}],
        "topics": [{"code": "tsq_topic", "name": "测试主题", "audience": "individual"}],
        "services": [
            with_form,
            required,
            service(OFFLINE, "测试窗口事项", 2, working(3), working(10), "promised"),
            service(NATURAL, "测试自然日事项", 4, natural(10), natural(30), "promised"),
            service(ONE_WORKING_DAY, "测试一日事项", 4, working(1), working(5), "promised"),
        ],
    })
}

/// Answers to FORM that pass.
fn good_answers() -> Value {
    json!({
        "full_name": "张三",
        "household_size": 3,
        "moved_in": "2020-05-01",
        "reason": "work",
        "entrusted": false,
        "address": "广州市黄埔区测试路 1 号"
    })
}

fn individual() -> Value {
    json!({"type": "individual", "name": NAME, "id_type": "resident_id", "id_number": RESIDENT_ID, "mobile": MOBILE})
}

fn request(service: &str, answers: Value, materials: Value) -> Value {
    json!({"service_code": service, "applicant": individual(), "answers": answers, "materials": materials})
}

/// A new idempotency key.
fn key() -> String {
    new_key("test")
}

/// POST /applications with a raw body and headers; the status and the JSON answer.
async fn post_raw(
    server: &TestServer,
    key: Option<&str>,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let mut req = server
        .http
        .post(server.url("/api/v1/applications"))
        .body(body);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    if let Some(ct) = content_type {
        req = req.header(CONTENT_TYPE, ct);
    }
    let resp = req.send().await.expect("POST /applications");
    let status = resp.status();
    let text = resp.text().await.unwrap();
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text:.300}"));
    (status, value)
}

async fn submit(server: &TestServer, key: &str, body: &Value) -> (StatusCode, Value) {
    post_raw(
        server,
        Some(key),
        Some("application/json"),
        body.to_string(),
    )
    .await
}

/// Submits and expects 201.
async fn created(server: &TestServer, key: &str, body: &Value) -> ApplicationCreated {
    let (status, value) = submit(server, key, body).await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    serde_json::from_value(value).expect("an ApplicationCreated")
}

/// Submits and expects 400; the named fields with their codes.
async fn rejected(server: &TestServer, body: &Value) -> Vec<(String, String)> {
    let (status, value) = submit(server, &key(), body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{value}");
    bad_fields(&value)
}

fn has(fields: &[(String, String)], field: &str, code: &str) -> bool {
    fields.iter().any(|(f, c)| f == field && c == code)
}

async fn receipt(server: &TestServer, number: &str, code: &str) -> (StatusCode, Value) {
    server
        .get_json(&format!("/api/v1/applications/{number}?c={code}"))
        .await
}

// ---------------------------------------------------------------------------------------
// The form

async fn the_form_has_questions_materials_and_limits(backend: Backend) {
    let server = start_on!(backend, test_catalogue());

    let form: FormDefinition = server.api.form(FORM).await.expect("GET the form");
    assert_eq!(form.service_code, FORM);
    assert_eq!(form.service_name, "测试申报事项（十二种问题）");
    assert_eq!(form.sections.len(), 2);
    assert_eq!(form.sections[0].id, "basic");
    let fields: Vec<_> = form.sections.iter().flat_map(|s| &s.fields).collect();
    assert_eq!(fields.len(), 13);
    let kinds: HashSet<_> = fields.iter().map(|f| f.kind).collect();
    assert_eq!(kinds.len(), 12, "all twelve field types");
    assert!(form.field("agent_name").unwrap().visible_if.is_some());
    assert_eq!(form.materials.len(), 2);
    assert!(
        form.materials.iter().all(|m| !m.required),
        "{:?}",
        form.materials
    );
    assert_eq!(form.materials[1].requirement, Requirement::Deferrable);
    assert_eq!(form.materials[1].notes.as_deref(), Some("可在受理后补交"));
    assert_eq!(form.limits.max_file_bytes, 10 * 1024 * 1024);
    assert_eq!(form.limits.max_total_bytes, 50 * 1024 * 1024);
    assert!(
        form.limits.accepted.iter().any(|t| t == "application/pdf"),
        "{:?}",
        form.limits
    );

    // No questions of its own: an empty list; the material flags follow the requirement.
    let form = server
        .api
        .form(REQUIRED_MATERIAL)
        .await
        .expect("GET a form without questions");
    assert!(form.sections.is_empty());
    let id_copy = form.materials.iter().find(|m| m.id == "id_copy").unwrap();
    assert!(id_copy.required && id_copy.requirement == Requirement::Required);
    assert!(
        !form
            .materials
            .iter()
            .find(|m| m.id == "extra")
            .unwrap()
            .required
    );

    // The guide itself does not carry the questions.
    let (_, guide) = server.get_json(&format!("/api/v1/services/{FORM}")).await;
    assert!(guide.get("form").is_none(), "{guide}");
}

async fn only_online_services_have_a_form(backend: Backend) {
    let server = start_on!(backend, test_catalogue());

    let (status, body) = server
        .get_json(&format!("/api/v1/services/{OFFLINE}/form"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_error_shape(&body, "not_found");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("online application is not available"),
        "{body}"
    );

    let (status, body) = server
        .get_json("/api/v1/services/TEST-NO-SUCH-9/form")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_error_shape(&body, "not_found");

    // Nor can one apply for them.
    let fields = rejected(&server, &request(OFFLINE, json!({}), json!({}))).await;
    assert!(has(&fields, "service_code", "not_online"), "{fields:?}");
    let fields = rejected(&server, &request("TEST-NO-SUCH-9", json!({}), json!({}))).await;
    assert!(has(&fields, "service_code", "unknown"), "{fields:?}");
}

// ---------------------------------------------------------------------------------------
// Validation

async fn every_field_type_rejects_a_wrong_answer(backend: Backend) {
    let server = start_on!(backend, test_catalogue());

    let answers = json!({
        "full_name": "Zhang",                   // text: not Chinese (pattern)
        "story": "这段说明远远超过了二十个字的长度限制，所以不被接受。", // textarea: too long
        "household_size": 11,                   // number: above max
        "moved_in": "2020-02-30",               // date: no such day
        "reason": "holiday",                    // choice: not an option
        "needs": ["a", "b", "c"],               // multichoice: more than max
        "entrusted": "yes",                     // boolean: not true or false
        "holder_id": "110105194912310021",      // resident_id: wrong check character
        "employer_uscc": "91350100M000100Y44",  // uscc: wrong check character
        "contact_mobile": "12800138000",        // mobile: 12x is no mobile prefix
        "contact_email": "zhang@example",       // email: no dotted domain
        "address": 5,                           // address: not text
        "bogus": "x"                            // not a question of this form
    });
    let fields = rejected(&server, &request(FORM, answers, json!({}))).await;
    for (field, code) in [
        ("answers.full_name", "pattern"),
        ("answers.story", "too_long"),
        ("answers.household_size", "out_of_range"),
        ("answers.moved_in", "invalid"),
        ("answers.reason", "not_an_option"),
        ("answers.needs", "too_many"),
        ("answers.entrusted", "invalid"),
        ("answers.holder_id", "checksum"),
        ("answers.employer_uscc", "checksum"),
        ("answers.contact_mobile", "invalid"),
        ("answers.contact_email", "invalid"),
        ("answers.address", "invalid"),
        ("answers.bogus", "unknown"),
    ] {
        assert!(has(&fields, field, code), "{field} {code}: {fields:?}");
    }
    assert_eq!(fields.len(), 13, "exactly the wrong answers: {fields:?}");

    // Missing required answers are each named.
    let fields = rejected(&server, &request(FORM, json!({"story": "  "}), json!({}))).await;
    for field in [
        "full_name",
        "household_size",
        "moved_in",
        "reason",
        "entrusted",
        "address",
    ] {
        assert!(
            has(&fields, &format!("answers.{field}"), "required"),
            "{field}: {fields:?}"
        );
    }
    assert!(
        !fields.iter().any(|(f, _)| f == "answers.story"),
        "an optional blank is fine: {fields:?}"
    );

    // Numbers as text, and the limits on the other side.
    let mut answers = good_answers();
    answers["household_size"] = json!("0");
    answers["full_name"] = json!("张");
    let fields = rejected(&server, &request(FORM, answers, json!({}))).await;
    assert!(
        has(&fields, "answers.household_size", "out_of_range"),
        "{fields:?}"
    );
    assert!(has(&fields, "answers.full_name", "too_short"), "{fields:?}");

    // And the good answers pass.
    created(&server, &key(), &request(FORM, good_answers(), json!({}))).await;
}

async fn a_condition_decides_whether_a_question_is_asked(backend: Backend) {
    let server = start_on!(backend, test_catalogue());

    let mut answers = good_answers();
    answers["entrusted"] = json!(true);
    let fields = rejected(&server, &request(FORM, answers.clone(), json!({}))).await;
    assert_eq!(
        fields,
        vec![("answers.agent_name".to_string(), "required".to_string())]
    );

    answers["agent_name"] = json!("李四");
    created(&server, &key(), &request(FORM, answers, json!({}))).await;

    // Hidden: neither required nor checked (a leftover answer is dropped, not refused).
    let mut answers = good_answers();
    answers["agent_name"] = json!("");
    created(&server, &key(), &request(FORM, answers, json!({}))).await;
}

async fn applicant_identifiers_are_checked(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let answers = good_answers();

    let mut body = request(FORM, answers.clone(), json!({}));
    body["applicant"]["id_number"] = json!("110105194912310021");
    body["applicant"]["mobile"] = json!("1380013800");
    let fields = rejected(&server, &body).await;
    assert!(
        has(&fields, "applicant.id_number", "checksum"),
        "{fields:?}"
    );
    assert!(has(&fields, "applicant.mobile", "invalid"), "{fields:?}");
    assert_eq!(fields.len(), 2, "{fields:?}");

    let mut body = request(FORM, answers.clone(), json!({}));
    body["applicant"]["name"] = json!("  ");
    let fields = rejected(&server, &body).await;
    assert!(has(&fields, "applicant.name", "required"), "{fields:?}");

    // An organisation: the USCC check character; and FORM is for individuals only.
    let organisation = json!({"type": "organisation", "name": "广州测试科技有限公司", "uscc": "91350100M000100Y44",
        "legal_representative": "王五", "contact_name": "赵六", "mobile": "12800138000"});
    let body = json!({"service_code": REQUIRED_MATERIAL, "applicant": organisation, "answers": {}, "materials": {}});
    let fields = rejected(&server, &body).await;
    assert!(has(&fields, "applicant.uscc", "checksum"), "{fields:?}");
    assert!(has(&fields, "applicant.mobile", "invalid"), "{fields:?}");
    assert!(
        has(&fields, "materials.id_copy", "required"),
        "every problem at once: {fields:?}"
    );

    let mut body = request(FORM, answers, json!({}));
    body["applicant"] = json!({"type": "organisation", "name": "广州测试科技有限公司", "uscc": USCC,
        "legal_representative": "王五", "contact_name": "赵六", "mobile": MOBILE});
    let fields = rejected(&server, &body).await;
    assert_eq!(
        fields,
        vec![("applicant.type".to_string(), "not_allowed".to_string())]
    );
}

async fn materials_need_real_unused_uploads(backend: Backend) {
    let server = start_on!(backend, test_catalogue());

    // A required material without a file.
    let fields = rejected(&server, &request(REQUIRED_MATERIAL, json!({}), json!({}))).await;
    assert_eq!(
        fields,
        vec![("materials.id_copy".to_string(), "required".to_string())]
    );
    let fields = rejected(
        &server,
        &request(REQUIRED_MATERIAL, json!({}), json!({"id_copy": []})),
    )
    .await;
    assert!(has(&fields, "materials.id_copy", "required"), "{fields:?}");

    // Not an upload id; an upload id nobody uploaded; a material the service does not have.
    let fields = rejected(
        &server,
        &request(
            REQUIRED_MATERIAL,
            json!({}),
            json!({"id_copy": ["../../etc/passwd"]}),
        ),
    )
    .await;
    assert!(has(&fields, "materials.id_copy", "invalid"), "{fields:?}");
    let nobody = "0123456789abcdef0123456789abcdef";
    let fields = rejected(
        &server,
        &request(REQUIRED_MATERIAL, json!({}), json!({"id_copy": [nobody]})),
    )
    .await;
    assert_eq!(
        fields,
        vec![(
            "materials.id_copy".to_string(),
            "unknown_upload".to_string()
        )]
    );
    let fields = rejected(
        &server,
        &request(NATURAL, json!({}), json!({"passport": [nobody]})),
    )
    .await;
    assert!(has(&fields, "materials.passport", "unknown"), "{fields:?}");

    // A real upload is accepted, and then belongs to that case.
    let upload = server.upload_pdf("one").await;
    let extra = server.upload_pdf("two").await;
    let first_key = key();
    let body = request(
        REQUIRED_MATERIAL,
        json!({}),
        json!({"id_copy": [upload], "extra": [extra]}),
    );
    let first = created(&server, &first_key, &body).await;
    // A retry of that submit still answers with its case…
    assert_eq!(created(&server, &first_key, &body).await, first);
    // …but another application cannot use the same files.
    let fields = rejected(
        &server,
        &request(REQUIRED_MATERIAL, json!({}), json!({"id_copy": [upload]})),
    )
    .await;
    assert_eq!(
        fields,
        vec![(
            "materials.id_copy".to_string(),
            "unknown_upload".to_string()
        )]
    );

    // Optional materials may have files too; a known file next to an unknown one is refused.
    let fresh = server.upload_pdf("three").await;
    let fields = rejected(
        &server,
        &request(NATURAL, json!({}), json!({"photo": [fresh, nobody]})),
    )
    .await;
    assert_eq!(
        fields,
        vec![("materials.photo".to_string(), "unknown_upload".to_string())]
    );
    created(
        &server,
        &key(),
        &request(NATURAL, json!({}), json!({"photo": [fresh]})),
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// Submitting and the receipt

async fn a_valid_application_gets_a_number_code_and_receipt(backend: Backend) {
    let server = start_on!(backend, test_catalogue());

    let answers = json!({
        "full_name": "张三", "story": "说明", "household_size": "4", "moved_in": "2020-05-01", "reason": "family",
        "needs": ["a", "c"], "entrusted": true, "agent_name": "李四", "holder_id": "440524188001010014",
        "employer_uscc": USCC, "contact_mobile": "+86 139-0013-9000", "contact_email": "zhang.san@example.cn",
        "address": "广州市黄埔区测试路 1 号"
    });
    let made = created(
        &server,
        &key(),
        &request(FORM, answers, json!({"photo": [], "later": []})),
    )
    .await;

    let number =
        AcceptanceNumber::parse(&made.acceptance_number).expect("a valid acceptance number");
    assert_eq!(number.compact(), made.acceptance_number, "given compact");
    assert_eq!(made.acceptance_number.len(), 18);
    let today = today_cst();
    assert_eq!(
        &made.acceptance_number[..6],
        "440113",
        "the default region code"
    );
    assert_eq!(
        &made.acceptance_number[6..12],
        format!(
            "{:02}{:02}{:02}",
            today.year() % 100,
            u8::from(today.month()),
            today.day()
        )
    );
    assert_eq!(
        &made.acceptance_number[12..17],
        "00001",
        "the first case of the day"
    );
    assert_eq!(made.query_code.len(), 6);
    assert!(
        made.query_code
            .chars()
            .all(|c| api_client::checks::QUERY_CODE_ALPHABET.contains(c)),
        "{}",
        made.query_code
    );
    assert_eq!(made.status, api_client::CaseStatus::Submitted);
    assert_eq!(
        made.tracking_url,
        format!(
            "{}/track/{}?c={}",
            server.base, made.acceptance_number, made.query_code
        )
    );
    let promised = Date::parse(
        &made.promised_date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .expect("YYYY-MM-DD");
    // Without a calendar (this server has none), 5 working days end 5 to 7 days later.
    assert!(
        promised >= today + time::Duration::days(5) && promised <= today + time::Duration::days(7),
        "{promised} from {today}"
    );
    assert!(
        !matches!(promised.weekday(), Weekday::Saturday | Weekday::Sunday),
        "{promised}"
    );

    let got: Receipt = server
        .api
        .receipt(
            &number.grouped().to_lowercase(),
            &made.query_code.to_lowercase(),
        )
        .await
        .expect("the receipt, typed grouped and in lower case");
    assert_eq!(got.acceptance_number, made.acceptance_number);
    assert_eq!(got.query_code, made.query_code);
    assert_eq!(got.service_code, FORM);
    assert_eq!(got.service_name, "测试申报事项（十二种问题）");
    assert_eq!(got.department, "测试申报局");
    assert_eq!(got.masked_name, "张*丰");
    assert_eq!(got.status, api_client::CaseStatus::Submitted);
    assert_eq!(got.promised_date, made.promised_date);
    assert_eq!(got.tracking_url, made.tracking_url);
    assert!(got.submitted_at.ends_with("+08:00"), "{}", got.submitted_at);
    assert!(
        got.submitted_at.starts_with(&ymd(today)),
        "{} on {today}",
        got.submitted_at
    );
    assert!(
        got.qr_svg.contains("<svg") && got.qr_svg.trim_end().ends_with("</svg>"),
        "{:.100}",
        got.qr_svg
    );
    assert_eq!(got.location, "测试区行政服务中心二楼 5 号窗口");
    assert_eq!(got.hours, "周一至周五 9:00-12:00, 13:30-17:00");
    assert_eq!(got.consult_phone, "020-12345678");

    // The next case of the day has the next sequence number.
    let next = created(&server, &key(), &request(NATURAL, json!({}), json!({}))).await;
    assert_eq!(&next.acceptance_number[12..17], "00002");
    assert_eq!(
        next.promised_date,
        ymd(today + time::Duration::days(10)),
        "10 natural days"
    );
}

async fn a_retry_with_the_same_key_returns_the_same_case(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let body = request(FORM, good_answers(), json!({}));
    let k = key();

    let (s1, first) = submit(&server, &k, &body).await;
    let (s2, second) = submit(&server, &k, &body).await;
    assert_eq!(s1, StatusCode::CREATED, "{first}");
    assert_eq!(s2, StatusCode::CREATED, "{second}");
    assert_eq!(first, second, "the same body");

    // Only one case was made: the next key gets the next number.
    let other = created(&server, &key(), &body).await;
    let seq = |v: &str| v[12..17].parse::<u32>().unwrap();
    assert_eq!(
        seq(&other.acceptance_number),
        seq(first["acceptance_number"].as_str().unwrap()) + 1
    );

    // Concurrent retries of one key also make one case.
    let k = key();
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (http, url, k, body) = (
            server.http.clone(),
            server.url("/api/v1/applications"),
            k.clone(),
            body.to_string(),
        );
        tasks.push(tokio::spawn(async move {
            let resp = http
                .post(url)
                .header("Idempotency-Key", k)
                .header(CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            (resp.status(), resp.json::<Value>().await.unwrap())
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        let (status, v) = t.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{v}");
        answers.push(v);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    let last = created(&server, &key(), &body).await;
    assert_eq!(
        seq(&last.acceptance_number),
        seq(answers[0]["acceptance_number"].as_str().unwrap()) + 1
    );
}

async fn concurrent_submissions_get_distinct_valid_numbers(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    const N: usize = 200;
    let body = request(NATURAL, json!({}), json!({}));

    let mut tasks = Vec::new();
    for _ in 0..N {
        let url = server.url("/api/v1/applications");
        let http = server.http.clone();
        let body = body.to_string();
        tasks.push(tokio::spawn(async move {
            let resp = http
                .post(url)
                .header("Idempotency-Key", key())
                .header(CONTENT_TYPE, "application/json")
                .body(body)
                .timeout(Duration::from_secs(60))
                .send()
                .await
                .expect("POST /applications");
            let status = resp.status();
            let text = resp.text().await.unwrap();
            (status, text)
        }));
    }
    let mut made = Vec::new();
    for t in tasks {
        let (status, text) = t.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{text}");
        made.push(serde_json::from_str::<ApplicationCreated>(&text).unwrap());
    }
    let numbers: HashSet<_> = made.iter().map(|m| m.acceptance_number.clone()).collect();
    assert_eq!(numbers.len(), N, "distinct numbers");
    // Per day, the sequence numbers are 1..=n without gaps (a failed attempt gives its number back).
    let mut by_day: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for m in &made {
        AcceptanceNumber::parse(&m.acceptance_number)
            .unwrap_or_else(|e| panic!("{}: {e:?}", m.acceptance_number));
        by_day
            .entry(m.acceptance_number[6..12].to_string())
            .or_default()
            .push(m.acceptance_number[12..17].parse().unwrap());
    }
    for (day, mut seqs) in by_day {
        seqs.sort();
        assert_eq!(
            seqs,
            (1..=seqs.len() as u32).collect::<Vec<_>>(),
            "day {day}"
        );
    }
    let codes: HashSet<_> = made.iter().map(|m| m.query_code.clone()).collect();
    assert!(codes.len() >= N - 1, "codes differ per case");

    // Each is retrievable with its code.
    for chunk in made.chunks(25) {
        let mut gets = Vec::new();
        for m in chunk {
            let url = server.url(&format!(
                "/api/v1/applications/{}?c={}",
                m.acceptance_number, m.query_code
            ));
            let http = server.http.clone();
            gets.push(tokio::spawn(async move {
                http.get(url)
                    .send()
                    .await
                    .unwrap()
                    .json::<Value>()
                    .await
                    .unwrap()
            }));
        }
        for (m, g) in chunk.iter().zip(gets) {
            let r: Receipt = serde_json::from_value(g.await.unwrap()).expect("a receipt");
            assert_eq!(r.acceptance_number, m.acceptance_number);
            assert_eq!(r.promised_date, m.promised_date);
        }
    }
    assert!(
        !server.log().contains("database is locked"),
        "{}",
        server.log()
    );
    assert!(!server.log().contains("internal error"), "{}", server.log());
}

async fn the_receipt_needs_the_right_code_and_shows_no_personal_data(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let made = created(&server, &key(), &request(FORM, good_answers(), json!({}))).await;

    let (status, body) = receipt(&server, &made.acceptance_number, &made.query_code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let text = body.to_string();
    for secret in [RESIDENT_ID, MOBILE, NAME, "张三"] {
        assert!(
            !text.contains(secret),
            "{secret} in the receipt: {text:.400}"
        );
    }
    assert_eq!(body["masked_name"], "张*丰");
    let keys: HashSet<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert!(
        !keys
            .iter()
            .any(|k| k.contains("mobile") || k.contains("id_number") || k.contains("applicant")),
        "{keys:?}"
    );

    // A wrong code and an unknown number get the same answer.
    let wrong = if made.query_code == "AAAAAA" {
        "BBBBBB"
    } else {
        "AAAAAA"
    };
    let (s1, wrong_code) = receipt(&server, &made.acceptance_number, wrong).await;
    let unknown = AcceptanceNumber::new("440113", "200101", 99_999).unwrap();
    let (s2, unknown_number) = receipt(&server, unknown.compact(), &made.query_code).await;
    assert_eq!(s1, StatusCode::NOT_FOUND, "{wrong_code}");
    assert_eq!(s2, StatusCode::NOT_FOUND, "{unknown_number}");
    assert_eq!(wrong_code, unknown_number);
    assert_error_shape(&wrong_code, "not_found");
    assert_eq!(
        wrong_code["error"]["message"],
        "no application matches this number and code"
    );

    // A mistyped number is caught by its check character before any lookup.
    let mut typo: Vec<char> = made.acceptance_number.chars().collect();
    typo[10] = if typo[10] == '9' {
        '0'
    } else {
        char::from_digit(typo[10].to_digit(10).unwrap() + 1, 10).unwrap()
    };
    let typo: String = typo.into_iter().collect();
    let (status, body) = receipt(&server, &typo, &made.query_code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(assert_error_shape(&body, "bad_request"), vec!["number"]);
    let (status, body) = receipt(&server, "12345", &made.query_code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(assert_error_shape(&body, "bad_request"), vec!["number"]);
    // The code is required and must be one.
    let (status, body) = server
        .get_json(&format!("/api/v1/applications/{}", made.acceptance_number))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(assert_error_shape(&body, "bad_request"), vec!["c"]);
    let (status, body) = receipt(&server, &made.acceptance_number, "ABC10O").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(assert_error_shape(&body, "bad_request"), vec!["c"]);

    // The log carries no personal data or codes.
    let log = server.log();
    for secret in [RESIDENT_ID, MOBILE, NAME, made.query_code.as_str()] {
        assert!(!log.contains(secret), "{secret} in the server log:\n{log}");
    }
}

async fn the_idempotency_key_is_required(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let body = request(FORM, good_answers(), json!({})).to_string();

    let (status, value) = post_raw(&server, None, Some("application/json"), body.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{value}");
    assert_eq!(
        assert_error_shape(&value, "bad_request"),
        vec!["Idempotency-Key"]
    );
    for bad in [
        "short",
        "has spaces in it",
        &"k".repeat(101),
        "semi;colon-key",
    ] {
        let (status, value) =
            post_raw(&server, Some(bad), Some("application/json"), body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {value}");
        assert_eq!(
            assert_error_shape(&value, "bad_request"),
            vec!["Idempotency-Key"],
            "{bad}"
        );
    }
    // A UUID is a good key.
    let (status, value) = post_raw(
        &server,
        Some("7c9e6679-7425-40de-944b-e07fc1f90ae7"),
        Some("application/json"),
        body,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
}

async fn malformed_bodies_are_400_naming_the_field(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let good = request(FORM, good_answers(), json!({}));
    let without = |name: &str| {
        let mut b = good.clone();
        b.as_object_mut().unwrap().remove(name);
        b.to_string()
    };
    let with = |path: &[&str], v: Value| {
        let mut b = good.clone();
        let mut at = &mut b;
        for p in &path[..path.len() - 1] {
            at = &mut at[*p];
        }
        at[path[path.len() - 1]] = v;
        b.to_string()
    };
    let cases: Vec<(String, &str)> = vec![
        ("{".into(), "body"),
        ("".into(), "body"),
        ("[1, 2]".into(), "body"),
        ("\"text\"".into(), "body"),
        (format!("{good} trailing"), "body"),
        (without("service_code"), "service_code"),
        (without("applicant"), "applicant"),
        (without("answers"), "answers"),
        (without("materials"), "materials"),
        (with(&["service_code"], json!(5)), "service_code"),
        (with(&["answers"], json!("text")), "answers"),
        (with(&["materials"], json!([])), "materials"),
        (
            with(&["materials", "photo"], json!("abc")),
            "materials.photo",
        ),
        (with(&["materials", "photo"], json!([5])), "materials.photo"),
        (with(&["applicant"], json!("张三")), "applicant"),
        (
            with(&["applicant", "type"], json!("robot")),
            "applicant.type",
        ),
        (
            with(&["applicant", "id_type"], json!("alien_card")),
            "applicant.id_type",
        ),
        (
            with(&["applicant", "mobile"], json!(13800138000u64)),
            "applicant.mobile",
        ),
        (with(&["applicant", "name"], Value::Null), "applicant.name"),
    ];
    for (body, field) in cases {
        let (status, value) = post_raw(
            &server,
            Some(&key()),
            Some("application/json"),
            body.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body:.200}: {value}");
        let fields = assert_error_shape(&value, "bad_request");
        assert_eq!(fields, vec![field.to_string()], "{body:.200}: {value}");
    }
    let mut no_type = good.clone();
    no_type["applicant"].as_object_mut().unwrap().remove("type");
    let (_, value) = post_raw(
        &server,
        Some(&key()),
        Some("application/json"),
        no_type.to_string(),
    )
    .await;
    assert_eq!(
        assert_error_shape(&value, "bad_request"),
        vec!["applicant.type"]
    );
    let mut no_mobile = good.clone();
    no_mobile["applicant"]
        .as_object_mut()
        .unwrap()
        .remove("mobile");
    let (_, value) = post_raw(
        &server,
        Some(&key()),
        Some("application/json"),
        no_mobile.to_string(),
    )
    .await;
    assert_eq!(
        assert_error_shape(&value, "bad_request"),
        vec!["applicant.mobile"]
    );

    // Not JSON at all, and a body far too large.
    let (status, value) =
        post_raw(&server, Some(&key()), Some("text/plain"), good.to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{value}");
    assert_eq!(
        assert_error_shape(&value, "bad_request"),
        vec!["Content-Type"]
    );
    // (On its own connection: the server stops reading the body and closes it.)
    let huge = with(&["answers", "story"], json!("长".repeat(1_000_000)));
    let resp = reqwest::Client::new()
        .post(server.url("/api/v1/applications"))
        .header("Idempotency-Key", key())
        .header(CONTENT_TYPE, "application/json")
        .body(huge)
        .send()
        .await
        .expect("POST a 3 MB application");
    let status = resp.status();
    let value: Value = resp.json().await.unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{value}");
    assert_eq!(assert_error_shape(&value, "bad_request"), vec!["body"]);

    // Other methods on the collection are 405 in the one shape.
    let resp = server
        .http
        .delete(server.url("/api/v1/applications"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_error_shape(&resp.json::<Value>().await.unwrap(), "method_not_allowed");
    assert!(!server.log().contains("internal error"), "{}", server.log());
}

// ---------------------------------------------------------------------------------------
// The holiday calendar

async fn promised_dates_follow_the_imported_calendar(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let today = today_cst();
    let day = |n: i64| today + time::Duration::days(n);

    // Today and tomorrow become holidays, and the first weekend day after them a working day.
    let make_up = (2..9)
        .map(day)
        .find(|d| matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday))
        .unwrap();
    let calendar =
        json!({"calendar": {"holidays": [ymd(day(0)), ymd(day(1))], "workdays": [ymd(make_up)]}});
    let out = server
        .import(&[server.write_scratch("calendar.json", &calendar.to_string())])
        .await;
    assert!(out.success, "{out:?}");

    let working = |d: Date| {
        if d == make_up {
            true
        } else if d == day(0) || d == day(1) {
            false
        } else {
            !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
        }
    };
    let first_working_from = |mut d: Date| {
        while !working(d) {
            d = d.next_day().unwrap();
        }
        d
    };

    // 即办件 on a holiday: the next working day.
    let upload = server.upload_pdf("calendar").await;
    let same_day = created(
        &server,
        &key(),
        &request(REQUIRED_MATERIAL, json!({}), json!({"id_copy": [upload]})),
    )
    .await;
    assert_eq!(same_day.promised_date, ymd(first_working_from(day(0))));
    // One working day: the first working day after today.
    let one = created(
        &server,
        &key(),
        &request(ONE_WORKING_DAY, json!({}), json!({})),
    )
    .await;
    assert_eq!(one.promised_date, ymd(first_working_from(day(1))));
    assert!(one.promised_date.as_str() >= ymd(day(2)).as_str());
    // Natural days ignore the calendar.
    let natural = created(&server, &key(), &request(NATURAL, json!({}), json!({}))).await;
    assert_eq!(natural.promised_date, ymd(day(10)));
}

async fn an_invalid_calendar_is_not_imported(backend: Backend) {
    let server = start_on!(backend, test_catalogue());
    let file = server.write_scratch(
        "bad-calendar.json",
        &json!({"calendar": {"holidays": ["2026-02-30", "2026-10-01"], "workdays": ["2026-10-01", "2026-10-12"]}}).to_string(),
    );
    let out = server.import(&[file]).await;
    assert!(!out.success, "{out:?}");
    for needle in [
        "bad-calendar.json",
        "calendar.holidays[0]",
        "calendar.workdays[0]",
        "calendar.workdays[1]",
    ] {
        assert!(
            out.stderr.contains(needle),
            "{needle} not named: {}",
            out.stderr
        );
    }
    let file = server.write_scratch(
        "typo-calendar.json",
        r#"{"calendar": {"holiday": ["2026-01-01"]}}"#,
    );
    let out = server.import(&[file]).await;
    assert!(
        !out.success && out.stderr.contains("calendar.holiday"),
        "{out:?}"
    );

    // Two files of one import that disagree: nothing is imported.
    let a = server.write_scratch(
        "a.json",
        &json!({"calendar": {"holidays": ["2026-10-10"]}}).to_string(),
    );
    let b = server.write_scratch(
        "b.json",
        &json!({"calendar": {"workdays": ["2026-10-10"]}}).to_string(),
    );
    let out = server.import(&[a, b]).await;
    assert!(!out.success && out.stderr.contains("2026-10-10"), "{out:?}");
}
