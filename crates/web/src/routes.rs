//! Every route the application serves, as (method, path template), for tests that must
//! cover all of them (the subtree-isolation matrix). A unit test checks that each entry
//! is routed; keep the list in the same order as the modules' routers.

use axum::http::Method;

pub static ALL: &[(Method, &str)] = &[
    // shell
    (Method::GET, "/"),
    (Method::GET, "/lang/{lang}"),
    (Method::GET, "/static/{file}"),
    // auth
    (Method::GET, "/login"),
    (Method::POST, "/login"),
    (Method::POST, "/logout"),
    // orgs
    (Method::GET, "/orgs"),
    (Method::GET, "/orgs/{id}"),
    (Method::GET, "/orgs/{id}/history"),
    (Method::GET, "/orgs/{id}/members"),
    (Method::GET, "/orgs/{id}/new"),
    (Method::POST, "/orgs/{id}/new"),
    (Method::GET, "/orgs/{id}/edit"),
    (Method::POST, "/orgs/{id}/edit"),
    (Method::GET, "/orgs/{id}/move"),
    (Method::POST, "/orgs/{id}/move"),
    (Method::GET, "/orgs/{id}/merge"),
    (Method::POST, "/orgs/{id}/merge"),
    (Method::GET, "/orgs/{id}/split"),
    (Method::POST, "/orgs/{id}/split"),
    (Method::GET, "/orgs/{id}/close"),
    (Method::POST, "/orgs/{id}/close"),
    // people
    (Method::GET, "/members/{id}"),
    (Method::GET, "/orgs/{id}/members/new"),
    (Method::POST, "/orgs/{id}/members/new"),
    (Method::GET, "/members/{id}/edit"),
    (Method::POST, "/members/{id}/edit"),
    (Method::GET, "/members/{id}/transfer"),
    (Method::POST, "/members/{id}/transfer"),
    (Method::GET, "/members/{id}/positions/new"),
    (Method::POST, "/members/{id}/positions/new"),
    (Method::GET, "/members/{id}/positions/{pos}/end"),
    (Method::POST, "/members/{id}/positions/{pos}/end"),
    // imports
    (Method::GET, "/orgs/{id}/import"),
    (Method::POST, "/orgs/{id}/import"),
    (Method::GET, "/import/templates/members.xlsx"),
    (Method::GET, "/import/templates/orgs.xlsx"),
    // search
    (Method::GET, "/search"),
    // admin
    (Method::GET, "/admin"),
    (Method::GET, "/admin/users/new"),
    (Method::POST, "/admin/users/new"),
    (Method::GET, "/admin/users/{id}"),
    (Method::POST, "/admin/users/{id}/password"),
    (Method::POST, "/admin/users/{id}/disabled"),
    (Method::POST, "/admin/users/{id}/grants"),
    (Method::POST, "/admin/users/{id}/grants/{grant}/revoke"),
    (Method::GET, "/admin/audit"),
    // account
    (Method::GET, "/account/password"),
    (Method::POST, "/account/password"),
    // api
    (Method::GET, "/api/me"),
    (Method::GET, "/api/orgs"),
    (Method::GET, "/api/orgs/{id}"),
    (Method::GET, "/api/orgs/{id}/children"),
    (Method::POST, "/api/orgs/{id}/children"),
    (Method::GET, "/api/orgs/{id}/members"),
    (Method::GET, "/api/members/{id}"),
    (Method::GET, "/api/search"),
    // health
    (Method::GET, "/healthz"),
];
