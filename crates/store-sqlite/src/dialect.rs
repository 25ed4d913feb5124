//! What SQLite does differently from PostgreSQL, named once. The shared store code
//! (`crate::sql`) calls these and nothing else of the backend.

use crate::SqliteStore;
use crate::sql::dashboards::add_rollups;
use crate::sql::meta::insert_batched;

use crate::sql::cascades::NewCascade;
use crate::sql::util::{DbResult, path_of, province_of};
use domain::text::fold;
use domain::{OrgId, Rollup};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use store::{BulkMember, Result, StoreError};

pub(crate) use crate::migrations::MIGRATIONS;

pub(crate) type Db = sqlx::Sqlite;
pub(crate) type Conn = sqlx::SqliteConnection;
pub(crate) type DbRow = sqlx::sqlite::SqliteRow;
pub(crate) type Backend = SqliteStore;

/// "sqlite", as [`store::Store::backend`] reports it.
pub(crate) const NAME: &str = "sqlite";

/// Binds per statement in multi-row inserts (SQLite allows 32,766). Full batches share one
/// SQL text, so sqlx reuses one prepared statement for them.
pub(crate) const MAX_BINDS: usize = 30_000;

/// The integer type SQLite's functions take (`substr`, …).
pub(crate) type SqlInt = i64;

/// JSON columns are TEXT.
pub(crate) type JsonCol = String;
pub(crate) type JsonParam<'a> = String;

pub(crate) fn json_param(v: &serde_json::Value) -> JsonParam<'_> {
    v.to_string()
}

pub(crate) fn json_value(s: JsonCol) -> Result<serde_json::Value> {
    serde_json::from_str(&s).map_err(|_| crate::sql::util::bad_data("json", &s))
}

/// The names of the schema's tables (SQLite's own left out).
pub(crate) const TABLE_NAMES: &str = "SELECT name FROM sqlite_master WHERE type = 'table' \
     AND name NOT LIKE 'sqlite_%' ORDER BY name";

/// 1 when the migrations table exists.
pub(crate) const MIGRATIONS_TABLE_EXISTS: &str =
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'";

/// The conflict code of a unique violation, from the index SQLite names in its message.
pub(crate) fn conflict_code(e: &dyn sqlx::error::DatabaseError) -> Option<&'static str> {
    let msg = e.message();
    [
        ("users.username", "username_taken"),
        ("organizations.code", "code_taken"),
        ("members.card_number", "card_taken"),
        ("grants.", "grant_exists"),
        ("documents.issuer_org_id", "document_number_taken"),
        ("emulation_decisions.org_id", "emulation_number_taken"),
        ("emulation_awards.nomination_id", "emulation_not_passed"),
    ]
    .into_iter()
    .find(|(needle, _)| msg.contains(needle))
    .map(|(_, code)| code)
}

/// SQLite has no statistics here, so the shared code names the index it should use.
pub(crate) fn index_hint(index: &'static str) -> String {
    format!(" INDEXED BY {index}")
}

impl SqliteStore {
    pub(crate) fn read_pool(&self) -> &sqlx::Pool<Db> {
        &self.read
    }

    pub(crate) fn write_pool(&self) -> &sqlx::Pool<Db> {
        &self.write
    }

    pub(crate) fn generation(&self) -> Option<u64> {
        Some(self.generation.load(Ordering::Acquire))
    }

    /// Starts a write transaction on the single writer connection, taking the write lock
    /// at once.
    pub(crate) async fn begin_raw(&self) -> Result<sqlx::Transaction<'static, Db>> {
        self.write.begin_with("BEGIN IMMEDIATE").await.db()
    }

    pub(crate) fn generation_cell(&self) -> &std::sync::Arc<std::sync::atomic::AtomicU64> {
        &self.generation
    }

    /// An online, consistent copy of the database (`VACUUM INTO`).
    pub(crate) async fn backup(&self, path: &std::path::Path) -> Result<()> {
        if path.exists() {
            return Err(StoreError::Conflict("file_exists"));
        }
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Backend("backup path is not UTF-8".into()))?
            .to_owned();
        let mut conn = self.read.acquire().await.db()?;
        sqlx::query("VACUUM INTO $1")
            .bind(&target)
            .execute(&mut *conn)
            .await
            .db()?;
        drop(conn);
        // Live sessions are left out of backups: a restored database signs nobody in.
        use sqlx::Connection;
        let mut copy = sqlx::SqliteConnection::connect_with(
            &sqlx::sqlite::SqliteConnectOptions::new().filename(&target),
        )
        .await
        .db()?;
        // Zero the freed pages too, so that no session's bytes stay in the file.
        sqlx::query("PRAGMA secure_delete = ON")
            .execute(&mut copy)
            .await
            .db()?;
        sqlx::query("DELETE FROM sessions")
            .execute(&mut copy)
            .await
            .db()?;
        copy.close().await.db()?;
        Ok(())
    }
}

