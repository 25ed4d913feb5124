//! Organizations: reads, creation, renames; history and succession links.

use crate::dialect::Backend;
use crate::dialect::{self, Conn, Db, DbRow};
use crate::sql::rows::{self, ORG_COLS};
use crate::sql::util::*;
use domain::text::{fold, like_escape};
use domain::{OrgId, OrgKind, OrgPath, Permission, Principal, validate};
use serde_json::json;
use sqlx::{QueryBuilder, Row};
use store::*;

/// Children order: by rank of kind, then name.
pub(crate) const KIND_ORDER: &str = "CASE kind WHEN 'provincial' THEN 0 \
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
    match org_by_id(conn, id).await? {
        Some(o) if p.can(Permission::Read, &o.path) => Ok(o),
        _ => Err(StoreError::NotFound),
    }
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
    if !p.can(perm, &o.path) {
        return Err(StoreError::Forbidden);
    }
    Ok(o)
}

pub(crate) fn require_active(o: &Org) -> Result<()> {
    if o.valid_to.is_some() {
        return Err(StoreError::Conflict("org_closed"));
    }
    Ok(())
}

pub(crate) fn org_json(o: &Org) -> serde_json::Value {
    serde_json::to_value(o).unwrap_or(serde_json::Value::Null)
}

/// Validates and inserts a new unit with its counters, event and audit entry. The parent
/// is checked for `perm` (EditOrgs for a plain creation, Restructure inside a merge or
/// split).
pub(crate) async fn create_org(
    conn: &mut Conn,
    p: &Principal,
    new: NewOrg,
    perm: Permission,
) -> Result<Org> {
    let parent = match new.parent_id {
        None => {
            if !p.system {
                return Err(StoreError::Forbidden);
            }
            None
        }
        Some(pid) => Some(org_for_write(conn, p, pid, perm).await?),
    };
    if let Some(parent) = &parent {
        require_active(parent)?;
    }
    let mut bad = domain::Invalid::default();
    let name = bad.take(validate::name("name", &new.name, 200));
    let code = match &new.code {
        Some(c) => bad.take(validate::optional("code", c, 50)).flatten(),
        None => None,
    };
    let kind_ok = match &parent {
        Some(parent) => parent.kind.may_contain(new.kind),
        None => new.kind == OrgKind::Provincial,
    };
    if !kind_ok {
        bad.push("kind", "kind_not_allowed");
    }
    if let Some(parent) = &parent
        && new.valid_from < parent.valid_from
    {
        bad.push("valid_from", "date_before_start");
    }
    let name = bad.into_result(name)?.expect("checked");
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
    if let Some(parent) = &parent {
        sqlx::query("UPDATE organizations SET child_count = child_count + 1 WHERE id = $1")
            .bind(parent.id.0)
            .execute(&mut *conn)
            .await
            .db()?;
    }
    if new.kind == OrgKind::Cell {
        let mut qb = QueryBuilder::<Db>::new(
            "UPDATE organizations SET subtree_cell_count = subtree_cell_count + 1 WHERE id IN ",
        );
        push_ids(&mut qb, path.ids().into_iter().map(|i| i.0));
        qb.build().execute(&mut *conn).await.db()?;
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

impl Backend {
    pub(crate) async fn org_roots_impl(&self, p: &Principal) -> Result<Vec<Org>> {
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

    pub(crate) async fn org_get_impl(&self, p: &Principal, id: OrgId) -> Result<Org> {
        let mut conn = self.read_pool().acquire().await.db()?;
        org_readable(&mut conn, p, id).await
    }

    pub(crate) async fn org_children_impl(
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
        qb.push(format!(" ORDER BY {KIND_ORDER}, search_key, id"));
        rows::orgs(qb.build().fetch_all(&mut *conn).await.db()?)
    }

    pub(crate) async fn org_ancestors_impl(&self, p: &Principal, id: OrgId) -> Result<Vec<Crumb>> {
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

    pub(crate) async fn org_search_impl(
        &self,
        p: &Principal,
        query: &str,
        limit: u32,
    ) -> Result<Vec<Org>> {
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

    pub(crate) async fn org_by_code_impl(&self, p: &Principal, code: &str) -> Result<Option<Org>> {
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

    pub(crate) async fn org_create_impl(&self, p: &Principal, new: NewOrg) -> Result<Org> {
        let mut tx = self.begin().await?;
        let org = create_org(&mut tx, p, new, Permission::EditOrgs).await?;
        tx.commit().await.db()?;
        Ok(org)
    }

    pub(crate) async fn org_import_impl(
        &self,
        p: &Principal,
        rows: Vec<NewOrgImport>,
    ) -> Result<u64> {
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
            let code = row.code.trim().to_owned();
            if code.is_empty() {
                return Err(StoreError::invalid("code", "required"));
            }
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

    pub(crate) async fn org_update_impl(
        &self,
        p: &Principal,
        id: OrgId,
        edit: OrgEdit,
    ) -> Result<Org> {
        let mut tx = self.begin().await?;
        let before = org_for_write(&mut tx, p, id, Permission::EditOrgs).await?;
        require_active(&before)?;
        let mut bad = domain::Invalid::default();
        let name = bad.take(validate::name("name", &edit.name, 200));
        let code = match &edit.code {
            Some(c) => bad.take(validate::optional("code", c, 50)).flatten(),
            None => None,
        };
        if edit.on < before.valid_from {
            bad.push("on", "date_before_start");
        }
        let name = bad.into_result(name)?.expect("checked");
        if name == before.name && code == before.code {
            return Ok(before);
        }
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

    pub(crate) async fn org_history_impl(&self, p: &Principal, id: OrgId) -> Result<Vec<OrgEvent>> {
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

    pub(crate) async fn org_links_impl(&self, p: &Principal, id: OrgId) -> Result<OrgLinks> {
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

    pub(crate) async fn org_lineage_impl(&self, p: &Principal, id: OrgId) -> Result<Vec<OrgId>> {
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
