//! The demo's emulation and commendation (issue 17 items 4-5): the province launches an
//! emulation movement under 05-NQ/TU; communes of Lục Nam write programs whose tasks serve
//! the resolution's first target and report figures quarter after quarter; the office
//! closes three quarters from the record; the districts and communes pledge; after the
//! pledges close the districts nominate, the council votes, and Decision 125-QĐ/TU awards
//! five party organizations the certificate of merit (Bằng khen), as the article reports;
//! two advanced models are found in the figures (one far above its peers on the target,
//! one on the pace of its program) and confirmed, and another commune links a task to one.
//! Lục Nam's own movement for the coming year is open for pledges.
//!
//! The quarters are closed late, one after another, with the figures posted in between:
//! the demo is loaded in one go, so a quarter's snapshot is taken after that quarter's
//! figures are in, not on its last day (docs/EMULATION.md).

use domain::emulation::{DecisionDraft, MovementDraft, PassRule, Vote};
use domain::models::{Settings, quarter_of, size_band};
use domain::{DocumentId, OrgKind, Principal, ProgramKind, ProgramSections, TaskDraft, TaskStatus};
use store::{
    AcceptanceDecision, NewModel, NewNomination, NewProgram, Org, Page, PledgeInput, ProgressInput,
    Store, VoteInput,
};
use time::{Date, Duration, Month};

/// What the demo made, for its test.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub movement: i64,
    pub awards: usize,
    pub models: usize,
}

const TASKS: [&str; 5] = [
    "Tổ chức học tập, quán triệt nghị quyết cho toàn thể đảng viên theo nhóm nhỏ, có người kèm cặp",
    "Rà soát, bổ sung quy chế làm việc của Đảng ủy xã theo tinh thần nghị quyết",
    "Giao chỉ tiêu phát triển đảng viên mới cho từng chi bộ thôn",
    "Giám sát việc thực hiện chương trình hành động tại các chi bộ",
    "Sơ kết 6 tháng thực hiện nghị quyết, biểu dương điển hình",
];

fn first_of_quarter(period: i32) -> Date {
    let (y, q) = domain::models::quarter_parts(period);
    let month = Month::try_from((q - 1) * 3 + 1).unwrap_or(Month::January);
    Date::from_calendar_date(y, month, 1).unwrap_or(Date::MIN)
}

