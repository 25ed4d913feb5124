//! Reports and reviews (issue 13): a unit's periodic report for one reporting period of a
//! cascade, and its interim review (sơ kết) and final review (tổng kết) of a resolution.
//!
//! A report has a factual part generated from the record (the store builds it) and four
//! written sections (assessment, causes, lessons, proposals). A draft can be edited; a
//! submitted report is frozen; a correction is a new report that supersedes it, and both
//! stay readable. Submitting a periodic report fills its period in the unit's
//! [`ReportLedger`](crate::ReportLedger): on time up to the period's due day, late after
//! it, and no longer overdue either way. Submitting an interim review records the unit's
//! `interim_reviewed_on`.
//!
//! Only the unit itself writes its reports: a grant with `EditPeople` **on the unit**
//! (its office or secretary). Levels above read them (`Read` on the unit); a write from
//! above is `Forbidden`, anything outside the read scope `NotFound`.
//!
//! Codes: `period_not_ended`, `period_not_in_schedule`, `report_frozen`,
//! `report_not_submitted`, `report_superseded`, `report_exists`, `figure_out_of_range`,
//! `date_in_future`, `required`, `too_long`, `bad_choice`, `bad_date`, `bad_number`.

use crate::access::{Permission, Principal};
use crate::cascade::{CascadeDeadlines, FiledReport, Period, ReportLedger};
use crate::document::{BodyCode, DocumentNumber, DocumentType, NumberStyle, next_number};
use crate::org::{OrgKind, OrgPath};
use crate::refusal::Refusal;
use crate::validate::{self, Invalid};
use serde::{Deserialize, Serialize};
use time::{Date, Duration};

/// What a report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// A monthly or quarterly report of a cascade's schedule.
    Periodic,
    /// Sơ kết: the interim review of a resolution's implementation.
    Interim,
    /// Tổng kết: the final review at the end of the term.
    Final,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] = [ReportKind::Periodic, ReportKind::Interim, ReportKind::Final];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Periodic => "periodic",
            ReportKind::Interim => "interim",
            ReportKind::Final => "final",
        }
    }

    pub fn parse(s: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Reviews have a conference and decisions; periodic reports do not.
    pub fn is_review(self) -> bool {
        self != ReportKind::Periodic
    }
}

/// Where a report is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Draft,
    /// Frozen: nothing in it changes any more.
    Submitted,
    /// Frozen and replaced by a correction; still readable.
    Superseded,
}

