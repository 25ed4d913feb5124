//! Vietnamese text normalization and syllable tokenization.
//!
//! Every syllable is normalized the same way, whatever the source:
//!
//! - Unicode NFC, lower case;
//! - one tone-mark placement convention: the tone mark is taken off the syllable and put back
//!   by a fixed rule (the traditional one: `hòa`, `khỏe`, `thủy`, `quý`), so `hoà` = `hòa`,
//!   `thuỷ` = `thủy`, `uỷ` = `ủy`, `khoẻ` = `khỏe`, `qúy` = `quý`;
//! - `đ` stays distinct from `d` (folding belongs to search, not to analysis);
//! - punctuation, bullets (`-`, `+`, `•`, `*`), numbering (`1.`, `1.2.`, `a)`, `I.`) and line
//!   breaks are not tokens.
//!
//! Each [`Token`] keeps its byte range in the original text, so that whatever the analysis
//! finds can be highlighted where the user wrote it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{compose, decompose_canonical, is_combining_mark};

/// One syllable of the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The normalized syllable (NFC, lower case, canonical tone placement).
    pub text: String,
    /// Byte offset of the first byte of the syllable in the original text.
    pub start: usize,
    /// Byte offset one past the last byte of the syllable in the original text.
    pub end: usize,
    /// The syllable began with an upper-case letter in the original.
    pub capitalized: bool,
    /// Every letter of the syllable was upper case in the original (digits count as upper).
    pub all_caps: bool,
    /// What separates this token from the previous one.
    pub gap: Gap,
    /// Zero-based line number in the original text.
    pub line: usize,
}

/// What lies between a token and the one before it, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Gap {
    /// Nothing but spaces (or nothing at all, as in `01-NQ` read as two tokens, see `Joined`).
    Space,
    /// No white space at all (a symbol such as `01-NQ/TU` or a number such as `1.500`).
    Joined,
    /// Other punctuation, such as a comma, a hyphen or a parenthesis.
    Punct,
    /// The end of a sentence: `.`, `;`, `:`, `!` or `?` followed by white space.
    Sentence,
    /// A line break (or the start of the text).
    Line,
}

const GRAVE: char = '\u{300}';
const ACUTE: char = '\u{301}';
const TILDE: char = '\u{303}';
const HOOK: char = '\u{309}';
const DOT_BELOW: char = '\u{323}';
const CIRCUMFLEX: char = '\u{302}';
const BREVE: char = '\u{306}';
const HORN: char = '\u{31B}';

fn is_tone(c: char) -> bool {
    matches!(c, GRAVE | ACUTE | TILDE | HOOK | DOT_BELOW)
}

fn is_quality(c: char) -> bool {
    matches!(c, CIRCUMFLEX | BREVE | HORN)
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    fast_decomposition(c).is_some() || c.is_alphanumeric() || is_combining_mark(c)
}

/// A letter of a syllable taken apart: its base, its vowel-quality mark and any other marks.
#[derive(Debug, Clone)]
struct Letter {
    base: char,
    quality: Option<char>,
    other: Vec<char>,
}

fn is_vowel(base: char) -> bool {
    matches!(base, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// Decomposition of a letter: lower-case base, vowel-quality mark, tone mark.
type Decomposition = (char, Option<char>, Option<char>);

/// Table-driven decomposition for ASCII and the Latin ranges that Vietnamese uses
/// (U+0000–U+01FF and U+1EA0–U+1EFF); `None` for other characters, which take the general
/// path. Built once from the Unicode tables, so it agrees with them.
fn fast_decomposition(c: char) -> Option<&'static Decomposition> {
    static TABLE: std::sync::OnceLock<Vec<Option<Decomposition>>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let build = |c: char| -> Option<Decomposition> {
            if is_combining_mark(c) || !c.is_alphanumeric() {
                return None;
            }
            let mut parts: Vec<char> = Vec::new();
            decompose_canonical(c, |d| parts.push(d));
            let mut lower = parts[0].to_lowercase();
            let base = lower.next()?;
            if lower.next().is_some() {
                return None;
            }
            let (mut quality, mut tone) = (None, None);
            for &m in &parts[1..] {
                if is_quality(m) && quality.is_none() {
                    quality = Some(m);
                } else if is_tone(m) && tone.is_none() {
                    tone = Some(m);
                } else {
                    return None;
                }
            }
            Some((base, quality, tone))
        };
        (0u32..0x200)
            .chain(0x1EA0..0x1F00)
            .map(|u| char::from_u32(u).and_then(build))
            .collect()
    });
    let u = c as usize;
    if u < 0x200 {
        table[u].as_ref()
    } else if (0x1EA0..0x1F00).contains(&u) {
        table[0x200 + u - 0x1EA0].as_ref()
    } else {
        None
    }
}

/// Where the tone mark goes, by the traditional rule (`hòa`, `thủy`, `khỏe`, `hoàng`, `quý`).
///
/// The rule only has to be deterministic for the analysis; it is the usual one so that the
/// normalized text still reads naturally.
fn tone_position(letters: &[Letter]) -> Option<usize> {
    let n = letters.len();
    // In "qu" and in "gi" before a vowel, the u and the i are consonants.
    let qu =
        n >= 2 && letters[0].base == 'q' && letters[1].base == 'u' && letters[1].quality.is_none();
    let gi =
        n >= 3 && letters[0].base == 'g' && letters[1].base == 'i' && is_vowel(letters[2].base);
    let start = if qu || gi { 2 } else { 0 };
    let first = (start..n).find(|&i| is_vowel(letters[i].base))?;
    let end = (first..n)
        .find(|&i| !is_vowel(letters[i].base))
        .unwrap_or(n);
    if let Some(marked) = (first..end).rev().find(|&i| letters[i].quality.is_some()) {
        return Some(marked);
    }
    let len = end - first;
    if end < n {
        // Closed syllable: the last vowel of the cluster (hoàng, toán, huỳnh).
        return Some(end - 1);
    }
    Some(match len {
        1 => first,
        2 => first,     // hòa, khỏe, thủy, mùa, tài
        _ => first + 1, // ngoài, khuỷu, ngoẹo
    })
}

