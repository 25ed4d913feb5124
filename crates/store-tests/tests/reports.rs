//! The conformance suite of reports and reviews (issue 13): every case runs on SQLite and,
//! when `RESOLUTE_TEST_POSTGRES` is set, on PostgreSQL.

use domain::report::{Conference, Decision, DecisionKind, ReportKind, ReportSections, ReportState};
use domain::{AccessRole, CascadeScope, DocumentId, OrgId, OrgKind, OrgPath, Principal};
use store::*;
use store_tests::programs::*;
use store_tests::*;

store_tests::program_suite!(
    a_unit_that_reported_is_late_not_overdue,
    submitted_reports_freeze_and_corrections_supersede,
    the_unit_writes_levels_above_read_nobody_else_sees,
    bad_input_is_refused_and_nothing_is_saved,
    an_interim_review_records_the_milestone_and_its_decisions,
    the_upper_level_gathers_its_lower_units_reports,
    deadlines_run_bottom_up,
);

fn scope(root: &OrgPath, k: &[OrgKind]) -> CascadeScope {
    CascadeScope {
        root: root.clone(),
        kinds: kinds(k),
        include_root: false,
    }
}

/// 01-NQ/TU cascaded to the grassroots units g1 and g2 (quarterly reports from Q3 2025,
/// Q3 due 2025-10-05, Q4 due 2026-01-05; interim review by 2025-12-31).
async fn cascaded(s: &dyn FullStore, t: &Tree) -> DocumentId {
    let office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let doc = s
        .register_document(&office, resolution(t.province.id, "01-NQ/TU"))
        .await
        .unwrap();
    s.create_cascade(
        &office,
        doc.id,
        scope(&t.province.path, &[OrgKind::Grassroots]),
        deadlines(),
    )
    .await
    .unwrap();
    doc.id
}

fn sections(text: &str) -> ReportInput {
    ReportInput {
        sections: ReportSections {
            assessment: text.into(),
            causes: "Nguyên nhân chủ quan: chưa sâu sát.".into(),
            lessons: "Phải bám sát cơ sở.".into(),
            proposals: "Đề nghị tăng cường kiểm tra.".into(),
        },
        ..ReportInput::default()
    }
}

async fn submit_q3(
    s: &dyn FullStore,
    p: &Principal,
    org: domain::OrgId,
    doc: DocumentId,
    on: time::Date,
) -> ReportRecord {
    let draft = s
        .start_report(
            p,
            NewReport {
                org,
                document: doc,
                kind: ReportKind::Periodic,
                period_start: d(2025, 7, 1),
                period_end: d(2025, 9, 30),
                today: on,
            },
        )
        .await
        .unwrap();
    s.save_report(p, draft.id, sections("Hoàn thành 3/3 nhiệm vụ quý III."))
        .await
        .unwrap();
    s.submit_report(p, draft.id, on).await.unwrap()
}

