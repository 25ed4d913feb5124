//! Dashboards: how a document's implementation stands in any organization's subtree, on
//! today's date — units reached, studied, programs issued, reporting on time, tasks —
//! from the store's rollups (two reads, not a recount), with bars drawn as small
//! server-side SVG, the overdue units with the person who answers for each, one row per
//! child to drill down level by level, and the same table as an .xlsx download.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::{Dashboard, DocumentId, OrgId, Principal};
use store::{Crumb, Document, Org, OverdueUnit, Page};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::forms::{self, today};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboards/{org}/{document}", get(show))
        .route("/dashboards/{org}/{document}/xlsx", get(xlsx))
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// One horizontal bar: how many units are done, pending and overdue, out of the total.
pub struct Bar {
    pub label: &'static str,
    pub done: i64,
    pub pending: i64,
    pub overdue: i64,
    pub total: i64,
}

impl Bar {
    /// Widths in the SVG's 0..100 coordinate space.
    pub fn widths(&self) -> (f64, f64, f64) {
        if self.total <= 0 {
            return (0.0, 0.0, 0.0);
        }
        let w = |n: i64| 100.0 * n as f64 / self.total as f64;
        let (d, p) = (w(self.done), w(self.pending));
        (d, p, (100.0 - d - p).max(0.0).min(w(self.overdue)))
    }
}

/// A child organization's line in the drill-down table.
pub struct ChildRow {
    pub org: Org,
    pub d: Dashboard,
}

/// Everything a dashboard shows, for the page and the spreadsheet.
struct Data {
    org: Org,
    doc: Document,
    d: Dashboard,
    children: Vec<ChildRow>,
    overdue: Vec<OverdueUnit>,
}

