//! Search (docs/SEARCH.md): one box that finds, with or without diacritics, the units
//! whose names match (from the store, by their folded names) and every document, program,
//! task, report, member, portal article and consultation comment the user may see (from the full-text index, filtered by the
//! user's grants), with facets by kind, year and unit, highlighted passages and pages.
//!
//! The page and `GET /api/search` share [`run`]. It takes the searcher as an
//! `Option<&Principal>`: `None` (a visitor without an account) finds public records only:
//! the page serves visitors (the public portal's search box points to it); the JSON API
//! requires a signed-in user.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::search::Kind;
use domain::{OrgId, OrgPath, Principal};
use store::Org;

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::forms::{query_param, urlencode};

/// Units shown whose names match.
pub const ORG_LIMIT: u32 = 30;
/// Members listed by the JSON API's name search (kept for its clients).
pub const MEMBER_LIMIT: u32 = 50;
/// Longest query considered.
pub const MAX_QUERY: usize = 200;
/// Results per page.
pub const PAGE_SIZE: usize = 20;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

/// The query of a request, trimmed and cut to [`MAX_QUERY`] characters.
pub fn clean_query(raw: &str) -> String {
    raw.trim().chars().take(MAX_QUERY).collect()
}

/// What a search asks: the words and the facets chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pub q: String,
    pub kind: Option<Kind>,
    pub year: Option<i32>,
    pub org: Option<OrgId>,
    /// 1-based.
    pub page: usize,
}

impl Params {
    /// From a query string; values that do not parse are ignored.
    pub fn parse(raw: &Option<String>) -> Params {
        let max_page = ::search::MAX_OFFSET / PAGE_SIZE + 1;
        Params {
            q: clean_query(&query_param(raw, "q")),
            kind: Kind::parse(&query_param(raw, "kind")),
            year: query_param(raw, "year")
                .parse()
                .ok()
                .filter(|y| (1900..=2200).contains(y)),
            org: query_param(raw, "org").parse().ok().map(OrgId),
            page: query_param(raw, "page")
                .parse()
                .unwrap_or(1usize)
                .clamp(1, max_page),
        }
    }

    /// Whether there is something to search.
    pub fn searched(&self) -> bool {
        !domain::text::fold(&self.q).is_empty()
    }

    /// The address of these parameters (`base` is `/search` or `/api/search`).
    pub fn href(&self, base: &str) -> String {
        let mut s = format!("{base}?q={}", urlencode(&self.q));
        if let Some(k) = self.kind {
            s.push_str(&format!("&kind={}", k.as_str()));
        }
        if let Some(y) = self.year {
            s.push_str(&format!("&year={y}"));
        }
        if let Some(o) = self.org {
            s.push_str(&format!("&org={}", o.0));
        }
        if self.page > 1 {
            s.push_str(&format!("&page={}", self.page));
        }
        s
    }

    fn with(&self, f: impl FnOnce(&mut Params)) -> Params {
        let mut p = self.clone();
        p.page = 1;
        f(&mut p);
        p
    }
}

/// The page of a hit, for a signed-in user or (`visitor`) someone without an account.
pub fn hit_href(h: &::search::Hit, visitor: bool) -> String {
    match (h.kind, h.parent) {
        // Editors reach an article that is not public yet from its management page.
        (Kind::Article, _) if !h.public => format!("/news/{}/manage", h.id),
        // A comment at its place on the consultation's page (`#c{id}`); the public page
        // lists the public's moderated comments.
        (Kind::Comment, Some(c)) if visitor => format!("/public/consultations/{c}"),
        (Kind::Comment, Some(c)) => format!("/consultations/{c}#c{}", h.id),
        _ => href(h.kind, h.id),
    }
}

/// The page of a record of a kind.
pub fn href(kind: Kind, id: i64) -> String {
    match kind {
        Kind::Document => format!("/documents/{id}"),
        Kind::Program => format!("/programs/{id}"),
        Kind::Task => format!("/tasks/{id}"),
        Kind::Report => format!("/reports/{id}"),
        Kind::Member => format!("/members/{id}"),
        Kind::Article => format!("/news/{id}"),
        // Without its consultation (see `hit_href`): the comment's answer page.
        Kind::Comment => format!("/consultation-comments/{id}/answer"),
    }
}

