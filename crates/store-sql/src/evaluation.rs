//! Evaluation and rating ([`store::EvaluationStore`], issue 17). The rules (frameworks,
//! scoring, levels, the steps' guards, the quota, the signals) are in
//! `domain::evaluation`; this module reads the record into `RecordFacts`, calls them,
//! writes and audits in one transaction. docs/EVALUATION.md.

use crate::dialect::{self, Backend, Conn, Db, DbRow, MAX_BINDS};
use crate::sql::orgs::{org_for_write, org_readable, require_active};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::evaluation::{
    self as rules, FactKind, Framework, Level, PeriodKind, Proposal, QuotaState, RecordFacts, Step,
    Subject, SubjectKind,
};
use domain::validate::{self, Invalid};
use domain::{MemberId, OrgId, OrgKind, OrgPath, Permission, Principal};
use serde_json::json;
use sqlx::{QueryBuilder, Row};
use std::collections::{HashMap, HashSet};
use store::*;
use time::{Date, OffsetDateTime};

const MAX_NAME: usize = 300;
/// Labels kept in a fact reference.
const MAX_LABEL: usize = 120;

fn parse<T>(what: &str, v: String, f: impl Fn(&str) -> Option<T>) -> Result<T> {
    f(&v).ok_or_else(|| bad_data(what, &v))
}

fn label(s: &str) -> String {
    if s.chars().count() <= MAX_LABEL {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(MAX_LABEL - 1).collect();
        t.push('…');
        t
    }
}

fn fw_from_json(s: &str) -> Result<Framework> {
    serde_json::from_str(s).map_err(|_| bad_data("framework", s))
}

// ---- Frameworks -----------------------------------------------------------------------

const FW_SQL: &str = "SELECT f.id, f.org_id, o.path AS org_path, o.name AS org_name, f.version, \
     f.body, u.display_name AS created_by, f.created_at FROM evaluation_frameworks f \
     JOIN organizations o ON o.id = f.org_id LEFT JOIN users u ON u.id = f.created_by";

fn fw_row(r: &DbRow) -> Result<(FrameworkRecord, OrgPath)> {
    let body: String = r.try_get("body").db()?;
    Ok((
        FrameworkRecord {
            id: r.try_get("id").db()?,
            org_id: OrgId(r.try_get("org_id").db()?),
            org_name: r.try_get("org_name").db()?,
            version: r.try_get("version").db()?,
            framework: fw_from_json(&body)?,
            created_by: r.try_get("created_by").db()?,
            created_at: r.try_get("created_at").db()?,
        },
        path_of(r.try_get("org_path").db()?)?,
    ))
}

async fn fw_by_id(conn: &mut Conn, id: i64) -> Result<(FrameworkRecord, OrgPath)> {
    let sql = format!("{FW_SQL} WHERE f.id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
    fw_row(&r)
}

async fn insert_framework(
    conn: &mut Conn,
    p: &Principal,
    org: OrgId,
    path: &OrgPath,
    fw: &Framework,
) -> Result<i64> {
    fw.validate()?;
    let version: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT) FROM evaluation_frameworks \
         WHERE org_id = $1 AND subject = $2 AND name = $3",
    )
    .bind(org.0)
    .bind(fw.subject.as_str())
    .bind(&fw.name)
    .fetch_one(&mut *conn)
    .await
    .db()?;
    let body = serde_json::to_string(fw).map_err(|e| StoreError::Backend(e.to_string()))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO evaluation_frameworks (province_id, org_id, org_path, subject, name, version, \
         body, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(province_of(path))
    .bind(org.0)
    .bind(path.as_str())
    .bind(fw.subject.as_str())
    .bind(&fw.name)
    .bind(version)
    .bind(&body)
    .bind(user_id_of(p))
    .bind(now())
    .fetch_one(&mut *conn)
    .await
    .db()?;
    audit(
        conn,
        p,
        "create",
        "evaluation_framework",
        id,
        Some(path),
        None,
        Some(json!({"org_id": org, "version": version, "framework": fw})),
    )
    .await?;
    Ok(id)
}

// ---- Periods --------------------------------------------------------------------------

const PERIOD_SQL: &str = "SELECT ep.id, ep.org_id, ep.org_path, o.name AS org_name, ep.kind, \
     ep.name, ep.starts_on, ep.ends_on, ep.unit_framework_id, ep.member_framework_id, \
     ep.computed_on, ep.n_units, ep.n_members, ep.n_self, ep.n_assessed, ep.n_decided \
     FROM evaluation_periods ep JOIN organizations o ON o.id = ep.org_id";

fn period_row(r: &DbRow, p: &Principal) -> Result<EvaluationPeriod> {
    let path = path_of(r.try_get("org_path").db()?)?;
    Ok(EvaluationPeriod {
        id: r.try_get("id").db()?,
        org_id: OrgId(r.try_get("org_id").db()?),
        org_name: r.try_get("org_name").db()?,
        kind: parse("period kind", r.try_get("kind").db()?, PeriodKind::parse)?,
        name: r.try_get("name").db()?,
        starts_on: r.try_get("starts_on").db()?,
        ends_on: r.try_get("ends_on").db()?,
        unit_framework_id: r.try_get("unit_framework_id").db()?,
        member_framework_id: r.try_get("member_framework_id").db()?,
        computed_on: r.try_get("computed_on").db()?,
        counts: PeriodCounts {
            units: r.try_get("n_units").db()?,
            members: r.try_get("n_members").db()?,
            self_assessed: r.try_get("n_self").db()?,
            assessed: r.try_get("n_assessed").db()?,
            decided: r.try_get("n_decided").db()?,
        },
        can_compute: p.can(Permission::EditOrgs, &path),
        org_path: path,
    })
}