/// Loads the demo's emulation records.
pub async fn load(
    store: &dyn Store,
    p: &Principal,
    root: &Org,
    doc: DocumentId,
    today: Date,
) -> store::Result<Loaded> {
    let districts = store.org_children(p, root.id, false).await?;
    let find = |name: &str| districts.iter().find(|d| d.name.contains(name)).cloned();
    let Some(luc_nam) = find("Lục Nam") else {
        return Ok(Loaded::default());
    };
    let targets = store.document_targets(p, doc).await?;
    let Some(rate) = targets.first() else {
        return Ok(Loaded::default());
    };
    // The communes of Lục Nam of the most common size band: peers of one another.
    let communes: Vec<Org> = store
        .org_children(p, luc_nam.id, false)
        .await?
        .into_iter()
        .filter(|o| o.kind == OrgKind::Grassroots && o.subtree_member_count > 0)
        .collect();
    let mut bands: std::collections::BTreeMap<u32, Vec<Org>> = Default::default();
    for c in communes {
        bands
            .entry(size_band(c.subtree_member_count.max(0) as u64))
            .or_default()
            .push(c);
    }
    let Some(peers) = bands.into_values().max_by_key(|v| v.len()) else {
        return Ok(Loaded::default());
    };
    let peers: Vec<Org> = peers.into_iter().take(9).collect();
    if peers.len() < 7 {
        return Ok(Loaded::default());
    }

    // The movement: launched for the year, three quarters back, to the targets' deadline.
    let now = quarter_of(today);
    let first = now - 3;
    let movement = store
        .launch_movement(
            p,
            root.id,
            doc,
            MovementDraft {
                title: "Thi đua thực hiện thắng lợi Nghị quyết số 05-NQ/TU của Tỉnh ủy".into(),
                content: "Ban Thường vụ Tỉnh ủy phát động phong trào thi đua trong toàn Đảng bộ \
                          tỉnh: mỗi tổ chức đảng đăng ký giao ước thi đua theo các chỉ tiêu \
                          của Nghị quyết, **lấy kết quả thực hiện làm thước đo**; kịp thời phát \
                          hiện, biểu dương, nhân rộng điển hình tiên tiến."
                    .into(),
                starts_on: Some(first_of_quarter(first)),
                ends_on: Some(Date::from_calendar_date(2030, Month::June, 30).unwrap_or(today)),
                pledge_by: Some(today + Duration::days(10)),
            },
        )
        .await?;
    let view = store.movement(p, movement.id).await?;
    let rate_t = view.targets[0].id;

    // Each commune's program: five tasks, the first serving the resolution's rate.
    let mut programs = Vec::new();
    for (i, c) in peers.iter().enumerate() {
        let members = store
            .subtree_members(
                p,
                c.id,
                Page {
                    offset: 0,
                    limit: 5,
                },
            )
            .await?;
        if members.is_empty() {
            continue;
        }
        let pr = store
            .create_program_draft(
                p,
                NewProgram {
                    org_id: c.id,
                    document_id: doc,
                    kind: ProgramKind::ActionProgram,
                    title: format!(
                        "Kế hoạch của {} thực hiện Nghị quyết số {}",
                        c.name,
                        crate::resolution::NUMBER
                    ),
                },
            )
            .await?;
        store
            .save_program_sections(
                p,
                pr.id,
                ProgramSections {
                    purpose: format!("Đưa Nghị quyết vào cuộc sống tại {}.", c.name),
                    tasks_and_solutions: "Các nhiệm vụ trong bảng.".into(),
                    organization: "Văn phòng Đảng ủy theo dõi, tổng hợp hằng quý.".into(),
                },
            )
            .await?;
        let drafts = TASKS
            .iter()
            .enumerate()
            .map(|(k, content)| TaskDraft {
                content: (*content).into(),
                lead_body: Some(["Ban Tuyên giáo", "Văn phòng", "Ban Tổ chức"][k % 3].into()),
                cooperating_bodies: vec!["Các chi bộ trực thuộc".into()],
                responsible: Some(members[k % members.len()].member.id),
                deadline: Some(today + Duration::days(60 + 30 * k as i64)),
                expected_output: Some("Báo cáo kết quả".into()),
                upper_target: (k == 0).then_some(rate.id),
            })
            .collect();
        store.save_tasks(p, pr.id, drafts).await?;
        let issued = store
            .issue_program(
                p,
                pr.id,
                first_of_quarter(first) + Duration::days(20 + i as i64),
            )
            .await?;
        programs.push((c.clone(), store.program_tasks(p, issued.id).await?));
    }
    if programs.len() < 7 {
        return Ok(Loaded::default());
    }
    // The model on the target: the third commune; on the pace: the fifth.
    let (star_rate, star_pace) = (2usize, 4usize);
    let post = |task: domain::TaskId, status: TaskStatus, value: Option<f64>| async move {
        let rec = store
            .post_progress(
                p,
                task,
                ProgressInput {
                    status,
                    percent: Some(if status == TaskStatus::Done { 100 } else { 50 }),
                    indicator_value: value,
                    note: Some("Kết quả thực hiện trong quý.".into()),
                    evidence: Vec::new(),
                },
            )
            .await?;
        store
            .decide_progress(p, rec.id, AcceptanceDecision::Accept)
            .await
    };
    for k in 0..3usize {
        for (i, (_, tasks)) in programs.iter().enumerate() {
            // The rate of members who studied: ordinary communes 70-80%, the star above 95%.
            let v = if i == star_rate {
                96.0 + k as f64
            } else {
                70.0 + ((i * 3 + k * 2) % 9) as f64
            };
            post(tasks[0].id, TaskStatus::OnTrack, Some(v)).await?;
            // The pace: ordinary communes finish about one task a quarter; the star
            // finishes its plan early.
            let done_by = match i {
                _ if i == star_pace => 4,
                1 => (k + 1).min(3),
                _ => k.min(3),
            };
            for t in tasks.iter().skip(1).take(done_by) {
                if t.status != TaskStatus::Done && k < 3 {
                    post(t.id, TaskStatus::Done, None).await?;
                }
            }
        }
        store
            .take_snapshot(p, movement.id, first + k as i32)
            .await?;
        // Later posts see the tasks done so far as done.
        for (_, tasks) in programs.iter_mut() {
            let program = tasks[0].program_id;
            *tasks = store.program_tasks(p, program).await?;
        }
    }

    // Pledges: Lục Nam, Tân Yên and the communes.
    let mut pledgers: Vec<Org> = vec![luc_nam.clone()];
    pledgers.extend(find("Tân Yên"));
    pledgers.extend(programs.iter().map(|(c, _)| c.clone()).take(5));
    for (i, o) in pledgers.iter().enumerate() {
        store
            .save_pledge(
                p,
                movement.id,
                o.id,
                PledgeInput {
                    commitments: format!(
                        "{} cam kết: 100% chi bộ học tập, quán triệt Nghị quyết đúng kế hoạch; \
                         mỗi chi bộ có ít nhất một việc làm cụ thể; không có tổ chức đảng xếp \
                         loại không hoàn thành nhiệm vụ.",
                        o.name
                    ),
                    values: vec![(rate_t, 90.0 + (i % 3) as f64 * 3.0)],
                },
                today,
            )
            .await?;
    }
    store.close_movement(p, movement.id).await?;

    // Nominations: five party organizations for the certificate of merit, one more the
    // council does not pass, and a member awaiting the vote.
    let mut nominated = Vec::new();
    let nominate = |nominator: &Org, org: &Org, kind: &str, text: &str| NewNomination {
        nominator_org_id: nominator.id,
        org_id: Some(org.id),
        member_id: None,
        award_kind: kind.into(),
        achievements: text.into(),
        proposed_level: Some("Hoàn thành xuất sắc nhiệm vụ".into()),
    };
    let mut candidates: Vec<(Org, Org)> = programs
        .iter()
        .take(4)
        .map(|(c, _)| (luc_nam.clone(), c.clone()))
        .collect();
    if let Some(tan_yen) = find("Tân Yên") {
        candidates.push((tan_yen.clone(), tan_yen));
    }
    for (nominator, org) in &candidates {
        let n = store
            .nominate(
                p,
                movement.id,
                nominate(
                    nominator,
                    org,
                    "bang_khen_tinh",
                    "Dẫn đầu phong trào thi đua thực hiện Nghị quyết số 05-NQ/TU: 100% đảng \
                     viên được học tập, quán triệt; hoàn thành vượt các chỉ tiêu đã đăng ký.",
                ),
            )
            .await?;
        nominated.push(n.id);
    }
    let rejected = store
        .nominate(
            p,
            movement.id,
            nominate(
                &luc_nam,
                &programs[5].0,
                "bang_khen_tinh",
                "Hoàn thành tốt các chỉ tiêu đã đăng ký.",
            ),
        )
        .await?;
    let member = store
        .subtree_members(
            p,
            programs[star_rate].0.id,
            Page {
                offset: 0,
                limit: 1,
            },
        )
        .await?;
    if let Some(m) = member.first() {
        store
            .nominate(
                p,
                movement.id,
                NewNomination {
                    nominator_org_id: programs[star_rate].0.id,
                    org_id: None,
                    member_id: Some(m.member.id),
                    award_kind: "bang_khen_tinh".into(),
                    achievements: "Trực tiếp kèm cặp nhóm học tập nghị quyết của chi bộ.".into(),
                    proposed_level: None,
                },
            )
            .await?;
    }
    let met_on = today - Duration::days(12);
    for (i, id) in nominated.iter().enumerate() {
        store
            .record_vote(
                p,
                *id,
                VoteInput {
                    met_on: Some(met_on),
                    vote: Vote {
                        members: 11,
                        for_votes: 9 + (i % 2) as u32,
                        against: 1,
                        abstain: 1 - (i % 2) as u32,
                    },
                    rule: PassRule::default(),
                },
            )
            .await?;
    }
    store
        .record_vote(
            p,
            rejected.id,
            VoteInput {
                met_on: Some(met_on),
                vote: Vote {
                    members: 11,
                    for_votes: 5,
                    against: 4,
                    abstain: 2,
                },
                rule: PassRule::default(),
            },
        )
        .await?;
    store
        .issue_decision(
            p,
            movement.id,
            DecisionDraft {
                number: "125-QĐ/TU".into(),
                signed_on: Some(today - Duration::days(7)),
                signer_name: "Nguyễn Văn Thành".into(),
                signer_title: "Bí thư Tỉnh ủy".into(),
                summary: "Về việc tặng Bằng khen cho các tổ chức đảng có thành tích xuất sắc \
                          trong phong trào thi đua thực hiện Nghị quyết số 05-NQ/TU."
                    .into(),
            },
            nominated.iter().map(|id| (*id, String::new())).collect(),
        )
        .await?;

    // The advanced models found in the closed quarters.
    let mut models = 0;
    for (metric, star, title, practice) in [
        (
            rate_t,
            star_rate,
            "Học tập nghị quyết theo nhóm nhỏ có người kèm cặp",
            "Đảng ủy chia đảng viên mỗi chi bộ thành nhóm 5–7 người, mỗi nhóm có một cấp ủy \
             viên kèm cặp; tài liệu tóm tắt một trang gửi qua Zalo trước buổi sinh hoạt; đảng \
             viên đi làm ăn xa học trực tuyến và nộp thu hoạch trong tuần. Nhờ vậy tỷ lệ đảng \
             viên được học tập luôn trên 95%, cao hơn hẳn các xã cùng quy mô.",
        ),
        (
            0,
            star_pace,
            "Giao việc theo tuần, kiểm tra theo tháng",
            "Mỗi nhiệm vụ của kế hoạch được chia thành việc theo tuần, giao tên người phụ trách \
             tại hội nghị Ban Thường vụ đầu tháng; Văn phòng Đảng ủy kiểm tra vào ngày 25 hằng \
             tháng và báo cáo những việc chậm. Xã hoàn thành kế hoạch sớm hai quý so với các \
             xã cùng quy mô.",
        ),
    ] {
        let org = programs[star].0.id;
        let search = store
            .model_candidates(p, movement.id, metric, Settings::default())
            .await?;
        if search.assessment.candidates.iter().any(|c| c.unit == org.0) {
            store
                .confirm_model(
                    p,
                    NewModel {
                        movement_id: movement.id,
                        metric,
                        org_id: org,
                        title: title.into(),
                        practice: practice.into(),
                    },
                    Settings::default(),
                )
                .await?;
            models += 1;
        }
    }
    // Another commune learns from the first model.
    let library = store.models(p).await?;
    if let (Some(model), Some((_, tasks))) = (library.last(), programs.get(6)) {
        store.link_model_task(p, model.id, tasks[0].id).await?;
    }

    // Lục Nam's own movement for the coming year, open for pledges.
    store
        .launch_movement(
            p,
            luc_nam.id,
            doc,
            MovementDraft {
                title: "Thi đua \"Chi bộ bốn tốt\" thực hiện Nghị quyết số 05-NQ/TU".into(),
                content: "Huyện ủy Lục Nam phát động thi đua trong các tổ chức cơ sở đảng.".into(),
                starts_on: Some(today),
                ends_on: Some(today + Duration::days(365)),
                pledge_by: Some(today + Duration::days(30)),
            },
        )
        .await?;
    Ok(Loaded {
        movement: movement.id,
        awards: nominated.len(),
        models,
    })
}
