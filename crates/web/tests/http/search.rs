//! Full-text search over HTTP (docs/SEARCH.md): each account finds what it may see and
//! nothing else, with or without diacritics, with facets, highlighted passages and pages;
//! a write is in the index within a short bound, without anyone searching.

use std::time::{Duration, Instant};

use domain::{DocumentNumber, DocumentType, Principal, ProgramKind, TaskDraft, Term};
use serde_json::Value;
use time::macros::date;

use crate::helpers::{A_NAMES, TestApp, spawn_app};

/// District B registers a plan of its own about the same subject as district A's task.
async fn district_b_plan(app: &TestApp) -> domain::DocumentId {
    app.store
        .register_document(
            &Principal::system(),
            store::NewDocument {
                issuer_org_id: app.district_b,
                doc_type: DocumentType::Plan,
                number: DocumentNumber::parse_for("number", DocumentType::Plan, "12-KH/HU")
                    .expect("number"),
                term: Term::parse("term", "2020–2025").expect("term"),
                issued_on: date!(2025 - 02 - 10),
                title: "Kế hoạch số hoá hồ sơ đảng viên huyện Yên Thế".into(),
                body_md: "Các chi bộ **số hoá** hồ sơ đảng viên trước quý IV.".into(),
                parent_document_id: None,
            },
        )
        .await
        .expect("plan")
        .id
}

async fn api(b: &crate::helpers::Browser, query: &str) -> Value {
    let res = b.get(&format!("/api/search?{query}")).await;
    assert_eq!(res.status(), 200, "{query}");
    res.json().await.unwrap()
}

