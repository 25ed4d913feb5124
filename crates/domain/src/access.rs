//! Authorization: a principal holds grants, each a role on an organization that covers the
//! organization's whole subtree.
//!
//! Architecture invariant: the store takes a [`Principal`] on every read and write and
//! filters by the [`Scope`] it computes here; templates never decide what a user may see.

use crate::ids::{MemberId, OrgId, UserId};
use crate::org::{OrgPath, PathRange};
use crate::refusal::Refusal;
use serde::{Deserialize, Serialize};

/// The role a grant gives on a subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessRole {
    /// Manages everything in the subtree: accounts, restructuring, the audit log.
    Admin,
    /// Committee office staff: keeps organizations and people of the subtree.
    OfficeStaff,
    /// Secretary of a committee or cell: keeps the people of the subtree.
    Secretary,
    /// Inspection committee: reads everything in the subtree.
    Inspector,
    /// A member: reads the subtree (usually their cell).
    Member,
    /// The Fatherland Front (Mặt trận Tổ quốc) at the unit's level: reads the subtree and
    /// runs its own supervision and social criticism (`inspection::BodyKind`).
    FatherlandFront,
    /// A mass organization (đoàn thể chính trị - xã hội) at the unit's level: as the Front.
    MassOrganization,
    /// An editor of the unit's public portal (docs/PORTAL.md): writes, schedules,
    /// publishes and unpublishes the subtree's articles and moderates readers' feedback.
    /// Reads nothing else of the subtree (no `Read`): the portal's public pages are open
    /// to everyone anyway.
    Editor,
}

/// What an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    Read,
    EditPeople,
    EditOrgs,
    Restructure,
    ManageAccounts,
    ReadAudit,
    /// Write a unit's public portal: articles, feedback moderation, the public mark of
    /// a document (docs/PORTAL.md).
    EditPortal,
}

impl AccessRole {
    pub const ALL: [AccessRole; 8] = [
        AccessRole::Admin,
        AccessRole::OfficeStaff,
        AccessRole::Secretary,
        AccessRole::Inspector,
        AccessRole::Member,
        AccessRole::FatherlandFront,
        AccessRole::MassOrganization,
        AccessRole::Editor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccessRole::Admin => "admin",
            AccessRole::OfficeStaff => "office_staff",
            AccessRole::Secretary => "secretary",
            AccessRole::Inspector => "inspector",
            AccessRole::Member => "member",
            AccessRole::FatherlandFront => "fatherland_front",
            AccessRole::MassOrganization => "mass_organization",
            AccessRole::Editor => "editor",
        }
    }

    pub fn parse(s: &str) -> Option<AccessRole> {
        AccessRole::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn permits(self, p: Permission) -> bool {
        use AccessRole::*;
        use Permission::*;
        match p {
            Read => self != Editor,
            EditPortal => matches!(self, Admin | OfficeStaff | Editor),
            EditPeople => matches!(self, Admin | OfficeStaff | Secretary),
            EditOrgs => matches!(self, Admin | OfficeStaff),
            Restructure | ManageAccounts | ReadAudit => self == Admin,
        }
    }
}

/// One grant: a role on the subtree rooted at `org`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub role: AccessRole,
    pub org_id: OrgId,
    pub org_path: OrgPath,
}

/// The signed-in user as the store sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub grants: Vec<Grant>,
    /// The command line acting on the whole database (demo, import, account set-up). It
    /// passes every check; the audit log records it as "system".
    #[serde(default)]
    pub system: bool,
    /// The party member the account belongs to (`users.member_id`), if linked: a member
    /// may post progress on the tasks they answer for.
    #[serde(default)]
    pub member_id: Option<MemberId>,
}

/// A new account: a sign-in name, a display name and a password (hashed by the caller;
/// `password`, `required` when none). Every problem is reported; returns the clean names.
pub fn check_new_account(
    username: &str,
    display_name: &str,
    has_password: bool,
) -> Result<(String, String), crate::validate::Invalid> {
    let mut inv = crate::validate::Invalid::default();
    let username = inv.take(crate::validate::username(username));
    let display_name = inv.take(crate::validate::name("display_name", display_name, 200));
    if !has_password {
        inv.push("password", "required");
    }
    match (username, display_name) {
        (Some(u), Some(d)) if inv.is_empty() => Ok((u, d)),
        _ => Err(inv),
    }
}

