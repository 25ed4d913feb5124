//! Action programs and implementation plans: their life (draft → issued → superseded),
//! their free-text sections and their task table, and the "5 rõ" check before issue.
//!
//! A draft can be saved incomplete. Issuing requires every task to name its content, a
//! responsible person, a deadline (not before the issue date) and an expected output —
//! the "5 rõ": clear person, task, time, output and responsibility (the lead body carries
//! the responsibility). An issued program is frozen; a revision is a new draft that
//! supersedes it when issued. Nothing is deleted.
//!
//! Errors in the task table are named `tasks[i].field` (from 0; see
//! [`crate::fieldpath`]) so that a form can point at the cell. Codes: `program_no_tasks`,
//! `too_many_tasks`, `task_content_required`, `task_responsible_required`,
//! `task_deadline_required`, `task_output_required`, `deadline_before_issue`,
//! `responsible_outside_unit`, `program_not_draft`, `program_not_issued`, plus `too_long`,
//! `bad_date`, `bad_number`.

use crate::document::{BodyCode, DocumentNumber, DocumentType, NumberStyle, Term, next_number};
use crate::fieldpath::indexed;
use crate::ids::MemberId;
use crate::org::{OrgKind, OrgPath};
use crate::record_ids::{ProgramId, TargetId};
use crate::validate::{self, Invalid};
use serde::{Deserialize, Serialize};
use time::Date;

/// Where a program is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgramState {
    /// Being written; may be incomplete; editable.
    Draft,
    /// Issued with a number and symbol; frozen; the current version.
    Issued,
    /// Replaced by a later issued revision; kept readable.
    Superseded,
}

impl ProgramState {
    pub const ALL: [ProgramState; 3] = [
        ProgramState::Draft,
        ProgramState::Issued,
        ProgramState::Superseded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProgramState::Draft => "draft",
            ProgramState::Issued => "issued",
            ProgramState::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<ProgramState> {
        ProgramState::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Only a draft's sections, tasks and targets may change.
    pub fn is_editable(self) -> bool {
        self == ProgramState::Draft
    }

    /// Only the issued version's tasks count on dashboards and take progress updates.
    pub fn is_current(self) -> bool {
        self == ProgramState::Issued
    }

    /// Draft → Issued.
    pub fn issue(self) -> Result<ProgramState, Invalid> {
        match self {
            ProgramState::Draft => Ok(ProgramState::Issued),
            _ => Err(Invalid::one("state", "program_not_draft")),
        }
    }

    /// Issued → Superseded, when its revision is issued.
    pub fn supersede(self) -> Result<ProgramState, Invalid> {
        match self {
            ProgramState::Issued => Ok(ProgramState::Superseded),
            _ => Err(Invalid::one("state", "program_not_issued")),
        }
    }

    /// A revision may be started from the issued version only (a draft is edited in
    /// place; a superseded version has a newer one to revise).
    pub fn can_revise(self) -> bool {
        self == ProgramState::Issued
    }

    /// The guard of every edit of a draft (sections, tasks, targets): `program_not_draft`.
    pub fn require_editable(self) -> Result<(), Invalid> {
        if self.is_editable() {
            Ok(())
        } else {
            Err(Invalid::one("state", "program_not_draft"))
        }
    }

    /// The guard of starting a revision: `program_not_issued` unless issued.
    pub fn require_revisable(self) -> Result<(), Invalid> {
        if self.can_revise() {
            Ok(())
        } else {
            Err(Invalid::one("state", "program_not_issued"))
        }
    }
}

/// Issuing a revision: the draft becomes issued and the version it revises, if any,
/// superseded, in one step. Returns the new states `(revision, old)`.
pub fn issue_revision(
    draft: ProgramState,
    revises: Option<ProgramState>,
) -> Result<(ProgramState, Option<ProgramState>), Invalid> {
    let new = draft.issue()?;
    let old = revises.map(ProgramState::supersede).transpose()?;
    Ok((new, old))
}

/// Whether a unit writes an action program (CTr) or an implementation plan (KH).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgramKind {
    ActionProgram,
    Plan,
}

impl ProgramKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProgramKind::ActionProgram => "action_program",
            ProgramKind::Plan => "plan",
        }
    }

    pub fn parse(s: &str) -> Option<ProgramKind> {
        match s {
            "action_program" => Some(ProgramKind::ActionProgram),
            "plan" => Some(ProgramKind::Plan),
            _ => None,
        }
    }

    /// The document type of its number and symbol: `15-CTr/HU`, `09-KH/ĐU`.
    pub fn document_type(self) -> DocumentType {
        match self {
            ProgramKind::ActionProgram => DocumentType::Program,
            ProgramKind::Plan => DocumentType::Plan,
        }
    }
}

