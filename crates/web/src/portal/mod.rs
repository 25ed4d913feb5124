//! The public portal (issue 14 items 4-5; docs/PORTAL.md): a unit's news for everyone, and
//! the editor's desk.
//!
//! Public pages (no account; served from [`cache`] and counted by [`views`]):
//! - `/portal/{id}`: the unit's home: its articles (of one category with `?category=`),
//!   "Mới nhất", "Xem nhiều nhất", the categories, the documents it marks public, and the
//!   open consultations (wired by the consultation capability);
//! - `/news/{id}`: an article with "Các tin khác", related articles, the lists, the
//!   published feedback and the "Phản hồi" form (`POST /news/{id}/feedback`, anonymous,
//!   CSRF by a signed double-submit token, rate-limited);
//! - `/portal/{id}/feed.atom`: the unit's Atom feed; `/news-images/{id}`: an image;
//! - `/public-documents/{id}`: a document's public summary with its figures.
//!
//! Editors' pages (`Permission::EditPortal` on the unit; the store decides):
//! `/orgs/{id}/portal` (the desk), new and edited articles, `/news/{id}/manage` (preview,
//! images, publish now or at a time, unpublish), `/orgs/{id}/portal/feedback` and
//! `/feedback/{id}/moderate`; and `/documents/{id}/public` (the office's public mark).
//! Every portal write here or in the JSON API calls [`PortalState::changed`].

pub mod cache;
pub mod views;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::portal::{self, ArticleStatus, FeedbackState, Moderation};
use domain::{DocumentId, OrgId, Principal, validate};
use store::{
    Article, Feedback, NewFeedback, Page, PortalDesk, PortalHome, PortalImage, PublicArticle,
    PublicDocument,
};
use time::OffsetDateTime;

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::{AppError, ErrorKind};
use crate::files::{self, UploadError};
use crate::forms::{self, Field, FormData, FormErrors, FormPage};
use crate::imports::BODY_LIMIT;

/// What the portal keeps in memory: the page cache, the view counter and the flood gate.
#[derive(Default)]
pub struct PortalState {
    pub cache: cache::PortalCache,
    pub views: views::ViewCounter,
    pub gate: views::FloodGate,
}

