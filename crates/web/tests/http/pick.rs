//! People and units are picked by what the user knows of them (issue 12 #2): a name with
//! or without diacritics, a party card number, "Name #number" as the suggestions fill in;
//! an ambiguous name or a person who cannot be chosen gets a message naming them.

use domain::{Audience, Gender, Principal};
use store::NewMember;
use time::macros::date;

use crate::helpers::spawn_app;

/// The task table's fields with one task answered for by `who`.
fn one_task(who: &str) -> Vec<(&'static str, String)> {
    vec![
        ("tasks[0].content", "Tổ chức học tập nghị quyết".into()),
        ("tasks[0].lead_body", "Đảng ủy xã".into()),
        ("tasks[0].cooperating_bodies", String::new()),
        ("tasks[0].responsible", who.into()),
        ("tasks[0].deadline", "30/06/2027".into()),
        ("tasks[0].expected_output", "Báo cáo kết quả".into()),
        ("action", "save".into()),
    ]
}

#[tokio::test]
async fn the_responsible_person_is_picked_by_name_or_card() {
    let app = spawn_app().await;
    let records = app.seed_programs().await;
    let sys = Principal::system();
    // A namesake of Nguyễn Văn Đức in the same cell, with a party card.
    let namesake = app
        .store
        .member_create(
            &sys,
            NewMember {
                cell_id: app.cell_a,
                full_name: "Nguyễn Văn Đức".into(),
                gender: Some(Gender::Male),
                birth_date: Some(date!(1990 - 02 - 03)),
                joined_on: Some(date!(2015 - 05 - 19)),
                audience: Audience::Member,
                card_number: Some("01.234.567".into()),
                since: date!(2020 - 01 - 01),
            },
        )
        .await
        .unwrap();
    let office = app.signed_in("office.a").await;
    let path = format!("/programs/{}/draft/tasks", records.program);
    let post = |who: &str| {
        let fields = one_task(who);
        let office = &office;
        let path = &path;
        async move {
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            office.post(path, &refs).await
        }
    };

    // Two people answer to the name: both are named, with the number to add.
    let res = post("nguyen van duc").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Có 2 đảng viên ứng với «nguyen van duc»"),
        "{html}"
    );
    assert!(html.contains(&format!("Nguyễn Văn Đức #{}", app.member_a)));
    assert!(html.contains(&format!("Nguyễn Văn Đức #{}", namesake.id)));
    assert!(
        html.contains("value=\"nguyen van duc\""),
        "the text is kept"
    );
    let task = || async {
        app.store
            .program_tasks(&sys, records.program)
            .await
            .unwrap()
            .first()
            .and_then(|t| t.draft.responsible)
    };
    assert_eq!(task().await, None, "nothing saved");

    // The card number, written without its dots, names one of them.
    assert_eq!(post("01234567").await.status(), 303);
    assert_eq!(task().await, Some(namesake.id));
    // "Name #number", as the suggestions fill it in.
    let tagged = format!("Nguyễn Văn Đức #{}", app.member_a);
    assert_eq!(post(&tagged).await.status(), 303);
    assert_eq!(task().await, Some(app.member_a));
    // A unique name without diacritics.
    assert_eq!(post("tran thi hoa").await.status(), 303);
    assert_ne!(task().await, Some(app.member_a));

    // Someone the office may not see is not found; the province's admin sees them and
    // learns why they cannot be chosen.
    let res = post("Lê Văn Bình").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Không tìm thấy đảng viên «Lê Văn Bình»"),
        "{html}"
    );
    let admin = app.signed_in("admin").await;
    let fields = one_task("Lê Văn Bình");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = admin.post(&path, &refs).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Đồng chí Lê Văn Bình (Chi bộ thôn Đồng Tâm) không thuộc"),
        "{html}"
    );
}

