//! SQLite implementation of [`store::Store`]: the embedded default.
//!
//! One file in WAL mode, two pools on it: readers (several connections) and one writer.
//! Every write transaction runs on the single writer connection and starts with
//! `BEGIN IMMEDIATE`, so writers of this process queue in the pool instead of failing with
//! `SQLITE_BUSY`, and a second process (the command line beside a running server) waits on
//! `busy_timeout` instead of failing half-way.
//!
//! All SQL of this backend lives in this crate; queries are built at run time (no checked
//! macros) with `$n` placeholders.

mod accounts;
mod bulk;
mod insight;
mod members;
mod orgs;
mod programs;
mod progress;
mod restructure;
mod rows;
mod study;
mod util;

use async_trait::async_trait;
use domain::{MemberId, OrgId, Principal, UserId};
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use store::*;
use time::{Date, OffsetDateTime};
use util::DbResult;

/// The migrations of this backend, embedded in the binary. (`sqlx::migrate!` needs sqlx's
/// `macros` feature, which would build the drivers twice; this is what it expands to.)
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (
        2,
        "programs",
        include_str!("../migrations/0002_programs.sql"),
    ),
    (3, "study", include_str!("../migrations/0003_study.sql")),
    (
        4,
        "document_attachments",
        include_str!("../migrations/0004_document_attachments.sql"),
    ),
    (
        5,
        "program_assessments",
        include_str!("../migrations/0005_program_assessments.sql"),
    ),
    (
        6,
        "dashboard_task_indexes",
        include_str!("../migrations/0006_dashboard_task_indexes.sql"),
    ),
    (
        7,
        "done_weeks",
        include_str!("../migrations/0007_done_weeks.sql"),
    ),
    (
        8,
        "study_edits",
        include_str!("../migrations/0008_study_edits.sql"),
    ),
];

static MIGRATOR: LazyLock<Migrator> = LazyLock::new(|| {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    (*description).into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
});

/// The SQLite store. Cheap to clone (pools are shared).
#[derive(Clone)]
pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
    /// Bumped each time the writer connection returns to its pool, i.e. after every
    /// write of this process has committed or rolled back ([`Store::write_generation`]).
    generation: Arc<AtomicU64>,
    /// Keeps the directory of a [`SqliteStore::temporary`] store alive.
    _temp: Option<Arc<tempfile::TempDir>>,
}

impl SqliteStore {
    /// Opens (creating it if missing) a database file, given as a path or a `sqlite:` URL.
    /// Does not migrate: call [`Store::migrate`].
    pub async fn open(path_or_url: &str) -> Result<SqliteStore> {
        let opts = if path_or_url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(path_or_url).map_err(StoreError::backend)?
        } else {
            SqliteConnectOptions::new().filename(path_or_url)
        };
        Self::open_with(opts, None).await
    }

    /// A fresh, migrated database in a temporary directory that is removed when the last
    /// clone of the store is dropped. For tests.
    pub async fn temporary() -> Result<SqliteStore> {
        let dir = tempfile::tempdir().map_err(StoreError::backend)?;
        let opts = SqliteConnectOptions::new().filename(dir.path().join("resolute.db"));
        let store = Self::open_with(opts, Some(Arc::new(dir))).await?;
        store.migrate().await?;
        Ok(store)
    }

    async fn open_with(
        opts: SqliteConnectOptions,
        temp: Option<Arc<tempfile::TempDir>>,
    ) -> Result<SqliteStore> {
        let opts = opts
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            .synchronous(SqliteSynchronous::Normal)
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-32000");
        // The writer opens (and so creates) the file first and keeps its connection, so the
        // WAL files stay in place for the readers.
        let generation = Arc::new(AtomicU64::new(0));
        let bump = generation.clone();
        let write = SqlitePoolOptions::new()
            .after_release(move |_conn, _meta| {
                let bump = bump.clone();
                Box::pin(async move {
                    bump.fetch_add(1, Ordering::Release);
                    Ok(true)
                })
            })
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts.clone())
            .await
            .db()?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await
            .db()?;
        Ok(SqliteStore {
            read,
            write,
            generation,
            _temp: temp,
        })
    }

    /// Starts a write transaction on the single writer connection, taking the write lock
    /// at once.
    pub(crate) async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.write.begin_with("BEGIN IMMEDIATE").await.db()
    }

    /// Closes both pools (checkpointing the WAL).
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn write_generation(&self) -> Option<u64> {
        Some(self.generation.load(Ordering::Acquire))
    }

    async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.write).await.map_err(StoreError::backend)
    }

    async fn migration_state(&self) -> Result<MigrationState> {
        let known = MIGRATOR
            .iter()
            .filter(|m| m.migration_type.is_up_migration())
            .count() as i64;
        let exists: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_one(&self.read)
        .await
        .db()?;
        if exists == 0 {
            return Ok(MigrationState {
                applied: 0,
                known,
                latest_applied: None,
            });
        }
        let applied: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.read)
                .await
                .db()?;
        let latest_applied: Option<String> = sqlx::query_scalar(
            "SELECT version || '_' || description FROM _sqlx_migrations WHERE success \
             ORDER BY version DESC LIMIT 1",
        )
        .fetch_optional(&self.read)
        .await
        .db()?;
        Ok(MigrationState {
            applied,
            known,
            latest_applied,
        })
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
        if path.exists() {
            return Err(StoreError::Conflict("file_exists"));
        }
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Backend("backup path is not UTF-8".into()))?
            .to_owned();
        let mut conn = self.read.acquire().await.db()?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&mut *conn)
            .await
            .db()?;
        Ok(())
    }
}
