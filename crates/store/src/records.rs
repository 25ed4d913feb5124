//! The records the store reads and writes. Plain data, serializable for the JSON API.

use domain::{
    AccessRole, Audience, Gender, MemberId, MemberStatus, OrgId, OrgKind, OrgPath, PositionRole,
    UserId,
};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationState {
    pub applied: i64,
    pub known: i64,
    pub latest_applied: Option<String>,
}

impl MigrationState {
    pub fn is_current(&self) -> bool {
        self.applied >= self.known
    }
}

#[derive(Debug, Clone)]
pub struct Credentials {
    pub user_id: UserId,
    pub password_hash: String,
    pub disabled: bool,
}

/// An organization with its kept-up-to-date counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Org {
    pub id: OrgId,
    pub parent_id: Option<OrgId>,
    pub path: OrgPath,
    pub kind: OrgKind,
    /// Administrative code (e.g. "24" for Bắc Giang) or an internal code; unique among
    /// active units when set.
    pub code: Option<String>,
    pub name: String,
    pub valid_from: Date,
    /// Set when the unit was closed (merged, split, dissolved).
    pub valid_to: Option<Date>,
    /// Active members of this cell (0 for other kinds).
    pub member_count: i64,
    /// Active members anywhere in the subtree.
    pub subtree_member_count: i64,
    /// Active cells in the subtree.
    pub subtree_cell_count: i64,
    /// Active direct children.
    pub child_count: i64,
}

impl Org {
    pub fn is_active(&self) -> bool {
        self.valid_to.is_none()
    }
}

/// One step of a breadcrumb.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Crumb {
    pub id: OrgId,
    pub name: String,
    /// Whether the principal may open this unit's page.
    pub readable: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewOrg {
    /// `None` only for a root (provincial organization), which only the system may create.
    pub parent_id: Option<OrgId>,
    pub kind: OrgKind,
    pub name: String,
    pub code: Option<String>,
    pub valid_from: Date,
}

/// The parent of a unit in an organization import: an existing unit, or a unit created by
/// an earlier row of the same import (its index in the list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentRef {
    Existing(OrgId),
    /// The index of an earlier row of the same import.
    Row(usize),
}

