//! The storage API of Resolute: one trait per capability, [`Store`] over all of them, their
//! records and their error.
//!
//! Two crates implement it: `store-sqlite` (the embedded default) and `store-postgres`
//! (the scale backend), both compiling the one SQL store in `crates/store-sql`; this crate
//! holds no SQL.
//!
//! The interface is split by capability, one module each, holding its records and its
//! trait: [`OrgStore`] (organizations and restructuring), [`MemberStore`],
//! [`AccountStore`] (credentials, principal, sessions, users, grants), [`AuditStore`],
//! [`DocumentStore`] (documents, targets, attachments), [`CascadeStore`],
//! [`ProgramStore`] (programs, tasks, plan-quality assessments), [`ProgressStore`],
//! [`DashboardStore`], [`StudyStore`], [`ReportStore`] (reports and reviews) and [`EvaluationStore`] (evaluation and rating). [`Store`] keeps the meta and maintenance
//! methods and has every capability as a supertrait, so an `Arc<dyn Store>` reaches all.
//!
//! API boundary: every method that reads or writes organization data takes the acting
//! [`Principal`]. Reads return only what the principal's grants cover; a record outside
//! them is [`StoreError::NotFound`], exactly as if it did not exist, so that no name leaks.
//! A write the principal may see but not make is [`StoreError::Forbidden`]. Every write
//! to an official record appends to the audit log in the same transaction.

mod accounts;
mod audit;
mod cascades;
pub mod clock;
mod consultation;
mod dashboards;
mod documents;
mod emulation;
mod error;
mod evaluation;
mod inspection;
mod members;
mod meta;
mod orgs;
mod portal;
mod programs;
mod progress;
mod reports;
mod search;
mod study;
mod targets;

pub use accounts::{AccountStore, Credentials, GrantRow, NewGrant, NewUser, User, UserDetail};
pub use audit::{AuditEntry, AuditFilter, AuditStore};
pub use cascades::{
    Cascade, CascadePreview, CascadeStore, CascadeSummary, CascadeUnit, CascadeUnitId,
};
pub use consultation::{
    Comment, CommentSource, Consultation, ConsultationStore, ConsultationSummary, DraftItem,
    Expert, NewConsultation, NewExpert, PublicComment, PublicConsultation, Subject,
};
pub use dashboards::{
    ChildDashboard, DashboardStore, FlaggedProgram, FlaggedPrograms, OverdueTask, OverdueUnit,
    RecountReport, RollupRow, SeriesPoint, TargetProgress,
};
pub use documents::{
    Document, DocumentAttachment, DocumentStatus, DocumentStore, MAX_DOCUMENT_ATTACHMENTS,
    NewDocument, TargetRecord,
};
pub use emulation::{
    AdvancedModel, Award, AwardLevel, Decision, EmulationStore, ModelLink, ModelSearch, ModelView,
    Movement, MovementTarget, MovementView, NamedUnit, NewModel, NewNomination, Nomination, Pledge,
    PledgeInput, PledgeLine, Snapshot, VoteInput, VoteRecord,
};
pub use error::StoreError;
pub use evaluation::{
    ComputeReport, DisciplineRecord, EvaluationPeriod, EvaluationRecord, EvaluationRow,
    EvaluationStore, FrameworkRecord, NewDiscipline, NewPeriod, PeriodCounts, Progress, QuotaInfo,
    Ranking, StepInput, StepRecord,
};
pub use inspection::{
    Conclusion, CoverageRow, Finding, ITEM_TASK_CHOICES, InspectionDashboard, InspectionFile,
    InspectionProgram, InspectionStore, Item, ItemSubject, ItemSummary, ItemTask, NewFinding,
    NewInspectionProgram, NewItem, NewRecommendation, OpenRecommendation, Recommendation,
    Remediation, Suggestion, TeamMember,
};
pub use members::{
    CellStint, Member, MemberDetail, MemberEdit, MemberHit, MemberStore, NewMember, NewPosition,
    Position,
};
pub use meta::{
    BulkLoad, BulkMember, BulkOrg, BulkPosition, BulkUser, MaxIds, MigrationState, Page,
};
pub use orgs::{
    Crumb, Merge, MergeTarget, NewOrg, NewOrgImport, Org, OrgEdit, OrgEvent, OrgEventKind,
    OrgLinks, OrgRef, OrgStore, ParentRef, Split, SplitPart,
};
pub use portal::{
    Article, ArticleCard, Feedback, NewFeedback, PortalDesk, PortalHome, PortalImage, PortalLists,
    PortalStore, PublicArticle, PublicDocument, PublicDocumentCard, PublicFeedback, ViewKey,
};
pub use programs::{
    Assessment, CopyVerdict, GroupProgram, NewProgram, PeerProgram, Program, ProgramGroup,
    ProgramStore, TaskRecord,
};
pub use progress::{
    AcceptanceDecision, EvidenceFile, EvidenceMeta, MAX_EVIDENCE_FILES, MY_TASKS_DUE_SOON_DAYS,
    MyTask, NOTIFY_WITHIN_DAYS, Notification, NotificationKind, PendingAcceptance, ProgressInput,
    ProgressRecord, ProgressStore, TaskContext,
};
pub use reports::{
    DecisionRecord, EvidenceGap, Gathered, InspectionFacts, InspectionFinding, NewReport,
    OpenRecommendationFact, OverdueFact, ProgramFacts, Proposal, ReportFacts, ReportId,
    ReportInput, ReportPeers, ReportRecord, ReportStore, ReportSummary, StudyFacts, TargetFact,
    UnitReports,
};
pub use search::{AuditChange, Refresh, SearchStore};
pub use study::{
    AttendanceImportRow, CheckIn, CheckPaper, CheckResult, MyStudy, NewMaterial, NewReflection,
    NewStudySession, Participation, QuestionRecord, ReflectionRecord, RosterRow, RoundReview,
    RoundReviewInput, SessionEdit, SheetCell, SheetRow, StudyContent, StudyDocument, StudyMaterial,
    StudyPlan, StudySession, StudyStore, UnitParticipation,
};

