//! Evaluation and rating (đánh giá, xếp loại chất lượng; issue 17, docs/EVALUATION.md).
//!
//! Everything a rating depends on is data: a [`Framework`] (one version per period and
//! kind of subject) holds the criteria groups and criteria with their points on a
//! 100-point scale and, where the record can tell, the [`Rule`] that computes each; the
//! thresholds of the four [`Level`]s, their extra [`LevelCondition`]s and the [`Quota`]
//! on "excellent". [`Framework::default_units`] and [`Framework::default_members`] are the
//! defaults under Quy định 366-QĐ/TW and Hướng dẫn 43-HD/BTCTW, which the store saves as
//! the first version of a framework; the rules below read only the framework they are
//! given.
//!
//! The store loads a subject's [`RecordFacts`] (what the record says about a unit or a
//! member within a period, with references to the rows), and [`propose`] turns them into
//! a [`Proposal`]: one [`Point`] per criterion, each linked to the facts it came from, and
//! the proposed level. Scores are kept in tenths of a point (integers), so that a
//! breakdown always sums exactly to its score.
//!
//! The three steps (self-assessment, assessment, decision) and who may take them are
//! [`may_self_assess`], [`may_assess`], [`may_decide`], [`check_step`]; the quota is
//! [`check_quota`]; the honesty signals are [`signals_of`] and [`body_signals`].

use crate::access::{Permission, Principal};
use crate::ids::MemberId;
use crate::org::OrgPath;
use crate::refusal::Refusal;
use crate::validate::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The four rating levels, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Không hoàn thành nhiệm vụ.
    NotCompleted,
    /// Hoàn thành nhiệm vụ.
    Completed,
    /// Hoàn thành tốt nhiệm vụ.
    Good,
    /// Hoàn thành xuất sắc nhiệm vụ.
    Excellent,
}

impl Level {
    /// Best first.
    pub const ALL: [Level; 4] = [
        Level::Excellent,
        Level::Good,
        Level::Completed,
        Level::NotCompleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Excellent => "excellent",
            Level::Good => "good",
            Level::Completed => "completed",
            Level::NotCompleted => "not_completed",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The short Vietnamese abbreviation used in party documents (HTXS, HTT, HT, KHT).
    pub fn abbreviation(self) -> &'static str {
        match self {
            Level::Excellent => "HTXS",
            Level::Good => "HTT",
            Level::Completed => "HT",
            Level::NotCompleted => "KHT",
        }
    }
}

/// Who is evaluated: a party organization (a unit) or a party member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Unit,
    Member,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Unit => "unit",
            SubjectKind::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<SubjectKind> {
        match s {
            "unit" => Some(SubjectKind::Unit),
            "member" => Some(SubjectKind::Member),
            _ => None,
        }
    }
}

/// How long a period runs (366-QĐ/TW: by term, yearly, quarterly or ad hoc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Quarter,
    Year,
    Term,
    AdHoc,
}

impl PeriodKind {
    pub const ALL: [PeriodKind; 4] = [
        PeriodKind::Year,
        PeriodKind::Quarter,
        PeriodKind::Term,
        PeriodKind::AdHoc,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Quarter => "quarter",
            PeriodKind::Year => "year",
            PeriodKind::Term => "term",
            PeriodKind::AdHoc => "ad_hoc",
        }
    }

    pub fn parse(s: &str) -> Option<PeriodKind> {
        PeriodKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The rule that computes a criterion from the record. A criterion without a rule is one
/// the record cannot tell (political quality, ethics…): it is proposed at its full points
/// and left to the self-assessment and the assessing bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The unit's action programs issued by the cascade's deadline.
    ProgramsOnTime,
    /// Tasks due in the period done by their deadline (a unit's own tasks; a member's
    /// tasks they answer for).
    TasksOnTime,
    /// Targets whose value reached the goal.
    TargetsReached,
    /// Study of the resolutions: members who studied (or made up).
    StudyParticipation,
    /// Knowledge checks passed.
    StudyChecks,
    /// Reports submitted on time and not contradicted by the record.
    ReportsOnTime,
    /// Inspection recommendations due in the period closed by their deadline.
    RecommendationsClosed,
    /// No shortcoming found again at a later inspection (all or nothing).
    NoRecurrence,
    /// No disciplinary measure in the period (all or nothing).
    NoDiscipline,
}

impl Rule {
    pub const ALL: [Rule; 9] = [
        Rule::ProgramsOnTime,
        Rule::TasksOnTime,
        Rule::TargetsReached,
        Rule::StudyParticipation,
        Rule::StudyChecks,
        Rule::ReportsOnTime,
        Rule::RecommendationsClosed,
        Rule::NoRecurrence,
        Rule::NoDiscipline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::ProgramsOnTime => "programs_on_time",
            Rule::TasksOnTime => "tasks_on_time",
            Rule::TargetsReached => "targets_reached",
            Rule::StudyParticipation => "study_participation",
            Rule::StudyChecks => "study_checks",
            Rule::ReportsOnTime => "reports_on_time",
            Rule::RecommendationsClosed => "recommendations_closed",
            Rule::NoRecurrence => "no_recurrence",
            Rule::NoDiscipline => "no_discipline",
        }
    }

    pub fn parse(s: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Absence rules give all points when nothing was found and none otherwise; the other
    /// rules give the share of what was counted that was met.
    pub fn is_absence(self) -> bool {
        matches!(self, Rule::NoRecurrence | Rule::NoDiscipline)
    }
}

/// One criterion and its points (whole points).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub code: String,
    pub title_vi: String,
    pub title_en: String,
    pub points: u32,
    pub rule: Option<Rule>,
}

/// A group of criteria (general criteria; results of tasks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub code: String,
    pub title_vi: String,
    pub title_en: String,
    pub criteria: Vec<Criterion>,
}

