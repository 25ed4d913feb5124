//! Dashboards: how a document's implementation stands in any organization's subtree, on
//! today's date — units reached, studied, programs issued, reporting on time, tasks —
//! from the store's rollups (two reads, not a recount), with bars drawn as small
//! server-side SVG, the overdue units with the person who answers for each, one row per
//! child to drill down level by level, and the same table as an .xlsx download.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::{Dashboard, DocumentId, OrgId, Principal};
use store::{
    Crumb, Document, FlaggedPrograms, Org, OverdueTask, OverdueUnit, Page, SeriesPoint,
    TargetProgress,
};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::forms::{self, today};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboards/{org}/{document}", get(show))
        .route("/dashboards/{org}/{document}/xlsx", get(xlsx))
        .route(
            "/dashboards/{org}/{document}/overdue-units",
            get(overdue_units_list),
        )
        .route(
            "/dashboards/{org}/{document}/overdue-tasks",
            get(overdue_tasks_list),
        )
}

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

/// One coloured part of the tasks-by-status bar.
pub struct Segment {
    pub label: &'static str,
    pub n: i64,
    pub class: &'static str,
    pub x: f64,
    pub w: f64,
}

/// The tasks of the subtree by status, as one stacked bar (done, on track, at risk, not
/// started); overdue ones are counted inside the last three and named beside the bar.
fn task_segments(ctx: &Ctx, d: &Dashboard) -> Vec<Segment> {
    let parts = [
        ("dashboards.tasks_done", d.tasks_done, "seg-done"),
        ("progress.status.on_track", d.tasks_on_track, "seg-track"),
        ("progress.status.at_risk", d.tasks_at_risk, "seg-risk"),
        ("progress.status.overdue", d.tasks_overdue, "seg-overdue"),
        (
            "progress.status.not_started",
            d.tasks_not_started,
            "seg-none",
        ),
    ];
    let total = d.tasks_total.max(1) as f64;
    let mut x = 0.0;
    parts
        .into_iter()
        .map(|(key, n, class)| {
            let w = 100.0 * n as f64 / total;
            let seg = Segment {
                label: ctx.t(key),
                n,
                class,
                x,
                w,
            };
            x += w;
            seg
        })
        .collect()
}

/// The progress line: tasks done, cumulated week by week, against all tasks.
pub struct Line {
    /// `x,y` pairs in a 0..100 × 0..40 box (y grows downwards).
    pub points: String,
    pub first: String,
    pub last: String,
    pub done: i64,
    pub total: i64,
    /// Only this week has figures: one point draws no line, so the page says so.
    pub single: bool,
    /// (week, done that week, done so far), for the table under the chart.
    pub rows: Vec<(String, i64, i64)>,
}

const LINE_HEIGHT: f64 = 40.0;

fn line(ctx: &Ctx, series: &[SeriesPoint], tasks_total: i64, today: time::Date) -> Option<Line> {
    let first = series.first()?.week;
    let this_week =
        today - time::Duration::days(i64::from(today.weekday().number_days_from_monday()));
    let weeks = ((this_week - first).whole_weeks().max(0) + 1) as usize;
    let total = tasks_total.max(series.iter().map(|p| p.done).sum());
    let scale_y = |n: i64| LINE_HEIGHT - LINE_HEIGHT * n as f64 / total.max(1) as f64;
    let scale_x = |i: usize| {
        if weeks <= 1 {
            100.0
        } else {
            100.0 * i as f64 / (weeks - 1) as f64
        }
    };
    let mut points = vec![format!("0,{:.2}", LINE_HEIGHT)];
    let mut rows = Vec::new();
    let mut so_far = 0;
    let mut next = series.iter().peekable();
    for i in 0..weeks {
        let week = first + time::Duration::weeks(i as i64);
        let n = match next.peek() {
            Some(p) if p.week == week => next.next().map_or(0, |p| p.done),
            _ => 0,
        };
        so_far += n;
        points.push(format!("{:.2},{:.2}", scale_x(i), scale_y(so_far)));
        if n > 0 || i + 1 == weeks {
            rows.push((ctx.date(&week), n, so_far));
        }
    }
    Some(Line {
        points: points.join(" "),
        first: ctx.date(&first),
        last: ctx.date(&this_week),
        done: so_far,
        total,
        single: weeks <= 1,
        rows,
    })
}

