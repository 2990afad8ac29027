//! Complaints (投诉): filed by anyone from the portal or the kiosk, followed with the
//! complaint number and query code, handled by staff (assign → reply → close) within a
//! reply deadline in working days.
//!
//! The use cases: `file::file` (filing), `access` (the complainant's gate: following a
//! complaint and rating its handling), `staff` (listing, showing and handling, for staff and
//! the operator alike). Below them:
//! - `handling`: the state machine of staff actions and who may take them (pure rules).
//! - `store`: complaints and their events in SQL both engines accept; numbers from the
//!   cases' day counter.
//! - `view`: what the complainant sees (no mobile) and what staff see (the contact).

pub mod access;
pub mod file;
pub mod handling;
pub mod staff;
pub mod store;
pub mod view;

/// Who answers, on the complainant's page, when the complaints office acts.
pub const OFFICE_NAME: &str = "投诉受理办公室";
