//! Progress on tasks: the status a reporter gives, the derived overdue status, the checks
//! of a progress update, and the supervising office's acceptance (accept or return).
//!
//! Codes: `percent_range`, `percent_not_done`, `at_risk_needs_note`, `update_empty`,
//! `return_reason_required`, `already_decided`, `decide_own_update`, plus `bad_number`,
//! `bad_choice`, `too_long`.

use crate::access::{Permission, Principal};
use crate::ids::MemberId;
use crate::org::OrgPath;
use crate::program::ProgramState;
use crate::refusal::Refusal;
use crate::target::parse_number;
use crate::text::nfc;
use crate::validate::{self, Invalid};
use serde::{Deserialize, Serialize};
use time::Date;

/// The status a reporter gives a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Chưa triển khai.
    NotStarted,
    /// Đang thực hiện, đúng tiến độ.
    OnTrack,
    /// Có nguy cơ chậm.
    AtRisk,
    /// Hoàn thành.
    Done,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 4] = [
        TaskStatus::NotStarted,
        TaskStatus::OnTrack,
        TaskStatus::AtRisk,
        TaskStatus::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::NotStarted => "not_started",
            TaskStatus::OnTrack => "on_track",
            TaskStatus::AtRisk => "at_risk",
            TaskStatus::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<TaskStatus> {
        TaskStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The status shown on a given day: the reported one, or `Overdue` when the deadline has
/// passed and the task is not done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectiveStatus {
    NotStarted,
    OnTrack,
    AtRisk,
    Done,
    /// Quá hạn: derived, never reported.
    Overdue,
}

impl EffectiveStatus {
    pub const ALL: [EffectiveStatus; 5] = [
        EffectiveStatus::NotStarted,
        EffectiveStatus::OnTrack,
        EffectiveStatus::AtRisk,
        EffectiveStatus::Done,
        EffectiveStatus::Overdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EffectiveStatus::NotStarted => "not_started",
            EffectiveStatus::OnTrack => "on_track",
            EffectiveStatus::AtRisk => "at_risk",
            EffectiveStatus::Done => "done",
            EffectiveStatus::Overdue => "overdue",
        }
    }
}

impl From<TaskStatus> for EffectiveStatus {
    fn from(s: TaskStatus) -> EffectiveStatus {
        match s {
            TaskStatus::NotStarted => EffectiveStatus::NotStarted,
            TaskStatus::OnTrack => EffectiveStatus::OnTrack,
            TaskStatus::AtRisk => EffectiveStatus::AtRisk,
            TaskStatus::Done => EffectiveStatus::Done,
        }
    }
}

/// A task's status on `today`: overdue from the day after its deadline while not done. A
/// task without a deadline (only possible in a draft) is never overdue.
pub fn effective_status(
    status: TaskStatus,
    deadline: Option<Date>,
    today: Date,
) -> EffectiveStatus {
    match deadline {
        Some(d) if status != TaskStatus::Done && today > d => EffectiveStatus::Overdue,
        _ => status.into(),
    }
}

pub const MAX_NOTE_CHARS: usize = 4_000;

/// A checked progress update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressUpdate {
    pub status: TaskStatus,
    /// Percent complete, 0..=100; 100 when done.
    pub percent: Option<u8>,
    /// The value of the task's linked indicator.
    pub indicator_value: Option<f64>,
    pub note: Option<String>,
}

/// A progress update as typed into the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressForm {
    pub status: String,
    pub percent: String,
    pub indicator_value: String,
    pub note: String,
}

