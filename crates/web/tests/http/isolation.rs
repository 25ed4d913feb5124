//! Subtree isolation, generated from the router's own route list (`web::routes::ALL`):
//! every route, as a user of district A and as the same kind of user of district B, on
//! district A's records. B gets 404 on every route that names a record, and never a page
//! or JSON answer with A's names. A gets exactly what the route answers its own users:
//! 200 for a read (or the redirect listed in [`INSIDER`]); for a write sent with an empty
//! body, the handler's own refusal of that body (422 with the form and its messages, or
//! the JSON API's 400 with an error code), or the redirect listed; never 403 or 404.

use axum::http::Method;

use crate::consultation::ConsultationRecords;
use crate::emulation::EmulationRecords;
use crate::evaluation::EvaluationRecords;
use crate::helpers::{A_NAMES, Browser, ProgramRecords, TaskRecords, TestApp, spawn_app};
use crate::inspection::InspectionRecords;
use crate::portal::PortalRecords;
use crate::reports::ReportRecords;
use crate::study::StudyRecords;

/// Routes that hold no organization data: the shell and sign-in.
const PUBLIC: &[&str] = &[
    "/login",
    "/logout",
    "/lang/{lang}",
    "/static/{file}",
    "/healthz",
    "/api/openapi.json",
    // A consultation's public page holds what its office made public (tested in
    // `consultation.rs`: 404 unless the public is asked).
    "/public/consultations/{id}",
];

/// The public portal's routes: anyone reads what is published (or sends feedback), so
/// they are tried by [`the_public_portal_is_public_and_only_what_is_published`] rather than
/// by the subtree matrix.
pub const PORTAL_PUBLIC: &[&str] = &[
    "/portal",
    "/portal/{id}",
    "/portal/{id}/feed.atom",
    "/news/{id}",
    "/news/{id}/feedback",
    "/news-images/{id}",
    "/public-documents/{id}",
    "/api/portal/{id}",
    "/api/news/{id}",
];

/// The library of advanced models: every account of the province reads it (docs/
/// EMULATION.md), so it is tried by `emulation.rs` rather than by the subtree matrix. So
/// is the page of who gives which award (`/award-kinds`): the deployment's table, read by
/// every account and edited by a province's administrator only
/// (`emulation::who_gives_what_is_data_the_province_edits`).
pub const LIBRARY: &[&str] = &[
    "/models",
    "/models/{id}",
    "/models/{id}/links",
    "/api/models",
    "/award-kinds",
    "/award-kinds/{code}",
];

/// Whether a route (method and template) is one of [`PORTAL_PUBLIC`]'s reads or the
/// feedback form (the JSON API's `POST /api/news/{id}` is an editor's write).
pub fn is_portal_public(method: &Method, template: &str) -> bool {
    PORTAL_PUBLIC.contains(&template) && (*method == Method::GET || template.ends_with("/feedback"))
}

