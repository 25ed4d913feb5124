//! Study and dissemination (issue 5): conferences per audience, attendance, signed
//! check-in links, knowledge checks drawn from a question bank, written reflections and
//! the counters that roll study up the organization tree.
//!
//! Everything is pure: the web edge parses forms into these types once; the store keeps
//! one [`MemberStudy`] per (member, resolution) and adds the [`StudyCounters`] delta of each
//! change to every ancestor of the member's cell (docs/STUDY.md).

use crate::ids::MemberId;
use crate::people::Audience;
use crate::validate::{self, Invalid};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::Date;

pub mod rules;

macro_rules! study_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map($name)
            }
        }
    };
}

study_id!(
    /// One study conference (hội nghị học tập, quán triệt) for one audience.
    StudySessionId
);
study_id!(
    /// One question of a resolution's question bank.
    QuestionId
);
study_id!(
    /// A member's written reflection (bài thu hoạch) on a resolution.
    ReflectionId
);
study_id!(
    /// A study material (a file or a link) of a unit's study plan.
    MaterialId
);

pub const AUDIENCES: [Audience; 2] = [Audience::KeyCadre, Audience::Member];

/// How a conference is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConferenceFormat {
    InPerson,
    Online,
    Hybrid,
}

impl ConferenceFormat {
    pub const ALL: [ConferenceFormat; 3] = [
        ConferenceFormat::InPerson,
        ConferenceFormat::Online,
        ConferenceFormat::Hybrid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConferenceFormat::InPerson => "in_person",
            ConferenceFormat::Online => "online",
            ConferenceFormat::Hybrid => "hybrid",
        }
    }

    pub fn parse(s: &str) -> Option<ConferenceFormat> {
        ConferenceFormat::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// Longest texts accepted.
pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_PLACE_CHARS: usize = 300;
pub const MAX_REASON_CHARS: usize = 300;
pub const MAX_CONTENT_CHARS: usize = 50_000;
pub const MAX_REFLECTION_CHARS: usize = 30_000;
pub const MAX_PROMPT_CHARS: usize = 1_000;
pub const MAX_CHOICE_CHARS: usize = 300;
pub const MAX_COMMENT_CHARS: usize = 2_000;
/// Members on one attendance sheet; the largest cells have about a hundred.
pub const MAX_SHEET_ROWS: usize = 1_000;

/// The raw fields of a conference form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionForm {
    pub title: String,
    pub audience: String,
    pub format: String,
    pub held_on: String,
    pub place: String,
}

/// A conference as planned, parsed once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionDraft {
    pub title: String,
    pub audience: Audience,
    pub format: ConferenceFormat,
    pub held_on: Date,
    /// The hall, or the meeting link of an online conference.
    pub place: String,
}

impl SessionDraft {
    /// Parses the form. A regular conference must be held by the cascade's study deadline
    /// (`held_on`, `session_after_deadline`); a make-up session may come later.
    pub fn parse(
        f: &SessionForm,
        study_by: Option<Date>,
        makeup: bool,
    ) -> Result<SessionDraft, Invalid> {
        let mut bad = Invalid::default();
        let title = bad.take(validate::name("title", &f.title, MAX_TITLE_CHARS));
        let audience = Audience::parse(&f.audience);
        if audience.is_none() {
            bad.push("audience", "bad_choice");
        }
        let format = ConferenceFormat::parse(&f.format);
        if format.is_none() {
            bad.push("format", "bad_choice");
        }
        let held_on = bad.take(validate::date("held_on", &f.held_on));
        if let (Some(d), Some(by), false) = (held_on, study_by, makeup)
            && d > by
        {
            bad.push("held_on", "session_after_deadline");
        }
        let place = bad.take(validate::name("place", &f.place, MAX_PLACE_CHARS));
        bad.into_result(())?;
        Ok(SessionDraft {
            title: title.expect("checked"),
            audience: audience.expect("checked"),
            format: format.expect("checked"),
            held_on: held_on.expect("checked"),
            place: place.expect("checked"),
        })
    }
}