async fn a_unit_that_reported_is_late_not_overdue(s: &dyn FullStore) {
    let t = tree(s).await;
    let doc = cascaded(s, &t).await;
    let prov = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let g1 = principal(s, AccessRole::OfficeStaff, t.g1.id).await;
    let page = Page {
        offset: 0,
        limit: 100,
    };
    let behind = s
        .overdue_units(&prov, t.province.id, doc, d(2025, 10, 6), page)
        .await
        .unwrap();
    assert_eq!(behind.len(), 2, "both units owe Q3 (and their programs)");
    // g1 reports Q3 three days after its due day.
    let r = submit_q3(s, &g1, t.g1.id, doc, d(2025, 10, 8)).await;
    assert_eq!(r.state, ReportState::Submitted);
    assert!(r.late);
    assert_eq!(r.symbol.as_deref(), Some("01-BC/ĐU"));
    let units = s
        .overdue_units(&prov, t.province.id, doc, d(2025, 10, 9), page)
        .await
        .unwrap();
    let g1_row = units.iter().find(|u| u.org_id == t.g1.id).unwrap();
    assert!(
        g1_row.overdue.iter().all(|(k, _)| *k != "report"),
        "reported late, no longer overdue: {g1_row:?}"
    );
    let g2_row = units.iter().find(|u| u.org_id == t.g2.id).unwrap();
    assert!(g2_row.overdue.contains(&("report", d(2025, 10, 5))));
    let dash = s
        .dashboard(&prov, t.province.id, doc, d(2025, 10, 9))
        .await
        .unwrap();
    assert_eq!((dash.reports_late, dash.reports_behind), (1, 1));
    let cu = s
        .cascade_unit_of(&prov, t.g1.id, doc)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cu.facts.reports.len(), 1);
    assert_eq!(cu.facts.reports[0].filed_on, d(2025, 10, 8));
    // Q4 then falls due: g1 is behind again only after 2026-01-05.
    let jan = s
        .dashboard(&prov, t.province.id, doc, d(2026, 1, 5))
        .await
        .unwrap();
    assert_eq!(jan.reports_behind, 1, "g2 only");
    assert_rollups_fresh(s, doc).await;
    // The unit's list shows Q3 submitted late and Q4 running.
    let mine = s
        .unit_reports(&g1, t.g1.id, doc, d(2025, 12, 1))
        .await
        .unwrap();
    assert!(mine.can_write);
    assert_eq!(mine.due.len(), 2);
    assert_eq!(
        mine.due[1].state,
        domain::report::DueState::Submitted {
            on: d(2025, 10, 8),
            late: true
        }
    );
    assert_eq!(mine.due[0].state, domain::report::DueState::Running);
    // The frozen factual part reads the record.
    let facts = r.facts.expect("frozen facts");
    assert_eq!(facts.org_name, "Đảng ủy xã Bảo Đài");
    assert_eq!(facts.document_symbol, "01-NQ/TU");
    assert_eq!(facts.study.members, 3);
    assert_eq!(facts.dashboard.units_total, 1);
    assert!(facts.program.is_none());
}

async fn submitted_reports_freeze_and_corrections_supersede(s: &dyn FullStore) {
    let t = tree(s).await;
    let doc = cascaded(s, &t).await;
    let g1 = principal(s, AccessRole::OfficeStaff, t.g1.id).await;
    let first = submit_q3(s, &g1, t.g1.id, doc, d(2025, 10, 3)).await;
    assert!(!first.late);
    assert_eq!(
        conflict_code(s.save_report(&g1, first.id, sections("Sửa")).await),
        "report_frozen"
    );
    assert_eq!(
        conflict_code(s.submit_report(&g1, first.id, d(2025, 10, 4)).await),
        "report_frozen"
    );
    let before = audit_count(s).await;
    let fix = s.correct_report(&g1, first.id).await.unwrap();
    assert_eq!(fix.state, ReportState::Draft);
    assert_eq!(fix.supersedes, Some(first.id));
    assert_eq!(fix.sections.assessment, first.sections.assessment);
    let again = s.correct_report(&g1, first.id).await.unwrap();
    assert_eq!(again.id, fix.id, "one open correction");
    s.save_report(
        &g1,
        fix.id,
        sections("Hoàn thành 2/3 nhiệm vụ quý III (đính chính)."),
    )
    .await
    .unwrap();
    let fixed = s.submit_report(&g1, fix.id, d(2025, 10, 20)).await.unwrap();
    assert_eq!(fixed.symbol.as_deref(), Some("02-BC/ĐU"));
    assert!(fixed.late, "the correction itself came after the due day");
    let old = s.report(&g1, first.id).await.unwrap();
    assert_eq!(old.state, ReportState::Superseded);
    assert_eq!(old.superseded_by, Some(fixed.id));
    assert_eq!(old.sections.assessment, "Hoàn thành 3/3 nhiệm vụ quý III.");
    let versions = s.report_versions(&g1, fixed.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.state).collect::<Vec<_>>(),
        [ReportState::Superseded, ReportState::Submitted]
    );
    assert!(
        audit_count(s).await >= before + 4,
        "correct, save, supersede, submit"
    );
    // The period counts from the first submission: on time.
    let cu = s.cascade_unit_of(&g1, t.g1.id, doc).await.unwrap().unwrap();
    assert_eq!(cu.facts.reports.len(), 1, "one period");
    assert_eq!(cu.facts.reports[0].filed_on, d(2025, 10, 3));
    let dash = s
        .dashboard(&g1, t.g1.id, doc, d(2025, 11, 1))
        .await
        .unwrap();
    assert_eq!((dash.reports_on_time, dash.reports_late), (1, 0));
    assert_eq!(
        conflict_code(s.correct_report(&g1, first.id).await),
        "report_superseded"
    );
    // A new report for the same period is refused: correct it instead.
    let dup = s
        .start_report(
            &g1,
            NewReport {
                org: t.g1.id,
                document: doc,
                kind: ReportKind::Periodic,
                period_start: d(2025, 7, 1),
                period_end: d(2025, 9, 30),
                today: d(2025, 11, 1),
            },
        )
        .await;
    assert_eq!(conflict_code(dup), "report_exists");
    assert_rollups_fresh(s, doc).await;
}