/// A target with its value and how far along it is, worded for the page.
pub struct TargetRow {
    pub t: TargetProgress,
    pub target_text: String,
    pub value_text: String,
    /// 0..=100, for the bar.
    pub percent: f64,
    pub met: bool,
}

fn target_rows(ctx: &Ctx, targets: Vec<TargetProgress>) -> Vec<TargetRow> {
    let n = |v: f64| match ctx.lang {
        i18n::Lang::Vi => domain::target::format_number(v, 2),
        i18n::Lang::En => {
            let t = format!("{:.2}", v);
            t.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
    };
    targets
        .into_iter()
        .map(|t| {
            let tg = &t.target.target;
            // From the baseline to the goal: "82 → 90 %".
            let target_text = match tg.baseline {
                Some(b) => format!("{} → {} {}", n(b), n(tg.target_value), tg.unit),
                None => format!("{} {}", n(tg.target_value), tg.unit),
            };
            let (value_text, percent, met) = match t.target.current_value {
                Some(v) => (
                    format!("{} {}", n(v), tg.unit),
                    100.0 * tg.progress(v),
                    tg.is_met(v),
                ),
                None => (ctx.t("dashboards.no_value").to_owned(), 0.0, false),
            };
            TargetRow {
                t,
                target_text,
                value_text,
                percent,
                met,
            }
        })
        .collect()
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
    overdue_tasks: Vec<OverdueTask>,
    /// Whether more overdue units / tasks exist than the lists hold.
    more_units: bool,
    more_tasks: bool,
    targets: Vec<TargetProgress>,
    series: Vec<SeriesPoint>,
    flagged: FlaggedPrograms,
    /// The unit's own issued program on the chain: the drill-down's last step, to its tasks.
    own_program: Option<store::Program>,
}

/// How many rows of each list a dashboard reads.
#[derive(Clone, Copy)]
struct Limits {
    overdue_units: u32,
    overdue_tasks: u32,
    flagged: u32,
}

/// The page shows the first rows of each list, oldest deadlines and worst plans first,
/// with a link to the whole list, paged: a province has thousands of overdue units, and
/// a page of hundreds of rows helps no one on a phone (docs/PROGRAMS.md).
const PAGE_LIMITS: Limits = Limits {
    overdue_units: 50,
    overdue_tasks: 50,
    flagged: 50,
};

/// The spreadsheet holds the whole lists, up to a bound that keeps a download small.
const XLSX_LIMITS: Limits = Limits {
    overdue_units: 5_000,
    overdue_tasks: 20_000,
    flagged: 5_000,
};

/// Rows per page of the whole lists of overdue units and tasks.
const LIST_PAGE: u32 = 100;

async fn gather(
    st: &AppState,
    p: &Principal,
    raw_org: &str,
    raw_doc: &str,
    limits: Limits,
) -> Result<Data, AppError> {
    let org = st.store.org_get(p, forms::id::<OrgId>(raw_org)?).await?;
    let doc = st
        .store
        .document(p, forms::id::<DocumentId>(raw_doc)?)
        .await?;
    let today = today();
    let first = |limit| Page { offset: 0, limit };
    let (o, dc) = (org.id, doc.id);
    // Independent reads, at once: each runs on its own reader connection, so the page
    // costs about its slowest read rather than the sum of them (docs/BENCHMARKS.md).
    // One row past each list's length tells whether there are more.
    let (d, child_rows, mut overdue, mut overdue_tasks, targets, series, flagged, versions) = tokio::try_join!(
        st.store.dashboard(p, o, dc, today),
        st.store.child_dashboards(p, o, dc, today),
        st.store
            .overdue_units(p, o, dc, today, first(limits.overdue_units + 1)),
        st.store
            .overdue_tasks(p, o, dc, today, first(limits.overdue_tasks + 1)),
        st.store.targets_progress(p, o, dc),
        st.store.progress_series(p, o, dc),
        st.store.flagged_programs(p, o, dc, first(limits.flagged)),
        st.store.unit_programs(p, o, dc),
    )?;
    let more_units = overdue.len() > limits.overdue_units as usize;
    overdue.truncate(limits.overdue_units as usize);
    let more_tasks = overdue_tasks.len() > limits.overdue_tasks as usize;
    overdue_tasks.truncate(limits.overdue_tasks as usize);
    let children = child_rows
        .into_iter()
        .filter(|c| c.dashboard.units_total > 0)
        .map(|c| ChildRow {
            org: c.org,
            d: c.dashboard,
        })
        .collect();
    let own_program = versions
        .into_iter()
        .find(|pr| pr.state == domain::ProgramState::Issued);
    Ok(Data {
        more_units,
        more_tasks,
        own_program,
        org,
        doc,
        d,
        children,
        overdue,
        overdue_tasks,
        targets,
        series,
        flagged,
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
    overdue_tasks: Vec<OverdueTask>,
    more_units: bool,
    more_tasks: bool,
    segments: Vec<Segment>,
    line: Option<Line>,
    targets: Vec<TargetRow>,
    flagged: FlaggedPrograms,
    own_program: Option<store::Program>,
    as_of: String,
    /// Study figures (issue 5), when the user may read them.
    study: Option<crate::study::DashboardSection>,
}

impl ShowPage {
    fn milestone(&self, kind: &str) -> &'static str {
        self.ctx.t(&format!("dashboards.milestone.{kind}"))
    }

    fn all_overdue_tasks(&self) -> String {
        self.ctx.fill(
            "dashboards.all_overdue_tasks",
            "n",
            self.ctx.num(self.d.tasks_overdue),
        )
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

    fn tasks_label(&self) -> String {
        let parts: Vec<String> = self
            .segments
            .iter()
            .map(|s| format!("{}: {}", s.label, self.ctx.num(s.n)))
            .collect();
        parts.join(", ")
    }

    fn line_label(&self, l: &Line) -> String {
        i18n::fill(
            self.ctx.t("dashboards.line_label"),
            &[
                ("done", &self.ctx.num(l.done)),
                ("total", &self.ctx.num(l.total)),
                ("from", &l.first),
                ("to", &l.last),
            ],
        )
    }

    fn line_single(&self, l: &Line) -> String {
        i18n::fill(
            self.ctx.t("dashboards.line_single"),
            &[
                ("done", &self.ctx.num(l.done)),
                ("total", &self.ctx.num(l.total)),
                ("from", &l.first),
            ],
        )
    }

    fn status(&self, s: &domain::TaskStatus) -> &'static str {
        self.ctx.t(&format!("progress.status.{}", s.as_str()))
    }

    fn verdict(&self, v: &store::CopyVerdict) -> &'static str {
        self.ctx
            .t(&format!("programs.quality.verdict.{}", v.as_str()))
    }

    fn flagged_summary(&self) -> String {
        i18n::fill(
            self.ctx.t("dashboards.flagged_summary"),
            &[
                ("flagged", &self.ctx.num(self.flagged.flagged_total)),
                ("assessed", &self.ctx.num(self.flagged.assessed)),
            ],
        )
    }

    fn percent(&self, f: &f64) -> String {
        domain::study::fraction_label(*f)
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
    let (org_id, doc_id) = (forms::id::<OrgId>(&org)?, forms::id::<DocumentId>(&doc)?);
    let today = today();
    let csrf = auth.ctx.csrf.clone();
    let here = auth.ctx.here.clone();
    // The page is kept rendered per account and language while the store's write
    // generation and the day are unchanged (`pagecache`): every figure is read and drawn
    // afresh once a write commits. The session's CSRF token is put in per response.
    let page = match auth.ctx.lang {
        i18n::Lang::Vi => "dashboard.vi",
        i18n::Lang::En => "dashboard.en",
    };
    let kept = crate::pagecache::cached_with(
        &st,
        (auth.p.user_id.0, page, org_id.0, doc_id.0),
        i64::from(today.to_julian_day()),
        || async {
            let ctx = Ctx {
                csrf: CSRF_MARK.to_owned(),
                ..auth.ctx.clone()
            };
            let html = render(&st, ctx, &auth.p, &org, &doc, org_id, doc_id, today).await?;
            Ok(Rendered {
                here: here.clone(),
                html,
            })
        },
    )
    .await?;
    let html = if kept.here == here {
        kept.html.replace(CSRF_MARK, &csrf)
    } else {
        // Another query string ("back here" links differ): drawn for this request only.
        render(&st, auth.ctx, &auth.p, &org, &doc, org_id, doc_id, today).await?
    };
    Ok(axum::response::Html(html).into_response())
}

/// Stands for the session's CSRF token in a kept page (letters only: HTML-escaping keeps it).
const CSRF_MARK: &str = "zzResoluteCsrfMarkzz";

/// A dashboard page as drawn for an account, in `pagecache`.
struct Rendered {
    /// The request's path and query it was drawn for.
    here: String,
    html: String,
}

#[allow(clippy::too_many_arguments)]
async fn render(
    st: &AppState,
    ctx: Ctx,
    p: &Principal,
    org: &str,
    doc: &str,
    org_id: OrgId,
    doc_id: DocumentId,
    today: time::Date,
) -> Result<String, AppError> {
    // The breadcrumbs and the study section do not depend on the figures: read at once.
    let (data, crumbs, study) = tokio::try_join!(
        gather(st, p, org, doc, PAGE_LIMITS),
        async { Ok::<_, AppError>(st.store.org_ancestors(p, org_id).await?) },
        crate::study::DashboardSection::load(st, &ctx, p, org_id, doc_id),
    )?;
    ShowPage {
        segments: task_segments(&ctx, &data.d),
        line: line(&ctx, &data.series, data.d.tasks_total, today),
        targets: target_rows(&ctx, data.targets),
        overdue_tasks: data.overdue_tasks,
        more_units: data.more_units,
        more_tasks: data.more_tasks,
        flagged: data.flagged,
        own_program: data.own_program,
        title: format!(
            "{} – {} – {}",
            ctx.t("dashboards.title"),
            data.doc.symbol,
            data.org.name
        ),
        bars: bars(&ctx, &data.d),
        as_of: i18n::fill(ctx.t("dashboards.today"), &[("date", &ctx.date(&today))]),
        ctx,
        crumbs,
        org: data.org,
        doc: data.doc,
        d: data.d,
        children: data.children,
        overdue: data.overdue,
        study,
    }
    .render()
    .map_err(AppError::internal)
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

/// A day as a spreadsheet date (so it sorts and filters as one), shown dd/mm/yyyy.
fn xlsx_date(d: time::Date) -> Result<rust_xlsxwriter::ExcelDateTime, rust_xlsxwriter::XlsxError> {
    rust_xlsxwriter::ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day())
}

fn workbook(
    ctx: &Ctx,
    data: &Data,
    study: Option<&crate::study::DashboardSection>,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let head = Format::new().set_bold().set_background_color("#DDE7F0");
    let bold = Format::new().set_bold();
    let day = Format::new().set_num_format("dd/mm/yyyy");
    let sheet = wb.add_worksheet();
    sheet.set_name(ctx.t("dashboards.sheet_summary"))?;
    sheet.write_string_with_format(
        0,
        0,
        format!("{} {} – {}", data.doc.symbol, data.doc.title, data.org.name),
        &bold,
    )?;
    sheet.write_string(1, 0, ctx.t("dashboards.as_of"))?;
    sheet.write_date_with_format(1, 1, xlsx_date(today())?, &day)?;
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
    // One row per overdue milestone, its deadline a date: the office sorts and filters.
    let sheet = wb.add_worksheet();
    sheet.set_name(ctx.t("dashboards.sheet_overdue"))?;
    let heads = [
        ctx.t("dashboards.col_unit"),
        ctx.t("dashboards.milestones"),
        ctx.t("dashboards.col_deadline"),
        ctx.t("dashboards.answerable"),
    ];
    for (i, h) in heads.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, *h, &head)?;
        sheet.set_column_width(i as u16, if i == 2 { 14 } else { 40 })?;
    }
    let mut r = 1u32;
    for u in &data.overdue {
        let who = u.secretary.as_ref().map_or_else(
            || ctx.t("dashboards.no_secretary").to_owned(),
            |(_, n)| n.clone(),
        );
        for (k, due) in &u.overdue {
            sheet.write_string(r, 0, &u.org_name)?;
            sheet.write_string(r, 1, ctx.t(&format!("dashboards.milestone.{k}")))?;
            sheet.write_date_with_format(r, 2, xlsx_date(*due)?, &day)?;
            sheet.write_string(r, 3, &who)?;
            r += 1;
        }
    }
    // Overdue tasks, with the person who answers for each.
    let sheet = wb.add_worksheet();
    sheet.set_name(ctx.t("dashboards.sheet_tasks"))?;
    let heads = [
        ctx.t("dashboards.col_task"),
        ctx.t("dashboards.col_unit"),
        ctx.t("dashboards.col_deadline"),
        ctx.t("dashboards.col_status"),
        ctx.t("dashboards.answerable"),
    ];
    for (i, h) in heads.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, *h, &head)?;
        sheet.set_column_width(i as u16, if i == 0 { 60 } else { 24 })?;
    }
    for (r, t) in data.overdue_tasks.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, &t.content)?;
        sheet.write_string(r, 1, &t.org_name)?;
        sheet.write_date_with_format(r, 2, xlsx_date(t.deadline)?, &day)?;
        sheet.write_string(
            r,
            3,
            ctx.t(&format!("progress.status.{}", t.status.as_str())),
        )?;
        let who = t.responsible.as_ref().map_or_else(
            || ctx.t("dashboards.no_responsible").to_owned(),
            |(_, n)| n.clone(),
        );
        sheet.write_string(r, 4, who)?;
    }
    // Targets against their values.
    let sheet = wb.add_worksheet();
    sheet.set_name(ctx.t("dashboards.sheet_targets"))?;
    let heads = [
        ctx.t("dashboards.col_indicator"),
        ctx.t("dashboards.col_target"),
        ctx.t("dashboards.col_value"),
        ctx.t("dashboards.tasks"),
        ctx.t("dashboards.tasks_done"),
    ];
    for (i, h) in heads.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, *h, &head)?;
        sheet.set_column_width(i as u16, if i == 0 { 60 } else { 18 })?;
    }
    for (r, t) in data.targets.iter().enumerate() {
        let r = r as u32 + 1;
        let tg = &t.target.target;
        sheet.write_string(r, 0, format!("{} ({})", tg.indicator, tg.unit))?;
        sheet.write_number(r, 1, tg.target_value)?;
        if let Some(v) = t.target.current_value {
            sheet.write_number(r, 2, v)?;
        }
        sheet.write_number(r, 3, t.tasks as f64)?;
        sheet.write_number(r, 4, t.tasks_done as f64)?;
    }
    // Programs flagged by the plan-quality check.
    let sheet = wb.add_worksheet();
    sheet.set_name(ctx.t("dashboards.sheet_flagged"))?;
    let heads = [
        ctx.t("dashboards.col_unit"),
        ctx.t("dashboards.col_verdict"),
        ctx.t("dashboards.col_copied"),
        ctx.t("dashboards.col_score"),
    ];
    for (i, h) in heads.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, *h, &head)?;
        sheet.set_column_width(i as u16, if i == 0 { 50 } else { 18 })?;
    }
    let pct = Format::new().set_num_format("0%");
    for (r, f) in data.flagged.flagged.iter().enumerate() {
        let r = r as u32 + 1;
        let name = match &f.symbol {
            Some(sym) => format!("{} · {sym}", f.org_name),
            None => f.org_name.clone(),
        };
        sheet.write_string(r, 0, name)?;
        sheet.write_string(
            r,
            1,
            ctx.t(&format!(
                "programs.quality.verdict.{}",
                f.assessment.verdict.as_str()
            )),
        )?;
        sheet.write_number_with_format(r, 2, f.assessment.copied_fraction, &pct)?;
        sheet.write_number(r, 3, f64::from(f.assessment.score))?;
    }
    // Study: the members' figures per audience, as the page's study section shows them.
    if let Some(sd) = study {
        let sheet = wb.add_worksheet();
        sheet.set_name(ctx.t("dashboards.sheet_study"))?;
        let heads = [
            ctx.t("study.round_review.col.audience"),
            ctx.t("study.round_review.col.members"),
            ctx.t("study.round_review.col.studied"),
            ctx.t("study.round_review.col.pct"),
            ctx.t("study.round_review.col.made_up"),
            ctx.t("study.round_review.col.checks"),
            ctx.t("study.round_review.col.on_time"),
            ctx.t("study.round_review.col.late"),
            ctx.t("study.round_review.col.good"),
        ];
        for (i, h) in heads.iter().enumerate() {
            sheet.write_string_with_format(0, i as u16, *h, &head)?;
            sheet.set_column_width(i as u16, if i == 0 { 30 } else { 16 })?;
        }
        let share = Format::new().set_num_format("0.0%");
        for (r, l) in sd.lines.iter().enumerate() {
            let r = r as u32 + 1;
            sheet.write_string(r, 0, l.label)?;
            sheet.write_number(r, 1, l.members as f64)?;
            sheet.write_number(r, 2, l.studied as f64)?;
            if l.members > 0 {
                sheet.write_number_with_format(
                    r,
                    3,
                    l.studied as f64 / l.members as f64,
                    &share,
                )?;
            }
            sheet.write_number(r, 4, l.made_up as f64)?;
            sheet.write_string(r, 5, format!("{} / {}", l.checks_passed, l.checks_taken))?;
            sheet.write_number(r, 6, l.on_time as f64)?;
            sheet.write_number(r, 7, l.late as f64)?;
            sheet.write_number(r, 8, l.good as f64)?;
        }
        // The units below the threshold, with their figures.
        let mut r = sd.lines.len() as u32 + 2;
        sheet.write_string_with_format(
            r,
            0,
            format!("{} {}%", ctx.t("study.dashboard.below"), sd.threshold),
            &bold,
        )?;
        r += 1;
        for (name, _, _, studied, members) in &sd.below {
            sheet.write_string(r, 0, name)?;
            sheet.write_number(r, 1, *members as f64)?;
            sheet.write_number(r, 2, *studied as f64)?;
            if *members > 0 {
                sheet.write_number_with_format(r, 3, *studied as f64 / *members as f64, &share)?;
            }
            r += 1;
        }
    }
    wb.save_to_buffer()
}

