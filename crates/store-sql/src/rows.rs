//! Column lists and row decoding.

use crate::dialect::DbRow;
use crate::sql::util::{DbResult, bad_data};
use domain::{
    AccessRole, Audience, Gender, MemberId, MemberStatus, OrgId, OrgKind, OrgPath, PositionRole,
    UserId,
};
use sqlx::Row;
use store::{GrantRow, Member, Org, Position, Result, User};

pub(crate) const ORG_COLS: &str = "id, parent_id, path, kind, code, name, valid_from, valid_to, \
     member_count, subtree_member_count, subtree_cell_count, child_count";

pub(crate) const MEMBER_COLS: &str = "m.id, m.cell_id, m.cell_path, m.full_name, m.gender, \
     m.birth_date, m.joined_on, m.audience, m.status, m.card_number";

pub(crate) const USER_COLS: &str = "u.id, u.username, u.display_name, u.member_id, u.disabled, \
     u.created_at";

pub(crate) const POSITION_COLS: &str =
    "ps.id, ps.member_id, ps.org_id, o.name AS org_name, ps.role, ps.from_date, ps.to_date";

pub(crate) const GRANT_COLS: &str =
    "g.id, g.user_id, g.role, g.org_id, o.name AS org_name, o.path AS org_path";

pub(crate) fn path(s: String) -> Result<OrgPath> {
    OrgPath::parse(&s).ok_or_else(|| bad_data("path", &s))
}

pub(crate) fn org(r: &DbRow) -> Result<Org> {
    let kind: String = r.try_get("kind").db()?;
    Ok(Org {
        id: OrgId(r.try_get("id").db()?),
        parent_id: r.try_get::<Option<i64>, _>("parent_id").db()?.map(OrgId),
        path: path(r.try_get("path").db()?)?,
        kind: OrgKind::parse(&kind).ok_or_else(|| bad_data("kind", &kind))?,
        code: r.try_get("code").db()?,
        name: r.try_get("name").db()?,
        valid_from: r.try_get("valid_from").db()?,
        valid_to: r.try_get("valid_to").db()?,
        member_count: r.try_get("member_count").db()?,
        subtree_member_count: r.try_get("subtree_member_count").db()?,
        subtree_cell_count: r.try_get("subtree_cell_count").db()?,
        child_count: r.try_get("child_count").db()?,
    })
}

pub(crate) fn orgs(rows: Vec<DbRow>) -> Result<Vec<Org>> {
    rows.iter().map(org).collect()
}

pub(crate) fn member(r: &DbRow) -> Result<Member> {
    let gender: Option<String> = r.try_get("gender").db()?;
    let audience: String = r.try_get("audience").db()?;
    let status: String = r.try_get("status").db()?;
    Ok(Member {
        id: MemberId(r.try_get("id").db()?),
        cell_id: OrgId(r.try_get("cell_id").db()?),
        cell_path: path(r.try_get("cell_path").db()?)?,
        full_name: r.try_get("full_name").db()?,
        gender: match gender {
            None => None,
            Some(g) => Some(Gender::parse(&g).ok_or_else(|| bad_data("gender", &g))?),
        },
        birth_date: r.try_get("birth_date").db()?,
        joined_on: r.try_get("joined_on").db()?,
        audience: Audience::parse(&audience).ok_or_else(|| bad_data("audience", &audience))?,
        status: MemberStatus::parse(&status).ok_or_else(|| bad_data("status", &status))?,
        card_number: r.try_get("card_number").db()?,
    })
}

pub(crate) fn user(r: &DbRow) -> Result<User> {
    Ok(User {
        id: UserId(r.try_get("id").db()?),
        username: r.try_get("username").db()?,
        display_name: r.try_get("display_name").db()?,
        member_id: r.try_get::<Option<i64>, _>("member_id").db()?.map(MemberId),
        disabled: r.try_get("disabled").db()?,
        created_at: r.try_get("created_at").db()?,
    })
}

pub(crate) fn position(r: &DbRow) -> Result<Position> {
    let role: String = r.try_get("role").db()?;
    Ok(Position {
        id: r.try_get("id").db()?,
        member_id: MemberId(r.try_get("member_id").db()?),
        org_id: OrgId(r.try_get("org_id").db()?),
        org_name: r.try_get("org_name").db()?,
        role: PositionRole::parse(&role).ok_or_else(|| bad_data("role", &role))?,
        from: r.try_get("from_date").db()?,
        to: r.try_get("to_date").db()?,
    })
}

pub(crate) fn grant(r: &DbRow) -> Result<GrantRow> {
    let role: String = r.try_get("role").db()?;
    Ok(GrantRow {
        id: r.try_get("id").db()?,
        user_id: UserId(r.try_get("user_id").db()?),
        role: AccessRole::parse(&role).ok_or_else(|| bad_data("role", &role))?,
        org_id: OrgId(r.try_get("org_id").db()?),
        org_name: r.try_get("org_name").db()?,
        org_path: path(r.try_get("org_path").db()?)?,
    })
}

pub(crate) fn json(v: Option<crate::dialect::JsonCol>) -> Result<Option<serde_json::Value>> {
    v.map(crate::dialect::json_value).transpose()
}
