//! The full-text part of `GET /api/search` (the handler is in [`super::orgs`], which
//! answers the name search of units and members beside it): the same [`crate::search::run`]
//! as the page, as JSON.

use serde::Serialize;
use utoipa::ToSchema;

use crate::search::{FacetValue, HitView, Outcome};

/// Documents, programs, tasks, reports and members the user may see that match, one page
/// of them, with the facets of all of them.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// All matches the user may see.
    pub total: usize,
    /// The page asked (1-based) and its size.
    pub page: usize,
    pub page_size: usize,
    pub hits: Vec<HitView>,
    /// Matches per kind (`value`: `document`, `program`, `task`, `report`, `member`,
    /// `article`, `comment`).
    pub kinds: Vec<FacetValue>,
    /// Matches per year, newest first.
    pub years: Vec<FacetValue>,
    /// The unit whose sub-units `units` counts.
    pub units_of: Option<i64>,
    /// Matches per sub-unit (`value`: the unit's id; choose with `org=`).
    pub units: Vec<FacetValue>,
    /// The next page's query string, when there is one.
    pub next: Option<String>,
}

impl SearchResults {
    pub fn new(out: Outcome, page: usize) -> SearchResults {
        let api = |h: String| h.replacen("/search?", "/api/search?", 1);
        let facet = |v: Vec<FacetValue>| {
            v.into_iter()
                .map(|f| FacetValue {
                    href: api(f.href),
                    ..f
                })
                .collect()
        };
        SearchResults {
            total: out.total,
            page,
            page_size: crate::search::PAGE_SIZE,
            hits: out.hits,
            kinds: facet(out.kinds),
            years: facet(out.years),
            units_of: out.units_of.map(|(id, _)| id.0),
            units: facet(out.units),
            next: out.next.map(api),
        }
    }
}
