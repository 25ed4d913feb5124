//! The conformance suite of resolutions into programs (issue 3): every case runs on SQLite
//! and, when `RESOLUTE_TEST_POSTGRES` is set, on PostgreSQL.

use domain::{
    AccessRole, CascadeScope, Direction, DocumentType, MemberId, OrgId, OrgKind, OrgPath,
    PositionRole, ProgramKind, ProgramSections, ProgramState, Target, TaskDraft, Term,
};
use std::time::Instant;
use store::*;
use store_tests::programs::*;
use store_tests::*;

store_tests::program_suite!(
    documents_register_read_and_unique_numbers,
    documents_validation_and_scope,
    document_targets_replace_by_position,
    cascades_reach_units_once_per_chain,
    cascade_rules_and_authorization,
    study_updates_rollups_and_dashboards,
    overdue_units_name_the_secretary,
    cascade_of_a_province_is_fast,
    program_draft_issue_and_revision,
    program_rules_and_authorization,
    lower_units_cascade_their_own_program,
);

fn page() -> Page {
    Page {
        offset: 0,
        limit: 100,
    }
}

async fn documents_register_read_and_unique_numbers(s: &dyn FullStore) {
    let t = tree(s).await;
    let office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let before = audit_count(s).await;
    let doc = s
        .register_document(&office, resolution(t.province.id, "01-NQ/TU"))
        .await
        .unwrap();
    assert_eq!(audit_count(s).await, before + 1);
    assert_eq!(doc.symbol, "01-NQ/TU");
    assert_eq!(doc.number, 1);
    assert_eq!(doc.root_document_id, doc.id);
    assert_eq!(doc.issuer_path, t.province.path);
    assert_eq!(doc.status, DocumentStatus::InForce);
    assert!(
        doc.body_md.contains("**năng lực lãnh đạo**"),
        "raw Markdown kept"
    );
    let read = s.document(&office, doc.id).await.unwrap();
    assert_eq!(read, doc);

    // The same value written differently is the same number.
    let again = s
        .register_document(&office, resolution(t.province.id, "1-NQ/TU"))
        .await;
    assert_eq!(conflict_code(again), "document_number_taken");
    assert_eq!(
        audit_count(s).await,
        before + 1,
        "a refused write adds no audit row"
    );
    // Another type, another term, another issuer: free.
    let directive = resolution(t.province.id, "01-CT/TU");
    assert_eq!(directive.doc_type, DocumentType::Directive);
    s.register_document(&office, directive).await.unwrap();
    let mut next_term = resolution(t.province.id, "01-NQ/TU");
    next_term.term = Term::parse("term", "2025–2030").unwrap();
    next_term.issued_on = d(2025, 11, 2);
    s.register_document(&office, next_term).await.unwrap();
    let mut district = resolution(t.d1.id, "01-NQ/HU");
    district.parent_document_id = Some(doc.id);
    let dd = s.register_document(&sys(), district).await.unwrap();
    assert_eq!(
        dd.root_document_id, doc.id,
        "the chain's root is the province's resolution"
    );
    assert_eq!(dd.parent_document_id, Some(doc.id));

    let list = s.documents(&office, t.province.id, page()).await.unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0].issued_on, d(2025, 11, 2), "newest first");
}

