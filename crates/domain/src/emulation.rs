//! Emulation and commendation (thi đua, khen thưởng; issue 17 item 4): a movement launched
//! from a resolution, its targets taken from the resolution's, the units' pledges, the
//! nominations, the council's vote, the decision and its awards. docs/EMULATION.md.
//!
//! What regulations may change is data: the award kinds live in the table `award_kinds`
//! (seeded by migration 0022, [`AwardKind`] here is one row), and the council's passing rule
//! is stored with each vote ([`PassRule`]). This module holds the checks on input and the
//! state machine; the store loads, calls these, writes and audits.

use crate::access::{Permission, Principal};
use crate::document::{DocumentNumber, DocumentType};
use crate::org::{OrgKind, OrgPath};
use crate::refusal::Refusal;
use crate::validate::Invalid;
use serde::{Deserialize, Serialize};
use time::Date;

/// The longest free text accepted (a pledge's commitments, a nomination's achievements).
pub const MAX_TEXT: usize = 20_000;
/// The longest title.
pub const MAX_TITLE: usize = 500;

/// A movement's phase: pledges are registered while `Open`; once `Closed`, units nominate,
/// the council votes and the office decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementState {
    Open,
    Closed,
}

impl MovementState {
    pub fn as_str(self) -> &'static str {
        match self {
            MovementState::Open => "open",
            MovementState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<MovementState> {
        match s {
            "open" => Some(MovementState::Open),
            "closed" => Some(MovementState::Closed),
            _ => None,
        }
    }
}

/// A nomination's state: proposed by a unit, then passed or rejected by the council's
/// vote, then awarded by a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NominationState {
    Proposed,
    Passed,
    Rejected,
    Awarded,
}

impl NominationState {
    pub const ALL: [NominationState; 4] = [
        NominationState::Proposed,
        NominationState::Passed,
        NominationState::Rejected,
        NominationState::Awarded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NominationState::Proposed => "proposed",
            NominationState::Passed => "passed",
            NominationState::Rejected => "rejected",
            NominationState::Awarded => "awarded",
        }
    }

    pub fn parse(s: &str) -> Option<NominationState> {
        NominationState::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Whom an award goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// A party organization (tập thể).
    Collective,
    /// A party member (cá nhân).
    Individual,
}

impl Recipient {
    pub fn as_str(self) -> &'static str {
        match self {
            Recipient::Collective => "collective",
            Recipient::Individual => "individual",
        }
    }

    pub fn parse(s: &str) -> Option<Recipient> {
        match s {
            "collective" => Some(Recipient::Collective),
            "individual" => Some(Recipient::Individual),
            _ => None,
        }
    }
}

/// One kind of award, a row of `award_kinds`: a form of commendation (Giấy khen, Bằng
/// khen, Cờ thi đua) or an emulation title (Tập thể lao động xuất sắc, Chiến sĩ thi đua cơ
/// sở), for collectives, individuals or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AwardKind {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// `commendation` (hình thức khen thưởng) or `title` (danh hiệu thi đua).
    pub form: String,
    pub collective: bool,
    pub individual: bool,
    /// Order in lists and the register (higher first).
    pub rank: i32,
    /// A kind no longer given stays for the awards already made.
    pub active: bool,
    /// The levels whose committee may give it (table `award_kind_levels`, migration
    /// 0024): the kind of the deciding unit (the movement's). Empty: any level (a kind
    /// added without limits). docs/EMULATION.md says which rows are confirmed.
    pub levels: Vec<OrgKind>,
}

impl AwardKind {
    /// Whether the kind may be given to this recipient (`award_kind_recipient`).
    pub fn check_recipient(&self, r: Recipient) -> Result<(), Invalid> {
        let ok = self.active
            && match r {
                Recipient::Collective => self.collective,
                Recipient::Individual => self.individual,
            };
        if ok {
            Ok(())
        } else {
            Err(Invalid::one("award_kind", "award_kind_recipient"))
        }
    }

    /// Whether a committee of this level may give the kind.
    pub fn given_by(&self, level: OrgKind) -> bool {
        self.levels.is_empty() || self.levels.contains(&level)
    }

