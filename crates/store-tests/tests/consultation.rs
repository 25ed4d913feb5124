//! The conformance suite of consultation on drafts (issue 14 items 1-3): every case runs on
//! SQLite and, when `RESOLUTE_TEST_POSTGRES` is set, on PostgreSQL.

use domain::consultation::{
    Answer, AnswerForm, Audiences, CommentForm, ConsultationForm, ItemKind, Moderation,
    ModerationDecision, Phase, PublicCommentForm, SubjectKind, Viewer,
};
use domain::{
    AccessRole, CascadeScope, OrgKind, Principal, ProgramKind, ProgramSections, ProgramState,
    TaskDraft,
};
use store::*;
use store_tests::programs::*;
use store_tests::*;

store_tests::program_suite!(
    a_program_is_issued_only_once_every_comment_is_answered,
    an_expert_sees_their_consultation_and_nothing_else,
    public_comments_are_limited_moderated_and_kept_private,
    bad_input_is_refused_and_nothing_is_saved,
);

const TODAY: time::Date = time::macros::date!(2026 - 12 - 03);

/// d1's draft program: two paragraphs of purpose, one of each other section, two tasks.
async fn draft(s: &dyn FullStore, t: &Tree, office: &Principal) -> Program {
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
    let pr = s
        .create_program_draft(
            office,
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
        office,
        pr.id,
        ProgramSections {
            purpose: "Quán triệt sâu sắc nghị quyết.\n\nNâng cao năng lực lãnh đạo.".into(),
            tasks_and_solutions: "Các nhiệm vụ trong bảng.".into(),
            organization: "Văn phòng Huyện ủy theo dõi.".into(),
        },
    )
    .await
    .unwrap();
    let task = |content: &str| TaskDraft {
        content: content.into(),
        lead_body: Some("Ban Tuyên giáo".into()),
        cooperating_bodies: vec![],
        responsible: Some(t.m1.id),
        deadline: Some(d(2027, 6, 30)),
        expected_output: Some("Báo cáo".into()),
        upper_target: None,
    };
    s.save_tasks(
        office,
        pr.id,
        vec![
            task("Tổ chức hội nghị quán triệt"),
            task("Rà soát quy chế làm việc"),
        ],
    )
    .await
    .unwrap();
    pr
}

fn form(members: bool, experts: bool, public: bool) -> ConsultationForm {
    ConsultationForm {
        title: "Lấy ý kiến dự thảo Chương trình hành động".into(),
        questions: "Nhiệm vụ nào cần bổ sung?\nThời hạn có hợp lý không?".into(),
        opens_on: "03/12/2026".into(),
        closes_on: "15/12/2026".into(),
        members,
        experts,
        public,
        text: String::new(),
    }
}

async fn open_on_program(
    s: &dyn FullStore,
    t: &Tree,
    office: &Principal,
    pr: &Program,
    audiences: (bool, bool, bool),
) -> Consultation {
    let (m, e, p) = audiences;
    s.open_consultation(
        office,
        NewConsultation {
            org_id: t.d1.id,
            subject: Subject::Program(pr.id),
            draft: form(m, e, p).parse(SubjectKind::Program, TODAY).unwrap(),
        },
        TODAY,
    )
    .await
    .unwrap()
}

async fn expert(s: &dyn FullStore, office: &Principal, c: &Consultation, name: &str) -> Principal {
    let e = s
        .invite_expert(
            office,
            c.id,
            NewExpert {
                username: name.into(),
                display_name: "PGS.TS Hoàng Minh Khôi".into(),
                affiliation: Some("Học viện Chính trị khu vực I".into()),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$x$y".into(),
            },
            TODAY,
        )
        .await
        .unwrap();
    s.principal(e.user_id).await.unwrap().unwrap()
}

fn comment(item: Option<&DraftItem>, body: &str, proposed: &str) -> CommentForm {
    CommentForm {
        item: item.map(|i| i.id.to_string()).unwrap_or_default(),
        body: body.into(),
        proposed: proposed.into(),
    }
}

fn answer(a: &str, reason: &str, changed: &str) -> domain::consultation::AnswerDraft {
    AnswerForm {
        answer: a.into(),
        reason: reason.into(),
        changed_text: changed.into(),
    }
    .parse()
    .unwrap()
}