impl Group {
    pub fn points(&self) -> u32 {
        self.criteria.iter().map(|c| c.points).sum()
    }
}

/// The least score (whole points) of each level above "not completed".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    pub excellent: u32,
    pub good: u32,
    pub completed: u32,
}

/// The extra conditions of a level, read from the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LevelCondition {
    /// Every task due in the period done by its deadline.
    pub all_tasks_on_time: bool,
    /// At least this share (percent) of the targets beyond their goal; 0: no condition.
    pub min_exceeded_percent: u32,
    /// At most this share (percent) of the tasks due done late or still open; `None`: no
    /// condition.
    pub max_late_percent: Option<u32>,
    /// No disciplinary measure in the period (the subject, or a member or sub-unit of it).
    pub no_discipline: bool,
}

/// The conditions of the three levels above "not completed".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conditions {
    pub excellent: LevelCondition,
    pub good: LevelCondition,
    pub completed: LevelCondition,
}

/// The cap on "excellent" within an evaluating body: at most `max_excellent_percent` of
/// those it rated "good" or better (rounded down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    pub max_excellent_percent: u32,
}

/// A criteria framework: one version, for one kind of subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Framework {
    pub name: String,
    /// The regulation and guidance it follows.
    pub basis: String,
    pub subject: SubjectKind,
    pub groups: Vec<Group>,
    pub thresholds: Thresholds,
    pub conditions: Conditions,
    pub quota: Quota,
}

fn criterion(code: &str, vi: &str, en: &str, points: u32, rule: Option<Rule>) -> Criterion {
    Criterion {
        code: code.into(),
        title_vi: vi.into(),
        title_en: en.into(),
        points,
        rule,
    }
}

const BASIS: &str = "Quy định 366-QĐ/TW ngày 30/8/2025; Hướng dẫn 43-HD/BTCTW ngày 31/10/2025";

/// The defaults of the levels: 90 / 70 / 50.
pub const DEFAULT_THRESHOLDS: Thresholds = Thresholds {
    excellent: 90,
    good: 70,
    completed: 50,
};

/// The default quota: at most 20% of those rated good or better.
pub const DEFAULT_QUOTA: Quota = Quota {
    max_excellent_percent: 20,
};

impl Framework {
    /// The default framework for party organizations: general criteria 30, results of
    /// tasks 70; excellent also needs every task on time, at least 30% of targets
    /// exceeded and no discipline; good every task on time; completed at most 20% late.
    pub fn default_units() -> Framework {
        Framework {
            name: "Khung tiêu chí tổ chức đảng".into(),
            basis: BASIS.into(),
            subject: SubjectKind::Unit,
            groups: vec![
                Group {
                    code: "general".into(),
                    title_vi: "Tiêu chí chung".into(),
                    title_en: "General criteria".into(),
                    criteria: vec![
                        criterion(
                            "leadership",
                            "Lãnh đạo, chỉ đạo; xây dựng tổ chức đảng trong sạch, vững mạnh",
                            "Leadership; building a clean and strong organization",
                            10,
                            None,
                        ),
                        criterion(
                            "reports",
                            "Báo cáo đúng hạn, trung thực",
                            "Reports on time and truthful",
                            10,
                            Some(Rule::ReportsOnTime),
                        ),
                        criterion(
                            "discipline",
                            "Không có tổ chức, đảng viên bị kỷ luật",
                            "No sub-unit or member disciplined",
                            10,
                            Some(Rule::NoDiscipline),
                        ),
                    ],
                },
                Group {
                    code: "results".into(),
                    title_vi: "Kết quả thực hiện nhiệm vụ".into(),
                    title_en: "Results of tasks".into(),
                    criteria: vec![
                        criterion(
                            "programs",
                            "Ban hành chương trình hành động đúng hạn",
                            "Action programs issued on time",
                            10,
                            Some(Rule::ProgramsOnTime),
                        ),
                        criterion(
                            "tasks",
                            "Hoàn thành nhiệm vụ đúng hạn",
                            "Tasks done on time",
                            20,
                            Some(Rule::TasksOnTime),
                        ),
                        criterion(
                            "targets",
                            "Đạt các chỉ tiêu",
                            "Targets reached",
                            15,
                            Some(Rule::TargetsReached),
                        ),
                        criterion(
                            "study",
                            "Học tập, quán triệt nghị quyết",
                            "Study of the resolutions",
                            10,
                            Some(Rule::StudyParticipation),
                        ),
                        criterion(
                            "checks",
                            "Kết quả kiểm tra nhận thức",
                            "Knowledge checks passed",
                            5,
                            Some(Rule::StudyChecks),
                        ),
                        criterion(
                            "recommendations",
                            "Khắc phục kiến nghị kiểm tra, giám sát đúng hạn",
                            "Inspection recommendations closed on time",
                            5,
                            Some(Rule::RecommendationsClosed),
                        ),
                        criterion(
                            "recurrence",
                            "Không tái phạm khuyết điểm đã được chỉ ra",
                            "No shortcoming found again",
                            5,
                            Some(Rule::NoRecurrence),
                        ),
                    ],
                },
            ],
            thresholds: DEFAULT_THRESHOLDS,
            conditions: Conditions {
                excellent: LevelCondition {
                    all_tasks_on_time: true,
                    min_exceeded_percent: 30,
                    max_late_percent: None,
                    no_discipline: true,
                },
                good: LevelCondition {
                    all_tasks_on_time: true,
                    ..LevelCondition::default()
                },
                completed: LevelCondition {
                    max_late_percent: Some(20),
                    ..LevelCondition::default()
                },
            },
            quota: DEFAULT_QUOTA,
        }
    }

