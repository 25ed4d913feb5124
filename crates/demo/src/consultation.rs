//! The demo's consultations (issue 14, docs/CONSULTATION.md):
//! - Lục Nam's draft action program was put to consultation before it was issued: three
//!   members of the district, two invited experts and the public commented on its
//!   paragraphs and tasks; the office moderated the public comments (one hidden as off
//!   the subject), answered every other one (taken in, partly, not taken in with the
//!   reason), and the program was issued after the period, so its response report
//!   (báo cáo tiếp thu, giải trình) has content;
//! - the province has a draft resolution open for comment by its members and the public
//!   now, which the province's portal lists.
//!
//! The experts' accounts ([`EXPERTS`]) sign in with the demo password; the command line
//! prints them with the other demo logins.

use domain::consultation::{
    Answer, AnswerDraft, CommentForm, ConsultationForm, ItemId, ItemKind, ModerationDecision,
    PublicCommentForm, SubjectKind,
};
use domain::{AccessRole, OrgId, Principal, ProgramId, validate};
use store::{
    Consultation, MemberHit, NewConsultation, NewExpert, NewGrant, NewUser, Store, Subject,
};
use time::{Date, Duration};

/// The invited experts of Lục Nam's consultation: (username, name, affiliation).
pub const EXPERTS: &[(&str, &str, &str)] = &[
    (
        "chuyengia.hoang",
        "PGS.TS. Hoàng Minh Tuấn",
        "Trường Chính trị tỉnh Bắc Giang",
    ),
    (
        "chuyengia.le",
        "ThS. Lê Thị Thu Hằng",
        "Viện Nghiên cứu phát triển kinh tế – xã hội tỉnh",
    ),
];

/// The title of Lục Nam's consultation (also what the command line prints with the
/// experts' logins).
pub const LUC_NAM_TITLE: &str = "Lấy ý kiến dự thảo Chương trình hành động của Huyện ủy Lục Nam thực hiện Nghị quyết số 05-NQ/TU";

fn date(d: Date) -> String {
    validate::format_date(d)
}

fn invalid(e: domain::Invalid) -> store::StoreError {
    e.into()
}

/// The item of a kind and number.
fn item(c: &Consultation, kind: ItemKind, number: u32) -> Option<ItemId> {
    c.items
        .iter()
        .find(|i| i.kind == kind && i.number == number)
        .or_else(|| c.items.iter().find(|i| i.kind == kind))
        .map(|i| i.id)
}

fn ids(c: &Consultation) -> Vec<ItemId> {
    c.items.iter().map(|i| i.id).collect()
}

fn comment(item: Option<ItemId>, body: &str, proposed: &str) -> CommentForm {
    CommentForm {
        item: item.map(|i| i.to_string()).unwrap_or_default(),
        body: body.into(),
        proposed: proposed.into(),
    }
}

fn answer(a: Answer, reason: &str, changed: &str) -> AnswerDraft {
    AnswerDraft {
        answer: a,
        reason: (!reason.is_empty()).then(|| reason.to_owned()),
        changed_text: (!changed.is_empty()).then(|| changed.to_owned()),
    }
}

/// A member's own account (to comment with their name), with a member grant on their cell.
async fn member_principal(
    store: &dyn Store,
    p: &Principal,
    m: &MemberHit,
    username: &str,
    password_hash: &str,
) -> store::Result<Principal> {
    let u = store
        .user_create(
            p,
            NewUser {
                username: username.into(),
                display_name: m.member.full_name.clone(),
                password_hash: password_hash.into(),
                member_id: Some(m.member.id),
            },
        )
        .await?;
    store
        .grant_add(
            p,
            NewGrant {
                user_id: u.id,
                role: AccessRole::Member,
                org_id: m.member.cell_id,
            },
        )
        .await?;
    store
        .principal(u.id)
        .await?
        .ok_or(store::StoreError::NotFound)
}