/// Who may set an account's password: its owner (self-service), or an account manager
/// (who must also administer the account, which the caller checks when loading it).
pub fn may_set_password(p: &Principal, account: UserId) -> bool {
    (!p.system && p.user_id == account) || p.has_anywhere(Permission::ManageAccounts)
}

/// Setting a password: one given (`password`, `required`; checked first), by someone who
/// [`may_set_password`] (`Forbidden` otherwise).
pub fn check_password_change(
    p: &Principal,
    account: UserId,
    has_password: bool,
) -> Result<(), Refusal> {
    if !has_password {
        return Err(Refusal::invalid("password", "required"));
    }
    if !may_set_password(p, account) {
        return Err(Refusal::Forbidden);
    }
    Ok(())
}

/// The set of subtrees a principal may act on for one permission: disjoint path prefixes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    roots: Vec<OrgPath>,
}

impl Scope {
    /// A scope from arbitrary roots; nested roots are dropped, since the outer one covers them.
    pub fn from_roots(mut roots: Vec<OrgPath>) -> Scope {
        roots.sort();
        roots.dedup();
        let mut out: Vec<OrgPath> = Vec::with_capacity(roots.len());
        for r in roots {
            if !out.iter().any(|o| o.covers(&r)) {
                out.push(r);
            }
        }
        Scope { roots: out }
    }

    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    pub fn roots(&self) -> &[OrgPath] {
        &self.roots
    }

    pub fn ranges(&self) -> Vec<PathRange> {
        self.roots.iter().map(OrgPath::subtree).collect()
    }

    pub fn covers(&self, path: &OrgPath) -> bool {
        self.roots.iter().any(|r| r.covers(path))
    }

    /// Whether a path is an ancestor of something in scope (so its name may be shown in a
    /// breadcrumb leading to what the user may see).
    pub fn leads_to(&self, path: &OrgPath) -> bool {
        self.roots.iter().any(|r| path.covers(r))
    }
}

impl Principal {
    /// The principal of command-line operations: allowed everything.
    pub fn system() -> Principal {
        Principal {
            user_id: UserId(0),
            username: "system".into(),
            display_name: "system".into(),
            grants: Vec::new(),
            system: true,
            member_id: None,
        }
    }

    /// A visitor without an account (the public portal): no grants, so every scope is
    /// empty; only what is public is theirs to read. The audit log records them as
    /// "anonymous".
    pub fn anonymous() -> Principal {
        Principal {
            user_id: UserId(0),
            username: "anonymous".into(),
            display_name: "anonymous".into(),
            grants: Vec::new(),
            system: false,
            member_id: None,
        }
    }

    /// The scope of a permission. For the system principal the scope is everything, which
    /// callers express by checking [`Principal::system`] before they filter.
    pub fn scope(&self, p: Permission) -> Scope {
        Scope::from_roots(
            self.grants
                .iter()
                .filter(|g| g.role.permits(p))
                .map(|g| g.org_path.clone())
                .collect(),
        )
    }

    pub fn can(&self, p: Permission, path: &OrgPath) -> bool {
        self.system
            || self
                .grants
                .iter()
                .any(|g| g.role.permits(p) && g.org_path.covers(path))
    }

    /// Whether the principal holds this permission anywhere.
    pub fn has_anywhere(&self, p: Permission) -> bool {
        self.system || self.grants.iter().any(|g| g.role.permits(p))
    }

    /// Whether the principal may read at `path` or below it: what they see, and the units
    /// on the way to it (whose names a breadcrumb shows, whose documents reach them).
    pub fn sees_or_leads_to(&self, path: &OrgPath) -> bool {
        if self.system {
            return true;
        }
        let s = self.scope(Permission::Read);
        s.covers(path) || s.leads_to(path)
    }