async fn period_by_id(conn: &mut Conn, p: &Principal, id: i64) -> Result<EvaluationPeriod> {
    let sql = format!("{PERIOD_SQL} WHERE ep.id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
    let period = period_row(&r, p)?;
    // Those who see the unit, or a unit below it, see its periods.
    if !p.sees_or_leads_to(&period.org_path) {
        return Err(StoreError::NotFound);
    }
    Ok(period)
}

// ---- Reading the record ---------------------------------------------------------------

/// A unit evaluated in a period.
#[derive(Debug, Clone)]
struct UnitInfo {
    id: i64,
    path: OrgPath,
    kind: OrgKind,
}

/// The subjects under a root and the facts the record holds about them.
#[derive(Default)]
struct Loaded {
    units: Vec<UnitInfo>,
    /// Unit id → facts.
    unit_facts: HashMap<i64, RecordFacts>,
    /// (member id, cell id, cell path) in order.
    members: Vec<(i64, i64, OrgPath)>,
    member_facts: HashMap<i64, RecordFacts>,
    /// Unit kinds by id (the root's included), for the members' deciders.
    kinds: HashMap<i64, OrgKind>,
}

fn is_party_unit(k: OrgKind) -> bool {
    matches!(
        k,
        OrgKind::DirectlyAffiliated | OrgKind::Grassroots | OrgKind::Cell
    )
}

/// The body that decides a member's rating: the grassroots organization above their cell
/// (the cell itself when it is a grassroots organization of its own).
fn member_decider(cell_path: &OrgPath, cell_kind: Option<OrgKind>) -> OrgPath {
    if cell_kind == Some(OrgKind::Cell) {
        cell_path.parent_or_self()
    } else {
        cell_path.clone()
    }
}

fn last_id(path: &OrgPath) -> i64 {
    path.ids().last().map_or(0, |i| i.0)
}

/// The period's dates for the rules: facts due up to `min(ends_on, today)` count.
struct Window {
    start: Date,
    end: Date,
    due_by: Date,
    today: Date,
}

/// Reads the record under `root` (the units strictly below the period's unit `top`, or
/// one subject's subtree) for a period's window. `only_member`: read one member's facts.
async fn load(
    conn: &mut Conn,
    top: &OrgPath,
    root: &OrgPath,
    w: &Window,
    only_member: Option<i64>,
) -> Result<Loaded> {
    let mut out = Loaded::default();
    let r = root.subtree();
    // Units.
    let rows = sqlx::query(
        "SELECT id, path, kind FROM organizations WHERE path >= $1 AND path < $2 \
         AND (valid_to IS NULL OR valid_to >= $3) ORDER BY path",
    )
    .bind(&r.start)
    .bind(&r.end)
    .bind(w.start)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    for row in rows {
        let id: i64 = row.try_get("id").db()?;
        let path = path_of(row.try_get("path").db()?)?;
        let kind = parse("kind", row.try_get("kind").db()?, OrgKind::parse)?;
        out.kinds.insert(id, kind);
        if path != *top && is_party_unit(kind) && only_member.is_none() {
            out.unit_facts.insert(id, RecordFacts::default());
            out.units.push(UnitInfo { id, path, kind });
        }
    }
    // Members.
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT m.id, m.cell_id, m.cell_path FROM members m WHERE m.status = 'active'",
    );
    push_subtree(&mut qb, "m.cell_path", root);
    if let Some(m) = only_member {
        qb.push(" AND m.id = ").push_bind(m);
    }
    qb.push(" ORDER BY m.cell_path, m.id");
    for row in qb.build().fetch_all(&mut *conn).await.db()? {
        let id: i64 = row.try_get("id").db()?;
        out.members.push((
            id,
            row.try_get("cell_id").db()?,
            path_of(row.try_get("cell_path").db()?)?,
        ));
        out.member_facts.insert(id, RecordFacts::default());
    }
    let units_only = only_member.is_none();
    // One member's tasks, recommendations and measures may sit anywhere in the period's
    // subtree (a task of the grassroots program they answer for).
    let wide = if units_only { root } else { top };

    // Programs due in the window (units).
    if units_only {
        let rows = sqlx::query(
            "SELECT cu.id, cu.cascade_id, cu.org_id, cu.program_id, d.symbol, \
             CAST(CASE WHEN cu.program_issued_on IS NOT NULL AND cu.program_issued_on <= cu.program_by \
               THEN 1 ELSE 0 END AS BIGINT) AS met \
             FROM cascade_units cu JOIN documents d ON d.id = cu.root_document_id \
             WHERE cu.org_path >= $1 AND cu.org_path < $2 AND cu.program_by >= $3 AND cu.program_by <= $4 \
             AND (cu.program_by <= $5 OR cu.program_issued_on IS NOT NULL) ORDER BY cu.id",
        )
        .bind(&r.start)
        .bind(&r.end)
        .bind(w.start)
        .bind(w.end)
        .bind(w.due_by)
        .fetch_all(&mut *conn)
        .await
        .db()?;
        for row in rows {
            let org: i64 = row.try_get("org_id").db()?;
            if let Some(f) = out.unit_facts.get_mut(&org) {
                // The program when there is one (its page), else the cascade that asked
                // for it.
                let pid: Option<i64> = row.try_get("program_id").db()?;
                let (kind, id) = match pid {
                    Some(pid) => (FactKind::Program, pid),
                    None => (FactKind::Cascade, row.try_get("cascade_id").db()?),
                };
                let sym: String = row.try_get("symbol").db()?;
                f.programs.add(
                    kind,
                    id,
                    label(&sym),
                    row.try_get::<i64, _>("met").db()? != 0,
                );
            }
        }
    }

    // Tasks due in the window: a unit's own, a member's they answer for.
    {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT t.id, t.org_id, t.responsible_member_id, t.content, \
             CAST(CASE WHEN t.status = 'done' AND t.done_on IS NOT NULL AND t.done_on <= t.deadline \
               THEN 1 ELSE 0 END AS BIGINT) AS met \
             FROM tasks t WHERE t.counted",
        );
        push_subtree(&mut qb, "t.org_path", wide);
        qb.push(" AND t.deadline >= ")
            .push_bind(w.start)
            .push(" AND t.deadline <= ")
            .push_bind(w.end)
            .push(" AND (t.deadline <= ")
            .push_bind(w.due_by)
            .push(" OR t.status = 'done')");
        if let Some(m) = only_member {
            qb.push(" AND t.responsible_member_id = ").push_bind(m);
        }
        qb.push(" ORDER BY t.id");
        for row in qb.build().fetch_all(&mut *conn).await.db()? {
            let id: i64 = row.try_get("id").db()?;
            let org: i64 = row.try_get("org_id").db()?;
            let resp: Option<i64> = row.try_get("responsible_member_id").db()?;
            let content: String = row.try_get("content").db()?;
            let met = row.try_get::<i64, _>("met").db()? != 0;
            let content = label(&content);
            for f in [
                out.unit_facts.get_mut(&org),
                resp.and_then(|m| out.member_facts.get_mut(&m)),
            ]
            .into_iter()
            .flatten()
            {
                f.tasks.add(FactKind::Task, id, content.clone(), met);
                if !met {
                    f.tasks_late += 1;
                }
            }
        }
    }

    // Targets of the units' issued programs.
    if units_only {
        let rows = sqlx::query(
            "SELECT dt.id, pr.org_id, dt.indicator, dt.target_value, dt.direction, dt.current_value \
             FROM document_targets dt JOIN programs pr ON pr.id = dt.program_id \
             WHERE pr.state = 'issued' AND pr.org_path >= $1 AND pr.org_path < $2 ORDER BY dt.id",
        )
        .bind(&r.start)
        .bind(&r.end)
        .fetch_all(&mut *conn)
        .await
        .db()?;
        for row in rows {
            let org: i64 = row.try_get("org_id").db()?;
            let Some(f) = out.unit_facts.get_mut(&org) else {
                continue;
            };
            let goal: f64 = row.try_get("target_value").db()?;
            let dir = parse(
                "direction",
                row.try_get("direction").db()?,
                domain::Direction::parse,
            )?;
            let cur: Option<f64> = row.try_get("current_value").db()?;
            let met = cur.is_some_and(|c| domain::target::is_met(dir, goal, c));
            let beyond = cur.is_some_and(|c| match dir {
                domain::Direction::Decrease => c < goal,
                _ => c > goal,
            });
            let ind: String = row.try_get("indicator").db()?;
            f.targets
                .add(FactKind::Target, row.try_get("id").db()?, label(&ind), met);
            if beyond {
                f.targets_exceeded += 1;
            }
        }
    }

    // Study of the resolutions issued by the period's end (those excused left out): every
    // member with a study row, and every member of a unit a cascade reached whose study
    // deadline falls in the window and has passed, without a row (never present: not
    // studied). Rows are written only when something happens to a member (present,
    // excused, a check), so the rows alone would count only those who came.
    {
        let with_checks: HashSet<i64> =
            sqlx::query_scalar::<_, i64>("SELECT DISTINCT document_id FROM study_questions")
                .fetch_all(&mut *conn)
                .await
                .db()?
                .into_iter()
                .collect();
        // The units a cascade reached with a study deadline in the window: those of the
        // subtree and the subtree's ancestors (a cascade that reached them reaches it).
        let mut reached: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
        {
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT cu.org_id, cu.root_document_id, d.symbol FROM cascade_units cu \
                 JOIN documents d ON d.id = cu.root_document_id WHERE d.issued_on <= ",
            );
            qb.push_bind(w.end)
                .push(" AND cu.study_by >= ")
                .push_bind(w.start)
                .push(" AND cu.study_by <= ")
                .push_bind(w.due_by)
                .push(" AND ((cu.org_path >= ")
                .push_bind(&r.start)
                .push(" AND cu.org_path < ")
                .push_bind(&r.end)
                .push(") OR cu.org_id IN ");
            push_ids(&mut qb, root.ids().into_iter().map(|i| i.0));
            qb.push(") ORDER BY cu.root_document_id, cu.org_id");
            for row in qb.build().fetch_all(&mut *conn).await.db()? {
                reached
                    .entry(row.try_get("org_id").db()?)
                    .or_default()
                    .push((
                        row.try_get("root_document_id").db()?,
                        row.try_get("symbol").db()?,
                    ));
            }
        }
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT sm.member_id, sm.cell_path, sm.document_id, d.symbol, \
             CAST(CASE WHEN sm.excused THEN 1 ELSE 0 END AS BIGINT) AS excused, \
             CAST(CASE WHEN sm.studied OR sm.made_up THEN 1 ELSE 0 END AS BIGINT) AS studied, \
             CAST(CASE WHEN sm.check_passed THEN 1 ELSE 0 END AS BIGINT) AS passed \
             FROM study_members sm JOIN documents d ON d.id = sm.document_id \
             WHERE d.issued_on <= ",
        );
        qb.push_bind(w.end);
        push_subtree(&mut qb, "sm.cell_path", root);
        if let Some(m) = only_member {
            qb.push(" AND sm.member_id = ").push_bind(m);
        }
        qb.push(" ORDER BY sm.document_id, sm.member_id");
        // (member, cell path, document, symbol, studied, passed), excused rows left out
        let mut facts: Vec<(i64, String, i64, String, bool, bool)> = Vec::new();
        let mut seen: HashSet<(i64, i64)> = HashSet::new();
        for row in qb.build().fetch_all(&mut *conn).await.db()? {
            let member: i64 = row.try_get("member_id").db()?;
            let doc: i64 = row.try_get("document_id").db()?;
            seen.insert((member, doc));
            if row.try_get::<i64, _>("excused").db()? != 0 {
                continue;
            }
            facts.push((
                member,
                row.try_get("cell_path").db()?,
                doc,
                row.try_get("symbol").db()?,
                row.try_get::<i64, _>("studied").db()? != 0,
                row.try_get::<i64, _>("passed").db()? != 0,
            ));
        }
        // The members who should have studied and have no row.
        if !reached.is_empty() {
            for (member, _, cell_path) in &out.members {
                let mut docs: Vec<(i64, &String)> = Vec::new();
                for u in cell_path.ids() {
                    for (doc, sym) in reached.get(&u.0).into_iter().flatten() {
                        if !docs.iter().any(|(d, _)| d == doc) {
                            docs.push((*doc, sym));
                        }
                    }
                }
                for (doc, sym) in docs {
                    if seen.insert((*member, doc)) {
                        facts.push((
                            *member,
                            cell_path.as_str().to_owned(),
                            doc,
                            sym.clone(),
                            false,
                            false,
                        ));
                    }
                }
            }
        }
        facts.sort_by_key(|f| (f.2, f.0));
        // (unit, document) → (symbol, rows, studied, with checks, passed)
        let mut per_unit: HashMap<(i64, i64), StudyAggregate> = HashMap::new();
        let unit_ids: HashSet<i64> = out.unit_facts.keys().copied().collect();
        let mut path_cache: HashMap<String, Vec<i64>> = HashMap::new();
        for (member, cell_path, doc, sym, studied, passed) in facts {
            let checks = with_checks.contains(&doc);
            if let Some(f) = out.member_facts.get_mut(&member) {
                f.study.add(FactKind::Study, doc, sym.clone(), studied);
                if checks {
                    f.checks.add(FactKind::Study, doc, sym.clone(), passed);
                }
            }
            if !units_only {
                continue;
            }
            let ups = path_cache.entry(cell_path).or_insert_with_key(|k| {
                OrgPath::parse(k)
                    .map(|p| {
                        p.ids()
                            .into_iter()
                            .map(|i| i.0)
                            .filter(|i| unit_ids.contains(i))
                            .collect()
                    })
                    .unwrap_or_default()
            });
            for u in ups.iter() {
                let e = per_unit
                    .entry((*u, doc))
                    .or_insert_with(|| (sym.clone(), 0, 0, 0, 0));
                e.1 += 1;
                e.2 += u32::from(studied);
                if checks {
                    e.3 += 1;
                    e.4 += u32::from(passed);
                }
            }
        }
        let mut keys: Vec<_> = per_unit.keys().copied().collect();
        keys.sort_unstable();
        for k in keys {
            let (sym, n, studied, nc, passed) = &per_unit[&k];
            let f = out.unit_facts.get_mut(&k.0).expect("unit");
            push_aggregate(&mut f.study, k.1, sym, *n, *studied);
            if *nc > 0 {
                push_aggregate(&mut f.checks, k.1, sym, *nc, *passed);
            }
        }
    }

    // Reports submitted in the window (units): on time and not contradicted.
    if units_only {
        let rows = sqlx::query(
            "SELECT r.id, r.org_id, COALESCE(r.symbol, '') AS symbol, \
             CAST(CASE WHEN NOT r.late AND COALESCE(r.contradicted_claims, 0) = 0 THEN 1 ELSE 0 END AS BIGINT) AS met \
             FROM reports r JOIN organizations o ON o.id = r.org_id \
             WHERE r.state = 'submitted' AND o.path >= $1 AND o.path < $2 \
             AND r.submitted_on >= $3 AND r.submitted_on <= $4 ORDER BY r.id",
        )
        .bind(&r.start)
        .bind(&r.end)
        .bind(w.start)
        .bind(w.end)
        .fetch_all(&mut *conn)
        .await
        .db()?;
        for row in rows {
            let org: i64 = row.try_get("org_id").db()?;
            if let Some(f) = out.unit_facts.get_mut(&org) {
                let sym: String = row.try_get("symbol").db()?;
                f.reports.add(
                    FactKind::Report,
                    row.try_get("id").db()?,
                    sym,
                    row.try_get::<i64, _>("met").db()? != 0,
                );
            }
        }
    }

    // Recommendations due in the window, and those overdue on the day.
    {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT ir.id, ir.acting_org_id, ir.responsible_member_id, ir.text, \
             CAST(CASE WHEN ir.closed_on IS NOT NULL AND ir.closed_on <= ir.deadline THEN 1 ELSE 0 END AS BIGINT) AS met, \
             CAST(CASE WHEN ir.deadline >= ",
        );
        qb.push_bind(w.start)
            .push(" AND ir.deadline <= ")
            .push_bind(w.end)
            .push(" AND (ir.deadline <= ")
            .push_bind(w.due_by)
            .push(" OR ir.closed_on IS NOT NULL) THEN 1 ELSE 0 END AS BIGINT) AS due, ")
            .push("CAST(CASE WHEN ir.state <> 'closed' AND ir.deadline < ")
            .push_bind(w.today)
            .push(" THEN 1 ELSE 0 END AS BIGINT) AS overdue FROM inspection_recommendations ir WHERE 1 = 1");
        push_subtree(&mut qb, "ir.acting_path", wide);
        if let Some(m) = only_member {
            qb.push(" AND ir.responsible_member_id = ").push_bind(m);
        }
        qb.push(" ORDER BY ir.id");
        for row in qb.build().fetch_all(&mut *conn).await.db()? {
            let id: i64 = row.try_get("id").db()?;
            let org: i64 = row.try_get("acting_org_id").db()?;
            let resp: Option<i64> = row.try_get("responsible_member_id").db()?;
            let text: String = row.try_get("text").db()?;
            let met = row.try_get::<i64, _>("met").db()? != 0;
            let due = row.try_get::<i64, _>("due").db()? != 0;
            let overdue = row.try_get::<i64, _>("overdue").db()? != 0;
            let text = label(&text);
            for f in [
                out.unit_facts.get_mut(&org),
                resp.and_then(|m| out.member_facts.get_mut(&m)),
            ]
            .into_iter()
            .flatten()
            {
                if due {
                    f.recommendations
                        .add(FactKind::Recommendation, id, text.clone(), met);
                }
                if overdue {
                    f.overdue_recommendations += 1;
                }
            }
        }
    }

    // Shortcomings found again at an inspection concluded in the window (units).
    if units_only {
        let rows = sqlx::query(
            "SELECT f.id, s.org_id, f.text FROM inspection_findings f \
             JOIN inspection_subjects s ON s.id = f.subject_id \
             JOIN inspection_items i ON i.id = f.item_id \
             WHERE s.org_path >= $1 AND s.org_path < $2 AND s.member_id IS NULL \
             AND i.concluded_on >= $3 AND i.concluded_on <= $4 AND f.kind <> 'strength' \
             AND EXISTS (SELECT 1 FROM inspection_findings g \
               JOIN inspection_subjects gs ON gs.id = g.subject_id \
               JOIN inspection_items gi ON gi.id = g.item_id \
               WHERE gs.org_id = s.org_id AND g.kind <> 'strength' AND g.about_kind = f.about_kind \
               AND COALESCE(g.about_id, 0) = COALESCE(f.about_id, 0) AND g.item_id <> f.item_id \
               AND gi.concluded_on IS NOT NULL AND gi.concluded_on < i.concluded_on) \
             ORDER BY f.id",
        )
        .bind(&r.start)
        .bind(&r.end)
        .bind(w.start)
        .bind(w.end)
        .fetch_all(&mut *conn)
        .await
        .db()?;
        for row in rows {
            let org: i64 = row.try_get("org_id").db()?;
            if let Some(f) = out.unit_facts.get_mut(&org) {
                let text: String = row.try_get("text").db()?;
                f.recurrences.add(
                    FactKind::Finding,
                    row.try_get("id").db()?,
                    label(&text),
                    false,
                );
            }
        }
    }

    // Disciplinary measures in the window: the member's, and every unit on the way up.
    {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT id, org_path, member_id, form FROM discipline_records WHERE decided_on >= ",
        );
        qb.push_bind(w.start)
            .push(" AND decided_on <= ")
            .push_bind(w.end);
        push_subtree(&mut qb, "org_path", wide);
        if let Some(m) = only_member {
            qb.push(" AND member_id = ").push_bind(m);
        }
        qb.push(" ORDER BY id");
        for row in qb.build().fetch_all(&mut *conn).await.db()? {
            let id: i64 = row.try_get("id").db()?;
            let path = path_of(row.try_get("org_path").db()?)?;
            let member: Option<i64> = row.try_get("member_id").db()?;
            let form: String = row.try_get("form").db()?;
            if let Some(f) = member.and_then(|m| out.member_facts.get_mut(&m)) {
                f.disciplines
                    .add(FactKind::Discipline, id, form.clone(), false);
            }
            for u in path.ids() {
                if let Some(f) = out.unit_facts.get_mut(&u.0) {
                    f.disciplines
                        .add(FactKind::Discipline, id, form.clone(), false);
                }
            }
        }
    }
    Ok(out)
}

