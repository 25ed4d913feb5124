//! Consultation on drafts over HTTP (issue 14 items 1-3): the office opens a draft program
//! for comment, invites an expert (who signs in with the password shown once), members,
//! the expert and the public comment, the office moderates and answers, the program is
//! issued only after, and the response report opens in LibreOffice. The public form's
//! CSRF token and the flood limit; the isolation of the expert is in `isolation.rs`.

use domain::consultation::{CommentForm, ConsultationForm, SubjectKind};
use domain::{Principal, ProgramSections, TaskDraft};
use store::{NewConsultation, NewExpert, Subject};

use crate::helpers::{Browser, PASSWORD, TestApp, hidden_csrf, spawn_app};

/// District A's consultation on a report (members, experts and the public asked), with
/// one comment by clerk.a (a member of the district) and an expert account
/// (`expert.a`).
pub struct ConsultationRecords {
    pub consultation: domain::consultation::ConsultationId,
    pub comment: domain::consultation::CommentId,
    pub expert: domain::UserId,
}

impl TestApp {
    pub async fn seed_consultation(&self) -> ConsultationRecords {
        let sys = Principal::system();
        let s = self.store.as_ref();
        let today = web_today();
        let c = s
            .open_consultation(
                &sys,
                NewConsultation {
                    org_id: self.district_a,
                    subject: Subject::Text(SubjectKind::Report),
                    draft: ConsultationForm {
                        title: "Dự thảo báo cáo sơ kết của Huyện Lục Nam".into(),
                        questions: "Kết quả nào cần bổ sung?".into(),
                        opens_on: domain::validate::format_date(today),
                        closes_on: domain::validate::format_date(today + time::Duration::days(14)),
                        members: true,
                        experts: true,
                        public: true,
                        text: "# I. Kết quả\nĐã quán triệt nghị quyết.\n\nCòn một số hạn chế."
                            .into(),
                    }
                    .parse(SubjectKind::Report, today)
                    .expect("form"),
                },
                today,
            )
            .await
            .expect("consultation");
        let clerk = s.principal(self.clerk_a).await.unwrap().unwrap();
        let ids: Vec<_> = c.items.iter().map(|i| i.id).collect();
        let comment = s
            .comment_on(
                &clerk,
                c.id,
                CommentForm {
                    item: ids[0].to_string(),
                    body: "Cần nêu số liệu cụ thể.".into(),
                    proposed: String::new(),
                }
                .parse(&ids)
                .unwrap(),
                today,
            )
            .await
            .expect("comment");
        let hash = web::password::hash(PASSWORD).expect("hash");
        let expert = s
            .invite_expert(
                &sys,
                c.id,
                NewExpert {
                    username: "expert.a".into(),
                    display_name: "TS. Hoàng Văn Khoa".into(),
                    affiliation: Some("Trường Chính trị tỉnh".into()),
                    password_hash: hash,
                },
                today,
            )
            .await
            .expect("expert");
        ConsultationRecords {
            consultation: c.id,
            comment: comment.id,
            expert: expert.user_id,
        }
    }
}

/// Today in Vietnam, as the server reads it.
pub fn web_today() -> time::Date {
    domain::tz::local_date(time::OffsetDateTime::now_utc())
}

/// The value of an input named `name` in a page.
fn input_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect("the input") + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

/// The text inside `<code id="{id}">…</code>`.
fn code(html: &str, id: &str) -> String {
    let marker = format!("<code id=\"{id}\">");
    let start = html.find(&marker).expect("the code") + marker.len();
    let end = html[start..].find("</code>").unwrap() + start;
    html[start..end].to_owned()
}

async fn issue(b: &Browser, pid: domain::ProgramId, on: &str) -> (u16, String) {
    text(
        b.post(&format!("/programs/{pid}/issue"), &[("issued_on", on)])
            .await,
    )
    .await
}

