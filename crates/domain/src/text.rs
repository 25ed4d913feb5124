//! Text forms used for storage and search.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Unicode NFC: the one form stored, so that the same word is always the same bytes.
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// The first character of `s` that changes how text around it is shown while being
/// invisible itself, if any: the bidirectional controls (U+202A–U+202E embeddings and
/// overrides, U+2066–U+2069 isolates, U+200E/U+200F/U+061C marks), which can make
/// "Nguyễn Văn A" render as another name, and the other invisible format characters (zero
/// width space and joiners, word joiner and invisible operators, soft hyphen, byte order
/// mark, interlinear annotation, language tags), which make two names that look the same
/// differ. Names and titles refuse them (`validate::name`): Vietnamese text needs none of
/// them, and a refusal tells the user, where stripping would change what they typed
/// silently (docs/SECURITY.md).
pub fn hidden_char(s: &str) -> Option<char> {
    s.chars().find(|&c| is_hidden(c))
}

fn is_hidden(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
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
    fn hidden_characters_are_found() {
        for c in [
            '\u{202A}',
            '\u{202B}',
            '\u{202C}',
            '\u{202D}',
            '\u{202E}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{200E}',
            '\u{200F}',
            '\u{061C}',
            '\u{200B}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{E0041}',
        ] {
            assert_eq!(hidden_char(&format!("Nguyễn{c} Văn A")), Some(c), "{c:?}");
        }
        assert_eq!(
            hidden_char("Nguyễn Văn Đức, Chi bộ thôn Thanh Lâm (số 1)"),
            None
        );
        assert_eq!(hidden_char("Tỷ lệ ≥ 95% — “đạt”"), None);
    }

    #[test]
    fn like_escape_escapes_wildcards() {
        assert_eq!(like_escape("50%_a\\"), "50\\%\\_a\\\\");
    }
}