    /// Reading at `path`: `NotFound` outside the read scope, exactly as if nothing were
    /// there.
    pub fn ensure_read(&self, path: &OrgPath) -> Result<(), Refusal> {
        if self.can(Permission::Read, path) {
            Ok(())
        } else {
            Err(Refusal::NotFound)
        }
    }

    /// A change needing `perm` on something the principal may already see: `Forbidden`
    /// without the permission at `path`.
    pub fn ensure(&self, perm: Permission, path: &OrgPath) -> Result<(), Refusal> {
        if self.can(perm, path) {
            Ok(())
        } else {
            Err(Refusal::Forbidden)
        }
    }

    /// A change needing `perm` at `path`: `NotFound` outside the read scope, `Forbidden`
    /// inside it without the permission.
    pub fn ensure_write(&self, perm: Permission, path: &OrgPath) -> Result<(), Refusal> {
        self.ensure_read(path)?;
        self.ensure(perm, path)
    }

    /// The unit a user lands on: the highest-ranking grant's organization.
    pub fn home(&self) -> Option<OrgId> {
        self.grants
            .iter()
            .min_by_key(|g| g.org_path.depth())
            .map(|g| g.org_id)
    }
}

/// Everywhere an account reaches: the organizations of its grants, of the members it is
/// linked to, and its home organization. An administrator must cover all of them to act
/// on the account ([`Principal::may_administer`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountReach {
    pub grants: Vec<OrgPath>,
    /// The cells of the members the account is linked to.
    pub member_links: Vec<OrgPath>,
    /// The organization the account was created for, if recorded.
    pub home: Option<OrgPath>,
}

impl AccountReach {
    /// Every path the account reaches.
    pub fn paths(&self) -> impl Iterator<Item = &OrgPath> {
        self.grants
            .iter()
            .chain(self.member_links.iter())
            .chain(self.home.iter())
    }
}

