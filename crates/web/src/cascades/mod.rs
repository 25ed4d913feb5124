//! Cascades: from a document's page, assign the document to a subtree (all district-level
//! organizations, all grassroots organizations under one unit, or one unit) with
//! deadlines checked by `domain::cascade`; the cascade's page lists the units reached with
//! their state (overdue from the day after a deadline, with the secretary who answers for
//! it); the office records that a unit studied the document.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::cascade::CascadeForm;
use domain::{
    CascadeDeadlines, CascadeId, CascadeScope, Invalid, OrgKind, Permission, Principal,
    ReportEvery, UnitStatus, validate,
};
use store::{Cascade, CascadeUnit, CascadeUnitId, Document, OverdueUnit, Page, StoreError};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::documents::{self, deadline_tag};
use crate::error::AppError;
use crate::forms::{self, Field, FormData, FormErrors, FormPage, store_errors, today, today_text};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/documents/{id}/cascades/new", get(new_form).post(create))
        .route("/cascades/{id}", get(show))
        .route("/cascade-units/{id}/study", get(study_form).post(study))
}

/// Units read to filter a cascade's page to its overdue units.
const MAX_UNITS: u32 = 2000;
/// Units shown on one page of a cascade.
const UNITS_PER_PAGE: usize = 100;

// ---- New cascade ------------------------------------------------------------------------

fn new_page(ctx: &Ctx, doc: &Document, f: &FormData, errors: FormErrors) -> Response {
    let fresh = f.0.is_empty();
    let v = |k: &str, default: &str| {
        if fresh {
            default.to_owned()
        } else {
            f.get(k).to_owned()
        }
    };
    let mut page = FormPage::new(
        ctx,
        ctx.t("documents.cascade.new_title"),
        &format!("/documents/{}/cascades/new", doc.id),
        errors,
    );
    page.caption = format!("{} – {}", doc.symbol, doc.title);
    page.intro = ctx.t("documents.cascade.new_intro").to_owned();
    page.cancel_href = format!("/documents/{}", doc.id);
    page.submit = ctx.t("documents.cascade.submit").to_owned();
    let scopes = ["directly_affiliated", "grassroots", "one"]
        .iter()
        .map(|s| {
            (
                (*s).to_owned(),
                ctx.t(&format!("documents.cascade.scope_kind.{s}"))
                    .to_owned(),
            )
        })
        .collect();
    let every = ReportEvery::ALL
        .iter()
        .map(|r| (r.as_str().to_owned(), ctx.report_every(r).to_owned()))
        .collect();
    page.fields = vec![
        Field::radios(
            "scope",
            ctx.t("documents.cascade.field.scope"),
            &v("scope", "directly_affiliated"),
            scopes,
        ),
        Field::text(
            "unit",
            ctx.t("documents.cascade.field.unit"),
            &v("unit", ""),
        )
        .pick("orgs")
        .hint(ctx.t("documents.cascade.field.unit_hint")),
        Field::date(
            ctx.lang,
            "study_by",
            ctx.t("documents.cascade.field.study_by"),
            &v("study_by", ""),
        ),
        Field::date(
            ctx.lang,
            "program_by",
            ctx.t("documents.cascade.field.program_by"),
            &v("program_by", ""),
        ),
        Field::radios(
            "report_every",
            ctx.t("documents.cascade.field.report_every"),
            &v("report_every", "quarterly"),
            every,
        ),
        Field::date(
            ctx.lang,
            "interim_review_by",
            ctx.t("documents.cascade.field.interim_review_by"),
            &v("interim_review_by", ""),
        ),
        Field::date(
            ctx.lang,
            "reports_until",
            ctx.t("documents.cascade.field.reports_until"),
            &v("reports_until", ""),
        ),
    ];
    page.respond()
}

async fn load_for_cascade(st: &AppState, p: &Principal, raw: &str) -> Result<Document, AppError> {
    let doc = documents::load(st, p, raw).await?;
    if !p.can(Permission::EditOrgs, &doc.issuer_path) {
        return Err(AppError::Forbidden);
    }
    Ok(doc)
}

async fn new_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let doc = load_for_cascade(&st, &auth.p, &id).await?;
    Ok(new_page(
        &auth.ctx,
        &doc,
        &FormData::default(),
        FormErrors::default(),
    ))
}

/// The field of the form a scope or store message belongs to.
fn scope_field(field: &str) -> &str {
    match field {
        "kinds" => "scope",
        "root" => "unit",
        other => other,
    }
}

