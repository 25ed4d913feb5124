//! Property: the rollups kept on write equal a recount after any sequence of writes.
//!
//! Random sequences of cascade / study / issue / post / accept / return / revise, of
//! attendance marks at study conferences, of members transferred between cells (and a
//! commune moving between districts) over the small tree of the suite; refusals
//! (`Invalid`, `Conflict`) are fine, anything else fails. Afterwards the stored rollups of
//! the chain (the programs' and the study participation of every unit) equal the ones a
//! recount rebuilds, and the recount finds nothing to fix. Runs on SQLite; the first 4
//! cases also on PostgreSQL when `RESOLUTE_TEST_POSTGRES` is set.

use domain::Audience;
use domain::study::{AttendanceEntry, SessionDraft, SessionForm};
use domain::{
    AttendanceMark, CascadeScope, MemberId, OrgId, OrgKind, ProgramId, ProgramKind,
    ProgramSections, ProgramState, ProgressUpdateId, TaskDraft, TaskId, TaskStatus,
};
use proptest::prelude::*;
use std::sync::Arc;
use store::*;
use store_tests::programs::*;
use store_tests::*;

#[derive(Debug, Clone)]
enum Op {
    /// Cascade the resolution: 0 districts, 1 districts + grassroots, 2 everything.
    Cascade(u8),
    Study(usize, u8),
    /// Issue (or revise and issue) a unit's program with 1..=3 tasks.
    Issue(usize, u8, u8),
    Post(usize, u8, u8),
    Accept(usize),
    Return(usize),
    Revise(usize),
    /// Move g1 under the other district.
    Move,
    /// Mark a member (0..5) at a conference (0 province, 1 g1, 2 g2, 3 a make-up of the
    /// province's) present, excused or absent.
    Mark(usize, u8, u8),
    /// Transfer a member (0..5) to a cell (c1, c2, c3).
    Transfer(usize, usize),
    /// Switch a member (0..5) between member and key cadre.
    Audience(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let i = 0usize..32;
    prop_oneof![
        2 => (0u8..3).prop_map(Op::Cascade),
        2 => (i.clone(), 0u8..90).prop_map(|(u, d)| Op::Study(u, d)),
        3 => (i.clone(), 1u8..4, 0u8..200).prop_map(|(u, n, d)| Op::Issue(u, n, d)),
        6 => (i.clone(), 0u8..4, 0u8..101).prop_map(|(t, s, p)| Op::Post(t, s, p)),
        3 => i.clone().prop_map(Op::Accept),
        3 => i.clone().prop_map(Op::Return),
        1 => i.prop_map(Op::Revise),
        1 => Just(Op::Move),
        6 => (0usize..5, 0u8..3, 0u8..4).prop_map(|(m, k, s)| Op::Mark(m, k, s)),
        3 => (0usize..5, 0usize..3).prop_map(|(m, c)| Op::Transfer(m, c)),
        2 => (0usize..5).prop_map(Op::Audience),
    ]
}

fn allowed<T: std::fmt::Debug>(r: Result<T>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(StoreError::Invalid(_) | StoreError::Conflict(_)) => None,
        Err(e) => panic!("unexpected error: {e:?}"),
    }
}

async fn issue(
    s: &dyn FullStore,
    org: OrgId,
    doc: &Document,
    members: &[MemberId],
    n: u8,
    day: u8,
) -> Option<Program> {
    let draft = allowed(
        s.create_program_draft(
            &sys(),
            NewProgram {
                org_id: org,
                document_id: doc.id,
                kind: ProgramKind::ActionProgram,
                title: "Chương trình".into(),
            },
        )
        .await,
    )?;
    allowed(
        s.save_program_sections(
            &sys(),
            draft.id,
            ProgramSections {
                purpose: "Mục đích".into(),
                tasks_and_solutions: "Nhiệm vụ".into(),
                organization: "Tổ chức".into(),
            },
        )
        .await,
    )?;
    let tasks: Vec<TaskDraft> = (0..n)
        .map(|i| TaskDraft {
            content: format!("Nhiệm vụ {i}"),
            lead_body: None,
            cooperating_bodies: vec![],
            responsible: Some(members[(usize::from(i) + usize::from(day)) % members.len()]),
            deadline: Some(
                d(2025, 5, 1) + time::Duration::days(i64::from(day) + i64::from(i) * 30),
            ),
            expected_output: Some("Báo cáo".into()),
            upper_target: None,
        })
        .collect();
    allowed(s.save_tasks(&sys(), draft.id, tasks).await)?;
    allowed(
        s.issue_program(
            &sys(),
            draft.id,
            d(2025, 4, 1) + time::Duration::days(i64::from(day)),
        )
        .await,
    )
}

