//! Organizations ([`store::OrgStore`]): reads, creation and import, renames, history and
//! succession links, and restructuring (move, merge, split, close), whose private helpers
//! are in `restructure.rs`.

use crate::dialect::{self, Backend, Conn, Db, DbRow};
use crate::sql::restructure::{
    active_children, active_member_ids, chain, close_unit, fetch, move_members, move_subtree,
};
use crate::sql::rows::{self, ORG_COLS};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::org::{CleanNaming, UnitNaming, check_import_code, check_new_unit, check_rename};
use domain::restructure::{self, Share};
use domain::text::{fold, like_escape};
use domain::{OrgId, OrgKind, OrgPath, Permission, Principal, Unit};
use serde_json::json;
use sqlx::{QueryBuilder, Row};
use store::*;
use time::Date;

/// Children order: by rank of kind, then name.
const KIND_ORDER: &str = "CASE kind WHEN 'provincial' THEN 0 \
     WHEN 'directly_affiliated' THEN 1 WHEN 'grassroots' THEN 2 WHEN 'cell' THEN 3 \
     WHEN 'state_body' THEN 4 ELSE 5 END";

/// A unit by id, unfiltered (callers check the scope).
pub(crate) async fn org_by_id(conn: &mut Conn, id: OrgId) -> Result<Option<Org>> {
    let sql = format!("SELECT {ORG_COLS} FROM organizations WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(conn)
        .await
        .db()?
        .as_ref()
        .map(rows::org)
        .transpose()
}

/// A unit the principal may read, or `NotFound`.
pub(crate) async fn org_readable(conn: &mut Conn, p: &Principal, id: OrgId) -> Result<Org> {
    let o = org_by_id(conn, id).await?.ok_or(StoreError::NotFound)?;
    p.ensure_read(&o.path)?;
    Ok(o)
}

/// A unit the principal may change with `perm`: `NotFound` outside the read scope,
/// `Forbidden` inside it without the permission.
pub(crate) async fn org_for_write(
    conn: &mut Conn,
    p: &Principal,
    id: OrgId,
    perm: Permission,
) -> Result<Org> {
    let o = org_readable(conn, p, id).await?;
    p.ensure(perm, &o.path)?;
    Ok(o)
}

pub(crate) fn require_active(o: &Org) -> Result<()> {
    Ok(o.unit().require_active()?)
}

fn org_json(o: &Org) -> serde_json::Value {
    serde_json::to_value(o).unwrap_or(serde_json::Value::Null)
}

/// Validates and inserts a new unit with its counters, event and audit entry. The parent
/// is checked for `perm` (EditOrgs for a plain creation, Restructure inside a merge or
/// split).
async fn create_org(conn: &mut Conn, p: &Principal, new: NewOrg, perm: Permission) -> Result<Org> {
    let parent = match new.parent_id {
        None => {
            if !p.system {
                return Err(StoreError::Forbidden);
            }
            None
        }
        Some(pid) => Some(org_for_write(conn, p, pid, perm).await?),
    };
    let CleanNaming { name, code } = check_new_unit(
        parent.as_ref().map(Org::unit).as_ref(),
        new.kind,
        UnitNaming {
            name: &new.name,
            code: new.code.as_deref(),
        },
        new.valid_from,
    )?;
    let id = OrgId(dialect::next_id(conn, "organizations").await?);
    let path = match &parent {
        Some(parent) => parent.path.child(id),
        None => OrgPath::root(id),
    };
    let at = now();
    sqlx::query(
        "INSERT INTO organizations (id, parent_id, province_id, path, depth, kind, code, name, \
         search_key, valid_from, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
    )
    .bind(id.0)
    .bind(new.parent_id.map(|i| i.0))
    .bind(province_of(&path))
    .bind(path.as_str())
    .bind(path.depth() as i64)
    .bind(new.kind.as_str())
    .bind(&code)
    .bind(&name)
    .bind(fold(&name))
    .bind(new.valid_from)
    .bind(at)
    .execute(&mut *conn)
    .await
    .db()?;
    // Counters from the root down, one row at a time: concurrent writers lock the units
    // they share in one order (see `bump_members`).
    let parent_id = parent.as_ref().map(|p| p.id.0);
    for unit in path.ids().into_iter().map(|i| i.0) {
        let cell = new.kind == OrgKind::Cell;
        let sql = match (Some(unit) == parent_id, cell) {
            (true, true) => {
                "UPDATE organizations SET child_count = child_count + 1, \
                 subtree_cell_count = subtree_cell_count + 1 WHERE id = $1"
            }
            (true, false) => "UPDATE organizations SET child_count = child_count + 1 WHERE id = $1",
            (false, true) => {
                "UPDATE organizations SET subtree_cell_count = subtree_cell_count + 1 WHERE id = $1"
            }
            (false, false) => continue,
        };
        sqlx::query(sql).bind(unit).execute(&mut *conn).await.db()?;
    }
    let org = org_by_id(conn, id).await?.ok_or(StoreError::NotFound)?;
    org_event(
        conn,
        p,
        id,
        &path,
        OrgEventKind::Create,
        new.valid_from,
        json!({"parent_id": new.parent_id, "name": name, "kind": new.kind}),
    )
    .await?;
    audit(
        conn,
        p,
        "create",
        "organization",
        id.0,
        Some(&path),
        None,
        Some(org_json(&org)),
    )
    .await?;
    Ok(org)
}

#[async_trait]
impl OrgStore for Backend {
    async fn org_roots(&self, p: &Principal) -> Result<Vec<Org>> {
        let mut qb = QueryBuilder::<Db>::new(format!("SELECT {ORG_COLS} FROM organizations"));
        if p.system {
            qb.push(" WHERE parent_id IS NULL AND valid_to IS NULL");
        } else {
            let roots = p.scope(Permission::Read);
            qb.push(" WHERE path IN ");
            qb.push("(");
            let mut sep = qb.separated(", ");
            for r in roots.roots() {
                sep.push_bind(r.as_str().to_owned());
            }
            if roots.is_empty() {
                sep.push("NULL");
            }
            qb.push(")");
        }
        qb.push(" ORDER BY path");
        rows::orgs(qb.build().fetch_all(self.read_pool()).await.db()?)
    }

    async fn org_get(&self, p: &Principal, id: OrgId) -> Result<Org> {
        let mut conn = self.read_pool().acquire().await.db()?;
        org_readable(&mut conn, p, id).await
    }

    async fn org_children(
        &self,
        p: &Principal,
        id: OrgId,
        include_closed: bool,
    ) -> Result<Vec<Org>> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let parent = org_readable(&mut conn, p, id).await?;
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {ORG_COLS} FROM organizations WHERE parent_id = "
        ));
        qb.push_bind(parent.id.0);
        push_scope(&mut qb, "path", p, Permission::Read);
        if !include_closed {
            qb.push(" AND valid_to IS NULL");
        }
        qb.push(format!(" ORDER BY {KIND_ORDER}, name COLLATE vi, id"));
        rows::orgs(qb.build().fetch_all(&mut *conn).await.db()?)
    }

    async fn org_ancestors(&self, p: &Principal, id: OrgId) -> Result<Vec<Crumb>> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let o = org_readable(&mut conn, p, id).await?;
        let ids = o.path.ancestor_ids();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb =
            QueryBuilder::<Db>::new("SELECT id, name, path FROM organizations WHERE id IN ");
        push_ids(&mut qb, ids.iter().map(|i| i.0));
        qb.push(" ORDER BY depth");
        let rows = qb.build().fetch_all(&mut *conn).await.db()?;
        rows.iter()
            .map(|r| {
                let path = rows::path(r.try_get("path").db()?)?;
                Ok(Crumb {
                    id: OrgId(r.try_get("id").db()?),
                    name: r.try_get("name").db()?,
                    readable: p.can(Permission::Read, &path),
                })
            })
            .collect()
    }

    async fn org_search(&self, p: &Principal, query: &str, limit: u32) -> Result<Vec<Org>> {
        let q = fold(query);
        if q.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {ORG_COLS} FROM organizations WHERE valid_to IS NULL AND search_key LIKE "
        ));
        qb.push_bind(format!("%{}%", like_escape(&q)))
            .push(" ESCAPE '\\'");
        push_scope(&mut qb, "path", p, Permission::Read);
        qb.push(" ORDER BY depth, search_key, id LIMIT ")
            .push_bind(i64::from(limit.clamp(1, 1000)));
        rows::orgs(qb.build().fetch_all(self.read_pool()).await.db()?)
    }

    async fn org_by_code(&self, p: &Principal, code: &str) -> Result<Option<Org>> {
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {ORG_COLS} FROM organizations WHERE valid_to IS NULL AND code = "
        ));
        qb.push_bind(code.trim().to_owned());
        push_scope(&mut qb, "path", p, Permission::Read);
        qb.build()
            .fetch_optional(self.read_pool())
            .await
            .db()?
            .as_ref()
            .map(rows::org)
            .transpose()
    }

    async fn org_create(&self, p: &Principal, new: NewOrg) -> Result<Org> {
        let mut tx = self.begin().await?;
        let org = create_org(&mut tx, p, new, Permission::EditOrgs).await?;
        tx.commit().await.db()?;
        Ok(org)
    }

    async fn org_import(&self, p: &Principal, rows: Vec<NewOrgImport>) -> Result<u64> {
        let mut tx = self.begin().await?;
        // Ids of the units created so far, by row index.
        let mut created: Vec<OrgId> = Vec::with_capacity(rows.len());
        for row in rows {
            let parent_id = match row.parent {
                ParentRef::Existing(id) => id,
                ParentRef::Row(i) => *created
                    .get(i)
                    .ok_or_else(|| StoreError::invalid("parent", "bad_choice"))?,
            };
            let code = check_import_code(&row.code)?;
            let new = NewOrg {
                parent_id: Some(parent_id),
                kind: row.kind,
                name: row.name,
                code: Some(code),
                valid_from: row.valid_from,
            };
            // Checks the parent (readable, EditOrgs, active), the kind, the name and the
            // date; the active-code index refuses a code in use (`code_taken`). An error
            // drops the transaction: nothing of the import is saved.
            let org = create_org(&mut tx, p, new, Permission::EditOrgs).await?;
            created.push(org.id);
        }
        tx.commit().await.db()?;
        Ok(created.len() as u64)
    }

    async fn org_update(&self, p: &Principal, id: OrgId, edit: OrgEdit) -> Result<Org> {
        let mut tx = self.begin().await?;
        let before = org_for_write(&mut tx, p, id, Permission::EditOrgs).await?;
        let current = CleanNaming {
            name: before.name.clone(),
            code: before.code.clone(),
        };
        let naming = UnitNaming {
            name: &edit.name,
            code: edit.code.as_deref(),
        };
        let Some(CleanNaming { name, code }) =
            check_rename(&before.unit(), &current, naming, edit.on)?
        else {
            return Ok(before);
        };
        sqlx::query(
            "UPDATE organizations SET name = $1, search_key = $2, code = $3, updated_at = $4 \
             WHERE id = $5",
        )
        .bind(&name)
        .bind(fold(&name))
        .bind(&code)
        .bind(now())
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?;
        let after = org_by_id(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
        org_event(
            &mut tx,
            p,
            id,
            &after.path,
            OrgEventKind::Rename,
            edit.on,
            json!({"old_name": before.name, "new_name": after.name,
                   "old_code": before.code, "new_code": after.code}),
        )
        .await?;
        audit(
            &mut tx,
            p,
            "update",
            "organization",
            id.0,
            Some(&after.path),
            Some(org_json(&before)),
            Some(org_json(&after)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn org_move(&self, p: &Principal, id: OrgId, new_parent: OrgId, on: Date) -> Result<Org> {
        let mut tx = self.begin().await?;
        let org = org_for_write(&mut tx, p, id, Permission::Restructure).await?;
        let parent = org_for_write(&mut tx, p, new_parent, Permission::Restructure).await?;
        if !restructure::check_move(&org.unit(), &parent.unit(), on)? {
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

    async fn org_merge(&self, p: &Principal, merge: Merge) -> Result<Org> {
        let mut tx = self.begin().await?;
        restructure::check_merge_sources(&merge.sources)?;
        let mut sources = Vec::new();
        for s in &merge.sources {
            let o = org_for_write(&mut tx, p, *s, Permission::Restructure).await?;
            restructure::check_merge_source(&o.unit(), merge.on)?;
            sources.push(o);
        }
        let units: Vec<Unit> = sources.iter().map(Org::unit).collect();
        let new_parent = match &merge.target {
            MergeTarget::New(NewOrg {
                parent_id: Some(pid),
                ..
            }) => org_by_id(&mut tx, *pid).await?,
            _ => None,
        };
        restructure::check_merge_plan(&units, new_parent.as_ref().map(|o| &o.path))?;
        let (target, existing) = match merge.target {
            MergeTarget::Existing(t) => (
                org_for_write(&mut tx, p, t, Permission::Restructure).await?,
                true,
            ),
            MergeTarget::New(n) => (
                create_org(&mut tx, p, n, Permission::Restructure).await?,
                false,
            ),
        };
        restructure::check_merge_target(&units, &target.unit(), existing)?;
        let mut touched = chain(&[&target.path]);
        for src in &sources {
            touched.extend(chain(&[&src.path]));
            let children = active_children(&mut tx, src.id).await?;
            let has_members =
                src.kind == OrgKind::Cell && !active_member_ids(&mut tx, src.id).await?.is_empty();
            let kinds: Vec<OrgKind> = children.iter().map(|c| c.kind).collect();
            restructure::check_receiver(target.kind, &kinds, has_members, "target")?;
            for child in &children {
                move_subtree(&mut tx, child, &target).await?;
            }
            if has_members {
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

    async fn org_split(&self, p: &Principal, split: Split) -> Result<Vec<Org>> {
        let mut tx = self.begin().await?;
        let source = org_for_write(&mut tx, p, split.source, Permission::Restructure).await?;
        restructure::check_split(&source.unit(), split.parts.len(), split.on)?;
        let children = active_children(&mut tx, source.id).await?;
        let members = active_member_ids(&mut tx, source.id).await?;
        let named: Vec<Share> = split
            .parts
            .iter()
            .map(|part| Share {
                children: part.children.clone(),
                members: part.members.clone(),
            })
            .collect();
        let child_ids: Vec<OrgId> = children.iter().map(|c| c.id).collect();
        let plan = restructure::share_split(&child_ids, &members, &named)?;

        let mut parts = Vec::new();
        let mut touched = chain(&[&source.path]);
        for (part, share) in split.parts.into_iter().zip(plan) {
            if let Some(pid) = part.new.parent_id
                && let Some(parent) = org_by_id(&mut tx, pid).await?
            {
                restructure::check_outside([&source.path].into_iter(), &parent.path, "parent")?;
            }
            let new = create_org(&mut tx, p, part.new, Permission::Restructure).await?;
            touched.extend(chain(&[&new.path]));
            let moving: Vec<&Org> = share
                .children
                .iter()
                .map(|cid| children.iter().find(|c| c.id == *cid).expect("shared"))
                .collect();
            let kinds: Vec<OrgKind> = moving.iter().map(|c| c.kind).collect();
            restructure::check_receiver(new.kind, &kinds, !share.members.is_empty(), "members")?;
            for child in moving {
                move_subtree(&mut tx, child, &new).await?;
            }
            if !share.members.is_empty() {
                move_members(&mut tx, &source, &new, Some(&share.members), split.on).await?;
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

    async fn org_close(
        &self,
        p: &Principal,
        id: OrgId,
        on: Date,
        successor: Option<OrgId>,
    ) -> Result<Org> {
        let mut tx = self.begin().await?;
        let org = org_for_write(&mut tx, p, id, Permission::Restructure).await?;
        restructure::check_close(&org.unit(), on, successor)?;
        let succ = match successor {
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
        restructure::check_closable(u64::try_from(busy).unwrap_or(0))?;
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

    async fn org_history(&self, p: &Principal, id: OrgId) -> Result<Vec<OrgEvent>> {
        let mut conn = self.read_pool().acquire().await.db()?;
        org_readable(&mut conn, p, id).await?;
        let rows = sqlx::query(
            "SELECT id, org_id, kind, on_date, detail, at FROM org_events WHERE org_id = $1 \
             ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .db()?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind").db()?;
                Ok(OrgEvent {
                    id: r.try_get("id").db()?,
                    org_id: OrgId(r.try_get("org_id").db()?),
                    kind: OrgEventKind::parse(&kind).ok_or_else(|| bad_data("event", &kind))?,
                    on: r.try_get("on_date").db()?,
                    detail: rows::json(r.try_get("detail").db()?)?.unwrap_or_default(),
                    at: r.try_get("at").db()?,
                })
            })
            .collect()
    }

    async fn org_links(&self, p: &Principal, id: OrgId) -> Result<OrgLinks> {
        let mut conn = self.read_pool().acquire().await.db()?;
        org_readable(&mut conn, p, id).await?;
        let refs = |rows: Vec<DbRow>| -> Result<Vec<OrgRef>> {
            rows.iter()
                .map(|r| {
                    let path = rows::path(r.try_get("path").db()?)?;
                    Ok(OrgRef {
                        id: OrgId(r.try_get("id").db()?),
                        name: r.try_get("name").db()?,
                        readable: p.can(Permission::Read, &path),
                    })
                })
                .collect()
        };
        let pred = sqlx::query(
            "SELECT o.id, o.name, o.path FROM org_successions s \
             JOIN organizations o ON o.id = s.predecessor_id WHERE s.successor_id = $1 ORDER BY o.id",
        )
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .db()?;
        let succ = sqlx::query(
            "SELECT o.id, o.name, o.path FROM org_successions s \
             JOIN organizations o ON o.id = s.successor_id WHERE s.predecessor_id = $1 ORDER BY o.id",
        )
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .db()?;
        Ok(OrgLinks {
            predecessors: refs(pred)?,
            successors: refs(succ)?,
        })
    }

    async fn org_lineage(&self, p: &Principal, id: OrgId) -> Result<Vec<OrgId>> {
        let mut conn = self.read_pool().acquire().await.db()?;
        org_readable(&mut conn, p, id).await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "WITH RECURSIVE lineage (id) AS ( \
               SELECT $1 \
               UNION \
               SELECT s.predecessor_id FROM org_successions s \
               JOIN lineage l ON s.successor_id = l.id) \
             SELECT id FROM lineage ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .db()?;
        Ok(ids.into_iter().map(OrgId).collect())
    }
}