impl ReportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Draft => "draft",
            ReportState::Submitted => "submitted",
            ReportState::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<ReportState> {
        [
            ReportState::Draft,
            ReportState::Submitted,
            ReportState::Superseded,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A draft may be edited and submitted; a submitted or superseded report is frozen.
pub fn check_editable(state: ReportState) -> Result<(), Refusal> {
    match state {
        ReportState::Draft => Ok(()),
        _ => Err(Refusal::Conflict("report_frozen")),
    }
}

/// Only the submitted (current) version of a report can be corrected.
pub fn check_correctable(state: ReportState) -> Result<(), Refusal> {
    match state {
        ReportState::Submitted => Ok(()),
        ReportState::Draft => Err(Refusal::Conflict("report_not_submitted")),
        ReportState::Superseded => Err(Refusal::Conflict("report_superseded")),
    }
}

/// Who writes a unit's reports: the system, or a grant with `EditPeople` on the unit
/// itself. Outside the read scope `NotFound`; a level above (who may read it) or a
/// read-only grant on the unit `Forbidden`.
pub fn may_write(p: &Principal, unit: &OrgPath) -> Result<(), Refusal> {
    p.ensure_read(unit)?;
    if p.system
        || p.grants
            .iter()
            .any(|g| g.role.permits(Permission::EditPeople) && &g.org_path == unit)
    {
        Ok(())
    } else {
        Err(Refusal::Forbidden)
    }
}

/// The most characters of one written section.
pub const MAX_SECTION_CHARS: usize = 20_000;

/// The written sections of a report or review (Markdown).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSections {
    /// Đánh giá chung: results, strengths and shortcomings.
    pub assessment: String,
    /// Nguyên nhân: causes, subjective ones first.
    pub causes: String,
    /// Bài học kinh nghiệm.
    pub lessons: String,
    /// Đề xuất, kiến nghị; directions for the next period.
    pub proposals: String,
}

impl ReportSections {
    pub const FIELDS: [&'static str; 4] = ["assessment", "causes", "lessons", "proposals"];

    pub fn get(&self, field: &str) -> &str {
        match field {
            "assessment" => &self.assessment,
            "causes" => &self.causes,
            "lessons" => &self.lessons,
            _ => &self.proposals,
        }
    }

    /// Trims each section and checks its length; a draft may leave any empty.
    pub fn parse(raw: &ReportSections) -> Result<ReportSections, Invalid> {
        let mut inv = Invalid::default();
        let mut out = ReportSections::default();
        for f in Self::FIELDS {
            let v = crate::text::nfc(raw.get(f).trim());
            if v.chars().count() > MAX_SECTION_CHARS {
                inv.push(f, "too_long");
            }
            if crate::text::hidden_char(&v).is_some() {
                inv.push(f, "hidden_chars");
            }
            match f {
                "assessment" => out.assessment = v,
                "causes" => out.causes = v,
                "lessons" => out.lessons = v,
                _ => out.proposals = v,
            }
        }
        inv.into_result(out)
    }

    /// What submitting needs: an assessment at least.
    pub fn check_submit(&self) -> Result<(), Invalid> {
        if self.assessment.trim().is_empty() {
            Err(Invalid::one("assessment", "required"))
        } else {
            Ok(())
        }
    }

    /// All sections, for text comparisons.
    pub fn joined(&self) -> String {
        Self::FIELDS
            .iter()
            .map(|f| self.get(f))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

/// The period a report covers, both ends included, and the day it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReportPeriod {
    pub start: Date,
    pub end: Date,
    /// Due day; none for a review held without a deadline.
    pub due: Option<Date>,
}

impl From<Period> for ReportPeriod {
    fn from(p: Period) -> ReportPeriod {
        ReportPeriod {
            start: p.start,
            end: p.end,
            due: Some(p.due),
        }
    }
}

/// A report is written once its period has ended: `period_not_ended` while `today` is in
/// it (or before it).
pub fn check_period_ended(period: &ReportPeriod, today: Date) -> Result<(), Invalid> {
    if period.end >= today {
        Err(Invalid::one("period", "period_not_ended"))
    } else {
        Ok(())
    }
}

/// The period of the cascade's schedule starting on `start` (`period_not_in_schedule`).
pub fn schedule_period(deadlines: &CascadeDeadlines, start: Date) -> Result<Period, Invalid> {
    deadlines
        .periods()
        .take_while(|p| p.start <= start)
        .find(|p| p.start == start)
        .ok_or_else(|| Invalid::one("period", "period_not_in_schedule"))
}

/// Submitted after its due day.
pub fn is_late(due: Option<Date>, submitted_on: Date) -> bool {
    due.is_some_and(|d| submitted_on > d)
}

/// How one period of a unit's schedule stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum DueState {
    /// The period has not ended: nothing can be submitted yet.
    Running,
    /// Ended, not submitted, not yet due.
    Open,
    /// Ended, not submitted, past its due day.
    Overdue,
    Submitted {
        on: Date,
        late: bool,
    },
}

/// One period of a unit's schedule with its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DuePeriod {
    pub period: Period,
    pub state: DueState,
}

/// The periods of a unit's schedule that have started by `today`, newest first, with
/// what each needs: the list of reports due on the unit's page.
pub fn due_periods(
    deadlines: &CascadeDeadlines,
    reports: &[FiledReport],
    today: Date,
) -> Vec<DuePeriod> {
    let ledger = ReportLedger::new(deadlines, reports);
    let mut out: Vec<DuePeriod> = deadlines
        .periods()
        .take_while(|p| p.start <= today)
        .map(|p| {
            let state = match ledger.filled_on(p.start) {
                Some(on) => DueState::Submitted {
                    on,
                    late: on > p.due,
                },
                None if p.end >= today => DueState::Running,
                None if today > p.due => DueState::Overdue,
                None => DueState::Open,
            };
            DuePeriod { period: p, state }
        })
        .collect();
    out.reverse();
    out
}

/// The next number of the unit's report series (`12-BC/HU`), given the numbers used in
/// the series (reports of the unit in the term, registered ones included).
pub fn report_number(
    kind: OrgKind,
    own_code: Option<BodyCode>,
    used: &[u32],
) -> Result<DocumentNumber, Invalid> {
    let body =
        BodyCode::for_org(kind, own_code).ok_or_else(|| Invalid::one("number", "doc_body_code"))?;
    DocumentNumber::new(
        "number",
        NumberStyle::for_kind(kind),
        next_number(used),
        DocumentType::Report,
        &body,
    )
}

// ---- Reviews ------------------------------------------------------------------------------

/// The most people a conference's attendance may count.
pub const MAX_ATTENDANCE: u32 = 100_000;

/// The conference of a review as typed into the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConferenceForm {
    pub held_on: String,
    pub chair: String,
    pub invited: String,
    pub present: String,
}

