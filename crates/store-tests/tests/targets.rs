//! The conformance suite of targets that add up (issue 13 item 4): a program's own targets
//! linked to the upper targets they serve, the roll-up kept on write by the indicator's
//! rule, and its repair after a restructuring. Every case runs on SQLite and, when
//! `RESOLUTE_TEST_POSTGRES` is set, on PostgreSQL.

use domain::{
    AccessRole, CascadeScope, Direction, MemberId, OrgId, OrgKind, ProgramKind, ProgramSections,
    RollupRule, Target, TargetId, TaskDraft, TaskStatus,
};
use store::*;
use store_tests::programs::*;
use store_tests::*;

store_tests::program_suite!(
    program_targets_link_to_upper_targets_and_roll_up,
    bad_targets_and_values_are_refused_and_nothing_is_saved,
    a_revision_keeps_the_targets_and_their_values,
    a_merge_keeps_target_rollups_true,
);

fn target(indicator: &str, unit: &str, rule: RollupRule, goal: f64) -> Target {
    Target {
        indicator: indicator.into(),
        baseline: Some(0.0),
        target_value: goal,
        unit: unit.into(),
        deadline: Some(d(2025, 12, 31)),
        direction: Direction::Increase,
        rule,
    }
}

fn rate(goal: f64) -> Target {
    target("Tỷ lệ đảng viên học tập", "%", RollupRule::Average, goal)
}

fn admitted(goal: f64) -> Target {
    target("Kết nạp đảng viên mới", "đảng viên", RollupRule::Sum, goal)
}

fn linked(target: Target, upper: Option<TargetId>) -> ProgramTargetInput {
    ProgramTargetInput { target, upper }
}

fn task(content: &str, who: MemberId, serves: Option<TargetId>) -> TaskDraft {
    TaskDraft {
        content: content.into(),
        lead_body: Some("Ban Tổ chức".into()),
        cooperating_bodies: vec!["Văn phòng".into()],
        responsible: Some(who),
        deadline: Some(d(2025, 12, 31)),
        expected_output: Some("Báo cáo kết quả".into()),
        upper_target: serves,
    }
}

fn sections() -> ProgramSections {
    ProgramSections {
        purpose: "Quán triệt sâu sắc nghị quyết.".into(),
        tasks_and_solutions: "Các nhiệm vụ trong bảng.".into(),
        organization: "Văn phòng theo dõi, tổng hợp.".into(),
    }
}

struct World {
    t: Tree,
    doc: Document,
    /// The resolution's targets: a rate (average by members) and a count (sum).
    rate: TargetId,
    count: TargetId,
}

async fn world(s: &dyn FullStore) -> World {
    let t = tree(s).await;
    let doc = s
        .register_document(&sys(), resolution(t.province.id, "05-NQ/TU"))
        .await
        .unwrap();
    s.create_cascade(
        &sys(),
        doc.id,
        CascadeScope {
            root: t.province.path.clone(),
            kinds: vec![OrgKind::DirectlyAffiliated, OrgKind::Grassroots],
            include_root: false,
        },
        deadlines(),
    )
    .await
    .unwrap();
    let targets = s
        .set_document_targets(&sys(), doc.id, vec![rate(100.0), admitted(50.0)])
        .await
        .unwrap();
    World {
        t,
        doc,
        rate: targets[0].id,
        count: targets[1].id,
    }
}

/// A draft of `org`'s program with its own targets.
async fn draft(
    s: &dyn FullStore,
    w: &World,
    org: OrgId,
    targets: Vec<ProgramTargetInput>,
) -> (Program, Vec<TargetRecord>) {
    let pr = s
        .create_program_draft(
            &sys(),
            NewProgram {
                org_id: org,
                document_id: w.doc.id,
                kind: ProgramKind::ActionProgram,
                title: "Chương trình hành động".into(),
            },
        )
        .await
        .unwrap();
    s.save_program_sections(&sys(), pr.id, sections())
        .await
        .unwrap();
    let own = s.set_program_targets(&sys(), pr.id, targets).await.unwrap();
    (pr, own)
}

/// Issues a draft whose tasks are given, and returns its tasks.
async fn issue(s: &dyn FullStore, pr: &Program, tasks: Vec<TaskDraft>) -> Vec<TaskRecord> {
    s.save_tasks(&sys(), pr.id, tasks).await.unwrap();
    s.issue_program(&sys(), pr.id, d(2025, 4, 20))
        .await
        .unwrap();
    s.program_tasks(&sys(), pr.id).await.unwrap()
}

