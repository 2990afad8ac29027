//! Control characters in every text of every request, over the real `server` binary on
//! SQLite and PostgreSQL: a NUL, an ESC and a BEL in each text field of each JSON body, in
//! each text query parameter, in a service code in the path and in an upload's file name
//! are a 400 naming that field (`control_character`), and nothing is stored; tab and line
//! breaks are taken in text areas (`\r\n` stored as `\n`) and refused in single-line fields.
//! The rule is `api_client::text`.

use crate::support::{bad_fields, new_key, pair, test_service, Backend, TestServer};
use api_client::ApplicationCreated;
use reqwest::StatusCode;
use serde_json::{json, Value};

backend_tests!(
    worker_threads = 4;
    every_text_of_every_body_refuses_control_characters,
    query_parameters_paths_and_file_names_refuse_control_characters,
    text_areas_take_line_breaks_and_single_lines_do_not,
    a_nul_in_a_complaint_description_is_a_400_not_a_500,
);

const SERVICE: &str = "TEST-TEXT-001";
const DEPT: &str = "ttx";
const MOBILE: &str = "13800138000";
/// The three characters every field is tried with: NUL, ESC, BEL.
const BAD: [char; 3] = ['\u{0}', '\u{1b}', '\u{7}'];

fn catalogue() -> Value {
    let mut service = test_service(SERVICE, "测试文本事项", DEPT, "ttx_topic");
    service["online_depth"] = json!(4);
    service["form"] = json!({"sections": [{"id": "basic", "title": "基本信息", "fields": [
        {"id": "title", "type": "text", "label": "标题", "required": false},
        {"id": "story", "type": "textarea", "label": "经过", "required": false},
        {"id": "mail", "type": "email", "label": "邮箱", "required": false},
    ]}]});
    json!({
        "departments": [{"code": DEPT, "name": "测试文本局", "phone": "020-12345678"}],
        "topics": [{"code": "ttx_topic", "name": "测试主题", "audience": "individual"}],
        "services": [service],
    })
}

fn application(answers: Value) -> Value {
    json!({
        "service_code": SERVICE,
        "applicant": {"type": "individual", "name": "张三丰", "id_type": "resident_id", "id_number": "11010519491231002X", "mobile": MOBILE},
        "answers": answers,
        "materials": {}
    })
}

fn complaint() -> Value {
    json!({
        "subject": {"type": "staff", "ref": "3号窗口"},
        "category": "service_attitude",
        "description": "窗口人员态度不好。",
        "anonymous": false,
        "contact": {"name": "李四", "mobile": "13912345678"},
        "attachments": []
    })
}

/// `text` with `c` after its first character.
fn spoil(text: &str, c: char) -> String {
    let mut chars = text.chars();
    let first = chars.next().map(String::from).unwrap_or_default();
    format!("{first}{c}{}", chars.as_str())
}

/// One text field of one request: where to send it, the body, the field (a JSON pointer)
/// and the name the 400 must give it.
struct Field {
    path: String,
    idempotency_key: bool,
    staff: bool,
    /// Sent from the scene's kiosk (its device cookie).
    kiosk: bool,
    body: Value,
    pointer: &'static str,
    name: &'static str,
}

/// POST `body` to `path` (with a new `Idempotency-Key` and a staff token when asked).
async fn post(
    server: &TestServer,
    path: &str,
    key: bool,
    token: Option<&str>,
    body: &Value,
) -> (StatusCode, Value) {
    let mut req = server
        .http
        .post(server.url(&format!("/api/v1{path}")))
        .header("Content-Type", "application/json")
        .body(body.to_string());
    if key {
        req = req.header("Idempotency-Key", new_key("texts"));
    }
    // A kiosk's device token travels as its cookie, a staff token as a bearer.
    match token {
        Some(t) if t.starts_with("owk_") => req = req.header("Cookie", format!("ow_kiosk={t}")),
        Some(t) => req = req.bearer_auth(t),
        None => {}
    }
    let (status, value, _) = server.send(req).await;
    (status, value)
}

