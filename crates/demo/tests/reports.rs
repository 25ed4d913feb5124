//! The demo's reports (issue 13): a quarter's reports in the Lục Nam subtree, some late,
//! one whose claim the record contradicts, one copied from its sibling, units that did not
//! report; and the province's interim review of 05-NQ/TU.

use domain::report::ReportKind;
use domain::{OrgKind, Principal};
use store::{ReportPeers, Store};

fn hash(_: &str) -> String {
    "$argon2id$test".to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_a_quarter_of_reports_with_signals_and_a_review() {
    let db = testdb::fresh_store().await;
    let store: &dyn Store = db.store.as_ref();
    let p = Principal::system();
    demo::load(store, &demo::Profile::bac_giang(), 7, &hash, &|_, _| {})
        .await
        .expect("demo loads");
    let lucnam = store.org_by_code(&p, "218").await.unwrap().unwrap();
    let commune = store
        .org_children(&p, lucnam.id, false)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.kind == OrgKind::Grassroots)
        .unwrap();
    let docs = store
        .documents(
            &p,
            lucnam.id,
            store::Page {
                offset: 0,
                limit: 50,
            },
        )
        .await
        .unwrap();
    let doc = docs
        .iter()
        .find(|d| d.symbol == "09-NQ/HU")
        .expect("Lục Nam's resolution");
    let today = domain::tz::local_date(time::OffsetDateTime::now_utc());
    let due = store
        .unit_reports(&p, commune.id, doc.id, today)
        .await
        .unwrap();
    let quarter = due
        .due
        .iter()
        .find(|d| matches!(d.state, domain::report::DueState::Submitted { .. }))
        .expect("the commune reported the last quarter")
        .period
        .start;
    let g = store
        .gathered_reports(&p, commune.id, doc.id, ReportKind::Periodic, quarter)
        .await
        .unwrap();
    assert!(g.reports.len() >= 5, "{}", g.reports.len());
    assert!(g.reports.iter().any(|r| r.late), "some late");
    assert!(g.reports.iter().any(|r| !r.late), "some on time");
    let signals: Vec<_> = g
        .reports
        .iter()
        .map(|r| {
            let peers = ReportPeers {
                siblings: g.reports.iter().filter(|o| o.id != r.id).cloned().collect(),
                ..ReportPeers::default()
            };
            services::reports::signals(r, r.facts.as_ref().unwrap(), &peers)
        })
        .collect();
    assert!(
        signals.iter().any(|s| !s.contradictions.is_empty()),
        "a contradicted claim"
    );
    assert!(
        signals.iter().any(|s| !s.copies.is_empty()),
        "a copied report"
    );
    // The province's interim review of 05-NQ/TU.
    let root = store.org_by_code(&p, "24").await.unwrap().unwrap();
    let proposals = store.review_proposals(&p, root.id).await.unwrap();
    assert!(
        proposals.iter().any(|x| x.subject.contains("Lục Nam")),
        "{proposals:?}"
    );
}
