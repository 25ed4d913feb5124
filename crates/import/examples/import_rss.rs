//! Measures the memory an import's reading step takes: `import_rss gen ROWS FILE` writes a
//! members sheet of ROWS rows; `import_rss read FILE` reads it with `import::read_table` and
//! prints the resident set size before and after and the peak (Linux: /proc/self/status).
//! docs/SECURITY.md records the figures.

use std::time::Instant;

fn status(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("gen") => {
            let rows: u32 = args[2].parse()?;
            let mut wb = rust_xlsxwriter::Workbook::new();
            let sheet = wb.add_worksheet();
            for (c, (_, header, _)) in import::members::COLUMNS.iter().enumerate() {
                sheet.write_string(0, c as u16, *header)?;
            }
            for i in 0..rows {
                let r = i + 1;
                sheet.write_string(r, 0, format!("Nguyễn Văn Thử {i}"))?;
                sheet.write_string(r, 1, if i % 3 == 0 { "Nữ" } else { "Nam" })?;
                sheet.write_string(
                    r,
                    2,
                    format!("{:02}/{:02}/{}", i % 28 + 1, i % 12 + 1, 1960 + i % 40),
                )?;
                sheet.write_string(
                    r,
                    3,
                    format!("{:02}/{:02}/{}", i % 28 + 1, i % 12 + 1, 2005 + i % 18),
                )?;
                sheet.write_string(r, 4, format!("99{i:08}"))?;
                sheet.write_string(r, 5, "#7")?;
                sheet.write_string(r, 6, "Đảng viên")?;
            }
            wb.save(&args[3])?;
            println!("{} bytes", std::fs::metadata(&args[3])?.len());
        }
        Some("read") => {
            let bytes = std::fs::read(&args[2])?;
            let before = status("VmRSS:");
            let t = Instant::now();
            let result = import::read_table(&bytes);
            let took = t.elapsed();
            let after = status("VmRSS:");
            let peak = status("VmHWM:");
            match &result {
                Ok(table) => println!("read {} rows", table.rows.len()),
                Err(e) => println!("refused: {}", e.messages(i18n::Lang::En).join(" ")),
            }
            println!(
                "file {} KB; RSS before {} MB, after {} MB, peak {} MB; {:.2} s",
                bytes.len() / 1024,
                before / 1024,
                after / 1024,
                peak / 1024,
                took.as_secs_f64()
            );
        }
        _ => eprintln!("usage: import_rss gen ROWS FILE | read FILE"),
    }
    Ok(())
}
