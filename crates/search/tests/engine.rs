//! The engine on a small tree: folding, visibility, facets, highlights, paging, and the
//! watermark kept across a reopen.

use domain::search::{Kind, Reach, Record};
use domain::{AccessRole, Grant, MemberId, OrgId, OrgPath, Principal, UserId};
use search::{Query, SearchIndex};
use time::macros::date;

fn path(ids: &[i64]) -> OrgPath {
    let mut p = OrgPath::root(OrgId(ids[0]));
    for id in &ids[1..] {
        p = p.child(OrgId(*id));
    }
    p
}

fn rec(kind: Kind, id: i64, at: &[i64], title: &str, body: &str, year: i32) -> Record {
    Record {
        kind,
        id,
        org_path: path(at),
        reach: kind.reach(),
        responsible: None,
        title: title.into(),
        body: body.into(),
        date: time::Date::from_calendar_date(year, time::Month::March, 2).ok(),
        group: None,
        public_from: None,
        parent: None,
    }
}

fn reader(at: &[i64], member: Option<i64>) -> Principal {
    let g = path(at);
    Principal {
        user_id: UserId(1),
        username: "u".into(),
        display_name: "u".into(),
        grants: vec![Grant {
            role: AccessRole::OfficeStaff,
            org_id: g.id(),
            org_path: g,
        }],
        system: false,
        member_id: member.map(MemberId),
    }
}

/// Province 1; districts 2 (Lục Nam) and 3 (Yên Thế); commune 4 under 2, 5 under 3.
fn sample() -> SearchIndex {
    let ix = SearchIndex::in_memory().unwrap();
    let mut w = ix.writer().unwrap();
    for r in [
        rec(
            Kind::Document,
            1,
            &[1],
            "Nghị quyết số 01-NQ/TU về chuyển đổi số",
            "Tỉnh ủy ban hành nghị quyết về chuyển đổi số toàn diện trong các cơ quan Đảng.",
            2024,
        ),
        rec(
            Kind::Program,
            10,
            &[1, 2],
            "Chương trình hành động của Huyện ủy Lục Nam",
            "Thực hiện Nghị quyết 01 về chuyển đổi số.",
            2024,
        ),
        rec(
            Kind::Task,
            100,
            &[1, 2, 4],
            "Số hoá hồ sơ đảng viên của Đảng bộ xã",
            "Hoàn thành số hoá trước quý IV.",
            2025,
        ),
        rec(
            Kind::Task,
            101,
            &[1, 3, 5],
            "Số hoá hồ sơ đảng viên xã Đồng Kỳ",
            "Đồng Kỳ thực hiện chuyển đổi số.",
            2025,
        ),
        rec(
            Kind::Document,
            2,
            &[1, 3],
            "Kế hoạch của Huyện ủy Yên Thế về chuyển đổi số",
            "Yên Thế triển khai.",
            2025,
        ),
        rec(Kind::Member, 7, &[1, 2, 4], "Nguyễn Văn Đức", "", 1980),
    ] {
        w.put(&r).unwrap();
    }
    w.commit(42).unwrap();
    ix
}

fn q(text: &str) -> Query {
    Query {
        text: text.into(),
        limit: 20,
        ..Query::default()
    }
}

fn found(ix: &SearchIndex, who: Option<&Principal>, query: &Query) -> Vec<(Kind, i64)> {
    let mut v: Vec<_> = ix
        .search(who, query)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| (h.kind, h.id))
        .collect();
    v.sort();
    v
}

