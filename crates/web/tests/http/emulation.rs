//! Emulation and commendation (issue 17 items 4-5) over HTTP: the records the isolation
//! matrix addresses, the flow through the pages from launching a movement to the
//! certificate (opened in LibreOffice), what a cell's secretary and another district see,
//! and the JSON API.

use domain::Principal;
use domain::emulation::{DecisionDraft, MovementDraft, PassRule, Vote};
use store::{NewNomination, PledgeInput, VoteInput};
use time::macros::date;

use crate::helpers::{Browser, ProgramRecords, TestApp, spawn_app};

/// District A's movement from its resolution: the commune pledged, pledges closed, the
/// commune awarded by Decision 01-QĐ/HU, the cell's nomination awaiting the council.
pub struct EmulationRecords {
    pub movement: i64,
    pub nomination: i64,
    pub award: i64,
}

pub fn draft() -> MovementDraft {
    MovementDraft {
        title: "Thi đua thực hiện Nghị quyết của Huyện ủy".into(),
        content: "Phát động thi đua.".into(),
        starts_on: Some(date!(2025 - 01 - 01)),
        ends_on: Some(date!(2027 - 12 - 31)),
        pledge_by: Some(date!(2027 - 12 - 31)),
    }
}

fn vote(f: u32) -> VoteInput {
    VoteInput {
        met_on: Some(date!(2026 - 11 - 20)),
        vote: Vote {
            members: 9,
            for_votes: f,
            against: 9 - f,
            abstain: 0,
        },
        rule: PassRule::default(),
    }
}

