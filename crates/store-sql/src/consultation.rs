//! Consultation on drafts ([`store::ConsultationStore`], issue 14 items 1-3). The rules are
//! `domain::consultation`; here the store loads what they decide on, calls them, writes and
//! audits in one transaction. A consultation's unit path is read from `organizations` at
//! each request, so restructurings need not rewrite anything here.

use crate::dialect::{Backend, Conn, DbRow};
use crate::sql::orgs::{org_by_id, org_for_write, org_readable, require_active};
use crate::sql::programs::{load_tasks, program_by_id, program_readable};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::consultation::{
    self as rules, Answer, AnswerDraft, Audiences, CommentDraft, CommentId, ConsultationId,
    GateFacts, ItemId, ItemKind, Moderation, ModerationDecision, Phase, PublicCommentDraft,
    PublicVolume, SubjectKind, Viewer,
};
use domain::{OrgId, OrgPath, Permission, Principal, ProgramId, ProgramState, TaskDraft, UserId};
use serde_json::json;
use sqlx::Row;
use store::*;
use time::{Date, OffsetDateTime};

/// A consultation's row with its unit.
struct Record {
    id: ConsultationId,
    org_id: OrgId,
    org_path: OrgPath,
    org_name: String,
    kind: SubjectKind,
    program_id: Option<ProgramId>,
    title: String,
    questions: Vec<String>,
    audiences: Audiences,
    opens_on: Date,
    closes_on: Date,
    ended: bool,
    rest_reason: Option<String>,
    created_at: OffsetDateTime,
}

impl Record {
    fn phase(&self, today: Date) -> Phase {
        Phase::on(self.opens_on, self.closes_on, self.ended, today)
    }
}

const COLS: &str = "c.id, c.org_id, o.path AS org_path, o.name AS org_name, c.subject_kind, \
     c.program_id, c.title, c.questions, c.for_members, c.for_experts, c.for_public, \
     c.opens_on, c.closes_on, c.ended_at, c.rest_reason, c.created_at";
const FROM: &str = " FROM consultations c JOIN organizations o ON o.id = c.org_id";

fn row(r: &DbRow) -> Result<Record> {
    let kind: String = r.try_get("subject_kind").db()?;
    let questions: String = r.try_get("questions").db()?;
    Ok(Record {
        id: ConsultationId(r.try_get("id").db()?),
        org_id: OrgId(r.try_get("org_id").db()?),
        org_path: path_of(r.try_get("org_path").db()?)?,
        org_name: r.try_get("org_name").db()?,
        kind: SubjectKind::parse(&kind).ok_or_else(|| bad_data("subject_kind", &kind))?,
        program_id: r
            .try_get::<Option<i64>, _>("program_id")
            .db()?
            .map(ProgramId),
        title: r.try_get("title").db()?,
        questions: serde_json::from_str(&questions)
            .map_err(|_| bad_data("questions", &questions))?,
        audiences: Audiences {
            members: r.try_get("for_members").db()?,
            experts: r.try_get("for_experts").db()?,
            public: r.try_get("for_public").db()?,
        },
        opens_on: r.try_get("opens_on").db()?,
        closes_on: r.try_get("closes_on").db()?,
        ended: r
            .try_get::<Option<OffsetDateTime>, _>("ended_at")
            .db()?
            .is_some(),
        rest_reason: r.try_get("rest_reason").db()?,
        created_at: r.try_get("created_at").db()?,
    })
}

async fn load(conn: &mut Conn, id: ConsultationId) -> Result<Record> {
    let sql = format!("SELECT {COLS}{FROM} WHERE c.id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(conn)
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
    row(&r)
}

async fn is_expert(conn: &mut Conn, id: ConsultationId, p: &Principal) -> Result<bool> {
    if p.system {
        return Ok(false);
    }
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM consultation_experts WHERE consultation_id = $1 AND user_id = $2",
    )
    .bind(id.0)
    .bind(p.user_id.0)
    .fetch_one(conn)
    .await
    .db()?;
    Ok(n > 0)
}

/// The consultation and who the principal is to it; `NotFound` when it is not there for
/// them.
async fn visible(conn: &mut Conn, p: &Principal, id: ConsultationId) -> Result<(Record, Viewer)> {
    let c = load(conn, id).await?;
    let invited = is_expert(conn, id, p).await?;
    let viewer = Viewer::of(p, &c.org_path, c.audiences, invited).ok_or(StoreError::NotFound)?;
    Ok((c, viewer))
}

