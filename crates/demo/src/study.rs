//! The demo's study round of resolution 05-NQ/TU (issue 5): the province's core content
//! per audience, a material, a question bank and a conference for key cadres with a
//! reporter; the conferences of the cells of the demo secretary's grassroots unit with
//! their attendance (most present, some excused or absent), a make-up session, a few
//! knowledge checks and reflections (two of them nearly the same, so grading shows a copy
//! flag). Deterministic: the same tree gives the same round.

use domain::study::{AttendanceEntry, Question, QuestionForm, SessionDraft, SessionForm};
use domain::{AttendanceMark, Audience, DocumentId, MemberId, PositionRole, Principal};
use store::{
    AttendanceImportRow, Member, NewMaterial, NewPosition, NewReflection, NewStudySession, Org,
    Store,
};
use time::{Date, Duration};

const KEY_CONTENT: &str = "\
**Dành cho cán bộ chủ chốt.** Nghiên cứu chuyên sâu cơ sở lý luận của việc đổi mới học tập, \
quán triệt nghị quyết; những điểm mới của Nghị quyết 05-NQ/TU so với các nghị quyết trước; \
trách nhiệm người đứng đầu trực tiếp chủ trì, quán triệt; cách vận dụng vào chương trình \
hành động của từng cấp, ngành, địa phương với chỉ tiêu đo được và người chịu trách nhiệm cụ thể.";

const MEMBER_CONTENT: &str = "\
**Nội dung cốt lõi cho đảng viên.** Nghị quyết nêu năm nhóm giải pháp: nâng cao trách \
nhiệm người đứng đầu; học tập phù hợp từng đối tượng; bồi dưỡng cấp ủy viên; chương trình \
hành động sát thực tế; tăng cường kiểm tra, giám sát. Mỗi đảng viên học tập đầy đủ, làm bài \
kiểm tra nhận thức và viết bài thu hoạch liên hệ với nhiệm vụ của bản thân.";

/// (audience, prompt, choices one per line, correct counted from 1)
const QUESTIONS: &[(&str, &str, &str, &str)] = &[
    (
        "member",
        "Nghị quyết 05-NQ/TU nêu mấy nhóm giải pháp?",
        "Ba\nBốn\nNăm\nSáu",
        "3",
    ),
    (
        "member",
        "Ai trực tiếp chủ trì, quán triệt nghị quyết ở cấp ủy?",
        "Bí thư, người đứng đầu\nVăn phòng cấp ủy\nĐoàn thanh niên",
        "1",
    ),
    (
        "member",
        "Đảng viên ở cơ sở được học tập nội dung nào?",
        "Toàn văn chuyên sâu\nNội dung cốt lõi, ngắn gọn, cụ thể\nChỉ tiêu thi đua",
        "2",
    ),
    (
        "member",
        "Sau khi học tập, mỗi đảng viên phải làm gì?",
        "Không cần làm gì thêm\nViết bài thu hoạch\nNộp báo cáo tài chính",
        "2",
    ),
    (
        "member",
        "Chương trình hành động của mỗi cấp phải thế nào?",
        "Sao chép của cấp trên\nSát chức năng, điều kiện của từng cấp\nChỉ nêu mục tiêu chung",
        "2",
    ),
    (
        "member",
        "Ai tham gia giám sát, phản biện việc thực hiện nghị quyết?",
        "Mặt trận Tổ quốc và các đoàn thể\nChỉ cấp ủy cấp trên\nKhông ai",
        "1",
    ),
    (
        "member",
        "Kết quả học tập, thực hiện nghị quyết được dùng để làm gì?",
        "Làm căn cứ đánh giá, xếp loại hằng năm\nKhông dùng vào việc gì\nChỉ để lưu trữ",
        "1",
    ),
    (
        "member",
        "Sau mỗi đợt học tập cần làm gì?",
        "Biểu dương nơi làm tốt, nhắc nhở nơi chưa nghiêm túc\nKết thúc ngay\nHọc lại từ đầu",
        "1",
    ),
    (
        "key_cadre",
        "Điểm mới về trách nhiệm người đứng đầu trong Nghị quyết 05-NQ/TU là gì?",
        "Trực tiếp chủ trì, quán triệt và chịu trách nhiệm về kết quả\nỦy quyền cho văn phòng\nChỉ dự hội nghị",
        "1",
    ),
    (
        "key_cadre",
        "Chỉ tiêu của chương trình hành động phải thế nào?",
        "Đo được, có người chịu trách nhiệm và thời hạn\nChung chung\nGiống cấp trên",
        "1",
    ),
    (
        "key_cadre",
        "Hình thức học tập cho cán bộ chủ chốt?",
        "Nghiên cứu chuyên sâu lý luận, điểm mới, cách vận dụng\nChỉ đọc tóm tắt\nKhông cần học",
        "1",
    ),
    (
        "key_cadre",
        "Khi kiểm tra phát hiện hạn chế, cấp ủy cần?",
        "Chỉ rõ hạn chế và bổ sung nhiệm vụ\nBỏ qua\nChờ tổng kết nhiệm kỳ",
        "1",
    ),
    (
        "key_cadre",
        "Chỉ tiêu chủ yếu của nghị quyết nên được?",
        "Đưa thành chỉ tiêu thi đua\nGiữ bí mật\nBỏ khỏi chương trình",
        "1",
    ),
];

