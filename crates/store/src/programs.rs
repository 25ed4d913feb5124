//! Programs (issue 3): a unit's action program or plan for a document's chain, its tasks,
//! its versions; and (issue 4) the plan-quality assessment of each issued program.
//!
//! Drafting, editing, issuing and revising a unit's program need `EditOrgs` on the unit.
//! Assessments are derived data (not audited); saving one needs read access.
//! See docs/PROGRAMS.md for the tables.

use crate::{CascadeUnitId, Result};
use async_trait::async_trait;
use domain::{
    DocumentId, OrgId, OrgPath, Principal, ProgramId, ProgramKind, ProgramSections, ProgramState,
    TaskDraft, TaskId, TaskStatus,
};
use serde::Serialize;
use time::{Date, OffsetDateTime};

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

/// Drafting, issuing and revising programs; keeping and reading their assessments.
#[async_trait]
pub trait ProgramStore: Send + Sync + 'static {
    // ---- Programs ----------------------------------------------------------------

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

    // ---- Plan quality (issue 4) --------------------------------------------------

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

    /// For each of `programs`, the same unit's plan of the previous period when there is
    /// one the principal may read: its latest issued program on another document's chain,
    /// created before it, with its task contents. What a plan is compared with besides the
    /// plan above and the siblings' (a plan copied from last year's is as formal as one
    /// copied from above). Programs without one are left out.
    async fn previous_programs(
        &self,
        p: &Principal,
        programs: &[ProgramId],
    ) -> Result<Vec<(ProgramId, PeerProgram)>>;

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
}
