//! The public portal (issue 14 items 4-5): a visitor without an account reads a unit's news,
//! sends feedback through a form with its own CSRF token, is refused when flooding (and
//! nobody else slows down); views count once per visitor per day; an editor writes,
//! schedules, publishes, unpublishes and moderates; the office marks a document public;
//! the pages are served from a cache that every write clears.

use std::time::{Duration, Instant};

use domain::portal::ArticleText;
use domain::{AccessRole, OrgId, Principal};
use serde_json::Value;
use store::{NewGrant, NewUser};

use crate::helpers::{
    Browser, PASSWORD, ProgramRecords, TestApp, hidden_csrf, spawn_app, spawn_app_with,
};

/// A tiny PNG (1×1).
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

pub const ARTICLE_TITLE: &str = "Đưa nghị quyết vào cuộc sống ở Huyện Lục Nam";
pub const DRAFT_TITLE: &str = "Bản nháp chưa đăng của ban biên tập";

/// District A's portal records.
pub struct PortalRecords {
    /// A published article of district A.
    pub article: i64,
    /// A draft of district A.
    pub draft: i64,
    /// An image of the published article.
    pub image: i64,
    /// A waiting feedback on the published article.
    pub feedback: i64,
}

fn text(title: &str, category: &str) -> ArticleText {
    domain::portal::check_article(
        title,
        "Sa-pô của bài viết về việc thực hiện nghị quyết.",
        "Đoạn thứ nhất.\n\nĐoạn thứ hai với **chữ đậm**.",
        "Phóng viên",
        category,
    )
    .expect("article")
}

impl TestApp {
    /// Portal editors of each district (`editor.a`, `editor.b`), and district A's article
    /// (published, with an image and a waiting feedback) and a draft (all as the system).
    pub async fn seed_portal(&self) -> PortalRecords {
        let sys = Principal::system();
        let s = self.store.as_ref();
        let hash = web::password::hash(PASSWORD).expect("hash");
        for (name, org) in [("editor.a", self.district_a), ("editor.b", self.district_b)] {
            let u = s
                .user_create(
                    &sys,
                    NewUser {
                        username: name.into(),
                        display_name: format!("Biên tập viên {name}"),
                        password_hash: hash.clone(),
                        member_id: None,
                    },
                )
                .await
                .expect("editor");
            s.grant_add(
                &sys,
                NewGrant {
                    user_id: u.id,
                    role: AccessRole::Editor,
                    org_id: org,
                },
            )
            .await
            .expect("grant");
        }
        let now = time::OffsetDateTime::now_utc();
        let a = s
            .create_article(&sys, self.district_a, text(ARTICLE_TITLE, "Xây dựng Đảng"))
            .await
            .expect("article");
        let file = services::CheckedFile::check("anh-hoi-nghi.png", PNG.to_vec()).expect("png");
        let meta = services::BlobStore::new(self.data.path())
            .put_blocking(&file)
            .expect("kept");
        let image = s
            .add_article_image(&sys, a.id, meta)
            .await
            .expect("image")
            .id;
        s.publish_article(&sys, a.id, Some(now - time::Duration::hours(2)), now)
            .await
            .expect("publish");
        let feedback = s
            .send_feedback(
                &Principal::anonymous(),
                a.id,
                store::NewFeedback {
                    text: domain::portal::check_feedback(
                        "Nguyễn Thị Lan",
                        "lan@example.org",
                        "Bài viết rất thiết thực.",
                    )
                    .unwrap(),
                    address_key: domain::portal::address_key("192.0.2.1"),
                },
                now,
            )
            .await
            .expect("feedback")
            .id;
        let draft = s
            .create_article(&sys, self.district_a, text(DRAFT_TITLE, "Xây dựng Đảng"))
            .await
            .expect("draft")
            .id;
        PortalRecords {
            article: a.id,
            draft,
            image,
            feedback,
        }
    }
}

/// The feedback form's token in an article page.
fn form_token(html: &str) -> String {
    let form = html.find("/feedback#phan-hoi").expect("the feedback form");
    hidden_csrf(&html[form..])
}

