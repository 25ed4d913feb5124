//! The demo's files (issue 11 #7): the resolution's full text attached to 05-NQ/TU and a
//! conference record kept as evidence of an accepted update, both real .docx files that
//! LibreOffice opens, kept through the blob store like an upload.

use domain::Principal;
use store::Store;

fn hash(_: &str) -> String {
    "$argon2id$test".to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_keeps_an_attachment_and_an_evidence_file_that_open() {
    let db = testdb::fresh_store().await;
    let store: &dyn Store = db.store.as_ref();
    let p = Principal::system();
    demo::load(store, &demo::Profile::bac_giang(), 7, &hash, &|_, _| {})
        .await
        .expect("demo loads");
    let dir = std::env::temp_dir().join(format!("demo-files-{}", std::process::id()));
    let blobs = services::BlobStore::new(&dir);
    let kept = std::sync::Mutex::new(Vec::new());
    let keep = |name: &str, bytes: Vec<u8>| {
        let file = services::CheckedFile::check(name, bytes.clone()).expect("a checked file");
        kept.lock().unwrap().push(bytes);
        blobs.put_blocking(&file)
    };
    let today = time::OffsetDateTime::now_utc().date();
    let n = demo::files::attach(store, &p, "24", today, &keep)
        .await
        .expect("files attach");
    assert_eq!(n, 4);
    let counts = store.table_counts().await.unwrap();
    assert_eq!(counts["document_attachments"], 1);
    assert_eq!(
        counts["evidence_files"], 2,
        "two districts' updates carry evidence"
    );
    // The portal's party-building article shows its picture.
    let root = store.org_by_code(&p, "24").await.unwrap().unwrap();
    // The story's dates agree (issue 12 #8): a document is cascaded on or after its issue
    // date, and every deadline of a cascade (study first) falls after the cascade.
    let lucnam = store.org_by_code(&p, "218").await.unwrap().unwrap();
    let mut cascades = 0;
    for issuer in [root.id, lucnam.id] {
        let docs = store
            .documents(
                &p,
                issuer,
                store::Page {
                    offset: 0,
                    limit: 100,
                },
            )
            .await
            .unwrap();
        for d in &docs {
            for c in store.document_cascades(&p, d.id).await.unwrap() {
                let on = domain::tz::local_date(c.created_at);
                assert!(d.issued_on <= on, "{} cascaded {on} before issue", d.symbol);
                assert!(
                    c.deadlines.study_by > on && c.deadlines.program_by > on,
                    "{}: cascaded {on}, study by {}, program by {}",
                    d.symbol,
                    c.deadlines.study_by,
                    c.deadlines.program_by
                );
                cascades += 1;
            }
        }
    }
    assert!(cascades >= 2, "the province's and the district's cascades");
    // People answering for the district's tasks are several, with names of their own.
    let doc = store
        .documents(
            &p,
            root.id,
            store::Page {
                offset: 0,
                limit: 100,
            },
        )
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.symbol == "05-NQ/TU")
        .expect("05-NQ/TU");
    let unit = store
        .cascade_unit_of(&p, lucnam.id, doc.id)
        .await
        .unwrap()
        .expect("Lục Nam is reached");
    let program = unit.program_id.expect("Lục Nam's program");
    let tasks = store
        .program_tasks(&p, domain::ProgramId(program))
        .await
        .unwrap();
    let names: std::collections::BTreeSet<&str> = tasks
        .iter()
        .filter_map(|t| t.responsible_name.as_deref())
        .collect();
    assert!(
        tasks.len() >= 5 && names.len() * 2 >= tasks.len(),
        "{} tasks answered for by {names:?}",
        tasks.len()
    );
    let desk = store.portal_desk(&p, root.id).await.unwrap();
    let article = desk
        .articles
        .iter()
        .find(|a| a.title == demo::portal::PARTY_BUILDING_TITLE)
        .unwrap();
    assert!(
        article.body_md.starts_with("![Hội nghị quán triệt"),
        "{}",
        article.body_md
    );

    let files = kept.into_inner().unwrap();
    assert!(
        files[3].starts_with(b"\x89PNG\r\n\x1a\n"),
        "the picture is a PNG"
    );
    let Some((text, pages)) = testdb::office::docx_as_pdf_text("the demo's resolution", &files[0])
    else {
        return;
    };
    assert!(text.contains("NGHỊ QUYẾT"), "{text}");
    assert!(text.contains("05-NQ/TU"), "{text}");
    assert!(pages >= 1);
    let (record, _) = testdb::office::docx_as_pdf_text("the conference record", &files[1]).unwrap();
    assert!(record.contains("BIÊN BẢN"), "{record}");
    let (report, _) = testdb::office::docx_as_pdf_text("the progress report", &files[2]).unwrap();
    assert!(report.contains("BÁO CÁO"), "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}
