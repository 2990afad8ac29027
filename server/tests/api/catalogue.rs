//! The catalogue over the real `server` binary, on SQLite and PostgreSQL: the demo catalogue,
//! search and its filters and pages, guides, the error shape of unknown routes, the OpenAPI
//! document, `/healthz`, the bundles and their cache headers, compression, and
//! `server import-catalogue`.

use std::collections::HashSet;

use crate::support::{self, assert_error_shape, Backend, Options, TestServer};
use api_client::{Audience, ServiceQuery, ServiceSummary};
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};
use reqwest::StatusCode;
use serde_json::{json, Value};

backend_tests!(
    demo_catalogue_is_loaded_on_first_start,
    search_ranks_and_matches_chinese_text,
    filters_narrow_the_results,
    pagination_is_stable_and_beyond_the_end_is_empty,
    bad_parameters_are_400_naming_the_parameter,
    weird_input_never_causes_a_server_error,
    a_guide_has_every_element,
    unknown_codes_routes_and_methods_have_the_error_shape,
    openapi_document_describes_the_api,
    healthz_is_ok,
    robots_and_sitemap_are_real,
    bundles_are_served_with_cache_headers,
    api_responses_are_compressed_when_accepted,
    import_of_a_valid_file_shows_up_in_the_running_server,
    import_of_an_invalid_file_names_the_problems_and_writes_nothing,
    import_rejects_an_unknown_field,
    import_rejects_invalid_json,
    no_demo_starts_with_an_empty_catalogue,
);

/// Starts a server with the demo catalogue, or returns from the test when the backend is
/// PostgreSQL and it is not reachable (the skip has been printed).
macro_rules! start {
    ($backend:expr) => {
        start!($backend, Options::default())
    };
    ($backend:expr, $options:expr) => {
        or_skip!(TestServer::start_with($backend, $options))
    };
}

/// A demo service with a full guide (it has materials, fees, FAQs…).
const DEMO_CODE: &str = "440113-SCJG-XK-001";

fn query(q: &str) -> ServiceQuery {
    ServiceQuery {
        q: Some(q.to_string()),
        per_page: Some(100),
        ..Default::default()
    }
}

fn names(items: &[ServiceSummary]) -> Vec<&str> {
    items.iter().map(|s| s.name.as_str()).collect()
}

/// Percent-encodes a query-string value.
fn enc(s: &str) -> String {
    api_client::query::encode(s)
}

async fn total(server: &TestServer) -> u64 {
    server
        .api
        .services(&ServiceQuery::default())
        .await
        .expect("GET /services")
        .total
}

// ---------------------------------------------------------------------------------------
// 1. The demo catalogue

async fn demo_catalogue_is_loaded_on_first_start(backend: Backend) {
    let server = start!(backend);

    let page = server
        .api
        .services(&ServiceQuery::default())
        .await
        .expect("GET /services");
    assert!(
        page.total >= 40,
        "only {} services in the demo catalogue",
        page.total
    );
    assert_eq!(page.page, 1, "default page");
    assert_eq!(page.per_page, 20, "default per_page");
    assert_eq!(page.items.len(), 20, "a full first page");

    let departments = server.api.departments().await.expect("GET /departments");
    let with_services: Vec<_> = departments.iter().filter(|d| d.service_count > 0).collect();
    assert!(
        with_services.len() >= 12,
        "only {} departments with services: {departments:?}",
        with_services.len()
    );
    assert!(
        departments
            .iter()
            .all(|d| !d.code.is_empty() && !d.name.is_empty()),
        "{departments:?}"
    );
    let counted: u64 = departments.iter().map(|d| d.service_count as u64).sum();
    assert_eq!(
        counted, page.total,
        "department service counts add up to the total"
    );

    let topics = server.api.topics().await.expect("GET /topics");
    assert!(!topics.is_empty(), "no topics");
    assert!(
        topics
            .iter()
            .all(|t| !t.code.is_empty() && !t.name.is_empty()),
        "{topics:?}"
    );
    assert!(
        topics.iter().any(|t| t.service_count > 0),
        "no topic has services: {topics:?}"
    );

    // The raw answer has the documented page shape.
    let (status, body) = server.get_json("/api/v1/services").await;
    assert_eq!(status, StatusCode::OK);
    for key in ["items", "total", "page", "per_page"] {
        assert!(body.get(key).is_some(), "no `{key}` in the page");
    }
}

// ---------------------------------------------------------------------------------------
// 2. Search

