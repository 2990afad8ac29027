//! The case lifecycle (办件流转): what happens to a case after it is submitted.
//!
//! - `deadline`: the deadline clock (办理时限), its pauses for supplements and its light.
//! - `lifecycle`: the state machine of staff actions and `apply`, which performs one in a
//!   transaction and records it as an event.
//! - `staff`: staff tokens (created by the CLI, stored as hashes) and the `Staff` extractor.
//! - `access`: the one gate to a case for its applicant: number with code or mobile, and
//!   the throttle of failed attempts (`throttle`).
//! - `lookup`: what the applicant sees of a case (progress lookup, supplement reply,
//!   withdrawal).

pub mod access;
pub mod deadline;
pub mod lifecycle;
pub mod lookup;
pub mod staff;
pub mod throttle;
