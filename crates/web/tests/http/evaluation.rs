//! Evaluation and rating (issue 17): a period set up on the page, proposed scores computed,
//! the three steps through the forms (a member on their own evaluation, the cell's
//! secretary, the district office deciding into the quota message), the ranking, the
//! exports opened in LibreOffice, the JSON API and its three steps; a framework edited
//! into a new version that a period chooses; disciplinary measures recorded by name.

use domain::Principal;
use domain::evaluation::{Framework, PeriodKind, SubjectKind};
use serde_json::{Value, json};
use store::NewPeriod;
use testdb::office::{convert, soffice};
use time::macros::date;

use crate::helpers::{Browser, TestApp, spawn_app};

/// District A's yearly period (2025), computed: the evaluation of member A and the
/// period's framework for units.
pub struct EvaluationRecords {
    pub period: i64,
    pub evaluation: i64,
    pub framework: i64,
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
            framework: per.unit_framework_id,
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

/// The framework editor's fields for a framework, as the page fills them.
fn framework_form(fw: &Framework) -> Vec<(String, String)> {
    let mut f = vec![
        ("subject".to_owned(), fw.subject.as_str().to_owned()),
        ("name".to_owned(), fw.name.clone()),
        ("basis".to_owned(), fw.basis.clone()),
    ];
    for (i, g) in fw.groups.iter().enumerate() {
        f.push((format!("g{i}_code"), g.code.clone()));
        f.push((format!("g{i}_title_vi"), g.title_vi.clone()));
        f.push((format!("g{i}_title_en"), g.title_en.clone()));
        for (j, c) in g.criteria.iter().enumerate() {
            let p = format!("g{i}_c{j}_");
            f.push((format!("{p}code"), c.code.clone()));
            f.push((format!("{p}title_vi"), c.title_vi.clone()));
            f.push((format!("{p}title_en"), c.title_en.clone()));
            f.push((format!("{p}points"), c.points.to_string()));
            f.push((
                format!("{p}rule"),
                c.rule.map(|r| r.as_str().to_owned()).unwrap_or_default(),
            ));
        }
    }
    for (l, t, c) in [
        (
            "excellent",
            fw.thresholds.excellent,
            fw.conditions.excellent,
        ),
        ("good", fw.thresholds.good, fw.conditions.good),
        (
            "completed",
            fw.thresholds.completed,
            fw.conditions.completed,
        ),
    ] {
        f.push((format!("{l}_threshold"), t.to_string()));
        if c.all_tasks_on_time {
            f.push((format!("{l}_all_tasks_on_time"), "on".into()));
        }
        if c.no_discipline {
            f.push((format!("{l}_no_discipline"), "on".into()));
        }
        f.push((
            format!("{l}_min_exceeded"),
            c.min_exceeded_percent.to_string(),
        ));
        f.push((
            format!("{l}_max_late"),
            c.max_late_percent
                .map(|p| p.to_string())
                .unwrap_or_default(),
        ));
    }
    f.push((
        "quota".to_owned(),
        fw.quota.max_excellent_percent.to_string(),
    ));
    f
}

fn set(form: &mut [(String, String)], name: &str, value: &str) {
    form.iter_mut()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no field {name}"))
        .1 = value.to_owned();
}

async fn post_form(b: &Browser, path: &str, form: &[(String, String)]) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.post(path, &fields).await
}

