//! Markdown typed by users (documents' text, programs' sections), rendered to HTML and
//! sanitized: pulldown-cmark writes the HTML, ammonia keeps only harmless tags and
//! attributes (no scripts, no event handlers, no `javascript:` links), so templates may
//! insert the result unescaped.

use pulldown_cmark::{Options, Parser, html};

/// The sanitized HTML of a Markdown text.
pub fn render(md: &str) -> String {
    let parser = Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let mut raw = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut raw, parser);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

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
    use super::{plain, render};

    #[test]
    fn plain_drops_markup() {
        let text = plain("# Mục tiêu\n\n- **Nâng cao** chất lượng [chi bộ](http://x)\n- Hai");
        assert_eq!(text, "Mục tiêu\n\nNâng cao chất lượng chi bộ\n\nHai");
    }

    #[test]
    fn formats_and_sanitizes() {
        let html = render("# Mục tiêu\n\n- **Nâng cao** chất lượng\n\n<script>alert(1)</script>");
        assert!(html.contains("<h1>Mục tiêu</h1>"), "{html}");
        assert!(html.contains("<strong>Nâng cao</strong>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        let html = render("[x](javascript:alert(1)) <img src=x onerror=alert(1)>");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
    }
}
