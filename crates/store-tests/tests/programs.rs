//! The conformance suite of resolutions into programs (issue 3): every case runs on SQLite
//! and, when `RESOLUTE_TEST_POSTGRES` is set, on PostgreSQL.

use domain::{
    Acceptance, AccessRole, CascadeScope, ContentKey, Direction, DocumentType, EffectiveStatus,
    EvidenceType, MemberId, OrgId, OrgKind, OrgPath, PositionRole, Principal, ProgramId,
    ProgramKind, ProgramSections, ProgramState, Target, TaskDraft, TaskStatus, Term,
};
use std::time::Instant;
use store::*;
use store_tests::programs::*;
use store_tests::*;

store_tests::program_suite!(
    documents_register_read_and_unique_numbers,
    documents_validation_and_scope,
    document_targets_replace_by_position,
    document_attachments_listed_in_order_and_audited,
    cascades_reach_units_once_per_chain,
    cascade_rules_and_authorization,
    study_updates_rollups_and_dashboards,
    overdue_units_name_the_secretary,
    cascade_of_a_province_is_fast,
    program_draft_issue_and_revision,
    program_rules_and_authorization,
    lower_units_cascade_their_own_program,
    progress_updates_roll_up_and_get_accepted,
    progress_rules_and_authorization,
    indicator_values_are_checked_against_the_target_unit,
    my_tasks_and_deadline_notifications,
    moving_a_commune_moves_its_rollups,
    dashboard_details_targets_and_series,
    plan_assessments_and_peers,
    program_groups_read_a_group_at_once,
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
        rule: domain::RollupRule::Average,
    }
}