/// The conference that held a review: its day, who chaired it, and the attendance (the
/// members called, those present).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conference {
    pub held_on: Date,
    pub chair: String,
    pub invited: u32,
    pub present: u32,
}

impl Conference {
    /// Parses the form: a day not after `today`, a chair, counts within range and no more
    /// present than called (`present`, `figure_out_of_range`). Every problem is reported.
    pub fn parse(f: &ConferenceForm, today: Date) -> Result<Conference, Invalid> {
        let mut inv = Invalid::default();
        let held_on = inv.take(validate::date("held_on", &f.held_on));
        if held_on.is_some_and(|d| d > today) {
            inv.push("held_on", "date_in_future");
        }
        let chair = inv.take(validate::name("chair", &f.chair, 200));
        let count = |inv: &mut Invalid, field: &'static str, raw: &str| -> Option<u32> {
            match raw.trim().parse::<u32>() {
                Ok(n) if n <= MAX_ATTENDANCE => Some(n),
                Ok(_) => {
                    inv.push(field, "figure_out_of_range");
                    None
                }
                Err(_) if raw.trim().starts_with('-') => {
                    inv.push(field, "figure_out_of_range");
                    None
                }
                Err(_) => {
                    inv.push(
                        field,
                        if raw.trim().is_empty() {
                            "required"
                        } else {
                            "bad_number"
                        },
                    );
                    None
                }
            }
        };
        let invited = count(&mut inv, "invited", &f.invited);
        let present = count(&mut inv, "present", &f.present);
        if let (Some(i), Some(p)) = (invited, present)
            && p > i
        {
            inv.push("present", "figure_out_of_range");
        }
        match (held_on, chair, invited, present) {
            (Some(held_on), Some(chair), Some(invited), Some(present)) if inv.is_empty() => {
                Ok(Conference {
                    held_on,
                    chair,
                    invited,
                    present,
                })
            }
            _ => Err(inv),
        }
    }

    /// Attendance in percent.
    pub fn percent(&self) -> u32 {
        crate::study::percent(i64::from(self.present), i64::from(self.invited))
    }
}

/// A decision of a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// A new or adjusted task, added to the unit's program as a revision.
    Task,
    /// A unit or person proposed for commendation.
    Commend,
    /// A unit or person proposed for criticism.
    Criticize,
}

impl DecisionKind {
    pub const ALL: [DecisionKind; 3] = [
        DecisionKind::Task,
        DecisionKind::Commend,
        DecisionKind::Criticize,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Task => "task",
            DecisionKind::Commend => "commend",
            DecisionKind::Criticize => "criticize",
        }
    }

    pub fn parse(s: &str) -> Option<DecisionKind> {
        DecisionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A decision as typed: kind, subject (the task's content, or the unit's or person's
/// name), reason, and a deadline for a task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionForm {
    pub kind: String,
    pub subject: String,
    pub reason: String,
    pub deadline: String,
}

/// A checked decision. A commendation or criticism names a unit or a member when the
/// form picked one (`subject_org`, `subject_member` are set by the caller from a list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub kind: DecisionKind,
    pub subject: String,
    pub reason: Option<String>,
    pub deadline: Option<Date>,
}

