//! The demo's inspection and supervision (issue 16): the provincial inspection
//! committee's thematic supervision of 05-NQ/TU in three districts (Lục Nam concluded
//! with recommendations in every state, Tân Yên in progress, Yên Thế planned), and the
//! Fatherland Front of Lục Nam supervising one of its communes, which its demo account
//! `mattran.lucnam` sees and runs. Run on SQLite, and on PostgreSQL with
//! `RESOLUTE_TEST_BACKEND=postgres`.

use std::collections::BTreeSet;

use domain::Principal;
use domain::inspection::{BodyKind, FindingKind, ItemKind, ItemState, RecState};
use store::{NewFinding, Store, StoreError};

fn hash(_: &str) -> String {
    "$argon2id$test".to_owned()
}

async fn principal_of(store: &dyn Store, username: &str) -> Principal {
    let sys = Principal::system();
    let u = store
        .user_by_username(&sys, username)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("the demo has {username}"));
    store
        .principal(u.user.id)
        .await
        .unwrap()
        .expect("a principal")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_holds_the_ubkt_supervision_of_05_and_the_fronts_supervision() {
    let db = testdb::fresh_store().await;
    let store: &dyn Store = db.store.as_ref();
    demo::load(store, &demo::Profile::bac_giang(), 7, &hash, &|_, _| {})
        .await
        .expect("demo loads");
    let today = domain::tz::local_date(time::OffsetDateTime::now_utc());

    // The provincial inspection committee, signed in as ubkt.tinhuy.
    let ubkt = principal_of(store, "ubkt.tinhuy").await;
    let root = ubkt.grants[0].org_id;
    let programs = store.inspection_programs(&ubkt, root).await.unwrap();
    let program = programs
        .iter()
        .find(|p| p.body == BodyKind::InspectionCommittee && p.year == today.year())
        .expect("the UBKT's program of the year");
    let (_, items) = store.inspection_program(&ubkt, program.id).await.unwrap();
    assert_eq!(items.len(), 3, "{items:?}");
    let by_district = |name: &str| {
        items
            .iter()
            .find(|i| i.subjects.iter().any(|s| s.contains(name)))
            .unwrap_or_else(|| panic!("an item in {name}"))
    };
    for i in &items {
        assert_eq!(i.kind, ItemKind::ThematicSupervision);
        assert!(i.title.contains("05-NQ/TU"), "{}", i.title);
    }
    assert_eq!(by_district("Lục Nam").state, ItemState::Concluded);
    assert_eq!(
        by_district("Tân Yên").state,
        ItemState::Reported,
        "in progress"
    );
    assert_eq!(by_district("Yên Thế").state, ItemState::Planned);

    // Lục Nam: the notice, findings, and recommendations in every state.
    let concluded = store
        .inspection_item(&ubkt, by_district("Lục Nam").id, today)
        .await
        .unwrap();
    assert!(
        concluded
            .notice_symbol
            .as_deref()
            .is_some_and(|s| s.contains("-TB/UBKT")),
        "{:?}",
        concluded.notice_symbol
    );
    assert!(concluded.sight.findings);
    assert!(
        concluded
            .findings
            .iter()
            .any(|f| f.kind == FindingKind::Shortcoming)
    );
    let states: BTreeSet<&str> = concluded
        .recommendations
        .iter()
        .map(|r| r.state.as_str())
        .collect();
    let every: BTreeSet<&str> = [
        RecState::Open,
        RecState::Tasked,
        RecState::Reported,
        RecState::Returned,
        RecState::Closed,
    ]
    .iter()
    .map(|s| s.as_str())
    .collect();
    assert_eq!(states, every, "recommendations in every state");
    for r in &concluded.recommendations {
        if r.state != RecState::Open {
            assert!(r.task_id.is_some(), "adopted as a task: {}", r.text);
            assert!(r.responsible_name.is_some(), "someone answers: {}", r.text);
        }
    }
    let returned = concluded
        .recommendations
        .iter()
        .find(|r| r.state == RecState::Returned)
        .unwrap();
    assert!(
        returned
            .remediations
            .iter()
            .any(|x| x.decision.as_deref() == Some("returned") && x.reason.is_some())
    );
    // The provincial dashboard counts them.
    let dash = store
        .inspection_dashboard(&ubkt, root, today.year(), today)
        .await
        .unwrap();
    assert!(dash.planned >= 3 && dash.done >= 1, "{dash:?}");
    assert_eq!(
        dash.open
            .iter()
            .filter(|o| concluded.recommendations.iter().any(|r| r.id == o.id))
            .count(),
        4,
        "four open, one closed"
    );

    // The Fatherland Front of Lục Nam, signed in as mattran.lucnam, sees and runs its
    // supervision of one commune, and nothing of the UBKT's.
    let front = principal_of(store, "mattran.lucnam").await;
    let lucnam = front.grants[0].org_id;
    let programs = store.inspection_programs(&front, lucnam).await.unwrap();
    assert_eq!(programs.len(), 1, "{programs:?}");
    assert_eq!(programs[0].body, BodyKind::FatherlandFront);
    let (_, items) = store
        .inspection_program(&front, programs[0].id)
        .await
        .unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].kind, ItemKind::RegularSupervision);
    assert_eq!(items[0].state, ItemState::Notified);
    let item = store
        .inspection_item(&front, items[0].id, today)
        .await
        .unwrap();
    assert_eq!(item.subjects.len(), 1, "one commune");
    assert!(item.sight.act, "the Front runs it");
    let finding = store
        .add_finding(
            &front,
            item.id,
            NewFinding {
                subject_id: item.subjects[0].id,
                kind: FindingKind::Strength,
                about: domain::inspection::AboutKind::General,
                about_id: None,
                about_part: None,
                text: "Công khai kết quả ở nhà văn hóa các thôn.".into(),
            },
        )
        .await;
    assert!(finding.is_ok(), "{finding:?}");
    let hidden = store.inspection_item(&front, concluded.id, today).await;
    assert!(
        matches!(hidden, Err(StoreError::NotFound)),
        "the party's supervision stays closed to the Front"
    );
}
