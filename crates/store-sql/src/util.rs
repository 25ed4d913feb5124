//! Helpers shared by the modules: error mapping, scope filters, the audit log, counters.

use crate::dialect::{self, Backend, Conn, Db};
use domain::{OrgId, OrgPath, Permission, Principal};
use serde_json::Value;
use sqlx::QueryBuilder;
use store::{OrgEventKind, Page, Result, StoreError};
use time::{Date, OffsetDateTime};

/// Maps sqlx errors: unique violations become the conflict their index names, the rest
/// `Backend`.
pub(crate) trait DbResult<T> {
    fn db(self) -> Result<T>;
}

impl<T> DbResult<T> for std::result::Result<T, sqlx::Error> {
    fn db(self) -> Result<T> {
        self.map_err(map_err)
    }
}

pub(crate) fn map_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        return match dialect::conflict_code(&**d) {
            Some(code) => StoreError::Conflict(code),
            None => StoreError::backend(e),
        };
    }
    if matches!(e, sqlx::Error::RowNotFound) {
        return StoreError::NotFound;
    }
    StoreError::backend(e)
}

/// Now, in UTC, to the second (SQLite stores it as RFC 3339 text, whose order is then
/// time order).
pub(crate) fn now() -> OffsetDateTime {
    trunc(store::clock::now())
}

/// Today in Vietnam (the day rules such as "not before the conference" compare with).
pub(crate) fn today() -> time::Date {
    store::clock::today()
}

pub(crate) fn trunc(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .expect("0 ns is valid")
}

pub(crate) fn bad_data(what: &str, v: &str) -> StoreError {
    StoreError::Backend(format!("bad {what} in the database: {v:?}"))
}

/// Appends ` AND (col in one of the principal's subtrees for `perm`)`; nothing for the
/// system principal, and a false condition for an empty scope.
pub(crate) fn push_scope(qb: &mut QueryBuilder<Db>, col: &str, p: &Principal, perm: Permission) {
    if p.system {
        return;
    }
    let ranges = p.scope(perm).ranges();
    if ranges.is_empty() {
        qb.push(" AND 1 = 0");
        return;
    }
    qb.push(" AND (");
    for (i, r) in ranges.into_iter().enumerate() {
        if i > 0 {
            qb.push(" OR ");
        }
        qb.push("(")
            .push(col)
            .push(" >= ")
            .push_bind(r.start)
            .push(" AND ")
            .push(col)
            .push(" < ")
            .push_bind(r.end)
            .push(")");
    }
    qb.push(")");
}

/// Appends ` AND col in the subtree of path`.
pub(crate) fn push_subtree(qb: &mut QueryBuilder<Db>, col: &str, path: &OrgPath) {
    let r = path.subtree();
    qb.push(" AND ")
        .push(col)
        .push(" >= ")
        .push_bind(r.start)
        .push(" AND ")
        .push(col)
        .push(" < ")
        .push_bind(r.end);
}

/// Appends `(id, id, …)`; `(NULL)` for an empty list.
pub(crate) fn push_ids(qb: &mut QueryBuilder<Db>, ids: impl IntoIterator<Item = i64>) {
    qb.push("(");
    let mut any = false;
    for (i, id) in ids.into_iter().enumerate() {
        if i > 0 {
            qb.push(", ");
        }
        qb.push_bind(id);
        any = true;
    }
    if !any {
        qb.push("NULL");
    }
    qb.push(")");
}

pub(crate) fn province_of(path: &OrgPath) -> i64 {
    path.ids()[0].0
}

/// A JSON value as the backend binds it.
pub(crate) fn json_text(v: &Option<Value>) -> Option<dialect::JsonParam<'_>> {
    v.as_ref().map(dialect::json_param)
}

pub(crate) fn user_id_of(p: &Principal) -> Option<i64> {
    // The system and the anonymous visitor (`Principal::anonymous`, user id 0) are no account.
    (!p.system && p.user_id.0 != 0).then_some(p.user_id.0)
}

/// One audit entry, in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn audit(
    conn: &mut Conn,
    p: &Principal,
    action: &str,
    entity: &str,
    entity_id: i64,
    org_path: Option<&OrgPath>,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, actor, action, entity, entity_id, org_path, before, after) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now())
    .bind(user_id_of(p))
    .bind(&p.username)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(org_path.map(|x| x.as_str().to_owned()))
    .bind(json_text(&before))
    .bind(json_text(&after))
    .execute(conn)
    .await
    .db()?;
    Ok(())
}

