//! The Vietnamese folding token filter: after lowercasing, a token loses its diacritics
//! and `đ` becomes `d`, so "nghị quyết", "Nghi Quyet" and "NGHỊ QUYẾT" are the same terms
//! ("nghi", "quyet"). Offsets are kept, so a passage shows the words as written. The
//! same folding as `domain::text::fold` (the names' search keys), token by token.

use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The analyzer of every text field and of queries: words (letters and digits), at most
/// 40 bytes, lowercased, folded.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(ViFold)
        .build()
}

/// Folds a lowercased word: diacritics dropped, `đ` → `d`.
pub fn fold_word(word: &str, out: &mut String) {
    out.clear();
    for c in word.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        out.push(match c {
            'đ' | 'Đ' => 'd',
            c => c,
        });
    }
}

/// The token filter (see the module's documentation).
#[derive(Clone, Copy, Debug, Default)]
pub struct ViFold;

impl TokenFilter for ViFold {
    type Tokenizer<T: Tokenizer> = ViFoldFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> ViFoldFilter<T> {
        ViFoldFilter {
            tokenizer,
            buffer: String::new(),
        }
    }
}

#[derive(Clone)]
pub struct ViFoldFilter<T> {
    tokenizer: T,
    buffer: String,
}

impl<T: Tokenizer> Tokenizer for ViFoldFilter<T> {
    type TokenStream<'a> = ViFoldStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        ViFoldStream {
            tail: self.tokenizer.token_stream(text),
            buffer: &mut self.buffer,
        }
    }
}

pub struct ViFoldStream<'a, T> {
    buffer: &'a mut String,
    tail: T,
}

impl<T: TokenStream> TokenStream for ViFoldStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if !token.text.is_ascii() {
            fold_word(&token.text, self.buffer);
            std::mem::swap(&mut token.text, self.buffer);
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<(String, usize, usize)> {
        let mut a = analyzer();
        let mut s = a.token_stream(text);
        let mut out = Vec::new();
        while s.advance() {
            let t = s.token();
            out.push((t.text.clone(), t.offset_from, t.offset_to));
        }
        out
    }

    #[test]
    fn folds_vietnamese_words_and_keeps_offsets() {
        let t = terms("Nghị quyết số 01-NQ/TU về Đảng");
        let words: Vec<&str> = t.iter().map(|(w, _, _)| w.as_str()).collect();
        assert_eq!(
            words,
            ["nghi", "quyet", "so", "01", "nq", "tu", "ve", "dang"]
        );
        // "quyết" is bytes 9..16 of the text: the passage shows it as written.
        assert_eq!(&"Nghị quyết số"[t[1].1..t[1].2], "quyết");
        assert_eq!(terms("ĐẢNG BỘ")[0].0, "dang");
        assert_eq!(terms("đ")[0].0, "d");
        // Both spellings of the tone mark's place fold alike.
        assert_eq!(terms("hoà")[0].0, terms("hòa")[0].0);
        assert_eq!(terms("thuỷ")[0].0, terms("thủy")[0].0);
        // ư, ơ, ă, â, ê, ô lose their marks too.
        assert_eq!(terms("ưu tiên phát triển")[0].0, "uu");
        assert_eq!(terms("Tơ lụa")[0].0, "to");
    }

    #[test]
    fn the_same_folding_as_the_name_keys() {
        let text = "Nguyễn Văn Đức, Huyện ủy Lục Nam";
        let words: Vec<String> = terms(text).into_iter().map(|t| t.0).collect();
        assert_eq!(words.join(" "), domain::text::fold(&text.replace(',', "")));
    }
}
