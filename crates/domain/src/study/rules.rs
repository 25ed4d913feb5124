//! The rules of study the store applies: who sees a unit's study records, the limits of
//! what a plan holds, and the state guards of conferences, checks, reflections and the
//! round review. They decide on what the store has loaded; the store writes and audits.
//!
//! Codes: `required`, `too_long`, `bad_choice`, `bad_url`, `material_link_or_file`,
//! `reporter_not_eligible`, `session_has_attendance`, `member_outside_unit`,
//! `checkin_not_your_unit`, `check_not_studied`, `check_no_questions`,
//! `check_already_passed`, `check_no_attempts_left`, `reflection_empty`, plus the evidence
//! size codes; conflicts `session_cancelled`, `session_has_attendance`,
//! `material_withdrawn`, `check_attempt_taken`, `reflection_graded`, `round_review_issued`.

use super::{
    CheckRules, MAX_CONTENT_CHARS, MAX_PLACE_CHARS, MAX_REFLECTION_CHARS, MAX_SHEET_ROWS,
    MAX_TITLE_CHARS, MemberStudy, StudySessionId, may_attempt,
};
use crate::access::{Permission, Principal};
use crate::fieldpath::indexed;
use crate::ids::{MemberId, OrgId};
use crate::org::OrgPath;
use crate::record_ids::DocumentId;
use crate::refusal::Refusal;
use crate::validate::{self, Invalid};
use std::collections::HashMap;
use time::Date;

// ---- Who sees what --------------------------------------------------------------------------

/// How a principal sees a study record of a unit (its plan, a conference, a material),
/// decided in two steps so that the store looks a member up only when it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    Seen,
    Unseen,
    /// Seen if [`seen_as_member`] says so for the principal's member.
    AskMember,
}

/// Whether the principal's member sees a unit's record: their cell is in the unit's
/// subtree (`member_cell`, when the record is one members below see), or they report at
/// one of the unit's conferences (`reporter`).
pub fn seen_as_member(unit: &OrgPath, member_cell: Option<&OrgPath>, reporter: bool) -> bool {
    member_cell.is_some_and(|c| unit.covers(c)) || reporter
}

/// A unit's study plan: its readers see it; so do the reporters of its conferences
/// ([`seen_as_member`] with `reporter`).
pub fn plan_sight(p: &Principal, unit: &OrgPath) -> Sight {
    if p.can(Permission::Read, unit) {
        Sight::Seen
    } else if p.member_id.is_some() {
        Sight::AskMember
    } else {
        Sight::Unseen
    }
}

fn reports_at(p: &Principal, reporters: &[MemberId]) -> bool {
    p.member_id.is_some_and(|m| reporters.contains(&m))
}

/// A conference of `unit` with its `reporters`: its readers and its reporters see it; a
/// member whose cell is under the unit too ([`seen_as_member`] with the cell).
pub fn session_sight(p: &Principal, unit: &OrgPath, reporters: &[MemberId]) -> Sight {
    if p.can(Permission::Read, unit) || reports_at(p, reporters) {
        Sight::Seen
    } else if p.member_id.is_some() {
        Sight::AskMember
    } else {
        Sight::Unseen
    }
}

/// Changing a conference the principal sees: EditPeople on its unit; without it
/// `Forbidden` for its readers and reporters, `NotFound` for the members who only attend.
pub fn check_session_write(
    p: &Principal,
    unit: &OrgPath,
    reporters: &[MemberId],
) -> Result<(), Refusal> {
    if p.can(Permission::EditPeople, unit) {
        Ok(())
    } else if p.can(Permission::Read, unit) || reports_at(p, reporters) {
        Err(Refusal::Forbidden)
    } else {
        Err(Refusal::NotFound)
    }
}

/// A material of `unit`: once withdrawn, only the unit's office sees it (to see what it
/// withdrew); else whoever reads the unit or a unit below it, and members below it or
/// reporting at its conferences ([`seen_as_member`]).
pub fn material_sight(p: &Principal, unit: &OrgPath, withdrawn: bool) -> Sight {
    if withdrawn {
        return if p.can(Permission::EditPeople, unit) {
            Sight::Seen
        } else {
            Sight::Unseen
        };
    }
    if p.sees_or_leads_to(unit) {
        Sight::Seen
    } else if p.member_id.is_some() {
        Sight::AskMember
    } else {
        Sight::Unseen
    }
}