// ---- Attendance ---------------------------------------------------------------------------

/// A member's attendance at one conference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttendanceMark {
    Present,
    /// Absent with a reason (illness, duty): expected at a make-up session.
    Excused,
    Absent,
}

impl AttendanceMark {
    pub const ALL: [AttendanceMark; 3] = [
        AttendanceMark::Present,
        AttendanceMark::Excused,
        AttendanceMark::Absent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttendanceMark::Present => "present",
            AttendanceMark::Excused => "excused",
            AttendanceMark::Absent => "absent",
        }
    }

    pub fn parse(s: &str) -> Option<AttendanceMark> {
        AttendanceMark::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// How an attendance row was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckInVia {
    /// The secretary's sheet.
    Sheet,
    /// The member scanned the conference's QR code.
    Qr,
    /// A spreadsheet import.
    Import,
}

impl CheckInVia {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckInVia::Sheet => "sheet",
            CheckInVia::Qr => "qr",
            CheckInVia::Import => "import",
        }
    }

    pub fn parse(s: &str) -> Option<CheckInVia> {
        [CheckInVia::Sheet, CheckInVia::Qr, CheckInVia::Import]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// One member's line on an attendance sheet, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceEntry {
    pub member_id: MemberId,
    pub mark: AttendanceMark,
    /// Why an excused member was away (required for `Excused`, dropped otherwise).
    pub reason: Option<String>,
}

impl AttendanceEntry {
    /// Parses one line; `field` names it in messages (`attendance[3].reason`).
    pub fn parse(
        member_id: MemberId,
        mark: &str,
        reason: &str,
        mark_field: &'static str,
        reason_field: &'static str,
    ) -> Result<AttendanceEntry, Invalid> {
        let mut bad = Invalid::default();
        let m = AttendanceMark::parse(mark.trim());
        if m.is_none() {
            bad.push(mark_field, "bad_choice");
        }
        let reason = bad.take(validate::optional(reason_field, reason, MAX_REASON_CHARS));
        let reason = reason.flatten();
        if m == Some(AttendanceMark::Excused) && reason.is_none() && bad.is_empty() {
            bad.push(reason_field, "excused_needs_reason");
        }
        bad.into_result(())?;
        let mark = m.expect("checked");
        Ok(AttendanceEntry {
            member_id,
            mark,
            reason: if mark == AttendanceMark::Excused {
                reason
            } else {
                None
            },
        })
    }
}

// ---- Check-in links -----------------------------------------------------------------------

/// How long a check-in link (the QR code shown at a conference) stays valid.
pub const CHECKIN_TTL_SECONDS: i64 = 3 * 60 * 60;

/// Why a check-in link was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckInError {
    /// The link's time is over.
    Expired,
    /// The signature does not match (altered, or for another conference).
    BadSignature,
}

impl CheckInError {
    /// The message code (`err.<code>`).
    pub fn code(self) -> &'static str {
        match self {
            CheckInError::Expired => "checkin_expired",
            CheckInError::BadSignature => "checkin_invalid",
        }
    }
}

impl From<crate::token::TokenError> for CheckInError {
    fn from(e: crate::token::TokenError) -> CheckInError {
        match e {
            crate::token::TokenError::BadSignature => CheckInError::BadSignature,
            crate::token::TokenError::Expired => CheckInError::Expired,
        }
    }
}

/// What a check-in link signs.
fn checkin_message(session: StudySessionId, expires: i64) -> String {
    format!("checkin:{}:{expires}", session.0)
}

/// The signature of a check-in link for `session` valid until `expires` (Unix seconds),
/// as lowercase hex ([`crate::token`]). The key is the server's secret.
pub fn sign_checkin(key: &[u8], session: StudySessionId, expires: i64) -> String {
    crate::token::sign(key, &checkin_message(session, expires))
}