pub const MAX_SECTION_CHARS: usize = 50_000;
pub const MAX_CONTENT_CHARS: usize = 2_000;
pub const MAX_BODY_CHARS: usize = 300;
pub const MAX_OUTPUT_CHARS: usize = 1_000;
pub const MAX_COOPERATING: usize = 20;
/// A program has at most this many tasks (below [`crate::fieldpath::MAX_INDEX`]).
pub const MAX_TASKS: usize = 300;

/// The free-text sections of a program, in Markdown (sanitized when rendered).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramSections {
    /// I. Mục đích, yêu cầu.
    pub purpose: String,
    /// II. Nhiệm vụ, giải pháp.
    pub tasks_and_solutions: String,
    /// III. Tổ chức thực hiện.
    pub organization: String,
}

impl ProgramSections {
    pub const FIELDS: [&'static str; 3] = ["purpose", "tasks_and_solutions", "organization"];

    fn texts(&self) -> [&str; 3] {
        [&self.purpose, &self.tasks_and_solutions, &self.organization]
    }

    /// Sections are optional, each at most [`MAX_SECTION_CHARS`].
    pub fn check(&self) -> Result<(), Invalid> {
        let mut inv = Invalid::default();
        for (field, text) in ProgramSections::FIELDS.into_iter().zip(self.texts()) {
            if text.chars().count() > MAX_SECTION_CHARS {
                inv.push(field, "too_long");
            }
        }
        inv.into_result(())
    }

    /// The text of the document a program is issued as: the three sections under their
    /// headings.
    pub fn to_markdown(&self) -> String {
        format!(
            "## I. Mục đích, yêu cầu\n\n{}\n\n## II. Nhiệm vụ, giải pháp\n\n{}\n\n## III. Tổ chức thực hiện\n\n{}\n",
            self.purpose, self.tasks_and_solutions, self.organization
        )
    }

    /// At issue, sections II (the tasks and solutions) and III (how it is carried out)
    /// must have text: a program with only a task table says neither how the tasks fit
    /// together nor who organizes, checks and reports (`required`). Section I may stay
    /// empty: many units' programs open directly with the tasks.
    pub fn check_for_issue(&self) -> Result<(), Invalid> {
        let mut inv = Invalid::default();
        inv.take(self.check());
        for (field, text) in [
            ("tasks_and_solutions", &self.tasks_and_solutions),
            ("organization", &self.organization),
        ] {
            if text.trim().is_empty() {
                inv.push(field, "required");
            }
        }
        inv.into_result(())
    }

    /// How many of the three sections have text.
    pub fn filled(&self) -> usize {
        self.texts().iter().filter(|t| !t.trim().is_empty()).count()
    }
}

/// One task of a program, as saved in a draft: anything but the content may be missing
/// until issue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskDraft {
    /// Nội dung nhiệm vụ.
    pub content: String,
    /// Cơ quan chủ trì.
    pub lead_body: Option<String>,
    /// Cơ quan phối hợp.
    pub cooperating_bodies: Vec<String>,
    /// Người chịu trách nhiệm: a member within the unit's subtree.
    pub responsible: Option<MemberId>,
    /// Thời hạn.
    pub deadline: Option<Date>,
    /// Sản phẩm, kết quả đầu ra.
    pub expected_output: Option<String>,
    /// The upper level's target this task serves.
    pub upper_target: Option<TargetId>,
}

/// A task as typed into the form: every field a string. Cooperating bodies are one per
/// line or separated by `;`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskForm {
    pub content: String,
    pub lead_body: String,
    pub cooperating_bodies: String,
    pub responsible: String,
    pub deadline: String,
    pub expected_output: String,
    pub upper_target: String,
}

impl TaskDraft {
    /// The field names of a task, in form order.
    pub const FIELDS: [&'static str; 7] = [
        "content",
        "lead_body",
        "cooperating_bodies",
        "responsible",
        "deadline",
        "expected_output",
        "upper_target",
    ];

