//! Reports and reviews ([`store::ReportStore`], issue 13): a unit's periodic reports, its
//! interim and final reviews, their factual part generated from the record, and the upper
//! level's view of its lower units' reports.
//!
//! The store loads, calls the rule in `domain::report`, writes and audits in one
//! transaction. Submitting a periodic report of a unit reached by a cascade fills its period
//! in the unit's report ledger (`cascades::load_report_dates` reads `reports`), so the
//! unit's stored report state and the rollups of its ancestors change in the same
//! transaction; submitting an interim review records `interim_reviewed_on`.
//!
//! The factual part is read set-based: the dashboard and study figures from the rollups,
//! the tasks done per week from `rollup_done_weeks`, bounded lists (overdue tasks, evidence
//! gaps) and two counts over the period's progress updates.

use crate::dialect::{Backend, Conn, Db, DbRow};
use crate::sql::cascades::{
    CASCADE_COLS, CU_COLS, CU_FROM, UnitRow, deadlines_row, load_report_dates, unit_row,
};
use crate::sql::dashboards::apply_delta;
use crate::sql::documents::doc_readable;
use crate::sql::orgs::{org_by_id, org_readable, require_active};
use crate::sql::programs::{load_tasks, new_draft, program_by_id};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::report::{
    self, Conference, Decision, DecisionKind, ReportKind, ReportPeriod, ReportSections, ReportState,
};
use domain::{
    CascadeDeadlines, ContentKey, DocumentId, FiledReport, OrgId, OrgPath, Principal, ProgramId,
    TaskDraft, TaskId,
};
use serde_json::json;
use sqlx::{QueryBuilder, Row};
use store::*;
use time::{Date, Duration};

/// Overdue tasks and evidence gaps listed in a factual part (the totals are exact).
const FACT_LIST_LIMIT: u32 = 50;

const REPORT_COLS: &str = "r.id, r.org_id, o.path AS org_path, o.name AS org_name, \
     r.root_document_id, d.symbol AS doc_symbol, d.title AS doc_title, r.cascade_unit_id, \
     r.kind, r.period_start, r.period_end, r.due_on, r.state, r.supersedes, r.superseded_by, \
     r.symbol, r.assessment_md, r.causes_md, r.lessons_md, r.proposals_md, r.facts_json, \
     r.held_on, r.chair, r.invited, r.present, r.file_key, r.file_name, \
     eb.evidence_type AS file_type, r.submitted_on, \
     r.late, r.created_at, r.updated_at";

const REPORT_FROM: &str = " FROM reports r JOIN organizations o ON o.id = r.org_id \
     JOIN documents d ON d.id = r.root_document_id \
     LEFT JOIN evidence_blobs eb ON eb.key = r.file_key";

fn report_row(r: &DbRow) -> Result<ReportRecord> {
    let kind: String = r.try_get("kind").db()?;
    let state: String = r.try_get("state").db()?;
    let facts: Option<String> = r.try_get("facts_json").db()?;
    let held_on: Option<Date> = r.try_get("held_on").db()?;
    let conference = match held_on {
        Some(held_on) => Some(Conference {
            held_on,
            chair: r
                .try_get::<Option<String>, _>("chair")
                .db()?
                .unwrap_or_default(),
            invited: r.try_get::<Option<i64>, _>("invited").db()?.unwrap_or(0) as u32,
            present: r.try_get::<Option<i64>, _>("present").db()?.unwrap_or(0) as u32,
        }),
        None => None,
    };
    let file_key: Option<String> = r.try_get("file_key").db()?;
    let file = match file_key {
        Some(k) => Some((
            ContentKey::parse(&k).ok_or_else(|| bad_data("file_key", &k))?,
            {
                let t: String = r
                    .try_get::<Option<String>, _>("file_type")
                    .db()?
                    .unwrap_or_default();
                domain::EvidenceType::parse(&t).ok_or_else(|| bad_data("file_type", &t))?
            },
            r.try_get::<Option<String>, _>("file_name")
                .db()?
                .unwrap_or_default(),
        )),
        None => None,
    };
    Ok(ReportRecord {
        id: ReportId(r.try_get("id").db()?),
        org_id: OrgId(r.try_get("org_id").db()?),
        org_path: path_of(r.try_get("org_path").db()?)?,
        org_name: r.try_get("org_name").db()?,
        root_document_id: DocumentId(r.try_get("root_document_id").db()?),
        document_symbol: r.try_get("doc_symbol").db()?,
        document_title: r.try_get("doc_title").db()?,
        cascade_unit_id: r
            .try_get::<Option<i64>, _>("cascade_unit_id")
            .db()?
            .map(CascadeUnitId),
        kind: ReportKind::parse(&kind).ok_or_else(|| bad_data("kind", &kind))?,
        period: ReportPeriod {
            start: r.try_get("period_start").db()?,
            end: r.try_get("period_end").db()?,
            due: r.try_get("due_on").db()?,
        },
        state: ReportState::parse(&state).ok_or_else(|| bad_data("state", &state))?,
        supersedes: r
            .try_get::<Option<i64>, _>("supersedes")
            .db()?
            .map(ReportId),
        superseded_by: r
            .try_get::<Option<i64>, _>("superseded_by")
            .db()?
            .map(ReportId),
        symbol: r.try_get("symbol").db()?,
        sections: ReportSections {
            assessment: r.try_get("assessment_md").db()?,
            causes: r.try_get("causes_md").db()?,
            lessons: r.try_get("lessons_md").db()?,
            proposals: r.try_get("proposals_md").db()?,
        },
        facts: match facts {
            Some(j) => Some(serde_json::from_str(&j).map_err(|_| bad_data("facts_json", "json"))?),
            None => None,
        },
        conference,
        file,
        decisions: Vec::new(),
        submitted_on: r.try_get("submitted_on").db()?,
        late: r.try_get("late").db()?,
        created_at: r.try_get("created_at").db()?,
        updated_at: r.try_get("updated_at").db()?,
    })
}

fn summary_of(r: &ReportRecord) -> ReportSummary {
    ReportSummary {
        id: r.id,
        org_id: r.org_id,
        org_name: r.org_name.clone(),
        kind: r.kind,
        period: r.period,
        state: r.state,
        symbol: r.symbol.clone(),
        submitted_on: r.submitted_on,
        late: r.late,
    }
}

