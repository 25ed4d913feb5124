//! Party documents as .docx, in the layout of Hướng dẫn 36-HD/VPTW (03/4/2018).
//!
//! A [`PartyDoc`] holds the nine mandatory parts of a party document that the system can
//! fill (the seal and the handwritten signature are added on paper): the title "ĐẢNG CỘNG
//! SẢN VIỆT NAM", the issuing body under the body above it, the number and symbol, place
//! and date, the type name and summary, the body, the signer's authority, position and
//! name, and the recipients. [`to_docx`] lays them out on A4 in Times New Roman with the
//! sizes of the guide's Phụ lục 3; see `docs/DOCUMENTS.md` for the choices the guide leaves
//! open (margins, heading numbering, sizes of the recipients).
//!
//! Pure: no I/O, no clock. The caller passes the date.

use docx_rs::{
    AlignmentType, BreakType, Docx, Footer, LineSpacing, PageMargin, PageNum, Paragraph, Run,
    RunFonts, SpecialIndentType, Table, TableCell, TableRow, VAlignType, WidthType,
};
use time::Date;

/// One party document.
#[derive(Debug, Clone)]
pub struct PartyDoc {
    /// The party organization above the issuing body, e.g. "ĐẢNG BỘ TỈNH BẮC NINH"
    /// (empty for the Central Committee's own documents).
    pub party: String,
    /// The issuing body, e.g. "HUYỆN ỦY LỤC NAM".
    pub issuer: String,
    /// Number and symbol without "Số", e.g. "12-BC/HU".
    pub number: String,
    /// Place written before the date, e.g. "Lục Nam".
    pub place: String,
    pub date: Date,
    /// The type name, e.g. "BÁO CÁO", "THÔNG BÁO".
    pub kind: String,
    /// The summary (trích yếu).
    pub title: String,
    pub body: Vec<Block>,
    /// "Nơi nhận" lines, without the leading dash.
    pub recipients: Vec<String>,
    pub signer: Signer,
}

/// Who signs: "T/M BAN THƯỜNG VỤ" / "BÍ THƯ" / the name.
#[derive(Debug, Clone)]
pub struct Signer {
    /// Authority line such as "T/M BAN THƯỜNG VỤ" or "K/T BÍ THƯ"; none when the head signs.
    pub on_behalf: Option<String>,
    pub position: String,
    pub name: String,
}

/// A part of the body.
#[derive(Debug, Clone)]
pub enum Block {
    /// A heading, numbered by the writer: level 1 "I-", level 2 "1.", level 3 "a)".
    Heading { level: u8, text: String },
    /// A paragraph; line breaks start new paragraphs.
    Paragraph(String),
    /// A dash list.
    Bullets(Vec<String>),
    /// A bordered table with a header row.
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// Starts a new page.
    PageBreak,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not write the .docx package: {0}")]
    Pack(String),
}

// Sizes are in half-points (docx), lengths in twips (1 mm = 56.7 twips).
const FONT: &str = "Times New Roman";
const PT12: usize = 24;
const PT13: usize = 26;
const PT14: usize = 28;
const PT15: usize = 30;
const PT16: usize = 32;
const A4_W: u32 = 11_906;
const A4_H: u32 = 16_838;
// Front-page margins of the provincial handbook cited in RULES.md: 25/25/35/15 mm.
const MARGIN_TOP: i32 = 1_418;
const MARGIN_BOTTOM: i32 = 1_418;
const MARGIN_LEFT: i32 = 1_985;
const MARGIN_RIGHT: i32 = 851;
const TEXT_W: usize = (A4_W as i32 - MARGIN_LEFT - MARGIN_RIGHT) as usize;
const FIRST_LINE: i32 = 567; // 1 cm

