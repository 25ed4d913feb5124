//! Inspection and supervision ([`store::InspectionStore`], issue 16). The rules (steps,
//! time limits, confidentiality, the recommendation's state machine, the suggestions'
//! reasons) are in `domain::inspection`; this module loads, calls them, writes and
//! audits in one transaction. docs/INSPECTION.md.

use crate::dialect::{Backend, Conn, Db, DbRow};
use crate::sql::documents::doc_by_id;
use crate::sql::orgs::{org_by_id, org_readable, require_active};
use crate::sql::programs::{load_tasks, new_draft, program_by_id};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::inspection::{
    self as rules, AboutKind, BodyKind, FindingKind, ItemKind, ItemState, RecAction, RecActor,
    RecState, TeamRole, Viewer,
};
use domain::validate::{self, Invalid};
use domain::{
    ContentKey, DocumentId, EvidenceType, MemberId, OrgId, OrgPath, Permission, Principal,
    ProgramId, TaskId, UserId,
};
use serde_json::json;
use sqlx::{QueryBuilder, Row};
use std::collections::HashMap;
use store::*;
use time::Date;

const MAX_TEXT: usize = 20_000;
const MAX_TITLE: usize = 500;

fn parse<T>(what: &str, v: String, f: impl Fn(&str) -> Option<T>) -> Result<T> {
    f(&v).ok_or_else(|| bad_data(what, &v))
}

/// Whether `p` keeps unit `path` (its office, secretary or administrator): who answers
/// for a subject's self-report and an acting unit's remediation.
fn keeps_unit(p: &Principal, path: &OrgPath) -> bool {
    use domain::AccessRole::*;
    p.system
        || p.grants
            .iter()
            .any(|g| matches!(g.role, Admin | OfficeStaff | Secretary) && g.org_path.covers(path))
}

/// The first day of the party term that holds `today` (terms of five years from 2020:
/// 2020–2025, 2025–2030; a congress year belongs to the term it opens).
pub(crate) fn term_start(today: Date) -> Date {
    let y = today.year();
    let start = 2020 + (y - 2020).div_euclid(5) * 5;
    Date::from_calendar_date(start, time::Month::January, 1).expect("a valid date")
}

/// A unit named by a conclusion's recommendation.
struct OrgLite {
    id: OrgId,
    path: OrgPath,
}

// ---- Rows ---------------------------------------------------------------------------------

struct ItemRow {
    id: i64,
    program_id: i64,
    org_id: OrgId,
    org_path: OrgPath,
    org_name: String,
    org_kind: domain::OrgKind,
    body: BodyKind,
    kind: ItemKind,
    title: String,
    content: String,
    document_id: Option<DocumentId>,
    document_symbol: Option<String>,
    content_program_id: Option<ProgramId>,
    content_program_title: Option<String>,
    period_from: Option<Date>,
    period_to: Option<Date>,
    starts_on: Date,
    ends_on: Date,
    self_report_due: Option<Date>,
    state: ItemState,
    notified_on: Option<Date>,
    reported_on: Option<Date>,
    concluded_on: Option<Date>,
    notice_symbol: Option<String>,
    conclusion: Option<String>,
}

const ITEM_COLS: &str = "i.id, i.program_id, i.org_id, i.org_path, o.name AS org_name, \
     o.kind AS org_kind, i.body_kind, i.kind, i.title, i.content_md, i.document_id, \
     d.symbol AS document_symbol, i.content_program_id, cp.title AS content_program_title, \
     i.period_from, i.period_to, \
     i.starts_on, i.ends_on, i.self_report_due, i.state, i.notified_on, i.reported_on, \
     i.concluded_on, i.notice_symbol, i.conclusion_md";
const ITEM_FROM: &str = " FROM inspection_items i JOIN organizations o ON o.id = i.org_id \
     LEFT JOIN documents d ON d.id = i.document_id \
     LEFT JOIN programs cp ON cp.id = i.content_program_id";

fn item_row(r: &DbRow) -> Result<ItemRow> {
    Ok(ItemRow {
        id: r.try_get("id").db()?,
        program_id: r.try_get("program_id").db()?,
        org_id: OrgId(r.try_get("org_id").db()?),
        org_path: path_of(r.try_get("org_path").db()?)?,
        org_name: r.try_get("org_name").db()?,
        org_kind: parse(
            "org kind",
            r.try_get("org_kind").db()?,
            domain::OrgKind::parse,
        )?,
        body: parse("body kind", r.try_get("body_kind").db()?, BodyKind::parse)?,
        kind: parse("item kind", r.try_get("kind").db()?, ItemKind::parse)?,
        title: r.try_get("title").db()?,
        content: r.try_get("content_md").db()?,
        document_id: r
            .try_get::<Option<i64>, _>("document_id")
            .db()?
            .map(DocumentId),
        document_symbol: r.try_get("document_symbol").db()?,
        content_program_id: r
            .try_get::<Option<i64>, _>("content_program_id")
            .db()?
            .map(ProgramId),
        content_program_title: r.try_get("content_program_title").db()?,
        period_from: r.try_get("period_from").db()?,
        period_to: r.try_get("period_to").db()?,
        starts_on: r.try_get("starts_on").db()?,
        ends_on: r.try_get("ends_on").db()?,
        self_report_due: r.try_get("self_report_due").db()?,
        state: parse("item state", r.try_get("state").db()?, ItemState::parse)?,
        notified_on: r.try_get("notified_on").db()?,
        reported_on: r.try_get("reported_on").db()?,
        concluded_on: r.try_get("concluded_on").db()?,
        notice_symbol: r.try_get("notice_symbol").db()?,
        conclusion: r.try_get("conclusion_md").db()?,
    })
}

async fn item_by_id(conn: &mut Conn, id: i64) -> Result<ItemRow> {
    let sql = format!("SELECT {ITEM_COLS}{ITEM_FROM} WHERE i.id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
    item_row(&r)
}

fn program_row(r: &DbRow) -> Result<InspectionProgram> {
    Ok(InspectionProgram {
        id: r.try_get("id").db()?,
        org_id: OrgId(r.try_get("org_id").db()?),
        org_path: path_of(r.try_get("org_path").db()?)?,
        org_name: r.try_get("org_name").db()?,
        body: parse("body kind", r.try_get("body_kind").db()?, BodyKind::parse)?,
        year: r.try_get::<i64, _>("year").db()? as i32,
        title: r.try_get("title").db()?,
        created_at: r.try_get("created_at").db()?,
    })
}

const PROGRAM_SQL: &str = "SELECT ip.id, ip.org_id, ip.org_path, o.name AS org_name, \
     ip.body_kind, ip.year, ip.title, ip.created_at FROM inspection_programs ip \
     JOIN organizations o ON o.id = ip.org_id";

async fn subjects_of(conn: &mut Conn, item: i64) -> Result<Vec<ItemSubject>> {
    let rows = sqlx::query(
        "SELECT s.id, s.org_id, s.org_path, o.name AS org_name, s.member_id, \
         m.full_name AS member_name, s.report_md, s.reported_at \
         FROM inspection_subjects s JOIN organizations o ON o.id = s.org_id \
         LEFT JOIN members m ON m.id = s.member_id WHERE s.item_id = $1 ORDER BY s.id",
    )
    .bind(item)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(ItemSubject {
            id: r.try_get("id").db()?,
            org_id: OrgId(r.try_get("org_id").db()?),
            org_path: path_of(r.try_get("org_path").db()?)?,
            org_name: r.try_get("org_name").db()?,
            member_id: r.try_get::<Option<i64>, _>("member_id").db()?.map(MemberId),
            member_name: r.try_get("member_name").db()?,
            report: r.try_get("report_md").db()?,
            reported_at: r.try_get("reported_at").db()?,
            files: Vec::new(),
        });
    }
    let files = files_of(conn, "subject", out.iter().map(|s| s.id)).await?;
    for s in &mut out {
        s.files = files.get(&s.id).cloned().unwrap_or_default();
    }
    Ok(out)
}