async fn create(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let doc = documents::load(&st, &auth.p, &id).await?;
    let lang = auth.ctx.lang;
    let mut errors = FormErrors::default();
    // The scope: its root unit (the issuer unless named) and the kinds it reaches.
    let named =
        crate::pick::org_into(&st, &auth.ctx, &auth.p, &f, "unit", false, &mut errors).await?;
    let scope = match f.get("scope") {
        "directly_affiliated" => Some(CascadeScope {
            root: doc.issuer_path.clone(),
            kinds: vec![OrgKind::DirectlyAffiliated],
            include_root: false,
        }),
        "grassroots" => Some(CascadeScope {
            root: named
                .as_ref()
                .map_or_else(|| doc.issuer_path.clone(), |o| o.path.clone()),
            kinds: vec![OrgKind::Grassroots],
            include_root: false,
        }),
        "one" => match &named {
            Some(o) => Some(CascadeScope {
                root: o.path.clone(),
                kinds: Vec::new(),
                include_root: true,
            }),
            None => {
                if f.get("unit").trim().is_empty() {
                    errors.push(lang, "unit", "required");
                }
                None
            }
        },
        _ => {
            errors.push(lang, "scope", "bad_choice");
            None
        }
    };
    if let Some(Err(inv)) = scope.as_ref().map(|s| s.check(&doc.issuer_path)) {
        for e in &inv.0 {
            errors.push(lang, scope_field(e.field), e.code);
        }
    }
    let form = CascadeForm {
        study_by: f.get("study_by").to_owned(),
        program_by: f.get("program_by").to_owned(),
        report_every: f.get("report_every").to_owned(),
        interim_review_by: f.get("interim_review_by").to_owned(),
        reports_until: f.get("reports_until").to_owned(),
        grace_days: String::new(),
    };
    let deadlines = match CascadeDeadlines::parse(&form, doc.issued_on) {
        Ok(d) => Some(d),
        Err(inv) => {
            errors.0.extend(FormErrors::from_invalid(lang, &inv).0);
            None
        }
    };
    let (Some(scope), Some(deadlines), true) = (scope, deadlines, errors.is_empty()) else {
        return Ok(new_page(&auth.ctx, &doc, &f, errors));
    };
    // Back from the check-your-answers page to change something.
    if !f.get("change").is_empty() {
        return Ok(new_page(&auth.ctx, &doc, &f, FormErrors::default()));
    }
    if f.get("confirm") != "yes" {
        // A cascade cannot be taken back: check your answers first, with what it will do.
        let target = named.as_ref().map_or(doc.issuer_name.as_str(), |o| &o.name);
        let store_result = st
            .store
            .preview_cascade(&auth.p, doc.id, scope.clone(), deadlines.clone())
            .await;
        return match store_result {
            Ok(preview) if preview.reached > 0 => Ok(confirm_page(
                &auth.ctx, &doc, &f, target, &deadlines, preview,
            )),
            Ok(_) => {
                let mut errors = FormErrors::default();
                errors.push(lang, "scope", "cascade_reaches_none");
                Ok(new_page(&auth.ctx, &doc, &f, errors))
            }
            Err(e) => {
                let mut errors = FormErrors::default();
                for m in store_errors(lang, e)?.0 {
                    let field = scope_field(&m.field).to_owned();
                    errors.0.push(forms::FieldMessage { field, ..m });
                }
                Ok(new_page(&auth.ctx, &doc, &f, errors))
            }
        };
    }
    match st
        .store
        .create_cascade(&auth.p, doc.id, scope, deadlines)
        .await
    {
        Ok(s) => Ok(Redirect::to(&format!(
            "/cascades/{}?reached={}&skipped={}",
            s.id, s.reached, s.skipped
        ))
        .into_response()),
        Err(e) => {
            let mut errors = FormErrors::default();
            for m in store_errors(lang, e)?.0 {
                let field = scope_field(&m.field).to_owned();
                errors.0.push(forms::FieldMessage { field, ..m });
            }
            Ok(new_page(&auth.ctx, &doc, &f, errors))
        }
    }
}

// ---- Check your answers -----------------------------------------------------------------

/// The form's fields carried through the check-your-answers page.
const CASCADE_FIELDS: [&str; 7] = [
    "scope",
    "unit",
    "study_by",
    "program_by",
    "report_every",
    "interim_review_by",
    "reports_until",
];