async fn document_attachments_listed_in_order_and_audited(s: &dyn FullStore) {
    let t = tree(s).await;
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    let d1_secretary = principal(s, AccessRole::Secretary, t.d1.id).await;
    let g1_office = principal(s, AccessRole::OfficeStaff, t.g1.id).await;
    let doc = s
        .register_document(&d1_office, resolution(t.d1.id, "02-NQ/HU"))
        .await
        .unwrap();
    let file = |byte: u8, name: &str| EvidenceMeta {
        key: ContentKey::from_digest(&[byte; 32]),
        kind: EvidenceType::Pdf,
        size: 1234,
        original_name: name.into(),
    };
    let before = audit_count(s).await;
    let a = s
        .attach_document_file(&d1_office, doc.id, file(7, "Nghị quyết bản ký.pdf"))
        .await
        .unwrap();
    assert_eq!(a.position, 0);
    assert_eq!(a.file_name, "Nghị quyết bản ký.pdf");
    assert_eq!(a.kind, EvidenceType::Pdf);
    assert_eq!(a.size, 1234);
    assert_eq!(a.uploaded_by, Some(d1_office.user_id));
    // The same content again (another name) shares the blob.
    let b = s
        .attach_document_file(&d1_office, doc.id, file(7, "Phụ lục.pdf"))
        .await
        .unwrap();
    assert_eq!(b.position, 1);
    assert_eq!(b.key, a.key);
    assert_eq!(audit_count(s).await, before + 2);
    let list = s.document_attachments(&d1_office, doc.id).await.unwrap();
    assert_eq!(list, vec![a.clone(), b]);

    // Readers of the document see them; writers only with EditOrgs on the issuer.
    assert_eq!(
        s.document_attachments(&g1_office, doc.id)
            .await
            .unwrap()
            .len(),
        2
    );
    is_forbidden(
        s.attach_document_file(&d1_secretary, doc.id, file(8, "x.pdf"))
            .await,
    );
    is_not_found(s.document_attachments(&d2_office, doc.id).await);
    is_not_found(
        s.attach_document_file(&d2_office, doc.id, file(8, "x.pdf"))
            .await,
    );
    let mut empty = file(9, "rong.pdf");
    empty.size = 0;
    assert_eq!(
        invalid_code(s.attach_document_file(&d1_office, doc.id, empty).await),
        ("file", "evidence_empty")
    );
    assert_eq!(
        invalid_code(
            s.attach_document_file(&d1_office, doc.id, file(9, &"x".repeat(201)))
                .await
        ),
        ("file", "too_long")
    );
    assert_eq!(audit_count(s).await, before + 2);
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
    let preview = s
        .preview_cascade(&sys(), plan.id, scope(&t.g1.path, &[], true), deadlines())
        .await
        .unwrap();
    assert_eq!((preview.reached, preview.skipped), (0, 1));
    let before = audit_count(s).await;
    assert!(
        matches!(
            s.create_cascade(&sys(), plan.id, scope(&t.g1.path, &[], true), deadlines())
                .await,
            Err(StoreError::Conflict("cascade_reaches_none"))
        ),
        "a cascade that reaches no one (a repeated submission) is refused"
    );
    assert_eq!(audit_count(s).await, before, "and leaves nothing behind");
    assert!(
        s.document_cascades(&sys(), plan.id)
            .await
            .unwrap()
            .is_empty()
    );
    // The preview of a cascade that reaches someone saves nothing either.
    let p = s
        .preview_cascade(
            &office,
            doc.id,
            scope(&t.province.path, &[OrgKind::Grassroots], false),
            deadlines(),
        )
        .await
        .unwrap();
    assert_eq!((p.reached, p.skipped), (0, 2));
    assert_eq!(audit_count(s).await, before);

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
    // Once g1 submits its Q3 report (late), it is late, no longer overdue (issue 13).
    let g1_office = principal(s, AccessRole::OfficeStaff, t.g1.id).await;
    let q3 = s
        .start_report(
            &g1_office,
            NewReport {
                org: t.g1.id,
                document: doc.id,
                kind: domain::report::ReportKind::Periodic,
                period_start: d(2025, 7, 1),
                period_end: d(2025, 9, 30),
                today: d(2025, 10, 7),
            },
        )
        .await
        .unwrap();
    let mut input = ReportInput::default();
    input.sections.assessment = "Đã triển khai.".into();
    s.save_report(&g1_office, q3.id, input).await.unwrap();
    s.submit_report(&g1_office, q3.id, d(2025, 10, 7))
        .await
        .unwrap();
    let reported = s
        .overdue_units(&office, t.g1.id, doc.id, d(2026, 1, 5), page())
        .await
        .unwrap();
    assert_eq!(
        reported[0].overdue,
        vec![("program", d(2025, 4, 30)), ("review", d(2025, 12, 31))],
        "no report owed: Q4 is due on 5 January"
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
    let no_sections = s.issue_program(&d1_office, draft.id, d(2025, 5, 1)).await;
    let Err(StoreError::Invalid(inv)) = no_sections else {
        panic!("{no_sections:?}");
    };
    let codes: Vec<(&str, &str)> = inv.0.iter().map(|e| (e.field, e.code)).collect();
    assert_eq!(
        codes,
        [
            ("tasks_and_solutions", "required"),
            ("organization", "required"),
            ("tasks", "program_no_tasks"),
        ],
        "sections II and III are written before issue"
    );
    s.save_program_sections(&d1_office, draft.id, sections())
        .await
        .unwrap();
    assert_eq!(
        invalid_code(s.issue_program(&d1_office, draft.id, d(2025, 5, 1)).await),
        ("tasks", "program_no_tasks")
    );
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

// ---- Progress (step 4) ---------------------------------------------------------------------

/// An account linked to a member, with a member's grant on `cell`.
async fn member_principal(s: &dyn FullStore, member: MemberId, cell: OrgId) -> Principal {
    let user = s
        .user_create(
            &sys(),
            NewUser {
                username: format!("member-{}", member.0),
                display_name: format!("Đảng viên {}", member.0),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$x$y".into(),
                member_id: Some(member),
            },
        )
        .await
        .unwrap();
    s.grant_add(
        &sys(),
        NewGrant {
            user_id: user.id,
            role: AccessRole::Member,
            org_id: cell,
        },
    )
    .await
    .unwrap();
    let p = s.principal(user.id).await.unwrap().unwrap();
    assert_eq!(p.member_id, Some(member));
    p
}

/// d1's issued program (2025-04-20) with tasks: m1 by 06-30, m3 by 09-30, m1 by 12-31.
async fn d1_program(s: &dyn FullStore, t: &Tree, doc: &Document) -> (Program, Vec<TaskRecord>) {
    let draft = s
        .create_program_draft(
            &sys(),
            NewProgram {
                org_id: t.d1.id,
                document_id: doc.id,
                kind: ProgramKind::ActionProgram,
                title: "Chương trình hành động".into(),
            },
        )
        .await
        .unwrap();
    s.save_program_sections(&sys(), draft.id, sections())
        .await
        .unwrap();
    s.save_tasks(
        &sys(),
        draft.id,
        vec![
            task("Quán triệt", Some(t.m1.id), Some(d(2025, 6, 30))),
            task("Kiểm tra", Some(t.m3.id), Some(d(2025, 9, 30))),
            task("Sơ kết", Some(t.m1.id), Some(d(2025, 12, 31))),
        ],
    )
    .await
    .unwrap();
    let pr = s
        .issue_program(&sys(), draft.id, d(2025, 4, 20))
        .await
        .unwrap();
    let tasks = s.program_tasks(&sys(), pr.id).await.unwrap();
    (pr, tasks)
}

fn evidence(byte: u8, size: u64) -> EvidenceMeta {
    EvidenceMeta {
        key: ContentKey::from_digest(&[byte; 32]),
        kind: EvidenceType::Pdf,
        size,
        original_name: "bien-ban.pdf".into(),
    }
}

fn input(status: TaskStatus, percent: Option<u8>, note: Option<&str>) -> ProgressInput {
    ProgressInput {
        status,
        percent,
        indicator_value: None,
        note: note.map(str::to_owned),
        evidence: vec![],
    }
}

async fn progress_updates_roll_up_and_get_accepted(s: &dyn FullStore) {
    let t = tree(s).await;
    let doc = cascaded(s, &t).await;
    let m1 = member_principal(s, t.m1.id, t.c1.id).await;
    let (_, tasks) = d1_program(s, &t, &doc).await;
    let office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let today = d(2025, 5, 1);

    let before = audit_count(s).await;
    let mut first = input(TaskStatus::OnTrack, Some(40), Some("Đã tổ chức 2 hội nghị"));
    first.evidence = vec![evidence(1, 2048), evidence(1, 2048)];
    let posted = s.post_progress(&m1, tasks[0].id, first).await.unwrap();
    assert_eq!(audit_count(s).await, before + 1, "one audit row per update");
    assert_eq!(posted.acceptance, Acceptance::Pending);
    assert_eq!(
        posted.evidence.len(),
        2,
        "same content, stored once, attached twice"
    );
    assert_eq!(posted.evidence[0].key, posted.evidence[1].key);
    assert_eq!(posted.posted_by, Some(m1.user_id));
    let dash = s
        .dashboard(&sys(), t.province.id, doc.id, today)
        .await
        .unwrap();
    assert_eq!(
        (
            dash.tasks_total,
            dash.tasks_on_track,
            dash.tasks_not_started
        ),
        (3, 1, 2),
        "a pending update counts at once"
    );
    let task0 = s.task(&m1, tasks[0].id).await.unwrap();
    assert_eq!(task0.task.status, TaskStatus::OnTrack);
    assert_eq!(task0.task.percent, Some(40));
    assert_eq!(task0.org_name, "Huyện ủy Lục Nam");
    assert_eq!(task0.program_symbol.as_deref(), Some("01-CTr/HU"));
    assert_rollups_fresh(s, doc.id).await;

    // The province's office accepts or returns the district's updates.
    let pending = s
        .pending_acceptances(&office, t.province.id, page())
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].progress.id, posted.id);
    assert_eq!(pending[0].context.task.id, tasks[0].id);
    assert_eq!(pending[0].progress.evidence.len(), 2);
    assert_eq!(
        invalid_code(
            s.decide_progress(
                &office,
                posted.id,
                AcceptanceDecision::Return {
                    reason: "  ".into()
                }
            )
            .await
        ),
        ("reason", "return_reason_required")
    );
    let returned = s
        .decide_progress(
            &office,
            posted.id,
            AcceptanceDecision::Return {
                reason: "Thiếu biên bản hội nghị".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        returned.acceptance,
        Acceptance::Returned {
            reason: "Thiếu biên bản hội nghị".into()
        }
    );
    assert_eq!(
        invalid_code(
            s.decide_progress(&office, posted.id, AcceptanceDecision::Accept)
                .await
        ),
        ("decision", "already_decided")
    );
    let dash = s
        .dashboard(&sys(), t.province.id, doc.id, today)
        .await
        .unwrap();
    assert_eq!(
        (
            dash.tasks_on_track,
            dash.tasks_not_started,
            dash.returned_updates
        ),
        (0, 3, 1),
        "a returned update no longer gives the status and counts as returned"
    );
    assert_rollups_fresh(s, doc.id).await;

    // The responsible member hears of it, and can mark it read.
    let notes = s.notifications(&m1, today).await.unwrap();
    let ret = notes
        .iter()
        .find(|n| n.kind == NotificationKind::UpdateReturned)
        .expect("returned notification");
    assert_eq!(ret.reason.as_deref(), Some("Thiếu biên bản hội nghị"));
    assert_eq!(ret.title, "Quán triệt");
    assert!(!ret.read);
    assert!(
        notes
            .iter()
            .any(|n| n.kind == NotificationKind::ProgramIssued),
        "the issue notification of step 3"
    );
    let id = ret.id.unwrap();
    is_not_found(s.mark_notifications_read(&office, vec![id]).await);
    assert_eq!(s.mark_notifications_read(&m1, vec![id]).await.unwrap(), 1);
    let notes = s.notifications(&m1, today).await.unwrap();
    assert!(notes.iter().find(|n| n.id == Some(id)).unwrap().read);

    // Corrected, then accepted: the returned one stops counting.
    let second = s
        .post_progress(&m1, tasks[0].id, input(TaskStatus::Done, None, None))
        .await
        .unwrap();
    assert_eq!(second.update.percent, Some(100));
    let dash = s
        .dashboard(&sys(), t.province.id, doc.id, today)
        .await
        .unwrap();
    assert_eq!(
        (dash.tasks_done, dash.returned_updates),
        (1, 1),
        "returned counts until a later update is accepted"
    );
    s.decide_progress(&office, second.id, AcceptanceDecision::Accept)
        .await
        .unwrap();
    let dash = s
        .dashboard(&sys(), t.province.id, doc.id, d(2025, 8, 1))
        .await
        .unwrap();
    assert_eq!((dash.tasks_done, dash.returned_updates), (1, 0));
    assert_eq!(dash.tasks_overdue, 0, "done tasks are never overdue");
    let d1 = s.dashboard(&sys(), t.d1.id, doc.id, today).await.unwrap();
    assert_eq!(d1.tasks_done, 1);
    let history = s.task_progress(&m1, tasks[0].id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].evidence.len(), 2);
    assert_eq!(history[1].acceptance, Acceptance::Accepted);
    assert!(
        s.pending_acceptances(&office, t.province.id, page())
            .await
            .unwrap()
            .is_empty()
    );
    assert_rollups_fresh(s, doc.id).await;
}