async fn load_decisions(conn: &mut Conn, reports: &mut [ReportRecord]) -> Result<()> {
    if reports.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT id, report_id, kind, subject, reason, deadline, program_id \
         FROM report_decisions WHERE report_id IN ",
    );
    push_ids(&mut qb, reports.iter().map(|r| r.id.0));
    qb.push(" ORDER BY report_id, position");
    for row in qb.build().fetch_all(&mut *conn).await.db()? {
        let rid: i64 = row.try_get("report_id").db()?;
        let kind: String = row.try_get("kind").db()?;
        let d = DecisionRecord {
            id: row.try_get("id").db()?,
            decision: Decision {
                kind: DecisionKind::parse(&kind).ok_or_else(|| bad_data("kind", &kind))?,
                subject: row.try_get("subject").db()?,
                reason: row.try_get("reason").db()?,
                deadline: row.try_get("deadline").db()?,
            },
            program_id: row
                .try_get::<Option<i64>, _>("program_id")
                .db()?
                .map(ProgramId),
        };
        if let Some(r) = reports.iter_mut().find(|r| r.id.0 == rid) {
            r.decisions.push(d);
        }
    }
    Ok(())
}

async fn report_by_id(conn: &mut Conn, id: ReportId) -> Result<Option<ReportRecord>> {
    let sql = format!("SELECT {REPORT_COLS}{REPORT_FROM} WHERE r.id = $1");
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .db()?
    else {
        return Ok(None);
    };
    let mut list = vec![report_row(&row)?];
    load_decisions(conn, &mut list).await?;
    Ok(list.pop())
}

async fn report_readable(conn: &mut Conn, p: &Principal, id: ReportId) -> Result<ReportRecord> {
    let r = report_by_id(conn, id).await?.ok_or(StoreError::NotFound)?;
    p.ensure_read(&r.org_path)?;
    Ok(r)
}

async fn report_for_write(conn: &mut Conn, p: &Principal, id: ReportId) -> Result<ReportRecord> {
    let r = report_by_id(conn, id).await?.ok_or(StoreError::NotFound)?;
    report::may_write(p, &r.org_path)?;
    Ok(r)
}

async fn reports_where(
    conn: &mut Conn,
    filter: impl FnOnce(&mut QueryBuilder<Db>),
) -> Result<Vec<ReportRecord>> {
    let mut qb = QueryBuilder::<Db>::new(format!("SELECT {REPORT_COLS}{REPORT_FROM} WHERE "));
    filter(&mut qb);
    let mut list = qb
        .build()
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(report_row)
        .collect::<Result<Vec<_>>>()?;
    load_decisions(conn, &mut list).await?;
    Ok(list)
}

