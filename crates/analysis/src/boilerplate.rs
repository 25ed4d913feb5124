//! Boilerplate that every plan shares, recognized so that copy scores leave it out.
//!
//! What is recognized, token by token (see [`Kind`]):
//!
//! - document headers: `ĐẢNG CỘNG SẢN VIỆT NAM`, the document number line (`Số 15-CTr/TU`),
//!   and any short line written entirely in capitals (issuer, title, section headings);
//! - standard section headings in any case (`Mục đích, yêu cầu`, `Nhiệm vụ, giải pháp`,
//!   `Tổ chức thực hiện`, …);
//! - citations of upper documents: a sentence that opens with `Căn cứ` or `Thực hiện` followed
//!   by a document type (`Nghị quyết`, `Chỉ thị`, `Kế hoạch`, …), and any document reference
//!   such as `Nghị quyết số 01-NQ/TU`;
//! - dates (`ngày 05 tháng 3 năm 2024`, `12/01/2024`, `quý II/2024`, `năm 2025`) and date
//!   lines (`Bắc Giang, ngày 05 tháng 3 năm 2024`);
//! - the signature block: everything from `Nơi nhận:`, `T/M …`, `K/T …` or a lone `BÍ THƯ`
//!   line to the end;
//! - names of organizations and places, from a caller-supplied [`Gazetteer`] and from generic
//!   patterns (`tỉnh X`, `huyện X`, `xã X`, `thành phố X`, `Tỉnh ủy`, `Huyện ủy`, `Đảng ủy`,
//!   `chi bộ`, `đảng bộ`, and a bare `tỉnh`/`huyện`/`xã`): these are not dropped but replaced
//!   by one placeholder token, so that `tỉnh Bắc Giang` and `huyện Lục Nam` read the same.

use std::collections::HashMap;

use serde::Serialize;

use crate::normalize::{Gap, Token, tokenize};

/// What a token is, for the copy analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The plan's own words: counted by copy detection.
    Content,
    /// Part of the name of an organization or a place: replaced by one placeholder.
    Name,
    /// A header line, a heading or a title.
    Heading,
    /// A citation of, or reference to, another document.
    Citation,
    /// A date.
    Date,
    /// The signature block and the list of recipients.
    Signature,
}

/// Names of organizations and places, matched case-insensitively and replaced by a
/// placeholder in copy analysis.
///
/// Generic patterns (`tỉnh X`, `huyện X`, `xã X`, `Tỉnh ủy`, `Đảng ủy`, `chi bộ`, …) are always
/// on; the caller adds the real names it knows (`tỉnh Bắc Giang`, `huyện Lục Nam`,
/// `xã Bảo Sơn`, `Đảng ủy Khối cơ quan tỉnh`). A name that starts with a level word
/// (`tỉnh`, `huyện`, `xã`, …) is also registered without it (`Lục Nam`), matched only when
/// every syllable is capitalized, so that a commune called `Tiến Bộ` does not swallow the
/// common words `tiến bộ`.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    /// Full names, keyed by their first normalized syllable; longest first.
    full: HashMap<String, Vec<Vec<String>>>,
    /// Bare names (level word stripped), keyed the same way.
    bare: HashMap<String, Vec<Vec<String>>>,
}

const LEVEL_WORDS: &[&[&str]] = &[
    &["tổ", "dân", "phố"],
    &["thành", "phố"],
    &["thị", "trấn"],
    &["thị", "xã"],
    &["khu", "phố"],
    &["tỉnh"],
    &["huyện"],
    &["xã"],
    &["phường"],
    &["quận"],
    &["thôn"],
    &["bản"],
    &["ấp"],
    &["làng"],
];

/// Level words that stand for "this locality" even without a name (`toàn tỉnh`, `cấp xã`).
const BARE_LEVEL_WORDS: &[&[&str]] = &[
    &["thành", "phố"],
    &["thị", "trấn"],
    &["thị", "xã"],
    &["tỉnh"],
    &["huyện"],
    &["xã"],
    &["phường"],
    &["quận"],
];

/// Syllables that, after a bare level word, make it a common word (`xã hội`, `tỉnh táo`).
const NOT_A_PLACE_AFTER: &[(&str, &str)] = &[
    ("xã", "hội"),
    ("xã", "viên"),
    ("tỉnh", "táo"),
    ("tỉnh", "ngộ"),
    ("tỉnh", "thức"),
    ("tỉnh", "lộ"),
    ("huyện", "lộ"),
];

