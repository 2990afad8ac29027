//! Catalogue types: a service guide (办事指南) with the elements of the national
//! 政务服务事项实施清单, and the departments and topics it is browsed by.
//!
//! The same `ServiceGuide` is the API's answer and the catalogue import format: in a
//! catalogue file, `department` and `topics` may be given as bare codes and the importer
//! fills in their names.
//!
//! The catalogue's answers live here too: `FormDefinition` (a service's questions joined
//! with its material checklist) and the installation's `PublicConfig`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::forms::{FormField, FormSection, FormSpec, UploadLimits};

/// 事项类型.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    /// 行政许可
    AdministrativeLicence,
    /// 其他行政权力
    OtherPower,
    /// 公共服务
    PublicService,
}

/// 服务对象: 个人 or 法人.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Individual,
    Organisation,
}

impl Audience {
    pub const ALL: [Audience; 2] = [Audience::Individual, Audience::Organisation];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Individual => "individual",
            Audience::Organisation => "organisation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// Unit of a time limit: 工作日 or 自然日.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DayUnit {
    WorkingDays,
    NaturalDays,
}

/// A time limit such as 法定办结时限 20 工作日.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TimeLimit {
    pub value: u32,
    pub unit: DayUnit,
}

/// 办件类型: 即办件 (done the day it is accepted) or 承诺件 (done within the promised limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HandlingType {
    Immediate,
    Promised,
}

/// 材料形式: 原件 / 复印件 / 原件和复印件 / 电子材料.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MaterialForm {
    Original,
    Copy,
    OriginalAndCopy,
    Electronic,
}

/// Whether a material is 必要, 非必要, or 容缺 (may follow after acceptance).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    Required,
    Optional,
    Deferrable,
}

/// 设定依据: a law or regulation and the article.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LegalBasis {
    pub law: String,
    pub article: String,
}

/// One item of the material list (申请材料).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Material {
    /// Stable within the service; submissions refer to materials by it.
    pub id: String,
    pub name: String,
    pub form: MaterialForm,
    pub copies: u32,
    pub requirement: Requirement,
    /// 来源渠道, e.g. 申请人自备 or 公安机关核发.
    pub source: String,
    /// Address of the blank form (空白表格), when one is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blank_form: Option<String>,
    /// Address of the filled sample (示例样表), when one is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// A step of the procedure (办理流程).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Step {
    pub name: String,
    pub description: String,
    /// How long the step takes, as published (e.g. 当场, 3 个工作日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_limit: Option<String>,
}

/// A fee item with its standard and legal basis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FeeItem {
    pub name: String,
    pub standard: String,
    pub basis: String,
}

/// 收费: free, or a list of items.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Fees {
    pub free: bool,
    #[serde(default)]
    pub items: Vec<FeeItem>,
}

/// What the service can do beyond the window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Supports {
    /// 网上预约
    pub appointment: bool,
    /// 网上支付
    pub payment: bool,
    /// 物流快递 of the result
    pub delivery: bool,
    /// 自助终端办理
    pub kiosk: bool,
}

/// 办理结果: the document the applicant receives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ResultDoc {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Faq {
    pub question: String,
    pub answer: String,
}

/// A department named by code; in a catalogue file a bare code string is enough.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(from = "CodeOrRef")]
pub struct DepartmentRef {
    pub code: String,
    pub name: String,
}