/// Everything a request could have stored, read straight from the database.
async fn stored(server: &TestServer) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM cases",
        "SELECT COUNT(*) FROM case_events",
        "SELECT COUNT(*) FROM case_ratings",
        "SELECT COUNT(*) FROM case_ratings WHERE rectification_answered_at IS NOT NULL",
        "SELECT COUNT(*) FROM cases WHERE supplement LIKE '%\"answered\":true%'",
        "SELECT COUNT(*) FROM complaints",
        "SELECT COUNT(*) FROM complaint_events",
        "SELECT COUNT(*) FROM visit_ratings",
        "SELECT COUNT(*) FROM uploads",
    ] {
        out.push((sql, server.count(sql).await));
    }
    out
}

/// The cases, complaint and rectification the requests are aimed at.
struct Scene {
    token: String,
    /// Submitted: lookups, staff actions, receipts.
    open: ApplicationCreated,
    /// Awaiting a supplement of `photo`.
    supplement: ApplicationCreated,
    upload: String,
    /// Completed and rated 1: its rectification is unanswered.
    poor: ApplicationCreated,
    /// Completed, not rated.
    done: ApplicationCreated,
    /// Assigned to `DEPT` (by the complaints office) and replied to.
    complaint: (String, String),
    /// A registered kiosk's device token, and a visit of it not rated yet.
    kiosk: String,
    visit: String,
}

impl Scene {
    /// The credential `f` is sent with: the staff token, the kiosk's, or none.
    fn token_of(&self, f: &Field) -> Option<&str> {
        if f.staff {
            Some(&self.token)
        } else if f.kiosk {
            Some(&self.kiosk)
        } else {
            None
        }
    }
}

