//! Accounts ([`store::AccountStore`]): credentials, principals, sessions, users and grants.
//!
//! An account is administered by a principal only when every organization it reaches —
//! each grant, its member record's cell and the unit whose administrators created it
//! (`users.org_id`) — lies in the principal's ManageAccounts scope
//! (`domain::Principal::may_administer`, issue 11 defect 2). Lists are narrowed in SQL to
//! accounts reaching into the scope at all, then filtered by the rule on what each account
//! reaches. Anyone may read their own account and change their own password.
//!
//! A session row names its account (`sessions.user_id`): a password change, a reset and a
//! disable delete every session of the account in the same transaction (defect 4).

use crate::dialect::{Backend, Conn, Db};
use crate::sql::orgs::org_readable;
use crate::sql::rows::{self, GRANT_COLS, USER_COLS};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::access::AccountReach;
use domain::{AccessRole, Grant, MemberId, OrgId, Permission, Principal, UserId};
use sqlx::{QueryBuilder, Row};
use std::collections::HashMap;
use store::*;
use time::OffsetDateTime;

/// ` AND (the account is administered by p)`.
fn push_administered(qb: &mut QueryBuilder<Db>, p: &Principal) {
    if p.system {
        return;
    }
    qb.push(" AND (u.id = ").push_bind(p.user_id.0).push(
        " OR EXISTS (SELECT 1 FROM grants g JOIN organizations o ON o.id = g.org_id \
             WHERE g.user_id = u.id",
    );
    push_scope(qb, "o.path", p, Permission::ManageAccounts);
    qb.push(") OR EXISTS (SELECT 1 FROM members m WHERE m.id = u.member_id");
    push_scope(qb, "m.cell_path", p, Permission::ManageAccounts);
    qb.push(") OR EXISTS (SELECT 1 FROM organizations o WHERE o.id = u.org_id");
    push_scope(qb, "o.path", p, Permission::ManageAccounts);
    qb.push("))");
}

async fn users_where(
    conn: &mut Conn,
    p: &Principal,
    cond: impl FnOnce(&mut QueryBuilder<Db>),
) -> Result<Vec<UserDetail>> {
    let mut qb = QueryBuilder::<Db>::new(format!("SELECT {USER_COLS} FROM users u WHERE 1 = 1"));
    cond(&mut qb);
    push_administered(&mut qb, p);
    qb.push(" ORDER BY u.username");
    let users = qb
        .build()
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(rows::user)
        .collect::<Result<Vec<_>>>()?;
    let users = if p.system || users.is_empty() {
        users
    } else {
        let mut reach = reaches(conn, users.iter().map(|u| u.id)).await?;
        users
            .into_iter()
            .filter(|u| {
                u.id == p.user_id || p.may_administer(&reach.remove(&u.id).unwrap_or_default())
            })
            .collect()
    };
    if users.is_empty() {
        return Ok(Vec::new());
    }
    // The grants shown are those on units the principal may read.
    let mut qb = QueryBuilder::<Db>::new(format!(
        "SELECT {GRANT_COLS} FROM grants g JOIN organizations o ON o.id = g.org_id \
         WHERE g.user_id IN "
    ));
    push_ids(&mut qb, users.iter().map(|u| u.id.0));
    push_scope(&mut qb, "o.path", p, Permission::Read);
    qb.push(" ORDER BY g.id");
    let mut grants: HashMap<UserId, Vec<GrantRow>> = HashMap::new();
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        let g = rows::grant(&r)?;
        grants.entry(g.user_id).or_default().push(g);
    }
    Ok(users
        .into_iter()
        .map(|user| UserDetail {
            grants: grants.remove(&user.id).unwrap_or_default(),
            user,
        })
        .collect())
}

/// Everywhere each account reaches: all its grants (not only those the principal may
/// read), its member record's cell and its home organization.
async fn reaches(
    conn: &mut Conn,
    ids: impl Iterator<Item = UserId> + Clone,
) -> Result<HashMap<UserId, AccountReach>> {
    let mut out: HashMap<UserId, AccountReach> = HashMap::new();
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT g.user_id, o.path FROM grants g JOIN organizations o ON o.id = g.org_id \
         WHERE g.user_id IN ",
    );
    push_ids(&mut qb, ids.clone().map(|u| u.0));
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        out.entry(UserId(r.try_get("user_id").db()?))
            .or_default()
            .grants
            .push(rows::path(r.try_get("path").db()?)?);
    }
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT u.id, m.cell_path, o.path FROM users u \
         LEFT JOIN members m ON m.id = u.member_id \
         LEFT JOIN organizations o ON o.id = u.org_id WHERE u.id IN ",
    );
    push_ids(&mut qb, ids.map(|u| u.0));
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        let reach = out.entry(UserId(r.try_get("id").db()?)).or_default();
        if let Some(cell) = r.try_get::<Option<String>, _>("cell_path").db()? {
            reach.member_links.push(rows::path(cell)?);
        }
        reach.home = r
            .try_get::<Option<String>, _>("path")
            .db()?
            .map(rows::path)
            .transpose()?;
    }
    Ok(out)
}

