//! People: a member's page (summary, positions, cell history), adding and editing
//! members, transfers between cells, and positions (add, end).
//!
//! As everywhere, the record is read first as the signed-in principal (404 outside the
//! scope), then the form is parsed; the store checks the write again.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::{
    Audience, Gender, Invalid, MemberId, MemberStatus, OrgId, Permission, PositionRole, Principal,
    validate,
};
use store::{MemberDetail, MemberEdit, NewMember, NewPosition, Org, Position};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::forms::{self, Field, FormData, FormErrors, FormPage, store_errors, today_text};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/members/{id}", get(show))
        .route("/orgs/{id}/members/new", get(new_form).post(create))
        .route("/members/{id}/edit", get(edit_form).post(edit))
        .route("/members/{id}/transfer", get(transfer_form).post(transfer))
        .route(
            "/members/{id}/positions/new",
            get(position_form).post(position_add),
        )
        .route(
            "/members/{id}/positions/{pos}/end",
            get(end_form).post(position_end),
        )
}

async fn load(st: &AppState, p: &Principal, raw_id: &str) -> Result<MemberDetail, AppError> {
    Ok(st
        .store
        .member_get(p, forms::id::<MemberId>(raw_id)?)
        .await?)
}

/// A unit named in a form by its number or code, in scope.
fn fmt_opt_date(d: Option<time::Date>) -> String {
    d.map(validate::format_date).unwrap_or_default()
}

// ---- Member page ------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "people/show.html")]
struct MemberPage {
    ctx: Ctx,
    title: String,
    d: MemberDetail,
    gender: &'static str,
    status: &'static str,
    can_edit: bool,
}

impl MemberPage {
    fn position_current(&self, pos: &Position) -> bool {
        pos.to.is_none()
    }
}

async fn show(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let d = load(&st, &auth.p, &id).await?;
    let ctx = auth.ctx;
    let gender = match d.member.gender {
        Some(g) => ctx.t(&format!("people.gender.{}", g.as_str())),
        None => "",
    };
    let status = ctx.t(&format!("people.status.{}", d.member.status.as_str()));
    Ok(MemberPage {
        title: d.member.full_name.clone(),
        can_edit: auth.p.can(Permission::EditPeople, &d.member.cell_path),
        gender,
        status,
        ctx,
        d,
    }
    .into_response())
}

// ---- Add and edit -----------------------------------------------------------------------

fn gender_options(ctx: &Ctx) -> Vec<(String, String)> {
    vec![
        (String::new(), ctx.t("people.gender.unknown").to_owned()),
        ("male".into(), ctx.t("people.gender.male").to_owned()),
        ("female".into(), ctx.t("people.gender.female").to_owned()),
    ]
}

fn audience_options(ctx: &Ctx) -> Vec<(String, String)> {
    [Audience::Member, Audience::KeyCadre]
        .iter()
        .map(|a| (a.as_str().to_owned(), ctx.audience(a).to_owned()))
        .collect()
}

/// The person fields shared by the add and edit forms.
fn person_fields(ctx: &Ctx, v: &dyn Fn(&str) -> String) -> Vec<Field> {
    let audience = {
        let a = v("audience");
        if a.is_empty() { "member".into() } else { a }
    };
    vec![
        Field::text(
            "full_name",
            ctx.t("people.field.full_name"),
            &v("full_name"),
        ),
        Field::radios(
            "gender",
            ctx.t("people.field.gender"),
            &v("gender"),
            gender_options(ctx),
        ),
        Field::date(
            ctx.lang,
            "birth_date",
            ctx.t("people.field.birth_date"),
            &v("birth_date"),
        ),
        Field::date(
            ctx.lang,
            "joined_on",
            ctx.t("people.field.joined_on"),
            &v("joined_on"),
        ),
        Field::radios(
            "audience",
            ctx.t("people.field.audience"),
            &audience,
            audience_options(ctx),
        ),
        Field::short(
            "card_number",
            ctx.t("people.field.card_number"),
            &v("card_number"),
        ),
    ]
}

/// The parsed person fields.
struct Person {
    full_name: String,
    gender: Option<Gender>,
    birth_date: Option<time::Date>,
    joined_on: Option<time::Date>,
    audience: Audience,
    card_number: Option<String>,
}

