//! Cascades: a document assigned to a subtree with deadlines, and what each unit's state
//! is on a given day.
//!
//! A unit misses a deadline **from the day after it**: on the deadline day itself it is
//! still pending. Progress reports are due every month or quarter; each calendar period's
//! report is due `grace_days` after the period ends (by default the 5th of the next month
//! or quarter). A report names the period it is for; the first submission for a period
//! fills it, on time or late (see [`ReportLedger`]).
//!
//! Codes: `deadline_before_issue`, `program_before_study`, `review_before_program`,
//! `reports_end_before_program`, `scope_outside_issuer`, `bad_choice`, `bad_number`.

use crate::document::DocumentType;
use crate::org::{OrgKind, OrgPath, PathRange, Unit};
use crate::validate::{self, Invalid};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month};

/// How often units report progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportEvery {
    Monthly,
    Quarterly,
}

impl ReportEvery {
    pub const ALL: [ReportEvery; 2] = [ReportEvery::Monthly, ReportEvery::Quarterly];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportEvery::Monthly => "monthly",
            ReportEvery::Quarterly => "quarterly",
        }
    }

    pub fn parse(s: &str) -> Option<ReportEvery> {
        ReportEvery::ALL.into_iter().find(|r| r.as_str() == s)
    }

    fn months(self) -> u8 {
        match self {
            ReportEvery::Monthly => 1,
            ReportEvery::Quarterly => 3,
        }
    }

    /// The first day of the period that contains `d`.
    pub fn period_start(self, d: Date) -> Date {
        let m = u8::from(d.month());
        let first = m - (m - 1) % self.months();
        Date::from_calendar_date(d.year(), month(first), 1).expect("the 1st exists")
    }

    /// The first day of the period after the one starting on `start`.
    fn next_start(self, start: Date) -> Date {
        let m = u8::from(start.month()) + self.months();
        let (y, m) = if m > 12 {
            (start.year() + 1, m - 12)
        } else {
            (start.year(), m)
        };
        Date::from_calendar_date(y, month(m), 1).expect("the 1st exists")
    }
}

fn month(m: u8) -> Month {
    Month::try_from(m).expect("months are 1..=12")
}

/// The most days after a period's end that its report may still be handed in on time.
pub const MAX_GRACE_DAYS: u8 = 27;
/// By default a period's report is due on the 5th of the next month or quarter.
pub const DEFAULT_GRACE_DAYS: u8 = 5;
/// Bottom-up deadlines: each level under the topmost level a cascade reaches hands in its
/// report this many days earlier, so that cells report before their grassroots
/// organization, grassroots before their district, and each level writes its report
/// from the lower ones (issue 13 item 3).
pub const BOTTOM_UP_STEP_DAYS: u8 = 2;

/// The grace days of a unit `levels_below_top` levels under the topmost level its cascade
/// reaches: the cascade's `grace_days` less [`BOTTOM_UP_STEP_DAYS`] per level, never
/// before the period's last day. With the default 5 days and three levels: districts on
/// the 5th, grassroots on the 3rd, cells on the 1st.
pub fn level_grace_days(grace_days: u8, levels_below_top: usize) -> u8 {
    let step = usize::from(BOTTOM_UP_STEP_DAYS).saturating_mul(levels_below_top);
    u8::try_from(usize::from(grace_days).saturating_sub(step)).unwrap_or(0)
}

/// One reporting period: calendar month or quarter, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Period {
    pub start: Date,
    pub end: Date,
    /// The last day its report is on time.
    pub due: Date,
}

impl Period {
    /// The period of `every` that contains `d`.
    pub fn containing(every: ReportEvery, d: Date, grace_days: u8) -> Period {
        Period::starting(every, every.period_start(d), grace_days)
    }

    fn starting(every: ReportEvery, start: Date, grace_days: u8) -> Period {
        let end = every.next_start(start) - Duration::days(1);
        Period {
            start,
            end,
            due: end + Duration::days(i64::from(grace_days.min(MAX_GRACE_DAYS))),
        }
    }

    /// The period a report dated `d` is for: the previous period while `d` is within that
    /// period's grace days (a report of 3 April is the first quarter's), else the period
    /// containing `d`.
    pub fn covered_by(every: ReportEvery, d: Date, grace_days: u8) -> Period {
        let this = Period::containing(every, d, grace_days);
        let prev = Period::containing(every, this.start - Duration::days(1), grace_days);
        if d <= prev.due { prev } else { this }
    }
}

/// The reporting periods that start between `from` and `until`, both included: the first
/// is the first calendar period that starts on or after `from`.
pub fn periods_between(every: ReportEvery, from: Date, until: Date, grace_days: u8) -> Vec<Period> {
    Periods::new(every, from, Some(until), grace_days).collect()
}

