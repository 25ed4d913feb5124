//! The meta and maintenance half of the store ([`store::Store`]): migrations, bulk loading
//! and counter rebuilds, backups.

use crate::dialect::{self, Backend, Conn, Db, MAX_BINDS};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::text::fold;
use domain::{Principal, validate};
use serde_json::json;
use sqlx::QueryBuilder;
use store::*;

/// Runs `push_row` for each item in batches of multi-row INSERTs.
pub(crate) async fn insert_batched<T>(
    conn: &mut Conn,
    head: &str,
    binds_per_row: usize,
    items: &[T],
    mut push_row: impl FnMut(&mut sqlx::query_builder::Separated<'_, Db, &'static str>, &T),
) -> Result<()> {
    let per = (MAX_BINDS / binds_per_row).max(1);
    let mut qb = QueryBuilder::<Db>::new(head);
    for chunk in items.chunks(per) {
        qb.reset();
        qb.push_values(chunk, |mut sep, item| push_row(&mut sep, item));
        qb.build().execute(&mut *conn).await.db()?;
    }
    Ok(())
}

#[async_trait]
impl Store for Backend {
    fn backend(&self) -> &'static str {
        dialect::NAME
    }

    fn write_generation(&self) -> Option<u64> {
        self.generation()
    }

    async fn migrate(&self) -> Result<()> {
        crate::sql::migrations::MIGRATOR
            .run(self.write_pool())
            .await
            .map_err(StoreError::backend)
    }

    async fn migration_state(&self) -> Result<MigrationState> {
        crate::sql::migrations::state(self.read_pool()).await
    }

    async fn max_ids(&self) -> Result<MaxIds> {
        let (org, member, user): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM organizations), \
                    (SELECT COALESCE(MAX(id), 0) FROM members), \
                    (SELECT COALESCE(MAX(id), 0) FROM users)",
        )
        .fetch_one(self.read_pool())
        .await
        .db()?;
        Ok(MaxIds { org, member, user })
    }

    async fn bulk_load(&self, p: &Principal, load: BulkLoad) -> Result<()> {
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

        dialect::insert_members(&mut tx, &load.members, &at).await?;

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
                 created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&username)
            .bind(&u.display_name)
            .bind(&u.password_hash)
            .bind(u.member_id.map(|m| m.0))
            .bind(false)
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

        dialect::after_bulk_load(&mut tx).await?;
        if load.recount {
            dialect::recount_tree(&mut tx).await?;
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

    async fn recount(&self, p: &Principal) -> Result<()> {
        if !p.system {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        dialect::recount_tree(&mut tx).await?;
        crate::sql::dashboards::recount_programs_tx(&mut tx).await?;
        crate::sql::study::recount_study_tx(&mut tx).await?;
        crate::sql::targets::recount_targets_tx(&mut tx).await?;
        tx.commit().await.db()
    }

    async fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        self.backup(path).await
    }

    async fn table_counts(&self) -> Result<std::collections::BTreeMap<String, i64>> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let tables: Vec<String> = sqlx::query_scalar(dialect::TABLE_NAMES)
            .fetch_all(&mut *conn)
            .await
            .db()?;
        let mut out = std::collections::BTreeMap::new();
        for t in tables {
            // Names from the catalog, quoted: no input of anyone's reaches this query.
            let sql = format!("SELECT COUNT(*) FROM \"{}\"", t.replace('"', "\"\""));
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(&mut *conn)
                .await
                .db()?;
            out.insert(t, n);
        }
        Ok(out)
    }
}
