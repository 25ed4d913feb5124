//! Resolutions into programs (issue 3): documents, targets, cascades and the dashboards'
//! rollups, kept up to date on write along the ancestor chain (docs/PROGRAMS.md §3).

use crate::dialect::Backend;
use crate::sql::orgs::{org_by_id, org_for_write, org_readable, require_active};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::cascade::ReportEvery;
use domain::document::next_number;
use domain::rollup::{Counted, Overdue};
use domain::text::fold;
use domain::{
    BodyCode, CascadeDeadlines, CascadeId, CascadeScope, Counters, Dashboard, DocumentId,
    DocumentNumber, DocumentType, Invalid, MemberId, NumberStyle, OpenKind, OrgId, OrgKind,
    OrgPath, Permission, Principal, ProgramId, ProgramKind, ProgramSections, ProgramState, Rollup,
    Target, TargetId, TaskDraft, TaskId, TaskState, TaskStatus, Term, UnitFacts, UnitState,
    validate,
};
use serde_json::json;
use sqlx::{QueryBuilder, Row};
use std::collections::{BTreeMap, HashMap};
use store::*;
use time::Date;

use crate::dialect::{self, Conn, Db, DbRow};

pub(crate) use crate::dialect::MAX_BINDS;

const MAX_TITLE_CHARS: usize = 1_000;
const MAX_BODY_CHARS: usize = 500_000;

impl Backend {
    pub(crate) async fn reader(&self) -> Result<sqlx::pool::PoolConnection<Db>> {
        self.read_pool().acquire().await.db()
    }

    /// A connection for a single autocommitted write (derived data, no transaction).
    pub(crate) async fn writer(&self) -> Result<sqlx::pool::PoolConnection<Db>> {
        self.write_pool().acquire().await.db()
    }
}

// ---- Rows --------------------------------------------------------------------------------

const DOC_COLS: &str = "d.id, d.issuer_org_id, d.issuer_path, o.name AS issuer_name, \
     d.doc_type, d.number, d.symbol, d.term, d.issued_on, d.title, d.body_md, \
     d.parent_document_id, d.root_document_id, d.status, d.superseded_by, d.created_at";

pub(crate) fn path_of(s: String) -> Result<OrgPath> {
    OrgPath::parse(&s).ok_or_else(|| bad_data("path", &s))
}

fn doc_row(r: &DbRow) -> Result<Document> {
    let t: String = r.try_get("doc_type").db()?;
    let term: String = r.try_get("term").db()?;
    let status: String = r.try_get("status").db()?;
    Ok(Document {
        id: DocumentId(r.try_get("id").db()?),
        issuer_org_id: OrgId(r.try_get("issuer_org_id").db()?),
        issuer_path: path_of(r.try_get("issuer_path").db()?)?,
        issuer_name: r.try_get("issuer_name").db()?,
        doc_type: DocumentType::parse(&t).ok_or_else(|| bad_data("doc_type", &t))?,
        number: u32::try_from(r.try_get::<i64, _>("number").db()?)
            .map_err(|_| bad_data("number", "out of range"))?,
        symbol: r.try_get("symbol").db()?,
        term: Term::parse("term", &term).map_err(|_| bad_data("term", &term))?,
        issued_on: r.try_get("issued_on").db()?,
        title: r.try_get("title").db()?,
        body_md: r.try_get("body_md").db()?,
        parent_document_id: r
            .try_get::<Option<i64>, _>("parent_document_id")
            .db()?
            .map(DocumentId),
        root_document_id: DocumentId(r.try_get("root_document_id").db()?),
        status: DocumentStatus::parse(&status).ok_or_else(|| bad_data("status", &status))?,
        superseded_by: r
            .try_get::<Option<i64>, _>("superseded_by")
            .db()?
            .map(DocumentId),
        created_at: r.try_get("created_at").db()?,
    })
}

pub(crate) const TARGET_COLS: &str = "id, position, indicator, baseline, target_value, unit, deadline, \
     direction, current_value, current_on";

pub(crate) fn target_row(r: &DbRow) -> Result<TargetRecord> {
    let dir: String = r.try_get("direction").db()?;
    Ok(TargetRecord {
        id: TargetId(r.try_get("id").db()?),
        position: r.try_get::<i64, _>("position").db()? as u32,
        target: Target {
            indicator: r.try_get("indicator").db()?,
            baseline: r.try_get("baseline").db()?,
            target_value: r.try_get("target_value").db()?,
            unit: r.try_get("unit").db()?,
            deadline: r.try_get("deadline").db()?,
            direction: domain::Direction::parse(&dir).ok_or_else(|| bad_data("direction", &dir))?,
        },
        current_value: r.try_get("current_value").db()?,
        current_on: r.try_get("current_on").db()?,
    })
}

const CASCADE_COLS: &str = "c.id, c.document_id, c.root_document_id, c.issuer_org_id, \
     c.scope_root_path, c.scope_kinds, c.include_root, c.study_by, c.program_by, \
     c.report_every, c.interim_review_by, c.reports_until, c.grace_days, c.unit_count, \
     c.created_at";

fn deadlines_row(r: &DbRow) -> Result<CascadeDeadlines> {
    let every: String = r.try_get("report_every").db()?;
    Ok(CascadeDeadlines {
        study_by: r.try_get("study_by").db()?,
        program_by: r.try_get("program_by").db()?,
        report_every: ReportEvery::parse(&every).ok_or_else(|| bad_data("report_every", &every))?,
        interim_review_by: r.try_get("interim_review_by").db()?,
        reports_until: r.try_get("reports_until").db()?,
        grace_days: u8::try_from(r.try_get::<i64, _>("grace_days").db()?)
            .map_err(|_| bad_data("grace_days", "out of range"))?,
    })
}

fn cascade_row(r: &DbRow) -> Result<Cascade> {
    let kinds: String = r.try_get("scope_kinds").db()?;
    let scope_kinds = kinds
        .split(',')
        .filter(|k| !k.is_empty())
        .map(|k| OrgKind::parse(k).ok_or_else(|| bad_data("kind", k)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Cascade {
        id: CascadeId(r.try_get("id").db()?),
        document_id: DocumentId(r.try_get("document_id").db()?),
        root_document_id: DocumentId(r.try_get("root_document_id").db()?),
        issuer_org_id: OrgId(r.try_get("issuer_org_id").db()?),
        scope_root_path: path_of(r.try_get("scope_root_path").db()?)?,
        scope_kinds,
        include_root: r.try_get("include_root").db()?,
        deadlines: deadlines_row(r)?,
        unit_count: r.try_get::<i64, _>("unit_count").db()? as u64,
        created_at: r.try_get("created_at").db()?,
    })
}

/// The columns of a cascade unit with its cascade's deadlines (`cu` joined with `c` and
/// its organization `o`).
const CU_COLS: &str = "cu.id, cu.cascade_id, cu.root_document_id, cu.province_id, cu.org_id, \
     cu.org_path, o.name AS org_name, cu.study_by, cu.program_by, cu.interim_review_by, \
     c.report_every, c.reports_until, c.grace_days, cu.studied_on, cu.program_id, \
     cu.program_issued_on, cu.interim_reviewed_on, cu.report_class, cu.report_next_due";

const CU_FROM: &str = " FROM cascade_units cu JOIN cascades c ON c.id = cu.cascade_id \
     JOIN organizations o ON o.id = cu.org_id";

/// A cascade unit row, with its stored day-independent state.
struct UnitRow {
    unit: CascadeUnit,
    province_id: i64,
    stored_class: String,
    stored_next_due: Option<Date>,
}

impl UnitRow {
    fn state(&self) -> UnitState {
        UnitState::new(&self.unit.deadlines, &self.unit.facts)
    }
}

fn unit_row(r: &DbRow) -> Result<UnitRow> {
    Ok(UnitRow {
        unit: CascadeUnit {
            id: CascadeUnitId(r.try_get("id").db()?),
            cascade_id: CascadeId(r.try_get("cascade_id").db()?),
            root_document_id: DocumentId(r.try_get("root_document_id").db()?),
            org_id: OrgId(r.try_get("org_id").db()?),
            org_path: path_of(r.try_get("org_path").db()?)?,
            org_name: r.try_get("org_name").db()?,
            deadlines: deadlines_row(r)?,
            facts: UnitFacts {
                studied_on: r.try_get("studied_on").db()?,
                program_issued_on: r.try_get("program_issued_on").db()?,
                interim_reviewed_on: r.try_get("interim_reviewed_on").db()?,
                report_dates: Vec::new(),
            },
            program_id: r.try_get("program_id").db()?,
        },
        province_id: r.try_get("province_id").db()?,
        stored_class: r.try_get("report_class").db()?,
        stored_next_due: r.try_get("report_next_due").db()?,
    })
}

/// Fills the report dates of the units from `unit_reports`.
async fn load_report_dates(conn: &mut Conn, units: &mut [UnitRow]) -> Result<()> {
    if units.is_empty() {
        return Ok(());
    }
    let mut by_id: HashMap<i64, Vec<Date>> = HashMap::new();
    for chunk in units.chunks(MAX_BINDS / 2) {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT cascade_unit_id, reported_on FROM unit_reports WHERE cascade_unit_id IN ",
        );
        push_ids(&mut qb, chunk.iter().map(|u| u.unit.id.0));
        qb.push(" ORDER BY cascade_unit_id, reported_on, id");
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            by_id
                .entry(r.try_get("cascade_unit_id").db()?)
                .or_default()
                .push(r.try_get("reported_on").db()?);
        }
    }
    for u in units {
        if let Some(d) = by_id.remove(&u.unit.id.0) {
            u.unit.facts.report_dates = d;
        }
    }
    Ok(())
}

