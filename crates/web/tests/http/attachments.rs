//! A document's attachments: uploaded from its page (checked from the content), listed,
//! downloaded through the store's check, in the JSON API, and invisible to another
//! district.

use crate::helpers::{Browser, SMALL_PDF, multipart, spawn_app};

async fn upload(
    b: &Browser,
    doc: domain::DocumentId,
    name: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let (content_type, body) = multipart(&[("csrf", b.csrf.as_str())], Some((name, bytes)));
    b.client
        .post(b.url(&format!("/documents/{doc}/attachments")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("POST attachments")
}

#[tokio::test]
async fn attach_list_download_and_isolation() {
    let app = spawn_app().await;
    let r = app.seed_programs().await;
    let office = app.signed_in("office.a").await;

    // The page offers the form to the issuer's office.
    let html = office
        .get(&format!("/documents/{}", r.document))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Tệp đính kèm"));
    assert!(html.contains(&format!("action=\"/documents/{}/attachments\"", r.document)));

    // An executable named .pdf is refused, with the Vietnamese message; nothing attached.
    let exe: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode";
    let res = upload(&office, r.document, "nghi-quyet.pdf", exe).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Chỉ nhận tệp PDF, ảnh"), "{html}");
    assert_eq!(
        app.store
            .document_attachments(&domain::Principal::system(), r.document)
            .await
            .unwrap()
            .len(),
        1,
        "only the seeded file"
    );

    // A PDF is attached, and listed with a notice.
    let pdf = [SMALL_PDF, b"% signed copy\n"].concat();
    let res = upload(&office, r.document, "Nghị quyết bản ký.pdf", &pdf).await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        to,
        format!("/documents/{}?attached=1#attachments", r.document)
    );
    let html = office.get(&to).await.text().await.unwrap();
    assert!(html.contains("Đã đính kèm 1 tệp."));
    assert!(html.contains("Nghị quyết bản ký.pdf"));

    // The JSON API lists both with their download addresses.
    let v: serde_json::Value = office
        .get(&format!("/api/documents/{}", r.document))
        .await
        .json()
        .await
        .unwrap();
    let list = v["attachments"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{v}");
    assert_eq!(list[1]["file_name"], "Nghị quyết bản ký.pdf");
    assert_eq!(list[1]["kind"], "pdf");
    let href = list[1]["download"].as_str().unwrap().to_owned();

    let res = office.get(&href).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), pdf.as_slice());

    // A commune's office reads the district's document and its files, but may not attach.
    let other = app.signed_in("office.b").await;
    assert_eq!(other.get(&href).await.status(), 404);
    assert_eq!(
        upload(&other, r.document, "x.pdf", SMALL_PDF)
            .await
            .status(),
        404
    );
    let clerk = app.signed_in("clerk.a").await;
    assert_eq!(clerk.get(&href).await.status(), 200);
    assert_eq!(
        upload(&clerk, r.document, "x.pdf", SMALL_PDF)
            .await
            .status(),
        403
    );
}
