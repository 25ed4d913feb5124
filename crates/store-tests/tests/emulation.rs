//! The conformance suite of emulation and commendation (issue 17 items 4-5): a movement
//! launched from a resolution's targets, pledges with their progress read from the record,
//! nominations, the council's vote, the decision and the register; quarters closed from the
//! record and the advanced models found in them; who sees and does what. Every case runs
//! on SQLite and, when `RESOLUTE_TEST_POSTGRES` is set, on PostgreSQL.

use domain::emulation::{
    DecisionDraft, MovementDraft, MovementState, NominationState, PassRule, Vote,
};
use domain::models::{Settings, quarter_of};
use domain::{
    AccessRole, CascadeScope, Direction, MemberId, OrgKind, ProgramKind, ProgramSections,
    RollupRule, Target, TargetId, TaskDraft, TaskStatus,
};
use store::*;
use store_tests::programs::*;
use store_tests::*;

store_tests::program_suite!(
    a_movement_runs_from_pledges_to_awards,
    award_kinds_are_limited_per_level_as_data,
    movements_and_pledges_are_seen_by_their_units_only,
    advanced_models_are_found_in_closed_quarters,
);

fn rate(goal: f64) -> Target {
    Target {
        indicator: "Tỷ lệ đảng viên học tập nghị quyết".into(),
        baseline: Some(0.0),
        target_value: goal,
        unit: "%".into(),
        deadline: Some(d(2025, 12, 31)),
        direction: Direction::Increase,
        rule: RollupRule::Average,
    }
}

fn admitted(goal: f64) -> Target {
    Target {
        indicator: "Kết nạp đảng viên mới".into(),
        unit: "đảng viên".into(),
        rule: RollupRule::Sum,
        ..rate(goal)
    }
}

struct World {
    t: Tree,
    doc: Document,
    rate: TargetId,
    /// Six grassroots units of Lục Nam beside Bảo Đài, each with a cell and a member.
    extra: Vec<(Org, MemberId)>,
}

async fn world(s: &dyn FullStore, extra: usize) -> World {
    let t = tree(s).await;
    let mut more = Vec::new();
    for i in 0..extra {
        let g = org(
            s,
            Some(t.d1.id),
            OrgKind::Grassroots,
            &format!("Đảng ủy xã Số {}", i + 1),
            None,
        )
        .await;
        let c = org(s, Some(g.id), OrgKind::Cell, "Chi bộ thôn 1", None).await;
        let m = member(s, c.id, &format!("Hoàng Văn Số {}", i + 1)).await;
        more.push((g, m.id));
    }
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
        extra: more,
    }
}

fn draft() -> MovementDraft {
    MovementDraft {
        title: "Thi đua thực hiện thắng lợi Nghị quyết 05-NQ/TU".into(),
        content: "Phát động phong trào thi đua trong toàn Đảng bộ.".into(),
        starts_on: Some(d(2025, 1, 1)),
        ends_on: Some(d(2026, 12, 31)),
        pledge_by: Some(d(2026, 12, 31)),
    }
}

/// An issued program of `org` with one task serving `serves`; returns the task.
async fn program_with_task(
    s: &dyn FullStore,
    w: &World,
    org: domain::OrgId,
    who: MemberId,
    serves: TargetId,
) -> TaskRecord {
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
    s.save_program_sections(
        &sys(),
        pr.id,
        ProgramSections {
            purpose: "Quán triệt nghị quyết.".into(),
            tasks_and_solutions: "Các nhiệm vụ trong bảng.".into(),
            organization: "Văn phòng theo dõi.".into(),
        },
    )
    .await
    .unwrap();
    s.save_tasks(
        &sys(),
        pr.id,
        vec![TaskDraft {
            content: "Tổ chức học tập nghị quyết cho toàn thể đảng viên".into(),
            lead_body: Some("Ban Tuyên giáo".into()),
            cooperating_bodies: vec!["Văn phòng".into()],
            responsible: Some(who),
            deadline: Some(d(2025, 12, 31)),
            expected_output: Some("Báo cáo kết quả".into()),
            upper_target: Some(serves),
        }],
    )
    .await
    .unwrap();
    s.issue_program(&sys(), pr.id, d(2025, 4, 20))
        .await
        .unwrap();
    s.program_tasks(&sys(), pr.id).await.unwrap().remove(0)
}

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