#[test]
fn finds_with_or_without_diacritics() {
    let ix = sample();
    let sys = Principal::system();
    let all = found(&ix, Some(&sys), &q("nghị quyết"));
    assert_eq!(all, vec![(Kind::Document, 1), (Kind::Program, 10)]);
    assert_eq!(found(&ix, Some(&sys), &q("nghi quyet")), all);
    assert_eq!(found(&ix, Some(&sys), &q("NGHI QUYET")), all);
    // "Đ" folds to "d": "dang vien" finds "đảng viên", "dong ky" finds "Đồng Kỳ".
    assert_eq!(
        found(&ix, Some(&sys), &q("so hoa dang vien")),
        vec![(Kind::Task, 100), (Kind::Task, 101)]
    );
    assert_eq!(
        found(&ix, Some(&sys), &q("dong ky")),
        vec![(Kind::Task, 101)]
    );
    assert_eq!(
        found(&ix, Some(&sys), &q("nguyen van duc")),
        vec![(Kind::Member, 7)]
    );
    // Every word must be there; a phrase in quotes keeps its order.
    assert!(found(&ix, Some(&sys), &q("nghi quyet yen the")).is_empty());
    // ("hành động" folds to "dong" as "Đồng Kỳ" does.)
    assert_eq!(
        found(&ix, Some(&sys), &q("\"chuyen doi so\" -dong")),
        vec![(Kind::Document, 1), (Kind::Document, 2)]
    );
    // Odd input is no error.
    for odd in ["", "   ", "((", "title:", "\"", "-", "*", "AND OR"] {
        ix.search(Some(&sys), &q(odd)).unwrap();
    }
}

#[test]
fn a_searcher_finds_only_what_they_may_read() {
    let ix = sample();
    // District Lục Nam (2): its own program and commune task, the province's document
    // (it reaches down); not Yên Thế's task nor Yên Thế's plan.
    let lucnam = reader(&[1, 2], None);
    assert_eq!(
        found(&ix, Some(&lucnam), &q("chuyen doi so")),
        vec![(Kind::Document, 1), (Kind::Program, 10)]
    );
    assert_eq!(
        found(&ix, Some(&lucnam), &q("so hoa")),
        vec![(Kind::Task, 100)]
    );
    // The commune under Yên Thế sees its task and both documents above it, not Lục Nam's.
    let dongky = reader(&[1, 3, 5], None);
    assert_eq!(
        found(&ix, Some(&dongky), &q("chuyen doi so")),
        vec![(Kind::Document, 1), (Kind::Document, 2), (Kind::Task, 101)]
    );
    // A member without grants finds the task they answer for, nothing else.
    let ix2 = SearchIndex::in_memory().unwrap();
    let mut w = ix2.writer().unwrap();
    let mut t = rec(Kind::Task, 5, &[1, 3, 5], "Báo cáo chuyên đề", "", 2025);
    t.responsible = Some(MemberId(9));
    w.put(&t).unwrap();
    w.put(&rec(Kind::Task, 6, &[1, 3, 5], "Báo cáo khác", "", 2025))
        .unwrap();
    let mut public = rec(
        Kind::Document,
        7,
        &[1, 3],
        "Bài báo cáo công khai",
        "",
        2025,
    );
    public.reach = Reach::Public;
    w.put(&public).unwrap();
    w.commit(1).unwrap();
    let nobody = Principal {
        grants: Vec::new(),
        ..reader(&[1], Some(9))
    };
    assert_eq!(
        found(&ix2, Some(&nobody), &q("bao cao")),
        vec![(Kind::Document, 7), (Kind::Task, 5)]
    );
    // A visitor without an account: public records only.
    assert_eq!(found(&ix2, None, &q("bao cao")), vec![(Kind::Document, 7)]);
}