/// Normalizes one word (a run of letters, digits and combining marks) into `out`.
fn normalize_word_into(word: &str, out: &mut String) {
    normalize_word_with(word, out, &mut Vec::new());
}

/// [`normalize_word_into`] with a reusable scratch buffer (no allocation per word).
fn normalize_word_with(word: &str, out: &mut String, letters: &mut Vec<Letter>) {
    if word.is_ascii() {
        out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
        return;
    }
    letters.clear();
    let mut tone: Option<(char, usize)> = None;
    let push_mark = |letters: &mut Vec<Letter>, d: char, tone: &mut Option<(char, usize)>| {
        if letters.is_empty() {
            // A stray mark with no letter: drop it.
            return;
        }
        let idx = letters.len() - 1;
        if is_tone(d) {
            // Several tone marks (malformed): keep the smallest, whatever the order,
            // so that NFC and NFD inputs agree.
            if tone.is_none_or(|(t, _)| d < t) {
                *tone = Some((d, idx));
            }
        } else if is_quality(d) && letters[idx].quality.is_none() {
            letters[idx].quality = Some(d);
        } else {
            letters[idx].other.push(d);
        }
    };
    for c in word.chars() {
        if let Some(&(base, quality, t)) = fast_decomposition(c) {
            letters.push(Letter {
                base,
                quality,
                other: Vec::new(),
            });
            if let Some(t) = t {
                push_mark(letters, t, &mut tone);
            }
            continue;
        }
        decompose_canonical(c, |d| {
            if is_combining_mark(d) {
                push_mark(letters, d, &mut tone);
            } else {
                let base = d.to_lowercase().next().unwrap_or(d);
                letters.push(Letter {
                    base,
                    quality: None,
                    other: Vec::new(),
                });
            }
        });
    }
    let tone_at = tone.map(|(mark, idx)| (mark, tone_position(letters).unwrap_or(idx)));
    let mut simple = true;
    let start = out.len();
    for (i, l) in letters.iter().enumerate() {
        let t = tone_at.and_then(|(mark, at)| (at == i).then_some(mark));
        let c = match (l.quality, t) {
            (None, None) => Some(l.base),
            (Some(q), None) => compose(l.base, q),
            (None, Some(t)) => compose(l.base, t),
            // ộ, ặ, ệ decompose as (ọ + ◌̂): try both orders.
            (Some(q), Some(t)) => compose(l.base, q)
                .and_then(|x| compose(x, t))
                .or_else(|| compose(l.base, t).and_then(|x| compose(x, q))),
        };
        match c {
            Some(c) if l.other.is_empty() => out.push(c),
            _ => simple = false,
        }
    }
    if !simple {
        // Rare: marks that do not compose (foreign words). Rebuild in decomposed form and let
        // NFC sort it out; still deterministic, hence idempotent.
        out.truncate(start);
        let mut decomposed = String::new();
        for (i, l) in letters.iter().enumerate() {
            decomposed.push(l.base);
            if let Some(q) = l.quality {
                decomposed.push(q);
            }
            decomposed.extend(l.other.iter());
            if let Some((mark, at)) = tone_at
                && at == i
            {
                decomposed.push(mark);
            }
        }
        out.extend(decomposed.nfc());
    }
}

/// Normalizes one syllable or word: NFC, lower case, canonical tone placement.
///
/// ```
/// use analysis::normalize::normalize_syllable;
/// assert_eq!(normalize_syllable("Hoà"), normalize_syllable("hòa"));
/// assert_eq!(normalize_syllable("THUỶ"), "thủy");
/// assert_ne!(normalize_syllable("đảng"), normalize_syllable("dảng"));
/// ```
pub fn normalize_syllable(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    normalize_word_into(word, &mut out);
    out
}

/// Normalizes a whole text: its syllables, normalized, joined by single spaces.
///
/// Punctuation, numbering, bullets and line breaks disappear. The result is idempotent:
/// `normalize_text(&normalize_text(x)) == normalize_text(x)`.
pub fn normalize_text(text: &str) -> String {
    let toks = tokenize(text);
    let mut out = String::with_capacity(text.len());
    for (i, t) in toks.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&t.text);
    }
    out
}

fn is_roman(s: &str) -> bool {
    matches!(
        s,
        "i" | "ii" | "iii" | "iv" | "v" | "vi" | "vii" | "viii" | "ix" | "x" | "xi" | "xii"
    )
}

/// Whether a raw token could be a list marker (`1`, `12`, `a`, `IV`).
fn is_marker_like(norm: &str) -> bool {
    (norm.len() <= 3 && norm.bytes().all(|b| b.is_ascii_digit()))
        || (norm.len() == 1 && norm.bytes().all(|b| b.is_ascii_lowercase()))
        || is_roman(norm)
}