/// The download's name as an office would file it: "Tình hình triển khai 05-NQ-TU – Đảng bộ
/// huyện Lục Nam – 03-12-2026.xlsx" (a slash cannot stand in a file name).
fn workbook_name(data: &Data, ctx: &Ctx) -> String {
    let d = today();
    format!(
        "{} {} – {} – {:02}-{:02}-{}.xlsx",
        ctx.t("dashboards.title"),
        data.doc.symbol.replace('/', "-"),
        data.org.name.replace(['/', '\\'], "-"),
        d.day(),
        d.month() as u8,
        d.year()
    )
}

async fn xlsx(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let data = gather(&st, &auth.p, &org, &doc, XLSX_LIMITS).await?;
    let study =
        crate::study::DashboardSection::load(&st, &auth.ctx, &auth.p, data.org.id, data.doc.id)
            .await?;
    let bytes = workbook(&auth.ctx, &data, study.as_ref()).map_err(AppError::internal)?;
    Ok(crate::files::xlsx(&workbook_name(&data, &auth.ctx), bytes))
}

// ---- The whole lists, paged -------------------------------------------------------------

/// The page number of `?page=` (from 1); anything else is the first page.
fn page_number(q: &Option<String>) -> u32 {
    forms::query_param(q, "page")
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=100_000).contains(n))
        .unwrap_or(1)
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboards/overdue.html")]
struct OverduePage {
    ctx: Ctx,
    title: String,
    org: Org,
    doc: Document,
    as_of: String,
    /// `units` or `tasks`: which list this page shows.
    kind: &'static str,
    overdue: Vec<OverdueUnit>,
    overdue_tasks: Vec<OverdueTask>,
    page: u32,
    has_next: bool,
}

