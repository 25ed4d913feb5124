//! Records of the store's meta and maintenance half ([`crate::Store`]): migrations, paging,
//! and bulk loading.

use domain::{AccessRole, Audience, Gender, MemberId, OrgId, OrgKind, OrgPath, PositionRole};
use serde::Serialize;
use time::Date;

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