/// A resolution's study in a unit's subtree: (symbol, rows, studied, rows with a check,
/// checks passed).
type StudyAggregate = (String, u32, u32, u32, u32);

/// Adds an aggregate (a resolution's study in a subtree) with one reference.
fn push_aggregate(t: &mut rules::Tally, doc: i64, sym: &str, n: u32, met: u32) {
    t.add_counts(n, met);
    if t.refs.len() < rules::MAX_REFS {
        t.refs.push(rules::FactRef {
            kind: FactKind::Study,
            id: doc,
            label: format!("{sym}: {met}/{n}"),
            met: met == n,
        });
    }
}

// ---- Evaluations ----------------------------------------------------------------------

const EVAL_SQL: &str = "SELECT e.id, e.period_id, ep.name AS period_name, ep.kind AS period_kind, \
     e.subject, e.org_id, e.org_path, o.name AS org_name, o.kind AS org_kind, \
     o.subtree_member_count AS size, e.member_id, m.full_name AS member_name, \
     e.decider_id, e.decider_path, dec.name AS decider_name, e.score, e.proposed_level, \
     e.breakdown, e.overdue_recs, e.computed_on, e.step, e.self_level, e.self_score, \
     e.self_text, e.self_at, su.display_name AS self_by, e.assessed_level, e.assess_text, \
     e.assessed_at, au.display_name AS assessed_by, e.final_level, e.decision_text, \
     e.decided_at, du.display_name AS decided_by \
     FROM evaluations e JOIN evaluation_periods ep ON ep.id = e.period_id \
     JOIN organizations o ON o.id = e.org_id \
     JOIN organizations dec ON dec.id = e.decider_id \
     LEFT JOIN members m ON m.id = e.member_id \
     LEFT JOIN users su ON su.id = e.self_by \
     LEFT JOIN users au ON au.id = e.assessed_by \
     LEFT JOIN users du ON du.id = e.decided_by";