async fn files_of(
    conn: &mut Conn,
    owner: &str,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, Vec<InspectionFile>>> {
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT f.id, f.owner_id, f.blob_key, f.file_name, b.evidence_type, b.size \
         FROM inspection_files f JOIN evidence_blobs b ON b.key = f.blob_key WHERE f.owner = ",
    );
    qb.push_bind(owner.to_owned()).push(" AND f.owner_id IN ");
    push_ids(&mut qb, ids);
    qb.push(" ORDER BY f.id");
    let mut out: HashMap<i64, Vec<InspectionFile>> = HashMap::new();
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        let id: i64 = r.try_get("id").db()?;
        let key: String = r.try_get("blob_key").db()?;
        let kind: String = r.try_get("evidence_type").db()?;
        out.entry(r.try_get("owner_id").db()?)
            .or_default()
            .push(InspectionFile {
                id,
                file: EvidenceFile {
                    id,
                    key: ContentKey::parse(&key).ok_or_else(|| bad_data("blob_key", &key))?,
                    kind: EvidenceType::parse(&kind)
                        .ok_or_else(|| bad_data("evidence_type", &kind))?,
                    size: r.try_get::<i64, _>("size").db()?.max(0) as u64,
                    file_name: r.try_get("file_name").db()?,
                },
            });
    }
    Ok(out)
}

async fn insert_files(
    conn: &mut Conn,
    p: &Principal,
    province: i64,
    owner: &str,
    owner_id: i64,
    files: &[EvidenceMeta],
    names: &[String],
) -> Result<()> {
    let at = now();
    for (e, name) in files.iter().zip(names) {
        sqlx::query(
            "INSERT INTO evidence_blobs (key, evidence_type, size, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING",
        )
        .bind(e.key.as_str())
        .bind(e.kind.as_str())
        .bind(e.size as i64)
        .bind(at)
        .execute(&mut *conn)
        .await
        .db()?;
        sqlx::query(
            "INSERT INTO inspection_files (province_id, owner, owner_id, blob_key, file_name, \
             uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(province)
        .bind(owner)
        .bind(owner_id)
        .bind(e.key.as_str())
        .bind(name)
        .bind(user_id_of(p))
        .bind(at)
        .execute(&mut *conn)
        .await
        .db()?;
    }
    Ok(())
}

fn check_files(files: &[EvidenceMeta]) -> Result<Vec<String>, Invalid> {
    let f: Vec<(u64, &str)> = files
        .iter()
        .map(|e| (e.size, e.original_name.as_str()))
        .collect();
    domain::progress::check_evidence(&f)
}

const ITEM_TASK_SQL: &str = "SELECT t.id, t.program_id, pr.title AS program_title, \
     pr.state AS program_state, t.org_id, o.name AS org_name, t.position, t.content, \
     m.full_name AS responsible_name, t.deadline, t.status, t.percent \
     FROM tasks t JOIN programs pr ON pr.id = t.program_id \
     JOIN organizations o ON o.id = t.org_id \
     LEFT JOIN members m ON m.id = t.responsible_member_id";

fn item_task_row(r: &DbRow) -> Result<ItemTask> {
    let state: String = r.try_get("program_state").db()?;
    Ok(ItemTask {
        id: TaskId(r.try_get("id").db()?),
        program_id: ProgramId(r.try_get("program_id").db()?),
        program_title: r.try_get("program_title").db()?,
        current: state == "issued",
        org_id: OrgId(r.try_get("org_id").db()?),
        org_name: r.try_get("org_name").db()?,
        position: r.try_get::<i64, _>("position").db()? as u32,
        content: r.try_get("content").db()?,
        responsible_name: r.try_get("responsible_name").db()?,
        deadline: r.try_get("deadline").db()?,
        status: parse(
            "task status",
            r.try_get("status").db()?,
            domain::TaskStatus::parse,
        )?,
        percent: r
            .try_get::<Option<i64>, _>("percent")
            .db()?
            .map(|v| v.clamp(0, 100) as u8),
    })
}

/// The named tasks of an item, in their order.
async fn tasks_of(conn: &mut Conn, item: i64) -> Result<Vec<ItemTask>> {
    let sql = format!(
        "{ITEM_TASK_SQL} JOIN inspection_item_tasks it ON it.task_id = t.id \
         WHERE it.item_id = $1 ORDER BY it.position"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(item)
        .fetch_all(&mut *conn)
        .await
        .db()?;
    rows.iter().map(item_task_row).collect()
}

/// The named tasks as given, once each; every one must belong to a program of a unit
/// under one of `subjects` (`tasks`: `task_outside_subjects`, `too_many`).
async fn check_item_tasks(
    conn: &mut Conn,
    subjects: &[OrgPath],
    tasks: &[TaskId],
    inv: &mut Invalid,
) -> Result<Vec<TaskId>> {
    let mut out: Vec<TaskId> = Vec::with_capacity(tasks.len());
    for t in tasks {
        if !out.contains(t) {
            out.push(*t);
        }
    }
    if out.len() > ITEM_TASK_CHOICES {
        inv.push("tasks", "too_many");
        return Ok(out);
    }
    for t in &out {
        let path: Option<String> = sqlx::query_scalar("SELECT org_path FROM tasks WHERE id = $1")
            .bind(t.0)
            .fetch_optional(&mut *conn)
            .await
            .db()?;
        let inside = match path {
            Some(path) => {
                let path = path_of(path)?;
                subjects.iter().any(|s| s.covers(&path))
            }
            None => false,
        };
        if !inside {
            inv.push("tasks", "task_outside_subjects");
            break;
        }
    }
    Ok(out)
}

/// The program an item looks at, if any, must be a subject unit's (or a unit's under it).
async fn check_item_program(
    conn: &mut Conn,
    subjects: &[OrgPath],
    program: Option<ProgramId>,
    inv: &mut Invalid,
) -> Result<()> {
    if let Some(pid) = program {
        let ok = program_by_id(conn, pid)
            .await?
            .is_some_and(|pr| subjects.iter().any(|s| s.covers(&pr.org_path)));
        if !ok {
            inv.push("program_id", "bad_choice");
        }
    }
    Ok(())
}

/// Replaces an item's named tasks.
async fn write_item_tasks(conn: &mut Conn, item: i64, tasks: &[TaskId]) -> Result<()> {
    sqlx::query("DELETE FROM inspection_item_tasks WHERE item_id = $1")
        .bind(item)
        .execute(&mut *conn)
        .await
        .db()?;
    for (i, t) in tasks.iter().enumerate() {
        sqlx::query(
            "INSERT INTO inspection_item_tasks (item_id, task_id, position) VALUES ($1, $2, $3)",
        )
        .bind(item)
        .bind(t.0)
        .bind(i as i64 + 1)
        .execute(&mut *conn)
        .await
        .db()?;
    }
    Ok(())
}

async fn team_of(conn: &mut Conn, item: i64) -> Result<Vec<TeamMember>> {
    let rows = sqlx::query(
        "SELECT t.member_id, m.full_name, t.role FROM inspection_team t \
         JOIN members m ON m.id = t.member_id WHERE t.item_id = $1 ORDER BY t.role, m.full_name COLLATE vi",
    )
    .bind(item)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    let mut out = Vec::new();
    for r in rows {
        out.push(TeamMember {
            member_id: MemberId(r.try_get("member_id").db()?),
            name: r.try_get("full_name").db()?,
            role: parse("team role", r.try_get("role").db()?, TeamRole::parse)?,
        });
    }
    // Head first, then members, then the secretary.
    out.sort_by(|a, b| {
        let rank = |t: &TeamMember| TeamRole::ALL.iter().position(|r| *r == t.role);
        rank(a)
            .cmp(&rank(b))
            .then_with(|| domain::collate::compare(&a.name, &b.name))
    });
    Ok(out)
}

/// Whether `p` reads `path` through a party grant: the Front's and mass organizations'
/// grants read the subtree for their own supervision, not the party's inspections.
fn reads_as_party(p: &Principal, path: &OrgPath) -> bool {
    use domain::AccessRole::*;
    p.system
        || p.grants.iter().any(|g| {
            !matches!(g.role, FatherlandFront | MassOrganization) && g.org_path.covers(path)
        })
}

/// What `p` may see of an item: `NotFound` for anyone else.
fn viewer(p: &Principal, item: &ItemRow, team: &[TeamMember], subjects: &[ItemSubject]) -> Viewer {
    Viewer {
        runs_body: rules::acts_for(p, item.body, &item.org_path),
        on_team: p
            .member_id
            .is_some_and(|m| team.iter().any(|t| t.member_id == m)),
        reads_subject: subjects.iter().any(|s| reads_as_party(p, &s.org_path)),
    }
}

const REC_COLS: &str = "r.id, r.item_id, i.title AS item_title, i.body_kind, \
     bo.name AS body_org_name, i.org_path AS body_path, i.notice_symbol, r.position, \
     r.acting_org_id, r.acting_path, ao.name AS acting_org_name, r.text, r.deadline, \
     r.concluded_on, r.state, r.responsible_member_id, m.full_name AS responsible_name, \
     r.task_id, r.program_id, r.closed_on";
const REC_FROM: &str = " FROM inspection_recommendations r \
     JOIN inspection_items i ON i.id = r.item_id \
     JOIN organizations bo ON bo.id = i.org_id \
     JOIN organizations ao ON ao.id = r.acting_org_id \
     LEFT JOIN members m ON m.id = r.responsible_member_id";

fn rec_row(r: &DbRow, p: &Principal, team: &[MemberId]) -> Result<Recommendation> {
    let body = parse("body kind", r.try_get("body_kind").db()?, BodyKind::parse)?;
    let body_path = path_of(r.try_get("body_path").db()?)?;
    let acting_path = path_of(r.try_get("acting_path").db()?)?;
    let responsible = r
        .try_get::<Option<i64>, _>("responsible_member_id")
        .db()?
        .map(MemberId);
    let actor = rec_actor(p, body, &body_path, team, &acting_path, responsible);
    Ok(Recommendation {
        id: r.try_get("id").db()?,
        item_id: r.try_get("item_id").db()?,
        item_title: r.try_get("item_title").db()?,
        body,
        body_org_name: r.try_get("body_org_name").db()?,
        notice_symbol: r.try_get("notice_symbol").db()?,
        position: r.try_get::<i64, _>("position").db()? as u32,
        acting_org_id: OrgId(r.try_get("acting_org_id").db()?),
        acting_path,
        acting_org_name: r.try_get("acting_org_name").db()?,
        text: r.try_get("text").db()?,
        deadline: r.try_get("deadline").db()?,
        concluded_on: r.try_get("concluded_on").db()?,
        state: parse(
            "recommendation state",
            r.try_get("state").db()?,
            RecState::parse,
        )?,
        responsible_member_id: responsible,
        responsible_name: r.try_get("responsible_name").db()?,
        task_id: r.try_get::<Option<i64>, _>("task_id").db()?.map(TaskId),
        program_id: r
            .try_get::<Option<i64>, _>("program_id")
            .db()?
            .map(ProgramId),
        closed_on: r.try_get("closed_on").db()?,
        remediations: Vec::new(),
        may_act_unit: actor.acting_unit,
        may_verify: actor.inspecting,
    })
}

fn rec_actor(
    p: &Principal,
    body: BodyKind,
    body_path: &OrgPath,
    team: &[MemberId],
    acting: &OrgPath,
    responsible: Option<MemberId>,
) -> RecActor {
    RecActor {
        inspecting: rules::acts_for(p, body, body_path)
            || p.member_id.is_some_and(|m| team.contains(&m)),
        acting_unit: keeps_unit(p, acting) || (responsible.is_some() && p.member_id == responsible),
    }
}

async fn team_ids(conn: &mut Conn, item: i64) -> Result<Vec<MemberId>> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT member_id FROM inspection_team WHERE item_id = $1")
            .bind(item)
            .fetch_all(&mut *conn)
            .await
            .db()?;
    Ok(ids.into_iter().map(MemberId).collect())
}

async fn with_remediations(conn: &mut Conn, recs: &mut [Recommendation]) -> Result<()> {
    if recs.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT x.id, x.recommendation_id, x.note, x.posted_by, u.display_name, x.posted_at, \
         x.decision, x.reason, x.decided_at FROM inspection_remediations x \
         LEFT JOIN users u ON u.id = x.posted_by WHERE x.recommendation_id IN ",
    );
    push_ids(&mut qb, recs.iter().map(|r| r.id));
    qb.push(" ORDER BY x.id");
    let mut by_rec: HashMap<i64, Vec<Remediation>> = HashMap::new();
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        by_rec
            .entry(r.try_get("recommendation_id").db()?)
            .or_default()
            .push(Remediation {
                id: r.try_get("id").db()?,
                note: r.try_get("note").db()?,
                posted_by: r.try_get::<Option<i64>, _>("posted_by").db()?.map(UserId),
                posted_by_name: r.try_get("display_name").db()?,
                posted_at: r.try_get("posted_at").db()?,
                decision: r.try_get("decision").db()?,
                reason: r.try_get("reason").db()?,
                decided_at: r.try_get("decided_at").db()?,
                files: Vec::new(),
            });
    }
    let ids: Vec<i64> = by_rec.values().flatten().map(|x| x.id).collect();
    let mut files = files_of(conn, "remediation", ids).await?;
    for rec in recs.iter_mut() {
        if let Some(mut list) = by_rec.remove(&rec.id) {
            for x in &mut list {
                x.files = files.remove(&x.id).unwrap_or_default();
            }
            rec.remediations = list;
        }
    }
    Ok(())
}

