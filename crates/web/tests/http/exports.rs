//! Exports are checked by opening them: LibreOffice (headless) converts the dashboard's
//! .xlsx to PDF and to CSV, and the CSV holds the Vietnamese text as written.
//!
//! `scripts/test` installs LibreOffice; outside it, without `soffice` on the PATH the
//! test says so and passes, unless `CI` is set, where it fails.

use crate::helpers::spawn_app;
use testdb::office::{convert, soffice};

#[tokio::test]
async fn the_dashboard_spreadsheet_opens_in_libreoffice_with_vietnamese_text() {
    let Some(bin) = soffice("dashboard .xlsx") else {
        return;
    };
    let app = spawn_app().await;
    let r = app.seed_programs().await;
    let office = app.signed_in("office.a").await;
    let res = office
        .get(&format!(
            "/dashboards/{}/{}/xlsx",
            app.district_a, r.document
        ))
        .await;
    assert_eq!(res.status(), 200);
    // A name an office can file: what, which resolution, which unit, which day.
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("filename*=UTF-8''T%C3%ACnh%20h%C3%ACnh%20tri%E1%BB%83n%20khai%20"),
        "{disposition}"
    );
    assert!(
        disposition.contains("Huy%E1%BB%87n%20L%E1%BB%A5c%20Nam"),
        "{disposition}"
    );
    let bytes = res.bytes().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dashboard.xlsx"), &bytes).unwrap();
    let pdf = convert(bin, dir.path(), "dashboard.xlsx", "pdf", "pdf");
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    assert!(pdf.len() > 1_000, "with content");
    // The day of the figures is a date cell, shown dd/mm/yyyy.
    let all = testdb::office::pdf_text(dir.path(), &pdf);
    let today = domain::tz::local_date(time::OffsetDateTime::now_utc());
    assert!(
        all.contains(&domain::validate::format_date(today)),
        "the day as a date: {all}"
    );
    // The first sheet as UTF-8 CSV (filter options: comma, double quote, UTF-8).
    let csv = convert(
        bin,
        dir.path(),
        "dashboard.xlsx",
        "csv:Text - txt - csv (StarCalc):44,34,76",
        "csv",
    );
    let text = String::from_utf8(csv).expect("UTF-8");
    assert!(text.contains("Tổ chức"), "{text}");
    assert!(text.contains("Tổ chức đã học tập, quán triệt"), "{text}");
    assert!(text.contains("Huyện Lục Nam"), "{text}");
}
