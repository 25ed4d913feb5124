//! The conformance suite of inspection and supervision (issue 16): every case runs on
//! SQLite and, when `RESOLUTE_TEST_POSTGRES` is set, on PostgreSQL.

use domain::inspection::{
    AboutKind, BodyKind, FindingKind, ItemKind, ItemState, RecState, TeamRole,
};
use domain::{
    AccessRole, CascadeScope, ContentKey, EvidenceType, MemberId, OrgKind, Principal, ProgramId,
    ProgramKind, ProgramSections, ProgramState, TaskDraft, TaskId,
};
use store::*;
use store_tests::programs::*;
use store_tests::*;

store_tests::program_suite!(
    program_item_conclusion_and_follow_up_to_closure,
    findings_stay_with_the_team_until_the_conclusion,
    bad_input_is_refused_and_nothing_is_saved,
    dashboard_and_suggestions_read_the_record,
    findings_point_at_a_target_a_program_section_and_a_report,
    an_item_names_tasks_of_its_subjects_programs,
);

fn file(byte: u8, name: &str) -> EvidenceMeta {
    EvidenceMeta {
        key: ContentKey::from_digest(&[byte; 32]),
        kind: EvidenceType::Pdf,
        size: 2048,
        original_name: name.into(),
    }
}

/// A user linked to a member, with a member grant on the member's cell.
async fn member_principal(s: &dyn FullStore, m: &Member, name: &str) -> Principal {
    let u = s
        .user_create(
            &sys(),
            NewUser {
                username: name.into(),
                display_name: name.into(),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$x$y".into(),
                member_id: Some(m.id),
            },
        )
        .await
        .unwrap();
    s.grant_add(
        &sys(),
        NewGrant {
            user_id: u.id,
            role: AccessRole::Member,
            org_id: m.cell_id,
        },
    )
    .await
    .unwrap();
    s.principal(u.id).await.unwrap().unwrap()
}

/// The province's resolution cascaded to the districts, and d1's issued program with one
/// task (deadline in 2025, carried over when a recommendation adds a task later).
async fn resolution_and_program(s: &dyn FullStore, t: &Tree) -> (Document, Program) {
    let doc = s
        .register_document(&sys(), resolution(t.province.id, "05-NQ/TU"))
        .await
        .unwrap();
    s.create_cascade(
        &sys(),
        doc.id,
        CascadeScope {
            root: t.province.path.clone(),
            kinds: kinds(&[OrgKind::DirectlyAffiliated]),
            include_root: false,
        },
        deadlines(),
    )
    .await
    .unwrap();
    let office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let draft = s
        .create_program_draft(
            &office,
            NewProgram {
                org_id: t.d1.id,
                document_id: doc.id,
                kind: ProgramKind::ActionProgram,
                title: "Chương trình hành động thực hiện Nghị quyết 05-NQ/TU".into(),
            },
        )
        .await
        .unwrap();
    s.save_program_sections(
        &office,
        draft.id,
        ProgramSections {
            purpose: "Quán triệt nghị quyết.".into(),
            tasks_and_solutions: "Các nhiệm vụ trong bảng.".into(),
            organization: "Văn phòng theo dõi.".into(),
        },
    )
    .await
    .unwrap();
    s.save_tasks(
        &office,
        draft.id,
        vec![TaskDraft {
            content: "Tổ chức hội nghị quán triệt".into(),
            lead_body: Some("Ban Tuyên giáo".into()),
            cooperating_bodies: vec![],
            responsible: Some(t.m1.id),
            deadline: Some(d(2025, 6, 30)),
            expected_output: Some("Báo cáo".into()),
            upper_target: None,
        }],
    )
    .await
    .unwrap();
    let issued = s
        .issue_program(&office, draft.id, d(2025, 5, 5))
        .await
        .unwrap();
    (doc, issued)
}

/// The province's inspection committee: a program for 2025 and a thematic supervision
/// of d1 about the resolution, with a team of m1 (head) and m2 (secretary).
async fn supervision(
    s: &dyn FullStore,
    t: &Tree,
    ubkt: &Principal,
    doc: &Document,
) -> (InspectionProgram, Item) {
    let program = s
        .create_inspection_program(
            ubkt,
            NewInspectionProgram {
                org_id: t.province.id,
                body: BodyKind::InspectionCommittee,
                year: 2025,
                title: "Chương trình kiểm tra, giám sát năm 2025".into(),
            },
        )
        .await
        .unwrap();
    let item = s
        .add_inspection_item(
            ubkt,
            program.id,
            NewItem {
                kind: Some(ItemKind::ThematicSupervision),
                title: "Giám sát chuyên đề việc thực hiện Nghị quyết 05-NQ/TU".into(),
                content: "Việc cụ thể hóa và tổ chức thực hiện nghị quyết.".into(),
                document_id: Some(doc.id),
                content_program_id: None,
                tasks: Vec::new(),
                subjects: vec![(t.d1.id, None)],
                team: vec![(t.m1.id, TeamRole::Head), (t.m2.id, TeamRole::Secretary)],
                period_from: Some(d(2025, 1, 1)),
                period_to: Some(d(2025, 9, 30)),
                starts_on: Some(d(2025, 10, 1)),
                ends_on: Some(d(2025, 11, 30)),
            },
        )
        .await
        .unwrap();
    (program, item)
}

