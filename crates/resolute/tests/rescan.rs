//! `resolute rescan-plans` assesses group by group (siblings of one parent on one
//! document's chain, each text analyzed once); what it stores must be exactly what the
//! program-by-program path (the assessment on issue) stores. Checked on the Bắc Giang
//! demo: four district programs of 05-NQ/TU, one of them a copy that stays flagged.
//! On SQLite, or on PostgreSQL with `RESOLUTE_TEST_BACKEND=postgres` (`scripts/test` runs
//! both).

use std::collections::BTreeMap;

use domain::{Principal, ProgramId};
use store::{Assessment, CopyVerdict, Store};

fn hash(_: &str) -> String {
    "$argon2id$test".to_owned()
}

/// Every stored assessment but its time.
async fn stored(store: &dyn Store) -> BTreeMap<i64, (String, Assessment)> {
    let p = Principal::system();
    let mut out = BTreeMap::new();
    for id in store.issued_programs(&p).await.unwrap() {
        let program = store.program(&p, id).await.unwrap();
        let mut a = store
            .assessment(&p, id)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{} assessed", program.org_name));
        a.assessed_at = time::OffsetDateTime::UNIX_EPOCH;
        out.insert(id.0, (program.org_name, a));
    }
    out
}

#[tokio::test]
async fn grouped_rescan_stores_what_the_per_program_path_stores() {
    // A fresh database on the backend RESOLUTE_TEST_BACKEND names (see `testdb`).
    let db = testdb::fresh_store().await;
    let store = db.store.clone();
    demo::load(
        store.as_ref(),
        &demo::Profile::bac_giang(),
        7,
        &hash,
        &|_, _| {},
    )
    .await
    .expect("demo loads");
    let p = Principal::system();

    let each = services::quality::rescan_each(store.as_ref(), &p)
        .await
        .unwrap();
    let before = stored(store.as_ref()).await;
    let grouped = services::quality::rescan(store.as_ref(), &p).await.unwrap();
    let after = stored(store.as_ref()).await;

    assert_eq!(before, after);
    assert_eq!(
        (each.assessed, each.flagged),
        (grouped.assessed, grouped.flagged)
    );
    assert!(before.len() >= 4, "{before:?}");
    assert_eq!(grouped.assessed, before.len());

    // The four district programs were compared with each other, and the copy is flagged.
    let districts: Vec<&(String, Assessment)> =
        before.values().filter(|(_, a)| a.siblings == 3).collect();
    assert_eq!(districts.len(), 4, "{before:?}");
    let (_, copy) = districts
        .iter()
        .find(|(name, _)| name.contains("Lục Ngạn"))
        .expect("the copied plan");
    assert_eq!(copy.verdict, CopyVerdict::Copied, "{copy:?}");
    assert!(copy.is_flagged());
    assert!(
        districts
            .iter()
            .filter(|(name, _)| !name.contains("Lục Ngạn"))
            .all(|(_, a)| a.verdict != CopyVerdict::Copied),
        "{districts:?}"
    );

    // A program assessed on its own (as on issue) still gets the same record.
    let (id, (_, expected)) = before.iter().next().unwrap();
    let program = store.program(&p, ProgramId(*id)).await.unwrap();
    let mut a = services::quality::assess_and_save(store.as_ref(), &p, &program)
        .await
        .unwrap();
    a.assessed_at = time::OffsetDateTime::UNIX_EPOCH;
    assert_eq!(&a, expected);
}
