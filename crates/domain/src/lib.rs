//! Pure domain types and rules of Resolute.
//!
//! Nothing here does I/O or is async. Input from the edges (forms, imports, the CLI) is
//! parsed once into the newtypes of this crate; everything below the edge trusts them.

pub mod access;
pub mod ids;
pub mod org;
pub mod people;
pub mod text;
pub mod validate;

pub use access::{AccessRole, Grant, Permission, Principal, Scope};
pub use ids::{MemberId, OrgId, UserId};
pub use org::{OrgKind, OrgPath, PathRange};
pub use people::{Audience, Gender, MemberStatus, PositionRole};
pub use validate::{FieldError, Invalid};