    /// The default framework for party members: general criteria 30 (political quality,
    /// ethics and lifestyle from the self-assessment; discipline from the record), results
    /// of tasks 70 from their tasks, their study and their recommendations.
    pub fn default_members() -> Framework {
        Framework {
            name: "Khung tiêu chí đảng viên".into(),
            basis: BASIS.into(),
            subject: SubjectKind::Member,
            groups: vec![
                Group {
                    code: "general".into(),
                    title_vi: "Tiêu chí chung".into(),
                    title_en: "General criteria".into(),
                    criteria: vec![
                        criterion(
                            "politics",
                            "Tư tưởng chính trị, đạo đức, lối sống",
                            "Political quality, ethics and lifestyle",
                            20,
                            None,
                        ),
                        criterion(
                            "discipline",
                            "Ý thức tổ chức kỷ luật; không bị kỷ luật",
                            "Discipline; no disciplinary measure",
                            10,
                            Some(Rule::NoDiscipline),
                        ),
                    ],
                },
                Group {
                    code: "results".into(),
                    title_vi: "Kết quả thực hiện nhiệm vụ".into(),
                    title_en: "Results of tasks".into(),
                    criteria: vec![
                        criterion(
                            "tasks",
                            "Hoàn thành nhiệm vụ được giao đúng hạn",
                            "Assigned tasks done on time",
                            30,
                            Some(Rule::TasksOnTime),
                        ),
                        criterion(
                            "study",
                            "Tham gia học tập nghị quyết",
                            "Took part in the study of the resolutions",
                            20,
                            Some(Rule::StudyParticipation),
                        ),
                        criterion(
                            "checks",
                            "Đạt bài kiểm tra nhận thức",
                            "Knowledge checks passed",
                            10,
                            Some(Rule::StudyChecks),
                        ),
                        criterion(
                            "recommendations",
                            "Khắc phục kiến nghị được giao",
                            "Recommendations they answer for closed",
                            10,
                            Some(Rule::RecommendationsClosed),
                        ),
                    ],
                },
            ],
            thresholds: DEFAULT_THRESHOLDS,
            conditions: Conditions {
                excellent: LevelCondition {
                    all_tasks_on_time: true,
                    min_exceeded_percent: 0,
                    max_late_percent: None,
                    no_discipline: true,
                },
                good: LevelCondition {
                    all_tasks_on_time: true,
                    ..LevelCondition::default()
                },
                completed: LevelCondition {
                    max_late_percent: Some(20),
                    ..LevelCondition::default()
                },
            },
            quota: DEFAULT_QUOTA,
        }
    }

    pub fn default_for(subject: SubjectKind) -> Framework {
        match subject {
            SubjectKind::Unit => Framework::default_units(),
            SubjectKind::Member => Framework::default_members(),
        }
    }

    /// The total points (100 in a valid framework).
    pub fn points(&self) -> u32 {
        self.groups.iter().map(Group::points).sum()
    }

    /// Checks a framework before it is saved: a name; criteria codes unique and not
    /// empty; every criterion worth at least a point; the points summing to 100;
    /// thresholds falling (excellent > good > completed > 0, at most 100); shares at most
    /// 100%. Every problem is reported.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut e = Invalid(Vec::new());
        if self.name.trim().is_empty() {
            e.push("name", "required");
        }
        if self.groups.is_empty() || self.groups.iter().any(|g| g.criteria.is_empty()) {
            e.push("groups", "evaluation_empty_group");
        }
        let mut codes = BTreeSet::new();
        for c in self.groups.iter().flat_map(|g| &g.criteria) {
            if c.code.trim().is_empty() || !codes.insert(c.code.as_str()) {
                e.push("criteria", "evaluation_criterion_code");
            }
            if c.points == 0 || c.title_vi.trim().is_empty() {
                e.push("criteria", "evaluation_criterion_points");
            }
        }
        if self.points() != 100 {
            e.push("points", "evaluation_points_not_100");
        }
        let t = self.thresholds;
        if !(t.excellent <= 100 && t.excellent > t.good && t.good > t.completed && t.completed > 0)
        {
            e.push("thresholds", "evaluation_thresholds");
        }
        let c = self.conditions;
        let shares = [
            c.excellent.min_exceeded_percent,
            c.good.min_exceeded_percent,
            c.completed.min_exceeded_percent,
            c.excellent.max_late_percent.unwrap_or(0),
            c.good.max_late_percent.unwrap_or(0),
            c.completed.max_late_percent.unwrap_or(0),
            self.quota.max_excellent_percent,
        ];
        if shares.iter().any(|s| *s > 100) {
            e.push("conditions", "evaluation_percent");
        }
        e.dedup();
        e.into_result(())
    }

    pub fn threshold(&self, level: Level) -> u32 {
        match level {
            Level::Excellent => self.thresholds.excellent,
            Level::Good => self.thresholds.good,
            Level::Completed => self.thresholds.completed,
            Level::NotCompleted => 0,
        }
    }

    pub fn condition(&self, level: Level) -> LevelCondition {
        match level {
            Level::Excellent => self.conditions.excellent,
            Level::Good => self.conditions.good,
            Level::Completed => self.conditions.completed,
            Level::NotCompleted => LevelCondition::default(),
        }
    }
}

impl Invalid {
    fn dedup(&mut self) {
        let mut seen = BTreeSet::new();
        self.0.retain(|f| seen.insert((f.field, f.code)));
    }
}

/// What a fact reference points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    /// A unit's program for a cascade it was reached by (id: the program).
    Program,
    /// A cascade's reach of a unit that has no program yet (id: the cascade).
    Cascade,
    Task,
    Target,
    /// A resolution studied (id: the document).
    Study,
    Report,
    Recommendation,
    /// An inspection finding found again.
    Finding,
    Discipline,
}

/// One fact of the record a point came from: its row, a label, and whether it counted
/// for (met) or against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactRef {
    pub kind: FactKind,
    pub id: i64,
    pub label: String,
    pub met: bool,
}

/// How many facts a point keeps references to; the counts are always exact.
pub const MAX_REFS: usize = 8;

