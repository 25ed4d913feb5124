//! Targets that add up: a commune sets its program's own targets linked to the district's
//! resolution target in the editor (a wrong link, a percentage past 100 and a number too
//! large are refused with their messages, nothing saved), its accepted value rolls up to
//! the district's target, whose page shows the roll-up by unit; the same through the JSON
//! API; another district sees none of it.

use domain::{Principal, TaskDraft, TaskStatus};
use store::{AcceptanceDecision, ProgressInput};
use time::macros::date;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_commune_links_its_targets_and_its_figures_roll_up() {
    let app = spawn_app().await;
    let r = app.seed_programs().await;
    let office = app.signed_in("office.a").await;
    let editor = format!("/programs/{}/targets", r.program);

    // The editor offers the district resolution's target.
    let page = office.get(&editor).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Chỉ tiêu của chương trình"), "{html}");
    assert!(html.contains(&format!("<option value=\"{}\"", r.target)));
    assert!(html.contains("05-NQ/HU"));

    // A wrong link, a percentage past 100 and a number too large: messages, nothing kept.
    let target = r.target.to_string();
    let huge = format!("1{}", "0".repeat(308));
    let res = office
        .post(
            &editor,
            &[
                ("targets[0].indicator", "Số chi bộ trong sạch, vững mạnh"),
                ("targets[0].target_value", "5"),
                ("targets[0].unit", "chi bộ"),
                ("targets[0].direction", "increase"),
                ("targets[0].upper", &target),
                ("targets[1].indicator", "Tỷ lệ đảng viên học tập"),
                ("targets[1].target_value", "150"),
                ("targets[1].unit", "%"),
                ("targets[1].direction", "increase"),
                ("targets[2].indicator", "Kinh phí"),
                ("targets[2].target_value", &huge),
                ("targets[2].unit", "đồng"),
                ("targets[2].direction", "increase"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Số quá lớn"), "{html}");
    assert!(html.contains("phải từ 0 đến 100"));
    assert!(
        html.contains("Số chi bộ trong sạch, vững mạnh"),
        "values kept"
    );
    let sys = Principal::system();
    assert!(
        app.store
            .program_targets(&sys, r.program)
            .await
            .unwrap()
            .is_empty()
    );
    // The link is checked by the store once the numbers are right.
    let res = office
        .post(
            &editor,
            &[
                ("targets[0].indicator", "Số chi bộ trong sạch, vững mạnh"),
                ("targets[0].target_value", "5"),
                ("targets[0].unit", "chi bộ"),
                ("targets[0].direction", "increase"),
                ("targets[0].upper", &target),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("cùng đơn vị tính"), "{html}");
    assert!(html.contains("Dòng 1 – Phục vụ chỉ tiêu cấp trên"));

    // A right one is saved and the draft's parts list it.
    let res = office
        .post(
            &editor,
            &[
                ("targets[0].indicator", "Tỷ lệ đảng viên xã được học tập"),
                ("targets[0].baseline", "85"),
                ("targets[0].target_value", "98,5"),
                ("targets[0].unit", "%"),
                ("targets[0].deadline", "31/12/2025"),
                ("targets[0].direction", "increase"),
                ("targets[0].rule", ""),
                ("targets[0].upper", &target),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let own = app.store.program_targets(&sys, r.program).await.unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].upper_target_id, Some(r.target));
    assert_eq!(own[0].target.target_value, 98.5);
    let draft = office
        .get(&format!("/programs/{}/draft", r.program))
        .await
        .text()
        .await
        .unwrap();
    assert!(draft.contains(&format!("href=\"{editor}\"")));

    // Issued with a task serving it; the member's figure is accepted.
    let s = app.store.as_ref();
    s.save_program_sections(
        &sys,
        r.program,
        domain::ProgramSections {
            purpose: "Nâng cao chất lượng học tập.".into(),
            tasks_and_solutions: "Tổ chức học tập.".into(),
            organization: "Văn phòng theo dõi.".into(),
        },
    )
    .await
    .unwrap();
    s.save_tasks(
        &sys,
        r.program,
        vec![TaskDraft {
            content: "Tổ chức học tập nghị quyết cho đảng viên".into(),
            lead_body: Some("Ban Tuyên giáo".into()),
            cooperating_bodies: vec![],
            responsible: Some(app.member_a),
            deadline: Some(date!(2030 - 06 - 30)),
            expected_output: Some("Báo cáo".into()),
            upper_target: Some(own[0].id),
        }],
    )
    .await
    .unwrap();
    s.issue_program(&sys, r.program, date!(2025 - 03 - 20))
        .await
        .unwrap();
    let task = s.program_tasks(&sys, r.program).await.unwrap()[0].id;
    let posted = s
        .post_progress(
            &sys,
            task,
            ProgressInput {
                status: TaskStatus::OnTrack,
                percent: Some(60),
                indicator_value: Some(95.0),
                note: Some("95% đảng viên đã học tập.".into()),
                evidence: vec![],
            },
        )
        .await
        .unwrap();
    s.decide_progress(&sys, posted.id, AcceptanceDecision::Accept)
        .await
        .unwrap();

    // The program page shows its target with the value; the target's page the roll-up.
    let html = office
        .get(&format!("/programs/{}", r.program))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("href=\"/targets/{}\"", own[0].id)),
        "{html}"
    );
    assert!(html.contains("95 %"));
    let page = office.get(&format!("/targets/{}", r.target)).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Số liệu theo đơn vị"));
    assert!(
        html.contains("Đảng ủy xã Bảo Đài") || html.contains("Bảo Đài"),
        "{html}"
    );
    assert!(html.contains("95 %"));
    assert!(html.contains("Tổng hợp từ 1 đơn vị"));
    assert!(html.contains(&format!("href=\"/targets/{}\"", own[0].id)));
    // In English too.
    let html = office
        .get(&format!("/targets/{}?lang=en", r.target))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Figures by unit") || html.contains("Số liệu theo đơn vị"));
    // The dashboard links the resolution's target to its page.
    let html = office
        .get(&format!("/dashboards/{}/{}", app.district_a, r.document))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("href=\"/targets/{}\"", r.target)),
        "{html}"
    );
    assert!(html.contains("80 → 100 %"));

    // Another district sees neither the target nor the editor.
    let other = app.signed_in("office.b").await;
    assert_eq!(
        other.get(&format!("/targets/{}", r.target)).await.status(),
        404
    );
    assert_eq!(other.get(&editor).await.status(), 404);

    // The audit log has the target's creation.
    let entries = s
        .audit_list(
            &sys,
            store::AuditFilter {
                org: None,
                entity: Some("target".into()),
                before_id: None,
                limit: 50,
            },
        )
        .await
        .unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.action == "create" && e.entity_id == own[0].id.0)
    );
}

