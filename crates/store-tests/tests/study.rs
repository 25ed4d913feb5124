//! The conformance suite of study and dissemination (issue 5): every case runs on SQLite
//! and, when `RESOLUTE_TEST_POSTGRES` is set, on PostgreSQL.

use domain::study::{
    AttendanceEntry, CheckRules, ConferenceFormat, MaterialId, Question, QuestionForm,
    ReflectionState, SessionDraft, SessionForm,
};
use domain::{
    AccessRole, AttendanceMark, Audience, CascadeScope, DocumentId, MemberId, OrgId, OrgKind,
    PositionRole, Principal, ReflectionGrade,
};
use store::*;
use store_tests::programs::*;
use store_tests::*;

store_tests::program_suite!(
    plan_sessions_materials_and_reporters,
    attendance_rolls_up_and_recount_agrees,
    a_long_sheet_opens_cell_by_cell,
    check_in_is_harmless_twice_and_refuses_outsiders,
    knowledge_check_draws_grades_and_limits_retakes,
    reflections_grading_and_round_review,
    colleagues_read_reflections_after_their_own_and_no_grades,
    study_authorization_by_subtree,
    attendance_import_is_all_or_nothing,
    moving_a_commune_moves_its_study,
    transferring_a_member_moves_their_study,
    conferences_are_corrected_and_cancelled,
    materials_are_withdrawn_not_deleted,
);

struct Fixture {
    t: Tree,
    doc: DocumentId,
}

/// The tree, a resolution of the province cascaded to every grassroots unit and cell.
async fn fixture(s: &dyn FullStore) -> Fixture {
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
            kinds: kinds(&[
                OrgKind::DirectlyAffiliated,
                OrgKind::Grassroots,
                OrgKind::Cell,
            ]),
            include_root: true,
        },
        deadlines(),
    )
    .await
    .unwrap();
    Fixture { t, doc: doc.id }
}

fn session(audience: &str, on: &str) -> SessionDraft {
    SessionDraft::parse(
        &SessionForm {
            title: "Hội nghị học tập Nghị quyết 05-NQ/TU".into(),
            audience: audience.into(),
            format: "in_person".into(),
            held_on: on.into(),
            place: "Nhà văn hóa thôn".into(),
        },
        Some(d(2025, 3, 31)),
        false,
    )
    .unwrap()
}

/// A conference held today: QR check-in is open on the conference's day only.
fn today_session(audience: &str) -> SessionDraft {
    SessionDraft::parse(
        &SessionForm {
            title: "Hội nghị học tập Nghị quyết 05-NQ/TU".into(),
            audience: audience.into(),
            format: "in_person".into(),
            held_on: domain::validate::format_date(today()),
            place: "Nhà văn hóa thôn".into(),
        },
        None,
        false,
    )
    .unwrap()
}

fn today() -> time::Date {
    domain::tz::local_date(time::OffsetDateTime::now_utc())
}

fn plain(draft: SessionDraft) -> NewStudySession {
    NewStudySession {
        draft,
        reporters: vec![],
        makeup_of: None,
    }
}

fn entry(m: MemberId, mark: AttendanceMark) -> AttendanceEntry {
    AttendanceEntry {
        member_id: m,
        mark,
        reason: (mark == AttendanceMark::Excused).then(|| "Đi công tác".to_owned()),
    }
}