impl ProgressUpdate {
    /// Parses and checks an update:
    /// - the status is one of the four a reporter may give;
    /// - the percent is a whole number 0..=100 (`45`, `45%`), and 100 (or empty, which
    ///   becomes 100) when done;
    /// - the indicator value is a number typed the Vietnamese way (`12,5`);
    /// - the note has at most [`MAX_NOTE_CHARS`] characters, and is required when the
    ///   task is at risk (say why);
    /// - an update that is not "done" says something: a percent, a value or a note.
    pub fn parse(form: &ProgressForm) -> Result<ProgressUpdate, Invalid> {
        let mut inv = Invalid::default();
        let status = TaskStatus::parse(form.status.trim());
        if status.is_none() {
            inv.push("status", "bad_choice");
        }
        let percent = match form.percent.trim() {
            "" => Some(None),
            raw => match parse_number("percent", raw) {
                Ok(v) if v.fract() == 0.0 && (0.0..=100.0).contains(&v) => Some(Some(v as u8)),
                Ok(_) => {
                    inv.push("percent", "percent_range");
                    None
                }
                Err(e) => {
                    inv.0.extend(e.0);
                    None
                }
            },
        };
        let indicator_value = match form.indicator_value.trim() {
            "" => Some(None),
            raw => inv.take(parse_number("indicator_value", raw).map(Some)),
        };
        let note = nfc(form.note.trim());
        if note.chars().count() > MAX_NOTE_CHARS {
            inv.push("note", "too_long");
        }
        let note = (!note.is_empty()).then_some(note);
        let (Some(status), Some(mut percent), Some(indicator_value)) =
            (status, percent, indicator_value)
        else {
            return Err(inv);
        };
        if status == TaskStatus::Done {
            match percent {
                None => percent = Some(100),
                Some(100) => {}
                Some(_) => inv.push("percent", "percent_not_done"),
            }
        }
        if status == TaskStatus::AtRisk && note.is_none() {
            inv.push("note", "at_risk_needs_note");
        } else if status != TaskStatus::Done
            && percent.is_none()
            && indicator_value.is_none()
            && note.is_none()
        {
            inv.push("note", "update_empty");
        }
        inv.into_result(ProgressUpdate {
            status,
            percent,
            indicator_value,
            note,
        })
    }
}

impl ProgressUpdate {
    /// Checks the indicator value against the unit of the target the task serves (a
    /// percentage is within 0..=100; see [`crate::target::check_value`]). Forms and the
    /// API call this once they know the task's target; the store calls it on every update
    /// it keeps.
    pub fn check_indicator(&self, unit: &str) -> Result<(), Invalid> {
        match self.indicator_value {
            Some(v) => crate::target::check_value("indicator_value", unit, v).map(|_| ()),
            None => Ok(()),
        }
    }

    /// Checks an update built from typed values (an API call, the store), with the rules of
    /// [`ProgressUpdate::parse`]: percent 0..=100 and 100 (or none, which becomes 100) when
    /// done; a finite indicator value; the note trimmed, NFC, at most [`MAX_NOTE_CHARS`],
    /// required when at risk; an update that is not done says something.
    pub fn check(self) -> Result<ProgressUpdate, Invalid> {
        let mut inv = Invalid::default();
        let mut percent = self.percent;
        if percent.is_some_and(|p| p > 100) {
            inv.push("percent", "percent_range");
        }
        if let Some(v) = self.indicator_value {
            inv.take(crate::target::check_value("indicator_value", "", v));
        }
        let note = self
            .note
            .as_deref()
            .map(|n| nfc(n.trim()))
            .filter(|n| !n.is_empty());
        if note
            .as_ref()
            .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
        {
            inv.push("note", "too_long");
        }
        if self.status == TaskStatus::Done {
            match percent {
                None => percent = Some(100),
                Some(100) => {}
                Some(p) if p <= 100 => inv.push("percent", "percent_not_done"),
                Some(_) => {}
            }
        }
        if self.status == TaskStatus::AtRisk && note.is_none() {
            inv.push("note", "at_risk_needs_note");
        } else if self.status != TaskStatus::Done
            && percent.is_none()
            && self.indicator_value.is_none()
            && note.is_none()
        {
            inv.push("note", "update_empty");
        }
        inv.into_result(ProgressUpdate {
            status: self.status,
            percent,
            indicator_value: self.indicator_value,
            note,
        })
    }
}