async fn progress_rules_and_authorization(s: &dyn FullStore) {
    let t = tree(s).await;
    let doc = cascaded(s, &t).await;
    let (program, tasks) = d1_program(s, &t, &doc).await;
    let m1 = member_principal(s, t.m1.id, t.c1.id).await;
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let d1_secretary = principal(s, AccessRole::Secretary, t.d1.id).await;
    let d1_reader = principal(s, AccessRole::Member, t.d1.id).await;
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    let office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let ok = || input(TaskStatus::OnTrack, Some(10), None);

    let before = audit_count(s).await;
    // m1 answers for task 0, not for task 1 (which m1 cannot otherwise see).
    is_not_found(s.post_progress(&m1, tasks[1].id, ok()).await);
    is_not_found(s.task_progress(&m1, tasks[1].id).await);
    is_not_found(s.post_progress(&d2_office, tasks[0].id, ok()).await);
    is_forbidden(s.post_progress(&d1_reader, tasks[0].id, ok()).await);
    assert_eq!(
        invalid_code(
            s.post_progress(&m1, tasks[0].id, input(TaskStatus::AtRisk, Some(5), None))
                .await
        ),
        ("note", "at_risk_needs_note")
    );
    assert_eq!(
        invalid_code(
            s.post_progress(&m1, tasks[0].id, input(TaskStatus::Done, Some(80), None))
                .await
        ),
        ("percent", "percent_not_done")
    );
    let mut big = ok();
    big.evidence = vec![evidence(2, domain::evidence::MAX_EVIDENCE_BYTES + 1)];
    assert_eq!(
        invalid_code(s.post_progress(&m1, tasks[0].id, big).await),
        ("evidence[0].file", "evidence_too_large")
    );
    assert_eq!(audit_count(s).await, before, "nothing was half-saved");
    assert!(s.task_progress(&m1, tasks[0].id).await.unwrap().is_empty());

    // The unit's secretary and office may post; the unit's own office may not decide.
    let by_secretary = s
        .post_progress(&d1_secretary, tasks[1].id, ok())
        .await
        .unwrap();
    is_forbidden(
        s.decide_progress(&d1_office, by_secretary.id, AcceptanceDecision::Accept)
            .await,
    );
    is_not_found(
        s.decide_progress(&d2_office, by_secretary.id, AcceptanceDecision::Accept)
            .await,
    );
    is_forbidden(s.pending_acceptances(&d1_secretary, t.d1.id, page()).await);
    is_not_found(s.pending_acceptances(&d2_office, t.d1.id, page()).await);
    assert!(
        s.pending_acceptances(&d1_office, t.d1.id, page())
            .await
            .unwrap()
            .is_empty(),
        "d1 decides on its grassroots units, not itself"
    );
    // Nobody decides on their own update.
    let by_office = s.post_progress(&office, tasks[2].id, ok()).await.unwrap();
    assert_eq!(
        invalid_code(
            s.decide_progress(&office, by_office.id, AcceptanceDecision::Accept)
                .await
        ),
        ("decision", "decide_own_update")
    );
    // A province's own program is accepted by the province's office.
    assert_eq!(
        s.pending_acceptances(&office, t.province.id, page())
            .await
            .unwrap()
            .len(),
        2
    );
    // Only the issued version takes progress.
    let rev = s.revise_program(&sys(), program.id).await.unwrap();
    let draft_tasks = s.program_tasks(&sys(), rev.id).await.unwrap();
    assert_eq!(
        invalid_code(s.post_progress(&sys(), draft_tasks[0].id, ok()).await),
        ("task", "task_not_current")
    );
    s.issue_program(&sys(), rev.id, d(2025, 6, 1))
        .await
        .unwrap();
    assert_eq!(
        invalid_code(s.post_progress(&m1, tasks[0].id, ok()).await),
        ("task", "task_not_current")
    );
    // A pending update of a superseded task can still be decided on; it counts nowhere.
    s.decide_progress(
        &office,
        by_secretary.id,
        AcceptanceDecision::Return {
            reason: "Sai số liệu".into(),
        },
    )
    .await
    .unwrap();
    let dash = s
        .dashboard(&sys(), t.province.id, doc.id, d(2025, 6, 2))
        .await
        .unwrap();
    assert_eq!((dash.tasks_total, dash.returned_updates), (3, 0));
    assert_rollups_fresh(s, doc.id).await;
}