/// What a rule counted: how many facts, how many of them met it, and (bounded) which.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tally {
    pub counted: u32,
    pub met: u32,
    pub refs: Vec<FactRef>,
}

impl Tally {
    /// Counts one fact, keeping its reference while there is room (the unmet first: when
    /// the list is full, an unmet fact replaces a met one).
    pub fn add(&mut self, kind: FactKind, id: i64, label: impl Into<String>, met: bool) {
        self.counted += 1;
        if met {
            self.met += 1;
        }
        let r = FactRef {
            kind,
            id,
            label: label.into(),
            met,
        };
        if self.refs.len() < MAX_REFS {
            self.refs.push(r);
        } else if !met && let Some(i) = self.refs.iter().position(|x| x.met) {
            self.refs[i] = r;
        }
    }

    /// Adds counts without references (aggregates read in bulk).
    pub fn add_counts(&mut self, counted: u32, met: u32) {
        self.counted += counted;
        self.met += met.min(counted);
    }
}

/// What the record says about one subject within a period.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RecordFacts {
    pub programs: Tally,
    /// Tasks due within the period; met: done by the deadline.
    pub tasks: Tally,
    /// Of the tasks due, those done late or not done.
    pub tasks_late: u32,
    /// Targets; met: reached.
    pub targets: Tally,
    /// Of the targets, those beyond their goal.
    pub targets_exceeded: u32,
    pub study: Tally,
    pub checks: Tally,
    pub reports: Tally,
    pub recommendations: Tally,
    /// Findings found again (each one counts against).
    pub recurrences: Tally,
    /// Disciplinary measures in the period (each one counts against).
    pub disciplines: Tally,
    /// Recommendations past due and not closed on the day the facts were read.
    pub overdue_recommendations: u32,
}

impl RecordFacts {
    pub fn tally(&self, rule: Rule) -> &Tally {
        match rule {
            Rule::ProgramsOnTime => &self.programs,
            Rule::TasksOnTime => &self.tasks,
            Rule::TargetsReached => &self.targets,
            Rule::StudyParticipation => &self.study,
            Rule::StudyChecks => &self.checks,
            Rule::ReportsOnTime => &self.reports,
            Rule::RecommendationsClosed => &self.recommendations,
            Rule::NoRecurrence => &self.recurrences,
            Rule::NoDiscipline => &self.disciplines,
        }
    }
}

/// One criterion's share of a proposed score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    pub group: String,
    pub criterion: String,
    pub title_vi: String,
    pub title_en: String,
    pub rule: Option<Rule>,
    /// The criterion's points, in tenths.
    pub max: u32,
    /// What was earned, in tenths.
    pub earned: u32,
    pub counted: u32,
    pub met: u32,
    pub facts: Vec<FactRef>,
}

/// A condition of a level the record did not show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unmet {
    TasksNotAllOnTime,
    TooFewExceeded,
    TooManyLate,
    Disciplined,
}

impl Unmet {
    pub fn as_str(self) -> &'static str {
        match self {
            Unmet::TasksNotAllOnTime => "tasks_not_all_on_time",
            Unmet::TooFewExceeded => "too_few_exceeded",
            Unmet::TooManyLate => "too_many_late",
            Unmet::Disciplined => "disciplined",
        }
    }
}

/// A proposed score and level, with its breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub points: Vec<Point>,
    /// In tenths: always the sum of the points' `earned`.
    pub score: u32,
    pub level: Level,
    /// The conditions that kept the level below what the score alone would give.
    pub unmet: Vec<(Level, Unmet)>,
}

/// What a rule earns of `max` tenths.
fn earned(rule: Option<Rule>, max: u32, t: Option<&Tally>) -> u32 {
    match (rule, t) {
        (None, _) | (_, None) => max,
        (Some(r), Some(t)) if r.is_absence() => {
            if t.counted == 0 {
                max
            } else {
                0
            }
        }
        (Some(_), Some(t)) => {
            if t.counted == 0 {
                // Nothing was due: nothing was missed.
                max
            } else {
                (u64::from(max) * u64::from(t.met.min(t.counted)) / u64::from(t.counted)) as u32
            }
        }
    }
}

/// The unmet conditions of a level.
pub fn unmet(cond: &LevelCondition, f: &RecordFacts) -> Vec<Unmet> {
    let mut out = Vec::new();
    if cond.all_tasks_on_time && f.tasks.met < f.tasks.counted {
        out.push(Unmet::TasksNotAllOnTime);
    }
    if cond.min_exceeded_percent > 0
        && (f.targets.counted == 0
            || u64::from(f.targets_exceeded) * 100
                < u64::from(cond.min_exceeded_percent) * u64::from(f.targets.counted))
    {
        out.push(Unmet::TooFewExceeded);
    }
    if let Some(max) = cond.max_late_percent
        && f.tasks.counted > 0
        && u64::from(f.tasks_late) * 100 > u64::from(max) * u64::from(f.tasks.counted)
    {
        out.push(Unmet::TooManyLate);
    }
    if cond.no_discipline && f.disciplines.counted > 0 {
        out.push(Unmet::Disciplined);
    }
    out
}

/// The level a score (tenths) and the record give: the best level whose threshold the
/// score reaches and whose conditions the record shows; with the conditions that kept it
/// from a better level the score reached.
pub fn level_for(fw: &Framework, score: u32, f: &RecordFacts) -> (Level, Vec<(Level, Unmet)>) {
    let mut missed = Vec::new();
    for level in [Level::Excellent, Level::Good, Level::Completed] {
        if score < fw.threshold(level) * 10 {
            continue;
        }
        let u = unmet(&fw.condition(level), f);
        if u.is_empty() {
            return (level, missed);
        }
        missed.extend(u.into_iter().map(|x| (level, x)));
    }
    (Level::NotCompleted, missed)
}