impl OverduePage {
    fn milestone(&self, kind: &str) -> &'static str {
        self.ctx.t(&format!("dashboards.milestone.{kind}"))
    }

    fn status(&self, s: &domain::TaskStatus) -> &'static str {
        self.ctx.t(&format!("progress.status.{}", s.as_str()))
    }
}

async fn overdue_list(
    auth: Auth,
    st: AppState,
    raw_org: &str,
    raw_doc: &str,
    q: &Option<String>,
    kind: &'static str,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let org = st.store.org_get(p, forms::id::<OrgId>(raw_org)?).await?;
    let doc = st
        .store
        .document(p, forms::id::<DocumentId>(raw_doc)?)
        .await?;
    let page = page_number(q);
    let window = Page {
        offset: (page - 1) * LIST_PAGE,
        limit: LIST_PAGE + 1,
    };
    let today = today();
    let (mut overdue, mut overdue_tasks) = (Vec::new(), Vec::new());
    let has_next = if kind == "units" {
        overdue = st
            .store
            .overdue_units(p, org.id, doc.id, today, window)
            .await?;
        let more = overdue.len() > LIST_PAGE as usize;
        overdue.truncate(LIST_PAGE as usize);
        more
    } else {
        overdue_tasks = st
            .store
            .overdue_tasks(p, org.id, doc.id, today, window)
            .await?;
        let more = overdue_tasks.len() > LIST_PAGE as usize;
        overdue_tasks.truncate(LIST_PAGE as usize);
        more
    };
    let ctx = auth.ctx;
    let heading = ctx.t(if kind == "units" {
        "dashboards.overdue_units"
    } else {
        "dashboards.overdue_tasks"
    });
    Ok(OverduePage {
        title: format!("{heading} – {} – {}", doc.symbol, org.name),
        as_of: i18n::fill(ctx.t("dashboards.today"), &[("date", &ctx.date(&today))]),
        ctx,
        org,
        doc,
        kind,
        overdue,
        overdue_tasks,
        page,
        has_next,
    }
    .into_response())
}