/// "Lục Nam, ngày 03 tháng 12 năm 2026".
pub fn place_and_date(place: &str, date: Date) -> String {
    format!(
        "{place}, ngày {:02} tháng {:02} năm {}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

/// Upper-case Roman numeral for heading numbers (1..=3999; larger numbers fall back to digits).
fn roman(mut n: u32) -> String {
    if n == 0 || n > 3999 {
        return n.to_string();
    }
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (v, s) in TABLE {
        while n >= v {
            out.push_str(s);
            n -= v;
        }
    }
    out
}

/// Lower-case letter for third-level headings: a..z, then aa, ab...
fn letter(n: u32) -> String {
    let mut n = n.max(1) - 1;
    let mut out = Vec::new();
    loop {
        out.push(b'a' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Heading numbers as the writer prints them, level by level.
#[derive(Default)]
struct Numbering {
    counts: [u32; 3],
}

impl Numbering {
    fn next(&mut self, level: u8) -> String {
        let i = usize::from(level.clamp(1, 3)) - 1;
        self.counts[i] += 1;
        for c in &mut self.counts[i + 1..] {
            *c = 0;
        }
        match i {
            0 => format!("{}-", roman(self.counts[0])),
            1 => format!("{}.", self.counts[1]),
            _ => format!("{})", letter(self.counts[2])),
        }
    }
}

fn run(text: &str, size: usize) -> Run {
    Run::new().add_text(text).size(size)
}

fn line(text: &str, size: usize) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, size))
        .align(AlignmentType::Center)
}

fn spacing(after: u32) -> LineSpacing {
    LineSpacing::new().before(0).after(after)
}

fn body_paragraph(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, PT14))
        .align(AlignmentType::Both)
        .indent(
            None,
            Some(SpecialIndentType::FirstLine(FIRST_LINE)),
            None,
            None,
        )
        .line_spacing(spacing(120).line(288))
}

fn cell(paragraphs: Vec<Paragraph>, width: usize) -> TableCell {
    paragraphs
        .into_iter()
        .fold(TableCell::new(), TableCell::add_paragraph)
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Top)
}

/// The top block: body names and number at left, the party's title and the date at right.
fn top(doc: &PartyDoc) -> Table {
    let left_w = TEXT_W * 45 / 100;
    let right_w = TEXT_W - left_w;
    let mut left = Vec::new();
    if !doc.party.trim().is_empty() {
        left.push(line(&doc.party.to_uppercase(), PT14).line_spacing(spacing(0)));
    }
    left.push(
        Paragraph::new()
            .add_run(run(&doc.issuer.to_uppercase(), PT14).bold())
            .align(AlignmentType::Center)
            .line_spacing(spacing(0)),
    );
    left.push(line("*", PT14).line_spacing(spacing(0)));
    left.push(line(&format!("Số {}", doc.number), PT14));
    let right = vec![
        Paragraph::new()
            .add_run(
                run("ĐẢNG CỘNG SẢN VIỆT NAM", PT15)
                    .bold()
                    .underline("single"),
            )
            .align(AlignmentType::Center)
            .line_spacing(spacing(240)),
        Paragraph::new()
            .add_run(run(&place_and_date(&doc.place, doc.date), PT14).italic())
            .align(AlignmentType::Center),
    ];
    Table::without_borders(vec![TableRow::new(vec![
        cell(left, left_w),
        cell(right, right_w),
    ])])
    .set_grid(vec![left_w, right_w])
    .width(TEXT_W, WidthType::Dxa)
}

/// The bottom block: recipients at left, the signer at right.
fn bottom(doc: &PartyDoc) -> Table {
    let left_w = TEXT_W * 45 / 100;
    let right_w = TEXT_W - left_w;
    let mut left = vec![
        Paragraph::new()
            .add_run(run("Nơi nhận:", PT14).underline("single"))
            .line_spacing(spacing(0)),
    ];
    let n = doc.recipients.len();
    for (i, r) in doc.recipients.iter().enumerate() {
        let end = if i + 1 == n { "." } else { "," };
        let text = format!("- {}{end}", r.trim_end_matches(['.', ',', ';']));
        left.push(
            Paragraph::new()
                .add_run(run(&text, PT12))
                .line_spacing(spacing(0)),
        );
    }
    let mut right = Vec::new();
    if let Some(on_behalf) = doc.signer.on_behalf.as_deref().filter(|s| !s.is_empty()) {
        right.push(
            Paragraph::new()
                .add_run(run(&on_behalf.to_uppercase(), PT14).bold())
                .align(AlignmentType::Center)
                .line_spacing(spacing(0)),
        );
    }
    right.push(
        Paragraph::new()
            .add_run(run(&doc.signer.position.to_uppercase(), PT14).bold())
            .align(AlignmentType::Center)
            .line_spacing(spacing(0)),
    );
    // Room for the signature and the seal.
    for _ in 0..4 {
        right.push(line("", PT14).line_spacing(spacing(0)));
    }
    right.push(
        Paragraph::new()
            .add_run(run(&doc.signer.name, PT14).bold())
            .align(AlignmentType::Center),
    );
    Table::without_borders(vec![TableRow::new(vec![
        cell(left, left_w),
        cell(right, right_w),
    ])])
    .set_grid(vec![left_w, right_w])
    .width(TEXT_W, WidthType::Dxa)
}

