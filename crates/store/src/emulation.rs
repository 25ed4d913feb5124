//! Emulation and commendation (issue 17 items 4-5): movements launched from a resolution,
//! pledges, quarterly figures closed from the record, nominations, the council's vote, the
//! decision and the register of awards; advanced models found in those figures, confirmed
//! by an office, and the library other units read and link their tasks to.
//!
//! Who may do what is `domain::emulation` (`may_manage`: EditOrgs on the movement's unit;
//! `acts_for`: EditOrgs or EditPeople on a unit; `may_read_movement`: whoever reads the
//! launching unit or below it; `may_read_unit_record`: a unit's pledge and nominations are
//! read by the unit's readers and the offices above, not by its peers). The register
//! (decisions and awards) is public to every reader of the movement. Every write is
//! audited (entities `emulation_movement`, `emulation_pledge`, `emulation_snapshot`,
//! `emulation_nomination`, `emulation_vote`, `emulation_decision`, `advanced_model`,
//! `advanced_model_link`). docs/EMULATION.md.

use crate::Result;
use async_trait::async_trait;
use domain::emulation::{
    AwardKind, DecisionDraft, MovementDraft, MovementState, NominationState, PassRule, Vote,
};
use domain::models::{Assessment, Settings};
use domain::{DocumentId, MemberId, OrgId, OrgKind, OrgPath, Principal, TargetId, TaskId};
use serde::Serialize;
use time::{Date, OffsetDateTime};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Movement {
    pub id: i64,
    pub org_id: OrgId,
    pub org_path: OrgPath,
    pub org_name: String,
    /// The launching unit's level: it decides the awards (`award_kind_levels`).
    pub org_kind: OrgKind,
    pub document_id: DocumentId,
    pub document_symbol: String,
    pub title: String,
    pub content: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub pledge_by: Date,
    pub state: MovementState,
    pub created_at: OffsetDateTime,
}

/// A movement's target, copied from the resolution's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MovementTarget {
    pub id: i64,
    pub position: u32,
    pub source_target_id: TargetId,
    pub indicator: String,
    pub unit: String,
    pub target_value: f64,
    /// `increase`, `decrease` or `reach`.
    pub direction: String,
}