/// The proposed score and level of a subject from its record.
pub fn propose(fw: &Framework, f: &RecordFacts) -> Proposal {
    let mut points = Vec::new();
    for g in &fw.groups {
        for c in &g.criteria {
            let max = c.points * 10;
            let t = c.rule.map(|r| f.tally(r));
            points.push(Point {
                group: g.code.clone(),
                criterion: c.code.clone(),
                title_vi: c.title_vi.clone(),
                title_en: c.title_en.clone(),
                rule: c.rule,
                max,
                earned: earned(c.rule, max, t),
                counted: t.map_or(0, |t| t.counted),
                met: t.map_or(0, |t| t.met),
                facts: t.map_or_else(Vec::new, |t| t.refs.clone()),
            });
        }
    }
    let score = points.iter().map(|p| p.earned).sum();
    let (level, unmet) = level_for(fw, score, f);
    Proposal {
        points,
        score,
        level,
        unmet,
    }
}

/// A score in tenths as the UI shows it: `87,5` (Vietnamese decimal comma).
pub fn format_score(tenths: u32) -> String {
    if tenths.is_multiple_of(10) {
        format!("{}", tenths / 10)
    } else {
        format!("{},{}", tenths / 10, tenths % 10)
    }
}

// ---- The three steps ------------------------------------------------------------------

/// Which step an evaluation is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Proposed from the record; waiting for the self-assessment.
    Proposed,
    /// Self-assessed; waiting for the assessment.
    SelfAssessed,
    /// Assessed by the cell or the committee; waiting for the decision.
    Assessed,
    /// Decided by the level above: final.
    Decided,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Proposed => "proposed",
            Step::SelfAssessed => "self_assessed",
            Step::Assessed => "assessed",
            Step::Decided => "decided",
        }
    }
}

/// The subject of an evaluation, as the rules of the steps need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub kind: SubjectKind,
    /// The unit evaluated, or the member's cell.
    pub path: OrgPath,
    pub member: Option<MemberId>,
    /// The evaluating body: the unit that decides (the parent of the unit; for a member,
    /// the parent of their cell).
    pub decider: OrgPath,
}

/// Who may read an evaluation: a unit's, whoever reads the unit (its own people and the
/// levels above; never its peers); a member's, the member, those who keep the people of
/// their cell, and the readers of a level above the cell. A member who only reads their
/// cell does not see their fellow members' evaluations.
pub fn may_read(p: &Principal, s: &Subject) -> bool {
    match s.kind {
        SubjectKind::Unit => p.can(Permission::Read, &s.path),
        SubjectKind::Member => {
            p.system
                || (s.member.is_some() && p.member_id == s.member)
                || p.can(Permission::EditPeople, &s.path)
                || p.grants.iter().any(|g| {
                    g.role.permits(Permission::Read)
                        && g.org_path != s.path
                        && g.org_path.covers(&s.path)
                })
        }
    }
}

/// Step 1: the member themselves; for a unit, who keeps its people (its secretary, its
/// office).
pub fn may_self_assess(p: &Principal, s: &Subject) -> bool {
    match s.kind {
        SubjectKind::Member => p.system || (s.member.is_some() && p.member_id == s.member),
        SubjectKind::Unit => p.can(Permission::EditPeople, &s.path),
    }
}

/// Step 2: for a member, the cell (who keeps its people: the secretary); for a unit, the
/// level above (its organization office).
pub fn may_assess(p: &Principal, s: &Subject) -> bool {
    match s.kind {
        SubjectKind::Member => p.can(Permission::EditPeople, &s.path),
        SubjectKind::Unit => p.can(Permission::EditPeople, &s.decider),
    }
}

/// Step 3: the evaluating body (who keeps the people of the decider's unit).
pub fn may_decide(p: &Principal, s: &Subject) -> bool {
    p.can(Permission::EditPeople, &s.decider)
}

/// The guard of a step on an evaluation at `current`: read first (`NotFound`), then the
/// right to take it (`Forbidden`), then the order of the steps (`Conflict`): a decided
/// evaluation is final; an assessment needs the self-assessment, a decision the
/// assessment.
pub fn check_step(p: &Principal, s: &Subject, current: Step, step: Step) -> Result<(), Refusal> {
    if !may_read(p, s) {
        return Err(Refusal::NotFound);
    }
    let allowed = match step {
        Step::SelfAssessed => may_self_assess(p, s),
        Step::Assessed => may_assess(p, s),
        Step::Decided => may_decide(p, s),
        Step::Proposed => false,
    };
    if !allowed {
        return Err(Refusal::Forbidden);
    }
    if current == Step::Decided {
        return Err(Refusal::Conflict("evaluation_decided"));
    }
    let needs = match step {
        Step::SelfAssessed | Step::Proposed => None,
        Step::Assessed => Some(Step::SelfAssessed),
        Step::Decided => Some(Step::Assessed),
    };
    if let Some(n) = needs
        && current < n
    {
        return Err(Refusal::Conflict("evaluation_step_order"));
    }
    Ok(())
}

/// The longest text of a step.
pub const MAX_TEXT: usize = 20_000;

/// A step's input: the level chosen and the written text (self-criticism, comment or
/// reason). `reason_required`: the level is above the proposed one (a decision then needs
/// a reason).
pub fn check_text(field: &'static str, text: &str, required: bool) -> Result<String, Invalid> {
    let t = crate::text::nfc(text.trim());
    if required && t.is_empty() {
        return Err(Invalid::one(field, "evaluation_reason_required"));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(Invalid::one(field, "too_long"));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Invalid::one(field, "bad_chars"));
    }
    Ok(t)
}

// ---- The quota ------------------------------------------------------------------------

/// The places for "excellent" among `good_or_better` subjects rated good or better.
pub fn places(q: &Quota, good_or_better: u32) -> u32 {
    (u64::from(good_or_better) * u64::from(q.max_excellent_percent) / 100) as u32
}