const ROW_SQL: &str = "SELECT e.id, e.subject, e.org_id, e.org_path, o.name AS org_name, \
     o.kind AS org_kind, o.subtree_member_count AS size, e.member_id, m.full_name AS member_name, \
     e.decider_id, e.decider_path, e.score, e.proposed_level, e.overdue_recs, e.step, e.self_level, \
     e.assessed_level, e.final_level \
     FROM evaluations e JOIN organizations o ON o.id = e.org_id \
     LEFT JOIN members m ON m.id = e.member_id";

fn level_col(r: &DbRow, col: &str) -> Result<Option<Level>> {
    let v: Option<String> = r.try_get(col).db()?;
    v.map(|s| parse("level", s, Level::parse)).transpose()
}

fn step_of(s: &str) -> Option<Step> {
    [
        Step::Proposed,
        Step::SelfAssessed,
        Step::Assessed,
        Step::Decided,
    ]
    .into_iter()
    .find(|x| x.as_str() == s)
}

fn subject_of(r: &DbRow) -> Result<Subject> {
    Ok(Subject {
        kind: parse("subject", r.try_get("subject").db()?, SubjectKind::parse)?,
        path: path_of(r.try_get("org_path").db()?)?,
        member: r.try_get::<Option<i64>, _>("member_id").db()?.map(MemberId),
        decider: path_of(r.try_get("decider_path").db()?)?,
    })
}

fn eval_row(r: &DbRow) -> Result<EvaluationRow> {
    Ok(EvaluationRow {
        id: r.try_get("id").db()?,
        subject: parse("subject", r.try_get("subject").db()?, SubjectKind::parse)?,
        org_id: OrgId(r.try_get("org_id").db()?),
        org_name: r.try_get("org_name").db()?,
        org_kind: parse("kind", r.try_get("org_kind").db()?, OrgKind::parse)?,
        size: r.try_get("size").db()?,
        member_id: r.try_get::<Option<i64>, _>("member_id").db()?.map(MemberId),
        member_name: r.try_get("member_name").db()?,
        decider_id: OrgId(r.try_get("decider_id").db()?),
        score: r.try_get::<i64, _>("score").db()? as u32,
        proposed_level: parse("level", r.try_get("proposed_level").db()?, Level::parse)?,
        self_level: level_col(r, "self_level")?,
        assessed_level: level_col(r, "assessed_level")?,
        final_level: level_col(r, "final_level")?,
        step: parse("step", r.try_get("step").db()?, step_of)?,
        signals: Vec::new(),
    })
}

fn step_record(
    r: &DbRow,
    level: &str,
    text: &str,
    by: &str,
    at: &str,
) -> Result<Option<StepRecord>> {
    let Some(l) = level_col(r, level)? else {
        return Ok(None);
    };
    Ok(Some(StepRecord {
        level: l,
        text: r
            .try_get::<Option<String>, _>(text)
            .db()?
            .unwrap_or_default(),
        by: r.try_get(by).db()?,
        at: r.try_get::<OffsetDateTime, _>(at).db()?,
    }))
}

