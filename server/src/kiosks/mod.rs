//! Registered kiosks (自助终端): the only devices whose visit ratings count.
//!
//! - `devices`: a kiosk's device token, made on the command line (`server kiosk create`),
//!   printed once and stored as its SHA-256; the enrolment page turns it into an `HttpOnly`
//!   cookie, so the kiosk page's script never holds it.
//! - `visits`: a visitor's session at a kiosk, started when it begins; it may be rated once
//!   (`ratings::visits`), until it expires.

pub mod devices;
pub mod visits;
