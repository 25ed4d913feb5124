//! Reports and reviews (issue 13): a unit's periodic reports on a document's chain, its
//! interim review (sơ kết) and final review (tổng kết), each with a factual part generated
//! from the record, four written sections, and for reviews the conference, the signed
//! document and the decisions; the upper level's view of its lower units' reports.
//!
//! A unit writes its own reports (`EditPeople` on the unit itself:
//! `domain::report::may_write`); the levels above read them; nobody else sees them.
//! Submitting freezes a report and, for a periodic one, fills its period in the cascade's
//! report ledger (on time or late) in the same transaction as the rollups.

use crate::{CascadeUnitId, EvidenceMeta, Result};
use async_trait::async_trait;
use domain::report::{
    Conference, Decision, DecisionKind, DuePeriod, ReportKind, ReportPeriod, ReportSections,
    ReportState,
};
use domain::{
    CascadeDeadlines, ContentKey, Dashboard, DocumentId, EvidenceType, OrgId, OrgPath, Principal,
    ProgramId, TaskId,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, OffsetDateTime};

/// A report's id (`reports` row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReportId(pub i64);

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The study figures of the factual part (the subtree's members and what they did).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudyFacts {
    pub members: i64,
    pub key_cadres: i64,
    pub studied: i64,
    pub key_cadres_studied: i64,
    pub made_up: i64,
    pub makeup_sessions: i64,
    pub checks_taken: i64,
    pub checks_passed: i64,
    pub reflections_on_time: i64,
    pub reflections_late: i64,
    pub reflections_good: i64,
}

impl StudyFacts {
    pub fn percent(&self) -> u32 {
        domain::study::percent(self.studied, self.members)
    }
}

/// The unit's own program on the chain, in the factual part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramFacts {
    pub symbol: Option<String>,
    pub issued_on: Option<Date>,
    /// The cascade's program deadline, when the unit was reached by one.
    pub due: Option<Date>,
    pub late: bool,
    /// Issued versions after the first.
    pub revisions: u32,
}

/// An overdue task and who answers for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueFact {
    pub task_id: TaskId,
    pub org_name: String,
    pub content: String,
    pub deadline: Date,
    pub responsible: Option<String>,
}

/// A target with its baseline, value and goal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetFact {
    pub indicator: String,
    pub unit: String,
    pub baseline: Option<f64>,
    pub value: Option<f64>,
    pub goal: f64,
    /// A target of the unit's own program (else of the document).
    pub own: bool,
}

/// A task reported done without evidence, or whose evidence was returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceGap {
    pub task_id: TaskId,
    pub org_name: String,
    pub content: String,
    /// Its latest "done" update was returned (else: accepted or pending without a file).
    pub returned: bool,
}

/// A finding of an inspection or supervision concluded in the period, about a unit of the
/// subtree (only concluded items: findings before the conclusion stay with the team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionFinding {
    pub item_id: i64,
    pub item_title: String,
    /// The conclusion notice (`05-TB/UBKTTU`).
    pub notice_symbol: Option<String>,
    pub concluded_on: Date,
    /// The unit the finding is about (the subject).
    pub org_name: String,
    pub kind: domain::inspection::FindingKind,
    pub text: String,
}

/// A recommendation to a unit of the subtree not closed yet, with who answers for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenRecommendationFact {
    pub id: i64,
    pub notice_symbol: Option<String>,
    pub acting_org_name: String,
    pub text: String,
    pub deadline: Date,
    pub state: domain::inspection::RecState,
    pub responsible: Option<String>,
    /// Its deadline passed before the figures' day.
    pub overdue: bool,
}

/// Inspection findings and open recommendations about the subtree (issue 16 feeding issue
/// 13): the findings of items on the report's chain (or on no document) concluded within
/// the period, and the recommendations of such items concluded by the period's end that
/// are not closed on the figures' day. Lists are bounded; the totals are exact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionFacts {
    pub items_concluded: i64,
    pub findings: Vec<InspectionFinding>,
    pub findings_total: i64,
    pub open_recommendations: Vec<OpenRecommendationFact>,
    pub open_total: i64,
    pub open_overdue: i64,
}