async fn search_ranks_and_matches_chinese_text(backend: Backend) {
    let server = start!(backend);
    let all = total(&server).await;

    let licence = server
        .api
        .services(&query("营业执照"))
        .await
        .expect("q=营业执照");
    let found = names(&licence.items);
    let leading = found.iter().take_while(|n| n.contains("营业执照")).count();
    assert!(
        leading >= 3,
        "at least 3 business-licence services should come first: {found:?}"
    );
    assert!(
        licence.total < all,
        "q=营业执照 should not match everything"
    );

    let id_card = server
        .api
        .services(&query("身份证"))
        .await
        .expect("q=身份证");
    assert!(
        id_card.items.iter().any(|s| s.name.contains("居民身份证")),
        "q=身份证 should find 居民身份证: {:?}",
        names(&id_card.items)
    );

    let marriage = server.api.services(&query("结婚")).await.expect("q=结婚");
    assert!(
        marriage
            .items
            .first()
            .is_some_and(|s| s.name.contains("结婚登记")),
        "q=结婚 should put 结婚登记 first: {:?}",
        names(&marriage.items)
    );

    let punctuation = server
        .api
        .services(&query("  ，。"))
        .await
        .expect("q of punctuation");
    assert_eq!(
        punctuation.total, 0,
        "a query of only spaces and punctuation finds nothing"
    );
    assert!(punctuation.items.is_empty());

    let empty = server.api.services(&query("")).await.expect("q=");
    assert_eq!(empty.total, all, "an empty q lists everything");

    // Every part of a query must match.
    let nonsense = server
        .api
        .services(&query("营业执照 绝对不存在的词语"))
        .await
        .expect("two terms");
    assert_eq!(nonsense.total, 0, "{:?}", names(&nonsense.items));
}

// ---------------------------------------------------------------------------------------
// 3. Filters

async fn filters_narrow_the_results(backend: Backend) {
    let server = start!(backend);
    let all = total(&server).await;

    let by_department = server
        .api
        .services(&ServiceQuery {
            department: Some("scjgj".into()),
            per_page: Some(100),
            ..Default::default()
        })
        .await
        .expect("department=scjgj");
    assert!(!by_department.items.is_empty(), "scjgj has services");
    assert!(by_department.total < all);
    for s in &by_department.items {
        assert_eq!(s.department.code, "scjgj", "{s:?}");
        assert!(
            !s.department.name.is_empty(),
            "department name filled: {s:?}"
        );
    }
    let scjgj = server
        .api
        .departments()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.code == "scjgj")
        .expect("scjgj listed");
    assert_eq!(
        by_department.total, scjgj.service_count as u64,
        "filter agrees with the department's count"
    );

    let organisations = server
        .api
        .services(&ServiceQuery {
            audience: Some(Audience::Organisation),
            per_page: Some(100),
            ..Default::default()
        })
        .await
        .expect("audience=organisation");
    assert!(!organisations.items.is_empty());
    assert!(organisations.total < all);
    for s in &organisations.items {
        assert!(s.audience.contains(&Audience::Organisation), "{s:?}");
    }

    let company = server
        .api
        .services(&ServiceQuery {
            topic: Some("company_setup".into()),
            per_page: Some(100),
            ..Default::default()
        })
        .await
        .expect("topic=company_setup");
    assert!(
        !company.items.is_empty(),
        "topic=company_setup has services"
    );
    for s in &company.items {
        let guide = server
            .api
            .service(&s.code)
            .await
            .expect("guide of a listed service");
        assert!(
            guide.topics.iter().any(|t| t.code == "company_setup"),
            "{} is not in company_setup",
            s.code
        );
    }

    // q and filters together: the intersection.
    let combined = server
        .api
        .services(&ServiceQuery {
            q: Some("营业执照".into()),
            department: Some("scjgj".into()),
            audience: Some(Audience::Organisation),
            topic: Some("company_setup".into()),
            per_page: Some(100),
            ..Default::default()
        })
        .await
        .expect("q with filters");
    assert!(
        !combined.items.is_empty(),
        "q=营业执照 in scjgj/organisation/company_setup"
    );
    let licence = server.api.services(&query("营业执照")).await.unwrap();
    let licence_codes: HashSet<_> = licence.items.iter().map(|s| s.code.clone()).collect();
    assert!(combined.total <= licence.total);
    for s in &combined.items {
        assert_eq!(s.department.code, "scjgj");
        assert!(s.audience.contains(&Audience::Organisation));
        assert!(
            licence_codes.contains(&s.code),
            "{} is not a q=营业执照 result",
            s.code
        );
    }

    let disjoint = server
        .api
        .services(&ServiceQuery {
            q: Some("结婚".into()),
            department: Some("scjgj".into()),
            ..Default::default()
        })
        .await
        .expect("q=结婚&department=scjgj");
    assert_eq!(disjoint.total, 0, "{:?}", names(&disjoint.items));

    // An empty filter value is the same as no filter.
    let (status, body) = server
        .get_json("/api/v1/services?department=&topic=&audience=")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"].as_u64(), Some(all));
}

// ---------------------------------------------------------------------------------------
// 4. Pagination