/// Figures ("12", "98,7%", "1.234/1.250") are aligned right in tables.
fn is_figure(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty()
        && t.chars().any(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || ".,%/+- ".contains(c))
}

fn data_table(header: &[String], rows: &[Vec<String>]) -> Table {
    let cols = header
        .len()
        .max(rows.iter().map(Vec::len).max().unwrap_or(0))
        .max(1);
    let w = TEXT_W / cols;
    let make = |texts: &[String], head: bool| {
        let cells = (0..cols)
            .map(|i| {
                let text = texts.get(i).map(String::as_str).unwrap_or("");
                let mut r = run(text, PT13);
                if head {
                    r = r.bold();
                }
                let p = Paragraph::new()
                    .add_run(r)
                    .align(if head {
                        AlignmentType::Center
                    } else if is_figure(text) {
                        AlignmentType::Right
                    } else {
                        AlignmentType::Left
                    })
                    .line_spacing(spacing(0));
                cell(vec![p], w)
            })
            .collect();
        TableRow::new(cells)
    };
    let mut out = vec![make(header, true)];
    out.extend(rows.iter().map(|r| make(r, false)));
    Table::new(out)
        .set_grid(vec![w; cols])
        .width(TEXT_W, WidthType::Dxa)
}

/// Writes the document as a .docx package.
pub fn to_docx(doc: &PartyDoc) -> Result<Vec<u8>, Error> {
    let fonts = RunFonts::new()
        .ascii(FONT)
        .hi_ansi(FONT)
        .cs(FONT)
        .east_asia(FONT);
    let mut d = Docx::new()
        .page_size(A4_W, A4_H)
        .page_margin(
            PageMargin::new()
                .top(MARGIN_TOP)
                .bottom(MARGIN_BOTTOM)
                .left(MARGIN_LEFT)
                .right(MARGIN_RIGHT),
        )
        .default_fonts(fonts)
        .default_size(PT14)
        // Page numbers from the second page on, centred at the foot.
        .first_footer(Footer::new())
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .add_page_num(PageNum::new())
                    .align(AlignmentType::Center),
            ),
        )
        .title_pg()
        .add_table(top(doc))
        .add_paragraph(line("", PT14).line_spacing(spacing(0)))
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&doc.kind.to_uppercase(), PT16).bold())
                .align(AlignmentType::Center)
                .line_spacing(spacing(0)),
        );
    for l in doc.title.lines().filter(|l| !l.trim().is_empty()) {
        d = d.add_paragraph(
            Paragraph::new()
                .add_run(run(l.trim(), PT15).bold())
                .align(AlignmentType::Center)
                .line_spacing(spacing(0)),
        );
    }
    d = d.add_paragraph(line("-----", PT14).line_spacing(spacing(240)));

    let mut numbering = Numbering::default();
    for block in &doc.body {
        match block {
            Block::Heading { level, text } => {
                let number = numbering.next(*level);
                let text = if *level <= 1 {
                    text.to_uppercase()
                } else {
                    text.clone()
                };
                let mut r = run(&format!("{number} {text}"), PT14).bold();
                if *level >= 3 {
                    r = r.italic();
                }
                d = d.add_paragraph(
                    Paragraph::new()
                        .add_run(r)
                        .align(AlignmentType::Both)
                        .indent(
                            None,
                            Some(SpecialIndentType::FirstLine(FIRST_LINE)),
                            None,
                            None,
                        )
                        .keep_next(true)
                        .line_spacing(spacing(120).before(120)),
                );
            }
            Block::Paragraph(text) => {
                for l in text.lines().filter(|l| !l.trim().is_empty()) {
                    d = d.add_paragraph(body_paragraph(l.trim()));
                }
            }
            Block::Bullets(items) => {
                for item in items {
                    d = d.add_paragraph(body_paragraph(&format!("- {}", item.trim())));
                }
            }
            Block::Table { header, rows } => {
                d = d
                    .add_table(data_table(header, rows))
                    .add_paragraph(line("", PT12).line_spacing(spacing(0)));
            }
            Block::PageBreak => {
                d = d
                    .add_paragraph(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)));
            }
        }
    }
    d = d
        .add_paragraph(line("", PT14).line_spacing(spacing(0)))
        .add_table(bottom(doc));

    let mut out = std::io::Cursor::new(Vec::new());
    d.build()
        .pack(&mut out)
        .map_err(|e| Error::Pack(e.to_string()))?;
    Ok(out.into_inner())
}