impl PortalState {
    /// Something public changed (a write of the portal): pages are rendered afresh.
    pub fn changed(&self) {
        self.cache.changed();
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/portal", get(portals))
        .route("/portal/{id}", get(home))
        .route("/portal/{id}/feed.atom", get(feed))
        .route("/news/{id}", get(article))
        .route("/news/{id}/feedback", post(feedback_post))
        .route("/news-images/{id}", get(image))
        .route("/public-documents/{id}", get(document))
        .route("/orgs/{id}/portal", get(desk))
        .route(
            "/orgs/{id}/portal/articles/new",
            get(new_form).post(new_post),
        )
        .route("/orgs/{id}/portal/feedback", get(feedback_page))
        .route("/news/{id}/manage", get(manage))
        .route("/news/{id}/edit", get(edit_form).post(edit_post))
        .route("/news/{id}/publish", post(publish))
        .route("/news/{id}/unpublish", post(unpublish))
        .route(
            "/news/{id}/images",
            post(image_upload).layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/feedback/{id}/moderate", post(moderate))
        .route("/documents/{id}/public", post(mark_public))
}

/// Whether a path is one of this module's uploads (read with the larger limit).
pub(crate) fn is_upload(path: &str) -> bool {
    path.strip_prefix("/news/")
        .and_then(|r| r.strip_suffix("/images"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// Whether a path's form checks its own CSRF token (the anonymous feedback form: a signed
/// double-submit token, also when the sender happens to be signed in).
pub(crate) fn checks_own_csrf(path: &str) -> bool {
    path.strip_prefix("/news/")
        .and_then(|r| r.strip_suffix("/feedback"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

const HTML: &str = "text/html; charset=utf-8";
const ATOM: &str = "application/atom+xml; charset=utf-8";

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// A moment as dd/mm/yyyy HH:MM in Vietnam.
pub(crate) fn when(t: &OffsetDateTime) -> String {
    let l = domain::tz::local(*t);
    format!(
        "{} {:02}:{:02}",
        validate::format_date(l.date()),
        l.hour(),
        l.minute()
    )
}

fn status_tag(s: ArticleStatus) -> &'static str {
    match s {
        ArticleStatus::Draft => "tag-grey",
        ArticleStatus::Scheduled => "tag-blue",
        ArticleStatus::Published => "tag-green",
        ArticleStatus::Unpublished => "tag-red",
    }
}

fn feedback_tag(s: FeedbackState) -> &'static str {
    match s {
        FeedbackState::Waiting => "tag-yellow",
        FeedbackState::Published => "tag-green",
        FeedbackState::Answered => "tag-blue",
        FeedbackState::Hidden => "tag-grey",
    }
}

/// A link to an open consultation on the portal home. The consultation capability fills
/// the list (see [`consultations`]).
pub struct ConsultationLink {
    pub href: String,
    pub title: String,
    pub until: String,
}

/// The open public consultations of a unit's subtree, for its portal home, closing soonest
/// first. Opening or ending a consultation clears the page cache (`consultation::new_submit`,
/// `consultation::end`), so the home shows it at once; one opening on a later day shows
/// within [`cache::TTL`] of that day's start.
async fn consultations(st: &AppState, org: OrgId) -> Result<Vec<ConsultationLink>, AppError> {
    let today = forms::today();
    Ok(st
        .store
        .open_public_consultations(org, today)
        .await?
        .into_iter()
        .map(|c| ConsultationLink {
            href: format!("/public/consultations/{}", c.id),
            title: c.title,
            until: validate::format_date(c.closes_on),
        })
        .collect())
}

// ---- Public pages ---------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "portal/index.html")]
struct IndexPage {
    ctx: Ctx,
    title: String,
    units: Vec<(OrgId, String)>,
}

/// `GET /portal`: where the public finds the portal (the sign-in page and every page's
/// footer link here). One unit with a public portal: its home; otherwise the list.
async fn portals(ctx: Ctx, State(st): State<AppState>) -> Result<Response, AppError> {
    let units = st.store.portal_units(now()).await?;
    if let [(id, _)] = units.as_slice() {
        return Ok(Redirect::to(&format!("/portal/{id}")).into_response());
    }
    Ok(IndexPage {
        title: ctx.t("portal.index.title").to_owned(),
        ctx,
        units,
    }
    .into_response())
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage<'a> {
    ctx: &'a Ctx,
    title: String,
    org_id: OrgId,
    org_name: &'a str,
    h: &'a PortalHome,
    category_name: String,
    consultations: Vec<ConsultationLink>,
}

impl HomePage<'_> {
    fn lists(&self) -> &store::PortalLists {
        &self.h.lists
    }

    fn slug(&self, c: &str) -> String {
        portal::category_slug(c)
    }
}

async fn home(
    ctx: Ctx,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let org = OrgId(forms::id(&id)?);
    let generation = st.portal.cache.generation();
    let category = forms::query_param(&q, "category");
    let h = st
        .store
        .portal_home(
            &Principal::anonymous(),
            org,
            Some(category.as_str()).filter(|c| !c.is_empty()),
            now(),
        )
        .await?;
    let category_name = h
        .lists
        .categories
        .iter()
        .find(|(c, _)| portal::category_slug(c) == category)
        .map(|(c, _)| c.clone())
        .unwrap_or_default();
    let page = HomePage {
        ctx: &ctx,
        title: if category_name.is_empty() {
            h.org_name.clone()
        } else {
            format!("{category_name} – {}", h.org_name)
        },
        org_id: h.org_id,
        org_name: &h.org_name,
        h: &h,
        category_name,
        consultations: consultations(&st, org).await?,
    };
    let html = page.render().map_err(AppError::internal)?;
    let kept = st.portal.cache.put(
        cache::key(ctx.lang, &ctx.here),
        generation,
        html,
        HTML,
        None,
        h.lists.next_change,
    );
    Ok(cache::respond(&st, &headers, &kept, false))
}

#[derive(Template)]
#[template(path = "portal/article.html")]
struct ArticlePage<'a> {
    ctx: &'a Ctx,
    title: String,
    org_id: OrgId,
    org_name: &'a str,
    a: &'a PublicArticle,
    body_html: String,
    /// The form token, or [`cache::TOKEN_MARK`] in a page to keep.
    csrf: String,
    errors: FormErrors,
    form: FormData,
    sent: bool,
}

impl ArticlePage<'_> {
    fn slug(&self, c: &str) -> String {
        portal::category_slug(c)
    }

    fn when(&self, t: &OffsetDateTime) -> String {
        when(t)
    }

    fn val(&self, name: &str) -> &str {
        self.form.get(name)
    }

    fn lists(&self) -> &store::PortalLists {
        &self.a.lists
    }
}

fn article_page<'a>(
    ctx: &'a Ctx,
    a: &'a PublicArticle,
    csrf: String,
    errors: FormErrors,
    form: FormData,
    sent: bool,
) -> ArticlePage<'a> {
    ArticlePage {
        title: forms::title(ctx.lang, &errors, &a.article.title),
        ctx,
        org_id: a.article.org_id,
        org_name: &a.article.org_name,
        body_html: crate::markdown::render(&a.article.body_md),
        a,
        csrf,
        errors,
        form,
        sent,
    }
}

async fn article(
    ctx: Ctx,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    req: Request,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    let generation = st.portal.cache.generation();
    let a = st
        .store
        .public_article(&Principal::anonymous(), id, now())
        .await?;
    let sent = forms::query_param(&q, "sent") == "1";
    let page = article_page(
        &ctx,
        &a,
        cache::TOKEN_MARK.to_owned(),
        FormErrors::default(),
        FormData::default(),
        sent,
    );
    let html = page.render().map_err(AppError::internal)?;
    let kept = st.portal.cache.put(
        cache::key(ctx.lang, &ctx.here),
        generation,
        html,
        HTML,
        Some(id),
        a.lists.next_change,
    );
    if req.method() == axum::http::Method::GET {
        st.portal.views.seen(&st, &req, id);
    }
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .cloned();
    Ok(cache::respond_to(
        &st,
        req.headers(),
        peer.as_ref(),
        &kept,
        false,
    ))
}

#[derive(Template)]
#[template(path = "portal/refused.html")]
struct RefusedPage<'a> {
    ctx: &'a Ctx,
    title: String,
    back: String,
    message: &'static str,
}