async fn eval_record(conn: &mut Conn, p: &Principal, id: i64) -> Result<EvaluationRecord> {
    let sql = format!("{EVAL_SQL} WHERE e.id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
    let s = subject_of(&r)?;
    if !rules::may_read(p, &s) {
        return Err(StoreError::NotFound);
    }
    let breakdown: String = r.try_get("breakdown").db()?;
    let proposal: Proposal =
        serde_json::from_str(&breakdown).map_err(|_| bad_data("breakdown", &breakdown))?;
    let step = parse("step", r.try_get("step").db()?, step_of)?;
    let decision = step_record(
        &r,
        "final_level",
        "decision_text",
        "decided_by",
        "decided_at",
    )?;
    let kind = parse(
        "period kind",
        r.try_get("period_kind").db()?,
        PeriodKind::parse,
    )?;
    let period_id: i64 = r.try_get("period_id").db()?;
    let history = history_of(
        conn,
        period_id,
        kind,
        &[(s.kind, last_id(&s.path), s.member.map(|m| m.0))],
    )
    .await?;
    let key = (s.kind, last_id(&s.path), s.member.map(|m| m.0));
    let overdue = r.try_get::<i64, _>("overdue_recs").db()? as u32;
    let signals = rules::signals_of(
        proposal.level,
        decision.as_ref().map(|d| d.level),
        history.get(&key).map_or(&[][..], Vec::as_slice),
        overdue,
    );
    Ok(EvaluationRecord {
        id,
        period_id,
        period_name: r.try_get("period_name").db()?,
        period_kind: kind,
        subject: s.kind,
        org_id: OrgId(r.try_get("org_id").db()?),
        org_path: s.path.clone(),
        org_name: r.try_get("org_name").db()?,
        member_id: s.member,
        member_name: r.try_get("member_name").db()?,
        decider_id: OrgId(r.try_get("decider_id").db()?),
        decider_name: r.try_get("decider_name").db()?,
        proposal,
        computed_on: r.try_get("computed_on").db()?,
        step,
        self_assessment: step_record(&r, "self_level", "self_text", "self_by", "self_at")?,
        self_score: r
            .try_get::<Option<i64>, _>("self_score")
            .db()?
            .map(|v| v as u32),
        assessment: step_record(
            &r,
            "assessed_level",
            "assess_text",
            "assessed_by",
            "assessed_at",
        )?,
        decision,
        signals,
        can_self_assess: step < Step::Assessed && rules::may_self_assess(p, &s),
        can_assess: (Step::SelfAssessed..Step::Decided).contains(&step) && rules::may_assess(p, &s),
        can_decide: step == Step::Assessed && rules::may_decide(p, &s),
    })
}

type SubjectKey = (SubjectKind, i64, Option<i64>);

/// The decided levels of subjects in the earlier periods of the same kind (ending before
/// this one's start), latest first.
async fn history_of(
    conn: &mut Conn,
    period: i64,
    kind: PeriodKind,
    subjects: &[SubjectKey],
) -> Result<HashMap<SubjectKey, Vec<Level>>> {
    let mut out: HashMap<SubjectKey, Vec<Level>> = HashMap::new();
    if subjects.is_empty() {
        return Ok(out);
    }
    let start: Date = sqlx::query_scalar("SELECT starts_on FROM evaluation_periods WHERE id = $1")
        .bind(period)
        .fetch_one(&mut *conn)
        .await
        .db()?;
    let units: Vec<i64> = subjects
        .iter()
        .filter(|k| k.0 == SubjectKind::Unit)
        .map(|k| k.1)
        .collect();
    let members: Vec<i64> = subjects.iter().filter_map(|k| k.2).collect();
    for (col, ids, subject) in [
        ("e.org_id", units, SubjectKind::Unit),
        ("e.member_id", members, SubjectKind::Member),
    ] {
        for chunk in ids.chunks(MAX_BINDS / 2) {
            if chunk.is_empty() {
                continue;
            }
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT e.org_id, e.member_id, e.final_level FROM evaluations e \
                 JOIN evaluation_periods ep ON ep.id = e.period_id \
                 WHERE e.final_level IS NOT NULL AND ep.kind = ",
            );
            qb.push_bind(kind.as_str())
                .push(" AND ep.ends_on < ")
                .push_bind(start)
                .push(" AND e.subject = ")
                .push_bind(subject.as_str())
                .push(" AND ")
                .push(col)
                .push(" IN ");
            push_ids(&mut qb, chunk.iter().copied());
            qb.push(" ORDER BY ep.ends_on DESC");
            for r in qb.build().fetch_all(&mut *conn).await.db()? {
                let org: i64 = r.try_get("org_id").db()?;
                let m: Option<i64> = r.try_get("member_id").db()?;
                let key = match subject {
                    SubjectKind::Unit => (subject, org, None),
                    // A member's history follows them, whatever their cell was.
                    SubjectKind::Member => (subject, 0, m),
                };
                if let Some(l) = level_col(&r, "final_level")? {
                    out.entry(key).or_default().push(l);
                }
            }
        }
    }
    // Members are asked for with their cell; answer under the asked key.
    let mut fixed = HashMap::new();
    for k in subjects {
        let hk = match k.0 {
            SubjectKind::Unit => (k.0, k.1, None),
            SubjectKind::Member => (k.0, 0, k.2),
        };
        if let Some(v) = out.get(&hk) {
            fixed.insert(*k, v.clone());
        }
    }
    Ok(fixed)
}

/// The state of a body's quota: its decided evaluations of a kind, except one.
async fn quota_state(
    conn: &mut Conn,
    period: i64,
    subject: SubjectKind,
    decider: i64,
    except: i64,
) -> Result<QuotaState> {
    let levels: Vec<String> = sqlx::query_scalar(
        "SELECT final_level FROM evaluations WHERE period_id = $1 AND subject = $2 \
         AND decider_id = $3 AND final_level IS NOT NULL AND id <> $4",
    )
    .bind(period)
    .bind(subject.as_str())
    .bind(decider)
    .bind(except)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    Ok(QuotaState::of(
        levels.iter().filter_map(|l| Level::parse(l)),
    ))
}

/// The framework of a period for a kind of subject.
async fn period_framework(conn: &mut Conn, period: i64, subject: SubjectKind) -> Result<Framework> {
    let col = match subject {
        SubjectKind::Unit => "unit_framework_id",
        SubjectKind::Member => "member_framework_id",
    };
    let sql = format!(
        "SELECT f.body FROM evaluation_periods ep JOIN evaluation_frameworks f ON f.id = ep.{col} \
         WHERE ep.id = $1"
    );
    let body: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(period)
        .fetch_one(&mut *conn)
        .await
        .db()?;
    fw_from_json(&body)
}

fn window(period: &EvaluationPeriod, today: Date) -> Window {
    Window {
        start: period.starts_on,
        end: period.ends_on,
        due_by: period.ends_on.min(today),
        today,
    }
}

/// Which step is being taken, for the shared write.
#[derive(Clone, Copy)]
enum Taking {
    SelfAssess,
    Assess,
    Decide,
}