/// How the gap text before a token is classified (the reference of `GapSeen::gap`).
#[cfg(test)]
fn classify_gap(gap: &str, at_start: bool) -> Gap {
    if at_start || gap.contains('\n') {
        return Gap::Line;
    }
    if gap.is_empty() {
        return Gap::Joined;
    }
    let has_space = gap.chars().any(char::is_whitespace);
    let has_end = gap
        .chars()
        .any(|c| matches!(c, '.' | ';' | ':' | '!' | '?'));
    if has_end && has_space {
        Gap::Sentence
    } else if gap.chars().all(char::is_whitespace) {
        Gap::Space
    } else if !has_space {
        Gap::Joined
    } else {
        Gap::Punct
    }
}

/// One syllable of the original text in compact form: what copy detection and boilerplate
/// recognition need, without the normalized text itself (no allocation per syllable).
///
/// [`syllables`] gives the same sequence as [`tokenize`], syllable for syllable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syllable {
    /// FNV-1a hash of the normalized syllable ([`crate::boilerplate::hash_str`]): equal
    /// syllables have equal hashes, and the hash is stable across runs and platforms.
    pub hash: u64,
    /// Byte offset of the first byte of the syllable in the original text.
    pub start: usize,
    /// Byte offset one past the last byte of the syllable in the original text.
    pub end: usize,
    /// Zero-based line number in the original text.
    pub line: u32,
    /// What separates this syllable from the previous one.
    pub gap: Gap,
    flags: u8,
}

const CAPITALIZED: u8 = 1;
const ALL_CAPS: u8 = 1 << 1;
const NUMBER: u8 = 1 << 2;
const ROMAN: u8 = 1 << 3;
const SINGLE_CHAR: u8 = 1 << 4;
const LEN4: u8 = 1 << 5;
const MARKER_LIKE: u8 = 1 << 6;
/// (Cache entries only.) The word was too long to be cached: its normalized form is in
/// `Cache::long`.
const LONG: u8 = 1 << 7;

impl Syllable {
    /// The syllable began with an upper-case letter in the original.
    pub fn capitalized(&self) -> bool {
        self.flags & CAPITALIZED != 0
    }
    /// Every letter of the syllable was upper case in the original (digits count as upper).
    pub fn all_caps(&self) -> bool {
        self.flags & ALL_CAPS != 0
    }
    /// The normalized syllable is a number (ASCII digits only).
    pub fn is_number(&self) -> bool {
        self.flags & NUMBER != 0
    }
    /// The normalized syllable is a Roman numeral from `i` to `xii`.
    pub fn is_roman(&self) -> bool {
        self.flags & ROMAN != 0
    }
    /// The normalized syllable is a single character.
    pub fn is_single_char(&self) -> bool {
        self.flags & SINGLE_CHAR != 0
    }
    /// The normalized syllable is four bytes long (a year, when it is a number).
    pub fn is_four_bytes(&self) -> bool {
        self.flags & LEN4 != 0
    }
}

/// A small, fast hasher (the FxHash step, finished with a splitmix round so that hashbrown's
/// low and high bits are both mixed) for the per-thread syllable cache and the gazetteer's
/// maps. Not used for anything that is stored.
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

const FX_K: u64 = 0xf135_7aea_2e62_a9c5;

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(FX_K);
        }
        let r = chunks.remainder();
        if !r.is_empty() {
            let mut b = [0u8; 8];
            b[..r.len()].copy_from_slice(r);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(b) ^ ((r.len() as u64) << 59))
                .wrapping_mul(FX_K);
        }
        self.0 = h;
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(FX_K);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(FX_K);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        crate::copy::mix(self.0)
    }
}

pub(crate) type FastBuild = BuildHasherDefault<FastHasher>;

/// What the cache keeps about one raw word (as written, case and tone placement included).
#[derive(Debug, Clone, Copy)]
struct Entry {
    hash: u64,
    flags: u8,
    /// The normalized syllable: `arena[norm_start..norm_start + norm_len]`.
    norm_start: u32,
    norm_len: u32,
}

/// Raw words seen by this thread, with their normalized form: Vietnamese has about 7,000
/// distinct syllables, so nearly every word of a text is normalized once per thread, not
/// once per occurrence. A pure memo of [`normalize_word_with`] and friends; it is emptied
/// when it grows past [`CACHE_LIMIT`] words, so its memory stays bounded whatever the input.
///
/// In front of the map, a direct-mapped table keyed by the word's bytes packed into a
/// `u128` (every Vietnamese syllable fits in 16 bytes): one multiply and one comparison for
/// the common case.
struct Cache {
    map: HashMap<Box<str>, Entry, FastBuild>,
    arena: String,
    letters: Vec<Letter>,
    /// The normalized form of the last word too long to be cached.
    long: String,
    /// `(packed word low, high, entry)`; a packed word of 0 is an empty slot (words have no
    /// NUL).
    recent: Vec<(u64, u64, Entry)>,
}

const RECENT_BITS: u32 = 13;

const EMPTY_ENTRY: Entry = Entry {
    hash: 0,
    flags: 0,
    norm_start: 0,
    norm_len: 0,
};

impl Default for Cache {
    fn default() -> Self {
        Cache {
            map: HashMap::default(),
            arena: String::new(),
            letters: Vec::new(),
            long: String::new(),
            recent: vec![(0, 0, EMPTY_ENTRY); 1 << RECENT_BITS],
        }
    }
}

#[inline]
fn recent_slot(key: u128) -> usize {
    let x = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
    (x.wrapping_mul(FX_K) >> (64 - RECENT_BITS)) as usize
}