    /// Whether the deciding unit (of kind `level`) may give the kind (`award_kind_level`).
    pub fn check_level(&self, level: OrgKind) -> Result<(), Invalid> {
        if self.given_by(level) {
            Ok(())
        } else {
            Err(Invalid::one("award_kind", "award_kind_level"))
        }
    }
}

/// The levels that may decide awards at all: party committees (a cell has no standing
/// committee and decides no commendation; implementing bodies give the state's awards in
/// their own system).
pub const DECIDING_LEVELS: [OrgKind; 3] = [
    OrgKind::Provincial,
    OrgKind::DirectlyAffiliated,
    OrgKind::Grassroots,
];

/// Checks a kind's levels as edited: only deciding levels, each once.
pub fn check_levels(levels: &[OrgKind]) -> Result<Vec<OrgKind>, Invalid> {
    let mut out: Vec<OrgKind> = Vec::new();
    for l in levels {
        if !DECIDING_LEVELS.contains(l) {
            return Err(Invalid::one("levels", "bad_choice"));
        }
        if !out.contains(l) {
            out.push(*l);
        }
    }
    out.sort_by_key(|l| DECIDING_LEVELS.iter().position(|x| x == l));
    Ok(out)
}

/// Who may manage a movement (launch, close, record the council's vote, decide): the office
/// of the movement's unit or above, `EditOrgs` on its path.
pub fn may_manage(p: &Principal, unit: &OrgPath) -> bool {
    p.can(Permission::EditOrgs, unit)
}

/// Who acts for a unit in a movement (registers its pledge, nominates): its office
/// (`EditOrgs`) or its secretary (`EditPeople`), on the unit's path.
pub fn acts_for(p: &Principal, unit: &OrgPath) -> bool {
    p.can(Permission::EditOrgs, unit) || p.can(Permission::EditPeople, unit)
}

/// Who reads a movement, its targets, its decisions and the awards' register (the public
/// register): whoever reads the launching unit or a unit below it, as for a document.
pub fn may_read_movement(p: &Principal, launcher: &OrgPath) -> bool {
    p.sees_or_leads_to(launcher) || p.system
}

/// Who reads a unit's pledge and nominations: the unit's own readers and the offices above
/// it (whoever reads the unit's path). Peers do not.
pub fn may_read_unit_record(p: &Principal, unit: &OrgPath) -> bool {
    p.system || p.scope(Permission::Read).covers(unit)
}

/// Who edits which level gives which award kind (`award_kind_levels`): the system, or an
/// administrator of a province (`ManageAccounts` on the province's root). The table is the
/// deployment's, as `award_kinds` is.
pub fn may_edit_award_levels(p: &Principal) -> bool {
    p.system
        || p.grants
            .iter()
            .any(|g| g.org_path.depth() == 1 && p.can(Permission::ManageAccounts, &g.org_path))
}

/// A new movement as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MovementDraft {
    pub title: String,
    pub content: String,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    /// Pledges are registered until this day (inclusive).
    pub pledge_by: Option<Date>,
}

/// A movement checked: title required, dates in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovementInput {
    pub title: String,
    pub content: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub pledge_by: Date,
}