// ---- Access ------------------------------------------------------------------------------

/// A document is readable by whoever may read its issuer or a unit below it: upper
/// documents reach the lower units.
fn may_read_doc(p: &Principal, issuer: &OrgPath) -> bool {
    if p.system {
        return true;
    }
    let s = p.scope(Permission::Read);
    s.covers(issuer) || s.leads_to(issuer)
}

/// A cascade row's milestone dates (its columns `study_by`, `studied_on`, `program_by`,
/// `program_issued_on`, `interim_review_by`, `interim_reviewed_on`, `report_next_due`).
pub(crate) fn milestone_dates(r: &DbRow) -> Result<domain::MilestoneDates> {
    Ok(domain::MilestoneDates {
        study_by: r.try_get("study_by").db()?,
        studied_on: r.try_get("studied_on").db()?,
        program_by: r.try_get("program_by").db()?,
        program_issued_on: r.try_get("program_issued_on").db()?,
        interim_review_by: r.try_get("interim_review_by").db()?,
        interim_reviewed_on: r.try_get("interim_reviewed_on").db()?,
        report_next_due: r.try_get("report_next_due").db()?,
    })
}

async fn doc_by_id(conn: &mut Conn, id: DocumentId) -> Result<Option<Document>> {
    let sql = format!(
        "SELECT {DOC_COLS} FROM documents d JOIN organizations o ON o.id = d.issuer_org_id \
         WHERE d.id = $1"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(conn)
        .await
        .db()?
        .as_ref()
        .map(doc_row)
        .transpose()
}

pub(crate) async fn doc_readable(
    conn: &mut Conn,
    p: &Principal,
    id: DocumentId,
) -> Result<Document> {
    match doc_by_id(conn, id).await? {
        Some(d) if may_read_doc(p, &d.issuer_path) => Ok(d),
        _ => Err(StoreError::NotFound),
    }
}

/// A readable document whose issuer the principal may edit (EditOrgs).
async fn doc_for_write(conn: &mut Conn, p: &Principal, id: DocumentId) -> Result<Document> {
    let d = doc_readable(conn, p, id).await?;
    if !p.can(Permission::EditOrgs, &d.issuer_path) {
        return Err(StoreError::Forbidden);
    }
    Ok(d)
}

/// A record as audit JSON.
macro_rules! to_json {
    ($v:expr) => {
        serde_json::to_value($v).unwrap_or(serde_json::Value::Null)
    };
}

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

pub(crate) type RollupMap = HashMap<(i64, i64), (i64, Rollup)>;

/// Every stored rollup row, or those of one root document, or of some organizations of it.
pub(crate) async fn stored_rollups(
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

// ---- Programs ----------------------------------------------------------------------------

pub(crate) const PROGRAM_COLS: &str = "pr.id, pr.org_id, pr.org_path, o.name AS org_name, \
     pr.cascade_unit_id, pr.root_document_id, pr.kind, pr.state, pr.title, pr.document_id, \
     d.symbol, d.issued_on, pr.revises, pr.superseded_by, pr.created_at, ps.purpose, \
     ps.tasks_and_solutions, ps.organization";

pub(crate) const PROGRAM_FROM: &str = " FROM programs pr JOIN organizations o ON o.id = pr.org_id \
     LEFT JOIN documents d ON d.id = pr.document_id \
     LEFT JOIN program_sections ps ON ps.program_id = pr.id";

pub(crate) fn program_row(r: &DbRow) -> Result<Program> {
    let kind: String = r.try_get("kind").db()?;
    let state: String = r.try_get("state").db()?;
    Ok(Program {
        id: ProgramId(r.try_get("id").db()?),
        org_id: OrgId(r.try_get("org_id").db()?),
        org_path: path_of(r.try_get("org_path").db()?)?,
        org_name: r.try_get("org_name").db()?,
        cascade_unit_id: r
            .try_get::<Option<i64>, _>("cascade_unit_id")
            .db()?
            .map(CascadeUnitId),
        root_document_id: DocumentId(r.try_get("root_document_id").db()?),
        kind: ProgramKind::parse(&kind).ok_or_else(|| bad_data("kind", &kind))?,
        state: ProgramState::parse(&state).ok_or_else(|| bad_data("state", &state))?,
        title: r.try_get("title").db()?,
        sections: ProgramSections {
            purpose: r
                .try_get::<Option<String>, _>("purpose")
                .db()?
                .unwrap_or_default(),
            tasks_and_solutions: r
                .try_get::<Option<String>, _>("tasks_and_solutions")
                .db()?
                .unwrap_or_default(),
            organization: r
                .try_get::<Option<String>, _>("organization")
                .db()?
                .unwrap_or_default(),
        },
        document_id: r
            .try_get::<Option<i64>, _>("document_id")
            .db()?
            .map(DocumentId),
        symbol: r.try_get("symbol").db()?,
        issued_on: r.try_get("issued_on").db()?,
        revises: r.try_get::<Option<i64>, _>("revises").db()?.map(ProgramId),
        superseded_by: r
            .try_get::<Option<i64>, _>("superseded_by")
            .db()?
            .map(ProgramId),
        created_at: r.try_get("created_at").db()?,
    })
}

async fn program_by_id(conn: &mut Conn, id: ProgramId) -> Result<Option<Program>> {
    let sql = format!("SELECT {PROGRAM_COLS}{PROGRAM_FROM} WHERE pr.id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(conn)
        .await
        .db()?
        .as_ref()
        .map(program_row)
        .transpose()
}

pub(crate) async fn program_readable(
    conn: &mut Conn,
    p: &Principal,
    id: ProgramId,
) -> Result<Program> {
    match program_by_id(conn, id).await? {
        Some(pr) if p.can(Permission::Read, &pr.org_path) => Ok(pr),
        _ => Err(StoreError::NotFound),
    }
}

async fn program_for_write(conn: &mut Conn, p: &Principal, id: ProgramId) -> Result<Program> {
    let pr = program_readable(conn, p, id).await?;
    if !p.can(Permission::EditOrgs, &pr.org_path) {
        return Err(StoreError::Forbidden);
    }
    Ok(pr)
}

fn require_draft(pr: &Program) -> Result<()> {
    if !pr.state.is_editable() {
        return Err(StoreError::invalid("state", "program_not_draft"));
    }
    Ok(())
}

pub(crate) const TASK_COLS: &str = "t.id, t.program_id, t.position, t.content, t.lead_body, \
     t.cooperating_bodies, t.responsible_member_id, m.full_name AS responsible_name, \
     t.deadline, t.expected_output, t.upper_target_id, t.status, t.percent, t.returned_count, \
     t.counted, t.done_on";

pub(crate) const TASK_FROM: &str =
    " FROM tasks t LEFT JOIN members m ON m.id = t.responsible_member_id";

pub(crate) fn task_row(r: &DbRow) -> Result<TaskRecord> {
    let coop: String = r.try_get("cooperating_bodies").db()?;
    let status: String = r.try_get("status").db()?;
    Ok(TaskRecord {
        id: TaskId(r.try_get("id").db()?),
        program_id: ProgramId(r.try_get("program_id").db()?),
        position: r.try_get::<i64, _>("position").db()? as u32,
        draft: TaskDraft {
            content: r.try_get("content").db()?,
            lead_body: r.try_get("lead_body").db()?,
            cooperating_bodies: serde_json::from_str(&coop)
                .map_err(|_| bad_data("cooperating_bodies", &coop))?,
            responsible: r
                .try_get::<Option<i64>, _>("responsible_member_id")
                .db()?
                .map(MemberId),
            deadline: r.try_get("deadline").db()?,
            expected_output: r.try_get("expected_output").db()?,
            upper_target: r
                .try_get::<Option<i64>, _>("upper_target_id")
                .db()?
                .map(TargetId),
        },
        responsible_name: r.try_get("responsible_name").db()?,
        status: TaskStatus::parse(&status).ok_or_else(|| bad_data("status", &status))?,
        percent: r
            .try_get::<Option<i64>, _>("percent")
            .db()?
            .map(|v| v.clamp(0, 100) as u8),
        returned_count: r.try_get::<i64, _>("returned_count").db()? as u32,
        counted: r.try_get("counted").db()?,
        done_on: r.try_get("done_on").db()?,
    })
}

pub(crate) fn task_state(t: &TaskRecord) -> TaskState {
    TaskState {
        status: t.status,
        deadline: t.draft.deadline,
        returned: t.returned_count,
        done_on: t.done_on,
    }
}

async fn load_tasks(conn: &mut Conn, program: ProgramId) -> Result<Vec<TaskRecord>> {
    let sql = format!("SELECT {TASK_COLS}{TASK_FROM} WHERE t.program_id = $1 ORDER BY t.position");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program.0)
        .fetch_all(conn)
        .await
        .db()?
        .iter()
        .map(task_row)
        .collect()
}

/// The responsible people must be members of the unit's subtree; the upper targets must
/// belong to the program's document chain.
async fn check_task_refs(conn: &mut Conn, pr: &Program, tasks: &[TaskDraft]) -> Result<Invalid> {
    let mut bad = Invalid::default();
    let members: Vec<i64> = tasks
        .iter()
        .filter_map(|t| t.responsible.map(|m| m.0))
        .collect();
    let mut cells: HashMap<i64, OrgPath> = HashMap::new();
    if !members.is_empty() {
        let mut qb = QueryBuilder::<Db>::new("SELECT id, cell_path FROM members WHERE id IN ");
        push_ids(&mut qb, members.iter().copied());
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            cells.insert(
                r.try_get("id").db()?,
                path_of(r.try_get("cell_path").db()?)?,
            );
        }
    }
    let targets: Vec<i64> = tasks
        .iter()
        .filter_map(|t| t.upper_target.map(|x| x.0))
        .collect();
    let mut known: Vec<i64> = Vec::new();
    if !targets.is_empty() {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT t.id FROM document_targets t LEFT JOIN documents d ON d.id = t.document_id \
             LEFT JOIN programs pp ON pp.id = t.program_id \
             WHERE COALESCE(d.root_document_id, pp.root_document_id) = ",
        );
        qb.push_bind(pr.root_document_id.0).push(" AND t.id IN ");
        push_ids(&mut qb, targets.iter().copied());
        known = qb.build_query_scalar().fetch_all(&mut *conn).await.db()?;
    }
    for (i, t) in tasks.iter().enumerate() {
        if let Some(m) = t.responsible {
            let field = domain::fieldpath::indexed("tasks", i, "responsible");
            match cells.get(&m.0) {
                Some(cell) => {
                    bad.take(domain::program::check_responsible(
                        field,
                        &pr.org_path,
                        cell,
                    ));
                }
                None => bad.push(field, "responsible_outside_unit"),
            }
        }
        if let Some(x) = t.upper_target
            && !known.contains(&x.0)
        {
            bad.push(
                domain::fieldpath::indexed("tasks", i, "upper_target"),
                "bad_choice",
            );
        }
    }
    Ok(bad)
}

