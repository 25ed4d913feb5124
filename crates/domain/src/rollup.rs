//! The counters a dashboard shows for one (organization, document) pair, kept up to date
//! on write along the ancestor chain.
//!
//! Architecture invariant: what a rollup stores does not change with the passing of days.
//! A unit's study is either done (on time or late) or still open with a due date; whether
//! an open item is pending or overdue depends on the day the dashboard is read. So a
//! [`Rollup`] holds plain [`Counters`] and, for open items, a count per (kind, due date):
//! [`Rollup::dues`]. A dashboard on day `today` adds up the open items due before `today`
//! (overdue from the day after the deadline) and subtracts them from the pending ones:
//! [`Rollup::view`], or [`Dashboard::new`] from the counters and a `SUM … WHERE due_on <
//! today` done by the database. No nightly job moves items into "overdue", and nothing
//! drifts if one does not run.
//!
//! A write computes the [`delta`] between an item's state before and after and adds it to
//! the rollup row of every organization on the item's path (its own included). `resolute
//! recount` rebuilds the rows by summing [`Counted::rollup`] over every item; the property
//! tests check that both give the same result.

use crate::cascade::DeadlineStatus;
use crate::cascade::{
    CascadeDeadlines, Milestone, ReportLedger, ReportStanding, UnitFacts, UnitStatus,
};
use crate::progress::{EffectiveStatus, TaskStatus, effective_status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::{AddAssign, SubAssign};
use time::Date;

macro_rules! counters {
    ($(#[$doc:meta])* pub struct $name:ident { $($(#[$fdoc:meta])* $field:ident,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub struct $name {
            $($(#[$fdoc])* pub $field: i64,)*
        }

        impl $name {
            /// The column names, in the order of [`Self::values`].
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// The values in the order of [`Self::COLUMNS`], to bind to an SQL statement.
            pub fn values(&self) -> Vec<i64> {
                vec![$(self.$field),*]
            }

            /// The counters from values in the order of [`Self::COLUMNS`]; `None` when the
            /// length is wrong.
            pub fn from_values(v: &[i64]) -> Option<$name> {
                let mut it = v.iter().copied();
                let out = $name { $($field: it.next()?,)* };
                it.next().is_none().then_some(out)
            }

            pub fn is_zero(&self) -> bool {
                $(self.$field == 0)&&*
            }
        }

        impl AddAssign for $name {
            fn add_assign(&mut self, o: $name) {
                $(self.$field += o.$field;)*
            }
        }

        impl SubAssign for $name {
            fn sub_assign(&mut self, o: $name) {
                $(self.$field -= o.$field;)*
            }
        }
    };
}

counters! {
    /// The counters of a rollup row that do not depend on the day.
    pub struct Counters {
        /// Units the document was cascaded to.
        units_total,
        /// Units that studied by the deadline.
        studied,
        /// Units that studied after the deadline.
        studied_late,
        /// Units that have not studied yet (pending or overdue, by day).
        study_open,
        program_issued,
        program_late,
        program_open,
        review_done,
        review_late,
        /// Units with an interim review deadline that have not reviewed yet.
        review_open,
        /// Units that have sent no report (not due or behind, by day).
        reports_none,
        /// Units whose every report so far was on time (on time or behind, by day).
        reports_on_time,
        /// Units with a late report (late or behind, by day).
        reports_late,
        /// Tasks of the current (issued) programs.
        tasks_total,
        tasks_not_started,
        tasks_on_track,
        tasks_at_risk,
        tasks_done,
        /// Returned updates not yet followed by an accepted one.
        returned_updates,
    }
}

/// The kinds of open items counted by due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenKind {
    Study,
    Program,
    Review,
    ReportNone,
    ReportOnTime,
    ReportLate,
    TaskNotStarted,
    TaskOnTrack,
    TaskAtRisk,
}

impl OpenKind {
    pub const ALL: [OpenKind; 9] = [
        OpenKind::Study,
        OpenKind::Program,
        OpenKind::Review,
        OpenKind::ReportNone,
        OpenKind::ReportOnTime,
        OpenKind::ReportLate,
        OpenKind::TaskNotStarted,
        OpenKind::TaskOnTrack,
        OpenKind::TaskAtRisk,
    ];

    /// The value of the `kind` column of `rollup_dues`.
    pub fn as_str(self) -> &'static str {
        match self {
            OpenKind::Study => "study",
            OpenKind::Program => "program",
            OpenKind::Review => "review",
            OpenKind::ReportNone => "report_none",
            OpenKind::ReportOnTime => "report_on_time",
            OpenKind::ReportLate => "report_late",
            OpenKind::TaskNotStarted => "task_not_started",
            OpenKind::TaskOnTrack => "task_on_track",
            OpenKind::TaskAtRisk => "task_at_risk",
        }
    }

    pub fn parse(s: &str) -> Option<OpenKind> {
        OpenKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The counters of one (organization, document) pair, or a change to them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollup {
    pub counters: Counters,
    /// Open items by kind and due date. Entries are never zero: an entry that reaches
    /// zero is removed (the store may delete such rows or keep them; they add nothing).
    pub dues: BTreeMap<(OpenKind, Date), i64>,
    /// Tasks done, by the week (its Monday) of the day they were reported done: the line
    /// of progress over time. Entries are never zero, as in [`Rollup::dues`].
    pub done_weeks: BTreeMap<Date, i64>,
}

impl Rollup {
    pub fn is_zero(&self) -> bool {
        self.counters.is_zero() && self.dues.is_empty() && self.done_weeks.is_empty()
    }

    /// The rollup of one item (a unit's state or a task's), or of none.
    pub fn of<T: Counted + ?Sized>(item: &T) -> Rollup {
        item.rollup()
    }

    /// The sum over many items: what `resolute recount` computes.
    pub fn sum<'a, T: Counted + 'a>(items: impl IntoIterator<Item = &'a T>) -> Rollup {
        let mut r = Rollup::default();
        for i in items {
            r += i.rollup();
        }
        r
    }

    fn add_due(&mut self, kind: OpenKind, due: Date, n: i64) {
        let e = self.dues.entry((kind, due)).or_insert(0);
        *e += n;
        if *e == 0 {
            self.dues.remove(&(kind, due));
        }
    }

    fn add_done_week(&mut self, week: Date, n: i64) {
        let e = self.done_weeks.entry(week).or_insert(0);
        *e += n;
        if *e == 0 {
            self.done_weeks.remove(&week);
        }
    }

    /// The number of open items of each kind due before `today`, as the database
    /// computes it with `SUM(n) … WHERE due_on < today GROUP BY kind`.
    pub fn overdue(&self, today: Date) -> Overdue {
        let mut o = Overdue::default();
        for ((kind, due), n) in &self.dues {
            if *due < today {
                o.add(*kind, *n);
            }
        }
        o
    }

    /// The dashboard on `today`.
    pub fn view(&self, today: Date) -> Dashboard {
        Dashboard::new(&self.counters, &self.overdue(today))
    }
}

impl AddAssign for Rollup {
    fn add_assign(&mut self, o: Rollup) {
        self.counters += o.counters;
        for ((k, d), n) in o.dues {
            self.add_due(k, d, n);
        }
        for (w, n) in o.done_weeks {
            self.add_done_week(w, n);
        }
    }
}

impl SubAssign for Rollup {
    fn sub_assign(&mut self, o: Rollup) {
        self.counters -= o.counters;
        for ((k, d), n) in o.dues {
            self.add_due(k, d, -n);
        }
        for (w, n) in o.done_weeks {
            self.add_done_week(w, -n);
        }
    }
}

impl Rollup {
    /// `self + other`: the rollup of both sets of items.
    pub fn add(&self, other: &Rollup) -> Rollup {
        let mut r = self.clone();
        r += other.clone();
        r
    }

    /// `self − other`: what changes from `other` to `self`.
    pub fn sub(&self, other: &Rollup) -> Rollup {
        let mut r = self.clone();
        r -= other.clone();
        r
    }

    /// `self × n`: the rollup of `n` copies of the same items (a cascade's new units each
    /// add the same rollup to their ancestors).
    pub fn times(&self, n: i64) -> Rollup {
        let values: Vec<i64> = self.counters.values().into_iter().map(|v| v * n).collect();
        Rollup {
            counters: Counters::from_values(&values).expect("same length"),
            dues: self.dues.iter().map(|(k, v)| (*k, v * n)).collect(),
            done_weeks: self.done_weeks.iter().map(|(k, v)| (*k, v * n)).collect(),
        }
    }
}

/// Open items due before a given day, per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overdue(pub [i64; 9]);

impl Overdue {
    pub fn add(&mut self, kind: OpenKind, n: i64) {
        self.0[kind as usize] += n;
    }

    pub fn get(&self, kind: OpenKind) -> i64 {
        self.0[kind as usize]
    }

    /// From the rows of the database's `GROUP BY kind`; unknown kinds are ignored.
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = (&'a str, i64)>) -> Overdue {
        let mut o = Overdue::default();
        for (k, n) in rows {
            if let Some(k) = OpenKind::parse(k) {
                o.add(k, n);
            }
        }
        o
    }
}

/// What a dashboard shows for one (organization, document) pair on one day. Each group
/// of counters partitions its total: the study's four add up to `units_total`, and so do
/// the program's and the reports'; the tasks' five add up to `tasks_total`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Dashboard {
    pub units_total: i64,
    pub studied: i64,
    pub studied_late: i64,
    pub study_pending: i64,
    pub study_overdue: i64,
    pub program_issued: i64,
    pub program_late: i64,
    pub program_pending: i64,
    pub program_overdue: i64,
    /// Units with an interim review deadline are the total of these four.
    pub review_done: i64,
    pub review_late: i64,
    pub review_pending: i64,
    pub review_overdue: i64,
    pub reports_not_due: i64,
    pub reports_on_time: i64,
    pub reports_late: i64,
    pub reports_behind: i64,
    pub tasks_total: i64,
    pub tasks_not_started: i64,
    pub tasks_on_track: i64,
    pub tasks_at_risk: i64,
    pub tasks_done: i64,
    pub tasks_overdue: i64,
    pub returned_updates: i64,
}

impl Dashboard {
    pub fn new(c: &Counters, o: &Overdue) -> Dashboard {
        use OpenKind::*;
        Dashboard {
            units_total: c.units_total,
            studied: c.studied,
            studied_late: c.studied_late,
            study_pending: c.study_open - o.get(Study),
            study_overdue: o.get(Study),
            program_issued: c.program_issued,
            program_late: c.program_late,
            program_pending: c.program_open - o.get(Program),
            program_overdue: o.get(Program),
            review_done: c.review_done,
            review_late: c.review_late,
            review_pending: c.review_open - o.get(Review),
            review_overdue: o.get(Review),
            reports_not_due: c.reports_none - o.get(ReportNone),
            reports_on_time: c.reports_on_time - o.get(ReportOnTime),
            reports_late: c.reports_late - o.get(ReportLate),
            reports_behind: o.get(ReportNone) + o.get(ReportOnTime) + o.get(ReportLate),
            tasks_total: c.tasks_total,
            tasks_not_started: c.tasks_not_started - o.get(TaskNotStarted),
            tasks_on_track: c.tasks_on_track - o.get(TaskOnTrack),
            tasks_at_risk: c.tasks_at_risk - o.get(TaskAtRisk),
            tasks_done: c.tasks_done,
            tasks_overdue: o.get(TaskNotStarted) + o.get(TaskOnTrack) + o.get(TaskAtRisk),
            returned_updates: c.returned_updates,
        }
    }

    /// Counts one unit's status on a day, as the dashboard would: for tests, for the
    /// recount's cross-check and for a drill-down page that lists units.
    pub fn count_unit(&mut self, s: &UnitStatus) {
        self.units_total += 1;
        let (done, late, pending, overdue) = match s.study {
            DeadlineStatus::Done => (1, 0, 0, 0),
            DeadlineStatus::DoneLate => (0, 1, 0, 0),
            DeadlineStatus::Pending => (0, 0, 1, 0),
            DeadlineStatus::Overdue => (0, 0, 0, 1),
        };
        self.studied += done;
        self.studied_late += late;
        self.study_pending += pending;
        self.study_overdue += overdue;
        match s.program {
            DeadlineStatus::Done => self.program_issued += 1,
            DeadlineStatus::DoneLate => self.program_late += 1,
            DeadlineStatus::Pending => self.program_pending += 1,
            DeadlineStatus::Overdue => self.program_overdue += 1,
        }
        match s.interim_review {
            None => {}
            Some(DeadlineStatus::Done) => self.review_done += 1,
            Some(DeadlineStatus::DoneLate) => self.review_late += 1,
            Some(DeadlineStatus::Pending) => self.review_pending += 1,
            Some(DeadlineStatus::Overdue) => self.review_overdue += 1,
        }
        match s.reports {
            ReportStanding::NotDue => self.reports_not_due += 1,
            ReportStanding::OnTime => self.reports_on_time += 1,
            ReportStanding::Late => self.reports_late += 1,
            ReportStanding::Behind => self.reports_behind += 1,
        }
    }

    /// Counts one task's status on a day.
    pub fn count_task(&mut self, s: EffectiveStatus, returned: u32) {
        self.tasks_total += 1;
        match s {
            EffectiveStatus::NotStarted => self.tasks_not_started += 1,
            EffectiveStatus::OnTrack => self.tasks_on_track += 1,
            EffectiveStatus::AtRisk => self.tasks_at_risk += 1,
            EffectiveStatus::Done => self.tasks_done += 1,
            EffectiveStatus::Overdue => self.tasks_overdue += 1,
        }
        self.returned_updates += i64::from(returned);
    }
}

/// Anything that contributes to a rollup.
pub trait Counted {
    fn rollup(&self) -> Rollup;
}

/// No item (a unit not in the cascade, a task of a program not issued or superseded)
/// counts nothing.
impl<T: Counted> Counted for Option<T> {
    fn rollup(&self) -> Rollup {
        self.as_ref().map(Counted::rollup).unwrap_or_default()
    }
}

/// The day-independent state of a unit in a cascade, as the rollups count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UnitState {
    pub study: Milestone,
    pub program: Milestone,
    pub interim_review: Option<Milestone>,
    pub reports: ReportState,
}

/// How a unit's reports stand, apart from the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReportState {
    pub class: ReportClass,
    /// The due date of the first period not yet reported; none when reporting has ended.
    pub next_due: Option<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportClass {
    /// No report yet.
    None,
    /// Reports sent, all on time.
    OnTime,
    /// Some report sent late.
    Late,
}

impl ReportClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportClass::None => "none",
            ReportClass::OnTime => "on_time",
            ReportClass::Late => "late",
        }
    }
}

