//! Study and dissemination (issue 5): plans, conferences, attendance, check-in, knowledge
//! checks, reflections, participation rollups and reviews (docs/STUDY.md).
//!
//! Every change of a member's study goes through [`store_states`]: the member's
//! `study_members` row is rewritten and the [`StudyCounters`] delta is added to the
//! `study_rollups` row of every ancestor of the member's cell, per audience, in the
//! caller's transaction. Bulk writes aggregate the deltas per ancestor first.

use crate::dialect::Backend;
use crate::dialect::MAX_BINDS;
use crate::sql::orgs::{org_by_id, org_for_write, require_active};
use crate::sql::util::*;
use domain::study::rules::{self, Original, Person, Sight};
use domain::study::{
    self, AttendanceEntry, CheckInVia, CheckRules, CheckScore, MaterialId, MemberStudy, Question,
    QuestionId, ReflectionId, ReflectionState,
};
use domain::{
    AttendanceMark, Audience, ConferenceFormat, ContentKey, DocumentId, EvidenceType, Invalid,
    MemberId, OrgId, OrgPath, Permission, Principal, ReflectionGrade, StudyCounters,
    StudySessionId, validate,
};
use serde_json::json;
use sqlx::{QueryBuilder, Row};
use std::collections::HashMap;
use store::*;

use crate::dialect::{Conn, Db, DbRow};

const AUD: [Audience; 2] = study::AUDIENCES;

fn aud_index(a: Audience) -> usize {
    match a {
        Audience::KeyCadre => 0,
        Audience::Member => 1,
    }
}

fn audience_of(s: &str) -> Result<Audience> {
    Audience::parse(s).ok_or_else(|| bad_data("audience", s))
}

fn path_of(s: String) -> Result<OrgPath> {
    OrgPath::parse(&s).ok_or_else(|| bad_data("path", &s))
}

fn ids_of(path: &OrgPath) -> impl Iterator<Item = i64> {
    path.ids().into_iter().map(|i| i.0)
}

// ---- Documents ----------------------------------------------------------------------------

/// The resolution a plan is about: the root of the given document's chain.
struct Doc {
    id: DocumentId,
    symbol: String,
    title: String,
}

async fn doc_root(conn: &mut Conn, p: &Principal, id: DocumentId, unit: &OrgPath) -> Result<Doc> {
    let row = sqlx::query(
        "SELECT r.id, r.symbol, r.title, r.issuer_path FROM documents d \
         JOIN documents r ON r.id = d.root_document_id WHERE d.id = $1",
    )
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await
    .db()?
    .ok_or(StoreError::NotFound)?;
    let issuer = path_of(row.try_get("issuer_path").db()?)?;
    // Readable from above (the issuer) or from the unit it reached.
    if !domain::document::may_read(p, &issuer, Some(unit)) {
        return Err(StoreError::NotFound);
    }
    Ok(Doc {
        id: DocumentId(row.try_get("id").db()?),
        symbol: row.try_get("symbol").db()?,
        title: row.try_get("title").db()?,
    })
}

/// The study deadline of the deepest cascade unit on a path (the unit or above it).
async fn study_by(conn: &mut Conn, doc: DocumentId, path: &OrgPath) -> Result<Option<time::Date>> {
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT study_by, org_path FROM cascade_units WHERE root_document_id = ",
    );
    qb.push_bind(doc.0).push(" AND org_id IN ");
    push_ids(&mut qb, ids_of(path));
    let rows = qb.build().fetch_all(&mut *conn).await.db()?;
    let mut best: Option<(usize, time::Date)> = None;
    for r in rows {
        let depth = path_of(r.try_get("org_path").db()?)?.depth();
        let d: time::Date = r.try_get("study_by").db()?;
        if best.is_none_or(|(b, _)| depth > b) {
            best = Some((depth, d));
        }
    }
    Ok(best.map(|(_, d)| d))
}

/// The resolutions a unit cascaded itself (it issued them, or cascaded an upper one),
/// with the earliest study deadline it set.
async fn cascaded_by(
    conn: &mut Conn,
    org: OrgId,
) -> Result<Vec<(DocumentId, String, String, time::Date)>> {
    let rows = sqlx::query(
        "SELECT c.root_document_id, c.study_by, d.symbol, d.title FROM cascades c \
         JOIN documents d ON d.id = c.root_document_id WHERE c.issuer_org_id = $1",
    )
    .bind(org.0)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    let mut out: Vec<(DocumentId, String, String, time::Date)> = Vec::new();
    for r in rows {
        let id = DocumentId(r.try_get("root_document_id").db()?);
        let by: time::Date = r.try_get("study_by").db()?;
        match out.iter_mut().find(|x| x.0 == id) {
            Some(x) => x.3 = x.3.min(by),
            None => out.push((id, r.try_get("symbol").db()?, r.try_get("title").db()?, by)),
        }
    }
    Ok(out)
}

// ---- Members ------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct MemberInfo {
    id: MemberId,
    cell_path: OrgPath,
    audience: Audience,
    province: i64,
    name: String,
    active: bool,
}

const MI_COLS: &str = "m.id AS mi_id, m.cell_path AS mi_cell_path, m.audience AS mi_audience, \
     m.province_id AS mi_province, m.full_name AS mi_name, m.status AS mi_status";

impl MemberInfo {
    /// The member as the study rules see them.
    fn person(&self, reporter_role: bool) -> Person {
        Person {
            active: self.active,
            cell: self.cell_path.clone(),
            reporter_role,
        }
    }
}

fn member_info(r: &DbRow) -> Result<MemberInfo> {
    let a: String = r.try_get("mi_audience").db()?;
    let status: String = r.try_get("mi_status").db()?;
    Ok(MemberInfo {
        id: MemberId(r.try_get("mi_id").db()?),
        cell_path: path_of(r.try_get("mi_cell_path").db()?)?,
        audience: audience_of(&a)?,
        province: r.try_get("mi_province").db()?,
        name: r.try_get("mi_name").db()?,
        active: status == "active",
    })
}

async fn members_by_ids(
    conn: &mut Conn,
    ids: &[MemberId],
) -> Result<HashMap<MemberId, MemberInfo>> {
    let mut out = HashMap::with_capacity(ids.len());
    let mut uniq: Vec<i64> = ids.iter().map(|m| m.0).collect();
    uniq.sort_unstable();
    uniq.dedup();
    for chunk in uniq.chunks(MAX_BINDS) {
        let mut qb =
            QueryBuilder::<Db>::new(format!("SELECT {MI_COLS} FROM members m WHERE m.id IN "));
        push_ids(&mut qb, chunk.iter().copied());
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            let m = member_info(&r)?;
            out.insert(m.id, m);
        }
    }
    Ok(out)
}

/// The principal's own member, or `Invalid` (`member`, `checkin_no_member`).
async fn my_member(conn: &mut Conn, p: &Principal) -> Result<MemberInfo> {
    let Some(id) = p.member_id else {
        return Err(StoreError::invalid("member", "checkin_no_member"));
    };
    members_by_ids(conn, &[id])
        .await?
        .remove(&id)
        .filter(|m| m.active)
        .ok_or_else(|| StoreError::invalid("member", "checkin_no_member"))
}

// ---- Member states and rollups -----------------------------------------------------------

const SM_COLS: &str = "sm.studied, sm.made_up, sm.excused, sm.check_attempts, sm.check_passed, \
     sm.check_best, sm.reflection, sm.grade";

fn state_row(r: &DbRow) -> Result<MemberStudy> {
    let refl: String = r.try_get("reflection").db()?;
    let grade: Option<String> = r.try_get("grade").db()?;
    Ok(MemberStudy {
        studied: r.try_get("studied").db()?,
        made_up: r.try_get("made_up").db()?,
        excused: r.try_get("excused").db()?,
        check_attempts: r.try_get::<i64, _>("check_attempts").db()?.max(0) as u32,
        check_passed: r.try_get("check_passed").db()?,
        check_best: r
            .try_get::<Option<i64>, _>("check_best")
            .db()?
            .map(|v| v.clamp(0, 100) as u32),
        reflection: ReflectionState::parse(&refl).ok_or_else(|| bad_data("reflection", &refl))?,
        grade: grade
            .map(|g| ReflectionGrade::parse(&g).ok_or_else(|| bad_data("grade", &g)))
            .transpose()?,
    })
}

async fn states_of(
    conn: &mut Conn,
    doc: DocumentId,
    members: &[MemberId],
) -> Result<HashMap<MemberId, MemberStudy>> {
    let mut out = HashMap::new();
    for chunk in members.chunks(MAX_BINDS - 1) {
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT sm.member_id, {SM_COLS} FROM study_members sm WHERE sm.document_id = "
        ));
        qb.push_bind(doc.0).push(" AND sm.member_id IN ");
        push_ids(&mut qb, chunk.iter().map(|m| m.0));
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            out.insert(MemberId(r.try_get("member_id").db()?), state_row(&r)?);
        }
    }
    Ok(out)
}

/// One change of a member's study.
struct Change<'a> {
    member: &'a MemberInfo,
    before: MemberStudy,
    after: MemberStudy,
}

const COUNTER_SET: &str = "studied = study_rollups.studied + excluded.studied, \
     made_up = study_rollups.made_up + excluded.made_up, \
     excused = study_rollups.excused + excluded.excused, \
     checks_taken = study_rollups.checks_taken + excluded.checks_taken, \
     checks_passed = study_rollups.checks_passed + excluded.checks_passed, \
     reflections_on_time = study_rollups.reflections_on_time + excluded.reflections_on_time, \
     reflections_late = study_rollups.reflections_late + excluded.reflections_late, \
     reflections_graded = study_rollups.reflections_graded + excluded.reflections_graded, \
     reflections_good = study_rollups.reflections_good + excluded.reflections_good";

/// ((organization, audience), (province, counters)): one `study_rollups` delta.
type CounterRow = ((i64, Audience), (i64, StudyCounters));

/// Adds counters to rows of `study_rollups`, creating them as needed.
async fn add_counters(conn: &mut Conn, doc: DocumentId, rows: &[CounterRow]) -> Result<()> {
    const PER_ROW: usize = 13;
    for chunk in rows.chunks(MAX_BINDS / PER_ROW) {
        let mut qb = QueryBuilder::<Db>::new(format!(
            "INSERT INTO study_rollups (org_id, document_id, audience, province_id, {}) ",
            StudyCounters::COLUMNS.join(", ")
        ));
        qb.push_values(chunk, |mut b, ((org, aud), (province, c))| {
            b.push_bind(*org)
                .push_bind(doc.0)
                .push_bind(aud.as_str())
                .push_bind(*province);
            for v in c.values() {
                b.push_bind(v);
            }
        });
        qb.push(" ON CONFLICT (org_id, document_id, audience) DO UPDATE SET ")
            .push(COUNTER_SET);
        qb.build().execute(&mut *conn).await.db()?;
    }
    Ok(())
}

/// Writes the members' new states and adds their deltas to every ancestor's rollup.
async fn store_states(conn: &mut Conn, doc: DocumentId, changes: &[Change<'_>]) -> Result<()> {
    let changed: Vec<&Change<'_>> = changes.iter().filter(|c| c.before != c.after).collect();
    if changed.is_empty() {
        return Ok(());
    }
    const PER_ROW: usize = 13;
    for chunk in changed.chunks(MAX_BINDS / PER_ROW) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO study_members (member_id, document_id, province_id, cell_path, audience, \
             studied, made_up, excused, check_attempts, check_passed, check_best, reflection, grade) ",
        );
        qb.push_values(chunk, |mut b, c| {
            let s = &c.after;
            b.push_bind(c.member.id.0)
                .push_bind(doc.0)
                .push_bind(c.member.province)
                .push_bind(c.member.cell_path.as_str().to_owned())
                .push_bind(c.member.audience.as_str())
                .push_bind(s.studied)
                .push_bind(s.made_up)
                .push_bind(s.excused)
                .push_bind(i64::from(s.check_attempts))
                .push_bind(s.check_passed)
                .push_bind(s.check_best.map(i64::from))
                .push_bind(s.reflection.as_str())
                .push_bind(s.grade.map(|g| g.as_str()));
        });
        qb.push(
            " ON CONFLICT (member_id, document_id) DO UPDATE SET studied = excluded.studied, \
             made_up = excluded.made_up, excused = excluded.excused, \
             check_attempts = excluded.check_attempts, check_passed = excluded.check_passed, \
             check_best = excluded.check_best, reflection = excluded.reflection, \
             grade = excluded.grade",
        );
        qb.build().execute(&mut *conn).await.db()?;
    }
    // Deltas per (ancestor, audience); the row keeps the cell it was first counted in.
    let mut sums: HashMap<(i64, Audience), (i64, StudyCounters)> = HashMap::new();
    for c in changed {
        let d = StudyCounters::delta(&c.before, &c.after);
        if d.is_zero() {
            continue;
        }
        for org in ids_of(&c.member.cell_path) {
            let e = sums
                .entry((org, c.member.audience))
                .or_insert((c.member.province, StudyCounters::default()));
            e.1.add(&d);
        }
    }
    let mut rows: Vec<_> = sums.into_iter().collect();
    rows.sort_by_key(|((o, a), _)| (*o, aud_index(*a)));
    add_counters(conn, doc, &rows).await
}

