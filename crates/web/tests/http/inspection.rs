//! Inspection and supervision (issue 16) over HTTP: the records the isolation matrix
//! addresses, the confidentiality of findings before the conclusion, and the pages of
//! the flow from the program to a closed recommendation.

use domain::Principal;
use domain::inspection::{AboutKind, BodyKind, FindingKind, ItemKind, TeamRole};
use store::{Conclusion, NewFinding, NewInspectionProgram, NewItem, NewRecommendation};
use time::macros::date;

use crate::helpers::{TestApp, keep_pdf, spawn_app};

/// District A's committee supervises its commune: notified, self-reported with a PDF, a
/// finding, concluded with one recommendation to the commune.
pub struct InspectionRecords {
    pub program: i64,
    pub item: i64,
    pub subject: i64,
    pub recommendation: i64,
    pub file: i64,
}

impl TestApp {
    pub async fn seed_inspection(&self, conclude: bool) -> InspectionRecords {
        let sys = Principal::system();
        let s = self.store.as_ref();
        let program = s
            .create_inspection_program(
                &sys,
                NewInspectionProgram {
                    org_id: self.district_a,
                    body: BodyKind::Committee,
                    year: 2025,
                    title: "Chương trình kiểm tra, giám sát năm 2025 của Huyện Lục Nam".into(),
                },
            )
            .await
            .expect("program");
        let item = s
            .add_inspection_item(
                &sys,
                program.id,
                NewItem {
                    kind: Some(ItemKind::ThematicSupervision),
                    title: "Giám sát chuyên đề xã Bảo Đài".into(),
                    content: "Việc thực hiện nghị quyết.".into(),
                    subjects: vec![(self.grassroots_a, None)],
                    team: vec![(self.member_a, TeamRole::Head)],
                    starts_on: Some(date!(2025 - 10 - 01)),
                    ends_on: Some(date!(2025 - 11 - 30)),
                    ..NewItem::default()
                },
            )
            .await
            .expect("item");
        s.notify_inspection_item(
            &sys,
            item.id,
            date!(2025 - 10 - 01),
            Some(date!(2025 - 10 - 15)),
        )
        .await
        .expect("notify");
        let subject = item.subjects[0].id;
        let pdf = keep_pdf(self.data.path(), "bao-cao-tu-kiem-tra.pdf");
        let item = s
            .submit_self_report(
                &sys,
                subject,
                "Báo cáo tự kiểm tra.".into(),
                vec![pdf],
                date!(2025 - 10 - 10),
            )
            .await
            .expect("self-report");
        let file = item.subjects[0].files[0].id;
        s.add_finding(
            &sys,
            item.id,
            NewFinding {
                subject_id: subject,
                kind: FindingKind::Shortcoming,
                about: AboutKind::General,
                about_id: None,
                about_part: None,
                text: "Bí mật: chậm triển khai nghị quyết".into(),
            },
        )
        .await
        .expect("finding");
        let mut recommendation = 0;
        if conclude {
            let done = s
                .conclude_inspection_item(
                    &sys,
                    item.id,
                    Conclusion {
                        concluded_on: date!(2025 - 11 - 01),
                        text: "Kết luận giám sát.".into(),
                        recommendations: vec![NewRecommendation {
                            acting_org_id: Some(self.grassroots_a),
                            text: "Tổ chức quán triệt bổ sung".into(),
                            deadline: Some(date!(2026 - 01 - 31)),
                        }],
                    },
                )
                .await
                .expect("conclude");
            recommendation = done.recommendations[0].id;
        }
        InspectionRecords {
            program: program.id,
            item: item.id,
            subject,
            recommendation,
            file,
        }
    }
}

#[tokio::test]
async fn findings_are_seen_by_the_body_and_the_team_only_until_the_conclusion() {
    let app = spawn_app().await;
    let r = app.seed_inspection(false).await;
    let office_a = app.signed_in("office.a").await;
    let secretary = app.signed_in("secretary.a").await;
    let office_b = app.signed_in("office.b").await;
    let secret = "Bí mật: chậm triển khai nghị quyết";
    let page = office_a.get(&format!("/inspection-items/{}", r.item)).await;
    assert_eq!(page.status(), 200);
    assert!(
        page.text().await.unwrap().contains(secret),
        "the body sees it"
    );
    // The cell's secretary reads none of the commune: nothing at all.
    let page = secretary
        .get(&format!("/inspection-items/{}", r.item))
        .await;
    assert_eq!(page.status(), 404);
    let page = office_b.get(&format!("/inspection-items/{}", r.item)).await;
    assert_eq!(page.status(), 404);
    // The commune's own clerk sees the item (what is asked of it), not the findings.
    let clerk = app.signed_in("clerk.a").await;
    let page = clerk.get(&format!("/inspection-items/{}", r.item)).await;
    assert_eq!(page.status(), 200);
    let body = page.text().await.unwrap();
    assert!(
        !body.contains(secret),
        "findings stay with the team before the conclusion"
    );
    assert!(body.contains("Kết quả kiểm tra, giám sát sẽ được thông báo khi có kết luận."));
    // And the API says the same.
    let api = clerk
        .get(&format!("/api/inspection-items/{}", r.item))
        .await;
    assert_eq!(api.status(), 200);
    assert!(!api.text().await.unwrap().contains(secret));
}