/// The factual part of a report, generated from the record for a unit's subtree and a
/// period; frozen into the report when it is submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportFacts {
    pub org_id: OrgId,
    pub org_name: String,
    pub document_id: DocumentId,
    pub document_symbol: String,
    pub document_title: String,
    pub period_start: Date,
    pub period_end: Date,
    /// The day the figures were read (their "as of").
    pub as_of: Date,
    /// The subtree's dashboard on `as_of`: units reached, studied, programs, reports, tasks.
    pub dashboard: Dashboard,
    pub study: StudyFacts,
    pub program: Option<ProgramFacts>,
    /// Counted tasks that became done within the period.
    pub tasks_done_in_period: i64,
    /// Progress updates posted in the subtree within the period, and the days they were
    /// posted in the last days before the due day (for the last-minute signal).
    pub updates_in_period: i64,
    pub updates_last_minute: i64,
    pub overdue_tasks: Vec<OverdueFact>,
    pub overdue_total: i64,
    pub targets: Vec<TargetFact>,
    pub evidence_gaps: Vec<EvidenceGap>,
    /// Lower units' reports for the same period: (submitted, of which late, reached).
    pub lower_reports: (i64, i64, i64),
    /// `None` only in factual parts frozen before inspection facts were read.
    #[serde(default)]
    pub inspection: Option<InspectionFacts>,
}

/// A decision of a review as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub id: i64,
    pub decision: Decision,
    /// The program draft a task decision was added to.
    pub program_id: Option<ProgramId>,
}

/// A stored report or review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRecord {
    pub id: ReportId,
    pub org_id: OrgId,
    pub org_path: OrgPath,
    pub org_name: String,
    pub root_document_id: DocumentId,
    pub document_symbol: String,
    pub document_title: String,
    pub cascade_unit_id: Option<CascadeUnitId>,
    pub kind: ReportKind,
    pub period: ReportPeriod,
    pub state: ReportState,
    pub supersedes: Option<ReportId>,
    pub superseded_by: Option<ReportId>,
    /// `12-BC/HU`, once submitted.
    pub symbol: Option<String>,
    pub sections: ReportSections,
    /// The frozen factual part, once submitted.
    pub facts: Option<ReportFacts>,
    pub conference: Option<Conference>,
    /// The signed review document (content key, type, file name).
    pub file: Option<(ContentKey, EvidenceType, String)>,
    pub decisions: Vec<DecisionRecord>,
    pub submitted_on: Option<Date>,
    pub late: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A report in a list (no sections, no facts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportSummary {
    pub id: ReportId,
    pub org_id: OrgId,
    pub org_name: String,
    pub kind: ReportKind,
    pub period: ReportPeriod,
    pub state: ReportState,
    pub symbol: Option<String>,
    pub submitted_on: Option<Date>,
    pub late: bool,
}

/// A unit's reports on a chain: its reporting schedule with each period's state, and
/// every report and review it wrote (newest first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitReports {
    pub org_id: OrgId,
    pub org_name: String,
    pub org_path: OrgPath,
    pub document_id: DocumentId,
    pub document_symbol: String,
    pub document_title: String,
    pub document_issued_on: Date,
    /// The schedule the unit reports on (its cascade's, or the first cascade it issued).
    pub deadlines: Option<CascadeDeadlines>,
    pub due: Vec<DuePeriod>,
    pub reports: Vec<ReportSummary>,
    /// Whether the principal may write this unit's reports.
    pub can_write: bool,
}

/// Starting a report: the unit, the chain, the kind and the period (a periodic report
/// names the first day of a period of its schedule; a review the last day it covers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub org: OrgId,
    pub document: DocumentId,
    pub kind: ReportKind,
    /// Periodic: the period's first day. Reviews: ignored (the document's issue day).
    pub period_start: Date,
    /// Reviews: the last day covered. Periodic: ignored (the period's end).
    pub period_end: Date,
    pub today: Date,
}

/// What a draft's form saves. `conference` and `decisions` only for reviews.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportInput {
    pub sections: ReportSections,
    pub conference: Option<Conference>,
    pub decisions: Vec<Decision>,
}

/// The upper level's draft material: its lower units' reports for one period, and the
/// units reached that did not report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gathered {
    pub org_id: OrgId,
    pub org_name: String,
    pub document_id: DocumentId,
    pub document_symbol: String,
    pub kind: ReportKind,
    pub period_start: Date,
    pub reports: Vec<ReportRecord>,
    /// Children reached on the chain without a submitted report: (id, name).
    pub missing: Vec<(OrgId, String)>,
}

