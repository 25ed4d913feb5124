//! Evaluation and rating (issue 17): a period set up on the page, proposed scores computed,
//! the three steps through the forms (a member on their own evaluation, the cell's
//! secretary, the district office deciding into the quota message), the ranking, the
//! exports opened in LibreOffice, the JSON API.

use domain::Principal;
use domain::evaluation::{PeriodKind, SubjectKind};
use store::NewPeriod;
use testdb::office::{convert, soffice};
use time::macros::date;

use crate::helpers::{TestApp, spawn_app};

/// District A's yearly period (2025), computed: the evaluation of member A.
pub struct EvaluationRecords {
    pub period: i64,
    pub evaluation: i64,
}

impl TestApp {
    pub async fn seed_evaluation(&self) -> EvaluationRecords {
        let sys = Principal::system();
        let s = self.store.as_ref();
        let per = s
            .create_evaluation_period(
                &sys,
                NewPeriod {
                    org: self.district_a,
                    kind: PeriodKind::Year,
                    name: "Đánh giá, xếp loại chất lượng năm 2025".into(),
                    starts_on: date!(2025 - 01 - 01),
                    ends_on: date!(2025 - 12 - 31),
                    unit_framework: None,
                    member_framework: None,
                },
            )
            .await
            .expect("period");
        s.compute_evaluations(&sys, per.id, date!(2025 - 12 - 31), &|_, _| {})
            .await
            .expect("compute");
        let r = s
            .evaluation_ranking(&sys, per.id, self.district_a, SubjectKind::Member)
            .await
            .expect("ranking");
        let evaluation = r
            .rows
            .iter()
            .find(|x| x.member_id == Some(self.member_a))
            .expect("member A")
            .id;
        EvaluationRecords {
            period: per.id,
            evaluation,
        }
    }
}

