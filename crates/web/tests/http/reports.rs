//! Reports and reviews (issue 13) through the pages: a cell secretary writes and submits a
//! quarterly report, the grassroots office reads it in its gathered draft, the other
//! district sees nothing; bad input gets a message and saves nothing; the .docx opens in
//! LibreOffice with its Vietnamese text.

use domain::report::ReportKind;
use domain::{CascadeDeadlines, CascadeScope, DocumentId, OrgKind, Principal, ReportEvery};
use store::{NewReport, ReportId};
use time::macros::date;

use crate::helpers::{ProgramRecords, TestApp, keep_pdf, multipart, spawn_app};

/// A review of district A (a draft with its signed document), for the routes that name a
/// report.
pub struct ReportRecords {
    pub report: ReportId,
}

impl TestApp {
    pub async fn seed_report(&self, r: &ProgramRecords) -> ReportRecords {
        let sys = Principal::system();
        let today = domain::tz::local_date(time::OffsetDateTime::now_utc());
        let rep = self
            .store
            .start_report(
                &sys,
                NewReport {
                    org: self.district_a,
                    document: r.document,
                    kind: ReportKind::Interim,
                    period_start: date!(2025 - 01 - 15),
                    period_end: today - time::Duration::days(1),
                    today,
                },
            )
            .await
            .expect("review draft");
        self.store
            .attach_report_file(&sys, rep.id, keep_pdf(self.data.path(), "so-ket.pdf"))
            .await
            .expect("signed document");
        ReportRecords { report: rep.id }
    }

    /// A resolution of district A cascaded to its cells, quarterly reports from Q3 2025.
    async fn cells_report(&self) -> DocumentId {
        self.cascaded_report(vec![OrgKind::Cell]).await
    }

