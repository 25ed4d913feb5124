//! Consultation on drafts (issue 14 items 1-3): a unit's office opens a draft program, or
//! the text of a report or resolution, for comment by the members of its subtree, invited
//! experts and the public; every comment is answered; a program is issued only after.
//!
//! Who sees what is `domain::consultation::Viewer::of`: the unit's office (EditOrgs)
//! manages; its readers see; members whose grants reach into the subtree see and comment
//! when members are asked; an invited expert — an account with no grant, named in the
//! consultation's invitation list — sees this consultation and nothing else. Everyone
//! else gets `NotFound`. The public entry points (`public_*`, `open_public_consultations`)
//! take no principal: they answer only what a consultation open to the public shows to
//! anyone, never a contact. Every write is audited (entities `consultation`,
//! `consultation_comment`, `consultation_expert`). See docs/CONSULTATION.md.

use crate::Result;
use async_trait::async_trait;
use domain::consultation::{
    Answer, AnswerDraft, Audiences, CommentDraft, CommentId, ConsultationDraft, ConsultationId,
    GateFacts, ItemId, ItemKind, Moderation, ModerationDecision, Phase, PublicCommentDraft,
    SubjectKind, Viewer,
};
use domain::{OrgId, OrgPath, Principal, ProgramId, ProgramState, UserId};
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// What is put to consultation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A draft program of the unit: its sections and tasks are snapshot.
    Program(ProgramId),
    /// A text given with the consultation (`ConsultationDraft::text`).
    Text(SubjectKind),
}

/// A consultation to open on a unit's draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsultation {
    pub org_id: OrgId,
    pub subject: Subject,
    pub draft: ConsultationDraft,
}

/// One numbered item of the snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DraftItem {
    pub id: ItemId,
    pub kind: ItemKind,
    pub number: u32,
    pub heading: Option<String>,
    pub text: String,
}

/// Who made a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentSource {
    Member,
    Expert,
    Public,
}

impl CommentSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CommentSource::Member => "member",
            CommentSource::Expert => "expert",
            CommentSource::Public => "public",
        }
    }

    pub fn parse(s: &str) -> Option<CommentSource> {
        match s {
            "member" => Some(CommentSource::Member),
            "expert" => Some(CommentSource::Expert),
            "public" => Some(CommentSource::Public),
            _ => None,
        }
    }
}

/// A comment as its viewer may see it: `contact` only for the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub id: CommentId,
    pub consultation_id: ConsultationId,
    /// The item commented on; `None` for the whole draft.
    pub item: Option<ItemId>,
    pub source: CommentSource,
    pub author_name: String,
    pub affiliation: Option<String>,
    pub contact: Option<String>,
    pub body: String,
    pub proposed: Option<String>,
    pub moderation: Moderation,
    pub moderation_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub answer: Option<Answer>,
    pub answer_reason: Option<String>,
    pub changed_text: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
    /// Whether the viewer wrote it.
    pub mine: bool,
}

/// An invited expert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expert {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub affiliation: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub invited_at: OffsetDateTime,
}

/// An expert to invite: an account of their own, made for this consultation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewExpert {
    pub username: String,
    pub display_name: String,
    pub affiliation: Option<String>,
    /// The hashed password the web made (and shows once to the office).
    pub password_hash: String,
}

/// A consultation in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsultationSummary {
    pub id: ConsultationId,
    pub org_id: OrgId,
    pub org_name: String,
    pub kind: SubjectKind,
    pub program_id: Option<ProgramId>,
    pub title: String,
    pub opens_on: Date,
    pub closes_on: Date,
    pub phase: Phase,
    pub audiences: Audiences,
    /// Comments the viewer may see, and of those the ones waiting for an answer (for the
    /// office: every comment not rejected).
    pub comments: u32,
    pub unanswered: u32,
}

/// A consultation as one viewer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consultation {
    pub id: ConsultationId,
    pub org_id: OrgId,
    pub org_path: OrgPath,
    pub org_name: String,
    pub kind: SubjectKind,
    pub program_id: Option<ProgramId>,
    /// The program's state now (issued: the consultation is final).
    pub program_state: Option<ProgramState>,
    pub title: String,
    pub questions: Vec<String>,
    pub audiences: Audiences,
    pub opens_on: Date,
    pub closes_on: Date,
    pub ended: bool,
    pub phase: Phase,
    /// The one reason the rest was closed with, if it was.
    pub rest_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub viewer: Viewer,
    pub items: Vec<DraftItem>,
    /// The office: every comment; a reader: the published ones; a member or expert: their
    /// own. Oldest first.
    pub comments: Vec<Comment>,
    /// The office only.
    pub experts: Vec<Expert>,
    /// Comments still waiting for an answer (the office's count; 0 for others).
    pub unanswered: u32,
    /// Public comments waiting for moderation (the office's count; 0 for others).
    pub pending: u32,
}

impl Consultation {
    /// Whether the draft was issued: answers and the report are final.
    pub fn finalized(&self) -> bool {
        self.program_state.is_some_and(|s| s != ProgramState::Draft)
    }

    pub fn item(&self, id: ItemId) -> Option<&DraftItem> {
        self.items.iter().find(|i| i.id == id)
    }
}