/// The due dates of the reports of [`periods_between`].
pub fn due_dates_between(every: ReportEvery, from: Date, until: Date, grace_days: u8) -> Vec<Date> {
    Periods::new(every, from, Some(until), grace_days)
        .map(|p| p.due)
        .collect()
}

/// The periods of a schedule, in order; endless when there is no end date.
#[derive(Debug, Clone)]
pub struct Periods {
    every: ReportEvery,
    next: Date,
    until: Option<Date>,
    grace_days: u8,
}

impl Periods {
    pub fn new(every: ReportEvery, from: Date, until: Option<Date>, grace_days: u8) -> Periods {
        let start = every.period_start(from);
        let next = if start == from {
            start
        } else {
            every.next_start(start)
        };
        Periods {
            every,
            next,
            until,
            grace_days,
        }
    }
}

impl Iterator for Periods {
    type Item = Period;

    fn next(&mut self) -> Option<Period> {
        if self.until.is_some_and(|u| self.next > u) || self.next.year() > 9000 {
            return None;
        }
        let p = Period::starting(self.every, self.next, self.grace_days);
        self.next = self.every.next_start(self.next);
        Some(p)
    }
}

/// The deadlines of a cascade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CascadeDeadlines {
    /// Every unit has studied the document by this day (học tập, quán triệt).
    pub study_by: Date,
    /// Every unit has issued its own program by this day.
    pub program_by: Date,
    pub report_every: ReportEvery,
    /// The interim review (sơ kết), usually at mid-term.
    pub interim_review_by: Option<Date>,
    /// The last day a reporting period may start on (usually the final review); none:
    /// reports go on until the cascade is closed.
    pub reports_until: Option<Date>,
    /// Days after a period's end its report is still on time.
    pub grace_days: u8,
}

/// The deadlines as typed into a form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CascadeForm {
    pub study_by: String,
    pub program_by: String,
    pub report_every: String,
    pub interim_review_by: String,
    pub reports_until: String,
    /// Empty: [`DEFAULT_GRACE_DAYS`].
    pub grace_days: String,
}

impl CascadeDeadlines {
    /// Checks the deadlines against the document's issue date: none is before it, the
    /// program is due no earlier than the study, the interim review and the end of
    /// reporting come no earlier than the program.
    pub fn check(&self, issued_on: Date) -> Result<(), Invalid> {
        let mut inv = Invalid::default();
        if self.study_by < issued_on {
            inv.push("study_by", "deadline_before_issue");
        }
        if self.program_by < issued_on {
            inv.push("program_by", "deadline_before_issue");
        } else if self.program_by < self.study_by {
            inv.push("program_by", "program_before_study");
        }
        if let Some(r) = self.interim_review_by {
            if r < issued_on {
                inv.push("interim_review_by", "deadline_before_issue");
            } else if r < self.program_by {
                inv.push("interim_review_by", "review_before_program");
            }
        }
        if self.reports_until.is_some_and(|u| u < self.program_by) {
            inv.push("reports_until", "reports_end_before_program");
        }
        if self.grace_days > MAX_GRACE_DAYS {
            inv.push("grace_days", "bad_number");
        }
        inv.into_result(())
    }

    /// Parses the form and checks it.
    pub fn parse(form: &CascadeForm, issued_on: Date) -> Result<CascadeDeadlines, Invalid> {
        let mut inv = Invalid::default();
        let study_by = inv.take(validate::date("study_by", &form.study_by));
        let program_by = inv.take(validate::date("program_by", &form.program_by));
        let report_every = ReportEvery::parse(form.report_every.trim());
        if report_every.is_none() {
            inv.push("report_every", "bad_choice");
        }
        let interim = inv.take(validate::optional_date(
            "interim_review_by",
            &form.interim_review_by,
        ));
        let until = inv.take(validate::optional_date(
            "reports_until",
            &form.reports_until,
        ));
        let grace = if form.grace_days.trim().is_empty() {
            Some(DEFAULT_GRACE_DAYS)
        } else {
            let g = form.grace_days.trim().parse::<u8>().ok();
            if g.is_none_or(|g| g > MAX_GRACE_DAYS) {
                inv.push("grace_days", "bad_number");
            }
            g
        };
        match (study_by, program_by, report_every, interim, until, grace) {
            (Some(s), Some(p), Some(e), Some(i), Some(u), Some(g)) if inv.is_empty() => {
                let d = CascadeDeadlines {
                    study_by: s,
                    program_by: p,
                    report_every: e,
                    interim_review_by: i,
                    reports_until: u,
                    grace_days: g,
                };
                d.check(issued_on)?;
                Ok(d)
            }
            _ => Err(inv),
        }
    }