fn vote(members: u32, f: u32, a: u32, ab: u32) -> VoteInput {
    VoteInput {
        met_on: Some(d(2026, 11, 20)),
        vote: Vote {
            members,
            for_votes: f,
            against: a,
            abstain: ab,
        },
        rule: PassRule::default(),
    }
}

async fn a_movement_runs_from_pledges_to_awards(s: &dyn FullStore) {
    let w = world(s, 0).await;
    let t = &w.t;
    let office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let lucnam = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let before = audit_count(s).await;

    // A resolution without targets cannot carry a movement.
    let bare = s
        .register_document(&sys(), resolution(t.province.id, "06-NQ/TU"))
        .await
        .unwrap();
    assert_eq!(
        invalid_code(
            s.launch_movement(&office, t.province.id, bare.id, draft())
                .await
        ),
        ("document_id", "emulation_no_targets")
    );
    // A district office does not even see the province.
    is_not_found(
        s.launch_movement(&lucnam, t.province.id, w.doc.id, draft())
            .await,
    );
    let bad = MovementDraft {
        title: " ".into(),
        ..draft()
    };
    assert_eq!(
        invalid_code(
            s.launch_movement(&office, t.province.id, w.doc.id, bad)
                .await
        ),
        ("title", "required")
    );

    let m = s
        .launch_movement(&office, t.province.id, w.doc.id, draft())
        .await
        .unwrap();
    assert_eq!(m.state, MovementState::Open);
    assert_eq!(m.document_symbol, "05-NQ/TU");
    let view = s.movement(&lucnam, m.id).await.unwrap();
    assert_eq!(view.targets.len(), 2, "the resolution's targets are copied");
    assert_eq!(view.targets[0].source_target_id, w.rate);
    assert!(!view.may_manage);
    assert_eq!(view.my_units, vec![(t.d1.id, t.d1.name.clone())]);
    let listed = s.movements(&lucnam, t.d1.id).await.unwrap();
    assert_eq!(listed.len(), 1);

    // Lục Nam pledges 95% and 20 new members; its progress is read from the record.
    let rate_t = view.targets[0].id;
    let count_t = view.targets[1].id;
    let pledge = s
        .save_pledge(
            &lucnam,
            m.id,
            t.d1.id,
            PledgeInput {
                commitments: "100% chi bộ học tập nghị quyết đúng hạn.".into(),
                values: vec![(rate_t, 95.0), (count_t, 20.0)],
            },
            d(2025, 3, 1),
        )
        .await
        .unwrap();
    assert_eq!(pledge.lines.len(), 2);
    assert_eq!(pledge.lines[0].current, None);
    let task = program_with_task(s, &w, t.d1.id, t.m1.id, w.rate).await;
    report(s, &task, 97.0).await;
    let view = s.movement(&lucnam, m.id).await.unwrap();
    let line = &view.pledges[0].lines[0];
    assert_eq!(line.current, Some(97.0));
    assert!(line.reached);
    // A bad value, an unknown target, a late pledge.
    assert_eq!(
        invalid_code(
            s.save_pledge(
                &lucnam,
                m.id,
                t.d1.id,
                PledgeInput {
                    commitments: "x".into(),
                    values: vec![(rate_t, -1.0)],
                },
                d(2025, 3, 1),
            )
            .await
        ),
        ("value", "emulation_pledge_value")
    );
    assert_eq!(
        conflict_code(
            s.save_pledge(
                &lucnam,
                m.id,
                t.d1.id,
                PledgeInput {
                    commitments: "x".into(),
                    values: vec![],
                },
                d(2027, 1, 1),
            )
            .await
        ),
        "emulation_pledge_late"
    );
    // Nominations wait for the movement to close.
    let nom = |org: Option<domain::OrgId>, member: Option<MemberId>, kind: &str| NewNomination {
        nominator_org_id: t.d1.id,
        org_id: org,
        member_id: member,
        award_kind: kind.into(),
        achievements: "Dẫn đầu phong trào thi đua.".into(),
        proposed_level: Some("Hoàn thành xuất sắc nhiệm vụ".into()),
    };
    assert_eq!(
        conflict_code(
            s.nominate(&lucnam, m.id, nom(Some(t.g1.id), None, "bang_khen_tinh"))
                .await
        ),
        "emulation_not_closed"
    );
    is_forbidden(s.close_movement(&lucnam, m.id).await);
    s.close_movement(&office, m.id).await.unwrap();
    assert_eq!(
        conflict_code(s.close_movement(&office, m.id).await),
        "emulation_closed"
    );

    let n1 = s
        .nominate(&lucnam, m.id, nom(Some(t.g1.id), None, "bang_khen_tinh"))
        .await
        .unwrap();
    assert_eq!(n1.state, NominationState::Proposed);
    assert_eq!(
        n1.proposed_level.as_deref(),
        Some("Hoàn thành xuất sắc nhiệm vụ")
    );
    let n2 = s
        .nominate(&lucnam, m.id, nom(None, Some(t.m1.id), "bang_khen_tinh"))
        .await
        .unwrap();
    assert_eq!(n2.org_id, t.c1.id, "a member is nominated with their cell");
    let n3 = s
        .nominate(&lucnam, m.id, nom(Some(t.d1.id), None, "co_thi_dua_tinh"))
        .await
        .unwrap();
    // The province's standing committee gives no Giấy khen (award_kind_levels, 0024).
    assert_eq!(
        invalid_code(
            s.nominate(&lucnam, m.id, nom(Some(t.g1.id), None, "giay_khen"))
                .await
        ),
        ("award_kind", "award_kind_level")
    );
    // A title for individuals cannot go to a unit; Lục Nam cannot nominate Yên Thế's units.
    assert_eq!(
        invalid_code(
            s.nominate(
                &lucnam,
                m.id,
                nom(Some(t.g1.id), None, "chien_si_thi_dua_co_so")
            )
            .await
        ),
        ("award_kind", "award_kind_recipient")
    );
    assert_eq!(
        invalid_code(
            s.nominate(&lucnam, m.id, nom(Some(t.g2.id), None, "giay_khen"))
                .await
        )
        .0,
        "org_id"
    );
    assert_eq!(
        conflict_code(
            s.nominate(&lucnam, m.id, nom(Some(t.g1.id), None, "bang_khen_tinh"))
                .await
        ),
        "emulation_nomination_exists"
    );

    // The council: 9 members; 6 for passes, 4 for does not (more than half of all members).
    is_forbidden(s.record_vote(&lucnam, n1.id, vote(9, 6, 1, 1)).await);
    assert_eq!(
        invalid_code(s.record_vote(&office, n1.id, vote(9, 6, 4, 0)).await),
        ("for_votes", "emulation_votes_exceed")
    );
    let v1 = s
        .record_vote(&office, n1.id, vote(9, 6, 1, 1))
        .await
        .unwrap();
    assert_eq!(v1.state, NominationState::Passed);
    assert_eq!(v1.vote.as_ref().unwrap().needed, 5);
    let v2 = s
        .record_vote(&office, n2.id, vote(9, 7, 0, 0))
        .await
        .unwrap();
    assert_eq!(v2.state, NominationState::Passed);
    let v3 = s
        .record_vote(&office, n3.id, vote(9, 4, 2, 1))
        .await
        .unwrap();
    assert_eq!(v3.state, NominationState::Rejected);
    assert_eq!(
        conflict_code(s.record_vote(&office, n3.id, vote(9, 8, 0, 0)).await),
        "emulation_already_voted"
    );

    // The decision awards only what passed.
    let decision = |number: &str| DecisionDraft {
        number: number.into(),
        signed_on: Some(d(2026, 12, 1)),
        signer_name: "Nguyễn Văn Gấm".into(),
        signer_title: "Bí thư Tỉnh ủy".into(),
        summary: "Khen thưởng các tập thể, cá nhân có thành tích xuất sắc.".into(),
    };
    assert_eq!(
        conflict_code(
            s.issue_decision(
                &office,
                m.id,
                decision("125-QĐ/TU"),
                vec![(n3.id, String::new())]
            )
            .await
        ),
        "emulation_not_passed"
    );
    assert_eq!(
        invalid_code(
            s.issue_decision(
                &office,
                m.id,
                decision("05-NQ/TU"),
                vec![(n1.id, String::new())]
            )
            .await
        ),
        ("number", "doc_type_mismatch")
    );
    let dec = s
        .issue_decision(
            &office,
            m.id,
            decision("125-QĐ/TU"),
            vec![
                (
                    n1.id,
                    "Đã có thành tích xuất sắc trong phong trào thi đua.".into(),
                ),
                (n2.id, String::new()),
            ],
        )
        .await
        .unwrap();
    assert_eq!(dec.number, "125-QĐ/TU");
    assert_eq!(
        conflict_code(
            s.issue_decision(
                &office,
                m.id,
                decision("125-QĐ/TU"),
                vec![(n1.id, String::new())]
            )
            .await
        ),
        "emulation_number_taken"
    );
    // The register: per unit, and the movement's public register.
    let lucnam_awards = s.unit_awards(&lucnam, t.d1.id).await.unwrap();
    assert_eq!(lucnam_awards.len(), 2);
    let names: Vec<&str> = lucnam_awards
        .iter()
        .map(|a| a.award_name.as_str())
        .collect();
    assert!(
        names.contains(&"Bằng khen của Ban Thường vụ Tỉnh ủy"),
        "{names:?}"
    );
    let member_award = lucnam_awards
        .iter()
        .find(|a| a.member_id == Some(t.m1.id))
        .unwrap();
    assert_eq!(member_award.member_name.as_deref(), Some("Nguyễn Văn An"));
    assert_eq!(member_award.citation, "Dẫn đầu phong trào thi đua.");
    assert!(s.unit_awards(&sys(), t.d2.id).await.unwrap().is_empty());
    // Yên Thế reads the public register of the province's movement, not Lục Nam's pledge.
    let yenthe = principal(s, AccessRole::Secretary, t.d2.id).await;
    let seen = s.movement(&yenthe, m.id).await.unwrap();
    assert_eq!(seen.awards.len(), 2);
    assert!(seen.pledges.is_empty());
    assert_eq!(seen.hidden_pledges, 1);
    assert!(seen.nominations.is_empty());
    assert_eq!(
        s.award(&yenthe, member_award.id).await.unwrap().id,
        member_award.id
    );
    let n = s.movement(&sys(), m.id).await.unwrap().nominations;
    assert_eq!(
        n.iter()
            .filter(|n| n.state == NominationState::Awarded)
            .count(),
        2
    );
    // Every write was audited: launch, pledge ×1, close, 3 nominations, 3 votes, the
    // decision and 2 awards (and the program's own entries).
    let entries = s
        .audit_list(
            &sys(),
            AuditFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let ours = entries
        .iter()
        .filter(|e| e.entity.starts_with("emulation_"))
        .count();
    assert_eq!(
        ours,
        1 + 1 + 1 + 3 + 3 + 1 + 2,
        "{}",
        audit_count(s).await - before
    );
}

async fn award_kinds_are_limited_per_level_as_data(s: &dyn FullStore) {
    let w = world(s, 0).await;
    let t = &w.t;
    // The defaults: Bằng khen and Cờ thi đua by the province, Giấy khen by the district
    // and grassroots levels; the titles' rows marked unconfirmed.
    let kinds = s.award_kinds(&sys()).await.unwrap();
    let kind = |code: &str| kinds.iter().find(|k| k.code == code).unwrap().clone();
    assert_eq!(kind("bang_khen_tinh").levels, vec![OrgKind::Provincial]);
    assert_eq!(
        kind("giay_khen").levels,
        vec![OrgKind::DirectlyAffiliated, OrgKind::Grassroots]
    );
    let levels = s.award_levels(&sys()).await.unwrap();
    assert!(
        levels
            .iter()
            .any(|l| l.award_kind == "bang_khen_tinh" && l.confirmed && l.basis.contains("HD 01"))
    );
    assert!(
        levels
            .iter()
            .any(|l| l.award_kind == "chien_si_thi_dua_co_so" && !l.confirmed)
    );
    // A district's movement may give Giấy khen, not Bằng khen.
    let lucnam = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let m = s
        .launch_movement(&lucnam, t.d1.id, w.doc.id, draft())
        .await
        .unwrap();
    s.close_movement(&lucnam, m.id).await.unwrap();
    let nom = |kind: &str| NewNomination {
        nominator_org_id: t.d1.id,
        org_id: Some(t.g1.id),
        member_id: None,
        award_kind: kind.into(),
        achievements: "Dẫn đầu phong trào thi đua.".into(),
        proposed_level: None,
    };
    assert_eq!(
        invalid_code(s.nominate(&lucnam, m.id, nom("bang_khen_tinh")).await),
        ("award_kind", "award_kind_level")
    );
    let n = s.nominate(&lucnam, m.id, nom("giay_khen")).await.unwrap();
    s.record_vote(&lucnam, n.id, vote(9, 7, 1, 1))
        .await
        .unwrap();
    // The limits are data: an office may not edit them; the province's administrator may.
    is_forbidden(
        s.set_award_levels(&lucnam, "giay_khen", vec![OrgKind::Provincial])
            .await,
    );
    let district_admin = principal(s, AccessRole::Admin, t.d1.id).await;
    is_forbidden(
        s.set_award_levels(&district_admin, "giay_khen", vec![])
            .await,
    );
    let admin = principal(s, AccessRole::Admin, t.province.id).await;
    assert_eq!(
        invalid_code(
            s.set_award_levels(&admin, "giay_khen", vec![OrgKind::Cell])
                .await
        ),
        ("levels", "bad_choice")
    );
    assert_eq!(
        invalid_code(s.set_award_levels(&admin, "no_such_kind", vec![]).await),
        ("award_kind", "bad_choice")
    );
    let k = s
        .set_award_levels(
            &admin,
            "giay_khen",
            vec![OrgKind::Provincial, OrgKind::Grassroots],
        )
        .await
        .unwrap();
    assert_eq!(k.levels, vec![OrgKind::Provincial, OrgKind::Grassroots]);
    let levels = s.award_levels(&sys()).await.unwrap();
    let giay: Vec<&AwardLevel> = levels
        .iter()
        .filter(|l| l.award_kind == "giay_khen")
        .collect();
    assert_eq!(giay.len(), 2);
    assert!(
        giay[0].basis.contains("Đặt trên trang"),
        "a new row names who set it"
    );
    assert!(
        giay[1].basis.contains("HD 01"),
        "a kept row keeps its source"
    );
    // The decision checks again: the district may no longer give the passed Giấy khen.
    let decision = DecisionDraft {
        number: "07-QĐ/HU".into(),
        signed_on: Some(d(2026, 12, 1)),
        signer_name: "Nguyễn Văn Gấm".into(),
        signer_title: "Bí thư Huyện ủy".into(),
        summary: String::new(),
    };
    assert_eq!(
        invalid_code(
            s.issue_decision(&lucnam, m.id, decision.clone(), vec![(n.id, String::new())])
                .await
        ),
        ("nominations", "award_kind_level")
    );
    s.set_award_levels(&sys(), "giay_khen", vec![OrgKind::DirectlyAffiliated])
        .await
        .unwrap();
    s.issue_decision(&lucnam, m.id, decision, vec![(n.id, String::new())])
        .await
        .unwrap();
    let entries = s
        .audit_list(
            &sys(),
            AuditFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.entity == "award_kind" && e.action == "levels")
            .count(),
        2
    );
}