async fn scene(server: &TestServer) -> Scene {
    let token = server.staff_token("texts", DEPT).await;
    let open = server.submit_application(SERVICE).await;
    let supplement = server.submit_application(SERVICE).await;
    let n = &supplement.acceptance_number;
    server.case_cli(n, &["accept"]).await;
    let (status, value) = post(
        server,
        &format!("/staff/cases/{n}/actions"),
        false,
        Some(&token),
        &json!({"action": "request_supplement", "items": [{"material_id": "photo", "name": "近期证件照", "note": ""}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{value}");
    let upload = server.upload_pdf("texts").await;
    let poor = server.submit_application(SERVICE).await;
    server.complete_case(&poor.acceptance_number).await;
    let (status, value) = post(
        server,
        &format!("/cases/{}/rating", poor.acceptance_number),
        false,
        None,
        &json!({"c": poor.query_code, "level": 1, "tags": ["slow"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    let done = server.submit_application(SERVICE).await;
    server.complete_case(&done.acceptance_number).await;
    let (status, value) = post(server, "/complaints", true, None, &complaint()).await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    let number = value["complaint_number"].as_str().unwrap().to_string();
    let code = value["query_code"].as_str().unwrap().to_string();
    // A complaint about staff has no department: the office assigns it, the department replies.
    let office = server.office_token("texts-office").await;
    for (action, by) in [
        (json!({"action": "assign", "department": DEPT}), &office),
        (
            json!({"action": "reply", "text": "已核实，向您致歉。"}),
            &token,
        ),
    ] {
        let (status, value) = post(
            server,
            &format!("/staff/complaints/{number}/actions"),
            false,
            Some(by),
            &action,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{action} → {value}");
    }
    let (_, kiosk) = server.kiosk("texts-kiosk").await;
    let (status, value) = post(server, "/kiosk/visits", false, Some(&kiosk), &json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    let visit = value["visit"].as_str().unwrap().to_string();
    Scene {
        token,
        open,
        supplement,
        upload,
        poor,
        done,
        complaint: (number, code),
        kiosk,
        visit,
    }
}

/// Every text field of every JSON body the API takes.
fn fields(s: &Scene) -> Vec<Field> {
    let plain = |path: String, body: &Value, pointer, name| Field {
        path,
        idempotency_key: false,
        staff: false,
        kiosk: false,
        body: body.clone(),
        pointer,
        name,
    };
    let keyed = |path: &str, body: &Value, pointer, name| Field {
        idempotency_key: true,
        ..plain(path.to_string(), body, pointer, name)
    };
    let staff = |path: String, body: &Value, pointer, name| Field {
        staff: true,
        ..plain(path, body, pointer, name)
    };
    let app = application(json!({"title": "标题", "story": "经过", "mail": "zhang@example.cn"}));
    let named = complaint();
    let about_case = json!({
        "subject": {"type": "case", "ref": s.open.acceptance_number, "code": s.open.query_code},
        "category": "delay", "description": "办理超期。", "anonymous": true
    });
    let (cn, cc) = &s.complaint;
    let handling = json!({"level": 4, "comment": "回复及时"});
    let rating =
        json!({"c": s.done.query_code, "level": 5, "tags": ["efficient"], "comment": "很好"});
    let visit = json!({"visit": s.visit, "level": 5, "tags": ["friendly"]});
    let by_code = json!({"c": s.open.query_code});
    let by_mobile = json!({"mobile": MOBILE});
    let reply = json!({"materials": {"photo": [s.upload]}, "note": "已补交"});
    let review = json!({"action": "review", "step": "初审", "opinion": "同意"});
    let deny = json!({"action": "deny", "reason": "不符合条件"});
    let complete = json!({"action": "complete", "delivery": "window"});
    let items = json!({"action": "request_supplement", "items": [{"material_id": "photo", "name": "照片", "note": "清晰"}]});
    let answer = json!({"action": "reply", "text": "已处理"});
    let assign = json!({"action": "assign", "department": DEPT});
    let rectify = json!({"explanation": "情况说明", "action_taken": "整改措施"});
    let open = &s.open.acceptance_number;
    let act = || format!("/staff/cases/{open}/actions");
    vec![
        keyed("/applications", &app, "/service_code", "service_code"),
        keyed("/applications", &app, "/applicant/name", "applicant.name"),
        keyed(
            "/applications",
            &app,
            "/applicant/id_number",
            "applicant.id_number",
        ),
        keyed(
            "/applications",
            &app,
            "/applicant/mobile",
            "applicant.mobile",
        ),
        keyed("/applications", &app, "/answers/title", "answers.title"),
        keyed("/applications", &app, "/answers/story", "answers.story"),
        keyed("/applications", &app, "/answers/mail", "answers.mail"),
        keyed("/complaints", &named, "/subject/ref", "subject.ref"),
        keyed("/complaints", &named, "/description", "description"),
        keyed("/complaints", &named, "/contact/name", "contact.name"),
        keyed("/complaints", &named, "/contact/mobile", "contact.mobile"),
        keyed("/complaints", &about_case, "/subject/code", "subject.code"),
        plain(
            format!("/complaints/{cn}/rating?c={cc}"),
            &handling,
            "/comment",
            "comment",
        ),
        plain(
            format!("/cases/{}/rating", s.done.acceptance_number),
            &rating,
            "/c",
            "c",
        ),
        plain(
            format!("/cases/{}/rating", s.done.acceptance_number),
            &rating,
            "/tags/0",
            "tags[0]",
        ),
        plain(
            format!("/cases/{}/rating", s.done.acceptance_number),
            &rating,
            "/comment",
            "comment",
        ),
        Field {
            kiosk: true,
            ..plain("/visit-ratings".into(), &visit, "/tags/0", "tags[0]")
        },
        plain(format!("/cases/{open}/lookup"), &by_code, "/c", "c"),
        plain(
            format!("/cases/{open}/lookup"),
            &by_mobile,
            "/mobile",
            "mobile",
        ),
        plain(
            format!(
                "/cases/{}/supplement?c={}",
                s.supplement.acceptance_number, s.supplement.query_code
            ),
            &reply,
            "/note",
            "note",
        ),
        plain(
            format!(
                "/cases/{}/supplement?c={}",
                s.supplement.acceptance_number, s.supplement.query_code
            ),
            &reply,
            "/materials/photo/0",
            "materials.photo[0]",
        ),
        staff(act(), &review, "/action", "action"),
        staff(act(), &review, "/step", "step"),
        staff(act(), &review, "/opinion", "opinion"),
        staff(act(), &deny, "/reason", "reason"),
        staff(act(), &complete, "/delivery", "delivery"),
        staff(
            act(),
            &items,
            "/items/0/material_id",
            "items[0].material_id",
        ),
        staff(act(), &items, "/items/0/name", "items[0].name"),
        staff(act(), &items, "/items/0/note", "items[0].note"),
        staff(
            format!("/staff/complaints/{cn}/actions"),
            &answer,
            "/action",
            "action",
        ),
        staff(
            format!("/staff/complaints/{cn}/actions"),
            &answer,
            "/text",
            "text",
        ),
        staff(
            format!("/staff/complaints/{cn}/actions"),
            &assign,
            "/department",
            "department",
        ),
        staff(
            format!("/staff/cases/{}/rectification", s.poor.acceptance_number),
            &rectify,
            "/explanation",
            "explanation",
        ),
        staff(
            format!("/staff/cases/{}/rectification", s.poor.acceptance_number),
            &rectify,
            "/action_taken",
            "action_taken",
        ),
    ]
}

async fn every_text_of_every_body_refuses_control_characters(backend: Backend) {
    let server = start_on!(backend, catalogue());
    let s = scene(&server).await;
    let before = stored(&server).await;
    let all = fields(&s);
    for f in &all {
        let original = f.body.pointer(f.pointer).and_then(Value::as_str);
        let original =
            original.unwrap_or_else(|| panic!("{} has no text at {}", f.path, f.pointer));
        for c in BAD {
            let mut body = f.body.clone();
            *body.pointer_mut(f.pointer).unwrap() = json!(spoil(original, c));
            let token = s.token_of(f);
            let (status, value) = post(&server, &f.path, f.idempotency_key, token, &body).await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{} {} with U+{:04X}: {value}",
                f.path,
                f.pointer,
                c as u32
            );
            let found = bad_fields(&value);
            assert!(
                found.contains(&pair(f.name, "control_character")),
                "{} {} with U+{:04X}: {found:?}",
                f.path,
                f.pointer,
                c as u32
            );
            let answer = value.to_string().to_lowercase();
            let escaped = format!("\\u{:04x}", c as u32);
            assert!(
                !answer.contains(&escaped),
                "the answer quotes the text: {answer}"
            );
        }
    }
    assert_eq!(
        stored(&server).await,
        before,
        "a refused request stored something"
    );
    // The same bodies unspoilt are taken: what was refused was the character.
    for f in all
        .iter()
        .filter(|f| f.path == "/applications" || f.path == "/visit-ratings")
    {
        let (status, value) =
            post(&server, &f.path, f.idempotency_key, s.token_of(f), &f.body).await;
        assert_eq!(status.as_u16() / 100, 2, "{} → {value}", f.path);
    }
}

/// GET `path` (already encoded) with the staff token when given: status and answer.
async fn get(server: &TestServer, path: &str, token: Option<&str>) -> (StatusCode, Value) {
    let (status, value, _) = server.get_with(path, token).await;
    (status, value)
}

async fn query_parameters_paths_and_file_names_refuse_control_characters(backend: Backend) {
    let server = start_on!(backend, catalogue());
    let s = scene(&server).await;
    let before = stored(&server).await;
    let open = &s.open;
    let (cn, cc) = &s.complaint;
    for c in BAD {
        let e = format!("%{:02X}", c as u32);
        let code = |code: &str| format!("{}{e}{}", &code[..3], &code[3..]);
        let queries: Vec<(String, bool, &str)> = vec![
            (format!("/services?q=营业{e}执照"), false, "q"),
            (format!("/services?department=t{e}tx"), false, "department"),
            (format!("/services?topic=t{e}tx"), false, "topic"),
            (
                format!("/services?audience=indi{e}vidual"),
                false,
                "audience",
            ),
            (
                format!("/staff/complaints?status=rep{e}lied"),
                true,
                "status",
            ),
            (
                format!("/stats/satisfaction?from=2026{e}-01-01"),
                false,
                "from",
            ),
            (
                format!("/stats/satisfaction?department=t{e}tx"),
                false,
                "department",
            ),
            (
                format!(
                    "/cases/{}?c={}",
                    open.acceptance_number,
                    code(&open.query_code)
                ),
                false,
                "c",
            ),
            (
                format!(
                    "/applications/{}?c={}",
                    open.acceptance_number,
                    code(&open.query_code)
                ),
                false,
                "c",
            ),
            (format!("/complaints/{cn}?c={}", code(cc)), false, "c"),
            (format!("/services/TEST{e}-TEXT-001"), false, "code"),
            (format!("/services/TEST{e}-TEXT-001/form"), false, "code"),
        ];
        for (path, staff, name) in queries {
            let token = staff.then_some(s.token.as_str());
            let (status, value) = get(&server, &path, token).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {value}");
            assert!(
                bad_fields(&value).contains(&pair(name, "control_character")),
                "{path}: {value}"
            );
        }
        // A parameter only ever read as an address's part, `withdraw`'s code, is held to it too.
        let path = format!(
            "/cases/{}/withdraw?c={}",
            open.acceptance_number,
            code(&open.query_code)
        );
        let (status, value) = post(&server, &path, false, None, &json!({})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {value}");
        assert_eq!(bad_fields(&value), vec![pair("c", "control_character")]);
    }
    // An upload's file name: a tab reaches the check; a NUL, ESC or BEL already fails the
    // part's header (the multipart parser takes no control character there but tab). Either
    // way a 400 on `file`.
    for (c, code) in [
        ('\t', "control_character"),
        ('\u{0}', "invalid"),
        ('\u{1b}', "invalid"),
        ('\u{7}', "invalid"),
    ] {
        let (status, value) = upload_named(&server, &format!("proof{c}.pdf")).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "upload named with U+{:04X}: {value}",
            c as u32
        );
        assert_eq!(
            bad_fields(&value),
            vec![pair("file", code)],
            "U+{:04X}",
            c as u32
        );
    }
    assert_eq!(
        stored(&server).await,
        before,
        "a refused request stored something"
    );
    let (status, value) = upload_named(&server, "证件照 (1).pdf").await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    // None of it counted as a failed lookup: the right code still opens the case.
    let (status, value) = get(
        &server,
        &format!("/cases/{}?c={}", open.acceptance_number, open.query_code),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{value}");
}

/// POST /uploads of a small PDF whose part names it `name` (raw bytes, quoted).
async fn upload_named(server: &TestServer, name: &str) -> (StatusCode, Value) {
    let boundary = "----texts-boundary";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n").into_bytes();
    body.extend_from_slice(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
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
    let (status, value, _) = server.send(req).await;
    (status, value)
}

async fn text_areas_take_line_breaks_and_single_lines_do_not(backend: Backend) {
    let server = start_on!(backend, catalogue());
    let s = scene(&server).await;
    let token = Some(s.token.as_str());
    let refused = |value: &Value, name: &str| {
        assert_eq!(
            bad_fields(value),
            vec![pair(name, "control_character")],
            "{value}"
        );
    };

    // Applications: a textarea answer takes line breaks and tabs, a text answer and the
    // applicant's name do not.
    let (status, value) = post(
        &server,
        "/applications",
        true,
        None,
        &application(json!({"story": "第一行\r\n第二行\t缩进"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    let number = value["acceptance_number"].as_str().unwrap().to_string();
    let (_, case, _) = server
        .get_with(&format!("/staff/cases/{number}"), token)
        .await;
    assert_eq!(case["answers"]["story"], "第一行\n第二行\t缩进", "{case}");
    for (answers, name) in [
        (json!({"title": "第一行\n第二行"}), "answers.title"),
        (json!({"title": "标\t题"}), "answers.title"),
        (json!({"story": "孤立的\r回车"}), "answers.story"),
    ] {
        let (status, value) =
            post(&server, "/applications", true, None, &application(answers)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{value}");
        refused(&value, name);
    }
    let mut tabbed = application(json!({}));
    tabbed["applicant"]["name"] = json!("张\t三丰");
    let (_, value) = post(&server, "/applications", true, None, &tabbed).await;
    refused(&value, "applicant.name");

    // Complaints: the description is a text area; the contact's name and the subject are not.
    let mut body = complaint();
    body["description"] = json!("第一行\r\n第二行\t缩进");
    let (status, value) = post(&server, "/complaints", true, None, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    let cn = value["complaint_number"].as_str().unwrap().to_string();
    // A complaint about staff is the complaints office's to read.
    let office = server.office_token("texts-office-lines").await;
    let (_, full, _) = server
        .get_with(&format!("/staff/complaints/{cn}"), Some(&office))
        .await;
    assert_eq!(full["description"], "第一行\n第二行\t缩进", "{full}");
    for (pointer, text, name) in [
        ("/contact/name", "李\t四", "contact.name"),
        ("/subject/ref", "3号\n窗口", "subject.ref"),
    ] {
        let mut body = complaint();
        *body.pointer_mut(pointer).unwrap() = json!(text);
        let (status, value) = post(&server, "/complaints", true, None, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{value}");
        refused(&value, name);
    }

    // Staff: an opinion and a reply are text areas; a step's name and a department are not.
    let open = &s.open.acceptance_number;
    server.case_cli(open, &["accept"]).await;
    let act = format!("/staff/cases/{open}/actions");
    let (_, value) = post(
        &server,
        &act,
        false,
        token,
        &json!({"action": "review", "step": "初\n审"}),
    )
    .await;
    refused(&value, "step");
    let (status, value) = post(
        &server,
        &act,
        false,
        token,
        &json!({"action": "review", "step": "初审", "opinion": "材料齐全。\n同意受理。"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{value}");
    let (cn, cc) = &s.complaint;
    let handle = format!("/staff/complaints/{cn}/actions");
    let (_, value) = post(
        &server,
        &handle,
        false,
        token,
        &json!({"action": "assign", "department": "t\ttx"}),
    )
    .await;
    refused(&value, "department");
    let (status, value) = post(
        &server,
        &handle,
        false,
        token,
        &json!({"action": "reply", "text": "第一段。\r\n\r\n第二段。"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{value}");
    assert_eq!(
        value["replies"][1]["text"], "第一段。\n\n第二段。",
        "{value}"
    );
    let rectify = format!("/staff/cases/{}/rectification", s.poor.acceptance_number);
    let (status, value) = post(
        &server,
        &rectify,
        false,
        token,
        &json!({"explanation": "一、情况\n二、原因", "action_taken": "已整改\t完毕"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{value}");

    // Ratings: the comment is a text area, a tag is not.
    let rate = format!("/cases/{}/rating", s.done.acceptance_number);
    let (_, value) = post(
        &server,
        &rate,
        false,
        None,
        &json!({"c": s.done.query_code, "level": 5, "tags": ["efficient\n"]}),
    )
    .await;
    refused(&value, "tags[0]");
    let (status, value) = post(
        &server,
        &rate,
        false,
        None,
        &json!({"c": s.done.query_code, "level": 5, "comment": "很好\r\n谢谢"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    assert_eq!(value["comment"], "很好\n谢谢", "{value}");
    let (status, value) = post(
        &server,
        &format!("/complaints/{cn}/rating?c={cc}"),
        false,
        None,
        &json!({"level": 4, "comment": "回复\n及时"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{value}");

    // The applicant's note is a text area; a lookup's code is not; nor is a search.
    let (_, value) = post(
        &server,
        &format!("/cases/{open}/lookup"),
        false,
        None,
        &json!({"c": format!("{}\t", s.open.query_code)}),
    )
    .await;
    refused(&value, "c");
    let (_, value) = get(&server, "/services?q=%E8%90%A5%E4%B8%9A%0A", None).await;
    refused(&value, "q");
    let path = format!(
        "/cases/{}/supplement?c={}",
        s.supplement.acceptance_number, s.supplement.query_code
    );
    let (status, value) = post(
        &server,
        &path,
        false,
        None,
        &json!({"materials": {"photo": [s.upload]}, "note": "已补交\n请查收"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{value}");
}

async fn a_nul_in_a_complaint_description_is_a_400_not_a_500(backend: Backend) {
    let server = start_on!(backend, catalogue());
    let mut body = complaint();
    body["description"] = json!("窗口人员\u{0}态度不好");
    let (status, value) = post(&server, "/complaints", true, None, &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{value}");
    assert_eq!(
        bad_fields(&value),
        vec![pair("description", "control_character")]
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM complaints").await, 0);
}
