//! Progress on tasks ([`store::ProgressStore`], issue 3, step 4): updates with evidence,
//! the supervising office's acceptance, my tasks, notifications; and (step 5) the programs side
//! of recounts and of restructurings. Every write changes the task's day-independent state
//! and adds its delta to the rollups of the ancestor chain in the same transaction
//! (docs/PROGRAMS.md §3).

use crate::dialect::{Backend, Conn, Db, DbRow, MAX_BINDS};
use crate::sql::dashboards::{add_rollups, apply_delta};
use crate::sql::orgs::org_readable;
use crate::sql::programs::{TASK_COLS, TASK_FROM, task_row, task_state};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::progress::{self, AcceptanceForm, DerivedTask, Posted, derive_task};
use domain::{
    Acceptance, ContentKey, Counters, DocumentId, EffectiveStatus, EvidenceType, Invalid, OpenKind,
    OrgId, OrgPath, Permission, Principal, ProgramState, ProgressUpdate, ProgressUpdateId, Rollup,
    TaskId, TaskState, TaskStatus, UserId,
};
use serde_json::json;
use sqlx::{QueryBuilder, Row};
use std::collections::{BTreeMap, HashMap};
use store::*;
use time::{Date, Duration};

// ---- Rows --------------------------------------------------------------------------------

/// A task with its program and unit.
struct Ctx {
    ctx: TaskContext,
    /// The program's unit.
    path: OrgPath,
    state: ProgramState,
    province: i64,
}

fn ctx_sql() -> String {
    ctx_sql_with("", "")
}

/// The task context's select, with more columns and joins.
fn ctx_sql_with(cols: &str, joins: &str) -> String {
    format!(
        "SELECT {TASK_COLS}, pr.state AS program_state, pr.org_path AS program_path, \
         pr.org_id AS program_org_id, o.name AS program_org_name, \
         pr.root_document_id AS program_root, pr.title AS program_title, \
         d.symbol AS program_symbol, pr.province_id AS program_province{cols}{TASK_FROM} \
         JOIN programs pr ON pr.id = t.program_id JOIN organizations o ON o.id = pr.org_id \
         LEFT JOIN documents d ON d.id = pr.document_id{joins}"
    )
}

fn ctx_row(r: &DbRow) -> Result<Ctx> {
    let state: String = r.try_get("program_state").db()?;
    Ok(Ctx {
        ctx: TaskContext {
            task: task_row(r)?,
            org_id: OrgId(r.try_get("program_org_id").db()?),
            org_name: r.try_get("program_org_name").db()?,
            root_document_id: DocumentId(r.try_get("program_root").db()?),
            program_title: r.try_get("program_title").db()?,
            program_symbol: r.try_get("program_symbol").db()?,
        },
        path: path_of(r.try_get("program_path").db()?)?,
        state: ProgramState::parse(&state).ok_or_else(|| bad_data("state", &state))?,
        province: r.try_get("program_province").db()?,
    })
}

async fn ctx_by_id(conn: &mut Conn, id: TaskId) -> Result<Option<Ctx>> {
    let sql = format!("{} WHERE t.id = $1", ctx_sql());
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(conn)
        .await
        .db()?
        .as_ref()
        .map(ctx_row)
        .transpose()
}

/// A task the principal may see: Read on its unit, or the person who answers for it.
async fn task_readable(conn: &mut Conn, p: &Principal, id: TaskId) -> Result<Ctx> {
    match ctx_by_id(conn, id).await? {
        Some(c) if progress::may_see_task(p, &c.path, c.ctx.task.draft.responsible) => Ok(c),
        _ => Err(StoreError::NotFound),
    }
}

const PU_COLS: &str = "pu.id AS pu_id, pu.task_id AS pu_task_id, pu.status AS pu_status, \
     pu.percent AS pu_percent, pu.indicator_value AS pu_value, pu.note AS pu_note, \
     pu.posted_by_user AS pu_posted_by, pu_u.display_name AS pu_posted_by_name, \
     pu.posted_at AS pu_posted_at, pu.review AS pu_acceptance, pu.return_reason AS pu_reason, \
     pu.reviewed_by AS pu_decided_by, pu.reviewed_at AS pu_decided_at";

const PU_JOIN: &str = " LEFT JOIN users pu_u ON pu_u.id = pu.posted_by_user";

fn acceptance_of(stored: &str, reason: Option<String>) -> Result<Acceptance> {
    match stored {
        "pending" => Ok(Acceptance::Pending),
        "accepted" => Ok(Acceptance::Accepted),
        "returned" => Ok(Acceptance::Returned {
            reason: reason.unwrap_or_default(),
        }),
        other => Err(bad_data("acceptance", other)),
    }
}