#[tokio::test]
async fn a_framework_is_edited_into_a_new_version_that_a_period_chooses() {
    let app = spawn_app().await;
    let office = app.signed_in("office.a").await;
    let editor = format!("/orgs/{}/evaluation/framework", app.district_a);
    // The form starts from the defaults, without JavaScript.
    let (status, html) = body(office.get(&format!("{editor}?subject=member")).await).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Khung tiêu chí đánh giá – Đảng viên"),
        "{html}"
    );
    assert!(html.contains("Tổng điểm: 100/100"), "{html}");
    assert!(html.contains("Chưa lưu phiên bản nào"), "{html}");
    let defaults = Framework::default_members();
    let mut form = framework_form(&defaults);
    form.push(("action".into(), "save".into()));
    set(&mut form, "name", "Khung tiêu chí đảng viên huyện");

    // Points not adding up to 100: the message with the total, the input kept.
    let mut bad = form.clone();
    set(&mut bad, "g0_c0_points", "25");
    let (status, html) = body(post_form(&office, &editor, &bad).await).await;
    assert_eq!(status, 422);
    assert!(
        html.contains("Tổng điểm các tiêu chí phải bằng 100"),
        "{html}"
    );
    assert!(html.contains("Hiện tổng là 105 điểm"), "{html}");
    assert!(html.contains("value=\"25\""), "input kept: {html}");
    assert!(html.contains("Khung tiêu chí đảng viên huyện"), "{html}");
    // Thresholds that do not fall, a share over 100%, a point that is no number.
    let mut bad = form.clone();
    set(&mut bad, "good_threshold", "95");
    set(&mut bad, "quota", "120");
    let (status, html) = body(post_form(&office, &editor, &bad).await).await;
    assert_eq!(status, 422);
    assert!(html.contains("Ngưỡng điểm phải giảm dần"), "{html}");
    assert!(html.contains("Tỷ lệ không được vượt quá 100%"), "{html}");
    let mut bad = form.clone();
    set(&mut bad, "g1_c0_points", "ba mươi");
    let (status, html) = body(post_form(&office, &editor, &bad).await).await;
    assert_eq!(status, 422);
    assert!(html.contains("Số không hợp lệ"), "{html}");
    assert!(html.contains("value=\"ba mươi\""), "{html}");
    // In English too (another session: the language choice sticks to its cookie).
    let office_en = app.signed_in("office.a").await;
    let mut bad = form.clone();
    set(&mut bad, "completed_threshold", "0");
    let (status, html) =
        body(post_form(&office_en, &format!("{editor}?lang=en"), &bad).await).await;
    assert_eq!(status, 422);
    assert!(html.contains("Thresholds must fall"), "{html}");

    // A criterion row is added with a button (and a blank one is dropped on saving).
    let mut add = form.clone();
    set(&mut add, "action", "add_0");
    let (status, html) = body(post_form(&office, &editor, &add).await).await;
    assert_eq!(status, 200);
    let n = defaults.groups[0].criteria.len();
    assert!(
        html.contains(&format!("name=\"g0_c{n}_title_vi\"")),
        "{html}"
    );
    // A new criterion of 5 points taken from another: saved as version 1.
    let mut good = form.clone();
    set(&mut good, "excellent_threshold", "95");
    set(&mut good, "g0_c0_points", "15");
    good.extend([
        (format!("g0_c{n}_code"), String::new()),
        (
            format!("g0_c{n}_title_vi"),
            "Tham gia sinh hoạt chi bộ đầy đủ".into(),
        ),
        (format!("g0_c{n}_title_en"), String::new()),
        (format!("g0_c{n}_points"), "5".into()),
        (format!("g0_c{n}_rule"), String::new()),
    ]);
    let m = defaults.groups[1].criteria.len();
    good.extend([
        (format!("g1_c{m}_code"), String::new()),
        (format!("g1_c{m}_title_vi"), String::new()),
        (format!("g1_c{m}_title_en"), String::new()),
        (format!("g1_c{m}_points"), String::new()),
        (format!("g1_c{m}_rule"), String::new()),
    ]);
    let res = post_form(&office, &editor, &good).await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.starts_with("/evaluation-frameworks/"), "{to}");
    let v1: i64 = to
        .trim_start_matches("/evaluation-frameworks/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (status, html) = body(office.get(&to).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Đã lưu phiên bản 1"), "{html}");
    assert!(html.contains("Tham gia sinh hoạt chi bộ đầy đủ"), "{html}");
    assert!(html.contains("từ 95 điểm"), "{html}");
    let saved = app
        .store
        .evaluation_framework(&Principal::system(), v1)
        .await
        .unwrap();
    assert_eq!(saved.framework.thresholds.excellent, 95);
    assert_eq!(saved.framework.points(), 100);
    assert_eq!(
        saved.framework.groups[1].criteria.len(),
        m,
        "the blank row is dropped"
    );
    // The history lists it; a second save is version 2.
    let res = post_form(&office, &editor, &good).await;
    assert_eq!(res.status(), 303);
    let (_, html) = body(office.get(&format!("{editor}?subject=member")).await).await;
    assert!(
        html.contains("Khung tiêu chí đảng viên huyện – phiên bản 2"),
        "{html}"
    );
    assert!(
        html.contains("Khung tiêu chí đảng viên huyện – phiên bản 1"),
        "{html}"
    );
    let audit = app
        .store
        .audit_list(
            &Principal::system(),
            store::AuditFilter {
                org: None,
                entity: Some("evaluation_framework".into()),
                before_id: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 2, "each version audited");

    // The period form offers the saved versions; the period keeps the one chosen.
    let (_, html) = body(
        office
            .get(&format!("/orgs/{}/evaluation", app.district_a))
            .await,
    )
    .await;
    assert!(html.contains(&format!("<option value=\"{v1}\"")), "{html}");
    let v1_text = v1.to_string();
    let res = office
        .post(
            &format!("/orgs/{}/evaluation/periods", app.district_a),
            &[
                ("name", "Đánh giá năm 2025"),
                ("kind", "year"),
                ("starts_on", "01/01/2025"),
                ("ends_on", "31/12/2025"),
                ("unit_framework", ""),
                ("member_framework", &v1_text),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let periods = app
        .store
        .evaluation_periods(&Principal::system(), app.district_a)
        .await
        .unwrap();
    assert_eq!(periods[0].member_framework_id, v1);
    let (_, html) = body(office.get(&location(&res)).await).await;
    assert!(
        html.contains(&format!("/evaluation-frameworks/{v1}")),
        "the period links its version: {html}"
    );

    // Who keeps people but not units may not edit; the other district reads nothing.
    let secretary = app.signed_in("secretary.a").await;
    assert_eq!(
        secretary
            .get(&format!("/orgs/{}/evaluation/framework", app.cell_a))
            .await
            .status(),
        403
    );
    let office_b = app.signed_in("office.b").await;
    assert_eq!(
        office_b
            .get(&format!("/evaluation-frameworks/{v1}"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn disciplinary_measures_are_recorded_by_name_and_feed_the_criterion() {
    let app = spawn_app().await;
    let office = app.signed_in("office.a").await;
    let page = format!("/orgs/{}/discipline", app.grassroots_a);
    let (status, html) = body(office.get(&page).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Chưa có kỷ luật nào được ghi nhận"), "{html}");
    assert!(html.contains("data-pick=\"members\""), "{html}");
    let measure = |member: &'static str, form: &'static str| {
        [
            ("member", member),
            ("unit", ""),
            ("form", form),
            ("decided_on", "10/03/2025"),
            ("decision_no", "15-QĐ/UBKTHU"),
            ("note", "Vi phạm quy định về sinh hoạt đảng."),
        ]
    };
    // Nobody by that name; a form that is for units only; no form.
    let (status, html) = body(
        office
            .post(&page, &measure("Hoàng Văn Không", "reprimand"))
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("Không tìm thấy đảng viên «Hoàng Văn Không»"),
        "{html}"
    );
    let (status, html) = body(
        office
            .post(&page, &measure("Nguyen Van Duc", "dissolution"))
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("chỉ áp dụng với tổ chức đảng"), "{html}");
    assert!(
        html.contains("value=\"Nguyen Van Duc\""),
        "input kept: {html}"
    );
    let (status, html) = body(office.post(&page, &measure("Nguyen Van Duc", "")).await).await;
    assert_eq!(status, 422);
    assert!(
        html.contains("Hình thức kỷ luật: Trường này là bắt buộc"),
        "{html}"
    );
    // Member A, by a name typed without diacritics.
    let res = office
        .post(&page, &measure("Nguyen Van Duc", "reprimand"))
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = body(office.get(&location(&res)).await).await;
    assert!(html.contains("Đã ghi nhận kỷ luật"), "{html}");
    assert!(html.contains("Nguyễn Văn Đức"), "{html}");
    assert!(html.contains("15-QĐ/UBKTHU"), "{html}");
    assert!(html.contains("Khiển trách"), "{html}");
    // Kept on the member's cell: the cell's page lists it too.
    let (_, html) = body(
        office
            .get(&format!("/orgs/{}/discipline", app.cell_a))
            .await,
    )
    .await;
    assert!(html.contains("15-QĐ/UBKTHU"), "{html}");
    // The other district neither sees nor writes.
    let office_b = app.signed_in("office.b").await;
    assert_eq!(office_b.get(&page).await.status(), 404);
    assert_eq!(
        office_b
            .post(&page, &measure("Nguyen Van Duc", "reprimand"))
            .await
            .status(),
        404
    );
    // A member reading their cell sees their own measure, not a fellow member's.
    let hoa = app
        .store
        .member_search(&Principal::system(), "Trần Thị Hoà", 5)
        .await
        .unwrap()
        .remove(0)
        .member
        .id;
    app.store
        .record_discipline(
            &Principal::system(),
            store::NewDiscipline {
                org: app.cell_a,
                member: Some(hoa),
                form: "Khiển trách".into(),
                decided_on: date!(2025 - 04 - 01),
                decision_no: "16-QĐ/UBKTHU".into(),
                note: "Vi phạm.".into(),
            },
        )
        .await
        .unwrap();
    // Member A's account reads the cell (a member grant), signed in afterwards.
    let user = app
        .store
        .user_create(
            &Principal::system(),
            store::NewUser {
                username: "member.a".into(),
                display_name: "Nguyễn Văn Đức".into(),
                password_hash: web::password::hash(crate::helpers::PASSWORD).unwrap(),
                member_id: Some(app.member_a),
            },
        )
        .await
        .unwrap();
    app.store
        .grant_add(
            &Principal::system(),
            store::NewGrant {
                user_id: user.id,
                role: domain::AccessRole::Member,
                org_id: app.cell_a,
            },
        )
        .await
        .unwrap();
    let member = app.signed_in("member.a").await;
    let cell_page = format!("/orgs/{}/discipline", app.cell_a);
    let (status, html) = body(member.get(&cell_page).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("15-QĐ/UBKTHU"), "their own: {html}");
    assert!(!html.contains("16-QĐ/UBKTHU"), "not a fellow's: {html}");
    assert!(
        !html.contains("name=\"decision_no\""),
        "no form for a member: {html}"
    );
    assert_eq!(
        member
            .post(&cell_page, &measure("Nguyen Van Duc", "reprimand"))
            .await
            .status(),
        403
    );
    let (_, html) = body(office.get(&cell_page).await).await;
    assert!(
        html.contains("16-QĐ/UBKTHU"),
        "the office sees both: {html}"
    );
    // Audited, and the "no discipline" criterion reads it.
    let audit = app
        .store
        .audit_list(
            &Principal::system(),
            store::AuditFilter {
                org: None,
                entity: Some("discipline_record".into()),
                before_id: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
    let ev = app.seed_evaluation().await;
    let (_, e) = api_get(&office, &format!("/api/evaluations/{}", ev.evaluation)).await;
    let discipline = e["proposal"]["points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["criterion"] == "discipline")
        .unwrap()
        .clone();
    assert_eq!(discipline["earned"], 0, "{discipline}");
}

async fn api_post(b: &Browser, path: &str, body: Value) -> (u16, Value) {
    let res = b
        .client
        .post(b.url(path))
        .header("x-csrf-token", &b.csrf)
        .json(&body)
        .send()
        .await
        .expect("POST");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn api_get(b: &Browser, path: &str) -> (u16, Value) {
    let res = b.get(path).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_three_steps_through_the_json_api_follow_the_pages_rules() {
    let app = spawn_app().await;
    let ev = app.seed_evaluation().await;
    let id = ev.evaluation;
    let member = app.member_browser("member.a", app.member_a).await;
    let secretary = app.signed_in("secretary.a").await;
    let office = app.signed_in("office.a").await;
    // Out of order, not theirs, bad input.
    let (s, v) = api_post(
        &member,
        &format!("/api/evaluations/{id}/assess"),
        json!({"level": "good"}),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{v}"
    );
    let (s, v) = api_post(
        &secretary,
        &format!("/api/evaluations/{id}/assess"),
        json!({"level": "good"}),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("evaluation_step_order")),
        "{v}"
    );
    let (s, v) = api_post(
        &member,
        &format!("/api/evaluations/{id}/self"),
        json!({"level": "best"}),
    )
    .await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (400, Some("level")),
        "{v}"
    );
    let (s, v) = api_post(
        &member,
        &format!("/api/evaluations/{id}/self"),
        json!({"level": "excellent", "score": 120}),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("bad_number")),
        "{v}"
    );
    assert_eq!(v["error"]["message"], "Số không hợp lệ.");
    let (s, v) = api_post(&member, &format!("/api/evaluations/{id}/self"), json!("x")).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("bad_json")),
        "{v}"
    );
    // Step 1, 2.
    let (s, v) = api_post(
        &member,
        &format!("/api/evaluations/{id}/self"),
        json!({"level": "excellent", "score": 95.5, "text": "Hoàn thành tốt nhiệm vụ."}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["step"], "self_assessed");
    assert_eq!(v["self_score"], 95.5);
    let (s, v) = api_post(
        &secretary,
        &format!("/api/evaluations/{id}/assess"),
        json!({"level": "excellent", "text": "Chi bộ nhất trí."}),
    )
    .await;
    assert_eq!((s, v["step"].as_str()), (200, Some("assessed")), "{v}");
    // Step 3: the secretary may not decide; the office meets the quota, with the places
    // left in the message, in Vietnamese and in English.
    let (s, _) = api_post(
        &secretary,
        &format!("/api/evaluations/{id}/decide"),
        json!({"level": "good"}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, v) = api_post(
        &office,
        &format!("/api/evaluations/{id}/decide"),
        json!({"level": "excellent", "text": "Có nhiều đóng góp."}),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("evaluation_quota")),
        "{v}"
    );
    assert_eq!(v["error"]["field"], "level");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("đã hết chỉ tiêu") && msg.contains("còn 0 suất"),
        "{msg}"
    );
    let (_, v) = api_post(
        &office,
        &format!("/api/evaluations/{id}/decide?lang=en"),
        json!({"level": "excellent", "text": "x"}),
    )
    .await;
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("0 places left"), "{msg}");
    let (s, v) = api_post(
        &office,
        &format!("/api/evaluations/{id}/decide"),
        json!({"level": "good"}),
    )
    .await;
    assert_eq!((s, v["step"].as_str()), (200, Some("decided")), "{v}");
    assert_eq!(v["decision"]["level"], "good");
    let (s, v) = api_post(
        &office,
        &format!("/api/evaluations/{id}/decide"),
        json!({"level": "completed"}),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("evaluation_decided")),
        "{v}"
    );
    // Without the CSRF header a write is refused; the other district gets 404.
    let res = office
        .client
        .post(office.url(&format!("/api/evaluations/{id}/decide")))
        .json(&json!({"level": "good"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let office_b = app.signed_in("office.b").await;
    let (s, _) = api_post(
        &office_b,
        &format!("/api/evaluations/{id}/self"),
        json!({"level": "good"}),
    )
    .await;
    assert_eq!(s, 404);
    // The steps are audited and described in the OpenAPI document.
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
    for action in ["self_assess", "assess", "decide"] {
        assert!(
            audit.iter().any(|a| a.action == action),
            "{action}: {audit:?}"
        );
    }
    let (_, doc) = api_get(&office, "/api/openapi.json").await;
    for step in ["self", "assess", "decide"] {
        let op = &doc["paths"][format!("/api/evaluations/{{id}}/{step}")]["post"];
        assert!(op["requestBody"].is_object(), "{step}: {op}");
        assert!(op["responses"]["409"].is_object(), "{step}: {op}");
    }
}

/// A term period (2025–2030) over the commune's record: its issued program, member A's
/// task reported done on time, the resolution nobody has studied yet. The evaluation pages
/// show each point's facts as links to their records (program, task, document), and the
/// links open. The ranking's JSON holds the levels, ranks, peer groups and signals: member
/// A decided "excellent" above the proposed "good" (a framework whose quota allows it)
/// carries the "above the record" signal.
#[tokio::test]
async fn points_link_their_facts_and_the_ranking_json_holds_ranks_peers_and_signals() {
    use domain::evaluation::{Level, PeriodKind};
    let app = spawn_app().await;
    let sys = Principal::system();
    let s = app.store.as_ref();
    let seeded = app.seed_issued_task(false).await;
    s.post_progress(
        &sys,
        seeded.task,
        store::ProgressInput {
            status: domain::TaskStatus::Done,
            percent: None,
            indicator_value: None,
            note: Some("Đã số hoá xong hồ sơ.".into()),
            evidence: vec![],
        },
    )
    .await
    .unwrap();
    let doc = s
        .program(&sys, seeded.program)
        .await
        .unwrap()
        .root_document_id;
    let mut fw = Framework::default_members();
    fw.quota.max_excellent_percent = 100;
    let fw = s
        .save_evaluation_framework(&sys, app.district_a, fw)
        .await
        .unwrap();
    let per = s
        .create_evaluation_period(
            &sys,
            NewPeriod {
                org: app.district_a,
                kind: PeriodKind::Term,
                name: "Đánh giá nhiệm kỳ 2025–2030".into(),
                starts_on: date!(2025 - 01 - 01),
                ends_on: date!(2030 - 12 - 31),
                unit_framework: None,
                member_framework: Some(fw.id),
            },
        )
        .await
        .unwrap();
    let today = domain::tz::local_date(time::OffsetDateTime::now_utc());
    s.compute_evaluations(&sys, per.id, today, &|_, _| {})
        .await
        .unwrap();
    let units = s
        .evaluation_ranking(&sys, per.id, app.district_a, SubjectKind::Unit)
        .await
        .unwrap();
    let commune = units
        .rows
        .iter()
        .find(|r| r.org_id == app.grassroots_a)
        .unwrap()
        .id;
    let members = s
        .evaluation_ranking(&sys, per.id, app.district_a, SubjectKind::Member)
        .await
        .unwrap();
    let member_a = members
        .rows
        .iter()
        .find(|r| r.member_id == Some(app.member_a))
        .unwrap()
        .id;

    // The commune's page: each point with its facts, linked to their records.
    let office = app.signed_in("office.a").await;
    let (status, html) = body(office.get(&format!("/evaluations/{commune}")).await).await;
    assert_eq!(status, 200);
    let links = [
        format!("href=\"/programs/{}\"", seeded.program.0),
        format!("href=\"/tasks/{}\"", seeded.task.0),
        format!("href=\"/documents/{}\"", doc.0),
    ];
    for link in &links {
        assert!(html.contains(link.as_str()), "{link}: {html}");
    }
    assert!(
        html.contains("06-NQ/HU: 0/2"),
        "the study of the subtree: {html}"
    );
    assert!(
        html.contains("Số hoá hồ sơ đảng viên của Chi bộ thôn Thanh Lâm"),
        "{html}"
    );
    // Each link opens its record for the reader of the evaluation.
    for link in &links {
        let path = link.trim_start_matches("href=\"").trim_end_matches('"');
        assert_eq!(office.get(path).await.status(), 200, "{path}");
    }
    // Member A's own page links the task they answer for.
    let member = app.member_browser("member.a", app.member_a).await;
    let (status, html) = body(member.get(&format!("/evaluations/{member_a}")).await).await;
    assert_eq!(status, 200);
    assert!(html.contains(&links[1]), "{html}");
    assert_eq!(
        member
            .get(&format!("/tasks/{}", seeded.task.0))
            .await
            .status(),
        200
    );

    // Member A: proposed "good" (their study missing), decided "excellent" with a reason.
    let a = s.evaluation(&sys, member_a).await.unwrap();
    assert_eq!((a.proposal.score, a.proposal.level), (800, Level::Good));
    let step = |level, text: &str| store::StepInput {
        level,
        text: text.into(),
        score: None,
    };
    s.self_assess(
        &sys,
        member_a,
        step(Level::Excellent, "Hoàn thành xuất sắc."),
    )
    .await
    .unwrap();
    s.assess_evaluation(&sys, member_a, step(Level::Excellent, "Chi bộ nhất trí."))
        .await
        .unwrap();
    s.decide_evaluation(
        &sys,
        member_a,
        step(Level::Excellent, "Có sáng kiến số hoá được nhân rộng."),
    )
    .await
    .unwrap();

    // The ranking of units as JSON: the period, ranks by score, peer groups, counts.
    let (status, v) = api_get(
        &office,
        &format!(
            "/api/evaluation-periods/{}?org={}&subject=unit",
            per.id, app.district_a.0
        ),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["period_kind"], "term");
    assert_eq!(v["period_name"], "Đánh giá nhiệm kỳ 2025–2030");
    assert_eq!(v["subject"], "unit");
    assert_eq!(v["by_level"], json!([0, 0, 0, 0, 2]), "{v}");
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{v}");
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["rank"], i + 1, "{r}");
        assert_eq!(r["subject"], "unit");
        assert_eq!(
            r["proposed_level"], "good",
            "no target to show 30% exceeded: {r}"
        );
        assert_eq!(r["final_level"], Value::Null);
        assert_eq!(r["step"], "proposed");
        assert_eq!(r["signals"], json!([]));
        // Each is alone in its peer group (a commune, a cell; both up to 30 members).
        assert_eq!(r["peer"]["band"], "≤30", "{r}");
        assert_eq!(
            (r["peer"]["rank"].as_u64(), r["peer"]["of"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(r["size"], 2, "{r}");
    }
    let kinds: Vec<&str> = rows
        .iter()
        .map(|r| r["peer"]["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"grassroots") && kinds.contains(&"cell"),
        "{kinds:?}"
    );
    assert!(rows[0]["score"].as_f64() >= rows[1]["score"].as_f64());
    let commune_row = rows.iter().find(|r| r["id"] == commune).unwrap();
    // Programs, tasks and the rest in full; the study's 10 points lost.
    assert_eq!(commune_row["score"], 90.0, "{commune_row}");
    assert_eq!(commune_row["org_kind"], "grassroots");

    // The members: member A decided above the record, with the signal explained by its
    // fields; the other member undecided.
    let (status, v) = api_get(
        &office,
        &format!(
            "/api/evaluation-periods/{}?org={}&subject=member",
            per.id, app.district_a.0
        ),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["by_level"], json!([1, 0, 0, 0, 1]), "{v}");
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let a = rows.iter().find(|r| r["id"] == member_a).unwrap();
    assert_eq!(a["member_name"], "Nguyễn Văn Đức");
    assert_eq!(a["score"], 80.0);
    assert_eq!(
        (
            &a["proposed_level"],
            &a["self_level"],
            &a["assessed_level"],
            &a["final_level"]
        ),
        (
            &json!("good"),
            &json!("excellent"),
            &json!("excellent"),
            &json!("excellent")
        )
    );
    assert_eq!(a["step"], "decided");
    assert_eq!(
        a["signals"],
        json!([{"kind": "above_record", "proposed": "good", "decided": "excellent"}])
    );
    assert_eq!(a["peer"], Value::Null, "members have no peer group");
    assert_eq!(a["org_kind"], "cell");
    let ranks: Vec<u64> = rows.iter().map(|r| r["rank"].as_u64().unwrap()).collect();
    assert_eq!(ranks, vec![1, 2]);
    // The page says the same signal in words.
    let (_, html) = body(
        office
            .get(&format!(
                "/evaluation-periods/{}?org={}&subject=member",
                per.id, app.district_a.0
            ))
            .await,
    )
    .await;
    assert!(html.contains("Nguyễn Văn Đức"), "{html}");
    // Outside the district: 404, whatever the period.
    let other = app.signed_in("office.b").await;
    let (status, _) = api_get(
        &other,
        &format!(
            "/api/evaluation-periods/{}?org={}&subject=unit",
            per.id, app.district_a.0
        ),
    )
    .await;
    assert_eq!(status, 404);
}
