//! What dashboards read besides the rollups (issue 3): children's rollups by the children's
//! index, overdue tasks with their people, targets against their values, the weekly
//! progress line; and the plan-quality assessments of programs (issue 4).

use crate::dialect::Backend;
use crate::sql::orgs::org_readable;
use crate::sql::programs::{
    PROGRAM_COLS, PROGRAM_FROM, TARGET_COLS, TASK_COLS, TASK_FROM, doc_readable, load_targets,
    page_limits, program_readable, program_row, target_row, task_row,
};
use crate::sql::util::*;
use domain::rollup::{Counters, Dashboard, Overdue};
use domain::{
    DocumentId, MemberId, OrgId, OrgKind, Permission, Principal, ProgramId, TaskId, TaskStatus,
};
use sqlx::{QueryBuilder, Row};
use std::collections::HashMap;
use store::*;
use time::Date;

use crate::dialect::{self, Db, DbRow};

/// How many levels of "this target serves that one" a task is followed up (a cell's task →
/// the cell's target → the commune's → the district's).
const TARGET_LEVELS: usize = 3;

fn assessment_row(r: &DbRow) -> Result<Assessment> {
    let v: String = r.try_get("verdict").db()?;
    Ok(Assessment {
        verdict: CopyVerdict::parse(&v).ok_or_else(|| bad_data("verdict", &v))?,
        copied_fraction: r.try_get("copied_fraction").db()?,
        score: r.try_get::<i64, _>("score").db()?.clamp(0, 100) as u32,
        upper_is_program: r.try_get("upper_is_program").db()?,
        siblings: r.try_get::<i64, _>("siblings").db()?.max(0) as u32,
        assessed_at: r.try_get("assessed_at").db()?,
    })
}

const ASSESSMENT_COLS: &str = "a.verdict, a.copied_fraction, a.score, a.upper_is_program, \
     a.siblings, a.assessed_at";

/// Keeps a program's assessment (replacing the previous one), if `p` may read the program.
async fn upsert_assessment(
    conn: &mut <Db as sqlx::Database>::Connection,
    p: &Principal,
    program: ProgramId,
    a: &Assessment,
) -> Result<()> {
    let pr = program_readable(conn, p, program).await?;
    sqlx::query(
        "INSERT INTO program_assessments (program_id, province_id, org_path, root_document_id, \
             verdict, copied_fraction, score, upper_is_program, siblings, flagged, assessed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (program_id) DO UPDATE SET verdict = excluded.verdict, \
             copied_fraction = excluded.copied_fraction, score = excluded.score, \
             upper_is_program = excluded.upper_is_program, siblings = excluded.siblings, \
             flagged = excluded.flagged, assessed_at = excluded.assessed_at, \
             org_path = excluded.org_path",
    )
    .bind(pr.id.0)
    .bind(province_of(&pr.org_path))
    .bind(pr.org_path.as_str())
    .bind(pr.root_document_id.0)
    .bind(a.verdict.as_str())
    .bind(a.copied_fraction.clamp(0.0, 1.0))
    .bind(i64::from(a.score.min(100)))
    .bind(a.upper_is_program)
    .bind(i64::from(a.siblings))
    .bind(a.is_flagged())
    .bind(trunc(a.assessed_at))
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(())
}