/// Checks a check-in link at `now` (Unix seconds): the signature first (in constant time),
/// then the expiry.
pub fn verify_checkin(
    key: &[u8],
    session: StudySessionId,
    expires: i64,
    sig_hex: &str,
    now: i64,
) -> Result<(), CheckInError> {
    crate::token::verify(
        key,
        &checkin_message(session, expires),
        sig_hex,
        expires,
        now,
    )
    .map_err(CheckInError::from)
}

// ---- Question bank and knowledge checks ---------------------------------------------------

/// The raw fields of a question form: one choice per line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuestionForm {
    pub audience: String,
    pub prompt: String,
    pub choices: String,
    /// The correct choice, counted from 1.
    pub correct: String,
}

/// One multiple-choice question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub audience: Audience,
    pub prompt: String,
    pub choices: Vec<String>,
    /// Index of the correct choice in `choices`.
    pub correct: u8,
}

pub const MIN_CHOICES: usize = 2;
pub const MAX_CHOICES: usize = 6;

impl Question {
    pub fn parse(f: &QuestionForm) -> Result<Question, Invalid> {
        let mut bad = Invalid::default();
        let audience = Audience::parse(&f.audience);
        if audience.is_none() {
            bad.push("audience", "bad_choice");
        }
        let prompt = bad.take(validate::name("prompt", &f.prompt, MAX_PROMPT_CHARS));
        let choices: Vec<String> = f
            .choices
            .lines()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        if choices.len() < MIN_CHOICES || choices.len() > MAX_CHOICES {
            bad.push("choices", "choices_count");
        } else if choices.iter().any(|c| c.chars().count() > MAX_CHOICE_CHARS) {
            bad.push("choices", "too_long");
        }
        let correct = f.correct.trim().parse::<usize>().ok();
        match correct {
            Some(c) if c >= 1 && c <= choices.len().max(1) => {}
            _ => bad.push("correct", "correct_choice"),
        }
        bad.into_result(())?;
        Ok(Question {
            audience: audience.expect("checked"),
            prompt: prompt.expect("checked"),
            choices,
            correct: (correct.expect("checked") - 1) as u8,
        })
    }
}

/// The rules of a knowledge check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRules {
    /// Questions drawn for one attempt (fewer when the bank is smaller).
    pub per_check: usize,
    /// Attempts a member may take in all.
    pub max_attempts: u32,
    /// Share of right answers, in percent, that passes.
    pub pass_percent: u32,
}

impl Default for CheckRules {
    fn default() -> CheckRules {
        CheckRules {
            per_check: 5,
            max_attempts: 3,
            pass_percent: 70,
        }
    }
}

/// Draws `n` distinct questions from a bank, deterministically from a seed: the same
/// member's same attempt always gets the same questions (a reload does not re-draw), the
/// next attempt others in another order.
pub fn draw(bank: &[QuestionId], seed: u64, n: usize) -> Vec<QuestionId> {
    let mut ids: Vec<QuestionId> = bank.to_vec();
    ids.sort_unstable();
    ids.dedup();
    // Fisher–Yates with SplitMix64: stable across platforms and versions.
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for i in (1..ids.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        ids.swap(i, j);
    }
    ids.truncate(n);
    ids
}

/// The seed of a member's attempt at a resolution's check.
pub fn draw_seed(member: MemberId, document: i64, attempt: u32) -> u64 {
    (member.0 as u64)
        .wrapping_mul(0x100_0000_01B3)
        .wrapping_add((document as u64).wrapping_mul(31))
        .wrapping_add(u64::from(attempt))
}

/// The result of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckScore {
    pub correct: u32,
    pub total: u32,
    pub passed: bool,
}

impl CheckScore {
    pub fn percent(&self) -> u32 {
        (self.correct * 100).checked_div(self.total).unwrap_or(0)
    }
}

