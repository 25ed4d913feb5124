//! Inspection and supervision (kiểm tra, giám sát; issue 16): the year's program of a
//! body, its items and their steps, findings, the conclusion notice, recommendations and
//! their state machine, who may see what before and after a conclusion, and the reasons a
//! unit is suggested for supervision.
//!
//! The rules change (Quy định 296-QĐ/TW of 2025 replaced 22-QĐ/TW; its guide is not yet
//! confirmed), so every step list and time limit is data: [`STEPS`] and [`TIME_LIMITS`]
//! are tables, read by the functions below; a new rule is a new row, not a new branch.
//! See docs/INSPECTION.md.
//!
//! Codes: `subject_outside_body`, `not_a_body`, `subjects_required`, `team_head_required`,
//! `team_duplicate`, `period_order`, `schedule_order`, `item_step_order`,
//! `item_concluded`, `item_not_concluded`, `findings_required`, `recommendation_not_open`,
//! `recommendation_not_tasked`, `recommendation_not_reported`, `recommendation_closed`,
//! `return_reason_required`, `deadline_before_conclusion`, `self_report_closed`,
//! `not_subject`, `not_acting_unit`, plus `required`, `too_long`, `bad_choice`, `bad_date`.

use crate::access::{AccessRole, Principal};
use crate::document::{BodyCode, DocumentNumber, DocumentType, NumberStyle};
use crate::ids::MemberId;
use crate::org::{OrgKind, OrgPath};
use crate::refusal::Refusal;
use crate::validate::Invalid;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Weekday};

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|k| k.as_str() == s)
            }
        }
    };
}

str_enum! {
    /// What an item of the year's program is.
    ItemKind {
        /// Kiểm tra.
        Inspection = "inspection",
        /// Giám sát chuyên đề.
        ThematicSupervision = "thematic_supervision",
        /// Giám sát thường xuyên.
        RegularSupervision = "regular_supervision",
        /// Phản biện xã hội (the Fatherland Front and mass organizations).
        SocialCriticism = "social_criticism",
    }
}

str_enum! {
    /// The body that runs a program: a committee (cấp ủy), its inspection committee
    /// (ủy ban kiểm tra), the Fatherland Front (Mặt trận Tổ quốc) or a mass organization
    /// (đoàn thể chính trị - xã hội) at the level of a party unit.
    BodyKind {
        Committee = "committee",
        InspectionCommittee = "inspection_committee",
        FatherlandFront = "fatherland_front",
        MassOrganization = "mass_organization",
    }
}

str_enum! {
    /// A team member's role.
    TeamRole {
        Head = "head",
        Member = "member",
        Secretary = "secretary",
    }
}

str_enum! {
    /// What a finding says.
    FindingKind {
        /// Ưu điểm.
        Strength = "strength",
        /// Hạn chế, khuyết điểm.
        Shortcoming = "shortcoming",
        /// Vi phạm.
        Violation = "violation",
    }
}

str_enum! {
    /// Where an item stands; the steps an item goes through are in [`STEPS`].
    ItemState {
        /// In the year's program, not yet begun.
        Planned = "planned",
        /// Decision and plan sent to the subjects; their self-report is awaited.
        Notified = "notified",
        /// Every subject has reported (or the item's kind asks for no report).
        Reported = "reported",
        /// The conclusion notice is issued; recommendations are followed up.
        Concluded = "concluded",
    }
}

str_enum! {
    /// A recommendation's state: see [`RecState::apply`].
    RecState {
        /// Issued with the conclusion; the acting unit has not yet made it a task.
        Open = "open",
        /// A follow-up task in the acting unit's program, answered for by a person.
        Tasked = "tasked",
        /// The acting unit reported remediation; the inspecting body has to verify it.
        Reported = "reported",
        /// The inspecting body returned the remediation with a reason.
        Returned = "returned",
        /// Verified and closed by the inspecting body.
        Closed = "closed",
    }
}

str_enum! {
    /// What a finding is about. Kinds the store resolves to a record carry its id; a
    /// report (built by the reports capability) is referenced the same way, by id.
    AboutKind {
        /// The item as a whole.
        General = "general",
        Task = "task",
        Target = "target",
        /// A program, or one of its sections (`about_part`).
        Program = "program",
        /// The study of a resolution (the document's id).
        Study = "study",
        /// A report (sơ kết, tổng kết, periodic report) by id.
        Report = "report",
    }
}

