//! Resolutions into programs (issue 3): documents with their targets, cascades of a
//! document down a subtree, and the dashboards' rollups kept up to date on write.
//!
//! The same rules as [`crate::Store`]: every method takes the acting [`Principal`]; reads
//! answer only what the principal's grants cover (`NotFound` otherwise); a write the
//! principal may see but not make is `Forbidden`; every write appends an audit row in its
//! own transaction. See docs/PROGRAMS.md for the tables and the rollup scheme.
//!
//! Who may do what:
//! - reading a unit's records needs `Read` on the unit; a document is readable by anyone
//!   who may read its issuer or a unit below it (upper documents reach the lower units);
//! - registering documents, setting targets and cascading need `EditOrgs` on the issuer;
//! - recording a unit's facts (studied) needs `EditPeople` on the unit;
//! - drafting, editing, issuing and revising a unit's program need `EditOrgs` on the unit;
//! - posting progress on a task of an issued program: the task's responsible member
//!   (`Principal::member_id`, who may also read the task without a grant) or `EditPeople`
//!   on the program's unit (offices and secretaries);
//! - reviewing an update needs `EditOrgs` on the *supervising* unit: the parent of the
//!   program's unit, or the unit itself for a root (the province reviews its own).

use crate::{Org, Page, Result};
use async_trait::async_trait;
use domain::{
    CascadeDeadlines, CascadeId, CascadeScope, ContentKey, Dashboard, DocumentId, DocumentNumber,
    DocumentType, EffectiveStatus, EvidenceType, MemberId, OrgId, OrgKind, OrgPath, Principal,
    ProgramId, ProgramKind, ProgramSections, ProgramState, ProgressUpdate, ProgressUpdateId,
    Review, Rollup, Target, TargetId, TaskDraft, TaskId, TaskStatus, Term, UnitFacts, UserId,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, OffsetDateTime};

/// One unit reached by a cascade (a `cascade_units` row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CascadeUnitId(pub i64);

impl fmt::Display for CascadeUnitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Whether a document is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    InForce,
    Superseded,
    Expired,
}

impl DocumentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::InForce => "in_force",
            DocumentStatus::Superseded => "superseded",
            DocumentStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<DocumentStatus> {
        [
            DocumentStatus::InForce,
            DocumentStatus::Superseded,
            DocumentStatus::Expired,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A document to register (parsed at the edge).
#[derive(Debug, Clone, PartialEq)]
pub struct NewDocument {
    pub issuer_org_id: OrgId,
    pub doc_type: DocumentType,
    /// The symbol as written, parsed with `DocumentNumber::parse_for(doc_type)`.
    pub number: DocumentNumber,
    pub term: Term,
    pub issued_on: Date,
    pub title: String,
    /// Markdown as entered; the web sanitizes it when rendering.
    pub body_md: String,
    /// The upper document this one implements, if any.
    pub parent_document_id: Option<DocumentId>,
}

/// A registered document (or an issued program's document row).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    pub id: DocumentId,
    pub issuer_org_id: OrgId,
    pub issuer_path: OrgPath,
    pub issuer_name: String,
    pub doc_type: DocumentType,
    /// The value of the number (`01-NQ/TU` → 1).
    pub number: u32,
    /// The symbol as written: `01-NQ/TU`.
    pub symbol: String,
    pub term: Term,
    pub issued_on: Date,
    pub title: String,
    pub body_md: String,
    pub parent_document_id: Option<DocumentId>,
    /// The resolution at the top of the chain (itself for a resolution): rollups are
    /// keyed by it.
    pub root_document_id: DocumentId,
    pub status: DocumentStatus,
    pub superseded_by: Option<DocumentId>,
    pub created_at: OffsetDateTime,
}

/// A stored target of a document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetRecord {
    pub id: TargetId,
    pub position: u32,
    pub target: Target,
    /// The latest accepted indicator value, and its day.
    pub current_value: Option<f64>,
    pub current_on: Option<Date>,
}

/// What a cascade did: its id, the units it reached, and the units of the scope it
/// skipped because an earlier cascade of the same chain had reached them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CascadeSummary {
    pub id: CascadeId,
    pub reached: u64,
    pub skipped: u64,
}

