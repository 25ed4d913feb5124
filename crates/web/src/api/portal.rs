//! The public portal as JSON (docs/PORTAL.md): a unit's public articles and one article,
//! readable without an account; and the editor's writes (create, edit, publish or
//! schedule, unpublish, moderate feedback), with the same store calls and checks as the
//! pages (`crate::portal`). Every write makes the public pages render afresh.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use domain::portal::{self, FeedbackState};
use domain::{Invalid, OrgId, Principal};
use serde::{Deserialize, Serialize};
use store::{Article, ArticleCard, Feedback, PublicArticle};
use utoipa::{OpenApi, ToSchema};

use super::{ApiResult, body, created, id, moment, ok};
use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::{ApiError, ErrorBody};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/portal/{id}", get(home))
        .route("/api/news/{id}", get(article).post(edit))
        .route("/api/orgs/{id}/portal/articles", post(create))
        .route("/api/news/{id}/publish", post(publish))
        .route("/api/news/{id}/unpublish", post(unpublish))
        .route("/api/orgs/{id}/portal/feedback", get(feedback))
        .route("/api/feedback/{id}/moderate", post(moderate))
}

#[derive(OpenApi)]
#[openapi(
    paths(home, article, create, edit, publish, unpublish, feedback, moderate),
    tags((name = "portal", description = "The public portal: a unit's news read without an account; editors' writes and feedback moderation."))
)]
pub struct Doc;

// ---- DTOs -------------------------------------------------------------------------------

/// An article in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleCardDto {
    pub id: i64,
    pub title: String,
    pub lead: String,
    pub category: String,
    pub author: Option<String>,
    /// RFC 3339.
    pub published_at: String,
    pub view_count: i64,
}

impl From<&ArticleCard> for ArticleCardDto {
    fn from(c: &ArticleCard) -> ArticleCardDto {
        ArticleCardDto {
            id: c.id,
            title: c.title.clone(),
            lead: c.lead.clone(),
            category: c.category.clone(),
            author: c.author.clone(),
            published_at: moment(&c.published_at),
            view_count: c.view_count,
        }
    }
}

fn cards(v: &[ArticleCard]) -> Vec<ArticleCardDto> {
    v.iter().map(ArticleCardDto::from).collect()
}

/// A category with the number of its public articles.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryDto {
    pub name: String,
    /// For `/portal/{id}?category=`.
    pub slug: String,
    pub articles: i64,
}

/// A document the unit shows publicly.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicDocumentDto {
    pub document_id: i64,
    pub symbol: String,
    pub title: String,
    pub issued_on: time::Date,
    pub summary: String,
}

/// A unit's portal home.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalHomeDto {
    pub org_id: i64,
    pub org_name: String,
    pub articles: Vec<ArticleCardDto>,
    pub latest: Vec<ArticleCardDto>,
    pub most_read: Vec<ArticleCardDto>,
    pub categories: Vec<CategoryDto>,
    pub public_documents: Vec<PublicDocumentDto>,
}

/// A feedback as the public sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicFeedbackDto {
    pub id: i64,
    pub name: String,
    pub body: String,
    pub answer: Option<String>,
    pub created_at: String,
}

/// A public article.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicArticleDto {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub title: String,
    pub lead: String,
    /// Markdown as written.
    pub body_md: String,
    /// The sanitized HTML of the body.
    pub body_html: String,
    pub author: Option<String>,
    pub category: String,
    pub published_at: String,
    pub view_count: i64,
    pub feedback: Vec<PublicFeedbackDto>,
    /// "Các tin khác": the unit's earlier articles.
    pub others: Vec<ArticleCardDto>,
    pub related: Vec<ArticleCardDto>,
    pub latest: Vec<ArticleCardDto>,
    pub most_read: Vec<ArticleCardDto>,
}

impl From<&PublicArticle> for PublicArticleDto {
    fn from(p: &PublicArticle) -> PublicArticleDto {
        let a = &p.article;
        PublicArticleDto {
            id: a.id,
            org_id: a.org_id.0,
            org_name: a.org_name.clone(),
            title: a.title.clone(),
            lead: a.lead.clone(),
            body_md: a.body_md.clone(),
            body_html: crate::markdown::render(&a.body_md),
            author: a.author.clone(),
            category: a.category.clone(),
            published_at: moment(&p.published_at),
            view_count: a.view_count,
            feedback: p
                .feedback
                .iter()
                .map(|f| PublicFeedbackDto {
                    id: f.id,
                    name: f.name.clone(),
                    body: f.body.clone(),
                    answer: f.answer.clone(),
                    created_at: moment(&f.created_at),
                })
                .collect(),
            others: cards(&p.others),
            related: cards(&p.related),
            latest: cards(&p.lists.latest),
            most_read: cards(&p.lists.most_read),
        }
    }
}