    /// The same resolution cascaded to the unit kinds given.
    async fn cascaded_report(&self, kinds: Vec<OrgKind>) -> DocumentId {
        let sys = Principal::system();
        let s = self.store.as_ref();
        let district = s.org_get(&sys, self.district_a).await.unwrap();
        let doc = s
            .register_document(
                &sys,
                store::NewDocument {
                    issuer_org_id: self.district_a,
                    doc_type: domain::DocumentType::Resolution,
                    number: domain::DocumentNumber::parse_for(
                        "number",
                        domain::DocumentType::Resolution,
                        "07-NQ/HU",
                    )
                    .unwrap(),
                    term: domain::Term::parse("term", "2020–2025").unwrap(),
                    issued_on: date!(2025 - 01 - 15),
                    title: "Về nâng cao chất lượng sinh hoạt chi bộ".into(),
                    body_md: "Nâng cao chất lượng sinh hoạt chi bộ.".into(),
                    parent_document_id: None,
                },
            )
            .await
            .unwrap();
        s.create_cascade(
            &sys,
            doc.id,
            CascadeScope {
                root: district.path,
                kinds,
                include_root: false,
            },
            CascadeDeadlines {
                study_by: date!(2025 - 03 - 31),
                program_by: date!(2025 - 04 - 30),
                report_every: ReportEvery::Quarterly,
                interim_review_by: None,
                reports_until: None,
                grace_days: 5,
            },
        )
        .await
        .unwrap();
        doc.id
    }
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_cell_reports_its_quarter_and_the_upper_level_gathers_it() {
    let app = spawn_app().await;
    let doc = app.cells_report().await;
    let sec = app.signed_in("secretary.a").await;
    let unit = format!("/orgs/{}/reports/{doc}", app.cell_a);
    let page = sec.get(&unit).await.text().await.unwrap();
    assert!(page.contains("Báo cáo định kỳ"), "{page}");
    assert!(page.contains("01/07/2025 – 30/09/2025"));
    assert!(page.contains("Quá hạn"), "Q3 was due on 05/10/2025");
    assert!(page.contains("Viết báo cáo"));

    let res = sec
        .post(&unit, &[("kind", "periodic"), ("period", "2025-07-01")])
        .await;
    assert_eq!(res.status(), 303);
    let report = location(&res);
    assert!(report.starts_with("/reports/"), "{report}");
    let draft = sec.get(&report).await.text().await.unwrap();
    assert!(
        draft.contains("Phần số liệu"),
        "the factual part is generated"
    );
    assert!(draft.contains("Đảng viên đã học tập"));
    // Submitting without an assessment: a message, still a draft.
    let res = sec.post(&report, &[("action", "submit")]).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Có lỗi cần sửa") || body.contains("error-summary"),
        "{body}"
    );
    assert!(body.contains("Bản nháp"));
    let res = sec
        .post(
            &report,
            &[
                ("action", "submit"),
                (
                    "assessment",
                    "Chi bộ đã tổ chức quán triệt, 100% đảng viên đã học tập.",
                ),
                ("causes", "Một số đảng viên đi làm ăn xa."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).ends_with("?done=submitted"));
    let done = sec.get(&report).await.text().await.unwrap();
    assert!(done.contains("Đã gửi"));
    assert!(done.contains("Nộp muộn"), "submitted after 05/10/2025");
    assert!(done.contains("01-BC/CB"));
    assert!(
        done.contains("Số liệu không khớp"),
        "100% claimed, 0 studied on record"
    );
    assert!(done.contains("Lập bản đính chính"));
    // Frozen: saving again is refused with a message.
    let res = sec.post(&report, &[("assessment", "Sửa lại")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("đã khóa"));
    let unit_page = sec.get(&unit).await.text().await.unwrap();
    assert!(unit_page.contains("Nộp muộn"), "late, no longer overdue");

    // The district office reads it in its gathered draft; the other district cannot.
    let office = app.signed_in("office.a").await;
    let gathered = format!(
        "/orgs/{}/reports/{doc}/gathered?kind=periodic&period=2025-07-01",
        app.grassroots_a
    );
    let g = office.get(&gathered).await.text().await.unwrap();
    assert!(g.contains("Một số đảng viên đi làm ăn xa."), "{g}");
    assert!(g.contains("01-BC/CB"));
    let other = app.signed_in("office.b").await;
    assert_eq!(other.get(&gathered).await.status(), 404);
    assert_eq!(other.get(&report).await.status(), 404);
    // The district office reads the report but cannot write it.
    let res = office.post(&report, &[("assessment", "x")]).await;
    assert_eq!(res.status(), 403, "the level above reads, the unit writes");
    let correct = office.post(&format!("{report}/correct"), &[]).await;
    assert_eq!(correct.status(), 403);
}

#[tokio::test]
async fn bad_input_gets_a_message_and_saves_nothing() {
    let app = spawn_app().await;
    let doc = app.cells_report().await;
    let sec = app.signed_in("secretary.a").await;
    let unit = format!("/orgs/{}/reports/{doc}", app.cell_a);
    // The current quarter has not ended.
    let today = domain::tz::local_date(time::OffsetDateTime::now_utc());
    let current = domain::ReportEvery::Quarterly.period_start(today);
    let iso = format!(
        "{:04}-{:02}-{:02}",
        current.year(),
        u8::from(current.month()),
        current.day()
    );
    let res = sec
        .post(&unit, &[("kind", "periodic"), ("period", &iso)])
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("chưa kết thúc"));
    // A review whose attendance is out of range: the message, and nothing saved.
    let res = sec
        .post(&unit, &[("kind", "interim"), ("period_end", "30/11/2025")])
        .await;
    assert_eq!(res.status(), 303);
    let review = location(&res);
    let res = sec
        .post(
            &review,
            &[
                ("assessment", "Sơ kết"),
                ("held_on", "01/12/2025"),
                ("chair", "Nguyễn Văn An"),
                ("invited", "10"),
                ("present", "12"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("không vượt số người được triệu tập"),
        "{body}"
    );
    assert!(body.contains("value=\"12\""), "the values are kept");
    let r = app
        .store
        .report(
            &Principal::system(),
            ReportId(review.trim_start_matches("/reports/").parse().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(r.sections.assessment, "", "nothing half-saved");
    assert!(r.conference.is_none());
    // An oversized signed document.
    let big = vec![b'%'; 21 * 1024 * 1024];
    let (content_type, body) = multipart(
        &[("csrf", sec.csrf.as_str())],
        Some(("lon.pdf", big.as_slice())),
    );
    let res = sec
        .client
        .post(sec.url(&format!("{review}/file")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Tệp quá lớn"));
    let r = app.store.report(&Principal::system(), r.id).await.unwrap();
    assert!(r.file.is_none());
}

#[tokio::test]
async fn a_review_downloads_as_a_party_document_with_its_vietnamese_text() {
    let app = spawn_app().await;
    let records = app.seed_programs().await;
    let rep = app.seed_report(&records).await;
    let office = app.signed_in("office.a").await;
    let path = format!("/reports/{}", rep.report);
    let res = office
        .post(
            &path,
            &[
                ("action", "submit"),
                (
                    "assessment",
                    "Đảng bộ huyện đã lãnh đạo triển khai nghiêm túc.",
                ),
                ("lessons", "Phát huy vai trò người đứng đầu."),
                ("held_on", "01/12/2025"),
                ("chair", "Nguyễn Văn Hùng"),
                ("invited", "35"),
                ("present", "33"),
                ("decisions[0].kind", "commend"),
                ("decisions[0].subject", "Đảng bộ xã Bảo Đài"),
                ("decisions[0].reason", "Hoàn thành xuất sắc nhiệm vụ"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let docx = office.get(&format!("{path}/docx")).await;
    assert_eq!(docx.status(), 200);
    let bytes = docx.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "a .docx is a zip");
    let xlsx = office.get(&format!("{path}/xlsx")).await;
    assert_eq!(xlsx.status(), 200);
    let Some((text, _pages)) = testdb::office::docx_as_pdf_text("report .docx", &bytes) else {
        return;
    };
    for want in [
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "BÁO CÁO",
        "Sơ kết thực hiện 05-NQ/HU",
        "01-BC/HU",
        "Đảng bộ huyện đã lãnh đạo triển khai nghiêm túc.",
        "Đề nghị khen thưởng",
        "Nguyễn Văn Hùng",
        "Nơi nhận",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}

/// An account with one grant, made as the system (set-up, not what is tested).
pub async fn add_account(
    app: &TestApp,
    username: &str,
    role: domain::AccessRole,
    org: domain::OrgId,
) {
    let sys = Principal::system();
    let u = app
        .store
        .user_create(
            &sys,
            store::NewUser {
                username: username.into(),
                display_name: username.into(),
                password_hash: web::password::hash(crate::helpers::PASSWORD).unwrap(),
                member_id: None,
            },
        )
        .await
        .unwrap();
    app.store
        .grant_add(
            &sys,
            store::NewGrant {
                user_id: u.id,
                role,
                org_id: org,
            },
        )
        .await
        .unwrap();
}

/// A review's decision adds tasks to the unit's program as a revision: not before the
/// review is submitted (a message, nothing added), once after (the revision draft holds
/// the issued version's task and the decided one), and never twice.
#[tokio::test]
async fn a_reviews_task_decisions_become_a_revision_of_the_program_once() {
    let app = spawn_app().await;
    let t = app.seed_issued_task(false).await;
    add_account(
        &app,
        "office.baodai",
        domain::AccessRole::OfficeStaff,
        app.grassroots_a,
    )
    .await;
    let sys = Principal::system();
    let today = domain::tz::local_date(time::OffsetDateTime::now_utc());
    let document = app
        .store
        .program(&sys, t.program)
        .await
        .unwrap()
        .root_document_id;
    let review = app
        .store
        .start_report(
            &sys,
            NewReport {
                org: app.grassroots_a,
                document,
                kind: ReportKind::Interim,
                period_start: date!(2025 - 01 - 20),
                period_end: today - time::Duration::days(1),
                today,
            },
        )
        .await
        .unwrap();
    let office = app.signed_in("office.baodai").await;
    let path = format!("/reports/{}", review.id);
    let deadline = domain::validate::format_date(today + time::Duration::days(90));
    let fields = [
        ("assessment", "Đảng bộ xã đã triển khai chuyển đổi số."),
        (
            "held_on",
            &domain::validate::format_date(today - time::Duration::days(1))[..],
        ),
        ("chair", "Nguyễn Văn Đức"),
        ("invited", "15"),
        ("present", "14"),
        ("decisions[0].kind", "task"),
        (
            "decisions[0].subject",
            "Số hoá hồ sơ đảng viên của các chi bộ còn lại",
        ),
        ("decisions[0].reason", "Hồ sơ số hoá"),
        ("decisions[0].deadline", &deadline[..]),
        ("decisions[1].kind", "commend"),
        ("decisions[1].subject", "Chi bộ thôn Thanh Lâm"),
    ];
    let res = office.post(&path, &fields).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let programs_before = app
        .store
        .unit_programs(&sys, app.grassroots_a, document)
        .await
        .unwrap();
    // A draft review's decisions are not applied: a message, nothing added.
    let res = office.post(&format!("{path}/apply"), &[]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Báo cáo chưa được gửi."));
    assert_eq!(
        app.store
            .unit_programs(&sys, app.grassroots_a, document)
            .await
            .unwrap(),
        programs_before,
        "no revision started"
    );
    let mut submit = fields.to_vec();
    submit.push(("action", "submit"));
    let res = office.post(&path, &submit).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    // The district office reads the review but does not apply it.
    let district = app.signed_in("office.a").await;
    assert_eq!(
        district.post(&format!("{path}/apply"), &[]).await.status(),
        403
    );
    let res = office.post(&format!("{path}/apply"), &[]).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let to = location(&res);
    assert!(
        to.starts_with("/programs/") && to.ends_with("/draft"),
        "{to}"
    );
    let draft_id = domain::ProgramId(
        to.trim_start_matches("/programs/")
            .trim_end_matches("/draft")
            .parse()
            .unwrap(),
    );
    let draft = app.store.program(&sys, draft_id).await.unwrap();
    assert_eq!(draft.state, domain::ProgramState::Draft);
    assert_eq!(
        draft.revises,
        Some(t.program),
        "a revision of the issued version"
    );
    let tasks = app.store.program_tasks(&sys, draft_id).await.unwrap();
    assert_eq!(
        tasks.len(),
        2,
        "the issued task carried, the decided one added"
    );
    assert_eq!(
        tasks[1].draft.content,
        "Số hoá hồ sơ đảng viên của các chi bộ còn lại"
    );
    assert_eq!(
        tasks[1].draft.deadline,
        Some(today + time::Duration::days(90))
    );
    assert_eq!(
        tasks[1].draft.expected_output.as_deref(),
        Some("Hồ sơ số hoá")
    );
    let r = app.store.report(&sys, review.id).await.unwrap();
    let task_decision = r
        .decisions
        .iter()
        .find(|d| d.decision.kind == domain::report::DecisionKind::Task)
        .unwrap();
    assert_eq!(task_decision.program_id, Some(draft_id));
    let page = office.get(&path).await.text().await.unwrap();
    assert!(page.contains(&format!("/programs/{draft_id}")), "{page}");
    // Applying again adds nothing.
    let res = office.post(&format!("{path}/apply"), &[]).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Không còn nhiệm vụ nào của hội nghị chưa bổ sung")
    );
    assert_eq!(
        app.store.program_tasks(&sys, draft_id).await.unwrap().len(),
        2
    );
    assert_eq!(
        app.store
            .unit_programs(&sys, app.grassroots_a, document)
            .await
            .unwrap()
            .len(),
        programs_before.len() + 1,
        "one revision"
    );
}

async fn api_post(
    b: &crate::helpers::Browser,
    path: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let res = b
        .client
        .post(b.url(path))
        .header("x-csrf-token", &b.csrf)
        .json(&body)
        .send()
        .await
        .expect("POST");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

async fn api_get(b: &crate::helpers::Browser, path: &str) -> (u16, serde_json::Value) {
    let res = b.get(path).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

/// The JSON API: a cell's reports due, a report started with its factual part filled,
/// bad input refused, submitted (late, numbered, with its contradicted claim), frozen,
/// corrected (both versions readable), gathered by the level above; another district
/// gets 404.
#[tokio::test]
async fn the_json_api_carries_a_report_from_due_to_gathered() {
    use serde_json::json;
    let app = spawn_app().await;
    let doc = app.cells_report().await;
    let sec = app.signed_in("secretary.a").await;
    let unit = format!("/api/orgs/{}/reports/{doc}", app.cell_a);
    let (s, u) = api_get(&sec, &unit).await;
    assert_eq!(s, 200, "{u}");
    assert_eq!(u["can_write"], true);
    assert_eq!(u["report_every"], "quarterly");
    let q3 = u["due"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["period_start"] == "2025-07-01")
        .expect("Q3 listed");
    assert_eq!(q3["state"], "overdue");
    assert_eq!(q3["due"], "2025-10-05");

    // Bad input: no kind, a period not in the schedule, a period not ended.
    let (s, e) = api_post(&sec, &unit, json!({})).await;
    assert_eq!((s, e["error"]["field"].as_str()), (400, Some("kind")));
    let (s, e) = api_post(
        &sec,
        &unit,
        json!({"kind": "periodic", "period": "2025-07-15"}),
    )
    .await;
    assert_eq!(s, 400, "{e}");
    assert_eq!(e["error"]["code"], "period_not_in_schedule");
    let next_year = format!("{}-01-01", today().year() + 1);
    let (s, e) = api_post(
        &sec,
        &unit,
        json!({"kind": "periodic", "period": next_year}),
    )
    .await;
    assert_eq!(s, 400, "{e}");
    assert!(
        api_get(&sec, &unit).await.1["reports"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing was started"
    );

    let (s, r) = api_post(
        &sec,
        &unit,
        json!({"kind": "periodic", "period": "2025-07-01"}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["state"], "draft");
    assert!(r["facts"]["study"]["members"].as_i64().unwrap() >= 2, "{r}");
    assert!(r["facts"]["inspection"].is_object(), "{r}");
    let id = r["id"].as_i64().unwrap();
    let path = format!("/api/reports/{id}");
    // Submitting without an assessment: refused, still a draft.
    let (s, e) = api_post(&sec, &format!("{path}/submit"), json!({})).await;
    assert_eq!((s, e["error"]["field"].as_str()), (400, Some("assessment")));
    // A periodic report has no conference.
    let (s, e) = api_post(
        &sec,
        &path,
        json!({"assessment": "x", "conference": {"chair": "A"}}),
    )
    .await;
    assert_eq!((s, e["error"]["code"].as_str()), (400, Some("review_only")));
    let (s, r) = api_post(
        &sec,
        &path,
        json!({"assessment": "Chi bộ đã tổ chức quán triệt, 100% đảng viên đã học tập.",
               "causes": "Một số đảng viên đi làm ăn xa."}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "draft");
    let (s, r) = api_post(&sec, &format!("{path}/submit"), json!({})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "submitted");
    assert_eq!(r["late"], true, "after 05/10/2025");
    assert_eq!(r["symbol"], "01-BC/CB");
    assert_eq!(
        r["signals"]["contradictions"][0]["claimed"], "100%",
        "100% claimed, none studied on record: {r}"
    );
    // Frozen.
    let (s, e) = api_post(&sec, &path, json!({"assessment": "Sửa lại"})).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("report_frozen"))
    );
    let (_, u) = api_get(&sec, &unit).await;
    let q3 = u["due"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["period_start"] == "2025-07-01")
        .unwrap()
        .clone();
    assert_eq!(
        (q3["state"].as_str(), q3["late"].as_bool()),
        (Some("submitted"), Some(true))
    );

    // The district office reads but does not write; the other district sees nothing.
    let office = app.signed_in("office.a").await;
    let (s, _) = api_get(&office, &path).await;
    assert_eq!(s, 200);
    let (s, _) = api_post(&office, &format!("{path}/correct"), json!({})).await;
    assert_eq!(s, 403);
    let gathered = format!(
        "/api/orgs/{}/reports/{doc}/gathered?period=2025-07-01",
        app.grassroots_a
    );
    let (s, g) = api_get(&office, &gathered).await;
    assert_eq!(s, 200, "{g}");
    assert_eq!(g["reports"][0]["symbol"], "01-BC/CB");
    assert_eq!(g["reports"][0]["causes"], "Một số đảng viên đi làm ăn xa.");
    let other = app.signed_in("office.b").await;
    assert_eq!(api_get(&other, &path).await.0, 404);
    assert_eq!(api_get(&other, &gathered).await.0, 404);
    assert_eq!(api_get(&other, &unit).await.0, 404);

    // A correction: a new draft that supersedes the report once submitted.
    let (s, c) = api_post(&sec, &format!("{path}/correct"), json!({})).await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["supersedes"], id);
    let cid = c["id"].as_i64().unwrap();
    let (s, _) = api_post(
        &sec,
        &format!("/api/reports/{cid}"),
        json!({"assessment": "Chi bộ đã tổ chức quán triệt; 2 đảng viên chưa học tập."}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, c) = api_post(&sec, &format!("/api/reports/{cid}/submit"), json!({})).await;
    assert_eq!(s, 200, "{c}");
    let (_, old) = api_get(&sec, &path).await;
    assert_eq!(old["state"], "superseded");
    assert_eq!(old["superseded_by"], cid);
    assert_eq!(
        old["assessment"],
        "Chi bộ đã tổ chức quán triệt, 100% đảng viên đã học tập."
    );
}

/// The JSON API of a review: the conference and the decisions saved, submitted, the task
/// decision applied to the program once.
#[tokio::test]
async fn the_json_api_holds_a_review_and_applies_its_decisions() {
    use serde_json::json;
    let app = spawn_app().await;
    let t = app.seed_issued_task(false).await;
    add_account(
        &app,
        "office.baodai",
        domain::AccessRole::OfficeStaff,
        app.grassroots_a,
    )
    .await;
    let sys = Principal::system();
    let document = app
        .store
        .program(&sys, t.program)
        .await
        .unwrap()
        .root_document_id;
    let office = app.signed_in("office.baodai").await;
    let unit = format!("/api/orgs/{}/reports/{document}", app.grassroots_a);
    let yesterday = today() - time::Duration::days(1);
    let (s, r) = api_post(
        &office,
        &unit,
        json!({"kind": "interim", "period_end": yesterday.to_string()}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["kind"], "interim");
    let path = format!("/api/reports/{}", r["id"]);
    // Bad input: more present than called, a decision without its kind.
    let (s, e) = api_post(
        &office,
        &path,
        json!({"assessment": "x", "conference": {"held_on": yesterday.to_string(),
               "chair": "Nguyễn Văn Đức", "invited": 10, "present": 12}}),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (400, Some("figure_out_of_range"))
    );
    let deadline = (today() + time::Duration::days(60)).to_string();
    let body = json!({
        "assessment": "Đảng bộ xã đã triển khai chuyển đổi số.",
        "conference": {"held_on": yesterday.to_string(), "chair": "Nguyễn Văn Đức",
                       "invited": 15, "present": 14},
        "decisions": [
            {"kind": "task", "subject": "Số hoá hồ sơ của các chi bộ còn lại",
             "reason": "Hồ sơ số hoá", "deadline": deadline},
            {"kind": "commend", "subject": "Chi bộ thôn Thanh Lâm", "reason": "Làm tốt"}
        ]
    });
    let (s, r) = api_post(&office, &path, body).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["conference"]["present"], 14);
    assert_eq!(r["decisions"].as_array().unwrap().len(), 2);
    let (s, e) = api_post(&office, &format!("{path}/apply"), json!({})).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("report_not_submitted"))
    );
    let (s, r) = api_post(&office, &format!("{path}/submit"), json!({})).await;
    assert_eq!(s, 200, "{r}");
    let (s, a) = api_post(&office, &format!("{path}/apply"), json!({})).await;
    assert_eq!(s, 200, "{a}");
    let program = a["program_id"].as_i64().unwrap();
    assert_eq!(a["report"]["decisions"][0]["program_id"], program);
    let tasks = app
        .store
        .program_tasks(&sys, domain::ProgramId(program))
        .await
        .unwrap();
    assert_eq!(tasks.len(), 2);
    let (s, e) = api_post(&office, &format!("{path}/apply"), json!({})).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("report_nothing_to_apply"))
    );
}

/// Cascaded to the commune and its cells with 5 grace days, the cell owes Q3 on 3/10 and
/// the commune on 5/10 (bottom-up, issue 13 item 3): each unit's page shows its own
/// deadline. The cell's report claims 100% where the record has nobody studied: the
/// district's supervision suggestions give that as a reason, naming the report.
#[tokio::test]
async fn deadlines_run_bottom_up_and_a_contradicted_report_is_a_reason_to_supervise() {
    let app = spawn_app().await;
    let doc = app
        .cascaded_report(vec![OrgKind::Grassroots, OrgKind::Cell])
        .await;
    let office = app.signed_in("office.a").await;
    let row = |page: &str| {
        let at = page.find("01/07/2025 – 30/09/2025").expect("Q3 row");
        page[at..].chars().take(300).collect::<String>()
    };
    let cell_page = office
        .get(&format!("/orgs/{}/reports/{doc}", app.cell_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        row(&cell_page).contains("03/10/2025"),
        "{}",
        row(&cell_page)
    );
    let commune_page = office
        .get(&format!("/orgs/{}/reports/{doc}", app.grassroots_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        row(&commune_page).contains("05/10/2025"),
        "{}",
        row(&commune_page)
    );

    let suggestions = format!("/orgs/{}/inspection/suggestions", app.district_a);
    let before = office.get(&suggestions).await.text().await.unwrap();
    assert!(!before.contains("không khớp với dữ liệu"), "{before}");

    let sec = app.signed_in("secretary.a").await;
    let res = sec
        .post(
            &format!("/orgs/{}/reports/{doc}", app.cell_a),
            &[("kind", "periodic"), ("period", "2025-07-01")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let report = location(&res);
    let res = sec
        .post(
            &report,
            &[
                ("action", "submit"),
                (
                    "assessment",
                    "Chi bộ đã tổ chức quán triệt, 100% đảng viên đã học tập.",
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);

    let after = office.get(&suggestions).await.text().await.unwrap();
    assert!(
        after.contains(
            "1 báo cáo có số liệu không khớp với dữ liệu (1 nội dung), gần nhất: Báo cáo số 01-BC/CB"
        ),
        "{after}"
    );
    let (status, body) = api_get(
        &office,
        &format!("/api/orgs/{}/inspection/suggestions", app.district_a),
    )
    .await;
    assert_eq!(status, 200);
    let text = body.to_string();
    assert!(text.contains("contradicted_reports"), "{text}");
    assert!(text.contains("01-BC/CB"), "{text}");
}

fn today() -> time::Date {
    domain::tz::local_date(time::OffsetDateTime::now_utc())
}