#[derive(Template, WebTemplate)]
#[template(path = "cascades/confirm.html")]
struct ConfirmPage {
    ctx: Ctx,
    title: String,
    doc: Document,
    /// (label, answer) in form order.
    answers: Vec<(String, String)>,
    hidden: Vec<(&'static str, String)>,
    reach: String,
}

fn confirm_page(
    ctx: &Ctx,
    doc: &Document,
    f: &FormData,
    target: &str,
    d: &CascadeDeadlines,
    preview: store::CascadePreview,
) -> Response {
    let t = |k: &str| ctx.t(k).to_owned();
    let scope = match f.get("scope") {
        "directly_affiliated" => i18n::fill(
            ctx.t("documents.cascade.confirm.scope_districts"),
            &[("unit", &target)],
        ),
        "grassroots" => i18n::fill(
            ctx.t("documents.cascade.confirm.scope_grassroots"),
            &[("unit", &target)],
        ),
        _ => target.to_owned(),
    };
    let optional = |d: Option<time::Date>| match d {
        Some(d) => ctx.date(&d),
        None => t("documents.cascade.confirm.none"),
    };
    let answers = vec![
        (t("documents.cascade.field.scope"), scope),
        (t("documents.cascade.field.study_by"), ctx.date(&d.study_by)),
        (
            t("documents.cascade.field.program_by"),
            ctx.date(&d.program_by),
        ),
        (
            t("documents.cascade.field.report_every"),
            ctx.report_every(&d.report_every).to_owned(),
        ),
        (
            t("documents.cascade.field.interim_review_by"),
            optional(d.interim_review_by),
        ),
        (
            t("documents.cascade.field.reports_until"),
            optional(d.reports_until),
        ),
    ];
    let mut reach = i18n::fill(
        ctx.t("documents.cascade.confirm.reach"),
        &[("reached", &preview.reached)],
    );
    if preview.skipped > 0 {
        reach.push(' ');
        reach.push_str(&i18n::fill(
            ctx.t("documents.cascade.confirm.skip"),
            &[("skipped", &preview.skipped)],
        ));
    }
    ConfirmPage {
        title: t("documents.cascade.confirm.title"),
        ctx: ctx.clone(),
        doc: doc.clone(),
        answers,
        hidden: CASCADE_FIELDS
            .iter()
            .map(|k| (*k, f.get(k).to_owned()))
            .collect(),
        reach,
    }
    .into_response()
}

// ---- A cascade's page -------------------------------------------------------------------

/// One unit row of a cascade's page.
pub struct UnitRow {
    pub unit: CascadeUnit,
    pub status: UnitStatus,
    pub overdue: Option<OverdueUnit>,
    pub can_record: bool,
}

impl UnitRow {
    fn study_tag(&self) -> (&'static str, &'static str) {
        deadline_tag("study", self.status.study)
    }

    fn program_tag(&self) -> (&'static str, &'static str) {
        deadline_tag("program", self.status.program)
    }

