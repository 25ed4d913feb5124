//! The audit log: every write to an official record appends an entry in its transaction;
//! this capability reads them.

use crate::Result;
use async_trait::async_trait;
use domain::{OrgId, OrgPath, Principal, UserId};
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub user_id: Option<UserId>,
    /// The account's sign-in name as recorded ("system" for the command line).
    pub actor: String,
    /// The account's display name now (the recorded sign-in name when the account is
    /// gone), for people reading the log.
    pub actor_name: String,
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

/// Reading the audit log.
#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// Audit entries about units in the principal's audit scope, newest first.
    async fn audit_list(&self, p: &Principal, filter: AuditFilter) -> Result<Vec<AuditEntry>>;
}
