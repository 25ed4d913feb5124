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