impl MovementDraft {
    pub fn check(&self) -> Result<MovementInput, Invalid> {
        let mut e = Invalid::default();
        let title = self.title.trim();
        if title.is_empty() {
            e.push("title", "required");
        } else if title.chars().count() > MAX_TITLE {
            e.push("title", "too_long");
        }
        if self.content.chars().count() > MAX_TEXT {
            e.push("content", "too_long");
        }
        if self.starts_on.is_none() {
            e.push("starts_on", "required");
        }
        if self.ends_on.is_none() {
            e.push("ends_on", "required");
        }
        if let (Some(s), Some(t)) = (self.starts_on, self.ends_on)
            && t < s
        {
            e.push("ends_on", "emulation_dates_order");
        }
        let pledge_by = self.pledge_by.or(self.ends_on);
        if let (Some(p), Some(s), Some(t)) = (pledge_by, self.starts_on, self.ends_on)
            && (p < s || p > t)
        {
            e.push("pledge_by", "emulation_pledge_by");
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(MovementInput {
            title: title.to_string(),
            content: self.content.trim().to_string(),
            starts_on: self.starts_on.expect("checked"),
            ends_on: self.ends_on.expect("checked"),
            pledge_by: pledge_by.expect("checked"),
        })
    }
}

/// Whether a unit may register or change its pledge now: the movement is open, the day is
/// not past `pledge_by`, and the unit is the launcher or below it.
pub fn check_pledge_window(
    state: MovementState,
    pledge_by: Date,
    today: Date,
    launcher: &OrgPath,
    unit: &OrgPath,
) -> Result<(), Refusal> {
    if !launcher.covers(unit) {
        return Err(Refusal::invalid("org_id", "emulation_outside_movement"));
    }
    if state != MovementState::Open {
        return Err(Refusal::Conflict("emulation_closed"));
    }
    if today > pledge_by {
        return Err(Refusal::Conflict("emulation_pledge_late"));
    }
    Ok(())
}

/// A pledge's value for one of the movement's targets, checked: finite, not negative.
pub fn check_pledge_value(v: f64) -> Result<f64, Invalid> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(Invalid::one("value", "emulation_pledge_value"))
    }
}

/// Where a movement's unit stands against its pledge for one target: the value read from
/// the record (the unit's own target linked to the resolution's, or the value it reported),
/// and whether it is reached in the target's direction.
pub fn pledge_reached(pledged: f64, current: Option<f64>, increase: bool) -> bool {
    match current {
        None => false,
        Some(c) if increase => c >= pledged,
        Some(c) => c <= pledged,
    }
}

/// Nominations are made once the movement is closed, for a unit or a member within the
/// nominating unit's subtree.
pub fn check_nomination(
    state: MovementState,
    launcher: &OrgPath,
    nominator: &OrgPath,
    nominee_unit: &OrgPath,
) -> Result<(), Refusal> {
    if state != MovementState::Closed {
        return Err(Refusal::Conflict("emulation_not_closed"));
    }
    if !launcher.covers(nominator) {
        return Err(Refusal::invalid("org_id", "emulation_outside_movement"));
    }
    if !nominator.covers(nominee_unit) {
        return Err(Refusal::invalid("nominee", "emulation_nominee_outside"));
    }
    Ok(())
}

/// The council's passing rule, stored with each vote: a nomination passes when the votes
/// for it are more than `numerator / denominator` of the council's members (the default,
/// 1/2, is "more than half of all members", not of those present), and at least `quorum`
/// of members took part (the default 2/3 of members, written as a share in percent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassRule {
    pub numerator: u32,
    pub denominator: u32,
    /// Members present for the vote to count, in percent of all members.
    pub quorum_percent: u32,
}

impl Default for PassRule {
    fn default() -> PassRule {
        PassRule {
            numerator: 1,
            denominator: 2,
            quorum_percent: 67,
        }
    }
}

impl PassRule {
    pub fn check(&self) -> Result<PassRule, Invalid> {
        if self.denominator == 0 || self.numerator >= self.denominator || self.quorum_percent > 100
        {
            return Err(Invalid::one("rule", "emulation_pass_rule"));
        }
        Ok(*self)
    }
}

/// A council's vote on one nomination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    /// Members of the council (Hội đồng Thi đua – Khen thưởng).
    pub members: u32,
    pub for_votes: u32,
    pub against: u32,
    pub abstain: u32,
}

/// The outcome of a vote with its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub passed: bool,
    pub present: u32,
    /// Votes needed to pass (strictly more than the rule's share of members).
    pub needed: u32,
    /// Members needed present.
    pub quorum: u32,
}

impl Vote {
    /// Checks the counts: a council of at least one member, no more votes than members.
    pub fn check(&self) -> Result<Vote, Invalid> {
        let mut e = Invalid::default();
        if self.members == 0 {
            e.push("members", "emulation_council_members");
        }
        let cast = self.for_votes as u64 + self.against as u64 + self.abstain as u64;
        if cast > self.members as u64 {
            e.push("for_votes", "emulation_votes_exceed");
        }
        e.into_result(*self)
    }