    /// The reporting periods: the first starts after the program deadline (a unit reports
    /// on a program it has), the last starts no later than `reports_until`.
    pub fn periods(&self) -> Periods {
        Periods::new(
            self.report_every,
            self.program_by + Duration::days(1),
            self.reports_until,
            self.grace_days,
        )
    }
}

/// The state of one deadline on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// Not done, and the deadline has not passed (the deadline day included).
    Pending,
    /// Done on or before the deadline.
    Done,
    /// Done after the deadline.
    DoneLate,
    /// Not done, and the deadline has passed: from the day after it.
    Overdue,
}

impl DeadlineStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineStatus::Pending => "pending",
            DeadlineStatus::Done => "done",
            DeadlineStatus::DoneLate => "done_late",
            DeadlineStatus::Overdue => "overdue",
        }
    }

    pub fn is_done(self) -> bool {
        matches!(self, DeadlineStatus::Done | DeadlineStatus::DoneLate)
    }
}

/// The part of a deadline's state that does not change with the passing of days: still
/// open (and due when), or done (and whether late). The rollups store this; the day turns
/// it into a [`DeadlineStatus`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Milestone {
    Open { due: Date },
    Done { late: bool },
}

impl Milestone {
    pub fn new(due: Date, done_on: Option<Date>) -> Milestone {
        match done_on {
            Some(d) => Milestone::Done { late: d > due },
            None => Milestone::Open { due },
        }
    }

    pub fn status(self, today: Date) -> DeadlineStatus {
        match self {
            Milestone::Done { late: false } => DeadlineStatus::Done,
            Milestone::Done { late: true } => DeadlineStatus::DoneLate,
            Milestone::Open { due } if today > due => DeadlineStatus::Overdue,
            Milestone::Open { .. } => DeadlineStatus::Pending,
        }
    }
}

/// The state of a deadline on `today`: overdue from the day after `due`.
pub fn deadline_status(due: Date, done_on: Option<Date>, today: Date) -> DeadlineStatus {
    Milestone::new(due, done_on).status(today)
}

/// What a unit has done for one cascade: the facts the store keeps on its cascade row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitFacts {
    pub studied_on: Option<Date>,
    pub program_issued_on: Option<Date>,
    pub interim_reviewed_on: Option<Date>,
    /// The unit's submitted periodic reports, in any order (corrections included: only
    /// the first submission for a period counts).
    pub reports: Vec<FiledReport>,
}

/// A periodic report as the ledger sees it: the period it is for (its first day) and the
/// day it was submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FiledReport {
    pub period_start: Date,
    pub filed_on: Date,
}

/// How a unit's reporting stands, on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStanding {
    /// No report due yet and none sent.
    NotDue,
    /// Every due report sent, all on time.
    OnTime,
    /// Every due report sent, some after their due date.
    Late,
    /// At least one report is past its due date and not sent.
    Behind,
}

impl ReportStanding {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStanding::NotDue => "not_due",
            ReportStanding::OnTime => "on_time",
            ReportStanding::Late => "late",
            ReportStanding::Behind => "behind",
        }
    }
}

/// A unit's reports matched to the reporting periods of its schedule.
///
/// Each report names its period; the first submission for a period fills it, late when
/// submitted after the period's due date. A later submission for the same period (a
/// correction) changes nothing, and a report for a period outside the schedule fills
/// nothing. `next` is the first period of the schedule not yet filled: a unit that
/// skipped the second quarter still owes it after reporting the third. Nothing here
/// depends on the day: the ledger changes only when a report is submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLedger {
    /// The filled periods with the day of the report that filled each, in period order.
    pub filled: Vec<(Period, Date)>,
    /// The first period not yet filled; `None` when reporting has ended and all are.
    pub next: Option<Period>,
}

impl ReportLedger {
    pub fn new(deadlines: &CascadeDeadlines, reports: &[FiledReport]) -> ReportLedger {
        let mut first: std::collections::BTreeMap<Date, Date> = Default::default();
        for r in reports {
            first
                .entry(r.period_start)
                .and_modify(|d| *d = (*d).min(r.filed_on))
                .or_insert(r.filed_on);
        }
        let last = first.keys().next_back().copied();
        let mut filled = Vec::new();
        let mut next = None;
        for p in deadlines.periods() {
            match first.get(&p.start) {
                Some(d) => filled.push((p, *d)),
                None if next.is_none() => next = Some(p),
                None => {}
            }
            if next.is_some() && last.is_none_or(|l| p.start >= l) {
                break;
            }
        }
        ReportLedger { filled, next }
    }