async fn recs_where(
    conn: &mut Conn,
    p: &Principal,
    cond: impl FnOnce(&mut QueryBuilder<Db>),
) -> Result<Vec<Recommendation>> {
    let mut qb = QueryBuilder::<Db>::new(format!("SELECT {REC_COLS}{REC_FROM} WHERE 1 = 1"));
    cond(&mut qb);
    qb.push(" ORDER BY r.item_id, r.position");
    let rows = qb.build().fetch_all(&mut *conn).await.db()?;
    let mut teams: HashMap<i64, Vec<MemberId>> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let item: i64 = r.try_get("item_id").db()?;
        let team = match teams.get(&item) {
            Some(t) => t.clone(),
            None => {
                let t = team_ids(conn, item).await?;
                teams.insert(item, t.clone());
                t
            }
        };
        out.push(rec_row(&r, p, &team)?);
    }
    with_remediations(conn, &mut out).await?;
    Ok(out)
}

/// A recommendation `p` may see: its item's insiders, or readers of the acting unit or of
/// one of the item's subjects (it exists only once concluded).
async fn rec_visible(conn: &mut Conn, p: &Principal, id: i64) -> Result<Recommendation> {
    let rec = recs_where(conn, p, |qb| {
        qb.push(" AND r.id = ").push_bind(id);
    })
    .await?
    .pop()
    .ok_or(StoreError::NotFound)?;
    if rec.may_verify || reads_as_party(p, &rec.acting_path) {
        return Ok(rec);
    }
    let item = item_by_id(conn, rec.item_id).await?;
    let team = team_of(conn, item.id).await?;
    let subjects = subjects_of(conn, item.id).await?;
    rules::sight(viewer(p, &item, &team, &subjects), true)?;
    Ok(rec)
}

fn rec_json(r: &Recommendation) -> serde_json::Value {
    json!({"state": r.state, "acting_org_id": r.acting_org_id, "text": r.text,
           "deadline": r.deadline, "responsible_member_id": r.responsible_member_id,
           "task_id": r.task_id, "program_id": r.program_id, "closed_on": r.closed_on})
}

impl Backend {
    async fn item_view(
        &self,
        conn: &mut Conn,
        p: &Principal,
        id: i64,
        today: Date,
    ) -> Result<Item> {
        let _ = today;
        let row = item_by_id(conn, id).await?;
        let team = team_of(conn, id).await?;
        let subjects = subjects_of(conn, id).await?;
        let sight = rules::sight(
            viewer(p, &row, &team, &subjects),
            row.state == ItemState::Concluded,
        )?;
        let tasks = tasks_of(conn, id).await?;
        let findings = if sight.findings {
            findings_of(conn, p, id).await?
        } else {
            Vec::new()
        };
        let recommendations = if sight.findings {
            recs_where(conn, p, |qb| {
                qb.push(" AND r.item_id = ").push_bind(id);
            })
            .await?
        } else {
            Vec::new()
        };
        let start = row.reported_on.or(row.notified_on);
        let conclusion_due =
            start.and_then(|s| rules::conclusion_due(row.kind, rules::Level::of(row.org_kind), s));
        Ok(Item {
            id: row.id,
            program_id: row.program_id,
            org_id: row.org_id,
            org_path: row.org_path,
            org_name: row.org_name,
            body: row.body,
            kind: row.kind,
            title: row.title,
            content: row.content,
            document_id: row.document_id,
            document_symbol: row.document_symbol,
            content_program_id: row.content_program_id,
            content_program_title: row.content_program_title,
            period_from: row.period_from,
            period_to: row.period_to,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            self_report_due: row.self_report_due,
            state: row.state,
            notified_on: row.notified_on,
            reported_on: row.reported_on,
            concluded_on: row.concluded_on,
            notice_symbol: row.notice_symbol,
            conclusion: row.conclusion,
            conclusion_due,
            subjects,
            tasks,
            team,
            findings,
            recommendations,
            sight,
        })
    }

