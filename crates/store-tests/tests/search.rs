//! The search feed (`SearchStore`, docs/SEARCH.md) on SQLite and PostgreSQL: every kind's
//! loader reads its records with their unit's path, dates and reach; audit entries turn
//! into the right refreshes (a record, a group, a restructured subtree, a bulk load); the
//! feed is the system's only.

use domain::consultation::{
    CommentForm, ConsultationForm, ModerationDecision, PublicCommentForm, SubjectKind,
};
use domain::report::{ReportKind, ReportSections};
use domain::search::{Kind, Reach};
use domain::{AccessRole, CascadeScope, OrgKind, ProgramKind, ProgramSections, TaskDraft};
use store::*;
use store_tests::programs::*;
use store_tests::*;

store_tests::program_suite!(
    every_kind_is_loaded_with_its_unit_and_date,
    audit_entries_become_refreshes,
    the_feed_is_the_systems_only,
    articles_and_comments_are_fed_as_their_rules_show_them,
);

struct Seeded {
    doc: domain::DocumentId,
    program: domain::ProgramId,
    report: ReportId,
}

/// The province's resolution cascaded to g1 and g2; g1's program with sections and one
/// task answered for by m1; g1's Q3 report.
async fn seed(s: &dyn FullStore, t: &Tree) -> Seeded {
    let office = principal(s, AccessRole::OfficeStaff, t.province.id).await;
    let doc = s
        .register_document(&office, resolution(t.province.id, "01-NQ/TU"))
        .await
        .unwrap();
    s.create_cascade(
        &office,
        doc.id,
        CascadeScope {
            root: t.province.path.clone(),
            kinds: kinds(&[OrgKind::Grassroots]),
            include_root: false,
        },
        deadlines(),
    )
    .await
    .unwrap();
    let g1 = principal(s, AccessRole::OfficeStaff, t.g1.id).await;
    let program = s
        .create_program_draft(
            &g1,
            NewProgram {
                org_id: t.g1.id,
                document_id: doc.id,
                kind: ProgramKind::ActionProgram,
                title: "Chương trình hành động chuyển đổi số".into(),
            },
        )
        .await
        .unwrap();
    s.save_program_sections(
        &g1,
        program.id,
        ProgramSections {
            purpose: "Nâng cao **năng lực** số.".into(),
            tasks_and_solutions: "Số hoá hồ sơ.".into(),
            organization: "Văn phòng theo dõi.".into(),
        },
    )
    .await
    .unwrap();
    s.save_tasks(
        &g1,
        program.id,
        vec![TaskDraft {
            content: "Số hoá hồ sơ đảng viên".into(),
            lead_body: Some("Văn phòng".into()),
            cooperating_bodies: vec![],
            responsible: Some(t.m1.id),
            deadline: Some(d(2026, 6, 30)),
            expected_output: Some("Kho hồ sơ số".into()),
            upper_target: None,
        }],
    )
    .await
    .unwrap();
    let report = s
        .start_report(
            &g1,
            NewReport {
                org: t.g1.id,
                document: doc.id,
                kind: ReportKind::Periodic,
                period_start: d(2025, 7, 1),
                period_end: d(2025, 9, 30),
                today: d(2025, 10, 2),
            },
        )
        .await
        .unwrap();
    s.save_report(
        &g1,
        report.id,
        ReportInput {
            sections: ReportSections {
                assessment: "Đã số hoá 60% hồ sơ.".into(),
                causes: "Thiếu máy quét.".into(),
                lessons: "Bám sát cơ sở.".into(),
                proposals: "Cấp thêm máy.".into(),
            },
            ..ReportInput::default()
        },
    )
    .await
    .unwrap();
    Seeded {
        doc: doc.id,
        program: program.id,
        report: report.id,
    }
}

async fn all(s: &dyn FullStore, kind: Kind) -> Vec<domain::search::Record> {
    let sys = sys();
    let mut out = Vec::new();
    let mut after = i64::MIN;
    loop {
        let page = s.search_records(&sys, kind, after, 2).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.id;
        out.extend(page);
    }
    out
}