async fn the_unit_writes_levels_above_read_nobody_else_sees(s: &dyn FullStore) {
    let t = tree(s).await;
    let doc = cascaded(s, &t).await;
    let g1 = principal(s, AccessRole::Secretary, t.g1.id).await;
    let d1 = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let d2 = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    let new = NewReport {
        org: t.g1.id,
        document: doc,
        kind: ReportKind::Periodic,
        period_start: d(2025, 7, 1),
        period_end: d(2025, 9, 30),
        today: d(2025, 10, 2),
    };
    let before = audit_count(s).await;
    is_forbidden(s.start_report(&d1, new.clone()).await);
    is_not_found(s.start_report(&d2, new.clone()).await);
    assert_eq!(audit_count(s).await, before);
    let r = submit_q3(s, &g1, t.g1.id, doc, d(2025, 10, 2)).await;
    assert_eq!(
        s.report(&d1, r.id).await.unwrap().id,
        r.id,
        "the district reads"
    );
    is_not_found(s.report(&d2, r.id).await);
    is_not_found(s.report_versions(&d2, r.id).await);
    is_forbidden(s.correct_report(&d1, r.id).await);
    is_not_found(s.correct_report(&d2, r.id).await);
    is_not_found(s.unit_reports(&d2, t.g1.id, doc, d(2025, 10, 2)).await);
    let up = s
        .unit_reports(&d1, t.g1.id, doc, d(2025, 10, 2))
        .await
        .unwrap();
    assert!(!up.can_write);
    assert_eq!(up.reports.len(), 1);
    is_not_found(
        s.gathered_reports(&d2, t.d1.id, doc, ReportKind::Periodic, d(2025, 7, 1))
            .await,
    );
    // A sibling's peers list leaves out what it may not read.
    let g2 = principal(s, AccessRole::OfficeStaff, t.g2.id).await;
    let r2 = submit_q3(s, &g2, t.g2.id, doc, d(2025, 10, 2)).await;
    let peers = s.report_peers(&g2, r2.id).await.unwrap();
    assert!(peers.siblings.is_empty(), "g1 is another district's");
    assert!(peers.upper.is_none());
}