    fn reports_tag(&self) -> (String, &'static str) {
        use domain::cascade::ReportStanding::*;
        let colour = match self.status.reports {
            NotDue => "tag-grey",
            OnTime => "tag-green",
            Late => "tag-yellow",
            Behind => "tag-red",
        };
        (
            format!("documents.cascade.reports.{}", self.status.reports.as_str()),
            colour,
        )
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "cascades/show.html")]
struct ShowPage {
    ctx: Ctx,
    title: String,
    cascade: Cascade,
    doc: Document,
    rows: Vec<UnitRow>,
    only_overdue: bool,
    notice: String,
    today_date: time::Date,
    pager: forms::Pager,
}

/// The overdue units of a cascade's document under the units the principal may read,
/// by cascade unit: from the issuer when readable, otherwise from each of the user's
/// own units.
pub(crate) async fn overdue_map(
    st: &AppState,
    p: &Principal,
    cascade: &Cascade,
) -> Result<HashMap<CascadeUnitId, OverdueUnit>, AppError> {
    let page = Page {
        offset: 0,
        limit: MAX_UNITS,
    };
    let today = today();
    let roots = if p.can(Permission::Read, &cascade.scope_root_path) {
        vec![cascade.issuer_org_id]
    } else {
        st.store
            .org_roots(p)
            .await?
            .into_iter()
            .map(|o| o.id)
            .collect()
    };
    let mut out = HashMap::new();
    for org in roots {
        match st
            .store
            .overdue_units(p, org, cascade.document_id, today, page)
            .await
        {
            Ok(list) => out.extend(list.into_iter().map(|u| (u.cascade_unit_id, u))),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

async fn show(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let cascade = st.store.cascade(p, forms::id::<CascadeId>(&id)?).await?;
    let doc = st.store.document(p, cascade.document_id).await?;
    let today = today();
    let only_overdue = forms::query_param(&q, "overdue") == "1";
    let page_no = forms::Pager::page_of(&q);
    // Unfiltered and seen whole, the store reads one page. The overdue filter is a state
    // derived from the deadlines and the facts, and a reader of part of the scope sees
    // fewer units than the cascade counts: both read the units first and page what is
    // left.
    let whole = p.can(Permission::Read, &cascade.scope_root_path);
    let (units, pager) = if only_overdue || !whole {
        let all = st
            .store
            .cascade_units(
                p,
                cascade.id,
                Page {
                    offset: 0,
                    limit: MAX_UNITS,
                },
            )
            .await?;
        let left: Vec<CascadeUnit> = all
            .into_iter()
            .filter(|u| {
                !only_overdue || UnitStatus::derive(&u.deadlines, &u.facts, today).needs_attention()
            })
            .collect();
        let mut pager = forms::Pager::new(page_no, left.len(), UNITS_PER_PAGE);
        if only_overdue {
            pager = pager.keeping("overdue", 1);
        }
        let page = left
            .into_iter()
            .skip(pager.offset())
            .take(UNITS_PER_PAGE)
            .collect();
        (page, pager)
    } else {
        let pager = forms::Pager::new(page_no, cascade.unit_count as usize, UNITS_PER_PAGE);
        let page = st
            .store
            .cascade_units(
                p,
                cascade.id,
                Page {
                    offset: pager.offset() as u32,
                    limit: UNITS_PER_PAGE as u32,
                },
            )
            .await?;
        (page, pager)
    };
    let mut overdue = overdue_map(&st, p, &cascade).await?;
    let rows: Vec<UnitRow> = units
        .into_iter()
        .map(|u| UnitRow {
            status: UnitStatus::derive(&u.deadlines, &u.facts, today),
            overdue: overdue.remove(&u.id),
            can_record: p.can(Permission::EditPeople, &u.org_path),
            unit: u,
        })
        .collect();
    let ctx = auth.ctx;
    let mut notice = String::new();
    if let Ok(n) = forms::query_param(&q, "reached").parse::<u64>() {
        notice = i18n::fill(ctx.t("documents.cascade.done"), &[("reached", &n)]);
        if let Ok(s) = forms::query_param(&q, "skipped").parse::<u64>()
            && s > 0
        {
            notice.push(' ');
            notice.push_str(&i18n::fill(
                ctx.t("documents.cascade.skipped"),
                &[("skipped", &s)],
            ));
        }
    }
    Ok(ShowPage {
        title: i18n::fill(ctx.t("documents.cascade.title"), &[("symbol", &doc.symbol)]),
        ctx,
        cascade,
        doc,
        rows,
        only_overdue,
        notice,
        today_date: today,
        pager,
    }
    .into_response())
}

// ---- Record a study ---------------------------------------------------------------------

async fn load_unit(
    st: &AppState,
    p: &Principal,
    raw: &str,
) -> Result<(CascadeUnit, Document), AppError> {
    let unit = st
        .store
        .cascade_unit(p, CascadeUnitId(forms::id::<i64>(raw)?))
        .await?;
    let cascade = st.store.cascade(p, unit.cascade_id).await?;
    let doc = st.store.document(p, cascade.document_id).await?;
    Ok((unit, doc))
}

fn study_page(
    ctx: &Ctx,
    unit: &CascadeUnit,
    doc: &Document,
    f: &FormData,
    errors: FormErrors,
) -> Response {
    let on = if f.0.iter().any(|(k, _)| k == "on") {
        f.get("on").to_owned()
    } else {
        today_text()
    };
    let mut page = FormPage::new(
        ctx,
        ctx.t("documents.cascade.study_title"),
        &format!("/cascade-units/{}/study", unit.id),
        errors,
    );
    page.caption = unit.org_name.clone();
    page.intro = i18n::fill(
        ctx.t("documents.cascade.study_intro"),
        &[("unit", &unit.org_name), ("symbol", &doc.symbol)],
    );
    page.cancel_href = format!("/cascades/{}", unit.cascade_id);
    page.submit = ctx.t("documents.cascade.record_study").to_owned();
    page.fields = vec![Field::date(
        ctx.lang,
        "on",
        ctx.t("documents.cascade.field.studied_on"),
        &on,
    )];
    page.respond()
}

async fn study_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (unit, doc) = load_unit(&st, &auth.p, &id).await?;
    if !auth.p.can(Permission::EditPeople, &unit.org_path) {
        return Err(AppError::Forbidden);
    }
    Ok(study_page(
        &auth.ctx,
        &unit,
        &doc,
        &FormData::default(),
        FormErrors::default(),
    ))
}

async fn study(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let (unit, doc) = load_unit(&st, &auth.p, &id).await?;
    let lang = auth.ctx.lang;
    let mut inv = Invalid::default();
    let on = inv.take(validate::date("on", f.get("on")));
    if let Some(d) = on
        && d > today()
    {
        inv.push("on", "bad_date");
    }
    let (Some(on), true) = (on, inv.is_empty()) else {
        let errors = FormErrors::from_invalid(lang, &inv);
        return Ok(study_page(&auth.ctx, &unit, &doc, &f, errors));
    };
    match st.store.record_study(&auth.p, unit.id, on).await {
        Ok(u) => Ok(Redirect::to(&format!("/cascades/{}", u.cascade_id)).into_response()),
        Err(e) => {
            let errors = store_errors(lang, e)?;
            Ok(study_page(&auth.ctx, &unit, &doc, &f, errors))
        }
    }
}
