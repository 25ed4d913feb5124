//! Bulk loading and counter rebuilds.

use crate::PgStore;
use crate::util::*;
use domain::text::fold;
use domain::{Principal, validate};
use serde_json::json;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use store::*;

/// PostgreSQL allows 65,535 bound parameters per statement; batches stay under it. Full
/// batches share one SQL text, so sqlx reuses one prepared statement for them.
const MAX_BINDS: usize = 60_000;

/// Rebuilds every counter from the records, set-based: member counts by one GROUP BY,
/// subtree sums by expanding each unit's path into its ancestors (`unnest`).
pub(crate) async fn recount_all(conn: &mut PgConnection) -> Result<()> {
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

/// Moves the identity sequences past ids a bulk load chose.
async fn sync_sequences(conn: &mut PgConnection) -> Result<()> {
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

/// Runs `push_row` for each item in batches of multi-row INSERTs.
async fn insert_batched<T>(
    conn: &mut PgConnection,
    head: &str,
    binds_per_row: usize,
    items: &[T],
    mut push_row: impl FnMut(&mut sqlx::query_builder::Separated<'_, Postgres, &'static str>, &T),
) -> Result<()> {
    let per = (MAX_BINDS / binds_per_row).max(1);
    let mut qb = QueryBuilder::<Postgres>::new(head);
    for chunk in items.chunks(per) {
        qb.reset();
        qb.push_values(chunk, |mut sep, item| push_row(&mut sep, item));
        qb.build().execute(&mut *conn).await.db()?;
    }
    Ok(())
}

impl PgStore {
    pub(crate) async fn max_ids_impl(&self) -> Result<MaxIds> {
        let (org, member, user): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM organizations), \
                    (SELECT COALESCE(MAX(id), 0) FROM members), \
                    (SELECT COALESCE(MAX(id), 0) FROM users)",
        )
        .fetch_one(&self.pool)
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

        // Members and their first stints, the big tables, go in as column arrays through
        // UNNEST: one statement per 20,000 rows instead of a VALUES list with a bind per field.
        for chunk in load.members.chunks(20_000) {
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
            .execute(&mut *tx)
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
            .execute(&mut *tx)
            .await
            .db()?;
        }

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
                 created_at) VALUES ($1, $2, $3, $4, FALSE, $5) RETURNING id",
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

        sync_sequences(&mut tx).await?;
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