/// Re-derives the attendance facts of members from their marks.
async fn attendance_facts(
    conn: &mut Conn,
    doc: DocumentId,
    members: &[MemberId],
) -> Result<HashMap<MemberId, (Vec<AttendanceMark>, Vec<AttendanceMark>)>> {
    let mut out: HashMap<MemberId, (Vec<AttendanceMark>, Vec<AttendanceMark>)> = HashMap::new();
    for chunk in members.chunks(MAX_BINDS - 1) {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT a.member_id, a.mark, s.makeup_of IS NOT NULL AS makeup FROM study_attendance a \
             JOIN study_sessions s ON s.id = a.session_id WHERE a.document_id = ",
        );
        qb.push_bind(doc.0).push(" AND a.member_id IN ");
        push_ids(&mut qb, chunk.iter().map(|m| m.0));
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            let mark: String = r.try_get("mark").db()?;
            let mark = AttendanceMark::parse(&mark).ok_or_else(|| bad_data("mark", &mark))?;
            let makeup: bool = r.try_get("makeup").db()?;
            let e = out
                .entry(MemberId(r.try_get("member_id").db()?))
                .or_default();
            if makeup {
                e.1.push(mark);
            } else {
                e.0.push(mark);
            }
        }
    }
    Ok(out)
}

/// After attendance rows changed: the members' new attendance facts, stored and rolled up.
async fn refresh_attendance(
    conn: &mut Conn,
    doc: DocumentId,
    members: &[&MemberInfo],
) -> Result<()> {
    let ids: Vec<MemberId> = members.iter().map(|m| m.id).collect();
    let before = states_of(conn, doc, &ids).await?;
    let facts = attendance_facts(conn, doc, &ids).await?;
    let changes: Vec<Change<'_>> = members
        .iter()
        .map(|m| {
            let b = before.get(&m.id).copied().unwrap_or_default();
            let (reg, mk) = facts.get(&m.id).cloned().unwrap_or_default();
            Change {
                member: m,
                before: b,
                after: b.with_attendance(&reg, &mk),
            }
        })
        .collect();
    store_states(conn, doc, &changes).await
}

async fn one_state(conn: &mut Conn, doc: DocumentId, m: MemberId) -> Result<MemberStudy> {
    Ok(states_of(conn, doc, &[m])
        .await?
        .remove(&m)
        .unwrap_or_default())
}

// ---- Sessions -----------------------------------------------------------------------------

const SESSION_SQL: &str = "SELECT s.id, s.org_id, s.org_path, o.name AS org_name, s.document_id, \
     d.symbol AS doc_symbol, s.title, s.audience, s.format, s.held_on, s.place, s.makeup_of, \
     s.cancelled_at, s.cancel_reason, \
     (SELECT COUNT(*) FROM study_attendance a WHERE a.session_id = s.id AND a.mark = 'present') AS n_present, \
     (SELECT COUNT(*) FROM study_attendance a WHERE a.session_id = s.id AND a.mark = 'excused') AS n_excused, \
     (SELECT COUNT(*) FROM study_attendance a WHERE a.session_id = s.id AND a.mark = 'absent') AS n_absent \
     FROM study_sessions s JOIN organizations o ON o.id = s.org_id \
     JOIN documents d ON d.id = s.document_id";

fn session_row(r: &DbRow) -> Result<StudySession> {
    let a: String = r.try_get("audience").db()?;
    let f: String = r.try_get("format").db()?;
    Ok(StudySession {
        id: StudySessionId(r.try_get("id").db()?),
        org_id: OrgId(r.try_get("org_id").db()?),
        org_path: path_of(r.try_get("org_path").db()?)?,
        org_name: r.try_get("org_name").db()?,
        document_id: DocumentId(r.try_get("document_id").db()?),
        document_symbol: r.try_get("doc_symbol").db()?,
        title: r.try_get("title").db()?,
        audience: audience_of(&a)?,
        format: ConferenceFormat::parse(&f).ok_or_else(|| bad_data("format", &f))?,
        held_on: r.try_get("held_on").db()?,
        place: r.try_get("place").db()?,
        makeup_of: r
            .try_get::<Option<i64>, _>("makeup_of")
            .db()?
            .map(StudySessionId),
        reporters: Vec::new(),
        present: r.try_get("n_present").db()?,
        excused: r.try_get("n_excused").db()?,
        absent: r.try_get("n_absent").db()?,
        cancelled_at: r.try_get("cancelled_at").db()?,
        cancel_reason: r.try_get("cancel_reason").db()?,
    })
}

async fn load_reporters(conn: &mut Conn, sessions: &mut [StudySession]) -> Result<()> {
    if sessions.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT r.session_id, r.member_id, m.full_name FROM study_session_reporters r \
         JOIN members m ON m.id = r.member_id WHERE r.session_id IN ",
    );
    push_ids(&mut qb, sessions.iter().map(|s| s.id.0));
    qb.push(" ORDER BY m.full_name COLLATE vi");
    let mut by: HashMap<i64, Vec<(MemberId, String)>> = HashMap::new();
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        by.entry(r.try_get("session_id").db()?).or_default().push((
            MemberId(r.try_get("member_id").db()?),
            r.try_get("full_name").db()?,
        ));
    }
    for s in sessions {
        s.reporters = by.remove(&s.id.0).unwrap_or_default();
    }
    Ok(())
}

async fn sessions_where(
    conn: &mut Conn,
    cond: &str,
    build: impl FnOnce(&mut QueryBuilder<Db>),
) -> Result<Vec<StudySession>> {
    let mut qb = QueryBuilder::<Db>::new(format!("{SESSION_SQL} WHERE {cond}"));
    build(&mut qb);
    qb.push(" ORDER BY s.held_on, s.id");
    let mut out = qb
        .build()
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(session_row)
        .collect::<Result<Vec<_>>>()?;
    load_reporters(conn, &mut out).await?;
    Ok(out)
}

async fn session_by_id(conn: &mut Conn, id: StudySessionId) -> Result<Option<StudySession>> {
    let mut v = sessions_where(conn, "s.id = ", |qb| {
        qb.push_bind(id.0);
    })
    .await?;
    Ok(v.pop())
}

/// The members on a conference's sheet: the active members of its unit's subtree (key
/// cadres only for a key-cadre conference), and on a make-up sheet those who still have
/// to study the resolution or are marked on it already.
fn push_sheet_from(qb: &mut QueryBuilder<Db>, s: &StudySession) {
    let r = s.org_path.subtree();
    qb.push(
        " FROM members m JOIN organizations c ON c.id = m.cell_id \
         LEFT JOIN organizations pa ON pa.id = c.parent_id \
         LEFT JOIN study_attendance a ON a.member_id = m.id AND a.session_id = ",
    );
    qb.push_bind(s.id.0)
        .push(" WHERE m.status = 'active' AND m.cell_path >= ")
        .push_bind(r.start)
        .push(" AND m.cell_path < ")
        .push_bind(r.end);
    if s.audience == Audience::KeyCadre {
        qb.push(" AND m.audience = 'key_cadre'");
    }
    if s.makeup_of.is_some() {
        // A make-up sheet lists who still has to study the resolution, and whoever is
        // marked on it already (so a mark stays visible once it counts as studied).
        qb.push(
            " AND (a.mark IS NOT NULL OR NOT EXISTS (SELECT 1 FROM study_members sm \
             WHERE sm.member_id = m.id AND sm.studied = ",
        )
        .push_bind(true)
        .push(" AND sm.document_id = ")
        .push_bind(s.document_id.0)
        .push("))");
    }
}

fn reporter_ids(s: &StudySession) -> Vec<MemberId> {
    s.reporters.iter().map(|(r, _)| *r).collect()
}

/// The cell of the principal's member, if any.
async fn my_cell(conn: &mut Conn, p: &Principal) -> Result<Option<OrgPath>> {
    let Some(m) = p.member_id else {
        return Ok(None);
    };
    Ok(members_by_ids(conn, &[m])
        .await?
        .remove(&m)
        .map(|mi| mi.cell_path))
}

/// A session the principal may see: Read on its unit, a reporter, or a member under it
/// (`rules::session_sight`).
async fn session_readable(
    conn: &mut Conn,
    p: &Principal,
    id: StudySessionId,
) -> Result<StudySession> {
    let s = session_by_id(conn, id).await?.ok_or(StoreError::NotFound)?;
    let seen = match rules::session_sight(p, &s.org_path, &reporter_ids(&s)) {
        Sight::Seen => true,
        Sight::Unseen => false,
        Sight::AskMember => {
            let cell = my_cell(conn, p).await?;
            rules::seen_as_member(&s.org_path, cell.as_ref(), false)
        }
    };
    if seen {
        Ok(s)
    } else {
        Err(StoreError::NotFound)
    }
}

async fn session_for_write(
    conn: &mut Conn,
    p: &Principal,
    id: StudySessionId,
) -> Result<StudySession> {
    let s = session_readable(conn, p, id).await?;
    rules::check_session_write(p, &s.org_path, &reporter_ids(&s))?;
    Ok(s)
}

// ---- Plan parts ---------------------------------------------------------------------------

const MATERIAL_SQL: &str = "SELECT mt.id, mt.org_id, o.name AS org_name, mt.org_path, mt.audience, \
     mt.title, mt.url, mt.blob_key, mt.file_name, b.evidence_type, mt.withdrawn_at FROM study_materials mt \
     JOIN organizations o ON o.id = mt.org_id LEFT JOIN evidence_blobs b ON b.key = mt.blob_key";

fn material_row(r: &DbRow) -> Result<(StudyMaterial, OrgPath)> {
    let a: Option<String> = r.try_get("audience").db()?;
    let key: Option<String> = r.try_get("blob_key").db()?;
    let file = match key {
        Some(k) => {
            let kind: String = r.try_get("evidence_type").db()?;
            Some((
                ContentKey::parse(&k).ok_or_else(|| bad_data("blob_key", &k))?,
                EvidenceType::parse(&kind).ok_or_else(|| bad_data("evidence_type", &kind))?,
                r.try_get::<Option<String>, _>("file_name")
                    .db()?
                    .unwrap_or_default(),
            ))
        }
        None => None,
    };
    Ok((
        StudyMaterial {
            id: MaterialId(r.try_get("id").db()?),
            org_id: OrgId(r.try_get("org_id").db()?),
            org_name: r.try_get("org_name").db()?,
            audience: a.map(|a| audience_of(&a)).transpose()?,
            title: r.try_get("title").db()?,
            url: r.try_get("url").db()?,
            file,
            withdrawn_at: r.try_get("withdrawn_at").db()?,
        },
        path_of(r.try_get("org_path").db()?)?,
    ))
}

/// Materials of the units on a path (nearest first).
async fn materials_on(
    conn: &mut Conn,
    doc: DocumentId,
    path: &OrgPath,
) -> Result<Vec<StudyMaterial>> {
    let mut qb = QueryBuilder::<Db>::new(format!(
        "{MATERIAL_SQL} WHERE mt.withdrawn_at IS NULL AND mt.document_id = "
    ));
    qb.push_bind(doc.0).push(" AND mt.org_id IN ");
    push_ids(&mut qb, ids_of(path));
    qb.push(" ORDER BY length(mt.org_path) DESC, mt.id");
    qb.build()
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(|r| material_row(r).map(|(m, _)| m))
        .collect()
}

/// Core contents of the units on a path (nearest first).
async fn contents_on(
    conn: &mut Conn,
    doc: DocumentId,
    path: &OrgPath,
) -> Result<Vec<StudyContent>> {
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT c.org_id, o.name AS org_name, c.audience, c.body_md, c.updated_at \
         FROM study_contents c JOIN organizations o ON o.id = c.org_id WHERE c.document_id = ",
    );
    qb.push_bind(doc.0).push(" AND c.org_id IN ");
    push_ids(&mut qb, ids_of(path));
    qb.push(" ORDER BY length(c.org_path) DESC, c.audience");
    qb.build()
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(|r| {
            let a: String = r.try_get("audience").db()?;
            Ok(StudyContent {
                org_id: OrgId(r.try_get("org_id").db()?),
                org_name: r.try_get("org_name").db()?,
                audience: audience_of(&a)?,
                body_md: r.try_get("body_md").db()?,
                updated_at: r.try_get("updated_at").db()?,
            })
        })
        .collect()
}