    /// Parses row `index` of the task table for saving in a draft: formats are checked
    /// (dates, ids, lengths), completeness is not. An empty content is `required` only
    /// because a row without content is no task at all.
    pub fn parse(index: usize, form: &TaskForm) -> Result<TaskDraft, Invalid> {
        let f = |name: &'static str| indexed("tasks", index, name);
        let mut inv = Invalid::default();
        let content = inv.take(validate_multiline(
            f("content"),
            &form.content,
            MAX_CONTENT_CHARS,
            true,
        ));
        let lead_body = inv.take(validate::optional(
            f("lead_body"),
            &form.lead_body,
            MAX_BODY_CHARS,
        ));
        let mut cooperating_bodies = Vec::new();
        for part in form.cooperating_bodies.split(['\n', ';']) {
            match validate::optional(f("cooperating_bodies"), part, MAX_BODY_CHARS) {
                Ok(Some(b)) if !cooperating_bodies.contains(&b) => cooperating_bodies.push(b),
                Ok(_) => {}
                Err(e) => {
                    inv.0.extend(e.0);
                    break;
                }
            }
        }
        if cooperating_bodies.len() > MAX_COOPERATING {
            inv.push(f("cooperating_bodies"), "too_long");
        }
        let responsible =
            parse_id(&mut inv, f("responsible"), &form.responsible).map(|o| o.map(MemberId));
        let deadline = inv.take(validate::optional_date(f("deadline"), &form.deadline));
        let expected_output = inv
            .take(validate_multiline(
                f("expected_output"),
                &form.expected_output,
                MAX_OUTPUT_CHARS,
                false,
            ))
            .map(|s| (!s.is_empty()).then_some(s));
        let upper_target =
            parse_id(&mut inv, f("upper_target"), &form.upper_target).map(|o| o.map(TargetId));
        match (
            content,
            lead_body,
            responsible,
            deadline,
            expected_output,
            upper_target,
        ) {
            (
                Some(content),
                Some(lead_body),
                Some(responsible),
                Some(deadline),
                Some(expected_output),
                Some(upper_target),
            ) if inv.is_empty() => Ok(TaskDraft {
                content,
                lead_body,
                cooperating_bodies,
                responsible,
                deadline,
                expected_output,
                upper_target,
            }),
            _ => Err(inv),
        }
    }

    /// Whether the task satisfies the "5 rõ" (a deadline before the issue date is
    /// checked separately, by [`check_issue`]).
    pub fn is_complete(&self) -> bool {
        !self.content.trim().is_empty()
            && self.responsible.is_some()
            && self.deadline.is_some()
            && self
                .expected_output
                .as_deref()
                .is_some_and(|o| !o.trim().is_empty())
    }
}

/// A text that keeps its line breaks (a task's content may run over a few lines): NFC,
/// each line's spaces collapsed, empty lines dropped, no other control characters, at most
/// `max` characters.
pub(crate) fn validate_multiline(
    field: &'static str,
    raw: &str,
    max: usize,
    required: bool,
) -> Result<String, Invalid> {
    let text = crate::text::nfc(raw.trim());
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    let v = lines.join("\n");
    if v.is_empty() && required {
        return Err(Invalid::one(field, "required"));
    }
    if v.chars().count() > max {
        return Err(Invalid::one(field, "too_long"));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Invalid::one(field, "bad_chars"));
    }
    if crate::text::hidden_char(&v).is_some() {
        return Err(Invalid::one(field, "hidden_chars"));
    }
    Ok(v)
}

/// An optional positive id typed as a number; `None` in the outer option on error.
fn parse_id(inv: &mut Invalid, field: &'static str, raw: &str) -> Option<Option<i64>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Some(None);
    }
    match raw.parse::<i64>() {
        Ok(n) if n > 0 => Some(Some(n)),
        _ => {
            inv.push(field, "bad_number");
            None
        }
    }
}

/// The "5 rõ" check of a task table before issue: at least one task, at most
/// [`MAX_TASKS`], and every task with content, a responsible person, a deadline and an
/// expected output. Every problem of every task is reported, in table order.
pub fn check_issuable(tasks: &[TaskDraft]) -> Result<(), Invalid> {
    let mut inv = Invalid::default();
    if tasks.is_empty() {
        inv.push("tasks", "program_no_tasks");
    }
    if tasks.len() > MAX_TASKS {
        inv.push("tasks", "too_many_tasks");
    }
    for (i, t) in tasks.iter().enumerate().take(MAX_TASKS) {
        if t.content.trim().is_empty() {
            inv.push(indexed("tasks", i, "content"), "task_content_required");
        }
        if t.responsible.is_none() {
            inv.push(
                indexed("tasks", i, "responsible"),
                "task_responsible_required",
            );
        }
        if t.deadline.is_none() {
            inv.push(indexed("tasks", i, "deadline"), "task_deadline_required");
        }
        if t.expected_output
            .as_deref()
            .is_none_or(|o| o.trim().is_empty())
        {
            inv.push(
                indexed("tasks", i, "expected_output"),
                "task_output_required",
            );
        }
    }
    inv.into_result(())
}

/// No task's deadline may fall before the program's issue date.
pub fn check_task_deadlines(tasks: &[TaskDraft], issued_on: Date) -> Result<(), Invalid> {
    let mut inv = Invalid::default();
    for (i, t) in tasks.iter().enumerate().take(MAX_TASKS) {
        if t.deadline.is_some_and(|d| d < issued_on) {
            inv.push(indexed("tasks", i, "deadline"), "deadline_before_issue");
        }
    }
    inv.into_result(())
}