async fn member_principal(s: &dyn FullStore, member: MemberId, cell: OrgId) -> Principal {
    let user = s
        .user_create(
            &sys(),
            NewUser {
                username: format!("dv-{}", member.0),
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
    s.principal(user.id).await.unwrap().unwrap()
}

/// Stored rollups equal a recount, and the recount found nothing to fix.
async fn assert_study_fresh(s: &dyn FullStore, org: OrgId, doc: DocumentId) {
    let before = s.participation(&sys(), org, doc).await.unwrap();
    let differ = s.recount_study(&sys()).await.unwrap();
    let after = s.participation(&sys(), org, doc).await.unwrap();
    assert_eq!(differ, 0, "member rows differ from a recount");
    assert_eq!(before, after, "rollups differ from a recount");
}

fn all() -> Page {
    Page {
        offset: 0,
        limit: 1000,
    }
}

async fn plan_sessions_materials_and_reporters(s: &dyn FullStore) {
    let f = fixture(s).await;
    let t = &f.t;
    let office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    s.save_study_content(
        &office,
        t.province.id,
        f.doc,
        Audience::Member,
        "Năm nhóm giải pháp, ngắn gọn.".into(),
    )
    .await
    .unwrap();
    s.save_study_content(
        &office,
        t.province.id,
        f.doc,
        Audience::KeyCadre,
        "Chuyên sâu: lý luận, điểm mới, cách vận dụng.".into(),
    )
    .await
    .unwrap();
    // A reporter: member with the reporter position, inside the subtree.
    s.position_add(
        &sys(),
        NewPosition {
            member_id: t.m1.id,
            org_id: t.g1.id,
            role: PositionRole::Reporter,
            from: d(2024, 1, 1),
        },
    )
    .await
    .unwrap();
    let mut new = plain(session("key_cadre", "10/03/2025"));
    new.reporters = vec![t.m1.id];
    let top = s
        .create_study_session(&office, t.province.id, f.doc, new)
        .await
        .unwrap();
    assert_eq!(top.reporters, vec![(t.m1.id, "Nguyễn Văn An".to_owned())]);
    assert_eq!(top.format, ConferenceFormat::InPerson);
    // Not a reporter: refused with a message.
    let mut bad = plain(session("member", "12/03/2025"));
    bad.reporters = vec![t.m2.id];
    assert_eq!(
        invalid_code(
            s.create_study_session(&office, t.province.id, f.doc, bad)
                .await
        ),
        ("reporters", "reporter_not_eligible")
    );
    s.add_study_material(
        &office,
        t.province.id,
        f.doc,
        NewMaterial {
            audience: None,
            title: "Toàn văn nghị quyết".into(),
            url: Some("https://example.org/nq05.pdf".into()),
            file: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        invalid_code(
            s.add_study_material(
                &office,
                t.province.id,
                f.doc,
                NewMaterial {
                    audience: None,
                    title: "Sai".into(),
                    url: Some("javascript:alert(1)".into()),
                    file: None,
                },
            )
            .await
        ),
        ("url", "bad_url")
    );
    // The cell's secretary plans the cell's own conference and sees the upper material.
    let sec = principal(s, AccessRole::Secretary, t.c1.id).await;
    let cell = s
        .create_study_session(&sec, t.c1.id, f.doc, plain(session("member", "15/03/2025")))
        .await
        .unwrap();
    let plan = s.study_plan(&sec, t.c1.id, f.doc).await.unwrap();
    assert_eq!(plan.sessions, vec![cell.clone()]);
    assert_eq!(plan.upper_sessions.len(), 1);
    assert_eq!(plan.materials.len(), 1);
    assert_eq!(plan.contents.len(), 2);
    assert_eq!(plan.study_by, Some(d(2025, 3, 31)));
    // The reporter (a member account) sees the top conference and its plan.
    let rep = member_principal(s, t.m1.id, t.c1.id).await;
    let mine = s.my_reporter_sessions(&rep).await.unwrap();
    assert_eq!(mine.iter().map(|s| s.id).collect::<Vec<_>>(), vec![top.id]);
    s.study_plan(&rep, t.province.id, f.doc).await.unwrap();
    // After the deadline only a make-up session; a make-up names a conference of the unit.
    let late = SessionDraft::parse(
        &SessionForm {
            title: "Học bù".into(),
            audience: "member".into(),
            format: "online".into(),
            held_on: "05/04/2025".into(),
            place: "https://meet.example.org/x".into(),
        },
        Some(d(2025, 3, 31)),
        true,
    )
    .unwrap();
    let mk = s
        .create_study_session(
            &sec,
            t.c1.id,
            f.doc,
            NewStudySession {
                draft: late.clone(),
                reporters: vec![],
                makeup_of: Some(cell.id),
            },
        )
        .await
        .unwrap();
    assert_eq!(mk.makeup_of, Some(cell.id));
    assert_eq!(
        invalid_code(
            s.create_study_session(
                &sec,
                t.c1.id,
                f.doc,
                NewStudySession {
                    draft: late,
                    reporters: vec![],
                    makeup_of: Some(top.id),
                },
            )
            .await
        ),
        ("makeup_of", "bad_choice")
    );
    assert!(audit_count(s).await >= 6);
}

/// A commune's conference counted by cell, each cell's lines on their own, paged.
async fn a_long_sheet_opens_cell_by_cell(s: &dyn FullStore) {
    let f = fixture(s).await;
    let t = &f.t;
    let sec = principal(s, AccessRole::Secretary, t.g1.id).await;
    let cs = s
        .create_study_session(&sec, t.g1.id, f.doc, plain(session("member", "15/03/2025")))
        .await
        .unwrap();
    s.record_attendance(&sec, cs.id, vec![entry(t.m1.id, AttendanceMark::Present)])
        .await
        .unwrap();
    let cells = s.attendance_cells(&sec, cs.id).await.unwrap();
    let counts: Vec<(OrgId, u64, u64, u64)> = cells
        .iter()
        .map(|c| (c.cell_id, c.members, c.present, c.unmarked()))
        .collect();
    assert_eq!(counts, [(t.c1.id, 2, 1, 1), (t.c2.id, 1, 0, 1)]);
    let names =
        |rows: Vec<SheetRow>| -> Vec<String> { rows.into_iter().map(|r| r.full_name).collect() };
    let page = |offset, limit| Page { offset, limit };
    assert_eq!(
        names(
            s.attendance_sheet_page(&sec, cs.id, Some(t.c2.id), page(0, 50))
                .await
                .unwrap()
        ),
        [t.m3.full_name.as_str()]
    );
    let all = names(s.attendance_sheet(&sec, cs.id).await.unwrap());
    assert_eq!(all.len(), 3);
    assert_eq!(
        names(
            s.attendance_sheet_page(&sec, cs.id, None, page(1, 1))
                .await
                .unwrap()
        ),
        [all[1].as_str()],
        "pages follow the sheet's order"
    );
    // Not for someone outside the commune.
    let other = principal(s, AccessRole::Secretary, t.d2.id).await;
    assert!(matches!(
        s.attendance_cells(&other, cs.id).await,
        Err(StoreError::NotFound)
    ));
}

async fn attendance_rolls_up_and_recount_agrees(s: &dyn FullStore) {
    let f = fixture(s).await;
    let t = &f.t;
    let sec = principal(s, AccessRole::Secretary, t.c1.id).await;
    let cs = s
        .create_study_session(&sec, t.c1.id, f.doc, plain(session("member", "15/03/2025")))
        .await
        .unwrap();
    let sheet = s.attendance_sheet(&sec, cs.id).await.unwrap();
    assert_eq!(sheet.len(), 2);
    assert!(sheet.iter().all(|r| r.mark.is_none()));
    let n = s
        .record_attendance(
            &sec,
            cs.id,
            vec![
                entry(t.m1.id, AttendanceMark::Present),
                entry(t.m2.id, AttendanceMark::Excused),
            ],
        )
        .await
        .unwrap();
    assert_eq!(n, 2);
    // Saving the same sheet again changes nothing.
    let again = s
        .record_attendance(
            &sec,
            cs.id,
            vec![
                entry(t.m1.id, AttendanceMark::Present),
                entry(t.m2.id, AttendanceMark::Excused),
            ],
        )
        .await
        .unwrap();
    assert_eq!(again, 0);
    // A member outside the cell: a message on that line.
    assert_eq!(
        invalid_code(
            s.record_attendance(&sec, cs.id, vec![entry(t.m4.id, AttendanceMark::Present)])
                .await
        ),
        ("attendance[0].mark", "member_outside_unit")
    );
    let root = s.participation(&sys(), t.province.id, f.doc).await.unwrap();
    assert_eq!(root.members, [0, 5]);
    assert_eq!(root.counters[1].studied, 1);
    assert_eq!(root.counters[1].excused, 1);
    assert_eq!(root.percent(), 20);
    // The excused member studies at a make-up session.
    let mk = s
        .create_study_session(
            &sec,
            t.c1.id,
            f.doc,
            NewStudySession {
                makeup_of: Some(cs.id),
                ..plain(session("member", "20/03/2025"))
            },
        )
        .await
        .unwrap();
    // The make-up sheet lists only who still has to study (not m1, present already).
    let names = |sheet: Vec<store::SheetRow>| -> Vec<MemberId> {
        sheet.into_iter().map(|r| r.member_id).collect()
    };
    assert_eq!(
        names(s.attendance_sheet(&sec, mk.id).await.unwrap()),
        [t.m2.id]
    );
    s.record_attendance(&sec, mk.id, vec![entry(t.m2.id, AttendanceMark::Present)])
        .await
        .unwrap();
    // Marked, m2 has studied, and stays on the sheet with the mark.
    assert_eq!(
        names(s.attendance_sheet(&sec, mk.id).await.unwrap()),
        [t.m2.id]
    );
    // A conference that has not taken place takes no marks: not on the sheet, not by QR.
    let tomorrow =
        domain::tz::local_date(time::OffsetDateTime::now_utc()) + time::Duration::days(1);
    let later = s
        .create_study_session(
            &sec,
            t.c1.id,
            f.doc,
            plain(
                SessionDraft::parse(
                    &SessionForm {
                        title: "Hội nghị học tập bổ sung".into(),
                        audience: "member".into(),
                        format: "in_person".into(),
                        held_on: domain::validate::format_date(tomorrow),
                        place: "Nhà văn hóa thôn".into(),
                    },
                    None,
                    false,
                )
                .unwrap(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        conflict_code(
            s.record_attendance(
                &sec,
                later.id,
                vec![entry(t.m1.id, AttendanceMark::Present)]
            )
            .await
        ),
        "session_not_held"
    );
    let m1 = member_principal(s, t.m1.id, t.c1.id).await;
    assert_eq!(
        conflict_code(s.check_in(&m1, later.id).await),
        "session_not_held"
    );
    let g1 = s.participation(&sys(), t.g1.id, f.doc).await.unwrap();
    assert_eq!(g1.counters[1].studied, 2);
    assert_eq!(g1.counters[1].made_up, 1);
    assert_eq!(g1.counters[1].excused, 0);
    let d2 = s.participation(&sys(), t.d2.id, f.doc).await.unwrap();
    assert_eq!(d2.total().studied, 0);
    let kids = s
        .participation_children(&sys(), t.province.id, f.doc)
        .await
        .unwrap();
    assert_eq!(kids.len(), 2);
    assert_eq!(kids[0].participation.percent(), 66); // Lục Nam: 2 of 3
    assert_eq!(
        s.makeups_held(&sys(), t.province.id, f.doc, d(2025, 4, 1))
            .await
            .unwrap(),
        1
    );
    let unstudied = s
        .study_roster(&sys(), t.province.id, f.doc, true, all())
        .await
        .unwrap();
    let names: Vec<_> = unstudied.iter().map(|r| r.full_name.as_str()).collect();
    assert_eq!(names, ["Lê Văn Cường", "Nguyễn Văn Dũng", "Phạm Thị Đào"]);
    // Marking present then absent takes the member back out.
    s.record_attendance(&sec, cs.id, vec![entry(t.m1.id, AttendanceMark::Absent)])
        .await
        .unwrap();
    let root = s.participation(&sys(), t.province.id, f.doc).await.unwrap();
    assert_eq!(root.total().studied, 1);
    assert_study_fresh(s, t.province.id, f.doc).await;
    // The whole-store recount includes study.
    s.recount(&sys()).await.unwrap();
    assert_eq!(
        s.participation(&sys(), t.province.id, f.doc).await.unwrap(),
        root
    );
}

async fn check_in_is_harmless_twice_and_refuses_outsiders(s: &dyn FullStore) {
    let f = fixture(s).await;
    let t = &f.t;
    let sec = principal(s, AccessRole::Secretary, t.c1.id).await;
    let cs = s
        .create_study_session(&sec, t.c1.id, f.doc, plain(today_session("member")))
        .await
        .unwrap();
    let me = member_principal(s, t.m1.id, t.c1.id).await;
    // A conference of an earlier day takes no QR check-in any more.
    let past = s
        .create_study_session(&sec, t.c1.id, f.doc, plain(session("member", "15/03/2025")))
        .await
        .unwrap();
    assert_eq!(
        conflict_code(s.check_in(&me, past.id).await),
        "checkin_day_over"
    );
    let first = s.check_in(&me, cs.id).await.unwrap();
    assert!(!first.already);
    assert_eq!(first.session.present, 1);
    let second = s.check_in(&me, cs.id).await.unwrap();
    assert!(second.already);
    assert_eq!(second.session.present, 1);
    let root = s.participation(&sys(), t.province.id, f.doc).await.unwrap();
    assert_eq!(root.total().studied, 1);
    // A member of another cell.
    let other = member_principal(s, t.m4.id, t.c3.id).await;
    assert_eq!(
        invalid_code(s.check_in(&other, cs.id).await),
        ("member", "checkin_not_your_unit")
    );
    // An account without a member.
    assert_eq!(
        invalid_code(s.check_in(&sec, cs.id).await),
        ("member", "checkin_no_member")
    );
    let sheet = s.attendance_sheet(&sec, cs.id).await.unwrap();
    let row = sheet.iter().find(|r| r.member_id == t.m1.id).unwrap();
    assert_eq!(row.mark, Some(AttendanceMark::Present));
    assert_eq!(row.via, Some(domain::study::CheckInVia::Qr));
    assert!(!s.checkin_key().await.unwrap().is_empty());
    assert_study_fresh(s, t.province.id, f.doc).await;
}

fn question(prompt: &str, correct: &str) -> Question {
    Question::parse(&QuestionForm {
        audience: "member".into(),
        prompt: prompt.into(),
        choices: "Một\nHai\nBa".into(),
        correct: correct.into(),
    })
    .unwrap()
}

async fn knowledge_check_draws_grades_and_limits_retakes(s: &dyn FullStore) {
    let f = fixture(s).await;
    let t = &f.t;
    let office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    for i in 0..6 {
        s.add_question(
            &office,
            t.province.id,
            f.doc,
            question(&format!("Câu {i}?"), "2"),
        )
        .await
        .unwrap();
    }
    assert_eq!(
        s.questions(&office, t.province.id, f.doc)
            .await
            .unwrap()
            .len(),
        6
    );
    let me = member_principal(s, t.m1.id, t.c1.id).await;
    // Not before studying.
    assert_eq!(
        invalid_code(s.check_paper(&me, f.doc).await),
        ("check", "check_not_studied")
    );
    let sec = principal(s, AccessRole::Secretary, t.c1.id).await;
    let cs = s
        .create_study_session(&sec, t.c1.id, f.doc, plain(today_session("member")))
        .await
        .unwrap();
    s.check_in(&me, cs.id).await.unwrap();
    let paper = s.check_paper(&me, f.doc).await.unwrap();
    assert_eq!(paper.attempt, 1);
    assert_eq!(paper.questions.len(), CheckRules::default().per_check);
    // The same paper on a reload.
    assert_eq!(s.check_paper(&me, f.doc).await.unwrap(), paper);
    // All wrong, twice; a resubmitted page is refused.
    // Handed in with nothing chosen: refused, and no attempt is spent.
    let blank: Vec<_> = paper.questions.iter().map(|q| (q.0, None)).collect();
    assert_eq!(
        invalid_code(s.submit_check(&me, f.doc, 1, blank).await),
        ("answers", "check_empty")
    );
    assert_eq!(s.check_paper(&me, f.doc).await.unwrap().attempt, 1);
    assert_eq!(s.last_check(&me, f.doc).await.unwrap(), None);
    let wrong: Vec<_> = paper.questions.iter().map(|q| (q.0, Some(0))).collect();
    let s1 = s.submit_check(&me, f.doc, 1, wrong.clone()).await.unwrap();
    assert!(!s1.passed);
    // The result names each question answered wrong and the answer picked.
    let last = s.last_check(&me, f.doc).await.unwrap().expect("an attempt");
    assert_eq!((last.attempt, last.score), (1, s1));
    assert_eq!(last.wrong.len(), paper.questions.len());
    assert_eq!(last.wrong[0].0, paper.questions[0].1);
    assert_eq!(
        last.wrong[0].1.as_deref(),
        Some(paper.questions[0].2[0].as_str())
    );
    assert_eq!(
        conflict_code(s.submit_check(&me, f.doc, 1, wrong).await),
        "check_attempt_taken"
    );
    let p2 = s.check_paper(&me, f.doc).await.unwrap();
    assert_eq!(p2.attempt, 2);
    let right: Vec<_> = p2.questions.iter().map(|q| (q.0, Some(1))).collect();
    let s2 = s.submit_check(&me, f.doc, 2, right).await.unwrap();
    assert!(s2.passed);
    let last = s.last_check(&me, f.doc).await.unwrap().expect("an attempt");
    assert_eq!(last.attempt, 2);
    assert!(last.wrong.is_empty());
    assert_eq!(s2.percent(), 100);
    assert_eq!(
        invalid_code(s.check_paper(&me, f.doc).await),
        ("check", "check_already_passed")
    );
    let my = s.my_study(&me).await.unwrap();
    assert_eq!(my.len(), 1);
    assert_eq!(my[0].state.check_attempts, 2);
    assert!(my[0].state.check_passed);
    assert_eq!(my[0].questions_available, 6);
    let root = s.participation(&sys(), t.province.id, f.doc).await.unwrap();
    assert_eq!(root.total().checks_passed, 1);
    assert_eq!(root.total().checks_taken, 1);
    // Three failures use up the attempts.
    let me2 = member_principal(s, t.m2.id, t.c1.id).await;
    s.check_in(&me2, cs.id).await.unwrap();
    for a in 1..=3 {
        let p = s.check_paper(&me2, f.doc).await.unwrap();
        let wrong: Vec<_> = p.questions.iter().map(|q| (q.0, Some(0))).collect();
        s.submit_check(&me2, f.doc, a, wrong).await.unwrap();
    }
    assert_eq!(
        invalid_code(s.check_paper(&me2, f.doc).await),
        ("check", "check_no_attempts_left")
    );
    assert_study_fresh(s, t.province.id, f.doc).await;
}

async fn reflections_grading_and_round_review(s: &dyn FullStore) {
    let f = fixture(s).await;
    let t = &f.t;
    let me = member_principal(s, t.m1.id, t.c1.id).await;
    assert_eq!(
        invalid_code(
            s.submit_reflection(
                &me,
                f.doc,
                NewReflection {
                    body: None,
                    file: None,
                    on: d(2025, 3, 20)
                }
            )
            .await
        ),
        ("body", "reflection_empty")
    );
    let r = s
        .submit_reflection(
            &me,
            f.doc,
            NewReflection {
                body: Some("Bài thu hoạch: liên hệ bản thân...".into()),
                file: None,
                on: d(2025, 3, 20),
            },
        )
        .await
        .unwrap();
    assert!(r.on_time);
    // A late one from another member.
    let me2 = member_principal(s, t.m2.id, t.c1.id).await;
    let late = s
        .submit_reflection(
            &me2,
            f.doc,
            NewReflection {
                body: Some("Nộp muộn".into()),
                file: None,
                on: d(2025, 4, 2),
            },
        )
        .await
        .unwrap();
    assert!(!late.on_time);
    let sec = principal(s, AccessRole::Secretary, t.c1.id).await;
    let list = s.reflections(&sec, t.c1.id, f.doc).await.unwrap();
    assert_eq!(list.len(), 2);
    // A member cannot grade; the secretary can.
    is_forbidden(
        s.grade_reflection(&me, r.id, ReflectionGrade::Excellent, None)
            .await,
    );
    let g = s
        .grade_reflection(
            &sec,
            r.id,
            ReflectionGrade::Excellent,
            Some("Sâu sắc".into()),
        )
        .await
        .unwrap();
    assert_eq!(g.grade, Some(ReflectionGrade::Excellent));
    // Once graded it is kept.
    assert_eq!(
        conflict_code(
            s.submit_reflection(
                &me,
                f.doc,
                NewReflection {
                    body: Some("Sửa".into()),
                    file: None,
                    on: d(2025, 3, 21)
                }
            )
            .await
        ),
        "reflection_graded"
    );
    let root = s.participation(&sys(), t.province.id, f.doc).await.unwrap();
    let c = root.total();
    assert_eq!(
        (
            c.reflections_on_time,
            c.reflections_late,
            c.reflections_graded,
            c.reflections_good
        ),
        (1, 1, 1, 1)
    );
    let roster = s
        .study_roster(&sec, t.c1.id, f.doc, false, all())
        .await
        .unwrap();
    assert_eq!(roster[0].study.reflection, ReflectionState::OnTime);
    // The round review: saved, then issued, then frozen.
    let office = principal(s, AccessRole::OfficeStaff, t.g1.id).await;
    let input = RoundReviewInput {
        body_md: "Kết quả học tập của Đảng bộ xã.".into(),
        commend: vec![t.m1.id],
        remind: vec![t.m3.id],
        issue_on: None,
    };
    s.save_round_review(&office, t.g1.id, f.doc, input.clone())
        .await
        .unwrap();
    assert_eq!(
        invalid_code(
            s.save_round_review(
                &office,
                t.g1.id,
                f.doc,
                RoundReviewInput {
                    remind: vec![t.m4.id],
                    ..input.clone()
                }
            )
            .await
        ),
        ("commend", "member_outside_unit")
    );
    let issued = s
        .save_round_review(
            &office,
            t.g1.id,
            f.doc,
            RoundReviewInput {
                issue_on: Some(d(2025, 4, 10)),
                ..input.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(issued.issued_on, Some(d(2025, 4, 10)));
    assert_eq!(
        conflict_code(s.save_round_review(&office, t.g1.id, f.doc, input).await),
        "round_review_issued"
    );
    is_not_found(s.round_review(&sec, t.g1.id, f.doc).await);
    let kept = s
        .round_review(&office, t.g1.id, f.doc)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((kept.commend, kept.remind), (vec![t.m1.id], vec![t.m3.id]));
    assert_study_fresh(s, t.province.id, f.doc).await;
}

/// Who reads colleagues' reflections and grades (docs/SECURITY.md, "Reflections and
/// grades"): a member of the cell reads the others' reflections only once they have handed
/// in their own, never their grades; the author reads their own with its grade; the
/// secretary and the levels above read all.
async fn colleagues_read_reflections_after_their_own_and_no_grades(s: &dyn FullStore) {
    let f = fixture(s).await;
    let t = &f.t;
    let me = member_principal(s, t.m1.id, t.c1.id).await;
    let colleague = member_principal(s, t.m2.id, t.c1.id).await;
    let hand_in = |p: Principal, body: &'static str| async move {
        s.submit_reflection(
            &p,
            f.doc,
            NewReflection {
                body: Some(body.into()),
                file: None,
                on: d(2025, 3, 20),
            },
        )
        .await
        .unwrap()
    };
    let mine = hand_in(me.clone(), "Bài thu hoạch của đồng chí An").await;
    let sec = principal(s, AccessRole::Secretary, t.c1.id).await;
    s.grade_reflection(
        &sec,
        mine.id,
        ReflectionGrade::Excellent,
        Some("Sâu sắc".into()),
    )
    .await
    .unwrap();

    // Before handing in their own, a colleague reads nothing of it, nor its grade.
    assert!(
        s.reflections(&colleague, t.c1.id, f.doc)
            .await
            .unwrap()
            .is_empty()
    );
    is_not_found(s.reflection(&colleague, mine.id).await);
    let grade_of = |roster: &[RosterRow], m: MemberId| {
        roster
            .iter()
            .find(|r| r.member_id == m)
            .unwrap()
            .study
            .grade
    };
    let roster = s
        .study_roster(&colleague, t.c1.id, f.doc, false, all())
        .await
        .unwrap();
    assert_eq!(grade_of(&roster, t.m1.id), None);

    // After: the reflection, without grade or comment.
    let theirs = hand_in(colleague.clone(), "Bài thu hoạch của đồng chí Bình").await;
    let list = s.reflections(&colleague, t.c1.id, f.doc).await.unwrap();
    assert_eq!(list.len(), 2);
    let seen = s.reflection(&colleague, mine.id).await.unwrap();
    assert_eq!(seen.body.as_deref(), Some("Bài thu hoạch của đồng chí An"));
    assert_eq!((seen.grade, seen.comment), (None, None));
    assert!(
        list.iter()
            .all(|r| r.grade.is_none() && r.comment.is_none())
    );
    assert_eq!(
        s.reflection(&colleague, theirs.id).await.unwrap().id,
        theirs.id
    );

    // The author reads their own grade; the secretary, the commune above and the
    // district's inspector read all with grades; another cell's member nothing.
    assert_eq!(
        s.reflection(&me, mine.id).await.unwrap().grade,
        Some(ReflectionGrade::Excellent)
    );
    let commune = principal(s, AccessRole::Member, t.g1.id).await;
    let inspector = principal(s, AccessRole::Inspector, t.d1.id).await;
    for overseer in [&sec, &commune, &inspector] {
        let r = s.reflection(overseer, mine.id).await.unwrap();
        assert_eq!(r.comment.as_deref(), Some("Sâu sắc"));
        let roster = s
            .study_roster(overseer, t.c1.id, f.doc, false, all())
            .await
            .unwrap();
        assert_eq!(grade_of(&roster, t.m1.id), Some(ReflectionGrade::Excellent));
    }
    let other_cell = member_principal(s, t.m3.id, t.c2.id).await;
    is_not_found(s.reflection(&other_cell, mine.id).await);
}

async fn study_authorization_by_subtree(s: &dyn FullStore) {
    let f = fixture(s).await;
    let t = &f.t;
    let office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let top = s
        .create_study_session(
            &office,
            t.province.id,
            f.doc,
            plain(session("member", "10/03/2025")),
        )
        .await
        .unwrap();
    // Another district's secretary: the first district's cell does not exist for them.
    let other = principal(s, AccessRole::Secretary, t.c3.id).await;
    is_not_found(s.study_plan(&other, t.c1.id, f.doc).await);
    is_not_found(
        s.create_study_session(
            &other,
            t.c1.id,
            f.doc,
            plain(session("member", "10/03/2025")),
        )
        .await,
    );
    is_not_found(s.participation(&other, t.g1.id, f.doc).await);
    // A member reads the cell's plan but may not change it.
    let member = principal(s, AccessRole::Member, t.c1.id).await;
    s.study_plan(&member, t.c1.id, f.doc).await.unwrap();
    is_forbidden(
        s.create_study_session(
            &member,
            t.c1.id,
            f.doc,
            plain(session("member", "10/03/2025")),
        )
        .await,
    );
    is_forbidden(
        s.save_study_content(&member, t.c1.id, f.doc, Audience::Member, "x".into())
            .await,
    );
    // The province's conference: a cell secretary may read it (a member of its subtree
    // would check in) but not mark it.
    let sec = principal(s, AccessRole::Secretary, t.c1.id).await;
    is_not_found(
        s.record_attendance(&sec, top.id, vec![entry(t.m1.id, AttendanceMark::Present)])
            .await,
    );
    is_not_found(s.study_material(&other, MaterialId(9999)).await);
    is_forbidden(s.recount_study(&office).await);
}

async fn attendance_import_is_all_or_nothing(s: &dyn FullStore) {
    let f = fixture(s).await;
    let t = &f.t;
    let office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let gs = s
        .create_study_session(
            &office,
            t.g1.id,
            f.doc,
            plain(session("member", "15/03/2025")),
        )
        .await
        .unwrap();
    let row = |m: MemberId, mark| AttendanceImportRow {
        session: gs.id,
        entry: entry(m, mark),
    };
    // One bad row (a member of another district): nothing is written.
    let e = s
        .import_attendance(
            &office,
            vec![
                row(t.m1.id, AttendanceMark::Present),
                row(t.m4.id, AttendanceMark::Present),
            ],
        )
        .await;
    assert_eq!(invalid_code(e), ("rows[1].member", "member_outside_unit"));
    assert_eq!(
        s.participation(&sys(), t.g1.id, f.doc)
            .await
            .unwrap()
            .total()
            .studied,
        0
    );
    let n = s
        .import_attendance(
            &office,
            vec![
                row(t.m1.id, AttendanceMark::Present),
                row(t.m2.id, AttendanceMark::Present),
                row(t.m3.id, AttendanceMark::Absent),
            ],
        )
        .await
        .unwrap();
    assert_eq!(n, 3);
    let g1 = s.participation(&sys(), t.g1.id, f.doc).await.unwrap();
    assert_eq!(g1.total().studied, 2);
    assert_eq!(g1.percent(), 66);
    assert_study_fresh(s, t.province.id, f.doc).await;
}

async fn moving_a_commune_moves_its_study(s: &dyn FullStore) {
    let f = fixture(s).await;
    let t = &f.t;
    let cs = s
        .create_study_session(
            &sys(),
            t.c1.id,
            f.doc,
            plain(session("member", "15/03/2025")),
        )
        .await
        .unwrap();
    s.record_attendance(
        &sys(),
        cs.id,
        vec![
            entry(t.m1.id, AttendanceMark::Present),
            entry(t.m2.id, AttendanceMark::Present),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        s.participation(&sys(), t.d1.id, f.doc)
            .await
            .unwrap()
            .total()
            .studied,
        2
    );
    s.org_move(&sys(), t.g1.id, t.d2.id, d(2025, 6, 1))
        .await
        .unwrap();
    assert_eq!(
        s.participation(&sys(), t.d1.id, f.doc)
            .await
            .unwrap()
            .total()
            .studied,
        0
    );
    let d2 = s.participation(&sys(), t.d2.id, f.doc).await.unwrap();
    assert_eq!(d2.total().studied, 2);
    assert_eq!(d2.members_total(), 5);
    let root = s.participation(&sys(), t.province.id, f.doc).await.unwrap();
    assert_eq!(root.total().studied, 2);
    // The conference moved with the commune.
    let moved = s.study_session(&sys(), cs.id).await.unwrap();
    assert!(t.d2.path.covers(&moved.org_path));
    assert_study_fresh(s, t.province.id, f.doc).await;
    assert_study_fresh(s, t.d2.id, f.doc).await;
}

async fn transferring_a_member_moves_their_study(s: &dyn FullStore) {
    let f = fixture(s).await;
    let t = &f.t;
    let gs = s
        .create_study_session(
            &sys(),
            t.g1.id,
            f.doc,
            plain(session("member", "15/03/2025")),
        )
        .await
        .unwrap();
    s.record_attendance(
        &sys(),
        gs.id,
        vec![
            entry(t.m1.id, AttendanceMark::Present),
            entry(t.m3.id, AttendanceMark::Absent),
        ],
    )
    .await
    .unwrap();
    let me = member_principal(s, t.m1.id, t.c1.id).await;
    s.submit_reflection(
        &me,
        f.doc,
        NewReflection {
            body: Some("Bài thu hoạch của tôi".into()),
            file: None,
            on: d(2025, 3, 20),
        },
    )
    .await
    .unwrap();
    let doc = f.doc;
    let studied = move |org: OrgId| async move {
        s.participation(&sys(), org, doc)
            .await
            .unwrap()
            .total()
            .studied
    };
    assert_eq!(studied(t.d1.id).await, 1);
    assert_eq!(studied(t.d2.id).await, 0);
    let audits = audit_count(s).await;
    // m1 moves from c1 (Lục Nam) to c3 (Yên Thế).
    s.member_transfer(&sys(), t.m1.id, t.c3.id, d(2025, 6, 1))
        .await
        .unwrap();
    assert_eq!(audit_count(s).await, audits + 1, "one audited transfer");
    for (org, n) in [
        (t.c1.id, 0),
        (t.g1.id, 0),
        (t.d1.id, 0),
        (t.c3.id, 1),
        (t.g2.id, 1),
        (t.d2.id, 1),
        (t.province.id, 1),
    ] {
        assert_eq!(studied(org).await, n, "studied in {org}");
    }
    let g2 = s.participation(&sys(), t.g2.id, f.doc).await.unwrap();
    assert_eq!(g2.total().reflections_on_time, 1);
    // Not on the new cell's "not yet studied" list; still studied on their own page.
    let unstudied = s
        .study_roster(&sys(), t.g2.id, f.doc, true, all())
        .await
        .unwrap();
    let ids: Vec<MemberId> = unstudied.iter().map(|r| r.member_id).collect();
    assert_eq!(ids.len(), 2);
    assert!(!ids.contains(&t.m1.id));
    assert!(ids.contains(&t.m4.id) && ids.contains(&t.m5.id));
    let mine = s.my_study(&me).await.unwrap();
    let one = mine.iter().find(|m| m.document_id == f.doc).unwrap();
    assert!(one.state.studied);
    // The reflection is graded by the new cell now.
    let c3 = s.reflections(&sys(), t.c3.id, f.doc).await.unwrap();
    assert_eq!(c3.len(), 1);
    assert!(
        s.reflections(&sys(), t.c1.id, f.doc)
            .await
            .unwrap()
            .is_empty()
    );
    assert_study_fresh(s, t.province.id, f.doc).await;
    assert_study_fresh(s, t.d1.id, f.doc).await;
    assert_study_fresh(s, t.g2.id, f.doc).await;
    // A later mark at the new cell's conference counts there, and still agrees.
    let cs = s
        .create_study_session(
            &sys(),
            t.c3.id,
            f.doc,
            plain(session("member", "25/03/2025")),
        )
        .await;
    if let Ok(cs) = cs {
        s.record_attendance(&sys(), cs.id, vec![entry(t.m1.id, AttendanceMark::Present)])
            .await
            .unwrap();
    }
    assert_eq!(studied(t.d2.id).await, 1);
    assert_study_fresh(s, t.province.id, f.doc).await;
}

async fn conferences_are_corrected_and_cancelled(s: &dyn FullStore) {
    let f = fixture(s).await;
    let t = &f.t;
    let office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let gs = s
        .create_study_session(
            &office,
            t.g1.id,
            f.doc,
            plain(session("member", "15/03/2025")),
        )
        .await
        .unwrap();
    let edit = |audience: &str, on: &str, place: &str| SessionEdit {
        draft: SessionDraft::parse(
            &SessionForm {
                title: "Hội nghị học tập Nghị quyết 05-NQ/TU".into(),
                audience: audience.into(),
                format: "online".into(),
                held_on: on.into(),
                place: place.into(),
            },
            None,
            false,
        )
        .unwrap(),
        reporters: vec![],
    };
    // Outside the subtree: not found; a member of the cell: forbidden.
    let other = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    is_not_found(
        s.update_study_session(&other, gs.id, edit("member", "16/03/2025", "Hội trường"))
            .await,
    );
    is_not_found(
        s.cancel_study_session(&other, gs.id, "Trùng lịch".into())
            .await,
    );
    let reader = principal(s, AccessRole::Member, t.g1.id).await;
    is_forbidden(
        s.update_study_session(&reader, gs.id, edit("member", "16/03/2025", "Hội trường"))
            .await,
    );
    // Before attendance: anything may change, audited.
    let audits = audit_count(s).await;
    let u = s
        .update_study_session(
            &office,
            gs.id,
            edit("key_cadre", "16/03/2025", "Hội trường xã"),
        )
        .await
        .unwrap();
    assert_eq!(u.audience, Audience::KeyCadre);
    assert_eq!(u.held_on, d(2025, 3, 16));
    assert_eq!(u.format, ConferenceFormat::Online);
    assert_eq!(u.place, "Hội trường xã");
    assert_eq!(audit_count(s).await, audits + 1);
    s.update_study_session(
        &office,
        gs.id,
        edit("member", "16/03/2025", "Hội trường xã"),
    )
    .await
    .unwrap();
    // After attendance: the audience stays, the place and date may be corrected.
    s.record_attendance(
        &office,
        gs.id,
        vec![entry(t.m1.id, AttendanceMark::Present)],
    )
    .await
    .unwrap();
    assert_eq!(
        invalid_code(
            s.update_study_session(
                &office,
                gs.id,
                edit("key_cadre", "16/03/2025", "Hội trường")
            )
            .await
        ),
        ("audience", "session_has_attendance")
    );
    let u = s
        .update_study_session(&office, gs.id, edit("member", "17/03/2025", "Nhà văn hóa"))
        .await
        .unwrap();
    assert_eq!(u.held_on, d(2025, 3, 17));
    assert_eq!(u.present, 1);
    assert_eq!(
        conflict_code(s.cancel_study_session(&office, gs.id, "Nhầm".into()).await),
        "session_has_attendance"
    );
    // A planned conference is cancelled with a reason, kept and shown as cancelled.
    let next = s
        .create_study_session(
            &office,
            t.g1.id,
            f.doc,
            plain(session("member", "25/03/2025")),
        )
        .await
        .unwrap();
    assert_eq!(
        invalid_code(s.cancel_study_session(&office, next.id, "  ".into()).await),
        ("reason", "required")
    );
    let c = s
        .cancel_study_session(&office, next.id, "Trùng lịch họp".into())
        .await
        .unwrap();
    assert!(c.is_cancelled());
    assert_eq!(c.cancel_reason.as_deref(), Some("Trùng lịch họp"));
    assert_eq!(
        conflict_code(s.cancel_study_session(&office, next.id, "x".into()).await),
        "session_cancelled"
    );
    assert_eq!(
        conflict_code(
            s.update_study_session(&office, next.id, edit("member", "26/03/2025", "x"))
                .await
        ),
        "session_cancelled"
    );
    assert_eq!(
        conflict_code(
            s.record_attendance(
                &office,
                next.id,
                vec![entry(t.m2.id, AttendanceMark::Present)]
            )
            .await
        ),
        "session_cancelled"
    );
    assert_eq!(
        invalid_code(
            s.import_attendance(
                &office,
                vec![AttendanceImportRow {
                    session: next.id,
                    entry: entry(t.m2.id, AttendanceMark::Present),
                }],
            )
            .await
        ),
        ("rows[0].session", "session_cancelled")
    );
    let me = member_principal(s, t.m2.id, t.c1.id).await;
    assert_eq!(
        conflict_code(s.check_in(&me, next.id).await),
        "session_cancelled"
    );
    let plan = s.study_plan(&office, t.g1.id, f.doc).await.unwrap();
    assert_eq!(plan.sessions.len(), 2);
    assert!(
        plan.sessions
            .iter()
            .any(|x| x.id == next.id && x.is_cancelled())
    );
    // Not among the member's conferences to attend.
    let mine = s.my_study(&me).await.unwrap();
    let one = mine.iter().find(|m| m.document_id == f.doc).unwrap();
    assert!(one.sessions.iter().all(|x| x.id != next.id));
    assert!(one.sessions.iter().any(|x| x.id == gs.id));
    assert_study_fresh(s, t.province.id, f.doc).await;
}

async fn materials_are_withdrawn_not_deleted(s: &dyn FullStore) {
    let f = fixture(s).await;
    let t = &f.t;
    let office = principal(s, AccessRole::OfficeStaff, t.g1.id).await;
    let m = s
        .add_study_material(
            &office,
            t.g1.id,
            f.doc,
            NewMaterial {
                audience: None,
                title: "Đề cương tuyên truyền".into(),
                url: Some("https://example.org/de-cuong.pdf".into()),
                file: None,
            },
        )
        .await
        .unwrap();
    let me = member_principal(s, t.m1.id, t.c1.id).await;
    s.study_material(&me, m.id).await.unwrap();
    let other = principal(s, AccessRole::OfficeStaff, t.g2.id).await;
    is_not_found(s.withdraw_study_material(&other, m.id).await);
    let reader = principal(s, AccessRole::Member, t.g1.id).await;
    is_forbidden(s.withdraw_study_material(&reader, m.id).await);
    let audits = audit_count(s).await;
    let w = s.withdraw_study_material(&office, m.id).await.unwrap();
    assert!(w.withdrawn_at.is_some());
    assert_eq!(audit_count(s).await, audits + 1);
    assert_eq!(
        conflict_code(s.withdraw_study_material(&office, m.id).await),
        "material_withdrawn"
    );
    // Gone from the plans and the member's page; the office still reaches the row.
    let plan = s.study_plan(&office, t.c1.id, f.doc).await.unwrap();
    assert!(plan.materials.iter().all(|x| x.id != m.id));
    let mine = s.my_study(&me).await.unwrap();
    assert!(
        mine.iter()
            .all(|x| x.materials.iter().all(|y| y.id != m.id))
    );
    is_not_found(s.study_material(&me, m.id).await);
    assert!(
        s.study_material(&office, m.id)
            .await
            .unwrap()
            .withdrawn_at
            .is_some()
    );
    is_not_found(s.withdraw_study_material(&office, MaterialId(99_999)).await);
}
