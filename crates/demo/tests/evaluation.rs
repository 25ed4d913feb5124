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
    // The period is the calendar year the demo's record lives in (the record is dated
    // from the day the demo is loaded, so a fixed 2025 would hold nothing).
    let y = domain::tz::local_date(time::OffsetDateTime::now_utc()).year();
    assert_eq!(per.kind, domain::evaluation::PeriodKind::Year);
    assert_eq!(
        (per.starts_on, per.ends_on),
        (
            time::Date::from_calendar_date(y, time::Month::January, 1).unwrap(),
            time::Date::from_calendar_date(y, time::Month::December, 31).unwrap()
        )
    );
    assert!(per.name.ends_with(&y.to_string()), "{}", per.name);
    // The members of one of the commune's cells have self-assessed, with their text, and
    // wait for their secretary.
    let members = store
        .evaluation_ranking(&p, per.id, commune.id, SubjectKind::Member)
        .await
        .unwrap();
    let selfs: Vec<_> = members
        .rows
        .iter()
        .filter(|r| r.step == Step::SelfAssessed)
        .collect();
    assert!(selfs.len() >= 2, "{:?}", members.rows.len());
    assert!(selfs.iter().all(|r| r.self_level == Some(r.proposed_level)));
    let one = store.evaluation(&p, selfs[0].id).await.unwrap();
    let own = one.self_assessment.expect("the self-assessment is kept");
    assert!(
        own.text.starts_with("Tập thể đã quán triệt"),
        "{}",
        own.text
    );
    assert!(one.assessment.is_none() && one.decision.is_none());
    assert!(
        selfs.iter().all(|r| r.org_id == selfs[0].org_id),
        "one cell's members"
    );
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