async fn every_kind_is_loaded_with_its_unit_and_date(s: &dyn FullStore) {
    let t = tree(s).await;
    let seeded = seed(s, &t).await;

    let docs = all(s, Kind::Document).await;
    let doc = docs.iter().find(|r| r.id == seeded.doc.0).unwrap();
    assert_eq!(doc.org_path, t.province.path);
    assert_eq!(doc.reach, Reach::UnitOrAbove);
    assert_eq!(doc.date, Some(d(2025, 1, 15)));

    let programs = all(s, Kind::Program).await;
    let pr = programs.iter().find(|r| r.id == seeded.program.0).unwrap();
    assert_eq!(pr.title, "Chương trình hành động chuyển đổi số");
    assert!(pr.body.contains("Số hoá hồ sơ.") && pr.body.contains("Văn phòng theo dõi."));
    assert_eq!(pr.org_path, t.g1.path);
    assert!(pr.date.is_some(), "the day it was created");
    assert_eq!(pr.reach, Reach::Unit);

    let tasks = all(s, Kind::Task).await;
    assert_eq!(tasks.len(), 1);
    let task = &tasks[0];
    assert_eq!(task.title, "Số hoá hồ sơ đảng viên");
    assert!(task.body.contains("Kho hồ sơ số") && task.body.contains("Văn phòng"));
    assert_eq!(task.responsible, Some(t.m1.id));
    assert_eq!(task.date, Some(d(2026, 6, 30)));
    assert_eq!(
        task.group.as_deref(),
        Some(format!("program:{}", seeded.program.0).as_str())
    );

    let reports = all(s, Kind::Report).await;
    let r = reports.iter().find(|r| r.id == seeded.report.0).unwrap();
    assert_eq!(r.org_path, t.g1.path);
    assert!(r.body.contains("60%") && r.body.contains("Cấp thêm máy."));
    assert_eq!(r.date, Some(d(2025, 9, 30)));

    let members = all(s, Kind::Member).await;
    assert_eq!(members.len(), 5);
    let m1 = members.iter().find(|r| r.id == t.m1.id.0).unwrap();
    assert_eq!(m1.title, t.m1.full_name);
    assert_eq!(m1.org_path, t.m1.cell_path);
    assert_eq!(m1.date, None);
    assert_eq!(m1.body, "");
}

async fn audit_entries_become_refreshes(s: &dyn FullStore) {
    let t = tree(s).await;
    let sys = sys();
    let before = s.search_audit_head(&sys).await.unwrap();
    let seeded = seed(s, &t).await;
    let head = s.search_audit_head(&sys).await.unwrap();
    assert!(head > before);
    let changes = s.search_changes(&sys, before, 1000).await.unwrap();
    assert_eq!(changes.last().unwrap().id, head);
    assert!(changes.windows(2).all(|w| w[0].id < w[1].id));
    let refresh = s.search_refresh(&sys, &changes).await.unwrap();
    let put = |kind: Kind, id: i64| {
        refresh
            .iter()
            .any(|r| matches!(r, Refresh::Put(rec) if rec.kind == kind && rec.id == id))
    };
    assert!(put(Kind::Document, seeded.doc.0));
    assert!(put(Kind::Program, seeded.program.0));
    assert!(put(Kind::Report, seeded.report.0));
    // The program's tasks: the group dropped first, then its current tasks.
    let group = format!("program:{}", seeded.program.0);
    let drop_at = refresh
        .iter()
        .position(|r| *r == Refresh::RemoveGroup(group.clone()))
        .expect("the group is dropped");
    let task_at = refresh
        .iter()
        .position(|r| matches!(r, Refresh::Put(rec) if rec.kind == Kind::Task))
        .expect("the task is put");
    assert!(drop_at < task_at);

    // A member who moves: their record with the new cell.
    let from = s.search_audit_head(&sys).await.unwrap();
    s.member_transfer(&sys, t.m1.id, t.c3.id, d(2025, 11, 1))
        .await
        .unwrap();
    let changes = s.search_changes(&sys, from, 100).await.unwrap();
    let refresh = s.search_refresh(&sys, &changes).await.unwrap();
    assert!(
        refresh.iter().any(
            |r| matches!(r, Refresh::Put(rec) if rec.kind == Kind::Member && rec.id == t.m1.id.0 && rec.org_path.covers(&t.c3.path))
        ),
        "{refresh:?}"
    );

    // A unit that moves: every record of its subtree, with the new paths.
    let from = s.search_audit_head(&sys).await.unwrap();
    let moved = s
        .org_move(&sys, t.g1.id, t.d2.id, d(2025, 11, 2))
        .await
        .unwrap();
    let changes = s.search_changes(&sys, from, 100).await.unwrap();
    let refresh = s.search_refresh(&sys, &changes).await.unwrap();
    let program = refresh
        .iter()
        .find_map(|r| match r {
            Refresh::Put(rec) if rec.kind == Kind::Program => Some(rec),
            _ => None,
        })
        .expect("the moved unit's program");
    assert_eq!(program.org_path, moved.path);

    // A record that is gone is removed; a bulk load rebuilds.
    let gone = AuditChange {
        id: 0,
        action: "delete".into(),
        entity: "report".into(),
        entity_id: 987_654,
    };
    assert_eq!(
        s.search_refresh(&sys, &[gone]).await.unwrap(),
        vec![Refresh::Remove(Kind::Report, 987_654)]
    );
    let bulk = AuditChange {
        id: 0,
        action: "bulk_load".into(),
        entity: "database".into(),
        entity_id: 0,
    };
    assert_eq!(
        s.search_refresh(&sys, &[bulk]).await.unwrap(),
        vec![Refresh::Rebuild]
    );
}