impl UnitState {
    /// The state of a unit with these facts under these deadlines.
    pub fn new(deadlines: &CascadeDeadlines, facts: &UnitFacts) -> UnitState {
        let ledger = ReportLedger::new(deadlines, &facts.reports);
        let class = if ledger.any_late() {
            ReportClass::Late
        } else if ledger.any_filled() {
            ReportClass::OnTime
        } else {
            ReportClass::None
        };
        UnitState {
            study: Milestone::new(deadlines.study_by, facts.studied_on),
            program: Milestone::new(deadlines.program_by, facts.program_issued_on),
            interim_review: deadlines
                .interim_review_by
                .map(|r| Milestone::new(r, facts.interim_reviewed_on)),
            reports: ReportState {
                class,
                next_due: ledger.next_due(),
            },
        }
    }
}

impl Counted for UnitState {
    fn rollup(&self) -> Rollup {
        let mut r = Rollup::default();
        let c = &mut r.counters;
        c.units_total = 1;
        let mut dues = Vec::new();
        match self.study {
            Milestone::Done { late: false } => c.studied = 1,
            Milestone::Done { late: true } => c.studied_late = 1,
            Milestone::Open { due } => {
                c.study_open = 1;
                dues.push((OpenKind::Study, due));
            }
        }
        match self.program {
            Milestone::Done { late: false } => c.program_issued = 1,
            Milestone::Done { late: true } => c.program_late = 1,
            Milestone::Open { due } => {
                c.program_open = 1;
                dues.push((OpenKind::Program, due));
            }
        }
        match self.interim_review {
            None => {}
            Some(Milestone::Done { late: false }) => c.review_done = 1,
            Some(Milestone::Done { late: true }) => c.review_late = 1,
            Some(Milestone::Open { due }) => {
                c.review_open = 1;
                dues.push((OpenKind::Review, due));
            }
        }
        let kind = match self.reports.class {
            ReportClass::None => {
                c.reports_none = 1;
                OpenKind::ReportNone
            }
            ReportClass::OnTime => {
                c.reports_on_time = 1;
                OpenKind::ReportOnTime
            }
            ReportClass::Late => {
                c.reports_late = 1;
                OpenKind::ReportLate
            }
        };
        if let Some(due) = self.reports.next_due {
            dues.push((kind, due));
        }
        for (k, d) in dues {
            r.add_due(k, d, 1);
        }
        r
    }
}