fn pu_row(r: &DbRow) -> Result<ProgressRecord> {
    let status: String = r.try_get("pu_status").db()?;
    let acceptance: String = r.try_get("pu_acceptance").db()?;
    Ok(ProgressRecord {
        id: ProgressUpdateId(r.try_get("pu_id").db()?),
        task_id: TaskId(r.try_get("pu_task_id").db()?),
        update: ProgressUpdate {
            status: TaskStatus::parse(&status).ok_or_else(|| bad_data("status", &status))?,
            percent: r
                .try_get::<Option<i64>, _>("pu_percent")
                .db()?
                .map(|v| v.clamp(0, 100) as u8),
            indicator_value: r.try_get("pu_value").db()?,
            note: r.try_get("pu_note").db()?,
        },
        posted_by: r
            .try_get::<Option<i64>, _>("pu_posted_by")
            .db()?
            .map(UserId),
        posted_by_name: r.try_get("pu_posted_by_name").db()?,
        posted_at: r.try_get("pu_posted_at").db()?,
        acceptance: acceptance_of(&acceptance, r.try_get("pu_reason").db()?)?,
        decided_by: r
            .try_get::<Option<i64>, _>("pu_decided_by")
            .db()?
            .map(UserId),
        decided_at: r.try_get("pu_decided_at").db()?,
        evidence: Vec::new(),
    })
}

/// Fills the evidence of the records.
async fn load_evidence(conn: &mut Conn, records: &mut [ProgressRecord]) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    let mut by_update: HashMap<i64, Vec<EvidenceFile>> = HashMap::new();
    for chunk in records.chunks(MAX_BINDS / 2) {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT f.id, f.progress_update_id, f.blob_key, f.file_name, b.evidence_type, b.size \
             FROM evidence_files f JOIN evidence_blobs b ON b.key = f.blob_key \
             WHERE f.progress_update_id IN ",
        );
        push_ids(&mut qb, chunk.iter().map(|r| r.id.0));
        qb.push(" ORDER BY f.id");
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            let key: String = r.try_get("blob_key").db()?;
            let kind: String = r.try_get("evidence_type").db()?;
            by_update
                .entry(r.try_get("progress_update_id").db()?)
                .or_default()
                .push(EvidenceFile {
                    id: r.try_get("id").db()?,
                    key: ContentKey::parse(&key).ok_or_else(|| bad_data("blob_key", &key))?,
                    kind: EvidenceType::parse(&kind)
                        .ok_or_else(|| bad_data("evidence_type", &kind))?,
                    size: r.try_get::<i64, _>("size").db()?.max(0) as u64,
                    file_name: r.try_get("file_name").db()?,
                });
        }
    }
    for rec in records {
        if let Some(files) = by_update.remove(&rec.id.0) {
            rec.evidence = files;
        }
    }
    Ok(())
}

async fn record_by_id(conn: &mut Conn, id: ProgressUpdateId) -> Result<Option<ProgressRecord>> {
    let sql = format!("SELECT {PU_COLS} FROM progress_updates pu{PU_JOIN} WHERE pu.id = $1");
    let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .db()?
    else {
        return Ok(None);
    };
    let mut out = vec![pu_row(&r)?];
    load_evidence(conn, &mut out).await?;
    Ok(out.pop())
}

// ---- Task state --------------------------------------------------------------------------

/// The (status, percent, acceptance, day posted) of a task's updates, in posting order.
async fn task_history(conn: &mut Conn, task: TaskId) -> Result<Vec<Posted>> {
    sqlx::query(
        "SELECT status, percent, review, return_reason, posted_at FROM progress_updates \
         WHERE task_id = $1 ORDER BY id",
    )
    .bind(task.0)
    .fetch_all(&mut *conn)
    .await
    .db()?
    .iter()
    .map(history_row)
    .collect()
}

fn history_row(r: &DbRow) -> Result<Posted> {
    let status: String = r.try_get("status").db()?;
    let acceptance: String = r.try_get("review").db()?;
    Ok(Posted {
        status: TaskStatus::parse(&status).ok_or_else(|| bad_data("status", &status))?,
        percent: r
            .try_get::<Option<i64>, _>("percent")
            .db()?
            .map(|v| v.clamp(0, 100) as u8),
        acceptance: acceptance_of(&acceptance, r.try_get("return_reason").db()?)?,
        posted_on: r
            .try_get::<time::OffsetDateTime, _>("posted_at")
            .db()?
            .date(),
    })
}

/// What is stored of a task's derived state.
fn stored_derived(t: &TaskRecord) -> DerivedTask {
    DerivedTask {
        status: t.status,
        percent: t.percent,
        returned: t.returned_count,
        done_on: t.done_on,
    }
}

