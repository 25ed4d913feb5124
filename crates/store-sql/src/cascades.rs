//! Cascades ([`store::CascadeStore`], issue 3): a document sent down a subtree with
//! deadlines (one `cascade_units` row per unit reached, set-based) and the facts each unit
//! records. The rollups of the ancestor chain change in the same transaction
//! (docs/PROGRAMS.md §3).

use crate::dialect::{self, Backend, Conn, Db, DbRow, MAX_BINDS};
use crate::sql::dashboards::{add_rollups, apply_delta};
use crate::sql::documents::{doc_for_write, doc_readable, may_read_doc};
use crate::sql::orgs::{org_by_id, org_readable};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::cascade::ReportEvery;
use domain::rollup::Counted;
use domain::{
    CascadeDeadlines, CascadeId, CascadeScope, DocumentId, FiledReport, OrgId, OrgKind, Permission,
    Principal, UnitFacts, UnitState,
};
use serde_json::json;
use sqlx::{QueryBuilder, Row};
use std::collections::HashMap;
use store::*;
use time::Date;

/// A new cascade whose rollups the backend fills in one pass
/// (`dialect::init_cascade_rollups`): every unit it reached adds `rollup` to each of its
/// ancestors.
#[derive(Clone, Copy)]
pub(crate) struct NewCascade<'a> {
    pub id: i64,
    /// The resolution cascaded.
    pub root: DocumentId,
    pub province: i64,
    pub rollup: &'a domain::Rollup,
}

pub(crate) const CASCADE_COLS: &str = "c.id, c.document_id, c.root_document_id, c.issuer_org_id, \
     c.scope_root_path, c.scope_kinds, c.include_root, c.study_by, c.program_by, \
     c.report_every, c.interim_review_by, c.reports_until, c.grace_days, c.unit_count, \
     c.created_at";

/// Bottom-up deadlines: each unit a new cascade reached gets the grace days of its level
/// (`domain::cascade::level_grace_days`, by its depth under the shallowest unit reached)
/// and the next due day that follows from them; the rollups, first counted with the
/// cascade's own grace days, move those units' report dues by the difference.
async fn set_level_grace(
    conn: &mut Conn,
    new: &NewCascade<'_>,
    deadlines: &CascadeDeadlines,
) -> Result<()> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, org_path FROM cascade_units WHERE cascade_id = $1")
            .bind(new.id)
            .fetch_all(&mut *conn)
            .await
            .db()?;
    let depth = |p: &str| p.matches('/').count();
    let Some(top) = rows.iter().map(|(_, p)| depth(p)).min() else {
        return Ok(());
    };
    let mut levels: std::collections::BTreeMap<usize, Vec<(i64, domain::OrgPath)>> =
        Default::default();
    for (id, path) in rows {
        let below = depth(&path) - top;
        levels.entry(below).or_default().push((id, path_of(path)?));
    }
    for (below, units) in levels {
        let grace = domain::cascade::level_grace_days(deadlines.grace_days, below);
        let own = CascadeDeadlines {
            grace_days: grace,
            ..deadlines.clone()
        };
        let state = UnitState::new(&own, &UnitFacts::default());
        for chunk in units.chunks(MAX_BINDS / 2) {
            let mut qb = QueryBuilder::<Db>::new("UPDATE cascade_units SET grace_days = ");
            qb.push_bind(i64::from(grace))
                .push(", report_next_due = ")
                .push_bind(state.reports.next_due)
                .push(" WHERE id IN ");
            push_ids(&mut qb, chunk.iter().map(|(id, _)| *id));
            qb.build().execute(&mut *conn).await.db()?;
        }
        let delta = state.rollup().sub(new.rollup);
        if delta.is_zero() {
            continue;
        }
        let mut per: HashMap<OrgId, i64> = HashMap::new();
        for (_, path) in &units {
            for id in path.ids() {
                *per.entry(id).or_insert(0) += 1;
            }
        }
        let mut entries: Vec<(OrgId, domain::Rollup)> = per
            .into_iter()
            .map(|(id, n)| (id, delta.times(n)))
            .collect();
        entries.sort_by_key(|e| e.0);
        add_rollups(conn, new.root, new.province, &entries).await?;
    }
    Ok(())
}

pub(crate) fn deadlines_row(r: &DbRow) -> Result<CascadeDeadlines> {
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
pub(crate) const CU_COLS: &str = "cu.id, cu.cascade_id, cu.root_document_id, cu.province_id, cu.org_id, \
     cu.org_path, o.name AS org_name, cu.study_by, cu.program_by, cu.interim_review_by, \
     c.report_every, c.reports_until, COALESCE(cu.grace_days, c.grace_days) AS grace_days, \
     cu.studied_on, cu.program_id, \
     cu.program_issued_on, cu.interim_reviewed_on, cu.report_class, cu.report_next_due";

pub(crate) const CU_FROM: &str = " FROM cascade_units cu JOIN cascades c ON c.id = cu.cascade_id \
     JOIN organizations o ON o.id = cu.org_id";

/// A cascade unit row, with its stored day-independent state.
pub(crate) struct UnitRow {
    pub(crate) unit: CascadeUnit,
    pub(crate) province_id: i64,
    pub(crate) stored_class: String,
    pub(crate) stored_next_due: Option<Date>,
}

impl UnitRow {
    pub(crate) fn state(&self) -> UnitState {
        UnitState::new(&self.unit.deadlines, &self.unit.facts)
    }
}

pub(crate) fn unit_row(r: &DbRow) -> Result<UnitRow> {
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
                reports: Vec::new(),
            },
            program_id: r.try_get("program_id").db()?,
        },
        province_id: r.try_get("province_id").db()?,
        stored_class: r.try_get("report_class").db()?,
        stored_next_due: r.try_get("report_next_due").db()?,
    })
}