/// Grades answers: `key` is (question, correct choice) of the questions drawn; `answers`
/// the chosen choice per question (`None` when left blank, which counts as wrong).
pub fn grade(
    key: &[(QuestionId, u8)],
    answers: &[(QuestionId, Option<u8>)],
    rules: &CheckRules,
) -> CheckScore {
    let total = key.len() as u32;
    let correct = key
        .iter()
        .filter(|(q, right)| {
            answers
                .iter()
                .any(|(a, choice)| a == q && *choice == Some(*right))
        })
        .count() as u32;
    let passed = total > 0 && correct * 100 >= rules.pass_percent * total;
    CheckScore {
        correct,
        total,
        passed,
    }
}

/// Whether a member may take another attempt: not once passed, not past the limit.
pub fn may_attempt(rules: &CheckRules, taken: u32, passed: bool) -> Result<(), &'static str> {
    if passed {
        Err("check_already_passed")
    } else if taken >= rules.max_attempts {
        Err("check_no_attempts_left")
    } else {
        Ok(())
    }
}

// ---- Reflections --------------------------------------------------------------------------

/// The grade of a reflection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReflectionGrade {
    /// Not passed (không đạt): graded, counted neither as passed nor as good; the member is
    /// to be reminded like one who handed nothing in.
    NotPassed,
    Pass,
    Good,
    Excellent,
}

impl ReflectionGrade {
    pub const ALL: [ReflectionGrade; 4] = [
        ReflectionGrade::NotPassed,
        ReflectionGrade::Pass,
        ReflectionGrade::Good,
        ReflectionGrade::Excellent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReflectionGrade::NotPassed => "not_passed",
            ReflectionGrade::Pass => "pass",
            ReflectionGrade::Good => "good",
            ReflectionGrade::Excellent => "excellent",
        }
    }

    pub fn parse(s: &str) -> Option<ReflectionGrade> {
        ReflectionGrade::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// A reflection as handed in: a text, a file, or both (one of them is required).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReflectionText {
    pub body: Option<String>,
}

impl ReflectionText {
    /// Parses the text field; `has_file` says whether a file comes with it.
    pub fn parse(body: &str, has_file: bool) -> Result<ReflectionText, Invalid> {
        let body = body.trim();
        if body.is_empty() && !has_file {
            return Err(Invalid::one("body", "reflection_empty"));
        }
        if body.chars().count() > MAX_REFLECTION_CHARS {
            return Err(Invalid::one("body", "too_long"));
        }
        Ok(ReflectionText {
            body: (!body.is_empty()).then(|| body.to_owned()),
        })
    }
}

/// Whether a reflection handed in on `on` is in time for the study deadline.
pub fn on_time(on: Date, due: Option<Date>) -> bool {
    due.is_none_or(|d| on <= d)
}

// ---- Member state and counters ------------------------------------------------------------

/// Where a member's reflection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ReflectionState {
    #[default]
    None,
    OnTime,
    Late,
}

impl ReflectionState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReflectionState::None => "none",
            ReflectionState::OnTime => "on_time",
            ReflectionState::Late => "late",
        }
    }

    pub fn parse(s: &str) -> Option<ReflectionState> {
        match s {
            "none" => Some(ReflectionState::None),
            "on_time" => Some(ReflectionState::OnTime),
            "late" => Some(ReflectionState::Late),
            _ => None,
        }
    }
}

/// One member's study of one resolution: the item the study rollups count. Derived from
/// the attendance rows, attempts and the reflection; kept in `study_members`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MemberStudy {
    /// Present at a conference (a regular one or a make-up).
    pub studied: bool,
    /// Studied only at a make-up session.
    pub made_up: bool,
    /// Excused at a regular conference and not yet present anywhere.
    pub excused: bool,
    pub check_attempts: u32,
    pub check_passed: bool,
    /// The best attempt, in percent.
    pub check_best: Option<u32>,
    pub reflection: ReflectionState,
    pub grade: Option<ReflectionGrade>,
}

