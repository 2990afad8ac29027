//! The server's API suites, one test binary: the real `server` binary over a fresh database,
//! each check once over SQLite (`<suite>::sqlite::<check>`) and once over PostgreSQL
//! (`<suite>::postgres::<check>`, skipped with a message when PostgreSQL is not reachable;
//! see `support::pg_admin_url`).
//!
//! One suite a module; run one with a name prefix, e.g.
//! `cargo test -p server --test api complaints::` or `… --test api sqlite::`.
//! `support` holds the harness and the setup the suites share.

#[macro_use]
mod support;

mod applications;
mod backup;
mod cases;
mod catalogue;
mod complaints;
mod files;
mod gate;
mod headers;
mod health;
mod keys;
mod kiosk_config;
mod kiosks;
mod languages;
mod limits;
mod lookup;
mod openapi;
mod pages;
mod provisional;
mod proxy;
mod ratings;
mod staff_lists;
mod texts;
mod uploads;