    /// The outcome under `rule`: passes when present ≥ quorum and votes for > share of all
    /// members.
    pub fn tally(&self, rule: PassRule) -> Tally {
        let present = self.for_votes + self.against + self.abstain;
        // Smallest integer strictly greater than members × n / d.
        let needed = (self.members as u64 * rule.numerator as u64) / rule.denominator as u64 + 1;
        let quorum = (self.members as u64 * rule.quorum_percent as u64).div_ceil(100);
        Tally {
            passed: present as u64 >= quorum && self.for_votes as u64 >= needed,
            present,
            needed: needed as u32,
            quorum: quorum as u32,
        }
    }
}

/// The decision's number and symbol: a party decision (`125-QĐ/TU`) or a state one
/// (`682/QĐ-UBND`), of type Quyết định.
pub fn check_decision_number(raw: &str) -> Result<DocumentNumber, Invalid> {
    DocumentNumber::parse_for("number", DocumentType::Decision, raw)
}

/// A decision as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DecisionDraft {
    pub number: String,
    pub signed_on: Option<Date>,
    pub signer_name: String,
    pub signer_title: String,
    pub summary: String,
}

/// A decision checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionInput {
    pub number: DocumentNumber,
    pub signed_on: Date,
    pub signer_name: String,
    pub signer_title: String,
    pub summary: String,
}