impl MemberStudy {
    /// The member's attendance facts: the marks at regular conferences and at make-ups.
    pub fn with_attendance(
        mut self,
        regular: &[AttendanceMark],
        makeup: &[AttendanceMark],
    ) -> Self {
        let at_regular = regular.contains(&AttendanceMark::Present);
        let at_makeup = makeup.contains(&AttendanceMark::Present);
        self.studied = at_regular || at_makeup;
        self.made_up = at_makeup && !at_regular;
        self.excused = !self.studied && regular.contains(&AttendanceMark::Excused);
        self
    }

    /// Whether the member is to be commended after the round: studied, passed the check
    /// and handed in a reflection graded good or excellent, in time.
    pub fn commend(&self) -> bool {
        self.studied
            && self.check_passed
            && self.reflection == ReflectionState::OnTime
            && self.grade >= Some(ReflectionGrade::Good)
    }

    /// Whether the member is to be reminded: not studied, no reflection, or no pass after
    /// the attempts allowed.
    pub fn remind(&self, rules: &CheckRules) -> bool {
        !self.studied
            || self.reflection == ReflectionState::None
            || self.grade == Some(ReflectionGrade::NotPassed)
            || (!self.check_passed && self.check_attempts >= rules.max_attempts)
    }
}

/// The study counters of one (organization, resolution, audience): sums over the members
/// of the subtree that have a study row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StudyCounters {
    pub studied: i64,
    pub made_up: i64,
    pub excused: i64,
    pub checks_taken: i64,
    pub checks_passed: i64,
    pub reflections_on_time: i64,
    pub reflections_late: i64,
    pub reflections_graded: i64,
    pub reflections_good: i64,
}

impl StudyCounters {
    /// Column names, in the order of [`StudyCounters::values`].
    pub const COLUMNS: [&'static str; 9] = [
        "studied",
        "made_up",
        "excused",
        "checks_taken",
        "checks_passed",
        "reflections_on_time",
        "reflections_late",
        "reflections_graded",
        "reflections_good",
    ];

    pub fn values(&self) -> [i64; 9] {
        [
            self.studied,
            self.made_up,
            self.excused,
            self.checks_taken,
            self.checks_passed,
            self.reflections_on_time,
            self.reflections_late,
            self.reflections_graded,
            self.reflections_good,
        ]
    }

    pub fn from_values(v: [i64; 9]) -> StudyCounters {
        StudyCounters {
            studied: v[0],
            made_up: v[1],
            excused: v[2],
            checks_taken: v[3],
            checks_passed: v[4],
            reflections_on_time: v[5],
            reflections_late: v[6],
            reflections_graded: v[7],
            reflections_good: v[8],
        }
    }

    /// What one member contributes.
    pub fn of(m: &MemberStudy) -> StudyCounters {
        let b = |x: bool| i64::from(x);
        StudyCounters {
            studied: b(m.studied),
            made_up: b(m.made_up),
            excused: b(m.excused),
            checks_taken: b(m.check_attempts > 0),
            checks_passed: b(m.check_passed),
            reflections_on_time: b(m.reflection == ReflectionState::OnTime),
            reflections_late: b(m.reflection == ReflectionState::Late),
            reflections_graded: b(m.grade.is_some()),
            reflections_good: b(m.grade >= Some(ReflectionGrade::Good)),
        }
    }

    /// `after - before`, column by column.
    pub fn delta(before: &MemberStudy, after: &MemberStudy) -> StudyCounters {
        let (a, b) = (
            StudyCounters::of(after).values(),
            StudyCounters::of(before).values(),
        );
        let mut v = [0; 9];
        for i in 0..9 {
            v[i] = a[i] - b[i];
        }
        StudyCounters::from_values(v)
    }