/// The bytes `text[start..end]` (at most 16) packed little-endian into a `u128`.
#[inline]
fn pack(bytes: &[u8], start: usize, end: usize) -> u128 {
    let len = end - start;
    debug_assert!(len <= 16);
    let mut b = [0u8; 16];
    if start + 16 <= bytes.len() {
        b.copy_from_slice(&bytes[start..start + 16]);
        let v = u128::from_le_bytes(b);
        if len == 16 {
            v
        } else {
            v & ((1u128 << (8 * len)) - 1)
        }
    } else {
        b[..len].copy_from_slice(&bytes[start..end]);
        u128::from_le_bytes(b)
    }
}

/// Distinct raw words kept per thread (a few MB at most).
const CACHE_LIMIT: usize = 1 << 16;
/// Longer words (in bytes) are normalized every time and not kept: no syllable is that
/// long, and this keeps the cache's memory bounded whatever the input.
const CACHED_WORD_MAX: usize = 48;

impl Cache {
    /// The entry of the word `text[start..end]`.
    #[inline]
    fn lookup(&mut self, text: &str, start: usize, end: usize) -> Entry {
        if end - start > 16 {
            return self.get(&text[start..end]);
        }
        let key = pack(text.as_bytes(), start, end);
        let (lo, hi) = (key as u64, (key >> 64) as u64);
        let slot = recent_slot(key);
        let (klo, khi, e) = self.recent[slot];
        if klo == lo && khi == hi {
            return e;
        }
        let e = self.get(&text[start..end]);
        self.recent[slot] = (lo, hi, e);
        e
    }

    fn get(&mut self, raw: &str) -> Entry {
        if let Some(e) = self.map.get(raw) {
            return *e;
        }
        if raw.len() > CACHED_WORD_MAX {
            return self.uncached(raw);
        }
        self.insert(raw)
    }

    #[cold]
    fn uncached(&mut self, raw: &str) -> Entry {
        self.long.clear();
        normalize_word_with(raw, &mut self.long, &mut self.letters);
        let (hash, flags) = describe(raw, &self.long);
        Entry {
            hash,
            flags: flags | LONG,
            norm_start: 0,
            norm_len: 0,
        }
    }

    #[cold]
    fn insert(&mut self, raw: &str) -> Entry {
        if self.map.len() >= CACHE_LIMIT || self.arena.len() > u32::MAX as usize / 2 {
            self.map.clear();
            self.arena.clear();
            self.recent.fill((0, 0, EMPTY_ENTRY));
        }
        let norm_start = self.arena.len();
        normalize_word_with(raw, &mut self.arena, &mut self.letters);
        let norm = &self.arena[norm_start..];
        let (hash, flags) = describe(raw, norm);
        let e = Entry {
            hash,
            flags,
            norm_start: norm_start as u32,
            norm_len: norm.len() as u32,
        };
        self.map.insert(raw.into(), e);
        e
    }

    fn norm(&self, e: &Entry) -> &str {
        if e.flags & LONG != 0 {
            return &self.long;
        }
        &self.arena[e.norm_start as usize..(e.norm_start + e.norm_len) as usize]
    }
}

/// The hash and the flags of a word, from its raw and normalized forms.
fn describe(raw: &str, norm: &str) -> (u64, u8) {
    let mut flags = 0;
    if raw.chars().next().is_some_and(char::is_uppercase) {
        flags |= CAPITALIZED;
    }
    if raw
        .chars()
        .all(|ch| !ch.is_alphabetic() || ch.is_uppercase())
    {
        flags |= ALL_CAPS;
    }
    if !norm.is_empty() && norm.bytes().all(|b| b.is_ascii_digit()) {
        flags |= NUMBER;
    }
    if is_roman(norm) {
        flags |= ROMAN;
    }
    if norm.chars().count() == 1 {
        flags |= SINGLE_CHAR;
    }
    if norm.len() == 4 {
        flags |= LEN4;
    }
    if is_marker_like(norm) {
        flags |= MARKER_LIKE;
    }
    (crate::boilerplate::hash_str(norm), flags)
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

/// Runs `f` with this thread's syllable cache (a fresh one if it is unavailable, as while
/// the thread is being torn down).
fn with_cache<R>(f: impl FnOnce(&mut Cache) -> R) -> R {
    let mut f = Some(f);
    let r = CACHE.try_with(|c| match c.try_borrow_mut() {
        Ok(mut cache) => Some((f.take().expect("called once"))(&mut cache)),
        Err(_) => None,
    });
    match r {
        Ok(Some(r)) => r,
        _ => (f.take().expect("called once"))(&mut Cache::default()),
    }
}

/// ASCII bytes that belong to a word (letters and digits).
const fn ascii_word_table() -> [bool; 128] {
    let mut t = [false; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    t
}
static ASCII_WORD: [bool; 128] = ascii_word_table();

/// What has been seen between the previous kept token and the next one.
#[derive(Default, Clone, Copy)]
struct GapSeen {
    any: bool,
    newline: bool,
    space: bool,
    nonspace: bool,
    end: bool,
}

impl GapSeen {
    #[inline]
    fn add(&mut self, c: char) {
        self.any = true;
        if c == '\n' {
            self.newline = true;
        }
        if c.is_whitespace() {
            self.space = true;
        } else {
            self.nonspace = true;
            if matches!(c, '.' | ';' | ':' | '!' | '?') {
                self.end = true;
            }
        }
    }

    /// The same decision as [`classify_gap`] on the gap's text.
    fn gap(self, at_start: bool) -> Gap {
        if at_start || self.newline {
            Gap::Line
        } else if !self.any {
            Gap::Joined
        } else if self.end && self.space {
            Gap::Sentence
        } else if !self.nonspace {
            Gap::Space
        } else if !self.space {
            Gap::Joined
        } else {
            Gap::Punct
        }
    }
}

#[inline]
fn char_at(text: &str, i: usize) -> char {
    text[i..].chars().next().unwrap_or('\0')
}

/// Not a word character.
const NOT_WORD: u8 = 0;
/// A word character that may begin a word.
const WORD: u8 = 1;
/// A combining mark: part of a word, but never its first character.
const MARK: u8 = 2;

fn char_class(c: char) -> u8 {
    if !is_word_char(c) {
        NOT_WORD
    } else if is_combining_mark(c) {
        MARK
    } else {
        WORD
    }
}

/// [`char_class`] of every two-byte character (U+0080–U+07FF: Latin letters, combining
/// marks) and of the Vietnamese block U+1E00–U+1EFF, built once from [`char_class`] itself.
struct ClassTables {
    two: [u8; 0x800],
    viet: [u8; 0x100],
}

fn class_tables() -> &'static ClassTables {
    static T: std::sync::OnceLock<ClassTables> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let class = |u: u32| char::from_u32(u).map_or(NOT_WORD, char_class);
        let mut t = ClassTables {
            two: [NOT_WORD; 0x800],
            viet: [NOT_WORD; 0x100],
        };
        for u in 0x80..0x800u32 {
            t.two[u as usize] = class(u);
        }
        for u in 0..0x100u32 {
            t.viet[u as usize] = class(0x1E00 + u);
        }
        t
    })
}