/// The quota's state within an evaluating body (decided evaluations only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QuotaState {
    pub excellent: u32,
    pub good_or_better: u32,
}

impl QuotaState {
    pub fn of(levels: impl IntoIterator<Item = Level>) -> QuotaState {
        let mut s = QuotaState::default();
        for l in levels {
            s.add(l);
        }
        s
    }

    fn add(&mut self, l: Level) {
        if l >= Level::Good {
            self.good_or_better += 1;
        }
        if l == Level::Excellent {
            self.excellent += 1;
        }
    }

    fn remove(&mut self, l: Level) {
        if l >= Level::Good {
            self.good_or_better -= 1;
        }
        if l == Level::Excellent {
            self.excellent -= 1;
        }
    }

    /// Places for "excellent" not taken (0 when over).
    pub fn left(&self, q: &Quota) -> u32 {
        places(q, self.good_or_better).saturating_sub(self.excellent)
    }

    pub fn within(&self, q: &Quota) -> bool {
        self.excellent <= places(q, self.good_or_better)
    }
}

/// The quota refused a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverQuota {
    /// Places for "excellent" left before this decision (with this decision counted among
    /// those rated good or better).
    pub left: u32,
    pub places: u32,
    pub good_or_better: u32,
}

/// Checks a decision against the quota of its body: `state` holds the body's decided
/// evaluations, `previous` this subject's decided level if it had one, `new` the level
/// decided. Every decision is checked (lowering a "good" also shrinks the places), so
/// that after any sequence of accepted decisions the body stays within its quota.
/// Returns the state after the decision.
pub fn check_quota(
    q: &Quota,
    state: QuotaState,
    previous: Option<Level>,
    new: Level,
) -> Result<QuotaState, OverQuota> {
    let mut after = state;
    if let Some(p) = previous {
        after.remove(p);
    }
    let mut without = after;
    after.add(new);
    if after.within(q) {
        Ok(after)
    } else {
        // Places left for this subject: those of the body as it would be, minus the
        // excellents already there.
        without.good_or_better = after.good_or_better;
        Err(OverQuota {
            left: without.left(q),
            places: places(q, after.good_or_better),
            good_or_better: after.good_or_better,
        })
    }
}

// ---- Honesty signals ------------------------------------------------------------------

/// A sign that a rating may not be honest, explained by its fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signal {
    /// Rated the same level in each of the last `periods` periods of this kind.
    SameLevel { level: Level, periods: u32 },
    /// Decided above what the record supports.
    AboveRecord { proposed: Level, decided: Level },
    /// Rated "excellent" with recommendations past due and not closed.
    ExcellentWithOverdue { recommendations: u32 },
    /// In the evaluating body, every decision equals the self-assessment.
    SelfEqualsFinal { decided: u32 },
}

impl Signal {
    pub fn code(&self) -> &'static str {
        match self {
            Signal::SameLevel { .. } => "same_level",
            Signal::AboveRecord { .. } => "above_record",
            Signal::ExcellentWithOverdue { .. } => "excellent_with_overdue",
            Signal::SelfEqualsFinal { .. } => "self_equals_final",
        }
    }
}

/// How many periods in a row make "the same level year after year".
pub const SAME_LEVEL_PERIODS: u32 = 3;
/// How many decisions a body needs before "self-assessment equals the final level
/// everywhere" is a signal.
pub const SELF_EQUALS_MIN: u32 = 3;

/// The signals of one decided evaluation: `history` holds the decided levels of the same
/// subject in the earlier periods of the same kind, latest first.
pub fn signals_of(
    proposed: Level,
    decided: Option<Level>,
    history: &[Level],
    overdue_recommendations: u32,
) -> Vec<Signal> {
    let mut out = Vec::new();
    let Some(d) = decided else {
        return out;
    };
    if d > proposed {
        out.push(Signal::AboveRecord {
            proposed,
            decided: d,
        });
    }
    if d == Level::Excellent && overdue_recommendations > 0 {
        out.push(Signal::ExcellentWithOverdue {
            recommendations: overdue_recommendations,
        });
    }
    let same = 1 + history.iter().take_while(|l| **l == d).count() as u32;
    if same >= SAME_LEVEL_PERIODS {
        out.push(Signal::SameLevel {
            level: d,
            periods: same,
        });
    }
    out
}

/// The body's signal: every decided evaluation's level equals its self-assessment.
/// `pairs`: (self level, decided level) of the decided evaluations.
pub fn body_signals(pairs: &[(Option<Level>, Level)]) -> Vec<Signal> {
    let n = pairs.len() as u32;
    if n >= SELF_EQUALS_MIN && pairs.iter().all(|(s, d)| *s == Some(*d)) {
        vec![Signal::SelfEqualsFinal { decided: n }]
    } else {
        Vec::new()
    }
}

// ---- Peer groups ----------------------------------------------------------------------

/// The size band of a unit by its members, for peer groups (units of the same kind and
/// size): up to 30, up to 100, up to 300, more.
pub fn size_band(members: i64) -> u8 {
    match members {
        ..=30 => 0,
        31..=100 => 1,
        101..=300 => 2,
        _ => 3,
    }
}

