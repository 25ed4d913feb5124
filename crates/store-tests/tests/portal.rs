//! The public portal's store (issue 14 items 4-5): who writes articles and moderates, what
//! the public reads and when, feedback limits, view counting, the public mark of a
//! document, and the audit of every write. Every case runs on SQLite and, when
//! `RESOLUTE_TEST_POSTGRES` is set, on PostgreSQL.

use domain::portal::{ArticleState, ArticleStatus, FeedbackState, Moderation};
use domain::{AccessRole, Principal};
use store::*;
use store_tests::programs::resolution;
use store_tests::*;
use time::{Duration, OffsetDateTime};

store_tests::suite!(
    editors_write_within_their_unit_and_the_public_reads_what_is_due,
    feedback_is_limited_moderated_and_private,
    views_count_once_per_key_per_day,
    a_document_marked_public_shows_its_figures,
);

fn text(title: &str, category: &str) -> domain::portal::ArticleText {
    domain::portal::check_article(title, "Sa-pô.", "Nội dung **bài**.", "", category).unwrap()
}

fn at(min: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_780_000_000).unwrap() + Duration::minutes(min)
}

fn anon() -> Principal {
    Principal::anonymous()
}

async fn editors_write_within_their_unit_and_the_public_reads_what_is_due(s: &dyn Store) {
    let t = tree(s).await;
    let editor = principal(s, AccessRole::Editor, t.d1.id).await;
    let other = principal(s, AccessRole::Editor, t.d2.id).await;
    let member = principal(s, AccessRole::Member, t.d1.id).await;
    let office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let audit0 = audit_count(s).await;

    // Only editors (and the office) of the unit write; others do not see the desk.
    is_not_found(s.create_article(&other, t.d1.id, text("X", "Tin")).await);
    is_not_found(s.create_article(&member, t.d1.id, text("X", "Tin")).await);
    is_not_found(s.portal_desk(&member, t.d1.id).await);
    let a = s
        .create_article(&editor, t.d1.id, text("Tin thứ nhất", "Xây dựng Đảng"))
        .await
        .unwrap();
    assert_eq!(a.state, ArticleState::Draft);
    let b = s
        .create_article(&office, t.d1.id, text("Tin thứ hai", "Kinh tế"))
        .await
        .unwrap();
    // The editor reads nothing else of the unit.
    is_not_found(s.org_get(&editor, t.d1.id).await);
    is_not_found(s.article_for_edit(&other, a.id).await);

    // A draft is not public; published at 10 it is, from 10 on; scheduled at 30 from 30.
    is_not_found(s.public_article(&anon(), a.id, at(0)).await);
    let p = s
        .publish_article(&editor, a.id, None, at(10))
        .await
        .unwrap();
    assert_eq!(p.status(at(10)), ArticleStatus::Published);
    let p = s
        .publish_article(&editor, b.id, Some(at(30)), at(11))
        .await
        .unwrap();
    assert_eq!(p.status(at(11)), ArticleStatus::Scheduled);
    assert!(s.public_article(&anon(), a.id, at(12)).await.is_ok());
    is_not_found(s.public_article(&anon(), b.id, at(12)).await);
    let home = s.portal_home(&anon(), t.d1.id, None, at(12)).await.unwrap();
    assert_eq!(home.articles.len(), 1);
    assert_eq!(home.lists.next_change, Some(at(30)));
    assert_eq!(home.lists.categories, vec![("Xây dựng Đảng".to_owned(), 1)]);
    let home = s.portal_home(&anon(), t.d1.id, None, at(31)).await.unwrap();
    assert_eq!(home.articles[0].id, b.id, "newest first");
    assert_eq!(home.lists.next_change, None);
    let home = s
        .portal_home(&anon(), t.d1.id, Some("kinh-te"), at(31))
        .await
        .unwrap();
    assert_eq!(home.articles.len(), 1);
    // The article's page: the other article is among "other news"; no related one.
    let page = s.public_article(&anon(), b.id, at(31)).await.unwrap();
    assert_eq!(page.others.len(), 1);
    assert!(page.related.is_empty());
    assert_eq!(page.lists.latest.len(), 2);
    // Another unit's portal holds none of it.
    let home = s.portal_home(&anon(), t.d2.id, None, at(31)).await.unwrap();
    assert!(home.articles.is_empty());

    // Edit, unpublish (twice is a conflict), and the feed.
    let e = s
        .edit_article(&editor, a.id, text("Tin thứ nhất (sửa)", "Xây dựng Đảng"))
        .await
        .unwrap();
    assert_eq!(e.title, "Tin thứ nhất (sửa)");
    s.unpublish_article(&editor, b.id).await.unwrap();
    assert_eq!(
        conflict_code(s.unpublish_article(&editor, b.id).await),
        "article_not_published"
    );
    is_not_found(s.public_article(&anon(), b.id, at(40)).await);
    let (name, feed) = s.portal_feed(&anon(), t.d1.id, at(40), 10).await.unwrap();
    assert_eq!(name, "Huyện ủy Lục Nam");
    assert_eq!(feed.len(), 1);

    // Images: only pictures.
    let pdf = EvidenceMeta {
        key: domain::ContentKey::parse(&"a".repeat(64)).unwrap(),
        kind: domain::EvidenceType::Pdf,
        size: 10,
        original_name: "a.pdf".into(),
    };
    assert_eq!(
        invalid_code(s.add_article_image(&editor, a.id, pdf.clone()).await),
        ("file", "not_an_image")
    );
    let png = EvidenceMeta {
        kind: domain::EvidenceType::Png,
        original_name: "anh.png".into(),
        ..pdf
    };
    let img = s.add_article_image(&editor, a.id, png).await.unwrap();
    assert!(s.portal_image(&anon(), img.id, at(40)).await.is_ok());
    s.unpublish_article(&editor, a.id).await.unwrap();
    is_not_found(s.portal_image(&anon(), img.id, at(40)).await);
    assert!(s.portal_image(&editor, img.id, at(40)).await.is_ok());

    // Every write was audited (refusals write nothing): 2 creates, 2 publishes, 1 edit,
    // 2 unpublishes, 1 image.
    assert_eq!(audit_count(s).await - audit0, 8);
}