async fn items(conn: &mut Conn, id: ConsultationId) -> Result<Vec<DraftItem>> {
    sqlx::query(
        "SELECT id, kind, number, heading, text FROM consultation_items \
         WHERE consultation_id = $1 ORDER BY position",
    )
    .bind(id.0)
    .fetch_all(conn)
    .await
    .db()?
    .iter()
    .map(|r| {
        let kind: String = r.try_get("kind").db()?;
        Ok(DraftItem {
            id: ItemId(r.try_get("id").db()?),
            kind: ItemKind::parse(&kind).ok_or_else(|| bad_data("kind", &kind))?,
            number: r.try_get::<i64, _>("number").db()? as u32,
            heading: r.try_get("heading").db()?,
            text: r.try_get("text").db()?,
        })
    })
    .collect()
}

const COMMENT_COLS: &str = "id, consultation_id, item_id, source, user_id, author_name, \
     affiliation, contact, body, proposed_text, moderation, moderation_reason, created_at, \
     answer, answer_reason, changed_text, answered_at";

fn comment_row(r: &DbRow, viewer: Option<&Principal>, office: bool) -> Result<Comment> {
    let source: String = r.try_get("source").db()?;
    let moderation: String = r.try_get("moderation").db()?;
    let answer: Option<String> = r.try_get("answer").db()?;
    let user: Option<i64> = r.try_get("user_id").db()?;
    Ok(Comment {
        id: CommentId(r.try_get("id").db()?),
        consultation_id: ConsultationId(r.try_get("consultation_id").db()?),
        item: r.try_get::<Option<i64>, _>("item_id").db()?.map(ItemId),
        source: CommentSource::parse(&source).ok_or_else(|| bad_data("source", &source))?,
        author_name: r.try_get("author_name").db()?,
        affiliation: r.try_get("affiliation").db()?,
        contact: if office {
            r.try_get("contact").db()?
        } else {
            None
        },
        body: r.try_get("body").db()?,
        proposed: r.try_get("proposed_text").db()?,
        moderation: Moderation::parse(&moderation)
            .ok_or_else(|| bad_data("moderation", &moderation))?,
        moderation_reason: if office {
            r.try_get("moderation_reason").db()?
        } else {
            None
        },
        created_at: r.try_get("created_at").db()?,
        answer: answer
            .map(|a| Answer::parse(&a).ok_or_else(|| bad_data("answer", &a)))
            .transpose()?,
        answer_reason: r.try_get("answer_reason").db()?,
        changed_text: r.try_get("changed_text").db()?,
        answered_at: r.try_get("answered_at").db()?,
        mine: viewer.is_some_and(|p| !p.system && user == Some(p.user_id.0)),
    })
}

/// The comments a viewer sees: the office every one; a reader the published ones; a
/// member or an expert their own.
async fn comments(
    conn: &mut Conn,
    p: &Principal,
    id: ConsultationId,
    viewer: Viewer,
) -> Result<Vec<Comment>> {
    let filter = match viewer {
        Viewer::Office => "",
        Viewer::Reader => " AND moderation = 'published'",
        Viewer::Member | Viewer::Expert => " AND user_id = $2",
    };
    let sql = format!(
        "SELECT {COMMENT_COLS} FROM consultation_comments WHERE consultation_id = $1{filter} \
         ORDER BY id"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0);
    if matches!(viewer, Viewer::Member | Viewer::Expert) {
        q = q.bind(p.user_id.0);
    }
    q.fetch_all(conn)
        .await
        .db()?
        .iter()
        .map(|r| comment_row(r, Some(p), viewer.is_office()))
        .collect()
}

