//! Black-box HTTP tests of the web application: the real server on a random port with a
//! fresh SQLite database per test, driven with reqwest.

mod helpers;

mod account;
mod api;
mod attachments;
mod auth;
mod exports;
mod hardening;
mod imports;
mod isolation;
mod pages;
mod programs;
mod progress;
mod quality;
mod study;