async fn gather(
    st: &AppState,
    p: &Principal,
    raw_org: &str,
    raw_doc: &str,
) -> Result<Data, AppError> {
    let org = st.store.org_get(p, forms::id::<OrgId>(raw_org)?).await?;
    let doc = st
        .store
        .document(p, forms::id::<DocumentId>(raw_doc)?)
        .await?;
    let today = today();
    let d = st.store.dashboard(p, org.id, doc.id, today).await?;
    let mut rows: HashMap<OrgId, domain::Rollup> = st
        .store
        .rollups(p, doc.id)
        .await?
        .into_iter()
        .map(|r| (r.org_id, r.rollup))
        .collect();
    let mut children = Vec::new();
    for c in st.store.org_children(p, org.id, true).await? {
        if let Some(r) = rows.remove(&c.id) {
            let d = r.view(today);
            if d.units_total > 0 {
                children.push(ChildRow { org: c, d });
            }
        }
    }
    let overdue = st
        .store
        .overdue_units(
            p,
            org.id,
            doc.id,
            today,
            Page {
                offset: 0,
                limit: 200,
            },
        )
        .await?;
    Ok(Data {
        org,
        doc,
        d,
        children,
        overdue,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboards/show.html")]
struct ShowPage {
    ctx: Ctx,
    title: String,
    crumbs: Vec<Crumb>,
    org: Org,
    doc: Document,
    d: Dashboard,
    bars: Vec<Bar>,
    children: Vec<ChildRow>,
    overdue: Vec<OverdueUnit>,
    as_of: String,
    /// Study figures (issue 5), when the user may read them.
    study: Option<crate::study::DashboardSection>,
}

impl ShowPage {
    fn milestone(&self, kind: &str) -> &'static str {
        self.ctx.t(&format!("dashboards.milestone.{kind}"))
    }

    fn bar_label(&self, b: &Bar) -> String {
        i18n::fill(
            self.ctx.t("dashboards.chart_label"),
            &[
                ("what", &b.label),
                ("done", &self.ctx.num(b.done)),
                ("total", &self.ctx.num(b.total)),
                ("overdue", &self.ctx.num(b.overdue)),
            ],
        )
    }

    fn w<T: std::borrow::Borrow<f64>>(&self, v: T) -> String {
        format!("{:.2}", v.borrow())
    }
}

fn bars(ctx: &Ctx, d: &Dashboard) -> Vec<Bar> {
    vec![
        Bar {
            label: ctx.t("dashboards.studied"),
            done: d.studied + d.studied_late,
            pending: d.study_pending,
            overdue: d.study_overdue,
            total: d.units_total,
        },
        Bar {
            label: ctx.t("dashboards.program_issued"),
            done: d.program_issued + d.program_late,
            pending: d.program_pending,
            overdue: d.program_overdue,
            total: d.units_total,
        },
        Bar {
            label: ctx.t("dashboards.reports_on_time"),
            done: d.reports_on_time,
            pending: d.reports_not_due + d.reports_late,
            overdue: d.reports_behind,
            total: d.units_total,
        },
    ]
}

async fn show(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let data = gather(&st, &auth.p, &org, &doc).await?;
    let crumbs = st.store.org_ancestors(&auth.p, data.org.id).await?;
    let study =
        crate::study::DashboardSection::load(&st, &auth.ctx, &auth.p, data.org.id, data.doc.id)
            .await?;
    let ctx = auth.ctx;
    Ok(ShowPage {
        title: format!(
            "{} – {} – {}",
            ctx.t("dashboards.title"),
            data.doc.symbol,
            data.org.name
        ),
        bars: bars(&ctx, &data.d),
        as_of: i18n::fill(ctx.t("dashboards.today"), &[("date", &ctx.date(&today()))]),
        ctx,
        crumbs,
        org: data.org,
        doc: data.doc,
        d: data.d,
        children: data.children,
        overdue: data.overdue,
        study,
    }
    .into_response())
}

/// The columns of the spreadsheet, after the organization's name.
fn columns(ctx: &Ctx) -> [&'static str; 10] {
    [
        ctx.t("dashboards.units_total"),
        ctx.t("dashboards.studied"),
        ctx.t("documents.cascade.study.overdue"),
        ctx.t("dashboards.program_issued"),
        ctx.t("documents.cascade.program.overdue"),
        ctx.t("dashboards.reports_on_time"),
        ctx.t("documents.cascade.reports.behind"),
        ctx.t("dashboards.tasks"),
        ctx.t("dashboards.tasks_done"),
        ctx.t("dashboards.tasks_overdue"),
    ]
}

fn values(d: &Dashboard) -> [i64; 10] {
    [
        d.units_total,
        d.studied + d.studied_late,
        d.study_overdue,
        d.program_issued + d.program_late,
        d.program_overdue,
        d.reports_on_time,
        d.reports_behind,
        d.tasks_total,
        d.tasks_done,
        d.tasks_overdue,
    ]
}

fn workbook(ctx: &Ctx, data: &Data) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let head = Format::new().set_bold().set_background_color("#DDE7F0");
    let bold = Format::new().set_bold();
    let sheet = wb.add_worksheet();
    sheet.set_name(ctx.t("dashboards.sheet_summary"))?;
    sheet.write_string_with_format(
        0,
        0,
        format!("{} {} – {}", data.doc.symbol, data.doc.title, data.org.name),
        &bold,
    )?;
    sheet.write_string(
        1,
        0,
        i18n::fill(ctx.t("dashboards.today"), &[("date", &ctx.date(&today()))]),
    )?;
    sheet.write_string_with_format(3, 0, ctx.t("dashboards.col_unit"), &head)?;
    sheet.set_column_width(0, 40)?;
    for (i, c) in columns(ctx).iter().enumerate() {
        let col = i as u16 + 1;
        sheet.write_string_with_format(3, col, *c, &head)?;
        sheet.set_column_width(col, 16)?;
    }
    let mut row = 4u32;
    let mut line = |sheet: &mut rust_xlsxwriter::Worksheet,
                    name: &str,
                    d: &Dashboard,
                    fmt: Option<&Format>|
     -> Result<(), rust_xlsxwriter::XlsxError> {
        match fmt {
            Some(f) => sheet.write_string_with_format(row, 0, name, f)?,
            None => sheet.write_string(row, 0, name)?,
        };
        for (i, v) in values(d).iter().enumerate() {
            sheet.write_number(row, i as u16 + 1, *v as f64)?;
        }
        row += 1;
        Ok(())
    };
    line(sheet, &data.org.name, &data.d, Some(&bold))?;
    for c in &data.children {
        line(sheet, &c.org.name, &c.d, None)?;
    }
    let sheet = wb.add_worksheet();
    sheet.set_name(ctx.t("dashboards.sheet_overdue"))?;
    let heads = [
        ctx.t("dashboards.col_unit"),
        ctx.t("dashboards.milestones"),
        ctx.t("dashboards.answerable"),
    ];
    for (i, h) in heads.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, *h, &head)?;
        sheet.set_column_width(i as u16, 40)?;
    }
    for (r, u) in data.overdue.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, &u.org_name)?;
        let items: Vec<String> = u
            .overdue
            .iter()
            .map(|(k, due)| {
                format!(
                    "{} ({})",
                    ctx.t(&format!("dashboards.milestone.{k}")),
                    i18n::fill(ctx.t("dashboards.due"), &[("date", &ctx.date(due))])
                )
            })
            .collect();
        sheet.write_string(r, 1, items.join("; "))?;
        let who = u.secretary.as_ref().map_or_else(
            || ctx.t("dashboards.no_secretary").to_owned(),
            |(_, n)| n.clone(),
        );
        sheet.write_string(r, 2, who)?;
    }
    wb.save_to_buffer()
}

async fn xlsx(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let data = gather(&st, &auth.p, &org, &doc).await?;
    let bytes = workbook(&auth.ctx, &data).map_err(AppError::internal)?;
    let name = format!("tinh-hinh-trien-khai-{}-{}.xlsx", data.doc.id, data.org.id);
    Ok((
        [
            (header::CONTENT_TYPE, XLSX.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