/// An article as its editor sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleDto {
    pub id: i64,
    pub org_id: i64,
    pub title: String,
    pub lead: String,
    pub body_md: String,
    pub author: Option<String>,
    pub category: String,
    /// `draft`, `published`, `unpublished`.
    pub state: String,
    /// `draft`, `scheduled`, `published`, `unpublished` (now).
    pub status: String,
    pub publish_at: Option<String>,
    pub view_count: i64,
    pub updated_at: String,
}

impl From<&Article> for ArticleDto {
    fn from(a: &Article) -> ArticleDto {
        ArticleDto {
            id: a.id,
            org_id: a.org_id.0,
            title: a.title.clone(),
            lead: a.lead.clone(),
            body_md: a.body_md.clone(),
            author: a.author.clone(),
            category: a.category.clone(),
            state: a.state.as_str().to_owned(),
            status: a
                .status(time::OffsetDateTime::now_utc())
                .as_str()
                .to_owned(),
            publish_at: a.publish_at.as_ref().map(moment),
            view_count: a.view_count,
            updated_at: moment(&a.updated_at),
        }
    }
}

/// A feedback as editors see it (with the private contact).
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackDto {
    pub id: i64,
    pub article_id: i64,
    pub article_title: String,
    pub name: String,
    pub contact: Option<String>,
    pub body: String,
    /// `waiting`, `published`, `answered`, `hidden`.
    pub state: String,
    pub answer: Option<String>,
    pub hide_reason: Option<String>,
    pub created_at: String,
}

impl From<&Feedback> for FeedbackDto {
    fn from(f: &Feedback) -> FeedbackDto {
        FeedbackDto {
            id: f.id,
            article_id: f.article_id,
            article_title: f.article_title.clone(),
            name: f.name.clone(),
            contact: f.contact.clone(),
            body: f.body.clone(),
            state: f.state.as_str().to_owned(),
            answer: f.answer.clone(),
            hide_reason: f.hide_reason.clone(),
            created_at: moment(&f.created_at),
        }
    }
}

/// An article's text.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ArticleInput {
    pub title: Option<String>,
    pub lead: Option<String>,
    /// Markdown; rendered and sanitized when shown.
    pub body_md: Option<String>,
    pub author: Option<String>,
    pub category: Option<String>,
}

impl ArticleInput {
    fn check(&self) -> Result<portal::ArticleText, Invalid> {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        portal::check_article(
            &s(&self.title),
            &s(&self.lead),
            &s(&self.body_md),
            &s(&self.author),
            &s(&self.category),
        )
    }
}

/// When to publish.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PublishInput {
    /// RFC 3339; later than now schedules the article, absent or earlier publishes now.
    pub publish_at: Option<String>,
}

/// A moderation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ModerationInput {
    /// `publish`, `answer` (with `answer`) or `hide` (with `reason`).
    pub action: Option<String>,
    pub answer: Option<String>,
    pub reason: Option<String>,
}

// ---- Handlers ---------------------------------------------------------------------------

#[utoipa::path(get, path = "/api/portal/{id}", tag = "portal", security(()),
    params(("id" = i64, Path, description = "The unit"), ("category" = Option<String>, Query, description = "A category's slug")),
    responses((status = 200, description = "OK", body = PortalHomeDto), (status = 404, description = "No such unit", body = ErrorBody)))]
async fn home(
    State(st): State<AppState>,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let category = crate::forms::query_param(&q, "category");
    let h = st
        .store
        .portal_home(
            &Principal::anonymous(),
            OrgId(id(&raw)?),
            Some(category.as_str()).filter(|c| !c.is_empty()),
            time::OffsetDateTime::now_utc(),
        )
        .await?;
    ok(PortalHomeDto {
        org_id: h.org_id.0,
        org_name: h.org_name.clone(),
        articles: cards(&h.articles),
        latest: cards(&h.lists.latest),
        most_read: cards(&h.lists.most_read),
        categories: h
            .lists
            .categories
            .iter()
            .map(|(c, n)| CategoryDto {
                name: c.clone(),
                slug: portal::category_slug(c),
                articles: *n,
            })
            .collect(),
        public_documents: h
            .public_documents
            .iter()
            .map(|d| PublicDocumentDto {
                document_id: d.document_id.0,
                symbol: d.symbol.clone(),
                title: d.title.clone(),
                issued_on: d.issued_on,
                summary: d.summary.clone(),
            })
            .collect(),
    })
}

#[utoipa::path(get, path = "/api/news/{id}", tag = "portal", security(()),
    params(("id" = i64, Path, description = "The article")),
    responses((status = 200, description = "OK", body = PublicArticleDto), (status = 404, description = "Not published", body = ErrorBody)))]
