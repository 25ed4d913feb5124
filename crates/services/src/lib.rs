//! Application services of Resolute: what the web, the command line and the benchmarks
//! share above the store.
//!
//! - [`quality`]: plan assessment (copy check against the plan above and the siblings'
//!   plans, "5 rõ" findings, score) and the rescans of every issued program;
//! - [`blobs`]: the blob store that keeps every uploaded file content-addressed under
//!   `<data-dir>/evidence/`;
//! - [`reports`]: the formalism signals of a report or review, with their evidence;
//! - [`search`]: the indexer that keeps the full-text index true to the database.
//!
//! Services take the store and the acting principal like the web's handlers do; the store
//! decides what the principal may read and write. Nothing here knows HTTP.

pub mod blobs;
mod markdown;
pub mod quality;
pub mod reports;
pub mod search;

pub use blobs::{BlobStore, CheckedFile};
pub use search::Search;
