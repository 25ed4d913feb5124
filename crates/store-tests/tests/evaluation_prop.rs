//! Property (issue 17): recomputing a proposed score from the record gives the stored one.
//!
//! A generated record over the suite's small tree (the grassroots g1's program with tasks
//! of random deadlines that its members answer for, some reported done; members present,
//! excused or absent at the conference; disciplinary measures on random days) and a
//! generated period (a year, one of its quarters, or a two-year term) computed as of a
//! random day. Every stored proposal — units and members, written by the bulk computation
//! — equals the one `recompute_evaluation` reads for that subject alone, and its breakdown
//! sums to its score. Runs on SQLite; the first 3 cases also on PostgreSQL when
//! `RESOLUTE_TEST_POSTGRES` is set.

use domain::evaluation::{PeriodKind, SubjectKind};
use domain::study::{AttendanceEntry, SessionDraft, SessionForm};
use domain::{
    AccessRole, AttendanceMark, CascadeDeadlines, CascadeScope, MemberId, OrgKind, ProgramKind,
    ProgramSections, ReportEvery, TaskDraft, TaskStatus,
};
use proptest::prelude::*;
use std::sync::Arc;
use store::*;
use store_tests::programs::*;
use store_tests::*;

#[derive(Debug, Clone)]
struct Record {
    /// (member 0..3, month 1..=12, done today)
    tasks: Vec<(usize, u8, bool)>,
    /// Per member m1..m3: 0 no mark, 1 present, 2 excused, 3 absent.
    marks: [u8; 3],
    /// (member 0..3, or 3 for the cell c1 itself; month)
    disciplines: Vec<(usize, u8)>,
    /// 0 the year, 1..=4 a quarter, 5 a term from the year before.
    period: u8,
    /// Days after the period's start to compute as of.
    as_of: u16,
}

fn record() -> impl Strategy<Value = Record> {
    (
        proptest::collection::vec((0usize..3, 1u8..13, any::<bool>()), 0..6),
        [0u8..4, 0u8..4, 0u8..4],
        proptest::collection::vec((0usize..4, 1u8..13), 0..3),
        0u8..6,
        0u16..800,
    )
        .prop_map(|(tasks, marks, disciplines, period, as_of)| Record {
            tasks,
            marks,
            disciplines,
            period,
            as_of,
        })
}

fn today() -> time::Date {
    domain::tz::local_date(time::OffsetDateTime::now_utc())
}