const COMMITTEE_WORDS: &[&[&str]] = &[
    &["ủy", "ban", "nhân", "dân"],
    &["hội", "đồng", "nhân", "dân"],
    &["tỉnh", "ủy"],
    &["huyện", "ủy"],
    &["thành", "ủy"],
    &["thị", "ủy"],
    &["quận", "ủy"],
    &["đảng", "ủy"],
    &["chi", "ủy"],
    &["chi", "bộ"],
    &["đảng", "bộ"],
    &["ubnd"],
    &["hđnd"],
];

const DOC_TYPES: &[&[&str]] = &[
    &["nghị", "quyết"],
    &["chỉ", "thị"],
    &["kết", "luận"],
    &["quy", "định"],
    &["quyết", "định"],
    &["chương", "trình"],
    &["kế", "hoạch"],
    &["hướng", "dẫn"],
    &["công", "văn"],
    &["thông", "báo"],
    &["thông", "tri"],
    &["điều", "lệ"],
    &["hiến", "pháp"],
    &["đề", "án"],
    &["luật"],
];

const HEADINGS: &[&str] = &[
    "mục đích yêu cầu",
    "mục đích và yêu cầu",
    "mục đích",
    "yêu cầu",
    "mục tiêu",
    "mục tiêu chung",
    "mục tiêu cụ thể",
    "mục tiêu chỉ tiêu",
    "mục tiêu và chỉ tiêu",
    "chỉ tiêu",
    "chỉ tiêu cụ thể",
    "các chỉ tiêu chủ yếu",
    "quan điểm",
    "quan điểm mục tiêu",
    "nhiệm vụ giải pháp",
    "nhiệm vụ và giải pháp",
    "nhiệm vụ giải pháp chủ yếu",
    "những nhiệm vụ giải pháp chủ yếu",
    "các nhiệm vụ giải pháp",
    "các nhiệm vụ giải pháp chủ yếu",
    "nhiệm vụ trọng tâm",
    "tổ chức thực hiện",
    "phân công thực hiện",
    "phân công nhiệm vụ",
    "kinh phí thực hiện",
    "chế độ thông tin báo cáo",
];

impl Gazetteer {
    /// A gazetteer with only the generic patterns.
    pub fn new() -> Self {
        Self::default()
    }

    /// A gazetteer with the given names (`tỉnh Bắc Giang`, `huyện Lục Nam`, …) plus the
    /// generic patterns.
    pub fn from_names<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut g = Self::new();
        for n in names {
            g.add(n.as_ref());
        }
        g
    }

    /// Adds one name. Empty names are ignored.
    pub fn add(&mut self, name: &str) {
        let toks: Vec<String> = tokenize(name).into_iter().map(|t| t.text).collect();
        if toks.is_empty() {
            return;
        }
        for level in LEVEL_WORDS {
            if toks.len() > level.len() && toks.iter().zip(level.iter()).all(|(a, b)| a == b) {
                insert_sorted(&mut self.bare, toks[level.len()..].to_vec());
                break;
            }
        }
        insert_sorted(&mut self.full, toks);
    }

    /// Number of names registered (full names only).
    pub fn len(&self) -> usize {
        self.full.values().map(Vec::len).sum()
    }

    /// Whether no names were registered (the generic patterns still apply).
    pub fn is_empty(&self) -> bool {
        self.full.is_empty()
    }

    fn match_in(map: &HashMap<String, Vec<Vec<String>>>, toks: &[Token], i: usize) -> usize {
        let Some(cands) = map.get(&toks[i].text) else {
            return 0;
        };
        for cand in cands {
            if i + cand.len() <= toks.len()
                && cand.iter().enumerate().all(|(k, s)| {
                    toks[i + k].text == *s && (k == 0 || toks[i + k].gap <= Gap::Joined)
                })
            {
                return cand.len();
            }
        }
        0
    }
}

fn insert_sorted(map: &mut HashMap<String, Vec<Vec<String>>>, toks: Vec<String>) {
    let list = map.entry(toks[0].clone()).or_default();
    if !list.contains(&toks) {
        list.push(toks);
        list.sort_by_key(|t| std::cmp::Reverse(t.len()));
    }
}

/// A text taken apart for copy analysis.
#[derive(Debug, Clone)]
pub struct Analyzed {
    /// Every syllable of the original text.
    pub tokens: Vec<Token>,
    /// What each token is, parallel to `tokens`.
    pub kinds: Vec<Kind>,
    /// The sequence that copy detection compares: content syllables, with each run of name
    /// syllables collapsed into one placeholder.
    pub content: Vec<ContentToken>,
}