/// The concrete address of a route template on district A's records.
#[allow(clippy::too_many_arguments)]
pub fn address(
    app: &TestApp,
    r: &ProgramRecords,
    t: &TaskRecords,
    st: &StudyRecords,
    ins: &InspectionRecords,
    rep: &ReportRecords,
    con: &ConsultationRecords,
    pr: &PortalRecords,
    ev: &EvaluationRecords,
    em: &EmulationRecords,
    template: &str,
) -> String {
    // The JSON API's routes name the same records as the pages under `/api`.
    let (api, page) = match template.strip_prefix("/api") {
        Some(rest) => ("/api", rest),
        None => ("", template),
    };
    if let Some(rest) = page.strip_prefix("/dashboards/{org}/{document}") {
        return format!("{api}/dashboards/{}/{}{rest}", app.grassroots_a, r.document);
    }
    let template = page;
    if let Some(rest) = template.strip_prefix("/orgs/{id}/reports/{doc}") {
        // A district's own reports on its resolution (it writes them).
        return format!("{api}/orgs/{}/reports/{}{rest}", app.district_a, r.document);
    }
    let id = if template.starts_with("/evaluation-periods/") {
        ev.period.to_string()
    } else if template.starts_with("/evaluations/") {
        ev.evaluation.to_string()
    } else if template.starts_with("/evaluation-frameworks/") {
        ev.framework.to_string()
    } else if template.starts_with("/emulation/") {
        em.movement.to_string()
    } else if template.starts_with("/emulation-nominations/") {
        em.nomination.to_string()
    } else if template.starts_with("/awards/") {
        em.award.to_string()
    } else if template.starts_with("/consultations/") {
        con.consultation.to_string()
    } else if template.starts_with("/consultation-comments/") {
        con.comment.to_string()
    } else if template.starts_with("/news/") {
        pr.article.to_string()
    } else if template.starts_with("/news-images/") {
        pr.image.to_string()
    } else if template.starts_with("/feedback/") {
        pr.feedback.to_string()
    } else if template.starts_with("/portal/") {
        app.district_a.to_string()
    } else if template.starts_with("/public-documents/") {
        r.document.to_string()
    } else if template.starts_with("/inspection-programs/") {
        ins.program.to_string()
    } else if template.starts_with("/inspection-items/") {
        ins.item.to_string()
    } else if template.starts_with("/inspection-subjects/") {
        ins.subject.to_string()
    } else if template.starts_with("/recommendations/") {
        ins.recommendation.to_string()
    } else if template.starts_with("/inspection-files/") {
        ins.file.to_string()
    } else if template.starts_with("/reports/") {
        rep.report.to_string()
    } else if template.starts_with("/tasks/") {
        t.task.to_string()
    } else if template.starts_with("/study-sessions/")
        || template.starts_with("/check-in/")
        || template.starts_with("/study/sessions/")
    {
        st.session.to_string()
    } else if template.starts_with("/study-materials/") || template.starts_with("/study/materials/")
    {
        st.material.to_string()
    } else if template.starts_with("/study-reflections/") {
        st.reflection.to_string()
    } else if template.starts_with("/documents/") {
        r.document.to_string()
    } else if template.starts_with("/cascades/") {
        r.cascade.to_string()
    } else if template.starts_with("/cascade-units/") {
        r.cascade_unit.to_string()
    } else if template.starts_with("/programs/") {
        r.program.to_string()
    } else if template.starts_with("/targets/") {
        r.target.to_string()
    } else if template.starts_with("/admin/users/") {
        app.clerk_a.to_string()
    } else if template.starts_with("/members/") {
        app.member_a.to_string()
    } else {
        app.cell_a.to_string()
    };
    let mut path = template
        .replace("{id}", &id)
        .replace("{pos}", &app.position_a.to_string())
        .replace("{grant}", &app.clerk_grant.to_string())
        .replace("{part}", "purpose")
        .replace(
            "{file}",
            &if template.starts_with("/documents/") {
                r.attachment
            } else {
                t.evidence_file
            }
            .to_string(),
        )
        .replace("{update}", &t.update.to_string())
        .replace("{cell}", &app.cell_a.to_string())
        .replace("{doc}", &st.document.to_string());
    match template {
        "/search" => path.push_str("?q=nguyen+van+duc"),
        "/pick/members" => path.push_str("?q=nguyen+van+duc"),
        "/pick/orgs" => path.push_str("?q=bao+dai"),
        "/check-in/{id}" => path = format!("{path}?{}", st.checkin_query),
        "/admin/audit" => path.push_str(&format!("?org={}", app.cell_a)),
        _ => {}
    }
    format!("{api}{path}")
}

pub async fn send(b: &Browser, method: &Method, path: &str) -> (u16, String) {
    let res = request(b, method, path).await;
    (res.status().as_u16(), res.text().await.unwrap_or_default())
}

/// A GET, or a POST with an empty body: a form with only the CSRF token, or `{}` with the
/// CSRF header on the JSON API.
pub async fn request(b: &Browser, method: &Method, path: &str) -> reqwest::Response {
    if *method == Method::GET {
        b.get(path).await
    } else if path.starts_with("/api/") {
        b.client
            .post(b.url(path))
            .header("x-csrf-token", &b.csrf)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap()
    } else {
        b.post(path, &[]).await
    }
}

/// Who tries a route: the office staff of a district, its administrator (accounts, audit,
/// restructuring), a party member of its cell (their own study, tasks and check-in) or the
/// editor of its portal (articles and feedback).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Office,
    Admin,
    Member,
    Editor,
}