async fn a_program_is_issued_only_once_every_comment_is_answered(s: &dyn FullStore) {
    let t = tree(s).await;
    let office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let pr = draft(s, &t, &office).await;
    let c = open_on_program(s, &t, &office, &pr, (true, true, true)).await;
    // The snapshot: four paragraphs under the three headings, then the two tasks.
    let kinds: Vec<(ItemKind, u32)> = c.items.iter().map(|i| (i.kind, i.number)).collect();
    assert_eq!(
        kinds,
        vec![
            (ItemKind::Paragraph, 1),
            (ItemKind::Paragraph, 2),
            (ItemKind::Paragraph, 3),
            (ItemKind::Paragraph, 4),
            (ItemKind::Task, 1),
            (ItemKind::Task, 2),
        ]
    );
    assert_eq!(c.phase, Phase::Open);
    assert_eq!(c.viewer, Viewer::Office);
    assert_eq!(c.questions.len(), 2);

    // Later edits of the draft do not move the snapshot.
    s.save_program_sections(
        &office,
        pr.id,
        ProgramSections {
            purpose: "Một đoạn mới ở đầu.\n\nQuán triệt sâu sắc nghị quyết.".into(),
            tasks_and_solutions: "Các nhiệm vụ trong bảng.".into(),
            organization: "Văn phòng Huyện ủy theo dõi.".into(),
        },
    )
    .await
    .unwrap();
    let again = s.consultation(&office, c.id, TODAY).await.unwrap();
    assert_eq!(again.items, c.items);

    // A member of a cell of the district comments on paragraph 2, with a new wording.
    let member = principal(s, AccessRole::Member, t.c1.id).await;
    let mc = s
        .comment_on(
            &member,
            c.id,
            comment(
                Some(&c.items[1]),
                "Cần nêu rõ lĩnh vực.",
                "Nâng cao năng lực lãnh đạo về kinh tế.",
            )
            .parse(&c.items.iter().map(|i| i.id).collect::<Vec<_>>())
            .unwrap(),
            TODAY,
        )
        .await
        .unwrap();
    assert_eq!(mc.source, CommentSource::Member);
    assert_eq!(mc.moderation, Moderation::Published);
    // An expert comments on task 1; a citizen on the whole draft.
    let ex = expert(s, &office, &c, "chuyengia.khoi").await;
    let ids: Vec<_> = c.items.iter().map(|i| i.id).collect();
    let ec = s
        .comment_on(
            &ex,
            c.id,
            comment(Some(&c.items[4]), "Nên giao thời hạn theo quý.", "")
                .parse(&ids)
                .unwrap(),
            TODAY,
        )
        .await
        .unwrap();
    assert_eq!(ec.source, CommentSource::Expert);
    assert_eq!(
        ec.affiliation.as_deref(),
        Some("Học viện Chính trị khu vực I")
    );
    let pc = s
        .public_comment(
            c.id,
            PublicCommentForm {
                name: "Nguyễn Thị Lan".into(),
                contact: "0912 345 678".into(),
                comment: comment(None, "Đề nghị bổ sung nhiệm vụ chuyển đổi số.", ""),
            }
            .parse(&ids)
            .unwrap(),
            "addr-1",
            TODAY,
        )
        .await
        .unwrap();

    // Members and experts see their own comment; the office sees all, with the contact.
    let seen = s.consultation(&member, c.id, TODAY).await.unwrap();
    assert_eq!(seen.viewer, Viewer::Member);
    assert_eq!(seen.comments.len(), 1);
    assert!(seen.comments[0].mine);
    let all = s.consultation(&office, c.id, TODAY).await.unwrap();
    assert_eq!(all.comments.len(), 3);
    assert_eq!(all.unanswered, 3);
    assert_eq!(all.pending, 1);
    assert_eq!(all.comments[2].contact.as_deref(), Some("0912 345 678"));
    assert_eq!(all.experts.len(), 1);

    // Issuing waits for the end of the period, then for every answer.
    assert_eq!(
        conflict_code(s.issue_program(&office, pr.id, TODAY).await),
        "consultation_open"
    );
    let ended = s.end_consultation(&office, c.id, TODAY).await.unwrap();
    assert_eq!(ended.phase, Phase::Closed);
    assert_eq!(
        conflict_code(s.issue_program(&office, pr.id, TODAY).await),
        "consultation_unanswered"
    );
    let gate = s.program_gate(pr.id, TODAY).await.unwrap();
    assert_eq!(domain::consultation::unanswered_total(&gate), 3);
    // Commenting is over.
    assert_eq!(
        conflict_code(
            s.comment_on(
                &member,
                c.id,
                comment(None, "Muộn rồi.", "").parse(&ids).unwrap(),
                TODAY
            )
            .await
        ),
        "consultation_not_open"
    );

    s.answer_comment(
        &office,
        mc.id,
        answer("taken_in", "", "Nâng cao năng lực lãnh đạo về kinh tế."),
        TODAY,
    )
    .await
    .unwrap();
    s.answer_comment(
        &office,
        ec.id,
        answer(
            "partly_taken_in",
            "Giao theo quý cho nhiệm vụ trọng tâm.",
            "",
        ),
        TODAY,
    )
    .await
    .unwrap();
    // An expert answers nothing.
    is_forbidden(
        s.answer_comment(&ex, ec.id, answer("taken_in", "", ""), TODAY)
            .await,
    );
    s.moderate_comment(&office, pc, ModerationDecision::Publish, TODAY)
        .await
        .unwrap();
    let last = s
        .answer_comment(
            &office,
            pc,
            answer(
                "not_taken_in",
                "Đã có trong nhiệm vụ của Ban Tuyên giáo.",
                "",
            ),
            TODAY,
        )
        .await
        .unwrap();
    assert_eq!(last.answer, Some(Answer::NotTakenIn));
    // The commenters see their answers.
    let mine = s.consultation(&ex, c.id, TODAY).await.unwrap();
    assert_eq!(mine.comments[0].answer, Some(Answer::PartlyTakenIn));
    // The public page shows the published comment and its answer, not who wrote it.
    let public = s.public_consultation(c.id, TODAY).await.unwrap();
    assert_eq!(public.comments.len(), 1);
    assert_eq!(public.comments[0].answer, Some(Answer::NotTakenIn));

    let issued = s
        .issue_program(&office, pr.id, d(2026, 12, 20))
        .await
        .unwrap();
    assert_eq!(issued.state, ProgramState::Issued);
    // Issued: the answers stand.
    assert_eq!(
        conflict_code(
            s.answer_comment(&office, mc.id, answer("taken_in", "", ""), TODAY)
                .await
        ),
        "consultation_finalized"
    );
    let entities: Vec<String> = s
        .audit_list(
            &sys(),
            AuditFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.action, e.entity))
        .collect();
    for want in [
        "open consultation",
        "comment consultation_comment",
        "invite consultation_expert",
        "moderate consultation_comment",
        "answer consultation_comment",
        "end consultation",
    ] {
        assert!(entities.iter().any(|e| e == want), "audited: {want}");
    }
}

