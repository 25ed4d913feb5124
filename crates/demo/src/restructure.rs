//! Replaying the 2025 reorganization of Vietnam's administrative units on a loaded
//! provincial tree: communes merged (and some split) into new communes, the district level
//! removed, and the province merged into its 2025 successor. Everything goes through the
//! store's restructuring API, so the replay exercises exactly what an administrator does.

use crate::units::{self, Unit, lower_type_word};
use domain::{OrgId, OrgKind, Principal};
use std::collections::{BTreeMap, HashMap};
use store::{Merge, MergeTarget, NewOrg, Org, Split, SplitPart, Store, StoreError};
use time::Date;

/// What a replay did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayReport {
    pub new_root: Option<OrgId>,
    pub old_communes: usize,
    pub new_communes: usize,
    pub splits: usize,
    pub closed_district_level: usize,
    /// Old commune codes that had no row in the reorganization data (left under the root).
    pub unmatched: Vec<String>,
}

/// The code a 2025 unit gets in the tree: the 2025 code space is separate from the old one.
pub fn code_2025(code: &str) -> String {
    format!("2025-{code}")
}

/// Replays the 2025 reorganization on the province whose pre-2025 code is
/// `province_code`, effective `on`.
pub async fn replay_2025(
    store: &dyn Store,
    p: &Principal,
    province_code: &str,
    on: Date,
) -> store::Result<ReplayReport> {
    let old_units = units::pre_2025();
    let new_units = units::from_2025();
    let new_by_code: HashMap<&str, &Unit> =
        new_units.iter().map(|u| (u.code.as_str(), u)).collect();
    let edges = units::restructuring_2025();

    let root = store
        .org_by_code(p, province_code)
        .await?
        .ok_or(StoreError::NotFound)?;
    let districts: Vec<&Unit> = old_units
        .iter()
        .filter(|u| u.parent_code.as_deref() == Some(province_code))
        .collect();
    let old_communes: Vec<&Unit> = old_units
        .iter()
        .filter(|u| {
            u.level == 3
                && districts
                    .iter()
                    .any(|d| u.parent_code.as_deref() == Some(d.code.as_str()))
        })
        .collect();

    // old commune code -> new commune codes
    let mut targets: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in &edges {
        if old_communes.iter().any(|c| c.code == e.old_code) {
            let t = targets.entry(e.old_code.as_str()).or_default();
            if !t.contains(&e.new_code.as_str()) {
                t.push(e.new_code.as_str());
            }
        }
    }
    let mut report = ReplayReport {
        old_communes: old_communes.len(),
        ..ReplayReport::default()
    };

    // The 2025 province: the parent of the new communes.
    let new_province = targets
        .values()
        .flatten()
        .filter_map(|c| new_by_code.get(c))
        .filter_map(|u| u.parent_code.as_deref())
        .next()
        .and_then(|c| new_by_code.get(c))
        .ok_or(StoreError::NotFound)?;
    let new_root = store
        .org_merge(
            p,
            Merge {
                sources: vec![root.id],
                target: MergeTarget::New(NewOrg {
                    parent_id: None,
                    kind: OrgKind::Provincial,
                    name: format!("Đảng bộ {}", lower_type_word(new_province)),
                    code: Some(code_2025(&new_province.code)),
                    valid_from: on,
                }),
                on,
            },
        )
        .await?;
    report.new_root = Some(new_root.id);

    // Old commune organizations by code.
    let mut old_orgs: HashMap<&str, Org> = HashMap::new();
    for c in &old_communes {
        match store.org_by_code(p, &c.code).await? {
            Some(o) if o.is_active() => {
                old_orgs.insert(c.code.as_str(), o);
            }
            _ => report.unmatched.push(c.code.clone()),
        }
    }

    // Sources of each new commune: whole old communes, or the part of a split one.
    let mut sources: BTreeMap<&str, Vec<OrgId>> = BTreeMap::new();
    for (old, news) in &targets {
        let Some(org) = old_orgs.get(old) else {
            continue;
        };
        if news.len() == 1 {
            sources.entry(news[0]).or_default().push(org.id);
            continue;
        }
        // Split: the cells go round-robin to the parts.
        let children = store.org_children(p, org.id, false).await?;
        let mut parts: Vec<SplitPart> = news
            .iter()
            .map(|n| SplitPart {
                new: NewOrg {
                    parent_id: org.parent_id,
                    kind: OrgKind::Grassroots,
                    name: format!(
                        "{} (phần chuyển về {})",
                        org.name,
                        new_by_code
                            .get(n)
                            .map(|u| lower_type_word(u))
                            .unwrap_or_default()
                    ),
                    code: None,
                    valid_from: on,
                },
                children: Vec::new(),
                members: Vec::new(),
            })
            .collect();
        for (i, c) in children.iter().enumerate() {
            parts[i % news.len()].children.push(c.id);
        }
        let made = store
            .org_split(
                p,
                Split {
                    source: org.id,
                    parts,
                    on,
                },
            )
            .await?;
        report.splits += 1;
        for (n, part) in news.iter().zip(made) {
            sources.entry(n).or_default().push(part.id);
        }
    }
    for c in &old_communes {
        if !targets.contains_key(c.code.as_str()) && !report.unmatched.contains(&c.code) {
            report.unmatched.push(c.code.clone());
        }
    }

    for (new_code, srcs) in &sources {
        let Some(unit) = new_by_code.get(new_code) else {
            continue;
        };
        store
            .org_merge(
                p,
                Merge {
                    sources: srcs.clone(),
                    target: MergeTarget::New(NewOrg {
                        parent_id: Some(new_root.id),
                        kind: OrgKind::Grassroots,
                        name: format!("Đảng bộ {}", lower_type_word(unit)),
                        code: Some(code_2025(new_code)),
                        valid_from: on,
                    }),
                    on,
                },
            )
            .await?;
        report.new_communes += 1;
    }

    // The district level is gone: close its implementing bodies, then the districts.
    for d in &districts {
        let Some(org) = store.org_by_code(p, &d.code).await? else {
            continue;
        };
        if !org.is_active() {
            continue;
        }
        for child in store.org_children(p, org.id, false).await? {
            if matches!(child.kind, OrgKind::StateBody | OrgKind::MassOrganization) {
                store.org_close(p, child.id, on, Some(new_root.id)).await?;
            } else {
                // A unit the data did not reorganize stays, directly under the province.
                store.org_move(p, child.id, new_root.id, on).await?;
            }
        }
        store.org_close(p, org.id, on, Some(new_root.id)).await?;
        report.closed_district_level += 1;
    }
    Ok(report)
}