async fn movements_and_pledges_are_seen_by_their_units_only(s: &dyn FullStore) {
    let w = world(s, 0).await;
    let t = &w.t;
    let lucnam = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let m = s
        .launch_movement(&lucnam, t.d1.id, w.doc.id, draft())
        .await
        .unwrap();
    // Yên Thế does not see Lục Nam's movement at all.
    let yenthe = principal(s, AccessRole::OfficeStaff, t.d2.id).await;
    is_not_found(s.movement(&yenthe, m.id).await);
    assert!(s.movements(&yenthe, t.d2.id).await.unwrap().is_empty());
    is_not_found(
        s.save_pledge(
            &yenthe,
            m.id,
            t.d2.id,
            PledgeInput {
                commitments: "x".into(),
                values: vec![],
            },
            d(2025, 2, 1),
        )
        .await,
    );
    // The cells' secretaries pledge for their own cells; a member may read but not pledge.
    let east = principal(s, AccessRole::Secretary, t.c1.id).await;
    let west = principal(s, AccessRole::Secretary, t.c2.id).await;
    let reader = principal(s, AccessRole::Member, t.c1.id).await;
    let pledge = |text: &str| PledgeInput {
        commitments: text.into(),
        values: vec![],
    };
    s.save_pledge(
        &east,
        m.id,
        t.c1.id,
        pledge("Chi bộ Đông cam kết."),
        d(2025, 2, 1),
    )
    .await
    .unwrap();
    s.save_pledge(
        &west,
        m.id,
        t.c2.id,
        pledge("Chi bộ Tây cam kết."),
        d(2025, 2, 1),
    )
    .await
    .unwrap();
    is_forbidden(
        s.save_pledge(&reader, m.id, t.c1.id, pledge("x"), d(2025, 2, 1))
            .await,
    );
    // A secretary may not pledge for the neighbouring cell.
    assert_eq!(
        invalid_code(
            s.save_pledge(&east, m.id, t.c2.id, pledge("x"), d(2025, 2, 1))
                .await
        ),
        ("org_id", "bad_choice")
    );
    // Changing a pledge keeps one row (audited as an update).
    let again = s
        .save_pledge(
            &east,
            m.id,
            t.c1.id,
            pledge("Chi bộ Đông cam kết lại."),
            d(2025, 2, 2),
        )
        .await
        .unwrap();
    assert_eq!(again.commitments, "Chi bộ Đông cam kết lại.");
    let v = s.movement(&east, m.id).await.unwrap();
    assert_eq!(v.pledges.len(), 1, "its own pledge only");
    assert_eq!(v.pledges[0].org_id, t.c1.id);
    assert_eq!(v.hidden_pledges, 1);
    let v = s.movement(&reader, m.id).await.unwrap();
    assert_eq!(v.pledges.len(), 1);
    assert!(v.my_units.is_empty());
    let v = s.movement(&lucnam, m.id).await.unwrap();
    assert_eq!(v.pledges.len(), 2, "the office sees its subtree's pledges");
    // Yên Thế cannot read the register of Lục Nam's units.
    is_not_found(s.unit_awards(&yenthe, t.d1.id).await);
    // Model searches are for the office.
    is_forbidden(
        s.model_candidates(&east, m.id, 0, Settings::default())
            .await,
    );
    is_not_found(
        s.model_candidates(&yenthe, m.id, 0, Settings::default())
            .await,
    );
}