/// A stored cascade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cascade {
    pub id: CascadeId,
    pub document_id: DocumentId,
    pub root_document_id: DocumentId,
    pub issuer_org_id: OrgId,
    pub scope_root_path: OrgPath,
    pub scope_kinds: Vec<OrgKind>,
    pub include_root: bool,
    pub deadlines: CascadeDeadlines,
    pub unit_count: u64,
    pub created_at: OffsetDateTime,
}

/// One unit reached by a cascade, with its deadlines and facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CascadeUnit {
    pub id: CascadeUnitId,
    pub cascade_id: CascadeId,
    pub root_document_id: DocumentId,
    pub org_id: OrgId,
    pub org_path: OrgPath,
    pub org_name: String,
    pub deadlines: CascadeDeadlines,
    /// The facts, report dates included.
    pub facts: UnitFacts,
    /// The unit's current program, once issued (its `programs` id).
    pub program_id: Option<i64>,
}

/// A unit with at least one overdue milestone on a day, and who answers for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueUnit {
    pub cascade_unit_id: CascadeUnitId,
    pub org_id: OrgId,
    pub org_path: OrgPath,
    pub org_name: String,
    /// Each overdue milestone with its due date, earliest first: study, program, review,
    /// report (`OpenKind::Study` etc. as strings: "study", "program", "review", "report").
    pub overdue: Vec<(&'static str, Date)>,
    /// The unit's secretary (current position), who answers for it.
    pub secretary: Option<(MemberId, String)>,
}

/// A program to draft: a unit's answer to a document of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProgram {
    pub org_id: OrgId,
    /// The document the program implements (any document of the chain).
    pub document_id: DocumentId,
    pub kind: ProgramKind,
    pub title: String,
}

/// A unit's action program or plan, in any version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Program {
    pub id: ProgramId,
    pub org_id: OrgId,
    pub org_path: OrgPath,
    pub org_name: String,
    /// The unit's row in the cascade it answers, when it was reached by one.
    pub cascade_unit_id: Option<CascadeUnitId>,
    pub root_document_id: DocumentId,
    pub kind: ProgramKind,
    pub state: ProgramState,
    pub title: String,
    pub sections: ProgramSections,
    /// Set on issue: the document row with the number and symbol.
    pub document_id: Option<DocumentId>,
    pub symbol: Option<String>,
    pub issued_on: Option<Date>,
    /// The version this one revises, and the one that superseded it.
    pub revises: Option<ProgramId>,
    pub superseded_by: Option<ProgramId>,
    pub created_at: OffsetDateTime,
}

/// A task of a program, with its day-independent state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskRecord {
    pub id: TaskId,
    pub program_id: ProgramId,
    pub position: u32,
    pub draft: TaskDraft,
    pub responsible_name: Option<String>,
    pub status: TaskStatus,
    pub percent: Option<u8>,
    /// Returned updates not yet followed by an accepted one.
    pub returned_count: u32,
    /// Whether it counts on dashboards (its program is the issued version).
    pub counted: bool,
    /// The day it was reported done (its earliest done update not returned), while done.
    pub done_on: Option<Date>,
}

/// The stored rollup of one (organization, root document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollupRow {
    pub org_id: OrgId,
    pub root_document_id: DocumentId,
    pub rollup: Rollup,
}

/// A child organization with its dashboard on a document's chain, on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChildDashboard {
    pub org: Org,
    pub dashboard: Dashboard,
}

/// A task past its deadline, for a dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueTask {
    pub task_id: TaskId,
    pub program_id: ProgramId,
    pub org_id: OrgId,
    pub org_name: String,
    pub content: String,
    pub deadline: Date,
    pub status: TaskStatus,
    pub percent: Option<u8>,
    pub responsible: Option<(MemberId, String)>,
}

/// A target with the subtree's tasks that serve it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetProgress {
    pub target: TargetRecord,
    /// Whether it is a target of the unit's own program (else of the document).
    pub own: bool,
    pub tasks: i64,
    pub tasks_done: i64,
}

