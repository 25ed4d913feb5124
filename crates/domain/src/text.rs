//! Text forms used for storage and search.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Unicode NFC: the one form stored, so that the same word is always the same bytes.
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// The search key of a text: lowercase, without diacritics, `đ` folded to `d`, runs of
/// whitespace collapsed. "Nguyễn Văn Đức" and "nguyen van duc" share one key, so a search
/// typed with or without diacritics finds the same rows.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' {
            if !space {
                out.push(' ');
            }
            space = true;
            continue;
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Escapes `%`, `_` and `\` for a SQL `LIKE ... ESCAPE '\'` pattern.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Bắc Giang"), "bac giang");
        assert_eq!(fold("  Nguyễn   Văn Đức "), "nguyen van duc");
        assert_eq!(fold("Huyện ủy Lục Nam"), "huyen uy luc nam");
        assert_eq!(fold("HOÀ"), fold("hòa"));
        assert_eq!(fold("thuỷ"), fold("thủy"));
    }

    #[test]
    fn nfc_composes() {
        let decomposed = "Vie\u{0302}\u{0323}t";
        assert_eq!(nfc(decomposed), "Việt");
    }

    #[test]
    fn like_escape_escapes_wildcards() {
        assert_eq!(like_escape("50%_a\\"), "50\\%\\_a\\\\");
    }
}
