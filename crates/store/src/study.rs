//! Study and dissemination (issue 5): a unit's study plan of a resolution (core content per
//! audience, conferences with reporters, materials, a question bank), attendance (the
//! secretary's sheet, QR check-in, imports), knowledge checks, reflections with grades,
//! the participation rollups and each round's round review.
//!
//! The same rules as [`crate::Store`]: every method takes the acting [`Principal`]; reads
//! answer only what the grants cover (`NotFound` otherwise); a write the principal may see
//! but not make is `Forbidden`; every write appends an audit row in its transaction.
//! The resolution is always the cascade's root document (`DocumentId`).
//!
//! Who may do what:
//! - reading a unit's plan, sessions, sheets and figures needs `Read` on the unit; a
//!   session's reporters read their sessions (and the plan's materials) without a grant;
//! - planning (content, sessions, materials, questions), marking attendance, grading and
//!   writing the round review need `EditPeople` on the unit (its office or its secretary);
//! - a member checks in, takes the check and hands in a reflection for themselves
//!   (`Principal::member_id`), for the resolutions cascaded to a unit above their cell.
//!
//! Every change of a member's study (`study_members`) adds its [`StudyCounters`] delta to
//! the `study_rollups` row of every ancestor of the member's cell, per audience, in the
//! same transaction; `recount_study` rebuilds both from the records.

use crate::{EvidenceMeta, Page, Result};
use async_trait::async_trait;
use domain::study::{
    AttendanceEntry, CheckInVia, CheckScore, MaterialId, MemberStudy, Question, QuestionId,
    ReflectionId, SessionDraft,
};
use domain::{
    AttendanceMark, Audience, ConferenceFormat, ContentKey, DocumentId, EvidenceType, MemberId,
    OrgId, OrgPath, Principal, ReflectionGrade, StudyCounters, StudySessionId,
};
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// A resolution a unit studies: (resolution, symbol, title, study deadline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudyDocument {
    pub document_id: DocumentId,
    pub symbol: String,
    pub title: String,
    pub study_by: Date,
}

/// A conference as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudySession {
    pub id: StudySessionId,
    pub org_id: OrgId,
    pub org_path: OrgPath,
    pub org_name: String,
    pub document_id: DocumentId,
    pub document_symbol: String,
    pub title: String,
    pub audience: Audience,
    pub format: ConferenceFormat,
    pub held_on: Date,
    pub place: String,
    /// The conference this one makes up for.
    pub makeup_of: Option<StudySessionId>,
    /// (member, name)
    pub reporters: Vec<(MemberId, String)>,
    /// Marks recorded: present, excused, absent.
    pub present: i64,
    pub excused: i64,
    pub absent: i64,
    /// When and why the conference was cancelled (it is kept, shown as cancelled and left
    /// out of the members' lists of conferences to attend).
    pub cancelled_at: Option<OffsetDateTime>,
    pub cancel_reason: Option<String>,
}

impl StudySession {
    pub fn is_cancelled(&self) -> bool {
        self.cancelled_at.is_some()
    }

    /// Marks recorded at the conference.
    pub fn marks(&self) -> i64 {
        self.present + self.excused + self.absent
    }
}

/// A correction of a planned conference: the parsed draft and its reporters. The audience
/// cannot change once attendance is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEdit {
    pub draft: SessionDraft,
    pub reporters: Vec<MemberId>,
}

/// A new conference: the parsed draft, its reporters and, for a make-up, the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStudySession {
    pub draft: SessionDraft,
    pub reporters: Vec<MemberId>,
    pub makeup_of: Option<StudySessionId>,
}

/// The core content of a resolution for one audience, written by a unit's office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudyContent {
    pub org_id: OrgId,
    pub org_name: String,
    pub audience: Audience,
    pub body_md: String,
    pub updated_at: OffsetDateTime,
}

/// A material of a study plan: a link or a stored file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudyMaterial {
    pub id: MaterialId,
    pub org_id: OrgId,
    pub org_name: String,
    /// `None`: for every audience.
    pub audience: Option<Audience>,
    pub title: String,
    pub url: Option<String>,
    pub file: Option<(ContentKey, EvidenceType, String)>,
    /// Withdrawn by the unit's office: hidden from members, kept with its file.
    pub withdrawn_at: Option<OffsetDateTime>,
}

/// A new material: a link or a file (already stored by the web layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMaterial {
    pub audience: Option<Audience>,
    pub title: String,
    pub url: Option<String>,
    pub file: Option<EvidenceMeta>,
}

/// A question of the bank, with the unit that wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestionRecord {
    pub id: QuestionId,
    pub org_id: OrgId,
    pub question: Question,
}