/// One point of the progress line: tasks that became done in the week starting `week`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeriesPoint {
    pub week: Date,
    pub done: i64,
}

/// A sibling unit's issued program with its task contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerProgram {
    pub program: Program,
    pub tasks: Vec<String>,
}

/// The issued programs of the units with one parent on one document's chain: what a
/// re-scan assesses together (each is compared with the same upper plan and with the
/// others). `parent` is `None` for programs of root units, which have no siblings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgramGroup {
    pub parent: Option<OrgId>,
    pub root_document_id: DocumentId,
    /// Oldest first.
    pub programs: Vec<ProgramId>,
}

/// An issued program with what its assessment reads besides the upper plan: its tasks and
/// the names of its unit's open children (for the gazetteer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupProgram {
    pub program: Program,
    /// In the order of the task table.
    pub tasks: Vec<TaskRecord>,
    /// Names of the unit's open children that the principal may read.
    pub child_names: Vec<String>,
}

/// The copy verdict of a plan against the plan above it (see the `analysis` crate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyVerdict {
    Copied,
    Adapted,
    Original,
    /// Nothing to compare with (no upper text, or an empty plan).
    Unchecked,
}

impl CopyVerdict {
    pub const ALL: [CopyVerdict; 4] = [
        CopyVerdict::Copied,
        CopyVerdict::Adapted,
        CopyVerdict::Original,
        CopyVerdict::Unchecked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CopyVerdict::Copied => "copied",
            CopyVerdict::Adapted => "adapted",
            CopyVerdict::Original => "original",
            CopyVerdict::Unchecked => "unchecked",
        }
    }

    pub fn parse(s: &str) -> Option<CopyVerdict> {
        CopyVerdict::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A program's plan-quality assessment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub verdict: CopyVerdict,
    /// Share of the plan's own content found in the upper plan or a sibling's, 0..=1.
    pub copied_fraction: f64,
    /// 0..=100.
    pub score: u32,
    /// Whether the upper text was the parent unit's program (else the document).
    pub upper_is_program: bool,
    /// Issued programs of sibling units compared with.
    pub siblings: u32,
    pub assessed_at: OffsetDateTime,
}

impl Assessment {
    /// Below this score a program is flagged on dashboards.
    pub const FLAG_BELOW: u32 = 50;

    /// Copied, or scored under [`Assessment::FLAG_BELOW`].
    pub fn is_flagged(&self) -> bool {
        self.verdict == CopyVerdict::Copied || self.score < Self::FLAG_BELOW
    }
}

/// A flagged program, for a dashboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlaggedProgram {
    pub program_id: ProgramId,
    pub org_id: OrgId,
    pub org_name: String,
    pub symbol: Option<String>,
    pub assessment: Assessment,
}

/// The flagged programs of a subtree, and how many issued programs were assessed.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct FlaggedPrograms {
    pub assessed: i64,
    pub flagged_total: i64,
    pub flagged: Vec<FlaggedProgram>,
}

/// What a recount found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RecountReport {
    /// Rollup rows written.
    pub rows: u64,
    /// Rows whose stored value differed from the rebuilt one (a bug when non-zero).
    pub differing_rows: u64,
    /// Items (cascade units) whose stored state differed from the rebuilt one.
    pub fixed_items: u64,
}

/// An evidence file already stored content-addressed by the web layer (hashed while
/// streaming, type judged from the content by `domain::evidence::check`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceMeta {
    pub key: ContentKey,
    pub kind: EvidenceType,
    /// Bytes.
    pub size: u64,
    /// The uploaded file name (shown, and the stem of the download name).
    pub original_name: String,
}

/// A document's own file (the signed scan, annexes), stored content-addressed like
/// evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentAttachment {
    pub id: i64,
    pub document_id: DocumentId,
    pub key: ContentKey,
    pub kind: EvidenceType,
    /// Bytes.
    pub size: u64,
    pub file_name: String,
    /// Order in the document's list, from 0.
    pub position: u32,
    pub uploaded_by: Option<UserId>,
    pub created_at: OffsetDateTime,
}

/// At most this many attachments per document.
pub const MAX_DOCUMENT_ATTACHMENTS: usize = 50;