/// One result, ready to show.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct HitView {
    /// `document`, `program`, `task`, `report`, `member`, `article`, `comment`.
    pub kind: String,
    pub id: i64,
    /// The record's page.
    pub href: String,
    /// HTML: the title, escaped, the matched words in `<mark>`.
    pub title_html: String,
    /// HTML: the best passage, escaped, the matched words in `<mark>`.
    pub passage_html: String,
    pub unit_id: i64,
    /// The unit's name, when the user may see it.
    pub unit: Option<String>,
    pub date: Option<time::Date>,
}

/// A facet value: what it is, how many results have it, the address that chooses it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FacetValue {
    /// The kind's name, the year, or the unit's id.
    pub value: String,
    pub label: String,
    pub count: i64,
    /// The search page with this value chosen.
    pub href: String,
    pub chosen: bool,
}

/// The outcome of a search.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub total: usize,
    pub hits: Vec<HitView>,
    pub kinds: Vec<FacetValue>,
    pub years: Vec<FacetValue>,
    /// The unit whose subtrees `units` counts, with its name.
    pub units_of: Option<(OrgId, String)>,
    pub units: Vec<FacetValue>,
    /// The search one unit up, when a unit is chosen.
    pub up: Option<String>,
    /// Choices made, each with the address that drops it.
    pub chosen: Vec<(String, String)>,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// The unit chosen was not one the user may see: ignored.
    pub unavailable: bool,
}

