//! The public portal ([`store::PortalStore`], issue 14 items 4-5; docs/PORTAL.md): articles,
//! images, readers' feedback and its moderation, view counts, public documents.
//!
//! Public reads check `domain::portal::is_public` in SQL (`state = 'published' AND
//! publish_at <= now`); editor reads and writes need `Permission::EditPortal` on the
//! article's unit (else `NotFound`, like any record out of reach).

use crate::dialect::{Backend, Conn, DbRow};
use crate::sql::documents::doc_by_id;
use crate::sql::orgs::{org_by_id, org_readable};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::portal::{
    self, ArticleState, ArticleText, FeedbackCounts, FeedbackLimits, FeedbackState, Moderation,
};
use domain::{ContentKey, DocumentId, EvidenceType, OrgId, OrgPath, Permission, Principal};
use serde_json::json;
use sqlx::Row;
use store::*;
use time::{Date, Duration, OffsetDateTime};

/// How many articles a list shows.
const LIST: i64 = 5;
/// How many articles a portal home shows.
const HOME: i64 = 20;
/// "Most read" counts the articles of this many days.
const MOST_READ_DAYS: i64 = 30;

const ARTICLE_COLS: &str = "a.id, a.org_id, o.name AS org_name, o.path AS org_path, a.title, \
     a.lead, a.body_md, a.author, a.category, a.state, a.publish_at, a.view_count, \
     a.created_at, a.updated_at";

const ARTICLE_FROM: &str = " FROM portal_articles a JOIN organizations o ON o.id = a.org_id";

const CARD_COLS: &str = "a.id, a.title, a.lead, a.category, a.author, a.publish_at, a.view_count";

/// The condition of a public article at `$now` (bound by the caller).
const PUBLIC: &str = "a.state = 'published' AND a.publish_at <= ";

fn article_row(r: &DbRow) -> Result<Article> {
    let state: String = r.try_get("state").db()?;
    Ok(Article {
        id: r.try_get("id").db()?,
        org_id: OrgId(r.try_get("org_id").db()?),
        org_name: r.try_get("org_name").db()?,
        org_path: path_of(r.try_get("org_path").db()?)?,
        title: r.try_get("title").db()?,
        lead: r.try_get("lead").db()?,
        body_md: r.try_get("body_md").db()?,
        author: r.try_get("author").db()?,
        category: r.try_get("category").db()?,
        state: ArticleState::parse(&state).ok_or_else(|| bad_data("article state", &state))?,
        publish_at: r.try_get("publish_at").db()?,
        view_count: r.try_get("view_count").db()?,
        created_at: r.try_get("created_at").db()?,
        updated_at: r.try_get("updated_at").db()?,
    })
}

fn card_row(r: &DbRow) -> Result<ArticleCard> {
    Ok(ArticleCard {
        id: r.try_get("id").db()?,
        title: r.try_get("title").db()?,
        lead: r.try_get("lead").db()?,
        category: r.try_get("category").db()?,
        author: r.try_get("author").db()?,
        published_at: r
            .try_get::<Option<OffsetDateTime>, _>("publish_at")
            .db()?
            .ok_or_else(|| bad_data("publish_at", "null"))?,
        view_count: r.try_get("view_count").db()?,
    })
}

const FEEDBACK_COLS: &str = "f.id, f.article_id, a.title AS article_title, f.org_id, f.name, \
     f.contact, f.body, f.state, f.answer, f.hide_reason, f.created_at, f.moderated_at";

const FEEDBACK_FROM: &str = " FROM portal_feedback f JOIN portal_articles a ON a.id = f.article_id";

fn feedback_row(r: &DbRow) -> Result<Feedback> {
    let state: String = r.try_get("state").db()?;
    Ok(Feedback {
        id: r.try_get("id").db()?,
        article_id: r.try_get("article_id").db()?,
        article_title: r.try_get("article_title").db()?,
        org_id: OrgId(r.try_get("org_id").db()?),
        name: r.try_get("name").db()?,
        contact: r.try_get("contact").db()?,
        body: r.try_get("body").db()?,
        state: FeedbackState::parse(&state).ok_or_else(|| bad_data("feedback state", &state))?,
        answer: r.try_get("answer").db()?,
        hide_reason: r.try_get("hide_reason").db()?,
        created_at: r.try_get("created_at").db()?,
        moderated_at: r.try_get("moderated_at").db()?,
    })
}