async fn text(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

/// Posts the public form of a consultation as its page gives it.
async fn public_post(b: &Browser, id: i64, fields: &[(&str, &str)]) -> reqwest::Response {
    let page = b
        .get(&format!("/public/consultations/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let token = input_value(&page, "form_token");
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("form_token", &token));
    b.client
        .post(b.url(&format!("/public/consultations/{id}")))
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_program_under_consultation_is_issued_after_every_answer_with_its_report() {
    let app = spawn_app().await;
    let records = app.seed_programs().await;
    let sys = Principal::system();
    let pid = records.program;
    app.store
        .save_program_sections(
            &sys,
            pid,
            ProgramSections {
                purpose: "Quán triệt nghị quyết đến mọi đảng viên.".into(),
                tasks_and_solutions: "Các nhiệm vụ trong bảng.".into(),
                organization: "Văn phòng Đảng ủy theo dõi.".into(),
            },
        )
        .await
        .unwrap();
    app.store
        .save_tasks(
            &sys,
            pid,
            vec![TaskDraft {
                content: "Tổ chức hội nghị quán triệt".into(),
                lead_body: Some("Ban Tuyên giáo".into()),
                cooperating_bodies: vec![],
                responsible: Some(app.member_a),
                deadline: Some(web_today() + time::Duration::days(200)),
                expected_output: Some("Báo cáo kết quả".into()),
                upper_target: None,
            }],
        )
        .await
        .unwrap();
    let office = app.signed_in("office.a").await;
    let g = app.grassroots_a;
    let (status, page) = text(
        office
            .get(&format!("/orgs/{g}/consultations/new?program={pid}"))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let today = domain::validate::format_date(web_today());
    let closes = domain::validate::format_date(web_today() + time::Duration::days(10));
    // Bad input comes back with the messages.
    let (status, page) = text(
        office
            .post(
                &format!("/orgs/{g}/consultations/new"),
                &[
                    ("program", &pid.to_string()),
                    ("title", ""),
                    ("opens_on", &today),
                    ("closes_on", "01/01/2020"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("Chọn ít nhất một đối tượng"), "{page}");
    let res = office
        .post(
            &format!("/orgs/{g}/consultations/new"),
            &[
                ("program", &pid.to_string()),
                ("title", "Lấy ý kiến dự thảo Chương trình hành động"),
                ("questions", "Nhiệm vụ nào cần bổ sung?"),
                ("opens_on", &today),
                ("closes_on", &closes),
                ("members", "1"),
                ("experts", "1"),
                ("public", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let cid: i64 = location
        .trim_start_matches("/consultations/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (status, page) = text(office.get(&location).await).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Đoạn 1") && page.contains("Nhiệm vụ 1"),
        "{page}"
    );

    // The office invites an expert: the password is shown once.
    let (status, page) = text(
        office
            .post(
                &format!("/consultations/{cid}/experts"),
                &[
                    ("display_name", "PGS.TS Trần Minh Khôi"),
                    ("affiliation", "Học viện Chính trị khu vực I"),
                    ("username", "chuyengia.khoi"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let password = code(&page, "invited-password");
    assert_eq!(code(&page, "invited-username"), "chuyengia.khoi");
    let mut expert = app.browser();
    assert_eq!(
        expert.sign_in("chuyengia.khoi", &password).await.status(),
        303
    );
    let (status, page) = text(expert.get(&format!("/consultations/{cid}")).await).await;
    assert_eq!(status, 200);
    expert.csrf = hidden_csrf(&page);
    let c = app
        .store
        .consultation(&sys, domain::consultation::ConsultationId(cid), web_today())
        .await
        .unwrap();
    let task_item = c
        .items
        .iter()
        .find(|i| i.kind == domain::consultation::ItemKind::Task)
        .unwrap();
    let res = expert
        .post(
            &format!("/consultations/{cid}/comments"),
            &[
                ("item", &task_item.id.to_string()),
                ("body", "Nên giao thời hạn theo quý."),
                ("proposed", "Tổ chức hội nghị quán triệt trong quý I."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    // The expert sees nothing else: not the unit, not the program.
    assert_eq!(expert.get(&format!("/orgs/{g}")).await.status(), 404);
    assert_eq!(expert.get(&format!("/programs/{pid}")).await.status(), 404);

    // A visitor without an account comments on the public page.
    let visitor = app.browser();
    let res = public_post(
        &visitor,
        cid,
        &[
            ("name", "Nguyễn Thị Lan"),
            ("contact", "0912 345 678"),
            ("item", ""),
            ("body", "Đề nghị bổ sung nhiệm vụ chuyển đổi số."),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    // Not shown before moderation; the contact never on the public page.
    let (_, public) = text(visitor.get(&format!("/public/consultations/{cid}")).await).await;
    assert!(!public.contains("chuyển đổi số") && !public.contains("0912 345 678"));

    // Issuing waits: first for the period, then for the answers, naming how many.

    let (status, page) = issue(&office, pid, &today).await;
    assert_eq!(status, 422);
    assert!(page.contains("kết thúc đợt lấy ý kiến"), "{page}");
    // Ending cannot be undone: the office sees what it ends first.
    let (status, page) = text(office.get(&format!("/consultations/{cid}/end")).await).await;
    assert_eq!(status, 200);
    assert!(page.contains("Kết thúc lấy ý kiến?"), "{page}");
    assert!(page.contains("không mở lại được"), "{page}");
    let res = office.post(&format!("/consultations/{cid}/end"), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("/consultations/{cid}/end").as_str(),
        "no confirmation, nothing ended"
    );
    let res = office
        .post(&format!("/consultations/{cid}/end"), &[("confirm", "yes")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("/consultations/{cid}?done=ended").as_str()
    );
    let (status, page) = issue(&office, pid, &today).await;
    assert_eq!(status, 422);
    assert!(page.contains("Còn 2 góp ý"), "{page}");

    let all = app
        .store
        .consultation(&sys, domain::consultation::ConsultationId(cid), web_today())
        .await
        .unwrap();
    let expert_comment = all
        .comments
        .iter()
        .find(|c| c.source == store::CommentSource::Expert)
        .unwrap()
        .id;
    let public_comment = all
        .comments
        .iter()
        .find(|c| c.source == store::CommentSource::Public)
        .unwrap()
        .id;
    // A reason is required when not wholly taken in.
    let (status, page) = text(
        office
            .post(
                &format!("/consultation-comments/{expert_comment}/answer"),
                &[("answer", "partly_taken_in"), ("reason", "")],
            )
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("giải trình"), "{page}");
    assert_eq!(
        office
            .post(
                &format!("/consultation-comments/{expert_comment}/answer"),
                &[
                    ("answer", "partly_taken_in"),
                    ("reason", "Giao theo quý cho nhiệm vụ trọng tâm."),
                    ("changed_text", "Tổ chức hội nghị quán triệt trong quý I."),
                ],
            )
            .await
            .status(),
        303
    );
    assert_eq!(
        office
            .post(
                &format!("/consultation-comments/{public_comment}/moderate"),
                &[("decision", "publish")],
            )
            .await
            .status(),
        303
    );
    assert_eq!(
        office
            .post(
                &format!("/consultation-comments/{public_comment}/answer"),
                &[
                    ("answer", "not_taken_in"),
                    ("reason", "Đã có trong nhiệm vụ của Ban Tuyên giáo."),
                ],
            )
            .await
            .status(),
        303
    );
    // The expert sees the answer; the public page shows the published comment.
    let (_, page) = text(expert.get(&format!("/consultations/{cid}")).await).await;
    assert!(
        page.contains("Tiếp thu một phần") && page.contains("Giao theo quý"),
        "{page}"
    );
    let (_, public) = text(visitor.get(&format!("/public/consultations/{cid}")).await).await;
    assert!(public.contains("chuyển đổi số") && public.contains("Không tiếp thu"));
    assert!(!public.contains("0912 345 678") && !public.contains("Nguyễn Thị Lan"));

    let (status, page) = issue(&office, pid, &today).await;
    assert_eq!(status, 303, "{page}");

    // The response report.
    let res = office
        .get(&format!("/consultations/{cid}/report.docx"))
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("wordprocessingml")
    );
    let bytes = res.bytes().await.unwrap();
    // The expert may not download it.
    assert_eq!(
        expert
            .get(&format!("/consultations/{cid}/report.docx"))
            .await
            .status(),
        404
    );
    let audit = app
        .store
        .audit_list(
            &sys,
            store::AuditFilter {
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for want in ["open", "invite", "comment", "moderate", "answer", "end"] {
        assert!(
            audit
                .iter()
                .any(|e| e.action == want && e.entity.starts_with("consultation")),
            "{want}"
        );
    }
    let Some((text, _)) = testdb::office::docx_as_pdf_text("consultation report", &bytes) else {
        return;
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for part in [
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "BÁO CÁO",
        "tiếp thu, giải trình ý kiến góp ý",
        "1 của chuyên gia, 1 của Nhân dân",
        "tiếp thu một phần 1 ý kiến, không tiếp thu 1 ý kiến",
        "PGS.TS",
        "Khôi",
        "Nhiệm vụ 1",
        "T/M BAN THƯỜNG VỤ",
        "Nơi nhận:",
    ] {
        assert!(text.contains(part), "{part} missing from: {text}");
    }
    assert!(!text.contains("0912 345 678"), "no contact in the report");
}

#[tokio::test]
async fn the_public_form_is_protected_and_a_flood_is_refused_alone() {
    let app = spawn_app().await;
    let con = app.seed_consultation().await;
    let cid = con.consultation.0;
    let visitor = app.browser();
    // Without the page's cookie and token: refused.
    let stranger = app.browser();
    let res = stranger
        .client
        .post(stranger.url(&format!("/public/consultations/{cid}")))
        .form(&[
            ("name", "A"),
            ("contact", "b"),
            ("body", "c"),
            ("form_token", "1.2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // A token of another browser does not fit this one's cookie.
    let page = visitor
        .get(&format!("/public/consultations/{cid}"))
        .await
        .text()
        .await
        .unwrap();
    let token = input_value(&page, "form_token");
    let _ = stranger.get(&format!("/public/consultations/{cid}")).await;
    let res = stranger
        .client
        .post(stranger.url(&format!("/public/consultations/{cid}")))
        .form(&[
            ("name", "A"),
            ("contact", "b"),
            ("body", "c"),
            ("form_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Links are refused with a message; nothing is kept.
    let (status, page) = text(
        public_post(
            &visitor,
            cid,
            &[
                ("name", "A"),
                ("contact", "b"),
                ("body", "Xem tại ban-hang.com.vn"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("đường liên kết"), "{page}");
    // Five comments from one address go through; the sixth is refused with a clear
    // message, and the office's pages answer as usual.
    for i in 0..web::consultation::public::PER_ADDRESS {
        let body = format!("Góp ý số {i} về kết quả sơ kết");
        let res = public_post(
            &visitor,
            cid,
            &[
                ("name", "Người dân"),
                ("contact", "0900000000"),
                ("body", &body),
            ],
        )
        .await;
        assert!(
            res.status() == 303 || res.status() == 429,
            "{}",
            res.status()
        );
    }
    let (status, page) = text(
        public_post(
            &visitor,
            cid,
            &[
                ("name", "Người dân"),
                ("contact", "0900000000"),
                ("body", "Thêm một góp ý nữa"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 429);
    assert!(page.contains("Vui lòng thử lại sau"), "{page}");
    let office = app.signed_in("office.a").await;
    assert_eq!(
        office.get(&format!("/consultations/{cid}")).await.status(),
        200
    );
    // A member's named comment is not slowed by the flood.
    let clerk = app.signed_in("clerk.a").await;
    let res = clerk
        .post(
            &format!("/consultations/{cid}/comments"),
            &[("item", ""), ("body", "Đồng ý với dự thảo.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    // The office sees the pending public comments with their contact; the clerk only
    // their own.
    let (_, page) = text(office.get(&format!("/consultations/{cid}")).await).await;
    assert!(page.contains("0900000000") && page.contains("Chờ duyệt"));
    let (_, page) = text(clerk.get(&format!("/consultations/{cid}")).await).await;
    assert!(!page.contains("0900000000") && page.contains("Đồng ý với dự thảo."));
    // The JSON API: the clerk comments, the office answers.
    let res = clerk
        .client
        .post(clerk.url(&format!("/api/consultations/{cid}/comments")))
        .header("x-csrf-token", &clerk.csrf)
        .json(&serde_json::json!({"body": "Bổ sung số liệu quý IV."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let made: serde_json::Value = res.json().await.unwrap();
    let res = office
        .client
        .post(office.url(&format!("/api/consultation-comments/{}/answer", made["id"])))
        .header("x-csrf-token", &office.csrf)
        .json(&serde_json::json!({"answer": "taken_in", "changed_text": "Số liệu quý IV."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let json: serde_json::Value = clerk
        .get(&format!("/api/consultations/{cid}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json["viewer"], "member");
    assert!(
        json["comments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["answer"] == "taken_in")
    );
    // A consultation's public page is not there for a members-only one or an unknown id.
    assert_eq!(
        visitor.get("/public/consultations/999999").await.status(),
        404
    );
    let _ = con.comment;
    let _ = con.expert;
}

/// Issue 14 item 4: a unit's portal home lists the open public consultations of its
/// subtree, linking to their public pages; the sign-in page links to the portal, and
/// `/portal` leads to the one unit that has a public portal.
#[tokio::test]
async fn the_portal_home_lists_open_public_consultations() {
    let app = spawn_app().await;
    let con = app.seed_consultation().await;
    let cid = con.consultation.0;
    let visitor = app.browser();
    for org in [app.province, app.district_a] {
        let (status, home) = text(visitor.get(&format!("/portal/{}", org.0)).await).await;
        assert_eq!(status, 200);
        assert!(
            home.contains("Dự thảo báo cáo sơ kết của Huyện Lục Nam"),
            "{home}"
        );
        assert!(
            home.contains(&format!("href=\"/public/consultations/{cid}\"")),
            "{home}"
        );
    }
    // District B's portal does not list district A's consultation.
    let (_, other) = text(visitor.get(&format!("/portal/{}", app.district_b.0)).await).await;
    assert!(!other.contains("Dự thảo báo cáo sơ kết"), "{other}");
    // The sign-in page links to the portal; without a public article `/portal` says so.
    let (_, login) = text(visitor.get("/login").await).await;
    assert!(login.contains("href=\"/portal\""), "{login}");
    let (status, index) = text(visitor.get("/portal").await).await;
    assert_eq!(status, 200);
    assert!(index.contains("Chưa có trang thông tin nào."), "{index}");
    // Once the province publishes an article, `/portal` is its home.
    let sys = Principal::system();
    let a = app
        .store
        .create_article(
            &sys,
            app.province,
            domain::portal::check_article("Tin mới", "Tóm tắt.", "Nội dung.", "", "Thời sự")
                .unwrap(),
        )
        .await
        .unwrap();
    app.store
        .publish_article(&sys, a.id, None, time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    let res = visitor.get("/portal").await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("/portal/{}", app.province.0)
    );
}

/// Opening and ending a public consultation clears the portal's page cache: the unit's
/// home (kept rendered) lists it at once, and drops it at once when it ends.
#[tokio::test]
async fn the_portal_home_shows_a_consultation_the_moment_it_opens_and_ends() {
    let app = spawn_app().await;
    let visitor = app.browser();
    let home = format!("/portal/{}", app.district_a.0);
    let title = "Lấy ý kiến dự thảo báo cáo chuyển đổi số";
    let (status, page) = text(visitor.get(&home).await).await;
    assert_eq!(status, 200);
    assert!(!page.contains(title), "{page}");
    let office = app.signed_in("office.a").await;
    let today = web_today();
    let res = office
        .post(
            &format!("/orgs/{}/consultations/new", app.district_a.0),
            &[
                ("kind", "report"),
                ("title", title),
                ("questions", "Cần bổ sung gì?"),
                ("opens_on", &domain::validate::format_date(today)),
                (
                    "closes_on",
                    &domain::validate::format_date(today + time::Duration::days(10)),
                ),
                ("public", "1"),
                ("text", "# I. Kết quả\nĐã triển khai."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let cid: i64 = location
        .trim_start_matches("/consultations/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (_, page) = text(visitor.get(&home).await).await;
    assert!(
        page.contains(title) && page.contains(&format!("/public/consultations/{cid}")),
        "{page}"
    );
    let res = office
        .post(&format!("/consultations/{cid}/end"), &[("confirm", "yes")])
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = text(visitor.get(&home).await).await;
    assert!(!page.contains(title), "{page}");
}