const REFLECTION: &str = "Qua học tập Nghị quyết 05-NQ/TU, bản thân tôi nhận thức rõ trách \
nhiệm của mỗi đảng viên trong việc học tập đầy đủ, nắm chắc nội dung cốt lõi và vận dụng vào \
công việc ở thôn. Tôi sẽ tham gia sinh hoạt chi bộ đều đặn, vận động gia đình và bà con thực \
hiện tốt các chủ trương của Đảng, góp ý xây dựng chương trình hành động của chi bộ sát với \
thực tế địa phương.";

fn draft(
    title: &str,
    audience: &str,
    format: &str,
    on: Date,
    place: &str,
    makeup: bool,
) -> SessionDraft {
    SessionDraft::parse(
        &SessionForm {
            title: title.into(),
            audience: audience.into(),
            format: format.into(),
            held_on: domain::validate::format_date(on),
            place: place.into(),
        },
        None,
        makeup,
    )
    .expect("the demo's conferences are valid")
}

/// The member acting for themselves (the loader runs as the system principal).
fn as_member(p: &Principal, m: MemberId) -> Principal {
    Principal {
        member_id: Some(m),
        ..p.clone()
    }
}

/// Loads the round. `issued_on` is the resolution's date; the study deadline is 45 days
/// later (see `resolution::load`). Returns the number of attendance marks recorded.
pub async fn load(
    store: &dyn Store,
    p: &Principal,
    root: &Org,
    doc: DocumentId,
    issued_on: Date,
    today: Date,
) -> store::Result<u64> {
    store
        .save_study_content(p, root.id, doc, Audience::KeyCadre, KEY_CONTENT.into())
        .await?;
    store
        .save_study_content(p, root.id, doc, Audience::Member, MEMBER_CONTENT.into())
        .await?;
    store
        .add_study_material(
            p,
            root.id,
            doc,
            NewMaterial {
                audience: None,
                title: "Toàn văn Nghị quyết 05-NQ/TU".into(),
                url: Some(format!("http://localhost/documents/{doc}")),
                file: None,
            },
        )
        .await?;
    for (aud, prompt, choices, correct) in QUESTIONS {
        let q = Question::parse(&QuestionForm {
            audience: (*aud).into(),
            prompt: (*prompt).into(),
            choices: (*choices).into(),
            correct: (*correct).into(),
        })
        .expect("the demo's questions are valid");
        store.add_question(p, root.id, doc, q).await?;
    }
    // The demo secretary's cell and its grassroots unit.
    let Some(sec) = store.user_by_username(p, "bithu.chibo").await? else {
        return Ok(0);
    };
    let Some(cell_id) = sec.grants.first().map(|g| g.org_id) else {
        return Ok(0);
    };
    let cell = store.org_get(p, cell_id).await?;
    let Some(grassroots_id) = cell.parent_id else {
        return Ok(0);
    };
    let reporter = sec.user.member_id;
    if let Some(r) = reporter {
        store
            .position_add(
                p,
                NewPosition {
                    member_id: r,
                    org_id: grassroots_id,
                    role: PositionRole::Reporter,
                    from: issued_on,
                },
            )
            .await?;
    }
    // The province's conference for key cadres.
    let key = store
        .create_study_session(
            p,
            root.id,
            doc,
            NewStudySession {
                draft: draft(
                    "Hội nghị quán triệt Nghị quyết 05-NQ/TU cho cán bộ chủ chốt",
                    "key_cadre",
                    "hybrid",
                    issued_on + Duration::days(12),
                    "Hội trường Tỉnh ủy và các điểm cầu trực tuyến",
                    false,
                ),
                reporters: reporter.into_iter().collect(),
                makeup_of: None,
            },
        )
        .await?;
    let cells = store.org_children(p, grassroots_id, false).await?;
    let mut marks = 0u64;
    let mut key_rows = Vec::new();
    let demo_member = store
        .user_by_username(p, "dangvien")
        .await?
        .and_then(|u| u.user.member_id);
    for (ci, c) in cells.iter().enumerate() {
        let members: Vec<Member> = store.cell_members(p, c.id).await?;
        if members.is_empty() {
            continue;
        }
        let s = store
            .create_study_session(
                p,
                c.id,
                doc,
                NewStudySession {
                    draft: draft(
                        &format!("Học tập Nghị quyết 05-NQ/TU – {}", c.name),
                        "member",
                        "in_person",
                        issued_on + Duration::days(20 + (ci as i64 % 10)),
                        "Nhà văn hóa thôn",
                        false,
                    ),
                    reporters: vec![],
                    makeup_of: None,
                },
            )
            .await?;
        let mut sheet = Vec::new();
        let mut away = Vec::new();
        for (i, m) in members.iter().enumerate() {
            if Some(m.id) == demo_member {
                continue; // the demo member checks in themselves
            }
            let mark = match (i + ci) % 9 {
                4 => AttendanceMark::Excused,
                7 => AttendanceMark::Absent,
                _ => AttendanceMark::Present,
            };
            if mark != AttendanceMark::Present {
                away.push((m.id, m.audience));
            }
            if m.audience == Audience::KeyCadre {
                key_rows.push(AttendanceImportRow {
                    session: key.id,
                    entry: AttendanceEntry {
                        member_id: m.id,
                        mark: AttendanceMark::Present,
                        reason: None,
                    },
                });
            }
            sheet.push(AttendanceEntry {
                member_id: m.id,
                mark,
                reason: (mark == AttendanceMark::Excused).then(|| "Đi công tác".to_owned()),
            });
        }
        marks += store.record_attendance(p, s.id, sheet).await?;
        if c.id == cell.id {
            // A make-up session for those away, in a few days; one of them made it up
            // already at a first make-up.
            let first = store
                .create_study_session(
                    p,
                    c.id,
                    doc,
                    NewStudySession {
                        draft: draft(
                            "Học bù Nghị quyết 05-NQ/TU",
                            "member",
                            "online",
                            issued_on + Duration::days(40),
                            "Phòng họp trực tuyến của Đảng ủy xã",
                            true,
                        ),
                        reporters: vec![],
                        makeup_of: Some(s.id),
                    },
                )
                .await?;
            // A member (not a key cadre, who studied at the province's conference).
            if let Some((m, _)) = away.iter().find(|(_, a)| *a == Audience::Member) {
                marks += store
                    .record_attendance(
                        p,
                        first.id,
                        vec![AttendanceEntry {
                            member_id: *m,
                            mark: AttendanceMark::Present,
                            reason: None,
                        }],
                    )
                    .await?;
            }
            store
                .create_study_session(
                    p,
                    c.id,
                    doc,
                    NewStudySession {
                        draft: draft(
                            "Học bù lần 2 Nghị quyết 05-NQ/TU",
                            "member",
                            "in_person",
                            today + Duration::days(3),
                            "Nhà văn hóa thôn",
                            true,
                        ),
                        reporters: vec![],
                        makeup_of: Some(s.id),
                    },
                )
                .await?;
            // Checks and reflections of a few present members (two reflections nearly the
            // same, one late).
            let present: Vec<&Member> = members
                .iter()
                .filter(|m| Some(m.id) != demo_member && !away.iter().any(|(a, _)| *a == m.id))
                .take(4)
                .collect();
            for (i, m) in present.iter().enumerate() {
                let me = as_member(p, m.id);
                if let Ok(paper) = store.check_paper(&me, doc).await {
                    let bank = store.questions(p, root.id, doc).await?;
                    let answers = paper
                        .questions
                        .iter()
                        .map(|(qid, _, _)| {
                            let right = bank
                                .iter()
                                .find(|q| q.id == *qid)
                                .map(|q| q.question.correct);
                            // The third member misses two answers.
                            let wrong = i == 2 && qid.0 % 2 == 0;
                            (*qid, if wrong { Some(9) } else { right })
                        })
                        .collect();
                    store.submit_check(&me, doc, paper.attempt, answers).await?;
                }
                let body = match i {
                    0 => REFLECTION.to_owned(),
                    1 => REFLECTION.replace("bản thân tôi", "tôi"),
                    2 => "Nghị quyết giúp tôi hiểu rõ hơn vai trò của chi bộ thôn trong \
                          việc đưa chủ trương vào cuộc sống. Tôi đề xuất chi bộ phân công \
                          mỗi đảng viên phụ trách một nhóm hộ, báo cáo kết quả mỗi tháng."
                        .to_owned(),
                    _ => continue,
                };
                let on = if i == 2 {
                    issued_on + Duration::days(50)
                } else {
                    issued_on + Duration::days(30)
                };
                store
                    .submit_reflection(
                        &me,
                        doc,
                        NewReflection {
                            body: Some(body),
                            file: None,
                            on,
                        },
                    )
                    .await?;
            }
        }
    }
    marks += store.import_attendance(p, key_rows).await?;
    Ok(marks)
}