fn image_row(r: &DbRow) -> Result<PortalImage> {
    let key: String = r.try_get("blob_key").db()?;
    let kind: String = r.try_get("evidence_type").db()?;
    Ok(PortalImage {
        id: r.try_get("id").db()?,
        article_id: r.try_get("article_id").db()?,
        key: ContentKey::parse(&key).ok_or_else(|| bad_data("blob key", &key))?,
        kind: EvidenceType::parse(&kind).ok_or_else(|| bad_data("evidence type", &kind))?,
        size: u64::try_from(r.try_get::<i64, _>("size").db()?).unwrap_or(0),
        file_name: r.try_get("file_name").db()?,
    })
}

const IMAGE_SQL: &str = "SELECT i.id, i.article_id, i.blob_key, b.evidence_type, b.size, \
     i.file_name FROM portal_images i JOIN evidence_blobs b ON b.key = i.blob_key";

// ---- Loading ------------------------------------------------------------------------------

async fn article_by_id(conn: &mut Conn, id: i64) -> Result<Option<Article>> {
    let sql = format!("SELECT {ARTICLE_COLS}{ARTICLE_FROM} WHERE a.id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await
        .db()?
        .as_ref()
        .map(article_row)
        .transpose()
}

fn may_edit(p: &Principal, path: &OrgPath) -> bool {
    p.can(Permission::EditPortal, path)
}

/// An article the principal edits, or `NotFound`.
async fn article_for_editor(conn: &mut Conn, p: &Principal, id: i64) -> Result<Article> {
    match article_by_id(conn, id).await? {
        Some(a) if may_edit(p, &a.org_path) => Ok(a),
        _ => Err(StoreError::NotFound),
    }
}

/// A unit whose portal the principal edits, or `NotFound`.
async fn org_for_editor(conn: &mut Conn, p: &Principal, org: OrgId) -> Result<Org> {
    match org_by_id(conn, org).await? {
        Some(o) if may_edit(p, &o.path) => Ok(o),
        _ => Err(StoreError::NotFound),
    }
}

async fn cards(
    conn: &mut Conn,
    sql: &str,
    org: OrgId,
    now: OffsetDateTime,
) -> Result<Vec<ArticleCard>> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(org.0)
        .bind(now)
        .fetch_all(conn)
        .await
        .db()?
        .iter()
        .map(card_row)
        .collect()
}

async fn lists(conn: &mut Conn, org: OrgId, now: OffsetDateTime) -> Result<PortalLists> {
    let latest = cards(
        &mut *conn,
        &format!(
            "SELECT {CARD_COLS} FROM portal_articles a WHERE a.org_id = $1 AND {PUBLIC}$2 \
             ORDER BY a.publish_at DESC, a.id DESC LIMIT {LIST}"
        ),
        org,
        now,
    )
    .await?;
    let since = now - Duration::days(MOST_READ_DAYS);
    let most_read = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CARD_COLS} FROM portal_articles a WHERE a.org_id = $1 AND {PUBLIC}$2 \
         AND a.publish_at >= $3 ORDER BY a.view_count DESC, a.publish_at DESC, a.id DESC \
         LIMIT {LIST}"
    )))
    .bind(org.0)
    .bind(now)
    .bind(since)
    .fetch_all(&mut *conn)
    .await
    .db()?
    .iter()
    .map(card_row)
    .collect::<Result<Vec<_>>>()?;
    let categories = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT a.category, COUNT(*) AS n FROM portal_articles a WHERE a.org_id = $1 \
         AND {PUBLIC}$2 GROUP BY a.category ORDER BY a.category"
    )))
    .bind(org.0)
    .bind(now)
    .fetch_all(&mut *conn)
    .await
    .db()?
    .iter()
    .map(|r| Ok((r.try_get("category").db()?, r.try_get("n").db()?)))
    .collect::<Result<Vec<(String, i64)>>>()?;
    let next_change: Option<OffsetDateTime> = sqlx::query_scalar(
        "SELECT MIN(publish_at) FROM portal_articles WHERE org_id = $1 \
         AND state = 'published' AND publish_at > $2",
    )
    .bind(org.0)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .db()?;
    Ok(PortalLists {
        latest,
        most_read,
        categories,
        next_change,
    })
}