impl BodyKind {
    /// The roles whose holders act for this body at a unit (and so see its confidential
    /// work). Data, like the rest: a body added to the rules is a row here.
    pub fn roles(self) -> &'static [AccessRole] {
        match self {
            BodyKind::Committee => &[AccessRole::OfficeStaff, AccessRole::Secretary],
            BodyKind::InspectionCommittee => &[AccessRole::Inspector],
            BodyKind::FatherlandFront => &[AccessRole::FatherlandFront],
            BodyKind::MassOrganization => &[AccessRole::MassOrganization],
        }
    }

    /// The item kinds this body runs: party bodies inspect and supervise; the Front and
    /// mass organizations supervise and give social criticism (Quyết định 217-QĐ/TW).
    pub fn item_kinds(self) -> &'static [ItemKind] {
        match self {
            BodyKind::Committee | BodyKind::InspectionCommittee => &[
                ItemKind::Inspection,
                ItemKind::ThematicSupervision,
                ItemKind::RegularSupervision,
            ],
            BodyKind::FatherlandFront | BodyKind::MassOrganization => &[
                ItemKind::ThematicSupervision,
                ItemKind::RegularSupervision,
                ItemKind::SocialCriticism,
            ],
        }
    }

    /// The bodies a principal acts for at `path` (a grant of one of the body's roles on
    /// `path` or above it).
    pub fn held_at(p: &Principal, path: &OrgPath) -> Vec<BodyKind> {
        BodyKind::ALL
            .iter()
            .copied()
            .filter(|b| p.system || acts_for(p, *b, path))
            .collect()
    }

    /// The code of the body in a notice's symbol: the committee's own (`TU`, `HU`), its
    /// inspection committee's (`UBKTTU`), `MTTQ` for the Front and `ĐTCT` for a mass
    /// organization.
    pub fn body_code(self, org_kind: OrgKind, own: Option<BodyCode>) -> BodyCode {
        let committee = BodyCode::for_org(org_kind, own)
            .map(|b| b.as_str().to_owned())
            .unwrap_or_else(|| "CB".to_owned());
        let code = match self {
            BodyKind::Committee => committee,
            BodyKind::InspectionCommittee => format!("UBKT{committee}"),
            BodyKind::FatherlandFront => "MTTQ".to_owned(),
            BodyKind::MassOrganization => "ĐTCT".to_owned(),
        };
        BodyCode::parse("body_code", &code).expect("body codes are upper-case letters")
    }

    /// The number and symbol of a conclusion notice: `05-TB/UBKTTU` for party bodies,
    /// `5/TB-MTTQ` for the Front and mass organizations (which number the state way).
    pub fn notice_number(
        self,
        number: u32,
        org_kind: OrgKind,
        own: Option<BodyCode>,
    ) -> Result<DocumentNumber, Invalid> {
        let style = match self {
            BodyKind::Committee | BodyKind::InspectionCommittee => NumberStyle::Party,
            BodyKind::FatherlandFront | BodyKind::MassOrganization => NumberStyle::State,
        };
        DocumentNumber::new(
            "number",
            style,
            number,
            DocumentType::Notice,
            &self.body_code(org_kind, own),
        )
    }
}

/// Whether `p` acts for body `b` at `path`.
pub fn acts_for(p: &Principal, b: BodyKind, path: &OrgPath) -> bool {
    p.system
        || p.grants
            .iter()
            .any(|g| b.roles().contains(&g.role) && g.org_path.covers(path))
}

// ---- Steps and time limits (data) ---------------------------------------------------------

/// The steps of each kind of item, in order (89-QĐ/TW: prepare → conduct → close;
/// 354-QĐ/UBKTTW, 331-QĐ/TW for the detail). An item moves through its kind's row; a kind
/// without a self-report step (regular supervision: attending meetings, reading documents)
/// goes from notified straight to the findings.
pub const STEPS: &[(ItemKind, &[ItemState])] = &[
    (
        ItemKind::Inspection,
        &[
            ItemState::Planned,
            ItemState::Notified,
            ItemState::Reported,
            ItemState::Concluded,
        ],
    ),
    (
        ItemKind::ThematicSupervision,
        &[
            ItemState::Planned,
            ItemState::Notified,
            ItemState::Reported,
            ItemState::Concluded,
        ],
    ),
    (
        ItemKind::RegularSupervision,
        &[
            ItemState::Planned,
            ItemState::Notified,
            ItemState::Concluded,
        ],
    ),
    (
        ItemKind::SocialCriticism,
        &[
            ItemState::Planned,
            ItemState::Notified,
            ItemState::Reported,
            ItemState::Concluded,
        ],
    ),
];

/// The steps of a kind.
pub fn steps(kind: ItemKind) -> &'static [ItemState] {
    STEPS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, s)| *s)
        .unwrap_or(&[])
}

/// Whether a kind asks the subject for a self-report.
pub fn asks_self_report(kind: ItemKind) -> bool {
    steps(kind).contains(&ItemState::Reported)
}

/// Moving an item from `from` to `to`: only to the next step of its kind's row
/// (`item_step_order`); nothing moves once concluded (`item_concluded`).
pub fn check_step(kind: ItemKind, from: ItemState, to: ItemState) -> Result<(), Refusal> {
    if from == ItemState::Concluded {
        return Err(Refusal::Conflict("item_concluded"));
    }
    let s = steps(kind);
    let i = s.iter().position(|x| *x == from);
    match i.and_then(|i| s.get(i + 1)) {
        Some(next) if *next == to => Ok(()),
        _ => Err(Refusal::Conflict("item_step_order")),
    }
}

/// The level whose limits apply: the body's unit's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Level {
    Central,
    Provincial,
    District,
    Grassroots,
}

impl Level {
    pub fn of(kind: OrgKind) -> Level {
        match kind {
            OrgKind::Provincial => Level::Provincial,
            OrgKind::DirectlyAffiliated => Level::District,
            _ => Level::Grassroots,
        }
    }
}

/// What a limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Days {
    Working(u32),
    Calendar(u32),
}