/// Withdrawing a material of `unit`: EditPeople on it (`Forbidden` for those who see the
/// unit, `NotFound` for others), and not withdrawn already
/// (`Conflict("material_withdrawn")`).
pub fn check_withdraw(p: &Principal, unit: &OrgPath, withdrawn: bool) -> Result<(), Refusal> {
    if !p.can(Permission::EditPeople, unit) {
        return Err(if p.sees_or_leads_to(unit) {
            Refusal::Forbidden
        } else {
            Refusal::NotFound
        });
    }
    if withdrawn {
        return Err(Refusal::Conflict("material_withdrawn"));
    }
    Ok(())
}

/// How a principal sees a reflection and its grade (decision in docs/SECURITY.md,
/// "Reflections and grades"), decided in two steps so that the store looks the reader's
/// own reflection up only when it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReflectionSight {
    /// The reflection with its grade and comment: its author, and whoever oversees the
    /// cell's study ([`oversees_reflections`]).
    Full,
    /// The reflection without grade or comment: a colleague of the cell who has handed in
    /// their own reflection on the same document.
    WithoutGrade,
    /// A colleague of the cell: [`colleague_sight`] decides, from whether they have
    /// handed in their own reflection.
    AskOwn,
    Unseen,
}

/// Whether a principal oversees the study of `cell`: the command line; a grant on the
/// cell with a role above a member's (secretary, office staff, inspector, admin: those
/// who grade, keep or inspect it); or any grant on a unit above the cell (the levels
/// above see what their cells do).
pub fn oversees_reflections(p: &Principal, cell: &OrgPath) -> bool {
    p.system
        || p.grants.iter().any(|g| {
            g.org_path.covers(cell)
                && (g.org_path != *cell || g.role != crate::access::AccessRole::Member)
        })
}

/// The reflection of `author`, a member of `cell`, as `p` sees it: in full by its author
/// and by whoever oversees the cell; by a colleague who reads the cell through a member's
/// grant on it, only once they have handed in their own ([`colleague_sight`]); by anyone
/// else not at all.
pub fn reflection_sight(p: &Principal, cell: &OrgPath, author: MemberId) -> ReflectionSight {
    if p.member_id == Some(author) || oversees_reflections(p, cell) {
        ReflectionSight::Full
    } else if p.can(Permission::Read, cell) {
        ReflectionSight::AskOwn
    } else {
        ReflectionSight::Unseen
    }
}

/// A colleague's sight of another member's reflection: without its grade, and only once
/// they have handed in their own on the same document (reading others first would make
/// copying easy; grades are between a member and the cell's committee).
pub fn colleague_sight(handed_in_own: bool) -> ReflectionSight {
    if handed_in_own {
        ReflectionSight::WithoutGrade
    } else {
        ReflectionSight::Unseen
    }
}

/// Whether `p` may see the reflection grade of `author`, a member of `cell` (a unit's
/// roster shows grades): its author and whoever oversees the cell.
pub fn may_see_grade(p: &Principal, cell: &OrgPath, author: MemberId) -> bool {
    reflection_sight(p, cell, author) == ReflectionSight::Full
}

// ---- A plan's texts and materials ----------------------------------------------------------

/// A plan's text for an audience, or the round review's: trimmed, required, at most
/// [`MAX_CONTENT_CHARS`] (`body_md`).
pub fn check_plan_text(body: &str) -> Result<String, Invalid> {
    let body = body.trim();
    if body.is_empty() {
        return Err(Invalid::one("body_md", "required"));
    }
    if body.chars().count() > MAX_CONTENT_CHARS {
        return Err(Invalid::one("body_md", "too_long"));
    }
    Ok(body.to_owned())
}

/// A link a material may point to: `http(s)://`, no spaces or control characters, at most
/// 2,000 characters.
pub fn valid_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && s.len() > 10
        && s.len() <= 2000
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A new material: a title, and either a link (`url`, `bad_url` when malformed) or a file
/// (`file`, within the evidence size limit) but not both nor neither
/// (`url`, `material_link_or_file`). Every problem is reported; returns the clean title.
pub fn check_material(
    title: &str,
    url: Option<&str>,
    file_size: Option<u64>,
) -> Result<String, Invalid> {
    let mut inv = Invalid::default();
    let title = inv.take(validate::name("title", title, MAX_TITLE_CHARS));
    match (url, file_size) {
        (Some(u), None) if !valid_url(u) => inv.push("url", "bad_url"),
        (Some(_), None) | (None, Some(_)) => {}
        _ => inv.push("url", "material_link_or_file"),
    }
    if let Some(size) = file_size {
        inv.take(crate::evidence::check_size("file", size));
    }
    Ok(inv.into_result(title)?.expect("no error, so a title"))
}

