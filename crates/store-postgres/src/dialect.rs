//! What PostgreSQL does differently from SQLite, named once. The shared store code
//! (`crate::sql`) calls these and nothing else of the backend.

use crate::PgStore;
use crate::sql::cascades::NewCascade;
use crate::sql::util::{DbResult, now, province_of};
use domain::text::fold;
use domain::{Counters, OrgId};
use sqlx::QueryBuilder;
use store::{BulkMember, Result, StoreError};

pub(crate) use crate::migrations::MIGRATIONS;

pub(crate) type Db = sqlx::Postgres;
pub(crate) type Conn = sqlx::PgConnection;
pub(crate) type DbRow = sqlx::postgres::PgRow;
pub(crate) type Backend = PgStore;

/// "postgres", as [`store::Store::backend`] reports it.
pub(crate) const NAME: &str = "postgres";

/// Binds per statement in multi-row inserts (PostgreSQL allows 65,535).
pub(crate) const MAX_BINDS: usize = 60_000;

/// The integer type PostgreSQL's functions take (`substr(text, integer)`).
pub(crate) type SqlInt = i32;

/// JSON columns are JSONB.
pub(crate) type JsonCol = sqlx::types::Json<serde_json::Value>;
pub(crate) type JsonParam<'a> = sqlx::types::Json<&'a serde_json::Value>;

pub(crate) fn json_param(v: &serde_json::Value) -> JsonParam<'_> {
    sqlx::types::Json(v)
}

pub(crate) fn json_value(j: JsonCol) -> Result<serde_json::Value> {
    Ok(j.0)
}

/// The names of the schema's tables.
pub(crate) const TABLE_NAMES: &str =
    "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename";

/// 1 when the migrations table exists.
pub(crate) const MIGRATIONS_TABLE_EXISTS: &str = "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() \
     AND tablename = '_sqlx_migrations'";

/// The conflict code of a unique violation, from the constraint PostgreSQL names.
pub(crate) fn conflict_code(e: &dyn sqlx::error::DatabaseError) -> Option<&'static str> {
    match e.constraint()? {
        "users_username_key" => Some("username_taken"),
        "organizations_active_code" => Some("code_taken"),
        "members_card_number_key" => Some("card_taken"),
        "grants_unique" => Some("grant_exists"),
        "documents_number" => Some("document_number_taken"),
        "emulation_decisions_number" => Some("emulation_number_taken"),
        "emulation_awards_nomination" => Some("emulation_not_passed"),
        _ => None,
    }
}

/// PostgreSQL chooses indexes from statistics: no hint.
pub(crate) fn index_hint(_index: &'static str) -> String {
    String::new()
}

impl PgStore {
    pub(crate) fn read_pool(&self) -> &sqlx::Pool<Db> {
        &self.pool
    }

    pub(crate) fn write_pool(&self) -> &sqlx::Pool<Db> {
        &self.pool
    }

    /// Moved after every write of this process has committed (`sql::util::Tx`,
    /// `sql::util::WriteConn`); writes of other processes are not seen, so callers bound
    /// their trust in time as well (`web::pagecache::PAGE_TTL`).
    pub(crate) fn generation(&self) -> Option<u64> {
        Some(self.generation.load(std::sync::atomic::Ordering::Acquire))
    }

    pub(crate) fn generation_cell(&self) -> &std::sync::Arc<std::sync::atomic::AtomicU64> {
        &self.generation
    }

    pub(crate) async fn begin_raw(&self) -> Result<sqlx::Transaction<'static, Db>> {
        self.pool.begin().await.db()
    }

    /// Backups of PostgreSQL go through `pg_dump` (the command line runs it).
    pub(crate) async fn backup(&self, _path: &std::path::Path) -> Result<()> {
        Err(StoreError::Unsupported("pg_dump"))
    }
}

/// The next value of a table's identity sequence.
pub(crate) async fn next_id(conn: &mut Conn, table: &'static str) -> Result<i64> {
    sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence($1, 'id'))")
        .bind(table)
        .fetch_one(&mut *conn)
        .await
        .db()
}

/// `n` values of a table's identity sequence.
pub(crate) async fn next_ids(conn: &mut Conn, table: &'static str, n: usize) -> Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)",
    )
    .bind(table)
    .bind(n as i64)
    .fetch_all(&mut *conn)
    .await
    .db()
}

