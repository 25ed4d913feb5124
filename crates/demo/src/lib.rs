//! Demo and benchmark data: organization trees built from Vietnam's real administrative
//! units, with generated cells, members, positions and accounts.
//!
//! Generation is pure and deterministic from a seed ([`build`]); loading goes through the
//! store API ([`load`]). The administrative data ships inside the binary (see
//! `data/NOTICE.md`), so the demo runs anywhere.

pub mod consultation;
pub mod emulation;
pub mod evaluation;
pub mod files;
pub mod inspection;
pub mod names;
pub mod portal;
mod programs;
mod reports;
pub mod resolution;
pub mod restructure;
pub mod study;
pub mod tree;
pub mod units;

pub use restructure::{ReplayReport, replay_2025};
pub use tree::{DemoAccount, Profile, build, demo_accounts, load};