async fn feedback_post(
    ctx: Ctx,
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    let headers = req.headers().clone();
    let ip = cache::client_ip(
        &st,
        &headers,
        req.extensions().get::<ConnectInfo<std::net::SocketAddr>>(),
    );
    // A flood from one address stops here, before any database work.
    if !st.portal.gate.admit(&ip) {
        let page = RefusedPage {
            title: ctx.t("portal.feedback.flood_title").to_owned(),
            ctx: &ctx,
            back: format!("/news/{id}"),
            message: "err.feedback_flood",
        };
        let html = page.render().map_err(AppError::internal)?;
        return Ok((StatusCode::TOO_MANY_REQUESTS, Html(html)).into_response());
    }
    let f = FormData::from_request(req, &st).await?;
    if !cache::form_token_ok(&st, &headers, f.get("csrf")) {
        tracing::warn!(article = id, "feedback form token missing or wrong");
        return Ok(crate::shell::error_page(&ctx, ErrorKind::Csrf));
    }
    let result = match portal::check_feedback(f.get("name"), f.get("contact"), f.get("body")) {
        Ok(text) => {
            st.store
                .send_feedback(
                    &Principal::anonymous(),
                    id,
                    NewFeedback {
                        text,
                        address_key: portal::address_key(&ip),
                    },
                    now(),
                )
                .await
        }
        Err(inv) => Err(inv.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/news/{id}?sent=1#phan-hoi")).into_response()),
        Err(e) => {
            let flood = matches!(e, store::StoreError::Conflict("feedback_flood"));
            let mut errors = forms::store_errors(ctx.lang, e)?;
            for m in &mut errors.0 {
                if m.field == "form" {
                    m.field = "body".into();
                }
            }
            let a = st
                .store
                .public_article(&Principal::anonymous(), id, now())
                .await?;
            let token = f.get("csrf").to_owned();
            let page = article_page(&ctx, &a, token, errors, f, false);
            let html = page.render().map_err(AppError::internal)?;
            let status = if flood {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok((status, Html(html)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "portal/feed.xml")]
struct Feed<'a> {
    org_id: OrgId,
    org_name: &'a str,
    updated: String,
    entries: Vec<FeedEntry>,
    lang: &'static str,
}

struct FeedEntry {
    id: i64,
    title: String,
    summary: String,
    author: String,
    category: String,
    published: String,
    updated: String,
    content: String,
}

fn rfc3339(t: &OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

async fn feed(
    ctx: Ctx,
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let org = OrgId(forms::id(&id)?);
    let generation = st.portal.cache.generation();
    let (org_name, articles) = st
        .store
        .portal_feed(&Principal::anonymous(), org, now(), 30)
        .await?;
    let entries: Vec<FeedEntry> = articles
        .iter()
        .map(|a| {
            let published = a.publish_at.unwrap_or(a.created_at);
            FeedEntry {
                id: a.id,
                title: a.title.clone(),
                summary: a.lead.clone(),
                author: a.author.clone().unwrap_or_else(|| org_name.clone()),
                category: a.category.clone(),
                published: rfc3339(&published),
                updated: rfc3339(&a.updated_at.max(published)),
                content: crate::markdown::render(&a.body_md),
            }
        })
        .collect();
    let updated = articles
        .iter()
        .map(|a| a.updated_at.max(a.publish_at.unwrap_or(a.created_at)))
        .max()
        .map_or_else(|| rfc3339(&now()), |t| rfc3339(&t));
    let xml = Feed {
        org_id: org,
        org_name: &org_name,
        updated,
        entries,
        lang: ctx.lang_code(),
    }
    .render()
    .map_err(AppError::internal)?;
    let kept = st.portal.cache.put(
        cache::key(ctx.lang, &ctx.here),
        generation,
        xml,
        ATOM,
        None,
        None,
    );
    Ok(cache::respond(&st, &headers, &kept, false))
}

async fn image(
    ctx: Ctx,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    let anon = Principal::anonymous();
    let p = ctx.user.as_deref().unwrap_or(&anon);
    let img = st.store.portal_image(p, id, now()).await?;
    files::blob(&st, &img.key, img.kind, &img.file_name).await
}

#[derive(Template)]
#[template(path = "portal/document.html")]
struct DocumentPage<'a> {
    ctx: &'a Ctx,
    title: String,
    org_id: OrgId,
    org_name: &'a str,
    d: &'a PublicDocument,
}

impl DocumentPage<'_> {
    fn pct(&self, n: impl crate::ctx::AsNum, total: impl crate::ctx::AsNum) -> String {
        let (n, total) = (n.as_num(), total.as_num());
        if total <= 0 {
            "–".into()
        } else {
            domain::study::share_label(n, total)
        }
    }

    fn goal(&self, t: &store::TargetRecord) -> String {
        format!("{} {}", fmt_num(t.target.target_value), t.target.unit)
    }

    fn current(&self, t: &store::TargetRecord) -> String {
        t.current_value.map_or_else(
            || "–".to_owned(),
            |v| format!("{} {}", fmt_num(v), t.target.unit),
        )
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

async fn document(
    ctx: Ctx,
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = DocumentId(forms::id(&id)?);
    let generation = st.portal.cache.generation();
    let d = st
        .store
        .public_document(&Principal::anonymous(), id, forms::today())
        .await?;
    let page = DocumentPage {
        ctx: &ctx,
        title: format!("{} {}", d.document.symbol, d.document.title),
        org_id: d.document.issuer_org_id,
        org_name: &d.document.issuer_name,
        d: &d,
    };
    let html = page.render().map_err(AppError::internal)?;
    let kept = st.portal.cache.put(
        cache::key(ctx.lang, &ctx.here),
        generation,
        html,
        HTML,
        None,
        None,
    );
    Ok(cache::respond(&st, &headers, &kept, false))
}

// ---- Editors --------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "portal/desk.html")]
struct DeskPage {
    ctx: Ctx,
    title: String,
    d: PortalDesk,
    documents: Vec<store::Document>,
    notice: String,
    errors: FormErrors,
}

impl DeskPage {
    fn status(&self, a: &Article) -> &'static str {
        self.ctx
            .t(&format!("portal.status.{}", a.status(now()).as_str()))
    }

    fn tag(&self, a: &Article) -> &'static str {
        status_tag(a.status(now()))
    }

    fn when(&self, t: &Option<OffsetDateTime>) -> String {
        t.as_ref().map(when).unwrap_or_default()
    }

    fn summary_err(&self, d: &DocumentId) -> Option<&str> {
        self.errors.err(&format!("summary-{}", d.0))
    }

    fn is_public(&self, d: &DocumentId) -> bool {
        self.d.public_documents.iter().any(|x| x.document_id == *d)
    }
}

fn notice_key(q: &Option<String>) -> String {
    match forms::query_param(q, "done").as_str() {
        x @ ("created" | "saved" | "published" | "scheduled" | "unpublished" | "image"
        | "marked" | "unmarked" | "publish" | "answer" | "hide") => format!("portal.done.{x}"),
        _ => String::new(),
    }
}

async fn desk_response(
    auth: &Auth,
    st: &AppState,
    org: OrgId,
    notice: String,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let d = st.store.portal_desk(&auth.p, org).await?;
    // The unit's documents, for the office's public mark (editors may not read them).
    let documents = st
        .store
        .documents(
            &auth.p,
            org,
            Page {
                offset: 0,
                limit: 200,
            },
        )
        .await
        .unwrap_or_default();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = DeskPage {
        title: forms::title(
            auth.ctx.lang,
            &errors,
            &auth.ctx.fill("portal.desk.title", "unit", &d.org_name),
        ),
        ctx: auth.ctx.clone(),
        d,
        documents,
        notice,
        errors,
    };
    Ok((status, page).into_response())
}

async fn desk(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let org = OrgId(forms::id(&id)?);
    desk_response(&auth, &st, org, notice_key(&q), FormErrors::default()).await
}

fn article_form(
    ctx: &Ctx,
    heading: &str,
    action: &str,
    cancel: &str,
    f: &FormData,
    errors: FormErrors,
) -> Response {
    let mut page = FormPage::new(ctx, heading, action, errors);
    page.fields = vec![
        Field::text("title", ctx.t("portal.field.title"), f.get("title")),
        Field::textarea("lead", ctx.t("portal.field.lead"), f.get("lead"))
            .hint(ctx.t("portal.field.lead_hint")),
        Field::text(
            "category",
            ctx.t("portal.field.category"),
            f.get("category"),
        )
        .hint(ctx.t("portal.field.category_hint")),
        Field::text("author", ctx.t("portal.field.author"), f.get("author")),
        Field::textarea("body_md", ctx.t("portal.field.body"), f.get("body_md"))
            .hint(ctx.t("portal.field.body_hint")),
    ];
    page.cancel_href = cancel.to_owned();
    page.respond()
}

fn text_of(f: &FormData) -> Result<domain::portal::ArticleText, domain::Invalid> {
    portal::check_article(
        f.get("title"),
        f.get("lead"),
        f.get("body_md"),
        f.get("author"),
        f.get("category"),
    )
}

async fn new_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let org = OrgId(forms::id(&id)?);
    let d = st.store.portal_desk(&auth.p, org).await?;
    let heading = auth.ctx.fill("portal.new.title", "unit", &d.org_name);
    Ok(article_form(
        &auth.ctx,
        &heading,
        &format!("/orgs/{}/portal/articles/new", org),
        &format!("/orgs/{}/portal", org),
        &FormData::default(),
        FormErrors::default(),
    ))
}

async fn new_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let org = OrgId(forms::id(&id)?);
    let d = st.store.portal_desk(&auth.p, org).await?;
    let result = match text_of(&f) {
        Ok(t) => st.store.create_article(&auth.p, org, t).await,
        Err(inv) => Err(inv.into()),
    };
    match result {
        Ok(a) => Ok(Redirect::to(&format!("/news/{}/manage?done=created", a.id)).into_response()),
        Err(e) => {
            let errors = forms::store_errors(auth.ctx.lang, e)?;
            let heading = auth.ctx.fill("portal.new.title", "unit", &d.org_name);
            Ok(article_form(
                &auth.ctx,
                &heading,
                &format!("/orgs/{org}/portal/articles/new"),
                &format!("/orgs/{org}/portal"),
                &f,
                errors,
            ))
        }
    }
}

fn form_of(a: &Article) -> FormData {
    FormData(vec![
        ("title".into(), a.title.clone()),
        ("lead".into(), a.lead.clone()),
        ("category".into(), a.category.clone()),
        ("author".into(), a.author.clone().unwrap_or_default()),
        ("body_md".into(), a.body_md.clone()),
    ])
}

async fn edit_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    let (a, _) = st.store.article_for_edit(&auth.p, id).await?;
    Ok(article_form(
        &auth.ctx,
        auth.ctx.t("portal.edit.title"),
        &format!("/news/{id}/edit"),
        &format!("/news/{id}/manage"),
        &form_of(&a),
        FormErrors::default(),
    ))
}

