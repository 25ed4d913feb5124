//! The SQL store, written once for both backends.
//!
//! This directory is not a crate of its own: each backend crate (`store-sqlite`,
//! `store-postgres`) compiles it as its module `sql`, against that crate's `dialect`
//! module, which names the backend's sqlx types (`Db`, `Conn`, `DbRow`), its store type
//! (`Backend`) and the few functions whose SQL really differs (id allocation, the lock of
//! a numbering series, the cascade fan-out, index hints, bulk loading, the set-based
//! recount, unique-violation names, JSON columns). Everything else — every store method,
//! its scope checks, its audit entries — is here, once. ARCHITECTURE.md explains why this
//! seam and not code generic over `sqlx::Database`.

pub(crate) mod accounts;
pub(crate) mod audit;
pub(crate) mod cascades;
pub(crate) mod consultation;
pub(crate) mod dashboards;
pub(crate) mod documents;
pub(crate) mod emulation;
pub(crate) mod evaluation;
pub(crate) mod inspection;
pub(crate) mod inspection_dash;
pub(crate) mod members;
pub(crate) mod meta;
pub(crate) mod migrations;
pub(crate) mod orgs;
pub(crate) mod portal;
pub(crate) mod programs;
pub(crate) mod progress;
pub(crate) mod reports;
pub(crate) mod restructure;
pub(crate) mod rows;
pub(crate) mod search;
pub(crate) mod study;
pub(crate) mod targets;
pub(crate) mod util;
