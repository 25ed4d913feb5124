//! What only the SQLite store promises: the file set-up, and writers from two processes
//! (two stores on one file) that wait for each other instead of failing with SQLITE_BUSY.

use store::{MemberStore, OrgStore, Store};
use store_sqlite::SqliteStore;
use store_tests::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_creates_a_wal_database_with_foreign_keys() {
    let dir = tempdir();
    let file = dir.join("nested.db");
    let s = SqliteStore::open(file.to_str().unwrap()).await.unwrap();
    assert!(!s.migration_state().await.unwrap().is_current());
    s.migrate().await.unwrap();
    assert!(s.migration_state().await.unwrap().is_current());
    assert!(file.exists());
    assert!(dir.join("nested.db-wal").exists());
    s.close().await;
    let url = format!("sqlite://{}", file.display());
    let again = SqliteStore::open(&url).await.unwrap();
    assert!(again.migration_state().await.unwrap().is_current());
    again.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_file_never_see_busy() {
    let dir = tempdir();
    let file = dir.join("shared.db");
    let a = SqliteStore::open(file.to_str().unwrap()).await.unwrap();
    a.migrate().await.unwrap();
    let b = SqliteStore::open(file.to_str().unwrap()).await.unwrap();
    let t = tree(&a).await;
    let mut tasks = Vec::new();
    for (k, s) in [a.clone(), b.clone()].into_iter().enumerate() {
        let cell = t.c1.id;
        tasks.push(tokio::spawn(async move {
            for i in 0..40 {
                s.member_create(&sys(), new_member(cell, &format!("Người {k}-{i}")))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(
        b.org_get(&sys(), t.c1.id).await.unwrap().member_count,
        2 + 80
    );
    assert_counters_fresh(&a).await;
    a.close().await;
    b.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "resolute-sqlite-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
