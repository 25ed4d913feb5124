//! Party members: their cells, transfers between cells, and the positions they hold.

use crate::{Page, Result};
use async_trait::async_trait;
use domain::{Audience, Gender, MemberId, MemberStatus, OrgId, OrgPath, PositionRole, Principal};
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub id: MemberId,
    pub cell_id: OrgId,
    pub cell_path: OrgPath,
    pub full_name: String,
    pub gender: Option<Gender>,
    pub birth_date: Option<Date>,
    pub joined_on: Option<Date>,
    pub audience: Audience,
    pub status: MemberStatus,
    /// Party card number, unique when set.
    pub card_number: Option<String>,
}

/// A member in a list that spans cells: with their cell's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberHit {
    pub member: Member,
    pub cell_name: String,
}

/// A time a member spent in a cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellStint {
    pub cell_id: OrgId,
    pub cell_name: String,
    pub from: Date,
    pub to: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Position {
    pub id: i64,
    pub member_id: MemberId,
    pub org_id: OrgId,
    pub org_name: String,
    pub role: PositionRole,
    pub from: Date,
    pub to: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberDetail {
    pub member: Member,
    pub cell_name: String,
    pub positions: Vec<Position>,
    pub history: Vec<CellStint>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewMember {
    pub cell_id: OrgId,
    pub full_name: String,
    pub gender: Option<Gender>,
    pub birth_date: Option<Date>,
    pub joined_on: Option<Date>,
    pub audience: Audience,
    pub card_number: Option<String>,
    /// The date the member joins the cell (defaults to today at the edge).
    pub since: Date,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MemberEdit {
    pub full_name: String,
    pub gender: Option<Gender>,
    pub birth_date: Option<Date>,
    pub joined_on: Option<Date>,
    pub audience: Audience,
    pub card_number: Option<String>,
    pub status: MemberStatus,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewPosition {
    pub member_id: MemberId,
    pub org_id: OrgId,
    pub role: PositionRole,
    pub from: Date,
}

/// Reading and keeping the members of the cells.
#[async_trait]
pub trait MemberStore: Send + Sync + 'static {
    async fn member_get(&self, p: &Principal, id: MemberId) -> Result<MemberDetail>;

    /// Active members of a cell, by name.
    async fn cell_members(&self, p: &Principal, cell: OrgId) -> Result<Vec<Member>>;

    /// The current positions (no end date) held by the cell's active members, in any unit,
    /// ordered by member then start date: what the cell's page shows beside each name.
    async fn cell_positions(&self, p: &Principal, cell: OrgId) -> Result<Vec<Position>>;

    /// Active members anywhere under a unit, by name, one page at a time.
    async fn subtree_members(
        &self,
        p: &Principal,
        org: OrgId,
        page: Page,
    ) -> Result<Vec<MemberHit>>;

    /// Active members whose name matches the folded query, in scope.
    async fn member_search(&self, p: &Principal, query: &str, limit: u32)
    -> Result<Vec<MemberHit>>;

    /// The active member holding a party card number (spaces and dots ignored), in scope.
    async fn member_by_card(&self, p: &Principal, card: &str) -> Result<Option<MemberHit>>;

    async fn member_create(&self, p: &Principal, new: NewMember) -> Result<Member>;

    /// Creates many members in one transaction: all or nothing. Returns how many.
    async fn member_import(&self, p: &Principal, new: Vec<NewMember>) -> Result<u64>;

    async fn member_update(&self, p: &Principal, id: MemberId, edit: MemberEdit) -> Result<Member>;

    /// Moves a member to another cell on a date; the old stint is kept.
    async fn member_transfer(
        &self,
        p: &Principal,
        id: MemberId,
        to_cell: OrgId,
        on: Date,
    ) -> Result<Member>;

    async fn position_add(&self, p: &Principal, new: NewPosition) -> Result<Position>;

    async fn position_end(&self, p: &Principal, id: i64, on: Date) -> Result<Position>;
}
