//! The demo's inspection and supervision (issue 16): the provincial inspection
//! committee's thematic supervision of 05-NQ/TU in three districts — Lục Nam concluded
//! with recommendations in every state, Tân Yên in progress (its self-report in), Yên Thế
//! planned — and the Fatherland Front's regular supervision of one commune of Lục Nam.
//! Dates are relative to `today`.

use domain::inspection::{AboutKind, BodyKind, FindingKind, ItemKind, TeamRole};
use domain::{DocumentId, MemberId, OrgId, Principal};
use store::{
    Conclusion, NewFinding, NewInspectionProgram, NewItem, NewRecommendation, Org, Page, Store,
};
use time::{Date, Duration};

fn days(n: i64) -> Duration {
    Duration::days(n)
}

async fn first_member(store: &dyn Store, p: &Principal, org: OrgId) -> store::Result<MemberId> {
    store
        .subtree_members(
            p,
            org,
            Page {
                offset: 0,
                limit: 1,
            },
        )
        .await?
        .first()
        .map(|h| h.member.id)
        .ok_or(store::StoreError::NotFound)
}

/// Loads the demo's inspection records; returns the number of items.
pub async fn load(
    store: &dyn Store,
    p: &Principal,
    root: &Org,
    doc: DocumentId,
    today: Date,
) -> store::Result<u32> {
    let districts = store.org_children(p, root.id, false).await?;
    let find = |name: &str| districts.iter().find(|d| d.name.contains(name)).cloned();
    let (Some(luc_nam), Some(tan_yen), Some(yen_the)) =
        (find("Lục Nam"), find("Tân Yên"), find("Yên Thế"))
    else {
        return Ok(0);
    };
    // The team: members of the province's own cells (the first three of the subtree).
    let team: Vec<MemberId> = store
        .subtree_members(
            p,
            root.id,
            Page {
                offset: 0,
                limit: 3,
            },
        )
        .await?
        .into_iter()
        .map(|h| h.member.id)
        .collect();
    let team: Vec<(MemberId, TeamRole)> = team
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let role = match i {
                0 => TeamRole::Head,
                1 => TeamRole::Member,
                _ => TeamRole::Secretary,
            };
            (*m, role)
        })
        .collect();
    let program = store
        .create_inspection_program(
            p,
            NewInspectionProgram {
                org_id: root.id,
                body: BodyKind::InspectionCommittee,
                year: today.year(),
                title: format!(
                    "Chương trình kiểm tra, giám sát năm {} của Ủy ban Kiểm tra Tỉnh ủy",
                    today.year()
                ),
            },
        )
        .await?;
    let item = |d: &Org, starts: Date| NewItem {
        kind: Some(ItemKind::ThematicSupervision),
        title: format!(
            "Giám sát chuyên đề việc thực hiện Nghị quyết 05-NQ/TU tại {}",
            d.name
        ),
        content: "Việc học tập, quán triệt, cụ thể hóa nghị quyết bằng chương trình hành \
                  động và tổ chức thực hiện các nhiệm vụ đã đề ra."
            .into(),
        document_id: Some(doc),
        content_program_id: None,
        tasks: Vec::new(),
        subjects: vec![(d.id, None)],
        team: team.clone(),
        period_from: Some(today - days(60)),
        period_to: Some(today - days(45)),
        starts_on: Some(starts),
        ends_on: Some(starts + days(45)),
    };

    // Each looks at the district's program and names its first tasks (the choices the
    // item page offers: its subject's issued program on the document's chain).
    let name_tasks = |id: i64| async move {
        let choices = store.item_task_choices(p, id).await?;
        let tasks = choices.iter().take(3).map(|t| t.id).collect::<Vec<_>>();
        let program = choices.first().map(|t| t.program_id);
        store.set_item_content(p, id, program, tasks).await
    };

    // Lục Nam: concluded, with recommendations in every state.
    let a = store
        .add_inspection_item(p, program.id, item(&luc_nam, today - days(40)))
        .await?;
    let a = name_tasks(a.id).await?;
    store
        .notify_inspection_item(p, a.id, today - days(40), Some(today - days(32)))
        .await?;
    let subject = a.subjects[0].id;
    store
        .submit_self_report(
            p,
            subject,
            "Ban Thường vụ Huyện ủy đã tổ chức hội nghị quán triệt, ban hành chương trình \
             hành động; một số chi bộ chưa tổ chức học tập đầy đủ."
                .into(),
            Vec::new(),
            today - days(33),
        )
        .await?;
    // A finding about the first named task, as the team records it.
    if let Some(task) = a.tasks.first() {
        store
            .add_finding(
                p,
                a.id,
                NewFinding {
                    subject_id: subject,
                    kind: FindingKind::Shortcoming,
                    about: AboutKind::Task,
                    about_id: Some(task.id.0),
                    about_part: None,
                    text: "Nhiệm vụ triển khai chậm so với thời hạn trong chương trình; chưa có \
                           minh chứng kết quả ở một số xã."
                        .into(),
                },
            )
            .await?;
    }
    for (kind, about, text) in [
        (
            FindingKind::Strength,
            AboutKind::General,
            "Ban hành chương trình hành động kịp thời, có chỉ tiêu cụ thể.",
        ),
        (
            FindingKind::Shortcoming,
            AboutKind::Study,
            "Tỷ lệ đảng viên ở một số chi bộ nông thôn được học tập nghị quyết còn thấp.",
        ),
        (
            FindingKind::Shortcoming,
            AboutKind::General,
            "Việc theo dõi, báo cáo tiến độ thực hiện nhiệm vụ chưa thường xuyên.",
        ),
    ] {
        store
            .add_finding(
                p,
                a.id,
                NewFinding {
                    subject_id: subject,
                    kind,
                    about,
                    about_id: (about == AboutKind::Study).then_some(doc.0),
                    about_part: None,
                    text: text.into(),
                },
            )
            .await?;
    }
    let recs = [
        (
            "Tổ chức học tập bổ sung cho đảng viên chưa được quán triệt",
            40,
        ),
        ("Bổ sung chỉ tiêu định lượng vào chương trình hành động", 30),
        ("Chấn chỉnh chế độ báo cáo tiến độ hằng quý", 25),
        (
            "Rà soát, phân công người chịu trách nhiệm từng nhiệm vụ",
            20,
        ),
        ("Báo cáo Ủy ban Kiểm tra Tỉnh ủy kết quả khắc phục", 10),
    ];
    let done = store
        .conclude_inspection_item(
            p,
            a.id,
            Conclusion {
                concluded_on: today - days(20),
                text: "Ban Thường vụ Huyện ủy Lục Nam đã lãnh đạo học tập, quán triệt và cụ \
                       thể hóa Nghị quyết 05-NQ/TU nghiêm túc; còn một số hạn chế cần khắc phục."
                    .into(),
                recommendations: recs
                    .iter()
                    .map(|(text, due)| NewRecommendation {
                        acting_org_id: Some(luc_nam.id),
                        text: (*text).into(),
                        deadline: Some(today + days(*due) - days(15)),
                    })
                    .collect(),
            },
        )
        .await?;
    let responsible = first_member(store, p, luc_nam.id).await?;
    // 0 open; 1 tasked; 2 reported; 3 returned; 4 closed.
    for (i, r) in done.recommendations.iter().enumerate().skip(1) {
        store
            .adopt_recommendation(p, r.id, Some(responsible), today - days(18))
            .await?;
        if i >= 2 {
            store
                .report_remediation(
                    p,
                    r.id,
                    "Đã thực hiện; gửi kèm biên bản và văn bản chỉ đạo.".into(),
                    Vec::new(),
                )
                .await?;
        }
        if i == 3 {
            store
                .decide_remediation(
                    p,
                    r.id,
                    false,
                    Some("Chưa có minh chứng về việc phân công cụ thể.".into()),
                    today - days(5),
                )
                .await?;
        }
        if i == 4 {
            store
                .decide_remediation(p, r.id, true, None, today - days(3))
                .await?;
        }
    }

    // Tân Yên: in progress (notified, self-report in).
    let b = store
        .add_inspection_item(p, program.id, item(&tan_yen, today - days(10)))
        .await?;
    name_tasks(b.id).await?;
    store
        .notify_inspection_item(p, b.id, today - days(10), Some(today - days(2)))
        .await?;
    store
        .submit_self_report(
            p,
            b.subjects[0].id,
            "Huyện ủy Tân Yên báo cáo kết quả thực hiện nghị quyết theo đề cương gợi ý.".into(),
            Vec::new(),
            today - days(3),
        )
        .await?;

    // Yên Thế: planned.
    let c = store
        .add_inspection_item(p, program.id, item(&yen_the, today + days(30)))
        .await?;
    name_tasks(c.id).await?;

    // The Fatherland Front of Lục Nam supervises one commune.
    let communes = store.org_children(p, luc_nam.id, false).await?;
    if let Some(commune) = communes.first() {
        let front_team = first_member(store, p, luc_nam.id).await?;
        let front = store
            .create_inspection_program(
                p,
                NewInspectionProgram {
                    org_id: luc_nam.id,
                    body: BodyKind::FatherlandFront,
                    year: today.year(),
                    title: format!(
                        "Chương trình giám sát năm {} của Ủy ban MTTQ huyện Lục Nam",
                        today.year()
                    ),
                },
            )
            .await?;
        let f = store
            .add_inspection_item(
                p,
                front.id,
                NewItem {
                    kind: Some(ItemKind::RegularSupervision),
                    title: format!(
                        "Giám sát việc thực hiện Nghị quyết 05-NQ/TU tại {}",
                        commune.name
                    ),
                    content: "Giám sát việc lấy ý kiến nhân dân và công khai kết quả thực hiện \
                              các nhiệm vụ của nghị quyết."
                        .into(),
                    document_id: None,
                    content_program_id: None,
                    tasks: Vec::new(),
                    subjects: vec![(commune.id, None)],
                    team: vec![(front_team, TeamRole::Head)],
                    period_from: Some(today - days(60)),
                    period_to: Some(today),
                    starts_on: Some(today - days(7)),
                    ends_on: Some(today + days(21)),
                },
            )
            .await?;
        store
            .notify_inspection_item(p, f.id, today - days(7), None)
            .await?;
        return Ok(4);
    }
    Ok(3)
}