async fn the_feed_is_the_systems_only(s: &dyn FullStore) {
    let t = tree(s).await;
    let admin = principal(s, AccessRole::Admin, t.province.id).await;
    assert!(matches!(
        s.search_records(&admin, Kind::Member, 0, 10).await,
        Err(StoreError::Forbidden)
    ));
    assert!(matches!(
        s.search_changes(&admin, 0, 10).await,
        Err(StoreError::Forbidden)
    ));
    assert!(matches!(
        s.search_audit_head(&admin).await,
        Err(StoreError::Forbidden)
    ));
    assert!(matches!(
        s.search_refresh(&admin, &[]).await,
        Err(StoreError::Forbidden)
    ));
    // Unit names: those the principal sees or that lead to it, not a sibling's.
    let g1 = principal(s, AccessRole::Member, t.g1.id).await;
    let names = s
        .search_unit_names(&g1, &[t.province.id, t.g1.id, t.c1.id, t.d2.id, t.g2.id])
        .await
        .unwrap();
    let ids: Vec<_> = names.iter().map(|(id, _)| *id).collect();
    assert!(ids.contains(&t.province.id) && ids.contains(&t.g1.id) && ids.contains(&t.c1.id));
    assert!(!ids.contains(&t.g2.id), "{names:?}");
}

/// The records of the audit entries after `from`, as the indexer would refresh them.
async fn refreshed_since(s: &dyn FullStore, from: i64) -> Vec<Refresh> {
    let changes = s.search_changes(&sys(), from, 1000).await.unwrap();
    s.search_refresh(&sys(), &changes).await.unwrap()
}

fn put_of(refresh: &[Refresh], kind: Kind, id: i64) -> Option<domain::search::Record> {
    refresh.iter().rev().find_map(|r| match r {
        Refresh::Put(rec) if rec.kind == kind && rec.id == id => Some(rec.clone()),
        _ => None,
    })
}