/// One unit of the compared sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentToken {
    /// Hash of the normalized syllable, or [`PLACEHOLDER_HASH`] for a name.
    pub hash: u64,
    /// Byte range in the original text.
    pub start: usize,
    /// Byte range end in the original text.
    pub end: usize,
}

/// The hash of the placeholder that stands for any organization or place name.
pub const PLACEHOLDER_HASH: u64 = 0x9e37_79b9_7f4a_7c15;

/// FNV-1a, 64 bits: stable across runs and platforms, so fingerprints can be stored.
pub fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Whether a syllable can start one of the pattern lists ([`COMMITTEE_WORDS`],
/// [`LEVEL_WORDS`], [`DOC_TYPES`], the citation openers): a cheap filter before the sequence
/// matches. A unit test keeps it in step with the lists.
fn may_start_pattern(text: &str) -> bool {
    matches!(
        text,
        "ủy" | "hội"
            | "tỉnh"
            | "huyện"
            | "thành"
            | "thị"
            | "quận"
            | "đảng"
            | "chi"
            | "ubnd"
            | "hđnd"
            | "tổ"
            | "khu"
            | "xã"
            | "phường"
            | "thôn"
            | "bản"
            | "ấp"
            | "làng"
            | "nghị"
            | "chỉ"
            | "kết"
            | "quy"
            | "quyết"
            | "chương"
            | "kế"
            | "hướng"
            | "công"
            | "thông"
            | "điều"
            | "hiến"
            | "đề"
            | "luật"
            | "căn"
            | "thực"
    )
}

fn starts_with_seq(toks: &[Token], i: usize, seq: &[&str]) -> bool {
    i + seq.len() <= toks.len() && seq.iter().enumerate().all(|(k, s)| toks[i + k].text == *s)
}

fn match_any(toks: &[Token], i: usize, seqs: &[&[&str]]) -> usize {
    if i >= toks.len() {
        return 0;
    }
    if !may_start_pattern(&toks[i].text) {
        return 0;
    }
    seqs.iter()
        .find(|s| starts_with_seq(toks, i, s))
        .map_or(0, |s| s.len())
}

pub(crate) fn is_number(t: &Token) -> bool {
    !t.text.is_empty() && t.text.bytes().all(|b| b.is_ascii_digit())
}

fn is_roman_or_number(t: &Token) -> bool {
    is_number(t)
        || matches!(
            t.text.as_str(),
            "i" | "ii" | "iii" | "iv" | "v" | "vi" | "vii" | "viii" | "ix" | "x" | "xi" | "xii"
        )
}

/// Length of a date starting at `i`, or 0.
pub(crate) fn date_len(toks: &[Token], i: usize) -> usize {
    let t = &toks[i];
    let joined_chain = |from: usize| -> usize {
        // Tokens glued by `/`, `-` or `.` that are all numbers or Roman numerals.
        let mut j = from;
        while j + 1 < toks.len()
            && toks[j + 1].gap == Gap::Joined
            && is_roman_or_number(&toks[j + 1])
        {
            j += 1;
        }
        j + 1 - from
    };
    let next_is = |j: usize, pred: &dyn Fn(&Token) -> bool| j < toks.len() && pred(&toks[j]);
    match t.text.as_str() {
        "ngày" | "tháng" | "quý" if next_is(i + 1, &is_roman_or_number) => {
            let mut len = 1 + joined_chain(i + 1);
            // "ngày 05 tháng 3 năm 2024"
            while i + len + 1 < toks.len()
                && matches!(toks[i + len].text.as_str(), "tháng" | "năm")
                && is_number(&toks[i + len + 1])
            {
                len += 1 + joined_chain(i + len + 1);
            }
            len
        }
        "năm" if next_is(i + 1, &|x: &Token| is_number(x) && x.text.len() == 4) => 2,
        _ if is_number(t) && i + 1 < toks.len() && toks[i + 1].gap == Gap::Joined => {
            let len = joined_chain(i);
            if len >= 2 && toks[i + len - 1].text.len() == 4 {
                len
            } else {
                0
            }
        }
        _ => 0,
    }
}

/// Length of a document reference (`Nghị quyết số 01-NQ/TU`, `số 15-CTr/TU`, `01-NQ/TU`).
pub(crate) fn doc_ref_len(toks: &[Token], i: usize) -> usize {
    let mut j = i + match_any(toks, i, DOC_TYPES);
    if j < toks.len() && toks[j].text == "số" {
        j += 1;
    }
    if j < toks.len() && is_number(&toks[j]) && j + 1 < toks.len() && toks[j + 1].gap == Gap::Joined
    {
        // A symbol: the number glued to letters (01-NQ/TU, 682/QĐ-UBND).
        let mut k = j + 1;
        let mut letters = false;
        while k < toks.len() && toks[k].gap == Gap::Joined {
            letters |= !is_number(&toks[k]);
            k += 1;
        }
        if letters {
            return k - i;
        }
    }
    0
}

fn line_text(toks: &[Token]) -> String {
    let mut s = String::new();
    for (k, t) in toks.iter().enumerate() {
        if k > 0 {
            s.push(' ');
        }
        s.push_str(&t.text);
    }
    s
}

/// Analyzes a text: tokens, their kinds, and the content sequence for copy detection.
pub fn analyze(text: &str, gaz: &Gazetteer) -> Analyzed {
    let tokens = tokenize(text);
    let kinds = classify(&tokens, gaz);
    let mut content = Vec::with_capacity(tokens.len());
    let mut prev_name = false;
    for (t, k) in tokens.iter().zip(&kinds) {
        match k {
            Kind::Content => {
                content.push(ContentToken {
                    hash: hash_str(&t.text),
                    start: t.start,
                    end: t.end,
                });
                prev_name = false;
            }
            Kind::Name => {
                if prev_name && let Some(last) = content.last_mut() {
                    last.end = t.end;
                } else {
                    content.push(ContentToken {
                        hash: PLACEHOLDER_HASH,
                        start: t.start,
                        end: t.end,
                    });
                }
                prev_name = true;
            }
            // Boilerplate between two names does not join them, but it does not separate
            // content either: it is simply absent.
            _ => {}
        }
    }
    Analyzed {
        tokens,
        kinds,
        content,
    }
}

/// Classifies every token (see the module documentation for the rules).
pub fn classify(toks: &[Token], gaz: &Gazetteer) -> Vec<Kind> {
    let n = toks.len();
    let mut kinds = vec![Kind::Content; n];

    // Lines.
    let mut lines: Vec<(usize, usize)> = Vec::new();
    let mut a = 0;
    while a < n {
        let mut b = a + 1;
        while b < n && toks[b].line == toks[a].line {
            b += 1;
        }
        lines.push((a, b));
        a = b;
    }
    let mut signature_from = n;
    for &(a, b) in &lines {
        let lt = &toks[a..b];
        let text = line_text(lt);
        let len = b - a;
        let first = lt[0].text.as_str();
        let second = lt.get(1).map_or("", |t| t.text.as_str());
        let is_signature = text.starts_with("nơi nhận")
            || (len <= 12
                && ((matches!(first, "t" | "k") && second == "m" && lt[1].gap == Gap::Joined)
                    || (first == "k" && second == "t" && lt[1].gap == Gap::Joined)
                    || first == "tm"
                    || first == "kt"
                    || matches!(text.as_str(), "bí thư" | "phó bí thư" | "thường trực")));
        if is_signature {
            signature_from = a;
            break;
        }
        let all_caps_heading = len <= 20
            && lt.iter().all(|t| t.all_caps)
            && lt.iter().any(|t| !is_number(t))
            && (len >= 2 || lt[0].text.chars().count() > 1);
        let line_kind = if text == "đảng cộng sản việt nam"
            || all_caps_heading
            || HEADINGS.contains(&text.as_str())
        {
            Some(Kind::Heading)
        } else if first == "số" && len <= 8 && lt.iter().any(|t| t.gap == Gap::Joined) {
            Some(Kind::Citation)
        } else if len <= 16 && (0..len).any(|k| lt[k].text == "ngày" && date_len(lt, k) >= 6) {
            Some(Kind::Date)
        } else {
            None
        };
        if let Some(k) = line_kind {
            kinds[a..b].fill(k);
        }
    }
    kinds[signature_from..].fill(Kind::Signature);

    // Citation sentences, document references and dates.
    let mut i = 0;
    while i < signature_from {
        if kinds[i] != Kind::Content {
            i += 1;
            continue;
        }
        let opener = match_any(toks, i, &[&["căn", "cứ"], &["thực", "hiện"]]);
        if opener > 0 && toks[i].gap >= Gap::Sentence {
            let has_doc = (i + opener..(i + opener + 3).min(n))
                .any(|j| match_any(toks, j, DOC_TYPES) > 0 || doc_ref_len(toks, j) > 0);
            if has_doc {
                let mut j = i + 1;
                while j < signature_from && toks[j].gap < Gap::Sentence && j - i < 120 {
                    j += 1;
                }
                kinds[i..j].fill(Kind::Citation);
                i = j;
                continue;
            }
        }
        let r = doc_ref_len(toks, i);
        if r > 0 {
            kinds[i..i + r].fill(Kind::Citation);
            i += r;
            continue;
        }
        let d = date_len(toks, i);
        if d > 0 {
            kinds[i..i + d].fill(Kind::Date);
            i += d;
            continue;
        }
        i += 1;
    }

    // Names of organizations and places.
    let mut i = 0;
    while i < signature_from {
        if kinds[i] != Kind::Content {
            i += 1;
            continue;
        }
        let (len, _) = name_len(toks, i, gaz);
        if len > 0 {
            for k in &mut kinds[i..i + len] {
                if *k == Kind::Content {
                    *k = Kind::Name;
                }
            }
            i += len;
        } else {
            i += 1;
        }
    }
    kinds
}

/// Length of a capitalized run (a proper name) starting at `i`, at most four syllables.
fn capitalized_run(toks: &[Token], i: usize) -> usize {
    let mut j = i;
    while j < toks.len()
        && j - i < 4
        && toks[j].capitalized
        && toks[j].gap <= Gap::Space
        && match_any(toks, j, COMMITTEE_WORDS) == 0
        && match_any(toks, j, LEVEL_WORDS) == 0
    {
        j += 1;
    }
    j - i
}

/// Length of an organization or place name starting at `i` (0 if none), and whether it is
/// specific: a gazetteer name or a proper name, not just `chi bộ` or `toàn huyện`.
fn name_len(toks: &[Token], i: usize, gaz: &Gazetteer) -> (usize, bool) {
    let full = Gazetteer::match_in(&gaz.full, toks, i);
    if full > 0 {
        return (full, true);
    }
    if toks[i].capitalized {
        let bare = Gazetteer::match_in(&gaz.bare, toks, i);
        if bare > 0 && toks[i..i + bare].iter().all(|t| t.capitalized) {
            return (bare, true);
        }
    }
    let committee = match_any(toks, i, COMMITTEE_WORDS);
    if committee > 0 {
        let mut j = i + committee;
        // "Đảng ủy xã Bảo Sơn", "Huyện ủy Lục Nam", "Ủy ban nhân dân tỉnh".
        let level = match_any(toks, j, LEVEL_WORDS);
        if level > 0 && toks[j].gap <= Gap::Space {
            j += level;
        }
        let mut run = 0;
        if j < toks.len() && toks[j].gap <= Gap::Space {
            run = capitalized_run(toks, j);
        }
        return (j + run - i, run > 0);
    }
    let level = match_any(toks, i, LEVEL_WORDS);
    if level > 0 {
        let j = i + level;
        let run = if j < toks.len() {
            capitalized_run(toks, j)
        } else {
            0
        };
        if run > 0 {
            return (level + run, true);
        }
        if match_any(toks, i, BARE_LEVEL_WORDS) == level {
            let next = toks.get(j).map_or("", |t| t.text.as_str());
            let common = NOT_A_PLACE_AFTER
                .iter()
                .any(|(a, b)| *a == toks[i].text && *b == next && toks[j].gap <= Gap::Space);
            if !common {
                return (level, false);
            }
        }
    }
    (0, false)
}

/// Specific names (gazetteer names and proper names of places and organizations) in a
/// token sequence, as token index ranges.
pub(crate) fn specific_names(toks: &[Token], gaz: &Gazetteer) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let (len, specific) = name_len(toks, i, gaz);
        if len > 0 {
            if specific {
                out.push((i, i + len));
            }
            i += len;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders the content sequence: syllables, with `§` for a name.
    fn content(text: &str, gaz: &Gazetteer) -> String {
        let a = analyze(text, gaz);
        let mut out = Vec::new();
        for c in &a.content {
            if c.hash == PLACEHOLDER_HASH {
                out.push("§".to_string());
            } else {
                let t = a.tokens.iter().find(|t| t.start == c.start).unwrap();
                out.push(t.text.clone());
            }
        }
        out.join(" ")
    }

    fn check(text: &str, expect: &str) {
        let gaz = Gazetteer::from_names(["tỉnh Bắc Giang", "huyện Lục Nam", "xã Bảo Sơn"]);
        assert_eq!(content(text, &gaz), expect, "input: {text:?}");
    }

    #[test]
    fn headers_headings_and_dates_are_boilerplate() {
        let cases = [
            (
                "ĐẢNG CỘNG SẢN VIỆT NAM\n*\nBắc Giang, ngày 05 tháng 3 năm 2024",
                "",
            ),
            ("TỈNH ỦY BẮC GIANG\nSố 15-CTr/TU", ""),
            (
                "I. MỤC ĐÍCH, YÊU CẦU\n1. Mục đích\nNâng cao nhận thức",
                "nâng cao nhận thức",
            ),
            ("III. TỔ CHỨC THỰC HIỆN\nNhiệm vụ, giải pháp:\nHọp", "họp"),
            (
                "Hoàn thành trước ngày 30/6/2024 và quý II/2025",
                "hoàn thành trước và",
            ),
            (
                "Đến năm 2025, kết nạp 50 đảng viên",
                "đến kết nạp 50 đảng viên",
            ),
        ];
        for (text, expect) in cases {
            check(text, expect);
        }
    }

    #[test]
    fn citations_are_boilerplate() {
        check(
            "Thực hiện Nghị quyết số 01-NQ/TU ngày 12/01/2024 của Ban Thường vụ Tỉnh ủy về công tác cán bộ, Ban Thường vụ Huyện ủy ban hành Kế hoạch như sau:\nTổ chức hội nghị",
            "tổ chức hội nghị",
        );
        check(
            "- Căn cứ Điều lệ Đảng;\n- Căn cứ Quy định số 24-QĐ/TW\nHọp chi bộ",
            "họp §",
        );
        check(
            "theo Kết luận số 21-KL/TW của Trung ương",
            "theo của trung ương",
        );
    }

    #[test]
    fn signature_block_is_boilerplate() {
        check(
            "Họp định kỳ.\nNơi nhận:\n- Như trên,\nT/M BAN THƯỜNG VỤ\nBÍ THƯ\nNguyễn Văn An",
            "họp định kỳ",
        );
        check(
            "Họp định kỳ.\nT/M ĐẢNG ỦY\nBÍ THƯ\nLê Thị Hoa",
            "họp định kỳ",
        );
    }

    #[test]
    fn names_become_one_placeholder() {
        let cases = [
            ("Đảng bộ tỉnh Bắc Giang lãnh đạo", "§ lãnh đạo"),
            ("Huyện ủy Lục Nam lãnh đạo", "§ lãnh đạo"),
            ("Đảng ủy xã Bảo Sơn lãnh đạo", "§ lãnh đạo"),
            ("Ban Thường vụ Tỉnh ủy chỉ đạo", "ban thường vụ § chỉ đạo"),
            ("trên địa bàn toàn huyện", "trên địa bàn toàn §"),
            (
                "phát triển kinh tế - xã hội của xã",
                "phát triển kinh tế xã hội của §",
            ),
            ("tại thôn Đồng Cốc, xã Tân Mộc", "tại §"),
            ("các chi bộ ở Lục Nam", "các § ở §"),
            ("Ủy ban nhân dân tỉnh chủ trì", "§ chủ trì"),
            ("tiến bộ", "tiến bộ"),
        ];
        for (text, expect) in cases {
            check(text, expect);
        }
    }

    #[test]
    fn the_pattern_filter_knows_every_first_syllable() {
        let openers: &[&[&str]] = &[&["căn", "cứ"], &["thực", "hiện"]];
        for list in [
            COMMITTEE_WORDS,
            LEVEL_WORDS,
            BARE_LEVEL_WORDS,
            DOC_TYPES,
            openers,
        ] {
            for seq in list {
                assert!(may_start_pattern(seq[0]), "{}", seq[0]);
            }
        }
    }

    #[test]
    fn swapped_names_give_the_same_sequence() {
        let gaz = Gazetteer::from_names(["tỉnh Bắc Giang", "huyện Lục Nam"]);
        let a = "Ban Thường vụ Tỉnh ủy Bắc Giang yêu cầu các cấp ủy trong toàn tỉnh Bắc Giang";
        let b = "Ban Thường vụ Huyện ủy Lục Nam yêu cầu các cấp ủy trong toàn huyện Lục Nam";
        assert_eq!(content(a, &gaz), content(b, &gaz));
    }
}
