//! The search index's feed ([`store::SearchStore`], docs/SEARCH.md): each kind of record
//! has one [`Loader`] — a `SELECT` naming the columns a [`Record`] is made of, its id and
//! path columns, and the audit entities that change it — and every way of loading
//! (a rebuild's pages, the records an audit entry names, a group, a subtree) is built
//! from it. Adding a kind is adding a loader to [`LOADERS`].

use crate::dialect::{Backend, Db, DbRow};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::search::{Kind, Reach, Record};
use domain::{MemberId, OrgId, OrgPath, Principal};
use sqlx::{QueryBuilder, Row};
use std::collections::BTreeSet;
use store::*;
use time::{Date, OffsetDateTime};

/// How the records of one kind are loaded.
///
/// `select` is `SELECT … FROM …` (no `WHERE`) with these columns: `id`, `org_path` (the
/// unit's path), `title`, `body` (text, may be NULL), `day` (a date or a timestamp, may
/// be NULL), `responsible` (a member id or NULL), `reach` (`unit`, `unit_or_above`,
/// `public`, `office`, `editors`, or NULL for the kind's [`Kind::reach`]), `grp` (the id
/// of the group's entity, or NULL), `public_from` (a timestamp from which the record is
/// public, or NULL) and `parent` (the id a link goes through, or NULL).
pub(crate) struct Loader {
    pub kind: Kind,
    pub select: &'static str,
    /// The id column (`t.id`) and the unit path column (`pr.org_path`) in `select`.
    pub id: &'static str,
    pub path: &'static str,
    /// The audit entity whose entries name a record of this kind by its id.
    pub entity: &'static str,
    /// The audit entity that saves records of this kind as a whole, and the column of
    /// its id (`("program", "t.program_id")`): its entries replace the whole group.
    pub group: Option<(&'static str, &'static str)>,
}

/// Every kind's loader.
pub(crate) const LOADERS: &[Loader] = &[
    Loader {
        kind: Kind::Document,
        select: "SELECT d.id AS id, d.issuer_path AS org_path, d.title AS title, \
                 d.body_md AS body, d.issued_on AS day, NULL AS responsible, NULL AS reach, \
                 NULL AS grp, NULL AS public_from, NULL AS parent FROM documents d",
        id: "d.id",
        path: "d.issuer_path",
        entity: "document",
        group: None,
    },
    Loader {
        kind: Kind::Program,
        select: "SELECT pr.id AS id, pr.org_path AS org_path, pr.title AS title, \
                 COALESCE(ps.purpose, '') || ' ' || COALESCE(ps.tasks_and_solutions, '') || ' ' \
                 || COALESCE(ps.organization, '') AS body, pr.created_at AS day, \
                 NULL AS responsible, NULL AS reach, NULL AS grp, NULL AS public_from, NULL AS parent \
                 FROM programs pr LEFT JOIN program_sections ps ON ps.program_id = pr.id",
        id: "pr.id",
        path: "pr.org_path",
        entity: "program",
        group: None,
    },
    Loader {
        kind: Kind::Task,
        select: "SELECT t.id AS id, t.org_path AS org_path, t.content AS title, \
                 COALESCE(t.expected_output, '') || ' ' || COALESCE(t.lead_body, '') AS body, \
                 t.deadline AS day, t.responsible_member_id AS responsible, NULL AS reach, \
                 t.program_id AS grp, NULL AS public_from, NULL AS parent FROM tasks t",
        id: "t.id",
        path: "t.org_path",
        entity: "task",
        group: Some(("program", "t.program_id")),
    },
    Loader {
        kind: Kind::Report,
        select: "SELECT r.id AS id, o.path AS org_path, d.title AS title, \
                 r.assessment_md || ' ' || r.causes_md || ' ' || r.lessons_md || ' ' \
                 || r.proposals_md AS body, r.period_end AS day, NULL AS responsible, \
                 NULL AS reach, NULL AS grp, NULL AS public_from, NULL AS parent \
                 FROM reports r JOIN organizations o ON o.id = r.org_id \
                 JOIN documents d ON d.id = r.root_document_id",
        id: "r.id",
        path: "o.path",
        entity: "report",
        group: None,
    },
    Loader {
        kind: Kind::Member,
        select: "SELECT m.id AS id, m.cell_path AS org_path, m.full_name AS title, \
                 NULL AS body, NULL AS day, NULL AS responsible, NULL AS reach, NULL AS grp, NULL AS public_from, NULL AS parent \
                 FROM members m",
        id: "m.id",
        path: "m.cell_path",
        entity: "member",
        group: None,
    },
    // Editors only until published; public from `publish_at` (a scheduled article turns
    // public at its time with no write: the index filters by the time).
    Loader {
        kind: Kind::Article,
        select: "SELECT a.id AS id, o.path AS org_path, a.title AS title, \
                 a.lead || ' ' || a.body_md AS body, COALESCE(a.publish_at, a.created_at) AS day, \
                 NULL AS responsible, 'editors' AS reach, NULL AS grp, \
                 CASE WHEN a.state = 'published' THEN a.publish_at ELSE NULL END AS public_from, \
                 NULL AS parent \
                 FROM portal_articles a JOIN organizations o ON o.id = a.org_id",
        id: "a.id",
        path: "o.path",
        entity: "portal_article",
        group: None,
    },
    // As `consultation::comments` shows them: moderated ones to the unit's readers (and
    // to everyone when the public was asked and the public wrote it), the rest to the
    // office; the commenter (a member) finds their own. A public commenter's name and
    // contact are never indexed.
    Loader {
        kind: Kind::Comment,
        select: "SELECT cc.id AS id, o.path AS org_path, c.title AS title, \
                 CASE WHEN cc.source = 'public' THEN '' ELSE cc.author_name || ': ' END \
                 || cc.body || ' ' || COALESCE(cc.proposed_text, '') || ' ' \
                 || COALESCE(cc.answer_reason, '') AS body, cc.created_at AS day, \
                 u.member_id AS responsible, \
                 CASE WHEN cc.moderation <> 'published' THEN 'office' \
                 WHEN cc.source = 'public' AND c.for_public THEN 'public' ELSE NULL END AS reach, \
                 cc.consultation_id AS grp, NULL AS public_from, cc.consultation_id AS parent \
                 FROM consultation_comments cc \
                 JOIN consultations c ON c.id = cc.consultation_id \
                 JOIN organizations o ON o.id = c.org_id \
                 LEFT JOIN users u ON u.id = cc.user_id",
        id: "cc.id",
        path: "o.path",
        entity: "consultation_comment",
        group: Some(("consultation", "cc.consultation_id")),
    },
];

