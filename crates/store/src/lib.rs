//! The storage API of Resolute: one trait, [`Store`], its records and its error.
//!
//! Two crates implement it: `store-sqlite` (the embedded default) and `store-postgres`
//! (the scale backend). Each owns its migrations and its SQL; this crate holds no SQL.
//!
//! API boundary: every method that reads or writes organization data takes the acting
//! [`Principal`]. Reads return only what the principal's grants cover; a record outside
//! them is [`StoreError::NotFound`], exactly as if it did not exist, so that no name leaks.
//! A write the principal may see but not make is [`StoreError::Forbidden`]. Every write
//! to an official record appends to the audit log in the same transaction.

mod error;
pub mod programs;
mod records;
pub mod study;

pub use error::StoreError;
pub use programs::*;
pub use records::*;
pub use study::*;

use async_trait::async_trait;
use domain::{MemberId, OrgId, Principal, UserId};
use time::{Date, OffsetDateTime};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[async_trait]
pub trait Store: ProgramStore + StudyStore + Send + Sync + 'static {
    // ---- Meta ----------------------------------------------------------------------------

    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;

    /// A number that changes after every write this process commits, if the backend can
    /// tell: callers may keep data read under one generation until it changes (see
    /// `web::pagecache`). `None` (the default) means "cannot tell": never cache.
    ///
    /// It is bumped *after* a commit, so data read after observing generation `g` is at
    /// least as new as every write that produced `g`. Writes by another process are not
    /// seen here; callers bound their trust in time as well.
    fn write_generation(&self) -> Option<u64> {
        None
    }

    /// Applies pending migrations.
    async fn migrate(&self) -> Result<()>;

    /// Applied and known migrations.
    async fn migration_state(&self) -> Result<MigrationState>;

    // ---- Sign-in and sessions (no principal yet) -----------------------------------------

    /// The stored credentials of an account, by sign-in name.
    async fn credentials(&self, username: &str) -> Result<Option<Credentials>>;

    /// The principal of an account: its grants with their organizations' paths.
    /// `None` when the account does not exist or is disabled.
    async fn principal(&self, user: UserId) -> Result<Option<Principal>>;

    /// The stored session and its expiry, expired or not: the caller compares the expiry.
    /// Instants are kept to the second.
    async fn session_load(&self, id: &str) -> Result<Option<(Vec<u8>, OffsetDateTime)>>;
    async fn session_save(&self, id: &str, data: &[u8], expires: OffsetDateTime) -> Result<()>;
    /// Creates a session only if the id is free; `false` when it was taken.
    async fn session_create(&self, id: &str, data: &[u8], expires: OffsetDateTime) -> Result<bool>;
    async fn session_delete(&self, id: &str) -> Result<()>;
    async fn session_delete_expired(&self, now: OffsetDateTime) -> Result<u64>;

    // ---- Organizations -------------------------------------------------------------------

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
    /// parent is an existing unit or an earlier row. Every rule of [`Store::org_create`]
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

    // ---- Members -------------------------------------------------------------------------

    async fn member_get(&self, p: &Principal, id: MemberId) -> Result<MemberDetail>;

    /// Active members of a cell, by name.
    async fn cell_members(&self, p: &Principal, cell: OrgId) -> Result<Vec<Member>>;

    /// The current positions (no end date) held by the cell's active members, in any unit,
    /// ordered by member then start date: what the cell's page shows beside each name.
    async fn cell_positions(&self, p: &Principal, cell: OrgId) -> Result<Vec<Position>>;

    /// Active members anywhere under a unit, by name, one page at a time.
    async fn subtree_members(
        &self,
        p: &Principal,
        org: OrgId,
        page: Page,
    ) -> Result<Vec<MemberHit>>;

    /// Active members whose name matches the folded query, in scope.
    async fn member_search(&self, p: &Principal, query: &str, limit: u32)
    -> Result<Vec<MemberHit>>;

    async fn member_create(&self, p: &Principal, new: NewMember) -> Result<Member>;

    /// Creates many members in one transaction: all or nothing. Returns how many.
    async fn member_import(&self, p: &Principal, new: Vec<NewMember>) -> Result<u64>;

    async fn member_update(&self, p: &Principal, id: MemberId, edit: MemberEdit) -> Result<Member>;

    /// Moves a member to another cell on a date; the old stint is kept.
    async fn member_transfer(
        &self,
        p: &Principal,
        id: MemberId,
        to_cell: OrgId,
        on: Date,
    ) -> Result<Member>;

    async fn position_add(&self, p: &Principal, new: NewPosition) -> Result<Position>;

    async fn position_end(&self, p: &Principal, id: i64, on: Date) -> Result<Position>;

    // ---- Accounts ------------------------------------------------------------------------

    async fn user_create(&self, p: &Principal, new: NewUser) -> Result<User>;

    async fn user_get(&self, p: &Principal, id: UserId) -> Result<UserDetail>;

    async fn user_by_username(&self, p: &Principal, username: &str) -> Result<Option<UserDetail>>;

    /// Accounts the principal administers (a grant or member inside its account scope).
    async fn user_list(&self, p: &Principal) -> Result<Vec<UserDetail>>;

    async fn user_set_password(&self, p: &Principal, id: UserId, hash: &str) -> Result<()>;

    async fn user_set_disabled(&self, p: &Principal, id: UserId, disabled: bool) -> Result<()>;

    async fn grant_add(&self, p: &Principal, new: NewGrant) -> Result<GrantRow>;

    async fn grant_revoke(&self, p: &Principal, grant_id: i64) -> Result<()>;

    // ---- Audit ---------------------------------------------------------------------------

    /// Audit entries about units in the principal's audit scope, newest first.
    async fn audit_list(&self, p: &Principal, filter: AuditFilter) -> Result<Vec<AuditEntry>>;

    // ---- Bulk and maintenance (system principal only) ------------------------------------

    /// The largest organization id in use, so a bulk loader can allocate ids.
    async fn max_ids(&self) -> Result<MaxIds>;

    /// Loads pre-built rows (demo, benchmarks) in large transactions, without per-row
    /// audit entries; one audit entry records the load. Counters are rebuilt afterwards.
    async fn bulk_load(&self, p: &Principal, load: BulkLoad) -> Result<()>;

    /// Rebuilds every kept-up-to-date counter from the records.
    async fn recount(&self, p: &Principal) -> Result<()>;

    /// Writes a consistent copy of the database to a file (SQLite: online backup). A
    /// backend that uses external tools returns [`StoreError::Unsupported`].
    async fn backup_to(&self, path: &std::path::Path) -> Result<()>;
}