async fn public_documents_of(conn: &mut Conn, org: OrgId) -> Result<Vec<PublicDocumentCard>> {
    sqlx::query(
        "SELECT d.id, d.symbol, d.title, d.issued_on, pd.summary FROM portal_public_documents pd \
         JOIN documents d ON d.id = pd.document_id WHERE pd.org_id = $1 \
         ORDER BY d.issued_on DESC, d.id DESC",
    )
    .bind(org.0)
    .fetch_all(conn)
    .await
    .db()?
    .iter()
    .map(|r| {
        Ok(PublicDocumentCard {
            document_id: DocumentId(r.try_get("id").db()?),
            symbol: r.try_get("symbol").db()?,
            title: r.try_get("title").db()?,
            issued_on: r.try_get("issued_on").db()?,
            summary: r.try_get("summary").db()?,
        })
    })
    .collect()
}

async fn feedback_by_id(conn: &mut Conn, id: i64) -> Result<Option<Feedback>> {
    let sql = format!("SELECT {FEEDBACK_COLS}{FEEDBACK_FROM} WHERE f.id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await
        .db()?
        .as_ref()
        .map(feedback_row)
        .transpose()
}

async fn count(conn: &mut Conn, sql: &'static str, a: &str, b: OffsetDateTime) -> Result<i64> {
    sqlx::query_scalar(sql)
        .bind(a)
        .bind(b)
        .fetch_one(conn)
        .await
        .db()
}

fn text_json(t: &ArticleText) -> serde_json::Value {
    json!({"title": t.title, "lead": t.lead, "body_md": t.body_md, "author": t.author,
           "category": t.category})
}

fn article_json(a: &Article) -> serde_json::Value {
    json!({"title": a.title, "lead": a.lead, "body_md": a.body_md, "author": a.author,
           "category": a.category, "state": a.state, "publish_at": a.publish_at})
}

#[async_trait]
impl PortalStore for Backend {
    async fn portal_home(
        &self,
        _p: &Principal,
        org: OrgId,
        category: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<PortalHome> {
        let now = trunc(now);
        let mut conn = self.reader().await?;
        let o = match org_by_id(&mut conn, org).await? {
            Some(o) if o.valid_to.is_none() => o,
            _ => return Err(StoreError::NotFound),
        };
        let mut articles = cards(
            &mut conn,
            &format!(
                "SELECT {CARD_COLS} FROM portal_articles a WHERE a.org_id = $1 AND {PUBLIC}$2 \
                 ORDER BY a.publish_at DESC, a.id DESC LIMIT 200"
            ),
            org,
            now,
        )
        .await?;
        if let Some(slug) = category.filter(|c| !c.is_empty()) {
            articles.retain(|a| portal::category_slug(&a.category) == slug);
        }
        articles.truncate(HOME as usize);
        let lists = lists(&mut conn, org, now).await?;
        let public_documents = public_documents_of(&mut conn, org).await?;
        Ok(PortalHome {
            org_id: o.id,
            org_name: o.name,
            articles,
            lists,
            public_documents,
        })
    }

    async fn public_article(
        &self,
        _p: &Principal,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<PublicArticle> {
        let now = trunc(now);
        let mut conn = self.reader().await?;
        let a = match article_by_id(&mut conn, id).await? {
            Some(a) if portal::is_public(a.state, a.publish_at, now) => a,
            _ => return Err(StoreError::NotFound),
        };
        let published_at = a.publish_at.unwrap_or(a.created_at);
        let feedback = sqlx::query(
            "SELECT id, name, body, answer, created_at FROM portal_feedback \
             WHERE article_id = $1 AND state IN ('published', 'answered') \
             ORDER BY created_at, id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(|r| {
            Ok(PublicFeedback {
                id: r.try_get("id").db()?,
                name: r.try_get("name").db()?,
                body: r.try_get("body").db()?,
                answer: r.try_get("answer").db()?,
                created_at: r.try_get("created_at").db()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let others = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CARD_COLS} FROM portal_articles a WHERE a.org_id = $1 AND {PUBLIC}$2 \
             AND a.id <> $3 AND (a.publish_at < $4 OR (a.publish_at = $4 AND a.id < $3)) \
             ORDER BY a.publish_at DESC, a.id DESC LIMIT {LIST}"
        )))
        .bind(a.org_id.0)
        .bind(now)
        .bind(id)
        .bind(published_at)
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(card_row)
        .collect::<Result<Vec<_>>>()?;
        let related = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CARD_COLS} FROM portal_articles a WHERE a.org_id = $1 AND {PUBLIC}$2 \
             AND a.id <> $3 AND a.category = $4 ORDER BY a.publish_at DESC, a.id DESC LIMIT {LIST}"
        )))
        .bind(a.org_id.0)
        .bind(now)
        .bind(id)
        .bind(&a.category)
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(card_row)
        .collect::<Result<Vec<_>>>()?;
        let lists = lists(&mut conn, a.org_id, now).await?;
        Ok(PublicArticle {
            article: a,
            published_at,
            feedback,
            others,
            related,
            lists,
        })
    }

    async fn portal_feed(
        &self,
        _p: &Principal,
        org: OrgId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<(String, Vec<Article>)> {
        let now = trunc(now);
        let mut conn = self.reader().await?;
        let o = match org_by_id(&mut conn, org).await? {
            Some(o) if o.valid_to.is_none() => o,
            _ => return Err(StoreError::NotFound),
        };
        let sql = format!(
            "SELECT {ARTICLE_COLS}{ARTICLE_FROM} WHERE a.org_id = $1 AND {PUBLIC}$2 \
             ORDER BY a.publish_at DESC, a.id DESC LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.0)
            .bind(now)
            .bind(i64::from(limit.clamp(1, 100)))
            .fetch_all(&mut *conn)
            .await
            .db()?;
        let articles = rows.iter().map(article_row).collect::<Result<Vec<_>>>()?;
        Ok((o.name, articles))
    }

    async fn public_document(
        &self,
        _p: &Principal,
        id: DocumentId,
        today: Date,
    ) -> Result<PublicDocument> {
        let mut conn = self.reader().await?;
        let row = sqlx::query(
            "SELECT summary, marked_at FROM portal_public_documents WHERE document_id = $1",
        )
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
        let summary: String = row.try_get("summary").db()?;
        let marked_at: OffsetDateTime = row.try_get("marked_at").db()?;
        let document = doc_by_id(&mut conn, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        drop(conn);
        // The mark makes the document's figures public: they are read as the system,
        // from the same rollups as the issuer's own dashboard.
        let sys = Principal::system();
        let dashboard = self
            .dashboard(&sys, document.issuer_org_id, id, today)
            .await?;
        let targets = self.document_targets(&sys, id).await?;
        Ok(PublicDocument {
            document,
            summary,
            marked_at,
            dashboard,
            targets,
            as_of: today,
        })
    }

    async fn portal_image(
        &self,
        p: &Principal,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<PortalImage> {
        let now = trunc(now);
        let mut conn = self.reader().await?;
        let img = sqlx::query(sqlx::AssertSqlSafe(format!("{IMAGE_SQL} WHERE i.id = $1")))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .db()?
            .as_ref()
            .map(image_row)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        let a = article_by_id(&mut conn, img.article_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if portal::is_public(a.state, a.publish_at, now) || may_edit(p, &a.org_path) {
            Ok(img)
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn send_feedback(
        &self,
        p: &Principal,
        article: i64,
        new: NewFeedback,
        now: OffsetDateTime,
    ) -> Result<Feedback> {
        let now = trunc(now);
        let mut tx = self.begin().await?;
        let a = match article_by_id(&mut tx, article).await? {
            Some(a) if portal::is_public(a.state, a.publish_at, now) => a,
            _ => return Err(StoreError::NotFound),
        };
        let limits = FeedbackLimits::default();
        let day_ago = now - Duration::days(1);
        let repeat_key = portal::repeat_key(&new.text.body);
        let counts = FeedbackCounts {
            address_recent: count(
                &mut tx,
                "SELECT COUNT(*) FROM portal_feedback WHERE address_key = $1 AND created_at > $2",
                &new.address_key,
                now - limits.window,
            )
            .await?,
            address_day: count(
                &mut tx,
                "SELECT COUNT(*) FROM portal_feedback WHERE address_key = $1 AND created_at > $2",
                &new.address_key,
                day_ago,
            )
            .await?,
            address_article: sqlx::query_scalar(
                "SELECT COUNT(*) FROM portal_feedback WHERE address_key = $1 AND created_at > $2 \
                 AND article_id = $3",
            )
            .bind(&new.address_key)
            .bind(day_ago)
            .bind(article)
            .fetch_one(&mut *tx)
            .await
            .db()?,
            article_waiting: sqlx::query_scalar(
                "SELECT COUNT(*) FROM portal_feedback WHERE article_id = $1 AND state = 'waiting'",
            )
            .bind(article)
            .fetch_one(&mut *tx)
            .await
            .db()?,
            repeat: sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM portal_feedback WHERE article_id = $1 AND repeat_key = $2 \
                 AND created_at > $3",
            )
            .bind(article)
            .bind(&repeat_key)
            .bind(day_ago)
            .fetch_one(&mut *tx)
            .await
            .db()?
                > 0,
        };
        portal::check_feedback_rate(&counts, &limits)?;
        let t = &new.text;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO portal_feedback (province_id, article_id, org_id, name, contact, body, \
             repeat_key, address_key, state, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'waiting', $9) RETURNING id",
        )
        .bind(province_of(&a.org_path))
        .bind(article)
        .bind(a.org_id.0)
        .bind(&t.name)
        .bind(&t.contact)
        .bind(&t.body)
        .bind(&repeat_key)
        .bind(&new.address_key)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        // The contact is private: the audit entry keeps the name and the text only.
        audit(
            &mut tx,
            p,
            "create",
            "portal_feedback",
            id,
            Some(&a.org_path),
            None,
            Some(json!({"article_id": article, "name": t.name, "body": t.body})),
        )
        .await?;
        let f = feedback_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.db()?;
        Ok(f)
    }

    async fn portal_units(&self, now: OffsetDateTime) -> Result<Vec<(OrgId, String)>> {
        let now = trunc(now);
        let mut conn = self.reader().await?;
        let rows = sqlx::query(
            "SELECT o.id, o.name, o.path FROM organizations o WHERE o.valid_to IS NULL \
             AND EXISTS (SELECT 1 FROM portal_articles a WHERE a.org_id = o.id \
             AND a.state = 'published' AND a.publish_at <= $1) \
             ORDER BY LENGTH(o.path), o.path LIMIT 100",
        )
        .bind(now)
        .fetch_all(&mut *conn)
        .await
        .db()?;
        rows.iter()
            .map(|r| Ok((OrgId(r.try_get("id").db()?), r.try_get("name").db()?)))
            .collect()
    }

    async fn count_views(&self, keys: Vec<ViewKey>, day: Date) -> Result<u64> {
        if keys.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM portal_view_keys WHERE day < $1")
            .bind(day)
            .execute(&mut *tx)
            .await
            .db()?;
        let mut added = 0u64;
        for k in keys {
            let new = sqlx::query(
                "INSERT INTO portal_view_keys (day, key) VALUES ($1, $2) \
                 ON CONFLICT (day, key) DO NOTHING",
            )
            .bind(day)
            .bind(&k.key)
            .execute(&mut *tx)
            .await
            .db()?
            .rows_affected();
            if new > 0 {
                sqlx::query("UPDATE portal_articles SET view_count = view_count + 1 WHERE id = $1")
                    .bind(k.article_id)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                added += 1;
            }
        }
        tx.commit().await.db()?;
        Ok(added)
    }

    async fn portal_desk(&self, p: &Principal, org: OrgId) -> Result<PortalDesk> {
        let mut conn = self.reader().await?;
        let o = org_for_editor(&mut conn, p, org).await?;
        let sql = format!(
            "SELECT {ARTICLE_COLS}{ARTICLE_FROM} WHERE a.org_id = $1 \
             ORDER BY a.updated_at DESC, a.id DESC LIMIT 500"
        );
        let articles = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.0)
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(article_row)
            .collect::<Result<Vec<_>>>()?;
        let feedback_waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM portal_feedback WHERE org_id = $1 AND state = 'waiting'",
        )
        .bind(org.0)
        .fetch_one(&mut *conn)
        .await
        .db()?;
        let public_documents = public_documents_of(&mut conn, org).await?;
        Ok(PortalDesk {
            org_id: o.id,
            org_name: o.name,
            articles,
            feedback_waiting,
            public_documents,
        })
    }

    async fn create_article(
        &self,
        p: &Principal,
        org: OrgId,
        text: ArticleText,
    ) -> Result<Article> {
        let mut tx = self.begin().await?;
        let o = org_for_editor(&mut tx, p, org).await?;
        if o.valid_to.is_some() {
            return Err(StoreError::Conflict("org_closed"));
        }
        let at = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO portal_articles (province_id, org_id, title, lead, body_md, author, \
             category, state, publish_at, view_count, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', NULL, 0, $8, $9, $9) RETURNING id",
        )
        .bind(province_of(&o.path))
        .bind(o.id.0)
        .bind(&text.title)
        .bind(&text.lead)
        .bind(&text.body_md)
        .bind(&text.author)
        .bind(&text.category)
        .bind(user_id_of(p))
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "create",
            "portal_article",
            id,
            Some(&o.path),
            None,
            Some(text_json(&text)),
        )
        .await?;
        let a = article_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.db()?;
        Ok(a)
    }

    async fn article_for_edit(
        &self,
        p: &Principal,
        id: i64,
    ) -> Result<(Article, Vec<PortalImage>)> {
        let mut conn = self.reader().await?;
        let a = article_for_editor(&mut conn, p, id).await?;
        let images = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{IMAGE_SQL} WHERE i.article_id = $1 ORDER BY i.id"
        )))
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(image_row)
        .collect::<Result<Vec<_>>>()?;
        Ok((a, images))
    }

    async fn edit_article(&self, p: &Principal, id: i64, text: ArticleText) -> Result<Article> {
        let mut tx = self.begin().await?;
        let before = article_for_editor(&mut tx, p, id).await?;
        sqlx::query(
            "UPDATE portal_articles SET title = $1, lead = $2, body_md = $3, author = $4, \
             category = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(&text.title)
        .bind(&text.lead)
        .bind(&text.body_md)
        .bind(&text.author)
        .bind(&text.category)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "edit",
            "portal_article",
            id,
            Some(&before.org_path),
            Some(article_json(&before)),
            Some(text_json(&text)),
        )
        .await?;
        let a = article_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.db()?;
        Ok(a)
    }

    async fn publish_article(
        &self,
        p: &Principal,
        id: i64,
        at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<Article> {
        let now = trunc(now);
        let mut tx = self.begin().await?;
        let before = article_for_editor(&mut tx, p, id).await?;
        let when = trunc(portal::publish_at(at, now));
        sqlx::query(
            "UPDATE portal_articles SET state = 'published', publish_at = $1, updated_at = $2 \
             WHERE id = $3",
        )
        .bind(when)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            if when > now { "schedule" } else { "publish" },
            "portal_article",
            id,
            Some(&before.org_path),
            Some(json!({"state": before.state, "publish_at": before.publish_at})),
            Some(json!({"state": ArticleState::Published, "publish_at": when})),
        )
        .await?;
        let a = article_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.db()?;
        Ok(a)
    }

    async fn unpublish_article(&self, p: &Principal, id: i64) -> Result<Article> {
        let mut tx = self.begin().await?;
        let before = article_for_editor(&mut tx, p, id).await?;
        portal::check_unpublish(before.state)?;
        sqlx::query(
            "UPDATE portal_articles SET state = 'unpublished', updated_at = $1 WHERE id = $2",
        )
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "unpublish",
            "portal_article",
            id,
            Some(&before.org_path),
            Some(json!({"state": before.state, "publish_at": before.publish_at})),
            Some(json!({"state": ArticleState::Unpublished})),
        )
        .await?;
        let a = article_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.db()?;
        Ok(a)
    }

    async fn add_article_image(
        &self,
        p: &Principal,
        id: i64,
        file: EvidenceMeta,
    ) -> Result<PortalImage> {
        if !file.kind.is_image() {
            return Err(StoreError::invalid("file", "not_an_image"));
        }
        let name = domain::evidence::clean_name(&file.original_name);
        let mut tx = self.begin().await?;
        let a = article_for_editor(&mut tx, p, id).await?;
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
        let img: i64 = sqlx::query_scalar(
            "INSERT INTO portal_images (province_id, article_id, blob_key, file_name, \
             uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(province_of(&a.org_path))
        .bind(id)
        .bind(file.key.as_str())
        .bind(&name)
        .bind(user_id_of(p))
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "add_image",
            "portal_article",
            id,
            Some(&a.org_path),
            None,
            Some(json!({"image_id": img, "file_name": name, "key": file.key.as_str()})),
        )
        .await?;
        let out = sqlx::query(sqlx::AssertSqlSafe(format!("{IMAGE_SQL} WHERE i.id = $1")))
            .bind(img)
            .fetch_one(&mut *tx)
            .await
            .db()
            .and_then(|r| image_row(&r))?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn feedback_list(
        &self,
        p: &Principal,
        org: OrgId,
        state: Option<FeedbackState>,
    ) -> Result<Vec<Feedback>> {
        let mut conn = self.reader().await?;
        org_for_editor(&mut conn, p, org).await?;
        let sql = format!(
            "SELECT {FEEDBACK_COLS}{FEEDBACK_FROM} WHERE f.org_id = $1 \
             AND ($2 = '' OR f.state = $2) \
             ORDER BY f.created_at DESC, f.id DESC LIMIT 500"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.0)
            .bind(state.map_or("", |s| s.as_str()))
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(feedback_row)
            .collect()
    }

    async fn feedback_for_edit(&self, p: &Principal, id: i64) -> Result<Feedback> {
        let mut conn = self.reader().await?;
        let f = feedback_by_id(&mut conn, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        article_for_editor(&mut conn, p, f.article_id).await?;
        Ok(f)
    }

    async fn moderate_feedback(&self, p: &Principal, id: i64, m: Moderation) -> Result<Feedback> {
        let mut tx = self.begin().await?;
        let before = feedback_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let a = article_for_editor(&mut tx, p, before.article_id).await?;
        let (to, m) = portal::moderate(before.state, &m)?;
        let (answer, reason) = match &m {
            Moderation::Publish => (before.answer.clone(), None),
            Moderation::Answer { answer } => (Some(answer.clone()), None),
            Moderation::Hide { reason } => (before.answer.clone(), Some(reason.clone())),
        };
        sqlx::query(
            "UPDATE portal_feedback SET state = $1, answer = $2, hide_reason = $3, \
             moderated_by = $4, moderated_at = $5 WHERE id = $6",
        )
        .bind(to.as_str())
        .bind(&answer)
        .bind(&reason)
        .bind(user_id_of(p))
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "moderate",
            "portal_feedback",
            id,
            Some(&a.org_path),
            Some(json!({"state": before.state, "answer": before.answer, "hide_reason": before.hide_reason})),
            Some(json!({"state": to, "answer": answer, "hide_reason": reason})),
        )
        .await?;
        let f = feedback_by_id(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.db()?;
        Ok(f)
    }

    async fn set_document_public(
        &self,
        p: &Principal,
        id: DocumentId,
        summary: Option<String>,
    ) -> Result<()> {
        let summary = match summary {
            Some(s) => {
                Some(domain::validate::name("summary", &s, 2000).map_err(StoreError::Invalid)?)
            }
            None => None,
        };
        let mut tx = self.begin().await?;
        let d = doc_by_id(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
        let issuer = org_readable(&mut tx, p, d.issuer_org_id).await?;
        p.ensure(Permission::EditOrgs, &issuer.path)?;
        let before: Option<String> = sqlx::query_scalar(
            "SELECT summary FROM portal_public_documents WHERE document_id = $1",
        )
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        sqlx::query("DELETE FROM portal_public_documents WHERE document_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        if let Some(s) = &summary {
            sqlx::query(
                "INSERT INTO portal_public_documents (document_id, province_id, org_id, summary, \
                 marked_by, marked_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id.0)
            .bind(province_of(&issuer.path))
            .bind(issuer.id.0)
            .bind(s)
            .bind(user_id_of(p))
            .bind(now())
            .execute(&mut *tx)
            .await
            .db()?;
        }
        audit(
            &mut tx,
            p,
            if summary.is_some() {
                "mark_public"
            } else {
                "unmark_public"
            },
            "document",
            id.0,
            Some(&issuer.path),
            Some(json!({"public": before.is_some(), "summary": before})),
            Some(json!({"public": summary.is_some(), "summary": summary})),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(())
    }
}