/// Puts Lục Nam's draft `program` to consultation 45 days before `today` (for two weeks),
/// gathers the comments, moderates and answers them all; the caller issues the program
/// after. `members` are members of the district (three comment with accounts of their
/// own). Returns the consultation's id.
pub async fn luc_nam_program(
    store: &dyn Store,
    p: &Principal,
    org: OrgId,
    program: ProgramId,
    members: &[MemberHit],
    password_hash: &str,
    today: Date,
) -> store::Result<i64> {
    let opened = today - Duration::days(45);
    let closes = opened + Duration::days(14);
    let draft = ConsultationForm {
        title: LUC_NAM_TITLE.into(),
        questions: "Các nhiệm vụ đã sát với tình hình thực tế của địa phương, đơn vị chưa?\n\
                    Thời hạn và người chịu trách nhiệm của từng nhiệm vụ đã rõ và khả thi chưa?\n\
                    Cần bổ sung nhiệm vụ, giải pháp nào?"
            .into(),
        opens_on: date(opened),
        closes_on: date(closes),
        members: true,
        experts: true,
        public: true,
        text: String::new(),
    }
    .parse(SubjectKind::Program, opened)
    .map_err(invalid)?;
    let c = store
        .open_consultation(
            p,
            NewConsultation {
                org_id: org,
                subject: Subject::Program(program),
                draft,
            },
            opened,
        )
        .await?;
    let day = |n: i64| opened + Duration::days(n);

    // The experts, each with an account of their own for this consultation.
    let mut experts = Vec::new();
    for (username, name, affiliation) in EXPERTS {
        let e = store
            .invite_expert(
                p,
                c.id,
                NewExpert {
                    username: (*username).into(),
                    display_name: (*name).into(),
                    affiliation: Some((*affiliation).into()),
                    password_hash: password_hash.into(),
                },
                opened,
            )
            .await?;
        experts.push(
            store
                .principal(e.user_id)
                .await?
                .ok_or(store::StoreError::NotFound)?,
        );
    }

    // Members of the district, with their names.
    let mut voices = Vec::new();
    for (i, m) in members.iter().take(3).enumerate() {
        voices.push(
            member_principal(
                store,
                p,
                m,
                &format!("dangvien.lucnam{}", i + 1),
                password_hash,
            )
            .await?,
        );
    }

    let items = ids(&c);
    let t = |n| item(&c, ItemKind::Task, n);
    let para = |n| item(&c, ItemKind::Paragraph, n);
    let named: Vec<(&Principal, CommentForm, AnswerDraft, i64)> = vec![
        (
            &experts[0],
            comment(
                t(1),
                "Bản tóm tắt 4 trang nên kèm một trang hỏi – đáp ngắn để đảng viên lớn tuổi \
                 dễ nhớ; nên phát lại vào buổi sáng vì tối thứ Bảy nhiều gia đình đi vắng.",
                "Ban Tuyên giáo Huyện ủy biên soạn bản tóm tắt 4 trang và một trang hỏi – đáp, \
                 thu thành tệp âm thanh phát trên loa truyền thanh thôn vào tối thứ Bảy và \
                 sáng Chủ nhật trong tháng 5.",
            ),
            answer(
                Answer::TakenIn,
                "",
                "Ban Tuyên giáo Huyện ủy biên soạn bản tóm tắt 4 trang và một trang hỏi – đáp \
                 bằng tiếng phổ thông và tiếng Sán Dìu, phát trên loa truyền thanh thôn vào \
                 tối thứ Bảy và sáng Chủ nhật.",
            ),
            2,
        ),
        (
            &experts[0],
            comment(
                t(4),
                "Nhiệm vụ giám sát đơn thư nên có chỉ tiêu: tỷ lệ đơn thư được giải quyết dứt \
                 điểm, và công khai kết quả đối thoại tại nhà văn hóa thôn.",
                "",
            ),
            answer(
                Answer::PartlyTakenIn,
                "Bổ sung chỉ tiêu tỷ lệ đơn thư được giải quyết dứt điểm; việc công khai kết \
                 quả đối thoại thực hiện theo quy chế dân chủ ở cơ sở, không đưa vào chương \
                 trình.",
                "Ủy ban Kiểm tra Huyện ủy giám sát chuyên đề việc giải quyết đơn thư của Đảng \
                 ủy hai xã; phấn đấu 100% đơn thư đủ điều kiện được giải quyết dứt điểm.",
            ),
            3,
        ),
        (
            &experts[1],
            comment(
                t(6),
                "Nên chọn điển hình theo từng vùng sản xuất (vải thiều, na, mật ong) và mời \
                 hợp tác xã chia sẻ cách liên kết tiêu thụ, không chỉ báo cáo thành tích.",
                "",
            ),
            answer(Answer::TakenIn, "", ""),
            4,
        ),
        (
            &experts[1],
            comment(
                None,
                "Dự thảo nên có phụ lục phân công theo từng xã, thị trấn để cấp ủy cơ sở biết \
                 rõ phần việc của mình.",
                "",
            ),
            answer(
                Answer::NotTakenIn,
                "Phân công đến từng xã, thị trấn do đảng ủy cơ sở cụ thể hóa trong kế hoạch \
                 của mình theo hướng dẫn của Văn phòng Huyện ủy; chương trình của huyện giữ \
                 các nhiệm vụ chung để tránh trùng lặp.",
                "",
            ),
            5,
        ),
        (
            voices.first().unwrap_or(p),
            comment(
                t(3),
                "Đảng viên đi làm ăn xa cần được sinh hoạt trực tuyến với chi bộ ít nhất mỗi \
                 quý một lần, không chỉ báo cáo qua nhóm Zalo.",
                "",
            ),
            answer(
                Answer::PartlyTakenIn,
                "Bổ sung việc chi bộ tổ chức trao đổi trực tuyến với đảng viên đi làm ăn xa \
                 mỗi quý; sinh hoạt chi bộ định kỳ vẫn theo quy định của Điều lệ Đảng.",
                "Chi bộ lập nhóm liên lạc, đảng viên đi xa báo cáo hằng tháng; mỗi quý chi bộ \
                 tổ chức trao đổi trực tuyến với đảng viên đi làm ăn xa.",
            ),
            3,
        ),
        (
            voices.get(1).unwrap_or(p),
            comment(
                t(2),
                "Mục tiêu có chi bộ ở 6 thôn vào tháng 12/2025 là phù hợp; đề nghị giao rõ \
                 đảng ủy xã nào chịu trách nhiệm từng thôn.",
                "",
            ),
            answer(Answer::TakenIn, "", ""),
            6,
        ),
        (
            voices.get(2).unwrap_or(p),
            comment(
                para(1),
                "Đề nghị nêu rõ hơn kết quả thực hiện năm trước để so sánh, tránh đặt mục tiêu \
                 chung chung.",
                "",
            ),
            answer(
                Answer::NotTakenIn,
                "Kết quả năm trước đã được đánh giá trong Báo cáo sơ kết của Ban Thường vụ \
                 Huyện ủy; chương trình chỉ nêu mục đích, yêu cầu cho giai đoạn tới.",
                "",
            ),
            7,
        ),
    ];
    let mut answers = Vec::new();
    for (who, form, a, on) in named {
        let draft = form.parse(&items).map_err(invalid)?;
        let made = store.comment_on(who, c.id, draft, day(on)).await?;
        answers.push((made.id, a));
    }

    // The public: two comments published and answered, one hidden as off the subject.
    let public: [(&str, &str, CommentForm, Option<AnswerDraft>); 3] = [
        (
            "Nguyễn Văn Bình",
            "0912 345 678",
            comment(
                t(4),
                "Gia đình tôi ở xã Tiên Nha có đơn về bồi thường đất từ năm 2023, mong được \
                 đối thoại sớm hơn tháng 9.",
                "",
            ),
            Some(answer(
                Answer::PartlyTakenIn,
                "Thời hạn đối thoại giữ đến ngày 30/9 để đủ thời gian xác minh hồ sơ; Đảng ủy \
                 xã Tiên Nha sẽ mời các hộ có đơn từ năm 2023 đối thoại trước.",
                "",
            )),
        ),
        (
            "Trần Thị Mai",
            "mai.tran@example.vn",
            comment(
                t(1),
                "Nên phát thêm bản tóm tắt trên trang thông tin điện tử của huyện để người \
                 trẻ đọc trên điện thoại.",
                "",
            ),
            Some(answer(Answer::TakenIn, "", "")),
        ),
        (
            "Khách",
            "0900 000 000",
            comment(None, "Bán đất nền giá rẻ, liên hệ số điện thoại trên.", ""),
            None,
        ),
    ];
    for (i, (name, contact, form, a)) in public.into_iter().enumerate() {
        let draft = PublicCommentForm {
            name: name.into(),
            contact: contact.into(),
            comment: form,
        }
        .parse(&items)
        .map_err(invalid)?;
        let id = store
            .public_comment(c.id, draft, &format!("demo-public-{i}"), day(8))
            .await?;
        match a {
            Some(a) => {
                store
                    .moderate_comment(p, id, ModerationDecision::Publish, day(9))
                    .await?;
                answers.push((id, a));
            }
            None => {
                store
                    .moderate_comment(
                        p,
                        id,
                        ModerationDecision::Reject {
                            reason: "Quảng cáo, không liên quan đến dự thảo.".into(),
                        },
                        day(9),
                    )
                    .await?;
            }
        }
    }

    // The office answers every comment after the period.
    for (id, a) in answers {
        store
            .answer_comment(p, id, a, closes + Duration::days(2))
            .await?;
    }
    Ok(c.id.0)
}