impl Backend {
    pub(crate) async fn child_dashboards_impl(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: Date,
    ) -> Result<Vec<ChildDashboard>> {
        let mut conn = self.reader().await?;
        let parent = org_readable(&mut conn, p, org).await?;
        let doc = doc_readable(&mut conn, p, document).await?;
        let root = doc.root_document_id.0;
        // Children first (by the parent index), then a primary-key probe of each one's
        // rollup: written as a join, SQLite's planner walked every rollup row of the
        // document (rollups_root) and looked each unit up, 4 ms at province scale.
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {} FROM organizations o WHERE o.parent_id = ",
            crate::sql::rows::ORG_COLS
                .split(", ")
                .map(|c| format!("o.{}", c.trim()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        qb.push_bind(parent.id.0)
            .push(
                " AND EXISTS (SELECT 1 FROM rollups r WHERE r.org_id = o.id \
                 AND r.root_document_id = ",
            )
            .push_bind(root)
            .push(")");
        push_scope(&mut qb, "o.path", p, Permission::Read);
        qb.push(" ORDER BY o.search_key, o.id");
        let orgs = crate::sql::rows::orgs(qb.build().fetch_all(&mut *conn).await.db()?)?;
        if orgs.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = orgs.iter().map(|o| o.id.0).collect();
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT org_id, {} FROM rollups WHERE root_document_id = ",
            Counters::COLUMNS.join(", ")
        ));
        qb.push_bind(root).push(" AND org_id IN ");
        push_ids(&mut qb, ids.iter().copied());
        let mut counters: HashMap<i64, Counters> = HashMap::new();
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            let values = Counters::COLUMNS
                .iter()
                .map(|c| r.try_get::<i64, _>(*c).db())
                .collect::<Result<Vec<_>>>()?;
            counters.insert(
                r.try_get("org_id").db()?,
                Counters::from_values(&values).ok_or_else(|| bad_data("rollups", "columns"))?,
            );
        }
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT org_id, kind, CAST(SUM(n) AS BIGINT) AS n FROM rollup_dues \
             WHERE root_document_id = ",
        );
        qb.push_bind(root)
            .push(" AND due_on < ")
            .push_bind(today)
            .push(" AND org_id IN ");
        push_ids(&mut qb, ids.iter().copied());
        qb.push(" GROUP BY org_id, kind");
        let mut overdue: HashMap<i64, Vec<(String, i64)>> = HashMap::new();
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            overdue
                .entry(r.try_get("org_id").db()?)
                .or_default()
                .push((r.try_get("kind").db()?, r.try_get("n").db()?));
        }
        Ok(orgs
            .into_iter()
            .filter_map(|o| {
                let c = counters.get(&o.id.0)?;
                let due = overdue.get(&o.id.0).map_or(&[][..], |v| &v[..]);
                let od = Overdue::from_rows(due.iter().map(|(k, n)| (k.as_str(), *n)));
                Some(ChildDashboard {
                    org: o,
                    dashboard: Dashboard::new(c, &od),
                })
            })
            .collect())
    }

    pub(crate) async fn overdue_tasks_impl(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: Date,
        page: Page,
    ) -> Result<Vec<OverdueTask>> {
        let mut conn = self.reader().await?;
        let o = org_readable(&mut conn, p, org).await?;
        let doc = doc_readable(&mut conn, p, document).await?;
        let (limit, offset) = page_limits(page);
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT t.id, t.program_id, t.org_id, o.name AS org_name, t.content, t.deadline, \
             t.status, t.percent, t.responsible_member_id, m.full_name AS responsible_name \
             FROM tasks t",
        );
        // Below a district the subtree index and a small sort are cheaper than walking the
        // document's open tasks of the whole province in due order; a planner without
        // statistics (SQLite) has to be told.
        if matches!(o.kind, OrgKind::Grassroots | OrgKind::Cell) {
            qb.push(dialect::index_hint("tasks_subtree"));
        }
        qb.push(
            " JOIN organizations o ON o.id = t.org_id \
             LEFT JOIN members m ON m.id = t.responsible_member_id \
             WHERE t.counted AND t.status <> 'done' AND t.root_document_id = ",
        );
        qb.push_bind(doc.root_document_id.0);
        push_subtree(&mut qb, "t.org_path", &o.path);
        qb.push(" AND t.deadline < ")
            .push_bind(today)
            .push(" ORDER BY t.deadline, t.org_path, t.position LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        qb.build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(|r| {
                let status: String = r.try_get("status").db()?;
                let mid: Option<i64> = r.try_get("responsible_member_id").db()?;
                let name: Option<String> = r.try_get("responsible_name").db()?;
                Ok(OverdueTask {
                    task_id: TaskId(r.try_get("id").db()?),
                    program_id: ProgramId(r.try_get("program_id").db()?),
                    org_id: OrgId(r.try_get("org_id").db()?),
                    org_name: r.try_get("org_name").db()?,
                    content: r.try_get("content").db()?,
                    deadline: r.try_get("deadline").db()?,
                    status: TaskStatus::parse(&status)
                        .ok_or_else(|| bad_data("status", &status))?,
                    percent: r
                        .try_get::<Option<i64>, _>("percent")
                        .db()?
                        .map(|v| v.clamp(0, 100) as u8),
                    responsible: mid.zip(name).map(|(i, n)| (MemberId(i), n)),
                })
            })
            .collect()
    }

    pub(crate) async fn targets_progress_impl(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Vec<TargetProgress>> {
        let mut conn = self.reader().await?;
        let o = org_readable(&mut conn, p, org).await?;
        let doc = doc_readable(&mut conn, p, document).await?;
        let root = doc.root_document_id;
        let mut targets: Vec<(TargetRecord, bool)> = load_targets(&mut conn, doc.id)
            .await?
            .into_iter()
            .map(|t| (t, false))
            .collect();
        // The unit's own current program for the chain, if it issued one.
        let sql = format!(
            "SELECT {TARGET_COLS} FROM document_targets WHERE program_id = \
             (SELECT id FROM programs WHERE org_id = $1 AND root_document_id = $2 \
              AND state = 'issued') ORDER BY position"
        );
        for r in sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(o.id.0)
            .bind(root.0)
            .fetch_all(&mut *conn)
            .await
            .db()?
        {
            targets.push((target_row(&r)?, true));
        }
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        // Each counted task of the subtree is attributed to the targets its linked target
        // serves, up to TARGET_LEVELS levels up.
        let mut qb = QueryBuilder::<Db>::new("SELECT t.status");
        for l in 0..TARGET_LEVELS {
            qb.push(format!(", l{l}.id AS l{l}"));
        }
        qb.push(" FROM tasks t JOIN document_targets l0 ON l0.id = t.upper_target_id");
        for l in 1..TARGET_LEVELS {
            qb.push(format!(
                " LEFT JOIN document_targets l{l} ON l{l}.id = l{}.upper_target_id",
                l - 1
            ));
        }
        qb.push(" WHERE t.counted AND t.root_document_id = ")
            .push_bind(root.0);
        push_subtree(&mut qb, "t.org_path", &o.path);
        let mut counts: HashMap<i64, (i64, i64)> = HashMap::new();
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            let done = r.try_get::<String, _>("status").db()? == "done";
            for l in 0..TARGET_LEVELS {
                if let Some(id) = r.try_get::<Option<i64>, _>(format!("l{l}").as_str()).db()? {
                    let e = counts.entry(id).or_default();
                    e.0 += 1;
                    e.1 += i64::from(done);
                }
            }
        }
        Ok(targets
            .into_iter()
            .map(|(target, own)| {
                let (tasks, tasks_done) = counts.get(&target.id.0).copied().unwrap_or_default();
                TargetProgress {
                    target,
                    own,
                    tasks,
                    tasks_done,
                }
            })
            .collect())
    }

    pub(crate) async fn progress_series_impl(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Vec<SeriesPoint>> {
        let mut conn = self.reader().await?;
        let o = org_readable(&mut conn, p, org).await?;
        let doc = doc_readable(&mut conn, p, document).await?;
        // Kept on write per (organization, chain, week): the rows of the unit itself.
        sqlx::query(
            "SELECT week, n FROM rollup_done_weeks \
             WHERE org_id = $1 AND root_document_id = $2 AND n <> 0 ORDER BY week",
        )
        .bind(o.id.0)
        .bind(doc.root_document_id.0)
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(|r| {
            Ok(SeriesPoint {
                week: r.try_get("week").db()?,
                done: r.try_get("n").db()?,
            })
        })
        .collect()
    }

    pub(crate) async fn save_assessment_impl(
        &self,
        p: &Principal,
        program: ProgramId,
        a: &Assessment,
    ) -> Result<()> {
        let mut conn = self.writer().await?;
        upsert_assessment(&mut conn, p, program, a).await
    }

    pub(crate) async fn save_assessments_impl(
        &self,
        p: &Principal,
        assessments: &[(ProgramId, Assessment)],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        for (program, a) in assessments {
            upsert_assessment(&mut tx, p, *program, a).await?;
        }
        tx.commit().await.db()?;
        Ok(())
    }

    pub(crate) async fn peer_programs_impl(
        &self,
        p: &Principal,
        program: ProgramId,
    ) -> Result<Vec<PeerProgram>> {
        let mut conn = self.reader().await?;
        let pr = program_readable(&mut conn, p, program).await?;
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {PROGRAM_COLS}{PROGRAM_FROM} WHERE pr.state = 'issued' \
             AND pr.root_document_id = "
        ));
        qb.push_bind(pr.root_document_id.0)
            .push(" AND pr.org_id <> ")
            .push_bind(pr.org_id.0)
            .push(" AND o.parent_id = (SELECT parent_id FROM organizations WHERE id = ")
            .push_bind(pr.org_id.0)
            .push(")");
        push_scope(&mut qb, "pr.org_path", p, Permission::Read);
        qb.push(" ORDER BY pr.org_path");
        let programs = qb
            .build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(program_row)
            .collect::<Result<Vec<_>>>()?;
        let mut tasks: HashMap<i64, Vec<String>> = HashMap::new();
        let ids: Vec<i64> = programs.iter().map(|p| p.id.0).collect();
        for chunk in ids.chunks(1_000) {
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT program_id, content FROM tasks WHERE program_id IN ",
            );
            push_ids(&mut qb, chunk.iter().copied());
            qb.push(" ORDER BY program_id, position");
            for r in qb.build().fetch_all(&mut *conn).await.db()? {
                tasks
                    .entry(r.try_get("program_id").db()?)
                    .or_default()
                    .push(r.try_get("content").db()?);
            }
        }
        Ok(programs
            .into_iter()
            .map(|program| PeerProgram {
                tasks: tasks.remove(&program.id.0).unwrap_or_default(),
                program,
            })
            .collect())
    }

    pub(crate) async fn issued_programs_impl(&self, p: &Principal) -> Result<Vec<ProgramId>> {
        let mut conn = self.reader().await?;
        let mut qb = QueryBuilder::<Db>::new("SELECT id FROM programs WHERE state = 'issued'");
        push_scope(&mut qb, "org_path", p, Permission::Read);
        qb.push(" ORDER BY id");
        qb.build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(|r| r.try_get("id").db().map(ProgramId))
            .collect()
    }

    pub(crate) async fn issued_program_groups_impl(
        &self,
        p: &Principal,
    ) -> Result<Vec<ProgramGroup>> {
        let mut conn = self.reader().await?;
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT pr.id, o.parent_id, pr.root_document_id FROM programs pr \
             JOIN organizations o ON o.id = pr.org_id WHERE pr.state = 'issued'",
        );
        push_scope(&mut qb, "pr.org_path", p, Permission::Read);
        // Grouped here rather than ordered by the database: the backends place NULL
        // parents differently.
        let mut groups: std::collections::BTreeMap<(Option<i64>, i64), Vec<ProgramId>> =
            std::collections::BTreeMap::new();
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            groups
                .entry((
                    r.try_get("parent_id").db()?,
                    r.try_get("root_document_id").db()?,
                ))
                .or_default()
                .push(ProgramId(r.try_get("id").db()?));
        }
        Ok(groups
            .into_iter()
            .map(|((parent, root), mut programs)| {
                programs.sort();
                ProgramGroup {
                    parent: parent.map(OrgId),
                    root_document_id: DocumentId(root),
                    programs,
                }
            })
            .collect())
    }

    pub(crate) async fn program_group_impl(
        &self,
        p: &Principal,
        parent: OrgId,
        root_document: DocumentId,
    ) -> Result<Vec<GroupProgram>> {
        let mut conn = self.reader().await?;
        // `+pr.root_document_id`: not an index term, so that the parent's children
        // (organizations_parent) lead and each one's programs are probed (programs_unit);
        // SQLite otherwise walks every program of the document (programs_subtree).
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {PROGRAM_COLS}{PROGRAM_FROM} WHERE pr.state = 'issued' \
             AND +pr.root_document_id = "
        ));
        qb.push_bind(root_document.0)
            .push(" AND o.parent_id = ")
            .push_bind(parent.0);
        push_scope(&mut qb, "pr.org_path", p, Permission::Read);
        // Ordered here, for the same reason (an `ORDER BY pr.org_path` favours the path
        // index).
        let mut programs = qb
            .build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(program_row)
            .collect::<Result<Vec<_>>>()?;
        programs.sort_by(|a, b| (a.org_path.as_str(), a.id).cmp(&(b.org_path.as_str(), b.id)));
        let mut tasks: HashMap<i64, Vec<TaskRecord>> = HashMap::new();
        let ids: Vec<i64> = programs.iter().map(|p| p.id.0).collect();
        for chunk in ids.chunks(1_000) {
            let mut qb = QueryBuilder::<Db>::new(format!(
                "SELECT {TASK_COLS}{TASK_FROM} WHERE t.program_id IN "
            ));
            push_ids(&mut qb, chunk.iter().copied());
            qb.push(" ORDER BY t.program_id, t.position");
            for r in qb.build().fetch_all(&mut *conn).await.db()? {
                let t = task_row(&r)?;
                tasks.entry(t.program_id.0).or_default().push(t);
            }
        }
        // The children's names, as `org_children(…, false)` reads them.
        let mut children: HashMap<i64, Vec<String>> = HashMap::new();
        let mut orgs: Vec<i64> = programs.iter().map(|p| p.org_id.0).collect();
        orgs.sort_unstable();
        orgs.dedup();
        for chunk in orgs.chunks(1_000) {
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT parent_id, name FROM organizations WHERE parent_id IN ",
            );
            push_ids(&mut qb, chunk.iter().copied());
            push_scope(&mut qb, "path", p, Permission::Read);
            qb.push(" AND valid_to IS NULL ORDER BY parent_id, search_key, id");
            for r in qb.build().fetch_all(&mut *conn).await.db()? {
                children
                    .entry(r.try_get("parent_id").db()?)
                    .or_default()
                    .push(r.try_get("name").db()?);
            }
        }
        Ok(programs
            .into_iter()
            .map(|program| GroupProgram {
                tasks: tasks.remove(&program.id.0).unwrap_or_default(),
                child_names: children.get(&program.org_id.0).cloned().unwrap_or_default(),
                program,
            })
            .collect())
    }

    pub(crate) async fn assessment_impl(
        &self,
        p: &Principal,
        program: ProgramId,
    ) -> Result<Option<Assessment>> {
        let mut conn = self.reader().await?;
        let pr = program_readable(&mut conn, p, program).await?;
        let sql =
            format!("SELECT {ASSESSMENT_COLS} FROM program_assessments a WHERE a.program_id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(pr.id.0)
            .fetch_optional(&mut *conn)
            .await
            .db()?
            .as_ref()
            .map(assessment_row)
            .transpose()
    }

    pub(crate) async fn flagged_programs_impl(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        page: Page,
    ) -> Result<FlaggedPrograms> {
        let mut conn = self.reader().await?;
        let o = org_readable(&mut conn, p, org).await?;
        let doc = doc_readable(&mut conn, p, document).await?;
        let from = |qb: &mut QueryBuilder<Db>| {
            qb.push(
                " FROM program_assessments a JOIN programs pr ON pr.id = a.program_id \
                 AND pr.state = 'issued' WHERE a.root_document_id = ",
            )
            .push_bind(doc.root_document_id.0);
            push_subtree(qb, "a.org_path", &o.path);
        };
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT COUNT(*) AS assessed, COUNT(CASE WHEN a.flagged THEN 1 END) AS flagged",
        );
        from(&mut qb);
        let r = qb.build().fetch_one(&mut *conn).await.db()?;
        let assessed: i64 = r.try_get("assessed").db()?;
        let flagged_total: i64 = r.try_get("flagged").db()?;
        let (limit, offset) = page_limits(page);
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT a.program_id, pr.org_id, o.name AS org_name, d.symbol, {ASSESSMENT_COLS} \
             FROM program_assessments a JOIN programs pr ON pr.id = a.program_id \
             AND pr.state = 'issued' JOIN organizations o ON o.id = pr.org_id \
             LEFT JOIN documents d ON d.id = pr.document_id \
             WHERE a.flagged AND a.root_document_id = "
        ));
        qb.push_bind(doc.root_document_id.0);
        push_subtree(&mut qb, "a.org_path", &o.path);
        qb.push(
            " ORDER BY CASE WHEN a.verdict = 'copied' THEN 0 ELSE 1 END, a.score, a.org_path \
             LIMIT ",
        )
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
        let flagged = qb
            .build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(|r| {
                Ok(FlaggedProgram {
                    program_id: ProgramId(r.try_get("program_id").db()?),
                    org_id: OrgId(r.try_get("org_id").db()?),
                    org_name: r.try_get("org_name").db()?,
                    symbol: r.try_get("symbol").db()?,
                    assessment: assessment_row(r)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(FlaggedPrograms {
            assessed,
            flagged_total,
            flagged,
        })
    }
}
