//! Restructuring: move, merge, split, close. Units are never deleted: a closed unit keeps
//! its id, path and records, gets `valid_to` and its successors.

use crate::dialect::Backend;
use crate::dialect::{self, Conn, Db};
use crate::sql::orgs::{
    create_org, org_by_id, org_for_write, org_json, org_readable, require_active,
};
use crate::sql::util::*;
use domain::{MemberId, OrgId, OrgKind, OrgPath, Permission, Principal};
use serde_json::json;
use sqlx::QueryBuilder;
use std::collections::{BTreeSet, HashSet};
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

async fn active_children(conn: &mut Conn, id: OrgId) -> Result<Vec<Org>> {
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

async fn active_member_ids(conn: &mut Conn, cell: OrgId) -> Result<Vec<MemberId>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM members WHERE cell_id = $1 AND status = 'active' ORDER BY id",
    )
    .bind(cell.0)
    .fetch_all(conn)
    .await
    .db()?;
    Ok(ids.into_iter().map(MemberId).collect())
}

async fn close_unit(conn: &mut Conn, org: &Org, on: Date, successors: &[OrgId]) -> Result<()> {
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

fn chain(paths: &[&OrgPath]) -> BTreeSet<i64> {
    paths
        .iter()
        .flat_map(|p| p.ids().into_iter().map(|i| i.0))
        .collect()
}

async fn fetch(conn: &mut Conn, id: OrgId) -> Result<Org> {
    org_by_id(conn, id).await?.ok_or(StoreError::NotFound)
}

impl Backend {
    pub(crate) async fn org_move_impl(
        &self,
        p: &Principal,
        id: OrgId,
        new_parent: OrgId,
        on: Date,
    ) -> Result<Org> {
        let mut tx = self.begin().await?;
        let org = org_for_write(&mut tx, p, id, Permission::Restructure).await?;
        let parent = org_for_write(&mut tx, p, new_parent, Permission::Restructure).await?;
        require_active(&org)?;
        require_active(&parent)?;
        if org.path.covers(&parent.path) {
            return Err(StoreError::invalid("parent", "move_into_self"));
        }
        if !parent.kind.may_contain(org.kind) {
            return Err(StoreError::invalid("kind", "kind_not_allowed"));
        }
        if on < org.valid_from {
            return Err(StoreError::invalid("on", "date_before_start"));
        }
        if org.parent_id == Some(parent.id) {
            return Ok(org);
        }
        let new_path = move_subtree(&mut tx, &org, &parent).await?;
        recount_units(&mut tx, chain(&[&org.path, &new_path])).await?;
        let after = fetch(&mut tx, id).await?;
        org_event(
            &mut tx,
            p,
            id,
            &new_path,
            OrgEventKind::Move,
            on,
            json!({"old_parent_id": org.parent_id, "new_parent_id": parent.id,
                   "old_path": org.path, "new_path": new_path}),
        )
        .await?;
        audit(
            &mut tx,
            p,
            "move",
            "organization",
            id.0,
            Some(&new_path),
            Some(org_json(&org)),
            Some(org_json(&after)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    pub(crate) async fn org_merge_impl(&self, p: &Principal, merge: Merge) -> Result<Org> {
        let mut tx = self.begin().await?;
        let mut seen = HashSet::new();
        if merge.sources.is_empty() || !merge.sources.iter().all(|s| seen.insert(*s)) {
            return Err(StoreError::invalid("sources", "bad_choice"));
        }
        let mut sources = Vec::new();
        for s in &merge.sources {
            let o = org_for_write(&mut tx, p, *s, Permission::Restructure).await?;
            require_active(&o)?;
            if merge.on < o.valid_from {
                return Err(StoreError::invalid("on", "date_before_start"));
            }
            sources.push(o);
        }
        for a in &sources {
            if sources
                .iter()
                .any(|b| b.id != a.id && a.path.covers(&b.path))
            {
                return Err(StoreError::invalid("sources", "move_into_self"));
            }
        }
        if let MergeTarget::New(n) = &merge.target
            && let Some(pid) = n.parent_id
            && let Some(parent) = org_by_id(&mut tx, pid).await?
            && sources.iter().any(|s| s.path.covers(&parent.path))
        {
            return Err(StoreError::invalid("parent", "move_into_self"));
        }
        let target = match merge.target {
            MergeTarget::Existing(t) => {
                let o = org_for_write(&mut tx, p, t, Permission::Restructure).await?;
                require_active(&o)?;
                o
            }
            MergeTarget::New(n) => create_org(&mut tx, p, n, Permission::Restructure).await?,
        };
        if sources.iter().any(|s| s.path.covers(&target.path)) {
            return Err(StoreError::invalid("target", "move_into_self"));
        }
        let mut touched = chain(&[&target.path]);
        for src in &sources {
            touched.extend(chain(&[&src.path]));
            for child in active_children(&mut tx, src.id).await? {
                if !target.kind.may_contain(child.kind) {
                    return Err(StoreError::invalid("kind", "kind_not_allowed"));
                }
                move_subtree(&mut tx, &child, &target).await?;
            }
            if src.kind == OrgKind::Cell && !active_member_ids(&mut tx, src.id).await?.is_empty() {
                if target.kind != OrgKind::Cell {
                    return Err(StoreError::invalid("target", "not_a_cell"));
                }
                move_members(&mut tx, src, &target, None, merge.on).await?;
            }
            close_unit(&mut tx, src, merge.on, &[target.id]).await?;
        }
        recount_units(&mut tx, touched).await?;
        let source_ids: Vec<OrgId> = sources.iter().map(|s| s.id).collect();
        for src in &sources {
            let after = fetch(&mut tx, src.id).await?;
            org_event(
                &mut tx,
                p,
                src.id,
                &src.path,
                OrgEventKind::Merge,
                merge.on,
                json!({"into": target.id, "sources": source_ids}),
            )
            .await?;
            audit(
                &mut tx,
                p,
                "merge",
                "organization",
                src.id.0,
                Some(&src.path),
                Some(org_json(src)),
                Some(org_json(&after)),
            )
            .await?;
        }
        let after = fetch(&mut tx, target.id).await?;
        org_event(
            &mut tx,
            p,
            target.id,
            &target.path,
            OrgEventKind::Merge,
            merge.on,
            json!({"into": target.id, "sources": source_ids}),
        )
        .await?;
        audit(
            &mut tx,
            p,
            "merge",
            "organization",
            target.id.0,
            Some(&target.path),
            Some(org_json(&target)),
            Some(org_json(&after)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    pub(crate) async fn org_split_impl(&self, p: &Principal, split: Split) -> Result<Vec<Org>> {
        let mut tx = self.begin().await?;
        let source = org_for_write(&mut tx, p, split.source, Permission::Restructure).await?;
        require_active(&source)?;
        if split.parts.is_empty() {
            return Err(StoreError::invalid("parts", "required"));
        }
        if split.on < source.valid_from {
            return Err(StoreError::invalid("on", "date_before_start"));
        }
        let children = active_children(&mut tx, source.id).await?;
        let members = active_member_ids(&mut tx, source.id).await?;
        // Every active child and member goes to exactly one part; those not named go to
        // the first part.
        let mut child_left: Vec<OrgId> = children.iter().map(|c| c.id).collect();
        let mut member_left: Vec<MemberId> = members.clone();
        let mut plan: Vec<(Vec<OrgId>, Vec<MemberId>)> = Vec::new();
        for part in &split.parts {
            for c in &part.children {
                let Some(i) = child_left.iter().position(|x| x == c) else {
                    return Err(StoreError::invalid("children", "bad_choice"));
                };
                child_left.remove(i);
            }
            for m in &part.members {
                let Some(i) = member_left.iter().position(|x| x == m) else {
                    return Err(StoreError::invalid("members", "bad_choice"));
                };
                member_left.remove(i);
            }
            plan.push((part.children.clone(), part.members.clone()));
        }
        plan[0].0.extend(child_left);
        plan[0].1.extend(member_left);

        let mut parts = Vec::new();
        let mut touched = chain(&[&source.path]);
        for (part, (child_ids, member_ids)) in split.parts.into_iter().zip(plan) {
            if let Some(pid) = part.new.parent_id
                && let Some(parent) = org_by_id(&mut tx, pid).await?
                && source.path.covers(&parent.path)
            {
                return Err(StoreError::invalid("parent", "move_into_self"));
            }
            let new = create_org(&mut tx, p, part.new, Permission::Restructure).await?;
            touched.extend(chain(&[&new.path]));
            for cid in child_ids {
                let child = children.iter().find(|c| c.id == cid).expect("planned");
                if !new.kind.may_contain(child.kind) {
                    return Err(StoreError::invalid("kind", "kind_not_allowed"));
                }
                move_subtree(&mut tx, child, &new).await?;
            }
            if !member_ids.is_empty() {
                if new.kind != OrgKind::Cell {
                    return Err(StoreError::invalid("members", "not_a_cell"));
                }
                move_members(&mut tx, &source, &new, Some(&member_ids), split.on).await?;
            }
            parts.push(new);
        }
        let part_ids: Vec<OrgId> = parts.iter().map(|o| o.id).collect();
        close_unit(&mut tx, &source, split.on, &part_ids).await?;
        recount_units(&mut tx, touched).await?;
        let after = fetch(&mut tx, source.id).await?;
        org_event(
            &mut tx,
            p,
            source.id,
            &source.path,
            OrgEventKind::Split,
            split.on,
            json!({"source": source.id, "parts": part_ids}),
        )
        .await?;
        audit(
            &mut tx,
            p,
            "split",
            "organization",
            source.id.0,
            Some(&source.path),
            Some(org_json(&source)),
            Some(org_json(&after)),
        )
        .await?;
        let mut out = Vec::new();
        for part in &parts {
            org_event(
                &mut tx,
                p,
                part.id,
                &part.path,
                OrgEventKind::Split,
                split.on,
                json!({"source": source.id, "parts": part_ids}),
            )
            .await?;
            out.push(fetch(&mut tx, part.id).await?);
        }
        tx.commit().await.db()?;
        Ok(out)
    }

    pub(crate) async fn org_close_impl(
        &self,
        p: &Principal,
        id: OrgId,
        on: Date,
        successor: Option<OrgId>,
    ) -> Result<Org> {
        let mut tx = self.begin().await?;
        let org = org_for_write(&mut tx, p, id, Permission::Restructure).await?;
        require_active(&org)?;
        if on < org.valid_from {
            return Err(StoreError::invalid("on", "date_before_start"));
        }
        let succ = match successor {
            Some(s) if s == id => return Err(StoreError::invalid("successor", "bad_choice")),
            Some(s) => Some(org_readable(&mut tx, p, s).await?),
            None => None,
        };
        let busy: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM organizations WHERE parent_id = $1 AND valid_to IS NULL) \
                  + (SELECT COUNT(*) FROM members WHERE cell_id = $1 AND status = 'active')",
        )
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        if busy > 0 {
            return Err(StoreError::Conflict("has_active_children"));
        }
        let succ_ids: Vec<OrgId> = succ.iter().map(|s| s.id).collect();
        close_unit(&mut tx, &org, on, &succ_ids).await?;
        recount_units(&mut tx, chain(&[&org.path])).await?;
        let after = fetch(&mut tx, id).await?;
        org_event(
            &mut tx,
            p,
            id,
            &org.path,
            OrgEventKind::Close,
            on,
            json!({"successor": successor}),
        )
        .await?;
        audit(
            &mut tx,
            p,
            "close",
            "organization",
            id.0,
            Some(&org.path),
            Some(org_json(&org)),
            Some(org_json(&after)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(after)
    }
}
