//! The case lifecycle (办件流转): what happens to a case after it is submitted.
//!
//! - `deadline`: the deadline clock (办理时限), its pauses for supplements and its light.
//! - `lifecycle`: the state machine of staff actions; `act` (a staff member's or an
//!   operator's request) and `apply`, which performs an action in a transaction and records
//!   it as an event.
//! - `staff`: staff tokens (created by the CLI, stored as hashes) and `check`, the token
//!   check behind the routes' `Staff` extractor.
//! - `staff_view`: what staff see of their department's cases: a case in full, and the
//!   supervision list of yellow and red cases (电子监察).
//! - `access`: the one way to a case for its applicant: number with code or mobile, through
//!   the gate that counts and throttles failed attempts (`crate::gate`).
//! - `lookup`: a case as its applicant reaches it, and the supplement reply.
//! - `names`: how a case names its service.
//!
//! `cases` imports nothing from the other domain areas: the applicant's view of a case with
//! its rating is in the `progress` module, above both.

pub mod access;
pub mod deadline;
pub mod lifecycle;
pub mod lookup;
pub mod names;
pub mod staff;
pub mod staff_view;
