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
    every_criterion_scores_from_its_facts_in_a_term_period,
    the_same_level_year_after_year_is_a_signal,
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
    // Everyone studied the resolution at the grassroots' conference.
    let g1_secretary = principal(s, AccessRole::Secretary, t.g1.id).await;
    let conference = s
        .create_study_session(&g1_secretary, t.g1.id, doc.id, conference_today())
        .await
        .unwrap();
    s.record_attendance(
        &g1_secretary,
        conference.id,
        [t.m1.id, t.m2.id, t.m3.id]
            .into_iter()
            .map(|m| domain::study::AttendanceEntry {
                member_id: m,
                mark: domain::AttendanceMark::Present,
                reason: None,
            })
            .collect(),
    )
    .await
    .unwrap();
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

/// A members' conference held today.
fn conference_today() -> NewStudySession {
    NewStudySession {
        draft: domain::study::SessionDraft::parse(
            &domain::study::SessionForm {
                title: "Hội nghị học tập Nghị quyết 05-NQ/TU".into(),
                audience: "member".into(),
                format: "in_person".into(),
                held_on: domain::validate::format_date(today()),
                place: "Hội trường Đảng ủy".into(),
            },
            None,
            false,
        )
        .unwrap(),
        reporters: vec![],
        makeup_of: None,
    }
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

// ---- A full record, criterion by criterion (a term period) ---------------------------

/// The facts' references of one point: (kind, id, met).
fn refs(e: &EvaluationRecord, criterion: &str) -> Vec<(FactKind, i64, bool)> {
    e.proposal
        .points
        .iter()
        .find(|p| p.criterion == criterion)
        .unwrap()
        .facts
        .iter()
        .map(|f| (f.kind, f.id, f.met))
        .collect()
}

async fn submit_periodic(
    s: &dyn FullStore,
    p: &Principal,
    org: domain::OrgId,
    doc: domain::DocumentId,
    start: time::Date,
    on: time::Date,
) -> ReportRecord {
    let draft = s
        .start_report(
            p,
            NewReport {
                org,
                document: doc,
                kind: domain::report::ReportKind::Periodic,
                period_start: start,
                period_end: start,
                today: on,
            },
        )
        .await
        .unwrap();
    s.save_report(
        p,
        draft.id,
        ReportInput {
            sections: domain::report::ReportSections {
                assessment: "100% đảng viên đã học tập nghị quyết.".into(),
                causes: "Nguyên nhân chủ quan: chưa sâu sát.".into(),
                lessons: "Phải bám sát cơ sở.".into(),
                proposals: "Đề nghị tăng cường kiểm tra.".into(),
            },
            ..ReportInput::default()
        },
    )
    .await
    .unwrap();
    s.submit_report(p, draft.id, on).await.unwrap()
}

fn target(indicator: &str, unit: &str, rule: domain::RollupRule, goal: f64) -> domain::Target {
    domain::Target {
        indicator: indicator.into(),
        baseline: Some(0.0),
        target_value: goal,
        unit: unit.into(),
        deadline: Some(d(2025, 12, 31)),
        direction: domain::Direction::Increase,
        rule,
    }
}

/// A term period (from 2025 to the end of this year) over a record that holds every kind of
/// fact: Lục Nam (d1) issued its program on time, has three tasks (one done on time, two
/// late), two targets (one exceeded, one short), its members' study and knowledge checks,
/// three quarterly reports (on time, late, contradicted by their data); Yên Thế (d2) has
/// two recommendations (one closed on time, one open past due) and a shortcoming found
/// again. Each criterion's points are the share its facts give, and each point names its
/// facts.
async fn every_criterion_scores_from_its_facts_in_a_term_period(s: &dyn FullStore) {
    let t = tree(s).await;
    let y = year();
    let now = today();
    let doc = s
        .register_document(&sys(), resolution(t.province.id, "05-NQ/TU"))
        .await
        .unwrap();
    s.create_cascade(
        &sys(),
        doc.id,
        CascadeScope {
            root: t.province.path.clone(),
            kinds: kinds(&[
                OrgKind::DirectlyAffiliated,
                OrgKind::Grassroots,
                OrgKind::Cell,
            ]),
            include_root: false,
        },
        CascadeDeadlines {
            study_by: d(2025, 3, 31),
            program_by: d(2025, 3, 31),
            report_every: ReportEvery::Quarterly,
            interim_review_by: None,
            reports_until: Some(d(2025, 12, 31)),
            grace_days: 5,
        },
    )
    .await
    .unwrap();

    // d1's program: two own targets, three tasks, issued on time.
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let program = |org| NewProgram {
        org_id: org,
        document_id: doc.id,
        kind: ProgramKind::ActionProgram,
        title: "Chương trình hành động thực hiện Nghị quyết 05-NQ/TU".into(),
    };
    let sections = ProgramSections {
        purpose: "Quán triệt nghị quyết.".into(),
        tasks_and_solutions: "Các nhiệm vụ trong bảng.".into(),
        organization: "Văn phòng theo dõi.".into(),
    };
    let pr = s
        .create_program_draft(&sys(), program(t.d1.id))
        .await
        .unwrap();
    s.save_program_sections(&sys(), pr.id, sections.clone())
        .await
        .unwrap();
    let own = s
        .set_program_targets(
            &sys(),
            pr.id,
            vec![
                ProgramTargetInput {
                    target: target(
                        "Tỷ lệ đảng viên học tập",
                        "%",
                        domain::RollupRule::Average,
                        90.0,
                    ),
                    upper: None,
                },
                ProgramTargetInput {
                    target: target(
                        "Kết nạp đảng viên mới",
                        "đảng viên",
                        domain::RollupRule::Sum,
                        20.0,
                    ),
                    upper: None,
                },
            ],
        )
        .await
        .unwrap();
    let task = |content: &str, who: MemberId, deadline, serves| TaskDraft {
        content: content.into(),
        lead_body: Some("Ban Tổ chức".into()),
        cooperating_bodies: vec![],
        responsible: Some(who),
        deadline: Some(deadline),
        expected_output: Some("Báo cáo kết quả".into()),
        upper_target: serves,
    };
    s.save_tasks(
        &sys(),
        pr.id,
        vec![
            task("Tổ chức học tập", t.m1.id, d(2025, 12, 31), Some(own[0].id)),
            task(
                "Kết nạp đảng viên",
                t.m2.id,
                d(2025, 12, 31),
                Some(own[1].id),
            ),
            task("Tổng kết mô hình", t.m3.id, d(y, 12, 31), None),
        ],
    )
    .await
    .unwrap();
    s.issue_program(&sys(), pr.id, d(2025, 3, 20))
        .await
        .unwrap();
    let tasks = s.program_tasks(&sys(), pr.id).await.unwrap();
    for (task, value) in [(&tasks[0], 95.0), (&tasks[1], 12.0)] {
        let posted = s
            .post_progress(
                &sys(),
                task.id,
                ProgressInput {
                    status: TaskStatus::OnTrack,
                    percent: Some(50),
                    indicator_value: Some(value),
                    note: Some("Kết quả".into()),
                    evidence: vec![],
                },
            )
            .await
            .unwrap();
        s.decide_progress(&sys(), posted.id, AcceptanceDecision::Accept)
            .await
            .unwrap();
    }
    s.post_progress(
        &sys(),
        tasks[2].id,
        ProgressInput {
            status: TaskStatus::Done,
            percent: None,
            indicator_value: None,
            note: Some("Đã tổng kết".into()),
            evidence: vec![],
        },
    )
    .await
    .unwrap();

    // Study: a conference of c1 today; m1 checks in and passes the check, m2 and m3 do not.
    let prov_office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    for i in 0..6 {
        s.add_question(
            &prov_office,
            t.province.id,
            doc.id,
            domain::study::Question::parse(&domain::study::QuestionForm {
                audience: "member".into(),
                prompt: format!("Câu {i}?"),
                choices: "Một\nHai\nBa".into(),
                correct: "2".into(),
            })
            .unwrap(),
        )
        .await
        .unwrap();
    }
    let sec = principal(s, AccessRole::Secretary, t.c1.id).await;
    let cs = s
        .create_study_session(&sec, t.c1.id, doc.id, conference_today())
        .await
        .unwrap();
    let m1 = member_principal(s, &t.m1, "m1.term").await;
    s.check_in(&m1, cs.id).await.unwrap();
    let paper = s.check_paper(&m1, doc.id).await.unwrap();
    let right: Vec<_> = paper.questions.iter().map(|q| (q.0, Some(1))).collect();
    assert!(s.submit_check(&m1, doc.id, 1, right).await.unwrap().passed);

    // Reports: Q2 on time but contradicted by the data, Q3 on time, Q4 late.
    let q2 = submit_periodic(s, &d1_office, t.d1.id, doc.id, d(2025, 4, 1), d(2025, 7, 3)).await;
    s.keep_report_checks(&d1_office, q2.id, 1).await.unwrap();
    let q3 = submit_periodic(
        s,
        &d1_office,
        t.d1.id,
        doc.id,
        d(2025, 7, 1),
        d(2025, 10, 3),
    )
    .await;
    let q4 = submit_periodic(
        s,
        &d1_office,
        t.d1.id,
        doc.id,
        d(2025, 10, 1),
        d(2026, 1, 20),
    )
    .await;
    assert!(!q2.late && !q3.late && q4.late);

    // d2: a program (the recommendations become its tasks), two supervisions finding the
    // same shortcoming; the first's recommendation closed on time, the second's open.
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    let pr2 = s
        .create_program_draft(&sys(), program(t.d2.id))
        .await
        .unwrap();
    s.save_program_sections(&sys(), pr2.id, sections)
        .await
        .unwrap();
    s.save_tasks(
        &sys(),
        pr2.id,
        vec![task("Học tập nghị quyết", t.m4.id, d(2025, 6, 30), None)],
    )
    .await
    .unwrap();
    s.issue_program(&sys(), pr2.id, d(2025, 3, 25))
        .await
        .unwrap();
    let ubkt = principal(s, AccessRole::Inspector, t.province.id).await;
    let insp = s
        .create_inspection_program(
            &ubkt,
            NewInspectionProgram {
                org_id: t.province.id,
                body: domain::inspection::BodyKind::InspectionCommittee,
                year: 2025,
                title: "Chương trình kiểm tra, giám sát năm 2025".into(),
            },
        )
        .await
        .unwrap();
    let mut finding_again = 0;
    for (n, (starts, concluded, deadline)) in [
        (d(2025, 10, 1), d(2025, 11, 1), d(2025, 11, 20)),
        (d(2025, 11, 2), d(2025, 11, 10), d(2026, 1, 31)),
    ]
    .into_iter()
    .enumerate()
    {
        let item = s
            .add_inspection_item(
                &ubkt,
                insp.id,
                NewItem {
                    kind: Some(domain::inspection::ItemKind::ThematicSupervision),
                    title: format!("Giám sát chuyên đề lần {}", n + 1),
                    content: "Việc tổ chức thực hiện nghị quyết.".into(),
                    document_id: Some(doc.id),
                    content_program_id: None,
                    tasks: Vec::new(),
                    subjects: vec![(t.d2.id, None)],
                    team: vec![(t.m1.id, domain::inspection::TeamRole::Head)],
                    period_from: Some(d(2025, 1, 1)),
                    period_to: Some(d(2025, 9, 30)),
                    starts_on: Some(starts),
                    ends_on: Some(d(2025, 11, 30)),
                },
            )
            .await
            .unwrap();
        s.notify_inspection_item(
            &ubkt,
            item.id,
            starts,
            Some(starts + time::Duration::days(3)),
        )
        .await
        .unwrap();
        s.submit_self_report(
            &d2_office,
            item.subjects[0].id,
            "Báo cáo".into(),
            vec![],
            starts + time::Duration::days(2),
        )
        .await
        .unwrap();
        let f = s
            .add_finding(
                &ubkt,
                item.id,
                NewFinding {
                    subject_id: item.subjects[0].id,
                    kind: domain::inspection::FindingKind::Shortcoming,
                    about: domain::inspection::AboutKind::General,
                    about_id: None,
                    about_part: None,
                    text: "Chậm cụ thể hóa nghị quyết".into(),
                },
            )
            .await
            .unwrap();
        finding_again = f.id;
        s.conclude_inspection_item(
            &ubkt,
            item.id,
            Conclusion {
                concluded_on: concluded,
                text: "Kết luận".into(),
                recommendations: vec![NewRecommendation {
                    acting_org_id: Some(t.d2.id),
                    text: format!("Khắc phục lần {}", n + 1),
                    deadline: Some(deadline),
                }],
            },
        )
        .await
        .unwrap();
        if n == 0 {
            let recs = s.unit_recommendations(&d2_office, t.d2.id).await.unwrap();
            let r = recs[0].id;
            s.adopt_recommendation(&d2_office, r, Some(t.m4.id), d(2025, 11, 3))
                .await
                .unwrap();
            s.report_remediation(&d2_office, r, "Đã khắc phục.".into(), vec![])
                .await
                .unwrap();
            s.decide_remediation(&ubkt, r, true, None, d(2025, 11, 15))
                .await
                .unwrap();
        }
    }
    let recs = s.unit_recommendations(&d2_office, t.d2.id).await.unwrap();
    let closed = recs
        .iter()
        .find(|r| r.text == "Khắc phục lần 1")
        .unwrap()
        .id;
    let open = recs
        .iter()
        .find(|r| r.text == "Khắc phục lần 2")
        .unwrap()
        .id;

    // A term period of the province, computed today.
    let per = s
        .create_evaluation_period(
            &prov_office,
            NewPeriod {
                org: t.province.id,
                kind: PeriodKind::Term,
                name: format!("Đánh giá nhiệm kỳ 2025–{y}"),
                starts_on: d(2025, 1, 1),
                ends_on: d(y, 12, 31),
                unit_framework: None,
                member_framework: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(per.kind, PeriodKind::Term);
    s.compute_evaluations(&prov_office, per.id, now, &|_, _| {})
        .await
        .unwrap();
    let (per_id, prov) = (per.id, t.province.id);
    let unit = |o: &Org| {
        let id = o.id;
        async move {
            let r = s
                .evaluation_ranking(&sys(), per_id, prov, SubjectKind::Unit)
                .await
                .unwrap();
            let row = r.rows.iter().find(|x| x.org_id == id).unwrap();
            s.evaluation(&sys(), row.id).await.unwrap()
        }
    };
    let e1 = unit(&t.d1).await;
    let t_ = |x: &TaskRecord| x.id.0;
    // Programs: issued on 20/3, due 31/3: 10 of 10.
    assert_eq!(points(&e1, "programs"), (100, 1, 1));
    assert_eq!(
        refs(&e1, "programs"),
        vec![(FactKind::Program, pr.id.0, true)]
    );
    // Tasks: one of three on time: 20 × 1/3 = 6.6.
    assert_eq!(points(&e1, "tasks"), (66, 3, 1));
    assert_eq!(
        refs(&e1, "tasks"),
        vec![
            (FactKind::Task, t_(&tasks[0]), false),
            (FactKind::Task, t_(&tasks[1]), false),
            (FactKind::Task, t_(&tasks[2]), true),
        ]
    );
    // Targets: 95% of 90% reached (and exceeded), 12 of 20 not: 15 × 1/2.
    assert_eq!(points(&e1, "targets"), (75, 2, 1));
    assert_eq!(
        refs(&e1, "targets"),
        vec![
            (FactKind::Target, own[0].id.0, true),
            (FactKind::Target, own[1].id.0, false),
        ]
    );
    // Study and checks: one of the subtree's three members: 10 × 1/3, 5 × 1/3.
    assert_eq!(points(&e1, "study"), (33, 3, 1));
    assert_eq!(refs(&e1, "study"), vec![(FactKind::Study, doc.id.0, false)]);
    assert_eq!(points(&e1, "checks"), (16, 3, 1));
    assert_eq!(
        refs(&e1, "checks"),
        vec![(FactKind::Study, doc.id.0, false)]
    );
    let study_label = &e1
        .proposal
        .points
        .iter()
        .find(|p| p.criterion == "study")
        .unwrap()
        .facts[0]
        .label;
    assert_eq!(study_label, "05-NQ/TU: 1/3");
    // Reports: on time and uncontradicted only Q3: 10 × 1/3.
    assert_eq!(points(&e1, "reports"), (33, 3, 1));
    assert_eq!(
        refs(&e1, "reports"),
        vec![
            (FactKind::Report, q2.id.0, false),
            (FactKind::Report, q3.id.0, true),
            (FactKind::Report, q4.id.0, false),
        ]
    );
    // Nothing against d1 in discipline, recommendations, recurrence; leadership has no
    // rule: full points.
    for c in ["leadership", "discipline", "recommendations", "recurrence"] {
        let p = e1
            .proposal
            .points
            .iter()
            .find(|p| p.criterion == c)
            .unwrap();
        assert_eq!((p.earned, p.counted), (p.max, 0), "{c}");
    }
    assert_eq!(
        e1.proposal.score,
        100 + 33 + 100 + 100 + 66 + 75 + 33 + 16 + 50 + 50
    );
    assert_eq!(
        e1.proposal.level,
        Level::NotCompleted,
        "two tasks of three late"
    );

    // d2: one recommendation of two closed by its deadline; the shortcoming found again.
    let e2 = unit(&t.d2).await;
    assert_eq!(points(&e2, "recommendations"), (25, 2, 1));
    assert_eq!(
        refs(&e2, "recommendations"),
        vec![
            (FactKind::Recommendation, closed, true),
            (FactKind::Recommendation, open, false),
        ]
    );
    assert_eq!(points(&e2, "recurrence"), (0, 1, 0));
    assert_eq!(
        refs(&e2, "recurrence"),
        vec![(FactKind::Finding, finding_again, false)]
    );
    // The member who answered for the closed recommendation counts it too.
    let r = s
        .evaluation_ranking(&sys(), per.id, t.province.id, SubjectKind::Member)
        .await
        .unwrap();
    let m4 = r
        .rows
        .iter()
        .find(|x| x.member_id == Some(t.m4.id))
        .unwrap();
    let m4 = s.evaluation(&sys(), m4.id).await.unwrap();
    assert_eq!(points(&m4, "recommendations").1, 1, "{:?}", m4.proposal);

    // Recomputing from the record gives the stored proposals.
    for e in [&e1, &e2, &m4] {
        assert_eq!(
            s.recompute_evaluation(&sys(), e.id, now).await.unwrap(),
            e.proposal
        );
    }
}

/// Three yearly periods in a row: m1 decided "good" in each, m2 "good", "completed",
/// "good". Only m1's third decision carries "same level for 3 periods"; a quarterly period
/// between them is another kind and does not break or extend the run.
async fn the_same_level_year_after_year_is_a_signal(s: &dyn FullStore) {
    let t = tree(s).await;
    let d1_office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let g1_office = principal(s, AccessRole::OfficeStaff, t.g1.id).await;
    let c1_secretary = principal(s, AccessRole::Secretary, t.c1.id).await;
    let m1 = member_principal(s, &t.m1, "m1.years").await;
    let m2 = member_principal(s, &t.m2, "m2.years").await;
    let step = |level, text: &str| StepInput {
        level,
        text: text.into(),
        score: None,
    };
    let mut signals = Vec::new();
    let periods = [
        (PeriodKind::Year, 2022, [Level::Good, Level::Good]),
        (PeriodKind::Year, 2023, [Level::Good, Level::Completed]),
        (
            PeriodKind::Quarter,
            2024,
            [Level::Completed, Level::Completed],
        ),
        (PeriodKind::Year, 2024, [Level::Good, Level::Good]),
    ];
    for (kind, y, levels) in periods {
        let (starts_on, ends_on) = match kind {
            PeriodKind::Quarter => (d(y, 4, 1), d(y, 6, 30)),
            _ => (d(y, 1, 1), d(y, 12, 31)),
        };
        let per = s
            .create_evaluation_period(
                &d1_office,
                NewPeriod {
                    org: t.d1.id,
                    kind,
                    name: format!("Đánh giá {} {y}", kind.as_str()),
                    starts_on,
                    ends_on,
                    unit_framework: None,
                    member_framework: None,
                },
            )
            .await
            .unwrap();
        s.compute_evaluations(&d1_office, per.id, ends_on, &|_, _| {})
            .await
            .unwrap();
        for (who, level) in [(&m1, levels[0]), (&m2, levels[1])] {
            let member = if std::ptr::eq(who, &m1) { &t.m1 } else { &t.m2 };
            let e = by_member(s, per.id, &t, member).await.id;
            s.self_assess(who, e, step(level, "Tự nhận xét: hoàn thành nhiệm vụ."))
                .await
                .unwrap();
            s.assess_evaluation(&c1_secretary, e, step(level, "Chi bộ nhất trí."))
                .await
                .unwrap();
            s.decide_evaluation(&g1_office, e, step(level, "Đảng ủy quyết định."))
                .await
                .unwrap();
        }
        let r = s
            .evaluation_ranking(&sys(), per.id, t.d1.id, SubjectKind::Member)
            .await
            .unwrap();
        let of = |m: &Member| {
            r.rows
                .iter()
                .find(|x| x.member_id == Some(m.id))
                .unwrap()
                .signals
                .iter()
                .filter(|s| matches!(s, Signal::SameLevel { .. }))
                .cloned()
                .collect::<Vec<_>>()
        };
        signals.push((kind, y, of(&t.m1), of(&t.m2)));
    }
    let same = |n| {
        vec![Signal::SameLevel {
            level: Level::Good,
            periods: n,
        }]
    };
    assert_eq!(
        signals,
        vec![
            (PeriodKind::Year, 2022, vec![], vec![]),
            (PeriodKind::Year, 2023, vec![], vec![]),
            (PeriodKind::Quarter, 2024, vec![], vec![]),
            (PeriodKind::Year, 2024, same(3), vec![]),
        ]
    );
}