/// Issue 11, defect 10: the store checks every indicator value against the unit of the
/// target its task serves, whoever calls it (form, API, command line): a percentage is
/// within 0..=100 and no value is past 10¹⁵; nothing is saved on a refusal.
async fn indicator_values_are_checked_against_the_target_unit(s: &dyn FullStore) {
    let t = tree(s).await;
    let doc = cascaded(s, &t).await;
    let targets = s
        .set_document_targets(&sys(), doc.id, vec![target("Tỷ lệ học tập", 80.0, 100.0)])
        .await
        .unwrap();
    let mut serving = task("Quán triệt", Some(t.m1.id), Some(d(2025, 6, 30)));
    serving.upper_target = Some(targets[0].id);
    let (_, tasks) = program_of(s, t.d1.id, &doc, vec![serving]).await;
    let with_value = |v: f64| {
        let mut i = input(TaskStatus::OnTrack, Some(50), None);
        i.indicator_value = Some(v);
        i
    };
    let before = audit_count(s).await;
    for (v, code) in [
        (1e308, "number_too_large"),
        (150.0, "percent_value_range"),
        (-1.0, "percent_value_range"),
        (f64::NAN, "bad_number"),
    ] {
        assert_eq!(
            invalid_code(s.post_progress(&sys(), tasks[0].id, with_value(v)).await),
            ("indicator_value", code),
            "{v}"
        );
    }
    assert_eq!(audit_count(s).await, before, "nothing was saved");
    assert!(
        s.task_progress(&sys(), tasks[0].id)
            .await
            .unwrap()
            .is_empty()
    );
    let kept = s
        .post_progress(&sys(), tasks[0].id, with_value(92.5))
        .await
        .unwrap();
    assert_eq!(kept.update.indicator_value, Some(92.5));
}

