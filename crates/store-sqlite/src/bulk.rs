//! Bulk loading and counter rebuilds.

use crate::SqliteStore;
use crate::util::*;
use domain::text::fold;
use domain::{Principal, validate};
use serde_json::json;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use store::*;

/// SQLite allows 32,766 bound parameters per statement; batches stay well under it. Full
/// batches share one SQL text, so sqlx reuses one prepared statement for them.
const MAX_BINDS: usize = 30_000;

/// Rebuilds every counter from the records, set-based: member counts by one GROUP BY,
/// subtree sums by expanding each unit's path into its ancestors (`json_each`).
pub(crate) async fn recount_all(conn: &mut SqliteConnection) -> Result<()> {
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

/// Runs `push_row` for each item in batches of multi-row INSERTs.
async fn insert_batched<T>(
    conn: &mut SqliteConnection,
    head: &str,
    binds_per_row: usize,
    items: &[T],
    mut push_row: impl FnMut(&mut sqlx::query_builder::Separated<'_, Sqlite, &'static str>, &T),
) -> Result<()> {
    let per = (MAX_BINDS / binds_per_row).max(1);
    let mut qb = QueryBuilder::<Sqlite>::new(head);
    for chunk in items.chunks(per) {
        qb.reset();
        qb.push_values(chunk, |mut sep, item| push_row(&mut sep, item));
        qb.build().execute(&mut *conn).await.db()?;
    }
    Ok(())
}

impl SqliteStore {
    pub(crate) async fn max_ids_impl(&self) -> Result<MaxIds> {
        let (org, member, user): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM organizations), \
                    (SELECT COALESCE(MAX(id), 0) FROM members), \
                    (SELECT COALESCE(MAX(id), 0) FROM users)",
        )
        .fetch_one(&self.read)
        .await
        .db()?;
        Ok(MaxIds { org, member, user })
    }

    pub(crate) async fn recount_impl(&self, p: &Principal) -> Result<()> {
        if !p.system {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        recount_all(&mut tx).await?;
        crate::programs::recount_programs_tx(&mut tx).await?;
        crate::study::recount_study_tx(&mut tx).await?;
        tx.commit().await.db()
    }

    pub(crate) async fn bulk_load_impl(&self, p: &Principal, load: BulkLoad) -> Result<()> {
        if !p.system {
            return Err(StoreError::Forbidden);
        }
        // Literal, not bound: our own timestamp, so that rows take fewer parameters.
        let at = now()
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(StoreError::backend)?;
        let mut tx = self.begin().await?;

        let mut orgs: Vec<&BulkOrg> = load.orgs.iter().collect();
        orgs.sort_by_key(|o| (o.path.depth(), o.id));
        let head = "INSERT INTO organizations (id, parent_id, province_id, path, depth, kind, code, \
                    name, search_key, valid_from, created_at, updated_at) ";
        insert_batched(&mut tx, head, 10, &orgs, |sep, o| {
            sep.push_bind(o.id.0)
                .push_bind(o.parent_id.map(|i| i.0))
                .push_bind(province_of(&o.path))
                .push_bind(o.path.as_str().to_owned())
                .push_bind(o.path.depth() as i64)
                .push_bind(o.kind.as_str())
                .push_bind(o.code.clone())
                .push_bind(o.name.clone())
                .push_bind(fold(&o.name))
                .push_bind(o.valid_from)
                .push(format!("'{at}'"))
                .push(format!("'{at}'"));
        })
        .await?;

        let head = "INSERT INTO members (id, province_id, cell_id, cell_path, full_name, search_key, \
                    gender, birth_date, joined_on, audience, status, card_number, created_at, \
                    updated_at) ";
        insert_batched(&mut tx, head, 11, &load.members, |sep, m| {
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
        insert_batched(&mut tx, head, 4, &load.members, |sep, m| {
            sep.push_bind(m.id.0)
                .push_bind(m.cell_id.0)
                .push_bind(province_of(&m.cell_path))
                .push_bind(m.since);
        })
        .await?;

        // Positions take the province of their unit, which the loader's units give.
        let province: std::collections::HashMap<i64, i64> = load
            .orgs
            .iter()
            .map(|o| (o.id.0, province_of(&o.path)))
            .collect();
        let mut positions = Vec::with_capacity(load.positions.len());
        for x in &load.positions {
            let prov = match province.get(&x.org_id.0) {
                Some(p) => *p,
                None => sqlx::query_scalar("SELECT province_id FROM organizations WHERE id = $1")
                    .bind(x.org_id.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .db()?
                    .ok_or(StoreError::NotFound)?,
            };
            positions.push((x, prov));
        }
        let head = "INSERT INTO positions (member_id, org_id, province_id, role, from_date) ";
        insert_batched(&mut tx, head, 5, &positions, |sep, (x, prov)| {
            sep.push_bind(x.member_id.0)
                .push_bind(x.org_id.0)
                .push_bind(*prov)
                .push_bind(x.role.as_str())
                .push_bind(x.from);
        })
        .await?;

        for u in &load.users {
            let username = validate::username(&u.username)?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (username, display_name, password_hash, member_id, disabled, \
                 created_at) VALUES ($1, $2, $3, $4, 0, $5) RETURNING id",
            )
            .bind(&username)
            .bind(&u.display_name)
            .bind(&u.password_hash)
            .bind(u.member_id.map(|m| m.0))
            .bind(now())
            .fetch_one(&mut *tx)
            .await
            .db()?;
            for (role, org) in &u.grants {
                sqlx::query(
                    "INSERT INTO grants (user_id, role, org_id, created_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(role.as_str())
                .bind(org.0)
                .bind(now())
                .execute(&mut *tx)
                .await
                .db()?;
            }
        }

        if load.recount {
            recount_all(&mut tx).await?;
        }
        audit(
            &mut tx,
            p,
            "bulk_load",
            "database",
            0,
            None,
            None,
            Some(json!({
                "label": load.label,
                "organizations": load.orgs.len(),
                "members": load.members.len(),
                "positions": load.positions.len(),
                "users": load.users.len(),
                "recount": load.recount,
            })),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(())
    }
}
