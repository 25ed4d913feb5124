//! The store conformance suite: every case runs on SQLite and, when
//! `RESOLUTE_TEST_POSTGRES` is set, on PostgreSQL.

use domain::{AccessRole, MemberStatus, OrgKind, Permission, PositionRole};
use store::*;
use store_tests::*;

store_tests::suite!(
    tree_children_ancestors_and_counts,
    scope_isolation_hides_other_districts,
    forbidden_versus_not_found,
    every_write_is_audited_with_before_and_after,
    validation_failures_write_nothing,
    search_with_and_without_diacritics,
    members_transfers_positions_and_history,
    rename_keeps_history,
    move_rewrites_subtree_paths,
    merge_cells_moves_members_with_new_stints,
    merge_communes_moves_children,
    split_distributes_members_and_closes_source,
    close_needs_an_empty_unit,
    bulk_load_then_counters,
    sessions_crud,
    migration_state_is_current,
    backup_writes_a_database,
    accounts_grants_and_principals,
    audit_list_is_scoped,
    concurrent_writes_all_succeed,
    org_import_creates_units_in_one_transaction,
    org_import_failing_row_leaves_nothing_saved,
    cell_positions_lists_current_positions_of_active_members,
    own_password_change_is_audited,
    names_sort_in_vietnamese_alphabetical_order,
);