/// Fills the units' submitted periodic reports from `reports` (issue 13): for each period,
/// the day of its first submission (a correction keeps the original's day).
pub(crate) async fn load_report_dates(conn: &mut Conn, units: &mut [UnitRow]) -> Result<()> {
    if units.is_empty() {
        return Ok(());
    }
    let mut by_id: HashMap<i64, Vec<FiledReport>> = HashMap::new();
    for chunk in units.chunks(MAX_BINDS / 2) {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT cascade_unit_id, period_start, MIN(submitted_on) AS filed_on FROM reports \
             WHERE kind = 'periodic' AND state <> 'draft' AND cascade_unit_id IN ",
        );
        push_ids(&mut qb, chunk.iter().map(|u| u.unit.id.0));
        qb.push(" GROUP BY cascade_unit_id, period_start ORDER BY cascade_unit_id, period_start");
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            by_id
                .entry(r.try_get("cascade_unit_id").db()?)
                .or_default()
                .push(FiledReport {
                    period_start: r.try_get("period_start").db()?,
                    filed_on: r.try_get("filed_on").db()?,
                });
        }
    }
    for u in units {
        if let Some(d) = by_id.remove(&u.unit.id.0) {
            u.unit.facts.reports = d;
        }
    }
    Ok(())
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

pub(crate) async fn unit_by_id(conn: &mut Conn, id: CascadeUnitId) -> Result<Option<UnitRow>> {
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

/// Cascades a document inside `tx`, audited; the caller commits (a cascade) or rolls
/// back (its preview).
async fn cascade_in(
    tx: &mut Conn,
    p: &Principal,
    document: DocumentId,
    scope: CascadeScope,
    deadlines: CascadeDeadlines,
) -> Result<CascadeSummary> {
    let doc = doc_for_write(tx, p, document).await?;
    let root_org = org_by_id(tx, scope.root.id()).await?;
    domain::cascade::check_new_cascade(
        doc.doc_type,
        &doc.issuer_path,
        doc.issued_on,
        &scope,
        &deadlines,
        root_org.as_ref().map(Org::unit).as_ref(),
    )?;
    let root_org = root_org.expect("checked");
    p.ensure(Permission::EditOrgs, &root_org.path)?;
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
    let rollup = state.rollup();
    let new = NewCascade {
        id: cascade_id,
        root,
        province,
        rollup: &rollup,
    };
    dialect::init_cascade_rollups(tx, &new).await?;
    set_level_grace(tx, &new, &deadlines).await?;
    let summary = CascadeSummary {
        id: CascadeId(cascade_id),
        reached,
        skipped: (in_scope as u64).saturating_sub(reached),
    };
    audit(
        tx,
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
    Ok(summary)
}

#[async_trait]
impl CascadeStore for Backend {
    async fn create_cascade(
        &self,
        p: &Principal,
        document: DocumentId,
        scope: CascadeScope,
        deadlines: CascadeDeadlines,
    ) -> Result<CascadeSummary> {
        let mut tx = self.begin().await?;
        let summary = cascade_in(&mut tx, p, document, scope, deadlines).await?;
        if summary.reached == 0 {
            // Every unit of the scope has the document already (a repeated submission):
            // an empty cascade would only clutter the document's page.
            return Err(StoreError::Conflict("cascade_reaches_none"));
        }
        tx.commit().await.db()?;
        Ok(summary)
    }

    async fn preview_cascade(
        &self,
        p: &Principal,
        document: DocumentId,
        scope: CascadeScope,
        deadlines: CascadeDeadlines,
    ) -> Result<CascadePreview> {
        let mut tx = self.begin().await?;
        let summary = cascade_in(&mut tx, p, document, scope, deadlines).await?;
        tx.rollback().await.db()?;
        Ok(CascadePreview {
            reached: summary.reached,
            skipped: summary.skipped,
        })
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
        // Grouped by the unit above (its name), then in Vietnamese alphabetical order: the
        // order a reader looks a unit up in (a path's ids are neither).
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {CU_COLS}{CU_FROM} LEFT JOIN organizations po ON po.id = o.parent_id \
             WHERE cu.cascade_id = "
        ));
        qb.push_bind(cascade.0);
        push_scope(&mut qb, "cu.org_path", p, Permission::Read);
        qb.push(" ORDER BY po.name COLLATE vi, o.parent_id, o.name COLLATE vi, o.id LIMIT ")
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
        let u = unit_by_id(&mut conn, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        p.ensure_read(&u.unit.org_path)?;
        Ok(u.unit)
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
            .ok_or(StoreError::NotFound)?;
        p.ensure_write(Permission::EditPeople, &u.unit.org_path)?;
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
}
