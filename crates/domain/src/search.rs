//! What full-text search indexes and who may find it (docs/SEARCH.md).
//!
//! A [`Record`] is one searchable thing (a document, a program, a task, a report, a
//! member, …) as the store loads it for the index: its kind and id, the unit it belongs
//! to, who may see it ([`Reach`]), its texts and its date. [`may_find`] is the one rule
//! the index's filters express and every hit is checked against again: it answers exactly
//! what the store's own read checks answer for the record's kind.
//!
//! Adding a kind: a variant of [`Kind`] (its name and the audit entities that change it,
//! in [`Kind::ALL`] and the three `match`es), a loader in `store-sql/src/search.rs`, a
//! link in `web::search::href` and the locale key `search.kind.<name>`.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::access::{Permission, Principal};
use crate::ids::MemberId;
use crate::org::OrgPath;

/// The kinds of records search finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A registered resolution, directive, plan, … (`documents`).
    Document,
    /// A unit's action program or plan (`programs` with its sections).
    Program,
    /// A task of a program (`tasks`).
    Task,
    /// A report or review (sơ kết, tổng kết) of a unit (`reports`).
    Report,
    /// A party member, by name (`members`).
    Member,
    /// A news article of a unit's public portal (`portal_articles`): public once
    /// published, else its unit's portal editors only.
    Article,
    /// A comment on a consultation's draft (`consultation_comments`): as the
    /// consultation's rules show it, never with the commenter's contact.
    Comment,
}

impl Kind {
    /// Every kind, in the order the facets list them.
    pub const ALL: [Kind; 7] = [
        Kind::Document,
        Kind::Program,
        Kind::Task,
        Kind::Report,
        Kind::Member,
        Kind::Article,
        Kind::Comment,
    ];

    /// The stored name (index terms, URLs, JSON, locale keys `search.kind.<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Document => "document",
            Kind::Program => "program",
            Kind::Task => "task",
            Kind::Report => "report",
            Kind::Member => "member",
            Kind::Article => "article",
            Kind::Comment => "comment",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// How a record of this kind is reached by readers. Per kind today; a kind whose
    /// records differ (an article that is public once published) sets [`Record::reach`]
    /// per record in its loader, and this is only the default.
    pub fn reach(self) -> Reach {
        match self {
            // `document::may_read`: the issuer's subtree and the units below it.
            Kind::Document => Reach::UnitOrAbove,
            Kind::Program | Kind::Task | Kind::Report | Kind::Member | Kind::Comment => Reach::Unit,
            // Until published (`Record::public_from`).
            Kind::Article => Reach::Editors,
        }
    }
}

/// Who may find a record, besides the system principal (everything).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// Whoever may read the record's unit (a grant covering it), and the member who
    /// answers for it (tasks): `Principal::ensure_read`, `progress::may_see_task`.
    Unit,
    /// As [`Reach::Unit`], and whoever reads a unit below it (a document reaches the
    /// units that implement it): `document::may_read`.
    UnitOrAbove,
    /// Anyone, also a visitor without an account (published articles, moderated public
    /// comments of a consultation open to the public).
    Public,
    /// The unit's office only (`Permission::EditOrgs` on it): a consultation's comments
    /// waiting for moderation or rejected (`consultation::Viewer::Office`).
    Office,
    /// The unit's portal editors only (`Permission::EditPortal` on it): an article's
    /// draft, a scheduled or an unpublished article.
    Editors,
}

impl Reach {
    pub fn as_str(self) -> &'static str {
        match self {
            Reach::Unit => "unit",
            Reach::UnitOrAbove => "unit_or_above",
            Reach::Public => "public",
            Reach::Office => "office",
            Reach::Editors => "editors",
        }
    }

    pub const ALL: [Reach; 5] = [
        Reach::Unit,
        Reach::UnitOrAbove,
        Reach::Public,
        Reach::Office,
        Reach::Editors,
    ];

    pub fn parse(s: &str) -> Option<Reach> {
        Reach::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// One searchable record, as loaded for the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub kind: Kind,
    /// The id in the kind's table.
    pub id: i64,
    /// The unit the record belongs to (issuer, owner, cell).
    pub org_path: OrgPath,
    pub reach: Reach,
    /// The member who answers for it (a task's responsible member), who may find it
    /// without a grant on its unit.
    pub responsible: Option<MemberId>,
    /// The heading shown and matched first (a document's number and title, a task's
    /// content, a member's name).
    pub title: String,
    /// The text matched and from which passages are shown.
    pub body: String,
    /// The date that places it in time (issued, created, period end); its year is the
    /// year facet.
    pub date: Option<Date>,
    /// The audit entity and id of the whole the record belongs to when a change of that
    /// whole replaces its parts (a program's tasks are saved together, with new ids):
    /// `"program:12"`. The index drops the group before loading it again.
    pub group: Option<String>,
    /// From when the record is public whatever its [`Record::reach`]: a published
    /// article's `publish_at` (a scheduled article turns public with no write at all).
    pub public_from: Option<OffsetDateTime>,
    /// The record a link to this one goes through (a comment's consultation).
    pub parent: Option<i64>,
}