    pub fn is_zero(&self) -> bool {
        self.values() == [0; 9]
    }

    pub fn add(&mut self, other: &StudyCounters) {
        let (a, b) = (self.values(), other.values());
        let mut v = [0; 9];
        for i in 0..9 {
            v[i] = a[i] + b[i];
        }
        *self = StudyCounters::from_values(v);
    }

    /// `n` times the counters (a bulk write adds one member's delta for many).
    pub fn times(&self, n: i64) -> StudyCounters {
        StudyCounters::from_values(self.values().map(|x| x * n))
    }
}

/// A share in whole percent, 0 when there is nobody to count.
pub fn percent(part: i64, whole: i64) -> u32 {
    if whole <= 0 {
        0
    } else {
        ((part.clamp(0, whole) * 100) / whole) as u32
    }
}

/// A share as people read it: whole percent rounded down, but never "0%" when some did
/// (`<1%`) nor "100%" when some did not (the floor already keeps that below 100).
pub fn share_label(part: i64, whole: i64) -> String {
    let p = percent(part, whole);
    if p == 0 && part > 0 && whole > 0 {
        "<1%".to_owned()
    } else {
        format!("{p}%")
    }
}

/// A fraction (0.0–1.0) as a share: rounded, but "<1%" for a small non-zero one and
/// ">99%" for one short of the whole.
pub fn fraction_label(f: f64) -> String {
    if f > 0.0 && f < 0.01 {
        "<1%".to_owned()
    } else if f > 0.99 && f < 1.0 {
        ">99%".to_owned()
    } else {
        format!("{}%", (f * 100.0).round() as i64)
    }
}

/// The default participation threshold below which a unit is listed on dashboards.
pub const PARTICIPATION_THRESHOLD: u32 = 90;

#[cfg(test)]
mod tests {

    #[test]
    fn a_share_is_never_zero_when_some_did() {
        assert_eq!(share_label(0, 5000), "0%");
        assert_eq!(share_label(3, 5000), "<1%");
        assert_eq!(share_label(4999, 5000), "99%");
        assert_eq!(share_label(5000, 5000), "100%");
        assert_eq!(share_label(0, 0), "0%");
        assert_eq!(fraction_label(0.004), "<1%");
        assert_eq!(fraction_label(0.996), ">99%");
        assert_eq!(fraction_label(0.5), "50%");
        assert_eq!(fraction_label(1.0), "100%");
    }

    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn form(held_on: &str) -> SessionForm {
        SessionForm {
            title: "Hội nghị quán triệt Nghị quyết 05-NQ/TU".into(),
            audience: "key_cadre".into(),
            format: "hybrid".into(),
            held_on: held_on.into(),
            place: "Hội trường Tỉnh ủy".into(),
        }
    }