/// The class and the UTF-8 length of the non-ASCII character at byte `i`, read from the
/// tables for the characters Vietnamese uses, decoded in full for the others.
#[inline]
fn class_at(tables: &ClassTables, text: &str, i: usize) -> (u8, usize) {
    let bytes = text.as_bytes();
    let b0 = bytes[i];
    if (0xC2..=0xDF).contains(&b0) {
        let cp = (usize::from(b0 & 0x1F) << 6) | usize::from(bytes[i + 1] & 0x3F);
        return (tables.two[cp], 2);
    }
    if b0 == 0xE1 {
        let cp =
            0x1000 | (usize::from(bytes[i + 1] & 0x3F) << 6) | usize::from(bytes[i + 2] & 0x3F);
        if (0x1E00..0x1F00).contains(&cp) {
            return (tables.viet[cp - 0x1E00], 3);
        }
    }
    let c = char_at(text, i);
    (char_class(c), c.len_utf8())
}

/// The tokenizer: calls `emit(entry, normalized, start, end, gap, line)` for every kept
/// syllable, in order. One pass over the bytes; ASCII is classified by a table, other
/// characters are decoded one at a time; words are normalized through the cache.
fn scan(text: &str, cache: &mut Cache, mut emit: impl FnMut(&Entry, &str, usize, usize, Gap, u32)) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let tables = class_tables();
    let mut line = 0u32;
    let mut emitted = false;
    // Whether only list markers and bullets have been seen on the current line so far.
    let mut line_head = true;
    let mut seen = GapSeen::default();
    let mut i = 0;
    while i < n {
        let b = bytes[i];
        if b < 0x80 {
            // A literal `\r`, `\n` or `\t` left by a bad conversion (`dưỡng\r\nphụ nữ`)
            // separates words like white space.
            if b == b'\\' && matches!(bytes.get(i + 1), Some(b'r' | b'n' | b't')) {
                seen.add(' ');
                i += 2;
                continue;
            }
            if !ASCII_WORD[b as usize] {
                seen.add(b as char);
                if b == b'\n' {
                    line += 1;
                    line_head = true;
                }
                i += 1;
                continue;
            }
        } else {
            let (class, len) = class_at(tables, text, i);
            if class != WORD {
                seen.add(char_at(text, i));
                i += len;
                continue;
            }
        }
        let start = i;
        while i < n {
            let b = bytes[i];
            if b < 0x80 {
                if ASCII_WORD[b as usize] {
                    i += 1;
                } else {
                    break;
                }
            } else {
                let (class, len) = class_at(tables, text, i);
                if class != NOT_WORD {
                    i += len;
                } else {
                    break;
                }
            }
        }
        let end = i;
        let e = cache.lookup(text, start, end);
        if e.flags & MARKER_LIKE != 0 {
            let next = bytes.get(end).copied();
            let marker_end = next == Some(b')')
                || (line_head && next == Some(b'.') && {
                    // "1." / "IV." / "1.2." but not "1.500".
                    let after = &text[end + 1..];
                    after.is_empty()
                        || after.starts_with(char::is_whitespace)
                        || after.starts_with(|ch: char| ch.is_ascii_digit()) && e.norm_len <= 2
                });
            if marker_end && (line_head || next == Some(b')')) {
                // The marker's characters count in the next token's gap.
                seen.any = true;
                seen.nonspace = true;
                continue;
            }
        }
        line_head = false;
        let gap = seen.gap(!emitted);
        emit(&e, cache.norm(&e), start, end, gap, line);
        emitted = true;
        seen = GapSeen::default();
    }
}

/// Splits a text into compact syllables: the same sequence as [`tokenize`], without the
/// normalized texts (see [`Syllable`]). This is what copy detection runs on.
pub fn syllables(text: &str) -> Vec<Syllable> {
    with_cache(|cache| {
        let mut out = Vec::with_capacity(text.len() / 5 + 1);
        scan(text, cache, |e, _, start, end, gap, line| {
            out.push(Syllable {
                hash: e.hash,
                start,
                end,
                line,
                gap,
                flags: e.flags & !LONG,
            })
        });
        out
    })
}