/// At most this many evidence files per update.
pub const MAX_EVIDENCE_FILES: usize = 20;

/// A progress update to post on a task: checked with `ProgressUpdate::check`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressInput {
    pub status: TaskStatus,
    pub percent: Option<u8>,
    pub indicator_value: Option<f64>,
    pub note: Option<String>,
    pub evidence: Vec<EvidenceMeta>,
}

/// The supervising office's decision on a pending update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum ReviewDecision {
    Accept,
    /// Returned for correction; the reason is required.
    Return {
        reason: String,
    },
}

/// An evidence file attached to an update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceFile {
    pub id: i64,
    pub key: ContentKey,
    pub kind: EvidenceType,
    pub size: u64,
    pub file_name: String,
}

/// A posted progress update with its review and evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgressRecord {
    pub id: ProgressUpdateId,
    pub task_id: TaskId,
    pub update: ProgressUpdate,
    pub posted_by: Option<UserId>,
    pub posted_by_name: Option<String>,
    pub posted_at: OffsetDateTime,
    pub review: Review,
    pub reviewed_by: Option<UserId>,
    pub reviewed_at: Option<OffsetDateTime>,
    pub evidence: Vec<EvidenceFile>,
}

/// A task with its program and unit, for lists across programs (my tasks, pending
/// reviews).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskContext {
    pub task: TaskRecord,
    pub org_id: OrgId,
    pub org_name: String,
    pub root_document_id: DocumentId,
    pub program_title: String,
    /// The issued program's symbol (`01-CTr/HU`).
    pub program_symbol: Option<String>,
}

/// A pending update awaiting the supervising office, with its task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PendingReview {
    pub progress: ProgressRecord,
    pub context: TaskContext,
}

/// A task the principal's member answers for, with its status on `today`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MyTask {
    pub context: TaskContext,
    /// Overdue is derived from `today`.
    pub effective: EffectiveStatus,
    /// Not done and due within [`MY_TASKS_DUE_SOON_DAYS`] days (not yet overdue).
    pub due_soon: bool,
}