/// The most decisions one review records.
pub const MAX_DECISIONS: usize = 200;

impl Decision {
    /// Parses the rows of a decisions table; blank rows are skipped; fields are named
    /// `decisions[i].<field>`. A task's deadline must not be before `today`.
    pub fn parse_all(rows: &[DecisionForm], today: Date) -> Result<Vec<Decision>, Invalid> {
        let mut inv = Invalid::default();
        let mut out = Vec::new();
        let rows: Vec<(usize, &DecisionForm)> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                !(r.subject.trim().is_empty()
                    && r.reason.trim().is_empty()
                    && r.deadline.trim().is_empty())
            })
            .collect();
        if rows.len() > MAX_DECISIONS {
            return Err(Invalid::one("decisions", "too_many"));
        }
        for (i, r) in rows {
            let field = |name: &'static str| -> &'static str {
                crate::fieldpath::indexed("decisions", i, name)
            };
            let kind = DecisionKind::parse(r.kind.trim());
            if kind.is_none() {
                inv.push(field("kind"), "bad_choice");
            }
            let subject = inv.take(
                validate::name("subject", &r.subject, 2000)
                    .map_err(|e| rename(e, field("subject"))),
            );
            let reason = inv.take(
                validate::optional("reason", &r.reason, 4000)
                    .map_err(|e| rename(e, field("reason"))),
            );
            let deadline = inv.take(
                validate::optional_date("deadline", &r.deadline)
                    .map_err(|e| rename(e, field("deadline"))),
            );
            if deadline.flatten().is_some_and(|d| d < today) {
                inv.push(field("deadline"), "date_in_past");
            }
            if let (Some(kind), Some(subject), Some(reason), Some(deadline)) =
                (kind, subject, reason, deadline)
            {
                out.push(Decision {
                    kind,
                    subject,
                    reason,
                    deadline: if kind == DecisionKind::Task {
                        deadline
                    } else {
                        None
                    },
                });
            }
        }
        inv.into_result(out)
    }
}

fn rename(mut e: Invalid, field: &'static str) -> Invalid {
    for f in &mut e.0 {
        f.field = field;
    }
    e
}

/// The period a review covers: from the document's issue to the day before the
/// conference (or to `today` when none is known yet).
pub fn review_period(issued_on: Date, until: Date, due: Option<Date>) -> ReportPeriod {
    ReportPeriod {
        start: issued_on,
        end: until.max(issued_on),
        due,
    }
}

// ---- Signals -----------------------------------------------------------------------------

/// The days before a report's due day that count as "the last minute".
pub const LAST_MINUTE_DAYS: i64 = 3;

/// The share (0–100) of a period's progress updates posted in the last days before the
/// report's due day: `dates` are the days the updates were posted.
pub fn last_minute_share(dates: &[Date], due: Date) -> Option<u32> {
    if dates.is_empty() {
        return None;
    }
    let from = due - Duration::days(LAST_MINUTE_DAYS);
    let late = dates.iter().filter(|d| **d > from && **d <= due).count();
    Some(((late * 100 + dates.len() / 2) / dates.len()) as u32)
}