async fn my_tasks_and_deadline_notifications(s: &dyn FullStore) {
    let t = tree(s).await;
    let doc = cascaded(s, &t).await;
    let (_, tasks) = d1_program(s, &t, &doc).await;
    let m1 = member_principal(s, t.m1.id, t.c1.id).await;
    let m3 = member_principal(s, t.m3.id, t.c2.id).await;
    let g1_secretary = principal(s, AccessRole::Secretary, t.g1.id).await;

    // 2025-07-02: task 0 (06-30) is overdue, task 2 (12-31) is far.
    let mine = s.my_tasks(&m1, d(2025, 7, 2)).await.unwrap();
    let ids: Vec<_> = mine.iter().map(|m| m.context.task.id).collect();
    assert_eq!(ids, [tasks[0].id, tasks[2].id], "overdue first");
    assert_eq!(mine[0].effective, EffectiveStatus::Overdue);
    assert!(!mine[0].due_soon);
    assert_eq!(mine[1].effective, EffectiveStatus::NotStarted);
    assert_eq!(mine[0].context.org_name, "Huyện ủy Lục Nam");
    // 2025-09-20: m3's task (09-30) is due within 14 days but not within 7.
    let m3_tasks = s.my_tasks(&m3, d(2025, 9, 20)).await.unwrap();
    assert_eq!(m3_tasks.len(), 1);
    assert!(m3_tasks[0].due_soon);
    let n = s.notifications(&m3, d(2025, 9, 20)).await.unwrap();
    assert!(n.iter().all(|n| n.kind != NotificationKind::TaskDueSoon));
    let n = s.notifications(&m3, d(2025, 9, 24)).await.unwrap();
    let due: Vec<_> = n
        .iter()
        .filter(|n| n.kind == NotificationKind::TaskDueSoon)
        .collect();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].due, Some(d(2025, 9, 30)));
    assert_eq!(due[0].subject_id, tasks[1].id.0);
    let n = s.notifications(&m1, d(2025, 7, 2)).await.unwrap();
    assert_eq!(
        n.iter()
            .filter(|n| n.kind == NotificationKind::TaskOverdue)
            .count(),
        1
    );
    // Done tasks leave the lists' deadlines.
    s.post_progress(&m1, tasks[0].id, input(TaskStatus::Done, None, None))
        .await
        .unwrap();
    let n = s.notifications(&m1, d(2025, 7, 2)).await.unwrap();
    assert!(n.iter().all(|n| n.kind != NotificationKind::TaskOverdue));
    let mine = s.my_tasks(&m1, d(2025, 7, 2)).await.unwrap();
    assert_eq!(mine[0].effective, EffectiveStatus::Done);
    // A unit's keeper sees its milestones: study by 03-31.
    let n = s
        .notifications(&g1_secretary, d(2025, 3, 28))
        .await
        .unwrap();
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].kind, NotificationKind::UnitDeadline);
    assert_eq!(n[0].milestone, Some("study"));
    assert_eq!(n[0].org_id, t.g1.id);
    let n = s.notifications(&g1_secretary, d(2025, 5, 2)).await.unwrap();
    let ms: Vec<_> = n.iter().map(|n| n.milestone.unwrap()).collect();
    assert_eq!(ms, ["study", "program"], "both overdue, by due date");
    // Without a member, no tasks.
    assert!(
        s.my_tasks(&g1_secretary, d(2025, 7, 2))
            .await
            .unwrap()
            .is_empty()
    );
}

// ---- Restructuring (step 5) -------------------------------------------------------------------