/// Question ids of the bank for an audience, from the units on a path.
async fn bank_on(
    conn: &mut Conn,
    doc: DocumentId,
    audience: Audience,
    path: &OrgPath,
) -> Result<Vec<QuestionId>> {
    let mut qb = QueryBuilder::<Db>::new("SELECT id FROM study_questions WHERE document_id = ");
    qb.push_bind(doc.0)
        .push(" AND audience = ")
        .push_bind(audience.as_str())
        .push(" AND org_id IN ");
    push_ids(&mut qb, ids_of(path));
    qb.build()
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(|r| r.try_get("id").map(QuestionId))
        .collect::<std::result::Result<_, _>>()
        .db()
}

fn question_row(r: &DbRow) -> Result<QuestionRecord> {
    let a: String = r.try_get("audience").db()?;
    let choices: String = r.try_get("choices").db()?;
    Ok(QuestionRecord {
        id: QuestionId(r.try_get("id").db()?),
        org_id: OrgId(r.try_get("org_id").db()?),
        question: Question {
            audience: audience_of(&a)?,
            prompt: r.try_get("prompt").db()?,
            choices: serde_json::from_str(&choices).map_err(|_| bad_data("choices", &choices))?,
            correct: r.try_get::<i64, _>("correct").db()?.clamp(0, 255) as u8,
        },
    })
}

async fn questions_by_ids(
    conn: &mut Conn,
    ids: &[QuestionId],
) -> Result<HashMap<QuestionId, QuestionRecord>> {
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT id, org_id, audience, prompt, choices, correct FROM study_questions WHERE id IN ",
    );
    push_ids(&mut qb, ids.iter().map(|q| q.0));
    let mut out = HashMap::new();
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        let q = question_row(&r)?;
        out.insert(q.id, q);
    }
    Ok(out)
}

// ---- Reflections --------------------------------------------------------------------------

const REFLECTION_SQL: &str = "SELECT r.id, r.member_id, m.full_name, c.name AS cell_name, \
     r.document_id, r.cell_path, r.body, r.blob_key, r.file_name, b.evidence_type, r.submitted_at, \
     r.submitted_on, r.on_time, r.grade, r.comment FROM study_reflections r \
     JOIN members m ON m.id = r.member_id JOIN organizations c ON c.id = m.cell_id \
     LEFT JOIN evidence_blobs b ON b.key = r.blob_key";

fn reflection_row(r: &DbRow) -> Result<(ReflectionRecord, OrgPath)> {
    let key: Option<String> = r.try_get("blob_key").db()?;
    let file = match key {
        Some(k) => {
            let kind: String = r.try_get("evidence_type").db()?;
            Some((
                ContentKey::parse(&k).ok_or_else(|| bad_data("blob_key", &k))?,
                EvidenceType::parse(&kind).ok_or_else(|| bad_data("evidence_type", &kind))?,
                r.try_get::<Option<String>, _>("file_name")
                    .db()?
                    .unwrap_or_default(),
            ))
        }
        None => None,
    };
    let grade: Option<String> = r.try_get("grade").db()?;
    Ok((
        ReflectionRecord {
            id: ReflectionId(r.try_get("id").db()?),
            member_id: MemberId(r.try_get("member_id").db()?),
            member_name: r.try_get("full_name").db()?,
            cell_name: r.try_get("cell_name").db()?,
            document_id: DocumentId(r.try_get("document_id").db()?),
            body: r.try_get("body").db()?,
            file,
            submitted_at: r.try_get("submitted_at").db()?,
            submitted_on: r.try_get("submitted_on").db()?,
            on_time: r.try_get("on_time").db()?,
            grade: grade
                .map(|g| ReflectionGrade::parse(&g).ok_or_else(|| bad_data("grade", &g)))
                .transpose()?,
            comment: r.try_get("comment").db()?,
        },
        path_of(r.try_get("cell_path").db()?)?,
    ))
}

/// A reflection as `p` sees it (`rules::reflection_sight`, decision in docs/SECURITY.md):
/// `None` when unseen; without grade and comment for a colleague who has handed in their
/// own. `own` keeps whether `p` has handed in their own on the reflection's document
/// (looked up once, and only for a colleague).
async fn as_seen(
    conn: &mut Conn,
    p: &Principal,
    r: ReflectionRecord,
    cell: &OrgPath,
    own: &mut Option<bool>,
) -> Result<Option<ReflectionRecord>> {
    use rules::ReflectionSight::*;
    let sight = match rules::reflection_sight(p, cell, r.member_id) {
        AskOwn => {
            let handed = match *own {
                Some(h) => h,
                None => {
                    let h = match p.member_id {
                        Some(m) => sqlx::query_scalar::<_, i64>(
                            "SELECT id FROM study_reflections WHERE member_id = $1 AND document_id = $2",
                        )
                        .bind(m.0)
                        .bind(r.document_id.0)
                        .fetch_optional(&mut *conn)
                        .await
                        .db()?
                        .is_some(),
                        None => false,
                    };
                    *own = Some(h);
                    h
                }
            };
            rules::colleague_sight(handed)
        }
        sight => sight,
    };
    Ok(match sight {
        Full => Some(r),
        WithoutGrade => Some(ReflectionRecord {
            grade: None,
            comment: None,
            ..r
        }),
        AskOwn | Unseen => None,
    })
}

async fn reflection_by(
    conn: &mut Conn,
    cond: &str,
    id: i64,
    doc: Option<i64>,
) -> Result<Option<(ReflectionRecord, OrgPath)>> {
    let mut qb = QueryBuilder::<Db>::new(format!("{REFLECTION_SQL} WHERE {cond}"));
    qb.push_bind(id);
    if let Some(d) = doc {
        qb.push(" AND r.document_id = ").push_bind(d);
    }
    qb.build()
        .fetch_optional(&mut *conn)
        .await
        .db()?
        .as_ref()
        .map(reflection_row)
        .transpose()
}

/// The resolutions cascaded to a unit on the member's path: (document, symbol, title,
/// study_by of the deepest unit reached).
async fn reached_docs(
    conn: &mut Conn,
    path: &OrgPath,
) -> Result<Vec<(DocumentId, String, String, time::Date)>> {
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT cu.root_document_id, cu.study_by, cu.org_path, d.symbol, d.title FROM cascade_units cu \
         JOIN documents d ON d.id = cu.root_document_id WHERE cu.org_id IN ",
    );
    push_ids(&mut qb, ids_of(path));
    let mut best: HashMap<i64, (usize, String, String, time::Date)> = HashMap::new();
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        let depth = path_of(r.try_get("org_path").db()?)?.depth();
        let id: i64 = r.try_get("root_document_id").db()?;
        let e = (
            depth,
            r.try_get("symbol").db()?,
            r.try_get("title").db()?,
            r.try_get("study_by").db()?,
        );
        if best.get(&id).is_none_or(|b| depth > b.0) {
            best.insert(id, e);
        }
    }
    let mut out: Vec<_> = best
        .into_iter()
        .map(|(id, (_, s, t, d))| (DocumentId(id), s, t, d))
        .collect();
    out.sort_by(|a, b| b.3.cmp(&a.3).then(a.0.cmp(&b.0)));
    Ok(out)
}

async fn reached_doc(
    conn: &mut Conn,
    m: &MemberInfo,
    doc: DocumentId,
) -> Result<(DocumentId, String, String, time::Date)> {
    reached_docs(conn, &m.cell_path)
        .await?
        .into_iter()
        .find(|d| d.0 == doc)
        .ok_or(StoreError::NotFound)
}

// ---- Plan context -------------------------------------------------------------------------

struct PlanCtx {
    org: Org,
    doc: Doc,
}

async fn plan_read(
    conn: &mut Conn,
    p: &Principal,
    org: OrgId,
    document: DocumentId,
) -> Result<PlanCtx> {
    let o = org_by_id(conn, org).await?.ok_or(StoreError::NotFound)?;
    let ok = match rules::plan_sight(p, &o.path) {
        Sight::Seen => true,
        Sight::Unseen => false,
        Sight::AskMember => {
            let reporter = reports_at(conn, p, org).await?;
            rules::seen_as_member(&o.path, None, reporter)
        }
    };
    if !ok {
        return Err(StoreError::NotFound);
    }
    let doc = doc_root(conn, p, document, &o.path).await?;
    Ok(PlanCtx { org: o, doc })
}

/// Whether the principal's member reports at one of the unit's conferences.
async fn reports_at(conn: &mut Conn, p: &Principal, org: OrgId) -> Result<bool> {
    let Some(m) = p.member_id else {
        return Ok(false);
    };
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM study_session_reporters r JOIN study_sessions s ON s.id = r.session_id \
         WHERE s.org_id = $1 AND r.member_id = $2",
    )
    .bind(org.0)
    .bind(m.0)
    .fetch_one(&mut *conn)
    .await
    .db()?;
    Ok(n > 0)
}

async fn plan_write(
    conn: &mut Conn,
    p: &Principal,
    org: OrgId,
    document: DocumentId,
) -> Result<PlanCtx> {
    let o = org_for_write(conn, p, org, Permission::EditPeople).await?;
    require_active(&o)?;
    let doc = doc_root(conn, p, document, &o.path).await?;
    Ok(PlanCtx { org: o, doc })
}

fn participation_of(org: OrgId, members: [i64; 2], rows: &[DbRow]) -> Result<Participation> {
    let mut out = Participation {
        org_id: org,
        members,
        counters: [StudyCounters::default(); 2],
    };
    for r in rows {
        let a: String = r.try_get("audience").db()?;
        let mut v = [0i64; 9];
        for (i, c) in StudyCounters::COLUMNS.iter().enumerate() {
            v[i] = r.try_get(*c).db()?;
        }
        out.counters[aud_index(audience_of(&a)?)] = StudyCounters::from_values(v);
    }
    Ok(out)
}

/// Active members of a subtree per audience: key cadres by an index range, the rest from
/// the unit's kept member count.
async fn audience_counts(
    conn: &mut Conn,
    path: &OrgPath,
    subtree_members: i64,
) -> Result<[i64; 2]> {
    let r = path.subtree();
    let key: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM members WHERE audience = 'key_cadre' AND status = 'active' \
         AND cell_path >= $1 AND cell_path < $2",
    )
    .bind(r.start)
    .bind(r.end)
    .fetch_one(&mut *conn)
    .await
    .db()?;
    Ok([key, (subtree_members - key).max(0)])
}

async fn rollup_rows(conn: &mut Conn, doc: DocumentId, orgs: &[i64]) -> Result<Vec<DbRow>> {
    let mut qb = QueryBuilder::<Db>::new(format!(
        "SELECT org_id, audience, {} FROM study_rollups WHERE document_id = ",
        StudyCounters::COLUMNS.join(", ")
    ));
    qb.push_bind(doc.0).push(" AND org_id IN ");
    push_ids(&mut qb, orgs.iter().copied());
    qb.build().fetch_all(&mut *conn).await.db()
}

fn ids_json(ids: &[MemberId]) -> String {
    serde_json::to_string(&ids.iter().map(|m| m.0).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into())
}

fn ids_from_json(s: &str) -> Result<Vec<MemberId>> {
    let v: Vec<i64> = serde_json::from_str(s).map_err(|_| bad_data("member ids", s))?;
    Ok(v.into_iter().map(MemberId).collect())
}

async fn insert_blob(conn: &mut Conn, e: &EvidenceMeta) -> Result<()> {
    sqlx::query(
        "INSERT INTO evidence_blobs (key, evidence_type, size, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING",
    )
    .bind(e.key.as_str())
    .bind(e.kind.as_str())
    .bind(e.size as i64)
    .bind(now())
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(())
}

/// Writes attendance rows (upsert) for checked members; returns how many changed.
async fn write_marks(
    conn: &mut Conn,
    p: &Principal,
    rows: &[(&StudySession, &MemberInfo, &AttendanceEntry)],
    via: CheckInVia,
) -> Result<u64> {
    const PER_ROW: usize = 10;
    let at = now();
    let mut n = 0u64;
    for chunk in rows.chunks(MAX_BINDS / PER_ROW) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO study_attendance (session_id, member_id, province_id, document_id, cell_path, \
             mark, reason, via, marked_at, marked_by) ",
        );
        qb.push_values(chunk, |mut b, (s, m, e)| {
            b.push_bind(s.id.0)
                .push_bind(m.id.0)
                .push_bind(m.province)
                .push_bind(s.document_id.0)
                .push_bind(m.cell_path.as_str().to_owned())
                .push_bind(e.mark.as_str())
                .push_bind(e.reason.clone())
                .push_bind(via.as_str())
                .push_bind(at)
                .push_bind(user_id_of(p));
        });
        qb.push(
            " ON CONFLICT (session_id, member_id) DO UPDATE SET mark = excluded.mark, \
             reason = excluded.reason, via = excluded.via, marked_at = excluded.marked_at, \
             marked_by = excluded.marked_by",
        );
        n += qb.build().execute(&mut *conn).await.db()?.rows_affected();
    }
    Ok(n)
}