/// The supervising office's acceptance of one update: pending, accepted or returned.
/// (Serialized with the tag `review`, the name it has in stored audit entries.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "review")]
pub enum Acceptance {
    /// Not yet decided.
    Pending,
    Accepted,
    /// Returned for correction, with the reason.
    Returned {
        reason: String,
    },
}

impl Acceptance {
    pub fn as_str(&self) -> &'static str {
        match self {
            Acceptance::Pending => "pending",
            Acceptance::Accepted => "accepted",
            Acceptance::Returned { .. } => "returned",
        }
    }
}

/// The supervising office's decision as typed: `accept`, or `return` with a reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptanceForm {
    pub decision: String,
    pub reason: String,
}

pub const MAX_REASON_CHARS: usize = 2_000;

impl Acceptance {
    /// Parses a decision on an update that is still `current`; `author` posted the update
    /// and `decider` decides. Only a pending update can be decided on, and not by the one
    /// who posted it.
    pub fn decide<A: PartialEq>(
        current: &Acceptance,
        author: A,
        decider: A,
        form: &AcceptanceForm,
    ) -> Result<Acceptance, Invalid> {
        if *current != Acceptance::Pending {
            return Err(Invalid::one("decision", "already_decided"));
        }
        if author == decider {
            return Err(Invalid::one("decision", "decide_own_update"));
        }
        match form.decision.trim() {
            "accept" => Ok(Acceptance::Accepted),
            "return" => {
                let reason = nfc(form.reason.trim());
                if reason.is_empty() {
                    Err(Invalid::one("reason", "return_reason_required"))
                } else if reason.chars().count() > MAX_REASON_CHARS {
                    Err(Invalid::one("reason", "too_long"))
                } else {
                    Ok(Acceptance::Returned { reason })
                }
            }
            _ => Err(Invalid::one("decision", "bad_choice")),
        }
    }
}

/// How many of a task's updates count as returned: the returned ones posted after its
/// latest accepted update. A returned update counts until a later update is accepted.
/// `acceptances` are in the order the updates were posted.
pub fn outstanding_returned(acceptances: &[Acceptance]) -> u32 {
    let after_accept = acceptances
        .iter()
        .rposition(|r| *r == Acceptance::Accepted)
        .map_or(0, |i| i + 1);
    acceptances[after_accept..]
        .iter()
        .filter(|r| matches!(r, Acceptance::Returned { .. }))
        .count() as u32
}

/// A task's reported status: that of its latest update that was not returned (pending or
/// accepted), or not started when there is none. `updates` are in posting order.
pub fn current_status(updates: &[(TaskStatus, Acceptance)]) -> TaskStatus {
    updates
        .iter()
        .rev()
        .find(|(_, r)| !matches!(r, Acceptance::Returned { .. }))
        .map_or(TaskStatus::NotStarted, |(s, _)| *s)
}

// ---- Who may do what with a task ----------------------------------------------------------

/// Whether the principal answers for a task whose responsible member is `responsible`.
pub fn is_responsible(p: &Principal, responsible: Option<MemberId>) -> bool {
    p.member_id.is_some() && p.member_id == responsible
}

/// A task is seen by whoever reads its unit, and by the member who answers for it.
pub fn may_see_task(p: &Principal, unit: &OrgPath, responsible: Option<MemberId>) -> bool {
    p.can(Permission::Read, unit) || is_responsible(p, responsible)
}

/// Posting progress on a task the principal sees: the member who answers for it, or the
/// unit's people (EditPeople); `Forbidden` otherwise. Then the task must be counted in the
/// issued version of its program (`task`, `task_not_current`).
pub fn check_may_post(
    p: &Principal,
    unit: &OrgPath,
    responsible: Option<MemberId>,
    program: ProgramState,
    counted: bool,
) -> Result<(), Refusal> {
    if !(is_responsible(p, responsible) || p.can(Permission::EditPeople, unit)) {
        return Err(Refusal::Forbidden);
    }
    if program != ProgramState::Issued || !counted {
        return Err(Refusal::invalid("task", "task_not_current"));
    }
    Ok(())
}