async fn articles_and_comments_are_fed_as_their_rules_show_them(s: &dyn FullStore) {
    let t = tree(s).await;
    let sys = sys();
    let now = time::OffsetDateTime::now_utc();
    let today = domain::tz::local_date(now);
    let from = s.search_audit_head(&sys).await.unwrap();

    // d1's portal: a draft, a published article, one scheduled for tomorrow.
    let text = |title: &str| {
        domain::portal::check_article(
            title,
            "Sa-pô về công tác xây dựng Đảng.",
            "Đoạn **thứ nhất**.\n\nĐoạn thứ hai.",
            "Phóng viên",
            "Xây dựng Đảng",
        )
        .unwrap()
    };
    let draft = s
        .create_article(&sys, t.d1.id, text("Bản nháp về chuyển đổi số"))
        .await
        .unwrap();
    let published = s
        .create_article(&sys, t.d1.id, text("Lục Nam đẩy mạnh chuyển đổi số"))
        .await
        .unwrap();
    s.publish_article(&sys, published.id, None, now)
        .await
        .unwrap();
    let scheduled = s
        .create_article(&sys, t.d1.id, text("Bài hẹn giờ"))
        .await
        .unwrap();
    let later = now + time::Duration::days(1);
    s.publish_article(&sys, scheduled.id, Some(later), now)
        .await
        .unwrap();

    let articles = all(s, Kind::Article).await;
    assert_eq!(articles.len(), 3);
    let a = |id: i64| articles.iter().find(|r| r.id == id).unwrap().clone();
    let d = a(draft.id);
    assert_eq!(d.org_path, t.d1.path);
    assert_eq!((d.reach, d.public_from), (Reach::Editors, None));
    assert!(!d.is_public_at(now));
    assert!(d.body.contains("Sa-pô") && d.body.contains("Đoạn thứ hai."));
    assert!(d.date.is_some(), "the day it was written");
    let p = a(published.id);
    assert_eq!(p.title, "Lục Nam đẩy mạnh chuyển đổi số");
    assert!(p.is_public_at(now));
    // A time in the past publishes it now (`domain::portal::publish_at`).
    assert_eq!(
        p.public_from.map(|t| t.unix_timestamp()),
        Some(now.unix_timestamp())
    );
    let sc = a(scheduled.id);
    assert!(!sc.is_public_at(now) && sc.is_public_at(later));

    // Each write's audit entry refreshes its article; taking it down makes it editors' only.
    let refresh = refreshed_since(s, from).await;
    assert!(put_of(&refresh, Kind::Article, published.id).is_some_and(|r| r.is_public_at(now)));
    let from = s.search_audit_head(&sys).await.unwrap();
    s.unpublish_article(&sys, published.id).await.unwrap();
    let refresh = refreshed_since(s, from).await;
    let down = put_of(&refresh, Kind::Article, published.id).expect("refreshed");
    assert!(!down.is_public_at(now), "{down:?}");

    // A consultation of d1 open to members and the public.
    let office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let c = s
        .open_consultation(
            &office,
            NewConsultation {
                org_id: t.d1.id,
                subject: Subject::Text(SubjectKind::Report),
                draft: ConsultationForm {
                    title: "Dự thảo báo cáo sơ kết chuyển đổi số".into(),
                    questions: "Kết quả nào cần bổ sung?".into(),
                    opens_on: domain::validate::format_date(today),
                    closes_on: domain::validate::format_date(today + time::Duration::days(10)),
                    members: true,
                    experts: false,
                    public: true,
                    text: "Đã số hoá hồ sơ.\n\nCòn thiếu máy quét.".into(),
                }
                .parse(SubjectKind::Report, today)
                .unwrap(),
            },
            today,
        )
        .await
        .unwrap();
    let ids: Vec<_> = c.items.iter().map(|i| i.id).collect();
    let member = principal(s, AccessRole::Member, t.c1.id).await;
    let from = s.search_audit_head(&sys).await.unwrap();
    let mc = s
        .comment_on(
            &member,
            c.id,
            CommentForm {
                item: ids[0].to_string(),
                body: "Cần nêu số liệu số hoá cụ thể.".into(),
                proposed: String::new(),
            }
            .parse(&ids)
            .unwrap(),
            today,
        )
        .await
        .unwrap();
    let pc = s
        .public_comment(
            c.id,
            PublicCommentForm {
                name: "Trần Thị Mơ".into(),
                contact: "0912 345 678".into(),
                comment: CommentForm {
                    item: String::new(),
                    body: "Đề nghị bổ sung máy quét cho xã.".into(),
                    proposed: String::new(),
                },
            }
            .parse(&ids)
            .unwrap(),
            "addr-search",
            today,
        )
        .await
        .unwrap();
    let refresh = refreshed_since(s, from).await;
    let m = put_of(&refresh, Kind::Comment, mc.id.0).expect("the member's comment");
    assert_eq!(m.reach, Reach::Unit);
    assert_eq!(m.org_path, t.d1.path);
    assert_eq!(m.title, "Dự thảo báo cáo sơ kết chuyển đổi số");
    assert_eq!(m.parent, Some(c.id.0));
    assert!(m.body.contains("số liệu"), "{m:?}");
    // The public's comment waits for the office; its writer's name and contact are not fed.
    let p = put_of(&refresh, Kind::Comment, pc.0).expect("the public comment");
    assert_eq!(p.reach, Reach::Office);
    assert!(p.body.contains("máy quét"));
    for private in ["Trần Thị Mơ", "0912"] {
        assert!(
            !p.body.contains(private) && !p.title.contains(private),
            "{p:?}"
        );
    }
    // Moderated, it is public.
    let from = s.search_audit_head(&sys).await.unwrap();
    s.moderate_comment(&office, pc, ModerationDecision::Publish, today)
        .await
        .unwrap();
    let refresh = refreshed_since(s, from).await;
    let p = put_of(&refresh, Kind::Comment, pc.0).expect("moderated");
    assert_eq!(p.reach, Reach::Public);
    // A change of the whole consultation reloads its comments.
    let from = s.search_audit_head(&sys).await.unwrap();
    s.end_consultation(&office, c.id, today).await.unwrap();
    let refresh = refreshed_since(s, from).await;
    assert!(refresh.contains(&Refresh::RemoveGroup(format!("consultation:{}", c.id.0))));
    assert!(put_of(&refresh, Kind::Comment, mc.id.0).is_some());
    assert_eq!(all(s, Kind::Comment).await.len(), 2);
}