#[tokio::test]
async fn suggestions_come_as_the_user_types_within_what_they_may_see() {
    let app = spawn_app().await;
    let office = app.signed_in("office.a").await;
    let json = |path: String| {
        let office = &office;
        async move {
            let res = office.get(&path).await;
            assert_eq!(res.status(), 200);
            res.json::<serde_json::Value>().await.unwrap()
        }
    };
    let v = json("/pick/members?q=duc".into()).await;
    assert_eq!(
        v[0]["value"],
        format!("Nguyễn Văn Đức #{}", app.member_a),
        "{v}"
    );
    assert_eq!(v[0]["hint"], "Chi bộ thôn Thanh Lâm", "{v}");
    let v = json(format!("/pick/members?q=binh&within={}", app.cell_a)).await;
    assert_eq!(
        v,
        serde_json::json!([]),
        "district B's member is not offered"
    );
    let v = json("/pick/orgs?q=bao dai".into()).await;
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|o| o["value"] == format!("Đảng bộ xã Bảo Đài #{}", app.grassroots_a)),
        "{v}"
    );
    let v = json("/pick/members?q=d".into()).await;
    assert_eq!(
        v,
        serde_json::json!([]),
        "one letter is too little to search"
    );
}

#[tokio::test]
async fn a_unit_is_named_by_its_name_in_a_form() {
    let app = spawn_app().await;
    let records = app.seed_programs().await;
    let admin = app.signed_in("admin").await;
    // The cascade form's unit, typed as a name without diacritics.
    let path = format!("/documents/{}/cascades/new", records.document);
    let res = admin
        .post(
            &path,
            &[
                ("scope", "one"),
                ("unit", "dang bo xa bao dai"),
                ("study_by", "15/02/2025"),
                ("program_by", "31/12/2030"),
                ("report_every", "quarterly"),
            ],
        )
        .await;
    let status = res.status();
    let html = res.text().await.unwrap();
    // Bảo Đài was reached already: the preview says there is no one new, which shows the
    // name was understood (an unknown name says so instead).
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("không có tổ chức mới"), "{html}");
    let res = admin
        .post(
            &path,
            &[
                ("scope", "one"),
                ("unit", "Xã Không Có"),
                ("study_by", "15/02/2025"),
                ("program_by", "31/12/2030"),
                ("report_every", "quarterly"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Không tìm thấy tổ chức «Xã Không Có»"),
        "{html}"
    );
}

#[tokio::test]
async fn a_conferences_reporters_are_named_by_name() {
    let app = spawn_app().await;
    let r = app.seed_programs().await;
    let st = app.seed_study(&r).await;
    let office = app.signed_in("office.a").await;
    let page = format!("/study-sessions/{}", st.session);
    let fields = |reporters: &'static str| {
        vec![
            ("title", "Học tập nghị quyết – Chi bộ thôn Thanh Lâm"),
            ("audience", "member"),
            ("format", "in_person"),
            ("held_on", "12/02/2025"),
            ("place", "Nhà văn hóa thôn Thanh Lâm"),
            ("reporters", reporters),
        ]
    };
    let res = office
        .post(&format!("{page}/edit"), &fields("Ai Đó Không Có"))
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Không tìm thấy đảng viên «Ai Đó Không Có»"),
        "{html}"
    );
    // Hoà is named and found, but holds no reporter position.
    let res = office
        .post(&format!("{page}/edit"), &fields("tran thi hoa"))
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("đang giữ chức danh báo cáo viên"), "{html}");
    // Once a reporter, she is chosen by name, beside Đức by his number.
    let sys = Principal::system();
    let hoa = app
        .store
        .member_search(&sys, "Trần Thị Hoà", 5)
        .await
        .unwrap()
        .remove(0)
        .member;
    app.store
        .position_add(
            &sys,
            store::NewPosition {
                member_id: hoa.id,
                org_id: app.cell_a,
                role: domain::PositionRole::Reporter,
                from: date!(2024 - 01 - 01),
            },
        )
        .await
        .unwrap();
    app.store
        .position_add(
            &sys,
            store::NewPosition {
                member_id: app.member_a,
                org_id: app.cell_a,
                role: domain::PositionRole::Reporter,
                from: date!(2024 - 01 - 01),
            },
        )
        .await
        .unwrap();
    let both = format!("tran thi hoa; {}", app.member_a);
    let fields2 = vec![
        ("title", "Học tập nghị quyết – Chi bộ thôn Thanh Lâm"),
        ("audience", "member"),
        ("format", "in_person"),
        ("held_on", "12/02/2025"),
        ("place", "Nhà văn hóa thôn Thanh Lâm"),
        ("reporters", both.as_str()),
    ];
    let res = office.post(&format!("{page}/edit"), &fields2).await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let html = office
        .get(&format!("{page}/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("Nguyễn Văn Đức #{}", app.member_a)),
        "{html}"
    );
    assert!(html.contains("Trần Thị Hoà #"), "{html}");
}
