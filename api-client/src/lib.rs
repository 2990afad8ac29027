//! The OneWindow central API, defined once.
//!
//! `types` and `error` are the wire format: the server serialises them, the bundles and
//! native tools deserialise them. `client` is a typed client over HTTP that compiles to
//! wasm (gloo-net / fetch) and, with the `native` feature, to native Rust (reqwest).
//! `bundles` is the one table of which page each bundle serves.

pub mod application;
pub mod bundles;
pub mod cases;
pub mod checks;
pub mod client;
pub mod complaints;
pub mod deadline;
pub mod error;
pub mod forms;
pub mod kiosk;
pub mod language;
pub mod lookup;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod query;
pub mod ratings;
pub mod text;
pub mod types;

pub use application::{
    Applicant, ApplicationCreated, ApplicationRequest, CaseStatus, IdType, Receipt,
};
pub use cases::{
    ActionRequest, CaseResult, CaseView, StoredFile, Supplement, SupplementItem, SupplementReply,
    TimelineEvent,
};
pub use client::{ApiClient, ClientError};
pub use complaints::{
    ComplaintAction, ComplaintCategory, ComplaintContact, ComplaintCreated, ComplaintReply,
    ComplaintRequest, ComplaintStatus, ComplaintSubject, ComplaintView, HandlingRating,
    HandlingRatingRequest, StaffComplaint, StaffComplaintPage, StaffComplaintSummary, SubjectType,
    SubjectView,
};
pub use deadline::{Deadline, Light};
pub use error::{ErrorBody, ErrorDetail, FieldError};
pub use forms::{FieldType, FormField, FormSection, FormSpec, UploadLimits};
pub use kiosk::{validate_kiosk_config, KioskConfig};
pub use language::Language;
pub use lookup::CaseLookupRequest;
pub use query::{
    ServiceQuery, DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS,
    STAFF_DEFAULT_PER_PAGE, STAFF_MAX_PER_PAGE,
};
pub use ratings::{
    DepartmentSatisfaction, LevelCounts, RatingRequest, RatingView, Rectification,
    RectificationAnswer, RectificationPage, SatisfactionStats, StaffRectification, VisitRated,
    VisitRatingRequest, VisitStarted,
};
pub use types::*;

/// Path prefix of every API route.
pub const API_PREFIX: &str = "/api/v1";