/// Restructuring actions on a unit that change the paths of what lies below it.
const RESTRUCTURING: &[&str] = &["move", "merge", "split", "close"];

fn loader(kind: Kind) -> &'static Loader {
    LOADERS
        .iter()
        .find(|l| l.kind == kind)
        .expect("every kind has a loader (checked by a test)")
}

fn record(l: &Loader, r: &DbRow) -> Result<Record> {
    let path: String = r.try_get("org_path").db()?;
    let reach: Option<String> = r.try_get("reach").db()?;
    let day = match r.try_get::<Option<Date>, _>("day") {
        Ok(d) => d,
        Err(_) => r
            .try_get::<Option<OffsetDateTime>, _>("day")
            .db()?
            .map(|t| t.date()),
    };
    Ok(Record {
        kind: l.kind,
        id: r.try_get("id").db()?,
        org_path: OrgPath::parse(&path).ok_or_else(|| bad_data("org_path", &path))?,
        reach: match reach {
            None => l.kind.reach(),
            Some(s) => Reach::parse(&s).ok_or_else(|| bad_data("reach", &s))?,
        },
        responsible: r
            .try_get::<Option<i64>, _>("responsible")
            .db()?
            .map(MemberId),
        title: r.try_get("title").db()?,
        body: r
            .try_get::<Option<String>, _>("body")
            .db()?
            .unwrap_or_default()
            .trim()
            .to_owned(),
        date: day,
        group: match l.group {
            Some((entity, _)) => r
                .try_get::<Option<i64>, _>("grp")
                .db()?
                .map(|g| format!("{entity}:{g}")),
            None => None,
        },
        public_from: r.try_get("public_from").db()?,
        parent: r.try_get("parent").db()?,
    })
}

