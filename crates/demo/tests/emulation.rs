//! The demo's emulation and commendation (issue 17 items 4-5): the province's movement
//! under 05-NQ/TU with its pledges, Decision 125-QĐ/TU awarding five party organizations
//! the certificate of merit, and two advanced models found in the closed quarters.

use domain::Principal;
use domain::emulation::NominationState;
use store::Store;

fn hash(_: &str) -> String {
    "$argon2id$test".to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_a_movement_five_awards_and_two_models() {
    let db = testdb::fresh_store().await;
    let store: &dyn Store = db.store.as_ref();
    let p = Principal::system();
    demo::load(store, &demo::Profile::bac_giang(), 7, &hash, &|_, _| {})
        .await
        .expect("demo loads");
    let root = store.org_roots(&p).await.unwrap().remove(0);
    let movements = store.movements(&p, root.id).await.unwrap();
    let m = movements
        .iter()
        .find(|m| m.org_id == root.id)
        .expect("the province's movement");
    assert_eq!(m.document_symbol, "05-NQ/TU");
    let v = store.movement(&p, m.id).await.unwrap();
    assert!(v.pledges.len() >= 5, "{}", v.pledges.len());
    assert!(
        v.pledges
            .iter()
            .any(|pl| pl.lines.iter().any(|l| l.current.is_some()))
    );
    assert_eq!(v.snapshots.len(), 3);
    assert_eq!(v.decisions.len(), 1);
    assert_eq!(v.decisions[0].number, "125-QĐ/TU");
    let collective: Vec<_> = v
        .awards
        .iter()
        .filter(|a| a.member_id.is_none() && a.award_kind == "bang_khen_tinh")
        .collect();
    assert_eq!(collective.len(), 5, "five party organizations");
    assert!(
        v.nominations
            .iter()
            .any(|n| n.state == NominationState::Rejected)
    );
    assert!(
        v.nominations
            .iter()
            .any(|n| n.state == NominationState::Proposed)
    );
    let models = store.models(&p).await.unwrap();
    assert_eq!(models.len(), 2, "two advanced models");
    assert!(models.iter().any(|m| m.metric == 0), "one on the pace");
    assert!(
        models.iter().any(|m| m.links == 1),
        "a commune learns from one"
    );
    // Lục Nam's own movement is open for pledges.
    let lucnam = store.org_by_code(&p, "218").await.unwrap().unwrap();
    let own = store.movements(&p, lucnam.id).await.unwrap();
    assert!(
        own.iter()
            .any(|m| m.org_id == lucnam.id && m.state == domain::emulation::MovementState::Open)
    );
}
