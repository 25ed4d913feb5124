//! The demo's evaluation (issue 17): Lục Nam's yearly period computed from the record,
//! the grassroots units and one commune's cells through the three steps, one cell over
//! the commune's quota (assessed "excellent", its decision refused with the places left).

use domain::evaluation::{Level, Step, SubjectKind};
use domain::{OrgKind, Principal};
use store::{StepInput, Store, StoreError};

fn hash(_: &str) -> String {
    "$argon2id$test".to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_rates_lucnam_with_one_cell_over_quota() {
    let db = testdb::fresh_store().await;
    let store: &dyn Store = db.store.as_ref();
    let p = Principal::system();
    demo::load(store, &demo::Profile::bac_giang(), 7, &hash, &|_, _| {})
        .await
        .expect("demo loads");
    let lucnam = store.org_by_code(&p, "218").await.unwrap().unwrap();
    let periods = store.evaluation_periods(&p, lucnam.id).await.unwrap();
    assert_eq!(periods.len(), 1);
    let per = &periods[0];
    assert!(per.counts.units > 10 && per.counts.members > 100, "{per:?}");
    assert!(per.counts.decided > 5, "{per:?}");
    let commune = store
        .org_children(&p, lucnam.id, false)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.kind == OrgKind::Grassroots)
        .unwrap();
    let cells = store
        .evaluation_ranking(&p, per.id, commune.id, SubjectKind::Unit)
        .await
        .unwrap();
    let over: Vec<_> = cells
        .rows
        .iter()
        .filter(|r| r.step == Step::Assessed && r.assessed_level == Some(Level::Excellent))
        .collect();
    assert_eq!(over.len(), 1, "{:?}", cells.rows);
    assert!(
        cells
            .rows
            .iter()
            .any(|r| r.final_level == Some(Level::Excellent))
            || cells
                .rows
                .iter()
                .filter(|r| r.final_level >= Some(Level::Good))
                .count()
                < 5,
        "the quota held as many excellent as it allowed"
    );
    let refused = store
        .decide_evaluation(
            &p,
            over[0].id,
            StepInput {
                level: Level::Excellent,
                text: "Thử lại".into(),
                score: None,
            },
        )
        .await;
    assert!(matches!(
        refused,
        Err(StoreError::Conflict("evaluation_quota"))
    ));
    let q = store.evaluation_quota(&p, over[0].id).await.unwrap();
    assert_eq!(q.if_excellent.unwrap_err().left, 0);
    // Every stored proposal is what the record gives again.
    for r in cells.rows.iter().take(5) {
        let stored = store.evaluation(&p, r.id).await.unwrap();
        let again = store
            .recompute_evaluation(&p, r.id, stored.computed_on)
            .await
            .unwrap();
        assert_eq!(stored.proposal, again);
    }
}
