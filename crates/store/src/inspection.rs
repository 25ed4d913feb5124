//! Inspection and supervision (issue 16): a body's program for the year, its items, the
//! subjects' self-reports, findings, the conclusion notice, recommendations followed to
//! closure as tasks of the acting unit's program, the dashboard and the suggestions.
//!
//! Who acts for a body is `domain::inspection::acts_for` (the body's roles at its unit or
//! above). What an item shows to whom is `domain::inspection::sight`: the team and the
//! body see everything; the subject's readers see the item and, once concluded, its
//! findings and recommendations; anyone else gets `NotFound`. A recommendation is also
//! seen by the readers of its acting unit. Every write is audited (entities
//! `inspection_program`, `inspection_item`, `inspection_subject`, `inspection_finding`,
//! `inspection_recommendation`). Nothing is deleted. See docs/INSPECTION.md.

use crate::{EvidenceFile, EvidenceMeta, Result};
use async_trait::async_trait;
use domain::inspection::{
    AboutKind, BodyKind, FindingKind, ItemKind, ItemState, Reason, RecState, Sight, TeamRole,
};
use domain::{DocumentId, MemberId, OrgId, OrgPath, Principal, ProgramId, TaskId, UserId};
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// The most tasks the item form offers to name (the subjects' programs rarely hold more;
/// an item naming a district looks at its own program, not every commune's).
pub const ITEM_TASK_CHOICES: usize = 300;

/// A body's program of inspection and supervision for a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInspectionProgram {
    pub org_id: OrgId,
    pub body: BodyKind,
    pub year: i32,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectionProgram {
    pub id: i64,
    pub org_id: OrgId,
    pub org_path: OrgPath,
    pub org_name: String,
    pub body: BodyKind,
    pub year: i32,
    pub title: String,
    pub created_at: OffsetDateTime,
}

/// An item to add to a program. Subjects are units, or members holding a position in one
/// (`member`); the team names members with their roles.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewItem {
    pub kind: Option<ItemKind>,
    pub title: String,
    /// What is inspected or supervised, in words (markdown).
    pub content: String,
    /// The resolution whose implementation is looked at, if any: recommendations become
    /// tasks of the acting unit's program on this document's chain.
    pub document_id: Option<DocumentId>,
    /// A program looked at, if any.
    pub content_program_id: Option<ProgramId>,
    /// Named tasks looked at: tasks of programs of the subject units (or units under
    /// them), in the order given.
    pub tasks: Vec<TaskId>,
    pub subjects: Vec<(OrgId, Option<MemberId>)>,
    pub team: Vec<(MemberId, TeamRole)>,
    pub period_from: Option<Date>,
    pub period_to: Option<Date>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectionFile {
    pub id: i64,
    pub file: EvidenceFile,
}

/// A subject of an item, with its self-report once submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemSubject {
    pub id: i64,
    pub org_id: OrgId,
    pub org_path: OrgPath,
    pub org_name: String,
    pub member_id: Option<MemberId>,
    pub member_name: Option<String>,
    pub report: Option<String>,
    pub reported_at: Option<OffsetDateTime>,
    pub files: Vec<InspectionFile>,
}

/// A task an item names as its content (or one the item form offers), as it stands in
/// its program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemTask {
    pub id: TaskId,
    pub program_id: ProgramId,
    pub program_title: String,
    /// Whether the program is the unit's issued version (false: revised since).
    pub current: bool,
    pub org_id: OrgId,
    pub org_name: String,
    pub position: u32,
    pub content: String,
    pub responsible_name: Option<String>,
    pub deadline: Option<Date>,
    pub status: domain::TaskStatus,
    pub percent: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamMember {
    pub member_id: MemberId,
    pub name: String,
    pub role: TeamRole,
}

