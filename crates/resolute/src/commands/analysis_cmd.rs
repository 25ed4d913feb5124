//! `check-plan` and `check-tasks`: the plan-quality analysis for batch use and for anyone
//! who wants to verify a verdict.

use crate::cli::{CheckPlanArgs, CheckTasksArgs};
use analysis::{Gazetteer, TaskInput};
use anyhow::{Context, bail};
use std::path::Path;

/// Names of every province, district and commune (both periods), as they read in a plan:
/// "tỉnh Bắc Giang", "huyện Lục Nam", "xã Bảo Sơn".
fn gazetteer() -> Gazetteer {
    let mut names: Vec<String> = Vec::new();
    for u in demo::units::pre_2025()
        .iter()
        .chain(demo::units::from_2025().iter())
    {
        names.push(demo::units::lower_type_word(u));
    }
    Gazetteer::from_names(names)
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes =
        std::fs::read(path).with_context(|| format!("không đọc được {}", path.display()))?;
    String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{} không phải văn bản UTF-8", path.display()))
}

pub fn check_plan(args: CheckPlanArgs) -> anyhow::Result<()> {
    let upper = read_text(&args.upper)?;
    let lower = read_text(&args.lower)?;
    let mut siblings: Vec<(String, String)> = Vec::new();
    if let Some(dir) = &args.siblings {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("không đọc được thư mục {}", dir.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt") && p != &args.lower)
            .collect();
        entries.sort();
        for p in entries {
            let name = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            siblings.push((name, read_text(&p)?));
        }
    }
    let sib_refs: Vec<(&str, &str)> = siblings
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let previous = args.previous.as_deref().map(read_text).transpose()?;
    let report = analysis::check_plan_with_previous(
        &upper,
        &lower,
        previous.as_deref(),
        &sib_refs,
        &gazetteer(),
    );
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    // The overall verdict first: the most severe comparison, and which one.
    let o = &report.overall;
    let source = match o.source {
        Some(analysis::Source::Upper) => "cấp trên / upper".to_owned(),
        Some(analysis::Source::Previous) => format!("kỳ trước / previous: {}", o.name),
        Some(analysis::Source::Sibling) => format!("cùng cấp / sibling: {}", o.name),
        None => "-".to_owned(),
    };
    println!(
        "Kết luận chung / overall verdict: {} ({:.1}%, {source})",
        o.verdict.as_str(),
        o.copied_fraction * 100.0
    );
    println!("{}", o.reason_vi);
    println!("{}", o.reason_en);
    println!(
        "\nSo với cấp trên / against the upper plan: {} ({:.1}%)",
        report.verdict.as_str(),
        report.copied_fraction * 100.0
    );
    println!("{}", report.reason_vi);
    println!("{}", report.reason_en);
    for (i, p) in report.passages.iter().enumerate() {
        println!(
            "\n#{} — {} âm tiết; cấp dưới [{}..{}], cấp trên [{}..{}]\n  < {}\n  > {}",
            i + 1,
            p.syllables,
            p.lower.0,
            p.lower.1,
            p.upper.0,
            p.upper.1,
            one_line(&p.lower_text),
            one_line(&p.upper_text)
        );
    }
    if let Some(c) = &report.previous {
        println!(
            "\nSo với kỳ trước / against the previous plan: {} ({:.1}%)",
            c.verdict.as_str(),
            c.copied_fraction * 100.0
        );
    }
    for s in &report.siblings {
        println!(
            "\nSo với {}: {} ({:.1}%)",
            s.name,
            s.verdict.as_str(),
            s.copied_fraction * 100.0
        );
        for (i, p) in s.passages.iter().take(5).enumerate() {
            println!(
                "  #{} — {} âm tiết\n  < {}\n  > {}",
                i + 1,
                p.syllables,
                one_line(&p.lower_text),
                one_line(&p.upper_text)
            );
        }
    }
    Ok(())
}

fn one_line(s: &str) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s
    }
}

/// Reads tasks from a .csv or .xlsx file whose header names the columns in Vietnamese
/// ("Nội dung", "Người chịu trách nhiệm", "Thời hạn", "Sản phẩm", "Cơ quan chủ trì") or
/// English (content, responsible, deadline, output, lead_body).
fn read_tasks(path: &Path) -> anyhow::Result<Vec<TaskInput>> {
    let table = import::read_file(path)
        .map_err(|e| anyhow::anyhow!("{}", e.messages(i18n::Lang::Vi).join("\n")))?;
    let col = |names: &[&str]| table.column(names);
    let Some(content) = col(&["Nội dung", "Nội dung nhiệm vụ", "content"]) else {
        bail!("thiếu cột “Nội dung” (content)");
    };
    let responsible = col(&["Người chịu trách nhiệm", "Người phụ trách", "responsible"]);
    let deadline = col(&["Thời hạn", "Thời gian hoàn thành", "deadline"]);
    let output = col(&["Sản phẩm", "Kết quả đầu ra", "Chỉ tiêu", "output"]);
    let lead = col(&["Cơ quan chủ trì", "lead_body", "lead body"]);
    let get = |row: &Vec<String>, i: Option<usize>| -> Option<String> {
        i.and_then(|i| row.get(i))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    Ok(table
        .rows
        .iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .map(|r| TaskInput {
            content: get(r, Some(content)).unwrap_or_default(),
            responsible: get(r, responsible),
            deadline: get(r, deadline),
            output: get(r, output),
            lead_body: get(r, lead),
        })
        .collect())
}

pub fn check_tasks(args: CheckTasksArgs) -> anyhow::Result<()> {
    let tasks = read_tasks(&args.file)?;
    let reports = analysis::check_tasks(&tasks, &gazetteer());
    let score = analysis::score_program(None, &reports);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "tasks": reports, "score": score }))?
        );
        return Ok(());
    }
    for r in &reports {
        println!("\nNhiệm vụ {} — {}", r.index + 1, one_line(&r.content));
        if r.findings.is_empty() {
            println!("  ✓ Đủ “5 rõ” / meets the “5 rõ”");
        }
        for f in &r.findings {
            println!("  • {}\n    {}", f.message_vi, f.message_en);
        }
    }
    println!(
        "\nĐiểm phần nhiệm vụ / task score: {:.0}/{:.0}",
        score.tasks.score, score.tasks.max
    );
    Ok(())
}