async fn moving_a_commune_moves_its_rollups(s: &dyn FullStore) {
    let t = tree(s).await;
    let doc = cascaded(s, &t).await;
    let g1 = s
        .cascade_unit_of(&sys(), t.g1.id, doc.id)
        .await
        .unwrap()
        .unwrap();
    s.record_study(&sys(), g1.id, d(2025, 3, 20)).await.unwrap();
    let draft = s
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
    s.save_program_sections(&sys(), draft.id, sections())
        .await
        .unwrap();
    s.save_tasks(
        &sys(),
        draft.id,
        vec![
            task("Quán triệt", Some(t.m1.id), Some(d(2025, 6, 30))),
            task("Kiểm tra", Some(t.m3.id), Some(d(2025, 9, 30))),
        ],
    )
    .await
    .unwrap();
    let pr = s
        .issue_program(&sys(), draft.id, d(2025, 4, 10))
        .await
        .unwrap();
    let tasks = s.program_tasks(&sys(), pr.id).await.unwrap();
    let m1 = member_principal(s, t.m1.id, t.c1.id).await;
    let up = s
        .post_progress(
            &m1,
            tasks[0].id,
            input(TaskStatus::AtRisk, None, Some("Chậm")),
        )
        .await
        .unwrap();
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    s.decide_progress(
        &d1_office,
        up.id,
        AcceptanceDecision::Return {
            reason: "Ghi rõ nguyên nhân".into(),
        },
    )
    .await
    .unwrap();
    let today = d(2025, 7, 1);
    let dash = |org: OrgId| async move { s.dashboard(&sys(), org, doc.id, today).await.unwrap() };
    let (d1_before, d2_before) = (dash(t.d1.id).await, dash(t.d2.id).await);
    assert_eq!((d1_before.units_total, d1_before.tasks_total), (2, 2));
    assert_eq!(d1_before.returned_updates, 1);

    s.org_move(&sys(), t.g1.id, t.d2.id, d(2025, 6, 1))
        .await
        .unwrap();
    let (d1, d2, prov) = (
        dash(t.d1.id).await,
        dash(t.d2.id).await,
        dash(t.province.id).await,
    );
    assert_eq!(
        (d1.units_total, d1.tasks_total, d1.returned_updates),
        (1, 0, 0)
    );
    assert_eq!(d1.studied, 0);
    assert_eq!(
        (
            d2.units_total,
            d2.tasks_total,
            d2.returned_updates,
            d2.studied
        ),
        (d2_before.units_total + 1, 2, 1, 1)
    );
    assert_eq!(d2.tasks_overdue, 1, "the June task moved with its unit");
    assert_eq!(prov.units_total, 4);
    // Paths were rewritten with the unit's.
    let moved = s.program(&sys(), pr.id).await.unwrap();
    assert!(
        t.d2.path.covers(&moved.org_path),
        "{}",
        moved.org_path.as_str()
    );
    let cu = s.cascade_unit(&sys(), g1.id).await.unwrap();
    assert!(t.d2.path.covers(&cu.org_path));
    // The d2 office now decides on g1's updates; the d1 office no longer sees them.
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    let again = s
        .post_progress(&m1, tasks[0].id, input(TaskStatus::OnTrack, Some(50), None))
        .await
        .unwrap();
    is_not_found(
        s.decide_progress(&d1_office, again.id, AcceptanceDecision::Accept)
            .await,
    );
    s.decide_progress(&d2_office, again.id, AcceptanceDecision::Accept)
        .await
        .unwrap();
    assert_rollups_fresh(s, doc.id).await;
    let after = (
        dash(t.d1.id).await,
        dash(t.d2.id).await,
        dash(t.province.id).await,
    );
    assert_eq!(after.0, d1, "d1 equals a recount");
    assert_eq!(
        (after.2.tasks_overdue, after.2.returned_updates),
        (1, 0),
        "accepted: the returned update stops counting"
    );
}

/// A unit's issued program whose tasks serve the document's first target.
async fn program_of(
    s: &dyn FullStore,
    org: OrgId,
    doc: &Document,
    tasks: Vec<TaskDraft>,
) -> (Program, Vec<TaskRecord>) {
    let draft = s
        .create_program_draft(
            &sys(),
            NewProgram {
                org_id: org,
                document_id: doc.id,
                kind: ProgramKind::ActionProgram,
                title: "Chương trình hành động".into(),
            },
        )
        .await
        .unwrap();
    s.save_program_sections(&sys(), draft.id, sections())
        .await
        .unwrap();
    s.save_tasks(&sys(), draft.id, tasks).await.unwrap();
    let pr = s
        .issue_program(&sys(), draft.id, d(2025, 4, 20))
        .await
        .unwrap();
    let tasks = s.program_tasks(&sys(), pr.id).await.unwrap();
    (pr, tasks)
}