/// Everything checked before a draft is issued on `issued_on`: the state, the sections'
/// lengths, the "5 rõ" and the deadlines. All problems are reported together, each task's
/// in table order.
pub fn check_issue(
    state: ProgramState,
    sections: &ProgramSections,
    tasks: &[TaskDraft],
    issued_on: Date,
) -> Result<(), Invalid> {
    let mut inv = Invalid::default();
    inv.take(state.issue());
    inv.take(sections.check_for_issue());
    inv.take(check_issuable(tasks));
    inv.take(check_task_deadlines(tasks, issued_on));
    // Keep each task's problems together, in the table's order, as the summary lists them.
    inv.0
        .sort_by_key(|e| crate::fieldpath::split(e.field).map(|(_, i, _)| i));
    inv.into_result(())
}

/// A responsible person must belong to the unit's subtree: `member_cell` is the path of
/// the cell the member belongs to.
pub fn check_responsible(
    field: &'static str,
    unit: &OrgPath,
    member_cell: &OrgPath,
) -> Result<(), Invalid> {
    if unit.covers(member_cell) {
        Ok(())
    } else {
        Err(Invalid::one(field, "responsible_outside_unit"))
    }
}

/// A program's title is its document's title.
pub const MAX_TITLE_CHARS: usize = crate::document::MAX_TITLE_CHARS;

/// A new draft for the resolution `document` names: the document must be one the
/// principal reads (`document_id`, `bad_choice` otherwise, reported alone), and the title
/// is required. Returns the clean title.
pub fn check_new_draft(document_readable: bool, title: &str) -> Result<String, Invalid> {
    if !document_readable {
        return Err(Invalid::one("document_id", "bad_choice"));
    }
    validate::name("title", title, MAX_TITLE_CHARS)
}

/// What the store found of the references of a task table: the cell of each responsible
/// member that exists, and which of the upper targets belong to the program's document
/// chain (those of the resolution and of the programs that implement it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskRefs {
    pub cells: std::collections::HashMap<MemberId, OrgPath>,
    pub targets_in_chain: Vec<TargetId>,
}

impl TaskRefs {
    /// Every responsible person is a member of the unit's subtree
    /// (`tasks[i].responsible`, `responsible_outside_unit`; an unknown member too), and
    /// every upper target belongs to the chain (`tasks[i].upper_target`, `bad_choice`).
    pub fn check(&self, unit: &OrgPath, tasks: &[TaskDraft]) -> Result<(), Invalid> {
        let mut inv = Invalid::default();
        for (i, t) in tasks.iter().enumerate() {
            if let Some(m) = t.responsible {
                let field = indexed("tasks", i, "responsible");
                match self.cells.get(&m) {
                    Some(cell) => {
                        inv.take(check_responsible(field, unit, cell));
                    }
                    None => inv.push(field, "responsible_outside_unit"),
                }
            }
            if let Some(x) = t.upper_target
                && !self.targets_in_chain.contains(&x)
            {
                inv.push(indexed("tasks", i, "upper_target"), "bad_choice");
            }
        }
        inv.into_result(())
    }
}

/// A draft's task table as saved: at most [`MAX_TASKS`] (`tasks`, `too_many_tasks`,
/// reported alone), and its references [`TaskRefs::check`]ed. Completeness waits for
/// the issue.
pub fn check_tasks_to_save(
    unit: &OrgPath,
    tasks: &[TaskDraft],
    refs: &TaskRefs,
) -> Result<(), Invalid> {
    check_task_count(tasks.len())?;
    refs.check(unit, tasks)
}

/// At most [`MAX_TASKS`] tasks: `too_many_tasks`.
pub fn check_task_count(n: usize) -> Result<(), Invalid> {
    if n > MAX_TASKS {
        Err(Invalid::one("tasks", "too_many_tasks"))
    } else {
        Ok(())
    }
}

/// What the store loaded to issue a program.
#[derive(Debug, Clone, Copy)]
pub struct IssueFacts<'a> {
    pub state: ProgramState,
    pub sections: &'a ProgramSections,
    pub tasks: &'a [TaskDraft],
    /// The unit that issues it, and its kind (which gives the body code of the symbol).
    pub unit: &'a OrgPath,
    pub unit_kind: OrgKind,
    /// The task table's references; loaded for a draft only (anything else is refused
    /// for its state already).
    pub refs: Option<&'a TaskRefs>,
}

/// Everything checked before a program is issued on `issued_on`, all problems together:
/// [`check_issue`] (state, sections, the "5 rõ", deadlines; each task's problems in
/// table order), then the references of the tasks, then a body code for the unit's
/// kind (`org`, `doc_body_code`: state bodies and mass organizations have none by
/// default). Returns the body code of the symbol.
pub fn check_issue_facts(f: &IssueFacts<'_>, issued_on: Date) -> Result<BodyCode, Invalid> {
    let mut inv = Invalid::default();
    inv.take(check_issue(f.state, f.sections, f.tasks, issued_on));
    if let Some(refs) = f.refs {
        inv.take(refs.check(f.unit, f.tasks));
    }
    let body = BodyCode::for_org(f.unit_kind, None);
    if body.is_none() {
        inv.push("org", "doc_body_code");
    }
    inv.into_result(())?;
    Ok(body.expect("no error, so a body code"))
}

