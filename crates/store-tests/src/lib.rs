//! Fixtures of the store conformance suite: fresh databases per test on each backend, and
//! small helpers that build trees, members and principals through the public API.
//!
//! The suite itself is in `tests/`; each case is an `async fn(&dyn Store)` instantiated for
//! SQLite (always) and PostgreSQL (when `RESOLUTE_TEST_POSTGRES` holds an admin URL).

use domain::{AccessRole, Audience, OrgId, OrgKind, Principal};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use store::*;
use time::Date;

pub use domain;
pub use store;

pub mod programs;

/// The environment variable naming a PostgreSQL server for the suite.
pub const PG_ENV: &str = "RESOLUTE_TEST_POSTGRES";

/// Runs one case on a fresh SQLite database.
pub async fn run_sqlite<F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let store: Arc<dyn Store> = Arc::new(
        store_sqlite::SqliteStore::temporary()
            .await
            .expect("temporary sqlite store"),
    );
    case(store).await;
}

/// Runs one case on a fresh PostgreSQL database, a copy of testdb's migrated template
/// (`testdb::FreshDb`, the one way tests make a PostgreSQL database), dropped afterwards
/// (also when the case fails). Without `RESOLUTE_TEST_POSTGRES`, prints a note and
/// returns; under CI (`CI=true`) it fails instead.
pub async fn run_postgres<F, Fut>(name: &str, case: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    on_postgres(name, |pg| case(Arc::new(pg))).await;
}

/// Runs `case` on a fresh PostgreSQL store (see [`run_postgres`]).
pub(crate) async fn on_postgres<F, Fut>(name: &str, case: F)
where
    F: FnOnce(store_postgres::PgStore) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    // Without the variable: a note locally, a failure under CI (see `testdb`).
    let Some(admin_url) = testdb::postgres_admin_url(&format!("the PostgreSQL variant of {name}"))
    else {
        return;
    };
    let db = testdb::FreshDb::from_template(&admin_url).await;
    let pg = store_postgres::PgStore::connect(&db.url)
        .await
        .expect("connect to the test database");
    // A no-op on a copy of the current template.
    pg.migrate().await.expect("migrate the test database");
    let outcome = tokio::spawn(case(pg.clone())).await;
    pg.close().await;
    drop(db);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Instantiates every listed case for both backends: `mod sqlite { #[test] fn case() }`
/// and `mod postgres { … }`.
#[macro_export]
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    $crate::run_sqlite(|s| async move { super::$case(&*s).await }).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    $crate::run_postgres(stringify!($case), |s| async move {
                        super::$case(&*s).await
                    })
                    .await;
                }
            )*
        }
    };
}

pub fn d(y: i32, m: u8, day: u8) -> Date {
    Date::from_calendar_date(y, time::Month::try_from(m).expect("month"), day).expect("date")
}

pub fn sys() -> Principal {
    Principal::system()
}

pub fn new_org(parent: Option<OrgId>, kind: OrgKind, name: &str, code: Option<&str>) -> NewOrg {
    NewOrg {
        parent_id: parent,
        kind,
        name: name.to_owned(),
        code: code.map(str::to_owned),
        valid_from: d(2020, 1, 1),
    }
}

pub async fn org(
    s: &dyn Store,
    parent: Option<OrgId>,
    kind: OrgKind,
    name: &str,
    code: Option<&str>,
) -> Org {
    s.org_create(&sys(), new_org(parent, kind, name, code))
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e}"))
}

pub fn new_member(cell: OrgId, name: &str) -> NewMember {
    NewMember {
        cell_id: cell,
        full_name: name.to_owned(),
        gender: None,
        birth_date: Some(d(1980, 5, 17)),
        joined_on: Some(d(2005, 3, 2)),
        audience: Audience::Member,
        card_number: None,
        since: d(2021, 1, 1),
    }
}

pub async fn member(s: &dyn Store, cell: OrgId, name: &str) -> Member {
    s.member_create(&sys(), new_member(cell, name))
        .await
        .unwrap_or_else(|e| panic!("create member {name}: {e}"))
}

/// A small province: two districts, a commune under each, cells with members.
///
/// ```text
/// province "Tỉnh ủy Bắc Giang" (24)
/// ├── d1 "Huyện ủy Lục Nam" ── g1 "Đảng ủy xã Bảo Đài" ── c1 (2 members), c2 (1 member)
/// └── d2 "Huyện ủy Yên Thế" ── g2 "Đảng ủy xã Bố Hạ"   ── c3 (2 members)
/// ```
pub struct Tree {
    pub province: Org,
    pub d1: Org,
    pub d2: Org,
    pub g1: Org,
    pub g2: Org,
    pub c1: Org,
    pub c2: Org,
    pub c3: Org,
    pub m1: Member,
    pub m2: Member,
    pub m3: Member,
    pub m4: Member,
    pub m5: Member,
}