impl TestApp {
    pub async fn seed_emulation(&self, r: &ProgramRecords) -> EmulationRecords {
        let sys = Principal::system();
        let s = self.store.as_ref();
        let m = s
            .launch_movement(&sys, self.district_a, r.document, draft())
            .await
            .expect("movement");
        s.save_pledge(
            &sys,
            m.id,
            self.grassroots_a,
            PledgeInput {
                commitments: "Đảng bộ xã Bảo Đài cam kết hoàn thành vượt chỉ tiêu.".into(),
                values: vec![],
            },
            date!(2025 - 03 - 01),
        )
        .await
        .expect("pledge");
        s.close_movement(&sys, m.id).await.expect("close");
        let nominate = |org, kind: &str| NewNomination {
            nominator_org_id: self.district_a,
            org_id: Some(org),
            member_id: None,
            award_kind: kind.into(),
            achievements: "Dẫn đầu phong trào thi đua.".into(),
            proposed_level: None,
        };
        let n1 = s
            .nominate(&sys, m.id, nominate(self.grassroots_a, "giay_khen"))
            .await
            .expect("nominate");
        s.record_vote(&sys, n1.id, vote(7)).await.expect("vote");
        let n2 = s
            .nominate(&sys, m.id, nominate(self.cell_a, "giay_khen"))
            .await
            .expect("nominate");
        s.issue_decision(
            &sys,
            m.id,
            DecisionDraft {
                number: "01-QĐ/HU".into(),
                signed_on: Some(date!(2026 - 12 - 01)),
                signer_name: "Trần Văn Bình".into(),
                signer_title: "Bí thư Huyện ủy".into(),
                summary: "Khen thưởng.".into(),
            },
            vec![(n1.id, String::new())],
        )
        .await
        .expect("decision");
        let award = s
            .unit_awards(&sys, self.district_a)
            .await
            .expect("register")[0]
            .id;
        EmulationRecords {
            movement: m.id,
            nomination: n2.id,
            award,
        }
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
async fn a_movement_from_launch_to_certificate_through_the_pages() {
    let app = spawn_app().await;
    let records = app.seed_programs().await;
    let office = app.signed_in("office.a").await;
    let district = app.district_a;

    // Launching: bad dates come back with the message, in Vietnamese.
    let res = office
        .post(
            &format!("/orgs/{district}/emulation/new"),
            &[
                ("document_id", &records.document.to_string()),
                ("title", "Thi đua thực hiện nghị quyết"),
                ("starts_on", "01/06/2025"),
                ("ends_on", "01/01/2025"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Ngày kết thúc phải sau ngày bắt đầu."),
        "{html}"
    );
    let res = office
        .post(
            &format!("/orgs/{district}/emulation/new"),
            &[
                ("document_id", &records.document.to_string()),
                ("title", "Thi đua thực hiện nghị quyết"),
                ("content", "Phát động **thi đua**."),
                ("starts_on", "01/01/2025"),
                ("ends_on", "31/12/2027"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.ends_with("?done=launched"), "{to}");
    let path = to.split('?').next().unwrap().to_owned();
    let html = office.get(&to).await.text().await.unwrap();
    assert!(html.contains("Đã phát động phong trào thi đua."));
    assert!(html.contains("Chỉ tiêu thi đua"));
    assert!(html.contains("31/12/2027"), "dates as dd/mm/yyyy");

    // The pledge form: a bad number is named; then saved with the target's value.
    let view = app
        .store
        .movement(
            &Principal::system(),
            path.rsplit('/').next().unwrap().parse().unwrap(),
        )
        .await
        .unwrap();
    let t = view.targets[0].id;
    let field = format!("value_{t}");
    let res = office
        .post(
            &format!("{path}/pledge"),
            &[
                ("org_id", &district.to_string()),
                ("commitments", "Huyện ủy cam kết."),
                (&field, "nhiều"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Số không hợp lệ."));
    let res = office
        .post(
            &format!("{path}/pledge"),
            &[
                ("org_id", &district.to_string()),
                ("commitments", "Huyện ủy cam kết."),
                (&field, "95,5"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let html = office.get(&path).await.text().await.unwrap();
    assert!(
        html.contains("95,5"),
        "pledged value in Vietnamese notation"
    );

    // Close, nominate the commune, the council votes, the decision.
    assert_eq!(
        office.post(&format!("{path}/close"), &[]).await.status(),
        303
    );
    let res = office
        .post(
            &format!("{path}/nominate"),
            &[
                ("nominator_org_id", &district.to_string()),
                ("org_id", &app.grassroots_a.to_string()),
                ("award_kind", "giay_khen"),
                ("achievements", "Hoàn thành xuất sắc các chỉ tiêu."),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let n = app
        .store
        .movement(&Principal::system(), view.movement.id)
        .await
        .unwrap()
        .nominations[0]
        .id;
    let res = office
        .post(
            &format!("/emulation-nominations/{n}/vote"),
            &[
                ("met_on", "20/11/2026"),
                ("members", "9"),
                ("for_votes", "6"),
                ("against", "4"),
                ("abstain", "0"),
                ("pass_share", "1/2"),
                ("quorum_percent", "67"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422, "more votes than members");
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Tổng số phiếu nhiều hơn")
    );
    let res = office
        .post(
            &format!("/emulation-nominations/{n}/vote"),
            &[
                ("met_on", "20/11/2026"),
                ("members", "9"),
                ("for_votes", "6"),
                ("against", "2"),
                ("abstain", "1"),
                ("pass_share", "1/2"),
                ("quorum_percent", "67"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    // The decision: the passed nomination ticked, checked, then issued.
    let ticked = n.to_string();
    let res = office
        .post(
            &format!("{path}/decision"),
            &[
                ("nomination", &ticked),
                ("number", "12-QĐ/HU"),
                ("signed_on", "01/12/2026"),
                ("signer_name", "Trần Văn Bình"),
                ("signer_title", "Bí thư Huyện ủy"),
                ("summary", "Khen thưởng."),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let html = office
        .get(&format!("/orgs/{}/awards", app.grassroots_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("12-QĐ/HU"));
    assert!(html.contains("Giấy khen"));
    let award = app
        .store
        .unit_awards(&Principal::system(), app.grassroots_a)
        .await
        .unwrap()[0]
        .id;

    // The certificate, as a party document.
    let res = office
        .get(&format!("/awards/{award}/certificate.docx"))
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("wordprocessingml")
    );
    let bytes = res.bytes().await.unwrap();
    let other = app.signed_in("office.b").await;
    assert_eq!(
        other
            .get(&format!("/awards/{award}/certificate.docx"))
            .await
            .status(),
        404
    );
    let Some((text, _)) = testdb::office::docx_as_pdf_text("certificate", &bytes) else {
        return;
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for part in [
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "GIẤY KHEN",
        "Tặng Đảng bộ xã Bảo Đài",
        "Hoàn thành xuất sắc các chỉ tiêu.",
        "Quyết định số 12-QĐ/HU ngày 01/12/2026",
        "T/M BAN THƯỜNG VỤ",
        "BÍ THƯ HUYỆN ỦY",
        "Trần Văn Bình",
    ] {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
}

#[tokio::test]
async fn a_cell_sees_its_pledge_and_the_register_and_the_api_answers() {
    let app = spawn_app().await;
    let records = app.seed_programs().await;
    let em = app.seed_emulation(&records).await;
    // The cell's secretary reads the movement: the register, not the commune's pledge.
    let secretary = app.signed_in("secretary.a").await;
    let html = secretary
        .get(&format!("/emulation/{}", em.movement))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("01-QĐ/HU"), "the public register");
    assert!(
        !html.contains("cam kết hoàn thành vượt chỉ tiêu"),
        "not a peer's pledge"
    );
    assert!(html.contains("1 đơn vị khác đã đăng ký"));
    // The office may not be outvoted by a secretary: the vote form is the office's.
    assert_eq!(
        secretary
            .get(&format!("/emulation-nominations/{}/vote", em.nomination))
            .await
            .status(),
        403
    );
    // The JSON API.
    let office = app.signed_in("office.a").await;
    let res = office.get(&format!("/api/emulation/{}", em.movement)).await;
    assert_eq!(res.status(), 200);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["data"]["decisions"][0]["number"], "01-QĐ/HU");
    assert_eq!(v["data"]["pledges"].as_array().unwrap().len(), 1);
    let res = office
        .get(&format!("/api/orgs/{}/awards", app.district_a))
        .await;
    let a: serde_json::Value = res.json().await.unwrap();
    assert_eq!(a["data"][0]["id"], em.award);
    let other = app.signed_in("office.b").await;
    assert_eq!(
        other
            .get(&format!("/api/emulation/{}", em.movement))
            .await
            .status(),
        404
    );
    // The library is the province's: every office reads it.
    assert_eq!(other.get("/models").await.status(), 200);
    assert_eq!(other.get("/api/models").await.status(), 200);
    // The decision as a party document, with its table of awards.
    assert_eq!(
        other
            .get(&format!("/awards/{}/decision.docx", em.award))
            .await
            .status(),
        404
    );
    let res = secretary
        .get(&format!("/awards/{}/decision.docx", em.award))
        .await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    let Some((text, _)) = testdb::office::docx_as_pdf_text("decision", &bytes) else {
        return;
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for part in [
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "QUYẾT ĐỊNH",
        "01-QĐ/HU",
        "Điều 1.",
        // The table's cell wraps the name.
        "Đảng bộ xã Bảo",
        "Giấy khen",
        "Điều 2.",
        "Trần Văn Bình",
    ] {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
}

/// A JSON POST with the session's CSRF header.
async fn post_json(b: &Browser, path: &str, body: &serde_json::Value) -> reqwest::Response {
    b.client
        .post(b.url(path))
        .header("x-csrf-token", &b.csrf)
        .json(body)
        .send()
        .await
        .expect("POST")
}

/// Passes a proposed nomination as the council would (set-up).
async fn pass(app: &TestApp, nomination: i64) {
    app.store
        .record_vote(&Principal::system(), nomination, vote(7))
        .await
        .expect("vote");
}

#[tokio::test]
async fn the_office_chooses_the_awards_checks_them_and_issues_the_decision_once() {
    let app = spawn_app().await;
    let records = app.seed_programs().await;
    let em = app.seed_emulation(&records).await;
    let sys = Principal::system();
    // Two passed nominations wait: the cell's Giấy khen and a member's.
    pass(&app, em.nomination).await;
    let member = app
        .store
        .nominate(
            &sys,
            em.movement,
            NewNomination {
                nominator_org_id: app.district_a,
                org_id: None,
                member_id: Some(app.member_a),
                award_kind: "giay_khen".into(),
                achievements: "Gương mẫu trong phong trào.".into(),
                proposed_level: None,
            },
        )
        .await
        .unwrap();
    pass(&app, member.id).await;
    let office = app.signed_in("office.a").await;
    let path = format!("/emulation/{}/decision", em.movement);

    // The form lists both under their award, ticked.
    let html = office.get(&path).await.text().await.unwrap();
    assert!(html.contains("Giấy khen (2)"), "{html}");
    assert!(html.contains("Nguyễn Văn Đức"), "{html}");
    assert_eq!(html.matches("name=\"nomination\"").count(), 2);
    assert_eq!(html.matches(" checked").count(), 2, "all ticked at first");

    let cell = em.nomination.to_string();
    let details = |number: &'static str| {
        vec![
            ("number", number),
            ("signed_on", "05/12/2026"),
            ("signer_name", "Trần Văn Bình"),
            ("signer_title", "Bí thư Huyện ủy"),
            ("summary", "Khen thưởng chi bộ."),
        ]
    };
    // None chosen: the message, on the list.
    let res = office.post(&path, &details("02-QĐ/HU")).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Chưa có đề nghị nào"), "{html}");
    // A number this movement used already is named before the check.
    let mut fields = details("01-QĐ/HU");
    fields.push(("nomination", &cell));
    let res = office.post(&path, &fields).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Số quyết định này đã được dùng.")
    );

    // The cell only: the check of the answers, nothing issued yet.
    let mut fields = details("02-QĐ/HU");
    fields.push(("nomination", &cell));
    let res = office.post(&path, &fields).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Kiểm tra trước khi ban hành quyết định"),
        "{html}"
    );
    assert!(html.contains("Khen thưởng 1 tập thể, cá nhân"), "{html}");
    assert!(html.contains("02-QĐ/HU"));
    assert!(!html.contains("Nguyễn Văn Đức"), "the member is not chosen");
    assert!(html.contains(&format!("name=\"nomination\" value=\"{cell}\"")));
    let decisions = |app: &TestApp| {
        let store = app.store.clone();
        let id = em.movement;
        async move { store.movement(&Principal::system(), id).await.unwrap() }
    };
    assert_eq!(decisions(&app).await.decisions.len(), 1);
    // "Change" goes back to the form with the choice kept.
    let mut back = fields.clone();
    back.push(("back", "1"));
    let html = office.post(&path, &back).await.text().await.unwrap();
    assert!(html.contains("Xem lại trước khi ban hành"));
    assert_eq!(html.matches(" checked").count(), 1);

    // Issued.
    let mut confirm = fields.clone();
    confirm.push(("confirm", "yes"));
    let res = office.post(&path, &confirm).await;
    assert_eq!(res.status(), 303);
    assert!(
        location(&res).ends_with("?done=decided"),
        "{}",
        location(&res)
    );
    let v = decisions(&app).await;
    assert_eq!(v.decisions.len(), 2);
    let state = |id: i64| v.nominations.iter().find(|n| n.id == id).unwrap().state;
    assert_eq!(
        state(em.nomination),
        domain::emulation::NominationState::Awarded
    );
    assert_eq!(
        state(member.id),
        domain::emulation::NominationState::Passed,
        "the member waits for another decision"
    );
    // The same submission again (a double click, the back button): no second decision.
    let res = office.post(&path, &confirm).await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).ends_with("?done=already_decided"));
    let html = office.get(&location(&res)).await.text().await.unwrap();
    assert!(html.contains("không tạo quyết định thứ hai"), "{html}");
    assert_eq!(decisions(&app).await.decisions.len(), 2);
    // The member's decision, with another number: the form now lists only the member.
    let html = office.get(&path).await.text().await.unwrap();
    assert!(html.contains("Giấy khen (1)"), "{html}");
    let m = member.id.to_string();
    let mut fields = details("03-QĐ/HU");
    fields.push(("nomination", &m));
    fields.push(("confirm", "yes"));
    let res = office.post(&path, &fields).await;
    assert_eq!(res.status(), 303);
    assert_eq!(decisions(&app).await.decisions.len(), 3);
    // A nomination already awarded is refused on the form, not issued twice.
    let mut fields = details("04-QĐ/HU");
    fields.push(("nomination", &cell));
    fields.push(("confirm", "yes"));
    let res = office.post(&path, &fields).await;
    assert_eq!(res.status(), 422);
    assert_eq!(decisions(&app).await.decisions.len(), 3);
    // The secretary may not decide.
    let secretary = app.signed_in("secretary.a").await;
    assert_eq!(secretary.get(&path).await.status(), 403);

    // The JSON API takes the same choice; the same request twice makes one decision.
    let again = app
        .store
        .nominate(
            &sys,
            em.movement,
            NewNomination {
                nominator_org_id: app.district_a,
                org_id: Some(app.grassroots_a),
                member_id: None,
                award_kind: "tap_the_lao_dong_tien_tien".into(),
                achievements: "Hoàn thành xuất sắc.".into(),
                proposed_level: None,
            },
        )
        .await
        .unwrap();
    pass(&app, again.id).await;
    let api = format!("/api/emulation/{}/decision", em.movement);
    let body = serde_json::json!({
        "number": "05-QĐ/HU", "signed_on": "2026-12-10", "signer_name": "Trần Văn Bình",
        "signer_title": "Bí thư Huyện ủy",
        "nominations": [{"id": again.id, "citation": "Tập thể tiêu biểu."}],
    });
    let res = post_json(&office, &api, &body).await;
    assert_eq!(res.status(), 200);
    let d: serde_json::Value = res.json().await.unwrap();
    assert_eq!(d["data"]["number"], "05-QĐ/HU");
    let res = post_json(&office, &api, &body).await;
    assert_eq!(res.status(), 409);
    let e: serde_json::Value = res.json().await.unwrap();
    assert_eq!(e["error"]["code"], "emulation_number_taken");
    assert_eq!(decisions(&app).await.decisions.len(), 4);
    assert_eq!(
        post_json(&secretary, &api, &body).await.status(),
        403,
        "only the office decides"
    );
}

#[tokio::test]
async fn a_member_is_nominated_by_name_and_the_award_must_be_the_levels() {
    let app = spawn_app().await;
    let records = app.seed_programs().await;
    let em = app.seed_emulation(&records).await;
    let office = app.signed_in("office.a").await;
    let path = format!("/emulation/{}/nominate", em.movement);
    let html = office.get(&path).await.text().await.unwrap();
    assert!(html.contains("name=\"member\""), "{html}");
    assert!(html.contains("data-pick=\"members\""), "search as you type");
    // A district's movement offers what the district level gives.
    assert!(html.contains("Giấy khen ("), "{html}");
    assert!(
        !html.contains("Bằng khen của Ban Thường vụ Tỉnh ủy"),
        "{html}"
    );

    let district = app.district_a.to_string();
    let form = |member: &str, kind: &'static str, nominator: String| {
        vec![
            ("nominator_org_id", nominator),
            ("member", member.to_owned()),
            ("award_kind", kind.to_owned()),
            ("achievements", "Gương mẫu, tiêu biểu.".to_owned()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let office = &office;
        let path = path.clone();
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            office.post(&path, &pairs).await
        }
    };
    // The award must be one the movement's level gives: named, with who gives it.
    let res = post(form("Nguyễn Văn Đức", "bang_khen_tinh", district.clone())).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("không có thẩm quyền tặng Bằng khen của Ban Thường vụ Tỉnh ủy"),
        "{html}"
    );
    assert!(html.contains("do cấp tỉnh tặng"), "{html}");
    // Nobody by that name.
    let res = post(form("Không Có Ai", "giay_khen", district.clone())).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Không tìm thấy đảng viên «Không Có Ai»")
    );
    // Someone the office reads but outside the nominating cell: named, with why.
    let sys = Principal::system();
    let other_cell = app
        .store
        .org_create(
            &sys,
            store::NewOrg {
                parent_id: Some(app.grassroots_a),
                kind: domain::OrgKind::Cell,
                name: "Chi bộ thôn Đông".into(),
                code: None,
                valid_from: date!(2020 - 01 - 01),
            },
        )
        .await
        .unwrap();
    app.store
        .member_create(
            &sys,
            store::NewMember {
                cell_id: other_cell.id,
                full_name: "Phạm Văn Hùng".into(),
                gender: None,
                birth_date: None,
                joined_on: None,
                audience: domain::Audience::Member,
                card_number: None,
                since: date!(2020 - 01 - 01),
            },
        )
        .await
        .unwrap();
    let res = post(form("Phạm Văn Hùng", "giay_khen", app.cell_a.to_string())).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Đồng chí Phạm Văn Hùng (Chi bộ thôn Đông) không thuộc"),
        "{html}"
    );
    assert!(html.contains("nên không đề nghị được"), "{html}");
    // Someone who left the province's organization: named, with why.
    let hoa = app
        .store
        .member_search(&sys, "Trần Thị Hoà", 5)
        .await
        .unwrap()
        .remove(0)
        .member;
    app.store
        .member_update(
            &sys,
            hoa.id,
            store::MemberEdit {
                full_name: hoa.full_name.clone(),
                gender: hoa.gender,
                birth_date: hoa.birth_date,
                joined_on: hoa.joined_on,
                audience: hoa.audience,
                card_number: hoa.card_number.clone(),
                status: domain::MemberStatus::Left,
            },
        )
        .await
        .unwrap();
    // (A name search finds active members only; the list's "Name #number" finds her.)
    let typed = format!("Trần Thị Hoà #{}", hoa.id);
    let res = post(form(&typed, "giay_khen", district.clone())).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Đồng chí Trần Thị Hoà") && html.contains("đã thôi sinh hoạt"),
        "{html}"
    );
    // Typed without diacritics, the member of the unit is found.
    let res = post(form("nguyen van duc", "giay_khen", district.clone())).await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let v = app.store.movement(&sys, em.movement).await.unwrap();
    let n = v.nominations.last().unwrap();
    assert_eq!(n.member_id, Some(app.member_a));
    assert_eq!(n.org_id, app.cell_a, "with the member's cell");
    // The same again: the store's conflict stands on the award's field.
    let res = post(form("Nguyễn Văn Đức", "giay_khen", district)).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Đã có đề nghị hình thức này")
    );
}

#[tokio::test]
async fn who_gives_what_is_data_the_province_edits() {
    let app = spawn_app().await;
    let office = app.signed_in("office.a").await;
    let res = office.get("/award-kinds").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Thẩm quyền khen thưởng"));
    assert!(
        html.contains("HD 01-HD/TW 2021"),
        "each row names its source"
    );
    assert!(
        html.contains("chưa xác nhận"),
        "the unconfirmed rows are marked"
    );
    assert!(
        !html.contains("action=\"/award-kinds/"),
        "an office reads, no form"
    );
    let levels = [("level", "provincial"), ("level", "grassroots")];
    assert_eq!(
        office
            .post("/award-kinds/giay_khen", &levels)
            .await
            .status(),
        403
    );
    // A district's administrator neither.
    let district_admin = app.signed_in("admin.a").await;
    assert_eq!(
        district_admin
            .post("/award-kinds/giay_khen", &levels)
            .await
            .status(),
        403
    );
    let admin = app.signed_in("admin").await;
    let html = admin.get("/award-kinds").await.text().await.unwrap();
    assert!(html.contains("action=\"/award-kinds/giay_khen\""));
    let res = admin.post("/award-kinds/giay_khen", &levels).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/award-kinds?done=levels#giay_khen");
    let kinds = app.store.award_kinds(&Principal::system()).await.unwrap();
    let giay = kinds.iter().find(|k| k.code == "giay_khen").unwrap();
    assert_eq!(
        giay.levels,
        vec![domain::OrgKind::Provincial, domain::OrgKind::Grassroots]
    );
    let html = admin.get(&location(&res)).await.text().await.unwrap();
    assert!(html.contains("Đã lưu thẩm quyền khen thưởng."));
    // A level that decides nothing, a kind that does not exist: messages, not 500s.
    let res = admin
        .post("/award-kinds/giay_khen", &[("level", "cell")])
        .await;
    assert_eq!(res.status(), 422);
    let res = admin.post("/award-kinds/no_such", &levels).await;
    assert_eq!(res.status(), 422);
    let res = admin
        .post("/award-kinds/giay_khen", &[("level", "nonsense")])
        .await;
    assert_eq!(res.status(), 422);
    // Audited.
    let entries = app
        .store
        .audit_list(
            &Principal::system(),
            store::AuditFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        entries.iter().filter(|e| e.entity == "award_kind").count(),
        1
    );
}

/// An issued program of `org` on `doc` with one task that `who` answers for, serving
/// `serves`; the task.
async fn program_with_task(
    s: &dyn store::Store,
    doc: domain::DocumentId,
    org: domain::OrgId,
    who: domain::MemberId,
    serves: Option<domain::TargetId>,
) -> domain::TaskId {
    let sys = Principal::system();
    let pr = s
        .create_program_draft(
            &sys,
            store::NewProgram {
                org_id: org,
                document_id: doc,
                kind: domain::ProgramKind::ActionProgram,
                title: "Chương trình hành động".into(),
            },
        )
        .await
        .expect("draft");
    s.save_program_sections(
        &sys,
        pr.id,
        domain::ProgramSections {
            purpose: "Quán triệt nghị quyết.".into(),
            tasks_and_solutions: "Các nhiệm vụ trong bảng.".into(),
            organization: "Văn phòng theo dõi.".into(),
        },
    )
    .await
    .expect("sections");
    s.save_tasks(
        &sys,
        pr.id,
        vec![domain::TaskDraft {
            content: "Tổ chức học tập nghị quyết cho toàn thể đảng viên".into(),
            lead_body: Some("Ban Tuyên giáo".into()),
            cooperating_bodies: vec![],
            responsible: Some(who),
            deadline: Some(date!(2025 - 12 - 31)),
            expected_output: Some("Báo cáo kết quả".into()),
            upper_target: serves,
        }],
    )
    .await
    .expect("tasks");
    s.issue_program(&sys, pr.id, date!(2025 - 03 - 20))
        .await
        .expect("issue");
    s.program_tasks(&sys, pr.id).await.expect("tasks")[0].id
}

/// Advanced models through the pages: six communes of district A report the rate for
/// three quarters that the office closes, one far above the others. The candidates page
/// shows it with the reasoning (median, MAD, z, peers, the run of quarters); the office
/// confirms it with a write-up (a unit that is not a candidate is refused); the library
/// lists it for district B, whose commune links one of its tasks; a task that is not
/// theirs, a number that is not one, and the same link twice are refused on the form
/// with a message that says why.
#[tokio::test]
async fn a_model_is_found_confirmed_read_and_linked_through_the_pages() {
    use crate::helpers::{member, org};
    use domain::{Gender, OrgKind};
    let app = spawn_app().await;
    let sys = Principal::system();
    let s = app.store.as_ref();
    let mut communes = Vec::new();
    for i in 1..=6 {
        let g = org(
            s,
            Some(app.district_a),
            OrgKind::Grassroots,
            &format!("Đảng bộ xã Số {i}"),
            &format!("0750{i}"),
        )
        .await;
        let c = org(
            s,
            Some(g),
            OrgKind::Cell,
            "Chi bộ thôn 1",
            &format!("0750{i}-01"),
        )
        .await;
        let m = member(s, c, &format!("Hoàng Văn Số {i}"), Gender::Male).await;
        communes.push((g, m));
    }
    let r = app.seed_programs().await;
    let m = s
        .launch_movement(&sys, app.district_a, r.document, draft())
        .await
        .expect("movement");
    let metric = s.movement(&sys, m.id).await.unwrap().targets[0].id;
    let mut tasks = Vec::new();
    for (g, who) in &communes {
        tasks.push(program_with_task(s, r.document, *g, *who, Some(r.target)).await);
    }
    // Five ordinary communes around 50%, the sixth far above in three quarters running.
    let q1 = domain::models::quarter_of(date!(2025 - 01 - 01));
    for (k, period) in [q1, q1 + 1, q1 + 2].into_iter().enumerate() {
        for (i, task) in tasks.iter().enumerate() {
            let v = if i == 5 {
                92.0 + k as f64
            } else {
                48.0 + ((i + k) % 4) as f64
            };
            let posted = s
                .post_progress(
                    &sys,
                    *task,
                    store::ProgressInput {
                        status: domain::TaskStatus::OnTrack,
                        percent: Some(50),
                        indicator_value: Some(v),
                        note: Some("Kết quả quý".into()),
                        evidence: vec![],
                    },
                )
                .await
                .unwrap();
            s.decide_progress(&sys, posted.id, store::AcceptanceDecision::Accept)
                .await
                .unwrap();
        }
        assert_eq!(s.take_snapshot(&sys, m.id, period).await.unwrap(), 6);
    }
    let star = communes[5].0;

    // The candidates page: the commune with its reasoning.
    let office = app.signed_in("office.a").await;
    let res = office
        .get(&format!("/emulation/{}/models?metric={metric}", m.id))
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Đảng bộ xã Số 6"), "{html}");
    assert!(
        !html.contains("Đảng bộ xã Số 1<"),
        "only the one far above: {html}"
    );
    for words in [
        "3 quý liên tiếp",
        "z trung bình",
        "Trung vị nhóm",
        "MAD",
        "6 đơn vị",
        "3 quý được so sánh",
        "<td class=\"num\">6</td>",
        "Công nhận điển hình",
    ] {
        assert!(html.contains(words), "{words}: {html}");
    }
    // Each quarter's row: the commune's value, the group's median, MAD, z.
    assert!(html.contains(">92<") || html.contains(">92,0<"), "{html}");

    // Confirming: a commune that is not a candidate is refused; the star is confirmed.
    let form = |org: domain::OrgId| {
        vec![
            ("org_id".to_owned(), org.0.to_string()),
            ("metric".to_owned(), metric.to_string()),
            ("min_peers".to_owned(), "5".to_owned()),
            ("min_periods".to_owned(), "3".to_owned()),
            ("sustained".to_owned(), "3".to_owned()),
            ("z".to_owned(), "3,5".to_owned()),
            (
                "title".to_owned(),
                "Học nghị quyết theo nhóm nhỏ".to_owned(),
            ),
            (
                "practice".to_owned(),
                "Chia chi bộ thành **nhóm 5 người**, mỗi nhóm có người kèm cặp.".to_owned(),
            ),
        ]
    };
    let not = form(communes[0].0);
    let res = office
        .post(&format!("/emulation/{}/models", m.id), &fields(&not))
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("không (còn) vượt trội"), "{html}");
    let yes = form(star);
    let res = office
        .post(&format!("/emulation/{}/models", m.id), &fields(&yes))
        .await;
    assert_eq!(res.status(), 303);
    let to = res
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(to.starts_with("/models/"), "{to}");
    let model: i64 = to
        .trim_start_matches("/models/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // The model's page keeps the write-up and the reasoning as confirmed.
    let html = office.get(&to).await.text().await.unwrap();
    assert!(html.contains("Học nghị quyết theo nhóm nhỏ"), "{html}");
    assert!(html.contains("<strong>nhóm 5 người</strong>"), "{html}");
    assert!(
        html.contains("Trung vị nhóm") && html.contains("3 quý liên tiếp"),
        "{html}"
    );
    // On the candidates page it is now in the library.
    let html = office
        .get(&format!("/emulation/{}/models?metric={metric}", m.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Đã vào thư viện"), "{html}");

    // District B reads the library and links its commune's task.
    let b_doc = s
        .register_document(
            &sys,
            store::NewDocument {
                issuer_org_id: app.district_b,
                doc_type: domain::DocumentType::Resolution,
                number: domain::DocumentNumber::parse_for(
                    "number",
                    domain::DocumentType::Resolution,
                    "07-NQ/HU",
                )
                .unwrap(),
                term: domain::Term::parse("term", "2020–2025").unwrap(),
                issued_on: date!(2025 - 01 - 20),
                title: "Về công tác giáo dục chính trị".into(),
                body_md: "Nghị quyết.".into(),
                parent_document_id: None,
            },
        )
        .await
        .unwrap();
    let district_b = s.org_get(&sys, app.district_b).await.unwrap();
    s.create_cascade(
        &sys,
        b_doc.id,
        domain::CascadeScope {
            root: district_b.path.clone(),
            kinds: vec![OrgKind::Grassroots],
            include_root: false,
        },
        domain::CascadeDeadlines {
            study_by: date!(2025 - 02 - 15),
            program_by: date!(2030 - 12 - 31),
            report_every: domain::ReportEvery::Quarterly,
            interim_review_by: None,
            reports_until: None,
            grace_days: 5,
        },
    )
    .await
    .unwrap();
    let grassroots_b = s
        .org_children(&sys, app.district_b, false)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.kind == OrgKind::Grassroots)
        .unwrap()
        .id;
    let own = program_with_task(s, b_doc.id, grassroots_b, app.member_b, None).await;
    let other = app.signed_in("office.b").await;
    let html = other.get("/models").await.text().await.unwrap();
    assert!(
        html.contains("Học nghị quyết theo nhóm nhỏ") && html.contains(&format!("/models/{model}")),
        "{html}"
    );
    let html = other
        .get(&format!("/models/{model}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("name=\"task_id\""),
        "office B may link: {html}"
    );
    // Refused, each with its reason: not a number, a task of district A, twice.
    for (task, message) in [
        ("số năm".to_owned(), "Nhập số của nhiệm vụ (ví dụ #125)"),
        (
            format!("#{}", tasks[0].0),
            "Không có nhiệm vụ số này trong các đơn vị đồng chí được xem.",
        ),
    ] {
        let res = link(&other, model, &task).await;
        assert_eq!(res.status(), 422, "{task}");
        let html = res.text().await.unwrap();
        assert!(html.contains(message), "{task}: {html}");
        let kept = task.trim_start_matches('#');
        assert!(html.contains(&format!("value=\"{kept}\"")), "kept: {html}");
    }
    let res = link(&other, model, &format!("#{}", own.0)).await;
    assert_eq!(res.status(), 303);
    let html = other
        .get(&format!("/models/{model}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("/tasks/{}", own.0)),
        "the link is shown: {html}"
    );
    let res = link(&other, model, &own.0.to_string()).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Nhiệm vụ này đã được gắn với điển hình."),
    );
    // District A's office counts the link but does not see district B's task.
    let view = s.model(&sys, model).await.unwrap();
    assert_eq!(view.model.links, 1);
    let html = office
        .get(&format!("/models/{model}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains(&format!("/tasks/{}", own.0)), "{html}");
}

async fn link(b: &Browser, model: i64, task: &str) -> reqwest::Response {
    b.post(&format!("/models/{model}/links"), &[("task_id", task)])
        .await
}

fn fields(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}
