//! Members ([`store::MemberStore`]): their cell stints and their positions.

use crate::dialect::{self, Backend, Conn, Db, DbRow};
use crate::sql::orgs::{org_by_id, org_for_write, org_readable, require_active};
use crate::sql::rows::{self, MEMBER_COLS, POSITION_COLS};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::text::{fold, like_escape};
use domain::{MemberId, MemberStatus, OrgId, Permission, Principal, people};
use sqlx::{QueryBuilder, Row};
use std::collections::{BTreeSet, HashMap};
use store::*;
use time::Date;

pub(crate) async fn member_by_id(conn: &mut Conn, id: MemberId) -> Result<Option<Member>> {
    let sql = format!("SELECT {MEMBER_COLS} FROM members m WHERE m.id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(conn)
        .await
        .db()?
        .as_ref()
        .map(rows::member)
        .transpose()
}

async fn member_readable(conn: &mut Conn, p: &Principal, id: MemberId) -> Result<Member> {
    let m = member_by_id(conn, id).await?.ok_or(StoreError::NotFound)?;
    p.ensure_read(&m.cell_path)?;
    Ok(m)
}

async fn member_for_write(conn: &mut Conn, p: &Principal, id: MemberId) -> Result<Member> {
    let m = member_readable(conn, p, id).await?;
    p.ensure(Permission::EditPeople, &m.cell_path)?;
    Ok(m)
}

fn member_json(m: &Member) -> serde_json::Value {
    serde_json::to_value(m).unwrap_or_default()
}

fn position_json(x: &Position) -> serde_json::Value {
    serde_json::to_value(x).unwrap_or_default()
}

/// A cell members may be put in: readable (else `NotFound`), editable (else `Forbidden`),
/// a cell (else `Invalid`), active (else `Conflict`).
async fn target_cell(conn: &mut Conn, p: &Principal, id: OrgId) -> Result<Org> {
    let cell = org_for_write(conn, p, id, Permission::EditPeople).await?;
    people::check_member_cell(&cell.unit())?;
    Ok(cell)
}

struct CleanMember {
    full_name: String,
    card_number: Option<String>,
}

fn clean_member(full_name: &str, card: &Option<String>) -> Result<CleanMember> {
    let (full_name, card_number) = people::clean_member(full_name, card.as_deref())?;
    Ok(CleanMember {
        full_name,
        card_number,
    })
}

/// Inserts a validated member with their first stint and audit entry. Counters are the
/// caller's business.
async fn insert_member(
    conn: &mut Conn,
    p: &Principal,
    cell: &Org,
    new: &NewMember,
    clean: CleanMember,
) -> Result<Member> {
    let at = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO members (province_id, cell_id, cell_path, full_name, search_key, gender, \
         birth_date, joined_on, audience, status, card_number, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $11, $11) RETURNING id",
    )
    .bind(province_of(&cell.path))
    .bind(cell.id.0)
    .bind(cell.path.as_str())
    .bind(&clean.full_name)
    .bind(fold(&clean.full_name))
    .bind(new.gender.map(|g| g.as_str()))
    .bind(new.birth_date)
    .bind(new.joined_on)
    .bind(new.audience.as_str())
    .bind(&clean.card_number)
    .bind(at)
    .fetch_one(&mut *conn)
    .await
    .db()?;
    sqlx::query(
        "INSERT INTO member_stints (member_id, cell_id, province_id, from_date) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(cell.id.0)
    .bind(province_of(&cell.path))
    .bind(new.since)
    .execute(&mut *conn)
    .await
    .db()?;
    let m = Member {
        id: MemberId(id),
        cell_id: cell.id,
        cell_path: cell.path.clone(),
        full_name: clean.full_name,
        gender: new.gender,
        birth_date: new.birth_date,
        joined_on: new.joined_on,
        audience: new.audience,
        status: MemberStatus::Active,
        card_number: clean.card_number,
    };
    audit(
        conn,
        p,
        "create",
        "member",
        id,
        Some(&cell.path),
        None,
        Some(member_json(&m)),
    )
    .await?;
    Ok(m)
}

async fn position_by_id(conn: &mut Conn, id: i64) -> Result<Option<(Position, Org)>> {
    let sql = format!(
        "SELECT {POSITION_COLS} FROM positions ps JOIN organizations o ON o.id = ps.org_id \
         WHERE ps.id = $1"
    );
    let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .db()?
    else {
        return Ok(None);
    };
    let pos = rows::position(&r)?;
    let org = org_by_id(conn, pos.org_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(Some((pos, org)))
}

fn hits(rows: Vec<DbRow>) -> Result<Vec<MemberHit>> {
    rows.iter()
        .map(|r| {
            Ok(MemberHit {
                member: rows::member(r)?,
                cell_name: r.try_get("cell_name").db()?,
            })
        })
        .collect()
}

#[async_trait]
impl MemberStore for Backend {
    async fn member_get(&self, p: &Principal, id: MemberId) -> Result<MemberDetail> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let member = member_readable(&mut conn, p, id).await?;
        let cell_name: String = sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1")
            .bind(member.cell_id.0)
            .fetch_one(&mut *conn)
            .await
            .db()?;
        let sql = format!(
            "SELECT {POSITION_COLS} FROM positions ps JOIN organizations o ON o.id = ps.org_id \
             WHERE ps.member_id = $1 ORDER BY ps.from_date, ps.id"
        );
        let positions = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(rows::position)
            .collect::<Result<Vec<_>>>()?;
        let history = sqlx::query(
            "SELECT s.cell_id, o.name, s.from_date, s.to_date FROM member_stints s \
             JOIN organizations o ON o.id = s.cell_id WHERE s.member_id = $1 \
             ORDER BY s.from_date, s.id",
        )
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(|r| {
            Ok(CellStint {
                cell_id: OrgId(r.try_get("cell_id").db()?),
                cell_name: r.try_get("name").db()?,
                from: r.try_get("from_date").db()?,
                to: r.try_get("to_date").db()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(MemberDetail {
            member,
            cell_name,
            positions,
            history,
        })
    }

    async fn cell_members(&self, p: &Principal, cell: OrgId) -> Result<Vec<Member>> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let cell = org_readable(&mut conn, p, cell).await?;
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {MEMBER_COLS} FROM members m WHERE m.status = 'active' AND m.cell_id = "
        ));
        qb.push_bind(cell.id.0);
        push_scope(&mut qb, "m.cell_path", p, Permission::Read);
        qb.push(" ORDER BY m.full_name COLLATE vi, m.id");
        qb.build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(rows::member)
            .collect()
    }

    async fn cell_positions(&self, p: &Principal, cell: OrgId) -> Result<Vec<Position>> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let cell = org_readable(&mut conn, p, cell).await?;
        // One query for the whole cell: the positions of its active members, wherever held.
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {POSITION_COLS} FROM positions ps \
             JOIN members m ON m.id = ps.member_id \
             JOIN organizations o ON o.id = ps.org_id \
             WHERE ps.to_date IS NULL AND m.status = 'active' AND m.cell_id = "
        ));
        qb.push_bind(cell.id.0);
        push_scope(&mut qb, "m.cell_path", p, Permission::Read);
        qb.push(" ORDER BY ps.member_id, ps.from_date, ps.id");
        qb.build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(rows::position)
            .collect()
    }

    async fn subtree_members(
        &self,
        p: &Principal,
        org: OrgId,
        page: Page,
    ) -> Result<Vec<MemberHit>> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let org = org_readable(&mut conn, p, org).await?;
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {MEMBER_COLS}, c.name AS cell_name FROM members m \
             JOIN organizations c ON c.id = m.cell_id WHERE m.status = 'active'"
        ));
        push_subtree(&mut qb, "m.cell_path", &org.path);
        push_scope(&mut qb, "m.cell_path", p, Permission::Read);
        qb.push(" ORDER BY m.search_key, m.id LIMIT ")
            .push_bind(i64::from(page.limit.clamp(1, 1000)))
            .push(" OFFSET ")
            .push_bind(i64::from(page.offset));
        hits(qb.build().fetch_all(&mut *conn).await.db()?)
    }

    async fn member_search(
        &self,
        p: &Principal,
        query: &str,
        limit: u32,
    ) -> Result<Vec<MemberHit>> {
        let q = fold(query);
        if q.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {MEMBER_COLS}, c.name AS cell_name FROM members m \
             JOIN organizations c ON c.id = m.cell_id \
             WHERE m.status = 'active' AND m.search_key LIKE "
        ));
        qb.push_bind(format!("%{}%", like_escape(&q)))
            .push(" ESCAPE '\\'");
        push_scope(&mut qb, "m.cell_path", p, Permission::Read);
        qb.push(" ORDER BY m.search_key, m.id LIMIT ")
            .push_bind(i64::from(limit.clamp(1, 1000)));
        hits(qb.build().fetch_all(self.read_pool()).await.db()?)
    }

    async fn member_by_card(&self, p: &Principal, card: &str) -> Result<Option<MemberHit>> {
        // Cards are written with or without dots and spaces ("12.345.678"): compare the
        // characters that matter.
        let wanted: String = card
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.')
            .collect();
        if wanted.is_empty() {
            return Ok(None);
        }
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {MEMBER_COLS}, c.name AS cell_name FROM members m \
             JOIN organizations c ON c.id = m.cell_id \
             WHERE m.status = 'active' AND REPLACE(REPLACE(m.card_number, '.', ''), ' ', '') = "
        ));
        qb.push_bind(wanted);
        push_scope(&mut qb, "m.cell_path", p, Permission::Read);
        qb.push(" LIMIT 1");
        Ok(hits(qb.build().fetch_all(self.read_pool()).await.db()?)?
            .into_iter()
            .next())
    }

    async fn member_create(&self, p: &Principal, new: NewMember) -> Result<Member> {
        let mut tx = self.begin().await?;
        let cell = target_cell(&mut tx, p, new.cell_id).await?;
        let clean = clean_member(&new.full_name, &new.card_number)?;
        people::check_joined(&cell.unit(), new.since)?;
        let m = insert_member(&mut tx, p, &cell, &new, clean).await?;
        bump_members(&mut tx, &cell.path, 1).await?;
        tx.commit().await.db()?;
        Ok(m)
    }

    /// Validates every row first, then writes members, first stints and one audit entry
    /// per member in multi-row INSERTs: all or nothing.
    async fn member_import(&self, p: &Principal, new: Vec<NewMember>) -> Result<u64> {
        if new.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        let mut cells: HashMap<OrgId, Org> = HashMap::new();
        let mut rows = Vec::with_capacity(new.len());
        for row in &new {
            if let std::collections::hash_map::Entry::Vacant(e) = cells.entry(row.cell_id) {
                let cell = target_cell(&mut tx, p, row.cell_id).await?;
                people::check_joined(&cell.unit(), row.since)?;
                e.insert(cell);
            }
            rows.push(clean_member(&row.full_name, &row.card_number)?);
        }
        let ids = dialect::next_ids(&mut tx, "members", rows.len()).await?;
        let members: Vec<Member> = new
            .iter()
            .zip(rows)
            .zip(&ids)
            .map(|((n, clean), id)| Member {
                id: MemberId(*id),
                cell_id: n.cell_id,
                cell_path: cells[&n.cell_id].path.clone(),
                full_name: clean.full_name,
                gender: n.gender,
                birth_date: n.birth_date,
                joined_on: n.joined_on,
                audience: n.audience,
                status: MemberStatus::Active,
                card_number: clean.card_number,
            })
            .collect();
        let at = now();
        let at_sql = format!(
            "'{}'",
            at.format(&time::format_description::well_known::Rfc3339)
                .map_err(StoreError::backend)?
        );
        const MAX_BINDS: usize = 30_000;
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO members (id, province_id, cell_id, cell_path, full_name, search_key, \
             gender, birth_date, joined_on, audience, status, card_number, created_at, updated_at) ",
        );
        for chunk in members.chunks(MAX_BINDS / 11) {
            qb.reset();
            qb.push_values(chunk, |mut sep, m| {
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
                    .push(&at_sql)
                    .push(&at_sql);
            });
            qb.build().execute(&mut *tx).await.db()?;
        }
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO member_stints (member_id, cell_id, province_id, from_date) ",
        );
        let with_since: Vec<(&Member, &NewMember)> = members.iter().zip(&new).collect();
        for chunk in with_since.chunks(MAX_BINDS / 4) {
            qb.reset();
            qb.push_values(chunk, |mut sep, (m, n)| {
                sep.push_bind(m.id.0)
                    .push_bind(m.cell_id.0)
                    .push_bind(province_of(&m.cell_path))
                    .push_bind(n.since);
            });
            qb.build().execute(&mut *tx).await.db()?;
        }
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO audit_log (at, user_id, actor, action, entity, entity_id, org_path, after) ",
        );
        for chunk in members.chunks(MAX_BINDS / 5) {
            qb.reset();
            qb.push_values(chunk, |mut sep, m| {
                sep.push(&at_sql)
                    .push_bind(user_id_of(p))
                    .push_bind(p.username.clone())
                    .push("'import'")
                    .push("'member'")
                    .push_bind(m.id.0)
                    .push_bind(m.cell_path.as_str().to_owned())
                    .push_bind(json_text(&Some(member_json(m))));
            });
            qb.build().execute(&mut *tx).await.db()?;
        }
        let touched: BTreeSet<i64> = cells
            .values()
            .flat_map(|c| c.path.ids().into_iter().map(|i| i.0))
            .collect();
        recount_units(&mut tx, touched).await?;
        tx.commit().await.db()?;
        Ok(members.len() as u64)
    }

    async fn member_update(&self, p: &Principal, id: MemberId, edit: MemberEdit) -> Result<Member> {
        let mut tx = self.begin().await?;
        let before = member_for_write(&mut tx, p, id).await?;
        let clean = clean_member(&edit.full_name, &edit.card_number)?;
        sqlx::query(
            "UPDATE members SET full_name = $1, search_key = $2, gender = $3, birth_date = $4, \
             joined_on = $5, audience = $6, card_number = $7, status = $8, updated_at = $9 \
             WHERE id = $10",
        )
        .bind(&clean.full_name)
        .bind(fold(&clean.full_name))
        .bind(edit.gender.map(|g| g.as_str()))
        .bind(edit.birth_date)
        .bind(edit.joined_on)
        .bind(edit.audience.as_str())
        .bind(&clean.card_number)
        .bind(edit.status.as_str())
        .bind(now())
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?;
        let delta = match (before.status, edit.status) {
            (MemberStatus::Active, MemberStatus::Left) => -1,
            (MemberStatus::Left, MemberStatus::Active) => 1,
            _ => 0,
        };
        if delta != 0 {
            let cell = org_by_id(&mut tx, before.cell_id)
                .await?
                .ok_or(StoreError::NotFound)?;
            if delta > 0 {
                require_active(&cell)?;
            }
            bump_members(&mut tx, &before.cell_path, delta).await?;
        }
        if before.audience != edit.audience {
            crate::sql::study::follow_audience(&mut tx, id, edit.audience).await?;
        }
        let after = member_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            p,
            "update",
            "member",
            id.0,
            Some(&after.cell_path),
            Some(member_json(&before)),
            Some(member_json(&after)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn member_transfer(
        &self,
        p: &Principal,
        id: MemberId,
        to_cell: OrgId,
        on: Date,
    ) -> Result<Member> {
        let mut tx = self.begin().await?;
        let before = member_for_write(&mut tx, p, id).await?;
        let to = target_cell(&mut tx, p, to_cell).await?;
        let last_from: Option<Date> =
            sqlx::query_scalar("SELECT MAX(from_date) FROM member_stints WHERE member_id = $1")
                .bind(id.0)
                .fetch_one(&mut *tx)
                .await
                .db()?;
        people::check_transfer(before.cell_id, before.status, last_from, &to.unit(), on)?;
        let from = org_by_id(&mut tx, before.cell_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        crate::sql::restructure::move_members(&mut tx, &from, &to, Some(&[id]), on).await?;
        bump_members(&mut tx, &before.cell_path, -1).await?;
        bump_members(&mut tx, &to.path, 1).await?;
        let after = member_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            p,
            "transfer",
            "member",
            id.0,
            Some(&after.cell_path),
            Some(member_json(&before)),
            Some(member_json(&after)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn position_add(&self, p: &Principal, new: NewPosition) -> Result<Position> {
        let mut tx = self.begin().await?;
        let member = member_readable(&mut tx, p, new.member_id).await?;
        let org = org_for_write(&mut tx, p, new.org_id, Permission::EditPeople).await?;
        people::check_position_start(&org.unit(), member.status, new.from)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO positions (member_id, org_id, province_id, role, from_date) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(member.id.0)
        .bind(org.id.0)
        .bind(province_of(&org.path))
        .bind(new.role.as_str())
        .bind(new.from)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        let (pos, _) = position_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            p,
            "create",
            "position",
            id,
            Some(&org.path),
            None,
            Some(position_json(&pos)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(pos)
    }

    async fn position_end(&self, p: &Principal, id: i64, on: Date) -> Result<Position> {
        let mut tx = self.begin().await?;
        let Some((before, org)) = position_by_id(&mut tx, id).await? else {
            return Err(StoreError::NotFound);
        };
        p.ensure_write(Permission::EditPeople, &org.path)?;
        people::check_position_end(before.from, before.to, on)?;
        sqlx::query("UPDATE positions SET to_date = $1 WHERE id = $2")
            .bind(on)
            .bind(id)
            .execute(&mut *tx)
            .await
            .db()?;
        let (after, _) = position_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            p,
            "end",
            "position",
            id,
            Some(&org.path),
            Some(position_json(&before)),
            Some(position_json(&after)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(after)
    }
}