async fn documents_validation_and_scope(s: &dyn FullStore) {
    let t = tree(s).await;
    let prov_office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    let d1_secretary = principal(s, AccessRole::Secretary, t.d1.id).await;
    let before = audit_count(s).await;

    let mut wrong_type = resolution(t.province.id, "01-NQ/TU");
    wrong_type.doc_type = DocumentType::Directive;
    assert_eq!(
        invalid_code(s.register_document(&prov_office, wrong_type).await),
        ("number", "doc_type_mismatch")
    );
    let mut outside = resolution(t.province.id, "01-NQ/TU");
    outside.issued_on = d(2019, 12, 31);
    assert_eq!(
        invalid_code(s.register_document(&prov_office, outside).await),
        ("issued_on", "date_outside_term")
    );
    let mut untitled = resolution(t.province.id, "01-NQ/TU");
    untitled.title = "  ".into();
    assert_eq!(
        invalid_code(s.register_document(&prov_office, untitled).await),
        ("title", "required")
    );
    // A district office may not register for the province (which it cannot open); a
    // secretary not at all.
    is_not_found(
        s.register_document(&d1_office, resolution(t.province.id, "01-NQ/TU"))
            .await,
    );
    is_forbidden(
        s.register_document(&d1_secretary, resolution(t.d1.id, "01-NQ/HU"))
            .await,
    );
    // Another district's unit does not exist for d2's office.
    is_not_found(
        s.register_document(&d2_office, resolution(t.d1.id, "01-NQ/HU"))
            .await,
    );
    assert_eq!(audit_count(s).await, before);

    let prov_doc = s
        .register_document(&prov_office, resolution(t.province.id, "01-NQ/TU"))
        .await
        .unwrap();
    let d1_doc = s
        .register_document(&d1_office, resolution(t.d1.id, "01-NQ/HU"))
        .await
        .unwrap();
    // Upper documents reach the lower units; a sibling district's do not.
    assert_eq!(
        s.document(&d2_office, prov_doc.id).await.unwrap().id,
        prov_doc.id
    );
    is_not_found(s.document(&d2_office, d1_doc.id).await);
    is_not_found(s.documents(&d2_office, t.d1.id, page()).await);
    assert_eq!(
        s.documents(&d2_office, t.province.id, page())
            .await
            .unwrap()
            .len(),
        1
    );
}

fn target(indicator: &str, baseline: f64, value: f64) -> Target {
    Target {
        indicator: indicator.into(),
        baseline: Some(baseline),
        target_value: value,
        unit: "%".into(),
        deadline: Some(d(2025, 12, 31)),
        direction: Direction::Increase,
    }
}

async fn document_targets_replace_by_position(s: &dyn FullStore) {
    let t = tree(s).await;
    let office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let doc = s
        .register_document(&office, resolution(t.province.id, "01-NQ/TU"))
        .await
        .unwrap();
    let before = audit_count(s).await;
    let set = s
        .set_document_targets(
            &office,
            doc.id,
            vec![
                target("Tỷ lệ đảng viên học tập nghị quyết", 80.0, 100.0),
                target("Tỷ lệ chi bộ xếp loại tốt", 60.0, 75.0),
            ],
        )
        .await
        .unwrap();
    assert_eq!(set.len(), 2);
    assert_eq!(audit_count(s).await, before + 2);
    let changed = s
        .set_document_targets(
            &office,
            doc.id,
            vec![target("Tỷ lệ đảng viên học tập nghị quyết", 80.0, 95.0)],
        )
        .await
        .unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].id, set[0].id, "rows keep their ids by position");
    assert_eq!(changed[0].target.target_value, 95.0);
    assert_eq!(audit_count(s).await, before + 4, "one update, one removal");
    let bad = s
        .set_document_targets(&office, doc.id, vec![target("Giảm", 80.0, 60.0)])
        .await;
    assert_eq!(
        invalid_code(bad),
        ("targets[0].target_value", "target_direction")
    );
    is_forbidden(s.set_document_targets(&d1_office, doc.id, vec![]).await);
    assert_eq!(
        s.document_targets(&d1_office, doc.id).await.unwrap().len(),
        1
    );
}

fn scope(root: &OrgPath, k: &[OrgKind], include_root: bool) -> CascadeScope {
    CascadeScope {
        root: root.clone(),
        kinds: kinds(k),
        include_root,
    }
}