/// A finding to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFinding {
    pub subject_id: i64,
    pub kind: FindingKind,
    pub about: AboutKind,
    pub about_id: Option<i64>,
    /// A program's section (`purpose`, `tasks_and_solutions`, `organization`).
    pub about_part: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: i64,
    pub subject_id: i64,
    pub kind: FindingKind,
    pub about: AboutKind,
    pub about_id: Option<i64>,
    pub about_part: Option<String>,
    /// What the reference names (a task's content, a document's symbol), when readable.
    pub about_label: Option<String>,
    pub text: String,
    /// The same subject unit had a shortcoming or violation on the same thing at an
    /// earlier concluded item.
    pub recurring: bool,
    pub created_at: OffsetDateTime,
}

/// A recommendation of a conclusion, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewRecommendation {
    pub acting_org_id: Option<OrgId>,
    pub text: String,
    pub deadline: Option<Date>,
}

/// Concluding an item: the day, the conclusion's text, the recommendations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conclusion {
    pub concluded_on: Date,
    pub text: String,
    pub recommendations: Vec<NewRecommendation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Remediation {
    pub id: i64,
    pub note: String,
    pub posted_by: Option<UserId>,
    pub posted_by_name: Option<String>,
    pub posted_at: OffsetDateTime,
    /// `verified` or `returned`, once decided.
    pub decision: Option<String>,
    pub reason: Option<String>,
    pub decided_at: Option<OffsetDateTime>,
    pub files: Vec<InspectionFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    pub id: i64,
    pub item_id: i64,
    pub item_title: String,
    pub body: BodyKind,
    pub body_org_name: String,
    pub notice_symbol: Option<String>,
    pub position: u32,
    pub acting_org_id: OrgId,
    pub acting_path: OrgPath,
    pub acting_org_name: String,
    pub text: String,
    pub deadline: Date,
    pub concluded_on: Date,
    pub state: RecState,
    pub responsible_member_id: Option<MemberId>,
    pub responsible_name: Option<String>,
    pub task_id: Option<TaskId>,
    pub program_id: Option<ProgramId>,
    pub closed_on: Option<Date>,
    pub remediations: Vec<Remediation>,
    /// What the viewer may do: adopt and report (acting unit), verify and return (body).
    pub may_act_unit: bool,
    pub may_verify: bool,
}

/// An item as one viewer may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub id: i64,
    pub program_id: i64,
    pub org_id: OrgId,
    pub org_path: OrgPath,
    pub org_name: String,
    pub body: BodyKind,
    pub kind: ItemKind,
    pub title: String,
    pub content: String,
    pub document_id: Option<DocumentId>,
    pub document_symbol: Option<String>,
    pub content_program_id: Option<ProgramId>,
    pub content_program_title: Option<String>,
    pub period_from: Option<Date>,
    pub period_to: Option<Date>,
    pub starts_on: Date,
    pub ends_on: Date,
    pub self_report_due: Option<Date>,
    pub state: ItemState,
    pub notified_on: Option<Date>,
    pub reported_on: Option<Date>,
    pub concluded_on: Option<Date>,
    /// The conclusion notice's number and symbol (`05-TB/UBKTTU`).
    pub notice_symbol: Option<String>,
    pub conclusion: Option<String>,
    /// The day the rules' time limit ends, counted from the report (or the notice).
    pub conclusion_due: Option<Date>,
    pub subjects: Vec<ItemSubject>,
    /// The named tasks looked at, in their order.
    pub tasks: Vec<ItemTask>,
    pub team: Vec<TeamMember>,
    /// Empty when the viewer may not see findings yet.
    pub findings: Vec<Finding>,
    pub recommendations: Vec<Recommendation>,
    pub sight: Sight,
}

/// One line of a list of items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemSummary {
    pub id: i64,
    pub program_id: i64,
    pub org_name: String,
    pub body: BodyKind,
    pub kind: ItemKind,
    pub title: String,
    pub subjects: Vec<String>,
    pub starts_on: Date,
    pub ends_on: Date,
    pub state: ItemState,
    pub self_report_due: Option<Date>,
    pub notice_symbol: Option<String>,
}