const DRAFT_RESOLUTION: &str = "\
## I. Mục tiêu

Đến năm 2030, 100% cơ quan đảng từ tỉnh đến cơ sở xử lý văn bản trên môi trường mạng; \
hồ sơ đảng viên được số hóa và cập nhật thường xuyên.

Mỗi đảng viên có tài khoản để nhận tài liệu sinh hoạt chi bộ và tài liệu học tập nghị \
quyết trên điện thoại.

## II. Nhiệm vụ, giải pháp

Văn phòng Tỉnh ủy chủ trì xây dựng kho dữ liệu văn bản của Đảng bộ tỉnh, hoàn thành trong \
năm 2027.

Ban Tổ chức Tỉnh ủy hướng dẫn số hóa hồ sơ đảng viên theo từng đảng bộ trực thuộc, xong \
trước tháng 6/2028.

Các đảng bộ trực thuộc bồi dưỡng kỹ năng số cho bí thư chi bộ, mỗi năm ít nhất một lớp.

## III. Tổ chức thực hiện

Ban Thường vụ Tỉnh ủy sơ kết việc thực hiện Nghị quyết vào năm 2028.
";

/// The province's draft resolution, open to its members and the public from three days
/// before `today` for three weeks, with one published comment and one waiting for
/// moderation. Returns the consultation's id.
pub async fn province_draft(
    store: &dyn Store,
    p: &Principal,
    root: OrgId,
    today: Date,
) -> store::Result<i64> {
    let opened = today - Duration::days(3);
    let draft = ConsultationForm {
        title: "Lấy ý kiến dự thảo Nghị quyết của Tỉnh ủy về chuyển đổi số trong hoạt động \
                của các cơ quan đảng giai đoạn 2026–2030"
            .into(),
        questions: "Các mục tiêu đến năm 2030 có phù hợp và khả thi không?\n\
                    Cần bổ sung giải pháp nào để đảng viên ở cơ sở dễ tiếp cận?"
            .into(),
        opens_on: date(opened),
        closes_on: date(today + Duration::days(18)),
        members: true,
        experts: false,
        public: true,
        text: DRAFT_RESOLUTION.into(),
    }
    .parse(SubjectKind::Resolution, opened)
    .map_err(invalid)?;
    let c = store
        .open_consultation(
            p,
            NewConsultation {
                org_id: root,
                subject: Subject::Text(SubjectKind::Resolution),
                draft,
            },
            opened,
        )
        .await?;
    let items = ids(&c);
    let said = [
        (
            "Phạm Quốc Huy",
            "0983 112 233",
            comment(
                item(&c, ItemKind::Paragraph, 2),
                "Nhiều đảng viên cao tuổi chưa dùng điện thoại thông minh; đề nghị chi bộ vẫn \
                 phát tài liệu in cho những trường hợp này.",
                "",
            ),
            true,
        ),
        (
            "Đỗ Thị Lan",
            "0977 445 566",
            comment(
                item(&c, ItemKind::Paragraph, 5),
                "Lớp bồi dưỡng kỹ năng số nên tổ chức tại cụm xã để bí thư chi bộ đi lại thuận \
                 tiện.",
                "",
            ),
            false,
        ),
    ];
    for (i, (name, contact, form, publish)) in said.into_iter().enumerate() {
        let draft = PublicCommentForm {
            name: name.into(),
            contact: contact.into(),
            comment: form,
        }
        .parse(&items)
        .map_err(invalid)?;
        let id = store
            .public_comment(c.id, draft, &format!("demo-province-{i}"), opened)
            .await?;
        if publish {
            store
                .moderate_comment(p, id, ModerationDecision::Publish, opened)
                .await?;
        }
    }
    Ok(c.id.0)
}
