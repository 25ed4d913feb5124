//! Black-box HTTP tests of the web application: the real server on a random port with a
//! fresh database per test, driven with reqwest. SQLite by default; on PostgreSQL with
//! `RESOLUTE_TEST_BACKEND=postgres` and `RESOLUTE_TEST_POSTGRES` (as `scripts/test` runs
//! them a second time).

mod helpers;

mod account;
mod api;
mod attachments;
mod auth;
mod consultation;
mod emulation;
mod evaluation;
mod exports;
mod hardening;
mod imports;
mod inspection;
mod isolation;
mod pages;
mod pick;
mod portal;
mod programs;
mod progress;
mod quality;
mod reports;
mod search;
mod study;
mod targets;