/// "Due soon" on the my-tasks page.
pub const MY_TASKS_DUE_SOON_DAYS: i64 = 14;
/// Deadlines within this many days appear in the notifications.
pub const NOTIFY_WITHIN_DAYS: i64 = 7;

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A task I answer for is due within 7 days (computed).
    TaskDueSoon,
    /// A task I answer for is overdue (computed).
    TaskOverdue,
    /// A milestone of a unit I keep (a grant with EditPeople there) is due within 7 days
    /// or overdue (computed): `milestone` says which.
    UnitDeadline,
    /// A program naming me as responsible was issued (stored event).
    ProgramIssued,
    /// An update on a task I answer for, or that I posted, was returned (stored event).
    UpdateReturned,
    /// … or accepted (stored event).
    UpdateAccepted,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::TaskDueSoon => "task_due_soon",
            NotificationKind::TaskOverdue => "task_overdue",
            NotificationKind::UnitDeadline => "unit_deadline",
            NotificationKind::ProgramIssued => "program_issued",
            NotificationKind::UpdateReturned => "update_returned",
            NotificationKind::UpdateAccepted => "update_accepted",
        }
    }

    pub fn parse(s: &str) -> Option<NotificationKind> {
        [
            NotificationKind::TaskDueSoon,
            NotificationKind::TaskOverdue,
            NotificationKind::UnitDeadline,
            NotificationKind::ProgramIssued,
            NotificationKind::UpdateReturned,
            NotificationKind::UpdateAccepted,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One entry of the notification list. Computed deadlines have no `id` (they go away
/// when the thing is done); stored events have one and can be marked read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub id: Option<i64>,
    pub kind: NotificationKind,
    /// "task", "program", "progress_update" or "cascade_unit".
    pub subject_type: &'static str,
    pub subject_id: i64,
    /// The task's content, the program's title, or the unit's name.
    pub title: String,
    pub org_id: OrgId,
    pub org_name: String,
    /// The deadline concerned (computed entries).
    pub due: Option<Date>,
    /// For `UnitDeadline`: "study", "program", "review" or "report".
    pub milestone: Option<&'static str>,
    /// The return reason (`UpdateReturned`).
    pub reason: Option<String>,
    pub created_at: Option<OffsetDateTime>,
    pub read: bool,
}

#[async_trait]
pub trait ProgramStore: Send + Sync + 'static {
    // ---- Documents -----------------------------------------------------------------------

    /// Registers a document of `issuer`. `Conflict("document_number_taken")` when the
    /// number is used in the same (issuer, type, term); `Invalid` for a symbol that does
    /// not match the type (`number`, `doc_type_mismatch`), an issue date outside the term
    /// (`issued_on`, `date_outside_term`), a missing title.
    async fn register_document(&self, p: &Principal, new: NewDocument) -> Result<Document>;

    async fn document(&self, p: &Principal, id: DocumentId) -> Result<Document>;

    /// Documents issued by a unit, newest first.
    async fn documents(&self, p: &Principal, issuer: OrgId, page: Page) -> Result<Vec<Document>>;

    /// Replaces a document's targets (checked with `Target::check` against its issue
    /// date). Rows keep their ids by position.
    async fn set_document_targets(
        &self,
        p: &Principal,
        id: DocumentId,
        targets: Vec<Target>,
    ) -> Result<Vec<TargetRecord>>;

    async fn document_targets(&self, p: &Principal, id: DocumentId) -> Result<Vec<TargetRecord>>;

    /// Attaches a file to a document, last in its list (EditOrgs on the issuer). The file
    /// is already stored content-addressed by the caller (type judged from the content);
    /// the blob row is shared with evidence. `Invalid` for an empty or too large file
    /// (`file`, `evidence_empty` / `evidence_too_large`), a name over 200 characters
    /// (`file`, `too_long`) or more than [`MAX_DOCUMENT_ATTACHMENTS`] files (`file`,
    /// `too_many_files`). Audited.
    async fn attach_document_file(
        &self,
        p: &Principal,
        document: DocumentId,
        file: EvidenceMeta,
    ) -> Result<DocumentAttachment>;

    /// A document's attachments in order (whoever may read the document).
    async fn document_attachments(
        &self,
        p: &Principal,
        document: DocumentId,
    ) -> Result<Vec<DocumentAttachment>>;

    // ---- Cascades ------------------------------------------------------------------------

    /// Cascades a document to the units of a scope with deadlines, set-based: one
    /// `cascade_units` row per open unit of the scope not yet reached in the document's
    /// chain, and the rollups of every ancestor initialized in the same transaction.
    async fn create_cascade(
        &self,
        p: &Principal,
        document: DocumentId,
        scope: CascadeScope,
        deadlines: CascadeDeadlines,
    ) -> Result<CascadeSummary>;

    async fn cascade(&self, p: &Principal, id: CascadeId) -> Result<Cascade>;

    /// Cascades of a document, oldest first.
    async fn document_cascades(&self, p: &Principal, document: DocumentId) -> Result<Vec<Cascade>>;

    /// Units reached by a cascade that the principal may read, by path.
    async fn cascade_units(
        &self,
        p: &Principal,
        cascade: CascadeId,
        page: Page,
    ) -> Result<Vec<CascadeUnit>>;

    async fn cascade_unit(&self, p: &Principal, id: CascadeUnitId) -> Result<CascadeUnit>;

    /// The unit's row in a document chain, if it was reached.
    async fn cascade_unit_of(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Option<CascadeUnit>>;

    /// Records that a unit studied the document on a day (a later call corrects the day).
    async fn record_study(
        &self,
        p: &Principal,
        unit: CascadeUnitId,
        on: Date,
    ) -> Result<CascadeUnit>;

    // ---- Programs ------------------------------------------------------------------------

    /// Starts a draft program of a unit for a document's chain (EditOrgs on the unit). When
    /// the unit has an issued version, the draft revises it.
    async fn create_program_draft(&self, p: &Principal, new: NewProgram) -> Result<Program>;

    async fn program(&self, p: &Principal, id: ProgramId) -> Result<Program>;

    /// The versions of a unit's program for a document's chain, oldest first.
    async fn unit_programs(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Vec<Program>>;

    /// Saves a draft's free-text sections (incomplete allowed). `Invalid` (`state`,
    /// `program_not_draft`) once issued.
    async fn save_program_sections(
        &self,
        p: &Principal,
        id: ProgramId,
        sections: ProgramSections,
    ) -> Result<Program>;

    /// Replaces a draft's whole task table (incomplete tasks allowed). A responsible
    /// person outside the unit's subtree is `Invalid` (`tasks[i].responsible`,
    /// `responsible_outside_unit`); an unknown upper target (`tasks[i].upper_target`,
    /// `bad_choice`).
    async fn save_tasks(
        &self,
        p: &Principal,
        id: ProgramId,
        tasks: Vec<TaskDraft>,
    ) -> Result<Vec<TaskRecord>>;

    async fn program_tasks(&self, p: &Principal, id: ProgramId) -> Result<Vec<TaskRecord>>;

    /// Issues a draft on a day: `program::check_issue` and the responsible people, the
    /// next number of the unit's series for the type and term (`15-CTr/HU`), a document
    /// row, the previous issued version superseded (its tasks stop counting), the new tasks
    /// counted and the unit's program milestone done, all in one transaction.
    async fn issue_program(&self, p: &Principal, id: ProgramId, issued_on: Date)
    -> Result<Program>;

    /// A new draft from the issued version, with its sections and tasks copied.
    async fn revise_program(&self, p: &Principal, id: ProgramId) -> Result<Program>;

    // ---- Dashboards ----------------------------------------------------------------------

    /// The dashboard of a unit for a document's chain on `today`: two reads of the rollups.
    /// A readable unit the chain does not reach has an empty dashboard.
    async fn dashboard(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: Date,
    ) -> Result<Dashboard>;

    /// Units of the subtree with an overdue milestone on `today`, by path, with the
    /// unit's secretary.
    async fn overdue_units(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: Date,
        page: Page,
    ) -> Result<Vec<OverdueUnit>>;

    /// The stored rollup rows of a document's chain that the principal may read, by org.
    async fn rollups(&self, p: &Principal, document: DocumentId) -> Result<Vec<RollupRow>>;

    /// The children of `org` (open and closed) that have a rollup on the document's chain,
    /// with their dashboards on `today`: one row per child of a dashboard's drill-down,
    /// read by the children's index, not by scanning the document's rollups, and with the
    /// open items due before `today` summed by the database (a child's dues by date are
    /// hundreds of rows).
    async fn child_dashboards(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: Date,
    ) -> Result<Vec<ChildDashboard>>;

    /// Counted tasks of the subtree past their deadline on `today` and not done, oldest
    /// deadline first, with the member who answers for each.
    async fn overdue_tasks(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: Date,
        page: Page,
    ) -> Result<Vec<OverdueTask>>;

    /// The targets a dashboard compares with their values: the document's own targets,
    /// then those of the unit's current program for the document's chain (if `org` has
    /// one), each with the counted tasks of the subtree that serve it and how many are done.
    async fn targets_progress(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Vec<TargetProgress>>;

    /// Tasks of the subtree that became done, per week (Monday) of their first accepted
    /// or pending "done" update, oldest first: the points of the progress line.
    async fn progress_series(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Vec<SeriesPoint>>;

    // ---- Plan quality (issue 4) ----------------------------------------------------------

    /// Keeps the latest plan-quality assessment of a program (derived data, recomputed on
    /// issue and by `resolute rescan-plans`; not an official record, so not audited).
    /// Needs read access to the program.
    async fn save_assessment(
        &self,
        p: &Principal,
        program: ProgramId,
        assessment: &Assessment,
    ) -> Result<()>;

    /// Keeps the assessments of several programs (a re-scan's group) in one transaction,
    /// each as [`ProgramStore::save_assessment`] does; if one program is not readable
    /// (`NotFound`), none is saved.
    async fn save_assessments(
        &self,
        p: &Principal,
        assessments: &[(ProgramId, Assessment)],
    ) -> Result<()>;

    /// The issued programs of the sibling units (same parent) on the same document chain
    /// that the principal may read, with their task contents: what a plan is compared with
    /// besides the plan above it.
    async fn peer_programs(&self, p: &Principal, program: ProgramId) -> Result<Vec<PeerProgram>>;

    /// Ids of the issued programs the principal may read, oldest first: what
    /// `resolute rescan-plans` assesses again.
    async fn issued_programs(&self, p: &Principal) -> Result<Vec<ProgramId>>;

    /// The issued programs the principal may read, grouped by (parent unit, root
    /// document), groups by parent then document: what `resolute rescan-plans` assesses
    /// group by group.
    async fn issued_program_groups(&self, p: &Principal) -> Result<Vec<ProgramGroup>>;

    /// The issued programs of `parent`'s children on `root_document`'s chain that the
    /// principal may read, by org path, each with its tasks and its unit's children's names:
    /// a whole group in three queries. Every program of a group has the others as its
    /// `peer_programs`. The parent need not be readable.
    async fn program_group(
        &self,
        p: &Principal,
        parent: OrgId,
        root_document: DocumentId,
    ) -> Result<Vec<GroupProgram>>;

    /// The stored assessment of a program, if any.
    async fn assessment(&self, p: &Principal, program: ProgramId) -> Result<Option<Assessment>>;

    /// Issued programs of the subtree on the document's chain whose assessment is flagged
    /// (`Assessment::is_flagged`), worst first, and how many were assessed in all.
    async fn flagged_programs(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        page: Page,
    ) -> Result<FlaggedPrograms>;

    // ---- Progress ------------------------------------------------------------------------

    /// Posts a progress update on a task of an issued program (the responsible member, or
    /// EditPeople on the program's unit). `Invalid` for the rules of
    /// `ProgressUpdate::check`, evidence over the limits (`evidence[i].file`,
    /// `evidence_too_large` / `evidence_empty` / `too_long`), or a task whose program is
    /// not the issued version (`task`, `task_not_current`). The task's status and the
    /// rollups of its ancestor chain change in the same transaction.
    async fn post_progress(
        &self,
        p: &Principal,
        task: TaskId,
        input: ProgressInput,
    ) -> Result<ProgressRecord>;

    /// Accepts or returns a pending update (EditOrgs on the supervising unit). A returned
    /// update counts in `returned_updates` until a later update of the task is accepted;
    /// the task's status is that of its latest update not returned.
    async fn review_progress(
        &self,
        p: &Principal,
        update: ProgressUpdateId,
        decision: ReviewDecision,
    ) -> Result<ProgressRecord>;

    /// A task's updates, oldest first, with their evidence.
    async fn task_progress(&self, p: &Principal, task: TaskId) -> Result<Vec<ProgressRecord>>;

    /// One task, readable by Read on its unit or by its responsible member.
    async fn task(&self, p: &Principal, task: TaskId) -> Result<TaskContext>;

    /// Pending updates the office of `org` reviews (tasks of its children's programs, and
    /// its own when it is a root), oldest first. Needs EditOrgs on `org`.
    async fn pending_reviews(
        &self,
        p: &Principal,
        org: OrgId,
        page: Page,
    ) -> Result<Vec<PendingReview>>;

    /// The counted tasks the principal's member answers for (none without a member):
    /// overdue first, then by deadline.
    async fn my_tasks(&self, p: &Principal, today: Date) -> Result<Vec<MyTask>>;

    /// Deadlines that concern the principal on `today` (computed: my tasks due within
    /// [`NOTIFY_WITHIN_DAYS`] days or overdue, open milestones of the units where I hold
    /// EditPeople) first, by due date; then stored events (programs issued, updates
    /// returned or accepted), newest first, at most 100.
    async fn notifications(&self, p: &Principal, today: Date) -> Result<Vec<Notification>>;

    /// Marks the principal's own stored notifications read; another user's id is
    /// `NotFound`. Returns how many changed.
    async fn mark_notifications_read(&self, p: &Principal, ids: Vec<i64>) -> Result<u64>;

    // ---- Maintenance ---------------------------------------------------------------------

    /// Rebuilds every rollup from the records (system principal only).
    async fn recount_programs(&self, p: &Principal) -> Result<RecountReport>;
}