/// The unit's row on the chain (with its filed reports), if a cascade reached it.
async fn cascade_unit_of(conn: &mut Conn, org: OrgId, root: DocumentId) -> Result<Option<UnitRow>> {
    let sql =
        format!("SELECT {CU_COLS}{CU_FROM} WHERE cu.root_document_id = $1 AND cu.org_id = $2");
    let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(root.0)
        .bind(org.0)
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

/// The schedule a unit reports on: its cascade row's deadlines, else those of the first
/// cascade it issued on the chain (the issuer reports on the schedule it set).
async fn schedule_of(
    conn: &mut Conn,
    org: OrgId,
    root: DocumentId,
) -> Result<(Option<UnitRow>, Option<CascadeDeadlines>)> {
    if let Some(u) = cascade_unit_of(conn, org, root).await? {
        let d = u.unit.deadlines.clone();
        return Ok((Some(u), Some(d)));
    }
    let sql = format!(
        "SELECT {CASCADE_COLS} FROM cascades c WHERE c.root_document_id = $1 \
         AND c.issuer_org_id = $2 ORDER BY c.id LIMIT 1"
    );
    let d = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(root.0)
        .bind(org.0)
        .fetch_optional(&mut *conn)
        .await
        .db()?
        .as_ref()
        .map(deadlines_row)
        .transpose()?;
    Ok((None, d))
}

/// The unit's submitted periodic reports on the chain, first submission per period.
async fn filed_reports(conn: &mut Conn, org: OrgId, root: DocumentId) -> Result<Vec<FiledReport>> {
    let rows = sqlx::query(
        "SELECT period_start, MIN(submitted_on) AS filed_on FROM reports WHERE org_id = $1 \
         AND root_document_id = $2 AND kind = 'periodic' AND state <> 'draft' \
         GROUP BY period_start",
    )
    .bind(org.0)
    .bind(root.0)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    rows.iter()
        .map(|r| {
            Ok(FiledReport {
                period_start: r.try_get("period_start").db()?,
                filed_on: r.try_get("filed_on").db()?,
            })
        })
        .collect()
}

/// Numbers used in the unit's report series for the term: its reports and the report
/// documents registered by hand.
async fn used_numbers(conn: &mut Conn, org: OrgId, term: &str) -> Result<Vec<u32>> {
    let mut used: Vec<i64> = sqlx::query_scalar(
        "SELECT number FROM reports WHERE org_id = $1 AND term = $2 AND number IS NOT NULL",
    )
    .bind(org.0)
    .bind(term)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    let docs: Vec<i64> = sqlx::query_scalar(
        "SELECT number FROM documents WHERE issuer_org_id = $1 AND doc_type = $2 AND term = $3",
    )
    .bind(org.0)
    .bind(domain::DocumentType::Report.as_str())
    .bind(term)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    used.extend(docs);
    Ok(used
        .into_iter()
        .filter_map(|n| u32::try_from(n).ok())
        .collect())
}

async fn write_decisions(
    conn: &mut Conn,
    report: ReportId,
    province: i64,
    decisions: &[Decision],
) -> Result<()> {
    sqlx::query("DELETE FROM report_decisions WHERE report_id = $1")
        .bind(report.0)
        .execute(&mut *conn)
        .await
        .db()?;
    for (i, d) in decisions.iter().enumerate() {
        sqlx::query(
            "INSERT INTO report_decisions (province_id, report_id, position, kind, subject, \
             reason, deadline) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(province)
        .bind(report.0)
        .bind(i as i64)
        .bind(d.kind.as_str())
        .bind(&d.subject)
        .bind(&d.reason)
        .bind(d.deadline)
        .execute(&mut *conn)
        .await
        .db()?;
    }
    Ok(())
}

fn audit_view(r: &ReportRecord) -> serde_json::Value {
    json!({
        "org_id": r.org_id, "root_document_id": r.root_document_id, "kind": r.kind,
        "period": r.period, "state": r.state, "symbol": r.symbol,
        "sections": r.sections, "conference": r.conference,
        "decisions": r.decisions.iter().map(|d| &d.decision).collect::<Vec<_>>(),
        "file": r.file.as_ref().map(|(k, _, n)| json!({"key": k, "name": n})),
        "supersedes": r.supersedes, "submitted_on": r.submitted_on, "late": r.late,
    })
}

impl Backend {
    /// The factual part, read with the store's own reads (each checks the scope).
    async fn facts_for(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        period: ReportPeriod,
        today: Date,
    ) -> Result<ReportFacts> {
        let (o, doc, program_due, lower) = {
            let mut conn = self.reader().await?;
            let o = org_readable(&mut conn, p, org).await?;
            let doc = doc_readable(&mut conn, p, document).await?;
            let root = doc.root_document_id;
            let (_, deadlines) = schedule_of(&mut conn, org, root).await?;
            let lower = lower_reports(&mut conn, &o.path, root, period.start).await?;
            (o, doc, deadlines.map(|d| d.program_by), lower)
        };
        let root = doc.root_document_id;
        let dashboard = self.dashboard(p, org, root, today).await?;
        let part = self.participation(p, org, root).await?;
        let makeups = self.makeups_held(p, org, root, today).await?;
        let overdue = self
            .overdue_tasks(
                p,
                org,
                root,
                today,
                Page {
                    offset: 0,
                    limit: FACT_LIST_LIMIT,
                },
            )
            .await?;
        let targets = self.targets_progress(p, org, root).await?;
        let series = self.progress_series(p, org, root).await?;
        let versions = self.unit_programs(p, org, root).await?;
        let issued: Vec<&Program> = versions.iter().filter(|v| v.issued_on.is_some()).collect();
        let program = issued.first().map(|first| {
            let current = versions
                .iter()
                .rev()
                .find(|v| v.state == domain::ProgramState::Issued)
                .unwrap_or(first);
            ProgramFacts {
                symbol: current.symbol.clone(),
                issued_on: first.issued_on,
                due: program_due,
                late: report::is_late(program_due, first.issued_on.expect("issued")),
                revisions: issued.len().saturating_sub(1) as u32,
            }
        });
        let total = part.total();
        let study = StudyFacts {
            members: part.members_total(),
            key_cadres: part.members[0],
            studied: total.studied,
            key_cadres_studied: part.counters[0].studied,
            made_up: total.made_up,
            makeup_sessions: makeups,
            checks_taken: total.checks_taken,
            checks_passed: total.checks_passed,
            reflections_on_time: total.reflections_on_time,
            reflections_late: total.reflections_late,
            reflections_good: total.reflections_good,
        };
        let tasks_done_in_period = series
            .iter()
            .filter(|s| s.week >= period.start - Duration::days(6) && s.week <= period.end)
            .map(|s| s.done)
            .sum();
        let mut conn = self.reader().await?;
        let (updates_in_period, updates_last_minute) =
            updates_in(&mut conn, &o.path, root, &period).await?;
        let evidence_gaps = evidence_gaps(&mut conn, &o.path, root).await?;
        let inspection = inspection_facts(&mut conn, &o.path, root, &period, today).await?;
        Ok(ReportFacts {
            org_id: o.id,
            org_name: o.name.clone(),
            document_id: root,
            document_symbol: doc.symbol.clone(),
            document_title: doc.title.clone(),
            period_start: period.start,
            period_end: period.end,
            as_of: today,
            dashboard,
            study,
            program,
            tasks_done_in_period,
            updates_in_period,
            updates_last_minute,
            overdue_total: dashboard.tasks_overdue,
            overdue_tasks: overdue
                .into_iter()
                .map(|t| OverdueFact {
                    task_id: t.task_id,
                    org_name: t.org_name,
                    content: t.content,
                    deadline: t.deadline,
                    responsible: t.responsible.map(|(_, n)| n),
                })
                .collect(),
            targets: targets
                .into_iter()
                .map(|t| TargetFact {
                    indicator: t.target.target.indicator.clone(),
                    unit: t.target.target.unit.clone(),
                    baseline: t.target.target.baseline,
                    value: t.target.current_value,
                    goal: t.target.target.target_value,
                    own: t.own,
                })
                .collect(),
            evidence_gaps,
            lower_reports: lower,
            inspection: Some(inspection),
        })
    }
}

/// Lower units' current periodic reports for the period (submitted, late) and the lower
/// units reached on the chain.
async fn lower_reports(
    conn: &mut Conn,
    path: &OrgPath,
    root: DocumentId,
    period_start: Date,
) -> Result<(i64, i64, i64)> {
    let r = path.subtree();
    let (n, late): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), SUM(CASE WHEN r.late THEN 1 ELSE 0 END) FROM reports r \
         JOIN organizations o ON o.id = r.org_id WHERE r.root_document_id = $1 \
         AND r.kind = 'periodic' AND r.period_start = $2 AND r.state = 'submitted' \
         AND o.path > $3 AND o.path < $4",
    )
    .bind(root.0)
    .bind(period_start)
    .bind(path.as_str())
    .bind(&r.end)
    .fetch_one(&mut *conn)
    .await
    .db()?;
    let reached: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM cascade_units WHERE root_document_id = $1 \
         AND org_path > $2 AND org_path < $3",
    )
    .bind(root.0)
    .bind(path.as_str())
    .bind(&r.end)
    .fetch_one(&mut *conn)
    .await
    .db()?;
    Ok((n, late.unwrap_or(0), reached))
}