/// Takes the lock of a unit's numbering series (the issuer's row), so that two programs
/// issued at once by one unit get different numbers.
pub(crate) async fn lock_series(conn: &mut Conn, org: OrgId) -> Result<()> {
    sqlx::query("SELECT id FROM organizations WHERE id = $1 FOR UPDATE")
        .bind(org.0)
        .execute(&mut *conn)
        .await
        .db()?;
    Ok(())
}

/// The rollups of a new cascade. Every new unit adds the same `r` to each of its ancestors,
/// so an ancestor gets `r × (new units in its subtree)`; PostgreSQL expands the new units'
/// paths into ancestor ids and counts them in one statement per table (a string split per
/// row, not a tree walk).
pub(crate) async fn init_cascade_rollups(conn: &mut Conn, new: &NewCascade<'_>) -> Result<()> {
    let (cascade_id, root, province, r) = (new.id, new.root, new.province, new.rollup);
    if r.is_zero() {
        return Ok(());
    }
    let anc = |qb: &mut QueryBuilder<Db>| {
        qb.push(
            "WITH anc AS (SELECT a::bigint AS org_id, count(*) AS n FROM cascade_units cu, \
             unnest(string_to_array(trim(both '/' from cu.org_path), '/')) AS a \
             WHERE cu.cascade_id = ",
        )
        .push_bind(cascade_id)
        .push(" GROUP BY a) ");
    };
    let cols = Counters::COLUMNS;
    let mut qb = QueryBuilder::<Db>::new("");
    anc(&mut qb);
    qb.push(format!(
        "INSERT INTO rollups (org_id, root_document_id, province_id, {}) SELECT org_id, ",
        cols.join(", ")
    ));
    qb.push_bind(root.0).push(", ").push_bind(province);
    for v in r.counters.values() {
        qb.push(", n * ").push_bind(v);
    }
    qb.push(format!(
        " FROM anc ON CONFLICT (org_id, root_document_id) DO UPDATE SET {}",
        cols.iter()
            .map(|c| format!("{c} = rollups.{c} + excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    qb.build().execute(&mut *conn).await.db()?;
    if r.dues.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<Db>::new("");
    anc(&mut qb);
    qb.push(
        "INSERT INTO rollup_dues (org_id, root_document_id, province_id, kind, due_on, n) \
         SELECT anc.org_id, e.root, e.province, e.kind, e.due_on, anc.n * e.n FROM anc \
         CROSS JOIN (",
    );
    for (i, ((kind, due), n)) in r.dues.iter().enumerate() {
        qb.push(if i == 0 {
            "SELECT "
        } else {
            " UNION ALL SELECT "
        });
        qb.push_bind(root.0)
            .push(" AS root, ")
            .push_bind(province)
            .push(" AS province, ")
            .push_bind(kind.as_str())
            .push(" AS kind, ")
            .push_bind(*due)
            .push(" AS due_on, ")
            .push_bind(*n)
            .push(" AS n");
    }
    qb.push(
        ") AS e ON CONFLICT (org_id, root_document_id, due_on, kind) \
         DO UPDATE SET n = rollup_dues.n + excluded.n",
    );
    qb.build().execute(&mut *conn).await.db()?;
    Ok(())
}

/// Members and their first stints of a bulk load, as column arrays through UNNEST: one
/// statement per 20,000 rows instead of a VALUES list with a bind per field.
pub(crate) async fn insert_members(
    conn: &mut Conn,
    members: &[BulkMember],
    _at: &str,
) -> Result<()> {
    // Members and their first stints, the big tables, go in as column arrays through
    // UNNEST: one statement per 20,000 rows instead of a VALUES list with a bind per field.
    for chunk in members.chunks(20_000) {
        let ids: Vec<i64> = chunk.iter().map(|m| m.id.0).collect();
        let provinces: Vec<i64> = chunk.iter().map(|m| province_of(&m.cell_path)).collect();
        let cells: Vec<i64> = chunk.iter().map(|m| m.cell_id.0).collect();
        let paths: Vec<String> = chunk
            .iter()
            .map(|m| m.cell_path.as_str().to_owned())
            .collect();
        let names: Vec<String> = chunk.iter().map(|m| m.full_name.clone()).collect();
        let keys: Vec<String> = chunk.iter().map(|m| fold(&m.full_name)).collect();
        let genders: Vec<Option<String>> = chunk
            .iter()
            .map(|m| m.gender.map(|g| g.as_str().to_owned()))
            .collect();
        let births: Vec<Option<time::Date>> = chunk.iter().map(|m| m.birth_date).collect();
        let joins: Vec<Option<time::Date>> = chunk.iter().map(|m| m.joined_on).collect();
        let audiences: Vec<String> = chunk
            .iter()
            .map(|m| m.audience.as_str().to_owned())
            .collect();
        let cards: Vec<Option<String>> = chunk.iter().map(|m| m.card_number.clone()).collect();
        let since: Vec<time::Date> = chunk.iter().map(|m| m.since).collect();
        sqlx::query(
            "INSERT INTO members (id, province_id, cell_id, cell_path, full_name, search_key, \
             gender, birth_date, joined_on, audience, status, card_number, created_at, \
             updated_at) \
             SELECT id, province_id, cell_id, cell_path, full_name, search_key, gender, \
                    birth_date, joined_on, audience, 'active', card_number, $12, $12 \
             FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], \
                         $6::text[], $7::text[], $8::date[], $9::date[], $10::text[], \
                         $11::text[]) \
               AS t (id, province_id, cell_id, cell_path, full_name, search_key, gender, \
                     birth_date, joined_on, audience, card_number)",
        )
        .bind(&ids)
        .bind(&provinces)
        .bind(&cells)
        .bind(&paths)
        .bind(&names)
        .bind(&keys)
        .bind(&genders)
        .bind(&births)
        .bind(&joins)
        .bind(&audiences)
        .bind(&cards)
        .bind(now())
        .execute(&mut *conn)
        .await
        .db()?;
        sqlx::query(
            "INSERT INTO member_stints (member_id, cell_id, province_id, from_date) \
             SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::date[])",
        )
        .bind(&ids)
        .bind(&cells)
        .bind(&provinces)
        .bind(&since)
        .execute(&mut *conn)
        .await
        .db()?;
    }

    Ok(())
}

/// Moves the identity sequences past ids a bulk load chose.
pub(crate) async fn after_bulk_load(conn: &mut Conn) -> Result<()> {
    for table in ["organizations", "members", "users"] {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
             GREATEST((SELECT MAX(id) FROM {table}), 1))"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await
            .db()?;
    }
    Ok(())
}

/// Rebuilds every organization counter from the records, set-based: member counts by one
/// GROUP BY, subtree sums by expanding each unit's path into its ancestors (`unnest`),
/// writing only the rows whose figures change.
pub(crate) async fn recount_tree(conn: &mut Conn) -> Result<()> {
    for sql in [
        "UPDATE organizations o SET member_count = COALESCE(m.n, 0), child_count = COALESCE(c.n, 0) \
         FROM organizations x \
         LEFT JOIN (SELECT cell_id, COUNT(*) AS n FROM members WHERE status = 'active' \
                    GROUP BY cell_id) AS m ON m.cell_id = x.id \
         LEFT JOIN (SELECT parent_id, COUNT(*) AS n FROM organizations \
                    WHERE valid_to IS NULL AND parent_id IS NOT NULL GROUP BY parent_id) AS c \
                ON c.parent_id = x.id \
         WHERE x.id = o.id \
           AND (o.member_count, o.child_count) IS DISTINCT FROM (COALESCE(m.n, 0), COALESCE(c.n, 0))",
        "UPDATE organizations o SET subtree_member_count = a.members, subtree_cell_count = a.cells \
         FROM (SELECT x.id, COALESCE(s.members, 0) AS members, COALESCE(s.cells, 0) AS cells \
               FROM organizations x LEFT JOIN \
                 (SELECT anc::bigint AS anc, SUM(member_count) AS members, \
                         COUNT(*) FILTER (WHERE kind = 'cell' AND valid_to IS NULL) AS cells \
                  FROM organizations, \
                       unnest(string_to_array(trim(BOTH '/' FROM path), '/')) AS anc \
                  GROUP BY anc::bigint) AS s ON s.anc = x.id) AS a \
         WHERE a.id = o.id \
           AND (o.subtree_member_count, o.subtree_cell_count) IS DISTINCT FROM (a.members, a.cells)",
    ] {
        sqlx::query(sql).execute(&mut *conn).await.db()?;
    }
    Ok(())
}