/// Whether a unit's last-minute share stands out: at least half of its updates, and at
/// least 25 points above both its own history and its peers' (each when known).
pub fn last_minute_flag(share: u32, own_history: Option<u32>, peers: Option<u32>) -> bool {
    share >= 50
        && own_history.is_none_or(|h| share >= h + 25)
        && peers.is_none_or(|p| share >= p + 25)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OrgId;
    use crate::access::{AccessRole, Grant};
    use crate::cascade::ReportEvery;
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

    fn principal(role: AccessRole, path: &str) -> Principal {
        Principal {
            grants: vec![Grant {
                role,
                org_id: OrgId(9),
                org_path: OrgPath::parse(path).unwrap(),
            }],
            system: false,
            ..Principal::system()
        }
    }

    #[test]
    fn only_the_unit_writes_levels_above_read() {
        let cell = OrgPath::parse("/1/2/3/4/").unwrap();
        let own = principal(AccessRole::Secretary, "/1/2/3/4/");
        assert_eq!(may_write(&own, &cell), Ok(()));
        let office = principal(AccessRole::OfficeStaff, "/1/2/3/4/");
        assert_eq!(may_write(&office, &cell), Ok(()));
        let above = principal(AccessRole::OfficeStaff, "/1/2/");
        assert_eq!(may_write(&above, &cell), Err(Refusal::Forbidden));
        assert!(above.can(Permission::Read, &cell), "the district reads it");
        let member = principal(AccessRole::Member, "/1/2/3/4/");
        assert_eq!(may_write(&member, &cell), Err(Refusal::Forbidden));
        let sibling = principal(AccessRole::OfficeStaff, "/1/2/3/5/");
        assert_eq!(may_write(&sibling, &cell), Err(Refusal::NotFound));
        assert_eq!(may_write(&Principal::system(), &cell), Ok(()));
    }

    #[test]
    fn drafts_edit_submitted_freeze_corrections_supersede() {
        assert_eq!(check_editable(ReportState::Draft), Ok(()));
        for s in [ReportState::Submitted, ReportState::Superseded] {
            assert_eq!(check_editable(s), Err(Refusal::Conflict("report_frozen")));
        }
        assert_eq!(check_correctable(ReportState::Submitted), Ok(()));
        assert_eq!(
            check_correctable(ReportState::Draft),
            Err(Refusal::Conflict("report_not_submitted"))
        );
        assert_eq!(
            check_correctable(ReportState::Superseded),
            Err(Refusal::Conflict("report_superseded"))
        );
        for s in ["draft", "submitted", "superseded"] {
            assert_eq!(ReportState::parse(s).unwrap().as_str(), s);
        }
    }

    #[test]
    fn periods_must_have_ended_and_belong_to_the_schedule() {
        let d = deadlines();
        let q3 = schedule_period(&d, date!(2025 - 07 - 01)).unwrap();
        assert_eq!(q3.end, date!(2025 - 09 - 30));
        assert_eq!(q3.due, date!(2025 - 10 - 05));
        assert_eq!(
            schedule_period(&d, date!(2025 - 04 - 01)).unwrap_err(),
            Invalid::one("period", "period_not_in_schedule")
        );
        assert_eq!(
            schedule_period(&d, date!(2025 - 07 - 02)).unwrap_err(),
            Invalid::one("period", "period_not_in_schedule")
        );
        let p = ReportPeriod::from(q3);
        assert_eq!(
            check_period_ended(&p, date!(2025 - 09 - 30)).unwrap_err(),
            Invalid::one("period", "period_not_ended")
        );
        assert!(check_period_ended(&p, date!(2025 - 10 - 01)).is_ok());
        assert!(!is_late(p.due, date!(2025 - 10 - 05)));
        assert!(is_late(p.due, date!(2025 - 10 - 06)));
        assert!(!is_late(None, date!(2099 - 01 - 01)));
    }

    #[test]
    fn due_list_shows_running_open_overdue_and_submitted() {
        let d = deadlines();
        let filed = [FiledReport {
            period_start: date!(2025 - 07 - 01),
            filed_on: date!(2025 - 10 - 09),
        }];
        let list = due_periods(&d, &filed, date!(2026 - 01 - 03));
        let states: Vec<(Date, DueState)> =
            list.iter().map(|p| (p.period.start, p.state)).collect();
        assert_eq!(
            states,
            vec![
                (date!(2026 - 01 - 01), DueState::Running),
                (date!(2025 - 10 - 01), DueState::Open),
                (
                    date!(2025 - 07 - 01),
                    DueState::Submitted {
                        on: date!(2025 - 10 - 09),
                        late: true
                    }
                ),
            ]
        );
        let later = due_periods(&d, &filed, date!(2026 - 01 - 06));
        assert_eq!(later[1].state, DueState::Overdue);
    }

    #[test]
    fn sections_trim_limit_and_need_an_assessment_to_submit() {
        let s = ReportSections::parse(&ReportSections {
            assessment: "  Đã hoàn thành  ".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(s.assessment, "Đã hoàn thành");
        assert!(s.check_submit().is_ok());
        assert_eq!(
            ReportSections::default().check_submit().unwrap_err(),
            Invalid::one("assessment", "required")
        );
        let long = ReportSections {
            lessons: "a".repeat(MAX_SECTION_CHARS + 1),
            ..Default::default()
        };
        assert_eq!(
            ReportSections::parse(&long).unwrap_err(),
            Invalid::one("lessons", "too_long")
        );
    }

    #[test]
    fn numbers_follow_the_units_series() {
        let n = report_number(OrgKind::DirectlyAffiliated, None, &[3, 11]).unwrap();
        assert_eq!(n.to_string(), "12-BC/HU");
        let n = report_number(OrgKind::Cell, None, &[]).unwrap();
        assert_eq!(n.to_string(), "01-BC/CB");
        assert!(report_number(OrgKind::StateBody, None, &[]).is_err());
    }

    #[test]
    fn conference_attendance_is_within_range() {
        let today = date!(2027 - 12 - 20);
        let ok = Conference::parse(
            &ConferenceForm {
                held_on: "15/12/2027".into(),
                chair: "Nguyễn Văn An".into(),
                invited: "45".into(),
                present: "43".into(),
            },
            today,
        )
        .unwrap();
        assert_eq!(ok.percent(), 95, "rounded down, as the study figures are");
        let bad = Conference::parse(
            &ConferenceForm {
                held_on: "21/12/2027".into(),
                chair: " ".into(),
                invited: "45".into(),
                present: "46".into(),
            },
            today,
        )
        .unwrap_err();
        let got: Vec<_> = bad.0.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            got,
            vec![
                ("held_on", "date_in_future"),
                ("chair", "required"),
                ("present", "figure_out_of_range")
            ]
        );
        let neg = Conference::parse(
            &ConferenceForm {
                held_on: "15/12/2027".into(),
                chair: "A".into(),
                invited: "-1".into(),
                present: "x".into(),
            },
            today,
        )
        .unwrap_err();
        let got: Vec<_> = neg.0.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            got,
            vec![
                ("invited", "figure_out_of_range"),
                ("present", "bad_number")
            ]
        );
    }

    #[test]
    fn decisions_skip_blank_rows_and_name_their_row() {
        let today = date!(2027 - 12 - 20);
        let rows = vec![
            DecisionForm {
                kind: "task".into(),
                subject: "Rà soát chỉ tiêu kết nạp đảng viên".into(),
                reason: String::new(),
                deadline: "30/06/2028".into(),
            },
            DecisionForm::default(),
            DecisionForm {
                kind: "commend".into(),
                subject: "Chi bộ thôn Đồng".into(),
                reason: "Hoàn thành 100% nhiệm vụ".into(),
                deadline: "30/06/2028".into(),
            },
        ];
        let d = Decision::parse_all(&rows, today).unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].deadline, Some(date!(2028 - 06 - 30)));
        assert_eq!(d[1].deadline, None, "only tasks keep a deadline");
        let bad = vec![
            DecisionForm::default(),
            DecisionForm {
                kind: "praise".into(),
                subject: String::new(),
                reason: "x".into(),
                deadline: "01/01/2020".into(),
            },
        ];
        let got: Vec<_> = Decision::parse_all(&bad, today)
            .unwrap_err()
            .0
            .iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            got,
            vec![
                ("decisions[1].kind", "bad_choice"),
                ("decisions[1].subject", "required"),
                ("decisions[1].deadline", "date_in_past")
            ]
        );
    }

    #[test]
    fn last_minute_share_against_history_and_peers() {
        let due = date!(2025 - 10 - 05);
        let dates = [
            date!(2025 - 10 - 03),
            date!(2025 - 10 - 04),
            date!(2025 - 10 - 05),
            date!(2025 - 08 - 01),
        ];
        assert_eq!(last_minute_share(&dates, due), Some(75));
        assert_eq!(last_minute_share(&[], due), None);
        assert!(last_minute_flag(75, Some(20), Some(30)));
        assert!(
            !last_minute_flag(75, Some(60), Some(30)),
            "as usual for the unit"
        );
        assert!(!last_minute_flag(40, None, None));
        assert!(last_minute_flag(80, None, None));
    }
}
