//! The conformance suite of evaluation and rating (issue 17): every case runs on SQLite
//! and, when `RESOLUTE_TEST_POSTGRES` is set, on PostgreSQL.

use domain::evaluation::{FactKind, Framework, Level, PeriodKind, Signal, Step, SubjectKind};
use domain::{
    AccessRole, CascadeDeadlines, CascadeScope, MemberId, OrgKind, Principal, ProgramKind,
    ProgramSections, ReportEvery, TaskDraft, TaskStatus,
};
use store::*;
use store_tests::programs::*;
use store_tests::*;

store_tests::program_suite!(
    proposed_scores_come_from_the_record_and_recompute_equal,
    three_steps_quota_and_isolation,
    bad_input_and_wrong_order_are_refused,
    a_moved_subtree_takes_its_evaluations,
    discipline_is_kept_on_the_cell_and_hidden_from_peers,
    a_saved_framework_version_is_what_a_period_uses,
);

fn today() -> time::Date {
    domain::tz::local_date(time::OffsetDateTime::now_utc())
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

/// The period's year: the current one, so that a task done today is on time.
fn year() -> i32 {
    today().year()
}

/// g1's program on a resolution cascaded to the grassroots of d1 (program due on 31/3,
/// issued on 10/1): m1 answers for a task due on 31/1 not done, m2 for one due at the
/// end of the year that m2 reports done today. m3 is disciplined this year.
async fn record(s: &dyn FullStore, t: &Tree) {
    let y = year();
    let doc = s
        .register_document(&sys(), resolution(t.province.id, "05-NQ/TU"))
        .await
        .unwrap();
    s.create_cascade(
        &sys(),
        doc.id,
        CascadeScope {
            root: t.d1.path.clone(),
            kinds: kinds(&[OrgKind::Grassroots]),
            include_root: false,
        },
        CascadeDeadlines {
            study_by: d(y, 2, 28),
            program_by: d(y, 3, 31),
            report_every: ReportEvery::Quarterly,
            interim_review_by: None,
            reports_until: None,
            grace_days: 5,
        },
    )
    .await
    .unwrap();
    let office = principal(s, AccessRole::OfficeStaff, t.g1.id).await;
    let draft = s
        .create_program_draft(
            &office,
            NewProgram {
                org_id: t.g1.id,
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
    let task = |content: &str, who: MemberId, deadline| TaskDraft {
        content: content.into(),
        lead_body: Some("Văn phòng Đảng ủy".into()),
        cooperating_bodies: vec![],
        responsible: Some(who),
        deadline: Some(deadline),
        expected_output: Some("Báo cáo".into()),
        upper_target: None,
    };
    s.save_tasks(
        &office,
        draft.id,
        vec![
            task("Tổ chức hội nghị quán triệt", t.m1.id, d(y, 1, 31)),
            task("Xây dựng mô hình dân vận khéo", t.m2.id, d(y, 12, 31)),
        ],
    )
    .await
    .unwrap();
    let issued = s
        .issue_program(&office, draft.id, d(y, 1, 10))
        .await
        .unwrap();
    let tasks = s.program_tasks(&sys(), issued.id).await.unwrap();
    let m2 = member_principal(s, &t.m2, "m2.lucnam").await;
    s.post_progress(
        &m2,
        tasks[1].id,
        ProgressInput {
            status: TaskStatus::Done,
            percent: None,
            indicator_value: None,
            note: Some("Đã xây dựng xong mô hình".into()),
            evidence: vec![],
        },
    )
    .await
    .unwrap();
    s.record_discipline(
        &office,
        NewDiscipline {
            org: t.g1.id,
            member: Some(t.m3.id),
            form: "Khiển trách".into(),
            decided_on: d(y, 2, 10),
            decision_no: "12-QĐ/ĐU".into(),
            note: "Vi phạm quy định sinh hoạt đảng.".into(),
        },
    )
    .await
    .unwrap();
}

async fn period(s: &dyn FullStore, t: &Tree, member_fw: Option<i64>) -> EvaluationPeriod {
    let y = year();
    let office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    s.create_evaluation_period(
        &office,
        NewPeriod {
            org: t.d1.id,
            kind: PeriodKind::Year,
            name: format!("Đánh giá, xếp loại năm {y}"),
            starts_on: d(y, 1, 1),
            ends_on: d(y, 12, 31),
            unit_framework: None,
            member_framework: member_fw,
        },
    )
    .await
    .unwrap()
}

async fn by_member(s: &dyn FullStore, period: i64, t: &Tree, m: &Member) -> EvaluationRecord {
    let r = s
        .evaluation_ranking(&sys(), period, t.d1.id, SubjectKind::Member)
        .await
        .unwrap();
    let row = r.rows.iter().find(|x| x.member_id == Some(m.id)).unwrap();
    s.evaluation(&sys(), row.id).await.unwrap()
}

async fn by_unit(s: &dyn FullStore, period: i64, t: &Tree, o: &Org) -> EvaluationRecord {
    let r = s
        .evaluation_ranking(&sys(), period, t.d1.id, SubjectKind::Unit)
        .await
        .unwrap();
    let row = r.rows.iter().find(|x| x.org_id == o.id).unwrap();
    s.evaluation(&sys(), row.id).await.unwrap()
}

fn points(e: &EvaluationRecord, criterion: &str) -> (u32, u32, u32) {
    let p = e
        .proposal
        .points
        .iter()
        .find(|p| p.criterion == criterion)
        .unwrap();
    (p.earned, p.counted, p.met)
}

async fn proposed_scores_come_from_the_record_and_recompute_equal(s: &dyn FullStore) {
    let t = tree(s).await;
    record(s, &t).await;
    let per = period(s, &t, None).await;
    let office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let before = audit_count(s).await;
    let done = std::sync::atomic::AtomicU64::new(0);
    let report = s
        .compute_evaluations(&office, per.id, today(), &|n, _| {
            done.store(n, std::sync::atomic::Ordering::Relaxed)
        })
        .await
        .unwrap();
    assert_eq!((report.units, report.members, report.kept), (3, 3, 0));
    assert_eq!(done.load(std::sync::atomic::Ordering::Relaxed), 6);
    assert_eq!(
        audit_count(s).await,
        before + 1,
        "one audit entry per computation"
    );

    // m2: the task done on time, nothing against: every point, excellent.
    let m2 = by_member(s, per.id, &t, &t.m2).await;
    assert_eq!(m2.proposal.score, 1000);
    assert_eq!(m2.proposal.level, Level::Excellent);
    assert_eq!(points(&m2, "tasks"), (300, 1, 1));
    let facts = &m2
        .proposal
        .points
        .iter()
        .find(|p| p.criterion == "tasks")
        .unwrap()
        .facts;
    assert_eq!(facts[0].kind, FactKind::Task);
    assert_eq!(facts[0].label, "Xây dựng mô hình dân vận khéo");
    // m1: the task not done: no task points; 100% late is below "completed".
    let m1 = by_member(s, per.id, &t, &t.m1).await;
    assert_eq!(points(&m1, "tasks"), (0, 1, 0));
    assert_eq!(m1.proposal.score, 700);
    assert_eq!(m1.proposal.level, Level::NotCompleted);
    // m3: disciplined: no discipline points and not excellent.
    let m3 = by_member(s, per.id, &t, &t.m3).await;
    assert_eq!(points(&m3, "discipline"), (0, 1, 0));
    assert_eq!(m3.proposal.level, Level::Good);
    // g1: its program on time, half its tasks, a member disciplined below it.
    let g1 = by_unit(s, per.id, &t, &t.g1).await;
    assert_eq!(points(&g1, "programs"), (100, 1, 1));
    assert_eq!(points(&g1, "tasks"), (100, 2, 1));
    assert_eq!(points(&g1, "discipline"), (0, 1, 0));
    assert_eq!(g1.proposal.score, 800);
    assert_eq!(g1.proposal.level, Level::NotCompleted);
    // c2: m3's measure is kept on their cell, which counts it too.
    let c2 = by_unit(s, per.id, &t, &t.c2).await;
    assert_eq!(points(&c2, "discipline"), (0, 1, 0));
    // c1: nothing against it.
    let c1 = by_unit(s, per.id, &t, &t.c1).await;
    assert_eq!(c1.proposal.score, 1000);
    assert_eq!(c1.decider_id, t.g1.id);
    assert_eq!(
        m1.decider_id, t.g1.id,
        "members are decided by the grassroots"
    );

    // Every stored proposal equals a recomputation from the record; the breakdown sums.
    for subject in [SubjectKind::Unit, SubjectKind::Member] {
        let r = s
            .evaluation_ranking(&sys(), per.id, t.d1.id, subject)
            .await
            .unwrap();
        for row in &r.rows {
            let stored = s.evaluation(&sys(), row.id).await.unwrap().proposal;
            let again = s
                .recompute_evaluation(&sys(), row.id, today())
                .await
                .unwrap();
            assert_eq!(stored, again, "{row:?}");
            assert_eq!(
                stored.points.iter().map(|p| p.earned).sum::<u32>(),
                stored.score
            );
        }
    }
    // Computing again changes nothing and keeps the rows.
    let again = s
        .compute_evaluations(&office, per.id, today(), &|_, _| {})
        .await
        .unwrap();
    assert_eq!(again, report);
    let m2_again = by_member(s, per.id, &t, &t.m2).await;
    assert_eq!(m2_again.id, m2.id);
    assert_eq!(m2_again.proposal, m2.proposal);
}

async fn three_steps_quota_and_isolation(s: &dyn FullStore) {
    let t = tree(s).await;
    record(s, &t).await;
    // A member framework whose quota is half of those rated good or better.
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let mut fw = Framework::default_members();
    fw.quota.max_excellent_percent = 50;
    let saved = s
        .save_evaluation_framework(&d1_office, t.d1.id, fw.clone())
        .await
        .unwrap();
    assert_eq!(saved.version, 1);
    let again = s
        .save_evaluation_framework(&d1_office, t.d1.id, fw)
        .await
        .unwrap();
    assert_eq!(again.version, 2, "an edit is a new version");
    let per = period(s, &t, Some(saved.id)).await;
    s.compute_evaluations(&d1_office, per.id, today(), &|_, _| {})
        .await
        .unwrap();
    let m1 = member_principal(s, &t.m1, "m1.lucnam").await;
    let m2 = member_principal(s, &t.m2, "m2b.lucnam").await;
    let m3 = member_principal(s, &t.m3, "m3.lucnam").await;
    let c1_secretary = principal(s, AccessRole::Secretary, t.c1.id).await;
    let c2_secretary = principal(s, AccessRole::Secretary, t.c2.id).await;
    let g1_office = principal(s, AccessRole::OfficeStaff, t.g1.id).await;
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    let e1 = by_member(s, per.id, &t, &t.m1).await.id;
    let e2 = by_member(s, per.id, &t, &t.m2).await.id;
    let e3 = by_member(s, per.id, &t, &t.m3).await.id;
    let c1_eval = by_unit(s, per.id, &t, &t.c1).await.id;
    let c2_eval = by_unit(s, per.id, &t, &t.c2).await.id;

    // Isolation: a member sees their own evaluation and their cell's, not a fellow
    // member's nor a peer cell's; another district sees nothing.
    assert!(s.evaluation(&m1, e1).await.is_ok());
    is_not_found(s.evaluation(&m1, e2).await);
    assert!(s.evaluation(&m1, c1_eval).await.is_ok());
    is_not_found(s.evaluation(&m1, c2_eval).await);
    is_not_found(s.evaluation(&c2_secretary, c1_eval).await);
    is_not_found(s.evaluation(&d2_office, e1).await);
    let mine = s
        .evaluation_ranking(&m1, per.id, t.c1.id, SubjectKind::Member)
        .await
        .unwrap();
    assert_eq!(
        mine.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![e1],
        "a member's ranking holds only themselves"
    );
    is_not_found(
        s.evaluation_ranking(&d2_office, per.id, t.d1.id, SubjectKind::Unit)
            .await,
    );
    let my = s.my_evaluations(&m1).await.unwrap();
    assert_eq!(my.len(), 1);
    assert_eq!(my[0].1.id, e1);

    // Step 1: the member themselves (not their secretary); step 2 the cell; step 3 the
    // grassroots.
    let step = |level, text: &str| StepInput {
        level,
        text: text.into(),
        score: None,
    };
    is_forbidden(
        s.self_assess(&c1_secretary, e2, step(Level::Good, "x"))
            .await,
    );
    let before = audit_count(s).await;
    let r = s
        .self_assess(
            &m2,
            e2,
            StepInput {
                level: Level::Excellent,
                text: "Hoàn thành tốt nhiệm vụ được giao; còn hạn chế trong nghiên cứu.".into(),
                score: Some(950),
            },
        )
        .await
        .unwrap();
    assert_eq!(audit_count(s).await, before + 1);
    assert_eq!(r.step, Step::SelfAssessed);
    assert_eq!(r.self_score, Some(950));
    assert_eq!(
        r.self_assessment.as_ref().unwrap().by.as_deref(),
        Some("m2b.lucnam")
    );
    is_forbidden(
        s.assess_evaluation(&m2, e2, step(Level::Excellent, ""))
            .await,
    );
    let r = s
        .assess_evaluation(
            &c1_secretary,
            e2,
            step(Level::Excellent, "Chi bộ nhất trí."),
        )
        .await
        .unwrap();
    assert_eq!(r.step, Step::Assessed);
    is_forbidden(
        s.decide_evaluation(&c1_secretary, e2, step(Level::Excellent, ""))
            .await,
    );
    // The quota: 50% of those rated good or better. m2 alone would be 1 of 1: 0 places.
    assert_eq!(
        conflict_code(
            s.decide_evaluation(&g1_office, e2, step(Level::Excellent, ""))
                .await
        ),
        "evaluation_quota"
    );
    let q = s.evaluation_quota(&g1_office, e2).await.unwrap();
    assert_eq!(q.if_excellent.unwrap_err().left, 0);
    assert_eq!(q.decider_id, t.g1.id);
    // m3 first (good), then m2 fits.
    s.self_assess(&m3, e3, step(Level::Good, "Tự nhận khuyết điểm."))
        .await
        .unwrap();
    s.assess_evaluation(&c2_secretary, e3, step(Level::Good, ""))
        .await
        .unwrap();
    s.decide_evaluation(&g1_office, e3, step(Level::Good, ""))
        .await
        .unwrap();
    let r = s
        .decide_evaluation(&g1_office, e2, step(Level::Excellent, ""))
        .await
        .unwrap();
    assert_eq!(r.step, Step::Decided);
    assert_eq!(r.decision.as_ref().unwrap().level, Level::Excellent);
    assert_eq!(
        conflict_code(s.self_assess(&m2, e2, step(Level::Good, "")).await),
        "evaluation_decided"
    );
    // m1: proposed "not completed"; rating them above it needs a written reason, and then
    // the quota (1 place of 3 good or better, taken) refuses "excellent".
    s.self_assess(&m1, e1, step(Level::Good, "")).await.unwrap();
    s.assess_evaluation(&c1_secretary, e1, step(Level::Good, ""))
        .await
        .unwrap();
    assert_eq!(
        invalid_code(
            s.decide_evaluation(&g1_office, e1, step(Level::Excellent, "  "))
                .await
        ),
        ("text", "evaluation_reason_required")
    );
    assert_eq!(
        conflict_code(
            s.decide_evaluation(
                &g1_office,
                e1,
                step(Level::Excellent, "Có thành tích đột xuất.")
            )
            .await
        ),
        "evaluation_quota"
    );
    let r = s
        .decide_evaluation(
            &g1_office,
            e1,
            step(Level::Good, "Đã khắc phục sau nhắc nhở."),
        )
        .await
        .unwrap();
    assert!(
        r.signals.contains(&Signal::AboveRecord {
            proposed: Level::NotCompleted,
            decided: Level::Good
        }),
        "{:?}",
        r.signals
    );
    // The ranking: members by score, counts by level, the body signal (every decision
    // equals the self-assessment, three of them).
    let rk = s
        .evaluation_ranking(&g1_office, per.id, t.g1.id, SubjectKind::Member)
        .await
        .unwrap();
    assert_eq!(rk.rows.len(), 3);
    assert_eq!(rk.by_level, [1, 2, 0, 0, 0]);
    assert!(rk.rows.windows(2).all(|w| w[0].score >= w[1].score));
    assert_eq!(
        rk.body_signals,
        vec![Signal::SelfEqualsFinal { decided: 3 }]
    );
    let per = s.evaluation_period(&m1, per.id).await.unwrap();
    assert_eq!(per.counts.decided, 3);
    assert!(!per.can_compute);
}

async fn bad_input_and_wrong_order_are_refused(s: &dyn FullStore) {
    let t = tree(s).await;
    let office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let y = year();
    let before = audit_count(s).await;
    let r = s
        .create_evaluation_period(
            &office,
            NewPeriod {
                org: t.d1.id,
                kind: PeriodKind::Quarter,
                name: "Quý I".into(),
                starts_on: d(y, 3, 31),
                ends_on: d(y, 1, 1),
                unit_framework: None,
                member_framework: None,
            },
        )
        .await;
    assert_eq!(invalid_code(r), ("ends_on", "evaluation_dates"));
    let mut fw = Framework::default_units();
    fw.groups[0].criteria[0].points += 5;
    assert_eq!(
        invalid_code(s.save_evaluation_framework(&office, t.d1.id, fw).await),
        ("points", "evaluation_points_not_100")
    );
    // A framework for members cannot rate units.
    let members_fw = s
        .save_evaluation_framework(&office, t.d1.id, Framework::default_members())
        .await
        .unwrap();
    let r = s
        .create_evaluation_period(
            &office,
            NewPeriod {
                org: t.d1.id,
                kind: PeriodKind::Year,
                name: "Năm".into(),
                starts_on: d(y, 1, 1),
                ends_on: d(y, 12, 31),
                unit_framework: Some(members_fw.id),
                member_framework: None,
            },
        )
        .await;
    assert_eq!(
        invalid_code(r),
        ("framework", "evaluation_framework_subject")
    );
    assert_eq!(
        audit_count(s).await,
        before + 1,
        "only the framework was saved"
    );
    // Another district may not set up a period here; a secretary may not compute.
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    let r = s
        .create_evaluation_period(
            &d2_office,
            NewPeriod {
                org: t.d1.id,
                kind: PeriodKind::Year,
                name: "Năm".into(),
                starts_on: d(y, 1, 1),
                ends_on: d(y, 12, 31),
                unit_framework: None,
                member_framework: None,
            },
        )
        .await;
    is_not_found(r);
    let per = period(s, &t, None).await;
    let secretary = principal(s, AccessRole::Secretary, t.d1.id).await;
    is_forbidden(
        s.compute_evaluations(&secretary, per.id, today(), &|_, _| {})
            .await,
    );
    s.compute_evaluations(&office, per.id, today(), &|_, _| {})
        .await
        .unwrap();
    // A unit's assessment before its self-assessment is out of order.
    let g1 = by_unit(s, per.id, &t, &t.g1).await;
    assert_eq!(
        conflict_code(
            s.assess_evaluation(
                &office,
                g1.id,
                StepInput {
                    level: Level::Good,
                    text: String::new(),
                    score: None
                }
            )
            .await
        ),
        "evaluation_step_order"
    );
    let long = "x".repeat(domain::evaluation::MAX_TEXT + 1);
    let g1_office = principal(s, AccessRole::OfficeStaff, t.g1.id).await;
    assert_eq!(
        invalid_code(
            s.self_assess(
                &g1_office,
                g1.id,
                StepInput {
                    level: Level::Good,
                    text: long,
                    score: None
                }
            )
            .await
        ),
        ("text", "too_long")
    );
}

async fn a_moved_subtree_takes_its_evaluations(s: &dyn FullStore) {
    let t = tree(s).await;
    let per = period(s, &t, None).await;
    s.compute_evaluations(&sys(), per.id, today(), &|_, _| {})
        .await
        .unwrap();
    let c1 = by_unit(s, per.id, &t, &t.c1).await;
    let m1 = by_member(s, per.id, &t, &t.m1).await;
    // g1 (with c1 and its members) moves to the other district.
    s.org_move(&sys(), t.g1.id, t.d2.id, d(year(), 6, 1))
        .await
        .unwrap();
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    is_not_found(s.evaluation(&d1_office, c1.id).await);
    is_not_found(s.evaluation(&d1_office, m1.id).await);
    let moved = s.evaluation(&d2_office, c1.id).await.unwrap();
    assert!(
        moved
            .org_path
            .as_str()
            .contains(&format!("/{}/", t.d2.id.0))
    );
    assert_eq!(
        s.evaluation(&d2_office, m1.id).await.unwrap().decider_id,
        t.g1.id
    );
}

async fn discipline_is_kept_on_the_cell_and_hidden_from_peers(s: &dyn FullStore) {
    let t = tree(s).await;
    let y = year();
    let office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let measure = |org, member, form: &str| NewDiscipline {
        org,
        member,
        form: form.into(),
        decided_on: d(y, 3, 5),
        decision_no: "  07-QĐ/ĐU ".into(),
        note: "Vi phạm quy định về những điều đảng viên không được làm.".into(),
    };
    let before = audit_count(s).await;
    // Recorded from the grassroots' page, kept on m3's cell.
    let on_m3 = s
        .record_discipline(&office, measure(t.g1.id, Some(t.m3.id), "Cảnh cáo"))
        .await
        .unwrap();
    let on_c1 = s
        .record_discipline(&office, measure(t.c1.id, None, "Khiển trách"))
        .await
        .unwrap();
    assert_eq!(audit_count(s).await, before + 2, "each measure audited");
    let all = s.discipline_records(&office, t.g1.id).await.unwrap();
    assert_eq!(all.len(), 2);
    let r = all.iter().find(|r| r.id == on_m3).unwrap();
    assert_eq!((r.org_id, r.member_id), (t.c2.id, Some(t.m3.id)));
    assert_eq!(r.member_name.as_deref(), Some("Lê Văn Cường"));
    assert_eq!(r.decision_no, "07-QĐ/ĐU");
    assert_eq!(r.form, "Cảnh cáo");
    let c2 = s.discipline_records(&office, t.c2.id).await.unwrap();
    assert_eq!(c2.iter().map(|r| r.id).collect::<Vec<_>>(), [on_m3]);

    // Peers see nothing of each other: c1's secretary does not read c2's list, and c1's
    // own list holds only c1's measure.
    let sec_c1 = principal(s, AccessRole::Secretary, t.c1.id).await;
    assert!(matches!(
        s.discipline_records(&sec_c1, t.c2.id).await,
        Err(StoreError::NotFound)
    ));
    let c1 = s.discipline_records(&sec_c1, t.c1.id).await.unwrap();
    assert_eq!(c1.iter().map(|r| r.id).collect::<Vec<_>>(), [on_c1]);
    // A member reads their own measure, not a fellow member's; the other district
    // reads nothing.
    let m3 = member_principal(s, &t.m3, "m3.discipline").await;
    let mine = s.discipline_records(&m3, t.c2.id).await.unwrap();
    assert_eq!(mine.iter().map(|r| r.id).collect::<Vec<_>>(), [on_m3]);
    let m4 = member_principal(s, &t.m4, "m4.discipline").await;
    let other = s
        .record_discipline(&office, measure(t.g1.id, None, "Khiển trách"))
        .await
        .unwrap();
    assert!(other > 0);
    assert!(matches!(
        s.discipline_records(&m4, t.g1.id).await,
        Err(StoreError::NotFound)
    ));
    let office_d2 = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    assert!(matches!(
        s.discipline_records(&office_d2, t.g1.id).await,
        Err(StoreError::NotFound)
    ));

    // Refusals: no form, a member outside the unit, a peer's or a reader's write.
    assert_eq!(
        invalid_code(
            s.record_discipline(&office, measure(t.g1.id, None, "  "))
                .await
        ),
        ("form", "required")
    );
    assert_eq!(
        invalid_code(
            s.record_discipline(&office, measure(t.c1.id, Some(t.m3.id), "Khiển trách"))
                .await
        ),
        ("member", "not_found")
    );
    assert!(
        s.record_discipline(&sec_c1, measure(t.c2.id, None, "Khiển trách"))
            .await
            .is_err()
    );
    assert!(matches!(
        s.record_discipline(&m3, measure(t.c2.id, None, "Khiển trách"))
            .await,
        Err(StoreError::Forbidden)
    ));
}

async fn a_saved_framework_version_is_what_a_period_uses(s: &dyn FullStore) {
    let t = tree(s).await;
    let office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let y = year();
    let mut fw = Framework::default_members();
    fw.thresholds.excellent = 95;
    let v1 = s
        .save_evaluation_framework(&office, t.d1.id, fw.clone())
        .await
        .unwrap();
    fw.quota.max_excellent_percent = 15;
    let v2 = s
        .save_evaluation_framework(&office, t.d1.id, fw.clone())
        .await
        .unwrap();
    assert_eq!((v1.version, v2.version), (1, 2));
    assert_eq!(v2.created_by.as_deref(), Some(office.display_name.as_str()));
    let per = s
        .create_evaluation_period(
            &office,
            NewPeriod {
                org: t.g1.id,
                kind: PeriodKind::Year,
                name: "Năm".into(),
                starts_on: d(y, 1, 1),
                ends_on: d(y, 12, 31),
                unit_framework: None,
                member_framework: Some(v1.id),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        per.member_framework_id, v1.id,
        "a version of the unit above"
    );
    // A third version leaves the period on the one it names.
    fw.quota.max_excellent_percent = 10;
    s.save_evaluation_framework(&office, t.d1.id, fw)
        .await
        .unwrap();
    let again = s.evaluation_period(&office, per.id).await.unwrap();
    assert_eq!(again.member_framework_id, v1.id);
    let history = s.evaluation_frameworks(&office, t.g1.id).await.unwrap();
    assert!(history.iter().any(|f| f.id == v1.id));
    // Another district's office neither reads nor uses it.
    let office_d2 = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    assert!(matches!(
        s.evaluation_framework(&office_d2, v1.id).await,
        Err(StoreError::NotFound)
    ));
}