/// Progress updates posted in the subtree within the period, and those in the last days
/// before its due day.
async fn updates_in(
    conn: &mut Conn,
    path: &OrgPath,
    root: DocumentId,
    period: &ReportPeriod,
) -> Result<(i64, i64)> {
    let r = path.subtree();
    let from = period.start.midnight().assume_utc();
    let to = (period.due.unwrap_or(period.end) + Duration::days(1))
        .midnight()
        .assume_utc();
    let last_from = (period.due.unwrap_or(period.end)
        - Duration::days(report::LAST_MINUTE_DAYS - 1))
    .midnight()
    .assume_utc();
    let (n, late): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), SUM(CASE WHEN pu.posted_at >= $1 THEN 1 ELSE 0 END) \
         FROM progress_updates pu JOIN tasks t ON t.id = pu.task_id \
         WHERE t.root_document_id = $2 AND t.counted AND t.org_path >= $3 AND t.org_path < $4 \
         AND pu.posted_at >= $5 AND pu.posted_at < $6",
    )
    .bind(last_from)
    .bind(root.0)
    .bind(&r.start)
    .bind(&r.end)
    .bind(from)
    .bind(to)
    .fetch_one(&mut *conn)
    .await
    .db()?;
    Ok((n, late.unwrap_or(0)))
}

/// The findings of inspections and supervisions of the subtree's units concluded within
/// the period, and the recommendations to its units that are still open on `today`: items
/// on the report's chain, or on no document. Only concluded items have either, so the
/// confidentiality rule holds (the subject's readers see its conclusion).
/// Items on the report's chain (`$1`), or on no document.
macro_rules! on_chain {
    () => {
        "(i.document_id IS NULL OR EXISTS (SELECT 1 FROM documents dd \
         WHERE dd.id = i.document_id AND dd.root_document_id = $1))"
    };
}

async fn inspection_facts(
    conn: &mut Conn,
    path: &OrgPath,
    root: DocumentId,
    period: &ReportPeriod,
    today: Date,
) -> Result<InspectionFacts> {
    let r = path.subtree();
    let until = period.end.min(today);
    let (items, findings_total): (i64, i64) = sqlx::query_as(concat!(
        "SELECT COUNT(DISTINCT i.id), COUNT(f.id) FROM inspection_items i \
         JOIN inspection_subjects s ON s.item_id = i.id \
         LEFT JOIN inspection_findings f ON f.subject_id = s.id \
         WHERE ",
        on_chain!(),
        " AND i.concluded_on >= $2 AND i.concluded_on <= $3 \
         AND s.org_path >= $4 AND s.org_path < $5"
    ))
    .bind(root.0)
    .bind(period.start)
    .bind(until)
    .bind(&r.start)
    .bind(&r.end)
    .fetch_one(&mut *conn)
    .await
    .db()?;
    let rows = sqlx::query(concat!(
        "SELECT i.id, i.title, i.notice_symbol, i.concluded_on, o.name AS org_name, f.kind, \
         f.text FROM inspection_findings f JOIN inspection_subjects s ON s.id = f.subject_id \
         JOIN inspection_items i ON i.id = f.item_id JOIN organizations o ON o.id = s.org_id \
         WHERE ",
        on_chain!(),
        " AND i.concluded_on >= $2 AND i.concluded_on <= $3 \
         AND s.org_path >= $4 AND s.org_path < $5 \
         ORDER BY i.concluded_on, i.id, s.org_path, f.id LIMIT $6"
    ))
    .bind(root.0)
    .bind(period.start)
    .bind(until)
    .bind(&r.start)
    .bind(&r.end)
    .bind(i64::from(FACT_LIST_LIMIT))
    .fetch_all(&mut *conn)
    .await
    .db()?;
    let mut findings = Vec::with_capacity(rows.len());
    for row in rows {
        let kind: String = row.try_get("kind").db()?;
        findings.push(InspectionFinding {
            item_id: row.try_get("id").db()?,
            item_title: row.try_get("title").db()?,
            notice_symbol: row.try_get("notice_symbol").db()?,
            concluded_on: row.try_get("concluded_on").db()?,
            org_name: row.try_get("org_name").db()?,
            kind: domain::inspection::FindingKind::parse(&kind)
                .ok_or_else(|| bad_data("kind", &kind))?,
            text: row.try_get("text").db()?,
        });
    }
    let rows = sqlx::query(concat!(
        "SELECT r.id, i.notice_symbol, o.name AS org_name, r.text, r.deadline, r.state, \
         m.full_name AS responsible FROM inspection_recommendations r \
         JOIN inspection_items i ON i.id = r.item_id \
         JOIN organizations o ON o.id = r.acting_org_id \
         LEFT JOIN members m ON m.id = r.responsible_member_id \
         WHERE ",
        on_chain!(),
        " AND r.state <> 'closed' AND r.concluded_on <= $2 \
         AND r.acting_path >= $3 AND r.acting_path < $4 \
         ORDER BY r.deadline, r.id"
    ))
    .bind(root.0)
    .bind(period.end)
    .bind(&r.start)
    .bind(&r.end)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    let open_total = rows.len() as i64;
    let mut open_overdue = 0;
    let mut open = Vec::new();
    for row in rows {
        let deadline: Date = row.try_get("deadline").db()?;
        let overdue = deadline < today;
        open_overdue += i64::from(overdue);
        if open.len() < FACT_LIST_LIMIT as usize {
            let state: String = row.try_get("state").db()?;
            open.push(OpenRecommendationFact {
                id: row.try_get("id").db()?,
                notice_symbol: row.try_get("notice_symbol").db()?,
                acting_org_name: row.try_get("org_name").db()?,
                text: row.try_get("text").db()?,
                deadline,
                state: domain::inspection::RecState::parse(&state)
                    .ok_or_else(|| bad_data("state", &state))?,
                responsible: row.try_get("responsible").db()?,
                overdue,
            });
        }
    }
    Ok(InspectionFacts {
        items_concluded: items,
        findings,
        findings_total,
        open_recommendations: open,
        open_total,
        open_overdue,
    })
}