/// Deciding on an update of a task at `unit` the principal sees: they must read the unit
/// (a responsible member who sees only their task may not), and the supervising office
/// decides — EditOrgs on the unit above (or on a root itself). `Forbidden` otherwise.
pub fn check_may_decide(p: &Principal, unit: &OrgPath) -> Result<(), Refusal> {
    if !p.can(Permission::Read, unit) {
        return Err(Refusal::Forbidden);
    }
    p.ensure(Permission::EditOrgs, &unit.parent_or_self())
}

/// An update carries at most this many evidence files.
pub const MAX_EVIDENCE_FILES: usize = 20;
/// An evidence file's name is at most this long.
pub const MAX_EVIDENCE_NAME_CHARS: usize = 255;

/// The evidence files of an update, as (size, name uploaded): at most
/// [`MAX_EVIDENCE_FILES`] (`evidence`, `too_long`), each within the size limit and named
/// (`evidence[i].file`). Returns the clean names. Every problem is reported.
pub fn check_evidence(files: &[(u64, &str)]) -> Result<Vec<String>, Invalid> {
    let mut inv = Invalid::default();
    if files.len() > MAX_EVIDENCE_FILES {
        inv.push("evidence", "too_long");
    }
    let mut names = Vec::with_capacity(files.len());
    for (i, (size, name)) in files.iter().enumerate() {
        let field = crate::fieldpath::indexed("evidence", i, "file");
        inv.take(crate::evidence::check_size(field, *size));
        names.push(inv.take(validate::name(field, name, MAX_EVIDENCE_NAME_CHARS)));
    }
    inv.into_result(())?;
    Ok(names.into_iter().flatten().collect())
}

/// A posted update as a task's state is derived from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub status: TaskStatus,
    pub percent: Option<u8>,
    pub acceptance: Acceptance,
    pub posted_on: Date,
}

/// What a task's stored state is, derived from its updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DerivedTask {
    pub status: TaskStatus,
    pub percent: Option<u8>,
    /// Returned updates after the latest accepted one ([`outstanding_returned`]).
    pub returned: u32,
    /// When done: the day of its earliest done update not returned.
    pub done_on: Option<Date>,
}