    /// An item the principal acts on as its team or body (`NotFound` to anyone who may
    /// not see it, `Forbidden` to the subject).
    async fn item_insider(&self, conn: &mut Conn, p: &Principal, id: i64) -> Result<ItemRow> {
        let row = item_by_id(conn, id).await?;
        let team = team_of(conn, id).await?;
        let subjects = subjects_of(conn, id).await?;
        let s = rules::sight(
            viewer(p, &row, &team, &subjects),
            row.state == ItemState::Concluded,
        )?;
        if !s.act {
            return Err(StoreError::Forbidden);
        }
        Ok(row)
    }
}

async fn findings_of(conn: &mut Conn, p: &Principal, item: i64) -> Result<Vec<Finding>> {
    let rows = sqlx::query(
        "SELECT f.id, f.subject_id, f.kind, f.about_kind, f.about_id, f.about_part, f.text, \
         f.created_at, \
         CASE f.about_kind WHEN 'task' THEN (SELECT t.content FROM tasks t WHERE t.id = f.about_id) \
           WHEN 'study' THEN (SELECT d.symbol FROM documents d WHERE d.id = f.about_id) \
           WHEN 'program' THEN (SELECT pr.title FROM programs pr WHERE pr.id = f.about_id) \
           WHEN 'target' THEN (SELECT dt.indicator FROM document_targets dt WHERE dt.id = f.about_id) \
           WHEN 'report' THEN (SELECT r.symbol FROM reports r WHERE r.id = f.about_id) \
           ELSE NULL END AS about_label, \
         CASE WHEN f.kind <> 'strength' AND EXISTS (SELECT 1 FROM inspection_findings g \
           JOIN inspection_subjects gs ON gs.id = g.subject_id \
           JOIN inspection_items gi ON gi.id = g.item_id \
           WHERE gs.org_id = s.org_id AND g.kind <> 'strength' AND g.about_kind = f.about_kind \
           AND COALESCE(g.about_id, 0) = COALESCE(f.about_id, 0) AND g.item_id <> f.item_id \
           AND gi.concluded_on IS NOT NULL AND gi.concluded_on < COALESCE(i.concluded_on, '9999-12-31')) \
           THEN 1 ELSE 0 END AS recurring \
         FROM inspection_findings f JOIN inspection_subjects s ON s.id = f.subject_id \
         JOIN inspection_items i ON i.id = f.item_id \
         WHERE f.item_id = $1 ORDER BY f.subject_id, f.id",
    )
    .bind(item)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    let _ = p;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(Finding {
            id: r.try_get("id").db()?,
            subject_id: r.try_get("subject_id").db()?,
            kind: parse("finding kind", r.try_get("kind").db()?, FindingKind::parse)?,
            about: parse(
                "about kind",
                r.try_get("about_kind").db()?,
                AboutKind::parse,
            )?,
            about_id: r.try_get("about_id").db()?,
            about_part: r.try_get("about_part").db()?,
            about_label: r.try_get("about_label").db()?,
            text: r.try_get("text").db()?,
            recurring: r.try_get::<i32, _>("recurring").db()? != 0,
            created_at: r.try_get("created_at").db()?,
        });
    }
    Ok(out)
}

async fn member_cell(conn: &mut Conn, m: MemberId) -> Result<Option<OrgPath>> {
    let path: Option<String> = sqlx::query_scalar("SELECT cell_path FROM members WHERE id = $1")
        .bind(m.0)
        .fetch_optional(&mut *conn)
        .await
        .db()?;
    path.map(path_of).transpose()
}

fn summary_rows(rows: Vec<DbRow>) -> Result<Vec<ItemSummary>> {
    let mut out: Vec<ItemSummary> = Vec::new();
    for r in rows {
        let id: i64 = r.try_get("id").db()?;
        let subject: String = r.try_get("subject_name").db()?;
        if let Some(last) = out.last_mut()
            && last.id == id
        {
            last.subjects.push(subject);
            continue;
        }
        out.push(ItemSummary {
            id,
            program_id: r.try_get("program_id").db()?,
            org_name: r.try_get("org_name").db()?,
            body: parse("body kind", r.try_get("body_kind").db()?, BodyKind::parse)?,
            kind: parse("item kind", r.try_get("kind").db()?, ItemKind::parse)?,
            title: r.try_get("title").db()?,
            subjects: vec![subject],
            starts_on: r.try_get("starts_on").db()?,
            ends_on: r.try_get("ends_on").db()?,
            state: parse("item state", r.try_get("state").db()?, ItemState::parse)?,
            self_report_due: r.try_get("self_report_due").db()?,
            notice_symbol: r.try_get("notice_symbol").db()?,
        });
    }
    Ok(out)
}

const SUMMARY_SQL: &str = "SELECT i.id, i.program_id, o.name AS org_name, i.body_kind, i.kind, \
     i.title, so.name AS subject_name, i.starts_on, i.ends_on, i.state, i.self_report_due, \
     i.notice_symbol FROM inspection_items i JOIN organizations o ON o.id = i.org_id \
     JOIN inspection_subjects s ON s.item_id = i.id JOIN organizations so ON so.id = s.org_id";

