//! The inspection dashboard of a subtree and the units suggested for supervision
//! ([`store::InspectionStore`], issue 16). Aggregates only: no finding's text leaves
//! here, and only concluded items' findings are counted, so the figures keep the
//! confidentiality rule. Each figure is one range scan of the subtree (no tree walk).

use crate::dialect::{Conn, Db};
use crate::sql::inspection::term_start;
use crate::sql::orgs::org_readable;
use crate::sql::util::*;
use domain::inspection::{self as rules, ItemKind, RecState, UnitRecord};
use domain::{OrgId, OrgPath, Principal};
use sqlx::{QueryBuilder, Row};
use std::collections::HashMap;
use store::*;
use time::Date;

/// How many open recommendations the dashboard lists (all are counted).
pub(crate) const OPEN_LISTED: usize = 200;

pub(crate) async fn dashboard(
    conn: &mut Conn,
    p: &Principal,
    org: OrgId,
    year: i32,
    today: Date,
) -> Result<InspectionDashboard> {
    let o = org_readable(conn, p, org).await?;
    let first = Date::from_calendar_date(year, time::Month::January, 1)
        .map_err(|_| StoreError::Invalid(domain::Invalid::one("year", "bad_number")))?;
    let next = Date::from_calendar_date(year + 1, time::Month::January, 1)
        .map_err(|_| StoreError::Invalid(domain::Invalid::one("year", "bad_number")))?;

    // Items of the year with a subject in the subtree, by kind and state.
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT i.kind, i.state, COUNT(DISTINCT i.id) AS n FROM inspection_items i \
         JOIN inspection_subjects s ON s.item_id = i.id WHERE i.starts_on >= ",
    );
    qb.push_bind(first)
        .push(" AND i.starts_on < ")
        .push_bind(next);
    push_subtree(&mut qb, "s.org_path", &o.path);
    qb.push(" GROUP BY i.kind, i.state");
    let mut by_kind: Vec<(ItemKind, u32, u32)> = ItemKind::ALL.iter().map(|k| (*k, 0, 0)).collect();
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        let kind: String = r.try_get("kind").db()?;
        let state: String = r.try_get("state").db()?;
        let n = r.try_get::<i64, _>("n").db()? as u32;
        if let Some(row) = by_kind.iter_mut().find(|(k, _, _)| k.as_str() == kind) {
            row.1 += n;
            if state == "concluded" {
                row.2 += n;
            }
        }
    }
    let planned = by_kind.iter().map(|r| r.1).sum();
    let done = by_kind.iter().map(|r| r.2).sum();

    // Coverage of the children this term.
    let term = term_start(today);
    // One row per child: the conclusions naming units of its subtree this term, counted
    // in SQL (a child's range ends where its path with the last '/' as '0' begins).
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT c.id, c.name, COUNT(x.concluded_on) AS n, MAX(x.concluded_on) AS last \
         FROM organizations c LEFT JOIN (SELECT s.org_path, i.concluded_on \
         FROM inspection_subjects s JOIN inspection_items i ON i.id = s.item_id \
         WHERE i.concluded_on >= ",
    );
    qb.push_bind(term);
    push_subtree(&mut qb, "s.org_path", &o.path);
    qb.push(
        ") x ON x.org_path >= c.path AND x.org_path < substr(c.path, 1, length(c.path) - 1) || '0' \
         WHERE c.parent_id = ",
    )
    .push_bind(org.0)
    .push(" AND c.valid_to IS NULL GROUP BY c.id, c.name ORDER BY c.name COLLATE vi, c.id");
    let mut coverage = Vec::new();
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        coverage.push(CoverageRow {
            org_id: OrgId(r.try_get("id").db()?),
            org_name: r.try_get("name").db()?,
            last_concluded: r.try_get("last").db()?,
            items: r.try_get::<i64, _>("n").db()?.max(0) as u32,
        });
    }
    let never_inspected = coverage.iter().filter(|c| c.items == 0).count() as u32;

    // Open recommendations for units of the subtree: counted by age band and overdue in
    // SQL (one index range of `inspection_recommendations_open`), only the listed page
    // fetched with its names.
    let cutoffs: Vec<Date> = rules::AGE_BANDS
        .iter()
        .map(|(max, _)| today - time::Duration::days(i64::from(*max)))
        .collect();
    let mut qb =
        QueryBuilder::<Db>::new("SELECT COUNT(*) AS n, CAST(COALESCE(SUM(CASE WHEN r.deadline < ");
    qb.push_bind(today)
        .push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS late");
    for (i, c) in cutoffs.iter().enumerate() {
        // Age in days (at least 0) within the band's maximum: concluded on or after the cutoff.
        qb.push(", CAST(COALESCE(SUM(CASE WHEN r.concluded_on >= ")
            .push_bind(*c)
            .push(format!(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS b{i}"));
    }
    qb.push(" FROM inspection_recommendations r WHERE r.state <> 'closed'");
    push_subtree(&mut qb, "r.acting_path", &o.path);
    let r = qb.build().fetch_one(&mut *conn).await.db()?;
    let total = r.try_get::<i64, _>("n").db()?.max(0) as u32;
    let overdue = r.try_get::<i64, _>("late").db()?.max(0) as u32;
    let mut bands: Vec<(&'static str, u32)> = Vec::with_capacity(cutoffs.len() + 1);
    let mut below = 0u32;
    for (i, (_, band)) in rules::AGE_BANDS.iter().enumerate() {
        let within = r.try_get::<i64, _>(format!("b{i}").as_str()).db()?.max(0) as u32;
        bands.push((*band, within.saturating_sub(below)));
        below = below.max(within);
    }
    bands.push(("over_180", total.saturating_sub(below)));

    // The page of open recommendations is chosen in a subquery of the recommendations
    // alone and only its rows are joined to their names: written as one join with the
    // limit outside, PostgreSQL at nation scale costed the joins for every open row of the
    // subtree and chose a parallel plan whose worker start-up (≈ 8 ms, more on a busy
    // machine) was most of the dashboard's time (docs/BENCHMARKS.md, issue 16).
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT r.id, ao.name AS acting_org_name, r.text, r.state, r.deadline, r.concluded_on, \
         m.full_name AS responsible_name FROM (SELECT x.id, x.acting_org_id, \
         x.responsible_member_id, x.text, x.state, x.deadline, x.concluded_on \
         FROM inspection_recommendations x WHERE x.state <> 'closed'",
    );
    push_subtree(&mut qb, "x.acting_path", &o.path);
    qb.push(" ORDER BY x.concluded_on, x.id LIMIT ")
        .push_bind(OPEN_LISTED as i64)
        .push(
            ") r JOIN organizations ao ON ao.id = r.acting_org_id \
             LEFT JOIN members m ON m.id = r.responsible_member_id \
             ORDER BY r.concluded_on, r.id",
        );
    let mut open = Vec::with_capacity(OPEN_LISTED.min(total as usize));
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        let concluded: Date = r.try_get("concluded_on").db()?;
        let deadline: Date = r.try_get("deadline").db()?;
        let age = (today - concluded).whole_days().max(0);
        let state: String = r.try_get("state").db()?;
        open.push(OpenRecommendation {
            id: r.try_get("id").db()?,
            acting_org_name: r.try_get("acting_org_name").db()?,
            text: r.try_get("text").db()?,
            state: RecState::parse(&state).ok_or_else(|| bad_data("state", &state))?,
            deadline,
            age_days: age,
            age_band: rules::age_band(age),
            responsible_name: r.try_get("responsible_name").db()?,
            overdue: deadline < today,
        });
    }

    // Shortcomings and violations of the year's conclusions, and those that recur: a
    // finding recurs when an earlier conclusion found the same unit short on the same
    // thing. One pass over the subtree's adverse findings up to the year's end, each with
    // the first conclusion of its (unit, about) as a window (paths move with their units,
    // so the subtree holds every earlier subject row of a unit in it).
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(CASE WHEN w.concluded_on > w.first \
         THEN 1 ELSE 0 END), 0) AS BIGINT) AS recurring FROM (SELECT i.concluded_on, \
         MIN(i.concluded_on) OVER (PARTITION BY s.org_id, f.about_kind, \
         COALESCE(f.about_id, 0)) AS first FROM inspection_findings f \
         JOIN inspection_subjects s ON s.id = f.subject_id \
         JOIN inspection_items i ON i.id = f.item_id WHERE f.kind <> 'strength' \
         AND i.concluded_on < ",
    );
    qb.push_bind(next);
    push_subtree(&mut qb, "s.org_path", &o.path);
    qb.push(") w WHERE w.concluded_on >= ").push_bind(first);
    let r = qb.build().fetch_one(&mut *conn).await.db()?;
    let adverse_findings = r.try_get::<i64, _>("n").db()? as u32;
    let recurring_findings = r.try_get::<i64, _>("recurring").db()? as u32;

    Ok(InspectionDashboard {
        org_id: o.id,
        org_name: o.name,
        year,
        planned,
        done,
        by_kind,
        coverage,
        never_inspected,
        open,
        open_by_age: bands,
        overdue,
        adverse_findings,
        recurring_findings,
    })
}