#[tokio::test]
async fn a_conclusion_without_deadline_or_acting_unit_is_refused_and_nothing_saved() {
    let app = spawn_app().await;
    let r = app.seed_inspection(false).await;
    let office_a = app.signed_in("office.a").await;
    let res = office_a
        .post(
            &format!("/inspection-items/{}/conclude", r.item),
            &[
                ("concluded_on", "01/11/2025"),
                ("conclusion", "Kết luận"),
                ("acting_0", ""),
                ("rec_0", "Bổ sung"),
                ("deadline_0", "31/12/2025"),
                ("acting_1", &app.grassroots_a.to_string()),
                ("rec_1", "Khắc phục"),
                ("deadline_1", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Có lỗi cần sửa") || body.contains("Lỗi"),
        "an error summary"
    );
    assert!(body.contains("Hãy") || body.contains("bắt buộc") || body.contains("Chưa"));
    let page = office_a.get(&format!("/inspection-items/{}", r.item)).await;
    let body = page.text().await.unwrap();
    assert!(!body.contains("TB/HU"), "no notice number was given");
}

#[tokio::test]
async fn the_district_follows_a_recommendation_to_closure_through_the_pages() {
    let app = spawn_app().await;
    let r = app.seed_inspection(true).await;
    let office_a = app.signed_in("office.a").await;
    // The recommendation's page and the unit's list.
    let page = office_a
        .get(&format!("/recommendations/{}", r.recommendation))
        .await;
    assert_eq!(page.status(), 200);
    let list = office_a
        .get(&format!("/orgs/{}/inspection", app.grassroots_a))
        .await;
    assert!(
        list.text()
            .await
            .unwrap()
            .contains("Tổ chức quán triệt bổ sung")
    );
    // Closing before any remediation is refused with a clear message.
    let res = office_a
        .post(
            &format!("/recommendations/{}/decision", r.recommendation),
            &[("decision", "verify")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("chỉ được đóng sau khi đã thẩm định")
    );
    // The dashboard shows it open.
    let dash = office_a
        .get(&format!(
            "/orgs/{}/inspection/dashboard?year=2025",
            app.district_a
        ))
        .await;
    assert_eq!(dash.status(), 200);
    assert!(
        dash.text()
            .await
            .unwrap()
            .contains("Tổ chức quán triệt bổ sung")
    );
    let xlsx = office_a
        .get(&format!(
            "/orgs/{}/inspection/dashboard/xlsx?year=2025",
            app.district_a
        ))
        .await;
    assert_eq!(xlsx.status(), 200);
    // The self-report's file is served to the body.
    let f = office_a.get(&format!("/inspection-files/{}", r.file)).await;
    assert_eq!(f.status(), 200);
}

/// The conclusion notice downloads as a party document once concluded, and LibreOffice
/// reads its Vietnamese text back: the notice's number, the conclusion and each
/// recommendation with its acting unit; before the conclusion, and for other districts,
/// there is none.
#[tokio::test]
async fn the_conclusion_notice_downloads_as_a_party_document() {
    let before = spawn_app().await;
    let open = before.seed_inspection(false).await;
    let res = before
        .signed_in("office.a")
        .await
        .get(&format!("/inspection-items/{}/docx", open.item))
        .await;
    assert_eq!(res.status(), 404, "no notice before the conclusion");

    let app = spawn_app().await;
    let r = app.seed_inspection(true).await;
    let office_a = app.signed_in("office.a").await;
    let office_b = app.signed_in("office.b").await;
    let res = office_b
        .get(&format!("/inspection-items/{}/docx", r.item))
        .await;
    assert_eq!(res.status(), 404, "another district sees nothing of it");

    let page = office_a.get(&format!("/inspection-items/{}", r.item)).await;
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("/inspection-items/{}/docx", r.item)),
        "the item page links the notice"
    );
    let res = office_a
        .get(&format!("/inspection-items/{}/docx", r.item))
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("wordprocessingml"),
    );
    let bytes = res.bytes().await.unwrap();
    let Some((text, _)) = testdb::office::docx_as_pdf_text("conclusion notice", &bytes) else {
        return;
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for part in [
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "THÔNG BÁO",
        "Kết luận Giám sát chuyên đề xã Bảo Đài",
        "Kết luận giám sát.",
        "Tổ chức quán triệt",
        "31/01/2026",
        "Nơi nhận:",
        "T/M BAN THƯỜNG VỤ",
    ] {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
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
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

async fn api_get(b: &crate::helpers::Browser, path: &str) -> (u16, serde_json::Value) {
    let res = b.get(path).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// The whole cycle through the JSON API only: the district committee's program, a
/// thematic supervision of its commune on the district's resolution, the notice, the
/// commune's self-report, a finding about a task, the conclusion, the recommendation
/// adopted as a task of the commune's program, remediation returned once and then
/// verified and closed. Bad input on the way (a subject outside the district, a
/// recommendation without a deadline, closing before any remediation, adopting without
/// a responsible member) is refused with its code and leaves nothing half-saved.
#[tokio::test]
async fn the_whole_cycle_runs_through_the_json_api() {
    use serde_json::json;
    let app = spawn_app().await;
    let tasks = app.seed_issued_task(false).await;
    let sys = Principal::system();
    let doc = app
        .store
        .program(&sys, tasks.program)
        .await
        .expect("program")
        .document_id
        .expect("the program's resolution");
    let today = domain::tz::local_date(time::OffsetDateTime::now_utc());
    let day = |n: i64| (today + time::Duration::days(n)).to_string();
    let office = app.signed_in("office.a").await;
    let outsider = app.signed_in("office.b").await;

    // The year's program of the district committee; one per body and year.
    let (status, program) = api_post(
        &office,
        &format!("/api/orgs/{}/inspection/programs", app.district_a),
        json!({"body": "committee", "year": today.year(), "title": "Chương trình kiểm tra, giám sát"}),
    )
    .await;
    assert_eq!(status, 201, "{program}");
    assert_eq!(program["body"], "committee");
    let pid = program["id"].as_i64().unwrap();
    let (status, again) = api_post(
        &office,
        &format!("/api/orgs/{}/inspection/programs", app.district_a),
        json!({"body": "committee", "year": today.year(), "title": "Chương trình thứ hai"}),
    )
    .await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(again["error"]["code"], "inspection_program_exists");
    let (status, _) = api_post(
        &outsider,
        &format!("/api/orgs/{}/inspection/programs", app.district_a),
        json!({"body": "committee", "year": today.year()}),
    )
    .await;
    assert_eq!(status, 404, "another district does not reach district A");

    // A subject outside the body's subtree is refused, and no item is kept.
    let item_body = |subject: i64| {
        json!({
            "kind": "thematic_supervision",
            "title": "Giám sát chuyên đề xã Bảo Đài",
            "content": "Việc thực hiện Nghị quyết 06-NQ/HU.",
            "document_id": doc.0,
            "subjects": [{"org_id": subject}],
            "team": [{"member_id": app.member_a.0, "role": "head"}],
            "period_from": "2025-01-01",
            "period_to": day(0),
            "starts_on": day(0),
            "ends_on": day(60),
        })
    };
    let (status, err) = api_post(
        &office,
        &format!("/api/inspection-programs/{pid}/items"),
        item_body(app.district_b.0),
    )
    .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["code"], "subject_outside_body");
    assert_eq!(err["error"]["field"], "subjects");
    let (_, listed) = api_get(&office, &format!("/api/inspection-programs/{pid}")).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 0, "nothing kept");
    // A team role that does not exist names the field.
    let mut bad_role = item_body(app.grassroots_a.0);
    bad_role["team"] = json!([{"member_id": app.member_a.0, "role": "boss"}]);
    let (status, err) = api_post(
        &office,
        &format!("/api/inspection-programs/{pid}/items"),
        bad_role,
    )
    .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["field"], "team");

    let (status, item) = api_post(
        &office,
        &format!("/api/inspection-programs/{pid}/items"),
        item_body(app.grassroots_a.0),
    )
    .await;
    assert_eq!(status, 201, "{item}");
    assert_eq!(item["state"], "planned");
    assert_eq!(item["team"][0]["role"], "head");
    let iid = item["id"].as_i64().unwrap();
    let sid = item["subject_details"][0]["id"].as_i64().unwrap();
    assert_eq!(item["subject_details"][0]["org_id"], app.grassroots_a.0);

    // The notice, with the day the self-report is due.
    let (status, item) = api_post(
        &office,
        &format!("/api/inspection-items/{iid}/notify"),
        json!({"notified_on": day(0), "self_report_due": day(14)}),
    )
    .await;
    assert_eq!(status, 200, "{item}");
    assert_eq!(item["state"], "notified");
    assert_eq!(item["self_report_due"], day(14));

    // The commune's self-report (its office acts for it).
    let (status, err) = api_post(
        &office,
        &format!("/api/inspection-subjects/{sid}/report"),
        json!({}),
    )
    .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["code"], "required");
    let (status, item) = api_post(
        &office,
        &format!("/api/inspection-subjects/{sid}/report"),
        json!({"text": "Báo cáo tự kiểm tra việc thực hiện nghị quyết."}),
    )
    .await;
    assert_eq!(status, 200, "{item}");
    assert_eq!(item["state"], "reported");
    assert_eq!(item["subject_details"][0]["reported"], true);

    // A finding about the commune's task.
    let (status, finding) = api_post(
        &office,
        &format!("/api/inspection-items/{iid}/findings"),
        json!({"subject_id": sid, "kind": "shortcoming", "about": "task",
               "about_id": tasks.task.0, "text": "Số hoá hồ sơ chậm so với kế hoạch."}),
    )
    .await;
    assert_eq!(status, 201, "{finding}");
    assert_eq!(finding["about"], "task");
    assert_eq!(finding["about_id"], tasks.task.0);
    let (status, err) = api_post(
        &office,
        &format!("/api/inspection-items/{iid}/findings"),
        json!({"subject_id": sid, "text": "Không rõ loại"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["field"], "kind");

    // A recommendation without a deadline: refused, nothing concluded, no number taken.
    let (status, err) = api_post(
        &office,
        &format!("/api/inspection-items/{iid}/conclude"),
        json!({"concluded_on": day(0), "text": "Kết luận giám sát.",
               "recommendations": [{"acting_org_id": app.grassroots_a.0, "text": "Đẩy nhanh số hoá hồ sơ"}]}),
    )
    .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["code"], "required");
    let (_, item) = api_get(&office, &format!("/api/inspection-items/{iid}")).await;
    assert_eq!(item["state"], "reported");
    assert!(item["notice_symbol"].is_null());
    assert_eq!(item["recommendations"].as_array().unwrap().len(), 0);

    let (status, item) = api_post(
        &office,
        &format!("/api/inspection-items/{iid}/conclude"),
        json!({"concluded_on": day(0), "text": "Kết luận giám sát.",
               "recommendations": [{"acting_org_id": app.grassroots_a.0, "text": "Đẩy nhanh số hoá hồ sơ",
                                    "deadline": day(60)}]}),
    )
    .await;
    assert_eq!(status, 200, "{item}");
    assert_eq!(item["state"], "concluded");
    assert!(item["notice_symbol"].as_str().unwrap().contains("TB/"));
    let rid = item["recommendations"][0]["id"].as_i64().unwrap();
    let rec_path = format!("/api/recommendations/{rid}");

    // Closing it before any remediation is refused: nothing closes unverified.
    let (status, err) = api_post(
        &office,
        &format!("{rec_path}/decision"),
        json!({"decision": "verify"}),
    )
    .await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"]["code"], "recommendation_not_reported");
    let (_, rec) = api_get(&office, &rec_path).await;
    assert_eq!(rec["state"], "open");

    // Adopted as a follow-up task of a revision of the commune's program.
    let (status, err) = api_post(&office, &format!("{rec_path}/adopt"), json!({})).await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["field"], "responsible");
    let (status, rec) = api_post(
        &office,
        &format!("{rec_path}/adopt"),
        json!({"responsible_member_id": app.member_a.0}),
    )
    .await;
    assert_eq!(status, 200, "{rec}");
    assert_eq!(rec["state"], "tasked");
    assert!(rec["responsible_name"].is_string());
    let task = rec["task_id"].as_i64().expect("a task");
    let (status, t) = api_get(&office, &format!("/api/tasks/{task}")).await;
    assert_eq!(status, 200, "{t}");

    // Remediation, returned with a reason, reported again, verified and closed.
    let (status, rec) = api_post(
        &office,
        &format!("{rec_path}/remediation"),
        json!({"note": "Đã số hoá 60% hồ sơ."}),
    )
    .await;
    assert_eq!(status, 200, "{rec}");
    assert_eq!(rec["state"], "reported");
    let (status, rec) = api_post(
        &office,
        &format!("{rec_path}/decision"),
        json!({"decision": "return", "reason": "Chưa đủ hồ sơ."}),
    )
    .await;
    assert_eq!(status, 200, "{rec}");
    assert_eq!(rec["state"], "returned");
    let (status, rec) = api_post(
        &office,
        &format!("{rec_path}/remediation"),
        json!({"note": "Đã số hoá toàn bộ hồ sơ."}),
    )
    .await;
    assert_eq!(status, 200, "{rec}");
    let (status, rec) = api_post(
        &office,
        &format!("{rec_path}/decision"),
        json!({"decision": "verify"}),
    )
    .await;
    assert_eq!(status, 200, "{rec}");
    assert_eq!(rec["state"], "closed");
    assert_eq!(rec["closed_on"], day(0));
    let (_, rec) = api_get(&office, &rec_path).await;
    let rems = rec["remediations"].as_array().unwrap();
    assert_eq!(rems.len(), 2, "both remediations are kept");
    assert_eq!(rems[0]["decision"], "returned");
    assert_eq!(rems[1]["decision"], "verified");
    // Another district sees none of it.
    let (status, _) = api_get(&outsider, &rec_path).await;
    assert_eq!(status, 404);
    let (status, _) = api_get(&outsider, &format!("/api/inspection-programs/{pid}")).await;
    assert_eq!(status, 404);
}