/// Splits a text into normalized syllable tokens with their byte ranges in `text`.
///
/// List markers are dropped: a number, a single letter or a Roman numeral followed by `.` or
/// `)` at the start of a line (`1.`, `1.2.`, `a)`, `IV.`), or followed by `)` anywhere.
pub fn tokenize(text: &str) -> Vec<Token> {
    with_cache(|cache| {
        let mut out = Vec::with_capacity(text.len() / 5 + 1);
        scan(text, cache, |e, norm, start, end, gap, line| {
            out.push(Token {
                text: norm.to_string(),
                start,
                end,
                capitalized: e.flags & CAPITALIZED != 0,
                all_caps: e.flags & ALL_CAPS != 0,
                gap,
                line: line as usize,
            })
        });
        out
    })
}

/// Abbreviations that offices write either way, with their expansion. The first list is
/// read in any case (`UBND`, `Ubnd`): none of them is a Vietnamese syllable. The second is
/// read only in capitals, since `tu`, `hu`, `cb` could be words or initials.
const ABBREVIATIONS_ANY_CASE: &[(&str, &str)] = &[
    ("ubnd", "ủy ban nhân dân"),
    ("hđnd", "hội đồng nhân dân"),
    ("mttq", "mặt trận tổ quốc"),
    ("ubmttq", "ủy ban mặt trận tổ quốc"),
    ("mttqvn", "mặt trận tổ quốc việt nam"),
    ("ubmttqvn", "ủy ban mặt trận tổ quốc việt nam"),
    ("bch", "ban chấp hành"),
    ("btv", "ban thường vụ"),
    ("bcđ", "ban chỉ đạo"),
    ("ubkt", "ủy ban kiểm tra"),
    ("cbđv", "cán bộ đảng viên"),
    ("cbcc", "cán bộ công chức"),
    ("cbccvc", "cán bộ công chức viên chức"),
    ("cchc", "cải cách hành chính"),
    ("tthc", "thủ tục hành chính"),
    ("cntt", "công nghệ thông tin"),
    ("đbqh", "đại biểu quốc hội"),
    ("pbgdpl", "phổ biến giáo dục pháp luật"),
    ("tp", "thành phố"),
];
const ABBREVIATIONS_CAPITALS: &[(&str, &str)] = &[
    ("tu", "tỉnh ủy"),
    ("hu", "huyện ủy"),
    ("đu", "đảng ủy"),
    ("tw", "trung ương"),
    ("cb", "cán bộ"),
    ("đv", "đảng viên"),
    ("ntm", "nông thôn mới"),
    ("cnh", "công nghiệp hóa"),
    ("hđh", "hiện đại hóa"),
];

struct Abbreviations {
    /// Hash of the abbreviation → (capitals only, hashes of the expansion's syllables).
    map: HashMap<u64, (bool, Vec<u64>), FastBuild>,
    /// A 1,024-bit filter of the keys: an ordinary syllable is let through with one bit test.
    filter: [u64; 16],
}

fn abbreviations() -> &'static Abbreviations {
    static A: std::sync::OnceLock<Abbreviations> = std::sync::OnceLock::new();
    A.get_or_init(|| {
        let mut map = HashMap::default();
        let mut filter = [0u64; 16];
        for (list, caps) in [
            (ABBREVIATIONS_ANY_CASE, false),
            (ABBREVIATIONS_CAPITALS, true),
        ] {
            for (k, v) in list {
                let h = crate::boilerplate::hash_str(k);
                let exp = v.split(' ').map(crate::boilerplate::hash_str).collect();
                map.insert(h, (caps, exp));
                filter[((h & 1023) >> 6) as usize] |= 1 << (h & 63);
            }
        }
        Abbreviations { map, filter }
    })
}

/// Replaces each standalone abbreviation (`UBND`, `BCH`, `HU`, `CB`, …) by the syllables it
/// stands for, every one of them pointing at the abbreviation's bytes, so that a plan that
/// writes `Ủy ban nhân dân` and its copy that writes `UBND` read alike. An abbreviation
/// glued to a number or another symbol (`01-NQ/TU`, `123/UBND-VX`) is part of a document
/// reference and is left alone.
pub(crate) fn expand_abbreviations(text: &str, syls: Vec<Syllable>) -> Vec<Syllable> {
    let ab = abbreviations();
    let hit = |k: usize| {
        let s = &syls[k];
        let h = s.hash;
        if ab.filter[((h & 1023) >> 6) as usize] & (1 << (h & 63)) == 0 {
            return None;
        }
        let (caps, exp) = ab.map.get(&h)?;
        if *caps && !(s.all_caps() && s.end - s.start >= 2) {
            return None;
        }
        let glued = s.gap == Gap::Joined
            || syls.get(k + 1).is_some_and(|n| n.gap == Gap::Joined)
            || text[..s.start].ends_with(['/', '-'])
            || text[s.end..].starts_with(['/', '-']);
        (!glued).then_some(exp)
    };
    if !(0..syls.len()).any(|k| hit(k).is_some()) {
        return syls;
    }
    let mut out = Vec::with_capacity(syls.len() + 16);
    for (k, &s) in syls.iter().enumerate() {
        match hit(k) {
            Some(exp) => {
                for (n, &h) in exp.iter().enumerate() {
                    let mut flags = s.flags & ALL_CAPS;
                    if n == 0 {
                        flags |= s.flags & CAPITALIZED;
                    }
                    out.push(Syllable {
                        hash: h,
                        gap: if n == 0 { s.gap } else { Gap::Space },
                        flags,
                        ..s
                    });
                }
            }
            None => out.push(s),
        }
    }
    out
}

const H_CAN: u64 = crate::boilerplate::hash_str("căn");
const H_THUC: u64 = crate::boilerplate::hash_str("thực");