// ---- Conferences and attendance ------------------------------------------------------------

/// A conference has at most this many reporters.
pub const MAX_REPORTERS: usize = 20;

/// The reporters named for a conference, sorted, each once.
pub fn reporter_list(given: &[MemberId]) -> Vec<MemberId> {
    let mut v = given.to_vec();
    v.sort();
    v.dedup();
    v
}

/// What the store found of a person named: whether they are an active member, their
/// cell, and whether they hold the reporter position (for reporters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub active: bool,
    pub cell: OrgPath,
    pub reporter_role: bool,
}

/// Reporters ([`reporter_list`]) of a conference of `unit`: at most [`MAX_REPORTERS`]
/// (`reporters`, `too_long`), each an active member of the unit's subtree holding the
/// reporter position (`reporters`, `reporter_not_eligible`). `known` holds those the store
/// found (it need not look them up when there are too many).
pub fn check_reporters(
    unit: &OrgPath,
    reporters: &[MemberId],
    known: &HashMap<MemberId, Person>,
) -> Result<(), Invalid> {
    if reporters.len() > MAX_REPORTERS {
        return Err(Invalid::one("reporters", "too_long"));
    }
    let ok = reporters.iter().all(|m| {
        known
            .get(m)
            .is_some_and(|i| i.active && unit.covers(&i.cell) && i.reporter_role)
    });
    if ok {
        Ok(())
    } else {
        Err(Invalid::one("reporters", "reporter_not_eligible"))
    }
}

/// The conference a make-up session makes up for, as the store found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Original {
    pub org: OrgId,
    pub document: DocumentId,
    /// Itself a make-up (one does not make up for a make-up).
    pub makeup_of: Option<StudySessionId>,
}

/// A make-up session of `org` on `document` makes up for a regular conference of the same
/// unit and resolution (`makeup_of`, `bad_choice`; `None` when none was found).
pub fn check_makeup(
    original: Option<&Original>,
    org: OrgId,
    document: DocumentId,
) -> Result<(), Invalid> {
    match original {
        Some(o) if o.org == org && o.document == document && o.makeup_of.is_none() => Ok(()),
        _ => Err(Invalid::one("makeup_of", "bad_choice")),
    }
}

/// A cancelled conference takes no change: `Conflict("session_cancelled")`.
pub fn check_not_cancelled(cancelled: bool) -> Result<(), Refusal> {
    if cancelled {
        Err(Refusal::Conflict("session_cancelled"))
    } else {
        Ok(())
    }
}

/// Editing a conference holding `marks` attendance marks: its audience stays once marked
/// (`audience`, `session_has_attendance`).
///
/// Nor can a conference with attendance marked move to a day still to come (`held_on`,
/// `session_marked_moved_ahead`): members would stand present at a conference not yet held.
pub fn check_session_edit(
    audience_changes: bool,
    marks: u64,
    held_on: Date,
    today: Date,
) -> Result<(), Invalid> {
    let mut bad = Invalid::default();
    if audience_changes && marks > 0 {
        bad.push("audience", "session_has_attendance");
    }
    if held_on > today && marks > 0 {
        bad.push("held_on", "session_marked_moved_ahead");
    }
    bad.into_result(())
}

/// Cancelling a conference: not cancelled already, a reason, and no attendance marked
/// (`Conflict("session_has_attendance")`; correct the sheet instead). Returns the reason.
pub fn check_cancel(cancelled: bool, reason: &str, marks: u64) -> Result<String, Refusal> {
    check_not_cancelled(cancelled)?;
    let reason = validate::name("reason", reason, MAX_PLACE_CHARS)?;
    if marks > 0 {
        return Err(Refusal::Conflict("session_has_attendance"));
    }
    Ok(reason)
}

/// Whether a person is marked on a sheet of a conference of `unit`: an active member whose
/// cell is in the unit's subtree.
pub fn may_attend(unit: &OrgPath, person: Option<&Person>) -> bool {
    person.is_some_and(|m| m.active && unit.covers(&m.cell))
}

