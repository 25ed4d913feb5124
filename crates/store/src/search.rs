//! Full-text search's feed: the records the index holds, and what changed since the
//! index was last brought up to date (docs/SEARCH.md). The index itself lives in the
//! `search` crate; this capability only reads, and only for the system principal (the
//! indexer and `resolute reindex`); searchers never reach the database through it, the
//! index filters what they find by their grants.

use crate::Result;
use async_trait::async_trait;
use domain::search::{Kind, Record};
use domain::{OrgId, Principal};

/// One entry of the audit log, as much as the indexer needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditChange {
    pub id: i64,
    pub action: String,
    pub entity: String,
    pub entity_id: i64,
}

/// What the index does for a run of changes, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// Add the record, replacing the one of its kind and id.
    Put(Record),
    /// The record is gone (or no longer searchable).
    Remove(Kind, i64),
    /// Every record of the group (`Record::group`) is dropped; its current parts follow
    /// as `Put`s.
    RemoveGroup(String),
    /// Rows were loaded without per-row audit entries (a bulk load): rebuild everything.
    Rebuild,
}

#[async_trait]
pub trait SearchStore: Send + Sync + 'static {
    /// Records of `kind` with an id above `after`, in id order, at most `limit`: a
    /// rebuild pages through each kind with this. System principal only.
    async fn search_records(
        &self,
        p: &Principal,
        kind: Kind,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Record>>;

    /// Audit entries with an id above `after`, in id order, at most `limit`. System
    /// principal only.
    async fn search_changes(
        &self,
        p: &Principal,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditChange>>;

    /// The id of the newest audit entry (0 when there is none). System principal only.
    async fn search_audit_head(&self, p: &Principal) -> Result<i64>;

    /// What the index must do for these changes: the records they name as they are now
    /// (a record named by an entry, the parts of a whole, every record of a restructured
    /// unit's subtree), or their removal. System principal only.
    async fn search_refresh(&self, p: &Principal, changes: &[AuditChange]) -> Result<Vec<Refresh>>;

    /// The names of these units that the principal may see or that lead to what they see
    /// (the labels of search results and facets); others are left out.
    async fn search_unit_names(&self, p: &Principal, ids: &[OrgId])
    -> Result<Vec<(OrgId, String)>>;
}