async fn pagination_is_stable_and_beyond_the_end_is_empty(backend: Backend) {
    let server = start!(backend);
    let page_of = |n: u32| ServiceQuery {
        page: Some(n),
        per_page: Some(5),
        ..Default::default()
    };

    let first = server.api.services(&page_of(1)).await.expect("page 1");
    let second = server.api.services(&page_of(2)).await.expect("page 2");
    assert_eq!(first.items.len(), 5);
    assert_eq!(second.items.len(), 5);
    assert_eq!((second.page, second.per_page), (2, 5));
    assert_eq!(
        first.total, second.total,
        "total does not depend on the page"
    );
    let first_codes: HashSet<_> = first.items.iter().map(|s| &s.code).collect();
    assert!(
        second.items.iter().all(|s| !first_codes.contains(&s.code)),
        "page 2 repeats page 1"
    );

    // Walking every page gives every service exactly once.
    let pages = first.total.div_ceil(5) as u32;
    let mut seen = HashSet::new();
    for n in 1..=pages {
        let page = server.api.services(&page_of(n)).await.expect("a page");
        assert_eq!(page.total, first.total);
        for s in page.items {
            assert!(seen.insert(s.code.clone()), "{} is on two pages", s.code);
        }
    }
    assert_eq!(seen.len() as u64, first.total);

    let (status, body) = server
        .get_json(&format!("/api/v1/services?per_page=5&page={}", pages + 1))
        .await;
    assert_eq!(status, StatusCode::OK, "a page beyond the last: {body}");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(0), "{body}");
    assert_eq!(body["total"].as_u64(), Some(first.total));

    let (status, body) = server
        .get_json("/api/v1/services?per_page=5&page=1000")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(0), "{body}");
}

// ---------------------------------------------------------------------------------------
// 5. Bad input

async fn bad_parameters_are_400_naming_the_parameter(backend: Backend) {
    let server = start!(backend);
    let long_q = "证".repeat(101);
    let long_q_ascii = "a".repeat(101);
    let cases: Vec<(String, &str)> = vec![
        ("per_page=0".into(), "per_page"),
        ("per_page=101".into(), "per_page"),
        ("per_page=abc".into(), "per_page"),
        ("per_page=99999999999999999999".into(), "per_page"),
        ("page=0".into(), "page"),
        ("page=-1".into(), "page"),
        ("page=abc".into(), "page"),
        ("audience=alien".into(), "audience"),
        ("department=unknown".into(), "department"),
        ("topic=unknown".into(), "topic"),
        (format!("q={}", enc(&long_q)), "q"),
        (format!("q={long_q_ascii}"), "q"),
    ];
    for (qs, field) in &cases {
        let path = format!("/api/v1/services?{qs}");
        let (status, body) = server.get_json(&path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "GET {path}: {body}");
        let fields = assert_error_shape(&body, "bad_request");
        assert_eq!(
            fields,
            vec![field.to_string()],
            "GET {path} should name exactly `{field}`: {body}"
        );
    }

    // 100 characters is still fine.
    let (status, body) = server
        .get_json(&format!("/api/v1/services?q={}", enc(&"证".repeat(100))))
        .await;
    assert_eq!(status, StatusCode::OK, "q of 100 characters: {body}");
    // The limits themselves are accepted.
    let (status, body) = server
        .get_json("/api/v1/services?per_page=100&page=1")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = server.get_json("/api/v1/services?per_page=1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(1));

    // Several at once: every one is named.
    let path = format!(
        "/api/v1/services?per_page=0&page=-1&audience=alien&department=unknown&topic=unknown&q={}",
        enc(&long_q)
    );
    let (status, body) = server.get_json(&path).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let named: HashSet<String> = assert_error_shape(&body, "bad_request")
        .into_iter()
        .collect();
    let expected: HashSet<String> = ["per_page", "page", "audience", "department", "topic", "q"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(named, expected, "{body}");

    // The typed client sees the same error.
    let err = server
        .api
        .services(&ServiceQuery {
            per_page: Some(0),
            ..Default::default()
        })
        .await
        .expect_err("per_page=0 is refused");
    match err {
        api_client::ClientError::Api { status, body } => {
            assert_eq!(status, 400);
            assert_eq!(body.error.code, "bad_request");
            assert_eq!(
                body.error
                    .fields
                    .iter()
                    .map(|f| f.field.as_str())
                    .collect::<Vec<_>>(),
                vec!["per_page"]
            );
        }
        other => panic!("expected an API error, got {other:?}"),
    }
}

async fn weird_input_never_causes_a_server_error(backend: Backend) {
    let server = start!(backend);
    let all = total(&server).await;

    // Answers that must be a 200 page.
    for qs in [
        "q=%FF".to_string(),
        "q=%FF%FE%FD".to_string(),
        "q=%E8%90".to_string(), // a truncated UTF-8 sequence
        format!("q={}", enc("' OR 1=1 --")),
        format!("q={}", enc("\"; DROP TABLE services; --")),
        format!("q={}", enc("%' OR '%'='")),
        "q=%".to_string(),
        "q=%ZZ".to_string(),
        "q=%F0%9F%98%80".to_string(), // an emoji
        "q=a&q=b".to_string(),
        "unknown_param=1".to_string(),
        "per_page=%205%20".to_string(),
    ] {
        let path = format!("/api/v1/services?{qs}");
        let (status, body) = server.get_json(&path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        assert!(
            body["items"].is_array() && body["total"].is_u64(),
            "GET {path}: {body}"
        );
    }

    // SQL in the search text is searched for, not run: it must not match everything.
    let (_, body) = server
        .get_json(&format!("/api/v1/services?q={}", enc("' OR 1=1 --")))
        .await;
    assert!(
        body["total"].as_u64().unwrap() < all,
        "q=' OR 1=1 -- matched everything: {body}"
    );

    // Answers that must be a 400 naming the parameter (control characters: `api_client::text`).
    for (qs, field) in [
        ("q=%00".to_string(), "q"),
        (format!("q={}", enc("营业执照\u{0}\u{7}")), "q"),
        (format!("department={}", enc("' OR 1=1 --")), "department"),
        (format!("topic={}", enc("x' OR '1'='1")), "topic"),
        ("audience=%FF".to_string(), "audience"),
        ("page=%FF".to_string(), "page"),
        ("per_page=99999999999999999999".to_string(), "per_page"),
        ("page=99999999999999999999999999999999".to_string(), "page"),
        ("per_page=1.5".to_string(), "per_page"),
        ("page=4294967297".to_string(), "page"),
    ] {
        let path = format!("/api/v1/services?{qs}");
        let (status, body) = server.get_json(&path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "GET {path}: {body}");
        assert_eq!(
            assert_error_shape(&body, "bad_request"),
            vec![field.to_string()],
            "GET {path}: {body}"
        );
    }

    // Either answer is reasonable for an empty number; never a 500.
    for path in ["/api/v1/services?per_page=", "/api/v1/services?page="] {
        let (status, body) = server.get_json(path).await;
        match status {
            StatusCode::OK => assert!(body["items"].is_array(), "GET {path}: {body}"),
            StatusCode::BAD_REQUEST => {
                assert_error_shape(&body, "bad_request");
            }
            other => panic!("GET {path}: {other} {body}"),
        }
    }

    // Odd service codes: an error with the error shape, never a 500.
    for path in [
        "/api/v1/services/%FF",
        "/api/v1/services/%00",
        "/api/v1/services/'%20OR%201=1%20--",
        "/api/v1/services/..%2F..%2Fetc%2Fpasswd",
    ] {
        let (status, body) = server.get_json(path).await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
            "GET {path}: {status} {body}"
        );
        let code = if status == StatusCode::NOT_FOUND {
            "not_found"
        } else {
            "bad_request"
        };
        assert_error_shape(&body, code);
    }

    // The server is still healthy and the catalogue intact.
    assert_eq!(total(&server).await, all);
    assert_eq!(server.get("/healthz").await.status(), StatusCode::OK);
}

// ---------------------------------------------------------------------------------------
// 6. One guide, and errors

fn object<'a>(v: &'a Value, what: &str) -> &'a serde_json::Map<String, Value> {
    v.as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {v}"))
}

