//! Organizations: the tree of party organizations, its search, and restructuring (moves,
//! merges, splits, closures) with each unit's history.

use crate::Result;
use async_trait::async_trait;
use domain::{MemberId, OrgId, OrgKind, OrgPath, Principal};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

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

    /// What the domain's rules need to know of the unit.
    pub fn unit(&self) -> domain::Unit {
        domain::Unit {
            id: self.id,
            parent_id: self.parent_id,
            kind: self.kind,
            path: self.path.clone(),
            valid_from: self.valid_from,
            valid_to: self.valid_to,
        }
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

/// One unit of an organization import ([`OrgStore::org_import`]).
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

/// Reading the organization tree and restructuring it.
#[async_trait]
pub trait OrgStore: Send + Sync + 'static {
    /// The top units the principal may read (their grants' organizations, nested ones
    /// dropped). For the system principal, every root.
    async fn org_roots(&self, p: &Principal) -> Result<Vec<Org>>;

    async fn org_get(&self, p: &Principal, id: OrgId) -> Result<Org>;

    /// Direct children, ordered by kind then name. Closed units only when asked.
    async fn org_children(
        &self,
        p: &Principal,
        id: OrgId,
        include_closed: bool,
    ) -> Result<Vec<Org>>;

    /// The chain from the root down to the unit's parent, for breadcrumbs. Each entry says
    /// whether the principal may open it.
    async fn org_ancestors(&self, p: &Principal, id: OrgId) -> Result<Vec<Crumb>>;

    /// Active units whose name matches the folded query (diacritics optional), in scope.
    async fn org_search(&self, p: &Principal, query: &str, limit: u32) -> Result<Vec<Org>>;

    /// Looks a unit up by its administrative or internal code, in scope.
    async fn org_by_code(&self, p: &Principal, code: &str) -> Result<Option<Org>>;

    async fn org_create(&self, p: &Principal, new: NewOrg) -> Result<Org>;

    /// Creates many units in one transaction, all or nothing, in list order: each row's
    /// parent is an existing unit or an earlier row. Every rule of [`OrgStore::org_create`]
    /// holds for each row (EditOrgs on the parent, kind containment, a unique active code:
    /// `Conflict("code_taken")`), with one audit entry per unit and the counters updated.
    /// A parent that is not an earlier row is `Invalid` (`parent`, `bad_choice`). Returns
    /// how many units were created.
    async fn org_import(&self, p: &Principal, rows: Vec<NewOrgImport>) -> Result<u64>;

    /// Renames or re-codes a unit; the old name is kept in its history.
    async fn org_update(&self, p: &Principal, id: OrgId, edit: OrgEdit) -> Result<Org>;

    /// Moves a unit and its subtree under another parent (restructuring).
    async fn org_move(&self, p: &Principal, id: OrgId, new_parent: OrgId, on: Date) -> Result<Org>;

    /// Merges `sources` into `target` (an existing unit or a new one): the sources' active
    /// children and members move to the target, the sources are closed on `on` with the
    /// target as successor. Returns the target.
    async fn org_merge(&self, p: &Principal, merge: Merge) -> Result<Org>;

    /// Splits a unit into new units; each part names the children that move to it. The
    /// source is closed with every part as a successor. Returns the parts. Active children
    /// and members the parts do not name go to the first part, so nothing is left under the
    /// closed source; naming one that is not an active child or member of the source is
    /// `Invalid` (`bad_choice`).
    async fn org_split(&self, p: &Principal, split: Split) -> Result<Vec<Org>>;

    /// Closes a unit with no active children or members (dissolution), with an optional
    /// successor.
    async fn org_close(
        &self,
        p: &Principal,
        id: OrgId,
        on: Date,
        successor: Option<OrgId>,
    ) -> Result<Org>;

    /// Renames, moves, merges, splits and closures of a unit, oldest first.
    async fn org_history(&self, p: &Principal, id: OrgId) -> Result<Vec<OrgEvent>>;

    /// Predecessors and successors of a unit (one step each way).
    async fn org_links(&self, p: &Principal, id: OrgId) -> Result<OrgLinks>;

    /// The unit and all its predecessors, transitively: a report on the unit over a period
    /// reads the records of all of them. The unit must be readable; the ids returned are not
    /// filtered (reading a predecessor's records still goes through the scope checks).
    async fn org_lineage(&self, p: &Principal, id: OrgId) -> Result<Vec<OrgId>>;
}