/// The committee term an issued program is numbered in: the resolution's when the issue
/// date falls in it, else the latest standard term containing the date.
pub fn issue_term(resolution_term: Term, issued_on: Date) -> Result<Term, Invalid> {
    if resolution_term.contains(issued_on) {
        return Ok(resolution_term);
    }
    Term::candidates(issued_on)
        .last()
        .copied()
        .ok_or(Invalid::one("issued_on", "bad_term"))
}

/// The number and symbol an issued program gets: the next in the unit's series of its
/// type in the term, given the numbers `used` there, written the way of the unit's kind
/// (`15-CTr/HU`).
pub fn issue_number(
    unit_kind: OrgKind,
    kind: ProgramKind,
    body: &BodyCode,
    used: &[u32],
) -> Result<DocumentNumber, Invalid> {
    DocumentNumber::new(
        "number",
        NumberStyle::for_kind(unit_kind),
        next_number(used),
        kind.document_type(),
        body,
    )
}

/// The status tag of one part of a draft on its task-list page (GOV.UK task list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartStatus {
    /// Chưa bắt đầu.
    NotStarted,
    /// Đang làm.
    InProgress,
    /// Hoàn thành.
    Completed,
}

impl PartStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PartStatus::NotStarted => "not_started",
            PartStatus::InProgress => "in_progress",
            PartStatus::Completed => "completed",
        }
    }
}