async fn edit_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    st.store.article_for_edit(&auth.p, id).await?;
    let result = match text_of(&f) {
        Ok(t) => st.store.edit_article(&auth.p, id, t).await,
        Err(inv) => Err(inv.into()),
    };
    match result {
        Ok(_) => {
            st.portal.changed();
            Ok(Redirect::to(&format!("/news/{id}/manage?done=saved")).into_response())
        }
        Err(e) => {
            let errors = forms::store_errors(auth.ctx.lang, e)?;
            Ok(article_form(
                &auth.ctx,
                auth.ctx.t("portal.edit.title"),
                &format!("/news/{id}/edit"),
                &format!("/news/{id}/manage"),
                &f,
                errors,
            ))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/manage.html")]
struct ManagePage {
    ctx: Ctx,
    title: String,
    a: Article,
    images: Vec<PortalImage>,
    body_html: String,
    notice: String,
    errors: FormErrors,
    form: FormData,
}

impl ManagePage {
    fn status(&self) -> &'static str {
        self.ctx
            .t(&format!("portal.status.{}", self.a.status(now()).as_str()))
    }

    fn tag(&self) -> &'static str {
        status_tag(self.a.status(now()))
    }

    fn is_public(&self) -> bool {
        self.a.status(now()) == ArticleStatus::Published
    }

    fn may_unpublish(&self) -> bool {
        self.a.state == domain::portal::ArticleState::Published
    }

    fn publish_at(&self) -> String {
        self.a.publish_at.as_ref().map(when).unwrap_or_default()
    }

    fn val(&self, name: &str) -> &str {
        self.form.get(name)
    }
}