impl Record {
    /// Whether anyone finds it at `now`.
    pub fn is_public_at(&self, now: OffsetDateTime) -> bool {
        is_public(self.reach, self.public_from, now)
    }
}

/// Whether a record of `reach`, public from `public_from`, is public at `now`.
pub fn is_public(reach: Reach, public_from: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    reach == Reach::Public || public_from.is_some_and(|t| t <= now)
}

/// Whether `who` may find a record (`None`: a visitor without an account). The same
/// answer as the store's read check of the record's kind; the index's filter expresses
/// it as terms and each hit is checked again with this function.
pub fn may_find(
    who: Option<&Principal>,
    path: &OrgPath,
    reach: Reach,
    responsible: Option<MemberId>,
) -> bool {
    if reach == Reach::Public {
        return true;
    }
    let Some(p) = who else {
        return false;
    };
    if p.system || crate::progress::is_responsible(p, responsible) {
        return true;
    }
    match reach {
        Reach::Unit => p.can(Permission::Read, path),
        Reach::UnitOrAbove => crate::document::may_read(p, path, None),
        Reach::Public => true,
        Reach::Office => p.can(Permission::EditOrgs, path),
        Reach::Editors => p.can(Permission::EditPortal, path),
    }
}

/// The terms a search filters by for `who`: records whose unit lies in one of `covers`
/// (a read scope's roots) except those of the office or the editors only, records of
/// [`Reach::Office`] in one of `offices`, of [`Reach::Editors`] in one of `editors`,
/// records reaching up ([`Reach::UnitOrAbove`]) whose unit is one
/// of `above` (a strict ancestor of a root), records `who` answers for, and public ones.
/// `None` for the system principal: no filter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Visibility {
    pub covers: Vec<OrgPath>,
    /// The roots of the `EditOrgs` scope.
    pub offices: Vec<OrgPath>,
    /// The roots of the `EditPortal` scope.
    pub editors: Vec<OrgPath>,
    pub above: Vec<crate::ids::OrgId>,
    pub responsible: Option<MemberId>,
}

