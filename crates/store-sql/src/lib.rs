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
pub(crate) mod bulk;
pub(crate) mod insight;
pub(crate) mod members;
pub(crate) mod migrations;
pub(crate) mod orgs;
pub(crate) mod programs;
pub(crate) mod progress;
pub(crate) mod restructure;
pub(crate) mod rows;
pub(crate) mod study;
pub(crate) mod util;

use crate::dialect::{self, Backend};
use async_trait::async_trait;
use domain::{MemberId, OrgId, Principal, UserId};
use store::*;
use time::{Date, OffsetDateTime};

#[async_trait]
impl Store for Backend {
    fn backend(&self) -> &'static str {
        dialect::NAME
    }

    fn write_generation(&self) -> Option<u64> {
        self.generation()
    }

    async fn migrate(&self) -> Result<()> {
        migrations::MIGRATOR
            .run(self.write_pool())
            .await
            .map_err(StoreError::backend)
    }

    async fn migration_state(&self) -> Result<MigrationState> {
        migrations::state(self.read_pool()).await
    }

    async fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        self.credentials_impl(username).await
    }
    async fn principal(&self, user: UserId) -> Result<Option<Principal>> {
        self.principal_impl(user).await
    }
    async fn session_load(&self, id: &str) -> Result<Option<(Vec<u8>, OffsetDateTime)>> {
        self.session_load_impl(id).await
    }
    async fn session_save(&self, id: &str, data: &[u8], expires: OffsetDateTime) -> Result<()> {
        self.session_save_impl(id, data, expires).await
    }
    async fn session_create(&self, id: &str, data: &[u8], expires: OffsetDateTime) -> Result<bool> {
        self.session_create_impl(id, data, expires).await
    }
    async fn session_delete(&self, id: &str) -> Result<()> {
        self.session_delete_impl(id).await
    }
    async fn session_delete_expired(&self, now: OffsetDateTime) -> Result<u64> {
        self.session_delete_expired_impl(now).await
    }

    async fn org_roots(&self, p: &Principal) -> Result<Vec<Org>> {
        self.org_roots_impl(p).await
    }
    async fn org_get(&self, p: &Principal, id: OrgId) -> Result<Org> {
        self.org_get_impl(p, id).await
    }
    async fn org_children(
        &self,
        p: &Principal,
        id: OrgId,
        include_closed: bool,
    ) -> Result<Vec<Org>> {
        self.org_children_impl(p, id, include_closed).await
    }
    async fn org_ancestors(&self, p: &Principal, id: OrgId) -> Result<Vec<Crumb>> {
        self.org_ancestors_impl(p, id).await
    }
    async fn org_search(&self, p: &Principal, query: &str, limit: u32) -> Result<Vec<Org>> {
        self.org_search_impl(p, query, limit).await
    }
    async fn org_by_code(&self, p: &Principal, code: &str) -> Result<Option<Org>> {
        self.org_by_code_impl(p, code).await
    }
    async fn org_create(&self, p: &Principal, new: NewOrg) -> Result<Org> {
        self.org_create_impl(p, new).await
    }
    async fn org_import(&self, p: &Principal, rows: Vec<NewOrgImport>) -> Result<u64> {
        self.org_import_impl(p, rows).await
    }
    async fn org_update(&self, p: &Principal, id: OrgId, edit: OrgEdit) -> Result<Org> {
        self.org_update_impl(p, id, edit).await
    }
    async fn org_move(&self, p: &Principal, id: OrgId, new_parent: OrgId, on: Date) -> Result<Org> {
        self.org_move_impl(p, id, new_parent, on).await
    }
    async fn org_merge(&self, p: &Principal, merge: Merge) -> Result<Org> {
        self.org_merge_impl(p, merge).await
    }
    async fn org_split(&self, p: &Principal, split: Split) -> Result<Vec<Org>> {
        self.org_split_impl(p, split).await
    }
    async fn org_close(
        &self,
        p: &Principal,
        id: OrgId,
        on: Date,
        successor: Option<OrgId>,
    ) -> Result<Org> {
        self.org_close_impl(p, id, on, successor).await
    }
    async fn org_history(&self, p: &Principal, id: OrgId) -> Result<Vec<OrgEvent>> {
        self.org_history_impl(p, id).await
    }
    async fn org_links(&self, p: &Principal, id: OrgId) -> Result<OrgLinks> {
        self.org_links_impl(p, id).await
    }
    async fn org_lineage(&self, p: &Principal, id: OrgId) -> Result<Vec<OrgId>> {
        self.org_lineage_impl(p, id).await
    }

    async fn member_get(&self, p: &Principal, id: MemberId) -> Result<MemberDetail> {
        self.member_get_impl(p, id).await
    }
    async fn cell_members(&self, p: &Principal, cell: OrgId) -> Result<Vec<Member>> {
        self.cell_members_impl(p, cell).await
    }
    async fn cell_positions(&self, p: &Principal, cell: OrgId) -> Result<Vec<Position>> {
        self.cell_positions_impl(p, cell).await
    }
    async fn subtree_members(
        &self,
        p: &Principal,
        org: OrgId,
        page: Page,
    ) -> Result<Vec<MemberHit>> {
        self.subtree_members_impl(p, org, page).await
    }
    async fn member_search(
        &self,
        p: &Principal,
        query: &str,
        limit: u32,
    ) -> Result<Vec<MemberHit>> {
        self.member_search_impl(p, query, limit).await
    }
    async fn member_create(&self, p: &Principal, new: NewMember) -> Result<Member> {
        self.member_create_impl(p, new).await
    }
    async fn member_import(&self, p: &Principal, new: Vec<NewMember>) -> Result<u64> {
        self.member_import_impl(p, new).await
    }
    async fn member_update(&self, p: &Principal, id: MemberId, edit: MemberEdit) -> Result<Member> {
        self.member_update_impl(p, id, edit).await
    }
    async fn member_transfer(
        &self,
        p: &Principal,
        id: MemberId,
        to_cell: OrgId,
        on: Date,
    ) -> Result<Member> {
        self.member_transfer_impl(p, id, to_cell, on).await
    }
    async fn position_add(&self, p: &Principal, new: NewPosition) -> Result<Position> {
        self.position_add_impl(p, new).await
    }
    async fn position_end(&self, p: &Principal, id: i64, on: Date) -> Result<Position> {
        self.position_end_impl(p, id, on).await
    }

    async fn user_create(&self, p: &Principal, new: NewUser) -> Result<User> {
        self.user_create_impl(p, new).await
    }
    async fn user_get(&self, p: &Principal, id: UserId) -> Result<UserDetail> {
        self.user_get_impl(p, id).await
    }
    async fn user_by_username(&self, p: &Principal, username: &str) -> Result<Option<UserDetail>> {
        self.user_by_username_impl(p, username).await
    }
    async fn user_list(&self, p: &Principal) -> Result<Vec<UserDetail>> {
        self.user_list_impl(p).await
    }
    async fn user_set_password(&self, p: &Principal, id: UserId, hash: &str) -> Result<()> {
        self.user_set_password_impl(p, id, hash).await
    }
    async fn user_set_disabled(&self, p: &Principal, id: UserId, disabled: bool) -> Result<()> {
        self.user_set_disabled_impl(p, id, disabled).await
    }
    async fn grant_add(&self, p: &Principal, new: NewGrant) -> Result<GrantRow> {
        self.grant_add_impl(p, new).await
    }
    async fn grant_revoke(&self, p: &Principal, grant_id: i64) -> Result<()> {
        self.grant_revoke_impl(p, grant_id).await
    }

    async fn audit_list(&self, p: &Principal, filter: AuditFilter) -> Result<Vec<AuditEntry>> {
        self.audit_list_impl(p, filter).await
    }

    async fn max_ids(&self) -> Result<MaxIds> {
        self.max_ids_impl().await
    }
    async fn bulk_load(&self, p: &Principal, load: BulkLoad) -> Result<()> {
        self.bulk_load_impl(p, load).await
    }
    async fn recount(&self, p: &Principal) -> Result<()> {
        self.recount_impl(p).await
    }

    async fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        self.backup(path).await
    }
}
