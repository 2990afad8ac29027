//! Every constraint the validators hold requests to, written into the OpenAPI document from
//! the validators' own constants (`schema(...)` attributes take literals only, so they would
//! drift): patterns of numbers, codes, mobiles and upload ids, lengths, ranges and
//! enumerations, and the text rule of `crate::text` on every text a request carries. A
//! client generated from the document sends what the server accepts.
//!
//! `constrain` works on the document as JSON: the server serves `ApiDoc::openapi()` through it.

use serde_json::{json, Map, Value};

use crate::application::{
    MAX_FILES_PER_MATERIAL, MAX_ID_NUMBER_CHARS, MAX_MOBILE_CHARS, MAX_ORGANISATION_NAME_CHARS,
    MAX_PERSON_NAME_CHARS,
};
use crate::cases::{
    CASE_ACTIONS, DELIVERIES, MAX_ACTION_TEXT_CHARS, MAX_NOTE_CHARS, MAX_SUPPLEMENT_ITEMS,
};
use crate::checks::{
    acceptance_number_pattern, idempotency_key_pattern, mobile_pattern, query_code_pattern,
    uscc_pattern, COMPACT_NUMBER_PATTERN, IDEMPOTENCY_KEY_CHARS,
};
use crate::complaints::{
    COMPLAINT_ACTIONS, MAX_ATTACHMENTS, MAX_DESCRIPTION_CHARS, MAX_REF_CHARS, MAX_REPLY_CHARS,
};
use crate::language::{Language, LANG_PARAM};
use crate::query::{MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS};
use crate::ratings::{
    FAULT_TAGS, MAX_ANSWER_CHARS, MAX_COMMENT_CHARS, MAX_LEVEL, MAX_TAGS, MIN_LEVEL, PRAISE_TAGS,
};
use crate::{Audience, ComplaintStatus};

/// A single-line text (`crate::text::Lines::Single`): no control character at all.
pub const SINGLE_LINE_PATTERN: &str = r"^[^\x00-\x1F\x7F-\x9F]*$";
/// A text area (`crate::text::Lines::Multi`): tab, `\n` and `\r\n`, no other control character.
pub const MULTI_LINE_PATTERN: &str = r"^(?:[^\x00-\x08\x0B-\x1F\x7F-\x9F]|\r\n)*$";
/// An upload id (`crate::application::upload_id_valid`).
pub const UPLOAD_ID_PATTERN: &str = "^[0-9a-f]{32}$";
/// A day, `YYYY-MM-DD`.
pub const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

fn single(min: usize, max: usize) -> Value {
    json!({"minLength": min, "maxLength": max, "pattern": SINGLE_LINE_PATTERN})
}

fn multi(min: usize, max: usize) -> Value {
    json!({"minLength": min, "maxLength": max, "pattern": MULTI_LINE_PATTERN})
}

fn pattern(p: &str) -> Value {
    json!({ "pattern": p })
}

fn level() -> Value {
    json!({"minimum": MIN_LEVEL, "maximum": MAX_LEVEL})
}

fn tags() -> Value {
    let all: Vec<&str> = PRAISE_TAGS
        .iter()
        .chain(FAULT_TAGS.iter())
        .copied()
        .collect();
    json!({"maxItems": MAX_TAGS, "items": {"enum": all}})
}

fn upload_ids(max: usize) -> Value {
    json!({"maxItems": max, "items": {"pattern": UPLOAD_ID_PATTERN}})
}