    /// Some period was filled after its due date.
    pub fn any_late(&self) -> bool {
        self.filled.iter().any(|(p, d)| *d > p.due)
    }

    pub fn any_filled(&self) -> bool {
        !self.filled.is_empty()
    }

    /// When the unit falls behind if it sends nothing more: the due date of the first
    /// unfilled period.
    pub fn next_due(&self) -> Option<Date> {
        self.next.map(|p| p.due)
    }

    pub fn standing(&self, today: Date) -> ReportStanding {
        if self.next_due().is_some_and(|due| today > due) {
            ReportStanding::Behind
        } else if self.any_late() {
            ReportStanding::Late
        } else if self.any_filled() {
            ReportStanding::OnTime
        } else {
            ReportStanding::NotDue
        }
    }

    /// The number of periods past due on `today` and not filled.
    pub fn missing(&self, deadlines: &CascadeDeadlines, today: Date) -> usize {
        let Some(first) = self.next else { return 0 };
        Periods::new(
            deadlines.report_every,
            first.start,
            deadlines.reports_until,
            deadlines.grace_days,
        )
        .take_while(|p| today > p.due)
        .filter(|p| !self.filled.iter().any(|(f, _)| f.start == p.start))
        .count()
    }

    /// Whether the period starting on `start` is filled, and by the report of which day.
    pub fn filled_on(&self, start: Date) -> Option<Date> {
        self.filled
            .iter()
            .find(|(p, _)| p.start == start)
            .map(|(_, d)| *d)
    }
}

/// A unit's state in a cascade on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UnitStatus {
    pub study: DeadlineStatus,
    pub program: DeadlineStatus,
    pub interim_review: Option<DeadlineStatus>,
    pub reports: ReportStanding,
}

impl UnitStatus {
    pub fn derive(deadlines: &CascadeDeadlines, facts: &UnitFacts, today: Date) -> UnitStatus {
        UnitStatus {
            study: deadline_status(deadlines.study_by, facts.studied_on, today),
            program: deadline_status(deadlines.program_by, facts.program_issued_on, today),
            interim_review: deadlines
                .interim_review_by
                .map(|r| deadline_status(r, facts.interim_reviewed_on, today)),
            reports: ReportLedger::new(deadlines, &facts.reports).standing(today),
        }
    }

    /// Whether anything is overdue or behind: the unit shows in the overdue list.
    pub fn needs_attention(&self) -> bool {
        self.study == DeadlineStatus::Overdue
            || self.program == DeadlineStatus::Overdue
            || self.interim_review == Some(DeadlineStatus::Overdue)
            || self.reports == ReportStanding::Behind
    }
}

/// Which units of a subtree a cascade reaches: the units of the given kinds in the subtree
/// of `root`, and `root` itself when `include_root`. "All district-level organizations"
/// is the province's root with `[DirectlyAffiliated]`; "all grassroots organizations under
/// one district" is that district with `[Grassroots]`; "one organization" is that unit
/// with no kinds and `include_root`. The store selects the units with the subtree's path
/// range and these kinds, among units that are open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CascadeScope {
    pub root: OrgPath,
    pub kinds: Vec<OrgKind>,
    pub include_root: bool,
}

impl CascadeScope {
    pub fn range(&self) -> PathRange {
        self.root.subtree()
    }

    pub fn includes(&self, path: &OrgPath, kind: OrgKind) -> bool {
        if path == &self.root {
            return self.include_root;
        }
        self.root.covers(path) && self.kinds.contains(&kind)
    }

    /// A scope is valid when it reaches something and lies within the issuer's subtree.
    pub fn check(&self, issuer: &OrgPath) -> Result<(), Invalid> {
        let mut inv = Invalid::default();
        if self.kinds.is_empty() && !self.include_root {
            inv.push("kinds", "required");
        }
        if !issuer.covers(&self.root) {
            inv.push("root", "scope_outside_issuer");
        }
        inv.into_result(())
    }
}