/// A unit's coverage line on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverageRow {
    pub org_id: OrgId,
    pub org_name: String,
    /// The last concluded item naming the unit (or a unit under it) this term.
    pub last_concluded: Option<Date>,
    pub items: u32,
}

/// An open recommendation on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenRecommendation {
    pub id: i64,
    pub acting_org_name: String,
    pub text: String,
    pub state: RecState,
    pub deadline: Date,
    pub age_days: i64,
    pub age_band: &'static str,
    pub responsible_name: Option<String>,
    pub overdue: bool,
}

/// The inspection dashboard of a subtree for a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InspectionDashboard {
    pub org_id: OrgId,
    pub org_name: String,
    pub year: i32,
    /// Items of the year run by bodies in the subtree: planned (all), done (concluded).
    pub planned: u32,
    pub done: u32,
    /// Per kind: (kind, planned, done).
    pub by_kind: Vec<(ItemKind, u32, u32)>,
    /// The subtree root's children: inspected or supervised this term or never.
    pub coverage: Vec<CoverageRow>,
    pub never_inspected: u32,
    /// Open recommendations for units in the subtree, oldest first.
    pub open: Vec<OpenRecommendation>,
    /// Counts by age band (`0_30`, `31_90`, `91_180`, `over_180`).
    pub open_by_age: Vec<(&'static str, u32)>,
    pub overdue: u32,
    /// Shortcomings and violations of the year's concluded items, and those among them
    /// that recur (the same unit, the same thing, at an earlier conclusion).
    pub adverse_findings: u32,
    pub recurring_findings: u32,
}

/// A unit suggested for supervision, with its reasons from the record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub org_id: OrgId,
    pub org_name: String,
    pub org_path: OrgPath,
    pub weight: u32,
    pub reasons: Vec<Reason>,
}