/// Syllables on a physical line of at least this many are a wrapped line when the line
/// ends without punctuation, even if the next line starts with a capital.
const WRAPPED_LINE_MIN: usize = 8;

/// Joins lines that were broken inside a sentence (text hard-wrapped at a fixed width, or
/// copied out of a PDF or a scan): line ends are then not boundaries of meaning.
///
/// A line break is *soft* when it is a single line break (no blank line, no list marker
/// or bullet after it), the line before ends with a letter, a digit or a comma, and either
/// the next line starts with a lower-case letter, or the line before is long
/// ([`WRAPPED_LINE_MIN`] syllables) and ends with a lower-case letter, and the next line
/// does not start in capitals nor with a citation's opener (`Căn cứ`, `Thực hiện`). A soft
/// break becomes a space (or a comma's gap) and the lines are renumbered, so the headings,
/// date lines and citations that the boilerplate rules read line by line are the same
/// whether or not the text was wrapped.
pub(crate) fn join_soft_breaks(text: &str, mut syls: Vec<Syllable>) -> Vec<Syllable> {
    let mut removed = 0u32;
    let mut line_start = 0usize;
    for k in 0..syls.len() {
        let s = syls[k];
        if k > 0 && s.gap == Gap::Line {
            let prev = syls[k - 1];
            let between = &text[prev.end..s.start];
            let soft = between.bytes().filter(|&b| b == b'\n').count() == 1
                && between.chars().all(|c| c.is_whitespace() || c == ',')
                && (!s.all_caps() || s.is_number())
                && (between.contains(',')
                    || text[..prev.end]
                        .chars()
                        .next_back()
                        .is_some_and(char::is_alphanumeric))
                && (!s.capitalized()
                    || (k - line_start >= WRAPPED_LINE_MIN
                        && text[..prev.end]
                            .chars()
                            .next_back()
                            .is_some_and(char::is_lowercase)
                        && s.hash != H_CAN
                        && s.hash != H_THUC));
            if soft {
                removed += 1;
                syls[k].gap = if between.contains(',') {
                    Gap::Punct
                } else {
                    Gap::Space
                };
                syls[k].line -= removed;
                continue;
            }
            line_start = k;
        }
        syls[k].line -= removed;
    }
    syls
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The tokenizer as it was before the one-pass scanner and the cache: the reference
    /// that the fast one must agree with, token for token.
    /// Splits a text into normalized syllable tokens with their byte ranges in `text`.
    ///
    /// List markers are dropped: a number, a single letter or a Roman numeral followed by `.` or
    /// `)` at the start of a line (`1.`, `1.2.`, `a)`, `IV.`), or followed by `)` anywhere.
    pub(super) fn tokenize_reference(text: &str) -> Vec<Token> {
        // Literal `\r`, `\n`, `\t` read as two spaces (the same byte length).
        let text = &text
            .replace("\\r", "  ")
            .replace("\\n", "  ")
            .replace("\\t", "  ");
        let mut tokens: Vec<Token> = Vec::with_capacity(text.len() / 4);
        let mut line = 0usize;
        let mut prev_end = 0usize;
        // Whether only list markers and bullets have been seen on the current line so far.
        let mut line_head = true;
        let mut iter = text.char_indices().peekable();
        let mut scratch: Vec<Letter> = Vec::with_capacity(16);
        while let Some(&(i, c)) = iter.peek() {
            if !is_word_char(c) || (!c.is_ascii() && is_combining_mark(c)) {
                if c == '\n' {
                    line += 1;
                    line_head = true;
                }
                iter.next();
                continue;
            }
            let start = i;
            let mut end = i;
            while let Some(&(j, d)) = iter.peek() {
                if is_word_char(d) {
                    end = j + d.len_utf8();
                    iter.next();
                } else {
                    break;
                }
            }
            let raw = &text[start..end];
            let mut norm = String::with_capacity(raw.len());
            normalize_word_with(raw, &mut norm, &mut scratch);
            let next = text[end..].chars().next();
            let gap_str = &text[prev_end..start];
            let gap = classify_gap(gap_str, tokens.is_empty() && prev_end == 0);
            if is_marker_like(&norm) {
                let marker_end = matches!(next, Some(')'))
                    || (line_head && matches!(next, Some('.')) && {
                        // "1." / "IV." / "1.2." but not "1.500".
                        let after = &text[end + 1..];
                        after.is_empty()
                            || after.starts_with(char::is_whitespace)
                            || after.starts_with(|ch: char| ch.is_ascii_digit()) && norm.len() <= 2
                    });
                if marker_end && (line_head || next == Some(')')) {
                    // Keep `prev_end` so the marker's punctuation counts in the next gap.
                    continue;
                }
            }
            line_head = false;
            let capitalized = raw.chars().next().is_some_and(char::is_uppercase);
            let all_caps = raw
                .chars()
                .all(|ch| !ch.is_alphabetic() || ch.is_uppercase());
            tokens.push(Token {
                text: norm,
                start,
                end,
                capitalized,
                all_caps,
                gap,
                line,
            });
            prev_end = end;
        }
        tokens
    }

    proptest! {
        #[test]
        fn scanner_agrees_with_the_reference(s in "[a-zA-Z0-9àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĐƯƠÂÊÔÀÁẢ\u{300}\u{301}\u{303}\u{309}\u{323}\u{302} ,.;:!?\n\t()%/•+*-]{0,160}") {
            prop_assert_eq!(tokenize(&s), tokenize_reference(&s));
            let syl = syllables(&s);
            let tok = tokenize(&s);
            prop_assert_eq!(syl.len(), tok.len());
            for (a, b) in syl.iter().zip(&tok) {
                prop_assert_eq!(a.hash, crate::boilerplate::hash_str(&b.text));
                prop_assert_eq!((a.start, a.end, a.line as usize, a.gap), (b.start, b.end, b.line, b.gap));
                prop_assert_eq!((a.capitalized(), a.all_caps()), (b.capitalized, b.all_caps));
                prop_assert_eq!(a.is_number(), !b.text.is_empty() && b.text.bytes().all(|x| x.is_ascii_digit()));
            }
        }

        #[test]
        fn scanner_agrees_with_the_reference_on_any_text(s in "\\PC{0,80}") {
            prop_assert_eq!(tokenize(&s), tokenize_reference(&s));
        }
    }

    fn check(input: &str, expect: &str) {
        assert_eq!(normalize_text(input), expect, "input: {input:?}");
    }

    /// A page stored with literal `\r\n` escapes (issue 15, Lạng Sơn's Kế hoạch 54): the
    /// escapes separate words; they do not glue `n` to the next one.
    #[test]
    fn literal_escapes_separate_words() {
        let text = "dinh dưỡng\\r\\nphụ nữ có thai\\tvà trẻ em";
        let words: Vec<String> = tokenize(text).into_iter().map(|t| t.text).collect();
        assert_eq!(
            words,
            [
                "dinh", "dưỡng", "phụ", "nữ", "có", "thai", "và", "trẻ", "em"
            ]
        );
        assert_eq!(tokenize(text), tokenize_reference(text));
        assert_eq!(tokenize(text)[2].gap, Gap::Space);
    }

    #[test]
    fn long_words_are_not_cached_but_read_alike() {
        let long = "Hoà".repeat(40) + "THUỶ";
        let text = format!("1. {long} và {long}.\n{} hết", "x".repeat(300));
        for _ in 0..2 {
            assert_eq!(tokenize(&text), tokenize_reference(&text));
            let syl = syllables(&text);
            let tok = tokenize(&text);
            assert_eq!(syl.len(), tok.len());
            for (a, b) in syl.iter().zip(&tok) {
                assert_eq!(a.hash, crate::boilerplate::hash_str(&b.text));
                assert_eq!(a.capitalized(), b.capitalized);
            }
        }
    }

    #[test]
    fn tone_placement_conventions_are_one() {
        let pairs = [
            ("hoà", "hòa"),
            ("hoá", "hóa"),
            ("thuỷ", "thủy"),
            ("uỷ", "ủy"),
            ("khoẻ", "khỏe"),
            ("qúy", "quý"),
            ("Tuỳ", "tùy"),
            ("hoạ", "họa"),
            ("ngoài", "ngoài"),
            ("hoàng", "hoàng"),
            ("hòang", "hoàng"),
            ("huỳnh", "huỳnh"),
            ("khuỷu", "khuỷu"),
            ("giá", "giá"),
            ("gì", "gì"),
            ("quả", "quả"),
            ("thưởng", "thưởng"),
            ("người", "người"),
            ("xoá", "xóa"),
            ("Quyết", "quyết"),
        ];
        for (a, b) in pairs {
            assert_eq!(normalize_syllable(a), b, "{a}");
            assert_eq!(normalize_syllable(b), b, "{b}");
        }
    }

    #[test]
    fn decomposed_input_is_composed() {
        let nfd: String = "Nghị quyết hoà".nfd().collect();
        check(&nfd, "nghị quyết hòa");
    }

    #[test]
    fn d_and_dd_stay_distinct() {
        assert_ne!(normalize_syllable("Đảng"), normalize_syllable("dảng"));
        assert_eq!(normalize_syllable("ĐẢNG"), "đảng");
    }

    #[test]
    fn numbering_bullets_and_punctuation_are_ignored() {
        let cases = [
            ("I. MỤC ĐÍCH, YÊU CẦU", "mục đích yêu cầu"),
            ("1. Mục đích", "mục đích"),
            ("1.2. Nhiệm vụ", "nhiệm vụ"),
            ("a) Tăng cường; b) nâng cao", "tăng cường nâng cao"),
            (
                "- Đẩy mạnh\n+ Phát huy\n• Tiếp tục",
                "đẩy mạnh phát huy tiếp tục",
            ),
            ("Kết nạp 1.500 đảng viên", "kết nạp 1 500 đảng viên"),
            ("Đạt 100% vào năm 2025.", "đạt 100 vào năm 2025"),
            ("IV. TỔ CHỨC THỰC HIỆN", "tổ chức thực hiện"),
        ];
        for (input, expect) in cases {
            check(input, expect);
        }
    }

    #[test]
    fn offsets_point_into_the_original() {
        let text = "1. Tăng cường   công tác\nĐảng.";
        let toks = tokenize(text);
        let words: Vec<&str> = toks.iter().map(|t| &text[t.start..t.end]).collect();
        assert_eq!(words, ["Tăng", "cường", "công", "tác", "Đảng"]);
        assert_eq!(toks[4].gap, Gap::Line);
        assert_eq!(toks[4].line, 1);
        assert!(toks[4].capitalized);
    }

    #[test]
    fn gaps_are_classified() {
        let toks = tokenize("số 01-NQ/TU, ngày 5. Hết");
        let gaps: Vec<Gap> = toks.iter().map(|t| t.gap).collect();
        assert_eq!(
            gaps,
            [
                Gap::Line,
                Gap::Space,
                Gap::Joined,
                Gap::Joined,
                Gap::Punct,
                Gap::Space,
                Gap::Sentence
            ]
        );
    }
}