/// The Fatherland Front of district A draws up its own program and a supervision of its
/// commune through the pages, and runs it to a conclusion with the Front's notice
/// number; it may not run an inspection (a party body's kind), it does not see the
/// party committee's inspections, and district B's Front sees nothing of it.
#[tokio::test]
async fn the_fatherland_front_runs_its_own_supervision_through_the_pages() {
    use domain::AccessRole;
    let app = spawn_app().await;
    let party = app.seed_inspection(false).await;
    app.add_user(
        "mattran.a",
        "Ủy ban MTTQ huyện Lục Nam",
        &[(AccessRole::FatherlandFront, app.district_a)],
    )
    .await;
    app.add_user(
        "mattran.b",
        "Ủy ban MTTQ huyện Lục Ngạn",
        &[(AccessRole::FatherlandFront, app.district_b)],
    )
    .await;
    let front = app.signed_in("mattran.a").await;
    let other = app.signed_in("mattran.b").await;

    // The unit's page offers the Front as the body; the program is the Front's.
    let unit = front
        .get(&format!("/orgs/{}/inspection", app.district_a))
        .await;
    assert_eq!(unit.status(), 200);
    let html = unit.text().await.unwrap();
    assert!(html.contains("value=\"fatherland_front\""), "{html}");
    assert!(
        !html.contains("value=\"committee\""),
        "the Front does not act for the committee"
    );
    let res = front
        .post(
            &format!("/orgs/{}/inspection/programs", app.district_a),
            &[
                ("body", "fatherland_front"),
                ("year", "2025"),
                (
                    "title",
                    "Chương trình giám sát năm 2025 của Ủy ban MTTQ huyện",
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let program_path = res.headers()["location"].to_str().unwrap().to_owned();
    let program: i64 = program_path.rsplit('/').next().unwrap().parse().unwrap();

    // The item form offers supervision and social criticism, never inspection.
    let form = front
        .get(&format!("/inspection-programs/{program}/items/new"))
        .await;
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    assert!(html.contains("value=\"regular_supervision\""));
    assert!(html.contains("value=\"social_criticism\""));
    assert!(!html.contains("value=\"inspection\""));
    let grassroots = app.grassroots_a.to_string();
    let head = app.member_a.to_string();
    let fields = |kind: &'static str| {
        vec![
            ("kind", kind),
            ("title", "Giám sát việc lấy ý kiến nhân dân tại xã Bảo Đài"),
            ("content", "Việc công khai kết quả thực hiện nghị quyết."),
            ("subjects", grassroots.as_str()),
            ("head", head.as_str()),
            ("starts_on", "01/10/2025"),
            ("ends_on", "30/11/2025"),
        ]
    };
    let res = front
        .post(
            &format!("/inspection-programs/{program}/items/new"),
            &fields("inspection"),
        )
        .await;
    assert_eq!(res.status(), 422, "the Front may not run an inspection");
    let (_, items) = app
        .store
        .inspection_program(&Principal::system(), program)
        .await
        .expect("program");
    assert!(items.is_empty(), "nothing kept");
    let res = front
        .post(
            &format!("/inspection-programs/{program}/items/new"),
            &fields("regular_supervision"),
        )
        .await;
    assert_eq!(res.status(), 303);
    let item_path = res.headers()["location"].to_str().unwrap().to_owned();

    // It runs it: the notice (no self-report for a regular supervision), a finding, the
    // conclusion with the Front's own notice number.
    let item: i64 = item_path.rsplit('/').next().unwrap().parse().unwrap();
    let res = front
        .post(
            &format!("/inspection-items/{item}/notify"),
            &[("notified_on", "01/10/2025")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let subject = app
        .store
        .inspection_item(&Principal::system(), item, date!(2025 - 10 - 02))
        .await
        .expect("item")
        .subjects[0]
        .id
        .to_string();
    // No self-report is due for a regular supervision: the form says no empty date.
    let html = app
        .signed_in("office.a")
        .await
        .get(&format!("/inspection-subjects/{subject}/report"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Báo cáo theo đề cương gợi ý, kèm tài liệu minh chứng.")
            && !html.contains("Hạn nộp: ."),
        "{html}"
    );
    let res = front
        .post(
            &format!("/inspection-items/{item}/findings"),
            &[
                ("subject", subject.as_str()),
                ("kind", "shortcoming"),
                ("about", "general"),
                ("text", "Chưa công khai kết quả ở nhà văn hóa thôn."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = front
        .post(
            &format!("/inspection-items/{item}/conclude"),
            &[
                ("concluded_on", "15/11/2025"),
                ("conclusion", "Kết quả giám sát của Mặt trận."),
                ("acting_0", grassroots.as_str()),
                ("rec_0", "Công khai kết quả tại các thôn"),
                ("deadline_0", "31/12/2025"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let page = front.get(&format!("/inspection-items/{item}")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("TB-MTTQ"), "the Front's notice number");
    assert!(html.contains("Công khai kết quả tại các thôn"));

    // The party committee's inspection stays closed to the Front.
    let res = front
        .get(&format!("/inspection-items/{}", party.item))
        .await;
    assert_eq!(res.status(), 404);
    // District B's Front sees nothing of district A's.
    for path in [
        program_path.clone(),
        item_path.clone(),
        format!("/orgs/{}/inspection", app.district_a),
        format!("/api/inspection-items/{item}"),
    ] {
        let res = other.get(&path).await;
        assert_eq!(res.status(), 404, "{path}");
    }
    let own = other
        .get(&format!("/orgs/{}/inspection", app.district_b))
        .await;
    assert_eq!(own.status(), 200);
    assert!(!own.text().await.unwrap().contains("Bảo Đài"));
}

/// The item form offers the members holding a position at the body's unit or its
/// children as subjects (`unit:member`), and the item keeps the member.
#[tokio::test]
async fn the_item_form_offers_members_holding_positions_as_subjects() {
    let app = spawn_app().await;
    let r = app.seed_inspection(false).await;
    app.store
        .position_add(
            &Principal::system(),
            store::NewPosition {
                member_id: app.member_a,
                org_id: app.grassroots_a,
                role: domain::PositionRole::DeputySecretary,
                from: date!(2021 - 01 - 01),
            },
        )
        .await
        .expect("position");
    let office = app.signed_in("office.a").await;
    let form = office
        .get(&format!("/inspection-programs/{}/items/new", r.program))
        .await;
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    let value = format!("{}:{}", app.grassroots_a, app.member_a);
    assert!(html.contains(&format!("value=\"{value}\"")), "{html}");
    assert!(html.contains("Nguyễn Văn Đức – Phó Bí thư"), "{html}");
    // The cell's secretary holds a position two levels down: not offered here.
    assert!(!html.contains(&format!("value=\"{}:{}\"", app.cell_a, app.member_a)));
    let team = app.member_a.to_string();
    let res = office
        .post(
            &format!("/inspection-programs/{}/items/new", r.program),
            &[
                ("kind", "inspection"),
                ("title", "Kiểm tra đồng chí Phó Bí thư Đảng ủy xã"),
                ("content", "Việc thực hiện nhiệm vụ được phân công."),
                ("subjects", value.as_str()),
                ("head", team.as_str()),
                ("starts_on", "01/10/2025"),
                ("ends_on", "30/11/2025"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let item_path = res.headers()["location"].to_str().unwrap().to_owned();
    let page = office.get(&item_path).await.text().await.unwrap();
    assert!(page.contains("Nguyễn Văn Đức"), "{page}");
    let item: i64 = item_path.rsplit('/').next().unwrap().parse().unwrap();
    let kept = app
        .store
        .inspection_item(&Principal::system(), item, date!(2025 - 10 - 02))
        .await
        .expect("item");
    assert_eq!(kept.subjects[0].member_id, Some(app.member_a));
    assert_eq!(kept.subjects[0].org_id, app.grassroots_a);
}

/// The district's dashboard, on the page and as .xlsx: the year's items by kind, the
/// coverage of its communes, and each open recommendation with who answers for it (the
/// member named when it was adopted as a task; nobody yet for the one still open).
#[tokio::test]
async fn the_dashboard_names_who_answers_and_its_workbook_holds_the_same_tables() {
    let app = spawn_app().await;
    let tasks = app.seed_issued_task(false).await;
    let sys = Principal::system();
    let s = app.store.as_ref();
    let doc = s
        .program(&sys, tasks.program)
        .await
        .expect("program")
        .document_id;
    let today = domain::tz::local_date(time::OffsetDateTime::now_utc());
    let day = |n: i64| today + time::Duration::days(n);
    let program = s
        .create_inspection_program(
            &sys,
            NewInspectionProgram {
                org_id: app.district_a,
                body: BodyKind::Committee,
                year: today.year(),
                title: "Chương trình kiểm tra, giám sát".into(),
            },
        )
        .await
        .expect("program");
    let item = s
        .add_inspection_item(
            &sys,
            program.id,
            NewItem {
                kind: Some(ItemKind::ThematicSupervision),
                title: "Giám sát chuyên đề xã Bảo Đài".into(),
                content: "Việc thực hiện nghị quyết.".into(),
                document_id: doc,
                subjects: vec![(app.grassroots_a, None)],
                team: vec![(app.member_a, TeamRole::Head)],
                starts_on: Some(today),
                ends_on: Some(day(30)),
                ..NewItem::default()
            },
        )
        .await
        .expect("item");
    s.notify_inspection_item(&sys, item.id, today, Some(day(10)))
        .await
        .expect("notify");
    s.submit_self_report(&sys, item.subjects[0].id, "Báo cáo.".into(), vec![], today)
        .await
        .expect("self-report");
    s.add_finding(
        &sys,
        item.id,
        NewFinding {
            subject_id: item.subjects[0].id,
            kind: FindingKind::Shortcoming,
            about: AboutKind::General,
            about_id: None,
            about_part: None,
            text: "Chậm số hoá hồ sơ.".into(),
        },
    )
    .await
    .expect("finding");
    let done = s
        .conclude_inspection_item(
            &sys,
            item.id,
            Conclusion {
                concluded_on: today,
                text: "Kết luận.".into(),
                recommendations: vec![
                    NewRecommendation {
                        acting_org_id: Some(app.grassroots_a),
                        text: "Đẩy nhanh số hoá hồ sơ".into(),
                        deadline: Some(day(60)),
                    },
                    NewRecommendation {
                        acting_org_id: Some(app.grassroots_a),
                        text: "Công khai kết quả thực hiện".into(),
                        deadline: Some(day(90)),
                    },
                ],
            },
        )
        .await
        .expect("conclude");
    s.adopt_recommendation(&sys, done.recommendations[0].id, Some(app.member_a), today)
        .await
        .expect("adopt");

    let office = app.signed_in("office.a").await;
    let year = today.year();
    let page = office
        .get(&format!(
            "/orgs/{}/inspection/dashboard?year={year}",
            app.district_a
        ))
        .await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let row = |text: &str| -> String {
        html.split("<tr>")
            .find(|r| r.contains(text))
            .unwrap_or_else(|| panic!("a row for {text}"))
            .to_owned()
    };
    assert!(row("Đẩy nhanh số hoá hồ sơ").contains("Nguyễn Văn Đức"));
    let open = row("Công khai kết quả thực hiện");
    assert!(
        !open.contains("Nguyễn Văn Đức") && open.contains("–"),
        "{open}"
    );

    let res = office
        .get(&format!(
            "/orgs/{}/inspection/dashboard/xlsx?year={year}",
            app.district_a
        ))
        .await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    assert_eq!(
        wb.sheet_names(),
        vec!["Kế hoạch", "Bao phủ", "Kiến nghị chưa đóng"]
    );
    let text = |r: &calamine::Range<calamine::Data>, at: (u32, u32)| {
        r.get_value(at).map(|v| v.to_string()).unwrap_or_default()
    };
    let plan = wb.worksheet_range("Kế hoạch").expect("sheet");
    assert_eq!(text(&plan, (0, 0)), "Hình thức");
    let thematic = (1..plan.height() as u32)
        .find(|r| text(&plan, (*r, 0)) == "Giám sát chuyên đề")
        .expect("the thematic supervision line");
    assert_eq!(text(&plan, (thematic, 1)), "1", "planned");
    assert_eq!(text(&plan, (thematic, 2)), "1", "done");
    let coverage = wb.worksheet_range("Bao phủ").expect("sheet");
    assert_eq!(text(&coverage, (0, 0)), "Đơn vị");
    let commune = (1..coverage.height() as u32)
        .find(|r| text(&coverage, (*r, 0)).contains("Bảo Đài"))
        .expect("the commune's coverage line");
    assert!(!text(&coverage, (commune, 1)).is_empty(), "last conclusion");
    assert_eq!(text(&coverage, (commune, 2)), "1");
    let open = wb.worksheet_range("Kiến nghị chưa đóng").expect("sheet");
    assert_eq!(text(&open, (0, 5)), "Người chịu trách nhiệm");
    assert_eq!(open.height(), 3, "a header and two open recommendations");
    let line = |t: &str| {
        (1..open.height() as u32)
            .find(|r| text(&open, (*r, 1)) == t)
            .unwrap_or_else(|| panic!("a line for {t}"))
    };
    let adopted = line("Đẩy nhanh số hoá hồ sơ");
    assert_eq!(text(&open, (adopted, 5)), "Nguyễn Văn Đức");
    assert!(text(&open, (adopted, 0)).contains("Bảo Đài"));
    let still_open = line("Công khai kết quả thực hiện");
    assert_eq!(text(&open, (still_open, 5)), "");
}

/// Issue 16 item 1, "named tasks", through the pages: the item page offers the subject
/// commune's issued tasks on the item's resolution as checkboxes (picked, never typed);
/// the named task is listed with its unit, responsible person and deadline and links to
/// its page; a task outside the subjects is refused with the message and the list kept;
/// once notified the list is fixed, and the finding form offers the named task, the
/// program's sections and the resolution's study to choose from (no id to type). The
/// JSON API names tasks at creation and through `/tasks`, and lists the choices.
#[tokio::test]
async fn an_item_names_the_subjects_tasks_and_findings_pick_them() {
    use serde_json::json;
    let app = spawn_app().await;
    let tasks = app.seed_issued_task(false).await;
    let sys = Principal::system();
    let doc = app
        .store
        .program(&sys, tasks.program)
        .await
        .expect("program")
        .document_id
        .expect("the program's resolution");
    let office = app.signed_in("office.a").await;
    let outsider = app.signed_in("office.b").await;
    let (status, program) = api_post(
        &office,
        &format!("/api/orgs/{}/inspection/programs", app.district_a),
        json!({"body": "committee", "year": 2025, "title": "Chương trình kiểm tra, giám sát"}),
    )
    .await;
    assert_eq!(status, 201, "{program}");
    let pid = program["id"].as_i64().unwrap();
    let grassroots = app.grassroots_a.to_string();
    let head = app.member_a.to_string();
    let document = doc.0.to_string();
    let res = office
        .post(
            &format!("/inspection-programs/{pid}/items/new"),
            &[
                ("kind", "thematic_supervision"),
                ("title", "Giám sát chuyên đề xã Bảo Đài"),
                ("content", "Việc số hoá hồ sơ đảng viên."),
                ("document", document.as_str()),
                ("subjects", grassroots.as_str()),
                ("head", head.as_str()),
                ("starts_on", "01/10/2025"),
                ("ends_on", "30/11/2025"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let item: i64 = res.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let task = tasks.task.0.to_string();
    let program_id = tasks.program.0.to_string();

    // The picker: the commune's task, by its words, with its unit.
    let html = office
        .get(&format!("/inspection-items/{item}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Chọn chương trình, nhiệm vụ được kiểm tra, giám sát"),
        "{html}"
    );
    assert!(html.contains("Chưa chọn nhiệm vụ cụ thể nào"));
    assert!(
        html.contains(&format!("name=\"tasks\" value=\"{task}\"")),
        "{html}"
    );
    assert!(html.contains("Số hoá hồ sơ đảng viên của Chi bộ thôn Thanh Lâm"));
    assert!(
        html.contains(&format!("name=\"program\" value=\"{program_id}\"")),
        "the commune's program is offered: {html}"
    );
    let res = office
        .post(
            &format!("/inspection-items/{item}/content"),
            &[("program", program_id.as_str()), ("tasks", task.as_str())],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("/inspection-items/{item}?done=tasks#tasks")
    );
    let html = office
        .get(&format!("/inspection-items/{item}?done=tasks"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Đã lưu chương trình, nhiệm vụ được kiểm tra, giám sát."));
    assert!(
        html.contains(&format!("<a href=\"/programs/{program_id}\">")),
        "the program looked at is linked: {html}"
    );
    assert!(
        html.contains(&format!("<a href=\"/tasks/{task}\">Số hoá hồ sơ đảng viên")),
        "{html}"
    );
    // A task that is not the subjects' is refused with the message; the list is kept.
    let res = office
        .post(
            &format!("/inspection-items/{item}/content"),
            &[("tasks", "987654")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("phải thuộc chương trình hành động của đơn vị là đối tượng"),
        "{html}"
    );
    let kept = app
        .store
        .inspection_item(&sys, item, date!(2025 - 10 - 01))
        .await
        .unwrap();
    assert_eq!(kept.tasks.len(), 1);
    assert_eq!(kept.tasks[0].id, tasks.task);
    // Another district reaches neither the list nor the choices.
    let res = outsider
        .post(
            &format!("/inspection-items/{item}/content"),
            &[("tasks", task.as_str())],
        )
        .await;
    assert_eq!(res.status(), 404);
    let (status, _) = api_get(
        &outsider,
        &format!("/api/inspection-items/{item}/task-choices"),
    )
    .await;
    assert_eq!(status, 404);

    // The JSON API: the choices, the item's tasks.
    let (status, choices) = api_get(
        &office,
        &format!("/api/inspection-items/{item}/task-choices"),
    )
    .await;
    assert_eq!(status, 200, "{choices}");
    assert_eq!(choices[0]["id"], tasks.task.0);
    assert_eq!(choices[0]["org_id"], app.grassroots_a.0);
    let (_, got) = api_get(&office, &format!("/api/inspection-items/{item}")).await;
    assert_eq!(got["tasks"][0]["id"], tasks.task.0);
    assert_eq!(got["content_program_id"], tasks.program.0);
    assert_eq!(got["tasks"][0]["current"], true);
    let (status, err) = api_post(
        &office,
        &format!("/api/inspection-items/{item}/content"),
        json!({"tasks": [987654]}),
    )
    .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["code"], "task_outside_subjects");
    assert_eq!(err["error"]["field"], "tasks");

    // Notified: the list is fixed; the finding form picks what a finding is about.
    let res = office
        .post(
            &format!("/inspection-items/{item}/notify"),
            &[
                ("notified_on", "01/10/2025"),
                ("self_report_due", "15/10/2025"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (status, err) = api_post(
        &office,
        &format!("/api/inspection-items/{item}/content"),
        json!({"tasks": []}),
    )
    .await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"]["code"], "item_tasks_fixed");
    let html = office
        .get(&format!("/inspection-items/{item}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains("Lưu nội dung được kiểm tra, giám sát"),
        "no picker once notified"
    );
    assert!(html.contains(&format!("value=\"task:{task}\"")), "{html}");
    assert!(html.contains(&format!("value=\"program:{}:purpose\"", tasks.program.0)));
    assert!(html.contains(&format!("value=\"study:{}\"", doc.0)));
    assert!(!html.contains("name=\"about_id\""), "no id to type");
    let subject = kept.subjects[0].id.to_string();
    let about = format!("task:{task}");
    let res = office
        .post(
            &format!("/inspection-items/{item}/findings"),
            &[
                ("subject", subject.as_str()),
                ("kind", "shortcoming"),
                ("about_ref", about.as_str()),
                ("text", "Số hoá hồ sơ chậm so với kế hoạch."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let section = format!("program:{}:organization", tasks.program.0);
    let res = office
        .post(
            &format!("/inspection-items/{item}/findings"),
            &[
                ("subject", subject.as_str()),
                ("kind", "strength"),
                ("about_ref", section.as_str()),
                ("text", "Phân công rõ người theo dõi."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let found = app
        .store
        .inspection_item(&sys, item, date!(2025 - 10 - 02))
        .await
        .unwrap()
        .findings;
    assert!(found.iter().any(|f| f.about == AboutKind::Task
        && f.about_id == Some(tasks.task.0)
        && f.about_label.as_deref() == Some("Số hoá hồ sơ đảng viên của Chi bộ thôn Thanh Lâm")));
    assert!(
        found
            .iter()
            .any(|f| f.about == AboutKind::Program
                && f.about_part.as_deref() == Some("organization"))
    );

    // The self-report form lists what it must answer for.
    let html = office
        .get(&format!("/inspection-subjects/{subject}/report"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Báo cáo rõ kết quả thực hiện từng nhiệm vụ dưới đây"),
        "{html}"
    );
    assert!(html.contains("Số hoá hồ sơ đảng viên của Chi bộ thôn Thanh Lâm"));

    // The conclusion notice names the tasks looked at (after the commune's self-report).
    let (status, reported) = api_post(
        &office,
        &format!("/api/inspection-subjects/{subject}/report"),
        json!({"text": "Báo cáo tự kiểm tra việc số hoá hồ sơ."}),
    )
    .await;
    assert_eq!(status, 200, "{reported}");
    let (status, done) = api_post(
        &office,
        &format!("/api/inspection-items/{item}/conclude"),
        json!({"concluded_on": "2025-11-10", "text": "Kết luận giám sát việc số hoá.",
               "recommendations": [{"acting_org_id": app.grassroots_a.0,
                                    "text": "Hoàn thành số hoá hồ sơ", "deadline": "2026-01-31"}]}),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    let res = office.get(&format!("/inspection-items/{item}/docx")).await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    if let Some((text, _)) = testdb::office::docx_as_pdf_text("notice naming tasks", &bytes) {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            text.contains(
                "Nhiệm vụ được kiểm tra, giám sát: Số hoá hồ sơ đảng viên của Chi bộ thôn Thanh Lâm"
            ),
            "{text}"
        );
    }

    // Named at creation through the API.
    let (status, created) = api_post(
        &office,
        &format!("/api/inspection-programs/{pid}/items"),
        json!({"kind": "thematic_supervision", "title": "Giám sát lần hai",
               "content": "Việc số hoá hồ sơ.", "document_id": doc.0,
               "tasks": [tasks.task.0],
               "subjects": [{"org_id": app.grassroots_a.0}],
               "team": [{"member_id": app.member_a.0, "role": "head"}],
               "starts_on": "2025-12-01", "ends_on": "2025-12-31"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["tasks"][0]["content"],
        "Số hoá hồ sơ đảng viên của Chi bộ thôn Thanh Lâm"
    );
}