fn non_empty_str(v: &Value, what: &str) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"));
    assert!(!s.trim().is_empty(), "{what} is empty");
}

async fn a_guide_has_every_element(backend: Backend) {
    let server = start!(backend);
    let (status, g) = server
        .get_json(&format!("/api/v1/services/{DEMO_CODE}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{g}");
    let guide = object(&g, "the guide");
    for key in [
        "code",
        "name",
        "kind",
        "department",
        "audience",
        "topics",
        "legal_basis",
        "conditions",
        "materials",
        "steps",
        "statutory_limit",
        "promised_limit",
        "handling_type",
        "fees",
        "location",
        "hours",
        "consult_phone",
        "complaint_channel",
        "online_depth",
        "visits",
        "supports",
        "result",
        "faqs",
    ] {
        assert!(guide.contains_key(key), "the guide has no `{key}`: {g}");
    }
    assert_eq!(g["code"], DEMO_CODE);
    for key in [
        "name",
        "kind",
        "handling_type",
        "location",
        "hours",
        "consult_phone",
        "complaint_channel",
    ] {
        non_empty_str(&g[key], key);
    }
    non_empty_str(&g["department"]["code"], "department.code");
    non_empty_str(&g["department"]["name"], "department.name");
    assert!(
        g["audience"].as_array().is_some_and(|a| !a.is_empty()),
        "audience: {}",
        g["audience"]
    );

    let topics = g["topics"].as_array().expect("topics is a list");
    assert!(!topics.is_empty(), "the demo guide has topics");
    for t in topics {
        non_empty_str(&t["code"], "topics[].code");
        non_empty_str(&t["name"], "topics[].name (filled from the topic list)");
    }
    for lb in g["legal_basis"]
        .as_array()
        .filter(|a| !a.is_empty())
        .expect("legal_basis is a non-empty list")
    {
        non_empty_str(&lb["law"], "legal_basis[].law");
        non_empty_str(&lb["article"], "legal_basis[].article");
    }
    assert!(g["conditions"]
        .as_array()
        .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string)));
    let materials = g["materials"]
        .as_array()
        .filter(|a| !a.is_empty())
        .expect("materials is a non-empty list");
    for m in materials {
        let m = object(m, "a material");
        for key in ["id", "name", "form", "copies", "requirement", "source"] {
            assert!(m.contains_key(key), "a material has no `{key}`: {m:?}");
        }
        assert!(
            m["copies"].as_u64().is_some_and(|n| (1..=20).contains(&n)),
            "copies: {m:?}"
        );
    }
    for st in g["steps"]
        .as_array()
        .filter(|a| !a.is_empty())
        .expect("steps is a non-empty list")
    {
        non_empty_str(&st["name"], "steps[].name");
        assert!(st["description"].is_string(), "steps[].description");
    }
    for key in ["statutory_limit", "promised_limit"] {
        let limit = object(&g[key], key);
        assert!(
            limit.get("value").is_some_and(Value::is_u64),
            "{key}.value: {limit:?}"
        );
        assert!(
            matches!(
                limit.get("unit").and_then(Value::as_str),
                Some("working_days" | "natural_days")
            ),
            "{key}.unit: {limit:?}"
        );
    }
    assert!(
        g["fees"]["free"].is_boolean() && g["fees"]["items"].is_array(),
        "fees: {}",
        g["fees"]
    );
    assert!(g["online_depth"]
        .as_u64()
        .is_some_and(|d| (1..=4).contains(&d)));
    assert!(g["visits"].as_u64().is_some_and(|v| v <= 5));
    let supports = object(&g["supports"], "supports");
    for key in ["appointment", "payment", "delivery", "kiosk"] {
        assert!(
            supports.get(key).is_some_and(Value::is_boolean),
            "supports.{key}: {supports:?}"
        );
    }
    non_empty_str(&g["result"]["name"], "result.name");
    let faqs = g["faqs"].as_array().expect("faqs is a list");
    assert!(!faqs.is_empty(), "the demo guide has FAQs");
    for f in faqs {
        non_empty_str(&f["question"], "faqs[].question");
        non_empty_str(&f["answer"], "faqs[].answer");
    }

    // The typed client reads the same guide, and every listed service has a guide.
    let typed = server.api.service(DEMO_CODE).await.expect("typed guide");
    assert_eq!(typed.code, DEMO_CODE);
    assert_eq!(
        serde_json::to_value(&typed).unwrap()["materials"],
        g["materials"]
    );
    let page = server
        .api
        .services(&ServiceQuery {
            per_page: Some(100),
            ..Default::default()
        })
        .await
        .unwrap();
    for s in &page.items {
        let guide = server
            .api
            .service(&s.code)
            .await
            .unwrap_or_else(|e| panic!("guide {}: {e}", s.code));
        assert_eq!(guide.name, s.name);
        assert!(
            !guide.department.name.is_empty(),
            "{}: department name",
            s.code
        );
        assert!(
            guide.topics.iter().all(|t| !t.name.is_empty()),
            "{}: topic names",
            s.code
        );
    }
}

