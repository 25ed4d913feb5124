//! The public portal (issue 14 items 4-5, docs/PORTAL.md): a unit's news articles with
//! images, readers' feedback and its moderation, view counts, and the documents a unit
//! marks public with their implementation figures.
//!
//! Who: the public reads (any principal, `Principal::anonymous()` included) what is
//! published and due, the published feedback without its contact, and the documents
//! marked public; anything else is `NotFound`. Writing articles and moderating feedback
//! needs `Permission::EditPortal` on the article's unit (editors, office staff,
//! administrators); outside it `NotFound`. Marking a document public needs `EditOrgs` on
//! its issuer (the office). Every write is audited.

use crate::{Document, EvidenceMeta, Result, TargetRecord};
use async_trait::async_trait;
use domain::portal::{
    ArticleState, ArticleStatus, ArticleText, FeedbackState, FeedbackText, Moderation,
};
use domain::{ContentKey, Dashboard, DocumentId, EvidenceType, OrgId, OrgPath, Principal};
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// An article as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Article {
    pub id: i64,
    pub org_id: OrgId,
    pub org_name: String,
    pub org_path: OrgPath,
    pub title: String,
    pub lead: String,
    pub body_md: String,
    pub author: Option<String>,
    pub category: String,
    pub state: ArticleState,
    /// When a published article goes (went) public.
    pub publish_at: Option<OffsetDateTime>,
    pub view_count: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl Article {
    pub fn status(&self, now: OffsetDateTime) -> ArticleStatus {
        domain::portal::status(self.state, self.publish_at, now)
    }
}

/// An article in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleCard {
    pub id: i64,
    pub title: String,
    pub lead: String,
    pub category: String,
    pub author: Option<String>,
    pub published_at: OffsetDateTime,
    pub view_count: i64,
}

/// An image of an article, kept in the blob store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalImage {
    pub id: i64,
    pub article_id: i64,
    pub key: ContentKey,
    pub kind: EvidenceType,
    pub size: u64,
    pub file_name: String,
}

/// A feedback as editors see it (with the private contact).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Feedback {
    pub id: i64,
    pub article_id: i64,
    pub article_title: String,
    pub org_id: OrgId,
    pub name: String,
    pub contact: Option<String>,
    pub body: String,
    pub state: FeedbackState,
    pub answer: Option<String>,
    pub hide_reason: Option<String>,
    pub created_at: OffsetDateTime,
    pub moderated_at: Option<OffsetDateTime>,
}

/// A feedback as the public sees it: no contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicFeedback {
    pub id: i64,
    pub name: String,
    pub body: String,
    pub answer: Option<String>,
    pub created_at: OffsetDateTime,
}

/// A document a unit marked public, in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicDocumentCard {
    pub document_id: DocumentId,
    pub symbol: String,
    pub title: String,
    pub issued_on: Date,
    pub summary: String,
}

/// The lists of a portal's pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct PortalLists {
    /// Mới nhất: the newest public articles.
    pub latest: Vec<ArticleCard>,
    /// Xem nhiều nhất: the most read public articles of the last 30 days.
    pub most_read: Vec<ArticleCard>,
    /// The categories of the public articles, with how many each has.
    pub categories: Vec<(String, i64)>,
    /// The next moment something scheduled goes public (a cache of these pages is good
    /// until then at the latest).
    pub next_change: Option<OffsetDateTime>,
}

/// A unit's portal home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalHome {
    pub org_id: OrgId,
    pub org_name: String,
    /// The public articles of the page (of the category asked for, newest first).
    pub articles: Vec<ArticleCard>,
    pub lists: PortalLists,
    pub public_documents: Vec<PublicDocumentCard>,
}

/// A public article with everything its page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicArticle {
    pub article: Article,
    pub published_at: OffsetDateTime,
    /// Published feedback, oldest first.
    pub feedback: Vec<PublicFeedback>,
    /// Các tin khác: the unit's other articles published before this one.
    pub others: Vec<ArticleCard>,
    /// Related: other articles of the same category.
    pub related: Vec<ArticleCard>,
    pub lists: PortalLists,
}

/// A document marked public with its implementation figures from the dashboards.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicDocument {
    pub document: Document,
    pub summary: String,
    pub marked_at: OffsetDateTime,
    /// The issuer's dashboard on the document's chain.
    pub dashboard: Dashboard,
    pub targets: Vec<TargetRecord>,
    pub as_of: Date,
}

/// An editor's desk: the unit's articles, the waiting feedback and the public documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalDesk {
    pub org_id: OrgId,
    pub org_name: String,
    /// Every article of the unit, latest change first.
    pub articles: Vec<Article>,
    pub feedback_waiting: i64,
    pub public_documents: Vec<PublicDocumentCard>,
}