/// Stores a task's derived state and adds the change to its chain's rollups.
async fn set_task_state(conn: &mut Conn, c: &Ctx, derived: DerivedTask) -> Result<TaskState> {
    let t = &c.ctx.task;
    let before = task_state(t);
    let after = TaskState {
        status: derived.status,
        deadline: t.draft.deadline,
        returned: derived.returned,
        done_on: derived.done_on,
    };
    if stored_derived(t) == derived {
        return Ok(after);
    }
    sqlx::query(
        "UPDATE tasks SET status = $1, percent = $2, returned_count = $3, done_on = $4 \
         WHERE id = $5",
    )
    .bind(derived.status.as_str())
    .bind(derived.percent.map(i64::from))
    .bind(i64::from(derived.returned))
    .bind(derived.done_on)
    .bind(t.id.0)
    .execute(&mut *conn)
    .await
    .db()?;
    if t.counted {
        apply_delta(
            conn,
            &c.path,
            c.ctx.root_document_id,
            &domain::rollup::delta(&before, &after),
        )
        .await?;
    }
    Ok(after)
}

// ---- Recount -----------------------------------------------------------------------------

/// Rebuilds every task's status, percent and returned count from its updates; returns
/// how many tasks were fixed (a bug when non-zero). Runs before the rollups are rebuilt.
pub(crate) async fn rebuild_task_states(conn: &mut Conn) -> Result<u64> {
    let mut history: HashMap<i64, Vec<Posted>> = HashMap::new();
    for r in sqlx::query(
        "SELECT task_id, status, percent, review, return_reason, posted_at FROM progress_updates \
         ORDER BY task_id, id",
    )
    .fetch_all(&mut *conn)
    .await
    .db()?
    {
        history
            .entry(r.try_get("task_id").db()?)
            .or_default()
            .push(history_row(&r)?);
    }
    let mut fixed = 0;
    for r in sqlx::query("SELECT id, status, percent, returned_count, done_on FROM tasks")
        .fetch_all(&mut *conn)
        .await
        .db()?
    {
        let id: i64 = r.try_get("id").db()?;
        let status: String = r.try_get("status").db()?;
        let stored = (
            TaskStatus::parse(&status),
            r.try_get::<Option<i64>, _>("percent").db()?,
            r.try_get::<i64, _>("returned_count").db()?,
            r.try_get::<Option<Date>, _>("done_on").db()?,
        );
        let want = derive_task(history.get(&id).map_or(&[][..], |h| &h[..]));
        let want_row = (
            Some(want.status),
            want.percent.map(i64::from),
            i64::from(want.returned),
            want.done_on,
        );
        if stored != want_row {
            fixed += 1;
            sqlx::query(
                "UPDATE tasks SET status = $1, percent = $2, returned_count = $3, done_on = $4 \
                 WHERE id = $5",
            )
            .bind(want.status.as_str())
            .bind(want.percent.map(i64::from))
            .bind(i64::from(want.returned))
            .bind(want.done_on)
            .bind(id)
            .execute(&mut *conn)
            .await
            .db()?;
        }
    }
    Ok(fixed)
}

// ---- Restructuring -----------------------------------------------------------------------