impl Backend {
    async fn take_step(
        &self,
        p: &Principal,
        id: i64,
        input: StepInput,
        taking: Taking,
    ) -> Result<EvaluationRecord> {
        let mut tx = self.begin().await?;
        let sql = format!("{ROW_SQL} WHERE e.id = $1");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .db()?
            .ok_or(StoreError::NotFound)?;
        let s = subject_of(&r)?;
        let row = eval_row(&r)?;
        let step = match taking {
            Taking::SelfAssess => Step::SelfAssessed,
            Taking::Assess => Step::Assessed,
            Taking::Decide => Step::Decided,
        };
        rules::check_step(p, &s, row.step, step)?;
        let above = input.level > row.proposed_level;
        let text = rules::check_text(
            "text",
            &input.text,
            matches!(taking, Taking::Decide) && above,
        )?;
        if let Some(sc) = input.score
            && sc > 1000
        {
            return Err(Invalid::one("score", "bad_number").into());
        }
        let period: i64 = sqlx::query_scalar("SELECT period_id FROM evaluations WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .db()?;
        if let Taking::Decide = taking {
            let fw = period_framework(&mut tx, period, s.kind).await?;
            let state = quota_state(&mut tx, period, s.kind, row.decider_id.0, id).await?;
            if rules::check_quota(&fw.quota, state, None, input.level).is_err() {
                return Err(StoreError::Conflict("evaluation_quota"));
            }
        }
        let (cols, action) = match taking {
            Taking::SelfAssess => (
                "self_level = $1, self_text = $2, self_by = $3, self_at = $4",
                "self_assess",
            ),
            Taking::Assess => (
                "assessed_level = $1, assess_text = $2, assessed_by = $3, assessed_at = $4",
                "assess",
            ),
            Taking::Decide => (
                "final_level = $1, decision_text = $2, decided_by = $3, decided_at = $4",
                "decide",
            ),
        };
        let next = match taking {
            // A self-assessment may be redone until the assessment; it never moves the
            // step back.
            Taking::SelfAssess => row.step.max(Step::SelfAssessed),
            _ => step,
        };
        let counter = match taking {
            Taking::SelfAssess if row.self_level.is_none() => Some("n_self"),
            Taking::Assess if row.assessed_level.is_none() => Some("n_assessed"),
            Taking::Decide => Some("n_decided"),
            _ => None,
        };
        if let Some(c) = counter {
            let sql = format!("UPDATE evaluation_periods SET {c} = {c} + 1 WHERE id = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(period)
                .execute(&mut *tx)
                .await
                .db()?;
        }
        let sql = format!(
            "UPDATE evaluations SET {cols}, self_score = COALESCE($5, self_score), step = $6 \
             WHERE id = $7"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(input.level.as_str())
            .bind(&text)
            .bind(user_id_of(p))
            .bind(now())
            .bind(match taking {
                Taking::SelfAssess => input.score.map(i64::from),
                _ => None,
            })
            .bind(next.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await
            .db()?;
        audit(
            &mut tx,
            p,
            action,
            "evaluation",
            id,
            Some(&s.path),
            Some(json!({"step": row.step, "self_level": row.self_level,
                "assessed_level": row.assessed_level, "final_level": row.final_level})),
            Some(json!({"step": next, "level": input.level, "text": text,
                "score": input.score, "proposed_level": row.proposed_level})),
        )
        .await?;
        let out = eval_record(&mut tx, p, id).await?;
        tx.commit().await.db()?;
        Ok(out)
    }
}

/// A subject's computed proposal, ready to store.
struct Computed {
    subject: SubjectKind,
    org_id: i64,
    org_path: OrgPath,
    member_id: Option<i64>,
    decider_path: OrgPath,
    proposal: Proposal,
    overdue: u32,
}

fn compute_all(loaded: Loaded, unit_fw: &Framework, member_fw: &Framework) -> Vec<Computed> {
    let mut out = Vec::with_capacity(loaded.units.len() + loaded.members.len());
    let Loaded {
        units,
        mut unit_facts,
        members,
        mut member_facts,
        kinds,
    } = loaded;
    for u in units {
        let f = unit_facts.remove(&u.id).unwrap_or_default();
        let _ = u.kind;
        out.push(Computed {
            subject: SubjectKind::Unit,
            org_id: u.id,
            decider_path: u.path.parent_or_self(),
            org_path: u.path,
            member_id: None,
            proposal: rules::propose(unit_fw, &f),
            overdue: f.overdue_recommendations,
        });
    }
    for (m, cell, cell_path) in members {
        let f = member_facts.remove(&m).unwrap_or_default();
        out.push(Computed {
            subject: SubjectKind::Member,
            org_id: cell,
            decider_path: member_decider(&cell_path, kinds.get(&cell).copied()),
            org_path: cell_path,
            member_id: Some(m),
            proposal: rules::propose(member_fw, &f),
            overdue: f.overdue_recommendations,
        });
    }
    out
}

#[async_trait]
impl EvaluationStore for Backend {
    async fn evaluation_frameworks(
        &self,
        p: &Principal,
        org: OrgId,
    ) -> Result<Vec<FrameworkRecord>> {
        let mut conn = self.reader().await?;
        let o = org_readable(&mut conn, p, org).await?;
        let mut qb = QueryBuilder::<Db>::new(FW_SQL);
        qb.push(" WHERE f.org_id IN ");
        push_ids(&mut qb, o.path.ids().into_iter().map(|i| i.0));
        qb.push(" ORDER BY f.subject, f.name, f.version DESC");
        let rows = qb.build().fetch_all(&mut *conn).await.db()?;
        rows.iter().map(|r| fw_row(r).map(|x| x.0)).collect()
    }

    async fn evaluation_framework(&self, p: &Principal, id: i64) -> Result<FrameworkRecord> {
        let mut conn = self.reader().await?;
        let (fw, path) = fw_by_id(&mut conn, id).await?;
        if !p.sees_or_leads_to(&path) {
            return Err(StoreError::NotFound);
        }
        Ok(fw)
    }

    async fn save_evaluation_framework(
        &self,
        p: &Principal,
        org: OrgId,
        framework: Framework,
    ) -> Result<FrameworkRecord> {
        let mut tx = self.begin().await?;
        let o = org_for_write(&mut tx, p, org, Permission::EditOrgs).await?;
        require_active(&o)?;
        let id = insert_framework(&mut tx, p, o.id, &o.path, &framework).await?;
        let (out, _) = fw_by_id(&mut tx, id).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn create_evaluation_period(
        &self,
        p: &Principal,
        new: NewPeriod,
    ) -> Result<EvaluationPeriod> {
        let mut tx = self.begin().await?;
        let o = org_for_write(&mut tx, p, new.org, Permission::EditOrgs).await?;
        require_active(&o)?;
        let mut inv = Invalid::default();
        let name = inv.take(validate::name("name", &new.name, MAX_NAME));
        if new.ends_on < new.starts_on {
            inv.push("ends_on", "evaluation_dates");
        }
        let name = inv.into_result(name)?.expect("checked");
        let mut ids = [0i64; 2];
        for (i, (given, subject)) in [
            (new.unit_framework, SubjectKind::Unit),
            (new.member_framework, SubjectKind::Member),
        ]
        .into_iter()
        .enumerate()
        {
            ids[i] = match given {
                Some(id) => {
                    let (fw, path) = fw_by_id(&mut tx, id).await?;
                    // A framework of this unit or of one above it, for the right subject.
                    if !path.covers(&o.path) {
                        return Err(StoreError::NotFound);
                    }
                    if fw.framework.subject != subject {
                        return Err(
                            Invalid::one("framework", "evaluation_framework_subject").into()
                        );
                    }
                    id
                }
                None => {
                    insert_framework(&mut tx, p, o.id, &o.path, &Framework::default_for(subject))
                        .await?
                }
            };
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO evaluation_periods (province_id, org_id, org_path, kind, name, starts_on, \
             ends_on, unit_framework_id, member_framework_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(province_of(&o.path))
        .bind(o.id.0)
        .bind(o.path.as_str())
        .bind(new.kind.as_str())
        .bind(&name)
        .bind(new.starts_on)
        .bind(new.ends_on)
        .bind(ids[0])
        .bind(ids[1])
        .bind(user_id_of(p))
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "create",
            "evaluation_period",
            id,
            Some(&o.path),
            None,
            Some(json!({"org_id": o.id, "kind": new.kind, "name": name,
                "starts_on": new.starts_on.to_string(), "ends_on": new.ends_on.to_string(),
                "unit_framework_id": ids[0], "member_framework_id": ids[1]})),
        )
        .await?;
        let out = period_by_id(&mut tx, p, id).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn evaluation_periods(&self, p: &Principal, org: OrgId) -> Result<Vec<EvaluationPeriod>> {
        let mut conn = self.reader().await?;
        let o = org_readable(&mut conn, p, org).await?;
        let mut qb = QueryBuilder::<Db>::new(PERIOD_SQL);
        qb.push(" WHERE ep.org_id IN ");
        push_ids(&mut qb, o.path.ids().into_iter().map(|i| i.0));
        qb.push(" ORDER BY ep.ends_on DESC, ep.id DESC");
        let rows = qb.build().fetch_all(&mut *conn).await.db()?;
        rows.iter().map(|r| period_row(r, p)).collect()
    }

    async fn evaluation_period(&self, p: &Principal, id: i64) -> Result<EvaluationPeriod> {
        let mut conn = self.reader().await?;
        period_by_id(&mut conn, p, id).await
    }

    async fn compute_evaluations(
        &self,
        p: &Principal,
        period: i64,
        today: Date,
        progress: Progress<'_>,
    ) -> Result<ComputeReport> {
        let mut tx = self.begin().await?;
        let per = period_by_id(&mut tx, p, period).await?;
        p.ensure_write(Permission::EditOrgs, &per.org_path)?;
        let unit_fw = period_framework(&mut tx, period, SubjectKind::Unit).await?;
        let member_fw = period_framework(&mut tx, period, SubjectKind::Member).await?;
        let w = window(&per, today);
        let loaded = load(&mut tx, &per.org_path, &per.org_path, &w, None).await?;
        let computed = compute_all(loaded, &unit_fw, &member_fw);
        let total = computed.len() as u64;
        progress(0, total);
        // What exists: (subject key) → (id, step).
        let rows =
            sqlx::query("SELECT id, org_id, member_id, step FROM evaluations WHERE period_id = $1")
                .bind(period)
                .fetch_all(&mut *tx)
                .await
                .db()?;
        let mut existing: HashMap<(i64, Option<i64>), (i64, bool)> = HashMap::new();
        for r in rows {
            let org: i64 = r.try_get("org_id").db()?;
            let m: Option<i64> = r.try_get("member_id").db()?;
            let step: String = r.try_get("step").db()?;
            // Members are keyed by themselves (their cell may have changed).
            let key = if m.is_some() { (0, m) } else { (org, None) };
            existing.insert(key, (r.try_get("id").db()?, step == "decided"));
        }
        let mut report = ComputeReport::default();
        let mut fresh: Vec<&Computed> = Vec::new();
        let mut done = 0u64;
        for c in &computed {
            match c.subject {
                SubjectKind::Unit => report.units += 1,
                SubjectKind::Member => report.members += 1,
            }
            let key = if c.member_id.is_some() {
                (0, c.member_id)
            } else {
                (c.org_id, None)
            };
            match existing.get(&key) {
                None => fresh.push(c),
                Some((_, true)) => {
                    report.kept += 1;
                    done += 1;
                }
                Some((id, false)) => {
                    let breakdown = serde_json::to_string(&c.proposal)
                        .map_err(|e| StoreError::Backend(e.to_string()))?;
                    sqlx::query(
                        "UPDATE evaluations SET score = $1, proposed_level = $2, breakdown = $3, \
                         overdue_recs = $4, computed_on = $5, org_id = $6, org_path = $7, \
                         decider_id = $8, decider_path = $9 WHERE id = $10",
                    )
                    .bind(i64::from(c.proposal.score))
                    .bind(c.proposal.level.as_str())
                    .bind(&breakdown)
                    .bind(i64::from(c.overdue))
                    .bind(today)
                    .bind(c.org_id)
                    .bind(c.org_path.as_str())
                    .bind(last_id(&c.decider_path))
                    .bind(c.decider_path.as_str())
                    .bind(*id)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                    done += 1;
                    if done.is_multiple_of(2000) {
                        progress(done, total);
                    }
                }
            }
        }
        const COLS: usize = 15;
        let province = province_of(&per.org_path);
        for chunk in fresh.chunks(MAX_BINDS / COLS) {
            let ids = dialect::next_ids(&mut tx, "evaluations", chunk.len()).await?;
            let mut qb = QueryBuilder::<Db>::new(
                "INSERT INTO evaluations (id, province_id, period_id, subject, org_id, org_path, \
                 member_id, decider_id, decider_path, score, proposed_level, breakdown, \
                 overdue_recs, computed_on, step) ",
            );
            let mut bad = None;
            qb.push_values(chunk.iter().zip(ids), |mut b, (c, id)| {
                let breakdown = serde_json::to_string(&c.proposal).unwrap_or_else(|e| {
                    bad = Some(e.to_string());
                    String::new()
                });
                b.push_bind(id)
                    .push_bind(province)
                    .push_bind(period)
                    .push_bind(c.subject.as_str())
                    .push_bind(c.org_id)
                    .push_bind(c.org_path.as_str().to_owned())
                    .push_bind(c.member_id)
                    .push_bind(last_id(&c.decider_path))
                    .push_bind(c.decider_path.as_str().to_owned())
                    .push_bind(i64::from(c.proposal.score))
                    .push_bind(c.proposal.level.as_str())
                    .push_bind(breakdown)
                    .push_bind(i64::from(c.overdue))
                    .push_bind(today)
                    .push_bind(Step::Proposed.as_str());
            });
            if let Some(e) = bad {
                return Err(StoreError::Backend(e));
            }
            qb.build().execute(&mut *tx).await.db()?;
            done += chunk.len() as u64;
            progress(done, total);
        }
        sqlx::query(
            "UPDATE evaluation_periods SET computed_on = $1, \
             n_units = (SELECT COUNT(*) FROM evaluations WHERE period_id = $2 AND subject = 'unit'), \
             n_members = (SELECT COUNT(*) FROM evaluations WHERE period_id = $2 AND subject = 'member') \
             WHERE id = $2",
        )
        .bind(today)
        .bind(period)
            .execute(&mut *tx)
            .await
            .db()?;
        audit(
            &mut tx,
            p,
            "compute",
            "evaluation_period",
            period,
            Some(&per.org_path),
            None,
            Some(json!({"as_of": today.to_string(), "units": report.units,
                "members": report.members, "kept": report.kept})),
        )
        .await?;
        tx.commit().await.db()?;
        progress(total, total);
        Ok(report)
    }

    async fn recompute_evaluation(&self, p: &Principal, id: i64, today: Date) -> Result<Proposal> {
        let mut conn = self.reader().await?;
        let rec = eval_record(&mut conn, p, id).await?;
        let per = period_by_id(&mut conn, &Principal::system(), rec.period_id).await?;
        let fw = period_framework(&mut conn, rec.period_id, rec.subject).await?;
        let w = window(&per, today);
        let loaded = load(
            &mut conn,
            &per.org_path,
            &rec.org_path,
            &w,
            rec.member_id.map(|m| m.0),
        )
        .await?;
        let f = match rec.member_id {
            Some(m) => loaded.member_facts.get(&m.0).cloned(),
            None => loaded.unit_facts.get(&rec.org_id.0).cloned(),
        }
        .unwrap_or_default();
        Ok(rules::propose(&fw, &f))
    }

    async fn evaluation(&self, p: &Principal, id: i64) -> Result<EvaluationRecord> {
        let mut conn = self.reader().await?;
        eval_record(&mut conn, p, id).await
    }

    async fn evaluation_ranking(
        &self,
        p: &Principal,
        period: i64,
        org: OrgId,
        subject: SubjectKind,
    ) -> Result<Ranking> {
        let mut conn = self.reader().await?;
        let per = period_by_id(&mut conn, p, period).await?;
        let o = org_readable(&mut conn, p, org).await?;
        let mut qb = QueryBuilder::<Db>::new(ROW_SQL);
        qb.push(" WHERE e.period_id = ")
            .push_bind(period)
            .push(" AND e.subject = ")
            .push_bind(subject.as_str());
        push_subtree(&mut qb, "e.org_path", &o.path);
        if subject == SubjectKind::Unit {
            qb.push(" AND e.org_id <> ").push_bind(o.id.0);
        }
        push_scope(&mut qb, "e.org_path", p, Permission::Read);
        qb.push(" ORDER BY e.score DESC, e.id");
        let mut rows = Vec::new();
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            if subject == SubjectKind::Member && !rules::may_read(p, &subject_of(&r)?) {
                continue;
            }
            let overdue = r.try_get::<i64, _>("overdue_recs").db()? as u32;
            let mut row = eval_row(&r)?;
            row.signals = vec![];
            rows.push((row, overdue));
        }
        let keys: Vec<SubjectKey> = rows
            .iter()
            .filter(|(r, _)| r.final_level.is_some())
            .map(|(r, _)| (r.subject, r.org_id.0, r.member_id.map(|m| m.0)))
            .collect();
        let history = history_of(&mut conn, period, per.kind, &keys).await?;
        let mut by_level = [0i64; 5];
        let mut pairs = Vec::new();
        let rows = rows
            .into_iter()
            .map(|(mut r, overdue)| {
                let key = (r.subject, r.org_id.0, r.member_id.map(|m| m.0));
                r.signals = rules::signals_of(
                    r.proposed_level,
                    r.final_level,
                    history.get(&key).map_or(&[][..], Vec::as_slice),
                    overdue,
                );
                match r.final_level {
                    Some(l) => {
                        by_level[Level::ALL.iter().position(|x| *x == l).unwrap_or(4)] += 1;
                        pairs.push((r.self_level, l));
                    }
                    None => by_level[4] += 1,
                }
                r
            })
            .collect();
        Ok(Ranking {
            period: per,
            org_id: o.id,
            org_name: o.name,
            subject,
            rows,
            by_level,
            body_signals: rules::body_signals(&pairs),
        })
    }

    async fn my_evaluations(
        &self,
        p: &Principal,
    ) -> Result<Vec<(EvaluationPeriod, EvaluationRow)>> {
        let Some(m) = p.member_id else {
            return Ok(Vec::new());
        };
        let mut conn = self.reader().await?;
        let sql = format!("{ROW_SQL} WHERE e.member_id = $1 ORDER BY e.id DESC");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(m.0)
            .fetch_all(&mut *conn)
            .await
            .db()?;
        let mut out = Vec::new();
        for r in rows {
            let row = eval_row(&r)?;
            let period: i64 = sqlx::query_scalar("SELECT period_id FROM evaluations WHERE id = $1")
                .bind(row.id)
                .fetch_one(&mut *conn)
                .await
                .db()?;
            let per = period_by_id(&mut conn, &Principal::system(), period).await?;
            out.push((per, row));
        }
        Ok(out)
    }

    async fn self_assess(
        &self,
        p: &Principal,
        id: i64,
        input: StepInput,
    ) -> Result<EvaluationRecord> {
        self.take_step(p, id, input, Taking::SelfAssess).await
    }

    async fn assess_evaluation(
        &self,
        p: &Principal,
        id: i64,
        input: StepInput,
    ) -> Result<EvaluationRecord> {
        self.take_step(p, id, input, Taking::Assess).await
    }

    async fn decide_evaluation(
        &self,
        p: &Principal,
        id: i64,
        input: StepInput,
    ) -> Result<EvaluationRecord> {
        self.take_step(p, id, input, Taking::Decide).await
    }

    async fn evaluation_quota(&self, p: &Principal, id: i64) -> Result<QuotaInfo> {
        let mut conn = self.reader().await?;
        let rec = eval_record(&mut conn, p, id).await?;
        let fw = period_framework(&mut conn, rec.period_id, rec.subject).await?;
        let state =
            quota_state(&mut conn, rec.period_id, rec.subject, rec.decider_id.0, id).await?;
        Ok(QuotaInfo {
            decider_id: rec.decider_id,
            quota: fw.quota,
            state,
            if_excellent: rules::check_quota(&fw.quota, state, None, Level::Excellent),
        })
    }

    async fn record_discipline(&self, p: &Principal, new: NewDiscipline) -> Result<i64> {
        let mut tx = self.begin().await?;
        let o = org_for_write(&mut tx, p, new.org, Permission::EditPeople).await?;
        let mut inv = Invalid::default();
        let form = inv.take(validate::name("form", &new.form, 100));
        let decision_no = inv
            .take(validate::optional("decision_no", &new.decision_no, 100))
            .flatten();
        let note = match rules::check_text("note", &new.note, false) {
            Ok(n) => Some(n),
            Err(e) => {
                inv.0.extend(e.0);
                None
            }
        };
        // A member's measure is kept on their cell: the cell and every unit above it
        // count it ("no sub-unit or member disciplined").
        let mut at = (o.id, o.path.clone());
        if let Some(m) = new.member {
            let cell = sqlx::query("SELECT cell_id, cell_path FROM members WHERE id = $1")
                .bind(m.0)
                .fetch_optional(&mut *tx)
                .await
                .db()?;
            match cell {
                Some(r) => {
                    let path = path_of(r.try_get("cell_path").db()?)?;
                    if o.path.covers(&path) {
                        at = (OrgId(r.try_get("cell_id").db()?), path);
                    } else {
                        inv.push("member", "not_found");
                    }
                }
                None => inv.push("member", "not_found"),
            }
        }
        let (form, note) = inv.into_result((form, note))?;
        let (form, note) = (form.expect("checked"), note.expect("checked"));
        let decision_no = decision_no.unwrap_or_default();
        let (org_id, path) = at;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO discipline_records (province_id, org_id, org_path, member_id, form, \
             decided_on, decision_no, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(province_of(&path))
        .bind(org_id.0)
        .bind(path.as_str())
        .bind(new.member.map(|m| m.0))
        .bind(&form)
        .bind(new.decided_on)
        .bind(&decision_no)
        .bind(&note)
        .bind(user_id_of(p))
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "create",
            "discipline_record",
            id,
            Some(&path),
            None,
            Some(
                json!({"org_id": org_id, "member_id": new.member, "form": form,
                "decided_on": new.decided_on.to_string(), "decision_no": decision_no,
                "note": note}),
            ),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(id)
    }

    async fn discipline_records(&self, p: &Principal, org: OrgId) -> Result<Vec<DisciplineRecord>> {
        let mut conn = self.reader().await?;
        let o = org_readable(&mut conn, p, org).await?;
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT d.id, d.org_id, d.org_path, o.name AS org_name, d.member_id, \
             m.full_name AS member_name, d.form, d.decided_on, d.decision_no, d.note, \
             u.display_name AS created_by, d.created_at FROM discipline_records d \
             JOIN organizations o ON o.id = d.org_id \
             LEFT JOIN members m ON m.id = d.member_id \
             LEFT JOIN users u ON u.id = d.created_by WHERE 1 = 1",
        );
        push_subtree(&mut qb, "d.org_path", &o.path);
        push_scope(&mut qb, "d.org_path", p, Permission::Read);
        qb.push(" ORDER BY d.decided_on DESC, d.id DESC");
        let mut out = Vec::new();
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            let path = path_of(r.try_get("org_path").db()?)?;
            let member = r.try_get::<Option<i64>, _>("member_id").db()?.map(MemberId);
            let subject = Subject {
                kind: if member.is_some() {
                    SubjectKind::Member
                } else {
                    SubjectKind::Unit
                },
                decider: path.clone(),
                path,
                member,
            };
            if !rules::may_read(p, &subject) {
                continue;
            }
            out.push(DisciplineRecord {
                id: r.try_get("id").db()?,
                org_id: OrgId(r.try_get("org_id").db()?),
                org_name: r.try_get("org_name").db()?,
                member_id: member,
                member_name: r.try_get("member_name").db()?,
                form: r.try_get("form").db()?,
                decided_on: r.try_get("decided_on").db()?,
                decision_no: r.try_get("decision_no").db()?,
                note: r.try_get("note").db()?,
                created_by: r.try_get("created_by").db()?,
                created_at: r.try_get("created_at").db()?,
            });
        }
        Ok(out)
    }
}

/// Restructuring: the paths of a moved subtree's frameworks, periods, evaluations (the
/// subject's and the deciding body's) and disciplinary records follow it.
pub(crate) async fn move_paths(conn: &mut Conn, old: &OrgPath, new: &OrgPath) -> Result<()> {
    for (table, col) in [
        ("evaluation_frameworks", "org_path"),
        ("evaluation_periods", "org_path"),
        ("evaluations", "org_path"),
        ("evaluations", "decider_path"),
        ("discipline_records", "org_path"),
    ] {
        let r = old.subtree();
        let sql = format!(
            "UPDATE {table} SET {col} = $1 || substr({col}, $2) WHERE {col} >= $3 AND {col} < $4"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(new.as_str())
            .bind(dialect::SqlInt::try_from(old.as_str().len() + 1).expect("a path is short"))
            .bind(r.start)
            .bind(r.end)
            .execute(&mut *conn)
            .await
            .db()?;
    }
    Ok(())
}