#[test]
fn facets_count_kinds_years_and_units() {
    let ix = sample();
    let sys = Principal::system();
    let r = ix.search(Some(&sys), &q("chuyen doi so")).unwrap();
    assert_eq!(r.total, 4);
    assert_eq!(
        r.kinds,
        vec![(Kind::Document, 2), (Kind::Program, 1), (Kind::Task, 1)]
    );
    assert_eq!(r.years, vec![(2025, 2), (2024, 2)]);
    // All are in province 1: the unit facet goes down to its districts (the province's
    // own document is counted in neither).
    assert_eq!(r.units_of, Some(path(&[1])));
    assert_eq!(r.units, vec![(OrgId(3), 2), (OrgId(2), 1)]);
    // Drilling down: a kind, a year, a subtree.
    let narrowed = ix
        .search(
            Some(&sys),
            &Query {
                kind: Some(Kind::Task),
                year: Some(2025),
                within: Some(path(&[1, 3])),
                ..q("chuyen doi so")
            },
        )
        .unwrap();
    assert_eq!(narrowed.total, 1);
    assert_eq!(narrowed.hits[0].id, 101);
    assert_eq!(narrowed.units_of, Some(path(&[1, 3])));
    assert_eq!(narrowed.units, vec![(OrgId(5), 1)]);
    // A district's facet starts at the district.
    let r = ix
        .search(Some(&reader(&[1, 2], None)), &q("chuyen doi so"))
        .unwrap();
    assert_eq!(r.units_of, Some(path(&[1, 2])));
    assert_eq!(r.total, 2);
    assert_eq!(r.units, Vec::new(), "the program is the district's own");
}

#[test]
fn passages_highlight_the_words_as_written() {
    let ix = sample();
    let sys = Principal::system();
    let r = ix.search(Some(&sys), &q("nghi quyet")).unwrap();
    let doc = r.hits.iter().find(|h| h.id == 1).unwrap();
    assert_eq!(
        doc.title_html,
        "<mark>Nghị</mark> <mark>quyết</mark> số 01-NQ/TU về chuyển đổi số"
    );
    assert!(
        doc.passage_html
            .contains("<mark>nghị</mark> <mark>quyết</mark>"),
        "{}",
        doc.passage_html
    );
    assert_eq!(doc.date, Some(date!(2024 - 03 - 02)));
    // Only the title matched: the passage is the text's beginning.
    let r = ix.search(Some(&sys), &q("Đức")).unwrap();
    assert_eq!(r.hits[0].title_html, "Nguyễn Văn <mark>Đức</mark>");
    // Markup in a record is text, never HTML.
    let ix2 = SearchIndex::in_memory().unwrap();
    let mut w = ix2.writer().unwrap();
    w.put(&rec(
        Kind::Document,
        1,
        &[1],
        "<script>alert(1)</script> kế hoạch",
        "a < b & \"kế hoạch\"",
        2025,
    ))
    .unwrap();
    w.commit(1).unwrap();
    let h = &ix2.search(Some(&sys), &q("ke hoach")).unwrap().hits[0];
    assert!(!h.title_html.contains("<script>"), "{}", h.title_html);
    assert!(h.title_html.contains("&lt;script&gt;"));
    assert!(
        h.passage_html
            .contains("a &lt; b &amp; &quot;<mark>kế</mark>")
    );
}

#[test]
fn replace_remove_page_and_keep_the_watermark() {
    let dir = tempfile::tempdir().unwrap();
    {
        let ix = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(ix.watermark(), None, "never built");
        let mut w = ix.writer().unwrap();
        for i in 0..25 {
            w.put(&rec(
                Kind::Task,
                i,
                &[1, 2],
                &format!("Nhiệm vụ {i}"),
                "",
                2025,
            ))
            .unwrap();
        }
        w.commit(7).unwrap();
        assert_eq!(ix.len(), 25);
        let mut w = ix.writer().unwrap();
        // Replacing keeps one record; removing drops it.
        w.put(&rec(Kind::Task, 3, &[1, 2], "Nhiệm vụ đã sửa", "", 2025))
            .unwrap();
        w.remove(Kind::Task, 4);
        w.commit(9).unwrap();
        assert_eq!(ix.len(), 24);
        // A group goes as a whole.
        let mut w = ix.writer().unwrap();
        for i in 100..103 {
            let mut r = rec(Kind::Task, i, &[1, 2], "Nhóm", "", 2025);
            r.group = Some("program:5".into());
            w.put(&r).unwrap();
        }
        w.commit(10).unwrap();
        assert_eq!(ix.len(), 27);
        let mut w = ix.writer().unwrap();
        w.remove_group("program:5");
        w.commit(11).unwrap();
        assert_eq!(ix.len(), 24);
    }
    let ix = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(ix.watermark(), Some(11));
    let sys = Principal::system();
    let mut seen = Vec::new();
    for page in 0..3 {
        let r = ix
            .search(
                Some(&sys),
                &Query {
                    offset: page * 10,
                    limit: 10,
                    ..q("nhiem vu")
                },
            )
            .unwrap();
        assert_eq!(r.total, 24);
        seen.extend(r.hits.iter().map(|h| h.id));
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 24);
    assert!(!seen.contains(&4));
    assert_eq!(found(&ix, Some(&sys), &q("da sua")), vec![(Kind::Task, 3)]);
}

