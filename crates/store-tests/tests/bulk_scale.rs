//! Scale check of `bulk_load` and `recount`, run only on request:
//! `RESOLUTE_BULK_SCALE=province|nation cargo test --release -p store-tests --test bulk_scale -- --nocapture`
//! (PostgreSQL too when `RESOLUTE_TEST_POSTGRES` is set). Prints the timings; asserts the
//! counters.

use domain::{Audience, MemberId, OrgId, OrgKind, OrgPath};
use std::time::Instant;
use store::*;
use store_tests::*;

struct Shape {
    provinces: i64,
    districts: i64,
    communes: i64,
    cells: i64,
    members: i64,
}

fn shape() -> Option<Shape> {
    match std::env::var("RESOLUTE_BULK_SCALE").ok()?.as_str() {
        // ~4,000 units, ~100,000 members.
        "province" => Some(Shape {
            provinces: 1,
            districts: 10,
            communes: 20,
            cells: 19,
            members: 26,
        }),
        // ~300,000 units, ~5,500,000 members.
        "nation" => Some(Shape {
            provinces: 63,
            districts: 11,
            communes: 16,
            cells: 26,
            members: 19,
        }),
        _ => None,
    }
}

async fn load_one_province_at_a_time(s: &dyn Store, sh: &Shape) {
    let t0 = Instant::now();
    let mut next_org = 1i64;
    let mut next_member = 1i64;
    let mut total_members = 0i64;
    for pi in 0..sh.provinces {
        let mut orgs = Vec::new();
        let mut members = Vec::new();
        let prov = OrgPath::root(OrgId(next_org));
        next_org += 1;
        orgs.push(BulkOrg {
            id: prov.id(),
            parent_id: None,
            path: prov.clone(),
            kind: OrgKind::Provincial,
            code: Some(format!("{pi}")),
            name: format!("Tỉnh ủy {pi}"),
            valid_from: d(2020, 1, 1),
        });
        for di in 0..sh.districts {
            let dp = prov.child(OrgId(next_org));
            next_org += 1;
            orgs.push(BulkOrg {
                id: dp.id(),
                parent_id: Some(prov.id()),
                path: dp.clone(),
                kind: OrgKind::DirectlyAffiliated,
                code: None,
                name: format!("Huyện ủy {pi}-{di}"),
                valid_from: d(2020, 1, 1),
            });
            for gi in 0..sh.communes {
                let gp = dp.child(OrgId(next_org));
                next_org += 1;
                orgs.push(BulkOrg {
                    id: gp.id(),
                    parent_id: Some(dp.id()),
                    path: gp.clone(),
                    kind: OrgKind::Grassroots,
                    code: None,
                    name: format!("Đảng ủy xã {pi}-{di}-{gi}"),
                    valid_from: d(2020, 1, 1),
                });
                for ci in 0..sh.cells {
                    let cp = gp.child(OrgId(next_org));
                    next_org += 1;
                    orgs.push(BulkOrg {
                        id: cp.id(),
                        parent_id: Some(gp.id()),
                        path: cp.clone(),
                        kind: OrgKind::Cell,
                        code: None,
                        name: format!("Chi bộ {ci}"),
                        valid_from: d(2020, 1, 1),
                    });
                    for _ in 0..sh.members {
                        members.push(BulkMember {
                            id: MemberId(next_member),
                            cell_id: cp.id(),
                            cell_path: cp.clone(),
                            full_name: format!("Nguyễn Văn Thành {next_member}"),
                            gender: None,
                            birth_date: Some(d(1980, 1, 1)),
                            joined_on: Some(d(2000, 1, 1)),
                            audience: Audience::Member,
                            card_number: Some(format!("{next_member:09}")),
                            since: d(2020, 1, 1),
                        });
                        next_member += 1;
                    }
                }
            }
        }
        total_members += members.len() as i64;
        let last = pi + 1 == sh.provinces;
        s.bulk_load(
            &sys(),
            BulkLoad {
                orgs,
                members,
                positions: vec![],
                users: vec![],
                label: format!("province {pi}"),
                recount: last,
            },
        )
        .await
        .expect("bulk load");
    }
    let loaded = t0.elapsed();
    let t1 = Instant::now();
    s.recount(&sys()).await.expect("recount");
    let recount = t1.elapsed();
    eprintln!(
        "{}: {} units, {} members: bulk_load {:.1?} (one province at a time, recount at the end), a second recount {:.1?}",
        s.backend(),
        next_org - 1,
        total_members,
        loaded,
        recount
    );
    let roots = s.org_roots(&sys()).await.expect("roots");
    assert_eq!(roots.len() as i64, sh.provinces);
    let sum: i64 = roots.iter().map(|r| r.subtree_member_count).sum();
    assert_eq!(sum, total_members);
    let t2 = Instant::now();
    let one = s.org_get(&sys(), roots[0].id).await.expect("root");
    eprintln!(
        "org_get of a province root with its counters: {:.1?}",
        t2.elapsed()
    );
    assert_eq!(
        one.subtree_cell_count,
        sh.districts * sh.communes * sh.cells
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_bulk_scale() {
    let Some(sh) = shape() else {
        eprintln!("note: RESOLUTE_BULK_SCALE is not set; skipping the scale check");
        return;
    };
    run_sqlite(move |s| async move { load_one_province_at_a_time(&*s, &sh).await }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_bulk_scale() {
    let Some(sh) = shape() else {
        return;
    };
    run_postgres("bulk_scale", move |s| async move {
        load_one_province_at_a_time(&*s, &sh).await
    })
    .await;
}