async fn manage_response(
    auth: &Auth,
    st: &AppState,
    id: i64,
    notice: String,
    errors: FormErrors,
    form: FormData,
) -> Result<Response, AppError> {
    let (a, images) = st.store.article_for_edit(&auth.p, id).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ManagePage {
        title: forms::title(auth.ctx.lang, &errors, &a.title),
        ctx: auth.ctx.clone(),
        body_html: crate::markdown::render(&a.body_md),
        a,
        images,
        notice,
        errors,
        form,
    };
    Ok((status, page).into_response())
}

async fn manage(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    manage_response(
        &auth,
        &st,
        id,
        notice_key(&q),
        FormErrors::default(),
        FormData::default(),
    )
    .await
}

/// A moment typed as a date (dd/mm/yyyy) and a time (HH:MM) in Vietnam; none when both
/// are empty.
pub(crate) fn local_moment(
    inv: &mut domain::Invalid,
    date: &str,
    clock: &str,
) -> Option<OffsetDateTime> {
    let d = inv
        .take(validate::optional_date("publish_date", date))
        .flatten();
    let clock = clock.trim();
    let t = if clock.is_empty() {
        Some(time::Time::MIDNIGHT)
    } else {
        let parsed = clock.split_once(':').and_then(|(h, m)| {
            time::Time::from_hms(h.trim().parse().ok()?, m.trim().parse().ok()?, 0).ok()
        });
        if parsed.is_none() {
            inv.push("publish_time", "bad_time");
        }
        parsed
    };
    match (d, t) {
        (Some(d), Some(t)) => Some(
            time::PrimitiveDateTime::new(d, t)
                .assume_offset(time::UtcOffset::from_hms(7, 0, 0).expect("UTC+7")),
        ),
        (None, Some(_)) if !clock.is_empty() => {
            inv.push("publish_date", "required");
            None
        }
        _ => None,
    }
}