async fn run(s: &dyn FullStore, ops: Vec<Op>) {
    let t = tree(s).await;
    let p = sys();
    let doc = s
        .register_document(&p, resolution(t.province.id, "01-NQ/TU"))
        .await
        .unwrap();
    let units = [
        t.province.clone(),
        t.d1.clone(),
        t.d2.clone(),
        t.g1.clone(),
        t.g2.clone(),
        t.c1.clone(),
        t.c2.clone(),
        t.c3.clone(),
    ];
    // Members by cell; the cells' paths are read fresh (g1 may have moved).
    let members_by_cell = [
        (t.m1.id, t.c1.id),
        (t.m2.id, t.c1.id),
        (t.m3.id, t.c2.id),
        (t.m4.id, t.c3.id),
        (t.m5.id, t.c3.id),
    ];
    let mut tasks: Vec<TaskId> = Vec::new();
    let mut updates: Vec<ProgressUpdateId> = Vec::new();
    let mut programs: Vec<ProgramId> = Vec::new();
    let mut moved = false;
    // Conferences: the province's, g1's, g2's and a make-up of the province's.
    let conference = |title: &str| {
        SessionDraft::parse(
            &SessionForm {
                title: title.into(),
                audience: "member".into(),
                format: "in_person".into(),
                held_on: "15/03/2025".into(),
                place: "Hội trường".into(),
            },
            None,
            true,
        )
        .unwrap()
    };
    let mut sessions = Vec::new();
    for (i, o) in [t.province.id, t.g1.id, t.g2.id, t.province.id]
        .into_iter()
        .enumerate()
    {
        let s = s
            .create_study_session(
                &p,
                o,
                doc.id,
                NewStudySession {
                    draft: conference(&format!("Hội nghị {i}")),
                    reporters: vec![],
                    makeup_of: (i == 3).then(|| sessions[0]),
                },
            )
            .await
            .unwrap();
        sessions.push(s.id);
    }
    let members = [t.m1.id, t.m2.id, t.m3.id, t.m4.id, t.m5.id];
    let cells = [t.c1.id, t.c2.id, t.c3.id];
    let mut transfers = 0i64;
    for op in ops {
        match op {
            Op::Cascade(k) => {
                let kinds = match k {
                    0 => vec![OrgKind::DirectlyAffiliated],
                    1 => vec![OrgKind::DirectlyAffiliated, OrgKind::Grassroots],
                    _ => vec![
                        OrgKind::DirectlyAffiliated,
                        OrgKind::Grassroots,
                        OrgKind::Cell,
                    ],
                };
                allowed(
                    s.create_cascade(
                        &p,
                        doc.id,
                        CascadeScope {
                            root: t.province.path.clone(),
                            kinds,
                            include_root: k == 2,
                        },
                        deadlines(),
                    )
                    .await,
                );
            }
            Op::Study(u, day) => {
                let o = &units[u % units.len()];
                if let Some(cu) = s.cascade_unit_of(&p, o.id, doc.id).await.unwrap() {
                    let on = d(2025, 3, 1) + time::Duration::days(i64::from(day));
                    allowed(s.record_study(&p, cu.id, on).await);
                }
            }
            Op::Issue(u, n, day) => {
                // The unit's current path (g1 may have moved).
                let o = s.org_get(&p, units[u % units.len()].id).await.unwrap();
                let mut members = Vec::new();
                for (m, c) in members_by_cell {
                    let cell = s.org_get(&p, c).await.unwrap();
                    if o.path.covers(&cell.path) {
                        members.push(m);
                    }
                }
                if members.is_empty() {
                    continue;
                }
                if let Some(pr) = issue(s, o.id, &doc, &members, n, day).await {
                    programs.push(pr.id);
                    for task in s.program_tasks(&p, pr.id).await.unwrap() {
                        tasks.push(task.id);
                    }
                }
            }
            Op::Post(i, status, percent) => {
                if tasks.is_empty() {
                    continue;
                }
                let status = TaskStatus::ALL[usize::from(status)];
                let input = ProgressInput {
                    status,
                    percent: (status != TaskStatus::Done).then_some(percent.min(99)),
                    indicator_value: None,
                    note: Some("Ghi chú".into()),
                    evidence: vec![],
                };
                if let Some(u) = allowed(s.post_progress(&p, tasks[i % tasks.len()], input).await) {
                    updates.push(u.id);
                }
            }
            Op::Accept(i) | Op::Return(i) => {
                if updates.is_empty() {
                    continue;
                }
                let decision = if matches!(op, Op::Accept(_)) {
                    AcceptanceDecision::Accept
                } else {
                    AcceptanceDecision::Return {
                        reason: "Bổ sung minh chứng".into(),
                    }
                };
                allowed(
                    s.decide_progress(&p, updates[i % updates.len()], decision)
                        .await,
                );
            }
            Op::Revise(i) => {
                if programs.is_empty() {
                    continue;
                }
                let pr = s.program(&p, programs[i % programs.len()]).await.unwrap();
                if pr.state != ProgramState::Issued {
                    continue;
                }
                if let Some(rev) = allowed(s.revise_program(&p, pr.id).await) {
                    let issued = allowed(s.issue_program(&p, rev.id, d(2025, 8, 1)).await);
                    if let Some(issued) = issued {
                        programs.push(issued.id);
                        for task in s.program_tasks(&p, issued.id).await.unwrap() {
                            tasks.push(task.id);
                        }
                    }
                }
            }
            Op::Move => {
                let to = if moved { t.d1.id } else { t.d2.id };
                s.org_move(&p, t.g1.id, to, d(2025, 6, 1)).await.unwrap();
                moved = !moved;
            }
            Op::Mark(m, k, i) => {
                let mark = AttendanceMark::ALL[usize::from(k)];
                let entry = AttendanceEntry {
                    member_id: members[m],
                    mark,
                    reason: (mark == AttendanceMark::Excused).then(|| "Ốm".to_owned()),
                };
                allowed(
                    s.record_attendance(&p, sessions[usize::from(i)], vec![entry])
                        .await,
                );
            }
            Op::Transfer(m, c) => {
                transfers += 1;
                let on = d(2025, 7, 1) + time::Duration::days(transfers);
                allowed(s.member_transfer(&p, members[m], cells[c], on).await);
            }
            Op::Audience(m) => {
                let x = s.member_get(&p, members[m]).await.unwrap().member;
                let audience = match x.audience {
                    Audience::Member => Audience::KeyCadre,
                    Audience::KeyCadre => Audience::Member,
                };
                let edit = MemberEdit {
                    full_name: x.full_name,
                    gender: x.gender,
                    birth_date: x.birth_date,
                    joined_on: x.joined_on,
                    audience,
                    card_number: x.card_number,
                    status: x.status,
                };
                allowed(s.member_update(&p, members[m], edit).await);
            }
        }
    }
    assert_rollups_fresh(s, doc.id).await;
    let mut kept = Vec::new();
    for u in &units {
        kept.push(s.participation(&p, u.id, doc.id).await.unwrap());
    }
    assert_eq!(
        s.recount_study(&p).await.unwrap(),
        0,
        "study rows differ from a recount"
    );
    for (u, k) in units.iter().zip(kept) {
        let fresh = s.participation(&p, u.id, doc.id).await.unwrap();
        assert_eq!(
            k, fresh,
            "study rollups of {} differ from a recount",
            u.name
        );
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn kept_rollups_equal_a_recount_after_random_writes(
        ops in proptest::collection::vec(op(), 1..50)
    ) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let ops = Arc::new(ops);
        let o = ops.clone();
        rt.block_on(run_sqlite_full(move |s| async move { run(&*s, (*o).clone()).await }));
        static PG_CASES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        if PG_CASES.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < 4 {
            rt.block_on(run_postgres_full("programs_prop", move |s| async move {
                run(&*s, (*ops).clone()).await
            }));
        }
    }
}