impl Visibility {
    pub fn of(who: Option<&Principal>) -> Option<Visibility> {
        let Some(p) = who else {
            return Some(Visibility::default());
        };
        if p.system {
            return None;
        }
        let scope = p.scope(Permission::Read);
        let covers = scope.roots().to_vec();
        let mut above: Vec<_> = covers
            .iter()
            .flat_map(|r| {
                let ids = r.ids();
                ids[..ids.len().saturating_sub(1)].to_vec()
            })
            .collect();
        above.sort();
        above.dedup();
        Some(Visibility {
            covers,
            offices: p.scope(Permission::EditOrgs).roots().to_vec(),
            editors: p.scope(Permission::EditPortal).roots().to_vec(),
            above,
            responsible: p.member_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AccessRole, Grant, OrgId, UserId};

    fn path(ids: &[i64]) -> OrgPath {
        let mut p = OrgPath::root(OrgId(ids[0]));
        for id in &ids[1..] {
            p = p.child(OrgId(*id));
        }
        p
    }

    fn reader(grant: &[i64], member: Option<i64>) -> Principal {
        let g = path(grant);
        Principal {
            user_id: UserId(1),
            username: "m".into(),
            display_name: "m".into(),
            grants: vec![Grant {
                role: AccessRole::Member,
                org_id: g.id(),
                org_path: g,
            }],
            system: false,
            member_id: member.map(MemberId),
        }
    }

    #[test]
    fn kinds_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        for r in Reach::ALL {
            assert_eq!(Reach::parse(r.as_str()), Some(r));
        }
        assert_eq!(Kind::parse("x"), None);
    }

    #[test]
    fn finding_follows_the_read_rules() {
        let commune = reader(&[1, 2, 3], Some(77));
        let p = Some(&commune);
        // Its own subtree, whatever the reach.
        assert!(may_find(p, &path(&[1, 2, 3, 4]), Reach::Unit, None));
        // A district's task is not the commune's; its document is (it reaches down).
        assert!(!may_find(p, &path(&[1, 2]), Reach::Unit, None));
        assert!(may_find(p, &path(&[1, 2]), Reach::UnitOrAbove, None));
        assert!(!may_find(p, &path(&[1, 2, 5]), Reach::UnitOrAbove, None));
        // A task elsewhere that the member answers for.
        assert!(may_find(p, &path(&[1, 9]), Reach::Unit, Some(MemberId(77))));
        assert!(!may_find(
            p,
            &path(&[1, 9]),
            Reach::Unit,
            Some(MemberId(78))
        ));
        // Public records: everyone, visitors too; nothing else for a visitor.
        assert!(may_find(None, &path(&[1, 9]), Reach::Public, None));
        assert!(!may_find(None, &path(&[1]), Reach::UnitOrAbove, None));
        assert!(may_find(
            Some(&Principal::system()),
            &path(&[5]),
            Reach::Unit,
            None
        ));
        // The same answers as the store's rules.
        assert_eq!(
            may_find(p, &path(&[1, 2]), Reach::UnitOrAbove, None),
            crate::document::may_read(&commune, &path(&[1, 2]), None)
        );
        assert_eq!(
            may_find(p, &path(&[1, 9]), Reach::Unit, Some(MemberId(77))),
            crate::progress::may_see_task(&commune, &path(&[1, 9]), Some(MemberId(77)))
        );
    }

    fn with_role(role: AccessRole, grant: &[i64]) -> Principal {
        let mut p = reader(grant, None);
        p.grants[0].role = role;
        p
    }

    #[test]
    fn drafts_and_held_comments_reach_the_editors_and_the_office_only() {
        let unit = path(&[1, 2]);
        let editor = with_role(AccessRole::Editor, &[1, 2]);
        let office = with_role(AccessRole::OfficeStaff, &[1, 2]);
        let secretary = with_role(AccessRole::Secretary, &[1, 2]);
        let other_editor = with_role(AccessRole::Editor, &[1, 3]);
        // An article's draft: its unit's editors and office (who edit the portal).
        assert!(may_find(Some(&editor), &unit, Reach::Editors, None));
        assert!(may_find(Some(&office), &unit, Reach::Editors, None));
        assert!(!may_find(Some(&secretary), &unit, Reach::Editors, None));
        assert!(!may_find(Some(&other_editor), &unit, Reach::Editors, None));
        assert!(!may_find(None, &unit, Reach::Editors, None));
        // A comment waiting for moderation: the office only.
        assert!(may_find(Some(&office), &unit, Reach::Office, None));
        assert!(!may_find(Some(&secretary), &unit, Reach::Office, None));
        assert!(!may_find(Some(&editor), &unit, Reach::Office, None));
        // An editor reads nothing else of the unit.
        assert!(!may_find(Some(&editor), &unit, Reach::Unit, None));
        let v = Visibility::of(Some(&editor)).unwrap();
        assert!(v.covers.is_empty());
        assert_eq!(v.editors, vec![unit.clone()]);
        assert!(v.offices.is_empty());
        // A scheduled article turns public at its time.
        let at = time::macros::datetime!(2026-05-01 08:00 UTC);
        assert!(!is_public(
            Reach::Editors,
            Some(at),
            at - time::Duration::SECOND
        ));
        assert!(is_public(Reach::Editors, Some(at), at));
        assert!(!is_public(Reach::Editors, None, at));
    }

    #[test]
    fn visibility_terms() {
        let v = Visibility::of(Some(&reader(&[1, 2, 3], Some(5)))).unwrap();
        assert_eq!(v.covers, vec![path(&[1, 2, 3])]);
        assert_eq!(v.above, vec![OrgId(1), OrgId(2)]);
        assert_eq!(v.responsible, Some(MemberId(5)));
        assert_eq!(Visibility::of(None), Some(Visibility::default()));
        assert_eq!(Visibility::of(Some(&Principal::system())), None);
    }
}
