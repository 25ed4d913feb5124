//! Documents ([`store::DocumentStore`], issue 3): registered documents, their targets and
//! attached files. Who may read a document (`may_read_doc`) is decided here for every
//! capability.

use crate::dialect::{Backend, Conn, DbRow};
use crate::sql::orgs::{org_by_id, org_for_write, require_active};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::document::{ParentDocument, Registration};
use domain::text::fold;
use domain::{
    DocumentId, DocumentType, OrgId, OrgPath, Permission, Principal, Target, TargetId, Term,
};
use serde_json::json;
use sqlx::Row;
use store::*;

// ---- Rows --------------------------------------------------------------------------------

const DOC_COLS: &str = "d.id, d.issuer_org_id, d.issuer_path, o.name AS issuer_name, \
     d.doc_type, d.number, d.symbol, d.term, d.issued_on, d.title, d.body_md, \
     d.parent_document_id, d.root_document_id, d.status, d.superseded_by, d.created_at";

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
     direction, rollup_rule, current_value, current_on, upper_target_id, contributors";

pub(crate) fn target_row(r: &DbRow) -> Result<TargetRecord> {
    let dir: String = r.try_get("direction").db()?;
    let rule: String = r.try_get("rollup_rule").db()?;
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
            rule: domain::RollupRule::parse(&rule).ok_or_else(|| bad_data("rollup_rule", &rule))?,
        },
        current_value: r.try_get("current_value").db()?,
        current_on: r.try_get("current_on").db()?,
        upper_target_id: r
            .try_get::<Option<i64>, _>("upper_target_id")
            .db()?
            .map(TargetId),
        contributors: u32::try_from(r.try_get::<i64, _>("contributors").db()?).unwrap_or(0),
    })
}

// ---- Access ------------------------------------------------------------------------------

/// A document is readable by whoever may read its issuer or a unit below it: upper
/// documents reach the lower units.
pub(crate) fn may_read_doc(p: &Principal, issuer: &OrgPath) -> bool {
    domain::document::may_read(p, issuer, None)
}

pub(crate) async fn doc_by_id(conn: &mut Conn, id: DocumentId) -> Result<Option<Document>> {
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
pub(crate) async fn doc_for_write(
    conn: &mut Conn,
    p: &Principal,
    id: DocumentId,
) -> Result<Document> {
    let d = doc_readable(conn, p, id).await?;
    p.ensure(Permission::EditOrgs, &d.issuer_path)?;
    Ok(d)
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

#[async_trait]
impl DocumentStore for Backend {
    async fn register_document(&self, p: &Principal, new: NewDocument) -> Result<Document> {
        let mut tx = self.begin().await?;
        let issuer = org_for_write(&mut tx, p, new.issuer_org_id, Permission::EditOrgs).await?;
        require_active(&issuer)?;
        let (parent, parent_check) = match new.parent_document_id {
            Some(id) => match doc_readable(&mut tx, p, id).await {
                Ok(d) => (Some(d), ParentDocument::Readable),
                Err(StoreError::NotFound) => (None, ParentDocument::Unknown),
                Err(e) => return Err(e),
            },
            None => (None, ParentDocument::None),
        };
        let title = domain::document::check_registration(&Registration {
            issuer_kind: issuer.kind,
            issuer_name: &issuer.name,
            title: &new.title,
            doc_type: new.doc_type,
            number: &new.number,
            term: new.term,
            issued_on: new.issued_on,
            body_md: &new.body_md,
            parent: parent_check,
        })?;
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
        let mut after = to_json(&doc);
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
        domain::target::check_targets(&targets, doc.issued_on)?;
        let old = load_targets(&mut tx, id).await?;
        let province = province_of(&doc.issuer_path);
        for (i, t) in targets.iter().enumerate() {
            match old.get(i) {
                Some(o) if o.target == *t => {}
                Some(o) => {
                    sqlx::query(
                        "UPDATE document_targets SET indicator = $1, baseline = $2, \
                         target_value = $3, unit = $4, deadline = $5, direction = $6, \
                         rollup_rule = $7 WHERE id = $8",
                    )
                    .bind(&t.indicator)
                    .bind(t.baseline)
                    .bind(t.target_value)
                    .bind(&t.unit)
                    .bind(t.deadline)
                    .bind(t.direction.as_str())
                    .bind(t.rule.as_str())
                    .bind(o.id.0)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                    // The rule or the goal may have changed: the roll-up follows.
                    crate::sql::targets::refresh_chain(&mut tx, o.id).await?;
                    audit(
                        &mut tx,
                        p,
                        "update",
                        "target",
                        o.id.0,
                        Some(&doc.issuer_path),
                        Some(to_json(&o.target)),
                        Some(to_json(t)),
                    )
                    .await?;
                }
                None => {
                    let tid: i64 = sqlx::query_scalar(
                        "INSERT INTO document_targets (province_id, document_id, position, \
                         indicator, baseline, target_value, unit, deadline, direction, \
                         rollup_rule) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                         RETURNING id",
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
                    .bind(t.rule.as_str())
                    .fetch_one(&mut *tx)
                    .await
                    .db()?;
                    let mut after = to_json(t);
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
            domain::target::check_removable(u64::try_from(used).unwrap_or(0))?;
            sqlx::query("DELETE FROM target_values WHERE target_id = $1")
                .bind(o.id.0)
                .execute(&mut *tx)
                .await
                .db()?;
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
                Some(to_json(&o.target)),
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
        let name = domain::document::check_attachment(file.size, &file.original_name)?;
        let mut tx = self.begin().await?;
        let doc = doc_for_write(&mut tx, p, document).await?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM document_attachments WHERE document_id = $1")
                .bind(document.0)
                .fetch_one(&mut *tx)
                .await
                .db()?;
        domain::document::check_attachment_room(u64::try_from(count).unwrap_or(0))?;
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
}