fn who(template: &str) -> Who {
    let t = template.strip_prefix("/api").unwrap_or(template);
    let restructure = ["/move", "/merge", "/split", "/close"]
        .iter()
        .any(|op| t == format!("/orgs/{{id}}{op}"));
    if t.starts_with("/admin") || restructure {
        Who::Admin
    } else if t.starts_with("/my/") || t.starts_with("/check-in/") || t.ends_with("/check-in") {
        Who::Member
    } else if t.starts_with("/news/")
        || t.starts_with("/feedback/")
        || t.starts_with("/orgs/{id}/portal")
    {
        Who::Editor
    } else {
        Who::Office
    }
}

/// What district A's user gets on a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// 200: the page, the file or the JSON.
    Ok,
    /// 303 to this address; `{district}`, `{document}`, `{program}`, `{session}` and
    /// `{user}` stand for district A's records.
    See(&'static str),
    /// 422: the empty form comes back with the messages of what is missing.
    Form,
    /// 400 from a page route: a body no page sends (its hidden fields missing).
    Malformed,
    /// 400 from the JSON API with this error code.
    Api(&'static str),
    /// 409 from the JSON API with this error code.
    Conflict(&'static str),
}

/// The routes whose answer is not the default: 200 for a read, 422 for a page's write.
/// (The JSON API's writes are all listed: each refuses an empty body with its own code.)
static INSIDER: &[(&str, Expect)] = &[
    ("GET /documents", Expect::See("/orgs/{district}/documents")),
    (
        "GET /programs/{id}",
        Expect::See("/programs/{program}/draft"),
    ),
    (
        "GET /study-materials/{id}",
        Expect::See("https://example.org/de-cuong.pdf"),
    ),
    // Saving empty targets, an empty section or an empty task list of a draft is fine.
    (
        "POST /documents/{id}/targets",
        Expect::See("/documents/{document}"),
    ),
    (
        "POST /programs/{id}/draft/sections/{part}",
        Expect::See("/programs/{program}/draft?saved=1"),
    ),
    (
        "POST /programs/{id}/draft/tasks",
        Expect::See("/programs/{program}/draft?saved=1"),
    ),
    (
        "POST /programs/{id}/targets",
        Expect::See("/programs/{program}/draft?saved=1"),
    ),
    // A draft is not revised: back to its page.
    (
        "POST /programs/{id}/revise",
        Expect::See("/programs/{program}"),
    ),
    ("POST /orgs/{id}/programs", Expect::Malformed),
    ("POST /notifications/read", Expect::See("/notifications")),
    (
        "POST /study-sessions/{id}/attendance",
        Expect::See("/study-sessions/{session}?done=saved&n=0"),
    ),
    (
        "POST /study-materials/{id}/withdraw",
        Expect::See("/study?done=withdrawn"),
    ),
    ("POST /my/study/{doc}/check", Expect::Malformed),
    ("POST /study-reflections/{id}/grade", Expect::Malformed),
    ("POST /admin/users/{id}/disabled", Expect::Malformed),
    ("POST /orgs/{id}/reports/{doc}", Expect::Malformed),
    // An empty draft may be saved.
    (
        "POST /reports/{id}",
        Expect::See("/reports/{report}?done=saved"),
    ),
    (
        "POST /admin/users/{id}/grants/{grant}/revoke",
        Expect::See("/admin/users/{user}?done=revoked"),
    ),
    // Unticking everyone of a cell is a choice like any other.
    (
        "POST /orgs/{id}/study/{doc}/review/cells/{cell}",
        Expect::See("/orgs/{cell}/study/{study_doc}/review?done=saved"),
    ),
    // Ending a consultation without the confirmation shows what it would end.
    (
        "POST /consultations/{id}/end",
        Expect::See("/consultations/{consultation}/end"),
    ),
    (
        "POST /api/consultations/{id}/comments",
        Expect::Api("required"),
    ),
    (
        "POST /api/consultation-comments/{id}/answer",
        Expect::Api("required"),
    ),
    // Portal: the editor publishes the seeded article, then takes it down (pages, then API).
    (
        "POST /news/{id}/publish",
        Expect::See("/news/{article}/manage?done=published"),
    ),
    (
        "POST /news/{id}/unpublish",
        Expect::See("/news/{article}/manage?done=unpublished"),
    ),
    ("POST /news/{id}/images", Expect::Malformed),
    ("POST /api/news/{id}", Expect::Api("required")),
    (
        "POST /api/orgs/{id}/portal/articles",
        Expect::Api("required"),
    ),
    ("POST /api/news/{id}/publish", Expect::Ok),
    ("POST /api/news/{id}/unpublish", Expect::Ok),
    ("POST /api/feedback/{id}/moderate", Expect::Api("required")),
    ("POST /api/orgs/{id}/children", Expect::Api("bad_choice")),
    (
        "POST /api/cascade-units/{id}/study",
        Expect::Api("required"),
    ),
    ("POST /api/orgs/{id}/programs", Expect::Api("required")),
    // Sections may be saved empty on a draft.
    ("POST /api/programs/{id}/sections", Expect::Ok),
    ("POST /api/programs/{id}/tasks", Expect::Api("required")),
    ("POST /api/programs/{id}/issue", Expect::Api("required")),
    (
        "POST /api/programs/{id}/revise",
        Expect::Api("program_not_issued"),
    ),
    ("POST /api/programs/{id}/targets", Expect::Api("required")),
    ("POST /api/tasks/{id}/progress", Expect::Api("required")),
    (
        "POST /api/tasks/{id}/updates/{update}/review",
        Expect::Api("required"),
    ),
    ("POST /api/notifications/read", Expect::Ok),
    ("POST /api/study/sessions/{id}", Expect::Api("required")),
    (
        "POST /api/study/sessions/{id}/cancel",
        Expect::Api("required"),
    ),
    (
        "POST /api/study/sessions/{id}/attendance",
        Expect::Api("bad_json"),
    ),
    (
        "POST /api/study/sessions/{id}/check-in",
        Expect::Api("bad_json"),
    ),
    // Withdrawn just before through its page.
    (
        "POST /api/study/materials/{id}/withdraw",
        Expect::Conflict("material_withdrawn"),
    ),
    ("POST /api/my/study/{doc}/check", Expect::Api("bad_json")),
    // Reports: the seeded review is a draft with no assessment yet.
    ("POST /api/orgs/{id}/reports/{doc}", Expect::Api("required")),
    ("POST /api/reports/{id}", Expect::Ok),
    ("POST /api/reports/{id}/submit", Expect::Api("required")),
    (
        "POST /api/reports/{id}/correct",
        Expect::Conflict("report_not_submitted"),
    ),
    (
        "POST /api/reports/{id}/apply",
        Expect::Conflict("report_not_submitted"),
    ),
    // Emulation: the seeded movement's pledges are closed already.
    (
        "POST /emulation/{id}/close",
        Expect::See("/emulation/{movement}?done=closed"),
    ),
    ("POST /api/emulation/{id}/pledge", Expect::Api("required")),
    // Evaluation: a step without a level.
    ("POST /api/evaluations/{id}/self", Expect::Api("required")),
    ("POST /api/evaluations/{id}/assess", Expect::Api("required")),
    ("POST /api/evaluations/{id}/decide", Expect::Api("required")),
    (
        "POST /api/emulation/{id}/decision",
        Expect::Api("doc_number_format"),
    ),
    // Inspection: the seeded item is concluded and its recommendation open.
    (
        "POST /api/orgs/{id}/inspection/programs",
        Expect::Api("required"),
    ),
    (
        "POST /api/inspection-programs/{id}/items",
        Expect::Api("required"),
    ),
    (
        "POST /api/inspection-items/{id}/notify",
        Expect::Api("bad_date"),
    ),
    (
        "POST /api/inspection-items/{id}/findings",
        Expect::Api("required"),
    ),
    (
        "POST /api/inspection-items/{id}/conclude",
        Expect::Api("required"),
    ),
    (
        "POST /api/inspection-items/{id}/content",
        Expect::Conflict("item_concluded"),
    ),
    (
        "POST /api/inspection-subjects/{id}/report",
        Expect::Conflict("self_report_closed"),
    ),
    (
        "POST /api/recommendations/{id}/adopt",
        Expect::Api("required"),
    ),
    (
        "POST /api/recommendations/{id}/remediation",
        Expect::Conflict("recommendation_not_tasked"),
    ),
    (
        "POST /api/recommendations/{id}/decision",
        Expect::Api("required"),
    ),
];

fn expectation(method: &Method, template: &str) -> Expect {
    let key = format!("{method} {template}");
    match INSIDER.iter().find(|(k, _)| *k == key) {
        Some((_, e)) => *e,
        None if *method == Method::GET => Expect::Ok,
        None if template.starts_with("/api/") => {
            panic!("{key}: list what the JSON API answers an empty body in INSIDER")
        }
        None => Expect::Form,
    }
}

#[tokio::test]
async fn district_b_sees_nothing_of_district_a_on_any_route() {
    let app = spawn_app().await;
    let office_a = app.signed_in("office.a").await;
    let office_b = app.signed_in("office.b").await;
    let admin_a = app.signed_in("admin.a").await;
    let admin_b = app.signed_in("admin.b").await;
    let member_a = app.member_browser("member.a", app.member_a).await;
    let member_b = app.member_browser("member.b", app.member_b).await;
    let records = app.seed_programs().await;
    let portal = app.seed_portal().await;
    let editor_a = app.signed_in("editor.a").await;
    let editor_b = app.signed_in("editor.b").await;
    let tasks = app.seed_issued_task(true).await;
    let study = app.seed_study(&records).await;
    let ins = app.seed_inspection(true).await;
    let report = app.seed_report(&records).await;
    let con = app.seed_consultation().await;
    let ev = app.seed_evaluation().await;
    let em = app.seed_emulation(&records).await;
    let a = |w: Who| match w {
        Who::Office => &office_a,
        Who::Admin => &admin_a,
        Who::Member => &member_a,
        Who::Editor => &editor_a,
    };
    let b = |w: Who| match w {
        Who::Office => &office_b,
        Who::Admin => &admin_b,
        Who::Member => &member_b,
        Who::Editor => &editor_b,
    };

    let routes: Vec<&(Method, &str)> = web::routes::ALL
        .iter()
        .filter(|(m, t)| !PUBLIC.contains(t) && !is_portal_public(m, t) && !LIBRARY.contains(t))
        .collect();
    assert!(routes.len() > 30, "the route list covers the application");
    for (key, _) in INSIDER {
        assert!(
            routes.iter().any(|(m, t)| format!("{m} {t}") == *key),
            "INSIDER lists {key}, which is no route"
        );
    }

    // District B first, so that nothing A does changes what B is tried on.
    let mut failures = Vec::new();
    for (method, template) in &routes {
        let outsider = b(who(template));
        let path = address(
            &app, &records, &tasks, &study, &ins, &report, &con, &portal, &ev, &em, template,
        );
        let (status, body) = send(outsider, method, &path).await;
        if let Some(name) = A_NAMES.iter().find(|n| body.contains(*n)) {
            failures.push(format!("B {method} {path}: {status} shows {name}"));
        }
        if template.contains('{') && status != 404 {
            failures.push(format!("B {method} {path}: {status}, expected 404"));
        }
        if status >= 500 {
            failures.push(format!("B {method} {path}: {status}"));
        }
    }
    // Member A has studied the resolution, so that their knowledge check opens.
    app.store
        .record_attendance(
            &domain::Principal::system(),
            study.session,
            vec![domain::study::AttendanceEntry {
                member_id: app.member_a,
                mark: domain::AttendanceMark::Present,
                reason: None,
            }],
        )
        .await
        .expect("attendance");
    // District A: the reads first (so that no write changes what they show), then the
    // writes, each with an empty form or JSON body.
    type Route<'r> = &'r (Method, &'r str);
    let (reads, writes): (Vec<Route>, Vec<Route>) =
        routes.iter().copied().partition(|(m, _)| *m == Method::GET);
    let records_of = |s: &str| {
        s.replace("{district}", &app.district_a.to_string())
            .replace("{document}", &records.document.to_string())
            .replace("{program}", &records.program.to_string())
            .replace("{session}", &study.session.to_string())
            .replace("{user}", &app.clerk_a.to_string())
            .replace("{report}", &report.report.to_string())
            .replace("{consultation}", &con.consultation.to_string())
            .replace("{article}", &portal.article.to_string())
            .replace("{cell}", &app.cell_a.to_string())
            .replace("{study_doc}", &study.document.to_string())
            .replace("{movement}", &em.movement.to_string())
    };
    for (method, template) in reads.into_iter().chain(writes) {
        let insider = a(who(template));
        let path = address(
            &app, &records, &tasks, &study, &ins, &report, &con, &portal, &ev, &em, template,
        );
        let res = request(insider, method, &path).await;
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = res.text().await.unwrap_or_default();
        let code = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let expect = expectation(method, template);
        let fine = match expect {
            Expect::Ok => status == 200,
            Expect::See(to) => status == 303 && location == records_of(to),
            Expect::Form => status == 422,
            Expect::Malformed => status == 400,
            Expect::Api(c) => status == 400 && code == c,
            Expect::Conflict(c) => status == 409 && code == c,
        };
        if !fine {
            let got = match (location.is_empty(), code.is_empty()) {
                (false, _) => format!("{status} to {location}"),
                (_, false) => format!("{status} {code}"),
                _ => status.to_string(),
            };
            failures.push(format!(
                "A ({:?}) {method} {path}: {got}, expected {expect:?}",
                who(template)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn a_cell_secretary_sees_only_the_cell() {
    let app = spawn_app().await;
    let s = app.signed_in("secretary.a").await;
    assert_eq!(s.get(&format!("/orgs/{}", app.cell_a)).await.status(), 200);
    assert_eq!(
        s.get(&format!("/members/{}", app.member_a)).await.status(),
        200
    );
    assert_eq!(
        s.get(&format!("/orgs/{}", app.grassroots_a)).await.status(),
        404
    );
    assert_eq!(
        s.get(&format!("/orgs/{}", app.district_b)).await.status(),
        404
    );
    assert_eq!(
        s.get(&format!("/members/{}", app.member_b)).await.status(),
        404
    );
    assert_eq!(
        s.get(&format!("/api/members/{}", app.member_b))
            .await
            .status(),
        404
    );
    // The secretary keeps people but not units.
    assert_eq!(
        s.get(&format!("/orgs/{}/members/new", app.cell_a))
            .await
            .status(),
        200
    );
    assert_eq!(
        s.get(&format!("/orgs/{}/edit", app.cell_a)).await.status(),
        403
    );
}

/// An invited expert's account holds no grant: its only right is its consultation. On
/// every route of the application, on district A's records, the expert gets 404 (or 403
/// for an office action on the consultation itself), never a page with A's names —
/// except the consultation's own page and comment form, and their JSON twins.
#[tokio::test]
async fn an_expert_sees_their_consultation_and_nothing_else() {
    let app = spawn_app().await;
    let records = app.seed_programs().await;
    let tasks = app.seed_issued_task(true).await;
    let study = app.seed_study(&records).await;
    let ins = app.seed_inspection(true).await;
    let report = app.seed_report(&records).await;
    let con = app.seed_consultation().await;
    let ev = app.seed_evaluation().await;
    let portal = app.seed_portal().await;
    let em = app.seed_emulation(&records).await;
    let expert = app.signed_in("expert.a").await;
    // Expert's own: (route, status with an empty body).
    let own: &[(&str, u16)] = &[
        ("GET /consultations", 200),
        ("GET /consultations/{id}", 200),
        ("POST /consultations/{id}/comments", 422),
        ("GET /api/consultations/{id}", 200),
        ("POST /api/consultations/{id}/comments", 400),
    ];
    let mut failures = Vec::new();
    for (method, template) in web::routes::ALL
        .iter()
        .filter(|(m, t)| !PUBLIC.contains(t) && !is_portal_public(m, t))
    {
        let path = address(
            &app, &records, &tasks, &study, &ins, &report, &con, &portal, &ev, &em, template,
        );
        let key = format!("{method} {template}");
        let (status, body) = send(&expert, method, &path).await;
        if let Some((_, want)) = own.iter().find(|(k, _)| *k == key) {
            if status != *want {
                failures.push(format!("{key}: {status}, expected {want}"));
            }
            continue;
        }
        if let Some(name) = A_NAMES.iter().find(|n| body.contains(*n)) {
            failures.push(format!("{method} {path}: {status} shows {name}"));
        }
        // The administration refuses every account without the right to manage
        // accounts (403) before it reads an id; so does the edit of who gives which
        // award (a code of the deployment's table, no unit's record).
        let office_action_on_own = template.starts_with("/consultations/{id}/")
            || template.starts_with("/admin")
            || template.starts_with("/award-kinds/");
        let fine = if office_action_on_own {
            status == 403 || status == 404
        } else if template.contains('{') {
            status == 404
        } else {
            status < 500
        };
        if !fine || status >= 500 {
            failures.push(format!("{method} {path}: {status}"));
        }
    }
    // Home is the list of what the expert may comment on: this consultation only.
    let res = expert.get("/").await;
    assert_eq!(res.headers()["location"], "/consultations");
    let list = expert.get("/consultations").await.text().await.unwrap();
    assert!(list.contains(&format!("/consultations/{}", con.consultation)));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let _ = con.expert;
}
