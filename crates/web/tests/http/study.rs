//! Study (issue 5): a secretary marks attendance on one screen, a member checks in with the
//! conference's signed QR link (twice: harmless), refused links say why in the user's
//! language, the member takes the knowledge check and hands in a reflection, grading
//! flags a copied reflection, the round's review is issued and downloaded, and the
//! dashboard shows the study figures.

use domain::study::{AttendanceEntry, Question, QuestionForm, SessionDraft, SessionForm};
use domain::{AttendanceMark, Audience, DocumentId, MemberId, Principal, StudySessionId};
use store::{NewMaterial, NewReflection, NewStudySession, NewUser, SessionEdit};
use time::macros::date;

use crate::helpers::{
    Browser, PASSWORD, ProgramRecords, SMALL_PDF, TestApp, keep_pdf, multipart, spawn_app,
};

/// Records of district A's study round, for the routes that name them.
pub struct StudyRecords {
    pub document: DocumentId,
    pub session: StudySessionId,
    pub material: domain::study::MaterialId,
    pub reflection: domain::ReflectionId,
    /// `exp=…&sig=…` of a check-in link to the session valid for a day (as its QR code holds).
    pub checkin_query: String,
}

fn as_member(m: MemberId) -> Principal {
    Principal {
        member_id: Some(m),
        ..Principal::system()
    }
}

impl TestApp {
    /// District A's commune plans the study of the seeded resolution: core content,
    /// a conference of cell A, a link material, six member questions, and member A's
    /// reflection with a PDF (all as the system).
    pub async fn seed_study(&self, r: &ProgramRecords) -> StudyRecords {
        let sys = Principal::system();
        let s = self.store.as_ref();
        s.save_study_content(
            &sys,
            self.grassroots_a,
            r.document,
            Audience::Member,
            "Nội dung cốt lõi: năm nhóm giải pháp xây dựng Đảng bộ xã trong sạch, vững mạnh."
                .into(),
        )
        .await
        .expect("content");
        let draft = SessionDraft::parse(
            &SessionForm {
                title: "Học tập nghị quyết – Chi bộ thôn Thanh Lâm".into(),
                audience: "member".into(),
                format: "in_person".into(),
                held_on: "10/02/2025".into(),
                place: "Nhà văn hóa thôn Thanh Lâm".into(),
            },
            Some(date!(2025 - 02 - 15)),
            false,
        )
        .expect("draft");
        let session = s
            .create_study_session(
                &sys,
                self.cell_a,
                r.document,
                NewStudySession {
                    draft,
                    reporters: vec![],
                    makeup_of: None,
                },
            )
            .await
            .expect("session");
        let material = s
            .add_study_material(
                &sys,
                self.cell_a,
                r.document,
                NewMaterial {
                    audience: None,
                    title: "Đề cương tuyên truyền".into(),
                    url: Some("https://example.org/de-cuong.pdf".into()),
                    file: None,
                },
            )
            .await
            .expect("material");
        for i in 0..6 {
            let q = Question::parse(&QuestionForm {
                audience: "member".into(),
                prompt: format!("Câu hỏi số {i} về nghị quyết?"),
                choices: "Phương án A\nPhương án B\nPhương án C".into(),
                correct: "2".into(),
            })
            .expect("question");
            s.add_question(&sys, self.grassroots_a, r.document, q)
                .await
                .expect("question");
        }
        let meta = keep_pdf(self.data.path(), "thu-hoach.pdf");
        let reflection = s
            .submit_reflection(
                &as_member(self.member_a),
                r.document,
                NewReflection {
                    body: Some("Bài thu hoạch của đồng chí Đức.".into()),
                    file: Some(meta),
                    on: date!(2025 - 02 - 12),
                },
            )
            .await
            .expect("reflection");
        let key = s.checkin_key().await.expect("check-in key");
        let exp = time::OffsetDateTime::now_utc().unix_timestamp() + 86_400;
        let sig = domain::study::sign_checkin(&key, session.id, exp);
        StudyRecords {
            document: r.document,
            session: session.id,
            material: material.id,
            reflection: reflection.id,
            checkin_query: format!("exp={exp}&sig={sig}"),
        }
    }

    /// Moves a conference to today, the only day its QR code marks anyone present.
    pub async fn hold_today(&self, session: StudySessionId) {
        let sys = Principal::system();
        let s = self.store.as_ref();
        let before = s.study_session(&sys, session).await.expect("session");
        let today = domain::tz::local_date(time::OffsetDateTime::now_utc());
        let draft = SessionDraft::parse(
            &SessionForm {
                title: before.title.clone(),
                audience: before.audience.as_str().into(),
                format: before.format.as_str().into(),
                held_on: domain::validate::format_date(today),
                place: before.place.clone(),
            },
            None,
            false,
        )
        .expect("draft");
        s.update_study_session(
            &sys,
            session,
            SessionEdit {
                draft,
                reporters: before.reporters.iter().map(|r| r.0).collect(),
            },
        )
        .await
        .expect("held today");
    }

    /// A member account (no grants) for a member.
    pub async fn member_browser(&self, username: &str, member: MemberId) -> Browser {
        let hash = web::password::hash(PASSWORD).expect("hash");
        self.store
            .user_create(
                &Principal::system(),
                NewUser {
                    username: username.into(),
                    display_name: username.into(),
                    password_hash: hash,
                    member_id: Some(member),
                },
            )
            .await
            .expect("member account");
        self.signed_in(username).await
    }
}

