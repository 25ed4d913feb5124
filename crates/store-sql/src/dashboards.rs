//! Dashboards ([`store::DashboardStore`], issue 3): the rollups kept up to date on write
//! along the ancestor chain (written here for cascades, programs and progress), and what
//! dashboards read: a unit's rollups, its children's by the children's index, overdue units
//! and tasks with their people, targets against their values, the weekly progress line,
//! flagged plans; and the rebuild of the rollups from the records.

use crate::dialect::{self, Backend, Conn, Db, MAX_BINDS};
use crate::sql::cascades::{CU_COLS, CU_FROM, load_report_dates, milestone_dates, unit_row};
use crate::sql::documents::{TARGET_COLS, doc_readable, load_targets, target_row};
use crate::sql::orgs::org_readable;
use crate::sql::programs::{ASSESSMENT_COLS, assessment_row};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::rollup::{Counted, Overdue};
use domain::{
    Counters, Dashboard, DocumentId, MemberId, OpenKind, OrgId, OrgKind, OrgPath, Permission,
    Principal, ProgramId, Rollup, TaskId, TaskState, TaskStatus,
};
use sqlx::{QueryBuilder, Row};
use std::collections::{BTreeMap, HashMap};
use store::*;
use time::Date;

/// How many levels of "this target serves that one" a task is followed up (a cell's task →
/// the cell's target → the commune's → the district's).
const TARGET_LEVELS: usize = 3;

// ---- Rollups -----------------------------------------------------------------------------

