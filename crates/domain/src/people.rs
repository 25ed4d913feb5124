//! Members, their positions in organizations and their audience class; the rules of
//! creating, transferring members and of their positions.

use crate::ids::OrgId;
use crate::org::{OrgKind, Unit};
use crate::refusal::Refusal;
use crate::validate::{self, Invalid};
use serde::{Deserialize, Serialize};
use time::Date;

/// A position a member holds in an organization (a committee or cell).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionRole {
    Secretary,
    DeputySecretary,
    CommitteeMember,
    Reporter,
    Inspector,
    OfficeStaff,
}

impl PositionRole {
    pub const ALL: [PositionRole; 6] = [
        PositionRole::Secretary,
        PositionRole::DeputySecretary,
        PositionRole::CommitteeMember,
        PositionRole::Reporter,
        PositionRole::Inspector,
        PositionRole::OfficeStaff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PositionRole::Secretary => "secretary",
            PositionRole::DeputySecretary => "deputy_secretary",
            PositionRole::CommitteeMember => "committee_member",
            PositionRole::Reporter => "reporter",
            PositionRole::Inspector => "inspector",
            PositionRole::OfficeStaff => "office_staff",
        }
    }

    pub fn parse(s: &str) -> Option<PositionRole> {
        PositionRole::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Holders of these positions are key cadres for study purposes.
    pub fn is_key_cadre(self) -> bool {
        matches!(
            self,
            PositionRole::Secretary | PositionRole::DeputySecretary | PositionRole::CommitteeMember
        )
    }
}

/// Who a study content is meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    KeyCadre,
    Member,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::KeyCadre => "key_cadre",
            Audience::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Audience> {
        match s {
            "key_cadre" => Some(Audience::KeyCadre),
            "member" => Some(Audience::Member),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }

    pub fn parse(s: &str) -> Option<Gender> {
        match s {
            "male" => Some(Gender::Male),
            "female" => Some(Gender::Female),
            _ => None,
        }
    }
}

/// Whether a member is still counted in their cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Active,
    /// Left the provincial organization (transferred out of province, deceased, expelled):
    /// the record stays, the member is no longer counted.
    Left,
}

impl MemberStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Active => "active",
            MemberStatus::Left => "left",
        }
    }

    pub fn parse(s: &str) -> Option<MemberStatus> {
        match s {
            "active" => Some(MemberStatus::Active),
            "left" => Some(MemberStatus::Left),
            _ => None,
        }
    }
}

// ---- Rules of members and positions --------------------------------------------------------

/// A member's full name is at most this long.
pub const MAX_NAME_CHARS: usize = 200;
/// A party card number is at most this long.
pub const MAX_CARD_CHARS: usize = 50;

/// A member's name and card number as typed, cleaned: the name required, an empty card
/// number none. Both problems are reported.
pub fn clean_member(
    full_name: &str,
    card: Option<&str>,
) -> Result<(String, Option<String>), Invalid> {
    let mut inv = Invalid::default();
    let name = inv.take(validate::name("full_name", full_name, MAX_NAME_CHARS));
    let card = match card {
        Some(c) => inv
            .take(validate::optional("card_number", c, MAX_CARD_CHARS))
            .flatten(),
        None => None,
    };
    let name = inv.into_result(name)?.expect("no error, so a name");
    Ok((name, card))
}

/// A unit members are put in (created, imported, transferred to): a cell
/// (`cell_id`, `not_a_cell`), open (`Conflict("org_closed")`).
pub fn check_member_cell(cell: &Unit) -> Result<(), Refusal> {
    if cell.kind != OrgKind::Cell {
        return Err(Refusal::invalid("cell_id", "not_a_cell"));
    }
    cell.require_active()
}

/// A member joins a cell on `since`, not before the cell's start.
pub fn check_joined(cell: &Unit, since: Date) -> Result<(), Invalid> {
    if since < cell.valid_from {
        Err(Invalid::one("since", "date_before_start"))
    } else {
        Ok(())
    }
}

/// A transfer of a member of cell `from` (their last stint starting on `last_from`) to
/// `to` on `on`: another cell (`cell_id`, `same_cell`), a member still active
/// (`Conflict("member_left")`), and a date not before their last stint nor the new cell's
/// start (`on`, `date_before_start`).
pub fn check_transfer(
    from: OrgId,
    status: MemberStatus,
    last_from: Option<Date>,
    to: &Unit,
    on: Date,
) -> Result<(), Refusal> {
    if to.id == from {
        return Err(Refusal::invalid("cell_id", "same_cell"));
    }
    if status != MemberStatus::Active {
        return Err(Refusal::Conflict("member_left"));
    }
    if last_from.is_some_and(|f| on < f) || on < to.valid_from {
        return Err(Refusal::invalid("on", "date_before_start"));
    }
    Ok(())
}