async fn overdue_units_list(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    overdue_list(auth, st, &org, &doc, &q, "units").await
}

async fn overdue_tasks_list(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    overdue_list(auth, st, &org, &doc, &q, "tasks").await
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_task_chart_draws_overdue_tasks_and_fills_its_bar() {
        let ctx = Ctx::default();
        let d = Dashboard {
            tasks_total: 55,
            tasks_done: 21,
            tasks_on_track: 9,
            tasks_at_risk: 0,
            tasks_overdue: 2,
            tasks_not_started: 23,
            ..Default::default()
        };
        let segs = task_segments(&ctx, &d);
        let overdue = segs.iter().find(|g| g.class == "seg-overdue").unwrap();
        assert_eq!(overdue.n, 2);
        assert_eq!(overdue.label, "Quá hạn");
        let last = segs.last().unwrap();
        assert!(
            (last.x + last.w - 100.0).abs() < 1e-9,
            "{}",
            last.x + last.w
        );
        assert_eq!(segs.iter().map(|g| g.n).sum::<i64>(), d.tasks_total);
    }

    #[test]
    fn one_week_of_figures_is_said_not_drawn() {
        let ctx = Ctx::default();
        let today = date!(2026 - 12 - 03);
        let monday = date!(2026 - 11 - 30);
        let one = line(
            &ctx,
            &[SeriesPoint {
                week: monday,
                done: 2,
            }],
            5,
            today,
        )
        .unwrap();
        assert!(one.single);
        assert_eq!((one.done, one.total), (2, 5));
        let earlier = monday - time::Duration::weeks(2);
        let two = line(
            &ctx,
            &[
                SeriesPoint {
                    week: earlier,
                    done: 1,
                },
                SeriesPoint {
                    week: monday,
                    done: 2,
                },
            ],
            5,
            today,
        )
        .unwrap();
        assert!(!two.single);
        assert_eq!(two.rows.len(), 2);
        assert!(line(&ctx, &[], 5, today).is_none());
    }
}