impl Principal {
    /// Whether this principal may administer an account (reset its password, disable or
    /// enable it, add or revoke its grants, end its sessions): only when its
    /// `ManageAccounts` scope covers every organization the account reaches — each grant,
    /// each member link and the home organization. A district's administrator who could
    /// reset a province-wide account as soon as it held one grant inside the district
    /// could sign in with the province's rights (issue 11, defect 2).
    ///
    /// An account that reaches nothing is administered only from a root organization (or
    /// by the command line): anyone could otherwise take it over and grant it rights.
    /// The store applies this rule to every account write; it is pure so that it can be
    /// tested on its own.
    pub fn may_administer(&self, account: &AccountReach) -> bool {
        if self.system {
            return true;
        }
        let scope = self.scope(Permission::ManageAccounts);
        if scope.is_empty() {
            return false;
        }
        let mut paths = account.paths().peekable();
        if paths.peek().is_none() {
            return scope.roots().iter().any(|r| r.depth() == 1);
        }
        paths.all(|p| scope.covers(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn grant(role: AccessRole, path: &str) -> Grant {
        let org_path = OrgPath::parse(path).unwrap();
        Grant {
            role,
            org_id: org_path.id(),
            org_path,
        }
    }

    #[test]
    fn scope_drops_nested_roots() {
        let s = Scope::from_roots(vec![
            OrgPath::parse("/1/2/3/").unwrap(),
            OrgPath::parse("/1/2/").unwrap(),
            OrgPath::parse("/1/20/").unwrap(),
        ]);
        assert_eq!(s.roots().len(), 2);
    }

    #[test]
    fn district_office_cannot_edit_another_district() {
        let p = Principal {
            user_id: UserId(1),
            username: "hu".into(),
            display_name: "Văn phòng Huyện ủy".into(),
            grants: vec![grant(AccessRole::OfficeStaff, "/1/2/")],
            system: false,
            member_id: None,
        };
        assert!(p.can(Permission::EditOrgs, &OrgPath::parse("/1/2/9/").unwrap()));
        assert!(!p.can(Permission::Read, &OrgPath::parse("/1/3/").unwrap()));
        assert!(!p.can(Permission::Read, &OrgPath::parse("/1/").unwrap()));
        assert!(!p.can(Permission::Restructure, &OrgPath::parse("/1/2/").unwrap()));
        assert!(p.scope(Permission::ManageAccounts).is_empty());
    }

    #[test]
    fn writes_outside_the_read_scope_are_not_found_inside_it_forbidden() {
        let p = Principal {
            user_id: UserId(1),
            username: "cb".into(),
            display_name: "Bí thư chi bộ".into(),
            grants: vec![grant(AccessRole::Secretary, "/1/2/3/")],
            system: false,
            member_id: None,
        };
        let path = |s: &str| OrgPath::parse(s).unwrap();
        let cell = path("/1/2/3/4/");
        assert_eq!(p.ensure_write(Permission::EditPeople, &cell), Ok(()));
        assert_eq!(
            p.ensure_write(Permission::EditOrgs, &cell),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            p.ensure_write(Permission::EditPeople, &path("/1/2/5/")),
            Err(Refusal::NotFound)
        );
        assert_eq!(p.ensure_read(&path("/1/2/")), Err(Refusal::NotFound));
        assert!(p.sees_or_leads_to(&path("/1/2/")));
        assert!(p.sees_or_leads_to(&cell));
        assert!(!p.sees_or_leads_to(&path("/1/2/5/")));
        let system = Principal::system();
        assert_eq!(system.ensure_write(Permission::Restructure, &cell), Ok(()));
        assert!(system.sees_or_leads_to(&path("/9/")));
    }

    #[test]
    fn new_accounts_and_passwords() {
        assert_eq!(
            check_new_account(" HU.LucNam ", " Văn phòng ", true).unwrap(),
            ("hu.lucnam".to_owned(), "Văn phòng".to_owned())
        );
        let e = check_new_account("a b", "", false).unwrap_err();
        let codes: Vec<&str> = e.0.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["bad_username", "required", "required"]);
        let me = Principal {
            user_id: UserId(5),
            username: "m".into(),
            display_name: "m".into(),
            grants: vec![grant(AccessRole::Member, "/1/2/")],
            system: false,
            member_id: None,
        };
        assert!(may_set_password(&me, UserId(5)));
        assert!(!may_set_password(&me, UserId(6)));
        assert_eq!(
            check_password_change(&me, UserId(6), true),
            Err(Refusal::Forbidden)
        );
        let admin = Principal {
            grants: vec![grant(AccessRole::Admin, "/1/")],
            ..me
        };
        assert!(may_set_password(&admin, UserId(6)));
        assert_eq!(
            check_password_change(&admin, UserId(6), false),
            Err(Refusal::invalid("password", "required"))
        );
        assert_eq!(check_password_change(&admin, UserId(6), true), Ok(()));
        assert!(may_set_password(&Principal::system(), UserId(0)));
    }

    proptest::proptest! {
        #[test]
        fn a_write_is_allowed_exactly_when_the_role_permits_it_on_a_covering_grant(
            role in proptest::sample::select(AccessRole::ALL.to_vec()),
            grant_ids in proptest::collection::vec(1i64..4, 1..4),
            target_ids in proptest::collection::vec(1i64..4, 1..5),
            perm in proptest::sample::select(vec![
                Permission::Read, Permission::EditPeople, Permission::EditOrgs,
                Permission::Restructure, Permission::ManageAccounts, Permission::ReadAudit,
                Permission::EditPortal,
            ]),
        ) {
            let mk = |ids: &[i64]| {
                let mut p = OrgPath::root(OrgId(ids[0]));
                for id in &ids[1..] { p = p.child(OrgId(*id)); }
                p
            };
            let g = mk(&grant_ids);
            let t = mk(&target_ids);
            let p = Principal {
                user_id: UserId(1),
                username: "u".into(),
                display_name: "u".into(),
                grants: vec![Grant { role, org_id: g.id(), org_path: g.clone() }],
                system: false,
                member_id: None,
            };
            let want = if !g.covers(&t) || !role.permits(Permission::Read) {
                Err(Refusal::NotFound)
            } else if !role.permits(perm) {
                Err(Refusal::Forbidden)
            } else {
                Ok(())
            };
            proptest::prop_assert_eq!(p.ensure_write(perm, &t), want);
        }
    }

    fn admin_of(paths: &[&str]) -> Principal {
        Principal {
            user_id: UserId(9),
            username: "admin".into(),
            display_name: "Admin".into(),
            grants: paths.iter().map(|p| grant(AccessRole::Admin, p)).collect(),
            system: false,
            member_id: None,
        }
    }

    fn path(s: &str) -> OrgPath {
        OrgPath::parse(s).unwrap()
    }

    #[test]
    fn a_district_admin_cannot_administer_a_province_wide_account() {
        let luc_nam = admin_of(&["/1/2/"]);
        // vanphong.tinhuy: office staff of the province, with one grant inside Lục Nam.
        let province_account = AccountReach {
            grants: vec![path("/1/"), path("/1/2/5/")],
            member_links: vec![],
            home: Some(path("/1/")),
        };
        assert!(!luc_nam.may_administer(&province_account));
        assert!(admin_of(&["/1/"]).may_administer(&province_account));
        // A member link or a home outside the district is enough to refuse.
        let linked_outside = AccountReach {
            grants: vec![path("/1/2/5/")],
            member_links: vec![path("/1/3/7/")],
            home: None,
        };
        assert!(!luc_nam.may_administer(&linked_outside));
        let home_outside = AccountReach {
            grants: vec![path("/1/2/5/")],
            member_links: vec![],
            home: Some(path("/1/")),
        };
        assert!(!luc_nam.may_administer(&home_outside));
        let inside = AccountReach {
            grants: vec![path("/1/2/5/")],
            member_links: vec![path("/1/2/5/9/")],
            home: Some(path("/1/2/")),
        };
        assert!(luc_nam.may_administer(&inside));
        // Office staff of the whole province manage no accounts.
        let mut office = admin_of(&[]);
        office.grants.push(grant(AccessRole::OfficeStaff, "/1/"));
        assert!(!office.may_administer(&inside));
        assert!(Principal::system().may_administer(&province_account));
    }

    #[test]
    fn an_account_that_reaches_nothing_is_administered_from_a_root_only() {
        let nothing = AccountReach::default();
        assert!(!admin_of(&["/1/2/"]).may_administer(&nothing));
        assert!(admin_of(&["/1/"]).may_administer(&nothing));
    }

    fn arb_path() -> impl Strategy<Value = OrgPath> {
        prop::collection::vec(1u8..4, 1..4).prop_map(|ids| {
            let s: String = ids.iter().map(|i| format!("{i}/")).collect();
            OrgPath::parse(&format!("/{s}")).unwrap()
        })
    }

    fn arb_reach() -> impl Strategy<Value = AccountReach> {
        (
            prop::collection::vec(arb_path(), 0..4),
            prop::collection::vec(arb_path(), 0..3),
            prop::option::of(arb_path()),
        )
            .prop_map(|(grants, member_links, home)| AccountReach {
                grants,
                member_links,
                home,
            })
    }

    proptest! {
        #[test]
        fn administering_means_covering_every_path(
            admin in prop::collection::vec(arb_path(), 0..3),
            reach in arb_reach(),
        ) {
            let p = Principal {
                grants: admin.iter().map(|a| grant(AccessRole::Admin, a.as_str())).collect(),
                ..admin_of(&[])
            };
            let allowed = p.may_administer(&reach);
            let covered = reach
                .paths()
                .all(|x| admin.iter().any(|a| a.covers(x)));
            if reach.paths().next().is_some() {
                prop_assert_eq!(allowed, covered);
            } else {
                prop_assert_eq!(allowed, admin.iter().any(|a| a.depth() == 1));
            }
        }

        #[test]
        fn reaching_further_never_makes_an_account_easier_to_administer(
            admin in prop::collection::vec(arb_path(), 1..3),
            reach in arb_reach(),
            extra in arb_path(),
        ) {
            let p = Principal {
                grants: admin.iter().map(|a| grant(AccessRole::Admin, a.as_str())).collect(),
                ..admin_of(&[])
            };
            let mut wider = reach.clone();
            wider.grants.push(extra);
            if p.may_administer(&wider) && reach.paths().next().is_some() {
                prop_assert!(p.may_administer(&reach));
            }
        }
    }
}