/// One time limit of the rules, with the source it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TimeLimit {
    pub kind: ItemKind,
    pub level: Level,
    /// From the receipt of the subject's report (or the notice, for kinds without one) to
    /// the conclusion.
    pub to_conclusion: Days,
    /// A source code for the text (`02-HD/UBKTTW`, `331-QĐ/TW`), shown beside the limit.
    pub source: &'static str,
    /// Whether the row is confirmed against the text in force (RULES.md marks it).
    pub confirmed: bool,
}

/// The time limits from ../shared/RULES.md §2: thematic supervision ≤ 45/30/25/20 working
/// days (02-HD/UBKTTW 2017, possibly superseded), inspection by advisory agencies
/// ≤ 60/45/20 days (331-QĐ/TW). Regular supervision and social criticism have none.
pub const TIME_LIMITS: &[TimeLimit] = &[
    TimeLimit {
        kind: ItemKind::ThematicSupervision,
        level: Level::Central,
        to_conclusion: Days::Working(45),
        source: "02-HD/UBKTTW",
        confirmed: false,
    },
    TimeLimit {
        kind: ItemKind::ThematicSupervision,
        level: Level::Provincial,
        to_conclusion: Days::Working(30),
        source: "02-HD/UBKTTW",
        confirmed: false,
    },
    TimeLimit {
        kind: ItemKind::ThematicSupervision,
        level: Level::District,
        to_conclusion: Days::Working(25),
        source: "02-HD/UBKTTW",
        confirmed: false,
    },
    TimeLimit {
        kind: ItemKind::ThematicSupervision,
        level: Level::Grassroots,
        to_conclusion: Days::Working(20),
        source: "02-HD/UBKTTW",
        confirmed: false,
    },
    TimeLimit {
        kind: ItemKind::Inspection,
        level: Level::Central,
        to_conclusion: Days::Calendar(60),
        source: "331-QĐ/TW",
        confirmed: true,
    },
    TimeLimit {
        kind: ItemKind::Inspection,
        level: Level::Provincial,
        to_conclusion: Days::Calendar(45),
        source: "331-QĐ/TW",
        confirmed: true,
    },
    TimeLimit {
        kind: ItemKind::Inspection,
        level: Level::District,
        to_conclusion: Days::Calendar(20),
        source: "331-QĐ/TW",
        confirmed: true,
    },
    TimeLimit {
        kind: ItemKind::Inspection,
        level: Level::Grassroots,
        to_conclusion: Days::Calendar(20),
        source: "331-QĐ/TW",
        confirmed: true,
    },
];

/// The limit of a kind at a level, if the rules set one.
pub fn time_limit(kind: ItemKind, level: Level) -> Option<&'static TimeLimit> {
    TIME_LIMITS
        .iter()
        .find(|l| l.kind == kind && l.level == level)
}

/// `from` plus `n` working days (Monday to Friday; public holidays are not modelled).
pub fn add_working_days(from: Date, n: u32) -> Date {
    let mut d = from;
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
            left -= 1;
        }
    }
    d
}

/// The day by which an item of `kind` run at `level` must be concluded, counted from
/// `start` (the receipt of the report, or the notice): `None` without a limit.
pub fn conclusion_due(kind: ItemKind, level: Level, start: Date) -> Option<Date> {
    time_limit(kind, level).map(|l| match l.to_conclusion {
        Days::Working(n) => add_working_days(start, n),
        Days::Calendar(n) => start + Duration::days(i64::from(n)),
    })
}

// ---- Planning -------------------------------------------------------------------------------

/// A subject of an item: a unit, or a member holding a position there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectFacts {
    pub path: OrgPath,
    pub member: Option<MemberId>,
}

/// The checks of a new item besides field parsing: its kind is one the body runs
/// (`kind`, `bad_choice`); it has subjects (`subjects`, `subjects_required`), each inside
/// the body's subtree (`subjects`, `subject_outside_body`); its team has exactly one head
/// (`team`, `team_head_required`) and no one twice (`team`, `team_duplicate`); the
/// period and schedule run forward (`period_order`, `schedule_order`).
pub struct ItemFacts<'a> {
    pub body: BodyKind,
    pub body_path: &'a OrgPath,
    pub kind: ItemKind,
    pub subjects: &'a [SubjectFacts],
    pub team: &'a [(MemberId, TeamRole)],
    pub period: (Option<Date>, Option<Date>),
    pub schedule: (Date, Date),
}

pub fn check_item(f: &ItemFacts<'_>) -> Result<(), Invalid> {
    let mut inv = Invalid::default();
    if !f.body.item_kinds().contains(&f.kind) {
        inv.push("kind", "bad_choice");
    }
    if f.subjects.is_empty() {
        inv.push("subjects", "subjects_required");
    } else if f.subjects.iter().any(|s| !f.body_path.covers(&s.path)) {
        inv.push("subjects", "subject_outside_body");
    }
    let heads = f.team.iter().filter(|(_, r)| *r == TeamRole::Head).count();
    if heads != 1 {
        inv.push("team", "team_head_required");
    } else {
        let mut ids: Vec<MemberId> = f.team.iter().map(|(m, _)| *m).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        if ids.len() != n {
            inv.push("team", "team_duplicate");
        }
    }
    if let (Some(a), Some(b)) = f.period
        && b < a
    {
        inv.push("period_to", "period_order");
    }
    if f.schedule.1 < f.schedule.0 {
        inv.push("ends_on", "schedule_order");
    }
    inv.into_result(())
}