/// The texts a report is compared with for the copy signal.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ReportPeers {
    /// The unit's previous submitted report of the same kind.
    pub previous: Option<ReportRecord>,
    /// Sibling units' current reports for the same period (and kind).
    pub siblings: Vec<ReportRecord>,
    /// The parent unit's current report for the same period, if submitted.
    pub upper: Option<ReportRecord>,
    /// The unit's own last-minute shares of its earlier periodic reports, in percent.
    pub own_last_minute: Vec<u32>,
}

/// A proposal for commendation or criticism taken by a review, for the evaluation issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub decision_id: i64,
    pub report_id: ReportId,
    pub org_id: OrgId,
    pub org_name: String,
    pub kind: DecisionKind,
    pub subject: String,
    pub reason: Option<String>,
    pub held_on: Option<Date>,
}

/// Reports and reviews.
#[async_trait]
pub trait ReportStore: Send + Sync + 'static {
    /// A unit's schedule on a chain with the state of each period on `today`, and its
    /// reports (Read on the unit).
    async fn unit_reports(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: Date,
    ) -> Result<UnitReports>;

    /// The factual part for a unit's subtree and a period, as of `today` (Read on the
    /// unit): set-based reads of the rollups and a few bounded lists.
    async fn report_facts(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        period: ReportPeriod,
        today: Date,
    ) -> Result<ReportFacts>;

    /// Starts the draft of a report (or returns the open draft for the same period).
    /// `Invalid` (`period`, `period_not_ended` / `period_not_in_schedule`); a period
    /// already reported is `Conflict("report_exists")` (correct that report instead).
    async fn start_report(&self, p: &Principal, new: NewReport) -> Result<ReportRecord>;

    /// Saves a draft (`Conflict("report_frozen")` once submitted). Audited.
    async fn save_report(
        &self,
        p: &Principal,
        id: ReportId,
        input: ReportInput,
    ) -> Result<ReportRecord>;

    /// Keeps the signed review document of a draft review (`Invalid` `file` when too big).
    async fn attach_report_file(
        &self,
        p: &Principal,
        id: ReportId,
        file: EvidenceMeta,
    ) -> Result<ReportRecord>;

    /// Submits a draft on `today`: checks it (an assessment; a review's conference),
    /// numbers it, freezes the factual part, supersedes the version it corrects, fills
    /// the period in the report ledger or records the interim review, all in one
    /// transaction.
    async fn submit_report(&self, p: &Principal, id: ReportId, today: Date)
    -> Result<ReportRecord>;

    /// Starts a correction of a submitted report: a draft with its sections, conference and
    /// decisions that supersedes it once submitted.
    async fn correct_report(&self, p: &Principal, id: ReportId) -> Result<ReportRecord>;

    /// A report (Read on its unit).
    async fn report(&self, p: &Principal, id: ReportId) -> Result<ReportRecord>;

    /// Every version of a report's period (the one corrected and its corrections), oldest
    /// first.
    async fn report_versions(&self, p: &Principal, id: ReportId) -> Result<Vec<ReportSummary>>;

    /// The current reports of the children of `org` for a period and kind, and the
    /// children reached on the chain that have none (Read on `org`).
    async fn gathered_reports(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        kind: ReportKind,
        period_start: Date,
    ) -> Result<Gathered>;

    /// What a report is compared with: the unit's previous report, its siblings' and its
    /// parent's for the same period (those the principal may read).
    async fn report_peers(&self, p: &Principal, id: ReportId) -> Result<ReportPeers>;

    /// Adds a submitted review's task decisions not yet applied to the unit's program on
    /// the chain, in one transaction: to its open draft if there is one, else to a new
    /// revision of its issued version (the office issues it from the program's pages);
    /// the decisions record the draft they went to. `Conflict`: `report_not_submitted`
    /// (a draft or a superseded version), `report_nothing_to_apply`,
    /// `report_no_program` (no issued program on the chain). Audited.
    async fn apply_review_decisions(
        &self,
        p: &Principal,
        id: ReportId,
    ) -> Result<(ReportRecord, ProgramId)>;

    /// Keeps how many claims of a submitted report the record contradicts (derived data of
    /// the frozen report, computed by `services::reports`; read by the inspection
    /// suggestions). Read on the report's unit; not audited (recomputable). A draft is
    /// `Conflict("report_not_submitted")`.
    async fn keep_report_checks(
        &self,
        p: &Principal,
        id: ReportId,
        contradicted: u32,
    ) -> Result<()>;

    /// Commendation and criticism proposals of submitted reviews in a subtree (Read).
    async fn review_proposals(&self, p: &Principal, org: OrgId) -> Result<Vec<Proposal>>;
}
