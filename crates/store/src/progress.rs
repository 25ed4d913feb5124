//! Progress (issue 3): updates posted on the tasks of issued programs, with evidence, and
//! the supervising office's decision on each; my tasks and notifications.
//!
//! Posting progress on a task of an issued program: the task's responsible member
//! (`Principal::member_id`, who may also read the task without a grant) or `EditPeople`
//! on the program's unit (offices and secretaries). Deciding on an update needs
//! `EditOrgs` on the *supervising* unit: the parent of the program's unit, or the unit
//! itself for a root (the province decides on its own).

use crate::{Page, Result, TaskRecord};
use async_trait::async_trait;
use domain::{
    Acceptance, ContentKey, DocumentId, EffectiveStatus, EvidenceType, OrgId, Principal,
    ProgressUpdate, ProgressUpdateId, TaskId, TaskStatus, UserId,
};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

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

/// At most this many evidence files per update.
pub const MAX_EVIDENCE_FILES: usize = domain::progress::MAX_EVIDENCE_FILES;

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
pub enum AcceptanceDecision {
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

/// A posted progress update with the supervising office's decision and its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgressRecord {
    pub id: ProgressUpdateId,
    pub task_id: TaskId,
    pub update: ProgressUpdate,
    pub posted_by: Option<UserId>,
    pub posted_by_name: Option<String>,
    pub posted_at: OffsetDateTime,
    pub acceptance: Acceptance,
    /// Who decided on the update and when (stored as `reviewed_by`, `reviewed_at`).
    pub decided_by: Option<UserId>,
    pub decided_at: Option<OffsetDateTime>,
    pub evidence: Vec<EvidenceFile>,
}

/// A task with its program and unit, for lists across programs (my tasks, pending
/// acceptances).
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
pub struct PendingAcceptance {
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

/// Posting and deciding on progress; a member's tasks and notifications.
#[async_trait]
pub trait ProgressStore: Send + Sync + 'static {
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
    async fn decide_progress(
        &self,
        p: &Principal,
        update: ProgressUpdateId,
        decision: AcceptanceDecision,
    ) -> Result<ProgressRecord>;

    /// A task's updates, oldest first, with their evidence.
    async fn task_progress(&self, p: &Principal, task: TaskId) -> Result<Vec<ProgressRecord>>;

    /// One task, readable by Read on its unit or by its responsible member.
    async fn task(&self, p: &Principal, task: TaskId) -> Result<TaskContext>;

    /// Pending updates the office of `org` decides on (tasks of its children's programs, and
    /// its own when it is a root), oldest first. Needs EditOrgs on `org`.
    async fn pending_acceptances(
        &self,
        p: &Principal,
        org: OrgId,
        page: Page,
    ) -> Result<Vec<PendingAcceptance>>;

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
}