/// A new cascade of a document of type `doc_type` issued at `issuer` on `issued_on`: a
/// type that is carried down (`document`, `bad_choice`), a scope within the issuer's
/// subtree that reaches something, deadlines in order, and a scope root that is the open
/// unit the store found at that path (`root`, `bad_choice`). Every problem is reported.
pub fn check_new_cascade(
    doc_type: DocumentType,
    issuer: &OrgPath,
    issued_on: Date,
    scope: &CascadeScope,
    deadlines: &CascadeDeadlines,
    root: Option<&Unit>,
) -> Result<(), Invalid> {
    let mut inv = Invalid::default();
    if !doc_type.is_cascadable() {
        inv.push("document", "bad_choice");
    }
    inv.take(scope.check(issuer));
    inv.take(deadlines.check(issued_on));
    match root {
        Some(o) if o.path == scope.root && o.is_active() => {}
        _ => inv.push("root", "bad_choice"),
    }
    inv.into_result(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_levels_report_first() {
        assert_eq!(level_grace_days(5, 0), 5);
        assert_eq!(level_grace_days(5, 1), 3);
        assert_eq!(level_grace_days(5, 2), 1);
        assert_eq!(level_grace_days(5, 3), 0, "never before the period ends");
        assert_eq!(level_grace_days(0, 2), 0);
        assert_eq!(level_grace_days(27, usize::MAX), 0);
        for g in 0..=MAX_GRACE_DAYS {
            for l in 0..6 {
                assert!(level_grace_days(g, l + 1) <= level_grace_days(g, l));
            }
        }
    }
    use proptest::prelude::*;
    use time::macros::date;

    fn deadlines() -> CascadeDeadlines {
        CascadeDeadlines {
            study_by: date!(2025 - 03 - 31),
            program_by: date!(2025 - 04 - 30),
            report_every: ReportEvery::Quarterly,
            interim_review_by: Some(date!(2027 - 12 - 31)),
            reports_until: Some(date!(2030 - 06 - 30)),
            grace_days: 5,
        }
    }

    #[test]
    fn a_new_cascade_reports_every_problem() {
        let p = |s: &str| OrgPath::parse(s).unwrap();
        let district = Unit {
            id: crate::OrgId(2),
            parent_id: Some(crate::OrgId(1)),
            kind: OrgKind::DirectlyAffiliated,
            path: p("/1/2/"),
            valid_from: date!(2020 - 01 - 01),
            valid_to: None,
        };
        let scope = CascadeScope {
            root: p("/1/2/"),
            kinds: vec![OrgKind::Grassroots],
            include_root: false,
        };
        let issued = date!(2025 - 01 - 15);
        let ok = check_new_cascade(
            DocumentType::Resolution,
            &p("/1/"),
            issued,
            &scope,
            &deadlines(),
            Some(&district),
        );
        assert_eq!(ok, Ok(()));
        let closed = Unit {
            valid_to: Some(date!(2025 - 01 - 01)),
            ..district.clone()
        };
        let got: Vec<(&str, &str)> = check_new_cascade(
            DocumentType::Report,
            &p("/1/3/"),
            date!(2025 - 04 - 01),
            &scope,
            &deadlines(),
            Some(&closed),
        )
        .unwrap_err()
        .0
        .iter()
        .map(|e| (e.field, e.code))
        .collect();
        assert_eq!(
            got,
            [
                ("document", "bad_choice"),
                ("root", "scope_outside_issuer"),
                ("study_by", "deadline_before_issue"),
                ("root", "bad_choice"),
            ]
        );
        let elsewhere = Unit {
            path: p("/1/4/"),
            ..district
        };
        assert_eq!(
            check_new_cascade(
                DocumentType::Plan,
                &p("/1/"),
                issued,
                &scope,
                &deadlines(),
                Some(&elsewhere)
            )
            .unwrap_err(),
            Invalid::one("root", "bad_choice")
        );
        assert!(
            check_new_cascade(
                DocumentType::Plan,
                &p("/1/"),
                issued,
                &scope,
                &deadlines(),
                None
            )
            .is_err()
        );
    }

    #[test]
    fn overdue_from_the_day_after() {
        let due = date!(2025 - 03 - 31);
        let cases = [
            (None, date!(2025 - 03 - 30), DeadlineStatus::Pending),
            (None, date!(2025 - 03 - 31), DeadlineStatus::Pending),
            (None, date!(2025 - 04 - 01), DeadlineStatus::Overdue),
            (
                Some(date!(2025 - 03 - 31)),
                date!(2025 - 05 - 01),
                DeadlineStatus::Done,
            ),
            (
                Some(date!(2025 - 03 - 01)),
                date!(2025 - 03 - 02),
                DeadlineStatus::Done,
            ),
            (
                Some(date!(2025 - 04 - 01)),
                date!(2025 - 04 - 01),
                DeadlineStatus::DoneLate,
            ),
        ];
        for (done, today, want) in cases {
            assert_eq!(deadline_status(due, done, today), want, "{done:?} {today}");
        }
    }

    #[test]
    fn deadline_checks() {
        let issued = date!(2025 - 02 - 01);
        assert!(deadlines().check(issued).is_ok());
        type Case = (fn(&mut CascadeDeadlines), &'static str, &'static str);
        let cases: Vec<Case> = vec![
            (
                |d| d.study_by = date!(2025 - 01 - 31),
                "study_by",
                "deadline_before_issue",
            ),
            (
                |d| d.program_by = date!(2025 - 01 - 31),
                "program_by",
                "deadline_before_issue",
            ),
            (
                |d| d.program_by = date!(2025 - 03 - 30),
                "program_by",
                "program_before_study",
            ),
            (
                |d| d.interim_review_by = Some(date!(2025 - 04 - 29)),
                "interim_review_by",
                "review_before_program",
            ),
            (
                |d| d.interim_review_by = Some(date!(2024 - 04 - 29)),
                "interim_review_by",
                "deadline_before_issue",
            ),
            (
                |d| d.reports_until = Some(date!(2025 - 04 - 01)),
                "reports_until",
                "reports_end_before_program",
            ),
            (|d| d.grace_days = 28, "grace_days", "bad_number"),
        ];
        for (change, field, code) in cases {
            let mut d = deadlines();
            change(&mut d);
            let e = d.check(issued).unwrap_err();
            assert_eq!((e.0[0].field, e.0[0].code), (field, code));
        }
        // Same-day deadlines are allowed.
        let mut d = deadlines();
        d.study_by = issued;
        d.program_by = issued;
        assert!(d.check(issued).is_ok());
    }

    #[test]
    fn parse_form() {
        let form = CascadeForm {
            study_by: "31/03/2025".into(),
            program_by: "30/04/2025".into(),
            report_every: "quarterly".into(),
            interim_review_by: "31/12/2027".into(),
            reports_until: "30/06/2030".into(),
            grace_days: String::new(),
        };
        assert_eq!(
            CascadeDeadlines::parse(&form, date!(2025 - 02 - 01)).unwrap(),
            deadlines()
        );
        let bad = CascadeForm {
            study_by: "hôm nay".into(),
            report_every: "weekly".into(),
            grace_days: "40".into(),
            ..form.clone()
        };
        let e = CascadeDeadlines::parse(&bad, date!(2025 - 02 - 01)).unwrap_err();
        let got: Vec<_> = e.0.iter().map(|f| (f.field, f.code)).collect();
        assert_eq!(
            got,
            vec![
                ("study_by", "bad_date"),
                ("report_every", "bad_choice"),
                ("grace_days", "bad_number")
            ]
        );
        let late = CascadeForm {
            program_by: "01/01/2025".into(),
            ..form
        };
        let e = CascadeDeadlines::parse(&late, date!(2025 - 02 - 01)).unwrap_err();
        assert_eq!(e.0[0].code, "deadline_before_issue");
    }

    #[test]
    fn periods_and_due_dates() {
        let q = periods_between(
            ReportEvery::Quarterly,
            date!(2025 - 05 - 01),
            date!(2026 - 01 - 01),
            5,
        );
        let starts: Vec<Date> = q.iter().map(|p| p.start).collect();
        assert_eq!(
            starts,
            vec![
                date!(2025 - 07 - 01),
                date!(2025 - 10 - 01),
                date!(2026 - 01 - 01)
            ]
        );
        assert_eq!(q[0].end, date!(2025 - 09 - 30));
        assert_eq!(q[0].due, date!(2025 - 10 - 05));
        assert_eq!(q[1].end, date!(2025 - 12 - 31));
        assert_eq!(q[1].due, date!(2026 - 01 - 05));
        let m = due_dates_between(
            ReportEvery::Monthly,
            date!(2024 - 01 - 01),
            date!(2024 - 03 - 31),
            0,
        );
        assert_eq!(
            m,
            vec![
                date!(2024 - 01 - 31),
                date!(2024 - 02 - 29),
                date!(2024 - 03 - 31)
            ]
        );
        assert!(
            periods_between(
                ReportEvery::Monthly,
                date!(2024 - 05 - 02),
                date!(2024 - 05 - 31),
                5
            )
            .is_empty()
        );
    }

    #[test]
    fn which_period_a_report_covers() {
        let q = ReportEvery::Quarterly;
        let cases = [
            (date!(2025 - 03 - 20), date!(2025 - 01 - 01)),
            (date!(2025 - 04 - 03), date!(2025 - 01 - 01)),
            (date!(2025 - 04 - 05), date!(2025 - 01 - 01)),
            (date!(2025 - 04 - 06), date!(2025 - 04 - 01)),
            (date!(2025 - 01 - 04), date!(2024 - 10 - 01)),
        ];
        for (d, start) in cases {
            assert_eq!(Period::covered_by(q, d, 5).start, start, "{d}");
        }
        assert_eq!(
            Period::covered_by(ReportEvery::Monthly, date!(2025 - 03 - 01), 0).start,
            date!(2025 - 03 - 01)
        );
    }

    fn filed(period_start: Date, filed_on: Date) -> FiledReport {
        FiledReport {
            period_start,
            filed_on,
        }
    }

    #[test]
    fn ledger_fills_the_periods_reports_name() {
        let d = deadlines(); // quarterly from 1 July 2025, due the 5th after each quarter
        let l = ReportLedger::new(&d, &[]);
        assert_eq!(l.next_due(), Some(date!(2025 - 10 - 05)));
        assert_eq!(l.standing(date!(2025 - 10 - 05)), ReportStanding::NotDue);
        assert_eq!(l.standing(date!(2025 - 10 - 06)), ReportStanding::Behind);
        assert_eq!(l.missing(&d, date!(2026 - 01 - 06)), 2);

        // A report for a period outside the schedule (the study phase) fills nothing.
        let l = ReportLedger::new(&d, &[filed(date!(2025 - 04 - 01), date!(2025 - 07 - 02))]);
        assert!(l.filled.is_empty());

        // Q3 on time (3 Oct), its correction on 20 Oct changes nothing, Q4 submitted on
        // 10 February: late, and no longer overdue. Q1 2026 is then open.
        let q3 = date!(2025 - 07 - 01);
        let q4 = date!(2025 - 10 - 01);
        let l = ReportLedger::new(
            &d,
            &[
                filed(q4, date!(2026 - 02 - 10)),
                filed(q3, date!(2025 - 10 - 03)),
                filed(q3, date!(2025 - 10 - 20)),
            ],
        );
        assert_eq!(l.filled.len(), 2);
        assert_eq!(l.filled_on(q3), Some(date!(2025 - 10 - 03)));
        assert_eq!(l.filled[1].0.start, q4);
        assert!(l.any_late());
        assert_eq!(l.next_due(), Some(date!(2026 - 04 - 05)));
        assert_eq!(l.standing(date!(2026 - 03 - 01)), ReportStanding::Late);
        assert_eq!(l.standing(date!(2026 - 04 - 06)), ReportStanding::Behind);

        // A skipped quarter stays owed after the next one is reported.
        let l = ReportLedger::new(&d, &[filed(q4, date!(2026 - 01 - 03))]);
        assert_eq!(l.next.map(|p| p.start), Some(q3));
        assert_eq!(l.missing(&d, date!(2026 - 01 - 06)), 1);
        assert_eq!(l.standing(date!(2026 - 01 - 06)), ReportStanding::Behind);

        let l = ReportLedger::new(&d, &[filed(q3, date!(2025 - 09 - 30))]);
        assert_eq!(l.standing(date!(2025 - 11 - 01)), ReportStanding::OnTime);

        // Reporting ends: after the last period is filled nothing is owed.
        let mut short = deadlines();
        short.reports_until = Some(date!(2025 - 07 - 01));
        let l = ReportLedger::new(&short, &[filed(q3, date!(2025 - 10 - 01))]);
        assert_eq!(l.next, None);
        assert_eq!(l.standing(date!(2030 - 01 - 01)), ReportStanding::OnTime);
        assert_eq!(l.missing(&short, date!(2030 - 01 - 01)), 0);
    }

    #[test]
    fn unit_status() {
        let d = deadlines();
        let facts = UnitFacts {
            studied_on: Some(date!(2025 - 04 - 02)),
            program_issued_on: None,
            interim_reviewed_on: None,
            reports: vec![],
        };
        let s = UnitStatus::derive(&d, &facts, date!(2025 - 05 - 01));
        assert_eq!(s.study, DeadlineStatus::DoneLate);
        assert_eq!(s.program, DeadlineStatus::Overdue);
        assert_eq!(s.interim_review, Some(DeadlineStatus::Pending));
        assert_eq!(s.reports, ReportStanding::NotDue);
        assert!(s.needs_attention());
        let s = UnitStatus::derive(&d, &facts, date!(2025 - 04 - 30));
        assert!(!s.needs_attention());
    }

    #[test]
    fn scopes() {
        let province = OrgPath::parse("/1/").unwrap();
        let district = OrgPath::parse("/1/5/").unwrap();
        let commune = OrgPath::parse("/1/5/40/").unwrap();
        let all_districts = CascadeScope {
            root: province.clone(),
            kinds: vec![OrgKind::DirectlyAffiliated],
            include_root: false,
        };
        assert!(all_districts.includes(&district, OrgKind::DirectlyAffiliated));
        assert!(!all_districts.includes(&commune, OrgKind::Grassroots));
        assert!(!all_districts.includes(&province, OrgKind::Provincial));
        let one = CascadeScope {
            root: commune.clone(),
            kinds: vec![],
            include_root: true,
        };
        assert!(one.includes(&commune, OrgKind::Grassroots));
        assert!(one.check(&province).is_ok());
        assert_eq!(
            one.check(&OrgPath::parse("/1/6/").unwrap()).unwrap_err().0[0].code,
            "scope_outside_issuer"
        );
        let nothing = CascadeScope {
            root: district,
            kinds: vec![],
            include_root: false,
        };
        assert_eq!(nothing.check(&province).unwrap_err().0[0].code, "required");
        assert!(all_districts.range().contains("/1/5/"));
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (0i64..4000).prop_map(|n| date!(2024 - 01 - 01) + Duration::days(n))
    }

    proptest! {
        #[test]
        fn periods_tile_the_calendar(from in any_date(), len in 0i64..2000, every in prop::sample::select(ReportEvery::ALL.to_vec()), grace in 0u8..=27) {
            let until = from + Duration::days(len);
            let ps = periods_between(every, from, until, grace);
            for p in &ps {
                prop_assert!(p.start >= from && p.start <= until);
                prop_assert_eq!(p.start.day(), 1);
                prop_assert_eq!(p.due - p.end, Duration::days(i64::from(grace)));
                prop_assert_eq!(Period::containing(every, p.end, grace), *p);
            }
            for w in ps.windows(2) {
                prop_assert_eq!(w[0].end + Duration::days(1), w[1].start);
            }
        }

        #[test]
        fn a_report_covers_a_period_due_on_or_after_it(d in any_date(), every in prop::sample::select(ReportEvery::ALL.to_vec()), grace in 0u8..=27) {
            let p = Period::covered_by(every, d, grace);
            prop_assert!(p.start <= d && d <= p.due);
        }

        #[test]
        fn reporting_more_never_hurts(dates in prop::collection::vec((any_date(), any_date()), 0..12), extra in (any_date(), any_date()), today in any_date()) {
            let d = deadlines();
            let as_report = |(p, f): (Date, Date)| FiledReport {
                period_start: ReportEvery::Quarterly.period_start(p),
                filed_on: f,
            };
            let reports: Vec<FiledReport> = dates.into_iter().map(as_report).collect();
            let before = ReportLedger::new(&d, &reports);
            let mut more = reports.clone();
            more.push(as_report(extra));
            let after = ReportLedger::new(&d, &more);
            prop_assert!(after.filled.len() >= before.filled.len());
            prop_assert!(after.missing(&d, today) <= before.missing(&d, today));
            prop_assert_eq!(before.standing(today) == ReportStanding::Behind, before.missing(&d, today) > 0);
        }
    }
}

/// A unit's milestone dates as a cascade row holds them: each deadline with the day it was
/// met, and the next report's due day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MilestoneDates {
    pub study_by: Option<Date>,
    pub studied_on: Option<Date>,
    pub program_by: Option<Date>,
    pub program_issued_on: Option<Date>,
    pub interim_review_by: Option<Date>,
    pub interim_reviewed_on: Option<Date>,
    pub report_next_due: Option<Date>,
}