/// One event in a unit's history, in the caller's transaction.
pub(crate) async fn org_event(
    conn: &mut Conn,
    p: &Principal,
    org: OrgId,
    path: &OrgPath,
    kind: OrgEventKind,
    on: Date,
    detail: Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO org_events (org_id, province_id, kind, on_date, detail, at, user_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(org.0)
    .bind(province_of(path))
    .bind(kind.as_str())
    .bind(on)
    .bind(dialect::json_param(&detail))
    .bind(now())
    .bind(user_id_of(p))
    .execute(conn)
    .await
    .db()?;
    Ok(())
}

/// Adds `delta` active members to a cell and every unit above it.
///
/// The rows are updated one at a time from the root down to the cell, so that concurrent
/// writers lock the units they share in the same order: one multi-row `UPDATE … WHERE id
/// IN (…)` locks rows in the order the plan meets them, which on PostgreSQL can differ
/// between transactions and deadlock two members added at once under one district.
pub(crate) async fn bump_members(conn: &mut Conn, cell_path: &OrgPath, delta: i64) -> Result<()> {
    let cell = cell_path.id().0;
    for id in cell_path.ids().into_iter().map(|i| i.0) {
        let sql = if id == cell {
            "UPDATE organizations SET member_count = member_count + $1, \
             subtree_member_count = subtree_member_count + $1 WHERE id = $2"
        } else {
            "UPDATE organizations SET subtree_member_count = subtree_member_count + $1 \
             WHERE id = $2"
        };
        sqlx::query(sql)
            .bind(delta)
            .bind(id)
            .execute(&mut *conn)
            .await
            .db()?;
    }
    Ok(())
}

/// Recomputes the counters of the given units with range counts: used after
/// restructurings, on the ancestor chains they touched.
pub(crate) async fn recount_units(
    conn: &mut Conn,
    ids: impl IntoIterator<Item = i64>,
) -> Result<()> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<Db>::new(
        "UPDATE organizations SET \
         member_count = (SELECT COUNT(*) FROM members m \
            WHERE m.cell_id = organizations.id AND m.status = 'active'), \
         child_count = (SELECT COUNT(*) FROM organizations c \
            WHERE c.parent_id = organizations.id AND c.valid_to IS NULL), \
         subtree_cell_count = (SELECT COUNT(*) FROM organizations c \
            WHERE c.path >= organizations.path \
              AND c.path < substr(organizations.path, 1, length(organizations.path) - 1) || '0' \
              AND c.kind = 'cell' AND c.valid_to IS NULL) \
         WHERE id IN ",
    );
    push_ids(&mut qb, ids.iter().copied());
    qb.build().execute(&mut *conn).await.db()?;
    let mut qb = QueryBuilder::<Db>::new(
        "UPDATE organizations SET \
         subtree_member_count = (SELECT COALESCE(SUM(c.member_count), 0) FROM organizations c \
            WHERE c.path >= organizations.path \
              AND c.path < substr(organizations.path, 1, length(organizations.path) - 1) || '0') \
         WHERE id IN ",
    );
    push_ids(&mut qb, ids.iter().copied());
    qb.build().execute(&mut *conn).await.db()?;
    // Targets weigh units by these counters and leave closed units out: the roll-ups the
    // touched units contribute to follow in the same transaction.
    crate::sql::targets::refresh_for_orgs(conn, &ids).await
}

/// A record as audit JSON.
pub(crate) fn to_json(v: impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

pub(crate) fn path_of(s: String) -> Result<OrgPath> {
    OrgPath::parse(&s).ok_or_else(|| bad_data("path", &s))
}

pub(crate) fn page_limits(page: Page) -> (i64, i64) {
    (i64::from(page.limit.clamp(1, 1000)), i64::from(page.offset))
}

impl Backend {
    pub(crate) async fn reader(&self) -> Result<sqlx::pool::PoolConnection<Db>> {
        self.read_pool().acquire().await.db()
    }

    /// A connection for a single autocommitted write (derived data, no transaction). The
    /// write generation moves when it is given back.
    pub(crate) async fn writer(&self) -> Result<WriteConn> {
        Ok(WriteConn {
            inner: self.write_pool().acquire().await.db()?,
            generation: self.generation_cell().clone(),
        })
    }

    /// Starts a write transaction ([`Tx`]).
    pub(crate) async fn begin(&self) -> Result<Tx> {
        Ok(Tx {
            inner: self.begin_raw().await?,
            generation: self.generation_cell().clone(),
        })
    }
}

/// A write transaction that moves the store's write generation
/// ([`store::Store::write_generation`]) once it has committed, before `commit` returns: a
/// page cached under the old generation is never served after the write's own response
/// (docs/BENCHMARKS.md, "Dashboard under load"). Dereferences to the connection.
pub(crate) struct Tx {
    inner: sqlx::Transaction<'static, Db>,
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Tx {
    pub(crate) async fn commit(self) -> std::result::Result<(), sqlx::Error> {
        let r = self.inner.commit().await;
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        r
    }

    /// Undoes everything (a preview that must leave nothing behind); nothing changed, so
    /// the generation stays.
    pub(crate) async fn rollback(self) -> std::result::Result<(), sqlx::Error> {
        self.inner.rollback().await
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.inner
    }
}

/// The writer connection of an autocommitted write; the write generation moves when it is
/// dropped (each statement has committed by then).
pub(crate) struct WriteConn {
    inner: sqlx::pool::PoolConnection<Db>,
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Drop for WriteConn {
    fn drop(&mut self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }
}

impl std::ops::Deref for WriteConn {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.inner
    }
}

impl std::ops::DerefMut for WriteConn {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.inner
    }
}