/// Ends every session of an account.
async fn end_sessions(conn: &mut Conn, id: UserId) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(id.0)
        .execute(conn)
        .await
        .db()?;
    Ok(())
}

async fn user_administered(conn: &mut Conn, p: &Principal, id: UserId) -> Result<UserDetail> {
    users_where(conn, p, |qb| {
        qb.push(" AND u.id = ").push_bind(id.0);
    })
    .await?
    .pop()
    .ok_or(StoreError::NotFound)
}

async fn user_org_path(conn: &mut Conn, id: UserId) -> Result<Option<domain::OrgPath>> {
    let path: Option<String> = sqlx::query_scalar(
        "SELECT o.path FROM users u JOIN organizations o ON o.id = u.org_id WHERE u.id = $1",
    )
    .bind(id.0)
    .fetch_optional(conn)
    .await
    .db()?;
    path.map(rows::path).transpose()
}

fn user_json(u: &User) -> serde_json::Value {
    serde_json::to_value(u).unwrap_or_default()
}

async fn grant_by_id(conn: &mut Conn, id: i64) -> Result<Option<GrantRow>> {
    let sql = format!(
        "SELECT {GRANT_COLS} FROM grants g JOIN organizations o ON o.id = g.org_id WHERE g.id = $1"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await
        .db()?
        .as_ref()
        .map(rows::grant)
        .transpose()
}

impl Backend {
    async fn user_write(
        &self,
        p: &Principal,
        id: UserId,
        action: &str,
        ends_sessions: bool,
        apply: impl for<'c> FnOnce(&'c mut QueryBuilder<Db>),
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let before = user_administered(&mut tx, p, id).await?;
        let mut qb = QueryBuilder::<Db>::new("UPDATE users SET ");
        apply(&mut qb);
        qb.push(" WHERE id = ").push_bind(id.0);
        qb.build().execute(&mut *tx).await.db()?;
        if ends_sessions {
            end_sessions(&mut tx, id).await?;
        }
        let after = user_administered(&mut tx, p, id).await?;
        let org_path = user_org_path(&mut tx, id).await?;
        audit(
            &mut tx,
            p,
            action,
            "user",
            id.0,
            org_path.as_ref(),
            Some(user_json(&before.user)),
            Some(user_json(&after.user)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(())
    }
}

#[async_trait]
impl AccountStore for Backend {
    async fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        let row = sqlx::query("SELECT id, password_hash, disabled FROM users WHERE username = $1")
            .bind(username.trim().to_ascii_lowercase())
            .fetch_optional(self.read_pool())
            .await
            .db()?;
        row.map(|r| {
            Ok(Credentials {
                user_id: UserId(r.try_get("id").db()?),
                password_hash: r.try_get("password_hash").db()?,
                disabled: r.try_get("disabled").db()?,
            })
        })
        .transpose()
    }

    async fn principal(&self, user: UserId) -> Result<Option<Principal>> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let Some(r) = sqlx::query(
            "SELECT username, display_name, disabled, member_id FROM users WHERE id = $1",
        )
        .bind(user.0)
        .fetch_optional(&mut *conn)
        .await
        .db()?
        else {
            return Ok(None);
        };
        if r.try_get::<bool, _>("disabled").db()? {
            return Ok(None);
        }
        let grants = sqlx::query(
            "SELECT g.role, g.org_id, o.path FROM grants g JOIN organizations o ON o.id = g.org_id \
             WHERE g.user_id = $1 ORDER BY g.id",
        )
        .bind(user.0)
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(|g| {
            let role: String = g.try_get("role").db()?;
            Ok(Grant {
                role: AccessRole::parse(&role).ok_or_else(|| bad_data("role", &role))?,
                org_id: OrgId(g.try_get("org_id").db()?),
                org_path: rows::path(g.try_get("path").db()?)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(Some(Principal {
            user_id: user,
            username: r.try_get("username").db()?,
            display_name: r.try_get("display_name").db()?,
            grants,
            system: false,
            member_id: r.try_get::<Option<i64>, _>("member_id").db()?.map(MemberId),
        }))
    }

    async fn session_load(&self, id: &str) -> Result<Option<(Vec<u8>, OffsetDateTime)>> {
        let row = sqlx::query("SELECT data, expires_at FROM sessions WHERE id = $1")
            .bind(id)
            .fetch_optional(self.read_pool())
            .await
            .db()?;
        row.map(|r| Ok((r.try_get("data").db()?, r.try_get("expires_at").db()?)))
            .transpose()
    }

    async fn session_save(
        &self,
        id: &str,
        data: &[u8],
        expires: OffsetDateTime,
        user: Option<UserId>,
    ) -> Result<()> {
        sqlx::query("UPDATE sessions SET data = $1, expires_at = $2, user_id = $3 WHERE id = $4")
            .bind(data)
            .bind(trunc(expires))
            .bind(user.map(|u| u.0))
            .bind(id)
            .execute(self.write_pool())
            .await
            .db()?;
        Ok(())
    }

    async fn session_create(
        &self,
        id: &str,
        data: &[u8],
        expires: OffsetDateTime,
        user: Option<UserId>,
    ) -> Result<bool> {
        let n = sqlx::query(
            "INSERT INTO sessions (id, data, expires_at, user_id) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(data)
        .bind(trunc(expires))
        .bind(user.map(|u| u.0))
        .execute(self.write_pool())
        .await
        .db()?
        .rows_affected();
        Ok(n == 1)
    }

    async fn session_delete(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(self.write_pool())
            .await
            .db()?;
        Ok(())
    }

    async fn session_delete_expired(&self, now: OffsetDateTime) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(trunc(now))
            .execute(self.write_pool())
            .await
            .db()?
            .rows_affected())
    }

    async fn user_create(&self, p: &Principal, new: NewUser) -> Result<User> {
        if !p.has_anywhere(Permission::ManageAccounts) {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        let (username, display_name) = domain::access::check_new_account(
            &new.username,
            &new.display_name,
            !new.password_hash.is_empty(),
        )?;
        if let Some(mid) = new.member_id {
            let m = crate::sql::members::member_by_id(&mut tx, mid)
                .await?
                .ok_or(StoreError::NotFound)?;
            p.ensure_write(Permission::ManageAccounts, &m.cell_path)?;
        }
        // The account belongs to the administrator's own (highest) unit.
        let home: Option<domain::OrgPath> = if p.system {
            None
        } else {
            p.scope(Permission::ManageAccounts)
                .roots()
                .iter()
                .min_by_key(|r| r.depth())
                .cloned()
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, password_hash, member_id, org_id, \
             disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&username)
        .bind(&display_name)
        .bind(&new.password_hash)
        .bind(new.member_id.map(|m| m.0))
        .bind(home.as_ref().map(|h| h.id().0))
        .bind(false)
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .db()?;
        let sql = format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1");
        let user = rows::user(
            &sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .db()?,
        )?;
        audit(
            &mut tx,
            p,
            "create",
            "user",
            id,
            home.as_ref(),
            None,
            Some(user_json(&user)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(user)
    }

    async fn user_get(&self, p: &Principal, id: UserId) -> Result<UserDetail> {
        let mut conn = self.read_pool().acquire().await.db()?;
        user_administered(&mut conn, p, id).await
    }

    async fn user_by_username(&self, p: &Principal, username: &str) -> Result<Option<UserDetail>> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let name = username.trim().to_ascii_lowercase();
        Ok(users_where(&mut conn, p, |qb| {
            qb.push(" AND u.username = ").push_bind(name);
        })
        .await?
        .pop())
    }

    async fn user_list(&self, p: &Principal) -> Result<Vec<UserDetail>> {
        if !p.has_anywhere(Permission::ManageAccounts) {
            return Ok(Vec::new());
        }
        let mut conn = self.read_pool().acquire().await.db()?;
        users_where(&mut conn, p, |_| {}).await
    }

    async fn user_set_password(&self, p: &Principal, id: UserId, hash: &str) -> Result<()> {
        domain::access::check_password_change(p, id, !hash.is_empty())?;
        let hash = hash.to_owned();
        self.user_write(p, id, "password", true, move |qb| {
            qb.push("password_hash = ").push_bind(hash);
        })
        .await
    }

    async fn user_set_disabled(&self, p: &Principal, id: UserId, disabled: bool) -> Result<()> {
        if !p.has_anywhere(Permission::ManageAccounts) {
            return Err(StoreError::Forbidden);
        }
        if !p.system && p.user_id == id {
            return Err(StoreError::Forbidden);
        }
        self.user_write(
            p,
            id,
            if disabled { "disable" } else { "enable" },
            disabled,
            move |qb| {
                qb.push("disabled = ").push_bind(disabled);
            },
        )
        .await
    }

    async fn grant_add(&self, p: &Principal, new: NewGrant) -> Result<GrantRow> {
        let mut tx = self.begin().await?;
        let org = org_readable(&mut tx, p, new.org_id).await?;
        p.ensure(Permission::ManageAccounts, &org.path)?;
        crate::sql::orgs::require_active(&org)?;
        user_administered(&mut tx, p, new.user_id).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO grants (user_id, role, org_id, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id",
        )
        .bind(new.user_id.0)
        .bind(new.role.as_str())
        .bind(org.id.0)
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .db()?;
        let g = grant_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            p,
            "grant",
            "grant",
            id,
            Some(&org.path),
            None,
            Some(serde_json::to_value(&g).unwrap_or_default()),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(g)
    }

    async fn grant_revoke(&self, p: &Principal, grant_id: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        let g = grant_by_id(&mut tx, grant_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        p.ensure_write(Permission::ManageAccounts, &g.org_path)?;
        // Only from an account this principal administers as a whole.
        user_administered(&mut tx, p, g.user_id).await?;
        sqlx::query("DELETE FROM grants WHERE id = $1")
            .bind(grant_id)
            .execute(&mut *tx)
            .await
            .db()?;
        audit(
            &mut tx,
            p,
            "revoke",
            "grant",
            grant_id,
            Some(&g.org_path),
            Some(serde_json::to_value(&g).unwrap_or_default()),
            None,
        )
        .await?;
        tx.commit().await.db()?;
        Ok(())
    }
}