fn parse_person(f: &FormData, inv: &mut Invalid) -> Option<Person> {
    let full_name = inv.take(validate::name("full_name", f.get("full_name"), 120));
    let gender = match f.get("gender") {
        "" => Some(None),
        g => match Gender::parse(g) {
            Some(g) => Some(Some(g)),
            None => {
                inv.push("gender", "bad_choice");
                None
            }
        },
    };
    let birth_date = inv.take(validate::optional_date("birth_date", f.get("birth_date")));
    let joined_on = inv.take(validate::optional_date("joined_on", f.get("joined_on")));
    let audience = Audience::parse(f.get("audience"));
    if audience.is_none() {
        inv.push("audience", "bad_choice");
    }
    let card_number = inv.take(validate::optional("card_number", f.get("card_number"), 32));
    Some(Person {
        full_name: full_name?,
        gender: gender?,
        birth_date: birth_date?,
        joined_on: joined_on?,
        audience: audience?,
        card_number: card_number?,
    })
}

fn new_page(ctx: &Ctx, cell: &Org, f: &FormData, errors: FormErrors) -> Response {
    let fresh = f.0.is_empty();
    let mut page = FormPage::new(
        ctx,
        ctx.t("people.new_title"),
        &format!("/orgs/{}/members/new", cell.id),
        errors,
    );
    page.caption = cell.name.clone();
    page.cancel_href = format!("/orgs/{}", cell.id);
    page.fields = person_fields(ctx, &|k| f.get(k).to_owned());
    let since = if fresh {
        today_text()
    } else {
        f.get("since").to_owned()
    };
    page.fields.push(Field::date(
        ctx.lang,
        "since",
        ctx.t("people.field.since"),
        &since,
    ));
    page.respond()
}

async fn new_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let cell = st.store.org_get(&auth.p, forms::id::<OrgId>(&id)?).await?;
    if !cell.kind.holds_members() {
        return Err(AppError::NotFound);
    }
    if !auth.p.can(Permission::EditPeople, &cell.path) {
        return Err(AppError::Forbidden);
    }
    Ok(new_page(
        &auth.ctx,
        &cell,
        &FormData::default(),
        FormErrors::default(),
    ))
}

async fn create(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let cell = st.store.org_get(&auth.p, forms::id::<OrgId>(&id)?).await?;
    let lang = auth.ctx.lang;
    let mut inv = Invalid::default();
    let person = parse_person(&f, &mut inv);
    let since = inv.take(validate::date("since", f.get("since")));
    let (Some(person), Some(since)) = (person, since) else {
        return Ok(new_page(
            &auth.ctx,
            &cell,
            &f,
            FormErrors::from_invalid(lang, &inv),
        ));
    };
    let new = NewMember {
        cell_id: cell.id,
        full_name: person.full_name,
        gender: person.gender,
        birth_date: person.birth_date,
        joined_on: person.joined_on,
        audience: person.audience,
        card_number: person.card_number,
        since,
    };
    match st.store.member_create(&auth.p, new).await {
        Ok(m) => Ok(Redirect::to(&format!("/members/{}", m.id)).into_response()),
        Err(e) => Ok(new_page(&auth.ctx, &cell, &f, store_errors(lang, e)?)),
    }
}

fn edit_page(ctx: &Ctx, d: &MemberDetail, f: &FormData, errors: FormErrors) -> Response {
    let m = &d.member;
    let fresh = f.0.is_empty();
    let current = |k: &str| -> String {
        match k {
            "full_name" => m.full_name.clone(),
            "gender" => m.gender.map(|g| g.as_str().to_owned()).unwrap_or_default(),
            "birth_date" => fmt_opt_date(m.birth_date),
            "joined_on" => fmt_opt_date(m.joined_on),
            "audience" => m.audience.as_str().to_owned(),
            "card_number" => m.card_number.clone().unwrap_or_default(),
            "status" => m.status.as_str().to_owned(),
            _ => String::new(),
        }
    };
    let value = |k: &str| -> String {
        if fresh {
            current(k)
        } else {
            f.get(k).to_owned()
        }
    };
    let mut page = FormPage::new(
        ctx,
        ctx.t("people.edit_title"),
        &format!("/members/{}/edit", m.id),
        errors,
    );
    page.caption = m.full_name.clone();
    page.cancel_href = format!("/members/{}", m.id);
    page.fields = person_fields(ctx, &value);
    page.fields.push(Field::radios(
        "status",
        ctx.t("people.field.status"),
        &value("status"),
        [MemberStatus::Active, MemberStatus::Left]
            .iter()
            .map(|s| {
                (
                    s.as_str().to_owned(),
                    ctx.t(&format!("people.status.{}", s.as_str())).to_owned(),
                )
            })
            .collect(),
    ));
    page.respond()
}