async fn article(_ctx: Ctx, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let a = st
        .store
        .public_article(
            &Principal::anonymous(),
            id(&raw)?,
            time::OffsetDateTime::now_utc(),
        )
        .await?;
    ok(PublicArticleDto::from(&a))
}

#[utoipa::path(post, path = "/api/orgs/{id}/portal/articles", tag = "portal",
    params(("id" = i64, Path, description = "The unit")), request_body = ArticleInput,
    responses((status = 201, description = "A draft", body = ArticleDto), (status = 400, description = "Bad input", body = ErrorBody),
        (status = 404, description = "Not an editor of this unit", body = ErrorBody)))]
async fn create(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let org = OrgId(id(&raw)?);
    st.store.portal_desk(&auth.p, org).await?;
    let input: ArticleInput = body(&bytes)?;
    let text = input.check().map_err(ApiError::Invalid)?;
    let a = st.store.create_article(&auth.p, org, text).await?;
    created(ArticleDto::from(&a))
}

#[utoipa::path(post, path = "/api/news/{id}", tag = "portal",
    params(("id" = i64, Path, description = "The article")), request_body = ArticleInput,
    responses((status = 200, description = "Saved", body = ArticleDto), (status = 400, description = "Bad input", body = ErrorBody),
        (status = 404, description = "Not an editor of this article", body = ErrorBody)))]
async fn edit(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let aid: i64 = id(&raw)?;
    st.store.article_for_edit(&auth.p, aid).await?;
    let input: ArticleInput = body(&bytes)?;
    let text = input.check().map_err(ApiError::Invalid)?;
    let a = st.store.edit_article(&auth.p, aid, text).await?;
    st.portal.changed();
    ok(ArticleDto::from(&a))
}

#[utoipa::path(post, path = "/api/news/{id}/publish", tag = "portal",
    params(("id" = i64, Path, description = "The article")), request_body = PublishInput,
    responses((status = 200, description = "Published or scheduled", body = ArticleDto), (status = 400, description = "Bad input", body = ErrorBody),
        (status = 404, description = "Not an editor of this article", body = ErrorBody)))]
async fn publish(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let aid: i64 = id(&raw)?;
    st.store.article_for_edit(&auth.p, aid).await?;
    let input: PublishInput = body(&bytes)?;
    let at = match input.publish_at.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .map_err(|_| ApiError::Invalid(Invalid::one("publish_at", "bad_date")))?,
        ),
    };
    let a = st
        .store
        .publish_article(&auth.p, aid, at, time::OffsetDateTime::now_utc())
        .await?;
    st.portal.changed();
    ok(ArticleDto::from(&a))
}

#[utoipa::path(post, path = "/api/news/{id}/unpublish", tag = "portal",
    params(("id" = i64, Path, description = "The article")),
    responses((status = 200, description = "Unpublished", body = ArticleDto), (status = 404, description = "Not an editor of this article", body = ErrorBody),
        (status = 409, description = "Not published", body = ErrorBody)))]
async fn unpublish(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let a = st.store.unpublish_article(&auth.p, id(&raw)?).await?;
    st.portal.changed();
    ok(ArticleDto::from(&a))
}

#[utoipa::path(get, path = "/api/orgs/{id}/portal/feedback", tag = "portal",
    params(("id" = i64, Path, description = "The unit"), ("state" = Option<String>, Query, description = "waiting, published, answered or hidden")),
    responses((status = 200, description = "Newest first", body = Vec<FeedbackDto>), (status = 404, description = "Not an editor of this unit", body = ErrorBody)))]
async fn feedback(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let state = FeedbackState::parse(&crate::forms::query_param(&q, "state"));
    let list = st
        .store
        .feedback_list(&auth.p, OrgId(id(&raw)?), state)
        .await?;
    ok(list.iter().map(FeedbackDto::from).collect::<Vec<_>>())
}

#[utoipa::path(post, path = "/api/feedback/{id}/moderate", tag = "portal",
    params(("id" = i64, Path, description = "The feedback")), request_body = ModerationInput,
    responses((status = 200, description = "Moderated", body = FeedbackDto), (status = 400, description = "Bad input", body = ErrorBody),
        (status = 404, description = "Not an editor of its unit", body = ErrorBody), (status = 409, description = "Already so", body = ErrorBody)))]
async fn moderate(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let fid: i64 = id(&raw)?;
    st.store.feedback_for_edit(&auth.p, fid).await?;
    let input: ModerationInput = body(&bytes)?;
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let m = crate::portal::moderation_of(&s(&input.action), &s(&input.answer), &s(&input.reason))
        .map_err(ApiError::Invalid)?;
    let f = st.store.moderate_feedback(&auth.p, fid, m).await?;
    st.portal.changed();
    ok(FeedbackDto::from(&f))
}