/// A topic (life event, 主题) named by code; in a catalogue file a bare code is enough.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(from = "CodeOrRef")]
pub struct TopicRef {
    pub code: String,
    pub name: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum CodeOrRef {
    Code(String),
    Ref { code: String, name: String },
}

impl CodeOrRef {
    fn parts(self) -> (String, String) {
        match self {
            CodeOrRef::Code(code) => (code, String::new()),
            CodeOrRef::Ref { code, name } => (code, name),
        }
    }
}

impl From<CodeOrRef> for DepartmentRef {
    fn from(r: CodeOrRef) -> Self {
        let (code, name) = r.parts();
        DepartmentRef { code, name }
    }
}

impl From<CodeOrRef> for TopicRef {
    fn from(r: CodeOrRef) -> Self {
        let (code, name) = r.parts();
        TopicRef { code, name }
    }
}

/// A full service guide (办事指南).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ServiceGuide {
    /// 实施编码
    pub code: String,
    pub name: String,
    pub kind: ServiceKind,
    /// 实施主体
    pub department: DepartmentRef,
    pub audience: Vec<Audience>,
    pub topics: Vec<TopicRef>,
    /// Other words people search with (别名, 俗称).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Curated weight for "popular services"; higher first.
    #[serde(default)]
    pub popularity: u32,
    pub legal_basis: Vec<LegalBasis>,
    /// 受理条件
    pub conditions: Vec<String>,
    pub materials: Vec<Material>,
    pub steps: Vec<Step>,
    /// 法定办结时限
    pub statutory_limit: TimeLimit,
    /// 承诺办结时限 (0 for 即办件: same day)
    pub promised_limit: TimeLimit,
    pub handling_type: HandlingType,
    pub fees: Fees,
    /// 办理地点
    pub location: String,
    /// 办理时间
    pub hours: String,
    pub consult_phone: String,
    pub complaint_channel: String,
    /// 网办深度 1–4 (Ⅳ = 全程网办, zero visits).
    pub online_depth: u8,
    /// 到现场次数
    pub visits: u8,
    pub supports: Supports,
    pub result: ResultDoc,
    #[serde(default)]
    pub faqs: Vec<Faq>,
    /// The service's own application questions (the applicant part and the material
    /// uploads are common to all forms). Served by `/services/{code}/form`, not with the guide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<FormSpec>,
    /// Catalogue files only: Traditional Chinese texts written by hand where the server's
    /// conversion reads wrong, by the field's path in the guide (`name`,
    /// `materials[0].name`, `form.sections[0].fields[1].label`). Never in an answer: a guide
    /// asked for in Traditional carries them in place.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub zh_hant: BTreeMap<String, String>,
}

impl ServiceGuide {
    /// Applications are taken online from 网办深度 Ⅲ (网上受理) up.
    pub fn accepts_online_applications(&self) -> bool {
        self.online_depth >= 3
    }
}

/// A service named by code, as cases, complaints and ratings refer to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ServiceName {
    pub code: String,
    pub name: String,
}

/// A service as listed in search results and the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ServiceSummary {
    pub code: String,
    pub name: String,
    pub kind: ServiceKind,
    pub department: DepartmentRef,
    pub audience: Vec<Audience>,
    pub handling_type: HandlingType,
    pub promised_limit: TimeLimit,
    pub online_depth: u8,
    pub visits: u8,
    pub free: bool,
}

impl From<&ServiceGuide> for ServiceSummary {
    fn from(g: &ServiceGuide) -> Self {
        ServiceSummary {
            code: g.code.clone(),
            name: g.name.clone(),
            kind: g.kind,
            department: g.department.clone(),
            audience: g.audience.clone(),
            handling_type: g.handling_type,
            promised_limit: g.promised_limit,
            online_depth: g.online_depth,
            visits: g.visits,
            free: g.fees.free,
        }
    }
}

/// One page of `GET /api/v1/services`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ServicePage {
    pub items: Vec<ServiceSummary>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// A department (实施主体) with how many services it offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Department {
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default)]
    pub service_count: u32,
}

/// A life-event topic (主题), for individuals or organisations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Topic {
    pub code: String,
    pub name: String,
    pub audience: Audience,
    #[serde(default)]
    pub service_count: u32,
}

/// `GET /api/v1/config`: what the bundles need to know about this installation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PublicConfig {
    /// The address citizens reach the portal at; receipts' QR codes point there.
    pub public_url: String,
    pub limits: UploadLimits,
}

/// `POST /api/v1/uploads`: a stored file. Applications refer to it by `id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UploadCreated {
    /// 32 lowercase hex digits (128 random bits).
    pub id: String,
    /// In bytes.
    pub size: u64,
    /// Detected from the content: `application/pdf`, `image/png` or `image/jpeg`.
    pub media_type: String,
}

/// A material of the checklist, with what the upload step needs to know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FormMaterial {
    pub id: String,
    pub name: String,
    /// True for 必要 materials: at least one file is needed to submit.
    pub required: bool,
    pub requirement: Requirement,
    pub form: MaterialForm,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// `GET /services/{code}/form`: everything the application flow needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FormDefinition {
    pub service_code: String,
    pub service_name: String,
    pub audience: Vec<Audience>,
    pub sections: Vec<FormSection>,
    pub materials: Vec<FormMaterial>,
    pub limits: UploadLimits,
}

impl FormDefinition {
    pub fn field(&self, id: &str) -> Option<&FormField> {
        self.sections
            .iter()
            .flat_map(|s| &s.fields)
            .find(|f| f.id == id)
    }
}