async fn comment_by_id(conn: &mut Conn, id: CommentId) -> Result<DbRow> {
    let sql = format!("SELECT {COMMENT_COLS} FROM consultation_comments WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(conn)
        .await
        .db()?
        .ok_or(StoreError::NotFound)
}

/// (unanswered, pending) over a consultation's comments.
async fn counts(conn: &mut Conn, id: ConsultationId) -> Result<(u32, u32)> {
    let (unanswered, pending): (i64, i64) = sqlx::query_as(
        "SELECT \
           COALESCE(SUM(CASE WHEN moderation <> 'rejected' AND answer IS NULL THEN 1 ELSE 0 END), 0), \
           COALESCE(SUM(CASE WHEN moderation = 'pending' THEN 1 ELSE 0 END), 0) \
         FROM consultation_comments WHERE consultation_id = $1",
    )
    .bind(id.0)
    .fetch_one(conn)
    .await
    .db()?;
    Ok((unanswered as u32, pending as u32))
}

async fn experts(conn: &mut Conn, id: ConsultationId) -> Result<Vec<Expert>> {
    sqlx::query(
        "SELECT e.user_id, u.username, u.display_name, e.affiliation, e.invited_at \
         FROM consultation_experts e JOIN users u ON u.id = e.user_id \
         WHERE e.consultation_id = $1 ORDER BY e.id",
    )
    .bind(id.0)
    .fetch_all(conn)
    .await
    .db()?
    .iter()
    .map(|r| {
        Ok(Expert {
            user_id: UserId(r.try_get("user_id").db()?),
            username: r.try_get("username").db()?,
            display_name: r.try_get("display_name").db()?,
            affiliation: r.try_get("affiliation").db()?,
            invited_at: r.try_get("invited_at").db()?,
        })
    })
    .collect()
}

async fn program_state(conn: &mut Conn, c: &Record) -> Result<Option<ProgramState>> {
    match c.program_id {
        Some(pid) => Ok(program_by_id(conn, pid).await?.map(|pr| pr.state)),
        None => Ok(None),
    }
}

async fn finalized(conn: &mut Conn, c: &Record) -> Result<bool> {
    Ok(program_state(conn, c)
        .await?
        .is_some_and(|s| s != ProgramState::Draft))
}

async fn view(
    conn: &mut Conn,
    p: &Principal,
    c: Record,
    viewer: Viewer,
    today: Date,
) -> Result<Consultation> {
    let items = items(conn, c.id).await?;
    let comments = comments(conn, p, c.id, viewer).await?;
    let (experts, (unanswered, pending)) = if viewer.is_office() {
        (experts(conn, c.id).await?, counts(conn, c.id).await?)
    } else {
        (Vec::new(), (0, 0))
    };
    let program_state = program_state(conn, &c).await?;
    let phase = c.phase(today);
    Ok(Consultation {
        id: c.id,
        org_id: c.org_id,
        org_path: c.org_path,
        org_name: c.org_name,
        kind: c.kind,
        program_id: c.program_id,
        program_state,
        title: c.title,
        questions: c.questions,
        audiences: c.audiences,
        opens_on: c.opens_on,
        closes_on: c.closes_on,
        ended: c.ended,
        phase,
        rest_reason: c.rest_reason,
        created_at: c.created_at,
        viewer,
        items,
        comments,
        experts,
        unanswered,
        pending,
    })
}

/// Summaries of the given consultation rows, with the counts the viewer may see.
async fn summaries(
    conn: &mut Conn,
    p: &Principal,
    rows: Vec<(Record, Viewer)>,
    today: Date,
) -> Result<Vec<ConsultationSummary>> {
    let mut out = Vec::with_capacity(rows.len());
    for (c, viewer) in rows {
        let (comments, unanswered) = match viewer {
            Viewer::Office => {
                let total: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM consultation_comments WHERE consultation_id = $1",
                )
                .bind(c.id.0)
                .fetch_one(&mut *conn)
                .await
                .db()?;
                (total as u32, counts(conn, c.id).await?.0)
            }
            v => {
                let n = comments(conn, p, c.id, v).await?.len() as u32;
                (n, 0)
            }
        };
        out.push(summary(&c, today, comments, unanswered));
    }
    Ok(out)
}

fn summary(c: &Record, today: Date, comments: u32, unanswered: u32) -> ConsultationSummary {
    ConsultationSummary {
        id: c.id,
        org_id: c.org_id,
        org_name: c.org_name.clone(),
        kind: c.kind,
        program_id: c.program_id,
        title: c.title.clone(),
        opens_on: c.opens_on,
        closes_on: c.closes_on,
        phase: c.phase(today),
        audiences: c.audiences,
        comments,
        unanswered,
    }
}

/// An audit entry of a public (anonymous) write: no account, actor "public".
async fn audit_public(
    conn: &mut Conn,
    entity_id: i64,
    org_path: &OrgPath,
    after: serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, actor, action, entity, entity_id, org_path, before, after) \
         VALUES ($1, NULL, 'public', 'comment', 'consultation_comment', $2, $3, NULL, $4)",
    )
    .bind(now())
    .bind(entity_id)
    .bind(org_path.as_str())
    .bind(json_text(&Some(after)))
    .execute(conn)
    .await
    .db()?;
    Ok(())
}

/// The comment's audit JSON: what was said, never the public commenter's contact.
fn comment_json(c: &Comment) -> serde_json::Value {
    json!({
        "consultation_id": c.consultation_id, "item": c.item, "source": c.source,
        "author_name": c.author_name, "body": c.body, "proposed": c.proposed,
        "moderation": c.moderation, "answer": c.answer, "answer_reason": c.answer_reason,
        "changed_text": c.changed_text,
    })
}