async fn insert_tasks(conn: &mut Conn, pr: &Program, tasks: &[TaskDraft]) -> Result<()> {
    if tasks.is_empty() {
        return Ok(());
    }
    let province = province_of(&pr.org_path);
    let rows: Vec<(usize, &TaskDraft)> = tasks.iter().enumerate().collect();
    for chunk in rows.chunks(MAX_BINDS / 14) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO tasks (province_id, program_id, position, org_id, org_path, \
             root_document_id, content, lead_body, cooperating_bodies, responsible_member_id, \
             deadline, expected_output, upper_target_id, status) ",
        );
        qb.push_values(chunk, |mut sep, (i, t)| {
            sep.push_bind(province)
                .push_bind(pr.id.0)
                .push_bind(*i as i64)
                .push_bind(pr.org_id.0)
                .push_bind(pr.org_path.as_str().to_owned())
                .push_bind(pr.root_document_id.0)
                .push_bind(t.content.clone())
                .push_bind(t.lead_body.clone())
                .push_bind(serde_json::Value::from(t.cooperating_bodies.clone()).to_string())
                .push_bind(t.responsible.map(|m| m.0))
                .push_bind(t.deadline)
                .push_bind(t.expected_output.clone())
                .push_bind(t.upper_target.map(|x| x.0))
                .push_bind(TaskStatus::NotStarted.as_str());
        });
        qb.build().execute(&mut *conn).await.db()?;
    }
    Ok(())
}

/// Inserts a draft of a unit, copying the sections and tasks of `from` (a revision).
#[allow(clippy::too_many_arguments)]
async fn new_draft(
    conn: &mut Conn,
    p: &Principal,
    org: &Org,
    root: DocumentId,
    kind: ProgramKind,
    title: &str,
    from: Option<&Program>,
) -> Result<Program> {
    let cascade_unit: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM cascade_units WHERE root_document_id = $1 AND org_id = $2",
    )
    .bind(root.0)
    .bind(org.id.0)
    .fetch_optional(&mut *conn)
    .await
    .db()?;
    let at = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO programs (province_id, org_id, org_path, cascade_unit_id, root_document_id, \
         kind, state, title, revises, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $9) RETURNING id",
    )
    .bind(province_of(&org.path))
    .bind(org.id.0)
    .bind(org.path.as_str())
    .bind(cascade_unit)
    .bind(root.0)
    .bind(kind.as_str())
    .bind(title)
    .bind(from.map(|f| f.id.0))
    .bind(at)
    .fetch_one(&mut *conn)
    .await
    .db()?;
    let sections = from.map(|f| f.sections.clone()).unwrap_or_default();
    sqlx::query(
        "INSERT INTO program_sections (program_id, province_id, purpose, tasks_and_solutions, \
         organization) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(province_of(&org.path))
    .bind(&sections.purpose)
    .bind(&sections.tasks_and_solutions)
    .bind(&sections.organization)
    .execute(&mut *conn)
    .await
    .db()?;
    let pr = program_by_id(conn, ProgramId(id))
        .await?
        .ok_or(StoreError::NotFound)?;
    if let Some(f) = from {
        let drafts: Vec<TaskDraft> = load_tasks(conn, f.id)
            .await?
            .into_iter()
            .map(|t| t.draft)
            .collect();
        insert_tasks(conn, &pr, &drafts).await?;
    }
    audit(
        conn,
        p,
        "create",
        "program",
        id,
        Some(&org.path),
        None,
        Some(
            json!({"org_id": org.id, "root_document_id": root, "kind": kind, "title": title,
                    "revises": from.map(|f| f.id)}),
        ),
    )
    .await?;
    Ok(pr)
}