async fn run(s: &dyn FullStore, r: Record) {
    let t = tree(s).await;
    let y = today().year();
    let members = [&t.m1, &t.m2, &t.m3];
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
    if !r.tasks.is_empty() {
        let draft = s
            .create_program_draft(
                &sys(),
                NewProgram {
                    org_id: t.g1.id,
                    document_id: doc.id,
                    kind: ProgramKind::ActionProgram,
                    title: "Chương trình hành động".into(),
                },
            )
            .await
            .unwrap();
        s.save_program_sections(
            &sys(),
            draft.id,
            ProgramSections {
                purpose: "Quán triệt nghị quyết.".into(),
                tasks_and_solutions: "Các nhiệm vụ trong bảng.".into(),
                organization: "Văn phòng theo dõi.".into(),
            },
        )
        .await
        .unwrap();
        let drafts: Vec<TaskDraft> = r
            .tasks
            .iter()
            .enumerate()
            .map(|(i, (m, month, _))| TaskDraft {
                content: format!("Nhiệm vụ {i}"),
                lead_body: Some("Văn phòng".into()),
                cooperating_bodies: vec![],
                responsible: Some(members[*m].id),
                deadline: Some(d(y, *month, 28)),
                expected_output: Some("Báo cáo".into()),
                upper_target: None,
            })
            .collect();
        s.save_tasks(&sys(), draft.id, drafts).await.unwrap();
        s.issue_program(&sys(), draft.id, d(y, 1, 10))
            .await
            .unwrap();
        let tasks = s.program_tasks(&sys(), draft.id).await.unwrap();
        for (task, (_, _, done)) in tasks.iter().zip(&r.tasks) {
            if *done {
                s.post_progress(
                    &sys(),
                    task.id,
                    ProgressInput {
                        status: TaskStatus::Done,
                        percent: None,
                        indicator_value: None,
                        note: Some("Xong".into()),
                        evidence: vec![],
                    },
                )
                .await
                .unwrap();
            }
        }
    }
    if r.marks.iter().any(|m| *m > 0) {
        let sec = principal(s, AccessRole::Secretary, t.g1.id).await;
        let session = s
            .create_study_session(
                &sec,
                t.g1.id,
                doc.id,
                NewStudySession {
                    draft: SessionDraft::parse(
                        &SessionForm {
                            title: "Hội nghị học tập".into(),
                            audience: "member".into(),
                            format: "in_person".into(),
                            held_on: domain::validate::format_date(today()),
                            place: "Hội trường".into(),
                        },
                        None,
                        false,
                    )
                    .unwrap(),
                    reporters: vec![],
                    makeup_of: None,
                },
            )
            .await
            .unwrap();
        let entries: Vec<AttendanceEntry> = members
            .iter()
            .zip(r.marks)
            .filter(|(_, k)| *k > 0)
            .map(|(m, k)| {
                let mark = match k {
                    1 => AttendanceMark::Present,
                    2 => AttendanceMark::Excused,
                    _ => AttendanceMark::Absent,
                };
                AttendanceEntry {
                    member_id: m.id,
                    mark,
                    reason: (mark == AttendanceMark::Excused).then(|| "Đi công tác".into()),
                }
            })
            .collect();
        s.record_attendance(&sec, session.id, entries)
            .await
            .unwrap();
    }
    for (i, (who, month)) in r.disciplines.iter().enumerate() {
        let member: Option<MemberId> = members.get(*who).map(|m| m.id);
        s.record_discipline(
            &sys(),
            NewDiscipline {
                org: if member.is_some() { t.g1.id } else { t.c1.id },
                member,
                form: "Khiển trách".into(),
                decided_on: d(y, *month, 10),
                decision_no: format!("{}-QĐ/ĐU", i + 1),
                note: "Vi phạm.".into(),
            },
        )
        .await
        .unwrap();
    }
    let (kind, starts_on, ends_on) = match r.period {
        0 => (PeriodKind::Year, d(y, 1, 1), d(y, 12, 31)),
        5 => (PeriodKind::Term, d(y - 1, 1, 1), d(y, 12, 31)),
        q => {
            let first = 3 * (q - 1) + 1;
            // The day before the next quarter's first day.
            let end = if first == 10 {
                d(y, 12, 31)
            } else {
                d(y, first + 3, 1).previous_day().unwrap()
            };
            (PeriodKind::Quarter, d(y, first, 1), end)
        }
    };
    let per = s
        .create_evaluation_period(
            &sys(),
            NewPeriod {
                org: t.d1.id,
                kind,
                name: "Đợt đánh giá".into(),
                starts_on,
                ends_on,
                unit_framework: None,
                member_framework: None,
            },
        )
        .await
        .unwrap();
    let as_of = starts_on + time::Duration::days(i64::from(r.as_of));
    s.compute_evaluations(&sys(), per.id, as_of, &|_, _| {})
        .await
        .unwrap();
    let mut seen = 0;
    for subject in [SubjectKind::Unit, SubjectKind::Member] {
        let ranking = s
            .evaluation_ranking(&sys(), per.id, t.d1.id, subject)
            .await
            .unwrap();
        for row in &ranking.rows {
            let stored = s.evaluation(&sys(), row.id).await.unwrap().proposal;
            let again = s.recompute_evaluation(&sys(), row.id, as_of).await.unwrap();
            assert_eq!(stored, again, "{row:?} of {r:?}");
            assert_eq!(
                stored.points.iter().map(|p| p.earned).sum::<u32>(),
                stored.score
            );
            assert_eq!(stored.score, row.score);
            seen += 1;
        }
    }
    assert_eq!(seen, 3 + 3, "g1, c1, c2 and m1, m2, m3");
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn recomputing_from_the_record_gives_the_stored_proposals(r in record()) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let shared = Arc::new(r);
        let once = shared.clone();
        rt.block_on(run_sqlite_full(move |s| async move { run(&*s, (*once).clone()).await }));
        static PG_CASES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        if PG_CASES.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < 3 {
            rt.block_on(run_postgres_full("evaluation_prop", move |s| async move {
                run(&*s, (*shared).clone()).await
            }));
        }
    }
}