fn hits(v: &Value) -> Vec<(String, i64)> {
    v["results"]["hits"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|h| {
                    (
                        h["kind"].as_str().unwrap().to_owned(),
                        h["id"].as_i64().unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn each_account_finds_what_it_may_see_and_nothing_else() {
    let app = spawn_app().await;
    let t = app.seed_issued_task(false).await;
    let plan = district_b_plan(&app).await;
    let office_a = app.signed_in("office.a").await;
    let office_b = app.signed_in("office.b").await;

    // District A, without diacritics: its commune's task and program, not B's plan.
    let v = api(&office_a, "q=so+hoa+ho+so+dang+vien").await;
    let found = hits(&v);
    assert!(found.contains(&("task".into(), t.task.0)), "{v}");
    assert!(!found.iter().any(|(k, id)| k == "document" && *id == plan.0));
    // The task's title is highlighted as written.
    let task = &v["results"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["kind"] == "task")
        .unwrap();
    assert_eq!(
        task["title_html"],
        "<mark>Số</mark> <mark>hoá</mark> <mark>hồ</mark> <mark>sơ</mark> <mark>đảng</mark> \
         <mark>viên</mark> của Chi bộ thôn Thanh Lâm"
    );
    assert_eq!(task["href"], format!("/tasks/{}", t.task.0));
    assert_eq!(task["unit"], "Đảng bộ xã Bảo Đài");

    // District B: its plan (Markdown as text in the passage), none of A's records or names.
    let v = api(&office_b, "q=so+hoa+ho+so+dang+vien").await;
    assert_eq!(hits(&v), vec![("document".into(), plan.0)], "{v}");
    let passage = v["results"]["hits"][0]["passage_html"].as_str().unwrap();
    assert!(
        passage.contains("<mark>số</mark> <mark>hoá</mark>"),
        "{passage}"
    );
    assert!(!passage.contains("**"), "{passage}");
    for q in [
        "so+hoa",
        "Thanh+L%C3%A2m",
        "nguyen+van+duc",
        "chuyen+doi+so",
    ] {
        let page = office_b
            .get(&format!("/search?q={q}"))
            .await
            .text()
            .await
            .unwrap();
        if let Some(name) = A_NAMES.iter().find(|n| page.contains(*n)) {
            panic!("district B's search for {q} shows {name}");
        }
        let v = api(&office_b, &format!("q={q}")).await;
        assert!(
            hits(&v)
                .iter()
                .all(|(k, id)| k == "document" && *id == plan.0),
            "{q}: {v}"
        );
    }
    // A member of A's cell finds themself by name; B's office does not.
    let v = api(&office_a, "q=Nguy%E1%BB%85n+V%C4%83n+%C4%90%E1%BB%A9c").await;
    assert!(hits(&v).contains(&("member".into(), app.member_a.0)), "{v}");
    // A member without a grant on the task's unit finds the task they answer for.
    let member = app.member_browser("member.a", app.member_a).await;
    let v = api(&member, "q=ho+so+dang+vien").await;
    assert!(hits(&v).contains(&("task".into(), t.task.0)), "{v}");

    // The page: facets as links, the passage marked, Vietnamese.
    let html = office_a
        .get("/search?q=chuyen+doi+so")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Kết quả"), "{html}");
    assert!(html.contains("Loại") && html.contains("Năm") && html.contains("Đơn vị"));
    assert!(
        html.contains("/search?q=chuyen+doi+so&#38;kind=document\"")
            || html.contains("/search?q=chuyen+doi+so&amp;kind=document\""),
        "{html}"
    );
    assert!(html.contains("<mark>chuyển</mark> <mark>đổi</mark> <mark>số</mark>"));
    // Odd input is fine.
    for q in [
        "%22",
        "-",
        "((",
        "title%3A",
        "%25%25_",
        "a&kind=x&year=99999&org=abc&page=-3",
    ] {
        let res = office_a.get(&format!("/search?q={q}")).await;
        assert_eq!(res.status(), 200, "{q}");
    }
    // A unit outside what B sees is ignored, not shown.
    let html = office_b
        .get(&format!("/search?q=so+hoa&org={}", app.district_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("Huyện Lục Nam"));
}

#[tokio::test]
async fn facets_narrow_and_pages_follow() {
    let app = spawn_app().await;
    let t = app.seed_issued_task(false).await;
    let admin = app.signed_in("admin").await;
    let v = api(&admin, "q=chuyen+doi+so").await;
    let kinds: Vec<&str> = v["results"]["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["value"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["document", "program"], "{v}");
    let years: Vec<&str> = v["results"]["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["value"].as_str().unwrap())
        .collect();
    assert!(years.contains(&"2025"), "{v}");
    // The province admin's unit facet goes down to the district that holds them all.
    assert_eq!(v["results"]["units_of"], app.district_a.0, "{v}");
    let v = api(&admin, "q=chuyen+doi+so&kind=program").await;
    assert_eq!(hits(&v), vec![("program".into(), t.program.0)]);
    // The commune's program and the document its issue registered; not the district's
    // resolution above it.
    let v = api(&admin, &format!("q=chuyen+doi+so&org={}", app.grassroots_a)).await;
    let found = hits(&v);
    assert!(found.contains(&("program".into(), t.program.0)), "{v}");
    assert!(
        v["results"]["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["unit_id"] == app.grassroots_a.0),
        "{v}"
    );
    let v = api(&admin, "q=chuyen+doi+so&year=1999").await;
    assert_eq!(v["results"]["total"], 0);

    // 45 tasks: three pages of 20, 20 and 5.
    let s = app.store.as_ref();
    let sys = Principal::system();
    let draft = s
        .create_program_draft(
            &sys,
            store::NewProgram {
                org_id: app.district_a,
                document_id: s
                    .program(&sys, t.program)
                    .await
                    .expect("program")
                    .root_document_id,
                kind: ProgramKind::Plan,
                title: "Kế hoạch phát triển đảng viên".into(),
            },
        )
        .await
        .expect("the district's own plan");
    let tasks = (0..45)
        .map(|i| TaskDraft {
            content: format!("Bồi dưỡng quần chúng ưu tú số {i}"),
            lead_body: None,
            cooperating_bodies: vec![],
            responsible: None,
            deadline: Some(date!(2026 - 06 - 30)),
            expected_output: None,
            upper_target: None,
        })
        .collect();
    s.save_tasks(&sys, draft.id, tasks).await.expect("tasks");
    let mut seen = Vec::new();
    let mut next = Some("q=quan+chung+uu+tu".to_owned());
    while let Some(q) = next {
        let v = api(&admin, &q).await;
        assert_eq!(v["results"]["total"], 45);
        seen.extend(hits(&v));
        next = v["results"]["next"]
            .as_str()
            .map(|n| n.trim_start_matches("/api/search?").to_owned());
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 45);
}

#[tokio::test]
async fn a_write_is_indexed_within_a_short_bound_without_a_search() {
    let app = spawn_app().await;
    let t = app.seed_issued_task(false).await;
    let search = app.state.search.clone().expect("search index");
    let sys = Principal::system();
    let s = app.store.as_ref();
    let root_doc = s
        .program(&sys, t.program)
        .await
        .expect("program")
        .root_document_id;
    let draft = s
        .create_program_draft(
            &sys,
            store::NewProgram {
                org_id: app.grassroots_a,
                document_id: root_doc,
                kind: ProgramKind::Plan,
                title: "Kế hoạch xoá nhà tạm".into(),
            },
        )
        .await;
    let draft = match draft {
        Ok(d) => d,
        Err(e) => panic!("a second draft: {e:?}"),
    };
    let task = |content: &str| TaskDraft {
        content: content.into(),
        lead_body: None,
        cooperating_bodies: vec![],
        responsible: None,
        deadline: Some(date!(2026 - 06 - 30)),
        expected_output: None,
        upper_target: None,
    };
    s.save_tasks(
        &sys,
        draft.id,
        vec![task("Vận động xoá nhà tạm cho hộ nghèo")],
    )
    .await
    .expect("tasks");
    let head = s.search_audit_head(&sys).await.expect("head");
    let start = Instant::now();
    while search.index().watermark().is_none_or(|w| w < head) {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "not indexed within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let took = start.elapsed();
    assert!(took < Duration::from_secs(3), "indexed after {took:?}");
    let office_a = app.signed_in("office.a").await;
    let v = api(&office_a, "q=xoa+nha+tam+ho+ngheo").await;
    let first = hits(&v);
    assert_eq!(first.len(), 1, "{v}");
    assert_eq!(first[0].0, "task");

    // Saving the draft's tasks again gives them new ids: the old ones are gone from
    // the index, the new ones found (the search itself catches up first).
    s.save_tasks(
        &sys,
        draft.id,
        vec![task("Hỗ trợ sửa nhà cho gia đình chính sách")],
    )
    .await
    .expect("tasks again");
    let v = api(&office_a, "q=xoa+nha+tam+ho+ngheo").await;
    assert_eq!(hits(&v), Vec::new(), "{v}");
    let v = api(&office_a, "q=gia+dinh+chinh+sach").await;
    assert_eq!(hits(&v).len(), 1, "{v}");
}

/// The hrefs of the hits of a search page as a visitor sees it.
async fn visitor_page(b: &crate::helpers::Browser, q: &str) -> String {
    let res = b.get(&format!("/search?q={q}")).await;
    assert_eq!(res.status(), 200, "{q}");
    res.text().await.unwrap()
}

#[tokio::test]
async fn articles_and_comments_are_found_as_their_rules_show_them() {
    use domain::consultation::{CommentForm, ModerationDecision, PublicCommentForm};
    let app = spawn_app().await;
    let pr = app.seed_portal().await;
    let con = app.seed_consultation().await;
    let s = app.store.as_ref();
    let sys = Principal::system();
    let today = crate::consultation::web_today();
    // Two comments of the public: one moderated, one waiting.
    let c = s
        .consultation(&sys, con.consultation, today)
        .await
        .expect("consultation");
    let ids: Vec<_> = c.items.iter().map(|i| i.id).collect();
    let public = |body: &str| {
        PublicCommentForm {
            name: "Lê Thị Hồng Nhung".into(),
            contact: "0987 654 321".into(),
            comment: CommentForm {
                item: String::new(),
                body: body.into(),
                proposed: String::new(),
            },
        }
        .parse(&ids)
        .expect("public comment")
    };
    let shown = s
        .public_comment(
            c.id,
            public("Đề nghị công khai tiến độ giải ngân."),
            "a1",
            today,
        )
        .await
        .expect("comment");
    s.moderate_comment(&sys, shown, ModerationDecision::Publish, today)
        .await
        .expect("moderated");
    let waiting = s
        .public_comment(
            c.id,
            public("Đề nghị công khai danh sách hộ nghèo."),
            "a2",
            today,
        )
        .await
        .expect("comment");
    // A member of district B.
    let u = s
        .user_create(
            &sys,
            store::NewUser {
                username: "member.b".into(),
                display_name: "Đảng viên huyện Yên Thế".into(),
                password_hash: web::password::hash(crate::helpers::PASSWORD).unwrap(),
                member_id: None,
            },
        )
        .await
        .expect("user");
    s.grant_add(
        &sys,
        store::NewGrant {
            user_id: u.id,
            role: domain::AccessRole::Member,
            org_id: app.district_b,
        },
    )
    .await
    .expect("grant");

    // A visitor, from the portal's search box, without diacritics: the published article
    // and the moderated public comment; no draft, no member's comment, nothing waiting,
    // no commenter's name or contact.
    let visitor = app.browser();
    let portal = visitor
        .get(&format!("/portal/{}", app.district_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(portal.contains("class=\"portal-search\" method=\"get\" action=\"/search\""));
    let html = visitor_page(&visitor, "dua+nghi+quyet+vao+cuoc+song").await;
    assert!(
        html.contains(&format!("href=\"/news/{}\"", pr.article)),
        "{html}"
    );
    assert!(html.contains("<mark>Đưa</mark>"), "{html}");
    let html = visitor_page(&visitor, "ban+nhap+chua+dang").await;
    assert!(!html.contains("Bản nháp") && !html.contains(&format!("/news/{}", pr.draft)));
    let html = visitor_page(&visitor, "cong+khai").await;
    assert!(
        html.contains(&format!("href=\"/public/consultations/{}\"", c.id)),
        "{html}"
    );
    assert!(
        html.contains("giải ngân") && !html.contains("hộ nghèo"),
        "{html}"
    );
    for private in ["Lê Thị Hồng Nhung", "0987"] {
        assert!(!html.contains(private), "{private}");
    }
    let html = visitor_page(&visitor, "so+lieu+cu+the").await;
    assert!(!html.contains("số liệu"), "a member's comment: {html}");
    // The JSON API stays for signed-in users.
    assert_eq!(visitor.get("/api/search?q=cong+khai").await.status(), 401);

    // District A's editor: the draft too, linked to its management page.
    let editor_a = app.signed_in("editor.a").await;
    let v = api(&editor_a, "q=ban+nhap+chua+dang").await;
    let draft = v["results"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == pr.draft)
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(draft["kind"], "article");
    assert_eq!(draft["href"], format!("/news/{}/manage", pr.draft));
    // District A's office: every comment, each at its place on the consultation's page.
    let office_a = app.signed_in("office.a").await;
    let v = api(&office_a, "q=cong+khai").await;
    let mut found = hits(&v);
    found.sort();
    assert_eq!(
        found,
        vec![("comment".into(), shown.0), ("comment".into(), waiting.0)],
        "{v}"
    );
    let v = api(&office_a, "q=so+lieu+cu+the").await;
    assert_eq!(hits(&v), vec![("comment".into(), con.comment.0)], "{v}");
    assert_eq!(
        v["results"]["hits"][0]["href"],
        format!("/consultations/{}#c{}", c.id, con.comment)
    );
    // The kind facet counts them; choosing it keeps them.
    assert_eq!(v_kind(&api(&office_a, "q=cong+khai").await), ["comment"]);
    let v = api(&office_a, "q=cong+khai&kind=comment").await;
    assert_eq!(v["results"]["total"], 2, "{v}");

    // District B's editor, office and member: what the public sees, and nothing else.
    for name in ["editor.b", "office.b", "member.b"] {
        let b = app.signed_in(name).await;
        let v = api(&b, "q=ban+nhap+chua+dang").await;
        assert_eq!(hits(&v), Vec::new(), "{name}: {v}");
        let v = api(&b, "q=so+lieu+cu+the").await;
        assert_eq!(hits(&v), Vec::new(), "{name}: {v}");
        let v = api(&b, "q=cong+khai").await;
        assert_eq!(hits(&v), vec![("comment".into(), shown.0)], "{name}: {v}");
        let v = api(&b, "q=dua+nghi+quyet+vao+cuoc+song").await;
        assert!(
            hits(&v).contains(&("article".into(), pr.article)),
            "{name}: {v}"
        );
        let page = b.get("/search?q=cong+khai").await.text().await.unwrap();
        assert!(
            !page.contains("hộ nghèo") && !page.contains("0987"),
            "{name}"
        );
    }
}

fn v_kind(v: &Value) -> Vec<String> {
    v["results"]["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["value"].as_str().unwrap().to_owned())
        .collect()
}
