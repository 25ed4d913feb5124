//! The key journey in a real headless Chromium: a district office signs in, browses its
//! tree down to a cell and its members, switches to English, and cannot open another
//! district. Screenshots (desktop and 390×844) go to `target/screenshots/`.
//!
//! Needs `chromedriver` and `chromium` (Debian's chromium-driver and chromium); the
//! README's test command installs them. RESOLUTE_CHROMEDRIVER / RESOLUTE_CHROMIUM override
//! the paths.
//!
//! On SQLite, or on PostgreSQL with `RESOLUTE_TEST_BACKEND=postgres` (see `testdb`);
//! `scripts/test` runs both.

use domain::Principal;
mod common;

use common::{body_text, shot, start_browser};
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread")]
async fn district_office_journey_in_chromium() {
    // A fresh database on the backend RESOLUTE_TEST_BACKEND names (see `testdb`).
    let db = testdb::fresh_store().await;
    let store = db.store.clone();
    let hashed = web::password::hash(demo::tree::DEMO_PASSWORD).unwrap();
    demo::load(
        store.as_ref(),
        &demo::Profile::bac_giang(),
        2025,
        &move |_| hashed.clone(),
        &|_, _| {},
    )
    .await
    .unwrap();
    let p = Principal::system();
    let lucnam = store.org_by_code(&p, "218").await.unwrap().unwrap();
    let lucngan = store.org_by_code(&p, "219").await.unwrap().unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // Files and the search index in a folder of the test's own (never the checkout's).
    let tmp = tempfile::tempdir().unwrap();
    let state = web::AppState::new(
        store.clone(),
        web::Config {
            data_dir: tmp.path().join("data"),
            ..web::Config::default()
        },
    );
    tokio::spawn(web::serve(listener, state, std::future::pending()));

    let (_driver, c) = start_browser().await;

    // Sign in as the Lục Nam district office.
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("vanphong.lucnam")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(demo::tree::DEMO_PASSWORD)
        .await
        .unwrap();
    shot(&c, "journey-1-login").await;
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css("h1")).await.unwrap();
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The office lands on what it has to do, by deadline, the district one link away.
    assert_eq!(h1, "Việc cần làm", "lands on the to-do page");
    let home = body_text(&c).await;
    assert!(
        home.contains("Theo dõi, đôn đốc cấp dưới") && home.contains(demo::resolution::NUMBER),
        "{home}"
    );
    shot(&c, "journey-1b-home").await;
    c.find(Locator::Css(&format!(
        "p.lead a[href='/orgs/{}']",
        lucnam.id
    )))
    .await
    .expect("the district's link on the home page")
    .click()
    .await
    .unwrap();
    c.wait().for_element(Locator::Css("h1")).await.unwrap();
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(h1, lucnam.name, "the district's page");
    assert!(
        body_text(&c).await.contains(demo::resolution::NUMBER),
        "the district sees the demo resolution it must implement"
    );
    shot(&c, "journey-2-district").await;

    // Down the tree: a commune, then one of its cells, with its members.
    let commune = c
        .find(Locator::XPath("//table//a[starts-with(normalize-space(.), 'Đảng bộ xã') or starts-with(normalize-space(.), 'Đảng bộ thị trấn')]"))
        .await
        .expect("a commune in the children table");
    let commune_name = commune.text().await.unwrap();
    commune.click().await.unwrap();
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(h1, commune_name);
    let cell = c
        .find(Locator::XPath(
            "//table//a[starts-with(normalize-space(.), 'Chi bộ')]",
        ))
        .await
        .expect("a cell in the children table");
    let cell_name = cell.text().await.unwrap();
    cell.click().await.unwrap();
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(h1, cell_name);
    let member_links = c
        .find_all(Locator::Css("table a[href^='/members/']"))
        .await
        .unwrap();
    assert!(
        member_links.len() >= 10,
        "a cell lists its members, found {}",
        member_links.len()
    );
    let text = body_text(&c).await;
    assert!(text.contains("Bí thư"), "the secretary's role is shown");
    shot(&c, "journey-3-cell").await;

    // A member's page.
    member_links[0].click().await.unwrap();
    c.wait().for_element(Locator::Css("h1")).await.unwrap();
    shot(&c, "journey-4-member").await;
    c.back().await.unwrap();

    // English is one click away, and the choice sticks.
    c.find(Locator::Css("a.lang-switch"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("html[lang=en]"))
        .await
        .unwrap();
    let text = body_text(&c).await;
    assert!(text.contains("Sign out"), "English labels after switching");
    c.goto(&format!("{base}/orgs/{}", lucnam.id)).await.unwrap();
    assert!(c.find(Locator::Css("html[lang=en]")).await.is_ok());
    c.set_window_size(390, 844).await.unwrap();
    shot(&c, "journey-5-district-en-phone").await;

    // Another district's page is not found, and its name does not leak.
    c.goto(&format!("{base}/orgs/{}", lucngan.id))
        .await
        .unwrap();
    let text = body_text(&c).await;
    assert!(
        !text.contains(&lucngan.name),
        "another district's name leaked"
    );
    assert!(
        text.contains("Not found") || text.contains("Không tìm thấy"),
        "{text}"
    );

    // Search with and without diacritics, back in Vietnamese, on a phone.
    c.find(Locator::Css("a.lang-switch"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.goto(&format!("{base}/search?q=luc+nam")).await.unwrap();
    let text = body_text(&c).await;
    assert!(text.contains("Lục Nam"), "folded search finds Lục Nam");
    shot(&c, "journey-6-search-phone").await;

    c.close().await.unwrap();
}