fn with_role(role: AccessRole, at: &[i64]) -> Principal {
    let mut p = reader(at, None);
    p.grants[0].role = role;
    p
}

#[test]
fn articles_and_comments_reach_whom_their_state_lets() {
    let ix = SearchIndex::in_memory().unwrap();
    let now = time::OffsetDateTime::now_utc();
    let hour = time::Duration::hours(1);
    let article = |id, public_from| Record {
        public_from,
        ..rec(
            Kind::Article,
            id,
            &[1, 2],
            "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
            "Bài viết về công tác xây dựng Đảng ở huyện Lục Nam.",
            2026,
        )
    };
    let comment = |id, reach| Record {
        reach,
        parent: Some(9),
        ..rec(
            Kind::Comment,
            id,
            &[1, 2],
            "Dự thảo báo cáo sơ kết",
            "Cần nêu số liệu về xây dựng Đảng cụ thể.",
            2026,
        )
    };
    let mut w = ix.writer().unwrap();
    for r in [
        article(1, Some(now - hour)), // published
        article(2, None),             // draft
        article(3, Some(now + hour)), // scheduled
        comment(11, Reach::Public),   // a moderated public comment
        comment(12, Reach::Unit),     // a member's comment
        comment(13, Reach::Office),   // waiting for moderation
    ] {
        w.add(&r).unwrap();
    }
    w.commit(1).unwrap();
    let query = q("xay dung dang");
    let all = |who: Option<&Principal>| {
        let mut f = found(&ix, who, &query);
        f.sort();
        f
    };
    use Kind::{Article as A, Comment as C};
    // A visitor: the published article and the moderated public comment.
    assert_eq!(all(None), vec![(A, 1), (C, 11)]);
    // The district's editor: every article of the unit, public comments only.
    let editor = with_role(AccessRole::Editor, &[1, 2]);
    assert_eq!(all(Some(&editor)), vec![(A, 1), (A, 2), (A, 3), (C, 11)]);
    // Another district's editor: what the public sees.
    let other = with_role(AccessRole::Editor, &[1, 3]);
    assert_eq!(all(Some(&other)), vec![(A, 1), (C, 11)]);
    // A secretary reads the unit: published comments, no drafts, no held comments.
    let secretary = with_role(AccessRole::Secretary, &[1, 2]);
    assert_eq!(all(Some(&secretary)), vec![(A, 1), (C, 11), (C, 12)]);
    // The office sees everything of its unit.
    let office = with_role(AccessRole::OfficeStaff, &[1, 2]);
    assert_eq!(
        all(Some(&office)),
        vec![(A, 1), (A, 2), (A, 3), (C, 11), (C, 12), (C, 13)]
    );
    // A member of the other district: only the public ones.
    let member = with_role(AccessRole::Member, &[1, 3]);
    assert_eq!(all(Some(&member)), vec![(A, 1), (C, 11)]);
    // Hits say whether they are public and what they go through.
    let res = ix.search(Some(&office), &query).unwrap();
    let hit = |k, id| res.hits.iter().find(|h| h.kind == k && h.id == id).unwrap();
    assert!(hit(A, 1).public && !hit(A, 3).public);
    assert_eq!(hit(C, 13).parent, Some(9));
    // The kind facet counts the new kinds.
    assert_eq!(res.kinds, vec![(A, 3), (C, 3)]);
}