/// The constraints of each schema's properties: (schema, property, what to add).
/// `Applicant.individual` and `Applicant.organisation` are the variants of `Applicant`.
fn properties() -> Vec<(&'static str, &'static str, Value)> {
    let code = pattern(&query_code_pattern());
    let mobile = pattern(&mobile_pattern());
    let compact = pattern(COMPACT_NUMBER_PATTERN);
    let materials = json!({"additionalProperties": upload_ids(MAX_FILES_PER_MATERIAL)});
    let any_line = pattern(SINGLE_LINE_PATTERN);
    vec![
        // Requests.
        (
            "ApplicationRequest",
            "service_code",
            merge(any_line.clone(), json!({"minLength": 1})),
        ),
        ("ApplicationRequest", "materials", materials.clone()),
        (
            "Applicant.individual",
            "name",
            single(1, MAX_PERSON_NAME_CHARS),
        ),
        (
            "Applicant.individual",
            "id_number",
            single(1, MAX_ID_NUMBER_CHARS),
        ),
        (
            "Applicant.individual",
            "mobile",
            merge(mobile.clone(), json!({"maxLength": MAX_MOBILE_CHARS})),
        ),
        (
            "Applicant.organisation",
            "name",
            single(1, MAX_ORGANISATION_NAME_CHARS),
        ),
        ("Applicant.organisation", "uscc", pattern(&uscc_pattern())),
        (
            "Applicant.organisation",
            "legal_representative",
            single(1, MAX_PERSON_NAME_CHARS),
        ),
        (
            "Applicant.organisation",
            "contact_name",
            single(1, MAX_PERSON_NAME_CHARS),
        ),
        (
            "Applicant.organisation",
            "mobile",
            merge(mobile.clone(), json!({"maxLength": MAX_MOBILE_CHARS})),
        ),
        (
            "ComplaintRequest",
            "description",
            multi(1, MAX_DESCRIPTION_CHARS),
        ),
        (
            "ComplaintRequest",
            "attachments",
            upload_ids(MAX_ATTACHMENTS),
        ),
        ("ComplaintSubject", "ref", single(0, MAX_REF_CHARS)),
        ("ComplaintSubject", "code", code.clone()),
        ("ComplaintContact", "name", single(1, MAX_REF_CHARS)),
        ("ComplaintContact", "mobile", mobile.clone()),
        (
            "ComplaintAction",
            "action",
            json!({"enum": COMPLAINT_ACTIONS}),
        ),
        ("ComplaintAction", "department", any_line.clone()),
        ("ComplaintAction", "text", multi(0, MAX_REPLY_CHARS)),
        ("ActionRequest", "action", json!({"enum": CASE_ACTIONS})),
        ("ActionRequest", "reason", multi(0, MAX_ACTION_TEXT_CHARS)),
        ("ActionRequest", "opinion", multi(0, MAX_ACTION_TEXT_CHARS)),
        ("ActionRequest", "step", single(0, MAX_ACTION_TEXT_CHARS)),
        ("ActionRequest", "delivery", json!({"enum": DELIVERIES})),
        (
            "ActionRequest",
            "items",
            json!({"maxItems": MAX_SUPPLEMENT_ITEMS}),
        ),
        ("SupplementItem", "material_id", any_line.clone()),
        ("SupplementItem", "name", single(1, MAX_ACTION_TEXT_CHARS)),
        ("SupplementItem", "note", multi(0, MAX_ACTION_TEXT_CHARS)),
        ("SupplementReply", "materials", materials),
        ("SupplementReply", "note", multi(0, MAX_NOTE_CHARS)),
        ("RatingRequest", "c", code.clone()),
        ("RatingRequest", "level", level()),
        ("RatingRequest", "tags", tags()),
        ("RatingRequest", "comment", multi(0, MAX_COMMENT_CHARS)),
        ("HandlingRatingRequest", "level", level()),
        (
            "HandlingRatingRequest",
            "comment",
            multi(0, MAX_COMMENT_CHARS),
        ),
        ("VisitRatingRequest", "level", level()),
        ("VisitRatingRequest", "tags", tags()),
        (
            "RectificationAnswer",
            "explanation",
            multi(1, MAX_ANSWER_CHARS),
        ),
        (
            "RectificationAnswer",
            "action_taken",
            multi(1, MAX_ANSWER_CHARS),
        ),
        ("CaseLookupRequest", "c", code.clone()),
        ("CaseLookupRequest", "mobile", mobile),
        // Answers: what the server writes.
        ("ApplicationCreated", "acceptance_number", compact.clone()),
        ("ApplicationCreated", "query_code", code.clone()),
        ("Receipt", "acceptance_number", compact.clone()),
        ("Receipt", "query_code", code.clone()),
        ("ComplaintCreated", "complaint_number", compact.clone()),
        ("ComplaintCreated", "query_code", code),
        ("ComplaintCreated", "reply_due", pattern(DATE_PATTERN)),
        ("CaseView", "acceptance_number", compact.clone()),
        ("StaffCase", "acceptance_number", compact.clone()),
        ("OverdueCase", "acceptance_number", compact.clone()),
        ("StaffRectification", "acceptance_number", compact.clone()),
        ("ComplaintView", "complaint_number", compact.clone()),
        ("StaffComplaint", "complaint_number", compact.clone()),
        ("StaffComplaintSummary", "complaint_number", compact),
        ("RatingView", "level", level()),
        ("RatingView", "tags", tags()),
        ("StaffRectification", "level", level()),
        ("StaffRectification", "tags", tags()),
        ("HandlingRating", "level", level()),
    ]
}

/// The constraints of parameters by name (`in`, name, what to add), wherever they appear.
fn parameters() -> Vec<(&'static str, &'static str, Value)> {
    let audiences: Vec<&str> = Audience::ALL.iter().map(|a| a.as_str()).collect();
    let statuses: Vec<&str> = ComplaintStatus::ALL.iter().map(|s| s.as_str()).collect();
    let languages: Vec<&str> = Language::ALL.iter().map(|l| l.tag()).collect();
    vec![
        ("path", "number", pattern(&acceptance_number_pattern())),
        (
            "path",
            "code",
            merge(pattern(SINGLE_LINE_PATTERN), json!({"minLength": 1})),
        ),
        ("query", "c", pattern(&query_code_pattern())),
        (
            "header",
            "Idempotency-Key",
            json!({
                "minLength": IDEMPOTENCY_KEY_CHARS.start(),
                "maxLength": IDEMPOTENCY_KEY_CHARS.end(),
                "pattern": idempotency_key_pattern(),
            }),
        ),
        ("query", "q", single(0, MAX_QUERY_CHARS)),
        ("query", "audience", json!({ "enum": audiences })),
        ("query", "page", json!({"minimum": 1, "maximum": MAX_PAGE})),
        (
            "query",
            "per_page",
            json!({"minimum": 1, "maximum": MAX_PER_PAGE}),
        ),
        ("query", "status", json!({ "enum": statuses })),
        ("query", LANG_PARAM, json!({ "enum": languages })),
        ("query", "from", pattern(DATE_PATTERN)),
        ("query", "to", pattern(DATE_PATTERN)),
    ]
}