impl MilestoneDates {
    /// The milestones not yet met whose deadline passes `due`'s test (e.g. "before today"
    /// for what is overdue, "by the horizon" for what is coming), as (code, deadline), in
    /// milestone order. Codes: `study`, `program`, `review`, `report`.
    pub fn open(&self, due: impl Fn(Date) -> bool) -> Vec<(&'static str, Date)> {
        [
            ("study", self.study_by, self.studied_on),
            ("program", self.program_by, self.program_issued_on),
            ("review", self.interim_review_by, self.interim_reviewed_on),
            ("report", self.report_next_due, None),
        ]
        .into_iter()
        .filter_map(|(code, by, done)| match (by, done) {
            (Some(d), None) if due(d) => Some((code, d)),
            _ => None,
        })
        .collect()
    }
}

#[cfg(test)]
mod milestone_tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn open_milestones_are_unmet_and_pass_the_cutoff() {
        let m = MilestoneDates {
            study_by: Some(date!(2025 - 03 - 01)),
            studied_on: Some(date!(2025 - 02 - 20)),
            program_by: Some(date!(2025 - 04 - 01)),
            program_issued_on: None,
            interim_review_by: Some(date!(2026 - 01 - 01)),
            interim_reviewed_on: None,
            report_next_due: Some(date!(2025 - 03 - 15)),
        };
        let today = date!(2025 - 05 - 01);
        assert_eq!(
            m.open(|d| d < today),
            vec![
                ("program", date!(2025 - 04 - 01)),
                ("report", date!(2025 - 03 - 15))
            ]
        );
        assert_eq!(
            m.open(|d| d <= date!(2025 - 03 - 15)),
            vec![("report", date!(2025 - 03 - 15))]
        );
    }
}