/// Adds each rollup to its (organization, root document) row, creating rows as needed,
/// in multi-row statements; zero due entries are removed afterwards.
pub(crate) async fn add_rollups(
    conn: &mut Conn,
    root: DocumentId,
    province: i64,
    entries: &[(OrgId, Rollup)],
) -> Result<()> {
    let entries: Vec<&(OrgId, Rollup)> = entries.iter().filter(|(_, r)| !r.is_zero()).collect();
    if entries.is_empty() {
        return Ok(());
    }
    let cols = Counters::COLUMNS;
    let head = format!(
        "INSERT INTO rollups (org_id, root_document_id, province_id, {}) ",
        cols.join(", ")
    );
    let tail = format!(
        " ON CONFLICT (org_id, root_document_id) DO UPDATE SET {}",
        cols.iter()
            .map(|c| format!("{c} = rollups.{c} + excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let per = MAX_BINDS / (cols.len() + 3);
    for chunk in entries.chunks(per) {
        let mut qb = QueryBuilder::<Db>::new(head.as_str());
        qb.push_values(chunk, |mut sep, (org, r)| {
            sep.push_bind(org.0).push_bind(root.0).push_bind(province);
            for v in r.counters.values() {
                sep.push_bind(v);
            }
        });
        qb.push(tail.as_str());
        qb.build().execute(&mut *conn).await.db()?;
    }
    let dues: Vec<(OrgId, OpenKind, Date, i64)> = entries
        .iter()
        .flat_map(|(org, r)| r.dues.iter().map(|((k, d), n)| (*org, *k, *d, *n)))
        .collect();
    add_done_weeks(conn, root, province, &entries).await?;
    if dues.is_empty() {
        return Ok(());
    }
    for chunk in dues.chunks(MAX_BINDS / 6) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO rollup_dues (org_id, root_document_id, province_id, kind, due_on, n) ",
        );
        qb.push_values(chunk, |mut sep, (org, kind, due, n)| {
            sep.push_bind(org.0)
                .push_bind(root.0)
                .push_bind(province)
                .push_bind(kind.as_str())
                .push_bind(*due)
                .push_bind(*n);
        });
        qb.push(
            " ON CONFLICT (org_id, root_document_id, due_on, kind) \
             DO UPDATE SET n = rollup_dues.n + excluded.n",
        );
        qb.build().execute(&mut *conn).await.db()?;
    }
    if dues.iter().any(|d| d.3 < 0) {
        delete_zero_rows(conn, "rollup_dues", root, dues.iter().map(|d| d.0)).await?;
    }
    Ok(())
}

/// Deletes the rows of a by-date rollup table (`rollup_dues`, `rollup_done_weeks`) that a
/// negative change brought to 0, for some organizations of one chain.
async fn delete_zero_rows(
    conn: &mut Conn,
    table: &'static str,
    root: DocumentId,
    orgs: impl Iterator<Item = OrgId>,
) -> Result<()> {
    let mut orgs: Vec<i64> = orgs.map(|o| o.0).collect();
    orgs.sort_unstable();
    orgs.dedup();
    for chunk in orgs.chunks(MAX_BINDS / 2) {
        let mut qb =
            QueryBuilder::<Db>::new(format!("DELETE FROM {table} WHERE root_document_id = "));
        qb.push_bind(root.0).push(" AND n = 0 AND org_id IN ");
        push_ids(&mut qb, chunk.iter().copied());
        qb.build().execute(&mut *conn).await.db()?;
    }
    Ok(())
}

/// The done-per-week part of [`add_rollups`]: upserts, then deletes the rows brought to 0.
async fn add_done_weeks(
    conn: &mut Conn,
    root: DocumentId,
    province: i64,
    entries: &[&(OrgId, Rollup)],
) -> Result<()> {
    let weeks: Vec<(OrgId, Date, i64)> = entries
        .iter()
        .flat_map(|(org, r)| r.done_weeks.iter().map(|(w, n)| (*org, *w, *n)))
        .collect();
    if weeks.is_empty() {
        return Ok(());
    }
    for chunk in weeks.chunks(MAX_BINDS / 5) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO rollup_done_weeks (org_id, root_document_id, province_id, week, n) ",
        );
        qb.push_values(chunk, |mut sep, (org, week, n)| {
            sep.push_bind(org.0)
                .push_bind(root.0)
                .push_bind(province)
                .push_bind(*week)
                .push_bind(*n);
        });
        qb.push(
            " ON CONFLICT (org_id, root_document_id, week) \
             DO UPDATE SET n = rollup_done_weeks.n + excluded.n",
        );
        qb.build().execute(&mut *conn).await.db()?;
    }
    if weeks.iter().any(|w| w.2 < 0) {
        delete_zero_rows(conn, "rollup_done_weeks", root, weeks.iter().map(|w| w.0)).await?;
    }
    Ok(())
}

/// Adds an item's change to every organization on its path (its own included).
pub(crate) async fn apply_delta(
    conn: &mut Conn,
    path: &OrgPath,
    root: DocumentId,
    delta: &Rollup,
) -> Result<()> {
    if delta.is_zero() {
        return Ok(());
    }
    let entries: Vec<(OrgId, Rollup)> = path
        .ids()
        .into_iter()
        .map(|id| (id, delta.clone()))
        .collect();
    add_rollups(conn, root, province_of(path), &entries).await
}

async fn read_counters(conn: &mut Conn, org: OrgId, root: DocumentId) -> Result<Counters> {
    let sql = format!(
        "SELECT {} FROM rollups WHERE org_id = $1 AND root_document_id = $2",
        Counters::COLUMNS.join(", ")
    );
    let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org.0)
        .bind(root.0)
        .fetch_optional(&mut *conn)
        .await
        .db()?
    else {
        return Ok(Counters::default());
    };
    let values = Counters::COLUMNS
        .iter()
        .map(|c| r.try_get::<i64, _>(*c).db())
        .collect::<Result<Vec<_>>>()?;
    Counters::from_values(&values).ok_or_else(|| bad_data("rollups", "columns"))
}

// ---- Recount -----------------------------------------------------------------------------

type RollupMap = HashMap<(i64, i64), (i64, Rollup)>;