/// The bands' labels.
pub fn size_band_label(band: u8) -> &'static str {
    match band {
        0 => "≤30",
        1 => "31–100",
        2 => "101–300",
        _ => ">300",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{AccessRole, Grant};
    use crate::ids::{OrgId, UserId};
    use proptest::prelude::*;

    fn facts(tasks: (u32, u32), late: u32, targets: (u32, u32, u32), disc: u32) -> RecordFacts {
        let mut f = RecordFacts::default();
        f.tasks.add_counts(tasks.0, tasks.1);
        f.tasks_late = late;
        f.targets.add_counts(targets.0, targets.1);
        f.targets_exceeded = targets.2;
        f.disciplines.add_counts(disc, 0);
        f
    }

    #[test]
    fn defaults_are_valid_and_sum_to_100() {
        for fw in [Framework::default_units(), Framework::default_members()] {
            fw.validate().unwrap();
            assert_eq!(fw.points(), 100);
            let general: u32 = fw.groups[0].points();
            assert_eq!(general, 30);
            assert_eq!(fw.thresholds, DEFAULT_THRESHOLDS);
            assert_eq!(fw.quota.max_excellent_percent, 20);
        }
    }

    #[test]
    fn validate_names_every_problem() {
        let mut fw = Framework::default_units();
        fw.groups[0].criteria[0].points = 11;
        fw.thresholds.good = 95;
        fw.quota.max_excellent_percent = 120;
        let e = fw.validate().unwrap_err();
        let codes: Vec<_> = e.0.iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            [
                "evaluation_points_not_100",
                "evaluation_thresholds",
                "evaluation_percent"
            ]
        );
    }

    #[test]
    fn a_clean_record_with_exceeded_targets_is_excellent() {
        let fw = Framework::default_units();
        let p = propose(&fw, &facts((10, 10), 0, (3, 3, 1), 0));
        assert_eq!(p.score, 1000);
        assert_eq!(p.level, Level::Excellent);
        // Without exceeded targets the score alone is not enough.
        let p = propose(&fw, &facts((10, 10), 0, (3, 3, 0), 0));
        assert_eq!(p.level, Level::Good);
        assert_eq!(p.unmet, vec![(Level::Excellent, Unmet::TooFewExceeded)]);
    }

    #[test]
    fn late_tasks_lower_the_level_through_the_conditions() {
        let fw = Framework::default_units();
        // 9 of 10 on time: 18 of 20 points, score 98; not all on time → completed.
        let p = propose(&fw, &facts((10, 9), 1, (3, 3, 3), 0));
        assert_eq!(p.score, 980);
        assert_eq!(p.level, Level::Completed);
        // 3 of 10 late: over 20% → not completed.
        let p = propose(&fw, &facts((10, 7), 3, (3, 3, 3), 0));
        assert_eq!(p.level, Level::NotCompleted);
    }

    #[test]
    fn discipline_takes_the_points_and_excellent() {
        let fw = Framework::default_members();
        let p = propose(&fw, &facts((2, 2), 0, (0, 0, 0), 1));
        assert_eq!(p.score, 900);
        assert_eq!(p.level, Level::Good);
        let d = p
            .points
            .iter()
            .find(|x| x.criterion == "discipline")
            .unwrap();
        assert_eq!(d.earned, 0);
    }

    #[test]
    fn thresholds_are_read_from_the_framework() {
        let mut fw = Framework::default_members();
        fw.thresholds = Thresholds {
            excellent: 95,
            good: 80,
            completed: 60,
        };
        let mut f = facts((0, 0), 0, (0, 0, 0), 0);
        f.study.add_counts(10, 5); // 10 of 20 points
        let p = propose(&fw, &f);
        assert_eq!(p.score, 900);
        assert_eq!(p.level, Level::Good);
    }

    #[test]
    fn tally_keeps_unmet_references_first() {
        let mut t = Tally::default();
        for i in 0..20 {
            t.add(FactKind::Task, i, "t", true);
        }
        t.add(FactKind::Task, 99, "late", false);
        assert_eq!(t.counted, 21);
        assert_eq!(t.met, 20);
        assert_eq!(t.refs.len(), MAX_REFS);
        assert!(t.refs.iter().any(|r| r.id == 99));
    }

    #[test]
    fn quota_names_the_places_left() {
        let q = DEFAULT_QUOTA;
        // 9 good, 1 excellent: 10 good or better → 2 places; one taken.
        let mut s = QuotaState::of(
            std::iter::repeat_n(Level::Good, 9).chain(std::iter::once(Level::Excellent)),
        );
        assert_eq!(s.left(&q), 1);
        s = check_quota(&q, s, None, Level::Excellent).unwrap();
        assert_eq!(s.excellent, 2);
        let e = check_quota(&q, s, None, Level::Excellent).unwrap_err();
        assert_eq!(e.places, 2);
        assert_eq!(e.left, 0);
        // Lowering a good to completed would leave 10 good or better → 2 places: fine.
        let s2 = check_quota(&q, s, Some(Level::Good), Level::Completed).unwrap();
        assert_eq!(s2.good_or_better, 10);
        // Lowering one more would leave 9 → 1 place with 2 excellent: refused.
        assert!(check_quota(&q, s2, Some(Level::Good), Level::Completed).is_err());
    }

    #[test]
    fn format_uses_a_decimal_comma() {
        assert_eq!(format_score(875), "87,5");
        assert_eq!(format_score(900), "90");
    }

    fn principal(role: AccessRole, path: &str, member: Option<i64>) -> Principal {
        let path = OrgPath::parse(path).unwrap();
        Principal {
            user_id: UserId(5),
            username: "u".into(),
            display_name: "u".into(),
            grants: vec![Grant {
                role,
                org_id: *path.ids().last().unwrap(),
                org_path: path,
            }],
            system: false,
            member_id: member.map(MemberId),
        }
    }

    fn member_subject(id: i64) -> Subject {
        Subject {
            kind: SubjectKind::Member,
            path: OrgPath::parse("/1/2/3/4/").unwrap(),
            member: Some(MemberId(id)),
            decider: OrgPath::parse("/1/2/3/").unwrap(),
        }
    }

    #[test]
    fn members_see_their_own_evaluation_not_their_fellows() {
        let me = principal(AccessRole::Member, "/1/2/3/4/", Some(7));
        assert!(may_read(&me, &member_subject(7)));
        assert!(!may_read(&me, &member_subject(8)));
        let cell_unit = Subject {
            kind: SubjectKind::Unit,
            path: OrgPath::parse("/1/2/3/4/").unwrap(),
            member: None,
            decider: OrgPath::parse("/1/2/3/").unwrap(),
        };
        assert!(may_read(&me, &cell_unit));
        let secretary = principal(AccessRole::Secretary, "/1/2/3/4/", Some(9));
        assert!(may_read(&secretary, &member_subject(8)));
        assert_eq!(
            check_step(
                &secretary,
                &member_subject(8),
                Step::SelfAssessed,
                Step::Assessed
            ),
            Ok(())
        );
        assert_eq!(
            check_step(
                &secretary,
                &member_subject(8),
                Step::Assessed,
                Step::Decided
            ),
            Err(Refusal::Forbidden)
        );
        let peer = principal(AccessRole::Secretary, "/1/2/3/5/", None);
        assert_eq!(
            check_step(
                &peer,
                &member_subject(8),
                Step::SelfAssessed,
                Step::Assessed
            ),
            Err(Refusal::NotFound)
        );
        assert!(!may_read(&peer, &cell_unit));
        let committee = principal(AccessRole::OfficeStaff, "/1/2/3/", None);
        assert_eq!(
            check_step(
                &committee,
                &member_subject(8),
                Step::SelfAssessed,
                Step::Decided
            ),
            Err(Refusal::Conflict("evaluation_step_order"))
        );
        assert_eq!(
            check_step(&committee, &member_subject(8), Step::Decided, Step::Decided),
            Err(Refusal::Conflict("evaluation_decided"))
        );
        let _ = OrgId(1);
    }

    #[test]
    fn signals_explain_themselves() {
        let s = signals_of(
            Level::Good,
            Some(Level::Excellent),
            &[Level::Excellent, Level::Excellent, Level::Good],
            2,
        );
        assert_eq!(
            s,
            vec![
                Signal::AboveRecord {
                    proposed: Level::Good,
                    decided: Level::Excellent
                },
                Signal::ExcellentWithOverdue { recommendations: 2 },
                Signal::SameLevel {
                    level: Level::Excellent,
                    periods: 3
                },
            ]
        );
        assert!(body_signals(&[(Some(Level::Good), Level::Good)]).is_empty());
        assert_eq!(
            body_signals(&[(Some(Level::Good), Level::Good); 3]),
            vec![Signal::SelfEqualsFinal { decided: 3 }]
        );
    }

    fn tally() -> impl Strategy<Value = Tally> {
        (0u32..50, 0u32..50).prop_map(|(c, m)| {
            let mut t = Tally::default();
            t.add_counts(c, m);
            t
        })
    }

    fn any_facts() -> impl Strategy<Value = RecordFacts> {
        (
            (tally(), tally(), tally(), tally(), tally()),
            (tally(), tally(), tally(), tally()),
            0u32..50,
            0u32..50,
        )
            .prop_map(|((a, b, c, d, e), (g, h, i, j), late, exc)| RecordFacts {
                programs: a,
                tasks_late: late.min(b.counted - b.met),
                tasks: b,
                targets_exceeded: exc.min(c.met),
                targets: c,
                study: d,
                checks: e,
                reports: g,
                recommendations: h,
                recurrences: i,
                disciplines: j,
                overdue_recommendations: 0,
            })
    }

    fn any_framework() -> impl Strategy<Value = Framework> {
        // Random points over the default criteria (a framework need not be valid for the
        // breakdown to sum), random thresholds.
        (
            proptest::collection::vec(1u32..40, 10),
            50u32..100,
            0u32..60,
            prop::bool::ANY,
        )
            .prop_map(|(pts, ex, sub, members)| {
                let mut fw = if members {
                    Framework::default_members()
                } else {
                    Framework::default_units()
                };
                let mut i = 0;
                for g in &mut fw.groups {
                    for c in &mut g.criteria {
                        c.points = pts[i % pts.len()];
                        i += 1;
                    }
                }
                let good = ex.saturating_sub(sub / 2 + 1).max(2);
                fw.thresholds = Thresholds {
                    excellent: ex,
                    good,
                    completed: good / 2,
                };
                fw
            })
    }

    proptest! {
        #[test]
        fn breakdown_sums_to_the_score(fw in any_framework(), f in any_facts()) {
            let p = propose(&fw, &f);
            prop_assert_eq!(p.points.iter().map(|x| x.earned).sum::<u32>(), p.score);
            prop_assert!(p.points.iter().all(|x| x.earned <= x.max));
            prop_assert!(p.score <= fw.points() * 10);
            // The level's threshold is reached and its conditions hold.
            prop_assert!(p.score >= fw.threshold(p.level) * 10);
            prop_assert!(unmet(&fw.condition(p.level), &f).is_empty());
            // Proposing twice gives the same answer (the store recomputes it).
            prop_assert_eq!(propose(&fw, &f), p);
        }

        #[test]
        fn no_order_of_decisions_exceeds_the_quota(
            pct in 0u32..=100,
            decisions in proptest::collection::vec((0usize..12, 0usize..4), 0..80),
        ) {
            let q = Quota { max_excellent_percent: pct };
            let mut decided: Vec<Option<Level>> = vec![None; 12];
            let mut state = QuotaState::default();
            for (subject, l) in decisions {
                let level = Level::ALL[l];
                match check_quota(&q, state, decided[subject], level) {
                    Ok(s) => {
                        state = s;
                        decided[subject] = Some(level);
                    }
                    Err(e) => {
                        prop_assert!(level == Level::Excellent || decided[subject] >= Some(Level::Good));
                        prop_assert!(e.left <= e.places);
                    }
                }
                // The state is always the state of the decided levels, within the quota.
                prop_assert_eq!(state, QuotaState::of(decided.iter().flatten().copied()));
                prop_assert!(state.within(&q));
            }
        }
    }
}