fn system_only(p: &Principal) -> Result<()> {
    if p.system {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

impl Backend {
    async fn load(
        &self,
        l: &Loader,
        filter: impl FnOnce(&mut QueryBuilder<Db>),
    ) -> Result<Vec<Record>> {
        let mut qb = QueryBuilder::<Db>::new(l.select);
        qb.push(" WHERE ");
        filter(&mut qb);
        let rows = qb.build().fetch_all(self.read_pool()).await.db()?;
        rows.iter().map(|r| record(l, r)).collect()
    }
}

#[async_trait]
impl SearchStore for Backend {
    async fn search_records(
        &self,
        p: &Principal,
        kind: Kind,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Record>> {
        system_only(p)?;
        let l = loader(kind);
        self.load(l, |qb| {
            qb.push(l.id)
                .push(" > ")
                .push_bind(after)
                .push(" ORDER BY ")
                .push(l.id)
                .push(" LIMIT ")
                .push_bind(i64::from(limit.clamp(1, 100_000)));
        })
        .await
    }

    async fn search_changes(
        &self,
        p: &Principal,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditChange>> {
        system_only(p)?;
        let rows = sqlx::query(
            "SELECT id, action, entity, entity_id FROM audit_log WHERE id > $1 ORDER BY id \
             LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit.clamp(1, 100_000)))
        .fetch_all(self.read_pool())
        .await
        .db()?;
        rows.iter()
            .map(|r| {
                Ok(AuditChange {
                    id: r.try_get("id").db()?,
                    action: r.try_get("action").db()?,
                    entity: r.try_get("entity").db()?,
                    entity_id: r.try_get("entity_id").db()?,
                })
            })
            .collect()
    }

    async fn search_audit_head(&self, p: &Principal) -> Result<i64> {
        system_only(p)?;
        let head: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM audit_log")
            .fetch_one(self.read_pool())
            .await
            .db()?;
        Ok(head.unwrap_or(0))
    }

    async fn search_refresh(&self, p: &Principal, changes: &[AuditChange]) -> Result<Vec<Refresh>> {
        system_only(p)?;
        if changes.iter().any(|c| c.entity == "database") {
            return Ok(vec![Refresh::Rebuild]);
        }
        let mut out = Vec::new();
        // Each (kind, id), group and subtree once, in the order first named.
        let mut seen: BTreeSet<(Kind, i64)> = BTreeSet::new();
        let mut groups: BTreeSet<(Kind, i64)> = BTreeSet::new();
        let mut subtrees: BTreeSet<i64> = BTreeSet::new();
        for c in changes {
            if c.entity == "organization" && RESTRUCTURING.contains(&c.action.as_str()) {
                if !subtrees.insert(c.entity_id) {
                    continue;
                }
                let path: Option<String> =
                    sqlx::query_scalar("SELECT path FROM organizations WHERE id = $1")
                        .bind(c.entity_id)
                        .fetch_optional(self.read_pool())
                        .await
                        .db()?;
                let Some(path) = path.and_then(|s| OrgPath::parse(&s)) else {
                    continue;
                };
                let range = path.subtree();
                for l in LOADERS {
                    let found = self
                        .load(l, |qb| {
                            qb.push(l.path)
                                .push(" >= ")
                                .push_bind(range.start.clone())
                                .push(" AND ")
                                .push(l.path)
                                .push(" < ")
                                .push_bind(range.end.clone());
                        })
                        .await?;
                    out.extend(found.into_iter().map(Refresh::Put));
                }
                continue;
            }
            for l in LOADERS {
                if l.entity == c.entity && seen.insert((l.kind, c.entity_id)) {
                    let found = self
                        .load(l, |qb| {
                            qb.push(l.id).push(" = ").push_bind(c.entity_id);
                        })
                        .await?;
                    match found.into_iter().next() {
                        Some(r) => out.push(Refresh::Put(r)),
                        None => out.push(Refresh::Remove(l.kind, c.entity_id)),
                    }
                }
                if let Some((entity, col)) = l.group
                    && entity == c.entity
                    && groups.insert((l.kind, c.entity_id))
                {
                    out.push(Refresh::RemoveGroup(format!("{entity}:{}", c.entity_id)));
                    let found = self
                        .load(l, |qb| {
                            qb.push(col).push(" = ").push_bind(c.entity_id);
                        })
                        .await?;
                    out.extend(found.into_iter().map(Refresh::Put));
                }
            }
        }
        Ok(out)
    }

    async fn search_unit_names(
        &self,
        p: &Principal,
        ids: &[OrgId],
    ) -> Result<Vec<(OrgId, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb =
            QueryBuilder::<Db>::new("SELECT id, path, name FROM organizations WHERE id IN (");
        let mut sep = qb.separated(", ");
        for id in ids.iter().take(1000) {
            sep.push_bind(id.0);
        }
        qb.push(")");
        let rows = qb.build().fetch_all(self.read_pool()).await.db()?;
        let mut out = Vec::new();
        for r in rows {
            let path: String = r.try_get("path").db()?;
            let Some(path) = OrgPath::parse(&path) else {
                continue;
            };
            if p.sees_or_leads_to(&path) {
                out.push((OrgId(r.try_get("id").db()?), r.try_get("name").db()?));
            }
        }
        Ok(out)
    }
}