async fn dashboard_details_targets_and_series(s: &dyn FullStore) {
    let t = tree(s).await;
    let doc = cascaded(s, &t).await;
    let targets = s
        .set_document_targets(&sys(), doc.id, vec![target("Tỷ lệ học tập", 80.0, 100.0)])
        .await
        .unwrap();
    let serving = |mut d: TaskDraft| {
        d.upper_target = Some(targets[0].id);
        d
    };
    let (_, tasks) = program_of(
        s,
        t.d1.id,
        &doc,
        vec![
            serving(task("Quán triệt", Some(t.m1.id), Some(d(2025, 6, 30)))),
            serving(task("Kiểm tra", Some(t.m3.id), Some(d(2025, 9, 30)))),
            task("Sơ kết", Some(t.m1.id), Some(d(2025, 12, 31))),
        ],
    )
    .await;
    let today = d(2025, 10, 1);

    // Done with an indicator value; accepted: the target takes the value.
    let mut done = input(TaskStatus::Done, Some(100), Some("Xong"));
    done.indicator_value = Some(92.5);
    let posted = s.post_progress(&sys(), tasks[0].id, done).await.unwrap();
    let tp = s
        .targets_progress(&sys(), t.province.id, doc.id)
        .await
        .unwrap();
    assert_eq!(tp.len(), 1);
    assert_eq!(
        tp[0].target.current_value, None,
        "not before it is accepted"
    );
    assert_eq!((tp[0].tasks, tp[0].tasks_done, tp[0].own), (2, 1, false));
    s.decide_progress(&sys(), posted.id, AcceptanceDecision::Accept)
        .await
        .unwrap();
    let tp = s
        .targets_progress(&sys(), t.province.id, doc.id)
        .await
        .unwrap();
    assert_eq!(tp[0].target.current_value, Some(92.5));
    assert!(tp[0].target.current_on.is_some());
    // Seen from another district, no task serves it there.
    let tp2 = s.targets_progress(&sys(), t.d2.id, doc.id).await.unwrap();
    assert_eq!((tp2[0].tasks, tp2[0].tasks_done), (0, 0));

    // Overdue tasks: past their deadline and not done, with the person who answers.
    let overdue = s
        .overdue_tasks(&sys(), t.province.id, doc.id, today, page())
        .await
        .unwrap();
    assert_eq!(overdue.len(), 1, "{overdue:?}");
    assert_eq!(overdue[0].task_id, tasks[1].id);
    assert_eq!(overdue[0].org_name, "Huyện ủy Lục Nam");
    assert_eq!(
        overdue[0].responsible,
        Some((t.m3.id, t.m3.full_name.clone()))
    );
    assert!(
        s.overdue_tasks(&sys(), t.d2.id, doc.id, today, page())
            .await
            .unwrap()
            .is_empty()
    );

    // The progress line: one task done, in the week it was posted.
    let series = s
        .progress_series(&sys(), t.province.id, doc.id)
        .await
        .unwrap();
    assert_eq!(series.iter().map(|p| p.done).sum::<i64>(), 1);
    assert_eq!(series[0].week.weekday(), time::Weekday::Monday);

    // Children's dashboards equal the document's stored rollups for those children, seen
    // on the same day, on any day (the database sums the dues before the day).
    let all = s.rollups(&sys(), doc.id).await.unwrap();
    for day in [
        today,
        today - time::Duration::days(400),
        today + time::Duration::days(400),
    ] {
        let children = s
            .child_dashboards(&sys(), t.province.id, doc.id, day)
            .await
            .unwrap();
        assert_eq!(children.len(), 2);
        for c in &children {
            let stored = all.iter().find(|r| r.org_id == c.org.id).unwrap();
            assert_eq!(stored.rollup.view(day), c.dashboard);
        }
    }
    let children = s
        .child_dashboards(&sys(), t.province.id, doc.id, today)
        .await
        .unwrap();
    let d1 = children.iter().find(|c| c.org.id == t.d1.id).unwrap();
    assert_eq!(d1.dashboard.tasks_total, 3);

    // A district office sees its own subtree only.
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    assert!(matches!(
        s.overdue_tasks(&d2_office, t.d1.id, doc.id, today, page())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.child_dashboards(&d2_office, t.province.id, doc.id, today)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_rollups_fresh(s, doc.id).await;
}

async fn plan_assessments_and_peers(s: &dyn FullStore) {
    let t = tree(s).await;
    let doc = cascaded(s, &t).await;
    let (p1, _) = program_of(
        s,
        t.d1.id,
        &doc,
        vec![task("Quán triệt", Some(t.m1.id), Some(d(2025, 6, 30)))],
    )
    .await;
    let (p2, _) = program_of(
        s,
        t.d2.id,
        &doc,
        vec![task(
            "Kiểm tra, giám sát",
            Some(t.m4.id),
            Some(d(2025, 6, 30)),
        )],
    )
    .await;
    assert_eq!(s.issued_programs(&sys()).await.unwrap(), vec![p1.id, p2.id]);
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    assert_eq!(s.issued_programs(&d2_office).await.unwrap(), vec![p2.id]);

    // Peers: the sibling district's issued program, with its tasks; none outside scope.
    let peers = s.peer_programs(&sys(), p1.id).await.unwrap();
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0].program.id, p2.id);
    assert_eq!(peers[0].tasks, vec!["Kiểm tra, giám sát".to_owned()]);
    assert!(s.peer_programs(&d2_office, p2.id).await.unwrap().is_empty());

    let at = time::OffsetDateTime::now_utc();
    let copied = Assessment {
        verdict: CopyVerdict::Copied,
        copied_fraction: 0.91,
        score: 45,
        upper_is_program: false,
        siblings: 1,
        assessed_at: at,
    };
    let own = Assessment {
        verdict: CopyVerdict::Original,
        copied_fraction: 0.02,
        score: 95,
        ..copied.clone()
    };
    assert!(copied.is_flagged() && !own.is_flagged());
    assert!(matches!(
        s.save_assessment(&d2_office, p1.id, &copied).await,
        Err(StoreError::NotFound)
    ));
    s.save_assessment(&sys(), p1.id, &own).await.unwrap();
    s.save_assessment(&sys(), p2.id, &own).await.unwrap();
    // Saved again: replaced, not added.
    s.save_assessment(&d2_office, p2.id, &copied).await.unwrap();
    let read = s.assessment(&sys(), p2.id).await.unwrap().unwrap();
    assert_eq!(read.verdict, CopyVerdict::Copied);
    assert_eq!(read.score, 45);
    assert!((read.copied_fraction - 0.91).abs() < 1e-9);
    assert_eq!(read.siblings, 1);

    let f = s
        .flagged_programs(&sys(), t.province.id, doc.id, page())
        .await
        .unwrap();
    assert_eq!((f.assessed, f.flagged_total), (2, 1));
    assert_eq!(f.flagged.len(), 1);
    assert_eq!(f.flagged[0].program_id, p2.id);
    assert_eq!(f.flagged[0].org_id, t.d2.id);
    assert_eq!(f.flagged[0].symbol.as_deref(), Some("01-CTr/HU"));
    let f1 = s
        .flagged_programs(&sys(), t.d1.id, doc.id, page())
        .await
        .unwrap();
    assert_eq!((f1.assessed, f1.flagged_total), (1, 0));
}

