//! Loads the Bắc Giang demo and replays the real 2025 reorganization on it through the
//! store's restructuring API; checks that nothing is orphaned and history is intact.
//! On SQLite, or on PostgreSQL with `RESOLUTE_TEST_BACKEND=postgres` (see `testdb`;
//! `scripts/test` runs both).

use domain::{MemberId, OrgId, OrgKind, Principal};
use std::collections::HashSet;
use store::Store;
use time::macros::date;

fn hash(_: &str) -> String {
    // The replay does not sign in; any string stands for a hash.
    "$argon2id$test".to_owned()
}

async fn check_replay(store: &dyn Store) {
    let p = Principal::system();
    let accounts = demo::load(store, &demo::Profile::bac_giang(), 7, &hash, &|_, _| {})
        .await
        .expect("demo loads");
    assert!(accounts.iter().any(|a| a.username == "vanphong.lucnam"));

    let old_root = store
        .org_by_code(&p, "24")
        .await
        .unwrap()
        .expect("province root");
    let members_before = old_root.subtree_member_count;
    let cells_before = old_root.subtree_cell_count;
    assert!(members_before > 50_000, "{members_before}");

    // A member to follow through the reorganization.
    let lucnam = store.org_by_code(&p, "218").await.unwrap().unwrap();
    let commune = store
        .org_children(&p, lucnam.id, false)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.kind == OrgKind::Grassroots)
        .unwrap();
    let cell = store
        .org_children(&p, commune.id, false)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.kind == OrgKind::Cell)
        .unwrap();
    let followed: MemberId = store.cell_members(&p, cell.id).await.unwrap()[0].id;
    let history_before = store.member_get(&p, followed).await.unwrap().history;

    // Lục Nam's and Tân Yên's programs serve the resolution's targets with their own: the
    // rates roll up to the province's targets, weighted by members.
    let docs = store
        .documents(
            &p,
            old_root.id,
            store::Page {
                offset: 0,
                limit: 50,
            },
        )
        .await
        .unwrap();
    let resolution = docs
        .iter()
        .find(|d| d.symbol == demo::resolution::NUMBER)
        .expect("the demo resolution");
    let targets = store.document_targets(&p, resolution.id).await.unwrap();
    let rolled = &targets[1];
    assert_eq!(rolled.contributors, 2, "{rolled:?}");
    let v = rolled.current_value.expect("a rolled-up value");
    assert!(
        v > 88.0 && v < 95.0,
        "between Tân Yên's 88 and Lục Nam's 95: {v}"
    );
    let b = store.target_breakdown(&p, rolled.id).await.unwrap();
    assert!(
        b.contributions
            .iter()
            .any(|c| c.org_name.contains("Lục Nam"))
    );

    let report = demo::replay_2025(store, &p, "24", date!(2025 - 07 - 01))
        .await
        .expect("replay");
    // The reorganization kept the roll-ups true (kept on write through every merge).
    let recount = store.recount_targets(&p).await.unwrap();
    assert_eq!(recount.changed, 0, "{recount:?}");
    assert_eq!(report.old_communes, 192);
    assert_eq!(report.new_communes, 58, "{report:?}");
    assert_eq!(report.closed_district_level, 10);
    assert!(report.unmatched.is_empty(), "{:?}", report.unmatched);

    let new_root = store.org_get(&p, report.new_root.unwrap()).await.unwrap();
    assert_eq!(new_root.name, "Đảng bộ tỉnh Bắc Ninh");
    assert_eq!(
        new_root.subtree_member_count, members_before,
        "no member lost"
    );
    assert_eq!(new_root.subtree_cell_count, cells_before, "no cell lost");
    let old_root = store.org_get(&p, old_root.id).await.unwrap();
    assert_eq!(old_root.valid_to, Some(date!(2025 - 07 - 01)));
    let links = store.org_links(&p, old_root.id).await.unwrap();
    assert_eq!(
        links.successors.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![new_root.id]
    );

    // Walk the active tree: every active unit is reachable from the new root, no active
    // unit hangs under a closed one, and every cell's members are there.
    let mut stack = vec![new_root.clone()];
    let mut seen: HashSet<OrgId> = HashSet::new();
    let mut members = 0;
    let mut communes = 0;
    while let Some(o) = stack.pop() {
        assert!(o.is_active(), "{} is closed but reachable", o.name);
        assert!(seen.insert(o.id));
        if o.kind == OrgKind::Grassroots
            && o.code.as_deref().is_some_and(|c| c.starts_with("2025-"))
        {
            communes += 1;
        }
        if o.kind == OrgKind::Cell {
            let m = store.cell_members(&p, o.id).await.unwrap();
            assert_eq!(m.len() as i64, o.member_count);
            members += m.len() as i64;
        }
        for c in store.org_children(&p, o.id, false).await.unwrap() {
            assert_eq!(c.parent_id, Some(o.id));
            assert_eq!(c.path, o.path.child(c.id));
            stack.push(c);
        }
    }
    assert_eq!(members, members_before);
    assert_eq!(communes, 58);
    assert_eq!(
        store
            .org_children(&p, lucnam.id, false)
            .await
            .unwrap()
            .len(),
        0
    );

    // The followed member keeps their cell and history; the old commune's records are
    // reachable from its successor through the lineage.
    let after = store.member_get(&p, followed).await.unwrap();
    assert_eq!(after.member.cell_id, cell.id);
    assert_eq!(after.history.len(), history_before.len());
    let moved_cell = store.org_get(&p, cell.id).await.unwrap();
    assert!(moved_cell.is_active());
    let new_commune = store
        .org_get(&p, moved_cell.parent_id.unwrap())
        .await
        .unwrap();
    assert!(new_commune.code.as_deref().unwrap().starts_with("2025-"));
    let lineage = store.org_lineage(&p, new_commune.id).await.unwrap();
    assert!(
        lineage.contains(&commune.id),
        "lineage of {} lacks {}",
        new_commune.name,
        commune.name
    );

    // Counters kept on write equal a full recount.
    store.recount(&p).await.unwrap();
    let recounted = store.org_get(&p, new_root.id).await.unwrap();
    assert_eq!(recounted, new_root);
}

#[tokio::test]
async fn replay_2025() {
    let db = testdb::fresh_store().await;
    check_replay(db.store.as_ref()).await;
}