/// One unit of an organization import ([`crate::Store::org_import`]).
#[derive(Debug, Clone)]
pub struct NewOrgImport {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub parent: ParentRef,
    pub valid_from: Date,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OrgEdit {
    pub name: String,
    pub code: Option<String>,
    /// The date the new name takes effect.
    pub on: Date,
}

#[derive(Debug, Clone)]
pub enum MergeTarget {
    Existing(OrgId),
    New(NewOrg),
}

#[derive(Debug, Clone)]
pub struct Merge {
    pub sources: Vec<OrgId>,
    pub target: MergeTarget,
    pub on: Date,
}

#[derive(Debug, Clone)]
pub struct SplitPart {
    pub new: NewOrg,
    /// Active children of the source that move to this part.
    pub children: Vec<OrgId>,
    /// Members of the source (when it is a cell) that move to this part.
    pub members: Vec<MemberId>,
}

#[derive(Debug, Clone)]
pub struct Split {
    pub source: OrgId,
    pub parts: Vec<SplitPart>,
    pub on: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgEventKind {
    Create,
    Rename,
    Move,
    Merge,
    Split,
    Close,
}

impl OrgEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgEventKind::Create => "create",
            OrgEventKind::Rename => "rename",
            OrgEventKind::Move => "move",
            OrgEventKind::Merge => "merge",
            OrgEventKind::Split => "split",
            OrgEventKind::Close => "close",
        }
    }

    pub fn parse(s: &str) -> Option<OrgEventKind> {
        use OrgEventKind::*;
        [Create, Rename, Move, Merge, Split, Close]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One change in a unit's life. `detail` holds the before/after values (old and new name,
/// old and new parent, the other units of a merge or split).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgEvent {
    pub id: i64,
    pub org_id: OrgId,
    pub kind: OrgEventKind,
    pub on: Date,
    pub detail: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgRef {
    pub id: OrgId,
    pub name: String,
    pub readable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct OrgLinks {
    pub predecessors: Vec<OrgRef>,
    pub successors: Vec<OrgRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub id: MemberId,
    pub cell_id: OrgId,
    pub cell_path: OrgPath,
    pub full_name: String,
    pub gender: Option<Gender>,
    pub birth_date: Option<Date>,
    pub joined_on: Option<Date>,
    pub audience: Audience,
    pub status: MemberStatus,
    /// Party card number, unique when set.
    pub card_number: Option<String>,
}

/// A member in a list that spans cells: with their cell's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberHit {
    pub member: Member,
    pub cell_name: String,
}

/// A time a member spent in a cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellStint {
    pub cell_id: OrgId,
    pub cell_name: String,
    pub from: Date,
    pub to: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Position {
    pub id: i64,
    pub member_id: MemberId,
    pub org_id: OrgId,
    pub org_name: String,
    pub role: PositionRole,
    pub from: Date,
    pub to: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberDetail {
    pub member: Member,
    pub cell_name: String,
    pub positions: Vec<Position>,
    pub history: Vec<CellStint>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewMember {
    pub cell_id: OrgId,
    pub full_name: String,
    pub gender: Option<Gender>,
    pub birth_date: Option<Date>,
    pub joined_on: Option<Date>,
    pub audience: Audience,
    pub card_number: Option<String>,
    /// The date the member joins the cell (defaults to today at the edge).
    pub since: Date,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MemberEdit {
    pub full_name: String,
    pub gender: Option<Gender>,
    pub birth_date: Option<Date>,
    pub joined_on: Option<Date>,
    pub audience: Audience,
    pub card_number: Option<String>,
    pub status: MemberStatus,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewPosition {
    pub member_id: MemberId,
    pub org_id: OrgId,
    pub role: PositionRole,
    pub from: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub member_id: Option<MemberId>,
    pub disabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantRow {
    pub id: i64,
    pub user_id: UserId,
    pub role: AccessRole,
    pub org_id: OrgId,
    pub org_name: String,
    pub org_path: OrgPath,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserDetail {
    pub user: User,
    pub grants: Vec<GrantRow>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub member_id: Option<MemberId>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewGrant {
    pub user_id: UserId,
    pub role: AccessRole,
    pub org_id: OrgId,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub user_id: Option<UserId>,
    pub actor: String,
    /// e.g. "create", "update", "transfer", "merge", "grant".
    pub action: String,
    /// e.g. "organization", "member", "position", "user", "grant".
    pub entity: String,
    pub entity_id: i64,
    /// The path of the organization the record belongs to (for subtree filtering).
    pub org_path: Option<OrgPath>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only entries about this unit's subtree.
    pub org: Option<OrgId>,
    pub entity: Option<String>,
    /// Entries older than this id (paging backwards).
    pub before_id: Option<i64>,
    pub limit: u32,
}

#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub offset: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MaxIds {
    pub org: i64,
    pub member: i64,
    pub user: i64,
}

/// A unit with its id and path chosen by the loader.
#[derive(Debug, Clone)]
pub struct BulkOrg {
    pub id: OrgId,
    pub parent_id: Option<OrgId>,
    pub path: OrgPath,
    pub kind: OrgKind,
    pub code: Option<String>,
    pub name: String,
    pub valid_from: Date,
}

#[derive(Debug, Clone)]
pub struct BulkMember {
    pub id: MemberId,
    pub cell_id: OrgId,
    pub cell_path: OrgPath,
    pub full_name: String,
    pub gender: Option<Gender>,
    pub birth_date: Option<Date>,
    pub joined_on: Option<Date>,
    pub audience: Audience,
    pub card_number: Option<String>,
    pub since: Date,
}

#[derive(Debug, Clone)]
pub struct BulkPosition {
    pub member_id: MemberId,
    pub org_id: OrgId,
    pub role: PositionRole,
    pub from: Date,
}

#[derive(Debug, Clone)]
pub struct BulkUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub member_id: Option<MemberId>,
    pub grants: Vec<(AccessRole, OrgId)>,
}

#[derive(Debug, Clone, Default)]
pub struct BulkLoad {
    pub orgs: Vec<BulkOrg>,
    pub members: Vec<BulkMember>,
    pub positions: Vec<BulkPosition>,
    pub users: Vec<BulkUser>,
    /// What the audit entry says was loaded, e.g. "demo province 24 seed 7".
    pub label: String,
    /// Whether to rebuild every counter after this load. A loader that calls `bulk_load`
    /// several times (one province at a time) sets it on the last call only.
    pub recount: bool,
}