/// Every stored rollup row, or those of one root document, or of some organizations of it.
async fn stored_rollups(
    conn: &mut Conn,
    root: Option<DocumentId>,
    orgs: Option<&[i64]>,
) -> Result<RollupMap> {
    let mut out: RollupMap = HashMap::new();
    let mut qb = QueryBuilder::<Db>::new(format!(
        "SELECT org_id, root_document_id, province_id, {} FROM rollups WHERE 1 = 1",
        Counters::COLUMNS.join(", ")
    ));
    if let Some(root) = root {
        qb.push(" AND root_document_id = ").push_bind(root.0);
    }
    if let Some(ids) = orgs {
        qb.push(" AND org_id IN ");
        push_ids(&mut qb, ids.iter().copied());
    }
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        let values = Counters::COLUMNS
            .iter()
            .map(|c| r.try_get::<i64, _>(*c).db())
            .collect::<Result<Vec<_>>>()?;
        let counters =
            Counters::from_values(&values).ok_or_else(|| bad_data("rollups", "columns"))?;
        out.insert(
            (
                r.try_get("org_id").db()?,
                r.try_get("root_document_id").db()?,
            ),
            (
                r.try_get("province_id").db()?,
                Rollup {
                    counters,
                    dues: BTreeMap::new(),
                    done_weeks: BTreeMap::new(),
                },
            ),
        );
    }
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT org_id, root_document_id, province_id, kind, due_on, n FROM rollup_dues WHERE n <> 0",
    );
    if let Some(root) = root {
        qb.push(" AND root_document_id = ").push_bind(root.0);
    }
    if let Some(ids) = orgs {
        qb.push(" AND org_id IN ");
        push_ids(&mut qb, ids.iter().copied());
    }
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        let kind: String = r.try_get("kind").db()?;
        let kind = OpenKind::parse(&kind).ok_or_else(|| bad_data("kind", &kind))?;
        let key = (
            r.try_get("org_id").db()?,
            r.try_get("root_document_id").db()?,
        );
        let province: i64 = r.try_get("province_id").db()?;
        let e = out
            .entry(key)
            .or_insert_with(|| (province, Rollup::default()));
        e.1.dues
            .insert((kind, r.try_get("due_on").db()?), r.try_get("n").db()?);
    }
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT org_id, root_document_id, province_id, week, n FROM rollup_done_weeks WHERE n <> 0",
    );
    if let Some(root) = root {
        qb.push(" AND root_document_id = ").push_bind(root.0);
    }
    if let Some(ids) = orgs {
        qb.push(" AND org_id IN ");
        push_ids(&mut qb, ids.iter().copied());
    }
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        let key = (
            r.try_get("org_id").db()?,
            r.try_get("root_document_id").db()?,
        );
        let province: i64 = r.try_get("province_id").db()?;
        let e = out
            .entry(key)
            .or_insert_with(|| (province, Rollup::default()));
        e.1.done_weeks
            .insert(r.try_get("week").db()?, r.try_get("n").db()?);
    }
    Ok(out)
}

