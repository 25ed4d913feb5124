//! Progress on a task: the responsible member posts an update with evidence, a refused
//! file saves nothing, the supervising office returns and then accepts, the member's own
//! task list, and another district sees none of it.

use domain::Principal;
use store::NewUser;

use crate::helpers::{Browser, PASSWORD, SMALL_PDF, TestApp, multipart, spawn_app};

/// An account linked to member A (Nguyễn Văn Đức), with no grants.
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

/// Posts the update form as the page does: the token first, the fields, then the files.
async fn post_update(
    b: &Browser,
    task: domain::TaskId,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> reqwest::Response {
    let mut all = vec![("csrf", b.csrf.as_str())];
    all.extend_from_slice(fields);
    let (content_type, body) = multipart(&all, file);
    b.client
        .post(b.url(&format!("/tasks/{task}/progress")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("POST progress")
}

fn evidence_links(html: &str) -> Vec<String> {
    html.match_indices("href=\"/tasks/")
        .filter_map(|(i, _)| {
            let rest = &html[i + 6..];
            let end = rest.find('"')?;
            let href = &rest[..end];
            href.contains("/evidence/").then(|| href.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn member_posts_with_evidence_office_returns_then_accepts() {
    let app = spawn_app().await;
    let t = app.seed_issued_task(false).await;
    let member = member_account(&app).await;

    // The issued program's task row links to the task and its update form.
    let office = app.signed_in("office.a").await;
    let html = office
        .get(&format!("/programs/{}", t.program))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("href=\"/tasks/{}/progress\"", t.task)));

    // My tasks lists the task, with its link.
    let page = member.get("/my/tasks").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Số hoá hồ sơ đảng viên của Chi bộ thôn Thanh Lâm"));
    assert!(html.contains(&format!("href=\"/tasks/{}\"", t.task)));
    assert!(html.contains("Nhiệm vụ của tôi"));

    // The form, as the responsible member.
    let form = member.get(&format!("/tasks/{}/progress", t.task)).await;
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    assert!(html.contains("Cập nhật tiến độ"));
    assert!(html.contains("Có nguy cơ chậm"));

    // An executable renamed .pdf is refused, the values kept, nothing saved.
    let exe: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode";
    let res = post_update(
        &member,
        t.task,
        &[
            ("status", "on_track"),
            ("percent", "40"),
            ("indicator_value", ""),
            ("note", "Đã số hoá 40% hồ sơ"),
        ],
        Some(("bao-cao.pdf", exe)),
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Chỉ nhận tệp PDF, ảnh"),
        "the Vietnamese message: {html}"
    );
    assert!(html.contains("Đã số hoá 40% hồ sơ"), "the note is kept");
    assert!(html.contains("value=\"40\""), "the percent is kept");
    assert!(
        app.store
            .task_progress(&Principal::system(), t.task)
            .await
            .unwrap()
            .is_empty(),
        "nothing saved"
    );
    let evidence_dir = app.data.path().join("evidence");
    assert!(
        !evidence_dir.exists() || std::fs::read_dir(&evidence_dir).unwrap().next().is_none(),
        "no file written"
    );

    // A small PDF goes through; the history shows it, and it downloads.
    let res = post_update(
        &member,
        t.task,
        &[
            ("status", "on_track"),
            ("percent", "40"),
            ("note", "Đã số hoá 40% hồ sơ"),
        ],
        Some(("Báo cáo tháng 3.pdf", SMALL_PDF)),
    )
    .await;
    assert_eq!(res.status(), 303);
    let page = member.get(&format!("/tasks/{}", t.task)).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Đã số hoá 40% hồ sơ"));
    assert!(html.contains("Chờ duyệt"));
    assert!(html.contains("Báo cáo tháng 3.pdf"));
    let links = evidence_links(&html);
    assert_eq!(links.len(), 1, "{html}");
    let file = member.get(&links[0]).await;
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "application/pdf");
    assert_eq!(file.headers()["x-content-type-options"], "nosniff");
    let disposition = file.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20th%C3%A1ng%203.pdf"),
        "{disposition}"
    );
    assert_eq!(file.bytes().await.unwrap().as_ref(), SMALL_PDF);

    // District B: 404 on the task, the form, the upload and the file.
    let office_b = app.signed_in("office.b").await;
    for path in [
        format!("/tasks/{}", t.task),
        format!("/tasks/{}/progress", t.task),
        links[0].clone(),
    ] {
        assert_eq!(office_b.get(&path).await.status(), 404, "{path}");
    }
    let res = post_update(
        &office_b,
        t.task,
        &[("status", "done")],
        Some(("x.pdf", SMALL_PDF)),
    )
    .await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        app.store
            .task_progress(&Principal::system(), t.task)
            .await
            .unwrap()
            .len(),
        1
    );

    // The district office (the commune's supervisor) sees it pending.
    let list = office
        .get(&format!("/orgs/{}/reviews", app.district_a))
        .await;
    assert_eq!(list.status(), 200);
    let html = list.text().await.unwrap();
    assert!(html.contains("Cập nhật chờ duyệt"));
    assert!(html.contains("Số hoá hồ sơ đảng viên"));
    let update = app
        .store
        .task_progress(&Principal::system(), t.task)
        .await
        .unwrap()[0]
        .id;
    let review = format!("/tasks/{}/updates/{update}/review", t.task);

    // Returning needs a reason: the form again, nothing changed.
    let res = office
        .post(&review, &[("decision", "return"), ("reason", "  ")])
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Hãy ghi lý do trả lại."));
    let next = format!("/orgs/{}/reviews", app.district_a);
    let res = office
        .post(
            &review,
            &[
                ("decision", "return"),
                ("reason", "Thiếu danh sách hồ sơ đã số hoá"),
                ("next", &next),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = member
        .get(&format!("/tasks/{}", t.task))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Bị trả lại"));
    assert!(html.contains("Thiếu danh sách hồ sơ đã số hoá"));
    let notes = member.get("/notifications").await;
    assert_eq!(notes.status(), 200);
    assert!(notes.text().await.unwrap().contains("Thiếu danh sách"));

    // A corrected update, accepted.
    let res = post_update(
        &member,
        t.task,
        &[("status", "done"), ("note", "Đã bổ sung danh sách")],
        None,
    )
    .await;
    assert_eq!(res.status(), 303);
    let records = app
        .store
        .task_progress(&Principal::system(), t.task)
        .await
        .unwrap();
    assert_eq!(records.len(), 2);
    let second = format!("/tasks/{}/updates/{}/review", t.task, records[1].id);
    let res = office.post(&second, &[("decision", "accept")]).await;
    assert_eq!(res.status(), 303);
    let task = app.store.task(&Principal::system(), t.task).await.unwrap();
    assert_eq!(task.task.status, domain::TaskStatus::Done);
    assert_eq!(task.task.returned_count, 0);
    let html = office
        .get(&format!("/orgs/{}/reviews", app.district_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Không có cập nhật nào chờ duyệt."));
}

#[tokio::test]
async fn same_file_is_stored_once_and_a_missing_status_keeps_values() {
    let app = spawn_app().await;
    let t = app.seed_issued_task(false).await;
    let member = member_account(&app).await;
    let res = post_update(
        &member,
        t.task,
        &[("status", ""), ("note", "Ghi chú giữ lại")],
        None,
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Ghi chú giữ lại"));
    for _ in 0..2 {
        let res = post_update(
            &member,
            t.task,
            &[("status", "on_track"), ("percent", "10")],
            Some(("a.pdf", SMALL_PDF)),
        )
        .await;
        assert_eq!(res.status(), 303);
    }
    let mut blobs = 0;
    for a in std::fs::read_dir(app.data.path().join("evidence")).unwrap() {
        for b in std::fs::read_dir(a.unwrap().path()).unwrap() {
            blobs += std::fs::read_dir(b.unwrap().path()).unwrap().count();
        }
    }
    assert_eq!(blobs, 1);
}

#[tokio::test]
async fn an_upload_over_the_limit_gets_the_form_with_a_message() {
    let app = spawn_app().await;
    let t = app.seed_issued_task(false).await;
    let member = member_account(&app).await;
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(21 * 1024 * 1024, b'0');
    let res = post_update(
        &member,
        t.task,
        &[("status", "on_track"), ("percent", "10")],
        Some(("lon.pdf", &big)),
    )
    .await;
    assert_eq!(res.status(), 413);
    let html = res.text().await.unwrap();
    assert!(html.contains("tổng dung lượng tối đa là 20 MB"), "{html}");
    assert!(
        app.store
            .task_progress(&Principal::system(), t.task)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Issue 12: the dashboard is kept per account while nothing is written (`pagecache`), yet
/// every figure on it is true the moment a write commits: a progress update accepted by
/// the office shows in the district's dashboard on the next request.
#[tokio::test]
async fn the_dashboard_shows_an_accepted_update_at_once() {
    let app = spawn_app().await;
    let t = app.seed_issued_task(false).await;
    let member = member_account(&app).await;
    let office = app.signed_in("office.a").await;
    let sys = Principal::system();
    let doc = app
        .store
        .program(&sys, t.program)
        .await
        .unwrap()
        .root_document_id;
    let dash = format!("/dashboards/{}/{doc}", app.district_a);
    let figures = |html: &str| {
        (
            html.contains("Nhiệm vụ hoàn thành: 0"),
            html.contains("Nhiệm vụ hoàn thành: 1"),
        )
    };
    // Read twice: the second answer comes from the cache.
    for _ in 0..2 {
        let html = office.get(&dash).await.text().await.unwrap();
        assert_eq!(figures(&html), (true, false), "{html}");
    }
    let res = post_update(
        &member,
        t.task,
        &[("status", "done"), ("note", "Xong")],
        None,
    )
    .await;
    assert_eq!(res.status(), 303);
    let update = app.store.task_progress(&sys, t.task).await.unwrap()[0].id;
    let res = office
        .post(
            &format!("/tasks/{}/updates/{update}/review", t.task),
            &[("decision", "accept")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = office.get(&dash).await.text().await.unwrap();
    assert_eq!(figures(&html), (false, true), "{html}");
    // In English too (a separate entry), and again from the cache.
    for _ in 0..2 {
        let html = office
            .get(&format!("{dash}?lang=en"))
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains("Tasks done: 1"), "{html}");
    }
}