async fn advanced_models_are_found_in_closed_quarters(s: &dyn FullStore) {
    let w = world(s, 6).await;
    let t = &w.t;
    let office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let m = s
        .launch_movement(&office, t.province.id, w.doc.id, draft())
        .await
        .unwrap();
    let rate_t = s.movement(&office, m.id).await.unwrap().targets[0].id;
    let mut tasks = Vec::new();
    for (g, who) in &w.extra {
        tasks.push(program_with_task(s, &w, g.id, *who, w.rate).await);
    }
    // Five ordinary units around 50%, the sixth far above in three quarters running.
    let q1 = quarter_of(d(2025, 1, 1));
    for (k, period) in [q1, q1 + 1, q1 + 2].into_iter().enumerate() {
        for (i, task) in tasks.iter().enumerate() {
            let v = if i == 5 {
                92.0 + k as f64
            } else {
                48.0 + ((i + k) % 4) as f64
            };
            report(s, task, v).await;
        }
        let units = s.take_snapshot(&office, m.id, period).await.unwrap();
        assert_eq!(units, 6);
    }
    assert_eq!(
        conflict_code(s.take_snapshot(&office, m.id, q1).await),
        "emulation_period_taken"
    );
    assert_eq!(
        invalid_code(s.take_snapshot(&office, m.id, q1 - 1).await),
        ("period", "emulation_period")
    );
    let found = s
        .model_candidates(&office, m.id, rate_t, Settings::default())
        .await
        .unwrap();
    assert_eq!(found.assessment.candidates.len(), 1, "{found:#?}");
    let c = &found.assessment.candidates[0];
    let star = &w.extra[5].0;
    assert_eq!(c.unit, star.id.0);
    assert_eq!(c.run, 3);
    assert_eq!(c.evidence.len(), 3);
    assert_eq!(c.evidence[0].peers, 6);
    assert_eq!(found.units[0].name, star.name);
    // Fewer peers than the minimum: nothing is claimed.
    let strict = Settings {
        min_peers: 7,
        ..Settings::default()
    };
    let none = s
        .model_candidates(&office, m.id, rate_t, strict)
        .await
        .unwrap();
    assert!(none.assessment.candidates.is_empty());

    // The office confirms the model with what the unit does differently.
    let new = |org: domain::OrgId| NewModel {
        movement_id: m.id,
        metric: rate_t,
        org_id: org,
        title: "Học nghị quyết theo nhóm nhỏ".into(),
        practice: "Chia chi bộ thành nhóm 5 người, mỗi nhóm có người kèm.".into(),
    };
    assert_eq!(
        conflict_code(
            s.confirm_model(&office, new(w.extra[0].0.id), Settings::default())
                .await
        ),
        "model_not_candidate"
    );
    let model = s
        .confirm_model(&office, new(star.id), Settings::default())
        .await
        .unwrap();
    assert_eq!(model.org_id, star.id);
    assert_eq!(model.evidence["candidate"]["run"], 3);
    assert_eq!(
        conflict_code(
            s.confirm_model(&office, new(star.id), Settings::default())
                .await
        ),
        "model_exists"
    );
    // Yên Thế's commune reads the library and links one of its tasks.
    let bo_ha = principal(s, AccessRole::Secretary, t.g2.id).await;
    let lib = s.models(&bo_ha).await.unwrap();
    assert_eq!(lib.len(), 1);
    let own = program_with_task(s, &w, t.g2.id, t.m4.id, w.rate).await;
    let link = s.link_model_task(&bo_ha, model.id, own.id).await.unwrap();
    assert_eq!(link.org_id, t.g2.id);
    assert_eq!(
        conflict_code(s.link_model_task(&bo_ha, model.id, own.id).await),
        "model_link_exists"
    );
    // Someone else's task is not theirs to link.
    assert_eq!(
        invalid_code(s.link_model_task(&bo_ha, model.id, tasks[0].id).await),
        ("task_id", "model_task_unknown")
    );
    // A member of Bố Hạ reads its task but does not act for the commune: named as such.
    let reader = principal(s, AccessRole::Member, t.g2.id).await;
    assert_eq!(
        invalid_code(s.link_model_task(&reader, model.id, own.id).await),
        ("task_id", "model_task_not_yours")
    );
    let view = s.model(&bo_ha, model.id).await.unwrap();
    assert_eq!(view.links.len(), 1);
    assert_eq!(view.model.links, 1);
    // Lục Nam's office does not see Bố Hạ's link, but counts it.
    let lucnam = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let view = s.model(&lucnam, model.id).await.unwrap();
    assert!(view.links.is_empty());
}
