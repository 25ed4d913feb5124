//! The demo's evaluation and rating (issue 17): the Lục Nam district committee's yearly
//! evaluation of its subtree under the default framework (366-QĐ/TW), with proposed scores
//! computed from the demo's record, and all three steps taken for the grassroots units
//! (decided by the district) and for the cells of the first commune (decided by the
//! commune): units rated at their proposed level, the best cells self-assessed and
//! assessed "excellent" with a reason, decided in order until the commune's quota refuses
//! one, which is left assessed and undecided. The members of that commune's first cell
//! have self-assessed; their secretary and the commune are left to act (the browser
//! journey's part). The period is the calendar year of `today`, computed as of `today`.

use domain::evaluation::{Level, PeriodKind, SubjectKind};
use domain::{OrgKind, Principal};
use store::{EvaluationRow, NewPeriod, Org, StepInput, Store, StoreError};
use time::{Date, Month};

/// What the demo did: (period id, decided, the unit left over the quota).
pub struct Loaded {
    pub period: i64,
    pub decided: u32,
    pub over_quota: Option<i64>,
}

fn step(level: Level, text: &str) -> StepInput {
    StepInput {
        level,
        text: text.into(),
        score: None,
    }
}

const SELF_TEXT: &str = "Tập thể đã quán triệt và tổ chức thực hiện nghị quyết nghiêm túc, \
     ban hành chương trình hành động sát thực tế; hạn chế: một số nhiệm vụ còn chậm, \
     sinh hoạt chuyên đề chưa thường xuyên.";
const ASSESS_TEXT: &str = "Nhất trí với bản tự đánh giá; đề nghị khắc phục các hạn chế đã nêu.";
const REASON: &str = "Có mô hình \"Dân vận khéo\" được cấp huyện biểu dương, nhân rộng.";

/// Takes the three steps for the rows (decided by the same body): each at its proposed
/// level, except the best `excellent` rows, raised to "excellent" (with a reason). The
/// others are decided first, then the excellent ones, so the quota refuses the last.
async fn three_steps(
    store: &dyn Store,
    p: &Principal,
    rows: &[EvaluationRow],
    excellent: usize,
) -> store::Result<(u32, Option<i64>)> {
    let mut decided = 0;
    let mut over = None;
    let mut order: Vec<(&EvaluationRow, Level)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let level = if i < excellent {
                Level::Excellent
            } else if r.proposed_level == Level::Excellent {
                Level::Good
            } else {
                r.proposed_level
            };
            (r, level)
        })
        .collect();
    order.sort_by_key(|(_, l)| *l == Level::Excellent);
    for (r, level) in order {
        store.self_assess(p, r.id, step(level, SELF_TEXT)).await?;
        store
            .assess_evaluation(p, r.id, step(level, ASSESS_TEXT))
            .await?;
        let reason = if level > r.proposed_level { REASON } else { "" };
        match store.decide_evaluation(p, r.id, step(level, reason)).await {
            Ok(_) => decided += 1,
            Err(StoreError::Conflict("evaluation_quota")) => over = Some(r.id),
            Err(e) => return Err(e),
        }
    }
    Ok((decided, over))
}

/// The smallest number of "excellent" among the best rows that the default quota cannot
/// hold (the others rated at their proposed level).
fn one_over_quota(rows: &[EvaluationRow]) -> usize {
    let quota = domain::evaluation::DEFAULT_QUOTA;
    (1..=rows.len())
        .find(|&k| {
            let good_or_better = k + rows[k..]
                .iter()
                .filter(|r| r.proposed_level >= Level::Good)
                .count();
            k > domain::evaluation::places(&quota, good_or_better as u32) as usize
        })
        .unwrap_or(rows.len())
}

/// Loads the demo's evaluation; `None` without Lục Nam.
pub async fn load(
    store: &dyn Store,
    p: &Principal,
    root: &Org,
    today: Date,
) -> store::Result<Option<Loaded>> {
    let Some(district) = store
        .org_children(p, root.id, false)
        .await?
        .into_iter()
        .find(|o| o.name.contains("Lục Nam"))
    else {
        return Ok(None);
    };
    let y = today.year();
    let period = store
        .create_evaluation_period(
            p,
            NewPeriod {
                org: district.id,
                kind: PeriodKind::Year,
                name: format!("Đánh giá, xếp loại chất lượng năm {y}"),
                starts_on: Date::from_calendar_date(y, Month::January, 1).expect("1 January"),
                ends_on: Date::from_calendar_date(y, Month::December, 31).expect("31 December"),
                unit_framework: None,
                member_framework: None,
            },
        )
        .await?;
    store
        .compute_evaluations(p, period.id, today, &|_, _| {})
        .await?;
    let units = store
        .evaluation_ranking(p, period.id, district.id, SubjectKind::Unit)
        .await?;
    // The grassroots units, decided by the district: at their proposed levels, the best
    // one raised.
    let grassroots: Vec<EvaluationRow> = units
        .rows
        .iter()
        .filter(|r| r.decider_id == district.id)
        .cloned()
        .collect();
    let (mut decided, _) = three_steps(store, p, &grassroots, 1).await?;
    // The first commune's cells: one more "excellent" than its quota allows.
    let Some(commune) = store
        .org_children(p, district.id, false)
        .await?
        .into_iter()
        .find(|o| o.kind == OrgKind::Grassroots)
    else {
        return Ok(Some(Loaded {
            period: period.id,
            decided,
            over_quota: None,
        }));
    };
    let cells: Vec<EvaluationRow> = units
        .rows
        .iter()
        .filter(|r| r.decider_id == commune.id)
        .cloned()
        .collect();
    let (n, over) = three_steps(store, p, &cells, one_over_quota(&cells)).await?;
    decided += n;
    // The members of the commune's first cell have self-assessed at their proposed level.
    if let Some(cell) = cells.first() {
        let members = store
            .evaluation_ranking(p, period.id, cell.org_id, SubjectKind::Member)
            .await?;
        for m in &members.rows {
            store
                .self_assess(p, m.id, step(m.proposed_level, SELF_TEXT))
                .await?;
        }
    }
    Ok(Some(Loaded {
        period: period.id,
        decided,
        over_quota: over,
    }))
}
