//! Application forms as data: each service's questions are part of its catalogue entry
//! (`form`). The answer of `GET /services/{code}/form`, which joins them with the service's
//! material checklist, is `crate::types::FormDefinition`: the questions know nothing of the
//! catalogue, so the catalogue may hold them.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Textarea,
    Number,
    /// `YYYY-MM-DD`
    Date,
    Choice,
    Multichoice,
    Boolean,
    ResidentId,
    Uscc,
    Mobile,
    Email,
    Address,
}

impl FieldType {
    /// Types whose answer is text (length limits apply to them).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            FieldType::Text | FieldType::Textarea | FieldType::Address
        )
    }
}

/// Named patterns a text answer may be held to (kept to a list so the bundles need no
/// regular-expression engine).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// Digits only (e.g. a land parcel number).
    Digits,
    /// Letters and digits only (e.g. a licence number).
    Alphanumeric,
    /// Chinese characters only, with the middle dot of minority names (e.g. a personal name).
    Chinese,
}

impl Pattern {
    pub fn matches(self, s: &str) -> bool {
        match self {
            Pattern::Digits => s.chars().all(|c| c.is_ascii_digit()),
            Pattern::Alphanumeric => s.chars().all(|c| c.is_ascii_alphanumeric()),
            Pattern::Chinese => s
                .chars()
                .all(|c| matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '·')),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ChoiceOption {
    pub value: String,
    pub label: String,
}

/// Show a field only when another field's answer equals a value (a string, or a boolean
/// for a yes/no field).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VisibleIf {
    pub field: String,
    /// The answer that shows the field: a string (a choice's value) or a boolean.
    #[cfg_attr(feature = "openapi", schema(schema_with = equals_schema))]
    pub equals: serde_json::Value,
}

/// `VisibleIf.equals` is a string or a boolean, never an object.
#[cfg(feature = "openapi")]
fn equals_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Boolean]))
        .build()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FormField {
    /// Unique within the form; lowercase letters, digits and `_`.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    pub label: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Text: least characters; number: least value; multichoice: fewest choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Text: most characters; number: greatest value; multichoice: most choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<Pattern>,
    /// For `choice` and `multichoice`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_if: Option<VisibleIf>,
}

/// One question page: a topic of the form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FormSection {
    pub id: String,
    pub title: String,
    pub fields: Vec<FormField>,
}

/// A service's own questions, as written in the catalogue.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FormSpec {
    pub sections: Vec<FormSection>,
}

/// What uploads may be: set by the server's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UploadLimits {
    pub max_file_bytes: u64,
    pub max_total_bytes: u64,
    /// Media types accepted (detected from content, never from the name).
    pub accepted: Vec<String>,
}

/// Whether `field` is shown given the answers so far (a field hidden by its condition is
/// neither asked nor checked, and its answer is dropped).
pub fn is_visible(field: &FormField, answers: &serde_json::Map<String, serde_json::Value>) -> bool {
    match &field.visible_if {
        None => true,
        Some(cond) => answers.get(&cond.field) == Some(&cond.equals),
    }
}