/// An attendance sheet of a conference of `unit`, one person per line: at most
/// [`MAX_SHEET_ROWS`] lines (`attendance`, `too_long`), each for a member who may attend
/// (`attendance[i].mark`, `member_outside_unit`). Every line's problem is reported.
pub fn check_sheet(unit: &OrgPath, lines: &[Option<&Person>]) -> Result<(), Invalid> {
    check_sheet_length(lines.len())?;
    let mut inv = Invalid::default();
    for (i, person) in lines.iter().enumerate() {
        if !may_attend(unit, *person) {
            inv.push(indexed("attendance", i, "mark"), "member_outside_unit");
        }
    }
    inv.into_result(())
}

/// A sheet has at most [`MAX_SHEET_ROWS`] lines (`attendance`, `too_long`): checked
/// before anyone on it is looked up.
pub fn check_sheet_length(lines: usize) -> Result<(), Invalid> {
    if lines > MAX_SHEET_ROWS {
        Err(Invalid::one("attendance", "too_long"))
    } else {
        Ok(())
    }
}

/// A member checking in by the QR link at a conference of `unit`: their cell under it
/// (`member`, `checkin_not_your_unit`), the conference not cancelled.
pub fn check_check_in(
    unit: &OrgPath,
    member_cell: &OrgPath,
    cancelled: bool,
) -> Result<(), Refusal> {
    if !unit.covers(member_cell) {
        return Err(Refusal::invalid("member", "checkin_not_your_unit"));
    }
    check_not_cancelled(cancelled)
}

// ---- Knowledge checks, reflections, the round review ---------------------------------------

/// Taking a knowledge check: studied first (`check_not_studied`), an attempt left and not
/// passed yet ([`may_attempt`]), and questions to draw (`check_no_questions`); all on the
/// field `check`.
pub fn check_may_take(
    state: &MemberStudy,
    rules: &CheckRules,
    questions: usize,
) -> Result<(), Invalid> {
    if !state.studied {
        return Err(Invalid::one("check", "check_not_studied"));
    }
    may_attempt(rules, state.check_attempts, state.check_passed)
        .map_err(|code| Invalid::one("check", code))?;
    if questions == 0 {
        return Err(Invalid::one("check", "check_no_questions"));
    }
    Ok(())
}

/// Handing in attempt `attempt`: the next one (`Conflict("check_attempt_taken")`: taken in
/// another tab meanwhile), then [`check_may_take`].
pub fn check_submission(
    state: &MemberStudy,
    rules: &CheckRules,
    attempt: u32,
    questions: usize,
) -> Result<(), Refusal> {
    if attempt != state.check_attempts + 1 {
        return Err(Refusal::Conflict("check_attempt_taken"));
    }
    Ok(check_may_take(state, rules, questions)?)
}

/// Attendance is marked (on the sheet, by QR or by import) from the conference's day on,
/// never for a conference that has not happened (`Conflict("session_not_held")`).
pub fn check_held(held_on: Date, today: Date) -> Result<(), Refusal> {
    if today < held_on {
        return Err(Refusal::Conflict("session_not_held"));
    }
    Ok(())
}

/// Checking in by QR code is open on the conference's day only: before it nobody can be
/// present, and after it the secretary marks the sheet (a code photographed on the day
/// must not mark anyone present a week later).
pub fn check_checkin_day(held_on: Date, today: Date) -> Result<(), Refusal> {
    check_held(held_on, today)?;
    if today > held_on {
        return Err(Refusal::Conflict("checkin_day_over"));
    }
    Ok(())
}

/// A check handed in with no answer chosen spends no attempt (`answers`, `check_empty`):
/// a tap on "hand in" by mistake, or a page sent before it was read.
pub fn check_answered(chosen: &[Option<u8>]) -> Result<(), Refusal> {
    if chosen.iter().all(Option::is_none) {
        return Err(Refusal::invalid("answers", "check_empty"));
    }
    Ok(())
}

/// A reflection handed in: a text or a file (`body`, `reflection_empty`), a text of at
/// most [`MAX_REFLECTION_CHARS`], a file within the evidence size limit, and none graded
/// already (`Conflict("reflection_graded")`: graded work stays as graded).
pub fn check_reflection(
    body: Option<&str>,
    file_size: Option<u64>,
    graded: bool,
) -> Result<(), Refusal> {
    if body.is_none() && file_size.is_none() {
        return Err(Refusal::invalid("body", "reflection_empty"));
    }
    if body.is_some_and(|b| b.chars().count() > MAX_REFLECTION_CHARS) {
        return Err(Refusal::invalid("body", "too_long"));
    }
    if let Some(size) = file_size {
        crate::evidence::check_size("file", size)?;
    }
    if graded {
        return Err(Refusal::Conflict("reflection_graded"));
    }
    Ok(())
}