/// `base` with the keys of `add` (objects merged, anything else replaced).
fn merge(mut base: Value, add: Value) -> Value {
    merge_into(&mut base, add);
    base
}

fn merge_into(base: &mut Value, add: Value) {
    match (base, add) {
        (Value::Object(base), Value::Object(add)) => {
            for (k, v) in add {
                match base.get_mut(&k) {
                    Some(existing) if existing.is_object() && v.is_object() => {
                        merge_into(existing, v)
                    }
                    _ => {
                        base.insert(k, v);
                    }
                }
            }
        }
        (base, add) => *base = add,
    }
}

/// Whether a schema allows `null` (an `Option`), as utoipa writes it.
fn nullable(schema: &Map<String, Value>) -> bool {
    match schema.get("type") {
        Some(Value::Array(types)) => types.iter().any(|t| t == "null"),
        _ => false,
    }
}

/// Adds `add` to `schema`: where `schema` is a nullable string, an `enum` keeps `null`
/// allowed (an absent or null field is what the server reads as not given). An array's
/// `items` constraints go to its items.
fn constrain_schema(schema: &mut Value, add: &Value) -> Result<(), String> {
    let Value::Object(map) = schema else {
        return Err("not a schema object".into());
    };
    let mut add = add.clone();
    if nullable(map) {
        if let Some(Value::Array(values)) = add.get_mut("enum") {
            values.push(Value::Null);
        }
    }
    if let (Some(Value::Object(items)), Some(_)) = (add.get("items").cloned(), map.get("items")) {
        add.as_object_mut().unwrap().remove("items");
        constrain_schema(map.get_mut("items").unwrap(), &Value::Object(items))?;
    }
    merge_into(schema, add);
    Ok(())
}

/// The schema of `name` in `doc`'s components; `Applicant.individual` is the variant of
/// `Applicant` whose `type` is `individual`.
fn component<'a>(doc: &'a mut Value, name: &str) -> Option<&'a mut Value> {
    let (name, variant) = match name.split_once('.') {
        Some((n, v)) => (n, Some(v)),
        None => (name, None),
    };
    let schema = doc.pointer_mut(&format!("/components/schemas/{name}"))?;
    match variant {
        None => Some(schema),
        Some(v) => schema
            .get_mut("oneOf")?
            .as_array_mut()?
            .iter_mut()
            .find(|s| {
                s.pointer("/properties/type/enum")
                    .and_then(Value::as_array)
                    .is_some_and(|e| e.iter().any(|x| x == v))
            }),
    }
}

/// Writes every constraint into `doc` (an OpenAPI 3.1 document as JSON). An error names a
/// schema, property or parameter the document does not have: the tables above and the
/// types have drifted apart.
pub fn constrain(doc: &mut Value) -> Result<(), String> {
    for (schema, property, add) in properties() {
        let target = component(doc, schema)
            .and_then(|s| s.pointer_mut(&format!("/properties/{property}")))
            .ok_or_else(|| format!("the document has no {schema}.{property}"))?;
        constrain_schema(target, &add).map_err(|e| format!("{schema}.{property}: {e}"))?;
    }
    let wanted = parameters();
    let mut seen = vec![false; wanted.len()];
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for item in paths.values_mut() {
            let Value::Object(operations) = item else {
                continue;
            };
            for operation in operations.values_mut() {
                let Some(Value::Array(params)) = operation.get_mut("parameters") else {
                    continue;
                };
                for param in params {
                    let (Some(place), Some(name)) = (
                        param.get("in").and_then(Value::as_str).map(str::to_string),
                        param
                            .get("name")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                    ) else {
                        continue;
                    };
                    let Some(schema) = param.get_mut("schema") else {
                        continue;
                    };
                    match wanted
                        .iter()
                        .position(|(p, n, _)| *p == place && *n == name)
                    {
                        Some(i) => {
                            seen[i] = true;
                            constrain_schema(schema, &wanted[i].2)
                                .map_err(|e| format!("parameter {name}: {e}"))?;
                        }
                        // Any other text parameter: the text rule.
                        None if schema_is_string(schema) => {
                            constrain_schema(schema, &pattern(SINGLE_LINE_PATTERN))?
                        }
                        None => {}
                    }
                }
            }
        }
    }
    match wanted.iter().zip(&seen).find(|(_, seen)| !**seen) {
        Some(((place, name, _), _)) => {
            Err(format!("no operation has the {place} parameter {name}"))
        }
        None => Ok(()),
    }
}

fn schema_is_string(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    }
}