async fn unknown_codes_routes_and_methods_have_the_error_shape(backend: Backend) {
    let server = start!(backend);

    let (status, body) = server.get_json("/api/v1/services/440113-NO-SUCH-999").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_error_shape(&body, "not_found");
    let err = server
        .api
        .service("440113-NO-SUCH-999")
        .await
        .expect_err("unknown code");
    assert!(err.is_not_found(), "{err:?}");

    // Everything under /api is the API's: a miss is a JSON 404, never the portal page.
    for path in [
        "/api/v1/nope",
        "/api/v1",
        "/api/v1/",
        "/api",
        "/api/",
        "/api/v1/services/",
        "/api/v1/services/x/y",
        "/api/v2/services",
    ] {
        let resp = server.get(path).await;
        let status = resp.status();
        assert_eq!(status, StatusCode::NOT_FOUND, "GET {path}");
        let ctype = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(
            ctype.starts_with("application/json"),
            "GET {path}: content-type {ctype:?}"
        );
        let body: Value = resp.json().await.unwrap();
        assert_error_shape(&body, "not_found");
    }

    for (method, path) in [
        (reqwest::Method::POST, "/api/v1/services"),
        (
            reqwest::Method::DELETE,
            &*format!("/api/v1/services/{DEMO_CODE}"),
        ),
        (reqwest::Method::PUT, "/api/v1/departments"),
    ] {
        let resp = server
            .http
            .request(method.clone(), server.url(path))
            .header(CONTENT_TYPE, "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        let body: Value = resp
            .json()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: not JSON: {e}"));
        assert_error_shape(&body, "method_not_allowed");
    }
}

// ---------------------------------------------------------------------------------------
// 7–8. OpenAPI and health

async fn openapi_document_describes_the_api(backend: Backend) {
    let server = start!(backend);
    let (status, doc) = server.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')),
        "openapi version: {}",
        doc["openapi"]
    );
    let paths = object(&doc["paths"], "paths");
    for p in ["/services", "/services/{code}", "/departments", "/topics"] {
        assert!(
            paths.contains_key(p),
            "no path {p} in {:?}",
            paths.keys().collect::<Vec<_>>()
        );
    }
    let schemas = object(&doc["components"]["schemas"], "components.schemas");
    for s in ["ErrorBody", "ServiceGuide"] {
        assert!(
            schemas.contains_key(s),
            "no schema {s} in {:?}",
            schemas.keys().collect::<Vec<_>>()
        );
    }
}

async fn healthz_is_ok(backend: Backend) {
    let server = start!(backend);
    let resp = server.get("/healthz").await;
    assert_eq!(resp.status(), StatusCode::OK);
}

