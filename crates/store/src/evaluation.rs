//! Evaluation and rating (issue 17, docs/EVALUATION.md): criteria frameworks (data,
//! versioned), evaluation periods, proposed scores computed from the record with the facts
//! each point came from, the three steps (self-assessment, assessment, decision) with the
//! quota checked at the decision, rankings and honesty signals, and the disciplinary
//! measures the rules read.
//!
//! Who reads what is `domain::evaluation::may_read`: a unit's evaluation, whoever reads the
//! unit (never its peers); a member's, the member, those who keep their cell's people, and
//! the levels above the cell.

use crate::Result;
use async_trait::async_trait;
use domain::evaluation::{
    Framework, Level, OverQuota, PeriodKind, Proposal, Quota, QuotaState, Signal, Step, SubjectKind,
};
use domain::{MemberId, OrgId, OrgKind, OrgPath, Principal};
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// A stored framework version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrameworkRecord {
    pub id: i64,
    pub org_id: OrgId,
    pub org_name: String,
    pub version: i64,
    pub framework: Framework,
    /// Who saved it (the display name; none for the command line).
    pub created_by: Option<String>,
    pub created_at: OffsetDateTime,
}

/// Setting up a period. Without framework ids, the defaults (366-QĐ/TW) are saved as a
/// new version of the unit's framework and used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPeriod {
    pub org: OrgId,
    pub kind: PeriodKind,
    pub name: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub unit_framework: Option<i64>,
    pub member_framework: Option<i64>,
}

/// How far a period's evaluations have come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PeriodCounts {
    pub units: i64,
    pub members: i64,
    pub self_assessed: i64,
    pub assessed: i64,
    pub decided: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvaluationPeriod {
    pub id: i64,
    pub org_id: OrgId,
    pub org_path: OrgPath,
    pub org_name: String,
    pub kind: PeriodKind,
    pub name: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub unit_framework_id: i64,
    pub member_framework_id: i64,
    pub computed_on: Option<Date>,
    /// Counted over the whole period (all subjects), whoever reads it.
    pub counts: PeriodCounts,
    /// Whether the principal may compute it (`EditOrgs` on its unit).
    pub can_compute: bool,
}

/// One step as taken: the level, the text, who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepRecord {
    pub level: Level,
    pub text: String,
    pub by: Option<String>,
    pub at: OffsetDateTime,
}

/// An evaluation with its breakdown, steps and signals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvaluationRecord {
    pub id: i64,
    pub period_id: i64,
    pub period_name: String,
    pub period_kind: PeriodKind,
    pub subject: SubjectKind,
    /// The unit evaluated, or the member's cell.
    pub org_id: OrgId,
    pub org_path: OrgPath,
    pub org_name: String,
    pub member_id: Option<MemberId>,
    pub member_name: Option<String>,
    pub decider_id: OrgId,
    pub decider_name: String,
    pub proposal: Proposal,
    pub computed_on: Date,
    pub step: Step,
    pub self_assessment: Option<StepRecord>,
    /// The score the subject gave itself (tenths), if any.
    pub self_score: Option<u32>,
    pub assessment: Option<StepRecord>,
    pub decision: Option<StepRecord>,
    pub signals: Vec<Signal>,
    pub can_self_assess: bool,
    pub can_assess: bool,
    pub can_decide: bool,
}

impl EvaluationRecord {
    /// The latest level: decided, else assessed, else self-assessed, else proposed.
    pub fn current_level(&self) -> Level {
        self.decision
            .as_ref()
            .or(self.assessment.as_ref())
            .or(self.self_assessment.as_ref())
            .map_or(self.proposal.level, |s| s.level)
    }
}

/// An evaluation in a list or ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvaluationRow {
    pub id: i64,
    pub subject: SubjectKind,
    pub org_id: OrgId,
    pub org_name: String,
    pub org_kind: OrgKind,
    /// Members of the unit's subtree (a unit), for the peer group.
    pub size: i64,
    pub member_id: Option<MemberId>,
    pub member_name: Option<String>,
    pub decider_id: OrgId,
    pub score: u32,
    pub proposed_level: Level,
    pub self_level: Option<Level>,
    pub assessed_level: Option<Level>,
    pub final_level: Option<Level>,
    pub step: Step,
    /// Set by rankings: the decided signals (see `domain::evaluation::signals_of`).
    pub signals: Vec<Signal>,
}

/// A step's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepInput {
    pub level: Level,
    pub text: String,
    /// The self-assessment's own score, in tenths (optional).
    pub score: Option<u32>,
}

/// A period's ranking under a unit: its units (or members) by score, with the body
/// signals and the quota of each evaluating body shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranking {
    pub period: EvaluationPeriod,
    pub org_id: OrgId,
    pub org_name: String,
    pub subject: SubjectKind,
    /// Best score first.
    pub rows: Vec<EvaluationRow>,
    /// How many rows carry each final level (excellent, good, completed, not completed,
    /// undecided).
    pub by_level: [i64; 5],
    pub body_signals: Vec<Signal>,
}

/// The quota of the body deciding an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuotaInfo {
    pub decider_id: OrgId,
    pub quota: Quota,
    pub state: QuotaState,
    /// What deciding "excellent" for this evaluation would meet: `Ok` with the state after,
    /// or the places left.
    pub if_excellent: std::result::Result<QuotaState, OverQuota>,
}

/// What a computation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ComputeReport {
    pub units: u64,
    pub members: u64,
    /// Decided evaluations left as they were.
    pub kept: u64,
}

