//! Subtree isolation, generated from the router's own route list (`web::routes::ALL`):
//! every route, as a user of district A and as the same kind of user of district B, on
//! district A's records. B gets 404 on every route that names a record, and never a page
//! or JSON answer with A's names; A gets through (never a 404).

use axum::http::Method;

use crate::helpers::{A_NAMES, Browser, ProgramRecords, TaskRecords, TestApp, spawn_app};
use crate::study::StudyRecords;

/// Routes that hold no organization data: the shell and sign-in.
const PUBLIC: &[&str] = &[
    "/login",
    "/logout",
    "/lang/{lang}",
    "/static/{file}",
    "/healthz",
    "/api/openapi.json",
];

/// The concrete address of a route template on district A's records.
pub fn address(
    app: &TestApp,
    r: &ProgramRecords,
    t: &TaskRecords,
    st: &StudyRecords,
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
    let id = if template.starts_with("/tasks/") {
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
        .replace("{doc}", &st.document.to_string());
    match template {
        "/search" => path.push_str("?q=nguyen+van+duc"),
        "/admin/audit" => path.push_str(&format!("?org={}", app.cell_a)),
        _ => {}
    }
    format!("{api}{path}")
}

pub async fn send(b: &Browser, method: &Method, path: &str) -> (u16, String) {
    let res = if *method == Method::GET {
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
    };
    (res.status().as_u16(), res.text().await.unwrap_or_default())
}

#[tokio::test]
async fn district_b_sees_nothing_of_district_a_on_any_route() {
    let app = spawn_app().await;
    let office_a = app.signed_in("office.a").await;
    let office_b = app.signed_in("office.b").await;
    let admin_a = app.signed_in("admin.a").await;
    let admin_b = app.signed_in("admin.b").await;
    let records = app.seed_programs().await;
    let tasks = app.seed_issued_task(true).await;
    let study = app.seed_study(&records).await;

    let routes: Vec<&(Method, &str)> = web::routes::ALL
        .iter()
        .filter(|(_, t)| !PUBLIC.contains(t))
        .collect();
    assert!(routes.len() > 30, "the route list covers the application");

    // District B first, so that nothing A does changes what B is tried on.
    let mut failures = Vec::new();
    for (method, template) in &routes {
        let outsider = if template.starts_with("/admin") {
            &admin_b
        } else {
            &office_b
        };
        let path = address(&app, &records, &tasks, &study, template);
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
    for (method, template) in &routes {
        let insider = if template.starts_with("/admin") {
            &admin_a
        } else {
            &office_a
        };
        let path = address(&app, &records, &tasks, &study, template);
        let (status, _) = send(insider, method, &path).await;
        if status == 404 || status == 405 || status >= 500 {
            failures.push(format!("A {method} {path}: {status}"));
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