/// A position held from `from` in `org`: the unit open (`Conflict("org_closed")`), the
/// member active (`Conflict("member_left")`), not before the unit's start.
pub fn check_position_start(org: &Unit, member: MemberStatus, from: Date) -> Result<(), Refusal> {
    org.require_active()?;
    if member != MemberStatus::Active {
        return Err(Refusal::Conflict("member_left"));
    }
    if from < org.valid_from {
        return Err(Refusal::invalid("from", "date_before_start"));
    }
    Ok(())
}

/// A position that ends on `on`: not already ended (`Conflict("position_ended")`), not
/// before it began.
pub fn check_position_end(from: Date, to: Option<Date>, on: Date) -> Result<(), Refusal> {
    if to.is_some() {
        return Err(Refusal::Conflict("position_ended"));
    }
    if on < from {
        return Err(Refusal::invalid("on", "date_before_start"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::OrgPath;
    use crate::refusal::codes;
    use proptest::prelude::*;
    use time::macros::date;

    fn cell(path: &str, kind: OrgKind) -> Unit {
        let path = OrgPath::parse(path).unwrap();
        Unit {
            id: path.id(),
            parent_id: None,
            kind,
            path,
            valid_from: date!(2022 - 01 - 01),
            valid_to: None,
        }
    }

    #[test]
    fn members_go_into_open_cells_from_their_start() {
        let c = cell("/1/2/3/", OrgKind::Cell);
        assert!(check_member_cell(&c).is_ok());
        assert_eq!(
            codes(&check_member_cell(&cell("/1/2/", OrgKind::Grassroots)).unwrap_err()),
            ["not_a_cell"]
        );
        let shut = Unit {
            valid_to: Some(date!(2024 - 01 - 01)),
            ..c.clone()
        };
        assert_eq!(
            check_member_cell(&shut),
            Err(Refusal::Conflict("org_closed"))
        );
        assert!(check_joined(&c, date!(2022 - 01 - 01)).is_ok());
        assert_eq!(
            check_joined(&c, date!(2021 - 12 - 31)).unwrap_err(),
            Invalid::one("since", "date_before_start")
        );
        assert_eq!(
            clean_member(" Nguyễn  Văn An ", Some(" ")).unwrap(),
            ("Nguyễn Văn An".to_owned(), None)
        );
        let long = "9".repeat(51);
        let e = clean_member("", Some(&long)).unwrap_err();
        assert_eq!(
            e.0.iter().map(|e| e.code).collect::<Vec<_>>(),
            ["required", "too_long"]
        );
    }

    #[test]
    fn transfers_and_positions() {
        let to = cell("/1/2/4/", OrgKind::Cell);
        let on = date!(2025 - 01 - 01);
        let t = |from, status, last, on| {
            check_transfer(OrgId(from), status, last, &to, on).map_err(|e| codes(&e))
        };
        assert_eq!(
            t(3, MemberStatus::Active, Some(date!(2023 - 01 - 01)), on),
            Ok(())
        );
        assert_eq!(t(4, MemberStatus::Active, None, on), Err(vec!["same_cell"]));
        assert_eq!(t(3, MemberStatus::Left, None, on), Err(vec!["member_left"]));
        assert_eq!(
            t(3, MemberStatus::Active, Some(date!(2025 - 02 - 01)), on),
            Err(vec!["date_before_start"])
        );
        assert_eq!(
            t(3, MemberStatus::Active, None, date!(2021 - 01 - 01)),
            Err(vec!["date_before_start"])
        );
        assert!(check_position_start(&to, MemberStatus::Active, on).is_ok());
        assert_eq!(
            check_position_start(&to, MemberStatus::Left, on),
            Err(Refusal::Conflict("member_left"))
        );
        assert_eq!(
            codes(
                &check_position_start(&to, MemberStatus::Active, date!(2020 - 01 - 01))
                    .unwrap_err()
            ),
            ["date_before_start"]
        );
        assert!(check_position_end(on, None, on).is_ok());
        assert_eq!(
            check_position_end(on, Some(on), on),
            Err(Refusal::Conflict("position_ended"))
        );
        assert_eq!(
            codes(&check_position_end(on, None, date!(2024 - 12 - 31)).unwrap_err()),
            ["date_before_start"]
        );
    }

    proptest! {
        #[test]
        fn a_transfer_passes_only_forward_in_time(last in prop::option::of(0i64..100), on in 0i64..100, start in 0i64..100) {
            let base = date!(2024 - 01 - 01);
            let d = |n| base + time::Duration::days(n);
            let to = Unit { valid_from: d(start), ..cell("/1/2/4/", OrgKind::Cell) };
            let ok = check_transfer(OrgId(3), MemberStatus::Active, last.map(d), &to, d(on)).is_ok();
            prop_assert_eq!(ok, last.is_none_or(|l| on >= l) && on >= start);
        }
    }
}