/// A task's state from its updates in posting order: the status ([`current_status`]) and
/// percent of its latest update not returned, the returned updates after its latest
/// accepted one, and, when it is done, the day of its earliest done update not returned.
pub fn derive_task(updates: &[Posted]) -> DerivedTask {
    let pairs: Vec<(TaskStatus, Acceptance)> = updates
        .iter()
        .map(|u| (u.status, u.acceptance.clone()))
        .collect();
    let acceptances: Vec<Acceptance> = updates.iter().map(|u| u.acceptance.clone()).collect();
    let not_returned = |u: &&Posted| !matches!(u.acceptance, Acceptance::Returned { .. });
    let percent = updates
        .iter()
        .rev()
        .find(not_returned)
        .and_then(|u| u.percent);
    let status = current_status(&pairs);
    let done_on = (status == TaskStatus::Done)
        .then(|| {
            updates
                .iter()
                .filter(not_returned)
                .find(|u| u.status == TaskStatus::Done)
                .map(|u| u.posted_on)
        })
        .flatten();
    DerivedTask {
        status,
        percent,
        returned: outstanding_returned(&acceptances),
        done_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn form(status: &str, percent: &str, value: &str, note: &str) -> ProgressForm {
        ProgressForm {
            status: status.into(),
            percent: percent.into(),
            indicator_value: value.into(),
            note: note.into(),
        }
    }

    #[test]
    fn overdue_is_derived_from_the_day_after() {
        let dl = Some(date!(2025 - 06 - 30));
        let cases = [
            (
                TaskStatus::OnTrack,
                dl,
                date!(2025 - 06 - 30),
                EffectiveStatus::OnTrack,
            ),
            (
                TaskStatus::OnTrack,
                dl,
                date!(2025 - 07 - 01),
                EffectiveStatus::Overdue,
            ),
            (
                TaskStatus::AtRisk,
                dl,
                date!(2025 - 07 - 01),
                EffectiveStatus::Overdue,
            ),
            (
                TaskStatus::NotStarted,
                dl,
                date!(2026 - 01 - 01),
                EffectiveStatus::Overdue,
            ),
            (
                TaskStatus::Done,
                dl,
                date!(2026 - 01 - 01),
                EffectiveStatus::Done,
            ),
            (
                TaskStatus::NotStarted,
                None,
                date!(2030 - 01 - 01),
                EffectiveStatus::NotStarted,
            ),
        ];
        for (s, d, today, want) in cases {
            assert_eq!(effective_status(s, d, today), want, "{s:?} {today}");
        }
    }

    #[test]
    fn indicator_values_are_bounded_and_percentages_within_0_to_100() {
        // The defect: 1e308 on a percentage target was stored and shown as a 300-digit "Đạt".
        let form = ProgressForm {
            status: "on_track".into(),
            indicator_value: format!("1{}", "0".repeat(308)),
            ..ProgressForm::default()
        };
        let e = ProgressUpdate::parse(&form).unwrap_err();
        assert_eq!(
            (e.0[0].field, e.0[0].code),
            ("indicator_value", "number_too_large")
        );
        let typed = ProgressUpdate {
            status: TaskStatus::OnTrack,
            percent: None,
            indicator_value: Some(1e308),
            note: None,
        };
        assert_eq!(typed.check().unwrap_err().0[0].code, "number_too_large");
        let form = ProgressForm {
            status: "on_track".into(),
            indicator_value: "150".into(),
            ..ProgressForm::default()
        };
        let u = ProgressUpdate::parse(&form).unwrap();
        assert_eq!(
            u.check_indicator("%").unwrap_err().0[0].code,
            "percent_value_range"
        );
        assert!(u.check_indicator("chi bộ").is_ok());
    }

    #[test]
    fn typed_updates_follow_the_form_rules() {
        let u = |status, percent, value, note: Option<&str>| ProgressUpdate {
            status,
            percent,
            indicator_value: value,
            note: note.map(str::to_owned),
        };
        let done = u(TaskStatus::Done, None, None, None).check().unwrap();
        assert_eq!(done.percent, Some(100));
        let note = u(TaskStatus::OnTrack, None, None, Some("  ghi chú ")).check();
        assert_eq!(note.unwrap().note.as_deref(), Some("ghi chú"));
        let codes = |r: Result<ProgressUpdate, Invalid>| -> Vec<&'static str> {
            r.unwrap_err().0.iter().map(|e| e.code).collect()
        };
        assert_eq!(
            codes(u(TaskStatus::OnTrack, Some(101), None, None).check()),
            ["percent_range"]
        );
        assert_eq!(
            codes(u(TaskStatus::Done, Some(90), None, None).check()),
            ["percent_not_done"]
        );
        assert_eq!(
            codes(u(TaskStatus::AtRisk, Some(10), None, Some(" ")).check()),
            ["at_risk_needs_note"]
        );
        assert_eq!(
            codes(u(TaskStatus::NotStarted, None, None, None).check()),
            ["update_empty"]
        );
        assert_eq!(
            codes(u(TaskStatus::OnTrack, None, Some(f64::NAN), None).check()),
            ["bad_number"]
        );
        // The same as the form's parse for a typical update.
        let parsed = ProgressUpdate::parse(&form("on_track", "45", "12,5", "x")).unwrap();
        assert_eq!(parsed.clone().check().unwrap(), parsed);
    }

    #[test]
    fn updates_parse() {
        let ok: &[(ProgressForm, ProgressUpdate)] = &[
            (
                form("on_track", "45%", "", ""),
                ProgressUpdate {
                    status: TaskStatus::OnTrack,
                    percent: Some(45),
                    indicator_value: None,
                    note: None,
                },
            ),
            (
                form("done", "", "12,5", ""),
                ProgressUpdate {
                    status: TaskStatus::Done,
                    percent: Some(100),
                    indicator_value: Some(12.5),
                    note: None,
                },
            ),
            (
                form("at_risk", "", "", " Thiếu kinh phí "),
                ProgressUpdate {
                    status: TaskStatus::AtRisk,
                    percent: None,
                    indicator_value: None,
                    note: Some("Thiếu kinh phí".into()),
                },
            ),
            (
                form("not_started", "0", "", ""),
                ProgressUpdate {
                    status: TaskStatus::NotStarted,
                    percent: Some(0),
                    indicator_value: None,
                    note: None,
                },
            ),
        ];
        for (f, want) in ok {
            assert_eq!(&ProgressUpdate::parse(f).unwrap(), want, "{f:?}");
        }
        let bad: &[(ProgressForm, &[(&str, &str)])] = &[
            (form("late", "10", "", ""), &[("status", "bad_choice")]),
            (
                form("on_track", "101", "", ""),
                &[("percent", "percent_range")],
            ),
            (
                form("on_track", "-1", "", ""),
                &[("percent", "percent_range")],
            ),
            (
                form("on_track", "12,5", "", ""),
                &[("percent", "percent_range")],
            ),
            (
                form("on_track", "nhiều", "", ""),
                &[("percent", "bad_number")],
            ),
            (
                form("on_track", "", "abc", ""),
                &[("indicator_value", "bad_number")],
            ),
            (
                form("done", "90", "", ""),
                &[("percent", "percent_not_done")],
            ),
            (
                form("at_risk", "50", "", ""),
                &[("note", "at_risk_needs_note")],
            ),
            (form("on_track", "", "", "  "), &[("note", "update_empty")]),
            (
                form("on_track", "10", "", &"x".repeat(MAX_NOTE_CHARS + 1)),
                &[("note", "too_long")],
            ),
        ];
        for (f, want) in bad {
            let e = ProgressUpdate::parse(f).unwrap_err();
            let got: Vec<_> = e.0.iter().map(|x| (x.field, x.code)).collect();
            assert_eq!(&got, want, "{f:?}");
        }
    }

    #[test]
    fn acceptances() {
        let accept = AcceptanceForm {
            decision: "accept".into(),
            reason: String::new(),
        };
        let ret = |r: &str| AcceptanceForm {
            decision: "return".into(),
            reason: r.into(),
        };
        assert_eq!(
            Acceptance::decide(&Acceptance::Pending, 1, 2, &accept).unwrap(),
            Acceptance::Accepted
        );
        assert_eq!(
            Acceptance::decide(&Acceptance::Pending, 1, 2, &ret(" Thiếu minh chứng ")).unwrap(),
            Acceptance::Returned {
                reason: "Thiếu minh chứng".into()
            }
        );
        let code = |r: Result<Acceptance, Invalid>| r.unwrap_err().0[0].code;
        assert_eq!(
            code(Acceptance::decide(&Acceptance::Pending, 1, 2, &ret(" "))),
            "return_reason_required"
        );
        assert_eq!(
            code(Acceptance::decide(&Acceptance::Accepted, 1, 2, &accept)),
            "already_decided"
        );
        assert_eq!(
            code(Acceptance::decide(&Acceptance::Pending, 1, 1, &accept)),
            "decide_own_update"
        );
        let maybe = AcceptanceForm {
            decision: "maybe".into(),
            reason: String::new(),
        };
        assert_eq!(
            code(Acceptance::decide(&Acceptance::Pending, 1, 2, &maybe)),
            "bad_choice"
        );
    }

    fn returned() -> Acceptance {
        Acceptance::Returned { reason: "r".into() }
    }

    #[test]
    fn returned_count_until_a_later_acceptance() {
        use Acceptance::*;
        let cases: Vec<(Vec<Acceptance>, u32)> = vec![
            (vec![], 0),
            (vec![Pending], 0),
            (vec![returned()], 1),
            (vec![returned(), Pending], 1),
            (vec![returned(), returned()], 2),
            (vec![returned(), Accepted], 0),
            (vec![returned(), returned(), Accepted], 0),
            (vec![Accepted, returned()], 1),
            (vec![returned(), Accepted, returned(), Pending], 1),
        ];
        for (acceptances, want) in cases {
            assert_eq!(outstanding_returned(&acceptances), want, "{acceptances:?}");
        }
    }

    #[test]
    fn status_of_the_latest_update_not_returned() {
        use TaskStatus::*;
        assert_eq!(current_status(&[]), NotStarted);
        assert_eq!(
            current_status(&[(OnTrack, Acceptance::Accepted), (Done, returned())]),
            OnTrack
        );
        assert_eq!(
            current_status(&[
                (OnTrack, Acceptance::Accepted),
                (AtRisk, Acceptance::Pending)
            ]),
            AtRisk
        );
        assert_eq!(current_status(&[(Done, returned())]), NotStarted);
    }

    fn principal(grant: Option<(crate::AccessRole, &str)>, member: Option<i64>) -> Principal {
        Principal {
            user_id: crate::UserId(1),
            username: "u".into(),
            display_name: "u".into(),
            grants: grant
                .into_iter()
                .map(|(role, path)| {
                    let org_path = OrgPath::parse(path).unwrap();
                    crate::Grant {
                        role,
                        org_id: org_path.id(),
                        org_path,
                    }
                })
                .collect(),
            system: false,
            member_id: member.map(MemberId),
        }
    }

    #[test]
    fn who_sees_posts_and_decides_on_a_cells_task() {
        use crate::AccessRole::*;
        let cell = OrgPath::parse("/1/2/3/").unwrap();
        let me = Some(MemberId(7));
        let responsible = principal(None, Some(7));
        let secretary = principal(Some((Secretary, "/1/2/3/")), None);
        let commune_office = principal(Some((OfficeStaff, "/1/2/")), None);
        let reader = principal(Some((Member, "/1/2/3/")), Some(8));
        assert!(may_see_task(&responsible, &cell, me));
        assert!(!may_see_task(&principal(None, Some(8)), &cell, me));
        assert!(may_see_task(&reader, &cell, me));

        let post = |p: &Principal, state, counted| {
            check_may_post(p, &cell, me, state, counted).map_err(|e| crate::refusal::codes(&e))
        };
        assert_eq!(post(&responsible, ProgramState::Issued, true), Ok(()));
        assert_eq!(post(&secretary, ProgramState::Issued, true), Ok(()));
        assert_eq!(
            post(&reader, ProgramState::Issued, true),
            Err(vec!["forbidden"])
        );
        assert_eq!(
            post(&responsible, ProgramState::Superseded, true),
            Err(vec!["task_not_current"])
        );
        assert_eq!(
            post(&responsible, ProgramState::Issued, false),
            Err(vec!["task_not_current"])
        );

        assert_eq!(check_may_decide(&commune_office, &cell), Ok(()));
        assert_eq!(check_may_decide(&secretary, &cell), Err(Refusal::Forbidden));
        assert_eq!(
            check_may_decide(&responsible, &cell),
            Err(Refusal::Forbidden)
        );
        let root = OrgPath::parse("/1/").unwrap();
        let province_office = principal(Some((OfficeStaff, "/1/")), None);
        assert_eq!(check_may_decide(&province_office, &root), Ok(()));
    }

    #[test]
    fn evidence_files_are_counted_sized_and_named() {
        assert_eq!(check_evidence(&[(10, " anh.jpg ")]).unwrap(), ["anh.jpg"]);
        let pairs: Vec<(&str, &str)> = check_evidence(&[(0, "a.pdf"), (5, " ")])
            .unwrap_err()
            .0
            .iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            pairs,
            [
                ("evidence[0].file", "evidence_empty"),
                ("evidence[1].file", "required")
            ]
        );
        let many = vec![(1u64, "a"); MAX_EVIDENCE_FILES + 1];
        assert_eq!(check_evidence(&many).unwrap_err().0[0].code, "too_long");
    }

    #[test]
    fn a_task_is_done_from_its_first_done_update_not_returned() {
        let d = |n| date!(2025 - 03 - 01) + time::Duration::days(n);
        let up = |status, percent, acceptance, n| Posted {
            status,
            percent,
            acceptance,
            posted_on: d(n),
        };
        use TaskStatus::*;
        let t = derive_task(&[
            up(OnTrack, Some(40), Acceptance::Accepted, 0),
            up(Done, None, returned(), 1),
            up(Done, Some(100), Acceptance::Pending, 2),
            up(Done, Some(100), Acceptance::Accepted, 3),
        ]);
        assert_eq!(
            t,
            DerivedTask {
                status: Done,
                percent: Some(100),
                returned: 0,
                done_on: Some(d(2)),
            }
        );
        let t = derive_task(&[
            up(OnTrack, Some(40), Acceptance::Accepted, 0),
            up(Done, None, returned(), 1),
        ]);
        assert_eq!(
            (t.status, t.percent, t.returned, t.done_on),
            (OnTrack, Some(40), 1, None)
        );
        assert_eq!(derive_task(&[]).status, NotStarted);
    }

    fn acceptance() -> impl Strategy<Value = Acceptance> {
        prop_oneof![
            Just(Acceptance::Pending),
            Just(Acceptance::Accepted),
            Just(returned())
        ]
    }

    proptest! {
        #[test]
        fn accepting_clears_returned(mut acceptances in prop::collection::vec(acceptance(), 0..20)) {
            acceptances.push(Acceptance::Accepted);
            prop_assert_eq!(outstanding_returned(&acceptances), 0);
        }

        #[test]
        fn returning_adds_one(mut acceptances in prop::collection::vec(acceptance(), 0..20)) {
            let before = outstanding_returned(&acceptances);
            acceptances.push(returned());
            prop_assert_eq!(outstanding_returned(&acceptances), before + 1);
        }

        #[test]
        fn percent_accepted_iff_whole_and_in_range(p in -50i32..200) {
            let r = ProgressUpdate::parse(&form("on_track", &p.to_string(), "", ""));
            prop_assert_eq!(r.is_ok(), (0..=100).contains(&p));
        }

        #[test]
        fn a_derived_task_is_done_exactly_with_a_done_day(
            ups in prop::collection::vec((0usize..4, prop::option::of(0u8..=100), acceptance(), 0i64..300), 0..12),
        ) {
            let base = date!(2025 - 01 - 01);
            let ups: Vec<Posted> = ups.into_iter().map(|(s, percent, acceptance, d)| Posted {
                status: TaskStatus::ALL[s],
                percent,
                acceptance,
                posted_on: base + time::Duration::days(d),
            }).collect();
            let t = derive_task(&ups);
            prop_assert_eq!(t.done_on.is_some(), t.status == TaskStatus::Done);
            let acceptances: Vec<Acceptance> = ups.iter().map(|u| u.acceptance.clone()).collect();
            prop_assert_eq!(t.returned, outstanding_returned(&acceptances));
            // Returned updates never make the state; dropping them changes nothing but the count.
            let kept: Vec<Posted> = ups.iter().filter(|u| !matches!(u.acceptance, Acceptance::Returned { .. })).cloned().collect();
            let k = derive_task(&kept);
            prop_assert_eq!((k.status, k.percent, k.done_on), (t.status, t.percent, t.done_on));
        }

        #[test]
        fn never_overdue_when_done(d in 0i64..1000, t in 0i64..1000) {
            let base = date!(2025 - 01 - 01);
            let s = effective_status(TaskStatus::Done, Some(base + time::Duration::days(d)), base + time::Duration::days(t));
            prop_assert_eq!(s, EffectiveStatus::Done);
        }
    }
}