/// A disciplinary measure (the "no discipline" rule and conditions read them): on a unit,
/// or on a member of the unit's subtree (then kept on the member's cell, so that the cell
/// and every unit above it count it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDiscipline {
    pub org: OrgId,
    pub member: Option<MemberId>,
    /// The form of discipline (khiển trách, cảnh cáo, cách chức, khai trừ, giải tán).
    pub form: String,
    pub decided_on: Date,
    /// The decision's number and symbol ("15-QĐ/HU"); may be empty.
    pub decision_no: String,
    /// The reason.
    pub note: String,
}

/// A recorded disciplinary measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisciplineRecord {
    pub id: i64,
    /// The unit disciplined, or the member's cell.
    pub org_id: OrgId,
    pub org_name: String,
    pub member_id: Option<MemberId>,
    pub member_name: Option<String>,
    pub form: String,
    pub decided_on: Date,
    pub decision_no: String,
    pub note: String,
    pub created_by: Option<String>,
    pub created_at: OffsetDateTime,
}

/// Progress of a long computation: (done, total).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

#[async_trait]
pub trait EvaluationStore: Send + Sync + 'static {
    /// The frameworks of a unit and of the units above it, newest version first (Read on
    /// the unit).
    async fn evaluation_frameworks(
        &self,
        p: &Principal,
        org: OrgId,
    ) -> Result<Vec<FrameworkRecord>>;

    /// One framework version (read: the principal sees or leads to its unit).
    async fn evaluation_framework(&self, p: &Principal, id: i64) -> Result<FrameworkRecord>;

    /// Saves a framework as the next version of its (unit, subject, name) (`EditOrgs` on
    /// the unit; `Invalid` from `Framework::validate`). Audited.
    async fn save_evaluation_framework(
        &self,
        p: &Principal,
        org: OrgId,
        framework: Framework,
    ) -> Result<FrameworkRecord>;

    /// Sets up a period (`EditOrgs` on the unit; `Invalid` `name`, `ends_on`
    /// (`evaluation_dates`), frameworks of the wrong subject). Audited.
    async fn create_evaluation_period(
        &self,
        p: &Principal,
        new: NewPeriod,
    ) -> Result<EvaluationPeriod>;

    /// The periods that cover a unit: its own and those of the units above it, latest
    /// first (Read on the unit).
    async fn evaluation_periods(&self, p: &Principal, org: OrgId) -> Result<Vec<EvaluationPeriod>>;

    async fn evaluation_period(&self, p: &Principal, id: i64) -> Result<EvaluationPeriod>;

    /// Computes the proposed score of every unit below the period's unit and every member
    /// of its subtree from the record as of `today` (`EditOrgs` on the period's unit), in
    /// one transaction; decided evaluations keep theirs. One audit entry.
    async fn compute_evaluations(
        &self,
        p: &Principal,
        period: i64,
        today: Date,
        progress: Progress<'_>,
    ) -> Result<ComputeReport>;

    /// Recomputes one evaluation's proposal from the record as of `today` without storing
    /// it (what the stored one is checked against).
    async fn recompute_evaluation(&self, p: &Principal, id: i64, today: Date) -> Result<Proposal>;

    async fn evaluation(&self, p: &Principal, id: i64) -> Result<EvaluationRecord>;

    /// The ranking of a period under `org`: the units below it, or the members of its
    /// subtree the principal may read, best score first; with each decided row's signals.
    async fn evaluation_ranking(
        &self,
        p: &Principal,
        period: i64,
        org: OrgId,
        subject: SubjectKind,
    ) -> Result<Ranking>;

    /// The principal's own evaluations as a member, latest first.
    async fn my_evaluations(&self, p: &Principal)
    -> Result<Vec<(EvaluationPeriod, EvaluationRow)>>;

    /// Step 1. `Invalid` `text`; `Conflict` `evaluation_decided`. Audited.
    async fn self_assess(
        &self,
        p: &Principal,
        id: i64,
        input: StepInput,
    ) -> Result<EvaluationRecord>;

    /// Step 2 (needs step 1: `evaluation_step_order`). Audited.
    async fn assess_evaluation(
        &self,
        p: &Principal,
        id: i64,
        input: StepInput,
    ) -> Result<EvaluationRecord>;

    /// Step 3 (needs step 2). A level above the proposed one needs a reason (`Invalid`
    /// `text` `evaluation_reason_required`); the body's quota is checked
    /// (`Conflict("evaluation_quota")`; [`EvaluationStore::evaluation_quota`] tells the
    /// places left). Audited.
    async fn decide_evaluation(
        &self,
        p: &Principal,
        id: i64,
        input: StepInput,
    ) -> Result<EvaluationRecord>;

    /// The quota of the body deciding an evaluation (Read on the evaluation).
    async fn evaluation_quota(&self, p: &Principal, id: i64) -> Result<QuotaInfo>;

    /// Records a disciplinary measure on a unit or one of its members (`EditPeople` on the
    /// unit; `Invalid` `form`, `decision_no`, `note`, `member`). A member's measure is kept
    /// on their cell. Audited.
    async fn record_discipline(&self, p: &Principal, new: NewDiscipline) -> Result<i64>;

    /// The disciplinary measures in a unit's subtree, latest decision first (Read on the
    /// unit; a member's measure only to whoever may read the member's evaluation:
    /// `domain::evaluation::may_read`).
    async fn discipline_records(&self, p: &Principal, org: OrgId) -> Result<Vec<DisciplineRecord>>;
}
