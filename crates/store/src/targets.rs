//! Targets that add up (issue 13 item 4): a program's own targets linked to the upper
//! targets they serve, the choice of upper targets a unit may serve, and the roll-up of a
//! target by sub-unit.
//!
//! A target's `current_value` ([`crate::TargetRecord`]) is the roll-up of the values of
//! the units serving it by the indicator's rule (`domain::target_rollup`), kept on write:
//! accepting a progress value, issuing a program, restructuring units and saving targets
//! refresh the chain of upper targets in the same transaction. `recount_targets` rebuilds
//! every target from the records. See docs/TARGETS.md.

use crate::{Result, TargetRecord};
use async_trait::async_trait;
use domain::{DocumentId, OrgId, Principal, ProgramId, Target, TargetId};
use serde::Serialize;
use time::Date;

/// One of a program's own targets as entered: the target and the upper target it serves.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramTargetInput {
    pub target: Target,
    pub upper: Option<TargetId>,
}

/// Where a target belongs: a registered document (the resolution, a lower document of its
/// chain) or a unit's program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TargetOwner {
    Document {
        id: DocumentId,
        symbol: String,
    },
    Program {
        id: ProgramId,
        title: String,
        /// The issued program's symbol, while a draft `None`.
        symbol: Option<String>,
    },
}

/// An upper target a program may serve, with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpperTargetChoice {
    pub record: TargetRecord,
    pub owner: TargetOwner,
    pub org_id: OrgId,
    pub org_name: String,
}

/// How a unit's value reaches a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ContributionSource {
    /// The rolled-up value of the unit's own target linked to this one.
    LowerTarget { id: TargetId },
    /// A value the unit reported through a task linked to this target.
    Reported,
}

/// One unit's share of a target's roll-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetContribution {
    pub org_id: OrgId,
    pub org_name: String,
    pub source: ContributionSource,
    /// The unit's own goal when it serves through a target of its own.
    pub goal: Option<f64>,
    pub value: f64,
    pub on: Option<Date>,
    /// Members the value stands for (the weight of an average).
    pub weight: u64,
    /// Whether the unit met its own goal.
    pub reached: bool,
}

/// A unit below the target's unit that has not reported for it yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SilentUnit {
    pub org_id: OrgId,
    pub org_name: String,
    /// It has a target linked to this one, without a value yet.
    pub has_target: bool,
}

/// A target with its roll-up by sub-unit: what the target page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetBreakdown {
    pub record: TargetRecord,
    pub owner: TargetOwner,
    pub org_id: OrgId,
    pub org_name: String,
    pub root_document_id: DocumentId,
    /// The target it serves, with its unit's name.
    pub upper: Option<UpperTargetChoice>,
    /// The units counted in the current value that the principal may read, by name.
    pub contributions: Vec<TargetContribution>,
    /// Counted units the principal may not read (their values are in the total).
    pub hidden_contributions: u32,
    /// The unit's open children (readable) that have not reported for the target.
    pub silent: Vec<SilentUnit>,
}

/// What a recount of the targets found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TargetRecount {
    pub targets: u64,
    /// Targets whose stored roll-up differed from the rebuilt one.
    pub changed: u64,
}

/// A program's own targets and the roll-up of targets.
#[async_trait]
pub trait TargetStore: Send + Sync + 'static {
    /// Replaces a draft program's own targets (EditOrgs on the unit; `Invalid` (`state`,
    /// `program_not_draft`) once issued: revise it). Each is checked with `Target::check`
    /// and, when linked, with `target_rollup::check_link` against its upper target
    /// (`targets[i].upper`: `target_not_reachable` for a target that is not of the
    /// resolution's chain above the unit nor of an ancestor's issued program,
    /// `target_unit_mismatch`, `target_kind_mismatch`). A target still served by a task or
    /// a lower target cannot be removed (`Conflict("target_in_use")`). Rows keep their ids
    /// by position. Audited; nothing is saved when anything is refused.
    async fn set_program_targets(
        &self,
        p: &Principal,
        program: ProgramId,
        targets: Vec<ProgramTargetInput>,
    ) -> Result<Vec<TargetRecord>>;

    /// A program's own targets in order (whoever may read the program).
    async fn program_targets(&self, p: &Principal, program: ProgramId)
    -> Result<Vec<TargetRecord>>;

    /// The upper targets a program's targets may serve: the targets of the documents of its
    /// chain issued by the unit or its ancestors, and of the issued programs of its
    /// ancestors on the same chain; nearest unit first.
    async fn upper_target_choices(
        &self,
        p: &Principal,
        program: ProgramId,
    ) -> Result<Vec<UpperTargetChoice>>;

    /// A target with its roll-up by sub-unit (whoever may read its document or program).
    async fn target_breakdown(&self, p: &Principal, target: TargetId) -> Result<TargetBreakdown>;

    /// Rebuilds every target's roll-up from the records, lowest targets first (system
    /// principal only). `resolute recount` runs it.
    async fn recount_targets(&self, p: &Principal) -> Result<TargetRecount>;
}