async fn edit_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let d = load(&st, &auth.p, &id).await?;
    if !auth.p.can(Permission::EditPeople, &d.member.cell_path) {
        return Err(AppError::Forbidden);
    }
    Ok(edit_page(
        &auth.ctx,
        &d,
        &FormData::default(),
        FormErrors::default(),
    ))
}

async fn edit(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let d = load(&st, &auth.p, &id).await?;
    let lang = auth.ctx.lang;
    let mut inv = Invalid::default();
    let person = parse_person(&f, &mut inv);
    let status = MemberStatus::parse(f.get("status"));
    if status.is_none() {
        inv.push("status", "bad_choice");
    }
    let (Some(person), Some(status)) = (person, status) else {
        return Ok(edit_page(
            &auth.ctx,
            &d,
            &f,
            FormErrors::from_invalid(lang, &inv),
        ));
    };
    let e = MemberEdit {
        full_name: person.full_name,
        gender: person.gender,
        birth_date: person.birth_date,
        joined_on: person.joined_on,
        audience: person.audience,
        card_number: person.card_number,
        status,
    };
    match st.store.member_update(&auth.p, d.member.id, e).await {
        Ok(m) => Ok(Redirect::to(&format!("/members/{}", m.id)).into_response()),
        Err(e) => Ok(edit_page(&auth.ctx, &d, &f, store_errors(lang, e)?)),
    }
}

// ---- Transfer ---------------------------------------------------------------------------

fn transfer_page(ctx: &Ctx, d: &MemberDetail, f: &FormData, errors: FormErrors) -> Response {
    let on = if f.0.is_empty() {
        today_text()
    } else {
        f.get("on").to_owned()
    };
    let mut page = FormPage::new(
        ctx,
        ctx.t("people.transfer_title"),
        &format!("/members/{}/transfer", d.member.id),
        errors,
    );
    page.caption = d.member.full_name.clone();
    page.intro = i18n::fill(ctx.t("people.transfer_intro"), &[("cell", &d.cell_name)]);
    page.cancel_href = format!("/members/{}", d.member.id);
    page.fields = vec![
        Field::text("to_cell", ctx.t("people.field.to_cell"), f.get("to_cell"))
            .pick("orgs")
            .hint(ctx.t("orgs.field.org_ref_hint")),
        Field::date(ctx.lang, "on", ctx.t("orgs.field.effective_on"), &on),
    ];
    page.respond()
}

async fn transfer_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let d = load(&st, &auth.p, &id).await?;
    if !auth.p.can(Permission::EditPeople, &d.member.cell_path) {
        return Err(AppError::Forbidden);
    }
    Ok(transfer_page(
        &auth.ctx,
        &d,
        &FormData::default(),
        FormErrors::default(),
    ))
}

async fn transfer(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let d = load(&st, &auth.p, &id).await?;
    let lang = auth.ctx.lang;
    let mut errors = FormErrors::default();
    let to =
        crate::pick::org_into(&st, &auth.ctx, &auth.p, &f, "to_cell", true, &mut errors).await?;
    let on = validate::date("on", f.get("on"));
    if let Err(inv) = &on {
        errors.push(lang, "on", inv.0[0].code);
    }
    let (Some(to), Ok(on), true) = (to, on, errors.is_empty()) else {
        return Ok(transfer_page(&auth.ctx, &d, &f, errors));
    };
    match st
        .store
        .member_transfer(&auth.p, d.member.id, to.id, on)
        .await
    {
        Ok(m) => Ok(Redirect::to(&format!("/members/{}", m.id)).into_response()),
        Err(e) => Ok(transfer_page(&auth.ctx, &d, &f, store_errors(lang, e)?)),
    }
}

// ---- Positions --------------------------------------------------------------------------

fn position_page(ctx: &Ctx, d: &MemberDetail, f: &FormData, errors: FormErrors) -> Response {
    let fresh = f.0.is_empty();
    let org = if fresh {
        format!("{} #{}", d.cell_name, d.member.cell_id)
    } else {
        f.get("org").to_owned()
    };
    let from = if fresh {
        today_text()
    } else {
        f.get("from").to_owned()
    };
    let role = if fresh { "secretary" } else { f.get("role") };
    let mut page = FormPage::new(
        ctx,
        ctx.t("people.position_title"),
        &format!("/members/{}/positions/new", d.member.id),
        errors,
    );
    page.caption = d.member.full_name.clone();
    page.cancel_href = format!("/members/{}", d.member.id);
    page.fields = vec![
        Field::radios(
            "role",
            ctx.t("people.field.role"),
            role,
            PositionRole::ALL
                .iter()
                .map(|r| (r.as_str().to_owned(), ctx.position(r).to_owned()))
                .collect(),
        ),
        Field::text("org", ctx.t("people.field.org"), &org)
            .pick("orgs")
            .hint(ctx.t("orgs.field.org_ref_hint")),
        Field::date(ctx.lang, "from", ctx.t("people.field.from"), &from),
    ];
    page.respond()
}