/// Counted tasks of the subtree reported done without any evidence file, or with a
/// returned update, by deadline.
async fn evidence_gaps(
    conn: &mut Conn,
    path: &OrgPath,
    root: DocumentId,
) -> Result<Vec<EvidenceGap>> {
    let r = path.subtree();
    let rows = sqlx::query(
        "SELECT t.id, t.content, o.name AS org_name, t.returned_count FROM tasks t \
         JOIN organizations o ON o.id = t.org_id \
         WHERE t.root_document_id = $1 AND t.counted AND t.org_path >= $2 AND t.org_path < $3 \
         AND t.status = 'done' AND (t.returned_count > 0 OR NOT EXISTS (\
           SELECT 1 FROM progress_updates pu JOIN evidence_files ef ON ef.progress_update_id = pu.id \
           WHERE pu.task_id = t.id)) \
         ORDER BY t.org_path, t.position LIMIT $4",
    )
    .bind(root.0)
    .bind(&r.start)
    .bind(&r.end)
    .bind(i64::from(FACT_LIST_LIMIT))
    .fetch_all(&mut *conn)
    .await
    .db()?;
    rows.iter()
        .map(|row| {
            Ok(EvidenceGap {
                task_id: TaskId(row.try_get("id").db()?),
                org_name: row.try_get("org_name").db()?,
                content: row.try_get("content").db()?,
                returned: row.try_get::<i64, _>("returned_count").db()? > 0,
            })
        })
        .collect()
}

#[async_trait]
impl ReportStore for Backend {
    async fn unit_reports(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: Date,
    ) -> Result<UnitReports> {
        let mut conn = self.reader().await?;
        let o = org_readable(&mut conn, p, org).await?;
        let doc = doc_readable(&mut conn, p, document).await?;
        let root_doc = if doc.root_document_id == doc.id {
            doc
        } else {
            doc_readable(&mut conn, p, doc.root_document_id).await?
        };
        let root = root_doc.id;
        let (_, deadlines) = schedule_of(&mut conn, org, root).await?;
        let filed = filed_reports(&mut conn, org, root).await?;
        let due = deadlines
            .as_ref()
            .map(|d| report::due_periods(d, &filed, today))
            .unwrap_or_default();
        let list = reports_where(&mut conn, |qb| {
            qb.push("r.org_id = ")
                .push_bind(org.0)
                .push(" AND r.root_document_id = ")
                .push_bind(root.0)
                .push(" ORDER BY r.period_start DESC, r.id DESC");
        })
        .await?;
        Ok(UnitReports {
            org_id: o.id,
            org_name: o.name.clone(),
            can_write: report::may_write(p, &o.path).is_ok(),
            org_path: o.path,
            document_id: root,
            document_symbol: root_doc.symbol,
            document_title: root_doc.title,
            document_issued_on: root_doc.issued_on,
            deadlines,
            due,
            reports: list.iter().map(summary_of).collect(),
        })
    }

    async fn report_facts(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        period: ReportPeriod,
        today: Date,
    ) -> Result<ReportFacts> {
        self.facts_for(p, org, document, period, today).await
    }