impl Backend {
    async fn create_program_draft_impl(&self, p: &Principal, new: NewProgram) -> Result<Program> {
        let mut tx = self.begin().await?;
        let org = org_for_write(&mut tx, p, new.org_id, Permission::EditOrgs).await?;
        require_active(&org)?;
        let doc = match doc_readable(&mut tx, p, new.document_id).await {
            Ok(d) => d,
            Err(StoreError::NotFound) => {
                return Err(StoreError::invalid("document_id", "bad_choice"));
            }
            Err(e) => return Err(e),
        };
        let title = validate::name("title", &new.title, MAX_TITLE_CHARS)?;
        let root = doc.root_document_id;
        let current: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM programs WHERE org_id = $1 AND root_document_id = $2 AND state = 'issued'",
        )
        .bind(org.id.0)
        .bind(root.0)
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        let from = match current {
            Some(id) => program_by_id(&mut tx, ProgramId(id)).await?,
            None => None,
        };
        let pr = new_draft(&mut tx, p, &org, root, new.kind, &title, from.as_ref()).await?;
        tx.commit().await.db()?;
        Ok(pr)
    }

    async fn unit_programs_impl(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Vec<Program>> {
        let mut conn = self.reader().await?;
        org_readable(&mut conn, p, org).await?;
        let doc = doc_readable(&mut conn, p, document).await?;
        let sql = format!(
            "SELECT {PROGRAM_COLS}{PROGRAM_FROM} WHERE pr.org_id = $1 AND pr.root_document_id = $2 \
             ORDER BY pr.id"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.0)
            .bind(doc.root_document_id.0)
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(program_row)
            .collect()
    }

    async fn save_program_sections_impl(
        &self,
        p: &Principal,
        id: ProgramId,
        sections: ProgramSections,
    ) -> Result<Program> {
        let mut tx = self.begin().await?;
        let pr = program_for_write(&mut tx, p, id).await?;
        require_draft(&pr)?;
        sections.check()?;
        sqlx::query(
            "UPDATE program_sections SET purpose = $1, tasks_and_solutions = $2, organization = $3 \
             WHERE program_id = $4",
        )
        .bind(&sections.purpose)
        .bind(&sections.tasks_and_solutions)
        .bind(&sections.organization)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?;
        sqlx::query("UPDATE programs SET updated_at = $1 WHERE id = $2")
            .bind(now())
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        audit(
            &mut tx,
            p,
            "save_sections",
            "program",
            id.0,
            Some(&pr.org_path),
            Some(to_json!(&pr.sections)),
            Some(to_json!(&sections)),
        )
        .await?;
        let out = program_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn save_tasks_impl(
        &self,
        p: &Principal,
        id: ProgramId,
        tasks: Vec<TaskDraft>,
    ) -> Result<Vec<TaskRecord>> {
        let mut tx = self.begin().await?;
        let pr = program_for_write(&mut tx, p, id).await?;
        require_draft(&pr)?;
        if tasks.len() > domain::program::MAX_TASKS {
            return Err(StoreError::invalid("tasks", "too_many_tasks"));
        }
        check_task_refs(&mut tx, &pr, &tasks)
            .await?
            .into_result(())?;
        let old = load_tasks(&mut tx, id).await?;
        sqlx::query("DELETE FROM tasks WHERE program_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        insert_tasks(&mut tx, &pr, &tasks).await?;
        let before: Vec<&TaskDraft> = old.iter().map(|t| &t.draft).collect();
        audit(
            &mut tx,
            p,
            "save_tasks",
            "program",
            id.0,
            Some(&pr.org_path),
            Some(to_json!(&before)),
            Some(to_json!(&tasks)),
        )
        .await?;
        let out = load_tasks(&mut tx, id).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn issue_program_impl(
        &self,
        p: &Principal,
        id: ProgramId,
        issued_on: Date,
    ) -> Result<Program> {
        let mut tx = self.begin().await?;
        let pr = program_for_write(&mut tx, p, id).await?;
        let tasks = load_tasks(&mut tx, id).await?;
        let drafts: Vec<TaskDraft> = tasks.iter().map(|t| t.draft.clone()).collect();
        let mut bad = Invalid::default();
        bad.take(domain::program::check_issue(
            pr.state,
            &pr.sections,
            &drafts,
            issued_on,
        ));
        if pr.state.is_editable() {
            bad.0
                .extend(check_task_refs(&mut tx, &pr, &drafts).await?.0);
        }
        let org = org_by_id(&mut tx, pr.org_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let body = BodyCode::for_org(org.kind, None);
        if body.is_none() {
            bad.push("org", "doc_body_code");
        }
        bad.into_result(())?;
        let body = body.expect("checked");
        let root_doc = doc_by_id(&mut tx, pr.root_document_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let term = if root_doc.term.contains(issued_on) {
            root_doc.term
        } else {
            *Term::candidates(issued_on)
                .last()
                .ok_or_else(|| StoreError::invalid("issued_on", "bad_term"))?
        };
        let doc_type = pr.kind.document_type();
        dialect::lock_series(&mut tx, org.id).await?;
        let used: Vec<i64> = sqlx::query_scalar(
            "SELECT number FROM documents WHERE issuer_org_id = $1 AND doc_type = $2 AND term = $3",
        )
        .bind(org.id.0)
        .bind(doc_type.as_str())
        .bind(term.key())
        .fetch_all(&mut *tx)
        .await
        .db()?;
        let used: Vec<u32> = used
            .into_iter()
            .filter_map(|n| u32::try_from(n).ok())
            .collect();
        let number = DocumentNumber::new(
            "number",
            NumberStyle::for_kind(org.kind),
            next_number(&used),
            doc_type,
            &body,
        )?;
        let symbol = number.to_string();
        let cascade_unit = match pr.cascade_unit_id {
            Some(cu) => unit_by_id(&mut tx, cu).await?,
            None => None,
        };
        let parent_doc: i64 = match &cascade_unit {
            Some(u) => sqlx::query_scalar("SELECT document_id FROM cascades WHERE id = $1")
                .bind(u.unit.cascade_id.0)
                .fetch_one(&mut *tx)
                .await
                .db()?,
            None => pr.root_document_id.0,
        };
        let at = now();
        let doc_id: i64 = sqlx::query_scalar(
            "INSERT INTO documents (province_id, issuer_org_id, issuer_path, doc_type, number, \
             symbol, term, issued_on, title, search_key, body_md, parent_document_id, \
             root_document_id, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'in_force', $14, $14) \
             RETURNING id",
        )
        .bind(province_of(&org.path))
        .bind(org.id.0)
        .bind(org.path.as_str())
        .bind(doc_type.as_str())
        .bind(i64::from(number.number()))
        .bind(&symbol)
        .bind(term.key())
        .bind(issued_on)
        .bind(&pr.title)
        .bind(fold(&format!("{symbol} {}", pr.title)))
        .bind(format!(
            "## I. Mục đích, yêu cầu\n\n{}\n\n## II. Nhiệm vụ, giải pháp\n\n{}\n\n## III. Tổ chức thực hiện\n\n{}\n",
            pr.sections.purpose, pr.sections.tasks_and_solutions, pr.sections.organization
        ))
        .bind(parent_doc)
        .bind(pr.root_document_id.0)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        let mut delta = Rollup::default();
        // The previous issued version, if any, is superseded and its tasks stop counting.
        let old: Option<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, document_id FROM programs WHERE org_id = $1 AND root_document_id = $2 \
             AND state = 'issued' AND id <> $3",
        )
        .bind(pr.org_id.0)
        .bind(pr.root_document_id.0)
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        if let Some((old_id, old_doc)) = old {
            for t in load_tasks(&mut tx, ProgramId(old_id)).await? {
                if t.counted {
                    delta += domain::rollup::delta(&Some(task_state(&t)), &None);
                }
            }
            sqlx::query("UPDATE tasks SET counted = FALSE WHERE program_id = $1")
                .bind(old_id)
                .execute(&mut *tx)
                .await
                .db()?;
            sqlx::query(
                "UPDATE programs SET state = 'superseded', superseded_by = $1, updated_at = $2 \
                 WHERE id = $3",
            )
            .bind(id.0)
            .bind(at)
            .bind(old_id)
            .execute(&mut *tx)
            .await
            .db()?;
            if let Some(od) = old_doc {
                sqlx::query(
                    "UPDATE documents SET status = 'superseded', superseded_by = $1, updated_at = $2 \
                     WHERE id = $3",
                )
                .bind(doc_id)
                .bind(at)
                .bind(od)
                .execute(&mut *tx)
                .await
                .db()?;
            }
            audit(
                &mut tx,
                p,
                "supersede",
                "program",
                old_id,
                Some(&pr.org_path),
                Some(json!({"state": "issued"})),
                Some(json!({"state": "superseded", "superseded_by": id})),
            )
            .await?;
        }
        sqlx::query(
            "UPDATE programs SET state = 'issued', document_id = $1, issued_at = $2, \
             issued_by = $3, updated_at = $2 WHERE id = $4",
        )
        .bind(doc_id)
        .bind(at)
        .bind(user_id_of(p))
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?;
        sqlx::query("UPDATE tasks SET counted = TRUE WHERE program_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        for t in &tasks {
            delta += domain::rollup::delta(&None, &Some(task_state(t)));
        }
        if let Some(mut u) = cascade_unit {
            if u.unit.facts.program_issued_on.is_none() {
                let before = u.state();
                u.unit.facts.program_issued_on = Some(issued_on);
                delta += domain::rollup::delta(&before, &u.state());
            }
            sqlx::query(
                "UPDATE cascade_units SET program_issued_on = COALESCE(program_issued_on, $1), \
                 program_id = $2 WHERE id = $3",
            )
            .bind(issued_on)
            .bind(id.0)
            .bind(u.unit.id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        }
        apply_delta(&mut tx, &pr.org_path, pr.root_document_id, &delta).await?;
        sqlx::query(
            "INSERT INTO notifications (province_id, user_id, kind, subject_type, subject_id, \
             created_at) SELECT DISTINCT $1, u.id, 'program_issued', 'program', $2, $3 \
             FROM tasks t JOIN users u ON u.member_id = t.responsible_member_id \
             WHERE t.program_id = $2 AND NOT u.disabled",
        )
        .bind(province_of(&pr.org_path))
        .bind(id.0)
        .bind(at)
        .execute(&mut *tx)
        .await
        .db()?;
        let out = program_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let doc = doc_by_id(&mut tx, DocumentId(doc_id))
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut doc_json = to_json!(&doc);
        if let Some(o) = doc_json.as_object_mut() {
            o.remove("body_md");
        }
        audit(
            &mut tx,
            p,
            "create",
            "document",
            doc_id,
            Some(&org.path),
            None,
            Some(doc_json),
        )
        .await?;
        audit(
            &mut tx,
            p,
            "issue",
            "program",
            id.0,
            Some(&pr.org_path),
            Some(json!({"state": "draft"})),
            Some(
                json!({"state": "issued", "symbol": symbol, "issued_on": issued_on,
                        "document_id": doc_id, "tasks": tasks.len()}),
            ),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn revise_program_impl(&self, p: &Principal, id: ProgramId) -> Result<Program> {
        let mut tx = self.begin().await?;
        let pr = program_for_write(&mut tx, p, id).await?;
        if !pr.state.can_revise() {
            return Err(StoreError::invalid("state", "program_not_issued"));
        }
        let org = org_by_id(&mut tx, pr.org_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        require_active(&org)?;
        let out = new_draft(
            &mut tx,
            p,
            &org,
            pr.root_document_id,
            pr.kind,
            &pr.title,
            Some(&pr),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(out)
    }
}

// ---- The trait ---------------------------------------------------------------------------

pub(crate) fn page_limits(page: Page) -> (i64, i64) {
    (i64::from(page.limit.clamp(1, 1000)), i64::from(page.offset))
}

// ---- Document attachments ----------------------------------------------------------------

const ATTACHMENT_COLS: &str = "a.id, a.document_id, a.evidence_key, a.file_name, a.position, \
     a.uploaded_by, a.created_at, b.evidence_type, b.size";

fn attachment_row(r: &DbRow) -> Result<DocumentAttachment> {
    let key: String = r.try_get("evidence_key").db()?;
    let kind: String = r.try_get("evidence_type").db()?;
    Ok(DocumentAttachment {
        id: r.try_get("id").db()?,
        document_id: DocumentId(r.try_get("document_id").db()?),
        key: domain::ContentKey::parse(&key).ok_or_else(|| bad_data("evidence_key", &key))?,
        kind: domain::EvidenceType::parse(&kind).ok_or_else(|| bad_data("evidence_type", &kind))?,
        size: r.try_get::<i64, _>("size").db()?.max(0) as u64,
        file_name: r.try_get("file_name").db()?,
        position: r.try_get::<i64, _>("position").db()?.max(0) as u32,
        uploaded_by: r
            .try_get::<Option<i64>, _>("uploaded_by")
            .db()?
            .map(domain::UserId),
        created_at: r.try_get("created_at").db()?,
    })
}

/// A document's attachments, in order (two attachments written at once on PostgreSQL may
/// share a position; the id breaks the tie).
async fn load_attachments(conn: &mut Conn, id: DocumentId) -> Result<Vec<DocumentAttachment>> {
    let sql = format!(
        "SELECT {ATTACHMENT_COLS} FROM document_attachments a \
         JOIN evidence_blobs b ON b.key = a.evidence_key \
         WHERE a.document_id = $1 ORDER BY a.position, a.id"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(attachment_row)
        .collect()
}

#[async_trait]
impl ProgramStore for Backend {
    async fn register_document(&self, p: &Principal, new: NewDocument) -> Result<Document> {
        let mut tx = self.begin().await?;
        let issuer = org_for_write(&mut tx, p, new.issuer_org_id, Permission::EditOrgs).await?;
        require_active(&issuer)?;
        let mut bad = Invalid::default();
        let title = bad.take(validate::name("title", &new.title, MAX_TITLE_CHARS));
        if !new.number.matches_type(new.doc_type) {
            bad.push("number", "doc_type_mismatch");
        }
        bad.take(new.term.check_contains("issued_on", new.issued_on));
        if new.body_md.chars().count() > MAX_BODY_CHARS {
            bad.push("body_md", "too_long");
        }
        let parent = match new.parent_document_id {
            Some(id) => match doc_readable(&mut tx, p, id).await {
                Ok(d) => Some(d),
                Err(StoreError::NotFound) => {
                    bad.push("parent_document_id", "bad_choice");
                    None
                }
                Err(e) => return Err(e),
            },
            None => None,
        };
        let title = bad.into_result(title)?.expect("checked");
        let symbol = new.number.to_string();
        let at = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO documents (province_id, issuer_org_id, issuer_path, doc_type, number, \
             symbol, term, issued_on, title, search_key, body_md, parent_document_id, \
             root_document_id, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'in_force', $14, $14) \
             RETURNING id",
        )
        .bind(province_of(&issuer.path))
        .bind(issuer.id.0)
        .bind(issuer.path.as_str())
        .bind(new.doc_type.as_str())
        .bind(i64::from(new.number.number()))
        .bind(&symbol)
        .bind(new.term.key())
        .bind(new.issued_on)
        .bind(&title)
        .bind(fold(&format!("{symbol} {title}")))
        .bind(&new.body_md)
        .bind(parent.as_ref().map(|d| d.id.0))
        .bind(parent.as_ref().map_or(0, |d| d.root_document_id.0))
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        if parent.is_none() {
            sqlx::query("UPDATE documents SET root_document_id = id WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .db()?;
        }
        let doc = doc_by_id(&mut tx, DocumentId(id))
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut after = to_json!(&doc);
        after["body_md_chars"] = json!(doc.body_md.chars().count());
        if let Some(o) = after.as_object_mut() {
            o.remove("body_md");
        }
        audit(
            &mut tx,
            p,
            "create",
            "document",
            id,
            Some(&issuer.path),
            None,
            Some(after),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(doc)
    }

    async fn document(&self, p: &Principal, id: DocumentId) -> Result<Document> {
        let mut conn = self.reader().await?;
        doc_readable(&mut conn, p, id).await
    }

    async fn documents(&self, p: &Principal, issuer: OrgId, page: Page) -> Result<Vec<Document>> {
        let mut conn = self.reader().await?;
        let org = org_by_id(&mut conn, issuer)
            .await?
            .ok_or(StoreError::NotFound)?;
        if !may_read_doc(p, &org.path) {
            return Err(StoreError::NotFound);
        }
        let (limit, offset) = page_limits(page);
        let sql = format!(
            "SELECT {DOC_COLS} FROM documents d JOIN organizations o ON o.id = d.issuer_org_id \
             WHERE d.issuer_org_id = $1 ORDER BY d.issued_on DESC, d.id DESC LIMIT $2 OFFSET $3"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(issuer.0)
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(doc_row)
            .collect()
    }

    async fn set_document_targets(
        &self,
        p: &Principal,
        id: DocumentId,
        targets: Vec<Target>,
    ) -> Result<Vec<TargetRecord>> {
        let mut tx = self.begin().await?;
        let doc = doc_for_write(&mut tx, p, id).await?;
        let mut bad = Invalid::default();
        if targets.len() > domain::target::MAX_TARGETS {
            bad.push("targets", "too_long");
        }
        for (i, t) in targets.iter().enumerate().take(domain::target::MAX_TARGETS) {
            bad.take(t.check(Some(i), Some(doc.issued_on)));
        }
        bad.into_result(())?;
        let old = load_targets(&mut tx, id).await?;
        let province = province_of(&doc.issuer_path);
        for (i, t) in targets.iter().enumerate() {
            match old.get(i) {
                Some(o) if o.target == *t => {}
                Some(o) => {
                    sqlx::query(
                        "UPDATE document_targets SET indicator = $1, baseline = $2, \
                         target_value = $3, unit = $4, deadline = $5, direction = $6 WHERE id = $7",
                    )
                    .bind(&t.indicator)
                    .bind(t.baseline)
                    .bind(t.target_value)
                    .bind(&t.unit)
                    .bind(t.deadline)
                    .bind(t.direction.as_str())
                    .bind(o.id.0)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                    audit(
                        &mut tx,
                        p,
                        "update",
                        "target",
                        o.id.0,
                        Some(&doc.issuer_path),
                        Some(to_json!(&o.target)),
                        Some(to_json!(t)),
                    )
                    .await?;
                }
                None => {
                    let tid: i64 = sqlx::query_scalar(
                        "INSERT INTO document_targets (province_id, document_id, position, \
                         indicator, baseline, target_value, unit, deadline, direction) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    )
                    .bind(province)
                    .bind(id.0)
                    .bind(i as i64)
                    .bind(&t.indicator)
                    .bind(t.baseline)
                    .bind(t.target_value)
                    .bind(&t.unit)
                    .bind(t.deadline)
                    .bind(t.direction.as_str())
                    .fetch_one(&mut *tx)
                    .await
                    .db()?;
                    let mut after = to_json!(t);
                    after["document_id"] = json!(id.0);
                    audit(
                        &mut tx,
                        p,
                        "create",
                        "target",
                        tid,
                        Some(&doc.issuer_path),
                        None,
                        Some(after),
                    )
                    .await?;
                }
            }
        }
        for o in old.iter().skip(targets.len()) {
            let used: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM tasks WHERE upper_target_id = $1) + \
                 (SELECT COUNT(*) FROM document_targets WHERE upper_target_id = $1)",
            )
            .bind(o.id.0)
            .fetch_one(&mut *tx)
            .await
            .db()?;
            if used > 0 {
                return Err(StoreError::Conflict("target_in_use"));
            }
            sqlx::query("DELETE FROM document_targets WHERE id = $1")
                .bind(o.id.0)
                .execute(&mut *tx)
                .await
                .db()?;
            audit(
                &mut tx,
                p,
                "delete",
                "target",
                o.id.0,
                Some(&doc.issuer_path),
                Some(to_json!(&o.target)),
                None,
            )
            .await?;
        }
        let out = load_targets(&mut tx, id).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn document_targets(&self, p: &Principal, id: DocumentId) -> Result<Vec<TargetRecord>> {
        let mut conn = self.reader().await?;
        doc_readable(&mut conn, p, id).await?;
        load_targets(&mut conn, id).await
    }

    async fn attach_document_file(
        &self,
        p: &Principal,
        document: DocumentId,
        file: EvidenceMeta,
    ) -> Result<DocumentAttachment> {
        // Checked before the transaction: nothing here depends on stored rows.
        let mut bad = Invalid::default();
        bad.take(domain::evidence::check_size("file", file.size));
        let name = file.original_name.trim().to_owned();
        if name.is_empty() {
            bad.push("file", "required");
        } else if name.chars().count() > 200 {
            bad.push("file", "too_long");
        }
        bad.into_result(())?;
        let mut tx = self.begin().await?;
        let doc = doc_for_write(&mut tx, p, document).await?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM document_attachments WHERE document_id = $1")
                .bind(document.0)
                .fetch_one(&mut *tx)
                .await
                .db()?;
        if count >= MAX_DOCUMENT_ATTACHMENTS as i64 {
            return Err(StoreError::Invalid(Invalid::one("file", "too_many_files")));
        }
        let position: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM document_attachments WHERE document_id = $1",
        )
        .bind(document.0)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        let at = now();
        sqlx::query(
            "INSERT INTO evidence_blobs (key, evidence_type, size, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING",
        )
        .bind(file.key.as_str())
        .bind(file.kind.as_str())
        .bind(file.size as i64)
        .bind(at)
        .execute(&mut *tx)
        .await
        .db()?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO document_attachments (province_id, document_id, evidence_key, \
             file_name, position, created_at, uploaded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(province_of(&doc.issuer_path))
        .bind(document.0)
        .bind(file.key.as_str())
        .bind(&name)
        .bind(position)
        .bind(at)
        .bind(user_id_of(p))
        .fetch_one(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "attach",
            "document",
            document.0,
            Some(&doc.issuer_path),
            None,
            Some(
                json!({"attachment_id": id, "key": file.key, "kind": file.kind.as_str(),
                        "size": file.size, "name": name}),
            ),
        )
        .await?;
        let out = load_attachments(&mut tx, document)
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn document_attachments(
        &self,
        p: &Principal,
        document: DocumentId,
    ) -> Result<Vec<DocumentAttachment>> {
        let mut conn = self.reader().await?;
        doc_readable(&mut conn, p, document).await?;
        load_attachments(&mut conn, document).await
    }

    async fn create_cascade(
        &self,
        p: &Principal,
        document: DocumentId,
        scope: CascadeScope,
        deadlines: CascadeDeadlines,
    ) -> Result<CascadeSummary> {
        let mut tx = self.begin().await?;
        let doc = doc_for_write(&mut tx, p, document).await?;
        let mut bad = Invalid::default();
        if !doc.doc_type.is_cascadable() {
            bad.push("document", "bad_choice");
        }
        bad.take(scope.check(&doc.issuer_path));
        bad.take(deadlines.check(doc.issued_on));
        let root_org = org_by_id(&mut tx, scope.root.id()).await?;
        match &root_org {
            Some(o) if o.path == scope.root && o.valid_to.is_none() => {}
            _ => bad.push("root", "bad_choice"),
        }
        bad.into_result(())?;
        let root_org = root_org.expect("checked");
        if !p.can(Permission::EditOrgs, &root_org.path) {
            return Err(StoreError::Forbidden);
        }
        let root = doc.root_document_id;
        let province = province_of(&root_org.path);
        let kinds: Vec<&str> = scope.kinds.iter().map(|k| k.as_str()).collect();
        let cascade_id: i64 = sqlx::query_scalar(
            "INSERT INTO cascades (province_id, document_id, root_document_id, issuer_org_id, \
             scope_root_path, scope_kinds, include_root, study_by, program_by, report_every, \
             interim_review_by, reports_until, grace_days, unit_count, created_at, user_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, $14, $15) \
             RETURNING id",
        )
        .bind(province)
        .bind(doc.id.0)
        .bind(root.0)
        .bind(doc.issuer_org_id.0)
        .bind(root_org.path.as_str())
        .bind(kinds.join(","))
        .bind(scope.include_root)
        .bind(deadlines.study_by)
        .bind(deadlines.program_by)
        .bind(deadlines.report_every.as_str())
        .bind(deadlines.interim_review_by)
        .bind(deadlines.reports_until)
        .bind(i64::from(deadlines.grace_days))
        .bind(now())
        .bind(user_id_of(p))
        .fetch_one(&mut *tx)
        .await
        .db()?;
        let state = UnitState::new(&deadlines, &UnitFacts::default());
        let range = scope.range();
        // The units of the scope: open, of the kinds, or the root itself when included.
        let push_where = |qb: &mut QueryBuilder<Db>| {
            qb.push(" FROM organizations o WHERE o.path >= ")
                .push_bind(range.start.clone())
                .push(" AND o.path < ")
                .push_bind(range.end.clone())
                .push(" AND o.valid_to IS NULL AND ((o.path <> ")
                .push_bind(root_org.path.as_str().to_owned())
                .push(" AND o.kind IN ");
            qb.push("(");
            let mut sep = qb.separated(", ");
            for k in &kinds {
                sep.push_bind(*k);
            }
            if kinds.is_empty() {
                sep.push("NULL");
            }
            qb.push(")) OR (o.path = ")
                .push_bind(root_org.path.as_str().to_owned())
                .push(" AND ")
                .push_bind(scope.include_root)
                .push("))");
        };
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO cascade_units (province_id, cascade_id, root_document_id, org_id, \
             org_path, study_by, program_by, interim_review_by, report_class, report_next_due) \
             SELECT o.province_id, ",
        );
        qb.push_bind(cascade_id)
            .push(", ")
            .push_bind(root.0)
            .push(", o.id, o.path, ")
            .push_bind(deadlines.study_by)
            .push(", ")
            .push_bind(deadlines.program_by)
            .push(", ")
            .push_bind(deadlines.interim_review_by)
            .push(", ")
            .push_bind(state.reports.class.as_str())
            .push(", ")
            .push_bind(state.reports.next_due);
        push_where(&mut qb);
        qb.push(" ON CONFLICT (root_document_id, org_id) DO NOTHING");
        let reached = qb.build().execute(&mut *tx).await.db()?.rows_affected();
        let mut qb = QueryBuilder::<Db>::new("SELECT COUNT(*)");
        push_where(&mut qb);
        let in_scope: i64 = qb.build_query_scalar().fetch_one(&mut *tx).await.db()?;
        sqlx::query("UPDATE cascades SET unit_count = $1 WHERE id = $2")
            .bind(reached as i64)
            .bind(cascade_id)
            .execute(&mut *tx)
            .await
            .db()?;
        dialect::init_cascade_rollups(&mut tx, cascade_id, root, province, &state.rollup()).await?;
        let summary = CascadeSummary {
            id: CascadeId(cascade_id),
            reached,
            skipped: (in_scope as u64).saturating_sub(reached),
        };
        audit(
            &mut tx,
            p,
            "create",
            "cascade",
            cascade_id,
            Some(&root_org.path),
            None,
            Some(json!({
                "document_id": doc.id, "root_document_id": root, "scope": scope,
                "deadlines": deadlines, "reached": summary.reached, "skipped": summary.skipped,
            })),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(summary)
    }

    async fn cascade(&self, p: &Principal, id: CascadeId) -> Result<Cascade> {
        let mut conn = self.reader().await?;
        cascade_readable(&mut conn, p, id).await
    }

    async fn document_cascades(&self, p: &Principal, document: DocumentId) -> Result<Vec<Cascade>> {
        let mut conn = self.reader().await?;
        doc_readable(&mut conn, p, document).await?;
        let sql =
            format!("SELECT {CASCADE_COLS} FROM cascades c WHERE c.document_id = $1 ORDER BY c.id");
        let all = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(document.0)
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(cascade_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(all
            .into_iter()
            .filter(|c| may_read_doc(p, &c.scope_root_path))
            .collect())
    }

    async fn cascade_units(
        &self,
        p: &Principal,
        cascade: CascadeId,
        page: Page,
    ) -> Result<Vec<CascadeUnit>> {
        let mut conn = self.reader().await?;
        cascade_readable(&mut conn, p, cascade).await?;
        let (limit, offset) = page_limits(page);
        let mut qb =
            QueryBuilder::<Db>::new(format!("SELECT {CU_COLS}{CU_FROM} WHERE cu.cascade_id = "));
        qb.push_bind(cascade.0);
        push_scope(&mut qb, "cu.org_path", p, Permission::Read);
        qb.push(" ORDER BY cu.org_path LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let mut units = qb
            .build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(unit_row)
            .collect::<Result<Vec<_>>>()?;
        load_report_dates(&mut conn, &mut units).await?;
        Ok(units.into_iter().map(|u| u.unit).collect())
    }

    async fn cascade_unit(&self, p: &Principal, id: CascadeUnitId) -> Result<CascadeUnit> {
        let mut conn = self.reader().await?;
        let u = unit_by_id(&mut conn, id).await?;
        match u {
            Some(u) if p.can(Permission::Read, &u.unit.org_path) => Ok(u.unit),
            _ => Err(StoreError::NotFound),
        }
    }

    async fn cascade_unit_of(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Option<CascadeUnit>> {
        let mut conn = self.reader().await?;
        org_readable(&mut conn, p, org).await?;
        let doc = doc_readable(&mut conn, p, document).await?;
        let sql =
            format!("SELECT {CU_COLS}{CU_FROM} WHERE cu.root_document_id = $1 AND cu.org_id = $2");
        let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(doc.root_document_id.0)
            .bind(org.0)
            .fetch_optional(&mut *conn)
            .await
            .db()?
        else {
            return Ok(None);
        };
        let mut units = vec![unit_row(&r)?];
        load_report_dates(&mut conn, &mut units).await?;
        Ok(units.pop().map(|u| u.unit))
    }

    async fn record_study(
        &self,
        p: &Principal,
        unit: CascadeUnitId,
        on: Date,
    ) -> Result<CascadeUnit> {
        let mut tx = self.begin().await?;
        let mut u = unit_by_id(&mut tx, unit)
            .await?
            .filter(|u| p.can(Permission::Read, &u.unit.org_path))
            .ok_or(StoreError::NotFound)?;
        if !p.can(Permission::EditPeople, &u.unit.org_path) {
            return Err(StoreError::Forbidden);
        }
        let before = u.state();
        let old = u.unit.facts.studied_on;
        u.unit.facts.studied_on = Some(on);
        let after = u.state();
        sqlx::query("UPDATE cascade_units SET studied_on = $1 WHERE id = $2")
            .bind(on)
            .bind(unit.0)
            .execute(&mut *tx)
            .await
            .db()?;
        apply_delta(
            &mut tx,
            &u.unit.org_path,
            u.unit.root_document_id,
            &domain::rollup::delta(&before, &after),
        )
        .await?;
        audit(
            &mut tx,
            p,
            "record_study",
            "cascade",
            u.unit.cascade_id.0,
            Some(&u.unit.org_path),
            Some(json!({"cascade_unit_id": unit, "org_id": u.unit.org_id, "studied_on": old})),
            Some(json!({"cascade_unit_id": unit, "org_id": u.unit.org_id, "studied_on": on})),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(u.unit)
    }

    async fn create_program_draft(&self, p: &Principal, new: NewProgram) -> Result<Program> {
        self.create_program_draft_impl(p, new).await
    }

    async fn program(&self, p: &Principal, id: ProgramId) -> Result<Program> {
        let mut conn = self.reader().await?;
        program_readable(&mut conn, p, id).await
    }

    async fn unit_programs(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Vec<Program>> {
        self.unit_programs_impl(p, org, document).await
    }

    async fn save_program_sections(
        &self,
        p: &Principal,
        id: ProgramId,
        sections: ProgramSections,
    ) -> Result<Program> {
        self.save_program_sections_impl(p, id, sections).await
    }

    async fn save_tasks(
        &self,
        p: &Principal,
        id: ProgramId,
        tasks: Vec<TaskDraft>,
    ) -> Result<Vec<TaskRecord>> {
        self.save_tasks_impl(p, id, tasks).await
    }

    async fn program_tasks(&self, p: &Principal, id: ProgramId) -> Result<Vec<TaskRecord>> {
        let mut conn = self.reader().await?;
        program_readable(&mut conn, p, id).await?;
        load_tasks(&mut conn, id).await
    }

    async fn issue_program(
        &self,
        p: &Principal,
        id: ProgramId,
        issued_on: Date,
    ) -> Result<Program> {
        self.issue_program_impl(p, id, issued_on).await
    }

    async fn revise_program(&self, p: &Principal, id: ProgramId) -> Result<Program> {
        self.revise_program_impl(p, id).await
    }

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

    async fn child_dashboards(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: Date,
    ) -> Result<Vec<ChildDashboard>> {
        self.child_dashboards_impl(p, org, document, today).await
    }

    async fn overdue_tasks(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: Date,
        page: Page,
    ) -> Result<Vec<OverdueTask>> {
        self.overdue_tasks_impl(p, org, document, today, page).await
    }

    async fn targets_progress(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Vec<TargetProgress>> {
        self.targets_progress_impl(p, org, document).await
    }

    async fn progress_series(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Vec<SeriesPoint>> {
        self.progress_series_impl(p, org, document).await
    }

    async fn save_assessment(
        &self,
        p: &Principal,
        program: ProgramId,
        assessment: &Assessment,
    ) -> Result<()> {
        self.save_assessment_impl(p, program, assessment).await
    }

    async fn save_assessments(
        &self,
        p: &Principal,
        assessments: &[(ProgramId, Assessment)],
    ) -> Result<()> {
        self.save_assessments_impl(p, assessments).await
    }

    async fn peer_programs(&self, p: &Principal, program: ProgramId) -> Result<Vec<PeerProgram>> {
        self.peer_programs_impl(p, program).await
    }

    async fn issued_programs(&self, p: &Principal) -> Result<Vec<ProgramId>> {
        self.issued_programs_impl(p).await
    }

    async fn issued_program_groups(&self, p: &Principal) -> Result<Vec<ProgramGroup>> {
        self.issued_program_groups_impl(p).await
    }

    async fn program_group(
        &self,
        p: &Principal,
        parent: OrgId,
        root_document: DocumentId,
    ) -> Result<Vec<GroupProgram>> {
        self.program_group_impl(p, parent, root_document).await
    }

    async fn assessment(&self, p: &Principal, program: ProgramId) -> Result<Option<Assessment>> {
        self.assessment_impl(p, program).await
    }

    async fn flagged_programs(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        page: Page,
    ) -> Result<FlaggedPrograms> {
        self.flagged_programs_impl(p, org, document, page).await
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

    async fn post_progress(
        &self,
        p: &Principal,
        task: TaskId,
        input: ProgressInput,
    ) -> Result<ProgressRecord> {
        self.post_progress_impl(p, task, input).await
    }

    async fn review_progress(
        &self,
        p: &Principal,
        update: domain::ProgressUpdateId,
        decision: ReviewDecision,
    ) -> Result<ProgressRecord> {
        self.review_progress_impl(p, update, decision).await
    }

    async fn task_progress(&self, p: &Principal, task: TaskId) -> Result<Vec<ProgressRecord>> {
        self.task_progress_impl(p, task).await
    }

    async fn task(&self, p: &Principal, task: TaskId) -> Result<TaskContext> {
        self.task_impl(p, task).await
    }

    async fn pending_reviews(
        &self,
        p: &Principal,
        org: OrgId,
        page: Page,
    ) -> Result<Vec<PendingReview>> {
        self.pending_reviews_impl(p, org, page).await
    }

    async fn my_tasks(&self, p: &Principal, today: Date) -> Result<Vec<MyTask>> {
        self.my_tasks_impl(p, today).await
    }

    async fn notifications(&self, p: &Principal, today: Date) -> Result<Vec<Notification>> {
        self.notifications_impl(p, today).await
    }

    async fn mark_notifications_read(&self, p: &Principal, ids: Vec<i64>) -> Result<u64> {
        self.mark_notifications_read_impl(p, ids).await
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

pub(crate) async fn load_targets(conn: &mut Conn, id: DocumentId) -> Result<Vec<TargetRecord>> {
    let sql = format!(
        "SELECT {TARGET_COLS} FROM document_targets WHERE document_id = $1 ORDER BY position"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_all(conn)
        .await
        .db()?
        .iter()
        .map(target_row)
        .collect()
}

async fn cascade_readable(conn: &mut Conn, p: &Principal, id: CascadeId) -> Result<Cascade> {
    let sql = format!("SELECT {CASCADE_COLS} FROM cascades c WHERE c.id = $1");
    let c = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .db()?
        .as_ref()
        .map(cascade_row)
        .transpose()?
        .ok_or(StoreError::NotFound)?;
    if !may_read_doc(p, &c.scope_root_path) {
        return Err(StoreError::NotFound);
    }
    doc_readable(conn, p, c.document_id).await?;
    Ok(c)
}

async fn unit_by_id(conn: &mut Conn, id: CascadeUnitId) -> Result<Option<UnitRow>> {
    let sql = format!("SELECT {CU_COLS}{CU_FROM} WHERE cu.id = $1");
    let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .db()?
    else {
        return Ok(None);
    };
    let mut units = vec![unit_row(&r)?];
    load_report_dates(conn, &mut units).await?;
    Ok(units.pop())
}