async fn position_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let d = load(&st, &auth.p, &id).await?;
    if !auth.p.can(Permission::EditPeople, &d.member.cell_path) {
        return Err(AppError::Forbidden);
    }
    Ok(position_page(
        &auth.ctx,
        &d,
        &FormData::default(),
        FormErrors::default(),
    ))
}

async fn position_add(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let d = load(&st, &auth.p, &id).await?;
    let lang = auth.ctx.lang;
    let mut errors = FormErrors::default();
    let role = PositionRole::parse(f.get("role"));
    if role.is_none() {
        errors.push(lang, "role", "bad_choice");
    }
    let org = crate::pick::org_into(&st, &auth.ctx, &auth.p, &f, "org", true, &mut errors).await?;
    let from = validate::date("from", f.get("from"));
    if let Err(inv) = &from {
        errors.push(lang, "from", inv.0[0].code);
    }
    let (Some(role), Some(org), Ok(from), true) = (role, org, from, errors.is_empty()) else {
        return Ok(position_page(&auth.ctx, &d, &f, errors));
    };
    let new = NewPosition {
        member_id: d.member.id,
        org_id: org.id,
        role,
        from,
    };
    match st.store.position_add(&auth.p, new).await {
        Ok(_) => Ok(Redirect::to(&format!("/members/{}", d.member.id)).into_response()),
        Err(e) => Ok(position_page(&auth.ctx, &d, &f, store_errors(lang, e)?)),
    }
}

/// The member and one of their positions, from the URL.
async fn load_position(
    st: &AppState,
    p: &Principal,
    raw_member: &str,
    raw_pos: &str,
) -> Result<(MemberDetail, Position), AppError> {
    let d = load(st, p, raw_member).await?;
    let pos_id: i64 = forms::id(raw_pos)?;
    let pos = d
        .positions
        .iter()
        .find(|x| x.id == pos_id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok((d, pos))
}

fn end_page(
    ctx: &Ctx,
    d: &MemberDetail,
    pos: &Position,
    f: &FormData,
    errors: FormErrors,
) -> Response {
    let on = if f.0.is_empty() {
        today_text()
    } else {
        f.get("on").to_owned()
    };
    let mut page = FormPage::new(
        ctx,
        ctx.t("people.end_title"),
        &format!("/members/{}/positions/{}/end", d.member.id, pos.id),
        errors,
    );
    page.caption = d.member.full_name.clone();
    page.intro = format!(
        "{} – {} ({} {})",
        ctx.position(&pos.role),
        pos.org_name,
        ctx.t("orgs.from"),
        ctx.date(&pos.from)
    );
    page.cancel_href = format!("/members/{}", d.member.id);
    page.submit = ctx.t("people.end_submit").to_owned();
    page.fields = vec![Field::date(ctx.lang, "on", ctx.t("people.field.to"), &on)];
    page.respond()
}

async fn end_form(
    auth: Auth,
    State(st): State<AppState>,
    Path((id, pos)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (d, pos) = load_position(&st, &auth.p, &id, &pos).await?;
    if !auth.p.can(Permission::EditPeople, &d.member.cell_path) {
        return Err(AppError::Forbidden);
    }
    Ok(end_page(
        &auth.ctx,
        &d,
        &pos,
        &FormData::default(),
        FormErrors::default(),
    ))
}

async fn position_end(
    auth: Auth,
    State(st): State<AppState>,
    Path((id, pos)): Path<(String, String)>,
    f: FormData,
) -> Result<Response, AppError> {
    let (d, pos) = load_position(&st, &auth.p, &id, &pos).await?;
    let lang = auth.ctx.lang;
    let on = match validate::date("on", f.get("on")) {
        Ok(on) => on,
        Err(inv) => {
            let errors = FormErrors::from_invalid(lang, &inv);
            return Ok(end_page(&auth.ctx, &d, &pos, &f, errors));
        }
    };
    match st.store.position_end(&auth.p, pos.id, on).await {
        Ok(_) => Ok(Redirect::to(&format!("/members/{}", d.member.id)).into_response()),
        Err(e) => Ok(end_page(&auth.ctx, &d, &pos, &f, store_errors(lang, e)?)),
    }
}