/// Crawlers are kept from every page that can carry an applicant's number or code, and find
/// every guide in the sitemap, at the installation's public address.
async fn robots_and_sitemap_are_real(backend: Backend) {
    let server = start!(backend);
    let resp = server.get("/robots.txt").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(header(&resp, CONTENT_TYPE).starts_with("text/plain"));
    let robots = resp.text().await.unwrap();
    for path in ["/track/", "/receipt/", "/complaints/", "/kiosk/", "/api/"] {
        assert!(
            robots.lines().any(|l| l == format!("Disallow: {path}")),
            "{path} in {robots}"
        );
    }
    let sitemap_line = robots
        .lines()
        .find(|l| l.starts_with("Sitemap: "))
        .expect("a Sitemap line");
    assert!(sitemap_line.ends_with("/sitemap.xml"), "{sitemap_line}");
    assert!(!robots.contains("<html"), "{robots}");

    let resp = server.get("/sitemap.xml").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(header(&resp, CONTENT_TYPE).starts_with("application/xml"));
    let xml = resp.text().await.unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(xml.contains("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
    let locs: Vec<&str> = xml
        .split("<loc>")
        .skip(1)
        .map(|s| s.split("</loc>").next().unwrap())
        .collect();
    let all = total(&server).await;
    assert_eq!(
        locs.len() as u64,
        all + 2,
        "home, catalogue and every guide"
    );
    assert!(
        locs.iter()
            .any(|l| l.ends_with(&format!("/services/{DEMO_CODE}"))),
        "{locs:?}"
    );
    assert!(locs.iter().all(|l| l.starts_with("http")), "{locs:?}");
}

// ---------------------------------------------------------------------------------------
// 9. Bundles and compression

fn header(resp: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    resp.headers()
        .get(&name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

async fn bundles_are_served_with_cache_headers(backend: Backend) {
    let server = start!(backend);

    // The portal's pages are rendered (the `pages` suite); the files are the bundles'.
    for (path, status, index) in [
        ("/", StatusCode::OK, None),
        ("/index.html", StatusCode::OK, Some(support::PORTAL_INDEX)),
        ("/services/anything", StatusCode::NOT_FOUND, None),
        (
            "/services/440113-SCJG-XK-001/materials",
            StatusCode::NOT_FOUND,
            None,
        ),
        ("/kiosk/", StatusCode::OK, Some(support::KIOSK_INDEX)),
        ("/kiosk/guides", StatusCode::OK, Some(support::KIOSK_INDEX)),
        (
            "/kiosk/guides/440113-SCJG-XK-001",
            StatusCode::OK,
            Some(support::KIOSK_INDEX),
        ),
    ] {
        let resp = server.get(path).await;
        assert_eq!(resp.status(), status, "GET {path}");
        let ctype = header(&resp, CONTENT_TYPE);
        assert!(
            ctype.starts_with("text/html"),
            "GET {path}: content-type {ctype:?}"
        );
        let cache = header(&resp, CACHE_CONTROL);
        assert!(
            cache.contains("no-cache"),
            "GET {path}: cache-control {cache:?}"
        );
        assert!(
            header(&resp, CONTENT_ENCODING).is_empty(),
            "GET {path}: encoded without Accept-Encoding"
        );
        let text = resp.text().await.unwrap();
        match index {
            Some(index) => assert_eq!(text, index, "GET {path}"),
            None => assert!(text.contains("id=\"page-data\""), "GET {path} is rendered"),
        }
    }

    let path = format!("/{}", support::HASHED_ASSET.trim_start_matches("portal/"));
    let resp = server.get(&path).await;
    assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
    let cache = header(&resp, CACHE_CONTROL);
    assert!(
        cache.contains("max-age=31536000") && cache.contains("immutable"),
        "GET {path}: cache-control {cache:?}"
    );
    let ctype = header(&resp, CONTENT_TYPE);
    assert!(
        ctype.contains("javascript"),
        "GET {path}: content-type {ctype:?}"
    );
    assert_eq!(resp.text().await.unwrap(), support::HASHED_ASSET_BODY);
}

async fn api_responses_are_compressed_when_accepted(backend: Backend) {
    let server = start!(backend);
    let path = "/api/v1/services?per_page=100";

    // Without Accept-Encoding: plain JSON (reqwest is built without decompression here).
    let plain = server.get(path).await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert!(
        header(&plain, CONTENT_ENCODING).is_empty(),
        "encoded without Accept-Encoding"
    );
    let plain_body = plain.bytes().await.unwrap();
    serde_json::from_slice::<Value>(&plain_body).expect("identity body is JSON");

    let br = server
        .http
        .get(server.url(path))
        .header(ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(br.status(), StatusCode::OK);
    assert_eq!(header(&br, CONTENT_ENCODING), "br");
    let br_body = br.bytes().await.unwrap();
    assert!(
        br_body.len() < plain_body.len(),
        "brotli body ({}) not smaller than JSON ({})",
        br_body.len(),
        plain_body.len()
    );
    assert!(
        serde_json::from_slice::<Value>(&br_body).is_err(),
        "br body is plain JSON"
    );

    let gzip = server
        .http
        .get(server.url(path))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzip.status(), StatusCode::OK);
    assert_eq!(header(&gzip, CONTENT_ENCODING), "gzip");
    let gzip_body = gzip.bytes().await.unwrap();
    assert!(gzip_body.starts_with(&[0x1f, 0x8b]), "not a gzip stream");
    assert!(gzip_body.len() < plain_body.len());

    let both = server
        .http
        .get(server.url(path))
        .header(ACCEPT_ENCODING, "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    let enc = header(&both, CONTENT_ENCODING);
    assert!(
        enc == "br" || enc == "gzip",
        "content-encoding {enc:?} for gzip, deflate, br"
    );

    // The hashed asset is compressed too, and keeps its long cache lifetime.
    let asset = format!("/{}", support::HASHED_ASSET.trim_start_matches("portal/"));
    let resp = server
        .http
        .get(server.url(&asset))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(header(&resp, CACHE_CONTROL).contains("immutable"));
}

// ---------------------------------------------------------------------------------------
// 10. import-catalogue

/// A valid service guide in the catalogue file format.
fn service_json(code: &str, name: &str, department: &str) -> Value {
    json!({
        "code": code,
        "name": name,
        "kind": "public_service",
        "department": department,
        "audience": ["individual"],
        "topics": ["employment"],
        "keywords": ["测试事项"],
        "popularity": 1,
        "legal_basis": [{"law": "《测试条例》", "article": "第一条"}],
        "conditions": ["申请人为本区居民。"],
        "materials": [{
            "id": "id_card",
            "name": "申请人居民身份证",
            "form": "original",
            "copies": 1,
            "requirement": "required",
            "source": "公安机关"
        }],
        "steps": [
            {"name": "受理", "description": "窗口受理申请。", "time_limit": "当场"},
            {"name": "办结", "description": "当场办结。"}
        ],
        "statutory_limit": {"value": 5, "unit": "working_days"},
        "promised_limit": {"value": 0, "unit": "working_days"},
        "handling_type": "immediate",
        "fees": {"free": true, "items": []},
        "location": "区行政服务中心一楼综合窗口",
        "hours": "周一至周五 9:00-17:00",
        "consult_phone": "020-00000000",
        "complaint_channel": "12345政务服务便民热线",
        "online_depth": 2,
        "visits": 1,
        "supports": {"appointment": true, "payment": false, "delivery": false, "kiosk": false},
        "result": {"name": "测试证明"},
        "faqs": [{"question": "要多久？", "answer": "当场办结。"}]
    })
}

async fn import_of_a_valid_file_shows_up_in_the_running_server(backend: Backend) {
    let server = start!(backend);
    let before = total(&server).await;
    let code = "440113-TEST-GG-901";
    assert!(server
        .api
        .service(code)
        .await
        .expect_err("not there yet")
        .is_not_found());

    let file = server.write_scratch(
        "extra.json",
        &json!({
            "departments": [{"code": "testj", "name": "区测试事务局", "phone": "020-11111111"}],
            "services": [service_json(code, "测试事项独有名称登记", "testj")]
        })
        .to_string(),
    );
    let out = server.import(&[file]).await;
    assert!(out.success, "import failed: {out:?}");
    assert!(
        out.stdout.contains("imported 1 services, 1 departments"),
        "summary: {out:?}"
    );

    // The running server sees the new catalogue version without a restart.
    let guide = server
        .api
        .service(code)
        .await
        .expect("the imported service is served");
    assert_eq!(guide.name, "测试事项独有名称登记");
    assert_eq!(guide.department.code, "testj");
    assert_eq!(guide.department.name, "区测试事务局");
    assert_eq!(guide.topics.len(), 1);
    assert_eq!(guide.topics[0].code, "employment");
    assert!(!guide.topics[0].name.is_empty(), "topic name filled in");

    assert_eq!(total(&server).await, before + 1);
    let found = server
        .api
        .services(&query("测试事项独有名称"))
        .await
        .expect("search");
    assert_eq!(
        found.items.first().map(|s| s.code.as_str()),
        Some(code),
        "{:?}",
        names(&found.items)
    );
    let departments = server.api.departments().await.unwrap();
    let testj = departments
        .iter()
        .find(|d| d.code == "testj")
        .expect("the new department is listed");
    assert_eq!(testj.service_count, 1);
    assert_eq!(testj.phone.as_deref(), Some("020-11111111"));
    let only = server
        .api
        .services(&ServiceQuery {
            department: Some("testj".into()),
            ..Default::default()
        })
        .await
        .expect("department=testj is now a known department");
    assert_eq!(only.total, 1);

    // Importing the same file again upserts: still one.
    let again = server
        .import(&[server.scratch.path().join("extra.json")])
        .await;
    assert!(again.success, "re-import failed: {again:?}");
    assert_eq!(total(&server).await, before + 1);
}

async fn import_of_an_invalid_file_names_the_problems_and_writes_nothing(backend: Backend) {
    let server = start!(backend);
    let before = total(&server).await;
    let good = "440113-TEST-GG-902";
    let bad = "440113-TEST-GG-903";
    let mut broken = service_json(bad, "测试事项二", "no_such_department");
    broken["materials"][0]["copies"] = json!(0);
    let file = server.write_scratch(
        "invalid.json",
        &json!({"services": [service_json(good, "测试事项一", "mzj"), broken]}).to_string(),
    );

    let out = server.import(std::slice::from_ref(&file)).await;
    assert!(!out.success, "an invalid file was accepted: {out:?}");
    assert_ne!(out.code, Some(0));
    let err = &out.stderr;
    assert!(
        err.contains(&file.display().to_string()),
        "stderr does not name the file {}: {err}",
        file.display()
    );
    assert!(
        err.contains(bad),
        "stderr does not name the item {bad}: {err}"
    );
    assert!(
        err.contains("materials[0].copies"),
        "stderr does not name materials[0].copies: {err}"
    );
    assert!(
        err.contains("department"),
        "stderr does not name the department field: {err}"
    );
    assert!(
        !err.contains(good),
        "the valid item is reported as a problem: {err}"
    );

    // Nothing from the file was written, not even the valid service.
    let missing = server
        .api
        .service(good)
        .await
        .expect_err("the valid service of a rejected file");
    assert!(missing.is_not_found(), "{missing:?}");
    assert!(server
        .api
        .service(bad)
        .await
        .expect_err("the invalid service")
        .is_not_found());
    assert_eq!(total(&server).await, before);

    // A good file and a bad file in one import: all or nothing across files.
    let good_file = server.write_scratch(
        "good.json",
        &json!({"services": [service_json(good, "测试事项一", "mzj")]}).to_string(),
    );
    let out = server.import(&[good_file.clone(), file.clone()]).await;
    assert!(!out.success, "{out:?}");
    assert!(server
        .api
        .service(good)
        .await
        .expect_err("still absent")
        .is_not_found());
    // The good file alone imports.
    let out = server.import(&[good_file]).await;
    assert!(out.success, "{out:?}");
    assert_eq!(
        server
            .api
            .service(good)
            .await
            .expect("imported")
            .department
            .code,
        "mzj"
    );
}

async fn import_rejects_an_unknown_field(backend: Backend) {
    let server = start!(backend);
    let before = total(&server).await;
    let code = "440113-TEST-GG-904";
    let mut service = service_json(code, "测试事项拼写", "mzj");
    let keywords = service.as_object_mut().unwrap().remove("keywords").unwrap();
    service["keywrods"] = keywords;
    let file = server.write_scratch("misspelt.json", &json!({"services": [service]}).to_string());

    let out = server.import(std::slice::from_ref(&file)).await;
    assert!(!out.success, "a misspelt key was accepted: {out:?}");
    assert!(
        out.stderr.contains("keywrods"),
        "stderr does not name the unknown field: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains(code),
        "stderr does not name the item: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&file.display().to_string()),
        "stderr does not name the file: {}",
        out.stderr
    );
    assert!(server
        .api
        .service(code)
        .await
        .expect_err("not imported")
        .is_not_found());

    // An unknown top-level list is refused too.
    let file = server.write_scratch("toplevel.json", r#"{"servics": []}"#);
    let out = server.import(&[file]).await;
    assert!(!out.success, "{out:?}");
    assert!(out.stderr.contains("servics"), "{}", out.stderr);
    assert_eq!(total(&server).await, before);
}

async fn import_rejects_invalid_json(backend: Backend) {
    let server = start!(backend);
    let before = total(&server).await;
    let file = server.write_scratch(
        "broken.json",
        "{\"services\": [ {\"code\": \"440113-TEST-GG-905\", ",
    );
    let out = server.import(std::slice::from_ref(&file)).await;
    assert!(!out.success, "invalid JSON was accepted: {out:?}");
    assert!(
        out.stderr.contains(&file.display().to_string()),
        "stderr does not name the file: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("JSON"),
        "stderr does not say the JSON is invalid: {}",
        out.stderr
    );

    // A file that does not exist is named too.
    let absent = server.scratch.path().join("absent.json");
    let out = server.import(std::slice::from_ref(&absent)).await;
    assert!(!out.success, "{out:?}");
    assert!(
        out.stderr.contains(&absent.display().to_string()),
        "{}",
        out.stderr
    );

    assert_eq!(total(&server).await, before);
    assert_eq!(server.get("/healthz").await.status(), StatusCode::OK);
}

// ---------------------------------------------------------------------------------------
// 11. --no-demo

async fn no_demo_starts_with_an_empty_catalogue(backend: Backend) {
    let server = start!(backend, Options { no_demo: true });
    let page = server
        .api
        .services(&ServiceQuery::default())
        .await
        .expect("GET /services");
    assert_eq!(page.total, 0);
    assert!(page.items.is_empty());
    assert!(server
        .api
        .departments()
        .await
        .expect("GET /departments")
        .is_empty());
    assert!(server.api.topics().await.expect("GET /topics").is_empty());
    let (status, body) = server
        .get_json(&format!("/api/v1/services/{DEMO_CODE}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // A filter naming a demo department is now unknown.
    let (status, body) = server.get_json("/api/v1/services?department=scjgj").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        assert_error_shape(&body, "bad_request"),
        vec!["department".to_string()]
    );
}
