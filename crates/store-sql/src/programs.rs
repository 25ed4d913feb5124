//! Programs ([`store::ProgramStore`], issue 3): a unit's action program or plan, its tasks
//! and versions, issued with a number of the unit's series; and (issue 4) the plan-quality
//! assessments of issued programs.

use crate::dialect::{self, Backend, Conn, Db, DbRow, MAX_BINDS};
use crate::sql::cascades::unit_by_id;
use crate::sql::dashboards::apply_delta;
use crate::sql::documents::{doc_by_id, doc_readable};
use crate::sql::orgs::{org_by_id, org_for_write, org_readable, require_active};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::program::{self, TaskRefs};
use domain::text::fold;
use domain::{
    DocumentId, MemberId, OrgId, Permission, Principal, ProgramId, ProgramKind, ProgramSections,
    ProgramState, Rollup, TargetId, TaskDraft, TaskId, TaskState, TaskStatus,
};
use serde_json::json;
use sqlx::{QueryBuilder, Row};
use std::collections::HashMap;
use store::*;
use time::Date;

// ---- Programs ----------------------------------------------------------------------------

const PROGRAM_COLS: &str = "pr.id, pr.org_id, pr.org_path, o.name AS org_name, \
     pr.cascade_unit_id, pr.root_document_id, pr.kind, pr.state, pr.title, pr.document_id, \
     d.symbol, d.issued_on, pr.revises, pr.superseded_by, pr.created_at, ps.purpose, \
     ps.tasks_and_solutions, ps.organization";

const PROGRAM_FROM: &str = " FROM programs pr JOIN organizations o ON o.id = pr.org_id \
     LEFT JOIN documents d ON d.id = pr.document_id \
     LEFT JOIN program_sections ps ON ps.program_id = pr.id";

/// The task contents of `programs`, in the order of each task table.
async fn task_contents(conn: &mut Conn, programs: &[i64]) -> Result<HashMap<i64, Vec<String>>> {
    let mut tasks: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in programs.chunks(1_000) {
        let mut qb =
            QueryBuilder::<Db>::new("SELECT program_id, content FROM tasks WHERE program_id IN ");
        push_ids(&mut qb, chunk.iter().copied());
        qb.push(" ORDER BY program_id, position");
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            tasks
                .entry(r.try_get("program_id").db()?)
                .or_default()
                .push(r.try_get("content").db()?);
        }
    }
    Ok(tasks)
}

