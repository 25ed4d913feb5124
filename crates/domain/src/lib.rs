//! Pure domain types and rules of Resolute.
//!
//! Nothing here does I/O or is async. Input from the edges (forms, imports, the CLI) is
//! parsed once into the newtypes of this crate; everything below the edge trusts them.

pub mod access;
pub mod cascade;
pub mod collate;
pub mod consultation;
pub mod document;
pub mod emulation;
pub mod evaluation;
pub mod evidence;
pub mod fieldpath;
pub mod ids;
pub mod inspection;
pub mod models;
pub mod org;
pub mod people;
pub mod portal;
pub mod program;
pub mod progress;
pub mod record_ids;
pub mod refusal;
pub mod report;
pub mod restructure;
pub mod rollup;
pub mod search;
pub mod study;
pub mod target;
pub mod target_rollup;
pub mod text;
pub mod token;
pub mod tz;
pub mod validate;

pub use access::{AccessRole, AccountReach, Grant, Permission, Principal, Scope};
pub use cascade::{
    CascadeDeadlines, CascadeScope, DeadlineStatus, FiledReport, Milestone, MilestoneDates, Period,
    ReportEvery, ReportLedger, ReportStanding, UnitFacts, UnitStatus,
};
pub use document::{BodyCode, DocumentKey, DocumentNumber, DocumentType, NumberStyle, Term};
pub use evidence::{ContentKey, EvidenceType};
pub use ids::{MemberId, OrgId, UserId};
pub use org::{OrgKind, OrgPath, PathRange, Unit, committee_name};
pub use people::{Audience, Gender, MemberStatus, PositionRole};
pub use program::{ProgramKind, ProgramSections, ProgramState, TaskDraft};
pub use progress::{Acceptance, EffectiveStatus, ProgressUpdate, TaskStatus};
pub use record_ids::{CascadeId, DocumentId, ProgramId, ProgressUpdateId, TargetId, TaskId};
pub use refusal::Refusal;
pub use rollup::{Counters, Dashboard, OpenKind, Rollup, TaskState, UnitState};
pub use study::{
    AttendanceMark, ConferenceFormat, MemberStudy, QuestionId, ReflectionGrade, ReflectionId,
    StudyCounters, StudySessionId,
};
pub use target::{Direction, Target};
pub use target_rollup::{Contribution, RollupRule};
pub use validate::{FieldError, Invalid};