/// The next free id of a table. The write transaction holds the database's only write
/// lock (`BEGIN IMMEDIATE`), so the ids are ours until it ends.
pub(crate) async fn next_id(conn: &mut Conn, table: &'static str) -> Result<i64> {
    Ok(next_ids(conn, table, 1).await?[0])
}

/// `n` consecutive free ids of a table (see [`next_id`]).
pub(crate) async fn next_ids(conn: &mut Conn, table: &'static str, n: usize) -> Result<Vec<i64>> {
    let sql = format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}");
    let first: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await
        .db()?;
    Ok((first..first + n as i64).collect())
}

/// Takes the lock of a unit's numbering series. SQLite has one writer, so the write
/// transaction already holds it.
pub(crate) async fn lock_series(_conn: &mut Conn, _org: OrgId) -> Result<()> {
    Ok(())
}

/// The rollups of a new cascade. Every new unit adds the same `r` to each of its ancestors,
/// so an ancestor gets `r × (new units in its subtree)`; SQLite counts the units per
/// ancestor in Rust from their paths.
pub(crate) async fn init_cascade_rollups(conn: &mut Conn, new: &NewCascade<'_>) -> Result<()> {
    let (cascade_id, root, province, r) = (new.id, new.root, new.province, new.rollup);
    let paths: Vec<String> =
        sqlx::query_scalar("SELECT org_path FROM cascade_units WHERE cascade_id = $1")
            .bind(cascade_id)
            .fetch_all(&mut *conn)
            .await
            .db()?;
    let mut per: HashMap<OrgId, i64> = HashMap::new();
    for s in paths {
        for id in path_of(s)?.ids() {
            *per.entry(id).or_insert(0) += 1;
        }
    }
    let mut entries: Vec<(OrgId, Rollup)> =
        per.into_iter().map(|(id, n)| (id, r.times(n))).collect();
    entries.sort_by_key(|e| e.0);
    add_rollups(conn, root, province, &entries).await
}

/// Members and their first stints of a bulk load, as multi-row INSERTs. `at` is the
/// load's timestamp as an SQL literal's content.
pub(crate) async fn insert_members(
    conn: &mut Conn,
    members: &[BulkMember],
    at: &str,
) -> Result<()> {
    let head = "INSERT INTO members (id, province_id, cell_id, cell_path, full_name, search_key, \
                gender, birth_date, joined_on, audience, status, card_number, created_at, \
                updated_at) ";
    insert_batched(conn, head, 11, members, |sep, m| {
        sep.push_bind(m.id.0)
            .push_bind(province_of(&m.cell_path))
            .push_bind(m.cell_id.0)
            .push_bind(m.cell_path.as_str().to_owned())
            .push_bind(m.full_name.clone())
            .push_bind(fold(&m.full_name))
            .push_bind(m.gender.map(|g| g.as_str()))
            .push_bind(m.birth_date)
            .push_bind(m.joined_on)
            .push_bind(m.audience.as_str())
            .push("'active'")
            .push_bind(m.card_number.clone())
            .push(format!("'{at}'"))
            .push(format!("'{at}'"));
    })
    .await?;
    let head = "INSERT INTO member_stints (member_id, cell_id, province_id, from_date) ";
    insert_batched(conn, head, 4, members, |sep, m| {
        sep.push_bind(m.id.0)
            .push_bind(m.cell_id.0)
            .push_bind(province_of(&m.cell_path))
            .push_bind(m.since);
    })
    .await
}

/// Nothing to do after a bulk load: SQLite's ids follow `MAX(id)`.
pub(crate) async fn after_bulk_load(_conn: &mut Conn) -> Result<()> {
    Ok(())
}

/// Rebuilds every organization counter from the records, set-based: member counts by one
/// GROUP BY, subtree sums by expanding each unit's path into its ancestors (`json_each`).
pub(crate) async fn recount_tree(conn: &mut Conn) -> Result<()> {
    for sql in [
        "UPDATE organizations SET member_count = 0, subtree_member_count = 0, \
         subtree_cell_count = 0, child_count = 0",
        "UPDATE organizations SET member_count = m.n FROM \
         (SELECT cell_id, COUNT(*) AS n FROM members WHERE status = 'active' GROUP BY cell_id) AS m \
         WHERE m.cell_id = organizations.id",
        "UPDATE organizations SET child_count = c.n FROM \
         (SELECT parent_id, COUNT(*) AS n FROM organizations \
          WHERE valid_to IS NULL AND parent_id IS NOT NULL GROUP BY parent_id) AS c \
         WHERE c.parent_id = organizations.id",
        "UPDATE organizations SET subtree_member_count = a.members, subtree_cell_count = a.cells \
         FROM (SELECT CAST(j.value AS INTEGER) AS anc, SUM(o.member_count) AS members, \
                      SUM(o.kind = 'cell' AND o.valid_to IS NULL) AS cells \
               FROM organizations o, \
                    json_each('[' || replace(trim(o.path, '/'), '/', ',') || ']') AS j \
               GROUP BY anc) AS a \
         WHERE a.anc = organizations.id",
    ] {
        sqlx::query(sql).execute(&mut *conn).await.db()?;
    }
    Ok(())
}