async fn text(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

/// The first `href="/check-in/..."` of a page, unescaped.
fn checkin_link(html: &str) -> String {
    let start = html.find("/check-in/").expect("a check-in link");
    let rest = &html[start..];
    let end = rest.find('"').expect("end of link");
    rest[..end].replace("&amp;", "&").replace("&#38;", "&")
}

fn query(link: &str, key: &str) -> String {
    link.split(['?', '&'])
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn secretary_marks_attendance_and_members_check_in_with_the_qr_link() {
    let app = spawn_app().await;
    let r = app.seed_programs().await;
    let st = app.seed_study(&r).await;
    let sec = app.signed_in("secretary.a").await;
    let sheet = sec.get(&format!("/study-sessions/{}", st.session)).await;
    let (status, html) = text(sheet).await;
    assert_eq!(status, 200);
    assert!(html.contains("Nguyễn Văn Đức") && html.contains("Trần Thị Hoà"));
    assert!(html.contains(&format!("name=\"mark_{}\"", app.member_a)));
    assert!(html.contains("Vắng có phép"));
    // Excused without a reason: the line says what to fix, nothing is saved.
    let members = app
        .store
        .cell_members(&Principal::system(), app.cell_a)
        .await
        .unwrap();
    let hoa = members
        .iter()
        .find(|m| m.full_name == "Trần Thị Hoà")
        .unwrap()
        .id;
    let path = format!("/study-sessions/{}/attendance", st.session);
    let mark_a = format!("mark_{}", app.member_a);
    let mark_h = format!("mark_{hoa}");
    let (status, html) = text(
        sec.post(&path, &[(&mark_a, "present"), (&mark_h, "excused")])
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Hãy ghi lý do vắng có phép."), "{html}");
    let reason_h = format!("reason_{hoa}");
    let res = sec
        .post(
            &path,
            &[
                (&mark_a, "present"),
                (&mark_h, "excused"),
                (&reason_h, "Ốm"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = text(
        sec.get(&format!("/study-sessions/{}?done=saved&n=2", st.session))
            .await,
    )
    .await;
    assert!(
        html.contains("Có mặt 1 · Vắng có phép 1 · Vắng 0"),
        "{html}"
    );
    // The sheet opened at one cell (as a long sheet is, cell by cell) keeps the cell
    // across a save.
    let at_cell = format!("/study-sessions/{}?cell={}", st.session, app.cell_a);
    let (status, html) = text(sec.get(&at_cell).await).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("name=\"cell\" value=\"{}\"", app.cell_a)),
        "{html}"
    );
    let cell = app.cell_a.to_string();
    let res = sec
        .post(&path, &[(&mark_a, "present"), ("cell", &cell)])
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with(&format!("&cell={}", app.cell_a))
    );
    // A member of another cell on the sheet: refused with a message.
    let mark_b = format!("mark_{}", app.member_b);
    let (status, html) = text(sec.post(&path, &[(&mark_b, "present")]).await).await;
    assert_eq!(status, 422);
    assert!(html.contains("không thuộc chi bộ"), "{html}");

    // The QR code: none once the conference's day is over; on the day, an inline SVG
    // holding a signed link.
    let (status, html) = text(sec.get(&format!("/study-sessions/{}/qr", st.session)).await).await;
    assert_eq!(status, 200);
    assert!(
        !html.contains("<svg") && html.contains("Ngày hội nghị đã qua"),
        "{html}"
    );
    app.hold_today(st.session).await;
    let (status, html) = text(sec.get(&format!("/study-sessions/{}/qr", st.session)).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("<svg"));
    let link = checkin_link(&html);
    assert!(link.contains("exp=") && link.contains("sig="));
    // Hoà checks in on her phone; the second scan is harmless.
    let hoa_b = app.member_browser("hoa.tt", hoa).await;
    let (status, html) = text(hoa_b.get(&link).await).await;
    assert_eq!(status, 200, "{link} {html}");
    assert!(html.contains("Điểm danh"));
    let form = [("exp", query(&link, "exp")), ("sig", query(&link, "sig"))];
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let checkin = format!("/check-in/{}", st.session);
    let (status, html) = text(hoa_b.post(&checkin, &fields).await).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Đã điểm danh: Trần Thị Hoà có mặt."),
        "{html}"
    );
    let (_, html) = text(hoa_b.post(&checkin, &fields).await).await;
    assert!(html.contains("đã điểm danh trước đó"), "{html}");
    let p = app
        .store
        .participation(&Principal::system(), app.grassroots_a, r.document)
        .await
        .unwrap();
    assert_eq!(p.total().studied, 2);
    // An altered signature, an expired link, a member of another district.
    let (status, html) = text(
        hoa_b
            .post(&checkin, &[("exp", fields[0].1), ("sig", &"0".repeat(64))])
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("không hợp lệ hoặc thuộc một hội nghị khác"),
        "{html}"
    );
    let key = app.store.checkin_key().await.unwrap();
    let past = time::OffsetDateTime::now_utc().unix_timestamp() - 60;
    let sig = domain::study::sign_checkin(&key, st.session, past);
    let (status, html) = text(
        hoa_b
            .get(&format!("/check-in/{}?exp={past}&sig={sig}", st.session))
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Mã điểm danh đã hết hạn"), "{html}");
    let binh = app.member_browser("binh.lv", app.member_b).await;
    let (status, html) = text(binh.get(&link).await).await;
    assert_eq!(status, 404);
    assert!(html.contains("đảng viên của đơn vị khác"), "{html}");
    assert!(!html.contains("Thanh Lâm"));
    // The same refusal in English.
    binh.get("/lang/en?next=/study").await;
    let (_, html) = text(binh.get(&link).await).await;
    assert!(html.contains("for the members of another unit"), "{html}");
}

#[tokio::test]
async fn a_member_studies_takes_the_check_and_hands_in_a_reflection() {
    let app = spawn_app().await;
    let r = app.seed_programs().await;
    let st = app.seed_study(&r).await;
    let members = app
        .store
        .cell_members(&Principal::system(), app.cell_a)
        .await
        .unwrap();
    let hoa = members
        .iter()
        .find(|m| m.full_name == "Trần Thị Hoà")
        .unwrap()
        .id;
    let b = app.member_browser("hoa.tt", hoa).await;
    let (status, html) = text(b.get("/study").await).await;
    assert_eq!(status, 200);
    assert!(html.contains("05-NQ/HU"));
    assert!(html.contains("Nội dung cốt lõi: năm nhóm giải pháp"));
    assert!(html.contains("Chưa học tập"));
    // The check opens after the conference.
    let check = format!("/my/study/{}/check", st.document);
    let (_, html) = text(b.get(&check).await).await;
    assert!(
        html.contains("Bài kiểm tra mở sau khi bạn đã dự hội nghị"),
        "{html}"
    );
    app.store
        .record_attendance(
            &Principal::system(),
            st.session,
            vec![AttendanceEntry {
                member_id: hoa,
                mark: AttendanceMark::Present,
                reason: None,
            }],
        )
        .await
        .unwrap();
    let (status, html) = text(b.get(&check).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        html.matches("<fieldset class=\"field question\"").count(),
        5
    );
    // Answer everything right (choice B), from the page's own field names.
    let qids: Vec<String> = html
        .match_indices("name=\"q_")
        .map(|(i, _)| {
            let rest = &html[i + 8..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect();
    let mut fields: Vec<(String, String)> = vec![("attempt".into(), "1".into())];
    let mut seen = std::collections::BTreeSet::new();
    for q in qids {
        if seen.insert(q.clone()) {
            fields.push((format!("q_{q}"), "1".into()));
        }
    }
    // Handed in with nothing chosen: said so, and the attempt is not spent.
    let res = b.post(&check, &[("attempt", "1")]).await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    let (_, html) = text(b.get(&to).await).await;
    assert!(html.contains("Bạn chưa chọn câu trả lời nào"), "{html}");
    assert!(html.contains("name=\"attempt\" value=\"1\""), "{html}");
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = b.post(&check, &f).await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    // The score is read back from the record, never carried in the address.
    assert!(!to.contains("correct") && !to.contains("passed"), "{to}");
    let (_, html) = text(b.get(&to).await).await;
    assert!(
        html.contains("Bạn trả lời đúng 5/5 câu. Bài kiểm tra đạt."),
        "{html}"
    );
    assert!(html.contains("Bạn đã đạt bài kiểm tra này."));
    // A reflection: empty is refused, a refused file type says why, text is accepted.
    let path = format!("/my/study/{}/reflection", st.document);
    // The deadline (15/02/2025) has passed: the page says so before she writes.
    let (_, html) = text(b.get(&path).await).await;
    assert!(
        html.contains("Đã quá hạn nộp.") && html.contains("ghi là nộp muộn"),
        "{html}"
    );
    let post = |fields: Vec<(&'static str, String)>, file: Option<(&'static str, Vec<u8>)>| {
        let b = &b;
        let path = path.clone();
        async move {
            let mut all: Vec<(&str, &str)> = vec![("csrf", b.csrf.as_str())];
            all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            let (ct, body) = multipart(&all, file.as_ref().map(|(n, x)| (*n, x.as_slice())));
            b.client
                .post(b.url(&path))
                .header("content-type", ct)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let (status, html) = text(post(vec![("body", String::new())], None).await).await;
    assert_eq!(status, 422);
    assert!(html.contains("Hãy viết bài thu hoạch hoặc đính kèm tệp."));
    let (status, html) = text(
        post(
            vec![("body", "Có tệp".into())],
            Some(("virus.exe", b"MZ\x90\x00 not a document".to_vec())),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Chỉ nhận tệp PDF"), "{html}");
    let res = post(
        vec![(
            "body",
            "Tôi sẽ vận động gia đình thực hiện tốt nghị quyết.".into(),
        )],
        None,
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, html) = text(b.get("/study?done=reflection").await).await;
    assert!(html.contains("Đã nộp bài thu hoạch."));
    assert!(html.contains("Đạt (100%)"));
}

#[tokio::test]
async fn grading_flags_a_copy_and_the_review_is_issued_and_downloaded() {
    let app = spawn_app().await;
    let r = app.seed_programs().await;
    let st = app.seed_study(&r).await;
    let members = app
        .store
        .cell_members(&Principal::system(), app.cell_a)
        .await
        .unwrap();
    let hoa = members
        .iter()
        .find(|m| m.full_name == "Trần Thị Hoà")
        .unwrap()
        .id;
    let text_a = "Qua học tập nghị quyết, bản thân tôi nhận thức rõ trách nhiệm của đảng viên \
                  trong việc giữ gìn sự đoàn kết của chi bộ, tham gia sinh hoạt đều đặn, vận \
                  động gia đình và bà con thôn Thanh Lâm thực hiện tốt chủ trương của Đảng, \
                  góp ý xây dựng chương trình hành động sát với thực tế địa phương.";
    for (m, body) in [
        (app.member_a, text_a.to_owned()),
        (hoa, text_a.replace("bản thân tôi", "tôi")),
    ] {
        // Member A replaces the seeded reflection (not graded yet).
        app.store
            .submit_reflection(
                &as_member(m),
                st.document,
                NewReflection {
                    body: Some(body),
                    file: None,
                    on: date!(2025 - 02 - 14),
                },
            )
            .await
            .unwrap();
    }
    let sec = app.signed_in("secretary.a").await;
    let page = format!("/orgs/{}/study/{}/reflections", app.cell_a, st.document);
    let (status, html) = text(sec.get(&page).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Giống bài của Nguyễn Văn Đức"), "{html}");
    assert!(html.contains("Giống bài của Trần Thị Hoà"));
    let res = sec
        .post(
            &format!("/study-reflections/{}/grade", st.reflection),
            &[
                ("grade", "excellent"),
                ("comment", "Sâu sắc"),
                ("back", &page),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = text(sec.get(&page).await).await;
    assert!(html.contains("Tốt"));
    // Hoà's copy is graded "not passed": kept as graded, and she is to be reminded.
    let hoas = app
        .store
        .reflections(&Principal::system(), app.cell_a, st.document)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.member_id == hoa)
        .unwrap();
    let res = sec
        .post(
            &format!("/study-reflections/{}/grade", hoas.id),
            &[
                ("grade", "not_passed"),
                ("comment", "Chép lại bài của đồng chí khác"),
                ("back", &page),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = text(sec.get(&page).await).await;
    assert!(html.contains("Không đạt"), "{html}");
    let graded = app
        .store
        .reflections(&Principal::system(), app.cell_a, st.document)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.member_id == hoa)
        .unwrap();
    assert_eq!(
        graded.grade,
        Some(domain::study::ReflectionGrade::NotPassed)
    );
    // The review of the commune, by the district's office.
    let office = app.signed_in("office.a").await;
    let review = format!("/orgs/{}/study/{}/review", app.grassroots_a, st.document);
    let (status, html) = text(office.get(&review).await).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Kết quả học tập, quán triệt Nghị quyết 05-NQ/HU tại Đảng bộ xã Bảo Đài")
    );
    let (status, html) = text(
        office
            .post(&review, &[("body_md", " "), ("action", "save")])
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Lỗi:"));
    // The lists are counted by cell, each cell's people chosen on its own page: no box
    // per person on the review (a district has thousands).
    assert!(!html.contains("type=\"checkbox\""), "{html}");
    assert!(
        html.contains("Biểu dương và nhắc nhở theo chi bộ"),
        "{html}"
    );
    let cell_page = format!("{review}/cells/{}", app.cell_a);
    assert!(html.contains(&format!("href=\"{cell_page}\"")), "{html}");
    let (status, cell_html) = text(office.get(&cell_page).await).await;
    assert_eq!(status, 200);
    let remind = app.member_a.to_string();
    assert!(
        cell_html.contains(&format!("name=\"remind\" value=\"{remind}\" checked")),
        "everyone who qualifies is ticked until the office says otherwise: {cell_html}"
    );
    assert!(
        cell_html.contains(&format!("name=\"remind\" value=\"{hoa}\" checked")),
        "a reflection not passed is reminded: {cell_html}"
    );
    let res = office.post(&cell_page, &[]).await;
    assert_eq!(res.status(), 303);
    let (_, html) = text(office.get(&review).await).await;
    assert!(html.contains("<td class=\"num\">0/"), "unticked: {html}");
    let res = office.post(&cell_page, &[("remind", &remind)]).await;
    assert_eq!(res.status(), 303);
    let res = office
        .post(
            &review,
            &[
                ("body_md", "Đảng bộ xã đã tổ chức học tập nghiêm túc."),
                ("action", "issue"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = text(office.get(&format!("{review}?done=issued")).await).await;
    assert!(html.contains("Đã ban hành báo cáo kết quả học tập."));
    assert!(html.contains("Đảng bộ xã đã tổ chức học tập nghiêm túc."));
    let reviewed = app
        .store
        .round_review(&Principal::system(), app.grassroots_a, st.document)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reviewed.remind, [app.member_a], "the cell's choice kept");
    let xlsx = office.get(&format!("{review}/xlsx")).await;
    assert_eq!(xlsx.status(), 200);
    assert_eq!(
        xlsx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = xlsx.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK");
    // Issued: the form is gone and a late change is refused.
    let (status, _) = text(
        office
            .post(&review, &[("body_md", "Sửa"), ("action", "save")])
            .await,
    )
    .await;
    assert_eq!(status, 422);
    // The dashboard's study section, and the list of those not yet studied.
    let (status, html) = text(
        office
            .get(&format!("/dashboards/{}/{}", app.district_a, st.document))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("Học tập, quán triệt"), "{html}");
    let (status, html) = text(
        office
            .get(&format!(
                "/orgs/{}/study/{}/unstudied",
                app.grassroots_a, st.document
            ))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("Nguyễn Văn Đức") && html.contains("Trần Thị Hoà"));
    // The JSON API gives the same figures.
    let json: serde_json::Value = office
        .get(&format!(
            "/api/orgs/{}/study/{}/participation",
            app.grassroots_a, st.document
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json["participation"]["members"][1], 2);
    let _ = st.material;
}

#[tokio::test]
async fn the_office_plans_a_conference_with_content_and_a_material() {
    let app = spawn_app().await;
    let r = app.seed_programs().await;
    let office = app.signed_in("office.a").await;
    // The district office finds the resolution it cascaded among its units' plans.
    let (status, html) = text(office.get("/study").await).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!(
            "href=\"/orgs/{}/study/{}\"",
            app.district_a, r.document
        )),
        "{html}"
    );
    let plan = format!("/orgs/{}/study/{}", app.grassroots_a, r.document);
    let (status, html) = text(office.get(&plan).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("15/02/2025"), "the cascade's study deadline");
    let res = office
        .post(
            &format!("{plan}/content"),
            &[
                ("audience", "key_cadre"),
                ("body_md", "Nội dung chuyên sâu."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    // A conference after the study deadline is refused with the reason.
    let (status, html) = text(
        office
            .post(
                &format!("{plan}/sessions/new"),
                &[
                    ("title", "Hội nghị quán triệt"),
                    ("audience", "key_cadre"),
                    ("format", "hybrid"),
                    ("held_on", "20/02/2025"),
                    ("place", "Hội trường xã"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("trước hạn học tập"), "{html}");
    let res = office
        .post(
            &format!("{plan}/sessions/new"),
            &[
                ("title", "Hội nghị quán triệt"),
                ("audience", "key_cadre"),
                ("format", "hybrid"),
                ("held_on", "12/02/2025"),
                ("place", "Hội trường xã"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    // A material file over the type rules, then a PDF.
    let (ct, body) = multipart(
        &[
            ("csrf", office.csrf.as_str()),
            ("title", "Đề cương"),
            ("audience", ""),
        ],
        Some(("de-cuong.pdf", SMALL_PDF)),
    );
    let res = office
        .client
        .post(office.url(&format!("{plan}/materials")))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, html) = text(office.get(&plan).await).await;
    assert!(html.contains("Hội nghị quán triệt"));
    assert!(html.contains("Đề cương"));
    assert!(html.contains("Nội dung chuyên sâu."));
    let href = html
        .match_indices("href=\"/study-materials/")
        .next()
        .map(|(i, _)| {
            let rest = &html[i + 6..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .expect("a material link");
    let file = office.get(&href).await;
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "application/pdf");
}

#[tokio::test]
async fn a_reflection_file_over_the_limit_gets_the_form_back_with_a_message() {
    let app = spawn_app().await;
    let r = app.seed_programs().await;
    let st = app.seed_study(&r).await;
    let members = app
        .store
        .cell_members(&Principal::system(), app.cell_a)
        .await
        .unwrap();
    let hoa = members
        .iter()
        .find(|m| m.full_name == "Trần Thị Hoà")
        .unwrap()
        .id;
    let b = app.member_browser("hoa.tt", hoa).await;
    let big = vec![b'%'; 21 * 1024 * 1024];
    let (ct, body) = multipart(
        &[("csrf", b.csrf.as_str()), ("body", "Bài thu hoạch")],
        Some(("thu-hoach.pdf", &big)),
    );
    let res = b
        .client
        .post(b.url(&format!("/my/study/{}/reflection", st.document)))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, html) = text(res).await;
    assert_eq!(status, 413);
    assert!(
        html.contains("Tệp gửi lên quá lớn; tổng dung lượng tối đa là 20 MB."),
        "{html}"
    );
    let mine = app.store.my_study(&as_member(hoa)).await.unwrap();
    assert!(mine[0].reflection.is_none(), "nothing was saved");
}

#[tokio::test]
async fn the_json_api_records_attendance_checks_in_and_gives_the_figures() {
    let app = spawn_app().await;
    let r = app.seed_programs().await;
    let st = app.seed_study(&r).await;
    let sec = app.signed_in("secretary.a").await;
    let api = |b: &Browser, path: &str, body: serde_json::Value| {
        b.client
            .post(b.url(path))
            .header("x-csrf-token", &b.csrf)
            .json(&body)
            .send()
    };
    let path = format!("/api/study/sessions/{}/attendance", st.session);
    // A bad mark: 400 with the line's field and code.
    let res = api(
        &sec,
        &path,
        serde_json::json!({"entries": [{"member_id": app.member_a.0, "mark": "excused"}]}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "attendance[0].reason");
    assert_eq!(body["error"]["fields"][0]["code"], "excused_needs_reason");
    let res = api(
        &sec,
        &path,
        serde_json::json!({"entries": [{"member_id": app.member_a.0, "mark": "present"}]}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["changed"], 1);
    let sheet: serde_json::Value = sec.get(&path).await.json().await.unwrap();
    assert_eq!(sheet["members"].as_array().unwrap().len(), 2);
    // Check-in through the API needs the signed link's fields.
    let members = app
        .store
        .cell_members(&Principal::system(), app.cell_a)
        .await
        .unwrap();
    let hoa = members
        .iter()
        .find(|m| m.full_name == "Trần Thị Hoà")
        .unwrap()
        .id;
    let b = app.member_browser("hoa.tt", hoa).await;
    let checkin = format!("/api/study/sessions/{}/check-in", st.session);
    // A conference of an earlier day takes no QR check-in.
    let key = app.store.checkin_key().await.unwrap();
    let exp = time::OffsetDateTime::now_utc().unix_timestamp() + 600;
    let sig = domain::study::sign_checkin(&key, st.session, exp);
    let res = api(&b, &checkin, serde_json::json!({"exp": exp, "sig": sig}))
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "checkin_day_over");
    app.hold_today(st.session).await;
    let res = api(&b, &checkin, serde_json::json!({"exp": 1, "sig": "00"}))
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "checkin_invalid");
    let key = app.store.checkin_key().await.unwrap();
    let exp = time::OffsetDateTime::now_utc().unix_timestamp() + 600;
    let sig = domain::study::sign_checkin(&key, st.session, exp);
    let res = api(&b, &checkin, serde_json::json!({"exp": exp, "sig": sig}))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["already"], false);
    assert_eq!(body["session"]["present"], 2);
    let mine: serde_json::Value = b.get("/api/my/study").await.json().await.unwrap();
    assert_eq!(mine["resolutions"][0]["state"]["studied"], true);
    // Her account has no grants: she takes the knowledge check through the API all the
    // same (the resolution reaches her through her cell, as on the page).
    let check = format!("/api/my/study/{}/check", st.document);
    let res = b.get(&check).await;
    assert_eq!(res.status(), 200);
    let paper: serde_json::Value = res.json().await.unwrap();
    assert_eq!(paper["attempt"], 1);
    let questions = paper["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 5);
    let answers: Vec<serde_json::Value> = questions
        .iter()
        // Choice B, counted from 0 as the page sends it.
        .map(|q| serde_json::json!({"question": q[0], "choice": 1}))
        .collect();
    let res = api(
        &b,
        &check,
        serde_json::json!({"attempt": 1, "answers": answers}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let score: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        (score["correct"].clone(), score["total"].clone()),
        (5.into(), 5.into())
    );
    // Another district sees none of it.
    let office_b = app.signed_in("office.b").await;
    assert_eq!(office_b.get(&path).await.status(), 404);
    let binh = app.member_browser("binh.lv", app.member_b).await;
    assert_eq!(binh.get(&check).await.status(), 404);
}

/// An .xlsx attendance sheet with the given rows under the template's headers.
fn attendance_xlsx(rows: &[[&str; 4]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    for (c, h) in ["Mã đảng viên", "Họ và tên", "Điểm danh", "Lý do vắng"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

async fn upload(b: &Browser, path: &str, name: &str, bytes: &[u8]) -> (u16, String) {
    let (content_type, body) = multipart(&[("csrf", b.csrf.as_str())], Some((name, bytes)));
    text(
        b.client
            .post(b.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_secretary_imports_attendance_from_a_spreadsheet_all_or_nothing() {
    let app = spawn_app().await;
    let r = app.seed_programs().await;
    let st = app.seed_study(&r).await;
    let sys = Principal::system();
    // Another cell of the same commune, with a member the office sees.
    let other_cell = app
        .store
        .org_create(
            &sys,
            store::NewOrg {
                parent_id: Some(app.grassroots_a),
                kind: domain::OrgKind::Cell,
                name: "Chi bộ thôn Hạ".into(),
                code: None,
                valid_from: date!(2020 - 01 - 01),
            },
        )
        .await
        .unwrap();
    let tam = app
        .store
        .member_create(
            &sys,
            store::NewMember {
                cell_id: other_cell.id,
                full_name: "Lê Văn Tám".into(),
                gender: None,
                birth_date: None,
                joined_on: None,
                audience: Audience::Member,
                card_number: None,
                since: date!(2020 - 01 - 01),
            },
        )
        .await
        .unwrap();
    let office = app.signed_in("office.a").await;
    let page = format!("/study-sessions/{}", st.session);
    let (_, html) = text(office.get(&page).await).await;
    assert!(html.contains(&format!("{page}/import")), "{html}");
    let (status, html) = text(office.get(&format!("{page}/import")).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Nhập điểm danh từ tệp Excel"), "{html}");
    // The template lists the sheet's members with their codes.
    let res = office.get(&format!("{page}/import/template")).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let t = import::read_table(&res.bytes().await.unwrap()).unwrap();
    assert_eq!(t.header[0], "Mã đảng viên");
    let duc = t
        .rows
        .iter()
        .find(|r| r[1] == "Nguyễn Văn Đức")
        .expect("member A in the template");
    assert_eq!(duc[0], format!("#{}", app.member_a));

    // Every problem with its row number; nothing saved.
    let code_a = format!("#{}", app.member_a);
    let code_tam = format!("#{}", tam.id);
    let code_b = format!("#{}", app.member_b);
    let bad = attendance_xlsx(&[
        [code_a.as_str(), "Nguyễn Văn Đức", "Có mặt", ""],
        ["", "Trần Thị Hoà", "Vắng có phép", ""],
        [code_tam.as_str(), "Lê Văn Tám", "Có mặt", ""],
        [code_b.as_str(), "", "Có mặt", ""],
        ["#999999", "", "Vắng", ""],
        ["", "Trần Thị Hoà", "đi muộn", ""],
    ]);
    let (status, html) = upload(&office, &format!("{page}/import"), "diem-danh.xlsx", &bad).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("Dòng 3, cột Lý do vắng: Hãy ghi lý do vắng có phép."),
        "{html}"
    );
    assert!(
        html.contains("Dòng 7, cột Điểm danh: Điểm danh phải là"),
        "{html}"
    );
    assert!(html.contains("Chưa ghi dòng nào"), "{html}");
    // The row checks pass; the members are then resolved against the sheet.
    let bad = attendance_xlsx(&[
        [code_a.as_str(), "Nguyễn Văn Đức", "Có mặt", ""],
        [code_tam.as_str(), "Lê Văn Tám", "Có mặt", ""],
        [code_b.as_str(), "", "Có mặt", ""],
        ["#999999", "", "Vắng", ""],
        ["", "Trần Thị Hoà", "Vắng", ""],
    ]);
    let (status, html) = upload(&office, &format!("{page}/import"), "diem-danh.xlsx", &bad).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("Dòng 3, cột Mã đảng viên: Đảng viên này không thuộc chi bộ"),
        "{html}"
    );
    // District B's member does not exist for district A's office.
    assert!(
        html.contains("Dòng 4, cột Mã đảng viên: Không tìm thấy đảng viên này"),
        "{html}"
    );
    assert!(
        html.contains("Dòng 5, cột Mã đảng viên: Không tìm thấy"),
        "{html}"
    );
    assert!(
        !html.contains("Dòng 2,") && !html.contains("Dòng 6,"),
        "{html}"
    );
    let studied = |app: &TestApp| {
        let store = app.store.clone();
        let g = app.grassroots_a;
        async move {
            store
                .participation(&Principal::system(), g, r.document)
                .await
                .unwrap()
                .total()
                .studied
        }
    };
    assert_eq!(studied(&app).await, 0, "nothing half-saved");

    // A good .csv: a code, a name, an excused absence with its reason, a blank mark.
    let csv = format!(
        "Mã đảng viên;Họ và tên;Điểm danh;Lý do vắng\n{code_a};Nguyễn Văn Đức;Có mặt;\n;Trần Thị Hoà;Vắng có phép;Ốm\n"
    );
    let (status, html) = upload(
        &office,
        &format!("{page}/import"),
        "diem-danh.csv",
        csv.as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("Đã ghi điểm danh 2 đảng viên: có mặt 1, vắng có phép 1, vắng 0."),
        "{html}"
    );
    assert_eq!(studied(&app).await, 1);
    let (_, html) = text(office.get(&page).await).await;
    assert!(
        html.contains("Có mặt 1 · Vắng có phép 1 · Vắng 0"),
        "{html}"
    );

    // In English.
    office.get("/lang/en?next=/study").await;
    let bad = attendance_xlsx(&[["#999999", "", "maybe", ""]]);
    let (status, html) = upload(&office, &format!("{page}/import"), "x.xlsx", &bad).await;
    assert_eq!(status, 422);
    assert!(
        html.contains("Row 2, column Attendance: The attendance must be"),
        "{html}"
    );
    // A 6 KB sheet with a value in XFD1048576 (a cell secretary can send one): refused.
    let (status, html) = upload(
        &office,
        &format!("{page}/import"),
        "xfd.xlsx",
        &crate::imports::xfd_sheet(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("cell XFD1048576"), "{html}");
    // Not a spreadsheet, no file.
    let (status, html) = upload(
        &office,
        &format!("{page}/import"),
        "x.xlsx",
        b"PK\x03\x04garbage",
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Nothing was recorded"), "{html}");
    let (content_type, body) = multipart(&[("csrf", office.csrf.as_str())], None);
    let res = office
        .client
        .post(office.url(&format!("{page}/import")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);

    // Who may: a member of the cell reads the conference but may not import; district B
    // does not see it.
    let member = app.member_browser("duc.nv", app.member_a).await;
    assert_eq!(member.get(&format!("{page}/import")).await.status(), 403);
    let office_b = app.signed_in("office.b").await;
    assert_eq!(office_b.get(&format!("{page}/import")).await.status(), 404);
    assert_eq!(
        office_b
            .get(&format!("{page}/import/template"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn the_office_corrects_and_cancels_conferences_and_withdraws_a_material() {
    let app = spawn_app().await;
    let r = app.seed_programs().await;
    let st = app.seed_study(&r).await;
    let office = app.signed_in("office.a").await;
    let page = format!("/study-sessions/{}", st.session);
    let (status, html) = text(office.get(&format!("{page}/edit")).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Nhà văn hóa thôn Thanh Lâm") && html.contains("10/02/2025"));
    assert!(html.contains("Hủy hội nghị"));
    let fields = |date: &'static str, audience: &'static str, place: &'static str| {
        vec![
            ("title", "Học tập nghị quyết – Chi bộ thôn Thanh Lâm"),
            ("audience", audience),
            ("format", "in_person"),
            ("held_on", date),
            ("place", place),
            ("reporters", ""),
        ]
    };
    // A bad date: the form again with the values kept.
    let (status, html) = text(
        office
            .post(
                &format!("{page}/edit"),
                &fields("31/02/2025", "member", "Hội trường UBND xã"),
            )
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("Lỗi:") && html.contains("Hội trường UBND xã"),
        "{html}"
    );
    let res = office
        .post(
            &format!("{page}/edit"),
            &fields("12/02/2025", "member", "Hội trường UBND xã"),
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = text(office.get(&format!("{page}?done=updated")).await).await;
    assert!(html.contains("Đã lưu thay đổi của hội nghị."), "{html}");
    assert!(html.contains("12/02/2025") && html.contains("Hội trường UBND xã"));
    // Once attendance is recorded the audience is kept, and it cannot be cancelled.
    app.store
        .record_attendance(
            &Principal::system(),
            st.session,
            vec![AttendanceEntry {
                member_id: app.member_a,
                mark: AttendanceMark::Present,
                reason: None,
            }],
        )
        .await
        .unwrap();
    let (status, html) = text(
        office
            .post(
                &format!("{page}/edit"),
                &fields("12/02/2025", "key_cadre", "Hội trường UBND xã"),
            )
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("không đổi được đối tượng"), "{html}");
    let (status, html) = text(
        office
            .post(&format!("{page}/cancel"), &[("reason", "Nhầm")])
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("không hủy được"), "{html}");

    // A second conference is cancelled with a reason.
    let draft = SessionDraft::parse(
        &SessionForm {
            title: "Hội nghị bổ sung".into(),
            audience: "member".into(),
            format: "online".into(),
            held_on: "14/02/2025".into(),
            place: "https://meet.example.org/abc".into(),
        },
        None,
        false,
    )
    .unwrap();
    let next = app
        .store
        .create_study_session(
            &Principal::system(),
            app.cell_a,
            r.document,
            NewStudySession {
                draft,
                reporters: vec![],
                makeup_of: None,
            },
        )
        .await
        .unwrap();
    let next_page = format!("/study-sessions/{}", next.id);
    let (status, html) = text(
        office
            .post(&format!("{next_page}/cancel"), &[("reason", " ")])
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Lý do hủy"), "{html}");
    let res = office
        .post(
            &format!("{next_page}/cancel"),
            &[("reason", "Trùng lịch họp của xã")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = text(office.get(&next_page).await).await;
    assert!(html.contains("Hội nghị đã bị hủy.") && html.contains("Trùng lịch họp của xã"));
    assert!(
        !html.contains("/attendance\""),
        "no sheet on a cancelled conference"
    );
    assert_eq!(office.get(&format!("{next_page}/edit")).await.status(), 303);
    let mark = format!("mark_{}", app.member_a);
    let (status, html) = text(
        office
            .post(&format!("{next_page}/attendance"), &[(&mark, "present")])
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("đã bị hủy"), "{html}");
    let (_, html) = text(
        office
            .get(&format!("/orgs/{}/study/{}", app.cell_a, r.document))
            .await,
    )
    .await;
    assert!(html.contains("Đã hủy"), "{html}");
    // The member no longer sees it among the conferences to attend.
    let member = app.member_browser("duc.nv", app.member_a).await;
    let (_, html) = text(member.get("/study").await).await;
    assert!(
        html.contains("Học tập nghị quyết – Chi bộ thôn Thanh Lâm"),
        "{html}"
    );
    assert!(!html.contains("Hội nghị bổ sung"), "{html}");

    // The material is withdrawn from the plan; members no longer reach it.
    let plan = format!("/orgs/{}/study/{}", app.cell_a, r.document);
    let (_, html) = text(office.get(&plan).await).await;
    assert!(html.contains(&format!("/study-materials/{}/withdraw", st.material)));
    assert_eq!(
        member
            .get(&format!("/study-materials/{}", st.material))
            .await
            .status(),
        303
    );
    let office_b = app.signed_in("office.b").await;
    let withdraw = format!("/study-materials/{}/withdraw", st.material);
    assert_eq!(
        office_b.post(&withdraw, &[("next", &plan)]).await.status(),
        404
    );
    assert_eq!(
        member.post(&withdraw, &[("next", &plan)]).await.status(),
        403
    );
    let res = office.post(&withdraw, &[("next", &plan)]).await;
    assert_eq!(res.status(), 303);
    let (_, html) = text(office.get(&format!("{plan}?done=withdrawn")).await).await;
    assert!(html.contains("Đã thu hồi tài liệu"), "{html}");
    assert!(!html.contains("Đề cương tuyên truyền"), "{html}");
    assert_eq!(
        member
            .get(&format!("/study-materials/{}", st.material))
            .await
            .status(),
        404
    );
    // Outside the subtree: not found.
    assert_eq!(office_b.get(&format!("{page}/edit")).await.status(), 404);
    assert_eq!(
        office_b
            .post(&format!("{page}/cancel"), &[("reason", "x")])
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn the_json_api_corrects_cancels_and_withdraws() {
    let app = spawn_app().await;
    let r = app.seed_programs().await;
    let st = app.seed_study(&r).await;
    let office = app.signed_in("office.a").await;
    let api = |b: &Browser, path: &str, body: serde_json::Value| {
        b.client
            .post(b.url(path))
            .header("x-csrf-token", &b.csrf)
            .json(&body)
            .send()
    };
    let path = format!("/api/study/sessions/{}", st.session);
    let body = |date: &str| {
        serde_json::json!({"title": "Học tập nghị quyết", "audience": "member",
            "format": "hybrid", "held_on": date, "place": "Hội trường xã", "reporters": []})
    };
    let res = api(&office, &path, body("32/01/2025")).await.unwrap();
    assert_eq!(res.status(), 400);
    let e: serde_json::Value = res.json().await.unwrap();
    assert_eq!(e["error"]["fields"][0]["field"], "held_on");
    let res = api(&office, &path, body("11/02/2025")).await.unwrap();
    assert_eq!(res.status(), 200);
    let s: serde_json::Value = res.json().await.unwrap();
    assert_eq!(s["place"], "Hội trường xã");
    assert_eq!(s["format"], "hybrid");
    let res = api(&office, &format!("{path}/cancel"), serde_json::json!({}))
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = api(
        &office,
        &format!("{path}/cancel"),
        serde_json::json!({"reason": "Hoãn do mưa bão"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let s: serde_json::Value = res.json().await.unwrap();
    assert_eq!(s["cancel_reason"], "Hoãn do mưa bão");
    let res = api(&office, &path, body("11/02/2025")).await.unwrap();
    assert_eq!(res.status(), 409);
    let withdraw = format!("/api/study/materials/{}/withdraw", st.material);
    let office_b = app.signed_in("office.b").await;
    assert_eq!(
        api(&office_b, &withdraw, serde_json::json!({}))
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        api(&office, &withdraw, serde_json::json!({}))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        api(&office, &withdraw, serde_json::json!({}))
            .await
            .unwrap()
            .status(),
        409
    );
}