/// Rebuilds the rollups from the records, fixing stored item states that differ.
pub(crate) async fn recount_programs_tx(conn: &mut Conn) -> Result<RecountReport> {
    let mut report = RecountReport {
        fixed_items: crate::sql::progress::rebuild_task_states(conn).await?,
        ..RecountReport::default()
    };
    let sql = format!("SELECT {CU_COLS}{CU_FROM}");
    let mut units = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(unit_row)
        .collect::<Result<Vec<_>>>()?;
    load_report_dates(conn, &mut units).await?;
    let mut rebuilt: RollupMap = HashMap::new();
    let mut add = |path: &OrgPath, root: i64, province: i64, r: &Rollup| {
        for id in path.ids() {
            let e = rebuilt
                .entry((id.0, root))
                .or_insert_with(|| (province, Rollup::default()));
            e.1 += r.clone();
        }
    };
    for u in &units {
        let state = u.state();
        if state.reports.class.as_str() != u.stored_class
            || state.reports.next_due != u.stored_next_due
        {
            report.fixed_items += 1;
            sqlx::query(
                "UPDATE cascade_units SET report_class = $1, report_next_due = $2 WHERE id = $3",
            )
            .bind(state.reports.class.as_str())
            .bind(state.reports.next_due)
            .bind(u.unit.id.0)
            .execute(&mut *conn)
            .await
            .db()?;
        }
        add(
            &u.unit.org_path,
            u.unit.root_document_id.0,
            u.province_id,
            &state.rollup(),
        );
    }
    for r in sqlx::query(
        "SELECT org_path, root_document_id, province_id, status, deadline, returned_count, \
         done_on FROM tasks WHERE counted",
    )
    .fetch_all(&mut *conn)
    .await
    .db()?
    {
        let status: String = r.try_get("status").db()?;
        let state = TaskState {
            status: TaskStatus::parse(&status).ok_or_else(|| bad_data("status", &status))?,
            deadline: r.try_get("deadline").db()?,
            returned: r.try_get::<i64, _>("returned_count").db()? as u32,
            done_on: r.try_get("done_on").db()?,
        };
        add(
            &path_of(r.try_get("org_path").db()?)?,
            r.try_get("root_document_id").db()?,
            r.try_get("province_id").db()?,
            &state.rollup(),
        );
    }
    let stored = stored_rollups(conn, None, None).await?;
    for (key, (_, r)) in &stored {
        let same = rebuilt.get(key).map(|x| &x.1).unwrap_or(&Rollup::default()) == r;
        if !same {
            report.differing_rows += 1;
        }
    }
    for (key, (_, r)) in &rebuilt {
        if !stored.contains_key(key) && !r.is_zero() {
            report.differing_rows += 1;
        }
    }
    for table in ["rollup_dues", "rollup_done_weeks"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(&mut *conn)
            .await
            .db()?;
    }
    sqlx::query("DELETE FROM rollups")
        .execute(&mut *conn)
        .await
        .db()?;
    let mut groups: HashMap<(i64, i64), Vec<(OrgId, Rollup)>> = HashMap::new();
    for ((org, root), (province, r)) in rebuilt {
        groups
            .entry((root, province))
            .or_default()
            .push((OrgId(org), r));
        report.rows += 1;
    }
    for ((root, province), entries) in groups {
        add_rollups(conn, DocumentId(root), province, &entries).await?;
    }
    Ok(report)
}