// ---- Confidentiality ------------------------------------------------------------------------

/// Who is looking at an item, as far as confidentiality goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Viewer {
    /// Acts for the body that runs the item (its roles at the body's unit or above).
    pub runs_body: bool,
    /// Is on the item's team.
    pub on_team: bool,
    /// Reads one of the item's subjects (its own unit's officials and members).
    pub reads_subject: bool,
}

/// What a viewer may see of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Sight {
    /// The item exists: its kind, content, schedule, what is asked of the subject.
    pub item: bool,
    /// The findings and the draft recommendations.
    pub findings: bool,
    /// May record findings, conclude, verify.
    pub act: bool,
}

/// The confidentiality rule (RULES.md §2, 225-QĐ/TW): before the conclusion, findings
/// are seen only by the team and the body that runs the item; the subject sees the item
/// and what is asked of it, then its conclusion and recommendations once issued; anyone
/// else sees nothing (`NotFound`).
pub fn sight(v: Viewer, concluded: bool) -> Result<Sight, Refusal> {
    let insider = v.runs_body || v.on_team;
    if !insider && !v.reads_subject {
        return Err(Refusal::NotFound);
    }
    Ok(Sight {
        item: true,
        findings: insider || concluded,
        act: insider,
    })
}

// ---- Conclusion -------------------------------------------------------------------------------

/// A recommendation as checked: acting unit inside the body's subtree
/// (`recommendations[i].acting_unit`, `required` / `subject_outside_body`), text
/// (`required`), a deadline (`required`) not before the conclusion day
/// (`deadline_before_conclusion`).
pub struct RecommendationFacts<'a> {
    pub acting: Option<&'a OrgPath>,
    pub text: &'a str,
    pub deadline: Option<Date>,
}

/// The checks of a conclusion: the item must be at its last step before concluding
/// (`item_step_order`), have at least one finding (`findings`, `findings_required`); each
/// recommendation as [`RecommendationFacts`] says. Every problem is reported.
pub fn check_conclusion(
    kind: ItemKind,
    state: ItemState,
    findings: usize,
    body_path: &OrgPath,
    concluded_on: Date,
    recs: &[RecommendationFacts<'_>],
) -> Result<(), Refusal> {
    check_step(kind, state, ItemState::Concluded)?;
    let mut inv = Invalid::default();
    if findings == 0 {
        inv.push("findings", "findings_required");
    }
    for r in recs {
        match r.acting {
            None => inv.push("acting_unit", "required"),
            Some(p) if !body_path.covers(p) => inv.push("acting_unit", "subject_outside_body"),
            Some(_) => {}
        }
        if r.text.trim().is_empty() {
            inv.push("text", "required");
        }
        match r.deadline {
            None => inv.push("deadline", "required"),
            Some(d) if d < concluded_on => inv.push("deadline", "deadline_before_conclusion"),
            Some(_) => {}
        }
    }
    inv.into_result(()).map_err(Refusal::Invalid)
}

// ---- Recommendations ---------------------------------------------------------------------------

/// What is done to a recommendation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecAction {
    /// The acting unit makes it a follow-up task answered for by a named person.
    Adopt,
    /// The acting unit reports remediation.
    Report,
    /// The inspecting body verifies the remediation and closes it.
    Verify,
    /// The inspecting body returns the remediation with a reason.
    Return { reason: String },
}

/// Who acts on a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecActor {
    /// Acts for the body that concluded (or is on its team).
    pub inspecting: bool,
    /// Keeps the acting unit (its office, secretary) or answers for its task.
    pub acting_unit: bool,
}

impl RecState {
    /// Whether it still awaits something (not closed).
    pub fn is_open(self) -> bool {
        self != RecState::Closed
    }

    /// The state after `action` by `actor`, or why not. Adopting and reporting belong to
    /// the acting unit (`not_acting_unit`, Forbidden); verifying and returning to the
    /// inspecting body (Forbidden). Nothing closes without a reported remediation to
    /// verify (`recommendation_not_reported`); nothing moves once closed
    /// (`recommendation_closed`); a return needs a reason (`return_reason_required`).
    pub fn apply(self, action: &RecAction, actor: RecActor) -> Result<RecState, Refusal> {
        if self == RecState::Closed {
            return Err(Refusal::Conflict("recommendation_closed"));
        }
        match action {
            RecAction::Adopt => {
                if !actor.acting_unit {
                    return Err(Refusal::Forbidden);
                }
                match self {
                    RecState::Open => Ok(RecState::Tasked),
                    _ => Err(Refusal::Conflict("recommendation_not_open")),
                }
            }
            RecAction::Report => {
                if !actor.acting_unit {
                    return Err(Refusal::Forbidden);
                }
                match self {
                    RecState::Tasked | RecState::Returned => Ok(RecState::Reported),
                    RecState::Open => Err(Refusal::Conflict("recommendation_not_tasked")),
                    _ => Err(Refusal::Conflict("recommendation_not_open")),
                }
            }
            RecAction::Verify | RecAction::Return { .. } => {
                if !actor.inspecting {
                    return Err(Refusal::Forbidden);
                }
                if let RecAction::Return { reason } = action
                    && reason.trim().is_empty()
                {
                    return Err(Refusal::invalid("reason", "return_reason_required"));
                }
                match (self, action) {
                    (RecState::Reported, RecAction::Verify) => Ok(RecState::Closed),
                    (RecState::Reported, _) => Ok(RecState::Returned),
                    _ => Err(Refusal::Conflict("recommendation_not_reported")),
                }
            }
        }
    }
}