    #[test]
    fn session_parses_and_respects_the_deadline() {
        let s =
            SessionDraft::parse(&form("12/03/2026"), Some(date!(2026 - 03 - 31)), false).unwrap();
        assert_eq!(s.audience, Audience::KeyCadre);
        assert_eq!(s.format, ConferenceFormat::Hybrid);
        assert_eq!(s.held_on, date!(2026 - 03 - 12));
        let late = SessionDraft::parse(&form("02/04/2026"), Some(date!(2026 - 03 - 31)), false);
        assert_eq!(late.unwrap_err().0[0].code, "session_after_deadline");
        // A make-up may come after the deadline.
        assert!(
            SessionDraft::parse(&form("02/04/2026"), Some(date!(2026 - 03 - 31)), true).is_ok()
        );
        let mut f = form("31/02/2026");
        f.format = "radio".into();
        f.title = " ".into();
        let e = SessionDraft::parse(&f, None, false).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            fields,
            [
                ("title", "required"),
                ("format", "bad_choice"),
                ("held_on", "bad_date")
            ]
        );
    }

    #[test]
    fn excused_needs_a_reason_and_others_drop_it() {
        let m = MemberId(7);
        let e = AttendanceEntry::parse(m, "excused", "  ", "mark", "reason").unwrap_err();
        assert_eq!(e.0[0].code, "excused_needs_reason");
        let ok = AttendanceEntry::parse(m, "excused", "Ốm", "mark", "reason").unwrap();
        assert_eq!(ok.reason.as_deref(), Some("Ốm"));
        let p = AttendanceEntry::parse(m, "present", "Ốm", "mark", "reason").unwrap();
        assert_eq!(p.reason, None);
        assert_eq!(
            AttendanceEntry::parse(m, "late", "", "mark", "reason")
                .unwrap_err()
                .0[0]
                .code,
            "bad_choice"
        );
    }

    #[test]
    fn checkin_links_are_signed_and_expire() {
        let key = b"server secret of at least some length";
        let s = StudySessionId(42);
        let sig = sign_checkin(key, s, 1_000);
        // HMAC-SHA256(key, "checkin:42:1000") in lowercase hex: links already printed as
        // QR codes stay valid only while this holds.
        assert_eq!(
            sig,
            "89888c79374a4b559b0b62bc5fccfa98904872dde9acc6d853366cb4c230c698"
        );
        assert_eq!(verify_checkin(key, s, 1_000, &sig, 999), Ok(()));
        assert_eq!(verify_checkin(key, s, 1_000, &sig, 1_000), Ok(()));
        assert_eq!(
            verify_checkin(key, s, 1_000, &sig, 1_001),
            Err(CheckInError::Expired)
        );
        // Another conference, a longer expiry, another key, garbage: refused.
        assert_eq!(
            verify_checkin(key, StudySessionId(43), 1_000, &sig, 0),
            Err(CheckInError::BadSignature)
        );
        assert_eq!(
            verify_checkin(key, s, 9_999, &sig, 0),
            Err(CheckInError::BadSignature)
        );
        assert_eq!(
            verify_checkin(b"other", s, 1_000, &sig, 0),
            Err(CheckInError::BadSignature)
        );
        assert_eq!(
            verify_checkin(key, s, 1_000, "zz", 0),
            Err(CheckInError::BadSignature)
        );
        assert_eq!(CheckInError::Expired.code(), "checkin_expired");
    }

    #[test]
    fn question_parses() {
        let q = Question::parse(&QuestionForm {
            audience: "member".into(),
            prompt: "Nghị quyết đề ra mấy nhóm giải pháp?".into(),
            choices: "Ba\n\nNăm\nBảy\n".into(),
            correct: "2".into(),
        })
        .unwrap();
        assert_eq!(q.choices, ["Ba", "Năm", "Bảy"]);
        assert_eq!(q.correct, 1);
        let e = Question::parse(&QuestionForm {
            audience: "member".into(),
            prompt: "?".into(),
            choices: "Một".into(),
            correct: "4".into(),
        })
        .unwrap_err();
        let codes: Vec<_> = e.0.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["choices_count", "correct_choice"]);
    }

    #[test]
    fn draw_is_deterministic_and_distinct() {
        let bank: Vec<QuestionId> = (1..=12).map(QuestionId).collect();
        let a = draw(&bank, 99, 5);
        assert_eq!(a, draw(&bank, 99, 5));
        assert_eq!(a.len(), 5);
        let mut s = a.clone();
        s.sort();
        s.dedup();
        assert_eq!(s.len(), 5);
        assert_ne!(a, draw(&bank, 100, 5));
        assert_eq!(draw(&bank[..3], 1, 5).len(), 3);
        assert!(draw(&[], 1, 5).is_empty());
    }

    #[test]
    fn grading_and_retakes() {
        let rules = CheckRules::default();
        let key: Vec<_> = (1..=5).map(|i| (QuestionId(i), 0u8)).collect();
        let mut answers: Vec<_> = (1..=5).map(|i| (QuestionId(i), Some(0u8))).collect();
        answers[0].1 = Some(1);
        let s = grade(&key, &answers, &rules);
        assert_eq!(
            (s.correct, s.total, s.passed, s.percent()),
            (4, 5, true, 80)
        );
        answers[1].1 = None;
        let s = grade(&key, &answers, &rules);
        assert_eq!((s.correct, s.passed), (3, false));
        assert!(!grade(&[], &[], &rules).passed);
        assert_eq!(may_attempt(&rules, 0, false), Ok(()));
        assert_eq!(may_attempt(&rules, 3, false), Err("check_no_attempts_left"));
        assert_eq!(may_attempt(&rules, 1, true), Err("check_already_passed"));
    }

    #[test]
    fn reflection_text() {
        assert_eq!(
            ReflectionText::parse("  ", false).unwrap_err().0[0].code,
            "reflection_empty"
        );
        assert_eq!(ReflectionText::parse("  ", true).unwrap().body, None);
        assert!(on_time(date!(2026 - 03 - 31), Some(date!(2026 - 03 - 31))));
        assert!(!on_time(date!(2026 - 04 - 01), Some(date!(2026 - 03 - 31))));
    }

    #[test]
    fn attendance_facts() {
        use AttendanceMark::*;
        let m = MemberStudy::default().with_attendance(&[Excused], &[Present]);
        assert!(m.studied && m.made_up && !m.excused);
        let m = MemberStudy::default().with_attendance(&[Excused], &[]);
        assert!(!m.studied && m.excused);
        let m = MemberStudy::default().with_attendance(&[Absent, Present], &[Present]);
        assert!(m.studied && !m.made_up);
        assert!(m.remind(&CheckRules::default()));
        let good = MemberStudy {
            check_passed: true,
            check_attempts: 1,
            reflection: ReflectionState::OnTime,
            grade: Some(ReflectionGrade::Excellent),
            ..m
        };
        assert!(good.commend() && !good.remind(&CheckRules::default()));
        let not_passed = MemberStudy {
            grade: Some(ReflectionGrade::NotPassed),
            ..good
        };
        assert!(!not_passed.commend() && not_passed.remind(&CheckRules::default()));
        let counted = StudyCounters::of(&not_passed);
        assert_eq!(
            (counted.reflections_graded, counted.reflections_good),
            (1, 0)
        );
        assert_eq!(
            ReflectionGrade::parse("not_passed"),
            Some(ReflectionGrade::NotPassed)
        );
    }

    fn member_study() -> impl Strategy<Value = MemberStudy> {
        (
            any::<bool>(),
            any::<bool>(),
            0u32..4,
            any::<bool>(),
            0usize..3,
            prop::option::of(0usize..3),
        )
            .prop_map(|(studied, made_up, attempts, passed, r, g)| MemberStudy {
                studied,
                made_up: studied && made_up,
                excused: !studied,
                check_attempts: attempts,
                check_passed: passed && attempts > 0,
                check_best: None,
                reflection: [
                    ReflectionState::None,
                    ReflectionState::OnTime,
                    ReflectionState::Late,
                ][r],
                grade: g.map(|i| ReflectionGrade::ALL[i]),
            })
    }

    proptest! {
        /// Applying every change's delta gives the counters of the final states.
        #[test]
        fn deltas_sum_to_the_recount(changes in prop::collection::vec((0usize..5, member_study()), 0..40)) {
            let mut states = [MemberStudy::default(); 5];
            let mut incremental = StudyCounters::default();
            for (i, after) in changes {
                incremental.add(&StudyCounters::delta(&states[i], &after));
                states[i] = after;
            }
            let mut rebuilt = StudyCounters::default();
            for s in &states {
                rebuilt.add(&StudyCounters::of(s));
            }
            prop_assert_eq!(incremental, rebuilt);
        }
    }
}