/// One target of a pledge: the value pledged and the value read from the record now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PledgeLine {
    pub target_id: i64,
    pub value: f64,
    pub current: Option<f64>,
    pub reached: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pledge {
    pub id: i64,
    pub movement_id: i64,
    pub org_id: OrgId,
    pub org_name: String,
    pub commitments: String,
    pub lines: Vec<PledgeLine>,
    pub registered_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A pledge as typed: commitments in words and a value per movement target.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PledgeInput {
    pub commitments: String,
    pub values: Vec<(i64, f64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNomination {
    pub nominator_org_id: OrgId,
    /// The unit nominated, or the member's cell for an individual.
    pub org_id: Option<OrgId>,
    pub member_id: Option<MemberId>,
    pub award_kind: String,
    pub achievements: String,
    /// The seam for the yearly rating: the nominee's level as given (free text until the
    /// evaluation capability provides it).
    pub proposed_level: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoteRecord {
    pub met_on: Date,
    pub vote: Vote,
    pub rule: PassRule,
    pub passed: bool,
    pub needed: u32,
    pub quorum: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Nomination {
    pub id: i64,
    pub movement_id: i64,
    pub nominator_org_id: OrgId,
    pub nominator_name: String,
    pub org_id: OrgId,
    pub org_name: String,
    pub member_id: Option<MemberId>,
    pub member_name: Option<String>,
    pub award_kind: String,
    pub award_name: String,
    pub achievements: String,
    pub proposed_level: Option<String>,
    pub state: NominationState,
    pub vote: Option<VoteRecord>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteInput {
    pub met_on: Option<Date>,
    pub vote: Vote,
    pub rule: PassRule,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub id: i64,
    pub movement_id: i64,
    pub org_id: OrgId,
    pub org_name: String,
    pub number: String,
    pub signed_on: Date,
    pub signer_name: String,
    pub signer_title: String,
    pub summary: String,
    pub created_at: OffsetDateTime,
}

/// An award in the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Award {
    pub id: i64,
    pub decision_id: i64,
    pub decision_number: String,
    pub signed_on: Date,
    pub signer_name: String,
    pub signer_title: String,
    pub deciding_org_id: OrgId,
    pub deciding_org_name: String,
    pub movement_id: i64,
    pub movement_title: String,
    pub org_id: OrgId,
    pub org_name: String,
    pub member_id: Option<MemberId>,
    pub member_name: Option<String>,
    pub award_kind: String,
    pub award_name: String,
    pub award_form: String,
    pub citation: String,
}

/// A closed quarter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    pub period: i32,
    pub units: u32,
    pub taken_at: OffsetDateTime,
}

/// A movement as one viewer sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MovementView {
    pub movement: Movement,
    pub targets: Vec<MovementTarget>,
    /// The pledges the viewer may read (their units' and, for an office, the subtree's).
    pub pledges: Vec<Pledge>,
    /// Pledges registered that the viewer may not read.
    pub hidden_pledges: u32,
    pub nominations: Vec<Nomination>,
    pub decisions: Vec<Decision>,
    /// The public register of the movement.
    pub awards: Vec<Award>,
    pub snapshots: Vec<Snapshot>,
    pub may_manage: bool,
    /// Units in the movement the viewer acts for (pledge, nominate), nearest first.
    pub my_units: Vec<(OrgId, String)>,
}

/// A unit in an assessment, named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedUnit {
    pub org_id: OrgId,
    pub name: String,
    pub kind: String,
    pub members: u64,
}

/// The search for advanced models on one metric of a movement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSearch {
    pub movement_id: i64,
    /// An emulation target's id, or 0 for the pace of programs.
    pub metric: i64,
    pub metric_label: String,
    pub assessment: Assessment,
    /// The units named in the candidates.
    pub units: Vec<NamedUnit>,
    /// Candidates already in the library (by unit).
    pub confirmed: Vec<OrgId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewModel {
    pub movement_id: i64,
    pub metric: i64,
    pub org_id: OrgId,
    pub title: String,
    /// What the unit does differently (markdown).
    pub practice: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdvancedModel {
    pub id: i64,
    pub org_id: OrgId,
    pub org_name: String,
    pub movement_id: Option<i64>,
    pub movement_title: Option<String>,
    pub metric: i64,
    pub metric_label: String,
    pub title: String,
    pub practice: String,
    /// The reasoning as confirmed (a `domain::models::Candidate`).
    pub evidence: serde_json::Value,
    pub confirmed_org_name: String,
    pub confirmed_at: OffsetDateTime,
    pub links: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelLink {
    pub id: i64,
    pub task_id: TaskId,
    pub task_content: String,
    pub org_id: OrgId,
    pub org_name: String,
    pub linked_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelView {
    pub model: AdvancedModel,
    /// Links the viewer may read.
    pub links: Vec<ModelLink>,
}

/// One row of the limits on award kinds: a level whose committee may give a kind, and the
/// source it follows (`confirmed` false where RULES.md marks the rule unconfirmed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AwardLevel {
    pub award_kind: String,
    pub org_kind: OrgKind,
    pub basis: String,
    pub confirmed: bool,
}

#[async_trait]
pub trait EmulationStore: Send + Sync + 'static {
    /// The award kinds, active first by rank.
    async fn award_kinds(&self, p: &Principal) -> Result<Vec<AwardKind>>;

    /// The limits on award kinds per level, with their sources (read by everyone).
    async fn award_levels(&self, p: &Principal) -> Result<Vec<AwardLevel>>;

    /// Sets the levels that may give a kind (`domain::emulation::may_edit_award_levels`,
    /// otherwise `Forbidden`); rows kept keep their source, new ones name who set them.
    /// Audited (`award_kind`, `levels`). Awards already made are not touched.
    async fn set_award_levels(
        &self,
        p: &Principal,
        kind: &str,
        levels: Vec<OrgKind>,
    ) -> Result<AwardKind>;

    /// Launches a movement from a resolution the unit reads (EditOrgs on the unit); its
    /// targets are copied from the document's targets (`emulation_no_targets` when it has
    /// none).
    async fn launch_movement(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        draft: MovementDraft,
    ) -> Result<Movement>;

    /// Movements that reach a unit: launched by it, by a unit above it or below it, that
    /// the principal may read; newest first.
    async fn movements(&self, p: &Principal, org: OrgId) -> Result<Vec<Movement>>;

    /// A movement as the principal sees it.
    async fn movement(&self, p: &Principal, id: i64) -> Result<MovementView>;

    /// Registers or changes a unit's pledge (`acts_for` the unit; open movement, not past
    /// the pledge deadline on `today`).
    async fn save_pledge(
        &self,
        p: &Principal,
        movement: i64,
        org: OrgId,
        input: PledgeInput,
        today: Date,
    ) -> Result<Pledge>;

    /// Closes the pledges (may_manage). Nominations open.
    async fn close_movement(&self, p: &Principal, movement: i64) -> Result<Movement>;

    /// Closes a quarter's figures from the record: for every unit of the movement's subtree
    /// with a value on a target (its own target linked to the resolution's, or the value it
    /// reported) or an issued program, one row per metric (may_manage; once per period,
    /// `Conflict("emulation_period_taken")`). Returns the units counted.
    async fn take_snapshot(&self, p: &Principal, movement: i64, period: i32) -> Result<u32>;

    /// The movement of a nomination the principal may read (`NotFound` otherwise).
    async fn nomination_movement(&self, p: &Principal, nomination: i64) -> Result<i64>;

    /// Nominates a unit or a member for an award kind: `acts_for` the nominating unit, the
    /// nominee in its subtree, the kind fit for the recipient (`award_kind_recipient`) and
    /// given by the movement's level (`award_kind_level`).
    async fn nominate(
        &self,
        p: &Principal,
        movement: i64,
        new: NewNomination,
    ) -> Result<Nomination>;

    /// Records the council's vote on a proposed nomination (may_manage).
    async fn record_vote(
        &self,
        p: &Principal,
        nomination: i64,
        input: VoteInput,
    ) -> Result<Nomination>;

    /// Issues the decision awarding passed nominations, each with its citation (may_manage;
    /// the number unique per deciding unit: `Conflict("emulation_number_taken")`, also when
    /// two submissions race; each kind given by the deciding unit's level).
    async fn issue_decision(
        &self,
        p: &Principal,
        movement: i64,
        draft: DecisionDraft,
        nominations: Vec<(i64, String)>,
    ) -> Result<Decision>;

    /// One award (whoever reads its movement).
    async fn award(&self, p: &Principal, id: i64) -> Result<Award>;

    /// The register of a unit: awards to it, to units below it and to their members,
    /// newest decision first (whoever reads the unit).
    async fn unit_awards(&self, p: &Principal, org: OrgId) -> Result<Vec<Award>>;

    /// The search for advanced models on a metric of a movement (may_manage).
    async fn model_candidates(
        &self,
        p: &Principal,
        movement: i64,
        metric: i64,
        settings: Settings,
    ) -> Result<ModelSearch>;

    /// Confirms a candidate as an advanced model (may_manage of the movement): the search
    /// is run again with the default settings and the unit must be a candidate
    /// (`Conflict("model_not_candidate")`); the evidence is stored with it.
    async fn confirm_model(
        &self,
        p: &Principal,
        new: NewModel,
        settings: Settings,
    ) -> Result<AdvancedModel>;

    /// The library of models of the principal's provinces, newest first.
    async fn models(&self, p: &Principal) -> Result<Vec<AdvancedModel>>;

    async fn model(&self, p: &Principal, id: i64) -> Result<ModelView>;

    /// Links a task of an issued program to a model (EditOrgs or EditPeople on the task's
    /// unit, which reads the library).
    async fn link_model_task(&self, p: &Principal, model: i64, task: TaskId) -> Result<ModelLink>;
}
