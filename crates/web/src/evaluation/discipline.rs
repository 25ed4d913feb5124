//! Disciplinary measures (kỷ luật; issue 17 item 1, docs/EVALUATION.md): a unit's page
//! lists the measures of its subtree, latest first, and, for who keeps its people
//! (`EditPeople`), records one on a member or a unit picked by name (`crate::pick`) with
//! its date, form, decision number and reason. The "no discipline" criterion and the
//! levels' condition read them when the period is computed.
//!
//! - `GET /orgs/{id}/discipline?page=`
//! - `POST /orgs/{id}/discipline`
//!
//! Who reads what is the store's (`EvaluationStore::discipline_records`): the unit's
//! readers, never its peers; a member's measure as their evaluation.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{Invalid, OrgId, Permission, validate};
use store::{DisciplineRecord, NewDiscipline, Org};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::forms::{self, Field, FormData, FormErrors, query_param};

/// Measures shown on one page.
const PER_PAGE: usize = 50;

/// The forms of party discipline (Điều lệ Đảng): the value posted, the text kept in the
/// record, and whom it applies to (a member, a unit).
const FORMS: [(&str, &str, bool, bool); 5] = [
    ("reprimand", "Khiển trách", true, true),
    ("warning", "Cảnh cáo", true, true),
    ("dismissal", "Cách chức", true, false),
    ("expulsion", "Khai trừ", true, false),
    ("dissolution", "Giải tán", false, true),
];

#[derive(Template, WebTemplate)]
#[template(path = "evaluation/discipline.html")]
struct DisciplinePage {
    ctx: Ctx,
    title: String,
    org: Org,
    rows: Vec<DisciplineRecord>,
    pager: forms::Pager,
    /// The form, for who keeps the unit's people.
    fields: Vec<Field>,
    errors: FormErrors,
    saved: bool,
}

fn fields(ctx: &Ctx, org: &Org, f: &FormData) -> Vec<Field> {
    let t = |k: &str| ctx.t(&format!("evaluation.discipline.{k}"));
    let value = |name: &str, default: String| match f.0.is_empty() {
        true => default,
        false => f.get(name).to_owned(),
    };
    vec![
        Field::text("member", t("member"), f.get("member"))
            .hint(t("member_hint"))
            .pick("members"),
        Field::text("unit", t("unit"), &value("unit", String::new()))
            .hint(&i18n::fill(t("unit_hint"), &[("unit", &org.name)]))
            .pick("orgs"),
        Field::select(
            "form",
            t("form"),
            f.get("form"),
            std::iter::once((String::new(), t("choose").to_owned()))
                .chain(
                    FORMS
                        .iter()
                        .map(|(v, _, _, _)| ((*v).to_owned(), t(&format!("form_{v}")).to_owned())),
                )
                .collect(),
        ),
        Field::date(
            ctx.lang,
            "decided_on",
            t("decided_on"),
            &value("decided_on", forms::today_text()),
        ),
        Field::short("decision_no", t("decision_no"), f.get("decision_no"))
            .hint(t("decision_no_hint")),
        Field::textarea("note", t("note"), f.get("note")),
    ]
}

pub(crate) async fn page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let org = st.store.org_get(&auth.p, forms::id::<OrgId>(&id)?).await?;
    let saved = query_param(&query, "done") == "saved";
    respond(
        &auth,
        &st,
        org,
        FormData::default(),
        FormErrors::default(),
        forms::Pager::page_of(&query),
        saved,
    )
    .await
}

async fn respond(
    auth: &Auth,
    st: &AppState,
    org: Org,
    f: FormData,
    mut errors: FormErrors,
    page: usize,
    saved: bool,
) -> Result<Response, AppError> {
    let all = st.store.discipline_records(&auth.p, org.id).await?;
    let pager = forms::Pager::new(page, all.len(), PER_PAGE);
    let rows = all
        .into_iter()
        .skip(pager.offset())
        .take(PER_PAGE)
        .collect();
    let ctx = auth.ctx.clone();
    let fields = if auth.p.can(Permission::EditPeople, &org.path) {
        fields(&ctx, &org, &f)
    } else {
        Vec::new()
    };
    errors.label(&fields);
    let heading = format!("{} – {}", ctx.t("evaluation.discipline.title"), org.name);
    let page = DisciplinePage {
        title: forms::title(ctx.lang, &errors, &heading),
        org,
        rows,
        pager,
        fields,
        saved,
        errors,
        ctx,
    };
    Ok((page.errors.status(), page).into_response())
}

pub(crate) async fn record(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let org = st.store.org_get(&auth.p, forms::id::<OrgId>(&id)?).await?;
    if !auth.p.can(Permission::EditPeople, &org.path) {
        return Err(AppError::Forbidden);
    }
    let ctx = &auth.ctx;
    let mut errors = FormErrors::default();
    // Who: a member of the unit's subtree, or a unit in it (the page's own by default).
    let member = match crate::pick::member_in(
        &st,
        ctx,
        &auth.p,
        f.get("member"),
        &org,
        "evaluation.discipline.member_outside",
    )
    .await?
    {
        Ok(m) => m,
        Err(message) => {
            errors.push_text("member", &message);
            None
        }
    };
    let unit =
        match crate::pick::org_into(&st, ctx, &auth.p, &f, "unit", false, &mut errors).await? {
            Some(u) if !org.path.covers(&u.path) => {
                errors.push_text(
                    "unit",
                    &i18n::fill(
                        ctx.t("evaluation.discipline.unit_outside"),
                        &[("name", &u.name), ("unit", &org.name)],
                    ),
                );
                None
            }
            u => u,
        };
    let named_member = !f.get("member").trim().is_empty();
    if named_member && !f.get("unit").trim().is_empty() {
        errors.push_key(ctx.lang, "unit", "evaluation.discipline.one_subject");
    }
    let form = FORMS.iter().find(|(v, ..)| *v == f.get("form"));
    match form {
        None => errors.push(ctx.lang, "form", "required"),
        Some((_, _, for_member, for_unit)) if errors.is_empty() => {
            if named_member && !for_member {
                errors.push_key(ctx.lang, "form", "evaluation.discipline.not_for_member");
            } else if !named_member && !for_unit {
                errors.push_key(ctx.lang, "form", "evaluation.discipline.not_for_unit");
            }
        }
        Some(_) => {}
    }
    let mut inv = Invalid::default();
    let decided_on = inv.take(validate::date("decided_on", f.get("decided_on")));
    for e in &inv.0 {
        errors.push(ctx.lang, e.field, e.code);
    }
    let result = match (form, decided_on) {
        (Some((_, text, _, _)), Some(decided_on)) if errors.is_empty() => st
            .store
            .record_discipline(
                &auth.p,
                NewDiscipline {
                    org: unit.as_ref().map_or(org.id, |u| u.id),
                    member,
                    form: (*text).to_owned(),
                    decided_on,
                    decision_no: f.get("decision_no").to_owned(),
                    note: f.get("note").to_owned(),
                },
            )
            .await
            .map_err(|e| forms::store_errors(ctx.lang, e)),
        _ => Err(Ok(errors)),
    };
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/orgs/{}/discipline?done=saved", org.id)).into_response())
        }
        Err(errors) => respond(&auth, &st, org, f, errors?, 1, false).await,
    }
}