async fn publish(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    st.store.article_for_edit(&auth.p, id).await?;
    let mut inv = domain::Invalid::default();
    let at = local_moment(&mut inv, f.get("publish_date"), f.get("publish_time"));
    let result = if inv.is_empty() {
        st.store.publish_article(&auth.p, id, at, now()).await
    } else {
        Err(inv.into())
    };
    match result {
        Ok(a) => {
            st.portal.changed();
            let done = if a.status(now()) == ArticleStatus::Scheduled {
                "scheduled"
            } else {
                "published"
            };
            Ok(Redirect::to(&format!("/news/{id}/manage?done={done}")).into_response())
        }
        Err(e) => {
            let errors = forms::store_errors(auth.ctx.lang, e)?;
            manage_response(&auth, &st, id, String::new(), errors, f).await
        }
    }
}

async fn unpublish(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    match st.store.unpublish_article(&auth.p, id).await {
        Ok(_) => {
            st.portal.changed();
            Ok(Redirect::to(&format!("/news/{id}/manage?done=unpublished")).into_response())
        }
        Err(e) => {
            let errors = forms::store_errors(auth.ctx.lang, e)?;
            manage_response(&auth, &st, id, String::new(), errors, FormData::default()).await
        }
    }
}

async fn image_upload(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    st.store.article_for_edit(&auth.p, id).await?;
    let mut errors = FormErrors::default();
    let form = match files::read(req, &st).await {
        Ok(f) => f,
        Err(UploadError::TooLarge) => {
            errors.push(auth.ctx.lang, "file", "evidence_too_large");
            return manage_response(&auth, &st, id, String::new(), errors, FormData::default())
                .await;
        }
        Err(_) => return Err(AppError::BadRequest),
    };
    let (fields, file) = form.into_one();
    let Some(file) = file else {
        errors.push(auth.ctx.lang, "file", "required");
        return manage_response(&auth, &st, id, String::new(), errors, fields).await;
    };
    let checked = files::check(auth.ctx.lang, vec![file], &mut errors);
    if !errors.is_empty() {
        return manage_response(&auth, &st, id, String::new(), errors, fields).await;
    }
    let kept = files::keep(&st, checked).await?;
    let Some(meta) = kept.into_iter().next() else {
        return Err(AppError::BadRequest);
    };
    match st.store.add_article_image(&auth.p, id, meta).await {
        Ok(_) => {
            st.portal.changed();
            Ok(Redirect::to(&format!("/news/{id}/manage?done=image")).into_response())
        }
        Err(e) => {
            let errors = forms::store_errors(auth.ctx.lang, e)?;
            manage_response(&auth, &st, id, String::new(), errors, fields).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/feedback.html")]
struct FeedbackPage {
    ctx: Ctx,
    title: String,
    org_id: OrgId,
    org_name: String,
    items: Vec<Feedback>,
    state: String,
    notice: String,
    errors: FormErrors,
    /// The feedback the errors are about.
    failed: i64,
    form: FormData,
}

impl FeedbackPage {
    fn state_label(&self, s: &FeedbackState) -> &'static str {
        self.ctx.t(&format!("portal.feedback.state.{}", s.as_str()))
    }

    fn tag(&self, s: &FeedbackState) -> &'static str {
        feedback_tag(*s)
    }

    fn when(&self, t: &OffsetDateTime) -> String {
        when(t)
    }

    fn val(&self, id: &i64, name: &str) -> &str {
        if *id == self.failed {
            self.form.get(name)
        } else {
            ""
        }
    }

    fn err(&self, id: &i64, field: &str) -> Option<&str> {
        (*id == self.failed)
            .then(|| self.errors.err(field))
            .flatten()
    }

    fn states(&self) -> [(&'static str, &'static str); 5] {
        [
            ("", self.ctx.t("portal.feedback.all")),
            ("waiting", self.ctx.t("portal.feedback.state.waiting")),
            ("published", self.ctx.t("portal.feedback.state.published")),
            ("answered", self.ctx.t("portal.feedback.state.answered")),
            ("hidden", self.ctx.t("portal.feedback.state.hidden")),
        ]
    }
}

#[allow(clippy::too_many_arguments)]
async fn feedback_response(
    auth: &Auth,
    st: &AppState,
    org: OrgId,
    state: String,
    notice: String,
    errors: FormErrors,
    failed: i64,
    form: FormData,
) -> Result<Response, AppError> {
    let d = st.store.portal_desk(&auth.p, org).await?;
    let items = st
        .store
        .feedback_list(&auth.p, org, FeedbackState::parse(&state))
        .await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = FeedbackPage {
        title: forms::title(
            auth.ctx.lang,
            &errors,
            &auth.ctx.fill("portal.feedback.title", "unit", &d.org_name),
        ),
        ctx: auth.ctx.clone(),
        org_id: org,
        org_name: d.org_name,
        items,
        state,
        notice,
        errors,
        failed,
        form,
    };
    Ok((status, page).into_response())
}

async fn feedback_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let org = OrgId(forms::id(&id)?);
    let state = forms::query_param(&q, "state");
    let state = if FeedbackState::parse(&state).is_some() {
        state
    } else {
        String::new()
    };
    feedback_response(
        &auth,
        &st,
        org,
        state,
        notice_key(&q),
        FormErrors::default(),
        0,
        FormData::default(),
    )
    .await
}