#[async_trait]
pub trait InspectionStore: Send + Sync + 'static {
    /// Starts a body's program for a year: the principal acts for the body at the unit
    /// (`Forbidden` otherwise; `NotFound` outside the read scope). One per body and year
    /// (`Conflict("inspection_program_exists")`).
    async fn create_inspection_program(
        &self,
        p: &Principal,
        new: NewInspectionProgram,
    ) -> Result<InspectionProgram>;

    /// The programs of the bodies the principal acts for at a unit (newest year first).
    async fn inspection_programs(
        &self,
        p: &Principal,
        org: OrgId,
    ) -> Result<Vec<InspectionProgram>>;

    /// A program and its items, for those who act for its body.
    async fn inspection_program(
        &self,
        p: &Principal,
        id: i64,
    ) -> Result<(InspectionProgram, Vec<ItemSummary>)>;

    /// The positions held now at a unit and at its children, each with the holder's
    /// name, by unit then name (at most 300): the members the item form offers as
    /// subjects (`NewItem::subjects` with a member).
    async fn subject_positions(
        &self,
        p: &Principal,
        org: OrgId,
    ) -> Result<Vec<(crate::Position, String)>>;

    /// Adds an item (`domain::inspection::check_item` and the field checks; subjects,
    /// members and documents must exist and be readable).
    async fn add_inspection_item(&self, p: &Principal, program: i64, new: NewItem) -> Result<Item>;

    /// The tasks an item's team or body may name as its content: those of the issued
    /// programs of its subject units (on the item's document chain when it names one),
    /// by unit, program and position, at most `ITEM_TASK_CHOICES`.
    async fn item_task_choices(&self, p: &Principal, item: i64) -> Result<Vec<ItemTask>>;

    /// Sets what a planned item looks at: the program (or none) and the named tasks (team
    /// or body; `Conflict("item_tasks_fixed")` once notified: the subjects were sent what
    /// is looked at). The program and each task must belong to a subject unit or a unit
    /// under it (`Invalid(program_id, bad_choice)`, `Invalid(tasks, task_outside_subjects)`).
    async fn set_item_content(
        &self,
        p: &Principal,
        item: i64,
        program: Option<ProgramId>,
        tasks: Vec<TaskId>,
    ) -> Result<Item>;

    /// An item as the principal may see it (`domain::inspection::sight`).
    async fn inspection_item(&self, p: &Principal, id: i64, today: Date) -> Result<Item>;

    /// Sends the decision and plan to the subjects: planned → notified, with the day the
    /// self-report is due (required for kinds with a self-report, on or after `on`).
    async fn notify_inspection_item(
        &self,
        p: &Principal,
        id: i64,
        on: Date,
        self_report_due: Option<Date>,
    ) -> Result<Item>;

    /// A subject's self-report with evidence, by its unit's office or secretary, while
    /// the item is notified. When every subject has reported, the item is reported.
    async fn submit_self_report(
        &self,
        p: &Principal,
        subject: i64,
        text: String,
        files: Vec<EvidenceMeta>,
        today: Date,
    ) -> Result<Item>;

    /// The item of a subject, if the principal may see it.
    async fn subject_item_id(&self, p: &Principal, subject: i64) -> Result<i64>;

    /// Items naming a unit of the subtree of `org` as subject, that the principal may see
    /// (the subject's view: what is asked of it), and items run by bodies at `org` the
    /// principal acts for.
    async fn unit_inspection_items(&self, p: &Principal, org: OrgId) -> Result<Vec<ItemSummary>>;

    /// Records a finding (team or body only; not once concluded).
    async fn add_finding(&self, p: &Principal, item: i64, new: NewFinding) -> Result<Finding>;

    /// Concludes an item: `domain::inspection::check_conclusion`, the notice's next number
    /// in the body's series of the year, the recommendations open. All or nothing.
    async fn conclude_inspection_item(
        &self,
        p: &Principal,
        item: i64,
        conclusion: Conclusion,
    ) -> Result<Item>;

    async fn recommendation(&self, p: &Principal, id: i64) -> Result<Recommendation>;

    /// Recommendations whose acting unit is in the subtree of `org`, readable by the
    /// principal (concluded items only), open first.
    async fn unit_recommendations(&self, p: &Principal, org: OrgId) -> Result<Vec<Recommendation>>;

    /// The acting unit makes a recommendation a follow-up task answered for by
    /// `responsible` (a member of its subtree): a revision of its issued program on the
    /// item's document chain with the task added, issued on `today`, linked.
    /// `Invalid(responsible, required)`; `Conflict("recommendation_no_program")` when the
    /// unit has no issued program on that chain.
    async fn adopt_recommendation(
        &self,
        p: &Principal,
        id: i64,
        responsible: Option<MemberId>,
        today: Date,
    ) -> Result<Recommendation>;

    /// The acting unit reports remediation with evidence (note required).
    async fn report_remediation(
        &self,
        p: &Principal,
        id: i64,
        note: String,
        files: Vec<EvidenceMeta>,
    ) -> Result<Recommendation>;

    /// The inspecting body verifies (and closes) or returns the latest remediation.
    async fn decide_remediation(
        &self,
        p: &Principal,
        id: i64,
        verify: bool,
        reason: Option<String>,
        today: Date,
    ) -> Result<Recommendation>;

    /// A file of a self-report or remediation, if the principal may see its owner.
    async fn inspection_file(&self, p: &Principal, file: i64, today: Date) -> Result<EvidenceFile>;

    /// The dashboard of a subtree for a year (`today` decides what is overdue).
    async fn inspection_dashboard(
        &self,
        p: &Principal,
        org: OrgId,
        year: i32,
        today: Date,
    ) -> Result<InspectionDashboard>;

    /// Units of the subtree suggested for supervision, ranked, each with its reasons.
    async fn supervision_suggestions(
        &self,
        p: &Principal,
        org: OrgId,
        today: Date,
        limit: usize,
    ) -> Result<Vec<Suggestion>>;
}