/// A revision that adds a follow-up task carries the issued version's tasks over
/// unchanged; their deadlines, checked when that version was issued, may have passed
/// since. Drops `deadline_before_issue` of the first `carried` tasks; any other problem
/// stands.
pub fn waive_carried_deadlines(inv: Invalid, carried: usize) -> Result<(), Invalid> {
    let rest: Vec<_> = inv
        .0
        .into_iter()
        .filter(|e| {
            !(e.code == "deadline_before_issue"
                && crate::fieldpath::split(e.field)
                    .is_some_and(|(l, i, f)| l == "tasks" && f == "deadline" && i < carried))
        })
        .collect();
    Invalid(rest).into_result(())
}

/// A recommendation's age band on the dashboard, by days since the conclusion.
pub const AGE_BANDS: &[(u32, &str)] = &[(30, "0_30"), (90, "31_90"), (180, "91_180")];

/// The band of an age in days: `0_30`, `31_90`, `91_180`, `over_180`.
pub fn age_band(days: i64) -> &'static str {
    AGE_BANDS
        .iter()
        .find(|(max, _)| days <= i64::from(*max))
        .map(|(_, b)| *b)
        .unwrap_or("over_180")
}

// ---- Suggestions for supervision ---------------------------------------------------------------

/// What the record says of a unit, for suggesting supervision.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitRecord {
    /// Issued programs assessed as copied or under the score flag.
    pub flagged_programs: u32,
    /// Tasks past their deadline and not done.
    pub overdue_tasks: u32,
    /// Counted tasks.
    pub tasks: u32,
    /// Study participation: members who studied / members expected (`None`: no study due).
    pub study: Option<(u32, u32)>,
    /// Open recommendations past their deadline.
    pub recommendations_past_due: u32,
    /// When it was last inspected or supervised (a concluded item), if ever this term.
    pub last_inspected: Option<Date>,
    /// Its current reports this term with a claim the record contradicts, and how many
    /// claims (`services::reports::signals`), and the symbol of the latest of them.
    pub contradicted_reports: u32,
    pub contradicted_claims: u32,
    pub contradicted_latest: String,
}

/// One reason, with its figures, for the page to word.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// A copied or vague program (plan-quality assessment).
    FlaggedProgram {
        programs: u32,
    },
    OverdueTasks {
        overdue: u32,
        tasks: u32,
    },
    /// Participation under [`SuggestionRules::study_below_percent`].
    LowStudy {
        studied: u32,
        expected: u32,
    },
    RecommendationsPastDue {
        count: u32,
    },
    /// Reports whose figures the record contradicts ("100% đảng viên đã học tập" against
    /// the recorded share).
    ContradictedReports {
        reports: u32,
        claims: u32,
        /// The latest such report, by its symbol (`12-BC/HU`).
        latest: String,
    },
    /// Not inspected or supervised this term.
    NeverInspected,
}

/// The thresholds and weights of the suggestions: data, shown on the page.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SuggestionRules {
    pub overdue_tasks_min: u32,
    pub study_below_percent: u32,
    pub weight_flagged_program: u32,
    pub weight_overdue_task: u32,
    pub weight_low_study: u32,
    pub weight_rec_past_due: u32,
    pub weight_contradicted_report: u32,
    pub weight_never_inspected: u32,
}

pub const SUGGESTION_RULES: SuggestionRules = SuggestionRules {
    overdue_tasks_min: 1,
    study_below_percent: 80,
    weight_flagged_program: 30,
    weight_overdue_task: 5,
    weight_low_study: 20,
    weight_rec_past_due: 25,
    weight_contradicted_report: 20,
    weight_never_inspected: 10,
};