/// A realistic review of a given length (about 3.4 sections per A4 page), for the tests,
/// the benchmark and examples.
pub mod sample {
    use super::{Block, PartyDoc, Signer};
    use time::macros::date;

    /// A district's review with `sections` numbered parts, each with a sub-heading, a
    /// paragraph, a dash list and a table.
    pub fn review(sections: usize) -> PartyDoc {
        let mut body = Vec::new();
        for s in 0..sections {
            body.push(Block::Heading {
                level: 1,
                text: format!("Kết quả thực hiện phần {}", s + 1),
            });
            body.push(Block::Heading {
                level: 2,
                text: "Công tác học tập, quán triệt nghị quyết".into(),
            });
            body.push(Block::Paragraph(
                "Ban Thường vụ Huyện ủy đã tổ chức học tập, quán triệt Nghị quyết số 05-NQ/TU \
                 đến 100% chi bộ trực thuộc; 1.234/1.250 đảng viên tham gia (98,7%)."
                    .into(),
            ));
            body.push(Block::Bullets(vec![
                "Đảng ủy xã Bảo Đài hoàn thành đúng hạn.".into(),
                "Đảng ủy xã Cẩm Lý còn chậm tiến độ.".into(),
            ]));
            body.push(Block::Table {
                header: vec!["Đơn vị".into(), "Nhiệm vụ".into(), "Hoàn thành".into()],
                rows: vec![
                    vec!["Xã Bảo Đài".into(), "12".into(), "11".into()],
                    vec!["Xã Cẩm Lý".into(), "9".into(), "6".into()],
                ],
            });
        }
        PartyDoc {
            party: "Đảng bộ tỉnh Bắc Ninh".into(),
            issuer: "Huyện ủy Lục Nam".into(),
            number: "12-BC/HU".into(),
            place: "Lục Nam".into(),
            date: date!(2026 - 12 - 03),
            kind: "Báo cáo".into(),
            title: "Sơ kết giữa nhiệm kỳ thực hiện Nghị quyết số 05-NQ/TU".into(),
            body,
            recipients: vec![
                "Ban Thường vụ Tỉnh ủy (để báo cáo)".into(),
                "Các đảng ủy trực thuộc".into(),
                "Lưu Văn phòng Huyện ủy".into(),
            ],
            signer: Signer {
                on_behalf: Some("T/M Ban Thường vụ".into()),
                position: "Bí thư".into(),
                name: "Nguyễn Văn Thành".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_are_numbered_level_by_level() {
        let mut n = Numbering::default();
        assert_eq!(n.next(1), "I-");
        assert_eq!(n.next(2), "1.");
        assert_eq!(n.next(3), "a)");
        assert_eq!(n.next(3), "b)");
        assert_eq!(n.next(2), "2.");
        assert_eq!(n.next(3), "a)");
        assert_eq!(n.next(1), "II-");
        assert_eq!(n.next(2), "1.");
        assert_eq!(n.next(9), "a)");
    }

    #[test]
    fn figures_are_told_from_words() {
        assert!(is_figure("12"));
        assert!(is_figure("98,7%"));
        assert!(is_figure("1.234/1.250"));
        assert!(!is_figure("Xã Bảo Đài"));
        assert!(!is_figure("-"));
        assert!(!is_figure(""));
    }

    #[test]
    fn roman_and_letters() {
        assert_eq!(roman(4), "IV");
        assert_eq!(roman(14), "XIV");
        assert_eq!(roman(1994), "MCMXCIV");
        assert_eq!(letter(1), "a");
        assert_eq!(letter(26), "z");
        assert_eq!(letter(27), "aa");
    }

    #[test]
    fn the_date_line_pads_day_and_month() {
        let d = Date::from_calendar_date(2026, time::Month::February, 3).unwrap();
        assert_eq!(
            place_and_date("Lục Nam", d),
            "Lục Nam, ngày 03 tháng 02 năm 2026"
        );
    }
}