pub(crate) async fn suggestions(
    conn: &mut Conn,
    p: &Principal,
    org: OrgId,
    today: Date,
    limit: usize,
) -> Result<Vec<Suggestion>> {
    let o = org_readable(conn, p, org).await?;
    let mut units: HashMap<i64, (String, OrgPath, i64, UnitRecord)> = HashMap::new();
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT id, name, path, subtree_member_count FROM organizations \
         WHERE valid_to IS NULL AND id <> ",
    );
    qb.push_bind(org.0);
    push_subtree(&mut qb, "path", &o.path);
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        units.insert(
            r.try_get("id").db()?,
            (
                r.try_get("name").db()?,
                path_of(r.try_get("path").db()?)?,
                r.try_get("subtree_member_count").db()?,
                UnitRecord::default(),
            ),
        );
    }
    if units.is_empty() {
        return Ok(Vec::new());
    }

    // Flagged (copied or vague) issued programs.
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT pr.org_id, COUNT(*) AS n FROM program_assessments a \
         JOIN programs pr ON pr.id = a.program_id WHERE pr.state = 'issued' AND a.flagged",
    );
    push_subtree(&mut qb, "pr.org_path", &o.path);
    qb.push(" GROUP BY pr.org_id");
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        if let Some(u) = units.get_mut(&r.try_get::<i64, _>("org_id").db()?) {
            u.3.flagged_programs = r.try_get::<i64, _>("n").db()? as u32;
        }
    }

    // Counted tasks, and those past their deadline and not done.
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT t.org_id, COUNT(*) AS n, \
         CAST(COALESCE(SUM(CASE WHEN t.status <> 'done' AND t.deadline < ",
    );
    qb.push_bind(today)
        .push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS late FROM tasks t WHERE t.counted");
    push_subtree(&mut qb, "t.org_path", &o.path);
    qb.push(" GROUP BY t.org_id");
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        if let Some(u) = units.get_mut(&r.try_get::<i64, _>("org_id").db()?) {
            u.3.tasks = r.try_get::<i64, _>("n").db()? as u32;
            u.3.overdue_tasks = r.try_get::<i64, _>("late").db()? as u32;
        }
    }

    // Study: per unit and resolution whose study is due, members who studied (or made
    // it up) against the members of the subtree; the worst resolution counts.
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT cu.org_id, cu.root_document_id, \
         CAST(COALESCE(SUM(sr.studied + sr.made_up), 0) AS BIGINT) AS studied \
         FROM cascade_units cu LEFT JOIN study_rollups sr ON sr.org_id = cu.org_id \
         AND sr.document_id = cu.root_document_id WHERE cu.study_by < ",
    );
    qb.push_bind(today);
    push_subtree(&mut qb, "cu.org_path", &o.path);
    qb.push(" GROUP BY cu.org_id, cu.root_document_id");
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        if let Some(u) = units.get_mut(&r.try_get::<i64, _>("org_id").db()?) {
            let studied = r.try_get::<i64, _>("studied").db()?.max(0) as u32;
            let expected = u.2.max(0) as u32;
            if expected == 0 {
                continue;
            }
            let worse = match u.3.study {
                None => true,
                Some((s, e)) => {
                    u64::from(studied) * u64::from(e) < u64::from(s) * u64::from(expected)
                }
            };
            if worse {
                u.3.study = Some((studied.min(expected), expected));
            }
        }
    }

    // Open recommendations past their deadline.
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT acting_org_id, COUNT(*) AS n FROM inspection_recommendations \
         WHERE state <> 'closed' AND deadline < ",
    );
    qb.push_bind(today);
    push_subtree(&mut qb, "acting_path", &o.path);
    qb.push(" GROUP BY acting_org_id");
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        if let Some(u) = units.get_mut(&r.try_get::<i64, _>("acting_org_id").db()?) {
            u.3.recommendations_past_due = r.try_get::<i64, _>("n").db()? as u32;
        }
    }

    // Current reports this term whose claims the record contradicts, the latest last.
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT r.org_id, r.symbol, r.contradicted_claims FROM reports r \
         JOIN organizations o ON o.id = r.org_id WHERE r.state = 'submitted' \
         AND r.contradicted_claims > 0 AND r.submitted_on >= ",
    );
    qb.push_bind(term_start(today));
    push_subtree(&mut qb, "o.path", &o.path);
    qb.push(" ORDER BY r.org_id, r.submitted_on, r.id");
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        if let Some(u) = units.get_mut(&r.try_get::<i64, _>("org_id").db()?) {
            u.3.contradicted_reports += 1;
            u.3.contradicted_claims += r.try_get::<i64, _>("contradicted_claims").db()? as u32;
            u.3.contradicted_latest = r
                .try_get::<Option<String>, _>("symbol")
                .db()?
                .unwrap_or_default();
        }
    }

    // Last conclusion naming the unit this term.
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT s.org_id, MAX(i.concluded_on) AS last FROM inspection_subjects s \
         JOIN inspection_items i ON i.id = s.item_id WHERE i.concluded_on >= ",
    );
    qb.push_bind(term_start(today));
    push_subtree(&mut qb, "s.org_path", &o.path);
    qb.push(" GROUP BY s.org_id");
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        if let Some(u) = units.get_mut(&r.try_get::<i64, _>("org_id").db()?) {
            u.3.last_inspected = r.try_get("last").db()?;
        }
    }

    let mut out: Vec<Suggestion> = units
        .into_iter()
        .filter_map(|(id, (name, path, _, rec))| {
            rules::suggest(&rec, &rules::SUGGESTION_RULES).map(|(weight, reasons)| Suggestion {
                org_id: OrgId(id),
                org_name: name,
                org_path: path,
                weight,
                reasons,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.weight
            .cmp(&a.weight)
            .then_with(|| a.org_path.cmp(&b.org_path))
    });
    out.truncate(limit);
    Ok(out)
}