/// The reasons the record gives to look at a unit, and the weight that ranks it. A unit
/// with no reason is not suggested (`None`); "never inspected" alone does not suggest a
/// unit, it only ranks one that has another reason higher.
pub fn suggest(r: &UnitRecord, rules: &SuggestionRules) -> Option<(u32, Vec<Reason>)> {
    let mut reasons = Vec::new();
    let mut weight = 0u32;
    if r.flagged_programs > 0 {
        reasons.push(Reason::FlaggedProgram {
            programs: r.flagged_programs,
        });
        weight += rules.weight_flagged_program * r.flagged_programs.min(3);
    }
    if r.overdue_tasks >= rules.overdue_tasks_min && r.overdue_tasks > 0 {
        reasons.push(Reason::OverdueTasks {
            overdue: r.overdue_tasks,
            tasks: r.tasks,
        });
        weight += rules.weight_overdue_task * r.overdue_tasks.min(20);
    }
    if let Some((studied, expected)) = r.study
        && expected > 0
        && studied * 100 < rules.study_below_percent * expected
    {
        reasons.push(Reason::LowStudy { studied, expected });
        weight += rules.weight_low_study;
    }
    if r.recommendations_past_due > 0 {
        reasons.push(Reason::RecommendationsPastDue {
            count: r.recommendations_past_due,
        });
        weight += rules.weight_rec_past_due * r.recommendations_past_due.min(4);
    }
    if r.contradicted_reports > 0 {
        reasons.push(Reason::ContradictedReports {
            reports: r.contradicted_reports,
            claims: r.contradicted_claims,
            latest: r.contradicted_latest.clone(),
        });
        weight += rules.weight_contradicted_report * r.contradicted_reports.min(3);
    }
    if reasons.is_empty() {
        return None;
    }
    if r.last_inspected.is_none() {
        reasons.push(Reason::NeverInspected);
        weight += rules.weight_never_inspected;
    }
    Some((weight, reasons))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Grant;
    use crate::ids::UserId;
    use crate::refusal::codes;
    use proptest::prelude::*;
    use time::macros::date;

    fn path(s: &str) -> OrgPath {
        OrgPath::parse(s).unwrap()
    }

    fn principal(role: AccessRole, at: &str) -> Principal {
        let org_path = path(at);
        Principal {
            user_id: UserId(7),
            username: "u".into(),
            display_name: "u".into(),
            grants: vec![Grant {
                role,
                org_id: org_path.id(),
                org_path,
            }],
            system: false,
            member_id: None,
        }
    }

    #[test]
    fn every_kind_has_steps_that_start_planned_and_end_concluded() {
        for k in ItemKind::ALL {
            let s = steps(*k);
            assert_eq!(s.first(), Some(&ItemState::Planned), "{k:?}");
            assert_eq!(s.last(), Some(&ItemState::Concluded), "{k:?}");
        }
        assert!(asks_self_report(ItemKind::ThematicSupervision));
        assert!(!asks_self_report(ItemKind::RegularSupervision));
    }

    #[test]
    fn steps_move_one_at_a_time() {
        let k = ItemKind::ThematicSupervision;
        assert!(check_step(k, ItemState::Planned, ItemState::Notified).is_ok());
        assert!(check_step(k, ItemState::Notified, ItemState::Reported).is_ok());
        assert_eq!(
            codes(&check_step(k, ItemState::Notified, ItemState::Concluded).unwrap_err()),
            ["item_step_order"]
        );
        assert_eq!(
            codes(&check_step(k, ItemState::Concluded, ItemState::Planned).unwrap_err()),
            ["item_concluded"]
        );
        // Regular supervision has no self-report: notified → concluded.
        assert!(
            check_step(
                ItemKind::RegularSupervision,
                ItemState::Notified,
                ItemState::Concluded
            )
            .is_ok()
        );
    }

    #[test]
    fn time_limits_come_from_the_table() {
        // Thematic supervision at province level: 30 working days from Monday 1/12/2025.
        let d = conclusion_due(
            ItemKind::ThematicSupervision,
            Level::Provincial,
            date!(2025 - 12 - 01),
        );
        assert_eq!(d, Some(date!(2026 - 01 - 12)));
        assert_eq!(
            conclusion_due(ItemKind::Inspection, Level::District, date!(2025 - 12 - 01)),
            Some(date!(2025 - 12 - 21))
        );
        assert_eq!(
            conclusion_due(
                ItemKind::RegularSupervision,
                Level::Provincial,
                date!(2025 - 12 - 01)
            ),
            None
        );
        // One row per (kind, level).
        for (i, a) in TIME_LIMITS.iter().enumerate() {
            for b in &TIME_LIMITS[i + 1..] {
                assert!(!(a.kind == b.kind && a.level == b.level), "{a:?} twice");
            }
        }
    }

    #[test]
    fn working_days_skip_weekends() {
        // Friday + 1 working day = Monday.
        assert_eq!(
            add_working_days(date!(2025 - 12 - 05), 1),
            date!(2025 - 12 - 08)
        );
        assert_eq!(
            add_working_days(date!(2025 - 12 - 05), 0),
            date!(2025 - 12 - 05)
        );
    }

    fn facts<'a>(
        body_path: &'a OrgPath,
        subjects: &'a [SubjectFacts],
        team: &'a [(MemberId, TeamRole)],
    ) -> ItemFacts<'a> {
        ItemFacts {
            body: BodyKind::InspectionCommittee,
            body_path,
            kind: ItemKind::ThematicSupervision,
            subjects,
            team,
            period: (Some(date!(2025 - 01 - 01)), Some(date!(2025 - 06 - 30))),
            schedule: (date!(2025 - 09 - 01), date!(2025 - 10 - 15)),
        }
    }

    #[test]
    fn an_item_names_subjects_inside_the_body_and_one_head() {
        let body = path("/1/");
        let inside = [SubjectFacts {
            path: path("/1/2/"),
            member: None,
        }];
        let outside = [SubjectFacts {
            path: path("/9/2/"),
            member: None,
        }];
        let team = [
            (MemberId(1), TeamRole::Head),
            (MemberId(2), TeamRole::Member),
        ];
        assert!(check_item(&facts(&body, &inside, &team)).is_ok());
        let e = check_item(&facts(&body, &outside, &team)).unwrap_err();
        assert_eq!(e.0[0].code, "subject_outside_body");
        let e = check_item(&facts(&body, &[], &[])).unwrap_err();
        let c: Vec<&str> = e.0.iter().map(|e| e.code).collect();
        assert_eq!(c, ["subjects_required", "team_head_required"]);
        let twice = [
            (MemberId(1), TeamRole::Head),
            (MemberId(1), TeamRole::Secretary),
        ];
        let e = check_item(&facts(&body, &inside, &twice)).unwrap_err();
        assert_eq!(e.0[0].code, "team_duplicate");
        let mut f = facts(&body, &inside, &team);
        f.body = BodyKind::FatherlandFront;
        f.kind = ItemKind::Inspection;
        assert_eq!(check_item(&f).unwrap_err().0[0].code, "bad_choice");
        let mut f = facts(&body, &inside, &team);
        f.schedule = (date!(2025 - 10 - 15), date!(2025 - 09 - 01));
        assert_eq!(check_item(&f).unwrap_err().0[0].code, "schedule_order");
    }

    #[test]
    fn findings_before_the_conclusion_stay_with_the_team_and_the_body() {
        let outsider = Viewer::default();
        assert_eq!(sight(outsider, false), Err(Refusal::NotFound));
        assert_eq!(sight(outsider, true), Err(Refusal::NotFound));
        let subject = Viewer {
            reads_subject: true,
            ..Viewer::default()
        };
        let s = sight(subject, false).unwrap();
        assert!(s.item && !s.findings && !s.act);
        let s = sight(subject, true).unwrap();
        assert!(s.findings && !s.act);
        for v in [
            Viewer {
                on_team: true,
                ..Viewer::default()
            },
            Viewer {
                runs_body: true,
                ..Viewer::default()
            },
        ] {
            let s = sight(v, false).unwrap();
            assert!(s.findings && s.act);
        }
    }

    #[test]
    fn bodies_are_held_through_their_roles() {
        let p = principal(AccessRole::Inspector, "/1/");
        assert_eq!(
            BodyKind::held_at(&p, &path("/1/2/")),
            vec![BodyKind::InspectionCommittee]
        );
        assert!(BodyKind::held_at(&p, &path("/9/")).is_empty());
        let f = principal(AccessRole::FatherlandFront, "/1/");
        assert_eq!(
            BodyKind::held_at(&f, &path("/1/")),
            vec![BodyKind::FatherlandFront]
        );
        // A member holds no body.
        assert!(BodyKind::held_at(&principal(AccessRole::Member, "/1/"), &path("/1/")).is_empty());
    }

    #[test]
    fn notice_numbers_follow_the_body() {
        let n = BodyKind::InspectionCommittee
            .notice_number(5, OrgKind::Provincial, None)
            .unwrap();
        assert_eq!(n.to_string(), "05-TB/UBKTTU");
        let n = BodyKind::Committee
            .notice_number(12, OrgKind::DirectlyAffiliated, None)
            .unwrap();
        assert_eq!(n.to_string(), "12-TB/HU");
        let n = BodyKind::FatherlandFront
            .notice_number(3, OrgKind::Provincial, None)
            .unwrap();
        assert_eq!(n.to_string(), "3/TB-MTTQ");
    }

    #[test]
    fn a_conclusion_needs_findings_and_complete_recommendations() {
        let body = path("/1/");
        let inside = path("/1/2/");
        let outside = path("/9/");
        let day = date!(2025 - 11 - 10);
        let ok = RecommendationFacts {
            acting: Some(&inside),
            text: "Bổ sung",
            deadline: Some(date!(2026 - 01 - 31)),
        };
        assert!(
            check_conclusion(
                ItemKind::ThematicSupervision,
                ItemState::Reported,
                1,
                &body,
                day,
                &[ok]
            )
            .is_ok()
        );
        let bad = [
            RecommendationFacts {
                acting: None,
                text: "x",
                deadline: None,
            },
            RecommendationFacts {
                acting: Some(&outside),
                text: " ",
                deadline: Some(date!(2025 - 11 - 01)),
            },
        ];
        let e = check_conclusion(
            ItemKind::ThematicSupervision,
            ItemState::Reported,
            0,
            &body,
            day,
            &bad,
        )
        .unwrap_err();
        assert_eq!(
            codes(&e),
            [
                "findings_required",
                "required",
                "required",
                "subject_outside_body",
                "required",
                "deadline_before_conclusion"
            ]
        );
        let e = check_conclusion(
            ItemKind::ThematicSupervision,
            ItemState::Notified,
            1,
            &body,
            day,
            &[],
        )
        .unwrap_err();
        assert_eq!(codes(&e), ["item_step_order"]);
    }

    const UNIT: RecActor = RecActor {
        inspecting: false,
        acting_unit: true,
    };
    const BODY: RecActor = RecActor {
        inspecting: true,
        acting_unit: false,
    };

    #[test]
    fn a_recommendation_closes_only_through_verification() {
        let s = RecState::Open;
        assert_eq!(
            codes(&s.apply(&RecAction::Verify, BODY).unwrap_err()),
            ["recommendation_not_reported"]
        );
        assert_eq!(
            codes(&s.apply(&RecAction::Report, UNIT).unwrap_err()),
            ["recommendation_not_tasked"]
        );
        let s = s.apply(&RecAction::Adopt, UNIT).unwrap();
        assert_eq!(s, RecState::Tasked);
        assert_eq!(
            codes(&s.apply(&RecAction::Verify, BODY).unwrap_err()),
            ["recommendation_not_reported"]
        );
        let s = s.apply(&RecAction::Report, UNIT).unwrap();
        let ret = RecAction::Return {
            reason: "Chưa có minh chứng".into(),
        };
        let back = s.apply(&ret, BODY).unwrap();
        assert_eq!(back, RecState::Returned);
        let again = back.apply(&RecAction::Report, UNIT).unwrap();
        assert_eq!(again.apply(&RecAction::Verify, BODY), Ok(RecState::Closed));
        // The subject cannot verify its own remediation; the body cannot report it.
        assert_eq!(s.apply(&RecAction::Verify, UNIT), Err(Refusal::Forbidden));
        assert_eq!(
            RecState::Tasked.apply(&RecAction::Report, BODY),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            codes(
                &s.apply(
                    &RecAction::Return {
                        reason: "  ".into()
                    },
                    BODY
                )
                .unwrap_err()
            ),
            ["return_reason_required"]
        );
        assert_eq!(
            codes(
                &RecState::Closed
                    .apply(&RecAction::Report, UNIT)
                    .unwrap_err()
            ),
            ["recommendation_closed"]
        );
    }

    fn action() -> impl Strategy<Value = (RecAction, RecActor)> {
        let a = prop_oneof![
            Just(RecAction::Adopt),
            Just(RecAction::Report),
            Just(RecAction::Verify),
            Just(RecAction::Return {
                reason: "lý do".into()
            }),
            Just(RecAction::Return { reason: "".into() }),
        ];
        (a, any::<bool>(), any::<bool>()).prop_map(|(a, inspecting, acting_unit)| {
            (
                a,
                RecActor {
                    inspecting,
                    acting_unit,
                },
            )
        })
    }

    #[test]
    fn a_report_contradicted_by_its_data_is_a_reason() {
        let r = UnitRecord {
            contradicted_reports: 1,
            contradicted_claims: 2,
            contradicted_latest: "12-BC/ĐU".into(),
            ..UnitRecord::default()
        };
        let (w, reasons) = suggest(&r, &SUGGESTION_RULES).unwrap();
        assert_eq!(
            reasons,
            vec![
                Reason::ContradictedReports {
                    reports: 1,
                    claims: 2,
                    latest: "12-BC/ĐU".into()
                },
                Reason::NeverInspected
            ]
        );
        assert_eq!(
            w,
            SUGGESTION_RULES.weight_contradicted_report + SUGGESTION_RULES.weight_never_inspected
        );
    }

    proptest! {
        /// Whatever is tried in whatever order: a recommendation reaches Closed only by a
        /// Verify of a Reported one by the inspecting body, and never leaves Closed.
        #[test]
        fn closing_always_follows_a_verified_report(actions in prop::collection::vec(action(), 0..30)) {
            let mut s = RecState::Open;
            for (a, who) in &actions {
                let before = s;
                if let Ok(next) = s.apply(a, *who) {
                    if next == RecState::Closed {
                        prop_assert_eq!(before, RecState::Reported);
                        prop_assert_eq!(a, &RecAction::Verify);
                        prop_assert!(who.inspecting);
                    }
                    prop_assert_ne!(before, RecState::Closed);
                    s = next;
                }
            }
        }

        #[test]
        fn suggestions_always_carry_reasons(
            flagged in 0u32..3, overdue in 0u32..30, tasks in 0u32..50,
            studied in 0u32..100, expected in 0u32..100, past in 0u32..5, inspected in any::<bool>(),
            contradicted in 0u32..3
        ) {
            let r = UnitRecord {
                flagged_programs: flagged,
                overdue_tasks: overdue,
                tasks,
                study: Some((studied.min(expected), expected)),
                recommendations_past_due: past,
                last_inspected: inspected.then_some(date!(2025 - 01 - 01)),
                contradicted_reports: contradicted,
                contradicted_claims: contradicted * 2,
                contradicted_latest: String::new(),
            };
            if let Some((w, reasons)) = suggest(&r, &SUGGESTION_RULES) {
                prop_assert!(w > 0);
                prop_assert!(reasons.iter().any(|r| !matches!(r, Reason::NeverInspected)));
            } else {
                prop_assert!(flagged == 0 && overdue == 0 && past == 0);
            }
        }
    }

    #[test]
    fn carried_deadlines_are_waived_and_nothing_else() {
        let mut inv = Invalid::default();
        inv.push(
            crate::fieldpath::indexed("tasks", 0, "deadline"),
            "deadline_before_issue",
        );
        assert!(waive_carried_deadlines(inv.clone(), 1).is_ok());
        assert!(waive_carried_deadlines(inv.clone(), 0).is_err());
        inv.push(crate::fieldpath::indexed("tasks", 1, "content"), "required");
        assert_eq!(waive_carried_deadlines(inv, 2).unwrap_err().0.len(), 1);
    }

    #[test]
    fn age_bands() {
        assert_eq!(age_band(0), "0_30");
        assert_eq!(age_band(31), "31_90");
        assert_eq!(age_band(200), "over_180");
    }
}
