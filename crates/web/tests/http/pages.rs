//! Pages: language, health, browsing, search, forms and their errors, administration.

use domain::Principal;

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_reports_version_backend_and_migrations() {
    let app = spawn_app().await;
    let res = app.browser().get("/healthz").await;
    assert_eq!(res.status(), 200);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["version"], "test-1.2.3");
    assert_eq!(v["backend"], app.db.backend.as_str());
    assert_eq!(
        store::Store::backend(app.db.store.as_ref()),
        app.db.backend.as_str()
    );
    assert_eq!(v["migrations"]["current"], true);
    assert!(v["migrations"]["applied"].as_i64().unwrap() >= 1);
    assert_eq!(v["migrations"]["applied"], v["migrations"]["known"]);
}

#[tokio::test]
async fn vietnamese_first_and_english_one_click_away() {
    let app = spawn_app().await;
    let b = app.browser();
    let html = b.get("/login").await.text().await.unwrap();
    assert!(html.contains("<html lang=\"vi\">"));
    assert!(html.contains("Đăng nhập"));
    assert!(html.contains("href=\"/lang/en?next=%2Flogin\""));

    let res = b.get("/lang/en?next=/login").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("lang=en"), "{cookie}");
    let html = b.get("/login").await.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Sign in"));

    // `?lang=` works on any page, and back to Vietnamese.
    let html = b.get("/login?lang=vi").await.text().await.unwrap();
    assert!(html.contains("<html lang=\"vi\">"));
    assert_eq!(b.get("/lang/xx").await.status(), 404);
}

#[tokio::test]
async fn static_files_have_hashed_names_and_a_long_cache() {
    let app = spawn_app().await;
    let b = app.browser();
    let html = b.get("/login").await.text().await.unwrap();
    let start = html.find("/static/app.").unwrap();
    let end = start + html[start..].find('"').unwrap();
    let css = &html[start..end];
    assert!(css.ends_with(".css"));
    let res = b.get(css).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(b.get("/static/app.css").await.status(), 404);
}

#[tokio::test]
async fn bad_ids_are_not_found() {
    let app = spawn_app().await;
    let b = app.signed_in("admin").await;
    for path in [
        "/orgs/abc",
        "/orgs/999999",
        "/orgs/-1",
        "/orgs/1.5/history",
        "/members/xyz",
        "/members/999999",
        "/admin/users/abc",
        "/members/1/positions/abc/end",
    ] {
        let res = b.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("Không tìm thấy hoặc bạn không có quyền xem."),
            "{path}"
        );
    }
    let res = b.get("/api/orgs/abc").await;
    assert_eq!(res.status(), 404);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "not_found");
    assert_eq!(b.get("/api/nothing").await.status(), 404);
}