/// Posts a value on a task and accepts it.
async fn report(s: &dyn FullStore, task: &TaskRecord, value: f64) {
    let posted = s
        .post_progress(
            &sys(),
            task.id,
            ProgressInput {
                status: TaskStatus::OnTrack,
                percent: Some(50),
                indicator_value: Some(value),
                note: Some("Kết quả quý".into()),
                evidence: vec![],
            },
        )
        .await
        .unwrap();
    s.decide_progress(&sys(), posted.id, AcceptanceDecision::Accept)
        .await
        .unwrap();
}

async fn current(s: &dyn FullStore, w: &World, id: TargetId) -> (Option<f64>, u32) {
    let b = s.target_breakdown(&sys(), id).await.unwrap();
    let _ = w;
    (b.record.current_value, b.record.contributors)
}

/// The stored roll-ups equal a recount's.
async fn assert_targets_fresh(s: &dyn FullStore) {
    let report = s.recount_targets(&sys()).await.unwrap();
    assert_eq!(report.changed, 0, "{report:?}");
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

async fn program_targets_link_to_upper_targets_and_roll_up(s: &dyn FullStore) {
    let w = world(s).await;
    let t = &w.t;
    // Lục Nam sets its own targets, serving the province's.
    let (p1, own1) = draft(
        s,
        &w,
        t.d1.id,
        vec![
            linked(rate(95.0), Some(w.rate)),
            linked(admitted(20.0), Some(w.count)),
        ],
    )
    .await;
    assert_eq!(own1[0].upper_target_id, Some(w.rate));
    // The picker offers the resolution's targets to a district.
    let offered = s.upper_target_choices(&sys(), p1.id).await.unwrap();
    let ids: Vec<TargetId> = offered.iter().map(|c| c.record.id).collect();
    assert_eq!(ids, vec![w.rate, w.count]);
    assert!(matches!(offered[0].owner, TargetOwner::Document { .. }));
    let tasks1 = issue(
        s,
        &p1,
        vec![
            task("Tổ chức học tập", t.m1.id, Some(own1[0].id)),
            task("Kết nạp đảng viên", t.m3.id, Some(own1[1].id)),
        ],
    )
    .await;
    // Yên Thế serves the rate with a lower goal.
    let (p2, own2) = draft(s, &w, t.d2.id, vec![linked(rate(90.0), Some(w.rate))]).await;
    let tasks2 = issue(s, &p2, vec![task("Học tập", t.m4.id, Some(own2[0].id))]).await;
    // Bố Hạ (under Yên Thế) may serve Yên Thế's target: it is offered, nearest first.
    let (pg2, _) = draft(s, &w, t.g2.id, vec![]).await;
    let offered = s.upper_target_choices(&sys(), pg2.id).await.unwrap();
    assert_eq!(offered[0].record.id, own2[0].id);
    assert_eq!(offered[0].org_id, t.d2.id);
    // ... and reports new members straight to the resolution's count.
    let tasks_g2 = issue(s, &pg2, vec![task("Kết nạp", t.m5.id, Some(w.count))]).await;

    assert_eq!(
        current(s, &w, w.rate).await,
        (None, 0),
        "nothing reported yet"
    );
    report(s, &tasks1[0], 90.0).await;
    report(s, &tasks2[0], 80.0).await;
    report(s, &tasks1[1], 12.0).await;
    report(s, &tasks_g2[0], 5.0).await;
    // Average weighted by members: Lục Nam 3 members at 90, Yên Thế 2 at 80.
    let (v, n) = current(s, &w, w.rate).await;
    assert!(close(v, 86.0), "{v:?}");
    assert_eq!(n, 2);
    // A sum: Lục Nam's 12 and Bố Hạ's 5.
    let (v, n) = current(s, &w, w.count).await;
    assert!(close(v, 17.0), "{v:?}");
    assert_eq!(n, 2);
    // The district's own target holds its own value.
    assert!(close(current(s, &w, own1[0].id).await.0, 90.0));
    // A newer value replaces the unit's older one.
    report(s, &tasks1[0], 100.0).await;
    let (v, _) = current(s, &w, w.rate).await;
    assert!(close(v, 92.0), "{v:?}");
    // The dashboard shows the rolled-up value.
    let tp = s
        .targets_progress(&sys(), t.province.id, w.doc.id)
        .await
        .unwrap();
    assert!(close(tp[0].target.current_value, 92.0));

    // The breakdown by sub-unit: who brings what, who has not reported.
    let b = s.target_breakdown(&sys(), w.rate).await.unwrap();
    let by: Vec<(OrgId, f64, bool)> = b
        .contributions
        .iter()
        .map(|c| (c.org_id, c.value, c.reached))
        .collect();
    assert_eq!(by, vec![(t.d1.id, 100.0, true), (t.d2.id, 80.0, false)]);
    assert!(matches!(
        b.contributions[0].source,
        ContributionSource::LowerTarget { .. }
    ));
    assert!(b.silent.is_empty());
    let b1 = s.target_breakdown(&sys(), own1[0].id).await.unwrap();
    assert_eq!(b1.upper.as_ref().map(|u| u.record.id), Some(w.rate));
    assert_eq!(
        b1.silent.iter().map(|u| u.org_id).collect::<Vec<_>>(),
        vec![t.g1.id],
        "Bảo Đài has not reported"
    );
    // Another district's office sees the province's figure, but only its own unit by name.
    let d2_office = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    let b2 = s.target_breakdown(&d2_office, w.rate).await.unwrap();
    assert!(close(b2.record.current_value, 92.0));
    assert_eq!(b2.contributions.len(), 1);
    assert_eq!(b2.contributions[0].org_id, t.d2.id);
    assert_eq!(b2.hidden_contributions, 1);
    // ... and not Lục Nam's own target.
    assert!(matches!(
        s.target_breakdown(&d2_office, own1[0].id).await,
        Err(StoreError::NotFound)
    ));
    // Every write is audited.
    let entries = s
        .audit_list(
            &sys(),
            AuditFilter {
                org: None,
                entity: Some("target".into()),
                before_id: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert!(entries.iter().filter(|e| e.action == "create").count() >= 5);
    assert_targets_fresh(s).await;
}

async fn bad_targets_and_values_are_refused_and_nothing_is_saved(s: &dyn FullStore) {
    let w = world(s).await;
    let t = &w.t;
    let (p2, own2) = draft(s, &w, t.d2.id, vec![linked(rate(90.0), Some(w.rate))]).await;
    issue(s, &p2, vec![task("Học tập", t.m4.id, Some(own2[0].id))]).await;
    let (p1, before) = draft(s, &w, t.d1.id, vec![linked(rate(95.0), Some(w.rate))]).await;
    let codes = |e: StoreError| match e {
        StoreError::Invalid(inv) => inv.0.iter().map(|f| (f.field, f.code)).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    let mut minimum = rate(95.0);
    minimum.rule = RollupRule::Minimum;
    let mut over = rate(150.0);
    over.baseline = None;
    let mut huge = admitted(1e308);
    huge.baseline = None;
    let err = s
        .set_program_targets(
            &sys(),
            p1.id,
            vec![
                linked(admitted(10.0), Some(w.rate)),
                linked(minimum, Some(w.rate)),
                // Yên Thế's target: not above Lục Nam.
                linked(rate(95.0), Some(own2[0].id)),
                linked(over, None),
                linked(huge, None),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(
        codes(err),
        vec![
            ("targets[0].upper", "target_unit_mismatch"),
            ("targets[1].upper", "target_kind_mismatch"),
            ("targets[2].upper", "target_not_reachable"),
            ("targets[3].target_value", "percent_value_range"),
            ("targets[4].target_value", "number_too_large"),
        ]
    );
    assert_eq!(s.program_targets(&sys(), p1.id).await.unwrap(), before);
    // A share of units reached is a percentage.
    let share = target("Tỷ lệ chi bộ đạt", "chi bộ", RollupRule::ShareReached, 80.0);
    let err = s
        .set_program_targets(&sys(), p1.id, vec![linked(share, None)])
        .await
        .unwrap_err();
    assert_eq!(
        codes(err),
        vec![("targets[0].rule", "share_rule_needs_percent")]
    );
    // Only the unit's editors set its targets; an issued program is revised first.
    let d2_office = principal(s, AccessRole::Secretary, t.d2.id).await;
    assert!(matches!(
        s.set_program_targets(&d2_office, p1.id, vec![]).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.set_program_targets(&sys(), p2.id, vec![]).await,
        Err(StoreError::Invalid(_))
    ));
    // A target a task serves stays.
    let tasks = issue(s, &p1, vec![task("Học tập", t.m1.id, Some(before[0].id))]).await;
    let rev = s.revise_program(&sys(), p1.id).await.unwrap();
    assert!(matches!(
        s.set_program_targets(&sys(), rev.id, vec![]).await,
        Err(StoreError::Conflict("target_in_use"))
    ));
    // A value out of the target's range is refused before anything is kept.
    for (v, code) in [(150.0, "percent_value_range"), (1e308, "number_too_large")] {
        let err = s
            .post_progress(
                &sys(),
                tasks[0].id,
                ProgressInput {
                    status: TaskStatus::OnTrack,
                    percent: Some(10),
                    indicator_value: Some(v),
                    note: None,
                    evidence: vec![],
                },
            )
            .await
            .unwrap_err();
        assert_eq!(codes(err), vec![("indicator_value", code)]);
    }
    assert!(
        s.task_progress(&sys(), tasks[0].id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(current(s, &w, w.rate).await, (None, 0));
    assert_targets_fresh(s).await;
}

async fn a_revision_keeps_the_targets_and_their_values(s: &dyn FullStore) {
    let w = world(s).await;
    let t = &w.t;
    let (p1, own) = draft(s, &w, t.d1.id, vec![linked(rate(95.0), Some(w.rate))]).await;
    let tasks = issue(s, &p1, vec![task("Học tập", t.m1.id, Some(own[0].id))]).await;
    report(s, &tasks[0], 70.0).await;
    assert!(close(current(s, &w, w.rate).await.0, 70.0));
    let rev = s.revise_program(&sys(), p1.id).await.unwrap();
    let copied = s.program_targets(&sys(), rev.id).await.unwrap();
    assert_eq!(copied.len(), 1);
    assert_ne!(copied[0].id, own[0].id);
    assert_eq!(copied[0].upper_target_id, Some(w.rate));
    assert!(
        close(copied[0].current_value, 70.0),
        "the value comes along"
    );
    let rev_tasks = s.program_tasks(&sys(), rev.id).await.unwrap();
    assert_eq!(rev_tasks[0].draft.upper_target, Some(copied[0].id));
    // The goal is raised in the revision; once issued, the new version counts.
    let mut higher = rate(98.0);
    higher.baseline = Some(10.0);
    s.set_program_targets(&sys(), rev.id, vec![linked(higher, Some(w.rate))])
        .await
        .unwrap();
    s.issue_program(&sys(), rev.id, d(2025, 6, 1))
        .await
        .unwrap();
    let b = s.target_breakdown(&sys(), w.rate).await.unwrap();
    assert_eq!(b.contributions.len(), 1);
    assert_eq!(
        b.contributions[0].source,
        ContributionSource::LowerTarget { id: copied[0].id }
    );
    assert_eq!(b.contributions[0].goal, Some(98.0));
    assert!(close(b.record.current_value, 70.0));
    assert_targets_fresh(s).await;
}

async fn a_merge_keeps_target_rollups_true(s: &dyn FullStore) {
    let w = world(s).await;
    let t = &w.t;
    let (p1, own1) = draft(s, &w, t.d1.id, vec![linked(rate(95.0), Some(w.rate))]).await;
    let tasks1 = issue(s, &p1, vec![task("Học tập", t.m1.id, Some(own1[0].id))]).await;
    let (p2, own2) = draft(s, &w, t.d2.id, vec![linked(rate(90.0), Some(w.rate))]).await;
    let tasks2 = issue(s, &p2, vec![task("Học tập", t.m4.id, Some(own2[0].id))]).await;
    // Bố Hạ reports to the resolution's count directly.
    let (pg2, _) = draft(s, &w, t.g2.id, vec![]).await;
    let tasks_g2 = issue(s, &pg2, vec![task("Kết nạp", t.m5.id, Some(w.count))]).await;
    report(s, &tasks1[0], 90.0).await;
    report(s, &tasks2[0], 80.0).await;
    report(s, &tasks_g2[0], 4.0).await;
    assert!(close(current(s, &w, w.rate).await.0, 86.0));
    // Yên Thế merges into Lục Nam: its communes (and their 2 members) move there, it
    // closes and leaves the roll-up; Lục Nam's value now stands for 5 members, Bố Hạ's
    // report still counts.
    let today = time::OffsetDateTime::now_utc().date();
    s.org_merge(
        &sys(),
        Merge {
            sources: vec![t.d2.id],
            target: MergeTarget::Existing(t.d1.id),
            on: today,
        },
    )
    .await
    .unwrap();
    let b = s.target_breakdown(&sys(), w.rate).await.unwrap();
    assert!(close(b.record.current_value, 90.0), "{:?}", b.record);
    assert_eq!(b.record.contributors, 1);
    assert_eq!(b.contributions[0].weight, 5);
    assert!(close(current(s, &w, w.count).await.0, 4.0));
    // Kept on write: a recount changes nothing.
    assert_targets_fresh(s).await;
    // And a recount repairs a roll-up broken behind the store's back.
    let again = s.recount_targets(&sys()).await.unwrap();
    assert_eq!(again.changed, 0);
    assert!(again.targets >= 4);
}
