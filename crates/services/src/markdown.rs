//! Markdown typed by users, as plain text for the analysis (the web renders it to HTML
//! with `web::markdown`).

use pulldown_cmark::{Options, Parser};

/// The text of a Markdown document without its markup: what the plan-quality analysis
/// reads, so that `**`, list markers and link targets are neither compared nor shown in
/// passages. Blocks are separated by a blank line; raw HTML is dropped.
pub fn plain(md: &str) -> String {
    use pulldown_cmark::{Event, TagEnd};
    let mut out = String::with_capacity(md.len());
    for ev in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match ev {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push('\n'),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableRow,
            ) => out.push_str("\n\n"),
            Event::End(TagEnd::TableCell) => out.push_str(" | "),
            _ => {}
        }
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn plain_drops_markup() {
        let text = plain("# Mục tiêu\n\n- **Nâng cao** chất lượng [chi bộ](http://x)\n- Hai");
        assert_eq!(text, "Mục tiêu\n\nNâng cao chất lượng chi bộ\n\nHai");
    }
}