pub use targets::{
    ContributionSource, ProgramTargetInput, SilentUnit, TargetBreakdown, TargetContribution,
    TargetOwner, TargetRecount, TargetStore, UpperTargetChoice,
};

use async_trait::async_trait;
use domain::Principal;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The whole store: every capability, and the meta and maintenance methods.
#[async_trait]
pub trait Store:
    OrgStore
    + MemberStore
    + AccountStore
    + AuditStore
    + DocumentStore
    + CascadeStore
    + ProgramStore
    + ProgressStore
    + DashboardStore
    + StudyStore
    + InspectionStore
    + ReportStore
    + TargetStore
    + ConsultationStore
    + PortalStore
    + EvaluationStore
    + EmulationStore
    + SearchStore
    + Send
    + Sync
    + 'static
{
    // ---- Meta ----------------------------------------------------------------------------

    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;

    /// A number that changes after every write this process commits, if the backend can
    /// tell: callers may keep data read under one generation until it changes (see
    /// `web::pagecache`). `None` (the default) means "cannot tell": never cache.
    ///
    /// It is bumped *after* a commit, so data read after observing generation `g` is at
    /// least as new as every write that produced `g`. Writes by another process are not
    /// seen here; callers bound their trust in time as well.
    fn write_generation(&self) -> Option<u64> {
        None
    }

    /// Applies pending migrations.
    async fn migrate(&self) -> Result<()>;

    /// Applied and known migrations.
    async fn migration_state(&self) -> Result<MigrationState>;

    // ---- Bulk and maintenance (system principal only) ------------------------------------

    /// The largest organization id in use, so a bulk loader can allocate ids.
    async fn max_ids(&self) -> Result<MaxIds>;

    /// Loads pre-built rows (demo, benchmarks) in large transactions, without per-row
    /// audit entries; one audit entry records the load. Counters are rebuilt afterwards.
    async fn bulk_load(&self, p: &Principal, load: BulkLoad) -> Result<()>;

    /// Rebuilds every kept-up-to-date counter from the records.
    async fn recount(&self, p: &Principal) -> Result<()>;

    /// Writes a consistent copy of the database to a file (SQLite: online backup), live
    /// sessions left out. A backend that uses external tools returns
    /// [`StoreError::Unsupported`].
    async fn backup_to(&self, path: &std::path::Path) -> Result<()>;

    /// The number of rows of every table of the schema, by table name (the migrations'
    /// own table included): what a backup's round trip is checked against.
    async fn table_counts(&self) -> Result<std::collections::BTreeMap<String, i64>>;
}