async fn tree_children_ancestors_and_counts(s: &dyn Store) {
    let t = tree(s).await;
    let p = sys();
    let prov = s.org_get(&p, t.province.id).await.unwrap();
    assert_eq!(prov.path.as_str(), format!("/{}/", prov.id));
    assert_eq!(prov.child_count, 2);
    assert_eq!(prov.subtree_cell_count, 3);
    assert_eq!(prov.subtree_member_count, 5);
    let g1 = s.org_get(&p, t.g1.id).await.unwrap();
    assert_eq!(g1.path, t.d1.path.child(g1.id));
    assert_eq!(
        (
            g1.child_count,
            g1.subtree_cell_count,
            g1.subtree_member_count
        ),
        (2, 2, 3)
    );
    let c1 = s.org_get(&p, t.c1.id).await.unwrap();
    assert_eq!(
        (
            c1.member_count,
            c1.subtree_member_count,
            c1.subtree_cell_count
        ),
        (2, 2, 1)
    );

    let kids = s.org_children(&p, t.province.id, false).await.unwrap();
    let names: Vec<_> = kids.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["Huyện ủy Lục Nam", "Huyện ủy Yên Thế"]);
    // Kind order first: a state body comes after the district organizations.
    org(
        s,
        Some(t.province.id),
        OrgKind::StateBody,
        "Ủy ban nhân dân tỉnh",
        None,
    )
    .await;
    let kids = s.org_children(&p, t.province.id, false).await.unwrap();
    assert_eq!(kids.last().unwrap().kind, OrgKind::StateBody);

    let crumbs = s.org_ancestors(&p, t.c1.id).await.unwrap();
    let ids: Vec<_> = crumbs.iter().map(|c| c.id).collect();
    assert_eq!(ids, [t.province.id, t.d1.id, t.g1.id]);
    assert!(crumbs.iter().all(|c| c.readable));

    let roots = s.org_roots(&p).await.unwrap();
    assert_eq!(roots.len(), 1);
    assert_eq!(
        s.org_by_code(&p, "24-yenthe").await.unwrap().map(|o| o.id),
        Some(t.d2.id)
    );
    let cells = s.cell_members(&p, t.c1.id).await.unwrap();
    assert_eq!(cells.len(), 2);
    let page = s
        .subtree_members(
            &p,
            t.d1.id,
            Page {
                offset: 0,
                limit: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.len(), 2);
    let page2 = s
        .subtree_members(
            &p,
            t.d1.id,
            Page {
                offset: 2,
                limit: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(page2.len(), 1);
    assert!(page2[0].cell_name.starts_with("Chi bộ"));
    assert_counters_fresh(s).await;
}

async fn scope_isolation_hides_other_districts(s: &dyn Store) {
    let t = tree(s).await;
    let hu = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    assert_eq!(s.org_get(&hu, t.g1.id).await.unwrap().id, t.g1.id);
    is_not_found(s.org_get(&hu, t.d2.id).await);
    is_not_found(s.org_get(&hu, t.c3.id).await);
    is_not_found(s.org_get(&hu, t.province.id).await);
    is_not_found(s.org_children(&hu, t.d2.id, true).await);
    is_not_found(s.org_ancestors(&hu, t.g2.id).await);
    is_not_found(s.org_history(&hu, t.g2.id).await);
    is_not_found(s.org_links(&hu, t.g2.id).await);
    is_not_found(s.org_lineage(&hu, t.g2.id).await);
    is_not_found(s.member_get(&hu, t.m4.id).await);
    is_not_found(s.cell_members(&hu, t.c3.id).await);
    is_not_found(
        s.subtree_members(
            &hu,
            t.d2.id,
            Page {
                offset: 0,
                limit: 10,
            },
        )
        .await,
    );
    assert_eq!(s.member_get(&hu, t.m1.id).await.unwrap().member.id, t.m1.id);

    let roots = s.org_roots(&hu).await.unwrap();
    assert_eq!(roots.iter().map(|o| o.id).collect::<Vec<_>>(), [t.d1.id]);
    let hits = s.org_search(&hu, "huyen uy", 50).await.unwrap();
    assert_eq!(hits.iter().map(|o| o.id).collect::<Vec<_>>(), [t.d1.id]);
    let hits = s.member_search(&hu, "nguyen van", 50).await.unwrap();
    assert_eq!(
        hits.iter().map(|h| h.member.id).collect::<Vec<_>>(),
        [t.m1.id]
    );
    assert!(s.org_by_code(&hu, "24-yenthe").await.unwrap().is_none());
    assert!(s.org_by_code(&hu, "24").await.unwrap().is_none());

    // Breadcrumbs name the ancestors but say they are not readable.
    let crumbs = s.org_ancestors(&hu, t.c1.id).await.unwrap();
    assert_eq!(crumbs[0].id, t.province.id);
    assert!(!crumbs[0].readable);
    assert!(crumbs[1].readable && crumbs[2].readable);
    // A subtree listing of the whole province is refused, not trimmed.
    is_not_found(
        s.subtree_members(
            &hu,
            t.province.id,
            Page {
                offset: 0,
                limit: 10,
            },
        )
        .await,
    );
}

async fn forbidden_versus_not_found(s: &dyn Store) {
    let t = tree(s).await;
    let reader = principal(s, AccessRole::Member, t.d1.id).await;
    let staff = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let cell = OrgKind::Cell;
    is_forbidden(
        s.org_create(&reader, new_org(Some(t.g1.id), cell, "Chi bộ mới", None))
            .await,
    );
    is_not_found(
        s.org_create(&reader, new_org(Some(t.g2.id), cell, "Chi bộ mới", None))
            .await,
    );
    is_forbidden(
        s.org_create(
            &staff,
            new_org(None, OrgKind::Provincial, "Tỉnh ủy X", None),
        )
        .await,
    );
    is_forbidden(
        s.member_create(&reader, new_member(t.c1.id, "Hoàng Văn E"))
            .await,
    );
    is_not_found(
        s.member_create(&staff, new_member(t.c3.id, "Hoàng Văn E"))
            .await,
    );
    is_not_found(
        s.member_transfer(&staff, t.m1.id, t.c3.id, d(2024, 1, 1))
            .await,
    );
    is_forbidden(s.org_move(&staff, t.c1.id, t.g1.id, d(2024, 1, 1)).await);
    is_forbidden(
        s.org_update(
            &reader,
            t.g1.id,
            OrgEdit {
                name: "X".into(),
                code: None,
                on: d(2024, 1, 1),
            },
        )
        .await,
    );
    is_not_found(
        s.org_update(
            &staff,
            t.g2.id,
            OrgEdit {
                name: "X".into(),
                code: None,
                on: d(2024, 1, 1),
            },
        )
        .await,
    );
    // Staff may create within its subtree.
    let c = s
        .org_create(&staff, new_org(Some(t.g1.id), cell, "Chi bộ mới", None))
        .await
        .unwrap();
    assert_eq!(c.parent_id, Some(t.g1.id));
    // Accounts need ManageAccounts.
    is_forbidden(
        s.user_create(
            &staff,
            NewUser {
                username: "someone".into(),
                display_name: "Ai đó".into(),
                password_hash: "h".into(),
                member_id: None,
            },
        )
        .await,
    );
    let admin = principal(s, AccessRole::Admin, t.d1.id).await;
    is_not_found(
        s.grant_add(
            &admin,
            NewGrant {
                user_id: staff.user_id,
                role: AccessRole::Admin,
                org_id: t.province.id,
            },
        )
        .await,
    );
    let reader_admin = principal(s, AccessRole::Inspector, t.d2.id).await;
    is_forbidden(
        s.org_close(&reader_admin, t.c3.id, d(2024, 1, 1), None)
            .await,
    );
    is_not_found(
        s.grant_add(
            &admin,
            NewGrant {
                user_id: staff.user_id,
                role: AccessRole::Admin,
                org_id: t.g2.id,
            },
        )
        .await,
    );
    is_forbidden(s.recount(&admin).await);
    is_forbidden(s.bulk_load(&admin, BulkLoad::default()).await);
}

async fn every_write_is_audited_with_before_and_after(s: &dyn Store) {
    let t = tree(s).await;
    let p = sys();
    let last = |s: &'static str| AuditFilter {
        entity: Some(s.into()),
        limit: 1,
        ..Default::default()
    };

    s.org_update(
        &p,
        t.c1.id,
        OrgEdit {
            name: "Chi bộ thôn Đông 1".into(),
            code: Some("C1".into()),
            on: d(2024, 2, 1),
        },
    )
    .await
    .unwrap();
    let e = &s.audit_list(&p, last("organization")).await.unwrap()[0];
    assert_eq!(e.action, "update");
    assert_eq!(e.entity_id, t.c1.id.0);
    assert_eq!(e.actor, "system");
    assert_eq!(e.user_id, None);
    assert_eq!(e.before.as_ref().unwrap()["name"], "Chi bộ thôn Đông");
    assert_eq!(e.after.as_ref().unwrap()["name"], "Chi bộ thôn Đông 1");
    assert_eq!(e.org_path.as_ref(), Some(&t.c1.path));

    let admin = principal(s, AccessRole::Admin, t.province.id).await;
    let m = s
        .member_create(&admin, new_member(t.c2.id, "Vũ Thị Giang"))
        .await
        .unwrap();
    let e = &s.audit_list(&p, last("member")).await.unwrap()[0];
    assert_eq!((e.action.as_str(), e.entity_id), ("create", m.id.0));
    assert_eq!(e.user_id, Some(admin.user_id));
    assert_eq!(e.actor, admin.username);
    assert!(e.before.is_none());
    assert_eq!(e.after.as_ref().unwrap()["full_name"], "Vũ Thị Giang");

    let mut edit = MemberEdit {
        full_name: "Vũ Thị Giang".into(),
        gender: None,
        birth_date: None,
        joined_on: None,
        audience: domain::Audience::KeyCadre,
        card_number: Some("BG-0001".into()),
        status: MemberStatus::Active,
    };
    s.member_update(&admin, m.id, edit.clone()).await.unwrap();
    let e = &s.audit_list(&p, last("member")).await.unwrap()[0];
    assert_eq!(e.action, "update");
    assert_eq!(e.before.as_ref().unwrap()["audience"], "member");
    assert_eq!(e.after.as_ref().unwrap()["audience"], "key_cadre");
    edit.status = MemberStatus::Left;
    s.member_update(&admin, m.id, edit).await.unwrap();
    assert_eq!(s.org_get(&p, t.c2.id).await.unwrap().member_count, 1);

    s.member_transfer(&admin, t.m1.id, t.c2.id, d(2024, 3, 1))
        .await
        .unwrap();
    let e = &s.audit_list(&p, last("member")).await.unwrap()[0];
    assert_eq!(e.action, "transfer");
    assert_eq!(e.before.as_ref().unwrap()["cell_id"], t.c1.id.0);
    assert_eq!(e.after.as_ref().unwrap()["cell_id"], t.c2.id.0);

    let pos = s
        .position_add(
            &admin,
            NewPosition {
                member_id: t.m2.id,
                org_id: t.c1.id,
                role: PositionRole::Secretary,
                from: d(2024, 1, 1),
            },
        )
        .await
        .unwrap();
    let e = &s.audit_list(&p, last("position")).await.unwrap()[0];
    assert_eq!((e.action.as_str(), e.entity_id), ("create", pos.id));
    s.position_end(&admin, pos.id, d(2024, 6, 1)).await.unwrap();
    let e = &s.audit_list(&p, last("position")).await.unwrap()[0];
    assert_eq!(e.action, "end");
    assert!(e.before.as_ref().unwrap()["to"].is_null());
    assert!(!e.after.as_ref().unwrap()["to"].is_null());

    let u = s
        .user_create(
            &admin,
            NewUser {
                username: "bt.lucnam".into(),
                display_name: "Bí thư".into(),
                password_hash: "secret-hash".into(),
                member_id: Some(t.m2.id),
            },
        )
        .await
        .unwrap();
    let e = &s.audit_list(&p, last("user")).await.unwrap()[0];
    assert_eq!((e.action.as_str(), e.entity_id), ("create", u.id.0));
    assert!(
        !e.after
            .as_ref()
            .unwrap()
            .to_string()
            .contains("secret-hash")
    );
    s.user_set_password(&admin, u.id, "another-secret-hash")
        .await
        .unwrap();
    let e = &s.audit_list(&p, last("user")).await.unwrap()[0];
    assert_eq!(e.action, "password");
    let text = format!("{:?}{:?}", e.before, e.after);
    assert!(!text.contains("secret-hash"), "{text}");
    s.user_set_disabled(&admin, u.id, true).await.unwrap();
    let e = &s.audit_list(&p, last("user")).await.unwrap()[0];
    assert_eq!(e.after.as_ref().unwrap()["disabled"], true);

    let g = s
        .grant_add(
            &admin,
            NewGrant {
                user_id: u.id,
                role: AccessRole::Secretary,
                org_id: t.c1.id,
            },
        )
        .await
        .unwrap();
    let e = &s.audit_list(&p, last("grant")).await.unwrap()[0];
    assert_eq!((e.action.as_str(), e.entity_id), ("grant", g.id));
    s.grant_revoke(&admin, g.id).await.unwrap();
    let e = &s.audit_list(&p, last("grant")).await.unwrap()[0];
    assert_eq!(e.action, "revoke");
    assert!(e.after.is_none() && e.before.is_some());

    // Restructuring writes history entries too.
    s.org_move(&admin, t.c2.id, t.g2.id, d(2024, 7, 1))
        .await
        .unwrap();
    let e = &s.audit_list(&p, last("organization")).await.unwrap()[0];
    assert_eq!(e.action, "move");
    assert_ne!(
        e.before.as_ref().unwrap()["path"],
        e.after.as_ref().unwrap()["path"]
    );
    // Paging backwards by id.
    let page = s
        .audit_list(
            &p,
            AuditFilter {
                limit: 3,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let older = s
        .audit_list(
            &p,
            AuditFilter {
                limit: 3,
                before_id: Some(page[2].id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(older.iter().all(|e| e.id < page[2].id));
    assert!(page.windows(2).all(|w| w[0].id > w[1].id));
}

async fn validation_failures_write_nothing(s: &dyn Store) {
    let t = tree(s).await;
    let p = sys();
    let before_audit = audit_count(s).await;
    let before_orgs = all_orgs(s).await;

    assert_eq!(
        invalid_code(
            s.org_create(&p, new_org(Some(t.g1.id), OrgKind::Cell, "   ", None))
                .await
        ),
        ("name", "required")
    );
    let long = "x".repeat(201);
    assert_eq!(
        invalid_code(
            s.org_create(&p, new_org(Some(t.g1.id), OrgKind::Cell, &long, None))
                .await
        ),
        ("name", "too_long")
    );
    assert_eq!(
        invalid_code(
            s.org_create(
                &p,
                new_org(Some(t.c1.id), OrgKind::Cell, "Chi bộ con", None)
            )
            .await
        ),
        ("kind", "kind_not_allowed")
    );
    assert_eq!(
        invalid_code(
            s.org_create(
                &p,
                new_org(Some(t.g1.id), OrgKind::Grassroots, "Đảng ủy", None)
            )
            .await
        ),
        ("kind", "kind_not_allowed")
    );
    assert_eq!(
        conflict_code(
            s.org_create(
                &p,
                new_org(Some(t.g1.id), OrgKind::Cell, "Chi bộ", Some("24-lucnam"))
            )
            .await
        ),
        "code_taken"
    );
    assert_eq!(
        invalid_code(
            s.member_create(&p, new_member(t.g1.id, "Nguyễn Văn X"))
                .await
        ),
        ("cell_id", "not_a_cell")
    );
    assert_eq!(
        invalid_code(s.member_create(&p, new_member(t.c1.id, "")).await),
        ("full_name", "required")
    );
    let mut nm = new_member(t.c1.id, "Đỗ Văn Hải");
    nm.card_number = Some("BG-42".into());
    s.member_create(&p, nm.clone()).await.unwrap();
    let after_one = audit_count(s).await;
    assert_eq!(after_one, before_audit + 1);
    nm.full_name = "Đỗ Văn Hòa".into();
    assert_eq!(
        conflict_code(s.member_create(&p, nm.clone()).await),
        "card_taken"
    );
    // An import with one bad row writes none of its rows.
    let rows = vec![
        new_member(t.c1.id, "Hàng Một"),
        new_member(t.c1.id, "Hàng Hai"),
        nm,
    ];
    assert_eq!(conflict_code(s.member_import(&p, rows).await), "card_taken");
    let rows = vec![
        new_member(t.c1.id, "Hàng Một"),
        new_member(t.g1.id, "Hàng Hai"),
    ];
    assert_eq!(
        invalid_code(s.member_import(&p, rows).await),
        ("cell_id", "not_a_cell")
    );
    assert_eq!(audit_count(s).await, after_one);
    assert!(
        s.member_search(&p, "hang mot", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        invalid_code(s.member_transfer(&p, t.m1.id, t.c1.id, d(2024, 1, 1)).await),
        ("cell_id", "same_cell")
    );
    assert_eq!(
        invalid_code(s.member_transfer(&p, t.m1.id, t.c2.id, d(2019, 1, 1)).await),
        ("on", "date_before_start")
    );
    assert_eq!(
        invalid_code(s.org_move(&p, t.d1.id, t.g1.id, d(2024, 1, 1)).await),
        ("parent", "move_into_self")
    );
    assert_eq!(
        invalid_code(s.org_move(&p, t.g1.id, t.g1.id, d(2024, 1, 1)).await),
        ("parent", "move_into_self")
    );
    assert_eq!(
        invalid_code(s.org_move(&p, t.c1.id, t.c3.id, d(2024, 1, 1)).await).1,
        "kind_not_allowed"
    );
    assert_eq!(
        invalid_code(
            s.org_merge(
                &p,
                Merge {
                    sources: vec![t.c1.id],
                    target: MergeTarget::Existing(t.g2.id),
                    on: d(2024, 1, 1)
                }
            )
            .await
        )
        .1,
        "not_a_cell"
    );
    // A merge that fails half-way leaves everything as it was.
    assert_eq!(
        invalid_code(
            s.org_merge(
                &p,
                Merge {
                    sources: vec![t.g1.id],
                    target: MergeTarget::New(new_org(
                        Some(t.d1.id),
                        OrgKind::Cell,
                        "Chi bộ gộp",
                        None
                    )),
                    on: d(2024, 1, 1)
                }
            )
            .await
        )
        .1,
        "kind_not_allowed"
    );
    let pos = s
        .position_add(
            &p,
            NewPosition {
                member_id: t.m1.id,
                org_id: t.c1.id,
                role: PositionRole::Reporter,
                from: d(2024, 5, 1),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        invalid_code(s.position_end(&p, pos.id, d(2024, 4, 1)).await),
        ("on", "date_before_start")
    );
    let after_pos = audit_count(s).await;
    assert_eq!(after_pos, after_one + 1);
    let now = all_orgs(s).await;
    assert_eq!(now.len(), before_orgs.len());
    for (id, o) in &before_orgs {
        let n = &now[id];
        assert_eq!(
            (&o.path, &o.name, o.valid_to),
            (&n.path, &n.name, n.valid_to)
        );
    }
    assert_counters_fresh(s).await;
}

async fn search_with_and_without_diacritics(s: &dyn Store) {
    let t = tree(s).await;
    let p = sys();
    for q in ["bac giang", "Bắc Giang", "BAC  GIANG", "tinh uy bac"] {
        let hits = s.org_search(&p, q, 10).await.unwrap();
        assert_eq!(
            hits.iter().map(|o| o.id).collect::<Vec<_>>(),
            [t.province.id],
            "{q}"
        );
    }
    let hits = s.member_search(&p, "nguyen van", 10).await.unwrap();
    let mut names: Vec<_> = hits.iter().map(|h| h.member.full_name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["Nguyễn Văn An", "Nguyễn Văn Dũng"]);
    assert_eq!(
        s.member_search(&p, "dao", 10).await.unwrap()[0].member.id,
        t.m5.id
    );
    assert_eq!(
        s.member_search(&p, "Đào", 10).await.unwrap()[0].member.id,
        t.m5.id
    );
    assert!(s.member_search(&p, "%", 10).await.unwrap().is_empty());
    assert!(s.org_search(&p, "_", 10).await.unwrap().is_empty());
    assert!(s.org_search(&p, "  ", 10).await.unwrap().is_empty());
    assert_eq!(s.org_search(&p, "chi bo", 2).await.unwrap().len(), 2);
    // Closed units are not found.
    s.org_close(&p, t.c2.id, d(2024, 1, 1), None)
        .await
        .unwrap_err();
    s.member_transfer(&p, t.m3.id, t.c1.id, d(2024, 1, 1))
        .await
        .unwrap();
    s.org_close(&p, t.c2.id, d(2024, 1, 1), None).await.unwrap();
    assert!(s.org_search(&p, "thon tay", 10).await.unwrap().is_empty());
    let m = s.member_search(&p, "le van cuong", 10).await.unwrap();
    assert_eq!(m[0].cell_name, "Chi bộ thôn Đông");
}

async fn members_transfers_positions_and_history(s: &dyn Store) {
    let t = tree(s).await;
    let p = sys();
    let moved = s
        .member_transfer(&p, t.m1.id, t.c3.id, d(2023, 6, 1))
        .await
        .unwrap();
    assert_eq!(moved.cell_id, t.c3.id);
    assert_eq!(moved.cell_path, t.c3.path);
    let detail = s.member_get(&p, t.m1.id).await.unwrap();
    assert_eq!(detail.cell_name, "Chi bộ thôn Nam");
    let h: Vec<_> = detail
        .history
        .iter()
        .map(|h| (h.cell_id, h.from, h.to))
        .collect();
    assert_eq!(
        h,
        [
            (t.c1.id, d(2021, 1, 1), Some(d(2023, 6, 1))),
            (t.c3.id, d(2023, 6, 1), None)
        ]
    );
    assert_eq!(s.org_get(&p, t.c1.id).await.unwrap().member_count, 1);
    assert_eq!(
        s.org_get(&p, t.d1.id).await.unwrap().subtree_member_count,
        2
    );
    assert_eq!(
        s.org_get(&p, t.d2.id).await.unwrap().subtree_member_count,
        3
    );

    let pos = s
        .position_add(
            &p,
            NewPosition {
                member_id: t.m1.id,
                org_id: t.g2.id,
                role: PositionRole::CommitteeMember,
                from: d(2023, 7, 1),
            },
        )
        .await
        .unwrap();
    assert_eq!(pos.org_name, "Đảng ủy xã Bố Hạ");
    let ended = s.position_end(&p, pos.id, d(2024, 7, 1)).await.unwrap();
    assert_eq!(ended.to, Some(d(2024, 7, 1)));
    assert_eq!(
        conflict_code(s.position_end(&p, pos.id, d(2024, 8, 1)).await),
        "position_ended"
    );
    s.position_add(
        &p,
        NewPosition {
            member_id: t.m1.id,
            org_id: t.c3.id,
            role: PositionRole::Secretary,
            from: d(2024, 7, 1),
        },
    )
    .await
    .unwrap();
    let detail = s.member_get(&p, t.m1.id).await.unwrap();
    assert_eq!(detail.positions.len(), 2);
    assert_eq!(detail.positions[1].role, PositionRole::Secretary);

    let mut rows: Vec<NewMember> = (0..50)
        .map(|i| new_member(t.c2.id, &format!("Hồ Văn Nhập {i}")))
        .collect();
    rows[7].card_number = Some("IMP-7".into());
    rows.push(new_member(t.c3.id, "Hồ Thị Nhập"));
    assert_eq!(s.member_import(&p, rows).await.unwrap(), 51);
    assert_eq!(s.org_get(&p, t.c2.id).await.unwrap().member_count, 51);
    let hits = s.member_search(&p, "ho van nhap 7", 10).await.unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].member.card_number.as_deref(), Some("IMP-7"));
    let imported = s.member_get(&p, hits[0].member.id).await.unwrap();
    assert_eq!(imported.history.len(), 1);
    let e = &s
        .audit_list(
            &p,
            AuditFilter {
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap()[0];
    assert_eq!((e.action.as_str(), e.entity.as_str()), ("import", "member"));
    assert_eq!(e.after.as_ref().unwrap()["full_name"], "Hồ Thị Nhập");
    let created = member(s, t.c2.id, "Sau Nhập").await;
    assert!(created.id > hits[0].member.id);

    let secretary = principal(s, AccessRole::Secretary, t.g2.id).await;
    assert!(secretary.can(Permission::EditPeople, &t.c3.path));
    let m = s
        .member_create(&secretary, new_member(t.c3.id, "Bùi Văn Khoa"))
        .await
        .unwrap();
    assert_eq!(s.cell_members(&secretary, t.c3.id).await.unwrap().len(), 5);
    is_not_found(
        s.member_transfer(&secretary, m.id, t.c1.id, d(2024, 1, 1))
            .await,
    );
    assert_counters_fresh(s).await;
}

async fn rename_keeps_history(s: &dyn Store) {
    let t = tree(s).await;
    let p = sys();
    let r = s
        .org_update(
            &p,
            t.g1.id,
            OrgEdit {
                name: "Đảng ủy thị trấn Bảo Đài".into(),
                code: Some("BD".into()),
                on: d(2024, 1, 1),
            },
        )
        .await
        .unwrap();
    assert_eq!(r.id, t.g1.id);
    assert_eq!(r.code.as_deref(), Some("BD"));
    let h = s.org_history(&p, t.g1.id).await.unwrap();
    assert_eq!(
        h.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [OrgEventKind::Create, OrgEventKind::Rename]
    );
    assert_eq!(h[1].detail["old_name"], "Đảng ủy xã Bảo Đài");
    assert_eq!(h[1].detail["new_name"], "Đảng ủy thị trấn Bảo Đài");
    assert_eq!(h[1].on, d(2024, 1, 1));
    assert_eq!(
        s.org_search(&p, "thi tran bao dai", 5).await.unwrap().len(),
        1
    );
    assert!(s.org_search(&p, "xa bao dai", 5).await.unwrap().is_empty());
    assert_eq!(s.org_by_code(&p, "BD").await.unwrap().unwrap().id, t.g1.id);
}

async fn move_rewrites_subtree_paths(s: &dyn Store) {
    let t = tree(s).await;
    let p = sys();
    let moved = s
        .org_move(&p, t.g1.id, t.d2.id, d(2024, 1, 1))
        .await
        .unwrap();
    assert_eq!(moved.path, t.d2.path.child(t.g1.id));
    assert_eq!(moved.parent_id, Some(t.d2.id));
    let c1 = s.org_get(&p, t.c1.id).await.unwrap();
    assert_eq!(c1.path, moved.path.child(t.c1.id));
    let m1 = s.member_get(&p, t.m1.id).await.unwrap().member;
    assert_eq!(m1.cell_path, c1.path);
    // The member's history is untouched by a move of the cell.
    assert_eq!(s.member_get(&p, t.m1.id).await.unwrap().history.len(), 1);
    let d1 = s.org_get(&p, t.d1.id).await.unwrap();
    let d2 = s.org_get(&p, t.d2.id).await.unwrap();
    assert_eq!(
        (
            d1.child_count,
            d1.subtree_cell_count,
            d1.subtree_member_count
        ),
        (0, 0, 0)
    );
    assert_eq!(
        (
            d2.child_count,
            d2.subtree_cell_count,
            d2.subtree_member_count
        ),
        (2, 3, 5)
    );
    let h = s.org_history(&p, t.g1.id).await.unwrap();
    assert_eq!(h.last().unwrap().kind, OrgEventKind::Move);
    assert_eq!(h.last().unwrap().detail["old_parent_id"], t.d1.id.0);
    // A district principal of d1 no longer sees it; one of d2 does.
    let hu1 = principal(s, AccessRole::Admin, t.d1.id).await;
    let hu2 = principal(s, AccessRole::Admin, t.d2.id).await;
    is_not_found(s.member_get(&hu1, t.m1.id).await);
    s.member_get(&hu2, t.m1.id).await.unwrap();
    assert_counters_fresh(s).await;
}

async fn merge_cells_moves_members_with_new_stints(s: &dyn Store) {
    let t = tree(s).await;
    let p = sys();
    let target = s
        .org_merge(
            &p,
            Merge {
                sources: vec![t.c1.id, t.c2.id],
                target: MergeTarget::New(new_org(
                    Some(t.g1.id),
                    OrgKind::Cell,
                    "Chi bộ thôn Đông Tây",
                    None,
                )),
                on: d(2024, 4, 1),
            },
        )
        .await
        .unwrap();
    assert_eq!(target.member_count, 3);
    let c1 = s.org_get(&p, t.c1.id).await.unwrap();
    assert_eq!(c1.valid_to, Some(d(2024, 4, 1)));
    assert_eq!(c1.member_count, 0);
    let g1 = s.org_get(&p, t.g1.id).await.unwrap();
    assert_eq!(
        (
            g1.child_count,
            g1.subtree_cell_count,
            g1.subtree_member_count
        ),
        (1, 1, 3)
    );
    let detail = s.member_get(&p, t.m1.id).await.unwrap();
    assert_eq!(detail.member.cell_id, target.id);
    let h: Vec<_> = detail.history.iter().map(|h| (h.cell_id, h.to)).collect();
    assert_eq!(h, [(t.c1.id, Some(d(2024, 4, 1))), (target.id, None)]);
    let links = s.org_links(&p, target.id).await.unwrap();
    let mut preds: Vec<_> = links.predecessors.iter().map(|r| r.id).collect();
    preds.sort();
    assert_eq!(preds, [t.c1.id, t.c2.id]);
    assert_eq!(
        s.org_links(&p, t.c1.id).await.unwrap().successors[0].id,
        target.id
    );
    let mut lineage = s.org_lineage(&p, target.id).await.unwrap();
    lineage.sort();
    assert_eq!(lineage, [t.c1.id, t.c2.id, target.id]);
    assert_eq!(
        s.org_history(&p, t.c1.id)
            .await
            .unwrap()
            .last()
            .unwrap()
            .kind,
        OrgEventKind::Merge
    );
    // Closed units are refused, listed only on request.
    assert_eq!(
        conflict_code(s.member_create(&p, new_member(t.c1.id, "Ai Đó")).await),
        "org_closed"
    );
    assert_eq!(
        conflict_code(
            s.org_update(
                &p,
                t.c1.id,
                OrgEdit {
                    name: "X".into(),
                    code: None,
                    on: d(2024, 5, 1)
                }
            )
            .await
        ),
        "org_closed"
    );
    assert_eq!(s.org_children(&p, t.g1.id, false).await.unwrap().len(), 1);
    assert_eq!(s.org_children(&p, t.g1.id, true).await.unwrap().len(), 3);
    // A second merge: lineage is transitive.
    let c5 = s
        .org_merge(
            &p,
            Merge {
                sources: vec![target.id],
                target: MergeTarget::Existing(t.c3.id),
                on: d(2024, 9, 1),
            },
        )
        .await
        .unwrap();
    assert_eq!(c5.member_count, 5);
    let mut lineage = s.org_lineage(&p, t.c3.id).await.unwrap();
    lineage.sort();
    assert_eq!(lineage, [t.c1.id, t.c2.id, t.c3.id, target.id]);
    assert_eq!(s.member_get(&p, t.m1.id).await.unwrap().history.len(), 3);
    assert_counters_fresh(s).await;
}

async fn merge_communes_moves_children(s: &dyn Store) {
    let t = tree(s).await;
    let p = sys();
    let admin = principal(s, AccessRole::Admin, t.province.id).await;
    let g = s
        .org_merge(
            &admin,
            Merge {
                sources: vec![t.g1.id, t.g2.id],
                target: MergeTarget::New(new_org(
                    Some(t.d2.id),
                    OrgKind::Grassroots,
                    "Đảng ủy xã Bảo Đài Bố Hạ",
                    None,
                )),
                on: d(2025, 7, 1),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (g.child_count, g.subtree_cell_count, g.subtree_member_count),
        (3, 3, 5)
    );
    let c1 = s.org_get(&p, t.c1.id).await.unwrap();
    assert_eq!(c1.path, g.path.child(t.c1.id));
    assert!(c1.valid_to.is_none());
    // Members keep their stint when their cell moves.
    assert_eq!(s.member_get(&p, t.m1.id).await.unwrap().history.len(), 1);
    assert_eq!(
        s.member_get(&p, t.m1.id).await.unwrap().member.cell_path,
        c1.path
    );
    let d1 = s.org_get(&p, t.d1.id).await.unwrap();
    assert_eq!((d1.child_count, d1.subtree_member_count), (0, 0));
    assert_eq!(
        s.org_get(&p, t.g1.id).await.unwrap().subtree_member_count,
        0
    );
    // Merging a unit into its own descendant is refused.
    assert_eq!(
        invalid_code(
            s.org_merge(
                &p,
                Merge {
                    sources: vec![t.d2.id],
                    target: MergeTarget::Existing(g.id),
                    on: d(2025, 8, 1)
                }
            )
            .await
        )
        .1,
        "move_into_self"
    );
    assert_counters_fresh(s).await;
}

async fn split_distributes_members_and_closes_source(s: &dyn Store) {
    let t = tree(s).await;
    let p = sys();
    let parts = s
        .org_split(
            &p,
            Split {
                source: t.c3.id,
                parts: vec![
                    SplitPart {
                        new: new_org(Some(t.g2.id), OrgKind::Cell, "Chi bộ Nam 1", None),
                        children: vec![],
                        members: vec![t.m4.id],
                    },
                    SplitPart {
                        new: new_org(Some(t.g2.id), OrgKind::Cell, "Chi bộ Nam 2", None),
                        children: vec![],
                        members: vec![t.m5.id],
                    },
                ],
                on: d(2024, 10, 1),
            },
        )
        .await
        .unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!((parts[0].member_count, parts[1].member_count), (1, 1));
    let c3 = s.org_get(&p, t.c3.id).await.unwrap();
    assert_eq!(c3.valid_to, Some(d(2024, 10, 1)));
    let succ: Vec<_> = s
        .org_links(&p, t.c3.id)
        .await
        .unwrap()
        .successors
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(succ.len(), 2);
    assert_eq!(s.org_lineage(&p, parts[1].id).await.unwrap().len(), 2);
    let m5 = s.member_get(&p, t.m5.id).await.unwrap();
    assert_eq!(m5.member.cell_id, parts[1].id);
    assert_eq!(m5.history.len(), 2);
    let g2 = s.org_get(&p, t.g2.id).await.unwrap();
    assert_eq!(
        (
            g2.child_count,
            g2.subtree_cell_count,
            g2.subtree_member_count
        ),
        (2, 2, 2)
    );
    assert_eq!(
        s.org_history(&p, t.c3.id)
            .await
            .unwrap()
            .last()
            .unwrap()
            .kind,
        OrgEventKind::Split
    );
    // Split of a commune: children named per part, the rest go to the first part.
    let parts = s
        .org_split(
            &p,
            Split {
                source: t.g1.id,
                parts: vec![
                    SplitPart {
                        new: new_org(Some(t.d1.id), OrgKind::Grassroots, "Đảng ủy xã Bảo", None),
                        children: vec![],
                        members: vec![],
                    },
                    SplitPart {
                        new: new_org(Some(t.d1.id), OrgKind::Grassroots, "Đảng ủy xã Đài", None),
                        children: vec![t.c2.id],
                        members: vec![],
                    },
                ],
                on: d(2024, 10, 1),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (parts[0].child_count, parts[0].subtree_member_count),
        (1, 2)
    );
    assert_eq!(
        (parts[1].child_count, parts[1].subtree_member_count),
        (1, 1)
    );
    assert_eq!(
        invalid_code(
            s.org_split(
                &p,
                Split {
                    source: parts[0].id,
                    parts: vec![SplitPart {
                        new: new_org(Some(t.d1.id), OrgKind::Grassroots, "X", None),
                        children: vec![t.c3.id],
                        members: vec![]
                    }],
                    on: d(2024, 11, 1)
                }
            )
            .await
        ),
        ("children", "bad_choice")
    );
    assert_counters_fresh(s).await;
}

async fn close_needs_an_empty_unit(s: &dyn Store) {
    let t = tree(s).await;
    let p = sys();
    assert_eq!(
        conflict_code(s.org_close(&p, t.g1.id, d(2024, 1, 1), None).await),
        "has_active_children"
    );
    assert_eq!(
        conflict_code(s.org_close(&p, t.c2.id, d(2024, 1, 1), None).await),
        "has_active_children"
    );
    s.member_transfer(&p, t.m3.id, t.c1.id, d(2024, 1, 1))
        .await
        .unwrap();
    let closed = s
        .org_close(&p, t.c2.id, d(2024, 1, 2), Some(t.c1.id))
        .await
        .unwrap();
    assert_eq!(closed.valid_to, Some(d(2024, 1, 2)));
    assert_eq!(
        s.org_links(&p, t.c1.id).await.unwrap().predecessors[0].id,
        t.c2.id
    );
    assert_eq!(
        conflict_code(s.org_close(&p, t.c2.id, d(2024, 1, 3), None).await),
        "org_closed"
    );
    assert_eq!(
        conflict_code(
            s.org_create(&p, new_org(Some(t.c2.id), OrgKind::Cell, "X", None))
                .await
        ),
        "org_closed"
    );
    let g1 = s.org_get(&p, t.g1.id).await.unwrap();
    assert_eq!(
        (
            g1.child_count,
            g1.subtree_cell_count,
            g1.subtree_member_count
        ),
        (1, 1, 3)
    );
    // A closed unit's code may be reused.
    s.org_update(
        &p,
        t.c1.id,
        OrgEdit {
            name: t.c1.name.clone(),
            code: Some("DONG".into()),
            on: d(2024, 1, 1),
        },
    )
    .await
    .unwrap();
    s.member_transfer(&p, t.m1.id, t.c3.id, d(2024, 2, 1))
        .await
        .unwrap();
    s.member_transfer(&p, t.m2.id, t.c3.id, d(2024, 2, 1))
        .await
        .unwrap();
    s.member_transfer(&p, t.m3.id, t.c3.id, d(2024, 2, 1))
        .await
        .unwrap();
    s.org_close(&p, t.c1.id, d(2024, 3, 1), None).await.unwrap();
    org(
        s,
        Some(t.g2.id),
        OrgKind::Cell,
        "Chi bộ Đông mới",
        Some("DONG"),
    )
    .await;
    assert_counters_fresh(s).await;
}

async fn bulk_load_then_counters(s: &dyn Store) {
    use domain::{MemberId, OrgId, OrgPath};
    let p = sys();
    let base = s.max_ids().await.unwrap();
    let prov = OrgPath::root(OrgId(base.org + 1));
    let mut orgs = vec![BulkOrg {
        id: prov.id(),
        parent_id: None,
        path: prov.clone(),
        kind: OrgKind::Provincial,
        code: Some("99".into()),
        name: "Tỉnh ủy Thử".into(),
        valid_from: d(2020, 1, 1),
    }];
    let mut members = Vec::new();
    let mut next = base.org + 2;
    let mut mid = base.member + 1;
    for di in 0..3 {
        let dp = prov.child(OrgId(next));
        next += 1;
        orgs.push(BulkOrg {
            id: dp.id(),
            parent_id: Some(prov.id()),
            path: dp.clone(),
            kind: OrgKind::DirectlyAffiliated,
            code: None,
            name: format!("Huyện ủy {di}"),
            valid_from: d(2020, 1, 1),
        });
        for gi in 0..4 {
            let gp = dp.child(OrgId(next));
            next += 1;
            orgs.push(BulkOrg {
                id: gp.id(),
                parent_id: Some(dp.id()),
                path: gp.clone(),
                kind: OrgKind::Grassroots,
                code: None,
                name: format!("Đảng ủy xã {di}-{gi}"),
                valid_from: d(2020, 1, 1),
            });
            for ci in 0..5 {
                let cp = gp.child(OrgId(next));
                next += 1;
                orgs.push(BulkOrg {
                    id: cp.id(),
                    parent_id: Some(gp.id()),
                    path: cp.clone(),
                    kind: OrgKind::Cell,
                    code: None,
                    name: format!("Chi bộ {di}-{gi}-{ci}"),
                    valid_from: d(2020, 1, 1),
                });
                for k in 0..(ci + 1) {
                    members.push(BulkMember {
                        id: MemberId(mid),
                        cell_id: cp.id(),
                        cell_path: cp.clone(),
                        full_name: format!("Nguyễn Văn Thử {mid}"),
                        gender: None,
                        birth_date: None,
                        joined_on: None,
                        audience: domain::Audience::Member,
                        card_number: Some(format!("T{mid}-{k}")),
                        since: d(2020, 2, 1),
                    });
                    mid += 1;
                }
            }
        }
    }
    let n_members = members.len() as i64;
    let first_member = members[0].id;
    let cell0 = members[0].cell_id;
    let load = BulkLoad {
        orgs,
        members,
        positions: vec![BulkPosition {
            member_id: first_member,
            org_id: cell0,
            role: PositionRole::Secretary,
            from: d(2021, 1, 1),
        }],
        users: vec![BulkUser {
            username: "demo.admin".into(),
            display_name: "Quản trị".into(),
            password_hash: "h".into(),
            member_id: None,
            grants: vec![(AccessRole::Admin, prov.id())],
        }],
        label: "test load".into(),
        recount: true,
    };
    s.bulk_load(&p, load).await.unwrap();
    let root = s.org_get(&p, prov.id()).await.unwrap();
    assert_eq!(
        (
            root.child_count,
            root.subtree_cell_count,
            root.subtree_member_count
        ),
        (3, 60, n_members)
    );
    assert_eq!(n_members, 3 * 4 * 15);
    let detail = s.member_get(&p, first_member).await.unwrap();
    assert_eq!(detail.history.len(), 1);
    assert_eq!(detail.positions.len(), 1);
    let cred = s.credentials("demo.admin").await.unwrap().unwrap();
    let admin = s.principal(cred.user_id).await.unwrap().unwrap();
    assert_eq!(admin.grants[0].org_path, prov);
    assert_eq!(
        s.member_search(&admin, "thu", 1000).await.unwrap().len() as i64,
        n_members
    );
    let e = &s
        .audit_list(
            &p,
            AuditFilter {
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap()[0];
    assert_eq!(e.action, "bulk_load");
    assert_eq!(e.after.as_ref().unwrap()["members"], n_members);
    let after = s.max_ids().await.unwrap();
    assert_eq!(after.member, mid - 1);
    assert_eq!(after.org, next - 1);
    // Ids keep growing after a bulk load.
    let c = org(
        s,
        Some(root.id),
        OrgKind::DirectlyAffiliated,
        "Huyện ủy mới",
        None,
    )
    .await;
    assert_eq!(c.id.0, next);
    let m = member(s, cell0, "Thành viên Mới").await;
    assert_eq!(m.id.0, mid);
    assert_counters_fresh(s).await;
}

async fn sessions_crud(s: &dyn Store) {
    let t0 = time::OffsetDateTime::now_utc();
    let later = t0 + time::Duration::hours(1);
    assert!(s.session_load("a").await.unwrap().is_none());
    assert!(s.session_create("a", b"one", later, None).await.unwrap());
    assert!(!s.session_create("a", b"two", later, None).await.unwrap());
    let (data, exp) = s.session_load("a").await.unwrap().unwrap();
    assert_eq!(data, b"one");
    assert!((exp - later).abs() < time::Duration::seconds(1));
    s.session_save("a", b"three", later, None).await.unwrap();
    // Saving a session that is gone does not bring it back.
    s.session_save("gone", b"x", later, None).await.unwrap();
    assert!(s.session_load("gone").await.unwrap().is_none());
    assert!(
        s.session_create("b", b"four", t0 - time::Duration::hours(1), None)
            .await
            .unwrap()
    );
    assert_eq!(s.session_load("a").await.unwrap().unwrap().0, b"three");
    assert_eq!(s.session_delete_expired(t0).await.unwrap(), 1);
    assert!(s.session_load("b").await.unwrap().is_none());
    s.session_delete("a").await.unwrap();
    assert!(s.session_load("a").await.unwrap().is_none());
}

async fn migration_state_is_current(s: &dyn Store) {
    let m = s.migration_state().await.unwrap();
    assert!(m.is_current(), "{m:?}");
    assert!(m.known >= 1);
    assert_eq!(m.applied, m.known);
    // The latest is the last known one, e.g. "4_document_attachments"; versions may skip a
    // number reserved for a change not merged yet, so the latest is at least the count.
    let latest = m.latest_applied.unwrap();
    let version: i64 = latest.split('_').next().unwrap().parse().unwrap();
    assert!(version >= m.known, "{latest}");
    s.migrate().await.unwrap();
    assert_eq!(s.migration_state().await.unwrap().applied, m.applied);
}

async fn backup_writes_a_database(s: &dyn Store) {
    let t = tree(s).await;
    let dir = std::env::temp_dir().join(format!(
        "resolute-backup-{}-{}",
        std::process::id(),
        t.c1.id
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("backup.db");
    let _ = std::fs::remove_file(&file);
    match s.backend() {
        "sqlite" => {
            s.backup_to(&file).await.unwrap();
            let copy = store_sqlite::SqliteStore::open(file.to_str().unwrap())
                .await
                .unwrap();
            assert!(copy.migration_state().await.unwrap().is_current());
            assert_eq!(copy.org_get(&sys(), t.c1.id).await.unwrap().name, t.c1.name);
            assert_eq!(
                copy.org_get(&sys(), t.province.id)
                    .await
                    .unwrap()
                    .subtree_member_count,
                5
            );
            copy.close().await;
            assert_eq!(conflict_code(s.backup_to(&file).await), "file_exists");
        }
        _ => assert!(matches!(
            s.backup_to(&file).await,
            Err(StoreError::Unsupported(_))
        )),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

async fn accounts_grants_and_principals(s: &dyn Store) {
    let t = tree(s).await;
    let p = sys();
    let admin1 = principal(s, AccessRole::Admin, t.d1.id).await;
    let admin2 = principal(s, AccessRole::Admin, t.d2.id).await;
    let u = s
        .user_create(
            &admin1,
            NewUser {
                username: " VP.LucNam ".into(),
                display_name: "Văn phòng".into(),
                password_hash: "hash-1".into(),
                member_id: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(u.username, "vp.lucnam");
    assert_eq!(
        conflict_code(
            s.user_create(
                &admin2,
                NewUser {
                    username: "vp.lucnam".into(),
                    display_name: "X".into(),
                    password_hash: "h".into(),
                    member_id: None
                }
            )
            .await
        ),
        "username_taken"
    );
    assert_eq!(
        invalid_code(
            s.user_create(
                &admin1,
                NewUser {
                    username: "a b".into(),
                    display_name: "X".into(),
                    password_hash: "h".into(),
                    member_id: None
                }
            )
            .await
        ),
        ("username", "bad_username")
    );
    // Visible to its administrators before it has any grant, not to the other district.
    assert_eq!(s.user_get(&admin1, u.id).await.unwrap().user.id, u.id);
    is_not_found(s.user_get(&admin2, u.id).await);
    assert!(
        s.user_by_username(&admin2, "vp.lucnam")
            .await
            .unwrap()
            .is_none()
    );
    is_not_found(
        s.grant_add(
            &admin2,
            NewGrant {
                user_id: u.id,
                role: AccessRole::OfficeStaff,
                org_id: t.d2.id,
            },
        )
        .await,
    );
    let g = s
        .grant_add(
            &admin1,
            NewGrant {
                user_id: u.id,
                role: AccessRole::OfficeStaff,
                org_id: t.d1.id,
            },
        )
        .await
        .unwrap();
    assert_eq!(g.org_path, t.d1.path);
    assert_eq!(
        conflict_code(
            s.grant_add(
                &admin1,
                NewGrant {
                    user_id: u.id,
                    role: AccessRole::OfficeStaff,
                    org_id: t.d1.id
                }
            )
            .await
        ),
        "grant_exists"
    );
    let pr = s.principal(u.id).await.unwrap().unwrap();
    assert_eq!(pr.grants.len(), 1);
    assert_eq!(pr.grants[0].org_path, t.d1.path);
    assert_eq!(pr.home(), Some(t.d1.id));
    let cred = s.credentials("VP.LUCNAM").await.unwrap().unwrap();
    assert_eq!(
        (cred.user_id, cred.password_hash.as_str(), cred.disabled),
        (u.id, "hash-1", false)
    );
    assert!(s.credentials("nobody").await.unwrap().is_none());

    let list1: Vec<_> = s
        .user_list(&admin1)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.user.username)
        .collect();
    assert!(list1.contains(&"vp.lucnam".to_string()));
    assert!(list1.contains(&admin1.username));
    assert!(!list1.contains(&admin2.username));
    assert!(s.user_list(&pr).await.unwrap().is_empty());
    assert!(s.user_list(&p).await.unwrap().len() >= 3);

    // Self-service password change; no disabling oneself.
    s.user_set_password(&pr, u.id, "hash-2").await.unwrap();
    assert_eq!(
        s.credentials("vp.lucnam")
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "hash-2"
    );
    is_forbidden(s.user_set_disabled(&admin1, admin1.user_id, true).await);
    is_not_found(s.user_set_disabled(&admin2, u.id, true).await);
    s.user_set_disabled(&admin1, u.id, true).await.unwrap();
    assert!(s.principal(u.id).await.unwrap().is_none());
    assert!(s.credentials("vp.lucnam").await.unwrap().unwrap().disabled);
    is_not_found(s.grant_revoke(&admin2, g.id).await);
    s.grant_revoke(&admin1, g.id).await.unwrap();
    is_not_found(s.grant_revoke(&admin1, g.id).await);
    s.user_set_disabled(&admin1, u.id, false).await.unwrap();
    assert!(s.principal(u.id).await.unwrap().unwrap().grants.is_empty());
}

async fn audit_list_is_scoped(s: &dyn Store) {
    let t = tree(s).await;
    let admin1 = principal(s, AccessRole::Admin, t.d1.id).await;
    let staff1 = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let all = s
        .audit_list(
            &admin1,
            AuditFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!all.is_empty());
    assert!(
        all.iter()
            .all(|e| e.org_path.as_ref().is_some_and(|p| t.d1.path.covers(p)))
    );
    assert!(
        all.iter()
            .any(|e| e.entity == "member" && e.entity_id == t.m1.id.0)
    );
    assert!(
        !all.iter()
            .any(|e| e.entity == "member" && e.entity_id == t.m4.id.0)
    );
    let cell = s
        .audit_list(
            &admin1,
            AuditFilter {
                org: Some(t.c1.id),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(cell.iter().all(|e| e.org_path.as_ref() == Some(&t.c1.path)));
    assert!(!cell.is_empty());
    is_not_found(
        s.audit_list(
            &admin1,
            AuditFilter {
                org: Some(t.c3.id),
                limit: 10,
                ..Default::default()
            },
        )
        .await,
    );
    assert!(
        s.audit_list(
            &staff1,
            AuditFilter {
                limit: 10,
                ..Default::default()
            }
        )
        .await
        .unwrap()
        .is_empty()
    );
    let members = s
        .audit_list(
            &admin1,
            AuditFilter {
                entity: Some("member".into()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(members.len(), 3);
}

async fn concurrent_writes_all_succeed(s: &dyn Store) {
    let t = tree(s).await;
    let p = sys();
    // Forty writers at once (and readers beside them): none fails with a busy database.
    let writes = (0..40).map(|i| {
        let cell = [t.c1.id, t.c2.id, t.c3.id][i % 3];
        let p = p.clone();
        async move {
            if i % 4 == 0 {
                s.org_search(&p, "chi bo", 10).await.map(|_| ())
            } else {
                s.member_create(&p, new_member(cell, &format!("Đồng Thời {i}")))
                    .await
                    .map(|_| ())
            }
        }
    });
    for r in futures_join_all(writes).await {
        r.unwrap();
    }
    assert_eq!(
        s.org_get(&p, t.province.id)
            .await
            .unwrap()
            .subtree_member_count,
        5 + 30
    );
    assert_counters_fresh(s).await;
}

/// Polls all futures concurrently on this task (no extra dependency).
async fn futures_join_all<F: std::future::Future>(
    futs: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let mut futs: Vec<_> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in futs.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(|o| o.expect("ready")).collect()
}

fn import_row(code: &str, name: &str, kind: OrgKind, parent: ParentRef) -> NewOrgImport {
    NewOrgImport {
        code: code.to_owned(),
        name: name.to_owned(),
        kind,
        parent,
        valid_from: d(2024, 1, 1),
    }
}

async fn org_import_creates_units_in_one_transaction(s: &dyn Store) {
    let t = tree(s).await;
    let office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let before_audit = audit_count(s).await;
    let rows = vec![
        import_row(
            "24-XBS",
            "Đảng bộ xã Bảo Sơn",
            OrgKind::Grassroots,
            ParentRef::Existing(t.d1.id),
        ),
        import_row(
            "24-XBS-1",
            "Chi bộ thôn Đồng Quan",
            OrgKind::Cell,
            ParentRef::Row(0),
        ),
        import_row(
            "24-XBS-2",
            "Chi bộ thôn Hạ",
            OrgKind::Cell,
            ParentRef::Row(0),
        ),
        import_row(
            "24-BD-3",
            "Chi bộ thôn Mới",
            OrgKind::Cell,
            ParentRef::Existing(t.g1.id),
        ),
    ];
    assert_eq!(s.org_import(&office, rows).await.unwrap(), 4);

    let g = s.org_by_code(&office, "24-XBS").await.unwrap().unwrap();
    assert_eq!(g.parent_id, Some(t.d1.id));
    assert_eq!(g.path, t.d1.path.child(g.id));
    assert_eq!(g.valid_from, d(2024, 1, 1));
    let kids = s.org_children(&office, g.id, false).await.unwrap();
    let names: Vec<_> = kids.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["Chi bộ thôn Đồng Quan", "Chi bộ thôn Hạ"]);
    assert!(
        kids.iter()
            .all(|k| k.path.as_str().starts_with(g.path.as_str()))
    );
    let d1 = s.org_get(&office, t.d1.id).await.unwrap();
    assert_eq!((d1.child_count, d1.subtree_cell_count), (2, 5));
    assert_eq!(s.org_get(&office, t.g1.id).await.unwrap().child_count, 3);
    // One audit entry per unit, by the importing account.
    assert_eq!(audit_count(s).await, before_audit + 4);
    let e = &s
        .audit_list(
            &sys(),
            AuditFilter {
                limit: 4,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        e.iter()
            .all(|e| e.action == "create" && e.entity == "organization")
    );
    assert!(e.iter().all(|e| e.actor == office.username));
    assert_counters_fresh(s).await;
}

async fn org_import_failing_row_leaves_nothing_saved(s: &dyn Store) {
    let t = tree(s).await;
    let office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let reader = principal(s, AccessRole::Member, t.d1.id).await;
    let before_orgs = all_orgs(s).await;
    let before_audit = audit_count(s).await;
    let good = || {
        vec![
            import_row(
                "24-XBS",
                "Đảng bộ xã Bảo Sơn",
                OrgKind::Grassroots,
                ParentRef::Existing(t.d1.id),
            ),
            import_row(
                "24-XBS-1",
                "Chi bộ thôn Đồng Quan",
                OrgKind::Cell,
                ParentRef::Row(0),
            ),
        ]
    };
    let with = |last: NewOrgImport| {
        let mut rows = good();
        rows.push(last);
        rows
    };

    // A code already used by an active unit, in the last row.
    let r = s
        .org_import(
            &office,
            with(import_row(
                "24-lucnam",
                "Chi bộ",
                OrgKind::Cell,
                ParentRef::Row(0),
            )),
        )
        .await;
    assert_eq!(conflict_code(r), "code_taken");
    // The same code twice in one import.
    let r = s
        .org_import(
            &office,
            with(import_row(
                "24-XBS-1",
                "Chi bộ khác",
                OrgKind::Cell,
                ParentRef::Row(0),
            )),
        )
        .await;
    assert_eq!(conflict_code(r), "code_taken");
    // A kind the parent may not contain.
    let r = s
        .org_import(
            &office,
            with(import_row(
                "24-XBS-9",
                "Chi bộ con",
                OrgKind::Cell,
                ParentRef::Row(1),
            )),
        )
        .await;
    assert_eq!(invalid_code(r), ("kind", "kind_not_allowed"));
    // A parent row that is not an earlier row.
    let r = s
        .org_import(
            &office,
            with(import_row(
                "24-XBS-9",
                "Chi bộ",
                OrgKind::Cell,
                ParentRef::Row(7),
            )),
        )
        .await;
    assert_eq!(invalid_code(r), ("parent", "bad_choice"));
    // A parent in another district: as if it did not exist.
    is_not_found(
        s.org_import(
            &office,
            with(import_row(
                "24-XBS-9",
                "Chi bộ",
                OrgKind::Cell,
                ParentRef::Existing(t.g2.id),
            )),
        )
        .await,
    );
    // A reader of the district may not create units.
    is_forbidden(s.org_import(&reader, good()).await);
    // An empty name.
    let r = s
        .org_import(
            &office,
            with(import_row(
                "24-XBS-9",
                " ",
                OrgKind::Cell,
                ParentRef::Row(0),
            )),
        )
        .await;
    assert_eq!(invalid_code(r), ("name", "required"));

    assert_eq!(all_orgs(s).await, before_orgs, "nothing was saved");
    assert_eq!(audit_count(s).await, before_audit);
    assert!(s.org_by_code(&sys(), "24-XBS").await.unwrap().is_none());
    assert_counters_fresh(s).await;
    // And the good rows alone go in.
    assert_eq!(s.org_import(&office, good()).await.unwrap(), 2);
    assert_eq!(s.org_import(&office, Vec::new()).await.unwrap(), 0);
}

async fn cell_positions_lists_current_positions_of_active_members(s: &dyn Store) {
    let t = tree(s).await;
    let p = sys();
    let add = |member: domain::MemberId, org: domain::OrgId, role: PositionRole, from| {
        s.position_add(
            &p,
            NewPosition {
                member_id: member,
                org_id: org,
                role,
                from,
            },
        )
    };
    let sec = add(t.m1.id, t.c1.id, PositionRole::Secretary, d(2022, 1, 1))
        .await
        .unwrap();
    // A position held in another unit (the commune's committee) counts too.
    let com = add(
        t.m1.id,
        t.g1.id,
        PositionRole::CommitteeMember,
        d(2023, 1, 1),
    )
    .await
    .unwrap();
    let ended = add(
        t.m2.id,
        t.c1.id,
        PositionRole::DeputySecretary,
        d(2021, 6, 1),
    )
    .await
    .unwrap();
    s.position_end(&p, ended.id, d(2023, 6, 1)).await.unwrap();
    let dep = add(t.m2.id, t.c1.id, PositionRole::Reporter, d(2023, 6, 1))
        .await
        .unwrap();
    // Another cell's secretary is not listed.
    add(t.m3.id, t.c2.id, PositionRole::Secretary, d(2022, 1, 1))
        .await
        .unwrap();

    let got = s.cell_positions(&p, t.c1.id).await.unwrap();
    let ids: Vec<i64> = got.iter().map(|x| x.id).collect();
    // By member, then start date.
    assert_eq!(ids, [sec.id, com.id, dep.id]);
    assert_eq!(got[1].org_name, "Đảng ủy xã Bảo Đài");
    assert!(got.iter().all(|x| x.to.is_none()));
    // The same as reading each member's detail.
    for m in s.cell_members(&p, t.c1.id).await.unwrap() {
        let one: Vec<_> = s
            .member_get(&p, m.id)
            .await
            .unwrap()
            .positions
            .into_iter()
            .filter(|x| x.to.is_none())
            .collect();
        let from_cell: Vec<_> = got
            .iter()
            .filter(|x| x.member_id == m.id)
            .cloned()
            .collect();
        assert_eq!(one, from_cell);
    }

    // A member who left no longer shows.
    let m2 = s.member_get(&p, t.m2.id).await.unwrap().member;
    s.member_update(
        &p,
        m2.id,
        MemberEdit {
            full_name: m2.full_name,
            gender: m2.gender,
            birth_date: m2.birth_date,
            joined_on: m2.joined_on,
            audience: m2.audience,
            card_number: m2.card_number,
            status: MemberStatus::Left,
        },
    )
    .await
    .unwrap();
    let got = s.cell_positions(&p, t.c1.id).await.unwrap();
    assert!(got.iter().all(|x| x.member_id == t.m1.id));
    assert_eq!(got.len(), 2);
    assert!(s.cell_positions(&p, t.c3.id).await.unwrap().is_empty());

    // Scope: the cell's district reads it; the other district gets NotFound.
    let inside = principal(s, AccessRole::Member, t.c1.id).await;
    assert_eq!(s.cell_positions(&inside, t.c1.id).await.unwrap().len(), 2);
    let outside = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    is_not_found(s.cell_positions(&outside, t.c1.id).await);
}

async fn own_password_change_is_audited(s: &dyn Store) {
    let t = tree(s).await;
    let me = principal(s, AccessRole::Member, t.c1.id).await;
    let other = principal(s, AccessRole::Member, t.c1.id).await;
    let before = audit_count(s).await;
    s.user_set_password(&me, me.user_id, "$argon2id$new")
        .await
        .unwrap();
    assert_eq!(
        s.credentials(&me.username)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "$argon2id$new"
    );
    assert_eq!(audit_count(s).await, before + 1);
    let e = &s
        .audit_list(
            &sys(),
            AuditFilter {
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap()[0];
    assert_eq!(
        (e.action.as_str(), e.entity.as_str(), e.entity_id),
        ("password", "user", me.user_id.0)
    );
    assert_eq!(e.actor, me.username);
    // The hash itself is not in the audit log.
    let text = format!("{:?} {:?}", e.before, e.after);
    assert!(!text.contains("argon2id$new"), "{text}");
    // Another plain account's password: refused, as if it did not exist or forbidden.
    assert!(matches!(
        s.user_set_password(&me, other.user_id, "x").await,
        Err(StoreError::Forbidden | StoreError::NotFound)
    ));
    assert_eq!(
        invalid_code(s.user_set_password(&me, me.user_id, "").await),
        ("password", "required")
    );
}

/// Issue 12 #4: units and members are listed in Vietnamese alphabetical order (a ă â,
/// d before đ, tones after letters) with numbers as numbers, on both backends.
async fn names_sort_in_vietnamese_alphabetical_order(s: &dyn Store) {
    use OrgKind::*;
    let p = sys();
    let province = org(s, None, Provincial, "Tỉnh ủy Bắc Giang", Some("24")).await;
    let district = org(
        s,
        Some(province.id),
        DirectlyAffiliated,
        "Huyện ủy Lục Nam",
        None,
    )
    .await;
    for name in [
        "Đảng bộ xã Bình Sơn",
        "Đảng bộ xã Bắc Lũng",
        "Đảng bộ xã Bảo Sơn",
        "Đảng bộ xã Bảo Đài",
        "Đảng bộ xã Đông Phú",
        "Đảng bộ xã Dương Hưu",
    ] {
        org(s, Some(district.id), Grassroots, name, None).await;
    }
    let names: Vec<String> = s
        .org_children(&p, district.id, false)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(
        names,
        [
            "Đảng bộ xã Bảo Đài",
            "Đảng bộ xã Bảo Sơn",
            "Đảng bộ xã Bắc Lũng",
            "Đảng bộ xã Bình Sơn",
            "Đảng bộ xã Dương Hưu",
            "Đảng bộ xã Đông Phú",
        ]
    );
    let commune = org(s, Some(district.id), Grassroots, "Đảng bộ xã An Lập", None).await;
    for n in [10, 2, 1] {
        org(
            s,
            Some(commune.id),
            Cell,
            &format!("Chi bộ thôn số {n}"),
            None,
        )
        .await;
    }
    let cells: Vec<String> = s
        .org_children(&p, commune.id, false)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(
        cells,
        ["Chi bộ thôn số 1", "Chi bộ thôn số 2", "Chi bộ thôn số 10"]
    );
    let cell = s.org_children(&p, commune.id, false).await.unwrap()[0].clone();
    for name in ["Đỗ Văn Bình", "Dương Thị Ánh", "Bùi Văn Ân", "Bế Thị An"] {
        member(s, cell.id, name).await;
    }
    let members: Vec<String> = s
        .cell_members(&p, cell.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.full_name)
        .collect();
    assert_eq!(
        members,
        ["Bế Thị An", "Bùi Văn Ân", "Dương Thị Ánh", "Đỗ Văn Bình"]
    );
}