pub async fn tree(s: &dyn Store) -> Tree {
    use OrgKind::*;
    let province = org(s, None, Provincial, "Tỉnh ủy Bắc Giang", Some("24")).await;
    let d1 = org(
        s,
        Some(province.id),
        DirectlyAffiliated,
        "Huyện ủy Lục Nam",
        Some("24-lucnam"),
    )
    .await;
    let d2 = org(
        s,
        Some(province.id),
        DirectlyAffiliated,
        "Huyện ủy Yên Thế",
        Some("24-yenthe"),
    )
    .await;
    let g1 = org(s, Some(d1.id), Grassroots, "Đảng ủy xã Bảo Đài", None).await;
    let g2 = org(s, Some(d2.id), Grassroots, "Đảng ủy xã Bố Hạ", None).await;
    let c1 = org(s, Some(g1.id), Cell, "Chi bộ thôn Đông", None).await;
    let c2 = org(s, Some(g1.id), Cell, "Chi bộ thôn Tây", None).await;
    let c3 = org(s, Some(g2.id), Cell, "Chi bộ thôn Nam", None).await;
    let m1 = member(s, c1.id, "Nguyễn Văn An").await;
    let m2 = member(s, c1.id, "Trần Thị Bình").await;
    let m3 = member(s, c2.id, "Lê Văn Cường").await;
    let m4 = member(s, c3.id, "Nguyễn Văn Dũng").await;
    let m5 = member(s, c3.id, "Phạm Thị Đào").await;
    Tree {
        province,
        d1,
        d2,
        g1,
        g2,
        c1,
        c2,
        c3,
        m1,
        m2,
        m3,
        m4,
        m5,
    }
}

static USER_N: AtomicU64 = AtomicU64::new(0);

/// A real account with one grant, and its principal as the store computes it.
pub async fn principal(s: &dyn Store, role: AccessRole, org: OrgId) -> Principal {
    let n = USER_N.fetch_add(1, Ordering::Relaxed);
    let user = s
        .user_create(
            &sys(),
            NewUser {
                username: format!("{}.{n}", role.as_str().replace('_', "-")),
                display_name: format!("Người dùng {n}"),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$x$y".into(),
                member_id: None,
            },
        )
        .await
        .expect("create user");
    s.grant_add(
        &sys(),
        NewGrant {
            user_id: user.id,
            role,
            org_id: org,
        },
    )
    .await
    .expect("grant");
    s.principal(user.id)
        .await
        .expect("principal")
        .expect("enabled user")
}

/// Every unit reachable from the active roots, closed ones included, by id.
pub async fn all_orgs(s: &dyn Store) -> BTreeMap<OrgId, Org> {
    let p = sys();
    let mut out = BTreeMap::new();
    let mut queue: Vec<Org> = s.org_roots(&p).await.expect("roots");
    while let Some(o) = queue.pop() {
        queue.extend(s.org_children(&p, o.id, true).await.expect("children"));
        out.insert(o.id, o);
    }
    out
}

/// The counters of every unit: (member, subtree members, subtree cells, children).
pub async fn counters(s: &dyn Store) -> BTreeMap<OrgId, (i64, i64, i64, i64)> {
    all_orgs(s)
        .await
        .into_iter()
        .map(|(id, o)| {
            (
                id,
                (
                    o.member_count,
                    o.subtree_member_count,
                    o.subtree_cell_count,
                    o.child_count,
                ),
            )
        })
        .collect()
}

/// Asserts that the kept-up-to-date counters equal a fresh recount.
pub async fn assert_counters_fresh(s: &dyn Store) {
    let kept = counters(s).await;
    s.recount(&sys()).await.expect("recount");
    let fresh = counters(s).await;
    for (id, k) in &kept {
        assert_eq!(
            Some(k),
            fresh.get(id),
            "counters of {id} differ from a recount"
        );
    }
    assert_eq!(kept.len(), fresh.len());
}

/// The code of an `Invalid` error's first field problem, or panics.
pub fn invalid_code<T: std::fmt::Debug>(r: Result<T>) -> (&'static str, &'static str) {
    match r {
        Err(StoreError::Invalid(i)) => (i.0[0].field, i.0[0].code),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

pub fn conflict_code<T: std::fmt::Debug>(r: Result<T>) -> &'static str {
    match r {
        Err(StoreError::Conflict(c)) => c,
        other => panic!("expected Conflict, got {other:?}"),
    }
}

pub fn is_not_found<T: std::fmt::Debug>(r: Result<T>) {
    match r {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

pub fn is_forbidden<T: std::fmt::Debug>(r: Result<T>) {
    match r {
        Err(StoreError::Forbidden) => {}
        other => panic!("expected Forbidden, got {other:?}"),
    }
}

/// How many audit entries there are.
pub async fn audit_count(s: &dyn Store) -> usize {
    s.audit_list(
        &sys(),
        AuditFilter {
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .expect("audit")
    .len()
}