#[tokio::test]
async fn org_page_shows_tree_counters_and_members() {
    let app = spawn_app().await;
    let b = app.signed_in("office.a").await;
    let html = b
        .get(&format!("/orgs/{}", app.district_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Đảng bộ xã Bảo Đài"), "child listed");
    assert!(html.contains("Tỉnh Bắc Giang"), "ancestor in breadcrumbs");
    assert!(
        !html.contains(&format!("href=\"/orgs/{}\"", app.province)),
        "ancestor outside scope is not a link"
    );
    assert!(
        html.contains("<span class=\"value\">2</span>"),
        "two members in the subtree"
    );

    let html = b
        .get(&format!("/orgs/{}", app.cell_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Nguyễn Văn Đức"));
    assert!(html.contains("Trần Thị Hoà"));
    assert!(html.contains("Bí thư"), "role badge");
    assert!(html.contains("01/01/2020"), "dates as dd/mm/yyyy");
    assert!(
        html.contains(&format!("href=\"/orgs/{}\"", app.grassroots_a)),
        "breadcrumb in scope is a link"
    );
    // Office staff may not restructure: no such links.
    assert!(!html.contains("/merge\""));

    let html = b
        .get(&format!("/members/{}", app.member_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Nguyễn Văn Đức"));
    assert!(html.contains("Bí thư"));
    assert!(html.contains("17/05/1980"));
    assert!(html.contains("Chi bộ thôn Thanh Lâm"));

    let html = b
        .get(&format!("/orgs/{}/members", app.district_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Nguyễn Văn Đức") && html.contains("Trần Thị Hoà"));
}

#[tokio::test]
async fn search_with_or_without_diacritics() {
    let app = spawn_app().await;
    let b = app.signed_in("admin").await;
    for q in ["nguyen van", "Nguyễn Văn", "NGUYEN VAN DUC"] {
        let html = b
            .get(&format!("/search?q={}", q.replace(' ', "+")))
            .await
            .text()
            .await
            .unwrap();
        // The member is a result, the words typed marked in the name as written.
        assert!(
            html.contains(&format!("href=\"/members/{}\"", app.member_a)),
            "{q}"
        );
        assert!(html.contains("<mark>Nguyễn</mark> <mark>Văn</mark>"), "{q}");
    }
    let html = b.get("/search?q=bac+giang").await.text().await.unwrap();
    assert!(html.contains("Tỉnh Bắc Giang"));
    let html = b.get("/search?q=luc+nam").await.text().await.unwrap();
    assert!(html.contains("Huyện Lục Nam"));
    let v: serde_json::Value = b.get("/api/search?q=le+van").await.json().await.unwrap();
    assert_eq!(v["members"][0]["member"]["full_name"], "Lê Văn Bình");
    // Empty or odd queries are fine.
    assert_eq!(b.get("/search?q=").await.status(), 200);
    assert_eq!(b.get("/search?q=%25%25_").await.status(), 200);
}

#[tokio::test]
async fn form_errors_keep_values_and_save_nothing() {
    let app = spawn_app().await;
    let b = app.signed_in("office.a").await;
    let sys = Principal::system();
    let before = app
        .store
        .org_children(&sys, app.grassroots_a, true)
        .await
        .unwrap()
        .len();

    let res = b
        .post(
            &format!("/orgs/{}/new", app.grassroots_a),
            &[
                ("kind", "cell"),
                ("name", "   "),
                ("code", "MA-01"),
                ("valid_from", "31/02/2024"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("<title>Lỗi:"), "title starts with Lỗi:");
    assert!(html.contains("Có lỗi cần sửa"));
    assert!(
        html.contains("href=\"#name\""),
        "summary links to the field"
    );
    assert!(html.contains("href=\"#valid_from\""));
    assert!(html.contains("Trường này là bắt buộc."));
    assert!(html.contains("value=\"MA-01\""), "values kept");
    assert!(html.contains("value=\"31/02/2024\""));
    let after = app
        .store
        .org_children(&sys, app.grassroots_a, true)
        .await
        .unwrap()
        .len();
    assert_eq!(before, after, "nothing saved");

    // An unknown kind is a message, not a crash.
    let res = b
        .post(
            &format!("/orgs/{}/new", app.grassroots_a),
            &[
                ("kind", "galaxy"),
                ("name", "Chi bộ Mới"),
                ("valid_from", "01/01/2025"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("value=\"Chi bộ Mới\""));

    // A member with a bad birth date.
    let res = b
        .post(
            &format!("/orgs/{}/members/new", app.cell_a),
            &[
                ("full_name", "Phạm Thị Mai"),
                ("gender", "female"),
                ("birth_date", "32/13/1990"),
                ("audience", "member"),
                ("since", "01/01/2025"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("value=\"Phạm Thị Mai\""));
    assert!(html.contains("Ngày không hợp lệ"));
    let members = app.store.cell_members(&sys, app.cell_a).await.unwrap();
    assert_eq!(members.len(), 2, "nothing saved");

    // In English the same mistake reads in English.
    let res = b
        .post(
            &format!("/orgs/{}/new?lang=en", app.grassroots_a),
            &[("kind", "cell"), ("name", ""), ("valid_from", "01/01/2025")],
        )
        .await;
    let html = res.text().await.unwrap();
    assert!(html.contains("<title>Error:"));
    assert!(html.contains("This field is required."));
}

#[tokio::test]
async fn office_staff_create_units_and_members() {
    let app = spawn_app().await;
    let b = app.signed_in("office.a").await;
    let res = b
        .post(
            &format!("/orgs/{}/new", app.grassroots_a),
            &[
                ("kind", "cell"),
                ("name", "Chi bộ thôn Hạ"),
                ("code", ""),
                ("valid_from", "01/03/2025"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let loc = res.headers()["location"].to_str().unwrap().to_owned();
    let cell_id = loc.trim_start_matches("/orgs/").to_owned();
    let res = b
        .post(
            &format!("/orgs/{cell_id}/members/new"),
            &[
                ("full_name", "Hoàng Văn Nam"),
                ("gender", "male"),
                ("birth_date", "02/09/1985"),
                ("joined_on", ""),
                ("audience", "key_cadre"),
                ("card_number", ""),
                ("since", "01/03/2025"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let member_loc = res.headers()["location"].to_str().unwrap().to_owned();
    let html = b.get(&member_loc).await.text().await.unwrap();
    assert!(html.contains("Hoàng Văn Nam"));
    assert!(html.contains("Cán bộ chủ chốt"));
    assert!(html.contains("02/09/1985"));

    // Transfer into cell A, then the history shows both cells.
    let res = b
        .post(
            &format!("{member_loc}/transfer"),
            &[("to_cell", &app.cell_a.to_string()), ("on", "15/04/2025")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = b.get(&member_loc).await.text().await.unwrap();
    assert!(html.contains("Chi bộ thôn Hạ") && html.contains("Chi bộ thôn Thanh Lâm"));
    assert!(html.contains("15/04/2025"));

    // A unit of another district is not a place to transfer to.
    let res = b
        .post(
            &format!("{member_loc}/transfer"),
            &[("to_cell", &app.cell_b.to_string()), ("on", "16/04/2025")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains(&format!("Không tìm thấy tổ chức «{}»", app.cell_b))
    );
}

#[tokio::test]
async fn admins_manage_accounts_and_read_the_audit_log() {
    let app = spawn_app().await;
    let b = app.signed_in("admin.a").await;
    let html = b.get("/admin").await.text().await.unwrap();
    assert!(html.contains("Cán bộ xã Bảo Đài"));
    assert!(
        !html.contains("Quản trị Yên Thế"),
        "accounts of district B are not listed"
    );

    // Bad input keeps values.
    let res = b
        .post(
            "/admin/users/new",
            &[
                ("username", "x"),
                ("display_name", "Cán bộ mới"),
                ("password", "ngan"),
                ("role", "member"),
                ("org", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("value=\"Cán bộ mới\""));
    assert!(html.contains("Mật khẩu phải có ít nhất 10 ký tự."));

    let res = b
        .post(
            "/admin/users/new",
            &[
                ("username", "can.bo.moi"),
                ("display_name", "Cán bộ mới"),
                ("password", "mot-mat-khau-dai"),
                ("role", "secretary"),
                ("org", "Chi bộ thôn Không Có"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Không tìm thấy tổ chức «Chi bộ thôn Không Có»"),
        "an unknown unit is named: {html}"
    );
    // The unit is named, not numbered.
    let res = b
        .post(
            "/admin/users/new",
            &[
                ("username", "can.bo.moi"),
                ("display_name", "Cán bộ mới"),
                ("password", "mot-mat-khau-dai"),
                ("role", "secretary"),
                ("org", "Chi bộ thôn Thanh Lâm"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    // The new account signs in.
    let mut nb = app.browser();
    assert_eq!(
        nb.sign_in("can.bo.moi", "mot-mat-khau-dai").await.status(),
        303
    );

    // Disable it: it can no longer sign in.
    let users = app.store.user_list(&Principal::system()).await.unwrap();
    let id = users
        .iter()
        .find(|u| u.user.username == "can.bo.moi")
        .unwrap()
        .user
        .id;
    let res = b
        .post(
            &format!("/admin/users/{id}/disabled"),
            &[("disabled", "true")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let mut nb = app.browser();
    assert_eq!(
        nb.sign_in("can.bo.moi", "mot-mat-khau-dai").await.status(),
        401
    );

    let html = b.get("/admin/audit").await.text().await.unwrap();
    assert!(html.contains("<details>"), "before/after shown");
    // People by name, actions in words, records linked to their pages.
    assert!(html.contains("<td>Quản trị Lục Nam</td>"), "{html}");
    assert!(html.contains("<td>Khóa</td>"), "{html}");
    assert!(
        html.contains(&format!(
            "<a href=\"/admin/users/{id}\">Tài khoản #{id}</a>"
        )),
        "{html}"
    );
    let res = b.get(&format!("/admin/audit?org={}", app.cell_a)).await;
    assert_eq!(res.status(), 200);
    // The new account's grant sits on the cell named in the form.
    let grants = app.store.user_list(&Principal::system()).await.unwrap();
    let made = grants
        .iter()
        .find(|u| u.user.username == "can.bo.moi")
        .unwrap();
    assert!(
        made.grants.iter().any(|g| g.org_id == app.cell_a),
        "{:?}",
        made.grants
    );
    // The audit filter takes the unit by name too, and says when it finds none.
    let by_name = b
        .get("/admin/audit?org=chi%20bo%20thon%20thanh%20lam")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        by_name.contains("Chi bộ thôn Thanh Lâm") && by_name.contains("<td>"),
        "{by_name}"
    );
    let html = b
        .get("/admin/audit?org=xa%20khong%20co")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Không tìm thấy tổ chức «xa khong co»"),
        "{html}"
    );

    // Office staff are not administrators.
    let o = app.signed_in("office.a").await;
    assert_eq!(o.get("/admin").await.status(), 403);
    assert_eq!(o.get("/admin/audit").await.status(), 403);
}

#[tokio::test]
async fn admins_restructure_and_history_is_kept() {
    let app = spawn_app().await;
    let b = app.signed_in("admin").await;
    // Office staff see no restructuring forms.
    let o = app.signed_in("office.a").await;
    assert_eq!(
        o.get(&format!("/orgs/{}/move", app.grassroots_a))
            .await
            .status(),
        403
    );

    let html = b
        .get(&format!("/orgs/{}", app.grassroots_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("/merge\""),
        "admins see the restructuring links"
    );

    // The move form offers units by name as the user types.
    let html = b
        .get(&format!("/orgs/{}/move", app.grassroots_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-pick=\"orgs\""), "{html}");
    // Move commune A to district B, by the district's name typed without diacritics.
    let res = b
        .post(
            &format!("/orgs/{}/move", app.grassroots_a),
            &[("new_parent", "huyen yen the"), ("on", "01/07/2025")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = b
        .get(&format!("/orgs/{}/history", app.grassroots_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Chuyển trực thuộc"), "{html}");
    assert!(html.contains("01/07/2025"));
    // Office A no longer sees it; office B does.
    assert_eq!(
        o.get(&format!("/orgs/{}", app.grassroots_a)).await.status(),
        404
    );
    let ob = app.signed_in("office.b").await;
    assert_eq!(
        ob.get(&format!("/orgs/{}", app.grassroots_a))
            .await
            .status(),
        200
    );

    // An unknown target is a message beside the field.
    let res = b
        .post(
            &format!("/orgs/{}/move", app.grassroots_a),
            &[("new_parent", "khong-co"), ("on", "01/07/2025")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("khong-co"),
        "the message names what was typed: {html}"
    );

    // Merge the two districts into a new one.
    let res = b
        .post(
            &format!("/orgs/{}/merge", app.district_a),
            &[
                ("others", "Huyện Yên Thế"),
                ("target_mode", "new"),
                ("new_name", "Đảng bộ huyện Lục Nam – Yên Thế"),
                ("new_code", ""),
                ("target", ""),
                ("on", "01/07/2025"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let html = b
        .get(&format!("/orgs/{}", app.district_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Đã giải thể hoặc sáp nhập"));
    assert!(
        html.contains("Đảng bộ huyện Lục Nam – Yên Thế"),
        "successor shown"
    );
}

/// `/` is what the account has to do now (issue 12 item 1): a member sees the task they
/// answer for; the office above sees the update waiting for its acceptance and the overdue
/// units of its resolution; each item links to where it is done.
#[tokio::test]
async fn each_account_lands_on_what_it_must_do_now() {
    let app = spawn_app().await;
    let records = app.seed_programs().await;
    let tasks = app.seed_issued_task(true).await;
    let study = app.seed_study(&records).await;
    let member = app.member_browser("member.a", app.member_a).await;
    let res = member.get("/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("<h1>Việc cần làm</h1>"), "{html}");
    assert!(html.contains("Việc của tôi"), "{html}");
    assert!(
        html.contains("Số hoá hồ sơ đảng viên của Chi bộ thôn Thanh Lâm")
            && html.contains(&format!("href=\"/tasks/{}\"", tasks.task)),
        "{html}"
    );
    // The cell is mid-round: the member missed its conference (10/02/2025) and the study
    // deadline (15/02/2025) has passed, so the study comes first, marked late, before the
    // task due in 2030.
    let unstudied = html.matches("Chưa học tập nghị quyết").count();
    let not_studied = html.find("Chưa học tập nghị quyết").expect(&html);
    let task_at = html.find("Số hoá hồ sơ đảng viên").expect("task");
    assert!(
        not_studied < task_at,
        "ordered by deadline, late first: {html}"
    );
    assert!(html[..task_at].contains("Quá hạn"), "{html}");
    assert!(
        !html.contains("Nộp bài thu hoạch"),
        "handed in already: {html}"
    );
    // Not an office: no follow-up part.
    assert!(!html.contains("Theo dõi, đôn đốc cấp dưới"), "{html}");
    // The cell's secretary: the conference to mark and the reflection to grade.
    let secretary = app.signed_in("secretary.a").await;
    let html = secretary.get("/").await.text().await.unwrap();
    assert!(html.contains("Việc của đơn vị"), "{html}");
    assert!(
        html.contains("Điểm danh hội nghị: Học tập nghị quyết – Chi bộ thôn Thanh Lâm")
            && html.contains(&format!("href=\"/study-sessions/{}\"", study.session)),
        "{html}"
    );
    assert!(html.contains("Chấm 1 bài thu hoạch"), "{html}");
    assert!(!html.contains("Tổng hợp kết quả đợt học tập"), "{html}");
    // Once the member is marked present: the check is next for the member, and the round
    // review for the secretary.
    app.store
        .record_attendance(
            &Principal::system(),
            study.session,
            vec![domain::study::AttendanceEntry {
                member_id: app.member_a,
                mark: domain::AttendanceMark::Present,
                reason: None,
            }],
        )
        .await
        .unwrap();
    let html = member.get("/").await.text().await.unwrap();
    assert_eq!(
        html.matches("Chưa học tập nghị quyết").count(),
        unstudied - 1,
        "{html}"
    );
    assert!(
        html.contains("Làm bài kiểm tra nhận thức (đã làm 0/")
            && html.contains(&format!("href=\"/my/study/{}/check\"", study.document)),
        "{html}"
    );
    let html = secretary.get("/").await.text().await.unwrap();
    assert!(!html.contains("Điểm danh hội nghị"), "{html}");
    assert!(
        html.contains("Tổng hợp kết quả đợt học tập: biểu dương, nhắc nhở")
            && html.contains(&format!(
                "/orgs/{}/study/{}/review",
                app.cell_a, study.document
            )),
        "{html}"
    );
    let office = app.signed_in("office.a").await;
    let html = office.get("/").await.text().await.unwrap();
    assert!(
        html.contains("1 cập nhật tiến độ chờ xác nhận")
            && html.contains(&format!("href=\"/orgs/{}/reviews\"", app.district_a)),
        "{html}"
    );
    // The commune's study deadline (15/02/2025) has passed without a study recorded.
    assert!(html.contains("đơn vị chậm tiến độ"), "{html}");
    // Another district's office has nothing of A's.
    let office_b = app.signed_in("office.b").await;
    let html = office_b.get("/").await.text().await.unwrap();
    assert!(
        !html.contains("Thanh Lâm") && !html.contains("chờ xác nhận"),
        "{html}"
    );
    // In English too.
    office.get("/lang/en?next=/").await;
    let html = office.get("/").await.text().await.unwrap();
    assert!(
        html.contains("<h1>To do</h1>") && html.contains("waiting for acceptance"),
        "{html}"
    );
}

/// Office conventions (issue 12 #7): a district cannot register the province's symbol,
/// a document names its issuer as the committee, and a cell's list says whose secretary
/// each "Bí thư" is.
#[tokio::test]
async fn documents_and_positions_follow_office_conventions() {
    let app = spawn_app().await;
    let b = app.signed_in("admin").await;
    let register = |org: domain::OrgId, number: &'static str| {
        let b = &b;
        async move {
            b.post(
                &format!("/orgs/{org}/documents/new"),
                &[
                    ("doc_type", "resolution"),
                    ("number", number),
                    ("issued_on", "15/01/2025"),
                    ("term", "2020–2025"),
                    ("title", "Về nâng cao chất lượng sinh hoạt chi bộ"),
                    ("body", "## Giải pháp\n\n- Nâng cao trách nhiệm của cấp ủy"),
                ],
            )
            .await
        }
    };
    let res = register(app.district_a, "15-NQ/TU").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Ký hiệu không phải của cấp ban hành"),
        "a district's symbol ends in /HU: {html}"
    );
    assert!(html.contains("value=\"15-NQ/TU\""), "the value is kept");
    assert_eq!(register(app.district_a, "15-NQ/HU").await.status(), 303);
    // The commune's party organization issues as its committee, the Đảng ủy.
    let res = register(app.grassroots_a, "16-NQ/ĐU").await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let doc = res.headers()["location"].to_str().unwrap().to_owned();
    let html = b.get(&doc).await.text().await.unwrap();
    assert!(
        html.contains("<span class=\"caption\">Nghị quyết · Đảng ủy xã Bảo Đài</span>"),
        "the issuer as the committee: {html}"
    );
    assert!(html.contains(">Đảng ủy xã Bảo Đài</a></dd>"), "{html}");

    // Trần Thị Hoà of cell A is the commune's secretary, Đức the cell's: the list tells.
    let hoa = app
        .store
        .cell_members(&Principal::system(), app.cell_a)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.full_name == "Trần Thị Hoà")
        .unwrap();
    app.store
        .position_add(
            &Principal::system(),
            store::NewPosition {
                member_id: hoa.id,
                org_id: app.grassroots_a,
                role: domain::PositionRole::Secretary,
                from: time::macros::date!(2020 - 10 - 01),
            },
        )
        .await
        .unwrap();
    let html = b
        .get(&format!("/orgs/{}", app.cell_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Bí thư – Đảng bộ xã Bảo Đài"),
        "whose secretary: {html}"
    );
    assert!(html.contains(">Bí thư</span>"), "the cell's own: {html}");
}
