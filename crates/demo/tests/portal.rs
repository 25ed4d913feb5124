//! The demo's portal and consultations (issue 14): the province's news with a dozen public
//! articles (the party-building article among them), feedback in every state, view counts
//! and a public resolution; Lục Nam's program consultation answered in full (members, two
//! experts, the public) and issued; the province's draft open to the public.

use domain::Principal;
use domain::consultation::{Moderation, Phase};
use domain::portal::FeedbackState;
use store::{CommentSource, Store};

fn hash(_: &str) -> String {
    "$argon2id$test".to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_a_news_portal_and_an_answered_consultation() {
    let db = testdb::fresh_store().await;
    let store: &dyn Store = db.store.as_ref();
    let p = Principal::system();
    let anon = Principal::anonymous();
    let accounts = demo::load(store, &demo::Profile::bac_giang(), 7, &hash, &|_, _| {})
        .await
        .expect("demo loads");
    assert!(
        accounts
            .iter()
            .any(|a| a.username == "bientap.tinhuy" && a.role == domain::AccessRole::Editor)
    );
    let root = store.org_by_code(&p, "24").await.unwrap().unwrap();
    let now = time::OffsetDateTime::now_utc();
    let today = now.date();

    // The news: a dozen public articles in several categories, most read counted.
    let home = store.portal_home(&anon, root.id, None, now).await.unwrap();
    assert!(home.articles.len() >= 12, "{}", home.articles.len());
    assert!(home.lists.categories.len() >= 4);
    assert!(home.lists.most_read.first().unwrap().view_count >= 50);
    let party = home
        .articles
        .iter()
        .find(|a| a.title == demo::portal::PARTY_BUILDING_TITLE)
        .expect("the party-building article");
    assert_eq!(party.category, "Xây dựng Đảng");
    assert_eq!(home.public_documents.len(), 1, "05-NQ/TU is public");
    let article = store.public_article(&anon, party.id, now).await.unwrap();
    assert_eq!(article.feedback.len(), 2, "published and answered");
    let all = store.feedback_list(&p, root.id, None).await.unwrap();
    for s in [
        FeedbackState::Waiting,
        FeedbackState::Published,
        FeedbackState::Answered,
        FeedbackState::Hidden,
    ] {
        assert!(all.iter().any(|f| f.state == s), "feedback {s:?}");
    }
    assert!(all.iter().any(|f| f.hide_reason.is_some()));
    let desk = store.portal_desk(&p, root.id).await.unwrap();
    assert_eq!(
        desk.articles.len(),
        home.articles.len() + 2,
        "scheduled, draft"
    );

    // Lục Nam's consultation: every comment answered, the program issued.
    let lucnam = store.org_by_code(&p, "218").await.unwrap().unwrap();
    let list = store
        .unit_consultations(&p, lucnam.id, today)
        .await
        .unwrap();
    let s = list.first().expect("Lục Nam's consultation");
    assert_eq!(s.phase, Phase::Closed);
    let c = store.consultation(&p, s.id, today).await.unwrap();
    assert!(
        c.finalized(),
        "issued (later revised): {:?}",
        c.program_state
    );
    assert_eq!(c.unanswered, 0);
    assert_eq!(c.experts.len(), 2);
    for src in [
        CommentSource::Member,
        CommentSource::Expert,
        CommentSource::Public,
    ] {
        assert!(c.comments.iter().any(|x| x.source == src), "{src:?}");
    }
    let answered = c.comments.iter().filter(|x| x.answer.is_some()).count();
    assert!(answered >= 9, "{answered}");
    assert!(
        c.comments
            .iter()
            .any(|x| x.moderation == Moderation::Rejected)
    );
    // The province's draft is open to the public and listed for the portal.
    let open = store
        .open_public_consultations(root.id, today)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].phase, Phase::Open);
}