async fn feedback_is_limited_moderated_and_private(s: &dyn Store) {
    let t = tree(s).await;
    let editor = principal(s, AccessRole::Editor, t.d1.id).await;
    let other = principal(s, AccessRole::Editor, t.d2.id).await;
    let a = s
        .create_article(&editor, t.d1.id, text("Tin", "Tin tức"))
        .await
        .unwrap();
    let visitor = anon();
    let send = |body: &str, ip: &str, when: i64| {
        let new = NewFeedback {
            text: domain::portal::check_feedback("Bạn đọc", "0912345678", body).unwrap(),
            address_key: domain::portal::address_key(ip),
        };
        s.send_feedback(&visitor, a.id, new, at(when))
    };
    // Not on a draft.
    is_not_found(send("Ý kiến", "1.1.1.1", 0).await);
    s.publish_article(&editor, a.id, None, at(0)).await.unwrap();
    let f1 = send("Ý kiến thứ nhất", "1.1.1.1", 1).await.unwrap();
    assert_eq!(f1.state, FeedbackState::Waiting);
    // The same text again, from anywhere: a repeat.
    assert_eq!(
        conflict_code(send("Ý KIẾN thứ nhất!", "2.2.2.2", 2).await),
        "feedback_repeat"
    );
    send("Ý kiến thứ hai", "1.1.1.1", 3).await.unwrap();
    // A third on the same article from the same address: refused.
    assert_eq!(
        conflict_code(send("Ý kiến thứ ba", "1.1.1.1", 4).await),
        "feedback_flood"
    );
    // A day later the address may write again.
    send("Ý kiến ngày hôm sau", "1.1.1.1", 24 * 60 + 5)
        .await
        .unwrap();

    // Waiting feedback is not public; published is, without its contact.
    let page = s.public_article(&anon(), a.id, at(5)).await.unwrap();
    assert!(page.feedback.is_empty());
    is_not_found(
        s.moderate_feedback(&other, f1.id, Moderation::Publish)
            .await,
    );
    is_not_found(s.feedback_for_edit(&other, f1.id).await);
    let m = s
        .moderate_feedback(&editor, f1.id, Moderation::Publish)
        .await
        .unwrap();
    assert_eq!(m.state, FeedbackState::Published);
    assert_eq!(m.contact.as_deref(), Some("0912345678"));
    let page = s.public_article(&anon(), a.id, at(5)).await.unwrap();
    assert_eq!(page.feedback.len(), 1);
    let answered = s
        .moderate_feedback(
            &editor,
            f1.id,
            Moderation::Answer {
                answer: "Cảm ơn bạn.".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(answered.answer.as_deref(), Some("Cảm ơn bạn."));
    assert_eq!(
        conflict_code(
            s.moderate_feedback(&editor, f1.id, Moderation::Publish)
                .await
        ),
        "feedback_answered"
    );
    assert_eq!(
        invalid_code(
            s.moderate_feedback(&editor, f1.id, Moderation::Hide { reason: "".into() })
                .await
        ),
        ("reason", "required")
    );
    let hidden = s
        .moderate_feedback(
            &editor,
            f1.id,
            Moderation::Hide {
                reason: "Không liên quan".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(hidden.hide_reason.as_deref(), Some("Không liên quan"));
    let page = s.public_article(&anon(), a.id, at(5)).await.unwrap();
    assert!(page.feedback.is_empty());
    let waiting = s
        .feedback_list(&editor, t.d1.id, Some(FeedbackState::Waiting))
        .await
        .unwrap();
    assert_eq!(waiting.len(), 2);
    assert_eq!(
        s.feedback_list(&editor, t.d1.id, None).await.unwrap().len(),
        3
    );
    is_not_found(s.feedback_list(&other, t.d1.id, None).await);
    assert_eq!(
        s.portal_desk(&editor, t.d1.id)
            .await
            .unwrap()
            .feedback_waiting,
        2
    );
}

async fn views_count_once_per_key_per_day(s: &dyn Store) {
    let t = tree(s).await;
    let editor = principal(s, AccessRole::Editor, t.d1.id).await;
    let a = s
        .create_article(&editor, t.d1.id, text("Tin", "Tin tức"))
        .await
        .unwrap();
    let b = s
        .create_article(&editor, t.d1.id, text("Tin khác", "Tin tức"))
        .await
        .unwrap();
    s.publish_article(&editor, a.id, None, OffsetDateTime::now_utc())
        .await
        .unwrap();
    s.publish_article(&editor, b.id, None, OffsetDateTime::now_utc())
        .await
        .unwrap();
    let day = d(2026, 12, 3);
    let key = |ip: &str, id: i64| ViewKey {
        article_id: id,
        key: domain::portal::view_key(day, ip, "Mozilla", id),
    };
    let added = s
        .count_views(
            vec![
                key("1.1.1.1", a.id),
                key("1.1.1.1", a.id),
                key("2.2.2.2", a.id),
                key("1.1.1.1", b.id),
            ],
            day,
        )
        .await
        .unwrap();
    assert_eq!(added, 3);
    assert_eq!(
        s.count_views(vec![key("1.1.1.1", a.id)], day)
            .await
            .unwrap(),
        0
    );
    // The next day counts again, and yesterday's keys are gone.
    let next = day.next_day().unwrap();
    assert_eq!(
        s.count_views(vec![key("1.1.1.1", a.id)], next)
            .await
            .unwrap(),
        1
    );
    let (art, _) = s.article_for_edit(&editor, a.id).await.unwrap();
    assert_eq!(art.view_count, 3);
    let home = s
        .portal_home(&anon(), t.d1.id, None, OffsetDateTime::now_utc())
        .await
        .unwrap();
    assert_eq!(home.lists.most_read[0].id, a.id, "most read first");
    let counts = s.table_counts().await.unwrap();
    assert_eq!(counts["portal_view_keys"], 1, "only today's keys are kept");
}

async fn a_document_marked_public_shows_its_figures(s: &dyn Store) {
    let t = tree(s).await;
    let office = principal(s, AccessRole::OfficeStaff, t.d1.id).await;
    let editor = principal(s, AccessRole::Editor, t.d1.id).await;
    let doc = s
        .register_document(&sys(), resolution(t.d1.id, "05-NQ/HU"))
        .await
        .unwrap();
    is_not_found(s.public_document(&anon(), doc.id, d(2025, 6, 1)).await);
    // The office marks it; an editor may not (no read of the unit's documents).
    is_not_found(
        s.set_document_public(&editor, doc.id, Some("Tóm tắt".into()))
            .await,
    );
    assert_eq!(
        invalid_code(
            s.set_document_public(&office, doc.id, Some(" ".into()))
                .await
        ),
        ("summary", "required")
    );
    s.set_document_public(&office, doc.id, Some("Tóm tắt công khai.".into()))
        .await
        .unwrap();
    let pd = s
        .public_document(&anon(), doc.id, d(2025, 6, 1))
        .await
        .unwrap();
    assert_eq!(pd.summary, "Tóm tắt công khai.");
    assert_eq!(pd.document.symbol, "05-NQ/HU");
    let home = s
        .portal_home(&anon(), t.d1.id, None, OffsetDateTime::now_utc())
        .await
        .unwrap();
    assert_eq!(home.public_documents.len(), 1);
    s.set_document_public(&office, doc.id, None).await.unwrap();
    is_not_found(s.public_document(&anon(), doc.id, d(2025, 6, 1)).await);
    let desk = s.portal_desk(&office, t.d1.id).await.unwrap();
    assert!(desk.public_documents.is_empty());
}