/// The parts of a draft's task-list page with their status: the sections (completed when
/// all three have text), the tasks (completed when every task meets the "5 rõ"), and the
/// targets (completed when there is at least one; a program may have none, so the tag is
/// advisory). The check-your-answers page comes after, and issuing is allowed when
/// [`check_issue`] passes.
pub fn draft_parts(
    sections: &ProgramSections,
    tasks: &[TaskDraft],
    targets: usize,
) -> [(&'static str, PartStatus); 3] {
    let sections_status = match sections.filled() {
        0 => PartStatus::NotStarted,
        3 => PartStatus::Completed,
        _ => PartStatus::InProgress,
    };
    let tasks_status = if tasks.is_empty() {
        PartStatus::NotStarted
    } else if tasks.iter().all(TaskDraft::is_complete) {
        PartStatus::Completed
    } else {
        PartStatus::InProgress
    };
    let targets_status = if targets == 0 {
        PartStatus::NotStarted
    } else {
        PartStatus::Completed
    };
    [
        ("sections", sections_status),
        ("tasks", tasks_status),
        ("targets", targets_status),
    ]
}

/// The link between versions of a program: a revision names the version it revises; the
/// revised version names its successor once superseded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub revises: Option<ProgramId>,
    pub superseded_by: Option<ProgramId>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn complete() -> TaskDraft {
        TaskDraft {
            content: "Tổ chức hội nghị quán triệt cho 100% cán bộ chủ chốt".into(),
            lead_body: Some("Ban Tuyên giáo Huyện ủy".into()),
            cooperating_bodies: vec!["Văn phòng Huyện ủy".into()],
            responsible: Some(MemberId(7)),
            deadline: Some(date!(2025 - 06 - 30)),
            expected_output: Some("Hội nghị; báo cáo kết quả".into()),
            upper_target: None,
        }
    }

    fn pairs(e: &Invalid) -> Vec<(&'static str, &'static str)> {
        e.0.iter().map(|f| (f.field, f.code)).collect()
    }

    #[test]
    fn state_machine() {
        use ProgramState::*;
        assert_eq!(Draft.issue().unwrap(), Issued);
        assert_eq!(Issued.supersede().unwrap(), Superseded);
        assert_eq!(Issued.issue().unwrap_err().0[0].code, "program_not_draft");
        assert_eq!(
            Superseded.issue().unwrap_err().0[0].code,
            "program_not_draft"
        );
        assert_eq!(
            Draft.supersede().unwrap_err().0[0].code,
            "program_not_issued"
        );
        assert_eq!(
            Superseded.supersede().unwrap_err().0[0].code,
            "program_not_issued"
        );
        assert!(Draft.is_editable() && !Issued.is_editable() && !Superseded.is_editable());
        assert!(Issued.can_revise() && !Draft.can_revise() && !Superseded.can_revise());
        assert_eq!(
            issue_revision(Draft, Some(Issued)).unwrap(),
            (Issued, Some(Superseded))
        );
        assert_eq!(issue_revision(Draft, None).unwrap(), (Issued, None));
        assert!(issue_revision(Draft, Some(Superseded)).is_err());
        assert!(issue_revision(Issued, Some(Issued)).is_err());
        for s in ProgramState::ALL {
            assert_eq!(ProgramState::parse(s.as_str()), Some(s));
        }
        assert_eq!(ProgramKind::ActionProgram.document_type().code(), "CTr");
        assert_eq!(ProgramKind::Plan.document_type().code(), "KH");
    }

    #[test]
    fn five_ro_names_each_missing_field() {
        assert!(check_issuable(&[complete(), complete()]).is_ok());
        assert_eq!(
            pairs(&check_issuable(&[]).unwrap_err()),
            vec![("tasks", "program_no_tasks")]
        );
        let mut t2 = complete();
        t2.responsible = None;
        t2.expected_output = Some("  ".into());
        let mut t3 = complete();
        t3.content = " ".into();
        t3.deadline = None;
        let e = check_issuable(&[complete(), complete(), t2, t3]).unwrap_err();
        assert_eq!(
            pairs(&e),
            vec![
                ("tasks[2].responsible", "task_responsible_required"),
                ("tasks[2].expected_output", "task_output_required"),
                ("tasks[3].content", "task_content_required"),
                ("tasks[3].deadline", "task_deadline_required"),
            ]
        );
        let many = vec![complete(); MAX_TASKS + 1];
        assert_eq!(
            pairs(&check_issuable(&many).unwrap_err()),
            vec![("tasks", "too_many_tasks")]
        );
    }

    /// Sections II and III written, as issuing needs.
    fn filled() -> ProgramSections {
        ProgramSections {
            tasks_and_solutions: "Tập trung lãnh đạo, chỉ đạo.".into(),
            organization: "Văn phòng theo dõi, báo cáo.".into(),
            ..Default::default()
        }
    }

    #[test]
    fn issue_checks_everything_in_table_order() {
        let mut early = complete();
        early.deadline = Some(date!(2025 - 01 - 01));
        let mut none = complete();
        none.responsible = None;
        let sections = ProgramSections {
            purpose: "x".repeat(MAX_SECTION_CHARS + 1),
            ..Default::default()
        };
        let e = check_issue(
            ProgramState::Draft,
            &sections,
            &[early, none],
            date!(2025 - 02 - 01),
        )
        .unwrap_err();
        assert_eq!(
            pairs(&e),
            vec![
                ("purpose", "too_long"),
                ("tasks_and_solutions", "required"),
                ("organization", "required"),
                ("tasks[0].deadline", "deadline_before_issue"),
                ("tasks[1].responsible", "task_responsible_required"),
            ]
        );
        let ok = check_issue(
            ProgramState::Draft,
            &filled(),
            &[complete()],
            date!(2025 - 06 - 30),
        );
        assert!(ok.is_ok(), "a deadline on the issue day is fine");
        let frozen = check_issue(
            ProgramState::Issued,
            &filled(),
            &[complete()],
            date!(2025 - 02 - 01),
        );
        assert_eq!(
            pairs(&frozen.unwrap_err()),
            vec![("state", "program_not_draft")]
        );
    }

    #[test]
    fn task_rows_parse_for_a_draft() {
        let form = TaskForm {
            content: "  Tổ chức   hội nghị\r\n\r\n quán triệt ".into(),
            lead_body: " Ban Tuyên giáo ".into(),
            cooperating_bodies: "Văn phòng; Ban Tổ chức\nVăn phòng\n".into(),
            responsible: "12".into(),
            deadline: "30/06/2025".into(),
            expected_output: "".into(),
            upper_target: "".into(),
        };
        let t = TaskDraft::parse(4, &form).unwrap();
        assert_eq!(t.content, "Tổ chức hội nghị\nquán triệt");
        assert_eq!(t.lead_body.as_deref(), Some("Ban Tuyên giáo"));
        assert_eq!(t.cooperating_bodies, vec!["Văn phòng", "Ban Tổ chức"]);
        assert_eq!(t.responsible, Some(MemberId(12)));
        assert_eq!(t.expected_output, None);
        assert!(!t.is_complete(), "saved incomplete");

        let bad = TaskForm {
            content: String::new(),
            responsible: "Nguyễn Văn A".into(),
            deadline: "31/02/2025".into(),
            upper_target: "-3".into(),
            expected_output: "x".repeat(MAX_OUTPUT_CHARS + 1),
            ..form
        };
        let e = TaskDraft::parse(1, &bad).unwrap_err();
        assert_eq!(
            pairs(&e),
            vec![
                ("tasks[1].content", "required"),
                ("tasks[1].responsible", "bad_number"),
                ("tasks[1].deadline", "bad_date"),
                ("tasks[1].expected_output", "too_long"),
                ("tasks[1].upper_target", "bad_number"),
            ]
        );
    }

    #[test]
    fn responsible_must_be_in_the_subtree() {
        let unit = OrgPath::parse("/1/5/").unwrap();
        assert!(check_responsible("r", &unit, &OrgPath::parse("/1/5/40/400/").unwrap()).is_ok());
        assert_eq!(
            check_responsible("r", &unit, &OrgPath::parse("/1/50/4/").unwrap())
                .unwrap_err()
                .0[0]
                .code,
            "responsible_outside_unit"
        );
    }

    #[test]
    fn task_list_statuses() {
        use PartStatus::*;
        let empty = ProgramSections::default();
        assert_eq!(
            draft_parts(&empty, &[], 0).map(|p| p.1),
            [NotStarted, NotStarted, NotStarted]
        );
        let some = ProgramSections {
            purpose: "Mục đích".into(),
            ..Default::default()
        };
        let mut half = complete();
        half.deadline = None;
        assert_eq!(
            draft_parts(&some, &[complete(), half], 1).map(|p| p.1),
            [InProgress, InProgress, Completed]
        );
        let all = ProgramSections {
            purpose: "a".into(),
            tasks_and_solutions: "b".into(),
            organization: "c".into(),
        };
        assert_eq!(
            draft_parts(&all, &[complete()], 0).map(|p| p.1),
            [Completed, Completed, NotStarted]
        );
    }

    fn task() -> impl Strategy<Value = TaskDraft> {
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(c, r, d, o)| {
            let mut t = complete();
            if !c {
                t.content = String::new();
            }
            if !r {
                t.responsible = None;
            }
            if !d {
                t.deadline = None;
            }
            if !o {
                t.expected_output = None;
            }
            t
        })
    }

    #[test]
    fn guards_of_editing_and_revising() {
        assert!(ProgramState::Draft.require_editable().is_ok());
        for s in [ProgramState::Issued, ProgramState::Superseded] {
            assert_eq!(
                s.require_editable().unwrap_err(),
                Invalid::one("state", "program_not_draft")
            );
        }
        assert!(ProgramState::Issued.require_revisable().is_ok());
        for s in [ProgramState::Draft, ProgramState::Superseded] {
            assert_eq!(
                s.require_revisable().unwrap_err(),
                Invalid::one("state", "program_not_issued")
            );
        }
        assert_eq!(
            check_new_draft(false, "").unwrap_err(),
            Invalid::one("document_id", "bad_choice")
        );
        assert_eq!(
            check_new_draft(true, " ").unwrap_err(),
            Invalid::one("title", "required")
        );
        assert_eq!(
            check_new_draft(true, " Chương trình  hành động ").unwrap(),
            "Chương trình hành động"
        );
    }

    fn unit() -> OrgPath {
        OrgPath::parse("/1/2/").unwrap()
    }

    fn refs() -> TaskRefs {
        TaskRefs {
            cells: [
                (MemberId(7), OrgPath::parse("/1/2/30/31/").unwrap()),
                (MemberId(8), OrgPath::parse("/1/3/40/").unwrap()),
            ]
            .into_iter()
            .collect(),
            targets_in_chain: vec![TargetId(5)],
        }
    }

    #[test]
    fn task_references_stay_in_the_unit_and_the_chain() {
        let mut t = complete();
        t.upper_target = Some(TargetId(5));
        assert!(refs().check(&unit(), std::slice::from_ref(&t)).is_ok());
        let mut outside = complete();
        outside.responsible = Some(MemberId(8));
        outside.upper_target = Some(TargetId(6));
        let mut unknown = complete();
        unknown.responsible = Some(MemberId(9));
        assert_eq!(
            pairs(
                &refs()
                    .check(&unit(), &[t.clone(), outside, unknown])
                    .unwrap_err()
            ),
            [
                ("tasks[1].responsible", "responsible_outside_unit"),
                ("tasks[1].upper_target", "bad_choice"),
                ("tasks[2].responsible", "responsible_outside_unit"),
            ]
        );
        let too_many = vec![complete(); MAX_TASKS + 1];
        assert_eq!(
            check_tasks_to_save(&unit(), &too_many, &refs()).unwrap_err(),
            Invalid::one("tasks", "too_many_tasks")
        );
        assert!(check_tasks_to_save(&unit(), &[t], &refs()).is_ok());
    }

    #[test]
    fn issuing_checks_the_draft_its_references_and_the_units_body_code() {
        let sections = filled();
        let mut outside = complete();
        outside.responsible = Some(MemberId(8));
        let tasks = [complete(), outside];
        let refs = refs();
        let facts = IssueFacts {
            state: ProgramState::Draft,
            sections: &sections,
            tasks: &tasks[..1],
            unit: &unit(),
            unit_kind: OrgKind::DirectlyAffiliated,
            refs: Some(&refs),
        };
        let on = date!(2025 - 02 - 01);
        assert_eq!(check_issue_facts(&facts, on).unwrap().as_str(), "HU");
        let state_body = IssueFacts {
            tasks: &tasks,
            unit_kind: OrgKind::StateBody,
            ..facts
        };
        assert_eq!(
            pairs(&check_issue_facts(&state_body, date!(2025 - 07 - 01)).unwrap_err()),
            [
                ("tasks[0].deadline", "deadline_before_issue"),
                ("tasks[1].deadline", "deadline_before_issue"),
                ("tasks[1].responsible", "responsible_outside_unit"),
                ("org", "doc_body_code"),
            ]
        );
        let issued = IssueFacts {
            state: ProgramState::Issued,
            refs: None,
            ..facts
        };
        assert_eq!(
            pairs(&check_issue_facts(&issued, on).unwrap_err()),
            [("state", "program_not_draft")]
        );
    }

    #[test]
    fn an_issued_program_is_numbered_in_the_resolutions_term_or_the_current_one() {
        let term = Term::new(2020, 2025).unwrap();
        assert_eq!(issue_term(term, date!(2025 - 03 - 01)).unwrap(), term);
        assert_eq!(
            issue_term(term, date!(2026 - 03 - 01)).unwrap(),
            Term::new(2025, 2030).unwrap()
        );
        let hu = BodyCode::parse("b", "HU").unwrap();
        let n = issue_number(
            OrgKind::DirectlyAffiliated,
            ProgramKind::ActionProgram,
            &hu,
            &[1, 14],
        )
        .unwrap();
        assert_eq!(n.to_string(), "15-CTr/HU");
        let ubnd = BodyCode::parse("b", "UBND").unwrap();
        let n = issue_number(OrgKind::StateBody, ProgramKind::Plan, &ubnd, &[]).unwrap();
        assert_eq!(n.to_string(), "1/KH-UBND");
        assert!(issue_number(OrgKind::Cell, ProgramKind::Plan, &hu, &[9999]).is_err());
    }

    #[test]
    fn the_issued_text_carries_the_three_sections() {
        let s = ProgramSections {
            purpose: "A".into(),
            tasks_and_solutions: "B".into(),
            organization: "C".into(),
        };
        assert_eq!(
            s.to_markdown(),
            "## I. Mục đích, yêu cầu\n\nA\n\n## II. Nhiệm vụ, giải pháp\n\nB\n\n## III. Tổ chức thực hiện\n\nC\n"
        );
    }

    proptest! {
        #[test]
        fn references_pass_exactly_when_each_is_known_and_inside(
            picks in prop::collection::vec((prop::option::of(6i64..10), prop::option::of(4i64..7)), 0..8),
        ) {
            let refs = refs();
            let tasks: Vec<TaskDraft> = picks.iter().map(|(m, x)| TaskDraft {
                responsible: m.map(MemberId),
                upper_target: x.map(TargetId),
                ..complete()
            }).collect();
            let each = picks.iter().all(|(m, x)| {
                m.is_none_or(|m| m == 7) && x.is_none_or(|x| x == 5)
            });
            prop_assert_eq!(refs.check(&unit(), &tasks).is_ok(), each);
        }

        #[test]
        fn the_issue_number_is_fresh_in_its_series(used in prop::collection::vec(1u32..9000, 0..30)) {
            let hu = BodyCode::parse("b", "HU").unwrap();
            let n = issue_number(OrgKind::DirectlyAffiliated, ProgramKind::ActionProgram, &hu, &used).unwrap();
            prop_assert!(used.iter().all(|u| *u < n.number()));
            prop_assert_eq!(n.type_code(), "CTr");
        }

        #[test]
        fn the_issue_term_contains_the_issue_date(
            start in 1990i32..2150, len in 1i32..10, y in 1990i32..2190, d in 1u8..28,
        ) {
            let term = Term::new(start, start + len).unwrap();
            let on = Date::from_calendar_date(y, time::Month::March, d).unwrap();
            let t = issue_term(term, on).unwrap();
            prop_assert!(t.contains(on));
            if term.contains(on) {
                prop_assert_eq!(t, term);
            }
        }
    }

    proptest! {
        #[test]
        fn issuable_iff_every_task_is_complete(tasks in prop::collection::vec(task(), 0..20)) {
            let ok = check_issuable(&tasks).is_ok();
            prop_assert_eq!(ok, !tasks.is_empty() && tasks.iter().all(TaskDraft::is_complete));
            if let Err(e) = check_issuable(&tasks) {
                for f in &e.0 {
                    if let Some((list, i, _)) = crate::fieldpath::split(f.field) {
                        prop_assert_eq!(list, "tasks");
                        prop_assert!(!tasks[i].is_complete());
                    }
                }
            }
        }
    }
}
