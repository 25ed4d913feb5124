//! The audit log ([`store::AuditStore`]): entries about units in the principal's audit
//! scope. Entries are written by every capability through `util::audit`.

use crate::dialect::{Backend, Db};
use crate::sql::orgs::org_readable;
use crate::sql::rows::{self};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::{Permission, Principal, UserId};
use sqlx::{QueryBuilder, Row};
use store::*;

#[async_trait]
impl AuditStore for Backend {
    async fn audit_list(&self, p: &Principal, filter: AuditFilter) -> Result<Vec<AuditEntry>> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT id, at, user_id, actor, COALESCE((SELECT u.display_name FROM users u \
             WHERE u.id = audit_log.user_id), actor) AS actor_name, action, entity, entity_id, \
             org_path, before, after FROM audit_log WHERE 1 = 1",
        );
        if !p.system {
            qb.push(" AND org_path IS NOT NULL");
        }
        push_scope(&mut qb, "org_path", p, Permission::ReadAudit);
        if let Some(org) = filter.org {
            let o = org_readable(&mut conn, p, org).await?;
            push_subtree(&mut qb, "org_path", &o.path);
        }
        if let Some(e) = &filter.entity {
            qb.push(" AND entity = ").push_bind(e.clone());
        }
        if let Some(b) = filter.before_id {
            qb.push(" AND id < ").push_bind(b);
        }
        let limit = if filter.limit == 0 {
            50
        } else {
            filter.limit.min(1000)
        };
        qb.push(" ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(limit));
        qb.build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(|r| {
                let org_path: Option<String> = r.try_get("org_path").db()?;
                Ok(AuditEntry {
                    id: r.try_get("id").db()?,
                    at: r.try_get("at").db()?,
                    user_id: r.try_get::<Option<i64>, _>("user_id").db()?.map(UserId),
                    actor: r.try_get("actor").db()?,
                    actor_name: r.try_get("actor_name").db()?,
                    action: r.try_get("action").db()?,
                    entity: r.try_get("entity").db()?,
                    entity_id: r.try_get("entity_id").db()?,
                    org_path: org_path.map(rows::path).transpose()?,
                    before: rows::json(r.try_get("before").db()?)?,
                    after: rows::json(r.try_get("after").db()?)?,
                })
            })
            .collect()
    }
}