/// Runs a search for the page and the API.
pub async fn run(
    st: &AppState,
    ctx: &Ctx,
    who: Option<&Principal>,
    params: &Params,
) -> Result<Outcome, AppError> {
    let Some(service) = &st.search else {
        return Err(AppError::Internal("the search index is not open".into()));
    };
    let mut out = Outcome::default();
    let within: Option<Org> = match (params.org, who) {
        (Some(id), Some(p)) => match st.store.org_get(p, id).await {
            Ok(o) => Some(o),
            Err(store::StoreError::NotFound) => {
                out.unavailable = true;
                None
            }
            Err(e) => return Err(e.into()),
        },
        _ => None,
    };
    let params = &Params {
        org: within.as_ref().map(|o| o.id),
        ..params.clone()
    };
    let query = ::search::Query {
        text: params.q.clone(),
        kind: params.kind,
        year: params.year,
        within: within.as_ref().map(|o| o.path.clone()),
        offset: (params.page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
    };
    let res = service
        .query(who, &query)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;

    // Names of the units shown: the results' and the facet's.
    let mut ids: Vec<OrgId> = res.hits.iter().map(|h| h.org_path.id()).collect();
    ids.extend(res.units.iter().map(|(id, _)| *id));
    ids.extend(res.units_of.as_ref().map(OrgPath::id));
    ids.sort();
    ids.dedup();
    let names: std::collections::HashMap<OrgId, String> = match who {
        Some(p) => st
            .store
            .search_unit_names(p, &ids)
            .await?
            .into_iter()
            .collect(),
        // A visitor is shown no unit's name.
        None => Default::default(),
    };

    out.total = res.total;
    out.hits = res
        .hits
        .iter()
        .map(|h| HitView {
            kind: h.kind.as_str().to_owned(),
            id: h.id,
            href: hit_href(h, who.is_none()),
            title_html: h.title_html.clone(),
            passage_html: h.passage_html.clone(),
            unit_id: h.org_path.id().0,
            unit: names.get(&h.org_path.id()).cloned(),
            date: h.date,
        })
        .collect();
    out.kinds = res
        .kinds
        .iter()
        .map(|(k, n)| FacetValue {
            value: k.as_str().to_owned(),
            label: ctx.t(&format!("search.kind.{}", k.as_str())).to_owned(),
            count: *n as i64,
            href: params.with(|p| p.kind = Some(*k)).href("/search"),
            chosen: params.kind == Some(*k),
        })
        .collect();
    out.years = res
        .years
        .iter()
        .map(|(y, n)| FacetValue {
            value: y.to_string(),
            label: y.to_string(),
            count: *n as i64,
            href: params.with(|p| p.year = Some(*y)).href("/search"),
            chosen: params.year == Some(*y),
        })
        .collect();
    out.units_of = res
        .units_of
        .as_ref()
        .and_then(|p| Some((p.id(), names.get(&p.id())?.clone())));
    out.units = res
        .units
        .iter()
        .filter_map(|(id, n)| {
            Some(FacetValue {
                value: id.0.to_string(),
                label: names.get(id)?.clone(),
                count: *n as i64,
                href: params.with(|p| p.org = Some(*id)).href("/search"),
                chosen: false,
            })
        })
        .collect();
    if let (Some(o), Some(p)) = (&within, who) {
        // One level up, while the user may read it; else the whole of what they see.
        let parent = o.path.parent_or_self();
        let parent =
            (parent != o.path && p.can(domain::Permission::Read, &parent)).then(|| parent.id());
        out.up = Some(params.with(|q| q.org = parent).href("/search"));
        out.chosen.push((
            o.name.clone(),
            params.with(|q| q.org = None).href("/search"),
        ));
    }
    if let Some(k) = params.kind {
        out.chosen.push((
            ctx.t(&format!("search.kind.{}", k.as_str())).to_owned(),
            params.with(|q| q.kind = None).href("/search"),
        ));
    }
    if let Some(y) = params.year {
        out.chosen.push((
            y.to_string(),
            params.with(|q| q.year = None).href("/search"),
        ));
    }
    if params.page > 1 {
        let mut p = params.clone();
        p.page -= 1;
        out.prev = Some(p.href("/search"));
    }
    if params.page * PAGE_SIZE < res.total.min(::search::MAX_OFFSET + PAGE_SIZE) {
        let mut p = params.clone();
        p.page += 1;
        out.next = Some(p.href("/search"));
    }
    Ok(out)
}

#[derive(Template, WebTemplate)]
#[template(path = "search/search.html")]
struct SearchPage {
    ctx: Ctx,
    title: String,
    q: String,
    orgs: Vec<Org>,
    searched: bool,
    out: Outcome,
    from: usize,
    to: usize,
}

impl SearchPage {
    fn date(&self, d: &Option<time::Date>) -> String {
        d.map(|d| self.ctx.date(&d)).unwrap_or_default()
    }

    fn range(&self) -> String {
        self.ctx.fill(
            "search.showing",
            "range",
            format!("{}–{}", self.ctx.num(self.from), self.ctx.num(self.to)),
        )
    }

    fn kind_label(&self, kind: &str) -> String {
        self.ctx.t(&format!("search.kind.{kind}")).to_owned()
    }
}

/// The search page. A visitor without an account (the public portal's search box) finds
/// what is public: published articles and the public's moderated comments.
async fn search(
    ctx: Ctx,
    State(st): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let params = Params::parse(&query);
    let searched = params.searched();
    let user = ctx.user.clone();
    let who = user.as_deref();
    let (orgs, out) = if searched {
        let orgs = match who {
            Some(p) if params.page == 1 && params.kind.is_none() && params.year.is_none() => {
                st.store.org_search(p, &params.q, ORG_LIMIT).await?
            }
            _ => Vec::new(),
        };
        (orgs, run(&st, &ctx, who, &params).await?)
    } else {
        (Vec::new(), Outcome::default())
    };
    let title = if searched {
        format!("{} – {}", ctx.t("search.title"), params.q)
    } else {
        ctx.t("search.title").to_owned()
    };
    let from = (params.page - 1) * PAGE_SIZE + 1;
    let to = from + out.hits.len().saturating_sub(1);
    Ok(SearchPage {
        ctx,
        title,
        q: params.q,
        orgs,
        searched,
        out,
        from,
        to,
    }
    .into_response())
}