async fn an_expert_sees_their_consultation_and_nothing_else(s: &dyn FullStore) {
    let t = tree(s).await;
    let office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let pr = draft(s, &t, &office).await;
    let c = open_on_program(s, &t, &office, &pr, (false, true, false)).await;
    let other = s
        .open_consultation(
            &office,
            NewConsultation {
                org_id: t.d1.id,
                subject: Subject::Text(SubjectKind::Report),
                draft: ConsultationForm {
                    text: "Báo cáo sơ kết.\n\nKết quả đạt được.".into(),
                    ..form(false, true, false)
                }
                .parse(SubjectKind::Report, TODAY)
                .unwrap(),
            },
            TODAY,
        )
        .await
        .unwrap();
    assert_eq!(other.items.len(), 2);
    let ex = expert(s, &office, &c, "chuyengia.an").await;
    assert!(ex.grants.is_empty(), "an expert holds no grant");
    assert_eq!(
        s.consultation(&ex, c.id, TODAY).await.unwrap().viewer,
        Viewer::Expert
    );
    is_not_found(s.consultation(&ex, other.id, TODAY).await);
    is_not_found(s.org_get(&ex, t.d1.id).await);
    is_not_found(s.program(&ex, pr.id).await);
    is_not_found(s.unit_consultations(&ex, t.d1.id, TODAY).await);
    let mine = s.my_consultations(&ex, TODAY).await.unwrap();
    assert_eq!(mine.iter().map(|m| m.id).collect::<Vec<_>>(), vec![c.id]);
    // Members are not asked here: a member of the district sees nothing.
    let member = principal(s, AccessRole::Member, t.c1.id).await;
    is_not_found(s.consultation(&member, c.id, TODAY).await);
    assert!(s.my_consultations(&member, TODAY).await.unwrap().is_empty());
    // Another district sees nothing; the province reads.
    let office2 = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    is_not_found(s.consultation(&office2, c.id, TODAY).await);
    let province = principal(s, AccessRole::Inspector, t.province.id).await;
    assert_eq!(
        s.consultation(&province, c.id, TODAY).await.unwrap().viewer,
        Viewer::Reader
    );
    // The expert of one consultation answers nothing and invites nobody.
    is_forbidden(
        s.invite_expert(
            &ex,
            c.id,
            NewExpert {
                username: "ban.cua.an".into(),
                display_name: "Bạn".into(),
                affiliation: None,
                password_hash: "x".into(),
            },
            TODAY,
        )
        .await,
    );
    let unit = s.unit_consultations(&office, t.d1.id, TODAY).await.unwrap();
    assert_eq!(unit.len(), 2);
}