/// The reporters of a conference, sorted and deduplicated, checked by
/// `rules::check_reporters` against what is stored of them (looked up only when there are
/// not too many); a problem is added to `bad`.
async fn check_reporters(
    conn: &mut Conn,
    unit: &OrgPath,
    given: &[MemberId],
    bad: &mut Invalid,
) -> Result<Vec<MemberId>> {
    let reporters = rules::reporter_list(given);
    let mut known: HashMap<MemberId, Person> = HashMap::new();
    if !reporters.is_empty() && reporters.len() <= rules::MAX_REPORTERS {
        let infos = members_by_ids(conn, &reporters).await?;
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT DISTINCT member_id FROM positions WHERE role = 'reporter' AND to_date IS NULL \
             AND member_id IN ",
        );
        push_ids(&mut qb, reporters.iter().map(|m| m.0));
        let with_role: Vec<i64> = qb
            .build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(|r| r.try_get("member_id"))
            .collect::<std::result::Result<_, _>>()
            .db()?;
        known = infos
            .into_iter()
            .map(|(id, i)| (id, i.person(with_role.contains(&id.0))))
            .collect();
    }
    bad.take(rules::check_reporters(unit, &reporters, &known));
    Ok(reporters)
}

/// A conference as the audit log keeps it.
fn session_json(s: &StudySession) -> serde_json::Value {
    json!({"title": s.title, "audience": s.audience, "format": s.format, "held_on": s.held_on,
           "place": s.place, "reporters": s.reporters.iter().map(|r| r.0).collect::<Vec<_>>(),
           "cancelled_at": s.cancelled_at, "cancel_reason": s.cancel_reason})
}

/// Marks are refused on a cancelled conference.
fn not_cancelled(s: &StudySession) -> Result<()> {
    Ok(rules::check_not_cancelled(s.is_cancelled())?)
}

// ---- The trait ----------------------------------------------------------------------------