async fn cascades_reach_units_once_per_chain(s: &dyn FullStore) {
    let t = tree(s).await;
    let office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let doc = s
        .register_document(&office, resolution(t.province.id, "01-NQ/TU"))
        .await
        .unwrap();
    let before = audit_count(s).await;
    let c1 = s
        .create_cascade(
            &office,
            doc.id,
            scope(&t.province.path, &[OrgKind::DirectlyAffiliated], false),
            deadlines(),
        )
        .await
        .unwrap();
    assert_eq!((c1.reached, c1.skipped), (2, 0));
    assert_eq!(
        audit_count(s).await,
        before + 1,
        "one audit row per cascade"
    );
    let c2 = s
        .create_cascade(
            &office,
            doc.id,
            scope(
                &t.province.path,
                &[OrgKind::DirectlyAffiliated, OrgKind::Grassroots],
                false,
            ),
            deadlines(),
        )
        .await
        .unwrap();
    assert_eq!(
        (c2.reached, c2.skipped),
        (2, 2),
        "districts were reached already"
    );
    // A district's own plan in the same chain reaches nothing new.
    let mut plan = resolution(t.d1.id, "01-KH/HU");
    plan.parent_document_id = Some(doc.id);
    let plan = s.register_document(&sys(), plan).await.unwrap();
    let c3 = s
        .create_cascade(&sys(), plan.id, scope(&t.g1.path, &[], true), deadlines())
        .await
        .unwrap();
    assert_eq!((c3.reached, c3.skipped), (0, 1));

    let cascade = s.cascade(&office, c2.id).await.unwrap();
    assert_eq!(cascade.unit_count, 2);
    assert_eq!(cascade.root_document_id, doc.id);
    assert_eq!(cascade.deadlines, deadlines());
    let units = s.cascade_units(&office, c2.id, page()).await.unwrap();
    let ids: Vec<OrgId> = units.iter().map(|u| u.org_id).collect();
    assert_eq!(ids, [t.g1.id, t.g2.id]);
    // The d2 office sees its part only.
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    let units = s.cascade_units(&d2_office, c2.id, page()).await.unwrap();
    assert_eq!(units.len(), 1);
    assert_eq!(units[0].org_id, t.g2.id);
    is_not_found(
        s.cascade_unit(
            &d2_office,
            s.cascade_unit_of(&office, t.g1.id, doc.id)
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await,
    );
    assert_eq!(s.document_cascades(&office, doc.id).await.unwrap().len(), 2);
    // The chain's rollups: the province counts all four units, a district its two.
    let today = d(2025, 2, 1);
    let prov = s
        .dashboard(&office, t.province.id, doc.id, today)
        .await
        .unwrap();
    assert_eq!(
        (prov.units_total, prov.study_pending, prov.study_overdue),
        (4, 4, 0)
    );
    let d1 = s.dashboard(&office, t.d1.id, plan.id, today).await.unwrap();
    assert_eq!(
        d1.units_total, 2,
        "a chain document reads the root's rollups"
    );
    let c1_dash = s.dashboard(&office, t.c1.id, doc.id, today).await.unwrap();
    assert_eq!(
        c1_dash.units_total, 0,
        "an unreached unit has an empty dashboard"
    );
    assert_rollups_fresh(s, doc.id).await;
}

async fn cascade_rules_and_authorization(s: &dyn FullStore) {
    let t = tree(s).await;
    let office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    let doc = s
        .register_document(&office, resolution(t.province.id, "01-NQ/TU"))
        .await
        .unwrap();
    let d1_doc = s
        .register_document(&d1_office, resolution(t.d1.id, "01-NQ/HU"))
        .await
        .unwrap();
    let before = audit_count(s).await;
    let all = || scope(&t.province.path, &[OrgKind::Grassroots], false);
    is_forbidden(
        s.create_cascade(&d1_office, doc.id, all(), deadlines())
            .await,
    );
    is_not_found(
        s.create_cascade(
            &d2_office,
            d1_doc.id,
            scope(&t.d1.path, &[OrgKind::Grassroots], false),
            deadlines(),
        )
        .await,
    );
    assert_eq!(
        invalid_code(
            s.create_cascade(&d1_office, d1_doc.id, all(), deadlines())
                .await
        ),
        ("root", "scope_outside_issuer")
    );
    let mut early = deadlines();
    early.study_by = d(2025, 1, 1);
    assert_eq!(
        invalid_code(s.create_cascade(&office, doc.id, all(), early).await).1,
        "deadline_before_issue"
    );
    let report = resolution(t.province.id, "01-BC/TU");
    let report = s.register_document(&office, report).await.unwrap();
    assert_eq!(
        invalid_code(
            s.create_cascade(&office, report.id, all(), deadlines())
                .await
        ),
        ("document", "bad_choice")
    );
    assert_eq!(
        audit_count(s).await,
        before + 1,
        "only the report's registration"
    );
    // Nothing was half-saved.
    assert!(s.rollups(&sys(), doc.id).await.unwrap().is_empty());
    assert!(
        s.document_cascades(&sys(), doc.id)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn study_updates_rollups_and_dashboards(s: &dyn FullStore) {
    let t = tree(s).await;
    let office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let g1_secretary = principal(s, AccessRole::Secretary, t.g1.id).await;
    let g1_member = principal(s, AccessRole::Member, t.g1.id).await;
    let doc = s
        .register_document(&office, resolution(t.province.id, "01-NQ/TU"))
        .await
        .unwrap();
    s.create_cascade(
        &office,
        doc.id,
        scope(
            &t.province.path,
            &[OrgKind::DirectlyAffiliated, OrgKind::Grassroots],
            false,
        ),
        deadlines(),
    )
    .await
    .unwrap();
    let g1 = s
        .cascade_unit_of(&g1_secretary, t.g1.id, doc.id)
        .await
        .unwrap()
        .unwrap();
    let g2 = s
        .cascade_unit_of(&office, t.g2.id, doc.id)
        .await
        .unwrap()
        .unwrap();
    is_forbidden(s.record_study(&g1_member, g1.id, d(2025, 3, 1)).await);
    is_not_found(s.record_study(&g1_secretary, g2.id, d(2025, 3, 1)).await);
    let before = audit_count(s).await;
    let u = s
        .record_study(&g1_secretary, g1.id, d(2025, 3, 20))
        .await
        .unwrap();
    assert_eq!(u.facts.studied_on, Some(d(2025, 3, 20)));
    assert_eq!(audit_count(s).await, before + 1);
    s.record_study(&office, g2.id, d(2025, 4, 2)).await.unwrap();

    let on = |y, m, dd| d(y, m, dd);
    let prov = s
        .dashboard(&office, t.province.id, doc.id, on(2025, 3, 31))
        .await
        .unwrap();
    assert_eq!(prov.units_total, 4);
    assert_eq!(
        (
            prov.studied,
            prov.studied_late,
            prov.study_pending,
            prov.study_overdue
        ),
        (1, 1, 2, 0),
        "on the deadline day open items are pending"
    );
    let prov = s
        .dashboard(&office, t.province.id, doc.id, on(2025, 4, 1))
        .await
        .unwrap();
    assert_eq!(
        (prov.study_pending, prov.study_overdue),
        (0, 2),
        "overdue from the next day"
    );
    assert_eq!(prov.program_pending, 4);
    let prov = s
        .dashboard(&office, t.province.id, doc.id, on(2025, 5, 1))
        .await
        .unwrap();
    assert_eq!(prov.program_overdue, 4);
    let d1 = s
        .dashboard(&g1_secretary, t.g1.id, doc.id, on(2025, 4, 1))
        .await
        .unwrap();
    assert_eq!((d1.units_total, d1.studied), (1, 1));
    is_not_found(
        s.dashboard(&g1_secretary, t.d1.id, doc.id, on(2025, 4, 1))
            .await,
    );
    // Correcting the day moves the unit from late to on time.
    s.record_study(&office, g2.id, d(2025, 3, 30))
        .await
        .unwrap();
    let prov = s
        .dashboard(&office, t.province.id, doc.id, on(2025, 4, 1))
        .await
        .unwrap();
    assert_eq!((prov.studied, prov.studied_late), (2, 0));
    assert_rollups_fresh(s, doc.id).await;
    // The general recount covers the rollups too.
    s.recount(&sys()).await.unwrap();
    let again = s
        .dashboard(&office, t.province.id, doc.id, on(2025, 4, 1))
        .await
        .unwrap();
    assert_eq!(again, prov);
}

async fn overdue_units_name_the_secretary(s: &dyn FullStore) {
    let t = tree(s).await;
    let office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    s.position_add(
        &sys(),
        NewPosition {
            member_id: t.m4.id,
            org_id: t.g2.id,
            role: PositionRole::Secretary,
            from: d(2021, 1, 1),
        },
    )
    .await
    .unwrap();
    let doc = s
        .register_document(&office, resolution(t.province.id, "01-NQ/TU"))
        .await
        .unwrap();
    s.create_cascade(
        &office,
        doc.id,
        scope(&t.province.path, &[OrgKind::Grassroots], false),
        deadlines(),
    )
    .await
    .unwrap();
    let g1 = s
        .cascade_unit_of(&office, t.g1.id, doc.id)
        .await
        .unwrap()
        .unwrap();
    s.record_study(&office, g1.id, d(2025, 3, 1)).await.unwrap();
    let none = s
        .overdue_units(&office, t.province.id, doc.id, d(2025, 3, 31), page())
        .await
        .unwrap();
    assert!(none.is_empty(), "nothing is overdue on the deadline day");
    let late = s
        .overdue_units(&office, t.province.id, doc.id, d(2025, 4, 1), page())
        .await
        .unwrap();
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].org_id, t.g2.id);
    assert_eq!(late[0].overdue, vec![("study", d(2025, 3, 31))]);
    assert_eq!(
        late[0].secretary,
        Some((t.m4.id, "Nguyễn Văn Dũng".to_owned()))
    );
    let later = s
        .overdue_units(&office, t.province.id, doc.id, d(2025, 5, 1), page())
        .await
        .unwrap();
    assert_eq!(later.len(), 2);
    assert_eq!(later[0].org_id, t.g1.id);
    assert_eq!(later[0].secretary, None);
    // The first quarterly report (Q3, after the program deadline) is due 2025-10-05.
    let reports = s
        .overdue_units(&office, t.g1.id, doc.id, d(2025, 10, 6), page())
        .await
        .unwrap();
    assert_eq!(
        reports[0].overdue,
        vec![("program", d(2025, 4, 30)), ("report", d(2025, 10, 5))]
    );
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let mine = s
        .overdue_units(&d1_office, t.d1.id, doc.id, d(2025, 5, 1), page())
        .await
        .unwrap();
    assert_eq!(mine.len(), 1, "a district sees its own subtree");
    is_not_found(
        s.overdue_units(&d1_office, t.province.id, doc.id, d(2025, 5, 1), page())
            .await,
    );
}

/// A province of ~4,000 units (1 + 10 districts + 200 communes + 3,800 cells) is reached
/// in one cascade well under the 2 s of the benchmark.
async fn cascade_of_a_province_is_fast(s: &dyn FullStore) {
    let mut orgs = Vec::new();
    let prov = OrgPath::root(OrgId(1));
    let mut next = 2i64;
    let mut push = |orgs: &mut Vec<BulkOrg>, parent: &OrgPath, kind: OrgKind| {
        let path = parent.child(OrgId(next));
        next += 1;
        orgs.push(BulkOrg {
            id: path.id(),
            parent_id: Some(parent.id()),
            path: path.clone(),
            kind,
            code: None,
            name: format!("{} {}", kind.as_str(), path.id()),
            valid_from: d(2020, 1, 1),
        });
        path
    };
    orgs.push(BulkOrg {
        id: prov.id(),
        parent_id: None,
        path: prov.clone(),
        kind: OrgKind::Provincial,
        code: Some("24".into()),
        name: "Tỉnh ủy".into(),
        valid_from: d(2020, 1, 1),
    });
    for _ in 0..10 {
        let dp = push(&mut orgs, &prov, OrgKind::DirectlyAffiliated);
        for _ in 0..20 {
            let gp = push(&mut orgs, &dp, OrgKind::Grassroots);
            for _ in 0..19 {
                push(&mut orgs, &gp, OrgKind::Cell);
            }
        }
    }
    let total = orgs.len() as u64;
    s.bulk_load(
        &sys(),
        BulkLoad {
            orgs,
            members: vec![],
            positions: vec![],
            users: vec![],
            label: "cascade benchmark".into(),
            recount: true,
        },
    )
    .await
    .unwrap();
    let doc = s
        .register_document(&sys(), resolution(prov.id(), "01-NQ/TU"))
        .await
        .unwrap();
    let t0 = Instant::now();
    let c = s
        .create_cascade(
            &sys(),
            doc.id,
            scope(
                &prov,
                &[
                    OrgKind::DirectlyAffiliated,
                    OrgKind::Grassroots,
                    OrgKind::Cell,
                ],
                true,
            ),
            deadlines(),
        )
        .await
        .unwrap();
    let took = t0.elapsed();
    eprintln!(
        "cascade to {} units on {}: {took:?}",
        c.reached,
        s.backend()
    );
    assert_eq!(c.reached, total);
    assert!(took.as_secs_f64() < 2.0, "cascade took {took:?}");
    let dash = s
        .dashboard(&sys(), prov.id(), doc.id, d(2025, 4, 1))
        .await
        .unwrap();
    assert_eq!(dash.units_total as u64, total);
    assert_eq!(dash.study_overdue as u64, total);
    assert_rollups_fresh(s, doc.id).await;
}

fn task(content: &str, responsible: Option<MemberId>, deadline: Option<time::Date>) -> TaskDraft {
    TaskDraft {
        content: content.into(),
        lead_body: Some("Ban Tuyên giáo".into()),
        cooperating_bodies: vec!["Văn phòng".into(), "Ban Tổ chức".into()],
        responsible,
        deadline,
        expected_output: Some("Báo cáo kết quả".into()),
        upper_target: None,
    }
}

fn sections() -> ProgramSections {
    ProgramSections {
        purpose: "Quán triệt sâu sắc nghị quyết.".into(),
        tasks_and_solutions: "Các nhiệm vụ trong bảng.".into(),
        organization: "Văn phòng theo dõi, tổng hợp.".into(),
    }
}

/// The province's resolution cascaded to districts and grassroots organizations.
async fn cascaded(s: &dyn FullStore, t: &Tree) -> Document {
    let doc = s
        .register_document(&sys(), resolution(t.province.id, "01-NQ/TU"))
        .await
        .unwrap();
    s.create_cascade(
        &sys(),
        doc.id,
        scope(
            &t.province.path,
            &[OrgKind::DirectlyAffiliated, OrgKind::Grassroots],
            false,
        ),
        deadlines(),
    )
    .await
    .unwrap();
    doc
}

async fn program_draft_issue_and_revision(s: &dyn FullStore) {
    let t = tree(s).await;
    let doc = cascaded(s, &t).await;
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let targets = s
        .set_document_targets(&sys(), doc.id, vec![target("Tỷ lệ học tập", 80.0, 100.0)])
        .await
        .unwrap();
    let draft = s
        .create_program_draft(
            &d1_office,
            NewProgram {
                org_id: t.d1.id,
                document_id: doc.id,
                kind: ProgramKind::ActionProgram,
                title: "Chương trình hành động thực hiện Nghị quyết 01".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(draft.state, ProgramState::Draft);
    assert!(draft.cascade_unit_id.is_some());
    // Incomplete drafts save.
    s.save_program_sections(
        &d1_office,
        draft.id,
        ProgramSections {
            purpose: "Mục đích".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut tasks = vec![
        task("Tổ chức hội nghị quán triệt", None, None),
        task(
            "Xây dựng kế hoạch kiểm tra",
            Some(t.m1.id),
            Some(d(2025, 9, 30)),
        ),
    ];
    tasks[1].upper_target = Some(targets[0].id);
    let saved = s
        .save_tasks(&d1_office, draft.id, tasks.clone())
        .await
        .unwrap();
    assert_eq!(saved.len(), 2);
    assert_eq!(saved[1].responsible_name.as_deref(), Some("Nguyễn Văn An"));
    assert_eq!(saved[1].draft, tasks[1]);
    // A responsible person from another district is refused; nothing is saved.
    let mut outside = tasks.clone();
    outside[0].responsible = Some(t.m4.id);
    assert_eq!(
        invalid_code(s.save_tasks(&d1_office, draft.id, outside).await),
        ("tasks[0].responsible", "responsible_outside_unit")
    );
    // Issuing checks the "5 rõ" and the sections.
    let err = s.issue_program(&d1_office, draft.id, d(2025, 4, 10)).await;
    let Err(StoreError::Invalid(inv)) = err else {
        panic!("expected Invalid, got {err:?}")
    };
    let fields: Vec<&str> = inv.0.iter().map(|e| e.field).collect();
    assert!(fields.contains(&"tasks[0].responsible"), "{fields:?}");
    assert!(fields.contains(&"tasks[0].deadline"), "{fields:?}");
    tasks[0].responsible = Some(t.m3.id);
    tasks[0].deadline = Some(d(2025, 6, 30));
    tasks.push(task("Sơ kết", Some(t.m2.id), Some(d(2025, 12, 31))));
    s.save_tasks(&d1_office, draft.id, tasks.clone())
        .await
        .unwrap();
    s.save_program_sections(&d1_office, draft.id, sections())
        .await
        .unwrap();
    let before = audit_count(s).await;
    let issued = s
        .issue_program(&d1_office, draft.id, d(2025, 5, 5))
        .await
        .unwrap();
    assert!(audit_count(s).await > before);
    assert_eq!(issued.state, ProgramState::Issued);
    assert_eq!(issued.symbol.as_deref(), Some("01-CTr/HU"));
    assert_eq!(issued.issued_on, Some(d(2025, 5, 5)));
    let pdoc = s
        .document(&d1_office, issued.document_id.unwrap())
        .await
        .unwrap();
    assert_eq!(pdoc.doc_type, DocumentType::Program);
    assert_eq!(pdoc.root_document_id, doc.id);
    assert_eq!(pdoc.parent_document_id, Some(doc.id));
    // Frozen.
    assert_eq!(
        invalid_code(s.save_tasks(&d1_office, draft.id, vec![]).await),
        ("state", "program_not_draft")
    );
    let cu = s
        .cascade_unit_of(&d1_office, t.d1.id, doc.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cu.facts.program_issued_on, Some(d(2025, 5, 5)));
    let dash = s
        .dashboard(&sys(), t.province.id, doc.id, d(2025, 7, 1))
        .await
        .unwrap();
    assert_eq!((dash.program_late, dash.program_overdue), (1, 3));
    assert_eq!(
        (dash.tasks_total, dash.tasks_not_started, dash.tasks_overdue),
        (3, 2, 1)
    );
    assert_rollups_fresh(s, doc.id).await;

    // The d2 office numbers its own series.
    let d2 = s
        .create_program_draft(
            &sys(),
            NewProgram {
                org_id: t.d2.id,
                document_id: doc.id,
                kind: ProgramKind::ActionProgram,
                title: "Chương trình hành động".into(),
            },
        )
        .await
        .unwrap();
    s.save_program_sections(&sys(), d2.id, sections())
        .await
        .unwrap();
    s.save_tasks(
        &sys(),
        d2.id,
        vec![task("Quán triệt", Some(t.m4.id), Some(d(2025, 6, 1)))],
    )
    .await
    .unwrap();
    let d2 = s
        .issue_program(&sys(), d2.id, d(2025, 4, 20))
        .await
        .unwrap();
    assert_eq!(d2.symbol.as_deref(), Some("01-CTr/HU"));

    // A revision copies the issued version, supersedes it when issued, keeps it readable.
    let rev = s.revise_program(&d1_office, issued.id).await.unwrap();
    assert_eq!(rev.state, ProgramState::Draft);
    assert_eq!(rev.revises, Some(issued.id));
    assert_eq!(rev.sections, sections());
    let copied = s.program_tasks(&d1_office, rev.id).await.unwrap();
    assert_eq!(copied.len(), 3);
    assert!(copied.iter().all(|t| !t.counted));
    s.save_tasks(&d1_office, rev.id, tasks[..2].to_vec())
        .await
        .unwrap();
    let rev = s
        .issue_program(&d1_office, rev.id, d(2025, 6, 1))
        .await
        .unwrap();
    assert_eq!(rev.symbol.as_deref(), Some("02-CTr/HU"));
    let old = s.program(&d1_office, issued.id).await.unwrap();
    assert_eq!(old.state, ProgramState::Superseded);
    assert_eq!(old.superseded_by, Some(rev.id));
    assert_eq!(s.program_tasks(&d1_office, old.id).await.unwrap().len(), 3);
    let old_doc = s.document(&d1_office, pdoc.id).await.unwrap();
    assert_eq!(old_doc.status, DocumentStatus::Superseded);
    let versions = s.unit_programs(&d1_office, t.d1.id, doc.id).await.unwrap();
    assert_eq!(versions.len(), 2);
    let dash = s
        .dashboard(&sys(), t.province.id, doc.id, d(2025, 7, 1))
        .await
        .unwrap();
    assert_eq!(dash.tasks_total, 3, "two of d1's revision and one of d2's");
    assert_eq!(dash.program_issued + dash.program_late, 2);
    assert_rollups_fresh(s, doc.id).await;
}

async fn program_rules_and_authorization(s: &dyn FullStore) {
    let t = tree(s).await;
    let doc = cascaded(s, &t).await;
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let d1_secretary = principal(s, AccessRole::Secretary, t.d1.id).await;
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    let new = || NewProgram {
        org_id: t.d1.id,
        document_id: doc.id,
        kind: ProgramKind::ActionProgram,
        title: "Chương trình".into(),
    };
    is_forbidden(s.create_program_draft(&d1_secretary, new()).await);
    is_not_found(s.create_program_draft(&d2_office, new()).await);
    let draft = s.create_program_draft(&d1_office, new()).await.unwrap();
    is_not_found(s.program(&d2_office, draft.id).await);
    is_not_found(s.save_tasks(&d2_office, draft.id, vec![]).await);
    is_forbidden(s.save_tasks(&d1_secretary, draft.id, vec![]).await);
    assert_eq!(
        invalid_code(s.issue_program(&d1_office, draft.id, d(2025, 5, 1)).await),
        ("tasks", "program_no_tasks")
    );
    s.save_program_sections(&d1_office, draft.id, sections())
        .await
        .unwrap();
    s.save_tasks(
        &d1_office,
        draft.id,
        vec![task("Quán triệt", Some(t.m1.id), Some(d(2025, 4, 1)))],
    )
    .await
    .unwrap();
    assert_eq!(
        invalid_code(s.issue_program(&d1_office, draft.id, d(2025, 5, 1)).await),
        ("tasks[0].deadline", "deadline_before_issue")
    );
    assert_eq!(
        invalid_code(s.revise_program(&d1_office, draft.id).await),
        ("state", "program_not_issued")
    );
    // A unit's own initiative (no cascade reached it) counts on its own chain too.
    let c1 = s
        .create_program_draft(
            &sys(),
            NewProgram {
                org_id: t.g1.id,
                document_id: doc.id,
                kind: ProgramKind::Plan,
                title: "Kế hoạch".into(),
            },
        )
        .await
        .unwrap();
    assert!(c1.cascade_unit_id.is_some());
    let cell = s
        .create_program_draft(
            &sys(),
            NewProgram {
                org_id: t.c1.id,
                document_id: doc.id,
                kind: ProgramKind::Plan,
                title: "Kế hoạch của chi bộ".into(),
            },
        )
        .await
        .unwrap();
    assert!(cell.cascade_unit_id.is_none());
    s.save_program_sections(&sys(), cell.id, sections())
        .await
        .unwrap();
    s.save_tasks(
        &sys(),
        cell.id,
        vec![task(
            "Sinh hoạt chuyên đề",
            Some(t.m2.id),
            Some(d(2025, 8, 1)),
        )],
    )
    .await
    .unwrap();
    let cell = s
        .issue_program(&sys(), cell.id, d(2025, 5, 2))
        .await
        .unwrap();
    assert_eq!(cell.symbol.as_deref(), Some("01-KH/CB"));
    let dash = s
        .dashboard(&sys(), t.province.id, doc.id, d(2025, 5, 3))
        .await
        .unwrap();
    assert_eq!((dash.units_total, dash.tasks_total), (4, 1));
    assert_rollups_fresh(s, doc.id).await;
}

async fn lower_units_cascade_their_own_program(s: &dyn FullStore) {
    let t = tree(s).await;
    let doc = s
        .register_document(&sys(), resolution(t.province.id, "01-NQ/TU"))
        .await
        .unwrap();
    s.create_cascade(
        &sys(),
        doc.id,
        scope(&t.province.path, &[OrgKind::DirectlyAffiliated], false),
        deadlines(),
    )
    .await
    .unwrap();
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let draft = s
        .create_program_draft(
            &d1_office,
            NewProgram {
                org_id: t.d1.id,
                document_id: doc.id,
                kind: ProgramKind::ActionProgram,
                title: "Chương trình hành động".into(),
            },
        )
        .await
        .unwrap();
    s.save_program_sections(&d1_office, draft.id, sections())
        .await
        .unwrap();
    s.save_tasks(
        &d1_office,
        draft.id,
        vec![task("Quán triệt", Some(t.m1.id), Some(d(2025, 6, 1)))],
    )
    .await
    .unwrap();
    let issued = s
        .issue_program(&d1_office, draft.id, d(2025, 4, 1))
        .await
        .unwrap();
    let mut dl = deadlines();
    dl.study_by = d(2025, 4, 30);
    dl.program_by = d(2025, 5, 31);
    let c = s
        .create_cascade(
            &d1_office,
            issued.document_id.unwrap(),
            scope(&t.d1.path, &[OrgKind::Grassroots, OrgKind::Cell], false),
            dl,
        )
        .await
        .unwrap();
    assert_eq!((c.reached, c.skipped), (3, 0));
    let dash = s
        .dashboard(&sys(), t.province.id, doc.id, d(2025, 4, 30))
        .await
        .unwrap();
    assert_eq!(dash.units_total, 5);
    // The districts' study was due 03-31; the district's units have its own 04-30.
    assert_eq!((dash.study_overdue, dash.study_pending), (2, 3));
    let d1 = s
        .dashboard(
            &d1_office,
            t.d1.id,
            issued.document_id.unwrap(),
            d(2025, 5, 1),
        )
        .await
        .unwrap();
    assert_eq!(d1.units_total, 4);
    assert_rollups_fresh(s, doc.id).await;
}