impl DecisionDraft {
    pub fn check(&self) -> Result<DecisionInput, Invalid> {
        let mut e = Invalid::default();
        let number = e.take(check_decision_number(&self.number));
        if self.signed_on.is_none() {
            e.push("signed_on", "required");
        }
        if self.signer_name.trim().is_empty() {
            e.push("signer_name", "required");
        }
        if self.signer_title.trim().is_empty() {
            e.push("signer_title", "required");
        }
        if self.summary.chars().count() > MAX_TEXT {
            e.push("summary", "too_long");
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(DecisionInput {
            number: number.expect("checked"),
            signed_on: self.signed_on.expect("checked"),
            signer_name: self.signer_name.trim().to_string(),
            signer_title: self.signer_title.trim().to_string(),
            summary: self.summary.trim().to_string(),
        })
    }
}

/// A decision awards only nominations the council passed (`emulation_not_passed`), each at
/// most once, and at least one.
pub fn check_decision_nominations(states: &[NominationState]) -> Result<(), Refusal> {
    if states.is_empty() {
        return Err(Refusal::invalid("nominations", "emulation_no_nominations"));
    }
    if states.iter().any(|s| *s != NominationState::Passed) {
        return Err(Refusal::Conflict("emulation_not_passed"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn majority_of_members_not_of_those_present() {
        let rule = PassRule::default();
        // 9 members, 7 present: 5 for passes (> 4.5), 4 for does not.
        let v = Vote {
            members: 9,
            for_votes: 5,
            against: 1,
            abstain: 1,
        };
        assert!(v.tally(rule).passed);
        let v = Vote {
            members: 9,
            for_votes: 4,
            against: 0,
            abstain: 3,
        };
        let t = v.tally(rule);
        assert!(!t.passed);
        assert_eq!(t.needed, 5);
        // Even members: 10 members need 6.
        let v = Vote {
            members: 10,
            for_votes: 5,
            against: 0,
            abstain: 2,
        };
        assert!(!v.tally(rule).passed);
    }

    #[test]
    fn quorum_counts() {
        let v = Vote {
            members: 9,
            for_votes: 5,
            against: 0,
            abstain: 0,
        };
        // 5 of 9 present is under 2/3 (6 needed).
        let t = v.tally(PassRule::default());
        assert_eq!(t.quorum, 7);
        assert!(!t.passed);
        let loose = PassRule {
            quorum_percent: 50,
            ..PassRule::default()
        };
        assert!(v.tally(loose).passed);
    }

    #[test]
    fn votes_cannot_exceed_members() {
        let v = Vote {
            members: 3,
            for_votes: 3,
            against: 1,
            abstain: 0,
        };
        assert!(v.check().is_err());
        assert!(
            Vote {
                members: 0,
                for_votes: 0,
                against: 0,
                abstain: 0
            }
            .check()
            .is_err()
        );
    }

    #[test]
    fn decision_numbers() {
        assert_eq!(
            check_decision_number("125-QĐ/TU").unwrap().to_string(),
            "125-QĐ/TU"
        );
        assert!(check_decision_number("682/QĐ-UBND").is_ok());
        assert!(check_decision_number("05-NQ/TU").is_err());
        assert!(check_decision_number("abc").is_err());
    }

    #[test]
    fn movement_dates() {
        let d = MovementDraft {
            title: " Thi đua ".into(),
            content: String::new(),
            starts_on: Some(date!(2025 - 01 - 01)),
            ends_on: Some(date!(2025 - 12 - 31)),
            pledge_by: None,
        };
        let m = d.check().unwrap();
        assert_eq!(m.title, "Thi đua");
        assert_eq!(m.pledge_by, date!(2025 - 12 - 31));
        let bad = MovementDraft {
            ends_on: Some(date!(2024 - 01 - 01)),
            ..d.clone()
        };
        assert!(bad.check().is_err());
    }

    #[test]
    fn pledge_window() {
        let l = OrgPath::parse("/1/2/").unwrap();
        let u = OrgPath::parse("/1/2/3/").unwrap();
        let other = OrgPath::parse("/1/9/").unwrap();
        let by = date!(2025 - 03 - 31);
        assert!(check_pledge_window(MovementState::Open, by, by, &l, &u).is_ok());
        assert_eq!(
            check_pledge_window(MovementState::Open, by, date!(2025 - 04 - 01), &l, &u),
            Err(Refusal::Conflict("emulation_pledge_late"))
        );
        assert_eq!(
            check_pledge_window(MovementState::Closed, by, by, &l, &u),
            Err(Refusal::Conflict("emulation_closed"))
        );
        assert!(check_pledge_window(MovementState::Open, by, by, &l, &other).is_err());
    }

    fn kind(levels: Vec<OrgKind>) -> AwardKind {
        AwardKind {
            code: "bang_khen_tinh".into(),
            name_vi: "Bằng khen".into(),
            name_en: "Certificate of merit".into(),
            form: "commendation".into(),
            collective: true,
            individual: true,
            rank: 80,
            active: true,
            levels,
        }
    }

    #[test]
    fn award_kinds_by_level() {
        let k = kind(vec![OrgKind::Provincial]);
        assert!(k.check_level(OrgKind::Provincial).is_ok());
        assert_eq!(
            k.check_level(OrgKind::DirectlyAffiliated),
            Err(Invalid::one("award_kind", "award_kind_level"))
        );
        // No rows: not limited.
        assert!(kind(vec![]).check_level(OrgKind::Grassroots).is_ok());
        assert_eq!(
            check_levels(&[
                OrgKind::Grassroots,
                OrgKind::Provincial,
                OrgKind::Grassroots
            ])
            .unwrap(),
            vec![OrgKind::Provincial, OrgKind::Grassroots]
        );
        assert!(check_levels(&[OrgKind::Cell]).is_err());
    }

    proptest! {
        /// Passing is monotone in the votes for, and never passes with no more than the
        /// rule's share of members.
        #[test]
        fn tally_is_monotone(members in 1u32..60, f in 0u32..60, a in 0u32..60, n in 1u32..4) {
            let rule = PassRule { numerator: n, denominator: n + 1, quorum_percent: 0 };
            let f = f.min(members);
            let a = a.min(members - f);
            let v = Vote { members, for_votes: f, against: a, abstain: 0 };
            let t = v.tally(rule);
            prop_assert_eq!(t.passed, (f as u64) * (n as u64 + 1) > (members as u64) * (n as u64));
            if f < members && a > 0 {
                let more = Vote { for_votes: f + 1, against: a - 1, ..v };
                prop_assert!(more.tally(rule).passed || !t.passed);
            }
        }
    }
}
