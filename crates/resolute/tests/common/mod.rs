//! Helpers shared by the browser journeys: chromedriver and headless Chromium started for
//! one test, screenshots, and page text read robustly while a page loads.

#![allow(dead_code)] // Each test binary uses its own subset.

use fantoccini::{Client, ClientBuilder, Locator};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The chromedriver process, killed on drop.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn start_browser() -> (Driver, Client) {
    let driver_bin =
        std::env::var("RESOLUTE_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let port = free_port();
    let child = Command::new(&driver_bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start {driver_bin} ({e}): install chromium-driver or run scripts/test")
        });
    let driver = Driver(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut opts = serde_json::json!({
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=vi"]
    });
    if let Ok(bin) = std::env::var("RESOLUTE_CHROMIUM") {
        opts["binary"] = serde_json::Value::String(bin);
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), opts);
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("chromedriver session");
    (driver, client)
}

pub fn shots_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(shots_dir().join(format!("{name}.png")), png).unwrap();
}

pub async fn body_text(c: &Client) -> String {
    for _ in 0..50 {
        if let Ok(e) = c.find(Locator::Css("body")).await
            && let Ok(t) = e.text().await
        {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no page body")
}

/// A folder of the test's own, removed on drop.
pub struct TempDir(pub PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a journey starts from: a folder of its own, a fresh store on the backend `testdb`
/// chooses (`RESOLUTE_TEST_BACKEND`) holding the Bắc Giang demo (seed 2025), whose accounts
/// sign in with the demo's password, and that password's hash for accounts it adds.
pub struct DemoWorld {
    pub tmp: TempDir,
    pub db: testdb::TestStore,
    pub hash: String,
}

pub async fn demo_world(journey: &str) -> DemoWorld {
    let tmp = TempDir(std::env::temp_dir().join(format!(
        "resolute-browser-{journey}-{}-{}",
        std::process::id(),
        free_port()
    )));
    std::fs::create_dir_all(&tmp.0).unwrap();
    let db = testdb::fresh_store().await;
    let hash = web::password::hash(demo::tree::DEMO_PASSWORD).unwrap();
    let for_demo = hash.clone();
    demo::load(
        db.store.as_ref(),
        &demo::Profile::bac_giang(),
        2025,
        &move |_| for_demo.clone(),
        &|_, _| {},
    )
    .await
    .unwrap();
    DemoWorld { tmp, db, hash }
}

/// Waits until the page's path satisfies `want` and the page is complete (its footer).
pub async fn wait_path(c: &Client, what: &str, want: impl Fn(&str) -> bool) {
    for _ in 0..100 {
        if want(c.current_url().await.unwrap().path())
            && c.find(Locator::Css("footer")).await.is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "never reached {what}: at {}",
        c.current_url().await.unwrap()
    )
}

pub async fn fill(c: &Client, css: &str, value: &str) {
    let e = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("field {css}: {e}"));
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

pub async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Scrolls an element to the middle of the window, then clicks it, as a thumb would.
pub async fn tap(c: &Client, css: &str) {
    c.execute(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
        vec![serde_json::Value::String(css.to_owned())],
    )
    .await
    .unwrap_or_else(|e| panic!("{css}: {e}"));
    click(c, css).await;
}

pub async fn sign_in(c: &Client, base: &str, username: &str) {
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(c, "#username", username).await;
    fill(c, "#password", demo::tree::DEMO_PASSWORD).await;
    click(c, "form button[type=submit]").await;
    wait_path(c, "a signed-in page", |p| !p.starts_with("/login")).await;
}

/// Whether the page scrolls sideways (content wider than the window).
pub async fn overflows(c: &Client) -> bool {
    let v = c
        .execute(
            "return document.documentElement.scrollWidth > document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    v.as_bool().unwrap_or(true)
}

/// axe-core's script: `RESOLUTE_AXE`, or the copy `scripts/test` fetches into `target/`.
pub fn axe_source() -> Option<String> {
    let path = std::env::var("RESOLUTE_AXE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/axe-core-4.10.3/axe.min.js")
        });
    match std::fs::read_to_string(&path) {
        Ok(s) if s.len() > 100_000 => Some(s),
        _ if testdb::in_ci() => panic!(
            "axe-core is missing at {} under CI: run scripts/test (it fetches it) or set RESOLUTE_AXE",
            path.display()
        ),
        _ => {
            eprintln!(
                "note: axe-core not found at {} (scripts/test fetches it); the WCAG check is skipped",
                path.display()
            );
            None
        }
    }
}

/// Runs axe-core's WCAG 2.1 A and AA rules on the current page; panics listing every
/// violation (rule, impact, help, each node's selector and what fails).
pub async fn axe_check(c: &Client, axe: &Option<String>, page: &str) {
    let Some(src) = axe else { return };
    c.execute(src, vec![]).await.expect("axe-core loads");
    let out = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
               .then(r => done({passes: r.passes.length, violations: r.violations.map(v => `${v.id} (${v.impact}): ${v.help}\\n` +
                   v.nodes.map(n => `    at ${n.target.join(' ')}: ${(n.failureSummary || '').replace(/\\n/g, ' ')}`).join('\\n'))}))
               .catch(e => done({passes: 0, violations: ['axe failed: ' + e]}));",
            vec![],
        )
        .await
        .expect("axe.run");
    let passes = out["passes"].as_u64().unwrap_or(0);
    let violations: Vec<String> = out["violations"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect();
    // A run that checked nothing would pass empty.
    assert!(
        passes >= 10,
        "axe-core checked only {passes} rules on {page}"
    );
    eprintln!(
        "axe-core on {page}: {passes} rules pass, {} violated",
        violations.len()
    );
    assert!(
        violations.is_empty(),
        "axe-core WCAG 2.1 AA violations on {page} ({}):\n{}",
        c.current_url().await.unwrap(),
        violations.join("\n")
    );
}
