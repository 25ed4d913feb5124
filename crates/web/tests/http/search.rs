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