/// The programs side of moving a subtree from `old` to `new` (docs/PROGRAMS.md §3.5), in
/// the move's transaction: the moved root's rollup rows (the sums of its subtree) leave
/// the old ancestors and join the new ones, and the paths copied into the programs tables
/// are rewritten like `organizations.path`.
pub(crate) async fn move_program_paths(
    conn: &mut Conn,
    old: &OrgPath,
    new: &OrgPath,
) -> Result<()> {
    let root_id = old.id();
    let old_anc = old.ancestor_ids();
    let new_anc = new.ancestor_ids();
    let leaving: Vec<OrgId> = old_anc
        .iter()
        .filter(|a| !new_anc.contains(a))
        .copied()
        .collect();
    let joining: Vec<OrgId> = new_anc
        .iter()
        .filter(|a| !old_anc.contains(a))
        .copied()
        .collect();
    let new_province = province_of(new);
    // The moved root's rows, per root document.
    let cols = Counters::COLUMNS;
    let sql = format!(
        "SELECT root_document_id, province_id, {} FROM rollups WHERE org_id = $1",
        cols.join(", ")
    );
    let mut rows: BTreeMap<i64, (i64, Rollup)> = BTreeMap::new();
    for r in sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(root_id.0)
        .fetch_all(&mut *conn)
        .await
        .db()?
    {
        let values = cols
            .iter()
            .map(|c| r.try_get::<i64, _>(*c).db())
            .collect::<Result<Vec<_>>>()?;
        rows.insert(
            r.try_get("root_document_id").db()?,
            (
                r.try_get("province_id").db()?,
                Rollup {
                    counters: Counters::from_values(&values)
                        .ok_or_else(|| bad_data("rollups", "columns"))?,
                    dues: BTreeMap::new(),
                    done_weeks: BTreeMap::new(),
                },
            ),
        );
    }
    for r in sqlx::query(
        "SELECT root_document_id, kind, due_on, n FROM rollup_dues WHERE org_id = $1 AND n <> 0",
    )
    .bind(root_id.0)
    .fetch_all(&mut *conn)
    .await
    .db()?
    {
        let kind: String = r.try_get("kind").db()?;
        let kind = OpenKind::parse(&kind).ok_or_else(|| bad_data("kind", &kind))?;
        if let Some(e) = rows.get_mut(&r.try_get::<i64, _>("root_document_id").db()?) {
            e.1.dues
                .insert((kind, r.try_get("due_on").db()?), r.try_get("n").db()?);
        }
    }
    for r in sqlx::query(
        "SELECT root_document_id, week, n FROM rollup_done_weeks WHERE org_id = $1 AND n <> 0",
    )
    .bind(root_id.0)
    .fetch_all(&mut *conn)
    .await
    .db()?
    {
        if let Some(e) = rows.get_mut(&r.try_get::<i64, _>("root_document_id").db()?) {
            e.1.done_weeks
                .insert(r.try_get("week").db()?, r.try_get("n").db()?);
        }
    }
    for (root, (province, r)) in &rows {
        let root = DocumentId(*root);
        let minus = Rollup::default().sub(r);
        let out: Vec<(OrgId, Rollup)> = leaving.iter().map(|a| (*a, minus.clone())).collect();
        add_rollups(conn, root, *province, &out).await?;
        let into: Vec<(OrgId, Rollup)> = joining.iter().map(|a| (*a, r.clone())).collect();
        add_rollups(conn, root, new_province, &into).await?;
        // Ancestors left with nothing of the chain lose their row, as a recount would.
        if !leaving.is_empty() {
            let mut qb = QueryBuilder::<Db>::new("DELETE FROM rollups WHERE root_document_id = ");
            qb.push_bind(root.0);
            for c in cols {
                qb.push(" AND ").push(*c).push(" = 0");
            }
            qb.push(" AND org_id IN ");
            push_ids(&mut qb, leaving.iter().map(|a| a.0));
            qb.build().execute(&mut *conn).await.db()?;
        }
    }
    // Paths copied into the programs tables.
    let range = old.subtree();
    // i32: PostgreSQL has substr(text, integer) only.
    let cut = old.as_str().len() as i32 + 1;
    for (table, col) in [
        ("cascade_units", "org_path"),
        ("programs", "org_path"),
        ("tasks", "org_path"),
        ("documents", "issuer_path"),
        ("cascades", "scope_root_path"),
    ] {
        let sql = format!(
            "UPDATE {table} SET {col} = $1 || substr({col}, $2) WHERE {col} >= $3 AND {col} < $4"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(new.as_str())
            .bind(cut)
            .bind(&range.start)
            .bind(&range.end)
            .execute(&mut *conn)
            .await
            .db()?;
    }
    if province_of(old) != new_province {
        // The shard key follows the units.
        let r = new.subtree();
        for (table, col) in [
            ("cascade_units", "org_path"),
            ("programs", "org_path"),
            ("tasks", "org_path"),
            ("documents", "issuer_path"),
        ] {
            let sql =
                format!("UPDATE {table} SET province_id = $1 WHERE {col} >= $2 AND {col} < $3");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(new_province)
                .bind(&r.start)
                .bind(&r.end)
                .execute(&mut *conn)
                .await
                .db()?;
        }
        for (table, key) in [
            ("rollups", "org_id"),
            ("rollup_dues", "org_id"),
            ("rollup_done_weeks", "org_id"),
            ("reports", "org_id"),
        ] {
            let sql = format!(
                "UPDATE {table} SET province_id = $1 WHERE {key} IN \
                 (SELECT id FROM organizations WHERE path >= $2 AND path < $3)"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(new_province)
                .bind(&r.start)
                .bind(&r.end)
                .execute(&mut *conn)
                .await
                .db()?;
        }
        for sql in [
            "UPDATE progress_updates SET province_id = $1 WHERE task_id IN \
             (SELECT id FROM tasks WHERE org_path >= $2 AND org_path < $3)",
            "UPDATE evidence_files SET province_id = $1 WHERE progress_update_id IN \
             (SELECT pu.id FROM progress_updates pu JOIN tasks t ON t.id = pu.task_id \
              WHERE t.org_path >= $2 AND t.org_path < $3)",
            "UPDATE program_sections SET province_id = $1 WHERE program_id IN \
             (SELECT id FROM programs WHERE org_path >= $2 AND org_path < $3)",
            "UPDATE unit_reports SET province_id = $1 WHERE cascade_unit_id IN \
             (SELECT id FROM cascade_units WHERE org_path >= $2 AND org_path < $3)",
            "UPDATE document_attachments SET province_id = $1 WHERE document_id IN \
             (SELECT id FROM documents WHERE issuer_path >= $2 AND issuer_path < $3)",
            "UPDATE report_decisions SET province_id = $1 WHERE report_id IN \
             (SELECT r.id FROM reports r JOIN organizations o ON o.id = r.org_id \
              WHERE o.path >= $2 AND o.path < $3)",
        ] {
            sqlx::query(sql)
                .bind(new_province)
                .bind(&r.start)
                .bind(&r.end)
                .execute(&mut *conn)
                .await
                .db()?;
        }
    }
    Ok(())
}

/// The unit of measure of a document target ("" without one).
async fn target_unit(conn: &mut Conn, target: Option<domain::TargetId>) -> Result<String> {
    let Some(t) = target else {
        return Ok(String::new());
    };
    let unit: Option<String> =
        sqlx::query_scalar("SELECT unit FROM document_targets WHERE id = $1")
            .bind(t.0)
            .fetch_optional(conn)
            .await
            .db()?;
    Ok(unit.unwrap_or_default())
}

#[async_trait]
impl ProgressStore for Backend {
    async fn post_progress(
        &self,
        p: &Principal,
        task: TaskId,
        input: ProgressInput,
    ) -> Result<ProgressRecord> {
        let mut tx = self.begin().await?;
        let c = task_readable(&mut tx, p, task).await?;
        progress::check_may_post(
            p,
            &c.path,
            c.ctx.task.draft.responsible,
            c.state,
            c.ctx.task.counted,
        )?;
        let mut bad = Invalid::default();
        let update = bad.take(
            ProgressUpdate {
                status: input.status,
                percent: input.percent,
                indicator_value: input.indicator_value,
                note: input.note,
            }
            .check(),
        );
        let files: Vec<(u64, &str)> = input
            .evidence
            .iter()
            .map(|e| (e.size, e.original_name.as_str()))
            .collect();
        let names = bad.take(progress::check_evidence(&files));
        // The value against the unit of the target the task serves (issue 11, defect 10).
        if let Some(u) = &update {
            let unit = target_unit(&mut tx, c.ctx.task.draft.upper_target).await?;
            bad.take(u.check_indicator(&unit));
        }
        let update = bad.into_result(update)?.expect("checked");
        let names = names.expect("checked");
        // A value for a target is checked against the target's unit (a percentage within
        // 0..=100), whatever the edge checked.
        if let Some(t) = c.ctx.task.draft.upper_target
            && let Some(unit) = crate::sql::targets::target_unit(&mut tx, t).await?
        {
            update.check_indicator(&unit)?;
        }
        let at = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO progress_updates (province_id, task_id, status, percent, indicator_value, \
             note, posted_by_user, posted_at, review) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending') RETURNING id",
        )
        .bind(c.province)
        .bind(task.0)
        .bind(update.status.as_str())
        .bind(update.percent.map(i64::from))
        .bind(update.indicator_value)
        .bind(update.note.as_deref())
        .bind(user_id_of(p))
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        for (e, name) in input.evidence.iter().zip(&names) {
            sqlx::query(
                "INSERT INTO evidence_blobs (key, evidence_type, size, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING",
            )
            .bind(e.key.as_str())
            .bind(e.kind.as_str())
            .bind(e.size as i64)
            .bind(at)
            .execute(&mut *tx)
            .await
            .db()?;
            sqlx::query(
                "INSERT INTO evidence_files (province_id, progress_update_id, blob_key, \
                 file_name, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(c.province)
            .bind(id)
            .bind(e.key.as_str())
            .bind(name)
            .bind(user_id_of(p))
            .bind(at)
            .execute(&mut *tx)
            .await
            .db()?;
        }
        let history = task_history(&mut tx, task).await?;
        let state = set_task_state(&mut tx, &c, derive_task(&history)).await?;
        let files: Vec<_> = input
            .evidence
            .iter()
            .zip(&names)
            .map(|(e, n)| json!({"key": e.key, "kind": e.kind.as_str(), "size": e.size, "name": n}))
            .collect();
        audit(
            &mut tx,
            p,
            "post",
            "progress_update",
            id,
            Some(&c.path),
            Some(json!({"task_id": task, "status": c.ctx.task.status,
                        "returned_count": c.ctx.task.returned_count})),
            Some(json!({"task_id": task, "update": update, "evidence": files,
                        "task_status": state.status, "returned_count": state.returned})),
        )
        .await?;
        let out = record_by_id(&mut tx, ProgressUpdateId(id))
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn decide_progress(
        &self,
        p: &Principal,
        update: ProgressUpdateId,
        decision: AcceptanceDecision,
    ) -> Result<ProgressRecord> {
        let mut tx = self.begin().await?;
        let rec = record_by_id(&mut tx, update)
            .await?
            .ok_or(StoreError::NotFound)?;
        let c = task_readable(&mut tx, p, rec.task_id).await?;
        progress::check_may_decide(p, &c.path)?;
        let form = match &decision {
            AcceptanceDecision::Accept => AcceptanceForm {
                decision: "accept".into(),
                reason: String::new(),
            },
            AcceptanceDecision::Return { reason } => AcceptanceForm {
                decision: "return".into(),
                reason: reason.clone(),
            },
        };
        // The command line (system) may decide on anything, its own posts included.
        let author = rec.posted_by.map_or(-1, |u| u.0);
        let decider = user_id_of(p).unwrap_or(-2);
        let acceptance = Acceptance::decide(&rec.acceptance, author, decider, &form)?;
        let reason = match &acceptance {
            Acceptance::Returned { reason } => Some(reason.clone()),
            _ => None,
        };
        let at = now();
        let n = sqlx::query(
            "UPDATE progress_updates SET review = $1, return_reason = $2, reviewed_by = $3, \
             reviewed_at = $4 WHERE id = $5 AND review = 'pending'",
        )
        .bind(acceptance.as_str())
        .bind(reason.as_deref())
        .bind(user_id_of(p))
        .bind(at)
        .bind(update.0)
        .execute(&mut *tx)
        .await
        .db()?
        .rows_affected();
        if n != 1 {
            return Err(StoreError::invalid("decision", "already_decided"));
        }
        let history = task_history(&mut tx, rec.task_id).await?;
        let state = set_task_state(&mut tx, &c, derive_task(&history)).await?;
        // An accepted indicator value is the unit's value for the linked target (the
        // latest by posting time wins; an older update accepted late does not overwrite);
        // the target and every target above it roll up again (docs/TARGETS.md).
        if matches!(acceptance, Acceptance::Accepted)
            && let (Some(v), Some(target)) =
                (rec.update.indicator_value, c.ctx.task.draft.upper_target)
        {
            crate::sql::targets::record_value(
                &mut tx,
                target,
                c.ctx.org_id,
                c.province,
                v,
                rec.posted_at.date(),
                update.0,
            )
            .await?;
        }
        let kind = match acceptance {
            Acceptance::Returned { .. } => NotificationKind::UpdateReturned,
            _ => NotificationKind::UpdateAccepted,
        };
        sqlx::query(
            "INSERT INTO notifications (province_id, user_id, kind, subject_type, subject_id, \
             created_at) SELECT $1, u.id, $2, 'progress_update', $3, $4 FROM users u \
             WHERE NOT u.disabled AND (u.member_id = $5 OR u.id = $6)",
        )
        .bind(c.province)
        .bind(kind.as_str())
        .bind(update.0)
        .bind(at)
        .bind(c.ctx.task.draft.responsible.map(|m| m.0))
        .bind(rec.posted_by.map(|u| u.0))
        .execute(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            // The stored names of an acceptance in the audit log (ARCHITECTURE.md, "Names").
            "review",
            "progress_update",
            update.0,
            Some(&c.path),
            Some(json!({"task_id": rec.task_id, "review": rec.acceptance})),
            Some(json!({"task_id": rec.task_id, "review": acceptance,
                        "task_status": state.status, "returned_count": state.returned})),
        )
        .await?;
        let out = record_by_id(&mut tx, update)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn task_progress(&self, p: &Principal, task: TaskId) -> Result<Vec<ProgressRecord>> {
        let mut conn = self.reader().await?;
        task_readable(&mut conn, p, task).await?;
        let sql = format!(
            "SELECT {PU_COLS} FROM progress_updates pu{PU_JOIN} WHERE pu.task_id = $1 ORDER BY pu.id"
        );
        let mut out = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(task.0)
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(pu_row)
            .collect::<Result<Vec<_>>>()?;
        load_evidence(&mut conn, &mut out).await?;
        Ok(out)
    }

    // ---- Reads ---------------------------------------------------------------------------

    async fn task(&self, p: &Principal, task: TaskId) -> Result<TaskContext> {
        let mut conn = self.reader().await?;
        Ok(task_readable(&mut conn, p, task).await?.ctx)
    }

    async fn pending_acceptances(
        &self,
        p: &Principal,
        org: OrgId,
        page: Page,
    ) -> Result<Vec<PendingAcceptance>> {
        let mut conn = self.reader().await?;
        let o = org_readable(&mut conn, p, org).await?;
        p.ensure(Permission::EditOrgs, &o.path)?;
        let (limit, offset) = page_limits(page);
        let sql = format!(
            "{} WHERE pu.province_id = $1 AND pu.review = 'pending' \
             AND (o.parent_id = $2 OR (o.id = $2 AND o.parent_id IS NULL)) \
             ORDER BY pu.id LIMIT $3 OFFSET $4",
            ctx_sql_with(
                &format!(", {PU_COLS}"),
                &format!(" JOIN progress_updates pu ON pu.task_id = t.id{PU_JOIN}")
            )
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(province_of(&o.path))
            .bind(org.0)
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *conn)
            .await
            .db()?;
        let mut records = rows.iter().map(pu_row).collect::<Result<Vec<_>>>()?;
        load_evidence(&mut conn, &mut records).await?;
        rows.iter()
            .zip(records)
            .map(|(r, progress)| {
                Ok(PendingAcceptance {
                    progress,
                    context: ctx_row(r)?.ctx,
                })
            })
            .collect()
    }

    async fn my_tasks(&self, p: &Principal, today: Date) -> Result<Vec<MyTask>> {
        let Some(member) = p.member_id else {
            return Ok(Vec::new());
        };
        let mut conn = self.reader().await?;
        let sql = format!(
            "{} WHERE t.responsible_member_id = $1 AND t.counted ORDER BY t.deadline, t.id",
            ctx_sql()
        );
        let soon = today + Duration::days(MY_TASKS_DUE_SOON_DAYS);
        let mut out = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(member.0)
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(|r| {
                let c = ctx_row(r)?;
                let state = task_state(&c.ctx.task);
                let effective = state.effective(today);
                let due_soon = effective != EffectiveStatus::Overdue
                    && state.status != TaskStatus::Done
                    && state.deadline.is_some_and(|d| d <= soon);
                Ok(MyTask {
                    context: c.ctx,
                    effective,
                    due_soon,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort_by_key(|t| {
            (
                t.effective != EffectiveStatus::Overdue,
                t.context.task.draft.deadline,
                t.context.task.id,
            )
        });
        Ok(out)
    }

    async fn notifications(&self, p: &Principal, today: Date) -> Result<Vec<Notification>> {
        let mut conn = self.reader().await?;
        let horizon = today + Duration::days(NOTIFY_WITHIN_DAYS);
        let mut computed: Vec<Notification> = Vec::new();
        if let Some(member) = p.member_id {
            let sql = format!(
                "{} WHERE t.responsible_member_id = $1 AND t.counted AND t.status <> 'done' \
                 AND t.deadline <= $2 ORDER BY t.deadline, t.id",
                ctx_sql()
            );
            for r in sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(member.0)
                .bind(horizon)
                .fetch_all(&mut *conn)
                .await
                .db()?
            {
                let c = ctx_row(&r)?;
                let due = c.ctx.task.draft.deadline;
                computed.push(Notification {
                    id: None,
                    kind: if due.is_some_and(|d| d < today) {
                        NotificationKind::TaskOverdue
                    } else {
                        NotificationKind::TaskDueSoon
                    },
                    subject_type: "task",
                    subject_id: c.ctx.task.id.0,
                    title: c.ctx.task.draft.content.clone(),
                    org_id: c.ctx.org_id,
                    org_name: c.ctx.org_name.clone(),
                    due,
                    milestone: None,
                    reason: None,
                    created_at: None,
                    read: false,
                });
            }
        }
        let mut kept: Vec<i64> = p
            .grants
            .iter()
            .filter(|g| g.role.permits(Permission::EditPeople))
            .map(|g| g.org_id.0)
            .collect();
        kept.sort_unstable();
        kept.dedup();
        if !kept.is_empty() {
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT cu.id, cu.org_id, o.name AS org_name, d.title AS doc_title, \
                 d.symbol AS doc_symbol, cu.study_by, cu.studied_on, cu.program_by, \
                 cu.program_issued_on, cu.interim_review_by, cu.interim_reviewed_on, \
                 cu.report_next_due FROM cascade_units cu \
                 JOIN organizations o ON o.id = cu.org_id \
                 JOIN cascades c ON c.id = cu.cascade_id \
                 JOIN documents d ON d.id = c.document_id WHERE cu.org_id IN ",
            );
            push_ids(&mut qb, kept.iter().copied());
            qb.push(" ORDER BY cu.id");
            for r in qb.build().fetch_all(&mut *conn).await.db()? {
                let items = crate::sql::cascades::milestone_dates(&r)?.open(|d| d <= horizon);
                let symbol: String = r.try_get("doc_symbol").db()?;
                let title: String = r.try_get("doc_title").db()?;
                for (m, due) in items {
                    computed.push(Notification {
                        id: None,
                        kind: NotificationKind::UnitDeadline,
                        subject_type: "cascade_unit",
                        subject_id: r.try_get("id").db()?,
                        title: format!("{symbol} {title}"),
                        org_id: OrgId(r.try_get("org_id").db()?),
                        org_name: r.try_get("org_name").db()?,
                        due: Some(due),
                        milestone: Some(m),
                        reason: None,
                        created_at: None,
                        read: false,
                    });
                }
            }
        }
        computed.sort_by_key(|n| (n.due, n.subject_id));
        let Some(me) = user_id_of(p) else {
            return Ok(computed);
        };
        let stored: Vec<(
            i64,
            String,
            String,
            i64,
            time::OffsetDateTime,
            Option<time::OffsetDateTime>,
        )> = sqlx::query_as(
            "SELECT id, kind, subject_type, subject_id, created_at, read_at FROM notifications \
                 WHERE user_id = $1 ORDER BY id DESC LIMIT 100",
        )
        .bind(me)
        .fetch_all(&mut *conn)
        .await
        .db()?;
        // Titles: programs and updates, in one query each.
        let ids_of =
            |t: &str| -> Vec<i64> { stored.iter().filter(|s| s.2 == t).map(|s| s.3).collect() };
        let mut programs: HashMap<i64, (String, OrgId, String)> = HashMap::new();
        let pids = ids_of("program");
        if !pids.is_empty() {
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT pr.id, pr.title, d.symbol, pr.org_id, o.name FROM programs pr \
                 JOIN organizations o ON o.id = pr.org_id \
                 LEFT JOIN documents d ON d.id = pr.document_id WHERE pr.id IN ",
            );
            push_ids(&mut qb, pids);
            for r in qb.build().fetch_all(&mut *conn).await.db()? {
                let title: String = r.try_get("title").db()?;
                let symbol: Option<String> = r.try_get("symbol").db()?;
                programs.insert(
                    r.try_get("id").db()?,
                    (
                        match symbol {
                            Some(s) => format!("{s} {title}"),
                            None => title,
                        },
                        OrgId(r.try_get("org_id").db()?),
                        r.try_get("name").db()?,
                    ),
                );
            }
        }
        let mut updates: HashMap<i64, (String, OrgId, String, Option<String>)> = HashMap::new();
        let uids = ids_of("progress_update");
        if !uids.is_empty() {
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT pu.id, pu.return_reason, t.content, pr.org_id, o.name \
                 FROM progress_updates pu JOIN tasks t ON t.id = pu.task_id \
                 JOIN programs pr ON pr.id = t.program_id \
                 JOIN organizations o ON o.id = pr.org_id WHERE pu.id IN ",
            );
            push_ids(&mut qb, uids);
            for r in qb.build().fetch_all(&mut *conn).await.db()? {
                updates.insert(
                    r.try_get("id").db()?,
                    (
                        r.try_get("content").db()?,
                        OrgId(r.try_get("org_id").db()?),
                        r.try_get("name").db()?,
                        r.try_get("return_reason").db()?,
                    ),
                );
            }
        }
        let mut out = computed;
        for (id, kind, subject_type, subject_id, created_at, read_at) in stored {
            let Some(kind) = NotificationKind::parse(&kind) else {
                continue;
            };
            let (subject_type, title, org_id, org_name, reason) = match subject_type.as_str() {
                "program" => match programs.get(&subject_id) {
                    Some((t, o, n)) => ("program", t.clone(), *o, n.clone(), None),
                    None => continue,
                },
                "progress_update" => match updates.get(&subject_id) {
                    Some((t, o, n, r)) => ("progress_update", t.clone(), *o, n.clone(), r.clone()),
                    None => continue,
                },
                _ => continue,
            };
            out.push(Notification {
                id: Some(id),
                kind,
                subject_type,
                subject_id,
                title,
                org_id,
                org_name,
                due: None,
                milestone: None,
                reason: if kind == NotificationKind::UpdateReturned {
                    reason
                } else {
                    None
                },
                created_at: Some(created_at),
                read: read_at.is_some(),
            });
        }
        Ok(out)
    }

    async fn mark_notifications_read(&self, p: &Principal, mut ids: Vec<i64>) -> Result<u64> {
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(0);
        }
        let Some(me) = user_id_of(p) else {
            return Err(StoreError::NotFound);
        };
        let mut tx = self.begin().await?;
        let mut qb = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM notifications WHERE user_id = ");
        qb.push_bind(me).push(" AND id IN ");
        push_ids(&mut qb, ids.iter().copied());
        let mine: i64 = qb.build_query_scalar().fetch_one(&mut *tx).await.db()?;
        if mine as usize != ids.len() {
            return Err(StoreError::NotFound);
        }
        let mut qb = QueryBuilder::<Db>::new("UPDATE notifications SET read_at = ");
        qb.push_bind(now())
            .push(" WHERE read_at IS NULL AND user_id = ")
            .push_bind(me)
            .push(" AND id IN ");
        push_ids(&mut qb, ids.iter().copied());
        let n = qb.build().execute(&mut *tx).await.db()?.rows_affected();
        audit(
            &mut tx,
            p,
            "mark_read",
            "notification",
            me,
            None,
            None,
            Some(json!({"ids": ids, "changed": n})),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(n)
    }
}