    async fn start_report(&self, p: &Principal, new: NewReport) -> Result<ReportRecord> {
        let mut tx = self.begin().await?;
        let o = org_by_id(&mut tx, new.org)
            .await?
            .ok_or(StoreError::NotFound)?;
        report::may_write(p, &o.path)?;
        let doc = doc_readable(&mut tx, p, new.document).await?;
        let root = doc.root_document_id;
        let root_doc = if root == doc.id {
            doc
        } else {
            doc_readable(&mut tx, p, root).await?
        };
        let (unit, deadlines) = schedule_of(&mut tx, o.id, root).await?;
        let period = match new.kind {
            ReportKind::Periodic => {
                let d = deadlines
                    .as_ref()
                    .ok_or(StoreError::Invalid(domain::Invalid::one(
                        "period",
                        "period_not_in_schedule",
                    )))?;
                ReportPeriod::from(report::schedule_period(d, new.period_start)?)
            }
            ReportKind::Interim => report::review_period(
                root_doc.issued_on,
                new.period_end,
                deadlines.as_ref().and_then(|d| d.interim_review_by),
            ),
            ReportKind::Final => report::review_period(
                root_doc.issued_on,
                new.period_end,
                deadlines.as_ref().and_then(|d| d.reports_until),
            ),
        };
        report::check_period_ended(&period, new.today)?;
        // An open draft for the period is the one to continue.
        let existing = reports_where(&mut tx, |qb| {
            qb.push("r.org_id = ")
                .push_bind(o.id.0)
                .push(" AND r.root_document_id = ")
                .push_bind(root.0)
                .push(" AND r.kind = ")
                .push_bind(new.kind.as_str())
                .push(" AND r.period_start = ")
                .push_bind(period.start)
                .push(" AND r.state <> 'superseded' ORDER BY r.id");
        })
        .await?;
        if let Some(draft) = existing.iter().find(|r| r.state == ReportState::Draft) {
            return Ok(draft.clone());
        }
        // Reviews are one per kind; a period already reported is corrected instead.
        if !existing.is_empty() {
            return Err(StoreError::Conflict("report_exists"));
        }
        if new.kind.is_review() {
            let any: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM reports WHERE org_id = $1 AND root_document_id = $2 \
                 AND kind = $3 AND state = 'submitted'",
            )
            .bind(o.id.0)
            .bind(root.0)
            .bind(new.kind.as_str())
            .fetch_one(&mut *tx)
            .await
            .db()?;
            if any > 0 {
                return Err(StoreError::Conflict("report_exists"));
            }
        }
        let at = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO reports (province_id, org_id, root_document_id, cascade_unit_id, kind, \
             period_start, period_end, due_on, state, assessment_md, causes_md, lessons_md, \
             proposals_md, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', '', '', '', '', $9, $10, $10) \
             RETURNING id",
        )
        .bind(province_of(&o.path))
        .bind(o.id.0)
        .bind(root.0)
        .bind(unit.as_ref().map(|u| u.unit.id.0))
        .bind(new.kind.as_str())
        .bind(period.start)
        .bind(period.end)
        .bind(period.due)
        .bind(user_id_of(p))
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        let out = report_by_id(&mut tx, ReportId(id))
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            p,
            "create",
            "report",
            id,
            Some(&o.path),
            None,
            Some(audit_view(&out)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn save_report(
        &self,
        p: &Principal,
        id: ReportId,
        input: ReportInput,
    ) -> Result<ReportRecord> {
        let sections = ReportSections::parse(&input.sections)?;
        let mut tx = self.begin().await?;
        let before = report_for_write(&mut tx, p, id).await?;
        report::check_editable(before.state)?;
        let conf = if before.kind.is_review() {
            input.conference.clone()
        } else {
            None
        };
        sqlx::query(
            "UPDATE reports SET assessment_md = $1, causes_md = $2, lessons_md = $3, \
             proposals_md = $4, held_on = $5, chair = $6, invited = $7, present = $8, \
             updated_at = $9 WHERE id = $10",
        )
        .bind(&sections.assessment)
        .bind(&sections.causes)
        .bind(&sections.lessons)
        .bind(&sections.proposals)
        .bind(conf.as_ref().map(|c| c.held_on))
        .bind(conf.as_ref().map(|c| c.chair.clone()))
        .bind(conf.as_ref().map(|c| i64::from(c.invited)))
        .bind(conf.as_ref().map(|c| i64::from(c.present)))
        .bind(now())
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?;
        let decisions = if before.kind.is_review() {
            input.decisions.as_slice()
        } else {
            &[]
        };
        write_decisions(&mut tx, id, province_of(&before.org_path), decisions).await?;
        let after = report_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            p,
            "save",
            "report",
            id.0,
            Some(&after.org_path),
            Some(audit_view(&before)),
            Some(audit_view(&after)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn attach_report_file(
        &self,
        p: &Principal,
        id: ReportId,
        file: EvidenceMeta,
    ) -> Result<ReportRecord> {
        let name = domain::document::check_attachment(file.size, &file.original_name).map_err(
            |mut e| {
                for f in &mut e.0 {
                    f.field = "file";
                }
                e
            },
        )?;
        let mut tx = self.begin().await?;
        let before = report_for_write(&mut tx, p, id).await?;
        report::check_editable(before.state)?;
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
        sqlx::query(
            "UPDATE reports SET file_key = $1, file_name = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(file.key.as_str())
        .bind(&name)
        .bind(at)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?;
        let after = report_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            p,
            "attach",
            "report",
            id.0,
            Some(&after.org_path),
            Some(audit_view(&before)),
            Some(audit_view(&after)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn submit_report(
        &self,
        p: &Principal,
        id: ReportId,
        today: Date,
    ) -> Result<ReportRecord> {
        // Checked and the facts read before the transaction (the reads check the scope).
        let draft = {
            let mut conn = self.reader().await?;
            report_for_write(&mut conn, p, id).await?
        };
        report::check_editable(draft.state)?;
        let mut inv = domain::Invalid::default();
        inv.take(draft.sections.check_submit());
        inv.take(report::check_period_ended(&draft.period, today));
        if draft.kind.is_review() && draft.conference.is_none() {
            inv.push("held_on", "required");
        }
        inv.into_result(())?;
        let facts = self
            .facts_for(p, draft.org_id, draft.root_document_id, draft.period, today)
            .await?;
        let mut tx = self.begin().await?;
        let before = report_for_write(&mut tx, p, id).await?;
        report::check_editable(before.state)?;
        let org = org_by_id(&mut tx, before.org_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let root_doc = crate::sql::documents::doc_by_id(&mut tx, before.root_document_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let term = domain::program::issue_term(root_doc.term, today)?;
        crate::dialect::lock_series(&mut tx, org.id).await?;
        let used = used_numbers(&mut tx, org.id, &term.key()).await?;
        let number = report::report_number(org.kind, None, &used)?;
        let late = report::is_late(before.period.due, today);
        // The version it corrects stops being current first (one current per period).
        if let Some(old) = before.supersedes {
            sqlx::query("UPDATE reports SET state = 'superseded', superseded_by = $1, updated_at = $2 WHERE id = $3 AND state = 'submitted'")
                .bind(id.0)
                .bind(now())
                .bind(old.0)
                .execute(&mut *tx)
                .await
                .db()?;
            audit(
                &mut tx,
                p,
                "supersede",
                "report",
                old.0,
                Some(&before.org_path),
                Some(json!({"state": "submitted"})),
                Some(json!({"state": "superseded", "superseded_by": id})),
            )
            .await?;
        }
        // The cascade's facts: the period filled, or the interim review held.
        let unit = match before.cascade_unit_id {
            Some(cu) => crate::sql::cascades::unit_by_id(&mut tx, cu).await?,
            None => None,
        };
        if let Some(mut u) = unit {
            let state_before = u.state();
            match before.kind {
                ReportKind::Periodic => u.unit.facts.reports.push(FiledReport {
                    period_start: before.period.start,
                    filed_on: today,
                }),
                ReportKind::Interim if u.unit.facts.interim_reviewed_on.is_none() => {
                    u.unit.facts.interim_reviewed_on = Some(today);
                    sqlx::query("UPDATE cascade_units SET interim_reviewed_on = $1 WHERE id = $2")
                        .bind(today)
                        .bind(u.unit.id.0)
                        .execute(&mut *tx)
                        .await
                        .db()?;
                }
                _ => {}
            }
            let state_after = u.state();
            if state_after != state_before {
                sqlx::query(
                    "UPDATE cascade_units SET report_class = $1, report_next_due = $2 WHERE id = $3",
                )
                .bind(state_after.reports.class.as_str())
                .bind(state_after.reports.next_due)
                .bind(u.unit.id.0)
                .execute(&mut *tx)
                .await
                .db()?;
                apply_delta(
                    &mut tx,
                    &u.unit.org_path,
                    u.unit.root_document_id,
                    &domain::rollup::delta(&state_before, &state_after),
                )
                .await?;
            }
        }
        let facts_json = serde_json::to_string(&facts).map_err(|_| bad_data("facts", "json"))?;
        sqlx::query(
            "UPDATE reports SET state = 'submitted', number = $1, symbol = $2, term = $3, \
             facts_json = $4, submitted_on = $5, late = $6, submitted_by = $7, updated_at = $8 \
             WHERE id = $9",
        )
        .bind(i64::from(number.number()))
        .bind(number.to_string())
        .bind(term.key())
        .bind(facts_json)
        .bind(today)
        .bind(late)
        .bind(user_id_of(p))
        .bind(now())
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let after = report_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            p,
            "submit",
            "report",
            id.0,
            Some(&after.org_path),
            Some(json!({"state": "draft"})),
            Some(audit_view(&after)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn correct_report(&self, p: &Principal, id: ReportId) -> Result<ReportRecord> {
        let mut tx = self.begin().await?;
        let old = report_for_write(&mut tx, p, id).await?;
        report::check_correctable(old.state)?;
        let open: Option<i64> =
            sqlx::query_scalar("SELECT id FROM reports WHERE supersedes = $1 AND state = 'draft'")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await
                .db()?;
        if let Some(d) = open {
            return report_by_id(&mut tx, ReportId(d))
                .await?
                .ok_or(StoreError::NotFound);
        }
        let at = now();
        let new_id: i64 = sqlx::query_scalar(
            "INSERT INTO reports (province_id, org_id, root_document_id, cascade_unit_id, kind, \
             period_start, period_end, due_on, state, supersedes, assessment_md, causes_md, \
             lessons_md, proposals_md, held_on, chair, invited, present, file_key, file_name, \
             created_by, created_at, updated_at) \
             SELECT province_id, org_id, root_document_id, cascade_unit_id, kind, period_start, \
             period_end, due_on, 'draft', id, assessment_md, causes_md, lessons_md, proposals_md, \
             held_on, chair, invited, present, file_key, file_name, $1, $2, $2 \
             FROM reports WHERE id = $3 RETURNING id",
        )
        .bind(user_id_of(p))
        .bind(at)
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        let decisions: Vec<Decision> = old.decisions.iter().map(|d| d.decision.clone()).collect();
        write_decisions(
            &mut tx,
            ReportId(new_id),
            province_of(&old.org_path),
            &decisions,
        )
        .await?;
        let out = report_by_id(&mut tx, ReportId(new_id))
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            p,
            "correct",
            "report",
            new_id,
            Some(&out.org_path),
            None,
            Some(audit_view(&out)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn report(&self, p: &Principal, id: ReportId) -> Result<ReportRecord> {
        let mut conn = self.reader().await?;
        report_readable(&mut conn, p, id).await
    }

    async fn report_versions(&self, p: &Principal, id: ReportId) -> Result<Vec<ReportSummary>> {
        let mut conn = self.reader().await?;
        let r = report_readable(&mut conn, p, id).await?;
        let list = reports_where(&mut conn, |qb| {
            qb.push("r.org_id = ")
                .push_bind(r.org_id.0)
                .push(" AND r.root_document_id = ")
                .push_bind(r.root_document_id.0)
                .push(" AND r.kind = ")
                .push_bind(r.kind.as_str())
                .push(" AND r.period_start = ")
                .push_bind(r.period.start)
                .push(" ORDER BY r.id");
        })
        .await?;
        Ok(list.iter().map(summary_of).collect())
    }

    async fn gathered_reports(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        kind: ReportKind,
        period_start: Date,
    ) -> Result<Gathered> {
        let mut conn = self.reader().await?;
        let o = org_readable(&mut conn, p, org).await?;
        let doc = doc_readable(&mut conn, p, document).await?;
        let root = doc.root_document_id;
        let root_doc = if root == doc.id {
            doc
        } else {
            doc_readable(&mut conn, p, root).await?
        };
        let reports = reports_where(&mut conn, |qb| {
            qb.push("o.parent_id = ")
                .push_bind(o.id.0)
                .push(" AND r.root_document_id = ")
                .push_bind(root.0)
                .push(" AND r.kind = ")
                .push_bind(kind.as_str())
                .push(" AND r.state = 'submitted'");
            if kind == ReportKind::Periodic {
                qb.push(" AND r.period_start = ").push_bind(period_start);
            }
            qb.push(" ORDER BY o.name COLLATE vi, r.id");
        })
        .await?;
        let reached: Vec<(i64, String)> = sqlx::query_as(
            "SELECT o.id, o.name FROM cascade_units cu JOIN organizations o ON o.id = cu.org_id \
             WHERE cu.root_document_id = $1 AND o.parent_id = $2 ORDER BY o.name COLLATE vi",
        )
        .bind(root.0)
        .bind(o.id.0)
        .fetch_all(&mut *conn)
        .await
        .db()?;
        let missing = reached
            .into_iter()
            .filter(|(id, _)| !reports.iter().any(|r| r.org_id.0 == *id))
            .map(|(id, n)| (OrgId(id), n))
            .collect();
        Ok(Gathered {
            org_id: o.id,
            org_name: o.name,
            document_id: root,
            document_symbol: root_doc.symbol,
            kind,
            period_start,
            reports,
            missing,
        })
    }

    async fn report_peers(&self, p: &Principal, id: ReportId) -> Result<ReportPeers> {
        let mut conn = self.reader().await?;
        let r = report_readable(&mut conn, p, id).await?;
        let previous = reports_where(&mut conn, |qb| {
            qb.push("r.org_id = ")
                .push_bind(r.org_id.0)
                .push(" AND r.root_document_id = ")
                .push_bind(r.root_document_id.0)
                .push(" AND r.state <> 'draft' AND r.period_start < ")
                .push_bind(r.period.start)
                .push(" AND r.superseded_by IS NULL ORDER BY r.period_start DESC LIMIT 1");
        })
        .await?
        .pop();
        let parent = org_by_id(&mut conn, r.org_id)
            .await?
            .and_then(|o| o.parent_id);
        let mut siblings = Vec::new();
        let mut upper = None;
        if let Some(parent) = parent {
            let same_period = |qb: &mut QueryBuilder<Db>| {
                qb.push(" AND r.root_document_id = ")
                    .push_bind(r.root_document_id.0)
                    .push(" AND r.kind = ")
                    .push_bind(r.kind.as_str())
                    .push(" AND r.period_start = ")
                    .push_bind(r.period.start)
                    .push(" AND r.state = 'submitted'");
            };
            siblings = reports_where(&mut conn, |qb| {
                qb.push("o.parent_id = ")
                    .push_bind(parent.0)
                    .push(" AND r.org_id <> ")
                    .push_bind(r.org_id.0);
                same_period(qb);
                qb.push(" ORDER BY o.name COLLATE vi");
            })
            .await?;
            siblings.retain(|s| p.can(domain::Permission::Read, &s.org_path));
            upper = reports_where(&mut conn, |qb| {
                qb.push("r.org_id = ").push_bind(parent.0);
                same_period(qb);
            })
            .await?
            .pop()
            .filter(|u| p.can(domain::Permission::Read, &u.org_path));
        }
        let own_last_minute = reports_where(&mut conn, |qb| {
            qb.push("r.org_id = ")
                .push_bind(r.org_id.0)
                .push(" AND r.root_document_id = ")
                .push_bind(r.root_document_id.0)
                .push(" AND r.kind = 'periodic' AND r.state <> 'draft' AND r.period_start < ")
                .push_bind(r.period.start)
                .push(" ORDER BY r.period_start");
        })
        .await?
        .iter()
        .filter_map(|x| x.facts.as_ref())
        .filter(|f| f.updates_in_period > 0)
        .map(|f| (f.updates_last_minute * 100 / f.updates_in_period) as u32)
        .collect();
        Ok(ReportPeers {
            previous,
            siblings,
            upper,
            own_last_minute,
        })
    }

    async fn apply_review_decisions(
        &self,
        p: &Principal,
        id: ReportId,
    ) -> Result<(ReportRecord, ProgramId)> {
        let mut tx = self.begin().await?;
        let before = report_for_write(&mut tx, p, id).await?;
        if before.state != ReportState::Submitted {
            return Err(StoreError::Conflict("report_not_submitted"));
        }
        let pending: Vec<&Decision> = before
            .decisions
            .iter()
            .filter(|d| d.decision.kind == DecisionKind::Task && d.program_id.is_none())
            .map(|d| &d.decision)
            .collect();
        if pending.is_empty() {
            return Err(StoreError::Conflict("report_nothing_to_apply"));
        }
        let latest = |state: &'static str| {
            sqlx::query_scalar::<_, i64>(
                "SELECT id FROM programs WHERE org_id = $1 AND root_document_id = $2 \
                 AND state = $3 ORDER BY id DESC LIMIT 1",
            )
            .bind(before.org_id.0)
            .bind(before.root_document_id.0)
            .bind(state)
        };
        let draft = match latest("draft").fetch_optional(&mut *tx).await.db()? {
            Some(d) => program_by_id(&mut tx, ProgramId(d))
                .await?
                .ok_or(StoreError::NotFound)?,
            None => {
                let Some(issued) = latest("issued").fetch_optional(&mut *tx).await.db()? else {
                    return Err(StoreError::Conflict("report_no_program"));
                };
                let issued = program_by_id(&mut tx, ProgramId(issued))
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let org = org_by_id(&mut tx, before.org_id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                require_active(&org)?;
                new_draft(
                    &mut tx,
                    p,
                    &org,
                    issued.root_document_id,
                    issued.kind,
                    &issued.title,
                    Some(&issued),
                )
                .await?
            }
        };
        let existing = load_tasks(&mut tx, draft.id).await?.len();
        domain::program::check_task_count(existing + pending.len())?;
        let added: Vec<TaskDraft> = pending
            .iter()
            .map(|d| TaskDraft {
                content: d.subject.clone(),
                lead_body: None,
                cooperating_bodies: Vec::new(),
                responsible: None,
                deadline: d.deadline,
                expected_output: d.reason.clone(),
                upper_target: None,
            })
            .collect();
        for (i, t) in added.iter().enumerate() {
            sqlx::query(
                "INSERT INTO tasks (province_id, program_id, position, org_id, org_path, \
                 root_document_id, content, lead_body, cooperating_bodies, responsible_member_id, \
                 deadline, expected_output, status) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, '[]', NULL, $8, $9, 'not_started')",
            )
            .bind(province_of(&draft.org_path))
            .bind(draft.id.0)
            .bind((existing + i) as i64)
            .bind(draft.org_id.0)
            .bind(draft.org_path.as_str())
            .bind(draft.root_document_id.0)
            .bind(&t.content)
            .bind(t.deadline)
            .bind(&t.expected_output)
            .execute(&mut *tx)
            .await
            .db()?;
        }
        sqlx::query(
            "UPDATE report_decisions SET program_id = $1 WHERE report_id = $2 AND kind = 'task' \
             AND program_id IS NULL",
        )
        .bind(draft.id.0)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?;
        let after = report_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            p,
            "apply_decisions",
            "report",
            id.0,
            Some(&after.org_path),
            None,
            Some(json!({"program_id": draft.id, "tasks": added})),
        )
        .await?;
        audit(
            &mut tx,
            p,
            "add_tasks",
            "program",
            draft.id.0,
            Some(&draft.org_path),
            None,
            Some(json!({"from_report": id, "tasks": added})),
        )
        .await?;
        tx.commit().await.db()?;
        Ok((after, draft.id))
    }

    async fn keep_report_checks(
        &self,
        p: &Principal,
        id: ReportId,
        contradicted: u32,
    ) -> Result<()> {
        let mut conn = self.writer().await?;
        let r = report_readable(&mut conn, p, id).await?;
        if r.state == ReportState::Draft {
            return Err(StoreError::Conflict("report_not_submitted"));
        }
        sqlx::query("UPDATE reports SET contradicted_claims = $1 WHERE id = $2")
            .bind(i64::from(contradicted))
            .bind(id.0)
            .execute(&mut *conn)
            .await
            .db()?;
        Ok(())
    }

    async fn review_proposals(&self, p: &Principal, org: OrgId) -> Result<Vec<Proposal>> {
        let mut conn = self.reader().await?;
        let o = org_readable(&mut conn, p, org).await?;
        let r = o.path.subtree();
        let rows = sqlx::query(
            "SELECT rd.id, rd.report_id, rd.kind, rd.subject, rd.reason, r.org_id, \
             og.name AS org_name, r.held_on FROM report_decisions rd \
             JOIN reports r ON r.id = rd.report_id JOIN organizations og ON og.id = r.org_id \
             WHERE r.state = 'submitted' AND rd.kind IN ('commend', 'criticize') \
             AND og.path >= $1 AND og.path < $2 ORDER BY og.path, rd.report_id, rd.position",
        )
        .bind(&r.start)
        .bind(&r.end)
        .fetch_all(&mut *conn)
        .await
        .db()?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind").db()?;
                Ok(Proposal {
                    decision_id: row.try_get("id").db()?,
                    report_id: ReportId(row.try_get("report_id").db()?),
                    org_id: OrgId(row.try_get("org_id").db()?),
                    org_name: row.try_get("org_name").db()?,
                    kind: DecisionKind::parse(&kind).ok_or_else(|| bad_data("kind", &kind))?,
                    subject: row.try_get("subject").db()?,
                    reason: row.try_get("reason").db()?,
                    held_on: row.try_get("held_on").db()?,
                })
            })
            .collect()
    }
}