/// A reader's feedback to take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeedback {
    pub text: FeedbackText,
    /// `domain::portal::address_key` of the sender's address.
    pub address_key: String,
}

/// One counted view: the article and its `domain::portal::view_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewKey {
    pub article_id: i64,
    pub key: String,
}

#[async_trait]
pub trait PortalStore: Send + Sync + 'static {
    // ---- Public ------------------------------------------------------------------------

    /// A unit's portal home at `now`: its public articles (of `category`, by
    /// `domain::portal::category_slug`, when given), the lists and the public documents.
    /// `NotFound` for a unit that does not exist or is closed.
    async fn portal_home(
        &self,
        p: &Principal,
        org: OrgId,
        category: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<PortalHome>;

    /// A public article at `now` with its page's lists; `NotFound` unless it is published
    /// and due.
    async fn public_article(
        &self,
        p: &Principal,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<PublicArticle>;

    /// The unit's newest public articles, for its Atom feed.
    async fn portal_feed(
        &self,
        p: &Principal,
        org: OrgId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<(String, Vec<Article>)>;

    /// A document marked public, with the issuer's figures on `today`.
    async fn public_document(
        &self,
        p: &Principal,
        id: DocumentId,
        today: Date,
    ) -> Result<PublicDocument>;

    /// An image of an article the public may read at `now`, or that `p` may edit.
    async fn portal_image(
        &self,
        p: &Principal,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<PortalImage>;

    /// Takes a reader's feedback on a public article, waiting for moderation. Refused
    /// (`Conflict`) by `domain::portal::check_feedback_rate` on the counts of the last
    /// day: `feedback_flood`, `feedback_repeat`, `feedback_article_busy`. Audited.
    async fn send_feedback(
        &self,
        p: &Principal,
        article: i64,
        new: NewFeedback,
        now: OffsetDateTime,
    ) -> Result<Feedback>;

    /// The units whose portal has a public article at `now` (id and name, the highest
    /// first, at most 100): where the sign-in page's link to the portal leads. Names of
    /// units with a public portal are public. (No record is read: anyone.)
    async fn portal_units(&self, now: OffsetDateTime) -> Result<Vec<(OrgId, String)>>;

    /// Counts views: each key not yet seen on `day` adds one to its article. Keys of
    /// earlier days are deleted. Returns the views added. (No record is read: anyone.)
    async fn count_views(&self, keys: Vec<ViewKey>, day: Date) -> Result<u64>;

    // ---- Editors -----------------------------------------------------------------------

    async fn portal_desk(&self, p: &Principal, org: OrgId) -> Result<PortalDesk>;

    /// A new draft article of the unit. Audited.
    async fn create_article(&self, p: &Principal, org: OrgId, text: ArticleText)
    -> Result<Article>;

    /// An article and its images, for its editor.
    async fn article_for_edit(&self, p: &Principal, id: i64)
    -> Result<(Article, Vec<PortalImage>)>;

    /// Replaces an article's text (any state; a published article changes at once).
    /// Audited.
    async fn edit_article(&self, p: &Principal, id: i64, text: ArticleText) -> Result<Article>;

    /// Publishes an article at `at` (`domain::portal::publish_at`: later schedules it,
    /// none or earlier is now). Audited.
    async fn publish_article(
        &self,
        p: &Principal,
        id: i64,
        at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<Article>;

    /// Takes a published (or scheduled) article down. Audited.
    async fn unpublish_article(&self, p: &Principal, id: i64) -> Result<Article>;

    /// Adds an image (already kept in the blob store) to an article; `Invalid(file,
    /// not_an_image)` for anything but PNG, JPEG, GIF or WebP. Audited.
    async fn add_article_image(
        &self,
        p: &Principal,
        id: i64,
        file: EvidenceMeta,
    ) -> Result<PortalImage>;

    /// The unit's feedback, newest first, of one state or all.
    async fn feedback_list(
        &self,
        p: &Principal,
        org: OrgId,
        state: Option<FeedbackState>,
    ) -> Result<Vec<Feedback>>;

    /// One feedback, for an editor of its unit.
    async fn feedback_for_edit(&self, p: &Principal, id: i64) -> Result<Feedback>;

    /// Publishes, answers or hides a feedback (`domain::portal::moderate`). Audited.
    async fn moderate_feedback(&self, p: &Principal, id: i64, m: Moderation) -> Result<Feedback>;

    /// Marks a document public with a summary (`Some`), or takes the mark off (`None`).
    /// `EditOrgs` on the issuer. Audited.
    async fn set_document_public(
        &self,
        p: &Principal,
        id: DocumentId,
        summary: Option<String>,
    ) -> Result<()>;
}