/// A unit's study plan of a resolution: its own conferences, and the content, materials
/// and questions of the unit and of the units above it (lower units see the upper unit's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudyPlan {
    pub org_id: OrgId,
    pub org_name: String,
    pub org_path: OrgPath,
    pub document_id: DocumentId,
    pub document_symbol: String,
    pub document_title: String,
    /// The study deadline of the unit's cascade (or the nearest unit above it reached).
    pub study_by: Option<Date>,
    /// Nearest unit first.
    pub contents: Vec<StudyContent>,
    pub sessions: Vec<StudySession>,
    /// Conferences of the units above this one (key cadres attend those).
    pub upper_sessions: Vec<StudySession>,
    /// Conferences of the units below this one (at most 200, by date).
    pub lower_sessions: Vec<StudySession>,
    pub materials: Vec<StudyMaterial>,
    /// Questions in the bank for each audience (key cadre, member), this unit's and above.
    pub questions: [i64; 2],
}

/// One member's line on a conference's attendance sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetRow {
    pub member_id: MemberId,
    pub full_name: String,
    /// The party card number, when recorded (the code in attendance spreadsheets).
    pub card_number: Option<String>,
    pub audience: Audience,
    pub cell_name: String,
    pub mark: Option<AttendanceMark>,
    pub reason: Option<String>,
    pub via: Option<CheckInVia>,
}

/// One cell's part of a conference's attendance sheet: how many of its members are on
/// the sheet and how they are marked (a provincial conference names thousands, so the
/// sheet is opened cell by cell).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetCell {
    pub cell_id: OrgId,
    pub cell_name: String,
    /// The unit the cell belongs to (many cells are named alike: "Chi bộ Văn phòng").
    pub unit_name: String,
    pub members: u64,
    pub present: u64,
    pub excused: u64,
    pub absent: u64,
}

impl SheetCell {
    pub fn unmarked(&self) -> u64 {
        self.members - self.present - self.excused - self.absent
    }
}

/// The outcome of a check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckIn {
    pub session: StudySession,
    pub member_name: String,
    /// The member was already marked present: nothing changed.
    pub already: bool,
}

/// One row of an attendance import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceImportRow {
    pub session: StudySessionId,
    pub entry: AttendanceEntry,
}

/// A member's reflection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReflectionRecord {
    pub id: ReflectionId,
    pub member_id: MemberId,
    pub member_name: String,
    pub cell_name: String,
    pub document_id: DocumentId,
    pub body: Option<String>,
    pub file: Option<(ContentKey, EvidenceType, String)>,
    pub submitted_at: OffsetDateTime,
    pub submitted_on: Date,
    pub on_time: bool,
    pub grade: Option<ReflectionGrade>,
    pub comment: Option<String>,
}

/// A reflection handed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReflection {
    pub body: Option<String>,
    pub file: Option<EvidenceMeta>,
    pub on: Date,
}

/// The questions of one attempt, without their answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckPaper {
    pub document_id: DocumentId,
    /// Counted from 1.
    pub attempt: u32,
    pub max_attempts: u32,
    /// (question, prompt, choices)
    pub questions: Vec<(QuestionId, String, Vec<String>)>,
}

/// The principal's member's latest knowledge check on a resolution, as graded: the score
/// and the questions answered wrong or left blank (their prompts and the answer chosen),
/// so the result page says what to read again without the score travelling in the address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub attempt: u32,
    pub score: CheckScore,
    /// (prompt, the choice picked, if any)
    pub wrong: Vec<(String, Option<String>)>,
}

/// A resolution the principal's member has to study, and where they stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MyStudy {
    pub document_id: DocumentId,
    pub symbol: String,
    pub title: String,
    pub study_by: Option<Date>,
    pub audience: Audience,
    /// The core content for my audience from the nearest unit that wrote one.
    pub content: Option<StudyContent>,
    /// Conferences for me: my units' (mine and above), for my audience, by date.
    pub sessions: Vec<StudySession>,
    /// My marks at those conferences.
    pub marks: Vec<(StudySessionId, AttendanceMark)>,
    pub materials: Vec<StudyMaterial>,
    pub state: MemberStudy,
    pub reflection: Option<ReflectionRecord>,
    pub questions_available: i64,
}

/// The study figures of a unit's subtree for a resolution, per audience
/// (index 0 key cadres, 1 members).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Participation {
    pub org_id: OrgId,
    /// Active members of the subtree per audience.
    pub members: [i64; 2],
    pub counters: [StudyCounters; 2],
}

impl Participation {
    pub fn members_total(&self) -> i64 {
        self.members[0] + self.members[1]
    }

    pub fn total(&self) -> StudyCounters {
        let mut t = self.counters[0];
        t.add(&self.counters[1]);
        t
    }

    /// Studied share of the subtree's members, in percent.
    pub fn percent(&self) -> u32 {
        domain::study::percent(self.total().studied, self.members_total())
    }
}

