//! The helpers of restructuring ([`store::OrgStore`]'s `org_move`, `org_merge`,
//! `org_split`, `org_close`, in `orgs.rs`). Units are never deleted: a closed unit keeps
//! its id, path and records, gets `valid_to` and its successors.

use crate::dialect::{self, Conn, Db};
use crate::sql::orgs::org_by_id;
use crate::sql::util::*;
use domain::{MemberId, OrgId, OrgPath};
use sqlx::QueryBuilder;
use std::collections::BTreeSet;
use store::*;
use time::Date;

/// Rewrites the paths of a unit's whole subtree and of the members in it, to put the unit
/// under `new_parent`. Counters are the caller's business.
pub(crate) async fn move_subtree(conn: &mut Conn, org: &Org, new_parent: &Org) -> Result<OrgPath> {
    let old = &org.path;
    let new = new_parent.path.child(org.id);
    let range = old.subtree();
    let depth_delta = new.depth() as i64 - old.depth() as i64;
    let cut = dialect::SqlInt::try_from(old.as_str().len() + 1).expect("a path is short");
    let old_province = province_of(old);
    let new_province = province_of(&new);
    sqlx::query(
        "UPDATE organizations SET path = $1 || substr(path, $2), depth = depth + $3, \
         province_id = $4, updated_at = $5 WHERE path >= $6 AND path < $7",
    )
    .bind(new.as_str())
    .bind(cut)
    .bind(depth_delta)
    .bind(new_province)
    .bind(now())
    .bind(&range.start)
    .bind(&range.end)
    .execute(&mut *conn)
    .await
    .db()?;
    sqlx::query("UPDATE organizations SET parent_id = $1 WHERE id = $2")
        .bind(new_parent.id.0)
        .bind(org.id.0)
        .execute(&mut *conn)
        .await
        .db()?;
    sqlx::query(
        "UPDATE members SET cell_path = $1 || substr(cell_path, $2), province_id = $3 \
         WHERE cell_path >= $4 AND cell_path < $5",
    )
    .bind(new.as_str())
    .bind(cut)
    .bind(new_province)
    .bind(&range.start)
    .bind(&range.end)
    .execute(&mut *conn)
    .await
    .db()?;
    crate::sql::progress::move_program_paths(conn, old, &new).await?;
    crate::sql::study::move_study_paths(conn, old, &new).await?;
    crate::sql::inspection::move_paths(conn, old, &new).await?;
    crate::sql::evaluation::move_paths(conn, old, &new).await?;
    if old_province != new_province {
        // The shard key follows the unit: the history of the moved units goes with them.
        let r = new.subtree();
        for table in ["member_stints", "positions", "org_events"] {
            let col = if table == "member_stints" {
                "cell_id"
            } else {
                "org_id"
            };
            let sql = format!(
                "UPDATE {table} SET province_id = $1 WHERE {col} IN \
                 (SELECT id FROM organizations WHERE path >= $2 AND path < $3)"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(new_province)
                .bind(&r.start)
                .bind(&r.end)
                .execute(&mut *conn)
                .await
                .db()?;
        }
    }
    Ok(new)
}

/// Moves the given active members of `from` (all of them when `only` is `None`) to the
/// cell `to` on `on`: their current stint ends, a new one starts. Returns how many moved.
pub(crate) async fn move_members(
    conn: &mut Conn,
    from: &Org,
    to: &Org,
    only: Option<&[MemberId]>,
    on: Date,
) -> Result<u64> {
    let filter = |qb: &mut QueryBuilder<Db>| {
        qb.push(" FROM members WHERE cell_id = ")
            .push_bind(from.id.0)
            .push(" AND status = 'active'");
        if let Some(ids) = only {
            qb.push(" AND id IN ");
            push_ids(qb, ids.iter().map(|m| m.0));
        }
    };
    let mut qb = QueryBuilder::<Db>::new("UPDATE member_stints SET to_date = ");
    qb.push_bind(on)
        .push(" WHERE to_date IS NULL AND member_id IN (SELECT id");
    filter(&mut qb);
    qb.push(")");
    qb.build().execute(&mut *conn).await.db()?;

    let mut qb = QueryBuilder::<Db>::new(
        "INSERT INTO member_stints (member_id, cell_id, province_id, from_date) SELECT id, ",
    );
    qb.push_bind(to.id.0)
        .push(", ")
        .push_bind(province_of(&to.path))
        .push(", ")
        .push_bind(on);
    filter(&mut qb);
    qb.build().execute(&mut *conn).await.db()?;

    // The members that move, for their study to follow them.
    let mut qb = QueryBuilder::<Db>::new("SELECT id");
    filter(&mut qb);
    let moving: Vec<MemberId> = qb
        .build_query_scalar::<i64>()
        .fetch_all(&mut *conn)
        .await
        .db()?
        .into_iter()
        .map(MemberId)
        .collect();
    crate::sql::study::follow_members(conn, &moving, &to.path).await?;

    let mut qb = QueryBuilder::<Db>::new("UPDATE members SET cell_id = ");
    qb.push_bind(to.id.0)
        .push(", cell_path = ")
        .push_bind(to.path.as_str().to_owned())
        .push(", province_id = ")
        .push_bind(province_of(&to.path))
        .push(", updated_at = ")
        .push_bind(now())
        .push(" WHERE id IN (SELECT id");
    filter(&mut qb);
    qb.push(")");
    let n = qb.build().execute(&mut *conn).await.db()?.rows_affected();
    Ok(n)
}

pub(crate) async fn active_children(conn: &mut Conn, id: OrgId) -> Result<Vec<Org>> {
    let sql = format!(
        "SELECT {} FROM organizations WHERE parent_id = $1 AND valid_to IS NULL ORDER BY id",
        crate::sql::rows::ORG_COLS
    );
    crate::sql::rows::orgs(
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_all(conn)
            .await
            .db()?,
    )
}

pub(crate) async fn active_member_ids(conn: &mut Conn, cell: OrgId) -> Result<Vec<MemberId>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM members WHERE cell_id = $1 AND status = 'active' ORDER BY id",
    )
    .bind(cell.0)
    .fetch_all(conn)
    .await
    .db()?;
    Ok(ids.into_iter().map(MemberId).collect())
}

pub(crate) async fn close_unit(
    conn: &mut Conn,
    org: &Org,
    on: Date,
    successors: &[OrgId],
) -> Result<()> {
    sqlx::query("UPDATE organizations SET valid_to = $1, updated_at = $2 WHERE id = $3")
        .bind(on)
        .bind(now())
        .bind(org.id.0)
        .execute(&mut *conn)
        .await
        .db()?;
    for s in successors {
        sqlx::query(
            "INSERT INTO org_successions (predecessor_id, successor_id, on_date) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(org.id.0)
        .bind(s.0)
        .bind(on)
        .execute(&mut *conn)
        .await
        .db()?;
    }
    Ok(())
}

pub(crate) fn chain(paths: &[&OrgPath]) -> BTreeSet<i64> {
    paths
        .iter()
        .flat_map(|p| p.ids().into_iter().map(|i| i.0))
        .collect()
}

pub(crate) async fn fetch(conn: &mut Conn, id: OrgId) -> Result<Org> {
    org_by_id(conn, id).await?.ok_or(StoreError::NotFound)
}