/// The Monday on or before a day: the week a day belongs to on the line of progress.
pub fn week_of(d: Date) -> Date {
    d - time::Duration::days(i64::from(d.weekday().number_days_from_monday()))
}

/// The day-independent state of a task of a current (issued) program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaskState {
    /// The reported status ([`crate::progress::current_status`]).
    pub status: TaskStatus,
    pub deadline: Option<Date>,
    /// [`crate::progress::outstanding_returned`].
    pub returned: u32,
    /// The day it was reported done (its earliest done update not returned), while its
    /// status is done; counted in [`Rollup::done_weeks`].
    pub done_on: Option<Date>,
}

impl TaskState {
    pub fn effective(&self, today: Date) -> EffectiveStatus {
        effective_status(self.status, self.deadline, today)
    }
}

impl Counted for TaskState {
    fn rollup(&self) -> Rollup {
        let mut r = Rollup::default();
        let c = &mut r.counters;
        c.tasks_total = 1;
        c.returned_updates = i64::from(self.returned);
        let kind = match self.status {
            TaskStatus::Done => {
                c.tasks_done = 1;
                if let Some(d) = self.done_on {
                    r.add_done_week(week_of(d), 1);
                }
                return r;
            }
            TaskStatus::NotStarted => {
                c.tasks_not_started = 1;
                OpenKind::TaskNotStarted
            }
            TaskStatus::OnTrack => {
                c.tasks_on_track = 1;
                OpenKind::TaskOnTrack
            }
            TaskStatus::AtRisk => {
                c.tasks_at_risk = 1;
                OpenKind::TaskAtRisk
            }
        };
        if let Some(d) = self.deadline {
            r.add_due(kind, d, 1);
        }
        r
    }
}