#[async_trait]
impl ConsultationStore for Backend {
    async fn open_consultation(
        &self,
        p: &Principal,
        new: NewConsultation,
        today: Date,
    ) -> Result<Consultation> {
        let mut tx = self.begin().await?;
        let org = org_for_write(&mut tx, p, new.org_id, Permission::EditOrgs).await?;
        require_active(&org)?;
        let (kind, program_id, snapshot) = match new.subject {
            Subject::Program(pid) => {
                let pr = program_readable(&mut tx, p, pid).await?;
                if pr.org_id != org.id {
                    return Err(StoreError::invalid("program_id", "bad_choice"));
                }
                pr.state.require_editable()?;
                let tasks: Vec<TaskDraft> = load_tasks(&mut tx, pid)
                    .await?
                    .into_iter()
                    .map(|t| t.draft)
                    .collect();
                (
                    SubjectKind::Program,
                    Some(pid),
                    rules::snapshot_program(&pr.sections, &tasks),
                )
            }
            Subject::Text(SubjectKind::Program) => {
                return Err(StoreError::invalid("program_id", "required"));
            }
            Subject::Text(kind) => (kind, None, rules::snapshot_text(&new.draft.text)),
        };
        let d = &new.draft;
        let at = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO consultations (province_id, org_id, subject_kind, program_id, title, \
             questions, for_members, for_experts, for_public, opens_on, closes_on, created_by, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             RETURNING id",
        )
        .bind(province_of(&org.path))
        .bind(org.id.0)
        .bind(kind.as_str())
        .bind(program_id.map(|x| x.0))
        .bind(&d.title)
        .bind(serde_json::to_string(&d.questions).map_err(StoreError::backend)?)
        .bind(d.audiences.members)
        .bind(d.audiences.experts)
        .bind(d.audiences.public)
        .bind(d.opens_on)
        .bind(d.closes_on)
        .bind(user_id_of(p))
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        for (pos, item) in snapshot.iter().enumerate() {
            sqlx::query(
                "INSERT INTO consultation_items (consultation_id, position, kind, number, \
                 heading, text) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(pos as i64)
            .bind(item.kind.as_str())
            .bind(i64::from(item.number))
            .bind(&item.heading)
            .bind(&item.text)
            .execute(&mut *tx)
            .await
            .db()?;
        }
        audit(
            &mut tx,
            p,
            "open",
            "consultation",
            id,
            Some(&org.path),
            None,
            Some(json!({
                "kind": kind, "program_id": program_id, "title": d.title,
                "questions": d.questions, "audiences": d.audiences,
                "opens_on": d.opens_on, "closes_on": d.closes_on, "items": snapshot.len(),
            })),
        )
        .await?;
        let c = load(&mut tx, ConsultationId(id)).await?;
        let out = view(&mut tx, p, c, Viewer::Office, today).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn consultation(
        &self,
        p: &Principal,
        id: ConsultationId,
        today: Date,
    ) -> Result<Consultation> {
        let mut conn = self.reader().await?;
        let (c, viewer) = visible(&mut conn, p, id).await?;
        view(&mut conn, p, c, viewer, today).await
    }

    async fn comment_consultation(
        &self,
        p: &Principal,
        comment: CommentId,
        today: Date,
    ) -> Result<(Consultation, Comment)> {
        let mut conn = self.reader().await?;
        let id: i64 =
            sqlx::query_scalar("SELECT consultation_id FROM consultation_comments WHERE id = $1")
                .bind(comment.0)
                .fetch_optional(&mut *conn)
                .await
                .db()?
                .ok_or(StoreError::NotFound)?;
        let (c, viewer) = visible(&mut conn, p, ConsultationId(id)).await?;
        let out = view(&mut conn, p, c, viewer, today).await?;
        let cm = out
            .comments
            .iter()
            .find(|x| x.id == comment)
            .cloned()
            .ok_or(StoreError::NotFound)?;
        Ok((out, cm))
    }

    async fn unit_consultations(
        &self,
        p: &Principal,
        org: OrgId,
        today: Date,
    ) -> Result<Vec<ConsultationSummary>> {
        let mut conn = self.reader().await?;
        let o = org_readable(&mut conn, p, org).await?;
        let sql = format!("SELECT {COLS}{FROM} WHERE c.org_id = $1 ORDER BY c.id DESC");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(o.id.0)
            .fetch_all(&mut *conn)
            .await
            .db()?;
        let viewer = if p.can(Permission::EditOrgs, &o.path) {
            Viewer::Office
        } else {
            Viewer::Reader
        };
        let rows = rows
            .iter()
            .map(|r| row(r).map(|c| (c, viewer)))
            .collect::<Result<Vec<_>>>()?;
        summaries(&mut conn, p, rows, today).await
    }

    async fn program_consultations(
        &self,
        p: &Principal,
        program: ProgramId,
        today: Date,
    ) -> Result<Vec<ConsultationSummary>> {
        let mut conn = self.reader().await?;
        let pr = program_readable(&mut conn, p, program).await?;
        let sql = format!("SELECT {COLS}{FROM} WHERE c.program_id = $1 ORDER BY c.id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program.0)
            .fetch_all(&mut *conn)
            .await
            .db()?;
        let viewer = if p.can(Permission::EditOrgs, &pr.org_path) {
            Viewer::Office
        } else {
            Viewer::Reader
        };
        let rows = rows
            .iter()
            .map(|r| row(r).map(|c| (c, viewer)))
            .collect::<Result<Vec<_>>>()?;
        summaries(&mut conn, p, rows, today).await
    }

    async fn my_consultations(
        &self,
        p: &Principal,
        today: Date,
    ) -> Result<Vec<ConsultationSummary>> {
        let mut conn = self.reader().await?;
        let since = today - time::Duration::days(90);
        // Invited as an expert, or open to members in a province the grants reach; the
        // rule decides for each (a handful per province at a time).
        let provinces: Vec<i64> = p.grants.iter().map(|g| province_of(&g.org_path)).collect();
        let mut sql = format!(
            "SELECT {COLS}{FROM} WHERE c.closes_on >= $1 AND (c.id IN \
             (SELECT consultation_id FROM consultation_experts WHERE user_id = $2)"
        );
        if !provinces.is_empty() {
            let list: Vec<String> = provinces.iter().map(i64::to_string).collect();
            sql.push_str(&format!(
                " OR (c.for_members AND c.province_id IN ({}))",
                list.join(", ")
            ));
        }
        sql.push_str(") ORDER BY c.id DESC LIMIT 200");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(since)
            .bind(if p.system { 0 } else { p.user_id.0 })
            .fetch_all(&mut *conn)
            .await
            .db()?;
        let mut mine = Vec::new();
        for r in &rows {
            let c = row(r)?;
            let invited = is_expert(&mut conn, c.id, p).await?;
            if let Some(v) = Viewer::of(p, &c.org_path, c.audiences, invited)
                && v.may_comment(c.audiences)
            {
                // The office manages its own from the unit's page; here it reads as a member.
                let v = if v.is_office() { Viewer::Reader } else { v };
                mine.push((c, v));
            }
        }
        summaries(&mut conn, p, mine, today).await
    }

    async fn comment_on(
        &self,
        p: &Principal,
        id: ConsultationId,
        comment: CommentDraft,
        today: Date,
    ) -> Result<Comment> {
        let mut tx = self.begin().await?;
        let (c, viewer) = visible(&mut tx, p, id).await?;
        rules::check_comment(viewer, c.audiences, c.phase(today))?;
        if let Some(item) = comment.item {
            let known: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM consultation_items WHERE id = $1 AND consultation_id = $2",
            )
            .bind(item.0)
            .bind(id.0)
            .fetch_one(&mut *tx)
            .await
            .db()?;
            if known == 0 {
                return Err(StoreError::invalid("item", "bad_choice"));
            }
        }
        let (source, affiliation) = if viewer == Viewer::Expert {
            let aff: Option<String> = sqlx::query_scalar(
                "SELECT affiliation FROM consultation_experts \
                 WHERE consultation_id = $1 AND user_id = $2",
            )
            .bind(id.0)
            .bind(p.user_id.0)
            .fetch_one(&mut *tx)
            .await
            .db()?;
            (CommentSource::Expert, aff)
        } else {
            (CommentSource::Member, None)
        };
        let cid: i64 = sqlx::query_scalar(
            "INSERT INTO consultation_comments (province_id, consultation_id, item_id, source, \
             user_id, author_name, affiliation, body, proposed_text, moderation, repeat_key, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'published', $10, $11) \
             RETURNING id",
        )
        .bind(province_of(&c.org_path))
        .bind(id.0)
        .bind(comment.item.map(|i| i.0))
        .bind(source.as_str())
        .bind(user_id_of(p))
        .bind(&p.display_name)
        .bind(&affiliation)
        .bind(&comment.body)
        .bind(&comment.proposed)
        .bind(rules::repeat_key(&comment.body))
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .db()?;
        let out = comment_row(
            &comment_by_id(&mut tx, CommentId(cid)).await?,
            Some(p),
            false,
        )?;
        audit(
            &mut tx,
            p,
            "comment",
            "consultation_comment",
            cid,
            Some(&c.org_path),
            None,
            Some(comment_json(&out)),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn invite_expert(
        &self,
        p: &Principal,
        id: ConsultationId,
        expert: NewExpert,
        today: Date,
    ) -> Result<Expert> {
        let mut tx = self.begin().await?;
        let (c, viewer) = visible(&mut tx, p, id).await?;
        rules::check_invite(viewer, c.audiences, c.phase(today))?;
        let (username, display_name) = domain::access::check_new_account(
            &expert.username,
            &expert.display_name,
            !expert.password_hash.is_empty(),
        )?;
        let affiliation = domain::validate::optional(
            "affiliation",
            expert.affiliation.as_deref().unwrap_or(""),
            rules::MAX_NAME_CHARS,
        )?;
        let at = now();
        // The account's home is the consultation's unit: its administrators may reset the
        // password or disable it (`Principal::may_administer`); it holds no grant.
        let uid: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, password_hash, member_id, org_id, \
             disabled, created_at) VALUES ($1, $2, $3, NULL, $4, $5, $6) RETURNING id",
        )
        .bind(&username)
        .bind(&display_name)
        .bind(&expert.password_hash)
        .bind(c.org_id.0)
        .bind(false)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        sqlx::query(
            "INSERT INTO consultation_experts (consultation_id, user_id, affiliation, \
             invited_by, invited_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.0)
        .bind(uid)
        .bind(&affiliation)
        .bind(user_id_of(p))
        .bind(at)
        .execute(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "create",
            "user",
            uid,
            Some(&c.org_path),
            None,
            Some(json!({"username": username, "display_name": display_name,
                        "expert_of_consultation": id})),
        )
        .await?;
        audit(
            &mut tx,
            p,
            "invite",
            "consultation_expert",
            id.0,
            Some(&c.org_path),
            None,
            Some(json!({"user_id": uid, "username": username, "affiliation": affiliation})),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(Expert {
            user_id: UserId(uid),
            username,
            display_name,
            affiliation,
            invited_at: at,
        })
    }

    async fn moderate_comment(
        &self,
        p: &Principal,
        comment: CommentId,
        decision: ModerationDecision,
        _today: Date,
    ) -> Result<Comment> {
        let mut tx = self.begin().await?;
        let before = comment_row(&comment_by_id(&mut tx, comment).await?, Some(p), true)?;
        let (c, viewer) = visible(&mut tx, p, before.consultation_id).await?;
        if matches!(viewer, Viewer::Member | Viewer::Expert) && !before.mine {
            // Members and experts see only their own comments: nothing else is there.
            return Err(StoreError::NotFound);
        }
        let next = decision.apply(viewer, before.moderation)?;
        let reason = match &decision {
            ModerationDecision::Reject { reason } => Some(reason.clone()),
            ModerationDecision::Publish => None,
        };
        sqlx::query(
            "UPDATE consultation_comments SET moderation = $1, moderation_reason = $2, \
             moderated_by = $3, moderated_at = $4 WHERE id = $5 AND moderation = 'pending'",
        )
        .bind(next.as_str())
        .bind(&reason)
        .bind(user_id_of(p))
        .bind(now())
        .bind(comment.0)
        .execute(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "moderate",
            "consultation_comment",
            comment.0,
            Some(&c.org_path),
            Some(json!({"moderation": before.moderation})),
            Some(json!({"moderation": next, "reason": reason})),
        )
        .await?;
        let out = comment_row(&comment_by_id(&mut tx, comment).await?, Some(p), true)?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn answer_comment(
        &self,
        p: &Principal,
        comment: CommentId,
        answer: AnswerDraft,
        _today: Date,
    ) -> Result<Comment> {
        let mut tx = self.begin().await?;
        let before = comment_row(&comment_by_id(&mut tx, comment).await?, Some(p), true)?;
        let (c, viewer) = visible(&mut tx, p, before.consultation_id).await?;
        if matches!(viewer, Viewer::Member | Viewer::Expert) && !before.mine {
            return Err(StoreError::NotFound);
        }
        let fin = finalized(&mut tx, &c).await?;
        rules::check_answer(viewer, before.moderation, fin)?;
        sqlx::query(
            "UPDATE consultation_comments SET answer = $1, answer_reason = $2, \
             changed_text = $3, answered_by = $4, answered_at = $5 WHERE id = $6",
        )
        .bind(answer.answer.as_str())
        .bind(&answer.reason)
        .bind(&answer.changed_text)
        .bind(user_id_of(p))
        .bind(now())
        .bind(comment.0)
        .execute(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "answer",
            "consultation_comment",
            comment.0,
            Some(&c.org_path),
            Some(
                json!({"answer": before.answer, "reason": before.answer_reason,
                        "changed_text": before.changed_text}),
            ),
            Some(to_json(&answer)),
        )
        .await?;
        let out = comment_row(&comment_by_id(&mut tx, comment).await?, Some(p), true)?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn end_consultation(
        &self,
        p: &Principal,
        id: ConsultationId,
        today: Date,
    ) -> Result<Consultation> {
        let mut tx = self.begin().await?;
        let (c, viewer) = visible(&mut tx, p, id).await?;
        rules::check_end(viewer, c.phase(today))?;
        sqlx::query("UPDATE consultations SET ended_at = $1 WHERE id = $2")
            .bind(now())
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        audit(
            &mut tx,
            p,
            "end",
            "consultation",
            id.0,
            Some(&c.org_path),
            Some(json!({"closes_on": c.closes_on})),
            Some(json!({"ended_on": today})),
        )
        .await?;
        let c = load(&mut tx, id).await?;
        let out = view(&mut tx, p, c, viewer, today).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn close_rest(
        &self,
        p: &Principal,
        id: ConsultationId,
        reason: &str,
        today: Date,
    ) -> Result<u32> {
        let mut tx = self.begin().await?;
        let (c, viewer) = visible(&mut tx, p, id).await?;
        let fin = finalized(&mut tx, &c).await?;
        let reason = rules::check_close_rest(viewer, c.phase(today), fin, reason)?;
        let at = now();
        let closed: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM consultation_comments WHERE consultation_id = $1 \
             AND moderation <> 'rejected' AND answer IS NULL ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await
        .db()?;
        sqlx::query(
            "UPDATE consultation_comments SET answer = $1, answer_reason = $2, \
             answered_by = $3, answered_at = $4 WHERE consultation_id = $5 \
             AND moderation <> 'rejected' AND answer IS NULL",
        )
        .bind(Answer::ClosedWithRest.as_str())
        .bind(&reason)
        .bind(user_id_of(p))
        .bind(at)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?;
        sqlx::query("UPDATE consultations SET rest_reason = $1, rest_closed_at = $2 WHERE id = $3")
            .bind(&reason)
            .bind(at)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        audit(
            &mut tx,
            p,
            "close_rest",
            "consultation",
            id.0,
            Some(&c.org_path),
            Some(json!({"rest_reason": c.rest_reason})),
            Some(json!({"rest_reason": reason, "comments": closed})),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(closed.len() as u32)
    }

    async fn program_gate(&self, program: ProgramId, today: Date) -> Result<Vec<GateFacts>> {
        let mut conn = self.reader().await?;
        program_gate_in(&mut conn, program, today).await
    }

    async fn public_consultation(
        &self,
        id: ConsultationId,
        today: Date,
    ) -> Result<PublicConsultation> {
        let mut conn = self.reader().await?;
        let c = load(&mut conn, id).await?;
        let phase = c.phase(today);
        if !c.audiences.public || phase == Phase::Scheduled {
            return Err(StoreError::NotFound);
        }
        let items = items(&mut conn, id).await?;
        let comments = sqlx::query(
            "SELECT item_id, body, proposed_text, answer, answer_reason \
             FROM consultation_comments WHERE consultation_id = $1 \
             AND moderation = 'published' AND source = 'public' ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(|r| {
            let answer: Option<String> = r.try_get("answer").db()?;
            Ok(PublicComment {
                item: r.try_get::<Option<i64>, _>("item_id").db()?.map(ItemId),
                body: r.try_get("body").db()?,
                proposed: r.try_get("proposed_text").db()?,
                answer: answer
                    .map(|a| Answer::parse(&a).ok_or_else(|| bad_data("answer", &a)))
                    .transpose()?,
                answer_reason: r.try_get("answer_reason").db()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(PublicConsultation {
            id,
            org_name: c.org_name,
            kind: c.kind,
            title: c.title,
            questions: c.questions,
            opens_on: c.opens_on,
            closes_on: c.closes_on,
            phase,
            items,
            comments,
        })
    }

    async fn public_comment(
        &self,
        id: ConsultationId,
        comment: PublicCommentDraft,
        address_hash: &str,
        today: Date,
    ) -> Result<CommentId> {
        let mut tx = self.begin().await?;
        let c = load(&mut tx, id).await?;
        if !c.audiences.public {
            return Err(StoreError::NotFound);
        }
        let since = now() - time::Duration::hours(rules::VOLUME_WINDOW_HOURS);
        let (from_address, in_consultation): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN address_hash = $2 THEN 1 ELSE 0 END), 0), COUNT(*) \
             FROM consultation_comments WHERE consultation_id = $1 AND source = 'public' \
             AND created_at >= $3",
        )
        .bind(id.0)
        .bind(address_hash)
        .bind(since)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        let key = rules::repeat_key(&comment.comment.body);
        let repeated: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM consultation_comments WHERE consultation_id = $1 \
             AND repeat_key = $2 AND source = 'public'",
        )
        .bind(id.0)
        .bind(&key)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        let volume = PublicVolume {
            from_address: from_address as u32,
            in_consultation: in_consultation as u32,
            repeated: repeated > 0,
        };
        rules::check_public_comment(c.audiences, c.phase(today), &volume)?;
        if let Some(item) = comment.comment.item {
            let known: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM consultation_items WHERE id = $1 AND consultation_id = $2",
            )
            .bind(item.0)
            .bind(id.0)
            .fetch_one(&mut *tx)
            .await
            .db()?;
            if known == 0 {
                return Err(StoreError::invalid("item", "bad_choice"));
            }
        }
        let cid: i64 = sqlx::query_scalar(
            "INSERT INTO consultation_comments (province_id, consultation_id, item_id, source, \
             user_id, author_name, contact, body, proposed_text, moderation, address_hash, \
             repeat_key, created_at) VALUES ($1, $2, $3, 'public', NULL, $4, $5, $6, $7, \
             'pending', $8, $9, $10) RETURNING id",
        )
        .bind(province_of(&c.org_path))
        .bind(id.0)
        .bind(comment.comment.item.map(|i| i.0))
        .bind(&comment.name)
        .bind(&comment.contact)
        .bind(&comment.comment.body)
        .bind(&comment.comment.proposed)
        .bind(address_hash)
        .bind(&key)
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .db()?;
        audit_public(
            &mut tx,
            cid,
            &c.org_path,
            json!({"consultation_id": id, "item": comment.comment.item, "source": "public",
                   "author_name": comment.name, "body": comment.comment.body,
                   "proposed": comment.comment.proposed, "moderation": "pending"}),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(CommentId(cid))
    }

    async fn open_public_consultations(
        &self,
        org: OrgId,
        today: Date,
    ) -> Result<Vec<ConsultationSummary>> {
        let mut conn = self.reader().await?;
        let o = org_by_id(&mut conn, org)
            .await?
            .ok_or(StoreError::NotFound)?;
        let range = o.path.subtree();
        let sql = format!(
            "SELECT {COLS}{FROM} WHERE c.province_id = $1 AND c.for_public \
             AND c.opens_on <= $2 AND c.closes_on >= $2 AND c.ended_at IS NULL \
             AND o.path >= $3 AND o.path < $4 ORDER BY c.closes_on, c.id LIMIT 100"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(province_of(&o.path))
            .bind(today)
            .bind(&range.start)
            .bind(&range.end)
            .fetch_all(&mut *conn)
            .await
            .db()?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let c = row(r)?;
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM consultation_comments WHERE consultation_id = $1 \
                 AND source = 'public' AND moderation = 'published'",
            )
            .bind(c.id.0)
            .fetch_one(&mut *conn)
            .await
            .db()?;
            out.push(summary(&c, today, n as u32, 0));
        }
        Ok(out)
    }
}

/// The consultations on a program with their phase and unanswered comments, in the
/// caller's transaction: what `programs::issue_in` checks with
/// `domain::consultation::check_issue_gate`.
pub(crate) async fn program_gate_in(
    conn: &mut Conn,
    program: ProgramId,
    today: Date,
) -> Result<Vec<GateFacts>> {
    let sql = format!("SELECT {COLS}{FROM} WHERE c.program_id = $1 ORDER BY c.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program.0)
        .fetch_all(&mut *conn)
        .await
        .db()?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let c = row(r)?;
        let (unanswered, _) = counts(conn, c.id).await?;
        out.push(GateFacts {
            phase: c.phase(today),
            unanswered,
        });
    }
    Ok(out)
}