/// The commended and reminded members of a round review, each once, sorted.
pub fn round_review_members(commend: &[MemberId], remind: &[MemberId]) -> Vec<MemberId> {
    reporter_list(&[commend, remind].concat())
}

/// Saving a unit's round review: not issued already (`Conflict("round_review_issued")`), its
/// text ([`check_plan_text`]), and every member it commends or reminds ([`round_review_members`])
/// in the unit's subtree (`commend`, `member_outside_unit`), `cells` holding the cell of
/// each the store found. Returns the clean text.
pub fn check_round_review(
    issued: bool,
    body: &str,
    unit: &OrgPath,
    members: &[MemberId],
    cells: &HashMap<MemberId, OrgPath>,
) -> Result<String, Refusal> {
    if issued {
        return Err(Refusal::Conflict("round_review_issued"));
    }
    let body = check_plan_text(body)?;
    if members
        .iter()
        .any(|m| !cells.get(m).is_some_and(|c| unit.covers(c)))
    {
        return Err(Refusal::invalid("commend", "member_outside_unit"));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{AccessRole, Grant};
    use crate::ids::UserId;
    use crate::refusal::codes;
    use proptest::prelude::*;

    fn path(s: &str) -> OrgPath {
        OrgPath::parse(s).unwrap()
    }

    #[test]
    fn no_marks_before_the_conference() {
        use time::macros::date;
        let on = date!(2026 - 03 - 10);
        assert_eq!(
            check_held(on, date!(2026 - 03 - 09)),
            Err(Refusal::Conflict("session_not_held"))
        );
        assert!(check_held(on, on).is_ok());
        assert!(check_held(on, date!(2026 - 04 - 01)).is_ok());
    }

    #[test]
    fn qr_check_in_only_on_the_conference_day() {
        use time::macros::date;
        let on = date!(2026 - 03 - 10);
        assert_eq!(
            check_checkin_day(on, date!(2026 - 03 - 09)),
            Err(Refusal::Conflict("session_not_held"))
        );
        assert!(check_checkin_day(on, on).is_ok());
        assert_eq!(
            check_checkin_day(on, date!(2026 - 03 - 11)),
            Err(Refusal::Conflict("checkin_day_over"))
        );
    }

    #[test]
    fn an_empty_check_spends_no_attempt() {
        assert_eq!(
            check_answered(&[None, None]),
            Err(Refusal::invalid("answers", "check_empty"))
        );
        assert!(check_answered(&[]).is_err());
        assert!(check_answered(&[None, Some(0)]).is_ok());
    }

    fn who(grant: Option<(AccessRole, &str)>, member: Option<i64>) -> Principal {
        Principal {
            user_id: UserId(1),
            username: "u".into(),
            display_name: "u".into(),
            grants: grant
                .into_iter()
                .map(|(role, p)| Grant {
                    role,
                    org_id: path(p).id(),
                    org_path: path(p),
                })
                .collect(),
            system: false,
            member_id: member.map(MemberId),
        }
    }

    #[test]
    fn who_sees_a_units_study_records() {
        let commune = path("/1/2/3/");
        let reader = who(Some((AccessRole::Member, "/1/2/3/")), None);
        let upper = who(Some((AccessRole::Member, "/1/2/3/4/")), None);
        let member = who(None, Some(9));
        let stranger = who(None, None);
        assert_eq!(plan_sight(&reader, &commune), Sight::Seen);
        assert_eq!(plan_sight(&member, &commune), Sight::AskMember);
        assert_eq!(plan_sight(&stranger, &commune), Sight::Unseen);
        assert_eq!(
            session_sight(&member, &commune, &[MemberId(9)]),
            Sight::Seen
        );
        assert_eq!(
            session_sight(&member, &commune, &[MemberId(8)]),
            Sight::AskMember
        );
        assert_eq!(material_sight(&upper, &commune, false), Sight::Seen);
        assert_eq!(material_sight(&reader, &commune, true), Sight::Unseen);
        let office = who(Some((AccessRole::Secretary, "/1/2/3/")), None);
        assert_eq!(material_sight(&office, &commune, true), Sight::Seen);
        assert!(seen_as_member(&commune, Some(&path("/1/2/3/7/")), false));
        assert!(!seen_as_member(&commune, Some(&path("/1/2/4/")), false));
        assert!(seen_as_member(&commune, None, true));
        assert_eq!(
            reflection_sight(&member, &path("/1/5/"), MemberId(9)),
            ReflectionSight::Full
        );
        assert_eq!(
            reflection_sight(&member, &path("/1/5/"), MemberId(8)),
            ReflectionSight::Unseen
        );
    }

    #[test]
    fn colleagues_see_reflections_after_their_own_and_grades_never() {
        let cell = path("/1/2/3/4/");
        let colleague = who(Some((AccessRole::Member, "/1/2/3/4/")), Some(8));
        let author = MemberId(9);
        // A colleague of the cell: only after handing in their own, never the grade.
        assert_eq!(
            reflection_sight(&colleague, &cell, author),
            ReflectionSight::AskOwn
        );
        assert_eq!(colleague_sight(false), ReflectionSight::Unseen);
        assert_eq!(colleague_sight(true), ReflectionSight::WithoutGrade);
        assert!(!may_see_grade(&colleague, &cell, author));
        // Their own, in full.
        assert!(may_see_grade(&colleague, &cell, MemberId(8)));
        // The cell's secretary, the commune above, the district's inspector: in full.
        for role_at in [
            (AccessRole::Secretary, "/1/2/3/4/"),
            (AccessRole::Member, "/1/2/3/"),
            (AccessRole::Inspector, "/1/2/"),
            (AccessRole::OfficeStaff, "/1/"),
        ] {
            let overseer = who(Some(role_at), None);
            assert_eq!(
                reflection_sight(&overseer, &cell, author),
                ReflectionSight::Full,
                "{role_at:?}"
            );
        }
        assert!(oversees_reflections(&Principal::system(), &cell));
        // Another cell's member or secretary: nothing.
        for role_at in [
            (AccessRole::Member, "/1/2/3/5/"),
            (AccessRole::Secretary, "/1/2/3/5/"),
        ] {
            let outsider = who(Some(role_at), Some(7));
            assert_eq!(
                reflection_sight(&outsider, &cell, author),
                ReflectionSight::Unseen
            );
        }
    }

    #[test]
    fn writes_on_conferences_and_materials() {
        let commune = path("/1/2/3/");
        let office = who(Some((AccessRole::Secretary, "/1/2/3/")), None);
        let reader = who(Some((AccessRole::Member, "/1/2/")), None);
        let reporter = who(None, Some(9));
        let attendee = who(None, Some(8));
        assert_eq!(check_session_write(&office, &commune, &[]), Ok(()));
        assert_eq!(
            check_session_write(&reader, &commune, &[]),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            check_session_write(&reporter, &commune, &[MemberId(9)]),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            check_session_write(&attendee, &commune, &[MemberId(9)]),
            Err(Refusal::NotFound)
        );
        assert_eq!(check_withdraw(&office, &commune, false), Ok(()));
        assert_eq!(
            check_withdraw(&office, &commune, true),
            Err(Refusal::Conflict("material_withdrawn"))
        );
        assert_eq!(
            check_withdraw(&reader, &commune, false),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            check_withdraw(&attendee, &commune, false),
            Err(Refusal::NotFound)
        );
    }

    #[test]
    fn plan_texts_and_materials() {
        assert_eq!(check_plan_text("  Nội dung ").unwrap(), "Nội dung");
        assert_eq!(
            check_plan_text(" ").unwrap_err(),
            Invalid::one("body_md", "required")
        );
        let long = "a".repeat(MAX_CONTENT_CHARS + 1);
        assert_eq!(
            check_plan_text(&long).unwrap_err(),
            Invalid::one("body_md", "too_long")
        );
        assert!(check_material("Tài liệu", Some("https://example.vn/a"), None).is_ok());
        assert!(check_material("Tài liệu", None, Some(100)).is_ok());
        let codes_of = |r: Result<String, Invalid>| -> Vec<&'static str> {
            r.unwrap_err().0.iter().map(|e| e.code).collect()
        };
        assert_eq!(
            codes_of(check_material("", Some("ftp://x"), None)),
            ["required", "bad_url"]
        );
        assert_eq!(
            codes_of(check_material("T", Some("https://example.vn/a"), Some(0))),
            ["material_link_or_file", "evidence_empty"]
        );
        assert_eq!(
            codes_of(check_material("T", None, None)),
            ["material_link_or_file"]
        );
        assert!(!valid_url("https://a b.vn/x"));
    }

    fn person(cell: &str, active: bool, role: bool) -> Person {
        Person {
            active,
            cell: path(cell),
            reporter_role: role,
        }
    }

    #[test]
    fn conferences_reporters_makeups_and_cancelling() {
        let unit = path("/1/2/");
        let known: HashMap<MemberId, Person> = [
            (MemberId(1), person("/1/2/3/", true, true)),
            (MemberId(2), person("/1/2/3/", true, false)),
            (MemberId(3), person("/1/4/", true, true)),
            (MemberId(4), person("/1/2/3/", false, true)),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            reporter_list(&[MemberId(3), MemberId(1), MemberId(3)]),
            [MemberId(1), MemberId(3)]
        );
        assert!(check_reporters(&unit, &[MemberId(1)], &known).is_ok());
        assert!(check_reporters(&unit, &[], &known).is_ok());
        for m in [2, 3, 4, 5] {
            assert_eq!(
                check_reporters(&unit, &[MemberId(1), MemberId(m)], &known).unwrap_err(),
                Invalid::one("reporters", "reporter_not_eligible"),
                "member {m}"
            );
        }
        let many: Vec<MemberId> = (0..21).map(MemberId).collect();
        assert_eq!(
            check_reporters(&unit, &many, &HashMap::new()).unwrap_err(),
            Invalid::one("reporters", "too_long")
        );
        let doc = DocumentId(5);
        let orig = Original {
            org: OrgId(2),
            document: doc,
            makeup_of: None,
        };
        assert!(check_makeup(Some(&orig), OrgId(2), doc).is_ok());
        assert!(check_makeup(Some(&orig), OrgId(3), doc).is_err());
        let makeup = Original {
            makeup_of: Some(StudySessionId(1)),
            ..orig
        };
        assert!(check_makeup(Some(&makeup), OrgId(2), doc).is_err());
        assert!(check_makeup(None, OrgId(2), doc).is_err());
        let (on, next) = (
            time::macros::date!(2026 - 03 - 10),
            time::macros::date!(2026 - 03 - 11),
        );
        assert_eq!(
            check_session_edit(true, 1, on, on).unwrap_err(),
            Invalid::one("audience", "session_has_attendance")
        );
        assert!(check_session_edit(true, 0, next, on).is_ok());
        assert!(check_session_edit(false, 3, on, next).is_ok());
        assert_eq!(
            check_session_edit(false, 3, next, on).unwrap_err(),
            Invalid::one("held_on", "session_marked_moved_ahead")
        );
        assert_eq!(check_cancel(false, " Mưa bão ", 0).unwrap(), "Mưa bão");
        assert_eq!(
            check_cancel(true, "x", 0),
            Err(Refusal::Conflict("session_cancelled"))
        );
        assert_eq!(
            codes(&check_cancel(false, " ", 0).unwrap_err()),
            ["required"]
        );
        assert_eq!(
            check_cancel(false, "x", 2),
            Err(Refusal::Conflict("session_has_attendance"))
        );
    }

    #[test]
    fn sheets_and_check_ins() {
        let unit = path("/1/2/");
        let inside = person("/1/2/3/", true, false);
        let gone = person("/1/2/3/", false, false);
        let outside = person("/1/4/", true, false);
        let got: Vec<&str> =
            check_sheet(&unit, &[Some(&inside), Some(&gone), None, Some(&outside)])
                .unwrap_err()
                .0
                .iter()
                .map(|e| e.field)
                .collect();
        assert_eq!(
            got,
            [
                "attendance[1].mark",
                "attendance[2].mark",
                "attendance[3].mark"
            ]
        );
        let full = vec![Some(&inside); MAX_SHEET_ROWS + 1];
        assert_eq!(
            check_sheet(&unit, &full).unwrap_err(),
            Invalid::one("attendance", "too_long")
        );
        assert!(check_check_in(&unit, &path("/1/2/3/"), false).is_ok());
        assert_eq!(
            codes(&check_check_in(&unit, &path("/1/4/"), true).unwrap_err()),
            ["checkin_not_your_unit"]
        );
        assert_eq!(
            check_check_in(&unit, &path("/1/2/3/"), true),
            Err(Refusal::Conflict("session_cancelled"))
        );
    }

    #[test]
    fn checks_reflections_and_reviews() {
        let rules = CheckRules::default();
        let studied = MemberStudy {
            studied: true,
            ..MemberStudy::default()
        };
        assert!(check_may_take(&studied, &rules, 5).is_ok());
        let code = |r: Result<(), Invalid>| r.unwrap_err().0[0].code;
        assert_eq!(
            code(check_may_take(&MemberStudy::default(), &rules, 5)),
            "check_not_studied"
        );
        assert_eq!(
            code(check_may_take(&studied, &rules, 0)),
            "check_no_questions"
        );
        let passed = MemberStudy {
            check_passed: true,
            check_attempts: 1,
            ..studied
        };
        assert_eq!(
            code(check_may_take(&passed, &rules, 5)),
            "check_already_passed"
        );
        let spent = MemberStudy {
            check_attempts: 3,
            ..studied
        };
        assert_eq!(
            code(check_may_take(&spent, &rules, 5)),
            "check_no_attempts_left"
        );
        assert!(check_submission(&studied, &rules, 1, 5).is_ok());
        assert_eq!(
            check_submission(&studied, &rules, 2, 5),
            Err(Refusal::Conflict("check_attempt_taken"))
        );

        assert!(check_reflection(Some("Bài thu hoạch"), None, false).is_ok());
        assert!(check_reflection(None, Some(10), false).is_ok());
        assert_eq!(
            codes(&check_reflection(None, None, false).unwrap_err()),
            ["reflection_empty"]
        );
        let long = "a".repeat(MAX_REFLECTION_CHARS + 1);
        assert_eq!(
            codes(&check_reflection(Some(&long), None, false).unwrap_err()),
            ["too_long"]
        );
        assert_eq!(
            codes(&check_reflection(None, Some(0), false).unwrap_err()),
            ["evidence_empty"]
        );
        assert_eq!(
            check_reflection(Some("x"), None, true),
            Err(Refusal::Conflict("reflection_graded"))
        );

        let unit = path("/1/2/");
        let cells: HashMap<MemberId, OrgPath> =
            [(MemberId(1), path("/1/2/3/")), (MemberId(2), path("/1/4/"))]
                .into_iter()
                .collect();
        let members = round_review_members(&[MemberId(1)], &[MemberId(1)]);
        assert_eq!(members, [MemberId(1)]);
        assert_eq!(
            check_round_review(false, " Kết quả ", &unit, &members, &cells).unwrap(),
            "Kết quả"
        );
        assert_eq!(
            check_round_review(true, "x", &unit, &members, &cells),
            Err(Refusal::Conflict("round_review_issued"))
        );
        assert_eq!(
            codes(&check_round_review(false, "", &unit, &members, &cells).unwrap_err()),
            ["required"]
        );
        let with_outsider = round_review_members(&[MemberId(1)], &[MemberId(2), MemberId(3)]);
        assert_eq!(
            codes(&check_round_review(false, "x", &unit, &with_outsider, &cells).unwrap_err()),
            ["member_outside_unit"]
        );
    }

    proptest! {
        #[test]
        fn a_sheet_passes_exactly_when_every_line_may_attend(
            lines in prop::collection::vec(prop::option::of((1i64..4, any::<bool>())), 0..10),
        ) {
            let unit = path("/1/2/");
            let people: Vec<Option<Person>> = lines.iter().map(|l| l.map(|(c, active)| Person {
                active,
                cell: path(&format!("/1/{}/", c)),
                reporter_role: false,
            })).collect();
            let refs: Vec<Option<&Person>> = people.iter().map(Option::as_ref).collect();
            let want = lines.iter().all(|l| matches!(l, Some((2, true))));
            prop_assert_eq!(check_sheet(&unit, &refs).is_ok(), want);
        }

        #[test]
        fn a_check_is_taken_at_most_max_attempts_and_never_after_passing(
            attempts in 0u32..6, passed in any::<bool>(), studied in any::<bool>(), q in 0usize..3,
        ) {
            let rules = CheckRules::default();
            let s = MemberStudy { studied, check_attempts: attempts, check_passed: passed, ..MemberStudy::default() };
            let ok = check_may_take(&s, &rules, q).is_ok();
            prop_assert_eq!(ok, studied && !passed && attempts < rules.max_attempts && q > 0);
        }
    }
}