async fn public_comments_are_limited_moderated_and_kept_private(s: &dyn FullStore) {
    let t = tree(s).await;
    let office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let pr = draft(s, &t, &office).await;
    let c = open_on_program(s, &t, &office, &pr, (false, false, true)).await;
    let ids: Vec<_> = c.items.iter().map(|i| i.id).collect();
    let public = |body: String| {
        PublicCommentForm {
            name: "Người dân".into(),
            contact: "dan@example.org".into(),
            comment: comment(None, &body, ""),
        }
        .parse(&ids)
        .unwrap()
    };
    for i in 0..domain::consultation::MAX_FROM_ADDRESS {
        s.public_comment(
            c.id,
            public(format!("Góp ý thứ {i} về dự thảo")),
            "flood",
            TODAY,
        )
        .await
        .unwrap();
    }
    assert_eq!(
        conflict_code(
            s.public_comment(c.id, public("Một góp ý nữa".into()), "flood", TODAY)
                .await
        ),
        "comment_flood_address"
    );
    // Another address is not slowed; a repeat is refused.
    let kept = s
        .public_comment(
            c.id,
            public("Đề nghị làm rõ thời hạn".into()),
            "other",
            TODAY,
        )
        .await
        .unwrap();
    assert_eq!(
        conflict_code(
            s.public_comment(
                c.id,
                public("đề nghị làm rõ THỜI HẠN!".into()),
                "third",
                TODAY
            )
            .await
        ),
        "comment_repeated"
    );
    // The portal lists it: one line.
    let open = s
        .open_public_consultations(t.province.id, TODAY)
        .await
        .unwrap();
    assert_eq!(open.iter().map(|o| o.id).collect::<Vec<_>>(), vec![c.id]);
    assert!(
        s.open_public_consultations(t.d2.id, TODAY)
            .await
            .unwrap()
            .is_empty()
    );
    // Nothing is public before moderation; a reader never sees a contact.
    assert!(
        s.public_consultation(c.id, TODAY)
            .await
            .unwrap()
            .comments
            .is_empty()
    );
    s.moderate_comment(
        &office,
        kept,
        ModerationDecision::parse("reject", "Trùng ý").unwrap(),
        TODAY,
    )
    .await
    .unwrap();
    assert_eq!(
        conflict_code(
            s.moderate_comment(&office, kept, ModerationDecision::Publish, TODAY)
                .await
        ),
        "comment_not_pending"
    );
    let province = principal(s, AccessRole::Inspector, t.province.id).await;
    let read = s.consultation(&province, c.id, TODAY).await.unwrap();
    assert!(read.comments.iter().all(|c| c.contact.is_none()));
    // The rest (five pending) is closed with one reason once the period is over; the
    // rejected one needs no answer.
    assert_eq!(
        conflict_code(s.close_rest(&office, c.id, "Đã tổng hợp", TODAY).await),
        "consultation_still_open"
    );
    let later = d(2026, 12, 16);
    assert_eq!(
        s.close_rest(&office, c.id, "Đã tổng hợp chung trong báo cáo", later)
            .await
            .unwrap(),
        5
    );
    let after = s.consultation(&office, c.id, later).await.unwrap();
    assert_eq!(after.unanswered, 0);
    assert_eq!(
        after.rest_reason.as_deref(),
        Some("Đã tổng hợp chung trong báo cáo")
    );
    s.issue_program(&office, pr.id, later).await.unwrap();
    // A consultation not open to the public has no public page.
    let pr2 = s.program(&office, pr.id).await.unwrap();
    assert_eq!(pr2.state, ProgramState::Issued);
    let members_only = s
        .open_consultation(
            &office,
            NewConsultation {
                org_id: t.d1.id,
                subject: Subject::Text(SubjectKind::Resolution),
                draft: ConsultationForm {
                    text: "Dự thảo nghị quyết.".into(),
                    ..form(true, false, false)
                }
                .parse(SubjectKind::Resolution, TODAY)
                .unwrap(),
            },
            TODAY,
        )
        .await
        .unwrap();
    is_not_found(s.public_consultation(members_only.id, TODAY).await);
    is_not_found(
        s.public_comment(members_only.id, public("Xin góp ý".into()), "x", TODAY)
            .await,
    );
}