/// The moderation a form asks for: `action` is publish, answer or hide.
pub(crate) fn moderation_of(
    action: &str,
    answer: &str,
    reason: &str,
) -> Result<Moderation, domain::Invalid> {
    match action.trim() {
        "publish" => Ok(Moderation::Publish),
        "answer" => Ok(Moderation::Answer {
            answer: answer.to_owned(),
        }),
        "hide" => Ok(Moderation::Hide {
            reason: reason.to_owned(),
        }),
        _ => Err(domain::Invalid::one("action", "required")),
    }
}

async fn moderate(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    // The list to show again with a message: the feedback's unit.
    let org = st.store.feedback_for_edit(&auth.p, id).await?.org_id;
    let result = match moderation_of(f.get("action"), f.get("answer"), f.get("reason")) {
        Ok(m) => st.store.moderate_feedback(&auth.p, id, m).await,
        Err(inv) => Err(inv.into()),
    };
    match result {
        Ok(fb) => {
            st.portal.changed();
            Ok(Redirect::to(&format!(
                "/orgs/{}/portal/feedback?done={}",
                fb.org_id,
                f.get("action").trim()
            ))
            .into_response())
        }
        Err(e @ (store::StoreError::NotFound | store::StoreError::Forbidden)) => Err(e.into()),
        Err(e) => {
            let errors = forms::store_errors(auth.ctx.lang, e)?;
            feedback_response(&auth, &st, org, String::new(), String::new(), errors, id, f).await
        }
    }
}

async fn mark_public(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id = DocumentId(forms::id(&id)?);
    let d = st.store.document(&auth.p, id).await?;
    let unmark = f.get("action") == "unmark";
    let summary = (!unmark).then(|| f.get("summary").to_owned());
    match st.store.set_document_public(&auth.p, id, summary).await {
        Ok(()) => {
            st.portal.changed();
            let done = if unmark { "unmarked" } else { "marked" };
            Ok(
                Redirect::to(&format!("/orgs/{}/portal?done={done}", d.issuer_org_id))
                    .into_response(),
            )
        }
        Err(e) => {
            let mut errors = forms::store_errors(auth.ctx.lang, e)?;
            for m in &mut errors.0 {
                if m.field == "summary" {
                    m.field = format!("summary-{}", id.0);
                }
            }
            desk_response(&auth, &st, d.issuer_org_id, String::new(), errors).await
        }
    }
}