async fn bad_input_is_refused_and_nothing_is_saved(s: &dyn FullStore) {
    let t = tree(s).await;
    let doc = cascaded(s, &t).await;
    let g1 = principal(s, AccessRole::OfficeStaff, t.g1.id).await;
    let before = audit_count(s).await;
    let q4 = NewReport {
        org: t.g1.id,
        document: doc,
        kind: ReportKind::Periodic,
        period_start: d(2025, 10, 1),
        period_end: d(2025, 12, 31),
        today: d(2025, 12, 20),
    };
    assert_eq!(
        invalid_code(s.start_report(&g1, q4.clone()).await),
        ("period", "period_not_ended")
    );
    let odd = NewReport {
        period_start: d(2025, 8, 1),
        ..q4.clone()
    };
    assert_eq!(
        invalid_code(s.start_report(&g1, odd).await),
        ("period", "period_not_in_schedule")
    );
    assert_eq!(audit_count(s).await, before, "nothing written");
    let draft = s
        .start_report(
            &g1,
            NewReport {
                today: d(2026, 1, 2),
                ..q4
            },
        )
        .await
        .unwrap();
    // Submitting an empty draft names the missing assessment; the draft stays a draft.
    assert_eq!(
        invalid_code(s.submit_report(&g1, draft.id, d(2026, 1, 2)).await),
        ("assessment", "required")
    );
    let too_long = ReportInput {
        sections: ReportSections {
            assessment: "a".repeat(domain::report::MAX_SECTION_CHARS + 1),
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(
        invalid_code(s.save_report(&g1, draft.id, too_long).await),
        ("assessment", "too_long")
    );
    let still = s.report(&g1, draft.id).await.unwrap();
    assert_eq!(still.state, ReportState::Draft);
    assert_eq!(still.sections.assessment, "");
    let cu = s.cascade_unit_of(&g1, t.g1.id, doc).await.unwrap().unwrap();
    assert!(cu.facts.reports.is_empty());
    // A review needs its conference before it is submitted.
    let review = s
        .start_report(
            &g1,
            NewReport {
                org: t.g1.id,
                document: doc,
                kind: ReportKind::Interim,
                period_start: d(2025, 1, 15),
                period_end: d(2025, 12, 15),
                today: d(2025, 12, 20),
            },
        )
        .await
        .unwrap();
    s.save_report(&g1, review.id, sections("Sơ kết"))
        .await
        .unwrap();
    assert_eq!(
        invalid_code(s.submit_report(&g1, review.id, d(2025, 12, 20)).await),
        ("held_on", "required")
    );
}

async fn an_interim_review_records_the_milestone_and_its_decisions(s: &dyn FullStore) {
    let t = tree(s).await;
    let doc = cascaded(s, &t).await;
    let g1 = principal(s, AccessRole::OfficeStaff, t.g1.id).await;
    let d1 = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let review = s
        .start_report(
            &g1,
            NewReport {
                org: t.g1.id,
                document: doc,
                kind: ReportKind::Interim,
                period_start: d(2025, 1, 15),
                period_end: d(2025, 12, 15),
                today: d(2025, 12, 20),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        review.period.start,
        d(2025, 1, 15),
        "from the resolution's issue"
    );
    assert_eq!(review.period.due, Some(d(2025, 12, 31)));
    let input = ReportInput {
        conference: Some(Conference {
            held_on: d(2025, 12, 18),
            chair: "Nguyễn Văn An".into(),
            invited: 30,
            present: 28,
        }),
        decisions: vec![
            Decision {
                kind: DecisionKind::Task,
                subject: "Rà soát, bổ sung chỉ tiêu kết nạp đảng viên".into(),
                reason: None,
                deadline: Some(d(2026, 6, 30)),
            },
            Decision {
                kind: DecisionKind::Commend,
                subject: "Chi bộ thôn Đông".into(),
                reason: Some("Hoàn thành xuất sắc".into()),
                deadline: None,
            },
            Decision {
                kind: DecisionKind::Criticize,
                subject: "Chi bộ thôn Tây".into(),
                reason: Some("Chậm báo cáo".into()),
                deadline: None,
            },
        ],
        ..sections("Sơ kết một năm thực hiện Nghị quyết.")
    };
    let saved = s.save_report(&g1, review.id, input).await.unwrap();
    assert_eq!(saved.decisions.len(), 3);
    let done = s
        .submit_report(&g1, review.id, d(2025, 12, 20))
        .await
        .unwrap();
    assert!(!done.late);
    assert_eq!(done.conference.as_ref().unwrap().present, 28);
    let cu = s.cascade_unit_of(&g1, t.g1.id, doc).await.unwrap().unwrap();
    assert_eq!(cu.facts.interim_reviewed_on, Some(d(2025, 12, 20)));
    let dash = s.dashboard(&d1, t.d1.id, doc, d(2026, 1, 2)).await.unwrap();
    assert_eq!((dash.review_done, dash.review_overdue), (1, 0));
    let proposals = s.review_proposals(&d1, t.d1.id).await.unwrap();
    assert_eq!(
        proposals
            .iter()
            .map(|p| (p.kind, p.subject.as_str()))
            .collect::<Vec<_>>(),
        [
            (DecisionKind::Commend, "Chi bộ thôn Đông"),
            (DecisionKind::Criticize, "Chi bộ thôn Tây")
        ]
    );
    // Only one interim review per unit and chain; a second is a correction.
    let again = s
        .start_report(
            &g1,
            NewReport {
                org: t.g1.id,
                document: doc,
                kind: ReportKind::Interim,
                period_start: d(2025, 1, 15),
                period_end: d(2025, 12, 19),
                today: d(2025, 12, 21),
            },
        )
        .await;
    assert_eq!(conflict_code(again), "report_exists");
    assert_rollups_fresh(s, doc).await;
}

async fn the_upper_level_gathers_its_lower_units_reports(s: &dyn FullStore) {
    let t = tree(s).await;
    let office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let doc = s
        .register_document(&office, resolution(t.province.id, "01-NQ/TU"))
        .await
        .unwrap();
    // Cells and grassroots units of Lục Nam.
    s.create_cascade(
        &office,
        doc.id,
        scope(&t.d1.path, &[OrgKind::Grassroots, OrgKind::Cell]),
        deadlines(),
    )
    .await
    .unwrap();
    let c1 = principal(s, AccessRole::Secretary, t.c1.id).await;
    let g1 = principal(s, AccessRole::OfficeStaff, t.g1.id).await;
    submit_q3(s, &c1, t.c1.id, doc.id, d(2025, 10, 2)).await;
    let g = s
        .gathered_reports(&g1, t.g1.id, doc.id, ReportKind::Periodic, d(2025, 7, 1))
        .await
        .unwrap();
    assert_eq!(g.reports.len(), 1);
    assert_eq!(g.reports[0].org_name, "Chi bộ thôn Đông");
    assert_eq!(g.missing, vec![(t.c2.id, "Chi bộ thôn Tây".to_owned())]);
    // The grassroots unit's own facts count its cells' reports.
    let facts = s
        .report_facts(
            &g1,
            t.g1.id,
            doc.id,
            domain::report::ReportPeriod {
                start: d(2025, 7, 1),
                end: d(2025, 9, 30),
                due: Some(d(2025, 10, 5)),
            },
            d(2025, 10, 3),
        )
        .await
        .unwrap();
    assert_eq!(facts.lower_reports, (1, 0, 2));
}

/// Cascaded to districts, grassroots and cells with 5 grace days: cells owe Q3 on 1/10,
/// grassroots on 3/10 and districts on 5/10, so each level writes from the lower ones;
/// the overdue lists follow, and the rollups agree with a recount.
async fn deadlines_run_bottom_up(s: &dyn FullStore) {
    let t = tree(s).await;
    let office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let doc = s
        .register_document(&office, resolution(t.province.id, "02-NQ/TU"))
        .await
        .unwrap()
        .id;
    s.create_cascade(
        &office,
        doc,
        scope(
            &t.province.path,
            &[
                OrgKind::DirectlyAffiliated,
                OrgKind::Grassroots,
                OrgKind::Cell,
            ],
        ),
        deadlines(),
    )
    .await
    .unwrap();
    let q3_due = |u: &UnitReports| {
        u.due
            .iter()
            .find(|p| p.period.start == d(2025, 7, 1))
            .map(|p| p.period.due)
            .unwrap()
    };
    for (org, due) in [
        (t.d1.id, d(2025, 10, 5)),
        (t.g1.id, d(2025, 10, 3)),
        (t.c1.id, d(2025, 10, 1)),
    ] {
        let u = s
            .unit_reports(&office, org, doc, d(2025, 10, 2))
            .await
            .unwrap();
        assert_eq!(q3_due(&u), due, "{}", u.org_name);
    }
    // On 2/10 only the cells are behind on their report.
    let page = Page {
        offset: 0,
        limit: 100,
    };
    let late = s
        .overdue_units(&office, t.province.id, doc, d(2025, 10, 2), page)
        .await
        .unwrap();
    let owes_report = |org: OrgId| {
        late.iter()
            .find(|u| u.org_id == org)
            .is_some_and(|u| u.overdue.iter().any(|(what, _)| *what == "report"))
    };
    assert!(owes_report(t.c1.id), "{late:?}");
    assert!(!owes_report(t.g1.id) && !owes_report(t.d1.id), "{late:?}");
    assert_rollups_fresh(s, doc).await;
}