async fn body(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_period_through_the_three_steps_to_the_quota_message() {
    let app = spawn_app().await;
    let office = app.signed_in("office.a").await;
    // The period, set up from the district's page (a bad date first).
    let (status, html) = body(
        office
            .get(&format!("/orgs/{}/evaluation", app.district_a))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("Đánh giá, xếp loại chất lượng"), "{html}");
    let form = [
        ("name", "Đánh giá, xếp loại chất lượng năm 2025"),
        ("kind", "year"),
        ("starts_on", "01/01/2025"),
        ("ends_on", "31/02/2025"),
    ];
    let (status, html) = body(
        office
            .post(
                &format!("/orgs/{}/evaluation/periods", app.district_a),
                &form,
            )
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Ngày không hợp lệ"), "{html}");
    let mut form = form;
    form[3] = ("ends_on", "31/12/2025");
    let res = office
        .post(
            &format!("/orgs/{}/evaluation/periods", app.district_a),
            &form,
        )
        .await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    let period: i64 = to
        .trim_start_matches("/evaluation-periods/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // Compute as of the end of the year.
    let res = office
        .post(
            &format!("/evaluation-periods/{period}/compute"),
            &[("as_of", "31/12/2025")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (status, html) = body(office.get(&location(&res)).await).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Đã tính điểm đề xuất cho 2 tổ chức và 2 đảng viên"),
        "{html}"
    );
    assert!(html.contains("Chi bộ thôn Thanh Lâm"), "{html}");
    assert!(html.contains("Nhóm Chi bộ"), "peer groups: {html}");
    let (_, html) = body(
        office
            .get(&format!("/evaluation-periods/{period}?subject=member"))
            .await,
    )
    .await;
    assert!(html.contains("Nguyễn Văn Đức"), "{html}");

    // The member sees their own evaluation with its facts, and only theirs.
    let member = app.member_browser("member.a", app.member_a).await;
    let (status, html) = body(member.get("/my/evaluation").await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Kết quả đánh giá của tôi"), "{html}");
    let start = html.find("/evaluations/").expect("a link") + "/evaluations/".len();
    let mine: i64 = html[start..].split('"').next().unwrap().parse().unwrap();
    let other = app
        .store
        .evaluation_ranking(
            &Principal::system(),
            period,
            app.cell_a,
            SubjectKind::Member,
        )
        .await
        .unwrap()
        .rows
        .into_iter()
        .find(|r| r.id != mine)
        .unwrap()
        .id;
    assert_eq!(
        member.get(&format!("/evaluations/{other}")).await.status(),
        404
    );
    let (status, html) = body(member.get(&format!("/evaluations/{mine}")).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Điểm đề xuất và căn cứ"), "{html}");
    assert!(html.contains("Gửi bản tự đánh giá"), "{html}");
    // Step 1: a bad score, then the self-assessment.
    let (status, html) = body(
        member
            .post(
                &format!("/evaluations/{mine}/self"),
                &[("level", "excellent"), ("score", "120"), ("text", "x")],
            )
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Số không hợp lệ"), "{html}");
    let res = member
        .post(
            &format!("/evaluations/{mine}/self"),
            &[
                ("level", "excellent"),
                ("score", "95,5"),
                (
                    "text",
                    "Hoàn thành tốt nhiệm vụ; còn hạn chế trong nghiên cứu nghị quyết.",
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    // Step 2: the cell's secretary.
    let secretary = app.signed_in("secretary.a").await;
    let res = secretary
        .post(
            &format!("/evaluations/{mine}/assess"),
            &[("level", "excellent"), ("text", "Chi bộ nhất trí.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    // Step 3: the secretary may not decide; the office hits the quota (0 places of 20%
    // when only this member is rated good or better).
    assert_eq!(
        secretary
            .post(&format!("/evaluations/{mine}/decide"), &[("level", "good")])
            .await
            .status(),
        403
    );
    let (status, html) = body(
        office
            .post(
                &format!("/evaluations/{mine}/decide"),
                &[("level", "excellent"), ("text", "Có nhiều đóng góp.")],
            )
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("đã hết chỉ tiêu"), "{html}");
    assert!(html.contains("còn 0 suất"), "{html}");
    let res = office
        .post(&format!("/evaluations/{mine}/decide"), &[("level", "good")])
        .await;
    assert_eq!(res.status(), 303);
    let e: serde_json::Value = office
        .get(&format!("/api/evaluations/{mine}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(e["step"], "decided");
    assert_eq!(e["decision"]["level"], "good");
    assert_eq!(e["self_score"], 95.5);
    // The decision is audited.
    let audit = app
        .store
        .audit_list(
            &Principal::system(),
            store::AuditFilter {
                org: None,
                entity: Some("evaluation".into()),
                before_id: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.entity == "evaluation" && a.action == "decide"),
        "{audit:?}"
    );
}

#[tokio::test]
async fn the_results_open_in_libreoffice() {
    let Some(bin) = soffice("evaluation .xlsx and .docx") else {
        return;
    };
    let app = spawn_app().await;
    let ev = app.seed_evaluation().await;
    let office = app.signed_in("office.a").await;
    let dir = tempfile::tempdir().unwrap();
    let res = office
        .get(&format!("/evaluation-periods/{}/xlsx", ev.period))
        .await;
    assert_eq!(res.status(), 200);
    std::fs::write(dir.path().join("kq.xlsx"), res.bytes().await.unwrap()).unwrap();
    let csv = convert(
        bin,
        dir.path(),
        "kq.xlsx",
        "csv:Text - txt - csv (StarCalc):44,34,76",
        "csv",
    );
    let text = String::from_utf8(csv).expect("UTF-8");
    assert!(text.contains("Tổ chức / đảng viên"), "{text}");
    assert!(text.contains("Chi bộ thôn Thanh Lâm"), "{text}");
    let res = office
        .get(&format!("/evaluation-periods/{}/docx", ev.period))
        .await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    let (text, _pages) =
        testdb::office::docx_as_pdf_text("evaluation report .docx", &bytes).expect("soffice");
    assert!(text.contains("ĐẢNG CỘNG SẢN VIỆT NAM"), "{text}");
    assert!(text.contains("I- KẾT QUẢ CHUNG"), "{text}");
    assert!(text.contains("Thanh Lâm"), "{text}");
}