#[async_trait::async_trait]
impl StudyStore for Backend {
    async fn study_plan(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<StudyPlan> {
        let mut conn = self.reader().await?;
        let c = plan_read(&mut conn, p, org, document).await?;
        let doc = c.doc.id;
        let path = c.org.path.clone();
        let contents = contents_on(&mut conn, doc, &path).await?;
        let sessions = sessions_where(&mut conn, "s.org_id = ", |qb| {
            qb.push_bind(org.0)
                .push(" AND s.document_id = ")
                .push_bind(doc.0);
        })
        .await?;
        let upper = path.ancestor_ids();
        let upper_sessions = sessions_where(&mut conn, "s.document_id = ", |qb| {
            qb.push_bind(doc.0).push(" AND s.org_id IN ");
            push_ids(qb, upper.iter().map(|i| i.0));
        })
        .await?;
        let below = path.subtree();
        let lower_sessions = sessions_where(&mut conn, "s.document_id = ", |qb| {
            qb.push_bind(doc.0)
                .push(" AND s.org_path > ")
                .push_bind(path.as_str().to_owned())
                .push(" AND s.org_path < ")
                .push_bind(below.end.clone());
        })
        .await?
        .into_iter()
        .take(200)
        .collect();
        let materials = materials_on(&mut conn, doc, &path).await?;
        let mut questions = [0i64; 2];
        for a in AUD {
            questions[aud_index(a)] = bank_on(&mut conn, doc, a, &path).await?.len() as i64;
        }
        let study_by = match study_by(&mut conn, doc, &path).await? {
            Some(d) => Some(d),
            // The unit that cascaded the resolution studies it by its own deadline.
            None => cascaded_by(&mut conn, org)
                .await?
                .into_iter()
                .find(|x| x.0 == doc)
                .map(|x| x.3),
        };
        Ok(StudyPlan {
            org_id: c.org.id,
            org_name: c.org.name,
            org_path: path,
            document_id: doc,
            document_symbol: c.doc.symbol,
            document_title: c.doc.title,
            study_by,
            contents,
            sessions,
            upper_sessions,
            lower_sessions,
            materials,
            questions,
        })
    }

    async fn study_documents(&self, p: &Principal, org: OrgId) -> Result<Vec<StudyDocument>> {
        let mut conn = self.reader().await?;
        let o = crate::sql::orgs::org_readable(&mut conn, p, org).await?;
        let mut docs = reached_docs(&mut conn, &o.path).await?;
        for d in cascaded_by(&mut conn, org).await? {
            if !docs.iter().any(|x| x.0 == d.0) {
                docs.push(d);
            }
        }
        docs.sort_by(|a, b| b.3.cmp(&a.3).then(a.0.cmp(&b.0)));
        Ok(docs
            .into_iter()
            .map(|(document_id, symbol, title, study_by)| StudyDocument {
                document_id,
                symbol,
                title,
                study_by,
            })
            .collect())
    }

    async fn save_study_content(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        audience: Audience,
        body_md: String,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let c = plan_write(&mut tx, p, org, document).await?;
        let body = rules::check_plan_text(&body_md)?;
        let before: Option<String> = sqlx::query_scalar(
            "SELECT body_md FROM study_contents WHERE org_id = $1 AND document_id = $2 AND audience = $3",
        )
        .bind(org.0)
        .bind(c.doc.id.0)
        .bind(audience.as_str())
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        sqlx::query(
            "INSERT INTO study_contents (org_id, document_id, audience, province_id, org_path, body_md, \
             updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (org_id, document_id, audience) DO UPDATE SET body_md = excluded.body_md, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(org.0)
        .bind(c.doc.id.0)
        .bind(audience.as_str())
        .bind(province_of(&c.org.path))
        .bind(c.org.path.as_str())
        .bind(&body)
        .bind(now())
        .bind(user_id_of(p))
        .execute(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "save",
            "study_content",
            c.doc.id.0,
            Some(&c.org.path),
            before.map(|b| json!({"audience": audience.as_str(), "body_md": b})),
            Some(json!({"audience": audience.as_str(), "body_md": body})),
        )
        .await?;
        tx.commit().await.db()
    }

    async fn create_study_session(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        new: NewStudySession,
    ) -> Result<StudySession> {
        let mut tx = self.begin().await?;
        let c = plan_write(&mut tx, p, org, document).await?;
        let mut bad = Invalid::default();
        if let Some(orig) = new.makeup_of {
            let original = session_by_id(&mut tx, orig).await?.map(|s| Original {
                org: s.org_id,
                document: s.document_id,
                makeup_of: s.makeup_of,
            });
            bad.take(rules::check_makeup(original.as_ref(), org, c.doc.id));
        }
        let reporters = check_reporters(&mut tx, &c.org.path, &new.reporters, &mut bad).await?;
        bad.into_result(())?;
        let d = &new.draft;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO study_sessions (province_id, org_id, org_path, document_id, title, audience, \
             format, held_on, place, makeup_of, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(province_of(&c.org.path))
        .bind(org.0)
        .bind(c.org.path.as_str())
        .bind(c.doc.id.0)
        .bind(&d.title)
        .bind(d.audience.as_str())
        .bind(d.format.as_str())
        .bind(d.held_on)
        .bind(&d.place)
        .bind(new.makeup_of.map(|s| s.0))
        .bind(now())
        .bind(user_id_of(p))
        .fetch_one(&mut *tx)
        .await
        .db()?;
        for m in &reporters {
            sqlx::query(
                "INSERT INTO study_session_reporters (session_id, member_id, province_id) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(m.0)
            .bind(province_of(&c.org.path))
            .execute(&mut *tx)
            .await
            .db()?;
        }
        audit(
            &mut tx,
            p,
            "create",
            "study_session",
            id,
            Some(&c.org.path),
            None,
            Some(
                json!({"document_id": c.doc.id, "draft": d, "reporters": reporters,
                        "makeup_of": new.makeup_of}),
            ),
        )
        .await?;
        let out = session_by_id(&mut tx, StudySessionId(id))
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn study_session(&self, p: &Principal, id: StudySessionId) -> Result<StudySession> {
        let mut conn = self.reader().await?;
        session_readable(&mut conn, p, id).await
    }

    async fn update_study_session(
        &self,
        p: &Principal,
        id: StudySessionId,
        edit: SessionEdit,
    ) -> Result<StudySession> {
        let mut tx = self.begin().await?;
        let before = session_for_write(&mut tx, p, id).await?;
        not_cancelled(&before)?;
        let mut bad = Invalid::default();
        bad.take(rules::check_session_edit(
            edit.draft.audience != before.audience,
            before.marks() as u64,
            edit.draft.held_on,
            today(),
        ));
        let reporters =
            check_reporters(&mut tx, &before.org_path, &edit.reporters, &mut bad).await?;
        bad.into_result(())?;
        let d = &edit.draft;
        sqlx::query(
            "UPDATE study_sessions SET title = $1, audience = $2, format = $3, held_on = $4, \
             place = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(&d.title)
        .bind(d.audience.as_str())
        .bind(d.format.as_str())
        .bind(d.held_on)
        .bind(&d.place)
        .bind(now())
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?;
        let old: Vec<MemberId> = before.reporters.iter().map(|r| r.0).collect();
        if old != reporters {
            sqlx::query("DELETE FROM study_session_reporters WHERE session_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .db()?;
            for m in &reporters {
                sqlx::query(
                    "INSERT INTO study_session_reporters (session_id, member_id, province_id) VALUES ($1, $2, $3)",
                )
                .bind(id.0)
                .bind(m.0)
                .bind(province_of(&before.org_path))
                .execute(&mut *tx)
                .await
                .db()?;
            }
        }
        let after = session_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if session_json(&before) != session_json(&after) {
            audit(
                &mut tx,
                p,
                "update",
                "study_session",
                id.0,
                Some(&before.org_path),
                Some(session_json(&before)),
                Some(session_json(&after)),
            )
            .await?;
        }
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn cancel_study_session(
        &self,
        p: &Principal,
        id: StudySessionId,
        reason: String,
    ) -> Result<StudySession> {
        let mut tx = self.begin().await?;
        let before = session_for_write(&mut tx, p, id).await?;
        let reason = rules::check_cancel(before.is_cancelled(), &reason, before.marks() as u64)?;
        sqlx::query(
            "UPDATE study_sessions SET cancelled_at = $1, cancelled_by = $2, cancel_reason = $3 \
             WHERE id = $4",
        )
        .bind(now())
        .bind(user_id_of(p))
        .bind(&reason)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?;
        let after = session_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            p,
            "cancel",
            "study_session",
            id.0,
            Some(&before.org_path),
            Some(session_json(&before)),
            Some(session_json(&after)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn my_reporter_sessions(&self, p: &Principal) -> Result<Vec<StudySession>> {
        let Some(m) = p.member_id else {
            return Ok(Vec::new());
        };
        let mut conn = self.reader().await?;
        sessions_where(
            &mut conn,
            "s.cancelled_at IS NULL AND s.id IN (SELECT session_id FROM study_session_reporters WHERE member_id = ",
            |qb| {
                qb.push_bind(m.0).push(")");
            },
        )
        .await
    }

    async fn add_study_material(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        new: NewMaterial,
    ) -> Result<StudyMaterial> {
        let mut tx = self.begin().await?;
        let c = plan_write(&mut tx, p, org, document).await?;
        let title = rules::check_material(
            &new.title,
            new.url.as_deref(),
            new.file.as_ref().map(|f| f.size),
        )?;
        if let Some(f) = &new.file {
            insert_blob(&mut tx, f).await?;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO study_materials (province_id, org_id, org_path, document_id, audience, title, \
             url, blob_key, file_name, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(province_of(&c.org.path))
        .bind(org.0)
        .bind(c.org.path.as_str())
        .bind(c.doc.id.0)
        .bind(new.audience.map(|a| a.as_str()))
        .bind(&title)
        .bind(new.url.as_deref())
        .bind(new.file.as_ref().map(|f| f.key.as_str().to_owned()))
        .bind(new.file.as_ref().map(|f| f.original_name.clone()))
        .bind(now())
        .bind(user_id_of(p))
        .fetch_one(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "create",
            "study_material",
            id,
            Some(&c.org.path),
            None,
            Some(json!({"document_id": c.doc.id, "title": title, "url": new.url,
                        "file": new.file.as_ref().map(|f| json!({"key": f.key, "name": f.original_name}))})),
        )
        .await?;
        let mut qb = QueryBuilder::<Db>::new(format!("{MATERIAL_SQL} WHERE mt.id = "));
        qb.push_bind(id);
        let row = qb.build().fetch_one(&mut *tx).await.db()?;
        let (m, _) = material_row(&row)?;
        tx.commit().await.db()?;
        Ok(m)
    }

    async fn withdraw_study_material(
        &self,
        p: &Principal,
        id: MaterialId,
    ) -> Result<StudyMaterial> {
        let mut tx = self.begin().await?;
        let mut qb = QueryBuilder::<Db>::new(format!("{MATERIAL_SQL} WHERE mt.id = "));
        qb.push_bind(id.0);
        let row = qb
            .build()
            .fetch_optional(&mut *tx)
            .await
            .db()?
            .ok_or(StoreError::NotFound)?;
        let (before, path) = material_row(&row)?;
        rules::check_withdraw(p, &path, before.withdrawn_at.is_some())?;
        sqlx::query(
            "UPDATE study_materials SET withdrawn_at = $1, withdrawn_by = $2 WHERE id = $3",
        )
        .bind(now())
        .bind(user_id_of(p))
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?;
        let mut qb = QueryBuilder::<Db>::new(format!("{MATERIAL_SQL} WHERE mt.id = "));
        qb.push_bind(id.0);
        let (after, _) = material_row(&qb.build().fetch_one(&mut *tx).await.db()?)?;
        audit(
            &mut tx,
            p,
            "withdraw",
            "study_material",
            id.0,
            Some(&path),
            Some(json!({"title": before.title, "url": before.url,
                        "file": before.file.as_ref().map(|f| json!({"key": f.0, "name": f.2})),
                        "withdrawn_at": null})),
            Some(json!({"withdrawn_at": after.withdrawn_at})),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn study_material(&self, p: &Principal, id: MaterialId) -> Result<StudyMaterial> {
        let mut conn = self.reader().await?;
        let mut qb = QueryBuilder::<Db>::new(format!("{MATERIAL_SQL} WHERE mt.id = "));
        qb.push_bind(id.0);
        let row = qb
            .build()
            .fetch_optional(&mut *conn)
            .await
            .db()?
            .ok_or(StoreError::NotFound)?;
        let (m, path) = material_row(&row)?;
        let seen = match rules::material_sight(p, &path, m.withdrawn_at.is_some()) {
            Sight::Seen => true,
            Sight::Unseen => false,
            Sight::AskMember => {
                let cell = my_cell(&mut conn, p).await?;
                rules::seen_as_member(&path, cell.as_ref(), false)
                    || reports_at(&mut conn, p, m.org_id).await?
            }
        };
        if seen {
            Ok(m)
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn add_question(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        q: Question,
    ) -> Result<QuestionId> {
        let mut tx = self.begin().await?;
        let c = plan_write(&mut tx, p, org, document).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO study_questions (province_id, org_id, org_path, document_id, audience, prompt, \
             choices, correct, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             RETURNING id",
        )
        .bind(province_of(&c.org.path))
        .bind(org.0)
        .bind(c.org.path.as_str())
        .bind(c.doc.id.0)
        .bind(q.audience.as_str())
        .bind(&q.prompt)
        .bind(serde_json::to_string(&q.choices).map_err(StoreError::backend)?)
        .bind(i64::from(q.correct))
        .bind(now())
        .bind(user_id_of(p))
        .fetch_one(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "create",
            "study_question",
            id,
            Some(&c.org.path),
            None,
            Some(json!(q)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(QuestionId(id))
    }

    async fn questions(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Vec<QuestionRecord>> {
        let mut conn = self.reader().await?;
        let o = org_for_write(&mut conn, p, org, Permission::EditPeople).await?;
        let doc = doc_root(&mut conn, p, document, &o.path).await?;
        sqlx::query(
            "SELECT id, org_id, audience, prompt, choices, correct FROM study_questions \
             WHERE org_id = $1 AND document_id = $2 ORDER BY audience, id",
        )
        .bind(org.0)
        .bind(doc.id.0)
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(question_row)
        .collect()
    }

    async fn attendance_sheet(&self, p: &Principal, id: StudySessionId) -> Result<Vec<SheetRow>> {
        self.attendance_sheet_page(
            p,
            id,
            None,
            Page {
                offset: 0,
                limit: study::MAX_SHEET_ROWS as u32,
            },
        )
        .await
    }

    async fn attendance_sheet_page(
        &self,
        p: &Principal,
        id: StudySessionId,
        cell: Option<OrgId>,
        page: Page,
    ) -> Result<Vec<SheetRow>> {
        let mut conn = self.reader().await?;
        let s = session_readable(&mut conn, p, id).await?;
        // The sheet names every member: for the unit's readers and reporters only.
        if rules::session_sight(p, &s.org_path, &reporter_ids(&s)) != Sight::Seen {
            return Err(StoreError::NotFound);
        }
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT m.id, m.full_name, m.card_number, m.audience, c.name AS cell_name, a.mark, a.reason, a.via",
        );
        push_sheet_from(&mut qb, &s);
        if let Some(cell) = cell {
            qb.push(" AND m.cell_id = ").push_bind(cell.0);
        }
        let (limit, offset) = page_limits(page);
        qb.push(" ORDER BY m.cell_path, m.full_name COLLATE vi, m.id LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        qb.build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(|r| {
                let a: String = r.try_get("audience").db()?;
                let mark: Option<String> = r.try_get("mark").db()?;
                let via: Option<String> = r.try_get("via").db()?;
                Ok(SheetRow {
                    member_id: MemberId(r.try_get("id").db()?),
                    full_name: r.try_get("full_name").db()?,
                    card_number: r.try_get("card_number").db()?,
                    audience: audience_of(&a)?,
                    cell_name: r.try_get("cell_name").db()?,
                    mark: mark.and_then(|m| AttendanceMark::parse(&m)),
                    reason: r.try_get("reason").db()?,
                    via: via.and_then(|v| CheckInVia::parse(&v)),
                })
            })
            .collect()
    }

    async fn attendance_cells(&self, p: &Principal, id: StudySessionId) -> Result<Vec<SheetCell>> {
        let mut conn = self.reader().await?;
        let s = session_readable(&mut conn, p, id).await?;
        if rules::session_sight(p, &s.org_path, &reporter_ids(&s)) != Sight::Seen {
            return Err(StoreError::NotFound);
        }
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT m.cell_id, MIN(c.name) AS cell_name, MIN(m.cell_path) AS cell_path, \
             MIN(pa.name) AS unit_name, \
             COUNT(*) AS members, \
             SUM(CASE WHEN a.mark = 'present' THEN 1 ELSE 0 END) AS present, \
             SUM(CASE WHEN a.mark = 'excused' THEN 1 ELSE 0 END) AS excused, \
             SUM(CASE WHEN a.mark = 'absent' THEN 1 ELSE 0 END) AS absent",
        );
        push_sheet_from(&mut qb, &s);
        qb.push(" GROUP BY m.cell_id ORDER BY MIN(m.cell_path)");
        qb.build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(|r| {
                let n = |k: &str| -> Result<u64> {
                    let v: Option<i64> = r.try_get(k).db()?;
                    Ok(v.unwrap_or(0).max(0) as u64)
                };
                Ok(SheetCell {
                    cell_id: OrgId(r.try_get("cell_id").db()?),
                    cell_name: r.try_get("cell_name").db()?,
                    unit_name: r
                        .try_get::<Option<String>, _>("unit_name")
                        .db()?
                        .unwrap_or_default(),
                    members: n("members")?,
                    present: n("present")?,
                    excused: n("excused")?,
                    absent: n("absent")?,
                })
            })
            .collect()
    }

    async fn record_attendance(
        &self,
        p: &Principal,
        id: StudySessionId,
        entries: Vec<AttendanceEntry>,
    ) -> Result<u64> {
        let mut tx = self.begin().await?;
        let s = session_for_write(&mut tx, p, id).await?;
        not_cancelled(&s)?;
        rules::check_held(s.held_on, today())?;
        rules::check_sheet_length(entries.len())?;
        let ids: Vec<MemberId> = entries.iter().map(|e| e.member_id).collect();
        let infos = members_by_ids(&mut tx, &ids).await?;
        let people: Vec<Option<Person>> = entries
            .iter()
            .map(|e| infos.get(&e.member_id).map(|m| m.person(false)))
            .collect();
        let lines: Vec<Option<&Person>> = people.iter().map(Option::as_ref).collect();
        rules::check_sheet(&s.org_path, &lines)?;
        // Only the lines that change are written (and audited).
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT member_id, mark, reason FROM study_attendance WHERE session_id = ",
        );
        qb.push_bind(id.0);
        let mut current: HashMap<i64, (String, Option<String>)> = HashMap::new();
        for r in qb.build().fetch_all(&mut *tx).await.db()? {
            current.insert(
                r.try_get("member_id").db()?,
                (r.try_get("mark").db()?, r.try_get("reason").db()?),
            );
        }
        let rows: Vec<(&StudySession, &MemberInfo, &AttendanceEntry)> = entries
            .iter()
            .filter(|e| {
                current.get(&e.member_id.0) != Some(&(e.mark.as_str().to_owned(), e.reason.clone()))
            })
            .map(|e| (&s, &infos[&e.member_id], e))
            .collect();
        let n = write_marks(&mut tx, p, &rows, CheckInVia::Sheet).await?;
        let members: Vec<&MemberInfo> = rows.iter().map(|(_, m, _)| *m).collect();
        refresh_attendance(&mut tx, s.document_id, &members).await?;
        if n > 0 {
            let lines: Vec<_> = rows
                .iter()
                .map(|(_, m, e)| {
                    json!({"member_id": m.id, "mark": e.mark, "reason": e.reason,
                                        "before": current.get(&m.id.0).map(|c| &c.0)})
                })
                .collect();
            audit(
                &mut tx,
                p,
                "mark",
                "study_attendance",
                id.0,
                Some(&s.org_path),
                None,
                Some(json!({"session_id": id, "lines": lines})),
            )
            .await?;
        }
        tx.commit().await.db()?;
        Ok(n)
    }

    async fn check_in(&self, p: &Principal, id: StudySessionId) -> Result<CheckIn> {
        let mut tx = self.begin().await?;
        let m = my_member(&mut tx, p).await?;
        let s = session_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        rules::check_check_in(&s.org_path, &m.cell_path, s.is_cancelled())?;
        rules::check_checkin_day(s.held_on, today())?;
        let mark: Option<String> = sqlx::query_scalar(
            "SELECT mark FROM study_attendance WHERE session_id = $1 AND member_id = $2",
        )
        .bind(id.0)
        .bind(m.id.0)
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        if mark.as_deref() == Some("present") {
            return Ok(CheckIn {
                session: s,
                member_name: m.name,
                already: true,
            });
        }
        let entry = AttendanceEntry {
            member_id: m.id,
            mark: AttendanceMark::Present,
            reason: None,
        };
        write_marks(&mut tx, p, &[(&s, &m, &entry)], CheckInVia::Qr).await?;
        refresh_attendance(&mut tx, s.document_id, &[&m]).await?;
        audit(
            &mut tx,
            p,
            "check_in",
            "study_attendance",
            id.0,
            Some(&m.cell_path),
            mark.map(|b| json!({"mark": b})),
            Some(json!({"session_id": id, "member_id": m.id, "mark": "present", "via": "qr"})),
        )
        .await?;
        let session = session_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.db()?;
        Ok(CheckIn {
            session,
            member_name: m.name,
            already: false,
        })
    }

    async fn import_attendance(
        &self,
        p: &Principal,
        rows: Vec<AttendanceImportRow>,
    ) -> Result<u64> {
        let mut tx = self.begin().await?;
        let mut sessions: HashMap<StudySessionId, StudySession> = HashMap::new();
        let mut bad = Invalid::default();
        for (i, r) in rows.iter().enumerate() {
            if sessions.contains_key(&r.session) {
                continue;
            }
            match session_for_write(&mut tx, p, r.session).await {
                Ok(s) if s.is_cancelled() => {
                    bad.push(
                        domain::fieldpath::indexed("rows", i, "session"),
                        "session_cancelled",
                    );
                }
                Ok(s) if rules::check_held(s.held_on, today()).is_err() => {
                    bad.push(
                        domain::fieldpath::indexed("rows", i, "session"),
                        "session_not_held",
                    );
                }
                Ok(s) => {
                    sessions.insert(r.session, s);
                }
                Err(StoreError::NotFound | StoreError::Forbidden) => {
                    bad.push(
                        domain::fieldpath::indexed("rows", i, "session"),
                        "bad_choice",
                    );
                }
                Err(e) => return Err(e),
            }
        }
        let ids: Vec<MemberId> = rows.iter().map(|r| r.entry.member_id).collect();
        let infos = members_by_ids(&mut tx, &ids).await?;
        for (i, r) in rows.iter().enumerate() {
            let Some(s) = sessions.get(&r.session) else {
                continue;
            };
            let person = infos.get(&r.entry.member_id).map(|m| m.person(false));
            if !rules::may_attend(&s.org_path, person.as_ref()) {
                bad.push(
                    domain::fieldpath::indexed("rows", i, "member"),
                    "member_outside_unit",
                );
            }
        }
        bad.into_result(())?;
        let lines: Vec<(&StudySession, &MemberInfo, &AttendanceEntry)> = rows
            .iter()
            .map(|r| (&sessions[&r.session], &infos[&r.entry.member_id], &r.entry))
            .collect();
        let n = write_marks(&mut tx, p, &lines, CheckInVia::Import).await?;
        let mut by_doc: HashMap<DocumentId, Vec<&MemberInfo>> = HashMap::new();
        for (s, m, _) in &lines {
            by_doc.entry(s.document_id).or_default().push(m);
        }
        for (doc, mut members) in by_doc {
            members.sort_by_key(|m| m.id);
            members.dedup_by_key(|m| m.id);
            refresh_attendance(&mut tx, doc, &members).await?;
        }
        let mut sids: Vec<i64> = sessions.keys().map(|s| s.0).collect();
        sids.sort_unstable();
        audit(
            &mut tx,
            p,
            "import",
            "study_attendance",
            sids.first().copied().unwrap_or(0),
            None,
            None,
            Some(json!({"rows": rows.len(), "written": n, "sessions": sids})),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(n)
    }

    async fn checkin_key(&self) -> Result<Vec<u8>> {
        let mut conn = self.reader().await?;
        let k: String = sqlx::query_scalar("SELECT key FROM study_secret WHERE id = 1")
            .fetch_one(&mut *conn)
            .await
            .db()?;
        Ok(k.into_bytes())
    }

    async fn my_study(&self, p: &Principal) -> Result<Vec<MyStudy>> {
        let Some(me) = p.member_id else {
            return Ok(Vec::new());
        };
        let mut conn = self.reader().await?;
        let Some(m) = members_by_ids(&mut conn, &[me])
            .await?
            .remove(&me)
            .filter(|m| m.active)
        else {
            return Ok(Vec::new());
        };
        let path = m.cell_path.clone();
        let mut out = Vec::new();
        for (doc, symbol, title, by) in reached_docs(&mut conn, &path).await? {
            let content = contents_on(&mut conn, doc, &path)
                .await?
                .into_iter()
                .find(|c| c.audience == m.audience);
            let cell = path.id();
            let aud = m.audience;
            let sessions: Vec<StudySession> = sessions_where(
                &mut conn,
                "s.cancelled_at IS NULL AND s.document_id = ",
                |qb| {
                    qb.push_bind(doc.0).push(" AND s.org_id IN ");
                    push_ids(qb, ids_of(&path));
                    qb.push(" AND (s.audience = ")
                        .push_bind(aud.as_str())
                        .push(" OR s.org_id = ")
                        .push_bind(cell.0)
                        .push(")");
                },
            )
            .await?;
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT session_id, mark FROM study_attendance WHERE member_id = ",
            );
            qb.push_bind(me.0)
                .push(" AND document_id = ")
                .push_bind(doc.0);
            let marks = qb
                .build()
                .fetch_all(&mut *conn)
                .await
                .db()?
                .iter()
                .map(|r| {
                    let mk: String = r.try_get("mark").db()?;
                    Ok((
                        StudySessionId(r.try_get("session_id").db()?),
                        AttendanceMark::parse(&mk).ok_or_else(|| bad_data("mark", &mk))?,
                    ))
                })
                .collect::<Result<Vec<_>>>()?;
            let materials = materials_on(&mut conn, doc, &path)
                .await?
                .into_iter()
                .filter(|mt| mt.audience.is_none_or(|a| a == aud))
                .collect();
            let state = one_state(&mut conn, doc, me).await?;
            let reflection = reflection_by(&mut conn, "r.member_id = ", me.0, Some(doc.0))
                .await?
                .map(|(r, _)| r);
            let questions_available = bank_on(&mut conn, doc, aud, &path).await?.len() as i64;
            out.push(MyStudy {
                document_id: doc,
                symbol,
                title,
                study_by: Some(by),
                audience: aud,
                content,
                sessions,
                marks,
                materials,
                state,
                reflection,
                questions_available,
            });
        }
        Ok(out)
    }

    async fn check_paper(&self, p: &Principal, document: DocumentId) -> Result<CheckPaper> {
        let mut conn = self.reader().await?;
        let m = my_member(&mut conn, p).await?;
        let (doc, ..) = reached_doc(&mut conn, &m, document).await?;
        let state = one_state(&mut conn, doc, m.id).await?;
        let rules = CheckRules::default();
        let bank = if state.studied {
            bank_on(&mut conn, doc, m.audience, &m.cell_path).await?
        } else {
            Vec::new()
        };
        rules::check_may_take(&state, &rules, bank.len())?;
        let attempt = state.check_attempts + 1;
        let drawn = study::draw(
            &bank,
            study::draw_seed(m.id, doc.0, attempt),
            rules.per_check,
        );
        let mut qs = questions_by_ids(&mut conn, &drawn).await?;
        Ok(CheckPaper {
            document_id: doc,
            attempt,
            max_attempts: rules.max_attempts,
            questions: drawn
                .iter()
                .filter_map(|q| qs.remove(q))
                .map(|q| (q.id, q.question.prompt, q.question.choices))
                .collect(),
        })
    }

    async fn last_check(&self, p: &Principal, document: DocumentId) -> Result<Option<CheckResult>> {
        let mut conn = self.reader().await?;
        let m = my_member(&mut conn, p).await?;
        let (doc, ..) = reached_doc(&mut conn, &m, document).await?;
        let Some(r) = sqlx::query(
            "SELECT attempt, questions, answers, correct, total, passed FROM study_check_attempts \
             WHERE member_id = $1 AND document_id = $2 ORDER BY attempt DESC LIMIT 1",
        )
        .bind(m.id.0)
        .bind(doc.0)
        .fetch_optional(&mut *conn)
        .await
        .db()?
        else {
            return Ok(None);
        };
        let text = |c: &str| -> Result<String> { r.try_get(c).db() };
        let (questions, answers) = (text("questions")?, text("answers")?);
        let drawn: Vec<QuestionId> =
            serde_json::from_str(&questions).map_err(|_| bad_data("questions", &questions))?;
        let chosen: Vec<Option<u8>> =
            serde_json::from_str(&answers).map_err(|_| bad_data("answers", &answers))?;
        let qs = questions_by_ids(&mut conn, &drawn).await?;
        let wrong = drawn
            .iter()
            .zip(chosen.iter().chain(std::iter::repeat(&None)))
            .filter_map(|(q, c)| {
                let q = &qs.get(q)?.question;
                (*c != Some(q.correct)).then(|| {
                    let picked = c.and_then(|c| q.choices.get(usize::from(c)).cloned());
                    (q.prompt.clone(), picked)
                })
            })
            .collect();
        let num = |c: &str| -> Result<u32> {
            let v: i64 = r.try_get(c).db()?;
            u32::try_from(v).map_err(|_| bad_data(c, &v.to_string()))
        };
        Ok(Some(CheckResult {
            attempt: num("attempt")?,
            score: CheckScore {
                correct: num("correct")?,
                total: num("total")?,
                passed: r.try_get("passed").db()?,
            },
            wrong,
        }))
    }

    async fn submit_check(
        &self,
        p: &Principal,
        document: DocumentId,
        attempt: u32,
        answers: Vec<(QuestionId, Option<u8>)>,
    ) -> Result<CheckScore> {
        let mut tx = self.begin().await?;
        let m = my_member(&mut tx, p).await?;
        let (doc, ..) = reached_doc(&mut tx, &m, document).await?;
        let before = one_state(&mut tx, doc, m.id).await?;
        let rules = CheckRules::default();
        let bank = bank_on(&mut tx, doc, m.audience, &m.cell_path).await?;
        let drawn = study::draw(
            &bank,
            study::draw_seed(m.id, doc.0, attempt),
            rules.per_check,
        );
        rules::check_submission(&before, &rules, attempt, drawn.len())?;
        let qs = questions_by_ids(&mut tx, &drawn).await?;
        let key: Vec<(QuestionId, u8)> = drawn
            .iter()
            .filter_map(|q| qs.get(q).map(|r| (*q, r.question.correct)))
            .collect();
        let chosen: Vec<Option<u8>> = drawn
            .iter()
            .map(|q| answers.iter().find(|(a, _)| a == q).and_then(|(_, c)| *c))
            .collect();
        rules::check_answered(&chosen)?;
        let score = study::grade(&key, &answers, &rules);
        sqlx::query(
            "INSERT INTO study_check_attempts (province_id, member_id, document_id, attempt, questions, \
             answers, correct, total, passed, taken_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(m.province)
        .bind(m.id.0)
        .bind(doc.0)
        .bind(i64::from(attempt))
        .bind(serde_json::to_string(&drawn).map_err(StoreError::backend)?)
        .bind(serde_json::to_string(&chosen).map_err(StoreError::backend)?)
        .bind(i64::from(score.correct))
        .bind(i64::from(score.total))
        .bind(score.passed)
        .bind(now())
        .execute(&mut *tx)
        .await
        .db()?;
        let after = MemberStudy {
            check_attempts: attempt,
            check_passed: before.check_passed || score.passed,
            check_best: Some(before.check_best.unwrap_or(0).max(score.percent())),
            ..before
        };
        store_states(
            &mut tx,
            doc,
            &[Change {
                member: &m,
                before,
                after,
            }],
        )
        .await?;
        audit(
            &mut tx,
            p,
            "take",
            "study_check",
            doc.0,
            Some(&m.cell_path),
            None,
            Some(json!({"member_id": m.id, "attempt": attempt, "score": score})),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(score)
    }

    async fn submit_reflection(
        &self,
        p: &Principal,
        document: DocumentId,
        new: NewReflection,
    ) -> Result<ReflectionRecord> {
        let mut tx = self.begin().await?;
        let m = my_member(&mut tx, p).await?;
        let (doc, _, _, due) = reached_doc(&mut tx, &m, document).await?;
        let existing = reflection_by(&mut tx, "r.member_id = ", m.id.0, Some(doc.0)).await?;
        rules::check_reflection(
            new.body.as_deref(),
            new.file.as_ref().map(|f| f.size),
            existing.as_ref().is_some_and(|(r, _)| r.grade.is_some()),
        )?;
        if let Some(f) = &new.file {
            insert_blob(&mut tx, f).await?;
        }
        let on_time = study::on_time(new.on, Some(due));
        sqlx::query(
            "INSERT INTO study_reflections (province_id, member_id, document_id, cell_path, body, blob_key, \
             file_name, submitted_at, submitted_on, on_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (member_id, document_id) DO UPDATE SET cell_path = excluded.cell_path, \
             body = excluded.body, blob_key = excluded.blob_key, file_name = excluded.file_name, \
             submitted_at = excluded.submitted_at, submitted_on = excluded.submitted_on, \
             on_time = excluded.on_time",
        )
        .bind(m.province)
        .bind(m.id.0)
        .bind(doc.0)
        .bind(m.cell_path.as_str())
        .bind(new.body.as_deref())
        .bind(new.file.as_ref().map(|f| f.key.as_str().to_owned()))
        .bind(new.file.as_ref().map(|f| f.original_name.clone()))
        .bind(now())
        .bind(new.on)
        .bind(on_time)
        .execute(&mut *tx)
        .await
        .db()?;
        let before = one_state(&mut tx, doc, m.id).await?;
        let after = MemberStudy {
            reflection: if on_time {
                ReflectionState::OnTime
            } else {
                ReflectionState::Late
            },
            grade: None,
            ..before
        };
        store_states(
            &mut tx,
            doc,
            &[Change {
                member: &m,
                before,
                after,
            }],
        )
        .await?;
        let (rec, _) = reflection_by(&mut tx, "r.member_id = ", m.id.0, Some(doc.0))
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(&mut tx, p, "submit", "study_reflection", rec.id.0, Some(&m.cell_path),
              existing.map(|(r, _)| json!({"submitted_on": r.submitted_on, "file": r.file.map(|f| f.2)})),
              Some(json!({"document_id": doc, "on_time": on_time, "chars": new.body.as_ref().map(|b| b.chars().count()),
                          "file": new.file.as_ref().map(|f| json!({"key": f.key, "name": f.original_name}))}))).await?;
        tx.commit().await.db()?;
        Ok(rec)
    }

    async fn reflections(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Vec<ReflectionRecord>> {
        let mut conn = self.reader().await?;
        let o = crate::sql::orgs::org_readable(&mut conn, p, org).await?;
        let doc = doc_root(&mut conn, p, document, &o.path).await?;
        let r = o.path.subtree();
        let mut qb = QueryBuilder::<Db>::new(format!("{REFLECTION_SQL} WHERE r.document_id = "));
        qb.push_bind(doc.id.0)
            .push(" AND r.cell_path >= ")
            .push_bind(r.start)
            .push(" AND r.cell_path < ")
            .push_bind(r.end)
            .push(" ORDER BY r.cell_path, m.full_name COLLATE vi LIMIT 2000");
        let rows = qb
            .build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(reflection_row)
            .collect::<Result<Vec<_>>>()?;
        let mut own = None;
        let mut out = Vec::with_capacity(rows.len());
        for (r, cell) in rows {
            if let Some(r) = as_seen(&mut conn, p, r, &cell, &mut own).await? {
                out.push(r);
            }
        }
        Ok(out)
    }

    async fn reflection(&self, p: &Principal, id: ReflectionId) -> Result<ReflectionRecord> {
        let mut conn = self.reader().await?;
        let (r, cell) = reflection_by(&mut conn, "r.id = ", id.0, None)
            .await?
            .ok_or(StoreError::NotFound)?;
        as_seen(&mut conn, p, r, &cell, &mut None)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn grade_reflection(
        &self,
        p: &Principal,
        id: ReflectionId,
        grade: ReflectionGrade,
        comment: Option<String>,
    ) -> Result<ReflectionRecord> {
        let mut tx = self.begin().await?;
        let (r, cell) = reflection_by(&mut tx, "r.id = ", id.0, None)
            .await?
            .ok_or(StoreError::NotFound)?;
        p.ensure_write(Permission::EditPeople, &cell)?;
        let comment = match comment {
            Some(c) => validate::optional("comment", &c, study::MAX_COMMENT_CHARS)?,
            None => None,
        };
        sqlx::query(
            "UPDATE study_reflections SET grade = $1, comment = $2, graded_by = $3, graded_at = $4 WHERE id = $5",
        )
        .bind(grade.as_str())
        .bind(comment.as_deref())
        .bind(user_id_of(p))
        .bind(now())
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?;
        let m = members_by_ids(&mut tx, &[r.member_id])
            .await?
            .remove(&r.member_id)
            .ok_or(StoreError::NotFound)?;
        let before = one_state(&mut tx, r.document_id, m.id).await?;
        let after = MemberStudy {
            grade: Some(grade),
            ..before
        };
        store_states(
            &mut tx,
            r.document_id,
            &[Change {
                member: &m,
                before,
                after,
            }],
        )
        .await?;
        audit(
            &mut tx,
            p,
            "grade",
            "study_reflection",
            id.0,
            Some(&cell),
            Some(json!({"grade": r.grade, "comment": r.comment})),
            Some(json!({"grade": grade, "comment": comment})),
        )
        .await?;
        let (out, _) = reflection_by(&mut tx, "r.id = ", id.0, None)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn participation(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Participation> {
        let mut conn = self.reader().await?;
        let o = crate::sql::orgs::org_readable(&mut conn, p, org).await?;
        let doc = doc_root(&mut conn, p, document, &o.path).await?;
        let members = audience_counts(&mut conn, &o.path, o.subtree_member_count).await?;
        let rows = rollup_rows(&mut conn, doc.id, &[org.0]).await?;
        participation_of(org, members, &rows)
    }

    async fn participation_children(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Vec<UnitParticipation>> {
        let mut conn = self.reader().await?;
        let o = crate::sql::orgs::org_readable(&mut conn, p, org).await?;
        let doc = doc_root(&mut conn, p, document, &o.path).await?;
        // Each child's active key cadres are counted in the same statement (an index
        // range of members_audience_path per child; paths hold digits and '/', so
        // [path, path || '~') is the subtree): one round trip instead of one per child.
        let kids = sqlx::query(
            "SELECT o.id, o.name, o.subtree_member_count, \
             (SELECT COUNT(*) FROM members m WHERE m.audience = 'key_cadre' \
              AND m.status = 'active' AND m.cell_path >= o.path \
              AND m.cell_path < o.path || '~') AS key_cadres \
             FROM organizations o \
             WHERE o.parent_id = $1 AND o.valid_to IS NULL ORDER BY o.name COLLATE vi LIMIT 500",
        )
        .bind(org.0)
        .fetch_all(&mut *conn)
        .await
        .db()?;
        let ids: Vec<i64> = kids
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()
            .db()?;
        let rows = rollup_rows(&mut conn, doc.id, &ids).await?;
        let mut by: HashMap<i64, Vec<DbRow>> = HashMap::new();
        for r in rows {
            by.entry(r.try_get("org_id").db()?).or_default().push(r);
        }
        let mut out = Vec::with_capacity(kids.len());
        for k in &kids {
            let id: i64 = k.try_get("id").db()?;
            let key: i64 = k.try_get("key_cadres").db()?;
            let total: i64 = k.try_get("subtree_member_count").db()?;
            let members = [key, (total - key).max(0)];
            out.push(UnitParticipation {
                org_id: OrgId(id),
                org_name: k.try_get("name").db()?,
                participation: participation_of(
                    OrgId(id),
                    members,
                    by.get(&id).map_or(&[][..], |v| v),
                )?,
            });
        }
        Ok(out)
    }

    async fn study_roster(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        only_unstudied: bool,
        page: Page,
    ) -> Result<Vec<RosterRow>> {
        let mut conn = self.reader().await?;
        let o = crate::sql::orgs::org_readable(&mut conn, p, org).await?;
        let doc = doc_root(&mut conn, p, document, &o.path).await?;
        let r = o.path.subtree();
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT m.id AS member_id, m.full_name, m.audience AS m_audience, m.cell_id, c.name AS cell_name, \
             (SELECT pa.name FROM organizations pa WHERE pa.id = c.parent_id) AS unit_name, \
             m.cell_path AS m_cell_path, sm.member_id AS has_row, {SM_COLS} FROM members m JOIN organizations c ON c.id = m.cell_id \
             LEFT JOIN study_members sm ON sm.member_id = m.id AND sm.document_id = "
        ));
        qb.push_bind(doc.id.0)
            .push(" WHERE m.status = 'active' AND m.cell_path >= ")
            .push_bind(r.start)
            .push(" AND m.cell_path < ")
            .push_bind(r.end);
        if only_unstudied {
            qb.push(" AND (sm.member_id IS NULL OR sm.studied = FALSE)");
        }
        qb.push(" ORDER BY m.cell_path, m.full_name COLLATE vi, m.id LIMIT ")
            .push_bind(i64::from(page.limit))
            .push(" OFFSET ")
            .push_bind(i64::from(page.offset));
        qb.build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(|r| {
                let a: String = r.try_get("m_audience").db()?;
                let has: Option<i64> = r.try_get("has_row").db()?;
                let member_id = MemberId(r.try_get("member_id").db()?);
                let mut study = if has.is_some() {
                    state_row(r)?
                } else {
                    MemberStudy::default()
                };
                // A grade is shown to its member and to whoever oversees the cell only.
                let cell = path_of(r.try_get("m_cell_path").db()?)?;
                if !rules::may_see_grade(p, &cell, member_id) {
                    study.grade = None;
                }
                Ok(RosterRow {
                    member_id,
                    full_name: r.try_get("full_name").db()?,
                    cell_id: OrgId(r.try_get("cell_id").db()?),
                    cell_name: r.try_get("cell_name").db()?,
                    unit_name: r
                        .try_get::<Option<String>, _>("unit_name")
                        .db()?
                        .unwrap_or_default(),
                    audience: audience_of(&a)?,
                    study,
                })
            })
            .collect()
    }

    async fn makeups_held(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: time::Date,
    ) -> Result<i64> {
        let mut conn = self.reader().await?;
        let o = crate::sql::orgs::org_readable(&mut conn, p, org).await?;
        let doc = doc_root(&mut conn, p, document, &o.path).await?;
        let r = o.path.subtree();
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM study_sessions WHERE document_id = $1 AND makeup_of IS NOT NULL \
             AND held_on <= $2 AND org_path >= $3 AND org_path < $4",
        )
        .bind(doc.id.0)
        .bind(today)
        .bind(r.start)
        .bind(r.end)
        .fetch_one(&mut *conn)
        .await
        .db()
    }

    async fn round_review(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Option<RoundReview>> {
        let mut conn = self.reader().await?;
        let o = crate::sql::orgs::org_readable(&mut conn, p, org).await?;
        let doc = doc_root(&mut conn, p, document, &o.path).await?;
        round_review_row(&mut conn, org, doc.id).await
    }

    async fn save_round_review(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        input: RoundReviewInput,
    ) -> Result<RoundReview> {
        let mut tx = self.begin().await?;
        let c = plan_write(&mut tx, p, org, document).await?;
        let before = round_review_row(&mut tx, org, c.doc.id).await?;
        let members = rules::round_review_members(&input.commend, &input.remind);
        let cells: HashMap<MemberId, OrgPath> = members_by_ids(&mut tx, &members)
            .await?
            .into_iter()
            .map(|(id, i)| (id, i.cell_path))
            .collect();
        let body = rules::check_round_review(
            before.as_ref().is_some_and(|r| r.issued_on.is_some()),
            &input.body_md,
            &c.org.path,
            &members,
            &cells,
        )?;
        sqlx::query(
            "INSERT INTO study_reviews (org_id, document_id, province_id, org_path, body_md, commend, remind, \
             issued_on, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (org_id, document_id) DO UPDATE SET body_md = excluded.body_md, \
             commend = excluded.commend, remind = excluded.remind, issued_on = excluded.issued_on, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(org.0)
        .bind(c.doc.id.0)
        .bind(province_of(&c.org.path))
        .bind(c.org.path.as_str())
        .bind(&body)
        .bind(ids_json(&input.commend))
        .bind(ids_json(&input.remind))
        .bind(input.issue_on)
        .bind(now())
        .bind(user_id_of(p))
        .execute(&mut *tx)
        .await
        .db()?;
        let after = round_review_row(&mut tx, org, c.doc.id)
            .await?
            .ok_or(StoreError::NotFound)?;
        audit(
            &mut tx,
            p,
            if input.issue_on.is_some() {
                "issue"
            } else {
                "save"
            },
            // The stored entity name of a round review (ARCHITECTURE.md, "Names").
            "study_review",
            c.doc.id.0,
            Some(&c.org.path),
            before.map(|b| json!(b)),
            Some(json!(after)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn recount_study(&self, p: &Principal) -> Result<u64> {
        if !p.system {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        let n = recount_study_tx(&mut tx).await?;
        tx.commit().await.db()?;
        Ok(n)
    }
}

async fn round_review_row(
    conn: &mut Conn,
    org: OrgId,
    doc: DocumentId,
) -> Result<Option<RoundReview>> {
    let Some(r) = sqlx::query(
        "SELECT body_md, commend, remind, issued_on, updated_at FROM study_reviews \
         WHERE org_id = $1 AND document_id = $2",
    )
    .bind(org.0)
    .bind(doc.0)
    .fetch_optional(&mut *conn)
    .await
    .db()?
    else {
        return Ok(None);
    };
    let commend: String = r.try_get("commend").db()?;
    let remind: String = r.try_get("remind").db()?;
    Ok(Some(RoundReview {
        org_id: org,
        document_id: doc,
        body_md: r.try_get("body_md").db()?,
        commend: ids_from_json(&commend)?,
        remind: ids_from_json(&remind)?,
        issued_on: r.try_get("issued_on").db()?,
        updated_at: r.try_get("updated_at").db()?,
    }))
}

/// Rebuilds `study_members` and `study_rollups` from the records, in the caller's
/// transaction. Returns how many member rows differed from the rebuilt ones.
pub(crate) async fn recount_study_tx(conn: &mut Conn) -> Result<u64> {
    let mut states: HashMap<(i64, i64), MemberStudy> = HashMap::new();
    let mut marks: HashMap<(i64, i64), (Vec<AttendanceMark>, Vec<AttendanceMark>)> = HashMap::new();
    for r in sqlx::query(
        "SELECT a.member_id, a.document_id, a.mark, s.makeup_of IS NOT NULL AS makeup \
         FROM study_attendance a JOIN study_sessions s ON s.id = a.session_id",
    )
    .fetch_all(&mut *conn)
    .await
    .db()?
    {
        let key = (r.try_get("member_id").db()?, r.try_get("document_id").db()?);
        let mark: String = r.try_get("mark").db()?;
        let mark = AttendanceMark::parse(&mark).ok_or_else(|| bad_data("mark", &mark))?;
        let e = marks.entry(key).or_default();
        if r.try_get::<bool, _>("makeup").db()? {
            e.1.push(mark);
        } else {
            e.0.push(mark);
        }
    }
    for (key, (reg, mk)) in &marks {
        states.insert(*key, MemberStudy::default().with_attendance(reg, mk));
    }
    for r in sqlx::query(
        "SELECT member_id, document_id, correct, total, passed FROM study_check_attempts",
    )
    .fetch_all(&mut *conn)
    .await
    .db()?
    {
        let key = (r.try_get("member_id").db()?, r.try_get("document_id").db()?);
        let s = states.entry(key).or_default();
        let score = CheckScore {
            correct: r.try_get::<i64, _>("correct").db()?.max(0) as u32,
            total: r.try_get::<i64, _>("total").db()?.max(0) as u32,
            passed: r.try_get("passed").db()?,
        };
        s.check_attempts += 1;
        s.check_passed |= score.passed;
        s.check_best = Some(s.check_best.unwrap_or(0).max(score.percent()));
    }
    for r in sqlx::query("SELECT member_id, document_id, on_time, grade FROM study_reflections")
        .fetch_all(&mut *conn)
        .await
        .db()?
    {
        let key = (r.try_get("member_id").db()?, r.try_get("document_id").db()?);
        let s = states.entry(key).or_default();
        s.reflection = if r.try_get::<bool, _>("on_time").db()? {
            ReflectionState::OnTime
        } else {
            ReflectionState::Late
        };
        let g: Option<String> = r.try_get("grade").db()?;
        s.grade = g.and_then(|g| ReflectionGrade::parse(&g));
    }
    // Compare with the kept rows. A member is counted in their current cell and under
    // their current audience (a transfer moves the row, `follow_members`; a change of
    // audience moves its counters, `follow_audience`).
    let mut kept: HashMap<(i64, i64), (MemberStudy, MemberInfo)> = HashMap::new();
    let mut audience_moved = 0u64;
    for r in sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT sm.member_id, sm.document_id, m.province_id AS mi_province, m.cell_path AS mi_cell_path, \
         m.audience AS mi_audience, sm.audience AS kept_audience, sm.member_id AS mi_id, m.full_name AS mi_name, m.status AS mi_status, {SM_COLS} \
         FROM study_members sm JOIN members m ON m.id = sm.member_id"
    )))
    .fetch_all(&mut *conn)
    .await
    .db()?
    {
        let key = (r.try_get("member_id").db()?, r.try_get("document_id").db()?);
        let kept_audience: String = r.try_get("kept_audience").db()?;
        let audience: String = r.try_get("mi_audience").db()?;
        audience_moved += u64::from(kept_audience != audience);
        kept.insert(key, (state_row(&r)?, member_info(&r)?));
    }
    let missing: Vec<MemberId> = states
        .keys()
        .filter(|k| !kept.contains_key(k))
        .map(|k| MemberId(k.0))
        .collect();
    let infos = members_by_ids(conn, &missing).await?;
    let mut differ = audience_moved;
    for (k, (s, _)) in &kept {
        if states.get(k).copied().unwrap_or_default() != *s {
            differ += 1;
        }
    }
    // A member whose records add up to nothing (only absences) has no row.
    differ += states
        .iter()
        .filter(|(k, s)| !kept.contains_key(k) && **s != MemberStudy::default())
        .count() as u64;
    sqlx::query("DELETE FROM study_members")
        .execute(&mut *conn)
        .await
        .db()?;
    sqlx::query("DELETE FROM study_rollups")
        .execute(&mut *conn)
        .await
        .db()?;
    let mut by_doc: HashMap<i64, Vec<(MemberInfo, MemberStudy)>> = HashMap::new();
    for ((member, doc), s) in states {
        let info = match kept.remove(&(member, doc)) {
            Some((_, i)) => i,
            None => match infos.get(&MemberId(member)) {
                Some(i) => i.clone(),
                None => continue,
            },
        };
        by_doc.entry(doc).or_default().push((info, s));
    }
    for (doc, list) in by_doc {
        let changes: Vec<Change<'_>> = list
            .iter()
            .map(|(m, s)| Change {
                member: m,
                before: MemberStudy::default(),
                after: *s,
            })
            .collect();
        store_states(conn, DocumentId(doc), &changes).await?;
    }
    Ok(differ)
}

/// Moves a subtree's study with it (restructuring, in the move's transaction): the moved
/// root's `study_rollups` rows (one per resolution and audience) are subtracted from the
/// ancestors it leaves and added to those it joins (common ancestors are untouched; an
/// ancestor row left all-zero is deleted, as a recount would), and the paths copied into
/// the study tables are rewritten like `organizations.path`.
pub(crate) async fn move_study_paths(conn: &mut Conn, old: &OrgPath, new: &OrgPath) -> Result<()> {
    let root_id = old.id();
    let old_anc = old.ancestor_ids();
    let new_anc = new.ancestor_ids();
    let leaving: Vec<i64> = old_anc
        .iter()
        .filter(|a| !new_anc.contains(a))
        .map(|a| a.0)
        .collect();
    let joining: Vec<i64> = new_anc
        .iter()
        .filter(|a| !old_anc.contains(a))
        .map(|a| a.0)
        .collect();
    let new_province = province_of(new);
    let sql = format!(
        "SELECT document_id, audience, province_id, {} FROM study_rollups WHERE org_id = $1",
        StudyCounters::COLUMNS.join(", ")
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(root_id.0)
        .fetch_all(&mut *conn)
        .await
        .db()?;
    for r in &rows {
        let doc = DocumentId(r.try_get("document_id").db()?);
        let a: String = r.try_get("audience").db()?;
        let aud = audience_of(&a)?;
        let province: i64 = r.try_get("province_id").db()?;
        let mut v = [0i64; 9];
        for (i, c) in StudyCounters::COLUMNS.iter().enumerate() {
            v[i] = r.try_get(*c).db()?;
        }
        let c = StudyCounters::from_values(v);
        let out: Vec<CounterRow> = leaving
            .iter()
            .map(|o| ((*o, aud), (province, c.times(-1))))
            .collect();
        add_counters(conn, doc, &out).await?;
        let into: Vec<CounterRow> = joining
            .iter()
            .map(|o| ((*o, aud), (new_province, c)))
            .collect();
        add_counters(conn, doc, &into).await?;
    }
    if !leaving.is_empty() && !rows.is_empty() {
        let mut qb = QueryBuilder::<Db>::new("DELETE FROM study_rollups WHERE org_id IN ");
        push_ids(&mut qb, leaving.iter().copied());
        for c in StudyCounters::COLUMNS {
            qb.push(" AND ").push(c).push(" = 0");
        }
        qb.build().execute(&mut *conn).await.db()?;
    }
    let range = old.subtree();
    // i32: PostgreSQL has substr(text, integer) only.
    let cut = old.as_str().len() as i32 + 1;
    let tables = [
        ("study_contents", "org_path"),
        ("study_sessions", "org_path"),
        ("study_materials", "org_path"),
        ("study_questions", "org_path"),
        ("study_reviews", "org_path"),
        ("study_attendance", "cell_path"),
        ("study_reflections", "cell_path"),
        ("study_members", "cell_path"),
    ];
    for (table, col) in tables {
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
        for (table, col) in tables {
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
        sqlx::query(
            "UPDATE study_rollups SET province_id = $1 WHERE org_id IN \
             (SELECT id FROM organizations WHERE path >= $2 AND path < $3)",
        )
        .bind(new_province)
        .bind(&r.start)
        .bind(&r.end)
        .execute(&mut *conn)
        .await
        .db()?;
    }
    Ok(())
}

/// Moves members' study with them to another cell (a transfer, or the members of a merged
/// or split cell; in the move's transaction, before or after `members` is updated): each
/// member's `study_members` rows take the new cell, and their counters leave the
/// `study_rollups` rows of the old cell's ancestors that are not the new cell's and join
/// the new ones (common ancestors are untouched; a row left all-zero is deleted, as a
/// recount would). The member's reflection goes along (its grading is the new cell's);
/// attendance rows keep the cell the member was in when marked, which is history.
pub(crate) async fn follow_members(
    conn: &mut Conn,
    members: &[MemberId],
    to: &OrgPath,
) -> Result<()> {
    if members.is_empty() {
        return Ok(());
    }
    let to_ids: Vec<i64> = ids_of(to).collect();
    let to_province = province_of(to);
    // (document, organization, audience) -> (province, counters)
    let mut sums: HashMap<(i64, i64, Audience), (i64, StudyCounters)> = HashMap::new();
    let mut leaving: Vec<i64> = Vec::new();
    for chunk in members.chunks(MAX_BINDS - 1) {
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT sm.document_id, sm.cell_path, sm.audience, sm.province_id, {SM_COLS} \
             FROM study_members sm WHERE sm.member_id IN "
        ));
        push_ids(&mut qb, chunk.iter().map(|m| m.0));
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            let doc: i64 = r.try_get("document_id").db()?;
            let from = path_of(r.try_get("cell_path").db()?)?;
            let a: String = r.try_get("audience").db()?;
            let aud = audience_of(&a)?;
            let province: i64 = r.try_get("province_id").db()?;
            let c = StudyCounters::of(&state_row(&r)?);
            let from_ids: Vec<i64> = ids_of(&from).collect();
            for o in from_ids.iter().filter(|o| !to_ids.contains(o)) {
                let e = sums
                    .entry((doc, *o, aud))
                    .or_insert((province, StudyCounters::default()));
                e.1.add(&c.times(-1));
                leaving.push(*o);
            }
            for o in to_ids.iter().filter(|o| !from_ids.contains(o)) {
                let e = sums
                    .entry((doc, *o, aud))
                    .or_insert((to_province, StudyCounters::default()));
                e.1.add(&c);
            }
        }
    }
    let mut by_doc: HashMap<i64, Vec<CounterRow>> = HashMap::new();
    for ((doc, org, aud), v) in sums {
        if !v.1.is_zero() {
            by_doc.entry(doc).or_default().push(((org, aud), v));
        }
    }
    for (doc, mut rows) in by_doc {
        rows.sort_by_key(|((o, a), _)| (*o, aud_index(*a)));
        add_counters(conn, DocumentId(doc), &rows).await?;
    }
    delete_zero_rollups(conn, leaving).await?;
    for table in ["study_members", "study_reflections"] {
        for chunk in members.chunks(MAX_BINDS - 2) {
            let mut qb = QueryBuilder::<Db>::new(format!("UPDATE {table} SET cell_path = "));
            qb.push_bind(to.as_str().to_owned())
                .push(", province_id = ")
                .push_bind(to_province)
                .push(" WHERE member_id IN ");
            push_ids(&mut qb, chunk.iter().map(|m| m.0));
            qb.build().execute(&mut *conn).await.db()?;
        }
    }
    Ok(())
}

/// Deletes the `study_rollups` rows of some organizations that a move left all zero, as a
/// recount would.
async fn delete_zero_rollups(conn: &mut Conn, mut orgs: Vec<i64>) -> Result<()> {
    orgs.sort_unstable();
    orgs.dedup();
    for chunk in orgs.chunks(MAX_BINDS - 1) {
        let mut qb = QueryBuilder::<Db>::new("DELETE FROM study_rollups WHERE org_id IN ");
        push_ids(&mut qb, chunk.iter().copied());
        for c in StudyCounters::COLUMNS {
            qb.push(" AND ").push(c).push(" = 0");
        }
        qb.build().execute(&mut *conn).await.db()?;
    }
    Ok(())
}

/// A member's audience changed (member ↔ key cadre), in the change's transaction: their
/// `study_members` rows are counted under the new audience from now on, and their
/// counters move from the old audience's `study_rollups` rows to the new one's at every
/// ancestor of their cell (a row left all zero is deleted, as a recount would).
pub(crate) async fn follow_audience(conn: &mut Conn, member: MemberId, to: Audience) -> Result<()> {
    let sql = format!(
        "SELECT sm.document_id, sm.cell_path, sm.audience, sm.province_id, {SM_COLS} \
         FROM study_members sm WHERE sm.member_id = $1 AND sm.audience <> $2"
    );
    let mut by_doc: HashMap<i64, Vec<CounterRow>> = HashMap::new();
    let mut leaving: Vec<i64> = Vec::new();
    for r in sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(member.0)
        .bind(to.as_str())
        .fetch_all(&mut *conn)
        .await
        .db()?
    {
        let doc: i64 = r.try_get("document_id").db()?;
        let path = path_of(r.try_get("cell_path").db()?)?;
        let a: String = r.try_get("audience").db()?;
        let from = audience_of(&a)?;
        let province: i64 = r.try_get("province_id").db()?;
        let c = StudyCounters::of(&state_row(&r)?);
        if c.is_zero() {
            continue;
        }
        let rows = by_doc.entry(doc).or_default();
        for o in ids_of(&path) {
            rows.push(((o, from), (province, c.times(-1))));
            rows.push(((o, to), (province, c)));
            leaving.push(o);
        }
    }
    for (doc, mut rows) in by_doc {
        rows.sort_by_key(|((o, a), _)| (*o, aud_index(*a)));
        add_counters(conn, DocumentId(doc), &rows).await?;
    }
    delete_zero_rollups(conn, leaving).await?;
    sqlx::query("UPDATE study_members SET audience = $1 WHERE member_id = $2")
        .bind(to.as_str())
        .bind(member.0)
        .execute(&mut *conn)
        .await
        .db()?;
    Ok(())
}