async fn bad_input_is_refused_and_nothing_is_saved(s: &dyn FullStore) {
    let t = tree(s).await;
    let office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let pr = draft(s, &t, &office).await;
    let before = audit_count(s).await;
    // Another district's office may not open one on d1's program.
    let office2 = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    let before2 = audit_count(s).await;
    assert!(before2 >= before);
    let draft = form(true, false, false)
        .parse(SubjectKind::Program, TODAY)
        .unwrap();
    is_not_found(
        s.open_consultation(
            &office2,
            NewConsultation {
                org_id: t.d1.id,
                subject: Subject::Program(pr.id),
                draft: draft.clone(),
            },
            TODAY,
        )
        .await,
    );
    // A program of another unit (one the province reads) is no choice.
    let province_office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let after_users = audit_count(s).await;
    assert_eq!(
        invalid_code(
            s.open_consultation(
                &province_office,
                NewConsultation {
                    org_id: t.province.id,
                    subject: Subject::Program(pr.id),
                    draft: draft.clone(),
                },
                TODAY,
            )
            .await
        ),
        ("program_id", "bad_choice")
    );
    // A member may not open one.
    let member = principal(s, AccessRole::Member, t.d1.id).await;
    let after_member = audit_count(s).await;
    is_forbidden(
        s.open_consultation(
            &member,
            NewConsultation {
                org_id: t.d1.id,
                subject: Subject::Program(pr.id),
                draft: draft.clone(),
            },
            TODAY,
        )
        .await,
    );
    assert_eq!(audit_count(s).await, after_member);
    assert!(after_member >= after_users);
    let c = open_on_program(s, &t, &office, &pr, (true, false, false)).await;
    // No experts asked: nobody is invited; an item of nothing is refused.
    assert_eq!(
        conflict_code(
            s.invite_expert(
                &office,
                c.id,
                NewExpert {
                    username: "chuyengia.x".into(),
                    display_name: "X".into(),
                    affiliation: None,
                    password_hash: "h".into(),
                },
                TODAY,
            )
            .await
        ),
        "consultation_no_experts"
    );
    let n = audit_count(s).await;
    let bad = domain::consultation::CommentDraft {
        item: Some(domain::consultation::ItemId(999_999)),
        body: "x".into(),
        proposed: None,
    };
    assert_eq!(
        invalid_code(s.comment_on(&member, c.id, bad, TODAY).await),
        ("item", "bad_choice")
    );
    assert_eq!(audit_count(s).await, n);
    assert_eq!(
        s.consultation(&office, c.id, TODAY)
            .await
            .unwrap()
            .comments
            .len(),
        0
    );
    let _ = Audiences::default();
}
