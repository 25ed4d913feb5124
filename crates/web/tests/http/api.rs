//! The JSON API: its OpenAPI document against the route list, every endpoint inside and
//! outside the subtree, a draft → tasks → issue → progress → acceptance round trip, and bad
//! input answered 400 with a message in the user's language.

use std::collections::BTreeSet;

use axum::http::Method;
use domain::Principal;
use serde_json::{Value, json};
use store::NewUser;

use crate::helpers::{Browser, PASSWORD, TestApp, spawn_app};
use crate::isolation::{address, send};

/// A JSON POST with the session's CSRF header.
async fn post(b: &Browser, path: &str, body: Value) -> (u16, Value) {
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

async fn get(b: &Browser, path: &str) -> (u16, Value) {
    let res = b.get(path).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Every `$ref` of the document points at a schema it defines.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    out.push(x.as_str().unwrap_or_default().to_owned());
                } else {
                    refs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn openapi_lists_every_api_route() {
    let app = spawn_app().await;
    // Public: no session needed.
    let res = app.browser().get("/api/openapi.json").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let doc: Value = res.json().await.expect("valid JSON");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{doc}");
    assert!(doc["info"]["title"].is_string());

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().unwrap() {
            if matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                let responses = op["responses"].as_object().expect("responses");
                assert!(!responses.is_empty(), "{method} {path} has responses");
                for (status, r) in responses {
                    assert!(
                        r["description"].as_str().is_some_and(|d| !d.is_empty()),
                        "{method} {path} {status} is described"
                    );
                }
                assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()));
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let routed: BTreeSet<(String, String)> = web::routes::ALL
        .iter()
        .filter(|(_, p)| p.starts_with("/api/"))
        .map(|(m, p)| (m.as_str().to_owned(), (*p).to_owned()))
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(undocumented.is_empty(), "not in OpenAPI: {undocumented:?}");
    assert!(unrouted.is_empty(), "not in routes::ALL: {unrouted:?}");
    assert!(routed.len() >= 30, "{}", routed.len());

    // Every reference resolves.
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected ref {r}"));
        assert!(schemas.contains_key(name), "missing schema {name}");
    }
    // The decisions are described: the CSRF header and where files go.
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes["csrf"]["name"], "X-CSRF-Token");
    assert_eq!(schemes["session"]["in"], "cookie");
    let post_progress = &doc["paths"]["/api/tasks/{id}/progress"]["post"];
    let text = format!(
        "{} {}",
        post_progress["summary"], post_progress["description"]
    );
    assert!(text.contains("multipart"), "{post_progress}");
}