/// A child unit with its participation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitParticipation {
    pub org_id: OrgId,
    pub org_name: String,
    pub participation: Participation,
}

/// A member of a subtree with their study of a resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterRow {
    pub member_id: MemberId,
    pub full_name: String,
    pub cell_id: OrgId,
    pub cell_name: String,
    /// The unit the cell belongs to.
    pub unit_name: String,
    pub audience: Audience,
    pub study: MemberStudy,
}

/// A unit's round review: the report closing a study round (báo cáo kết quả học tập,
/// quán triệt), generated from the figures, edited and issued by its office. Stored in
/// `study_reviews`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundReview {
    pub org_id: OrgId,
    pub document_id: DocumentId,
    pub body_md: String,
    pub commend: Vec<MemberId>,
    pub remind: Vec<MemberId>,
    pub issued_on: Option<Date>,
    pub updated_at: OffsetDateTime,
}

/// The round review as saved from the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundReviewInput {
    pub body_md: String,
    pub commend: Vec<MemberId>,
    pub remind: Vec<MemberId>,
    /// Issue it on this day (it cannot be edited afterwards).
    pub issue_on: Option<Date>,
}

#[async_trait]
pub trait StudyStore: Send + Sync + 'static {
    // ---- Plan ----------------------------------------------------------------------------

    /// A unit's study plan of a resolution (Read on the unit, or a reporter of one of its
    /// sessions). The document must be readable.
    async fn study_plan(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<StudyPlan>;

    /// The resolutions cascaded to the unit or a unit above it (Read on the unit), with the
    /// study deadline of the deepest unit reached, newest deadline first.
    async fn study_documents(&self, p: &Principal, org: OrgId) -> Result<Vec<StudyDocument>>;

    /// Writes the unit's core content for an audience (EditPeople on the unit).
    async fn save_study_content(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        audience: Audience,
        body_md: String,
    ) -> Result<()>;

    /// Plans a conference of the unit. Reporters must be members of the unit's subtree
    /// holding the reporter position (`reporters`, `reporter_not_eligible`); a make-up
    /// names a conference of the same unit and resolution (`makeup_of`, `bad_choice`).
    async fn create_study_session(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        new: NewStudySession,
    ) -> Result<StudySession>;

    /// Corrects a conference (EditPeople on its unit): title, format, date, place and
    /// reporters, and the audience while no attendance is recorded (`audience`,
    /// `session_has_attendance`). A cancelled conference is `Conflict("session_cancelled")`.
    /// Audited with the values before and after.
    async fn update_study_session(
        &self,
        p: &Principal,
        id: StudySessionId,
        edit: SessionEdit,
    ) -> Result<StudySession>;

    /// Cancels a conference (EditPeople on its unit) with a reason (`reason`). It is kept;
    /// one with attendance recorded is `Conflict("session_has_attendance")`, a second
    /// cancel `Conflict("session_cancelled")`. Marks and check-ins are refused afterwards.
    async fn cancel_study_session(
        &self,
        p: &Principal,
        id: StudySessionId,
        reason: String,
    ) -> Result<StudySession>;

    /// A conference (Read on its unit, or one of its reporters, or a member of its
    /// subtree).
    async fn study_session(&self, p: &Principal, id: StudySessionId) -> Result<StudySession>;

    /// The conferences where the principal's member is a reporter, by date.
    async fn my_reporter_sessions(&self, p: &Principal) -> Result<Vec<StudySession>>;

    async fn add_study_material(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        new: NewMaterial,
    ) -> Result<StudyMaterial>;

    /// Withdraws a material (EditPeople on its unit): it leaves the plans and the members'
    /// pages, its row and file stay; a second withdrawal is `Conflict("material_withdrawn")`.
    async fn withdraw_study_material(&self, p: &Principal, id: MaterialId)
    -> Result<StudyMaterial>;

    /// A material, for its download (anyone who may read the plan of a unit at or below
    /// the material's unit, or the member studying). A withdrawn material is `NotFound`
    /// except for those who may edit its unit's plan.
    async fn study_material(&self, p: &Principal, id: MaterialId) -> Result<StudyMaterial>;

    /// Adds a question to the unit's bank (EditPeople on the unit).
    async fn add_question(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        q: Question,
    ) -> Result<QuestionId>;

    /// The questions of the unit's own bank (EditPeople on the unit: they hold the answers).
    async fn questions(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Vec<QuestionRecord>>;

    // ---- Attendance ----------------------------------------------------------------------

    /// The sheet of a conference: the active members of its unit's subtree (for the
    /// audience of a conference above a grassroots unit: key cadres only), by name, with
    /// their marks. Read on the unit.
    async fn attendance_sheet(&self, p: &Principal, id: StudySessionId) -> Result<Vec<SheetRow>>;

    /// One page of the sheet, of one cell or of all, in the sheet's order.
    async fn attendance_sheet_page(
        &self,
        p: &Principal,
        id: StudySessionId,
        cell: Option<OrgId>,
        page: Page,
    ) -> Result<Vec<SheetRow>>;

    /// The sheet counted by cell, in the tree's order.
    async fn attendance_cells(&self, p: &Principal, id: StudySessionId) -> Result<Vec<SheetCell>>;

    /// Records marks from the secretary's sheet (EditPeople on the unit). A member outside
    /// the unit's subtree is `Invalid` (`attendance[i].mark`, `member_outside_unit`).
    /// Returns the rows changed.
    async fn record_attendance(
        &self,
        p: &Principal,
        id: StudySessionId,
        entries: Vec<AttendanceEntry>,
    ) -> Result<u64>;

    /// The principal's member checks in at a conference (the link was verified by the
    /// caller). A member outside the unit's subtree is `Invalid` (`member`,
    /// `checkin_not_your_unit`); no member is `Invalid` (`member`, `checkin_no_member`).
    /// A second check-in changes nothing.
    async fn check_in(&self, p: &Principal, id: StudySessionId) -> Result<CheckIn>;

    /// Records many marks at once, all or nothing (EditPeople on each session's unit); row
    /// errors name `rows[i]`. Returns how many rows were written.
    async fn import_attendance(&self, p: &Principal, rows: Vec<AttendanceImportRow>)
    -> Result<u64>;

    /// The secret that signs check-in links (created by the migration).
    async fn checkin_key(&self) -> Result<Vec<u8>>;

    // ---- Members -------------------------------------------------------------------------

    /// What the principal's member has to study (resolutions cascaded to a unit above
    /// their cell), newest deadline first. Empty without a member.
    async fn my_study(&self, p: &Principal) -> Result<Vec<MyStudy>>;

    /// The questions of the member's next attempt (`Invalid` `check`, with
    /// `check_not_studied`, `check_no_questions`, `check_already_passed`,
    /// `check_no_attempts_left`).
    async fn check_paper(&self, p: &Principal, document: DocumentId) -> Result<CheckPaper>;

    /// The member's latest graded attempt on `document` (`None` before the first).
    async fn last_check(&self, p: &Principal, document: DocumentId) -> Result<Option<CheckResult>>;

    /// Grades and records an attempt; `attempt` must be the next one (a resubmitted page is
    /// `Conflict("check_attempt_taken")`); one with no answer chosen spends nothing
    /// (`Invalid` `answers`, `check_empty`).
    async fn submit_check(
        &self,
        p: &Principal,
        document: DocumentId,
        attempt: u32,
        answers: Vec<(QuestionId, Option<u8>)>,
    ) -> Result<CheckScore>;

    /// Hands in (or replaces, until graded) the member's reflection.
    async fn submit_reflection(
        &self,
        p: &Principal,
        document: DocumentId,
        new: NewReflection,
    ) -> Result<ReflectionRecord>;

    // ---- Grading and figures -------------------------------------------------------------

    /// Reflections of a unit's subtree, by cell then name (Read on the unit).
    async fn reflections(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Vec<ReflectionRecord>>;

    /// One reflection (its member, or Read on the member's cell).
    async fn reflection(&self, p: &Principal, id: ReflectionId) -> Result<ReflectionRecord>;

    /// Grades a reflection (EditPeople on the member's cell).
    async fn grade_reflection(
        &self,
        p: &Principal,
        id: ReflectionId,
        grade: ReflectionGrade,
        comment: Option<String>,
    ) -> Result<ReflectionRecord>;

    /// The subtree's figures: one read of the rollups and the audience counts.
    async fn participation(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Participation>;

    /// The figures of each active child of a unit, by name.
    async fn participation_children(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Vec<UnitParticipation>>;

    /// Members of the subtree with their study state, by cell and name, one page at a time;
    /// `only_unstudied` keeps those not yet present at any conference.
    async fn study_roster(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        only_unstudied: bool,
        page: Page,
    ) -> Result<Vec<RosterRow>>;

    /// Make-up sessions held in the subtree (held on or before `today`).
    async fn makeups_held(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: Date,
    ) -> Result<i64>;

    // ---- Round review --------------------------------------------------------------------

    /// The unit's round review of a resolution, if one was saved (Read on the unit).
    async fn round_review(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Option<RoundReview>>;

    /// Saves (and optionally issues) the unit's round review (EditPeople on the unit). An
    /// issued one is `Conflict("round_review_issued")`.
    async fn save_round_review(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        input: RoundReviewInput,
    ) -> Result<RoundReview>;

    // ---- Maintenance ---------------------------------------------------------------------

    /// Rebuilds `study_members` from the records and `study_rollups` from them (system
    /// principal only). Returns the rows that differed (0 when incremental = rebuilt).
    async fn recount_study(&self, p: &Principal) -> Result<u64>;
}
