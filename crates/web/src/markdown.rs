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

#[cfg(test)]
mod tests {
    use super::render;

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
