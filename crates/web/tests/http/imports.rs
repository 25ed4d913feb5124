//! Imports from the UI: templates, uploads with every problem listed, all or nothing, and
//! the scope of the unit the import starts from.

use domain::Principal;
use store::{AuditFilter, Page};

use crate::helpers::{TestApp, spawn_app};

/// A .csv file with the members template's header and these rows.
fn members_csv(rows: &[&[&str]]) -> Vec<u8> {
    let header: Vec<&str> = import::members::COLUMNS.iter().map(|c| c.1).collect();
    let mut out = header.join(",");
    out.push('\n');
    for r in rows {
        out.push_str(&r.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

fn orgs_csv(rows: &[&[&str]]) -> Vec<u8> {
    let header: Vec<&str> = import::orgs::COLUMNS.iter().map(|c| c.1).collect();
    let mut out = header.join(",");
    out.push('\n');
    for r in rows {
        out.push_str(&r.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

async fn audit_len(app: &TestApp) -> usize {
    app.store
        .audit_list(
            &Principal::system(),
            AuditFilter {
                limit: 10_000,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .len()
}

async fn members_under(app: &TestApp, org: domain::OrgId) -> Vec<String> {
    app.store
        .subtree_members(
            &Principal::system(),
            org,
            Page {
                offset: 0,
                limit: 1000,
            },
        )
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.member.full_name)
        .collect()
}

#[tokio::test]
async fn templates_download_as_xlsx_with_their_headers() {
    let app = spawn_app().await;
    let b = app.signed_in("secretary.a").await;
    for (path, file_name, columns) in [
        (
            "/import/templates/members.xlsx",
            "mau-nhap-dang-vien.xlsx",
            import::members::COLUMNS,
        ),
        (
            "/import/templates/orgs.xlsx",
            "mau-nhap-to-chuc.xlsx",
            import::orgs::COLUMNS,
        ),
    ] {
        let res = b.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(
            res.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(
            res.headers()["content-disposition"].to_str().unwrap(),
            format!("attachment; filename=\"{file_name}\"")
        );
        let bytes = res.bytes().await.unwrap();
        let table = import::read_table(&bytes).expect("the template opens with calamine");
        let headers: Vec<&str> = columns.iter().map(|c| c.1).collect();
        assert_eq!(table.header, headers);
    }
    // Signed-in users only.
    let res = app.browser().get("/import/templates/members.xlsx").await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn the_import_page_is_linked_for_editors_only() {
    let app = spawn_app().await;
    let office = app.signed_in("office.a").await;
    let html = office
        .get(&format!("/orgs/{}", app.grassroots_a))
        .await
        .text()
        .await
        .unwrap();
    let link = format!("href=\"/orgs/{}/import\"", app.grassroots_a);
    assert!(html.contains(&link) && html.contains("Nhập từ Excel"));
    let res = office
        .get(&format!("/orgs/{}/import", app.grassroots_a))
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("enctype=\"multipart/form-data\""));
    assert!(html.contains("/import/templates/members.xlsx"));
    assert!(html.contains("/import/templates/orgs.xlsx"));
    assert!(html.contains("07408"), "the unit's code for the file");

    // A cell secretary imports members into the cell, not units.
    let secretary = app.signed_in("secretary.a").await;
    let html = secretary
        .get(&format!("/orgs/{}/import", app.cell_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("value=\"members\""));
    assert!(!html.contains("value=\"orgs\""));

    // A plain member account reads but does not import.
    let clerk = app.signed_in("clerk.a").await;
    let html = clerk
        .get(&format!("/orgs/{}", app.cell_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("/import\""));
    let res = clerk.get(&format!("/orgs/{}/import", app.cell_a)).await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn a_bad_file_lists_every_problem_and_saves_nothing() {
    let app = spawn_app().await;
    let b = app.signed_in("office.a").await;
    let before = members_under(&app, app.district_a).await;
    let audit_before = audit_len(&app).await;
    let csv = members_csv(&[
        &["Phạm Văn Hùng", "Nam", "", "", "", "07408-01", "", ""],
        &["", "Nam", "", "", "", "07408-01", "", ""],
        &[
            "Lý Thị Mai",
            "không rõ",
            "31/02/1990",
            "",
            "",
            "07408-01",
            "",
            "",
        ],
        &["Đỗ Văn Nam", "", "", "", "", "99999", "", ""],
    ]);
    let res = b
        .upload(
            &format!("/orgs/{}/import", app.district_a),
            "members",
            Some(("dang-vien.csv", &csv)),
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("class=\"error-summary\""));
    assert!(html.contains("Dòng 3, cột Họ và tên"), "row 3: no name");
    assert!(html.contains("Dòng 4, cột Giới tính"), "row 4: gender");
    assert!(html.contains("Dòng 4, cột Ngày sinh"), "row 4: date");
    assert!(!html.contains("Dòng 2"), "row 2 is good");
    assert!(html.contains("Chưa nhập dòng nào"));
    assert!(html.contains("<title>Lỗi:"));
    assert_eq!(members_under(&app, app.district_a).await, before);
    assert_eq!(audit_len(&app).await, audit_before);

    // Rows that parse but name an unknown cell: also every one, and nothing saved.
    let csv = members_csv(&[
        &["Phạm Văn Hùng", "Nam", "", "", "", "07408-01", "", ""],
        &["Đỗ Văn Nam", "", "", "", "", "99999", "", ""],
    ]);
    let res = b
        .upload(
            &format!("/orgs/{}/import", app.district_a),
            "members",
            Some(("dang-vien.csv", &csv)),
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Dòng 3, cột Mã chi bộ"), "{html}");
    assert_eq!(members_under(&app, app.district_a).await, before);

    // The template as downloaded (its example rows name units that do not exist here).
    let xlsx = import::template::orgs().unwrap();
    let res = b
        .upload(
            &format!("/orgs/{}/import", app.district_a),
            "orgs",
            Some(("to-chuc.xlsx", &xlsx)),
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Dòng 2, cột Mã tổ chức cấp trên"), "{html}");
    assert_eq!(audit_len(&app).await, audit_before);

    // No file, a file that is not a table, a wrong choice: a message, never a 500.
    let res = b
        .upload(&format!("/orgs/{}/import", app.district_a), "members", None)
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Hãy chọn một tệp"));
    let res = b
        .upload(
            &format!("/orgs/{}/import", app.district_a),
            "members",
            Some(("x.xlsx", b"PK\x03\x04 not really a workbook")),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Không đọc được tệp"));
    let res = b
        .upload(
            &format!("/orgs/{}/import", app.district_a),
            "everything",
            Some(("a.csv", &csv)),
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = b
        .post(&format!("/orgs/{}/import", app.district_a), &[])
        .await;
    assert_eq!(res.status(), 422, "a plain form is no upload");
    assert_eq!(members_under(&app, app.district_a).await, before);
}

#[tokio::test]
async fn a_good_file_creates_members_and_units() {
    let app = spawn_app().await;
    let b = app.signed_in("office.a").await;
    // The second row names the cell by its number.
    let cell_ref = format!("#{}", app.cell_a);
    let csv = members_csv(&[
        &[
            "Phạm Văn Hùng",
            "Nam",
            "05/03/1980",
            "19/05/2005",
            "BG-1001",
            "07408-01",
            "Cán bộ chủ chốt",
            "",
        ],
        &["Lý Thị Mai", "Nữ", "", "", "", &cell_ref, "", ""],
    ]);
    let res = b
        .upload(
            &format!("/orgs/{}/import", app.district_a),
            "members",
            Some(("dang-vien.csv", &csv)),
        )
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Đã nhập 2 đảng viên"), "{html}");
    let names = members_under(&app, app.cell_a).await;
    assert!(names.contains(&"Phạm Văn Hùng".to_string()));
    assert!(names.contains(&"Lý Thị Mai".to_string()));
    assert_eq!(names.len(), 4);

    // Units: a commune and its cell, the cell's parent being the row above.
    let csv = orgs_csv(&[
        &[
            "217-BS",
            "Đảng bộ xã Bảo Sơn",
            "Tổ chức cơ sở đảng",
            "217",
            "15/10/2020",
        ],
        &["217-BS-1", "Chi bộ thôn Đồng Quan", "Chi bộ", "217-BS", ""],
    ]);
    let res = b
        .upload(
            &format!("/orgs/{}/import", app.district_a),
            "orgs",
            Some(("to-chuc.csv", &csv)),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Đã nhập 2 tổ chức"));
    let sys = Principal::system();
    let commune = app
        .store
        .org_by_code(&sys, "217-BS")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(commune.parent_id, Some(app.district_a));
    let cell = app
        .store
        .org_by_code(&sys, "217-BS-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cell.parent_id, Some(commune.id));
    // The same file again: every code is taken now, nothing more is created.
    let res = b
        .upload(
            &format!("/orgs/{}/import", app.district_a),
            "orgs",
            Some(("to-chuc.csv", &csv)),
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Dòng 2, cột Mã tổ chức") && html.contains("Dòng 3, cột Mã tổ chức"));
}

#[tokio::test]
async fn district_b_cannot_import_into_district_a() {
    let app = spawn_app().await;
    let b = app.signed_in("office.b").await;
    let before = members_under(&app, app.cell_a).await;
    let csv = members_csv(&[&["Phạm Văn Hùng", "Nam", "", "", "", "07408-01", "", ""]]);
    for org in [app.district_a, app.cell_a] {
        assert_eq!(b.get(&format!("/orgs/{org}/import")).await.status(), 404);
        let res = b
            .upload(
                &format!("/orgs/{org}/import"),
                "members",
                Some(("dang-vien.csv", &csv)),
            )
            .await;
        assert_eq!(res.status(), 404);
    }
    // From its own district, A's cell is unknown: the store does not see it.
    let res = b
        .upload(
            &format!("/orgs/{}/import", app.district_b),
            "members",
            Some(("dang-vien.csv", &csv)),
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Dòng 2, cột Mã chi bộ"));
    assert!(!html.contains("Thanh Lâm"));
    assert_eq!(members_under(&app, app.cell_a).await, before);

    // The province's administrator, importing from district B's page, may not put
    // members into district A's cell either: the page's unit bounds the import.
    let admin = app.signed_in("admin").await;
    let res = admin
        .upload(
            &format!("/orgs/{}/import", app.district_b),
            "members",
            Some(("dang-vien.csv", &csv)),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("không thuộc tổ chức đang nhập")
    );
    assert_eq!(members_under(&app, app.cell_a).await, before);
}

#[tokio::test]
async fn a_too_large_file_gets_the_page_with_a_message() {
    let app = spawn_app().await;
    let b = app.signed_in("office.a").await;
    let big = vec![b'x'; web::imports::FILE_LIMIT + 1024 * 1024];
    let res = b
        .upload(
            &format!("/orgs/{}/import", app.cell_a),
            "members",
            Some(("lon.csv", &big)),
        )
        .await;
    assert_eq!(res.status(), 413);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Tệp lớn hơn 20 MB"),
        "{}",
        &html[..html.len().min(2000)]
    );
    assert!(html.contains("class=\"error-summary\""));
    // Still protected by the CSRF token.
    let (content_type, body) = crate::helpers::multipart(
        &[("csrf", "wrong"), ("what", "members")],
        Some(("lon.csv", &big)),
    );
    let res = b
        .client
        .post(b.url(&format!("/orgs/{}/import", app.cell_a)))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

/// 6 KB: a header in A1 and one value in XFD1048576, the last cell of a sheet. Read as a
/// dense grid it asked for 512 GB and aborted the server (issue 11).
pub fn xfd_sheet() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet();
    s.write_string(0, 0, "Họ và tên").unwrap();
    s.write_string(1_048_575, 16_383, "x").unwrap();
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_sheet_with_a_cell_at_xfd1048576_is_refused_and_the_server_goes_on() {
    let app = spawn_app().await;
    let b = app.signed_in("office.a").await;
    let audit_before = audit_len(&app).await;
    let sheet = xfd_sheet();
    assert!(sheet.len() < 8 * 1024);
    let res = b
        .upload(
            &format!("/orgs/{}/import", app.district_a),
            "members",
            Some(("xfd.xlsx", &sheet)),
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("ô XFD1048576"), "{html}");
    assert!(html.contains("class=\"error-summary\""));
    assert_eq!(audit_len(&app).await, audit_before, "nothing saved");
    // The server is still there.
    let res = b.get(&format!("/orgs/{}", app.district_a)).await;
    assert_eq!(res.status(), 200);
}