#[tokio::test]
async fn the_json_api_reads_and_saves_targets() {
    let app = spawn_app().await;
    let r = app.seed_programs().await;
    let office = app.signed_in("office.a").await;
    let url = office.url(&format!("/api/programs/{}/targets", r.program));
    let got: serde_json::Value = office
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["choices"][0]["target"]["id"], r.target.0);
    assert_eq!(got["choices"][0]["owner"]["symbol"], "05-NQ/HU");
    assert_eq!(got["targets"].as_array().unwrap().len(), 0);

    // A link of another unit of measure: 400 naming the field.
    let res = office
        .client
        .post(&url)
        .header("x-csrf-token", &office.csrf)
        .json(&serde_json::json!({"targets": [
            {"indicator": "Số chi bộ", "target_value": 5, "unit": "chi bộ",
             "upper_target_id": r.target.0}
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "target_unit_mismatch");
    assert_eq!(err["error"]["field"], "targets[0].upper");
    // 1e308 on a percentage.
    let res = office
        .client
        .post(&url)
        .header("x-csrf-token", &office.csrf)
        .json(&serde_json::json!({"targets": [
            {"indicator": "Tỷ lệ", "target_value": 1e308, "unit": "%"}
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "number_too_large");

    let res = office
        .client
        .post(&url)
        .header("x-csrf-token", &office.csrf)
        .json(&serde_json::json!({"targets": [
            {"indicator": "Tỷ lệ đảng viên học tập", "baseline": 80, "target_value": 99,
             "unit": "%", "deadline": "31/12/2025", "upper_target_id": r.target.0}
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let saved: serde_json::Value = res.json().await.unwrap();
    assert_eq!(saved["targets"][0]["rule"], "average");
    assert_eq!(saved["targets"][0]["upper_target_id"], r.target.0);

    let b: serde_json::Value = office
        .client
        .get(office.url(&format!("/api/targets/{}", r.target)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(b["target"]["id"], r.target.0);
    assert_eq!(b["owner"]["kind"], "document");
    assert!(b["target"]["current_value"].is_null());
    // The OpenAPI document describes them.
    let doc: serde_json::Value = office
        .client
        .get(office.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/targets/{id}"]["get"].is_object());
    assert!(doc["paths"]["/api/programs/{id}/targets"]["post"].is_object());
}