/// Sends feedback as a visitor: opens the article (for the form and its cookie), posts.
async fn send_feedback(b: &Browser, article: i64, name: &str, body: &str) -> reqwest::Response {
    let page = b
        .get(&format!("/news/{article}"))
        .await
        .text()
        .await
        .unwrap();
    let token = form_token(&page);
    b.client
        .post(b.url(&format!("/news/{article}/feedback")))
        .form(&[
            ("csrf", token.as_str()),
            ("name", name),
            ("contact", ""),
            ("body", body),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_visitor_reads_sends_feedback_and_an_editor_publishes_it() {
    let app = spawn_app().await;
    let pr = app.seed_portal().await;
    let visitor = app.browser();

    let home = visitor.get(&format!("/portal/{}", app.district_a)).await;
    assert_eq!(home.status(), 200);
    let html = home.text().await.unwrap();
    assert!(html.contains(ARTICLE_TITLE), "{html}");
    assert!(!html.contains(DRAFT_TITLE));
    for list in [
        "Mới nhất",
        "Xem nhiều nhất",
        "Chuyên mục",
        "action=\"/search\"",
    ] {
        assert!(html.contains(list), "{list}");
    }

    let res = visitor.get(&format!("/news/{}", pr.article)).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers().get("set-cookie").is_some(),
        "the form's cookie"
    );
    let html = res.text().await.unwrap();
    assert!(html.contains("<strong>chữ đậm</strong>"), "{html}");
    assert!(html.contains("Phản hồi"));
    // The waiting feedback and its contact are not public.
    assert!(!html.contains("Bài viết rất thiết thực"));
    assert!(!html.contains("lan@example.org"));

    let res = send_feedback(
        &visitor,
        pr.article,
        "Trần Văn Hải",
        "Đề nghị đăng thêm kết quả của các xã.",
    )
    .await;
    assert_eq!(res.status(), 303);
    let thanks = visitor
        .get(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .split('#')
                .next()
                .unwrap(),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(thanks.contains("đang chờ biên tập viên duyệt"), "{thanks}");
    assert!(!thanks.contains("Đề nghị đăng thêm"));

    // The editor of district A publishes it; the page (kept in the cache) shows it at once.
    let editor = app.signed_in("editor.a").await;
    let queue = editor
        .get(&format!(
            "/orgs/{}/portal/feedback?state=waiting",
            app.district_a
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(queue.contains("Đề nghị đăng thêm"), "{queue}");
    assert!(queue.contains("lan@example.org"), "editors see the contact");
    let list: Value = editor
        .get(&format!(
            "/api/orgs/{}/portal/feedback?state=waiting",
            app.district_a
        ))
        .await
        .json()
        .await
        .unwrap();
    let new_id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Trần Văn Hải")
        .expect("the new feedback")["id"]
        .as_i64()
        .unwrap();
    let res = editor
        .post(
            &format!("/feedback/{new_id}/moderate"),
            &[
                ("action", "answer"),
                ("answer", "Cảm ơn bạn, Ban biên tập sẽ bổ sung."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = visitor
        .get(&format!("/news/{}", pr.article))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Đề nghị đăng thêm kết quả của các xã."),
        "{html}"
    );
    assert!(html.contains("Ban biên tập sẽ bổ sung"));
    // Hidden with a reason: gone from the page; the reason is required.
    let res = editor
        .post(
            &format!("/feedback/{new_id}/moderate"),
            &[("action", "hide"), ("reason", "")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = editor
        .post(
            &format!("/feedback/{new_id}/moderate"),
            &[("action", "hide"), ("reason", "Trùng nội dung")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = visitor
        .get(&format!("/news/{}", pr.article))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("Đề nghị đăng thêm"));
    // Every step is in the audit log.
    let audit = app
        .store
        .audit_list(
            &Principal::system(),
            store::AuditFilter {
                org: None,
                entity: Some("portal_feedback".into()),
                before_id: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert!(audit.iter().filter(|e| e.action == "moderate").count() >= 2);
}

#[tokio::test]
async fn drafts_scheduled_and_unpublished_articles_are_not_public() {
    let app = spawn_app().await;
    let pr = app.seed_portal().await;
    let visitor = app.browser();
    assert_eq!(
        visitor.get(&format!("/news/{}", pr.draft)).await.status(),
        404
    );
    let editor = app.signed_in("editor.a").await;
    // Scheduled for tomorrow: still not public.
    let tomorrow = domain::validate::format_date(forms_today().next_day().unwrap());
    let res = editor
        .post(
            &format!("/news/{}/publish", pr.draft),
            &[
                ("publish_date", tomorrow.as_str()),
                ("publish_time", "07:30"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("done=scheduled")
    );
    assert_eq!(
        visitor.get(&format!("/news/{}", pr.draft)).await.status(),
        404
    );
    let desk = editor
        .get(&format!("/orgs/{}/portal", app.district_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(desk.contains("Hẹn giờ đăng"), "{desk}");
    // Published now: public at once (the cache was cleared).
    let res = editor
        .post(&format!("/news/{}/publish", pr.draft), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        visitor.get(&format!("/news/{}", pr.draft)).await.status(),
        200
    );
    let home = visitor
        .get(&format!("/portal/{}", app.district_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(home.contains(DRAFT_TITLE));
    // Unpublished: gone, from the home too; its image with it.
    let res = editor
        .post(&format!("/news/{}/unpublish", pr.article), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        visitor.get(&format!("/news/{}", pr.article)).await.status(),
        404
    );
    assert_eq!(
        visitor
            .get(&format!("/news-images/{}", pr.image))
            .await
            .status(),
        404
    );
    assert_eq!(
        editor
            .get(&format!("/news-images/{}", pr.image))
            .await
            .status(),
        200
    );
    let home = visitor
        .get(&format!("/portal/{}", app.district_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(!home.contains(ARTICLE_TITLE));
    // Unpublishing twice is refused with a message.
    let res = editor
        .post(&format!("/news/{}/unpublish", pr.article), &[])
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("chưa được đăng"));
}

fn forms_today() -> time::Date {
    domain::tz::local_date(time::OffsetDateTime::now_utc())
}

#[tokio::test]
async fn an_editor_writes_an_article_with_an_image() {
    let app = spawn_app().await;
    app.seed_portal().await;
    let editor = app.signed_in("editor.a").await;
    // The editor's home is the desk; the rest of the district is not theirs to read.
    let res = editor.get("/").await;
    assert_eq!(
        res.headers()["location"],
        format!("/orgs/{}/portal", app.district_a).as_str()
    );
    assert_eq!(
        editor
            .get(&format!("/orgs/{}", app.district_a))
            .await
            .status(),
        404
    );
    let res = editor
        .post(
            &format!("/orgs/{}/portal/articles/new", app.district_a),
            &[("title", "")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Lỗi:"), "{html}");
    let res = editor
        .post(
            &format!("/orgs/{}/portal/articles/new", app.district_a),
            &[
                ("title", "Hội nghị sơ kết 5 năm"),
                ("lead", "Sáng nay, Huyện ủy tổ chức hội nghị."),
                ("category", "Xây dựng Đảng"),
                ("author", "Minh Anh"),
                ("body_md", "Nội dung <script>alert(1)</script> hội nghị."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let manage = res.headers()["location"].to_str().unwrap().to_owned();
    let id: i64 = manage
        .trim_start_matches("/news/")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let html = editor.get(&manage).await.text().await.unwrap();
    assert!(!html.contains("<script>alert"), "sanitized");
    // An image upload (multipart), then a text that is not an image is refused.
    let (ct, body) =
        crate::helpers::multipart(&[("csrf", editor.csrf.as_str())], Some(("anh.png", PNG)));
    let res = editor
        .client
        .post(editor.url(&format!("/news/{id}/images")))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (ct, body) = crate::helpers::multipart(
        &[("csrf", editor.csrf.as_str())],
        Some(("a.pdf", crate::helpers::SMALL_PDF)),
    );
    let res = editor
        .client
        .post(editor.url(&format!("/news/{id}/images")))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Chỉ nhận tệp ảnh"));
    let html = editor.get(&manage).await.text().await.unwrap();
    let snippet_at = html.find("(/news-images/").expect("the image's Markdown");
    let img: String = html[snippet_at + 14..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let res = editor
        .post(
            &format!("/news/{id}/edit"),
            &[
                ("title", "Hội nghị sơ kết 5 năm"),
                ("lead", "Sáng nay, Huyện ủy tổ chức hội nghị."),
                ("category", "Xây dựng Đảng"),
                ("author", "Minh Anh"),
                (
                    "body_md",
                    &format!("Nội dung.\n\n![Quang cảnh hội nghị](/news-images/{img})"),
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = editor.post(&format!("/news/{id}/publish"), &[]).await;
    assert_eq!(res.status(), 303);
    let visitor = app.browser();
    let html = visitor
        .get(&format!("/news/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!(
            "<img src=\"/news-images/{img}\" alt=\"Quang cảnh hội nghị\""
        )),
        "{html}"
    );
    let res = visitor.get(&format!("/news-images/{img}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    // The editor of district B reaches none of it.
    let other = app.signed_in("editor.b").await;
    assert_eq!(other.get(&manage).await.status(), 404);
    assert_eq!(
        other
            .post(&format!("/news/{id}/unpublish"), &[])
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn feedback_needs_its_form_token_and_is_checked() {
    let app = spawn_app().await;
    let pr = app.seed_portal().await;
    let visitor = app.browser();
    // No token, or a token without its cookie: refused.
    let res = visitor
        .client
        .post(visitor.url(&format!("/news/{}/feedback", pr.article)))
        .form(&[("name", "A"), ("body", "Nội dung")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let page = visitor
        .get(&format!("/news/{}", pr.article))
        .await
        .text()
        .await
        .unwrap();
    let token = form_token(&page);
    let stranger = app.browser();
    let res = stranger
        .client
        .post(stranger.url(&format!("/news/{}/feedback", pr.article)))
        .form(&[
            ("csrf", token.as_str()),
            ("name", "A"),
            ("body", "Nội dung"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Links, size and repeats.
    let res = send_feedback(
        &visitor,
        pr.article,
        "A",
        "Xem thêm tại https://spam.example",
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("không được chứa đường dẫn"), "{html}");
    assert!(html.contains("Lỗi:"));
    let long = "a".repeat(2001);
    let res = send_feedback(&visitor, pr.article, "A", &long).await;
    assert_eq!(res.status(), 422);
    let res = send_feedback(&visitor, pr.article, "A", "Bài viết rất thiết thực!").await;
    assert_eq!(res.status(), 422, "the seeded feedback's text again");
    assert!(res.text().await.unwrap().contains("đã được gửi trước đó"));
    // A missing article is a 404, as for any record.
    let res = send_feedback(&visitor, pr.article, "A", "Một ý kiến").await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        visitor
            .client
            .post(visitor.url("/news/999999/feedback"))
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn a_flood_from_one_address_is_refused_and_nothing_else_slows_down() {
    let app = spawn_app_with(|c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let pr = app.seed_portal().await;
    let flooder = app.browser();
    let page = flooder
        .get(&format!("/news/{}", pr.article))
        .await
        .text()
        .await
        .unwrap();
    let token = form_token(&page);
    let post = |b: &Browser, ip: &'static str, body: String| {
        let req = b
            .client
            .post(b.url(&format!("/news/{}/feedback", pr.article)))
            .header("x-forwarded-for", ip)
            .form(&[
                ("csrf", token.clone()),
                ("name", "Khách".into()),
                ("body", body),
            ]);
        async move { req.send().await.unwrap() }
    };
    let mut statuses = Vec::new();
    let mut last = String::new();
    for i in 0..30 {
        let res = post(
            &flooder,
            "203.0.113.9",
            format!("Ý kiến số {i} về bài viết"),
        )
        .await;
        statuses.push(res.status().as_u16());
        last = res.text().await.unwrap();
    }
    // Two on this article (the per-article limit of one address), then refused.
    assert_eq!(&statuses[..2], &[303, 303], "{statuses:?}");
    assert!(statuses[2..].iter().all(|s| *s == 429), "{statuses:?}");
    assert!(
        last.contains("Bạn đã gửi quá nhiều phản hồi trong thời gian ngắn"),
        "{last}"
    );
    // Another reader, from another address, is served at once.
    let start = Instant::now();
    let res = post(
        &flooder,
        "198.51.100.7",
        "Tôi đồng tình với bài viết".into(),
    )
    .await;
    assert_eq!(res.status(), 303);
    let page = app.browser().get(&format!("/news/{}", pr.article)).await;
    assert_eq!(page.status(), 200);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // Only the accepted ones were kept: the seeded one, two of the flood and the other.
    let waiting = app
        .store
        .feedback_list(
            &Principal::system(),
            app.district_a,
            Some(domain::portal::FeedbackState::Waiting),
        )
        .await
        .unwrap();
    assert_eq!(waiting.len(), 4);
}

async fn views_of(app: &TestApp, id: i64) -> i64 {
    let (a, _) = app
        .store
        .article_for_edit(&Principal::system(), id)
        .await
        .unwrap();
    a.view_count
}

/// Waits until the article's count reaches `n` (views are written about a second later).
async fn wait_views(app: &TestApp, id: i64, n: i64) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let v = views_of(app, id).await;
        if v >= n || Instant::now() > deadline {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn views_count_once_per_visitor_per_day_and_never_for_robots() {
    let app = spawn_app().await;
    let pr = app.seed_portal().await;
    let v = app.browser();
    let get = |ua: &'static str, head: bool| {
        let url = v.url(&format!("/news/{}", pr.article));
        let req = if head {
            v.client.head(url)
        } else {
            v.client.get(url)
        };
        let req = req.header("user-agent", ua);
        async move { req.send().await.unwrap().status() }
    };
    const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148";
    const DESKTOP: &str = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0";
    for _ in 0..5 {
        assert_eq!(get(PHONE, false).await, 200);
    }
    assert_eq!(
        get("Mozilla/5.0 (compatible; Googlebot/2.1)", false).await,
        200
    );
    assert_eq!(get(DESKTOP, true).await, 200);
    let prefetch = v
        .client
        .get(v.url(&format!("/news/{}", pr.article)))
        .header("user-agent", DESKTOP)
        .header("sec-purpose", "prefetch")
        .send()
        .await
        .unwrap();
    assert_eq!(prefetch.status(), 200);
    assert_eq!(wait_views(&app, pr.article, 1).await, 1);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        views_of(&app, pr.article).await,
        1,
        "reloads, robots, HEAD and prefetch"
    );
    assert_eq!(get(DESKTOP, false).await, 200);
    assert_eq!(wait_views(&app, pr.article, 2).await, 2);
    // The store dedupes as well (a second server, a restart).
    let day = domain::tz::local_date(time::OffsetDateTime::now_utc());
    let key = domain::portal::view_key(day, "127.0.0.1", PHONE, pr.article);
    let added = app
        .store
        .count_views(
            vec![store::ViewKey {
                article_id: pr.article,
                key,
            }],
            day,
        )
        .await
        .unwrap();
    assert_eq!(added, 0);
}

#[tokio::test]
async fn the_atom_feed_and_the_json_api() {
    let app = spawn_app().await;
    let pr = app.seed_portal().await;
    let visitor = app.browser();
    let res = visitor
        .get(&format!("/portal/{}/feed.atom", app.district_a))
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    let xml = res.text().await.unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains(&format!("<title>{ARTICLE_TITLE}</title>")),
        "{xml}"
    );
    assert!(xml.contains(&format!("urn:resolute:article:{}", pr.article)));
    assert!(!xml.contains(DRAFT_TITLE));
    assert!(
        xml.contains("&#60;strong&#62;") || xml.contains("&lt;strong&gt;"),
        "HTML content escaped: {xml}"
    );

    // Public reads without an account.
    let home: Value = visitor
        .get(&format!("/api/portal/{}", app.district_a))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(home["articles"][0]["title"], ARTICLE_TITLE);
    assert_eq!(home["categories"][0]["slug"], "xay-dung-dang");
    let a: Value = visitor
        .get(&format!("/api/news/{}", pr.article))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["category"], "Xây dựng Đảng");
    assert!(a["body_html"].as_str().unwrap().contains("<strong>"));
    assert_eq!(
        visitor
            .get(&format!("/api/news/{}", pr.draft))
            .await
            .status(),
        404
    );
    // Writes need an editor.
    let res = visitor
        .client
        .post(visitor.url(&format!("/api/news/{}/publish", pr.draft)))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let editor = app.signed_in("editor.a").await;
    let res = editor
        .client
        .post(editor.url(&format!("/api/orgs/{}/portal/articles", app.district_a)))
        .header("x-csrf-token", &editor.csrf)
        .json(&serde_json::json!({"title": "Tin qua API", "lead": "Sa-pô", "body_md": "Nội dung", "category": "Tin tức"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["status"], "draft");
    let later = (time::OffsetDateTime::now_utc() + time::Duration::days(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let res = editor
        .client
        .post(editor.url(&format!("/api/news/{}/publish", created["id"])))
        .header("x-csrf-token", &editor.csrf)
        .json(&serde_json::json!({"publish_at": later}))
        .send()
        .await
        .unwrap();
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["status"], "scheduled", "{v}");
    let res = editor
        .client
        .post(editor.url(&format!("/api/feedback/{}/moderate", pr.feedback)))
        .header("x-csrf-token", &editor.csrf)
        .json(&serde_json::json!({"action": "publish"}))
        .send()
        .await
        .unwrap();
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["state"], "published", "{v}");
    let a: Value = visitor
        .get(&format!("/api/news/{}", pr.article))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["feedback"][0]["name"], "Nguyễn Thị Lan");
    assert!(
        a["feedback"][0].get("contact").is_none(),
        "contact is private"
    );
}

#[tokio::test]
async fn the_office_marks_a_resolution_public_with_its_figures() {
    let app = spawn_app().await;
    let records: ProgramRecords = app.seed_programs().await;
    app.seed_portal().await;
    let visitor = app.browser();
    let doc = records.document.0;
    assert_eq!(
        visitor
            .get(&format!("/public-documents/{doc}"))
            .await
            .status(),
        404
    );
    // An editor may not mark documents: that is the office's.
    let editor = app.signed_in("editor.a").await;
    let res = editor
        .post(
            &format!("/documents/{doc}/public"),
            &[("summary", "Tóm tắt")],
        )
        .await;
    assert_eq!(res.status(), 404);
    let office = app.signed_in("office.a").await;
    let desk = office
        .get(&format!("/orgs/{}/portal", app.district_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(desk.contains("05-NQ/HU"), "{desk}");
    let res = office
        .post(&format!("/documents/{doc}/public"), &[("summary", "")])
        .await;
    assert_eq!(res.status(), 422);
    let res = office
        .post(
            &format!("/documents/{doc}/public"),
            &[(
                "summary",
                "Nghị quyết về xây dựng Đảng bộ xã trong sạch, vững mạnh.",
            )],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = visitor
        .get(&format!("/public-documents/{doc}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Kết quả thực hiện"), "{html}");
    assert!(html.contains("Tỷ lệ đảng viên được học tập nghị quyết"));
    let home = visitor
        .get(&format!("/portal/{}", app.district_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(home.contains(&format!("/public-documents/{doc}")));
    let res = office
        .post(&format!("/documents/{doc}/public"), &[("action", "unmark")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        visitor
            .get(&format!("/public-documents/{doc}"))
            .await
            .status(),
        404
    );
    let _ = OrgId(0);
}