async fn program_item_conclusion_and_follow_up_to_closure(s: &dyn FullStore) {
    let t = tree(s).await;
    let (doc, issued) = resolution_and_program(s, &t).await;
    let ubkt = principal(s, AccessRole::Inspector, t.province.id).await;
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let (program, item) = supervision(s, &t, &ubkt, &doc).await;
    assert_eq!(item.state, ItemState::Planned);
    assert_eq!(item.team[0].role, TeamRole::Head);
    let (_, items) = s.inspection_program(&ubkt, program.id).await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].subjects, vec!["Huyện ủy Lục Nam".to_owned()]);
    // One program per body and year.
    let again = s
        .create_inspection_program(
            &ubkt,
            NewInspectionProgram {
                org_id: t.province.id,
                body: BodyKind::InspectionCommittee,
                year: 2025,
                title: "Lần hai".into(),
            },
        )
        .await;
    assert_eq!(conflict_code(again), "inspection_program_exists");

    // Notice: the subject sees what is asked and reports with evidence.
    let item = s
        .notify_inspection_item(&ubkt, item.id, d(2025, 10, 1), Some(d(2025, 10, 15)))
        .await
        .unwrap();
    assert_eq!(item.state, ItemState::Notified);
    let seen = s
        .inspection_item(&d1_office, item.id, d(2025, 10, 2))
        .await
        .unwrap();
    assert_eq!(seen.self_report_due, Some(d(2025, 10, 15)));
    assert!(!seen.sight.act);
    let listed = s.unit_inspection_items(&d1_office, t.d1.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    let subject = seen.subjects[0].id;
    // The inspecting body does not write the subject's report.
    assert!(matches!(
        s.submit_self_report(&ubkt, subject, "x".into(), vec![], d(2025, 10, 3))
            .await,
        Err(StoreError::Forbidden)
    ));
    let item = s
        .submit_self_report(
            &d1_office,
            subject,
            "Huyện ủy đã ban hành chương trình hành động.".into(),
            vec![file(1, "bao-cao-tu-kiem-tra.pdf")],
            d(2025, 10, 10),
        )
        .await
        .unwrap();
    assert_eq!(item.state, ItemState::Reported);
    assert_eq!(item.subjects[0].files.len(), 1);
    // The province's limit for thematic supervision (30 working days) from the report.
    assert_eq!(item.conclusion_due, Some(d(2025, 11, 21)));
    let f = item.subjects[0].files[0].id;
    assert_eq!(
        s.inspection_file(&d1_office, f, d(2025, 10, 10))
            .await
            .unwrap()
            .file_name,
        "bao-cao-tu-kiem-tra.pdf"
    );
    assert_eq!(
        conflict_code(
            s.submit_self_report(
                &d1_office,
                subject,
                "lần hai".into(),
                vec![],
                d(2025, 10, 11)
            )
            .await
        ),
        "self_report_closed"
    );

    // Findings, tied to what they are about.
    let task = s.program_tasks(&sys(), issued.id).await.unwrap()[0].id;
    let finding = s
        .add_finding(
            &ubkt,
            item.id,
            NewFinding {
                subject_id: subject,
                kind: FindingKind::Shortcoming,
                about: AboutKind::Task,
                about_id: Some(task.0),
                about_part: None,
                text: "Hội nghị quán triệt tổ chức chậm so với kế hoạch.".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        finding.about_label.as_deref(),
        Some("Tổ chức hội nghị quán triệt")
    );
    s.add_finding(
        &ubkt,
        item.id,
        NewFinding {
            subject_id: subject,
            kind: FindingKind::Strength,
            about: AboutKind::General,
            about_id: None,
            about_part: None,
            text: "Ban hành chương trình đúng hạn.".into(),
        },
    )
    .await
    .unwrap();

    // The conclusion notice with its number and two recommendations.
    let done = s
        .conclude_inspection_item(
            &ubkt,
            item.id,
            Conclusion {
                concluded_on: d(2025, 11, 10),
                text: "Huyện ủy Lục Nam cơ bản thực hiện tốt; còn hạn chế.".into(),
                recommendations: vec![
                    NewRecommendation {
                        acting_org_id: Some(t.d1.id),
                        text: "Tổ chức quán triệt bổ sung cho cán bộ chủ chốt".into(),
                        deadline: Some(d(2026, 1, 31)),
                    },
                    NewRecommendation {
                        acting_org_id: Some(t.d1.id),
                        text: "Rà soát, bổ sung chỉ tiêu cụ thể".into(),
                        deadline: Some(d(2026, 2, 28)),
                    },
                ],
            },
        )
        .await
        .unwrap();
    assert_eq!(done.state, ItemState::Concluded);
    assert_eq!(done.notice_symbol.as_deref(), Some("01-TB/UBKTTU"));
    assert_eq!(done.recommendations.len(), 2);
    assert!(
        done.recommendations
            .iter()
            .all(|r| r.state == RecState::Open)
    );
    // No more findings once concluded.
    assert_eq!(
        conflict_code(
            s.add_finding(
                &ubkt,
                item.id,
                NewFinding {
                    subject_id: subject,
                    kind: FindingKind::Violation,
                    about: AboutKind::General,
                    about_id: None,
                    about_part: None,
                    text: "muộn".into(),
                },
            )
            .await
        ),
        "item_concluded"
    );

    // The district sees its recommendations and makes the first a task of a revision.
    let recs = s.unit_recommendations(&d1_office, t.d1.id).await.unwrap();
    assert_eq!(recs.len(), 2);
    let (r1, r2) = (recs[0].id, recs[1].id);
    assert!(recs[0].may_act_unit && !recs[0].may_verify);
    // Nothing closes without verification.
    assert_eq!(
        conflict_code(
            s.decide_remediation(&ubkt, r1, true, None, d(2025, 11, 12))
                .await
        ),
        "recommendation_not_reported"
    );
    assert_eq!(
        invalid_code(
            s.adopt_recommendation(&d1_office, r1, None, d(2025, 11, 12))
                .await
        ),
        ("responsible", "required")
    );
    assert_eq!(
        invalid_code(
            s.adopt_recommendation(&d1_office, r1, Some(t.m4.id), d(2025, 11, 12))
                .await
        ),
        ("responsible", "responsible_outside_unit")
    );
    let adopted = s
        .adopt_recommendation(&d1_office, r1, Some(t.m3.id), d(2025, 11, 12))
        .await
        .unwrap();
    assert_eq!(adopted.state, RecState::Tasked);
    assert_eq!(adopted.responsible_name.as_deref(), Some("Lê Văn Cường"));
    let revision = s
        .program(&d1_office, adopted.program_id.unwrap())
        .await
        .unwrap();
    assert_eq!(revision.state, ProgramState::Issued);
    assert_eq!(revision.revises, Some(issued.id));
    assert_eq!(
        s.program(&d1_office, issued.id).await.unwrap().state,
        ProgramState::Superseded
    );
    let tasks = s.program_tasks(&d1_office, revision.id).await.unwrap();
    assert_eq!(
        tasks.len(),
        2,
        "the old task carried over, the follow-up added"
    );
    assert_eq!(tasks[1].id, adopted.task_id.unwrap());
    assert!(tasks[1].counted);
    assert!(
        tasks[1]
            .draft
            .content
            .starts_with("Tổ chức quán triệt bổ sung")
    );
    assert_eq!(tasks[1].draft.deadline, Some(d(2026, 1, 31)));
    assert_eq!(tasks[1].draft.responsible, Some(t.m3.id));
    assert_eq!(
        conflict_code(
            s.adopt_recommendation(&d1_office, r1, Some(t.m3.id), d(2025, 11, 12))
                .await
        ),
        "recommendation_not_open"
    );

    // Remediation with evidence; the body verifies and closes it.
    let reported = s
        .report_remediation(
            &d1_office,
            r1,
            "Đã tổ chức hội nghị quán triệt bổ sung ngày 20/11/2025.".into(),
            vec![file(2, "bien-ban-hoi-nghi.pdf")],
        )
        .await
        .unwrap();
    assert_eq!(reported.state, RecState::Reported);
    assert_eq!(reported.remediations[0].files.len(), 1);
    // The subject cannot verify its own remediation.
    assert!(matches!(
        s.decide_remediation(&d1_office, r1, true, None, d(2025, 11, 25))
            .await,
        Err(StoreError::Forbidden)
    ));
    let closed = s
        .decide_remediation(&ubkt, r1, true, None, d(2025, 11, 25))
        .await
        .unwrap();
    assert_eq!(closed.state, RecState::Closed);
    assert_eq!(closed.closed_on, Some(d(2025, 11, 25)));

    // The second: reported, returned with a reason, reported again.
    s.adopt_recommendation(&d1_office, r2, Some(t.m1.id), d(2025, 11, 13))
        .await
        .unwrap();
    s.report_remediation(&d1_office, r2, "Đã rà soát.".into(), vec![])
        .await
        .unwrap();
    assert_eq!(
        invalid_code(
            s.decide_remediation(&ubkt, r2, false, Some("  ".into()), d(2025, 11, 26))
                .await
        ),
        ("reason", "return_reason_required")
    );
    let back = s
        .decide_remediation(
            &ubkt,
            r2,
            false,
            Some("Chưa có chỉ tiêu định lượng".into()),
            d(2025, 11, 26),
        )
        .await
        .unwrap();
    assert_eq!(back.state, RecState::Returned);
    assert_eq!(
        back.remediations[0].reason.as_deref(),
        Some("Chưa có chỉ tiêu định lượng")
    );
    let again = s
        .report_remediation(&d1_office, r2, "Đã bổ sung 3 chỉ tiêu.".into(), vec![])
        .await
        .unwrap();
    assert_eq!(again.state, RecState::Reported);
    assert_eq!(again.remediations.len(), 2, "nothing is deleted");

    // The district's report for the quarter reads the conclusion into its factual part:
    // both findings of the quarter's conclusion and the one recommendation not closed.
    let q4 = domain::report::ReportPeriod {
        start: d(2025, 10, 1),
        end: d(2025, 12, 31),
        due: Some(d(2026, 1, 5)),
    };
    let facts = s
        .report_facts(&d1_office, t.d1.id, doc.id, q4, d(2025, 11, 27))
        .await
        .unwrap();
    let i = facts.inspection.expect("inspection facts");
    assert_eq!((i.items_concluded, i.findings_total), (1, 2));
    assert_eq!(i.findings[0].notice_symbol.as_deref(), Some("01-TB/UBKTTU"));
    assert_eq!(i.findings[0].org_name, "Huyện ủy Lục Nam");
    assert!(i.findings.iter().any(|f| f.kind == FindingKind::Shortcoming
        && f.text == "Hội nghị quán triệt tổ chức chậm so với kế hoạch."));
    assert_eq!((i.open_total, i.open_overdue), (1, 0));
    assert_eq!(
        i.open_recommendations[0].text,
        "Rà soát, bổ sung chỉ tiêu cụ thể"
    );
    assert_eq!(i.open_recommendations[0].state, RecState::Reported);
    assert_eq!(
        i.open_recommendations[0].responsible.as_deref(),
        Some("Nguyễn Văn An")
    );
    // The quarter before has no conclusion; the recommendation did not exist yet.
    let q3 = domain::report::ReportPeriod {
        start: d(2025, 7, 1),
        end: d(2025, 9, 30),
        due: Some(d(2025, 10, 5)),
    };
    let before = s
        .report_facts(&d1_office, t.d1.id, doc.id, q3, d(2025, 11, 27))
        .await
        .unwrap()
        .inspection
        .unwrap();
    assert_eq!((before.items_concluded, before.open_total), (0, 0));
    // A sibling district's subtree sees nothing of it.
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    let other = s
        .report_facts(&d2_office, t.d2.id, doc.id, q4, d(2025, 11, 27))
        .await
        .unwrap()
        .inspection
        .unwrap();
    assert_eq!((other.items_concluded, other.open_total), (0, 0));

    // Every step is in the audit log.
    let entries = s
        .audit_list(
            &sys(),
            AuditFilter {
                org: None,
                entity: None,
                before_id: None,
                limit: 500,
            },
        )
        .await
        .unwrap();
    for (action, entity) in [
        ("create", "inspection_program"),
        ("create", "inspection_item"),
        ("notify", "inspection_item"),
        ("self_report", "inspection_subject"),
        ("create", "inspection_finding"),
        ("conclude", "inspection_item"),
        ("create", "inspection_recommendation"),
        ("adopt", "inspection_recommendation"),
        ("report_remediation", "inspection_recommendation"),
        ("verify", "inspection_recommendation"),
        ("return", "inspection_recommendation"),
    ] {
        assert!(
            entries
                .iter()
                .any(|e| e.action == action && e.entity == entity),
            "{action} {entity} audited"
        );
    }
}

async fn findings_stay_with_the_team_until_the_conclusion(s: &dyn FullStore) {
    let t = tree(s).await;
    let (doc, _) = resolution_and_program(s, &t).await;
    let ubkt = principal(s, AccessRole::Inspector, t.province.id).await;
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    // The province's committee office is not the inspection committee.
    let province_office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let head = member_principal(s, &t.m1, "truong.doan").await;
    let front = principal(s, AccessRole::FatherlandFront, t.province.id).await;
    let (program, item) = supervision(s, &t, &ubkt, &doc).await;
    s.notify_inspection_item(&ubkt, item.id, d(2025, 10, 1), Some(d(2025, 10, 15)))
        .await
        .unwrap();
    let subject = item.subjects[0].id;
    s.submit_self_report(
        &d1_office,
        subject,
        "Báo cáo.".into(),
        vec![],
        d(2025, 10, 5),
    )
    .await
    .unwrap();
    // The team's head (a member, no office grant) records a finding.
    s.add_finding(
        &head,
        item.id,
        NewFinding {
            subject_id: subject,
            kind: FindingKind::Violation,
            about: AboutKind::Study,
            about_id: Some(doc.id.0),
            about_part: None,
            text: "Chưa tổ chức học tập cho 30% đảng viên.".into(),
        },
    )
    .await
    .unwrap();
    let today = d(2025, 10, 20);
    // Before the conclusion: the team and the body see the findings ...
    for p in [&ubkt, &head] {
        let v = s.inspection_item(p, item.id, today).await.unwrap();
        assert_eq!(v.findings.len(), 1);
        assert!(v.sight.act);
    }
    // ... the subject sees the item, not the findings; others see nothing.
    let v = s.inspection_item(&d1_office, item.id, today).await.unwrap();
    assert!(v.findings.is_empty() && !v.sight.findings);
    let v = s
        .inspection_item(&province_office, item.id, today)
        .await
        .unwrap();
    assert!(
        v.findings.is_empty(),
        "the committee office reads the subject only"
    );
    for p in [&d2_office, &front] {
        assert!(matches!(
            s.inspection_item(p, item.id, today).await,
            Err(StoreError::NotFound)
        ));
        let listed = s.unit_inspection_items(p, t.d1.id).await;
        assert!(listed.is_err() || listed.unwrap().is_empty());
    }
    assert!(matches!(
        s.inspection_program(&d1_office, program.id).await,
        Err(StoreError::NotFound)
    ));
    // The subject may not record findings.
    assert!(matches!(
        s.add_finding(
            &d1_office,
            item.id,
            NewFinding {
                subject_id: subject,
                kind: FindingKind::Strength,
                about: AboutKind::General,
                about_id: None,
                about_part: None,
                text: "Tự khen".into(),
            },
        )
        .await,
        Err(StoreError::Forbidden)
    ));
    let done = s
        .conclude_inspection_item(
            &ubkt,
            item.id,
            Conclusion {
                concluded_on: d(2025, 11, 1),
                text: "Kết luận.".into(),
                recommendations: vec![NewRecommendation {
                    acting_org_id: Some(t.d1.id),
                    text: "Tổ chức học tập bổ sung".into(),
                    deadline: Some(d(2025, 12, 31)),
                }],
            },
        )
        .await
        .unwrap();
    // After: the subject sees its conclusion and recommendations; d2 still nothing.
    let v = s.inspection_item(&d1_office, item.id, today).await.unwrap();
    assert_eq!(v.findings.len(), 1);
    assert_eq!(v.recommendations.len(), 1);
    assert!(!v.sight.act);
    let rec = done.recommendations[0].id;
    assert!(s.recommendation(&d1_office, rec).await.is_ok());
    assert!(matches!(
        s.recommendation(&d2_office, rec).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        s.unit_recommendations(&d2_office, t.d2.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        s.inspection_file(&d2_office, 1, today).await,
        Err(StoreError::NotFound)
    ));
}

async fn bad_input_is_refused_and_nothing_is_saved(s: &dyn FullStore) {
    let t = tree(s).await;
    let (doc, _) = resolution_and_program(s, &t).await;
    let d1_ubkt = principal(s, AccessRole::Inspector, t.d1.id).await;
    let member = principal(s, AccessRole::Member, t.d1.id).await;
    // A member runs no body.
    assert!(matches!(
        s.create_inspection_program(
            &member,
            NewInspectionProgram {
                org_id: t.d1.id,
                body: BodyKind::InspectionCommittee,
                year: 2025,
                title: "x".into(),
            },
        )
        .await,
        Err(StoreError::Forbidden)
    ));
    let program = s
        .create_inspection_program(
            &d1_ubkt,
            NewInspectionProgram {
                org_id: t.d1.id,
                body: BodyKind::InspectionCommittee,
                year: 2025,
                title: "Chương trình kiểm tra năm 2025".into(),
            },
        )
        .await
        .unwrap();
    let before = audit_count(s).await;
    // A subject outside the district's subtree.
    let outside = s
        .add_inspection_item(
            &d1_ubkt,
            program.id,
            NewItem {
                kind: Some(ItemKind::Inspection),
                title: "Kiểm tra".into(),
                content: "Nội dung".into(),
                subjects: vec![(t.g2.id, None)],
                team: vec![(t.m1.id, TeamRole::Head)],
                starts_on: Some(d(2025, 10, 1)),
                ends_on: Some(d(2025, 10, 30)),
                ..NewItem::default()
            },
        )
        .await;
    assert_eq!(invalid_code(outside), ("subjects", "subject_outside_body"));
    let empty = s
        .add_inspection_item(&d1_ubkt, program.id, NewItem::default())
        .await;
    let Err(StoreError::Invalid(inv)) = empty else {
        panic!("expected Invalid, got {empty:?}")
    };
    let codes: Vec<(&str, &str)> = inv.0.iter().map(|e| (e.field, e.code)).collect();
    assert!(codes.contains(&("kind", "required")), "{codes:?}");
    assert!(codes.contains(&("title", "required")), "{codes:?}");
    assert_eq!(audit_count(s).await, before, "nothing saved");

    // A conclusion with a recommendation lacking its deadline or its acting unit.
    let item = s
        .add_inspection_item(
            &d1_ubkt,
            program.id,
            NewItem {
                kind: Some(ItemKind::RegularSupervision),
                title: "Giám sát thường xuyên".into(),
                content: "Dự sinh hoạt chi bộ".into(),
                document_id: Some(doc.id),
                subjects: vec![(t.g1.id, None)],
                team: vec![(t.m1.id, TeamRole::Head)],
                starts_on: Some(d(2025, 10, 1)),
                ends_on: Some(d(2025, 12, 30)),
                ..NewItem::default()
            },
        )
        .await
        .unwrap();
    // Regular supervision asks for no self-report: a notice without a due day is fine.
    s.notify_inspection_item(&d1_ubkt, item.id, d(2025, 10, 1), None)
        .await
        .unwrap();
    // No finding yet.
    let before = audit_count(s).await;
    let r = s
        .conclude_inspection_item(
            &d1_ubkt,
            item.id,
            Conclusion {
                concluded_on: d(2025, 11, 1),
                text: "Kết luận".into(),
                recommendations: vec![
                    NewRecommendation {
                        acting_org_id: Some(t.g1.id),
                        text: "Bổ sung".into(),
                        deadline: None,
                    },
                    NewRecommendation {
                        acting_org_id: None,
                        text: "Bổ sung".into(),
                        deadline: Some(d(2025, 12, 1)),
                    },
                    NewRecommendation {
                        acting_org_id: Some(t.g2.id),
                        text: "Bổ sung".into(),
                        deadline: Some(d(2025, 12, 1)),
                    },
                ],
            },
        )
        .await;
    let Err(StoreError::Invalid(inv)) = r else {
        panic!("expected Invalid, got {r:?}")
    };
    let codes: Vec<(&str, &str)> = inv.0.iter().map(|e| (e.field, e.code)).collect();
    assert_eq!(
        codes,
        vec![
            ("findings", "findings_required"),
            ("deadline", "required"),
            ("acting_unit", "required"),
            ("acting_unit", "subject_outside_body"),
        ]
    );
    assert_eq!(audit_count(s).await, before);
    let v = s
        .inspection_item(&d1_ubkt, item.id, d(2025, 11, 1))
        .await
        .unwrap();
    assert_eq!(v.state, ItemState::Notified);
    assert!(v.recommendations.is_empty() && v.notice_symbol.is_none());
}

async fn dashboard_and_suggestions_read_the_record(s: &dyn FullStore) {
    let t = tree(s).await;
    let (doc, issued) = resolution_and_program(s, &t).await;
    let ubkt = principal(s, AccessRole::Inspector, t.province.id).await;
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let (program, item) = supervision(s, &t, &ubkt, &doc).await;
    s.notify_inspection_item(&ubkt, item.id, d(2025, 10, 1), Some(d(2025, 10, 15)))
        .await
        .unwrap();
    s.submit_self_report(
        &d1_office,
        item.subjects[0].id,
        "Báo cáo".into(),
        vec![],
        d(2025, 10, 5),
    )
    .await
    .unwrap();
    s.add_finding(
        &ubkt,
        item.id,
        NewFinding {
            subject_id: item.subjects[0].id,
            kind: FindingKind::Shortcoming,
            about: AboutKind::General,
            about_id: None,
            about_part: None,
            text: "Chậm".into(),
        },
    )
    .await
    .unwrap();
    s.conclude_inspection_item(
        &ubkt,
        item.id,
        Conclusion {
            concluded_on: d(2025, 11, 1),
            text: "Kết luận".into(),
            recommendations: vec![NewRecommendation {
                acting_org_id: Some(t.d1.id),
                text: "Khắc phục".into(),
                deadline: Some(d(2025, 11, 20)),
            }],
        },
    )
    .await
    .unwrap();
    let today = d(2025, 12, 1);
    let dash = s
        .inspection_dashboard(&ubkt, t.province.id, 2025, today)
        .await
        .unwrap();
    assert_eq!((dash.planned, dash.done), (1, 1));
    assert_eq!(dash.coverage.len(), 2);
    let lucnam = dash.coverage.iter().find(|c| c.org_id == t.d1.id).unwrap();
    assert_eq!(lucnam.last_concluded, Some(d(2025, 11, 1)));
    assert_eq!(dash.never_inspected, 1);
    assert_eq!(dash.open.len(), 1);
    assert!(dash.open[0].overdue);
    assert_eq!(dash.overdue, 1);
    assert_eq!(dash.adverse_findings, 1);
    assert_eq!(dash.recurring_findings, 0);
    assert_eq!(lucnam.items, 1);
    assert_eq!(
        dash.open_by_age,
        vec![("0_30", 1), ("31_90", 0), ("91_180", 0), ("over_180", 0)]
    );

    // A second supervision of Lục Nam finds the same shortcoming again: it recurs.
    let again = s
        .add_inspection_item(
            &ubkt,
            program.id,
            NewItem {
                kind: Some(ItemKind::ThematicSupervision),
                title: "Giám sát lại việc khắc phục".into(),
                content: "Việc khắc phục.".into(),
                document_id: Some(doc.id),
                content_program_id: None,
                tasks: Vec::new(),
                subjects: vec![(t.d1.id, None)],
                team: vec![(t.m1.id, TeamRole::Head)],
                period_from: Some(d(2025, 1, 1)),
                period_to: Some(d(2025, 11, 30)),
                starts_on: Some(d(2025, 11, 2)),
                ends_on: Some(d(2025, 11, 30)),
            },
        )
        .await
        .unwrap();
    s.notify_inspection_item(&ubkt, again.id, d(2025, 11, 2), Some(d(2025, 11, 5)))
        .await
        .unwrap();
    s.submit_self_report(
        &d1_office,
        again.subjects[0].id,
        "Báo cáo".into(),
        vec![],
        d(2025, 11, 4),
    )
    .await
    .unwrap();
    s.add_finding(
        &ubkt,
        again.id,
        NewFinding {
            subject_id: again.subjects[0].id,
            kind: FindingKind::Shortcoming,
            about: AboutKind::General,
            about_id: None,
            about_part: None,
            text: "Vẫn chậm".into(),
        },
    )
    .await
    .unwrap();
    s.conclude_inspection_item(
        &ubkt,
        again.id,
        Conclusion {
            concluded_on: d(2025, 11, 10),
            text: "Kết luận".into(),
            recommendations: vec![NewRecommendation {
                acting_org_id: Some(t.d1.id),
                text: "Khắc phục dứt điểm".into(),
                deadline: Some(d(2026, 1, 31)),
            }],
        },
    )
    .await
    .unwrap();
    let dash = s
        .inspection_dashboard(&ubkt, t.province.id, 2025, today)
        .await
        .unwrap();
    assert_eq!((dash.planned, dash.done), (2, 2));
    assert_eq!((dash.adverse_findings, dash.recurring_findings), (2, 1));
    let lucnam = dash.coverage.iter().find(|c| c.org_id == t.d1.id).unwrap();
    assert_eq!(
        (lucnam.items, lucnam.last_concluded),
        (2, Some(d(2025, 11, 10)))
    );
    assert_eq!((dash.open.len(), dash.overdue), (2, 1));
    // Oldest conclusion first; ages 30 and 21 days.
    assert_eq!(dash.open[0].age_days, 30);
    assert_eq!(dash.open[1].age_days, 21);
    assert_eq!(dash.open_by_age[0], ("0_30", 2));
    // The district's dashboard covers its own subtree only.
    let d2 = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    let dd = s
        .inspection_dashboard(&d2, t.d2.id, 2025, today)
        .await
        .unwrap();
    assert_eq!((dd.planned, dd.open.len()), (0, 0));
    assert!(matches!(
        s.inspection_dashboard(&d2, t.d1.id, 2025, today).await,
        Err(StoreError::NotFound)
    ));

    // d1's issued program is assessed as copied and vague (score 30).
    s.save_assessment(
        &ubkt,
        issued.id,
        &Assessment {
            verdict: CopyVerdict::Copied,
            copied_fraction: 0.8,
            score: 30,
            upper_is_program: false,
            siblings: 1,
            assessed_at: time::OffsetDateTime::now_utc(),
        },
    )
    .await
    .unwrap();
    // Suggestions: d1 has a copied or vague program, an open recommendation past due,
    // an overdue task, and nobody recorded as having studied the resolution (due by
    // 31/3/2025).
    let sug = s
        .supervision_suggestions(&ubkt, t.province.id, today, 50)
        .await
        .unwrap();
    let first = sug
        .iter()
        .find(|x| x.org_id == t.d1.id)
        .expect("d1 suggested");
    assert!(
        first.reasons.iter().any(|r| matches!(
            r,
            domain::inspection::Reason::FlaggedProgram { programs: 1 }
        )),
        "copied or vague program: {:?}",
        first.reasons
    );
    assert!(
        first.reasons.iter().any(|r| matches!(
            r,
            domain::inspection::Reason::LowStudy { studied: 0, expected } if *expected > 0
        )),
        "low study participation: {:?}",
        first.reasons
    );
    assert!(first.reasons.iter().any(|r| matches!(
        r,
        domain::inspection::Reason::RecommendationsPastDue { count: 1 }
    )));
    assert!(first.reasons.iter().any(|r| matches!(
        r,
        domain::inspection::Reason::OverdueTasks { overdue: 1, .. }
    )));
    assert!(sug.iter().all(|x| !x.reasons.is_empty()));
    let contradicted = |x: &Suggestion| {
        x.reasons
            .iter()
            .any(|r| matches!(r, domain::inspection::Reason::ContradictedReports { .. }))
    };
    assert!(!sug.iter().any(contradicted), "no report contradicted yet");

    // d2's quarterly report claims what the record contradicts: once the check is kept,
    // d2 is suggested with that reason (and, never inspected, that one too).
    let report = s
        .start_report(
            &d2,
            NewReport {
                org: t.d2.id,
                document: doc.id,
                kind: domain::report::ReportKind::Periodic,
                period_start: d(2025, 7, 1),
                period_end: d(2025, 7, 1),
                today: d(2025, 10, 3),
            },
        )
        .await
        .unwrap();
    // A draft has nothing to check.
    assert_eq!(
        conflict_code(s.keep_report_checks(&d2, report.id, 1).await),
        "report_not_submitted"
    );
    s.save_report(
        &d2,
        report.id,
        ReportInput {
            sections: domain::report::ReportSections {
                assessment: "100% đảng viên đã học tập nghị quyết.".into(),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let symbol = s
        .submit_report(&d2, report.id, d(2025, 10, 3))
        .await
        .unwrap()
        .symbol
        .expect("a submitted report has its symbol");
    s.keep_report_checks(&d2, report.id, 1).await.unwrap();
    let sug = s
        .supervision_suggestions(&ubkt, t.province.id, today, 50)
        .await
        .unwrap();
    let yen_the = sug
        .iter()
        .find(|x| x.org_id == t.d2.id)
        .expect("d2 suggested");
    assert!(
        yen_the
            .reasons
            .contains(&domain::inspection::Reason::ContradictedReports {
                reports: 1,
                claims: 1,
                latest: symbol.clone()
            })
    );
    assert!(
        yen_the
            .reasons
            .contains(&domain::inspection::Reason::NeverInspected)
    );
    assert_eq!(sug.iter().filter(|x| contradicted(x)).count(), 1);
    let _ = MemberId(0);
}

/// Findings about a target of the resolution, a section of the subject's program and one
/// of its reports: each kept with its reference and shown with what it names (the
/// indicator, the program's title, the report's symbol); a reference to nothing, or a
/// section a program does not have, is refused and nothing is kept.
async fn findings_point_at_a_target_a_program_section_and_a_report(s: &dyn FullStore) {
    let t = tree(s).await;
    let (doc, issued) = resolution_and_program(s, &t).await;
    let targets = s
        .set_document_targets(
            &sys(),
            doc.id,
            vec![domain::Target {
                indicator: "Tỷ lệ đảng viên học tập nghị quyết".into(),
                baseline: Some(80.0),
                target_value: 100.0,
                unit: "%".into(),
                deadline: Some(d(2025, 12, 31)),
                direction: domain::Direction::Increase,
                rule: domain::RollupRule::Average,
            }],
        )
        .await
        .unwrap();
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let report = s
        .start_report(
            &d1_office,
            NewReport {
                org: t.d1.id,
                document: doc.id,
                kind: domain::report::ReportKind::Periodic,
                period_start: d(2025, 7, 1),
                period_end: d(2025, 7, 1),
                today: d(2025, 10, 3),
            },
        )
        .await
        .unwrap();
    s.save_report(
        &d1_office,
        report.id,
        ReportInput {
            sections: domain::report::ReportSections {
                assessment: "Đã tổ chức quán triệt nghị quyết.".into(),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let symbol = s
        .submit_report(&d1_office, report.id, d(2025, 10, 3))
        .await
        .unwrap()
        .symbol
        .expect("a submitted report has its symbol");
    let ubkt = principal(s, AccessRole::Inspector, t.province.id).await;
    let (_, item) = supervision(s, &t, &ubkt, &doc).await;
    s.notify_inspection_item(&ubkt, item.id, d(2025, 10, 1), Some(d(2025, 10, 15)))
        .await
        .unwrap();
    let subject = item.subjects[0].id;
    let finding = |kind, about, about_id: Option<i64>, part: Option<&str>, text: &str| NewFinding {
        subject_id: subject,
        kind,
        about,
        about_id,
        about_part: part.map(str::to_owned),
        text: text.into(),
    };

    // References to nothing, and a section no program has: refused, nothing kept.
    let before = audit_count(s).await;
    for (about, id, part, field) in [
        (AboutKind::Target, Some(987_654), None, "about_id"),
        (AboutKind::Report, Some(987_654), None, "about_id"),
        (AboutKind::Report, None, None, "about_id"),
        (
            AboutKind::Program,
            Some(issued.id.0),
            Some("annex"),
            "about_part",
        ),
    ] {
        let e = s
            .add_finding(
                &ubkt,
                item.id,
                finding(FindingKind::Shortcoming, about, id, part, "Sai tham chiếu"),
            )
            .await;
        assert!(
            matches!(&e, Err(StoreError::Invalid(inv)) if inv.0.iter().any(|x| x.field == field)),
            "{about:?} {id:?} {part:?}: {e:?}"
        );
    }
    assert_eq!(audit_count(s).await, before, "nothing kept");

    let on_target = s
        .add_finding(
            &ubkt,
            item.id,
            finding(
                FindingKind::Shortcoming,
                AboutKind::Target,
                Some(targets[0].id.0),
                None,
                "Chỉ tiêu học tập chưa đạt.",
            ),
        )
        .await
        .unwrap();
    let on_section = s
        .add_finding(
            &ubkt,
            item.id,
            finding(
                FindingKind::Violation,
                AboutKind::Program,
                Some(issued.id.0),
                Some("tasks_and_solutions"),
                "Nhiệm vụ và giải pháp sao chép nghị quyết.",
            ),
        )
        .await
        .unwrap();
    let on_report = s
        .add_finding(
            &ubkt,
            item.id,
            finding(
                FindingKind::Strength,
                AboutKind::Report,
                Some(report.id.0),
                None,
                "Báo cáo đúng hạn, có số liệu.",
            ),
        )
        .await
        .unwrap();
    assert_eq!(audit_count(s).await, before + 3);

    let v = s
        .inspection_item(&ubkt, item.id, d(2025, 10, 20))
        .await
        .unwrap();
    let kept = |id: i64| v.findings.iter().find(|f| f.id == id).unwrap();
    let f = kept(on_target.id);
    assert_eq!(
        (f.about, f.about_id),
        (AboutKind::Target, Some(targets[0].id.0))
    );
    assert_eq!(
        f.about_label.as_deref(),
        Some("Tỷ lệ đảng viên học tập nghị quyết")
    );
    let f = kept(on_section.id);
    assert_eq!(
        (f.about, f.about_id),
        (AboutKind::Program, Some(issued.id.0))
    );
    assert_eq!(f.about_part.as_deref(), Some("tasks_and_solutions"));
    assert_eq!(f.about_label.as_deref(), Some(issued.title.as_str()));
    let f = kept(on_report.id);
    assert_eq!(
        (f.about, f.about_id),
        (AboutKind::Report, Some(report.id.0))
    );
    assert_eq!(f.about_label.as_deref(), Some(symbol.as_str()));
}

/// Item 1's "named tasks": the item form offers the subjects' issued program tasks on the
/// document's chain; the body names them while the item is planned (audited, once each);
/// a task outside the subjects is refused with nothing saved; once notified the list is
/// fixed and the subject sees it; a finding about a task must be about the subject's own.
async fn an_item_names_tasks_of_its_subjects_programs(s: &dyn FullStore) {
    let t = tree(s).await;
    let (doc, issued) = resolution_and_program(s, &t).await;
    let ubkt = principal(s, AccessRole::Inspector, t.province.id).await;
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    let (program, item) = supervision(s, &t, &ubkt, &doc).await;
    assert!(item.tasks.is_empty());
    let task = s.program_tasks(&sys(), issued.id).await.unwrap()[0].id;

    // The choices: d1's issued program on 05-NQ/TU, with who answers and the deadline.
    let choices = s.item_task_choices(&ubkt, item.id).await.unwrap();
    assert_eq!(choices.iter().map(|c| c.id).collect::<Vec<_>>(), vec![task]);
    assert_eq!(choices[0].content, "Tổ chức hội nghị quán triệt");
    assert_eq!(choices[0].org_name, "Huyện ủy Lục Nam");
    assert_eq!(choices[0].program_id, issued.id);
    assert_eq!(
        choices[0].responsible_name.as_deref(),
        Some(t.m1.full_name.as_str())
    );
    assert_eq!(choices[0].deadline, Some(d(2025, 6, 30)));
    assert!(choices[0].current);
    // Only the team and the body see them; another district sees nothing.
    assert!(s.item_task_choices(&d1_office, item.id).await.is_err());
    is_not_found(s.item_task_choices(&d2_office, item.id).await);

    // Named once each, audited.
    let before = audit_count(s).await;
    let named = s
        .set_item_content(&ubkt, item.id, Some(issued.id), vec![task, task])
        .await
        .unwrap();
    assert_eq!(named.content_program_id, Some(issued.id));
    assert_eq!(
        named.content_program_title.as_deref(),
        Some(issued.title.as_str())
    );
    assert_eq!(named.tasks.len(), 1);
    assert_eq!(named.tasks[0].id, task);
    assert_eq!(named.tasks[0].program_title, issued.title);
    assert_eq!(audit_count(s).await, before + 1);
    // Not by the subject, nor by another district.
    assert!(
        s.set_item_content(&d1_office, item.id, None, vec![])
            .await
            .is_err()
    );
    is_not_found(s.set_item_content(&d2_office, item.id, None, vec![]).await);

    // A task of a unit that is not a subject: refused at creation and on change, nothing
    // saved.
    let before = audit_count(s).await;
    let outside = s
        .add_inspection_item(
            &ubkt,
            program.id,
            NewItem {
                kind: Some(ItemKind::ThematicSupervision),
                title: "Giám sát Huyện ủy Yên Thế".into(),
                content: "Việc thực hiện nghị quyết.".into(),
                document_id: Some(doc.id),
                tasks: vec![task],
                subjects: vec![(t.d2.id, None)],
                team: vec![(t.m1.id, TeamRole::Head)],
                starts_on: Some(d(2025, 10, 1)),
                ends_on: Some(d(2025, 11, 30)),
                ..NewItem::default()
            },
        )
        .await;
    assert_eq!(invalid_code(outside), ("tasks", "task_outside_subjects"));
    assert_eq!(
        invalid_code(
            s.set_item_content(&ubkt, item.id, None, vec![TaskId(987_654)])
                .await
        ),
        ("tasks", "task_outside_subjects")
    );
    assert_eq!(
        invalid_code(
            s.set_item_content(&ubkt, item.id, Some(ProgramId(987_654)), vec![task])
                .await
        ),
        ("program_id", "bad_choice")
    );
    assert_eq!(audit_count(s).await, before, "nothing saved");
    let (_, items) = s.inspection_program(&ubkt, program.id).await.unwrap();
    assert_eq!(items.len(), 1);
    let kept = s
        .inspection_item(&ubkt, item.id, d(2025, 10, 1))
        .await
        .unwrap();
    assert_eq!(kept.tasks.len(), 1, "the named task is kept");
    assert_eq!(kept.content_program_id, Some(issued.id), "and the program");

    // Named at creation too, for an item on both districts; a finding about d1's task is
    // refused for the d2 subject.
    let both = s
        .add_inspection_item(
            &ubkt,
            program.id,
            NewItem {
                kind: Some(ItemKind::ThematicSupervision),
                title: "Giám sát hai huyện".into(),
                content: "Việc thực hiện nghị quyết.".into(),
                document_id: Some(doc.id),
                tasks: vec![task],
                subjects: vec![(t.d1.id, None), (t.d2.id, None)],
                team: vec![(t.m1.id, TeamRole::Head)],
                starts_on: Some(d(2025, 10, 1)),
                ends_on: Some(d(2025, 11, 30)),
                ..NewItem::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(both.tasks.len(), 1);
    s.notify_inspection_item(&ubkt, both.id, d(2025, 10, 1), Some(d(2025, 10, 15)))
        .await
        .unwrap();
    let d2_subject = both
        .subjects
        .iter()
        .find(|x| x.org_id == t.d2.id)
        .unwrap()
        .id;
    let d1_subject = both
        .subjects
        .iter()
        .find(|x| x.org_id == t.d1.id)
        .unwrap()
        .id;
    let about_task = |subject_id| NewFinding {
        subject_id,
        kind: FindingKind::Shortcoming,
        about: AboutKind::Task,
        about_id: Some(task.0),
        about_part: None,
        text: "Hội nghị tổ chức chậm.".into(),
    };
    assert_eq!(
        invalid_code(s.add_finding(&ubkt, both.id, about_task(d2_subject)).await),
        ("about_id", "about_outside_subject")
    );
    let f = s
        .add_finding(&ubkt, both.id, about_task(d1_subject))
        .await
        .unwrap();
    assert_eq!(
        f.about_label.as_deref(),
        Some("Tổ chức hội nghị quán triệt")
    );

    // Once notified the list is fixed, and the subject sees what is looked at.
    assert_eq!(
        conflict_code(s.set_item_content(&ubkt, both.id, None, vec![]).await),
        "item_tasks_fixed"
    );
    let seen = s
        .inspection_item(&d1_office, both.id, d(2025, 10, 2))
        .await
        .unwrap();
    assert_eq!(seen.tasks.len(), 1);
    assert_eq!(seen.tasks[0].content, "Tổ chức hội nghị quán triệt");
}
