//! Members, their positions in organizations and their audience class.

use serde::{Deserialize, Serialize};

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