async fn program_groups_read_a_group_at_once(s: &dyn FullStore) {
    let t = tree(s).await;
    let doc = cascaded(s, &t).await;
    let root = doc.root_document_id;
    assert!(s.issued_program_groups(&sys()).await.unwrap().is_empty());
    let (p1, tasks1) = program_of(
        s,
        t.d1.id,
        &doc,
        vec![
            task("Quán triệt", Some(t.m1.id), Some(d(2025, 6, 30))),
            task("Sơ kết", Some(t.m2.id), Some(d(2025, 9, 30))),
        ],
    )
    .await;
    let (p2, tasks2) = program_of(
        s,
        t.d2.id,
        &doc,
        vec![task("Kiểm tra", Some(t.m4.id), Some(d(2025, 6, 30)))],
    )
    .await;
    let (g1, _) = program_of(
        s,
        t.g1.id,
        &doc,
        vec![task("Học tập", Some(t.m1.id), Some(d(2025, 6, 30)))],
    )
    .await;

    // Grouped by (parent, root document), parents in id order, programs oldest first.
    let groups = s.issued_program_groups(&sys()).await.unwrap();
    assert_eq!(
        groups,
        vec![
            ProgramGroup {
                parent: Some(t.province.id),
                root_document_id: root,
                programs: vec![p1.id, p2.id],
            },
            ProgramGroup {
                parent: Some(t.d1.id),
                root_document_id: root,
                programs: vec![g1.id],
            },
        ]
    );
    let mut all: Vec<ProgramId> = groups.iter().flat_map(|g| g.programs.clone()).collect();
    all.sort();
    assert_eq!(all, s.issued_programs(&sys()).await.unwrap());

    // A whole group: each program as `program` reads it, its tasks as `program_tasks`, its
    // unit's open children as `org_children`; the others are its peers.
    let group = s.program_group(&sys(), t.province.id, root).await.unwrap();
    assert_eq!(group.len(), 2);
    for (g, (pr, tasks)) in group.iter().zip([(&p1, &tasks1), (&p2, &tasks2)]) {
        assert_eq!(&g.program, &s.program(&sys(), pr.id).await.unwrap());
        assert_eq!(&g.tasks, tasks);
        let children: Vec<String> = s
            .org_children(&sys(), pr.org_id, false)
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.name)
            .collect();
        assert_eq!(g.child_names, children);
        let peers: Vec<ProgramId> = s
            .peer_programs(&sys(), pr.id)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.program.id)
            .collect();
        let others: Vec<ProgramId> = group
            .iter()
            .map(|o| o.program.id)
            .filter(|id| *id != pr.id)
            .collect();
        assert_eq!(peers, others);
    }
    assert_eq!(group[0].child_names, vec![t.g1.name.clone()]);
    assert_eq!(tasks1.len(), 2);
    let lower = s.program_group(&sys(), t.d1.id, root).await.unwrap();
    assert_eq!(lower.len(), 1);
    assert_eq!(lower[0].program.id, g1.id);
    assert!(
        lower[0].child_names.len() == 2,
        "{:?}",
        lower[0].child_names
    );
    assert!(
        s.program_group(&sys(), t.d2.id, root)
            .await
            .unwrap()
            .is_empty()
    );

    // Only what the principal reads; the parent itself need not be readable.
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    assert_eq!(
        s.issued_program_groups(&d2_office).await.unwrap(),
        vec![ProgramGroup {
            parent: Some(t.province.id),
            root_document_id: root,
            programs: vec![p2.id],
        }]
    );
    let mine = s
        .program_group(&d2_office, t.province.id, root)
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].program.id, p2.id);
    assert!(
        s.program_group(&d2_office, t.d1.id, root)
            .await
            .unwrap()
            .is_empty()
    );
}