#[async_trait]
impl InspectionStore for Backend {
    async fn subject_positions(
        &self,
        p: &Principal,
        org: OrgId,
    ) -> Result<Vec<(Position, String)>> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let org = org_readable(&mut conn, p, org).await?;
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {}, m.full_name FROM positions ps \
             JOIN members m ON m.id = ps.member_id \
             JOIN organizations o ON o.id = ps.org_id \
             WHERE ps.to_date IS NULL AND m.status = 'active' AND o.valid_to IS NULL \
             AND (o.id = ",
            crate::sql::rows::POSITION_COLS
        ));
        qb.push_bind(org.id.0)
            .push(" OR o.parent_id = ")
            .push_bind(org.id.0)
            .push(")");
        push_scope(&mut qb, "o.path", p, Permission::Read);
        qb.push(" ORDER BY o.path, m.search_key, ps.id LIMIT 300");
        qb.build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(|r| Ok((crate::sql::rows::position(r)?, r.try_get("full_name").db()?)))
            .collect()
    }

    async fn create_inspection_program(
        &self,
        p: &Principal,
        new: NewInspectionProgram,
    ) -> Result<InspectionProgram> {
        let mut tx = self.begin().await?;
        let org = org_readable(&mut tx, p, new.org_id).await?;
        if !rules::acts_for(p, new.body, &org.path) {
            return Err(StoreError::Forbidden);
        }
        require_active(&org)?;
        let mut inv = Invalid::default();
        let title = inv.take(validate::name("title", &new.title, MAX_TITLE));
        if !(2000..=2100).contains(&new.year) {
            inv.push("year", "bad_number");
        }
        let title = inv.into_result(title)?.expect("checked");
        let exists: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM inspection_programs WHERE org_id = $1 AND body_kind = $2 AND year = $3",
        )
        .bind(org.id.0)
        .bind(new.body.as_str())
        .bind(i64::from(new.year))
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        if exists.is_some() {
            return Err(StoreError::Conflict("inspection_program_exists"));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO inspection_programs (province_id, org_id, org_path, body_kind, year, \
             title, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(province_of(&org.path))
        .bind(org.id.0)
        .bind(org.path.as_str())
        .bind(new.body.as_str())
        .bind(i64::from(new.year))
        .bind(&title)
        .bind(user_id_of(p))
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "create",
            "inspection_program",
            id,
            Some(&org.path),
            None,
            Some(json!({"org_id": org.id, "body": new.body, "year": new.year, "title": title})),
        )
        .await?;
        let sql = format!("{PROGRAM_SQL} WHERE ip.id = $1");
        let out = program_row(
            &sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .db()?,
        )?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn inspection_programs(
        &self,
        p: &Principal,
        org: OrgId,
    ) -> Result<Vec<InspectionProgram>> {
        let mut conn = self.reader().await?;
        let o = org_readable(&mut conn, p, org).await?;
        let sql = format!("{PROGRAM_SQL} WHERE ip.org_id = $1 ORDER BY ip.year DESC, ip.body_kind");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.0)
            .fetch_all(&mut *conn)
            .await
            .db()?;
        rows.iter()
            .map(program_row)
            .filter(|r| {
                r.as_ref()
                    .map_or(true, |pr| rules::acts_for(p, pr.body, &o.path))
            })
            .collect()
    }

    async fn inspection_program(
        &self,
        p: &Principal,
        id: i64,
    ) -> Result<(InspectionProgram, Vec<ItemSummary>)> {
        let mut conn = self.reader().await?;
        let sql = format!("{PROGRAM_SQL} WHERE ip.id = $1");
        let pr = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .db()?
            .ok_or(StoreError::NotFound)?;
        let pr = program_row(&pr)?;
        if !rules::acts_for(p, pr.body, &pr.org_path) {
            return Err(StoreError::NotFound);
        }
        let sql = format!("{SUMMARY_SQL} WHERE i.program_id = $1 ORDER BY i.starts_on, i.id, s.id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .db()?;
        Ok((pr, summary_rows(rows)?))
    }

    async fn add_inspection_item(&self, p: &Principal, program: i64, new: NewItem) -> Result<Item> {
        let mut tx = self.begin().await?;
        let sql = format!("{PROGRAM_SQL} WHERE ip.id = $1");
        let pr = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program)
            .fetch_optional(&mut *tx)
            .await
            .db()?
            .ok_or(StoreError::NotFound)?;
        let pr = program_row(&pr)?;
        if !rules::acts_for(p, pr.body, &pr.org_path) {
            return Err(StoreError::NotFound);
        }
        let mut inv = Invalid::default();
        if new.kind.is_none() {
            inv.push("kind", "required");
        }
        let title = inv.take(validate::name("title", &new.title, MAX_TITLE));
        let content = inv.take(validate::name("content", &new.content, MAX_TEXT));
        if new.starts_on.is_none() {
            inv.push("starts_on", "required");
        }
        if new.ends_on.is_none() {
            inv.push("ends_on", "required");
        }
        // Subjects: units (or members' cells) that exist; paths for the domain's check.
        let mut subjects = Vec::new();
        for (org, member) in &new.subjects {
            match org_by_id(&mut tx, *org).await? {
                Some(o) if p.sees_or_leads_to(&o.path) || p.system => {
                    let path = match member {
                        Some(m) => match member_cell(&mut tx, *m).await? {
                            Some(cell) if o.path.covers(&cell) => o.path.clone(),
                            _ => {
                                inv.push("subjects", "bad_choice");
                                continue;
                            }
                        },
                        None => o.path.clone(),
                    };
                    subjects.push((
                        o,
                        *member,
                        rules::SubjectFacts {
                            path,
                            member: *member,
                        },
                    ));
                }
                _ => inv.push("subjects", "subject_outside_body"),
            }
        }
        for (m, _) in &new.team {
            match member_cell(&mut tx, *m).await? {
                Some(cell) if pr.org_path.covers(&cell) => {}
                _ => inv.push("team", "bad_choice"),
            }
        }
        if let Some(d) = new.document_id {
            let ok = doc_by_id(&mut tx, d).await?.is_some_and(|doc| {
                domain::document::may_read(p, &doc.issuer_path, Some(&pr.org_path))
            });
            if !ok {
                inv.push("document_id", "bad_choice");
            }
        }
        let subject_paths: Vec<OrgPath> = subjects.iter().map(|s| s.0.path.clone()).collect();
        let tasks = check_item_tasks(&mut tx, &subject_paths, &new.tasks, &mut inv).await?;
        check_item_program(&mut tx, &subject_paths, new.content_program_id, &mut inv).await?;
        let facts: Vec<rules::SubjectFacts> = subjects.iter().map(|s| s.2.clone()).collect();
        if let (Some(kind), Some(s), Some(e)) = (new.kind, new.starts_on, new.ends_on) {
            inv.take(rules::check_item(&rules::ItemFacts {
                body: pr.body,
                body_path: &pr.org_path,
                kind,
                subjects: &facts,
                team: &new.team,
                period: (new.period_from, new.period_to),
                schedule: (s, e),
            }));
        }
        let (title, content) = match (title, content) {
            (Some(t), Some(c)) if inv.is_empty() => (t, c),
            _ => return Err(inv.into()),
        };
        let kind = new.kind.expect("checked");
        let at = now();
        let province = province_of(&pr.org_path);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO inspection_items (province_id, program_id, org_id, org_path, body_kind, \
             kind, title, content_md, document_id, content_program_id, period_from, period_to, \
             starts_on, ends_on, state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'planned', $15, $15) \
             RETURNING id",
        )
        .bind(province)
        .bind(pr.id)
        .bind(pr.org_id.0)
        .bind(pr.org_path.as_str())
        .bind(pr.body.as_str())
        .bind(kind.as_str())
        .bind(&title)
        .bind(&content)
        .bind(new.document_id.map(|d| d.0))
        .bind(new.content_program_id.map(|d| d.0))
        .bind(new.period_from)
        .bind(new.period_to)
        .bind(new.starts_on)
        .bind(new.ends_on)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        for (o, member, _) in &subjects {
            sqlx::query(
                "INSERT INTO inspection_subjects (province_id, item_id, org_id, org_path, member_id) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(province)
            .bind(id)
            .bind(o.id.0)
            .bind(o.path.as_str())
            .bind(member.map(|m| m.0))
            .execute(&mut *tx)
            .await
            .db()?;
        }
        write_item_tasks(&mut tx, id, &tasks).await?;
        for (m, role) in &new.team {
            sqlx::query(
                "INSERT INTO inspection_team (item_id, member_id, role) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(m.0)
            .bind(role.as_str())
            .execute(&mut *tx)
            .await
            .db()?;
        }
        audit(
            &mut tx,
            p,
            "create",
            "inspection_item",
            id,
            Some(&pr.org_path),
            None,
            Some(json!({"program_id": pr.id, "kind": kind, "title": title,
                        "subjects": new.subjects, "team": new.team,
                        "document_id": new.document_id, "content_program_id": new.content_program_id,
                        "tasks": tasks, "starts_on": new.starts_on,
                        "ends_on": new.ends_on})),
        )
        .await?;
        let out = self.item_view(&mut tx, p, id, at.date()).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn item_task_choices(&self, p: &Principal, item: i64) -> Result<Vec<ItemTask>> {
        let mut conn = self.reader().await?;
        let row = self.item_insider(&mut conn, p, item).await?;
        let subjects = subjects_of(&mut conn, item).await?;
        let mut orgs: Vec<i64> = subjects.iter().map(|s| s.org_id.0).collect();
        orgs.sort_unstable();
        orgs.dedup();
        if orgs.is_empty() {
            return Ok(Vec::new());
        }
        let root: Option<i64> = match row.document_id {
            Some(d) => sqlx::query_scalar("SELECT root_document_id FROM documents WHERE id = $1")
                .bind(d.0)
                .fetch_optional(&mut *conn)
                .await
                .db()?,
            None => None,
        };
        let mut qb = QueryBuilder::<Db>::new(format!(
            "{ITEM_TASK_SQL} WHERE pr.state = 'issued' AND pr.org_id IN ("
        ));
        let mut sep = qb.separated(", ");
        for o in &orgs {
            sep.push_bind(*o);
        }
        qb.push(")");
        if let Some(r) = root {
            qb.push(" AND pr.root_document_id = ").push_bind(r);
        }
        qb.push(" ORDER BY o.name COLLATE vi, o.id, pr.id, t.position LIMIT ")
            .push_bind(ITEM_TASK_CHOICES as i64);
        let rows = qb.build().fetch_all(&mut *conn).await.db()?;
        rows.iter().map(item_task_row).collect()
    }

    async fn set_item_content(
        &self,
        p: &Principal,
        item: i64,
        program: Option<ProgramId>,
        tasks: Vec<TaskId>,
    ) -> Result<Item> {
        let mut tx = self.begin().await?;
        let row = self.item_insider(&mut tx, p, item).await?;
        match row.state {
            ItemState::Planned => {}
            ItemState::Concluded => return Err(StoreError::Conflict("item_concluded")),
            _ => return Err(StoreError::Conflict("item_tasks_fixed")),
        }
        let subjects = subjects_of(&mut tx, item).await?;
        let paths: Vec<OrgPath> = subjects.iter().map(|s| s.org_path.clone()).collect();
        let mut inv = Invalid::default();
        check_item_program(&mut tx, &paths, program, &mut inv).await?;
        let tasks = check_item_tasks(&mut tx, &paths, &tasks, &mut inv).await?;
        if !inv.is_empty() {
            return Err(inv.into());
        }
        let before: Vec<i64> = tasks_of(&mut tx, item)
            .await?
            .iter()
            .map(|t| t.id.0)
            .collect();
        write_item_tasks(&mut tx, item, &tasks).await?;
        let at = now();
        sqlx::query(
            "UPDATE inspection_items SET content_program_id = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(program.map(|x| x.0))
        .bind(at)
        .bind(item)
        .execute(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "update",
            "inspection_item",
            item,
            Some(&row.org_path),
            Some(json!({"content_program_id": row.content_program_id, "tasks": before})),
            Some(json!({"content_program_id": program, "tasks": tasks})),
        )
        .await?;
        let out = self.item_view(&mut tx, p, item, at.date()).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn inspection_item(&self, p: &Principal, id: i64, today: Date) -> Result<Item> {
        let mut conn = self.reader().await?;
        self.item_view(&mut conn, p, id, today).await
    }

    async fn notify_inspection_item(
        &self,
        p: &Principal,
        id: i64,
        on: Date,
        self_report_due: Option<Date>,
    ) -> Result<Item> {
        let mut tx = self.begin().await?;
        let row = self.item_insider(&mut tx, p, id).await?;
        rules::check_step(row.kind, row.state, ItemState::Notified)?;
        if rules::asks_self_report(row.kind) {
            match self_report_due {
                None => return Err(Invalid::one("self_report_due", "required").into()),
                Some(d) if d < on => {
                    return Err(Invalid::one("self_report_due", "schedule_order").into());
                }
                Some(_) => {}
            }
        }
        sqlx::query(
            "UPDATE inspection_items SET state = 'notified', notified_on = $1, \
             self_report_due = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(on)
        .bind(self_report_due)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "notify",
            "inspection_item",
            id,
            Some(&row.org_path),
            Some(json!({"state": row.state})),
            Some(
                json!({"state": "notified", "notified_on": on, "self_report_due": self_report_due}),
            ),
        )
        .await?;
        let out = self.item_view(&mut tx, p, id, on).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn submit_self_report(
        &self,
        p: &Principal,
        subject: i64,
        text: String,
        files: Vec<EvidenceMeta>,
        today: Date,
    ) -> Result<Item> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "SELECT item_id, org_path, report_md FROM inspection_subjects WHERE id = $1",
        )
        .bind(subject)
        .fetch_optional(&mut *tx)
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
        let item_id: i64 = r.try_get("item_id").db()?;
        let path = path_of(r.try_get("org_path").db()?)?;
        let before: Option<String> = r.try_get("report_md").db()?;
        // Visible to the subject's readers (and insiders); submitted by its keepers.
        let row = item_by_id(&mut tx, item_id).await?;
        let team = team_of(&mut tx, item_id).await?;
        let subjects = subjects_of(&mut tx, item_id).await?;
        rules::sight(viewer(p, &row, &team, &subjects), false)?;
        if !keeps_unit(p, &path) {
            return Err(StoreError::Forbidden);
        }
        if row.state != ItemState::Notified || before.is_some() {
            return Err(StoreError::Conflict("self_report_closed"));
        }
        let mut inv = Invalid::default();
        let text = inv.take(validate::name("report", &text, MAX_TEXT));
        let names = inv.take(check_files(&files));
        let (text, names) = match (text, names) {
            (Some(t), Some(n)) if inv.is_empty() => (t, n),
            _ => return Err(inv.into()),
        };
        sqlx::query(
            "UPDATE inspection_subjects SET report_md = $1, reported_at = $2, reported_by = $3 \
             WHERE id = $4",
        )
        .bind(&text)
        .bind(now())
        .bind(user_id_of(p))
        .bind(subject)
        .execute(&mut *tx)
        .await
        .db()?;
        insert_files(
            &mut tx,
            p,
            province_of(&path),
            "subject",
            subject,
            &files,
            &names,
        )
        .await?;
        audit(
            &mut tx,
            p,
            "self_report",
            "inspection_subject",
            subject,
            Some(&path),
            None,
            Some(json!({"item_id": item_id, "report": text, "files": names})),
        )
        .await?;
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM inspection_subjects WHERE item_id = $1 AND report_md IS NULL",
        )
        .bind(item_id)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        if waiting == 0 && rules::check_step(row.kind, row.state, ItemState::Reported).is_ok() {
            sqlx::query(
                "UPDATE inspection_items SET state = 'reported', reported_on = $1, updated_at = $2 \
                 WHERE id = $3",
            )
            .bind(today)
            .bind(now())
            .bind(item_id)
            .execute(&mut *tx)
            .await
            .db()?;
            audit(
                &mut tx,
                p,
                "reported",
                "inspection_item",
                item_id,
                Some(&row.org_path),
                Some(json!({"state": "notified"})),
                Some(json!({"state": "reported", "reported_on": today})),
            )
            .await?;
        }
        let out = self.item_view(&mut tx, p, item_id, today).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn subject_item_id(&self, p: &Principal, subject: i64) -> Result<i64> {
        let mut conn = self.reader().await?;
        let item: i64 = sqlx::query_scalar("SELECT item_id FROM inspection_subjects WHERE id = $1")
            .bind(subject)
            .fetch_optional(&mut *conn)
            .await
            .db()?
            .ok_or(StoreError::NotFound)?;
        let row = item_by_id(&mut conn, item).await?;
        let team = team_of(&mut conn, item).await?;
        let subjects = subjects_of(&mut conn, item).await?;
        rules::sight(viewer(p, &row, &team, &subjects), false)?;
        Ok(item)
    }

    async fn unit_inspection_items(&self, p: &Principal, org: OrgId) -> Result<Vec<ItemSummary>> {
        let mut conn = self.reader().await?;
        let o = org_readable(&mut conn, p, org).await?;
        // Items with a subject in the subtree, or run at this unit.
        let mut qb = QueryBuilder::<Db>::new(format!(
            "{SUMMARY_SQL} WHERE i.id IN (SELECT s2.item_id FROM inspection_subjects s2 WHERE 1 = 1"
        ));
        push_subtree(&mut qb, "s2.org_path", &o.path);
        qb.push(") OR i.org_id = ")
            .push_bind(org.0)
            .push(" ORDER BY i.starts_on DESC, i.id, s.id");
        let rows = qb.build().fetch_all(&mut *conn).await.db()?;
        let all = summary_rows(rows)?;
        // Keep those the principal may see.
        let mut out = Vec::new();
        for s in all {
            let row = item_by_id(&mut conn, s.id).await?;
            let team = team_of(&mut conn, s.id).await?;
            let subjects = subjects_of(&mut conn, s.id).await?;
            if rules::sight(viewer(p, &row, &team, &subjects), false).is_ok() {
                out.push(s);
            }
        }
        Ok(out)
    }

    async fn add_finding(&self, p: &Principal, item: i64, new: NewFinding) -> Result<Finding> {
        let mut tx = self.begin().await?;
        let row = self.item_insider(&mut tx, p, item).await?;
        if row.state == ItemState::Concluded {
            return Err(StoreError::Conflict("item_concluded"));
        }
        if row.state == ItemState::Planned {
            return Err(StoreError::Conflict("item_step_order"));
        }
        let subject_ok: Option<String> = sqlx::query_scalar(
            "SELECT org_path FROM inspection_subjects WHERE id = $1 AND item_id = $2",
        )
        .bind(new.subject_id)
        .bind(item)
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        let mut inv = Invalid::default();
        if subject_ok.is_none() {
            inv.push("subject", "bad_choice");
        }
        let text = inv.take(validate::name("text", &new.text, MAX_TEXT));
        let part = inv.take(validate::optional(
            "about_part",
            new.about_part.as_deref().unwrap_or(""),
            100,
        ));
        // A program's section is one of its three parts.
        if new.about == AboutKind::Program
            && part.as_ref().is_some_and(|p| {
                p.as_deref().is_some_and(|p| {
                    !["purpose", "tasks_and_solutions", "organization"].contains(&p)
                })
            })
        {
            inv.push("about_part", "bad_choice");
        }
        // The reference must name a record of its kind; a task, a program or a report must
        // be the subject unit's own (or a unit's under it), and a program's target one of
        // such a program. A document (its study) or a document's target may be the upper
        // level's: the subject studies and carries out what was issued above it.
        if new.about != AboutKind::General {
            let sql = match new.about {
                AboutKind::Task => Some("SELECT org_path FROM tasks WHERE id = $1"),
                AboutKind::Program => Some("SELECT org_path FROM programs WHERE id = $1"),
                AboutKind::Report => Some(
                    "SELECT o.path FROM reports r JOIN organizations o ON o.id = r.org_id \
                     WHERE r.id = $1",
                ),
                AboutKind::Target => Some(
                    "SELECT COALESCE(pr.org_path, '') FROM document_targets dt \
                     LEFT JOIN programs pr ON pr.id = dt.program_id WHERE dt.id = $1",
                ),
                AboutKind::Study => Some("SELECT '' FROM documents WHERE id = $1"),
                AboutKind::General => None,
            };
            match (new.about_id, sql) {
                (None, _) => inv.push("about_id", "required"),
                (Some(x), Some(sql)) => {
                    let owner: Option<String> = sqlx::query_scalar(sql)
                        .bind(x)
                        .fetch_optional(&mut *tx)
                        .await
                        .db()?;
                    match (owner, &subject_ok) {
                        (None, _) => inv.push("about_id", "bad_choice"),
                        (Some(owner), Some(subject)) if !owner.is_empty() => {
                            let inside = OrgPath::parse(&owner)
                                .zip(OrgPath::parse(subject))
                                .is_some_and(|(o, s)| s.covers(&o));
                            if !inside {
                                inv.push("about_id", "about_outside_subject");
                            }
                        }
                        _ => {}
                    }
                }
                (Some(_), None) => {}
            }
        }
        let text = match text {
            Some(t) if inv.is_empty() => t,
            _ => return Err(inv.into()),
        };
        let about_id = if new.about == AboutKind::General {
            None
        } else {
            new.about_id
        };
        let at = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO inspection_findings (province_id, item_id, subject_id, kind, about_kind, \
             about_id, about_part, text, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(province_of(&row.org_path))
        .bind(item)
        .bind(new.subject_id)
        .bind(new.kind.as_str())
        .bind(new.about.as_str())
        .bind(about_id)
        .bind(part.flatten())
        .bind(&text)
        .bind(user_id_of(p))
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "create",
            "inspection_finding",
            id,
            Some(&row.org_path),
            None,
            Some(
                json!({"item_id": item, "subject_id": new.subject_id, "kind": new.kind,
                        "about": new.about, "about_id": about_id, "text": text}),
            ),
        )
        .await?;
        let out = findings_of(&mut tx, p, item)
            .await?
            .into_iter()
            .find(|f| f.id == id)
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn conclude_inspection_item(
        &self,
        p: &Principal,
        item: i64,
        c: Conclusion,
    ) -> Result<Item> {
        let mut tx = self.begin().await?;
        let row = self.item_insider(&mut tx, p, item).await?;
        let findings: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM inspection_findings WHERE item_id = $1")
                .bind(item)
                .fetch_one(&mut *tx)
                .await
                .db()?;
        let mut acting: Vec<Option<OrgLite>> = Vec::new();
        for r in &c.recommendations {
            acting.push(match r.acting_org_id {
                Some(o) => org_by_id(&mut tx, o).await?.map(|o| OrgLite {
                    id: o.id,
                    path: o.path,
                }),
                None => None,
            });
        }
        let outside = OrgPath::parse("/0/").expect("a path");
        let facts: Vec<rules::RecommendationFacts<'_>> = c
            .recommendations
            .iter()
            .zip(&acting)
            .map(|(r, a)| rules::RecommendationFacts {
                acting: match (r.acting_org_id, a) {
                    (None, _) => None,
                    (Some(_), Some(o)) => Some(&o.path),
                    // An id that names no unit is outside the body as far as anyone knows.
                    (Some(_), None) => Some(&outside),
                },
                text: &r.text,
                deadline: r.deadline,
            })
            .collect();
        let mut checked = rules::check_conclusion(
            row.kind,
            row.state,
            findings as usize,
            &row.org_path,
            c.concluded_on,
            &facts,
        );
        let text = validate::name("conclusion", &c.text, MAX_TEXT);
        if let Err(e) = &text {
            checked = match checked {
                Ok(()) => Err(domain::Refusal::Invalid(e.clone())),
                Err(domain::Refusal::Invalid(mut inv)) => {
                    inv.0.extend(e.0.clone());
                    Err(domain::Refusal::Invalid(inv))
                }
                other => other,
            };
        }
        checked?;
        let text = text.expect("checked");
        // The notice's number: the next of the body's series for the year.
        let year = c.concluded_on.year();
        crate::dialect::lock_series(&mut tx, row.org_id).await?;
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(notice_number) FROM inspection_items WHERE org_id = $1 AND body_kind = $2 \
             AND notice_year = $3",
        )
        .bind(row.org_id.0)
        .bind(row.body.as_str())
        .bind(i64::from(year))
        .fetch_one(&mut *tx)
        .await
        .db()?;
        let number = last.unwrap_or(0) as u32 + 1;
        let symbol = row
            .body
            .notice_number(number, row.org_kind, None)?
            .to_string();
        let at = now();
        sqlx::query(
            "UPDATE inspection_items SET state = 'concluded', concluded_on = $1, notice_year = $2, \
             notice_number = $3, notice_symbol = $4, conclusion_md = $5, updated_at = $6 \
             WHERE id = $7",
        )
        .bind(c.concluded_on)
        .bind(i64::from(year))
        .bind(i64::from(number))
        .bind(&symbol)
        .bind(&text)
        .bind(at)
        .bind(item)
        .execute(&mut *tx)
        .await
        .db()?;
        for (i, (r, a)) in c.recommendations.iter().zip(&acting).enumerate() {
            let a = a.as_ref().expect("checked");
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO inspection_recommendations (province_id, item_id, position, \
                 acting_org_id, acting_path, text, deadline, concluded_on, state, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9) RETURNING id",
            )
            .bind(province_of(&row.org_path))
            .bind(item)
            .bind(i as i64)
            .bind(a.id.0)
            .bind(a.path.as_str())
            .bind(r.text.trim())
            .bind(r.deadline)
            .bind(c.concluded_on)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .db()?;
            audit(
                &mut tx,
                p,
                "create",
                "inspection_recommendation",
                id,
                Some(&a.path),
                None,
                Some(
                    json!({"item_id": item, "acting_org_id": a.id, "text": r.text.trim(),
                            "deadline": r.deadline, "state": "open"}),
                ),
            )
            .await?;
        }
        audit(
            &mut tx,
            p,
            "conclude",
            "inspection_item",
            item,
            Some(&row.org_path),
            Some(json!({"state": row.state})),
            Some(json!({"state": "concluded", "concluded_on": c.concluded_on,
                        "notice_symbol": symbol, "conclusion": text,
                        "recommendations": c.recommendations.len()})),
        )
        .await?;
        let out = self.item_view(&mut tx, p, item, c.concluded_on).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn recommendation(&self, p: &Principal, id: i64) -> Result<Recommendation> {
        let mut conn = self.reader().await?;
        rec_visible(&mut conn, p, id).await
    }

    async fn unit_recommendations(&self, p: &Principal, org: OrgId) -> Result<Vec<Recommendation>> {
        let mut conn = self.reader().await?;
        let o = org_readable(&mut conn, p, org).await?;
        let mut out = recs_where(&mut conn, p, |qb| {
            push_subtree(qb, "r.acting_path", &o.path);
            push_scope(qb, "r.acting_path", p, Permission::Read);
        })
        .await?;
        out.retain(|r| r.may_verify || reads_as_party(p, &r.acting_path));
        out.sort_by_key(|r| (r.state == RecState::Closed, r.deadline, r.id));
        Ok(out)
    }

    async fn adopt_recommendation(
        &self,
        p: &Principal,
        id: i64,
        responsible: Option<MemberId>,
        today: Date,
    ) -> Result<Recommendation> {
        let mut tx = self.begin().await?;
        let rec = rec_visible(&mut tx, p, id).await?;
        let actor = RecActor {
            inspecting: rec.may_verify,
            acting_unit: keeps_unit(p, &rec.acting_path),
        };
        let next = rec.state.apply(&RecAction::Adopt, actor)?;
        let Some(m) = responsible else {
            return Err(Invalid::one("responsible", "required").into());
        };
        match member_cell(&mut tx, m).await? {
            Some(cell) if rec.acting_path.covers(&cell) => {}
            _ => return Err(Invalid::one("responsible", "responsible_outside_unit").into()),
        }
        let item = item_by_id(&mut tx, rec.item_id).await?;
        let Some(doc) = item.document_id else {
            return Err(StoreError::Conflict("recommendation_no_program"));
        };
        let root: i64 = sqlx::query_scalar("SELECT root_document_id FROM documents WHERE id = $1")
            .bind(doc.0)
            .fetch_one(&mut *tx)
            .await
            .db()?;
        let current: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM programs WHERE org_id = $1 AND root_document_id = $2 AND state = 'issued'",
        )
        .bind(rec.acting_org_id.0)
        .bind(root)
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        let Some(current) = current else {
            return Err(StoreError::Conflict("recommendation_no_program"));
        };
        let drafts: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM programs WHERE org_id = $1 AND root_document_id = $2 AND state = 'draft'",
        )
        .bind(rec.acting_org_id.0)
        .bind(root)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        if drafts > 0 {
            return Err(StoreError::Conflict("recommendation_draft_open"));
        }
        let current = program_by_id(&mut tx, ProgramId(current))
            .await?
            .ok_or(StoreError::NotFound)?;
        let org = org_by_id(&mut tx, rec.acting_org_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        require_active(&org)?;
        // The revision, with the issued version's tasks carried over and the follow-up
        // task added last; issued at once, in this transaction. The unit acts through
        // its own keepers, so the program writes run as the system on its behalf only
        // after the checks above (the audit names the principal).
        let draft = new_draft(
            &mut tx,
            p,
            &org,
            current.root_document_id,
            current.kind,
            &current.title,
            Some(&current),
        )
        .await?;
        let carried = load_tasks(&mut tx, draft.id).await?.len();
        let source = rec.notice_symbol.clone().unwrap_or_default();
        let content = format!(
            "{} (kiến nghị theo {} của {})",
            rec.text, source, rec.body_org_name
        );
        sqlx::query(
            "INSERT INTO tasks (province_id, program_id, position, org_id, org_path, \
             root_document_id, content, lead_body, cooperating_bodies, responsible_member_id, \
             deadline, expected_output, status) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '[]', $9, $10, $11, 'not_started')",
        )
        .bind(province_of(&org.path))
        .bind(draft.id.0)
        .bind(carried as i64)
        .bind(org.id.0)
        .bind(org.path.as_str())
        .bind(draft.root_document_id.0)
        .bind(&content)
        .bind(&org.name)
        .bind(m.0)
        .bind(rec.deadline)
        .bind("Báo cáo khắc phục kèm minh chứng")
        .execute(&mut *tx)
        .await
        .db()?;
        self.issue_in(&mut tx, p, draft.id, today, carried).await?;
        let task: i64 =
            sqlx::query_scalar("SELECT id FROM tasks WHERE program_id = $1 AND position = $2")
                .bind(draft.id.0)
                .bind(carried as i64)
                .fetch_one(&mut *tx)
                .await
                .db()?;
        sqlx::query(
            "UPDATE inspection_recommendations SET state = $1, responsible_member_id = $2, \
             task_id = $3, program_id = $4, updated_at = $5 WHERE id = $6",
        )
        .bind(next.as_str())
        .bind(m.0)
        .bind(task)
        .bind(draft.id.0)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await
        .db()?;
        let after = rec_visible(&mut tx, p, id).await?;
        audit(
            &mut tx,
            p,
            "adopt",
            "inspection_recommendation",
            id,
            Some(&rec.acting_path),
            Some(rec_json(&rec)),
            Some(rec_json(&after)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn report_remediation(
        &self,
        p: &Principal,
        id: i64,
        note: String,
        files: Vec<EvidenceMeta>,
    ) -> Result<Recommendation> {
        let mut tx = self.begin().await?;
        let rec = rec_visible(&mut tx, p, id).await?;
        let actor = RecActor {
            inspecting: rec.may_verify,
            acting_unit: rec.may_act_unit,
        };
        let next = rec.state.apply(&RecAction::Report, actor)?;
        let mut inv = Invalid::default();
        let note = inv.take(validate::name("note", &note, MAX_TEXT));
        let names = inv.take(check_files(&files));
        let (note, names) = match (note, names) {
            (Some(n), Some(f)) if inv.is_empty() => (n, f),
            _ => return Err(inv.into()),
        };
        let x: i64 = sqlx::query_scalar(
            "INSERT INTO inspection_remediations (province_id, recommendation_id, note, posted_by, \
             posted_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(province_of(&rec.acting_path))
        .bind(id)
        .bind(&note)
        .bind(user_id_of(p))
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .db()?;
        insert_files(
            &mut tx,
            p,
            province_of(&rec.acting_path),
            "remediation",
            x,
            &files,
            &names,
        )
        .await?;
        sqlx::query(
            "UPDATE inspection_recommendations SET state = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(next.as_str())
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "report_remediation",
            "inspection_recommendation",
            id,
            Some(&rec.acting_path),
            Some(json!({"state": rec.state})),
            Some(json!({"state": next, "remediation_id": x, "note": note, "files": names})),
        )
        .await?;
        let out = rec_visible(&mut tx, p, id).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn decide_remediation(
        &self,
        p: &Principal,
        id: i64,
        verify: bool,
        reason: Option<String>,
        today: Date,
    ) -> Result<Recommendation> {
        let mut tx = self.begin().await?;
        let rec = rec_visible(&mut tx, p, id).await?;
        let actor = RecActor {
            inspecting: rec.may_verify,
            acting_unit: rec.may_act_unit,
        };
        let reason = reason.map(|r| r.trim().to_owned()).unwrap_or_default();
        let action = if verify {
            RecAction::Verify
        } else {
            RecAction::Return {
                reason: reason.clone(),
            }
        };
        let next = rec.state.apply(&action, actor)?;
        if !verify && reason.chars().count() > 2000 {
            return Err(Invalid::one("reason", "too_long").into());
        }
        let last = rec
            .remediations
            .last()
            .ok_or(StoreError::Conflict("recommendation_not_reported"))?;
        let at = now();
        sqlx::query(
            "UPDATE inspection_remediations SET decision = $1, reason = $2, decided_by = $3, \
             decided_at = $4 WHERE id = $5 AND decision IS NULL",
        )
        .bind(if verify { "verified" } else { "returned" })
        .bind((!verify).then_some(&reason))
        .bind(user_id_of(p))
        .bind(at)
        .bind(last.id)
        .execute(&mut *tx)
        .await
        .db()?;
        sqlx::query(
            "UPDATE inspection_recommendations SET state = $1, closed_on = $2, updated_at = $3 \
             WHERE id = $4",
        )
        .bind(next.as_str())
        .bind(verify.then_some(today))
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            if verify { "verify" } else { "return" },
            "inspection_recommendation",
            id,
            Some(&rec.acting_path),
            Some(json!({"state": rec.state})),
            Some(json!({"state": next, "remediation_id": last.id,
                        "reason": (!verify).then_some(&reason)})),
        )
        .await?;
        let out = rec_visible(&mut tx, p, id).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn inspection_file(&self, p: &Principal, file: i64, today: Date) -> Result<EvidenceFile> {
        let mut conn = self.reader().await?;
        let r = sqlx::query("SELECT owner, owner_id FROM inspection_files WHERE id = $1")
            .bind(file)
            .fetch_optional(&mut *conn)
            .await
            .db()?
            .ok_or(StoreError::NotFound)?;
        let owner: String = r.try_get("owner").db()?;
        let owner_id: i64 = r.try_get("owner_id").db()?;
        let files = if owner == "subject" {
            let item: i64 =
                sqlx::query_scalar("SELECT item_id FROM inspection_subjects WHERE id = $1")
                    .bind(owner_id)
                    .fetch_one(&mut *conn)
                    .await
                    .db()?;
            self.item_view(&mut conn, p, item, today)
                .await?
                .subjects
                .into_iter()
                .flat_map(|s| s.files)
                .collect::<Vec<_>>()
        } else {
            let rec: i64 = sqlx::query_scalar(
                "SELECT recommendation_id FROM inspection_remediations WHERE id = $1",
            )
            .bind(owner_id)
            .fetch_one(&mut *conn)
            .await
            .db()?;
            rec_visible(&mut conn, p, rec)
                .await?
                .remediations
                .into_iter()
                .flat_map(|x| x.files)
                .collect()
        };
        files
            .into_iter()
            .find(|f| f.id == file)
            .map(|f| f.file)
            .ok_or(StoreError::NotFound)
    }

    async fn inspection_dashboard(
        &self,
        p: &Principal,
        org: OrgId,
        year: i32,
        today: Date,
    ) -> Result<InspectionDashboard> {
        let mut conn = self.reader().await?;
        crate::sql::inspection_dash::dashboard(&mut conn, p, org, year, today).await
    }

    async fn supervision_suggestions(
        &self,
        p: &Principal,
        org: OrgId,
        today: Date,
        limit: usize,
    ) -> Result<Vec<Suggestion>> {
        let mut conn = self.reader().await?;
        crate::sql::inspection_dash::suggestions(&mut conn, p, org, today, limit).await
    }
}

/// Rewrites the copied paths of a moved subtree (called by restructurings).
pub(crate) async fn move_paths(conn: &mut Conn, old: &OrgPath, new: &OrgPath) -> Result<()> {
    for (table, col) in [
        ("inspection_programs", "org_path"),
        ("inspection_items", "org_path"),
        ("inspection_subjects", "org_path"),
        ("inspection_recommendations", "acting_path"),
    ] {
        let r = old.subtree();
        let sql = format!(
            "UPDATE {table} SET {col} = $1 || substr({col}, $2) WHERE {col} >= $3 AND {col} < $4"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(new.as_str())
            .bind(
                crate::dialect::SqlInt::try_from(old.as_str().len() + 1).expect("a path is short"),
            )
            .bind(r.start)
            .bind(r.end)
            .execute(&mut *conn)
            .await
            .db()?;
    }
    Ok(())
}