#[tokio::test]
async fn every_api_endpoint_answers_inside_and_404_outside() {
    let app = spawn_app().await;
    let records = app.seed_programs().await;
    let tasks = app.seed_issued_task(true).await;
    let study = app.seed_study(&records).await;
    let ins = app.seed_inspection(true).await;
    let report = app.seed_report(&records).await;
    let con = app.seed_consultation().await;
    let ev = app.seed_evaluation().await;
    let portal = app.seed_portal().await;
    let em = app.seed_emulation(&records).await;
    let inside = app.signed_in("office.a").await;
    let outside = app.signed_in("office.b").await;

    let mut failures = Vec::new();
    let routes: Vec<&(Method, &str)> = web::routes::ALL
        .iter()
        .filter(|(m, p)| {
            p.starts_with("/api/") && p.contains('{') && !crate::isolation::is_portal_public(m, p)
        })
        .collect();
    assert!(routes.len() >= 20);
    for (method, template) in &routes {
        let path = address(
            &app, &records, &tasks, &study, &ins, &report, &con, &portal, &ev, &em, template,
        );
        let (status, body) = send(&outside, method, &path).await;
        let err: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        if status != 404 || err["error"]["code"] != "not_found" {
            failures.push(format!("outside {method} {path}: {status} {body}"));
        }
    }
    for (method, template) in &routes {
        let path = address(
            &app, &records, &tasks, &study, &ins, &report, &con, &portal, &ev, &em, template,
        );
        let (status, body) = send(&inside, method, &path).await;
        let json: Result<Value, _> = serde_json::from_str(&body);
        // Reads answer; writes with an empty body are refused for the body, never a 404.
        // The office account is linked to no member: its own knowledge check is refused with
        // the reason (400 `checkin_no_member`), not hidden.
        let own_check = template.starts_with("/api/my/study/")
            && status == 400
            && body.contains("checkin_no_member");
        let fine = if *method == Method::GET {
            status == 200 || own_check
        } else {
            status != 404 && status < 500
        };
        if !fine || json.is_err() {
            failures.push(format!("inside {method} {path}: {status} {body}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// An account linked to member A (the task's responsible person), with no grants.
async fn member_account(app: &TestApp) -> Browser {
    let hash = web::password::hash(PASSWORD).expect("hash");
    app.store
        .user_create(
            &Principal::system(),
            NewUser {
                username: "duc.nv".into(),
                display_name: "Nguyễn Văn Đức".into(),
                password_hash: hash,
                member_id: Some(app.member_a),
            },
        )
        .await
        .expect("member account");
    app.signed_in("duc.nv").await
}

#[tokio::test]
async fn draft_tasks_issue_progress_acceptance_round_trip() {
    let app = spawn_app().await;
    // The district's resolution, cascaded to its communes; no program yet.
    let records = app.seed_programs().await;
    let office = app.signed_in("office.a").await;
    let doc = records.document.0;
    let commune = app.grassroots_a.0;

    // The commune sees the resolution among those it implements, with its unit row.
    let (s, v) = get(&office, &format!("/api/orgs/{commune}/documents")).await;
    assert_eq!(s, 200, "{v}");
    let received = v["received"].as_array().unwrap();
    assert_eq!(received.len(), 1, "{v}");
    assert_eq!(received[0]["document"]["symbol"], "05-NQ/HU");
    assert_eq!(received[0]["unit"]["org_id"], commune);

    // The seeded draft is continued rather than duplicated.
    let (s, v) = post(
        &office,
        &format!("/api/orgs/{commune}/programs"),
        json!({ "document_id": doc }),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let program = v["program"]["id"].as_i64().unwrap();
    assert_eq!(program, records.program.0);
    assert_eq!(v["program"]["state"], "draft");

    let (s, v) = post(
        &office,
        &format!("/api/programs/{program}/sections"),
        json!({ "purpose": "Quán triệt sâu sắc nghị quyết.", "organization": "Văn phòng theo dõi." }),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["sections"]["purpose"], "Quán triệt sâu sắc nghị quyết.");

    // A bad date in the task table: 400 naming the cell, in Vietnamese.
    let task = json!({
        "content": "Tổ chức hội nghị quán triệt nghị quyết",
        "lead_body": "Văn phòng Đảng uỷ xã",
        "cooperating_bodies": ["Đoàn thanh niên"],
        "responsible": app.member_a.0,
        "deadline": "31/02/2030",
        "expected_output": "Biên bản hội nghị",
    });
    let (s, v) = post(
        &office,
        &format!("/api/programs/{program}/tasks"),
        json!({ "tasks": [task] }),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["field"], "tasks[0].deadline");
    assert_eq!(v["error"]["code"], "bad_date");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Ngày không hợp lệ"),
        "{v}"
    );

    // Issuing an empty draft names what is missing.
    let (s, v) = post(
        &office,
        &format!("/api/programs/{program}/issue"),
        json!({}),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    let codes: Vec<&Value> = v["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["code"])
        .collect();
    assert!(codes.contains(&&json!("program_no_tasks")), "{v}");

    assert!(
        codes.contains(&&json!("required")),
        "sections II and III: {v}"
    );
    let (s, v) = post(
        &office,
        &format!("/api/programs/{program}/sections"),
        json!({
            "purpose": "Quán triệt nghị quyết.",
            "tasks_and_solutions": "Các nhiệm vụ trong bảng.",
            "organization": "Văn phòng theo dõi, báo cáo.",
        }),
    )
    .await;
    assert_eq!(s, 200, "{v}");

    let mut task = task;
    task["deadline"] = json!("2030-06-30");
    let (s, v) = post(
        &office,
        &format!("/api/programs/{program}/tasks"),
        json!({ "tasks": [task] }),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let task_id = v["tasks"][0]["id"].as_i64().unwrap();
    assert_eq!(v["tasks"][0]["deadline"], "2030-06-30");
    assert_eq!(v["tasks"][0]["cooperating_bodies"][0], "Đoàn thanh niên");

    let (s, v) = post(
        &office,
        &format!("/api/programs/{program}/issue"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["program"]["state"], "issued");
    assert!(
        v["program"]["symbol"].as_str().unwrap().contains("CTr"),
        "{v}"
    );
    // Issued: no more edits.
    let (s, v) = post(
        &office,
        &format!("/api/programs/{program}/tasks"),
        json!({ "tasks": [] }),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["code"], "program_not_draft", "{v}");

    // The responsible member posts; at risk needs a note.
    let member = member_account(&app).await;
    let (s, v) = get(&member, "/api/my/tasks").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["tasks"][0]["task"]["task"]["id"], task_id);
    let (s, v) = post(
        &member,
        &format!("/api/tasks/{task_id}/progress"),
        json!({ "status": "at_risk", "percent": 10 }),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["field"], "note");
    assert_eq!(v["error"]["code"], "at_risk_needs_note");
    let (s, v) = post(
        &member,
        &format!("/api/tasks/{task_id}/progress"),
        json!({ "status": "on_track", "percent": 40, "note": "Đã chuẩn bị tài liệu" }),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let first = v["id"].as_i64().unwrap();
    assert_eq!(v["acceptance"], "pending");

    // The district's office decides: a return needs a reason.
    let review = format!("/api/tasks/{task_id}/updates/{first}/review");
    let (s, v) = post(&office, &review, json!({ "decision": "return" })).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["field"], "reason");
    assert_eq!(v["error"]["message"], "Hãy ghi lý do trả lại.");
    let (s, v) = post(
        &office,
        &review,
        json!({ "decision": "return", "reason": "Thiếu kế hoạch tổ chức hội nghị." }),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["acceptance"], "returned");
    assert_eq!(v["return_reason"], "Thiếu kế hoạch tổ chức hội nghị.");
    // The member may not decide, and a decided update stays decided.
    let (s, v) = post(&member, &review, json!({ "decision": "accept" })).await;
    assert!((400..500).contains(&s), "{s} {v}");
    let (s, v) = post(&office, &review, json!({ "decision": "accept" })).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["code"], "already_decided");

    // The member is told, and marks it read.
    let (s, v) = get(&member, "/api/notifications").await;
    assert_eq!(s, 200, "{v}");
    assert!(
        v["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "update_returned"),
        "{v}"
    );
    assert!(v["unread"].as_u64().unwrap() >= 1);
    let (s, v) = post(&member, "/api/notifications/read", json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["marked"].as_u64().unwrap() >= 1);
    let (_, v) = get(&member, "/api/notifications").await;
    assert_eq!(v["unread"], 0);

    // Posted again, done, and accepted.
    let (s, v) = post(
        &member,
        &format!("/api/tasks/{task_id}/progress"),
        json!({ "status": "done", "note": "Đã tổ chức hội nghị" }),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["percent"], 100);
    let second = v["id"].as_i64().unwrap();
    let (s, v) = post(
        &office,
        &format!("/api/tasks/{task_id}/updates/{second}/review"),
        json!({ "decision": "accept" }),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["acceptance"], "accepted");

    // The task's page and the dashboards agree.
    let (s, v) = get(&office, &format!("/api/tasks/{task_id}")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["progress"].as_array().unwrap().len(), 2);
    assert_eq!(v["task"]["task"]["status"], "done");
    assert_eq!(v["task"]["task"]["returned_count"], 0);
    let district = app.district_a.0;
    let (s, v) = get(&office, &format!("/api/dashboards/{district}/{doc}")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["dashboard"]["tasks_total"], 1, "{v}");
    assert_eq!(v["dashboard"]["tasks_done"], 1, "{v}");
    assert_eq!(v["dashboard"]["program_issued"], 1, "{v}");
    assert_eq!(v["children"][0]["org_id"], commune, "{v}");
    let weeks = v["done_by_week"].as_array().expect("the progress line");
    assert_eq!(
        weeks
            .iter()
            .map(|w| w["done"].as_i64().unwrap())
            .sum::<i64>(),
        1,
        "{v}"
    );
    assert!(v["overdue_tasks"].as_array().is_some(), "{v}");
    assert!(v["targets"].as_array().is_some(), "{v}");
    assert_eq!(
        v["flagged_programs"]["assessed"], 1,
        "assessed on issue: {v}"
    );
    let (s, v) = get(&office, &format!("/api/orgs/{commune}/programs")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["programs"][0]["id"], program, "{v}");

    // Revising makes a new draft with the task copied.
    let (s, v) = post(
        &office,
        &format!("/api/programs/{program}/revise"),
        json!({}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["program"]["state"], "draft");
    assert_eq!(v["program"]["revises"], program);
    assert_eq!(v["tasks"].as_array().unwrap().len(), 1);

    // Another district's office sees none of it.
    let other = app.signed_in("office.b").await;
    for path in [
        format!("/api/tasks/{task_id}"),
        format!("/api/programs/{program}"),
        format!("/api/dashboards/{district}/{doc}"),
    ] {
        assert_eq!(get(&other, &path).await.0, 404, "{path}");
    }
}

#[tokio::test]
async fn cascades_and_study_through_json() {
    let app = spawn_app().await;
    let r = app.seed_programs().await;
    let office = app.signed_in("office.a").await;

    let (s, v) = get(&office, &format!("/api/documents/{}", r.document)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["document"]["doc_type"], "resolution");
    assert_eq!(v["cascades"][0]["id"], r.cascade.0);
    let (s, v) = get(&office, &format!("/api/documents/{}/cascades", r.document)).await;
    assert_eq!(s, 200);
    assert_eq!(v["cascades"].as_array().unwrap().len(), 1);

    // Study deadline 15/02/2025 is past: the commune is overdue, with its secretary unset.
    let (s, v) = get(&office, &format!("/api/cascades/{}?overdue=1", r.cascade)).await;
    assert_eq!(s, 200, "{v}");
    let unit = &v["units"][0];
    assert_eq!(unit["id"], r.cascade_unit.0);
    assert_eq!(unit["status"]["study"], "overdue");
    assert_eq!(unit["overdue"][0]["milestone"], "study");

    let study = format!("/api/cascade-units/{}/study", r.cascade_unit);
    let (s, v) = post(&office, &study, json!({ "on": "2025-02-10" })).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["studied_on"], "2025-02-10");
    assert_eq!(v["status"]["study"], "done");
    let (_, v) = get(&office, &format!("/api/cascades/{}?overdue=1", r.cascade)).await;
    assert!(v["units"].as_array().unwrap().is_empty(), "{v}");
}

#[tokio::test]
async fn bad_input_is_400_with_a_localized_message() {
    let app = spawn_app().await;
    let r = app.seed_programs().await;
    let office = app.signed_in("office.a").await;
    let study = format!("/api/cascade-units/{}/study", r.cascade_unit);

    let (s, v) = post(&office, &study, json!({ "on": "30/02/2025" })).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["code"], "bad_date");
    assert_eq!(v["error"]["field"], "on");
    assert_eq!(
        v["error"]["message"],
        "Ngày không hợp lệ, hãy nhập theo dạng ngày/tháng/năm, ví dụ 05/03/2025."
    );
    assert_eq!(v["error"]["fields"][0]["field"], "on");

    let (s, v) = post(&office, &study, json!({})).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["code"], "required");
    assert_eq!(v["error"]["message"], "Trường này là bắt buộc.");

    // The same language choice as the pages: ?lang=en (and then its cookie).
    let (s, v) = post(&office, &format!("{study}?lang=en"), json!({ "on": "x" })).await;
    assert_eq!(s, 400);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("This is not a valid date"),
        "{v}"
    );

    // Not JSON, or JSON of the wrong shape.
    let res = office
        .client
        .post(office.url(&format!("{study}?lang=vi")))
        .header("x-csrf-token", &office.csrf)
        .header("content-type", "application/json")
        .body("{\"on\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "bad_json");
    assert!(v["error"]["message"].as_str().unwrap().contains("JSON"));
    let (s, v) = post(&office, &study, json!({ "on": 5 })).await;
    assert_eq!(s, 400);
    assert_eq!(v["error"]["code"], "bad_json");

    // A percent out of range on a task.
    let t = app.seed_issued_task(false).await;
    let (s, v) = post(
        &office,
        &format!("/api/tasks/{}/progress", t.task),
        json!({ "status": "on_track", "percent": 250 }),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["field"], "percent");
    assert_eq!(
        v["error"]["message"],
        "Tỷ lệ hoàn thành là số nguyên từ 0 đến 100."
    );

    // Without the CSRF header: 403, explained.
    let res = office
        .client
        .post(office.url(&study))
        .json(&json!({ "on": "2025-02-10" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "csrf");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("X-CSRF-Token")
    );

    // Anonymous: 401.
    let (s, v) = get(&app.browser(), "/api/my/tasks").await;
    assert_eq!(s, 401);
    assert_eq!(v["error"]["code"], "unauthorized");
    assert_eq!(v["error"]["message"], "Bạn cần đăng nhập để dùng API.");
}