/// What changes in every ancestor's rollup when one item goes from `before` to `after`:
/// `rollup(after) − rollup(before)`. Use `Option` states for an item that appears (a unit
/// reached by a cascade, a program issued: `None` → `Some`) or stops counting (a program
/// superseded: `Some` → `None`). A zero delta ([`Rollup::is_zero`]) needs no write.
pub fn delta<T: Counted>(before: &T, after: &T) -> Rollup {
    after.rollup().sub(&before.rollup())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cascade::ReportEvery;
    use crate::progress::TaskStatus;
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::date;

    fn deadlines() -> CascadeDeadlines {
        CascadeDeadlines {
            study_by: date!(2025 - 03 - 31),
            program_by: date!(2025 - 04 - 30),
            report_every: ReportEvery::Quarterly,
            interim_review_by: Some(date!(2026 - 12 - 31)),
            reports_until: Some(date!(2027 - 12 - 31)),
            grace_days: 5,
        }
    }

    #[test]
    fn columns_roundtrip() {
        let c = Counters {
            units_total: 3,
            returned_updates: 2,
            ..Counters::default()
        };
        let v = c.values();
        assert_eq!(v.len(), Counters::COLUMNS.len());
        assert_eq!(Counters::COLUMNS[0], "units_total");
        assert_eq!(Counters::from_values(&v), Some(c));
        assert_eq!(Counters::from_values(&v[1..]), None);
        for k in OpenKind::ALL {
            assert_eq!(OpenKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn a_unit_counts_once_in_each_group() {
        let u = UnitState::new(&deadlines(), &UnitFacts::default());
        let r = Rollup::of(&u);
        assert_eq!(r.counters.units_total, 1);
        assert_eq!(r.counters.study_open, 1);
        assert_eq!(r.counters.reports_none, 1);
        assert_eq!(r.dues.len(), 4, "study, program, review, first report");
        let on_due_day = r.view(date!(2025 - 03 - 31));
        assert_eq!((on_due_day.study_pending, on_due_day.study_overdue), (1, 0));
        let next_day = r.view(date!(2025 - 04 - 01));
        assert_eq!((next_day.study_pending, next_day.study_overdue), (0, 1));
        assert_eq!(next_day.program_pending, 1);
    }

    #[test]
    fn a_progress_update_delta() {
        let before = TaskState {
            status: TaskStatus::OnTrack,
            deadline: Some(date!(2025 - 06 - 30)),
            returned: 1,
            done_on: None,
        };
        let after = TaskState {
            status: TaskStatus::Done,
            returned: 0,
            done_on: Some(date!(2025 - 06 - 26)),
            ..before
        };
        let d = delta(&before, &after);
        assert_eq!(d.counters.tasks_on_track, -1);
        assert_eq!(d.counters.tasks_done, 1);
        assert_eq!(d.counters.returned_updates, -1);
        assert_eq!(d.counters.tasks_total, 0);
        // Thursday 26/06/2025 is in the week of Monday 23/06/2025.
        assert_eq!(d.done_weeks.get(&date!(2025 - 06 - 23)), Some(&1));
        assert_eq!(
            d.dues.get(&(OpenKind::TaskOnTrack, date!(2025 - 06 - 30))),
            Some(&-1)
        );
        assert!(delta(&before, &before).is_zero());
        let appear = delta(&None, &Some(before));
        assert_eq!(appear, Rollup::of(&before));
        let gone = delta(&Some(before), &None);
        assert!(appear.add(&gone).is_zero());
    }

    #[test]
    fn overdue_from_rows() {
        let o = Overdue::from_rows([("study", 3), ("task_at_risk", 2), ("bogus", 9)]);
        assert_eq!(o.get(OpenKind::Study), 3);
        assert_eq!(o.get(OpenKind::TaskAtRisk), 2);
        let c = Counters {
            units_total: 5,
            study_open: 4,
            tasks_total: 2,
            tasks_at_risk: 2,
            ..Counters::default()
        };
        let d = Dashboard::new(&c, &o);
        assert_eq!((d.study_pending, d.study_overdue), (1, 3));
        assert_eq!((d.tasks_at_risk, d.tasks_overdue), (0, 2));
    }

    // --- Rebuilt equals incremental -------------------------------------------------------

    fn day() -> impl Strategy<Value = Date> {
        (0i64..1400).prop_map(|n| date!(2025 - 01 - 01) + Duration::days(n))
    }

    fn facts() -> impl Strategy<Value = UnitFacts> {
        (
            prop::option::of(day()),
            prop::option::of(day()),
            prop::option::of(day()),
            prop::collection::vec((day(), day()), 0..8),
        )
            .prop_map(|(s, p, r, reports)| UnitFacts {
                studied_on: s,
                program_issued_on: p,
                interim_reviewed_on: r,
                reports: reports
                    .into_iter()
                    .map(|(period, filed_on)| crate::cascade::FiledReport {
                        period_start: crate::ReportEvery::Quarterly.period_start(period),
                        filed_on,
                    })
                    .collect(),
            })
    }

    fn task() -> impl Strategy<Value = TaskState> {
        (
            prop::sample::select(TaskStatus::ALL.to_vec()),
            prop::option::of(day()),
            0u32..3,
            prop::option::of(day()),
        )
            .prop_map(|(status, deadline, returned, done_on)| TaskState {
                status,
                deadline,
                returned,
                done_on: done_on.filter(|_| status == TaskStatus::Done),
            })
    }

    #[derive(Debug, Clone)]
    enum Change {
        Unit(usize, Option<UnitFacts>),
        Task(usize, Option<TaskState>),
    }

    fn change() -> impl Strategy<Value = Change> {
        prop_oneof![
            (0usize..6, prop::option::weighted(0.9, facts())).prop_map(|(i, f)| Change::Unit(i, f)),
            (0usize..10, prop::option::weighted(0.9, task())).prop_map(|(i, t)| Change::Task(i, t)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The core of "rebuilt equals incremental": applying the delta of every change
        /// to a running rollup gives the rollup recomputed from the final states, and
        /// both show, on any day, exactly the statuses derived item by item.
        #[test]
        fn rebuilt_equals_incremental(changes in prop::collection::vec(change(), 0..60), today in day()) {
            let d = deadlines();
            let mut units: Vec<Option<UnitState>> = vec![None; 6];
            let mut unit_facts: Vec<Option<UnitFacts>> = vec![None; 6];
            let mut tasks: Vec<Option<TaskState>> = vec![None; 10];
            let mut incremental = Rollup::default();
            for c in changes {
                match c {
                    Change::Unit(i, f) => {
                        let after = f.as_ref().map(|f| UnitState::new(&d, f));
                        incremental += delta(&units[i], &after);
                        units[i] = after;
                        unit_facts[i] = f;
                    }
                    Change::Task(i, t) => {
                        incremental += delta(&tasks[i], &t);
                        tasks[i] = t;
                    }
                }
            }
            let rebuilt = Rollup::sum(&units).add(&Rollup::sum(&tasks));
            prop_assert_eq!(&incremental, &rebuilt);

            let mut expected = Dashboard::default();
            for f in unit_facts.iter().flatten() {
                expected.count_unit(&UnitStatus::derive(&d, f, today));
            }
            for t in tasks.iter().flatten() {
                expected.count_task(t.effective(today), t.returned);
            }
            prop_assert_eq!(rebuilt.view(today), expected);
        }

        /// Rollups form a group: adding then subtracting is the identity, order does not
        /// matter, and no due entry is ever stored as zero.
        #[test]
        fn add_sub_are_inverse(a in prop::collection::vec(task(), 0..8), b in prop::collection::vec(task(), 0..8)) {
            let ra = Rollup::sum(&a);
            let rb = Rollup::sum(&b);
            prop_assert_eq!(ra.add(&rb).sub(&rb), ra.clone());
            prop_assert_eq!(ra.add(&rb), rb.add(&ra));
            prop_assert!(ra.add(&rb).dues.values().all(|n| *n != 0));
            prop_assert!(ra.add(&rb).done_weeks.values().all(|n| *n != 0));
        }

        /// Every group of the dashboard partitions its total on every day.
        #[test]
        fn dashboard_groups_partition(fs in prop::collection::vec(facts(), 0..6), ts in prop::collection::vec(task(), 0..10), today in day()) {
            let d = deadlines();
            let states: Vec<UnitState> = fs.iter().map(|f| UnitState::new(&d, f)).collect();
            let v = Rollup::sum(&states).add(&Rollup::sum(&ts)).view(today);
            prop_assert_eq!(v.studied + v.studied_late + v.study_pending + v.study_overdue, v.units_total);
            prop_assert_eq!(v.program_issued + v.program_late + v.program_pending + v.program_overdue, v.units_total);
            prop_assert_eq!(v.review_done + v.review_late + v.review_pending + v.review_overdue, v.units_total);
            prop_assert_eq!(v.reports_not_due + v.reports_on_time + v.reports_late + v.reports_behind, v.units_total);
            prop_assert_eq!(v.tasks_not_started + v.tasks_on_track + v.tasks_at_risk + v.tasks_done + v.tasks_overdue, v.tasks_total);
            for x in [v.study_pending, v.reports_not_due, v.tasks_on_track, v.tasks_overdue] {
                prop_assert!(x >= 0);
            }
        }
    }
}