/// What anyone sees of a consultation open to the public: the draft, the questions, and
/// the published comments with their answers, without names or contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicConsultation {
    pub id: ConsultationId,
    pub org_name: String,
    pub kind: SubjectKind,
    pub title: String,
    pub questions: Vec<String>,
    pub opens_on: Date,
    pub closes_on: Date,
    pub phase: Phase,
    pub items: Vec<DraftItem>,
    pub comments: Vec<PublicComment>,
}

/// A published comment on the public page: what was said and answered, not by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicComment {
    pub item: Option<ItemId>,
    pub body: String,
    pub proposed: Option<String>,
    pub answer: Option<Answer>,
    pub answer_reason: Option<String>,
}

/// Opening drafts for consultation, commenting, moderating and answering.
#[async_trait]
pub trait ConsultationStore: Send + Sync + 'static {
    /// Opens a consultation on a unit's draft (EditOrgs on the unit): the draft is
    /// snapshot into numbered items. A program must be a draft of the unit
    /// (`program_not_draft`).
    async fn open_consultation(
        &self,
        p: &Principal,
        new: NewConsultation,
        today: Date,
    ) -> Result<Consultation>;

    /// A consultation as the principal sees it on `today` (`NotFound` for anyone it is not
    /// there for).
    async fn consultation(
        &self,
        p: &Principal,
        id: ConsultationId,
        today: Date,
    ) -> Result<Consultation>;

    /// A comment with its consultation, as the principal sees them (`NotFound` when the
    /// comment is not among the comments they see).
    async fn comment_consultation(
        &self,
        p: &Principal,
        comment: CommentId,
        today: Date,
    ) -> Result<(Consultation, Comment)>;

    /// A unit's consultations, newest first (readers of the unit).
    async fn unit_consultations(
        &self,
        p: &Principal,
        org: OrgId,
        today: Date,
    ) -> Result<Vec<ConsultationSummary>>;

    /// The consultations on a program, oldest first (readers of the program).
    async fn program_consultations(
        &self,
        p: &Principal,
        program: ProgramId,
        today: Date,
    ) -> Result<Vec<ConsultationSummary>>;

    /// The consultations the principal is asked to comment on, newest first: those an
    /// expert was invited to, and those open to members of a subtree the principal's
    /// grants reach into. Closed ones stay listed for 90 days, to read the answers.
    async fn my_consultations(
        &self,
        p: &Principal,
        today: Date,
    ) -> Result<Vec<ConsultationSummary>>;

    /// A comment with the principal's name (members, readers, the office, experts):
    /// `domain::consultation::check_comment`; the item must be of the snapshot.
    async fn comment_on(
        &self,
        p: &Principal,
        id: ConsultationId,
        comment: CommentDraft,
        today: Date,
    ) -> Result<Comment>;

    /// Invites an expert: a new account without grants whose only right is this
    /// consultation (`domain::consultation::check_invite`; `username_taken`).
    async fn invite_expert(
        &self,
        p: &Principal,
        id: ConsultationId,
        expert: NewExpert,
        today: Date,
    ) -> Result<Expert>;

    /// Publishes or hides a pending public comment (the office).
    async fn moderate_comment(
        &self,
        p: &Principal,
        comment: CommentId,
        decision: ModerationDecision,
        today: Date,
    ) -> Result<Comment>;

    /// Answers a comment, or changes its answer while the draft is not issued (the
    /// office).
    async fn answer_comment(
        &self,
        p: &Principal,
        comment: CommentId,
        answer: AnswerDraft,
        today: Date,
    ) -> Result<Comment>;

    /// Ends the period today (the office).
    async fn end_consultation(
        &self,
        p: &Principal,
        id: ConsultationId,
        today: Date,
    ) -> Result<Consultation>;

    /// Closes every comment still waiting for an answer with one reason, once the period
    /// is over (the office). Returns how many were closed.
    async fn close_rest(
        &self,
        p: &Principal,
        id: ConsultationId,
        reason: &str,
        today: Date,
    ) -> Result<u32>;

    /// What the program issue checks: each consultation on the program with its phase and
    /// unanswered comments (no principal check: the issuing store method has made it).
    async fn program_gate(&self, program: ProgramId, today: Date) -> Result<Vec<GateFacts>>;

    // ---- Public entry points (no account) ----------------------------------------

    /// A consultation open to the public, from its first day on; `NotFound` otherwise.
    async fn public_consultation(
        &self,
        id: ConsultationId,
        today: Date,
    ) -> Result<PublicConsultation>;

    /// Keeps a public comment for moderation: `domain::consultation::check_public_comment`
    /// with the volume counted from `address_hash` (a hash of the sender's address, made
    /// by the web) and the consultation, and the repeat check.
    async fn public_comment(
        &self,
        id: ConsultationId,
        comment: PublicCommentDraft,
        address_hash: &str,
        today: Date,
    ) -> Result<CommentId>;

    /// The consultations open to the public today in a unit's subtree, closing soonest
    /// first: what a public portal lists.
    async fn open_public_consultations(
        &self,
        org: OrgId,
        today: Date,
    ) -> Result<Vec<ConsultationSummary>>;
}