#[async_trait]
impl DashboardStore for Backend {
    async fn dashboard(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: Date,
    ) -> Result<Dashboard> {
        let mut conn = self.reader().await?;
        org_readable(&mut conn, p, org).await?;
        let doc = doc_readable(&mut conn, p, document).await?;
        let root = doc.root_document_id;
        let counters = read_counters(&mut conn, org, root).await?;
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT kind, CAST(SUM(n) AS BIGINT) FROM rollup_dues \
             WHERE org_id = $1 AND root_document_id = $2 AND due_on < $3 GROUP BY kind",
        )
        .bind(org.0)
        .bind(root.0)
        .bind(today)
        .fetch_all(&mut *conn)
        .await
        .db()?;
        let overdue = Overdue::from_rows(rows.iter().map(|(k, n)| (k.as_str(), *n)));
        Ok(Dashboard::new(&counters, &overdue))
    }

    async fn overdue_units(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: Date,
        page: Page,
    ) -> Result<Vec<OverdueUnit>> {
        let mut conn = self.reader().await?;
        let o = org_readable(&mut conn, p, org).await?;
        let doc = doc_readable(&mut conn, p, document).await?;
        let (limit, offset) = page_limits(page);
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT cu.id, cu.org_id, cu.org_path, o.name AS org_name, cu.study_by, cu.studied_on, \
             cu.program_by, cu.program_issued_on, cu.interim_review_by, cu.interim_reviewed_on, \
             cu.report_next_due, s.member_id AS secretary_id, m.full_name AS secretary_name \
             FROM cascade_units cu JOIN organizations o ON o.id = cu.org_id \
             LEFT JOIN positions s ON s.id = (SELECT ps.id FROM positions ps \
                 WHERE ps.org_id = cu.org_id AND ps.role = 'secretary' AND ps.to_date IS NULL \
                 ORDER BY ps.from_date DESC, ps.id DESC LIMIT 1) \
             LEFT JOIN members m ON m.id = s.member_id \
             WHERE cu.root_document_id = ",
        );
        qb.push_bind(doc.root_document_id.0);
        push_subtree(&mut qb, "cu.org_path", &o.path);
        qb.push(" AND ((cu.studied_on IS NULL AND cu.study_by < ")
            .push_bind(today)
            .push(") OR (cu.program_issued_on IS NULL AND cu.program_by < ")
            .push_bind(today)
            .push(") OR (cu.interim_reviewed_on IS NULL AND cu.interim_review_by < ")
            .push_bind(today)
            .push(") OR cu.report_next_due < ")
            .push_bind(today)
            .push(") ORDER BY cu.org_path LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        qb.build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(|r| {
                let mut overdue = milestone_dates(r)?.open(|d| d < today);
                overdue.sort_by_key(|x| x.1);
                let sid: Option<i64> = r.try_get("secretary_id").db()?;
                let sname: Option<String> = r.try_get("secretary_name").db()?;
                Ok(OverdueUnit {
                    cascade_unit_id: CascadeUnitId(r.try_get("id").db()?),
                    org_id: OrgId(r.try_get("org_id").db()?),
                    org_path: path_of(r.try_get("org_path").db()?)?,
                    org_name: r.try_get("org_name").db()?,
                    overdue,
                    secretary: sid.zip(sname).map(|(i, n)| (MemberId(i), n)),
                })
            })
            .collect()
    }

    async fn rollups(&self, p: &Principal, document: DocumentId) -> Result<Vec<RollupRow>> {
        let mut conn = self.reader().await?;
        let doc = doc_readable(&mut conn, p, document).await?;
        let root = doc.root_document_id;
        let stored = stored_rollups(&mut conn, Some(root), None).await?;
        let ids: Vec<i64> = stored.keys().map(|k| k.0).collect();
        let mut paths: HashMap<i64, OrgPath> = HashMap::new();
        for chunk in ids.chunks(MAX_BINDS / 2) {
            let mut qb = QueryBuilder::<Db>::new("SELECT id, path FROM organizations WHERE id IN ");
            push_ids(&mut qb, chunk.iter().copied());
            for r in qb.build().fetch_all(&mut *conn).await.db()? {
                paths.insert(r.try_get("id").db()?, path_of(r.try_get("path").db()?)?);
            }
        }
        let mut out: Vec<RollupRow> = stored
            .into_iter()
            .filter(|((org, _), _)| {
                paths
                    .get(org)
                    .is_some_and(|path| p.can(Permission::Read, path))
            })
            .map(|((org, _), (_, rollup))| RollupRow {
                org_id: OrgId(org),
                root_document_id: root,
                rollup,
            })
            .collect();
        out.sort_by_key(|r| r.org_id);
        Ok(out)
    }

    async fn child_dashboards(
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
        qb.push(" ORDER BY o.name COLLATE vi, o.id");
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

    async fn overdue_tasks(
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

    async fn targets_progress(
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

    async fn progress_series(
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

    async fn flagged_programs(
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

    async fn recount_programs(&self, p: &Principal) -> Result<RecountReport> {
        if !p.system {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        let report = recount_programs_tx(&mut tx).await?;
        tx.commit().await.db()?;
        Ok(report)
    }
}