fn program_row(r: &DbRow) -> Result<Program> {
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

pub(crate) async fn program_by_id(conn: &mut Conn, id: ProgramId) -> Result<Option<Program>> {
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
    let pr = program_by_id(conn, id).await?.ok_or(StoreError::NotFound)?;
    p.ensure_read(&pr.org_path)?;
    Ok(pr)
}

pub(crate) async fn program_for_write(
    conn: &mut Conn,
    p: &Principal,
    id: ProgramId,
) -> Result<Program> {
    let pr = program_readable(conn, p, id).await?;
    p.ensure(Permission::EditOrgs, &pr.org_path)?;
    Ok(pr)
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

pub(crate) async fn load_tasks(conn: &mut Conn, program: ProgramId) -> Result<Vec<TaskRecord>> {
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

/// What the store knows of a task table's references, for `TaskRefs::check`: the cells
/// of the responsible members, and which upper targets belong to the program's document
/// chain.
async fn load_task_refs(conn: &mut Conn, pr: &Program, tasks: &[TaskDraft]) -> Result<TaskRefs> {
    let mut refs = TaskRefs::default();
    let members: Vec<i64> = tasks
        .iter()
        .filter_map(|t| t.responsible.map(|m| m.0))
        .collect();
    if !members.is_empty() {
        let mut qb = QueryBuilder::<Db>::new("SELECT id, cell_path FROM members WHERE id IN ");
        push_ids(&mut qb, members.iter().copied());
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            refs.cells.insert(
                MemberId(r.try_get("id").db()?),
                path_of(r.try_get("cell_path").db()?)?,
            );
        }
    }
    let targets: Vec<i64> = tasks
        .iter()
        .filter_map(|t| t.upper_target.map(|x| x.0))
        .collect();
    if !targets.is_empty() {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT t.id FROM document_targets t LEFT JOIN documents d ON d.id = t.document_id \
             LEFT JOIN programs pp ON pp.id = t.program_id \
             WHERE COALESCE(d.root_document_id, pp.root_document_id) = ",
        );
        qb.push_bind(pr.root_document_id.0).push(" AND t.id IN ");
        push_ids(&mut qb, targets.iter().copied());
        let known: Vec<i64> = qb.build_query_scalar().fetch_all(&mut *conn).await.db()?;
        refs.targets_in_chain = known.into_iter().map(TargetId).collect();
    }
    Ok(refs)
}

pub(crate) async fn insert_tasks(conn: &mut Conn, pr: &Program, tasks: &[TaskDraft]) -> Result<()> {
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
pub(crate) async fn new_draft(
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
        // The program's own targets come along (with the values reported for them), and
        // the copied tasks serve the copies.
        let copied =
            crate::sql::targets::copy_targets(conn, f.id, pr.id, province_of(&org.path)).await?;
        let drafts: Vec<TaskDraft> = load_tasks(conn, f.id)
            .await?
            .into_iter()
            .map(|t| {
                let mut d = t.draft;
                if let Some(x) = d.upper_target
                    && let Some(n) = copied.get(&x.0)
                {
                    d.upper_target = Some(TargetId(*n));
                }
                d
            })
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

pub(crate) fn assessment_row(r: &DbRow) -> Result<Assessment> {
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

pub(crate) const ASSESSMENT_COLS: &str = "a.verdict, a.copied_fraction, a.score, a.upper_is_program, \
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

#[async_trait]
impl ProgramStore for Backend {
    async fn create_program_draft(&self, p: &Principal, new: NewProgram) -> Result<Program> {
        let mut tx = self.begin().await?;
        let org = org_for_write(&mut tx, p, new.org_id, Permission::EditOrgs).await?;
        require_active(&org)?;
        let doc = match doc_readable(&mut tx, p, new.document_id).await {
            Ok(d) => Some(d),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e),
        };
        let title = domain::program::check_new_draft(doc.is_some(), &new.title)?;
        let doc = doc.expect("checked");
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

    async fn save_program_sections(
        &self,
        p: &Principal,
        id: ProgramId,
        sections: ProgramSections,
    ) -> Result<Program> {
        let mut tx = self.begin().await?;
        let pr = program_for_write(&mut tx, p, id).await?;
        pr.state.require_editable()?;
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
            Some(to_json(&pr.sections)),
            Some(to_json(&sections)),
        )
        .await?;
        let out = program_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn save_tasks(
        &self,
        p: &Principal,
        id: ProgramId,
        tasks: Vec<TaskDraft>,
    ) -> Result<Vec<TaskRecord>> {
        let mut tx = self.begin().await?;
        let pr = program_for_write(&mut tx, p, id).await?;
        pr.state.require_editable()?;
        domain::program::check_task_count(tasks.len())?;
        let refs = load_task_refs(&mut tx, &pr, &tasks).await?;
        domain::program::check_tasks_to_save(&pr.org_path, &tasks, &refs)?;
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
            Some(to_json(&before)),
            Some(to_json(&tasks)),
        )
        .await?;
        let out = load_tasks(&mut tx, id).await?;
        tx.commit().await.db()?;
        Ok(out)
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
        let mut tx = self.begin().await?;
        let out = self.issue_in(&mut tx, p, id, issued_on, 0).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn revise_program(&self, p: &Principal, id: ProgramId) -> Result<Program> {
        let mut tx = self.begin().await?;
        let pr = program_for_write(&mut tx, p, id).await?;
        pr.state.require_revisable()?;
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

    async fn save_assessment(
        &self,
        p: &Principal,
        program: ProgramId,
        a: &Assessment,
    ) -> Result<()> {
        let mut conn = self.writer().await?;
        upsert_assessment(&mut conn, p, program, a).await
    }

    async fn save_assessments(
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

    async fn peer_programs(&self, p: &Principal, program: ProgramId) -> Result<Vec<PeerProgram>> {
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
        let ids: Vec<i64> = programs.iter().map(|p| p.id.0).collect();
        let mut tasks = task_contents(&mut conn, &ids).await?;
        Ok(programs
            .into_iter()
            .map(|program| PeerProgram {
                tasks: tasks.remove(&program.id.0).unwrap_or_default(),
                program,
            })
            .collect())
    }

    async fn previous_programs(
        &self,
        p: &Principal,
        programs: &[ProgramId],
    ) -> Result<Vec<(ProgramId, PeerProgram)>> {
        let mut conn = self.reader().await?;
        let mut found: Vec<(ProgramId, Program)> = Vec::new();
        for chunk in programs.chunks(1_000) {
            // Every earlier issued program of the unit on another chain, newest first per
            // program; the first of each is kept. Ids break ties of `created_at` (ids are
            // allocated in creation order).
            let mut qb = QueryBuilder::<Db>::new(format!(
                "SELECT cur.id AS cur_id, {PROGRAM_COLS}{PROGRAM_FROM} \
                 JOIN programs cur ON cur.org_id = pr.org_id \
                 AND cur.root_document_id <> pr.root_document_id \
                 AND pr.created_at <= cur.created_at AND pr.id < cur.id \
                 WHERE pr.state = 'issued' AND cur.id IN "
            ));
            push_ids(&mut qb, chunk.iter().map(|id| id.0));
            push_scope(&mut qb, "pr.org_path", p, Permission::Read);
            qb.push(" ORDER BY cur.id, pr.created_at DESC, pr.id DESC");
            for r in qb.build().fetch_all(&mut *conn).await.db()? {
                let cur = ProgramId(r.try_get("cur_id").db()?);
                if found.last().is_none_or(|(last, _)| *last != cur) {
                    found.push((cur, program_row(&r)?));
                }
            }
        }
        let ids: Vec<i64> = found.iter().map(|(_, pr)| pr.id.0).collect();
        let tasks = task_contents(&mut conn, &ids).await?;
        Ok(found
            .into_iter()
            .map(|(cur, program)| {
                let tasks = tasks.get(&program.id.0).cloned().unwrap_or_default();
                (cur, PeerProgram { program, tasks })
            })
            .collect())
    }

    async fn issued_programs(&self, p: &Principal) -> Result<Vec<ProgramId>> {
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

    async fn issued_program_groups(&self, p: &Principal) -> Result<Vec<ProgramGroup>> {
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

    async fn program_group(
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

    async fn assessment(&self, p: &Principal, program: ProgramId) -> Result<Option<Assessment>> {
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
}

impl Backend {
    /// Issues a draft in the caller's transaction: what `issue_program` does, also used
    /// when an inspection's recommendation becomes a task of a revision
    /// (`inspection::adopt_recommendation`). The first `carried` tasks were carried over
    /// unchanged from the issued version: their past deadlines do not stop the revision
    /// (`domain::inspection::waive_carried_deadlines`). The body is the one the trait
    /// method had, unchanged (hence its borrows of `tx`).
    #[allow(clippy::needless_borrow)]
    pub(crate) async fn issue_in(
        &self,
        mut tx: &mut Conn,
        p: &Principal,
        id: ProgramId,
        issued_on: Date,
        carried: usize,
    ) -> Result<Program> {
        let pr = program_for_write(&mut tx, p, id).await?;
        let tasks = load_tasks(&mut tx, id).await?;
        let drafts: Vec<TaskDraft> = tasks.iter().map(|t| t.draft.clone()).collect();
        let refs = match pr.state.is_editable() {
            true => Some(load_task_refs(&mut tx, &pr, &drafts).await?),
            false => None,
        };
        let org = org_by_id(&mut tx, pr.org_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let body = match program::check_issue_facts(
            &program::IssueFacts {
                state: pr.state,
                sections: &pr.sections,
                tasks: &drafts,
                unit: &pr.org_path,
                unit_kind: org.kind,
                refs: refs.as_ref(),
            },
            issued_on,
        ) {
            Ok(body) => body,
            Err(e) if carried > 0 => {
                domain::inspection::waive_carried_deadlines(e, carried)?;
                domain::BodyCode::for_org(org.kind, None).ok_or(StoreError::NotFound)?
            }
            Err(e) => return Err(e.into()),
        };
        // A draft under consultation waits for the period's end and every answer.
        let gate = crate::sql::consultation::program_gate_in(&mut tx, id, issued_on).await?;
        domain::consultation::check_issue_gate(&gate)?;
        let root_doc = doc_by_id(&mut tx, pr.root_document_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let term = program::issue_term(root_doc.term, issued_on)?;
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
        let number = program::issue_number(org.kind, pr.kind, &body, &used)?;
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
        .bind(pr.sections.to_markdown())
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
        // The new version's targets count toward the targets they serve; the old ones stop.
        let versions: Vec<i64> = std::iter::once(id.0).chain(old.map(|(o, _)| o)).collect();
        crate::sql::targets::refresh_programs(&mut tx, &versions).await?;
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
        let mut doc_json = to_json(&doc);
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
        Ok(out)
    }
}
